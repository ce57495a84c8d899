/* ns-config.c: see ns-config.h.
 *
 * The argument names are also the GimpProcedureConfig's property names,
 * which the dialog's widgets are bound to.  Arguments added later go at the
 * end, so that scripts written for fewer keep working.
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
                                      _("Stro_ke scale"),
                                      _("Size of the brush strokes: 1 is the "
                                        "network's own, 2 twice as large"),
                                      NS_SCALE_MIN, NS_SCALE_MAX,
                                      NS_SCALE_DEFAULT,
                                      G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "style-amount",
                                      _("Style _amount"),
                                      _(ns_procedure_style_amount_blurb ()),
                                      0.0, 1.0, NS_STYLE_AMOUNT_DEFAULT,
                                      G_PARAM_READWRITE);
  gimp_procedure_add_layer_argument (procedure, "style-layer",
                                     _("Style _layer"),
                                     _("A layer of any open image whose pixels "
                                       "are the style (it wins over 'style'), "
                                       "or none"),
                                     TRUE,
                                     G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "mix-style",
                                      _("_Mix with"),
                                      _(ns_procedure_mix_style_blurb ()),
                                      "",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "mix",
                                      _("Mi_x"),
                                      _(ns_procedure_mix_blurb ()),
                                      0.0, 1.0, NS_MIX_DEFAULT,
                                      G_PARAM_READWRITE);
}

void
ns_config_get_settings (GimpProcedureConfig *config,
                        NsSettings          *settings)
{
  g_autofree gchar       *style = NULL;
  g_autofree gchar       *mix_style = NULL;
  g_autoptr (GimpLayer)   layer = NULL;

  ns_settings_init (settings);
  g_object_get (config,
                "style",           &style,
                "strength",        &settings->strength,
                "preserve-colors", &settings->preserve_colors,
                "scale",           &settings->scale,
                "style-amount",    &settings->style_amount,
                "style-layer",     &layer,
                "mix-style",       &mix_style,
                "mix",             &settings->mix,
                NULL);
  ns_settings_set_style (settings, style);
  ns_settings_set_mix_style (settings, mix_style);
  settings->style_layer = layer ? gimp_item_get_id (GIMP_ITEM (layer)) : 0;
}

NsStyle *
ns_config_get_style (NsCatalog         *catalog,
                     const NsSettings  *settings,
                     GError           **error)
{
  GimpLayer              *layer;
  g_autoptr (GeglBuffer)  buffer = NULL;
  g_autofree gchar       *name = NULL;
  GeglRectangle           area;

  if (! settings->style_layer)
    return ns_styles_get (catalog, settings->style, error);

  layer = gimp_layer_get_by_id (settings->style_layer);
  if (! layer)
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                           _("The style layer is gone: choose another one"));
      return NULL;
    }

  buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
  name = gimp_item_get_name (GIMP_ITEM (layer));
  area = *gegl_buffer_get_extent (buffer);
  return ns_styles_from_buffer (catalog, buffer, &area, name, error);
}
