// rewrite.hpp: faster equivalents of single layers, chosen at load time.
//
// The graph (graph.hpp) asks for each layer whether one of these kernels
// computes the same thing faster on this OpenCV; NEURAL_STYLE_NO_REWRITE=1
// in the environment turns them all off (the suite compares both ways).
#pragma once

#include "conv-gemm.hpp"
#include "graph.hpp"

namespace ns {

// True unless NEURAL_STYLE_NO_REWRITE is set (and not "0").
bool rewrites_enabled ();

// A kernel computing what `layer` computes, or null.  `scale` is the
// layer's input pixels per network input pixel; the memory the kernel
// needs beyond the layer's own, per network input pixel, goes into
// `scratch`'s plan: it takes it from the graph's pool for one forward
// (the padded input of a stride-1 convolution, in halves where it reads them:
// the largest of one layer counts).  No
// kernel keeps buffers of its own beyond a few hundred kB per thread
// (tap-sum.cpp's strips).
std::unique_ptr<Kernel> rewrite_layer (const cv::Ptr<cv::dnn::Layer> &layer, double scale,
                                       const std::shared_ptr<PaddedScratch> &scratch);

// If `padding` only pads its input, with zeros or by mirroring its edge,
// `resize` (if not null; what `padding` reads) only upsamples by a whole
// factor (nearest neighbour), and `conv` (which reads `padding`, with
// `channels` input channels) is a convolution the engine runs: the two or
// three as one kernel, which reads what the first reads (`scale` and
// `scratch` as for rewrite_layer; the kernel needs no other memory).
std::unique_ptr<Kernel> rewrite_padded (const cv::Ptr<cv::dnn::Layer> &conv,
                                        const cv::Ptr<cv::dnn::Layer> &padding,
                                        const cv::Ptr<cv::dnn::Layer> &resize, int channels,
                                        double scale, const std::shared_ptr<PaddedScratch> &scratch);

// If `kernel` is a transposed convolution's and `slice` only crops its
// output's edges: makes the kernel crop too and says true.
bool fold_crop (std::unique_ptr<Kernel> &kernel, const cv::dnn::Layer &slice);

// One OpenCV layer run on its own, outside any Net: finalized again when
// the input shape changes, its internal buffers kept.
class LayerRunner
{
public:
  explicit LayerRunner (cv::Ptr<cv::dnn::Layer> layer) : layer_ (std::move (layer)) {}
  cv::dnn::MatShape output_shape (const cv::dnn::MatShape &input);
  void forward (const cv::Mat &x, cv::Mat &y);

private:
  cv::Ptr<cv::dnn::Layer> layer_;
  cv::dnn::MatShape finalized_for_;
  cv::dnn::MatShape output_;
  std::vector<cv::Mat> internals_;
};

// A convolution layer from its parameters (no bias when `bias` is empty).
cv::Ptr<cv::dnn::Layer> make_convolution (const cv::Mat &weights, const cv::Mat &bias,
                                          int kernel_h, int kernel_w, int pad_h, int pad_w,
                                          int groups = 1);

} // namespace ns
