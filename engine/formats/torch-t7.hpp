// torch-t7.hpp: Torch7's binary serialization (torch.save, the .t7 files
// cv::dnn::readNetFromTorch reads), walked and checked before OpenCV sees it.
//
// A .t7 file comes from the internet, and OpenCV's importer trusts it: a
// storage that claims 2^40 floats makes it fread into a null buffer.  The
// walker reads every object the way the importer will (type tags, object
// indices, "V 1" class names, tensors and their storages, nn modules'
// fields), checks every length, count and offset against the bytes left,
// and throws ns::Error (NS_ENGINE_ERROR_CORRUPT, naming the file) on
// anything damaged or that the importer would misread or crash on.  It
// allocates nothing in proportion to what the file claims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ns::t7 {

// The type tag before every serialized value.
enum Tag : int32_t
{
  kNil = 0,
  kNumber = 1,
  kString = 2,
  kTable = 3,
  kTorch = 4,
  kBoolean = 5,
  kFunction = 6,
  kLegacyRecurFunction = 7,
  kRecurFunction = 8,
};

// What a walk found, for tests.
struct Summary
{
  size_t objects = 0;          // every value, references included
  size_t tensors = 0, storages = 0, modules = 0;
  uint64_t tensor_values = 0;  // elements of all tensors
  uint64_t storage_values = 0; // elements of all storages
};

// The bounds of a walk: nesting and the number of values.
constexpr int kMaxDepth = 100;
constexpr size_t kMaxObjects = size_t (1) << 24;

// Walks the `size` bytes at `data`, one Torch object (the file's root) and
// everything in it; `name` is the file as messages name it.
Summary check (const void *data, size_t size, const std::string &name);

// The same on the file at `path` (mapped, not read).
Summary check_file (const std::string &path);

} // namespace ns::t7
