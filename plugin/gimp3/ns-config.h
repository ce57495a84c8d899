/* ns-config.h: the procedure's arguments, and the settings they carry. */
#ifndef NS_CONFIG_H
#define NS_CONFIG_H

#include <libgimp/gimp.h>

#include "ns-settings.h"
#include "ns-styles.h"

G_BEGIN_DECLS

void      ns_config_add_arguments (GimpProcedure        *procedure);
void      ns_config_get_settings  (GimpProcedureConfig  *config,
                                   NsSettings           *settings);
/* The style @settings name: the style layer's pixels if there is one,
 * else the style id or picture path.  (transfer full) */
NsStyle * ns_config_get_style     (NsCatalog            *catalog,
                                   const NsSettings     *settings,
                                   GError              **error);

G_END_DECLS

#endif /* NS_CONFIG_H */
