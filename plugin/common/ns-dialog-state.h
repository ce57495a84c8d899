/* ns-dialog-state.h: what a Neural Style dialog shows, written to a file
 * for the tests that drive it in a real GIMP (2.10 or 3).
 *
 * With $NEURAL_STYLE_DIALOG_STATE set, each front-end writes that file,
 * one "key<TAB>value" line each, whenever its dialog changes.  Compiled
 * into each front-end against its own GTK (2 or 3).
 */
#ifndef NS_DIALOG_STATE_H
#define NS_DIALOG_STATE_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* TRUE when the tests asked for the state. */
gboolean  ns_dialog_state_wanted (void);

/* Writes the NULL-terminated key and value pairs (values may be NULL:
 * empty), then "mnemonics" (every Alt+key @dialog's shown widgets answer
 * to) and "mnemonics-twice" (those two shown widgets share, empty when
 * none). */
void      ns_dialog_state_write  (GtkWidget   *dialog,
                                  const gchar *first_key,
                                  ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS

#endif /* NS_DIALOG_STATE_H */
