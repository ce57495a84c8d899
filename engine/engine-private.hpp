// engine-private.hpp: what the engine's C++ files share; never installed.
#pragma once

#include "config.h"
#include "neural-style-engine.h"
#include "instance-norm.hpp"

#include <glib/gi18n-lib.h>
#include <opencv2/dnn.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ns {
struct Arbitrary; // magenta.hpp
class Graph;      // graph.hpp
}

struct _NsEngine
{
  std::string path;
  NsConvention convention;
  cv::dnn::Net net;
  ns::NormContext norm;
  std::vector<std::string> norm_layers;
  // Engines that paint with a style vector (Magenta's): net is the transfer
  // network's image side; this holds the rest.  Empty for the others.
  std::shared_ptr<ns::Arbitrary> arbitrary;
  // net's layers as the engine runs them (graph.hpp), or none: then net
  // runs them.
  std::shared_ptr<ns::Graph> graph;
};

namespace ns {

// An error on its way to the C boundary, where it becomes a GError.
struct Error
{
  NsEngineError code;
  std::string message;
};

// Throws an Error with a printf-style, already translated message.
[[noreturn]] void fail (NsEngineError code, const char *format, ...) G_GNUC_PRINTF (2, 3);

// Throws an Error unless `path` is a readable, non-empty file.
void check_model_file (const std::string &path);

// Runs `body`, turning every exception into a GError: nothing thrown ever
// crosses the C API.
gboolean guard (GError **error, const std::function<void ()> &body);

// Model loading (model.cpp): the loaded `engine.net` set up and measured
// for tiling.
void prepare_network (NsEngine &engine);
void probe_network (NsEngine &engine);

// The network's output (or that of its layer `upto`) for the NCHW `blob`,
// through the engine's graph when there is one.
cv::Mat forward (NsEngine &engine, const cv::Mat &blob, const std::string &upto = std::string ());

// Arbitrary engines (magenta.cpp): sets the vector the transfer network
// paints with for this run: the style vector, or with options.style_amount
// below 1 its blend with the vector of `photo` itself.
// Returns the vector it paints with.
std::vector<float> prepare_arbitrary_style (NsEngine &engine, const NsOptions &options,
                                            const NsImageIO &photo);
// Paints with `vector` (one prepare_arbitrary_style returned) from now on.
void paint_with_vector (NsEngine &engine, const std::vector<float> &vector);

} // namespace ns
