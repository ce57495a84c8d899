/* ns-layer.c: see ns-layer.h.
 *
 * Each new layer is painted before it joins the image, so GIMP never shows
 * a half-painted layer, a failure (or GIMP killing the plug-in when its
 * progress is cancelled) leaves only layers nobody saw, and the undo group
 * holds the insertions and masks and nothing else.
 */
#include "ns-i18n.h"
#include "ns-layer.h"

#include "ns-buffer.h"
#include "ns-new-layer.h"


/* The progress bar across several layers. */
typedef struct
{
  gdouble done;   /* fraction of all the pixels painted before this layer */
  gdouble share;  /* this layer's fraction of all the pixels */
} Progress;

static gboolean
progress_update (gdouble  fraction,
                 gpointer user_data)
{
  const Progress *progress = user_data;

  gimp_progress_update (progress->done + fraction * progress->share);
  return TRUE;
}

/* The part of @drawable to paint: the selection's bounds on it. */
static gboolean
paint_area (GimpDrawable  *drawable,
            GeglRectangle *area)
{
  return gimp_drawable_mask_intersect (drawable,
                                       &area->x, &area->y,
                                       &area->width, &area->height);
}

static gboolean
check_drawable (GimpDrawable  *drawable,
                GError       **error)
{
  GeglRectangle area;

  if (! GIMP_IS_LAYER (drawable))
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                           _("Neural Style paints layers, not channels or "
                             "masks: select a layer"));
      return FALSE;
    }

  if (! paint_area (drawable, &area))
    {
      g_autofree gchar *name = gimp_item_get_name (GIMP_ITEM (drawable));

      ns_set_outside_selection_error (error, name);
      return FALSE;
    }

  return TRUE;
}

gboolean
ns_layer_check_image (GimpImage     *image,
                      GimpDrawable **drawables,
                      GError       **error)
{
  if (gimp_image_get_base_type (image) == GIMP_INDEXED)
    {
      ns_set_indexed_error (error);
      return FALSE;
    }

  if (! drawables || ! drawables[0])
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                           _("Select the layer to paint"));
      return FALSE;
    }

  for (gint i = 0; drawables[i]; i++)
    if (! check_drawable (drawables[i], error))
      return FALSE;

  return TRUE;
}

/* The full style into @dest's @area, over a copy of all of @source: the
 * new layer keeps the source's alpha, and its opacity carries the
 * strength. */
static gboolean
paint_pixels (GimpDrawable        *source,
              GimpDrawable        *dest,
              NsEngine            *engine,
              const NsSettings    *settings,
              const GeglRectangle *area,
              Progress            *progress,
              GError             **error)
{
  g_autoptr (GeglBuffer) source_buffer = gimp_drawable_get_buffer (source);
  g_autoptr (GeglBuffer) dest_buffer   = gimp_drawable_get_buffer (dest);

  return ns_buffer_paint_new_layer (engine, settings, source_buffer, dest_buffer,
                                    area, progress_update, progress, error);
}

/* A new layer like @source (size, offsets, type with alpha; the image's
 * precision), painted but not yet in the image.  (transfer full) */
static GimpLayer *
paint_layer (GimpImage         *image,
             GimpDrawable      *source,
             NsEngine          *engine,
             const NsStyle     *style,
             const NsSettings  *settings,
             Progress          *progress,
             GError           **error)
{
  g_autofree gchar *name = ns_new_layer_name (style);
  GeglRectangle     area;
  GimpLayer        *layer;
  gint              x, y;

  paint_area (source, &area);

  layer = gimp_layer_new (image, name,
                          gimp_drawable_get_width (source),
                          gimp_drawable_get_height (source),
                          gimp_drawable_type (source),
                          ns_new_layer_opacity (settings),
                          GIMP_LAYER_MODE_NORMAL);
  gimp_drawable_get_offsets (source, &x, &y);
  gimp_layer_set_offsets (layer, x, y);

  if (! paint_pixels (source, GIMP_DRAWABLE (layer), engine, settings,
                      &area, progress, error))
    {
      gimp_item_delete (GIMP_ITEM (layer));
      return NULL;
    }

  return layer;
}

static gdouble
total_area (GimpDrawable **drawables)
{
  gdouble total = 0.0;

  for (gint i = 0; drawables[i]; i++)
    {
      GeglRectangle area;

      if (paint_area (drawables[i], &area))
        total += (gdouble) area.width * area.height;
    }

  return MAX (total, 1.0);
}

static void
delete_layers (GPtrArray *layers)
{
  for (guint i = 0; i < layers->len; i++)
    gimp_item_delete (g_ptr_array_index (layers, i));

  g_ptr_array_set_size (layers, 0);
}

/* Each of @layers right above its source, masked by the selection if
 * there is one: one undo step.  The new layers end up selected. */
static void
insert_layers (GimpImage     *image,
               GimpDrawable **sources,
               GPtrArray     *layers)
{
  gboolean masked = ! gimp_selection_is_empty (image);

  gimp_image_undo_group_start (image);

  for (guint i = 0; i < layers->len; i++)
    {
      GimpItem  *source = GIMP_ITEM (sources[i]);
      GimpLayer *layer  = g_ptr_array_index (layers, i);

      gimp_image_insert_layer (image, layer,
                               GIMP_LAYER (gimp_item_get_parent (source)),
                               gimp_image_get_item_position (image, source));
      if (masked)
        gimp_layer_add_mask (layer,
                             gimp_layer_create_mask (layer,
                                                     GIMP_ADD_MASK_SELECTION));
    }

  gimp_image_undo_group_end (image);

  g_ptr_array_add (layers, NULL);
  gimp_image_set_selected_layers (image, (const GimpLayer **) layers->pdata);
}

gboolean
ns_layer_paint (GimpImage         *image,
                GimpDrawable     **drawables,
                const NsStyle     *style,
                const NsSettings  *settings,
                GError           **error)
{
  g_autoptr (NsEngine)  engine = NULL;
  g_autoptr (GPtrArray) layers = g_ptr_array_new ();
  Progress              progress = { 0.0, 0.0 };
  const gdouble         total = total_area (drawables);

  gimp_progress_init_printf (_("Painting in the style of %s"), style->title);

  engine = ns_engine_new_for_style (style, error);
  if (! engine)
    return FALSE;

  for (gint i = 0; drawables[i]; i++)
    {
      GimpLayer     *layer;
      GeglRectangle  area;

      paint_area (drawables[i], &area);
      progress.share = (gdouble) area.width * area.height / total;

      layer = paint_layer (image, drawables[i], engine, style, settings,
                           &progress, error);
      if (! layer)
        {
          delete_layers (layers);
          return FALSE;
        }

      g_ptr_array_add (layers, layer);
      progress.done += progress.share;
    }

  insert_layers (image, drawables, layers);
  gimp_progress_update (1.0);

  return TRUE;
}
