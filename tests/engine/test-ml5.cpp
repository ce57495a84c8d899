// test-ml5.cpp: ml5's published style folders (../shared/ml5/<style>:
// manifest.json and 48 raw float32 weight files) load directly, and paint
// what their ONNX conversions in ../shared/models paint, whole and tiled;
// broken folders give clear errors; the catalog lists ml5 folders, dropped
// in or named by a catalog entry (or its ONNX conversion in their place).
//
// The references are plain cv::dnn passes of the ONNX conversions, each
// size with a fresh network, all made before the first NsEngine exists (the
// engine replaces OpenCV's normalization layer process-wide).
#include "test-util.hpp"
#include "catalog-private.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <map>

namespace {

const char *const kStyles[] = { "la_muse", "mathura", "matta", "rain_princess", "scream", "wave" };

// Odd sizes that need padding on both axes; the small one is padded up to
// the 64-pixel minimum; the last goes in two tiles with the smallest memory
// budget.
const cv::Size kSizes[] = { cv::Size (301, 201), cv::Size (37, 23), cv::Size (333, 219) };
const int kWholeSizes = 2;
const int kTiled = 2;
const int kSmall = 1;
const guint64 kSmallBudget = 1;

constexpr double kMinPsnr = 60.0;

std::string tmp_dir;

// references[style][size index]: RGB 0..1 from the plain ONNX pass.
std::map<std::string, std::vector<cv::Mat>> references;

cv::Mat
photo (cv::Size size)
{
  return test::photo_rgb8 ("chelsea.png", size);
}

std::string
onnx_of (const std::string &style)
{
  return test::shared_model (style + ".onnx");
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
assert_same (const std::string &style, int size, const char *how, const cv::Mat &styled,
             const cv::Mat &expected, const char *reference)
{
  const double db = test::psnr (styled, expected);
  g_test_message ("%s %dx%d %s: PSNR %.1f dB against %s on %s.onnx, max diff %.5f / 255",
                  style.c_str (), kSizes[size].width, kSizes[size].height, how, db, reference,
                  style.c_str (), 255 * test::max_abs_diff (styled, expected));
  g_assert_cmpfloat (db, >=, kMinPsnr);
}

// The ml5 folder against its ONNX conversion: whole images and exact tiling
// (the whole image's result) against plain cv::dnn; fast tiling against the
// engine running the conversion with the same options.
void
test_same_as_onnx (gconstpointer data)
{
  const std::string style = (const char *) data;
  g_autoptr (NsEngine) ml5 = test::open_engine (test::shared_ml5 (style));
  g_assert_cmpint (ns_engine_get_convention (ml5), ==, NS_CONVENTION_RGB255);

  for (int i = 0; i < kWholeSizes; i++)
    assert_same (style, i, "whole", test::stylize (ml5, test::rgba_from_rgb8 (photo (kSizes[i]))),
                 references[style][i], "plain cv::dnn");

  const cv::Mat rgba = test::rgba_from_rgb8 (photo (kSizes[kTiled]));
  assert_same (style, kTiled, "exact tiling", test::stylize (ml5, tiled_options (TRUE), rgba),
               references[style][kTiled], "plain cv::dnn (whole)");

  g_autoptr (NsEngine) onnx = test::open_engine (onnx_of (style));
  const NsOptions fast = tiled_options (FALSE);
  assert_same (style, kTiled, "fast tiling", test::stylize (ml5, fast, rgba),
               test::stylize (onnx, fast, rgba), "the engine (fast tiling)");
}

// ---------------------------------------------------------------------------
// Broken folders

using test::read_file;

void
write_file (const std::string &path, const std::string &contents)
{
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path.c_str (), contents.data (), (gssize) contents.size (), &error);
  g_assert_no_error (error);
}

// A copy of ../shared/ml5/@style in the temporary folder, as @name.
std::string
copy_style (const std::string &name, const std::string &style = "wave")
{
  const std::string from = test::shared_ml5 (style);
  const std::string to = tmp_dir + "/" + name;
  g_assert_cmpint (g_mkdir_with_parents (to.c_str (), 0755), ==, 0);

  g_autoptr (GDir) dir = g_dir_open (from.c_str (), 0, NULL);
  g_assert_nonnull (dir);
  while (const char *file = g_dir_read_name (dir))
    write_file (to + "/" + file, read_file (from + "/" + file));
  return to;
}

// @manifest with @variable's shape replaced by @shape (JSON).
std::string
with_shape (const std::string &manifest, const std::string &variable, const std::string &shape)
{
  const size_t entry = manifest.find ("\"" + variable + "\"");
  g_assert_cmpuint (entry, !=, std::string::npos);
  const size_t begin = manifest.find ('[', manifest.find ("\"shape\"", entry));
  const size_t end = manifest.find (']', begin);
  return manifest.substr (0, begin) + shape + manifest.substr (end + 1);
}

void
assert_load_fails (const std::string &folder, int code, std::initializer_list<std::string> parts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsEngine) engine = ns_engine_new (folder.c_str (), NS_CONVENTION_AUTO, &error);

  g_assert_null (engine);
  g_assert_error (error, NS_ENGINE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, folder.c_str ()));
  for (const std::string &part : parts)
    g_assert_nonnull (strstr (error->message, part.c_str ()));
}

void
test_truncated_weights ()
{
  const std::string dir = copy_style ("truncated");
  const std::string file = dir + "/Variable_12";
  write_file (file, read_file (file).substr (0, 1000));
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "'Variable_12'", "truncated", "1000 of 589824 bytes" });
}

void
test_longer_weights ()
{
  const std::string dir = copy_style ("longer");
  const std::string file = dir + "/Variable_46";
  write_file (file, read_file (file) + "junk");
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "'Variable_46'", "wrong size", "16 bytes, expected 12" });
}

void
test_missing_weights ()
{
  const std::string dir = copy_style ("missing");
  g_assert_cmpint (g_unlink ((dir + "/Variable_47").c_str ()), ==, 0);
  assert_load_fails (dir, NS_ENGINE_ERROR_NOT_FOUND, { "'Variable_47'", "missing" });
}

// NaN weights would only make black pictures.
void
test_nan_weights ()
{
  const std::string dir = copy_style ("nan");
  const std::string file = dir + "/Variable_2";
  std::string bytes = read_file (file);
  bytes.replace (8, 4, "\x00\x00\xc0\x7f", 4); // a quiet NaN, little-endian
  write_file (file, bytes);
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT, { "'Variable_2'", "not numbers" });
}

// A manifest that lies about a shape, with a weight file of the size the
// lie needs: the architecture, not the file, says it is wrong.
void
test_lying_shape ()
{
  const std::string dir = copy_style ("lying");
  write_file (dir + "/manifest.json",
              with_shape (read_file (dir + "/manifest.json"), "Variable_3", "[3, 3, 32, 65]"));
  write_file (dir + "/Variable_3", std::string (3 * 3 * 32 * 65 * 4, '\0'));
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "manifest.json", "'Variable_3'", "[3, 3, 32, 65]", "[3, 3, 32, 64]" });
}

// A huge shape for a small file: refused before anything is allocated.
void
test_huge_shape ()
{
  const std::string dir = copy_style ("huge");
  write_file (dir + "/manifest.json",
              with_shape (read_file (dir + "/manifest.json"), "Variable",
                          "[4294967296, 4294967296, 3, -32]"));
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "manifest.json", "'Variable'", "[4294967296, 4294967296, 3, -32]" });
}

void
test_manifest_not_json ()
{
  const std::string dir = copy_style ("not-json");
  write_file (dir + "/manifest.json", "<html>404 Not Found</html>\n");
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT, { "manifest.json", "not valid JSON", "byte 0" });
}

void
test_manifest_empty ()
{
  const std::string dir = copy_style ("empty");
  write_file (dir + "/manifest.json", "");
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT, { "manifest.json", "empty" });
}

void
test_manifest_truncated ()
{
  const std::string dir = copy_style ("manifest-truncated");
  const std::string manifest = read_file (dir + "/manifest.json");
  write_file (dir + "/manifest.json", manifest.substr (0, manifest.rfind ('}')));
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "manifest.json", "not valid JSON", "unexpected end" });
}

void
test_variable_missing_from_manifest ()
{
  const std::string dir = copy_style ("unlisted");
  std::string manifest = read_file (dir + "/manifest.json");
  // "Variable_47" -> "Variable_48": one missing, one unknown; the unknown
  // one comes first.
  manifest.replace (manifest.find ("\"Variable_47\""), 13, "\"Variable_48\"");
  write_file (dir + "/manifest.json", manifest);
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "manifest.json", "'Variable_48'", "does not have" });
}

void
test_path_in_file_name ()
{
  const std::string dir = copy_style ("path");
  std::string manifest = read_file (dir + "/manifest.json");
  manifest.replace (manifest.find ("\"filename\": \"Variable_5\""), 24,
                    "\"filename\": \"../../etc/passwd\"");
  write_file (dir + "/manifest.json", manifest);
  assert_load_fails (dir, NS_ENGINE_ERROR_CORRUPT,
                     { "'Variable_5'", "'../../etc/passwd'", "not a plain file name" });
}

void
test_no_manifest ()
{
  const std::string dir = copy_style ("no-manifest");
  g_assert_cmpint (g_unlink ((dir + "/manifest.json").c_str ()), ==, 0);
  assert_load_fails (dir, NS_ENGINE_ERROR_NOT_FOUND, { "is not a file", "manifest.json" });
}

// ---------------------------------------------------------------------------
// The catalog

NsCatalog *
open_catalog (const std::string &catalog_file, std::initializer_list<std::string> path)
{
  std::vector<const char *> dirs;
  for (const std::string &dir : path)
    dirs.push_back (dir.c_str ());
  dirs.push_back (NULL);
  g_autoptr (GError) error = NULL;
  NsCatalog *catalog = ns_catalog_new (catalog_file.c_str (), dirs.data (), &error);
  g_assert_no_error (error);
  return catalog;
}

bool
lists (GPtrArray *styles, const NsStyle *style)
{
  for (guint i = 0; i < styles->len; i++)
    if (g_ptr_array_index (styles, i) == style)
      return true;
  return false;
}

// Paints a small photo through the catalog, against the plain ONNX pass.
void
assert_paints_like_wave (const NsStyle *style)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsEngine) engine = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);

  const cv::Mat styled = test::stylize (engine, test::rgba_from_rgb8 (photo (kSizes[kSmall])));
  const double db = test::psnr (styled, references["wave"][kSmall]);
  g_test_message ("style '%s' (%s, %s): PSNR %.1f dB against plain cv::dnn on wave.onnx",
                  style->id, style->format, style->path, db);
  g_assert_cmpfloat (db, >=, kMinPsnr);
}

// A folder holding manifest.json dropped into a model folder is a style
// named after the folder.
void
test_dropped_in_folder ()
{
  const std::string models = tmp_dir + "/dropped";
  g_assert_cmpint (g_mkdir_with_parents (models.c_str (), 0755), ==, 0);
  const std::string folder = copy_style ("dropped/my_wave");
  const std::string empty_catalog = tmp_dir + "/empty.ini";
  write_file (empty_catalog, "");

  g_autoptr (NsCatalog) catalog = open_catalog (empty_catalog, { models });
  const NsStyle *style = ns_catalog_lookup (catalog, "my_wave");
  g_assert_nonnull (style);
  g_assert_cmpstr (style->format, ==, "ml5");
  g_assert_cmpstr (style->path, ==, folder.c_str ());
  g_assert_false (style->in_catalog);
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);
  g_assert_true (lists (installed, style));
  g_assert_true (ns_catalog_default_style (catalog) == style);
  assert_paints_like_wave (style);
}

const char kCatalog[] =
  "[wave]\n"
  "title=The Great Wave off Kanagawa\n"
  "format=ml5\n"
  "file=wave\n"
  "url=https://example.org/wave/;https://mirror.example.org/wave/\n"
  "onnx=wave.onnx\n"
  "onnx-sha256=c4ba0b581c8633e72466c288f8e94f97042893af4c77e38d20749ffed7232c52\n"
  "onnx-size=6714776\n"
  "noncommercial=true\n"
  "[magenta-transfer]\n"
  "format=tflite\n"
  "file=transfer.tflite\n"
  "url=https://example.org/transfer.tflite\n";

// An ml5 catalog entry: its folder where there is one, else its ONNX
// conversion, else not installed; a tflite entry is no style.
void
test_catalog_entry ()
{
  const std::string catalog_file = tmp_dir + "/ml5.ini";
  write_file (catalog_file, kCatalog);
  const std::string networks = tmp_dir + "/networks";
  g_assert_cmpint (g_mkdir_with_parents (networks.c_str (), 0755), ==, 0);
  write_file (networks + "/transfer.tflite", "not read by the catalog");

  const std::string shared_ml5 = test::shared_ml5 ("");
  const std::string shared_models = test::shared_model ("");
  const std::string nowhere = tmp_dir + "/nowhere";
  const std::string wave_folder = test::shared_ml5 ("wave"), wave_onnx = onnx_of ("wave");
  const std::string transfer = networks + "/transfer.tflite";

  {
    g_autoptr (NsCatalog) catalog = open_catalog (catalog_file,
                                                  { shared_models, shared_ml5, networks });
    const NsStyle *style = ns_catalog_lookup (catalog, "wave");
    g_assert_nonnull (style);
    g_assert_cmpstr (style->format, ==, "ml5");
    g_assert_cmpstr (style->file, ==, "wave");
    g_assert_cmpstr (style->path, ==, wave_folder.c_str ());
    g_assert_cmpint (style->size, ==, 0);
    g_assert_cmpstr (style->url, ==, "https://example.org/wave/");
    g_assert_true (style->noncommercial);
    assert_paints_like_wave (style);

    // Magenta's network is installed, but no style; the dropped-in
    // .onnx files of ../shared/models are.
    const NsStyle *network = ns_catalog_lookup_network (catalog, "magenta-transfer");
    g_assert_nonnull (network);
    g_assert_cmpstr (network->format, ==, "tflite");
    g_assert_cmpstr (network->path, ==, transfer.c_str ());
    g_assert_null (ns_catalog_lookup (catalog, "magenta-transfer"));
    g_assert_false (lists (ns_catalog_get_styles (catalog), network));
    g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);
    g_assert_false (lists (installed, network));
    g_assert_true (lists (installed, style));
    g_assert_true (ns_catalog_default_style (catalog) == style);
  }
  {
    g_autoptr (NsCatalog) catalog = open_catalog (catalog_file, { nowhere, shared_models });
    const NsStyle *style = ns_catalog_lookup (catalog, "wave");
    g_assert_cmpstr (style->format, ==, "onnx");
    g_assert_cmpstr (style->file, ==, "wave.onnx");
    g_assert_cmpstr (style->path, ==, wave_onnx.c_str ());
    g_assert_cmpint (style->size, ==, 6714776);
    g_assert_cmpstr (style->sha256, ==,
                     "c4ba0b581c8633e72466c288f8e94f97042893af4c77e38d20749ffed7232c52");
    assert_paints_like_wave (style);
  }
  {
    g_autoptr (NsCatalog) catalog = open_catalog (catalog_file, { nowhere });
    const NsStyle *style = ns_catalog_lookup (catalog, "wave");
    g_assert_null (style->path);
    g_assert_cmpstr (style->format, ==, "ml5");
    g_assert_null (ns_catalog_default_style (catalog));
  }
}

void
remove_tree (const std::string &path)
{
  g_autoptr (GDir) dir = g_dir_open (path.c_str (), 0, NULL);
  while (const char *name = dir ? g_dir_read_name (dir) : NULL)
    {
      const std::string child = path + "/" + name;
      /* Links are removed, never followed (into the shared models). */
      if (!g_file_test (child.c_str (), G_FILE_TEST_IS_SYMLINK)
          && g_file_test (child.c_str (), G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child.c_str ());
    }
  g_rmdir (path.c_str ());
}

// Before any NsEngine: plain cv::dnn, a fresh network per size.
void
make_references ()
{
  for (const char *style : kStyles)
    for (const cv::Size &size : kSizes)
      {
        cv::dnn::Net net = test::stock_net (onnx_of (style));
        net.enableFusion (false);
        g_assert_true (test::has_only_stock_norm_layers (net));
        references[style].push_back (test::reference_rgb (net, photo (size)));
      }
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  make_references ();
  g_autofree gchar *tmp = g_dir_make_tmp ("test-ml5-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  tmp_dir = tmp;

  for (const char *style : kStyles)
    {
      g_autofree gchar *path = g_strdup_printf ("/ml5/same-as-onnx/%s", style);
      g_test_add_data_func (path, style, test_same_as_onnx);
    }
  g_test_add_func ("/ml5/errors/truncated-weights", test_truncated_weights);
  g_test_add_func ("/ml5/errors/longer-weights", test_longer_weights);
  g_test_add_func ("/ml5/errors/missing-weights", test_missing_weights);
  g_test_add_func ("/ml5/errors/nan-weights", test_nan_weights);
  g_test_add_func ("/ml5/errors/lying-shape", test_lying_shape);
  g_test_add_func ("/ml5/errors/huge-shape", test_huge_shape);
  g_test_add_func ("/ml5/errors/manifest-not-json", test_manifest_not_json);
  g_test_add_func ("/ml5/errors/manifest-empty", test_manifest_empty);
  g_test_add_func ("/ml5/errors/manifest-truncated", test_manifest_truncated);
  g_test_add_func ("/ml5/errors/variable-not-listed", test_variable_missing_from_manifest);
  g_test_add_func ("/ml5/errors/path-in-file-name", test_path_in_file_name);
  g_test_add_func ("/ml5/errors/no-manifest", test_no_manifest);
  g_test_add_func ("/ml5/catalog/dropped-in-folder", test_dropped_in_folder);
  g_test_add_func ("/ml5/catalog/entry", test_catalog_entry);

  const int status = g_test_run ();
  remove_tree (tmp_dir);
  return status;
}
