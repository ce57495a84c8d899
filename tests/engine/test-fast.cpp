// test-fast.cpp: the faster equivalent networks the engine builds at load
// time (engine/rewrite.cpp, run by engine/graph.cpp) give the same pictures as the networks as
// loaded (NEURAL_STYLE_NO_REWRITE=1): every shared model, the zoo's graph,
// the suite's .t7 networks and ml5 folders, at odd sizes, 1x1, whole,
// tiled and exact-tiled; and a residual sum folded into the normalization
// layer before it, as OpenCV 4.6 (Eltwise) and 4.10 (NaryEltwise) import
// ONNX's Add.  test-reference checks the rewritten engine against plain
// cv::dnn as well.
#include "engine-private.hpp"
#include "graph.hpp"
#include "instance-norm.hpp"
#include "test-util.hpp"

// OpenCV's headers: unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <glib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace {

std::vector<std::string> models;

NsEngine *
open (const std::string &path, bool rewrite)
{
  if (rewrite)
    g_unsetenv ("NEURAL_STYLE_NO_REWRITE");
  else
    g_setenv ("NEURAL_STYLE_NO_REWRITE", "1", TRUE);
  NsEngine *engine = test::open_engine (path);
  g_unsetenv ("NEURAL_STYLE_NO_REWRITE");
  return engine;
}

double
check_same (NsEngine *fast, NsEngine *plain, const NsOptions &options, const cv::Mat &rgba,
            const char *what)
{
  const cv::Mat a = test::stylize (fast, options, rgba);
  const cv::Mat b = test::stylize (plain, options, rgba);
  const double psnr = test::psnr (a, b);
  g_test_message ("  %s %dx%d: %.1f dB, max |diff| %.5f / 255", what, rgba.cols, rgba.rows,
                  psnr, 255 * test::max_abs_diff (a, b));
  g_assert_cmpfloat (psnr, >=, 60.0);
  return psnr;
}

// Magenta's transfer network (fp16), painting with the style vector of
// The Starry Night; "" for the other models.
const std::string kMagenta = "magenta";

NsEngine *
open_magenta (bool rewrite)
{
  g_setenv ("NEURAL_STYLE_NO_REWRITE", rewrite ? "0" : "1", TRUE);
  const std::string dir = test::shared_model ("magenta") + "/";
  GError *error = NULL;
  NsEngine *engine = ns_engine_new_arbitrary (
    (dir + "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite").c_str (),
    (dir + "magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite").c_str (), &error);
  g_unsetenv ("NEURAL_STYLE_NO_REWRITE");
  g_assert_no_error (error);
  float vector[NS_STYLE_VECTOR_SIZE];
  const std::string painting = test::shared_image ("styles/starry_night.jpg");
  g_assert_true (ns_engine_predict_style_file (engine, painting.c_str (), vector, &error));
  g_assert_true (ns_engine_set_style_vector (engine, vector, &error));
  return engine;
}

void
test_same_as_loaded (gconstpointer data)
{
  const std::string &path = models[GPOINTER_TO_UINT (data)];
  g_autoptr (NsEngine) fast = path == kMagenta ? open_magenta (true) : open (path, true);
  g_autoptr (NsEngine) plain = path == kMagenta ? open_magenta (false) : open (path, false);
  g_assert_nonnull (fast->graph);
  g_assert_nonnull (plain->graph);
  g_test_message ("%s: %d layers rewritten, %d folded into the layer before them", path.c_str (),
                  fast->graph->rewritten (), fast->graph->folded ());
  g_assert_cmpint (fast->graph->rewritten (), >, 0);
  g_assert_cmpint (plain->graph->rewritten (), ==, 0);
  // Every one of these networks with normalization layers (eccv16 has
  // batch normalizations only) has a ReLU or a batch normalization (ONNX's
  // InstanceNormalization as OpenCV imports it) right after one.
  if (!fast->norm_layers.empty ())
    g_assert_cmpint (fast->graph->folded (), >, 0);
  g_assert_cmpint (plain->graph->folded (), ==, 0);

  NsOptions options;
  ns_options_init (&options);
  const cv::Mat odd = test::rgba_from_rgb8 (test::photo_rgb8 ("chelsea.png", cv::Size (123, 77)));
  check_same (fast, plain, options, odd, "whole");
  check_same (fast, plain, options, odd (cv::Rect (40, 30, 1, 1)).clone (), "whole");

  const cv::Mat large = test::rgba_from_rgb8 (test::photo_rgb8 ("coffee.png", cv::Size (211, 143)));
  options.memory_budget = 1; // the smallest tiles
  check_same (fast, plain, options, large, "tiled");
  options.statistics = NS_STATISTICS_WHOLE;
  check_same (fast, plain, options, large, "exact-tiled");
}

// Transparent huge pages only where a program asks for them ("[madvise]").
bool
huge_pages_on_request ()
{
  std::ifstream f ("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline (f, line) && line.find ("[madvise]") != std::string::npos;
}

// kB of huge pages backing the mapping that holds `address`.
long
huge_kb_at (const void *address)
{
  std::ifstream f ("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline (f, line))
    {
      unsigned long begin, end;
      if (sscanf (line.c_str (), "%lx-%lx ", &begin, &end) == 2 && line.find (':') > 8)
        inside = (uintptr_t) address >= begin && (uintptr_t) address < end;
      else if (inside && line.rfind ("AnonHugePages:", 0) == 0)
        return std::stol (line.substr (strlen ("AnonHugePages:")));
    }
  return -1;
}

// The engine no longer asks for transparent huge pages for OpenCV's large
// buffers (engine/huge-pages.hpp says why: on a virtual machine whose host
// takes back free memory, fresh huge pages cost seven times as much to
// touch first): where the kernel gives them only on request, a network's
// feature map is on small pages.
void
test_no_huge_pages ()
{
  if (!huge_pages_on_request ())
    {
      g_test_skip ("transparent huge pages are not on request (madvise) in this kernel");
      return;
    }
#ifdef __SANITIZE_ADDRESS__
  g_test_skip ("OpenCV's buffers stay with malloc under AddressSanitizer");
  return;
#endif
  g_autoptr (NsEngine) engine = test::open_engine (models[0]);
  cv::Mat large (4096, 4096, CV_32F, cv::Scalar (1.0f)); // 64 MiB, written
  const long kb = huge_kb_at (large.data);
  g_test_message ("64 MiB cv::Mat: %ld kB on huge pages", kb);
  g_assert_cmpint (kb, ==, 0);
}

// A normalization layer then a sum with the network's input (a residual
// block's end), as each sum layer this OpenCV has: the graph folds the
// sum into the normalization's pass and gives what OpenCV's network gives.
void
test_sum_folded ()
{
  ns::register_instance_norm_layer ();
  struct Sum
  {
    const char *type, *operation;
  };
  int tried = 0;
  for (const Sum &sum : { Sum { "Eltwise", "sum" }, Sum { "NaryEltwise", "add" } })
    {
      cv::dnn::LayerParams probe;
      probe.set ("operation", sum.operation);
      if (cv::dnn::LayerFactory::createLayerInstance (sum.type, probe).empty ())
        {
          g_test_message ("%s: not in OpenCV %s", sum.type, CV_VERSION);
          continue;
        }
      cv::dnn::Net net;
      cv::dnn::LayerParams norm;
      norm.set ("eps", 1e-5f);
      const int n = net.addLayer ("norm", "InstanceNormalization", norm);
      net.connect (0, 0, n, 0);
      cv::dnn::LayerParams add;
      add.set ("operation", sum.operation);
      const int s = net.addLayer ("sum", sum.type, add);
      net.connect (n, 0, s, 0);
      net.connect (0, 0, s, 1);
      net.enableFusion (false);
      const int shape[] = { 1, 4, 23, 31 };
      cv::Mat x (4, shape, CV_32F);
      cv::RNG (5).fill (x, cv::RNG::UNIFORM, -3.0, 3.0);
      net.setInput (x);
      const cv::Mat want = net.forward ().clone ();

      std::unique_ptr<ns::Graph> graph = ns::Graph::build (net, { "norm" }, true);
      g_assert_nonnull (graph.get ());
      g_test_message ("%s: %d layer folded", sum.type, graph->folded ());
      g_assert_cmpint (graph->folded (), ==, 1);
      const cv::Mat got = graph->forward (x).clone ();
      g_assert_cmpfloat (cv::norm (got, want, cv::NORM_INF), <=, 1e-5);
      graph->release ();
      tried++;
    }
  g_assert_cmpint (tried, >=, 1);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  models = test::shared_models ();
  models.push_back (test::shared_model ("zoo-replica/candy-9-replica.onnx"));
  for (const char *t7 : { "instance-norm.t7", "eccv16.t7", "five-blocks.t7" })
    models.push_back (test::made_data (t7));
  for (const char *style : { "wave", "la_muse" })
    models.push_back (test::shared_ml5 (style));
  models.push_back (kMagenta);

  for (guint i = 0; i < models.size (); i++)
    {
      g_autofree gchar *base = g_path_get_basename (models[i].c_str ());
      g_autofree gchar *test_path = g_strdup_printf ("/fast/same-as-loaded/%s", base);
      g_test_add_data_func (test_path, GUINT_TO_POINTER (i), test_same_as_loaded);
    }
  g_test_add_func ("/fast/no-huge-pages", test_no_huge_pages);
  g_test_add_func ("/fast/sum-folded", test_sum_folded);
  return g_test_run ();
}
