// fast-net.hpp: faster equivalent networks, built at load time.
//
// OpenCV 4.6 runs the last 9x9 convolution of a Johnson-style network (32
// feature maps to 3 colours) at a fraction of its arithmetic speed: its
// im2row gathers one value at a time and only 3 outputs share each gather.
// The same convolution on the image packed 2x2 into channels
// (space-to-depth) is a 5x5 one from 4x the channels to 4x the colours,
// which runs 2-3 times faster; unpacking the result gives the same numbers.
//
// The loaded network still runs everything before that convolution; a
// small second network runs the rewritten convolution and the layers after
// it.  Networks of any other shape keep running as loaded, and
// NEURAL_STYLE_NO_REWRITE=1 in the environment turns the rewrite off.
#pragma once

#include "instance-norm.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ns {

// Memory the rewritten part adds per network input pixel: the second
// network's copy of the 32 feature maps and their packed form (128 bytes
// each), and the smaller maps after them.  Measured at 3 megapixels on
// OpenCV 4.6: +262.
constexpr double kFastExtraBytesPerPixel = 280.0;

class FastNet
{
public:
  // The rewrite of `net` (bound to `context` as `norm_layers` say), or null
  // when none applies.
  static std::unique_ptr<FastNet> build (cv::dnn::Net &net, NormContext *context,
                                         const std::vector<std::string> &norm_layers);

  // `net`'s output (or that of its layer `upto`) for the input `blob`.
  cv::Mat forward (cv::dnn::Net &net, const cv::Mat &blob, const std::string &upto);

  // The layer of the loaded network whose output the rewritten part takes.
  const std::string &split () const { return split_; }

private:
  std::string split_;
  cv::dnn::Net tail_;
  std::vector<std::string> tail_names_;
};

} // namespace ns
