/* neural-style-paint.c: Neural Style as a GEGL operation, neural-style:paint.
 *
 * GIMP 3 applies it as a non-destructive filter (Filters > Artistic), keeps
 * it in the layer's filter stack and saves it in the .xcf; the `gegl`
 * command runs it on files.  The filter's own opacity is the strength, so
 * the operation always paints the whole style.
 *
 * GIMP renders a filter again for every flatten, merge, export, reopened
 * dialog and opened .xcf, on its main thread: the last paintings, keyed by
 * the input's pixels and the properties, and the loaded network are kept so
 * that none of those runs the network twice.
 *
 * The operation runs inside GIMP's own process: every failure (a missing
 * model, a picture that is not one, too little memory) leaves the layer as
 * it was and says why in GIMP's error console.  The engine's C API turns
 * every C++ exception into a GError.
 */
#include "ns-i18n.h"

#ifdef GEGL_PROPERTIES

property_enum (style, _("Style"), gint, ns_paint_style, ns_paint_style_default ())
    description (_("The painting whose style is used; a picture, when one is "
                   "chosen, wins over it"))

property_double (style_amount, _("Style amount"), NS_STYLE_AMOUNT_DEFAULT)
    description (_("For a preset, a saved style or a picture: how much of "
                   "the style, 0 to 1; below 1 it mixes in the photo's own "
                   "style (trained networks have none to mix)"))
    value_range (0.0, 1.0)

property_boolean (preserve_colors, _("Preserve colors"), FALSE)
    description (_("Keep the layer's own colors and take only the "
                   "painting's strokes"))

property_double (scale, _("Stroke scale"), NS_SCALE_DEFAULT)
    description (_("Size of the brush strokes: 1 is the network's own, 2 "
                   "twice as large"))
    value_range (NS_SCALE_MIN, NS_SCALE_MAX)

/* Last: libgimp 3.0 cannot hand a file path property to Python-Fu and then
 * drops every property declared after it. */
property_file_path (picture, _("Style picture"), "")
    description (_("A picture (PNG, JPEG or TIFF) whose style is used "
                   "instead of the chosen style; empty for none"))

#else

#define GEGL_OP_FILTER
#define GEGL_OP_NAME     neural_style_paint
#define GEGL_OP_C_SOURCE neural-style-paint.c

#include "ns-paint-cache.h"
#include "ns-paint-styles.h"

#include <gegl-op.h>

static void
prepare (GeglOperation *operation)
{
  const Babl *space = gegl_operation_get_source_space (operation, "input");
  const Babl *format = babl_format_with_space ("R'G'B'A float", space);

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

/* The network paints the whole layer at once (its normalization layers see
 * every pixel), so every part of the output needs all of the input. */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle result = *gegl_operation_source_get_bounding_box (operation, "input");

  /* Nothing finite to paint: ask only what is asked. */
  if (gegl_rectangle_is_infinite_plane (&result))
    return *roi;
  return result;
}

/* ... and one render makes all of the output, which GEGL keeps. */
static GeglRectangle
get_cached_region (GeglOperation       *operation,
                   const GeglRectangle *roi)
{
  GeglRectangle result = *gegl_operation_source_get_bounding_box (operation, "input");

  if (gegl_rectangle_is_infinite_plane (&result))
    return *roi;
  return result;
}

static gboolean
report_progress (gdouble  fraction,
                 gpointer user_data)
{
  gegl_operation_progress (GEGL_OPERATION (user_data), fraction,
                           _("Neural Style"));
  return TRUE;
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties      *o = GEGL_PROPERTIES (operation);
  const GeglRectangle *area = gegl_operation_source_get_bounding_box (operation, "input");
  NsPaintRequest       request;
  g_autoptr (GError)   error = NULL;
  gint64               start = g_get_monotonic_time ();
  gboolean             painted;

  request.style = ns_paint_style_id (o->style);
  request.picture = o->picture;
  request.style_amount = o->style_amount;
  request.preserve_colors = o->preserve_colors;
  request.scale = o->scale;

  painted = area && ! gegl_rectangle_is_infinite_plane (area) &&
            ! gegl_rectangle_is_empty (area) &&
            ns_paint_cache_render (input, area, &request, output, result,
                                   report_progress, operation, &error);
  /* The layer stays as it was; the error has been said once. */
  if (! painted)
    gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);

  /* What GIMP asks, and for how long its thread waits (the README's
   * measurements): G_MESSAGES_DEBUG=NeuralStyle. */
  g_debug ("neural-style:paint process: level %d, %d,%d %dx%d of %dx%d, "
           "%s thread, %.3f s", level, result->x, result->y, result->width,
           result->height, area ? area->width : 0, area ? area->height : 0,
           g_main_context_is_owner (g_main_context_default ()) ? "main" : "another",
           (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass       *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass *filter_class = GEGL_OPERATION_FILTER_CLASS (klass);

  operation_class->prepare = prepare;
  operation_class->get_required_for_output = get_required_for_output;
  operation_class->get_cached_region = get_cached_region;
  /* One call paints the whole layer: GEGL must not split it per core. */
  operation_class->threaded = FALSE;
  filter_class->process = process;

  gegl_operation_class_set_keys (operation_class,
    "name",            "neural-style:paint",
    "title",           _("Neural Style"),
    "categories",      "artistic",
    /* Saved in every .xcf: the style's stored number is a hash of its id
     * (see ns-paint-styles.c), so adding, removing or reordering styles
     * never needs a new version, and GIMP drops filters of another one. */
    "op-version",      "1",
    "gimp:menu-path",  "<Image>/Filters/Artistic",
    "gimp:menu-label", _("Neural Style (_Editable)..."),
    "description",
        _("Paints the layer in the style of a painting with a "
          "style-transfer network, as an editable filter: its opacity is "
          "the strength"),
    NULL);
}

#endif
