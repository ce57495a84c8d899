// snapshot-store.cpp: see snapshot-store.hpp.
#include "snapshot-store.hpp"
#include "engine-private.hpp"

#include <glib/gstdio.h>

#include <unistd.h>

#include <cerrno>

namespace ns {

SnapshotStore::SnapshotStore (size_t tiles, size_t memory_limit)
  : limit_ (memory_limit), memory_ (tiles), places_ (tiles)
{
}

SnapshotStore::~SnapshotStore ()
{
  for (int fd : fds_)
    if (fd >= 0)
      close (fd);
}

int
SnapshotStore::file (int which)
{
  if (fds_[which] < 0)
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
      fds_[which] = fd;
    }
  return fds_[which];
}

namespace {

void
write_all (int fd, const void *data, size_t size, guint64 offset)
{
  const char *p = static_cast<const char *> (data);
  while (size > 0)
    {
      const ssize_t n = pwrite (fd, p, size, (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fail (NS_ENGINE_ERROR_NO_MEMORY,
              _("Exact tiling cannot write its temporary file: %s"),
              g_strerror (n < 0 ? errno : ENOSPC));
      p += n;
      size -= (size_t) n;
      offset += (guint64) n;
    }
}

void
read_all (int fd, void *data, size_t size, guint64 offset)
{
  char *p = static_cast<char *> (data);
  while (size > 0)
    {
      const ssize_t n = pread (fd, p, size, (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fail (NS_ENGINE_ERROR_NO_MEMORY, _("Exact tiling cannot read its temporary file: %s"),
              g_strerror (n < 0 ? errno : EIO));
      p += n;
      size -= (size_t) n;
      offset += (guint64) n;
    }
}

} // namespace

void
SnapshotStore::put (size_t i, const Snapshot &snapshot)
{
  // A new round starts at tile 0: it writes the file the round before last
  // wrote (whose snapshots are all replaced by now).
  if (i == 0)
    {
      round_file_ = 1 - round_file_;
      ends_[round_file_] = 0;
    }
  Snapshot &kept = memory_[i];
  in_memory_ -= kept.bytes ();
  Place &place = places_[i];
  place = Place ();
  kept.ids = snapshot.ids;

  if (in_memory_ + snapshot.bytes () <= limit_)
    {
      // Into the tile's last buffers when they have the size (no new pages).
      kept.values.resize (snapshot.values.size ());
      for (size_t j = 0; j < snapshot.values.size (); j++)
        snapshot.values[j].copyTo (kept.values[j]);
      in_memory_ += kept.bytes ();
      return;
    }

  kept.values.clear ();
  const int fd = file (round_file_);
  place.file = round_file_;
  place.offset = ends_[round_file_];
  for (const cv::Mat &m : snapshot.values)
    {
      CV_Assert (m.isContinuous ());
      const size_t bytes = m.total () * m.elemSize ();
      write_all (fd, m.data, bytes, ends_[round_file_]);
      ends_[round_file_] += bytes;
      spilled_ += bytes;
      place.shapes.push_back (shape_of (m));
    }
}

Snapshot
SnapshotStore::get (size_t i, const std::function<cv::Mat (const cv::dnn::MatShape &)> &allocate)
{
  const Place &place = places_[i];
  if (place.file < 0)
    return memory_[i];
  Snapshot loaded;
  loaded.ids = memory_[i].ids;
  guint64 offset = place.offset;
  for (const cv::dnn::MatShape &shape : place.shapes)
    {
      cv::Mat m = allocate ? allocate (shape) : cv::Mat ((int) shape.size (), shape.data (), CV_32F);
      CV_Assert (m.type () == CV_32F && m.isContinuous () && shape_of (m) == shape);
      const size_t bytes = m.total () * m.elemSize ();
      read_all (fds_[place.file], m.data, bytes, offset);
      offset += bytes;
      loaded.values.push_back (m);
    }
  return loaded;
}

} // namespace ns
