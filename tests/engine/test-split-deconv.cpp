// test-split-deconv.cpp: ns::SplitDeconv (engine/split-deconv.cpp) against
// OpenCV's own Deconvolution layer: in place in the real networks (the
// shared ONNX models and the suite's .t7 networks, on a photo's
// activations, down to 1x1 and 2x3 inputs), with the real weights of every
// transposed convolution (ONNX, .t7, ml5 folders) on random data at odd
// and tiny sizes, and with random weights for the kernels, pads and output
// paddings the importers can make.
#include "instance-norm.hpp"
#include "ml5.hpp"
#include "split-deconv.hpp"
#include "test-util.hpp"

// OpenCV's headers: unused parameters, signed/unsigned comparisons.
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

// PSNR over the reference's own range, and the largest difference.
double
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
  g_assert_cmpfloat (psnr, >=, 60.0);
  return psnr;
}

cv::Mat
split_forward (ns::SplitDeconv &split, const cv::Mat &x)
{
  cv::Mat y (split.output_shape (cv::dnn::shape (x)), CV_32F, cv::Scalar (NAN));
  split.forward (x, y);
  return y;
}

// A network of one stock Deconvolution layer like `layer`.
cv::dnn::Net
stock_deconv (const cv::dnn::Layer &layer)
{
  const auto &c = dynamic_cast<const cv::dnn::BaseConvolutionLayer &> (layer);
  cv::dnn::LayerParams p;
  p.set ("kernel_h", (int) c.kernel_size[0]);
  p.set ("kernel_w", (int) c.kernel_size[1]);
  p.set ("stride_h", (int) c.strides[0]);
  p.set ("stride_w", (int) c.strides[1]);
  p.set ("pad_t", (int) c.pads_begin[0]);
  p.set ("pad_l", (int) c.pads_begin[1]);
  p.set ("pad_b", (int) c.pads_end[0]);
  p.set ("pad_r", (int) c.pads_end[1]);
  p.set ("adj_h", c.adjust_pads.empty () ? 0 : (int) c.adjust_pads[0]);
  p.set ("adj_w", c.adjust_pads.empty () ? 0 : (int) c.adjust_pads[1]);
  p.set ("num_output", c.numOutput);
  p.set ("bias_term", layer.blobs.size () > 1);
  p.blobs = layer.blobs;
  cv::dnn::Net net;
  net.addLayerToPrev ("deconv", "Deconvolution", p);
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

// `layer` (from a loaded network) against SplitDeconv on random data.
void
check_random (const cv::dnn::Layer &layer, const std::string &what)
{
  g_assert_true (ns::SplitDeconv::applies (layer));
  ns::SplitDeconv split (layer);
  cv::dnn::Net stock = stock_deconv (layer);
  const int sizes[][2] = { { 1, 1 }, { 2, 3 }, { 13, 17 }, { 31, 8 }, { 2, 3 }, { 40, 33 } };
  int seed = 1;
  for (const auto &s : sizes)
    {
      const cv::Mat x = random_input (layer.blobs[0].size[0], s[0], s[1], seed++);
      stock.setInput (x);
      const cv::Mat want = stock.forward ().clone ();
      compare (split_forward (split, x), want,
               cv::format ("%s random %dx%d", what.c_str (), s[0], s[1]));
    }
}

struct Deconv
{
  std::string name, input, next; // the layer, what it reads, the layer after
};

// `net`'s Deconvolution layers; logs how the importer made them and what
// follows each.
std::vector<Deconv>
deconvs_of (cv::dnn::Net &net)
{
  std::vector<Deconv> found;
  const std::vector<std::string> names = net.getLayerNames ();
  for (size_t i = 0; i + 1 < names.size (); i++)
    {
      const int id = net.getLayerId (names[i]);
      const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (id);
      if (layer->type != "Deconvolution")
        continue;
      found.push_back ({ names[i], net.getLayerInputs (id).at (0)->name, names[i + 1] });
      const auto &c = dynamic_cast<const cv::dnn::BaseConvolutionLayer &> (*layer);
      const cv::Mat &w = layer->blobs[0];
      g_test_message ("%s: %dx%dx%dx%d, pads %zu,%zu,%zu,%zu, adj %zu,%zu, %s, then %s",
                      names[i].c_str (), w.size[0], w.size[1], w.size[2], w.size[3],
                      c.pads_begin[0], c.pads_begin[1], c.pads_end[0], c.pads_end[1],
                      c.adjust_pads.empty () ? 0 : c.adjust_pads[0],
                      c.adjust_pads.empty () ? 0 : c.adjust_pads[1],
                      layer->blobs.size () > 1 ? "bias" : "no bias",
                      net.getLayer (net.getLayerId (names[i + 1]))->type.c_str ());
    }
  return found;
}

// The crop of the Slice after a transposed convolution, if any.
bool
crop_after (cv::dnn::Net &net, const Deconv &d, cv::Vec4i &crop)
{
  const cv::Ptr<cv::dnn::Layer> next = net.getLayer (net.getLayerId (d.next));
  const std::vector<cv::Ptr<cv::dnn::Layer>> inputs = net.getLayerInputs (net.getLayerId (d.next));
  return inputs.size () == 1 && inputs[0]->name == d.name
         && ns::SplitDeconv::slice_crop (*next, crop);
}

// Every transposed convolution of the model at `path`, in place on a
// photo's activations at several sizes (tiny ones included), then alone on
// random data.
void
test_network (gconstpointer data)
{
  const std::string path ((const char *) data);
  cv::dnn::Net net = test::stock_net (path);
  net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  net.enableFusion (false);
  const auto deconvs = deconvs_of (net);
  g_assert_cmpuint (deconvs.size (), ==, 2);

  // The .t7 networks reflect 8 pixels per residual block inside; OpenCV
  // needs that many.
  const int min = g_str_has_suffix (path.c_str (), "five-blocks.t7") ? 40
                  : g_str_has_suffix (path.c_str (), ".t7")          ? 16
                                                                      : 4;
  const cv::Size sizes[] = { { min, min }, { min + 8, min + 4 }, { 123, 77 } };
  for (const cv::Size &size : sizes)
    {
      const cv::Mat photo = test::photo_rgb8 ("chelsea.png", size);
      net.setInput (cv::dnn::blobFromImage (photo, 1.0, cv::Size (), cv::Scalar (), false, false));
      std::vector<std::string> names;
      for (const Deconv &d : deconvs)
        names.insert (names.end (), { d.input, d.name, d.next });
      std::vector<cv::Mat> blobs;
      net.forward (blobs, names);
      for (size_t i = 0; i < deconvs.size (); i++)
        {
          const cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (deconvs[i].name));
          g_assert_true (ns::SplitDeconv::applies (*layer));
          ns::SplitDeconv split (*layer);
          const cv::Mat &x = blobs[3 * i];
          compare (split_forward (split, x), blobs[3 * i + 1],
                   cv::format ("%s in place, %dx%d input", deconvs[i].name.c_str (), x.size[2],
                               x.size[3]));

          // With the Slice after it folded in.
          cv::Vec4i crop;
          if (!crop_after (net, deconvs[i], crop))
            continue;
          ns::SplitDeconv cropped (*layer, crop);
          compare (split_forward (cropped, x), blobs[3 * i + 2],
                   cv::format ("  and its Slice (crop %d,%d,%d,%d)", crop[0], crop[1], crop[2],
                               crop[3]));
        }
    }
  for (const Deconv &d : deconvs)
    check_random (*net.getLayer (net.getLayerId (d.name)), d.name);
}

// ml5's folders as the engine builds them: the weights alone.  Their
// normalization layers are the engine's, which then replaces OpenCV's for
// every network made after: this runs last.
void
test_ml5 ()
{
  ns::register_instance_norm_layer ();
  cv::dnn::Net net = ns::ml5::read_network (test::shared_ml5 ("wave"));
  const auto deconvs = deconvs_of (net);
  g_assert_cmpuint (deconvs.size (), ==, 2);
  for (const Deconv &d : deconvs)
    {
      check_random (*net.getLayer (net.getLayerId (d.name)), d.name);
      // The Slice after it crops the last row and column.
      cv::Vec4i crop;
      g_assert_true (crop_after (net, d, crop));
      g_assert_true (crop == cv::Vec4i (0, 0, 1, 1));
    }
}

// Random weights: the kernels, pads, output paddings and biases the
// importers can make (OpenCV 4.6 refuses unequal pads at both ends of an
// axis), and one SplitDeconv fed several sizes in turn.
void
test_random_weights ()
{
  struct Case
  {
    int kh, kw, top, left, bottom, right, adj_h, adj_w;
    bool bias;
  };
  const Case cases[] = {
    { 3, 3, 0, 0, 0, 0, 0, 0, false }, { 3, 3, 1, 1, 1, 1, 1, 1, true },
    { 3, 3, 1, 1, 1, 1, 0, 0, true },
    { 3, 3, 1, 0, 1, 0, 0, 1, true },  { 3, 3, 2, 2, 2, 2, 1, 0, false },
    { 5, 5, 2, 2, 2, 2, 1, 1, true },  { 5, 3, 2, 0, 2, 0, 1, 0, true },
    { 4, 4, 1, 1, 1, 1, 0, 0, true },  { 2, 2, 0, 0, 0, 0, 0, 0, true },
    { 7, 7, 3, 3, 3, 3, 1, 1, true },
  };
  cv::RNG rng (7);
  for (const Case &c : cases)
    {
      const int cin = 5, cout = 7;
      cv::dnn::LayerParams p;
      p.set ("kernel_h", c.kh);
      p.set ("kernel_w", c.kw);
      p.set ("stride_h", 2);
      p.set ("stride_w", 2);
      const int pads[] = { c.top, c.left, c.bottom, c.right };
      p.set ("pad", cv::dnn::DictValue::arrayInt (pads, 4));
      p.set ("adj_h", c.adj_h);
      p.set ("adj_w", c.adj_w);
      p.set ("num_output", cout);
      p.set ("bias_term", c.bias);
      cv::Mat w (MatShape { cin, cout, c.kh, c.kw }, CV_32F);
      rng.fill (w, cv::RNG::UNIFORM, -1.0, 1.0);
      p.blobs.push_back (w);
      if (c.bias)
        {
          cv::Mat b (1, cout, CV_32F);
          rng.fill (b, cv::RNG::UNIFORM, -1.0, 1.0);
          p.blobs.push_back (b);
        }
      cv::dnn::Net stock;
      stock.addLayerToPrev ("deconv", "Deconvolution", p);
      stock.enableFusion (false);
      const cv::Ptr<cv::dnn::Layer> layer = stock.getLayer (stock.getLayerId ("deconv"));

      ns::SplitDeconv split (*layer);
      const int sizes[][2] = { { 3, 3 }, { 2, 3 }, { 1, 1 }, { 11, 6 }, { 5, 9 }, { 3, 3 } };
      for (const auto &s : sizes)
        {
          const cv::Mat x = random_input (cin, s[0], s[1], s[0] * 100 + s[1]);
          if (2 * (s[0] - 1) + c.kh - c.top - c.bottom + c.adj_h <= 0
              || 2 * (s[1] - 1) + c.kw - c.left - c.right + c.adj_w <= 0)
            {
              // No output: OpenCV refuses it, and so does SplitDeconv.
              bool refused = false;
              try
                {
                  split.output_shape (cv::dnn::shape (x));
                }
              catch (const cv::Exception &)
                {
                  refused = true;
                }
              g_assert_true (refused);
              continue;
            }
          stock.setInput (x);
          const cv::Mat want = stock.forward ().clone ();
          compare (split_forward (split, x), want,
                   cv::format ("k %dx%d pads %d,%d,%d,%d adj %d,%d%s, %dx%d", c.kh, c.kw, c.top,
                               c.left, c.bottom, c.right, c.adj_h, c.adj_w,
                               c.bias ? " bias" : "", s[0], s[1]));
        }
    }
}

// What it refuses: other strides, groups, dilations and kernels.
void
test_applies ()
{
  const auto make = [] (int stride, int kernel, int group, int dilation) {
    cv::dnn::LayerParams p;
    p.set ("kernel_size", kernel);
    p.set ("stride", stride);
    p.set ("dilation", dilation);
    p.set ("group", group);
    p.set ("num_output", 4);
    p.set ("bias_term", false);
    p.blobs.push_back (cv::Mat (MatShape { 4, 4 / group, kernel, kernel }, CV_32F, cv::Scalar (1)));
    cv::dnn::Net net;
    net.addLayerToPrev ("deconv", "Deconvolution", p);
    return net.getLayer (net.getLayerId ("deconv"));
  };
  g_assert_true (ns::SplitDeconv::applies (*make (2, 3, 1, 1)));
  g_assert_false (ns::SplitDeconv::applies (*make (1, 3, 1, 1)));
  g_assert_false (ns::SplitDeconv::applies (*make (3, 3, 1, 1)));
  g_assert_false (ns::SplitDeconv::applies (*make (2, 1, 1, 1)));
  g_assert_false (ns::SplitDeconv::applies (*make (2, 3, 2, 1)));
  g_assert_false (ns::SplitDeconv::applies (*make (2, 3, 1, 2)));

  cv::dnn::LayerParams p;
  cv::dnn::Net net;
  net.addLayerToPrev ("relu", "ReLU", p);
  g_assert_false (ns::SplitDeconv::applies (*net.getLayer (net.getLayerId ("relu"))));
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static std::vector<std::string> paths = test::shared_models ();
  for (const char *t7 : { "instance-norm.t7", "five-blocks.t7" })
    paths.push_back (test::made_data (t7));
  for (const std::string &path : paths)
    {
      g_autofree gchar *base = g_path_get_basename (path.c_str ());
      g_autofree gchar *name = g_strdup_printf ("/split-deconv/network/%s", base);
      g_test_add_data_func (name, path.c_str (), test_network);
    }
  g_test_add_func ("/split-deconv/random-weights", test_random_weights);
  g_test_add_func ("/split-deconv/applies", test_applies);
  // GLib runs a suite's own tests first, then its child suites in order.
  g_test_add_func ("/split-deconv/ml5/wave", test_ml5);
  return g_test_run ();
}
