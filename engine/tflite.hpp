// tflite.hpp: a reader for TensorFlow Lite flatbuffer files (.tflite).
//
// A .tflite file comes from the internet: every offset, length and index in
// it is checked before use, and anything out of bounds, of a type or op the
// engine does not support, or too large, is an ns::Error (NS_ENGINE_ERROR_
// CORRUPT or NOT_IMAGE_MODEL) with a message naming what is wrong.  The
// reader only parses: it builds no network.  Tensor data stays in the file's
// bytes (Model::bytes, by offset); dequantize() gives float32 copies.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ns::tflite {

// TFLite's TensorType values that the engine reads.
enum class TensorType : int8_t
{
  Float32 = 0,
  Float16 = 1,
  Int32 = 2,
  UInt8 = 3,
  Int64 = 4,
  Int8 = 9,
};

// TFLite's BuiltinOperator values of the ops Magenta's networks use.
enum class Op : int32_t
{
  Add = 0,
  Conv2D = 3,
  DepthwiseConv2D = 4,
  Dequantize = 6,
  Logistic = 14,
  Mul = 18,
  Mean = 40,
  Sub = 41,
  Rsqrt = 76,
  SquaredDifference = 99,
  MirrorPad = 100,
  ResizeNearestNeighbor = 97,
  Quantize = 114,
};

enum class Padding : int8_t { Same = 0, Valid = 1 };
enum class Activation : int8_t { None = 0, Relu = 1, ReluN1To1 = 2, Relu6 = 3, Tanh = 4 };

struct Quantization
{
  std::vector<float> scale;       // one, or one per channel
  std::vector<int64_t> zero_point; // same count as scale
  int dimension = 0;              // the per-channel axis
};

struct Tensor
{
  std::string name;
  TensorType type = TensorType::Float32;
  std::vector<int32_t> shape;      // as stored (NHWC for activations,
                                   // OHWI for conv weights, 1HWO depthwise)
  bool constant = false;           // has data in the file
  size_t offset = 0;               // where its data starts in Model::bytes
  size_t size = 0;                 // bytes of data; checked against shape
  Quantization quant;              // empty scale if not quantized
};

struct Operator
{
  Op op;
  std::vector<int> inputs;         // tensor indices; -1 = optional, absent
  std::vector<int> outputs;
  // The options of the ops above (those an op does not have stay default).
  Padding padding = Padding::Same;
  int stride_w = 1, stride_h = 1;
  int dilation_w = 1, dilation_h = 1;
  int depth_multiplier = 1;
  Activation activation = Activation::None;
  bool keep_dims = false;          // MEAN
  bool mirror_symmetric = false;   // MIRROR_PAD: false = REFLECT
  bool align_corners = false;      // RESIZE_NEAREST_NEIGHBOR
  bool half_pixel_centers = false;
};

// The first subgraph of a .tflite file, with its operators in execution
// order (TFLite stores them topologically sorted; the reader checks that
// every operator input is a graph input, a constant or an earlier output).
struct Model
{
  std::string path;                // for messages
  std::vector<uint8_t> bytes;      // the whole file
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// Reads and checks @path.  Throws ns::Error naming the file on any problem.
Model read_model (const std::string &path);
// The same for bytes in memory (@name is used in messages); used by the fuzz
// test.
Model parse_model (std::vector<uint8_t> bytes, const std::string &name);

// A constant tensor as float32 (dequantized as TFLite defines: (q - zero
// point) * scale, per channel along quant.dimension; float16 widened), in
// its stored layout, as a cv::Mat of shape `shape`.  Throws on a tensor
// without data or of another type.
cv::Mat dequantize (const Model &model, int tensor);

// The number of elements of a shape, throwing ns::Error when it is negative
// or would exceed a sane limit for this engine.
size_t element_count (const std::vector<int32_t> &shape);

} // namespace ns::tflite
