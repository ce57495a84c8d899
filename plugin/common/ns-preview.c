/* ns-preview.c: see ns-preview.h. */
#include "ns-i18n.h"
#include "ns-buffer.h"
#include "ns-preview.h"
#include "ns-styles.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* What a painting of the crop depends on; the strength only re-blends. */
typedef struct
{
  NsStyle  *style;  /* a copy: the worker may outlive the catalog */
  gboolean  preserve_colors;
  gdouble   scale;
  gdouble   style_amount;
} PaintKey;

/* Shared with the worker threads, hence reference counted (g_rc_box). */
typedef struct
{
  gfloat       *source;   /* RGBA of the crop, immutable */
  gint          width;
  gint          height;
  /* The area the filter paints, copied when the preview opens: workers read
   * it, and a drawable's own buffer talks to GIMP, which only the main
   * thread may do.  Immutable. */
  GeglBuffer   *layer;
  GeglRectangle area;     /* of `layer`, at 0, 0 */
  GeglRectangle crop;     /* in `layer` */
  GMutex        engine_lock;
  NsEngine     *engine;   /* under engine_lock */
  NsStyle      *engine_style; /* what `engine` paints, under engine_lock */
  NsNormStatistics *stats;    /* under engine_lock: measured over `layer` */
  PaintKey      stats_key;    /* for what `stats` were measured, likewise */
} Shared;

struct _NsPreview
{
  Shared          *shared;
  NsPreviewChanged changed;
  gpointer         user_data;

  PaintKey         wanted;
  PaintKey         measured; /* statistics the worker has for these */
  GCancellable    *cancellable;
  gfloat          *painted;  /* RGBA of `wanted`, or NULL */
  gdouble          strength;
  guchar          *pixels;   /* RGB shown */
  gchar           *status;
};

static void
paint_key_clear (PaintKey *key)
{
  g_clear_pointer (&key->style, ns_style_free);
}

static void
paint_key_copy (PaintKey       *dest,
                const PaintKey *src)
{
  *dest = *src;
  dest->style = src->style ? ns_style_copy (src->style) : NULL;
}

static void
paint_key_set (PaintKey         *key,
               const NsStyle    *style,
               const NsSettings *settings)
{
  PaintKey wanted = { (NsStyle *) style, settings->preserve_colors, settings->scale,
                      ns_styles_amount (style, settings) };

  paint_key_clear (key);
  paint_key_copy (key, &wanted);
}

/* The same pixels from the same network: a picture or a layer makes a style
 * with the same id as another picture or layer. */
static gboolean
same_style (const NsStyle *a,
            const NsStyle *b)
{
  if (! a || ! b)
    return a == b;

  return g_strcmp0 (a->id, b->id) == 0
         && a->kind == b->kind
         && g_strcmp0 (a->path, b->path) == 0
         && g_strcmp0 (a->prediction_path, b->prediction_path) == 0
         && g_strcmp0 (a->transfer_path, b->transfer_path) == 0
         && ! a->vector == ! b->vector
         && (! a->vector
             || memcmp (a->vector, b->vector, NS_STYLE_VECTOR_SIZE * sizeof (gfloat)) == 0);
}

static gboolean
paint_key_equal (const PaintKey   *key,
                 const NsStyle    *style,
                 const NsSettings *settings)
{
  return same_style (key->style, style)
         && key->preserve_colors == settings->preserve_colors
         && key->scale == settings->scale
         && key->style_amount == ns_styles_amount (style, settings);
}

/* The statistics depend on the style, the stroke scale and the style
 * amount, not on the colours kept or the strength. */
static gboolean
stats_key_equal (const PaintKey *a,
                 const PaintKey *b)
{
  return a->style && b->style && same_style (a->style, b->style)
         && a->scale == b->scale && a->style_amount == b->style_amount;
}

/* Then the crop painted on its own is the painting. */
static gboolean
crop_is_area (const Shared *shared)
{
  return shared->crop.width == shared->area.width
         && shared->crop.height == shared->area.height;
}

static void
shared_clear (gpointer data)
{
  Shared *shared = data;

  g_free (shared->source);
  g_clear_object (&shared->layer);
  g_clear_pointer (&shared->stats, ns_norm_statistics_free);
  paint_key_clear (&shared->stats_key);
  g_clear_pointer (&shared->engine, ns_engine_free);
  g_clear_pointer (&shared->engine_style, ns_style_free);
  g_mutex_clear (&shared->engine_lock);
}

/* The worker's job */

/* A quick job paints the crop on its own (its own statistics: shown at
 * once, close); an exact one paints it with the statistics of the whole
 * area, measured once per style, scale and style amount: what the filter
 * will paint there. */
typedef struct
{
  Shared   *shared;
  PaintKey  key;
  gboolean  exact;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_rc_box_release_full (job->shared, shared_clear);
  paint_key_clear (&job->key);
  g_free (job);
}

static gboolean
job_keep_going (gdouble  fraction,
                gpointer user_data)
{
  (void) fraction;
  return !g_cancellable_is_cancelled (user_data);
}

/* Runs in a worker thread: only the job's own data and the shared engine,
 * never GIMP. */
static gboolean
job_ensure_engine (Job     *job,
                   GError **error)
{
  Shared        *shared = job->shared;
  const NsStyle *style = job->key.style;
  const NsStyle *loaded = shared->engine_style;

  if (shared->engine && same_style (loaded, style))
    return TRUE;

  /* Another vector for the same networks: no need to load them again. */
  if (shared->engine && style->kind == NS_STYLE_KIND_VECTOR
      && loaded->kind == NS_STYLE_KIND_VECTOR
      && g_strcmp0 (loaded->transfer_path, style->transfer_path) == 0
      && g_strcmp0 (loaded->prediction_path, style->prediction_path) == 0
      && ns_engine_set_style_vector (shared->engine, style->vector, NULL))
    {
      ns_style_free (shared->engine_style);
      shared->engine_style = ns_style_copy (style);
      return TRUE;
    }

  g_clear_pointer (&shared->engine, ns_engine_free);
  g_clear_pointer (&shared->engine_style, ns_style_free);
  shared->engine = ns_engine_new_for_style (style, error);
  if (! shared->engine)
    return FALSE;

  shared->engine_style = ns_style_copy (style);
  return TRUE;
}

/* Runs in a worker thread, under engine_lock. */
static gboolean
job_ensure_statistics (Job             *job,
                       const NsOptions *options,
                       GCancellable    *cancellable,
                       GError         **error)
{
  Shared *shared = job->shared;

  if (shared->stats && stats_key_equal (&shared->stats_key, &job->key))
    return TRUE;

  g_clear_pointer (&shared->stats, ns_norm_statistics_free);
  paint_key_clear (&shared->stats_key);
  shared->stats = ns_buffer_measure_statistics (shared->engine, options, shared->layer,
                                                &shared->area, job_keep_going, cancellable,
                                                error);
  if (! shared->stats)
    return FALSE;

  paint_key_copy (&shared->stats_key, &job->key);
  return TRUE;
}

static void
job_run (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job       *job = task_data;
  Shared    *shared = job->shared;
  NsOptions  options;
  GError    *error = NULL;
  g_autofree gfloat *painted = g_new (gfloat, (gsize) shared->width * shared->height * 4);
  gboolean   ok;

  (void) source_object;
  ns_options_init (&options);
  options.preserve_colors = job->key.preserve_colors;
  options.scale = job->key.scale;
  options.style_amount = job->key.style_amount;

  g_mutex_lock (&shared->engine_lock);
  ns_styles_engine_lock ();
  ok = job_ensure_engine (job, &error);
  if (ok && job->exact)
    ok = job_ensure_statistics (job, &options, cancellable, &error)
         && ns_buffer_paint_region (shared->engine, &options, shared->stats, shared->layer,
                                    &shared->area, &shared->crop, painted,
                                    job_keep_going, cancellable, &error);
  else if (ok)
    ok = ns_engine_stylize_pixels (shared->engine, &options, shared->source, painted,
                                   shared->width, shared->height,
                                   job_keep_going, cancellable, &error);
  ns_styles_engine_unlock ();
  g_mutex_unlock (&shared->engine_lock);

  if (ok)
    g_task_return_pointer (task, g_steal_pointer (&painted), g_free);
  else
    g_task_return_error (task, error);
}

/* Blending, in the main thread */

static guchar
to_byte (gfloat v)
{
  return (guchar) (CLAMP (v, 0.0f, 1.0f) * 255.0f + 0.5f);
}

/* sRGB's transfer function, both ways, for values in 0..1. */
static gfloat
to_linear (gfloat v)
{
  v = CLAMP (v, 0.0f, 1.0f);
  return v <= 0.04045f ? v / 12.92f : powf ((v + 0.055f) / 1.055f, 2.4f);
}

static gfloat
to_perceptual (gfloat v)
{
  return v <= 0.0031308f ? v * 12.92f : 1.055f * powf (v, 1.0f / 2.4f) - 0.055f;
}

/* The layer at `strength` opacity over its source, over a checkerboard
 * where the source is transparent.  Mixed in linear light, as GIMP
 * composites a "Normal" layer. */
static void
preview_blend (NsPreview *preview)
{
  const Shared *shared = preview->shared;
  const gfloat  s = preview->painted ? (gfloat) preview->strength : 0.0f;

  for (gint y = 0; y < shared->height; y++)
    for (gint x = 0; x < shared->width; x++)
      {
        const gsize   i = (gsize) y * shared->width + x;
        const gfloat *src = shared->source + i * 4;
        const gfloat *top = preview->painted ? preview->painted + i * 4 : src;
        const gfloat  checker = ((x / 8 + y / 8) % 2) ? 0.6f : 0.4f;
        guchar       *out = preview->pixels + i * 3;

        for (gint c = 0; c < 3; c++)
          {
            const gfloat mixed = to_perceptual (s * to_linear (top[c])
                                                + (1.0f - s) * to_linear (src[c]));
            out[c] = to_byte (src[3] * mixed + (1.0f - src[3]) * checker);
          }
      }
}

static void
preview_set_status (NsPreview   *preview,
                    const gchar *status)
{
  g_free (preview->status);
  preview->status = g_strdup (status);
}

static void preview_start_job (NsPreview *preview,
                               gboolean   exact);

static void
job_done (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  NsPreview *preview = user_data;
  g_autoptr (GError) error = NULL;
  const Job *job = g_task_get_task_data (G_TASK (result));
  const gboolean exact = job->exact;
  gfloat    *painted = g_task_propagate_pointer (G_TASK (result), &error);

  (void) source_object;
  /* Superseded or closed: `preview` may already be gone.  GTask reports
   * G_IO_ERROR_CANCELLED for any job whose cancellable was cancelled. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CANCELLED))
    return;

  g_clear_object (&preview->cancellable);
  g_free (preview->painted);
  preview->painted = painted;
  preview_set_status (preview, error ? error->message : NULL);
  if (! error && exact)
    {
      paint_key_clear (&preview->measured);
      paint_key_copy (&preview->measured, &preview->wanted);
    }
  else if (! error && ! crop_is_area (preview->shared))
    {
      /* The quick painting shows while the exact one is made. */
      preview_set_status (preview, _("Measuring the whole layer for the preview..."));
      preview_start_job (preview, TRUE);
    }
  preview_blend (preview);
  preview->changed (preview->user_data);
}

static void
preview_start_job (NsPreview *preview,
                   gboolean   exact)
{
  g_autoptr (GTask) task = NULL;
  Job *job = g_new0 (Job, 1);

  job->shared = g_rc_box_acquire (preview->shared);
  paint_key_copy (&job->key, &preview->wanted);
  job->exact = exact;

  preview->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, preview->cancellable, job_done, preview);
  g_task_set_task_data (task, job, job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_run);
}

static void
preview_cancel_job (NsPreview *preview)
{
  if (preview->cancellable)
    g_cancellable_cancel (preview->cancellable);
  g_clear_object (&preview->cancellable);
}

/* The middle of @area, at most NS_PREVIEW_SIZE square. */
static GeglRectangle
choose_crop (const GeglRectangle *area)
{
  GeglRectangle crop;

  crop.width = MIN (area->width, NS_PREVIEW_SIZE);
  crop.height = MIN (area->height, NS_PREVIEW_SIZE);
  crop.x = area->x + (area->width - crop.width) / 2;
  crop.y = area->y + (area->height - crop.height) / 2;
  return crop;
}

NsPreview *
ns_preview_new (GeglBuffer          *buffer,
                const GeglRectangle *area,
                NsPreviewChanged     changed,
                gpointer             user_data)
{
  NsPreview     *preview;
  GeglRectangle  crop;

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer) && area != NULL, NULL);
  g_return_val_if_fail (area->width > 0 && area->height > 0, NULL);

  crop = choose_crop (area);
  preview = g_new0 (NsPreview, 1);
  preview->shared = g_rc_box_new0 (Shared);
  preview->shared->source = ns_buffer_read_rgba (buffer, &crop);
  preview->shared->width = crop.width;
  preview->shared->height = crop.height;
  preview->shared->area = *area;
  preview->shared->area.x = preview->shared->area.y = 0;
  preview->shared->crop = crop;
  preview->shared->crop.x -= area->x;
  preview->shared->crop.y -= area->y;
  preview->shared->layer = gegl_buffer_new (&preview->shared->area,
                                            gegl_buffer_get_format (buffer));
  gegl_buffer_copy (buffer, area, GEGL_ABYSS_NONE, preview->shared->layer,
                    &preview->shared->area);
  g_mutex_init (&preview->shared->engine_lock);
  preview->changed = changed;
  preview->user_data = user_data;
  preview->pixels = g_new (guchar, (gsize) crop.width * crop.height * 3);
  preview->strength = NS_STRENGTH_DEFAULT;
  preview_blend (preview);
  return preview;
}

void
ns_preview_free (NsPreview *preview)
{
  if (!preview)
    return;

  /* A running job keeps `shared` alive and reports to nobody. */
  preview_cancel_job (preview);
  g_rc_box_release_full (preview->shared, shared_clear);
  paint_key_clear (&preview->wanted);
  paint_key_clear (&preview->measured);
  g_free (preview->painted);
  g_free (preview->pixels);
  g_free (preview->status);
  g_free (preview);
}

void
ns_preview_update (NsPreview        *preview,
                   const NsStyle    *style,
                   const NsSettings *settings)
{
  g_return_if_fail (preview != NULL && settings != NULL);

  preview->strength = settings->strength;

  if (!style)
    {
      preview_cancel_job (preview);
      paint_key_clear (&preview->wanted);
      g_clear_pointer (&preview->painted, g_free);
      preview_set_status (preview, _("No style is installed"));
    }
  else if (!paint_key_equal (&preview->wanted, style, settings) || !preview->painted)
    {
      if (!preview->cancellable || !paint_key_equal (&preview->wanted, style, settings))
        {
          preview_cancel_job (preview);
          paint_key_set (&preview->wanted, style, settings);
          preview_set_status (preview, _("Painting the preview..."));
          /* With the statistics measured already, the exact painting is
           * as quick as the quick one. */
          preview_start_job (preview,
                             ! crop_is_area (preview->shared)
                             && stats_key_equal (&preview->measured, &preview->wanted));
        }
    }

  preview_blend (preview);
  preview->changed (preview->user_data);
}

gint
ns_preview_get_width (NsPreview *preview)
{
  return preview->shared->width;
}

gint
ns_preview_get_height (NsPreview *preview)
{
  return preview->shared->height;
}

const guchar *
ns_preview_get_pixels (NsPreview *preview)
{
  return preview->pixels;
}

const gchar *
ns_preview_get_status (NsPreview *preview)
{
  return preview->status;
}
