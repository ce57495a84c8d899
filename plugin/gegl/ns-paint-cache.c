/* ns-paint-cache.c: see ns-paint-cache.h. */
#include "ns-i18n.h"
#include "ns-paint-cache.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ns-buffer.h"
#include "ns-styles.h"

/* GIMP shows the "GEGL" domain's messages in its error console; its own
 * domain ("NeuralStyle") would only reach the terminal. */
#define CONSOLE_DOMAIN "GEGL"

/* Paintings are kept as 16-bit RGBA: 8 bytes a pixel, well below what the
 * eye or a 30 dB comparison can tell from floats. */
#define KEPT_FORMAT "R'G'B'A u16"
#define KEPT_BYTES_PER_PIXEL 8

typedef struct
{
  guint64        pixels;   /* hash of the input's pixels */
  GeglRectangle  area;
  gchar         *request;  /* the request, written out */
  guint16       *painting; /* KEPT_FORMAT, area's rows; NULL: it failed,
                            * and said so.  Not a GeglBuffer: GEGL counts
                            * those still alive at its exit as leaks. */
} Kept;

static GMutex     cache_mutex;
static GQueue     kept = G_QUEUE_INIT;  /* most recently used first */
static NsEngine  *engine;               /* the last network loaded ... */
static gchar     *engine_key;           /* ... for this style */

static void
kept_free (Kept *k)
{
  g_free (k->painting);
  g_free (k->request);
  g_free (k);
}

static guint64
kept_bytes (const Kept *k)
{
  return k->painting ? (guint64) k->area.width * k->area.height * KEPT_BYTES_PER_PIXEL : 0;
}

/* A picture that changes on disk is another style: its size and time are
 * part of the request. */
static gchar *
describe_picture (const gchar *path)
{
  GStatBuf st;

  if (! path || ! *path)
    return g_strdup ("");
  if (g_stat (path, &st) != 0)
    return g_strdup_printf ("%s (missing)", path);
  return g_strdup_printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                          path, (gint64) st.st_size, (gint64) st.st_mtime);
}

static gchar *
describe_request (const NsPaintRequest *request)
{
  g_autofree gchar *picture = describe_picture (request->picture);

  return g_strdup_printf ("style=%s picture=%s amount=%.17g colors=%d scale=%.17g",
                          request->style ? request->style : "", picture,
                          request->style_amount, request->preserve_colors ? 1 : 0,
                          request->scale);
}

/* 64-bit FNV-1a over the pixels as the engine reads them: a change of one
 * pixel anywhere is another painting. */
static guint64
hash_pixels (GeglBuffer          *input,
             const GeglRectangle *area)
{
  GeglBufferIterator *it;
  guint64             hash = 14695981039346656037u;

  it = gegl_buffer_iterator_new (input, area, 0, babl_format ("R'G'B'A float"),
                                 GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
  while (gegl_buffer_iterator_next (it))
    {
      const guint32 *words = it->items[0].data;
      gsize          n = (gsize) it->length * 4;

      for (gsize i = 0; i < n; i++)
        hash = (hash ^ words[i]) * 1099511628211u;
    }
  return hash;
}

static Kept *
find_kept (guint64              pixels,
           const GeglRectangle *area,
           const gchar         *request)
{
  for (GList *l = kept.head; l; l = l->next)
    {
      Kept *k = l->data;

      if (k->pixels == pixels && gegl_rectangle_equal (&k->area, area) &&
          strcmp (k->request, request) == 0)
        {
          /* Most recently used first. */
          g_queue_unlink (&kept, l);
          g_queue_push_head_link (&kept, l);
          return k;
        }
    }
  return NULL;
}

/* Keeps @k first, and as many of the others as the engine's memory budget
 * leaves room for beside the network's own work: half of it. */
static void
keep (Kept *k)
{
  guint64 limit = ns_options_default_memory_budget () / 2;
  guint64 total = 0;

  g_queue_push_head (&kept, k);
  for (GList *l = kept.head; l; )
    {
      GList *next = l->next;

      total += kept_bytes (l->data);
      if (l != kept.head && total > limit)
        {
          total -= kept_bytes (l->data);
          kept_free (l->data);
          g_queue_delete_link (&kept, l);
        }
      l = next;
    }
}

/* The network for @style: the one already loaded when it is the same. */
static NsEngine *
engine_for (const NsStyle  *style,
            const gchar    *picture,
            GError        **error)
{
  g_autofree gchar *key = g_strdup_printf ("%s %s %s", style->id,
                                           style->path ? style->path : "",
                                           picture);

  if (engine && g_strcmp0 (key, engine_key) == 0)
    return engine;

  g_clear_pointer (&engine, ns_engine_free);
  g_clear_pointer (&engine_key, g_free);
  engine = ns_engine_new_for_style (style, error);
  if (engine)
    engine_key = g_steal_pointer (&key);
  return engine;
}

/* (transfer full) the painting, KEPT_FORMAT, or NULL with @error set */
static guint16 *
paint (GeglBuffer           *input,
       const GeglRectangle  *area,
       const NsPaintRequest *request,
       NsProgressFunc        progress,
       gpointer              progress_data,
       GError              **error)
{
  g_autoptr (NsCatalog)  catalog = NULL;
  g_autoptr (NsStyle)    style = NULL;
  g_autoptr (GeglBuffer) painting = NULL;
  guint16               *pixels;
  g_autofree gchar      *picture = describe_picture (request->picture);
  gboolean               has_picture = request->picture && *request->picture;
  NsEngine              *network;
  NsSettings             settings;
  gint64                 start = g_get_monotonic_time ();

  catalog = ns_styles_open (error);
  if (! catalog)
    return NULL;
  style = ns_styles_get (catalog, has_picture ? request->picture : request->style, error);
  if (! style)
    return NULL;

  ns_settings_init (&settings);
  settings.preserve_colors = request->preserve_colors;
  settings.scale = request->scale;
  settings.style_amount = request->style_amount;
  settings.style_amount = ns_styles_amount (style, &settings);
  if (! ns_settings_validate (&settings, error))
    return NULL;

  network = engine_for (style, picture, error);
  if (! network)
    return NULL;

  painting = gegl_buffer_new (area, babl_format (KEPT_FORMAT));
  if (! ns_buffer_paint_new_layer (network, &settings, input, painting, area,
                                   progress, progress_data, error))
    return NULL;

  /* The count of network runs: what the tests and the README's
   * measurements read (G_MESSAGES_DEBUG=NeuralStyle). */
  g_debug ("neural-style:paint ran the network: %dx%d, %s, %.2f s",
           area->width, area->height, style->id,
           (g_get_monotonic_time () - start) / 1e6);
  pixels = g_try_new (guint16, (gsize) area->width * area->height * 4);
  if (! pixels)
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NO_MEMORY,
                           _("Not enough memory to keep the painting"));
      return NULL;
    }
  gegl_buffer_get (painting, area, 1.0, babl_format (KEPT_FORMAT), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return pixels;
}

/* @rect of @k's painting into @output. */
static void
copy_out (const Kept          *k,
          GeglBuffer          *output,
          const GeglRectangle *rect)
{
  GeglRectangle part;
  gsize         stride = (gsize) k->area.width * KEPT_BYTES_PER_PIXEL;

  if (! gegl_rectangle_intersect (&part, rect, &k->area))
    return;
  gegl_buffer_set (output, &part, 0, babl_format (KEPT_FORMAT),
                   (const guint8 *) k->painting
                   + (gsize) (part.y - k->area.y) * stride
                   + (gsize) (part.x - k->area.x) * KEPT_BYTES_PER_PIXEL,
                   stride);
}

gboolean
ns_paint_cache_render (GeglBuffer           *input,
                       const GeglRectangle  *area,
                       const NsPaintRequest *request,
                       GeglBuffer           *output,
                       const GeglRectangle  *rect,
                       NsProgressFunc        progress,
                       gpointer              progress_data,
                       GError              **error)
{
  g_autofree gchar *described = describe_request (request);
  guint64           pixels = hash_pixels (input, area);
  gboolean          done = FALSE;
  Kept             *k;

  g_mutex_lock (&cache_mutex);
  k = find_kept (pixels, area, described);
  if (k)
    {
      g_debug ("neural-style:paint reused a painting: %dx%d",
               area->width, area->height);
      if (! k->painting)
        g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED,
                             _("This painting failed before"));
    }
  else
    {
      GError *local = NULL;

      k = g_new0 (Kept, 1);
      k->pixels = pixels;
      k->area = *area;
      k->request = g_steal_pointer (&described);
      k->painting = paint (input, area, request, progress, progress_data, &local);
      if (! k->painting)
        {
          g_log (CONSOLE_DOMAIN, G_LOG_LEVEL_MESSAGE,
                 _("Neural Style: the layer is left as it was: %s"),
                 local->message);
          g_propagate_error (error, local);
        }
      keep (k);
    }
  if (k->painting)
    {
      copy_out (k, output, rect);
      done = TRUE;
    }
  g_mutex_unlock (&cache_mutex);
  return done;
}
