// stylize.cpp: the pipeline from source pixels to stylized pixels.
//
// Small images go through the network whole.  Larger ones go in tiles with
// a halo; instance normalization then uses statistics shared by all tiles,
// taken either from the image shrunk to fit (fast, the default) or exactly,
// one normalization layer at a time over all tiles at full resolution.
#include "engine-private.hpp"
#include "graph.hpp"
#include "snapshot-store.hpp"
#include "pixels.hpp"
#include "tiling.hpp"

#include <opencv2/core/utility.hpp>

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

class Stylizer
{
public:
  Stylizer (NsEngine &engine, const NsOptions &options, const NsImageIO &io, Progress &progress)
    : e_ (engine), o_ (options), io_ (io), progress_ (progress),
      geometry_ (cv::Size (io.width, io.height), options.scale),
      plan_ (plan_tiles (geometry_,
                         options.memory_budget ? options.memory_budget
                                               : ns_options_default_memory_budget (),
                         kNetworkBytesPerPixel + (engine.graph ? engine.graph->extra_bytes_per_pixel () : 0)))
  {
  }

  void
  run ()
  {
    JobEnd end { e_ };
    const bool shared = !plan_.whole () && n_layers () > 0;
    const bool exact = shared && o_.exact_tiling;

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

private:
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
  // once normalizing): little more than the default, which has a
  // statistics pass instead, besides the snapshots' cost.  Snapshots stay
  // in memory up to what the memory budget leaves beside the graph's
  // buffers and go to temporary files beyond, read back straight into the
  // buffers the next pass uses.  They are floats: in half floats exact
  // tiling came out 83 dB from a whole-image pass instead of 136-148, and
  // Magenta's paintings 72-76 dB from the reference instead of 107.
  void
  run_exact ()
  {
    NormContext &norm = e_.norm;
    norm.fixed.clear ();
    // What the budget leaves beside a pass's buffers (made now, at the
    // tiles' size) and the kernels' scratch.
    const cv::Size size = plan_.tiles[0].input.size ();
    e_.graph->reserve ({ 1, 3, size.height, size.width });
    const double used = (double) e_.graph->pool_bytes ()
                        + e_.graph->extra_bytes_per_pixel () * size.area ();
    const double budget = (double) memory_budget ();
    SnapshotStore store (plan_.tiles.size (),
                         (size_t) std::max (budget - used, std::min (budget, (double) kMinSnapshotMemory)));
    const auto allocate = [this] (const cv::dnn::MatShape &shape) { return e_.graph->buffer (shape); };
    const double segment = 1.0 / (n_layers () + 1);

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
            if (k == 0 && n_layers () > 1)
              // Statistics only: the next round starts from the photo again.
              // The first layer's output (32 planes at full size, 4 GB at
              // 24 MP) costs more to write and read back than to compute.
              e_.graph->run_to_norm (network_blob (tile, source_rgba, source_rect), nullptr, 0,
                                     [] (const Snapshot &) {});
            else if (k <= 1)
              e_.graph->run_to_norm (network_blob (tile, source_rgba, source_rect), nullptr, k, keep);
            else
              {
                Snapshot from = store.get (i, allocate);
                e_.graph->run_to_norm (cv::Mat (), &from, k, keep);
              }
            norm.stop_gathering ();
            progress_.end ();
          }
        norm.fixed.push_back (norm.gathered ()[k]);
      }

    for (size_t i = 0; i < plan_.tiles.size (); i++)
      {
        const Tile &tile = plan_.tiles[i];
        cv::Mat source_rgba;
        cv::Rect source_rect;
        // Only the source pixels: the network input comes from the snapshot.
        sample_network_rgb (io_, geometry_, tile.input, source_rgba, source_rect);
        progress_.begin (tile.input.area () * segment, -1);
        Snapshot from = store.get (i, allocate);
        const cv::Mat out = e_.graph->run_from (from);
        progress_.end ();
        write_tile (tile, out, source_rgba, source_rect);
      }
  }

  // Snapshots of small images stay in memory unless the budget is smaller.
  static constexpr guint64 kMinSnapshotMemory = 64 << 20;

  guint64
  memory_budget () const
  {
    return o_.memory_budget ? o_.memory_budget : ns_options_default_memory_budget ();
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

    cv::setNumThreads (options->threads > 0 ? options->threads : -1);
    if (engine->arbitrary)
      ns::prepare_arbitrary_style (*engine, *options, *io);
    ns::Stylizer (*engine, *options, *io, p).run ();
  });
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
