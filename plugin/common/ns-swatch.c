/* ns-swatch.c: see ns-swatch.h. */
#include "ns-i18n.h"
#include "ns-deliver.h"
#include "ns-styles.h"
#include "ns-swatch.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

/* Swatches are painted at twice their size and shrunk: strokes at the
 * swatch's own size are too coarse to tell styles apart. */
#define PAINT_FACTOR 2

/* Bump when what a swatch looks like changes: old files are not reused. */
#define CACHE_VERSION "1"

#define FETCH_COMMAND "neural-style-fetch"

/* The sample */

NsSwatchSample *
ns_swatch_sample_new (const gchar  *path,
                      const NsRect *crop)
{
  const gchar    *override = g_getenv ("NEURAL_STYLE_SWATCH_SAMPLE");
  NsSwatchSample *sample = g_new0 (NsSwatchSample, 1);

  if (override && *override)
    sample->path = g_strdup (override);
  else
    {
      sample->path = g_strdup (path);
      if (crop)
        sample->crop = *crop;
    }
  return sample;
}

void
ns_swatch_sample_free (NsSwatchSample *sample)
{
  if (! sample)
    return;

  g_free (sample->path);
  g_free (sample);
}

NsRect
ns_swatch_splash_crop (gint width,
                       gint height)
{
  const NsRect gimp_3_0 = { 1120, 280, 720, 480 };
  NsRect       crop = { 0, 0, MIN (width, 720), MIN (height, 480) };

  if (width == 1920 && height == 1080)
    return gimp_3_0;
  crop.x = CLAMP (width * 35 / 100, 0, width - crop.width);
  crop.y = CLAMP (height * 45 / 100, 0, height - crop.height);
  return crop;
}

/* The sample's crop at the painting size, as the engine's RGBA floats.
 * (transfer full) */
static gfloat *
sample_read (const NsSwatchSample  *sample,
             GError               **error)
{
  const gint              width = NS_SWATCH_WIDTH * PAINT_FACTOR;
  const gint              height = NS_SWATCH_HEIGHT * PAINT_FACTOR;
  g_autoptr (GdkPixbuf)   whole = NULL;
  g_autoptr (GdkPixbuf)   part = NULL;
  g_autoptr (GdkPixbuf)   scaled = NULL;
  NsRect                  crop = sample->crop;
  gfloat                 *rgba;

  whole = gdk_pixbuf_new_from_file (sample->path, error);
  if (! whole)
    return NULL;

  if (crop.width <= 0 || crop.height <= 0
      || crop.x < 0 || crop.y < 0
      || crop.x + crop.width > gdk_pixbuf_get_width (whole)
      || crop.y + crop.height > gdk_pixbuf_get_height (whole))
    {
      const gint w = gdk_pixbuf_get_width (whole);
      const gint h = gdk_pixbuf_get_height (whole);

      /* The middle, in the swatch's proportions. */
      crop.width = MIN (w, h * NS_SWATCH_WIDTH / NS_SWATCH_HEIGHT);
      crop.height = MIN (h, w * NS_SWATCH_HEIGHT / NS_SWATCH_WIDTH);
      crop.x = (w - MAX (crop.width, 1)) / 2;
      crop.y = (h - MAX (crop.height, 1)) / 2;
      crop.width = MAX (crop.width, 1);
      crop.height = MAX (crop.height, 1);
    }

  part = gdk_pixbuf_new_subpixbuf (whole, crop.x, crop.y, crop.width, crop.height);
  scaled = gdk_pixbuf_scale_simple (part, width, height, GDK_INTERP_HYPER);
  if (! scaled)
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NO_MEMORY,
                           _("Out of memory"));
      return NULL;
    }

  rgba = g_new (gfloat, (gsize) width * height * 4);
  for (gint y = 0; y < height; y++)
    {
      const guchar *row = gdk_pixbuf_read_pixels (scaled)
                          + (gsize) y * gdk_pixbuf_get_rowstride (scaled);
      const gint    channels = gdk_pixbuf_get_n_channels (scaled);

      for (gint x = 0; x < width; x++)
        for (gint c = 0; c < 4; c++)
          rgba[((gsize) y * width + x) * 4 + c] =
            c < 3 || channels == 4 ? row[x * channels + c] / 255.0f : 1.0f;
    }
  return rgba;
}

/* The cache */

gchar *
ns_swatch_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "neural-style", "swatches", NULL);
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* @path's size and modification time; for a folder (an ml5 style), its
 * files' too. */
static void
fingerprint_file (GChecksum   *sum,
                  const gchar *path)
{
  g_autoptr (GFile)     file = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autofree gchar     *stamp = NULL;

  if (! path)
    return;

  file = g_file_new_for_path (path);
  info = g_file_query_info (file, "standard::size,standard::type,time::modified,"
                            "time::modified-usec", G_FILE_QUERY_INFO_NONE, NULL, NULL);
  stamp = g_strdup_printf ("%s|%" G_GINT64_FORMAT "|%" G_GUINT64_FORMAT ".%u\n", path,
                           info ? g_file_info_get_size (info) : -1,
                           info ? g_file_info_get_attribute_uint64 (info, "time::modified") : 0,
                           info ? g_file_info_get_attribute_uint32 (info, "time::modified-usec") : 0);
  g_checksum_update (sum, (const guchar *) stamp, -1);

  if (info && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr (GDir)      dir = g_dir_open (path, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const gchar          *name;

      while (dir && (name = g_dir_read_name (dir)))
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree gchar *child = g_build_filename (path, names->pdata[i], NULL);

          if (! g_file_test (child, G_FILE_TEST_IS_DIR))
            fingerprint_file (sum, child);
        }
    }
}

/* What painted the swatch: the style's model (or vector and networks)
 * and the sample.  (transfer full) hex */
static gchar *
fingerprint (const NsStyle        *style,
             const NsSwatchSample *sample)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar     *head = NULL;

  head = g_strdup_printf ("ns-swatch %s|%s|%d|%d|%d|%d %d %d %d|%dx%d\n", CACHE_VERSION,
                          style->id, style->kind, style->convention,
                          sample->crop.x, sample->crop.y, sample->crop.width,
                          sample->crop.height, sample->crop.width == 0,
                          NS_SWATCH_WIDTH, NS_SWATCH_HEIGHT);
  g_checksum_update (sum, (const guchar *) head, -1);
  fingerprint_file (sum, style->path);
  if (g_strcmp0 (style->transfer_path, style->path) != 0)
    fingerprint_file (sum, style->transfer_path);
  if (style->vector)
    g_checksum_update (sum, (const guchar *) style->vector,
                       NS_STYLE_VECTOR_SIZE * sizeof (gfloat));
  /* A saved style's vector is in its own file, read when painting. */
  if (! style->in_catalog && style->file && g_path_is_absolute (style->file))
    fingerprint_file (sum, style->file);
  fingerprint_file (sum, sample->path);
  return g_strdup (g_checksum_get_string (sum));
}

/* A file name from any style id (saved and dropped-in ones are the
 * user's). */
static gchar *
safe_name (const gchar *id)
{
  gchar *name = g_strdup (id);

  for (gchar *c = name; *c; c++)
    if (! g_ascii_isalnum (*c) && *c != '_' && *c != '-')
      *c = '_';
  return name;
}

/* "<id>.<16 hex digits>.png" */
static gchar *
cache_file (const NsStyle        *style,
            const NsSwatchSample *sample)
{
  g_autofree gchar *dir = ns_swatch_cache_dir ();
  g_autofree gchar *id = safe_name (style->id);
  g_autofree gchar *hash = fingerprint (style, sample);
  g_autofree gchar *name = g_strdup_printf ("%s.%.16s.png", id, hash);

  return g_build_filename (dir, name, NULL);
}

/* Deletes the older swatches of the style that @keep is now the swatch
 * of. */
static void
remove_stale (const gchar *keep)
{
  g_autofree gchar *dir_name = g_path_get_dirname (keep);
  g_autofree gchar *base = g_path_get_basename (keep);
  g_autoptr (GDir)  dir = g_dir_open (dir_name, 0, NULL);
  const gsize       prefix = strlen (base) - strlen ("0123456789abcdef.png");
  const gchar      *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (strlen (name) == strlen (base) && strncmp (name, base, prefix) == 0
        && strcmp (name, base) != 0 && g_str_has_suffix (name, ".png"))
      {
        g_autofree gchar *path = g_build_filename (dir_name, name, NULL);

        g_unlink (path);
      }
}

static GdkPixbuf *
cache_load (const gchar *path)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, NULL);

  if (pixbuf && (gdk_pixbuf_get_width (pixbuf) != NS_SWATCH_WIDTH
                 || gdk_pixbuf_get_height (pixbuf) != NS_SWATCH_HEIGHT))
    g_clear_object (&pixbuf);
  return pixbuf;
}

/* Written whole or not at all: another GIMP may be reading it. */
static void
cache_save (GdkPixbuf   *pixbuf,
            const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *data = NULL;
  gsize             size;

  if (g_mkdir_with_parents (dir, 0700) == 0
      && gdk_pixbuf_save_to_buffer (pixbuf, &data, &size, "png", NULL, NULL)
      && g_file_set_contents (path, data, size, NULL))
    remove_stale (path);
}

/* Painting */

static gboolean
keep_going (gdouble  fraction,
            gpointer user_data)
{
  (void) fraction;
  return ! g_cancellable_is_cancelled (user_data);
}

/* An engine for @style, reusing @engine for another vector of the same
 * networks.  (transfer full) */
static NsEngine *
engine_for (const NsStyle  *style,
            NsEngine      **engine,
            GError        **error)
{
  if (engine && *engine && style->kind == NS_STYLE_KIND_VECTOR && style->vector
      && ns_engine_is_arbitrary (*engine)
      && g_strcmp0 (ns_engine_get_model_path (*engine), style->transfer_path) == 0
      && ns_engine_set_style_vector (*engine, style->vector, NULL))
    return g_steal_pointer (engine);

  if (engine)
    g_clear_pointer (engine, ns_engine_free);
  return ns_engine_new_for_style (style, error);
}

static guchar
to_byte (gfloat v)
{
  return (guchar) (CLAMP (v, 0.0f, 1.0f) * 255.0f + 0.5f);
}

/* (transfer full) */
static GdkPixbuf *
paint (const NsStyle         *style,
       const NsSwatchSample  *sample,
       NsEngine             **engine,
       GCancellable          *cancellable,
       GError               **error)
{
  const gint            width = NS_SWATCH_WIDTH * PAINT_FACTOR;
  const gint            height = NS_SWATCH_HEIGHT * PAINT_FACTOR;
  g_autoptr (NsEngine)  used = NULL;
  g_autofree gfloat    *source = NULL;
  g_autofree gfloat    *painted = NULL;
  g_autoptr (GdkPixbuf) big = NULL;
  NsOptions             options;

  source = sample_read (sample, error);
  if (! source)
    return NULL;

  used = engine_for (style, engine, error);
  if (! used)
    return NULL;

  ns_options_init (&options);
  painted = g_new (gfloat, (gsize) width * height * 4);
  if (! ns_engine_stylize_pixels (used, &options, source, painted, width, height,
                                  keep_going, cancellable, error))
    return NULL;

  big = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  for (gint y = 0; y < height; y++)
    {
      guchar *row = gdk_pixbuf_get_pixels (big) + (gsize) y * gdk_pixbuf_get_rowstride (big);

      for (gint x = 0; x < width; x++)
        for (gint c = 0; c < 3; c++)
          row[x * 3 + c] = to_byte (painted[((gsize) y * width + x) * 4 + c]);
    }

  if (engine)
    *engine = g_steal_pointer (&used);
  return gdk_pixbuf_scale_simple (big, NS_SWATCH_WIDTH, NS_SWATCH_HEIGHT, GDK_INTERP_HYPER);
}

GdkPixbuf *
ns_swatch_make (const NsStyle         *style,
                const NsSwatchSample  *sample,
                NsEngine             **engine,
                gboolean              *cached,
                GCancellable          *cancellable,
                GError               **error)
{
  g_autofree gchar *path = NULL;
  GdkPixbuf        *pixbuf;

  g_return_val_if_fail (style != NULL && sample != NULL, NULL);

  path = cache_file (style, sample);
  pixbuf = cache_load (path);
  if (cached)
    *cached = pixbuf != NULL;
  if (pixbuf)
    return pixbuf;

  ns_styles_engine_lock ();
  pixbuf = paint (style, sample, engine, cancellable, error);
  ns_styles_engine_unlock ();
  if (pixbuf)
    cache_save (pixbuf, path);
  return pixbuf;
}

/* A pale card with a red cross: what a broken picture looks like. */
GdkPixbuf *
ns_swatch_error_mark (void)
{
  GdkPixbuf *mark = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                                    NS_SWATCH_WIDTH, NS_SWATCH_HEIGHT);
  const gint cx = NS_SWATCH_WIDTH / 2, cy = NS_SWATCH_HEIGHT / 2, r = 16;

  gdk_pixbuf_fill (mark, 0xe0dcdcff);
  for (gint y = 0; y < NS_SWATCH_HEIGHT; y++)
    {
      guchar *row = gdk_pixbuf_get_pixels (mark) + (gsize) y * gdk_pixbuf_get_rowstride (mark);

      for (gint x = 0; x < NS_SWATCH_WIDTH; x++)
        {
          const gint dx = x - cx, dy = y - cy;
          const gboolean cross = ABS (dx) <= r && ABS (dy) <= r
                                 && (ABS (dx - dy) <= 2 || ABS (dx + dy) <= 2);

          if (cross)
            {
              row[x * 3] = 0xcc;
              row[x * 3 + 1] = 0x10;
              row[x * 3 + 2] = 0x10;
            }
        }
    }
  return mark;
}

/* A blank while the swatch is painted. */
static GdkPixbuf *
blank (void)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8,
                                      NS_SWATCH_WIDTH, NS_SWATCH_HEIGHT);

  gdk_pixbuf_fill (pixbuf, 0x80808040);
  return pixbuf;
}

/* The rows */

/* Shared with the worker, which may outlive the NsSwatches. */
typedef struct
{
  NsSwatchSample *sample;
  GCancellable   *cancellable;
  GMainContext   *context;
  NsSwatches     *owner;    /* main thread only; NULL once freed */
} Shared;

struct _NsSwatches
{
  GArray            *rows;   /* NsSwatchRow */
  Shared            *shared;
  NsSwatchesChanged  changed;
  gpointer           user_data;
};

static void
shared_clear (gpointer data)
{
  Shared *shared = data;

  ns_swatch_sample_free (shared->sample);
  g_object_unref (shared->cancellable);
  g_main_context_unref (shared->context);
}

static void
row_clear (gpointer data)
{
  NsSwatchRow *row = data;

  g_free (row->id);
  g_free (row->markup);
  g_free (row->tooltip);
  g_clear_object (&row->swatch);
  g_free (row->error);
}

/* What @style is made of, for the rows: styles may share a title and an
 * artist (The Great Wave as a network trained on it and as Magenta's
 * painting style; The Scream three times).  (transfer full) */
static gchar *
style_kind (const NsStyle *style)
{
  const gchar *format = NULL;

  if (style->kind == NS_STYLE_KIND_VECTOR)
    return g_strdup (style->in_catalog ? _("painting style (Magenta)") : _("saved style"));
  if (style->kind == NS_STYLE_KIND_PICTURE)
    return g_strdup (_("picture"));

  if (g_strcmp0 (style->format, "onnx") == 0)
    format = "ONNX";
  else if (g_strcmp0 (style->format, "ml5") == 0)
    format = "ml5.js";
  else if (g_strcmp0 (style->format, "t7") == 0)
    format = "Torch";
  /* TRANSLATORS: %s is the network's format: ONNX, ml5.js or Torch */
  return format ? g_strdup_printf (_("trained network (%s)"), format)
                : g_strdup (_("trained network"));
}

/* TRUE when another of @styles has @style's title, artist and kind. */
static gboolean
reads_like_another (const NsStyle *style,
                    GPtrArray     *styles)
{
  g_autofree gchar *kind = style_kind (style);

  for (guint i = 0; i < styles->len; i++)
    {
      const NsStyle    *other = g_ptr_array_index (styles, i);
      g_autofree gchar *other_kind = NULL;

      if (other == style || g_strcmp0 (other->title, style->title) != 0
          || g_strcmp0 (other->artist, style->artist) != 0)
        continue;
      other_kind = style_kind (other);
      if (g_strcmp0 (other_kind, kind) == 0)
        return TRUE;
    }
  return FALSE;
}

/* "trained network (ml5.js)", "non-commercial use only", "not installed:
 * neural-style-fetch ID"; the id too when that still reads like another
 * of @styles. */
static void
row_describe (NsSwatchRow   *row,
              const NsStyle *style,
              GPtrArray     *styles)
{
  g_autoptr (GString) markup = g_string_new (NULL);
  g_autoptr (GString) tooltip = g_string_new (NULL);
  g_autofree gchar   *title = g_markup_escape_text (style->title, -1);
  g_autoptr (GPtrArray) details = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar   *joined = NULL;

  g_string_append_printf (markup, "<b>%s</b>", title);
  g_string_append (tooltip, style->title);
  if (style->artist)
    g_ptr_array_add (details, g_strdup (style->artist));
  g_ptr_array_add (details, style_kind (style));
  if (reads_like_another (style, styles))
    g_ptr_array_add (details, g_strdup (style->id));
  /* A restrictive licence is quoted at length: the row says what it means
   * for the user, the tooltip quotes it.  Other licences are short up to
   * their first ';'. */
  if (style->noncommercial)
    g_ptr_array_add (details, g_strdup (_("non-commercial use only")));
  else if (style->license)
    g_ptr_array_add (details, g_strndup (style->license, strcspn (style->license, ";")));
  g_ptr_array_add (details, NULL);
  joined = g_strjoinv (" · ", (gchar **) details->pdata);

  if (*joined)
    {
      g_autofree gchar *escaped = g_markup_escape_text (joined, -1);

      g_string_append_printf (markup, "\n<small>%s</small>", escaped);
      g_string_append_printf (tooltip, "\n%s", joined);
    }
  if (style->license && (style->noncommercial || strchr (style->license, ';')))
    g_string_append_printf (tooltip, "\n%s", style->license);

  if (! style->path)
    {
      g_autofree gchar *command = g_strdup_printf ("%s %s", FETCH_COMMAND, style->id);
      /* TRANSLATORS: %s is the command that installs the style in a
       * terminal; "Download" is the dialog's button */
      g_autofree gchar *text = g_strdup_printf (_("Not installed: Download it, or run %s"),
                                                command);
      g_autofree gchar *escaped = g_markup_escape_text (text, -1);

      g_string_append_printf (markup, "\n<small><i>%s</i></small>", escaped);
      g_string_append_printf (tooltip, "\n%s", text);
    }

  row->markup = g_string_free (g_steal_pointer (&markup), FALSE);
  row->tooltip = g_string_free (g_steal_pointer (&tooltip), FALSE);
}

/* What a worker paints: copies of the styles, by row; NULL for rows it
 * leaves alone. */
typedef struct
{
  Shared    *shared;
  GPtrArray *styles;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_rc_box_release_full (job->shared, shared_clear);
  g_ptr_array_unref (job->styles);
  g_free (job);
}

static Job *
job_new (NsSwatches *swatches)
{
  Job *job = g_new0 (Job, 1);

  job->shared = g_rc_box_acquire (swatches->shared);
  job->styles = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_style_free);
  return job;
}

static void
add_row (NsSwatches    *swatches,
         Job           *job,
         const NsStyle *style,
         GPtrArray     *styles)
{
  NsSwatchRow row = { 0 };

  row.id = g_strdup (style->id);
  row.installed = style->path != NULL;
  row.noncommercial = style->noncommercial;
  row.swatch = row.installed ? blank () : NULL;
  row.ready = ! row.installed;
  row_describe (&row, style, styles);
  g_array_append_val (swatches->rows, row);
  g_ptr_array_add (job->styles, row.installed ? ns_style_copy (style) : NULL);
}

/* One swatch, from the worker to the main thread. */
typedef struct
{
  Shared    *shared;
  guint      index;
  GdkPixbuf *swatch;
  GError    *error;
} Result;

static void
result_free (gpointer data)
{
  Result *result = data;

  g_rc_box_release_full (result->shared, shared_clear);
  g_clear_object (&result->swatch);
  g_clear_error (&result->error);
  g_free (result);
}

static gboolean
result_deliver (gpointer data)
{
  Result      *result = data;
  NsSwatches  *swatches = result->shared->owner;
  NsSwatchRow *row;

  if (! swatches)
    return G_SOURCE_REMOVE;

  row = &g_array_index (swatches->rows, NsSwatchRow, result->index);
  g_clear_object (&row->swatch);
  row->ready = TRUE;
  if (result->swatch)
    row->swatch = g_steal_pointer (&result->swatch);
  else
    {
      g_autofree gchar *tooltip = row->tooltip;

      row->swatch = ns_swatch_error_mark ();
      row->error = g_strdup (result->error->message);
      row->tooltip = g_strdup_printf ("%s\n%s", tooltip, row->error);
    }
  if (swatches->changed)
    swatches->changed (result->index, swatches->user_data);
  return G_SOURCE_REMOVE;
}

static void
worker (GTask        *task,
        gpointer      source_object,
        gpointer      task_data,
        GCancellable *cancellable)
{
  Job                 *job = task_data;
  Shared              *shared = job->shared;
  g_autoptr (NsEngine) engine = NULL;

  (void) source_object;
  for (guint i = 0; i < job->styles->len && ! g_cancellable_is_cancelled (cancellable); i++)
    {
      const NsStyle *style = g_ptr_array_index (job->styles, i);
      Result        *result;

      if (! style)
        continue;

      result = g_new0 (Result, 1);
      result->shared = g_rc_box_acquire (shared);
      result->index = i;
      result->swatch = ns_swatch_make (style, shared->sample, &engine, NULL,
                                       cancellable, &result->error);
      ns_deliver_later (shared->context, result_deliver, result, result_free);
    }
  g_task_return_boolean (task, TRUE);
}

/* Paints @job's swatches in a worker thread; takes @job. */
static void
paint_rows (NsSwatches *swatches,
            Job        *job)
{
  g_autoptr (GTask) task = g_task_new (NULL, swatches->shared->cancellable, NULL, NULL);

  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, worker);
}

NsSwatches *
ns_swatches_new (NsCatalog            *catalog,
                 const NsSwatchSample *sample,
                 NsSwatchesChanged     changed,
                 gpointer              user_data)
{
  GPtrArray        *styles = ns_catalog_get_styles (catalog);
  NsSwatches       *swatches = g_new0 (NsSwatches, 1);
  GdkPixbuf        *loaded = NULL;
  Job              *job;

  g_return_val_if_fail (sample != NULL, NULL);

  swatches->rows = g_array_new (FALSE, TRUE, sizeof (NsSwatchRow));
  g_array_set_clear_func (swatches->rows, row_clear);
  swatches->changed = changed;
  swatches->user_data = user_data;
  swatches->shared = g_rc_box_new0 (Shared);
  swatches->shared->sample = g_memdup2 (sample, sizeof (NsSwatchSample));
  swatches->shared->sample->path = g_strdup (sample->path);
  swatches->shared->cancellable = g_cancellable_new ();
  swatches->shared->context = g_main_context_ref_thread_default ();
  swatches->shared->owner = swatches;

  /* gdk-pixbuf sets up its loaders on first use, which is not safe while
   * GTK loads images in the main thread: set them up here, first. */
  g_slist_free (gdk_pixbuf_get_formats ());
  loaded = gdk_pixbuf_new_from_file (sample->path, NULL);
  g_clear_object (&loaded);

  job = job_new (swatches);
  for (gint installed = 1; installed >= 0; installed--)
    for (guint i = 0; i < styles->len; i++)
      {
        const NsStyle *style = g_ptr_array_index (styles, i);

        if ((style->path != NULL) == installed)
          add_row (swatches, job, style, styles);
      }
  paint_rows (swatches, job);
  return swatches;
}

gint
ns_swatches_set_installed (NsSwatches *swatches,
                           NsCatalog  *catalog,
                           const gchar *id)
{
  GPtrArray     *styles = ns_catalog_get_styles (catalog);
  const NsStyle *style = ns_catalog_lookup (catalog, id);
  gint           index = ns_swatches_find (swatches, id);
  NsSwatchRow   *row;
  Job           *job;

  if (index < 0 || ! style || ! style->path)
    return -1;
  row = &g_array_index (swatches->rows, NsSwatchRow, index);
  if (row->installed)
    return index;

  /* The row stays where it is: rows moving under the pointer while the
   * user looks would be worse than a list out of order until the next
   * time the dialog opens. */
  g_clear_pointer (&row->markup, g_free);
  g_clear_pointer (&row->tooltip, g_free);
  row->installed = TRUE;
  row->ready = FALSE;
  row->swatch = blank ();
  row_describe (row, style, styles);

  job = job_new (swatches);
  g_ptr_array_set_size (job->styles, index + 1);
  g_ptr_array_index (job->styles, index) = ns_style_copy (style);
  paint_rows (swatches, job);
  return index;
}

void
ns_swatches_free (NsSwatches *swatches)
{
  if (! swatches)
    return;

  /* The worker stops at the next swatch and reports to nobody. */
  g_cancellable_cancel (swatches->shared->cancellable);
  swatches->shared->owner = NULL;
  g_rc_box_release_full (swatches->shared, shared_clear);
  g_array_unref (swatches->rows);
  g_free (swatches);
}

guint
ns_swatches_get_n_rows (NsSwatches *swatches)
{
  return swatches->rows->len;
}

const NsSwatchRow *
ns_swatches_get_row (NsSwatches *swatches,
                     guint       index)
{
  g_return_val_if_fail (index < swatches->rows->len, NULL);

  return &g_array_index (swatches->rows, NsSwatchRow, index);
}

gint
ns_swatches_find (NsSwatches  *swatches,
                  const gchar *id)
{
  for (guint i = 0; i < swatches->rows->len; i++)
    if (g_strcmp0 (g_array_index (swatches->rows, NsSwatchRow, i).id, id) == 0)
      return (gint) i;
  return -1;
}

gboolean
ns_swatches_done (NsSwatches *swatches)
{
  for (guint i = 0; i < swatches->rows->len; i++)
    if (! g_array_index (swatches->rows, NsSwatchRow, i).ready)
      return FALSE;
  return TRUE;
}
