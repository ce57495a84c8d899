/* ns-dialog.c: see ns-dialog.h.
 *
 * A GimpProcedureDialog for the strength, colors and scale arguments, plus
 * what it cannot make by itself: a style chooser filled from the catalog
 * when the dialog opens (the "style" argument is a plain string, see
 * gimp-neural-style.c) and a live preview of a crop of the layer, painted
 * by ns-preview in a worker thread.
 */
#include "ns-i18n.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "ns-config.h"
#include "ns-dialog.h"
#include "ns-preview.h"
#include "ns-styles.h"



enum
{
  COLUMN_ID,
  COLUMN_LABEL,
  N_COLUMNS
};

typedef struct
{
  GimpProcedureConfig *config;
  NsCatalog           *catalog;
  NsPreview           *preview;
  GtkWidget           *area;
  GtkWidget           *status;
} Dialog;


/* The config's style if it is installed, else the default style: the
 * chooser can only show installed ones. */
static gboolean
select_installed_style (GimpProcedureConfig  *config,
                        NsCatalog            *catalog,
                        GError              **error)
{
  g_autofree gchar *id = NULL;
  const NsStyle    *style;

  g_object_get (config, "style", &id, NULL);

  style = ns_styles_resolve (catalog, id, NULL);
  if (! style)
    style = ns_styles_resolve (catalog, NULL, error);
  if (! style)
    return FALSE;

  g_object_set (config, "style", style->id, NULL);
  return TRUE;
}

static GtkWidget *
style_chooser_new (Dialog *ui)
{
  g_autoptr (GPtrArray)    installed = ns_catalog_get_installed (ui->catalog);
  g_autoptr (GtkListStore) store = gtk_list_store_new (N_COLUMNS,
                                                       G_TYPE_STRING,
                                                       G_TYPE_STRING);
  GtkWidget *box;
  GtkWidget *label;
  GtkWidget *combo;

  for (guint i = 0; i < installed->len; i++)
    {
      const NsStyle    *style = g_ptr_array_index (installed, i);
      g_autofree gchar *text  = ns_styles_label (ui->catalog, style);

      gtk_list_store_insert_with_values (store, NULL, -1,
                                         COLUMN_ID,    style->id,
                                         COLUMN_LABEL, text,
                                         -1);
    }

  combo = gimp_prop_string_combo_box_new (G_OBJECT (ui->config), "style",
                                          GTK_TREE_MODEL (store),
                                          COLUMN_ID, COLUMN_LABEL);
  gtk_widget_set_hexpand (combo, TRUE);

  label = gtk_label_new_with_mnemonic (_("St_yle:"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), combo);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), combo, TRUE, TRUE, 0);
  gtk_widget_show_all (box);

  return box;
}

/* Called by ns-preview whenever its pixels or status change. */
static void
preview_changed (gpointer user_data)
{
  Dialog      *ui     = user_data;
  const gint   width  = ns_preview_get_width (ui->preview);
  const gchar *status = ns_preview_get_status (ui->preview);

  gimp_preview_area_draw (GIMP_PREVIEW_AREA (ui->area),
                          0, 0, width, ns_preview_get_height (ui->preview),
                          GIMP_RGB_IMAGE,
                          ns_preview_get_pixels (ui->preview),
                          width * 3);
  gtk_label_set_text (GTK_LABEL (ui->status), status ? status : "");
}

static void
settings_changed (Dialog *ui)
{
  NsSettings settings;

  ns_config_get_settings (ui->config, &settings);
  ns_preview_update (ui->preview,
                     ns_styles_resolve (ui->catalog, settings.style, NULL),
                     &settings);
}

/* The crop of @drawable the preview paints: the middle of the part the
 * filter will paint.  (transfer full) */
static NsPreview *
preview_new (GimpDrawable *drawable,
             Dialog       *ui)
{
  g_autoptr (GeglBuffer) buffer = gimp_drawable_get_buffer (drawable);
  GeglRectangle          area;

  gimp_drawable_mask_intersect (drawable, &area.x, &area.y,
                                &area.width, &area.height);
  return ns_preview_new (buffer, &area, preview_changed, ui);
}

/* The preview area and its status line, in a box.  Sets ui->area and
 * ui->status. */
static GtkWidget *
preview_widget_new (Dialog *ui)
{
  GtkWidget *box   = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *frame = gtk_frame_new (NULL);

  gtk_frame_set_shadow_type (GTK_FRAME (frame), GTK_SHADOW_IN);
  gtk_widget_set_halign (frame, GTK_ALIGN_CENTER);
  gtk_box_pack_start (GTK_BOX (box), frame, FALSE, FALSE, 0);

  ui->area = gimp_preview_area_new ();
  gtk_widget_set_size_request (ui->area,
                               ns_preview_get_width (ui->preview),
                               ns_preview_get_height (ui->preview));
  gtk_container_add (GTK_CONTAINER (frame), ui->area);

  ui->status = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (ui->status), PANGO_ELLIPSIZE_END);
  gimp_label_set_attributes (GTK_LABEL (ui->status),
                             PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC,
                             -1);
  gtk_box_pack_start (GTK_BOX (box), ui->status, FALSE, FALSE, 0);

  gtk_widget_show_all (box);
  return box;
}

/* Preview, style chooser, then the procedure's own widgets. */
static void
dialog_fill (GimpProcedureDialog *dialog,
             Dialog              *ui)
{
  GtkWidget *scale;
  GtkWidget *box;
  GtkWidget *preview;
  GtkWidget *chooser;

  /* Sliders, and the stroke scale logarithmic: 0.5 and 2 are as far from
   * the network's own strokes. */
  gimp_procedure_dialog_get_scale_entry (dialog, "strength", 1.0);
  scale = gimp_procedure_dialog_get_scale_entry (dialog, "scale", 1.0);
  gimp_scale_entry_set_logarithmic (GIMP_SCALE_ENTRY (scale), TRUE);

  box = gimp_procedure_dialog_fill_box (dialog, "neural-style-box",
                                        "strength", "preserve-colors", "scale",
                                        NULL);
  gtk_box_set_spacing (GTK_BOX (box), 6);

  preview = preview_widget_new (ui);
  gtk_box_pack_start (GTK_BOX (box), preview, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (box), preview, 0);

  chooser = style_chooser_new (ui);
  gtk_box_pack_start (GTK_BOX (box), chooser, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (box), chooser, 1);

  gimp_procedure_dialog_fill (dialog, "neural-style-box", NULL);
}

gboolean
ns_dialog_run (GimpProcedure        *procedure,
               GimpProcedureConfig  *config,
               NsCatalog            *catalog,
               GimpDrawable         *drawable,
               GError              **error)
{
  Dialog     ui = { config, catalog, NULL, NULL, NULL };
  GtkWidget *dialog;
  gulong     handler;
  gboolean   run;

  if (! select_installed_style (config, catalog, error))
    return FALSE;

  ui.preview = preview_new (drawable, &ui);

  dialog = gimp_procedure_dialog_new (procedure, config, _("Neural Style"));
  dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), &ui);

  handler = g_signal_connect_swapped (config, "notify",
                                      G_CALLBACK (settings_changed), &ui);
  settings_changed (&ui);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));

  g_signal_handler_disconnect (config, handler);
  ns_preview_free (ui.preview);
  gtk_widget_destroy (dialog);

  return run;
}
