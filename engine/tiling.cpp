// tiling.cpp: see tiling.hpp.
#include "tiling.hpp"

#include <algorithm>
#include <cmath>

namespace ns {

namespace {

// Boundaries 0 = b[0] < b[1] < ... < b[n] = length, multiples of 4.
std::vector<int>
split (int length, int parts)
{
  std::vector<int> bounds (parts + 1);
  for (int k = 0; k <= parts; k++)
    bounds[k] = k == parts ? length : (int) std::lround ((double) length * k / parts / 4) * 4;
  return bounds;
}

// The smallest image statistics are taken from (see plan_tiles).
constexpr double kMinStatsPixels = 0.5e6;

// The smallest pixel count that lets a tiled pass do useful work.
constexpr double kMinTilePixels = (4 * kTileHalo) * (4 * kTileHalo);

cv::Rect
with_halo (const cv::Rect &core, const cv::Rect &bounds)
{
  return cv::Rect (core.x - kTileHalo, core.y - kTileHalo,
                   core.width + 2 * kTileHalo, core.height + 2 * kTileHalo)
         & bounds;
}

// The widest tile input, halo included, when `length` is split in `parts`.
int
widest_tile (int length, int parts)
{
  const std::vector<int> bounds = split (length, parts);
  int widest = 0;

  for (int k = 0; k < parts; k++)
    {
      const int begin = std::max (0, bounds[k] - kTileHalo);
      const int end = std::min (length, bounds[k + 1] + kTileHalo);
      widest = std::max (widest, end - begin);
    }
  return widest;
}

// `side` divided by `shrink` (at least 1), to a multiple of 4.
int
shrunk_side (int side, double shrink)
{
  return std::max (4, (int) std::lround (side / std::max (1.0, shrink) / 4) * 4);
}

// The image statistics come from: `network` shrunk alike on both axes
// until, padded for the network, it holds about `pixels`.  A side shrunk
// below kMinNetworkSide would come out mostly reflected padding, whose
// statistics are not the image's: it keeps up to kMinNetworkSide pixels and
// the other side shrinks more instead.
cv::Size
stats_size (cv::Size network, double pixels)
{
  const double shrink = std::sqrt (network_input_size (network).area () / pixels);
  const cv::Size even (shrunk_side (network.width, shrink), shrunk_side (network.height, shrink));

  if (even.width < kMinNetworkSide)
    return cv::Size (std::min (network.width, kMinNetworkSide),
                     shrunk_side (network.height, network.height * kMinNetworkSide / pixels));
  if (even.height < kMinNetworkSide)
    return cv::Size (shrunk_side (network.width, network.width * kMinNetworkSide / pixels),
                     std::min (network.height, kMinNetworkSide));
  return even;
}

struct TileGrid
{
  int nx = 1;
  int ny = 1;
};

// The grid whose tiles fit (`fits`) with the least work: halos are
// computed twice, so fewer, larger tiles win.
TileGrid
choose_grid (cv::Size padded, const TileFits &fits)
{
  const int min_core = 2 * kTileHalo;
  const int max_nx = std::max (1, padded.width / min_core);
  const int max_ny = std::max (1, padded.height / min_core);
  std::vector<int> tallest (max_ny + 1);
  for (int ny = 1; ny <= max_ny; ny++)
    tallest[ny] = widest_tile (padded.height, ny);

  TileGrid best = { max_nx, max_ny };
  double best_work = HUGE_VAL;

  for (int nx = 1; nx <= max_nx; nx++)
    {
      const double widest = widest_tile (padded.width, nx);
      for (int ny = 1; ny <= max_ny; ny++)
        {
          const double work = (padded.width + 2.0 * kTileHalo * (nx - 1))
                              * (padded.height + 2.0 * kTileHalo * (ny - 1));
          if (work >= best_work)
            break;
          if (fits (cv::Size ((int) widest, tallest[ny]), nx * ny))
            {
              best = { nx, ny };
              best_work = work;
              break;
            }
        }
    }
  return best;
}

} // namespace

Plan
plan_tiles (const Geometry &g, guint64 budget, double bytes_per_pixel, const TileFits &also_fits)
{
  Plan plan;
  const double max_pixels = std::max (kMinTilePixels, budget / bytes_per_pixel);
  const cv::Size padded = g.padded;
  const TileFits fits = [&] (cv::Size window, int tiles) {
    return window.area () <= max_pixels || (also_fits && also_fits (window, tiles));
  };

  if (fits (padded, 1))
    {
      const cv::Rect all (cv::Point (0, 0), padded);
      plan.tiles.push_back ({ all, all, cv::Rect (cv::Point (0, 0), g.source) });
      return plan;
    }

  const TileGrid grid = choose_grid (padded, fits);
  const std::vector<int> xs = split (padded.width, grid.nx);
  const std::vector<int> ys = split (padded.height, grid.ny);
  const cv::Rect bounds (cv::Point (0, 0), padded);

  // Every tile's input has the size of the largest: a network pass at a
  // new size reallocates and faults in every buffer (+66 % on the first
  // pass at 3 MP), so all passes of a job run at one size.  A tile at the
  // image's edge takes more of its neighbour instead: more context, never
  // less.
  cv::Size window (0, 0);
  for (int j = 0; j < grid.ny; j++)
    for (int i = 0; i < grid.nx; i++)
      {
        const cv::Rect core (cv::Point (xs[i], ys[j]), cv::Point (xs[i + 1], ys[j + 1]));
        const cv::Rect input = with_halo (core, bounds);
        window = cv::Size (std::max (window.width, input.width), std::max (window.height, input.height));
      }
  for (int j = 0; j < grid.ny; j++)
    for (int i = 0; i < grid.nx; i++)
      {
        Tile t;
        t.core = cv::Rect (cv::Point (xs[i], ys[j]), cv::Point (xs[i + 1], ys[j + 1]));
        const cv::Rect input = with_halo (t.core, bounds);
        t.input = cv::Rect (std::min (input.x, padded.width - window.width),
                            std::min (input.y, padded.height - window.height), window.width,
                            window.height);
        t.source = cv::Rect (cv::Point (g.source_x (xs[i]), g.source_y (ys[j])),
                             cv::Point (g.source_x (xs[i + 1]), g.source_y (ys[j + 1])));
        plan.tiles.push_back (t);
      }

  // Statistics come from the image shrunk to an eighth of its pixels: cheap
  // next to the tiles.  But never to less than kMinStatsPixels (these
  // networks' statistics depend on scale, and a thumbnail's give blotches)
  // unless that does not fit.
  const double stats_pixels = std::min (max_pixels,
                                        std::max (padded.area () / 8.0, kMinStatsPixels));
  plan.stats_size = stats_size (g.network, stats_pixels);
  return plan;
}

Tile
tile_for_source (const Geometry &g, const cv::Rect &source)
{
  const cv::Rect bounds (cv::Point (0, 0), g.padded);
  const int x0 = (int) std::floor (source.x / g.sx / 4) * 4;
  const int y0 = (int) std::floor (source.y / g.sy / 4) * 4;
  const int x1 = std::min (g.padded.width, (int) std::ceil (source.br ().x / g.sx / 4) * 4);
  const int y1 = std::min (g.padded.height, (int) std::ceil (source.br ().y / g.sy / 4) * 4);
  Tile t;
  t.core = cv::Rect (cv::Point (x0, y0), cv::Point (x1, y1)) & bounds;
  t.input = with_halo (t.core, bounds);
  t.source = cv::Rect (cv::Point (g.source_x (t.core.x), g.source_y (t.core.y)),
                       cv::Point (g.source_x (t.core.br ().x), g.source_y (t.core.br ().y)));
  return t;
}

} // namespace ns

guint64
ns_options_min_memory_budget (void)
{
  return (guint64) std::ceil (ns::kMinTilePixels * ns::kNetworkBytesPerPixel);
}
