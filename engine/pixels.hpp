// pixels.hpp: the pixel work around the network: the network's colour
// convention, resampling for the stroke scale, and the final blend.
#pragma once

#include "neural-style-engine.h"

#include <opencv2/core.hpp>

namespace ns {

// RGB 0..1 (CV_32FC3, HxW) -> NCHW 1x3xHxW in the network's convention.
cv::Mat to_blob (const cv::Mat &rgb, NsConvention convention);

// NCHW 1x3xHxW in the network's convention -> RGB 0..1 (CV_32FC3), clamped.
cv::Mat from_blob (const cv::Mat &blob, NsConvention convention);

// The smallest side the network is given.  Johnson's .t7 models reflect
// their input by 40 pixels inside the network, which OpenCV refuses for
// smaller inputs; and a few pixels say nothing about a feature's statistics.
constexpr int kMinNetworkSide = 64;

// What the network is given for an image of `size`: the image reflected
// out, right and bottom, to a multiple of 4 and at least kMinNetworkSide.
cv::Size network_input_size (cv::Size size);
cv::Mat pad_for_network (const cv::Mat &rgb);

// How the source image maps onto the image the network sees: the network
// runs on the source resized by 1/scale, padded for the network.
struct Geometry
{
  cv::Size source;
  cv::Size network;
  cv::Size padded;
  double sx = 1.0; // source pixels per network pixel
  double sy = 1.0;

  Geometry (cv::Size source_size, double scale);
  bool resampled () const { return network != source; }
  // The source column or row where network column/row `n` starts.
  int source_x (int n) const;
  int source_y (int n) const;
};

// Network-space RGB (0..1) of `rect` (inside the padded size), read from the
// source through `io`.  `source_rgba` and `source_rect` receive the source
// pixels that were read, which cover every source pixel whose centre lies in
// `rect`.
cv::Mat sample_network_rgb (const NsImageIO &io,
                            const Geometry &geometry,
                            const cv::Rect &rect,
                            cv::Mat &source_rgba,
                            cv::Rect &source_rect);

// The network's output for the network-space rectangle `output_rect`,
// resampled to the source pixels of `dest` (a source-space rectangle).
cv::Mat resample_to_source (const cv::Mat &output_rgb,
                            const cv::Rect &output_rect,
                            const Geometry &geometry,
                            const cv::Rect &dest);

// The whole source shrunk to `size` (for gathering statistics), read in
// strips so that a large image is never held in memory at once.
cv::Mat shrink_source (const NsImageIO &io, cv::Size size);

// The stylized RGB blended with the source RGBA by the options: colours
// kept (CIE Lab chroma of the source), mixed by strength, source alpha.
cv::Mat composite (const cv::Mat &styled_rgb, const cv::Mat &source_rgba, const NsOptions &options);

// Reads `rect` of the source as CV_32FC4.
cv::Mat read_rgba (const NsImageIO &io, const cv::Rect &rect);

// Writes CV_32FC4 `rgba` to `rect` of the destination.
void write_rgba (const NsImageIO &io, const cv::Rect &rect, const cv::Mat &rgba);

} // namespace ns
