/* gimp2-main.c: Neural Style for GIMP 2.10: registration and run modes.
 *
 * The filter itself (settings, styles, pixels, new-layer rules) lives in
 * plugin/common and the engine; this file is GIMP 2's PDB glue.
 */
#include "ns-i18n.h"

#include <string.h>

#include <libgimp/gimp.h>

#include "gimp2-plugin.h"
#include "ns-new-layer.h"
#include "ns-styles.h"

static void query (void);
static void run   (const gchar      *name,
                   gint              n_params,
                   const GimpParam  *param,
                   gint             *n_return_vals,
                   GimpParam       **return_vals);

const GimpPlugInInfo PLUG_IN_INFO =
{
  NULL,
  NULL,
  query,
  run,
};

MAIN ()

/* The three procedures' arguments: plug-in-neural-style takes the first
 * N_ARGS, GIMP2_PICTURE_PROCEDURE the first N_PICTURE_ARGS,
 * GIMP2_MIX_PROCEDURE all.  Script-Fu refuses a call with fewer arguments
 * than a procedure has, so each keeps its own and scripts written for it
 * keep working. */
enum
{
  ARG_RUN_MODE,
  ARG_IMAGE,
  ARG_DRAWABLE,
  ARG_STYLE,
  ARG_STRENGTH,
  ARG_PRESERVE_COLORS,
  ARG_SCALE,
  N_ARGS,
  ARG_STYLE_AMOUNT = N_ARGS,
  ARG_STYLE_LAYER,
  N_PICTURE_ARGS,
  ARG_MIX_STYLE = N_PICTURE_ARGS,
  ARG_MIX,
  N_MIX_ARGS
};

static void
install_procedure (const gchar        *name,
                   const GimpParamDef *args,
                   gint                n_args,
                   const gchar        *menu_label)
{
  gimp_install_procedure (name,
                          ns_procedure_blurb (),
                          ns_procedure_help (),
                          ns_procedure_authors (),
                          ns_procedure_copyright (),
                          ns_procedure_date (),
                          menu_label,
                          NS_IMAGE_TYPES,
                          GIMP_PLUGIN,
                          n_args, 0,
                          args, NULL);
}

static void
query (void)
{
  const GimpParamDef args[] =
  {
    { GIMP_PDB_INT32,    "run-mode",        "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" },
    { GIMP_PDB_IMAGE,    "image",           "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable",        "Layer to paint" },
    { GIMP_PDB_STRING,   "style",           (gchar *) ns_procedure_style_blurb () },
    { GIMP_PDB_FLOAT,    "strength",        "Strength, 0..1: the new layer's opacity / 100 (default 1)" },
    { GIMP_PDB_INT32,    "preserve-colors", "Keep the photo's colours { FALSE (0), TRUE (1) }" },
    { GIMP_PDB_FLOAT,    "scale",           "Stroke scale, 0.25..4 (default 1)" },
    { GIMP_PDB_FLOAT,    "style-amount",    (gchar *) ns_procedure_style_amount_blurb () },
    { GIMP_PDB_DRAWABLE, "style-layer",     "A layer of any open image to take the style from, or -1 for 'style'" },
    { GIMP_PDB_STRING,   "mix-style",       (gchar *) ns_procedure_mix_style_blurb () },
    { GIMP_PDB_FLOAT,    "mix",             (gchar *) ns_procedure_mix_blurb () },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (args) == N_MIX_ARGS);

  gimp_plugin_domain_register (GETTEXT_PACKAGE, LOCALEDIR);

  install_procedure (NS_PROCEDURE_NAME, args, N_ARGS, ns_procedure_menu_label ());
  gimp_plugin_menu_register (NS_PROCEDURE_NAME, NS_MENU_PATH);
  /* Batch only: the dialog offers the same through the menu entry above. */
  install_procedure (GIMP2_PICTURE_PROCEDURE, args, N_PICTURE_ARGS, NULL);
  install_procedure (GIMP2_MIX_PROCEDURE, args, N_MIX_ARGS, NULL);
}

/* Settings from a non-interactive call; FALSE if the call is malformed. */
static gboolean
settings_from_args (const gchar     *name,
                    gint             n_params,
                    const GimpParam *param,
                    NsSettings      *settings,
                    GError         **error)
{
  const gboolean mix = g_strcmp0 (name, GIMP2_MIX_PROCEDURE) == 0;
  const gboolean picture = mix || g_strcmp0 (name, GIMP2_PICTURE_PROCEDURE) == 0;
  const gint     expected = mix ? N_MIX_ARGS : picture ? N_PICTURE_ARGS : N_ARGS;

  if (n_params != expected)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("%s takes %d arguments, not %d"), name, expected, n_params);
      return FALSE;
    }

  ns_settings_init (settings);
  ns_settings_set_style (settings, param[ARG_STYLE].data.d_string);
  settings->strength = param[ARG_STRENGTH].data.d_float;
  settings->preserve_colors = param[ARG_PRESERVE_COLORS].data.d_int32 != 0;
  settings->scale = param[ARG_SCALE].data.d_float;
  if (picture)
    {
      settings->style_amount = param[ARG_STYLE_AMOUNT].data.d_float;
      /* GIMP 2.10 says "none" with -1, NsSettings with 0. */
      settings->style_layer = MAX (param[ARG_STYLE_LAYER].data.d_drawable, 0);
      if (settings->style_layer && *settings->style)
        {
          g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                               _("Give a style or a style layer, not both"));
          return FALSE;
        }
    }
  if (mix)
    {
      ns_settings_set_mix_style (settings, param[ARG_MIX_STYLE].data.d_string);
      settings->mix = param[ARG_MIX].data.d_float;
    }
  return ns_settings_validate (settings, error);
}

static void
load_last_settings (NsSettings *settings)
{
  ns_settings_init (settings);
  if (gimp_get_data_size (NS_PROCEDURE_NAME) == sizeof (NsSettings))
    gimp_get_data (NS_PROCEDURE_NAME, settings);
  settings->style[NS_STYLE_ID_MAX - 1] = '\0';
  settings->mix_style[NS_STYLE_ID_MAX - 1] = '\0';
}

static GimpPDBStatusType
run_filter (const gchar     *name,
            GimpRunMode      run_mode,
            gint32           image,
            gint32           drawable,
            gint             n_params,
            const GimpParam *param,
            GError         **error)
{
  g_autoptr (NsCatalog) catalog = NULL;
  g_autoptr (NsStyle) style = NULL;
  g_autoptr (NsStyle) mixed = NULL;
  NsSettings settings;

  if (gimp_image_base_type (image) == GIMP_INDEXED)
    {
      ns_set_indexed_error (error);
      return GIMP_PDB_EXECUTION_ERROR;
    }
  /* A layer mask or channel would give a layer that cannot enter the
   * image; GIMP 2.10 offers the filter when one is active. */
  if (!gimp_item_is_layer (drawable))
    {
      ns_set_not_layer_error (error);
      return GIMP_PDB_EXECUTION_ERROR;
    }

  catalog = ns_styles_open (error);
  if (!catalog)
    return GIMP_PDB_EXECUTION_ERROR;

  if (run_mode == GIMP_RUN_NONINTERACTIVE)
    {
      if (!settings_from_args (name, n_params, param, &settings, error))
        return GIMP_PDB_CALLING_ERROR;
    }
  else
    load_last_settings (&settings);

  style = gimp2_style_get (catalog, &settings, error);
  if (!style && run_mode == GIMP_RUN_INTERACTIVE && (*settings.style || settings.style_layer))
    {
      /* A style, picture or layer remembered from last time may since
       * have gone. */
      g_clear_error (error);
      ns_settings_set_style (&settings, NULL);
      settings.style_layer = 0;
      style = gimp2_style_get (catalog, &settings, error);
    }
  /* With no style installed, the dialog offers to download one. */
  if (!style && run_mode == GIMP_RUN_INTERACTIVE)
    g_clear_error (error);
  else if (!style)
    return GIMP_PDB_EXECUTION_ERROR;

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      if (style && !*settings.style && !settings.style_layer)
        ns_settings_set_style (&settings, style->id);
      g_clear_pointer (&style, ns_style_free);
      if (!gimp2_dialog (drawable, &catalog, &settings))
        return GIMP_PDB_CANCEL;
      style = gimp2_style_get (catalog, &settings, error);
      if (!style)
        return GIMP_PDB_EXECUTION_ERROR;
    }

  mixed = ns_styles_mix (catalog, style, &settings, NULL, error);
  if (!mixed || !gimp2_apply (image, drawable, mixed, &settings, error))
    return GIMP_PDB_EXECUTION_ERROR;

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  gimp_set_data (NS_PROCEDURE_NAME, &settings, sizeof (NsSettings));
  return GIMP_PDB_SUCCESS;
}

static void
run (const gchar      *name,
     gint              n_params,
     const GimpParam  *param,
     gint             *n_return_vals,
     GimpParam       **return_vals)
{
  static GimpParam  values[2];
  g_autoptr (GError) error = NULL;
  GimpPDBStatusType status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  gegl_init (NULL, NULL);

  status = run_filter (name, (GimpRunMode) param[ARG_RUN_MODE].data.d_int32,
                       param[ARG_IMAGE].data.d_image,
                       param[ARG_DRAWABLE].data.d_drawable,
                       n_params, param, &error);

  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = status;
  *n_return_vals = 1;
  *return_vals = values;

  /* GIMP shows the message to a user, and returns it to a script. */
  if (error && status != GIMP_PDB_SUCCESS && status != GIMP_PDB_CANCEL)
    {
      static gchar *message = NULL;

      g_free (message);
      message = g_strdup (error->message);
      values[1].type = GIMP_PDB_STRING;
      values[1].data.d_string = message;
      *n_return_vals = 2;
    }
}
