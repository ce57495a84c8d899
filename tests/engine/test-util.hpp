// test-util.hpp: what the engine's C++ tests share: real photos and models,
// the engine on cv::Mat, and image comparisons.
#pragma once

#include "neural-style-engine.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <glib.h>

#include <string>
#include <vector>

// Defined when built with AddressSanitizer (GCC's macro, Clang's feature).
#if defined(__SANITIZE_ADDRESS__)
#define NS_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NS_ADDRESS_SANITIZER 1
#endif
#endif

namespace test {

// $NS_TEST_SHARED/models/NAME, $NS_TEST_SHARED/test-images/NAME,
// $NS_TEST_DATA/NAME (the models tests/data made).
std::string shared_model (const std::string &name);
std::string shared_image (const std::string &name);
// $NS_TEST_SHARED/ml5/STYLE: ml5's published style folders.
std::string shared_ml5 (const std::string &style);
std::string made_data (const std::string &name);

// The bytes of `path`; fails the test if it cannot be read.
std::string read_file (const std::string &path);

// The matrix product's instruction sets (gemm.hpp), widest first, and a
// return to the widest this CPU has, as the engine picks.
extern const char *const kIsas[3];
void select_best_isa ();

// Every *.onnx in the shared models folder, sorted.
std::vector<std::string> shared_models ();

// A shared photo as 8-bit RGB, resized (INTER_AREA) to `size` unless empty.
cv::Mat photo_rgb8 (const std::string &name, cv::Size size = cv::Size ());

// 8-bit RGB -> the engine's float RGBA (0..1), alpha 1.
cv::Mat rgba_from_rgb8 (const cv::Mat &rgb8);

// The default options but for the memory budget (0: the default) and the
// statistics of tiles.
NsOptions options_for (guint64 budget, NsStatistics statistics);

// Loads a model; fails the test with the GError's message otherwise.
NsEngine *open_engine (const std::string &path, NsConvention convention = NS_CONVENTION_AUTO);

// An installed style of the catalog (Magenta's presets, from the shared
// models and their magenta folder); fails the test otherwise.
NsEngine *open_style (const std::string &id);
// The shared wave.onnx, loaded once per test program.  (transfer none)
NsEngine *wave_engine ();

// `path` (.onnx or .t7) read by plain OpenCV, every layer made now.  Called
// before the first NsEngine exists, the network keeps OpenCV's own
// normalization layers: an engine replaces them process-wide, and OpenCV
// makes a layer only when first asked for it.
cv::dnn::Net stock_net (const std::string &path);

// What the engine should give for `rgb8` (8-bit RGB) with an rgb255 network:
// the photo reflected out to the network's size, NCHW RGB 0..255 through
// `net`, the output clamped to 0..255, cropped, as RGB 0..1 (CV_32FC3).
cv::Mat reference_rgb (cv::dnn::Net &net, const cv::Mat &rgb8);

// ns_engine_stylize_pixels on a CV_32FC4 image; fails the test on error.
cv::Mat stylize (NsEngine *engine, const NsOptions &options, const cv::Mat &rgba);
cv::Mat stylize (NsEngine *engine, const cv::Mat &rgba);

// The reflection padding of the C API's contract: right and bottom, to a
// multiple of 4 and at least 64 pixels.
cv::Mat pad_for_network (const cv::Mat &image);

// Network output (NCHW, 1x3xHxW) -> HWC float, cropped to `size`.
cv::Mat blob_to_image (const cv::Mat &blob, cv::Size size);

// Comparisons over the first three (colour) channels.
cv::Mat rgb_of (const cv::Mat &rgba);
double max_abs_diff (const cv::Mat &a, const cv::Mat &b);
double mean_abs_diff (const cv::Mat &a, const cv::Mat &b);
double psnr (const cv::Mat &a, const cv::Mat &b); // peak 1.0

// Seams of tiling with the memory budget `budget`: how much larger the
// step between neighbouring pixels is across the seams where tiles meet
// than 4 to 32 pixels beside them, along columns (axis 0) or rows (axis
// 1); about 1 when the seams cannot be told from the picture.
double seam_ratio (const cv::Mat &rgba, int axis, guint64 budget);
double worst_seam_ratio (const cv::Mat &rgba, guint64 budget); // of both axes

// The C++ class behind a layer, demangled ("cv::dnn::...::MVNLayerImpl").
std::string layer_class (cv::dnn::Net &net, const std::string &layer_name);
// Names of the normalization layers (types MVN / InstanceNormalization).
std::vector<std::string> norm_layers (cv::dnn::Net &net);
// TRUE if every normalization layer is OpenCV's own implementation (none
// replaced by the engine's shared-statistics layer); at least one needed.
bool has_only_stock_norm_layers (cv::dnn::Net &net);

} // namespace test
