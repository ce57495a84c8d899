/* ns-download-ui.h: what both dialogs show of a download (ns-download.h)
 * that needs GTK: the terms to accept and the progress.  Compiled into
 * each front-end against its own GTK (2 or 3), as ns-dialog-state.c is.
 */
#ifndef NS_DOWNLOAD_UI_H
#define NS_DOWNLOAD_UI_H

#include <gtk/gtk.h>

#include "ns-download.h"

G_BEGIN_DECLS

/* The terms are on screen under @question (both NULL: no longer), for
 * the dialog's state. */
typedef void (*NsTermsShown) (const gchar *question,
                              const gchar *terms,
                              gpointer     user_data);

/* Asks, in a message over @parent, whether the user accepts @id's terms
 * (ns_download_terms()), shown exactly as its author wrote them: TRUE
 * when accepted, or when @id has none.  Only Accept and Download
 * accepts; Cancel, Escape and closing the message do not. */
gboolean  ns_download_ui_accept_terms   (NsDownload     *download,
                                         GtkWindow      *parent,
                                         const gchar    *id,
                                         NsTermsShown    shown,
                                         gpointer        user_data);

/* Shows @download's progress: its words on @label, or inside @bar when
 * @label is NULL, and its fraction on @bar (a pulse while the size is
 * unknown). */
void      ns_download_ui_show_progress  (NsDownload     *download,
                                         GtkProgressBar *bar,
                                         GtkLabel       *label);

G_END_DECLS

#endif /* NS_DOWNLOAD_UI_H */
