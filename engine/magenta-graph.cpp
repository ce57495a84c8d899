// magenta-graph.cpp: a .tflite graph as an OpenCV network (see magenta.hpp).
//
// TFLite works in NHWC; OpenCV in NCHW.  Weights are dequantized to float32
// (int8 per channel, float16) and activations stay float: QUANTIZE and
// DEQUANTIZE ops are identities here.  The ops map one to one onto stock
// OpenCV layers, except the conditional instance norm (MEAN,
// SQUARED_DIFFERENCE, MEAN, ADD eps, RSQRT, MUL gamma, MUL, MUL, SUB beta,
// ADD), which becomes one engine normalization layer.
#include "engine-private.hpp"
#include "magenta.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace ns::magenta {

namespace {

using tflite::Op;

const char *
op_name (Op op)
{
  switch (op)
    {
    case Op::Add: return "ADD";
    case Op::Conv2D: return "CONV_2D";
    case Op::DepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case Op::Dequantize: return "DEQUANTIZE";
    case Op::Logistic: return "LOGISTIC";
    case Op::Mul: return "MUL";
    case Op::Mean: return "MEAN";
    case Op::Sub: return "SUB";
    case Op::Rsqrt: return "RSQRT";
    case Op::SquaredDifference: return "SQUARED_DIFFERENCE";
    case Op::MirrorPad: return "MIRROR_PAD";
    case Op::ResizeNearestNeighbor: return "RESIZE_NEAREST_NEIGHBOR";
    case Op::Quantize: return "QUANTIZE";
    }
  return "?";
}

float
activate (float v, tflite::Activation activation)
{
  switch (activation)
    {
    case tflite::Activation::Relu: return std::max (v, 0.0f);
    case tflite::Activation::Relu6: return std::clamp (v, 0.0f, 6.0f);
    case tflite::Activation::ReluN1To1: return std::clamp (v, -1.0f, 1.0f);
    case tflite::Activation::Tanh: return std::tanh (v);
    default: return v;
    }
}

struct Port
{
  int layer;
  int output;
};

class Builder
{
public:
  Builder (const tflite::Model &model, const std::string &path)
    : m_ (model)
  {
    g_autofree gchar *base = g_path_get_basename (path.c_str ());
    file_ = base;
  }

  Network
  build ()
  {
    const size_t n_tensors = m_.tensors.size ();
    alias_.resize (n_tensors);
    for (size_t t = 0; t < n_tensors; t++)
      alias_[t] = (int) t;
    source_.assign (n_tensors, Source::Constant);
    consumers_.assign (n_tensors, {});
    done_.assign (m_.operators.size (), false);

    find_inputs ();
    classify ();
    for (size_t i = 0; i < m_.operators.size (); i++)
      if (!done_[i])
        add_op ((int) i);

    if (m_.outputs.size () != 1)
      unsupported (_("it has %d outputs"), (int) m_.outputs.size ());
    const Port p = port (resolve (m_.outputs[0]), -1);
    if (p.layer == 0 || p.output != 0)
      unsupported ("%s", _("its output is not computed by a layer"));
    n_.output = n_.net.getLayer (p.layer)->name;
    return std::move (n_);
  }

private:
  [[noreturn]] void
  unsupported (const char *format, ...) G_GNUC_PRINTF (2, 3)
  {
    va_list args;
    va_start (args, format);
    g_autofree gchar *what = g_strdup_vprintf (format, args);
    va_end (args);
    fail (NS_ENGINE_ERROR_NOT_IMAGE_MODEL,
          _("'%s' is not a Magenta network the engine supports: %s"), file_.c_str (), what);
  }

  [[noreturn]] void
  unsupported_op (int index, const char *why)
  {
    const tflite::Operator &op = m_.operators[index];
    unsupported (_("operator %d (%s, output '%s'): %s"), index, op_name (op.op),
                 op.outputs.empty () ? "" : m_.tensors[op.outputs[0]].name.c_str (), why);
  }

  int resolve (int t) const { return t < 0 ? t : alias_[t]; }

  const tflite::Tensor &tensor (int t) const { return m_.tensors[t]; }

  // The op's input `k`, resolved, or -1.
  int
  in (const tflite::Operator &op, size_t k) const
  {
    return k < op.inputs.size () ? resolve (op.inputs[k]) : -1;
  }

  void
  find_inputs ()
  {
    for (int t : m_.inputs)
      {
        const std::vector<int32_t> &shape = tensor (t).shape;
        const size_t count = tflite::element_count (shape);
        if (shape.size () == 4 && shape[3] == 3 && count > 3 && image_input_ < 0)
          {
            image_input_ = t;
            source_[t] = Source::Image;
          }
        else if (count > 0 && count == (size_t) shape.back () && n_.vector_input < 0)
          {
            n_.vector_input = t;
            n_.vector_size = (int) count;
            source_[t] = Source::Vector;
          }
        else
          unsupported (_("input '%s' is neither a 3-channel image nor a vector"),
                       tensor (t).name.c_str ());
      }
    if (image_input_ < 0)
      unsupported ("%s", _("it has no 3-channel image input"));

    n_.net.setInputsNames ({ "image" });
    ports_[image_input_] = { 0, 0 };
  }

  // Aliases QUANTIZE/DEQUANTIZE away, and tells each tensor's source.
  void
  classify ()
  {
    for (size_t i = 0; i < m_.operators.size (); i++)
      {
        const tflite::Operator &op = m_.operators[i];
        if (op.outputs.size () != 1)
          unsupported_op ((int) i, _("it has more than one output"));
        const int out = op.outputs[0];
        if (op.op == Op::Quantize || op.op == Op::Dequantize)
          {
            if (op.inputs.size () != 1 || op.inputs[0] < 0)
              unsupported_op ((int) i, _("it has no input"));
            alias_[out] = resolve (op.inputs[0]);
            source_[out] = source_[alias_[out]];
            done_[i] = true;
            continue;
          }
        Source s = Source::Constant;
        for (int t : op.inputs)
          if (t >= 0)
            {
              const int r = resolve (t);
              s = std::max (s, source_[r]);
              consumers_[r].push_back ((int) i);
            }
        if (s == Source::Constant)
          unsupported_op ((int) i, _("it computes from constants only"));
        source_[out] = s;
        if (s == Source::Vector)
          {
            add_vector_op ((int) i);
            done_[i] = true;
          }
      }
  }

  bool
  is_constant (int t) const
  {
    return t >= 0 && tensor (t).constant;
  }

  cv::Mat
  constant (int t, int op_index) const
  {
    if (!is_constant (t))
      const_cast<Builder *> (this)->unsupported_op (op_index, _("a weight is not a constant"));
    return tflite::dequantize (m_, t);
  }

  std::vector<int>
  int_values (int t, int op_index) const
  {
    const cv::Mat values = constant (t, op_index);
    std::vector<int> ints (values.total ());
    for (size_t k = 0; k < ints.size (); k++)
      ints[k] = (int) std::lround (values.ptr<float> ()[k]);
    return ints;
  }

  std::vector<float>
  float_values (int t, int op_index) const
  {
    const cv::Mat values = constant (t, op_index);
    return std::vector<float> (values.ptr<float> (), values.ptr<float> () + values.total ());
  }

  // A dense map of the style vector: CONV_2D of a 1x1 input by a 1x1
  // kernel.
  void
  add_vector_op (int index)
  {
    const tflite::Operator &op = m_.operators[index];
    if (op.op != Op::Conv2D)
      unsupported_op (index, _("only 1x1 convolutions of the style vector are supported"));
    const int x = in (op, 0), w = in (op, 1), b = in (op, 2);
    const cv::Mat weights = constant (w, index);
    const std::vector<int32_t> &shape = tensor (w).shape;
    if (shape.size () != 4 || shape[1] != 1 || shape[2] != 1
        || tflite::element_count (tensor (x).shape) != (size_t) shape[3])
      unsupported_op (index, _("only 1x1 convolutions of the style vector are supported"));

    DenseOp d;
    d.input = x;
    d.output = op.outputs[0];
    d.weights = weights.reshape (1, shape[0]).clone ();
    d.bias = b >= 0 ? float_values (b, index) : std::vector<float> (shape[0], 0.0f);
    if (d.bias.size () != (size_t) shape[0])
      unsupported_op (index, _("the bias does not match the weights"));
    d.activation = op.activation;
    n_.vector_ops.push_back (std::move (d));
  }

  Port
  port (int t, int op_index)
  {
    const auto it = ports_.find (t);
    if (it == ports_.end ())
      {
        if (op_index < 0)
          unsupported ("%s", _("its output is not computed from the image"));
        unsupported_op (op_index, _("it uses a value the engine does not compute"));
      }
    return it->second;
  }

  // Adds a layer fed by `inputs`; returns its port.
  Port
  add_layer (const std::string &name, const std::string &type, cv::dnn::LayerParams &params,
             const std::vector<Port> &inputs)
  {
    params.name = name;
    params.type = type;
    const int id = n_.net.addLayer (name, type, params);
    for (size_t k = 0; k < inputs.size (); k++)
      n_.net.connect (inputs[k].layer, inputs[k].output, id, (int) k);
    return { id, 0 };
  }

  Port
  add_activation (int index, Port p, tflite::Activation activation)
  {
    cv::dnn::LayerParams params;
    const std::string name = "op" + std::to_string (index) + "_activation";
    switch (activation)
      {
      case tflite::Activation::None:
        return p;
      case tflite::Activation::Relu:
        return add_layer (name, "ReLU", params, { p });
      case tflite::Activation::Relu6:
        params.set ("min_value", 0.0f);
        params.set ("max_value", 6.0f);
        return add_layer (name, "ReLU6", params, { p });
      default:
        unsupported_op (index, _("its fused activation is not supported"));
      }
  }

  int
  channels (int t) const
  {
    const std::vector<int32_t> &shape = tensor (t).shape;
    return shape.size () == 4 ? shape[3] : 0;
  }

  void
  add_op (int index)
  {
    const tflite::Operator &op = m_.operators[index];
    const std::string name = "op" + std::to_string (index);
    const int out = op.outputs[0];
    cv::dnn::LayerParams params;

    switch (op.op)
      {
      case Op::MirrorPad:
        ports_[out] = add_mirror_pad (index, name);
        break;
      case Op::Conv2D:
      case Op::DepthwiseConv2D:
        ports_[out] = add_activation (index, add_conv (index, name), op.activation);
        break;
      case Op::Add:
        {
          const int a = in (op, 0), b = in (op, 1);
          if (source_[a] != Source::Image || source_[b] != Source::Image
              || tensor (a).shape != tensor (b).shape)
            unsupported_op (index, _("only the sum of two images of one shape is supported"));
          params.set ("operation", "sum");
          const Port p = add_layer (name, "Eltwise", params, { port (a, index), port (b, index) });
          ports_[out] = add_activation (index, p, op.activation);
        }
        break;
      case Op::Mean:
        if (!add_style_norm (index))
          ports_[out] = add_global_mean (index, name);
        break;
      case Op::ResizeNearestNeighbor:
        ports_[out] = add_resize (index, name);
        break;
      case Op::Logistic:
        ports_[out] = add_layer (name, "Sigmoid", params, { port (in (op, 0), index) });
        break;
      default:
        unsupported_op (index, _("this operator is supported only inside an instance normalization"));
      }
    done_[index] = true;
  }

  Port
  add_mirror_pad (int index, const std::string &name)
  {
    const tflite::Operator &op = m_.operators[index];
    const std::vector<int> pads = int_values (in (op, 1), index); // NHWC before/after
    if (pads.size () != 8 || pads[0] || pads[1] || pads[6] || pads[7]
        || *std::min_element (pads.begin (), pads.end ()) < 0)
      unsupported_op (index, _("only padding of the height and width is supported"));
    if (op.mirror_symmetric)
      unsupported_op (index, _("SYMMETRIC mirror padding is not supported"));

    // TFLite's REFLECT is OpenCV's BORDER_REFLECT_101, what "reflect" does.
    const int nchw[] = { 0, 0, 0, 0, pads[2], pads[3], pads[4], pads[5] };
    cv::dnn::LayerParams params;
    params.set ("type", "reflect");
    params.set ("paddings", cv::dnn::DictValue::arrayInt (nchw, 8));
    return add_layer (name, "Padding", params, { port (in (op, 0), index) });
  }

  Port
  add_conv (int index, const std::string &name)
  {
    const tflite::Operator &op = m_.operators[index];
    const bool depthwise = op.op == Op::DepthwiseConv2D;
    const int x = in (op, 0), w = in (op, 1), b = in (op, 2);
    const cv::Mat weights = constant (w, index);
    const std::vector<int32_t> &shape = tensor (w).shape; // OHWI, or 1HWO
    if (shape.size () != 4)
      unsupported_op (index, _("its weights are not 4-dimensional"));
    const int in_channels = channels (x);
    const int outputs = depthwise ? shape[3] : shape[0];
    const int kh = shape[1], kw = shape[2];
    const int per_group = depthwise ? 1 : shape[3];
    const int groups = depthwise ? in_channels : 1;
    if (depthwise ? (in_channels <= 0 || outputs != in_channels * op.depth_multiplier)
                  : (in_channels != per_group))
      unsupported_op (index, _("its weights do not match its input's channels"));

    // OHWI (or 1HWO) -> OIHW
    const int oihw[] = { outputs, per_group, kh, kw };
    cv::Mat blob (4, oihw, CV_32F);
    const float *src = weights.ptr<float> ();
    float *dst = blob.ptr<float> ();
    for (int o = 0; o < outputs; o++)
      for (int i = 0; i < per_group; i++)
        for (int y = 0; y < kh; y++)
          for (int x_ = 0; x_ < kw; x_++)
            dst[((o * per_group + i) * kh + y) * kw + x_]
              = depthwise ? src[(y * kw + x_) * outputs + o]
                          : src[((o * kh + y) * kw + x_) * per_group + i];

    std::vector<float> bias = b >= 0 ? float_values (b, index) : std::vector<float> (outputs, 0.0f);
    if (bias.size () != (size_t) outputs)
      unsupported_op (index, _("the bias does not match the weights"));

    cv::dnn::LayerParams params;
    params.set ("kernel_h", kh);
    params.set ("kernel_w", kw);
    params.set ("stride_h", op.stride_h);
    params.set ("stride_w", op.stride_w);
    params.set ("dilation_h", op.dilation_h);
    params.set ("dilation_w", op.dilation_w);
    params.set ("num_output", outputs);
    params.set ("group", groups);
    params.set ("bias_term", true);
    // OpenCV's "SAME" pads as TFLite does: (total) / 2 before, the rest
    // after (more after when odd).
    if (op.padding == tflite::Padding::Same)
      params.set ("pad_mode", "SAME");
    params.blobs = { blob, cv::Mat (1, outputs, CV_32F, bias.data ()).clone () };
    return add_layer (name, "Convolution", params, { port (x, index) });
  }

  Port
  add_resize (int index, const std::string &name)
  {
    const tflite::Operator &op = m_.operators[index];
    const int x = in (op, 0);
    const std::vector<int> size = int_values (in (op, 1), index);
    const std::vector<int32_t> &shape = tensor (x).shape;
    if (op.align_corners || op.half_pixel_centers)
      unsupported_op (index, _("only plain nearest-neighbour resizing is supported"));
    if (size.size () != 2 || shape.size () != 4 || shape[1] <= 0 || shape[2] <= 0
        || size[0] % shape[1] || size[1] % shape[2] || size[0] / shape[1] != size[1] / shape[2]
        || size[0] < shape[1])
      unsupported_op (index, _("only resizing by a whole factor is supported"));

    // The graph's sizes are those of the size it was saved at; what is
    // kept is the factor, so that the network runs at any size.
    const int factor = size[0] / shape[1];
    if (factor == 1)
      return port (x, index);
    cv::dnn::LayerParams params;
    params.set ("interpolation", "nearest");
    params.set ("zoom_factor_x", factor);
    params.set ("zoom_factor_y", factor);
    return add_layer (name, "Resize", params, { port (x, index) });
  }

  bool
  reduces_height_width (int index)
  {
    const tflite::Operator &op = m_.operators[index];
    std::vector<int> axes = int_values (in (op, 1), index);
    std::sort (axes.begin (), axes.end ());
    return axes == std::vector<int> { 1, 2 };
  }

  Port
  add_global_mean (int index, const std::string &name)
  {
    const tflite::Operator &op = m_.operators[index];
    if (!reduces_height_width (index))
      unsupported_op (index, _("only the mean over height and width is supported"));
    cv::dnn::LayerParams params;
    params.set ("pool", "ave");
    params.set ("global_pooling", true);
    return add_layer (name, "Pooling", params, { port (in (op, 0), index) });
  }

  // The operator of kind `code` not yet built that uses `t` (with `other`,
  // for binary ops, unless -2), or -1.
  int
  consumer (int t, Op code, int other = -2)
  {
    for (int i : consumers_[t])
      {
        const tflite::Operator &op = m_.operators[i];
        if (done_[i] || op.op != code)
          continue;
        const int a = in (op, 0), b = in (op, 1);
        if (other == -2 || (a == t && b == other) || (b == t && a == other))
          return i;
      }
    return -1;
  }

  int
  other_input (int index, int t)
  {
    const tflite::Operator &op = m_.operators[index];
    return in (op, 0) == t ? in (op, 1) : in (op, 0);
  }

  int out (int index) const { return m_.operators[index].outputs[0]; }

  // The conditional instance norm starting at MEAN `index`:
  //   m = mean(x); v = mean((x - m)^2); s = rsqrt(v + eps) * gamma
  //   y = x * s + (beta - m * s)
  // Returns false if `index` starts none (a plain mean).
  bool
  add_style_norm (int index)
  {
    const int x = in (m_.operators[index], 0), m = out (index);
    const int sqdiff = consumer (m, Op::SquaredDifference, x);
    if (sqdiff < 0)
      return false;

    auto need = [&] (bool found) {
      if (!found)
        unsupported_op (index, _("it starts an instance normalization of a structure "
                                 "the engine does not know"));
    };
    const int var = consumer (out (sqdiff), Op::Mean);
    need (var >= 0);
    const int add_eps = consumer (out (var), Op::Add);
    need (add_eps >= 0);
    const int eps = other_input (add_eps, out (var));
    const int rsqrt = consumer (out (add_eps), Op::Rsqrt);
    need (rsqrt >= 0);
    const int mul_gamma = consumer (out (rsqrt), Op::Mul);
    need (mul_gamma >= 0);
    const int gamma = other_input (mul_gamma, out (rsqrt));
    const int s = out (mul_gamma);
    const int mul_x = consumer (s, Op::Mul, x);
    const int mul_m = consumer (s, Op::Mul, m);
    need (mul_x >= 0 && mul_m >= 0);
    const int sub = consumer (out (mul_m), Op::Sub);
    need (sub >= 0 && in (m_.operators[sub], 1) == out (mul_m));
    const int beta = in (m_.operators[sub], 0);
    const int add = consumer (out (mul_x), Op::Add, out (sub));
    need (add >= 0);

    const int n_channels = channels (x);
    need (reduces_height_width (index) && reduces_height_width (var) && is_constant (eps)
          && tflite::element_count (tensor (eps).shape) == 1
          && source_[gamma] != Source::Image && source_[beta] != Source::Image
          && tflite::element_count (tensor (gamma).shape) == (size_t) n_channels
          && tflite::element_count (tensor (beta).shape) == (size_t) n_channels);

    StyleNorm norm;
    norm.layer = "op" + std::to_string (index) + "_norm";
    norm.channels = n_channels;
    if (source_[gamma] == Source::Constant)
      norm.gamma_constant = float_values (gamma, index);
    else
      norm.gamma = gamma;
    if (source_[beta] == Source::Constant)
      norm.beta_constant = float_values (beta, index);
    else
      norm.beta = beta;

    cv::dnn::LayerParams params;
    params.set ("eps", float_values (eps, index)[0]);
    const Port p = add_layer (norm.layer, "InstanceNormalization", params, { port (x, index) });
    ports_[out (add)] = add_activation (add, p, m_.operators[add].activation);
    for (int i : { index, sqdiff, var, add_eps, rsqrt, mul_gamma, mul_x, mul_m, sub, add })
      done_[i] = true;
    n_.norms.push_back (std::move (norm));
    return true;
  }

  const tflite::Model &m_;
  std::string file_;
  std::vector<int> alias_;
  std::vector<Source> source_;
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> done_;
  std::map<int, Port> ports_;
  int image_input_ = -1;
  Network n_;
};

} // namespace

Network
build_network (const tflite::Model &model, const std::string &path)
{
  register_instance_norm_layer ();
  return Builder (model, path).build ();
}

void
set_style_vector (Network &network, const std::vector<float> &vector)
{
  CV_Assert ((int) vector.size () == network.vector_size);
  std::map<int, std::vector<float>> values;
  values[network.vector_input] = vector;

  for (const DenseOp &d : network.vector_ops)
    {
      const std::vector<float> &x = values.at (d.input);
      std::vector<float> y (d.bias);
      for (int o = 0; o < d.weights.rows; o++)
        {
          const float *w = d.weights.ptr<float> (o);
          double sum = y[o];
          for (size_t i = 0; i < x.size (); i++)
            sum += (double) w[i] * x[i];
          y[o] = activate ((float) sum, d.activation);
        }
      values[d.output] = std::move (y);
    }

  for (const StyleNorm &norm : network.norms)
    set_instance_norm_affine (network.net, norm.layer,
                              norm.gamma >= 0 ? values.at (norm.gamma) : norm.gamma_constant,
                              norm.beta >= 0 ? values.at (norm.beta) : norm.beta_constant);
}

} // namespace ns::magenta
