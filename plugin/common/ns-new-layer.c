/* ns-new-layer.c: see ns-new-layer.h. */
#include "ns-i18n.h"
#include "ns-new-layer.h"

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
