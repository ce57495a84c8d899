// test-snapshots.cpp: exact tiling's snapshots (engine/snapshot-store.cpp)
// come back as they went in, from memory or from the temporary files, with
// any number of threads; the files do not grow round after round, and are
// never seen in the temporary folder nor left open; the memory of each
// tile is made once.
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

// Rounds of snapshots of one size: each goes where the one read before it
// was, so the files stay one round's size.
void
test_space_reused ()
{
  ns::SnapshotStore store (3, 0);
  guint64 first_round = 0;
  for (int round = 0; round < 5; round++)
    {
      for (size_t i = 0; i < 3; i++)
        {
          if (round > 0)
            g_assert_true (same (store.get (i), random_snapshot (10 * (round - 1) + (int) i, 8, 64, 64)));
          store.put (i, random_snapshot (10 * round + (int) i, 8, 64, 64));
        }
      if (round == 0)
        first_round = store.file_size ();
      g_test_message ("round %d: files of %" G_GUINT64_FORMAT " bytes", round, store.file_size ());
      g_assert_cmpuint (store.file_size (), ==, first_round);
    }
  g_assert_cmpuint (first_round, >=, store.spilled () / 5);
}

// Exact tiling's rounds hold snapshots of changing sizes (wave's: 64, 32,
// then 64 bytes a pixel for ten rounds, 128, then 14): told each tile's
// largest, the store makes each tile's memory once, whatever the order,
// since every new page costs the kernel's clearing.
void
test_memory_kept ()
{
  const int channels[] = { 8, 4, 8, 8, 16, 2 };
  const size_t mib = 1 << 20;
  std::vector<size_t> largest;
  for (size_t i = 0; i < 3; i++)
    largest.push_back (random_snapshot (0, 16, 256, 256 + (int) i).bytes ());
  size_t all = 0;
  for (size_t bytes : largest)
    all += (bytes + mib - 1) / mib * mib;
  ns::SnapshotStore store (3, all, largest);
  for (size_t round = 0; round < G_N_ELEMENTS (channels); round++)
    for (size_t i = 0; i < 3; i++)
      {
        if (round > 0)
          g_assert_true (same (store.get (i), random_snapshot (10 * (int) round - 10 + (int) i,
                                                               channels[round - 1], 256, 256 + (int) i)));
        store.put (i, random_snapshot (10 * (int) round + (int) i, channels[round], 256, 256 + (int) i));
      }
  g_test_message ("%" G_GUINT64_FORMAT " bytes made for %zu bytes of largest snapshots",
                  store.made (), all);
  g_assert_cmpuint (store.made (), ==, all);
  g_assert_cmpuint (store.spilled (), ==, 0);
  for (size_t i = 0; i < 3; i++)
    g_assert_true (same (store.get (i), random_snapshot (50 + (int) i, 2, 256, 256 + (int) i)));
}

// The threads write and read a value's parts at once, one file each: a
// value of any size comes back whole with any number of them.
void
test_threads (gconstpointer data)
{
  const int threads = GPOINTER_TO_INT (data);
  const int before = cv::getNumThreads ();
  cv::setNumThreads (threads);
  {
    ns::SnapshotStore store (3, 0);
    const int widths[] = { 1, 333, 1000 }; // under a page per thread, and over
    for (size_t i = 0; i < 3; i++)
      store.put (i, random_snapshot ((int) i, 3, 5, widths[i]));
    for (size_t i = 0; i < 3; i++)
      g_assert_true (same (store.get (i), random_snapshot ((int) i, 3, 5, widths[i])));
  }
  cv::setNumThreads (before);
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
  g_test_add_func ("/snapshots/space-reused", test_space_reused);
  g_test_add_func ("/snapshots/memory-kept", test_memory_kept);
  for (int threads : { 1, 3, 8 })
    {
      g_autofree char *path = g_strdup_printf ("/snapshots/threads-%d", threads);
      g_test_add_data_func (path, GINT_TO_POINTER (threads), test_threads);
    }
  const int status = g_test_run ();
  g_rmdir (tmp);
  return status;
}
