/* catalog-private.h: what the engine knows of the catalog beyond the public
 * header; never installed.
 */
#ifndef NEURAL_STYLE_CATALOG_PRIVATE_H
#define NEURAL_STYLE_CATALOG_PRIVATE_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

/* A catalog entry that is a network but not a style (format=tflite:
 * Magenta's prediction and transfer networks), which ns_catalog_get_styles()
 * and the other style lists never show; its path is set when installed.
 * (transfer none) NULL if @id is unknown. */
const NsStyle * ns_catalog_lookup_network (NsCatalog   *catalog,
                                           const gchar *id);

G_END_DECLS

#endif /* NEURAL_STYLE_CATALOG_PRIVATE_H */
