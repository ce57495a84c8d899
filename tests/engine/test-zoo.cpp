// test-zoo.cpp: the ONNX model zoo's fast_neural_style graphs (opset 9,
// each Upsample's scales computed by a Shape -> Gather -> ... subgraph)
// through the engine, on ../shared/models/zoo-replica/candy-9-replica.onnx
// (the zoo's structure with real weights; see its README).  One engine runs
// every size in turn, as the plug-in does; the reference is a plain cv::dnn
// pass with a fresh network per size and fusion off (OpenCV 4.6 gives
// garbage with a fused network reused at a second size), made before the
// first NsEngine exists.
#include "test-util.hpp"
#include "tiling.hpp" // the engine's planner: where the seams are

#include <glib.h>

namespace {

// Odd sizes, a tiny one (padded to the 64-pixel minimum) and a size that
// goes in two tiles with the smallest memory budget.
const cv::Size kSizes[] = { cv::Size (301, 201), cv::Size (1, 1), cv::Size (67, 45),
                            cv::Size (3, 2), cv::Size (333, 219) };
const cv::Size kTiledSize = kSizes[4];
const guint64 kSmallBudget = 1;

constexpr double kMinPsnr = 60.0;

std::vector<cv::Mat> references; // per size, RGB 0..1

std::string
replica ()
{
  return test::shared_model ("zoo-replica/candy-9-replica.onnx");
}

cv::Mat
photo (cv::Size size)
{
  return test::photo_rgb8 ("coffee.png", size);
}

NsEngine *
engine ()
{
  static NsEngine *candy = test::open_engine (replica ());
  return candy;
}

double
report (const char *what, cv::Size size, const cv::Mat &styled, const cv::Mat &expected)
{
  const double db = test::psnr (styled, expected);
  g_test_message ("%dx%d %s: PSNR %.1f dB against plain cv::dnn, max diff %.4f / 255",
                  size.width, size.height, what, db, 255 * test::max_abs_diff (styled, expected));
  return db;
}

void
test_whole ()
{
  g_assert_cmpint (ns_engine_get_convention (engine ()), ==, NS_CONVENTION_RGB255);
  for (size_t i = 0; i < G_N_ELEMENTS (kSizes); i++)
    {
      const cv::Mat styled = test::stylize (engine (), test::rgba_from_rgb8 (photo (kSizes[i])));
      g_assert_cmpfloat (report ("whole", kSizes[i], styled, references[i]), >=, kMinPsnr);
    }
}

NsOptions
tiled_options (gboolean exact)
{
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = kSmallBudget;
  options.statistics = exact ? NS_STATISTICS_WHOLE : NS_STATISTICS_SHRUNK;
  return options;
}

void
test_exact_tiling ()
{
  const cv::Mat styled = test::stylize (engine (), tiled_options (TRUE),
                                        test::rgba_from_rgb8 (photo (kTiledSize)));
  g_assert_cmpfloat (report ("exact tiling", kTiledSize, styled, references[4]), >=, kMinPsnr);
}

// Mean over rows and channels of |d(x) - d(x - 1)|.
double
step (const cv::Mat &d, int x)
{
  cv::Mat s;
  cv::absdiff (d.col (x), d.col (x - 1), s);
  return cv::mean (s).dot (cv::Scalar (1, 1, 1)) / 3;
}

// Fast tiling takes its statistics from a shrunken copy, so it differs a
// little from the whole image everywhere (and candy's ring-shaped blobs,
// which move with the image size in whole passes too, move).  A seam is a
// jump in that difference where the tiles meet: its step there, against
// its steps 4, 8, ... 32 pixels beside.
void
test_fast_tiling ()
{
  const ns::Plan plan = ns::plan_tiles (ns::Geometry (kTiledSize, 1.0), kSmallBudget);
  g_assert_cmpuint (plan.tiles.size (), ==, 2);
  const int seam = plan.tiles[1].source.x;

  const cv::Mat styled = test::stylize (engine (), tiled_options (FALSE),
                                        test::rgba_from_rgb8 (photo (kTiledSize)));
  report ("fast tiling", kTiledSize, styled, references[4]);

  const cv::Mat d = test::rgb_of (styled) - references[4];
  double beside = 0;
  for (int k = 4; k <= 32; k += 4)
    beside += (step (d, seam - k) + step (d, seam + k)) / 16;
  const double ratio = step (d, seam) / beside;
  g_test_message ("step of |fast - whole| across the seam at x = %d: %.3f / 255, %.2f times "
                  "its steps beside", seam, 255 * step (d, seam), ratio);
  g_assert_cmpfloat (ratio, <, 1.5);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (const cv::Size &size : kSizes)
    {
      cv::dnn::Net net = test::stock_net (replica ());
      net.enableFusion (false);
      g_assert_true (test::has_only_stock_norm_layers (net));
      references.push_back (test::reference_rgb (net, photo (size)));
    }

  g_test_add_func ("/zoo/whole", test_whole);
  g_test_add_func ("/zoo/exact-tiling", test_exact_tiling);
  g_test_add_func ("/zoo/fast-tiling", test_fast_tiling);
  return g_test_run ();
}
