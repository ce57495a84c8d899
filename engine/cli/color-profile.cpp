// color-profile.cpp: see color-profile.hpp.
#include "config.h"
#include "color-profile.hpp"

#include <glib/gi18n-lib.h>
#include <lcms2.h>
#include <png.h>
#include <tiffio.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

// libjpeg's header needs stdio's FILE first.
#include <jpeglib.h>

namespace cli {

namespace {

// Profiles are a few hundred bytes to a few megabytes; more is not a
// profile this program will use.
constexpr size_t kMaxProfile = 16 << 20;

// The file's bytes, read from the start by a format's library.
struct Source
{
  const unsigned char *data;
  size_t size;
  size_t at;
};

// The setjmp-based readers below hold only plain C data between setjmp
// and longjmp: no C++ object is skipped over.

void
png_error_jump (png_structp png, png_const_charp)
{
  png_longjmp (png, 1);
}

void
png_warning_quiet (png_structp, png_const_charp)
{
}

void
png_read_bytes (png_structp png, png_bytep to, size_t length)
{
  Source *source = static_cast<Source *> (png_get_io_ptr (png));
  if (length > source->size - source->at)
    png_error (png, "truncated");
  memcpy (to, source->data + source->at, length);
  source->at += length;
}

// Reads up to the image data (an iCCP chunk comes before it).
bool
png_profile (Source *source, unsigned char **out, size_t *size)
{
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, nullptr, png_error_jump,
                                            png_warning_quiet);
  if (!png)
    return false;
  png_infop info = png_create_info_struct (png);
  bool ok = false;
  if (info && setjmp (png_jmpbuf (png)) == 0)
    {
      png_set_read_fn (png, source, png_read_bytes);
      png_set_chunk_malloc_max (png, kMaxProfile);
      png_read_info (png, info);
      png_charp name = nullptr;
      int compression = 0;
      png_bytep data = nullptr;
      png_uint_32 length = 0;
      if (png_get_iCCP (png, info, &name, &compression, &data, &length) == PNG_INFO_iCCP
          && length > 0 && length <= kMaxProfile)
        {
          *out = static_cast<unsigned char *> (malloc (length));
          if (*out)
            {
              memcpy (*out, data, length);
              *size = length;
              ok = true;
            }
        }
    }
  png_destroy_read_struct (&png, info ? &info : nullptr, nullptr);
  return ok;
}

struct JpegErrors
{
  jpeg_error_mgr base;
  jmp_buf jump;
};

void
jpeg_error_jump (j_common_ptr cinfo)
{
  longjmp (reinterpret_cast<JpegErrors *> (cinfo->err)->jump, 1);
}

void
jpeg_message_quiet (j_common_ptr, int)
{
}

// The ICC_PROFILE markers (APP2), put together by libjpeg.
bool
jpeg_profile (const Source *source, unsigned char **out, size_t *size)
{
  jpeg_decompress_struct cinfo;
  JpegErrors errors;
  cinfo.err = jpeg_std_error (&errors.base);
  errors.base.error_exit = jpeg_error_jump;
  errors.base.emit_message = jpeg_message_quiet;
  bool ok = false;
  if (setjmp (errors.jump) == 0)
    {
      jpeg_create_decompress (&cinfo);
      jpeg_mem_src (&cinfo, source->data, (unsigned long) source->size);
      jpeg_save_markers (&cinfo, JPEG_APP0 + 2, 0xFFFF);
      jpeg_read_header (&cinfo, TRUE);
      JOCTET *data = nullptr;
      unsigned int length = 0;
      if (jpeg_read_icc_profile (&cinfo, &data, &length) && data)
        {
          if (length > 0 && length <= kMaxProfile)
            {
              *out = data;
              *size = length;
              ok = true;
            }
          else
            free (data);
        }
    }
  jpeg_destroy_decompress (&cinfo);
  return ok;
}

tmsize_t
tiff_read (thandle_t handle, void *to, tmsize_t length)
{
  Source *source = static_cast<Source *> (handle);
  const size_t n = std::min ((size_t) std::max<tmsize_t> (length, 0), source->size - source->at);
  memcpy (to, source->data + source->at, n);
  source->at += n;
  return (tmsize_t) n;
}

tmsize_t
tiff_write (thandle_t, void *, tmsize_t)
{
  return 0;
}

toff_t
tiff_seek (thandle_t handle, toff_t offset, int whence)
{
  Source *source = static_cast<Source *> (handle);
  const toff_t base = whence == SEEK_CUR ? source->at : whence == SEEK_END ? source->size : 0;
  if (offset > source->size || base + offset > source->size)
    return (toff_t) -1;
  source->at = (size_t) (base + offset);
  return source->at;
}

int
tiff_close (thandle_t)
{
  return 0;
}

toff_t
tiff_size (thandle_t handle)
{
  return static_cast<Source *> (handle)->size;
}

std::vector<unsigned char>
tiff_profile (Source *source)
{
  std::vector<unsigned char> profile;
  TIFFSetWarningHandler (nullptr);
  TIFFSetErrorHandler (nullptr);
  TIFF *tiff = TIFFClientOpen ("photo", "rm", source, tiff_read, tiff_write, tiff_seek,
                               tiff_close, tiff_size, nullptr, nullptr);
  if (!tiff)
    return profile;
  uint32_t length = 0;
  void *data = nullptr;
  if (TIFFGetField (tiff, TIFFTAG_ICCPROFILE, &length, &data) && data && length > 0
      && length <= kMaxProfile)
    profile.assign (static_cast<unsigned char *> (data), static_cast<unsigned char *> (data) + length);
  TIFFClose (tiff);
  return profile;
}

std::vector<unsigned char>
take (unsigned char *data, size_t size)
{
  std::vector<unsigned char> v (data, data + size);
  free (data);
  return v;
}

// The sRGB tone curve, for gray images.
cmsToneCurve *
srgb_curve ()
{
  const cmsFloat64Number p[5] = { 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045 };
  return cmsBuildParametricToneCurve (nullptr, 4, p);
}

struct ProfileCloser
{
  void operator() (void *p) const { cmsCloseProfile (p); }
};
using Profile = std::unique_ptr<void, ProfileCloser>;

struct TransformDeleter
{
  void operator() (void *t) const { cmsDeleteTransform (t); }
};

cmsUInt32Number
pixel_type (int depth, int channels)
{
  const cmsUInt32Number bytes = depth == CV_8U ? 1 : depth == CV_16U ? 2 : 4;
  cmsUInt32Number type = BYTES_SH (bytes) | (depth == CV_32F ? FLOAT_SH (1) : 0);
  if (channels == 1)
    return type | COLORSPACE_SH (PT_GRAY) | CHANNELS_SH (1);
  type |= COLORSPACE_SH (PT_RGB) | CHANNELS_SH (3) | DOSWAP_SH (1); // BGR
  return channels == 4 ? type | EXTRA_SH (1) : type;
}

void
quiet_lcms (cmsContext, cmsUInt32Number, const char *)
{
}

} // namespace

std::vector<unsigned char>
read_icc_profile (const std::vector<unsigned char> &file)
{
  Source source = { file.data (), file.size (), 0 };
  const unsigned char *magic = file.data ();
  const size_t n = file.size ();
  unsigned char *data = nullptr;
  size_t size = 0;
  if (n >= 8 && memcmp (magic, "\x89PNG", 4) == 0)
    return png_profile (&source, &data, &size) ? take (data, size) : std::vector<unsigned char> ();
  if (n >= 4 && magic[0] == 0xFF && magic[1] == 0xD8)
    return jpeg_profile (&source, &data, &size) ? take (data, size) : std::vector<unsigned char> ();
  if (n >= 8 && (memcmp (magic, "II*\0", 4) == 0 || memcmp (magic, "MM\0*", 4) == 0))
    return tiff_profile (&source);
  return {};
}

bool
convert_to_srgb (cv::Mat &image, const std::vector<unsigned char> &icc, std::string &description,
                 std::string &why)
{
  cmsSetLogErrorHandler (quiet_lcms);
  const int channels = image.channels (), depth = image.depth ();
  if ((channels != 1 && channels != 3 && channels != 4)
      || (depth != CV_8U && depth != CV_16U && depth != CV_32F))
    {
      why = _("its pixels are of a kind colour profiles do not apply to");
      return false;
    }
  Profile from (cmsOpenProfileFromMem (icc.data (), (cmsUInt32Number) icc.size ()));
  if (!from)
    {
      why = _("the profile is damaged");
      return false;
    }
  char name[256] = "";
  cmsGetProfileInfoASCII (from.get (), cmsInfoDescription, "en", "US", name, sizeof name);
  description = name;
  const cmsColorSpaceSignature space = cmsGetColorSpace (from.get ());
  if ((channels == 1) != (space == cmsSigGrayData) || (channels != 1 && space != cmsSigRgbData))
    {
      why = _("the profile is not for this image's colours (RGB or gray)");
      return false;
    }

  Profile to;
  if (channels == 1)
    {
      cmsToneCurve *curve = srgb_curve ();
      to.reset (cmsCreateGrayProfile (cmsD50_xyY (), curve));
      cmsFreeToneCurve (curve);
    }
  else
    to.reset (cmsCreate_sRGBProfile ());
  const cmsUInt32Number type = pixel_type (depth, channels);
  std::unique_ptr<void, TransformDeleter> transform (
    to ? cmsCreateTransform (from.get (), type, to.get (), type, INTENT_PERCEPTUAL,
                             cmsFLAGS_COPY_ALPHA)
       : nullptr);
  if (!transform)
    {
      why = _("the profile cannot be converted to sRGB");
      return false;
    }
  if (!image.isContinuous ())
    image = image.clone ();
  // Row bands on every thread: a transform may be shared by threads.
  cv::parallel_for_ (cv::Range (0, image.rows), [&] (const cv::Range &rows) {
    for (int y = rows.start; y < rows.end; y++)
      cmsDoTransform (transform.get (), image.ptr (y), image.ptr (y), (cmsUInt32Number) image.cols);
  });
  return true;
}

} // namespace cli
