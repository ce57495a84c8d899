// test-snapshots.cpp: exact tiling's snapshots (engine/snapshot-store.cpp)
// come back as they went in, from memory or from the temporary files, with
// any number of threads; the files do not grow round after round, and are
// never seen in the temporary folder nor left open; in memory they are the
// graph's own buffers, no copy, each of the value's own size, and the
// graph makes each buffer once.
#include "engine-private.hpp"
#include "graph.hpp"
#include "huge-pages.hpp"
#include "snapshot-store.hpp"
#include "tiling.hpp"
#include "test-util.hpp"

#include <glib.h>

#include <functional>
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

// `s` rounded to half floats and back: what a store in half floats gives.
ns::Snapshot
rounded_to_half (const ns::Snapshot &s)
{
  ns::Snapshot r;
  r.ids = s.ids;
  for (const cv::Mat &m : s.values)
    {
      cv::Mat h, f;
      m.convertTo (h, CV_16F);
      h.convertTo (f, CV_32F);
      r.values.push_back (f);
    }
  return r;
}

// A store in half floats (products in half precision, snapshots too large
// for memory in float32): in memory (its own buffers, half the bytes; the
// ones put are not held) or in the files (half the bytes written), every
// snapshot comes back as its half-float rounding, in float32, into the
// buffers `allocate` gives.
void
test_half (gconstpointer data)
{
  const size_t limit = GPOINTER_TO_SIZE (data);
  ns::SnapshotStore store (3, limit, true);
  g_assert_true (store.fits_in_memory (2.0 * limit));
  g_assert_false (store.fits_in_memory (2.0 * limit + 1));
  size_t floats = 0;
  for (size_t i = 0; i < 3; i++)
    {
      const ns::Snapshot s = random_snapshot ((int) i, 3 + (int) i, 17, 40);
      store.put (i, s);
      for (const cv::Mat &m : s.values)
        {
          g_assert_cmpint (m.u->refcount, ==, 1); // not held: converted
          floats += m.total ();
        }
    }
  if (limit > 0)
    {
      g_assert_cmpuint (store.held (), ==, floats * 2);
      g_assert_cmpuint (store.spilled (), ==, 0);
    }
  else
    g_assert_cmpuint (store.spilled (), ==, floats * 2);
  for (size_t i = 0; i < 3; i++)
    {
      std::vector<cv::Mat> given;
      const ns::Snapshot got = store.get (i, [&] (const cv::dnn::MatShape &shape) {
        given.emplace_back ((int) shape.size (), shape.data (), CV_32F);
        return given.back ();
      });
      const ns::Snapshot s = random_snapshot ((int) i, 3 + (int) i, 17, 40);
      g_assert_true (same (got, rounded_to_half (s)));
      g_assert_false (same (got, s));
      g_assert_cmpuint (given.size (), ==, got.values.size ());
      for (size_t v = 0; v < given.size (); v++)
        g_assert_true (got.values[v].data == given[v].data);
    }
  g_assert_cmpuint (store.held (), ==, 0);
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

// In memory the store keeps the very buffers put, no copy (copying each
// snapshot in and out cost a tenth of exact tiling's time), and gives
// them back; past its limit a snapshot goes to the files, and comes back
// into the buffers `allocate` gives.
void
test_buffers_kept ()
{
  const ns::Snapshot a = random_snapshot (1, 8, 64, 64), b = random_snapshot (2, 8, 64, 64);
  ns::SnapshotStore store (2, a.bytes ());
  store.put (0, a);
  g_assert_cmpuint (store.held (), ==, a.bytes ());
  store.put (1, b); // past the limit
  g_assert_cmpuint (store.spilled (), ==, b.bytes ());
  g_assert_cmpuint (store.held (), ==, a.bytes ());

  const ns::Snapshot got = store.get (0);
  g_assert_cmpuint (store.held (), ==, 0);
  g_assert_true (same (got, a));
  for (size_t v = 0; v < a.values.size (); v++)
    g_assert_true (got.values[v].data == a.values[v].data);

  std::vector<cv::Mat> given;
  const ns::Snapshot read = store.get (1, [&] (const cv::dnn::MatShape &shape) {
    given.emplace_back ((int) shape.size (), shape.data (), CV_32F);
    return given.back ();
  });
  g_assert_true (same (read, b));
  g_assert_cmpuint (given.size (), ==, b.values.size ());
  for (size_t v = 0; v < b.values.size (); v++)
    g_assert_true (read.values[v].data == given[v].data);

  // Values in part of a larger buffer hold all of it, once.
  cv::Mat buffer (1, 4000, CV_32F, cv::Scalar (0));
  ns::Snapshot views;
  views.ids = { 0, 1 };
  views.values = { buffer.colRange (0, 1000), buffer.colRange (1000, 1500) };
  ns::SnapshotStore store2 (1, 4000 * sizeof (float));
  store2.put (0, views);
  g_assert_cmpuint (store2.held (), ==, 4000 * sizeof (float));
  g_assert_cmpuint (store2.spilled (), ==, 0);
  store2.get (0);
  store2.put (0, views);
  ns::SnapshotStore store3 (1, 4000 * sizeof (float) - 1);
  store3.put (0, views);
  g_assert_cmpuint (store3.held (), ==, 0);
  g_assert_cmpuint (store3.spilled (), ==, 1500 * sizeof (float));
}

// `n` random network inputs of 136 x 96 pixels.
std::vector<cv::Mat>
random_blobs (int n)
{
  const int sizes[] = { 1, 3, 96, 136 };
  std::vector<cv::Mat> blobs;
  for (int i = 0; i < n; i++)
    {
      blobs.emplace_back (4, sizes, CV_32F);
      cv::randu (blobs.back (), 0.0, 255.0);
    }
  return blobs;
}

// Exact tiling's rounds, as stylize.cpp runs them: every tile up to
// normalization layer k through `store`, for each k in turn; `got` sees
// each snapshot the store gives back, `ran` runs after each tile.
void
run_rounds (ns::Graph &graph, ns::SnapshotStore &store, const std::vector<cv::Mat> &blobs, int n_layers,
            const std::function<void (const ns::Snapshot &)> &got, const std::function<void ()> &ran)
{
  const auto allocate = [&] (const cv::dnn::MatShape &shape) { return graph.buffer (shape); };
  for (int k = 0; k < n_layers; k++)
    for (size_t i = 0; i < blobs.size (); i++)
      {
        const auto keep = [&] (const ns::Snapshot &s) { store.put (i, s); };
        if (k == 0)
          graph.run_to_norm (blobs[i], nullptr, 0, keep);
        else
          {
            ns::Snapshot from = store.get (i, allocate);
            got (from);
            graph.run_to_norm (cv::Mat (), &from, k, keep);
          }
        ran ();
      }
}

// Each tile from the last round to the output, against one pass: bit for
// bit; `got` sees each output.
void
check_outputs (ns::Graph &graph, ns::SnapshotStore &store, const std::vector<cv::Mat> &blobs,
               const std::function<void (const cv::Mat &)> &got)
{
  const auto allocate = [&] (const cv::dnn::MatShape &shape) { return graph.buffer (shape); };
  for (size_t i = 0; i < blobs.size (); i++)
    {
      ns::Snapshot from = store.get (i, allocate);
      const cv::Mat out = graph.run_from (from);
      got (out);
      g_assert_cmpfloat (cv::norm (out, graph.forward (blobs[i]), cv::NORM_INF), ==, 0.0);
    }
}

// Exact tiling's rounds through the graph of the shared wave.onnx, every
// snapshot in memory: each tile run from one normalization layer to the
// next ends as one pass gives, bit for bit; the snapshots come back in the
// graph's own buffers (restore copies nothing, the output is one of its
// buffers too); and the graph makes each buffer once: a second job makes
// none.
void
test_graph_rounds ()
{
  NsEngine *engine = test::wave_engine ();
  ns::Graph &graph = *engine->graph;
  const int n_layers = (int) engine->norm_layers.size ();
  g_assert_cmpint (n_layers, >, 2);
  const std::vector<cv::Mat> blobs = random_blobs (3);

  size_t pool_after_first = 0;
  for (int job = 0; job < 2; job++)
    {
      graph.reserve (ns::shape_of (blobs[0]));
      ns::SnapshotStore store (blobs.size (), (size_t) 1 << 30);
      run_rounds (graph, store, blobs, n_layers,
                  [&] (const ns::Snapshot &from) {
                    for (const cv::Mat &m : from.values)
                      g_assert_true (graph.owns (m));
                  },
                  [] {});
      g_assert_cmpuint (store.spilled (), ==, 0);
      check_outputs (graph, store, blobs, [&] (const cv::Mat &out) { g_assert_true (graph.owns (out)); });
      g_assert_cmpuint (graph.copied_bytes (), ==, 0);
      g_test_message ("job %d: pool %zu bytes", job, graph.pool_bytes ());
      if (job == 0)
        pool_after_first = graph.pool_bytes ();
      else
        g_assert_cmpuint (graph.pool_bytes (), ==, pool_after_first);
    }
  graph.release ();
}

// Exact tiling's rounds with normalization layers that only gather their
// statistics (as stylize.cpp runs them: NormContext::start_gathering_only)
// run those layers over their inputs' buffers: the snapshot kept before
// the layer is what it is with a buffer of its own (bit for bit, checked
// after the round), so are the statistics, and the pool is smaller (a
// buffer of its own for the layer made the pool go past its plan, and
// drop and make buffers again, at 3 MP 79,000 more page faults).
void
test_gathers_in_place ()
{
  NsEngine *engine = test::wave_engine ();
  ns::Graph &graph = *engine->graph;
  ns::NormContext &norm = engine->norm;
  const int n_layers = (int) engine->norm_layers.size ();
  const std::vector<cv::Mat> blobs = random_blobs (3);
  const cv::Size size (blobs[0].size[3], blobs[0].size[2]);
  const auto allocate = [&] (const cv::dnn::MatShape &shape) { return graph.buffer (shape); };
  std::vector<cv::Mat> values[2];
  std::vector<double> sums[2];
  size_t pool[2];
  for (int over_input = 0; over_input < 2; over_input++)
    {
      graph.release ();
      graph.reserve (ns::shape_of (blobs[0]));
      ns::SnapshotStore store (blobs.size (), (size_t) 1 << 30);
      for (int k = 0; k < n_layers; k++)
        {
          norm.sums[k] = ns::ChannelSums ();
          for (size_t i = 0; i < blobs.size (); i++)
            {
              norm.start_gathering_only (k, cv::Rect (cv::Point (), size), size);
              ns::Snapshot held;
              const auto keep = [&] (const ns::Snapshot &s) {
                held = s;
                store.put (i, s);
              };
              if (k == 0)
                graph.run_to_norm (blobs[i], nullptr, 0, keep, over_input == 1);
              else
                {
                  ns::Snapshot from = store.get (i, allocate);
                  graph.run_to_norm (cv::Mat (), &from, k, keep, over_input == 1);
                }
              norm.stop_gathering ();
              // As the snapshot's buffers are after the layer ran.
              for (const cv::Mat &m : held.values)
                values[over_input].push_back (m.clone ());
            }
          sums[over_input].insert (sums[over_input].end (), norm.sums[k].sum.begin (), norm.sums[k].sum.end ());
          sums[over_input].insert (sums[over_input].end (), norm.sums[k].sum_sq.begin (),
                                   norm.sums[k].sum_sq.end ());
        }
      pool[over_input] = graph.pool_bytes ();
      g_test_message ("%s: pool %zu bytes", over_input ? "over the input" : "a buffer of its own",
                      pool[over_input]);
    }
  g_assert_cmpuint (values[0].size (), ==, values[1].size ());
  g_assert_cmpuint (values[0].size (), >=, (size_t) n_layers * blobs.size ());
  for (size_t i = 0; i < values[0].size (); i++)
    g_assert_cmpfloat (cv::norm (values[0][i], values[1][i], cv::NORM_INF), ==, 0.0);
  g_assert_true (sums[0] == sums[1]);
  g_assert_cmpuint (pool[1], <, pool[0]);
  graph.release ();
}

// The kernels' scratch (the split transposed convolutions' padded inputs)
// comes from the graph's pool, and reserve () makes room for it: a pass
// at the reserved size makes no buffer.
void
test_graph_scratch ()
{
  NsEngine *engine = test::wave_engine ();
  ns::Graph &graph = *engine->graph;
  const std::vector<cv::Mat> blobs = random_blobs (1);
  graph.reserve (ns::shape_of (blobs[0]));
  const size_t reserved = graph.pool_bytes (), taken = graph.scratch_taken ();
  graph.forward (blobs[0]);
  g_test_message ("pool %zu bytes, scratch %zu bytes", reserved, graph.scratch_taken () - taken);
  // Both transposed convolutions' padded inputs at least: 128 channels at
  // a sixteenth of the network input's pixels, 64 at a quarter; but not
  // their phases, which go to the output a block at a time (the smaller
  // one's alone would be 4 x 64 channels at a sixteenth).
  const size_t pixels = blobs[0].total () / 3;
  g_assert_cmpuint (graph.scratch_taken () - taken, >=, (8 + 16) * pixels * sizeof (float));
  g_assert_cmpuint (graph.scratch_taken () - taken, <, (8 + 16 + 16) * pixels * sizeof (float));
  g_assert_cmpuint (graph.pool_bytes (), ==, reserved);
  graph.release ();
}

// The store holds exactly the bytes of the snapshots it keeps in memory:
// a value a snapshot takes lives in a buffer of its own size, never in a
// larger one of the pool (at 3 MP, the store held 128-byte buffers for
// 32-byte values and spilled four times what it kept), also when a layer
// made it in place of its input (Magenta's network: `great-wave`).
void
test_graph_exact_buffers (gconstpointer data)
{
  const char *style = static_cast<const char *> (data);
  NsEngine *engine = g_str_equal (style, "wave") ? test::wave_engine () : test::open_style (style);
  ns::Graph &graph = *engine->graph;
  const int n_layers = (int) engine->norm_layers.size ();
  const std::vector<cv::Mat> blobs = random_blobs (3);
  graph.reserve (ns::shape_of (blobs[0]));
  const std::vector<double> bytes = graph.snapshot_bytes (ns::shape_of (blobs[0]));
  ns::SnapshotStore store (blobs.size (), (size_t) 1 << 30);
  size_t tiles_run = 0;
  run_rounds (graph, store, blobs, n_layers, [] (const ns::Snapshot &) {}, [&] {
    // After tile i of round k: tiles up to i hold layer k's, the rest k - 1's.
    const size_t n = blobs.size (), k = tiles_run / n, i = tiles_run % n;
    const double expected = (i + 1) * bytes[k] + (k > 0 ? (n - i - 1) * bytes[k - 1] : 0.0);
    g_assert_cmpfloat ((double) store.held (), ==, expected);
    tiles_run++;
  });
  g_assert_cmpuint (tiles_run, ==, n_layers * blobs.size ());
  check_outputs (graph, store, blobs, [] (const cv::Mat &) {});
  graph.release ();
  if (engine != test::wave_engine ())
    ns_engine_free (engine);
}

// pass_bytes () plans the pool reserve () makes, from the shapes alone
// (the tile plan counts on it, stylize.cpp): byte for byte, at several
// sizes, for the Johnson network and Magenta's.
void
test_graph_pass_bytes (gconstpointer data)
{
  const char *style = static_cast<const char *> (data);
  NsEngine *engine = g_str_equal (style, "wave") ? test::wave_engine () : test::open_style (style);
  ns::Graph &graph = *engine->graph;
  const cv::dnn::MatShape shapes[] = { { 1, 3, 96, 136 }, { 1, 3, 260, 180 }, { 1, 3, 403, 517 } };
  for (const cv::dnn::MatShape &shape : shapes)
    {
      graph.release ();
      graph.reserve (shape);
      g_test_message ("%s at %d x %d: %zu bytes", style, shape[3], shape[2], graph.pool_bytes ());
      g_assert_cmpfloat (graph.pass_bytes (shape), ==, (double) graph.pool_bytes ());
    }
  graph.release ();
  if (engine != test::wave_engine ())
    ns_engine_free (engine);
}

// A job's tiles (plan_job): where they are larger than plan_tiles' own,
// the pass's pool as planned and every tile's snapshot at the largest
// round, in float32, all fit in the budget; else they are plan_tiles' own.
// At 3 MP the first (two tiles, not three, unless this process holds more
// than 200 MB already, as under AddressSanitizer: what it holds counts),
// at 12 MP the second (the snapshots do not fit beside any pass).
void
test_job_plan ()
{
  NsEngine *engine = test::wave_engine ();
  const ns::Graph &graph = *engine->graph;
  NsOptions options;
  ns_options_init (&options);
  const guint64 budget = ns_options_default_memory_budget ();
  for (const cv::Size size : { cv::Size (2000, 1500), cv::Size (4000, 3000) })
    {
      const ns::Geometry geometry (size, 1.0);
      const ns::Plan own = ns::plan_tiles (geometry, budget, ns::kNetworkBytesPerPixel + graph.extra_bytes_per_pixel ());
      const ns::Plan plan = ns::plan_job (*engine, options, geometry);
      const cv::Size window = plan.tiles[0].input.size ();
      const cv::dnn::MatShape shape { 1, 3, window.height, window.width };
      const std::vector<double> rounds = graph.snapshot_bytes (shape);
      const double in_memory = graph.pass_bytes (shape)
                               + plan.tiles.size () * *std::max_element (rounds.begin (), rounds.end ());
      const double held = (double) ns::resident_bytes () - (double) ns::huge_pages_kept ();
      g_test_message ("%d x %d: %zu tiles of %d x %d (plan_tiles: %zu), %.0f MB planned in memory, "
                      "%.0f MB held", size.width, size.height, plan.tiles.size (), window.width,
                      window.height, own.tiles.size (), in_memory / 1e6, held / 1e6);
      g_assert_cmpuint (plan.tiles.size (), <=, own.tiles.size ());
      if (size.width == 2000 && held < 200e6)
        {
          g_assert_cmpuint (plan.tiles.size (), ==, 2);
          g_assert_cmpuint (own.tiles.size (), ==, 3);
        }
      if (plan.tiles.size () != own.tiles.size ())
        g_assert_cmpfloat (in_memory, <=, (double) budget);
      else
        g_assert_true (window == own.tiles[0].input.size ());
      if (size.width == 4000)
        g_assert_cmpuint (plan.tiles.size (), ==, own.tiles.size ());
    }
}

// With room for two tiles' snapshots of eight, the store holds some buffers of
// the pool and spills the rest: the pool, which makes up for the buffers
// held, stays within what it had plus the store's limit (it drops free
// buffers first), and the tiles still end as one pass gives.
void
test_graph_pool_limited ()
{
  NsEngine *engine = test::wave_engine ();
  ns::Graph &graph = *engine->graph;
  const int n_layers = (int) engine->norm_layers.size ();
  const std::vector<cv::Mat> blobs = random_blobs (8);
  graph.reserve (ns::shape_of (blobs[0]));
  const std::vector<double> bytes = graph.snapshot_bytes (ns::shape_of (blobs[0]));
  const size_t limit = (size_t) (2 * *std::max_element (bytes.begin (), bytes.end ()));
  const size_t pool_limit = graph.pool_bytes () + limit;
  graph.limit_pool (pool_limit);
  ns::SnapshotStore store (blobs.size (), limit);
  size_t largest_pool = 0;
  run_rounds (graph, store, blobs, n_layers, [] (const ns::Snapshot &) {},
              [&] { largest_pool = std::max (largest_pool, graph.pool_bytes ()); });
  g_test_message ("pool at most %zu bytes (limit %zu), %" G_GUINT64_FORMAT " bytes spilled",
                  largest_pool, pool_limit, store.spilled ());
  g_assert_cmpuint (store.spilled (), >, 0);
  g_assert_cmpuint (largest_pool, <=, pool_limit);
  check_outputs (graph, store, blobs, [] (const cv::Mat &) {});
  graph.release ();
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
  g_test_add_data_func ("/snapshots/half/in-memory", GSIZE_TO_POINTER (1 << 30), test_half);
  g_test_add_data_func ("/snapshots/half/spilled", GSIZE_TO_POINTER (0), test_half);
  g_test_add_func ("/snapshots/buffers-kept", test_buffers_kept);
  g_test_add_func ("/snapshots/graph-rounds", test_graph_rounds);
  g_test_add_data_func ("/snapshots/graph-exact-buffers/wave", "wave", test_graph_exact_buffers);
  g_test_add_data_func ("/snapshots/graph-exact-buffers/great-wave", "great-wave",
                        test_graph_exact_buffers);
  g_test_add_func ("/snapshots/graph-pool-limited", test_graph_pool_limited);
  g_test_add_func ("/snapshots/graph-scratch", test_graph_scratch);
  g_test_add_func ("/snapshots/gathers-in-place", test_gathers_in_place);
  g_test_add_data_func ("/snapshots/pass-bytes/wave", "wave", test_graph_pass_bytes);
  g_test_add_func ("/snapshots/job-plan", test_job_plan);
  g_test_add_data_func ("/snapshots/pass-bytes/great-wave", "great-wave", test_graph_pass_bytes);
  for (int threads : { 1, 3, 8 })
    {
      g_autofree char *path = g_strdup_printf ("/snapshots/threads-%d", threads);
      g_test_add_data_func (path, GINT_TO_POINTER (threads), test_threads);
    }
  const int status = g_test_run ();
  g_rmdir (tmp);
  return status;
}
