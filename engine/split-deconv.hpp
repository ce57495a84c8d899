// split-deconv.hpp: a stride-2 transposed convolution as four small
// convolutions.
//
// Each output pixel of a stride-2 transposed convolution takes only the
// kernel taps of its own phase (row and column parity): with a 3x3 kernel,
// the four phases are exact 1x1, 1x2, 2x1 and 2x2 convolutions of the input.
// They run as one convolution of the engine (conv-gemm.hpp): 2x2 taps to
// 4x the output channels, the taps a phase lacks zero, as one wide matrix
// product instead of four thin ones; the taps ordered so that each
// phase's own are next to each other, where the product skips the zero
// columns at the ends of its panels of weights (gemm.hpp): with 3x3
// kernels 9 taps of 16 (a panel of 12 rows spanning two phases computes
// the taps of both: wave's 64 -> 32 computes 27 panel-taps of 44).  With
// all 16, wave's two transposed convolutions took 1.3 s of 6.2 s of
// layers at 3 MP; 0.84 s now.  Its four channel blocks are interleaved into the result.
// OpenCV 4.6's Deconvolution layer instead
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
#include <vector>

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
  // The order of the unified taps in the product's K, from which taps
  // each phase has (has[qy 2 + qx][t]); see split-deconv.cpp.
  static std::vector<int> tap_order (const std::vector<std::vector<bool>> &has);

  int cout_;
  cv::Vec2i kernel_;
  cv::Vec4i pads_;
  cv::Vec2i adj_;
  // All four phases as one convolution to 4 Cout channels, its tap t
  // reading input row n + base + t; zero where a phase has no tap.
  std::shared_ptr<ConvGemm> conv_;
};

// A 3x3 convolution of an input upsampled 2x (nearest neighbour) and
// mirrored by one pixel (Magenta's decoder: Resize, mirroring Padding,
// Convolution) as four 2x2 convolutions of the input itself.
//
// Upsampled row 2 y + a is input row y; mirrored by one (BORDER_REFLECT_101)
// its row -1 is upsampled row 1, input row 0 again: the input with its
// edge repeated once.  Output row 2 y reads upsampled rows 2 y - 1 ... 2 y
// + 1, input rows y - 1, y, y (kernel rows 0 and 1 + 2 on two input
// rows); output row 2 y + 1 reads y, y, y + 1 (0 + 1 and 2).  Output rows
// 2 n - 1 and 2 n both read input rows n - 1 and n of the edge-repeated
// input: one 2x2 convolution to four phases (rows 2 n - 1, 2 n by columns
// 2 m - 1, 2 m), 16 multiply-adds per input value and output channel
// where the upsampled image's convolution does 36, and its input a
// quarter the size.  Each block of the product goes into the output,
// interleaved, while in cache, as SplitDeconv's.
class UpsampledConv
{
public:
  // weights: Cout x Cin x 3 x 3; bias: Cout values or empty.
  UpsampledConv (const cv::Mat &weights, const cv::Mat &bias);

  // 1 x Cout x 2 H x 2 W.
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &in) const;

  // y: preallocated with output_shape (x's shape), continuous.
  void forward (const cv::Mat &x, cv::Mat &y);

  // The scratch forward () takes, in floats, in order: the edge-repeated
  // input, then the convolution's own.
  std::vector<size_t> scratch_floats (const cv::dnn::MatShape &in) const;

  int in_channels () const { return cin_; }
  int out_channels () const { return cout_; }

private:
  int cin_, cout_;
  std::unique_ptr<ConvGemm> conv_; // to 4 Cout channels: phase (qy, qx) at (2 qy + qx) Cout
};

} // namespace ns
