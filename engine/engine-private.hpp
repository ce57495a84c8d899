// engine-private.hpp: what the engine's C++ files share; never installed.
#pragma once

#include "config.h"
#include "neural-style-engine.h"
#include "instance-norm.hpp"

#include <glib/gi18n-lib.h>
#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

struct _NsEngine
{
  std::string path;
  NsConvention convention;
  cv::dnn::Net net;
  ns::NormContext norm;
  std::vector<std::string> norm_layers;
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

} // namespace ns
