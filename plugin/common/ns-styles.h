/* ns-styles.h: the styles as the plug-in offers them: installed ones,
 * pictures, layers, and the styles users save from them. */
#ifndef NS_STYLES_H
#define NS_STYLES_H

#include <gegl.h>

#include "neural-style-engine.h"
#include "ns-settings.h"

G_BEGIN_DECLS

/* The catalog with the default search path.  (transfer full) */
NsCatalog *   ns_styles_open            (GError      **error);

/* What the style chooser shows: "The Great Wave off Kanagawa (Katsushika
 * Hokusai)", with the id added when two installed styles would read the
 * same.  (transfer full) */
gchar *       ns_styles_label           (NsCatalog    *catalog,
                                         const NsStyle *style);

/* The style @id names (empty or NULL: the default), installed, or an error
 * that says what to do.  (transfer none) */
const NsStyle * ns_styles_resolve       (NsCatalog    *catalog,
                                         const gchar  *id,
                                         GError      **error);

/* As ns_styles_resolve(), but @id_or_path may also be a picture file's
 * path: a picture style titled with the file's name.  (transfer full) */
NsStyle *     ns_styles_get             (NsCatalog    *catalog,
                                         const gchar  *id_or_path,
                                         GError      **error);

/* TRUE for the styles made from a picture or a layer, which Save as
 * Style keeps. */
gboolean      ns_styles_is_picture      (const NsStyle *style);

/* TRUE for the styles that are a style vector for Magenta's networks
 * (presets, saved styles, pictures, layers): the style amount applies to
 * them, as it does in `neural-style --style-amount`.  A trained network
 * has no style vector to mix. */
gboolean      ns_styles_takes_amount    (const NsStyle *style);

/* The style amount that applies to @style (NULL: none): the settings' for
 * a style that takes one, else 1. */
gdouble       ns_styles_amount          (const NsStyle    *style,
                                         const NsSettings *settings);

/* The installed styles a style can be mixed with: those with a style
 * vector (see ns_styles_takes_amount()).  (transfer container) */
GPtrArray *   ns_styles_mixable         (NsCatalog        *catalog);

/* @style mixed with the second style @settings name (mix_style: an
 * installed style's id or a picture's path) at @settings->mix, or a copy
 * of @style when they name none (see ns_style_mix()).  A picture's vector
 * is predicted once and kept in @style (the first) or in @second_cache,
 * the second style as last made (NULL: none kept; freed and replaced when
 * it is not the style named), so a mix slider repaints at once.
 * (transfer full) */
NsStyle *     ns_styles_mix             (NsCatalog        *catalog,
                                         NsStyle          *style,
                                         const NsSettings *settings,
                                         NsStyle         **second_cache,
                                         GError          **error);

/* A style from @area of @buffer (a layer's pixels): its style vector,
 * predicted now by Magenta's networks, titled @name.  An error says how to
 * install the networks when they are missing.  (transfer full) */
NsStyle *     ns_styles_from_buffer     (NsCatalog           *catalog,
                                         GeglBuffer          *buffer,
                                         const GeglRectangle *area,
                                         const gchar         *name,
                                         GError             **error);

/* Saves picture or layer @style as style @id titled @title (NULL or empty:
 * the style's own title) in the user model folder, refusing an id already
 * taken.  (transfer full) the saved file's path */
gchar *       ns_styles_save            (NsCatalog     *catalog,
                                         const NsStyle *style,
                                         const gchar   *id,
                                         const gchar   *title,
                                         GError       **error);

/* One engine at work at a time in this process: the preview's and the
 * swatches' worker threads, and the main thread predicting a layer's style,
 * take this lock around loading and running a network.  OpenCV's layer
 * registry is process-wide, and a user's two cores are better spent on
 * one painting at a time. */
void          ns_styles_engine_lock     (void);
void          ns_styles_engine_unlock   (void);

G_END_DECLS

#endif /* NS_STYLES_H */
