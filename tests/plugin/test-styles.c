/* test-styles.c: picture and layer styles as the plug-ins make them
 * (plugin/common/ns-styles), on Magenta's real networks: a layer's pixels
 * give the same style vector as the same pixels in a file, "Save as
 * Style" keeps it under an id that is then an ordinary style, and ids
 * already taken are refused.
 *
 * The catalog is the source tree's ($NEURAL_STYLE_CATALOG); the model path
 * is ../shared/models, its magenta folder, and a temporary user folder
 * (XDG_DATA_HOME), where saved styles go.
 */
#include <gegl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-util.h"

#include "ns-styles.h"

static gchar *tmp_dir;
static gchar *shared_dir;

static gchar *
style_picture (const gchar *name)
{
  return g_build_filename (shared_dir, "test-images", "styles", name, NULL);
}

static NsCatalog *
open_catalog (void)
{
  g_autofree gchar  *models = g_build_filename (shared_dir, "models", NULL);
  g_autofree gchar  *magenta = g_build_filename (shared_dir, "models", "magenta", NULL);
  g_autofree gchar  *user = ns_catalog_user_model_dir ();
  const gchar       *path[] = { models, magenta, user, NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog         *catalog = ns_catalog_new (NULL, path, &error);

  g_assert_no_error (error);
  return catalog;
}

/* @file's pixels as a layer would hold them: an 8-bit RGB GeglBuffer at
 * an offset, as GIMP's layers may be.  (transfer full) */
static GeglBuffer *
buffer_from_file (const gchar *file,
                  gint         x,
                  gint         y)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (file, NULL);
  GeglRectangle         extent;
  GeglBuffer           *buffer;

  g_assert_nonnull (pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 3);
  extent = (GeglRectangle) { x, y, gdk_pixbuf_get_width (pixbuf),
                             gdk_pixbuf_get_height (pixbuf) };
  buffer = gegl_buffer_new (&extent, babl_format ("R'G'B' u8"));
  gegl_buffer_set (buffer, &extent, 0, babl_format ("R'G'B' u8"),
                   gdk_pixbuf_read_pixels (pixbuf), gdk_pixbuf_get_rowstride (pixbuf));
  return buffer;
}

/* The vector the engine predicts from @file, independently of the
 * plug-in's code.  (transfer full) */
static gfloat *
predict_file (NsCatalog   *catalog,
              const gchar *file)
{
  g_autoptr (GError)  error = NULL;
  g_autoptr (NsStyle) style = ns_catalog_resolve (catalog, "starry-night", &error);
  g_autoptr (NsEngine) engine = NULL;
  gfloat              *vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);

  g_assert_no_error (error);
  engine = ns_engine_new_arbitrary (style->path, style->prediction_path, &error);
  g_assert_no_error (error);
  g_assert_true (ns_engine_predict_style_file (engine, file, vector, &error));
  g_assert_no_error (error);
  return vector;
}

static gdouble
max_difference (const gfloat *a,
                const gfloat *b)
{
  gdouble worst = 0.0;

  for (gint i = 0; i < NS_STYLE_VECTOR_SIZE; i++)
    worst = MAX (worst, fabs ((gdouble) a[i] - b[i]));
  return worst;
}

static void
test_layer_style (void)
{
  g_autoptr (NsCatalog)  catalog = open_catalog ();
  g_autofree gchar      *jpeg = style_picture ("the_scream.jpg");
  g_autofree gchar      *png = g_build_filename (tmp_dir, "scream.png", NULL);
  g_autoptr (GdkPixbuf)  pixbuf = gdk_pixbuf_new_from_file (jpeg, NULL);
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (NsStyle)    style = NULL;
  g_autoptr (GError)     error = NULL;
  g_autofree gfloat     *reference = NULL;
  GeglRectangle          area;
  NsSettings             settings;

  /* The same pixels as a file, decoded once. */
  g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", NULL, NULL));
  reference = predict_file (catalog, png);

  buffer = buffer_from_file (png, 30, 40);
  area = *gegl_buffer_get_extent (buffer);
  style = ns_styles_from_buffer (catalog, buffer, &area, "Scream layer", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (style->title, ==, "Scream layer");
  g_assert_cmpint (style->kind, ==, NS_STYLE_KIND_VECTOR);
  g_test_message ("layer against file: largest difference %.2g",
                  max_difference (style->vector, reference));
  g_assert_cmpfloat (max_difference (style->vector, reference), <=, 1e-4);

  ns_settings_init (&settings);
  settings.style_amount = 0.25;
  g_assert_true (ns_styles_is_picture (style));
  g_assert_cmpfloat (ns_styles_amount (style, &settings), ==, 0.25);
  /* The amount applies to every style vector, as in neural-style
   * --style-amount: a preset's too; a trained network has none to mix. */
  g_assert_true (ns_styles_takes_amount (style));
  g_assert_true (ns_styles_takes_amount (ns_catalog_lookup (catalog, "starry-night")));
  g_assert_cmpfloat (ns_styles_amount (ns_catalog_lookup (catalog, "starry-night"),
                                       &settings), ==, 0.25);
  g_assert_false (ns_styles_takes_amount (ns_catalog_lookup (catalog, "wave")));
  g_assert_cmpfloat (ns_styles_amount (ns_catalog_lookup (catalog, "wave"), &settings), ==, 1.0);
}

static void
test_save_picture_then_use_by_id (void)
{
  g_autoptr (NsCatalog) catalog = open_catalog ();
  g_autoptr (NsCatalog) reopened = NULL;
  g_autofree gchar     *picture = style_picture ("composition_vii.jpg");
  g_autofree gfloat    *reference = predict_file (catalog, picture);
  g_autoptr (NsStyle)   style = NULL;
  g_autoptr (GError)    error = NULL;
  g_autofree gchar     *saved = NULL;
  g_autofree gchar     *again = NULL;
  g_autofree gchar     *clash = NULL;
  const NsStyle        *found;

  style = ns_styles_get (catalog, picture, &error);
  g_assert_no_error (error);
  g_assert_cmpint (style->kind, ==, NS_STYLE_KIND_PICTURE);
  g_assert_cmpstr (style->title, ==, "composition_vii.jpg");
  g_assert_true (ns_styles_is_picture (style));

  saved = ns_styles_save (catalog, style, "my-kandinsky", "My Kandinsky", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (saved, G_FILE_TEST_IS_REGULAR));

  reopened = open_catalog ();
  found = ns_styles_resolve (reopened, "my-kandinsky", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->title, ==, "My Kandinsky");
  g_assert_cmpint (found->kind, ==, NS_STYLE_KIND_VECTOR);
  g_assert_nonnull (found->vector);
  g_assert_cmpfloat (max_difference (found->vector, reference), <=, 1e-6);
  g_assert_false (ns_styles_is_picture (found));
  g_assert_true (ns_styles_takes_amount (found));

  /* Ids already taken: the one just saved, and an installed network. */
  again = ns_styles_save (reopened, style, "my-kandinsky", NULL, &error);
  g_test_message ("saving again: %s", error ? error->message : "saved");
  g_assert_null (again);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "my-kandinsky"));
  g_clear_error (&error);
  clash = ns_styles_save (reopened, style, "wave", NULL, &error);
  g_test_message ("saving as wave: %s", error ? error->message : "saved");
  g_assert_null (clash);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "wave"));
}

static void
test_save_refuses_a_network (void)
{
  g_autoptr (NsCatalog) catalog = open_catalog ();
  g_autoptr (GError)    error = NULL;
  g_autofree gchar     *saved = ns_styles_save (catalog, ns_catalog_lookup (catalog, "wave"),
                                                "wave-again", NULL, &error);

  g_assert_null (saved);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
}

/* The dialogs' mix: a picture mixed with a preset is the blend of the
 * picture's vector (predicted apart, by the engine) and the preset's; the
 * picture's vector is kept in its style and the preset in the cache, so a
 * mix slider reuses both; no second style is the style itself; a trained
 * network mixes with nothing. */
static void
test_mix (void)
{
  g_autoptr (NsCatalog) catalog = open_catalog ();
  g_autofree gchar     *picture = style_picture ("the_scream.jpg");
  g_autofree gfloat    *scream = predict_file (catalog, picture);
  const NsStyle        *wave = ns_styles_resolve (catalog, "great-wave", NULL);
  g_autoptr (NsStyle)   style = NULL;
  g_autoptr (NsStyle)   second = NULL;
  g_autoptr (NsStyle)   mixed = NULL;
  g_autoptr (NsStyle)   unmixed = NULL;
  g_autoptr (GError)    error = NULL;
  g_autofree gfloat    *expected = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  NsSettings            settings;

  style = ns_styles_get (catalog, picture, &error);
  g_assert_no_error (error);
  g_assert_null (style->vector);
  ns_settings_init (&settings);

  unmixed = ns_styles_mix (catalog, style, &settings, &second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (unmixed->id, ==, style->id);
  g_assert_null (second);

  ns_settings_set_mix_style (&settings, "great-wave");
  settings.mix = 0.4;
  mixed = ns_styles_mix (catalog, style, &settings, &second, &error);
  g_assert_no_error (error);
  g_assert_nonnull (style->vector);
  g_assert_cmpfloat (max_difference (style->vector, scream), <=, 1e-6);
  g_assert_nonnull (second);
  g_assert_cmpstr (second->id, ==, "great-wave");
  for (gint i = 0; i < NS_STYLE_VECTOR_SIZE; i++)
    expected[i] = (gfloat) (0.6 * scream[i] + 0.4 * wave->vector[i]);
  g_assert_cmpfloat (max_difference (mixed->vector, expected), <=, 1e-5);
  g_assert_cmpstr (mixed->title, ==, "the_scream.jpg 60 % + The Great Wave off Kanagawa 40 %");

  /* Again, the picture no longer there: its kept vector is used. */
  g_clear_pointer (&style->path, g_free);
  style->path = g_strdup ("/no/such/picture.jpg");
  settings.mix = 1.0;
  g_clear_pointer (&mixed, ns_style_free);
  mixed = ns_styles_mix (catalog, style, &settings, &second, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (max_difference (mixed->vector, wave->vector), <=, 0.0);

  g_clear_pointer (&mixed, ns_style_free);
  mixed = ns_styles_mix (catalog, (NsStyle *) ns_catalog_lookup (catalog, "wave"), &settings,
                         NULL, &error);
  g_assert_null (mixed);
  g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE);
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *data = NULL;
  gint              status;

  tmp_dir = g_dir_make_tmp ("ns-styles-XXXXXX", NULL);
  data = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  shared_dir = g_strdup (g_getenv ("NS_TEST_SHARED"));

  gegl_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/styles/layer", test_layer_style);
  g_test_add_func ("/styles/save-picture-then-use-by-id", test_save_picture_then_use_by_id);
  g_test_add_func ("/styles/save-refuses-a-network", test_save_refuses_a_network);
  g_test_add_func ("/styles/mix", test_mix);
  status = g_test_run ();

  gegl_exit ();
  if (status == 0)
    test_remove_tree (tmp_dir);
  return status;
}
