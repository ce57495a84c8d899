/* ns-new-layer.h: the rules for the new layer, the same in GIMP 3 and
 * GIMP 2.10: its name, its opacity, and what is refused.
 */
#ifndef NS_NEW_LAYER_H
#define NS_NEW_LAYER_H

#include "ns-settings.h"

G_BEGIN_DECLS

/* The new layer: "The Great Wave off Kanagawa (Neural Style)".
 * (transfer full) */
gchar *       ns_new_layer_name         (const NsStyle    *style);
/* strength x 100 */
gdouble       ns_new_layer_opacity      (const NsSettings *settings);

/* Refusals, as GErrors in NS_ENGINE_ERROR. */
void          ns_set_indexed_error      (GError          **error);
void          ns_set_outside_selection_error (GError     **error,
                                         const gchar      *layer_name);
void          ns_set_not_layer_error    (GError          **error);

G_END_DECLS

#endif /* NS_NEW_LAYER_H */
