// snapshot-store.hpp: exact tiling's snapshots, one per tile, in memory up
// to a limit and beyond it in a temporary file that no one else sees and
// that goes away however the job ends (it is unlinked as soon as it is
// made).
#pragma once

#include "graph.hpp"

#include <glib.h>

#include <functional>

namespace ns {

class SnapshotStore
{
public:
  SnapshotStore (size_t tiles, size_t memory_limit);
  ~SnapshotStore ();
  SnapshotStore (const SnapshotStore &) = delete;
  SnapshotStore &operator= (const SnapshotStore &) = delete;

  // Replaces tile `i`'s snapshot.  Tiles are put in order, 0 to n - 1, then
  // again: each round (one normalization layer) may spill.
  void put (size_t i, const Snapshot &snapshot);
  // Tile `i`'s snapshot.  One read from the file goes into buffers from
  // `allocate` (the graph's own, which then takes them as they are), or new
  // ones without it; one kept in memory shares the store's buffers.
  Snapshot get (size_t i,
                const std::function<cv::Mat (const cv::dnn::MatShape &)> &allocate = nullptr);

  // Bytes written to the file so far (for the tests).
  guint64 spilled () const { return spilled_; }

private:
  struct Place
  {
    int file = -1; // 0 or 1, or -1: in memory
    guint64 offset = 0;
    std::vector<cv::dnn::MatShape> shapes;
  };

  int file (int which);

  size_t limit_;
  size_t in_memory_ = 0;
  std::vector<Snapshot> memory_;
  std::vector<Place> places_;
  // Two files: one round reads the last round's while it writes its own.
  int fds_[2] = { -1, -1 };
  guint64 ends_[2] = { 0, 0 };
  int round_file_ = 0;
  guint64 spilled_ = 0;
};

} // namespace ns
