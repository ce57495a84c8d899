// test-conv-gemm.cpp: the engine's matrix product (engine/gemm.cpp) against
// a plain double-precision sum (weights with zero columns at the ends of
// their panels too, which it skips), and its convolution (engine/conv-gemm.cpp)
// against OpenCV's own Convolution layer, with every instruction set this
// CPU has (the one the engine picks, and the narrower ones a user's CPU
// may make it pick): odd sizes, 1x1 images, every tail of a panel,
// strides 1 to 3, and symmetric and one-sided pads as the ONNX importers
// of OpenCV 4.6 and 4.10 make them; then the layers the engine rewrites
// in the shared networks, with their real weights; a ReLU after the
// convolution folded into it, alone and as the graph folds it; and the
// 3x3 convolution of an input upsampled 2x and mirrored as four 2x2 ones
// (split-deconv.hpp's UpsampledConv), and a mirrored 3x3 one as Winograd
// (rewrite.cpp).
#include "conv-gemm.hpp"
#include "graph.hpp"
#include "rewrite.hpp"
#include "split-deconv.hpp"
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

#include <cmath>
#include <string>

namespace {

// PSNR of `got` against `want` over the reference's own range.
double
psnr (const cv::Mat &got, const cv::Mat &want)
{
  double lo, hi;
  cv::minMaxLoc (want.reshape (1, 1), &lo, &hi);
  const double mse = std::pow (cv::norm (got, want, cv::NORM_L2), 2) / (double) want.total ();
  const double range = std::max (hi - lo, 1e-6);
  return mse > 0 ? 10 * std::log10 (range * range / mse) : 999.0;
}

cv::Mat
random_mat (const std::vector<int> &shape, uint64 seed)
{
  cv::Mat m ((int) shape.size (), shape.data (), CV_32F);
  cv::RNG rng (seed);
  rng.fill (m, cv::RNG::UNIFORM, -1.0, 1.0);
  return m;
}

// C = A B + bias, every size below and around a panel's width and height,
// against a double sum; exact up to float rounding of the sum.
void
test_gemm ()
{
  int tried = 0;
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        {
          g_test_message ("%s: not on this CPU", isa);
          continue;
        }
      tried++;
      for (int m : { 1, 3, 4, 8, 9, 12, 13, 36, 128 })
        for (int k : { 1, 5, 128, 243 })
          for (int n : { 1, 7, 15, 16, 17, 31, 32, 33, 100 })
            {
              const cv::Mat a = random_mat ({ m, k + 3 }, m * 1000 + k); // lda = k + 3
              const cv::Mat b = random_mat ({ k, n + 5 }, k * 1000 + n); // ldb = n + 5
              const cv::Mat bias = random_mat ({ m }, n);
              // C with room on its right, which must stay untouched.
              cv::Mat c (m, n + 2, CV_32F, cv::Scalar (7.0f));
              const ns::PackedWeights w (a.ptr<float> (), m, k, a.cols);
              w.multiply (b.ptr<float> (), b.cols, n, c.ptr<float> (), c.cols, bias.ptr<float> ());
              double worst = 0;
              for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                  {
                    double sum = bias.at<float> (i), size = std::fabs (sum);
                    for (int p = 0; p < k; p++)
                      {
                        sum += (double) a.at<float> (i, p) * b.at<float> (p, j);
                        size += std::fabs ((double) a.at<float> (i, p) * b.at<float> (p, j));
                      }
                    worst = std::max (worst, std::fabs (c.at<float> (i, j) - sum) / size);
                  }
              if (worst > 1e-5)
                g_error ("%s, %dx%dx%d: relative error %g", isa, m, k, n, worst);
              for (int i = 0; i < m; i++)
                for (int j = n; j < n + 2; j++)
                  g_assert_cmpfloat (c.at<float> (i, j), ==, 7.0f);
            }
      g_test_message ("%s: every product within 1e-5 of the double sum", isa);
    }
  g_assert_cmpint (tried, >=, 1);
  test::select_best_isa ();
}

// Weights whose panels begin or end with columns of zeros (a split
// transposed convolution's phases, split-deconv.hpp): the products skip
// those columns for each panel, and never read B there.  Rows in bands
// with different zero columns (starting inside panels of every height),
// against a double sum; and columns zero in every row, where B holds
// NaN: any product still made there would make C NaN.
void
test_gemm_zero_spans ()
{
  int tried = 0;
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      tried++;
      for (int m : { 3, 12, 36, 128, 256 })
        for (int k : { 7, 64, 256 })
          for (int n : { 5, 16, 40 })
            {
              cv::Mat a = random_mat ({ m, k }, m * 7 + k);
              cv::Mat b = random_mat ({ k, n }, k * 7 + n);
              const cv::Mat bias = random_mat ({ m }, n);
              // Rows by quarters: the first k/4 columns zero, the last
              // k/4, both, none; columns 0 and k - 1 zero everywhere.
              for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                  {
                    const int band = 4 * i / m;
                    if (p == 0 || p == k - 1 || ((band == 0 || band == 2) && p < k / 4)
                        || ((band == 1 || band == 2) && p >= k - k / 4))
                      a.at<float> (i, p) = 0.0f;
                  }
              b.row (0).setTo (NAN);
              b.row (k - 1).setTo (NAN);
              cv::Mat c (m, n, CV_32F, cv::Scalar (7.0f));
              const ns::PackedWeights w (a.ptr<float> (), m, k, k);
              w.multiply (b.ptr<float> (), n, n, c.ptr<float> (), n, bias.ptr<float> ());
              double worst = 0;
              for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                  {
                    double sum = bias.at<float> (i), size = std::fabs (sum);
                    for (int p = 1; p < k - 1; p++)
                      {
                        sum += (double) a.at<float> (i, p) * b.at<float> (p, j);
                        size += std::fabs ((double) a.at<float> (i, p) * b.at<float> (p, j));
                      }
                    if (!std::isfinite (c.at<float> (i, j)))
                      g_error ("%s, %dx%dx%d: C[%d][%d] = %g, read B where A is zero", isa, m, k, n, i,
                               j, c.at<float> (i, j));
                    worst = std::max (worst, std::fabs (c.at<float> (i, j) - sum) / size);
                  }
              if (worst > 1e-5)
                g_error ("%s, %dx%dx%d: relative error %g", isa, m, k, n, worst);
            }
      g_test_message ("%s: zero columns skipped, every product within 1e-5 of the double sum", isa);
    }
  g_assert_cmpint (tried, >=, 1);
  test::select_best_isa ();
}

struct Conv
{
  int in, out, kh, kw, stride;
  cv::Vec4i pads; // top, left, bottom, right
};

// x with zero rows and columns around it.
cv::Mat
zero_padded (const cv::Mat &x, const cv::Vec4i &pads)
{
  const int c = x.size[1], h = x.size[2], w = x.size[3];
  cv::Mat y ({ 1, c, h + pads[0] + pads[2], w + pads[1] + pads[3] }, CV_32F, cv::Scalar (0));
  for (int ch = 0; ch < c; ch++)
    {
      const cv::Mat src (h, w, CV_32F, const_cast<float *> (x.ptr<float> (0, ch)));
      cv::Mat dst (y.size[2], y.size[3], CV_32F, y.ptr<float> (0, ch));
      src.copyTo (dst (cv::Rect (pads[1], pads[0], w, h)));
    }
  return y;
}

// OpenCV's layer for `c` with these weights and bias.  OpenCV 4.6's layer
// pads both sides alike: other pads are added to the input by hand.
cv::Mat
stock_forward (const Conv &c, const cv::Mat &w, const cv::Mat &bias, const cv::Mat &x)
{
  const bool symmetric = c.pads[0] == c.pads[2] && c.pads[1] == c.pads[3];
  cv::dnn::LayerParams p;
  p.set ("kernel_h", c.kh);
  p.set ("kernel_w", c.kw);
  p.set ("stride_h", c.stride);
  p.set ("stride_w", c.stride);
  p.set ("pad_h", symmetric ? c.pads[0] : 0);
  p.set ("pad_w", symmetric ? c.pads[1] : 0);
  p.set ("num_output", c.out);
  p.set ("bias_term", !bias.empty ());
  p.blobs.push_back (w);
  if (!bias.empty ())
    p.blobs.push_back (bias.reshape (1, 1));
  cv::dnn::Net net;
  net.addLayerToPrev ("conv", "Convolution", p);
  net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  net.enableFusion (false);
  net.setInput (symmetric ? x : zero_padded (x, c.pads));
  return net.forward ().clone ();
}

double
check_conv (const Conv &c, const cv::Mat &w, const cv::Mat &bias, const cv::Mat &x,
            const std::string &what)
{
  const cv::Mat want = stock_forward (c, w, bias, x);
  ns::ConvGemm conv (w, bias, c.stride, c.pads);
  g_assert_true (conv.output_shape (cv::dnn::shape (x)) == cv::dnn::shape (want));
  cv::Mat got (cv::dnn::shape (want), CV_32F, cv::Scalar (NAN));
  conv.forward (x, got);
  const double db = psnr (got, want);
  if (!(db >= 100.0))
    g_error ("%s: %.1f dB against OpenCV's layer", what.c_str (), db);
  return db;
}

// The kernels, strides and pads of the networks and around them, on random
// data.
void
test_conv_random ()
{
  const Conv convs[] = {
    { 3, 32, 9, 9, 1, { 4, 4, 4, 4 } },     // the first layer
    { 32, 64, 3, 3, 2, { 1, 1, 1, 1 } },    // downsampling, symmetric pads
    { 32, 64, 3, 3, 2, { 0, 0, 1, 1 } },    // OpenCV 4.10's fused "same" pads
    { 64, 128, 3, 3, 2, { 1, 0, 0, 1 } },   // any one-sided pads
    { 128, 12, 5, 5, 1, { 0, 0, 0, 0 } },   // the packed last layer
    { 13, 17, 2, 3, 1, { 1, 0, 2, 1 } },    // odd everything
    { 5, 9, 1, 1, 3, { 0, 0, 0, 0 } },      // 1x1, stride 3
    { 16, 8, 4, 4, 3, { 2, 2, 2, 2 } },
  };
  const std::pair<int, int> sizes[] = { { 1, 1 }, { 2, 3 }, { 9, 17 }, { 40, 64 }, { 33, 35 } };
  double lowest = 1000;
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      for (size_t i = 0; i < G_N_ELEMENTS (convs); i++)
        {
          const Conv &c = convs[i];
          const cv::Mat w = random_mat ({ c.out, c.in, c.kh, c.kw }, i);
          const cv::Mat bias = i % 2 ? cv::Mat () : random_mat ({ c.out }, 100 + i);
          for (const auto &size : sizes)
            {
              // Sizes with no output at all are not convolutions.
              if (size.first + c.pads[0] + c.pads[2] < c.kh || size.second + c.pads[1] + c.pads[3] < c.kw)
                continue;
              const cv::Mat x = random_mat ({ 1, c.in, size.first, size.second }, 7 * i + size.first);
              const std::string what = cv::format ("%s: %d->%d %dx%d s%d pads %d,%d,%d,%d on %dx%d", isa,
                                                   c.in, c.out, c.kh, c.kw, c.stride, c.pads[0],
                                                   c.pads[1], c.pads[2], c.pads[3], size.first, size.second);
              lowest = std::min (lowest, check_conv (c, w, bias, x, what));
            }
        }
    }
  g_test_message ("every convolution >= %.1f dB against OpenCV's layer", lowest);
  test::select_best_isa ();
}

// x upsampled by `factor` (nearest neighbour) and padded with zeros or by
// mirroring, plane by plane with OpenCV's own functions.
cv::Mat
resampled (const cv::Mat &x, int factor, bool reflect, const cv::Vec4i &pads)
{
  const int c = x.size[1], h = x.size[2] * factor, w = x.size[3] * factor;
  cv::Mat y ({ 1, c, h + pads[0] + pads[2], w + pads[1] + pads[3] }, CV_32F);
  for (int ch = 0; ch < c; ch++)
    {
      cv::Mat up, dst (y.size[2], y.size[3], CV_32F, y.ptr<float> (0, ch));
      cv::resize (cv::Mat (x.size[2], x.size[3], CV_32F, const_cast<float *> (x.ptr<float> (0, ch))), up,
                  cv::Size (w, h), 0, 0, cv::INTER_NEAREST);
      cv::copyMakeBorder (up, dst, pads[0], pads[2], pads[1], pads[3],
                          reflect ? cv::BORDER_REFLECT_101 : cv::BORDER_CONSTANT, cv::Scalar (0));
    }
  return y;
}

// Convolutions that upsample (stride 1) and mirror or zero-pad their input
// themselves (Magenta's layers, folded), against OpenCV's resize, border
// and convolution; all through one shared scratch, in turns of every size.
void
test_conv_resampled ()
{
  const Conv convs[] = {
    { 32, 16, 3, 3, 1, { 1, 1, 1, 1 } },  // Magenta's upsampling layers
    { 8, 3, 9, 9, 1, { 4, 4, 4, 4 } },    // its last layer
    { 5, 7, 3, 2, 1, { 2, 0, 1, 3 } },    // one-sided, wider than the image
    { 8, 16, 3, 3, 2, { 1, 1, 1, 1 } },   // Magenta's stride-2 layers
    { 5, 6, 3, 4, 2, { 2, 1, 0, 3 } },    // one-sided, stride 2
  };
  const std::pair<int, int> sizes[] = { { 1, 1 }, { 2, 3 }, { 9, 17 }, { 33, 35 } };
  auto scratch = std::make_shared<ns::PaddedScratch> ();
  double lowest = 1000;
  int checked = 0;
  for (size_t i = 0; i < G_N_ELEMENTS (convs); i++)
    for (int factor : { 1, 2, 3 })
      for (bool reflect : { false, true })
        for (const auto &size : sizes)
          {
            const Conv &c = convs[i];
            if (c.stride != 1 && factor != 1)
              continue;
            const cv::Mat w = random_mat ({ c.out, c.in, c.kh, c.kw }, i);
            const cv::Mat bias = random_mat ({ c.out }, 100 + i);
            const cv::Mat x = random_mat ({ 1, c.in, size.first, size.second }, 7 * i + size.first);
            const cv::Mat big = resampled (x, factor, reflect, c.pads);
            if (big.size[2] < c.kh || big.size[3] < c.kw)
              continue;
            const cv::Mat want = stock_forward ({ c.in, c.out, c.kh, c.kw, c.stride, {} }, w, bias, big);
            ns::ConvGemm conv (w, bias, c.stride, c.pads, { factor, reflect }, scratch);
            g_assert_true (conv.output_shape (cv::dnn::shape (x)) == cv::dnn::shape (want));
            cv::Mat got (cv::dnn::shape (want), CV_32F, cv::Scalar (NAN));
            conv.forward (x, got);
            const double db = psnr (got, want);
            if (!(db >= 100.0))
              g_error ("%d->%d %dx%d s%d pads %d,%d,%d,%d, x%d %s on %dx%d: %.1f dB against OpenCV", c.in,
                       c.out, c.kh, c.kw, c.stride, c.pads[0], c.pads[1], c.pads[2], c.pads[3], factor,
                       reflect ? "mirrored" : "zeros", size.first, size.second, db);
            lowest = std::min (lowest, db);
            checked++;
          }
  g_test_message ("%d convolutions upsampling and padding their input, every one >= %.1f dB", checked,
                  lowest);
  g_assert_cmpint (checked, >=, 70);
}

// The convolutions of a shared network that the engine runs as ConvGemm,
// with their real weights, on a tile-sized input.
void
test_conv_real ()
{
  cv::dnn::Net net = cv::dnn::readNet (test::shared_model ("wave.onnx"));
  net.enableFusion (false);
  int checked = 0;
  for (const std::string &name : net.getLayerNames ())
    {
      cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (name));
      auto *c = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
      if (!c || layer->type != "Convolution")
        continue;
      const cv::Mat &w = layer->blobs[0];
      const Conv conv { w.size[1], w.size[0], w.size[2], w.size[3], (int) c->strides[0],
                        { (int) c->pads_begin[0], (int) c->pads_begin[1], (int) c->pads_end[0],
                          (int) c->pads_end[1] } };
      const cv::Mat x = random_mat ({ 1, conv.in, 61, 47 }, checked);
      const double db = check_conv (conv, w, layer->blobs.size () > 1 ? layer->blobs[1] : cv::Mat (),
                                    x, name);
      g_test_message ("%s (%d->%d %dx%d s%d): %.1f dB", name.c_str (), conv.in, conv.out, conv.kh,
                      conv.kw, conv.stride, db);
      checked++;
    }
  g_assert_cmpint (checked, >=, 3);
}

} // namespace

// UpsampledConv against OpenCV's nearest resize, mirrored border and
// convolution layer: Magenta's decoder shapes and an odd one, 1x1 and
// 1-pixel-wide inputs, widths past one block of the product (128
// columns), every instruction set.
void
test_upsampled_phases ()
{
  const std::pair<int, int> channels[] = { { 16, 8 }, { 32, 16 }, { 3, 5 } };
  const std::pair<int, int> sizes[] = { { 1, 1 }, { 1, 2 }, { 2, 1 }, { 2, 3 }, { 9, 17 }, { 33, 35 }, { 5, 140 } };
  double lowest = 1000;
  int checked = 0;
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      for (size_t i = 0; i < G_N_ELEMENTS (channels); i++)
        {
          const Conv c = { channels[i].first, channels[i].second, 3, 3, 1, { 0, 0, 0, 0 } };
          const cv::Mat w = random_mat ({ c.out, c.in, 3, 3 }, 80 + i);
          const cv::Mat bias = i == 2 ? cv::Mat () : random_mat ({ c.out }, 90 + i);
          ns::UpsampledConv up (w, bias);
          for (const auto &size : sizes)
            {
              const cv::Mat x = random_mat ({ 1, c.in, size.first, size.second }, 11 * i + size.second);
              const cv::Mat want = stock_forward (c, w, bias, resampled (x, 2, true, cv::Vec4i::all (1)));
              g_assert_true (up.output_shape (cv::dnn::shape (x)) == cv::dnn::shape (want));
              cv::Mat got (cv::dnn::shape (want), CV_32F, cv::Scalar (NAN));
              up.forward (x, got);
              const double db = psnr (got, want);
              if (!(db >= 100.0))
                g_error ("%s: %d->%d on %dx%d: %.1f dB against OpenCV's resize, border and layer", isa, c.in,
                         c.out, size.first, size.second, db);
              lowest = std::min (lowest, db);
              checked++;
            }
        }
    }
  g_test_message ("%d upsampled convolutions as 2x2 phases, every one >= %.1f dB", checked, lowest);
  test::select_best_isa ();
}

// A ReLU folded into the convolution (Magenta's encoder has three): the
// convolution's output clamped at 0, stride 1 (each block of the output)
// and stride 2 (each gathered panel), every instruction set.
// A Padding layer mirroring its input by one pixel and a 3x3 convolution
// after it, as rewrite_padded () makes them one kernel: Winograd on a
// mirrored copy from 32 channels in and out (rewrite.cpp), the matrix
// product below; against OpenCV's border and layer, every size down to
// one pixel.
void
test_mirrored_winograd ()
{
  const std::pair<int, int> channels[] = { { 32, 32 }, { 48, 40 }, { 16, 16 } };
  const std::pair<int, int> sizes[] = { { 1, 1 }, { 1, 5 }, { 7, 1 }, { 2, 3 }, { 9, 17 }, { 33, 35 }, { 64, 48 } };
  cv::dnn::LayerParams lp;
  const int paddings[] = { 0, 0, 0, 0, 1, 1, 1, 1 };
  lp.name = "pad";
  lp.type = "Padding";
  lp.set ("paddings", cv::dnn::DictValue::arrayInt (paddings, 8));
  lp.set ("type", "reflect");
  const cv::Ptr<cv::dnn::Layer> padding = cv::dnn::LayerFactory::createLayerInstance ("Padding", lp);
  g_assert_true (padding);
  double lowest = 1000;
  for (size_t i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      const Conv c = { channels[i].first, channels[i].second, 3, 3, 1, { 0, 0, 0, 0 } };
      const cv::Mat w = random_mat ({ c.out, c.in, 3, 3 }, 60 + i), bias = random_mat ({ c.out }, 65 + i);
      const cv::Ptr<cv::dnn::Layer> conv = ns::make_convolution (w, bias, 3, 3, 0, 0);
      auto scratch = std::make_shared<ns::PaddedScratch> ();
      std::unique_ptr<ns::Kernel> kernel = ns::rewrite_padded (conv, padding, nullptr, c.in, 1.0, scratch);
      g_assert_nonnull (kernel.get ());
      const bool winograd = kernel->describe ().find ("winograd") != std::string::npos;
      g_test_message ("%d->%d: %s", c.in, c.out, kernel->describe ().c_str ());
      g_assert_true (winograd == (c.in >= 32 && c.out >= 32));
      // Its mirrored copy is in the scratch plan.
      g_assert_cmpfloat (scratch->bytes_per_pixel, >=, sizeof (float) * c.in);
      for (const auto &size : sizes)
        {
          const cv::Mat x = random_mat ({ 1, c.in, size.first, size.second }, 13 * i + size.first);
          const cv::Mat want = stock_forward (c, w, bias, resampled (x, 1, true, cv::Vec4i::all (1)));
          g_assert_true (kernel->output_shape (cv::dnn::shape (x)) == cv::dnn::shape (want));
          cv::Mat got (cv::dnn::shape (want), CV_32F, cv::Scalar (NAN));
          kernel->forward (x, got);
          const double db = psnr (got, want);
          if (!(db >= 100.0))
            g_error ("%d->%d on %dx%d: %.1f dB against OpenCV's border and layer", c.in, c.out, size.first,
                     size.second, db);
          lowest = std::min (lowest, db);
        }
    }
  g_test_message ("mirrored 3x3 convolutions, every one >= %.1f dB", lowest);
}

void
test_relu_kernel ()
{
  const Conv convs[] = {
    { 3, 8, 9, 9, 1, { 4, 4, 4, 4 } },
    { 8, 16, 3, 3, 2, { 1, 1, 1, 1 } },
  };
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      for (size_t i = 0; i < G_N_ELEMENTS (convs); i++)
        {
          const Conv &c = convs[i];
          const cv::Mat w = random_mat ({ c.out, c.in, c.kh, c.kw }, 40 + i);
          const cv::Mat bias = random_mat ({ c.out }, 50 + i);
          const cv::Mat x = random_mat ({ 1, c.in, 37, 150 }, 60 + i);
          cv::Mat want = stock_forward (c, w, bias, x);
          g_assert_cmpfloat (cv::countNonZero (want.reshape (1, 1) < 0), >, want.total () / 4);
          cv::max (want, 0.0, want);
          ns::ConvGemm conv (w, bias, c.stride, c.pads);
          conv.fold_relu ();
          cv::Mat got (cv::dnn::shape (want), CV_32F, cv::Scalar (NAN));
          conv.forward (x, got);
          g_assert_cmpfloat (psnr (got, want), >=, 100.0);
          g_assert_cmpfloat (cv::norm (got.reshape (1, 1), cv::NORM_INF), >, 0.0);
          double lo;
          cv::minMaxLoc (got.reshape (1, 1), &lo);
          g_assert_cmpfloat (lo, ==, 0.0);
        }
    }
  test::select_best_isa ();
}

// The graph folds a ReLU right after a convolution it runs into it (and
// a leaky one not): the same output as OpenCV's network.
void
test_relu_folded ()
{
  const cv::Mat w = random_mat ({ 8, 3, 3, 3 }, 70), bias = random_mat ({ 8 }, 71);
  const cv::Mat x = random_mat ({ 1, 3, 41, 67 }, 72);
  for (const float slope : { 0.0f, 0.1f })
    {
      cv::dnn::LayerParams conv;
      conv.set ("kernel_size", 3);
      conv.set ("pad", 1);
      conv.set ("num_output", 8);
      conv.set ("bias_term", true);
      conv.blobs = { w, bias.reshape (1, 1) };
      cv::dnn::LayerParams relu;
      if (slope != 0.0f)
        relu.set ("negative_slope", slope);
      cv::dnn::Net net;
      net.addLayerToPrev ("conv", "Convolution", conv);
      net.addLayerToPrev ("relu", "ReLU", relu);
      net.enableFusion (false);
      net.setInput (x);
      const cv::Mat want = net.forward ().clone ();

      std::unique_ptr<ns::Graph> graph = ns::Graph::build (net, {}, true);
      g_assert_nonnull (graph.get ());
      g_assert_cmpint (graph->rewritten (), ==, 1);
      g_assert_cmpint (graph->folded (), ==, slope == 0.0f ? 1 : 0);
      const cv::Mat got = graph->forward (x).clone ();
      g_test_message ("slope %g: %.1f dB against OpenCV's network", slope, psnr (got, want));
      g_assert_cmpfloat (psnr (got, want), >=, 100.0);
      graph->release ();
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, nullptr);
  g_test_add_func ("/conv-gemm/gemm", test_gemm);
  g_test_add_func ("/conv-gemm/zero-spans", test_gemm_zero_spans);
  g_test_add_func ("/conv-gemm/random", test_conv_random);
  g_test_add_func ("/conv-gemm/resampled", test_conv_resampled);
  g_test_add_func ("/conv-gemm/real-weights", test_conv_real);
  g_test_add_func ("/conv-gemm/relu", test_relu_kernel);
  g_test_add_func ("/conv-gemm/upsampled-phases", test_upsampled_phases);
  g_test_add_func ("/conv-gemm/mirrored-winograd", test_mirrored_winograd);
  g_test_add_func ("/conv-gemm/relu-folded", test_relu_folded);
  return g_test_run ();
}
