// fuzz-util.cpp: see fuzz-util.hpp.
#include "fuzz-util.hpp"

#include <glib.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace {

bool huge_allocation = false;

} // namespace

// The replacement operators are never inlined, new as well as delete.
// GCC pairs the allocation and the release it sees at each call site:
// with operator new inlined, a std::vector or std::string in this file
// showed it new's malloc () released by operator delete, and GCC 16
// reports that as -Wmismatched-new-delete (an error with -Dwerror=true);
// with only delete inlined, it saw free () of what operator new returned.
// Out of line, every site pairs operator new with operator delete, as
// with the library's own.
G_GNUC_NO_INLINE void *
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
