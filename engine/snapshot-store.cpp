// snapshot-store.cpp: see snapshot-store.hpp.
#include "snapshot-store.hpp"
#include "engine-private.hpp"
#include "gemm.hpp"

#include <glib/gstdio.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace ns {

namespace {

// The memory `snapshot` holds: its values' whole buffers (a value may be a
// view of a larger buffer of the graph's pool), each once.
size_t
held_bytes (const Snapshot &snapshot)
{
  std::vector<const cv::UMatData *> seen;
  size_t n = 0;
  for (const cv::Mat &m : snapshot.values)
    if (!m.u)
      n += m.total () * m.elemSize ();
    else if (std::find (seen.begin (), seen.end (), m.u) == seen.end ())
      {
        seen.push_back (m.u);
        n += m.u->size;
      }
  return n;
}

// n floats as halves, and back (AVX512-FP16 where the CPU has it: half
// snapshots are for the CPUs whose products run in half precision;
// OpenCV's conversion, which is slower, elsewhere).
void
halves_of (const float *from, size_t n, unsigned short *to)
{
  if (gemm_half_available ())
    to_half (from, n, to);
  else
    cv::Mat (1, (int) n, CV_32F, const_cast<float *> (from)).convertTo (cv::Mat (1, (int) n, CV_16F, to), CV_16F);
}

void
floats_of (const unsigned short *from, size_t n, float *to)
{
  if (gemm_half_available ())
    from_half (from, n, to);
  else
    cv::Mat (1, (int) n, CV_16F, const_cast<unsigned short *> (from)).convertTo (cv::Mat (1, (int) n, CV_32F, to), CV_32F);
}

// Values converted a piece at a time, by every thread.
constexpr size_t kPiece = 1 << 18;

// `from` converted into `to` (as large, continuous, one CV_32F and the
// other CV_16F).
void
convert_parallel (const cv::Mat &from, cv::Mat &to)
{
  CV_Assert (from.isContinuous () && to.isContinuous () && from.total () == to.total ()
             && (from.type () == CV_32F) != (to.type () == CV_32F));
  const size_t n = from.total ();
  cv::parallel_for_ (cv::Range (0, (int) ((n + kPiece - 1) / kPiece)), [&] (const cv::Range &range) {
    const size_t begin = range.start * kPiece, end = std::min (n, range.end * kPiece);
    if (from.type () == CV_32F)
      halves_of (from.ptr<float> () + begin, end - begin, to.ptr<unsigned short> () + begin);
    else
      floats_of (from.ptr<unsigned short> () + begin, end - begin, to.ptr<float> () + begin);
  });
}

// `snapshot`'s values in half floats, in new buffers.
Snapshot
to_half (const Snapshot &snapshot)
{
  Snapshot h;
  h.ids = snapshot.ids;
  for (const cv::Mat &m : snapshot.values)
    {
      h.values.emplace_back (m.dims, m.size.p, CV_16F);
      convert_parallel (m, h.values.back ());
    }
  return h;
}

} // namespace

SnapshotStore::SnapshotStore (size_t tiles, size_t memory_limit, bool half)
  : limit_ (memory_limit), half_ (half), memory_ (tiles), memory_bytes_ (tiles, 0), places_ (tiles),
    lanes_ (std::max (1, std::min (8, cv::getNumThreads ()))), fds_ (lanes_, -1)
{
}

SnapshotStore::~SnapshotStore ()
{
  for (int fd : fds_)
    if (fd >= 0)
      close (fd);
}

int
SnapshotStore::lane_fd (int lane)
{
  if (fds_[lane] < 0)
    {
      GError *error = nullptr;
      gchar *path = nullptr;
      const int fd = g_file_open_tmp ("neural-style-XXXXXX", &path, &error);
      if (fd < 0)
        {
          const std::string message = error->message;
          g_error_free (error);
          fail (NS_ENGINE_ERROR_NO_MEMORY,
                _("Exact tiling needs a temporary file for this image, which cannot be made: %s"),
                message.c_str ());
        }
      g_unlink (path);
      g_free (path);
      fds_[lane] = fd;
    }
  return fds_[lane];
}

// The lowest free space that holds `length`, else the files grow.
guint64
SnapshotStore::take_space (guint64 length)
{
  for (auto it = free_.begin (); it != free_.end (); ++it)
    if (it->second >= length)
      {
        const guint64 offset = it->first, rest = it->second - length;
        free_.erase (it);
        if (rest > 0)
          free_[offset + length] = rest;
        return offset;
      }
  end_ += length;
  return end_ - length;
}

void
SnapshotStore::give_back_space (guint64 offset, guint64 length)
{
  auto next = free_.lower_bound (offset);
  if (next != free_.end () && offset + length == next->first)
    {
      length += next->second;
      next = free_.erase (next);
    }
  if (next != free_.begin ())
    {
      auto prev = std::prev (next);
      if (prev->first + prev->second == offset)
        {
          prev->second += length;
          return;
        }
    }
  free_[offset] = length;
}

namespace {

// The bytes of a value each lane holds: whole pages (a write of part of a
// page the file does not have yet reads or clears the rest first).
guint64
lane_part (size_t size, int lanes)
{
  const guint64 page = 4096;
  const guint64 part = ((guint64) size + lanes - 1) / lanes;
  return (part + page - 1) / page * page;
}

} // namespace

// `size` bytes at `buffer` to the files at `offset` (`write`), or back.
// With `half`, the buffer holds size / 2 floats, which the files hold as
// halves: converted a piece at a time on the way, no copy in between.
void
SnapshotStore::transfer (void *buffer, size_t size, guint64 offset, bool write, bool half)
{
  char *data = static_cast<char *> (buffer);
  for (int l = 0; l < lanes_; l++)
    lane_fd (l);
  const guint64 part = lane_part (size, lanes_);
  std::atomic<int> error { 0 };
  cv::parallel_for_ (cv::Range (0, lanes_), [&] (const cv::Range &range) {
    thread_local std::vector<unsigned short> halves;
    if (half)
      halves.resize (kPiece);
    for (int l = range.start; l < range.end; l++)
      {
        const size_t begin = (size_t) std::min<guint64> (size, part * l);
        const size_t end = (size_t) std::min<guint64> (size, part * (l + 1));
        // Pieces of [begin, end): the bytes in the files, at most kPiece
        // halves with `half`.
        for (size_t done = begin; done < end && error == 0;)
          {
            const size_t piece = half ? std::min (end - done, kPiece * 2) : end - done;
            float *values = reinterpret_cast<float *> (data) + done / 2;
            char *bytes = half ? reinterpret_cast<char *> (halves.data ()) : data + done;
            if (half && write)
              halves_of (values, piece / 2, halves.data ());
            for (size_t moved = 0; moved < piece && error == 0;)
              {
                const off_t at = (off_t) (offset + done + moved - begin);
                const ssize_t n = write ? pwrite (fds_[l], bytes + moved, piece - moved, at)
                                        : pread (fds_[l], bytes + moved, piece - moved, at);
                if (n < 0 && errno == EINTR)
                  continue;
                if (n <= 0)
                  error = n < 0 ? errno : write ? ENOSPC : EIO;
                else
                  moved += (size_t) n;
              }
            if (half && !write && error == 0)
              floats_of (halves.data (), piece / 2, values);
            done += piece;
          }
      }
  });
  if (error != 0 && write)
    fail (NS_ENGINE_ERROR_NO_MEMORY, _("Exact tiling cannot write its temporary file: %s"),
          g_strerror (error));
  if (error != 0)
    fail (NS_ENGINE_ERROR_NO_MEMORY, _("Exact tiling cannot read its temporary file: %s"),
          g_strerror (error));
}

void
SnapshotStore::put (size_t i, const Snapshot &snapshot)
{
  Place &place = places_[i];
  CV_Assert (place.where != Place::Where::file); // got since the last put
  for (const cv::Mat &m : snapshot.values)
    CV_Assert (m.type () == CV_32F && m.isContinuous ());
  place = Place ();
  in_memory_ -= memory_bytes_[i];
  memory_bytes_[i] = 0;
  memory_[i] = Snapshot ();
  memory_[i].ids = snapshot.ids;

  // The bytes it takes: in half floats, in buffers of the store's own (the
  // graph's go back to the pool).
  size_t bytes = 0;
  if (half_)
    for (const cv::Mat &m : snapshot.values)
      bytes += m.total () * sizeof (unsigned short);
  else
    bytes = held_bytes (snapshot);
  if (in_memory_ + bytes <= limit_)
    {
      place.where = Place::Where::memory;
      memory_[i].values = half_ ? to_half (snapshot).values : snapshot.values;
      memory_bytes_[i] = bytes;
      in_memory_ += bytes;
      return;
    }

  // Lanes must split a half buffer on whole values: lane_part () keeps to
  // whole pages.
  const size_t unit = half_ ? sizeof (unsigned short) : sizeof (float);
  for (const cv::Mat &m : snapshot.values)
    place.length += lane_part (m.total () * unit, lanes_);
  place.where = Place::Where::file;
  place.offset = take_space (place.length);
  guint64 at = place.offset;
  for (const cv::Mat &m : snapshot.values)
    {
      const size_t n = m.total () * unit;
      transfer (m.data, n, at, true, half_);
      at += lane_part (n, lanes_);
      spilled_ += n;
      place.shapes.push_back (shape_of (m));
    }
}

Snapshot
SnapshotStore::get (size_t i, const std::function<cv::Mat (const cv::dnn::MatShape &)> &allocate)
{
  Place &place = places_[i];
  CV_Assert (place.where != Place::Where::nowhere);
  const auto make = [&] (const cv::dnn::MatShape &shape) {
    cv::Mat m = allocate ? allocate (shape) : cv::Mat ((int) shape.size (), shape.data (), CV_32F);
    CV_Assert (m.type () == CV_32F && m.isContinuous () && shape_of (m) == shape);
    return m;
  };
  if (place.where == Place::Where::memory)
    {
      // The buffers go back to whoever gets them (float32 again).
      Snapshot kept = std::move (memory_[i]);
      memory_[i] = Snapshot ();
      memory_[i].ids = kept.ids;
      in_memory_ -= memory_bytes_[i];
      memory_bytes_[i] = 0;
      place = Place ();
      if (half_)
        for (cv::Mat &v : kept.values)
          {
            cv::Mat m = make (shape_of (v));
            convert_parallel (v, m);
            v = m;
          }
      return kept;
    }
  Snapshot loaded;
  loaded.ids = memory_[i].ids;
  guint64 at = place.offset;
  const size_t unit = half_ ? sizeof (unsigned short) : sizeof (float);
  for (const cv::dnn::MatShape &shape : place.shapes)
    {
      cv::Mat m = make (shape);
      const size_t n = m.total () * unit;
      transfer (m.data, n, at, false, half_);
      at += lane_part (n, lanes_);
      loaded.values.push_back (m);
    }
  // Read once: the next snapshot put may go there.
  give_back_space (place.offset, place.length);
  place = Place ();
  return loaded;
}

} // namespace ns
