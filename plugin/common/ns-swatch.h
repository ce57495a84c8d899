/* ns-swatch.h: the style chooser's rows, each with a swatch: one sample
 * photo painted in that style by the engine.
 *
 * Swatches are made the first time a style is shown, in a worker thread,
 * and cached as PNG files under $XDG_CACHE_HOME/neural-style/swatches/,
 * named after the style and a fingerprint of what painted it (the model
 * file's or folder's path, size and modification time, the style vector,
 * the sample), so a changed model gets a new swatch.  A style whose model
 * fails gets an error mark instead, never cached.
 *
 * The sample is a crop of GIMP's own splash photo, which the front-end
 * finds in its data folder, or $NEURAL_STYLE_SWATCH_SAMPLE (the whole
 * picture) when set.  The rows are plain data: each front-end puts them
 * into its own GtkListStore (GTK 2 or 3).
 */
#ifndef NS_SWATCH_H
#define NS_SWATCH_H

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "neural-style-engine.h"

G_BEGIN_DECLS

#define NS_SWATCH_WIDTH  96
#define NS_SWATCH_HEIGHT 64

/* What the swatches paint: a picture file and the part of it to use.
 * (transfer full) */
typedef struct
{
  gchar  *path;
  NsRect  crop;   /* width 0: the middle, in the swatch's proportions */
} NsSwatchSample;

/* Where a GIMP 3 splash of @width x @height shows no text: GIMP 3.0's
 * (1920 x 1080) the sun, the trees and the lake right of its wordmark; any
 * other (GIMP 3.2's is a 1591 x 1080 nebula, its wordmark top right) the
 * middle of its lower half.  720 x 480 where the splash is larger. */
NsRect           ns_swatch_splash_crop  (gint                  width,
                                         gint                  height);

/* $NEURAL_STYLE_SWATCH_SAMPLE if set, else @crop of @path (GIMP's splash).
 * (transfer full) */
NsSwatchSample * ns_swatch_sample_new   (const gchar          *path,
                                         const NsRect         *crop);
void          ns_swatch_sample_free     (NsSwatchSample       *sample);

/* The cache folder.  (transfer full) */
gchar *       ns_swatch_cache_dir       (void);

/* @style's swatch: from the cache, or painted now and cached.  Any thread;
 * slow the first time.  @cached (may be NULL) tells which.  (transfer
 * full) */
GdkPixbuf *   ns_swatch_make            (const NsStyle        *style,
                                         const NsSwatchSample *sample,
                                         NsEngine            **engine,
                                         gboolean             *cached,
                                         GCancellable         *cancellable,
                                         GError              **error);

/* What a swatch that failed shows: a broken picture.  (transfer full) */
GdkPixbuf *   ns_swatch_error_mark      (void);


/* The rows of a style chooser. */

typedef struct
{
  gchar     *id;
  gchar     *markup;     /* title, artist, licence, "non-commercial",
                          * and how to install it: Pango markup */
  gchar     *tooltip;    /* plain text: the same, and any error */
  gboolean   installed;  /* not installed: show it greyed; choosing it
                          * offers the Download button */
  gboolean   noncommercial;
  GdkPixbuf *swatch;     /* a blank until made; the error mark if that
                          * failed; NULL for a style not installed */
  gboolean   ready;      /* the swatch is made (or failed) */
  gchar     *error;      /* why the swatch failed, or NULL */
} NsSwatchRow;

typedef struct _NsSwatches NsSwatches;

/* Row @index's swatch arrived (in the thread that made the NsSwatches). */
typedef void (*NsSwatchesChanged) (guint    index,
                                   gpointer user_data);

/* Rows for every style of @catalog, installed ones first (catalog order),
 * then the others; starts painting the missing swatches.  @changed is
 * called for each as it arrives, never after ns_swatches_free().
 * (transfer full) */
NsSwatches *  ns_swatches_new           (NsCatalog            *catalog,
                                         const NsSwatchSample *sample,
                                         NsSwatchesChanged     changed,
                                         gpointer              user_data);
void          ns_swatches_free          (NsSwatches           *swatches);

guint         ns_swatches_get_n_rows    (NsSwatches           *swatches);
/* (transfer none) */
const NsSwatchRow * ns_swatches_get_row (NsSwatches           *swatches,
                                         guint                 index);
/* The row of style @id, or -1. */
gint          ns_swatches_find          (NsSwatches           *swatches,
                                         const gchar          *id);
/* Style @id of @catalog (re-read since) is installed now: its row becomes
 * a normal one and its swatch is painted (the changed callback says when).
 * The row's index, or -1 when @catalog does not have @id installed. */
gint          ns_swatches_set_installed (NsSwatches           *swatches,
                                         NsCatalog            *catalog,
                                         const gchar          *id);
/* TRUE when every installed style's swatch is ready. */
gboolean      ns_swatches_done          (NsSwatches           *swatches);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSwatches, ns_swatches_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsSwatchSample, ns_swatch_sample_free)

G_END_DECLS

#endif /* NS_SWATCH_H */
