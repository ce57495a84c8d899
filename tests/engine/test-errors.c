/* test-errors.c: what the C API says when something is wrong: missing,
 * truncated or foreign model files, networks that are not style networks,
 * the catalog's errors and search path, empty or too large images, image
 * I/O that fails, and bad options.
 * Each error must carry the right code and a message naming the file (or
 * style) and what is wrong with it.
 */
#include "neural-style-engine.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <math.h>
#include <string.h>
#include <sys/stat.h>

/* The real wave.onnx, as the catalog pins it */
#define WAVE_SIZE 6714776

static gchar *tmp_dir;

static gchar *
shared_model (const gchar *name)
{
  return g_build_filename (g_getenv ("NS_TEST_SHARED"), "models", name, NULL);
}

static gchar *
made_data (const gchar *name)
{
  return g_build_filename (g_getenv ("NS_TEST_DATA"), name, NULL);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      /* Links are removed, never followed (into the shared models). */
      if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK) && g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A fresh folder inside the test's temporary one.  (transfer full) */
static gchar *
make_dir (const gchar *name)
{
  gchar *dir = g_build_filename (tmp_dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

/* Writes @length bytes of @data to @dir/@name.  (transfer full) */
static gchar *
write_file (const gchar  *dir,
            const gchar  *name,
            const gchar  *data,
            gssize        length)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

/* The first @length bytes of the real wave.onnx as @dir/@name. */
static gchar *
write_wave_prefix (const gchar *dir,
                   const gchar *name,
                   gsize        length)
{
  g_autofree gchar *wave = shared_model ("wave.onnx");
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize size = 0;

  g_file_get_contents (wave, &contents, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, WAVE_SIZE);
  return write_file (dir, name, contents, MIN (length, size));
}

/* Loading @path fails with @code and a message holding @part1 and @part2. */
static void
assert_load_fails (const gchar *path,
                   gint         code,
                   const gchar *part1,
                   const gchar *part2)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NsEngine) engine = ns_engine_new (path, NS_CONVENTION_AUTO, &error);

  g_assert_null (engine);
  g_assert_error (error, NS_ENGINE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, part1));
  g_assert_nonnull (strstr (error->message, part2));
}

/* g_format_size() puts a no-break space before the unit. */
static gchar *
plain_spaces (const gchar *message)
{
  g_auto (GStrv) parts = g_strsplit (message, "\302\240", -1);
  return g_strjoinv (" ", parts);
}

static void
assert_message (const GError *error,
                const gchar  *part)
{
  g_autofree gchar *message = plain_spaces (error->message);

  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, part));
}

/* Model files */

static void
test_missing_file (void)
{
  g_autofree gchar *path = g_build_filename (tmp_dir, "no-such-model.onnx", NULL);

  assert_load_fails (path, NS_ENGINE_ERROR_NOT_FOUND, path, "does not exist");
}

static void
test_truncated_onnx (void)
{
  g_autofree gchar *dir = make_dir ("truncated");
  g_autofree gchar *path = write_wave_prefix (dir, "wave.onnx", 2 * 1024 * 1024);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path, "truncated or corrupt");
}

static void
test_random_bytes_onnx (void)
{
  g_autofree gchar *dir = make_dir ("random");
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  gchar bytes[4096];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (gchar) g_rand_int_range (rand, 0, 256);
  g_autofree gchar *path = write_file (dir, "noise.onnx", bytes, sizeof bytes);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path, "not a readable ONNX model");
}

static void
test_garbage_t7 (void)
{
  g_autofree gchar *dir = make_dir ("garbage");
  g_autofree gchar *path = write_file (dir, "style.t7",
                                       "This is a text file, not a Torch model.\n", -1);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path, "not a readable Torch model");
}

static void
test_empty_file (void)
{
  g_autofree gchar *dir = make_dir ("empty");
  g_autofree gchar *path = write_file (dir, "empty.onnx", "", 0);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path, "is empty");
}

static void
test_unknown_extension (void)
{
  g_autofree gchar *dir = make_dir ("extension");
  g_autofree gchar *path = write_file (dir, "style.pb", "a TensorFlow graph, say", -1);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path,
                     "is neither an ONNX (.onnx) nor a Torch (.t7) model");
}

static void
test_directory (void)
{
  g_autofree gchar *path = make_dir ("folder.onnx");

  assert_load_fails (path, NS_ENGINE_ERROR_NOT_FOUND, path, "is not a file");
}

/* A Torch file that holds the number 3 and no network: OpenCV reads it
 * without complaint, as an empty network. */
static void
test_t7_without_network (void)
{
  static const gchar number[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x40 };
  g_autofree gchar *dir = make_dir ("number");
  g_autofree gchar *path = write_file (dir, "number.t7", number, sizeof number);

  assert_load_fails (path, NS_ENGINE_ERROR_CORRUPT, path, "not a readable Torch model");
}

static void
test_classifier (void)
{
  g_autofree gchar *path = made_data ("classifier.onnx");

  assert_load_fails (path, NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                     "'classifier.onnx' is not an image style network", "returns 1x10");
}

static void
test_one_channel (void)
{
  g_autofree gchar *path = made_data ("gray.onnx");

  assert_load_fails (path, NS_ENGINE_ERROR_NOT_IMAGE_MODEL, "'gray.onnx'", "1-channel");
}

static void
test_four_channels (void)
{
  g_autofree gchar *path = made_data ("rgba.onnx");

  assert_load_fails (path, NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                     "'rgba.onnx' is not an image style network",
                     "does not accept a 3-channel image");
}

/* The catalog */

/* A catalog of three styles; only "first" may be installed. */
static gchar *
write_catalog (void)
{
  g_autofree gchar *dir = make_dir ("catalog");
  g_autofree gchar *ini = g_strdup_printf (
    "[first]\ntitle=First\nfile=first.onnx\nformat=onnx\nconvention=rgb255\nsize=%d\n\n"
    "[second]\ntitle=Second\nartist=Someone\nfile=second.onnx\nformat=onnx\n"
    "convention=rgb255\nsize=%d\n\n"
    "[third]\ntitle=Third\nfile=third.t7\nformat=t7\nconvention=johnson\n",
    WAVE_SIZE, WAVE_SIZE);

  return write_file (dir, "catalog.ini", ini, -1);
}

static NsCatalog *
open_catalog (const gchar *model_dir)
{
  g_autofree gchar *ini = write_catalog ();
  const gchar *search_path[] = { model_dir, NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog *catalog = ns_catalog_new (ini, search_path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

static void
test_unknown_style (void)
{
  g_autofree gchar *models = make_dir ("models-unknown");
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;

  g_assert_null (ns_catalog_find_installed (catalog, "no_such_style", &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_UNKNOWN_STYLE);
  assert_message (error, "'no_such_style'");
}

static void
test_not_installed (void)
{
  g_autofree gchar *models = make_dir ("models-not-installed");
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;

  g_assert_null (ns_catalog_find_installed (catalog, "second", &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  assert_message (error, "neural-style-fetch second");
}

static void
test_nothing_installed (void)
{
  g_autofree gchar *models = make_dir ("models-none");
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);

  g_assert_cmpuint (installed->len, ==, 0);
  g_assert_null (ns_catalog_default_style (catalog));
  g_assert_null (ns_catalog_find_installed (catalog, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  assert_message (error, "neural-style-fetch");
}

static void
test_truncated_against_catalog (void)
{
  g_autofree gchar *models = make_dir ("models-truncated");
  g_autofree gchar *path = write_wave_prefix (models, "first.onnx", 2000000);
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;
  const NsStyle *style = ns_catalog_find_installed (catalog, "first", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (style->path, ==, path);
  g_assert_null (ns_engine_new_for_style (style, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT);
  assert_message (error, path);
  assert_message (error, "is truncated (2.0 MB of 6.7 MB)");
  assert_message (error, "neural-style-fetch first");
}

/* Larger than the catalog says: not truncated, but not the right file. */
static void
test_larger_than_catalog (void)
{
  g_autofree gchar *models = make_dir ("models-larger");
  g_autofree gchar *path = write_wave_prefix (models, "small.onnx", WAVE_SIZE);
  g_autofree gchar *ini = write_file (models, "catalog.ini",
                                      "[small]\ntitle=Small\nfile=small.onnx\nformat=onnx\n"
                                      "convention=rgb255\nsize=2000000\n", -1);
  const gchar *search_path[] = { models, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (ini, search_path, &error);
  const NsStyle *style;

  g_assert_no_error (error);
  style = ns_catalog_find_installed (catalog, "small", &error);
  g_assert_no_error (error);
  g_assert_null (ns_engine_new_for_style (style, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT);
  assert_message (error, path);
  assert_message (error, "has the wrong size (6.7 MB, expected 2.0 MB)");
  assert_message (error, "neural-style-fetch small");
}

static void
test_installed_style_loads (void)
{
  g_autofree gchar *models = make_dir ("models-installed");
  g_autofree gchar *path = write_wave_prefix (models, "first.onnx", WAVE_SIZE);
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;
  const NsStyle *style = ns_catalog_default_style (catalog);
  g_autoptr (NsEngine) engine = NULL;

  g_assert_nonnull (style);
  g_assert_cmpstr (style->id, ==, "first");
  engine = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ns_engine_get_model_path (engine), ==, path);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_RGB255);
}

static void
test_dropped_in_file (void)
{
  g_autofree gchar *models = make_dir ("models-dropped");
  g_autofree gchar *path = write_wave_prefix (models, "my-own style.onnx", WAVE_SIZE);
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  const NsStyle *style = ns_catalog_lookup (catalog, "my-own style");
  GPtrArray *styles = ns_catalog_get_styles (catalog);

  g_assert_nonnull (style);
  g_assert_cmpstr (style->path, ==, path);
  g_assert_cmpstr (style->title, ==, "my-own style");
  g_assert_false (style->in_catalog);
  /* after the catalog's styles */
  g_assert_true (g_ptr_array_index (styles, styles->len - 1) == style);
  g_assert_true (ns_catalog_default_style (catalog) == style);
}

static void
test_search_path_order (void)
{
  g_autofree gchar *a = make_dir ("path-a");
  g_autofree gchar *b = make_dir ("path-b");
  g_autofree gchar *env = g_strjoin (G_SEARCHPATH_SEPARATOR_S, a, b, NULL);
  g_autofree gchar *in_b = write_wave_prefix (b, "first.onnx", WAVE_SIZE);
  g_autofree gchar *in_a = NULL;
  g_autofree gchar *user_dir = ns_catalog_user_model_dir ();
  g_autofree gchar *ini = write_catalog ();
  g_auto (GStrv) path = NULL;
  g_autofree gchar *saved = g_strdup (g_getenv ("NEURAL_STYLE_MODEL_PATH"));

  g_setenv ("NEURAL_STYLE_MODEL_PATH", env, TRUE);
  path = ns_catalog_default_search_path ();
  g_assert_cmpuint (g_strv_length (path), ==, 4);
  g_assert_cmpstr (path[0], ==, a);
  g_assert_cmpstr (path[1], ==, b);
  g_assert_cmpstr (path[2], ==, user_dir);

  /* found in b; once a has it too, a's copy wins */
  for (gint round = 0; round < 2; round++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NsCatalog) catalog = ns_catalog_new (ini, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ns_catalog_lookup (catalog, "first")->path, ==, round == 0 ? in_b : in_a);
      if (round == 0)
        in_a = write_wave_prefix (a, "first.onnx", WAVE_SIZE);
    }

  if (saved)
    g_setenv ("NEURAL_STYLE_MODEL_PATH", saved, TRUE);
  else
    g_unsetenv ("NEURAL_STYLE_MODEL_PATH");
}

/* A catalog whose file name leads out of the model folder: never
 * installed, and using it says why. */
static void
test_file_name_with_path (void)
{
  g_autofree gchar *models = make_dir ("models-path");
  g_autofree gchar *sub = make_dir ("models-path/sub");
  g_autofree gchar *outside = write_wave_prefix (models, "outside.onnx", WAVE_SIZE);
  g_autofree gchar *ini = write_file (models, "catalog.ini",
                                      "[out]\nfile=../outside.onnx\nformat=onnx\n\n"
                                      "[hidden]\nfile=.hidden.onnx\nformat=onnx\n\n"
                                      "[ml5]\nfile=nothing\nformat=ml5\nonnx=../outside.onnx\n", -1);
  const gchar *search_path[] = { sub, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (ini, search_path, &error);
  g_autoptr (GPtrArray) installed = NULL;

  g_assert_no_error (error);
  g_free (write_wave_prefix (sub, ".hidden.onnx", WAVE_SIZE));
  installed = ns_catalog_get_installed (catalog);
  g_assert_cmpuint (installed->len, ==, 0);
  g_assert_null (ns_catalog_find_installed (catalog, "out", &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
  assert_message (error, "the style catalog gives it the file name '../outside.onnx', "
                         "which is not a plain file name");
  g_clear_error (&error);
  g_assert_null (ns_catalog_find_installed (catalog, "ml5", &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND);
}

/* A model dropped in under the id of a catalog style that is not
 * installed is that style, titled as the user's own file. */
static void
test_own_file_for_catalog_id (void)
{
  g_autofree gchar *models = make_dir ("models-own");
  g_autofree gchar *path = write_wave_prefix (models, "third.onnx", WAVE_SIZE);
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autoptr (GError) error = NULL;
  const NsStyle *style = ns_catalog_find_installed (catalog, "third", &error);
  g_autoptr (NsEngine) engine = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (style->path, ==, path);
  g_assert_cmpstr (style->title, ==, "Third: your own file third.onnx, not the catalog's");
  g_assert_false (style->in_catalog);
  engine = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_RGB255);
}

static const gfloat zero_vector[NS_STYLE_VECTOR_SIZE];

/* A file that appears between the catalog's listing and the save is
 * never replaced, and no temporary file is left. */
static void
test_save_style_never_replaces (void)
{
  g_autofree gchar *models = make_dir ("models-save");
  g_autofree gchar *dir = make_dir ("saved-elsewhere");
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  g_autofree gchar *theirs = write_file (dir, "mine.style", "theirs", -1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = ns_catalog_save_style (catalog, dir, "mine", NULL, NULL, zero_vector, &error);
  g_autofree gchar *contents = NULL;
  g_autoptr (GDir) d = NULL;

  g_assert_null (path);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  assert_message (error, "A style named 'mine' already exists");
  g_assert_true (g_file_get_contents (theirs, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "theirs");
  d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "mine.style");
  g_assert_null (g_dir_read_name (d));
}

/* Saving refuses ids that read as file names and ids that are another's
 * but for case; a vector far outside real ones is not saved. */
static void
test_save_style_ids (void)
{
  static const struct
  {
    const gchar *id;
    const gchar *message;
  } refused[] = {
    { "chelsea.png", "'chelsea.png' cannot be a style id: it looks like a file name (it ends in '.png')" },
    { "photo.JPEG", "it looks like a file name (it ends in '.JPEG')" },
    { "net.onnx", "it looks like a file name" },
    { "old.t7", "it looks like a file name" },
    { "x.style", "it looks like a file name" },
    { "FIRST", "A style named 'first' already exists, and 'FIRST' differs from it only in case" },
    { "Kept", "A style named 'kept' already exists, and 'Kept' differs from it only in case" },
  };
  g_autofree gchar *models = make_dir ("models-ids");
  g_autofree gchar *dir = make_dir ("saved-ids");
  g_autoptr (NsCatalog) catalog = open_catalog (models);
  gfloat huge[NS_STYLE_VECTOR_SIZE];
  g_autoptr (GError) error = NULL;
  g_autofree gchar *kept = ns_catalog_save_style (catalog, dir, "kept", NULL, NULL, zero_vector, &error);
  g_autofree gchar *v1 = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_null (ns_catalog_save_style (catalog, dir, refused[i].id, NULL, NULL, zero_vector, &error));
      g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
      assert_message (error, refused[i].message);
      g_clear_error (&error);
    }
  v1 = ns_catalog_save_style (catalog, dir, "v1.2", NULL, NULL, zero_vector, &error);
  g_assert_no_error (error);

  for (guint k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
    huge[k] = k == 3 ? 1e38f : 0.0f;
  g_assert_null (ns_catalog_save_style (catalog, dir, "huge", NULL, NULL, huge, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  assert_message (error, "Style vector number 4 is 1e+38, far outside the range of real style "
                         "vectors (-20 to 20)");
}

/* Saved styles that are a FIFO, or whose vector is far outside real ones:
 * listed without a vector (the FIFO never opened for reading), and
 * using them says why. */
static void
test_hostile_saved_styles (void)
{
  g_autofree gchar *models = make_dir ("models-hostile");
  g_autofree gchar *fifo = g_build_filename (models, "pipe.style", NULL);
  g_autoptr (GString) text = g_string_new ("[Neural Style]\nvector=");
  g_autofree gchar *huge = NULL;
  g_autoptr (NsCatalog) catalog = NULL;
  const gchar *ids[] = { "pipe", "huge" };
  const gchar *why[] = { "it is not a regular file", "its style vector holds 1e+38, far outside" };

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  for (guint k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
    g_string_append (text, k ? ";1e38" : "1e38");
  huge = write_file (models, "huge.style", text->str, -1);
  catalog = open_catalog (models);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const NsStyle *style = ns_catalog_lookup (catalog, ids[i]);
      g_autoptr (GError) error = NULL;

      g_assert_nonnull (style);
      g_assert_null (style->vector);
      g_assert_null (ns_engine_new_for_style (style, &error));
      g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT);
      assert_message (error, "is corrupt");
      assert_message (error, why[i]);
    }
}

/* A copy stands on its own: the catalog can go, and the copy still loads,
 * with the same checks (here: the catalog's size). */
static void
test_style_copy (void)
{
  g_autofree gchar *models = make_dir ("models-copy");
  g_autofree gchar *path = write_wave_prefix (models, "small.onnx", WAVE_SIZE);
  g_autofree gchar *ini = write_file (models, "catalog.ini",
                                      "[small]\ntitle=Small\nartist=Someone\nfile=small.onnx\n"
                                      "format=onnx\nconvention=rgb255\nsize=2000000\n", -1);
  const gchar *search_path[] = { models, NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog *catalog = ns_catalog_new (ini, search_path, &error);
  g_autoptr (NsStyle) copy = NULL;
  g_autofree gchar *description = NULL;

  g_assert_no_error (error);
  copy = ns_style_copy (ns_catalog_lookup (catalog, "small"));
  ns_catalog_free (catalog);

  description = ns_style_describe (copy);
  g_assert_cmpstr (description, ==, "Small (Someone)");
  g_assert_cmpstr (copy->path, ==, path);
  g_assert_cmpint (copy->size, ==, 2000000);
  g_assert_null (ns_engine_new_for_style (copy, &error));
  assert_message (error, "has the wrong size");
}

/* Two styles mixed: the blend of their vectors (computed here, in double),
 * its name, and the styles that cannot be mixed. */
static NsStyle *
vector_style (const gchar *id,
              const gchar *title,
              gfloat       offset)
{
  NsStyle *style = g_new0 (NsStyle, 1);

  style->id = g_strdup (id);
  style->title = g_strdup (title);
  style->kind = NS_STYLE_KIND_VECTOR;
  style->vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  for (guint i = 0; i < NS_STYLE_VECTOR_SIZE; i++)
    style->vector[i] = offset + 0.01f * (gfloat) i;
  return style;
}

static void
test_mix (void)
{
  g_autoptr (NsStyle) first = vector_style ("a", "First", 1.0f);
  g_autoptr (NsStyle) second = vector_style ("b", "Second", -3.0f);
  g_autoptr (NsStyle) network = vector_style ("net", "Net", 0.0f);
  g_autoptr (NsStyle) picture = vector_style ("/no/magenta.png", "magenta.png", 0.0f);
  g_autoptr (NsStyle) mixed = NULL;
  g_autoptr (GError) error = NULL;
  gfloat vector[NS_STYLE_VECTOR_SIZE];
  const gdouble bad[] = { -0.01, 1.01, NAN, INFINITY };

  mixed = ns_style_mix (first, second, 0.25, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mixed->id, ==, "a+b");
  g_assert_cmpstr (mixed->title, ==, "First 75 % + Second 25 %");
  g_assert_cmpstr (mixed->format, ==, NS_STYLE_MIX_FORMAT);
  g_assert_cmpint (mixed->kind, ==, NS_STYLE_KIND_VECTOR);
  for (guint i = 0; i < NS_STYLE_VECTOR_SIZE; i++)
    g_assert_cmpfloat_with_epsilon (mixed->vector[i],
                                    0.75 * first->vector[i] + 0.25 * second->vector[i], 1e-6);
  g_assert_true (ns_style_get_vector (mixed, vector, &error));
  g_assert_cmpmem (vector, sizeof vector, mixed->vector, sizeof vector);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (ns_style_mix (first, second, bad[i], &error));
      assert_message (error, "The mix must be between 0 and 1");
      g_clear_error (&error);
    }

  network->kind = NS_STYLE_KIND_NETWORK;
  g_clear_pointer (&network->vector, g_free);
  g_assert_null (ns_style_mix (first, network, 0.5, &error));
  assert_message (error, "Style 'net' is a trained network: it has no style vector to mix");
  g_clear_error (&error);
  g_assert_false (ns_style_get_vector (network, vector, &error));
  assert_message (error, "is a trained network");
  g_clear_error (&error);

  /* A picture without Magenta's networks says which to install. */
  picture->kind = NS_STYLE_KIND_PICTURE;
  g_clear_pointer (&picture->vector, g_free);
  g_assert_null (ns_style_mix (picture, second, 0.5, &error));
  assert_message (error, "needs Magenta's style networks");
}

/* Images and options */

static NsEngine *
wave_engine (void)
{
  g_autofree gchar *path = shared_model ("wave.onnx");
  g_autoptr (GError) error = NULL;
  NsEngine *engine = ns_engine_new (path, NS_CONVENTION_AUTO, &error);

  g_assert_no_error (error);
  return engine;
}

static void
test_empty_image (void)
{
  g_autoptr (NsEngine) engine = wave_engine ();
  g_autoptr (GError) error = NULL;
  NsOptions options;
  gfloat src[4] = { 0.5f, 0.5f, 0.5f, 1.0f };
  gfloat dest[4] = { -1, -1, -1, -1 };

  ns_options_init (&options);
  g_assert_false (ns_engine_stylize_pixels (engine, &options, src, dest, 0, 0,
                                            NULL, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  assert_message (error, "empty (0 x 0 pixels)");
  g_assert_cmpfloat (dest[0], ==, -1);
}

typedef struct
{
  const gchar *name;
  gdouble      strength;
  gdouble      scale;
  gint         threads;
  const gchar *message;
} BadOptions;

static const BadOptions bad_options[] = {
  { "strength-above-1", 1.5, 1.0, 0, "Strength 1.5" },
  { "strength-negative", -0.1, 1.0, 0, "Strength -0.1" },
  { "strength-nan", NAN, 1.0, 0, "Strength" },
  { "scale-too-small", 1.0, 0.1, 0, "scale 0.1" },
  { "scale-too-large", 1.0, 5.0, 0, "scale 5" },
  { "threads-negative", 1.0, 1.0, -2, "Thread count -2" },
};

static void
test_bad_options (gconstpointer data)
{
  const BadOptions *bad = data;
  g_autoptr (GError) error = NULL;
  NsOptions options;

  ns_options_init (&options);
  g_assert_true (ns_options_validate (&options, NULL));
  options.strength = bad->strength;
  options.scale = bad->scale;
  options.threads = bad->threads;
  g_assert_false (ns_options_validate (&options, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  assert_message (error, bad->message);
}

/* Image I/O that fails */

/* An image whose NsImageIO fails its @fail_read-th read or @fail_write-th
 * write (counting from 1; 0: never), and counts the calls made after. */
typedef struct
{
  gint     fail_read;
  gint     fail_write;
  gint     reads;
  gint     writes;
  gboolean failed;
  gint     calls_after_failure;
} FailingIO;

#define FAILED_READ_MESSAGE "test: the disk went away"
#define FAILED_WRITE_MESSAGE "test: the disk is full"

static gboolean
failing_read (gpointer      data,
              const NsRect *rect,
              gfloat       *rgba,
              GError      **error)
{
  FailingIO *io = data;

  io->calls_after_failure += io->failed;
  if (++io->reads == io->fail_read)
    {
      io->failed = TRUE;
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_IO, FAILED_READ_MESSAGE);
      return FALSE;
    }
  /* a diagonal gradient, opaque */
  for (gint y = 0; y < rect->height; y++)
    for (gint x = 0; x < rect->width; x++)
      {
        gfloat *p = rgba + ((gsize) y * rect->width + x) * 4;
        p[0] = p[1] = p[2] = ((rect->x + x + rect->y + y) % 256) / 255.0f;
        p[3] = 1.0f;
      }
  return TRUE;
}

static gboolean
failing_write (gpointer      data,
               const NsRect *rect,
               const gfloat *rgba,
               GError      **error)
{
  FailingIO *io = data;

  (void) rect;
  (void) rgba;
  io->calls_after_failure += io->failed;
  if (++io->writes == io->fail_write)
    {
      io->failed = TRUE;
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, FAILED_WRITE_MESSAGE);
      return FALSE;
    }
  return TRUE;
}

/* Stylizes a @width x @height image through @io, in the smallest tiles. */
static gboolean
stylize_io (FailingIO  *io,
            gint        width,
            gint        height,
            GError    **error)
{
  g_autoptr (NsEngine) engine = wave_engine ();
  const NsImageIO image = { width, height, failing_read, failing_write, io };
  NsOptions options;

  ns_options_init (&options);
  options.memory_budget = 1;
  return ns_engine_stylize (engine, &options, &image, NULL, NULL, error);
}

/* 300 x 300 pixels go in two tiles at the smallest budget. */
#define TILED_SIDE 300

static void
test_read_fails_first (void)
{
  FailingIO io = { .fail_read = 1 };
  g_autoptr (GError) error = NULL;

  g_assert_false (stylize_io (&io, TILED_SIDE, TILED_SIDE, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, FAILED_READ_MESSAGE);
  g_assert_cmpint (io.writes, ==, 0);
  g_assert_cmpint (io.calls_after_failure, ==, 0);
}

/* The last read of a tiled image fails: the tiles before it are written,
 * nothing after. */
static void
test_read_fails_last (void)
{
  FailingIO counted = { 0 };
  FailingIO io = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (stylize_io (&counted, TILED_SIDE, TILED_SIDE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counted.writes, ==, 2);

  io.fail_read = counted.reads;
  g_assert_false (stylize_io (&io, TILED_SIDE, TILED_SIDE, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, FAILED_READ_MESSAGE);
  g_test_message ("%d reads, %d writes before the last read failed", io.reads, io.writes);
  g_assert_cmpint (io.writes, >, 0);
  g_assert_cmpint (io.writes, <, counted.writes);
  g_assert_cmpint (io.calls_after_failure, ==, 0);
}

/* The first tile's write fails: the second tile is not even read. */
static void
test_write_fails (void)
{
  FailingIO io = { .fail_write = 1 };
  g_autoptr (GError) error = NULL;

  g_assert_false (stylize_io (&io, TILED_SIDE, TILED_SIDE, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, FAILED_WRITE_MESSAGE);
  g_assert_cmpint (io.writes, ==, 1);
  g_assert_cmpint (io.calls_after_failure, ==, 0);
}

/* Refused from its size alone, before the first read. */
static void
test_too_large (void)
{
  FailingIO io = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (stylize_io (&io, 40000, 30000, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  assert_message (error, "is too large: 40000 x 30000 pixels at stroke scale 1 means "
                         "1200 megapixels for the network (at most 1000)");
  g_assert_cmpint (io.reads, ==, 0);
  g_assert_cmpint (io.writes, ==, 0);
}

/* ns_engine_stylize itself refuses them too, and leaves dest alone. */
static void
test_bad_options_stylize (void)
{
  g_autoptr (NsEngine) engine = wave_engine ();
  g_autoptr (GError) error = NULL;
  gfloat src[4] = { 0.2f, 0.4f, 0.6f, 1.0f };
  gfloat dest[4] = { -1, -1, -1, -1 };
  NsOptions options;

  ns_options_init (&options);
  options.scale = 9.0;
  g_assert_false (ns_engine_stylize_pixels (engine, &options, src, dest, 1, 1, NULL, NULL, &error));
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
  g_assert_cmpfloat (dest[0], ==, -1);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  gint status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("ns-test-errors-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/errors/model/missing", test_missing_file);
  g_test_add_func ("/errors/model/truncated-onnx", test_truncated_onnx);
  g_test_add_func ("/errors/model/random-bytes-onnx", test_random_bytes_onnx);
  g_test_add_func ("/errors/model/garbage-t7", test_garbage_t7);
  g_test_add_func ("/errors/model/empty", test_empty_file);
  g_test_add_func ("/errors/model/unknown-extension", test_unknown_extension);
  g_test_add_func ("/errors/model/directory", test_directory);
  g_test_add_func ("/errors/model/t7-without-network", test_t7_without_network);
  g_test_add_func ("/errors/model/classifier", test_classifier);
  g_test_add_func ("/errors/model/one-channel", test_one_channel);
  g_test_add_func ("/errors/model/four-channels", test_four_channels);
  g_test_add_func ("/errors/catalog/unknown-style", test_unknown_style);
  g_test_add_func ("/errors/catalog/not-installed", test_not_installed);
  g_test_add_func ("/errors/catalog/nothing-installed", test_nothing_installed);
  g_test_add_func ("/errors/catalog/truncated", test_truncated_against_catalog);
  g_test_add_func ("/errors/catalog/larger", test_larger_than_catalog);
  g_test_add_func ("/errors/catalog/installed-loads", test_installed_style_loads);
  g_test_add_func ("/errors/catalog/style-copy", test_style_copy);
  g_test_add_func ("/errors/catalog/dropped-in-file", test_dropped_in_file);
  g_test_add_func ("/errors/catalog/search-path-order", test_search_path_order);
  g_test_add_func ("/errors/catalog/file-name-with-path", test_file_name_with_path);
  g_test_add_func ("/errors/catalog/own-file-for-catalog-id", test_own_file_for_catalog_id);
  g_test_add_func ("/errors/catalog/save-style-never-replaces", test_save_style_never_replaces);
  g_test_add_func ("/errors/catalog/save-style-ids", test_save_style_ids);
  g_test_add_func ("/errors/catalog/hostile-saved-styles", test_hostile_saved_styles);
  g_test_add_func ("/errors/catalog/mix", test_mix);
  g_test_add_func ("/errors/image/empty", test_empty_image);
  g_test_add_func ("/errors/image/too-large", test_too_large);
  g_test_add_func ("/errors/io/read-fails-first", test_read_fails_first);
  g_test_add_func ("/errors/io/read-fails-last", test_read_fails_last);
  g_test_add_func ("/errors/io/write-fails", test_write_fails);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_options); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/errors/options/%s", bad_options[i].name);
      g_test_add_data_func (path, &bad_options[i], test_bad_options);
    }
  g_test_add_func ("/errors/options/stylize-refuses", test_bad_options_stylize);

  status = g_test_run ();
  remove_tree (tmp_dir);
  return status;
}
