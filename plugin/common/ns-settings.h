/* ns-settings.h: the Neural Style filter as GIMP 3 and GIMP 2.10 both
 * register it: its name, texts and arguments (settings).
 */
#ifndef NS_SETTINGS_H
#define NS_SETTINGS_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

#define NS_PROCEDURE_NAME "plug-in-neural-style"
#define NS_PLUGIN_BINARY  "gimp-neural-style"
#define NS_MENU_PATH      "<Image>/Filters/Artistic"
#define NS_IMAGE_TYPES    "RGB*, GRAY*"
/* Room for a style id or a picture's path (PATH_MAX on Linux).  GIMP 2.10
 * keeps the whole NsSettings with gimp_set_data(), which has no size
 * limit that matters here. */
#define NS_STYLE_ID_MAX   4096

/* The filter's arguments.  An empty style means the default style: the
 * first one installed when the filter runs.  The style may also be a
 * picture's path (see ns_catalog_resolve()). */
typedef struct
{
  gchar    style[NS_STYLE_ID_MAX];
  gdouble  strength;
  gboolean preserve_colors;
  gdouble  scale;
  gdouble  style_amount;  /* 0..1, styles that are a style vector only
                           * (see ns_styles_takes_amount()) */
  gint     style_layer;   /* id of a layer whose pixels are the style (it
                           * wins over `style`), or 0 */
  gchar    mix_style[NS_STYLE_ID_MAX]; /* a second style (an id or a
                           * picture's path) mixed in, or "": none */
  gdouble  mix;           /* 0..1: how much of `mix_style` (see
                           * ns_style_mix()) */
} NsSettings;

#define NS_STRENGTH_DEFAULT     1.0
#define NS_SCALE_DEFAULT        1.0
#define NS_STYLE_AMOUNT_DEFAULT 1.0
#define NS_MIX_DEFAULT          0.5

void          ns_settings_init          (NsSettings       *settings);
gboolean      ns_settings_validate      (const NsSettings *settings,
                                         GError          **error);
void          ns_settings_set_style     (NsSettings       *settings,
                                         const gchar      *style);
void          ns_settings_set_mix_style (NsSettings       *settings,
                                         const gchar      *style);
/* The engine's options for the new layer's pixels: the full style, since
 * the layer's opacity carries the strength. */
void          ns_settings_to_options    (const NsSettings *settings,
                                         NsOptions        *options);

/* Texts of the procedure, untranslated: GIMP 2.10 translates them itself
 * through the plug-in's registered domain, GIMP 3 callers wrap them in
 * _(). */
const gchar * ns_procedure_menu_label   (void);
const gchar * ns_procedure_blurb        (void);
const gchar * ns_procedure_help         (void);
const gchar * ns_procedure_authors      (void);
const gchar * ns_procedure_copyright    (void);
const gchar * ns_procedure_date         (void);
const gchar * ns_procedure_style_blurb  (void);
const gchar * ns_procedure_style_amount_blurb (void);
const gchar * ns_procedure_mix_style_blurb (void);
const gchar * ns_procedure_mix_blurb    (void);

G_END_DECLS

#endif /* NS_SETTINGS_H */
