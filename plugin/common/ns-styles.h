/* ns-styles.h: the installed styles as the plug-in offers them. */
#ifndef NS_STYLES_H
#define NS_STYLES_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

/* The catalog with the default search path.  (transfer full) */
NsCatalog *   ns_styles_open            (GError      **error);

/* What the style chooser shows: "The Great Wave off Kanagawa (Katsushika
 * Hokusai)", with the id added when two installed styles would read the
 * same.  (transfer full) */
gchar *       ns_styles_label           (NsCatalog    *catalog,
                                         const NsStyle *style);

/* The style @id names (empty or NULL: the default), installed, or an error
 * that says what to do.  (transfer none) */
const NsStyle * ns_styles_resolve       (NsCatalog    *catalog,
                                         const gchar  *id,
                                         GError      **error);

G_END_DECLS

#endif /* NS_STYLES_H */
