// snapshot-store.hpp: exact tiling's snapshots, one per tile, in memory up
// to a limit and beyond it in temporary files that no one else sees and
// that go away however the job ends (each is unlinked as soon as it is
// made).
#pragma once

#include "graph.hpp"

#include <glib.h>

#include <functional>
#include <map>

namespace ns {

class SnapshotStore
{
public:
  // With `half`, every snapshot is kept in half floats, in memory (the
  // store's own buffers: none of the graph's) and in the files: for jobs
  // whose products run in half precision anyway and whose float32
  // snapshots would not fit in memory (see stylize.cpp).
  SnapshotStore (size_t tiles, size_t memory_limit, bool half = false);
  ~SnapshotStore ();
  SnapshotStore (const SnapshotStore &) = delete;
  SnapshotStore &operator= (const SnapshotStore &) = delete;

  // Replaces tile `i`'s snapshot, which must have been got since it was
  // last put.  In memory the store keeps the snapshot's own buffers, not a
  // copy: the graph's, which its pool passes over while the store holds
  // them (copying each snapshot in and out cost a tenth of exact tiling's
  // time).  Whoever put it must not write into them until it is got back.
  // Beyond the limit (in the bytes of the whole buffers held: the pool
  // makes up for each one held) it goes to the files.
  void put (size_t i, const Snapshot &snapshot);
  // Tile `i`'s snapshot, once per put.  One kept in memory comes back in
  // the buffers it was put in, which the store lets go of; one read from
  // the files goes into buffers from `allocate` (the graph's own, which
  // then takes them as they are), or new ones without it.
  Snapshot get (size_t i,
                const std::function<cv::Mat (const cv::dnn::MatShape &)> &allocate = nullptr);

  // Whether snapshots of `bytes` (in float32) in all may stay in memory.
  bool fits_in_memory (double bytes) const { return bytes * (half_ ? 0.5 : 1.0) <= (double) limit_; }

  // Bytes written to the files so far, and the files' size (for the tests).
  guint64 spilled () const { return spilled_; }
  guint64 file_size () const { return end_ * lanes_; }
  // Bytes of the buffers held in memory now (for the tests).
  size_t held () const { return in_memory_; }

private:
  struct Place
  {
    // A snapshot read from the files is gone from them.
    enum class Where { nowhere, memory, file } where = Where::nowhere;
    guint64 offset = 0; // in every lane's file
    guint64 length = 0;
    std::vector<cv::dnn::MatShape> shapes;
  };

  int lane_fd (int lane);
  guint64 take_space (guint64 length);
  void give_back_space (guint64 offset, guint64 length);
  void transfer (void *data, size_t size, guint64 offset, bool write, bool half);

  size_t limit_;
  bool half_;
  size_t in_memory_ = 0;             // bytes of the buffers memory_ holds
  std::vector<Snapshot> memory_;
  std::vector<size_t> memory_bytes_; // per tile
  std::vector<Place> places_;
  // Each value spilled is split into one part per lane, each in its own
  // file at the same offset, so that the threads write them at once (writes
  // to one file take its lock in turn).  The space a snapshot held is used
  // again as soon as it is read: pages the files already have cost a tenth
  // of new ones to write.
  int lanes_;
  std::vector<int> fds_;
  guint64 end_ = 0;                     // per lane
  std::map<guint64, guint64> free_;     // offset -> length, per lane, below end_
  guint64 spilled_ = 0;
};

} // namespace ns
