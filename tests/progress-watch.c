/* progress-watch: tells a test when a GIMP plug-in first reports
 * progress, so that the kill tests kill it while it paints (after a
 * fixed delay, a fast machine had finished the painting first).
 *
 * Preloaded into GIMP and the plug-ins it starts (LD_PRELOAD), it stands
 * in front of libgimp's gimp_progress_update (): the first call with a
 * fraction strictly between 0 and 1 (painting has begun, not ended)
 * creates the empty file $NS_PROGRESS_WATCH/PID, then every call goes on
 * to libgimp's own function.  Same signature in GIMP 2.10 and 3.x.
 * Built by gimpcommon.build_progress_watch () with the system's cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef int gboolean;

gboolean gimp_progress_update (double percentage);

static void
tell_first_report (void)
{
  static int told = 0;
  const char *dir = getenv ("NS_PROGRESS_WATCH");
  char path[4096];
  int fd;

  if (told || ! dir)
    return;
  told = 1;
  snprintf (path, sizeof path, "%s/%ld", dir, (long) getpid ());
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd >= 0)
    close (fd);
}

gboolean
gimp_progress_update (double percentage)
{
  static gboolean (*libgimp_update) (double) = NULL;

  if (! libgimp_update)
    libgimp_update = (gboolean (*) (double)) dlsym (RTLD_NEXT, "gimp_progress_update");
  if (percentage > 0.0 && percentage < 1.0)
    tell_first_report ();
  return libgimp_update ? libgimp_update (percentage) : 0;
}
