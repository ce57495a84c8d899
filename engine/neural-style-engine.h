/* neural-style-engine.h: the one public header of the style engine.
 *
 * The engine runs fast feed-forward style-transfer networks (Johnson et
 * al. 2016) through OpenCV's DNN module.  It knows nothing of GIMP: callers
 * hand it float RGBA pixels through an NsImageIO and get float RGBA back.
 *
 * Pixels crossing this header are non-linear ("perceptual") sRGB, straight
 * (not premultiplied) alpha, 0..1, four floats per pixel, row-major.
 */
#ifndef NEURAL_STYLE_ENGINE_H
#define NEURAL_STYLE_ENGINE_H

#include <glib.h>

G_BEGIN_DECLS

/* Errors */

#define NS_ENGINE_ERROR (ns_engine_error_quark ())

typedef enum
{
  NS_ENGINE_ERROR_NOT_FOUND,        /* model file missing or unreadable */
  NS_ENGINE_ERROR_CORRUPT,          /* truncated or not a model at all */
  NS_ENGINE_ERROR_NOT_IMAGE_MODEL,  /* loads, but is not image-to-image */
  NS_ENGINE_ERROR_UNKNOWN_STYLE,    /* no style of that id is installed */
  NS_ENGINE_ERROR_BAD_IMAGE,        /* empty image or bad option values */
  NS_ENGINE_ERROR_NO_MEMORY,        /* the work does not fit in memory */
  NS_ENGINE_ERROR_CANCELLED,        /* the progress callback said stop */
  NS_ENGINE_ERROR_FAILED            /* anything else OpenCV reported */
} NsEngineError;

GQuark        ns_engine_error_quark        (void);

/* How a network wants its pixels. */
typedef enum
{
  NS_CONVENTION_AUTO,     /* by file extension: .onnx rgb255, .t7 johnson;
                           * an ml5 style folder rgb255 */
  NS_CONVENTION_RGB255,   /* RGB in and out, 0..255 (ONNX zoo, ml5) */
  NS_CONVENTION_JOHNSON,  /* BGR minus the ImageNet mean, in and out */
  NS_CONVENTION_UNIT      /* RGB in and out, 0..1 (Magenta's networks) */
} NsConvention;

/* What a style is made of. */
typedef enum
{
  NS_STYLE_KIND_NETWORK,  /* a trained network: .onnx, .t7 or an ml5 folder */
  NS_STYLE_KIND_VECTOR,   /* a style vector for Magenta's transfer network:
                           * a catalog preset or a saved .style file */
  NS_STYLE_KIND_PICTURE   /* any picture, made a style vector when used */
} NsStyleKind;

/* Magenta's style vectors have this many numbers. */
#define NS_STYLE_VECTOR_SIZE 100
/* ... each within +-NS_STYLE_VECTOR_LIMIT: the prediction network makes
 * numbers within +-2.5 from paintings and within +-4.7 from flat colours,
 * stripes and noise; far larger ones paint black or garbage. */
#define NS_STYLE_VECTOR_LIMIT 20.0

/* Options */

#define NS_SCALE_MIN 0.25
#define NS_SCALE_MAX 4.0

/* Where the instance normalization statistics of an image painted in tiles
 * come from (an image painted in one pass always uses its own). */
typedef enum
{
  NS_STATISTICS_AUTO,     /* the whole image's when the memory budget and
                           * the free space in the temporary folder can hold
                           * them, else a shrunk copy's (the default) */
  NS_STATISTICS_WHOLE,    /* the whole image's at full resolution, exactly
                           * as a one-pass run computes them ("exact
                           * tiling"); an error if they cannot be held */
  NS_STATISTICS_SHRUNK    /* a copy shrunk to fit the budget: faster, close
                           * to (not equal to) a one-pass run */
} NsStatistics;

typedef struct
{
  gdouble  strength;        /* 0..1: mix with the original; 1 = all style */
  gboolean preserve_colors; /* keep the original's chroma (CIE Lab) */
  gdouble  scale;           /* 0.25..4: stroke size; 1 = native */
  gint     threads;         /* OpenCV threads; 0 = all cores */
  guint64  memory_budget;   /* bytes the network may use; 0 = default */
  NsStatistics statistics;  /* tiled images: see NsStatistics */
  gdouble  style_amount;    /* 0..1, arbitrary styles only: the vector used is
                             * amount * style + (1 - amount) * the photo's own
                             * vector; 1 = all style (the default) */
  gboolean full_precision;  /* float32 products everywhere; FALSE (the
                             * default): half precision where the CPU has
                             * it (AVX512-FP16), within 40 dB of float32 */
} NsOptions;

void          ns_options_init              (NsOptions       *options);
gboolean      ns_options_validate          (const NsOptions *options,
                                            GError         **error);
guint64       ns_options_default_memory_budget (void);
/* The least memory a network pass uses, whatever the budget says: the
 * smallest tiles'.  A smaller budget is exceeded. */
guint64       ns_options_min_memory_budget (void);

/* A region of an image, in pixels. */
typedef struct
{
  gint x;
  gint y;
  gint width;
  gint height;
} NsRect;

/* Where the pixels come from and go to.  The engine reads rectangles of the
 * source (possibly several times, possibly overlapping) and writes each
 * pixel of the destination exactly once, only after all reading that can
 * fail or be cancelled has been done for that pixel's tile.  Callers that
 * must not leave partial output (the CLI, the GIMP plug-ins) collect the
 * writes and commit them only when ns_engine_stylize() returns TRUE.
 */
typedef gboolean (*NsReadFunc)  (gpointer      user_data,
                                 const NsRect *rect,
                                 gfloat       *rgba,
                                 GError      **error);
typedef gboolean (*NsWriteFunc) (gpointer      user_data,
                                 const NsRect *rect,
                                 const gfloat *rgba,
                                 GError      **error);

typedef struct
{
  gint        width;
  gint        height;
  NsReadFunc  read;
  NsWriteFunc write;
  gpointer    user_data;
} NsImageIO;

/* Called with the fraction done, 0..1; return FALSE to cancel. */
typedef gboolean (*NsProgressFunc) (gdouble  fraction,
                                    gpointer user_data);

/* The engine: one loaded network */

typedef struct _NsEngine NsEngine;

/* @model_path: a .onnx or .t7 file, or an ml5 style folder (manifest.json
 * and the weight files it names).  (transfer full) */
NsEngine *    ns_engine_new                (const gchar     *model_path,
                                            NsConvention     convention,
                                            GError         **error);
void          ns_engine_free               (NsEngine        *engine);

const gchar * ns_engine_get_model_path     (NsEngine        *engine);
NsConvention  ns_engine_get_convention     (NsEngine        *engine);

/* Stylizes io's source into io's destination.  The network sees the image
 * (resized by 1/scale) reflected out, right and bottom, to a multiple of 4
 * and at least 64 pixels; the result is cropped back.  Images whose network
 * pass does not fit in the memory budget go in tiles (see NsStatistics).
 * Returns FALSE with @error set (cancelled, out of memory, ...) and then has
 * written nothing that the caller should keep. */
gboolean      ns_engine_stylize            (NsEngine        *engine,
                                            const NsOptions *options,
                                            const NsImageIO *io,
                                            NsProgressFunc   progress,
                                            gpointer         progress_data,
                                            GError         **error);

/* The statistics ns_engine_stylize() will use for a @width x @height image
 * with @options: NS_STATISTICS_WHOLE when the painting equals a one-pass
 * run (an image painted whole, or tiles with the whole image's statistics),
 * NS_STATISTICS_SHRUNK when it falls back to a shrunk copy's.  With
 * NS_STATISTICS_WHOLE asked for and not possible, returns
 * NS_STATISTICS_AUTO and sets @error saying why.  @why (may be NULL) gets,
 * for a fallback, a translated sentence saying why.  */
NsStatistics  ns_engine_plan_statistics    (NsEngine        *engine,
                                            const NsOptions *options,
                                            gint             width,
                                            gint             height,
                                            gchar          **why,
                                            GError         **error);

/* What a painting's normalization layers use, measured once so that a
 * part of the image (a preview) can be painted as the whole job paints it,
 * for any strength and colour option. */
typedef struct _NsNormStatistics NsNormStatistics;

/* Measures the statistics ns_engine_stylize() would paint @io's image with
 * (see ns_engine_plan_statistics(); for an arbitrary engine also the style
 * vector, with the style amount applied).  Costs about what painting costs
 * (an image painted in one pass: one pass; whole-image statistics in tiles:
 * all but the last round).  @io's write callback is unused.
 * (transfer full) */
NsNormStatistics * ns_engine_measure_statistics (NsEngine        *engine,
                                            const NsOptions *options,
                                            const NsImageIO *io,
                                            NsProgressFunc   progress,
                                            gpointer         progress_data,
                                            GError         **error);
void          ns_norm_statistics_free      (NsNormStatistics *statistics);

/* Paints @region of @io's image into @dest (region->width x region->height
 * RGBA floats) as ns_engine_stylize() with the same options paints those
 * pixels: the region and a border around it through the network, with
 * @statistics (from ns_engine_measure_statistics() on the same image, stroke
 * scale and style amount).  Reads only around @region; @io's write callback
 * is unused.  @dest is written only on success. */
gboolean      ns_engine_stylize_region     (NsEngine               *engine,
                                            const NsOptions        *options,
                                            const NsNormStatistics *statistics,
                                            const NsImageIO        *io,
                                            const NsRect           *region,
                                            gfloat                 *dest,
                                            NsProgressFunc          progress,
                                            gpointer                progress_data,
                                            GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsNormStatistics, ns_norm_statistics_free)

/* The same for pixels in memory: @src and @dest hold width x height RGBA
 * floats and must not overlap.  @dest is written only on success. */
gboolean      ns_engine_stylize_pixels     (NsEngine        *engine,
                                            const NsOptions *options,
                                            const gfloat    *src,
                                            gfloat          *dest,
                                            gint             width,
                                            gint             height,
                                            NsProgressFunc   progress,
                                            gpointer         progress_data,
                                            GError         **error);

/* Arbitrary styles (Magenta): an engine made by ns_engine_new_arbitrary()
 * or by ns_engine_new_for_style() for a vector or picture style paints with
 * a style vector instead of a trained network. */

/* Loads Magenta's transfer network and, if @prediction_path is not NULL,
 * its prediction network (needed for pictures and for style_amount < 1).
 * Both are .tflite files as published.  The style vector starts as all
 * zeros.  (transfer full) */
NsEngine *    ns_engine_new_arbitrary      (const gchar     *transfer_path,
                                            const gchar     *prediction_path,
                                            GError         **error);
/* TRUE for engines that paint with a style vector. */
gboolean      ns_engine_is_arbitrary       (NsEngine        *engine);
/* Sets the style vector (NS_STYLE_VECTOR_SIZE floats) used from now on. */
gboolean      ns_engine_set_style_vector   (NsEngine        *engine,
                                            const gfloat    *vector,
                                            GError         **error);
/* Predicts a picture's style vector (NS_STYLE_VECTOR_SIZE floats into
 * @vector) from @picture's read callback; its write callback is unused.
 * The picture is read in strips, never whole. */
gboolean      ns_engine_predict_style      (NsEngine        *engine,
                                            const NsImageIO *picture,
                                            gfloat          *vector,
                                            GError         **error);
/* The same for a picture file (PNG, JPEG, TIFF, 8 or 16 bit). */
gboolean      ns_engine_predict_style_file (NsEngine        *engine,
                                            const gchar     *picture_path,
                                            gfloat          *vector,
                                            GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsEngine, ns_engine_free)

/* The catalog of styles: models/catalog.ini plus any .onnx/.t7 file or ml5
 * style folder found on the model search path. */

typedef struct _NsCatalog NsCatalog;

typedef struct
{
  gchar        *id;          /* "wave" */
  gchar        *title;       /* "The Great Wave off Kanagawa" */
  gchar        *artist;      /* "Katsushika Hokusai", or NULL */
  gchar        *year;        /* "c. 1831", or NULL */
  gchar        *file;        /* file name: "wave.onnx"; folder name (ml5) */
  gchar        *format;      /* "onnx", "t7" or "ml5" (a folder holding
                              * manifest.json and the weight files) */
  NsConvention  convention;
  gchar        *url;         /* where fetch downloads it, or NULL */
  gchar        *sha256;      /* or NULL */
  gchar        *sha1;        /* or NULL */
  gint64        size;        /* bytes, or 0 if unknown */
  gchar        *license;     /* or NULL */
  gchar        *path;        /* the installed file or folder (network), the
                              * transfer network (vector), the picture
                              * (picture); NULL if not installed */
  gboolean      in_catalog;  /* FALSE for a dropped-in file or a saved style */
  gboolean      noncommercial; /* its licence forbids commercial use */
  NsStyleKind   kind;
  gfloat       *vector;      /* NS_STYLE_VECTOR_SIZE floats (vector), or NULL */
  gchar        *prediction_path; /* Magenta's prediction network (vector and
                              * picture styles), or NULL if not installed */
  gchar        *transfer_path; /* Magenta's transfer network (vector and
                              * picture styles), or NULL if not installed */
} NsStyle;

/* Loads @catalog_file (NULL: $NEURAL_STYLE_CATALOG, else the installed
 * catalog.ini; a missing one is an empty catalog) and scans
 * @search_path (NULL: ns_catalog_default_search_path()).  (transfer full) */
NsCatalog *   ns_catalog_new               (const gchar        *catalog_file,
                                            const gchar * const *search_path,
                                            GError            **error);
void          ns_catalog_free              (NsCatalog          *catalog);

/* The folders searched for models, in order: $NEURAL_STYLE_MODEL_PATH
 * (colon-separated), the user's data folder, the installed data folder.
 * (transfer full) */
gchar **      ns_catalog_default_search_path (void);
gchar *       ns_catalog_user_model_dir    (void);

/* All styles, catalog entries first in catalog order, then dropped-in
 * files by name.  (transfer none) */
GPtrArray *   ns_catalog_get_styles        (NsCatalog          *catalog);
/* Installed styles only, same order.  (transfer container) */
GPtrArray *   ns_catalog_get_installed     (NsCatalog          *catalog);
/* (transfer none) NULL if @id is unknown. */
const NsStyle * ns_catalog_lookup          (NsCatalog          *catalog,
                                            const gchar        *id);
/* An installed style by id (NULL: the default style), or an error naming
 * what is wrong: unknown id, known but not installed, or nothing installed
 * at all (both naming the fetch command).  (transfer none) */
const NsStyle * ns_catalog_find_installed  (NsCatalog          *catalog,
                                            const gchar        *id,
                                            GError            **error);
/* The first installed style, or NULL.  (transfer none) */
const NsStyle * ns_catalog_default_style   (NsCatalog          *catalog);
/* The style named by @id_or_path: an installed style's id, or else the
 * path of a picture file, which becomes a picture style titled with the
 * file's name.  Errors as ns_catalog_find_installed().  (transfer full) */
NsStyle *     ns_catalog_resolve           (NsCatalog          *catalog,
                                            const gchar        *id_or_path,
                                            GError            **error);
/* Saves @vector as style @id in @dir (NULL: the user model folder) as
 * "<id>.style", refusing an id an installed or catalog style already has.
 * @picture_name is the picture it came from (a file name, or NULL).
 * (transfer full) the saved file's path */
gchar *       ns_catalog_save_style        (NsCatalog          *catalog,
                                            const gchar        *dir,
                                            const gchar        *id,
                                            const gchar        *title,
                                            const gchar        *picture_name,
                                            const gfloat       *vector,
                                            GError            **error);
/* "The Great Wave off Kanagawa (Katsushika Hokusai)"  (transfer full) */
gchar *       ns_style_describe            (const NsStyle      *style);
/* A style that outlives its catalog (for another thread, say).
 * (transfer full) */
NsStyle *     ns_style_copy                (const NsStyle      *style);
void          ns_style_free                (NsStyle            *style);

/* @style's style vector (NS_STYLE_VECTOR_SIZE floats into @vector): a
 * preset's, saved style's or mix's own, or predicted now from a picture
 * by Magenta's prediction network.  A trained network has none: an error
 * says so. */
gboolean      ns_style_get_vector          (const NsStyle      *style,
                                            gfloat             *vector,
                                            GError            **error);
/* The format of the styles ns_style_mix() makes. */
#define NS_STYLE_MIX_FORMAT "mix"
/* Two styles mixed (Ghiasi et al. 2017 interpolate style vectors): a
 * vector style whose vector is (1 - @mix) times @first's plus @mix times
 * @second's, 0 <= @mix <= 1 (0: @first alone).  Both must have a style
 * vector (see ns_style_get_vector()); it paints with @first's Magenta
 * networks.  Titled "First 70 % + Second 30 %".  (transfer full) */
NsStyle *     ns_style_mix                 (const NsStyle      *first,
                                            const NsStyle      *second,
                                            gdouble             mix,
                                            GError            **error);

/* Loads @style's installed model, first checking its size against the
 * catalog ("Model file 'x.onnx' is truncated (2.0 MB of 6.7 MB)").  For a
 * vector style, Magenta's networks with the style's vector; for a picture
 * style, the vector is predicted from the picture.  (transfer full) */
NsEngine *    ns_engine_new_for_style      (const NsStyle      *style,
                                            GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsCatalog, ns_catalog_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsStyle, ns_style_free)

G_END_DECLS

#endif /* NEURAL_STYLE_ENGINE_H */
