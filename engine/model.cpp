// model.cpp: loading a style network and making sure it is one.
#include "engine-private.hpp"
#include "graph.hpp"
#include "rewrite.hpp"
#include "huge-pages.hpp"
#include "ml5.hpp"
#include "pixels.hpp"
#include "formats/torch-t7.hpp"

#include <glib/gstdio.h>
#include <opencv2/core/utils/logger.hpp>

#include <unistd.h>

#include <cerrno>
#include <memory>

namespace {

NsConvention
convention_for_file (const std::string &path)
{
  if (ns::ml5::is_style_folder (path) || g_str_has_suffix (path.c_str (), ".onnx"))
    return NS_CONVENTION_RGB255;
  if (g_str_has_suffix (path.c_str (), ".t7"))
    return NS_CONVENTION_JOHNSON;
  ns::fail (NS_ENGINE_ERROR_CORRUPT,
            _("Model file '%s' is neither an ONNX (.onnx) nor a Torch (.t7) model"),
            path.c_str ());
}

} // namespace

void
ns::check_model_file (const std::string &path)
{
  GStatBuf st;

  if (g_stat (path.c_str (), &st) != 0 || g_access (path.c_str (), R_OK) != 0)
    {
      if (errno == ENOENT)
        ns::fail (NS_ENGINE_ERROR_NOT_FOUND, _("Model file '%s' does not exist"), path.c_str ());
      ns::fail (NS_ENGINE_ERROR_NOT_FOUND, _("Model file '%s' cannot be read: %s"),
                path.c_str (), g_strerror (errno));
    }
  if (!S_ISREG (st.st_mode))
    ns::fail (NS_ENGINE_ERROR_NOT_FOUND,
              _("Model file '%s' is not a file (nor an ml5 style folder: it holds no %s)"),
              path.c_str (), ns::ml5::kManifest);
  if (st.st_size == 0)
    ns::fail (NS_ENGINE_ERROR_CORRUPT, _("Model file '%s' is empty"), path.c_str ());
}

namespace {

cv::dnn::Net
read_network (const std::string &path)
{
  if (ns::ml5::is_style_folder (path))
    return ns::ml5::read_network (path);

  const bool torch = g_str_has_suffix (path.c_str (), ".t7");
  // OpenCV's Torch importer trusts every count in the file.
  if (torch)
    ns::t7::check_file (path);
  try
    {
      cv::dnn::Net net = torch ? cv::dnn::readNetFromTorch (path)
                               : cv::dnn::readNetFromONNX (path);
      if (net.empty ())
        throw cv::Exception (cv::Error::StsParseError, "empty network", "", "", 0);
      return net;
    }
  catch (const cv::Exception &)
    {
      ns::fail (NS_ENGINE_ERROR_CORRUPT,
                torch ? _("Model file '%s' is truncated or corrupt: it is not a readable Torch model")
                      : _("Model file '%s' is truncated or corrupt: it is not a readable ONNX model"),
                path.c_str ());
    }
}

std::string
shape_string (const cv::Mat &m)
{
  std::string s;
  for (int i = 0; i < m.dims; i++)
    s += (i ? "x" : "") + std::to_string (m.size[i]);
  return s;
}

cv::Mat
forward_probe (NsEngine &engine, int channels, int height, int width)
{
  const int sizes[] = { 1, channels, height, width };
  return ns::forward (engine, cv::Mat (4, sizes, CV_32F, cv::Scalar (100.0f)));
}

// OpenCV runs a one-channel network on three channels too, taking them for
// convolution groups; a colour network refuses one channel.
bool
takes_one_channel (NsEngine &engine, int height, int width)
{
  try
    {
      const cv::Mat out = forward_probe (engine, 1, height, width);
      return out.dims == 4 && out.size[2] == height && out.size[3] == width;
    }
  catch (const cv::Exception &)
    {
      return false;
    }
}

// A style network turns an RGB image into one of the same size.  Anything
// else (a classifier, a one-channel network) is refused here, with what it
// did instead, rather than failing strangely on the user's image.  The
// probe is as small as the engine ever feeds a network (Johnson's .t7
// models reflect 40 pixels inside, which OpenCV refuses for smaller
// inputs), and not square, so that a transposed output shows.
} // namespace

void
ns::probe_network (NsEngine &engine)
{
  const int probe_h = ns::kMinNetworkSide, probe_w = ns::kMinNetworkSide + 8;
  g_autofree gchar *base = g_path_get_basename (engine.path.c_str ());
  cv::Mat out;

  if (takes_one_channel (engine, probe_h, probe_w))
    ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("'%s' is not a colour style network: it takes 1-channel (grayscale) images"),
              base);

  try
    {
      out = forward_probe (engine, 3, probe_h, probe_w);
    }
  catch (const cv::Exception &)
    {
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("'%s' is not an image style network: it does not accept a "
                  "3-channel image"),
                base);
    }

  if (out.dims != 4 || out.size[1] != 3 || out.size[2] != probe_h || out.size[3] != probe_w)
    ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("'%s' is not an image style network: for a 1x3x%dx%d image "
                "it returns %s"),
              base, probe_h, probe_w, shape_string (out).c_str ());

  // A second, larger pass tells each normalization layer's resolution,
  // which tiles need to share statistics.
  const std::vector<cv::Size> planes = engine.norm.plane_sizes;
  forward_probe (engine, 3, 2 * probe_h, 2 * probe_w);
  engine.norm.measure_scales (cv::Size (probe_w, probe_h), planes,
                              cv::Size (2 * probe_w, 2 * probe_h));
}

void
ns::prepare_network (NsEngine &engine)
{
  ns::use_huge_pages ();
  engine.net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  engine.net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
  // The network runs at several input sizes (probe, tiles, statistics).
  // OpenCV 4.6 fuses a convolution's batch normalization into its weights
  // again each time the size changes, so that every pass after the first
  // of Johnson's eccv16 models came out wrong.  Fusion saves no measurable
  // time on these networks.
  engine.net.enableFusion (false);
  engine.norm_layers = ns::bind_instance_norm_layers (engine.net, &engine.norm);
  // The graph holds the net's own layer objects: Magenta's normalization
  // layers, given their scale and shift later by name in engine.net, are
  // the graph's too.
  engine.graph = ns::Graph::build (engine.net, engine.norm_layers, ns::rewrites_enabled ());
  if (engine.graph && !engine.graph->agrees_with (engine.net))
    engine.graph.reset ();
  ns::probe_network (engine);
}

cv::Mat
ns::forward (NsEngine &engine, const cv::Mat &blob, const std::string &upto)
{
  if (engine.graph)
    return engine.graph->forward (blob, upto);
  engine.net.setInput (blob);
  return upto.empty () ? engine.net.forward () : engine.net.forward (upto);
}

namespace {

void
load (NsEngine &engine, const std::string &path, NsConvention convention)
{
  ns::register_instance_norm_layer ();
  cv::utils::logging::setLogLevel (cv::utils::logging::LOG_LEVEL_SILENT);

  if (!ns::ml5::is_style_folder (path))
    ns::check_model_file (path);
  engine.path = path;
  engine.convention = convention == NS_CONVENTION_AUTO ? convention_for_file (path)
                                                       : convention;
  engine.net = read_network (path);
  ns::prepare_network (engine);
}

} // namespace

NsEngine *
ns_engine_new (const gchar *model_path, NsConvention convention, GError **error)
{
  g_return_val_if_fail (model_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  auto engine = std::make_unique<NsEngine> ();
  if (!ns::guard (error, [&] { load (*engine, model_path, convention); }))
    return NULL;
  return engine.release ();
}

void
ns_engine_free (NsEngine *engine)
{
  std::unique_ptr<NsEngine> owned (engine);
}

const gchar *
ns_engine_get_model_path (NsEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  return engine->path.c_str ();
}

NsConvention
ns_engine_get_convention (NsEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NS_CONVENTION_AUTO);
  return engine->convention;
}
