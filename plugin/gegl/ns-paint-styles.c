/* ns-paint-styles.c: see ns-paint-styles.h. */
#include "ns-i18n.h"
#include "ns-paint-styles.h"
#include "ns-styles.h"

static gint default_number = NS_PAINT_STYLE_DEFAULT;

gint
ns_paint_style_number (const gchar *id)
{
  /* FNV-1a: fixed by its definition, unlike g_str_hash (), so the numbers
   * in saved .xcf files keep their meaning. */
  guint32 hash = 2166136261u;

  for (const guchar *p = (const guchar *) id; *p; p++)
    hash = (hash ^ *p) * 16777619u;
  hash &= G_MAXINT32;
  return hash ? (gint) hash : 1;
}

static gboolean
number_taken (GArray *values,
              gint    number)
{
  for (guint i = 0; i < values->len; i++)
    if (g_array_index (values, GEnumValue, i).value == number)
      return TRUE;
  return FALSE;
}

static void
add_style (GArray        *values,
           NsCatalog     *catalog,
           const NsStyle *style,
           gboolean       installed)
{
  GEnumValue  value;
  gchar      *label = ns_styles_label (catalog, style);

  value.value = ns_paint_style_number (style->id);
  if (number_taken (values, value.value))
    {
      /* Two ids of one hash: the second cannot be told apart in an .xcf. */
      g_warning ("Neural Style: style '%s' has the number of another style "
                 "and is left out of the filter's list", style->id);
      g_free (label);
      return;
    }
  if (! installed)
    {
      gchar *marked = g_strdup_printf (_("%s (not installed)"), label);

      g_free (label);
      label = marked;
    }
  /* The enum lives as long as the process: its strings too. */
  value.value_name = label;
  value.value_nick = g_strdup (style->id);
  g_array_append_val (values, value);
}

/* (transfer full) the values, ended by a zeroed one */
static GEnumValue *
style_values (void)
{
  GArray               *values = g_array_new (TRUE, TRUE, sizeof (GEnumValue));
  g_autoptr (NsCatalog) catalog = NULL;
  g_autoptr (GError)    error = NULL;
  GEnumValue            fallback = { NS_PAINT_STYLE_DEFAULT,
                                     _("The first installed style"),
                                     "default" };

  catalog = ns_styles_open (&error);
  if (catalog)
    {
      GPtrArray *styles = ns_catalog_get_styles (catalog);
      const NsStyle *first = ns_catalog_default_style (catalog);

      for (guint i = 0; i < styles->len; i++)
        {
          const NsStyle *style = g_ptr_array_index (styles, i);

          if (style->path)
            add_style (values, catalog, style, TRUE);
        }
      for (guint i = 0; i < styles->len; i++)
        {
          const NsStyle *style = g_ptr_array_index (styles, i);

          if (! style->path && style->in_catalog)
            add_style (values, catalog, style, FALSE);
        }
      /* The default must be in the list: the first installed style's
       * number, unless another style took it. */
      if (first && values->len > 0 &&
          ns_paint_style_number (first->id) == g_array_index (values, GEnumValue, 0).value)
        default_number = ns_paint_style_number (first->id);
    }
  else
    {
      g_warning ("Neural Style: %s", error->message);
    }
  g_array_append_val (values, fallback);
  return (GEnumValue *) g_array_free (values, FALSE);
}

GType
ns_paint_style_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      GType made;

      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      made = g_enum_register_static ("NsPaintStyle", style_values ());
      g_once_init_leave (&type, made);
    }
  return (GType) type;
}

gint
ns_paint_style_default (void)
{
  ns_paint_style_get_type ();
  return default_number;
}

const gchar *
ns_paint_style_id (gint value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (ns_paint_style_get_type ());
  GEnumValue            *found = g_enum_get_value (klass, value);

  if (! found || found->value == NS_PAINT_STYLE_DEFAULT)
    return NULL;
  return found->value_nick;
}
