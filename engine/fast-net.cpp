// fast-net.cpp: see fast-net.hpp.
#include "fast-net.hpp"

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop
#include <opencv2/dnn/layer.details.hpp>

#include <glib.h>

#include <algorithm>
#include <mutex>

namespace ns {

namespace {

using cv::dnn::LayerParams;
using cv::dnn::MatShape;

// NCHW -> N x 4C x ceil((H+2p)/2) x ceil((W+2p)/2): the input zero-padded
// by `pad` on every side (and to even sides), each 2x2 block's pixels as
// channels (qy * 2 + qx) * C + c.
class SpaceToDepthLayer : public cv::dnn::Layer
{
public:
  explicit SpaceToDepthLayer (const LayerParams &params)
    : Layer (params), pad_ (params.get<int> ("pad"))
  {
  }

  static cv::Ptr<cv::dnn::Layer>
  create (LayerParams &params)
  {
    return cv::makePtr<SpaceToDepthLayer> (params);
  }

  bool
  getMemoryShapes (const std::vector<MatShape> &inputs, const int, std::vector<MatShape> &outputs,
                   std::vector<MatShape> &) const override
  {
    const MatShape &in = inputs[0];
    CV_Assert (in.size () == 4);
    outputs.assign (1, MatShape { in[0], 4 * in[1], (in[2] + 2 * pad_ + 1) / 2,
                                  (in[3] + 2 * pad_ + 1) / 2 });
    return false;
  }

  void
  forward (cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
           cv::OutputArrayOfArrays) override
  {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector (inputs);
    outputs_arr.getMatVector (outputs);
    const cv::Mat &x = inputs[0];
    cv::Mat &y = outputs[0];
    const int n = x.size[0], c = x.size[1], h = x.size[2], w = x.size[3];
    const int oh = y.size[2], ow = y.size[3];

    cv::parallel_for_ (cv::Range (0, n * 4 * c), [&] (const cv::Range &range) {
      for (int i = range.start; i < range.end; i++)
        {
          const int b = i / (4 * c), q = (i / c) % 4, ch = i % c;
          const int qy = q / 2, qx = q % 2;
          const float *src = x.ptr<float> () + ((size_t) b * c + ch) * h * w;
          float *dst = y.ptr<float> () + (size_t) i * oh * ow;
          for (int r = 0; r < oh; r++, dst += ow)
            {
              const int sy = 2 * r + qy - pad_;
              if (sy < 0 || sy >= h)
                {
                  std::fill (dst, dst + ow, 0.0f);
                  continue;
                }
              const float *row = src + (size_t) sy * w;
              for (int col = 0; col < ow; col++)
                {
                  const int sx = 2 * col + qx - pad_;
                  dst[col] = sx >= 0 && sx < w ? row[sx] : 0.0f;
                }
            }
        }
    });
  }

private:
  int pad_;
};

// The inverse packing of a convolution's output: input 0 is N x 4C x h x w
// (channel (py * 2 + px) * C + c), input 1 the convolution's own input,
// which gives the output size H + 2 pad - kernel + 1.
class DepthToSpaceLayer : public cv::dnn::Layer
{
public:
  explicit DepthToSpaceLayer (const LayerParams &params)
    : Layer (params), pad_ (params.get<int> ("pad")), kernel_ (params.get<int> ("kernel"))
  {
  }

  static cv::Ptr<cv::dnn::Layer>
  create (LayerParams &params)
  {
    return cv::makePtr<DepthToSpaceLayer> (params);
  }

  bool
  getMemoryShapes (const std::vector<MatShape> &inputs, const int, std::vector<MatShape> &outputs,
                   std::vector<MatShape> &) const override
  {
    const MatShape &packed = inputs[0], &in = inputs[1];
    CV_Assert (packed.size () == 4 && in.size () == 4 && packed[1] % 4 == 0);
    const int h = in[2] + 2 * pad_ - kernel_ + 1, w = in[3] + 2 * pad_ - kernel_ + 1;
    CV_Assert (h > 0 && w > 0 && h <= 2 * packed[2] && w <= 2 * packed[3]);
    outputs.assign (1, MatShape { packed[0], packed[1] / 4, h, w });
    return false;
  }

  void
  forward (cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
           cv::OutputArrayOfArrays) override
  {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector (inputs);
    outputs_arr.getMatVector (outputs);
    const cv::Mat &x = inputs[0];
    cv::Mat &y = outputs[0];
    const int n = y.size[0], c = y.size[1], h = y.size[2], w = y.size[3];
    const int ph = x.size[2], pw = x.size[3];

    cv::parallel_for_ (cv::Range (0, n * c), [&] (const cv::Range &range) {
      for (int i = range.start; i < range.end; i++)
        {
          const int b = i / c, ch = i % c;
          float *dst = y.ptr<float> () + (size_t) i * h * w;
          for (int r = 0; r < h; r++)
            {
              const float *even = x.ptr<float> () + (((size_t) b * 4 + (r % 2) * 2) * c + ch) * ph * pw
                                  + (size_t) (r / 2) * pw;
              const float *odd = even + (size_t) c * ph * pw;
              for (int col = 0; col < w; col++)
                dst[(size_t) r * w + col] = (col % 2 ? odd : even)[col / 2];
            }
        }
    });
  }

private:
  int pad_;
  int kernel_;
};

void
register_layers ()
{
  static std::once_flag once;
  std::call_once (once, [] {
    cv::dnn::LayerFactory::registerLayer ("NsSpaceToDepth", SpaceToDepthLayer::create);
    cv::dnn::LayerFactory::registerLayer ("NsDepthToSpace", DepthToSpaceLayer::create);
  });
}

// The kxk stride-1 weights O x C x k x k as the weights of the same
// convolution on space-to-depth input: 4O x 4C x K x K, K = k / 2 + 1.
// Output phase (py, px), tap (dy, dx) reads packed row (py + dy) / 2,
// phase (py + dy) % 2.
cv::Mat
packed_weights (const cv::Mat &w)
{
  const int o = w.size[0], c = w.size[1], k = w.size[2], kk = k / 2 + 1;
  const int sizes[] = { 4 * o, 4 * c, kk, kk };
  cv::Mat packed (4, sizes, CV_32F, cv::Scalar (0));
  for (int py = 0; py < 2; py++)
    for (int px = 0; px < 2; px++)
      for (int oc = 0; oc < o; oc++)
        for (int ic = 0; ic < c; ic++)
          for (int dy = 0; dy < k; dy++)
            for (int dx = 0; dx < k; dx++)
              {
                const int ry = py + dy, rx = px + dx;
                const int idx[] = { (py * 2 + px) * o + oc, ((ry % 2) * 2 + rx % 2) * c + ic,
                                    ry / 2, rx / 2 };
                const int src[] = { oc, ic, dy, dx };
                packed.at<float> (idx) = w.at<float> (src);
              }
  return packed;
}

// Parameters for a copy of one of the layers that may follow the last
// convolution, or false for a layer this file does not know.
bool
copy_params (const cv::Ptr<cv::dnn::Layer> &layer, LayerParams &params)
{
  params.name = layer->name;
  params.type = layer->type;
  params.blobs = layer->blobs;
  if (instance_norm_params (layer, params))
    return true;
  if (layer->type == "TanH" || layer->type == "Sigmoid" || layer->type == "Identity")
    return true;
  if (auto *relu = dynamic_cast<cv::dnn::ReLULayer *> (layer.get ()))
    {
      params.set ("negative_slope", relu->negativeSlope);
      return true;
    }
  if (auto *power = dynamic_cast<cv::dnn::PowerLayer *> (layer.get ()))
    {
      params.set ("power", power->power);
      params.set ("scale", power->scale);
      params.set ("shift", power->shift);
      return true;
    }
  if (auto *bn = dynamic_cast<cv::dnn::BatchNormLayer *> (layer.get ()))
    {
      params.set ("has_weight", bn->hasWeights);
      params.set ("has_bias", bn->hasBias);
      params.set ("eps", bn->epsilon);
      return layer->type == "BatchNorm";
    }
  if (auto *scale = dynamic_cast<cv::dnn::ScaleLayer *> (layer.get ()))
    {
      params.set ("bias_term", scale->hasBias);
      params.set ("axis", scale->axis);
      params.set ("mode", scale->mode);
      return layer->type == "Scale" && !layer->blobs.empty ();
    }
  return false;
}

bool
rewrite_disabled ()
{
  const char *v = g_getenv ("NEURAL_STYLE_NO_REWRITE");
  return v && *v && g_strcmp0 (v, "0") != 0;
}

} // namespace

std::unique_ptr<FastNet>
FastNet::build (cv::dnn::Net &net, NormContext *context, const std::vector<std::string> &norm_layers)
{
  if (rewrite_disabled ())
    return nullptr;
  register_layers ();

  try
    {
      const std::vector<std::string> names = net.getLayerNames ();
      // The last convolution, and everything after it one chain.
      int last = -1;
      for (size_t i = 0; i < names.size (); i++)
        if (net.getLayer (net.getLayerId (names[i]))->type == "Convolution")
          last = (int) i;
      if (last < 0)
        return nullptr;

      const int conv_id = net.getLayerId (names[last]);
      const cv::Ptr<cv::dnn::Layer> conv_layer = net.getLayer (conv_id);
      auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (conv_layer.get ());
      const std::vector<cv::Ptr<cv::dnn::Layer>> conv_inputs = net.getLayerInputs (conv_id);
      if (!conv || conv_inputs.size () != 1 || conv_layer->blobs.empty ())
        return nullptr;
      const cv::Mat &w = conv_layer->blobs[0];
      const int k = w.dims == 4 ? w.size[2] : 0;
      const auto square = [] (const std::vector<size_t> &v, size_t value) {
        return v.size () == 2 && v[0] == value && v[1] == value;
      };
      const int pad = conv->pads_begin.size () == 2 ? (int) conv->pads_begin[0] : -1;
      if (k < 5 || k % 2 == 0 || w.size[3] != k || w.size[0] > 4 || w.size[0] != conv->numOutput
          || !square (conv->kernel_size, k) || !square (conv->strides, 1)
          || !square (conv->dilations, 1) || !square (conv->pads_begin, pad)
          || !square (conv->pads_end, pad) || !conv->padMode.empty ()
          || conv_layer->blobs.size () > 2)
        return nullptr;

      // One group: the input has the weights' channels.
      std::vector<MatShape> in_shapes, out_shapes;
      net.getLayerShapes (MatShape { 1, 3, 64, 72 }, conv_id, in_shapes, out_shapes);
      if (in_shapes.size () != 1 || in_shapes[0].size () != 4 || in_shapes[0][1] != w.size[1])
        return nullptr;
      const std::string split = conv_inputs[0]->name;
      if (net.getLayerId (split) <= 0)
        return nullptr;

      auto fast = std::unique_ptr<FastNet> (new FastNet ());
      fast->split_ = split;
      cv::dnn::Net &tail = fast->tail_;

      LayerParams s2d;
      s2d.set ("pad", pad);
      const int packed = tail.addLayer (conv_layer->name + "/s2d", "NsSpaceToDepth", s2d);
      tail.connect (0, 0, packed, 0);

      LayerParams c;
      const int kk = k / 2 + 1, outputs = 4 * w.size[0];
      c.set ("kernel_h", kk);
      c.set ("kernel_w", kk);
      c.set ("num_output", outputs);
      c.set ("bias_term", conv_layer->blobs.size () == 2);
      c.blobs.push_back (packed_weights (w));
      if (conv_layer->blobs.size () == 2)
        {
          const cv::Mat bias = conv_layer->blobs[1].reshape (1, 1);
          c.blobs.push_back (cv::repeat (bias, 1, 4));
        }
      const int packed_out = tail.addLayer (conv_layer->name + "/packed", "Convolution", c);
      tail.connect (packed, 0, packed_out, 0);

      LayerParams d2s;
      d2s.set ("pad", pad);
      d2s.set ("kernel", k);
      int x = tail.addLayer (conv_layer->name, "NsDepthToSpace", d2s);
      tail.connect (packed_out, 0, x, 0);
      tail.connect (0, 0, x, 1);

      for (size_t i = last + 1; i < names.size (); i++)
        {
          const int id = net.getLayerId (names[i]);
          const std::vector<cv::Ptr<cv::dnn::Layer>> inputs = net.getLayerInputs (id);
          LayerParams p;
          if (inputs.size () != 1 || inputs[0]->name != names[i - 1]
              || !copy_params (net.getLayer (id), p))
            return nullptr;
          const int y = tail.addLayer (names[i], p.type, p);
          tail.connect (x, 0, y, 0);
          x = y;
          fast->tail_names_.push_back (names[i]);
        }
      tail.setInputsNames ({ "x" });
      tail.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
      tail.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
      tail.enableFusion (false);

      for (const std::string &name : fast->tail_names_)
        {
          const auto it = std::find (norm_layers.begin (), norm_layers.end (), name);
          if (it != norm_layers.end ())
            bind_instance_norm_layer (tail, name, context, (int) (it - norm_layers.begin ()));
        }
      return fast;
    }
  catch (const cv::Exception &)
    {
      return nullptr;
    }
}

cv::Mat
FastNet::forward (cv::dnn::Net &net, const cv::Mat &blob, const std::string &upto)
{
  net.setInput (blob);
  const bool in_tail = upto.empty ()
                       || std::find (tail_names_.begin (), tail_names_.end (), upto) != tail_names_.end ();
  if (!in_tail)
    return net.forward (upto);
  tail_.setInput (net.forward (split_));
  return upto.empty () ? tail_.forward () : tail_.forward (upto);
}

} // namespace ns
