/* ns-download.c: see ns-download.h. */
#include "ns-i18n.h"
#include "ns-deliver.h"
#include "ns-download.h"
#include "ns-fetch.h"
#include "ns-styles.h"

#include <glib/gstdio.h>

/* The progress callback runs at most this often (microseconds): a
 * progress bar need not redraw for every 16 KiB. */
#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)

/* What the worker and the main thread share.  The worker holds a
 * reference until it ends, so ns_download_free() never waits for it. */
typedef struct
{
  GMutex        lock;
  /* Under the lock: */
  gchar        *id;          /* the style coming in, or NULL */
  guint         index;       /* which of n_ids */
  guint         n_ids;
  guint64       done;
  guint64       total;
  gboolean      progress_queued;
  /* Set by the main thread, read by the worker. */
  gint          cancelled;   /* atomic */
  /* Fixed: */
  GMainContext *context;
  NsDownload   *owner;       /* NULL once freed: nobody to tell */
} Shared;

struct _NsDownload
{
  Shared              *shared;
  NsFetch             *fetch;     /* the main thread's, for questions */
  guint                timeout;
  gchar               *mirror;
  gboolean             running;
  NsDownloadProgress   progress;
  NsDownloadInstalled  installed;
  NsDownloadDone       done;
  gpointer             user_data;
};

static void
shared_clear (gpointer data)
{
  Shared *shared = data;

  g_mutex_clear (&shared->lock);
  g_free (shared->id);
  g_main_context_unref (shared->context);
}

/* Main-thread messages from the worker */

typedef enum
{
  PROGRESS,
  INSTALLED,
  DONE
} Kind;

typedef struct
{
  Shared    *shared;
  Kind       kind;
  gchar     *id;
  NsCatalog *catalog;  /* INSTALLED: the catalog read again */
  GError    *error;
} Message;

static void
message_free (gpointer data)
{
  Message *message = data;

  g_rc_box_release_full (message->shared, shared_clear);
  g_free (message->id);
  g_clear_pointer (&message->catalog, ns_catalog_free);
  g_clear_error (&message->error);
  g_free (message);
}

static gboolean
message_deliver (gpointer data)
{
  Message    *message = data;
  NsDownload *download = message->shared->owner;

  if (message->kind == PROGRESS)
    {
      g_mutex_lock (&message->shared->lock);
      message->shared->progress_queued = FALSE;
      g_mutex_unlock (&message->shared->lock);
    }
  if (! download)
    return G_SOURCE_REMOVE;

  switch (message->kind)
    {
    case PROGRESS:
      if (download->progress)
        download->progress (download, download->user_data);
      break;
    case INSTALLED:
      if (download->installed)
        download->installed (download, message->id, g_steal_pointer (&message->catalog),
                             download->user_data);
      break;
    case DONE:
      download->running = FALSE;
      if (download->done)
        download->done (download, message->error, download->user_data);
      break;
    }
  return G_SOURCE_REMOVE;
}

/* Queued in the main thread's context, never run in the worker; takes
 * @id, @catalog and @error. */
static void
send (Shared    *shared,
      Kind       kind,
      gchar     *id,
      NsCatalog *catalog,
      GError    *error)
{
  Message *message = g_new0 (Message, 1);

  message->shared = g_rc_box_acquire (shared);
  message->kind = kind;
  message->id = id;
  message->catalog = catalog;
  message->error = error;
  ns_deliver_later (shared->context, message_deliver, message, message_free);
}

/* The worker */

typedef struct
{
  Shared  *shared;
  GStrv    ids;
  gchar   *mirror;
  guint    timeout;
  gint64   last_progress;
  /* A style vector comes with two networks, each its own download: the
   * bar counts the bytes of both. */
  gchar   *entry;          /* the catalog entry coming in */
  guint64  entry_total;    /* its bytes */
  guint64  base;           /* the bytes of the entries before it */
  guint64  style_total;    /* the style's bytes, or 0 */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_rc_box_release_full (job->shared, shared_clear);
  g_strfreev (job->ids);
  g_free (job->mirror);
  g_free (job->entry);
  g_free (job);
}

static gboolean
on_fetch_progress (const gchar *id,
                   guint64      done,
                   guint64      total,
                   gpointer     user_data)
{
  Job     *job = user_data;
  Shared  *shared = job->shared;
  gint64   now = g_get_monotonic_time ();
  gboolean queue = FALSE;

  if (g_strcmp0 (id, job->entry) != 0)
    {
      job->base += job->entry_total;
      g_free (job->entry);
      job->entry = g_strdup (id);
    }
  job->entry_total = total;
  g_mutex_lock (&shared->lock);
  shared->done = job->base + done;
  shared->total = MAX (job->style_total, job->base + total);
  if (! shared->progress_queued && now - job->last_progress >= PROGRESS_INTERVAL)
    {
      shared->progress_queued = queue = TRUE;
      job->last_progress = now;
    }
  g_mutex_unlock (&shared->lock);
  if (queue)
    send (shared, PROGRESS, NULL, NULL, NULL);
  return ! g_atomic_int_get (&shared->cancelled);
}

/* The bytes installing @id brings in.  A preset (a style vector) needs
 * Magenta's networks, and only those not in the destination download:
 * @fetch's catalog looks there only, and its preset has the path of each
 * network it found.  (One found there with a wrong checksum downloads
 * again: the bar's total then grows as it comes.) */
static guint64
missing_bytes (NsFetch     *fetch,
               const gchar *id)
{
  const NsStyle *style = ns_catalog_lookup (ns_fetch_get_catalog (fetch), id);
  guint64        bytes = ns_fetch_style_bytes (fetch, id);

  if (style && style->kind == NS_STYLE_KIND_VECTOR)
    {
      const gchar *in[] = { style->prediction_path, style->transfer_path };

      for (guint i = 0; i < G_N_ELEMENTS (in); i++)
        {
          GStatBuf info;

          if (in[i] && g_stat (in[i], &info) == 0)
            bytes -= MIN (bytes, (guint64) info.st_size);
        }
    }
  return bytes;
}

/* The catalog as the dialog reads it, @id installed in it now; else an
 * error that says @id is in but the dialog cannot see it.  (transfer
 * full) */
static NsCatalog *
catalog_read_again (NsFetch      *fetch,
                    const gchar  *id,
                    GError      **error)
{
  g_autoptr (GError) why = NULL;
  NsCatalog         *catalog = ns_styles_open (&why);
  const NsStyle     *style;

  if (catalog)
    return catalog;
  style = ns_catalog_lookup (ns_fetch_get_catalog (fetch), id);
  g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
               /* TRANSLATORS: the style's title, then why the catalog
                * cannot be read */
               _("“%s” is installed, but the style catalog cannot be read again: %s"),
               style && style->title ? style->title : id, why->message);
  return NULL;
}

static gpointer
worker (gpointer data)
{
  Job              *job = data;
  Shared           *shared = job->shared;
  GError           *error = NULL;
  g_autoptr (NsFetch) fetch = NULL;
  NsFetchOptions    options = { 0 };
  NsCatalog        *catalog;

  options.mirror = job->mirror;
  options.timeout = job->timeout;
  options.progress = on_fetch_progress;
  options.user_data = job;
  /* Its own catalog: the main thread's answers questions meanwhile. */
  fetch = ns_fetch_new (&options, &error);
  for (guint i = 0; fetch && job->ids[i] && ! error; i++)
    {
      g_mutex_lock (&shared->lock);
      g_free (shared->id);
      shared->id = g_strdup (job->ids[i]);
      shared->index = i;
      shared->done = shared->total = 0;
      g_mutex_unlock (&shared->lock);
      job->last_progress = 0;
      job->style_total = missing_bytes (fetch, job->ids[i]);
      job->base = job->entry_total = 0;
      g_clear_pointer (&job->entry, g_free);
      on_fetch_progress (job->ids[i], 0, 0, job);

      if (g_atomic_int_get (&shared->cancelled))
        g_set_error_literal (&error, NS_FETCH_ERROR, NS_FETCH_ERROR_CANCELLED, _("Cancelled"));
      else if (ns_fetch_install (fetch, job->ids[i], &error)
               && (catalog = catalog_read_again (fetch, job->ids[i], &error)))
        {
          /* The bar full, however fast it went. */
          g_mutex_lock (&shared->lock);
          shared->done = shared->total;
          shared->progress_queued = TRUE;
          g_mutex_unlock (&shared->lock);
          send (shared, PROGRESS, NULL, NULL, NULL);
          send (shared, INSTALLED, g_strdup (job->ids[i]), catalog, NULL);
        }
    }
  send (shared, DONE, NULL, NULL, error);
  job_free (job);
  return NULL;
}

/* The main thread's side */

static guint
timeout_from_env (GError **error)
{
  const gchar *text = g_getenv ("NEURAL_STYLE_FETCH_TIMEOUT");
  guint64      seconds = 0;

  if (text && *text && ! ns_fetch_parse_timeout (text, &seconds))
    {
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION,
                   _("NEURAL_STYLE_FETCH_TIMEOUT must be a whole number of seconds, not '%s'"),
                   text);
      return 0;
    }
  return (guint) seconds;
}

NsDownload *
ns_download_new (NsDownloadProgress   progress,
                 NsDownloadInstalled  installed,
                 NsDownloadDone       done,
                 gpointer             user_data,
                 GError             **error)
{
  g_autoptr (NsDownload) download = g_new0 (NsDownload, 1);
  GError                *local = NULL;
  NsFetchOptions         options = { 0 };

  download->progress = progress;
  download->installed = installed;
  download->done = done;
  download->user_data = user_data;
  download->shared = g_rc_box_new0 (Shared);
  g_mutex_init (&download->shared->lock);
  download->shared->context = g_main_context_ref_thread_default ();
  download->shared->owner = download;

  download->timeout = timeout_from_env (&local);
  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  download->mirror = g_strdup (g_getenv ("NEURAL_STYLE_MIRROR"));
  options.mirror = download->mirror;
  options.timeout = download->timeout;
  download->fetch = ns_fetch_new (&options, error);
  if (! download->fetch)
    return NULL;
  return g_steal_pointer (&download);
}

void
ns_download_free (NsDownload *download)
{
  if (! download)
    return;

  if (download->shared)
    {
      g_atomic_int_set (&download->shared->cancelled, TRUE);
      download->shared->owner = NULL;
      g_rc_box_release_full (download->shared, shared_clear);
    }
  g_clear_pointer (&download->fetch, ns_fetch_free);
  g_free (download->mirror);
  g_free (download);
}

gboolean
ns_download_start (NsDownload          *download,
                   const gchar * const *ids)
{
  Job     *job;
  GThread *thread;
  Shared  *shared = download->shared;

  g_return_val_if_fail (ids != NULL && ids[0] != NULL, FALSE);

  if (download->running)
    return FALSE;

  g_atomic_int_set (&shared->cancelled, FALSE);
  g_mutex_lock (&shared->lock);
  g_clear_pointer (&shared->id, g_free);
  shared->index = shared->done = shared->total = 0;
  shared->n_ids = g_strv_length ((gchar **) ids);
  g_mutex_unlock (&shared->lock);

  job = g_new0 (Job, 1);
  job->shared = g_rc_box_acquire (shared);
  job->ids = g_strdupv ((gchar **) ids);
  job->mirror = g_strdup (download->mirror);
  job->timeout = download->timeout;
  download->running = TRUE;
  thread = g_thread_new ("neural-style-download", worker, job);
  g_thread_unref (thread);
  return TRUE;
}

void
ns_download_cancel (NsDownload *download)
{
  g_atomic_int_set (&download->shared->cancelled, TRUE);
}

gboolean
ns_download_is_running (NsDownload *download)
{
  return download->running;
}

gchar *
ns_download_format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_DEFAULT);
}

gchar *
ns_download_get_text (NsDownload *download)
{
  Shared           *shared = download->shared;
  g_autofree gchar *id = NULL;
  g_autofree gchar *done = NULL;
  g_autofree gchar *bytes = NULL;
  g_autofree gchar *count = NULL;
  const NsStyle    *style;
  guint64           total;

  g_mutex_lock (&shared->lock);
  id = g_strdup (shared->id);
  done = ns_download_format_size (shared->done);
  total = shared->total;
  if (shared->n_ids > 1)
    /* TRANSLATORS: which style of a download of several, as in "(2 of 7)" */
    count = g_strdup_printf (_(" (%u of %u)"), shared->index + 1, shared->n_ids);
  g_mutex_unlock (&shared->lock);

  if (! id)
    return g_strdup (_("Starting the download…"));
  style = ns_catalog_lookup (ns_fetch_get_catalog (download->fetch), id);
  if (total)
    {
      g_autofree gchar *of = ns_download_format_size (total);

      /* TRANSLATORS: bytes downloaded of all, as in "1.2 MB of 6.6 MB" */
      bytes = g_strdup_printf (_("%s of %s"), done, of);
    }
  else
    bytes = g_steal_pointer (&done);
  /* TRANSLATORS: the style's title, "(2 of 7)" or nothing, and the bytes
   * downloaded: "Downloading “Candy” (2 of 7): 1.2 MB of 6.6 MB" */
  return g_strdup_printf (_("Downloading “%s”%s: %s"), style ? style->title : id,
                          count ? count : "", bytes);
}

gdouble
ns_download_get_fraction (NsDownload *download)
{
  Shared  *shared = download->shared;
  gdouble  fraction = -1;

  g_mutex_lock (&shared->lock);
  if (shared->total)
    fraction = CLAMP ((gdouble) shared->done / shared->total, 0, 1);
  g_mutex_unlock (&shared->lock);
  return fraction;
}

GStrv
ns_download_free_ids (NsDownload *download,
                      NsCatalog  *installed)
{
  g_auto (GStrv)           ids = ns_fetch_default_ids (download->fetch, FALSE);
  g_autoptr (GStrvBuilder) missing = g_strv_builder_new ();

  for (guint i = 0; ids[i]; i++)
    {
      const NsStyle *style = ns_catalog_lookup (installed, ids[i]);

      /* Styles only: the networks come with the styles that need them. */
      if (style && ! style->path)
        g_strv_builder_add (missing, ids[i]);
    }
  return g_strv_builder_end (missing);
}

guint64
ns_download_style_bytes (NsDownload  *download,
                         const gchar *id)
{
  return missing_bytes (download->fetch, id);
}

gchar *
ns_download_terms_question (NsDownload  *download,
                            const gchar *id)
{
  const NsStyle *style = ns_catalog_lookup (ns_fetch_get_catalog (download->fetch), id);

  /* Not "for non-commercial use only": some authors allow research use
   * only, and the terms below say which. */
  /* TRANSLATORS: %s is the style's title */
  return g_strdup_printf (_("“%s” may be used only as its author's terms allow"),
                          style && style->title ? style->title : id);
}

const gchar *
ns_download_terms (NsDownload  *download,
                   const gchar *id)
{
  const NsStyle *style = ns_catalog_lookup (ns_fetch_get_catalog (download->fetch), id);

  if (! style || ! style->noncommercial)
    return NULL;
  return style->license ? style->license : _("Non-commercial use only.");
}
