// torch-t7.cpp: a checked walk of Torch7's binary serialization, the way
// OpenCV's importer (modules/dnn/src/torch/torch_importer.cpp, 4.6 to 4.10)
// will read it.  Layout (little-endian, int 4 bytes, long 8 bytes):
//
//   object  := int tag, payload
//     0 nil   1 number: double   2 string: int n, n bytes   5 boolean: int
//     3 table: int index [first time: int n, n x (object key, object value)]
//     4 torch: int index [first time: string version "V 1", string class,
//              body: Tensor  int ndim, long size[ndim], long stride[ndim],
//                            long offset (1-based), object storage
//                    Storage long n, n raw elements
//                    nn.*    the module's fields: a table]
//     6, 7, 8 Lua functions (OpenCV reads none)
//
// Every new table or torch object takes the next index; an index seen
// before is a reference to that object, which the importer does not read
// again.  The walk keeps the same books, so that it and OpenCV agree on
// where every object starts.
#include "engine-private.hpp"
#include "formats/torch-t7.hpp"

#include <glib.h>

#include <cinttypes>
#include <cstdarg>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace {

using namespace ns::t7; // the type tags

// OpenCV's Mat holds at most this many dimensions (CV_MAX_DIM).
constexpr int kMaxDims = 32;
// The largest channel count or kernel side a module field may give:
// OpenCV allocates from nOutput, divides by kW * kH.
constexpr double kMaxModuleInt = 1 << 16;

// A tensor's or storage's element type, as the importer maps class names.
struct Element
{
  const char *name;
  size_t size;
  int cv_type; // OpenCV compares these, so CudaTensor goes with FloatStorage
};

const Element kElements[] = {
  { "Double", 8, 6 }, { "Float", 4, 5 }, { "Cuda", 4, 5 }, { "Byte", 1, 0 },
  { "Char", 1, 1 },   { "Short", 2, 3 }, { "Int", 4, 4 },  { "Long", 8, 7 },
};

enum class Kind { Table, Tensor, Storage, Module, Pending };

struct Object
{
  Kind kind = Kind::Pending; // Pending: still being read
  const Element *element = nullptr; // storages
  int64_t count = 0;                // a storage's values
  int32_t ndim = 0;                 // tensors
  int64_t sizes[4] = {};            // a tensor's first sizes
  uint64_t values = 0;              // a tensor's
};

// A value as a module's code in the importer sees it.
struct Value
{
  int32_t tag = kNil;
  double number = 0;    // kNumber
  int32_t index = 0;    // kTable, kTorch
  bool fresh = false;   // a new table or object, not a reference
};

// Field values a module's check needs (a table with string keys).
struct Fields
{
  struct Field
  {
    std::string key;
    Value value;
  };
  std::vector<Field> list;

  // The first: OpenCV keeps the first tensor of a key.
  const Value *
  find_first (const char *key) const
  {
    for (const Field &f : list)
      if (f.key == key)
        return &f.value;
    return nullptr;
  }

  const Value *
  find (const char *key) const
  {
    const Value *last = nullptr; // OpenCV keeps the last scalar of a key
    for (const Field &f : list)
      if (f.key == key)
        last = &f.value;
    return last;
  }
};

// Fields the importer or OpenCV's layers turn into a size or a divisor
// without a check (nn.Padding's dim indexes a vector of 2 * dim; a stride
// of 0 divides by zero when the layer's shapes are computed; the
// normalizations allocate nOutput values), and their sound values.
struct FieldRule
{
  const char *modules; // space-separated nn names
  const char *key;
  double lo, hi;
};

const char kConvolutions[] = " SpatialConvolution SpatialConvolutionMM SpatialFullConvolution"
                             " SpatialDilatedConvolution SpatialMaxPooling SpatialAveragePooling ";
const char kNormalizations[] = " SpatialBatchNormalization InstanceNormalization BatchNormalization ";

const FieldRule kFieldRules[] = {
  { " Padding ", "dim", 1, 4 },
  { kConvolutions, "kW", 1, kMaxModuleInt },
  { kConvolutions, "kH", 1, kMaxModuleInt },
  { kConvolutions, "dW", 1, kMaxModuleInt },
  { kConvolutions, "dH", 1, kMaxModuleInt },
  { kConvolutions, "padW", 0, kMaxModuleInt },
  { kConvolutions, "padH", 0, kMaxModuleInt },
  { kConvolutions, "adjW", 0, kMaxModuleInt },
  { kConvolutions, "adjH", 0, kMaxModuleInt },
  { kConvolutions, "dilationW", 1, kMaxModuleInt },
  { kConvolutions, "dilationH", 1, kMaxModuleInt },
  { kConvolutions, "nInputPlane", 1, kMaxModuleInt },
  { kConvolutions, "nOutputPlane", 1, kMaxModuleInt },
  { kNormalizations, "nOutput", 1, kMaxModuleInt },
};

// Convolutions whose weight OpenCV takes without looking at it: an empty
// one (or an empty bias) makes it divide by zero or read a null pointer.
const char kWeighted[] = " SpatialConvolution SpatialConvolutionMM SpatialFullConvolution"
                         " SpatialDilatedConvolution ";

bool
is_field_of_interest (std::string_view key)
{
  for (const FieldRule &r : kFieldRules)
    if (key == r.key)
      return true;
  return key == "weight" || key == "bias";
}

bool
starts_with (std::string_view s, std::string_view prefix)
{
  return s.size () >= prefix.size () && s.compare (0, prefix.size (), prefix) == 0;
}

bool
ends_with (std::string_view s, std::string_view suffix)
{
  return s.size () >= suffix.size ()
         && s.compare (s.size () - suffix.size (), suffix.size (), suffix) == 0;
}

// A class name from the file, fit for a message.
std::string
printable (std::string_view s)
{
  std::string out;
  for (char c : s.substr (0, 60))
    out += g_ascii_isprint (c) ? c : '?';
  if (s.size () > 60)
    out += "...";
  return out;
}

using ull = unsigned long long;
using ll = long long;

class Walker
{
public:
  Walker (const uint8_t *data, size_t size, const std::string &name)
    : data_ (data), size_ (size), name_ (name)
  {
  }

  ns::t7::Summary
  walk ()
  {
    value (0);
    return summary_;
  }

private:
  const uint8_t *data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string &name_;
  std::vector<Object> objects_; // by index - 1
  ns::t7::Summary summary_;

  // Damage: the file is not what Torch writes.
  [[noreturn]] void G_GNUC_PRINTF (2, 3)
  damaged (const char *format, ...)
  {
    va_list args;
    va_start (args, format);
    g_autofree gchar *detail = g_strdup_vprintf (format, args);
    va_end (args);
    ns::fail (NS_ENGINE_ERROR_CORRUPT, _("Model file '%s' is damaged: %s"), name_.c_str (), detail);
  }

  // Torch wrote it, maybe, but OpenCV's importer would misread it or crash.
  [[noreturn]] void G_GNUC_PRINTF (2, 3)
  unsupported (const char *format, ...)
  {
    va_list args;
    va_start (args, format);
    g_autofree gchar *detail = g_strdup_vprintf (format, args);
    va_end (args);
    ns::fail (NS_ENGINE_ERROR_CORRUPT,
              _("Model file '%s' is a Torch file that OpenCV cannot load safely: %s"),
              name_.c_str (), detail);
  }

  size_t left () const { return size_ - pos_; }

  void
  need (size_t bytes)
  {
    if (bytes > left ())
      damaged (_("it ends after %llu bytes, in the middle of a value"), (ull) size_);
  }

  int32_t
  read_int ()
  {
    need (4);
    int32_t v;
    memcpy (&v, data_ + pos_, 4);
    pos_ += 4;
    return GINT32_FROM_LE (v);
  }

  int64_t
  read_long ()
  {
    need (8);
    int64_t v;
    memcpy (&v, data_ + pos_, 8);
    pos_ += 8;
    return GINT64_FROM_LE (v);
  }

  double
  read_double ()
  {
    const int64_t bits = read_long ();
    double v;
    memcpy (&v, &bits, 8);
    return v;
  }

  std::string_view
  read_string ()
  {
    const int32_t n = read_int ();
    if (n < 0)
      damaged (_("a string has a negative length (%d)"), n);
    if ((size_t) n > left ())
      damaged (_("a string claims %d bytes but the file has %llu bytes left"), n, (ull) left ());
    std::string_view s (reinterpret_cast<const char *> (data_ + pos_), (size_t) n);
    pos_ += (size_t) n;
    return s;
  }

  // The index after a table or torch tag: a reference to an object read
  // before, or the next new one.  Objects still being read are refused: a
  // cycle through a torch object makes OpenCV read its class name again
  // where there is none.
  int32_t
  read_index (bool &fresh)
  {
    const int32_t index = read_int ();
    const size_t known = objects_.size ();
    if (index >= 1 && (size_t) index <= known)
      {
        if (objects_[(size_t) index - 1].kind == Kind::Pending)
          damaged (_("object %d contains itself"), index);
        fresh = false;
        return index;
      }
    if (index < 1 || (size_t) index != known + 1)
      damaged (_("it refers to object %d, but only %llu objects come before it"), index,
               (ull) known);
    objects_.emplace_back ();
    fresh = true;
    return index;
  }

  Object &object (int32_t index) { return objects_[(size_t) index - 1]; }

  Value
  value (int depth)
  {
    if (depth > ns::t7::kMaxDepth)
      damaged (_("its objects are nested more than %d deep"), ns::t7::kMaxDepth);
    if (++summary_.objects > ns::t7::kMaxObjects)
      damaged (_("it holds more than %llu values"), (ull) ns::t7::kMaxObjects);

    Value v;
    v.tag = read_int ();
    switch (v.tag)
      {
      case kNil:
        break;
      case kNumber:
        v.number = read_double ();
        break;
      case kBoolean:
        read_int ();
        break;
      case kString:
        read_string ();
        break;
      case kTable:
        v.index = read_index (v.fresh);
        if (v.fresh)
          table (v.index, depth, nullptr);
        break;
      case kTorch:
        v.index = read_index (v.fresh);
        if (v.fresh)
          torch_object (v.index, depth);
        break;
      case kFunction:
      case kLegacyRecurFunction:
      case kRecurFunction:
        unsupported (_("it holds a Lua function"));
      default:
        // Not even the first value: this is no Torch file at all.
        if (pos_ == 4)
          ns::fail (NS_ENGINE_ERROR_CORRUPT,
                    _("Model file '%s' is truncated or corrupt: it is not a readable Torch model"),
                    name_.c_str ());
        damaged (_("a value has the unknown type %d"), v.tag);
      }
    return v;
  }

  // A new table's pairs; with `fields`, the string keys of interest and
  // their values are kept.
  void
  table (int32_t index, int depth, Fields *fields)
  {
    const int32_t n = read_int ();
    if (n < 0)
      damaged (_("a table has a negative length (%d)"), n);
    // Each pair takes at least two type tags.
    if ((uint64_t) n * 8 > left ())
      damaged (_("a table claims %d entries but the file has %llu bytes left"), n, (ull) left ());
    for (int32_t i = 0; i < n; i++)
      {
        std::string_view key;
        const size_t key_at = pos_;
        const Value k = value (depth + 1);
        if (fields && k.tag == kString)
          key = std::string_view (reinterpret_cast<const char *> (data_ + key_at + 8),
                                  pos_ - key_at - 8);
        const Value v = value (depth + 1);
        if (!key.empty () && is_field_of_interest (key))
          fields->list.push_back ({ std::string (key), v });
      }
    object (index).kind = Kind::Table;
  }

  // The element type of a class "torch.<Type><suffix>", or null if the
  // class is not one; a type OpenCV does not know is refused.
  const Element *
  element_of (std::string_view cls, std::string_view suffix)
  {
    const std::string_view prefix = "torch.";
    if (!starts_with (cls, prefix) || !ends_with (cls, suffix)
        || cls.size () < prefix.size () + suffix.size ())
      return nullptr;
    const std::string_view type = cls.substr (prefix.size (),
                                              cls.size () - prefix.size () - suffix.size ());
    for (const Element &e : kElements)
      if (type == e.name)
        return &e;
    unsupported (_("it holds a %s, an element type OpenCV does not know"),
                 printable (cls).c_str ());
  }

  std::string_view
  class_name ()
  {
    const std::string_view version = read_string ();
    return starts_with (version, "V ") ? read_string () : version;
  }

  void
  torch_object (int32_t index, int depth)
  {
    const std::string_view cls = class_name ();
    std::string_view nn_name;

    if (const Element *e = element_of (cls, "Tensor"))
      tensor (index, e);
    else if (const Element *s = element_of (cls, "Storage"))
      storage (index, s);
    else
      {
        for (std::string_view prefix : { "nn.", "cunn.", "cudnn.", "fbcunn." })
          if (starts_with (cls, prefix))
            nn_name = cls.substr (prefix.size ());
        if (nn_name.data () == nullptr)
          unsupported (_("it holds a Torch object of class '%s'"), printable (cls).c_str ());
        module (index, cls, nn_name, depth);
      }
  }

  void
  storage (int32_t index, const Element *e)
  {
    const int64_t n = read_long ();
    if (n < 0)
      damaged (_("a storage has a negative length (%lld)"), (ll) n);
    if ((uint64_t) n > left () / e->size)
      damaged (_("a storage claims %lld values but the file has %llu bytes left"), (ll) n,
               (ull) left ());
    // OpenCV makes it a 1 x n Mat.
    if (n > INT_MAX)
      unsupported (_("a storage of %lld values is more than OpenCV can hold"), (ll) n);
    pos_ += (size_t) n * e->size;
    Object &o = object (index);
    o.kind = Kind::Storage;
    o.element = e;
    o.count = n;
    summary_.storages++;
    summary_.storage_values += (uint64_t) n;
  }

  // The storage after a tensor's sizes: a new one or a reference.
  const Object &
  tensor_storage (const Element *e, bool &shared)
  {
    bool fresh = false;
    const int32_t index = read_index (fresh);
    shared = !fresh;
    if (fresh)
      {
        const std::string_view cls = class_name ();
        const Element *s = element_of (cls, "Storage");
        if (!s)
          damaged (_("a tensor's storage is a %s"), printable (cls).c_str ());
        if (s->cv_type != e->cv_type)
          damaged (_("a %s tensor has a %s storage"), e->name, s->name);
        storage (index, s);
      }
    const Object &o = object (index);
    if (o.kind != Kind::Storage)
      damaged (_("a tensor's storage is object %d, which is not a storage"), index);
    // OpenCV takes the tensor's type for a storage read before.
    if (o.element->cv_type != e->cv_type)
      damaged (_("a %s tensor has a %s storage"), e->name, o.element->name);
    return o;
  }

  void
  tensor (int32_t index, const Element *e)
  {
    const int32_t ndim = read_int ();
    if (ndim < 0 || ndim > kMaxDims)
      damaged (_("a tensor has %d dimensions (0 to %d are possible)"), ndim, kMaxDims);
    need ((size_t) ndim * 16 + 8);
    int64_t sizes[kMaxDims], strides[kMaxDims];
    for (int32_t i = 0; i < ndim; i++)
      sizes[i] = read_long ();
    for (int32_t i = 0; i < ndim; i++)
      strides[i] = read_long ();
    const int64_t offset = read_long (); // 1-based

    ++summary_.objects;
    const int32_t tag = read_int ();
    object (index).kind = Kind::Tensor;
    summary_.tensors++;
    if (tag == kNil)
      {
        if (ndim != 0)
          damaged (_("a tensor of %d dimensions has no storage"), ndim);
        return;
      }
    if (tag != kTorch)
      damaged (_("a tensor's storage has the type %d"), tag);

    bool shared = false;
    const Object &s = tensor_storage (e, shared);
    // A LongTensor over a storage read before is read as pairs of ints.
    if (shared && strcmp (e->name, "Long") == 0)
      unsupported (_("a LongTensor shares its storage, which OpenCV misreads"));
    Object &t = object (index);
    t.values = check_extent (sizes, strides, ndim, offset, s.count);
    t.ndim = ndim;
    for (int32_t i = 0; i < std::min (ndim, 4); i++)
      t.sizes[i] = sizes[i];
  }

  // The values the tensor reaches, from its offset through its sizes and
  // strides, all within its storage.  OpenCV takes the last dimension as
  // contiguous whatever its stride, and a negative stride as a huge one.
  uint64_t
  check_extent (const int64_t *sizes, const int64_t *strides, int32_t ndim, int64_t offset,
                int64_t count)
  {
    uint64_t values = ndim > 0 ? 1 : 0;
    for (int32_t i = 0; i < ndim; i++)
      {
        if (sizes[i] < 0 || sizes[i] > INT_MAX)
          damaged (_("a tensor has size %lld in dimension %d"), (ll) sizes[i], i + 1);
        if (strides[i] < 0)
          damaged (_("a tensor has stride %lld in dimension %d"), (ll) strides[i], i + 1);
        if (__builtin_mul_overflow (values, (uint64_t) sizes[i], &values))
          values = UINT64_MAX;
      }
    if (offset < 1 || offset - 1 > count)
      damaged (_("a tensor starts at value %lld of a storage of %lld values"), (ll) offset,
               (ll) count);
    if (values == 0)
      return 0;
    if (sizes[ndim - 1] > 1 && strides[ndim - 1] != 1)
      unsupported (_("a tensor is not contiguous in its last dimension (stride %lld)"),
                   (ll) strides[ndim - 1]);

    uint64_t end = (uint64_t) offset; // one past the last value, 1-based start
    bool overflow = false;
    for (int32_t i = 0; i < ndim; i++)
      {
        uint64_t step;
        overflow |= __builtin_mul_overflow ((uint64_t) sizes[i] - 1, (uint64_t) strides[i], &step);
        overflow |= __builtin_add_overflow (end, step, &end);
      }
    if (overflow || end > (uint64_t) count)
      damaged (_("a tensor reaches past the end of its storage of %lld values"), (ll) count);

    // Views may overlap, but the importer copies each tensor: together
    // they may not hold more values than the file's storages.
    if (values > UINT64_MAX - summary_.tensor_values)
      values = UINT64_MAX - summary_.tensor_values;
    summary_.tensor_values += values;
    if (summary_.tensor_values > summary_.storage_values)
      damaged (_("its tensors claim %llu values, more than the %llu its storages hold"),
               (ull) summary_.tensor_values, (ull) summary_.storage_values);
    return values;
  }

  void
  module (int32_t index, std::string_view cls, std::string_view nn, int depth)
  {
    summary_.modules++;
    // These the importer reads wrongly: no fields at all (the rest of the
    // file is then read out of step), or a null pointer when no pooling
    // layer gave the unpooling its indices.
    if (nn == "SoftMax" || nn == "LogSoftMax" || nn == "SpatialMaxUnpooling")
      unsupported (_("it holds an %s module, which OpenCV's Torch importer reads wrongly"),
                   printable (cls).c_str ());

    // These the importer reads as any value; the others as a new table.
    if (nn == "ReLU" || nn == "Tanh" || nn == "Sigmoid" || nn == "CAddTable")
      {
        value (depth + 1);
        object (index).kind = Kind::Module;
        return;
      }
    if (depth + 1 > ns::t7::kMaxDepth)
      damaged (_("its objects are nested more than %d deep"), ns::t7::kMaxDepth);
    ++summary_.objects;
    const int32_t tag = read_int ();
    bool fresh = false;
    const int32_t table_index = tag == kTable ? read_index (fresh) : 0;
    if (!fresh)
      damaged (_("the fields of an %s module are not a table of its own"),
               printable (cls).c_str ());
    Fields fields;
    table (table_index, depth + 1, &fields);
    check_fields (cls, nn, fields);
    object (index).kind = Kind::Module;
  }

  // The fields of kFieldRules, where this module has them.  A number is
  // taken as a whole number only if it is one (OpenCV casts it).
  void
  check_fields (std::string_view cls, std::string_view nn, const Fields &fields)
  {
    const std::string name = " " + std::string (nn) + " ";
    for (const FieldRule &r : kFieldRules)
      {
        const Value *v = strstr (r.modules, name.c_str ()) ? fields.find (r.key) : nullptr;
        if (v
            && (v->tag != kNumber || !(v->number >= r.lo && v->number <= r.hi)
                || v->number != std::floor (v->number)))
          damaged (_("the %s module's '%s' is not a whole number from %g to %g"),
                   printable (cls).c_str (), r.key, r.lo, r.hi);
      }
    if (strstr (kWeighted, name.c_str ()))
      check_weight (cls, nn, fields);
  }

  // The tensor a field refers to, or null.
  const Object *
  tensor_of (const Value *v)
  {
    if (!v || v->tag != kTorch || object (v->index).kind != Kind::Tensor)
      return nullptr;
    return &object (v->index);
  }

  // A convolution's weight: a tensor of 4 dimensions (2 for the MM one's
  // matrix), none of them empty; its bias and nOutputPlane, if any, of
  // its output channels.
  void
  check_weight (std::string_view cls, std::string_view nn, const Fields &fields)
  {
    const int32_t ndim = nn == "SpatialConvolutionMM" ? 2 : 4;
    const Object *weight = tensor_of (fields.find_first ("weight"));
    if (!weight || weight->ndim != ndim || weight->values == 0)
      damaged (_("the %s module's weight is not a tensor of %d dimensions"),
               printable (cls).c_str (), ndim);
    const int64_t outputs = weight->sizes[nn == "SpatialFullConvolution" ? 1 : 0];
    const Object *bias = tensor_of (fields.find_first ("bias"));
    if (bias && bias->values != (uint64_t) outputs)
      damaged (_("the %s module's '%s' does not match its weight"), printable (cls).c_str (),
               "bias");
    const Value *planes = fields.find ("nOutputPlane");
    if (planes && planes->number != (double) outputs)
      damaged (_("the %s module's '%s' does not match its weight"), printable (cls).c_str (),
               "nOutputPlane");
  }
};

struct MappedFileFree
{
  void operator() (GMappedFile *f) const { g_mapped_file_unref (f); }
};

} // namespace

ns::t7::Summary
ns::t7::check (const void *data, size_t size, const std::string &name)
{
  return Walker (static_cast<const uint8_t *> (data), size, name).walk ();
}

ns::t7::Summary
ns::t7::check_file (const std::string &path)
{
  g_autoptr (GError) error = NULL;
  std::unique_ptr<GMappedFile, MappedFileFree> file (g_mapped_file_new (path.c_str (), FALSE, &error));
  if (!file)
    ns::fail (NS_ENGINE_ERROR_NOT_FOUND, _("Model file '%s' cannot be read: %s"), path.c_str (),
              error->message);
  const char *bytes = g_mapped_file_get_contents (file.get ());
  const size_t size = g_mapped_file_get_length (file.get ());
  static const char empty[1] = { 0 };
  return check (bytes ? bytes : empty, bytes ? size : 0, path);
}
