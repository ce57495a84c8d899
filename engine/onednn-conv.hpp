// onednn-conv.hpp: OpenCV's Convolution layer computed by oneDNN (optional
// dependency, HAVE_ONEDNN).
//
// On the wave network's 128-channel 3x3 convolutions oneDNN's JIT kernels
// (brgconv / Winograd on AVX-512) run several times faster than OpenCV
// 4.6's Convolution layer (bench/onednn-conv.cpp).  The class wraps the
// engine's NCHW buffers directly; oneDNN's primitive, its weights in the
// primitive's own layout and any layout conversions are prepared lazily for
// the last input shape.
//
// What it replaces: a "Convolution" layer as OpenCV's importers make it,
// group 1, no dilation, explicit (possibly asymmetric) pads, loaded with
// fusion off (a fused activation or batch normalization would be lost).
#pragma once

#include "graph.hpp"

#include <memory>

namespace ns {

class OneDnnConvolution : public Kernel
{
public:
  // weights: O x C x kh x kw float; bias: O values or empty;
  // stride: (y, x); pads: top, left, bottom, right.
  OneDnnConvolution (const cv::Mat &weights, const cv::Mat &bias, const cv::Vec2i &stride,
                     const cv::Vec4i &pads);
  ~OneDnnConvolution () override;

  // 1 x O x (H + top + bottom - kh) / sy + 1 x (the same for W).
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &input) const override;

  // y: preallocated with output_shape (x's shape), continuous; x untouched.
  // Throws cv::Exception if x does not have C channels.
  void forward (const cv::Mat &x, cv::Mat &y) override;

  // The implementation oneDNN chose for the last shape ("" before).
  std::string implementation () const;
  // Memory held for the last shape besides x, y and the weights: input
  // and output in oneDNN's layouts (0 before).  oneDNN's own scratchpad
  // (which it allocates and keeps itself) is not counted.
  size_t scratch_bytes () const;

  // For measurements: which oneDNN algorithm and layouts to use.
  enum class Algorithm
  {
    prefer_winograd, // Winograd where oneDNN has it for the shape, else auto
    automatic,
  };
  void set_choice (Algorithm algorithm, bool blocked_layouts);

private:
  struct Prepared;
  void prepare (const cv::dnn::MatShape &input);

  cv::Mat weights_, bias_;
  cv::Vec2i stride_;
  cv::Vec4i pads_;
  Algorithm algorithm_;
  bool blocked_;
  std::unique_ptr<Prepared> prepared_;
};

// The same computation as `layer` by oneDNN, or null unless `layer` is a
// Convolution layer that OneDnnConvolution computes.
std::unique_ptr<Kernel> onednn_convolution (const cv::Ptr<cv::dnn::Layer> &layer);

} // namespace ns
