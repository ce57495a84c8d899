// test-reference.cpp: for every real model in ../shared/models, the engine's
// whole-image result equals a plain cv::dnn forward of the same network on
// the same padded input (rgb255 convention), within half a level of 255:
// with each of the matrix product's instruction sets this CPU has (the
// normalization follows its choice: "generic" reaches its SSE passes,
// which a machine with AVX2 would otherwise never run); and wave's in
// exact tiles, whose statistics are gathered tile by tile.
//
// The engine replaces OpenCV's normalization layers process-wide once the
// first engine exists, so the reference networks are all read before that.
#include "gemm.hpp"
#include "test-util.hpp"
#include "tiling.hpp" // the engine's planner: that the tiles are there

#include <glib.h>

#include <cstring>

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

struct Case
{
  guint reference;
  const char *isa;
};

std::vector<Case> cases;

void
test_same_as_opencv (gconstpointer data)
{
  const Case &c = cases[GPOINTER_TO_UINT (data)];
  Reference &r = references[c.reference];
  g_assert_true (test::has_only_stock_norm_layers (r.net));
  g_assert_true (ns::gemm_select_isa (c.isa));
  g_assert_cmpstr (ns::gemm_isa (), ==, c.isa);
  g_autoptr (NsEngine) engine = test::open_engine (r.path);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_RGB255);

  const cv::Mat rgb8 = photo ();
  const cv::Mat styled = test::stylize (engine, test::rgba_from_rgb8 (rgb8));
  const cv::Mat expected = test::reference_rgb (r.net, rgb8);

  const double max_diff = test::max_abs_diff (styled, expected);
  g_test_message ("%s, %s: max |engine - OpenCV| = %.4f / 255; differs from the photo by "
                  "%.1f / 255 on average", r.path.c_str (), c.isa, max_diff * 255,
                  255 * test::mean_abs_diff (styled, test::rgba_from_rgb8 (rgb8)));
  test::select_best_isa ();
  g_assert_cmpfloat (max_diff, <=, 0.5 / 255);
}

// Exact tiling (the smallest memory budget: chelsea.png at its own 451 x 300
// in 2 x 2 tiles) gathers each normalization layer's statistics tile by
// tile (add_region); the result is still OpenCV's whole-image pass.
struct Tiled
{
  std::string path;
  cv::Mat rgb8;
  cv::Mat expected; // OpenCV's, made before any NsEngine
} tiled;

// The smallest budget the planner accepts (see test-tiling.cpp).
const guint64 kSmallBudget = 1;

void
test_exact_tiles (gconstpointer data)
{
  const char *isa = static_cast<const char *> (data);
  g_assert_cmpuint (ns::plan_tiles (ns::Geometry (tiled.rgb8.size (), 1.0), kSmallBudget).tiles.size (),
                    >=, 4);
  g_assert_true (ns::gemm_select_isa (isa));
  g_assert_cmpstr (ns::gemm_isa (), ==, isa);
  g_autoptr (NsEngine) engine = test::open_engine (tiled.path);

  NsOptions options = test::options_for (kSmallBudget, NS_STATISTICS_WHOLE);
  const cv::Mat styled = test::stylize (engine, options, test::rgba_from_rgb8 (tiled.rgb8));

  const double max_diff = test::max_abs_diff (styled, tiled.expected);
  g_test_message ("wave.onnx, %s, exact tiles: max |engine - OpenCV| = %.4f / 255", isa,
                  max_diff * 255);
  test::select_best_isa ();
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
  // Its own network, run now: wave's above, run again at another size once
  // an engine has registered its normalization layer, no longer gave
  // OpenCV's painting (249 / 255 apart).
  tiled.path = test::shared_model ("wave.onnx");
  tiled.rgb8 = test::photo_rgb8 ("chelsea.png");
  cv::dnn::Net wave = test::stock_net (tiled.path);
  tiled.expected = test::reference_rgb (wave, tiled.rgb8);

  g_test_add_func ("/reference/stock-opencv-layers", test_stock_layers);
  for (const char *isa : test::kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        continue;
      // Under AddressSanitizer the plain C++ product is six to eight
      // times as slow as AVX2's (wave: 60 s, exact tiles 220 s, against
      // 11 and 26): one model there, and the tiles with the vector
      // products only.
#ifdef NS_ADDRESS_SANITIZER
      const bool few = std::strcmp (isa, "generic") == 0;
#else
      const bool few = false;
#endif
      for (guint i = 0; i < references.size (); i++)
        {
          if (few && !g_str_has_suffix (references[i].path.c_str (), "/wave.onnx"))
            continue;
          g_autofree gchar *base = g_path_get_basename (references[i].path.c_str ());
          g_autofree gchar *test_path
            = g_strdup_printf ("/reference/same-as-opencv/%s/%s", isa, base);
          g_test_add_data_func (test_path, GUINT_TO_POINTER (cases.size ()), test_same_as_opencv);
          cases.push_back ({ i, isa });
        }
      if (few)
        continue;
      g_autofree gchar *tiles_path = g_strdup_printf ("/reference/exact-tiles/%s", isa);
      g_test_add_data_func (tiles_path, isa, test_exact_tiles);
    }
  test::select_best_isa ();
  g_test_add_func ("/reference/engine-layer-registered", test_engine_layer_registered);
  return g_test_run ();
}
