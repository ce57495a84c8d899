// image-header.hpp: what a PNG, JPEG or TIFF file declares before a pixel
// of it is decoded (its size, its depth, whether a JPEG's data are whole),
// so that the CLI can refuse a file before decoding it.  The bytes are
// untrusted: every read is checked against their end (tests/fuzz/fuzz-photo).
#pragma once

#include <glib.h>

#include <vector>

namespace cli {

// What an image file declares before a pixel of it is decoded.
struct Declared
{
  const char *format = nullptr; // "PNG", "JPEG", "TIFF"; nullptr: none of them
  guint64 width = 0;            // at most 2^32 - 1 (TIFF, PNG)
  guint64 height = 0;
  int bytes_per_pixel = 0;      // decoded, at most (4 channels for a PNG or TIFF)
  bool complete = true;         // JPEG: the data reach the end-of-image marker
};

// What `bytes` declare; `format` is null for none of the three formats.
Declared declared (const std::vector<guchar> &bytes);

} // namespace cli
