// tap-sum-bench.cpp: the last 9x9 32->3 convolution of wave.onnx as the
// engine runs it (engine/tap-sum.cpp) against the same convolution as an
// im2col product (engine/conv-gemm.cpp, what Magenta's 9x9 8->3 runs on),
// on a band of a 3 MP picture's full width, one thread, thread CPU time
// (steadier than wall time on a shared machine), best of a few runs,
// GFLOP/s of useful multiply-adds.  Random weights: the numerics are the
// tap-sum test's.  Not part of the build:
//
//   g++ -O2 -std=c++17 -Iengine bench/tap-sum-bench.cpp engine/tap-sum.cpp engine/conv-gemm.cpp
//       engine/gemm.cpp $(pkg-config --cflags --libs opencv4) -o /tmp/tap-sum-bench
//   /tmp/tap-sum-bench [avx512|avx2|generic] [half]
// ("half": products in half precision where the CPU has AVX512-FP16.)
#include "conv-gemm.hpp"
#include "gemm.hpp"
#include "tap-sum.hpp"

#include <opencv2/core.hpp>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

namespace {

double
thread_seconds ()
{
  timespec t;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

double
best_of (int runs, const std::function<void ()> &f)
{
  double best = 1e30;
  for (int r = 0; r < runs; r++)
    {
      const double t0 = thread_seconds ();
      f ();
      best = std::min (best, thread_seconds () - t0);
    }
  return best;
}

} // namespace

int
main (int argc, char **argv)
{
  cv::setNumThreads (1);
  if (argc > 1 && !ns::gemm_select_isa (argv[1]))
    {
      std::fprintf (stderr, "%s: not on this CPU\n", argv[1]);
      return 1;
    }
  const bool half = argc > 2 && std::strcmp (argv[2], "half") == 0;
  if (half && !ns::gemm_set_half (true))
    std::fprintf (stderr, "no half precision on this CPU\n");
  const int out = 3, in = 32, k = 9, pad = 4, h = 300, w = 2000;
  cv::Mat weights ({ out, in, k, k }, CV_32F), bias ({ out }, CV_32F), x ({ 1, in, h, w }, CV_32F);
  cv::RNG rng (19);
  rng.fill (weights, cv::RNG::UNIFORM, -0.05, 0.05);
  rng.fill (bias, cv::RNG::UNIFORM, -1, 1);
  rng.fill (x, cv::RNG::UNIFORM, 0, 4);
  cv::Mat y ({ 1, out, h, w }, CV_32F), z ({ 1, out, h, w }, CV_32F);
  const double flop = 2.0 * out * in * k * k * h * w;

  ns::TapSum tap_sum (weights, bias, pad);
  ns::ConvGemm gemm (weights, bias, 1, cv::Vec4i (pad, pad, pad, pad));
  const double t_tap = best_of (5, [&] { tap_sum.forward (x, y); });
  const double t_gemm = best_of (3, [&] { gemm.forward (x, z); });
  std::printf ("%s%s, 9x9 32->3 on %dx%d:\n", ns::gemm_isa (), half ? " half" : "", w, h);
  std::printf ("  tap-sum    %7.1f ms  %6.1f GFLOP/s\n", 1e3 * t_tap, flop / t_tap * 1e-9);
  std::printf ("  conv-gemm  %7.1f ms  %6.1f GFLOP/s\n", 1e3 * t_gemm, flop / t_gemm * 1e-9);
  std::printf ("  largest difference %g\n", cv::norm (y, z, cv::NORM_INF));
  return 0;
}
