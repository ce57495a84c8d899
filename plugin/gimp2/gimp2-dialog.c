/* gimp2-dialog.c: the GTK 2 dialog with its live preview. */
#include "ns-i18n.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "gimp2-plugin.h"
#include "ns-preview.h"
#include "ns-styles.h"

typedef struct
{
  NsSettings *settings;
  NsCatalog  *catalog;
  NsPreview  *preview;
  GtkWidget  *style_combo;
  GtkWidget  *area;
  GtkWidget  *status;
} Dialog;

static void
preview_changed (gpointer user_data)
{
  Dialog      *d = user_data;
  const gchar *status = ns_preview_get_status (d->preview);
  const gint   width = ns_preview_get_width (d->preview);

  gimp_preview_area_draw (GIMP_PREVIEW_AREA (d->area), 0, 0, width,
                          ns_preview_get_height (d->preview), GIMP_RGB_IMAGE,
                          ns_preview_get_pixels (d->preview), width * 3);
  gtk_label_set_text (GTK_LABEL (d->status), status ? status : "");
}

static void
settings_changed (Dialog *d)
{
  g_autofree gchar *id = gimp_string_combo_box_get_active (GIMP_STRING_COMBO_BOX (d->style_combo));

  ns_settings_set_style (d->settings, id);
  ns_preview_update (d->preview, ns_catalog_lookup (d->catalog, id), d->settings);
}

static void
on_combo_changed (GtkComboBox *combo,
                  Dialog      *d)
{
  (void) combo;
  settings_changed (d);
}

static void
on_toggle (GtkToggleButton *button,
           Dialog          *d)
{
  d->settings->preserve_colors = gtk_toggle_button_get_active (button);
  settings_changed (d);
}

static void
on_adjustment (GtkAdjustment *adjustment,
               gdouble       *value)
{
  *value = gtk_adjustment_get_value (adjustment);
}

static GtkWidget *
style_combo_new (NsCatalog   *catalog,
                 const gchar *active)
{
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);
  GtkListStore *store = gtk_list_store_new (2, G_TYPE_STRING, G_TYPE_STRING);
  GtkWidget    *combo;

  for (guint i = 0; i < installed->len; i++)
    {
      const NsStyle    *style = g_ptr_array_index (installed, i);
      g_autofree gchar *label = ns_styles_label (catalog, style);
      GtkTreeIter       iter;

      gtk_list_store_append (store, &iter);
      gtk_list_store_set (store, &iter, 0, style->id, 1, label, -1);
    }

  combo = gimp_string_combo_box_new (GTK_TREE_MODEL (store), 0, 1);
  g_object_unref (store);
  gimp_string_combo_box_set_active (GIMP_STRING_COMBO_BOX (combo), active);
  return combo;
}

/* A slider with its spin button, on row @row of @table. */
static void
add_slider (Dialog      *d,
            GtkTable    *table,
            gint         row,
            const gchar *label,
            gdouble     *value,
            gdouble      lower,
            gdouble      upper,
            const gchar *tooltip)
{
  GtkObject *adjustment = gimp_scale_entry_new (table, 0, row, label, 160, 6, *value,
                                                lower, upper, 0.01, 0.1, 2,
                                                TRUE, 0, 0, tooltip, NULL);

  g_signal_connect (adjustment, "value-changed", G_CALLBACK (on_adjustment), value);
  g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (settings_changed), d);
}

static GtkWidget *
controls_new (Dialog *d)
{
  GtkWidget *vbox = gtk_vbox_new (FALSE, 12);
  GtkWidget *table = gtk_table_new (3, 3, FALSE);
  GtkWidget *toggle;

  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_box_pack_start (GTK_BOX (vbox), table, FALSE, FALSE, 0);

  d->style_combo = style_combo_new (d->catalog, d->settings->style);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 0, _("_Style:"), 0.0, 0.5,
                             d->style_combo, 2, FALSE);
  g_signal_connect (d->style_combo, "changed", G_CALLBACK (on_combo_changed), d);

  add_slider (d, GTK_TABLE (table), 1, _("S_trength:"), &d->settings->strength, 0.0, 1.0,
              _("The new layer's opacity: how much of the painting shows"));
  add_slider (d, GTK_TABLE (table), 2, _("Stroke sca_le:"), &d->settings->scale,
              NS_SCALE_MIN, NS_SCALE_MAX,
              _("Larger values paint larger strokes; 1 is the style's own size"));

  toggle = gtk_check_button_new_with_mnemonic (_("_Preserve colors"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), d->settings->preserve_colors);
  gimp_help_set_help_data (toggle, _("Keep the photo's colours and take only the "
                                     "painting's light and strokes"), NULL);
  g_signal_connect (toggle, "toggled", G_CALLBACK (on_toggle), d);
  gtk_box_pack_start (GTK_BOX (vbox), toggle, FALSE, FALSE, 0);

  return vbox;
}

static GtkWidget *
preview_new (Dialog *d,
             gint32  drawable)
{
  g_autoptr (GeglBuffer) buffer = gimp_drawable_get_buffer (drawable);
  GeglRectangle area;
  GtkWidget    *vbox = gtk_vbox_new (FALSE, 6);
  GtkWidget    *frame = gtk_frame_new (NULL);

  gimp_drawable_mask_intersect (drawable, &area.x, &area.y, &area.width, &area.height);
  d->preview = ns_preview_new (buffer, &area, preview_changed, d);

  gtk_frame_set_shadow_type (GTK_FRAME (frame), GTK_SHADOW_IN);
  d->area = gimp_preview_area_new ();
  gtk_widget_set_size_request (d->area, ns_preview_get_width (d->preview),
                               ns_preview_get_height (d->preview));
  gtk_container_add (GTK_CONTAINER (frame), d->area);
  gtk_box_pack_start (GTK_BOX (vbox), frame, FALSE, FALSE, 0);

  d->status = gtk_label_new (NULL);
  gtk_box_pack_start (GTK_BOX (vbox), d->status, FALSE, FALSE, 0);
  return vbox;
}

gboolean
gimp2_dialog (gint32      drawable,
              NsCatalog  *catalog,
              NsSettings *settings)
{
  Dialog     d = { settings, catalog, NULL, NULL, NULL, NULL };
  GtkWidget *dialog;
  GtkWidget *hbox;
  gboolean   ok;

  gimp_ui_init (NS_PLUGIN_BINARY, FALSE);

  dialog = gimp_dialog_new (_("Neural Style"), NS_PLUGIN_BINARY, NULL, 0,
                            gimp_standard_help_func, NS_PROCEDURE_NAME,
                            _("_Cancel"), GTK_RESPONSE_CANCEL,
                            _("_OK"), GTK_RESPONSE_OK,
                            NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gimp_window_set_transient (GTK_WINDOW (dialog));

  hbox = gtk_hbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (hbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      hbox, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), preview_new (&d, drawable), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), controls_new (&d), TRUE, TRUE, 0);

  gtk_widget_show_all (dialog);
  settings_changed (&d);

  ok = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;

  gtk_widget_destroy (dialog);
  ns_preview_free (d.preview);
  return ok;
}
