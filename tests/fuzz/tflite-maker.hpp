// tflite-maker.hpp: small .tflite files made by the tests, valid and
// hostile, with a FlatBuffers writer of the tests' own (it shares no code
// with the engine's reader).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace maker {

// A FlatBuffers object: a table, a vector of tables, or a vector of scalars
// (also a string).  A node marked `shared` is written once, at the end of
// the file, however many fields refer to it.
struct Node;
using NodeP = std::shared_ptr<Node>;

struct Field
{
  int id;
  std::vector<uint8_t> scalar; // inline value (1, 2, 4 or 8 bytes) ...
  NodeP ref;                   // ... or a reference
};

struct Node
{
  enum Kind { Table, Tables, Scalars } kind;
  std::vector<Field> fields;   // Table
  std::vector<NodeP> items;    // Tables
  std::vector<uint8_t> bytes;  // Scalars: the elements, little-endian
  size_t element_size = 1;
  uint32_t count = 0;          // Scalars: number of elements
  bool shared = false;
  int64_t claimed_count = -1;  // if >= 0, the count written instead (a lie)
};

template <typename T> Field
scalar (int id, T value)
{
  Field f { id, std::vector<uint8_t> (sizeof (T)), nullptr };
  std::memcpy (f.scalar.data (), &value, sizeof (T));
  return f;
}
Field ref (int id, NodeP node);

NodeP table (std::vector<Field> fields);
NodeP tables (std::vector<NodeP> items);
NodeP string (const std::string &s);
template <typename T> NodeP
scalars (const std::vector<T> &values)
{
  auto n = std::make_shared<Node> ();
  n->kind = Node::Scalars;
  n->element_size = sizeof (T);
  n->count = uint32_t (values.size ());
  n->bytes.resize (sizeof (T) * values.size ());
  if (!values.empty ())
    std::memcpy (n->bytes.data (), values.data (), n->bytes.size ());
  return n;
}

// The file: root offset, "TFL3", then the tree (parents before children, as
// FlatBuffers' forward offsets need), shared nodes last.
std::vector<uint8_t> write (const NodeP &root, const char *identifier = "TFL3");

// A model in TFLite's terms, written with the schema's field numbers.
struct TensorSpec
{
  std::string name;
  int type = 0; // TensorType
  std::vector<int32_t> shape;
  uint32_t buffer = 0;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int quantized_dimension = 0;
  NodeP quantization; // if set, instead of scale / zero_point
};

struct OpSpec
{
  uint32_t opcode_index;
  std::vector<int32_t> inputs, outputs;
  uint8_t options_type = 0; // BuiltinOptions union member
  NodeP options;
};

struct CodeSpec
{
  int8_t deprecated_code;
  int32_t code;
  std::string custom;
};

struct ModelSpec
{
  uint32_t version = 3;
  std::vector<CodeSpec> codes;
  std::vector<TensorSpec> tensors;
  std::vector<std::vector<uint8_t>> buffers; // [0] is TFLite's empty sentinel
  std::vector<int32_t> inputs, outputs;
  std::vector<OpSpec> ops;
  int subgraphs = 1;
};

NodeP model_node (const ModelSpec &spec);
std::vector<uint8_t> write_model (const ModelSpec &spec);

template <typename T> std::vector<uint8_t>
data_of (const std::vector<T> &values)
{
  std::vector<uint8_t> bytes (sizeof (T) * values.size ());
  if (!values.empty ())
    std::memcpy (bytes.data (), values.data (), bytes.size ());
  return bytes;
}

// A small valid model that uses every tensor type the reader dequantizes:
//   t0 input 1x2x2x2 float32
//   t1 CONV_2D weights 3x1x1x2 int8, per-channel (dimension 0)
//   t2 CONV_2D bias 3 int32, per-channel
//   t3 CONV_2D output 1x2x2x3
//   t4 1x1x1x3 float16 constant; t5 = ADD (t3, t4)
//   t6 1x1x2x3 uint8 constant, per-tensor; t7 = MUL (t5, t6)
//   t8 DEPTHWISE weights 1x1x2x3 int8, per-channel along dimension 3
//   t9 DEPTHWISE output; t10 MEAN axes int32 {1, 2} (not quantized);
//   t11 MEAN output 1x1x1x3 (the graph output); t12 float32 constant 2x2
//   (unused by the ops).
// The values are in maker::tiny:: below, so that tests can state what
// TFLite's definition gives for them.
ModelSpec tiny_model ();

namespace tiny {
extern const std::vector<int8_t> conv_weights;
extern const std::vector<float> conv_scales;
extern const std::vector<int64_t> conv_zero_points;
extern const std::vector<int32_t> bias;
extern const std::vector<float> bias_scales;
extern const std::vector<uint16_t> half_bits;
extern const std::vector<uint8_t> bytes_u8;
extern const float u8_scale;
extern const int64_t u8_zero_point;
extern const std::vector<int8_t> depthwise_weights;
extern const std::vector<float> depthwise_scales;
extern const std::vector<float> plain;
} // namespace tiny

// Hand-made hostile files: each must be refused with a message containing
// `expect` (and NsEngineError `code`).
struct Hostile
{
  std::string name;
  std::vector<uint8_t> bytes;
  std::string expect;
  int code;
};
std::vector<Hostile> hostile_models ();

} // namespace maker
