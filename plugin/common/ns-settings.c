/* ns-settings.c: see ns-settings.h. */
#include "ns-i18n.h"
#include "ns-settings.h"

#include <string.h>

void
ns_settings_init (NsSettings *settings)
{
  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof (NsSettings));
  settings->strength = NS_STRENGTH_DEFAULT;
  settings->preserve_colors = FALSE;
  settings->scale = NS_SCALE_DEFAULT;
  settings->style_amount = NS_STYLE_AMOUNT_DEFAULT;
  settings->mix = NS_MIX_DEFAULT;
}

void
ns_settings_set_style (NsSettings  *settings,
                       const gchar *style)
{
  g_return_if_fail (settings != NULL);

  g_strlcpy (settings->style, style ? style : "", sizeof (settings->style));
}

void
ns_settings_set_mix_style (NsSettings  *settings,
                           const gchar *style)
{
  g_return_if_fail (settings != NULL);

  g_strlcpy (settings->mix_style, style ? style : "", sizeof (settings->mix_style));
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
  options.style_amount = settings->style_amount;
  if (! (settings->mix >= 0.0 && settings->mix <= 1.0))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("The mix must be between 0 and 1, not %g"), settings->mix);
      return FALSE;
    }
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
  options->style_amount = settings->style_amount;
}

const gchar *
ns_procedure_menu_label (void)
{
  return N_("_Neural Style...");
}

const gchar *
ns_procedure_blurb (void)
{
  return N_("Paint the layer in the style of a painting");
}

const gchar *
ns_procedure_help (void)
{
  return N_("Runs a style-transfer network (Johnson et al. 2016) on the "
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
  return N_("Style id, as listed by 'neural-style --list-styles' (for example "
           "\"wave\"), or the path of a picture to take the style from; "
           "empty for the first installed style");
}

const gchar *
ns_procedure_style_amount_blurb (void)
{
  return N_("For a preset, a saved style, a picture or a layer: how much of "
           "the style, 0 to 1; below 1 it mixes in the photo's own style "
           "(trained networks have none to mix)");
}

const gchar *
ns_procedure_mix_style_blurb (void)
{
  return N_("A second style mixed into the first, both presets, saved styles, "
           "pictures or layers (an id or a picture's path), or empty for none");
}

const gchar *
ns_procedure_mix_blurb (void)
{
  return N_("How much of the second style, 0 to 1: 0 paints with the first "
           "alone, 1 with the second alone");
}
