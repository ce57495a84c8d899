/* test-download.c: the dialogs' Download button's code
 * (plugin/common/ns-download), downloading real models from a real HTTP
 * server on 127.0.0.1 (tests/models/http-server.py) into a fresh model
 * folder: progress, each style as it comes in with the catalog read
 * again, the row of the style chooser coming alive with its swatch
 * painted, "Download all free styles", a preset whose one network is in
 * already, cancel, failures in words, and a catalog that cannot be read
 * when the download starts or after a style is in.  Every proxy variable
 * points at a closed port: nothing leaves the machine.
 *
 * The catalog is the project's, cut down to what ../shared holds: the
 * Magenta networks, two of their presets, the ml5 styles mathura (MIT) and
 * wave (research use only).
 */
#define _GNU_SOURCE /* symlink, kill */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"

#include "ns-download.h"
#include "ns-fetch.h"
#include "ns-swatch.h"

static gchar *tmp_dir;
static gchar *shared_dir;
static gchar *models_dir;   /* the destination: $XDG_DATA_HOME's */
static gchar *catalog_file;
static gchar *base_url;     /* http://127.0.0.1:PORT/ */

static const gchar *const kept[] = {
  "magenta-prediction", "magenta-transfer", "starry-night", "great-wave", "mathura", "wave",
};

/* The server */

static GPid server_pid;

/* The server goes when the test does, however it ends. */
static void
server_setup (gpointer user_data)
{
  (void) user_data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
server_start (const gchar *server)
{
  g_autofree gchar *www = g_build_filename (tmp_dir, "www", NULL);
  g_autofree gchar *port_file = g_build_filename (tmp_dir, "port", NULL);
  g_autofree gchar *log_file = g_build_filename (tmp_dir, "server.log", NULL);
  g_autofree gchar *magenta = g_build_filename (shared_dir, "models", "magenta", NULL);
  g_autofree gchar *bad = g_build_filename (www, "bad", NULL);
  const gchar      *argv[] = { "python3", server, www, port_file, log_file, NULL };
  g_autoptr (GDir)  dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *port = NULL;
  const gchar      *name;

  g_assert_cmpint (g_mkdir_with_parents (bad, 0700), ==, 0);
  dir = g_dir_open (magenta, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree gchar *from = g_build_filename (magenta, name, NULL);
      g_autofree gchar *to = g_build_filename (www, name, NULL);
      g_autofree gchar *data = NULL;
      g_autofree gchar *broken = g_build_filename (bad, name, NULL);
      gsize             size;

      g_assert_cmpint (symlink (from, to), ==, 0);
      /* bad/: the same files, one byte changed. */
      g_assert_true (g_file_get_contents (from, &data, &size, NULL));
      data[size / 2] ^= 0xff;
      g_assert_true (g_file_set_contents (broken, data, size, NULL));
    }
  for (guint i = 0; i < 2; i++)
    {
      const gchar      *style = i ? "wave" : "mathura";
      g_autofree gchar *from = g_build_filename (shared_dir, "ml5", style, NULL);
      g_autofree gchar *to = g_build_filename (www, style, NULL);

      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  /* bad/wave/: wave's files, one of them with a byte changed. */
  {
    g_autofree gchar *from_dir = g_build_filename (shared_dir, "ml5", "wave", NULL);
    g_autofree gchar *to_dir = g_build_filename (bad, "wave", NULL);
    g_autoptr (GDir)  wave = g_dir_open (from_dir, 0, NULL);

    g_assert_nonnull (wave);
    g_assert_cmpint (g_mkdir (to_dir, 0700), ==, 0);
    while ((name = g_dir_read_name (wave)))
      {
        g_autofree gchar *from = g_build_filename (from_dir, name, NULL);
        g_autofree gchar *to = g_build_filename (to_dir, name, NULL);
        g_autofree gchar *data = NULL;
        gsize             size;

        g_assert_true (g_file_get_contents (from, &data, &size, NULL));
        if (strcmp (name, "Variable_12") == 0)
          data[size / 2] ^= 0xff;
        g_assert_true (g_file_set_contents (to, data, size, NULL));
      }
  }

  g_spawn_async (NULL, (gchar **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                 | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 server_setup, NULL, &server_pid, &error);
  g_assert_no_error (error);
  for (gint i = 0; i < 500 && ! g_file_test (port_file, G_FILE_TEST_EXISTS); i++)
    g_usleep (20000);
  g_assert_true (g_file_get_contents (port_file, &port, NULL, NULL));
  base_url = g_strdup_printf ("http://127.0.0.1:%d/", atoi (port));
}

/* The catalog: the project's, cut down.  Its ml5 checksums go beside it. */
static void
catalog_make (void)
{
  const gchar      *source = g_getenv ("NEURAL_STYLE_CATALOG");
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (tmp_dir, "catalog", NULL);
  g_autofree gchar *source_dir = g_path_get_dirname (source);
  g_autofree gchar *sums_from = g_build_filename (source_dir, "ml5-files.sha256", NULL);
  g_autofree gchar *sums_to = g_build_filename (dir, "ml5-files.sha256", NULL);
  g_autofree gchar *sums = NULL;
  g_auto (GStrv)    groups = NULL;

  g_assert_nonnull (source);
  g_key_file_load_from_file (keys, source, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  groups = g_key_file_get_groups (keys, NULL);
  for (guint i = 0; groups[i]; i++)
    if (! g_strv_contains (kept, groups[i]))
      g_key_file_remove_group (keys, groups[i], NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  catalog_file = g_build_filename (dir, "catalog.ini", NULL);
  g_key_file_save_to_file (keys, catalog_file, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (sums_from, &sums, NULL, NULL));
  g_assert_true (g_file_set_contents (sums_to, sums, -1, NULL));
  g_setenv ("NEURAL_STYLE_CATALOG", catalog_file, TRUE);
}

/* The catalog as the dialog sees it: the destination its only model
 * folder.  (transfer full) */
static NsCatalog *
catalog_open (void)
{
  const gchar *path[] = { models_dir, NULL };
  g_autoptr (GError) error = NULL;
  NsCatalog   *catalog = ns_catalog_new (catalog_file, path, &error);

  g_assert_no_error (error);
  return catalog;
}

/* The catalog: what it says, while a test breaks it. */
static gchar *catalog_text;

static void
catalog_break (void)
{
  g_assert_null (catalog_text);
  g_assert_true (g_file_get_contents (catalog_file, &catalog_text, NULL, NULL));
  g_assert_true (g_file_set_contents (catalog_file, "this is not a catalog\n", -1, NULL));
}

static void
catalog_restore (void)
{
  g_assert_true (g_file_set_contents (catalog_file, catalog_text, -1, NULL));
  g_clear_pointer (&catalog_text, g_free);
}

/* A download, and what it reported */

typedef struct
{
  NsDownload *download;
  gint        progress;       /* calls */
  gdouble     first_fraction; /* the first one known, or -1 */
  gdouble     last_fraction;
  gboolean    fraction_went_back;
  gchar      *text;           /* the progress text last read */
  gboolean    saw_of_total;   /* a text said "... MB of 3.3 MB" */
  const gchar *expect_total;  /* every "of N" should say this, or NULL */
  gchar      *wrong_total;    /* the first text that did not */
  GPtrArray  *installed;      /* ids, in order */
  gboolean    done;
  GError     *error;
  gboolean    cancel_at_progress;
  gboolean    break_catalog_at_progress;
  gint64      cancelled_at;
  gint64      done_at;
} Run;

static void
on_progress (NsDownload *download,
             gpointer    user_data)
{
  Run     *run = user_data;
  gdouble  fraction = ns_download_get_fraction (download);

  run->progress++;
  g_free (run->text);
  run->text = ns_download_get_text (download);
  if (g_regex_match_simple ("[0-9.]+\\s[kM]B of 3\\.3\\sMB$", run->text, 0, 0))
    run->saw_of_total = TRUE;
  if (run->expect_total && strstr (run->text, " of ")
      && ! g_str_has_suffix (run->text, run->expect_total) && ! run->wrong_total)
    run->wrong_total = g_strdup (run->text);
  if (fraction >= 0 && run->first_fraction < 0)
    run->first_fraction = fraction;
  if (fraction >= 0 && fraction < run->last_fraction && run->installed->len == 0)
    run->fraction_went_back = TRUE;
  run->last_fraction = MAX (fraction, run->last_fraction);
  if (run->cancel_at_progress && ! run->cancelled_at)
    {
      ns_download_cancel (download);
      run->cancelled_at = g_get_monotonic_time ();
    }
  /* The worker's downloader has read the catalog by now. */
  if (run->break_catalog_at_progress && ! catalog_text)
    catalog_break ();
}

static void
on_installed (NsDownload  *download,
              const gchar *id,
              NsCatalog   *catalog,
              gpointer     user_data)
{
  Run                  *run = user_data;
  g_autoptr (NsCatalog) taken = catalog;

  (void) download;
  /* The catalog as the dialog reads it, with the style in. */
  g_assert_nonnull (ns_catalog_lookup (taken, id));
  g_assert_nonnull (ns_catalog_lookup (taken, id)->path);
  g_ptr_array_add (run->installed, g_strdup (id));
  run->last_fraction = 0;
}

static void
on_done (NsDownload   *download,
         const GError *error,
         gpointer      user_data)
{
  Run *run = user_data;

  (void) download;
  g_assert_false (run->done);
  run->done = TRUE;
  run->done_at = g_get_monotonic_time ();
  run->error = error ? g_error_copy (error) : NULL;
}

static Run *
run_new (const gchar *mirror)
{
  Run              *run = g_new0 (Run, 1);
  g_autoptr (GError) error = NULL;

  g_setenv ("NEURAL_STYLE_MIRROR", mirror, TRUE);
  run->installed = g_ptr_array_new_with_free_func (g_free);
  run->first_fraction = -1;
  run->download = ns_download_new (on_progress, on_installed, on_done, run, &error);
  g_assert_no_error (error);
  return run;
}

static void
run_free (Run *run)
{
  ns_download_free (run->download);
  g_ptr_array_unref (run->installed);
  g_clear_error (&run->error);
  g_free (run->text);
  g_free (run->wrong_total);
  g_free (run);
}

/* Iterates the main loop until @run is done (at most @seconds). */
static void
run_wait (Run  *run,
          gint  seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (! run->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
  g_assert_true (run->done);
}

static gchar *
mirror_of (const gchar *kind)
{
  return g_strdup_printf ("%s%s/", base_url, kind);
}

/* Nothing of @id in the destination but the partial-files folder. */
static void
assert_absent (const gchar *name)
{
  g_autofree gchar *path = g_build_filename (models_dir, name, NULL);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Tests */

static void
test_terms (void)
{
  g_autofree gchar *mirror = mirror_of ("files");
  Run              *run = run_new (mirror);
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autofree gchar *license = NULL;

  g_assert_true (g_key_file_load_from_file (keys, catalog_file, G_KEY_FILE_NONE, NULL));
  license = g_key_file_get_string (keys, "wave", "license", NULL);
  /* The author's words, exactly; nothing for a free style. */
  g_assert_nonnull (strstr (license, "Contact me for commercial use"));
  g_assert_cmpstr (ns_download_terms (run->download, "wave"), ==, license);
  g_assert_null (ns_download_terms (run->download, "mathura"));
  g_assert_null (ns_download_terms (run->download, "starry-night"));
  /* The question above them: its author's terms, which may allow less
   * than all non-commercial use (wave's: research only). */
  {
    g_autofree gchar *question = ns_download_terms_question (run->download, "wave");

    g_assert_cmpstr (question, ==, "“The Great Wave off Kanagawa” may be used only as "
                                   "its author's terms allow");
  }
  /* The bytes a style costs: a preset, the networks it needs. */
  g_assert_cmpuint (ns_download_style_bytes (run->download, "starry-night"), ==,
                    422086 + 2828838);
  run_free (run);
}

static void
test_free_ids (void)
{
  g_autofree gchar *mirror = mirror_of ("files");
  Run              *run = run_new (mirror);
  g_autoptr (NsCatalog) catalog = catalog_open ();
  g_auto (GStrv)    ids = ns_download_free_ids (run->download, catalog);
  const gchar      *expected[] = { "starry-night", "great-wave", "mathura", NULL };

  /* Never the research-only wave, never a network by itself. */
  g_assert_cmpstrv (ids, expected);
  run_free (run);
}

static void
count_change (guint    index,
              gpointer user_data)
{
  (void) index;
  (*(gint *) user_data)++;
}

static void
test_one_style (void)
{
  g_autofree gchar *mirror = mirror_of ("files");
  Run              *run = run_new (mirror);
  g_autoptr (NsCatalog) before = catalog_open ();
  g_autoptr (NsCatalog) after = NULL;
  g_autofree gchar *photo = g_build_filename (shared_dir, "test-images", "chelsea.png", NULL);
  g_autoptr (NsSwatchSample) sample = ns_swatch_sample_new (photo, NULL);
  g_autoptr (NsSwatches) swatches = NULL;
  const gchar      *ids[] = { "starry-night", NULL };
  const NsSwatchRow *row;
  gint              changes = 0, index;
  gint64            end;

  swatches = ns_swatches_new (before, sample, count_change, &changes);
  index = ns_swatches_find (swatches, "starry-night");
  g_assert_cmpint (index, >=, 0);
  g_assert_false (ns_swatches_get_row (swatches, index)->installed);

  g_assert_true (ns_download_start (run->download, ids));
  g_assert_true (ns_download_is_running (run->download));
  /* One at a time. */
  g_assert_false (ns_download_start (run->download, ids));
  run_wait (run, 120);
  g_assert_no_error (run->error);
  g_assert_false (ns_download_is_running (run->download));
  g_assert_cmpuint (run->installed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (run->installed, 0), ==, "starry-night");
  g_assert_cmpint (run->progress, >, 0);
  g_assert_false (run->fraction_went_back);
  g_assert_nonnull (strstr (run->text, "The Starry Night"));
  g_test_message ("said: %s", run->text);
  g_assert_true (run->saw_of_total);

  /* The row comes alive and its swatch is painted. */
  after = catalog_open ();
  g_assert_nonnull (ns_catalog_lookup (after, "starry-night")->path);
  g_assert_cmpint (ns_swatches_set_installed (swatches, after, "starry-night"), ==, index);
  row = ns_swatches_get_row (swatches, index);
  g_assert_true (row->installed);
  g_assert_null (strstr (row->markup, "Not installed"));
  end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (! row->ready && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_true (row->ready);
  g_assert_null (row->error);
  g_assert_cmpint (changes, >=, 1);
  g_assert_cmpint (gdk_pixbuf_get_width (row->swatch), ==, NS_SWATCH_WIDTH);
  /* Not installed: nothing to do. */
  g_assert_cmpint (ns_swatches_set_installed (swatches, after, "wave"), ==, -1);
  run_free (run);
}

static void
test_all_free (void)
{
  g_autofree gchar *mirror = mirror_of ("files");
  Run              *run = run_new (mirror);
  g_autoptr (NsCatalog) catalog = catalog_open ();
  g_auto (GStrv)    ids = ns_download_free_ids (run->download, catalog);
  g_autoptr (NsCatalog) after = NULL;
  const gchar      *expected[] = { "mathura", NULL };

  /* The presets came in with starry-night's networks. */
  g_assert_cmpstrv (ids, expected);
  g_assert_true (ns_download_start (run->download, (const gchar * const *) ids));
  run_wait (run, 120);
  g_assert_no_error (run->error);
  g_assert_cmpuint (run->installed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (run->installed, 0), ==, "mathura");
  after = catalog_open ();
  g_assert_nonnull (ns_catalog_lookup (after, "mathura")->path);
  g_strfreev (g_steal_pointer (&ids));
  ids = ns_download_free_ids (run->download, after);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  run_free (run);
}

/* A preset needs two networks; with one in already, the other alone
 * downloads, and the bar counts only it: from 0 to its size. */
static void
test_preset_half_installed (void)
{
  g_autofree gchar *transfer = g_build_filename (models_dir,
                                                 "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite",
                                                 NULL);
  g_autofree gchar *mirror = mirror_of ("files");
  g_autofree gchar *size = ns_download_format_size (422086);
  g_autofree gchar *of_size = g_strdup_printf ("of %s", size);
  g_autofree gchar *text = g_strdup_printf ("Downloading “The Great Wave off Kanagawa”: %s of %s",
                                            size, size);
  const gchar      *ids[] = { "great-wave", NULL };
  Run              *run;

  /* A file one-style downloaded, never a link into ../shared. */
  g_assert_true (g_file_test (transfer, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (transfer, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpint (g_unlink (transfer), ==, 0);

  run = run_new (mirror);
  run->expect_total = of_size;
  g_assert_cmpuint (ns_download_style_bytes (run->download, "great-wave"), ==, 422086);
  g_assert_true (ns_download_start (run->download, ids));
  run_wait (run, 120);
  g_assert_no_error (run->error);
  g_assert_cmpuint (run->installed->len, ==, 1);
  g_test_message ("said: %s; first fraction %.3f", run->text, run->first_fraction);
  g_assert_null (run->wrong_total);
  g_assert_cmpstr (run->text, ==, text);
  g_assert_cmpfloat (run->first_fraction, ==, 0);
  g_assert_false (run->fraction_went_back);
  g_assert_true (g_file_test (transfer, G_FILE_TEST_IS_REGULAR));
  run_free (run);
}

static void
test_cancel (void)
{
  /* 2 bytes a second: it would take days. */
  g_autofree gchar *mirror = mirror_of ("trickle");
  Run              *run = run_new (mirror);
  const gchar      *ids[] = { "wave", NULL };
  g_autofree gchar *partial = g_build_filename (models_dir, ".partial", NULL);

  run->cancel_at_progress = TRUE;
  g_assert_true (ns_download_start (run->download, ids));
  run_wait (run, 30);
  g_assert_error (run->error, NS_FETCH_ERROR, NS_FETCH_ERROR_CANCELLED);
  g_assert_cmpint (run->done_at - run->cancelled_at, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (run->installed->len, ==, 0);
  /* Nothing where the catalog looks. */
  assert_absent ("wave");
  {
    g_autoptr (NsCatalog) catalog = catalog_open ();

    g_assert_null (ns_catalog_lookup (catalog, "wave")->path);
  }
  run_free (run);
}

static void
test_free_while_running (void)
{
  g_autofree gchar *mirror = mirror_of ("trickle");
  Run              *run = run_new (mirror);
  const gchar      *ids[] = { "wave", NULL };
  NsDownload       *download = run->download;
  gint64            end;

  g_assert_true (ns_download_start (download, ids));
  run->download = NULL;
  ns_download_free (download);
  /* No callback after the free, however long the loop runs. */
  run->progress = 0;
  end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
  g_assert_cmpint (run->progress, ==, 0);
  g_assert_false (run->done);
  assert_absent ("wave");
  run_free (run);
}

static void
test_failures (void)
{
  struct
  {
    const gchar *mirror;  /* NULL: a closed port */
    const gchar *id;
    gint         code;
    const gchar *words;
  } cases[] = {
    { NULL, "wave", NS_FETCH_ERROR_OFFLINE, "offline" },
    { "missing", "wave", NS_FETCH_ERROR_DOWNLOAD, "HTTP 404" },
    { "files/bad", "wave", NS_FETCH_ERROR_DOWNLOAD, "checksum" },
    { "files", "composition-vii", NS_FETCH_ERROR_UNKNOWN_STYLE, "composition-vii" },
  };

  /* wave is the one style not installed by now. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *mirror = cases[i].mirror ? mirror_of (cases[i].mirror)
                                                 : g_strdup ("http://127.0.0.1:9/");
      Run              *run = run_new (mirror);
      const gchar      *ids[] = { cases[i].id, NULL };

      g_test_message ("%s from %s", cases[i].id, mirror);
      g_assert_true (ns_download_start (run->download, ids));
      run_wait (run, 60);
      g_assert_error (run->error, NS_FETCH_ERROR, cases[i].code);
      g_test_message ("said: %s", run->error->message);
      g_assert_nonnull (strstr (run->error->message, cases[i].words));
      assert_absent ("wave");
      run_free (run);
    }
}

/* The worker reads the catalog again for its own downloader: when it
 * cannot, the download ends at once in words, nothing installed. */
static void
test_catalog_unreadable_at_start (void)
{
  g_autofree gchar *mirror = mirror_of ("files");
  Run              *run = run_new (mirror);
  const gchar      *ids[] = { "wave", NULL };

  catalog_break ();
  g_assert_true (ns_download_start (run->download, ids));
  run_wait (run, 60);
  catalog_restore ();
  g_assert_nonnull (run->error);
  g_test_message ("said: %s", run->error->message);
  g_assert_nonnull (strstr (run->error->message, catalog_file));
  g_assert_nonnull (strstr (run->error->message, "cannot be read"));
  g_assert_cmpint (run->progress, ==, 0);
  g_assert_cmpuint (run->installed->len, ==, 0);
  g_assert_false (ns_download_is_running (run->download));
  assert_absent ("wave");
  run_free (run);
}

/* After a style is in, the catalog is read again as the dialog reads it;
 * when that fails, the download ends with why, the style installed. */
static void
test_catalog_unreadable_after_install (void)
{
  /* A pause before each of wave's 49 files: the catalog breaks at the
   * first progress report, seconds before the last file is in. */
  g_autofree gchar *mirror = mirror_of ("slow");
  Run              *run = run_new (mirror);
  const gchar      *ids[] = { "wave", NULL };

  run->break_catalog_at_progress = TRUE;
  g_assert_true (ns_download_start (run->download, ids));
  run_wait (run, 120);
  g_assert_nonnull (catalog_text);
  catalog_restore ();
  g_assert_error (run->error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG);
  g_test_message ("said: %s", run->error->message);
  g_assert_true (g_str_has_prefix (run->error->message,
                                   "“The Great Wave off Kanagawa” is installed, but the style "
                                   "catalog cannot be read again: "));
  g_assert_nonnull (strstr (run->error->message, catalog_file));
  g_assert_cmpuint (run->installed->len, ==, 0);
  /* In the model folder all the same. */
  {
    g_autoptr (NsCatalog) catalog = catalog_open ();

    g_assert_nonnull (ns_catalog_lookup (catalog, "wave")->path);
  }
  run_free (run);
}

static void
test_bad_environment (void)
{
  g_autoptr (GError) error = NULL;
  NsDownload        *download;

  g_setenv ("NEURAL_STYLE_FETCH_TIMEOUT", "soon", TRUE);
  download = ns_download_new (NULL, NULL, NULL, NULL, &error);
  g_assert_null (download);
  g_assert_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION);
  g_assert_nonnull (strstr (error->message, "soon"));
  g_clear_error (&error);
  g_setenv ("NEURAL_STYLE_FETCH_TIMEOUT", "5", TRUE);

  g_setenv ("NEURAL_STYLE_MIRROR", "http://127.0.0.1:9/ file:///etc/", TRUE);
  download = ns_download_new (NULL, NULL, NULL, NULL, &error);
  g_assert_null (download);
  g_assert_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION);
}

int
main (int    argc,
      char **argv)
{
  const gchar *proxies[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                             "ALL_PROXY", "all_proxy" };
  g_autofree gchar *server = NULL;
  g_autofree gchar *python = NULL;
  int               status;

  tmp_dir = g_dir_make_tmp ("ns-download-XXXXXX", NULL);
  shared_dir = g_strdup (g_getenv ("NS_TEST_SHARED"));
  server = g_strdup (g_getenv ("NS_HTTP_SERVER"));
  /* Before any thread runs: the environment the downloads see. */
  for (guint i = 0; i < G_N_ELEMENTS (proxies); i++)
    g_setenv (proxies[i], "http://127.0.0.1:9", TRUE);
  g_setenv ("no_proxy", "127.0.0.1", TRUE);
  g_setenv ("NO_PROXY", "127.0.0.1", TRUE);
  g_setenv ("NEURAL_STYLE_FETCH_TIMEOUT", "5", TRUE);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);
  {
    g_autofree gchar *cache = g_build_filename (tmp_dir, "cache", NULL);

    g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  }
  g_unsetenv ("NEURAL_STYLE_SWATCH_SAMPLE");
  models_dir = g_build_filename (tmp_dir, "neural-style", "models", NULL);

  g_test_init (&argc, &argv, NULL);
  if (! shared_dir || ! server
      || ! g_file_test (shared_dir, G_FILE_TEST_IS_DIR)
      || ! (python = g_find_program_in_path ("python3")))
    {
      g_test_skip ("no ../shared, no http-server.py or no python3");
      return 0;
    }
  catalog_make ();
  server_start (server);

  /* In order: each builds on what the one before installed. */
  g_test_add_func ("/download/terms", test_terms);
  g_test_add_func ("/download/free-ids", test_free_ids);
  g_test_add_func ("/download/one-style", test_one_style);
  g_test_add_func ("/download/all-free", test_all_free);
  g_test_add_func ("/download/preset-half-installed", test_preset_half_installed);
  g_test_add_func ("/download/cancel", test_cancel);
  g_test_add_func ("/download/free-while-running", test_free_while_running);
  g_test_add_func ("/download/failures", test_failures);
  g_test_add_func ("/download/catalog-unreadable-at-start", test_catalog_unreadable_at_start);
  g_test_add_func ("/download/catalog-unreadable-after-install",
                   test_catalog_unreadable_after_install);
  g_test_add_func ("/download/bad-environment", test_bad_environment);
  status = g_test_run ();

  kill (server_pid, SIGTERM);
  waitpid (server_pid, NULL, 0);
  g_spawn_close_pid (server_pid);
  test_remove_tree (tmp_dir);
  return status;
}
