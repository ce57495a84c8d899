// huge-pages.cpp: see huge-pages.hpp.
#include "huge-pages.hpp"

#include <opencv2/core.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>

#include <cstddef>
#include <mutex>
#include <vector>

namespace ns {

namespace {

// Set by HugePagesNotKept.
thread_local bool not_kept = false;

constexpr size_t kHugeFrom = (size_t) 4 << 20;
constexpr size_t kHugePage = (size_t) 2 << 20;

// Freed mappings kept for the next buffers of their size (in huge
// pages).  Linux hands out every new page zeroed: exact tiling runs the
// network piece by piece, tile after tile, and remade large buffers each
// time (the kernel's page clearing took a fifth of the CPU time at 3 MP;
// half of that with these kept).  Bounded, so that the peak memory grows
// by at most this much.
constexpr size_t kKeptBytes = huge_pages_kept_limit;

class MappingCache
{
public:
  // A kept mapping of `length` bytes (a multiple of kHugePage), or nullptr.
  void *
  take (size_t length)
  {
    std::lock_guard<std::mutex> lock (mutex_);
    for (size_t i = kept_.size (); i-- > 0;)
      if (kept_[i].length == length)
        {
          void *p = kept_[i].p;
          kept_bytes_ -= length;
          kept_.erase (kept_.begin () + (ptrdiff_t) i);
          return p;
        }
    return nullptr;
  }

  // Keeps the mapping, or unmaps it (and the oldest kept ones when it
  // needs their room).
  void
  give (void *p, size_t length)
  {
    std::vector<Mapping> unmap;
    {
      std::lock_guard<std::mutex> lock (mutex_);
      if (length > kKeptBytes)
        unmap.push_back ({ p, length });
      else
        {
          while (kept_bytes_ + length > kKeptBytes)
            {
              unmap.push_back (kept_.front ());
              kept_bytes_ -= kept_.front ().length;
              kept_.erase (kept_.begin ());
            }
          kept_.push_back ({ p, length });
          kept_bytes_ += length;
        }
    }
    for (const Mapping &m : unmap)
      munmap (m.p, m.length);
  }

  size_t
  kept () const
  {
    std::lock_guard<std::mutex> lock (mutex_);
    return kept_bytes_;
  }

private:
  struct Mapping
  {
    void *p;
    size_t length;
  };
  mutable std::mutex mutex_;
  std::vector<Mapping> kept_; // oldest first
  size_t kept_bytes_ = 0;
};

// OpenCV's standard allocator (modules/core/src/matrix.cpp), but for the
// memory of large buffers.
class HugePageAllocator : public cv::MatAllocator
{
public:
  cv::UMatData *
  allocate (int dims, const int *sizes, int type, void *data0, size_t *step,
            cv::AccessFlag, cv::UMatUsageFlags) const override
  {
    size_t total = CV_ELEM_SIZE (type);
    for (int i = dims - 1; i >= 0; i--)
      {
        if (step)
          {
            if (data0 && step[i] != cv::Mat::AUTO_STEP)
              total = step[i];
            else
              step[i] = total;
          }
        total *= sizes[i];
      }

    uchar *data = static_cast<uchar *> (data0);
    bool mapped = false;
    if (!data && total >= kHugeFrom)
      {
        const size_t length = (total + kHugePage - 1) / kHugePage * kHugePage;
        void *p = cache_.take (length);
        if (!p)
          {
            // No MADV_HUGEPAGE: see huge-pages.hpp.  Populated at once
            // (MAP_POPULATE): the kernel fills in every page in one call,
            // where a first touch took a page fault for each 4 KiB page.
            // On AMD Zen 3 under KVM: 0.46-0.63 s/GB against 0.82-0.99
            // s/GB; a 3 MP painting, four alternating rounds, 1.02-1.12 s
            // of system time against 1.38-1.69, 13.1-13.4 s of CPU in all
            // against 13.3-14.4, the same wall time, and 37 MB more at the
            // peak (pages of buffers a pass does not write whole).
            p = mmap (nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                      -1, 0);
            if (p == MAP_FAILED)
              p = nullptr;
          }
        if (p)
          {
            data = static_cast<uchar *> (p);
            mapped = true;
          }
      }
    if (!data)
      data = static_cast<uchar *> (cv::fastMalloc (total));

    cv::UMatData *u = new cv::UMatData (this);
    u->data = u->origdata = data;
    u->size = total;
    if (data0)
      u->flags |= cv::UMatData::USER_ALLOCATED;
    if (mapped)
      u->userdata = const_cast<HugePageAllocator *> (this); // marks mmap'ed memory
    return u;
  }

  bool
  allocate (cv::UMatData *u, cv::AccessFlag, cv::UMatUsageFlags) const override
  {
    return u != nullptr;
  }

  void
  deallocate (cv::UMatData *u) const override
  {
    if (!u)
      return;
    CV_Assert (u->urefcount == 0 && u->refcount == 0);
    if (!(u->flags & cv::UMatData::USER_ALLOCATED))
      {
        const size_t length = (u->size + kHugePage - 1) / kHugePage * kHugePage;
        if (u->userdata == this && not_kept)
          munmap (u->origdata, length);
        else if (u->userdata == this)
          cache_.give (u->origdata, length);
        else
          cv::fastFree (u->origdata);
        u->origdata = nullptr;
      }
    delete u;
  }

  size_t kept () const { return cache_.kept (); }

private:
  mutable MappingCache cache_;
};

// Set once by use_huge_pages ().
HugePageAllocator *huge_page_allocator = nullptr;

} // namespace

void
use_huge_pages ()
{
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer checks and limits only what malloc hands out: under
  // it, OpenCV's buffers stay with malloc.
  return;
#endif
  static std::once_flag once;
  std::call_once (once, [] {
    // Never freed: Mats allocated by it may live until the process ends.
    huge_page_allocator = new HugePageAllocator ();
    cv::Mat::setDefaultAllocator (huge_page_allocator);
  });
}

HugePagesNotKept::HugePagesNotKept () : previous_ (not_kept)
{
  not_kept = true;
}

HugePagesNotKept::~HugePagesNotKept ()
{
  not_kept = previous_;
}

size_t
resident_bytes ()
{
  FILE *statm = fopen ("/proc/self/statm", "r");
  if (!statm)
    return 0;
  unsigned long size = 0, resident = 0;
  const bool read = fscanf (statm, "%lu %lu", &size, &resident) == 2;
  fclose (statm);
  return read ? (size_t) resident * (size_t) sysconf (_SC_PAGESIZE) : 0;
}

size_t
huge_pages_kept ()
{
  return huge_page_allocator ? huge_page_allocator->kept () : 0;
}

} // namespace ns
