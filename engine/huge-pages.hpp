// huge-pages.hpp: OpenCV's large buffers on transparent huge pages.
//
// A network's first pass at a new size allocates and page-faults every
// feature map (hundreds of megabytes); with 4 KiB pages that costs about
// as much again as the arithmetic.  Linux (with transparent huge pages in
// "madvise" mode, Debian's default) maps 2 MiB pages where asked to.
#pragma once

namespace ns {

// Makes cv::Mat allocate buffers of 4 MiB and more with mmap and
// madvise (MADV_HUGEPAGE), process-wide, from now on.  Idempotent.
void use_huge_pages ();

} // namespace ns
