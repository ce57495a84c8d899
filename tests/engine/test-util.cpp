// test-util.cpp: see test-util.hpp.
#include "test-util.hpp"
#include "gemm.hpp"
#include "tiling.hpp" // the engine's planner: where the seams are

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cxxabi.h>
#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

namespace test {

const char *const kIsas[3] = { "avx512", "avx2", "generic" };

void
select_best_isa ()
{
  for (const char *isa : kIsas)
    if (ns::gemm_select_isa (isa))
      return;
}

std::string
read_file (const std::string &path)
{
  g_autofree gchar *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path.c_str (), &contents, &length, &error);
  g_assert_no_error (error);
  return std::string (contents, length);
}

NsOptions
options_for (guint64 budget, NsStatistics statistics)
{
  NsOptions options;
  ns_options_init (&options);
  options.memory_budget = budget;
  options.statistics = statistics;
  return options;
}

namespace {

std::string
env_dir (const char *variable)
{
  const char *dir = g_getenv (variable);
  if (!dir || !*dir)
    g_error ("$%s is not set: run the tests through 'meson test'", variable);
  return dir;
}

} // namespace

std::string
shared_model (const std::string &name)
{
  return env_dir ("NS_TEST_SHARED") + "/models/" + name;
}

std::string
shared_image (const std::string &name)
{
  return env_dir ("NS_TEST_SHARED") + "/test-images/" + name;
}

std::string
shared_ml5 (const std::string &style)
{
  return env_dir ("NS_TEST_SHARED") + "/ml5/" + style;
}

std::string
made_data (const std::string &name)
{
  return env_dir ("NS_TEST_DATA") + "/" + name;
}

std::vector<std::string>
shared_models ()
{
  std::vector<std::string> models;
  const std::string dir = env_dir ("NS_TEST_SHARED") + "/models";
  g_autoptr (GDir) d = g_dir_open (dir.c_str (), 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".onnx"))
      models.push_back (dir + "/" + name);
  std::sort (models.begin (), models.end ());
  return models;
}

cv::Mat
photo_rgb8 (const std::string &name, cv::Size size)
{
  cv::Mat bgr = cv::imread (shared_image (name), cv::IMREAD_COLOR);
  if (bgr.empty ())
    g_error ("cannot read %s", shared_image (name).c_str ());
  if (!size.empty ())
    cv::resize (bgr, bgr, size, 0, 0, cv::INTER_AREA);
  cv::Mat rgb;
  cv::cvtColor (bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat
rgba_from_rgb8 (const cv::Mat &rgb8)
{
  cv::Mat rgb, rgba;
  rgb8.convertTo (rgb, CV_32F, 1.0 / 255);
  cv::cvtColor (rgb, rgba, cv::COLOR_RGB2RGBA);
  return rgba;
}

NsEngine *
open_engine (const std::string &path, NsConvention convention)
{
  g_autoptr (GError) error = NULL;
  NsEngine *engine = ns_engine_new (path.c_str (), convention, &error);

  g_assert_no_error (error);
  g_assert_nonnull (engine);
  return engine;
}

NsEngine *
open_style (const std::string &id)
{
  const std::string magenta = test::shared_model ("magenta");
  const std::string models = test::shared_model ("");
  const char *const path[] = { models.c_str (), magenta.c_str (), NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NsCatalog) catalog = ns_catalog_new (NULL, path, &error);
  g_assert_no_error (error);
  const NsStyle *style = ns_catalog_find_installed (catalog, id.c_str (), &error);
  g_assert_no_error (error);
  NsEngine *engine = ns_engine_new_for_style (style, &error);
  g_assert_no_error (error);
  return engine;
}

NsEngine *
wave_engine ()
{
  static NsEngine *wave = open_engine (shared_model ("wave.onnx"));
  return wave;
}

cv::dnn::Net
stock_net (const std::string &path)
{
  cv::dnn::Net net = cv::dnn::readNet (path);
  norm_layers (net);
  return net;
}

cv::Mat
reference_rgb (cv::dnn::Net &net, const cv::Mat &rgb8)
{
  const cv::Mat padded = pad_for_network (rgb8);
  // OpenCV 4.10's Winograd rounds pixels of a flat image differently, and
  // the instance norms then amplify that rounding (1/sqrt(eps) a layer):
  // a 1x1 photo (padded to a flat 64x64 input) came out 11.6 dB from the
  // engine's exact answer.  Its direct convolution keeps a flat image flat.
#if CV_VERSION_MAJOR > 4 || (CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR >= 7)
  net.enableWinograd (false);
#endif
  net.setInput (cv::dnn::blobFromImage (padded, 1.0, cv::Size (), cv::Scalar (), false, false));
  cv::Mat rgb = blob_to_image (net.forward (), rgb8.size ());
  cv::min (cv::max (rgb, 0.0), 255.0, rgb);
  return rgb / 255.0;
}

cv::Mat
stylize (NsEngine *engine, const NsOptions &options, const cv::Mat &rgba)
{
  g_assert_cmpint (rgba.type (), ==, CV_32FC4);
  g_assert_true (rgba.isContinuous ());
  cv::Mat out (rgba.size (), CV_32FC4, cv::Scalar::all (-1));
  g_autoptr (GError) error = NULL;

  const gboolean ok = ns_engine_stylize_pixels (engine, &options, rgba.ptr<float> (), out.ptr<float> (),
                                                rgba.cols, rgba.rows, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return out;
}

cv::Mat
stylize (NsEngine *engine, const cv::Mat &rgba)
{
  NsOptions options;
  ns_options_init (&options);
  return stylize (engine, options, rgba);
}

cv::Mat
pad_for_network (const cv::Mat &image)
{
  const int width = std::max (64, (image.cols + 3) / 4 * 4);
  const int height = std::max (64, (image.rows + 3) / 4 * 4);
  cv::Mat padded;
  cv::copyMakeBorder (image, padded, 0, height - image.rows, 0, width - image.cols,
                      cv::BORDER_REFLECT);
  return padded;
}

cv::Mat
blob_to_image (const cv::Mat &blob, cv::Size size)
{
  std::vector<cv::Mat> images;
  cv::dnn::imagesFromBlob (blob, images);
  g_assert_cmpuint (images.size (), ==, 1);
  return images[0] (cv::Rect (cv::Point (0, 0), size)).clone ();
}

cv::Mat
rgb_of (const cv::Mat &rgba)
{
  if (rgba.channels () == 3)
    return rgba;
  cv::Mat rgb;
  cv::cvtColor (rgba, rgb, cv::COLOR_RGBA2RGB);
  return rgb;
}

double
max_abs_diff (const cv::Mat &a, const cv::Mat &b)
{
  return cv::norm (rgb_of (a), rgb_of (b), cv::NORM_INF);
}

double
mean_abs_diff (const cv::Mat &a, const cv::Mat &b)
{
  const cv::Mat ra = rgb_of (a);
  return cv::norm (ra, rgb_of (b), cv::NORM_L1) / ((double) ra.total () * 3);
}

double
psnr (const cv::Mat &a, const cv::Mat &b)
{
  return cv::PSNR (rgb_of (a), rgb_of (b), 1.0);
}

namespace {

// Where tiles meet, in source columns (axis 0) or rows (axis 1).
std::vector<int>
seams (const cv::Mat &image, int axis, guint64 budget)
{
  std::vector<int> at;
  for (const ns::Tile &t : ns::plan_tiles (ns::Geometry (image.size (), 1.0), budget).tiles)
    {
      const int begin = axis == 0 ? t.source.x : t.source.y;
      if (begin > 0 && std::find (at.begin (), at.end (), begin) == at.end ())
        at.push_back (begin);
    }
  g_assert_false (at.empty ());
  return at;
}

// step[i]: mean |pixel i - pixel i-1| along the axis, over the other axis
// and the colour channels.
std::vector<double>
steps (const cv::Mat &rgba, int axis)
{
  cv::Mat rgb = rgb_of (rgba);
  if (axis == 1)
    rgb = rgb.t ();
  std::vector<double> step (rgb.cols, 0.0);
  for (int i = 1; i < rgb.cols; i++)
    {
      cv::Mat d;
      cv::absdiff (rgb.col (i), rgb.col (i - 1), d);
      const cv::Scalar s = cv::sum (d);
      step[i] = (s[0] + s[1] + s[2]) / (3.0 * rgb.rows);
    }
  return step;
}

} // namespace

// The networks' texture repeats every 4 pixels, and tiles start at
// multiples of 4: the steps beside a seam are taken 4, 8, ... 32 pixels away.
double
seam_ratio (const cv::Mat &rgba, int axis, guint64 budget)
{
  const std::vector<double> step = steps (rgba, axis);
  const int n = (int) step.size ();
  double on = 0, beside = 0;
  int n_on = 0, n_beside = 0;

  for (int s : seams (rgba, axis, budget))
    {
      on += step[s], n_on++;
      for (int d = 4; d <= 32; d += 4)
        for (int i : { s - d, s + d })
          if (i >= 1 && i < n)
            beside += step[i], n_beside++;
    }
  g_assert_cmpint (n_beside, >, 0);
  return (on / n_on) / (beside / n_beside);
}

double
worst_seam_ratio (const cv::Mat &rgba, guint64 budget)
{
  return std::max (seam_ratio (rgba, 0, budget), seam_ratio (rgba, 1, budget));
}

std::string
layer_class (cv::dnn::Net &net, const std::string &layer_name)
{
  cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (layer_name));
  const cv::dnn::Layer &ref = *layer;
  int status = 0;
  std::unique_ptr<char, decltype (&free)> name (
    abi::__cxa_demangle (typeid (ref).name (), NULL, NULL, &status), &free);
  return status == 0 ? name.get () : typeid (ref).name ();
}

std::vector<std::string>
norm_layers (cv::dnn::Net &net)
{
  std::vector<std::string> names;
  for (const std::string &name : net.getLayerNames ())
    {
      const std::string type = net.getLayer (net.getLayerId (name))->type;
      if (type == "MVN" || type == "InstanceNormalization")
        names.push_back (name);
    }
  return names;
}

bool
has_only_stock_norm_layers (cv::dnn::Net &net)
{
  const std::vector<std::string> names = norm_layers (net);
  for (const std::string &name : names)
    if (layer_class (net, name).rfind ("cv::dnn::", 0) != 0)
      return false;
  return !names.empty ();
}

} // namespace test
