// test-t7.cpp: Torch .t7 models in Johnson's layout, as tests/data makes
// them, load with NS_CONVENTION_AUTO as "johnson" and give what a plain
// cv::dnn::readNetFromTorch forward gives: BGR minus the ImageNet mean in,
// the mean added back to the output, BGR -> RGB, clamped.
#include "test-util.hpp"
#include "tiling.hpp" // the engine's planner: is the image really tiled?

#include <opencv2/imgproc.hpp>

#include <glib.h>

namespace {

struct Reference
{
  const char *file;
  bool instance_norm;
  std::string path;
  cv::dnn::Net net; // read before any NsEngine: OpenCV's own layers
};

Reference references[] = {
  { "instance-norm.t7", true, {}, {} }, // make-t7.py defaults
  { "eccv16.t7", false, {}, {} },       // batch normalization
  { "five-blocks.t7", true, {}, {} },   // reflects 40 pixels inside, as published
};

const cv::Scalar kImagenetMeanBgr (103.939, 116.779, 123.680);

// A real photo small and odd enough to be padded on both axes (to 100 x 64).
cv::Mat
photo ()
{
  static const cv::Mat rgb8 = test::photo_rgb8 ("chelsea.png", cv::Size (97, 61));
  return rgb8;
}

cv::Mat
reference_rgb (cv::dnn::Net &net, const cv::Mat &rgb8)
{
  cv::Mat bgr;
  cv::cvtColor (test::pad_for_network (rgb8), bgr, cv::COLOR_RGB2BGR);
  bgr.convertTo (bgr, CV_32F);
  bgr -= kImagenetMeanBgr; // NCHW, BGR, 0..255 minus the mean

  net.setInput (cv::dnn::blobFromImage (bgr));
  cv::Mat out = test::blob_to_image (net.forward (), rgb8.size ()) + kImagenetMeanBgr;
  cv::Mat rgb;
  cv::cvtColor (out, rgb, cv::COLOR_BGR2RGB);
  cv::min (cv::max (rgb, 0.0), 255.0, rgb);
  return rgb / 255.0;
}

void
test_same_as_opencv (gconstpointer data)
{
  Reference &r = *static_cast<Reference *> (const_cast<gpointer> (data));
  if (r.instance_norm)
    g_assert_true (test::has_only_stock_norm_layers (r.net));
  else
    g_assert_cmpuint (test::norm_layers (r.net).size (), ==, 0);

  g_autoptr (NsEngine) engine = test::open_engine (r.path);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_JOHNSON);

  const cv::Mat styled = test::stylize (engine, test::rgba_from_rgb8 (photo ()));
  const cv::Mat expected = reference_rgb (r.net, photo ());
  const double max_diff = test::max_abs_diff (styled, expected);

  g_test_message ("%s: max |engine - OpenCV| = %.4f / 255; differs from the photo by %.1f / 255",
                  r.file, 255 * max_diff,
                  255 * test::mean_abs_diff (styled, test::rgba_from_rgb8 (photo ())));
  g_assert_cmpfloat (max_diff, <=, 0.5 / 255);
}

// Johnson's layout pads inside the network, so its normalization layers see
// a larger picture than the input: tiles must still share its statistics.
void
test_exact_tiling ()
{
  g_autoptr (NsEngine) engine = test::open_engine (test::made_data ("five-blocks.t7"));
  const cv::Mat rgba = test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png"));
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = 1; // the smallest tiles: 2 x 2 here
  options.statistics = NS_STATISTICS_WHOLE;

  const cv::Mat whole = test::stylize (engine, rgba);
  const cv::Mat tiled = test::stylize (engine, options, rgba);
  g_test_message ("five-blocks.t7, exact tiling: PSNR %.1f dB vs whole", test::psnr (tiled, whole));
  g_assert_cmpfloat (test::psnr (tiled, whole), >=, 40.0);
}

// An image narrower than the network's 40-pixel inner padding, tiled: the
// statistics pass, on a shrunken copy, must be padded for the network like
// the tiles are, and still give about the whole-image result.
void
test_tiled_narrow ()
{
  g_autoptr (NsEngine) engine = test::open_engine (test::made_data ("five-blocks.t7"));
  const cv::Mat rgba = test::rgba_from_rgb8 (test::photo_rgb8 ("rocket.jpg", cv::Size (40, 3000)));
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = 1; // the smallest tiles

  const ns::Plan plan = ns::plan_tiles (ns::Geometry (rgba.size (), 1.0), options.memory_budget);
  g_assert_cmpuint (plan.tiles.size (), >, 1);
  g_assert_cmpint (plan.stats_size.height, <, rgba.rows); // shrunk

  const cv::Mat whole = test::stylize (engine, rgba);
  const cv::Mat tiled = test::stylize (engine, options, rgba);
  g_test_message ("five-blocks.t7, 40 x 3000 in %zu tiles, statistics from %d x %d: "
                  "PSNR %.1f dB vs whole", plan.tiles.size (), plan.stats_size.width,
                  plan.stats_size.height, test::psnr (tiled, whole));
  g_assert_cmpfloat (test::psnr (tiled, whole), >=, 25.0);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (Reference &r : references)
    {
      r.path = test::made_data (r.file);
      r.net = test::stock_net (r.path);
    }

  for (Reference &r : references)
    {
      g_autofree gchar *path = g_strdup_printf ("/t7/same-as-opencv/%s", r.file);
      g_test_add_data_func (path, &r, test_same_as_opencv);
    }
  g_test_add_func ("/t7/exact-tiling", test_exact_tiling);
  g_test_add_func ("/t7/tiled-narrow", test_tiled_narrow);
  return g_test_run ();
}
