/* catalog.c: the styles on offer, from models/catalog.ini and the model
 * search path.
 */
/* O_CLOEXEC, link() */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "neural-style-engine.h"
#include "catalog-private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _NsCatalog
{
  GPtrArray *styles;   /* NsStyle, owned */
  GPtrArray *networks; /* NsStyle, owned: networks that are not styles
                        * (format=tflite), never listed as styles */
  GPtrArray *entries;  /* NsCatalogEntry, owned: the file's groups */
  gchar *catalog_file; /* the file read, or NULL */
  /* Magenta's installed networks (transfer: fp16, else int8), or NULL */
  gchar *transfer_path;
  gchar *prediction_path;
};

/* An ml5 style folder holds this manifest, next to its weight files. */
#define ML5_MANIFEST "manifest.json"

/* Far beyond what a real catalog (22 KB), ml5-files.sha256 (31 KB) or
 * saved style (2 KB) holds. */
#define CATALOG_MAX_SIZE (16 << 20)
#define ML5_SUMS_FILE "ml5-files.sha256"
/* No ml5 file comes near this (the largest is 1.2 MB). */
#define ML5_FILE_MAX_SIZE (G_GINT64_CONSTANT (1) << 30)
#define SAVED_STYLE_MAX_SIZE (1 << 20)

/* The command users run to install models, as they would type it. */
#define FETCH_COMMAND "neural-style-fetch"
/* What it installs for pictures and saved styles. */
#define MAGENTA_FETCH_IDS "magenta-transfer magenta-prediction"

static void read_vector_preset (NsStyle *style, GKeyFile *keys, const gchar *group);
static void add_saved_styles (NsCatalog *catalog, const gchar * const *search_path);
static void find_magenta_networks (NsCatalog *catalog);

void
ns_style_free (NsStyle *style)
{
  if (!style)
    return;

  g_free (style->id);
  g_free (style->title);
  g_free (style->artist);
  g_free (style->year);
  g_free (style->file);
  g_free (style->format);
  g_free (style->url);
  g_free (style->sha256);
  g_free (style->sha1);
  g_free (style->license);
  g_free (style->path);
  g_free (style->vector);
  g_free (style->prediction_path);
  g_free (style->transfer_path);
  g_free (style);
}

NsStyle *
ns_style_copy (const NsStyle *style)
{
  NsStyle *copy;

  g_return_val_if_fail (style != NULL, NULL);

  copy = g_memdup2 (style, sizeof (NsStyle));
  copy->id = g_strdup (style->id);
  copy->title = g_strdup (style->title);
  copy->artist = g_strdup (style->artist);
  copy->year = g_strdup (style->year);
  copy->file = g_strdup (style->file);
  copy->format = g_strdup (style->format);
  copy->url = g_strdup (style->url);
  copy->sha256 = g_strdup (style->sha256);
  copy->sha1 = g_strdup (style->sha1);
  copy->license = g_strdup (style->license);
  copy->path = g_strdup (style->path);
  copy->vector = style->vector
    ? g_memdup2 (style->vector, NS_STYLE_VECTOR_SIZE * sizeof (gfloat)) : NULL;
  copy->prediction_path = g_strdup (style->prediction_path);
  copy->transfer_path = g_strdup (style->transfer_path);
  return copy;
}

static const gchar *
default_catalog_file (void)
{
  const gchar *file = g_getenv ("NEURAL_STYLE_CATALOG");

  return file && *file ? file : NS_DATADIR G_DIR_SEPARATOR_S "catalog.ini";
}

static NsConvention
convention_from_string (const gchar *name)
{
  if (g_strcmp0 (name, "rgb255") == 0)
    return NS_CONVENTION_RGB255;
  if (g_strcmp0 (name, "johnson") == 0)
    return NS_CONVENTION_JOHNSON;
  return NS_CONVENTION_AUTO;
}

gchar *
ns_catalog_user_model_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "neural-style", "models", NULL);
}

gchar **
ns_catalog_default_search_path (void)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const gchar *env = g_getenv ("NEURAL_STYLE_MODEL_PATH");

  if (env && *env)
    {
      g_auto (GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (gchar **dir = dirs; *dir; dir++)
        if (**dir)
          g_strv_builder_add (builder, *dir);
    }
  g_autofree gchar *user_dir = ns_catalog_user_model_dir ();
  g_strv_builder_add (builder, user_dir);
  g_strv_builder_add (builder, NS_DATADIR G_DIR_SEPARATOR_S "models");

  return g_strv_builder_end (builder);
}

/* @path's bytes, if it is a regular file of at most @max_size bytes.  It
 * is opened without blocking and checked once open: a FIFO or a device
 * named like a catalog or a saved style is refused, never waited on.
 * (transfer full) */
static gchar *
read_regular_file (const gchar  *path,
                   gsize         max_size,
                   gsize        *length,
                   GError      **error)
{
  struct stat st;
  g_autofree gchar *data = NULL;
  gsize done = 0;
  int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size > max_size)
    {
      g_autofree gchar *max = g_format_size (max_size);
      if (!S_ISREG (st.st_mode))
        g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("it is not a regular file"));
      else
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("it is larger than %s"), max);
      close (fd);
      return NULL;
    }

  data = g_malloc (st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      gssize n = read (fd, data + done, st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break; /* shrank meanwhile */
      done += n;
    }
  close (fd);
  data[done] = '\0';
  *length = done;
  return g_steal_pointer (&data);
}

/* Loads @path into @keys as read_regular_file() reads it. */
static gboolean
load_key_file (GKeyFile     *keys,
               const gchar  *path,
               gsize         max_size,
               GError      **error)
{
  gsize length = 0;
  g_autofree gchar *data = read_regular_file (path, max_size, &length, error);

  return data && g_key_file_load_from_data (keys, data, length, G_KEY_FILE_NONE, error);
}

static gchar *
find_file (const gchar * const *search_path,
           const gchar         *file)
{
  for (const gchar * const *dir = search_path; *dir; dir++)
    {
      g_autofree gchar *path = g_build_filename (*dir, file, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static gchar *
find_ml5_folder (const gchar * const *search_path,
                 const gchar         *folder)
{
  for (const gchar * const *dir = search_path; *dir; dir++)
    {
      g_autofree gchar *path = g_build_filename (*dir, folder, NULL);
      g_autofree gchar *manifest = g_build_filename (path, ML5_MANIFEST, NULL);

      if (g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static gchar *
get_string (GKeyFile    *keys,
            const gchar *group,
            const gchar *key)
{
  gchar *value = g_key_file_get_string (keys, group, key, NULL);

  if (value && !*value)
    g_clear_pointer (&value, g_free);
  return value;
}

/* The URLs, current home first, mirrors after, each stripped; none
 * empty.  (transfer full) */
static gchar **
get_urls (GKeyFile    *keys,
          const gchar *group)
{
  g_autofree gchar *text = get_string (keys, group, "url");
  g_auto (GStrv) list = g_strsplit (text ? text : "", ";", -1);
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();

  for (gchar **url = list; *url; url++)
    if (*g_strstrip (*url))
      g_strv_builder_add (urls, *url);
  return g_strv_builder_end (urls);
}

static gchar *
first_url (GKeyFile    *keys,
           const gchar *group)
{
  g_auto (GStrv) urls = get_urls (keys, group);

  return g_strdup (urls[0]);
}

static void
entry_free (NsCatalogEntry *entry)
{
  g_free (entry->id);
  g_free (entry->title);
  g_free (entry->artist);
  g_free (entry->license);
  g_free (entry->file);
  g_free (entry->format);
  g_strfreev (entry->urls);
  g_free (entry->sha256);
  g_free (entry->sha1);
  g_free (entry->onnx);
  g_free (entry->onnx_sha256);
  g_free (entry);
}

static NsCatalogEntry *
entry_from_group (GKeyFile    *keys,
                  const gchar *group)
{
  NsCatalogEntry *entry = g_new0 (NsCatalogEntry, 1);

  entry->id = g_strdup (group);
  entry->title = get_string (keys, group, "title");
  entry->artist = get_string (keys, group, "artist");
  entry->license = get_string (keys, group, "license");
  entry->file = get_string (keys, group, "file");
  entry->format = get_string (keys, group, "format");
  entry->urls = get_urls (keys, group);
  entry->sha256 = get_string (keys, group, "sha256");
  entry->sha1 = get_string (keys, group, "sha1");
  entry->size = g_key_file_get_int64 (keys, group, "size", NULL);
  entry->onnx = get_string (keys, group, "onnx");
  entry->onnx_sha256 = get_string (keys, group, "onnx-sha256");
  entry->onnx_size = g_key_file_get_int64 (keys, group, "onnx-size", NULL);
  entry->noncommercial = g_key_file_get_boolean (keys, group, "noncommercial", NULL);
  entry->optional = g_key_file_get_boolean (keys, group, "optional", NULL);
  if (!entry->title)
    entry->title = g_strdup (group);
  return entry;
}

static gboolean
is_ml5 (const NsStyle *style)
{
  return g_strcmp0 (style->format, "ml5") == 0;
}

static NsStyle *
style_from_group (GKeyFile    *keys,
                  const gchar *group)
{
  NsStyle *style = g_new0 (NsStyle, 1);
  g_autofree gchar *convention = get_string (keys, group, "convention");

  style->id = g_strdup (group);
  style->title = get_string (keys, group, "title");
  style->artist = get_string (keys, group, "artist");
  style->year = get_string (keys, group, "year");
  style->file = get_string (keys, group, "file");
  style->format = get_string (keys, group, "format");
  style->url = first_url (keys, group);
  style->sha256 = get_string (keys, group, "sha256");
  style->sha1 = get_string (keys, group, "sha1");
  style->license = get_string (keys, group, "license");
  style->size = g_key_file_get_int64 (keys, group, "size", NULL);
  style->convention = convention_from_string (convention);
  style->noncommercial = g_key_file_get_boolean (keys, group, "noncommercial", NULL);
  style->in_catalog = TRUE;

  if (!style->title)
    style->title = g_strdup (group);
  if (g_strcmp0 (style->format, "vector") == 0)
    read_vector_preset (style, keys, group);
  else if (!style->file)
    style->file = is_ml5 (style) ? g_strdup (group) : g_strconcat (group, ".onnx", NULL);
  return style;
}

/* A name the catalog may give a file or folder: a plain name in a model
 * folder, never a path out of it ("../../etc/passwd") nor a hidden file;
 * models/fetch refuses the same. */
static gboolean
is_plain_file_name (const gchar *name)
{
  return name && *name && *name != '.' && !strchr (name, '/') && !strchr (name, G_DIR_SEPARATOR);
}

/* Where @style is installed: its file; for an ml5 style, its folder, else
 * the ONNX conversion the catalog accepts in its place.  A style whose
 * file name is not a plain name is never installed (using it says why). */
static void
locate (NsStyle             *style,
        GKeyFile            *keys,
        const gchar         *group,
        const gchar * const *search_path)
{
  g_autofree gchar *onnx = NULL;

  if (style->kind != NS_STYLE_KIND_NETWORK || !is_plain_file_name (style->file))
    return; /* vector presets: installed with Magenta's networks */
  if (!is_ml5 (style))
    {
      style->path = find_file (search_path, style->file);
      return;
    }

  style->path = find_ml5_folder (search_path, style->file);
  style->size = 0;
  onnx = get_string (keys, group, "onnx");
  if (style->path || !is_plain_file_name (onnx))
    return;

  style->path = find_file (search_path, onnx);
  if (!style->path)
    return;
  g_free (style->format);
  style->format = g_strdup ("onnx");
  g_free (style->file);
  style->file = g_steal_pointer (&onnx);
  g_free (style->sha256);
  style->sha256 = get_string (keys, group, "onnx-sha256");
  style->size = g_key_file_get_int64 (keys, group, "onnx-size", NULL);
}

static gboolean
load_catalog_file (NsCatalog           *catalog,
                   const gchar         *catalog_file,
                   gboolean             must_exist,
                   const gchar * const *search_path,
                   GError             **error)
{
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!must_exist && !g_file_test (catalog_file, G_FILE_TEST_EXISTS))
    return TRUE;

  if (!load_key_file (keys, catalog_file, CATALOG_MAX_SIZE, error))
    {
      g_prefix_error (error, _("Style catalog '%s' cannot be read: "), catalog_file);
      return FALSE;
    }

  catalog->catalog_file = g_strdup (catalog_file);
  groups = g_key_file_get_groups (keys, NULL);
  for (gchar **group = groups; *group; group++)
    {
      NsStyle *style = style_from_group (keys, *group);

      g_ptr_array_add (catalog->entries, entry_from_group (keys, *group));
      const gboolean network = g_strcmp0 (style->format, "tflite") == 0;

      locate (style, keys, *group, search_path);
      g_ptr_array_add (network ? catalog->networks : catalog->styles, style);
    }
  return TRUE;
}

static gboolean
is_model_file (const gchar *name)
{
  return g_str_has_suffix (name, ".onnx") || g_str_has_suffix (name, ".t7");
}

static gboolean
is_ml5_folder (const gchar *dir,
               const gchar *name)
{
  g_autofree gchar *manifest = g_build_filename (dir, name, ML5_MANIFEST, NULL);

  return g_file_test (manifest, G_FILE_TEST_IS_REGULAR);
}

static gboolean
catalog_has_file (NsCatalog   *catalog,
                  const gchar *file)
{
  for (guint i = 0; i < catalog->styles->len; i++)
    {
      const NsStyle *style = g_ptr_array_index (catalog->styles, i);
      if (g_strcmp0 (style->file, file) == 0)
        return TRUE;
    }
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

/* The names in @dir that @wanted takes, sorted; none if @dir cannot be
 * read.  (transfer full) */
static GPtrArray *
sorted_names (const gchar *dir,
              gboolean   (*wanted) (const gchar *dir, const gchar *name))
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)))
    if (wanted (dir, name))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* Hidden names are never models: neural-style-fetch keeps what it has
 * not yet verified in ".partial/". */
static gboolean
is_dropped_in (const gchar *dir,
               const gchar *name)
{
  return *name != '.' && (is_model_file (name) || is_ml5_folder (dir, name));
}

/* A model a user dropped in under the id of a catalog style that is not
 * installed (their own conversion, say: "udnie.onnx" for the catalog's ml5
 * folder "udnie"): the style is that file, titled so that nobody takes it
 * for the catalog's checked download.  Where the catalog's own file is
 * installed too, that one is the style. */
static void
adopt_own_file (NsCatalog   *catalog,
                const gchar *id,
                const gchar *dir,
                const gchar *file)
{
  NsStyle *style = (NsStyle *) ns_catalog_lookup (catalog, id);
  gchar *title;

  if (style->path || style->kind != NS_STYLE_KIND_NETWORK)
    return;
  /* TRANSLATORS: a catalog style's title, then a file name */
  title = g_strdup_printf (_("%s: your own file %s, not the catalog's"), style->title, file);
  g_free (style->title);
  style->title = title;
  g_free (style->file);
  style->file = g_strdup (file);
  g_free (style->format);
  style->format = g_strdup (!is_model_file (file) ? "ml5" : g_str_has_suffix (file, ".t7") ? "t7" : "onnx");
  g_clear_pointer (&style->sha256, g_free);
  g_clear_pointer (&style->sha1, g_free);
  style->size = 0;
  style->convention = NS_CONVENTION_AUTO;
  style->in_catalog = FALSE;
  style->path = g_build_filename (dir, file, NULL);
}

/* Models users dropped into a model folder, named after their file (or
 * ml5 style folder). */
static void
add_dropped_in (NsCatalog           *catalog,
                const gchar * const *search_path)
{
  for (const gchar * const *dir = search_path; *dir; dir++)
    {
      g_autoptr (GPtrArray) names = sorted_names (*dir, is_dropped_in);

      for (guint i = 0; i < names->len; i++)
        {
          const gchar *file = g_ptr_array_index (names, i);
          const gboolean ml5 = !is_model_file (file);
          g_autofree gchar *id = ml5 ? g_strdup (file)
                                     : g_strndup (file, strrchr (file, '.') - file);
          NsStyle *style;

          if (catalog_has_file (catalog, file))
            continue;
          if (ns_catalog_lookup (catalog, id))
            {
              adopt_own_file (catalog, id, *dir, file);
              continue;
            }

          style = g_new0 (NsStyle, 1);
          style->id = g_steal_pointer (&id);
          style->title = g_strdup (style->id);
          style->file = g_strdup (file);
          style->format = g_strdup (ml5 ? "ml5" : g_str_has_suffix (file, ".t7") ? "t7" : "onnx");
          style->convention = NS_CONVENTION_AUTO;
          style->path = g_build_filename (*dir, file, NULL);
          g_ptr_array_add (catalog->styles, style);
        }
    }
}

NsCatalog *
ns_catalog_new (const gchar         *catalog_file,
                const gchar * const *search_path,
                GError             **error)
{
  g_autoptr (NsCatalog) catalog = g_new0 (NsCatalog, 1);
  g_auto (GStrv) default_path = NULL;

  catalog->styles = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_style_free);
  catalog->networks = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_style_free);
  catalog->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);

  if (!search_path)
    {
      default_path = ns_catalog_default_search_path ();
      search_path = (const gchar * const *) default_path;
    }

  if (!load_catalog_file (catalog, catalog_file ? catalog_file : default_catalog_file (),
                          catalog_file != NULL, search_path, error))
    return NULL;
  add_dropped_in (catalog, search_path);
  add_saved_styles (catalog, search_path);
  find_magenta_networks (catalog);

  return g_steal_pointer (&catalog);
}

void
ns_catalog_free (NsCatalog *catalog)
{
  if (!catalog)
    return;
  g_clear_pointer (&catalog->styles, g_ptr_array_unref);
  g_clear_pointer (&catalog->networks, g_ptr_array_unref);
  g_clear_pointer (&catalog->entries, g_ptr_array_unref);
  g_free (catalog->catalog_file);
  g_free (catalog->transfer_path);
  g_free (catalog->prediction_path);
  g_free (catalog);
}

GPtrArray *
ns_catalog_get_styles (NsCatalog *catalog)
{
  g_return_val_if_fail (catalog != NULL, NULL);
  return catalog->styles;
}

GPtrArray *
ns_catalog_get_installed (NsCatalog *catalog)
{
  GPtrArray *installed = g_ptr_array_new ();

  g_return_val_if_fail (catalog != NULL, installed);

  for (guint i = 0; i < catalog->styles->len; i++)
    {
      NsStyle *style = g_ptr_array_index (catalog->styles, i);
      if (style->path)
        g_ptr_array_add (installed, style);
    }
  return installed;
}

static const NsStyle *
find_by_id (GPtrArray   *styles,
            const gchar *id)
{
  for (guint i = 0; id && i < styles->len; i++)
    {
      const NsStyle *style = g_ptr_array_index (styles, i);
      if (g_strcmp0 (style->id, id) == 0)
        return style;
    }
  return NULL;
}

const NsStyle *
ns_catalog_lookup (NsCatalog   *catalog,
                   const gchar *id)
{
  g_return_val_if_fail (catalog != NULL, NULL);
  return find_by_id (catalog->styles, id);
}

const NsStyle *
ns_catalog_lookup_network (NsCatalog   *catalog,
                           const gchar *id)
{
  g_return_val_if_fail (catalog != NULL, NULL);
  return find_by_id (catalog->networks, id);
}

GPtrArray *
ns_catalog_get_entries (NsCatalog *catalog)
{
  g_return_val_if_fail (catalog != NULL, NULL);
  return catalog->entries;
}

const NsCatalogEntry *
ns_catalog_lookup_entry (NsCatalog   *catalog,
                         const gchar *id)
{
  g_return_val_if_fail (catalog != NULL, NULL);

  for (guint i = 0; id && i < catalog->entries->len; i++)
    {
      const NsCatalogEntry *entry = g_ptr_array_index (catalog->entries, i);
      if (strcmp (entry->id, id) == 0)
        return entry;
    }
  return NULL;
}

static void
ml5_file_free (NsMl5File *file)
{
  g_free (file->name);
  g_free (file->sha256);
  g_free (file);
}

static gboolean
is_sha256 (const gchar *text)
{
  gsize n = 0;

  while (g_ascii_isxdigit (text[n]) && !g_ascii_isupper (text[n]))
    n++;
  return n == 64 && !text[n];
}

/* A file name ml5-files.sha256 may give: letters, digits, '_', '.' and
 * '-', not starting with '.' or '-'. */
static gboolean
is_ml5_file_name (const gchar *name)
{
  if (!g_ascii_isalnum (*name) && *name != '_')
    return FALSE;
  for (const gchar *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("_.-", *c))
      return FALSE;
  return TRUE;
}

/* One line "<sha256>  <bytes>  <folder>/<file>"; NULL if malformed.
 * (transfer full) */
static NsMl5File *
parse_ml5_line (const gchar  *line,
                gchar       **folder)
{
  g_auto (GStrv) fields = g_strsplit_set (line, " \t\r", -1);
  const gchar *field[3];
  guint n = 0;
  guint64 size;
  const gchar *slash;
  NsMl5File *file;

  for (gchar **f = fields; *f; f++)
    if (**f)
      {
        if (n == 3)
          return NULL;
        field[n++] = *f;
      }
  if (n != 3 || !is_sha256 (field[0])
      || !g_ascii_string_to_unsigned (field[1], 10, 1, ML5_FILE_MAX_SIZE, &size, NULL)
      || !(slash = strchr (field[2], '/')) || slash == field[2]
      || !is_ml5_file_name (slash + 1))
    return NULL;

  file = g_new0 (NsMl5File, 1);
  file->name = g_strdup (slash + 1);
  file->sha256 = g_strdup (field[0]);
  file->size = (gint64) size;
  *folder = g_strndup (field[2], slash - field[2]);
  return file;
}

GPtrArray *
ns_catalog_ml5_files (NsCatalog    *catalog,
                      const gchar  *folder,
                      GError      **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ml5_file_free);
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *data = NULL;
  g_auto (GStrv) lines = NULL;
  gsize length = 0;

  g_return_val_if_fail (catalog != NULL && folder != NULL, NULL);

  if (!catalog->catalog_file)
    return g_steal_pointer (&files);
  dir = g_path_get_dirname (catalog->catalog_file);
  path = g_build_filename (dir, ML5_SUMS_FILE, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&files);
  data = read_regular_file (path, CATALOG_MAX_SIZE, &length, error);
  if (!data)
    {
      g_prefix_error (error, _("'%s' cannot be read: "), path);
      return NULL;
    }

  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree gchar *its_folder = NULL;
      NsMl5File *file;

      if (!*g_strstrip (lines[i]) || *lines[i] == '#')
        continue;
      file = parse_ml5_line (lines[i], &its_folder);
      if (!file)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("'%s', line %u, is not \"<sha256>  <bytes>  <folder>/<file>\""),
                       path, i + 1);
          return NULL;
        }
      if (strcmp (its_folder, folder) == 0)
        g_ptr_array_add (files, file);
      else
        ml5_file_free (file);
    }
  return g_steal_pointer (&files);
}

const NsStyle *
ns_catalog_default_style (NsCatalog *catalog)
{
  g_return_val_if_fail (catalog != NULL, NULL);

  for (guint i = 0; i < catalog->styles->len; i++)
    {
      const NsStyle *style = g_ptr_array_index (catalog->styles, i);
      if (style->path)
        return style;
    }
  return NULL;
}

static gchar *
installed_ids (NsCatalog *catalog)
{
  g_autoptr (GPtrArray) installed = ns_catalog_get_installed (catalog);
  g_autoptr (GString) ids = g_string_new (NULL);

  for (guint i = 0; i < installed->len; i++)
    {
      const NsStyle *style = g_ptr_array_index (installed, i);
      g_string_append_printf (ids, "%s%s", i ? ", " : "", style->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
set_not_installed (const NsStyle  *style,
                   GError        **error)
{
  if (style->kind == NS_STYLE_KIND_NETWORK && !is_plain_file_name (style->file))
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                 _("Style '%s' cannot be installed: the style catalog gives it the file name "
                   "'%s', which is not a plain file name"),
                 style->id, style->file ? style->file : "");
  else if (style->kind != NS_STYLE_KIND_NETWORK && !style->in_catalog)
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                 _("Style '%s' needs Magenta's style networks, which are not installed. "
                   "Install them with '%s %s'"),
                 style->id, FETCH_COMMAND, MAGENTA_FETCH_IDS);
  else
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                 _("Style '%s' is not installed. Install it with '%s %s'"),
                 style->id, FETCH_COMMAND, style->id);
}

const NsStyle *
ns_catalog_find_installed (NsCatalog    *catalog,
                           const gchar  *id,
                           GError      **error)
{
  const NsStyle *style;

  g_return_val_if_fail (catalog != NULL, NULL);

  if (!id || !*id)
    {
      style = ns_catalog_default_style (catalog);
      if (!style)
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                     _("No style model is installed. Install them with '%s' "
                       "(or '%s --from FOLDER' on a machine without internet)"),
                     FETCH_COMMAND, FETCH_COMMAND);
      return style;
    }

  style = ns_catalog_lookup (catalog, id);
  if (!style)
    {
      g_autofree gchar *ids = installed_ids (catalog);
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_UNKNOWN_STYLE,
                   _("Unknown style '%s' (installed styles: %s)"),
                   id, *ids ? ids : _("none"));
      return NULL;
    }
  if (!style->path)
    {
      set_not_installed (style, error);
      return NULL;
    }
  return style;
}

gchar *
ns_style_describe (const NsStyle *style)
{
  g_return_val_if_fail (style != NULL, NULL);

  if (style->artist)
    /* TRANSLATORS: a painting's title and its artist */
    return g_strdup_printf (_("%s (%s)"), style->title, style->artist);
  return g_strdup (style->title);
}

static gboolean
check_size (const NsStyle *style,
            GError       **error)
{
  GStatBuf st;
  g_autofree gchar *have = NULL;
  g_autofree gchar *want = NULL;

  if (style->size <= 0 || g_stat (style->path, &st) != 0 || st.st_size == style->size)
    return TRUE;

  have = g_format_size (st.st_size);
  want = g_format_size (style->size);
  if (st.st_size < style->size)
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                 _("Model file '%s' is truncated (%s of %s); install it again with '%s %s'"),
                 style->path, have, want, FETCH_COMMAND, style->id);
  else
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                 _("Model file '%s' has the wrong size (%s, expected %s); "
                   "install it again with '%s %s'"),
                 style->path, have, want, FETCH_COMMAND, style->id);
  return FALSE;
}

static NsEngine *engine_for_arbitrary_style (const NsStyle *style, GError **error);

NsEngine *
ns_engine_new_for_style (const NsStyle *style,
                         GError       **error)
{
  g_return_val_if_fail (style != NULL, NULL);

  if (style->kind != NS_STYLE_KIND_NETWORK)
    return engine_for_arbitrary_style (style, error);
  if (!style->path)
    {
      set_not_installed (style, error);
      return NULL;
    }
  if (!check_size (style, error))
    return NULL;
  return ns_engine_new (style->path, style->convention, error);
}

/* Arbitrary styles: Magenta's networks, vector presets, saved styles and
 * pictures. */

/* The group of a saved "<id>.style" file. */
#define SAVED_STYLE_GROUP "Neural Style"
#define SAVED_STYLE_SUFFIX ".style"

/* NS_STYLE_VECTOR_SIZE finite numbers separated by ';'.  (transfer full) */
static gfloat *
parse_vector (const gchar  *text,
              GError      **error)
{
  g_auto (GStrv) numbers = g_strsplit (text ? text : "", ";", -1);
  g_autofree gfloat *vector = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  guint n = 0;

  for (gchar **number = numbers; *number; number++)
    {
      gchar *end = NULL;
      gdouble value;

      g_strstrip (*number);
      if (!**number && !number[1])
        break; /* a trailing ';' */
      value = g_ascii_strtod (*number, &end);
      if (!**number || *end || !isfinite (value) || fabs (value) > G_MAXFLOAT)
        {
          g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                       _("its style vector holds '%s', which is not a number"), *number);
          return NULL;
        }
      if (fabs (value) > NS_STYLE_VECTOR_LIMIT)
        {
          g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                       _("its style vector holds %g, far outside the range of real style "
                         "vectors (-%g to %g)"),
                       value, NS_STYLE_VECTOR_LIMIT, NS_STYLE_VECTOR_LIMIT);
          return NULL;
        }
      if (n < NS_STYLE_VECTOR_SIZE)
        vector[n] = (gfloat) value;
      n++;
    }
  if (n != NS_STYLE_VECTOR_SIZE)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                   _("its style vector has %u numbers instead of %d"), n, NS_STYLE_VECTOR_SIZE);
      return NULL;
    }
  return g_steal_pointer (&vector);
}

/* A preset's vector; a broken one stays NULL and using it says why. */
static void
read_vector_preset (NsStyle     *style,
                    GKeyFile    *keys,
                    const gchar *group)
{
  g_autofree gchar *text = get_string (keys, group, "vector");

  style->kind = NS_STYLE_KIND_VECTOR;
  style->convention = NS_CONVENTION_UNIT;
  style->vector = parse_vector (text, NULL);
}

/* A saved style file, as a style (kind vector; its path set later).
 * (transfer full) */
static NsStyle *
load_saved_style (const gchar  *path,
                  GError      **error)
{
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autofree gchar *name = g_path_get_basename (path);
  g_autofree gchar *text = NULL;
  NsStyle *style;

  if (!load_key_file (keys, path, SAVED_STYLE_MAX_SIZE, error))
    return NULL;
  text = g_key_file_get_string (keys, SAVED_STYLE_GROUP, "vector", error);
  if (!text)
    return NULL;

  style = g_new0 (NsStyle, 1);
  style->vector = parse_vector (text, error);
  if (!style->vector)
    {
      ns_style_free (style);
      return NULL;
    }
  style->id = g_strndup (name, strlen (name) - strlen (SAVED_STYLE_SUFFIX));
  style->title = get_string (keys, SAVED_STYLE_GROUP, "title");
  if (!style->title)
    style->title = g_strdup (style->id);
  /* The picture it came from, if known, where a network's artist goes. */
  style->artist = get_string (keys, SAVED_STYLE_GROUP, "picture");
  style->file = g_strdup (path);
  style->format = g_strdup ("style");
  style->kind = NS_STYLE_KIND_VECTOR;
  style->convention = NS_CONVENTION_UNIT;
  return style;
}

static gboolean
is_saved_style (const gchar *dir,
                const gchar *name)
{
  (void) dir;
  return g_str_has_suffix (name, SAVED_STYLE_SUFFIX)
         && strlen (name) > strlen (SAVED_STYLE_SUFFIX);
}

/* Styles users saved ("<id>.style") on the search path.  A file that
 * cannot be read is still listed, with no vector: using it says what is
 * wrong with it, rather than the style silently vanishing. */
static void
add_saved_styles (NsCatalog           *catalog,
                  const gchar * const *search_path)
{
  for (const gchar * const *dir = search_path; *dir; dir++)
    {
      g_autoptr (GPtrArray) names = sorted_names (*dir, is_saved_style);

      for (guint i = 0; i < names->len; i++)
        {
          const gchar *file = g_ptr_array_index (names, i);
          g_autofree gchar *path = g_build_filename (*dir, file, NULL);
          g_autofree gchar *id = g_strndup (file, strlen (file) - strlen (SAVED_STYLE_SUFFIX));
          NsStyle *style;

          if (ns_catalog_lookup (catalog, id))
            continue;
          style = load_saved_style (path, NULL);
          if (!style)
            {
              style = g_new0 (NsStyle, 1);
              style->id = g_strdup (id);
              style->title = g_strdup (id);
              style->file = g_strdup (path);
              style->format = g_strdup ("style");
              style->kind = NS_STYLE_KIND_VECTOR;
              style->convention = NS_CONVENTION_UNIT;
            }
          g_ptr_array_add (catalog->styles, style);
        }
    }
}

static void
set_magenta_paths (NsCatalog *catalog,
                   NsStyle   *style)
{
  g_free (style->transfer_path);
  g_free (style->prediction_path);
  style->transfer_path = g_strdup (catalog->transfer_path);
  style->prediction_path = g_strdup (catalog->prediction_path);
  if (style->kind == NS_STYLE_KIND_VECTOR)
    {
      g_free (style->path);
      style->path = g_strdup (catalog->transfer_path);
    }
}

/* The installed transfer network (fp16, else int8) and prediction network;
 * vector styles are installed when the transfer network is. */
static void
find_magenta_networks (NsCatalog *catalog)
{
  static const gchar *const transfer_ids[] = { "magenta-transfer", "magenta-transfer-int8" };
  const NsStyle *prediction = ns_catalog_lookup_network (catalog, "magenta-prediction");

  for (guint k = 0; k < G_N_ELEMENTS (transfer_ids) && !catalog->transfer_path; k++)
    {
      const NsStyle *transfer = ns_catalog_lookup_network (catalog, transfer_ids[k]);
      catalog->transfer_path = transfer ? g_strdup (transfer->path) : NULL;
    }
  catalog->prediction_path = prediction ? g_strdup (prediction->path) : NULL;

  for (guint i = 0; i < catalog->styles->len; i++)
    {
      NsStyle *style = g_ptr_array_index (catalog->styles, i);
      if (style->kind == NS_STYLE_KIND_VECTOR)
        set_magenta_paths (catalog, style);
    }
}

static NsEngine *
engine_for_arbitrary_style (const NsStyle  *style,
                            GError        **error)
{
  g_autoptr (NsEngine) engine = NULL;
  g_autoptr (GError) why = NULL;
  gfloat vector[NS_STYLE_VECTOR_SIZE];

  if (style->kind == NS_STYLE_KIND_VECTOR && !style->vector)
    {
      g_autoptr (NsStyle) again = NULL;

      if (style->in_catalog)
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                     _("Style '%s' has no valid style vector in the style catalog"), style->id);
      else if (!(again = load_saved_style (style->file, &why)))
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                     _("Saved style '%s' is corrupt (%s): %s; delete it and save the style again"),
                     style->id, style->file, why->message);
      else
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT,
                     _("Saved style '%s' changed since the styles were listed"), style->id);
      return NULL;
    }
  if (!style->transfer_path || (style->kind == NS_STYLE_KIND_PICTURE && !style->prediction_path))
    {
      set_not_installed (style, error);
      return NULL;
    }

  engine = ns_engine_new_arbitrary (style->transfer_path, style->prediction_path, error);
  if (!engine)
    return NULL;
  /* A picture whose vector is known (ns_style_get_vector()) is not
   * predicted again. */
  if (!style->vector && !ns_engine_predict_style_file (engine, style->path, vector, error))
    return NULL;
  if (!ns_engine_set_style_vector (engine, style->vector ? style->vector : vector, error))
    return NULL;
  return g_steal_pointer (&engine);
}

gboolean
ns_style_get_vector (const NsStyle  *style,
                     gfloat         *vector,
                     GError        **error)
{
  g_autoptr (NsEngine) engine = NULL;

  g_return_val_if_fail (style != NULL && vector != NULL, FALSE);

  if (style->kind == NS_STYLE_KIND_NETWORK)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Style '%s' is a trained network: it has no style vector to mix or save; "
                     "only pictures, layers and Magenta's styles have one"),
                   style->id);
      return FALSE;
    }
  if (style->vector)
    {
      memcpy (vector, style->vector, NS_STYLE_VECTOR_SIZE * sizeof (gfloat));
      return TRUE;
    }
  if (style->kind != NS_STYLE_KIND_PICTURE || !style->transfer_path || !style->prediction_path)
    {
      /* Says what is missing or wrong. */
      engine = ns_engine_new_for_style (style, error);
      return FALSE;
    }
  engine = ns_engine_new_arbitrary (style->transfer_path, style->prediction_path, error);
  return engine && ns_engine_predict_style_file (engine, style->path, vector, error);
}

NsStyle *
ns_style_mix (const NsStyle  *first,
              const NsStyle  *second,
              gdouble         mix,
              GError        **error)
{
  g_autofree gfloat *a = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  g_autofree gfloat *b = g_new (gfloat, NS_STYLE_VECTOR_SIZE);
  const gint percent = (gint) lround (mix * 100.0);
  NsStyle *style;

  g_return_val_if_fail (first != NULL && second != NULL, NULL);

  if (!(mix >= 0.0 && mix <= 1.0))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("The mix must be between 0 and 1, not %g"), mix);
      return NULL;
    }
  if (!ns_style_get_vector (first, a, error) || !ns_style_get_vector (second, b, error))
    return NULL;
  for (guint i = 0; i < NS_STYLE_VECTOR_SIZE; i++)
    a[i] = (gfloat) ((1.0 - mix) * a[i] + mix * b[i]);

  style = g_new0 (NsStyle, 1);
  style->id = g_strdup_printf ("%s+%s", first->id, second->id);
  /* TRANSLATORS: two styles mixed: "The Starry Night 70 % + The Great
   * Wave off Kanagawa 30 %" */
  style->title = g_strdup_printf (_("%s %d %% + %s %d %%"), first->title, 100 - percent,
                                  second->title, percent);
  style->format = g_strdup (NS_STYLE_MIX_FORMAT);
  style->convention = NS_CONVENTION_UNIT;
  style->kind = NS_STYLE_KIND_VECTOR;
  style->transfer_path = g_strdup (first->transfer_path);
  style->prediction_path = g_strdup (first->prediction_path);
  style->path = g_strdup (first->transfer_path);
  style->vector = g_steal_pointer (&a);
  return style;
}

static gboolean
is_picture_name (const gchar *name)
{
  static const gchar *const extensions[] = { ".png", ".jpg", ".jpeg", ".tif", ".tiff" };
  g_autofree gchar *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

NsStyle *
ns_catalog_resolve (NsCatalog   *catalog,
                    const gchar *id_or_path,
                    GError     **error)
{
  const NsStyle *found;
  NsStyle *style;

  g_return_val_if_fail (catalog != NULL, NULL);

  /* A picture file is the picture even where a style has its name (an
   * older saved style could be called "chelsea.png"). */
  if (!id_or_path || !*id_or_path
      || (ns_catalog_lookup (catalog, id_or_path)
          && !(is_picture_name (id_or_path) && g_file_test (id_or_path, G_FILE_TEST_EXISTS)))
      || (!g_file_test (id_or_path, G_FILE_TEST_EXISTS)
          && !strchr (id_or_path, G_DIR_SEPARATOR) && !is_picture_name (id_or_path)))
    {
      found = ns_catalog_find_installed (catalog, id_or_path, error);
      return found ? ns_style_copy (found) : NULL;
    }
  if (!g_file_test (id_or_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                   _("Picture '%s' does not exist"), id_or_path);
      return NULL;
    }

  style = g_new0 (NsStyle, 1);
  style->id = g_strdup (id_or_path);
  style->title = g_path_get_basename (id_or_path);
  style->file = g_strdup (style->title);
  style->format = g_strdup ("picture");
  style->convention = NS_CONVENTION_UNIT;
  style->path = g_strdup (id_or_path);
  style->kind = NS_STYLE_KIND_PICTURE;
  set_magenta_paths (catalog, style);
  return style;
}

static gboolean
valid_style_id (const gchar *id)
{
  if (!id || !g_ascii_isalnum (*id) || strlen (id) > 64)
    return FALSE;
  for (const gchar *c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("-_.", *c))
      return FALSE;
  return TRUE;
}

/* An id ending like a picture or model file ("chelsea.png") would take
 * the place of that file for --style. */
static gboolean
looks_like_file_name (const gchar *id)
{
  static const gchar *const extensions[] = { ".onnx", ".t7", ".tflite", SAVED_STYLE_SUFFIX };
  g_autofree gchar *lower = g_ascii_strdown (id, -1);

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return is_picture_name (id);
}

/* The id of a style of @catalog that is @id, or @id but for case, or of a
 * saved style file in @dir that is @id but for case: two such ids would
 * be confused (and are one file on some file systems).  (transfer full)
 * NULL if there is none. */
static gchar *
taken_id (NsCatalog   *catalog,
          const gchar *dir,
          const gchar *id)
{
  GPtrArray *lists[] = { catalog->styles, catalog->networks };
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gsize length = strlen (id);
  const gchar *name;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const NsStyle *style = g_ptr_array_index (lists[l], i);
        if (g_ascii_strcasecmp (style->id, id) == 0)
          return g_strdup (style->id);
      }
  /* The file of @id itself is refused by create_new_file(), atomically. */
  while (d && (name = g_dir_read_name (d)))
    if (g_ascii_strncasecmp (name, id, length) == 0 && strncmp (name, id, length) != 0
        && strcmp (name + length, SAVED_STYLE_SUFFIX) == 0)
      return g_strndup (name, length);
  return NULL;
}

static void
set_id_taken (const gchar  *id,
              const gchar  *taken,
              GError      **error)
{
  if (strcmp (id, taken) == 0)
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                 _("A style named '%s' already exists; choose another id"), id);
  else
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                 _("A style named '%s' already exists, and '%s' differs from it only in case; "
                   "choose another id"), taken, id);
}

static gboolean
write_all (int           fd,
           const gchar  *data,
           gsize         length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* Makes @path, which must not exist, holding @data, as one step: written
 * under a temporary name in @dir, then linked to @path, which fails if
 * @path exists.  Of two processes saving the same id at once one wins
 * and the other is told so; no reader sees the file half written.  Where
 * the file system has no hard links, an exclusive create does the same
 * but for that last point.  Sets errno (EEXIST: @path exists). */
static gboolean
create_new_file (const gchar *dir,
                 const gchar *path,
                 const gchar *data,
                 gsize        length)
{
  g_autofree gchar *temp = g_build_filename (dir, ".saving-XXXXXX", NULL);
  int fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0644);
  gboolean linked;
  int saved;

  if (fd < 0)
    return FALSE;
  if (!write_all (fd, data, length) || fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      g_unlink (temp);
      errno = saved;
      return FALSE;
    }
  close (fd);
  linked = link (temp, path) == 0;
  saved = errno;
  g_unlink (temp);
  if (linked || saved == EEXIST)
    {
      errno = saved;
      return linked;
    }

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return FALSE;
  if (!write_all (fd, data, length))
    {
      saved = errno;
      close (fd);
      g_unlink (path);
      errno = saved;
      return FALSE;
    }
  return close (fd) == 0;
}

static gchar *
format_vector (const gfloat *vector)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gchar number[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
    g_string_append_printf (text, "%s%s", k ? ";" : "",
                            g_ascii_formatd (number, sizeof number, "%.9g", vector[k]));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gchar *
ns_catalog_save_style (NsCatalog    *catalog,
                       const gchar  *dir,
                       const gchar  *id,
                       const gchar  *title,
                       const gchar  *picture_name,
                       const gfloat *vector,
                       GError      **error)
{
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autofree gchar *user_dir = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *taken = NULL;
  gsize length;
  NsStyle *saved;

  g_return_val_if_fail (catalog != NULL && vector != NULL, NULL);

  if (!valid_style_id (id))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("'%s' cannot be a style id: use up to 64 letters, digits, '-', '_' "
                     "and '.', starting with a letter or digit"),
                   id ? id : "");
      return NULL;
    }
  if (looks_like_file_name (id))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("'%s' cannot be a style id: it looks like a file name (it ends in '%s')"),
                   id, strrchr (id, '.'));
      return NULL;
    }
  if (!dir)
    dir = user_dir = ns_catalog_user_model_dir ();
  file = g_strconcat (id, SAVED_STYLE_SUFFIX, NULL);
  path = g_build_filename (dir, file, NULL);
  taken = taken_id (catalog, dir, id);
  if (taken)
    {
      set_id_taken (id, taken, error);
      return NULL;
    }
  for (guint k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
    if (!isfinite (vector[k]))
      {
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                     _("Style vector number %u is not a finite number"), k + 1);
        return NULL;
      }
    else if (fabs (vector[k]) > NS_STYLE_VECTOR_LIMIT)
      {
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                     _("Style vector number %u is %g, far outside the range of real style "
                       "vectors (-%g to %g)"),
                     k + 1, vector[k], NS_STYLE_VECTOR_LIMIT, NS_STYLE_VECTOR_LIMIT);
        return NULL;
      }

  g_key_file_set_string (keys, SAVED_STYLE_GROUP, "title", title && *title ? title : id);
  if (picture_name)
    g_key_file_set_string (keys, SAVED_STYLE_GROUP, "picture", picture_name);
  text = format_vector (vector);
  g_key_file_set_string (keys, SAVED_STYLE_GROUP, "vector", text);
  data = g_key_file_to_data (keys, &length, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED,
                   _("Cannot save style '%s': cannot make folder '%s': %s"),
                   id, dir, g_strerror (errno));
      return NULL;
    }
  if (!create_new_file (dir, path, data, length))
    {
      if (errno == EEXIST)
        set_id_taken (id, id, error);
      else
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED,
                     _("Cannot save style '%s' as '%s': %s"), id, path, g_strerror (errno));
      return NULL;
    }

  /* From now on it is a style of this catalog too. */
  saved = load_saved_style (path, NULL);
  if (saved)
    {
      set_magenta_paths (catalog, saved);
      g_ptr_array_add (catalog->styles, saved);
    }
  return g_steal_pointer (&path);
}
