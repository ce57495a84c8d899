// rewrite.cpp: see rewrite.hpp.
#include "rewrite.hpp"
#include "split-deconv.hpp"
#include "winograd.hpp"
#include "conv-gemm.hpp"

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
      original_.forward (x, y);
  }

protected:
  virtual MatShape shape (const MatShape &in) const = 0;
  virtual void run (const cv::Mat &x, cv::Mat &y) = 0;

  // Whether an input of shape `in` is for the kernel (else the layer).
  bool ours (const MatShape &in) const { return in.size () == 4 && in[0] == 1 && in[1] == channels_; }

  const cv::Ptr<cv::dnn::Layer> layer_;

private:

  mutable LayerRunner original_;
  int channels_;
};

// The last 9x9 convolution of a Johnson-style network (32 feature maps to
// 3 colours) runs at a fraction of the arithmetic speed: only 3 outputs
// share each value read (OpenCV 4.6's im2row gathers them one at a time;
// the engine's matrix product would fill 3 of its kernel's 8 rows).  The
// same convolution on the image packed 2x2 into channels (space-to-depth)
// is a 5x5 one from 4x the channels to 4x the colours (12 of 16 rows
// used: 38 % fewer multiply-adds per pixel than 3 of 8), run by the
// engine's matrix product; unpacking the result gives the same numbers.
class PackedConvolution : public ConvolutionKernel
{
public:
  PackedConvolution (const cv::Ptr<cv::dnn::Layer> &original, const cv::Mat &w, const cv::Mat &bias,
                     int pad)
    : ConvolutionKernel (original), channels_ (w.size[1]), outputs_ (w.size[0]), kernel_ (w.size[2]),
      pad_ (pad), packed_ (packed_weights (w), bias.empty () ? bias : cv::repeat (bias.reshape (1, 1), 1, 4),
                           1, cv::Vec4i ())
  {
  }

  std::string
  describe () const override
  {
    return "engine packed " + std::to_string (kernel_) + "x" + std::to_string (kernel_) + " "
           + std::to_string (channels_) + "->" + std::to_string (outputs_);
  }

protected:
  MatShape
  shape (const MatShape &in) const override
  {
    return MatShape { in[0], outputs_, in[2] + 2 * pad_ - kernel_ + 1,
                      in[3] + 2 * pad_ - kernel_ + 1 };
  }

  void
  run (const cv::Mat &x, cv::Mat &y) override
  {
    const MatShape in = shape_of (x);
    const MatShape s2d { 1, 4 * channels_, (in[2] + 2 * pad_ + 1) / 2, (in[3] + 2 * pad_ + 1) / 2 };
    if (shape_of (packed_in_) != s2d)
      packed_in_.create ((int) s2d.size (), s2d.data (), CV_32F);
    space_to_depth (x, packed_in_);
    const MatShape out = packed_.output_shape (s2d);
    if (shape_of (packed_out_) != out)
      packed_out_.create ((int) out.size (), out.data (), CV_32F);
    packed_.forward (packed_in_, packed_out_);
    depth_to_space (packed_out_, y);
  }

private:
  // The kxk stride-1 weights O x C x k x k as the weights of the same
  // convolution on space-to-depth input: 4O x 4C x K x K, K = k / 2 + 1.
  // Output phase (py, px), tap (dy, dx) reads packed row (py + dy) / 2,
  // phase (py + dy) % 2.
  static cv::Mat
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

  // C x H x W -> 4C x ceil((H+2p)/2) x ceil((W+2p)/2): the input
  // zero-padded by `pad` on every side (and to even sides), each 2x2
  // block's pixels as channels (qy * 2 + qx) * C + c.
  void
  space_to_depth (const cv::Mat &x, cv::Mat &y) const
  {
    const int c = x.size[1], h = x.size[2], w = x.size[3];
    const int oh = y.size[2], ow = y.size[3];
    cv::parallel_for_ (cv::Range (0, 4 * c), [&] (const cv::Range &range) {
      for (int i = range.start; i < range.end; i++)
        {
          const int q = i / c, ch = i % c, qy = q / 2, qx = q % 2;
          for (int r = 0; r < oh; r++)
            {
              float *dst = y.ptr<float> (0, i, r);
              const int sy = 2 * r + qy - pad_;
              if (sy < 0 || sy >= h)
                {
                  std::fill (dst, dst + ow, 0.0f);
                  continue;
                }
              const float *row = x.ptr<float> (0, ch, sy);
              for (int col = 0; col < ow; col++)
                {
                  const int sx = 2 * col + qx - pad_;
                  dst[col] = sx >= 0 && sx < w ? row[sx] : 0.0f;
                }
            }
        }
    });
  }

  // The inverse packing of the convolution's output (channel
  // (py * 2 + px) * C + c), cropped to y's size.
  static void
  depth_to_space (const cv::Mat &x, cv::Mat &y)
  {
    const int c = y.size[1], h = y.size[2], w = y.size[3];
    CV_Assert (x.size[1] == 4 * c && 2 * x.size[2] >= h && 2 * x.size[3] >= w);
    // A few colour planes: not worth threads.
    for (int ch = 0; ch < c; ch++)
      for (int r = 0; r < h; r++)
        {
          float *dst = y.ptr<float> (0, ch, r);
          const float *even = x.ptr<float> (0, (r % 2) * 2 * c + ch, r / 2);
          const float *odd = x.ptr<float> (0, ((r % 2) * 2 + 1) * c + ch, r / 2);
          for (int col = 0; col + 1 < w; col += 2)
            {
              dst[col] = even[col / 2];
              dst[col + 1] = odd[col / 2];
            }
          if (w % 2)
            dst[w - 1] = even[w / 2];
        }
  }

  int channels_;
  int outputs_;
  int kernel_;
  int pad_;
  ConvGemm packed_;
  cv::Mat packed_in_;
  cv::Mat packed_out_;
};

bool
square (const std::vector<size_t> &v, size_t value)
{
  return v.size () == 2 && v[0] == value && v[1] == value;
}

// A stride-1 convolution with an odd kernel of 5 or more to at most 4
// channels: the last layer of Johnson's networks.
std::unique_ptr<Kernel>
packed_convolution (const cv::Ptr<cv::dnn::Layer> &layer, double scale, double &extra)
{
  auto *conv = dynamic_cast<cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!conv || layer->type != "Convolution" || layer->blobs.empty () || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  const int k = w.dims == 4 ? w.size[2] : 0;
  const int pad = conv->pads_begin.size () == 2 ? (int) conv->pads_begin[0] : -1;
  if (w.type () != CV_32F || k < 5 || k % 2 == 0 || w.size[3] != k || w.size[0] > 4
      || w.size[0] != conv->numOutput || !square (conv->kernel_size, k)
      || !square (conv->strides, 1) || !square (conv->dilations, 1)
      || !square (conv->pads_begin, pad) || !square (conv->pads_end, pad) || !conv->padMode.empty ())
    return nullptr;
  // The packed copy of the input (as large as it) and the packed output.
  extra += scale * 4.0 * (w.size[1] + 4 * w.size[0]);
  return std::make_unique<PackedConvolution> (layer, w, layer->blobs.size () == 2 ? layer->blobs[1] : cv::Mat (), pad);
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
  // Mirrored pads and upsampling come before the convolution's own pads.
  if (!plain && (stride != 1 || own != cv::Vec4i ()))
    return nullptr;
  const cv::Vec4i pads = more_pads + own;
  // Stride 1 with pads: a padded copy of the input (`scale` is already
  // the upsampled input's).
  if (stride == 1 && (!plain || pads != cv::Vec4i ()))
    scratch->bytes_per_pixel = std::max (scratch->bytes_per_pixel, scale * sizeof (float) * w.size[1]);
  return std::make_unique<GemmConvolution> (layer, stride, pads, input, scratch);
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
  return gemm_convolution (conv, scale, scratch, pads, input);
}

std::unique_ptr<Kernel>
rewrite_layer (const cv::Ptr<cv::dnn::Layer> &layer, double scale, double &extra_bytes_per_pixel,
               const std::shared_ptr<PaddedScratch> &scratch)
{
  if (auto k = packed_convolution (layer, scale, extra_bytes_per_pixel))
    return k;
  if (auto k = transposed_convolution (layer, scale, scratch))
    return k;
  if (auto k = winograd_convolution (layer))
    return k;
  if (auto k = gemm_convolution (layer, scale, scratch))
    return k;
  return nullptr;
}

bool
fold_crop (std::unique_ptr<Kernel> &kernel, const cv::dnn::Layer &slice)
{
  auto *t = dynamic_cast<TransposedConvolution *> (kernel.get ());
  return t && slice.type == "Slice" && t->fold (slice);
}

} // namespace ns
