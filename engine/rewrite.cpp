// rewrite.cpp: see rewrite.hpp.
#include "rewrite.hpp"
#include "activation.hpp"
#include "split-deconv.hpp"
#include "winograd.hpp"
#include "conv-gemm.hpp"
#include "tap-sum.hpp"

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <glib.h>

#include <algorithm>

namespace ns {

using cv::dnn::MatShape;

bool
rewrites_enabled ()
{
  const char *v = g_getenv ("NEURAL_STYLE_NO_REWRITE");
  return !(v && *v && g_strcmp0 (v, "0") != 0);
}

MatShape
LayerRunner::output_shape (const MatShape &input)
{
  if (input != finalized_for_)
    {
      std::vector<MatShape> outputs, internals;
      layer_->getMemoryShapes ({ input }, 1, outputs, internals);
      CV_Assert (outputs.size () == 1);
      output_ = outputs[0];
      internals_.clear ();
      for (const MatShape &s : internals)
        internals_.emplace_back ((int) s.size (), s.data (), CV_32F);
    }
  return output_;
}

void
LayerRunner::forward (const cv::Mat &x, cv::Mat &y)
{
  const MatShape in = shape_of (x);
  output_shape (in);
  std::vector<cv::Mat> inputs { x }, outputs { y };
  if (in != finalized_for_)
    {
      layer_->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
      finalized_for_ = in;
    }
  layer_->forward (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs),
                   cv::OutputArrayOfArrays (internals_));
}

cv::Ptr<cv::dnn::Layer>
make_convolution (const cv::Mat &weights, const cv::Mat &bias, int kernel_h, int kernel_w,
                  int pad_h, int pad_w, int groups)
{
  cv::dnn::LayerParams p;
  p.type = "Convolution";
  p.set ("kernel_h", kernel_h);
  p.set ("kernel_w", kernel_w);
  p.set ("pad_h", pad_h);
  p.set ("pad_w", pad_w);
  p.set ("num_output", weights.size[0]);
  p.set ("group", groups);
  p.set ("bias_term", !bias.empty ());
  p.blobs.push_back (weights);
  if (!bias.empty ())
    p.blobs.push_back (bias.reshape (1, 1));
  return cv::dnn::ConvolutionLayer::create (p);
}

namespace {

// A kernel for a convolution layer.  An input with another number of
// channels than the weights' (which OpenCV runs as a grouped convolution)
// goes to the original layer.
class ConvolutionKernel : public Kernel
{
public:
  explicit ConvolutionKernel (const cv::Ptr<cv::dnn::Layer> &layer)
    : layer_ (layer), original_ (layer), channels_ (layer->blobs[0].size[1])
  {
  }

  MatShape
  output_shape (const MatShape &in) const final
  {
    return ours (in) ? shape (in) : original_.output_shape (in);
  }

  void
  forward (const cv::Mat &x, cv::Mat &y) final
  {
    if (ours (shape_of (x)))
      run (x, y);
    else
      {
        original_.forward (x, y);
        if (relu_)
          cv::max (y, 0.0, y);
      }
  }

protected:
  virtual MatShape shape (const MatShape &in) const = 0;
  virtual void run (const cv::Mat &x, cv::Mat &y) = 0;

  // Whether an input of shape `in` is for the kernel (else the layer).
  bool ours (const MatShape &in) const { return in.size () == 4 && in[0] == 1 && in[1] == channels_; }

  const cv::Ptr<cv::dnn::Layer> layer_;
  bool relu_ = false; // run () applies it too

private:

  mutable LayerRunner original_;
  int channels_;
};

// The last 9x9 convolution of a Johnson-style network (32 feature maps to
// 3 colours) runs at a fraction of the arithmetic speed as an im2col
// product: only 3 outputs share each value read.  TapSum (tap-sum.hpp)
// multiplies every tap's weights by the input rows as they are (243 rows
// of products, full panels, no gather) and adds the products up shifted.
class TapSumConvolution : public ConvolutionKernel
{
public:
  TapSumConvolution (const cv::Ptr<cv::dnn::Layer> &original, const cv::Mat &w, const cv::Mat &bias,
                     int pad, bool reflect)
    : ConvolutionKernel (original), conv_ (w, bias, pad, reflect)
  {
  }

  std::string
  describe () const override
  {
    return "engine tap-sum " + std::to_string (conv_.kernel ()) + "x" + std::to_string (conv_.kernel ())
           + " " + std::to_string (conv_.in_channels ()) + "->" + std::to_string (conv_.out_channels ())
           + (conv_.reflect () ? " mirror-padded" : "");
  }

protected:
  MatShape shape (const MatShape &in) const override { return conv_.output_shape (in); }
  void run (const cv::Mat &x, cv::Mat &y) override { conv_.forward (x, y); }

private:
  TapSum conv_;
};

bool
square (const std::vector<size_t> &v, size_t value)
{
  return v.size () == 2 && v[0] == value && v[1] == value;
}

// Below this many input channels (Magenta's last layer has 8), the
// products of one input value by 243 taps cost more than they save:
// ConvGemm runs 9x9 8->3 1.4 times as fast, 16->3 1.3 times slower.
constexpr int kMinTapSumChannels = 16;

// A stride-1 convolution with an odd kernel of 5 or more from at least
// kMinTapSumChannels to at most 4 channels, the same pad on every side
// (`more_pads` from a Padding layer before it, which mirrors the edge
// when `reflect`): the last layer of Johnson's networks.
std::unique_ptr<Kernel>
tap_sum_convolution (const cv::Ptr<cv::dnn::Layer> &layer, const cv::Vec4i &more_pads = cv::Vec4i (),
                     bool reflect = false)
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || layer->type != "Convolution" || layer->blobs.empty () || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  const int k = w.dims == 4 ? w.size[2] : 0;
  if (w.type () != CV_32F || k < 5 || k % 2 == 0 || w.size[3] != k || w.size[0] > 4
      || w.size[1] < kMinTapSumChannels || w.size[0] != conv->numOutput || !square (conv->kernel_size, k)
      || !square (conv->strides, 1) || !square (conv->dilations, 1) || conv->pads_begin.size () != 2
      || conv->pads_end.size () != 2 || !conv->padMode.empty ())
    return nullptr;
  const cv::Vec4i own ((int) conv->pads_begin[0], (int) conv->pads_begin[1], (int) conv->pads_end[0],
                       (int) conv->pads_end[1]);
  const cv::Vec4i pads = more_pads + own;
  const int pad = pads[0];
  // Mirrored pads come before the convolution's own.
  if (pads != cv::Vec4i::all (pad) || pad < 0 || (reflect && (own != cv::Vec4i () || pad >= k)))
    return nullptr;
  // Its scratch is one strip of products per thread (280 KB at 9x9 32->3)
  // whatever the image size: nothing per pixel.
  return std::make_unique<TapSumConvolution> (layer, w, layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat (),
                                              pad, reflect);
}

// A stride-2 transposed convolution as four small convolutions
// (split-deconv.hpp): no col2im buffer, the first pass at a size 1.5-2x
// faster, and a crop after it folded in.
class TransposedConvolution : public Kernel
{
public:
  explicit TransposedConvolution (const cv::Ptr<cv::dnn::Layer> &layer)
    : layer_ (layer), split_ (*layer)
  {
  }

  MatShape output_shape (const MatShape &in) const override { return split_.output_shape (in); }
  double scratch_bytes_per_pixel () const { return split_.scratch_bytes_per_pixel (); }
  void forward (const cv::Mat &x, cv::Mat &y) override { split_.forward (x, y); }
  std::vector<size_t> scratch_floats (const MatShape &in) const override { return split_.scratch_floats (in); }

  std::string
  describe () const override
  {
    const cv::Mat &w = layer_->blobs[0]; // C x O x k x k
    return "engine split deconv " + std::to_string (w.size[0]) + "->" + std::to_string (w.size[1]);
  }

  bool
  fold (const cv::dnn::Layer &slice)
  {
    cv::Vec4i crop;
    if (!SplitDeconv::slice_crop (slice, crop))
      return false;
    split_ = SplitDeconv (*layer_, crop);
    return true;
  }

private:
  cv::Ptr<cv::dnn::Layer> layer_;
  SplitDeconv split_;
};

std::unique_ptr<Kernel>
transposed_convolution (const cv::Ptr<cv::dnn::Layer> &layer, double scale,
                        const std::shared_ptr<PaddedScratch> &scratch)
{
  if (!SplitDeconv::applies (*layer))
    return nullptr;
  auto kernel = std::make_unique<TransposedConvolution> (layer);
  scratch->bytes_per_pixel = std::max (scratch->bytes_per_pixel, scale * kernel->scratch_bytes_per_pixel ());
  return kernel;
}

// A 3x3 stride-1 convolution as Winograd F(4x4,3x3) (winograd.hpp):
// OpenCV 4.6 has no Winograd of its own, and 4.10's is slower (no AVX-512).
// Only wide ones: the residual blocks' 128 to 128 channels are a third to
// a half of the network's time.
class WinogradConvolution : public ConvolutionKernel
{
public:
  WinogradConvolution (const cv::Ptr<cv::dnn::Layer> &layer, int pad)
    : ConvolutionKernel (layer),
      winograd_ (layer->blobs[0], layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat (), pad)
  {
  }

  std::string
  describe () const override
  {
    const cv::Mat &w = layer_->blobs[0];
    return "engine winograd 3x3 " + std::to_string (w.size[1]) + "->" + std::to_string (w.size[0]);
  }

protected:
  MatShape shape (const MatShape &in) const override { return winograd_.output_shape (in); }
  void run (const cv::Mat &x, cv::Mat &y) override { winograd_.forward (x, y); }

private:
  ns::Winograd3x3 winograd_;
};

constexpr int kMinWinogradChannels = 64;

std::unique_ptr<Kernel>
winograd_convolution (const cv::Ptr<cv::dnn::Layer> &layer)
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || layer->type != "Convolution" || layer->blobs.empty () || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  const int pad = conv->pads_begin.size () == 2 ? (int) conv->pads_begin[0] : -1;
  if (w.type () != CV_32F || w.dims != 4 || w.size[2] != 3 || w.size[3] != 3
      || w.size[0] != conv->numOutput || w.size[0] < kMinWinogradChannels
      || w.size[1] < kMinWinogradChannels || !square (conv->kernel_size, 3)
      || !square (conv->strides, 1) || !square (conv->dilations, 1) || pad < 0 || pad > 1
      || !square (conv->pads_begin, pad) || !square (conv->pads_end, pad) || !conv->padMode.empty ())
    return nullptr;
  // Its scratch is one band of tiles (about 19 MB at 128 channels)
  // whatever the image size: nothing per pixel.
  return std::make_unique<WinogradConvolution> (layer, pad);
}

// Any other convolution (no dilation, the same stride on both axes) as the
// engine's matrix product (conv-gemm.hpp).
class GemmConvolution : public ConvolutionKernel
{
public:
  GemmConvolution (const cv::Ptr<cv::dnn::Layer> &layer, int stride, const cv::Vec4i &pads,
                   const ConvInput &input, std::shared_ptr<PaddedScratch> scratch)
    : ConvolutionKernel (layer),
      conv_ (layer->blobs[0], layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat (), stride, pads,
             input, std::move (scratch)),
      stride_ (stride), input_ (input)
  {
  }

  bool
  fold_relu () override
  {
    conv_.fold_relu ();
    relu_ = true;
    return true;
  }

  std::string
  describe () const override
  {
    const cv::Mat &w = layer_->blobs[0];
    return "engine gemm " + std::to_string (w.size[2]) + "x" + std::to_string (w.size[3]) + " s"
           + std::to_string (stride_) + " " + std::to_string (w.size[1]) + "->"
           + std::to_string (w.size[0])
           + (input_.upsample > 1 ? " upsampling x" + std::to_string (input_.upsample) : "")
           + (input_.reflect ? " mirror-padded" : "");
  }

  std::vector<size_t>
  scratch_floats (const MatShape &in) const override
  {
    return ours (in) ? conv_.scratch_floats (in, conv_.output_shape (in)) : std::vector<size_t> ();
  }

protected:
  MatShape shape (const MatShape &in) const override { return conv_.output_shape (in); }
  void run (const cv::Mat &x, cv::Mat &y) override { conv_.forward (x, y); }

public:
  bool reads_halves () const { return conv_.reads_halves (); }

private:
  ConvGemm conv_;
  int stride_;
  ConvInput input_;
};

std::unique_ptr<Kernel>
gemm_convolution (const cv::Ptr<cv::dnn::Layer> &layer, double scale,
                  const std::shared_ptr<PaddedScratch> &scratch, const cv::Vec4i &more_pads = cv::Vec4i (),
                  const ConvInput &input = ConvInput ())
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || layer->type != "Convolution" || layer->blobs.empty () || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  const int stride = conv->strides.size () == 2 ? (int) conv->strides[0] : 0;
  if (w.type () != CV_32F || w.dims != 4 || !w.isContinuous () || w.size[0] != conv->numOutput
      || conv->kernel_size.size () != 2 || (int) conv->kernel_size[0] != w.size[2]
      || (int) conv->kernel_size[1] != w.size[3] || stride < 1 || !square (conv->strides, stride)
      || !square (conv->dilations, 1) || conv->pads_begin.size () != 2
      || conv->pads_end.size () != 2 || !conv->padMode.empty ())
    return nullptr;
  const cv::Vec4i own ((int) conv->pads_begin[0], (int) conv->pads_begin[1], (int) conv->pads_end[0],
                       (int) conv->pads_end[1]);
  const bool plain = input.upsample == 1 && !input.reflect;
  // Mirrored pads and upsampling come before the convolution's own pads;
  // only stride 1 upsamples.
  if (!plain && (own != cv::Vec4i () || (input.upsample != 1 && stride != 1)))
    return nullptr;
  const cv::Vec4i pads = more_pads + own;
  auto kernel = std::make_unique<GemmConvolution> (layer, stride, pads, input, scratch);
  // Stride 1 with pads: a padded copy of the input (`scale` is already
  // the upsampled input's), in floats, or in halves where the products
  // read them (half precision may be off for a job: floats counted); a
  // copy in halves of an input not padded.
  double bytes = 0;
  if (stride == 1 && (!plain || pads != cv::Vec4i ()))
    bytes = sizeof (float);
  else if (kernel->reads_halves ())
    bytes = sizeof (uint16_t);
  scratch->bytes_per_pixel = std::max (scratch->bytes_per_pixel, scale * bytes * w.size[1]);
  return kernel;
}

// Runs `layer` on `x`, distinct values of shape `in`; its output (of shape
// `out`), or empty when that is not one 4-D blob of as many channels.
cv::Mat
probe_output (const cv::Ptr<cv::dnn::Layer> &layer, const MatShape &in, MatShape &out, cv::Mat &x)
{
  std::vector<MatShape> outs, internals;
  layer->getMemoryShapes ({ in }, 1, outs, internals);
  if (outs.size () != 1 || outs[0].size () != 4 || outs[0][0] != 1 || outs[0][1] != in[1])
    return cv::Mat ();
  out = outs[0];
  x.create (in, CV_32F);
  cv::Mat y (out, CV_32F, cv::Scalar (NAN));
  for (size_t i = 0; i < x.total (); i++)
    x.ptr<float> ()[i] = (float) (i + 1);
  LayerRunner runner (layer);
  runner.forward (x, y);
  return y;
}

// Channel c of a 1 x C x H x W blob.
cv::Mat
plane (const cv::Mat &m, int c)
{
  return cv::Mat (m.size[2], m.size[3], CV_32F, const_cast<float *> (m.ptr<float> (0, c)));
}

// If `layer` pads a 4-D input on the last two axes, with zeros or by
// mirroring its edge (`reflect`, as BORDER_REFLECT_101): its pads (top,
// left, bottom, right).  Asked of the layer itself: its output shapes at
// two sizes, and its output for distinct values.
bool
padding_of (const cv::Ptr<cv::dnn::Layer> &layer, cv::Vec4i &pads, bool &reflect)
{
  if (layer->type != "Padding")
    return false;
  const MatShape sizes[] = { { 1, 2, 6, 9 }, { 1, 2, 5, 7 } };
  try
    {
      MatShape out;
      cv::Mat x, y;
      for (const MatShape &in : sizes)
        {
          if ((y = probe_output (layer, in, out, x)).empty () || out[2] < in[2] || out[3] < in[3])
            return false;
          if (&in == &sizes[0])
            pads = cv::Vec4i (0, 0, out[2] - in[2], out[3] - in[3]); // totals
          else if (pads[2] != out[2] - in[2] || pads[3] != out[3] - in[3])
            return false; // pads that depend on the size
        }
      const MatShape &in = sizes[1];
      // Where the first value went is the leading pad (mirrored pads do not
      // repeat the edge: it is there only).
      cv::Point at;
      cv::minMaxLoc (plane (y, 0) == 1.0f, nullptr, nullptr, nullptr, &at);
      pads = cv::Vec4i (at.y, at.x, pads[2] - at.y, pads[3] - at.x);
      if (pads[2] < 0 || pads[3] < 0)
        return false;
      bool zeros = true, mirrored = true;
      for (int c = 0; c < 2; c++)
        {
          cv::Mat zero_want (out[2], out[3], CV_32F, cv::Scalar (0)), mirror_want;
          plane (x, c).copyTo (zero_want (cv::Rect (pads[1], pads[0], in[3], in[2])));
          cv::copyMakeBorder (plane (x, c), mirror_want, pads[0], pads[2], pads[1], pads[3],
                              cv::BORDER_REFLECT_101);
          zeros = zeros && cv::norm (plane (y, c), zero_want, cv::NORM_INF) == 0;
          mirrored = mirrored && cv::norm (plane (y, c), mirror_want, cv::NORM_INF) == 0;
        }
      reflect = !zeros;
      return zeros || mirrored;
    }
  catch (const cv::Exception &)
    {
      return false;
    }
}

// If `layer` upsamples a 4-D input by a whole factor on the last two axes,
// nearest neighbour: the factor.  Asked of the layer as padding_of does.
int
upsampling_of (const cv::Ptr<cv::dnn::Layer> &layer)
{
  if (layer->type != "Resize")
    return 0;
  try
    {
      int factor = 0;
      for (const MatShape &in : { MatShape { 1, 2, 6, 9 }, MatShape { 1, 2, 5, 7 } })
        {
          MatShape out;
          cv::Mat x;
          const cv::Mat y = probe_output (layer, in, out, x);
          if (y.empty () || out[2] % in[2] || out[2] / in[2] < 2 || out[3] != out[2] / in[2] * in[3]
              || (factor && out[2] / in[2] != factor))
            return 0;
          factor = out[2] / in[2];
          for (int c = 0; c < 2; c++)
            for (int r = 0; r < out[2]; r++)
              for (int k = 0; k < out[3]; k++)
                if (plane (y, c).at<float> (r, k) != (float) (1 + (c * in[2] + r / factor) * in[3] + k / factor))
                  return 0;
        }
      return factor;
    }
  catch (const cv::Exception &)
    {
      return 0;
    }
}

// A 3x3 convolution of its input upsampled 2x and mirrored by one pixel,
// as four 2x2 convolutions of the input (split-deconv.hpp).
class UpsampledConvolution : public ConvolutionKernel
{
public:
  explicit UpsampledConvolution (const cv::Ptr<cv::dnn::Layer> &layer)
    : ConvolutionKernel (layer),
      conv_ (layer->blobs[0], layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat ())
  {
  }

  std::string
  describe () const override
  {
    return "engine upsampled x2 mirror-padded 3x3 " + std::to_string (conv_.in_channels ()) + "->"
           + std::to_string (conv_.out_channels ()) + " as 2x2 phases";
  }

  std::vector<size_t>
  scratch_floats (const MatShape &in) const override
  {
    return ours (in) ? conv_.scratch_floats (in) : std::vector<size_t> ();
  }

protected:
  MatShape shape (const MatShape &in) const override { return conv_.output_shape (in); }
  void run (const cv::Mat &x, cv::Mat &y) override { conv_.forward (x, y); }

private:
  UpsampledConv conv_;
};

// Magenta's decoder convolutions: upsampled 2x, mirrored by one, 3x3,
// stride 1, no pads of their own.
std::unique_ptr<Kernel>
upsampled_convolution (const cv::Ptr<cv::dnn::Layer> &layer, const cv::Vec4i &pads, const ConvInput &input,
                       double scale, const std::shared_ptr<PaddedScratch> &scratch)
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || input.upsample != 2 || !input.reflect || pads != cv::Vec4i::all (1) || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  if (w.type () != CV_32F || w.dims != 4 || w.size[0] != conv->numOutput || w.size[2] != 3 || w.size[3] != 3
      || !square (conv->kernel_size, 3) || !square (conv->strides, 1) || !square (conv->dilations, 1)
      || !square (conv->pads_begin, 0) || !square (conv->pads_end, 0) || !conv->padMode.empty ()
      || (layer->blobs.size () == 2 && (int) layer->blobs[1].total () != w.size[0]))
    return nullptr;
  // Its scratch is the input with its edge repeated, in floats: a quarter
  // of the upsampled input's values (`scale` counts the upsampled input's
  // pixels).  Counted as the direct convolution's padded copy of the
  // upsampled input was, four times as much: the tile plans stay as they
  // were.
  scratch->bytes_per_pixel = std::max (scratch->bytes_per_pixel, scale * sizeof (float) * w.size[1]);
  return std::make_unique<UpsampledConvolution> (layer);
}

// A 3x3 stride-1 convolution of its input mirrored by one pixel (a
// Padding layer's "reflect", BORDER_REFLECT_101) as Winograd F(4x4,3x3)
// of a mirrored copy: Magenta's transfer network's ten 32 -> 32
// convolutions, 45 % of its layer time as matrix products.  On AMD Zen 3
// (AVX2), 32 channels at 500x375, alternating: 44-58 ms of CPU against
// 68-97 ms for the matrix product (its own mirrored copy included); at 16
// channels 23-25 against 25-35 ms, not worth the copy: 32 and up.
class MirroredWinogradConvolution : public ConvolutionKernel
{
public:
  explicit MirroredWinogradConvolution (const cv::Ptr<cv::dnn::Layer> &layer)
    : ConvolutionKernel (layer),
      winograd_ (layer->blobs[0], layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat (), 0)
  {
  }

  std::string
  describe () const override
  {
    const cv::Mat &w = layer_->blobs[0];
    return "engine winograd 3x3 " + std::to_string (w.size[1]) + "->" + std::to_string (w.size[0])
           + " mirror-padded";
  }

  // The mirrored copy.
  std::vector<size_t>
  scratch_floats (const MatShape &in) const override
  {
    if (!ours (in))
      return {};
    return { (size_t) in[1] * (in[2] + 2) * (in[3] + 2) };
  }

protected:
  MatShape
  shape (const MatShape &in) const override
  {
    return winograd_.output_shape ({ 1, in[1], in[2] + 2, in[3] + 2 });
  }

  // (A single row or column mirrors onto itself.)
  void run (const cv::Mat &x, cv::Mat &y) override { winograd_.forward (bordered_copy (x, cv::BORDER_REFLECT_101), y); }

private:
  ns::Winograd3x3 winograd_;
};

constexpr int kMinMirroredWinogradChannels = 32;

// A 3x3 stride-1 convolution without pads of its own, its input mirrored
// by one pixel on each side, at least 32 channels in and out; its
// mirrored copy counted in `scratch` as the matrix product's padded one.
std::unique_ptr<Kernel>
mirrored_winograd (const cv::Ptr<cv::dnn::Layer> &layer, const cv::Vec4i &pads, const ConvInput &input,
                   double scale, const std::shared_ptr<PaddedScratch> &scratch)
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || input.upsample != 1 || !input.reflect || pads != cv::Vec4i::all (1) || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  if (w.type () != CV_32F || w.dims != 4 || w.size[0] != conv->numOutput || w.size[2] != 3 || w.size[3] != 3
      || w.size[0] < kMinMirroredWinogradChannels || w.size[1] < kMinMirroredWinogradChannels
      || !square (conv->kernel_size, 3) || !square (conv->strides, 1) || !square (conv->dilations, 1)
      || !square (conv->pads_begin, 0) || !square (conv->pads_end, 0) || !conv->padMode.empty ()
      || (layer->blobs.size () == 2 && (int) layer->blobs[1].total () != w.size[0]))
    return nullptr;
  scratch->bytes_per_pixel = std::max (scratch->bytes_per_pixel, scale * sizeof (float) * w.size[1]);
  return std::make_unique<MirroredWinogradConvolution> (layer);
}

} // namespace

std::unique_ptr<Kernel>
rewrite_padded (const cv::Ptr<cv::dnn::Layer> &conv, const cv::Ptr<cv::dnn::Layer> &padding,
                const cv::Ptr<cv::dnn::Layer> &resize, int channels, double scale,
                const std::shared_ptr<PaddedScratch> &scratch)
{
  cv::Vec4i pads;
  ConvInput input;
  if (conv->type != "Convolution" || conv->blobs.empty () || conv->blobs[0].dims != 4
      || conv->blobs[0].size[1] != channels || !padding_of (padding, pads, input.reflect)
      || (resize && (input.upsample = upsampling_of (resize)) == 0))
    return nullptr;
  if (!resize)
    if (auto k = tap_sum_convolution (conv, pads, input.reflect))
      return k;
  if (auto k = upsampled_convolution (conv, pads, input, scale, scratch))
    return k;
  if (auto k = mirrored_winograd (conv, pads, input, scale, scratch))
    return k;
  return gemm_convolution (conv, scale, scratch, pads, input);
}

std::unique_ptr<Kernel>
rewrite_layer (const cv::Ptr<cv::dnn::Layer> &layer, double scale,
               const std::shared_ptr<PaddedScratch> &scratch)
{
  if (auto k = tap_sum_convolution (layer))
    return k;
  if (auto k = transposed_convolution (layer, scale, scratch))
    return k;
  if (auto k = winograd_convolution (layer))
    return k;
  if (auto k = gemm_convolution (layer, scale, scratch))
    return k;
  return activation_kernel (*layer);
}

bool
fold_crop (std::unique_ptr<Kernel> &kernel, const cv::dnn::Layer &slice)
{
  auto *t = dynamic_cast<TransposedConvolution *> (kernel.get ());
  return t && slice.type == "Slice" && t->fold (slice);
}

} // namespace ns
