/* neural-style-fetch: installs the style models named in catalog.ini,
 * checked against the sizes and checksums the catalog pins (ns-fetch.c
 * does the work).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog-private.h"
#include "ns-fetch.h"

static gchar *prog;
static volatile sig_atomic_t stop_signal;
/* The progress line on a terminal. */
static gboolean show_progress;
static gint64 progress_shown;

static void
usage (void)
{
  printf (_("Usage: %s [OPTION]... [ID]...\n"
            "Install Neural Style models listed in the catalog, checking each file\n"
            "against the size and checksum the catalog pins.\n"
            "\n"
            "With no ID, install every freely licensed style that has a download URL\n"
            "and a pinned checksum, and the Magenta networks; with --from, every such\n"
            "style whose files are in DIR.  Styles whose licence restricts their use\n"
            "(noncommercial=true in the catalog) are installed only when named.\n"
            "\n"
            "  --from DIR      copy the model files from DIR instead of downloading them\n"
            "                  (an ml5 style: the folder DIR/ID/ of its published files,\n"
            "                  or its ONNX conversion DIR/ID.onnx)\n"
            "  --mirror URL    try this http(s) mirror before the catalog's URLs (also\n"
            "                  NEURAL_STYLE_MIRROR).  It is laid out like an installed\n"
            "                  model folder: URL/FILE for a single file, URL/FOLDER/FILE\n"
            "                  for each file of an ml5 style (FOLDER: its folder, e.g.\n"
            "                  wave), so a models folder served over HTTP is a mirror\n"
            "  --dest DIR      install into DIR (default:\n"
            "                  ${XDG_DATA_HOME:-$HOME/.local/share}/neural-style/models)\n"
            "  --catalog FILE  read the styles from FILE (default: the catalog.ini next\n"
            "                  to this program, else the installed one); the checksums of\n"
            "                  ml5 styles are read from ml5-files.sha256 next to it\n"
            "  --no-verify     allow a style whose checksum the catalog does not pin\n"
            "                  (installed unchecked); pinned checksums are always checked\n"
            "  --all           install every style of the catalog\n"
            "  --list          list the styles: installed or not, size, licence\n"
            "  --help          show this help and exit\n"
            "\n"
            "Each URL is tried in turn (the mirror first) until one gives the exact\n"
            "bytes the catalog pins; only http and https, and at most %d redirects.\n"
            "A download is abandoned when it has not connected, or has received no\n"
            "data, for NEURAL_STYLE_FETCH_TIMEOUT seconds (default %d); when it\n"
            "averages less than %d bytes a second over that many seconds; or when it\n"
            "takes longer than that many seconds plus one for every %d bytes of the\n"
            "file.  No more than the catalog's size of a file is ever read.  The usual\n"
            "proxy variables (https_proxy, http_proxy, no_proxy) are honoured.\n"
            "\n"
            "Exit status: 0 if every style asked for is installed, 1 if one failed,\n"
            "2 on bad usage.\n"),
          prog, NS_FETCH_MAX_REDIRECTS, NS_FETCH_DEFAULT_TIMEOUT, NS_FETCH_MIN_RATE,
          NS_FETCH_DEADLINE_RATE);
}

static void
error (const gchar *format,
       ...) G_GNUC_PRINTF (1, 2);

static void
error (const gchar *format,
       ...)
{
  va_list args;

  fflush (stdout);
  fprintf (stderr, "%s: ", prog);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
}

static G_GNUC_NORETURN void
usage_error (const gchar *text)
{
  error ("%s", text);
  fprintf (stderr, _("Try '%s --help'.\n"), prog);
  exit (2);
}

static void
clear_progress (void)
{
  if (progress_shown)
    fputs ("\r\033[K", stderr);
  progress_shown = 0;
}

static void
on_message (const gchar *text,
            gboolean     is_error,
            gpointer     user_data)
{
  (void) user_data;
  clear_progress ();
  if (is_error)
    error ("%s", text);
  else
    {
      puts (text);
      fflush (stdout);
    }
}

static gboolean
on_progress (const gchar *id,
             guint64      done,
             guint64      total,
             gpointer     user_data)
{
  const gint64 now = g_get_monotonic_time ();

  (void) user_data;
  if (show_progress && now - progress_shown > G_USEC_PER_SEC / 4)
    {
      g_autofree gchar *have = g_format_size (done);
      g_autofree gchar *all = total ? g_format_size (total) : g_strdup ("?");

      fprintf (stderr, "\r\033[K%s: %s of %s", id, have, all);
      progress_shown = now;
    }
  return !stop_signal;
}

static void
on_signal (int number)
{
  stop_signal = number;
}

static void
list_styles (NsFetch *fetch)
{
  static const gchar *format = "%-26s %-16s %8s  %-13s  %-48s  %s\n";
  GPtrArray *entries = ns_catalog_get_entries (ns_fetch_get_catalog (fetch));

  printf (format, "ID", "INSTALLED", "SIZE", "TERMS", "TITLE", "LICENCE");
  for (guint i = 0; i < entries->len; i++)
    {
      const NsCatalogEntry *entry = g_ptr_array_index (entries, i);
      const guint64 bytes = ns_fetch_style_bytes (fetch, entry->id);
      g_autofree gchar *size = bytes ? g_strdup_printf ("%.1f MB", bytes / 1e6) : g_strdup ("?");
      g_autofree gchar *title = entry->artist ? g_strdup_printf ("%s (%s)", entry->title, entry->artist)
                                              : g_strdup (entry->title);

      printf (format, entry->id, ns_fetch_install_state (fetch, entry->id), size,
              entry->noncommercial ? "noncommercial" : "free", title,
              entry->license ? entry->license : "?");
    }
}

/* The catalog.ini next to this program (a build tree), in its
 * share/neural-style folder, or the one installed with it.  (transfer
 * full) NULL if none. */
static gchar *
find_catalog (void)
{
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *here = self ? g_path_get_dirname (self) : NULL;
  gchar *candidates[] = {
    here ? g_build_filename (here, "catalog.ini", NULL) : NULL,
    here ? g_build_filename (here, "..", "share", "neural-style", "catalog.ini", NULL) : NULL,
    g_build_filename (NS_DATADIR, "catalog.ini", NULL),
  };
  gchar *found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      if (!found && candidates[i] && g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
        found = g_steal_pointer (&candidates[i]);
      g_free (candidates[i]);
    }
  return found;
}

/* NEURAL_STYLE_FETCH_TIMEOUT, checked. */
static guint
timeout_from_env (void)
{
  const gchar *text = g_getenv ("NEURAL_STYLE_FETCH_TIMEOUT");
  guint64 seconds;

  if (!text || !*text)
    return NS_FETCH_DEFAULT_TIMEOUT;
  if (!ns_fetch_parse_timeout (text, &seconds))
    {
      g_autofree gchar *message =
        g_strdup_printf (_("NEURAL_STYLE_FETCH_TIMEOUT must be a whole number of seconds, not '%s'"),
                         text);
      usage_error (message);
    }
  return (guint) seconds;
}

static gchar *
default_dest (void)
{
  const gchar *data = g_getenv ("XDG_DATA_HOME");
  const gchar *home = g_getenv ("HOME");

  if (data && *data)
    return g_build_filename (data, "neural-style", "models", NULL);
  if (!home || !*home)
    usage_error (_("neither XDG_DATA_HOME nor HOME is set: use --dest DIR"));
  return g_build_filename (home, ".local", "share", "neural-style", "models", NULL);
}

typedef enum
{
  INSTALL,
  INSTALL_ALL,
  LIST
} Action;

int
main (int    argc,
      char **argv)
{
  g_autoptr (NsFetch) fetch = NULL;
  g_autoptr (GError) why = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_auto (GStrv) default_ids = NULL;
  g_autofree gchar *catalog = NULL;
  g_autofree gchar *dest = NULL;
  const gchar *from = NULL, *mirror = g_getenv ("NEURAL_STYLE_MIRROR");
  NsFetchOptions options = { 0 };
  Action action = INSTALL;
  gboolean no_verify = FALSE;
  int status = 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  prog = g_path_get_basename (argc > 0 ? argv[0] : "neural-style-fetch");

  for (int i = 1; i < argc; i++)
    {
      const gchar *arg = argv[i];
      static const gchar *const valued[] = { "--from", "--dest", "--catalog", "--mirror" };
      const gchar **slot[] = { &from, (const gchar **) &dest, (const gchar **) &catalog, &mirror };
      gboolean taken = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (valued) && !taken; k++)
        {
          const gsize length = strlen (valued[k]);
          const gchar *value = NULL;

          if (strcmp (arg, valued[k]) == 0)
            {
              if (i + 1 >= argc)
                {
                  g_autofree gchar *message =
                    g_strdup_printf (_("option '%s' needs an argument"), arg);
                  usage_error (message);
                }
              value = argv[++i];
            }
          else if (strncmp (arg, valued[k], length) == 0 && arg[length] == '=')
            value = arg + length + 1;
          if (value)
            {
              *slot[k] = value;
              taken = TRUE;
            }
        }
      if (taken)
        continue;
      if (strcmp (arg, "--no-verify") == 0)
        no_verify = TRUE;
      else if (strcmp (arg, "--all") == 0)
        action = INSTALL_ALL;
      else if (strcmp (arg, "--list") == 0)
        action = LIST;
      else if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0)
        {
          usage ();
          return 0;
        }
      else if (strcmp (arg, "--") == 0)
        {
          while (++i < argc)
            g_ptr_array_add (ids, argv[i]);
        }
      else if (*arg == '-')
        {
          g_autofree gchar *message = g_strdup_printf (_("unknown option '%s'"), arg);
          usage_error (message);
        }
      else
        g_ptr_array_add (ids, argv[i]);
    }
  /* dest and catalog point into argv until here. */
  dest = g_strdup (dest);
  catalog = g_strdup (catalog);

  if (catalog && !g_file_test (catalog, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree gchar *message = g_strdup_printf (_("cannot read the catalog '%s'"), catalog);
      usage_error (message);
    }
  if (!catalog && !(catalog = find_catalog ()))
    {
      error (_("no catalog.ini next to %s nor in its share/neural-style folder; name one "
               "with --catalog FILE"), argv[0]);
      return 1;
    }
  options.catalog_file = catalog;
  options.timeout = timeout_from_env ();
  if (!dest)
    dest = default_dest ();
  options.dest = dest;
  options.mirror = mirror;
  options.from = from;
  options.no_verify = no_verify;
  options.message = on_message;
  options.progress = on_progress;
  fetch = ns_fetch_new (&options, &why);
  if (!fetch && g_error_matches (why, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION))
    usage_error (why->message);
  if (!fetch)
    {
      error ("%s", why->message);
      return 1;
    }

  if (action == LIST)
    {
      if (ids->len)
        usage_error (_("--list takes no style id"));
      list_styles (fetch);
      return 0;
    }
  if (action == INSTALL_ALL && ids->len)
    usage_error (_("--all takes no style id"));
  if (!ids->len)
    {
      default_ids = ns_fetch_default_ids (fetch, action == INSTALL_ALL);
      for (gchar **id = default_ids; *id; id++)
        g_ptr_array_add (ids, *id);
      if (!ids->len)
        {
          if (from)
            error (_("no file of the catalog's styles is in %s"), from);
          else
            error (_("no style of the catalog has both a URL and a pinned checksum"));
          return 1;
        }
    }

  show_progress = isatty (STDERR_FILENO);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
  for (guint i = 0; i < ids->len && !stop_signal; i++)
    {
      g_autoptr (GError) failed = NULL;
      const gchar *id = g_ptr_array_index (ids, i);
      gboolean named_before = FALSE;

      for (guint k = 0; k < i; k++)
        named_before |= strcmp (g_ptr_array_index (ids, k), id) == 0;
      if (!named_before && !ns_fetch_install (fetch, id, &failed))
        status = 1;
      clear_progress ();
    }
  if (stop_signal)
    return 128 + stop_signal;
  return status;
}
