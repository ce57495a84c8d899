/* test-deliver.c: ns_deliver_later (plugin/common/ns-deliver), which hands
 * the downloads' and the swatches' results from their worker threads to
 * the dialog's main loop: the callback runs in the thread that iterates
 * the context, only when it iterates it, once, and its data is freed
 * after; the data is freed, and nothing run, when the context goes
 * first.
 */
#include <glib.h>

#include "ns-deliver.h"

typedef struct
{
  GMainContext *context;
  GThread      *ran_in;
  gint          runs;
  gint          frees;
  gint          runs_at_free;
} Record;

static gboolean
deliver (gpointer data)
{
  Record *record = data;

  record->ran_in = g_thread_self ();
  record->runs++;
  return G_SOURCE_REMOVE;
}

static void
record_free (gpointer data)
{
  Record *record = data;

  record->frees++;
  record->runs_at_free = record->runs;
}

static gpointer
worker (gpointer data)
{
  Record *record = data;

  ns_deliver_later (record->context, deliver, record, record_free);
  return NULL;
}

static void
test_from_worker (void)
{
  Record record = { g_main_context_default (), NULL, 0, 0, 0 };

  g_thread_join (g_thread_new ("worker", worker, &record));
  /* Nobody iterated the context while the worker ran: nothing ran there
   * (g_main_context_invoke() would have run it in the worker). */
  g_assert_cmpint (record.runs, ==, 0);
  g_assert_cmpint (record.frees, ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (record.runs, ==, 1);
  g_assert_true (record.ran_in == g_thread_self ());
  g_assert_cmpint (record.frees, ==, 1);
  g_assert_cmpint (record.runs_at_free, ==, 1);
}

static void
test_context_gone (void)
{
  Record record = { g_main_context_new (), NULL, 0, 0, 0 };

  g_thread_join (g_thread_new ("worker", worker, &record));
  g_main_context_unref (record.context);
  g_assert_cmpint (record.runs, ==, 0);
  g_assert_cmpint (record.frees, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/deliver/from-worker", test_from_worker);
  g_test_add_func ("/deliver/context-gone", test_context_gone);
  return g_test_run ();
}
