/* ns-dialog-state.c: see ns-dialog-state.h. */
#include <stdarg.h>

#include <gdk/gdkkeysyms.h>

#include "ns-dialog-state.h"

#define STATE_VARIABLE "NEURAL_STYLE_DIALOG_STATE"

gboolean
ns_dialog_state_wanted (void)
{
  const gchar *path = g_getenv (STATE_VARIABLE);

  return path && *path;
}

/* Counts the mnemonic of each label shown in @widget, which is shown. */
static void
count_mnemonics (GtkWidget *widget,
                 gpointer   data)
{
  GHashTable *counts = data;

  if (! gtk_widget_get_visible (widget))
    return;

  if (GTK_IS_LABEL (widget))
    {
      guint keyval = gtk_label_get_mnemonic_keyval (GTK_LABEL (widget));

      if (keyval != GDK_KEY_VoidSymbol)
        {
          gpointer key = GUINT_TO_POINTER (gdk_keyval_to_lower (keyval));

          g_hash_table_insert (counts, key,
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1));
        }
    }
  /* forall, not foreach: the dialog's own buttons are internal children. */
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), count_mnemonics, counts);
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

static void
append_mnemonics (GString   *text,
                  GtkWidget *dialog)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray)  all = g_ptr_array_new ();
  g_autoptr (GPtrArray)  twice = g_ptr_array_new ();
  g_autofree gchar      *all_text = NULL;
  g_autofree gchar      *twice_text = NULL;
  GHashTableIter         iter;
  gpointer               key, count;

  count_mnemonics (dialog, counts);
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &count))
    {
      const gchar *name = gdk_keyval_name (GPOINTER_TO_UINT (key));

      g_ptr_array_add (all, (gpointer) name);
      if (GPOINTER_TO_UINT (count) > 1)
        g_ptr_array_add (twice, (gpointer) name);
    }
  g_ptr_array_sort (all, compare_names);
  g_ptr_array_sort (twice, compare_names);
  g_ptr_array_add (all, NULL);
  g_ptr_array_add (twice, NULL);
  all_text = g_strjoinv (" ", (gchar **) all->pdata);
  twice_text = g_strjoinv (" ", (gchar **) twice->pdata);
  g_string_append_printf (text, "mnemonics\t%s\nmnemonics-twice\t%s\n", all_text, twice_text);
}

void
ns_dialog_state_write (GtkWidget   *dialog,
                       const gchar *first_key,
                       ...)
{
  g_autoptr (GString) text = NULL;
  const gchar        *path = g_getenv (STATE_VARIABLE);
  const gchar        *key;
  va_list             args;

  if (! path || ! *path || ! dialog)
    return;

  text = g_string_new (NULL);
  va_start (args, first_key);
  for (key = first_key; key; key = va_arg (args, const gchar *))
    {
      const gchar      *value = va_arg (args, const gchar *);
      g_autofree gchar *flat = g_strdelimit (g_strdup (value ? value : ""), "\t\n", ' ');

      g_string_append_printf (text, "%s\t%s\n", key, flat);
    }
  va_end (args);
  append_mnemonics (text, dialog);

  /* Replaced whole (a new file renamed): the test may read it at any
   * moment. */
  g_file_set_contents (path, text->str, text->len, NULL);
}
