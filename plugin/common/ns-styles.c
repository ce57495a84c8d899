/* ns-styles.c: see ns-styles.h. */
#include "ns-i18n.h"
#include "ns-buffer.h"
#include "ns-styles.h"

static GMutex engine_mutex;

void
ns_styles_engine_lock (void)
{
  g_mutex_lock (&engine_mutex);
}

void
ns_styles_engine_unlock (void)
{
  g_mutex_unlock (&engine_mutex);
}

/* The format of the styles ns_styles_from_buffer() makes. */
#define LAYER_FORMAT "layer"

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

NsStyle *
ns_styles_get (NsCatalog    *catalog,
               const gchar  *id_or_path,
               GError      **error)
{
  const NsStyle *style;

  if (id_or_path && *id_or_path)
    return ns_catalog_resolve (catalog, id_or_path, error);

  style = ns_catalog_find_installed (catalog, NULL, error);
  return style ? ns_style_copy (style) : NULL;
}

gboolean
ns_styles_is_picture (const NsStyle *style)
{
  return style->kind == NS_STYLE_KIND_PICTURE || g_strcmp0 (style->format, LAYER_FORMAT) == 0;
}

gboolean
ns_styles_takes_amount (const NsStyle *style)
{
  return style->kind == NS_STYLE_KIND_VECTOR || style->kind == NS_STYLE_KIND_PICTURE;
}

gdouble
ns_styles_amount (const NsStyle    *style,
                  const NsSettings *settings)
{
  return style && ns_styles_takes_amount (style) ? settings->style_amount : 1.0;
}

/* An installed vector style: its networks are Magenta's, both of them. */
static const NsStyle *
find_magenta (NsCatalog  *catalog,
              GError    **error)
{
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);

  for (guint i = 0; i < installed->len; i++)
    {
      const NsStyle *style = g_ptr_array_index (installed, i);

      if (style->kind == NS_STYLE_KIND_VECTOR && style->transfer_path && style->prediction_path)
        return style;
    }

  g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
               _("A picture as the style needs Magenta's networks; "
                 "install them with '%s'"),
               "neural-style-fetch starry-night");
  return NULL;
}

NsStyle *
ns_styles_from_buffer (NsCatalog           *catalog,
                       GeglBuffer          *buffer,
                       const GeglRectangle *area,
                       const gchar         *name,
                       GError             **error)
{
  g_autoptr (NsEngine) engine = NULL;
  g_autofree gfloat   *vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  const NsStyle       *magenta;
  NsStyle             *style;
  gboolean             ok;

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer) && area != NULL && name != NULL, NULL);

  magenta = find_magenta (catalog, error);
  if (! magenta)
    return NULL;

  ns_styles_engine_lock ();
  engine = ns_engine_new_arbitrary (magenta->transfer_path, magenta->prediction_path, error);
  ok = engine && ns_buffer_predict_style (engine, buffer, area, vector, error);
  ns_styles_engine_unlock ();
  if (! ok)
    return NULL;

  style = g_new0 (NsStyle, 1);
  style->id = g_strdup (name);
  style->title = g_strdup (name);
  style->kind = NS_STYLE_KIND_VECTOR;
  style->format = g_strdup (LAYER_FORMAT);
  style->convention = NS_CONVENTION_UNIT;
  style->path = g_strdup (magenta->transfer_path);
  style->transfer_path = g_strdup (magenta->transfer_path);
  style->prediction_path = g_strdup (magenta->prediction_path);
  style->vector = g_steal_pointer (&vector);
  return style;
}

GPtrArray *
ns_styles_mixable (NsCatalog *catalog)
{
  GPtrArray *styles = ns_catalog_get_installed (catalog);

  for (guint i = styles->len; i-- > 0;)
    if (! ns_styles_takes_amount (g_ptr_array_index (styles, i)))
      g_ptr_array_remove_index (styles, i);
  return styles;
}

/* Keeps @style's vector in it, predicting a picture's now. */
static gboolean
keep_vector (NsStyle  *style,
             GError  **error)
{
  g_autofree gfloat *vector = NULL;
  gboolean           ok;

  if (style->vector)
    return TRUE;

  vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  ns_styles_engine_lock ();
  ok = ns_style_get_vector (style, vector, error);
  ns_styles_engine_unlock ();
  if (ok)
    style->vector = g_steal_pointer (&vector);
  return ok;
}

NsStyle *
ns_styles_mix (NsCatalog        *catalog,
               NsStyle          *style,
               const NsSettings *settings,
               NsStyle         **second_cache,
               GError          **error)
{
  g_autoptr (NsStyle) own = NULL;
  NsStyle           **second = second_cache ? second_cache : &own;

  g_return_val_if_fail (catalog != NULL && style != NULL && settings != NULL, NULL);

  if (! *settings->mix_style)
    return ns_style_copy (style);

  /* The second style as last made, or made now (and kept). */
  if (! *second || g_strcmp0 ((*second)->id, settings->mix_style) != 0)
    {
      g_clear_pointer (second, ns_style_free);
      if (! (*second = ns_styles_get (catalog, settings->mix_style, error)))
        return NULL;
    }

  if (! keep_vector (style, error) || ! keep_vector (*second, error))
    return NULL;
  return ns_style_mix (style, *second, settings->mix, error);
}

/* The vector of a picture or vector @style.  (transfer full) */
static gfloat *
style_vector (const NsStyle  *style,
              GError        **error)
{
  g_autofree gfloat *vector = NULL;
  gboolean           ok;

  if (style->kind == NS_STYLE_KIND_NETWORK)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Only a picture or a layer can be saved as a style"));
      return NULL;
    }

  vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  ns_styles_engine_lock ();
  ok = ns_style_get_vector (style, vector, error);
  ns_styles_engine_unlock ();
  return ok ? g_steal_pointer (&vector) : NULL;
}

gchar *
ns_styles_save (NsCatalog     *catalog,
                const NsStyle *style,
                const gchar   *id,
                const gchar   *title,
                GError       **error)
{
  g_autofree gfloat *vector = NULL;
  g_autofree gchar  *picture = NULL;

  g_return_val_if_fail (style != NULL && id != NULL, NULL);

  vector = style_vector (style, error);
  if (! vector)
    return NULL;

  picture = style->kind == NS_STYLE_KIND_PICTURE ? g_path_get_basename (style->path)
                                                 : g_strdup (style->title);
  return ns_catalog_save_style (catalog, NULL, id,
                                title && *title ? title : style->title,
                                picture, vector, error);
}
