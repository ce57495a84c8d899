/* ns-fetch.h: installs the catalog's styles into a model folder, checked
 * against the sizes and checksums the catalog pins.  Used by the
 * neural-style-fetch command and by the plug-in's Download button.
 */
#ifndef NS_FETCH_H
#define NS_FETCH_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

#define NS_FETCH_ERROR (ns_fetch_error_quark ())

typedef enum
{
  NS_FETCH_ERROR_UNKNOWN_STYLE,  /* no such id in the catalog */
  NS_FETCH_ERROR_BAD_CATALOG,    /* the catalog cannot give the file */
  NS_FETCH_ERROR_UNVERIFIABLE,   /* no checksum pinned, and verify is on */
  NS_FETCH_ERROR_OFFLINE,        /* no download host could be reached */
  NS_FETCH_ERROR_DOWNLOAD,       /* hosts answered, none gave the file */
  NS_FETCH_ERROR_DISK_FULL,      /* no space left in the destination */
  NS_FETCH_ERROR_UNWRITABLE,     /* the destination cannot be written */
  NS_FETCH_ERROR_CANCELLED,      /* the progress callback said stop */
  NS_FETCH_ERROR_BAD_OPTION,     /* a mirror or --from folder that is not */
  NS_FETCH_ERROR_FAILED
} NsFetchError;

/* The least a download must average over any NEURAL_STYLE_FETCH_TIMEOUT
 * seconds, in bytes a second. */
#define NS_FETCH_MIN_RATE 1000
/* A file may take at most the timeout plus one second for every
 * NS_FETCH_DEADLINE_RATE bytes it has. */
#define NS_FETCH_DEADLINE_RATE 2000
/* The most redirects followed from one URL. */
#define NS_FETCH_MAX_REDIRECTS 5
/* The most read of a file whose size the catalog does not pin. */
#define NS_FETCH_UNPINNED_MAX (G_GINT64_CONSTANT (256) << 20)
/* NEURAL_STYLE_FETCH_TIMEOUT's default, and its largest value (a day). */
#define NS_FETCH_DEFAULT_TIMEOUT 30
#define NS_FETCH_MAX_TIMEOUT 86400

typedef struct _NsFetch NsFetch;

/* A line to show the user: what is done (@is_error FALSE) or what went
 * wrong and why.  Called in the thread that runs ns_fetch_install(). */
typedef void     (*NsFetchMessageFunc)  (const gchar *text,
                                         gboolean     is_error,
                                         gpointer     user_data);
/* @done of @total bytes of style @id are in (@total 0: unknown).  Called
 * often, also while waiting; FALSE cancels. */
typedef gboolean (*NsFetchProgressFunc) (const gchar *id,
                                         guint64      done,
                                         guint64      total,
                                         gpointer     user_data);

typedef struct
{
  const gchar        *catalog_file; /* NULL: the engine's catalog */
  const gchar        *dest;         /* NULL: the user's model folder */
  const gchar        *mirror;       /* an http(s) URL tried first, or NULL */
  const gchar        *from;         /* copy from this folder, or NULL */
  gboolean            no_verify;    /* allow styles with no pinned checksum */
  guint               timeout;      /* seconds; 0: the default */
  NsFetchMessageFunc  message;
  NsFetchProgressFunc progress;
  gpointer            user_data;
} NsFetchOptions;

GQuark     ns_fetch_error_quark (void);

/* NEURAL_STYLE_FETCH_TIMEOUT's value @text as seconds (at most
 * NS_FETCH_MAX_TIMEOUT); FALSE unless it is a whole number above 0. */
gboolean   ns_fetch_parse_timeout (const gchar        *text,
                                   guint64            *seconds);

/* Checks the options (a mirror that is not one whole http(s) URL, a
 * --from that is not a folder) and reads the catalog; touches no file.
 * (transfer full) */
NsFetch *  ns_fetch_new         (const NsFetchOptions *options,
                                 GError              **error);
void       ns_fetch_free        (NsFetch              *fetch);

/* Installs style (or network) @id and what it needs into the destination,
 * unless it is installed and verified already.  Waits for any other
 * install into the same folder to end first. */
gboolean   ns_fetch_install     (NsFetch              *fetch,
                                 const gchar          *id,
                                 GError              **error);

/* The ids installed when none is named: every freely licensed, not
 * optional entry with a URL (or, copying, whose file the folder holds) and
 * a pinned checksum; with @all, every entry.  Skipped ones are said
 * through the message function.  (transfer full) */
GStrv      ns_fetch_default_ids (NsFetch              *fetch,
                                 gboolean              all);

/* Is @id installed in the destination: "yes", "yes (ONNX)" or "no". */
const gchar * ns_fetch_install_state (NsFetch         *fetch,
                                      const gchar     *id);
/* The bytes style @id downloads (a vector: the networks it needs), or 0
 * if unknown. */
guint64    ns_fetch_style_bytes (NsFetch              *fetch,
                                 const gchar          *id);

/* The catalog, its styles installed or not in the destination.
 * (transfer none) */
NsCatalog * ns_fetch_get_catalog (NsFetch             *fetch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsFetch, ns_fetch_free)

G_END_DECLS

#endif /* NS_FETCH_H */
