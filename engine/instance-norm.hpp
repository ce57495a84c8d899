// instance-norm.hpp: instance normalization whose statistics can be shared
// between tiles.
//
// A style network normalizes every feature map by its mean and variance over
// the whole image.  Run tile by tile, each tile would use its own statistics
// and the tiles would not match at their borders.  This layer replaces
// OpenCV's own (MVN in OpenCV 4.6, InstanceNormalization in 4.10) and can
// instead use statistics given to it, and gather them over the part of a
// tile that belongs to it.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ns {

// Per-channel sums over the pixels seen so far, of each value less the
// channel's first value seen (`shift`): a constant plane then sums to
// exactly zero spread, however many tiles and pixels it has.  Unshifted,
// the rounding of sum_sq / count - mean^2 alone passed for a spread, and
// every normalization layer amplified it by up to 1 / sqrt (eps) = 316: a
// flat photo came out white or black.
struct ChannelSums
{
  std::vector<double> sum;
  std::vector<double> sum_sq;
  std::vector<float> shift;
  std::vector<char> shifted; // whether shift[c] has been taken
  double count = 0;

  void reset (int channels);
  void mean_var (int channel, double &mean, double &var) const;
};

struct ChannelStats
{
  std::vector<float> mean;
  std::vector<float> var;
};

// What the normalization layers of one network do during a forward pass.
struct NormContext
{
  // Layer k uses fixed[k] if there is one, else its own statistics.
  std::vector<ChannelStats> fixed;

  // When gathering, layer `gather_layer` (or every layer, if -1) adds the
  // pixels of `core` (a rectangle of the network input, scaled to the
  // layer's resolution) to `sums`.  With `gather_only`, that is all it
  // does: its output is not made (exact tiling's passes stop there).
  bool gather = false;
  bool gather_only = false;
  int gather_layer = -1;
  cv::Rect core;
  cv::Size input_size;
  std::vector<ChannelSums> sums;

  // Called as each normalization layer starts (it may throw to cancel).
  std::function<void (int layer)> tick;

  // Each layer's plane (width x height) in the last forward pass, and how
  // many network input pixels make one plane pixel along x and y (1, 2 or
  // 4; 0 until measured).
  std::vector<cv::Size> plane_sizes;
  std::vector<cv::Point2d> input_per_plane;

  // Measures input_per_plane from two passes: `planes_a` seen for an input
  // of `input_a`, and plane_sizes now, after one of `input_b`.
  void measure_scales (const cv::Size &input_a, const std::vector<cv::Size> &planes_a,
                       const cv::Size &input_b);

  void use_own_statistics ();
  void start_gathering (int layer, const cv::Rect &core_rect, const cv::Size &input);
  // Layer `layer` only gathers; the pass must end there.
  void start_gathering_only (int layer, const cv::Rect &core_rect, const cv::Size &input);
  void stop_gathering ();
  std::vector<ChannelStats> gathered () const;
};

// Thrown when the caller's progress callback says stop, possibly from
// `tick`, inside a forward pass.
struct Cancelled
{
};

// Makes OpenCV build our layer for every MVN / InstanceNormalization node.
void register_instance_norm_layer ();

// Gives the engine's normalization layer `name` of `net` a scale and shift
// per channel (Magenta's conditional instance norm computes them from the
// style vector, outside the network).  Used from the next forward pass on.
void set_instance_norm_affine (cv::dnn::Net &net, const std::string &name,
                               std::vector<float> gamma, std::vector<float> beta);

// If `layer` is the engine's normalization layer: the parameters that make
// another one doing the same (its affine included), for a rewritten network.
bool instance_norm_params (const cv::Ptr<cv::dnn::Layer> &layer, cv::dnn::LayerParams &params);

// What a rewritten network does after a normalization layer in the same
// pass over the values (the graph folds the layers that follow it):
// y = scale[c] y + shift[c] (a batch normalization: the affine of an
// ONNX InstanceNormalization, which OpenCV imports as MVN then
// BatchNorm; ml5's Scale), then max (0, y) with `relu`.  Three passes over a feature
// map made one.
struct NormPost
{
  std::vector<float> scale, shift; // empty: none
  bool relu = false;
  // Then y += a second input of the layer's (a residual block's sum).
  bool add = false;
};

// If `norm` is the engine's normalization layer and `next` (read from it,
// and by nothing else, on `channels` channels) folds into what it does
// after (`post`, updated): a batch normalization or a per-channel scale
// before any ReLU, a ReLU.
bool fold_into_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, cv::dnn::Layer &next, int channels,
                              NormPost &post);

// If `sum` (of two inputs, one read from `norm` and by nothing else)
// adds them: it folds into what `norm` does after (`post.add`).
bool fold_sum_into_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, cv::dnn::Layer &sum, int channels,
                                  NormPost &post);

// Runs the normalization layer `norm` on its `inputs` into y, then `post`
// (adding `addend` with post.add).
void run_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, const std::vector<cv::Mat> &inputs, cv::Mat &y,
                        const NormPost &post, const cv::Mat &addend = cv::Mat ());

// Binds one normalization layer of `net` as layer `index` of `context`
// (whose vectors are already sized).
void bind_instance_norm_layer (cv::dnn::Net &net, const std::string &name, NormContext *context,
                               int index);

// Binds the normalization layers of a loaded network to `context`, numbering
// them in network order.  Returns the layer names, in that order.
std::vector<std::string> bind_instance_norm_layers (cv::dnn::Net &net, NormContext *context);

} // namespace ns
