// magenta.cpp: engines that paint with a style vector (Magenta's arbitrary
// style transfer), style pictures made style vectors, and the C API for
// them.
#include "engine-private.hpp"
#include "magenta.hpp"
#include "pixels.hpp"

#include <glib/gstdio.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cerrno>
#include <cmath>
#include <memory>
#include <numeric>

namespace ns::magenta {

namespace {

// The source pixels one destination pixel averages, and their weights: the
// overlap of the destination pixel, mapped onto the source, with each
// source pixel (what OpenCV's INTER_AREA computes, up or down).
struct AreaTaps
{
  int first = 0;
  std::vector<double> weights;
};

std::vector<AreaTaps>
area_taps (int src_len, int dst_len, int from, int count)
{
  const double s = (double) src_len / dst_len;
  std::vector<AreaTaps> taps (count);

  for (int k = 0; k < count; k++)
    {
      const double a = (from + k) * s, b = (from + k + 1) * s;
      const int i0 = std::min (src_len - 1, (int) std::floor (a));
      const int i1 = std::max (i0 + 1, std::min (src_len, (int) std::ceil (b)));
      taps[k].first = i0;
      for (int i = i0; i < i1; i++)
        taps[k].weights.push_back (std::max (0.0, std::min (b, i + 1.0) - std::max (a, (double) i)) / s);
    }
  return taps;
}

// RGBA (straight alpha) -> RGB 0..1 on white.
cv::Mat
flatten_on_white (const cv::Mat &rgba)
{
  cv::Mat planes[4];
  cv::split (rgba, planes);
  cv::Mat alpha = cv::min (cv::max (planes[3], 0.0), 1.0);
  cv::patchNaNs (alpha, 1.0);
  const cv::Mat white = 1.0 - alpha;
  for (int c = 0; c < 3; c++)
    {
      cv::patchNaNs (planes[c], 0.0);
      planes[c] = cv::min (cv::max (planes[c], 0.0), 1.0).mul (alpha) + white;
    }
  cv::Mat rgb;
  cv::merge (planes, 3, rgb);
  return rgb;
}

std::vector<float>
predict (const Network &prediction, const cv::Mat &rgb)
{
  cv::dnn::Net net = prediction.net;
  net.setInput (to_blob (rgb, NS_CONVENTION_UNIT));
  const cv::Mat out = net.forward (prediction.output);
  return std::vector<float> (out.ptr<float> (), out.ptr<float> () + out.total ());
}

} // namespace

cv::Mat
style_input (const NsImageIO &io)
{
  const int side = kStyleSide;
  const cv::Size scaled
    = io.width <= io.height
        ? cv::Size (side, std::max (side, (int) std::lround ((double) io.height * side / io.width)))
        : cv::Size (std::max (side, (int) std::lround ((double) io.width * side / io.height)), side);
  const std::vector<AreaTaps> cols = area_taps (io.width, scaled.width, (scaled.width - side) / 2, side);
  const std::vector<AreaTaps> rows = area_taps (io.height, scaled.height, (scaled.height - side) / 2, side);
  const int src_y0 = rows.front ().first;
  const int src_y1 = rows.back ().first + (int) rows.back ().weights.size ();

  // Strips of about a megapixel: a large picture is never read whole.
  const int strip = std::max (1, (1 << 20) / io.width);
  cv::Mat sum (side, side, CV_64FC3, cv::Scalar::all (0));
  cv::Mat across (1, side, CV_64FC3);

  for (int y0 = src_y0; y0 < src_y1; y0 += strip)
    {
      const int y1 = std::min (src_y1, y0 + strip);
      const cv::Mat rgb = flatten_on_white (read_rgba (io, cv::Rect (0, y0, io.width, y1 - y0)));

      for (int y = y0; y < y1; y++)
        {
          // This source row, averaged across into the crop's columns ...
          const cv::Vec3f *src = rgb.ptr<cv::Vec3f> (y - y0);
          for (int c = 0; c < side; c++)
            {
              cv::Vec3d v (0, 0, 0);
              for (size_t k = 0; k < cols[c].weights.size (); k++)
                v += cols[c].weights[k] * cv::Vec3d (src[cols[c].first + k]);
              across.at<cv::Vec3d> (c) = v;
            }
          // ... and added to the crop's rows it belongs to.
          for (int r = 0; r < side; r++)
            {
              const int k = y - rows[r].first;
              if (k >= 0 && k < (int) rows[r].weights.size ())
                sum.row (r) += rows[r].weights[k] * across;
            }
        }
    }

  cv::Mat out;
  sum.convertTo (out, CV_32F);
  return out;
}

} // namespace ns::magenta

namespace ns {

namespace {

magenta::Network
load_network (const std::string &path)
{
  check_model_file (path);
  return magenta::build_network (tflite::read_model (path), path);
}

void
load_arbitrary (NsEngine &engine, const std::string &transfer_path, const char *prediction_path)
{
  cv::utils::logging::setLogLevel (cv::utils::logging::LOG_LEVEL_SILENT);
  auto a = std::make_shared<Arbitrary> ();
  g_autofree gchar *base = g_path_get_basename (transfer_path.c_str ());

  a->transfer = load_network (transfer_path);
  if (a->transfer.vector_size != NS_STYLE_VECTOR_SIZE || a->transfer.norms.empty ())
    fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
          _("'%s' is not Magenta's style transfer network: it takes no style vector of %d numbers"),
          base, NS_STYLE_VECTOR_SIZE);

  if (prediction_path)
    {
      g_autofree gchar *pbase = g_path_get_basename (prediction_path);
      a->prediction = load_network (prediction_path);
      a->has_prediction = true;
      // What it makes of a style picture, asked of its shapes (a forward
      // pass here cost every preset style a tenth of a second).
      size_t n = 0;
      if (a->prediction.vector_input < 0)
        {
          std::vector<cv::dnn::MatShape> ins, outs;
          a->prediction.net.getLayerShapes ({ 1, 3, magenta::kStyleSide, magenta::kStyleSide },
                                            a->prediction.net.getLayerId (a->prediction.output), ins, outs);
          if (outs.size () == 1)
            n = std::accumulate (outs[0].begin (), outs[0].end (), (size_t) 1,
                                 [] (size_t a, int b) { return a * (size_t) std::max (b, 0); });
        }
      if (n != NS_STYLE_VECTOR_SIZE)
        fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("'%s' is not Magenta's style prediction network: it does not turn a picture "
                "into %d numbers"),
              pbase, NS_STYLE_VECTOR_SIZE);
    }

  a->vector.assign (NS_STYLE_VECTOR_SIZE, 0.0f);
  magenta::set_style_vector (a->transfer, a->vector);

  engine.path = transfer_path;
  engine.convention = NS_CONVENTION_UNIT;
  engine.net = a->transfer.net;
  engine.arbitrary = a;
  prepare_network (engine);
}

Arbitrary &
arbitrary_of (NsEngine *engine)
{
  if (!engine->arbitrary)
    fail (NS_ENGINE_ERROR_FAILED, "%s",
          _("This engine paints with a trained network, not with a style vector"));
  return *engine->arbitrary;
}

Arbitrary &
predictor_of (NsEngine *engine)
{
  Arbitrary &a = arbitrary_of (engine);
  if (!a.has_prediction)
    fail (NS_ENGINE_ERROR_NOT_FOUND, "%s",
          _("Magenta's style prediction network is not loaded; install it with "
            "'neural-style-fetch magenta-prediction'"));
  return a;
}

std::vector<float>
predict_picture (Arbitrary &a, const NsImageIO &picture)
{
  if (picture.width <= 0 || picture.height <= 0)
    fail (NS_ENGINE_ERROR_BAD_IMAGE, _("The picture is empty (%d x %d pixels)"),
          picture.width, picture.height);
  return magenta::predict (a.prediction, magenta::style_input (picture));
}

// A picture file's pixels as the engine reads them.
struct PictureFile
{
  cv::Mat pixels; // as stored: gray, BGR or BGRA; 8, 16 bits or float
};

gboolean
read_picture_rows (gpointer user_data, const NsRect *rect, gfloat *rgba, GError **)
{
  const cv::Mat &pixels = static_cast<PictureFile *> (user_data)->pixels;
  const cv::Mat part = pixels (cv::Rect (rect->x, rect->y, rect->width, rect->height));
  const double scale = part.depth () == CV_8U ? 1.0 / 255 : part.depth () == CV_16U ? 1.0 / 65535 : 1.0;
  cv::Mat f;
  part.convertTo (f, CV_32F, scale);
  cv::Mat dest (rect->height, rect->width, CV_32FC4, rgba);
  const int code = f.channels () == 1 ? cv::COLOR_GRAY2RGBA
                   : f.channels () == 3 ? cv::COLOR_BGR2RGBA : cv::COLOR_BGRA2RGBA;
  cv::cvtColor (f, dest, code);
  return TRUE;
}

cv::Mat
read_picture_file (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    fail (NS_ENGINE_ERROR_NOT_FOUND, _("Picture '%s' cannot be read: %s"), path, g_strerror (errno));
  if (!S_ISREG (st.st_mode))
    fail (NS_ENGINE_ERROR_NOT_FOUND, _("Picture '%s' is not a file"), path);
  if (st.st_size == 0)
    fail (NS_ENGINE_ERROR_BAD_IMAGE, _("Picture '%s' is empty"), path);

  cv::Mat pixels;
  try
    {
      pixels = cv::imread (path, cv::IMREAD_UNCHANGED);
    }
  catch (const cv::Exception &)
    {
    }
  const int cn = pixels.channels ();
  if (pixels.empty () || !(cn == 1 || cn == 3 || cn == 4))
    fail (NS_ENGINE_ERROR_BAD_IMAGE,
          _("Picture '%s' is not an image the engine can read (PNG, JPEG or TIFF)"), path);
  return pixels;
}

} // namespace

std::vector<float>
prepare_arbitrary_style (NsEngine &engine, const NsOptions &options, const NsImageIO &photo)
{
  Arbitrary &a = *engine.arbitrary;
  std::vector<float> v = a.vector;

  if (options.style_amount < 1.0)
    {
      const std::vector<float> own = predict_picture (predictor_of (&engine), photo);
      for (size_t k = 0; k < v.size (); k++)
        v[k] = (float) (options.style_amount * v[k] + (1.0 - options.style_amount) * own[k]);
    }
  magenta::set_style_vector (a.transfer, v);
  return v;
}

void
paint_with_vector (NsEngine &engine, const std::vector<float> &vector)
{
  magenta::set_style_vector (engine.arbitrary->transfer, vector);
}

} // namespace ns

NsEngine *
ns_engine_new_arbitrary (const gchar *transfer_path, const gchar *prediction_path, GError **error)
{
  g_return_val_if_fail (transfer_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  auto engine = std::make_unique<NsEngine> ();
  if (!ns::guard (error, [&] { ns::load_arbitrary (*engine, transfer_path, prediction_path); }))
    return NULL;
  return engine.release ();
}

gboolean
ns_engine_is_arbitrary (NsEngine *engine)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  return engine->arbitrary != nullptr;
}

gboolean
ns_engine_set_style_vector (NsEngine *engine, const gfloat *vector, GError **error)
{
  g_return_val_if_fail (engine != NULL && vector != NULL, FALSE);

  return ns::guard (error, [&] {
    ns::Arbitrary &a = ns::arbitrary_of (engine);
    for (int k = 0; k < NS_STYLE_VECTOR_SIZE; k++)
      if (!std::isfinite (vector[k]))
        ns::fail (NS_ENGINE_ERROR_BAD_IMAGE, _("Style vector number %d is not a finite number"), k + 1);
      else if (std::fabs (vector[k]) > NS_STYLE_VECTOR_LIMIT)
        ns::fail (NS_ENGINE_ERROR_BAD_IMAGE,
                  _("Style vector number %u is %g, far outside the range of real style "
                    "vectors (-%g to %g)"),
                  (unsigned) k + 1, (double) vector[k], NS_STYLE_VECTOR_LIMIT, NS_STYLE_VECTOR_LIMIT);
    a.vector.assign (vector, vector + NS_STYLE_VECTOR_SIZE);
    ns::magenta::set_style_vector (a.transfer, a.vector);
  });
}

gboolean
ns_engine_predict_style (NsEngine *engine, const NsImageIO *picture, gfloat *vector, GError **error)
{
  g_return_val_if_fail (engine != NULL && picture != NULL && picture->read != NULL, FALSE);
  g_return_val_if_fail (vector != NULL, FALSE);

  return ns::guard (error, [&] {
    const std::vector<float> v = ns::predict_picture (ns::predictor_of (engine), *picture);
    std::copy (v.begin (), v.end (), vector);
  });
}

gboolean
ns_engine_predict_style_file (NsEngine *engine, const gchar *picture_path, gfloat *vector,
                              GError **error)
{
  g_return_val_if_fail (engine != NULL && picture_path != NULL && vector != NULL, FALSE);

  return ns::guard (error, [&] {
    ns::Arbitrary &a = ns::predictor_of (engine);
    ns::PictureFile file = { ns::read_picture_file (picture_path) };
    const NsImageIO io = { file.pixels.cols, file.pixels.rows, ns::read_picture_rows, nullptr, &file };
    const std::vector<float> v = ns::predict_picture (a, io);
    std::copy (v.begin (), v.end (), vector);
  });
}
