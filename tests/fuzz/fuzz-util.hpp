// fuzz-util.hpp: what the fuzz tests of the engine's readers share: a cap
// on every allocation (a hostile size must fail as an error, never as a
// gigabyte asked for) and the end of one case (its time, its failure).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace fuzz {

// Every operator new above this fails with std::bad_alloc (the files the
// tests read are at most a few megabytes).
constexpr size_t kMaxAllocation = size_t (64) << 20;

// Why a std::bad_alloc was thrown ("an allocation over 64 MB" or "out of
// memory"), forgetting it for the next case.
std::string allocation_failure ();
// Forgets an allocation refused by the cap, once a case is over.
void forget_allocation ();

// The end of a case that started at `start`: a case slower than
// `max_seconds` fails too; the slowest time is kept in `slowest`, and the
// first ten failures are printed (counted in `failures`).
void end_case (const std::string &what, std::string failure,
               std::chrono::steady_clock::time_point start, double max_seconds,
               double &slowest, size_t &failures);

} // namespace fuzz
