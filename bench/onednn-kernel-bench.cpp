// onednn-kernel-bench.cpp: ns::OneDnnConvolution against OpenCV's
// Convolution layer (driven as the engine drives layers: finalize, then
// forward into buffers it owns) at the sizes of a 3 MP picture, random
// weights.  The kernel with Winograd preferred or oneDNN's automatic
// choice, and with blocked layouts (reorders from and to NCHW included in
// its time) or forced NCHW.  One process, round-robin, medians of
// steady-state forwards, wall and process CPU time.  Not part of the build:
//
//   g++ -O2 -std=c++17 -fopenmp -Iengine bench/onednn-kernel-bench.cpp engine/onednn-conv.cpp $(pkg-config --cflags --libs opencv4) -ldnnl -o /tmp/onednn-kernel-bench
//   /tmp/onednn-kernel-bench [rounds]
#include "onednn-conv.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>

namespace {

using Alg = ns::OneDnnConvolution::Algorithm;

double
cpu_now ()
{
  rusage u;
  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::pair<double, double>
timed (const std::function<void ()> &f)
{
  const double c0 = cpu_now ();
  const auto t0 = std::chrono::steady_clock::now ();
  f ();
  return { std::chrono::duration<double> (std::chrono::steady_clock::now () - t0).count (),
           cpu_now () - c0 };
}

double
median (std::vector<double> v)
{
  std::sort (v.begin (), v.end ());
  return v[v.size () / 2];
}

std::string
loadavg ()
{
  std::ifstream f ("/proc/loadavg");
  std::string line;
  std::getline (f, line);
  return line;
}

struct Case
{
  const char *name;
  int cin, h, w, cout, k, stride;
};

void
run (const Case &c, int rounds)
{
  const int pad = c.k / 2;
  cv::Mat x (cv::dnn::MatShape { 1, c.cin, c.h, c.w }, CV_32F),
    wt (cv::dnn::MatShape { c.cout, c.cin, c.k, c.k }, CV_32F), b (1, c.cout, CV_32F);
  cv::randu (x, -1.0, 1.0);
  cv::randn (wt, 0.0, 0.05);
  cv::randn (b, 0.0, 0.1);

  cv::dnn::LayerParams p;
  p.set ("kernel_size", c.k);
  p.set ("pad", pad);
  p.set ("stride", c.stride);
  p.set ("num_output", c.cout);
  p.set ("bias_term", true);
  p.blobs = { wt, b };
  cv::Ptr<cv::dnn::Layer> layer = cv::dnn::ConvolutionLayer::create (p);
  ns::OneDnnConvolution probe (wt, b, { c.stride, c.stride }, { pad, pad, pad, pad });
  const cv::dnn::MatShape yshape = probe.output_shape (ns::shape_of (x));
  std::vector<cv::Mat> inputs { x }, outputs { cv::Mat (yshape, CV_32F) }, internals;
  layer->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
  layer->forward (inputs, outputs, internals);

  struct Variant
  {
    std::string name;
    std::unique_ptr<ns::OneDnnConvolution> conv;
  };
  std::vector<Variant> variants;
  cv::Mat y (yshape, CV_32F);
  for (auto alg : { Alg::prefer_winograd, Alg::automatic })
    for (bool blocked : { true, false })
      {
        auto conv = std::make_unique<ns::OneDnnConvolution> (wt, b, cv::Vec2i (c.stride, c.stride),
                                                             cv::Vec4i (pad, pad, pad, pad));
        conv->set_choice (alg, blocked);
        const auto first = timed ([&] { conv->forward (x, y); });
        const std::string name = std::string (alg == Alg::prefer_winograd ? "wino" : "auto")
                                 + (blocked ? "/blocked" : "/nchw");
        std::printf ("  %s: %s, first forward %.3f s, scratch %.1f bytes/input pixel, "
                     "max |diff| vs OpenCV %.3g\n",
                     name.c_str (), conv->implementation ().c_str (), first.first,
                     (double) conv->scratch_bytes () / (c.h * c.w),
                     cv::norm (y, outputs[0], cv::NORM_INF));
        variants.push_back ({ name, std::move (conv) });
      }

  std::map<std::string, std::vector<double>> wall, cpu;
  for (int r = 0; r < rounds; r++)
    {
      auto t = timed ([&] { layer->forward (inputs, outputs, internals); });
      wall["opencv"].push_back (t.first);
      cpu["opencv"].push_back (t.second);
      for (Variant &v : variants)
        {
          t = timed ([&] { v.conv->forward (x, y); });
          wall[v.name].push_back (t.first);
          cpu[v.name].push_back (t.second);
        }
    }
  const double base_wall = median (wall["opencv"]), base_cpu = median (cpu["opencv"]);
  std::printf ("%s: opencv %.3f s (cpu %.3f)\n", c.name, base_wall, base_cpu);
  for (Variant &v : variants)
    std::printf ("  %-13s %.3f s (cpu %.3f): %.2fx wall, %.2fx cpu\n", v.name.c_str (),
                 median (wall[v.name]), median (cpu[v.name]), base_wall / median (wall[v.name]),
                 base_cpu / median (cpu[v.name]));
  std::fflush (stdout);
}

} // namespace

int
main (int argc, char **argv)
{
  const int rounds = argc > 1 ? std::atoi (argv[1]) : 3;
  std::printf ("load average before: %s\nOpenCV threads: %d\n", loadavg ().c_str (),
               cv::getNumThreads ());
  const Case cases[] = {
    { "3x3 128->128, 1x128x384x512", 128, 384, 512, 128, 3, 1 },
    { "9x9 3->32, 1x3x768x1024", 3, 768, 1024, 32, 9, 1 },
    { "9x9 32->3, 1x32x768x1024", 32, 768, 1024, 3, 9, 1 },
    { "3x3 stride 2 32->64, 1x32x768x1024", 32, 768, 1024, 64, 3, 2 },
  };
  for (const Case &c : cases)
    run (c, rounds);
  std::printf ("load average after: %s\n", loadavg ().c_str ());
  return 0;
}
