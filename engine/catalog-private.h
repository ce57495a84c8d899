/* catalog-private.h: what the engine knows of the catalog beyond the public
 * header; never installed.
 */
#ifndef NEURAL_STYLE_CATALOG_PRIVATE_H
#define NEURAL_STYLE_CATALOG_PRIVATE_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

/* A catalog entry that is a network but not a style (format=tflite:
 * Magenta's prediction and transfer networks), which ns_catalog_get_styles()
 * and the other style lists never show; its path is set when installed.
 * (transfer none) NULL if @id is unknown. */
const NsStyle * ns_catalog_lookup_network (NsCatalog   *catalog,
                                           const gchar *id);

/* A group of catalog.ini as the file gives it, for neural-style-fetch:
 * what an NsStyle does not keep (every URL, the ONNX conversion of an ml5
 * style, optional) and nothing the model scan changed (an ml5 style found
 * as its ONNX conversion keeps its format here). */
typedef struct
{
  gchar    *id;
  gchar    *title;
  gchar    *artist;
  gchar    *license;
  gchar    *file;          /* as given: NULL for a vector preset */
  gchar    *format;
  gchar   **urls;          /* the URLs in order, stripped; empty if none */
  gchar    *sha256;        /* or NULL */
  gchar    *sha1;          /* or NULL */
  gint64    size;          /* bytes, or 0 if not given */
  gchar    *onnx;          /* ml5: the file name of its ONNX conversion */
  gchar    *onnx_sha256;
  gint64    onnx_size;
  gboolean  noncommercial;
  gboolean  optional;      /* installed by default only when named */
} NsCatalogEntry;

/* Every group of the catalog file, styles and networks alike, in the
 * file's order.  (transfer none) */
GPtrArray *   ns_catalog_get_entries     (NsCatalog   *catalog);
/* (transfer none) NULL if @id is not a group of the catalog file. */
const NsCatalogEntry * ns_catalog_lookup_entry (NsCatalog   *catalog,
                                                const gchar *id);

/* One file of an ml5 style folder as ml5-files.sha256 pins it. */
typedef struct
{
  gchar  *name;     /* a plain file name: "Variable_12" */
  gchar  *sha256;   /* 64 lowercase hex digits */
  gint64  size;
} NsMl5File;

/* The files ml5-files.sha256 (next to the catalog file) pins for ml5
 * folder @folder, in the file's order; none if it lists none or does not
 * exist.  A malformed line is an error naming it.  (transfer full) an
 * array of NsMl5File */
GPtrArray *   ns_catalog_ml5_files       (NsCatalog   *catalog,
                                          const gchar *folder,
                                          GError     **error);

G_END_DECLS

#endif /* NEURAL_STYLE_CATALOG_PRIVATE_H */
