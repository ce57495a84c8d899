// test-tap-sum.cpp: the last convolution of Johnson's networks as the
// engine runs it (engine/tap-sum.cpp: every tap's products, summed
// shifted) against OpenCV's own Convolution layer, with every instruction
// set this CPU has: 1x1 and odd sizes, widths around and past a strip of
// columns, zero pads 0 to 5 and mirrored pads (against OpenCV's border),
// kernels 1 to 9; 1 to 7 threads (bit for bit the same); the shared
// models' layers it runs (the zoo replica's after its mirroring Padding
// layer), with their weights and the network's own activations of a
// photo; and in half precision against float32, within the
// half-precision product's bar, also where half sums overflow.
#include "gemm.hpp"
#include "tap-sum.hpp"
#include "test-util.hpp"

// OpenCV's headers: unused parameters, signed/unsigned comparisons.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#include <opencv2/imgproc.hpp>
#pragma GCC diagnostic pop

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace {

cv::Mat
random_mat (const std::vector<int> &shape, cv::RNG &rng, double lo, double hi)
{
  cv::Mat m ((int) shape.size (), shape.data (), CV_32F);
  rng.fill (m, cv::RNG::UNIFORM, lo, hi);
  return m;
}

// PSNR of y against ref over ref's range (its largest magnitude when that
// is larger: a 1x1 output has no range).
double
psnr (const cv::Mat &ref, const cv::Mat &y)
{
  g_assert_true (cv::dnn::shape (ref) == cv::dnn::shape (y));
  double lo, hi;
  cv::minMaxIdx (ref, &lo, &hi);
  const double range = std::max ({ hi - lo, std::fabs (lo), std::fabs (hi), 1e-6 });
  const double rmse = std::sqrt (cv::norm (ref, y, cv::NORM_L2SQR) / (double) ref.total ());
  return rmse > 0 ? 20 * std::log10 (range / rmse) : 200;
}

// OpenCV's own layer on x (zero padding `pad` on every side, stride 1).
cv::Mat
stock_conv (const cv::Mat &x, const cv::Mat &weights, const cv::Mat &bias, int pad)
{
  cv::dnn::LayerParams p;
  p.name = "conv";
  p.type = "Convolution";
  p.set ("kernel_h", weights.size[2]);
  p.set ("kernel_w", weights.size[3]);
  p.set ("pad", pad);
  p.set ("num_output", weights.size[0]);
  p.set ("bias_term", !bias.empty ());
  p.blobs.push_back (weights);
  if (!bias.empty ())
    p.blobs.push_back (bias.reshape (1, 1));
  cv::dnn::Net net;
  net.addLayerToPrev (p.name, p.type, p);
  net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  net.enableFusion (false);
  net.setInput (x);
  return net.forward ().clone ();
}

// x padded by `pad` on every side, mirroring its edges as OpenCV's
// "reflect" Padding layer does (BORDER_REFLECT_101), plane by plane.
cv::Mat
mirror_padded (const cv::Mat &x, int pad)
{
  const int c = x.size[1], h = x.size[2], w = x.size[3];
  cv::Mat y ({ 1, c, h + 2 * pad, w + 2 * pad }, CV_32F);
  for (int ch = 0; ch < c; ch++)
    {
      cv::Mat dst (y.size[2], y.size[3], CV_32F, y.ptr<float> (0, ch));
      cv::copyMakeBorder (cv::Mat (h, w, CV_32F, const_cast<float *> (x.ptr<float> (0, ch))), dst, pad, pad,
                          pad, pad, cv::BORDER_REFLECT_101);
    }
  return y;
}

cv::Mat
tap_sum (const ns::TapSum &conv, const cv::Mat &x)
{
  cv::Mat y (conv.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
  conv.forward (x, y);
  return y;
}

// Random weights and data, every instruction set: the network's 9x9 32->3
// with its pads (4) and none, Magenta's 8->3, other kernels and pads
// (larger than half the kernel: output larger than the input), pads that
// mirror the edge (the ONNX zoo's networks; also wider than the image, as
// OpenCV's border mirrors again) against OpenCV's border and layer; 1x1
// images, odd sizes, widths below, at and past a strip of 256 columns,
// and widths whose last strip of whole panels is narrow (4100: 4 columns
// on AVX2 and AVX-512, enough for a pad of 2, too few for a pad of 4, which
// falls back to equal strips; 4098: 2 columns, too few for either).
// One object per case, reused across sizes.
void
test_random ()
{
  struct Case
  {
    int c, o, k, pad;
    bool reflect;
  };
  const Case cases[] = { { 32, 3, 9, 4, false }, { 32, 3, 9, 0, false }, { 8, 3, 9, 4, false },
                         { 5, 4, 5, 2, false },  { 3, 2, 1, 0, false },  { 7, 3, 4, 1, false },
                         { 3, 1, 3, 5, false },  { 32, 3, 9, 4, true },  { 16, 4, 5, 2, true },
                         { 3, 2, 3, 2, true } };
  const cv::Size sizes[] = { { 1, 1 },   { 3, 2 },  { 17, 9 },  { 255, 13 }, { 256, 6 },
                             { 257, 7 }, { 513, 5 }, { 61, 40 }, { 9, 9 },   { 4100, 2 },
                             { 4098, 3 } };
  ns::gemm_set_half (false);
  cv::RNG rng (19);
  int tried = 0, checked = 0;
  double lowest = 1000;
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        {
          g_test_message ("%s: not on this CPU", isa);
          continue;
        }
      tried++;
      for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          const Case &c = cases[i];
          const cv::Mat w = random_mat ({ c.o, c.c, c.k, c.k }, rng, -0.3, 0.3);
          const cv::Mat b = i % 2 ? cv::Mat () : random_mat ({ c.o }, rng, -1, 1);
          const ns::TapSum conv (w, b, c.pad, c.reflect);
          for (const cv::Size &size : sizes)
            {
              if (size.height + 2 * c.pad < c.k || size.width + 2 * c.pad < c.k)
                continue; // no output
              const cv::Mat x = random_mat ({ 1, c.c, size.height, size.width }, rng, -2, 2);
              const cv::Mat want = c.reflect ? stock_conv (mirror_padded (x, c.pad), w, b, 0)
                                             : stock_conv (x, w, b, c.pad);
              const double db = psnr (want, tap_sum (conv, x));
              if (!(db >= 100.0))
                g_error ("%s: %d->%d %dx%d pad %d%s%s on %dx%d: %.1f dB against OpenCV's layer", isa, c.c,
                         c.o, c.k, c.k, c.pad, c.reflect ? " mirrored" : "", b.empty () ? "" : " bias",
                         size.width, size.height, db);
              lowest = std::min (lowest, db);
              checked++;
            }
        }
    }
  g_test_message ("%d convolutions with %d instruction sets, every one >= %.1f dB against OpenCV's layer",
                  checked, tried, lowest);
  g_assert_cmpint (tried, >=, 1);
  g_assert_cmpint (checked, >=, 60 * tried);
  test::select_best_isa ();
}

// Each thread computes a band of output rows: with 1 to 7 threads, also
// more than the image has rows, the same numbers bit for bit.
void
test_threads ()
{
  ns::gemm_set_half (false);
  cv::RNG rng (7);
  const cv::Mat w = random_mat ({ 3, 32, 9, 9 }, rng, -0.1, 0.1), b = random_mat ({ 3 }, rng, -1, 1);
  const ns::TapSum conv (w, b, 4);
  const int threads = cv::getNumThreads ();
  for (const cv::Size &size : { cv::Size (300, 67), cv::Size (40, 3) })
    {
      const cv::Mat x = random_mat ({ 1, 32, size.height, size.width }, rng, 0, 3);
      const cv::Mat want = stock_conv (x, w, b, 4);
      cv::setNumThreads (1);
      const cv::Mat one = tap_sum (conv, x);
      for (int n : { 2, 3, 4, 7 })
        {
          cv::setNumThreads (n);
          const cv::Mat y = tap_sum (conv, x);
          g_assert_cmpfloat (cv::norm (y, one, cv::NORM_INF), ==, 0.0);
        }
      const double db = psnr (want, one);
      g_test_message ("%dx%d: 1 to 7 threads equal, %.1f dB against OpenCV's layer", size.width,
                      size.height, db);
      g_assert_cmpfloat (db, >=, 100.0);
    }
  cv::setNumThreads (threads);
}

// The input and output of every convolution of `net` that the engine runs
// as a TapSum (rewrite.cpp: stride 1, a square odd kernel of 5 or more,
// the same zero pad on every side, at most 4 outputs), on a photo.
struct RealLayer
{
  std::string name;
  cv::Mat weights, bias, x, y;
  int pad;
  bool reflect;
};

std::vector<RealLayer>
real_layers (const std::string &path, const cv::Mat &photo)
{
  cv::dnn::Net net = test::stock_net (path);
  net.enableFusion (false);
  net.setInput (cv::dnn::blobFromImage (photo, 1.0, cv::Size (), cv::Scalar (), false, false));
  std::vector<RealLayer> layers;
  for (const std::string &name : net.getLayerNames ())
    {
      const int id = net.getLayerId (name);
      const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (id);
      auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
      if (!conv || layer->type != "Convolution" || layer->blobs.empty ())
        continue;
      const cv::Mat &w = layer->blobs[0];
      const std::vector<size_t> ones { 1, 1 };
      const size_t pad = conv->pads_begin.empty () ? 0 : conv->pads_begin[0];
      if (w.dims != 4 || w.size[0] > 4 || w.size[2] < 5 || w.size[2] % 2 == 0 || w.size[3] != w.size[2]
          || conv->strides != ones || conv->dilations != ones
          || conv->pads_begin != std::vector<size_t> (2, pad)
          || conv->pads_end != std::vector<size_t> (2, pad) || !conv->padMode.empty ())
        continue;
      const cv::Ptr<cv::dnn::Layer> before = net.getLayerInputs (id)[0];
      std::vector<cv::Mat> outs;
      net.forward (outs, std::vector<cv::String> { before->name, name });
      RealLayer l { name, w, layer->blobs.size () > 1 ? layer->blobs[1] : cv::Mat (), outs[0].clone (),
                    outs[1].clone (), (int) pad, false };
      // A Padding layer before an unpadded one (the ONNX zoo's): from its
      // input, when it mirrors the edge.
      if (pad == 0 && before->type == "Padding")
        {
          const int id_before = net.getLayerId (before->name);
          std::vector<cv::Mat> padded;
          net.forward (padded, std::vector<cv::String> { net.getLayerInputs (id_before)[0]->name });
          l.pad = (l.x.size[2] - padded[0].size[2]) / 2;
          if (l.pad <= 0 || cv::norm (mirror_padded (padded[0], l.pad), l.x, cv::NORM_INF) != 0)
            continue;
          l.x = padded[0].clone ();
          l.reflect = true;
        }
      layers.push_back (l);
    }
  return layers;
}

// A shared model's last layer with its real weights, on the activations
// the network itself computes from a photo, against the network's own
// layer: every instruction set.
void
test_real (gconstpointer data)
{
  const std::string path ((const char *) data);
  ns::gemm_set_half (false);
  const cv::Mat photo = test::photo_rgb8 ("chelsea.png", cv::Size (261, 140));
  const std::vector<RealLayer> layers = real_layers (path, photo);
  g_assert_cmpint (layers.size (), >=, 1);
  for (const RealLayer &l : layers)
    for (const char *isa : test::kIsas)
      {
        if (!ns::gemm_select_isa (isa))
          continue;
        const ns::TapSum conv (l.weights, l.bias, l.pad, l.reflect);
        const double db = psnr (l.y, tap_sum (conv, l.x));
        g_test_message ("%s: %s (%d->%d %dx%d pad %d%s, %dx%d): %.1f dB", isa, l.name.c_str (),
                        l.weights.size[1], l.weights.size[0], l.weights.size[2], l.weights.size[3], l.pad,
                        l.reflect ? " mirrored" : "", l.x.size[3], l.x.size[2], db);
        g_assert_cmpfloat (db, >=, 100.0);
      }
  test::select_best_isa ();
}

// In half precision (AVX512-FP16) against float32, on wave's last layer
// and its real activations: each output within test-half's bar for one
// product, 8 / 2048 of the sum of |w x| over its taps (computed as the
// same convolution of |w| and |x|).  Then with some input columns 5000
// times larger, where half-precision sums overflow: the float32 fallback
// keeps every output finite and within the bar.
void
test_half ()
{
  if (!ns::gemm_half_available ())
    {
      g_test_skip ("this CPU has no AVX512-FP16: products are float32 only");
      return;
    }
  const cv::Mat photo = test::photo_rgb8 ("chelsea.png", cv::Size (300, 200));
  const std::vector<RealLayer> layers = real_layers (test::shared_model ("wave.onnx"), photo);
  g_assert_cmpint (layers.size (), ==, 1);
  const RealLayer &l = layers[0];
  const ns::TapSum conv (l.weights, l.bias, l.pad), size (cv::abs (l.weights), cv::Mat (), l.pad);
  cv::Mat x = l.x.clone ();
  for (bool overflow : { false, true })
    {
      if (overflow)
        {
          // Columns 40 to 49 of every channel and row: sums of about 32 *
          // 5000 times the activations.
          cv::Mat plane (x.size[1] * x.size[2], x.size[3], CV_32F, x.ptr<float> ());
          plane.colRange (40, 50) *= 5000;
        }
      ns::gemm_set_half (false);
      const cv::Mat full = tap_sum (conv, x), scale = tap_sum (size, cv::abs (x));
      const unsigned long before = ns::gemm_half_overflows ();
      g_assert_true (ns::gemm_set_half (true));
      const cv::Mat half = tap_sum (conv, x);
      ns::gemm_set_half (false);
      const unsigned long overflows = ns::gemm_half_overflows () - before;
      cv::Mat error;
      cv::divide (cv::abs (half - full), scale + 1e-30, error);
      double worst;
      cv::minMaxIdx (error, nullptr, &worst);
      g_test_message ("%s: half precision off by %.2g of sum |w x| at worst, %.1f dB from float32, "
                      "%lu panels redone in float32", overflow ? "overflowing columns" : "as computed",
                      worst, psnr (full, half), overflows);
      g_assert_true (cv::checkRange (half));
      g_assert_cmpfloat (worst, <, 8.0 / 2048);
      // It did run in half precision: float32 differs.
      g_assert_cmpfloat (cv::norm (half, full, cv::NORM_INF), >, 0.0);
      if (overflow)
        g_assert_cmpuint (overflows, >, 0);
      else
        g_assert_cmpuint (overflows, ==, 0);
    }
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, nullptr);
  static std::vector<std::string> models = test::shared_models ();

  g_test_add_func ("/tap-sum/random", test_random);
  g_test_add_func ("/tap-sum/threads", test_threads);
  models.push_back (test::shared_model ("zoo-replica/candy-9-replica.onnx"));
  for (const std::string &model : models)
    {
      g_autofree gchar *base = g_path_get_basename (model.c_str ());
      g_autofree gchar *test_path = g_strdup_printf ("/tap-sum/real/%s", base);
      g_test_add_data_func (test_path, model.c_str (), test_real);
    }
  g_test_add_func ("/tap-sum/half", test_half);
  return g_test_run ();
}
