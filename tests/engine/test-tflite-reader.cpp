// test-tflite-reader.cpp: the .tflite reader on the real Magenta files
// (facts from ../shared/models/magenta/README.md and from how TFLite
// quantizes), and dequantize() on a small file made here whose values are
// stated by hand.  Hostile files are tests/fuzz's.
#include "test-util.hpp"
#include "../fuzz/tflite-maker.hpp"

#include "engine-private.hpp"
#include "tflite.hpp"

#include <glib.h>
#include <glib/gstdio.h>

#include <cmath>
#include <map>
#include <set>

namespace {

using ns::tflite::Model;
using ns::tflite::Op;
using ns::tflite::TensorType;

const char kPrediction[] = "magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite";
const char kTransferInt8[] = "magenta_arbitrary-image-stylization-v1-256_int8_transfer_1.tflite";
const char kTransferFp16[] = "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite";

const Model &
magenta (const char *file)
{
  static std::map<std::string, Model> models;
  auto it = models.find (file);
  if (it == models.end ())
    it = models.emplace (file, ns::tflite::read_model (test::shared_model (std::string ("magenta/") + file))).first;
  return it->second;
}

std::map<Op, int>
op_counts (const Model &m)
{
  std::map<Op, int> counts;
  for (const auto &op : m.operators)
    counts[op.op]++;
  return counts;
}

void
assert_shape (const Model &m, int tensor, std::vector<int32_t> shape)
{
  g_assert_true (m.tensors[tensor].shape == shape);
  g_assert_true (m.tensors[tensor].type == TensorType::Float32);
}

void
test_prediction ()
{
  const Model &m = magenta (kPrediction);
  auto counts = op_counts (m);
  g_assert_cmpint (counts[Op::Conv2D], ==, 36);
  g_assert_cmpint (counts[Op::DepthwiseConv2D], ==, 17);
  g_assert_cmpint (counts[Op::Add], ==, 10);
  g_assert_cmpint (counts[Op::Mean], ==, 1);
  // Fully integer-quantized: float only at the edges.
  g_assert_cmpint (counts[Op::Quantize], ==, 1);
  g_assert_cmpint (counts[Op::Dequantize], ==, 1);
  g_assert_cmpuint (counts.size (), ==, 6);

  g_assert_cmpuint (m.inputs.size (), ==, 1);
  g_assert_cmpuint (m.outputs.size (), ==, 1);
  assert_shape (m, m.inputs[0], { 1, 256, 256, 3 });
  assert_shape (m, m.outputs[0], { 1, 1, 1, 100 });
  g_assert_true (m.operators.front ().op == Op::Quantize);
  g_assert_true (m.operators.back ().op == Op::Dequantize);
  g_assert_true (m.operators.back ().outputs[0] == m.outputs[0]);

  // MobileNetV2: ReLU6 folded into the convolutions.
  int relu6 = 0;
  for (const auto &op : m.operators)
    relu6 += op.activation == ns::tflite::Activation::Relu6;
  g_test_message ("%d operators with a fused ReLU6", relu6);
  g_assert_cmpint (relu6, >=, 17 * 2);
}

const ns::tflite::Operator &
producer (const Model &m, int tensor)
{
  for (const auto &op : m.operators)
    if (op.outputs[0] == tensor)
      return op;
  g_error ("nothing computes tensor %d", tensor);
}

void
test_transfer (gconstpointer data)
{
  const char *file = static_cast<const char *> (data);
  const Model &m = magenta (file);
  const bool int8 = strcmp (file, kTransferInt8) == 0;
  auto counts = op_counts (m);

  std::set<Op> kinds;
  for (auto [op, n] : counts)
    kinds.insert (op);
  std::set<Op> expected = { Op::MirrorPad, Op::Conv2D, Op::Mean, Op::SquaredDifference,
                            Op::Rsqrt, Op::Mul, Op::Sub, Op::Add,
                            Op::ResizeNearestNeighbor, Op::Logistic, Op::Dequantize };
  if (int8)
    expected.insert (Op::Quantize);
  g_assert_true (kinds == expected);

  // 13 conditional instance norms (one RSQRT each), three resizes, one
  // sigmoid; the same 42 convolutions in both files.
  g_assert_cmpint (counts[Op::Rsqrt], ==, 13);
  g_assert_cmpint (counts[Op::SquaredDifference], ==, 13);
  g_assert_cmpint (counts[Op::ResizeNearestNeighbor], ==, 3);
  g_assert_cmpint (counts[Op::Logistic], ==, 1);
  g_assert_cmpint (counts[Op::Conv2D], ==, 42);

  g_assert_cmpuint (m.inputs.size (), ==, 2);
  g_assert_cmpuint (m.outputs.size (), ==, 1);
  assert_shape (m, m.inputs[0], { 1, 384, 384, 3 });
  assert_shape (m, m.inputs[1], { 1, 1, 1, 100 });
  assert_shape (m, m.outputs[0], { 1, 384, 384, 3 });
  // The output is the sigmoid's (behind a DEQUANTIZE in the int8 file).
  g_assert_true (producer (m, producer (m, m.outputs[0]).op == Op::Dequantize
                                ? producer (m, m.outputs[0]).inputs[0]
                                : m.outputs[0]).op == Op::Logistic);
}

// TFLite quantizes weights symmetrically per output channel: scale =
// max |w| / 127, so every channel's largest dequantized value is 127 times
// its own scale (a wrong channel axis or scale breaks this), and a bias's
// scale is the input's scale times the weights'.
void
test_per_channel (gconstpointer data)
{
  const Model &m = magenta (static_cast<const char *> (data));
  int weights = 0, channels = 0, exact = 0, biases = 0, biases_product = 0;

  for (const auto &op : m.operators)
    {
      if (op.op != Op::Conv2D && op.op != Op::DepthwiseConv2D)
        continue;
      const auto &w = m.tensors[op.inputs[1]];
      const int axis = op.op == Op::Conv2D ? 0 : 3;
      g_assert_true (w.type == TensorType::Int8);
      g_assert_cmpint (w.quant.dimension, ==, axis);
      g_assert_cmpint (int (w.quant.scale.size ()), ==, w.shape[axis]);
      g_assert_cmpint (w.shape[axis], >, 1);
      for (int64_t z : w.quant.zero_point)
        g_assert_cmpint (z, ==, 0);

      const cv::Mat values = ns::tflite::dequantize (m, op.inputs[1]);
      const size_t n = values.total (), c = w.quant.scale.size ();
      const size_t inner = axis == 0 ? n / c : 1;
      std::vector<float> peak (c, 0.0f);
      for (size_t i = 0; i < n; i++)
        {
          const size_t ch = (i / inner) % c;
          peak[ch] = std::max (peak[ch], std::abs (values.ptr<float> ()[i]));
        }
      for (size_t ch = 0; ch < c; ch++)
        exact += std::abs (peak[ch] - 127 * w.quant.scale[ch]) <= 1e-6 * peak[ch];
      channels += int (c);
      weights++;

      if (op.inputs.size () > 2 && op.inputs[2] >= 0)
        {
          const auto &b = m.tensors[op.inputs[2]];
          const auto &in = m.tensors[op.inputs[0]];
          g_assert_true (b.type == TensorType::Int32);
          g_assert_cmpuint (b.quant.scale.size (), ==, c);
          g_assert_cmpuint (in.quant.scale.size (), ==, 1);
          bool product = true;
          for (size_t ch = 0; ch < c; ch++)
            product = product && std::abs (b.quant.scale[ch] / (in.quant.scale[0] * w.quant.scale[ch]) - 1) < 1e-5;
          // (The int8 transfer file's residual blocks have zero biases,
          // stored with other scales.)
          biases++;
          biases_product += product;
          if (!product)
            g_assert_cmpint (cv::countNonZero (ns::tflite::dequantize (m, op.inputs[2])), ==, 0);
        }
    }
  g_test_message ("%d weight tensors, %d channels, %d of them reach 127 x scale; "
                  "%d biases, %d with the scale input x weights",
                  weights, channels, exact, biases, biases_product);
  g_assert_cmpint (weights, >, 0);
  g_assert_cmpint (exact, >=, channels * 95 / 100);
}

// The constant behind a convolution input: in the fp16 file, weights are
// float16 constants behind DEQUANTIZE ops.
int
constant_behind (const Model &m, int tensor)
{
  if (m.tensors[tensor].constant)
    return tensor;
  const auto &op = producer (m, tensor);
  g_assert_true (op.op == Op::Dequantize);
  return op.inputs[0];
}

// The two transfer files hold the same weights, one in float16 and one
// int8 per channel: dequantized by separate code paths, they agree to
// about 0.7 % (the README), and a wrong conversion would not.
void
test_fp16_vs_int8 ()
{
  const Model &f = magenta (kTransferFp16), &q = magenta (kTransferInt8);
  std::vector<const ns::tflite::Operator *> fc, qc;
  for (const auto &op : f.operators)
    if (op.op == Op::Conv2D)
      fc.push_back (&op);
  for (const auto &op : q.operators)
    if (op.op == Op::Conv2D)
      qc.push_back (&op);
  g_assert_cmpuint (fc.size (), ==, qc.size ());

  double diff2 = 0, norm2 = 0, worst = 0, bias_diff2 = 0, bias_norm2 = 0;
  for (size_t i = 0; i < fc.size (); i++)
    {
      const int fw = constant_behind (f, fc[i]->inputs[1]);
      g_assert_true (f.tensors[fw].type == TensorType::Float16);
      const cv::Mat a = ns::tflite::dequantize (f, fw);
      const cv::Mat b = ns::tflite::dequantize (q, qc[i]->inputs[1]);
      g_assert_true (f.tensors[fw].shape == q.tensors[qc[i]->inputs[1]].shape);
      const double d = cv::norm (a, b, cv::NORM_L2), n = cv::norm (a, cv::NORM_L2);
      diff2 += d * d;
      norm2 += n * n;
      worst = std::max (worst, d / n);

      const cv::Mat fb = ns::tflite::dequantize (f, constant_behind (f, fc[i]->inputs[2]));
      const cv::Mat qb = ns::tflite::dequantize (q, qc[i]->inputs[2]);
      bias_diff2 += std::pow (cv::norm (fb, qb, cv::NORM_L2), 2);
      bias_norm2 += std::pow (cv::norm (fb, cv::NORM_L2), 2);
    }
  const double rel = std::sqrt (diff2 / norm2), bias_rel = std::sqrt (bias_diff2 / bias_norm2);
  g_test_message ("%zu convolutions: weights differ by %.2f %% (worst layer %.2f %%), "
                  "biases by %.3f %%", fc.size (), 100 * rel, 100 * worst, 100 * bias_rel);
  g_assert_cmpfloat (rel, >, 0.001); // two encodings, not one file read twice
  g_assert_cmpfloat (rel, <, 0.015);
  g_assert_cmpfloat (worst, <, 0.05);
  g_assert_cmpfloat (bias_rel, <, 0.015);
}

void
assert_values (const cv::Mat &m, const std::vector<float> &expected)
{
  g_assert_true (m.type () == CV_32F && m.isContinuous ());
  g_assert_cmpuint (m.total (), ==, expected.size ());
  for (size_t i = 0; i < expected.size (); i++)
    {
      const float v = m.ptr<float> ()[i];
      g_assert_cmpfloat_with_epsilon (v, expected[i], 1e-6 * std::max (1.0f, std::abs (expected[i])));
      g_assert_cmpint (std::signbit (v), ==, std::signbit (expected[i]));
    }
}

// tiny_model's values, dequantized by hand: (q - zero point) * scale.
void
test_tiny ()
{
  const Model m = ns::tflite::parse_model (maker::write_model (maker::tiny_model ()), "tiny.tflite");
  g_assert_cmpuint (m.tensors.size (), ==, 13);
  g_assert_true (m.inputs == std::vector<int> { 0 });
  g_assert_true (m.outputs == std::vector<int> { 11 });

  // Per channel along dimension 0 (scales 0.5, 0.25, 2; zero points 0, 1, -3).
  assert_values (ns::tflite::dequantize (m, 1), { -64, 63.5, -0.25, 1, 0, 134 });
  // int32 per channel (scales 0.001, 1e-9, 0.5).
  assert_values (ns::tflite::dequantize (m, 2), { 1, -2, 3.5 });
  // float16: 1, -2, the largest, the smallest subnormal, nearest to 1/3, -0.
  assert_values (ns::tflite::dequantize (m, 4), { 1, -2, 65504, 5.9604645e-8f, 0.333251953125f, -0.0f });
  // uint8 per tensor (scale 0.5, zero point 128).
  assert_values (ns::tflite::dequantize (m, 6), { -64, 0, 63.5, -63.5, -63, -62.5 });
  // Per channel along dimension 3 (scales 1, 10, 100).
  assert_values (ns::tflite::dequantize (m, 8), { 1, 20, 300, -1, -20, -300 });
  // Not quantized: plain values.
  assert_values (ns::tflite::dequantize (m, 10), { 1, 2 });
  assert_values (ns::tflite::dequantize (m, 12), { 1.5, -2.25, 3e38f, -0.0f });

  // Dequantized in the stored shape.
  const cv::Mat w = ns::tflite::dequantize (m, 8);
  g_assert_cmpint (w.dims, ==, 4);
  g_assert_cmpint (w.size[3], ==, 3);
  g_assert_cmpint (ns::tflite::dequantize (m, 2).total (), ==, 3);

  // The options.
  const auto &conv = m.operators[0], &add = m.operators[1], &dw = m.operators[3], &mean = m.operators[4];
  g_assert_true (conv.op == Op::Conv2D && conv.padding == ns::tflite::Padding::Valid);
  g_assert_true (conv.activation == ns::tflite::Activation::Relu6);
  g_assert_true (add.op == Op::Add && add.activation == ns::tflite::Activation::Relu);
  g_assert_true (m.operators[2].op == Op::Mul);
  g_assert_true (dw.op == Op::DepthwiseConv2D && dw.padding == ns::tflite::Padding::Same);
  g_assert_cmpint (dw.stride_w, ==, 2);
  g_assert_cmpint (dw.stride_h, ==, 1);
  g_assert_cmpint (dw.dilation_w, ==, 1);
  g_assert_cmpint (dw.dilation_h, ==, 2);
  g_assert_true (dw.inputs == (std::vector<int> { 7, 8, -1 }));
  g_assert_true (mean.op == Op::Mean && mean.keep_dims);

  // A tensor the file gives no data.
  try
    {
      ns::tflite::dequantize (m, 3);
      g_assert_not_reached ();
    }
  catch (const ns::Error &e)
    {
      g_assert_nonnull (strstr (e.message.c_str (), "tensor 'conv' has no data"));
    }
}

// Files over 2 GB keep tensor data after the flatbuffer, found by the
// Buffer's offset (from the start of the file) and size.
void
test_external_data ()
{
  maker::NodeP root = maker::model_node (maker::tiny_model ());
  maker::NodeP plain = root->fields[4].ref->items[7]; // the buffer of "plain"
  plain->fields = { maker::scalar<uint64_t> (1, 0), maker::scalar<uint64_t> (2, 16) };
  const size_t offset = (maker::write (root).size () + 15) / 16 * 16;
  plain->fields[0] = maker::scalar<uint64_t> (1, offset);
  std::vector<uint8_t> bytes = maker::write (root);
  g_assert_cmpuint (bytes.size (), <=, offset);
  bytes.resize (offset);
  const std::vector<uint8_t> data = maker::data_of (maker::tiny::plain);
  bytes.insert (bytes.end (), data.begin (), data.end ());

  const Model m = ns::tflite::parse_model (bytes, "external.tflite");
  g_assert_true (m.tensors[12].constant);
  g_assert_cmpuint (m.tensors[12].offset, ==, offset);
  assert_values (ns::tflite::dequantize (m, 12), { 1.5, -2.25, 3e38f, -0.0f });
}

void
assert_read_fails (const std::string &path, NsEngineError code, const char *expect)
{
  try
    {
      ns::tflite::read_model (path);
      g_assert_not_reached ();
    }
  catch (const ns::Error &e)
    {
      g_test_message ("%s", e.message.c_str ());
      g_assert_cmpint (e.code, ==, code);
      g_assert_nonnull (strstr (e.message.c_str (), path.c_str ()));
      g_assert_nonnull (strstr (e.message.c_str (), expect));
    }
}

void
test_read_file ()
{
  g_autofree gchar *dir = g_dir_make_tmp ("tflite-XXXXXX", NULL);
  const std::string tiny = std::string (dir) + "/tiny.tflite";
  const std::string empty = std::string (dir) + "/empty.tflite";
  const std::vector<uint8_t> bytes = maker::write_model (maker::tiny_model ());
  g_assert_true (g_file_set_contents (tiny.c_str (), (const char *) bytes.data (), bytes.size (), NULL));
  g_assert_true (g_file_set_contents (empty.c_str (), "", 0, NULL));

  const Model m = ns::tflite::read_model (tiny);
  g_assert_true (m.bytes == bytes);
  g_assert_true (m.path == tiny);
  g_assert_cmpuint (m.operators.size (), ==, 5);

  assert_read_fails (empty, NS_ENGINE_ERROR_CORRUPT, "is empty");
  assert_read_fails (std::string (dir) + "/missing.tflite", NS_ENGINE_ERROR_NOT_FOUND, "does not exist");
  assert_read_fails (dir, NS_ENGINE_ERROR_NOT_FOUND, "is not a file");

  g_remove (tiny.c_str ());
  g_remove (empty.c_str ());
  g_rmdir (dir);
}

void
test_element_count ()
{
  g_assert_cmpuint (ns::tflite::element_count ({}), ==, 1);
  g_assert_cmpuint (ns::tflite::element_count ({ 1, 384, 384, 3 }), ==, 442368);
  g_assert_cmpuint (ns::tflite::element_count ({ 1 << 14, 1 << 14 }), ==, size_t (1) << 28);
  for (const std::vector<int32_t> &bad : std::vector<std::vector<int32_t>> {
         { 0 }, { 3, -1 }, { 1 << 15, 1 << 14 }, { 1, 1, 1, 1, 1, 1 },
         { 1 << 30, 1 << 30, 1 << 30, 1 << 30 } })
    try
      {
        ns::tflite::element_count (bad);
        g_assert_not_reached ();
      }
    catch (const ns::Error &e)
      {
        g_assert_cmpint (e.code, ==, NS_ENGINE_ERROR_CORRUPT);
      }
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tflite/prediction", test_prediction);
  g_test_add_data_func ("/tflite/transfer-fp16", kTransferFp16, test_transfer);
  g_test_add_data_func ("/tflite/transfer-int8", kTransferInt8, test_transfer);
  g_test_add_data_func ("/tflite/per-channel-prediction", kPrediction, test_per_channel);
  g_test_add_data_func ("/tflite/per-channel-transfer-int8", kTransferInt8, test_per_channel);
  g_test_add_func ("/tflite/fp16-vs-int8", test_fp16_vs_int8);
  g_test_add_func ("/tflite/tiny", test_tiny);
  g_test_add_func ("/tflite/external-data", test_external_data);
  g_test_add_func ("/tflite/read-file", test_read_file);
  g_test_add_func ("/tflite/element-count", test_element_count);
  return g_test_run ();
}
