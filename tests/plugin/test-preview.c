/* test-preview.c: the dialog's preview (plugin/common/ns-preview) shows
 * what the filter paints there.  On a layer much larger than the preview's
 * crop, the preview's pixels are compared with the same crop of the layer
 * the filter paints (ns_buffer_paint_new_layer, as both plug-ins call it),
 * for a trained network and a Magenta style: at least 30 dB once the
 * preview is done.  The quick first preview (the crop painted on its own)
 * is shown meanwhile; its distance is printed for the record.
 *
 * The catalog is the source tree's ($NEURAL_STYLE_CATALOG); the model path
 * ../shared/models and its magenta folder.
 */
#include <gegl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "ns-buffer.h"
#include "ns-preview.h"
#include "ns-settings.h"

static gchar *shared_dir;

typedef struct
{
  gint     changes;
  gboolean measuring_seen; /* the quick preview shown, the exact one coming */
  guchar  *quick;          /* its pixels */
} Watch;

static void
on_changed (gpointer user_data)
{
  Watch *watch = user_data;

  watch->changes++;
}

/* A shared photo scaled to @width x @height, as an 8-bit RGB layer at an
 * offset.  (transfer full) */
static GeglBuffer *
layer_from_photo (const gchar *name,
                  gint         width,
                  gint         height)
{
  g_autofree gchar     *file = g_build_filename (shared_dir, "test-images", name, NULL);
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file_at_scale (file, width, height,
                                                                    FALSE, NULL);
  const GeglRectangle   extent = { 10, 20, width, height };
  GeglBuffer           *buffer;

  g_assert_nonnull (pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 3);
  buffer = gegl_buffer_new (&extent, babl_format ("R'G'B' u8"));
  gegl_buffer_set (buffer, &extent, 0, babl_format ("R'G'B' u8"),
                   gdk_pixbuf_read_pixels (pixbuf), gdk_pixbuf_get_rowstride (pixbuf));
  return buffer;
}

static const NsStyle *
find_style (NsCatalog   *catalog,
            const gchar *id)
{
  g_autoptr (GError) error = NULL;
  const NsStyle     *style = ns_catalog_find_installed (catalog, id, &error);

  g_assert_no_error (error);
  return style;
}

static gdouble
psnr (const guchar *a,
      const guchar *b,
      gsize         n)
{
  gdouble sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += ((gdouble) a[i] - b[i]) * ((gdouble) a[i] - b[i]);
  return sum == 0 ? 999.0 : 10 * log10 (255.0 * 255.0 / (sum / n));
}

static gboolean
on_timeout (gpointer user_data)
{
  (void) user_data;
  g_error ("the preview was not done within its time");
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the preview is done (no status left). */
static void
wait_for_preview (NsPreview *preview,
                  Watch     *watch)
{
  const guint timeout = g_timeout_add_seconds (240, on_timeout, NULL);
  const gsize n = (gsize) ns_preview_get_width (preview) * ns_preview_get_height (preview) * 3;

  while (ns_preview_get_status (preview))
    {
      const gint before = watch->changes;

      g_main_context_iteration (NULL, TRUE);
      if (watch->changes != before && ! watch->quick && ns_preview_get_status (preview)
          && g_str_has_prefix (ns_preview_get_status (preview), "Measuring"))
        {
          watch->measuring_seen = TRUE;
          watch->quick = g_memdup2 (ns_preview_get_pixels (preview), n);
        }
    }
  g_source_remove (timeout);
}

static void
check_preview (const gchar *style_id,
               gint         width,
               gint         height)
{
  g_autofree gchar    *models = g_build_filename (shared_dir, "models", NULL);
  g_autofree gchar    *magenta = g_build_filename (shared_dir, "models", "magenta", NULL);
  const gchar         *path[] = { models, magenta, NULL };
  g_autoptr (GError)   error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (NULL, path, &error);
  g_autoptr (GeglBuffer) layer = layer_from_photo ("rocket.jpg", width, height);
  const GeglRectangle *area = gegl_buffer_get_extent (layer);
  g_autoptr (GeglBuffer) painted = gegl_buffer_new (area, babl_format ("R'G'B'A float"));
  g_autoptr (NsEngine) engine = NULL;
  const NsStyle       *style;
  NsSettings           settings;
  NsPreview           *preview;
  Watch                watch = { 0, FALSE, NULL };
  GeglRectangle        crop;
  g_autofree guchar   *expected = NULL;
  gsize                n;
  gdouble              db, quick_db;

  g_assert_no_error (error);
  style = find_style (catalog, style_id);
  ns_settings_init (&settings);
  ns_settings_set_style (&settings, style_id);

  preview = ns_preview_new (layer, area, on_changed, &watch);
  ns_preview_update (preview, style, &settings);
  wait_for_preview (preview, &watch);

  /* What the filter paints, and the preview's crop of it. */
  engine = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  g_assert_true (ns_buffer_paint_new_layer (engine, &settings, layer, painted, area,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  crop = (GeglRectangle) { area->x + (area->width - ns_preview_get_width (preview)) / 2,
                           area->y + (area->height - ns_preview_get_height (preview)) / 2,
                           ns_preview_get_width (preview), ns_preview_get_height (preview) };
  n = (gsize) crop.width * crop.height * 3;
  expected = g_malloc (n);
  gegl_buffer_get (painted, &crop, 1.0, babl_format ("R'G'B' u8"), expected,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);

  db = psnr (ns_preview_get_pixels (preview), expected, n);
  quick_db = watch.quick ? psnr (watch.quick, expected, n) : 0;
  g_test_message ("%s on a %d x %d layer: preview %.1f dB from the painted layer's crop "
                  "(the quick first preview: %.1f dB)", style_id, width, height, db, quick_db);
  g_assert_true (watch.measuring_seen);
  g_assert_cmpfloat (db, >=, 30.0);

  g_free (watch.quick);
  ns_preview_free (preview);
}

static void
test_network (void)
{
  check_preview ("wave", 1200, 800);
}

/* Large enough that the filter paints it in tiles, with whole-image
 * statistics. */
static void
test_magenta (void)
{
  check_preview ("starry-night", 2400, 1600);
}

int
main (int    argc,
      char **argv)
{
  gint status;

  shared_dir = g_strdup (g_getenv ("NS_TEST_SHARED"));
  gegl_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preview/network", test_network);
  g_test_add_func ("/preview/magenta", test_magenta);
  status = g_test_run ();
  gegl_exit ();
  return status;
}
