// test-huge-pages.cpp: OpenCV's large buffers (engine/huge-pages.cpp) come
// from mappings kept when earlier ones of their size were freed, hold what
// was written, and no more than huge_pages_kept_limit bytes stay mapped
// after their buffers are gone; none while a HugePagesNotKept lives (the
// graph's pool drops buffers so); resident_bytes () sees what is written.
#include "huge-pages.hpp"

#include <opencv2/core.hpp>

#include <glib.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr size_t kMiB = (size_t) 1 << 20;

// The process's resident bytes (/proc/self/status).
size_t
resident ()
{
  FILE *f = fopen ("/proc/self/status", "r");
  g_assert_nonnull (f);
  char line[256];
  size_t kb = 0;
  while (fgets (line, sizeof line, f))
    if (std::strncmp (line, "VmRSS:", 6) == 0)
      kb = (size_t) g_ascii_strtoull (line + 6, nullptr, 10);
  fclose (f);
  g_assert_cmpuint (kb, >, 0);
  return kb * 1024;
}

cv::Mat
floats (size_t bytes, float value)
{
  cv::Mat m (1, (int) (bytes / sizeof (float)), CV_32F);
  m.setTo (value);
  return m;
}

void
test_reused ()
{
  const size_t before = ns::huge_pages_kept ();
  cv::Mat a = floats (12 * kMiB, 1.0f);
  const uchar *first = a.data;
  a.release ();
  g_assert_cmpuint (ns::huge_pages_kept (), ==, before + 12 * kMiB);
  // A little smaller: the same 2 MiB pages.
  cv::Mat b = floats (12 * kMiB - 4096, 2.0f);
  g_assert_true (b.data == first);
  g_assert_cmpuint (ns::huge_pages_kept (), ==, before);
  g_assert_cmpfloat (cv::sum (b)[0], ==, 2.0 * (double) b.total ());
  // Another size does not take it; small buffers are never kept.
  b.release ();
  cv::Mat c = floats (20 * kMiB, 3.0f);
  g_assert_true (c.data != first);
  cv::Mat small = floats (kMiB, 4.0f);
  small.release ();
  g_assert_cmpuint (ns::huge_pages_kept (), ==, before + 12 * kMiB);
}

void
test_bounded ()
{
  const size_t start = resident ();
  {
    std::vector<cv::Mat> many;
    for (int i = 0; i < 48; i++)
      many.push_back (floats (8 * kMiB, (float) i)); // 384 MiB, written
    g_assert_cmpuint (resident (), >=, start + 300 * kMiB);
  }
  g_assert_cmpuint (ns::huge_pages_kept (), <=, ns::huge_pages_kept_limit);
  g_test_message ("kept %zu MiB; resident %zu MiB more than before",
                  ns::huge_pages_kept () / kMiB, (resident () - std::min (resident (), start)) / kMiB);
  g_assert_cmpuint (resident (), <=, start + ns::huge_pages_kept_limit + 16 * kMiB);
}

// Freed while a HugePagesNotKept lives, a buffer's memory goes back to
// the system: nothing more is kept, and the resident memory falls.
void
test_not_kept ()
{
  const size_t kept = ns::huge_pages_kept ();
  cv::Mat a = floats (24 * kMiB, 1.0f);
  const size_t written = ns::resident_bytes ();
  g_assert_cmpuint (written, <=, resident () + kMiB);
  g_assert_cmpuint (written + kMiB, >=, resident ());
  {
    const ns::HugePagesNotKept unmapped;
    a.release ();
  }
  g_assert_cmpuint (ns::huge_pages_kept (), ==, kept);
  g_assert_cmpuint (ns::resident_bytes (), <=, written - 20 * kMiB);
  // Kept again once it is gone.
  cv::Mat b = floats (24 * kMiB, 2.0f);
  b.release ();
  g_assert_cmpuint (ns::huge_pages_kept (), >=, 24 * kMiB);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#ifdef __SANITIZE_ADDRESS__
  // Under AddressSanitizer OpenCV's buffers stay with malloc.
  const bool sanitized = true;
#else
  const bool sanitized = false;
#endif
  if (sanitized)
    g_test_add_func ("/huge-pages/skipped", [] { g_test_skip ("not under AddressSanitizer"); });
  else
    {
      ns::use_huge_pages ();
      // First: nothing is kept yet, so a buffer kept shows.
      g_test_add_func ("/huge-pages/not-kept", test_not_kept);
      g_test_add_func ("/huge-pages/reused", test_reused);
      g_test_add_func ("/huge-pages/bounded", test_bounded);
    }
  return g_test_run ();
}
