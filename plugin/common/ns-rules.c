/* ns-rules.c: see ns-rules.h. */
#include "ns-i18n.h"
#include "ns-rules.h"

#include <string.h>

void
ns_settings_init (NsSettings *settings)
{
  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof (NsSettings));
  settings->strength = NS_STRENGTH_DEFAULT;
  settings->preserve_colors = FALSE;
  settings->scale = NS_SCALE_DEFAULT;
}

void
ns_settings_set_style (NsSettings  *settings,
                       const gchar *style)
{
  g_return_if_fail (settings != NULL);

  g_strlcpy (settings->style, style ? style : "", sizeof (settings->style));
}

gboolean
ns_settings_validate (const NsSettings *settings,
                      GError          **error)
{
  NsOptions options;

  g_return_val_if_fail (settings != NULL, FALSE);

  ns_options_init (&options);
  options.strength = settings->strength;
  options.scale = settings->scale;
  return ns_options_validate (&options, error);
}

void
ns_settings_to_options (const NsSettings *settings,
                        NsOptions        *options)
{
  g_return_if_fail (settings != NULL && options != NULL);

  ns_options_init (options);
  options->strength = 1.0;
  options->preserve_colors = settings->preserve_colors;
  options->scale = settings->scale;
}

const gchar *
ns_procedure_menu_label (void)
{
  return _("_Neural Style...");
}

const gchar *
ns_procedure_blurb (void)
{
  return _("Paint the layer in the style of a painting");
}

const gchar *
ns_procedure_help (void)
{
  return _("Runs a style-transfer network (Johnson et al. 2016) on the "
           "selected layers and puts the painting in a new layer above "
           "each one, at an opacity equal to the strength: blend by "
           "changing the layer's opacity.  With a selection, only the "
           "selection is painted and the new layer gets it as a mask.  "
           "Styles are installed with 'neural-style-fetch'.");
}

const gchar *
ns_procedure_authors (void)
{
  return "Neural Style contributors";
}

const gchar *
ns_procedure_copyright (void)
{
  return "Neural Style contributors, GPL-3.0-or-later";
}

const gchar *
ns_procedure_date (void)
{
  return "2026";
}

const gchar *
ns_procedure_style_blurb (void)
{
  return _("Style id, as listed by 'neural-style --list-styles' (for example "
           "\"wave\"); empty for the first installed style");
}

gchar *
ns_new_layer_name (const NsStyle *style)
{
  g_return_val_if_fail (style != NULL, NULL);

  /* TRANSLATORS: the new layer's name; %s is the painting's title */
  return g_strdup_printf (_("%s (Neural Style)"), style->title);
}

gdouble
ns_new_layer_opacity (const NsSettings *settings)
{
  g_return_val_if_fail (settings != NULL, 100.0);

  return CLAMP (settings->strength, 0.0, 1.0) * 100.0;
}

void
ns_set_indexed_error (GError **error)
{
  g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                       _("Neural Style works on RGB and grayscale images. "
                         "Convert this indexed image with Image > Mode > RGB first."));
}

void
ns_set_outside_selection_error (GError      **error,
                                const gchar  *layer_name)
{
  g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
               _("The selection does not touch the layer '%s'"), layer_name);
}

void
ns_set_not_layer_error (GError **error)
{
  g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                       _("Neural Style paints layers, not channels or "
                         "masks: select a layer"));
}
