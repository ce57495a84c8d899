// test-winograd.cpp: the engine's Winograd F(4x4,3x3) convolution
// (engine/winograd.cpp) against OpenCV's own Convolution layer: random
// weights and data at odd and tiny sizes, and every 3x3 stride-1
// convolution of the shared models on the activations the network itself
// computes from a photo.
#include "test-util.hpp"
#include "winograd.hpp"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace {

// PSNR of y against ref over ref's range (its largest magnitude when that
// is larger: a 1x1 output has no range), and the largest difference.
double
check_close (const cv::Mat &ref, const cv::Mat &y, const char *what)
{
  g_assert_true (cv::dnn::shape (ref) == cv::dnn::shape (y));
  double lo, hi;
  cv::minMaxIdx (ref, &lo, &hi);
  const cv::Mat a = ref.reshape (1, 1), b = y.reshape (1, 1);
  const double range = std::max ({ hi - lo, std::fabs (lo), std::fabs (hi), 1e-6 });
  const double rmse = std::sqrt (cv::norm (a, b, cv::NORM_L2SQR) / (double) a.total ());
  const double psnr = rmse > 0 ? 20 * std::log10 (range / rmse) : 200;
  g_test_message ("  %s: %.1f dB, max |diff| %.3g of range %.3g", what, psnr,
                  cv::norm (a, b, cv::NORM_INF), range);
  g_assert_cmpfloat (psnr, >=, 60.0);
  return psnr;
}

cv::Mat
random_mat (const std::vector<int> &shape, cv::RNG &rng, double lo, double hi)
{
  cv::Mat m ((int) shape.size (), shape.data (), CV_32F);
  rng.fill (m, cv::RNG::UNIFORM, lo, hi);
  return m;
}

// OpenCV's own layer on x.
cv::Mat
stock_conv (const cv::Mat &x, const cv::Mat &weights, const cv::Mat &bias, int pad)
{
  cv::dnn::LayerParams p;
  p.name = "conv";
  p.type = "Convolution";
  p.set ("kernel_size", 3);
  p.set ("pad", pad);
  p.set ("num_output", weights.size[0]);
  p.set ("bias_term", !bias.empty ());
  p.blobs.push_back (weights);
  if (!bias.empty ())
    p.blobs.push_back (bias);
  cv::dnn::Net net;
  net.addLayerToPrev (p.name, p.type, p);
  net.enableFusion (false);
  net.setInput (x);
  return net.forward ().clone ();
}

cv::Mat
winograd (ns::Winograd3x3 &conv, const cv::Mat &x)
{
  cv::Mat y (conv.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
  conv.forward (x, y);
  return y;
}

// Random weights and data, with and without bias, both paddings, sizes
// from the smallest legal up, odd and ragged (output not a multiple of 4),
// one object reused across sizes.
void
test_random ()
{
  cv::RNG rng (9);
  struct Case
  {
    int c, o;
  };
  for (const Case &k : { Case { 1, 1 }, Case { 3, 5 }, Case { 17, 9 }, Case { 128, 128 } })
    for (const int pad : { 0, 1 })
      for (const bool has_bias : { false, true })
        {
          const cv::Mat w = random_mat ({ k.o, k.c, 3, 3 }, rng, -0.5, 0.5);
          const cv::Mat b = has_bias ? random_mat ({ k.o }, rng, -1, 1) : cv::Mat ();
          ns::Winograd3x3 conv (w, b, pad);
          const int small = pad ? 1 : 3; // the smallest input with an output
          for (const cv::Size size : { cv::Size (small, small), cv::Size (small + 1, small + 4),
                                       cv::Size (13, 7), cv::Size (37, 29), cv::Size (6, 6),
                                       cv::Size (70, 9) })
            {
              const cv::Mat x = random_mat ({ 1, k.c, size.height, size.width }, rng, -2, 2);
              g_autofree gchar *what = g_strdup_printf ("C %d O %d pad %d%s %dx%d", k.c, k.o,
                                                        pad, has_bias ? " bias" : "",
                                                        size.width, size.height);
              check_close (stock_conv (x, w, b, pad), winograd (conv, x), what);
            }
        }
}

// Sizes taller than one band of tiles: the bands meet without seams.
void
test_bands ()
{
  cv::RNG rng (4);
  const cv::Mat w = random_mat ({ 8, 6, 3, 3 }, rng, -0.5, 0.5);
  const cv::Mat b = random_mat ({ 8 }, rng, -1, 1);
  ns::Winograd3x3 conv (w, b, 1);
  for (const cv::Size size : { cv::Size (9, 1003), cv::Size (130, 77) })
    {
      const cv::Mat x = random_mat ({ 1, 6, size.height, size.width }, rng, 0, 3);
      check_close (stock_conv (x, w, b, 1), winograd (conv, x), "banded");
    }
  g_assert_cmpfloat (conv.scratch_bytes (cv::dnn::MatShape { 1, 6, 1003, 9 }), <=,
                     conv.scratch_bytes_per_pixel () * 256 * 256);
}

// The fused per-channel affine + ReLU equals the convolution followed by
// them.
void
test_affine_relu ()
{
  cv::RNG rng (5);
  const int c = 12, o = 10;
  const cv::Mat w = random_mat ({ o, c, 3, 3 }, rng, -0.5, 0.5);
  const cv::Mat b = random_mat ({ o }, rng, -1, 1);
  const cv::Mat scale = random_mat ({ o }, rng, -2, 2), shift = random_mat ({ o }, rng, -1, 1);
  ns::Winograd3x3 conv (w, b, 1);
  const cv::Mat x = random_mat ({ 1, c, 23, 31 }, rng, -2, 2);
  cv::Mat ref = stock_conv (x, w, b, 1);
  for (int oc = 0; oc < o; oc++)
    {
      cv::Mat plane (23 * 31, 1, CV_32F, ref.ptr<float> () + (size_t) oc * 23 * 31);
      plane = cv::max (plane * scale.at<float> (oc) + shift.at<float> (oc), 0.0);
    }
  cv::Mat y (conv.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
  conv.forward_affine_relu (x, y, scale, shift);
  check_close (ref, y, "affine + ReLU");
}

// Each instruction set the CPU has (AVX2 runs by blocks of tiles with
// transforms of its own, eight tiles to a vector; the others by bands),
// at the bar for a new kernel: 100 dB from OpenCV's layer.  Sizes where
// a block's tiles span tile rows and end in part of a vector, inputs
// narrower than a vector's tiles, both paddings, the fused affine + ReLU.
void
test_instruction_sets ()
{
  const std::string chosen = ns::gemm_isa ();
  int ran = 0;
  for (const char *isa : { "avx512", "avx2", "generic" })
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      ran++;
      cv::RNG rng (21);
      for (const int pad : { 0, 1 })
        {
          const int c = 19, o = 13;
          const cv::Mat w = random_mat ({ o, c, 3, 3 }, rng, -0.5, 0.5);
          const cv::Mat b = random_mat ({ o }, rng, -1, 1);
          const cv::Mat scale = random_mat ({ o }, rng, -2, 2), shift = random_mat ({ o }, rng, -1, 1);
          ns::Winograd3x3 conv (w, b, pad);
          for (const cv::Size size : { cv::Size (3, 3), cv::Size (22, 5), cv::Size (41, 38), cv::Size (140, 21),
                                       cv::Size (131, 6) })
            {
              const cv::Mat x = random_mat ({ 1, c, size.height, size.width }, rng, -2, 2);
              const cv::Mat ref = stock_conv (x, w, b, pad);
              g_autofree gchar *what = g_strdup_printf ("%s pad %d %dx%d", isa, pad, size.width, size.height);
              g_assert_cmpfloat (check_close (ref, winograd (conv, x), what), >=, 100.0);

              cv::Mat affine_ref = ref.clone ();
              const size_t plane = (size_t) ref.size[2] * ref.size[3];
              for (int oc = 0; oc < o; oc++)
                {
                  cv::Mat p ((int) plane, 1, CV_32F, affine_ref.ptr<float> () + oc * plane);
                  p = cv::max (p * scale.at<float> (oc) + shift.at<float> (oc), 0.0);
                }
              cv::Mat y (conv.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
              conv.forward_affine_relu (x, y, scale, shift);
              g_autofree gchar *affine = g_strdup_printf ("%s, affine + ReLU", what);
              g_assert_cmpfloat (check_close (affine_ref, y, affine), >=, 100.0);
            }
        }
    }
  g_assert_true (ns::gemm_select_isa (chosen.c_str ()));
  g_assert_cmpint (ran, >=, 2);
}

// Every 3x3 stride-1 convolution of the shared models with the network's
// own activations of a photo as input, against the network's own layer.
void
test_real (gconstpointer data)
{
  const std::string path ((const char *) data);
  cv::dnn::Net net = test::stock_net (path);
  net.enableFusion (false);
  const cv::Mat photo = test::photo_rgb8 ("chelsea.png", cv::Size (212, 140));
  net.setInput (cv::dnn::blobFromImage (photo, 1.0, cv::Size (), cv::Scalar (), false, false));

  int checked = 0;
  for (const std::string &name : net.getLayerNames ())
    {
      const int id = net.getLayerId (name);
      const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (id);
      auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
      if (!conv || layer->type != "Convolution" || layer->blobs.empty ())
        continue;
      const cv::Mat &w = layer->blobs[0];
      const std::vector<size_t> ones { 1, 1 };
      const size_t pad = conv->pads_begin.empty () ? 9 : conv->pads_begin[0];
      if (w.size[2] != 3 || w.size[3] != 3 || conv->strides != ones || conv->dilations != ones
          || conv->pads_begin != std::vector<size_t> (2, pad)
          || conv->pads_end != std::vector<size_t> (2, pad) || pad > 1)
        continue;
      const std::string input = net.getLayerInputs (id)[0]->name;
      std::vector<cv::Mat> outs;
      net.forward (outs, std::vector<cv::String> { input, name });
      if (outs[0].size[1] != w.size[1])
        continue; // grouped

      ns::Winograd3x3 wino (w, layer->blobs.size () > 1 ? layer->blobs[1] : cv::Mat (), (int) pad);
      g_autofree gchar *what = g_strdup_printf ("%s (%d -> %d, pad %d, %dx%d)", name.c_str (),
                                                w.size[1], w.size[0], (int) pad, outs[0].size[3],
                                                outs[0].size[2]);
      check_close (outs[1], winograd (wino, outs[0]), what);
      checked++;
    }
  g_assert_cmpint (checked, >=, 1);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static std::vector<std::string> models = test::shared_models ();

  g_test_add_func ("/winograd/random", test_random);
  g_test_add_func ("/winograd/bands", test_bands);
  g_test_add_func ("/winograd/affine-relu", test_affine_relu);
  g_test_add_func ("/winograd/instruction-sets", test_instruction_sets);
  for (const std::string &model : models)
    {
      g_autofree gchar *base = g_path_get_basename (model.c_str ());
      g_autofree gchar *test_path = g_strdup_printf ("/winograd/real/%s", base);
      g_test_add_data_func (test_path, model.c_str (), test_real);
    }
  return g_test_run ();
}
