// test-snapshots.cpp: exact tiling's snapshots (engine/snapshot-store.cpp)
// come back as they went in, from memory or from the temporary file, and
// the file is never seen in the temporary folder nor left open.
#include "snapshot-store.hpp"
#include "test-util.hpp"

#include <glib.h>
#include <glib/gstdio.h>

#include <dirent.h>
#include <stdlib.h>

namespace {

// $TMPDIR for the whole program: GLib reads it once.
char tmp[] = "/tmp/ns-snapshots-XXXXXX";

int
count_entries (const char *dir)
{
  int n = 0;
  DIR *d = opendir (dir);
  g_assert_nonnull (d);
  while (const dirent *e = readdir (d))
    n += g_strcmp0 (e->d_name, ".") != 0 && g_strcmp0 (e->d_name, "..") != 0;
  closedir (d);
  return n;
}

ns::Snapshot
random_snapshot (int seed, int channels, int height, int width)
{
  cv::RNG rng (seed);
  ns::Snapshot s;
  for (int v = 0; v < 2; v++)
    {
      const int sizes[] = { 1, channels + v, height, width };
      cv::Mat f (4, sizes, CV_32F);
      rng.fill (f, cv::RNG::UNIFORM, -100.0, 100.0);
      s.ids.push_back (seed + v);
      s.values.push_back (f);
    }
  return s;
}

bool
same (const ns::Snapshot &a, const ns::Snapshot &b)
{
  if (a.ids != b.ids || a.values.size () != b.values.size ())
    return false;
  for (size_t i = 0; i < a.values.size (); i++)
    if (a.values[i].size != b.values[i].size || a.values[i].type () != CV_32F
        || b.values[i].type () != CV_32F || cv::norm (a.values[i], b.values[i], cv::NORM_INF) != 0)
      return false;
  return true;
}

// Three rounds over four tiles of different sizes, with a limit that keeps
// some in memory and spills the rest; every get returns the last put.
void
test_round_trip (gconstpointer data)
{
  const size_t limit = GPOINTER_TO_SIZE (data);
  const int fds_before = count_entries ("/proc/self/fd");
  {
    ns::SnapshotStore store (4, limit);
    for (int round = 0; round < 3; round++)
      for (size_t i = 0; i < 4; i++)
        {
          if (round > 0)
            g_assert_true (same (store.get (i), random_snapshot (10 * (round - 1) + (int) i, 3 + (int) i, 17, 5 + round)));
          store.put (i, random_snapshot (10 * round + (int) i, 3 + (int) i, 17, 6 + round));
          g_assert_cmpint (count_entries (tmp), ==, 0); // unlinked at once
        }
    for (size_t i = 0; i < 4; i++)
      g_assert_true (same (store.get (i), random_snapshot (20 + (int) i, 3 + (int) i, 17, 8)));
    g_test_message ("limit %zu bytes: %" G_GUINT64_FORMAT " bytes spilled", limit, store.spilled ());
    if (limit == 0)
      g_assert_cmpuint (store.spilled (), >, 0);
    else
      g_assert_cmpuint (store.spilled (), ==, 0);
  }
  g_assert_cmpint (count_entries ("/proc/self/fd"), ==, fds_before); // closed
}

} // namespace

int
main (int argc, char **argv)
{
  g_assert_nonnull (mkdtemp (tmp));
  g_setenv ("TMPDIR", tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/snapshots/in-memory", GSIZE_TO_POINTER (1 << 30), test_round_trip);
  g_test_add_data_func ("/snapshots/spilled", GSIZE_TO_POINTER (0), test_round_trip);
  const int status = g_test_run ();
  g_rmdir (tmp);
  return status;
}
