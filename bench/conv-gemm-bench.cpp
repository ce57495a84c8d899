// conv-gemm-bench.cpp: the engine's matrix product (engine/gemm.cpp) on
// the convolutions the engine runs on it in wave.onnx and Magenta's
// transfer network, at the sizes of a 3 MP picture's tile, one thread,
// thread CPU time (steadier than wall time on a shared machine), best of
// a few runs, GFLOP/s of useful multiply-adds.  Random weights: the
// numerics are the conv-gemm test's.  Not part of the build:
//
//   g++ -O2 -std=c++17 -Iengine bench/conv-gemm-bench.cpp build/engine/libneural-style-engine.a
//       $(pkg-config --cflags --libs opencv4 gio-2.0) -lz -o /tmp/conv-gemm-bench
//   /tmp/conv-gemm-bench [avx512|avx2|generic] [half]
// ("half": products in half precision where the CPU has AVX512-FP16.)
#include "conv-gemm.hpp"
#include "gemm.hpp"

#include <opencv2/core.hpp>

#include <time.h>

#include <algorithm>
#include <cstdio>

namespace {

double
thread_seconds ()
{
  timespec t;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

struct Shape
{
  const char *name;
  int out, in, kernel, height, width, pad;
};

// As rewrite.cpp makes them: a transposed convolution split into one
// 2x2 convolution to its four phases.  (wave's last 9x9 32->3 one is
// tap-sum.cpp's: bench/tap-sum-bench.cpp.)
const Shape kShapes[] = {
  { "wave split deconv 128->64", 256, 128, 2, 200, 266, 0 },
  { "wave split deconv 64->32", 128, 64, 2, 400, 532, 0 },
  { "wave 9x9 3->32", 32, 3, 9, 400, 532, 4 },
  { "magenta 9x9 8->3", 3, 8, 9, 400, 532, 4 },
  { "magenta 9x9 3->8", 8, 3, 9, 400, 532, 4 },
  { "magenta 3x3 16->8", 8, 16, 3, 400, 532, 1 },
  { "magenta 3x3 32->32", 32, 32, 3, 200, 266, 1 },
};

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
  if (argc > 2 && !ns::gemm_set_half (true))
    {
      std::fprintf (stderr, "half precision: not on this CPU\n");
      return 1;
    }
  const char *isa = ns::gemm_half () ? "half" : ns::gemm_isa ();
  {
    // One of a Winograd layer's 36 products (128 x 128 by 128 x N).
    const int n = 100 * 133, c = 128;
    cv::Mat a (c, c, CV_32F), bm (c, n, CV_32F), cm (c, n, CV_32F);
    cv::randu (a, -0.1, 0.1);
    cv::randu (bm, -1, 1);
    const ns::PackedWeights w (a.ptr<float> (), c, c, c);
    double best = 1e30;
    for (int r = 0; r < 5; r++)
      {
        const double start = thread_seconds ();
        for (int j = 0; j < n; j += 128)
          w.multiply (bm.ptr<float> () + j, n, std::min (128, n - j), cm.ptr<float> () + j, n);
        best = std::min (best, thread_seconds () - start);
      }
    std::printf ("%-7s %-28s %8.1f ms %7.1f GFLOP/s\n", isa, "winograd product 128x128", best * 1e3,
                 2.0 * c * c * n / best / 1e9);
  }
  for (const Shape &s : kShapes)
    {
      const int wsizes[] = { s.out, s.in, s.kernel, s.kernel };
      cv::Mat w (4, wsizes, CV_32F), b (1, s.out, CV_32F);
      cv::randu (w, -0.1, 0.1);
      cv::randu (b, -0.1, 0.1);
      ns::ConvGemm conv (w, b, 1, cv::Vec4i::all (s.pad));
      const int xsizes[] = { 1, s.in, s.height, s.width };
      cv::Mat x (4, xsizes, CV_32F);
      cv::randu (x, -1, 1);
      const cv::dnn::MatShape os = conv.output_shape ({ 1, s.in, s.height, s.width });
      cv::Mat y ((int) os.size (), os.data (), CV_32F);
      double best = 1e30;
      for (int r = 0; r < 5; r++)
        {
          const double start = thread_seconds ();
          conv.forward (x, y);
          best = std::min (best, thread_seconds () - start);
        }
      const double flop = 2.0 * s.out * s.in * s.kernel * s.kernel * os[2] * os[3];
      std::printf ("%-7s %-28s %8.1f ms %7.1f GFLOP/s\n", isa, s.name, best * 1e3,
                   flop / best / 1e9);
    }
  return 0;
}
