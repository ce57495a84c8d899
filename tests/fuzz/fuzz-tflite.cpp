// fuzz-tflite.cpp: thousands of truncated and mutated copies of the three
// real Magenta .tflite files and of tflite-maker's valid and hostile ones.
// Each copy is parsed, and when it parses every constant whose description
// changed is dequantized; each must end in a valid model or a clean
// ns::Error naming the file, with no crash, no hang and no allocation over
// 64 MB.  scripts/run-tests runs it under ASan + UBSan.  Deterministic: the
// same cases every run.  One TAP test point per seed and kind of change.
#include "../engine/test-util.hpp"
#include "tflite-maker.hpp"

#include "engine-private.hpp"
#include "tflite.hpp"

#include <glib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <new>
#include <random>

namespace {

constexpr size_t kMaxAllocation = size_t (64) << 20;
constexpr double kMaxCaseSeconds = 5.0;
bool huge_allocation = false;

} // namespace

// The largest file is 2.8 MB: no parse has a reason to ask for more.
void *
operator new (size_t n)
{
  if (n > kMaxAllocation)
    {
      huge_allocation = true;
      throw std::bad_alloc ();
    }
  if (void *p = std::malloc (n ? n : 1))
    return p;
  throw std::bad_alloc ();
}

void operator delete (void *p) noexcept { std::free (p); }
void operator delete (void *p, size_t) noexcept { std::free (p); }

namespace {

using ns::tflite::Model;
using ns::tflite::Tensor;

struct Seed
{
  std::string name;
  std::vector<uint8_t> bytes;
  bool real = false;            // one of the Magenta files
  bool valid = false;
  Model model;                  // if valid
  std::vector<uint32_t> structure; // offsets outside any tensor's data
};

struct Counts
{
  size_t cases = 0, errors = 0, valid = 0, dequantized = 0, failures = 0;
  double slowest = 0;
};

Counts total;

bool
same_description (const Tensor &a, const Tensor &b)
{
  return a.type == b.type && a.shape == b.shape && a.offset == b.offset && a.size == b.size
         && a.quant.scale == b.quant.scale && a.quant.zero_point == b.quant.zero_point
         && a.quant.dimension == b.quant.dimension;
}

// One copy: parse, dequantize what changed, classify.
void
run_case (const Seed &seed, std::vector<uint8_t> bytes, const std::string &what, Counts &c)
{
  const std::string name = seed.name + ".tflite";
  std::string failure;
  const auto start = std::chrono::steady_clock::now ();
  c.cases++;
  try
    {
      const Model m = ns::tflite::parse_model (std::move (bytes), name);
      for (size_t i = 0; i < m.tensors.size (); i++)
        if (m.tensors[i].constant
            && !(seed.valid && i < seed.model.tensors.size ()
                 && same_description (m.tensors[i], seed.model.tensors[i])))
          {
            const cv::Mat v = ns::tflite::dequantize (m, int (i));
            if (v.total () != ns::tflite::element_count (m.tensors[i].shape))
              failure = "dequantized the wrong number of values";
            c.dequantized++;
          }
      c.valid++;
    }
  catch (const ns::Error &e)
    {
      c.errors++;
      if (e.code != NS_ENGINE_ERROR_CORRUPT && e.code != NS_ENGINE_ERROR_NOT_IMAGE_MODEL)
        failure = "unexpected error code: " + e.message;
      else if (e.message.find ("'" + name + "'") == std::string::npos)
        failure = "message without the file name: " + e.message;
    }
  catch (const std::bad_alloc &)
    {
      failure = huge_allocation ? "an allocation over 64 MB" : "out of memory";
    }
  catch (const cv::Exception &e)
    {
      failure = std::string ("OpenCV exception: ") + e.what ();
    }
  catch (const std::exception &e)
    {
      failure = std::string ("exception: ") + e.what ();
    }
  huge_allocation = false;

  const double seconds = std::chrono::duration<double> (std::chrono::steady_clock::now () - start).count ();
  c.slowest = std::max (c.slowest, seconds);
  if (failure.empty () && seconds > kMaxCaseSeconds)
    failure = "took " + std::to_string (seconds) + " s";
  if (!failure.empty ())
    {
      if (c.failures++ < 10)
        g_test_message ("FAIL %s, %s: %s", seed.name.c_str (), what.c_str (), failure.c_str ());
    }
}

uint64_t
fnv1a (const std::string &s)
{
  uint64_t h = 14695981039346656037u;
  for (unsigned char ch : s)
    h = (h ^ ch) * 1099511628211u;
  return h;
}

struct Batch
{
  const Seed *seed;
  bool truncate;
  size_t count;
};

void
report (const Batch &b, const Counts &c)
{
  g_test_message ("%s, %s: %zu cases, %zu clean errors, %zu valid, %zu constants "
                  "dequantized, slowest %.1f ms",
                  b.seed->name.c_str (), b.truncate ? "truncated" : "mutated", c.cases,
                  c.errors, c.valid, c.dequantized, 1000 * c.slowest);
  total.cases += c.cases;
  total.errors += c.errors;
  total.valid += c.valid;
  total.dequantized += c.dequantized;
  total.failures += c.failures;
  total.slowest = std::max (total.slowest, c.slowest);
  g_assert_cmpuint (c.failures, ==, 0);
  g_assert_cmpuint (c.cases, ==, b.count);
}

void
test_truncated (gconstpointer data)
{
  const Batch &b = *static_cast<const Batch *> (data);
  const std::vector<uint8_t> &bytes = b.seed->bytes;
  std::mt19937_64 rng (fnv1a (b.seed->name + "/truncated"));
  Counts c;

  for (size_t i = 0; i < b.count; i++)
    {
      // The first bytes one by one, then anywhere.
      const size_t length = bytes.size () <= b.count ? i
                            : i < 64 ? i : rng () % bytes.size ();
      run_case (*b.seed, std::vector<uint8_t> (bytes.begin (), bytes.begin () + length),
                "truncated to " + std::to_string (length), c);
    }
  report (b, c);
}

// A few changes per copy, nine in ten in the file's structure (not in
// tensor data, where they could only change a weight): a flipped bit, a
// random byte, or a 16- or 32-bit word set to a boundary value or nudged.
std::string
mutate (std::vector<uint8_t> &bytes, const Seed &seed, std::mt19937_64 &rng)
{
  static const uint32_t words[] = { 0, 1, 2, 4, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
                                    0x80000000, 0xfffffffc, 0xffffffff };
  std::string what;
  const int changes = 1 + int (rng () % 4);
  for (int k = 0; k < changes; k++)
    {
      const bool structure = !seed.structure.empty () && rng () % 10 != 0;
      size_t pos = structure ? seed.structure[rng () % seed.structure.size ()]
                             : rng () % bytes.size ();
      const int kind = int (rng () % 5);
      switch (kind)
        {
        case 0:
          bytes[pos] ^= uint8_t (1u << (rng () % 8));
          break;
        case 1:
          bytes[pos] = uint8_t (rng ());
          break;
        case 2:
        case 3:
          {
            pos &= ~size_t (3);
            if (pos + 4 > bytes.size ())
              break;
            uint32_t w;
            std::memcpy (&w, &bytes[pos], 4);
            w = kind == 2 ? words[rng () % G_N_ELEMENTS (words)] : w + uint32_t (rng () % 17) - 8;
            std::memcpy (&bytes[pos], &w, 4);
          }
          break;
        default:
          {
            pos &= ~size_t (1);
            if (pos + 2 > bytes.size ())
              break;
            const uint16_t w = uint16_t (words[rng () % G_N_ELEMENTS (words)]);
            std::memcpy (&bytes[pos], &w, 2);
          }
          break;
        }
      what += (k ? "," : "") + std::to_string (kind) + "@" + std::to_string (pos);
    }
  return what;
}

void
test_mutated (gconstpointer data)
{
  const Batch &b = *static_cast<const Batch *> (data);
  std::mt19937_64 rng (fnv1a (b.seed->name + "/mutated"));
  Counts c;

  for (size_t i = 0; i < b.count; i++)
    {
      std::vector<uint8_t> bytes = b.seed->bytes;
      const std::string what = mutate (bytes, *b.seed, rng);
      run_case (*b.seed, std::move (bytes), "mutated " + what, c);
    }
  report (b, c);
}

void
test_summary ()
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  const double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
                     + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  g_test_message ("fuzz-tflite: %zu cases: %zu clean errors, %zu valid parses, %zu constants "
                  "dequantized, %zu failures; slowest case %.1f ms; %.1f s of CPU; "
                  "peak RSS %ld MB",
                  total.cases, total.errors, total.valid, total.dequantized, total.failures,
                  1000 * total.slowest, cpu, usage.ru_maxrss / 1024);
  g_assert_cmpuint (total.failures, ==, 0);
  g_assert_cmpuint (total.cases, >=, 10000);
  g_assert_cmpuint (total.errors, >, total.cases / 2);
  g_assert_cmpuint (total.valid, >, 0);
}

Seed
make_seed (const std::string &name, std::vector<uint8_t> bytes)
{
  Seed s;
  s.name = name;
  s.bytes = std::move (bytes);
  try
    {
      s.model = ns::tflite::parse_model (s.bytes, name);
      s.valid = true;
    }
  catch (const ns::Error &)
    {
      return s; // a hostile one: changes anywhere
    }
  std::vector<bool> data (s.bytes.size (), false);
  for (const Tensor &t : s.model.tensors)
    if (t.constant)
      std::fill (data.begin () + long (t.offset), data.begin () + long (t.offset + t.size), true);
  for (size_t i = 0; i < data.size (); i++)
    if (!data[i])
      s.structure.push_back (uint32_t (i));
  return s;
}

std::vector<uint8_t>
read_file (const std::string &path)
{
  gchar *contents = NULL;
  gsize length = 0;
  if (!g_file_get_contents (path.c_str (), &contents, &length, NULL))
    g_error ("cannot read %s", path.c_str ());
  std::vector<uint8_t> bytes (contents, contents + length);
  g_free (contents);
  return bytes;
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  static std::vector<Seed> seeds;
  for (const char *kind : { "int8_prediction", "int8_transfer", "fp16_transfer" })
    {
      const std::string file = std::string ("magenta_arbitrary-image-stylization-v1-256_") + kind + "_1";
      seeds.push_back (make_seed (kind, read_file (test::shared_model ("magenta/" + file + ".tflite"))));
      seeds.back ().real = true;
    }
  seeds.push_back (make_seed ("tiny", maker::write_model (maker::tiny_model ())));
  for (maker::Hostile &h : maker::hostile_models ())
    seeds.push_back (make_seed ("hostile-" + h.name, std::move (h.bytes)));

  static std::vector<Batch> batches;
  batches.reserve (2 * seeds.size ());
  for (const Seed &s : seeds)
    {
      // Fewer copies of the 2.8 MB prediction file: copying is most of the
      // time under ASan.
      const bool big = s.bytes.size () > (1 << 20);
      const size_t truncated = s.real ? (big ? 200 : 300) : std::min<size_t> (s.bytes.size (), 150);
      const size_t mutated = s.bytes.empty () ? 0 : s.real ? (big ? 600 : 1500) : 150;
      batches.push_back ({ &s, true, truncated });
      batches.push_back ({ &s, false, mutated });
    }
  for (const Batch &b : batches)
    {
      g_autofree gchar *path = g_strdup_printf ("/fuzz-tflite/%s/%s", b.seed->name.c_str (),
                                                b.truncate ? "truncated" : "mutated");
      g_test_add_data_func (path, &b, b.truncate ? test_truncated : test_mutated);
    }
  g_test_add_func ("/fuzz-tflite/summary/all", test_summary); // runs last
  return g_test_run ();
}
