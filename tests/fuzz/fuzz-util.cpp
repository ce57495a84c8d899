// fuzz-util.cpp: see fuzz-util.hpp.
#include "fuzz-util.hpp"

#include <glib.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace {

bool huge_allocation = false;

} // namespace

void *
operator new (size_t n)
{
  if (n > fuzz::kMaxAllocation)
    {
      huge_allocation = true;
      throw std::bad_alloc ();
    }
  if (void *p = std::malloc (n ? n : 1))
    return p;
  throw std::bad_alloc ();
}

// Not inlined: GCC would take free() of what operator new returned for a
// mismatch.
G_GNUC_NO_INLINE void operator delete (void *p) noexcept { std::free (p); }
G_GNUC_NO_INLINE void operator delete (void *p, size_t) noexcept { std::free (p); }

namespace fuzz {

std::string
allocation_failure ()
{
  const bool huge = huge_allocation;
  huge_allocation = false;
  return huge ? "an allocation over 64 MB" : "out of memory";
}

void
forget_allocation ()
{
  huge_allocation = false;
}

void
end_case (const std::string &what, std::string failure,
          std::chrono::steady_clock::time_point start, double max_seconds, double &slowest,
          size_t &failures)
{
  forget_allocation ();
  const double seconds
    = std::chrono::duration<double> (std::chrono::steady_clock::now () - start).count ();
  slowest = std::max (slowest, seconds);
  if (failure.empty () && seconds > max_seconds)
    failure = "took " + std::to_string (seconds) + " s";
  if (!failure.empty () && failures++ < 10)
    g_test_message ("FAIL %s: %s", what.c_str (), failure.c_str ());
}

} // namespace fuzz
