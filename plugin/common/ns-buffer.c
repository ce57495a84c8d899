/* ns-buffer.c: see ns-buffer.h. */
#include "ns-i18n.h"
#include "ns-buffer.h"

/* What the engine reads and writes: perceptual RGBA, straight alpha. */
static const Babl *
pixel_format (void)
{
  return babl_format ("R'G'B'A float");
}

typedef struct
{
  GeglBuffer    *source;
  GeglBuffer    *dest;
  GeglRectangle  area;
  const Babl    *format;
} BufferIO;

static GeglRectangle
in_buffer (const BufferIO *io,
           const NsRect   *rect)
{
  GeglRectangle r = { io->area.x + rect->x, io->area.y + rect->y, rect->width, rect->height };
  return r;
}

static gboolean
read_source (gpointer      user_data,
             const NsRect *rect,
             gfloat       *rgba,
             GError      **error)
{
  const BufferIO *io = user_data;
  GeglRectangle   r = in_buffer (io, rect);

  (void) error;
  gegl_buffer_get (io->source, &r, 1.0, io->format, rgba,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  return TRUE;
}

static gboolean
write_dest (gpointer      user_data,
            const NsRect *rect,
            const gfloat *rgba,
            GError      **error)
{
  const BufferIO *io = user_data;
  GeglRectangle   r = in_buffer (io, rect);

  (void) error;
  gegl_buffer_set (io->dest, &r, 0, io->format, rgba, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

/* @io reads @area of @buffers->source (and writes into @buffers->dest, if
 * any); @buffers lives as long as @io is used. */
static NsImageIO
buffer_io (BufferIO            *buffers,
           GeglBuffer          *source,
           GeglBuffer          *dest,
           const GeglRectangle *area)
{
  NsImageIO io = { area->width, area->height, read_source, dest ? write_dest : NULL, buffers };

  *buffers = (BufferIO) { source, dest, *area, pixel_format () };
  return io;
}

/* The painting is the whole-image one unless the temporary folder cannot
 * hold what that takes: then GIMP's messages say so before the work. */
static gboolean
say_statistics (NsEngine            *engine,
                const NsOptions     *options,
                const GeglRectangle *area,
                GError             **error)
{
  g_autofree gchar *why = NULL;

  if (ns_engine_plan_statistics (engine, options, area->width, area->height,
                                 &why, error) == NS_STATISTICS_AUTO)
    return FALSE;
  if (why)
    g_message (_("%s: painting with statistics from a shrunk copy, close to "
                 "but not the same as a whole-image painting"), why);
  return TRUE;
}

gboolean
ns_buffer_paint_new_layer (NsEngine            *engine,
                           const NsSettings    *settings,
                           GeglBuffer          *source,
                           GeglBuffer          *dest,
                           const GeglRectangle *area,
                           NsProgressFunc       progress,
                           gpointer             progress_data,
                           GError             **error)
{
  BufferIO  buffers;
  NsImageIO io = buffer_io (&buffers, source, dest, area);
  NsOptions options;

  g_return_val_if_fail (GEGL_IS_BUFFER (source) && GEGL_IS_BUFFER (dest), FALSE);

  ns_settings_to_options (settings, &options);
  if (! say_statistics (engine, &options, area, error))
    return FALSE;
  gegl_buffer_copy (source, NULL, GEGL_ABYSS_NONE, dest, NULL);
  return ns_engine_stylize (engine, &options, &io, progress, progress_data, error);
}

gboolean
ns_buffer_predict_style (NsEngine            *engine,
                         GeglBuffer          *buffer,
                         const GeglRectangle *area,
                         gfloat              *vector,
                         GError             **error)
{
  BufferIO  buffers;
  NsImageIO io = buffer_io (&buffers, buffer, NULL, area);

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer), FALSE);

  return ns_engine_predict_style (engine, &io, vector, error);
}

NsNormStatistics *
ns_buffer_measure_statistics (NsEngine            *engine,
                              const NsOptions     *options,
                              GeglBuffer          *source,
                              const GeglRectangle *area,
                              NsProgressFunc       progress,
                              gpointer             progress_data,
                              GError             **error)
{
  BufferIO  buffers;
  NsImageIO io = buffer_io (&buffers, source, NULL, area);

  g_return_val_if_fail (GEGL_IS_BUFFER (source), NULL);

  return ns_engine_measure_statistics (engine, options, &io, progress, progress_data, error);
}

gboolean
ns_buffer_paint_region (NsEngine               *engine,
                        const NsOptions        *options,
                        const NsNormStatistics *statistics,
                        GeglBuffer             *source,
                        const GeglRectangle    *area,
                        const GeglRectangle    *region,
                        gfloat                 *rgba,
                        NsProgressFunc          progress,
                        gpointer                progress_data,
                        GError                **error)
{
  BufferIO  buffers;
  NsImageIO io = buffer_io (&buffers, source, NULL, area);
  NsRect    rect = { region->x - area->x, region->y - area->y, region->width, region->height };

  g_return_val_if_fail (GEGL_IS_BUFFER (source), FALSE);

  return ns_engine_stylize_region (engine, options, statistics, &io, &rect, rgba,
                                   progress, progress_data, error);
}

gfloat *
ns_buffer_read_rgba (GeglBuffer          *buffer,
                     const GeglRectangle *rect)
{
  gfloat *rgba = g_new (gfloat, (gsize) rect->width * rect->height * 4);

  gegl_buffer_get (buffer, rect, 1.0, pixel_format (), rgba,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  return rgba;
}
