// test-flat.cpp: a flat colour stays the colour a one-pass run paints, in
// tiles too.  Its feature maps are constant planes, whose spread is pure
// rounding: normalizing by it (1 / sqrt (eps) = 316 times, at every layer)
// turned flat photos white or black once they went in tiles.
#include "test-util.hpp"

#include <opencv2/imgproc.hpp>

#include <glib.h>

#include <string>

namespace {

// Tiles of about 64 k network pixels: 640 x 480 goes in a dozen.
const guint64 kSmallBudget = 1;
const cv::Size kSize (640, 480);

struct Colour
{
  const char *name;
  cv::Scalar rgba;
};

const Colour kColours[] = {
  { "white", cv::Scalar (1, 1, 1, 1) },
  { "black", cv::Scalar (0, 0, 0, 1) },
  { "terracotta", cv::Scalar (0.8, 0.35, 0.2, 1) },
};

// A style: a catalog id (Magenta's presets), else a model path.
NsEngine *
open (const std::string &style)
{
  return style.find ('/') == std::string::npos ? test::open_style (style) : test::open_engine (style);
}

// The painting `tiled` against `one`, the one-pass painting: equal with
// whole-image statistics; with a shrunk copy's, as close as on a photo.
void
check_flat (const std::string &what, const cv::Mat &tiled, const cv::Mat &one, bool whole)
{
  cv::Scalar mean, sd, one_mean, one_sd;
  cv::meanStdDev (test::rgb_of (tiled), mean, sd);
  cv::meanStdDev (test::rgb_of (one), one_mean, one_sd);
  const double diff = test::max_abs_diff (tiled, one), db = test::psnr (tiled, one);
  g_test_message ("%s: mean (%.4f %.4f %.4f), spread %.2g; one pass: mean (%.4f %.4f %.4f), "
                  "spread %.2g; max diff %.4f / 255, %.1f dB",
                  what.c_str (), mean[0], mean[1], mean[2], std::max ({ sd[0], sd[1], sd[2] }),
                  one_mean[0], one_mean[1], one_mean[2],
                  std::max ({ one_sd[0], one_sd[1], one_sd[2] }), 255 * diff, db);
  if (whole)
    g_assert_cmpfloat (255 * diff, <=, 1.0);
  else
    g_assert_cmpfloat (db, >=, 15.0);
}

void
test_flat (gconstpointer data)
{
  const std::string style = static_cast<const char *> (data);
  g_autoptr (NsEngine) engine = open (style);

  for (const Colour &c : kColours)
    {
      const cv::Mat rgba (kSize, CV_32FC4, c.rgba);
      // The default budget holds 640 x 480 in one pass.
      const cv::Mat one = test::stylize (engine, test::options_for (0, NS_STATISTICS_AUTO), rgba);
      const std::string what = style + ", " + c.name;
      check_flat (what + ", whole statistics",
                  test::stylize (engine, test::options_for (kSmallBudget, NS_STATISTICS_WHOLE), rgba), one,
                  true);
      check_flat (what + ", shrunk statistics",
                  test::stylize (engine, test::options_for (kSmallBudget, NS_STATISTICS_SHRUNK), rgba), one,
                  false);
    }
}

// The case: a white 1920 x 1080 layer at the default budget, which
// Magenta's presets paint in tiles.
void
test_full_hd (gconstpointer data)
{
  const std::string style = static_cast<const char *> (data);
  g_autoptr (NsEngine) engine = open (style);
  const cv::Mat small (cv::Size (192, 108), CV_32FC4, cv::Scalar (1, 1, 1, 1));
  const cv::Mat large (cv::Size (1920, 1080), CV_32FC4, cv::Scalar (1, 1, 1, 1));
  NsOptions options;
  ns_options_init (&options);
  const cv::Mat one = test::stylize (engine, options, small);
  const cv::Mat out = test::stylize (engine, options, large);
  cv::Mat expected;
  cv::resize (one, expected, large.size (), 0, 0, cv::INTER_NEAREST);
  check_flat (style + ", white 1920 x 1080, default options", out, expected, true);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  static std::string wave = test::shared_model ("wave.onnx");
  static std::string t7 = test::made_data ("five-blocks.t7");
  static std::string ml5 = test::shared_ml5 ("mathura");
  g_test_add_data_func ("/flat/onnx", wave.c_str (), test_flat);
  g_test_add_data_func ("/flat/t7", t7.c_str (), test_flat);
  g_test_add_data_func ("/flat/ml5", ml5.c_str (), test_flat);
  g_test_add_data_func ("/flat/starry-night", "starry-night", test_flat);
  g_test_add_data_func ("/flat/great-wave", "great-wave", test_flat);
  g_test_add_data_func ("/flat/full-hd/starry-night", "starry-night", test_full_hd);
  g_test_add_data_func ("/flat/full-hd/great-wave", "great-wave", test_full_hd);
  return g_test_run ();
}
