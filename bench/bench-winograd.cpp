// bench-winograd.cpp: ns::Winograd3x3 against OpenCV's own Convolution
// layer, in one process, round-robin.  Not a test; prints a table.
//   g++ -O2 -std=c++17 -Iengine bench/bench-winograd.cpp engine/winograd.cpp engine/gemm.cpp
//     $(pkg-config --cflags --libs opencv4) -o /tmp/bench-winograd
#include "winograd.hpp"

#include <opencv2/dnn.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace {

double
now ()
{
  return std::chrono::duration<double> (std::chrono::steady_clock::now ().time_since_epoch ()).count ();
}

double
cpu ()
{
  return (double) clock () / CLOCKS_PER_SEC;
}

double
median (std::vector<double> v)
{
  std::sort (v.begin (), v.end ());
  return v[v.size () / 2];
}

} // namespace

int
main (int argc, char **argv)
{
  const int rounds = argc > 1 ? atoi (argv[1]) : 3;
  double load[3];
  getloadavg (load, 3);
  printf ("OpenCV %s, load average %.2f %.2f %.2f, %d threads\n", CV_VERSION, load[0], load[1],
          load[2], cv::getNumThreads ());
  cv::RNG rng (1);
  const int c = 128, o = 128;
  const int wsizes[] = { o, c, 3, 3 };
  cv::Mat w (4, wsizes, CV_32F), b (1, o, CV_32F);
  rng.fill (w, cv::RNG::UNIFORM, -0.05, 0.05);
  rng.fill (b, cv::RNG::UNIFORM, -1, 1);
  for (const int pad : { 1, 0 })
    for (const cv::Size size : { cv::Size (512, 384), cv::Size (256, 192), cv::Size (128, 96) })
      {
        const int xs[] = { 1, c, size.height, size.width };
        cv::Mat x (4, xs, CV_32F);
        rng.fill (x, cv::RNG::UNIFORM, 0, 2);

        cv::dnn::LayerParams p;
        p.name = "conv";
        p.type = "Convolution";
        p.set ("kernel_size", 3);
        p.set ("pad", pad);
        p.set ("num_output", o);
        p.set ("bias_term", true);
        p.blobs = { w, b };
        cv::dnn::Net net;
        net.addLayerToPrev (p.name, p.type, p);
        net.enableFusion (false);
        net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
#if CV_VERSION_MAJOR > 4 || CV_VERSION_MINOR >= 7
        // 4.7 and later have their own Winograd F(6,3), on by default.
        cv::dnn::Net wnet;
        wnet.addLayerToPrev (p.name, p.type, p);
        wnet.enableFusion (false);
        wnet.enableWinograd (true);
        net.enableWinograd (false);
#endif

        ns::Winograd3x3 wino (w, b, pad);
        cv::Mat y (wino.output_shape (cv::dnn::shape (x)), CV_32F);
        std::vector<double> tw[3], tc[3];
        cv::Mat ref;
        for (int r = 0; r < rounds + 1; r++)
          {
            double t0 = now (), c0 = cpu ();
            net.setInput (x);
            ref = net.forward ();
            double t1 = now (), c1 = cpu ();
            wino.forward (x, y);
            double t2 = now (), c2 = cpu ();
#if CV_VERSION_MAJOR > 4 || CV_VERSION_MINOR >= 7
            wnet.setInput (x);
            wnet.forward ();
#endif
            double t3 = now (), c3 = cpu ();
            if (r == 0)
              continue; // first runs allocate
            tw[0].push_back (t1 - t0);
            tc[0].push_back (c1 - c0);
            tw[1].push_back (t2 - t1);
            tc[1].push_back (c2 - c1);
            tw[2].push_back (t3 - t2);
            tc[2].push_back (c3 - c2);
          }
        double lo, hi;
        cv::minMaxIdx (ref, &lo, &hi);
        const double psnr = cv::PSNR (ref.reshape (1, 1), y.reshape (1, 1), hi - lo);
        printf ("pad %d %dx%d: stock %.3f s (cpu %.3f), winograd %.3f s (cpu %.3f): "
                "%.2fx wall, %.2fx cpu; %.1f dB, max |diff| %.2g of range %.3g\n",
                pad, size.width, size.height, median (tw[0]), median (tc[0]), median (tw[1]),
                median (tc[1]), median (tw[0]) / median (tw[1]), median (tc[0]) / median (tc[1]),
                psnr, cv::norm (ref, y, cv::NORM_INF), hi - lo);
        printf ("  scratch %.1f MB, %.0f bytes per input pixel (bound %.0f)\n",
                wino.scratch_bytes (cv::dnn::shape (x)) / 1e6,
                wino.scratch_bytes (cv::dnn::shape (x)) / size.area (),
                wino.scratch_bytes_per_pixel ());
#if CV_VERSION_MAJOR > 4 || CV_VERSION_MINOR >= 7
        printf ("  OpenCV's own Winograd: %.3f s (cpu %.3f): ours %.2fx wall, %.2fx cpu\n",
                median (tw[2]), median (tc[2]), median (tw[2]) / median (tw[1]),
                median (tc[2]) / median (tc[1]));
#endif
      }
  return 0;
}
