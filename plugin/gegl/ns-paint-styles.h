/* ns-paint-styles.h: the styles neural-style:paint offers, as a GEnum.
 *
 * GIMP's generated dialog shows an enum property as a list to choose
 * from, and an .xcf stores its number: each style's number is a hash of
 * its id, the same whatever else is installed.
 */
#ifndef NS_PAINT_STYLES_H
#define NS_PAINT_STYLES_H

#include <glib-object.h>

#include "neural-style-engine.h"
#include "ns-settings.h"

G_BEGIN_DECLS

/* The enum of every style the catalog knows when the module loads:
 * installed ones first, then catalog styles not installed (so that an .xcf
 * naming one still opens), and NS_PAINT_STYLE_DEFAULT.  Made once. */
GType         ns_paint_style_get_type   (void);

/* "The first installed style, whichever it is" */
#define NS_PAINT_STYLE_DEFAULT 0

/* The default style's number: the first installed style's, so that an
 * .xcf remembers which one it was. */
gint          ns_paint_style_default    (void);

/* The id of style number @value, or NULL for the default style (and for a
 * number no style has).  (transfer none) */
const gchar * ns_paint_style_id         (gint value);

/* Style @id's number: a hash, in 1..G_MAXINT32. */
gint          ns_paint_style_number     (const gchar *id);

G_END_DECLS

#endif /* NS_PAINT_STYLES_H */
