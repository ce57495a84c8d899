/* gimp2-plugin.h: the GIMP 2.10 front-end's parts. */
#ifndef GIMP2_PLUGIN_H
#define GIMP2_PLUGIN_H

#include <libgimp/gimp.h>

#include "ns-settings.h"

G_BEGIN_DECLS

/* Batch only: plug-in-neural-style's arguments, then the style amount and
 * a style layer.  GIMP 2.10's Script-Fu refuses a call with fewer
 * arguments than the procedure has, so plug-in-neural-style itself keeps
 * its seven and the scripts written for it keep working. */
#define GIMP2_PICTURE_PROCEDURE "plug-in-neural-style-picture"
/* Batch only: the picture procedure's arguments, then a second style
 * mixed in and how much of it.  A procedure of its own: scripts calling
 * either of the other two keep working. */
#define GIMP2_MIX_PROCEDURE "plug-in-neural-style-mix"

/* gimp2-apply.c: gimp_drawable_get_buffer() with the image's colour
 * space in the buffer's format, so that reading "R'G'B'A float" gives
 * sRGB.  (transfer full) */
GeglBuffer * gimp2_drawable_get_buffer (gint32 drawable);

/* gimp2-apply.c: the style @settings name: an installed style, a picture
 * file, or a layer of any open image.  (transfer full) */
NsStyle * gimp2_style_get     (NsCatalog        *catalog,
                               const NsSettings *settings,
                               GError          **error);

/* gimp2-apply.c: paints @drawable's selected area into a new layer above
 * it; the image changes only if everything succeeds. */
gboolean  gimp2_apply         (gint32            image,
                               gint32            drawable,
                               const NsStyle    *style,
                               const NsSettings *settings,
                               GError          **error);

/* gimp2-dialog.c: TRUE if the user pressed OK; @settings then hold the
 * choice.  Saving a style in the dialog replaces *@catalog with one that
 * has it. */
gboolean  gimp2_dialog        (gint32            drawable,
                               NsCatalog       **catalog,
                               NsSettings       *settings);

G_END_DECLS

#endif /* GIMP2_PLUGIN_H */
