// color-profile.hpp: a photo's embedded colour profile, and its pixels
// converted to sRGB, the colours the networks were trained on.
//
// OpenCV's imread ignores embedded ICC profiles: an Adobe RGB photo's
// numbers would be painted as if they were sRGB, and its colours shift.
// The profile is read with the formats' own libraries (libpng, libjpeg,
// libtiff) and applied with Little CMS.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cli {

// The ICC profile embedded in the PNG, JPEG or TIFF file whose bytes are
// `file`, or an empty vector when it has none or it cannot be read.
std::vector<unsigned char> read_icc_profile (const std::vector<unsigned char> &file);

// Converts `image` (as imread gives it: gray, BGR or BGRA; 8 or 16 bits or
// float 0..1) from the colour space of `icc` to sRGB, in place.  Returns
// false with `why` set (translated) when the profile cannot be used (damaged,
// or not for this image's colours); `description` gets the profile's name.
bool convert_to_srgb (cv::Mat &image, const std::vector<unsigned char> &icc,
                      std::string &description, std::string &why);

} // namespace cli
