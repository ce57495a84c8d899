// pixels.cpp: see pixels.hpp.
#include "engine-private.hpp"
#include "pixels.hpp"

#include <mutex>

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace ns {

namespace {

// ImageNet mean in BGR order, 0..255: what Johnson's .t7 models subtract.
const float kJohnsonMeanBgr[3] = { 103.939f, 116.779f, 123.680f };

// A Gaussian wide enough to stop aliasing when shrinking by `factor`.
double
shrink_sigma (double factor)
{
  return factor > 1.0 ? 0.45 * factor : 0.0;
}

int
kernel_size (double sigma)
{
  return sigma > 0 ? 2 * (int) std::ceil (4 * sigma) + 1 : 1;
}

void
blur_for_shrinking (cv::Mat &rgb, double factor_x, double factor_y)
{
  const double sx = shrink_sigma (factor_x), sy = shrink_sigma (factor_y);
  if (sx == 0 && sy == 0)
    return;
  cv::GaussianBlur (rgb, rgb, cv::Size (kernel_size (sx), kernel_size (sy)),
                    std::max (sx, 1e-3), std::max (sy, 1e-3), cv::BORDER_REPLICATE);
}

// Runs fn (first, end) over bands of rows on every thread.  The
// conversions below are a few passes over whole tiles each: on one thread
// they took a fifth of a light network's time (Magenta's at 3 MP).
template <typename F>
void
in_bands (int rows, const F &fn)
{
  const int band = 32;
  cv::parallel_for_ (cv::Range (0, (rows + band - 1) / band), [&] (const cv::Range &r) {
    fn (r.start * band, std::min (rows, r.end * band));
  });
}

// What the network may see: 0..1, no NaN.
void
clamp_rgb (cv::Mat &rgb)
{
  cv::patchNaNs (rgb, 0.0);
  cv::min (cv::max (rgb, 0.0), 1.0, rgb);
}

cv::Mat
network_input (const cv::Mat &rgba)
{
  cv::Mat rgb (rgba.size (), CV_32FC3);
  in_bands (rgba.rows, [&] (int r0, int r1) {
    cv::Mat band = rgb.rowRange (r0, r1);
    cv::cvtColor (rgba.rowRange (r0, r1), band, cv::COLOR_RGBA2RGB);
    clamp_rgb (band);
  });
  return rgb;
}

cv::Mat
plane (cv::Mat &blob, int channel)
{
  return cv::Mat (blob.size[2], blob.size[3], CV_32F, blob.ptr<float> (0, channel));
}

} // namespace

cv::Mat
to_blob (const cv::Mat &rgb, NsConvention convention)
{
  const int sizes[] = { 1, 3, rgb.rows, rgb.cols };
  cv::Mat blob (4, sizes, CV_32F);

  in_bands (rgb.rows, [&] (int r0, int r1) {
    const cv::Mat src = rgb.rowRange (r0, r1);
    for (int c = 0; c < 3; c++)
      {
        cv::Mat dst = plane (blob, c).rowRange (r0, r1);
        if (convention == NS_CONVENTION_JOHNSON)
          {
            // NCHW, BGR, 0..255 minus the ImageNet mean
            cv::extractChannel (src, dst, 2 - c);
            dst.convertTo (dst, CV_32F, 255.0, -kJohnsonMeanBgr[c]);
          }
        else
          {
            // NCHW, RGB, 0..255 (0..1 for NS_CONVENTION_UNIT)
            cv::extractChannel (src, dst, c);
            if (convention != NS_CONVENTION_UNIT)
              dst.convertTo (dst, CV_32F, 255.0);
          }
      }
  });
  return blob;
}

cv::Mat
from_blob (const cv::Mat &blob, NsConvention convention)
{
  cv::Mat &b = const_cast<cv::Mat &> (blob);
  cv::Mat rgb (blob.size[2], blob.size[3], CV_32FC3);

  in_bands (rgb.rows, [&] (int r0, int r1) {
    cv::Mat planes[3];
    for (int c = 0; c < 3; c++)
      {
        const cv::Mat src = plane (b, c).rowRange (r0, r1);
        if (convention == NS_CONVENTION_JOHNSON)
          src.convertTo (planes[2 - c], CV_32F, 1.0 / 255, kJohnsonMeanBgr[c] / 255);
        else
          src.convertTo (planes[c], CV_32F, convention == NS_CONVENTION_UNIT ? 1.0 : 1.0 / 255);
      }
    // The networks overshoot (about -22..277 on the 0..255 scale): clamp.
    cv::Mat band = rgb.rowRange (r0, r1);
    cv::merge (planes, 3, band);
    cv::min (cv::max (band, 0.0), 1.0, band);
  });
  return rgb;
}

cv::Size
network_input_size (cv::Size size)
{
  return cv::Size (std::max (kMinNetworkSide, (size.width + 3) / 4 * 4),
                   std::max (kMinNetworkSide, (size.height + 3) / 4 * 4));
}

cv::Mat
pad_for_network (const cv::Mat &rgb)
{
  const cv::Size size = network_input_size (rgb.size ());
  if (size == rgb.size ())
    return rgb;
  cv::Mat padded;
  cv::copyMakeBorder (rgb, padded, 0, size.height - rgb.rows, 0, size.width - rgb.cols,
                      cv::BORDER_REFLECT);
  return padded;
}

Geometry::Geometry (cv::Size source_size, double scale)
  : source (source_size)
{
  network.width = std::max (1, (int) std::lround (source.width / scale));
  network.height = std::max (1, (int) std::lround (source.height / scale));
  padded = network_input_size (network);
  sx = (double) source.width / network.width;
  sy = (double) source.height / network.height;
}

int
Geometry::source_x (int n) const
{
  if (n <= 0)
    return 0;
  if (n >= network.width)
    return source.width;
  return std::min (source.width, (int) std::lround (n * sx));
}

int
Geometry::source_y (int n) const
{
  if (n <= 0)
    return 0;
  if (n >= network.height)
    return source.height;
  return std::min (source.height, (int) std::lround (n * sy));
}

cv::Mat
read_rgba (const NsImageIO &io, const cv::Rect &rect)
{
  cv::Mat rgba (rect.height, rect.width, CV_32FC4);
  const NsRect r = { rect.x, rect.y, rect.width, rect.height };
  g_autoptr (GError) error = nullptr;

  if (!io.read (io.user_data, &r, rgba.ptr<float> (), &error))
    fail (NS_ENGINE_ERROR_FAILED, "%s",
          error ? error->message : _("Reading the image failed"));
  return rgba;
}

void
write_rgba (const NsImageIO &io, const cv::Rect &rect, const cv::Mat &rgba)
{
  const cv::Mat dense = rgba.isContinuous () ? rgba : rgba.clone ();
  const NsRect r = { rect.x, rect.y, rect.width, rect.height };
  g_autoptr (GError) error = nullptr;

  if (!io.write (io.user_data, &r, dense.ptr<float> (), &error))
    fail (NS_ENGINE_ERROR_FAILED, "%s",
          error ? error->message : _("Writing the result failed"));
}

cv::Mat
sample_network_rgb (const NsImageIO &io,
                    const Geometry &g,
                    const cv::Rect &rect,
                    cv::Mat &source_rgba,
                    cv::Rect &source_rect)
{
  const cv::Rect inner = rect & cv::Rect (cv::Point (0, 0), g.network);
  cv::Mat rgb;

  if (!g.resampled ())
    {
      source_rect = inner;
      source_rgba = read_rgba (io, inner);
      rgb = network_input (source_rgba);
    }
  else
    {
      // Network pixel u has its centre at source x = (u + 0.5) * sx - 0.5.
      const int mx = kernel_size (shrink_sigma (g.sx)) / 2 + 2;
      const int my = kernel_size (shrink_sigma (g.sy)) / 2 + 2;
      const int x0 = (int) std::floor ((inner.x + 0.5) * g.sx - 0.5) - mx;
      const int y0 = (int) std::floor ((inner.y + 0.5) * g.sy - 0.5) - my;
      const int x1 = (int) std::ceil ((inner.br ().x - 0.5) * g.sx - 0.5) + 1 + mx;
      const int y1 = (int) std::ceil ((inner.br ().y - 0.5) * g.sy - 0.5) + 1 + my;
      source_rect = cv::Rect (cv::Point (x0, y0), cv::Point (x1, y1))
                    & cv::Rect (cv::Point (0, 0), g.source);
      source_rgba = read_rgba (io, source_rect);

      cv::Mat src_rgb = network_input (source_rgba);
      blur_for_shrinking (src_rgb, g.sx, g.sy);
      const cv::Matx23d to_source (g.sx, 0, (inner.x + 0.5) * g.sx - 0.5 - source_rect.x,
                                   0, g.sy, (inner.y + 0.5) * g.sy - 0.5 - source_rect.y);
      cv::warpAffine (src_rgb, rgb, to_source, inner.size (),
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    }

  // Out to a multiple of 4 by reflection, as a whole-image pass pads.
  if (inner.size () != rect.size ())
    cv::copyMakeBorder (rgb, rgb, 0, rect.br ().y - inner.br ().y, 0, rect.br ().x - inner.br ().x,
                        cv::BORDER_REFLECT);
  return rgb;
}

cv::Mat
resample_to_source (const cv::Mat &output_rgb,
                    const cv::Rect &output_rect,
                    const Geometry &g,
                    const cv::Rect &dest)
{
  if (!g.resampled ())
    return output_rgb (dest - output_rect.tl ()).clone ();

  // Source pixel x has its centre at network u = (x + 0.5) / sx - 0.5.
  cv::Mat net = output_rgb.clone ();
  blur_for_shrinking (net, 1.0 / g.sx, 1.0 / g.sy);
  const cv::Matx23d to_network (1.0 / g.sx, 0, (dest.x + 0.5) / g.sx - 0.5 - output_rect.x,
                                0, 1.0 / g.sy, (dest.y + 0.5) / g.sy - 0.5 - output_rect.y);
  cv::Mat rgb;
  cv::warpAffine (net, rgb, to_network, dest.size (),
                  cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  return rgb;
}

cv::Mat
shrink_source (const NsImageIO &io, cv::Size size)
{
  const int strip = 32;
  cv::Mat small (size, CV_32FC3);

  for (int r0 = 0; r0 < size.height; r0 += strip)
    {
      const int r1 = std::min (size.height, r0 + strip);
      const int y0 = (int) std::floor ((double) r0 * io.height / size.height);
      const int y1 = std::min (io.height, (int) std::ceil ((double) r1 * io.height / size.height));
      cv::Mat rgb = network_input (read_rgba (io, cv::Rect (0, y0, io.width, std::max (1, y1 - y0))));
      cv::Mat rows = small.rowRange (r0, r1);
      cv::resize (rgb, rows, rows.size (), 0, 0, cv::INTER_AREA);
    }
  return small;
}

namespace {

// composite () for rows of the tile: into `rgba`.
void
composite_rows (const cv::Mat &styled_rgb, const cv::Mat &source_rgba, const NsOptions &options,
                cv::Mat &rgba)
{
  cv::Mat source_rgb, alpha;
  cv::cvtColor (source_rgba, source_rgb, cv::COLOR_RGBA2RGB);
  cv::extractChannel (source_rgba, alpha, 3);

  cv::Mat styled = styled_rgb;
  if (options.preserve_colors)
    {
      // The style's lightness with the photo's chroma (CIE L*a*b*).
      cv::Mat styled_lab, source_lab, clamped = source_rgb.clone ();
      clamp_rgb (clamped);
      cv::cvtColor (styled_rgb, styled_lab, cv::COLOR_RGB2Lab);
      cv::cvtColor (clamped, source_lab, cv::COLOR_RGB2Lab);
      const int from_to[] = { 1, 1, 2, 2 };
      cv::mixChannels (&source_lab, 1, &styled_lab, 1, from_to, 2);
      cv::cvtColor (styled_lab, styled, cv::COLOR_Lab2RGB);
      cv::min (cv::max (styled, 0.0), 1.0, styled);
    }

  cv::Mat mixed;
  if (options.strength < 1.0)
    cv::addWeighted (styled, options.strength, source_rgb, 1.0 - options.strength, 0.0, mixed);
  else
    mixed = styled;

  cv::Mat planes[] = { mixed, alpha };
  cv::merge (planes, 2, rgba);
}

// OpenCV makes its CIE L*a*b* tables on the first conversion and keeps them
// for the process; made in one of its worker threads, they are held only
// there, and leak checkers report them.  Made here, in the caller's thread.
void
warm_up_lab ()
{
  static std::once_flag once;
  std::call_once (once, [] {
    cv::Mat rgb (1, 1, CV_32FC3, cv::Scalar::all (0.5)), lab;
    cv::cvtColor (rgb, lab, cv::COLOR_RGB2Lab);
    cv::cvtColor (lab, rgb, cv::COLOR_Lab2RGB);
  });
}

} // namespace

cv::Mat
composite (const cv::Mat &styled_rgb, const cv::Mat &source_rgba, const NsOptions &options)
{
  CV_Assert (styled_rgb.size () == source_rgba.size ());
  cv::Mat rgba (styled_rgb.size (), CV_32FC4);
  if (options.preserve_colors)
    warm_up_lab ();
  in_bands (rgba.rows, [&] (int r0, int r1) {
    cv::Mat band = rgba.rowRange (r0, r1);
    composite_rows (styled_rgb.rowRange (r0, r1), source_rgba.rowRange (r0, r1), options, band);
  });
  return rgba;
}

} // namespace ns
