// test-activation.cpp: the vector tanh and sigmoid (engine/activation.cpp)
// with every instruction set this CPU has, against the C library's in
// double precision on every 1/1024 from -40 to 40 and at NaN and the
// infinities, over lengths that end inside a vector and written over their
// input; and as the kernels of OpenCV's TanH and Sigmoid layers against
// those layers themselves, and in a network the graph runs (in place).
#include "activation.hpp"
#include "gemm.hpp"

// OpenCV's headers: unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <glib.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

// activation.hpp's promise, absolute.
constexpr double kTolerance = 1.5e-7;

const char *const kIsas[] = { "avx512", "avx2", "generic" };

double
reference (ns::Activation f, double x)
{
  return f == ns::Activation::kTanh ? std::tanh (x) : 1.0 / (1.0 + std::exp (-x));
}

void
check_values (ns::Activation f, const char *name)
{
  std::vector<float> x;
  for (int i = -40 * 1024; i <= 40 * 1024; i++)
    x.push_back ((float) i / 1024);
  // Tiny ones, and past the clamps of exp ().
  for (float v : { 1e-30f, -1e-30f, 1e-8f, -3e-6f, 100.0f, -100.0f, 1e30f, -1e30f })
    x.push_back (v);
  for (const char *isa : kIsas)
    {
      if (!ns::gemm_select_isa (isa))
        {
          g_test_message ("%s: not on this CPU", isa);
          continue;
        }
      // Every length up to 40 (vectors of 16 and 8 end inside), then all.
      std::vector<size_t> lengths;
      for (size_t n = 1; n <= 40; n++)
        lengths.push_back (n);
      lengths.push_back (x.size ());
      for (size_t n : lengths)
        {
          std::vector<float> y (n, -7.0f);
          ns::activate (f, x.data (), n, y.data ());
          double worst = 0;
          for (size_t i = 0; i < n; i++)
            worst = std::max (worst, std::fabs ((double) y[i] - reference (f, x[i])));
          if (worst > kTolerance)
            g_error ("%s %s, %zu values: off by %g", name, isa, n, worst);
          if (n == x.size ())
            {
              g_test_message ("%s %s: at most %.3g from the C library's in double", name, isa, worst);
              // In place, the same.
              std::vector<float> z (x);
              ns::activate (f, z.data (), n, z.data ());
              g_assert_true (z == y);
            }
        }
      const float inf = std::numeric_limits<float>::infinity ();
      const float special[] = { std::numeric_limits<float>::quiet_NaN (), inf, -inf };
      float out[3];
      ns::activate (f, special, 3, out);
      g_assert_true (std::isnan (out[0]));
      g_assert_cmpfloat (out[1], ==, 1.0f);
      // (sigmoid (-inf): e^88 is as far as exp () goes, 1 / e^88 = 6e-39.)
      g_assert_cmpfloat (std::fabs (out[2] - (f == ns::Activation::kTanh ? -1.0f : 0.0f)), <=, kTolerance);
    }
  // The best one again.
  for (const char *isa : kIsas)
    if (ns::gemm_select_isa (isa))
      break;
}

void
test_tanh ()
{
  check_values (ns::Activation::kTanh, "tanh");
}

void
test_sigmoid ()
{
  check_values (ns::Activation::kSigmoid, "sigmoid");
}

// OpenCV's layer and the engine's kernel for it on one blob: at 100 dB or
// more over the output's range (the bar for a kernel against the
// network as loaded).
void
test_layers ()
{
  cv::RNG rng (19);
  const int shape[] = { 1, 3, 37, 53 };
  cv::Mat x (4, shape, CV_32F);
  rng.fill (x, cv::RNG::UNIFORM, -12.0, 12.0);
  for (const char *type : { "TanH", "Sigmoid" })
    {
      cv::dnn::LayerParams p;
      p.name = "act";
      p.type = type;
      cv::Ptr<cv::dnn::Layer> layer = cv::dnn::LayerFactory::createLayerInstance (type, p);
      g_assert_nonnull (layer.get ());
      std::vector<cv::Mat> in { x }, out { cv::Mat (4, shape, CV_32F) }, internals;
      layer->finalize (cv::InputArrayOfArrays (in), cv::OutputArrayOfArrays (out));
      layer->forward (cv::InputArrayOfArrays (in), cv::OutputArrayOfArrays (out),
                      cv::OutputArrayOfArrays (internals));

      std::unique_ptr<ns::Kernel> kernel = ns::activation_kernel (*layer);
      g_assert_nonnull (kernel.get ());
      g_assert_true (kernel->output_shape (cv::dnn::MatShape (shape, shape + 4))
                     == cv::dnn::MatShape (shape, shape + 4));
      cv::Mat y (4, shape, CV_32F);
      kernel->forward (x, y);
      const double rmse = std::sqrt (cv::norm (out[0], y, cv::NORM_L2SQR) / (double) y.total ());
      const double range = std::string (type) == "TanH" ? 2.0 : 1.0;
      const double db = rmse > 0 ? 20 * std::log10 (range / rmse) : 200;
      g_test_message ("%s: %.1f dB against OpenCV's layer, at most %g apart", type, db,
                      cv::norm (out[0], y, cv::NORM_INF));
      g_assert_cmpfloat (db, >=, 100.0);
      g_assert_cmpfloat (cv::norm (out[0], y, cv::NORM_INF), <=, 2 * kTolerance);
    }
  cv::dnn::LayerParams p;
  p.name = "relu";
  p.type = "ReLU";
  g_assert_null (ns::activation_kernel (*cv::dnn::LayerFactory::createLayerInstance ("ReLU", p)).get ());
}

// In a network (a 1x1 convolution from 3 to 4 channels, then tanh), as
// the graph runs it: the same as OpenCV's network, and in place, as
// OpenCV runs its own activations: a pass at the size reserve () planned
// makes no buffer (a 4-channel output could not go into the free
// 3-channel input's).
void
test_in_graph ()
{
  cv::RNG rng (7);
  const int wshape[] = { 4, 3, 1, 1 };
  cv::Mat w (4, wshape, CV_32F), b (1, 4, CV_32F);
  rng.fill (w, cv::RNG::UNIFORM, -1.0, 1.0);
  rng.fill (b, cv::RNG::UNIFORM, -1.0, 1.0);
  cv::dnn::LayerParams conv;
  conv.name = "conv";
  conv.type = "Convolution";
  conv.set ("kernel_size", 1);
  conv.set ("num_output", 4);
  conv.set ("bias_term", true);
  conv.blobs = { w, b };
  cv::dnn::LayerParams tanh;
  tanh.name = "tanh";
  tanh.type = "TanH";
  cv::dnn::Net net;
  net.addLayerToPrev (conv.name, conv.type, conv);
  net.addLayerToPrev (tanh.name, tanh.type, tanh);
  net.enableFusion (false);

  const int xshape[] = { 1, 3, 45, 61 };
  cv::Mat x (4, xshape, CV_32F);
  rng.fill (x, cv::RNG::UNIFORM, -3.0, 3.0);
  net.setInput (x);
  const cv::Mat expected = net.forward ().clone ();

  std::unique_ptr<ns::Graph> graph = ns::Graph::build (net, {}, true);
  g_assert_nonnull (graph.get ());
  g_assert_cmpint (graph->rewritten (), ==, 2);
  graph->reserve (ns::shape_of (x));
  const size_t reserved = graph->pool_bytes ();
  const cv::Mat y = graph->forward (x).clone ();
  g_assert_cmpuint (graph->pool_bytes (), ==, reserved);
  g_assert_cmpfloat (cv::norm (expected, y, cv::NORM_INF), <=, 1e-6);
  graph->release ();
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/activation/tanh", test_tanh);
  g_test_add_func ("/activation/sigmoid", test_sigmoid);
  g_test_add_func ("/activation/layers", test_layers);
  g_test_add_func ("/activation/in-graph", test_in_graph);
  return g_test_run ();
}
