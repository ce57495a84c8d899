// huge-pages.hpp: OpenCV's large buffers in mappings of whole 2 MiB pages,
// kept for the next buffer of their size.
//
// A network's first pass at a new size allocates and page-faults every
// feature map (hundreds of megabytes), and Linux zeroes every new page.
// Exact tiling runs the network piece by piece: buffers made again for
// each piece were zeroed again each time.  Kept mappings are not.
//
// They are no longer advised onto transparent huge pages (MADV_HUGEPAGE;
// systems in THP "always" mode still use them): with buffers made once,
// what huge pages saved was the faults of a first touch, and on a virtual
// machine whose host takes back free guest memory (this project's test
// machine), a fresh 2 MiB page cost 3.6 s/GB on first touch against
// 0.5 s/GB for 4 KiB pages.  Measured on a 3 MP painting there, three
// rounds: 2.7-3.3 s of system time with the advice, 0.6-0.7 s without,
// and 0.5 s more user time without (TLB misses): 11.3-12.0 s of CPU in
// all against 9.8-10.3 s.
#pragma once

#include <cstddef>

namespace ns {

// Makes cv::Mat allocate buffers of 4 MiB and more with mmap, in whole
// 2 MiB pages populated at once (MAP_POPULATE: half the system time of a
// page fault per 4 KiB page), process-wide, from now on.  Idempotent.  Freed
// ones are kept (up to huge_pages_kept_limit bytes) for the next of the
// same size in 2 MiB: new pages come zeroed by the kernel, which cost as
// much as a fifth of the CPU time of an exact-tiled painting.
void use_huge_pages ();

// The freed buffers' bytes kept now (for the tests), and at most.  The
// kernels' scratch comes from the graph's pool now, and its dropped
// buffers are not kept (HugePagesNotKept): what is freed and made again is
// OpenCV's and the Winograd kernel's (at most 36 MB kept at 3 MP, where
// the limit was 128 MiB and counted whole against the memory budget).
size_t huge_pages_kept ();
constexpr size_t huge_pages_kept_limit = (size_t) 64 << 20;

// The process's resident memory in bytes (0 where the system does not
// say): what it holds before a job (the caller's image, the network,
// the libraries) counts against the job's memory budget too.
size_t resident_bytes ();

// While one lives, buffers freed on its thread are unmapped, not kept:
// the graph's pool drops buffers of sizes it no longer needs (exact
// tiling at 12 MP, with the pool at its limit, filled the kept memory
// with them and peaked 120 MB higher).
class HugePagesNotKept
{
public:
  HugePagesNotKept ();
  ~HugePagesNotKept ();
  HugePagesNotKept (const HugePagesNotKept &) = delete;
  HugePagesNotKept &operator= (const HugePagesNotKept &) = delete;

private:
  bool previous_;
};

} // namespace ns
