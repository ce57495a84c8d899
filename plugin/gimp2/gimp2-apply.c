/* gimp2-apply.c: the new layer, painted and put above its source.
 *
 * The layer is painted before it enters the image, and the undo group holds
 * only its arrival: a failure, a cancel, or GIMP killing the plug-in halfway
 * leaves the image exactly as it was, and success is one undo step.
 */
#include "ns-i18n.h"

#include <libgimp/gimp.h>

#include "gimp2-plugin.h"
#include "ns-buffer.h"
#include "ns-new-layer.h"
#include "ns-styles.h"

GeglBuffer *
gimp2_drawable_get_buffer (gint32 drawable)
{
  GeglBuffer       *buffer = gimp_drawable_get_buffer (drawable);
  GimpColorProfile *profile;
  const Babl       *space = NULL;

  if (!buffer || !gimp_item_is_layer (drawable))
    return buffer;

  /* GIMP 2.10's buffer says sRGB whatever the image's profile, so an Adobe
   * RGB layer would reach the engine, and come back, as raw numbers.  The
   * image's space (as GIMP 3's libgimp gives it) lets GEGL convert. */
  profile = gimp_image_get_color_profile (gimp_item_get_image (drawable));
  if (profile)
    {
      space = gimp_color_profile_get_space (profile,
                                            GIMP_COLOR_RENDERING_INTENT_RELATIVE_COLORIMETRIC,
                                            NULL);
      g_object_unref (profile);
    }
  if (space)
    gegl_buffer_set_format (buffer,
                            babl_format_with_space (babl_get_name (gegl_buffer_get_format (buffer)),
                                                    space));
  return buffer;
}

NsStyle *
gimp2_style_get (NsCatalog        *catalog,
                 const NsSettings *settings,
                 GError          **error)
{
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autofree gchar *name = NULL;

  if (!settings->style_layer)
    return ns_styles_get (catalog, settings->style, error);

  if (!gimp_item_is_valid (settings->style_layer) || !gimp_item_is_layer (settings->style_layer))
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                           _("The style layer is not a layer of an open image"));
      return NULL;
    }
  buffer = gimp2_drawable_get_buffer (settings->style_layer);
  name = gimp_item_get_name (settings->style_layer);
  return ns_styles_from_buffer (catalog, buffer, gegl_buffer_get_extent (buffer), name, error);
}

static gboolean
show_progress (gdouble  fraction,
               gpointer user_data)
{
  (void) user_data;
  gimp_progress_update (fraction);
  return TRUE;
}

/* (transfer full) a layer of the image, not yet in it */
static gint32
new_layer (gint32            image,
           gint32            drawable,
           const NsStyle    *style,
           const NsSettings *settings)
{
  g_autofree gchar *name = ns_new_layer_name (style);
  gint32 layer;
  gint   offset_x, offset_y;

  layer = gimp_layer_new (image, name,
                          gimp_drawable_width (drawable),
                          gimp_drawable_height (drawable),
                          gimp_drawable_type (drawable),
                          ns_new_layer_opacity (settings),
                          GIMP_LAYER_MODE_NORMAL);
  gimp_drawable_offsets (drawable, &offset_x, &offset_y);
  gimp_layer_set_offsets (layer, offset_x, offset_y);
  return layer;
}

/* The source's pixels everywhere, painted over @area. */
static gboolean
paint_layer (NsEngine            *engine,
             const NsSettings    *settings,
             gint32               drawable,
             gint32               layer,
             const GeglRectangle *area,
             GError             **error)
{
  g_autoptr (GeglBuffer) source = gimp2_drawable_get_buffer (drawable);
  g_autoptr (GeglBuffer) dest = gimp2_drawable_get_buffer (layer);

  return ns_buffer_paint_new_layer (engine, settings, source, dest, area,
                                    show_progress, NULL, error);
}

static void
insert_above (gint32 image,
              gint32 drawable,
              gint32 layer)
{
  gimp_image_undo_group_start (image);

  gimp_image_insert_layer (image, layer, gimp_item_get_parent (drawable),
                           gimp_image_get_item_position (image, drawable));
  if (!gimp_selection_is_empty (image))
    gimp_layer_add_mask (layer, gimp_layer_create_mask (layer, GIMP_ADD_MASK_SELECTION));

  gimp_image_undo_group_end (image);
}

gboolean
gimp2_apply (gint32            image,
             gint32            drawable,
             const NsStyle    *style,
             const NsSettings *settings,
             GError          **error)
{
  g_autoptr (NsEngine) engine = NULL;
  GeglRectangle area;
  gint32        layer;

  if (!gimp_drawable_mask_intersect (drawable, &area.x, &area.y, &area.width, &area.height))
    {
      g_autofree gchar *name = gimp_item_get_name (drawable);
      ns_set_outside_selection_error (error, name);
      return FALSE;
    }

  engine = ns_engine_new_for_style (style, error);
  if (!engine)
    return FALSE;

  gimp_progress_init_printf (_("Painting in the style of %s"), style->title);
  layer = new_layer (image, drawable, style, settings);
  if (!paint_layer (engine, settings, drawable, layer, &area, error))
    {
      gimp_item_delete (layer);
      return FALSE;
    }

  insert_above (image, drawable, layer);
  gimp_progress_update (1.0);
  return TRUE;
}
