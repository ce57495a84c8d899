/* gimp2-dialog.c: the GTK 2 dialog with its live preview.
 *
 * The style comes from the installed styles (a list with a swatch of each,
 * where a style not installed yet can be downloaded), a picture file, or a
 * layer of any open image.  The style amount applies
 * to every style that is a style vector (presets, saved styles, pictures,
 * layers); pictures and layers can be saved as a style.
 */
#include "ns-i18n.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "gimp2-plugin.h"
#include "ns-dialog-state.h"
#include "ns-download.h"
#include "ns-download-ui.h"
#include "ns-fetch.h"
#include "ns-preview.h"
#include "ns-styles.h"
#include "ns-swatch.h"

/* Where the style comes from: the radio buttons, in order. */
typedef enum
{
  SOURCE_INSTALLED,
  SOURCE_PICTURE,
  SOURCE_LAYER,
  N_SOURCES
} Source;

enum
{
  COLUMN_ID,
  COLUMN_MARKUP,
  COLUMN_SWATCH,
  COLUMN_INSTALLED,
  COLUMN_NONCOMMERCIAL,
  COLUMN_READY,
  N_COLUMNS
};

typedef struct
{
  NsSettings   *settings;
  NsCatalog    *catalog;
  GtkWidget    *dialog;
  gint32        image;        /* the image being painted */
  NsPreview    *preview;
  NsSwatches   *swatches;
  GtkListStore *store;
  Source        source;
  NsStyle      *base;         /* the style chosen, before a mix */
  gchar        *base_key;     /* what `base` was made from */
  gchar        *base_error;   /* why there is no base */
  NsStyle      *second;       /* the style last mixed in, or NULL */
  NsStyle      *style;        /* what the preview paints, or NULL */
  gchar        *error;        /* why there is no style */
  GtkWidget    *sources[N_SOURCES];
  GtkWidget    *choosers[N_SOURCES]; /* style list, file button, layer combo */
  GtkWidget    *style_label;
  GtkObject    *amount;
  GtkWidget    *mix_label;
  GtkWidget    *mix_combo;
  GtkObject    *mix;
  GtkWidget    *strength;     /* its slider */
  GtkWidget    *save;
  GtkWidget    *ok;
  GtkWidget    *area;
  GtkWidget    *status;
  /* Downloads: the buttons under the style list, the progress bar with
   * its Cancel button, and how the last download ended. */
  NsDownload   *download;     /* NULL when the environment is wrong */
  const gchar  *download_state; /* "idle", "running", "done", "failed",
                                 * "cancelled", "unavailable" (tests) */
  gchar        *download_error; /* why the last one failed, or NULL */
  const gchar  *terms;        /* the terms on screen now, or NULL */
  const gchar  *terms_question; /* ... and the question above them */
  guint         n_downloads;  /* started so far (tests) */
  gchar        *download_ids; /* what the last one installs (tests) */
  GtkWidget    *download_box;
  GtkWidget    *download_button;
  GtkWidget    *download_all;
  GtkWidget    *progress_box;
  GtkWidget    *progress_label;
  GtkWidget    *progress;
  GtkWidget    *error_box;
  GtkWidget    *error_label;
} Dialog;

/* The rows as the list shows them, for the tests:
 * $NEURAL_STYLE_DIALOG_ROWS names a file that gets one line a row, "id,
 * installed, noncommercial, swatch ready", tab-separated, each time a
 * swatch arrives. */
static void
report_rows (Dialog *d)
{
  const gchar      *path = g_getenv ("NEURAL_STYLE_DIALOG_ROWS");
  g_autoptr (GString) text = NULL;
  GtkTreeModel     *model = GTK_TREE_MODEL (d->store);
  GtkTreeIter       iter;
  gboolean          more;

  if (!path || !*path)
    return;

  text = g_string_new (NULL);
  for (more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree gchar *id = NULL;
      g_autoptr (GdkPixbuf) swatch = NULL;
      gboolean installed, noncommercial, ready;

      gtk_tree_model_get (model, &iter, COLUMN_ID, &id, COLUMN_SWATCH, &swatch,
                          COLUMN_INSTALLED, &installed, COLUMN_NONCOMMERCIAL, &noncommercial,
                          COLUMN_READY, &ready, -1);
      g_string_append_printf (text, "%s\t%d\t%d\t%d\n", id, installed, noncommercial,
                              ready && swatch != NULL);
    }
  g_file_set_contents (path, text->str, text->len, NULL);
}

static const gchar *source_names[N_SOURCES] = { "installed", "picture", "layer" };

static gchar *chosen_id (Dialog *d);
static gboolean chosen_label_greyed (Dialog *d);
static void download_update (Dialog *d);

/* For the tests: see ns-dialog-state.h. */
static void
report_state (Dialog *d)
{
  g_autofree gchar *selected = NULL;
  g_autofree gchar *layer = NULL;
  g_autofree gchar *strength_width = NULL;
  g_autofree gchar *all_tooltip = NULL;
  g_autofree gchar *n_downloads = NULL;
  g_autoptr (GString) mix_ids = g_string_new (NULL);
  GPtrArray        *ids = g_object_get_data (G_OBJECT (d->mix_combo), "ids");
  gchar             value[G_ASCII_DTOSTR_BUF_SIZE];
  gchar             mix[G_ASCII_DTOSTR_BUF_SIZE];
  GtkWidget        *amount;

  if (!ns_dialog_state_wanted () || !d->dialog)
    return;

  selected = chosen_id (d);
  layer = g_strdup_printf ("%d", d->settings->style_layer);
  amount = GIMP_SCALE_ENTRY_SCALE (d->amount);
  g_ascii_formatd (value, sizeof (value), "%.2f", d->settings->style_amount);
  g_ascii_formatd (mix, sizeof (mix), "%.2f", d->settings->mix);
  strength_width = g_strdup_printf ("%d", d->strength->allocation.width);
  all_tooltip = gtk_widget_get_tooltip_text (d->download_all);
  n_downloads = g_strdup_printf ("%u", d->n_downloads);
  for (guint i = 1; ids && i < ids->len; i++) /* after None */
    g_string_append_printf (mix_ids, "%s ", (const gchar *) g_ptr_array_index (ids, i));
  ns_dialog_state_write (d->dialog,
                         "source", source_names[d->source],
                         "style", d->style ? d->style->id : "",
                         "selected", selected,
                         "layer", layer,
                         "amount", value,
                         "amount-shown", gtk_widget_get_visible (amount) ? "1" : "0",
                         "mix-style", d->settings->mix_style,
                         "mix", mix,
                         "mix-ids", mix_ids->str,
                         "mix-shown", gtk_widget_get_visible (d->mix_combo) ? "1" : "0",
                         "mix-sensitive",
                         gtk_widget_get_sensitive (GIMP_SCALE_ENTRY_SCALE (d->mix)) ? "1" : "0",
                         "save-shown", gtk_widget_get_visible (d->save) ? "1" : "0",
                         "save-sensitive", gtk_widget_get_sensitive (d->save) ? "1" : "0",
                         "ok-sensitive", d->ok && gtk_widget_get_sensitive (d->ok) ? "1" : "0",
                         "status", gtk_label_get_text (GTK_LABEL (d->status)),
                         "strength-width", strength_width,
                         "chosen-label-greyed", chosen_label_greyed (d) ? "1" : "0",
                         "download-shown", gtk_widget_get_visible (d->download_box) ? "1" : "0",
                         "download-sensitive",
                         gtk_widget_get_sensitive (d->download_button) ? "1" : "0",
                         "download-label", gtk_button_get_label (GTK_BUTTON (d->download_button)),
                         "download-all-sensitive",
                         gtk_widget_get_sensitive (d->download_all) ? "1" : "0",
                         "download-all-tooltip", all_tooltip,
                         "download-state", d->download_state,
                         "downloads-started", n_downloads,
                         "download-ids", d->download_ids,
                         "download-text", gtk_widget_get_visible (d->progress_box)
                                          ? gtk_label_get_text (GTK_LABEL (d->progress_label))
                                          : "",
                         "download-error", gtk_widget_get_visible (d->error_box)
                                           ? gtk_label_get_text (GTK_LABEL (d->error_label)) : "",
                         "terms", d->terms,
                         "terms-question", d->terms_question,
                         NULL);
}

static void
preview_changed (gpointer user_data)
{
  Dialog      *d = user_data;
  const gchar *status = d->error ? d->error : ns_preview_get_status (d->preview);
  const gint   width = ns_preview_get_width (d->preview);

  gimp_preview_area_draw (GIMP_PREVIEW_AREA (d->area), 0, 0, width,
                          ns_preview_get_height (d->preview), GIMP_RGB_IMAGE,
                          ns_preview_get_pixels (d->preview), width * 3);
  gtk_label_set_text (GTK_LABEL (d->status), status ? status : "");
  report_state (d);
}

/* The id of the installed style chosen in the list, or NULL. */
static gchar *
chosen_id (Dialog *d)
{
  GtkTreeIter iter;
  gchar      *id = NULL;

  if (gtk_combo_box_get_active_iter (GTK_COMBO_BOX (d->choosers[SOURCE_INSTALLED]), &iter))
    gtk_tree_model_get (GTK_TREE_MODEL (d->store), &iter, COLUMN_ID, &id, -1);
  return id;
}

/* The style chosen in the list when it is not installed (yet), or NULL.
 * (transfer none) */
static const NsStyle *
chosen_missing (Dialog *d)
{
  g_autofree gchar *id = d->source == SOURCE_INSTALLED ? chosen_id (d) : NULL;
  const NsStyle    *style = id ? ns_catalog_lookup (d->catalog, id) : NULL;

  return style && !style->path ? style : NULL;
}

/* The settings from the widgets. */
static void
read_source (Dialog *d)
{
  g_autofree gchar *style = NULL;
  gint              layer = 0;

  switch (d->source)
    {
    case SOURCE_INSTALLED:
      style = chosen_id (d);
      break;
    case SOURCE_PICTURE:
      style = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (d->choosers[SOURCE_PICTURE]));
      break;
    case SOURCE_LAYER:
      gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (d->choosers[SOURCE_LAYER]), &layer);
      break;
    default:
      g_return_if_reached ();
    }
  ns_settings_set_style (d->settings, style);
  d->settings->style_layer = MAX (layer, 0);
}

/* d->style for the settings: the style chosen, made again only when
 * another is chosen (a layer's vector is predicted once), then mixed with
 * the second one, at once too (a picture's vector is predicted once). */
static void
update_style (Dialog *d)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = g_strdup_printf ("%d:%d:%s", d->source, d->settings->style_layer,
                                           d->settings->style);
  NsSettings mix = *d->settings;
  const NsStyle *missing;

  if (g_strcmp0 (key, d->base_key) != 0)
    {
      g_clear_pointer (&d->base, ns_style_free);
      g_clear_pointer (&d->base_error, g_free);
      g_free (d->base_key);
      d->base_key = g_steal_pointer (&key);
      if (d->source == SOURCE_PICTURE && !*d->settings->style)
        d->base_error = g_strdup (_("Choose a picture"));
      else if (d->source == SOURCE_LAYER && !d->settings->style_layer)
        d->base_error = g_strdup (_("Choose a layer"));
      else if ((missing = chosen_missing (d)))
        /* TRANSLATORS: %s is the style's title; "Download" is the button */
        d->base_error = g_strdup_printf (_("“%s” is not installed yet: Download gets it"),
                                         missing->title);
      else if (!(d->base = gimp2_style_get (d->catalog, d->settings, &error)))
        d->base_error = g_strdup (error->message);
    }

  g_clear_pointer (&d->style, ns_style_free);
  g_clear_pointer (&d->error, g_free);
  if (!d->base)
    {
      d->error = g_strdup (d->base_error);
      return;
    }
  /* A trained network has nothing to mix: the mix widgets hide. */
  if (!ns_styles_takes_amount (d->base))
    ns_settings_set_mix_style (&mix, NULL);
  if (!(d->style = ns_styles_mix (d->catalog, d->base, &mix, &d->second, &error)))
    d->error = g_strdup (error->message);
}

/* Shows or hides a slider made by add_slider(). */
static void
slider_set_visible (GtkObject *slider,
                    gboolean   visible)
{
  gtk_widget_set_visible (GIMP_SCALE_ENTRY_LABEL (slider), visible);
  gtk_widget_set_visible (GIMP_SCALE_ENTRY_SCALE (slider), visible);
  gtk_widget_set_visible (GIMP_SCALE_ENTRY_SPINBUTTON (slider), visible);
}

static void
settings_changed (Dialog *d)
{
  const gboolean picture = d->source != SOURCE_INSTALLED;
  gboolean       amount;

  read_source (d);
  update_style (d);

  /* Every style that is a style vector; with no style yet, the picture or
   * layer to come. */
  amount = d->base ? ns_styles_takes_amount (d->base) : picture;
  slider_set_visible (d->amount, amount);
  slider_set_visible (d->mix, amount);
  gtk_widget_set_visible (d->mix_label, amount);
  gtk_widget_set_visible (d->mix_combo, amount);
  gimp_scale_entry_set_sensitive (d->mix, *d->settings->mix_style != '\0');
  /* Pictures, layers and mixes are kept as styles. */
  gtk_widget_set_visible (d->save, picture || (amount && *d->settings->mix_style));
  gtk_widget_set_sensitive (d->save, d->style != NULL);
  /* No picture or layer yet: OK would paint something else. */
  gtk_widget_set_sensitive (d->ok, d->style != NULL);
  for (gint i = 0; i < N_SOURCES; i++)
    gtk_widget_set_visible (d->choosers[i], i == (gint) d->source);
  gtk_label_set_mnemonic_widget (GTK_LABEL (d->style_label), d->choosers[d->source]);
  download_update (d);
  /* As small as what is shown now. */
  gtk_window_resize (GTK_WINDOW (gtk_widget_get_toplevel (d->area)), 1, 1);

  ns_preview_update (d->preview, d->style, d->settings);
}

static void
on_source (GtkToggleButton *button,
           Dialog          *d)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  d->source = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "source"));
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

/* The style list */

static void
store_row (Dialog *d,
           guint   index)
{
  const NsSwatchRow *row = ns_swatches_get_row (d->swatches, index);
  GtkTreeIter        iter;

  if (gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (d->store), &iter, NULL, (gint) index))
    gtk_list_store_set (d->store, &iter,
                        COLUMN_ID, row->id,
                        COLUMN_MARKUP, row->markup,
                        COLUMN_SWATCH, row->swatch,
                        COLUMN_INSTALLED, row->installed,
                        COLUMN_NONCOMMERCIAL, row->noncommercial,
                        COLUMN_READY, row->ready,
                        -1);
}

static void
on_swatch (guint    index,
           gpointer user_data)
{
  Dialog *d = user_data;

  store_row (d, index);
  report_rows (d);
}

/* The swatches paint a part of GIMP 2.10's splash, a photograph of
 * mushrooms on moss, without its title text. */
static const NsRect splash_crop = { 200, 280, 720, 480 };

static NsSwatchSample *
swatch_sample_new (void)
{
  g_autofree gchar *splash = g_build_filename (gimp_data_directory (), "images",
                                               "gimp-splash.png", NULL);

  return ns_swatch_sample_new (splash, &splash_crop);
}

/* Fills d->store with the swatches' rows, as they are now. */
static void
swatches_start (Dialog *d)
{
  g_autoptr (NsSwatchSample) sample = swatch_sample_new ();

  g_clear_pointer (&d->swatches, ns_swatches_free);
  d->swatches = ns_swatches_new (d->catalog, sample, on_swatch, d);
  gtk_list_store_clear (d->store);
  for (guint i = 0; i < ns_swatches_get_n_rows (d->swatches); i++)
    {
      GtkTreeIter iter;

      gtk_list_store_append (d->store, &iter);
      store_row (d, i);
    }
  report_rows (d);
}

static void
choose_id (Dialog      *d,
           const gchar *id)
{
  gint index = ns_swatches_find (d->swatches, id);

  if (index >= 0 && ns_swatches_get_row (d->swatches, index)->installed)
    gtk_combo_box_set_active (GTK_COMBO_BOX (d->choosers[SOURCE_INSTALLED]), index);
}

/* A row not installed in the grey of insensitive text. */
static void
grey_missing (GtkCellLayout   *layout,
              GtkCellRenderer *cell,
              GtkTreeModel    *model,
              GtkTreeIter     *iter,
              gpointer         combo)
{
  GtkStyle *style = gtk_widget_get_style (GTK_WIDGET (combo));
  gboolean  installed;

  (void) layout;
  gtk_tree_model_get (model, iter, COLUMN_INSTALLED, &installed, -1);
  g_object_set (cell, "foreground-gdk", &style->text[GTK_STATE_INSENSITIVE],
                "foreground-set", !installed, NULL);
}

static GtkWidget *
style_list_new (Dialog *d)
{
  GtkWidget       *combo;
  GtkCellRenderer *cell;

  d->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, GDK_TYPE_PIXBUF,
                                 G_TYPE_BOOLEAN, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  combo = gtk_combo_box_new_with_model (GTK_TREE_MODEL (d->store));
  g_object_unref (d->store);
  /* A one-column grid: GTK 2 then drops the list below the box, instead of
   * over it with the chosen row on the box (a blank band above the first
   * row, scroll arrows). */
  gtk_combo_box_set_wrap_width (GTK_COMBO_BOX (combo), 1);

  /* A style that is not installed has no swatch, and its text is greyed;
   * it can be chosen (to download it): the cells stay sensitive, as an
   * insensitive row could not be chosen. */
  cell = gtk_cell_renderer_pixbuf_new ();
  gtk_cell_renderer_set_fixed_size (cell, NS_SWATCH_WIDTH + 6, NS_SWATCH_HEIGHT + 4);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (combo), cell, FALSE);
  gtk_cell_layout_set_attributes (GTK_CELL_LAYOUT (combo), cell, "pixbuf", COLUMN_SWATCH, NULL);
  /* Wrapped: a licence's terms or the install command can be long. */
  cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "wrap-width", 300, "wrap-mode", PANGO_WRAP_WORD_CHAR, NULL);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (combo), cell, TRUE);
  gtk_cell_layout_set_attributes (GTK_CELL_LAYOUT (combo), cell, "markup", COLUMN_MARKUP, NULL);
  gtk_cell_layout_set_cell_data_func (GTK_CELL_LAYOUT (combo), cell, grey_missing, combo, NULL);
  return combo;
}

/* Save as style */

static gboolean
ask_id_and_title (GtkWidget   *parent,
                  const gchar *title_now,
                  gchar      **id,
                  gchar      **title)
{
  GtkWidget *dialog = gimp_dialog_new (_("Save as Style"), NS_PLUGIN_BINARY, parent, 0,
                                       NULL, NULL,
                                       _("_Cancel"), GTK_RESPONSE_CANCEL,
                                       _("_Save"), GTK_RESPONSE_OK,
                                       NULL);
  GtkWidget *table = gtk_table_new (2, 2, FALSE);
  GtkWidget *id_entry = gtk_entry_new ();
  GtkWidget *title_entry = gtk_entry_new ();
  gboolean   ok;

  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gtk_container_set_border_width (GTK_CONTAINER (table), 12);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_entry_set_activates_default (GTK_ENTRY (id_entry), TRUE);
  gtk_entry_set_activates_default (GTK_ENTRY (title_entry), TRUE);
  gtk_entry_set_text (GTK_ENTRY (title_entry), title_now);
  gimp_help_set_help_data (id_entry, _("The name to use the style by, in batch mode and "
                                       "with 'neural-style --style'"), NULL);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 0, _("_Id:"), 0.0, 0.5, id_entry, 1, FALSE);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 1, _("_Title:"), 0.0, 0.5,
                             title_entry, 1, FALSE);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      table, TRUE, TRUE, 0);
  gtk_widget_show_all (dialog);

  ok = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;
  if (ok)
    {
      *id = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (id_entry))));
      *title = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (title_entry))));
    }
  gtk_widget_destroy (dialog);
  return ok;
}

/* Mix with */

/* "Mix with": none, or an installed style with a style vector; a picture
 * a script or the last run named is offered too.  The combo's ids are
 * kept beside it, GTK 2's GtkComboBoxText having none. */
static void
mix_combo_fill (Dialog *d)
{
  g_autoptr (GPtrArray) styles = ns_styles_mixable (d->catalog);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  gint       active = 0;

  gtk_list_store_clear (GTK_LIST_STORE (gtk_combo_box_get_model (GTK_COMBO_BOX (d->mix_combo))));
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->mix_combo), _("None"));
  g_ptr_array_add (ids, g_strdup (""));
  for (guint i = 0; i < styles->len; i++)
    {
      const NsStyle    *style = g_ptr_array_index (styles, i);
      g_autofree gchar *label = ns_styles_label (d->catalog, style);

      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->mix_combo), label);
      g_ptr_array_add (ids, g_strdup (style->id));
    }
  for (guint i = 0; i < ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ids, i), d->settings->mix_style) == 0)
      active = i;
  if (*d->settings->mix_style && active == 0)
    {
      g_autofree gchar *name = g_path_get_basename (d->settings->mix_style);

      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->mix_combo), name);
      g_ptr_array_add (ids, g_strdup (d->settings->mix_style));
      active = ids->len - 1;
    }
  g_object_set_data_full (G_OBJECT (d->mix_combo), "ids", ids, (GDestroyNotify) g_ptr_array_unref);
  gtk_combo_box_set_active (GTK_COMBO_BOX (d->mix_combo), active);
}

static void
on_mix_style (GtkComboBox *combo,
              Dialog      *d)
{
  GPtrArray *ids = g_object_get_data (G_OBJECT (combo), "ids");
  gint       active = gtk_combo_box_get_active (combo);

  if (!ids || active < 0 || active >= (gint) ids->len)
    return;
  ns_settings_set_mix_style (d->settings, g_ptr_array_index (ids, active));
  settings_changed (d);
}

/* Downloads */

/* The styles not installed whose models are in now: a style's download
 * may bring others (Magenta's presets all need its two networks). */
static gboolean
rows_set_installed (Dialog *d)
{
  gboolean chosen = FALSE;
  gint     active = gtk_combo_box_get_active (GTK_COMBO_BOX (d->choosers[SOURCE_INSTALLED]));

  for (guint i = 0; i < ns_swatches_get_n_rows (d->swatches); i++)
    {
      const NsSwatchRow *row = ns_swatches_get_row (d->swatches, i);
      const NsStyle     *style = ns_catalog_lookup (d->catalog, row->id);
      gint               index;

      if (row->installed || !style || !style->path)
        continue;
      index = ns_swatches_set_installed (d->swatches, d->catalog, row->id);
      if (index < 0)
        continue;
      store_row (d, index);
      chosen |= index == active;
    }
  return chosen;
}

static void
on_download_installed (NsDownload  *download,
                       const gchar *id,
                       NsCatalog   *catalog,
                       gpointer     user_data)
{
  Dialog *d = user_data;

  (void) download;
  (void) id;
  /* The caller's catalog is swapped for one that has the style. */
  ns_catalog_free (d->catalog);
  d->catalog = catalog;
  if (rows_set_installed (d))
    g_clear_pointer (&d->base_key, g_free); /* the chosen style: made again */
  report_rows (d);
  /* Mix with gains the styles with a style vector; it keeps its choice. */
  mix_combo_fill (d);
  settings_changed (d);
}

static void
on_download_progress (NsDownload *download,
                      gpointer    user_data)
{
  Dialog *d = user_data;

  ns_download_ui_show_progress (download, GTK_PROGRESS_BAR (d->progress),
                                GTK_LABEL (d->progress_label));
  report_state (d);
}

static void
on_download_done (NsDownload   *download,
                  const GError *error,
                  gpointer      user_data)
{
  Dialog *d = user_data;

  (void) download;
  if (!error)
    d->download_state = "done";
  else if (g_error_matches (error, NS_FETCH_ERROR, NS_FETCH_ERROR_CANCELLED))
    d->download_state = "cancelled";
  else
    d->download_state = "failed";
  if (error)
    {
      g_free (d->download_error);
      d->download_error = g_strdup (error->message);
    }
  download_update (d);
  report_state (d);
}

static void
on_terms_shown (const gchar *question,
                const gchar *terms,
                gpointer     user_data)
{
  Dialog *d = user_data;

  d->terms_question = question;
  d->terms = terms;
  report_state (d);
}

static void
download_start (Dialog              *d,
                const gchar * const *ids)
{
  if (!ids[0] || !ns_download_start (d->download, ids))
    return;
  d->download_state = "running";
  d->n_downloads++;
  g_free (d->download_ids);
  d->download_ids = g_strjoinv (" ", (gchar **) ids);
  g_clear_pointer (&d->download_error, g_free);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (d->progress), 0);
  on_download_progress (d->download, d);
  download_update (d);
  report_state (d);
}

static void
on_download (GtkButton *button,
             Dialog    *d)
{
  const NsStyle *style = chosen_missing (d);
  g_autofree gchar *id = style ? g_strdup (style->id) : NULL;
  const gchar   *ids[] = { id, NULL };

  (void) button;
  if (id && ns_download_ui_accept_terms (d->download, GTK_WINDOW (d->dialog), id,
                                         on_terms_shown, d))
    download_start (d, ids);
}

static void
on_download_all (GtkButton *button,
                 Dialog    *d)
{
  g_auto (GStrv) ids = ns_download_free_ids (d->download, d->catalog);

  (void) button;
  download_start (d, (const gchar * const *) ids);
}

static void
on_cancel_download (GtkButton *button,
                    Dialog    *d)
{
  (void) button;
  ns_download_cancel (d->download);
}

/* The bytes of @ids: Magenta's presets share its two networks, counted
 * once. */
static guint64
download_bytes (Dialog              *d,
                const gchar * const *ids)
{
  guint64  total = 0;
  gboolean vector = FALSE;

  for (guint i = 0; ids[i]; i++)
    {
      const NsStyle *style = ns_catalog_lookup (d->catalog, ids[i]);

      if (style && style->kind == NS_STYLE_KIND_VECTOR)
        {
          if (vector)
            continue;
          vector = TRUE;
        }
      total += ns_download_style_bytes (d->download, ids[i]);
    }
  return total;
}

/* The Download buttons, the progress bar and the last error, as the
 * chosen style and the download are now. */
static void
download_update (Dialog *d)
{
  const gboolean    running = d->download && ns_download_is_running (d->download);
  const NsStyle    *missing = chosen_missing (d);
  g_auto (GStrv)    free_ids = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *tooltip = NULL;

  gtk_widget_set_visible (d->download_box, d->source == SOURCE_INSTALLED);
  gtk_widget_set_visible (d->progress_box, running);
  gtk_widget_set_visible (d->error_box, !running && d->download_error);
  gtk_label_set_text (GTK_LABEL (d->error_label), d->download_error ? d->download_error : "");

  if (missing && d->download)
    {
      g_autofree gchar *size =
        ns_download_format_size (ns_download_style_bytes (d->download, missing->id));

      /* TRANSLATORS: the button that downloads the chosen style; %s is
       * its size, as in "6.6 MB" */
      label = g_strdup_printf (_("_Download (%s)"), size);
    }
  gtk_button_set_label (GTK_BUTTON (d->download_button), label ? label : _("_Download"));
  gtk_widget_set_sensitive (d->download_button, missing && d->download && !running);

  free_ids = d->download ? ns_download_free_ids (d->download, d->catalog) : g_new0 (gchar *, 1);
  if (free_ids[0])
    {
      guint             count = g_strv_length (free_ids);
      g_autofree gchar *size =
        ns_download_format_size (download_bytes (d, (const gchar * const *) free_ids));

      /* TRANSLATORS: %u is how many styles, %s their size, as in "6.6 MB" */
      tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Download the freely licensed style not "
                                             "installed yet (%u style, %s)",
                                             "Download the %u freely licensed styles not "
                                             "installed yet (%s)", count),
                                 count, size);
    }
  else
    tooltip = g_strdup (_("Every freely licensed style is installed"));
  gimp_help_set_help_data (d->download_all, tooltip, NULL);
  gtk_widget_set_sensitive (d->download_all, free_ids[0] && !running);
}

/* The buttons under the style list, the progress bar with its Cancel
 * button, and a row for an error. */
static GtkWidget *
download_box_new (Dialog *d)
{
  GtkWidget *vbox = gtk_vbox_new (FALSE, 6);
  GtkWidget *hbox = gtk_hbox_new (FALSE, 6);
  GtkWidget *cancel;
  GtkWidget *icon;

  d->download_button = gtk_button_new_with_mnemonic (_("_Download"));
  gimp_help_set_help_data (d->download_button,
                           _("Download the chosen style into your model folder"), NULL);
  g_signal_connect (d->download_button, "clicked", G_CALLBACK (on_download), d);
  gtk_box_pack_start (GTK_BOX (hbox), d->download_button, FALSE, FALSE, 0);
  d->download_all = gtk_button_new_with_mnemonic (_("Download _All Free Styles"));
  g_signal_connect (d->download_all, "clicked", G_CALLBACK (on_download_all), d);
  gtk_box_pack_start (GTK_BOX (hbox), d->download_all, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), hbox, FALSE, FALSE, 0);

  /* What downloads, above the bar and its Cancel button; a long title is
   * cut, never widening the dialog. */
  d->progress_box = gtk_vbox_new (FALSE, 3);
  d->progress_label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (d->progress_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_misc_set_alignment (GTK_MISC (d->progress_label), 0.0, 0.5);
  gtk_box_pack_start (GTK_BOX (d->progress_box), d->progress_label, FALSE, FALSE, 0);
  hbox = gtk_hbox_new (FALSE, 6);
  d->progress = gtk_progress_bar_new ();
  gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (d->progress), 0.1);
  gtk_box_pack_start (GTK_BOX (hbox), d->progress, TRUE, TRUE, 0);
  cancel = gtk_button_new_with_mnemonic (_("Ca_ncel Download"));
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel_download), d);
  gtk_box_pack_start (GTK_BOX (hbox), cancel, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (d->progress_box), hbox, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), d->progress_box, FALSE, FALSE, 0);

  d->error_box = gtk_hbox_new (FALSE, 6);
  icon = gtk_image_new_from_stock (GTK_STOCK_DIALOG_ERROR, GTK_ICON_SIZE_BUTTON);
  gtk_misc_set_alignment (GTK_MISC (icon), 0.5, 0.0);
  gtk_box_pack_start (GTK_BOX (d->error_box), icon, FALSE, FALSE, 0);
  d->error_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->error_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (d->error_label), TRUE);
  gtk_misc_set_alignment (GTK_MISC (d->error_label), 0.0, 0.5);
  gtk_widget_set_size_request (d->error_label, 360, -1);
  gtk_box_pack_start (GTK_BOX (d->error_box), d->error_label, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), d->error_box, FALSE, FALSE, 0);

  d->download_box = vbox;
  return vbox;
}

/* The downloader, or its error in the dialog: a wrong mirror or timeout
 * in the environment. */
static void
download_init (Dialog *d)
{
  g_autoptr (GError) error = NULL;

  d->download = ns_download_new (on_download_progress, on_download_installed, on_download_done,
                                 d, &error);
  d->download_state = d->download ? "idle" : "unavailable";
  if (!d->download)
    d->download_error = g_strdup (error->message);
}

/* Saves the picture, layer or mixed style; the list then shows it. */
static void
on_save (GtkButton *button,
         Dialog    *d)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *title = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (NsCatalog) catalog = NULL;

  if (!d->style || !ask_id_and_title (gtk_widget_get_toplevel (GTK_WIDGET (button)),
                                      d->style->title, &id, &title))
    return;

  path = ns_styles_save (d->catalog, d->style, id, title, &error);
  catalog = path ? ns_styles_open (&error) : NULL;
  if (!catalog)
    {
      g_message ("%s", error->message);
      return;
    }

  /* The caller's catalog is swapped for one that knows the new style. */
  ns_catalog_free (d->catalog);
  d->catalog = g_steal_pointer (&catalog);
  swatches_start (d);
  mix_combo_fill (d);
  /* A saved mix is chosen, and mixed no more. */
  if (g_strcmp0 (d->style->format, NS_STYLE_MIX_FORMAT) == 0)
    {
      gtk_combo_box_set_active (GTK_COMBO_BOX (d->mix_combo), 0);
      if (d->source == SOURCE_INSTALLED)
        choose_id (d, id);
    }
  g_free (path);
  path = g_strdup_printf (_("Saved as style '%s'"), id);
  gtk_label_set_text (GTK_LABEL (d->status), path);
}

/* The controls */

/* A slider with its spin button, on row @row of @table. */
static GtkObject *
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
  return adjustment;
}

/* GIMP 2.10's themes draw a chosen radio button's label (its state is
 * ACTIVE) in the grey of an insensitive one: it keeps its normal colour. */
static void
keep_label_colour (GtkWidget *label,
                   GtkStyle  *previous,
                   gpointer   data)
{
  GtkStyle *style = gtk_widget_get_style (label);

  (void) previous;
  (void) data;
  if (! gdk_color_equal (&style->fg[GTK_STATE_ACTIVE], &style->fg[GTK_STATE_NORMAL]))
    gtk_widget_modify_fg (label, GTK_STATE_ACTIVE, &style->fg[GTK_STATE_NORMAL]);
}

/* For the tests: whether the chosen source's label is drawn otherwise than
 * a label is. */
static gboolean
chosen_label_greyed (Dialog *d)
{
  GtkWidget *label = gtk_bin_get_child (GTK_BIN (d->sources[d->source]));
  GtkStyle  *style = gtk_widget_get_style (label);

  return ! gdk_color_equal (&style->fg[gtk_widget_get_state (label)],
                            &style->fg[GTK_STATE_NORMAL]);
}

static GtkWidget *
sources_new (Dialog *d)
{
  const gchar *labels[N_SOURCES] = { N_("_Installed"), N_("Pict_ure"), N_("Lay_er") };
  const gchar *tips[N_SOURCES] =
  {
    N_("A style from the list of installed styles"),
    N_("Any picture file as the style"),
    N_("A layer of any open image as the style"),
  };
  GtkWidget   *hbox = gtk_hbox_new (FALSE, 6);
  GSList      *group = NULL;

  for (gint i = 0; i < N_SOURCES; i++)
    {
      d->sources[i] = gtk_radio_button_new_with_mnemonic (group, _(labels[i]));
      group = gtk_radio_button_get_group (GTK_RADIO_BUTTON (d->sources[i]));
      g_object_set_data (G_OBJECT (d->sources[i]), "source", GINT_TO_POINTER (i));
      gimp_help_set_help_data (d->sources[i], _(tips[i]), NULL);
      g_signal_connect (gtk_bin_get_child (GTK_BIN (d->sources[i])), "style-set",
                        G_CALLBACK (keep_label_colour), NULL);
      gtk_box_pack_start (GTK_BOX (hbox), d->sources[i], FALSE, FALSE, 0);
    }
  return hbox;
}

/* The first layer @combo lists that is not of @image, or none: the layer
 * being painted is rarely the style wanted for it. */
static void
choose_other_layer (GtkWidget *combo,
                    gint32     image)
{
  GtkTreeModel *model = gtk_combo_box_get_model (GTK_COMBO_BOX (combo));
  GtkTreeIter   iter;
  gboolean      more;

  for (more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      gint id;

      gtk_tree_model_get (model, &iter, GIMP_INT_STORE_VALUE, &id, -1);
      if (gimp_item_is_valid (id) && gimp_item_get_image (id) != image)
        {
          gtk_combo_box_set_active_iter (GTK_COMBO_BOX (combo), &iter);
          return;
        }
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), -1);
}

static void
choosers_new (Dialog     *d,
              GtkWidget  *box)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  GtkSizeGroup  *sizes;
  GtkWidget     *picture;
  GtkWidget     *layer;

  d->choosers[SOURCE_INSTALLED] = style_list_new (d);

  picture = gtk_file_chooser_button_new (_("Choose a Picture"), GTK_FILE_CHOOSER_ACTION_OPEN);
  gtk_file_filter_set_name (filter, _("Pictures"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (picture), filter);
  if (d->source == SOURCE_PICTURE)
    gtk_file_chooser_set_filename (GTK_FILE_CHOOSER (picture), d->settings->style);
  g_signal_connect_swapped (picture, "file-set", G_CALLBACK (settings_changed), d);
  d->choosers[SOURCE_PICTURE] = picture;

  gtk_file_chooser_button_set_width_chars (GTK_FILE_CHOOSER_BUTTON (picture), 24);

  layer = gimp_layer_combo_box_new (NULL, NULL);
  g_object_set (layer, "ellipsize", PANGO_ELLIPSIZE_MIDDLE, NULL);
  gtk_widget_set_size_request (layer, 300, -1);
  if (!d->settings->style_layer
      || !gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (layer), d->settings->style_layer))
    choose_other_layer (layer, d->image);
  d->choosers[SOURCE_LAYER] = layer;

  /* As wide as the style list whichever shows, hidden ones counted: the
   * sliders below keep their width in every mode. */
  sizes = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  gtk_size_group_set_ignore_hidden (sizes, FALSE);
  for (gint i = 0; i < N_SOURCES; i++)
    {
      gtk_size_group_add_widget (sizes, d->choosers[i]);
      gtk_box_pack_start (GTK_BOX (box), d->choosers[i], TRUE, TRUE, 0);
    }
  g_object_unref (sizes);
}

static GtkWidget *
controls_new (Dialog *d)
{
  GtkWidget *vbox = gtk_vbox_new (FALSE, 12);
  GtkWidget *table = gtk_table_new (8, 3, FALSE);
  GtkWidget *choosers = gtk_hbox_new (FALSE, 0);
  GtkObject *strength;
  GtkWidget *toggle;
  GtkWidget *hbox;
  GList     *cells;

  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_box_pack_start (GTK_BOX (vbox), table, FALSE, FALSE, 0);

  gimp_table_attach_aligned (GTK_TABLE (table), 0, 0, _("Style from:"), 0.0, 0.5,
                             sources_new (d), 2, FALSE);
  choosers_new (d, choosers);
  d->style_label = gimp_table_attach_aligned (GTK_TABLE (table), 0, 1, _("_Style:"), 0.0, 0.5,
                                              choosers, 2, FALSE);
  gtk_table_attach (GTK_TABLE (table), download_box_new (d), 1, 3, 2, 3,
                    GTK_FILL, GTK_FILL, 0, 0);
  d->amount = add_slider (d, GTK_TABLE (table), 3, _("Style a_mount:"),
                          &d->settings->style_amount, 0.0, 1.0,
                          _("How much of the style; below 1 the photo's own style is "
                            "mixed in (trained networks have none to mix)"));
  d->mix_combo = gtk_combo_box_text_new ();
  /* Its titles never widen the dialog (the sliders keep one width as
   * the mix widgets show and hide): cut with an ellipsis. */
  cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (d->mix_combo));
  g_object_set (cells->data, "ellipsize", PANGO_ELLIPSIZE_END, "width-chars", 12, NULL);
  g_list_free (cells);
  gimp_help_set_help_data (d->mix_combo, _(ns_procedure_mix_style_blurb ()), NULL);
  d->mix_label = gimp_table_attach_aligned (GTK_TABLE (table), 0, 4, _("Mix _with:"), 0.0, 0.5,
                                            d->mix_combo, 2, FALSE);
  d->mix = add_slider (d, GTK_TABLE (table), 5, _("Mi_x:"), &d->settings->mix, 0.0, 1.0,
                       _(ns_procedure_mix_blurb ()));
  strength = add_slider (d, GTK_TABLE (table), 6, _("S_trength:"), &d->settings->strength,
                         0.0, 1.0, _("The new layer's opacity: how much of the painting shows"));
  d->strength = GIMP_SCALE_ENTRY_SCALE (strength);
  /* For the tests: the slider's width after each change of mode. */
  g_signal_connect_swapped (d->strength, "size-allocate", G_CALLBACK (report_state), d);
  add_slider (d, GTK_TABLE (table), 7, _("Stroke sca_le:"), &d->settings->scale,
              NS_SCALE_MIN, NS_SCALE_MAX,
              _("Larger values paint larger strokes; 1 is the style's own size"));

  toggle = gtk_check_button_new_with_mnemonic (_("_Preserve colors"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), d->settings->preserve_colors);
  gimp_help_set_help_data (toggle, _("Keep the photo's colours and take only the "
                                     "painting's light and strokes"), NULL);
  g_signal_connect (toggle, "toggled", G_CALLBACK (on_toggle), d);
  gtk_box_pack_start (GTK_BOX (vbox), toggle, FALSE, FALSE, 0);

  d->save = gtk_button_new_with_mnemonic (_("Sa_ve as Style..."));
  gimp_help_set_help_data (d->save, _("Keep this picture's style under a name of its own: "
                                      "it joins the installed styles"), NULL);
  g_signal_connect (d->save, "clicked", G_CALLBACK (on_save), d);
  hbox = gtk_hbox_new (FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), d->save, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), hbox, FALSE, FALSE, 0);
  return vbox;
}

static GtkWidget *
preview_new (Dialog *d,
             gint32  drawable)
{
  g_autoptr (GeglBuffer) buffer = gimp2_drawable_get_buffer (drawable);
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
  gtk_label_set_line_wrap (GTK_LABEL (d->status), TRUE);
  gtk_widget_set_size_request (d->status, ns_preview_get_width (d->preview), -1);
  gtk_box_pack_start (GTK_BOX (vbox), d->status, FALSE, FALSE, 0);
  return vbox;
}

/* Where the settings say the style comes from. */
static Source
settings_source (NsCatalog        *catalog,
                 const NsSettings *settings)
{
  if (settings->style_layer)
    return SOURCE_LAYER;
  if (*settings->style && !ns_catalog_lookup (catalog, settings->style))
    return SOURCE_PICTURE;
  return SOURCE_INSTALLED;
}

gboolean
gimp2_dialog (gint32      drawable,
              NsCatalog **catalog,
              NsSettings *settings)
{
  Dialog     d = { 0 };
  GtkWidget *dialog;
  GtkWidget *hbox;
  gboolean   ok;

  gimp_ui_init (NS_PLUGIN_BINARY, FALSE);

  d.settings = settings;
  d.catalog = *catalog;
  d.image = gimp_item_get_image (drawable);
  d.source = settings_source (d.catalog, settings);
  download_init (&d);

  dialog = gimp_dialog_new (_("Neural Style"), NS_PLUGIN_BINARY, NULL, 0,
                            gimp_standard_help_func, NS_PROCEDURE_NAME,
                            _("_Cancel"), GTK_RESPONSE_CANCEL,
                            _("_OK"), GTK_RESPONSE_OK,
                            NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gimp_window_set_transient (GTK_WINDOW (dialog));
  d.ok = gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);

  hbox = gtk_hbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (hbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      hbox, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), preview_new (&d, drawable), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), controls_new (&d), TRUE, TRUE, 0);

  swatches_start (&d);
  mix_combo_fill (&d);
  choose_id (&d, d.source == SOURCE_INSTALLED ? settings->style : NULL);
  if (gtk_combo_box_get_active (GTK_COMBO_BOX (d.choosers[SOURCE_INSTALLED])) < 0)
    choose_id (&d, ns_catalog_default_style (d.catalog)
                   ? ns_catalog_default_style (d.catalog)->id : NULL);
  /* Nothing installed: the first style, with its Download button. */
  if (gtk_combo_box_get_active (GTK_COMBO_BOX (d.choosers[SOURCE_INSTALLED])) < 0
      && ns_swatches_get_n_rows (d.swatches) > 0)
    gtk_combo_box_set_active (GTK_COMBO_BOX (d.choosers[SOURCE_INSTALLED]), 0);

  gtk_widget_show_all (dialog);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d.sources[d.source]), TRUE);
  for (gint i = 0; i < N_SOURCES; i++)
    g_signal_connect (d.sources[i], "toggled", G_CALLBACK (on_source), &d);
  g_signal_connect_swapped (d.choosers[SOURCE_INSTALLED], "changed",
                            G_CALLBACK (settings_changed), &d);
  g_signal_connect_swapped (d.choosers[SOURCE_LAYER], "changed",
                            G_CALLBACK (settings_changed), &d);
  g_signal_connect (d.mix_combo, "changed", G_CALLBACK (on_mix_style), &d);
  d.dialog = dialog;
  settings_changed (&d);

  ok = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;
  /* A download still running stops; what it installed stays. */
  g_clear_pointer (&d.download, ns_download_free);
  /* A trained network mixes with nothing: the mix, hidden, is not kept. */
  if (ok && d.base && !ns_styles_takes_amount (d.base))
    ns_settings_set_mix_style (settings, NULL);

  gtk_widget_destroy (dialog);
  ns_swatches_free (d.swatches);
  ns_preview_free (d.preview);
  g_clear_pointer (&d.style, ns_style_free);
  g_clear_pointer (&d.base, ns_style_free);
  g_clear_pointer (&d.second, ns_style_free);
  g_free (d.base_key);
  g_free (d.base_error);
  g_free (d.error);
  g_free (d.download_error);
  g_free (d.download_ids);
  *catalog = d.catalog;
  return ok;
}
