/* ns-buffer.h: GEGL buffers in and out of the engine.
 *
 * Pixels cross as "R'G'B'A float", so GEGL converts from and to whatever
 * the layer holds: 8, 16 or 32 bits, linear or perceptual, RGB or gray.
 */
#ifndef NS_BUFFER_H
#define NS_BUFFER_H

#include <gegl.h>

#include "neural-style-engine.h"
#include "ns-settings.h"

G_BEGIN_DECLS

/* The new layer's pixels: all of @source copied into @dest, then @area
 * painted with the full style (the layer's opacity carries the strength,
 * and the source's alpha stays). */
gboolean      ns_buffer_paint_new_layer (NsEngine            *engine,
                                         const NsSettings    *settings,
                                         GeglBuffer          *source,
                                         GeglBuffer          *dest,
                                         const GeglRectangle *area,
                                         NsProgressFunc       progress,
                                         gpointer             progress_data,
                                         GError             **error);

/* The style vector (NS_STYLE_VECTOR_SIZE floats) of @area of @buffer, by
 * an arbitrary-style @engine, which reads it in strips. */
gboolean      ns_buffer_predict_style   (NsEngine            *engine,
                                         GeglBuffer          *buffer,
                                         const GeglRectangle *area,
                                         gfloat              *vector,
                                         GError             **error);

/* The statistics ns_buffer_paint_new_layer() paints @area of @source with
 * (see ns_engine_measure_statistics()).  (transfer full) */
NsNormStatistics * ns_buffer_measure_statistics (NsEngine            *engine,
                                         const NsOptions     *options,
                                         GeglBuffer          *source,
                                         const GeglRectangle *area,
                                         NsProgressFunc       progress,
                                         gpointer             progress_data,
                                         GError             **error);

/* @region (inside @area, in @source's coordinates) of the painting of @area
 * with @statistics, as RGBA floats into @rgba (see
 * ns_engine_stylize_region()). */
gboolean      ns_buffer_paint_region    (NsEngine               *engine,
                                         const NsOptions        *options,
                                         const NsNormStatistics *statistics,
                                         GeglBuffer             *source,
                                         const GeglRectangle    *area,
                                         const GeglRectangle    *region,
                                         gfloat                 *rgba,
                                         NsProgressFunc          progress,
                                         gpointer                progress_data,
                                         GError                **error);

/* @rect of @buffer as RGBA floats.  (transfer full) */
gfloat *      ns_buffer_read_rgba       (GeglBuffer          *buffer,
                                         const GeglRectangle *rect);

G_END_DECLS

#endif /* NS_BUFFER_H */
