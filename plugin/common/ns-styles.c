/* ns-styles.c: see ns-styles.h. */
#include "ns-i18n.h"
#include "ns-styles.h"

NsCatalog *
ns_styles_open (GError **error)
{
  return ns_catalog_new (NULL, NULL, error);
}

static gboolean
same_description (const NsStyle *a,
                  const NsStyle *b)
{
  return g_strcmp0 (a->title, b->title) == 0 && g_strcmp0 (a->artist, b->artist) == 0;
}

gchar *
ns_styles_label (NsCatalog     *catalog,
                 const NsStyle *style)
{
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);
  g_autofree gchar *description = ns_style_describe (style);

  for (guint i = 0; i < installed->len; i++)
    {
      const NsStyle *other = g_ptr_array_index (installed, i);

      if (other != style && same_description (other, style))
        return g_strdup_printf ("%s [%s]", description, style->id);
    }
  return g_steal_pointer (&description);
}

const NsStyle *
ns_styles_resolve (NsCatalog    *catalog,
                   const gchar  *id,
                   GError      **error)
{
  return ns_catalog_find_installed (catalog, id, error);
}
