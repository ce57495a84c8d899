/* ns-config.c: see ns-config.h.
 *
 * The argument names are also the GimpProcedureConfig's property names,
 * which the dialog's widgets are bound to.
 */
#include "ns-i18n.h"
#include "ns-config.h"

void
ns_config_add_arguments (GimpProcedure *procedure)
{
  gimp_procedure_add_string_argument (procedure, "style",
                                      _("St_yle"),
                                      _(ns_procedure_style_blurb ()),
                                      "",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "strength",
                                      _("S_trength"),
                                      _("How much of the style shows: the new "
                                        "layer's opacity, 0 to 1"),
                                      0.0, 1.0, NS_STRENGTH_DEFAULT,
                                      G_PARAM_READWRITE);
  gimp_procedure_add_boolean_argument (procedure, "preserve-colors",
                                       _("_Preserve colors"),
                                       _("Keep the layer's own colors and take "
                                         "only the painting's strokes"),
                                       FALSE,
                                       G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "scale",
                                      _("Stroke _scale"),
                                      _("Size of the brush strokes: 1 is the "
                                        "network's own, 2 twice as large"),
                                      NS_SCALE_MIN, NS_SCALE_MAX,
                                      NS_SCALE_DEFAULT,
                                      G_PARAM_READWRITE);
}

void
ns_config_get_settings (GimpProcedureConfig *config,
                        NsSettings          *settings)
{
  g_autofree gchar *style = NULL;

  ns_settings_init (settings);
  g_object_get (config,
                "style",           &style,
                "strength",        &settings->strength,
                "preserve-colors", &settings->preserve_colors,
                "scale",           &settings->scale,
                NULL);
  ns_settings_set_style (settings, style);
}
