/* ns-download.h: the dialogs' Download button.  Installs styles with the
 * downloader (models/fetch/ns-fetch.h) in a worker thread, so the dialog
 * stays alive, and reports to the main loop: bytes and a fraction for a
 * progress bar, each style as it is installed, and the end in words a
 * user understands.  The mirror (NEURAL_STYLE_MIRROR) and the timeout
 * (NEURAL_STYLE_FETCH_TIMEOUT) are the neural-style-fetch command's, and
 * so is the destination: the user's model folder.
 */
#ifndef NS_DOWNLOAD_H
#define NS_DOWNLOAD_H

#include "neural-style-engine.h"

G_BEGIN_DECLS

typedef struct _NsDownload NsDownload;

/* In the main thread, at most a few times a second while bytes come in;
 * read what to show with ns_download_get_text() and _get_fraction(). */
typedef void (*NsDownloadProgress)  (NsDownload   *download,
                                     gpointer      user_data);
/* In the main thread: style @id is installed now, and @catalog is the
 * catalog read again as the dialog reads it (ns_styles_open()), where @id
 * has a path.  (transfer full) @catalog.  Each style of a "Download all"
 * as soon as it is in, not only at the end; when the catalog cannot be
 * read again, the download ends there with why. */
typedef void (*NsDownloadInstalled) (NsDownload   *download,
                                     const gchar  *id,
                                     NsCatalog    *catalog,
                                     gpointer      user_data);
/* In the main thread, once per ns_download_start(): @error is NULL when
 * every style is in, else why not, in words (NS_FETCH_ERROR_CANCELLED
 * when the user cancelled; the styles installed before stay installed). */
typedef void (*NsDownloadDone)      (NsDownload   *download,
                                     const GError *error,
                                     gpointer      user_data);

/* Reads the catalog and the environment; an error when
 * NEURAL_STYLE_MIRROR or NEURAL_STYLE_FETCH_TIMEOUT is wrong.  Callbacks
 * run in the thread that calls this (its thread-default main context).
 * (transfer full) */
NsDownload *  ns_download_new          (NsDownloadProgress   progress,
                                        NsDownloadInstalled  installed,
                                        NsDownloadDone       done,
                                        gpointer             user_data,
                                        GError             **error);
/* Cancels a download that runs; no callback runs after this.  A partial
 * file is left in the model folder's .partial/ folder, where the next
 * download cleans it up. */
void          ns_download_free         (NsDownload          *download);

/* Starts installing @ids, one after the other; FALSE (and nothing
 * started) while another download of @download runs. */
gboolean      ns_download_start        (NsDownload          *download,
                                        const gchar * const *ids);
/* Stops the download within a fraction of a second; the done callback
 * says so. */
void          ns_download_cancel       (NsDownload          *download);
gboolean      ns_download_is_running   (NsDownload          *download);

/* What the progress bar says: "Downloading “Candy”: 1.2 MB of 6.6 MB",
 * with "(2 of 7)" in a download of several.  (transfer full) */
gchar *       ns_download_get_text     (NsDownload          *download);
/* 0..1 of the current style's bytes; -1 while the size is unknown. */
gdouble       ns_download_get_fraction (NsDownload          *download);

/* The freely licensed styles the Download all button installs (those
 * `neural-style-fetch` installs when no style is named: never a
 * non-commercial one) that @installed, the dialog's catalog, does not
 * have yet.  (transfer full) */
GStrv         ns_download_free_ids     (NsDownload          *download,
                                        NsCatalog           *installed);
/* The bytes @id downloads: only what is missing (a preset whose
 * prediction network is in downloads the transfer network alone), or 0
 * when the catalog does not say. */
guint64       ns_download_style_bytes  (NsDownload          *download,
                                        const gchar         *id);
/* The terms to accept before @id is downloaded, exactly as the catalog
 * quotes its author, or NULL for a freely licensed style.  (transfer
 * none) */
const gchar * ns_download_terms        (NsDownload          *download,
                                        const gchar         *id);

/* The question above those terms: "“The Great Wave off Kanagawa” may be
 * used only as its author's terms allow".  (transfer full) */
gchar *       ns_download_terms_question (NsDownload        *download,
                                          const gchar       *id);

/* "6.6 MB", "420 kB".  (transfer full) */
gchar *       ns_download_format_size  (guint64              bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsDownload, ns_download_free)

G_END_DECLS

#endif /* NS_DOWNLOAD_H */
