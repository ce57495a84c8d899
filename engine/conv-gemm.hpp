// conv-gemm.hpp: a convolution as the engine's own matrix product.
//
// For each run of output pixels (one panel of gemm.hpp's columns), the
// input values every output pixel reads (C x kh x kw of them) are gathered
// into the panel (im2col) and multiplied by the weights.  OpenCV does the
// same, but its kernels differ between versions: 4.10's convolution runs
// this network's stride-2, 9x9 and small transposed layers 1.3-1.5x slower
// than 4.6's, and 4.6's gathers one value at a time.  With this kernel
// those layers run the same code on both.
#pragma once

#include "gemm.hpp"

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn.hpp>
#pragma GCC diagnostic pop

#include <functional>
#include <memory>

namespace ns {

// What a convolution reads, made from its input x of H x W: x upsampled
// by a whole factor (nearest neighbour: `upsample` H x `upsample` W; stride
// 1 only), and padded with zeros or by mirroring that edge (`reflect`, as
// OpenCV's "reflect" Padding layer, BORDER_REFLECT_101).
// The layers that would do it before the convolution are folded into it.
struct ConvInput
{
  int upsample = 1;
  bool reflect = false;
};

// The plan of the kernels' scratch buffers (the padded input of a
// stride-1 convolution, in halves where it reads them), which come from
// the graph's pool for the length of one layer (scratch_buffer () in
// graph.hpp): the largest one layer takes, per network input pixel.
struct PaddedScratch
{
  double bytes_per_pixel = 0;
};

class ConvGemm
{
public:
  // weights: O x C x kh x kw; bias: O values or empty; zero padding
  // `pads` (top, left, bottom, right; a negative top or left pad skips
  // input rows or columns); `stride` the same on both axes.  `input`
  // other than the default: pads of at least 0 (and stride 1 to
  // upsample).  A stride-1 convolution's padded input goes to `scratch` (a
  // new one if null).  `taps`: the order of the taps (ky kw + kx) in the
  // product's K (every tap once; empty: 0, 1, ...).
  ConvGemm (const cv::Mat &weights, const cv::Mat &bias, int stride, const cv::Vec4i &pads,
            const ConvInput &input = ConvInput (), std::shared_ptr<PaddedScratch> scratch = nullptr,
            const std::vector<int> &taps = {});

  // 1 x O x ((H + top + bottom - kh) / stride + 1) x (the same for W),
  // H and W upsampled.
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &in) const;

  // y: 1 x O x any size (output_shape's, or another: the bottom and right
  // pads only say how large y usually is; output_shape's with a ConvInput
  // other than the default), preallocated, continuous; output row r reads
  // input rows r stride - top ..., zero outside x.
  void forward (const cv::Mat &x, cv::Mat &y);

  // What a stride-1 convolution computes, handed over a block at a time
  // instead of stored: `block` holds every output channel (rows `ld`
  // floats apart) of output row `oy`, columns `ox` to `ox` + `n` - 1.
  // Blocks come from several threads at once, each in a buffer of its own.
  using BlockSink = std::function<void (int oy, int ox, int n, const float *block, size_t ld)>;

  // forward () to an output of oh x ow, each block to `sink` (stride 1).
  void forward_blocks (const cv::Mat &x, int oh, int ow, const BlockSink &sink);

  // Whether the products run on a copy of the input in half precision,
  // converted once (stride 1, at least 3x3, half-precision weights:
  // gemm.hpp), while half precision is on: each value is otherwise
  // converted again for each of the kh kw taps that read it (measured,
  // bench/conv-gemm-bench.cpp: wave's first 9x9 181 -> 219 GFLOP/s,
  // Magenta's 3x3 32 -> 32 158 -> 189; a split transposed convolution's
  // 2x2 ones, 128 and 256 outputs, slower: 145 -> 114).  The copy is 2
  // bytes per input value, in the scratch.
  bool reads_halves () const;

  int in_channels () const { return channels_; }

  // From now on forward () gives max (0, the convolution): a ReLU layer
  // after it, applied to each block of the output while it is in cache
  // (not to what forward_blocks () hands over).
  void fold_relu () { relu_ = true; }
  // The scratch forward () takes for an input of shape `in` and an output
  // of shape `out`, in floats: the (padded) input in halves where it reads
  // halves, else the padded input where it pads, else none.
  std::vector<size_t> scratch_floats (const cv::dnn::MatShape &in, const cv::dnn::MatShape &out) const;
  int out_channels () const { return weights_.rows (); }

private:
  bool copies_input (int h, int w, int ph, int pw) const;
  void forward_shifted (const cv::Mat &x, int oh, int ow, float *y, const BlockSink *sink);
  void resample (const float *src, int h, int w, int ph, int pw, float *padded,
                 unsigned short *halves) const;
  void forward_gathered (const cv::Mat &x, cv::Mat &y);
  void gather (const cv::Mat &x, int oy, int ox, int n, size_t ld, float *panel) const;

  PackedWeights weights_;
  std::vector<float> bias_;
  int channels_;
  cv::Vec2i kernel_;
  int stride_;
  cv::Vec4i pads_;
  ConvInput input_;
  // The order of the taps in K: B's row i C + c (at_, see
  // PackedWeights::multiply_rows) reads channel c at tap taps_[i], so
  // that the taps a split transposed convolution's phase lacks can be
  // runs of columns at the ends of the weights' panels, which the
  // products skip (gemm.hpp).
  std::vector<int> taps_;
  std::vector<ptrdiff_t> at_;
  std::shared_ptr<PaddedScratch> scratch_; // its plan
  bool relu_ = false;
};

} // namespace ns
