// tap-sum.hpp: a stride-1 convolution to a few channels (the last 9x9
// 32->3 one of Johnson's networks) as every tap's products, summed shifted.
//
// out[o](y, x) = bias[o] + sum over taps (ky, kx) of
// W[o, :, ky, kx] . in[:, y + ky - pad, x + kx - pad].  Computed as an
// im2col product, only 3 outputs share each value read (3 of the gemm's 8
// rows used, and B gathered from 2592 shifted rows).  Here the product is
// turned around: P = A B with A the O k k x C matrix of all taps' weights
// (243 x 32 for 9x9 32->3: rows enough to fill the gemm's panels) and B
// the input rows themselves (C x W: no gather, no padded copy: a mirrored
// row is the product of the row it mirrors, a mirrored column a copy of
// the column of products it mirrors); then each
// output row adds up the k k rows of P its taps read, shifted by kx, from
// the k input rows it reads.  The multiply-adds are the same as the
// direct convolution's, all in full panels; the sums are k k adds per
// output value.  The image goes through in strips of 256 columns, top to
// bottom, one input row's products at a time, so that P stays in L2 and
// the output rows it is added to in L1.  Each thread owns a band of output
// rows and computes the products of the input rows its band reads (k - 1
// rows more than the band).
#pragma once

#include "gemm.hpp"

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn.hpp>
#pragma GCC diagnostic pop

#include <vector>

namespace ns {

class TapSum
{
public:
  // `weights` O x C x k x k float, `bias` O floats or empty, padding `pad`
  // >= 0 on all four sides, with zeros or by mirroring the edge
  // (`reflect`, as BORDER_REFLECT_101; then pad < k), stride 1.
  TapSum (const cv::Mat &weights, const cv::Mat &bias, int pad, bool reflect = false);

  // 1 x O x (H + 2 pad - k + 1) x (W + 2 pad - k + 1) for 1 x C x H x W.
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &in) const;

  // y (preallocated, output_shape (x), continuous) = the convolution of x
  // (NCHW float, batch 1, continuous).
  void forward (const cv::Mat &x, cv::Mat &y) const;

  int in_channels () const { return channels_; }
  int out_channels () const { return outputs_; }
  int kernel () const { return kernel_; }
  bool reflect () const { return reflect_; }

private:
  void run_band (const cv::Mat &x, cv::Mat &y, int y0, int y1) const;
  void mirror_edges (float *p, size_t stride, int left, int c0, int cols, int w) const;

  PackedWeights taps_; // row (o k + ky) k + kx: W[o, :, ky, kx]
  std::vector<float> bias_; // O values, zeros when the convolution has none
  int channels_;
  int outputs_;
  int kernel_;
  int pad_;
  bool reflect_;
};

} // namespace ns
