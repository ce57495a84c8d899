/* ns-download-ui.c: see ns-download-ui.h. */
#include "ns-i18n.h"
#include "ns-download-ui.h"

gboolean
ns_download_ui_accept_terms (NsDownload   *download,
                             GtkWindow    *parent,
                             const gchar  *id,
                             NsTermsShown  shown,
                             gpointer      user_data)
{
  const gchar      *terms = ns_download_terms (download, id);
  g_autofree gchar *question = NULL;
  g_autofree gchar *on_screen = NULL;
  GtkWidget        *message;
  gboolean          accepted;

  if (! terms)
    return TRUE;

  question = ns_download_terms_question (download, id);
  message = gtk_message_dialog_new (parent,
                                    GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                    GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                    "%s", question);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (message), "%s", terms);
  gtk_window_set_title (GTK_WINDOW (message), _("Terms of Use"));
  gtk_dialog_add_buttons (GTK_DIALOG (message),
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Accept and Download"), GTK_RESPONSE_ACCEPT,
                          NULL);
  /* Only an explicit choice accepts. */
  gtk_dialog_set_default_response (GTK_DIALOG (message), GTK_RESPONSE_CANCEL);

  /* What the message says, as GTK holds it: the tests read it back. */
  g_object_get (message, "text", &on_screen, NULL);
  if (shown)
    shown (on_screen, terms, user_data);
  accepted = gtk_dialog_run (GTK_DIALOG (message)) == GTK_RESPONSE_ACCEPT;
  gtk_widget_destroy (message);
  if (shown)
    shown (NULL, NULL, user_data);
  return accepted;
}

void
ns_download_ui_show_progress (NsDownload     *download,
                              GtkProgressBar *bar,
                              GtkLabel       *label)
{
  g_autofree gchar *text = ns_download_get_text (download);
  const gdouble     fraction = ns_download_get_fraction (download);

  if (label)
    {
      gtk_label_set_text (label, text);
      /* A long title is cut on screen: whole in the tooltip. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
    }
  else
    gtk_progress_bar_set_text (bar, text);
  if (fraction < 0)
    gtk_progress_bar_pulse (bar);
  else
    gtk_progress_bar_set_fraction (bar, fraction);
}
