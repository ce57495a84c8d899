/* ns-fetch.c: installing the catalog's styles, downloaded over libcurl or
 * copied from a folder.
 *
 * Nothing unverified is ever where the model scan looks: every file is
 * written under DEST/.partial/ (an ml5 style as a whole folder there),
 * checked against the size and checksum the catalog pins, and only then
 * renamed into place in one step.  One lock per destination folder
 * (flock on DEST/.partial/lock) makes concurrent installs wait for each
 * other; whoever takes it first clears what a killed run left in
 * .partial/.  A server gets no more than the pinned size of a file, a
 * minimum rate and a deadline, http and https only.
 */
/* flock(), renameat2() */
#define _GNU_SOURCE

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "neural-style-engine.h"
#include "catalog-private.h"
#include "ns-fetch.h"

#define COMMAND "neural-style-fetch"
#define PARTIAL_FOLDER ".partial"
#define LOCK_FILE "lock"
#define ML5_SUMS_FILE "ml5-files.sha256"
/* Checking on the transfer this often (microseconds). */
#define POLL_MS 100

struct _NsFetch
{
  gchar              *catalog_file;
  NsCatalog          *catalog;   /* search path: dest only */
  gchar              *dest;
  gchar              *partial;   /* dest/.partial */
  gchar              *mirror;
  gchar              *from;
  gboolean            verify;
  guint               timeout;
  NsFetchMessageFunc  message;
  NsFetchProgressFunc progress;
  gpointer            user_data;

  CURL               *easy;      /* one handle: connections are reused */
  CURLM              *multi;
  GHashTable         *done_ids;  /* what this install went through */
  int                 lock_fd;
  guint               lock_depth;
  gboolean            cancelled;
  gchar              *why;       /* the last reason a download failed */
  gboolean            why_answered; /* ... and a host answered to say it */

  /* the style being installed, for progress */
  const gchar        *style_id;
  guint64             style_done;
  guint64             style_total;
};

/* What one attempt at a file came to. */
typedef enum
{
  GOT_FILE,        /* the bytes are in (not yet checked) */
  UNREACHABLE,     /* the host could not be reached */
  NOT_GOT,         /* the host answered, but not with the file */
  STOP             /* disk full, unwritable, cancelled: error set */
} Outcome;

G_DEFINE_QUARK (ns-fetch-error-quark, ns_fetch_error)

static void
say (NsFetch     *fetch,
     gboolean     is_error,
     const gchar *format,
     ...) G_GNUC_PRINTF (3, 4);

static void
say (NsFetch     *fetch,
     gboolean     is_error,
     const gchar *format,
     ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (fetch->message)
    fetch->message (text, is_error, fetch->user_data);
}

static void
set_why (NsFetch     *fetch,
         const gchar *why)
{
  g_free (fetch->why);
  fetch->why = g_strdup (why);
  fetch->why_answered = TRUE;
}

/* Progress of the current style; FALSE once cancelled. */
static gboolean
report (NsFetch *fetch,
        guint64  done)
{
  if (!fetch->cancelled && fetch->progress
      && !fetch->progress (fetch->style_id, fetch->style_done + done, fetch->style_total,
                           fetch->user_data))
    fetch->cancelled = TRUE;
  return !fetch->cancelled;
}

static void
set_cancelled (GError **error)
{
  g_set_error_literal (error, NS_FETCH_ERROR, NS_FETCH_ERROR_CANCELLED, _("Cancelled"));
}

/* Sets @error for a failed write into @path. */
static void
set_write_error (int          saved,
                 const gchar *path,
                 GError     **error)
{
  if (saved == ENOSPC || saved == EDQUOT)
    g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_DISK_FULL,
                 _("The disk is full: cannot write '%s'"), path);
  else
    g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNWRITABLE,
                 _("Cannot write '%s': %s"), path, g_strerror (saved));
}

/* URLs */

/* @text as one whole http or https URL, or NULL.  (transfer full) */
static CURLU *
parse_url (const gchar *text)
{
  CURLU *url = curl_url ();
  char *scheme = NULL;
  gboolean web;

  if (!url || curl_url_set (url, CURLUPART_URL, text, 0) != CURLUE_OK
      || curl_url_get (url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
    {
      curl_url_cleanup (url);
      return NULL;
    }
  web = g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0;
  curl_free (scheme);
  if (!web)
    {
      curl_url_cleanup (url);
      return NULL;
    }
  return url;
}

static gboolean
is_web_url (const gchar *text)
{
  CURLU *url = parse_url (text);

  curl_url_cleanup (url);
  return url != NULL;
}

static gboolean
is_format (const NsCatalogEntry *entry,
           const gchar          *format)
{
  return g_strcmp0 (entry->format, format) == 0;
}

/* The entry's URLs, the mirror's first.  (transfer full) */
static GStrv
entry_urls (NsFetch              *fetch,
            const NsCatalogEntry *entry)
{
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();

  if (fetch->mirror && entry->file)
    {
      g_autofree gchar *base = g_strdup (fetch->mirror);
      gsize length = strlen (base);

      while (length > 0 && base[length - 1] == '/')
        base[--length] = '\0';
      g_autofree gchar *url = g_strconcat (base, "/", entry->file,
                                           is_format (entry, "ml5") ? "/" : "", NULL);

      g_strv_builder_add (urls, url);
    }
  g_strv_builder_addv (urls, (const gchar **) entry->urls);
  return g_strv_builder_end (urls);
}

/* Files */

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
      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

static gboolean
is_regular (const gchar *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
exists_nofollow (const gchar *path)
{
  GStatBuf st;

  return g_lstat (path, &st) == 0;
}

/* Removes @path, a folder with all it holds; never follows a link. */
static void
remove_all (const gchar *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const gchar *name;

      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);
          remove_all (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* The checksum (@type) and size of file @path; NULL if it cannot be
 * read.  (transfer full) */
static gchar *
file_checksum (const gchar   *path,
               GChecksumType  type,
               guint64       *size)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (type);
  gchar buffer[65536];
  int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  struct stat st;
  gssize n;

  *size = 0;
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return NULL;
    }
  while ((n = read (fd, buffer, sizeof buffer)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          close (fd);
          return NULL;
        }
      g_checksum_update (checksum, (const guchar *) buffer, n);
      *size += n;
    }
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}

static GChecksumType
checksum_type (const gchar *algo)
{
  return g_strcmp0 (algo, "sha1") == 0 ? G_CHECKSUM_SHA1 : G_CHECKSUM_SHA256;
}

/* Is @path the file the catalog pins (@size 0: any size)?  Quiet. */
static gboolean
matches (const gchar *path,
         const gchar *algo,
         const gchar *sum,
         gint64       size)
{
  guint64 actual_size;
  g_autofree gchar *actual = sum ? file_checksum (path, checksum_type (algo), &actual_size) : NULL;

  return actual && (size <= 0 || actual_size == (guint64) size)
         && g_ascii_strcasecmp (actual, sum) == 0;
}

/* Says what is wrong with @path if it is not the file the catalog pins. */
static gboolean
check_file (NsFetch     *fetch,
            const gchar *id,
            const gchar *path,
            const gchar *algo,
            const gchar *sum,
            gint64       size)
{
  guint64 actual_size;
  g_autofree gchar *actual = file_checksum (path, checksum_type (algo), &actual_size);

  if (!actual)
    {
      say (fetch, TRUE, _("%s: cannot read '%s'"), id, path);
      set_why (fetch, _("the file cannot be read back"));
      return FALSE;
    }
  if (size > 0 && actual_size != (guint64) size)
    {
      say (fetch, TRUE,
           _("%s: the file is %llu bytes, the catalog expects %lld (truncated or not the right "
             "file)"),
           id, (unsigned long long) actual_size, (long long) size);
      set_why (fetch, _("the file has the wrong size (truncated or not the right file)"));
      return FALSE;
    }
  if (g_ascii_strcasecmp (actual, sum) != 0)
    {
      say (fetch, TRUE, _("%s: %s checksum mismatch (corrupt or not the right file)"), id, algo);
      say (fetch, TRUE, _("  expected %s"), sum);
      say (fetch, TRUE, _("  actual   %s"), actual);
      set_why (fetch, _("checksum mismatch (the file is corrupt or not the right one)"));
      return FALSE;
    }
  return TRUE;
}

/* Copies @source into @out: a regular file, at most @cap bytes. */
static gboolean
copy_file (NsFetch      *fetch,
           const gchar  *source,
           const gchar  *out,
           guint64       cap,
           GError      **error)
{
  gchar buffer[65536];
  int in = g_open (source, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  int fd = -1;
  struct stat st;
  guint64 done = 0;
  gssize n;
  int saved;

  if (in < 0 || fstat (in, &st) != 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size > cap)
    {
      saved = in < 0 ? errno : 0;
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_FAILED, _("Cannot read '%s': %s"),
                   source, saved ? g_strerror (saved)
                   : !S_ISREG (st.st_mode) ? _("it is not a regular file") : _("it is too large"));
      if (in >= 0)
        close (in);
      return FALSE;
    }
  fd = g_open (out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      set_write_error (errno, out, error);
      close (in);
      return FALSE;
    }
  while (done <= cap && (n = read (in, buffer, sizeof buffer)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || !write_all (fd, buffer, n))
        {
          saved = errno;
          if (n < 0)
            g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_FAILED,
                         _("Cannot read '%s': %s"), source, g_strerror (saved));
          else
            set_write_error (saved, out, error);
          close (in);
          close (fd);
          return FALSE;
        }
      done += n;
      if (!report (fetch, done))
        {
          set_cancelled (error);
          close (in);
          close (fd);
          return FALSE;
        }
    }
  close (in);
  if (close (fd) != 0)
    {
      set_write_error (errno, out, error);
      return FALSE;
    }
  return TRUE;
}

/* The destination folder and its lock */

/* Takes the lock of the destination folder, waiting while another
 * install holds it, then clears what a killed run left in .partial/. */
static gboolean
lock_dest (NsFetch  *fetch,
           GError  **error)
{
  g_autofree gchar *lock = g_build_filename (fetch->partial, LOCK_FILE, NULL);
  gboolean said = FALSE;
  GStatBuf st;
  int fd = -1;

  if (g_mkdir_with_parents (fetch->dest, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNWRITABLE,
                   _("Cannot make the folder '%s': %s"), fetch->dest, g_strerror (saved));
      return FALSE;
    }
  for (;;)
    {
      struct stat held, named;
      int saved = 0;

      if (g_mkdir (fetch->partial, 0755) != 0 && errno != EEXIST)
        saved = errno;
      else if (g_lstat (fetch->partial, &st) != 0)
        saved = errno;
      else if (!S_ISDIR (st.st_mode))
        saved = ENOTDIR;
      else if ((fd = g_open (lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
        saved = errno;
      if (saved)
        {
          g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNWRITABLE,
                       _("Cannot write into '%s': %s"), fetch->partial, g_strerror (saved));
          return FALSE;
        }
      while (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          if (errno != EWOULDBLOCK && errno != EINTR)
            {
              saved = errno;
              g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNWRITABLE,
                           _("Cannot lock '%s': %s"), lock, g_strerror (saved));
              close (fd);
              return FALSE;
            }
          if (!said)
            say (fetch, FALSE, _("%s: waiting for another install into %s to end"),
                 fetch->style_id, fetch->dest);
          said = TRUE;
          if (!report (fetch, 0))
            {
              set_cancelled (error);
              close (fd);
              return FALSE;
            }
          g_usleep (POLL_MS * 1000);
        }
      /* The holder we waited for removes the lock file as it leaves: a
       * lock on that removed file locks nothing. */
      if (fstat (fd, &held) == 0 && stat (lock, &named) == 0
          && held.st_ino == named.st_ino && held.st_dev == named.st_dev)
        break;
      close (fd);
    }
  fetch->lock_fd = fd;

  {
    g_autoptr (GDir) dir = g_dir_open (fetch->partial, 0, NULL);
    const gchar *name;

    while (dir && (name = g_dir_read_name (dir)))
      if (strcmp (name, LOCK_FILE) != 0)
        {
          g_autofree gchar *path = g_build_filename (fetch->partial, name, NULL);
          remove_all (path);
        }
  }
  return TRUE;
}

/* Leaves the destination as it was but for what got installed. */
static void
unlock_dest (NsFetch *fetch)
{
  g_autofree gchar *lock = g_build_filename (fetch->partial, LOCK_FILE, NULL);
  g_autoptr (GDir) dir = g_dir_open (fetch->partial, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (strcmp (name, LOCK_FILE) != 0)
      {
        g_autofree gchar *path = g_build_filename (fetch->partial, name, NULL);
        remove_all (path);
      }
  g_unlink (lock);
  g_rmdir (fetch->partial);
  close (fetch->lock_fd);
  fetch->lock_fd = -1;
}

/* Downloading */

typedef struct
{
  int      fd;
  guint64  received;
  guint64  cap;
  gboolean too_large;
  int      write_errno;
} Sink;

static size_t
sink_write (char   *data,
            size_t  size,
            size_t  count,
            void   *user_data)
{
  Sink *sink = user_data;
  const size_t length = size * count;

  if (sink->received + length > sink->cap)
    {
      sink->too_large = TRUE;
      return 0;
    }
  if (!write_all (sink->fd, data, length))
    {
      sink->write_errno = errno ? errno : EIO;
      return 0;
    }
  sink->received += length;
  return length;
}

/* Why the transfer stopped, when it was this code's decision. */
typedef enum
{
  RUNNING,
  STALLED,
  TOO_SLOW,
  TOO_LONG,
  CANCELLED
} Stop;

/* Runs the transfer set up on fetch->easy until it ends or a limit stops
 * it: no data for the timeout less 1.5 s (half a second at least), less than
 * NS_FETCH_MIN_RATE bytes a second over the last timeout seconds, longer
 * than @deadline_s seconds, or cancelled. */
static Stop
run_transfer (NsFetch  *fetch,
              Sink     *sink,
              guint64   deadline_s,
              CURLcode *code)
{
  const gint64 start = g_get_monotonic_time ();
  /* 1.5 s early, so that the whole run, the program's start (its
   * libraries load in 0.4 s, 0.9 s under ASan) and end included, gives up
   * within the timeout. */
  const gint64 silence_limit = MAX ((gint64) fetch->timeout * G_USEC_PER_SEC
                                    - 3 * G_USEC_PER_SEC / 2,
                                    G_USEC_PER_SEC / 2);
  const guint window = fetch->timeout;
  /* The bytes received at each whole second since the start, the last
   * window + 1 of them. */
  g_autofree guint64 *at_second = g_new0 (guint64, window + 1);
  guint64 seconds_recorded = 0;
  gint64 last_data = start;
  guint64 last_received = 0;
  Stop stop = RUNNING;
  CURLMsg *msg;
  int running = 1, left;

  *code = CURLE_OK;
  curl_multi_add_handle (fetch->multi, fetch->easy);
  while (running)
    {
      gint64 now;
      guint64 second;

      curl_multi_perform (fetch->multi, &running);
      if (!running)
        break;
      now = g_get_monotonic_time ();
      if (sink->received != last_received)
        {
          last_received = sink->received;
          last_data = now;
        }
      second = (now - start) / G_USEC_PER_SEC;
      while (seconds_recorded < second)
        at_second[++seconds_recorded % (window + 1)] = sink->received;

      if (!report (fetch, sink->received))
        stop = CANCELLED;
      else if (now - last_data >= silence_limit)
        stop = STALLED;
      else if (second >= window
               && sink->received - at_second[(second - window) % (window + 1)]
                  < (guint64) NS_FETCH_MIN_RATE * window)
        stop = TOO_SLOW;
      else if ((guint64) (now - start) > deadline_s * G_USEC_PER_SEC)
        stop = TOO_LONG;
      if (stop != RUNNING)
        break;
      curl_multi_poll (fetch->multi, NULL, 0, POLL_MS, NULL);
    }
  while ((msg = curl_multi_info_read (fetch->multi, &left)))
    if (msg->msg == CURLMSG_DONE)
      *code = msg->data.result;
  curl_multi_remove_handle (fetch->multi, fetch->easy);
  return stop;
}

/* Why libcurl's transfer failed, in words; the outcome. */
static Outcome
curl_why (NsFetch     *fetch,
          CURLcode     code,
          const Sink  *sink,
          const gchar *detail,
          gchar      **why)
{
  long status = 0, os_errno = 0;
  char *redirect = NULL;

  switch (code)
    {
    case CURLE_HTTP_RETURNED_ERROR:
      curl_easy_getinfo (fetch->easy, CURLINFO_RESPONSE_CODE, &status);
      *why = g_strdup_printf (_("the server answered HTTP %ld"), status);
      return NOT_GOT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      *why = g_strdup (_("cannot resolve the host's name (DNS), or the proxy's"));
      return UNREACHABLE;
    case CURLE_COULDNT_CONNECT:
      curl_easy_getinfo (fetch->easy, CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno == ECONNREFUSED)
        *why = g_strdup (_("cannot connect to the host (or the proxy): connection refused"));
      else
        *why = g_strdup (_("cannot connect to the host (or the proxy)"));
      return UNREACHABLE;
    case CURLE_OPERATION_TIMEDOUT:
      *why = g_strdup_printf (_("no connection within %u seconds"), fetch->timeout);
      return UNREACHABLE;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      *why = g_strdup (_("the connection broke off before the end of the file"));
      return NOT_GOT;
    case CURLE_FILESIZE_EXCEEDED:
      *why = g_strdup_printf (_("the server sends more than the %llu bytes the catalog gives "
                                "the file"), (unsigned long long) sink->cap);
      return NOT_GOT;
    case CURLE_UNSUPPORTED_PROTOCOL:
      /* Every URL tried is http(s): this one came from a redirect. */
      curl_easy_getinfo (fetch->easy, CURLINFO_REDIRECT_URL, &redirect);
      *why = g_strdup_printf (_("the server redirected to a URL that is not http or https (%s)"),
                              redirect ? redirect : detail);
      return NOT_GOT;
    case CURLE_TOO_MANY_REDIRECTS:
      *why = g_strdup_printf (_("more than %d redirects"), NS_FETCH_MAX_REDIRECTS);
      return NOT_GOT;
    default:
      *why = g_strdup_printf ("%s%s%s", curl_easy_strerror (code), *detail ? ": " : "", detail);
      return NOT_GOT;
    }
}

/* Downloads @url into @out, at most @cap bytes; says why not. */
static Outcome
download (NsFetch      *fetch,
          const gchar  *id,
          const gchar  *url,
          const gchar  *out,
          guint64       cap,
          GError      **error)
{
  char detail[CURL_ERROR_SIZE] = "";
  g_autofree gchar *why = NULL;
  CURLU *parsed = parse_url (url);
  Sink sink = { -1, 0, cap, FALSE, 0 };
  Outcome outcome = GOT_FILE;
  CURLcode code;
  Stop stop;
  long connected = 0;

  if (!parsed)
    {
      say (fetch, TRUE, _("%s: %s: not an http:// or https:// URL"), id, url);
      set_why (fetch, _("the catalog's URL is not an http:// or https:// URL"));
      return NOT_GOT;
    }
  sink.fd = g_open (out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (sink.fd < 0)
    {
      set_write_error (errno, out, error);
      curl_url_cleanup (parsed);
      return STOP;
    }

  curl_easy_reset (fetch->easy);
  curl_easy_setopt (fetch->easy, CURLOPT_CURLU, parsed);
  curl_easy_setopt (fetch->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (fetch->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (fetch->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (fetch->easy, CURLOPT_MAXREDIRS, (long) NS_FETCH_MAX_REDIRECTS);
  curl_easy_setopt (fetch->easy, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt (fetch->easy, CURLOPT_CONNECTTIMEOUT, (long) fetch->timeout);
  curl_easy_setopt (fetch->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) cap);
  curl_easy_setopt (fetch->easy, CURLOPT_WRITEFUNCTION, sink_write);
  curl_easy_setopt (fetch->easy, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt (fetch->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (fetch->easy, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt (fetch->easy, CURLOPT_USERAGENT, COMMAND "/" NS_VERSION);

  stop = run_transfer (fetch, &sink, fetch->timeout + cap / NS_FETCH_DEADLINE_RATE, &code);
  curl_easy_getinfo (fetch->easy, CURLINFO_CONNECT_TIME_T, &connected);
  curl_easy_setopt (fetch->easy, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt (fetch->easy, CURLOPT_CURLU, NULL);
  curl_url_cleanup (parsed);
  if (close (sink.fd) != 0 && !sink.write_errno && stop == RUNNING && code == CURLE_OK)
    sink.write_errno = errno;

  if (stop == CANCELLED)
    {
      set_cancelled (error);
      return STOP;
    }
  if (sink.write_errno)
    {
      set_write_error (sink.write_errno, out, error);
      say (fetch, TRUE, "%s: %s", id, (*error)->message);
      return STOP;
    }
  if (stop == STALLED && connected == 0)
    {
      why = g_strdup_printf (_("no connection within %u seconds"), fetch->timeout);
      outcome = UNREACHABLE;
    }
  else if (stop == STALLED)
    why = g_strdup_printf (_("gave up: no data for %u seconds (the server stalled)"),
                           fetch->timeout);
  else if (stop == TOO_SLOW)
    why = g_strdup_printf (_("gave up: less than %d bytes a second over %u seconds "
                             "(the server is too slow)"),
                           NS_FETCH_MIN_RATE, fetch->timeout);
  else if (stop == TOO_LONG)
    why = g_strdup_printf (_("gave up: not done after %llu seconds, the longest a file of "
                             "this size may take"),
                           (unsigned long long) (fetch->timeout + cap / NS_FETCH_DEADLINE_RATE));
  else if (sink.too_large)
    why = g_strdup_printf (_("the server sends more than the %llu bytes the catalog gives "
                             "the file"), (unsigned long long) cap);
  else if (code != CURLE_OK)
    outcome = curl_why (fetch, code, &sink, detail, &why);
  else
    return GOT_FILE;

  if (outcome == GOT_FILE)
    outcome = NOT_GOT;
  say (fetch, TRUE, "%s: %s: %s", id, url, why);
  /* What a host that answered said (HTTP 404, a checksum mismatch) tells
   * the user more than a later host that could not be reached. */
  if (outcome != UNREACHABLE)
    set_why (fetch, why);
  else if (!fetch->why_answered)
    {
      g_free (fetch->why);
      fetch->why = g_strdup (why);
    }
  return outcome;
}

/* Where it went wrong, for the caller of ns_fetch_install(). */
static void
set_failed (NsFetch      *fetch,
            const gchar  *id,
            gboolean      reached,
            GError      **error)
{
  if (!reached)
    g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_OFFLINE,
                 _("Cannot download '%s': none of its download hosts can be reached; "
                   "this computer looks offline"), id);
  else
    g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_DOWNLOAD,
                 _("Cannot download '%s': %s"), id, fetch->why ? fetch->why : _("it failed"));
}

/* Says how to install by hand when no host could be reached. */
static void
offline_advice (NsFetch     *fetch,
                const gchar *id,
                const gchar *what)
{
  say (fetch, TRUE, _("%s: none of its download hosts can be reached: this machine looks offline."), id);
  say (fetch, TRUE, "  %s", what);
  say (fetch, TRUE, _("  then install it from that folder: %s --from DIR %s"), COMMAND, id);
}

/* Copying from --from */

/* How many catalog entries have a URL ending in file name @name. */
static guint
url_name_count (NsFetch     *fetch,
                const gchar *name)
{
  GPtrArray *entries = ns_catalog_get_entries (fetch->catalog);
  guint count = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      const NsCatalogEntry *entry = g_ptr_array_index (entries, i);
      for (gchar **url = entry->urls; *url; url++)
        {
          const gchar *slash = strrchr (*url, '/');
          if (slash && strcmp (slash + 1, name) == 0)
            {
              count++;
              break;
            }
        }
    }
  return count;
}

/* The file for @entry in --from: its installed name, or its upstream name
 * ("eccv16/la_muse.t7", or "la_muse.t7" when no other style shares it).
 * (transfer full) NULL if there is none. */
static gchar *
find_source (NsFetch              *fetch,
             const NsCatalogEntry *entry)
{
  const gchar *url = entry->urls[0];
  g_autofree gchar *name = NULL;
  g_autofree gchar *parent = NULL;
  gchar *path;

  path = g_build_filename (fetch->from, entry->file, NULL);
  if (is_regular (path))
    return path;
  g_free (path);
  if (!url || !strrchr (url, '/') || !strrchr (url, '/')[1])
    return NULL;

  name = g_strdup (strrchr (url, '/') + 1);
  parent = g_strndup (url, strrchr (url, '/') - url);
  path = g_build_filename (fetch->from, strrchr (parent, '/') ? strrchr (parent, '/') + 1 : parent,
                           name, NULL);
  if (is_regular (path))
    return path;
  g_free (path);
  path = g_build_filename (fetch->from, name, NULL);
  if (is_regular (path) && url_name_count (fetch, name) == 1)
    return path;
  g_free (path);
  return NULL;
}

/* Single files */

/* Gets @entry's file into @out, from --from (@source, else the file
 * find_source() finds) or from its URLs in turn, checked. */
static gboolean
acquire_file (NsFetch              *fetch,
              const NsCatalogEntry *entry,
              const gchar          *out,
              const gchar          *algo,
              const gchar          *sum,
              gint64                size,
              const gchar          *source,
              GError              **error)
{
  g_auto (GStrv) urls = NULL;
  g_autofree gchar *found = NULL;
  const guint64 cap = size > 0 ? (guint64) size : NS_FETCH_UNPINNED_MAX;
  gboolean reached = FALSE;

  if (fetch->from)
    {
      guint64 have;

      if (!source)
        source = found = find_source (fetch, entry);
      if (!source)
        {
          say (fetch, TRUE, _("%s: %s is not in %s"), entry->id, entry->file, fetch->from);
          g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_FAILED,
                       _("%s: %s is not in %s"), entry->id, entry->file, fetch->from);
          return FALSE;
        }
      say (fetch, FALSE, _("%s: copying %s"), entry->id, source);
      /* A wrong size is said as it is, before copying anything. */
      g_free (file_checksum (source, G_CHECKSUM_MD5, &have));
      if (size > 0 && have != (guint64) size)
        {
          check_file (fetch, entry->id, source, algo, sum, size);
          set_failed (fetch, entry->id, TRUE, error);
          return FALSE;
        }
      if (!copy_file (fetch, source, out, cap, error))
        {
          say (fetch, TRUE, "%s: %s", entry->id, (*error)->message);
          return FALSE;
        }
      if (sum && !check_file (fetch, entry->id, out, algo, sum, size))
        {
          set_failed (fetch, entry->id, TRUE, error);
          return FALSE;
        }
      return TRUE;
    }

  urls = entry_urls (fetch, entry);
  if (!*urls)
    {
      say (fetch, TRUE, _("%s: the catalog has no download URL for it; install it from a "
                          "folder with --from DIR"), entry->id);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
                   _("The catalog has no download URL for '%s'"), entry->id);
      return FALSE;
    }
  for (gchar **url = urls; *url; url++)
    {
      Outcome outcome;

      say (fetch, FALSE, _("%s: downloading %s"), entry->id, *url);
      outcome = download (fetch, entry->id, *url, out, cap, error);
      if (outcome == STOP)
        return FALSE;
      if (outcome == GOT_FILE && (!sum || check_file (fetch, entry->id, out, algo, sum, size)))
        return TRUE;
      reached |= outcome != UNREACHABLE;
    }
  if (!reached)
    {
      g_autofree gchar *what = g_strdup_printf (_("On a machine that is online, download %s "
                                                  "into DIR,"), urls[0]);
      offline_advice (fetch, entry->id, what);
    }
  else
    say (fetch, TRUE, _("%s: no URL gave the file the catalog pins; nothing installed"),
         entry->id);
  set_failed (fetch, entry->id, reached, error);
  return FALSE;
}

/* Installs one file as DEST/@file (@source: where --from has it). */
static gboolean
install_file (NsFetch              *fetch,
              const NsCatalogEntry *entry,
              const gchar          *file,
              const gchar          *algo,
              const gchar          *sum,
              gint64                size,
              const gchar          *source,
              GError              **error)
{
  g_autofree gchar *target = g_build_filename (fetch->dest, file, NULL);
  g_autofree gchar *part = g_build_filename (fetch->partial, file, NULL);

  if (is_regular (target))
    {
      if (!sum)
        {
          say (fetch, FALSE, _("%s: already installed (the catalog pins no checksum to check it)"),
               entry->id);
          return TRUE;
        }
      if (matches (target, algo, sum, size))
        {
          say (fetch, FALSE, _("%s: already installed"), entry->id);
          return TRUE;
        }
      say (fetch, FALSE, _("%s: %s does not match the catalog's checksum, replacing it"),
           entry->id, target);
    }
  if (!sum && fetch->verify)
    {
      say (fetch, TRUE, _("%s: the catalog pins no checksum for %s, so it cannot be verified; "
                          "refusing to install it (use --no-verify to install it unchecked)"),
           entry->id, file);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNVERIFIABLE,
                   _("The catalog pins no checksum for '%s', so it cannot be verified"), entry->id);
      return FALSE;
    }

  fetch->style_total = size > 0 ? (guint64) size : 0;
  if (!acquire_file (fetch, entry, part, algo, sum, size, source, error))
    return FALSE;
  if (g_rename (part, target) != 0)
    {
      set_write_error (errno, target, error);
      say (fetch, TRUE, "%s: %s", entry->id, (*error)->message);
      return FALSE;
    }
  if (sum)
    say (fetch, FALSE, _("%s: installed %s (%s verified)"), entry->id, target, algo);
  else
    say (fetch, FALSE, _("%s: installed %s (not verified: the catalog pins no checksum)"),
         entry->id, target);
  return TRUE;
}

/* ml5 style folders */

/* Checks the files of @files that are in @dir; with @loud, says what is
 * wrong with each and removes it.  TRUE if every file is there and
 * matches. */
static gboolean
ml5_check (NsFetch     *fetch,
           const gchar *id,
           const gchar *dir,
           GPtrArray   *files,
           gboolean     loud)
{
  gboolean all = TRUE;

  for (guint i = 0; i < files->len; i++)
    {
      const NsMl5File *file = g_ptr_array_index (files, i);
      g_autofree gchar *path = g_build_filename (dir, file->name, NULL);
      g_autofree gchar *sum = NULL;
      guint64 size;

      if (!exists_nofollow (path))
        {
          all = FALSE;
          continue;
        }
      sum = file_checksum (path, G_CHECKSUM_SHA256, &size);
      if (sum && size == (guint64) file->size && strcmp (sum, file->sha256) == 0)
        continue;
      all = FALSE;
      if (!loud)
        return FALSE;
      if (!sum)
        say (fetch, TRUE, _("%s: cannot read %s"), id, path);
      else if (size != (guint64) file->size)
        say (fetch, TRUE,
             _("%s: %s is %llu bytes, the catalog expects %lld (truncated or not the right "
               "file)"),
             id, file->name, (unsigned long long) size, (long long) file->size);
      else
        say (fetch, TRUE, _("%s: %s: sha256 checksum mismatch (corrupt or not the right file): "
                            "expected %s, actual %s"),
             id, file->name, file->sha256, sum);
      set_why (fetch, size != (guint64) file->size
               ? _("a file has the wrong size (truncated or not the right file)")
               : _("checksum mismatch (a file is corrupt or not the right one)"));
      remove_all (path);
    }
  return all;
}

/* Copies the folder FROM/@folder into @tmp. */
static gboolean
ml5_copy (NsFetch      *fetch,
          const gchar  *id,
          const gchar  *folder,
          GPtrArray    *files,
          const gchar  *tmp,
          GError      **error)
{
  g_autofree gchar *source_dir = g_build_filename (fetch->from, folder, NULL);
  g_autoptr (GString) missing = g_string_new (NULL);

  say (fetch, FALSE, _("%s: copying %s/"), id, source_dir);
  for (guint i = 0; i < files->len; i++)
    {
      const NsMl5File *file = g_ptr_array_index (files, i);
      g_autofree gchar *path = g_build_filename (source_dir, file->name, NULL);
      if (!is_regular (path))
        g_string_append_printf (missing, " %s", file->name);
    }
  if (missing->len)
    {
      say (fetch, TRUE, _("%s: %s/ lacks%s"), id, source_dir, missing->str);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_FAILED,
                   _("%s/ lacks%s"), source_dir, missing->str);
      return FALSE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      const NsMl5File *file = g_ptr_array_index (files, i);
      g_autofree gchar *path = g_build_filename (source_dir, file->name, NULL);
      g_autofree gchar *out = g_build_filename (tmp, file->name, NULL);

      if (!copy_file (fetch, path, out, NS_FETCH_UNPINNED_MAX, error))
        {
          say (fetch, TRUE, "%s: %s", id, (*error)->message);
          return FALSE;
        }
      fetch->style_done += file->size;
    }
  fetch->style_done = 0;
  if (!ml5_check (fetch, id, tmp, files, TRUE))
    {
      set_failed (fetch, id, TRUE, error);
      return FALSE;
    }
  return TRUE;
}

/* Downloads the files of @files not yet in @tmp from the base URL @base,
 * stopping at the first that fails. */
static Outcome
ml5_download (NsFetch      *fetch,
              const gchar  *id,
              const gchar  *base,
              GPtrArray    *files,
              const gchar  *tmp,
              GError      **error)
{
  gboolean got_some = FALSE;

  for (guint i = 0; i < files->len; i++)
    {
      const NsMl5File *file = g_ptr_array_index (files, i);
      g_autofree gchar *out = g_build_filename (tmp, file->name, NULL);
      g_autofree gchar *url = NULL;
      Outcome outcome;

      if (exists_nofollow (out))
        continue;
      url = g_strconcat (base, file->name, NULL);
      outcome = download (fetch, id, url, out, file->size, error);
      if (outcome != GOT_FILE)
        {
          remove_all (out);
          return outcome == UNREACHABLE && got_some ? NOT_GOT : outcome;
        }
      got_some = TRUE;
      fetch->style_done += file->size;
    }
  return GOT_FILE;
}

/* Gets the files of ml5 folder @folder into @tmp, checked: from --from,
 * or from each URL in turn, for the files not yet there. */
static gboolean
ml5_get (NsFetch              *fetch,
         const NsCatalogEntry *entry,
         GPtrArray            *files,
         const gchar          *tmp,
         GError              **error)
{
  g_auto (GStrv) urls = NULL;
  gboolean reached = FALSE;

  if (fetch->from)
    return ml5_copy (fetch, entry->id, entry->file, files, tmp, error);

  urls = entry_urls (fetch, entry);
  if (!*urls)
    {
      say (fetch, TRUE, _("%s: the catalog has no download URL for it; install it from a "
                          "folder with --from DIR"), entry->id);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
                   _("The catalog has no download URL for '%s'"), entry->id);
      return FALSE;
    }
  for (gchar **url = urls; *url; url++)
    {
      guint count = 0;
      Outcome outcome;

      fetch->style_done = 0;
      for (guint i = 0; i < files->len; i++)
        {
          const NsMl5File *file = g_ptr_array_index (files, i);
          g_autofree gchar *path = g_build_filename (tmp, file->name, NULL);
          if (exists_nofollow (path))
            fetch->style_done += file->size;
          else
            count++;
        }
      say (fetch, FALSE, _("%s: downloading %u files from %s"), entry->id, count, *url);
      outcome = ml5_download (fetch, entry->id, *url, files, tmp, error);
      if (outcome == STOP)
        return FALSE;
      reached |= outcome != UNREACHABLE;
      if (ml5_check (fetch, entry->id, tmp, files, TRUE))
        return TRUE;
    }
  if (!reached)
    {
      g_autofree gchar *what = g_strdup_printf (_("On a machine that is online, download into "
                                                  "DIR/%s/ each file that %s lists for %s, "
                                                  "from %s,"),
                                                entry->file, ML5_SUMS_FILE, entry->file, urls[0]);
      offline_advice (fetch, entry->id, what);
    }
  else
    say (fetch, TRUE, _("%s: no URL gave every file the catalog pins; nothing installed"),
         entry->id);
  set_failed (fetch, entry->id, reached, error);
  return FALSE;
}

/* Puts the verified folder @tmp in @target's place in one step: swapped
 * with the old one if there is one (then removed), else renamed. */
static gboolean
replace_folder (const gchar  *tmp,
                const gchar  *target,
                const gchar  *old,
                GError      **error)
{
  if (!exists_nofollow (target))
    {
      if (g_rename (tmp, target) == 0)
        return TRUE;
    }
  else if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
    {
      remove_all (tmp);
      return TRUE;
    }
  else if ((errno == EINVAL || errno == ENOSYS)
           && g_rename (target, old) == 0)
    {
      /* A file system without the exchange: two renames. */
      if (g_rename (tmp, target) == 0)
        {
          remove_all (old);
          return TRUE;
        }
      g_rename (old, target);
    }
  set_write_error (errno, target, error);
  return FALSE;
}

/* Makes the files of the folder readable by everyone. */
static void
set_modes (const gchar *dir,
           GPtrArray   *files)
{
  g_chmod (dir, 0755);
  for (guint i = 0; i < files->len; i++)
    {
      const NsMl5File *file = g_ptr_array_index (files, i);
      g_autofree gchar *path = g_build_filename (dir, file->name, NULL);
      g_chmod (path, 0644);
    }
}

/* Installs an ml5 style as the folder DEST/<file>, or, from a folder that
 * holds only that, as its ONNX conversion. */
static gboolean
install_ml5 (NsFetch              *fetch,
             const NsCatalogEntry *entry,
             GError              **error)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) why = NULL;
  g_autofree gchar *target = g_build_filename (fetch->dest, entry->file, NULL);
  g_autofree gchar *tmp = g_build_filename (fetch->partial, entry->file, NULL);
  g_autofree gchar *old = g_strconcat (tmp, ".old", NULL);
  g_autofree gchar *onnx_path = NULL;
  g_autofree gchar *from_folder = NULL;
  g_autofree gchar *from_onnx = NULL;
  const gboolean has_onnx = entry->onnx && *entry->onnx != '.' && !strchr (entry->onnx, '/');

  files = ns_catalog_ml5_files (fetch->catalog, entry->file, &why);
  if (!files)
    {
      say (fetch, TRUE, "%s: %s", entry->id, why->message);
      g_set_error_literal (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG, why->message);
      return FALSE;
    }
  if (files->len == 0)
    {
      say (fetch, TRUE, _("%s: %s pins no file of %s; cannot install it"),
           entry->id, ML5_SUMS_FILE, entry->file);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
                   _("%s pins no file of %s"), ML5_SUMS_FILE, entry->file);
      return FALSE;
    }
  if (g_file_test (target, G_FILE_TEST_IS_DIR) && ml5_check (fetch, entry->id, target, files, FALSE))
    {
      say (fetch, FALSE, _("%s: already installed"), entry->id);
      return TRUE;
    }
  onnx_path = has_onnx ? g_build_filename (fetch->dest, entry->onnx, NULL) : NULL;
  if (onnx_path && entry->onnx_sha256
      && matches (onnx_path, "sha256", entry->onnx_sha256, entry->onnx_size))
    {
      say (fetch, FALSE, _("%s: already installed (its ONNX conversion %s)"), entry->id, entry->onnx);
      return TRUE;
    }
  if (fetch->from)
    {
      from_folder = g_build_filename (fetch->from, entry->file, NULL);
      from_onnx = has_onnx ? g_build_filename (fetch->from, entry->onnx, NULL) : NULL;
      if (!g_file_test (from_folder, G_FILE_TEST_IS_DIR) && from_onnx && is_regular (from_onnx))
        return install_file (fetch, entry, entry->onnx, "sha256", entry->onnx_sha256,
                             entry->onnx_size, from_onnx, error);
    }

  if (exists_nofollow (target))
    say (fetch, FALSE, _("%s: %s/ does not match the catalog's checksums, replacing it"),
         entry->id, target);
  if (g_mkdir (tmp, 0755) != 0)
    {
      set_write_error (errno, tmp, error);
      say (fetch, TRUE, "%s: %s", entry->id, (*error)->message);
      return FALSE;
    }
  fetch->style_total = 0;
  for (guint i = 0; i < files->len; i++)
    fetch->style_total += ((const NsMl5File *) g_ptr_array_index (files, i))->size;
  if (!ml5_get (fetch, entry, files, tmp, error))
    return FALSE;
  set_modes (tmp, files);
  if (!replace_folder (tmp, target, old, error))
    {
      say (fetch, TRUE, "%s: %s", entry->id, (*error)->message);
      return FALSE;
    }
  say (fetch, FALSE, _("%s: installed %s/ (%u files, sha256 verified)"), entry->id, target,
       files->len);
  return TRUE;
}

/* Styles */

static gboolean
is_plain_id (const gchar *id)
{
  if (!id || !*id)
    return FALSE;
  for (const gchar *c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("_.-", *c))
      return FALSE;
  return TRUE;
}

/* The networks a style vector needs. */
static const gchar *const vector_needs[] = { "magenta-prediction", "magenta-transfer", NULL };

static gboolean install_entry (NsFetch *fetch, const gchar *id, GError **error);

static gboolean
install_vector (NsFetch              *fetch,
                const NsCatalogEntry *entry,
                GError              **error)
{
  if (g_str_has_prefix (ns_fetch_install_state (fetch, entry->id), "yes"))
    {
      say (fetch, FALSE, _("%s: already installed"), entry->id);
      return TRUE;
    }
  for (guint i = 0; vector_needs[i]; i++)
    if (!install_entry (fetch, vector_needs[i], error))
      return FALSE;
  say (fetch, FALSE, _("%s: ready (a style vector for %s and %s)"), entry->id,
       vector_needs[0], vector_needs[1]);
  return TRUE;
}

static gboolean
install_entry (NsFetch      *fetch,
               const gchar  *id,
               GError      **error)
{
  const NsCatalogEntry *entry = is_plain_id (id) ? ns_catalog_lookup_entry (fetch->catalog, id)
                                                 : NULL;
  const gchar *algo = NULL, *sum = NULL;

  if (!entry)
    {
      say (fetch, TRUE, _("unknown style '%s' (see %s --list)"), id, COMMAND);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_UNKNOWN_STYLE,
                   _("Unknown style '%s'"), id);
      return FALSE;
    }
  if (g_hash_table_contains (fetch->done_ids, id))
    return TRUE;
  g_hash_table_add (fetch->done_ids, g_strdup (id));

  if (entry->file && (strchr (entry->file, '/') || *entry->file == '.'))
    {
      say (fetch, TRUE, _("%s: the catalog gives no usable file name ('%s')"), id, entry->file);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
                   _("The catalog gives '%s' no usable file name"), id);
      return FALSE;
    }
  if (!entry->file && !is_format (entry, "vector"))
    {
      say (fetch, TRUE, _("%s: the catalog gives no file name"), id);
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_CATALOG,
                   _("The catalog gives '%s' no file name"), id);
      return FALSE;
    }

  fetch->style_id = entry->id;
  fetch->style_done = 0;
  fetch->style_total = 0;
  if (is_format (entry, "vector"))
    return install_vector (fetch, entry, error);
  if (is_format (entry, "ml5"))
    return install_ml5 (fetch, entry, error);
  if (entry->sha256)
    algo = "sha256", sum = entry->sha256;
  else if (entry->sha1)
    algo = "sha1", sum = entry->sha1;
  return install_file (fetch, entry, entry->file, algo, sum, entry->size, NULL, error);
}

static gboolean
reload_catalog (NsFetch  *fetch,
                GError  **error)
{
  const gchar *search_path[] = { fetch->dest, NULL };
  NsCatalog *catalog = ns_catalog_new (fetch->catalog_file, search_path, error);

  if (!catalog)
    return FALSE;
  g_clear_pointer (&fetch->catalog, ns_catalog_free);
  fetch->catalog = catalog;
  return TRUE;
}

gboolean
ns_fetch_install (NsFetch      *fetch,
                  const gchar  *id,
                  GError      **error)
{
  gboolean done;

  g_return_val_if_fail (fetch != NULL && id != NULL, FALSE);

  fetch->cancelled = FALSE;
  g_clear_pointer (&fetch->why, g_free);
  fetch->why_answered = FALSE;
  /* What the last install did or failed to do is to be done again. */
  g_hash_table_remove_all (fetch->done_ids);
  if (!ns_catalog_lookup_entry (fetch->catalog, id))
    return install_entry (fetch, id, error);

  fetch->style_id = id;
  if (!lock_dest (fetch, error))
    {
      say (fetch, TRUE, "%s: %s", id, (*error)->message);
      return FALSE;
    }
  done = install_entry (fetch, id, error);
  unlock_dest (fetch);
  /* What is installed now. */
  reload_catalog (fetch, NULL);
  return done;
}

/* Listing */

const gchar *
ns_fetch_install_state (NsFetch     *fetch,
                        const gchar *id)
{
  const NsCatalogEntry *entry = ns_catalog_lookup_entry (fetch->catalog, id);
  const NsStyle *style;

  if (!entry)
    return "no";
  if (is_format (entry, "tflite"))
    {
      style = ns_catalog_lookup_network (fetch->catalog, id);
      return style && style->path ? "yes" : "no";
    }
  style = ns_catalog_lookup (fetch->catalog, id);
  if (!style || !style->path || !style->in_catalog)
    return "no";
  if (is_format (entry, "vector"))
    return style->prediction_path ? "yes" : "no";
  if (is_format (entry, "ml5") && g_strcmp0 (style->format, "onnx") == 0)
    return "yes (ONNX)";
  return "yes";
}

guint64
ns_fetch_style_bytes (NsFetch     *fetch,
                      const gchar *id)
{
  const NsCatalogEntry *entry = ns_catalog_lookup_entry (fetch->catalog, id);
  guint64 total = 0;

  if (!entry)
    return 0;
  if (is_format (entry, "vector"))
    {
      for (guint i = 0; vector_needs[i]; i++)
        total += ns_fetch_style_bytes (fetch, vector_needs[i]);
      return total;
    }
  if (is_format (entry, "ml5") && entry->file)
    {
      g_autoptr (GPtrArray) files = ns_catalog_ml5_files (fetch->catalog, entry->file, NULL);

      for (guint i = 0; files && i < files->len; i++)
        total += ((const NsMl5File *) g_ptr_array_index (files, i))->size;
      return total;
    }
  return entry->size > 0 ? (guint64) entry->size : 0;
}

/* The default set */

static gboolean
has_checksum (NsFetch              *fetch,
              const NsCatalogEntry *entry)
{
  if (is_format (entry, "ml5"))
    return ns_fetch_style_bytes (fetch, entry->id) > 0;
  if (is_format (entry, "vector"))
    return TRUE;
  return entry->sha256 || entry->sha1;
}

/* Does the --from folder hold @entry? */
static gboolean
from_has (NsFetch              *fetch,
          const NsCatalogEntry *entry)
{
  g_autofree gchar *path = NULL;

  if (is_format (entry, "vector"))
    {
      for (guint i = 0; vector_needs[i]; i++)
        {
          const NsCatalogEntry *need = ns_catalog_lookup_entry (fetch->catalog, vector_needs[i]);
          if (!need || !from_has (fetch, need))
            return FALSE;
        }
      return TRUE;
    }
  if (!entry->file || strchr (entry->file, '/'))
    return FALSE;
  if (is_format (entry, "ml5"))
    {
      g_autofree gchar *onnx = NULL;

      path = g_build_filename (fetch->from, entry->file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        return TRUE;
      onnx = entry->onnx ? g_build_filename (fetch->from, entry->onnx, NULL) : NULL;
      return onnx && is_regular (onnx);
    }
  path = find_source (fetch, entry);
  return path != NULL;
}

GStrv
ns_fetch_default_ids (NsFetch  *fetch,
                      gboolean  all)
{
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();
  GPtrArray *entries = ns_catalog_get_entries (fetch->catalog);

  for (guint i = 0; i < entries->len; i++)
    {
      const NsCatalogEntry *entry = g_ptr_array_index (entries, i);

      if (all)
        g_strv_builder_add (ids, entry->id);
      else if (entry->noncommercial || entry->optional)
        continue;
      else if (fetch->from)
        {
          if (!from_has (fetch, entry))
            continue;
          if (!fetch->verify || has_checksum (fetch, entry))
            g_strv_builder_add (ids, entry->id);
          else
            say (fetch, TRUE, _("skipping %s: the catalog pins no checksum for it "
                                "(use --no-verify to install it unchecked)"), entry->id);
        }
      else if ((*entry->urls || is_format (entry, "vector")) && has_checksum (fetch, entry))
        g_strv_builder_add (ids, entry->id);
    }
  return g_strv_builder_end (ids);
}

/* Making and freeing */

gboolean
ns_fetch_parse_timeout (const gchar *text,
                        guint64     *seconds)
{
  if (!text || !*text || strspn (text, "0123456789") != strlen (text)
      || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, seconds, NULL))
    return FALSE;
  *seconds = MIN (*seconds, NS_FETCH_MAX_TIMEOUT);
  return TRUE;
}

NsFetch *
ns_fetch_new (const NsFetchOptions  *options,
              GError               **error)
{
  g_autoptr (NsFetch) fetch = NULL;
  static gsize curl_ready = 0;

  g_return_val_if_fail (options != NULL, NULL);

  if (options->mirror && *options->mirror && !is_web_url (options->mirror))
    {
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION,
                   _("the mirror '%s' is not an http:// or https:// URL"), options->mirror);
      return NULL;
    }
  if (options->from && !g_file_test (options->from, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NS_FETCH_ERROR, NS_FETCH_ERROR_BAD_OPTION,
                   _("--from: '%s' is not a folder"), options->from);
      return NULL;
    }
  if (g_once_init_enter (&curl_ready))
    g_once_init_leave (&curl_ready, curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : 2);

  fetch = g_new0 (NsFetch, 1);
  fetch->lock_fd = -1;
  fetch->catalog_file = g_strdup (options->catalog_file);
  fetch->dest = options->dest ? g_strdup (options->dest) : ns_catalog_user_model_dir ();
  fetch->partial = g_build_filename (fetch->dest, PARTIAL_FOLDER, NULL);
  fetch->mirror = options->mirror && *options->mirror ? g_strdup (options->mirror) : NULL;
  fetch->from = g_strdup (options->from);
  fetch->verify = !options->no_verify;
  fetch->timeout = options->timeout ? MIN (options->timeout, NS_FETCH_MAX_TIMEOUT)
                                    : NS_FETCH_DEFAULT_TIMEOUT;
  fetch->message = options->message;
  fetch->progress = options->progress;
  fetch->user_data = options->user_data;
  fetch->done_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fetch->easy = curl_easy_init ();
  fetch->multi = curl_multi_init ();
  if (curl_ready != 1 || !fetch->easy || !fetch->multi)
    {
      g_set_error_literal (error, NS_FETCH_ERROR, NS_FETCH_ERROR_FAILED,
                           _("libcurl cannot be set up"));
      return NULL;
    }
  if (!reload_catalog (fetch, error))
    return NULL;
  return g_steal_pointer (&fetch);
}

void
ns_fetch_free (NsFetch *fetch)
{
  if (!fetch)
    return;
  if (fetch->lock_fd >= 0)
    unlock_dest (fetch);
  g_clear_pointer (&fetch->catalog, ns_catalog_free);
  g_clear_pointer (&fetch->done_ids, g_hash_table_unref);
  if (fetch->multi)
    curl_multi_cleanup (fetch->multi);
  if (fetch->easy)
    curl_easy_cleanup (fetch->easy);
  g_free (fetch->catalog_file);
  g_free (fetch->dest);
  g_free (fetch->partial);
  g_free (fetch->mirror);
  g_free (fetch->from);
  g_free (fetch->why);
  g_free (fetch);
}

NsCatalog *
ns_fetch_get_catalog (NsFetch *fetch)
{
  g_return_val_if_fail (fetch != NULL, NULL);
  return fetch->catalog;
}
