/* ns-layer.h: the new layers the GIMP 3 filter makes. */
#ifndef NS_LAYER_H
#define NS_LAYER_H

#include <libgimp/gimp.h>

#include "ns-settings.h"

G_BEGIN_DECLS

/* Refuses what the filter cannot paint: an indexed image, no layer, a
 * drawable that is not a layer, a layer the selection misses. */
gboolean  ns_layer_check_image (GimpImage         *image,
                                GimpDrawable     **drawables,
                                GError           **error);

/* Paints each of @drawables (NULL-terminated, passed by
 * ns_layer_check_image()) into a new layer right above it, with GIMP's
 * progress bar.  The image changes in one undo step, and not at all when
 * this fails. */
gboolean  ns_layer_paint       (GimpImage         *image,
                                GimpDrawable     **drawables,
                                const NsStyle     *style,
                                const NsSettings  *settings,
                                GError           **error);

G_END_DECLS

#endif /* NS_LAYER_H */
