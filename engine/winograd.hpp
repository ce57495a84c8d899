// winograd.hpp: a 3x3 convolution (stride 1, zero padding 0 or 1) as
// Winograd F(4x4,3x3).
//
// OpenCV 4.6 has no Winograd convolution; its 3x3 kernel does 144 products
// per 4x4 output block and input channel where F(4x4,3x3) does 36 (Lavin &
// Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).  The
// input is cut into 6x6 tiles at a stride of 4, each tile transformed
// (B^T d B), the 36 transformed planes multiplied by the transformed
// weights (G g G^T) as 36 matrix products (O x C by C x tiles, gemm.hpp),
// and each 6x6 result transformed back to a 4x4 output block (A^T m A).
// (With OpenCV's grouped 1x1 convolution doing the products, these layers
// took 1.55x as long on OpenCV 4.6 and 2.1x on 4.10.)  The image goes
// through in bands of tile rows so that the transformed planes stay small.
//
// Where the products run in half precision (gemm.hpp), the image goes
// through in blocks of 32 tiles instead, each thread taking whole blocks:
// a block's transformed input is made in halves, multiplied and
// transformed back while it is in the core's cache (900 KB at 128
// channels); the transformed planes are never written to memory in
// float32 and read back to be converted.  Where they run in float32 on
// AVX2 (no AVX-512: AMD Zen 3), the same way with the transformed input
// in floats, eight tiles to a vector: the same sums in the same order as
// the bands', without the round trip of 36 planes through memory.
#pragma once

#include "gemm.hpp"

// OpenCV's headers have inline functions with unused parameters and
// mixed-sign comparisons.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#pragma GCC diagnostic pop

#include <vector>

namespace ns {

class Winograd3x3
{
public:
  // `weights` O x C x 3 x 3 float, `bias` O floats or empty, `pad` 0 or 1
  // (zero padding on all four sides).
  Winograd3x3 (const cv::Mat &weights, const cv::Mat &bias, int pad);

  // 1 x O x (H + 2 pad - 2) x (W + 2 pad - 2) for an input 1 x C x H x W.
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &in) const;

  // y (preallocated, output_shape (x)) = the convolution of x (NCHW float,
  // batch 1).  Not reentrant: one call at a time per object.
  void forward (const cv::Mat &x, cv::Mat &y);

  // The same, followed by y = max (0, scale[o] * y + shift[o]) per output
  // channel o (e.g. a folded batch norm and ReLU), in the same pass.
  void forward_affine_relu (const cv::Mat &x, cv::Mat &y, const cv::Mat &scale,
                            const cv::Mat &shift);

  // Scratch memory (the transformed planes of one band of tiles) for an
  // input of shape `in`: a band is about 512 tiles (whole tile rows), 19-23
  // MB at 128 channels whatever the image height.
  double scratch_bytes (const cv::dnn::MatShape &in) const;
  // An upper bound of scratch_bytes () per input pixel for inputs of at
  // least 256x256 pixels (576 at 128 channels; 96 at 512x384, 123 at
  // 500x375).
  double scratch_bytes_per_pixel () const;

private:
  struct Affine
  {
    const float *scale;
    const float *shift;
  };

  struct Block;
  struct Segment;

  void run (const cv::Mat &x, cv::Mat &y, const Affine *affine);
  void run_blocks (const cv::Mat &x, cv::Mat &y, const Affine *affine);
  bool block_half (const cv::Mat &x, Block &block) const;
  void block_float (const cv::Mat &x, Block &block) const;
  void multiply_block (Block &block, size_t in_plane, size_t out_plane) const;
  void block_output (cv::Mat &y, const Block &block, const Affine *affine, bool avx2) const;
  bool avx2_blocks () const;
  void block_avx2 (const cv::Mat &x, Block &block) const;
  void prefetch_input (const float *src, int h, int w, const Block &block) const;
  static void prefetch_output (float *dst, int h, int w, const Block &block);
  void transform_input (const cv::Mat &x, int ty0, int rows, int tiles_x);
  void multiply (int rows, int tiles_x);
  void transform_output (cv::Mat &y, int ty0, int rows, int tiles_x, const Affine *affine);

  int in_channels_;
  int out_channels_;
  int pad_;
  std::vector<float> bias_; // O values, zeros when the convolution has none
  std::vector<PackedWeights> products_; // (G g G^T)[k], O x C, for the 36 tile positions k
  cv::Mat v_;                        // 1 x 36 C x rows x tiles_x: transformed input
  cv::Mat m_;                        // 1 x 36 O x rows x tiles_x: products
};

} // namespace ns
