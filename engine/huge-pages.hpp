// huge-pages.hpp: OpenCV's large buffers on transparent huge pages.
//
// A network's first pass at a new size allocates and page-faults every
// feature map (hundreds of megabytes); with 4 KiB pages that costs about
// as much again as the arithmetic.  Linux (with transparent huge pages in
// "madvise" mode, Debian's default) maps 2 MiB pages where asked to.
#pragma once

#include <cstddef>

namespace ns {

// Makes cv::Mat allocate buffers of 4 MiB and more with mmap and
// madvise (MADV_HUGEPAGE), process-wide, from now on.  Idempotent.  Freed
// ones are kept (up to huge_pages_kept_limit bytes) for the next of the
// same size in 2 MiB: new pages come zeroed by the kernel, which cost as
// much as a fifth of the CPU time of an exact-tiled painting.
void use_huge_pages ();

// The freed buffers' bytes kept now (for the tests), and at most.
size_t huge_pages_kept ();
constexpr size_t huge_pages_kept_limit = (size_t) 128 << 20;

} // namespace ns
