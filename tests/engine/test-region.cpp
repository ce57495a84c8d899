// test-region.cpp: a part of an image painted with statistics measured
// over the whole image (the dialog's preview) is that part of the painting
// of the whole image, whichever statistics the job uses; painted on its own
// it is not.
#include "test-util.hpp"

#include <opencv2/imgproc.hpp>

#include <glib.h>

#include <string>

namespace {

// Tiles of about 64 k network pixels: chelsea.png (451 x 300) in 2 x 2.
const guint64 kSmallBudget = 1;
const cv::Rect kRegion (150, 80, 160, 120);

struct Pixels
{
  const cv::Mat *rgba;
};

gboolean
read_rgba (gpointer user_data, const NsRect *rect, gfloat *rgba, GError **)
{
  const cv::Mat &m = *static_cast<Pixels *> (user_data)->rgba;
  cv::Mat out (rect->height, rect->width, CV_32FC4, rgba);
  m (cv::Rect (rect->x, rect->y, rect->width, rect->height)).copyTo (out);
  return TRUE;
}

gboolean
no_write (gpointer, const NsRect *, const gfloat *, GError **)
{
  g_assert_not_reached ();
  return FALSE;
}

NsImageIO
io_of (Pixels &pixels)
{
  return { pixels.rgba->cols, pixels.rgba->rows, read_rgba, no_write, &pixels };
}

NsNormStatistics *
measure (NsEngine *engine, const NsOptions &options, const cv::Mat &rgba)
{
  Pixels pixels = { &rgba };
  const NsImageIO io = io_of (pixels);
  g_autoptr (GError) error = NULL;
  NsNormStatistics *stats = ns_engine_measure_statistics (engine, &options, &io, NULL, NULL, &error);
  g_assert_no_error (error);
  return stats;
}

cv::Mat
paint_region (NsEngine *engine, const NsOptions &options, const NsNormStatistics *stats,
              const cv::Mat &rgba, const cv::Rect &r)
{
  Pixels pixels = { &rgba };
  const NsImageIO io = io_of (pixels);
  const NsRect region = { r.x, r.y, r.width, r.height };
  cv::Mat out (r.size (), CV_32FC4, cv::Scalar::all (-1));
  g_autoptr (GError) error = NULL;
  g_assert_true (ns_engine_stylize_region (engine, &options, stats, &io, &region,
                                           out.ptr<float> (), NULL, NULL, &error));
  g_assert_no_error (error);
  return out;
}

// The region painted with measured statistics against the same part of the
// whole painting (and, for the record, the region painted on its own).
void
check_region (const char *what, NsEngine *engine, const NsOptions &options, const cv::Mat &rgba,
              double min_db)
{
  g_autoptr (NsNormStatistics) stats = measure (engine, options, rgba);
  const cv::Mat whole = test::stylize (engine, options, rgba);
  const cv::Mat region = paint_region (engine, options, stats, rgba, kRegion);
  NsOptions alone_options = options;
  alone_options.memory_budget = 0;
  const cv::Mat alone = test::stylize (engine, alone_options, rgba (kRegion).clone ());
  const double db = test::psnr (region, whole (kRegion)), alone_db = test::psnr (alone, whole (kRegion));
  g_test_message ("%s: region %.1f dB from the whole painting's (painted alone: %.1f dB)", what,
                  db, alone_db);
  g_assert_cmpfloat (db, >=, min_db);
  g_assert_cmpfloat (alone_db, <, db);
}

cv::Mat
photo ()
{
  return test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png"));
}

void
test_network ()
{
  const cv::Mat rgba = photo ();
  NsEngine *wave = test::wave_engine ();
  check_region ("wave, one pass", wave, test::options_for (0, NS_STATISTICS_AUTO), rgba, 90);
  check_region ("wave, tiles, whole statistics", wave,
                test::options_for (kSmallBudget, NS_STATISTICS_WHOLE), rgba, 90);
  check_region ("wave, tiles, shrunk statistics", wave,
                test::options_for (kSmallBudget, NS_STATISTICS_SHRUNK), rgba, 90);
  NsOptions scaled = test::options_for (0, NS_STATISTICS_AUTO);
  scaled.scale = 1.5;
  check_region ("wave, stroke scale 1.5", wave, scaled, rgba, 60);
  NsOptions blended = test::options_for (0, NS_STATISTICS_AUTO);
  blended.strength = 0.4;
  blended.preserve_colors = TRUE;
  check_region ("wave, strength 0.4, colours kept", wave, blended, rgba, 90);
}

void
test_magenta ()
{
  const std::string dir = test::shared_model ("magenta/");
  g_autoptr (GError) error = NULL;
  g_autoptr (NsEngine) engine = ns_engine_new_arbitrary (
    (dir + "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite").c_str (),
    (dir + "magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite").c_str (), &error);
  g_assert_no_error (error);
  std::vector<float> vector (NS_STYLE_VECTOR_SIZE);
  g_assert_true (ns_engine_predict_style_file (
    engine, test::shared_image ("styles/starry_night.jpg").c_str (), vector.data (), &error));
  g_assert_true (ns_engine_set_style_vector (engine, vector.data (), &error));

  const cv::Mat rgba = photo ();
  check_region ("starry night, one pass", engine, test::options_for (0, NS_STATISTICS_AUTO), rgba, 90);
  NsOptions half = test::options_for (kSmallBudget, NS_STATISTICS_AUTO);
  half.style_amount = 0.5;
  check_region ("starry night, amount 0.5, tiles", engine, half, rgba, 90);
}

// Statistics belong to one image, scale and style amount.
void
test_mismatch ()
{
  const cv::Mat rgba = photo ();
  NsEngine *wave = test::wave_engine ();
  NsOptions options = test::options_for (0, NS_STATISTICS_AUTO);
  g_autoptr (NsNormStatistics) stats = measure (wave, options, rgba);
  Pixels pixels = { &rgba };
  const NsImageIO io = io_of (pixels);
  std::vector<float> out (4 * 16 * 16);
  g_autoptr (GError) error = NULL;

  options.scale = 2;
  const NsRect inside = { 0, 0, 16, 16 };
  g_assert_false (ns_engine_stylize_region (wave, &options, stats, &io, &inside, out.data (),
                                            NULL, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  g_clear_error (&error);

  options.scale = 1;
  const NsRect outside = { rgba.cols - 8, 0, 16, 16 };
  g_assert_false (ns_engine_stylize_region (wave, &options, stats, &io, &outside, out.data (),
                                            NULL, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/region/network", test_network);
  g_test_add_func ("/region/magenta", test_magenta);
  g_test_add_func ("/region/mismatch", test_mismatch);
  return g_test_run ();
}
