// test-reference.cpp: for every real model in ../shared/models, the engine's
// whole-image result equals a plain cv::dnn forward of the same network on
// the same padded input (rgb255 convention), within half a level of 255.
//
// The engine replaces OpenCV's normalization layers process-wide once the
// first engine exists, so the reference networks are all read before that.
#include "test-util.hpp"

#include <glib.h>

namespace {

struct Reference
{
  std::string path;
  cv::dnn::Net net; // read before any NsEngine: OpenCV's own layers
};

std::vector<Reference> references;

// A real photo at an odd size that needs padding on both axes.
const cv::Size kPhotoSize (301, 201);

cv::Mat
photo ()
{
  static const cv::Mat rgb8 = test::photo_rgb8 ("chelsea.png", kPhotoSize);
  return rgb8;
}

void
test_stock_layers ()
{
  g_assert_cmpuint (references.size (), >=, 6);
  for (Reference &r : references)
    {
      const std::vector<std::string> names = test::norm_layers (r.net);
      g_test_message ("%s: %zu normalization layers, class %s", r.path.c_str (), names.size (),
                      names.empty () ? "-" : test::layer_class (r.net, names[0]).c_str ());
      g_assert_true (test::has_only_stock_norm_layers (r.net));
    }
}

void
test_same_as_opencv (gconstpointer data)
{
  Reference &r = references[GPOINTER_TO_UINT (data)];
  g_assert_true (test::has_only_stock_norm_layers (r.net));
  g_autoptr (NsEngine) engine = test::open_engine (r.path);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_RGB255);

  const cv::Mat rgb8 = photo ();
  const cv::Mat styled = test::stylize (engine, test::rgba_from_rgb8 (rgb8));
  const cv::Mat expected = test::reference_rgb (r.net, rgb8);

  const double max_diff = test::max_abs_diff (styled, expected);
  g_test_message ("%s: max |engine - OpenCV| = %.4f / 255; differs from the photo by %.1f / 255 "
                  "on average", r.path.c_str (), max_diff * 255,
                  255 * test::mean_abs_diff (styled, test::rgba_from_rgb8 (rgb8)));
  g_assert_cmpfloat (max_diff, <=, 0.5 / 255);
}

// The engine's layer really replaces OpenCV's once an engine exists: the
// stock-layer check above is not vacuous.
void
test_engine_layer_registered ()
{
  g_autoptr (NsEngine) engine = test::open_engine (references[0].path);
  cv::dnn::Net net = cv::dnn::readNetFromONNX (references[0].path);

  const std::vector<std::string> names = test::norm_layers (net);
  g_assert_cmpuint (names.size (), >, 0);
  g_test_message ("after the first engine: class %s", test::layer_class (net, names[0]).c_str ());
  g_assert_false (test::has_only_stock_norm_layers (net));
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (const std::string &path : test::shared_models ())
    references.push_back ({ path, test::stock_net (path) });

  g_test_add_func ("/reference/stock-opencv-layers", test_stock_layers);
  for (guint i = 0; i < references.size (); i++)
    {
      g_autofree gchar *base = g_path_get_basename (references[i].path.c_str ());
      g_autofree gchar *test_path = g_strdup_printf ("/reference/same-as-opencv/%s", base);
      g_test_add_data_func (test_path, GUINT_TO_POINTER (i), test_same_as_opencv);
    }
  g_test_add_func ("/reference/engine-layer-registered", test_engine_layer_registered);
  return g_test_run ();
}
