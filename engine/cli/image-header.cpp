// image-header.cpp: see image-header.hpp.
#include "image-header.hpp"

#include <algorithm>
#include <cstring>

namespace cli {

namespace {

guint
be16 (const guchar *p)
{
  return (guint) p[0] << 8 | p[1];
}

guint32
be32 (const guchar *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

void
declared_png (const std::vector<guchar> &b, Declared &d)
{
  d.format = "PNG";
  if (b.size () < 26 || memcmp (&b[12], "IHDR", 4) != 0)
    return;
  d.width = be32 (&b[16]);
  d.height = be32 (&b[20]);
  d.bytes_per_pixel = 4 * (b[24] == 16 ? 2 : 1);
}

// Walks the JPEG's markers: the frame header's size, and whether the data
// reach the end-of-image marker (libjpeg paints a truncated file's missing
// rows grey and only warns).
void
declared_jpeg (const std::vector<guchar> &b, Declared &d)
{
  d.format = "JPEG";
  d.complete = false;
  size_t i = 2;
  while (i + 1 < b.size ())
    {
      if (b[i] != 0xff)
        {
          i++; // stray bytes between segments: libjpeg skips them too
          continue;
        }
      const guchar m = b[i + 1];
      i += 2;
      if (m == 0xff)
        {
          i--; // fill byte
          continue;
        }
      if (m == 0xd9)
        {
          d.complete = true;
          return;
        }
      if ((m >= 0xd0 && m <= 0xd7) || m == 0x01)
        continue; // no length
      if (i + 2 > b.size ())
        return;
      const size_t length = be16 (&b[i]);
      const bool frame = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
      if (frame && i + 8 <= b.size ())
        {
          d.height = be16 (&b[i + 3]);
          d.width = be16 (&b[i + 5]);
          d.bytes_per_pixel = b[i + 7] == 1 ? 1 : 3;
        }
      i += length;
      if (m != 0xda)
        continue;
      // Entropy-coded data, up to the next marker that is not a stuffed
      // 0xff or a restart.
      while (i + 1 < b.size () && !(b[i] == 0xff && b[i + 1] != 0 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)))
        i++;
    }
}

void
declared_tiff (const std::vector<guchar> &b, Declared &d)
{
  d.format = "TIFF";
  const bool le = b[0] == 'I';
  auto u16 = [&] (size_t at) -> guint32 {
    return at + 2 > b.size () ? 0 : le ? b[at] | b[at + 1] << 8 : be16 (&b[at]);
  };
  auto u32 = [&] (size_t at) -> guint32 {
    return at + 4 > b.size () ? 0
           : le ? (guint32) b[at] | (guint32) b[at + 1] << 8 | (guint32) b[at + 2] << 16 | (guint32) b[at + 3] << 24
                : be32 (&b[at]);
  };
  const size_t ifd = u32 (4);
  const guint entries = u16 (ifd);
  guint bits = 8;
  for (guint k = 0; k < entries; k++)
    {
      const size_t e = ifd + 2 + 12 * (size_t) k;
      const guint tag = u16 (e), type = u16 (e + 2);
      const guint32 value = type == 3 ? u16 (e + 8) : u32 (e + 8);
      if (tag == 256)
        d.width = value;
      else if (tag == 257)
        d.height = value;
      else if (tag == 258)
        bits = u32 (e + 4) <= 2 ? u16 (e + 8) : u16 (u32 (e + 8)); // inline, or the first of several
    }
  // TIFF samples have at most 64 bits: more is damage, left to the decoder.
  d.bytes_per_pixel = 4 * std::clamp ((bits + 7) / 8, 1u, 8u);
}

} // namespace

Declared
declared (const std::vector<guchar> &b)
{
  static const guchar png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  Declared d;
  if (b.size () >= 8 && memcmp (b.data (), png, 8) == 0)
    declared_png (b, d);
  else if (b.size () >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
    declared_jpeg (b, d);
  else if (b.size () >= 8 && (memcmp (b.data (), "II*\0", 4) == 0 || memcmp (b.data (), "MM\0*", 4) == 0))
    declared_tiff (b, d);
  return d;
}

} // namespace cli
