// test-fast.cpp: the faster equivalent networks the engine builds at load
// time (engine/fast-net.cpp) give the same pictures as the networks as
// loaded (NEURAL_STYLE_NO_REWRITE=1): every shared model, the zoo's graph,
// the suite's .t7 networks and ml5 folders, at odd sizes, 1x1, whole,
// tiled and exact-tiled.  test-reference checks the rewritten engine
// against plain cv::dnn as well.
#include "engine-private.hpp"
#include "fast-net.hpp"
#include "test-util.hpp"

#include <glib.h>

#include <cmath>

namespace {

std::vector<std::string> models;

NsEngine *
open (const std::string &path, bool rewrite)
{
  if (rewrite)
    g_unsetenv ("NEURAL_STYLE_NO_REWRITE");
  else
    g_setenv ("NEURAL_STYLE_NO_REWRITE", "1", TRUE);
  NsEngine *engine = test::open_engine (path);
  g_unsetenv ("NEURAL_STYLE_NO_REWRITE");
  return engine;
}

double
check_same (NsEngine *fast, NsEngine *plain, const NsOptions &options, const cv::Mat &rgba,
            const char *what)
{
  const cv::Mat a = test::stylize (fast, options, rgba);
  const cv::Mat b = test::stylize (plain, options, rgba);
  const double psnr = test::psnr (a, b);
  g_test_message ("  %s %dx%d: %.1f dB, max |diff| %.5f / 255", what, rgba.cols, rgba.rows,
                  psnr, 255 * test::max_abs_diff (a, b));
  g_assert_cmpfloat (psnr, >=, 60.0);
  return psnr;
}

void
test_same_as_loaded (gconstpointer data)
{
  const std::string &path = models[GPOINTER_TO_UINT (data)];
  g_autoptr (NsEngine) fast = open (path, true);
  g_autoptr (NsEngine) plain = open (path, false);
  g_test_message ("%s: rewritten after '%s'", path.c_str (),
                  fast->fast ? fast->fast->split ().c_str () : "-");
  g_assert_nonnull (fast->fast);
  g_assert_null (plain->fast);

  NsOptions options;
  ns_options_init (&options);
  const cv::Mat odd = test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png", cv::Size (123, 77)));
  check_same (fast, plain, options, odd, "whole");
  check_same (fast, plain, options, odd (cv::Rect (40, 30, 1, 1)).clone (), "whole");

  const cv::Mat large = test::rgba_from_rgb8 (test::photo_rgb8 ("coffee.png", cv::Size (211, 143)));
  options.memory_budget = 1; // the smallest tiles
  check_same (fast, plain, options, large, "tiled");
  options.exact_tiling = TRUE;
  check_same (fast, plain, options, large, "exact-tiled");
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  models = test::shared_models ();
  models.push_back (test::shared_model ("zoo-replica/candy-9-replica.onnx"));
  for (const char *t7 : { "instance-norm.t7", "eccv16.t7", "five-blocks.t7" })
    models.push_back (test::made_data (t7));
  for (const char *style : { "wave", "la_muse" })
    models.push_back (test::shared_ml5 (style));

  for (guint i = 0; i < models.size (); i++)
    {
      g_autofree gchar *base = g_path_get_basename (models[i].c_str ());
      g_autofree gchar *test_path = g_strdup_printf ("/fast/same-as-loaded/%s", base);
      g_test_add_data_func (test_path, GUINT_TO_POINTER (i), test_same_as_loaded);
    }
  return g_test_run ();
}
