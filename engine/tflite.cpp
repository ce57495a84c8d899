// tflite.cpp: see tflite.hpp.  A FlatBuffers reader for TFLite's schema
// (tensorflow/lite/schema/schema.fbs, schema version 3) written for files
// from the internet: every position is checked against the file before it
// is read, every count before anything is allocated for it, and the work
// done for tables that the file shares between many places is capped.
//
// FlatBuffers in brief: a table starts with an int32 giving (backwards) the
// position of its vtable: uint16 vtable size, uint16 table size, then one
// uint16 per field, the field's offset in the table (0 = absent, default
// value).  Field i has slot 4 + 2 i; a union takes two fields (type, then
// value).  References are uint32 offsets forward from where they are
// stored; a vector or string is a uint32 count followed by its elements.
#include "tflite.hpp"
#include "engine-private.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "the .tflite reader reads little-endian numbers in place, as TFLite does"
#endif

namespace ns::tflite {

namespace {

constexpr size_t kMaxElements = size_t (1) << 28; // per tensor
constexpr size_t kMaxRank = 5;
constexpr size_t kMaxNameBytes = 128;             // kept of a name, for messages
constexpr uint32_t kMaxCount = 1 << 16;           // tensors, operators, op codes
constexpr uint64_t kMaxFileBytes = uint64_t (1) << 30;
constexpr int32_t kMaxStride = 1 << 16;           // strides and dilations
constexpr uint32_t kSchemaVersion = 3;

// BuiltinOperator's names, by value, for messages.
const char *const kOpNames[] = {
  "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
  "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
  "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
  "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
  "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF",
  "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE",
  "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND",
  "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
  "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
  "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST",
  "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER",
  "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
  "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT",
  "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK",
  "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
  "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
  "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
  "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
  "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
  "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
  "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
  "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D",
  "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND",
  "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE",
  "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL",
  "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE",
  "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM",
  "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
};
constexpr int32_t kCustom = 32;

// TensorType's names, by value, for messages.
const char *const kTypeNames[] = {
  "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
  "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT",
  "UINT32", "UINT16", "INT4",
};

// The ops the engine builds, with the BuiltinOptions union member that
// carries their options (0: none) and their number of inputs (inputs past
// the minimum are optional: -1 in the file).
struct OpInfo
{
  Op op;
  uint8_t options;
  uint8_t min_inputs, max_inputs;
};

enum Options : uint8_t
{
  kConv2DOptions = 1,
  kDepthwiseConv2DOptions = 2,
  kAddOptions = 11,
  kMulOptions = 21,
  kReducerOptions = 27,
  kSubOptions = 28,
  kResizeNearestNeighborOptions = 74,
  kMirrorPadOptions = 77,
};

const OpInfo kSupported[] = {
  { Op::Add, kAddOptions, 2, 2 },
  { Op::Conv2D, kConv2DOptions, 2, 3 },
  { Op::DepthwiseConv2D, kDepthwiseConv2DOptions, 2, 3 },
  { Op::Dequantize, 0, 1, 1 },
  { Op::Logistic, 0, 1, 1 },
  { Op::Mul, kMulOptions, 2, 2 },
  { Op::Mean, kReducerOptions, 2, 2 },
  { Op::Sub, kSubOptions, 2, 2 },
  { Op::Rsqrt, 0, 1, 1 },
  { Op::SquaredDifference, 0, 2, 2 },
  { Op::MirrorPad, kMirrorPadOptions, 2, 2 },
  { Op::ResizeNearestNeighbor, kResizeNearestNeighborOptions, 2, 2 },
  { Op::Quantize, 0, 1, 1 },
};

const char *
op_name (int32_t code)
{
  if (code >= 0 && size_t (code) < G_N_ELEMENTS (kOpNames))
    return kOpNames[code];
  return "?";
}

size_t
element_size (TensorType type)
{
  switch (type)
    {
    case TensorType::Float32: return 4;
    case TensorType::Float16: return 2;
    case TensorType::Int32: return 4;
    case TensorType::UInt8: return 1;
    case TensorType::Int64: return 8;
    case TensorType::Int8: return 1;
    }
  return 0;
}

// Printable ASCII only, and not too long: names go into error messages.
std::string
printable (const uint8_t *bytes, size_t n)
{
  std::string s;
  for (size_t i = 0; i < n && s.size () < kMaxNameBytes; i++)
    s += bytes[i] >= 0x20 && bytes[i] < 0x7f ? char (bytes[i]) : '?';
  return s;
}

// false if a dimension is below 1 or the count would pass kMaxElements.
bool
count_elements (const std::vector<int32_t> &shape, size_t *count)
{
  size_t n = 1;
  for (int32_t d : shape)
    {
      if (d < 1 || size_t (d) > kMaxElements / n)
        return false;
      n *= size_t (d);
    }
  *count = n;
  return true;
}

class Reader;

struct Vector
{
  uint64_t start = 0; // of the first element
  uint32_t length = 0;
  size_t element_size = 1;
};

// A table; a default-constructed one is absent (every field at its default).
struct Table
{
  const Reader *reader = nullptr;
  uint64_t pos = 0, vtable = 0;
  uint16_t vtable_size = 0;

  // Where field @id is stored, or 0 if absent.
  uint64_t field (int id) const;
  template <typename T> T get (int id, T fallback) const;
  Table table (int id) const;
  Vector vector (int id, size_t element_size) const;
  std::string string (int id) const;
};

class Reader
{
public:
  Reader (const std::vector<uint8_t> &bytes, const std::string &name)
    : data_ (bytes.data ()), size_ (bytes.size ()), name_ (name),
      budget_ (4 * uint64_t (bytes.size ()) + 65536)
  {
  }

  [[noreturn]] void corrupt (const char *detail) const
  {
    ns::fail (NS_ENGINE_ERROR_CORRUPT, _("Model file '%s' is truncated or corrupt: %s"),
              name_.c_str (), detail);
  }

  template <typename T> T
  at (uint64_t pos) const
  {
    if (pos > size_ || sizeof (T) > size_ - pos)
      corrupt (_("a field lies past the end of the file"));
    T value;
    std::memcpy (&value, data_ + pos, sizeof value);
    return value;
  }

  // The position that the offset stored at @pos refers to.
  uint64_t
  follow (uint64_t pos) const
  {
    const uint64_t target = pos + at<uint32_t> (pos);
    if (target >= size_)
      corrupt (_("an offset points past the end of the file"));
    return target;
  }

  Table
  table_at (uint64_t pos) const
  {
    Table t;
    t.reader = this;
    t.pos = pos;
    const int64_t vtable = int64_t (pos) - at<int32_t> (pos);
    if (vtable < 0 || uint64_t (vtable) + 4 > size_)
      corrupt (_("a table's field list lies outside the file"));
    t.vtable = uint64_t (vtable);
    t.vtable_size = at<uint16_t> (t.vtable);
    if (t.vtable_size < 4 || t.vtable_size % 2 || t.vtable + t.vtable_size > size_)
      corrupt (_("a table's field list lies outside the file"));
    return t;
  }

  Vector
  vector_at (uint64_t pos, size_t element_size) const
  {
    Vector v;
    v.length = at<uint32_t> (pos);
    v.start = pos + 4;
    v.element_size = element_size;
    if (v.length > (size_ - v.start) / element_size)
      corrupt (_("a list runs past the end of the file"));
    return v;
  }

  // The @i-th table of a vector of tables.
  Table
  element (const Vector &v, uint32_t i) const
  {
    return table_at (follow (v.start + 4 * uint64_t (i)));
  }

  template <typename T> std::vector<T>
  read_vector (const Vector &v)
  {
    if (v.length && v.element_size != sizeof (T))
      throw std::logic_error ("tflite: vector read with another element size");
    charge (v.length);
    std::vector<T> out (v.length);
    if (v.length)
      std::memcpy (out.data (), data_ + v.start, sizeof (T) * v.length);
    return out;
  }

  std::string
  read_string (const Vector &v) const
  {
    return printable (data_ + v.start, v.length);
  }

  // A list of tables (tensors, operators, op codes), of a sane length.
  Vector
  table_list (const Table &t, int id)
  {
    const Vector v = t.vector (id, 4);
    if (v.length > kMaxCount)
      corrupt (_("it has too many tensors or operators"));
    charge (v.length);
    return v;
  }

  // Work done per table or element read.  A valid file reads each byte
  // about once; one whose tables all point at the same huge one would
  // otherwise make the reader copy it again and again.
  void
  charge (uint64_t amount)
  {
    if (amount > budget_)
      corrupt (_("it refers to the same data too many times"));
    budget_ -= amount;
  }

private:
  const uint8_t *data_;
  uint64_t size_;
  const std::string &name_;
  uint64_t budget_;
};

uint64_t
Table::field (int id) const
{
  const uint64_t slot = 4 + 2 * uint64_t (id);
  if (!reader || slot + 2 > vtable_size)
    return 0;
  const uint16_t offset = reader->at<uint16_t> (vtable + slot);
  return offset ? pos + offset : 0;
}

template <typename T> T
Table::get (int id, T fallback) const
{
  const uint64_t f = field (id);
  return f ? reader->at<T> (f) : fallback;
}

Table
Table::table (int id) const
{
  const uint64_t f = field (id);
  return f ? reader->table_at (reader->follow (f)) : Table ();
}

Vector
Table::vector (int id, size_t element_size) const
{
  const uint64_t f = field (id);
  return f ? reader->vector_at (reader->follow (f), element_size) : Vector ();
}

std::string
Table::string (int id) const
{
  return reader ? reader->read_string (vector (id, 1)) : std::string ();
}

// TFLite's field numbers (schema.fbs), per table.
namespace field {
enum Model { kVersion = 0, kOperatorCodes = 1, kSubgraphs = 2, kBuffers = 4 };
enum OperatorCode { kDeprecatedBuiltinCode = 0, kCustomCode = 1, kBuiltinCode = 3 };
enum SubGraph { kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3 };
enum Tensor { kShape = 0, kType = 1, kBuffer = 2, kName = 3, kQuantization = 4,
              kIsVariable = 5, kSparsity = 6 };
enum Quantization { kScale = 2, kZeroPoint = 3, kDetailsType = 4, kDimension = 6 };
enum Operator { kOpcodeIndex = 0, kOpInputs = 1, kOpOutputs = 2, kOptionsType = 3,
                kOptions = 4 };
enum Buffer { kData = 0, kOffset = 1, kSize = 2 };
} // namespace field

struct Code
{
  int32_t builtin;
  std::string custom;
};

class Parser
{
public:
  explicit Parser (Model &model) : model_ (model), r_ (model.bytes, model.path) {}

  void
  parse ()
  {
    check_header ();
    const Table root = r_.table_at (r_.follow (0));
    const uint32_t version = root.get<uint32_t> (field::kVersion, 0);
    if (version != kSchemaVersion)
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s' uses TensorFlow Lite schema version %u; "
                  "Neural Style reads version %u"),
                name (), version, kSchemaVersion);

    read_codes (r_.table_list (root, field::kOperatorCodes));
    buffers_ = root.vector (field::kBuffers, 4);
    const Vector subgraphs = root.vector (field::kSubgraphs, 4);
    if (subgraphs.length == 0)
      r_.corrupt (_("it has no graph"));
    const Table graph = r_.element (subgraphs, 0);

    read_tensors (r_.table_list (graph, field::kTensors));
    model_.inputs = tensor_list (graph.vector (field::kInputs, 4), false);
    model_.outputs = tensor_list (graph.vector (field::kOutputs, 4), false);
    read_operators (r_.table_list (graph, field::kOperators));
    check_order ();
  }

private:
  const char *name () const { return model_.path.c_str (); }

  void
  check_header ()
  {
    const std::vector<uint8_t> &b = model_.bytes;
    if (b.empty ())
      ns::fail (NS_ENGINE_ERROR_CORRUPT, _("Model file '%s' is empty"), name ());
    if (b.size () < 8 || std::memcmp (b.data () + 4, "TFL3", 4) != 0)
      ns::fail (NS_ENGINE_ERROR_CORRUPT,
                _("Model file '%s' is not a TensorFlow Lite model (no \"TFL3\" identifier)"),
                name ());
  }

  void
  read_codes (const Vector &v)
  {
    for (uint32_t i = 0; i < v.length; i++)
      {
        const Table t = r_.element (v, i);
        // TFLite's rule: the larger of the old byte field and the new one.
        const int32_t code = std::max<int32_t> (t.get<int8_t> (field::kDeprecatedBuiltinCode, 0),
                                                t.get<int32_t> (field::kBuiltinCode, 0));
        codes_.push_back ({ code, code == kCustom ? t.string (field::kCustomCode) : "" });
      }
  }

  void
  read_tensors (const Vector &v)
  {
    model_.tensors.reserve (v.length);
    for (uint32_t i = 0; i < v.length; i++)
      model_.tensors.push_back (read_tensor (r_.element (v, i)));
  }

  [[noreturn]] void
  unsupported_type (int type)
  {
    const char *type_name = type >= 0 && size_t (type) < G_N_ELEMENTS (kTypeNames)
                              ? kTypeNames[type] : "?";
    ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("Model file '%s' uses tensors of type %s (%d), which Neural Style does not support"),
              name (), type_name, type);
  }

  Tensor
  read_tensor (const Table &t)
  {
    Tensor tensor;
    tensor.name = t.string (field::kName);
    r_.charge (tensor.name.size ());
    const char *tname = tensor.name.c_str ();

    const Vector shape = t.vector (field::kShape, 4);
    if (shape.length > kMaxRank)
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s': tensor '%s' has %u dimensions; Neural Style supports at most %u"),
                name (), tname, shape.length, unsigned (kMaxRank));
    tensor.shape = r_.read_vector<int32_t> (shape);
    size_t count = 0;
    if (!count_elements (tensor.shape, &count))
      r_.corrupt (_("a tensor's shape has a dimension below 1 or is too large"));

    const int type = t.get<int8_t> (field::kType, 0);
    tensor.type = TensorType (type);
    if (element_size (tensor.type) == 0)
      unsupported_type (type);
    if (t.get<uint8_t> (field::kIsVariable, 0) || t.field (field::kSparsity))
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s' uses a variable or sparse tensor ('%s'), "
                  "which Neural Style does not support"),
                name (), tname);

    read_data (t.get<uint32_t> (field::kBuffer, 0), count, tensor);
    read_quantization (t.table (field::kQuantization), tensor);
    return tensor;
  }

  void
  read_data (uint32_t index, size_t count, Tensor &tensor)
  {
    if (index >= buffers_.length)
      r_.corrupt (_("a tensor refers to a data buffer that does not exist"));
    const Table b = r_.element (buffers_, index);
    const Vector data = b.vector (field::kData, 1);
    const uint64_t offset = b.get<uint64_t> (field::kOffset, 0);
    const uint64_t size = b.get<uint64_t> (field::kSize, 0);
    const uint64_t file_size = model_.bytes.size ();

    // Files over 2 GB keep their data after the flatbuffer, by offset from
    // the start of the file (valid when above 1).
    if (offset > 1)
      {
        if (data.length || offset > file_size || size > file_size - offset)
          r_.corrupt (_("a data buffer lies outside the file"));
        tensor.offset = offset;
        tensor.size = size;
      }
    else
      {
        tensor.offset = data.start;
        tensor.size = data.length;
      }
    tensor.constant = tensor.size > 0;
    if (tensor.constant && tensor.size != count * element_size (tensor.type))
      ns::fail (NS_ENGINE_ERROR_CORRUPT,
                _("Model file '%s' is truncated or corrupt: tensor '%s' has %zu bytes "
                  "of data for %zu values of %zu bytes"),
                name (), tensor.name.c_str (), tensor.size, count,
                element_size (tensor.type));
  }

  void
  read_quantization (const Table &q, Tensor &tensor)
  {
    if (q.get<uint8_t> (field::kDetailsType, 0) != 0)
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s' uses a custom quantization ('%s'), which Neural Style "
                  "does not support"),
                name (), tensor.name.c_str ());
    const Vector scale = q.vector (field::kScale, 4);
    const Vector zero_point = q.vector (field::kZeroPoint, 8);
    // As TFLite: quantized only if both are given.
    if (scale.length == 0 || zero_point.length == 0)
      return;

    Quantization &quant = tensor.quant;
    const int64_t dim = q.get<int32_t> (field::kDimension, 0);
    const size_t rank = tensor.shape.size ();
    if (scale.length != zero_point.length
        || (scale.length > 1 && (dim < 0 || size_t (dim) >= rank
                                 || int64_t (scale.length) != tensor.shape[dim])))
      r_.corrupt (_("a tensor's quantization does not match its shape"));
    quant.dimension = scale.length > 1 ? int (dim) : 0;
    quant.scale = r_.read_vector<float> (scale);
    quant.zero_point = r_.read_vector<int64_t> (zero_point);

    for (float s : quant.scale)
      if (!std::isfinite (s))
        r_.corrupt (_("a tensor's quantization scale is not a number"));

    int64_t lo, hi;
    switch (tensor.type)
      {
      case TensorType::Int8: lo = -128, hi = 127; break;
      case TensorType::UInt8: lo = 0, hi = 255; break;
      case TensorType::Int32: lo = std::numeric_limits<int32_t>::min (),
                              hi = std::numeric_limits<int32_t>::max (); break;
      case TensorType::Int64: unsupported_type (int (tensor.type));
      default: return; // float tensors keep their values
      }
    for (int64_t z : quant.zero_point)
      if (z < lo || z > hi)
        r_.corrupt (_("a tensor's quantization zero point is out of range"));
  }

  std::vector<int>
  tensor_list (const Vector &v, bool optional)
  {
    std::vector<int32_t> list = r_.read_vector<int32_t> (v);
    for (int32_t i : list)
      if (!(i >= 0 && size_t (i) < model_.tensors.size ()) && !(optional && i == -1))
        r_.corrupt (_("an operator or the graph refers to a tensor that does not exist"));
    return std::vector<int> (list.begin (), list.end ());
  }

  const OpInfo &
  op_info (uint32_t opcode_index)
  {
    if (opcode_index >= codes_.size ())
      r_.corrupt (_("an operator has an operator code that does not exist"));
    const Code &code = codes_[opcode_index];
    for (const OpInfo &info : kSupported)
      if (int32_t (info.op) == code.builtin)
        return info;
    if (code.builtin == kCustom)
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s' uses the operator CUSTOM '%s', which Neural Style "
                  "does not support"),
                name (), code.custom.c_str ());
    ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("Model file '%s' uses the operator %s (%d), which Neural Style does not support"),
              name (), op_name (code.builtin), code.builtin);
  }

  void
  read_operators (const Vector &v)
  {
    model_.operators.reserve (v.length);
    for (uint32_t i = 0; i < v.length; i++)
      model_.operators.push_back (read_operator (r_.element (v, i)));
  }

  Operator
  read_operator (const Table &t)
  {
    const OpInfo &info = op_info (t.get<uint32_t> (field::kOpcodeIndex, 0));
    const char *opname = op_name (int32_t (info.op));
    Operator op;
    op.op = info.op;

    const Vector inputs = t.vector (field::kOpInputs, 4);
    const Vector outputs = t.vector (field::kOpOutputs, 4);
    if (inputs.length < info.min_inputs || inputs.length > info.max_inputs
        || outputs.length != 1)
      ns::fail (NS_ENGINE_ERROR_CORRUPT,
                _("Model file '%s' is truncated or corrupt: an operator %s has the wrong "
                  "number of inputs (%u) or outputs (%u)"),
                name (), opname, inputs.length, outputs.length);
    op.inputs = tensor_list (inputs, true);
    op.outputs = tensor_list (outputs, false);
    for (size_t i = 0; i < info.min_inputs; i++)
      if (op.inputs[i] < 0)
        r_.corrupt (_("an operator lacks a required input"));

    // Options of another kind than the op's are ignored, as TFLite does;
    // a convolution cannot do without its strides.
    const bool has_options = info.options && t.get<uint8_t> (field::kOptionsType, 0) == info.options;
    const Table o = has_options ? t.table (field::kOptions) : Table ();
    if ((info.op == Op::Conv2D || info.op == Op::DepthwiseConv2D) && !o.reader)
      ns::fail (NS_ENGINE_ERROR_CORRUPT,
                _("Model file '%s' is truncated or corrupt: an operator %s has no options"),
                name (), opname);
    read_options (o, op);
    return op;
  }

  void
  read_options (const Table &o, Operator &op)
  {
    switch (op.op)
      {
      case Op::Conv2D:
        op.padding = padding (o.get<int8_t> (0, 0));
        op.stride_w = stride (o.get<int32_t> (1, 0));
        op.stride_h = stride (o.get<int32_t> (2, 0));
        op.activation = activation (o.get<int8_t> (3, 0));
        op.dilation_w = stride (o.get<int32_t> (4, 1));
        op.dilation_h = stride (o.get<int32_t> (5, 1));
        break;
      case Op::DepthwiseConv2D:
        op.padding = padding (o.get<int8_t> (0, 0));
        op.stride_w = stride (o.get<int32_t> (1, 0));
        op.stride_h = stride (o.get<int32_t> (2, 0));
        // Redundant with the weights' shape since TensorFlow 2 (may be 0).
        op.depth_multiplier = o.get<int32_t> (3, 0);
        op.activation = activation (o.get<int8_t> (4, 0));
        op.dilation_w = stride (o.get<int32_t> (5, 1));
        op.dilation_h = stride (o.get<int32_t> (6, 1));
        break;
      case Op::Add:
      case Op::Mul:
      case Op::Sub:
        op.activation = activation (o.get<int8_t> (0, 0));
        break;
      case Op::Mean:
        op.keep_dims = o.get<uint8_t> (0, 0) != 0;
        break;
      case Op::MirrorPad:
        {
          const int8_t mode = o.get<int8_t> (0, 0);
          if (mode != 0 && mode != 1)
            r_.corrupt (_("an operator's options are out of range"));
          op.mirror_symmetric = mode == 1;
        }
        break;
      case Op::ResizeNearestNeighbor:
        op.align_corners = o.get<uint8_t> (0, 0) != 0;
        op.half_pixel_centers = o.get<uint8_t> (1, 0) != 0;
        break;
      default:
        break;
      }
  }

  Padding
  padding (int8_t value)
  {
    if (value != 0 && value != 1)
      r_.corrupt (_("an operator's options are out of range"));
    return Padding (value);
  }

  int
  stride (int32_t value)
  {
    if (value < 1 || value > kMaxStride)
      r_.corrupt (_("an operator's options are out of range"));
    return value;
  }

  Activation
  activation (int8_t value)
  {
    if (value < 0 || value > int8_t (Activation::Tanh))
      ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
                _("Model file '%s' uses the fused activation %d, which Neural Style "
                  "does not support"),
                name (), value);
    return Activation (value);
  }

  // Every operator input must be a graph input, a constant or the output of
  // an earlier operator, and every tensor written once: no cycles, no
  // reading what nothing computed.
  void
  check_order ()
  {
    std::vector<bool> ready (model_.tensors.size (), false);
    for (size_t i = 0; i < ready.size (); i++)
      ready[i] = model_.tensors[i].constant;
    for (int i : model_.inputs)
      ready[i] = true;

    for (const Operator &op : model_.operators)
      {
        for (int i : op.inputs)
          if (i >= 0 && !ready[i])
            ns::fail (NS_ENGINE_ERROR_CORRUPT,
                      _("Model file '%s' is truncated or corrupt: operator %s reads "
                        "tensor '%s' before anything computes it"),
                      name (), op_name (int32_t (op.op)), model_.tensors[i].name.c_str ());
        for (int o : op.outputs)
          {
            if (ready[o])
              ns::fail (NS_ENGINE_ERROR_CORRUPT,
                        _("Model file '%s' is truncated or corrupt: operator %s writes "
                          "tensor '%s', which already has a value"),
                        name (), op_name (int32_t (op.op)), model_.tensors[o].name.c_str ());
            ready[o] = true;
          }
      }
    for (int o : model_.outputs)
      if (!ready[o])
        ns::fail (NS_ENGINE_ERROR_CORRUPT,
                  _("Model file '%s' is truncated or corrupt: nothing computes its output '%s'"),
                  name (), model_.tensors[o].name.c_str ());
  }

  Model &model_;
  Reader r_;
  std::vector<Code> codes_;
  Vector buffers_;
};

// Integers: (q - zero point) * scale, one scale per slice along the
// quantized dimension (or one for all; none: the plain values).  The
// parser checked the counts and the zero points' range.
template <typename Q> void
dequantize_ints (const uint8_t *src, size_t n, const Tensor &t, float *dst)
{
  const Quantization &q = t.quant;
  const size_t channels = std::max<size_t> (q.scale.size (), 1);
  size_t inner = 1; // values per channel in a row
  for (size_t d = q.scale.size () > 1 ? size_t (q.dimension) + 1 : 0; d < t.shape.size (); d++)
    inner *= size_t (t.shape[d]);
  const size_t rows = n / (channels * inner);

  for (size_t r = 0, i = 0; r < rows; r++)
    for (size_t c = 0; c < channels; c++)
      {
        const float scale = q.scale.empty () ? 1.0f : q.scale[c];
        const int64_t zero = q.scale.empty () ? 0 : q.zero_point[c];
        for (size_t j = 0; j < inner; j++, i++)
          {
            Q v;
            std::memcpy (&v, src + sizeof (Q) * i, sizeof v);
            dst[i] = float (int64_t (v) - zero) * scale;
          }
      }
}

} // namespace

size_t
element_count (const std::vector<int32_t> &shape)
{
  size_t n = 0;
  if (shape.size () > kMaxRank || !count_elements (shape, &n))
    ns::fail (NS_ENGINE_ERROR_CORRUPT,
              _("A tensor shape of %zu dimensions has a dimension below 1 or too many values"),
              shape.size ());
  return n;
}

Model
parse_model (std::vector<uint8_t> bytes, const std::string &name)
{
  Model model;
  model.path = name;
  model.bytes = std::move (bytes);
  Parser (model).parse ();
  return model;
}

Model
read_model (const std::string &path)
{
  ns::check_model_file (path);
  std::ifstream in (path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? std::streamoff (in.tellg ()) : -1;
  if (size < 0)
    ns::fail (NS_ENGINE_ERROR_NOT_FOUND, _("Model file '%s' cannot be read"), path.c_str ());
  if (uint64_t (size) > kMaxFileBytes)
    ns::fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
              _("Model file '%s' is too large for a style network (%lld bytes)"),
              path.c_str (), (long long) size);
  std::vector<uint8_t> bytes (size);
  in.seekg (0);
  if (!in.read (reinterpret_cast<char *> (bytes.data ()), size))
    ns::fail (NS_ENGINE_ERROR_NOT_FOUND, _("Model file '%s' cannot be read"), path.c_str ());
  return parse_model (std::move (bytes), path);
}

cv::Mat
dequantize (const Model &model, int index)
{
  if (index < 0 || size_t (index) >= model.tensors.size ())
    ns::fail (NS_ENGINE_ERROR_CORRUPT,
              _("Model file '%s' is truncated or corrupt: it refers to a tensor that does not exist"),
              model.path.c_str ());
  const Tensor &t = model.tensors[index];
  const size_t n = element_count (t.shape);
  const size_t esize = element_size (t.type);
  if (!t.constant || t.size != n * esize || t.offset > model.bytes.size ()
      || t.size > model.bytes.size () - t.offset)
    ns::fail (NS_ENGINE_ERROR_CORRUPT,
              _("Model file '%s' is truncated or corrupt: tensor '%s' has no data"),
              model.path.c_str (), t.name.c_str ());

  // cv::Mat has at least two dimensions: a scalar is 1x1, a vector Nx1.
  std::vector<int> sizes (t.shape.begin (), t.shape.end ());
  if (sizes.empty ())
    sizes.push_back (1);
  cv::Mat out (int (sizes.size ()), sizes.data (), CV_32F);
  float *dst = out.ptr<float> ();
  const uint8_t *src = model.bytes.data () + t.offset;

  if (t.type == TensorType::Float32)
    {
      std::memcpy (dst, src, t.size);
      return out;
    }
  if (t.type == TensorType::Float16)
    {
      // OpenCV widens IEEE half floats itself (cv::float16_t has no
      // fromBits() in OpenCV 4.10); the copy is little-endian, as the file.
      const cv::Mat half (1, (int) n, CV_16F, const_cast<uint8_t *> (src));
      cv::Mat wide (1, (int) n, CV_32F, dst);
      half.convertTo (wide, CV_32F);
      return out;
    }

  switch (t.type)
    {
    case TensorType::Int8: dequantize_ints<int8_t> (src, n, t, dst); break;
    case TensorType::UInt8: dequantize_ints<uint8_t> (src, n, t, dst); break;
    case TensorType::Int32: dequantize_ints<int32_t> (src, n, t, dst); break;
    default: dequantize_ints<int64_t> (src, n, t, dst); break;
    }
  return out;
}

} // namespace ns::tflite
