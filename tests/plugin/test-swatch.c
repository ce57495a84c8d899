/* test-swatch.c: the style chooser's swatches (plugin/common/ns-swatch),
 * on real models: painted once, cached, reused, remade when the model
 * changes, an error mark for a broken model; the rows' marks.
 *
 * Runs on the host, without GIMP: the swatches are the common code's.
 * Each test works in a fresh folder of models and its own catalog; the
 * cache is $XDG_CACHE_HOME, a temporary folder set before GLib reads it.
 */
#define _GNU_SOURCE /* st_mtim, utimes */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include <sys/time.h>

#include "ns-swatch.h"

static gchar *tmp_dir;
static gchar *shared_dir;

/* Files */

static gchar *
shared_path (const gchar *folder,
             const gchar *name)
{
  return g_build_filename (shared_dir, folder, name, NULL);
}

static void
copy_file (const gchar *from,
           const gchar *to,
           gsize        max_bytes)
{
  g_autofree gchar *data = NULL;
  gsize             size;

  g_assert_true (g_file_get_contents (from, &data, &size, NULL));
  g_assert_true (g_file_set_contents (to, data, MIN (size, max_bytes), NULL));
}

/* A folder of models and a catalog: "mywave" (a copy of wave.onnx, marked
 * non-commercial), "gone" (in the catalog, not installed), and whatever
 * the test drops in.  (transfer full) the folder */
static gchar *
model_dir (const gchar *name)
{
  gchar            *dir = g_build_filename (tmp_dir, name, NULL);
  g_autofree gchar *wave = shared_path ("models", "wave.onnx");
  g_autofree gchar *copy = g_build_filename (dir, "mywave.onnx", NULL);
  g_autofree gchar *catalog = g_build_filename (dir, "catalog.ini", NULL);
  const gchar      *text =
    "[mywave]\ntitle=My Wave\nartist=Someone & Co\nfile=mywave.onnx\nformat=onnx\n"
    "convention=rgb255\nlicense=Research only\nnoncommercial=true\n\n"
    "[gone]\ntitle=Gone Painting\nfile=gone.onnx\nformat=onnx\nconvention=rgb255\n"
    "license=MIT\n";

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  copy_file (wave, copy, G_MAXSIZE);
  g_assert_true (g_file_set_contents (catalog, text, -1, NULL));
  return dir;
}

static NsCatalog *
open_catalog (const gchar *dir)
{
  g_autofree gchar *catalog_file = g_build_filename (dir, "catalog.ini", NULL);
  const gchar      *path[] = { dir, NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog        *catalog = ns_catalog_new (catalog_file, path, &error);

  g_assert_no_error (error);
  return catalog;
}

static NsSwatchSample *
sample_new (void)
{
  g_autofree gchar *photo = shared_path ("test-images", "chelsea.png");
  NsRect            crop = { 100, 50, 300, 200 };

  return ns_swatch_sample_new (photo, &crop);
}

/* Swatches */

static void
count_change (guint    index,
              gpointer user_data)
{
  (void) index;
  (*(gint *) user_data)++;
}

/* Rows for @catalog, every swatch made.  (transfer full) */
static NsSwatches *
swatches_made (NsCatalog            *catalog,
               const NsSwatchSample *sample,
               gint                 *changes)
{
  NsSwatches *swatches = ns_swatches_new (catalog, sample, count_change, changes);
  gint64      end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (! ns_swatches_done (swatches) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_true (ns_swatches_done (swatches));
  return swatches;
}

static const NsSwatchRow *
row_of (NsSwatches  *swatches,
        const gchar *id)
{
  gint index = ns_swatches_find (swatches, id);

  g_assert_cmpint (index, >=, 0);
  return ns_swatches_get_row (swatches, index);
}

/* PSNR in dB of two RGB pixbufs of the same size. */
static gdouble
psnr (GdkPixbuf *a,
      GdkPixbuf *b)
{
  const gint width = gdk_pixbuf_get_width (a), height = gdk_pixbuf_get_height (a);
  gdouble    total = 0.0;

  g_assert_cmpint (width, ==, gdk_pixbuf_get_width (b));
  g_assert_cmpint (height, ==, gdk_pixbuf_get_height (b));
  for (gint y = 0; y < height; y++)
    for (gint x = 0; x < width; x++)
      for (gint c = 0; c < 3; c++)
        {
          const guchar *pa = gdk_pixbuf_read_pixels (a) + y * gdk_pixbuf_get_rowstride (a)
                             + x * gdk_pixbuf_get_n_channels (a);
          const guchar *pb = gdk_pixbuf_read_pixels (b) + y * gdk_pixbuf_get_rowstride (b)
                             + x * gdk_pixbuf_get_n_channels (b);
          const gdouble d = (pa[c] - pb[c]) / 255.0;

          total += d * d;
        }
  return total == 0.0 ? INFINITY : 10.0 * log10 (width * height * 3 / total);
}

/* The reference, made here: the sample's crop scaled to twice the swatch
 * (bilinear, not the swatch's filter), painted by the engine directly,
 * shrunk by averaging 2x2 blocks.  (transfer full) */
static GdkPixbuf *
reference_swatch (const gchar *model)
{
  const gint            w = NS_SWATCH_WIDTH * 2, h = NS_SWATCH_HEIGHT * 2;
  g_autofree gchar     *photo = shared_path ("test-images", "chelsea.png");
  g_autoptr (GdkPixbuf) whole = gdk_pixbuf_new_from_file (photo, NULL);
  g_autoptr (GdkPixbuf) part = gdk_pixbuf_new_subpixbuf (whole, 100, 50, 300, 200);
  g_autoptr (GdkPixbuf) scaled = gdk_pixbuf_scale_simple (part, w, h, GDK_INTERP_BILINEAR);
  g_autoptr (NsEngine)  engine = ns_engine_new (model, NS_CONVENTION_RGB255, NULL);
  g_autofree gfloat    *src = g_new (gfloat, w * h * 4);
  g_autofree gfloat    *dest = g_new (gfloat, w * h * 4);
  GdkPixbuf            *small = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                                                NS_SWATCH_WIDTH, NS_SWATCH_HEIGHT);
  NsOptions             options;
  const gint            channels = gdk_pixbuf_get_n_channels (scaled);

  g_assert_nonnull (engine);
  for (gint i = 0; i < w * h; i++)
    for (gint c = 0; c < 4; c++)
      src[i * 4 + c] = c == 3 ? 1.0f
        : gdk_pixbuf_read_pixels (scaled)[(i / w) * gdk_pixbuf_get_rowstride (scaled)
                                          + (i % w) * channels + c] / 255.0f;
  ns_options_init (&options);
  g_assert_true (ns_engine_stylize_pixels (engine, &options, src, dest, w, h,
                                           NULL, NULL, NULL));
  for (gint y = 0; y < NS_SWATCH_HEIGHT; y++)
    for (gint x = 0; x < NS_SWATCH_WIDTH; x++)
      for (gint c = 0; c < 3; c++)
        {
          gfloat sum = 0.0f;

          for (gint k = 0; k < 4; k++)
            sum += dest[((2 * y + k / 2) * w + 2 * x + k % 2) * 4 + c];
          gdk_pixbuf_get_pixels (small)[y * gdk_pixbuf_get_rowstride (small) + x * 3 + c] =
            (guchar) (CLAMP (sum / 4.0f, 0.0f, 1.0f) * 255.0f + 0.5f);
        }
  return small;
}

/* The cache files of @id, their paths.  (transfer full) */
static GPtrArray *
cache_files (const gchar *id)
{
  g_autofree gchar *dir_name = ns_swatch_cache_dir ();
  g_autoptr (GDir)  dir = g_dir_open (dir_name, 0, NULL);
  g_autofree gchar *prefix = g_strconcat (id, ".", NULL);
  GPtrArray        *files = g_ptr_array_new_with_free_func (g_free);
  const gchar      *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, prefix) && strlen (name) == strlen (prefix) + 20)
      g_ptr_array_add (files, g_build_filename (dir_name, name, NULL));
  return files;
}

static gint64
mtime_usec (const gchar *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* Moves @path's modification time @seconds ahead, as an update would. */
static void
touch_later (const gchar *path,
             gint         seconds)
{
  struct timeval times[2];

  gettimeofday (&times[0], NULL);
  times[0].tv_sec += seconds;
  times[1] = times[0];
  g_assert_cmpint (utimes (path, times), ==, 0);
}

/* The tests */

static void
test_made_once_then_reused (void)
{
  g_autofree gchar              *dir = model_dir ("reuse");
  g_autoptr (NsCatalog)          catalog = open_catalog (dir);
  g_autoptr (NsSwatchSample)     sample = sample_new ();
  g_autofree gchar              *model = g_build_filename (dir, "mywave.onnx", NULL);
  g_autoptr (GdkPixbuf)          reference = reference_swatch (model);
  g_autoptr (GPtrArray)          files = NULL;
  g_autoptr (NsSwatches)         first = NULL;
  g_autoptr (NsSwatches)         second = NULL;
  const NsSwatchRow             *row;
  gint                           changes = 0;
  gint64                         made;
  gdouble                        value;

  first = swatches_made (catalog, sample, &changes);
  row = row_of (first, "mywave");
  g_assert_null (row->error);
  g_assert_cmpint (gdk_pixbuf_get_width (row->swatch), ==, NS_SWATCH_WIDTH);
  g_assert_cmpint (gdk_pixbuf_get_height (row->swatch), ==, NS_SWATCH_HEIGHT);
  g_assert_cmpint (changes, ==, 1);
  value = psnr (row->swatch, reference);
  g_test_message ("swatch against the engine's painting of the same crop: %.1f dB", value);
  g_assert_cmpfloat (value, >=, 28.0);

  files = cache_files ("mywave");
  g_assert_cmpuint (files->len, ==, 1);
  made = mtime_usec (files->pdata[0]);

  second = swatches_made (catalog, sample, &changes);
  g_assert_cmpfloat (psnr (row_of (second, "mywave")->swatch, row->swatch), ==, INFINITY);
  g_assert_cmpint (mtime_usec (files->pdata[0]), ==, made);
  g_assert_cmpuint (cache_files ("mywave")->len, ==, 1);
}

static void
test_remade_when_model_changes (void)
{
  g_autofree gchar          *dir = model_dir ("change");
  g_autoptr (NsCatalog)      catalog = open_catalog (dir);
  g_autoptr (NsSwatchSample) sample = sample_new ();
  g_autofree gchar          *model = g_build_filename (dir, "mywave.onnx", NULL);
  g_autofree gchar          *scream = shared_path ("models", "scream.onnx");
  const NsStyle             *style = ns_catalog_lookup (catalog, "mywave");
  g_autoptr (GdkPixbuf)      wave = NULL;
  g_autoptr (GdkPixbuf)      touched = NULL;
  g_autoptr (GdkPixbuf)      replaced = NULL;
  g_autoptr (GdkPixbuf)      reference = NULL;
  g_autoptr (GPtrArray)      before = NULL;
  g_autoptr (GPtrArray)      after = NULL;
  gboolean                   cached = TRUE;

  wave = ns_swatch_make (style, sample, NULL, &cached, NULL, NULL);
  g_assert_nonnull (wave);
  g_assert_false (cached);
  g_assert_nonnull (ns_swatch_make (style, sample, NULL, &cached, NULL, NULL));
  g_assert_true (cached);
  before = cache_files ("mywave");

  /* The same bytes, a newer file: painted again, the old file gone. */
  touch_later (model, 5);
  touched = ns_swatch_make (style, sample, NULL, &cached, NULL, NULL);
  g_assert_false (cached);
  after = cache_files ("mywave");
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (after->pdata[0], !=, before->pdata[0]);
  g_assert_false (g_file_test (before->pdata[0], G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (psnr (touched, wave), >=, 40.0);

  /* Another network under the same name: its own painting. */
  copy_file (scream, model, G_MAXSIZE);
  touch_later (model, 10);
  replaced = ns_swatch_make (style, sample, NULL, &cached, NULL, NULL);
  g_assert_false (cached);
  reference = reference_swatch (scream);
  g_test_message ("replaced model: %.1f dB against scream, %.1f dB against wave",
                  psnr (replaced, reference), psnr (replaced, wave));
  g_assert_cmpfloat (psnr (replaced, reference), >=, 28.0);
  g_assert_cmpfloat (psnr (replaced, wave), <, 20.0);
}

static void
test_broken_model_error_mark (void)
{
  g_autofree gchar          *dir = model_dir ("broken");
  g_autofree gchar          *wave = shared_path ("models", "wave.onnx");
  g_autofree gchar          *broken = g_build_filename (dir, "broken.onnx", NULL);
  g_autoptr (NsCatalog)      catalog = NULL;
  g_autoptr (NsSwatchSample) sample = sample_new ();
  g_autoptr (NsSwatches)     swatches = NULL;
  g_autoptr (GdkPixbuf)      mark = ns_swatch_error_mark ();
  const NsSwatchRow         *row;
  gint                       changes = 0;

  copy_file (wave, broken, 3000000);
  catalog = open_catalog (dir);
  swatches = swatches_made (catalog, sample, &changes);
  row = row_of (swatches, "broken");
  g_test_message ("broken model: %s", row->error);
  g_assert_nonnull (row->error);
  g_assert_nonnull (strstr (row->error, "broken.onnx"));
  g_assert_nonnull (strstr (row->tooltip, row->error));
  g_assert_cmpfloat (psnr (row->swatch, mark), ==, INFINITY);
  g_assert_cmpuint (cache_files ("broken")->len, ==, 0);
  /* The others are painted all the same. */
  g_assert_null (row_of (swatches, "mywave")->error);
  g_assert_cmpfloat (psnr (row_of (swatches, "mywave")->swatch, mark), <, 20.0);
}

static void
test_rows_marked (void)
{
  g_autofree gchar          *dir = model_dir ("rows");
  g_autoptr (NsCatalog)      catalog = open_catalog (dir);
  g_autoptr (NsSwatchSample) sample = sample_new ();
  g_autoptr (NsSwatches)     swatches = NULL;
  const NsSwatchRow         *mine;
  const NsSwatchRow         *gone;
  gint                       changes = 0;

  swatches = swatches_made (catalog, sample, &changes);
  g_assert_cmpuint (ns_swatches_get_n_rows (swatches), ==, 2);
  mine = ns_swatches_get_row (swatches, 0);
  gone = ns_swatches_get_row (swatches, 1);
  g_test_message ("rows:\n%s\n%s", mine->markup, gone->markup);

  g_assert_cmpstr (mine->id, ==, "mywave");
  g_assert_true (mine->installed && mine->noncommercial);
  g_assert_cmpstr (mine->markup, ==,
                   "<b>My Wave</b>\n<small>Someone &amp; Co · trained network (ONNX) · "
                   "non-commercial use only</small>");
  g_assert_nonnull (strstr (mine->tooltip, "Research only"));

  g_assert_cmpstr (gone->id, ==, "gone");
  g_assert_false (gone->installed || gone->noncommercial);
  g_assert_null (gone->swatch);
  g_assert_nonnull (strstr (gone->markup, "Not installed: Download it, or run neural-style-fetch gone"));
  g_assert_null (strstr (gone->markup, "non-commercial"));
}

/* @row's markup without its licence and without the install command (a
 * style may be installed, its twin not): what tells the style apart. */
static gchar *
reading_without_licence (const NsSwatchRow *row,
                         const NsStyle     *style)
{
  g_autofree gchar *licence = NULL;
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *needle = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *markup = g_strdup (row->markup);
  gchar            *install = strstr (markup, "\n<small><i>");
  const gchar      *at;

  if (install)
    *install = '\0';
  if (style->noncommercial)
    licence = g_strdup ("non-commercial use only");
  else if (style->license)
    licence = g_strndup (style->license, strcspn (style->license, ";"));
  if (! licence)
    return g_steal_pointer (&markup);
  escaped = g_markup_escape_text (licence, -1);
  needle = g_strconcat (" · ", escaped, NULL);
  at = strstr (markup, needle);
  if (! at)
    {
      g_free (needle);
      needle = g_steal_pointer (&escaped);
      at = strstr (markup, needle);
    }
  g_assert_nonnull (at);
  before = g_strndup (markup, at - markup);
  return g_strconcat (before, at + strlen (needle), NULL);
}

/* Styles of the same title (The Great Wave as Magenta's painting style
 * and as a trained network; The Scream three times; La Muse twice in Torch)
 * read otherwise in the list, licence aside. */
static void
test_same_titles_told_apart (void)
{
  g_autoptr (NsCatalog)      catalog = ns_catalog_new (NULL, NULL, NULL);
  g_autoptr (NsSwatchSample) sample = sample_new ();
  gint                       changes = 0;
  g_autoptr (NsSwatches)     swatches = ns_swatches_new (catalog, sample, count_change, &changes);
  const guint                n = ns_swatches_get_n_rows (swatches);
  g_autoptr (GPtrArray)      readings = g_ptr_array_new_with_free_func (g_free);
  guint                      same_titles = 0;

  for (guint i = 0; i < n; i++)
    {
      const NsSwatchRow *row = ns_swatches_get_row (swatches, i);

      g_ptr_array_add (readings,
                       reading_without_licence (row, ns_catalog_lookup (catalog, row->id)));
    }
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        const NsStyle *a = ns_catalog_lookup (catalog, ns_swatches_get_row (swatches, i)->id);
        const NsStyle *b = ns_catalog_lookup (catalog, ns_swatches_get_row (swatches, j)->id);

        if (g_strcmp0 (a->title, b->title) == 0)
          same_titles++;
        if (g_strcmp0 (readings->pdata[i], readings->pdata[j]) == 0)
          g_test_message ("'%s' and '%s' read alike: %s", a->id, b->id,
                          (gchar *) readings->pdata[i]);
        g_assert_cmpstr (readings->pdata[i], !=, readings->pdata[j]);
      }
  g_test_message ("%u pairs of styles share a title", same_titles);
  g_assert_cmpuint (same_titles, >=, 5);
  g_assert_nonnull (strstr (ns_swatches_get_row (swatches, ns_swatches_find (swatches, "great-wave"))->markup,
                            "painting style (Magenta)"));
  g_assert_nonnull (strstr (ns_swatches_get_row (swatches, ns_swatches_find (swatches, "wave"))->markup,
                            "trained network"));
}

/* A vector preset's swatch is painted by Magenta's transfer network, and
 * painted again when that file changes. */
static void
test_vector_style (void)
{
  g_autofree gchar          *dir = g_build_filename (tmp_dir, "magenta", NULL);
  g_autofree gchar          *magenta = shared_path ("models", "magenta");
  g_autoptr (GDir)           files = g_dir_open (magenta, 0, NULL);
  const gchar               *path[] = { dir, NULL };
  g_autoptr (NsCatalog)      catalog = NULL;
  g_autoptr (NsSwatchSample) sample = sample_new ();
  g_autoptr (GdkPixbuf)      first = NULL;
  g_autoptr (GdkPixbuf)      other = NULL;
  g_autoptr (GdkPixbuf)      mark = ns_swatch_error_mark ();
  g_autoptr (GError)         error = NULL;
  const NsStyle             *starry;
  gboolean                   cached = TRUE;
  const gchar               *name;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  while ((name = g_dir_read_name (files)))
    if (g_str_has_suffix (name, ".tflite"))
      {
        g_autofree gchar *from = g_build_filename (magenta, name, NULL);
        g_autofree gchar *to = g_build_filename (dir, name, NULL);

        copy_file (from, to, G_MAXSIZE);
      }
  catalog = ns_catalog_new (NULL, path, &error);
  g_assert_no_error (error);
  starry = ns_catalog_find_installed (catalog, "starry-night", &error);
  g_assert_no_error (error);

  first = ns_swatch_make (starry, sample, NULL, &cached, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (cached);
  g_assert_cmpfloat (psnr (first, mark), <, 20.0);
  other = ns_swatch_make (ns_catalog_find_installed (catalog, "the-scream", NULL), sample,
                          NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("Starry Night against The Scream: %.1f dB", psnr (first, other));
  g_assert_cmpfloat (psnr (first, other), <, 25.0);

  g_clear_object (&other);
  other = ns_swatch_make (starry, sample, NULL, &cached, NULL, NULL);
  g_assert_true (cached);
  touch_later (starry->transfer_path, 5);
  g_clear_object (&other);
  other = ns_swatch_make (starry, sample, NULL, &cached, NULL, NULL);
  g_assert_false (cached);
  g_assert_cmpfloat (psnr (first, other), >=, 40.0);
}

/* Closing the chooser while swatches are painted: no call afterwards, no
 * crash, nothing half-written in the cache. */
static void
test_freed_while_painting (void)
{
  g_autofree gchar          *dir = model_dir ("freed");
  g_autoptr (NsCatalog)      catalog = open_catalog (dir);
  g_autoptr (NsSwatchSample) sample = sample_new ();
  gint                       changes = 0;
  NsSwatches                *swatches = ns_swatches_new (catalog, sample, count_change,
                                                         &changes);
  gint64                     end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  g_autoptr (GPtrArray)      files = NULL;

  ns_swatches_free (swatches);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_cmpint (changes, ==, 0);
  files = cache_files ("mywave");
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr (GdkPixbuf) cached = gdk_pixbuf_new_from_file (files->pdata[i], NULL);

      g_assert_nonnull (cached);
    }
}

static void
test_sample_override (void)
{
  NsRect                     crop = { 1, 2, 30, 20 };
  g_autoptr (NsSwatchSample) plain = NULL;
  g_autoptr (NsSwatchSample) overridden = NULL;

  g_unsetenv ("NEURAL_STYLE_SWATCH_SAMPLE");
  plain = ns_swatch_sample_new ("/gimp/splash.png", &crop);
  g_assert_cmpstr (plain->path, ==, "/gimp/splash.png");
  g_assert_cmpint (plain->crop.width, ==, 30);

  g_setenv ("NEURAL_STYLE_SWATCH_SAMPLE", "/elsewhere/photo.jpg", TRUE);
  overridden = ns_swatch_sample_new ("/gimp/splash.png", &crop);
  g_unsetenv ("NEURAL_STYLE_SWATCH_SAMPLE");
  g_assert_cmpstr (overridden->path, ==, "/elsewhere/photo.jpg");
  g_assert_cmpint (overridden->crop.width, ==, 0);
}

/* The swatches' sample shows no text on GIMP 3.0's and GIMP 3.2's splashes:
 * their wordmarks' boxes, measured on the splashes as Debian 13 and sid
 * ship them (margins included), never meet it, and it lies inside. */
static gboolean
meets (const NsRect *a,
       const NsRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width
         && a->y < b->y + b->height && b->y < a->y + a->height;
}

static void
test_splash_crop_shows_no_text (void)
{
  static const struct
  {
    const gchar *gimp;
    gint         width, height;
    NsRect       text[2];
  } splashes[] = {
    { "3.0", 1920, 1080, { { 40, 280, 1020, 220 }, { 1830, 1020, 85, 55 } } },
    { "3.2", 1591, 1080, { { 820, 50, 720, 190 }, { 0, 0, 0, 0 } } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (splashes); i++)
    {
      const NsRect crop = ns_swatch_splash_crop (splashes[i].width, splashes[i].height);

      g_test_message ("GIMP %s's splash: the sample is %d x %d at (%d, %d)", splashes[i].gimp,
                      crop.width, crop.height, crop.x, crop.y);
      g_assert_cmpint (crop.width, ==, 720);
      g_assert_cmpint (crop.height, ==, 480);
      g_assert_cmpint (crop.x, >=, 0);
      g_assert_cmpint (crop.y, >=, 0);
      g_assert_cmpint (crop.x + crop.width, <=, splashes[i].width);
      g_assert_cmpint (crop.y + crop.height, <=, splashes[i].height);
      for (guint k = 0; k < 2; k++)
        g_assert_false (meets (&crop, &splashes[i].text[k]));
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *cache = NULL;
  gint              status;

  tmp_dir = g_dir_make_tmp ("ns-swatch-XXXXXX", NULL);
  cache = g_build_filename (tmp_dir, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  shared_dir = g_strdup (g_getenv ("NS_TEST_SHARED"));
  g_unsetenv ("NEURAL_STYLE_SWATCH_SAMPLE");

  g_test_init (&argc, &argv, NULL);
  /* First: it sets the environment, before any thread runs. */
  g_test_add_func ("/swatch/sample-override", test_sample_override);
  g_test_add_func ("/swatch/splash-crop-shows-no-text", test_splash_crop_shows_no_text);
  g_test_add_func ("/swatch/made-once-then-reused", test_made_once_then_reused);
  g_test_add_func ("/swatch/remade-when-model-changes", test_remade_when_model_changes);
  g_test_add_func ("/swatch/broken-model-error-mark", test_broken_model_error_mark);
  g_test_add_func ("/swatch/rows-marked", test_rows_marked);
  g_test_add_func ("/swatch/same-titles-told-apart", test_same_titles_told_apart);
  g_test_add_func ("/swatch/vector-style", test_vector_style);
  g_test_add_func ("/swatch/freed-while-painting", test_freed_while_painting);
  status = g_test_run ();

  if (status == 0)
    test_remove_tree (tmp_dir);
  return status;
}
