/* ns-dialog.h: the GIMP 3 filter's dialog. */
#ifndef NS_DIALOG_H
#define NS_DIALOG_H

#include <libgimp/gimp.h>

#include "neural-style-engine.h"

G_BEGIN_DECLS

/* The dialog's own arguments (auxiliary: not in the procedure's
 * signature): where the style comes from, and the picture file. */
void      ns_dialog_add_arguments (GimpProcedure *procedure);

/* Shows the dialog for @drawable with the styles installed in @catalog,
 * bound to @config.  TRUE when the user pressed OK; FALSE when cancelled,
 * or with @error set when there is no style to offer.  Call gimp_ui_init()
 * first. */
gboolean  ns_dialog_run (GimpProcedure        *procedure,
                         GimpProcedureConfig  *config,
                         NsCatalog            *catalog,
                         GimpDrawable         *drawable,
                         GError              **error);

G_END_DECLS

#endif /* NS_DIALOG_H */
