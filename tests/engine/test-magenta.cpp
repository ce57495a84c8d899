// test-magenta.cpp: arbitrary styles (Magenta's networks, read from the
// real .tflite files): style pictures in every format the engine reads,
// their preprocessing, the presets, style amount, tiling, progress and
// cancel, saved styles and the catalog.  The numerics against an
// independent reference are tests/reference's (numpy over the flatbuffer).
#include "test-util.hpp"
#include "magenta.hpp" // the engine's picture preprocessing

#include <glib.h>
#include <glib/gstdio.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstring>
#include <map>

namespace {

const char *const kTransfer = "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite";
const char *const kTransferInt8 = "magenta_arbitrary-image-stylization-v1-256_int8_transfer_1.tflite";
const char *const kPrediction = "magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite";
const char *const kPaintings[] = { "starry_night.jpg", "the_scream.jpg", "wave.jpg", "composition_vii.jpg" };

using Vector = std::vector<float>;

std::string tmp_dir;

std::string
magenta (const std::string &file)
{
  return test::shared_model ("magenta/" + file);
}

std::string
painting (const std::string &file)
{
  return test::shared_image ("styles/" + file);
}

std::string
tmp (const std::string &name)
{
  return tmp_dir + "/" + name;
}

NsEngine *
open_arbitrary (const char *transfer, bool prediction = true)
{
  g_autoptr (GError) error = NULL;
  NsEngine *engine = ns_engine_new_arbitrary (magenta (transfer).c_str (),
                                              prediction ? magenta (kPrediction).c_str () : NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ns_engine_is_arbitrary (engine));
  return engine;
}

// fp16 transfer and int8 prediction, loaded once.  (transfer none)
NsEngine *
engine ()
{
  static NsEngine *e = open_arbitrary (kTransfer);
  return e;
}

Vector
predict_file (const std::string &path)
{
  Vector v (NS_STYLE_VECTOR_SIZE);
  g_autoptr (GError) error = NULL;
  g_assert_true (ns_engine_predict_style_file (engine (), path.c_str (), v.data (), &error));
  g_assert_no_error (error);
  return v;
}

struct Pixels
{
  cv::Mat rgba; // CV_32FC4
};

gboolean
read_pixels (gpointer data, const NsRect *r, gfloat *rgba, GError **)
{
  const cv::Mat &src = static_cast<Pixels *> (data)->rgba;
  src (cv::Rect (r->x, r->y, r->width, r->height)).copyTo (cv::Mat (r->height, r->width, CV_32FC4, rgba));
  return TRUE;
}

NsImageIO
io_of (Pixels &p)
{
  return { p.rgba.cols, p.rgba.rows, read_pixels, NULL, &p };
}

Vector
predict (const cv::Mat &rgba)
{
  Pixels p = { rgba };
  const NsImageIO io = io_of (p);
  Vector v (NS_STYLE_VECTOR_SIZE);
  g_autoptr (GError) error = NULL;
  g_assert_true (ns_engine_predict_style (engine (), &io, v.data (), &error));
  g_assert_no_error (error);
  return v;
}

double
max_diff (const Vector &a, const Vector &b)
{
  double d = 0;
  for (size_t k = 0; k < a.size (); k++)
    d = std::max (d, (double) std::fabs (a[k] - b[k]));
  return d;
}

cv::Mat
stylize (NsEngine *e, const Vector &v, const NsOptions &options, const cv::Mat &rgba)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ns_engine_set_style_vector (e, v.data (), &error));
  return test::stylize (e, options, rgba);
}

cv::Mat
stylize (const Vector &v, const cv::Mat &rgba)
{
  NsOptions options;
  ns_options_init (&options);
  return stylize (engine (), v, options, rgba);
}

const cv::Mat &
photo ()
{
  static cv::Mat p = test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png"));
  return p;
}

const Vector &
starry ()
{
  static Vector v = predict_file (painting ("starry_night.jpg"));
  return v;
}

// Preprocessing

// Area averaging of the whole picture to the shorter side 256, then the
// centre: what OpenCV's INTER_AREA gives, computed here on a float copy of
// the whole picture (the engine reads strips).
void
test_area_average ()
{
  const cv::Mat rgb = test::rgb_of (test::rgba_from_rgb8 (test::photo_rgb8 ("coffee.png")));
  for (const cv::Size size : { cv::Size (600, 400), cv::Size (333, 517), cv::Size (100, 150),
                               cv::Size (256, 300), cv::Size (257, 256) })
    {
      cv::Mat picture, rgba;
      cv::resize (rgb, picture, size, 0, 0, cv::INTER_CUBIC);
      picture = cv::min (cv::max (picture, 0.0), 1.0); // as the engine sees it
      cv::cvtColor (picture, rgba, cv::COLOR_RGB2RGBA);
      Pixels p = { rgba };
      const cv::Mat mine = ns::magenta::style_input (io_of (p));

      const bool wide = size.width > size.height;
      const cv::Size scaled = wide ? cv::Size ((int) std::lround (256.0 * size.width / size.height), 256)
                                   : cv::Size (256, (int) std::lround (256.0 * size.height / size.width));
      cv::Mat whole;
      cv::resize (picture, whole, scaled, 0, 0, cv::INTER_AREA);
      const cv::Mat expected = whole (cv::Rect ((scaled.width - 256) / 2, (scaled.height - 256) / 2, 256, 256));

      g_assert_cmpint (mine.rows, ==, 256);
      g_assert_cmpint (mine.cols, ==, 256);
      const double diff = cv::norm (mine, expected, cv::NORM_INF);
      g_test_message ("%dx%d: max difference from INTER_AREA %.2g", size.width, size.height, diff);
      g_assert_cmpfloat (diff, <, 2e-5);
    }
}

// Alpha is flattened onto white.
void
test_alpha_on_white ()
{
  cv::Mat rgba = photo ().clone ();
  cv::Mat on_white = rgba.clone ();
  for (int y = 0; y < rgba.rows; y++)
    for (int x = 0; x < rgba.cols; x++)
      {
        const float a = x < rgba.cols / 3 ? 0.0f : x < rgba.cols / 2 ? 0.5f : 1.0f;
        cv::Vec4f &p = rgba.at<cv::Vec4f> (y, x);
        p[3] = a;
        for (int c = 0; c < 3; c++)
          on_white.at<cv::Vec4f> (y, x)[c] = p[c] * a + (1 - a);
      }
  const double diff = max_diff (predict (rgba), predict (on_white));
  g_test_message ("alpha vs flattened on white: %.2g", diff);
  g_assert_cmpfloat (diff, <, 1e-5);
  g_assert_cmpfloat (max_diff (predict (rgba), predict (photo ())), >, 0.05);
}

// Picture files

std::string
write_image (const std::string &name, const cv::Mat &image)
{
  const std::string path = tmp (name);
  g_assert_true (cv::imwrite (path, image));
  return path;
}

void
test_file_formats ()
{
  const cv::Mat rgb8 = test::photo_rgb8 ("chelsea.png", cv::Size (300, 200));
  cv::Mat bgr8, bgr16, gray8, gray3;
  cv::cvtColor (rgb8, bgr8, cv::COLOR_RGB2BGR);
  bgr8.convertTo (bgr16, CV_16U, 257);
  cv::cvtColor (bgr8, gray8, cv::COLOR_BGR2GRAY);
  cv::cvtColor (gray8, gray3, cv::COLOR_GRAY2BGR);

  const Vector png8 = predict_file (write_image ("p8.png", bgr8));
  const Vector tiff8 = predict_file (write_image ("p8.tif", bgr8));
  const Vector png16 = predict_file (write_image ("p16.png", bgr16));
  const Vector gray = predict_file (write_image ("gray.png", gray8));
  const Vector gray_rgb = predict_file (write_image ("gray3.png", gray3));
  const Vector indexed = predict_file (test::made_data ("indexed.png"));
  const Vector indexed_rgb = predict_file (test::made_data ("indexed-rgb.png"));

  g_test_message ("16 vs 8 bits %.2g, TIFF vs PNG %.2g, gray vs gray RGB %.2g, "
                  "indexed vs RGB %.2g, gray vs colour %.2g",
                  max_diff (png16, png8), max_diff (tiff8, png8), max_diff (gray, gray_rgb),
                  max_diff (indexed, indexed_rgb), max_diff (gray, png8));
  g_assert_cmpfloat (max_diff (png16, png8), <, 1e-5);
  g_assert_cmpfloat (max_diff (tiff8, png8), <, 1e-6);
  g_assert_cmpfloat (max_diff (gray, gray_rgb), <, 1e-6);
  g_assert_cmpfloat (max_diff (indexed, indexed_rgb), <, 1e-6);
  g_assert_cmpfloat (max_diff (gray, png8), >, 0.05);
  // The file and the same pixels given through NsImageIO
  g_assert_cmpfloat (max_diff (png8, predict (test::rgba_from_rgb8 (rgb8))), <, 1e-6);
}

// 16 bits stay 16 bits: a picture whose levels differ only below 8 bits
// has its own vector.
void
test_16bit_precision ()
{
  cv::Mat ramp (256, 256, CV_16UC3);
  for (int y = 0; y < 256; y++)
    for (int x = 0; x < 256; x++)
      ramp.at<cv::Vec3w> (y, x) = cv::Vec3w (30000 + x, 30000 + y, 30000 + (x ^ y));
  cv::Mat ramp8;
  ramp.convertTo (ramp8, CV_8U, 1.0 / 257);
  const double diff = max_diff (predict_file (write_image ("ramp16.png", ramp)),
                                predict_file (write_image ("ramp8.png", ramp8)));
  g_test_message ("16-bit ramp vs its 8-bit rounding: %.3g", diff);
  g_assert_cmpfloat (diff, >, 1e-4);
}

void
expect_file_error (const std::string &path, NsEngineError code, const char *text)
{
  Vector v (NS_STYLE_VECTOR_SIZE);
  g_autoptr (GError) error = NULL;
  g_assert_false (ns_engine_predict_style_file (engine (), path.c_str (), v.data (), &error));
  g_assert_error (error, NS_ENGINE_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path.c_str ()));
  g_assert_nonnull (strstr (error->message, text));
}

void
test_file_errors ()
{
  g_assert_true (g_file_set_contents (tmp ("empty.png").c_str (), "", 0, NULL));
  g_assert_true (g_file_set_contents (tmp ("text.jpg").c_str (), "not a picture", -1, NULL));
  expect_file_error (tmp ("missing.png"), NS_ENGINE_ERROR_NOT_FOUND, "No such file");
  expect_file_error (tmp ("empty.png"), NS_ENGINE_ERROR_BAD_IMAGE, "is empty");
  expect_file_error (tmp ("text.jpg"), NS_ENGINE_ERROR_BAD_IMAGE, "not an image");
  expect_file_error (tmp_dir, NS_ENGINE_ERROR_NOT_FOUND, "not a file");
}

// A 1x1 picture is a flat colour.
void
test_one_pixel ()
{
  const cv::Mat one (1, 1, CV_8UC3, cv::Scalar (40, 120, 200));
  const cv::Mat flat (256, 256, CV_8UC3, cv::Scalar (40, 120, 200));
  const double diff = max_diff (predict_file (write_image ("one.png", one)),
                                predict_file (write_image ("flat.png", flat)));
  g_assert_cmpfloat (diff, <, 1e-5);
}

long
peak_rss_kib ()
{
  g_autofree gchar *status = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  const char *line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return strtol (line + 6, NULL, 10);
}

// A 50-megapixel picture (8660 x 5774 JPEG) is read once in 8 bits and
// converted in strips: the peak grows by far less than its float copy.
const cv::Size kLarge (8660, 5774);

void
test_large_picture_subprocess ()
{
  const std::string path = tmp ("large.jpg");
  engine ();
  const long before = peak_rss_kib ();
  const Vector v = predict_file (path);
  const long grown = peak_rss_kib () - before;
  const double bytes8 = (double) kLarge.area () * 3, float_rgba = (double) kLarge.area () * 16;
  g_autofree gchar *report = g_strdup_printf (
    "50 MP picture: peak grew by %.0f MiB (8-bit copy %.0f MiB, float RGBA %.0f MiB)",
    grown / 1024.0, bytes8 / (1 << 20), float_rgba / (1 << 20));
  g_assert_true (g_file_set_contents (tmp ("large.txt").c_str (), report, -1, NULL));
  // AddressSanitizer's allocator keeps freed memory in quarantine and pads
  // every block, so the peak says nothing about the engine there.
#ifndef NS_ADDRESS_SANITIZER
  g_assert_cmpfloat (grown * 1024.0, <, bytes8 + 0.25 * float_rgba);
#endif

  // The same as OpenCV's INTER_AREA of the whole picture in 8 bits (which
  // rounds: 8-bit noise in the vector).
  cv::Mat bgr = cv::imread (path), area, rgb;
  cv::resize (bgr, area, cv::Size (384, 256), 0, 0, cv::INTER_AREA);
  cv::cvtColor (area (cv::Rect (64, 0, 256, 256)), rgb, cv::COLOR_BGR2RGB);
  const double diff = max_diff (v, predict (test::rgba_from_rgb8 (rgb)));
  g_assert_cmpfloat (diff, <, 0.01);
}

void
test_large_picture ()
{
  const std::string path = tmp ("large.jpg");
  if (!g_file_test (path.c_str (), G_FILE_TEST_EXISTS))
    {
      cv::Mat large;
      cv::resize (cv::imread (painting ("starry_night.jpg")), large, kLarge, 0, 0, cv::INTER_LINEAR);
      g_assert_true (cv::imwrite (path, large));
    }
  g_test_trap_subprocess ("/magenta/picture/50-megapixels/subprocess", 0,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_autofree gchar *report = NULL;
  g_assert_true (g_file_get_contents (tmp ("large.txt").c_str (), &report, NULL, NULL));
  g_test_message ("%s", report);
}

// Presets: the committed vectors are what the engine predicts.
void
test_presets ()
{
  const std::string dir = test::shared_model ("magenta");
  const char *const path[] = { dir.c_str (), NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (NULL, path, &error);
  g_assert_no_error (error);

  const std::map<std::string, std::string> ids = { { "starry-night", "starry_night.jpg" },
                                                   { "the-scream", "the_scream.jpg" },
                                                   { "great-wave", "wave.jpg" },
                                                   { "composition-vii", "composition_vii.jpg" } };
  for (const auto &[id, file] : ids)
    {
      const NsStyle *style = ns_catalog_find_installed (catalog, id.c_str (), &error);
      g_assert_no_error (error);
      g_assert_cmpint (style->kind, ==, NS_STYLE_KIND_VECTOR);
      g_assert_nonnull (style->vector);
      g_assert_true (style->prediction_path == magenta (kPrediction));
      g_assert_true (style->path == magenta (kTransfer));
      const Vector committed (style->vector, style->vector + NS_STYLE_VECTOR_SIZE);
      const double diff = max_diff (committed, predict_file (painting (file)));
      g_test_message ("%s: committed vs predicted %.2g", id.c_str (), diff);
      g_assert_cmpfloat (diff, <, 1e-4);
    }
}

// Transfer

void
test_sizes ()
{
  for (const cv::Size size : { cv::Size (1, 1), cv::Size (2, 3), cv::Size (7, 5), cv::Size (67, 45),
                               cv::Size (130, 66) })
    {
      cv::Mat rgba;
      cv::resize (photo (), rgba, size, 0, 0, cv::INTER_AREA);
      const cv::Mat out = stylize (starry (), rgba);
      double lo, hi;
      cv::minMaxLoc (test::rgb_of (out).reshape (1), &lo, &hi);
      g_assert_true (lo >= 0.0 && hi <= 1.0);
      g_assert_true (cv::checkRange (out)); // no NaN
    }
}

NsOptions
tiled (bool exact)
{
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = 1;
  options.statistics = exact ? NS_STATISTICS_WHOLE : NS_STATISTICS_SHRUNK;
  return options;
}

void
test_tiling ()
{
  NsOptions whole;
  ns_options_init (&whole);
  const cv::Mat rgba = photo ();
  const cv::Mat one = stylize (engine (), starry (), whole, rgba);
  const cv::Mat exact = stylize (engine (), starry (), tiled (true), rgba);
  const cv::Mat fast = stylize (engine (), starry (), tiled (false), rgba);
  const double ratio = test::worst_seam_ratio (fast, 1);
  g_test_message ("exact tiling %.1f dB vs whole; fast tiling %.1f dB, seam ratio %.2f (whole %.2f)",
                  test::psnr (exact, one), test::psnr (fast, one), ratio, test::worst_seam_ratio (one, 1));
  g_assert_cmpfloat (test::psnr (exact, one), >=, 90.0); // rounding only: 133 dB measured
  g_assert_cmpfloat (ratio, <, 1.25);
}

// Colour statistics: the mean and standard deviation of CIE L*, a* and b*
// over an RGB 0..1 (or 0..255) image.
cv::Matx61d
colour_stats (const cv::Mat &rgb_any)
{
  cv::Mat rgb = test::rgb_of (rgb_any), lab;
  if (rgb.depth () != CV_32F)
    rgb.convertTo (rgb, CV_32F, 1.0 / 255);
  cv::cvtColor (rgb, lab, cv::COLOR_RGB2Lab);
  cv::Scalar mean, sd;
  cv::meanStdDev (lab, mean, sd);
  return cv::Matx61d (mean[0], mean[1], mean[2], sd[0], sd[1], sd[2]);
}

// Each painting pulls the photo's colours toward its own, more than the
// other paintings do.
void
test_colours_move ()
{
  const size_t n = G_N_ELEMENTS (kPaintings);
  std::vector<cv::Matx61d> pictures, outputs;
  for (const char *file : kPaintings)
    {
      cv::Mat bgr = cv::imread (painting (file)), rgb;
      cv::cvtColor (bgr, rgb, cv::COLOR_BGR2RGB);
      pictures.push_back (colour_stats (rgb));
      outputs.push_back (colour_stats (stylize (predict_file (painting (file)), photo ())));
    }
  const cv::Matx61d photo_stats = colour_stats (photo ());
  for (size_t i = 0; i < n; i++)
    {
      const double before = cv::norm (photo_stats - pictures[i]);
      const double after = cv::norm (outputs[i] - pictures[i]);
      double others = HUGE_VAL;
      for (size_t j = 0; j < n; j++)
        if (j != i)
          others = std::min (others, cv::norm (outputs[j] - pictures[i]));
      g_test_message ("%s: Lab statistics' distance to the painting: photo %.1f, painted with it "
                      "%.1f, with another painting at least %.1f",
                      kPaintings[i], before, after, others);
      g_assert_cmpfloat (after, <, 0.6 * before);
      g_assert_cmpfloat (after, <, others);
    }
}

void
test_style_amount ()
{
  const cv::Mat rgba = photo ();
  const Vector own = predict (rgba);
  NsOptions options;
  ns_options_init (&options);
  const cv::Mat full = stylize (engine (), starry (), options, rgba);
  const cv::Mat own_painting = stylize (engine (), own, options, rgba);
  Vector half (NS_STYLE_VECTOR_SIZE);
  for (int k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
    half[k] = 0.5f * starry ()[k] + 0.5f * own[k];
  const cv::Mat half_painting = stylize (engine (), half, options, rgba);

  options.style_amount = 0.0;
  const cv::Mat zero = stylize (engine (), starry (), options, rgba);
  options.style_amount = 0.5;
  const cv::Mat mid = stylize (engine (), starry (), options, rgba);

  g_test_message ("amount 0 vs own vector: max %.2g; 0.5 vs half vector: max %.2g; "
                  "mean change 0->0.5 %.3f, 0.5->1 %.3f, 0->1 %.3f",
                  test::max_abs_diff (zero, own_painting), test::max_abs_diff (mid, half_painting),
                  test::mean_abs_diff (zero, mid), test::mean_abs_diff (mid, full),
                  test::mean_abs_diff (zero, full));
  g_assert_cmpfloat (test::max_abs_diff (zero, own_painting), <, 1e-5);
  g_assert_cmpfloat (test::max_abs_diff (mid, half_painting), <, 1e-5);
  g_assert_cmpfloat (test::mean_abs_diff (zero, mid), <, test::mean_abs_diff (zero, full));
  g_assert_cmpfloat (test::mean_abs_diff (mid, full), <, test::mean_abs_diff (zero, full));
  g_assert_cmpfloat (test::mean_abs_diff (zero, mid), >, 0.01);
  g_assert_cmpfloat (test::mean_abs_diff (mid, full), >, 0.01);

  // The style vector itself is kept for the next run.
  options.style_amount = 1.0;
  g_assert_cmpfloat (test::max_abs_diff (test::stylize (engine (), options, rgba), full), ==, 0.0);
}

void
test_int8_transfer ()
{
  g_autoptr (NsEngine) int8 = open_arbitrary (kTransferInt8, false);
  NsOptions options;
  ns_options_init (&options);
  const cv::Mat a = stylize (int8, starry (), options, photo ());
  const cv::Mat b = stylize (starry (), photo ());
  g_test_message ("int8 vs fp16 transfer: %.1f dB; change from the photo %.3f",
                  test::psnr (a, b), test::mean_abs_diff (a, photo ()));
  g_assert_cmpfloat (test::psnr (a, b), >=, 35.0);
  g_assert_cmpfloat (test::mean_abs_diff (a, photo ()), >, 0.1);

  // No prediction network: style amount needs one.
  options.style_amount = 0.5;
  cv::Mat out (photo ().size (), CV_32FC4);
  g_autoptr (GError) error = NULL;
  g_assert_false (ns_engine_stylize_pixels (int8, &options, photo ().ptr<float> (), out.ptr<float> (),
                                            out.cols, out.rows, NULL, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "neural-style-fetch magenta-prediction"));
}

struct Progress
{
  double cancel_at;
  int calls = 0;
  double last = -1;
};

gboolean
on_progress (gdouble fraction, gpointer data)
{
  Progress *p = static_cast<Progress *> (data);
  p->calls++;
  g_assert_cmpfloat (fraction, >=, p->last);
  p->last = fraction;
  return fraction < p->cancel_at;
}

// One whole-image pass reports progress at each of its normalizations, and
// stops there when told.
void
test_progress_and_cancel ()
{
  NsOptions options;
  ns_options_init (&options);
  const cv::Mat rgba = photo ();
  const cv::Mat before = stylize (engine (), starry (), options, rgba);

  Progress all = { 2.0 };
  cv::Mat out (rgba.size (), CV_32FC4);
  g_autoptr (GError) error = NULL;
  g_assert_true (ns_engine_stylize_pixels (engine (), &options, rgba.ptr<float> (), out.ptr<float> (),
                                           out.cols, out.rows, on_progress, &all, &error));
  g_test_message ("%d progress reports in one pass", all.calls);
  g_assert_cmpint (all.calls, >=, 13);
  g_assert_cmpfloat (all.last, ==, 1.0);

  Progress half = { 0.5 };
  cv::Mat dest (rgba.size (), CV_32FC4, cv::Scalar::all (0.25));
  g_assert_false (ns_engine_stylize_pixels (engine (), &options, rgba.ptr<float> (), dest.ptr<float> (),
                                            out.cols, out.rows, on_progress, &half, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CANCELLED);
  g_assert_cmpfloat (half.last, <, 1.0);
  g_assert_cmpint (cv::countNonZero (dest.reshape (1) != 0.25f), ==, 0);
  g_assert_cmpfloat (test::max_abs_diff (test::stylize (engine (), options, rgba), before), ==, 0.0);
}

// Networks and engines of the wrong kind

void
test_wrong_networks ()
{
  g_autoptr (GError) error = NULL;
  NsEngine *e = ns_engine_new_arbitrary (magenta (kPrediction).c_str (), NULL, &error);
  g_assert_null (e);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_IMAGE_MODEL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "not Magenta's style transfer network"));
  g_clear_error (&error);

  e = ns_engine_new_arbitrary (magenta (kTransfer).c_str (), magenta (kTransferInt8).c_str (), &error);
  g_assert_null (e);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_IMAGE_MODEL);
  g_assert_nonnull (strstr (error->message, kTransferInt8));
  g_clear_error (&error);

  e = ns_engine_new_arbitrary (test::shared_model ("wave.onnx").c_str (), NULL, &error);
  g_assert_null (e);
  g_assert_nonnull (error);
  g_clear_error (&error);

  const Vector v (NS_STYLE_VECTOR_SIZE, 0.0f);
  g_assert_false (ns_engine_is_arbitrary (test::wave_engine ()));
  g_assert_false (ns_engine_set_style_vector (test::wave_engine (), v.data (), &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED);
  g_clear_error (&error);

  Vector nan (NS_STYLE_VECTOR_SIZE, 0.0f);
  nan[7] = NAN;
  g_assert_false (ns_engine_set_style_vector (engine (), nan.data (), &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  g_clear_error (&error);

  // 1e38s painted black; real vectors stay within +-5.
  Vector huge (NS_STYLE_VECTOR_SIZE, 1e38f);
  g_assert_false (ns_engine_set_style_vector (engine (), huge.data (), &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  g_assert_nonnull (strstr (error->message, "Style vector number 1 is 1e+38, far outside"));
  g_clear_error (&error);
  Vector edge (NS_STYLE_VECTOR_SIZE, (float) NS_STYLE_VECTOR_LIMIT);
  g_assert_true (ns_engine_set_style_vector (engine (), edge.data (), &error));
  g_assert_no_error (error);
}

// Catalog: saved styles and pictures

NsCatalog *
catalog_with (const std::string &dir)
{
  const std::string models = test::shared_model ("magenta");
  const char *const path[] = { dir.c_str (), models.c_str (), NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog *catalog = ns_catalog_new (NULL, path, &error);
  g_assert_no_error (error);
  return catalog;
}

void
expect_save_error (NsCatalog *catalog, const std::string &dir, const char *id, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = ns_catalog_save_style (catalog, dir.c_str (), id, NULL, NULL,
                                                  starry ().data (), &error);
  g_assert_null (path);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, text));
}

void
test_save_style ()
{
  const std::string dir = tmp ("saved");
  g_autoptr (NsCatalog) catalog = catalog_with (dir);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = ns_catalog_save_style (catalog, dir.c_str (), "my-night", "My night",
                                                  "starry_night.jpg", starry ().data (), &error);
  g_assert_no_error (error);
  g_assert_true (path == dir + "/my-night.style");
  g_assert_nonnull (ns_catalog_lookup (catalog, "my-night"));

  expect_save_error (catalog, dir, "my-night", "already exists");
  expect_save_error (catalog, dir, "starry-night", "already exists");
  expect_save_error (catalog, dir, "magenta-transfer", "already exists");
  expect_save_error (catalog, dir, "wave", "already exists");
  expect_save_error (catalog, dir, "../evil", "cannot be a style id");
  expect_save_error (catalog, dir, "", "cannot be a style id");

  // A new catalog finds it on the search path, and paints with it.
  g_autoptr (NsCatalog) again = catalog_with (dir);
  const NsStyle *style = ns_catalog_find_installed (again, "my-night", &error);
  g_assert_no_error (error);
  g_assert_cmpint (style->kind, ==, NS_STYLE_KIND_VECTOR);
  g_assert_false (style->in_catalog);
  g_assert_cmpstr (style->title, ==, "My night");
  g_autofree gchar *described = ns_style_describe (style);
  g_assert_cmpstr (described, ==, "My night (starry_night.jpg)");
  g_assert_cmpfloat (max_diff (Vector (style->vector, style->vector + NS_STYLE_VECTOR_SIZE), starry ()),
                     <, 1e-7);
  g_autoptr (NsEngine) e = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (test::max_abs_diff (test::stylize (e, photo ()), stylize (starry (), photo ())), <, 1e-6);
}

void
test_corrupt_saved_style ()
{
  const std::string dir = tmp ("corrupt");
  g_assert_cmpint (g_mkdir_with_parents (dir.c_str (), 0755), ==, 0);
  g_assert_true (g_file_set_contents ((dir + "/garbage.style").c_str (), "\x01\x02[[[", -1, NULL));
  g_assert_true (g_file_set_contents ((dir + "/short.style").c_str (),
                                      "[Neural Style]\ntitle=Short\nvector=1;2;3\n", -1, NULL));
  g_autoptr (NsCatalog) catalog = catalog_with (dir);

  for (const char *id : { "garbage", "short" })
    {
      const NsStyle *style = ns_catalog_lookup (catalog, id);
      g_assert_nonnull (style);
      g_assert_null (style->vector);
      g_autoptr (GError) error = NULL;
      g_autoptr (NsEngine) e = ns_engine_new_for_style (style, &error);
      g_assert_null (e);
      g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, (dir + "/" + id + ".style").c_str ()));
    }
  // The other styles are still there.
  g_assert_nonnull (ns_catalog_lookup (catalog, "starry-night"));
}

void
test_resolve_picture ()
{
  g_autoptr (NsCatalog) catalog = catalog_with (tmp ("none"));
  g_autoptr (GError) error = NULL;
  const std::string picture = painting ("starry_night.jpg");
  g_autoptr (NsStyle) style = ns_catalog_resolve (catalog, picture.c_str (), &error);
  g_assert_no_error (error);
  g_assert_cmpint (style->kind, ==, NS_STYLE_KIND_PICTURE);
  g_assert_cmpstr (style->title, ==, "starry_night.jpg");
  g_assert_true (style->path == picture);
  g_autoptr (NsEngine) e = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (test::max_abs_diff (test::stylize (e, photo ()), stylize (starry (), photo ())), <, 1e-6);

  g_autoptr (NsStyle) preset = ns_catalog_resolve (catalog, "great-wave", &error);
  g_assert_no_error (error);
  g_assert_cmpint (preset->kind, ==, NS_STYLE_KIND_VECTOR);

  g_autoptr (NsStyle) missing = ns_catalog_resolve (catalog, tmp ("missing.jpg").c_str (), &error);
  g_assert_null (missing);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_clear_error (&error);

  g_autoptr (NsStyle) unknown = ns_catalog_resolve (catalog, "no-such-style", &error);
  g_assert_null (unknown);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_UNKNOWN_STYLE);
}

// Without Magenta's networks: the fetch command that installs them.
void
test_not_installed ()
{
  const std::string empty = tmp ("empty-models");
  g_assert_cmpint (g_mkdir_with_parents (empty.c_str (), 0755), ==, 0);
  const char *const path[] = { empty.c_str (), NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (NULL, path, &error);
  g_assert_no_error (error);

  g_assert_null (ns_catalog_find_installed (catalog, "starry-night", &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "neural-style-fetch starry-night"));
  g_clear_error (&error);

  g_autoptr (NsStyle) style = ns_catalog_resolve (catalog, painting ("wave.jpg").c_str (), &error);
  g_assert_no_error (error);
  g_autoptr (NsEngine) e = ns_engine_new_for_style (style, &error);
  g_assert_null (e);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "neural-style-fetch magenta-transfer magenta-prediction"));
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("test-magenta-XXXXXX", NULL);
  // A subprocess reuses its parent's folder (its path is in its arguments).
  const char *parent = g_getenv ("NS_TEST_MAGENTA_TMP");
  tmp_dir = parent ? parent : dir;
  g_setenv ("NS_TEST_MAGENTA_TMP", tmp_dir.c_str (), TRUE);

  g_test_add_func ("/magenta/preprocess/area-average", test_area_average);
  g_test_add_func ("/magenta/preprocess/alpha-on-white", test_alpha_on_white);
  g_test_add_func ("/magenta/picture/formats", test_file_formats);
  g_test_add_func ("/magenta/picture/16-bit-precision", test_16bit_precision);
  g_test_add_func ("/magenta/picture/errors", test_file_errors);
  g_test_add_func ("/magenta/picture/one-pixel", test_one_pixel);
  g_test_add_func ("/magenta/picture/50-megapixels", test_large_picture);
  g_test_add_func ("/magenta/picture/50-megapixels/subprocess", test_large_picture_subprocess);
  g_test_add_func ("/magenta/presets", test_presets);
  g_test_add_func ("/magenta/transfer/sizes", test_sizes);
  g_test_add_func ("/magenta/transfer/tiling", test_tiling);
  g_test_add_func ("/magenta/transfer/colours-move-toward-painting", test_colours_move);
  g_test_add_func ("/magenta/transfer/style-amount", test_style_amount);
  g_test_add_func ("/magenta/transfer/int8", test_int8_transfer);
  g_test_add_func ("/magenta/transfer/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/magenta/errors/wrong-networks", test_wrong_networks);
  g_test_add_func ("/magenta/catalog/save-style", test_save_style);
  g_test_add_func ("/magenta/catalog/corrupt-saved-style", test_corrupt_saved_style);
  g_test_add_func ("/magenta/catalog/resolve-picture", test_resolve_picture);
  g_test_add_func ("/magenta/catalog/not-installed", test_not_installed);
  const int status = g_test_run ();

  if (!parent)
    {
      g_autofree gchar *command = g_strdup_printf ("rm -rf '%s'", dir);
      if (system (command) != 0)
        g_warning ("cannot remove %s", dir);
    }
  else
    g_rmdir (dir);
  return status;
}
