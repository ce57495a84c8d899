// onednn-conv.cpp: a measurement only (oneDNN is not a dependency of the
// project).  The wave network's 3x3 128->128 convolution at 3 MP
// (1x128x384x512, pad 1) by oneDNN (convolution_auto, and
// convolution_winograd where this CPU has it) against OpenCV's Convolution
// layer, in one process, round-robin, medians of steady-state forwards.
// oneDNN runs on its own blocked layouts ("any"); the reorders from and to
// NCHW that a network kept in OpenCV's layout would need are timed apart.
//
//   apt-get install libdnnl-dev
//   g++ -O2 -std=c++17 bench/onednn-conv.cpp $(pkg-config --cflags --libs opencv4) -ldnnl
//       -o /tmp/onednn-conv
//   /tmp/onednn-conv [rounds]
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <dnnl.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
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

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// One oneDNN convolution with its reorders, on the same data as OpenCV's.
struct OneDnnConv
{
  dnnl::convolution_forward conv;
  dnnl::reorder to_src, to_weights, from_dst;
  memory user_src, user_weights, user_bias, user_dst, src, weights, dst;
  std::string impl;

  OneDnnConv (dnnl::engine &eng, dnnl::algorithm algo, const cv::Mat &x, const cv::Mat &w,
              const cv::Mat &b, cv::Mat &y)
  {
    const memory::dims sd { x.size[0], x.size[1], x.size[2], x.size[3] };
    const memory::dims wd { w.size[0], w.size[1], w.size[2], w.size[3] };
    const memory::dims dd { y.size[0], y.size[1], y.size[2], y.size[3] };
    const memory::dims bd { w.size[0] };
    const memory::desc any_src (sd, dt::f32, tag::any), any_w (wd, dt::f32, tag::any),
      any_dst (dd, dt::f32, tag::any), bias_md (bd, dt::f32, tag::x);
    const dnnl::convolution_forward::desc desc (dnnl::prop_kind::forward_inference, algo, any_src,
                                                any_w, bias_md, any_dst, { 1, 1 }, { 1, 1 },
                                                { 1, 1 });
    const dnnl::convolution_forward::primitive_desc pd (desc, eng);
    impl = pd.impl_info_str ();
    conv = dnnl::convolution_forward (pd);
    user_src = memory ({ sd, dt::f32, tag::nchw }, eng, x.data);
    user_weights = memory ({ wd, dt::f32, tag::oihw }, eng, w.data);
    user_bias = memory ({ bd, dt::f32, tag::x }, eng, b.data);
    user_dst = memory ({ dd, dt::f32, tag::nchw }, eng, y.data);
    src = memory (pd.src_desc (), eng);
    weights = memory (pd.weights_desc (), eng);
    dst = memory (pd.dst_desc (), eng);
    to_src = dnnl::reorder (user_src, src);
    to_weights = dnnl::reorder (user_weights, weights);
    from_dst = dnnl::reorder (dst, user_dst);
  }
};

} // namespace

int
main (int argc, char **argv)
{
  const int rounds = argc > 1 ? std::atoi (argv[1]) : 3;
  std::printf ("load average before: %s\nOpenCV threads: %d\n", loadavg ().c_str (),
               cv::getNumThreads ());

  const int xs[] = { 1, 128, 384, 512 }, ws[] = { 128, 128, 3, 3 };
  cv::Mat x (4, xs, CV_32F), w (4, ws, CV_32F), b (1, 128, CV_32F);
  cv::randu (x, 0.0, 1.0);
  cv::randn (w, 0.0, 0.05);
  cv::randn (b, 0.0, 0.1);

  // OpenCV's layer, driven alone.
  cv::dnn::LayerParams p;
  p.set ("kernel_size", 3);
  p.set ("pad", 1);
  p.set ("num_output", 128);
  p.set ("bias_term", true);
  p.blobs = { w, b };
  cv::Ptr<cv::dnn::Layer> layer = cv::dnn::ConvolutionLayer::create (p);
  std::vector<cv::Mat> inputs { x }, outputs { cv::Mat (4, xs, CV_32F) }, internals;
  layer->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
  layer->forward (inputs, outputs, internals);

  dnnl::engine eng (dnnl::engine::kind::cpu, 0);
  dnnl::stream stream (eng);
  std::map<std::string, std::unique_ptr<OneDnnConv>> convs;
  std::map<std::string, cv::Mat> outs;
  for (auto algo : { std::make_pair (std::string ("auto"), dnnl::algorithm::convolution_auto),
                     std::make_pair (std::string ("winograd"),
                                     dnnl::algorithm::convolution_winograd),
                     std::make_pair (std::string ("direct"), dnnl::algorithm::convolution_direct) })
    {
      outs[algo.first] = cv::Mat (4, xs, CV_32F);
      try
        {
          convs[algo.first].reset (new OneDnnConv (eng, algo.second, x, w, b, outs[algo.first]));
          std::printf ("oneDNN %s: %s\n", algo.first.c_str (), convs[algo.first]->impl.c_str ());
        }
      catch (const dnnl::error &e)
        {
          std::printf ("oneDNN %s: not available (%s)\n", algo.first.c_str (), e.what ());
        }
    }

  std::map<std::string, std::vector<double>> t;
  for (auto &c : convs)
    {
      // Warm up, and check against OpenCV.
      OneDnnConv &d = *c.second;
      d.to_src.execute (stream, d.user_src, d.src);
      d.to_weights.execute (stream, d.user_weights, d.weights);
      d.conv.execute (stream, { { DNNL_ARG_SRC, d.src },
                                { DNNL_ARG_WEIGHTS, d.weights },
                                { DNNL_ARG_BIAS, d.user_bias },
                                { DNNL_ARG_DST, d.dst } });
      d.from_dst.execute (stream, d.dst, d.user_dst);
      stream.wait ();
      std::printf ("oneDNN %s vs OpenCV: max |diff| %.3g\n", c.first.c_str (),
                   cv::norm (outs[c.first], outputs[0], cv::NORM_INF));
    }

  for (int r = 0; r < rounds; r++)
    {
      const Times cv_t = timed ([&] { layer->forward (inputs, outputs, internals); });
      t["opencv wall"].push_back (cv_t.wall);
      t["opencv cpu"].push_back (cv_t.cpu);
      std::printf ("  round %d opencv %.3f s (cpu %.3f)", r, cv_t.wall, cv_t.cpu);
      for (auto &c : convs)
        {
          OneDnnConv &d = *c.second;
          const Times in = timed ([&] {
            d.to_src.execute (stream, d.user_src, d.src);
            stream.wait ();
          });
          const Times conv = timed ([&] {
            d.conv.execute (stream, { { DNNL_ARG_SRC, d.src },
                                      { DNNL_ARG_WEIGHTS, d.weights },
                                      { DNNL_ARG_BIAS, d.user_bias },
                                      { DNNL_ARG_DST, d.dst } });
            stream.wait ();
          });
          const Times out = timed ([&] {
            d.from_dst.execute (stream, d.dst, d.user_dst);
            stream.wait ();
          });
          t[c.first + " wall"].push_back (conv.wall);
          t[c.first + " cpu"].push_back (conv.cpu);
          t[c.first + "+reorders wall"].push_back (in.wall + conv.wall + out.wall);
          t[c.first + "+reorders cpu"].push_back (in.cpu + conv.cpu + out.cpu);
          std::printf (", %s %.3f s (cpu %.3f, reorders +%.3f s)", c.first.c_str (), conv.wall,
                       conv.cpu, in.wall + out.wall);
        }
      std::printf ("\n");
      std::fflush (stdout);
    }

  std::printf ("1x128x384x512, 3x3 128->128 pad 1, medians of %d rounds (speedup vs OpenCV):\n",
               rounds);
  for (const char *m : { "wall", "cpu" })
    {
      const double base = median (t[std::string ("opencv ") + m]);
      std::printf ("  %s: opencv %.3f s", m, base);
      for (auto &c : convs)
        for (const std::string &v : { c.first, c.first + "+reorders" })
          {
            const double s = median (t[v + " " + m]);
            std::printf (", %s %.3f s (%.2fx)", v.c_str (), s, base / s);
          }
      std::printf ("\n");
    }
  std::printf ("load average after: %s\n", loadavg ().c_str ());
  return 0;
}
