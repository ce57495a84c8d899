// split-deconv-bench.cpp: ns::SplitDeconv against OpenCV's Deconvolution
// layer, with wave.onnx's real weights, at the sizes of a 3 MP picture:
// 1x128x384x512 -> 64 channels and 1x64x768x1024 -> 32 channels.  Both are
// driven the way the engine drives layers (finalize, then forward into
// buffers it owns).  "first" is a forward at a new size into fresh buffers
// (the stock layer's col2im buffer included); "steady" the next one.
// Round-robin, medians of wall and process CPU time.  --huge-pages: with
// the engine's allocator (engine/huge-pages.cpp), as in the engine.  Not
// part of the build:
//
//   g++ -O2 -std=c++17 -Iengine bench/split-deconv-bench.cpp engine/split-deconv.cpp engine/conv-gemm.cpp engine/gemm.cpp
//       engine/huge-pages.cpp $(pkg-config --cflags --libs opencv4 glib-2.0) -o /tmp/split-deconv-bench
//   /tmp/split-deconv-bench ../shared/models/wave.onnx [rounds] [--huge-pages]
#include "huge-pages.hpp"
#include "split-deconv.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/shape_utils.hpp>
#pragma GCC diagnostic pop

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>

namespace {

struct Times
{
  double wall, cpu;
};

double
cpu_now ()
{
  rusage u;
  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

Times
timed (const std::function<void ()> &f)
{
  const double c0 = cpu_now ();
  const auto t0 = std::chrono::steady_clock::now ();
  f ();
  const auto t1 = std::chrono::steady_clock::now ();
  return { std::chrono::duration<double> (t1 - t0).count (), cpu_now () - c0 };
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

// The stock layer, driven alone: fresh output and internal buffers, then
// finalize and two forwards.
void
run_stock (cv::dnn::Layer &layer, const cv::Mat &x, Times &first, Times &steady)
{
  std::vector<cv::Mat> inputs { x }, outputs, internals;
  first = timed ([&] {
    std::vector<cv::dnn::MatShape> out_shapes, internal_shapes;
    layer.getMemoryShapes ({ cv::dnn::shape (x) }, 1, out_shapes, internal_shapes);
    for (const auto &s : out_shapes)
      outputs.emplace_back (s, CV_32F);
    for (const auto &s : internal_shapes)
      internals.emplace_back (s, CV_32F);
    layer.finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
    layer.forward (inputs, outputs, internals);
  });
  steady = timed ([&] { layer.forward (inputs, outputs, internals); });
}

// A fresh SplitDeconv (made at load time: not timed) and a fresh output.
void
run_split (const cv::dnn::Layer &layer, const cv::Mat &x, Times &first, Times &steady)
{
  ns::SplitDeconv split (layer);
  cv::Mat y;
  first = timed ([&] {
    y.create (split.output_shape (cv::dnn::shape (x)), CV_32F);
    split.forward (x, y);
  });
  steady = timed ([&] { split.forward (x, y); });
}

} // namespace

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      std::fprintf (stderr, "usage: %s wave.onnx [rounds] [--huge-pages]\n", argv[0]);
      return 2;
    }
  const int rounds = argc > 2 ? std::atoi (argv[2]) : 3;
  const bool huge = argc > 3 && std::string (argv[3]) == "--huge-pages";
  if (huge)
    ns::use_huge_pages ();
  cv::dnn::Net net = cv::dnn::readNetFromONNX (argv[1]);
  std::vector<cv::Ptr<cv::dnn::Layer>> deconvs;
  for (const std::string &name : net.getLayerNames ())
    if (net.getLayer (net.getLayerId (name))->type == "Deconvolution")
      deconvs.push_back (net.getLayer (net.getLayerId (name)));
  if (deconvs.size () != 2)
    return 1;

  std::printf ("load average before: %s\nOpenCV threads: %d, huge pages %s\n",
               loadavg ().c_str (), cv::getNumThreads (), huge ? "on" : "off");
  const int shapes[2][4] = { { 1, 128, 384, 512 }, { 1, 64, 768, 1024 } };
  for (int s = 0; s < 2; s++)
    {
      cv::Mat x (4, shapes[s], CV_32F);
      cv::randu (x, 0.0, 2.0);
      cv::dnn::Layer &layer = *deconvs[s];
      std::map<std::string, std::vector<double>> t;
      for (int r = 0; r < rounds; r++)
        {
          // Alternate which goes first.
          for (int k = 0; k < 2; k++)
            {
              Times first, steady;
              const bool stock = (k + r) % 2 == 0;
              if (stock)
                run_stock (layer, x, first, steady);
              else
                run_split (layer, x, first, steady);
              const std::string name = stock ? "stock" : "split";
              t[name + " first wall"].push_back (first.wall);
              t[name + " first cpu"].push_back (first.cpu);
              t[name + " steady wall"].push_back (steady.wall);
              t[name + " steady cpu"].push_back (steady.cpu);
              std::printf ("  round %d %s: first %.3f s (cpu %.3f), steady %.3f s (cpu %.3f)\n", r,
                           name.c_str (), first.wall, first.cpu, steady.wall, steady.cpu);
              std::fflush (stdout);
            }
        }
      std::printf ("1x%dx%dx%d -> %d, medians of %d rounds:\n", shapes[s][1], shapes[s][2],
                   shapes[s][3], layer.blobs[0].size[1], rounds);
      for (const char *what : { "first wall", "first cpu", "steady wall", "steady cpu" })
        {
          const double a = median (t[std::string ("stock ") + what]);
          const double b = median (t[std::string ("split ") + what]);
          std::printf ("  %-11s stock %.3f s  split %.3f s  speedup %.2fx\n", what, a, b, a / b);
        }
    }
  std::printf ("load average after: %s\n", loadavg ().c_str ());
  return 0;
}
