// fuzz-photo.cpp: the CLI's readers of a photo before it is decoded, on
// damaged and hostile files: what its header declares
// (engine/cli/image-header.cpp: size, depth, a JPEG's end) and its embedded
// colour profile (engine/cli/color-profile.cpp).  Seeds: a PNG (iCCP), a
// JPEG (APP2 ICC_PROFILE markers) and a TIFF (tag 34675), each made here
// with the format's own library around a profile Little CMS makes; then
// every truncation, thousands of bit flips, hostile headers and hostile
// profiles.  Each case ends as "no profile", a profile that converts, or a
// profile refused with a reason, and a header read or not: never a crash
// (the sanitizer run checks memory), never a profile from nowhere.
#include "color-profile.hpp"
#include "image-header.hpp"

#include <glib.h>
#include <glib/gstdio.h>
#include <lcms2.h>
#include <png.h>
#include <tiffio.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <jpeglib.h>

namespace {

using Bytes = std::vector<unsigned char>;

// An Adobe RGB (1998)-like profile: its primaries, D65, gamma 2.2.
Bytes
make_profile ()
{
  cmsCIExyY white;
  cmsWhitePointFromTemp (&white, 6504);
  const cmsCIExyYTRIPLE primaries = { { 0.64, 0.33, 1 }, { 0.21, 0.71, 1 }, { 0.15, 0.06, 1 } };
  cmsToneCurve *gamma = cmsBuildGamma (nullptr, 2.2);
  cmsToneCurve *curves[3] = { gamma, gamma, gamma };
  cmsHPROFILE profile = cmsCreateRGBProfile (&white, &primaries, curves);
  cmsFreeToneCurve (gamma);
  g_assert_nonnull (profile);
  cmsUInt32Number size = 0;
  g_assert_true (cmsSaveProfileToMem (profile, nullptr, &size));
  Bytes bytes (size);
  g_assert_true (cmsSaveProfileToMem (profile, bytes.data (), &size));
  cmsCloseProfile (profile);
  return bytes;
}

const int kSide = 16;

std::vector<unsigned char>
pixels ()
{
  std::vector<unsigned char> rgb (kSide * kSide * 3);
  for (size_t i = 0; i < rgb.size (); i++)
    rgb[i] = (unsigned char) (i * 37);
  return rgb;
}

void
png_write_bytes (png_structp png, png_bytep data, size_t length)
{
  Bytes *out = static_cast<Bytes *> (png_get_io_ptr (png));
  out->insert (out->end (), data, data + length);
}

void
png_flush_nothing (png_structp)
{
}

Bytes
make_png (const Bytes &profile)
{
  Bytes out;
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct (png);
  g_assert_true (setjmp (png_jmpbuf (png)) == 0);
  png_set_write_fn (png, &out, png_write_bytes, png_flush_nothing);
  png_set_IHDR (png, info, kSide, kSide, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_iCCP (png, info, "Adobe-like", 0, profile.data (), (png_uint_32) profile.size ());
  png_write_info (png, info);
  std::vector<unsigned char> rgb = pixels ();
  for (int y = 0; y < kSide; y++)
    png_write_row (png, rgb.data () + y * kSide * 3);
  png_write_end (png, nullptr);
  png_destroy_write_struct (&png, &info);
  return out;
}

Bytes
make_jpeg (const Bytes &profile)
{
  jpeg_compress_struct cinfo;
  jpeg_error_mgr errors;
  cinfo.err = jpeg_std_error (&errors);
  jpeg_create_compress (&cinfo);
  unsigned char *buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = kSide;
  cinfo.image_height = kSide;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  jpeg_write_icc_profile (&cinfo, profile.data (), (unsigned int) profile.size ());
  std::vector<unsigned char> rgb = pixels ();
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = rgb.data () + cinfo.next_scanline * kSide * 3;
      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  Bytes out (buffer, buffer + size);
  free (buffer);
  return out;
}

Bytes
make_tiff (const Bytes &profile)
{
  g_autofree gchar *dir = g_dir_make_tmp ("fuzz-photo-XXXXXX", nullptr);
  g_autofree gchar *path = g_build_filename (dir, "seed.tif", nullptr);
  TIFF *tiff = TIFFOpen (path, "w");
  g_assert_nonnull (tiff);
  TIFFSetField (tiff, TIFFTAG_IMAGEWIDTH, kSide);
  TIFFSetField (tiff, TIFFTAG_IMAGELENGTH, kSide);
  TIFFSetField (tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField (tiff, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField (tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField (tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tiff, TIFFTAG_ICCPROFILE, (uint32_t) profile.size (), profile.data ());
  std::vector<unsigned char> rgb = pixels ();
  for (int y = 0; y < kSide; y++)
    TIFFWriteScanline (tiff, rgb.data () + y * kSide * 3, y, 0);
  TIFFClose (tiff);
  gchar *data = nullptr;
  gsize size = 0;
  g_assert_true (g_file_get_contents (path, &data, &size, nullptr));
  Bytes out (data, data + size);
  g_free (data);
  g_unlink (path);
  g_rmdir (dir);
  return out;
}

struct Counts
{
  int none = 0;
  int converted = 0;
  int refused = 0;
};

// One case: the header read, and whatever profile comes out applied to a
// small image.
void
run_case (const Bytes &file, Counts &counts)
{
  const cli::Declared d = cli::declared (file);
  g_assert_cmpuint (d.width, <=, G_MAXUINT32);
  g_assert_cmpuint (d.height, <=, G_MAXUINT32);
  g_assert_cmpint (d.bytes_per_pixel, >=, 0);
  g_assert_cmpint (d.bytes_per_pixel, <=, 4 * 8);
  const Bytes icc = cli::read_icc_profile (file);
  if (icc.empty ())
    {
      counts.none++;
      return;
    }
  cv::Mat image (4, 5, CV_8UC3, cv::Scalar (10, 128, 250));
  std::string name, why;
  if (cli::convert_to_srgb (image, icc, name, why))
    counts.converted++;
  else
    {
      g_assert_false (why.empty ());
      counts.refused++;
    }
}

struct Seed
{
  const char *format;
  Bytes bytes;
};

std::vector<Seed>
seeds ()
{
  const Bytes profile = make_profile ();
  return { { "PNG", make_png (profile) }, { "JPEG", make_jpeg (profile) },
           { "TIFF", make_tiff (profile) } };
}

// The seeds as made: the profile read back exactly, and applied.
void
test_seeds ()
{
  const Bytes profile = make_profile ();
  for (const Seed &s : seeds ())
    {
      g_test_message ("%s seed: %zu bytes", s.format, s.bytes.size ());
      g_assert_true (cli::read_icc_profile (s.bytes) == profile);
      const cli::Declared d = cli::declared (s.bytes);
      g_assert_cmpstr (d.format, ==, s.format);
      g_assert_cmpuint (d.width, ==, kSide);
      g_assert_cmpuint (d.height, ==, kSide);
      g_assert_true (d.complete);
      Counts counts;
      run_case (s.bytes, counts);
      g_assert_cmpint (counts.converted, ==, 1);
    }
}

void
test_truncated ()
{
  for (const Seed &s : seeds ())
    {
      Counts counts;
      for (size_t n = 0; n < s.bytes.size (); n++)
        {
          const Bytes cut (s.bytes.begin (), s.bytes.begin () + n);
          run_case (cut, counts);
          // A JPEG cut anywhere lacks its end marker.
          if (strcmp (s.format, "JPEG") == 0 && n >= 3)
            g_assert_false (cli::declared (cut).complete);
        }
      g_test_message ("%s, every truncation: %d without a profile, %d converted, %d refused",
                      s.format, counts.none, counts.converted, counts.refused);
    }
}

void
test_bit_flips ()
{
  std::mt19937 random (1234);
  for (const Seed &s : seeds ())
    {
      Counts counts;
      for (int i = 0; i < 3000; i++)
        {
          Bytes mutated = s.bytes;
          const int flips = 1 + (int) (random () % 8);
          for (int f = 0; f < flips; f++)
            mutated[random () % mutated.size ()] ^= (unsigned char) (1u << (random () % 8));
          run_case (mutated, counts);
        }
      g_test_message ("%s, 3000 mutated copies: %d without a profile, %d converted, %d refused",
                      s.format, counts.none, counts.converted, counts.refused);
    }
}

// Hostile profiles in a valid container: garbage, a profile header that
// claims 2 GB, tags pointing past the end, a gray profile on an RGB photo.
void
test_hostile_profiles ()
{
  Bytes header = make_profile ();
  std::vector<Bytes> profiles;
  profiles.push_back (Bytes (200, 0xAB));
  Bytes huge = header;
  huge[0] = 0x7F; // declared size 2 GB
  profiles.push_back (huge);
  Bytes tags = header;
  for (size_t i = 132; i + 12 <= tags.size () && i < 132 + 12 * 10; i += 12)
    tags[i + 4] = 0x7F; // each tag's offset far past the end
  profiles.push_back (tags);
  cmsToneCurve *curve = cmsBuildGamma (nullptr, 1.8);
  cmsHPROFILE gray = cmsCreateGrayProfile (cmsD50_xyY (), curve);
  cmsFreeToneCurve (curve);
  cmsUInt32Number size = 0;
  cmsSaveProfileToMem (gray, nullptr, &size);
  Bytes gray_bytes (size);
  cmsSaveProfileToMem (gray, gray_bytes.data (), &size);
  cmsCloseProfile (gray);
  profiles.push_back (gray_bytes);

  // Little CMS reads a profile within the bytes it is given, whatever its
  // header claims: the 2 GB one converts, from its real 500 bytes.
  const bool may_convert[] = { false, true, false, false };
  for (size_t i = 0; i < profiles.size (); i++)
    {
      Counts counts;
      run_case (make_jpeg (profiles[i]), counts);
      g_test_message ("hostile profile %zu: %d converted, %d refused", i, counts.converted,
                      counts.refused);
      g_assert_cmpint (counts.converted + counts.refused, ==, 1);
      if (!may_convert[i])
        g_assert_cmpint (counts.refused, ==, 1);
    }
}

Bytes
le16 (unsigned v)
{
  return { (unsigned char) v, (unsigned char) (v >> 8) };
}

Bytes
le32 (uint32_t v)
{
  return { (unsigned char) v, (unsigned char) (v >> 8), (unsigned char) (v >> 16),
           (unsigned char) (v >> 24) };
}

Bytes
cat (std::initializer_list<Bytes> parts)
{
  Bytes out;
  for (const Bytes &p : parts)
    out.insert (out.end (), p.begin (), p.end ());
  return out;
}

// Headers that lie: offsets past the end, 65535 entries in 20 bytes,
// lengths of 0 and 1, data with no end, sizes of 2^32 - 1.
void
test_hostile_headers ()
{
  const Bytes tiff = { 'I', 'I', '*', 0 };
  const Bytes jpeg = { 0xff, 0xd8 };
  const std::vector<Bytes> files = {
    cat ({ tiff, le32 (0xfffffff0u) }),                          // IFD past the end
    cat ({ tiff, le32 (8), le16 (65535), Bytes (10, 0) }),         // entries past the end
    cat ({ tiff, le32 (8), le16 (1), le16 (258), le16 (4), le32 (3), le32 (0xfffffff0u) }),
    cat ({ tiff, le32 (8), le16 (2), le16 (256), le16 (4), le32 (1), le32 (0xffffffffu),
           le16 (257), le16 (4), le32 (1), le32 (0xffffffffu) }),
    cat ({ tiff, le32 (4) }),                                    // the IFD is the header
    cat ({ jpeg, { 0xff, 0xe0, 0, 0, 0xff, 0xe1, 0, 1 } }),         // lengths 0 and 1
    cat ({ jpeg, { 0xff, 0xc0, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3 } }),
    cat ({ jpeg, { 0xff, 0xda, 0, 2 }, Bytes (1000, 0xff) }),       // scan of fill bytes
    cat ({ jpeg, { 0xff, 0xda, 0, 0xff } }),                      // length past the end
    cat ({ jpeg, Bytes (5000, 0xff) }),
    { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 16, 6 },        // 2^32 - 1 square, cut
  };
  for (const Bytes &f : files)
    {
      Counts counts;
      run_case (f, counts);
      const cli::Declared d = cli::declared (f);
      g_test_message ("%zu bytes: %s %" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT ", %d bytes a pixel%s",
                      f.size (), d.format ? d.format : "none", d.width, d.height, d.bytes_per_pixel,
                      d.complete ? "" : ", incomplete");
      g_assert_nonnull (d.format);
      g_assert_cmpint (counts.converted, ==, 0);
    }
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, nullptr);
  g_test_add_func ("/fuzz-photo/seeds", test_seeds);
  g_test_add_func ("/fuzz-photo/truncated", test_truncated);
  g_test_add_func ("/fuzz-photo/bit-flips", test_bit_flips);
  g_test_add_func ("/fuzz-photo/hostile-headers", test_hostile_headers);
  g_test_add_func ("/fuzz-photo/hostile-profiles", test_hostile_profiles);
  return g_test_run ();
}
