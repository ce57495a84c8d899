// tflite-maker.cpp: see tflite-maker.hpp.
#include "tflite-maker.hpp"

#include "neural-style-engine.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace maker {

Field
ref (int id, NodeP node)
{
  return Field { id, {}, std::move (node) };
}

NodeP
table (std::vector<Field> fields)
{
  auto n = std::make_shared<Node> ();
  n->kind = Node::Table;
  n->fields = std::move (fields);
  return n;
}

NodeP
tables (std::vector<NodeP> items)
{
  auto n = std::make_shared<Node> ();
  n->kind = Node::Tables;
  n->items = std::move (items);
  return n;
}

NodeP
string (const std::string &s)
{
  // A string is a byte vector with a NUL after its last byte.
  NodeP n = scalars (std::vector<char> (s.begin (), s.end ()));
  n->bytes.push_back (0);
  return n;
}

namespace {

class Writer
{
public:
  std::vector<uint8_t> out;

  size_t
  placeholder ()
  {
    align (4);
    const size_t at = out.size ();
    out.resize (at + 4, 0);
    return at;
  }

  template <typename T> void
  put_at (size_t at, T value)
  {
    std::memcpy (&out[at], &value, sizeof value);
  }

  size_t
  write (const Node &n)
  {
    switch (n.kind)
      {
      case Node::Scalars:
        {
          // The count at a multiple of 4, the elements at one of their size.
          const size_t a = std::max<size_t> (4, n.element_size);
          while ((out.size () + 4) % a)
            out.push_back (0);
          const size_t pos = out.size ();
          put (count_of (n, n.count));
          out.insert (out.end (), n.bytes.begin (), n.bytes.end ());
          return pos;
        }
      case Node::Tables:
        {
          align (4);
          const size_t pos = out.size ();
          put (count_of (n, uint32_t (n.items.size ())));
          std::vector<size_t> slots;
          for (size_t i = 0; i < n.items.size (); i++)
            slots.push_back (placeholder ());
          for (size_t i = 0; i < n.items.size (); i++)
            link (slots[i], n.items[i]);
          return pos;
        }
      case Node::Table:
        break;
      }

    // The vtable first, then the table: its offset back to the vtable, then
    // the fields in the order given.
    int max_id = -1;
    for (const Field &f : n.fields)
      max_id = std::max (max_id, f.id);
    const uint16_t vtable_size = uint16_t (4 + 2 * (max_id + 1));
    align (4);
    const size_t vtable = out.size ();
    out.resize (vtable + vtable_size, 0);
    align (8);
    const size_t pos = out.size ();
    put (int32_t (pos - vtable));

    std::vector<std::pair<size_t, NodeP>> refs;
    for (const Field &f : n.fields)
      {
        size_t at;
        if (f.ref)
          {
            at = placeholder ();
            refs.emplace_back (at, f.ref);
          }
        else
          {
            align (f.scalar.size ());
            at = out.size ();
            out.insert (out.end (), f.scalar.begin (), f.scalar.end ());
          }
        put_at (vtable + 4 + 2 * f.id, uint16_t (at - pos));
      }
    put_at (vtable, vtable_size);
    put_at (vtable + 2, uint16_t (out.size () - pos));
    for (auto &[at, node] : refs)
      link (at, node);
    return pos;
  }

  // Shared nodes go after everything else, once.
  void
  write_shared ()
  {
    std::map<const Node *, size_t> written;
    for (size_t i = 0; i < deferred_.size (); i++)
      {
        const auto [at, node] = deferred_[i];
        auto it = written.find (node.get ());
        const size_t pos = it != written.end () ? it->second : write (*node);
        written[node.get ()] = pos;
        put_at (at, uint32_t (pos - at));
      }
  }

private:
  void
  align (size_t a)
  {
    while (out.size () % a)
      out.push_back (0);
  }

  template <typename T> void
  put (T value)
  {
    out.resize (out.size () + sizeof value);
    put_at (out.size () - sizeof value, value);
  }

  static uint32_t
  count_of (const Node &n, uint32_t actual)
  {
    return n.claimed_count >= 0 ? uint32_t (n.claimed_count) : actual;
  }

  void
  link (size_t at, const NodeP &node)
  {
    if (node->shared)
      {
        deferred_.emplace_back (at, node);
        return;
      }
    const size_t pos = write (*node);
    put_at (at, uint32_t (pos - at));
  }

  std::vector<std::pair<size_t, NodeP>> deferred_;
};

} // namespace

std::vector<uint8_t>
write (const NodeP &root, const char *identifier)
{
  Writer w;
  w.placeholder ();
  w.out.insert (w.out.end (), identifier, identifier + 4);
  const size_t pos = w.write (*root);
  w.put_at (0, uint32_t (pos));
  w.write_shared ();
  return w.out;
}

// The schema's field numbers are spelled out here on purpose, independently
// of the engine's reader.
NodeP
model_node (const ModelSpec &spec)
{
  std::vector<NodeP> codes, tensors, ops, buffers;

  for (const CodeSpec &c : spec.codes)
    {
      std::vector<Field> f = { scalar<int8_t> (0, c.deprecated_code), scalar<int32_t> (2, 1),
                               scalar<int32_t> (3, c.code) };
      if (!c.custom.empty ())
        f.push_back (ref (1, string (c.custom)));
      codes.push_back (table (f));
    }
  for (const TensorSpec &t : spec.tensors)
    {
      std::vector<Field> f = { ref (0, scalars (t.shape)), scalar<int8_t> (1, int8_t (t.type)),
                               scalar<uint32_t> (2, t.buffer), ref (3, string (t.name)) };
      if (t.quantization)
        f.push_back (ref (4, t.quantization));
      else if (!t.scale.empty ())
        f.push_back (ref (4, table ({ ref (2, scalars (t.scale)), ref (3, scalars (t.zero_point)),
                                      scalar<int32_t> (6, t.quantized_dimension) })));
      tensors.push_back (table (f));
    }
  for (const OpSpec &o : spec.ops)
    {
      std::vector<Field> f = { scalar<uint32_t> (0, o.opcode_index), ref (1, scalars (o.inputs)),
                               ref (2, scalars (o.outputs)) };
      if (o.options)
        {
          f.push_back (scalar<uint8_t> (3, o.options_type));
          f.push_back (ref (4, o.options));
        }
      ops.push_back (table (f));
    }
  for (const std::vector<uint8_t> &b : spec.buffers)
    buffers.push_back (b.empty () ? table ({}) : table ({ ref (0, scalars (b)) }));

  std::vector<NodeP> subgraphs;
  for (int i = 0; i < spec.subgraphs; i++)
    subgraphs.push_back (table ({ ref (0, tables (tensors)), ref (1, scalars (spec.inputs)),
                                  ref (2, scalars (spec.outputs)), ref (3, tables (ops)),
                                  ref (4, string ("main")) }));
  return table ({ scalar<uint32_t> (0, spec.version), ref (1, tables (codes)),
                  ref (2, tables (subgraphs)), ref (3, string ("made by tflite-maker")),
                  ref (4, tables (buffers)) });
}

std::vector<uint8_t>
write_model (const ModelSpec &spec)
{
  return write (model_node (spec));
}

namespace tiny {
const std::vector<int8_t> conv_weights = { -128, 127, 0, 5, -3, 64 };
const std::vector<float> conv_scales = { 0.5f, 0.25f, 2.0f };
const std::vector<int64_t> conv_zero_points = { 0, 1, -3 };
const std::vector<int32_t> bias = { 1000, -2000000000, 7 };
const std::vector<float> bias_scales = { 0.001f, 1e-9f, 0.5f };
// 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 0.333251953125, -0
const std::vector<uint16_t> half_bits = { 0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x8000 };
const std::vector<uint8_t> bytes_u8 = { 0, 128, 255, 1, 2, 3 };
const float u8_scale = 0.5f;
const int64_t u8_zero_point = 128;
const std::vector<int8_t> depthwise_weights = { 1, 2, 3, -1, -2, -3 };
const std::vector<float> depthwise_scales = { 1.0f, 10.0f, 100.0f };
const std::vector<float> plain = { 1.5f, -2.25f, 3e38f, -0.0f };
} // namespace tiny

ModelSpec
tiny_model ()
{
  using namespace tiny;
  enum { F32 = 0, F16 = 1, I32 = 2, U8 = 3, I8 = 9 };
  ModelSpec m;
  m.codes = { { 3, 3, "" }, { 0, 0, "" }, { 18, 18, "" }, { 4, 4, "" }, { 40, 40, "" } };
  m.buffers = { {}, data_of (conv_weights), data_of (bias), data_of (half_bits),
                data_of (bytes_u8), data_of (depthwise_weights),
                data_of (std::vector<int32_t> { 1, 2 }), data_of (plain) };
  m.tensors = {
    { "input", F32, { 1, 2, 2, 2 }, 0, {}, {}, 0, nullptr },
    { "conv/weights", I8, { 3, 1, 1, 2 }, 1, conv_scales, conv_zero_points, 0, nullptr },
    { "conv/bias", I32, { 3 }, 2, bias_scales, { 0, 0, 0 }, 0, nullptr },
    { "conv", F32, { 1, 2, 2, 3 }, 0, {}, {}, 0, nullptr },
    { "half", F16, { 1, 1, 2, 3 }, 3, {}, {}, 0, nullptr },
    { "add", F32, { 1, 2, 2, 3 }, 0, {}, {}, 0, nullptr },
    { "bytes", U8, { 1, 1, 2, 3 }, 4, { u8_scale }, { u8_zero_point }, 0, nullptr },
    { "mul", F32, { 1, 2, 2, 3 }, 0, {}, {}, 0, nullptr },
    { "depthwise/weights", I8, { 1, 1, 2, 3 }, 5, depthwise_scales, { 0, 0, 0 }, 3, nullptr },
    { "depthwise", F32, { 1, 2, 1, 3 }, 0, {}, {}, 0, nullptr },
    { "mean/axes", I32, { 2 }, 6, {}, {}, 0, nullptr },
    { "output", F32, { 1, 1, 1, 3 }, 0, {}, {}, 0, nullptr },
    { "plain", F32, { 2, 2 }, 7, {}, {}, 0, nullptr },
  };
  m.inputs = { 0 };
  m.outputs = { 11 };
  m.ops = {
    { 0, { 0, 1, 2 }, { 3 }, 1,   // Conv2DOptions: VALID, 1x1, RELU6
      table ({ scalar<int8_t> (0, 1), scalar<int32_t> (1, 1), scalar<int32_t> (2, 1),
               scalar<int8_t> (3, 3) }) },
    { 1, { 3, 4 }, { 5 }, 11, table ({ scalar<int8_t> (0, 1) }) }, // AddOptions: RELU
    { 2, { 5, 6 }, { 7 }, 0, nullptr },
    { 3, { 7, 8, -1 }, { 9 }, 2,  // DepthwiseConv2DOptions: SAME, w 2 h 1, dilation h 2
      table ({ scalar<int8_t> (0, 0), scalar<int32_t> (1, 2), scalar<int32_t> (2, 1),
               scalar<int32_t> (3, 1), scalar<int8_t> (4, 0), scalar<int32_t> (6, 2) }) },
    { 4, { 9, 10 }, { 11 }, 27, table ({ scalar<uint8_t> (0, 1) }) }, // ReducerOptions: keep
  };
  return m;
}

namespace {

Hostile
spec_case (const std::string &name, const std::function<void (ModelSpec &)> &edit,
           const std::string &expect, int code = NS_ENGINE_ERROR_CORRUPT)
{
  ModelSpec m = tiny_model ();
  edit (m);
  return { name, write_model (m), expect, code };
}

Hostile
bytes_case (const std::string &name, const std::function<void (std::vector<uint8_t> &)> &edit,
            const std::string &expect, int code = NS_ENGINE_ERROR_CORRUPT)
{
  std::vector<uint8_t> b = write_model (tiny_model ());
  edit (b);
  return { name, b, expect, code };
}

template <typename T> void
poke (std::vector<uint8_t> &b, size_t at, T value)
{
  std::memcpy (&b[at], &value, sizeof value);
}

template <typename T> T
peek (const std::vector<uint8_t> &b, size_t at)
{
  T value;
  std::memcpy (&value, &b[at], sizeof value);
  return value;
}

} // namespace

std::vector<Hostile>
hostile_models ()
{
  const int unsupported = NS_ENGINE_ERROR_NOT_IMAGE_MODEL;
  const int32_t big = std::numeric_limits<int32_t>::max ();
  std::vector<Hostile> h;

  h.push_back ({ "empty", {}, "is empty", NS_ENGINE_ERROR_CORRUPT });
  h.push_back ({ "wrong-identifier", write (model_node (tiny_model ()), "TFL2"),
                 "is not a TensorFlow Lite model", NS_ENGINE_ERROR_CORRUPT });
  h.push_back ({ "seven-bytes", { 8, 0, 0, 0, 'T', 'F', 'L' }, "is not a TensorFlow Lite model",
                 NS_ENGINE_ERROR_CORRUPT });
  h.push_back (bytes_case ("truncated-half", [] (auto &b) { b.resize (b.size () / 2); },
                           "is truncated or corrupt"));
  h.push_back (bytes_case ("root-past-end", [] (auto &b) { poke<uint32_t> (b, 0, 0xffffff00u); },
                           "an offset points past the end of the file"));
  h.push_back (bytes_case ("vtable-after-end",
                           [] (auto &b) { poke<int32_t> (b, peek<uint32_t> (b, 0), -0x7ffffff0); },
                           "field list lies outside the file"));
  h.push_back (bytes_case ("vtable-before-start",
                           [] (auto &b) { poke<int32_t> (b, peek<uint32_t> (b, 0), 0x7ffffff0); },
                           "field list lies outside the file"));
  h.push_back (bytes_case ("vtable-odd-size",
                           [] (auto &b) {
                             const uint32_t root = peek<uint32_t> (b, 0);
                             poke<uint16_t> (b, root - peek<int32_t> (b, root), 0xfff1);
                           },
                           "field list lies outside the file"));
  {
    ModelSpec m = tiny_model ();
    NodeP root = model_node (m);
    // root -> subgraphs[0] -> tensors: claim 2^30 tensors.
    NodeP subgraph = root->fields[2].ref->items[0];
    subgraph->fields[0].ref->claimed_count = 1 << 30;
    h.push_back ({ "tensor-count-past-end", write (root), "a list runs past the end of the file",
                   NS_ENGINE_ERROR_CORRUPT });
  }
  h.push_back (spec_case ("huge-shape", [=] (auto &m) { m.tensors[3].shape = { 1, big, big, 3 }; },
                          "shape has a dimension below 1 or is too large"));
  h.push_back (spec_case ("2^31-dims", [] (auto &m) {
                 m.tensors[5].shape = { 1 << 16, 1 << 16, 1 << 16, 1 << 16 };
               }, "shape has a dimension below 1 or is too large"));
  h.push_back (spec_case ("negative-dim", [] (auto &m) { m.tensors[3].shape = { 1, -2, 2, 3 }; },
                          "shape has a dimension below 1 or is too large"));
  h.push_back (spec_case ("rank-6", [] (auto &m) { m.tensors[3].shape = { 1, 1, 2, 1, 2, 3 }; },
                          "has 6 dimensions", unsupported));
  h.push_back (spec_case ("cycle-self", [] (auto &m) { m.ops[1].inputs = { 3, 5 }; },
                          "reads tensor 'add' before anything computes it"));
  h.push_back (spec_case ("cycle-later", [] (auto &m) { m.ops[1].inputs = { 7, 4 }; },
                          "reads tensor 'mul' before anything computes it"));
  h.push_back (spec_case ("writes-constant", [] (auto &m) { m.ops[2].outputs = { 4 }; },
                          "writes tensor 'half', which already has a value"));
  h.push_back (spec_case ("writes-twice", [] (auto &m) { m.ops[2].outputs = { 5 }; },
                          "writes tensor 'add', which already has a value"));
  h.push_back (spec_case ("output-never-computed", [] (auto &m) { m.outputs = { 11, 7 }; m.ops.pop_back (); },
                          "nothing computes its output 'output'"));
  h.push_back (spec_case ("type-string", [] (auto &m) { m.tensors[5].type = 5; },
                          "type STRING (5)", unsupported));
  h.push_back (spec_case ("type-bool", [] (auto &m) { m.tensors[5].type = 6; },
                          "type BOOL (6)", unsupported));
  h.push_back (spec_case ("type-unknown", [] (auto &m) { m.tensors[5].type = 99; },
                          "type ? (99)", unsupported));
  h.push_back (spec_case ("type-negative", [] (auto &m) { m.tensors[5].type = -7; },
                          "type ? (-7)", unsupported));
  h.push_back (spec_case ("op-reshape", [] (auto &m) { m.codes[2] = { 22, 22, "" }; },
                          "uses the operator RESHAPE (22)", unsupported));
  h.push_back (spec_case ("op-custom", [] (auto &m) { m.codes[2] = { 32, 32, "foo" }; },
                          "uses the operator CUSTOM 'foo'", unsupported));
  h.push_back (spec_case ("op-gelu-extended", [] (auto &m) { m.codes[2] = { 127, 150, "" }; },
                          "uses the operator GELU (150)", unsupported));
  h.push_back (spec_case ("op-unknown", [] (auto &m) { m.codes[2] = { 127, 100000, "" }; },
                          "uses the operator ? (100000)", unsupported));
  h.push_back (spec_case ("opcode-index", [] (auto &m) { m.ops[2].opcode_index = 5; },
                          "operator code that does not exist"));
  h.push_back (spec_case ("buffer-index", [] (auto &m) { m.tensors[4].buffer = 8; },
                          "data buffer that does not exist"));
  h.push_back (spec_case ("buffer-index-huge", [] (auto &m) { m.tensors[4].buffer = 0xffffffffu; },
                          "data buffer that does not exist"));
  h.push_back (spec_case ("data-too-short", [] (auto &m) { m.buffers[3].pop_back (); },
                          "tensor 'half' has 11 bytes of data for 6 values of 2 bytes"));
  h.push_back (spec_case ("data-too-long", [] (auto &m) { m.tensors[4].shape = { 1, 1, 1, 3 }; },
                          "tensor 'half' has 12 bytes of data for 3 values of 2 bytes"));
  h.push_back (spec_case ("tensor-index", [] (auto &m) { m.ops[1].inputs = { 3, 13 }; },
                          "refers to a tensor that does not exist"));
  h.push_back (spec_case ("tensor-index-negative", [] (auto &m) { m.ops[1].inputs = { 3, -5 }; },
                          "refers to a tensor that does not exist"));
  h.push_back (spec_case ("graph-input-index", [] (auto &m) { m.inputs = { 1000 }; },
                          "refers to a tensor that does not exist"));
  h.push_back (spec_case ("required-input-absent", [] (auto &m) { m.ops[1].inputs = { 3, -1 }; },
                          "lacks a required input"));
  h.push_back (spec_case ("too-many-inputs", [] (auto &m) { m.ops[1].inputs = { 3, 4, 4 }; },
                          "an operator ADD has the wrong number of inputs (3) or outputs (1)"));
  h.push_back (spec_case ("conv-no-options", [] (auto &m) { m.ops[0].options = nullptr; },
                          "an operator CONV_2D has no options"));
  h.push_back (spec_case ("conv-wrong-options", [] (auto &m) { m.ops[0].options_type = 2; },
                          "an operator CONV_2D has no options"));
  h.push_back (spec_case ("conv-stride-0", [] (auto &m) {
                 m.ops[0].options->fields[1] = scalar<int32_t> (1, 0);
               }, "options are out of range"));
  h.push_back (spec_case ("conv-padding-7", [] (auto &m) {
                 m.ops[0].options->fields[0] = scalar<int8_t> (0, 7);
               }, "options are out of range"));
  h.push_back (spec_case ("activation-sign-bit", [] (auto &m) {
                 m.ops[1].options->fields[0] = scalar<int8_t> (0, 5);
               }, "uses the fused activation 5", unsupported));
  h.push_back (spec_case ("schema-version-2", [] (auto &m) { m.version = 2; },
                          "schema version 2", unsupported));
  h.push_back (spec_case ("no-subgraph", [] (auto &m) { m.subgraphs = 0; }, "it has no graph"));
  h.push_back (spec_case ("scale-count", [] (auto &m) { m.tensors[1].scale.pop_back (); },
                          "quantization does not match its shape"));
  h.push_back (spec_case ("quantized-dimension", [] (auto &m) { m.tensors[8].quantized_dimension = 4; },
                          "quantization does not match its shape"));
  h.push_back (spec_case ("scale-nan", [] (auto &m) { m.tensors[1].scale[1] = NAN; },
                          "scale is not a number"));
  h.push_back (spec_case ("zero-point-range", [] (auto &m) { m.tensors[1].zero_point[2] = 128; },
                          "zero point is out of range"));
  h.push_back (spec_case ("custom-quantization", [] (auto &m) {
                 m.tensors[5].quantization = table ({ scalar<uint8_t> (4, 1) });
               }, "custom quantization ('add')", unsupported));
  {
    NodeP root = model_node (tiny_model ());
    NodeP tensor = root->fields[2].ref->items[0]->fields[0].ref->items[5];
    tensor->fields.push_back (scalar<uint8_t> (5, 1)); // is_variable
    h.push_back ({ "variable-tensor", write (root), "variable or sparse tensor ('add')", unsupported });
  }
  {
    // Data kept outside the flatbuffer, past the end of the file.
    ModelSpec m = tiny_model ();
    NodeP root = model_node (m);
    NodeP buffer = root->fields[4].ref->items[3];
    buffer->fields = { scalar<uint64_t> (1, uint64_t (1) << 40), scalar<uint64_t> (2, 12) };
    h.push_back ({ "external-data-past-end", write (root), "a data buffer lies outside the file",
                   NS_ENGINE_ERROR_CORRUPT });
  }
  {
    // Thousands of tensors all pointing at one large quantization table:
    // small file, quadratic work for a naive reader.
    ModelSpec m = tiny_model ();
    std::vector<float> scales (4096, 0.5f);
    NodeP q = table ({ ref (2, scalars (scales)), ref (3, scalars (std::vector<int64_t> (4096, 0))) });
    q->shared = true;
    for (int i = 0; i < 3000; i++)
      m.tensors.push_back ({ "bomb", 9, { 4096 }, 0, {}, {}, 0, q });
    h.push_back ({ "shared-quantization-bomb", write_model (m),
                   "refers to the same data too many times", NS_ENGINE_ERROR_CORRUPT });
  }
  {
    // 70000 tensors (one table, shared): more than any style network has.
    ModelSpec m = tiny_model ();
    NodeP root = model_node (m);
    NodeP tensors = root->fields[2].ref->items[0]->fields[0].ref;
    NodeP one = tensors->items[0];
    one->shared = true;
    tensors->items.assign (70000, one);
    h.push_back ({ "too-many-tensors", write (root), "too many tensors or operators",
                   NS_ENGINE_ERROR_CORRUPT });
  }
  return h;
}

} // namespace maker
