// magenta.hpp: Magenta's arbitrary style networks (Ghiasi et al. 2017),
// built from their .tflite files into OpenCV networks.
//
// The transfer network's conditional instance norms become the engine's
// own normalization layers (instance-norm.hpp), whose scale and shift the
// style vector sets: tiles then share statistics as with every network.
#pragma once

#include "neural-style-engine.h"
#include "tflite.hpp"

#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace ns::magenta {

// What part of a graph a tensor belongs to.
enum class Source
{
  Constant, // data in the file (or computed from it only)
  Vector,   // depends on the style vector only
  Image     // depends on the image
};

// The style vector's side of the transfer graph: small dense maps (1x1
// convolutions of a 1x1 input) from the vector to each norm's scale and
// shift, evaluated on the CPU whenever the vector changes.
struct DenseOp
{
  int input;
  int output;
  cv::Mat weights; // outputs x inputs
  std::vector<float> bias;
  tflite::Activation activation;
};

// One conditional instance norm: the engine layer and where its scale
// (gamma) and shift (beta) come from: a tensor of the vector's side, or a
// constant.
struct StyleNorm
{
  std::string layer;
  int channels = 0;
  int gamma = -1;
  int beta = -1;
  std::vector<float> gamma_constant;
  std::vector<float> beta_constant;
};

// A .tflite graph as an OpenCV network (NCHW, float32).
struct Network
{
  cv::dnn::Net net;
  std::string output;             // the layer giving the graph's output
  int image_channels = 3;         // the image input's channels
  cv::Size fixed_size;            // the image input's size, if the graph
                                  // only works at that size (else empty)
  int vector_input = -1;          // tensor of the style vector input, or -1
  int vector_size = 0;
  std::vector<DenseOp> vector_ops;
  std::vector<StyleNorm> norms;   // in network order
};

// Builds `model` (read from `path`, named in errors).  Throws ns::Error for
// a graph the engine does not support, naming the op.
Network build_network (const tflite::Model &model, const std::string &path);

// Sets every norm's scale and shift from `vector` (vector_size floats).
void set_style_vector (Network &network, const std::vector<float> &vector);

// Magenta's preprocessing of a style picture: RGB 0..1 (alpha flattened
// onto white), the shorter side scaled to kStyleSide by area averaging, the
// centre kStyleSide x kStyleSide.  Read from `picture` in strips.
constexpr int kStyleSide = 256;
cv::Mat style_input (const NsImageIO &picture);

} // namespace ns::magenta

namespace ns {

// What an arbitrary engine holds beside NsEngine::net (which is
// transfer.net).
struct Arbitrary
{
  magenta::Network transfer;
  std::vector<float> vector;       // the style vector set
  bool has_prediction = false;
  magenta::Network prediction;
};

} // namespace ns
