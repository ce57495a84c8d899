// stylize.cpp: the pipeline from source pixels to stylized pixels.
//
// Small images go through the network whole.  Larger ones go in tiles with
// a halo; instance normalization then uses statistics shared by all tiles,
// taken exactly, one normalization layer at a time over all tiles at full
// resolution (the default, whenever the snapshots between layers fit in
// memory and the temporary folder), or from the image shrunk to fit.
#include "engine-private.hpp"
#include "graph.hpp"
#include "huge-pages.hpp"
#include "snapshot-store.hpp"
#include "pixels.hpp"
#include "tiling.hpp"

#include <opencv2/core/utility.hpp>

#include <glib/gstdio.h>
#include <sys/statvfs.h>

namespace ns {

namespace {

// Turns work done into the caller's progress fraction, and the caller's
// "stop" into a Cancelled exception.
class Progress
{
public:
  Progress (NsProgressFunc func, gpointer data)
    : func_ (func), data_ (data)
  {
  }

  void set_total (double units) { total_ = std::max (units, 1.0); }

  // A forward pass worth `units`, going through `layers` normalizations.
  void
  begin (double units, int layers)
  {
    current_ = units;
    layers_ = layers;
  }

  // A part of a pass that ticks no normalization layers in order
  // (layers = -1) only checks for cancel.
  void
  tick (int layer)
  {
    report (done_ + (layers_ < 0 ? 0.0 : current_ * (layer + 1) / (layers_ + 1)));
  }

  void
  end ()
  {
    done_ += current_;
    current_ = 0;
    report (done_);
  }

  void
  report (double units)
  {
    if (func_ && !func_ (std::min (1.0, units / total_), data_))
      throw Cancelled ();
  }

private:
  NsProgressFunc func_;
  gpointer data_;
  double total_ = 1.0;
  double done_ = 0.0;
  double current_ = 0.0;
  int layers_ = 0;
};

// Leaves the network's normalization as loaded, and frees the buffers the
// job's passes shared, however the run ends.
struct JobEnd
{
  NsEngine &engine;
  ~JobEnd ()
  {
    engine.norm.use_own_statistics ();
    engine.norm.tick = nullptr;
    if (engine.graph)
      engine.graph->release ();
  }
};

// Snapshots of small images stay in memory unless the budget is smaller.
constexpr guint64 kMinSnapshotMemory = 64 << 20;
// Free space left to everything else when snapshots go to the temporary
// folder.
constexpr double kTempReserve = 256.0 * (1 << 20);

guint64
memory_budget (const NsOptions &o)
{
  return o.memory_budget ? o.memory_budget : ns_options_default_memory_budget ();
}

double
network_bytes_per_pixel (const NsEngine &e)
{
  return kNetworkBytesPerPixel + (e.graph ? e.graph->extra_bytes_per_pixel () : 0);
}

// What the process holds before a job (the caller's image, the network,
// the libraries: 150 to 200 MB in the CLI, and uncounted the peak went
// 110 MB past the budget at 12 MP), which counts against the budget too:
// its resident memory but the freed mappings kept, and at most a quarter
// of the budget, since a host such as GIMP holds its own images beside
// the engine (the GEGL operation runs in GIMP's process).
double
held_before_job (guint64 budget)
{
  const double resident = (double) resident_bytes () - (double) huge_pages_kept ();
  return std::min (std::max (resident, 0.0), budget / 4.0);
}

// The tiles of a job: as large as kNetworkBytesPerPixel lets them be (what
// OpenCV's own layers take, with a margin), or larger where the engine's
// graph plans its pass (Graph::pass_bytes) and all of exact tiling fits in
// the budget beside what the process holds already: the pass's buffers
// and every tile's snapshot at the largest round in float32 (then none is
// converted or spilled).  At 3 MP that is two tiles instead of three (19 %
// of the pixels computed twice, 13 % then; peak 1088 MiB, planned 1227).
// Not the whole image: a whole 3 MP pass peaked 190 MB above its plan
// (the pass allocates outside the pool too).
Plan
job_plan (const NsEngine &e, const NsOptions &o, const Geometry &geometry)
{
  const guint64 budget = memory_budget (o);
  TileFits in_memory;
  if (e.graph && e.graph->rewritten () > 0)
    {
      // Read once for the whole plan (resident_bytes () reads /proc).
      const double room = (double) budget - held_before_job (budget) - (double) huge_pages_kept_limit;
      in_memory = [&e, room] (cv::Size window, int tiles) {
        if (tiles == 1)
          return false;
        const cv::dnn::MatShape shape { 1, 3, window.height, window.width };
        try
          {
            const std::vector<double> rounds = e.graph->snapshot_bytes (shape);
            const double snapshots = tiles * *std::max_element (rounds.begin (), rounds.end ());
            return e.graph->pass_bytes (shape) + snapshots <= room;
          }
        catch (const cv::Exception &)
          {
            return false;
          }
      };
    }
  return plan_tiles (geometry, budget, network_bytes_per_pixel (e), in_memory);
}

// Exact tiling's snapshots of every tile at each normalization layer,
// in bytes.
std::vector<double>
snapshot_rounds (const NsEngine &e, const Plan &plan)
{
  std::vector<double> rounds;
  for (const Tile &t : plan.tiles)
    {
      const std::vector<double> b = e.graph->snapshot_bytes ({ 1, 3, t.input.height, t.input.width });
      rounds.resize (std::max (rounds.size (), b.size ()), 0.0);
      for (size_t k = 0; k < b.size (); k++)
        rounds[k] += b[k];
    }
  return rounds;
}

// What exact tiling's snapshots need beyond memory: the store holds one
// snapshot per tile, in memory up to what the budget leaves beside a
// pass's buffers; in round k each tile's snapshot at layer k - 1 makes way
// for its one at layer k, so files may hold both rounds' at once.
double
snapshot_disk_bytes (const NsEngine &e, const NsOptions &o, const Plan &plan)
{
  std::vector<double> rounds = snapshot_rounds (e, plan);
  // The first layer's round keeps nothing when another follows (but in
  // memory, when all of it fits there: first_round_kept).
  if (rounds.size () > 1)
    rounds[0] = 0;
  double largest = 0, pair = 0;
  for (size_t k = 0; k < rounds.size (); k++)
    {
      largest = std::max (largest, rounds[k]);
      pair = std::max (pair, rounds[k] + (k > 0 ? rounds[k - 1] : 0.0));
    }
  const double budget = (double) memory_budget (o);
  const double pass = network_bytes_per_pixel (e) * plan.tiles[0].input.area ()
                      + held_before_job (memory_budget (o));
  const double memory = std::max (budget - pass, std::min (budget, (double) kMinSnapshotMemory));
  return largest <= memory ? 0.0 : pair;
}

double
free_temp_bytes ()
{
  struct statvfs fs;
  if (statvfs (g_get_tmp_dir (), &fs) != 0)
    return 0;
  return (double) fs.f_bavail * fs.f_frsize;
}

std::string
size_text (double bytes)
{
  g_autofree gchar *text = g_format_size_full ((guint64) std::max (bytes, 0.0),
                                               G_FORMAT_SIZE_IEC_UNITS);
  return text;
}

// Whole-image statistics when a job can have them.  `why` says why not.
NsStatistics
choose_statistics (const NsEngine &e, const NsOptions &o, const Plan &plan, std::string &why)
{
  if (plan.whole () || e.norm_layers.empty () || o.statistics == NS_STATISTICS_SHRUNK)
    return plan.whole () || e.norm_layers.empty () ? NS_STATISTICS_WHOLE : NS_STATISTICS_SHRUNK;
  // Without the engine's graph every layer's statistics cost a pass of
  // their own (about 8 times the painting): only when asked for.
  if (!e.graph)
    {
      if (o.statistics == NS_STATISTICS_WHOLE)
        return NS_STATISTICS_WHOLE;
      why = _("This network cannot stop between its layers, so whole-image statistics would "
              "take many times as long");
      return NS_STATISTICS_SHRUNK;
    }
  const double need = snapshot_disk_bytes (e, o, plan);
  if (need <= 0)
    return NS_STATISTICS_WHOLE;
  const double free = free_temp_bytes ();
  if (need + kTempReserve <= free)
    return NS_STATISTICS_WHOLE;
  g_autofree gchar *text = g_strdup_printf (
    _("Whole-image statistics for this image need %s free in the temporary folder %s "
      "(%s free, %s kept free; TMPDIR chooses another folder)"),
    size_text (need).c_str (), g_get_tmp_dir (), size_text (free).c_str (),
    size_text (kTempReserve).c_str ());
  why = text;
  return o.statistics == NS_STATISTICS_WHOLE ? NS_STATISTICS_AUTO : NS_STATISTICS_SHRUNK;
}

// choose_statistics, or the error when whole-image statistics are asked for
// and cannot be had.
NsStatistics
statistics_or_fail (const NsEngine &e, const NsOptions &o, const Plan &plan, std::string &why)
{
  const NsStatistics statistics = choose_statistics (e, o, plan, why);
  if (statistics == NS_STATISTICS_AUTO)
    fail (NS_ENGINE_ERROR_NO_MEMORY, "%s", why.c_str ());
  return statistics;
}

class Stylizer
{
public:
  Stylizer (NsEngine &engine, const NsOptions &options, const NsImageIO &io, Progress &progress)
    : e_ (engine), o_ (options), io_ (io), progress_ (progress),
      geometry_ (cv::Size (io.width, io.height), options.scale),
      plan_ (job_plan (engine, options, geometry_))
  {
  }

  void
  run ()
  {
    JobEnd end { e_ };
    std::string why;
    const NsStatistics statistics = statistics_or_fail (e_, o_, plan_, why);
    const bool shared = !plan_.whole () && n_layers () > 0;
    const bool exact = shared && statistics == NS_STATISTICS_WHOLE;

    e_.norm.use_own_statistics ();
    e_.norm.tick = [this] (int layer) { progress_.tick (layer); };

    double total = tiles_area ();
    if (shared && !exact)
      total += network_input_size (plan_.stats_size).area ();
    if (exact && !e_.graph)
      total += tiles_area () * n_layers () / 2.0;
    progress_.set_total (total);

    if (exact && e_.graph)
      return run_exact ();
    if (exact)
      gather_exact_statistics ();
    else if (shared)
      gather_shrunk_statistics ();

    for (const Tile &tile : plan_.tiles)
      stylize_tile (tile);
  }

  // The statistics run () would paint with, without painting: one pass
  // gathering every layer's (an image painted whole), the exact rounds, or
  // the shrunk copy's pass.
  std::vector<ChannelStats>
  measure ()
  {
    JobEnd end { e_ };
    std::string why;
    const NsStatistics statistics = statistics_or_fail (e_, o_, plan_, why);
    e_.norm.use_own_statistics ();
    e_.norm.tick = [this] (int layer) { progress_.tick (layer); };
    if (n_layers () == 0)
      return {};

    if (plan_.whole ())
      {
        const Tile &tile = plan_.tiles[0];
        cv::Mat source_rgba;
        cv::Rect source_rect;
        progress_.set_total (tile.input.area ());
        const cv::Mat blob = network_blob (tile, source_rgba, source_rect);
        for (ChannelSums &s : e_.norm.sums)
          s = ChannelSums ();
        progress_.begin (tile.input.area (), n_layers ());
        e_.norm.start_gathering (-1, tile.core - tile.input.tl (), tile.input.size ());
        forward_blob (blob);
        e_.norm.stop_gathering ();
        progress_.end ();
        return e_.norm.gathered ();
      }
    if (statistics == NS_STATISTICS_SHRUNK)
      {
        progress_.set_total (network_input_size (plan_.stats_size).area ());
        gather_shrunk_statistics ();
      }
    else if (e_.graph)
      {
        progress_.set_total (tiles_area () * n_layers () / (n_layers () + 1.0));
        exact_rounds (*exact_store ());
      }
    else
      {
        progress_.set_total (tiles_area () * n_layers () / 2.0);
        gather_exact_statistics ();
      }
    return e_.norm.fixed;
  }

  // Paints the source rectangle `region` with `stats`, as run () paints it
  // with them: the tile around it, halo included, through the network.
  void
  paint_region (const std::vector<ChannelStats> &stats, const cv::Rect &region)
  {
    JobEnd end { e_ };
    const Tile tile = tile_for_source (geometry_, region);
    e_.norm.use_own_statistics ();
    e_.norm.fixed = stats;
    e_.norm.tick = [this] (int layer) { progress_.tick (layer); };
    progress_.set_total (tile.input.area ());
    stylize_tile (tile);
  }

private:
  cv::Mat
  forward_blob (const cv::Mat &blob)
  {
    return ns::forward (e_, blob);
  }

  int n_layers () const { return (int) e_.norm_layers.size (); }

  double
  tiles_area () const
  {
    double area = 0;
    for (const Tile &t : plan_.tiles)
      area += t.input.area ();
    return area;
  }

  cv::Mat
  forward (const cv::Mat &rgb, const std::string &upto = std::string ())
  {
    return ns::forward (e_, to_blob (rgb, e_.convention), upto);
  }

  // The statistics of a shrunken copy: one cheap pass, no seams, close to
  // (not equal to) what the whole image would give.  Padded for the network
  // like every other input, and gathered over all of it as a whole-image
  // pass would.
  //
  // It runs in the buffers the tiles will use (Graph::reserve): reflected
  // out to the tiles' size, the shrunken image gave other statistics
  // (15 dB from a whole-image pass at 3 MP, against 22.6 dB).
  void
  gather_shrunk_statistics ()
  {
    const cv::Mat small = pad_for_network (shrink_source (io_, plan_.stats_size));
    NormContext &norm = e_.norm;

    if (e_.graph)
      {
        const cv::Size tile = plan_.tiles[0].input.size ();
        e_.graph->reserve ({ 1, 3, tile.height, tile.width });
      }
    for (ChannelSums &s : norm.sums)
      s = ChannelSums ();
    progress_.begin (small.size ().area (), n_layers ());
    norm.start_gathering (-1, cv::Rect (cv::Point (0, 0), small.size ()), small.size ());
    forward (small);
    norm.stop_gathering ();
    progress_.end ();

    norm.fixed = norm.gathered ();
  }

  // Layer k's statistics over every tile's core, with layers < k already
  // normalized by whole-image statistics: exactly what a whole-image pass
  // computes, for one forward pass (up to layer k) per layer and tile.
  void
  gather_exact_statistics ()
  {
    NormContext &norm = e_.norm;
    norm.fixed.clear ();

    for (int k = 0; k < n_layers (); k++)
      {
        norm.sums[k] = ChannelSums ();
        for (const Tile &tile : plan_.tiles)
          {
            cv::Mat source_rgba;
            cv::Rect source_rect;
            const cv::Mat rgb = sample_network_rgb (io_, geometry_, tile.input, source_rgba, source_rect);

            progress_.begin (tile.input.area () * (k + 1.0) / (n_layers () + 1), k + 1);
            norm.start_gathering_only (k, tile.core - tile.input.tl (), tile.input.size ());
            forward (rgb, e_.norm_layers[k]);
            norm.stop_gathering ();
            progress_.end ();
          }
        norm.fixed.push_back (norm.gathered ()[k]);
      }
  }

  // Exact tiling through the engine's graph: each tile runs up to the
  // first normalization layer and stops there; once every tile's part of
  // that layer is summed, each goes on from where it stopped to the next
  // one, and so on.  Every layer of every tile runs once (those before the
  // first normalization twice; each normalization layer once only summing,
  // once normalizing): little more than shrunk statistics, which take a
  // statistics pass instead, besides the snapshots' cost.  Snapshots stay
  // in memory up to what the memory budget leaves beside the graph's
  // buffers and go to temporary files beyond, read back straight into the
  // buffers the next pass uses.  They are floats: in half floats exact
  // tiling came out 83 dB from a whole-image pass instead of 136-148, and
  // Magenta's paintings 72-76 dB from the reference instead of 107.  But
  // where the products run in half precision (61 dB from one pass) and the
  // float32 snapshots would spill, they are half floats (exact_store):
  // 59.6 dB, and at 12 MP 3.1 GB through the files instead of 10.8.
  void
  run_exact ()
  {
    const std::unique_ptr<SnapshotStore> store = exact_store ();
    exact_rounds (*store);

    const double segment = 1.0 / (n_layers () + 1);
    const auto allocate = [this] (const cv::dnn::MatShape &shape) { return e_.graph->buffer (shape); };
    for (size_t i = 0; i < plan_.tiles.size (); i++)
      {
        const Tile &tile = plan_.tiles[i];
        cv::Mat source_rgba;
        cv::Rect source_rect;
        // Only the source pixels: the network input comes from the snapshot.
        sample_network_rgb (io_, geometry_, tile.input, source_rgba, source_rect);
        progress_.begin (tile.input.area () * segment, -1);
        Snapshot from = store->get (i, allocate);
        const cv::Mat out = e_.graph->run_from (from);
        progress_.end ();
        write_tile (tile, out, source_rgba, source_rect);
      }
  }

  // Exact tiling's store: what the budget leaves beside what the process
  // holds already (held_before_job), a pass's buffers (made now, at the
  // tiles' size, the kernels' scratch from the pool included), the
  // kernels' own buffers and the freed buffers' mappings kept for reuse
  // (huge-pages.hpp; uncounted, Magenta's network peaked at 1.6 GiB at
  // 24 MP, 1.4 GiB counted), but no more than the snapshots of one round
  // (each is held in buffers of its own size): the pool may grow by as
  // much (unless they are in half floats), and it keeps free buffers up to
  // its limit.
  std::unique_ptr<SnapshotStore>
  exact_store ()
  {
    const cv::Size size = plan_.tiles[0].input.size ();
    const double before = held_before_job (memory_budget (o_));
    e_.graph->reserve ({ 1, 3, size.height, size.width });
    const double used = before + (double) e_.graph->pool_bytes () + (double) huge_pages_kept_limit;
    const double budget = (double) memory_budget (o_);
    const std::vector<double> rounds = snapshot_rounds (e_, plan_);
    const double room = std::max (budget - used, std::min (budget, (double) kMinSnapshotMemory));
    const double round = *std::max_element (rounds.begin (), rounds.end ());
    // Where the products run in half precision, snapshots that would not
    // all fit in memory in float32 are kept in half floats, the store's
    // own buffers: twice as many stay in memory, and half the bytes go
    // through the files.
    if (round > room && gemm_half ())
      {
        e_.graph->limit_pool (e_.graph->pool_bytes ());
        return std::make_unique<SnapshotStore> (plan_.tiles.size (),
                                                (size_t) std::min (round / 2, room), true);
      }
    // The store holds buffers of the pool, which makes up for them.
    const size_t limit = (size_t) std::min (round, room);
    e_.graph->limit_pool (e_.graph->pool_bytes () + limit);
    return std::make_unique<SnapshotStore> (plan_.tiles.size (), limit);
  }

  // Whether every tile's snapshot at the first normalization layer fits
  // in the store's memory: kept there it costs nothing (the store holds
  // the graph's buffers), so the next round goes on from it instead of
  // running the first layers again.
  bool
  first_round_kept (const SnapshotStore &store) const
  {
    return store.fits_in_memory (snapshot_rounds (e_, plan_)[0]);
  }

  // Every normalization layer's whole-image statistics into norm.fixed,
  // each tile's values at the last one into `store`.
  void
  exact_rounds (SnapshotStore &store)
  {
    NormContext &norm = e_.norm;
    norm.fixed.clear ();
    const auto allocate = [this] (const cv::dnn::MatShape &shape) { return e_.graph->buffer (shape); };
    const double segment = 1.0 / (n_layers () + 1);
    const bool keep_first = n_layers () == 1 || first_round_kept (store);

    for (int k = 0; k < n_layers (); k++)
      {
        norm.sums[k] = ChannelSums ();
        for (size_t i = 0; i < plan_.tiles.size (); i++)
          {
            const Tile &tile = plan_.tiles[i];
            cv::Mat source_rgba;
            cv::Rect source_rect;
            progress_.begin (tile.input.area () * segment, -1);
            norm.start_gathering_only (k, tile.core - tile.input.tl (), tile.input.size ());
            const auto keep = [&] (const Snapshot &s) { store.put (i, s); };
            if (k == 0 && !keep_first)
              // Statistics only: the next round starts from the photo again.
              // The first layer's output (32 planes at full size, 4 GB at
              // 24 MP) costs more to write and read back than to compute.
              e_.graph->run_to_norm (network_blob (tile, source_rgba, source_rect), nullptr, 0,
                                     [] (const Snapshot &) {}, true);
            else if (k == 0 || (k == 1 && !keep_first))
              e_.graph->run_to_norm (network_blob (tile, source_rgba, source_rect), nullptr, k, keep, true);
            else
              {
                Snapshot from = store.get (i, allocate);
                e_.graph->run_to_norm (cv::Mat (), &from, k, keep, true);
              }
            norm.stop_gathering ();
            progress_.end ();
          }
        norm.fixed.push_back (norm.gathered ()[k]);
      }
  }

  // The network's input for `tile`; the source pixels it covers go to
  // `source_rgba` (at `source_rect`).
  cv::Mat
  network_blob (const Tile &tile, cv::Mat &source_rgba, cv::Rect &source_rect)
  {
    return to_blob (sample_network_rgb (io_, geometry_, tile.input, source_rgba, source_rect),
                    e_.convention);
  }

  void
  stylize_tile (const Tile &tile)
  {
    cv::Mat source_rgba;
    cv::Rect source_rect;
    const cv::Mat blob = network_blob (tile, source_rgba, source_rect);
    progress_.begin (tile.input.area (), n_layers ());
    const cv::Mat out = ns::forward (e_, blob);
    progress_.end ();
    write_tile (tile, out, source_rgba, source_rect);
  }

  // The network's output for `tile`, blended into the source and written.
  void
  write_tile (const Tile &tile, const cv::Mat &out, const cv::Mat &source_rgba,
              const cv::Rect &source_rect)
  {
    const cv::Mat styled_net = from_blob (out, e_.convention);
    const cv::Mat styled = resample_to_source (styled_net, tile.input, geometry_, tile.source);
    write_rgba (io_, tile.source, composite (styled, source_rgba (tile.source - source_rect.tl ()), o_));
  }

  NsEngine &e_;
  const NsOptions &o_;
  const NsImageIO &io_;
  Progress &progress_;
  Geometry geometry_;
  Plan plan_;
};

// Strength 0 is the original: no network, bit for bit.
void
copy_through (const NsImageIO &io, Progress &progress)
{
  const int strip = 64;
  progress.set_total (io.height);
  for (int y = 0; y < io.height; y += strip)
    {
      const cv::Rect rect (0, y, io.width, std::min (strip, io.height - y));
      write_rgba (io, rect, read_rgba (io, rect));
      progress.report (rect.br ().y);
    }
}

// The network's input must stay addressable by int and finish this century.
constexpr double kMaxNetworkPixels = 1e9;

// NEURAL_STYLE_FULL_PRECISION=1 (any value but empty and 0): float32
// throughout, whatever the options say (for scripts and GIMP, which
// have no option for it, and for the tests that compare against float32
// references).
bool
full_precision_forced ()
{
  const char *v = g_getenv ("NEURAL_STYLE_FULL_PRECISION");
  return v && *v && g_strcmp0 (v, "0") != 0;
}

// What the options say for the whole process: OpenCV's threads, and
// whether matrix products may run in half precision.
void
use_options_everywhere (const NsOptions &options)
{
  cv::setNumThreads (options.threads > 0 ? options.threads : -1);
  gemm_set_half (!options.full_precision && !full_precision_forced ());
}

void
check_image (const NsImageIO &io, const NsOptions &options)
{
  if (io.width <= 0 || io.height <= 0)
    fail (NS_ENGINE_ERROR_BAD_IMAGE, _("The image is empty (%d x %d pixels)"), io.width, io.height);

  const double network_pixels = (double) io.width * io.height / (options.scale * options.scale);
  if (network_pixels > kMaxNetworkPixels)
    fail (NS_ENGINE_ERROR_BAD_IMAGE,
          _("The image is too large: %d x %d pixels at stroke scale %g means %.0f megapixels "
            "for the network (at most %.0f); use a larger stroke scale"),
          io.width, io.height, options.scale, network_pixels / 1e6, kMaxNetworkPixels / 1e6);
}

} // namespace

Plan
plan_job (const NsEngine &engine, const NsOptions &options, const Geometry &geometry)
{
  return job_plan (engine, options, geometry);
}

} // namespace ns

gboolean
ns_engine_stylize (NsEngine        *engine,
                   const NsOptions *options,
                   const NsImageIO *io,
                   NsProgressFunc   progress,
                   gpointer         progress_data,
                   GError         **error)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (io != NULL && io->read != NULL && io->write != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ns_options_validate (options, error))
    return FALSE;

  return ns::guard (error, [&] {
    ns::check_image (*io, *options);
    ns::Progress p (progress, progress_data);

    if (options->strength == 0.0)
      {
        ns::copy_through (*io, p);
        return;
      }

    ns::use_options_everywhere (*options);
    if (engine->arbitrary)
      ns::prepare_arbitrary_style (*engine, *options, *io);
    ns::Stylizer (*engine, *options, *io, p).run ();
  });
}

NsStatistics
ns_engine_plan_statistics (NsEngine        *engine,
                           const NsOptions *options,
                           gint             width,
                           gint             height,
                           gchar          **why,
                           GError         **error)
{
  g_return_val_if_fail (engine != NULL, NS_STATISTICS_AUTO);
  g_return_val_if_fail (options != NULL, NS_STATISTICS_AUTO);
  g_return_val_if_fail (error == NULL || *error == NULL, NS_STATISTICS_AUTO);

  if (why)
    *why = NULL;
  if (!ns_options_validate (options, error))
    return NS_STATISTICS_AUTO;
  if (width <= 0 || height <= 0)
    return NS_STATISTICS_WHOLE;

  NsStatistics result = NS_STATISTICS_AUTO;
  std::string reason;
  if (!ns::guard (error, [&] {
        const ns::Geometry geometry (cv::Size (width, height), options->scale);
        const ns::Plan plan = ns::job_plan (*engine, *options, geometry);
        result = ns::statistics_or_fail (*engine, *options, plan, reason);
      }))
    return NS_STATISTICS_AUTO;
  if (why && !reason.empty ())
    *why = g_strdup (reason.c_str ());
  return result;
}

struct _NsNormStatistics
{
  std::vector<ns::ChannelStats> stats;
  std::vector<float> vector; // an arbitrary engine's, style amount applied
  gint width;
  gint height;
  gdouble scale;
  gdouble style_amount;
};

NsNormStatistics *
ns_engine_measure_statistics (NsEngine        *engine,
                              const NsOptions *options,
                              const NsImageIO *io,
                              NsProgressFunc   progress,
                              gpointer         progress_data,
                              GError         **error)
{
  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (io != NULL && io->read != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ns_options_validate (options, error))
    return NULL;

  auto result = std::make_unique<NsNormStatistics> ();
  const gboolean ok = ns::guard (error, [&] {
    ns::check_image (*io, *options);
    ns::Progress p (progress, progress_data);
    ns::use_options_everywhere (*options);
    if (engine->arbitrary)
      result->vector = ns::prepare_arbitrary_style (*engine, *options, *io);
    result->stats = ns::Stylizer (*engine, *options, *io, p).measure ();
  });
  if (!ok)
    return NULL;
  result->width = io->width;
  result->height = io->height;
  result->scale = options->scale;
  result->style_amount = options->style_amount;
  return result.release ();
}

void
ns_norm_statistics_free (NsNormStatistics *statistics)
{
  delete statistics;
}

namespace {

// The region's part of what the engine writes, into the caller's pixels.
struct RegionIO
{
  const NsImageIO *io;
  NsRect region;
  gfloat *dest;
};

gboolean
read_through (gpointer user_data, const NsRect *rect, gfloat *rgba, GError **error)
{
  const RegionIO *r = static_cast<const RegionIO *> (user_data);
  return r->io->read (r->io->user_data, rect, rgba, error);
}

gboolean
write_region (gpointer user_data, const NsRect *rect, const gfloat *rgba, GError **)
{
  const RegionIO *r = static_cast<const RegionIO *> (user_data);
  const cv::Rect from (rect->x, rect->y, rect->width, rect->height);
  const cv::Rect to (r->region.x, r->region.y, r->region.width, r->region.height);
  const cv::Rect both = from & to;
  for (int y = both.y; y < both.br ().y; y++)
    memcpy (r->dest + ((gsize) (y - to.y) * to.width + (both.x - to.x)) * 4,
            rgba + ((gsize) (y - from.y) * from.width + (both.x - from.x)) * 4,
            sizeof (gfloat) * 4 * both.width);
  return TRUE;
}

} // namespace

gboolean
ns_engine_stylize_region (NsEngine               *engine,
                          const NsOptions        *options,
                          const NsNormStatistics *statistics,
                          const NsImageIO        *io,
                          const NsRect           *region,
                          gfloat                 *dest,
                          NsProgressFunc          progress,
                          gpointer                progress_data,
                          GError                **error)
{
  g_return_val_if_fail (engine != NULL && options != NULL && statistics != NULL, FALSE);
  g_return_val_if_fail (io != NULL && io->read != NULL && region != NULL && dest != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ns_options_validate (options, error))
    return FALSE;
  if (io->width != statistics->width || io->height != statistics->height
      || options->scale != statistics->scale
      || (engine->arbitrary && options->style_amount != statistics->style_amount)
      || (engine->arbitrary != nullptr) != !statistics->vector.empty ()
      || statistics->stats.size () != engine->norm_layers.size ())
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("The statistics were measured for another image, stroke scale, style "
                     "amount or network"));
      return FALSE;
    }
  if (region->width <= 0 || region->height <= 0 || region->x < 0 || region->y < 0
      || region->x + region->width > io->width || region->y + region->height > io->height)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("The region %d x %d at (%d, %d) is not inside the %d x %d image"),
                   region->width, region->height, region->x, region->y, io->width, io->height);
      return FALSE;
    }

  std::vector<gfloat> result ((gsize) region->width * region->height * 4);
  RegionIO r = { io, *region, result.data () };
  const NsImageIO through = { io->width, io->height, read_through, write_region, &r };
  if (!ns::guard (error, [&] {
        ns::Progress p (progress, progress_data);
        if (options->strength == 0.0)
          {
            if (!io->read (io->user_data, region, result.data (), error))
              ns::fail (NS_ENGINE_ERROR_FAILED, "%s", _("The image could not be read"));
            return;
          }
        ns::use_options_everywhere (*options);
        if (engine->arbitrary)
          ns::paint_with_vector (*engine, statistics->vector);
        ns::Stylizer (*engine, *options, through, p)
          .paint_region (statistics->stats, cv::Rect (region->x, region->y, region->width,
                                                      region->height));
      }))
    return FALSE;
  std::copy (result.begin (), result.end (), dest);
  return TRUE;
}

namespace {

struct Pixels
{
  const gfloat *src;
  gfloat *dest;
  gint width;
};

gboolean
read_pixels (gpointer user_data, const NsRect *rect, gfloat *rgba, GError **)
{
  const Pixels *p = static_cast<const Pixels *> (user_data);
  for (gint y = 0; y < rect->height; y++)
    memcpy (rgba + (gsize) y * rect->width * 4,
            p->src + ((gsize) (rect->y + y) * p->width + rect->x) * 4,
            sizeof (gfloat) * 4 * rect->width);
  return TRUE;
}

gboolean
write_pixels (gpointer user_data, const NsRect *rect, const gfloat *rgba, GError **)
{
  const Pixels *p = static_cast<const Pixels *> (user_data);
  for (gint y = 0; y < rect->height; y++)
    memcpy (p->dest + ((gsize) (rect->y + y) * p->width + rect->x) * 4,
            rgba + (gsize) y * rect->width * 4,
            sizeof (gfloat) * 4 * rect->width);
  return TRUE;
}

} // namespace

gboolean
ns_engine_stylize_pixels (NsEngine        *engine,
                          const NsOptions *options,
                          const gfloat    *src,
                          gfloat          *dest,
                          gint             width,
                          gint             height,
                          NsProgressFunc   progress,
                          gpointer         progress_data,
                          GError         **error)
{
  g_return_val_if_fail ((src != NULL && dest != NULL) || width * height == 0, FALSE);
  g_return_val_if_fail (src != dest || width * height == 0, FALSE);

  // Into a scratch buffer: @dest changes only if the whole image is done.
  const gsize n_floats = (gsize) MAX (width, 0) * MAX (height, 0) * 4;
  std::vector<gfloat> result;
  if (!ns::guard (error, [&] { result.resize (n_floats); }))
    return FALSE;

  Pixels pixels = { src, result.data (), width };
  const NsImageIO io = { width, height, read_pixels, write_pixels, &pixels };
  if (!ns_engine_stylize (engine, options, &io, progress, progress_data, error))
    return FALSE;
  std::copy (result.begin (), result.end (), dest);
  return TRUE;
}
