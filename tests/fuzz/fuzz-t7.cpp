// fuzz-t7.cpp: the Torch .t7 walker (engine/formats/torch-t7.cpp) on
// hand-made hostile files (a storage of 2^40 floats in 173 bytes, negative
// sizes, huge ndim, strides past the storage, references forward, cycles,
// deep nesting, strings past the end, wrong type tags, modules OpenCV's
// importer misreads), on every truncation of them and of the networks
// tests/data makes, and on thousands of mutated copies of those networks.
// Each case must end in a clean ns::Error naming the file or a valid walk,
// with no crash, no hang and no allocation over 64 MB; every copy the walker
// accepts is then read by cv::dnn::readNetFromTorch itself, which may refuse
// it but must not crash.  The hostile files also go through the C API
// (ns_engine_new), which must refuse each with the walker's message, and so
// do a thousand mutated copies of the small networks: those the walker
// accepts are built into OpenCV layers and probed, which must not crash
// either (an empty convolution weight or a stride of 0 made OpenCV divide
// by zero).
// scripts/run-tests runs it under ASan + UBSan.  Deterministic.
#include "../engine/test-util.hpp"
#include "fuzz-util.hpp"

#include "engine-private.hpp"
#include "formats/torch-t7.hpp"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <random>

namespace {

constexpr double kMaxCaseSeconds = 5.0;

using namespace ns::t7; // the type tags

enum class Expect { Any, Valid, Error };

struct Counts
{
  size_t cases = 0, errors = 0, valid = 0, opencv_loaded = 0, failures = 0;
  double slowest = 0;
};

Counts total;
std::string tmp_dir;

// ---------------------------------------------------------------------------
// Writing Torch7's format by hand

struct Writer
{
  std::string b;

  Writer &
  i (int32_t v)
  {
    b.append (reinterpret_cast<const char *> (&v), 4);
    return *this;
  }
  Writer &
  l (int64_t v)
  {
    b.append (reinterpret_cast<const char *> (&v), 8);
    return *this;
  }
  Writer &
  d (double v)
  {
    b.append (reinterpret_cast<const char *> (&v), 8);
    return *this;
  }
  Writer &
  s (const std::string &v)
  {
    i ((int32_t) v.size ());
    b += v;
    return *this;
  }
  Writer &
  raw (size_t n)
  {
    for (size_t k = 0; k < n; k++)
      b += char (k * 37);
    return *this;
  }
  // A new torch object's header.
  Writer &
  object (int32_t index, const std::string &cls)
  {
    return i (kTorch).i (index).s ("V 1").s (cls);
  }
  Writer &
  table (int32_t index, int32_t pairs)
  {
    return i (kTable).i (index).i (pairs);
  }
  Writer &
  key (const std::string &k)
  {
    return i (kString).s (k);
  }
  Writer &
  number (double v)
  {
    return i (kNumber).d (v);
  }
  // A tensor's header up to its storage.
  Writer &
  tensor (int32_t index, const std::string &cls, const std::vector<int64_t> &sizes,
          const std::vector<int64_t> &strides, int64_t offset)
  {
    object (index, cls).i ((int32_t) sizes.size ());
    for (int64_t v : sizes)
      l (v);
    for (int64_t v : strides)
      l (v);
    return l (offset);
  }
  Writer &
  storage (int32_t index, const std::string &cls, int64_t count, size_t data_bytes)
  {
    return object (index, cls).l (count).raw (data_bytes);
  }
};

// A 2 x 3 FloatTensor (index `index`) on a new storage of `count` floats
// (index + 1), with these sizes, strides and offset.
std::string
float_tensor (const std::vector<int64_t> &sizes, const std::vector<int64_t> &strides,
              int64_t offset = 1, int64_t count = 6, int32_t index = 1)
{
  Writer w;
  w.tensor (index, "torch.FloatTensor", sizes, strides, offset);
  w.storage (index + 1, "torch.FloatStorage", count, (size_t) std::max<int64_t> (count, 0) * 4);
  return w.b;
}

// A module (index 1) whose fields table (index 2) holds `fields`: pairs of
// a key and the bytes of its value.
std::string
module (const std::string &cls, const std::vector<std::pair<std::string, std::string>> &fields)
{
  Writer w;
  w.object (1, cls).table (2, (int32_t) fields.size ());
  for (const auto &[k, v] : fields)
    w.key (k).b += v;
  return w.b;
}

std::string
number (double v)
{
  return Writer ().number (v).b;
}

// A FloatTensor value (index `index`) of these sizes, contiguous, on a new
// storage (index + 1) of just its values.
std::string
tensor_value (int32_t index, const std::vector<int64_t> &sizes)
{
  std::vector<int64_t> strides (sizes.size (), 1);
  int64_t n = 1;
  for (size_t k = sizes.size (); k-- > 0;)
    {
      strides[k] = n;
      n *= sizes[k];
    }
  return float_tensor (sizes, strides, 1, n, index);
}

// A 1x1 convolution from one channel to two: module 1, fields table 2,
// weight tensor 3 (storage 4), bias tensor 5 (storage 6).
std::vector<std::pair<std::string, std::string>>
convolution_fields (const std::vector<int64_t> &bias_sizes, double planes)
{
  return { { "nInputPlane", number (1) }, { "nOutputPlane", number (planes) },
           { "kW", number (1) }, { "kH", number (1) }, { "dW", number (1) }, { "dH", number (1) },
           { "weight", tensor_value (3, { 2, 1, 1, 1 }) }, { "bias", tensor_value (5, bias_sizes) } };
}

// ---------------------------------------------------------------------------
// Running a case

std::string
write_temp (const std::string &name, const std::string &bytes)
{
  const std::string path = tmp_dir + "/" + name;
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path.c_str (), bytes.data (), (gssize) bytes.size (), &error);
  g_assert_no_error (error);
  return path;
}

// The walker on `bytes`; when it accepts them, OpenCV's importer too.
void
run_case (const std::string &what, Expect expect, const std::string &bytes, Counts &c,
          const std::string &message = "")
{
  std::string failure;
  const auto start = std::chrono::steady_clock::now ();
  bool valid = false;
  c.cases++;
  try
    {
      const ns::t7::Summary s = ns::t7::check (bytes.data (), bytes.size (), "fuzzed.t7");
      valid = true;
      c.valid++;
      if (s.tensor_values > s.storage_values)
        failure = "tensors hold more values than storages";
      if (expect == Expect::Error)
        failure = "accepted";
    }
  catch (const ns::Error &e)
    {
      c.errors++;
      if (e.code != NS_ENGINE_ERROR_CORRUPT)
        failure = "unexpected error code: " + e.message;
      else if (e.message.find ("'fuzzed.t7'") == std::string::npos)
        failure = "message without the file: " + e.message;
      else if (expect == Expect::Valid)
        failure = "refused: " + e.message;
      else if (!message.empty () && e.message.find (message) == std::string::npos)
        failure = "message '" + e.message + "' without '" + message + "'";
    }
  catch (const std::bad_alloc &)
    {
      failure = fuzz::allocation_failure ();
    }
  catch (const std::exception &e)
    {
      failure = std::string ("exception: ") + e.what ();
    }

  // What the walker lets through, OpenCV reads: refusing is fine, crashing
  // or asking for a huge block is not.
  if (valid)
    {
      const std::string path = write_temp ("accepted.t7", bytes);
      try
        {
          cv::dnn::Net net = cv::dnn::readNetFromTorch (path);
          c.opencv_loaded += !net.empty ();
        }
      catch (const cv::Exception &)
        {
        }
      catch (const std::bad_alloc &)
        {
          if (fuzz::allocation_failure () != "out of memory")
            failure = "OpenCV asked for more than 64 MB";
        }
      catch (const std::exception &)
        {
        }
      g_unlink (path.c_str ());
    }
  fuzz::end_case (what, failure, start, kMaxCaseSeconds, c.slowest, c.failures);
}

void
report (const char *name, const Counts &c, size_t expected_cases)
{
  g_test_message ("%s: %zu cases, %zu clean errors, %zu valid (%zu loaded by OpenCV), slowest "
                  "%.1f ms",
                  name, c.cases, c.errors, c.valid, c.opencv_loaded, 1000 * c.slowest);
  total.cases += c.cases;
  total.errors += c.errors;
  total.valid += c.valid;
  total.opencv_loaded += c.opencv_loaded;
  total.failures += c.failures;
  total.slowest = std::max (total.slowest, c.slowest);
  g_assert_cmpuint (c.failures, ==, 0);
  g_assert_cmpuint (c.cases, ==, expected_cases);
}

// ---------------------------------------------------------------------------
// The networks tests/data makes

struct Seed
{
  std::string name;
  std::string bytes;
  // Offsets outside the storages' raw floats: type tags, indices, class
  // names, counts, sizes, strides, numbers.
  std::vector<size_t> structure;
};

std::vector<Seed> seeds;

// The raw data of every torch.FloatStorage, found by its class name: the
// test's own reading of the layout, sharing nothing with the walker.
std::vector<size_t>
structure_of (const std::string &bytes)
{
  std::vector<bool> data (bytes.size (), false);
  const std::string cls = "torch.FloatStorage";
  for (size_t at = bytes.find (cls); at != std::string::npos; at = bytes.find (cls, at + 1))
    {
      const size_t count_at = at + cls.size ();
      int64_t count = 0;
      memcpy (&count, bytes.data () + count_at, 8);
      for (size_t k = count_at + 8; k < count_at + 8 + 4 * (size_t) count && k < bytes.size (); k++)
        data[k] = true;
    }
  std::vector<size_t> structure;
  for (size_t k = 0; k < bytes.size (); k++)
    if (!data[k])
      structure.push_back (k);
  return structure;
}

using test::read_file;

void
load_seeds ()
{
  for (const char *name : { "instance-norm.t7", "eccv16.t7", "five-blocks.t7", "tiny-zero.t7",
                            "reflect-eccv16.t7" })
    {
      Seed s { name, read_file (test::made_data (name)), {} };
      s.structure = structure_of (s.bytes);
      seeds.push_back (s);
    }
}

// Every network tests/data makes walks, its tensors within its storages,
// and OpenCV loads it.
void
test_valid ()
{
  Counts c;
  for (const Seed &s : seeds)
    {
      const ns::t7::Summary summary = ns::t7::check_file (test::made_data (s.name));
      g_test_message ("%s: %zu bytes, %zu values, %zu modules, %zu tensors (%" G_GUINT64_FORMAT
                      " values), %zu storages (%" G_GUINT64_FORMAT " values), %zu structure bytes",
                      s.name.c_str (), s.bytes.size (), summary.objects, summary.modules,
                      summary.tensors, summary.tensor_values, summary.storages,
                      summary.storage_values, s.structure.size ());
      g_assert_cmpuint (summary.modules, >, 10);
      g_assert_cmpuint (summary.tensor_values, >, 1000);
      g_assert_cmpuint (summary.tensor_values, <=, summary.storage_values);
      // The scanner found every float.
      g_assert_cmpuint (s.bytes.size () - s.structure.size (), ==, 4 * summary.storage_values);
      run_case (s.name, Expect::Valid, s.bytes, c);
    }
  g_assert_cmpuint (c.opencv_loaded, ==, seeds.size ());
  report ("valid networks", c, seeds.size ());
}

// Cut short anywhere, a network is an error: every byte of the two small
// ones, every structure byte and every 101st float byte of the others.
void
test_truncated ()
{
  Counts c;
  size_t n = 0;
  for (const Seed &s : seeds)
    {
      const bool small = s.bytes.size () < 40000;
      std::vector<bool> structure (s.bytes.size (), false);
      for (size_t k : s.structure)
        structure[k] = true;
      for (size_t length = 0; length < s.bytes.size (); length++)
        if (small || structure[length] || length % 101 == 0)
          {
            n++;
            run_case (s.name + " truncated to " + std::to_string (length), Expect::Error,
                      s.bytes.substr (0, length), c, "is damaged");
          }
    }
  report ("truncated networks", c, n);
}

// A few changes, mostly where the structure is: a flipped bit, a byte or
// an int or long set to one that matters, a deleted or doubled run.
std::string
mutate (const Seed &seed, std::mt19937_64 &rng)
{
  static const int64_t interesting[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, 32, 33, 255, 256, 65535, 65536, INT32_MAX, INT32_MIN,
    (int64_t) 1 << 31, (int64_t) 1 << 32, (int64_t) 1 << 40, INT64_MAX, INT64_MIN,
  };
  std::string b = seed.bytes;
  const int changes = 1 + int (rng () % 4);
  for (int k = 0; k < changes && b.size () > 8; k++)
    {
      size_t pos = rng () % 5 ? seed.structure[rng () % seed.structure.size ()] : rng () % b.size ();
      pos = std::min (pos, b.size () - 8);
      const int64_t v = interesting[rng () % G_N_ELEMENTS (interesting)];
      const size_t run = 1 + rng () % 24;
      switch (rng () % 7)
        {
        case 0:
        case 1:
          b[pos] ^= char (1u << (rng () % 8));
          break;
        case 2:
          b[pos] = char (v);
          break;
        case 3:
          {
            const int32_t i = (int32_t) v;
            memcpy (&b[pos], &i, 4);
          }
          break;
        case 4:
          memcpy (&b[pos], &v, 8);
          break;
        case 5:
          b.erase (pos, run);
          break;
        default:
          b.insert (pos, b.substr (pos, run));
        }
    }
  return b;
}

void
test_mutated ()
{
  std::mt19937_64 rng (1);
  Counts c;
  const size_t per_seed = 1200;
  for (const Seed &s : seeds)
    for (size_t i = 0; i < per_seed; i++)
      run_case (s.name + " mutation " + std::to_string (i), Expect::Any, mutate (s, rng), c);
  report ("mutated networks", c, per_seed * seeds.size ());
}

// ---------------------------------------------------------------------------
// Hostile files

struct Hostile
{
  std::string what;
  std::string bytes;
  std::string message; // in the error
};

std::string
nested_tables (int depth)
{
  Writer w;
  for (int k = 1; k <= depth; k++)
    w.table (k, k < depth ? 1 : 0).b += k < depth ? number (1) : "";
  return w.b;
}

std::vector<Hostile>
hostile_files ()
{
  std::vector<Hostile> h;

  // The file: a FloatTensor whose storage claims 2^40 floats.
  {
    Writer w;
    w.tensor (1, "torch.FloatTensor", { 16 }, { 1 }, 1);
    w.storage (2, "torch.FloatStorage", (int64_t) 1 << 40, 64);
    g_assert_cmpuint (w.b.size (), ==, 173);
    h.push_back ({ "storage of 2^40 floats in 173 bytes", w.b,
                   "a storage claims 1099511627776 values but the file has 64 bytes left" });
  }
  h.push_back ({ "storage of 2^62 doubles", Writer ().storage (1, "torch.DoubleStorage", (int64_t) 1 << 62, 8).b,
                 "claims 4611686018427387904 values" });
  h.push_back ({ "storage of INT64_MAX bytes", Writer ().storage (1, "torch.ByteStorage", INT64_MAX, 8).b,
                 "claims 9223372036854775807 values" });
  h.push_back ({ "storage of a negative length", float_tensor ({ 2, 3 }, { 3, 1 }, 1, -6),
                 "a storage has a negative length (-6)" });
  h.push_back ({ "storage one float short", float_tensor ({ 2, 3 }, { 3, 1 }).substr (0, float_tensor ({ 2, 3 }, { 3, 1 }).size () - 1),
                 "claims 6 values but the file has 23 bytes left" });

  for (int32_t ndim : { -1, 33, INT32_MAX, INT32_MIN })
    {
      Writer w;
      w.object (1, "torch.FloatTensor").i (ndim).raw (64);
      h.push_back ({ "ndim " + std::to_string (ndim), w.b, "dimensions (0 to 32 are possible)" });
    }
  {
    Writer w;
    w.object (1, "torch.FloatTensor").i (32).raw (100);
    h.push_back ({ "32 dimensions, their sizes past the end", w.b, "in the middle of a value" });
  }
  h.push_back ({ "negative size", float_tensor ({ 2, -3 }, { 3, 1 }), "has size -3 in dimension 2" });
  h.push_back ({ "size over INT_MAX", float_tensor ({ (int64_t) 1 << 31, 1 }, { 0, 1 }),
                 "has size 2147483648 in dimension 1" });
  h.push_back ({ "negative stride", float_tensor ({ 2, 3 }, { -3, 1 }), "has stride -3 in dimension 1" });
  h.push_back ({ "stride past the storage", float_tensor ({ 2, 3 }, { 4, 1 }), "reaches past the end of its storage of 6 values" });
  h.push_back ({ "stride overflowing", float_tensor ({ 3, 3 }, { (int64_t) 1 << 62, 1 }, 1, 9),
                 "reaches past the end" });
  h.push_back ({ "sizes times strides overflowing", float_tensor ({ INT32_MAX, INT32_MAX, 1 }, { INT32_MAX, 1, 1 }, 1, 9),
                 "reaches past the end" });
  h.push_back ({ "offset 0", float_tensor ({ 2, 3 }, { 3, 1 }, 0), "starts at value 0 of a storage of 6 values" });
  h.push_back ({ "offset past the storage", float_tensor ({ 2, 3 }, { 3, 1 }, 9), "starts at value 9" });
  h.push_back ({ "offset INT64_MIN", float_tensor ({ 2, 3 }, { 3, 1 }, INT64_MIN), "starts at value" });
  h.push_back ({ "offset leaving too few values", float_tensor ({ 2, 3 }, { 3, 1 }, 2), "reaches past the end" });
  h.push_back ({ "a million values from one by stride 0", float_tensor ({ 1000000, 1 }, { 0, 1 }),
                 "its tensors claim 1000000 values, more than the 6" });
  h.push_back ({ "last dimension not contiguous", float_tensor ({ 3, 2 }, { 1, 3 }),
                 "not contiguous in its last dimension (stride 3)" });
  h.push_back ({ "two dimensions, no storage", Writer ().tensor (1, "torch.FloatTensor", { 2, 3 }, { 3, 1 }, 1).i (kNil).b,
                 "a tensor of 2 dimensions has no storage" });
  h.push_back ({ "storage tagged a number", Writer ().tensor (1, "torch.FloatTensor", { 2 }, { 1 }, 1).number (1).b,
                 "a tensor's storage has the type 1" });
  {
    Writer w;
    w.tensor (1, "torch.DoubleTensor", { 2, 3 }, { 3, 1 }, 1).storage (2, "torch.FloatStorage", 6, 24);
    h.push_back ({ "DoubleTensor on a new FloatStorage", w.b, "a Double tensor has a Float storage" });
  }
  {
    // The second tensor's storage is the first's: OpenCV checks no type.
    Writer w;
    w.table (1, 2).number (1).b += float_tensor ({ 6 }, { 1 }, 1, 6, 2);
    w.number (2).tensor (4, "torch.DoubleTensor", { 3 }, { 1 }, 1).i (kTorch).i (3);
    h.push_back ({ "DoubleTensor on a FloatStorage read before", w.b, "a Double tensor has a Float storage" });
  }
  {
    Writer w;
    w.table (1, 2).number (1).tensor (2, "torch.LongTensor", { 2 }, { 1 }, 1);
    w.storage (3, "torch.LongStorage", 4, 32);
    w.number (2).tensor (4, "torch.LongTensor", { 2 }, { 1 }, 3).i (kTorch).i (3);
    h.push_back ({ "LongTensor sharing a storage", w.b, "a LongTensor shares its storage" });
  }
  {
    Writer w;
    w.table (1, 2).number (1).table (2, 0).number (2);
    w.tensor (3, "torch.FloatTensor", { 2 }, { 1 }, 1).i (kTorch).i (2);
    h.push_back ({ "storage that is a table", w.b, "a tensor's storage is object 2, which is not a storage" });
  }
  {
    Writer w;
    w.tensor (1, "torch.FloatTensor", { 2 }, { 1 }, 1).object (2, "nn.ReLU").i (kNil);
    h.push_back ({ "storage that is a module", w.b, "a tensor's storage is a nn.ReLU" });
  }
  {
    Writer w;
    w.table (1, 2).number (1).b += float_tensor ({ 3, 2 }, { 2, 1 }, 1, 6, 2);
    w.number (2).tensor (4, "torch.FloatTensor", { 6 }, { 1 }, 1).i (kTorch).i (3);
    h.push_back ({ "two tensors on all of one storage", w.b, "its tensors claim 12 values, more than the 6" });
  }

  // References and indices.
  h.push_back ({ "reference to a later object", Writer ().table (1, 1).number (1).i (kTable).i (5).i (0).b,
                 "refers to object 5, but only 1 objects come before it" });
  h.push_back ({ "object index 0", Writer ().table (0, 0).b, "refers to object 0" });
  h.push_back ({ "object index -1", Writer ().i (kTorch).i (-1).s ("V 1").s ("nn.ReLU").i (kNil).b,
                 "refers to object -1" });
  h.push_back ({ "object index skipping one", Writer ().table (1, 1).number (1).table (3, 0).b,
                 "refers to object 3, but only 1" });
  h.push_back ({ "table containing itself", Writer ().table (1, 1).number (1).i (kTable).i (1).b,
                 "object 1 contains itself" });
  h.push_back ({ "module containing itself", Writer ().object (1, "nn.Sequential").table (2, 1).key ("modules").i (kTorch).i (1).b,
                 "object 1 contains itself" });
  h.push_back ({ "tables nested 102 deep", nested_tables (102), "nested more than 100 deep" });
  h.push_back ({ "tables nested 100000 deep", nested_tables (100000), "nested more than 100 deep" });

  // Strings, tags and counts.
  h.push_back ({ "class name past the end", Writer ().i (kTorch).i (1).s ("V 1").i (INT32_MAX).raw (20).b,
                 "a string claims 2147483647 bytes but the file has 20 bytes left" });
  h.push_back ({ "version of a negative length", Writer ().i (kTorch).i (1).i (-5).raw (20).b,
                 "a string has a negative length (-5)" });
  h.push_back ({ "string value past the end", Writer ().i (kString).i (100).raw (10).b,
                 "a string claims 100 bytes but the file has 10 bytes left" });
  for (int32_t tag : { 9, -1, 1000, INT32_MAX })
    h.push_back ({ "type tag " + std::to_string (tag), Writer ().table (1, 1).number (1).i (tag).raw (16).b,
                   "unknown type " + std::to_string (tag) });
  for (int32_t tag : { 6, 7, 8 })
    h.push_back ({ "function tag " + std::to_string (tag), Writer ().i (tag).raw (16).b, "a Lua function" });
  h.push_back ({ "table of INT32_MAX pairs", Writer ().table (1, INT32_MAX).raw (16).b,
                 "a table claims 2147483647 entries but the file has 16 bytes left" });
  h.push_back ({ "table of a negative length", Writer ().table (1, -1).b, "a table has a negative length (-1)" });
  h.push_back ({ "a text file", "This is a text file, not a Torch model.\n",
                 "is truncated or corrupt: it is not a readable Torch model" });
  h.push_back ({ "empty file", "", "it ends after 0 bytes" });
  h.push_back ({ "three bytes", std::string ("\x03\x00\x00", 3), "it ends after 3 bytes" });

  // Classes.
  for (const char *cls : { "torch.HalfTensor", "torch.CudaDoubleStorage", "torch.Tensor" })
    h.push_back ({ std::string ("class ") + cls, Writer ().object (1, cls).raw (40).b,
                   std::string ("it holds a ") + cls + ", an element type OpenCV does not know" });
  for (const char *cls : { "image.Foo", "", "torch.File" })
    h.push_back ({ std::string ("class '") + cls + "'", Writer ().object (1, cls).raw (40).b,
                   std::string ("it holds a Torch object of class '") + cls + "'" });
  h.push_back ({ "class name with control bytes", Writer ().object (1, "x\x01\xff").raw (8).b, "class 'x?\?'" });

  // Modules the importer mishandles.
  for (const char *cls : { "nn.SoftMax", "nn.LogSoftMax", "nn.SpatialMaxUnpooling" })
    h.push_back ({ cls, module (cls, { { "train", Writer ().i (kBoolean).i (1).b } }),
                   std::string ("it holds an ") + cls + " module" });
  for (double dim : { 0.0, -1.0, 5.0, 1.5, 4294967297.0, 1e300 })
    h.push_back ({ "nn.Padding dim " + std::to_string (dim),
                   module ("nn.Padding", { { "pad", number (2) }, { "dim", number (dim) } }),
                   "the nn.Padding module's 'dim' is not a whole number from 1 to 4" });
  h.push_back ({ "nn.Padding dim as a string",
                 module ("nn.Padding", { { "pad", number (2) }, { "dim", Writer ().i (kString).s ("0").b } }),
                 "'dim' is not a whole number" });
  h.push_back ({ "nn.SpatialConvolutionMM kW 0",
                 module ("nn.SpatialConvolutionMM", { { "kW", number (0) }, { "kH", number (3) } }),
                 "the nn.SpatialConvolutionMM module's 'kW' is not a whole number from 1 to 65536" });
  h.push_back ({ "nn.InstanceNormalization of 2^31-1 channels",
                 module ("nn.InstanceNormalization", { { "eps", number (1e-5) }, { "nOutput", number (INT32_MAX) } }),
                 "'nOutput' is not a whole number from 1 to 65536" });
  h.push_back ({ "nn.SpatialConvolution dW 0",
                 module ("nn.SpatialConvolution", { { "kW", number (3) }, { "dW", number (0) } }),
                 "the nn.SpatialConvolution module's 'dW' is not a whole number from 1 to 65536" });
  h.push_back ({ "nn.SpatialFullConvolution without weight",
                 module ("nn.SpatialFullConvolution", { { "kW", number (3) }, { "kH", number (3) } }),
                 "the nn.SpatialFullConvolution module's weight is not a tensor of 4 dimensions" });
  h.push_back ({ "nn.SpatialConvolution with an empty weight",
                 module ("nn.SpatialConvolution",
                         { { "weight", Writer ().tensor (3, "torch.FloatTensor", {}, {}, 1).i (kNil).b } }),
                 "weight is not a tensor of 4 dimensions" });
  h.push_back ({ "nn.SpatialConvolution with a bias of 3 for 2 channels",
                 module ("nn.SpatialConvolution", convolution_fields ({ 3 }, 2)),
                 "the nn.SpatialConvolution module's 'bias' does not match its weight" });
  h.push_back ({ "nn.SpatialConvolution of 5 planes with a weight of 2",
                 module ("nn.SpatialConvolution", convolution_fields ({ 2 }, 5)),
                 "'nOutputPlane' does not match its weight" });
  h.push_back ({ "module fields a number", Writer ().object (1, "nn.Identity").number (1).b,
                 "the fields of an nn.Identity module are not a table of its own" });
  {
    Writer w;
    w.table (1, 2).number (1).table (2, 0).number (2).object (3, "nn.Identity").i (kTable).i (2);
    h.push_back ({ "module fields a table read before", w.b, "are not a table of its own" });
  }
  return h;
}

// Files that are odd but right: the walker accepts them.
std::vector<std::pair<std::string, std::string>>
odd_but_valid_files ()
{
  std::vector<std::pair<std::string, std::string>> v;
  v.push_back ({ "tables nested 101 deep (the root and 100 inside)", nested_tables (101) });
  v.push_back ({ "a 2 x 3 tensor", float_tensor ({ 2, 3 }, { 3, 1 }) });
  v.push_back ({ "a 2 x 3 tensor at the end of 8 values", float_tensor ({ 2, 3 }, { 3, 1 }, 3, 8) });
  v.push_back ({ "a 0 x 3 tensor", float_tensor ({ 0, 3 }, { 3, 1 }, 7) });
  v.push_back ({ "an empty tensor", Writer ().tensor (1, "torch.FloatTensor", {}, {}, 1).i (kNil).b });
  v.push_back ({ "a 1 x 6 tensor with stride 0", float_tensor ({ 1, 6 }, { 0, 1 }) });
  v.push_back ({ "a class name without version", Writer ().i (kTorch).i (1).s ("nn.ReLU").i (kNil).b });
  v.push_back ({ "a CudaTensor", Writer ().tensor (1, "torch.CudaTensor", { 2 }, { 1 }, 1).storage (2, "torch.FloatStorage", 2, 8).b });
  {
    Writer w;
    w.table (1, 2).number (1).b += float_tensor ({ 3 }, { 1 }, 1, 6, 2);
    w.number (2).tensor (4, "torch.FloatTensor", { 3 }, { 1 }, 4).i (kTorch).i (3);
    v.push_back ({ "two tensors on the halves of one storage", w.b });
  }
  {
    Writer w;
    w.table (1, 2).number (1).table (2, 0).number (2).i (kTable).i (2);
    v.push_back ({ "a table referenced twice", w.b });
  }
  v.push_back ({ "a 1x1 convolution", module ("nn.SpatialConvolution", convolution_fields ({ 2 }, 2)) });
  v.push_back ({ "nn.Padding dim 2", module ("nn.Padding", { { "pad", number (2) }, { "dim", number (2) } }) });
  return v;
}

void
test_hostile ()
{
  Counts c;
  const auto list = hostile_files ();
  for (const Hostile &h : list)
    run_case (h.what, Expect::Error, h.bytes, c, h.message);
  report ("hostile files", c, list.size ());
}

void
test_odd_but_valid ()
{
  Counts c;
  const auto list = odd_but_valid_files ();
  for (const auto &[what, bytes] : list)
    run_case (what, Expect::Valid, bytes, c);
  report ("odd but valid files", c, list.size ());
}

// Every truncation of every hostile and odd file is a clean error or, if
// what is left is a whole object, a valid walk.
void
test_hostile_truncated ()
{
  Counts c;
  size_t n = 0;
  std::vector<std::string> files;
  for (const Hostile &h : hostile_files ())
    if (h.bytes.size () < 20000)
      files.push_back (h.bytes);
  for (const auto &[what, bytes] : odd_but_valid_files ())
    files.push_back (bytes);
  for (const std::string &bytes : files)
    for (size_t length = 0; length < bytes.size (); length++, n++)
      run_case ("truncated to " + std::to_string (length), Expect::Any, bytes.substr (0, length), c);
  report ("truncated hostile files", c, n);
}

// Through the C API, as the CLI and the plug-in load a model: each hostile
// file refused with the walker's message, a real network loaded.
void
test_engine ()
{
  size_t i = 0;
  for (const Hostile &h : hostile_files ())
    {
      const std::string path = write_temp ("hostile-" + std::to_string (i++) + ".t7", h.bytes);
      g_autoptr (GError) error = NULL;
      g_autoptr (NsEngine) engine = ns_engine_new (path.c_str (), NS_CONVENTION_AUTO, &error);
      if (h.bytes.empty ())
        {
          // Refused before the walker: empty files are.
          g_assert_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CORRUPT);
          continue;
        }
      if (engine || !error || error->code != NS_ENGINE_ERROR_CORRUPT
          || !strstr (error->message, path.c_str ()) || !strstr (error->message, h.message.c_str ()))
        g_error ("%s: %s", h.what.c_str (), error ? error->message : "loaded");
      g_unlink (path.c_str ());
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (NsEngine) engine = ns_engine_new (test::made_data ("instance-norm.t7").c_str (),
                                               NS_CONVENTION_AUTO, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ns_engine_get_convention (engine), ==, NS_CONVENTION_JOHNSON);
}

// Mutated copies of the two small networks that the walker accepts, loaded
// through the C API: OpenCV's layers made from their fields, the engine's
// probes run.  A clean error or an engine, never a crash.
void
test_engine_mutated ()
{
  std::mt19937_64 rng (2);
  size_t tried = 0, walked = 0, loaded = 0;
  for (const Seed &s : seeds)
    {
      if (s.bytes.size () > 40000)
        continue;
      for (int i = 0; i < 600; i++)
        {
          const std::string bytes = mutate (s, rng);
          tried++;
          try
            {
              ns::t7::check (bytes.data (), bytes.size (), "mutated.t7");
            }
          catch (const ns::Error &)
            {
              continue;
            }
          walked++;
          const std::string path = write_temp ("mutated.t7", bytes);
          g_autoptr (GError) error = NULL;
          g_autoptr (NsEngine) engine = ns_engine_new (path.c_str (), NS_CONVENTION_AUTO, &error);
          loaded += engine != NULL;
          g_assert_true ((engine == NULL) == (error != NULL));
          g_unlink (path.c_str ());
        }
    }
  g_test_message ("mutated networks through the C API: %zu copies, %zu walked, %zu loaded", tried,
                  walked, loaded);
  g_assert_cmpuint (walked, >, 50);
  g_assert_cmpuint (loaded, >, 10);
}

void
test_summary ()
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  g_test_message ("fuzz-t7: %zu cases: %zu clean errors, %zu valid (%zu loaded by OpenCV), %zu "
                  "failures; slowest case %.1f ms; peak RSS %ld MB",
                  total.cases, total.errors, total.valid, total.opencv_loaded, total.failures,
                  1000 * total.slowest, usage.ru_maxrss / 1024);
  g_assert_cmpuint (total.failures, ==, 0);
  g_assert_cmpuint (total.cases, >=, 10000);
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autofree gchar *tmp = g_dir_make_tmp ("fuzz-t7-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  tmp_dir = tmp;
  load_seeds ();

  g_test_add_func ("/fuzz-t7/networks/valid", test_valid);
  g_test_add_func ("/fuzz-t7/networks/truncated", test_truncated);
  g_test_add_func ("/fuzz-t7/networks/mutated", test_mutated);
  g_test_add_func ("/fuzz-t7/hostile/refused", test_hostile);
  g_test_add_func ("/fuzz-t7/hostile/odd-but-valid", test_odd_but_valid);
  g_test_add_func ("/fuzz-t7/hostile/truncated", test_hostile_truncated);
  g_test_add_func ("/fuzz-t7/engine/c-api", test_engine);
  g_test_add_func ("/fuzz-t7/engine/mutated", test_engine_mutated);
  g_test_add_func ("/fuzz-t7/summary/all", test_summary); // runs last
  const int status = g_test_run ();
  g_rmdir (tmp);
  return status;
}
