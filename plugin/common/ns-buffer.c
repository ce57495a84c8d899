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
  BufferIO  buffers = { source, dest, *area, pixel_format () };
  NsImageIO io = { area->width, area->height, read_source, write_dest, &buffers };
  NsOptions options;

  g_return_val_if_fail (GEGL_IS_BUFFER (source) && GEGL_IS_BUFFER (dest), FALSE);

  ns_settings_to_options (settings, &options);
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
  BufferIO  buffers = { buffer, NULL, *area, pixel_format () };
  NsImageIO io = { area->width, area->height, read_source, NULL, &buffers };

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer), FALSE);

  return ns_engine_predict_style (engine, &io, vector, error);
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
