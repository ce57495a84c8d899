// test-tiling.cpp: images too large for the memory budget go in tiles.
// Exact tiling gives the whole-image result; the default (statistics from a
// shrunken copy) leaves no seams; cancelling leaves the destination alone.
#include "test-util.hpp"
#include "tiling.hpp" // the engine's planner: where the seams are

#include <glib.h>

#include <map>

namespace {

// The smallest budget the planner accepts: tiles of about 64 k network
// pixels, halos included.  coffee.png (600 x 400) then goes in 4 x 3 tiles,
// chelsea.png (451 x 300) in 2 x 2, cheap enough for exact tiling.
const guint64 kSmallBudget = 1;
const char *const kSeamPhoto = "coffee.png";
const char *const kExactPhoto = "chelsea.png";

struct Photo
{
  cv::Mat rgba;
  cv::Mat whole; // stylized in one pass
};

const Photo &
photo (const char *file)
{
  static std::map<std::string, Photo> cache;
  Photo &p = cache[file];
  if (p.rgba.empty ())
    {
      p.rgba = test::rgba_from_rgb8 (test::photo_rgb8 (file));
      p.whole = test::stylize (test::wave_engine (), p.rgba);
    }
  return p;
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

ns::Plan
plan (const cv::Mat &image)
{
  const ns::Plan p = ns::plan_tiles (ns::Geometry (image.size (), 1.0), kSmallBudget);
  g_assert_false (p.whole ());
  g_assert_cmpuint (p.tiles.size (), >=, 4);
  return p;
}

// What tiles normalized by their own statistics would give: each tile's
// input (halo included) stylized as a picture of its own, cores stitched.
cv::Mat
own_statistics_mosaic (const cv::Mat &rgba)
{
  cv::Mat mosaic (rgba.size (), CV_32FC4, cv::Scalar::all (0));
  const cv::Rect image (cv::Point (0, 0), rgba.size ());

  for (const ns::Tile &t : plan (rgba).tiles)
    {
      const cv::Rect input = t.input & image;
      const cv::Mat styled = test::stylize (test::wave_engine (), rgba (input).clone ());
      styled (t.source - input.tl ()).copyTo (mosaic (t.source));
    }
  return mosaic;
}

void
test_exact_equals_whole ()
{
  const Photo &p = photo (kExactPhoto);
  const cv::Mat exact = test::stylize (test::wave_engine (), tiled_options (TRUE), p.rgba);
  const double db = test::psnr (exact, p.whole);

  g_test_message ("exact tiling, %zu tiles: PSNR %.1f dB vs whole, max diff %.4f / 255",
                  plan (p.rgba).tiles.size (), db, 255 * test::max_abs_diff (exact, p.whole));
  // A whole-image pass in other pieces: rounding only (130 dB measured).
  g_assert_cmpfloat (db, >=, 90.0);
}

// The default (NS_STATISTICS_AUTO) is the whole-image painting whenever the
// snapshots fit (here: in the temporary folder); the plan says so first.
void
test_default_is_whole ()
{
  const Photo &p = photo (kExactPhoto);
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = kSmallBudget;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *why = NULL;
  g_assert_cmpint (ns_engine_plan_statistics (test::wave_engine (), &options, p.rgba.cols,
                                              p.rgba.rows, &why, &error),
                   ==, NS_STATISTICS_WHOLE);
  g_assert_no_error (error);
  g_assert_null (why);

  const cv::Mat out = test::stylize (test::wave_engine (), options, p.rgba);
  const double db = test::psnr (out, p.whole);
  g_test_message ("default, %zu tiles: PSNR %.1f dB vs whole", plan (p.rgba).tiles.size (), db);
  g_assert_cmpfloat (db, >=, 90.0);

  // Asked for, the shrunk copy's statistics; an image painted whole has
  // its own.
  options.statistics = NS_STATISTICS_SHRUNK;
  g_assert_cmpint (ns_engine_plan_statistics (test::wave_engine (), &options, p.rgba.cols,
                                              p.rgba.rows, NULL, &error),
                   ==, NS_STATISTICS_SHRUNK);
  options.memory_budget = 0;
  g_assert_cmpint (ns_engine_plan_statistics (test::wave_engine (), &options, p.rgba.cols,
                                              p.rgba.rows, NULL, &error),
                   ==, NS_STATISTICS_WHOLE);
  g_assert_no_error (error);
}

void
test_fast_has_no_seams ()
{
  const Photo &p = photo (kSeamPhoto);
  const cv::Mat fast = test::stylize (test::wave_engine (), tiled_options (FALSE), p.rgba);
  const cv::Mat own = own_statistics_mosaic (p.rgba);
  const double fast_ratio = test::worst_seam_ratio (fast, kSmallBudget);
  const double own_ratio = test::worst_seam_ratio (own, kSmallBudget);

  g_test_message ("%zu tiles; step across seams / step beside them (worst axis): "
                  "fast tiling %.2f (columns %.2f, rows %.2f), PSNR %.1f dB vs whole; "
                  "whole image %.2f; tiles with their own statistics %.2f, PSNR %.1f dB",
                  plan (p.rgba).tiles.size (), fast_ratio,
                  test::seam_ratio (fast, 0, kSmallBudget), test::seam_ratio (fast, 1, kSmallBudget),
                  test::psnr (fast, p.whole), test::worst_seam_ratio (p.whole, kSmallBudget),
                  own_ratio, test::psnr (own, p.whole));
  g_assert_cmpfloat (fast_ratio, <, 1.25);
  // The measure sees seams where there are some.
  g_assert_cmpfloat (own_ratio, >, 1.6);
}

struct Progress
{
  double cancel_at;   // return FALSE from this fraction on
  double last = -1.0; // the last fraction reported
  bool monotonic = true;
};

gboolean
on_progress (gdouble fraction, gpointer data)
{
  Progress *p = static_cast<Progress *> (data);
  p->monotonic = p->monotonic && fraction >= p->last && fraction <= 1.0;
  p->last = fraction;
  return fraction < p->cancel_at;
}

// Stylizes `src` into a destination filled with a marker, reporting to
// `progress`; returns the destination.
cv::Mat
stylize_with_progress (const cv::Mat &src, const NsOptions &options, Progress &progress,
                       GError **error)
{
  cv::Mat dest (src.size (), CV_32FC4, cv::Scalar::all (0.25));
  ns_engine_stylize_pixels (test::wave_engine (), &options, src.ptr<float> (), dest.ptr<float> (),
                            src.cols, src.rows, on_progress, &progress, error);
  return dest;
}

void
test_progress_reaches_one ()
{
  Progress progress = { 2.0 };
  g_autoptr (GError) error = NULL;
  stylize_with_progress (photo (kSeamPhoto).rgba, tiled_options (FALSE), progress, &error);

  g_assert_no_error (error);
  g_assert_true (progress.monotonic);
  g_assert_cmpfloat (progress.last, ==, 1.0);
}

// Cancelled halfway: the destination is untouched, and the engine then
// gives the same whole-image result as before.
void
test_cancel (gconstpointer exact)
{
  const Photo &p = photo (exact ? kExactPhoto : kSeamPhoto);
  Progress progress = { 0.5 };
  g_autoptr (GError) error = NULL;
  const cv::Mat dest = stylize_with_progress (p.rgba, tiled_options (GPOINTER_TO_INT (exact)),
                                              progress, &error);

  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CANCELLED);
  g_test_message ("cancelled at %.2f: %s", progress.last, error->message);
  g_assert_cmpfloat (progress.last, >=, 0.5);
  g_assert_cmpfloat (progress.last, <, 1.0);
  g_assert_cmpint (cv::countNonZero (dest.reshape (1) != 0.25f), ==, 0);

  const cv::Mat again = test::stylize (test::wave_engine (), p.rgba);
  g_assert_cmpfloat (test::max_abs_diff (again, p.whole), ==, 0.0);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiling/exact-equals-whole", test_exact_equals_whole);
  g_test_add_func ("/tiling/default-is-whole", test_default_is_whole);
  g_test_add_func ("/tiling/fast-has-no-seams", test_fast_has_no_seams);
  g_test_add_func ("/tiling/progress-reaches-one", test_progress_reaches_one);
  g_test_add_data_func ("/tiling/cancel-halfway/fast", GINT_TO_POINTER (FALSE), test_cancel);
  g_test_add_data_func ("/tiling/cancel-halfway/exact", GINT_TO_POINTER (TRUE), test_cancel);
  return g_test_run ();
}
