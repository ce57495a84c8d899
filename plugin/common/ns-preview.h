/* ns-preview.h: the dialog's live preview, without the widget.
 *
 * Paints a crop of the layer in a worker thread whenever the style, colour
 * or scale settings change (dropping work that is no longer wanted), and
 * re-blends at once when only the strength changes, so the preview follows
 * the slider.  The front-ends draw ns_preview_get_pixels() into a
 * GimpPreviewArea when `changed` is called.
 */
#ifndef NS_PREVIEW_H
#define NS_PREVIEW_H

#include <gegl.h>

#include "neural-style-engine.h"
#include "ns-settings.h"

G_BEGIN_DECLS

typedef struct _NsPreview NsPreview;

typedef void (*NsPreviewChanged) (gpointer user_data);

/* The largest side of the crop a preview paints. */
#define NS_PREVIEW_SIZE 256

/* A preview of the middle of @area (the part of @buffer the filter will
 * paint), at most NS_PREVIEW_SIZE square; reads the crop now.
 * (transfer full) */
NsPreview *    ns_preview_new            (GeglBuffer          *buffer,
                                          const GeglRectangle *area,
                                          NsPreviewChanged     changed,
                                          gpointer             user_data);
void           ns_preview_free           (NsPreview         *preview);

/* @style: the installed style to show (NULL: none installed). */
void           ns_preview_update         (NsPreview         *preview,
                                          const NsStyle     *style,
                                          const NsSettings  *settings);

gint           ns_preview_get_width      (NsPreview         *preview);
gint           ns_preview_get_height     (NsPreview         *preview);
/* RGB, 3 bytes a pixel, no padding: the crop as the new layer will look
 * over its source at the current strength.  (transfer none) */
const guchar * ns_preview_get_pixels     (NsPreview         *preview);
/* NULL when the preview is up to date, else what is happening or what went
 * wrong.  (transfer none) */
const gchar *  ns_preview_get_status     (NsPreview         *preview);

G_END_DECLS

#endif /* NS_PREVIEW_H */
