// test-onednn.cpp: ns::OneDnnConvolution (engine/onednn-conv.cpp) against
// OpenCV's own Convolution layer: in place in real networks (every
// convolution of the shared wave.onnx and la_muse.onnx on a photo's
// activations), with those real weights on random data at odd and tiny
// sizes, and with random weights for asymmetric pads and strides.  Built
// only with oneDNN (HAVE_ONEDNN).
#include "onednn-conv.hpp"
#include "test-util.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#pragma GCC diagnostic pop

#include <glib.h>

#include <cmath>

namespace {

using cv::dnn::MatShape;

// PSNR over the reference's own range (>= 60 dB), and the largest difference.
void
compare (const cv::Mat &got, const cv::Mat &want, const std::string &what)
{
  g_assert_true (cv::dnn::shape (got) == cv::dnn::shape (want));
  double lo, hi;
  cv::minMaxLoc (want.reshape (1, 1), &lo, &hi);
  const double max_diff = cv::norm (got, want, cv::NORM_INF);
  const double mse = std::pow (cv::norm (got, want, cv::NORM_L2), 2) / (double) want.total ();
  const double range = std::max (hi - lo, 1e-6);
  const double psnr = mse > 0 ? 10 * std::log10 (range * range / mse) : 999.0;
  g_test_message ("  %s: %.1f dB, max |diff| %.3g (range %.3g)", what.c_str (), psnr, max_diff,
                  range);
  g_assert_false (std::isnan (max_diff));
  g_assert_cmpfloat (psnr, >=, 60.0);
}

cv::Mat
kernel_forward (ns::Kernel &kernel, const cv::Mat &x)
{
  cv::Mat y (kernel.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
  kernel.forward (x, y);
  return y;
}

// A network of one stock Convolution layer.
cv::dnn::Net
stock_conv (const cv::Mat &weights, const cv::Mat &bias, cv::Vec2i stride, cv::Vec4i pads)
{
  cv::dnn::LayerParams p;
  p.set ("kernel_h", weights.size[2]);
  p.set ("kernel_w", weights.size[3]);
  p.set ("stride_h", stride[0]);
  p.set ("stride_w", stride[1]);
  p.set ("pad_t", pads[0]);
  p.set ("pad_l", pads[1]);
  p.set ("pad_b", pads[2]);
  p.set ("pad_r", pads[3]);
  p.set ("num_output", weights.size[0]);
  p.set ("bias_term", !bias.empty ());
  p.blobs = { weights };
  if (!bias.empty ())
    p.blobs.push_back (bias);
  cv::dnn::Net net;
  net.addLayerToPrev ("conv", "Convolution", p);
  net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  net.enableFusion (false);
  return net;
}

cv::Mat
random_input (int channels, int h, int w, int seed)
{
  cv::Mat x (MatShape { 1, channels, h, w }, CV_32F);
  cv::RNG rng (seed);
  rng.fill (x, cv::RNG::UNIFORM, -2.0, 2.0);
  return x;
}

// `x` (1 x C x H x W) with zero rows and columns around it: pads top,
// left, bottom, right.
cv::Mat
zero_padded (const cv::Mat &x, cv::Vec4i pads)
{
  const int c = x.size[1], h = x.size[2], w = x.size[3];
  cv::Mat padded (MatShape { 1, c, h + pads[0] + pads[2], w + pads[1] + pads[3] }, CV_32F,
                  cv::Scalar (0));
  for (int i = 0; i < c; i++)
    {
      const cv::Mat plane (h, w, CV_32F, (void *) x.ptr<float> (0, i));
      cv::Mat out (padded.size[2], padded.size[3], CV_32F, padded.ptr<float> (0, i));
      plane.copyTo (out (cv::Rect (pads[1], pads[0], w, h)));
    }
  return padded;
}

// The stock layer and the kernel on random inputs of `sizes`.  OpenCV's
// layer has no asymmetric pads (its ONNX importer puts a Padding layer
// before it): then the reference convolves a zero-padded input.
void
check_random (const cv::Mat &weights, const cv::Mat &bias, cv::Vec2i stride, cv::Vec4i pads,
              const std::vector<cv::Size> &sizes, const std::string &what)
{
  ns::OneDnnConvolution kernel (weights, bias, stride, pads);
  const bool symmetric = pads[0] == pads[2] && pads[1] == pads[3];
  cv::dnn::Net stock = stock_conv (weights, bias, stride, symmetric ? pads : cv::Vec4i ());
  int seed = 1;
  for (const cv::Size &s : sizes)
    {
      const cv::Mat x = random_input (weights.size[1], s.height, s.width, seed++);
      stock.setInput (symmetric ? x : zero_padded (x, pads));
      const cv::Mat want = stock.forward ().clone ();
      const cv::Mat got = kernel_forward (kernel, x);
      compare (got, want,
               cv::format ("%s random %dx%d (%s)", what.c_str (), s.height, s.width,
                           kernel.implementation ().c_str ()));
    }
}

// Every Convolution layer of the model at `path`: in place on a photo's
// activations (at two sizes, one of them odd), then with its weights alone
// on random data down to the smallest legal input.
void
test_network (gconstpointer data)
{
  const std::string path ((const char *) data);
  cv::dnn::Net net = test::stock_net (path);
  net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  net.enableFusion (false);

  std::vector<std::string> convs, inputs;
  for (const std::string &name : net.getLayerNames ())
    {
      const int id = net.getLayerId (name);
      if (net.getLayer (id)->type != "Convolution")
        continue;
      convs.push_back (name);
      inputs.push_back (net.getLayerInputs (id).at (0)->name);
    }
  g_assert_cmpuint (convs.size (), >=, 10);

  for (const cv::Size &size : { cv::Size (64, 48), cv::Size (123, 77) })
    {
      const cv::Mat photo = test::photo_rgb8 ("chelsea.png", size);
      const cv::Mat blob = cv::dnn::blobFromImage (photo, 1.0, cv::Size (), cv::Scalar (), false,
                                                   false);
      net.setInput (blob);
      // The network's own input (layer 0) is not a blob forward () gives.
      std::vector<std::string> names;
      for (size_t i = 0; i < convs.size (); i++)
        names.insert (names.end (), { net.getLayerId (inputs[i]) == 0 ? convs[i] : inputs[i],
                                      convs[i] });
      std::vector<cv::Mat> blobs;
      net.forward (blobs, names);
      for (size_t i = 0; i < convs.size (); i++)
        if (net.getLayerId (inputs[i]) == 0)
          blobs[2 * i] = blob;
      for (size_t i = 0; i < convs.size (); i++)
        {
          const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (convs[i]));
          std::unique_ptr<ns::Kernel> kernel = ns::onednn_convolution (layer);
          g_assert_nonnull (kernel.get ());
          const cv::Mat &x = blobs[2 * i];
          compare (kernel_forward (*kernel, x), blobs[2 * i + 1],
                   cv::format ("%s in place, %dx%dx%d input", convs[i].c_str (), x.size[1],
                               x.size[2], x.size[3]));
        }
    }

  for (const std::string &name : convs)
    {
      const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (name));
      const auto &c = dynamic_cast<const cv::dnn::BaseConvolutionLayer &> (*layer);
      const int k = (int) c.kernel_size[0];
      // The smallest input the pads allow, tiny and odd ones.
      const int smallest = std::max (1, k - (int) (c.pads_begin[0] + c.pads_end[0]));
      std::vector<cv::Size> sizes { { smallest, smallest }, { 7, 5 }, { 37, 23 } };
      if (smallest <= 2)
        sizes.push_back ({ 3, 2 });
      check_random (layer->blobs[0], layer->blobs.size () > 1 ? layer->blobs[1] : cv::Mat (),
                    cv::Vec2i ((int) c.strides[0], (int) c.strides[1]),
                    cv::Vec4i ((int) c.pads_begin[0], (int) c.pads_begin[1], (int) c.pads_end[0],
                               (int) c.pads_end[1]),
                    sizes, name);
    }
}

cv::Mat
random_weights (MatShape shape, int seed)
{
  cv::Mat w (shape, CV_32F);
  cv::RNG (seed).fill (w, cv::RNG::NORMAL, 0.0, 0.1);
  return w;
}

// Kernels, strides and (asymmetric) pads the importers can make, random
// weights, with and without bias; one kernel over inputs of changing size.
void
test_shapes ()
{
  struct Case
  {
    int cout, cin, kh, kw;
    cv::Vec2i stride;
    cv::Vec4i pads;
  };
  const Case cases[] = {
    { 8, 3, 3, 3, { 1, 1 }, { 0, 1, 2, 1 } },  { 16, 16, 3, 3, { 2, 2 }, { 1, 0, 0, 1 } },
    { 5, 7, 1, 1, { 1, 1 }, { 0, 0, 0, 0 } },  { 4, 6, 2, 3, { 1, 2 }, { 1, 2, 0, 0 } },
    { 3, 32, 9, 9, { 1, 1 }, { 4, 4, 4, 4 } }, { 32, 3, 9, 9, { 1, 1 }, { 4, 3, 5, 4 } },
    { 64, 32, 3, 3, { 2, 2 }, { 1, 1, 1, 1 } },
  };
  int seed = 1;
  for (const Case &c : cases)
    {
      const cv::Mat w = random_weights ({ c.cout, c.cin, c.kh, c.kw }, seed++);
      const cv::Mat b = seed % 2 ? random_weights ({ 1, c.cout }, seed++) : cv::Mat ();
      const std::string what = cv::format ("%dx%dx%dx%d stride %d,%d pads %d,%d,%d,%d %s", c.cout,
                                           c.cin, c.kh, c.kw, c.stride[0], c.stride[1], c.pads[0],
                                           c.pads[1], c.pads[2], c.pads[3], b.empty () ? "" : "bias");
      // The smallest legal input, odd ones, and a size again (a new
      // primitive each time).
      const cv::Size smallest (std::max (1, c.kw - c.pads[1] - c.pads[3]),
                               std::max (1, c.kh - c.pads[0] - c.pads[2]));
      check_random (w, b, c.stride, c.pads, { { 7, 5 }, smallest, { 20, 13 }, { 7, 5 } }, what);
    }
}

// Layers the kernel does not compute are left alone; a wrong channel count
// throws.
void
test_refusals ()
{
  const cv::Mat w = random_weights ({ 4, 3, 3, 3 }, 1);
  cv::dnn::LayerParams p;
  p.set ("kernel_size", 3);
  p.set ("num_output", 4);
  p.set ("bias_term", false);
  p.blobs = { w };
  p.type = "Convolution"; // what a Net sets
  g_assert_nonnull (ns::onednn_convolution (cv::dnn::ConvolutionLayer::create (p)).get ());
  cv::dnn::LayerParams dilated = p;
  dilated.set ("dilation", 2);
  g_assert_null (ns::onednn_convolution (cv::dnn::ConvolutionLayer::create (dilated)).get ());
  cv::dnn::LayerParams same = p;
  same.set ("pad_mode", "SAME");
  g_assert_null (ns::onednn_convolution (cv::dnn::ConvolutionLayer::create (same)).get ());
  cv::dnn::LayerParams transposed = p;
  transposed.type = "Deconvolution";
  g_assert_null (ns::onednn_convolution (cv::dnn::DeconvolutionLayer::create (transposed)).get ());

  ns::OneDnnConvolution kernel (w, cv::Mat (), { 1, 1 }, { 0, 0, 0, 0 });
  const cv::Mat x = random_input (5, 8, 8, 1);
  cv::Mat y (MatShape { 1, 4, 6, 6 }, CV_32F);
  bool threw = false;
  try
    {
      kernel.forward (x, y);
    }
  catch (const cv::Exception &)
    {
      threw = true;
    }
  g_assert_true (threw);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, nullptr);
  static const std::string wave = test::shared_model ("wave.onnx"),
                           muse = test::shared_model ("la_muse.onnx");
  g_test_add_data_func ("/onednn/wave", wave.c_str (), test_network);
  g_test_add_data_func ("/onednn/la-muse", muse.c_str (), test_network);
  g_test_add_func ("/onednn/shapes", test_shapes);
  g_test_add_func ("/onednn/refusals", test_refusals);
  return g_test_run ();
}
