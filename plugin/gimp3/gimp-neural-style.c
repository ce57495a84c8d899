/* gimp-neural-style.c: the GIMP 3 plug-in and its one procedure,
 * plug-in-neural-style.
 *
 * The style is a string argument, not a GimpChoice: GIMP registers a
 * plug-in's arguments once and queries them again only when the executable
 * changes, so a choice frozen then would hide every model installed later.
 * The dialog offers the styles installed when it opens.  The style may
 * also be a picture's path, or come from a layer of any open image (the
 * `style-layer` argument, last so that older scripts keep working).
 */
#include "ns-i18n.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "ns-config.h"
#include "ns-dialog.h"
#include "ns-layer.h"
#include "ns-settings.h"
#include "ns-styles.h"


typedef struct _NeuralStyle      NeuralStyle;
typedef struct _NeuralStyleClass NeuralStyleClass;

struct _NeuralStyle
{
  GimpPlugIn parent_instance;
};

struct _NeuralStyleClass
{
  GimpPlugInClass parent_class;
};

#define NEURAL_STYLE_TYPE (neural_style_get_type ())

GType                   neural_style_get_type         (void) G_GNUC_CONST;

static GList          * neural_style_query_procedures (GimpPlugIn           *plug_in);
static GimpProcedure  * neural_style_create_procedure (GimpPlugIn           *plug_in,
                                                       const gchar          *name);
static gboolean         neural_style_set_i18n         (GimpPlugIn           *plug_in,
                                                       const gchar          *procedure_name,
                                                       gchar               **gettext_domain,
                                                       gchar               **catalog_dir);

static GimpValueArray * neural_style_run              (GimpProcedure        *procedure,
                                                       GimpRunMode           run_mode,
                                                       GimpImage            *image,
                                                       GimpDrawable        **drawables,
                                                       GimpProcedureConfig  *config,
                                                       gpointer              run_data);


G_DEFINE_TYPE (NeuralStyle, neural_style, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (NEURAL_STYLE_TYPE)


static void
neural_style_class_init (NeuralStyleClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = neural_style_query_procedures;
  plug_in_class->create_procedure = neural_style_create_procedure;
  plug_in_class->set_i18n         = neural_style_set_i18n;
}

static void
neural_style_init (NeuralStyle *neural_style)
{
}

static GList *
neural_style_query_procedures (GimpPlugIn *plug_in)
{
  return g_list_append (NULL, g_strdup (NS_PROCEDURE_NAME));
}

/* The plug-in's own translations: the domain GETTEXT_PACKAGE, installed in
 * LOCALEDIR with the rest of the project.  GIMP binds a domain only to a
 * folder inside the plug-in's own folder (it refuses an absolute path and
 * then disables translations), so bind it here and return FALSE: GIMP
 * leaves gettext alone. */
static gboolean
neural_style_set_i18n (GimpPlugIn   *plug_in,
                       const gchar  *procedure_name,
                       gchar       **gettext_domain,
                       gchar       **catalog_dir)
{
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  return FALSE;
}

static GimpProcedure *
neural_style_create_procedure (GimpPlugIn  *plug_in,
                               const gchar *name)
{
  GimpProcedure *procedure;

  if (g_strcmp0 (name, NS_PROCEDURE_NAME) != 0)
    return NULL;

  procedure = gimp_image_procedure_new (plug_in, name,
                                        GIMP_PDB_PROC_TYPE_PLUGIN,
                                        neural_style_run, NULL, NULL);

  gimp_procedure_set_image_types (procedure, NS_IMAGE_TYPES);
  gimp_procedure_set_sensitivity_mask (procedure,
                                       GIMP_PROCEDURE_SENSITIVE_DRAWABLE |
                                       GIMP_PROCEDURE_SENSITIVE_DRAWABLES);

  gimp_procedure_set_menu_label (procedure, _(ns_procedure_menu_label ()));
  gimp_procedure_add_menu_path (procedure, NS_MENU_PATH);

  gimp_procedure_set_documentation (procedure,
                                    _(ns_procedure_blurb ()),
                                    _(ns_procedure_help ()),
                                    NS_PROCEDURE_NAME);
  gimp_procedure_set_attribution (procedure,
                                  ns_procedure_authors (),
                                  ns_procedure_copyright (),
                                  ns_procedure_date ());

  ns_config_add_arguments (procedure);
  ns_dialog_add_arguments (procedure);

  return procedure;
}

static GimpValueArray *
run_error (GimpProcedure *procedure,
           GError        *error)
{
  return gimp_procedure_new_return_values (procedure,
                                           GIMP_PDB_EXECUTION_ERROR,
                                           error);
}

static GimpValueArray *
neural_style_run (GimpProcedure        *procedure,
                  GimpRunMode           run_mode,
                  GimpImage            *image,
                  GimpDrawable        **drawables,
                  GimpProcedureConfig  *config,
                  gpointer              run_data)
{
  g_autoptr (NsCatalog) catalog = NULL;
  g_autoptr (NsStyle)   style = NULL;
  g_autoptr (NsStyle)   mixed = NULL;
  NsSettings            settings;
  GError               *error = NULL;

  if (! ns_layer_check_image (image, drawables, &error))
    return run_error (procedure, error);

  catalog = ns_styles_open (&error);
  if (! catalog)
    return run_error (procedure, error);

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      gimp_ui_init (NS_PLUGIN_BINARY);

      if (! ns_dialog_run (procedure, config, catalog, drawables[0], &error))
        {
          if (error)
            return run_error (procedure, error);

          return gimp_procedure_new_return_values (procedure,
                                                   GIMP_PDB_CANCEL, NULL);
        }

      /* The dialog may have saved a style. */
      ns_catalog_free (catalog);
      catalog = ns_styles_open (&error);
      if (! catalog)
        return run_error (procedure, error);
    }

  ns_config_get_settings (config, &settings);

  if (! ns_settings_validate (&settings, &error))
    return run_error (procedure, error);

  style = ns_config_get_style (catalog, &settings, &error);
  if (! style)
    return run_error (procedure, error);
  mixed = ns_styles_mix (catalog, style, &settings, NULL, &error);
  if (! mixed)
    return run_error (procedure, error);

  settings.style_amount = ns_styles_amount (mixed, &settings);
  if (! ns_layer_paint (image, drawables, mixed, &settings, &error))
    return run_error (procedure, error);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}
