/* ns-deliver.h: a worker thread's result handed to the thread that runs
 * a main context (the dialog's), as the downloads and the swatches do.
 */
#ifndef NS_DELIVER_H
#define NS_DELIVER_H

#include <glib.h>

G_BEGIN_DECLS

/* Calls @deliver (@data) once, in the thread that iterates @context, the
 * next time it does; then @free_data (@data), which also runs when
 * @context goes first.  Never in the caller's thread, which
 * g_main_context_invoke() would choose when nobody iterates @context at
 * that moment (before the dialog's main loop starts, say).  @deliver
 * returns G_SOURCE_REMOVE. */
void  ns_deliver_later  (GMainContext   *context,
                         GSourceFunc     deliver,
                         gpointer        data,
                         GDestroyNotify  free_data);

G_END_DECLS

#endif /* NS_DELIVER_H */
