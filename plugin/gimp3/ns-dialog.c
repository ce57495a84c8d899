/* ns-dialog.c: see ns-dialog.h.
 *
 * A GimpProcedureDialog for the procedure's sliders and toggle, plus what
 * it cannot make by itself:
 *   - where the style comes from: the installed styles, a picture file or a
 *     layer of any open image (the auxiliary "style-source" argument);
 *   - the installed styles as a list with a swatch of each (ns-swatch),
 *     bound to the "style" argument (a plain string, see
 *     gimp-neural-style.c); styles not installed show greyed with the
 *     command that installs them;
 *   - the picture (the auxiliary "style-file" argument, whose path becomes
 *     "style") and the layer (a GimpLayerComboBox, which sets
 *     "style-layer");
 *   - "Save as Style...", which keeps a picture or layer style under an id;
 *   - a live preview of a crop of the layer, painted by ns-preview in a
 *     worker thread;
 *   - under the list, Download for the style selected when it is not
 *     installed and "Download all free styles" (ns-download, in a worker
 *     thread): the terms of a non-commercial style to accept first and
 *     the progress (ns-download-ui, as GIMP 2.10 shows them), Stop, and
 *     why a download failed.
 */
#include "ns-i18n.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "ns-config.h"
#include "ns-dialog.h"
#include "ns-dialog-state.h"
#include "ns-download.h"
#include "ns-download-ui.h"
#include "ns-fetch.h"
#include "ns-preview.h"
#include "ns-styles.h"
#include "ns-swatch.h"


/* The sample the swatches paint: a part of GIMP's splash with no text
 * (ns_swatch_splash_crop). */
#define SPLASH_FILE "gimp-splash.png"

/* How many rows of the style list show at once, and its width: the
 * width of the settings in every mode, so that the sliders keep theirs. */
#define LIST_ROWS  6
#define LIST_WIDTH 380

enum
{
  COLUMN_ID,
  COLUMN_SWATCH,
  COLUMN_MARKUP,
  COLUMN_TOOLTIP,
  COLUMN_SENSITIVE,
  N_COLUMNS
};

typedef struct
{
  GimpProcedureConfig *config;
  GtkWidget           *dialog;
  GimpImage           *image;         /* the image being painted */
  NsCatalog           *catalog;
  NsCatalog           *own_catalog;   /* reopened after a save, or NULL */
  NsPreview           *preview;
  NsSwatches          *swatches;
  GtkListStore        *store;
  GtkWidget           *area;
  GtkWidget           *status;
  GtkWidget           *list;
  GtkWidget           *list_box;
  GtkWidget           *file;
  GtkWidget           *layers;
  GtkWidget           *amount;
  GtkWidget           *mix_row;       /* "Mix with" and its combo */
  GtkWidget           *mix_combo;
  GtkWidget           *mix;
  GtkWidget           *strength;      /* its slider */
  GtkWidget           *save;
  gchar               *installed_id;  /* the style chosen in the list */
  gint                 layer_id;      /* the layer chosen in the combo */
  NsStyle             *base;          /* the style chosen, before a mix */
  gchar               *base_key;      /* what `base` was made from */
  gchar               *base_error;    /* why there is no base, or NULL */
  NsStyle             *second;        /* the style last mixed in, or NULL */
  NsStyle             *style;         /* what the preview paints, or NULL */
  gchar               *error;         /* why there is no style, or NULL */
  gboolean             syncing;
  /* Downloads: */
  NsDownload          *download;      /* NULL when the environment is wrong */
  gchar               *download_setup_error;
  GtkWidget           *download_button;
  GtkWidget           *download_all;
  GtkWidget           *progress;      /* the bar and Stop, shown while a
                                       * download runs */
  GtkWidget           *progress_bar;
  GtkWidget           *stop;
  GtkWidget           *download_error; /* an icon and why, in a row */
  GtkWidget           *download_error_icon;
  GtkWidget           *download_error_label;
  const gchar         *download_state; /* for the tests: idle, running,
                                        * done, failed, cancelled */
  const gchar         *terms;         /* the terms on screen, or NULL */
  const gchar         *terms_question; /* ... and the question above them */
} Dialog;


static void report_state (Dialog *ui);


/* Where the style comes from: the "style-source" choice. */
typedef enum
{
  SOURCE_INSTALLED,
  SOURCE_PICTURE,
  SOURCE_LAYER
} Source;

static const gchar *source_names[] = { "installed", "picture", "layer" };

static Source
get_source (Dialog *ui)
{
  g_autofree gchar *name = NULL;

  g_object_get (ui->config, "style-source", &name, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (source_names); i++)
    if (g_strcmp0 (name, source_names[i]) == 0)
      return i;
  return SOURCE_INSTALLED;
}

void
ns_dialog_add_arguments (GimpProcedure *procedure)
{
  g_autoptr (GimpChoice) choice = gimp_choice_new ();

  gimp_choice_add (choice, source_names[SOURCE_INSTALLED], SOURCE_INSTALLED,
                   _("An installed style"), NULL);
  gimp_choice_add (choice, source_names[SOURCE_PICTURE], SOURCE_PICTURE,
                   _("A picture file"), NULL);
  gimp_choice_add (choice, source_names[SOURCE_LAYER], SOURCE_LAYER,
                   _("A layer of an open image"), NULL);

  gimp_procedure_add_choice_aux_argument (procedure, "style-source",
                                          _("Style _from"),
                                          _("Where the style comes from"),
                                          g_steal_pointer (&choice),
                                          source_names[SOURCE_INSTALLED],
                                          G_PARAM_READWRITE);
  gimp_procedure_add_file_aux_argument (procedure, "style-file",
                                        _("P_icture"),
                                        _("The picture whose style to paint with"),
                                        GIMP_FILE_CHOOSER_ACTION_OPEN,
                                        TRUE, NULL,
                                        G_PARAM_READWRITE);
}


/* The config's "style" and "style-layer" from what the dialog shows */

static void
set_style (Dialog      *ui,
           const gchar *id,
           GimpLayer   *layer)
{
  g_autofree gchar      *old_id = NULL;
  g_autoptr (GimpLayer)  old_layer = NULL;

  g_object_get (ui->config, "style", &old_id, "style-layer", &old_layer, NULL);
  if (g_strcmp0 (old_id, id) != 0)
    g_object_set (ui->config, "style", id, NULL);
  if (old_layer != layer)
    g_object_set (ui->config, "style-layer", layer, NULL);
}

static void
sync_style (Dialog *ui)
{
  const Source source = get_source (ui);

  if (ui->syncing)
    return;

  ui->syncing = TRUE;
  gtk_widget_set_visible (ui->list_box, source == SOURCE_INSTALLED);
  gtk_widget_set_visible (ui->file, source == SOURCE_PICTURE);
  gtk_widget_set_visible (ui->layers, source == SOURCE_LAYER);

  if (source == SOURCE_INSTALLED)
    set_style (ui, ui->installed_id ? ui->installed_id : "", NULL);
  else if (source == SOURCE_PICTURE)
    {
      g_autoptr (GFile) file = NULL;
      g_autofree gchar *path = NULL;

      g_object_get (ui->config, "style-file", &file, NULL);
      path = file ? g_file_get_path (file) : NULL;
      set_style (ui, path ? path : "", NULL);
    }
  else
    set_style (ui, ui->installed_id ? ui->installed_id : "",
               ui->layer_id ? gimp_layer_get_by_id (ui->layer_id) : NULL);
  ui->syncing = FALSE;
}

/* Where the config's style came from, when the dialog opens: last values
 * or a script's arguments. */
static void
guess_source (Dialog *ui)
{
  g_autofree gchar      *id = NULL;
  g_autoptr (GimpLayer)  layer = NULL;
  const NsStyle         *installed;
  Source                 source = SOURCE_INSTALLED;

  g_object_get (ui->config, "style", &id, "style-layer", &layer, NULL);

  if (layer)
    {
      source = SOURCE_LAYER;
      ui->layer_id = gimp_item_get_id (GIMP_ITEM (layer));
    }
  else if (id && *id && ! ns_catalog_lookup (ui->catalog, id)
           && g_file_test (id, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (GFile) file = g_file_new_for_path (id);

      source = SOURCE_PICTURE;
      g_object_set (ui->config, "style-file", file, NULL);
    }

  /* The installed style to select in the list: the one named, else the
   * default (an empty id means it too). */
  installed = ns_styles_resolve (ui->catalog, id, NULL);
  if (! installed)
    installed = ns_styles_resolve (ui->catalog, NULL, NULL);
  ui->installed_id = g_strdup (installed ? installed->id : NULL);

  g_object_set (ui->config, "style-source", source_names[source], NULL);
}


/* The style list */

/* Style @id of the catalog when it is one not installed, else NULL: the
 * Download button's. */
static const NsStyle *
style_to_download (Dialog      *ui,
                   const gchar *id)
{
  const NsStyle *style = id && *id ? ns_catalog_lookup (ui->catalog, id) : NULL;

  return style && ! style->path ? style : NULL;
}

static void
swatch_arrived (guint    index,
                gpointer user_data)
{
  Dialog            *ui  = user_data;
  const NsSwatchRow *row = ns_swatches_get_row (ui->swatches, index);
  GtkTreeIter        iter;

  if (ui->store && gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (ui->store), &iter, NULL, index))
    gtk_list_store_set (ui->store, &iter,
                        COLUMN_SWATCH,  row->swatch,
                        COLUMN_TOOLTIP, row->tooltip,
                        -1);
  /* For the tests: the rows' swatches are ready. */
  report_state (ui);
}

static NsSwatches *
swatches_new (Dialog *ui)
{
  g_autofree gchar          *splash = g_build_filename (gimp_data_directory (), "images",
                                                        SPLASH_FILE, NULL);
  gint                       width = 0, height = 0;
  NsRect                     crop;
  g_autoptr (NsSwatchSample) sample = NULL;

  gdk_pixbuf_get_file_info (splash, &width, &height);
  crop = ns_swatch_splash_crop (width, height);
  sample = ns_swatch_sample_new (splash, &crop);

  return ns_swatches_new (ui->catalog, sample, swatch_arrived, ui);
}

static void
list_selection_changed (GtkTreeSelection *selection,
                        Dialog           *ui)
{
  GtkTreeModel *model;
  GtkTreeIter   iter;

  if (! gtk_tree_selection_get_selected (selection, &model, &iter))
    return;

  g_clear_pointer (&ui->installed_id, g_free);
  gtk_tree_model_get (model, &iter, COLUMN_ID, &ui->installed_id, -1);
  sync_style (ui);
}

/* Double-click or Return on a style: paint with it. */
static void
list_row_activated (GtkTreeView       *list,
                    GtkTreePath       *path,
                    GtkTreeViewColumn *column,
                    Dialog            *ui)
{
  GtkWidget *dialog = gtk_widget_get_toplevel (GTK_WIDGET (list));

  /* A style not installed: OK could not paint it, Download can. */
  if (style_to_download (ui, ui->installed_id))
    gtk_widget_activate (ui->download_button);
  else if (GTK_IS_DIALOG (dialog))
    gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
}

static void
list_select (Dialog      *ui,
             const gchar *id)
{
  gint index = id ? ns_swatches_find (ui->swatches, id) : -1;

  if (index >= 0)
    {
      g_autoptr (GtkTreePath) path = gtk_tree_path_new_from_indices (index, -1);

      gtk_tree_view_set_cursor (GTK_TREE_VIEW (ui->list), path, NULL, FALSE);
      gtk_tree_view_scroll_to_cell (GTK_TREE_VIEW (ui->list), path, NULL, FALSE, 0, 0);
    }
}

static void
list_fill (Dialog *ui)
{
  gtk_list_store_clear (ui->store);
  for (guint i = 0; i < ns_swatches_get_n_rows (ui->swatches); i++)
    {
      const NsSwatchRow *row = ns_swatches_get_row (ui->swatches, i);

      gtk_list_store_insert_with_values (ui->store, NULL, -1,
                                         COLUMN_ID,        row->id,
                                         COLUMN_SWATCH,    row->swatch,
                                         COLUMN_MARKUP,    row->markup,
                                         COLUMN_TOOLTIP,   row->tooltip,
                                         COLUMN_SENSITIVE, row->installed,
                                         -1);
    }
}

/* Row @index again, from its NsSwatchRow: a style just installed. */
static void
list_row_update (Dialog *ui,
                 guint   index)
{
  const NsSwatchRow *row = ns_swatches_get_row (ui->swatches, index);
  GtkTreeIter        iter;

  if (gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (ui->store), &iter, NULL, index))
    gtk_list_store_set (ui->store, &iter,
                        COLUMN_SWATCH,    row->swatch,
                        COLUMN_MARKUP,    row->markup,
                        COLUMN_TOOLTIP,   row->tooltip,
                        COLUMN_SENSITIVE, row->installed,
                        -1);
}

static GtkWidget *download_widgets_new (Dialog *ui);

static GtkWidget *
style_list_new (Dialog *ui)
{
  GtkWidget         *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget         *label;
  GtkWidget         *scrolled;
  GtkCellRenderer   *cell;
  GtkTreeViewColumn *column;
  GtkTreeSelection  *selection;

  ui->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, GDK_TYPE_PIXBUF,
                                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  ui->swatches = swatches_new (ui);
  list_fill (ui);

  ui->list = gtk_tree_view_new_with_model (GTK_TREE_MODEL (ui->store));
  g_object_unref (ui->store);
  gtk_tree_view_set_headers_visible (GTK_TREE_VIEW (ui->list), FALSE);
  gtk_tree_view_set_tooltip_column (GTK_TREE_VIEW (ui->list), COLUMN_TOOLTIP);
  gtk_tree_view_set_enable_search (GTK_TREE_VIEW (ui->list), FALSE);

  column = gtk_tree_view_column_new ();
  cell = gtk_cell_renderer_pixbuf_new ();
  gtk_cell_renderer_set_fixed_size (cell, NS_SWATCH_WIDTH + 8, NS_SWATCH_HEIGHT + 4);
  gtk_tree_view_column_pack_start (column, cell, FALSE);
  gtk_tree_view_column_set_attributes (column, cell,
                                       "pixbuf",    COLUMN_SWATCH,
                                       "sensitive", COLUMN_SENSITIVE,
                                       NULL);
  cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  gtk_tree_view_column_pack_start (column, cell, TRUE);
  gtk_tree_view_column_set_attributes (column, cell,
                                       "markup",    COLUMN_MARKUP,
                                       "sensitive", COLUMN_SENSITIVE,
                                       NULL);
  gtk_tree_view_append_column (GTK_TREE_VIEW (ui->list), column);

  selection = gtk_tree_view_get_selection (GTK_TREE_VIEW (ui->list));
  gtk_tree_selection_set_mode (selection, GTK_SELECTION_BROWSE);

  scrolled = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_widget_set_size_request (scrolled, LIST_WIDTH, LIST_ROWS * (NS_SWATCH_HEIGHT + 8));
  gtk_container_add (GTK_CONTAINER (scrolled), ui->list);

  label = gtk_label_new_with_mnemonic (_("St_yle:"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), ui->list);

  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), scrolled, TRUE, TRUE, 0);
  gtk_widget_show_all (box);
  gtk_box_pack_start (GTK_BOX (box), download_widgets_new (ui), FALSE, FALSE, 0);

  /* Nothing installed: the first style to download. */
  if (! ui->installed_id && ns_swatches_get_n_rows (ui->swatches) > 0)
    ui->installed_id = g_strdup (ns_swatches_get_row (ui->swatches, 0)->id);
  list_select (ui, ui->installed_id);
  g_signal_connect (selection, "changed", G_CALLBACK (list_selection_changed), ui);
  g_signal_connect (ui->list, "row-activated", G_CALLBACK (list_row_activated), ui);
  return box;
}


/* The layer */

/* Layers of RGB and grayscale images: the ones the engine can read. */
static gboolean
layer_usable (GimpImage *image,
              GimpItem  *item,
              gpointer   data)
{
  return gimp_image_get_base_type (image) != GIMP_INDEXED;
}

static void
layer_changed (GtkWidget *combo,
               Dialog    *ui)
{
  gint id = 0;

  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &id);
  ui->layer_id = id;
  sync_style (ui);
}

/* The first layer @combo lists that is not of @image, or none: the layer
 * being painted is rarely the style wanted for it. */
static void
choose_other_layer (GtkWidget *combo,
                    GimpImage *image)
{
  GtkTreeModel *model = gtk_combo_box_get_model (GTK_COMBO_BOX (combo));
  GtkTreeIter   iter;
  gboolean      more;

  for (more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      GimpItem *item;
      gint      id;

      gtk_tree_model_get (model, &iter, GIMP_INT_STORE_VALUE, &id, -1);
      item = gimp_item_get_by_id (id);
      if (item && gimp_image_get_id (gimp_item_get_image (item)) != gimp_image_get_id (image))
        {
          gtk_combo_box_set_active_iter (GTK_COMBO_BOX (combo), &iter);
          return;
        }
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), -1);
}

/* The layer chooser, at the layer remembered or given by a script, else
 * at another image's layer.  Its signal is connected last: the rest of
 * the dialog does not exist yet. */
static GtkWidget *
layer_chooser_new (Dialog *ui)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("La_yer:"));
  GtkWidget *combo = gimp_layer_combo_box_new (layer_usable, NULL, NULL);

  if (! ui->layer_id
      || ! gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), ui->layer_id))
    choose_other_layer (combo, ui->image);
  ui->layer_id = 0;
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &ui->layer_id);
  g_signal_connect (combo, "changed", G_CALLBACK (layer_changed), ui);

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), combo);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), combo, TRUE, TRUE, 0);
  gtk_widget_show_all (box);
  return box;
}


/* Save as style */

static void
show_error (GtkWidget   *parent,
            const gchar *text)
{
  GtkWidget *message = gtk_message_dialog_new (GTK_WINDOW (gtk_widget_get_toplevel (parent)),
                                               GTK_DIALOG_MODAL, GTK_MESSAGE_ERROR,
                                               GTK_BUTTONS_CLOSE, "%s", text);

  gtk_window_set_title (GTK_WINDOW (message), _("Neural Style"));
  gtk_dialog_run (GTK_DIALOG (message));
  gtk_widget_destroy (message);
}

static GtkWidget *
labelled_entry (GtkGrid     *grid,
                gint         row,
                const gchar *mnemonic,
                const gchar *text)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_text (GTK_ENTRY (entry), text ? text : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_widget_set_hexpand (entry, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, entry, 1, row, 1, 1);
  return entry;
}

/* Mix with */

/* "Mix with": none, or an installed style with a style vector; a picture
 * a script or the last run named is offered too. */
static void
mix_combo_fill (Dialog *ui)
{
  g_autoptr (GPtrArray) styles = ns_styles_mixable (ui->catalog);
  g_autofree gchar     *current = NULL;

  g_object_get (ui->config, "mix-style", &current, NULL);
  ui->syncing = TRUE;
  gtk_combo_box_text_remove_all (GTK_COMBO_BOX_TEXT (ui->mix_combo));
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (ui->mix_combo), "", _("None"));
  for (guint i = 0; i < styles->len; i++)
    {
      const NsStyle    *style = g_ptr_array_index (styles, i);
      g_autofree gchar *label = ns_styles_label (ui->catalog, style);

      gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (ui->mix_combo), style->id, label);
    }
  if (! gtk_combo_box_set_active_id (GTK_COMBO_BOX (ui->mix_combo), current ? current : ""))
    {
      g_autofree gchar *name = g_path_get_basename (current);

      gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (ui->mix_combo), current, name);
      gtk_combo_box_set_active_id (GTK_COMBO_BOX (ui->mix_combo), current);
    }
  ui->syncing = FALSE;
}

static void
mix_combo_changed (GtkComboBox *combo,
                   Dialog      *ui)
{
  const gchar *id = gtk_combo_box_get_active_id (combo);

  if (! ui->syncing && id)
    g_object_set (ui->config, "mix-style", id, NULL);
}

/* "Mix with" and its combo, in a row. */
static GtkWidget *
mix_row_new (Dialog *ui)
{
  GtkWidget *row   = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("_Mix with:"));

  ui->mix_combo = gtk_combo_box_text_new ();
  gtk_widget_set_tooltip_text (ui->mix_combo, _(ns_procedure_mix_style_blurb ()));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), ui->mix_combo);
  gtk_box_pack_start (GTK_BOX (row), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), ui->mix_combo, TRUE, TRUE, 0);
  gtk_widget_show_all (row);
  mix_combo_fill (ui);
  g_signal_connect (ui->mix_combo, "changed", G_CALLBACK (mix_combo_changed), ui);
  return row;
}

/* The saved style joins the list and becomes the chosen one (a saved mix
 * is mixed no more). */
static void
reload_styles (Dialog      *ui,
               const gchar *id)
{
  g_autoptr (GError) error = NULL;
  NsCatalog         *catalog = ns_styles_open (&error);

  if (! catalog)
    return;

  ns_swatches_free (ui->swatches);
  ns_catalog_free (ui->own_catalog);
  ui->catalog = ui->own_catalog = catalog;
  ui->swatches = swatches_new (ui);
  list_fill (ui);
  g_object_set (ui->config, "mix-style", "", NULL);
  mix_combo_fill (ui);
  g_free (ui->installed_id);
  ui->installed_id = g_strdup (id);
  g_object_set (ui->config, "style-source", source_names[SOURCE_INSTALLED], NULL);
  list_select (ui, id);
  gtk_widget_grab_focus (ui->list);
}

static void
save_clicked (GtkWidget *button,
              Dialog    *ui)
{
  GtkWidget *dialog;
  GtkWidget *grid;
  GtkWidget *id_entry;
  GtkWidget *title_entry;

  if (! ui->style)
    {
      show_error (button, ui->error ? ui->error : _("Choose a picture or a layer first"));
      return;
    }

  dialog = gtk_dialog_new_with_buttons (_("Save as Style"),
                                        GTK_WINDOW (gtk_widget_get_toplevel (button)),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        _("_Save"),   GTK_RESPONSE_OK,
                                        NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 6);
  gtk_container_set_border_width (GTK_CONTAINER (grid), 12);
  id_entry = labelled_entry (GTK_GRID (grid), 0, _("_Id:"), NULL);
  title_entry = labelled_entry (GTK_GRID (grid), 1, _("_Title:"), ui->style->title);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      grid, TRUE, TRUE, 0);
  gtk_widget_show_all (dialog);

  while (gtk_dialog_run (GTK_DIALOG (dialog)) == GTK_RESPONSE_OK)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar  *id = g_strdup (gtk_entry_get_text (GTK_ENTRY (id_entry)));
      g_autofree gchar  *saved = NULL;

      saved = ns_styles_save (ui->catalog, ui->style, g_strstrip (id),
                              gtk_entry_get_text (GTK_ENTRY (title_entry)), &error);
      if (saved)
        {
          gtk_widget_destroy (dialog);
          reload_styles (ui, id);
          return;
        }
      show_error (dialog, error->message);
    }
  gtk_widget_destroy (dialog);
}


/* Downloads */

static void settings_changed (Dialog *ui);

/* The Download buttons say what they would download, and only one
 * download runs at a time. */
static void
download_buttons_update (Dialog *ui)
{
  const NsStyle    *style = style_to_download (ui, ui->installed_id);
  const gboolean    running = ui->download && ns_download_is_running (ui->download);
  g_auto (GStrv)    free_ids = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *tooltip = NULL;
  g_autofree gchar *all_tooltip = NULL;
  guint64           bytes = 0;
  guint             n;

  if (! ui->download)
    {
      gtk_widget_set_sensitive (ui->download_button, FALSE);
      gtk_widget_set_sensitive (ui->download_all, FALSE);
      gtk_widget_set_tooltip_text (ui->download_button, ui->download_setup_error);
      gtk_widget_set_tooltip_text (ui->download_all, ui->download_setup_error);
      return;
    }

  if (style && (bytes = ns_download_style_bytes (ui->download, style->id)))
    {
      g_autofree gchar *size = ns_download_format_size (bytes);

      /* TRANSLATORS: the button that downloads the style selected; %s is
       * its size, as in "3.3 MB" */
      label = g_strdup_printf (_("_Download (%s)"), size);
      tooltip = g_strdup_printf (_("Download “%s” (%s) and install it"),
                                 style->title ? style->title : style->id, size);
    }
  else
    {
      label = g_strdup (_("_Download"));
      /* Nothing to say of an installed style (a tooltip over an
       * insensitive button would only hide the dialog). */
      tooltip = style ? g_strdup (_("Download the style selected and install it")) : NULL;
    }
  gtk_button_set_label (GTK_BUTTON (ui->download_button), label);
  gtk_widget_set_tooltip_text (ui->download_button, tooltip);
  gtk_widget_set_sensitive (ui->download_button, style && ! running);

  /* The sizes of styles that share networks add up to more than comes
   * in: "up to". */
  free_ids = ns_download_free_ids (ui->download, ui->catalog);
  n = g_strv_length (free_ids);
  bytes = 0;
  for (guint i = 0; i < n; i++)
    bytes += ns_download_style_bytes (ui->download, free_ids[i]);
  if (n)
    {
      g_autofree gchar *size = ns_download_format_size (bytes);

      all_tooltip = g_strdup_printf (ngettext ("%u freely licensed style, up to %s",
                                               "%u freely licensed styles, up to %s", n),
                                     n, size);
    }
  else
    all_tooltip = g_strdup (_("Every freely licensed style is installed"));
  gtk_widget_set_tooltip_text (ui->download_all, all_tooltip);
  gtk_widget_set_sensitive (ui->download_all, n > 0 && ! running);
}

static void
terms_shown (const gchar *question,
             const gchar *terms,
             gpointer     user_data)
{
  Dialog *ui = user_data;

  ui->terms_question = question;
  ui->terms = terms;
  report_state (ui);
}

static void
download_start (Dialog             *ui,
                const gchar *const *ids)
{
  if (! ids[0] || ! ns_download_start (ui->download, ids))
    return;

  ui->download_state = "running";
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (ui->progress_bar), 0.0);
  ns_download_ui_show_progress (ui->download, GTK_PROGRESS_BAR (ui->progress_bar), NULL);
  gtk_widget_hide (ui->download_error);
  gtk_widget_show (ui->progress);
  /* The focus on Stop, not left on a button that turns insensitive. */
  gtk_widget_grab_focus (ui->stop);
  download_buttons_update (ui);
  report_state (ui);
}

static void
download_clicked (GtkWidget *button,
                  Dialog    *ui)
{
  const NsStyle *style = style_to_download (ui, ui->installed_id);
  const gchar   *ids[2] = { NULL, NULL };

  if (! style || ! ui->download || ns_download_is_running (ui->download)
      || ! ns_download_ui_accept_terms (ui->download, GTK_WINDOW (ui->dialog), style->id,
                                        terms_shown, ui))
    return;
  ids[0] = style->id;
  download_start (ui, ids);
}

/* Never a non-commercial style: nobody accepted its terms. */
static void
download_all_clicked (GtkWidget *button,
                      Dialog    *ui)
{
  g_auto (GStrv) ids = NULL;

  if (! ui->download || ns_download_is_running (ui->download))
    return;
  ids = ns_download_free_ids (ui->download, ui->catalog);
  download_start (ui, (const gchar *const *) ids);
}

static void
cancel_download_clicked (GtkWidget *button,
                         Dialog    *ui)
{
  ns_download_cancel (ui->download);
}

static void
download_progress (NsDownload *download,
                   gpointer    user_data)
{
  Dialog *ui = user_data;

  ns_download_ui_show_progress (download, GTK_PROGRESS_BAR (ui->progress_bar), NULL);
  report_state (ui);
}

/* Style @id is in, and @catalog has it: every row it brings alive
 * updated (a Magenta preset's networks bring the other presets too); the
 * style selected paints, and "Mix with" offers the new style vectors. */
static void
download_installed (NsDownload  *download,
                    const gchar *id,
                    NsCatalog   *catalog,
                    gpointer     user_data)
{
  Dialog *ui = user_data;

  ns_catalog_free (ui->own_catalog);
  ui->catalog = ui->own_catalog = catalog;

  for (guint i = 0; i < ns_swatches_get_n_rows (ui->swatches); i++)
    {
      const NsSwatchRow *row = ns_swatches_get_row (ui->swatches, i);

      if (! row->installed && ns_swatches_set_installed (ui->swatches, catalog, row->id) >= 0)
        list_row_update (ui, i);
    }

  /* The style the settings name may be installed now. */
  g_clear_pointer (&ui->base_key, g_free);
  mix_combo_fill (ui);
  settings_changed (ui);
}

static void
download_done (NsDownload   *download,
               const GError *error,
               gpointer      user_data)
{
  Dialog *ui = user_data;

  gtk_widget_hide (ui->progress);
  /* Back in the list: Return paints with the style just installed. */
  gtk_widget_grab_focus (ui->list);
  if (! error)
    ui->download_state = "done";
  else
    {
      const gboolean cancelled = g_error_matches (error, NS_FETCH_ERROR,
                                                  NS_FETCH_ERROR_CANCELLED);

      ui->download_state = cancelled ? "cancelled" : "failed";
      gtk_label_set_text (GTK_LABEL (ui->download_error_label), error->message);
      gtk_image_set_from_icon_name (GTK_IMAGE (ui->download_error_icon),
                                    cancelled ? "dialog-information" : "dialog-error",
                                    GTK_ICON_SIZE_BUTTON);
      gtk_widget_show (ui->download_error);
    }
  download_buttons_update (ui);
  report_state (ui);
}

/* Under the style list: the two buttons, the progress bar and its Cancel
 * while a download runs, and why the last one failed.  Sets ui's
 * download widgets. */
static GtkWidget *
download_widgets_new (Dialog *ui)
{
  GtkWidget *box     = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  ui->download_button = gtk_button_new_with_mnemonic (_("_Download"));
  ui->download_all = gtk_button_new_with_mnemonic (_("Download All Fr_ee Styles"));
  g_signal_connect (ui->download_button, "clicked", G_CALLBACK (download_clicked), ui);
  g_signal_connect (ui->download_all, "clicked", G_CALLBACK (download_all_clicked), ui);
  gtk_box_pack_start (GTK_BOX (buttons), ui->download_button, FALSE, FALSE, 0);
  gtk_box_pack_end (GTK_BOX (buttons), ui->download_all, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), buttons, FALSE, FALSE, 0);

  /* The bar as wide as the list, for its words; Stop under its end. */
  ui->progress = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  ui->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (ui->progress_bar), TRUE);
  gtk_progress_bar_set_ellipsize (GTK_PROGRESS_BAR (ui->progress_bar), PANGO_ELLIPSIZE_MIDDLE);
  ui->stop = gtk_button_new_with_mnemonic (_("Stop Do_wnload"));
  gtk_widget_set_halign (ui->stop, GTK_ALIGN_END);
  g_signal_connect (ui->stop, "clicked", G_CALLBACK (cancel_download_clicked), ui);
  gtk_box_pack_start (GTK_BOX (ui->progress), ui->progress_bar, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (ui->progress), ui->stop, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), ui->progress, FALSE, FALSE, 0);

  ui->download_error = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  ui->download_error_icon = gtk_image_new_from_icon_name ("dialog-error", GTK_ICON_SIZE_BUTTON);
  gtk_widget_set_valign (ui->download_error_icon, GTK_ALIGN_START);
  ui->download_error_label = gtk_label_new (ui->download_setup_error);
  gtk_label_set_line_wrap (GTK_LABEL (ui->download_error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (ui->download_error_label), 0.0);
  gtk_label_set_max_width_chars (GTK_LABEL (ui->download_error_label), 48);
  gtk_label_set_selectable (GTK_LABEL (ui->download_error_label), TRUE);
  gtk_box_pack_start (GTK_BOX (ui->download_error), ui->download_error_icon, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (ui->download_error), ui->download_error_label, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (box), ui->download_error, FALSE, FALSE, 0);

  gtk_widget_show_all (box);
  gtk_widget_hide (ui->progress);
  if (! ui->download_setup_error)
    gtk_widget_hide (ui->download_error);
  download_buttons_update (ui);
  return box;
}


/* The preview */

/* Called by ns-preview whenever its pixels or status change. */
static void
preview_changed (gpointer user_data)
{
  Dialog      *ui     = user_data;
  const gint   width  = ns_preview_get_width (ui->preview);
  const gchar *status = ui->error ? ui->error : ns_preview_get_status (ui->preview);

  gimp_preview_area_draw (GIMP_PREVIEW_AREA (ui->area),
                          0, 0, width, ns_preview_get_height (ui->preview),
                          GIMP_RGB_IMAGE,
                          ns_preview_get_pixels (ui->preview),
                          width * 3);
  gtk_label_set_text (GTK_LABEL (ui->status), status ? status : "");
  report_state (ui);
}

/* The style the settings name (made again only when they name another: a
 * layer's style is predicted here, at once), then mixed with the second
 * one, at once too: a picture's vector is predicted once. */
static void
update_style (Dialog           *ui,
              const NsSettings *settings)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar  *key = g_strdup_printf ("%d:%d:%s", get_source (ui),
                                             settings->style_layer, settings->style);
  NsSettings         mix = *settings;
  const NsStyle     *missing;

  if (g_strcmp0 (key, ui->base_key) != 0)
    {
      g_clear_pointer (&ui->base, ns_style_free);
      g_clear_pointer (&ui->base_error, g_free);
      g_free (ui->base_key);
      ui->base_key = g_steal_pointer (&key);

      if (get_source (ui) == SOURCE_PICTURE && ! *settings->style)
        ui->base_error = g_strdup (_("Choose a picture"));
      else if (get_source (ui) == SOURCE_LAYER && ! settings->style_layer)
        ui->base_error = g_strdup (_("Choose a layer"));
      else if (get_source (ui) == SOURCE_INSTALLED
               && (missing = style_to_download (ui, settings->style)))
        ui->base_error = g_strdup_printf (_("“%s” is not installed: press Download"),
                                          missing->title ? missing->title : missing->id);
      else if (! (ui->base = ns_config_get_style (ui->catalog, settings, &error)))
        ui->base_error = g_strdup (error->message);
    }

  g_clear_pointer (&ui->style, ns_style_free);
  g_clear_pointer (&ui->error, g_free);
  if (! ui->base)
    {
      ui->error = g_strdup (ui->base_error);
      return;
    }
  /* A trained network has nothing to mix: the mix widgets hide. */
  if (! ns_styles_takes_amount (ui->base))
    ns_settings_set_mix_style (&mix, NULL);
  if (! (ui->style = ns_styles_mix (ui->catalog, ui->base, &mix, &ui->second, &error)))
    ui->error = g_strdup (error->message);
}

/* The id of the style selected in the list, or NULL.  (transfer full) */
static gchar *
list_selected_id (Dialog *ui)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (GTK_TREE_VIEW (ui->list));
  GtkTreeModel     *model;
  GtkTreeIter       iter;
  gchar            *id = NULL;

  if (gtk_tree_selection_get_selected (selection, &model, &iter))
    gtk_tree_model_get (model, &iter, COLUMN_ID, &id, -1);
  return id;
}

/* For the tests: see ns-dialog-state.h. */
/* For the tests: how many whole rows the style list shows. */
static gint
visible_rows (Dialog *ui)
{
  GdkRectangle visible, cell = { 0, 0, 0, 0 };
  GtkTreePath *first;

  if (! gtk_widget_get_realized (ui->list))
    return 0;
  first = gtk_tree_path_new_first ();
  gtk_tree_view_get_visible_rect (GTK_TREE_VIEW (ui->list), &visible);
  gtk_tree_view_get_cell_area (GTK_TREE_VIEW (ui->list), first, NULL, &cell);
  gtk_tree_path_free (first);
  return cell.height > 0 ? visible.height / cell.height : 0;
}

/* For the tests: each row as "id:installed:swatch ready", by spaces.
 * (transfer full) */
static gchar *
rows_state (Dialog *ui)
{
  GString *rows = g_string_new (NULL);

  for (guint i = 0; i < ns_swatches_get_n_rows (ui->swatches); i++)
    {
      const NsSwatchRow *row = ns_swatches_get_row (ui->swatches, i);

      g_string_append_printf (rows, "%s%s:%d:%d", i ? " " : "", row->id,
                              row->installed, row->ready);
    }
  return g_string_free (rows, FALSE);
}

/* For the tests: the styles "Mix with" offers, by spaces.  (transfer
 * full) */
static gchar *
mix_choices_state (Dialog *ui)
{
  GtkComboBox  *combo = GTK_COMBO_BOX (ui->mix_combo);
  GtkTreeModel *model = gtk_combo_box_get_model (combo);
  GString      *ids = g_string_new (NULL);
  GtkTreeIter   iter;
  gboolean      more;

  for (more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree gchar *id = NULL;

      gtk_tree_model_get (model, &iter, gtk_combo_box_get_id_column (combo), &id, -1);
      if (id && *id)
        g_string_append_printf (ids, "%s%s", ids->len ? " " : "", id);
    }
  return g_string_free (ids, FALSE);
}

static void
report_state (Dialog *ui)
{
  g_autofree gchar *selected = NULL;
  g_autofree gchar *layer = NULL;
  g_autofree gchar *strength_width = NULL;
  g_autofree gchar *list_rows = NULL;
  g_autofree gchar *mix_style = NULL;
  g_autofree gchar *rows = NULL;
  g_autofree gchar *all_tooltip = NULL;
  g_autofree gchar *mix_choices = NULL;
  gchar             amount[G_ASCII_DTOSTR_BUF_SIZE];
  gchar             mix_text[G_ASCII_DTOSTR_BUF_SIZE];
  gdouble           style_amount;
  gdouble           mix;
  GtkWidget        *ok;

  if (! ns_dialog_state_wanted () || ! ui->dialog)
    return;

  selected = list_selected_id (ui);
  layer = g_strdup_printf ("%d", ui->layer_id);
  g_object_get (ui->config, "style-amount", &style_amount, "mix-style", &mix_style,
                "mix", &mix, NULL);
  g_ascii_formatd (amount, sizeof (amount), "%.2f", style_amount);
  g_ascii_formatd (mix_text, sizeof (mix_text), "%.2f", mix);
  strength_width = g_strdup_printf ("%d", gtk_widget_get_allocated_width (ui->strength));
  list_rows = g_strdup_printf ("%d", visible_rows (ui));
  ok = gtk_dialog_get_widget_for_response (GTK_DIALOG (ui->dialog), GTK_RESPONSE_OK);
  rows = rows_state (ui);
  all_tooltip = gtk_widget_get_tooltip_text (ui->download_all);
  mix_choices = mix_choices_state (ui);
  ns_dialog_state_write (ui->dialog,
                         "source",          source_names[get_source (ui)],
                         "style",           ui->style ? ui->style->id : "",
                         "selected",        selected,
                         "layer",           layer,
                         "amount",          amount,
                         "amount-shown",    gtk_widget_get_visible (ui->amount) ? "1" : "0",
                         "mix-style",       mix_style,
                         "mix",             mix_text,
                         "mix-shown",       gtk_widget_get_visible (ui->mix_row) ? "1" : "0",
                         "mix-sensitive",   gtk_widget_get_sensitive (ui->mix) ? "1" : "0",
                         "save-shown",      gtk_widget_get_visible (ui->save) ? "1" : "0",
                         "save-sensitive",  gtk_widget_get_sensitive (ui->save) ? "1" : "0",
                         "ok-sensitive",    ok && gtk_widget_get_sensitive (ok) ? "1" : "0",
                         "status",          gtk_label_get_text (GTK_LABEL (ui->status)),
                         "strength-width",  strength_width,
                         "list-rows",       list_rows,
                         "rows",            rows,
                         "download-state",  ui->download_state,
                         "download-text",   gtk_widget_get_visible (ui->progress)
                                            ? gtk_progress_bar_get_text (GTK_PROGRESS_BAR (ui->progress_bar))
                                            : "",
                         "download-error",  gtk_widget_get_visible (ui->download_error)
                                            ? gtk_label_get_text (GTK_LABEL (ui->download_error_label))
                                            : "",
                         "download-label",  gtk_button_get_label (GTK_BUTTON (ui->download_button)),
                         "download-sensitive", gtk_widget_get_sensitive (ui->download_button) ? "1" : "0",
                         "download-all-sensitive", gtk_widget_get_sensitive (ui->download_all) ? "1" : "0",
                         "download-all-tooltip", all_tooltip,
                         "terms",           ui->terms,
                         "terms-question",  ui->terms_question,
                         "mix-choices",     mix_choices,
                         NULL);
}

/* The style amount applies to every style that is a style vector; with
 * no style yet, to the picture or layer to come. */
static gboolean
amount_applies (Dialog *ui)
{
  return ui->base ? ns_styles_takes_amount (ui->base) : get_source (ui) != SOURCE_INSTALLED;
}

static void
settings_changed (Dialog *ui)
{
  NsSettings settings;

  ns_config_get_settings (ui->config, &settings);
  update_style (ui, &settings);
  gtk_widget_set_visible (ui->amount, amount_applies (ui));
  gtk_widget_set_visible (ui->mix_row, amount_applies (ui));
  gtk_widget_set_visible (ui->mix, amount_applies (ui));
  gtk_widget_set_sensitive (ui->mix, *settings.mix_style != '\0');
  /* Pictures, layers and mixes are kept as styles. */
  gtk_widget_set_visible (ui->save, get_source (ui) != SOURCE_INSTALLED
                                    || (amount_applies (ui) && *settings.mix_style));
  gtk_widget_set_sensitive (ui->save, ui->style != NULL);
  /* No picture or layer yet: OK would paint something else. */
  gtk_dialog_set_response_sensitive (GTK_DIALOG (ui->dialog), GTK_RESPONSE_OK, ui->style != NULL);
  download_buttons_update (ui);
  ns_preview_update (ui->preview, ui->style, &settings);
  report_state (ui);
}

static void
config_changed (GObject    *config,
                GParamSpec *pspec,
                Dialog     *ui)
{
  if (! g_strcmp0 (pspec->name, "style-source") || ! g_strcmp0 (pspec->name, "style-file"))
    sync_style (ui);
  settings_changed (ui);
  /* As small as what shows now: no gap where the list was. */
  if (! g_strcmp0 (pspec->name, "style-source"))
    gtk_window_resize (GTK_WINDOW (ui->dialog), 1, 1);
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
  gtk_widget_set_valign (frame, GTK_ALIGN_START);
  gtk_box_pack_start (GTK_BOX (box), frame, FALSE, FALSE, 0);

  ui->area = gimp_preview_area_new ();
  gtk_widget_set_size_request (ui->area,
                               ns_preview_get_width (ui->preview),
                               ns_preview_get_height (ui->preview));
  gtk_container_add (GTK_CONTAINER (frame), ui->area);

  ui->status = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (ui->status), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (ui->status), 36);
  gimp_label_set_attributes (GTK_LABEL (ui->status),
                             PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC,
                             -1);
  gtk_box_pack_start (GTK_BOX (box), ui->status, FALSE, FALSE, 0);

  gtk_widget_show_all (box);
  return box;
}


/* The whole */

/* On the left the preview and, under it, the sliders that change what it
 * shows; on the right where the style comes from and the style: a list of
 * six rows, a picture or a layer. */
static void
dialog_fill (GimpProcedureDialog *dialog,
             Dialog              *ui)
{
  GtkWidget *scale;
  GtkWidget *settings;
  GtkWidget *box;
  GtkWidget *style_box;
  GtkWidget *preview;
  GtkWidget *controls;
  GtkWidget *left;

  /* Sliders, and the stroke scale logarithmic: 0.5 and 2 are as far from
   * the network's own strokes. */
  scale = gimp_procedure_dialog_get_scale_entry (dialog, "strength", 1.0);
  ui->strength = gimp_scale_entry_get_range (GIMP_SCALE_ENTRY (scale));
  /* For the tests: the slider's width after each change of mode. */
  g_signal_connect_swapped (ui->strength, "size-allocate", G_CALLBACK (report_state), ui);
  ui->amount = gimp_procedure_dialog_get_scale_entry (dialog, "style-amount", 1.0);
  ui->mix = gimp_procedure_dialog_get_scale_entry (dialog, "mix", 1.0);
  ui->mix_row = mix_row_new (ui);
  scale = gimp_procedure_dialog_get_scale_entry (dialog, "scale", 1.0);
  gimp_scale_entry_set_logarithmic (GIMP_SCALE_ENTRY (scale), TRUE);
  ui->file = gimp_procedure_dialog_get_widget (dialog, "style-file", G_TYPE_NONE);
  /* A drop-down in every GIMP 3 (3.2 would make three radio buttons of a
   * choice this short): the list, picture or layer sits right below it. */
  gimp_procedure_dialog_get_widget (dialog, "style-source", GTK_TYPE_COMBO_BOX);

  settings = gimp_procedure_dialog_fill_box (dialog, "neural-style-settings",
                                             "style-source", "style-file",
                                             NULL);
  gtk_box_set_spacing (GTK_BOX (settings), 6);
  gtk_widget_set_size_request (settings, LIST_WIDTH, -1);
  controls = gimp_procedure_dialog_fill_box (dialog, "neural-style-controls",
                                             "style-amount", "mix", "strength",
                                             "preserve-colors", "scale",
                                             NULL);
  gtk_box_set_spacing (GTK_BOX (controls), 6);
  gtk_widget_set_size_request (controls, LIST_WIDTH, -1);
  /* "Mix with" right above its slider. */
  gtk_box_pack_start (GTK_BOX (controls), ui->mix_row, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (controls), ui->mix_row, 1);

  /* Right below "Style from": the list, or the layer. */
  style_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  ui->list_box = style_list_new (ui);
  ui->layers = layer_chooser_new (ui);
  gtk_box_pack_start (GTK_BOX (style_box), ui->list_box, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (style_box), ui->layers, FALSE, FALSE, 0);
  gtk_widget_show (style_box);
  /* Not expanding: in picture and layer mode its list is hidden, and the
   * widgets after it stay right below "Style from". */
  gtk_box_pack_start (GTK_BOX (settings), style_box, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (settings), style_box, 1);

  ui->save = gtk_button_new_with_mnemonic (_("Sa_ve as Style..."));
  gtk_widget_set_halign (ui->save, GTK_ALIGN_END);
  g_signal_connect (ui->save, "clicked", G_CALLBACK (save_clicked), ui);
  gtk_box_pack_start (GTK_BOX (settings), ui->save, FALSE, FALSE, 0);

  box = gimp_procedure_dialog_fill_box (dialog, "neural-style-box",
                                        "neural-style-settings", NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (box), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (GTK_BOX (box), 12);
  preview = preview_widget_new (ui);
  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_pack_start (GTK_BOX (left), preview, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (left), controls, FALSE, FALSE, 0);
  gtk_widget_show (controls);
  gtk_widget_show (left);
  gtk_box_pack_start (GTK_BOX (box), left, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (box), left, 0);

  gimp_procedure_dialog_fill (dialog, "neural-style-box", NULL);
}

gboolean
ns_dialog_run (GimpProcedure        *procedure,
               GimpProcedureConfig  *config,
               NsCatalog            *catalog,
               GimpDrawable         *drawable,
               GError              **error)
{
  Dialog     ui = { 0 };
  GtkWidget *dialog;
  gulong     handler;
  gboolean   run;

  ui.config = config;
  ui.catalog = catalog;
  ui.image = gimp_item_get_image (GIMP_ITEM (drawable));

  /* With no style installed yet the dialog opens all the same: its
   * Download buttons install one. */
  guess_source (&ui);
  ui.preview = preview_new (drawable, &ui);
  ui.download_state = "idle";
  {
    g_autoptr (GError) download_error = NULL;

    ui.download = ns_download_new (download_progress, download_installed, download_done,
                                   &ui, &download_error);
    if (! ui.download)
      ui.download_setup_error = g_strdup (download_error->message);
  }

  dialog = gimp_procedure_dialog_new (procedure, config, _("Neural Style"));
  dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), &ui);
  ui.dialog = dialog;

  handler = g_signal_connect (config, "notify", G_CALLBACK (config_changed), &ui);
  sync_style (&ui);
  settings_changed (&ui);
  /* The chosen style shows selected, in the focused list's colours. */
  if (get_source (&ui) == SOURCE_INSTALLED)
    gtk_widget_grab_focus (ui.list);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  /* A trained network mixes with nothing: the mix, hidden, is not kept. */
  if (run && ui.base && ! ns_styles_takes_amount (ui.base))
    g_object_set (config, "mix-style", "", NULL);

  g_signal_handler_disconnect (config, handler);
  /* Closing the dialog stops a download that runs. */
  ns_download_free (ui.download);
  ns_swatches_free (ui.swatches);
  ns_preview_free (ui.preview);
  gtk_widget_destroy (dialog);
  ns_catalog_free (ui.own_catalog);
  ns_style_free (ui.style);
  ns_style_free (ui.base);
  ns_style_free (ui.second);
  g_free (ui.base_key);
  g_free (ui.base_error);
  g_free (ui.error);
  g_free (ui.installed_id);
  g_free (ui.download_setup_error);

  return run;
}
