/* ns-deliver.c: see ns-deliver.h. */
#include "ns-deliver.h"

void
ns_deliver_later (GMainContext   *context,
                  GSourceFunc     deliver,
                  gpointer        data,
                  GDestroyNotify  free_data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, deliver, data, free_data);
  g_source_attach (source, context);
  g_source_unref (source);
}
