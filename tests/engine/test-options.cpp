// test-options.cpp: what the options and odd image sizes do to the pixels:
// alpha passes through, every size works and keeps its size, colours kept,
// strength mixes linearly, the stroke scale changes the picture.
#include "test-util.hpp"

#include <opencv2/imgproc.hpp>

#include <glib.h>

#include <cmath>

namespace {

// A small real photo: every pass costs a few tens of milliseconds.
const cv::Mat &
photo ()
{
  static const cv::Mat rgba = test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png", cv::Size (160, 106)));
  return rgba;
}

NsOptions
defaults ()
{
  NsOptions options;
  ns_options_init (&options);
  return options;
}

// The photo with an alpha that changes from pixel to pixel.
cv::Mat
with_varying_alpha (const cv::Mat &rgba)
{
  cv::Mat out = rgba.clone ();
  for (int y = 0; y < out.rows; y++)
    for (int x = 0; x < out.cols; x++)
      out.at<cv::Vec4f> (y, x)[3] = ((x * 7 + y * 3) % 256) / 255.0f;
  return out;
}

cv::Mat
alpha_of (const cv::Mat &rgba)
{
  cv::Mat alpha;
  cv::extractChannel (rgba, alpha, 3);
  return alpha;
}

void
test_alpha_unchanged (gconstpointer data)
{
  NsOptions options = defaults ();
  const int variant = GPOINTER_TO_INT (data);
  options.strength = variant == 1 ? 0.5 : 1.0;
  options.preserve_colors = variant == 1;
  options.scale = variant == 2 ? 2.0 : 1.0;
  options.memory_budget = variant == 3 ? 1 : 0; // tiles (smallest)

  const cv::Mat src = with_varying_alpha (variant == 3 ? test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png"))
                                                       : photo ());
  const cv::Mat out = test::stylize (test::wave_engine (), options, src);
  g_assert_cmpint (cv::countNonZero (alpha_of (out) != alpha_of (src)), ==, 0);
  g_assert_cmpfloat (test::mean_abs_diff (out, src), >, 0.05);
}

// Records what the engine reads and writes, for the "every pixel written
// exactly once, nothing outside the image" contract.
struct CountingIO
{
  cv::Mat src;
  cv::Mat dest;
  cv::Mat writes; // CV_32S: times each pixel was written
  bool outside = false;

  explicit CountingIO (const cv::Mat &image)
    : src (image), dest (image.size (), CV_32FC4, cv::Scalar::all (-1)),
      writes (image.size (), CV_32S, cv::Scalar (0))
  {
  }

  bool
  inside (const NsRect *r)
  {
    const bool ok = r->x >= 0 && r->y >= 0 && r->width > 0 && r->height > 0
                    && r->x + r->width <= src.cols && r->y + r->height <= src.rows;
    outside = outside || !ok;
    return ok;
  }

  static gboolean
  read (gpointer data, const NsRect *r, gfloat *rgba, GError **)
  {
    CountingIO *io = static_cast<CountingIO *> (data);
    if (io->inside (r))
      io->src (cv::Rect (r->x, r->y, r->width, r->height)).copyTo (cv::Mat (r->height, r->width, CV_32FC4, rgba));
    return TRUE;
  }

  static gboolean
  write (gpointer data, const NsRect *r, const gfloat *rgba, GError **)
  {
    CountingIO *io = static_cast<CountingIO *> (data);
    if (!io->inside (r))
      return TRUE;
    const cv::Rect rect (r->x, r->y, r->width, r->height);
    cv::Mat (r->height, r->width, CV_32FC4, const_cast<gfloat *> (rgba)).copyTo (io->dest (rect));
    io->writes (rect) += 1;
    return TRUE;
  }
};

// Stylizes through the streaming API and checks the I/O contract; returns
// the result.
cv::Mat
stylize_counted (const cv::Mat &src, const NsOptions &options)
{
  CountingIO counting (src);
  const NsImageIO io = { src.cols, src.rows, CountingIO::read, CountingIO::write, &counting };
  g_autoptr (GError) error = NULL;

  g_assert_true (ns_engine_stylize (test::wave_engine (), &options, &io, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (counting.outside);
  g_assert_cmpint (cv::countNonZero (counting.writes != 1), ==, 0);
  return counting.dest;
}

struct Size
{
  const char *name;
  int width;
  int height;
  double scale;
};

const Size sizes[] = {
  { "1x1", 1, 1, 1.0 },
  { "3x700", 3, 700, 1.0 },
  { "700x3", 700, 3, 1.0 },
  { "37x23", 37, 23, 1.0 },
  { "37x23-scale-4", 37, 23, 4.0 },
  { "37x23-scale-0.25", 37, 23, 0.25 },
  { "301x259-tiled", 301, 259, 1.0 },
  { "301x259-tiled-scale-0.5", 301, 259, 0.5 },
  { "451x300-tiled-scale-1.25", 451, 300, 1.25 },
};

void
test_size (gconstpointer data)
{
  const Size &size = *static_cast<const Size *> (data);
  const cv::Mat src = test::rgba_from_rgb8 (test::photo_rgb8 ("rocket.jpg", cv::Size (size.width, size.height)));
  NsOptions options = defaults ();
  options.scale = size.scale;
  options.memory_budget = src.total () > 50000 ? 1 : 0;

  const cv::Mat out = stylize_counted (src, options);
  double lo, hi;
  cv::minMaxLoc (out.reshape (1), &lo, &hi);
  g_test_message ("%dx%d at scale %g: values %g..%g, mean change %.3f", size.width, size.height,
                  size.scale, lo, hi, test::mean_abs_diff (out, src));
  g_assert_cmpfloat (lo, >=, 0.0);
  g_assert_cmpfloat (hi, <=, 1.0);
  if (src.total () > 1)
    g_assert_cmpfloat (test::mean_abs_diff (out, src), >, 0.02);
}

// Mean |delta a*| + |delta b*| (CIE L*a*b*, 0..100 lightness) from `a` to `b`.
double
chroma_difference (const cv::Mat &a, const cv::Mat &b)
{
  cv::Mat lab_a, lab_b, diff;
  cv::cvtColor (test::rgb_of (a), lab_a, cv::COLOR_RGB2Lab);
  cv::cvtColor (test::rgb_of (b), lab_b, cv::COLOR_RGB2Lab);
  cv::absdiff (lab_a, lab_b, diff);
  const cv::Scalar sum = cv::sum (diff);
  return (sum[1] + sum[2]) / a.total ();
}

void
test_preserve_colors ()
{
  NsOptions options = defaults ();
  const double styled = chroma_difference (photo (), test::stylize (test::wave_engine (), photo ()));
  options.preserve_colors = TRUE;
  const cv::Mat kept = test::stylize (test::wave_engine (), options, photo ());
  const double preserved = chroma_difference (photo (), kept);

  g_test_message ("mean |da*| + |db*| vs the photo: %.2f with preserve_colors, %.2f without",
                  preserved, styled);
  g_assert_cmpfloat (preserved, <, 3.0);
  g_assert_cmpfloat (styled, >, 15.0);
  // still stylized: the lightness comes from the style
  g_assert_cmpfloat (test::mean_abs_diff (kept, photo ()), >, 0.05);
}

void
test_strength_zero ()
{
  NsOptions options = defaults ();
  options.strength = 0.0;
  const cv::Mat src = with_varying_alpha (photo ());
  const cv::Mat out = test::stylize (test::wave_engine (), options, src);

  g_assert_cmpint (memcmp (out.data, src.data, src.total () * src.elemSize ()), ==, 0);
}

void
test_strength_half ()
{
  NsOptions options = defaults ();
  const cv::Mat full = test::stylize (test::wave_engine (), options, photo ());
  options.strength = 0.5;
  const cv::Mat half = test::stylize (test::wave_engine (), options, photo ());
  const cv::Mat mean = (full + photo ()) * 0.5;

  g_test_message ("strength 0.5 vs mean of 0 and 1: max diff %g", test::max_abs_diff (half, mean));
  g_assert_cmpfloat (test::max_abs_diff (half, mean), <, 1e-5);
  g_assert_cmpfloat (test::mean_abs_diff (half, full), >, 0.02);
}

void
test_scale (gconstpointer data)
{
  NsOptions options = defaults ();
  options.scale = *static_cast<const double *> (data);
  const cv::Mat scaled = stylize_counted (photo (), options);
  const cv::Mat native = test::stylize (test::wave_engine (), photo ());
  const double from_native = test::mean_abs_diff (scaled, native);

  g_test_message ("scale %g: differs from scale 1 by %.1f / 255 on average, from the photo by %.1f",
                  options.scale, 255 * from_native, 255 * test::mean_abs_diff (scaled, photo ()));
  g_assert_cmpfloat (from_native, >, 0.03);
  g_assert_cmpfloat (test::mean_abs_diff (scaled, photo ()), >, 0.05);
}

const double kScales[] = { 2.0, 0.5 };

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/options/alpha/default", GINT_TO_POINTER (0), test_alpha_unchanged);
  g_test_add_data_func ("/options/alpha/half-strength-colors", GINT_TO_POINTER (1), test_alpha_unchanged);
  g_test_add_data_func ("/options/alpha/scale-2", GINT_TO_POINTER (2), test_alpha_unchanged);
  g_test_add_data_func ("/options/alpha/tiled", GINT_TO_POINTER (3), test_alpha_unchanged);
  for (const Size &size : sizes)
    {
      g_autofree gchar *path = g_strdup_printf ("/options/size/%s", size.name);
      g_test_add_data_func (path, &size, test_size);
    }
  g_test_add_func ("/options/preserve-colors", test_preserve_colors);
  g_test_add_func ("/options/strength-0-is-original", test_strength_zero);
  g_test_add_func ("/options/strength-half-is-mean", test_strength_half);
  g_test_add_data_func ("/options/scale/2", &kScales[0], test_scale);
  g_test_add_data_func ("/options/scale/0.5", &kScales[1], test_scale);
  return g_test_run ();
}
