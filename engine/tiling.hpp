// tiling.hpp: splitting the network's image into tiles that fit in memory.
#pragma once

#include "neural-style-engine.h"
#include "pixels.hpp"

#include <functional>
#include <vector>

namespace ns {

// Network memory per input pixel, measured on OpenCV 4.6 and 4.10 with the
// Johnson architecture.  No test checks it; bench/benchmark's 24-megapixel
// run shows whether it still holds (peak memory within 2 GiB).
constexpr double kNetworkBytesPerPixel = 800.0;

// Border each tile takes from its neighbours, in network pixels: beyond the
// receptive field that matters, so that tiles sharing their normalization
// statistics give the same pixels as one whole-image pass.
constexpr int kTileHalo = 64;

struct Tile
{
  cv::Rect input;  // fed to the network (network space, inside the padding)
  cv::Rect core;   // the part this tile is responsible for (network space)
  cv::Rect source; // the source pixels it writes (source space)
};

struct Plan
{
  std::vector<Tile> tiles; // one (the whole image), or at least two
  bool whole () const { return tiles.size () == 1; }
  cv::Size stats_size; // the shrunken image statistics come from (tiled
                       // only), before padding for the network
};

// Whether `tiles` tiles of `window` network pixels each (or the whole
// image: 1) may run.
using TileFits = std::function<bool (cv::Size window, int tiles)>;

// Tiles for `geometry` whose network pass, at `bytes_per_pixel` of the
// network's input, fits in `budget` bytes, or that `also_fits` lets run;
// of those, the fewest network pixels in all.
Plan plan_tiles (const Geometry &geometry, guint64 budget,
                 double bytes_per_pixel = kNetworkBytesPerPixel,
                 const TileFits &also_fits = nullptr);

// The tiles a job of `engine` with `options` runs (stylize.cpp): larger
// than plan_tiles' own where the engine's plan of a pass and every tile's
// snapshot all fit in the budget.
Plan plan_job (const NsEngine &engine, const NsOptions &options, const Geometry &geometry);

// The tile that paints `source` (a source-space rectangle) as a tile of a
// tiled job would: its core the network pixels that cover it, on the
// job's grid of 4, with the halo around.  Its `source` covers `source`.
Tile tile_for_source (const Geometry &geometry, const cv::Rect &source);

} // namespace ns
