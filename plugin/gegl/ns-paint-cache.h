/* ns-paint-cache.h: the paintings neural-style:paint has made, and the
 * network it made them with, kept for the renders that follow. */
#ifndef NS_PAINT_CACHE_H
#define NS_PAINT_CACHE_H

#include <gegl.h>

#include "neural-style-engine.h"

G_BEGIN_DECLS

/* What the operation's properties ask for. */
typedef struct
{
  const gchar *style;           /* a style id, or NULL: the default style */
  const gchar *picture;         /* a picture's path (wins), or NULL/"" */
  gdouble      style_amount;
  gboolean     preserve_colors;
  gdouble      scale;
} NsPaintRequest;

/* Writes @rect of the painting of @area of @input, as @request asks it
 * (the whole style), into @output: the kept painting when the same pixels
 * were painted the same way before, else one painted now (and kept, within
 * the engine's memory budget).  FALSE, with nothing written, when it cannot
 * be painted: the reason is then in GIMP's error console (said once per
 * input and request) and in @error. */
gboolean      ns_paint_cache_render     (GeglBuffer           *input,
                                         const GeglRectangle  *area,
                                         const NsPaintRequest *request,
                                         GeglBuffer           *output,
                                         const GeglRectangle  *rect,
                                         NsProgressFunc        progress,
                                         gpointer              progress_data,
                                         GError              **error);

G_END_DECLS

#endif /* NS_PAINT_CACHE_H */
