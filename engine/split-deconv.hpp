// split-deconv.hpp: a stride-2 transposed convolution as four small
// convolutions.
//
// Each output pixel of a stride-2 transposed convolution takes only the
// kernel taps of its own phase (row and column parity): with a 3x3 kernel,
// the four phases are exact 1x1, 1x2, 2x1 and 2x2 convolutions of the input.
// They run as one convolution of the engine (conv-gemm.hpp): 2x2 taps to
// 4x the output channels, the taps a phase lacks zero, which costs 16/9
// the products but runs as one wide matrix product instead of four thin
// ones; its four channel blocks are interleaved into the result.  OpenCV 4.6's Deconvolution layer instead
// multiplies into a col2im buffer of k*k*Cout values per input pixel and
// scatters it; at 3 megapixels that buffer alone costs 1.6 s on the first
// forward at a new size.
//
// What it replaces: OpenCV's "Deconvolution" layer as the ONNX, Torch and
// ml5 importers make it (group 1, stride 2, no dilation, explicit pads,
// output padding "adj"), with fusion off (a fused activation would be
// lost).  The Slice that OpenCV's ONNX importer and ml5.cpp put after it
// (cropping the last row and column) may be folded in: the crop is only
// larger pads, and those phase rows are never computed.
#pragma once

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn.hpp>
#pragma GCC diagnostic pop

#include "conv-gemm.hpp"

#include <array>
#include <memory>

namespace ns {

class SplitDeconv
{
public:
  // Whether `layer` (as loaded, fusion off) is a transposed convolution
  // this class computes exactly.
  static bool applies (const cv::dnn::Layer &layer);

  // The same computation as `layer`; throws cv::Exception unless
  // applies (layer).
  explicit SplitDeconv (const cv::dnn::Layer &layer);

  // If `slice` only crops a fixed number of rows and columns off the edges
  // of a 4-D input (whatever its size): true, and those numbers (top,
  // left, bottom, right) in `crop`.
  static bool slice_crop (const cv::dnn::Layer &slice, cv::Vec4i &crop);

  // `layer`, then its output cropped by `crop` (of slice_crop ()).
  SplitDeconv (const cv::dnn::Layer &layer, const cv::Vec4i &crop);

  // weights: Cin x Cout x kh x kw (OpenCV's and Torch's layout for
  // transposed convolutions), kh, kw >= 2; bias: Cout values or empty;
  // pads: top, left, bottom, right; adj: extra output rows and columns.
  SplitDeconv (const cv::Mat &weights, const cv::Mat &bias, const cv::Vec4i &pads,
               const cv::Vec2i &adj);

  // 1 x Cout x (2 (H - 1) + kh - top - bottom + adj_h) x (the same for W).
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &in) const;

  // y: preallocated with output_shape (x's shape), continuous; x untouched.
  void forward (const cv::Mat &x, cv::Mat &y);

  // The scratch forward () takes for an input of shape `in`, in floats:
  // the convolution's padded input (the four phases' outputs go to y a
  // block at a time).
  std::vector<size_t> scratch_floats (const cv::dnn::MatShape &in) const;

  // Memory beyond the output, per input pixel: the padded copy of the
  // input the convolution reads (Cin; its 2x2 products convert panel by
  // panel, ConvGemm::reads_halves).
  double scratch_bytes_per_pixel () const
  {
    return sizeof (float) * conv_->in_channels ();
  }

private:
  // One output phase q (rows 2 n + q) along one axis: row n reads input
  // rows n + lo ... n + lo + taps - 1 with kernel rows first + 2 (taps - 1),
  // ..., first + 2, first.
  struct Phase
  {
    int first, taps, lo;
  };
  static Phase phase (int q, int kernel, int pad);

  int cout_;
  cv::Vec2i kernel_;
  cv::Vec4i pads_;
  cv::Vec2i adj_;
  // All four phases as one convolution to 4 Cout channels, its tap t
  // reading input row n + base + t; zero where a phase has no tap.
  std::shared_ptr<ConvGemm> conv_;
};

} // namespace ns
