// ml5.hpp: ml5's style-transfer folders (manifest.json plus one raw float32
// file per variable) read and built as an OpenCV network.
//
// Everything in such a folder comes from the internet: the readers below
// check every length, name and shape, and throw ns::Error (naming the folder
// and the file) on anything that is not exactly the published layout.
#pragma once

#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace ns::ml5 {

// The manifest's name inside a style folder.
constexpr const char *kManifest = "manifest.json";

// TRUE if `path` is a folder holding a manifest.json (which may still be
// broken: read_network() says how).
bool is_style_folder (const std::string &path);

// The weight file of each of the network's variables, in the network's order,
// as `manifest` (the text of `folder`'s manifest.json) names them, after
// checking that it describes exactly this network.
std::vector<std::string> parse_manifest (const std::string &manifest, const std::string &folder);

// Reads `folder` and builds its network: input NCHW 1x3xHxW RGB 0..255 (H
// and W multiples of 4), output the same.  Normalization layers are of type
// "InstanceNormalization", so that the engine's own layer does them.
cv::dnn::Net read_network (const std::string &folder);

} // namespace ns::ml5
