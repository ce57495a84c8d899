// huge-pages.cpp: see huge-pages.hpp.
#include "huge-pages.hpp"

#include <opencv2/core.hpp>

#include <sys/mman.h>

#include <mutex>

namespace ns {

namespace {

constexpr size_t kHugeFrom = (size_t) 4 << 20;

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
        void *p = mmap (nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
          {
            madvise (p, total, MADV_HUGEPAGE); // only advice: fine if refused
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
        if (u->userdata == this)
          munmap (u->origdata, u->size);
        else
          cv::fastFree (u->origdata);
        u->origdata = nullptr;
      }
    delete u;
  }
};

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
    static HugePageAllocator *allocator = new HugePageAllocator ();
    cv::Mat::setDefaultAllocator (allocator);
  });
}

} // namespace ns
