/* ns-i18n.h: gettext for the plug-in's own domain (see po/). */
#ifndef NS_I18N_H
#define NS_I18N_H

#include "config.h"

#include <glib/gi18n-lib.h>

#endif /* NS_I18N_H */
