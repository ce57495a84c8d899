// fuzz-ml5.cpp: thousands of truncated, mutated and hostile copies of a real
// ml5 style folder (../shared/ml5/wave: manifest.json and 48 raw float32
// weight files).  Manifests are read in memory (ns::ml5::parse_manifest);
// a few hundred folders, with a changed manifest or weight file, are read
// from disk and built into a network (ns::ml5::read_network); a few go
// through the C API and paint.  Each must end in a network or a clean
// ns::Error (NOT_FOUND or CORRUPT) naming the folder, with no crash, no hang
// and no allocation over 64 MB.  Manifests that only write the same thing
// differently must load.  scripts/run-tests runs it under ASan + UBSan.
// Deterministic: the same cases every run.
#include "../engine/test-util.hpp"
#include "fuzz-util.hpp"

#include "engine-private.hpp"
#include "ml5.hpp"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <new>
#include <random>

namespace {

constexpr double kMaxCaseSeconds = 10.0;

enum class Expect { Any, Success, Error };

struct Counts
{
  size_t cases = 0, errors = 0, loaded = 0, failures = 0;
  double slowest = 0;
};

Counts total;
std::string source_dir;  // ../shared/ml5/wave
std::string work_dir;    // a copy, changed and restored case by case
std::string manifest;    // the real manifest.json
std::map<std::string, std::string> originals; // every file of the copy

// One case: `load` must end in success or a clean error, as `expect` says.
void
run_case (const std::string &what, Expect expect, const std::string &folder,
          const std::function<void ()> &load, Counts &c)
{
  std::string failure;
  const auto start = std::chrono::steady_clock::now ();
  c.cases++;
  try
    {
      load ();
      c.loaded++;
      if (expect == Expect::Error)
        failure = "loaded";
    }
  catch (const ns::Error &e)
    {
      c.errors++;
      if (e.code != NS_ENGINE_ERROR_CORRUPT && e.code != NS_ENGINE_ERROR_NOT_FOUND)
        failure = "unexpected error code: " + e.message;
      else if (e.message.find (folder) == std::string::npos)
        failure = "message without the folder: " + e.message;
      else if (expect == Expect::Success)
        failure = "refused: " + e.message;
    }
  catch (const std::bad_alloc &)
    {
      failure = fuzz::allocation_failure ();
    }
  catch (const cv::Exception &e)
    {
      failure = std::string ("OpenCV exception: ") + e.what ();
    }
  catch (const std::exception &e)
    {
      failure = std::string ("exception: ") + e.what ();
    }
  fuzz::end_case (what, failure, start, kMaxCaseSeconds, c.slowest, c.failures);
}

void
report (const char *name, const Counts &c, size_t expected_cases)
{
  g_test_message ("%s: %zu cases, %zu clean errors, %zu loaded, slowest %.1f ms", name, c.cases,
                  c.errors, c.loaded, 1000 * c.slowest);
  total.cases += c.cases;
  total.errors += c.errors;
  total.loaded += c.loaded;
  total.failures += c.failures;
  total.slowest = std::max (total.slowest, c.slowest);
  g_assert_cmpuint (c.failures, ==, 0);
  g_assert_cmpuint (c.cases, ==, expected_cases);
}

void
parse_case (const std::string &what, Expect expect, const std::string &text, Counts &c)
{
  run_case (what, expect, "fuzzed", [&] {
    const std::vector<std::string> files = ns::ml5::parse_manifest (text, "fuzzed");
    if (files.size () != 48)
      throw std::runtime_error ("not 48 files");
  }, c);
}

// ---------------------------------------------------------------------------
// Manifests in memory

void
test_truncated ()
{
  Counts c;
  for (size_t length = 0; length < manifest.size (); length++)
    parse_case ("truncated to " + std::to_string (length), Expect::Error,
                manifest.substr (0, length), c);
  report ("truncated manifests", c, manifest.size ());
}

// A few changes: a flipped bit, a byte set to one that matters to JSON, a
// deleted, doubled or inserted run.
std::string
mutate (std::string text, std::mt19937_64 &rng)
{
  static const char special[] = "{}[]\":,\\-+.eE0123456789 \n\x00\x7f\xc3\xff";
  const int changes = 1 + int (rng () % 4);
  for (int k = 0; k < changes && !text.empty (); k++)
    {
      const size_t pos = rng () % text.size ();
      const size_t run = 1 + rng () % 16;
      switch (rng () % 5)
        {
        case 0:
          text[pos] ^= char (1u << (rng () % 8));
          break;
        case 1:
          text[pos] = special[rng () % (sizeof special - 1)];
          break;
        case 2:
          text.erase (pos, run);
          break;
        case 3:
          text.insert (pos, text.substr (pos, run));
          break;
        default:
          text.insert (pos, 1, special[rng () % (sizeof special - 1)]);
        }
    }
  return text;
}

void
test_mutated ()
{
  std::mt19937_64 rng (1);
  Counts c;
  const size_t n = 3000;
  for (size_t i = 0; i < n; i++)
    parse_case ("mutation " + std::to_string (i), Expect::Any, mutate (manifest, rng), c);
  report ("mutated manifests", c, n);
}

// The real manifest's entries: name, file and shape (as JSON text).
struct Entry
{
  std::string name, file, shape;
};

std::vector<Entry>
entries ()
{
  std::vector<Entry> list;
  for (int i = 0; i < 48; i++)
    {
      const std::string name = i ? "Variable_" + std::to_string (i) : "Variable";
      const size_t at = manifest.find ("\"" + name + "\"");
      const size_t begin = manifest.find ('[', at), end = manifest.find (']', begin);
      list.push_back ({ name, name, manifest.substr (begin, end + 1 - begin) });
    }
  return list;
}

std::string
entry_json (const Entry &e, const std::string &extra = "")
{
  return "\"" + e.name + "\": {\"filename\": \"" + e.file + "\", \"shape\": " + e.shape + extra + "}";
}

std::string
object (const std::vector<std::string> &members)
{
  std::string s = "{";
  for (size_t i = 0; i < members.size (); i++)
    s += (i ? ", " : "") + members[i];
  return s + "}";
}

// The manifest with entry `index` changed by `change` (NULL: left out).
std::string
with_entry (size_t index, const std::function<std::string (const Entry &)> &change)
{
  std::vector<std::string> members;
  const std::vector<Entry> list = entries ();
  for (size_t i = 0; i < list.size (); i++)
    if (i != index)
      members.push_back (entry_json (list[i]));
    else if (change)
      members.push_back (change (list[i]));
  return object (members);
}

std::string
repeat (const std::string &s, size_t n)
{
  std::string r;
  for (size_t i = 0; i < n; i++)
    r += s;
  return r;
}

// Manifests an attacker (or a broken download) could write.
std::vector<std::pair<std::string, std::string>>
hostile_manifests ()
{
  std::vector<std::pair<std::string, std::string>> h;
  for (size_t depth : { 17, 100, 10000, 1000000 })
    {
      h.push_back ({ "arrays nested " + std::to_string (depth),
                     std::string (depth, '[') + std::string (depth, ']') });
      h.push_back ({ "objects nested " + std::to_string (depth),
                     repeat ("{\"a\":", depth) + "0" + std::string (depth, '}') });
      h.push_back ({ "shape nested " + std::to_string (depth), with_entry (3, [&] (const Entry &e) {
        return "\"" + e.name + "\": {\"filename\": \"" + e.file + "\", \"shape\": "
               + std::string (depth, '[') + std::string (depth, ']') + "}";
      }) });
    }

  const char *shapes[] = {
    "[1e999, 9, 3, 32]", "[99999999999999999999999999999, 9, 3, 32]", "[-9, -9, -3, -32]",
    "[0, 0, 0, 0]", "[]", "[2147483648, 2147483648, 2147483648, 2147483648]",
    "[4294967297, 9, 3, 32]", "[9.5, 9, 3, 32]", "[9, 9, 3, 32, 1]", "[9, 9, 3]", "[NaN]",
    "[Infinity, 9, 3, 32]", "[-0, 9, 3, 32]", "[1e-400, 9, 3, 32]", "[9, 9, 32, 3]",
    "[\"9\", 9, 3, 32]", "[null, 9, 3, 32]", "[[9], 9, 3, 32]", "\"9x9x3x32\"", "{}", "null",
    "true", "[9, 9, 3, 32,]", "[9 9 3 32]", "[09, 9, 3, 32]", "[9., 9, 3, 32]",
    "[.9e1, 9, 3, 32]", "[+9, 9, 3, 32]", "[0x9, 9, 3, 32]", "[9e, 9, 3, 32]",
  };
  for (const char *shape : shapes)
    for (size_t index : { 0, 25, 47 })
      h.push_back ({ std::string ("shape ") + shape, with_entry (index, [&] (const Entry &e) {
        return entry_json ({ e.name, e.file, shape });
      }) });

  const char *files[] = {
    "\"\"", "\"../Variable_1\"", "\"/etc/passwd\"", "\"a/b\"", "\".hidden\"", "\"Variable_1\"",
    "5", "null", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"",
    "\"\\u12\"", "\"\\x41\"", "\"\xff\xfe\"", "\"\x01\"", "\"a\\\"b\"",
  };
  for (const char *file : files)
    h.push_back ({ std::string ("file name ") + file, with_entry (5, [&] (const Entry &e) {
      return "\"" + e.name + "\": {\"filename\": " + file + ", \"shape\": " + e.shape + "}";
    }) });
  h.push_back ({ "file name of 60000 bytes", with_entry (5, [&] (const Entry &e) {
    return "\"" + e.name + "\": {\"filename\": \"" + std::string (60000, 'A') + "\", \"shape\": "
           + e.shape + "}";
  }) });

  h.push_back ({ "entry twice", with_entry (7, [] (const Entry &e) {
    return entry_json (e) + ", " + entry_json (e);
  }) });
  h.push_back ({ "shape twice", with_entry (7, [] (const Entry &e) {
    return entry_json (e, ", \"shape\": " + e.shape);
  }) });
  h.push_back ({ "filename twice", with_entry (7, [] (const Entry &e) {
    return entry_json (e, ", \"filename\": \"" + e.file + "\"");
  }) });
  h.push_back ({ "entry missing", with_entry (47, nullptr) });
  h.push_back ({ "unknown entry", with_entry (47, [] (const Entry &e) {
    return entry_json (e) + ", " + entry_json ({ "Variable_48", "Variable_48", "[3]" });
  }) });
  h.push_back ({ "5000 unknown entries", with_entry (47, [] (const Entry &e) {
    std::string s = entry_json (e);
    for (int i = 48; i < 5048; i++)
      s += ", \"Variable_" + std::to_string (i) + "\": 0";
    return s;
  }) });
  h.push_back ({ "entry not an object", with_entry (1, [] (const Entry &e) {
    return "\"" + e.name + "\": [\"" + e.file + "\", " + e.shape + "]";
  }) });
  h.push_back ({ "entry without file", with_entry (1, [] (const Entry &e) {
    return "\"" + e.name + "\": {\"shape\": " + e.shape + "}";
  }) });
  h.push_back ({ "entry without shape", with_entry (1, [] (const Entry &e) {
    return "\"" + e.name + "\": {\"filename\": \"" + e.file + "\"}";
  }) });
  h.push_back ({ "dtype float16", with_entry (1, [] (const Entry &e) {
    return entry_json (e, ", \"dtype\": \"float16\"");
  }) });
  h.push_back ({ "same file for two variables", with_entry (2, [] (const Entry &e) {
    return entry_json ({ e.name, "Variable_1", e.shape });
  }) });
  h.push_back ({ "key with invalid UTF-8", with_entry (2, [] (const Entry &e) {
    return "\"\xc3\x28\": 0, " + entry_json (e);
  }) });

  for (const char *text : { "", " ", "\n\n", "[]", "\"manifest\"", "1", "null", "true", "{",
                            "}", "{}", "{\"Variable\"}", "{\"Variable\":}", "{,}", "\xef\xbb\xbf{}",
                            "{} {}", "{}x", "// comment\n{}", "{\"a\":1,}", "{'a':1}",
                            "<html><body>404</body></html>" })
    h.push_back ({ std::string ("document '") + text + "'", text });
  h.push_back ({ "BOM before the manifest", "\xef\xbb\xbf" + manifest });
  h.push_back ({ "text after the manifest", manifest + "{}" });
  h.push_back ({ "NUL after the manifest", manifest + std::string (1, '\0') });
  h.push_back ({ "a string of 60000 bytes", "\"" + std::string (60000, 'x') + "\"" });
  h.push_back ({ "100000 numbers", "[" + repeat ("1e308,", 99999) + "1]" });
  return h;
}

void
test_hostile ()
{
  Counts c;
  const auto list = hostile_manifests ();
  for (const auto &[what, text] : list)
    parse_case (what, Expect::Error, text, c);
  report ("hostile manifests", c, list.size ());
}

// `shape` ("[9, 9, 3, 32]") with each number written as 9, 9.0, 9e0, 0.9E+1
// or 90e-1.
std::string
respell (const std::string &shape, std::mt19937_64 &rng)
{
  std::string out = "[";
  const char *p = shape.c_str () + 1;
  while (*p)
    {
      char *end;
      const long d = strtol (p, &end, 10);
      if (end == p)
        break;
      const std::string n = std::to_string (d);
      const std::string forms[] = { n, n + ".0", n + "e0", "0." + n + "E+" + std::to_string (n.size ()),
                                    n + "0e-1" };
      out += (out.size () > 1 ? " , " : "") + forms[rng () % G_N_ELEMENTS (forms)];
      p = end + strspn (end, ", ");
    }
  return out + "]";
}

// The same manifest written differently (spacing, member order, numbers
// respelled, a dtype, members ml5 does not use) must load.
void
test_equivalent ()
{
  std::mt19937_64 rng (2);
  Counts c;
  const size_t n = 200;
  for (size_t i = 0; i < n; i++)
    {
      std::vector<Entry> list = entries ();
      std::shuffle (list.begin (), list.end (), rng);
      std::vector<std::string> members;
      for (const Entry &e : list)
        members.push_back ("\n\t \"" + e.name + "\" :{ \"shape\":" + respell (e.shape, rng)
                           + " ,\"filename\" :\"" + e.file + "\""
                           + (rng () % 2 ? ", \"dtype\": \"float32\"" : "")
                           + (rng () % 2 ? ", \"note\": [1, {\"x\": null}, \"\\u00e9\"]" : "")
                           + " }");
      parse_case ("equivalent " + std::to_string (i), Expect::Success, object (members) + "\r\n", c);
    }
  report ("equivalent manifests", c, n);
}

// ---------------------------------------------------------------------------
// Folders on disk

void
write_file (const std::string &path, const std::string &contents)
{
  g_unlink (path.c_str ());
  g_rmdir (path.c_str ());
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path.c_str (), contents.data (), (gssize) contents.size (), &error);
  g_assert_no_error (error);
}

using test::read_file;

void
restore (const std::string &file)
{
  const std::string path = work_dir + "/" + file;
  g_unlink (path.c_str ());
  g_rmdir (path.c_str ());
  write_file (path, originals.at (file));
}

void
folder_case (const std::string &what, Expect expect, Counts &c)
{
  run_case (what, expect, work_dir, [] { ns::ml5::read_network (work_dir); }, c);
}

// Mutated manifests, and hostile ones, read from disk with the weights.
void
test_folder_manifests ()
{
  std::mt19937_64 rng (3);
  Counts c;
  const auto hostile = hostile_manifests ();
  const size_t n = 150;
  for (size_t i = 0; i < n; i++)
    {
      const bool mutated = i % 2 == 0;
      write_file (work_dir + "/manifest.json",
                  mutated ? mutate (manifest, rng) : hostile[rng () % hostile.size ()].second);
      folder_case ((mutated ? "mutated manifest " : "hostile manifest ") + std::to_string (i),
                   mutated ? Expect::Any : Expect::Error, c);
    }
  write_file (work_dir + "/manifest.json", std::string (70000, ' ') + manifest);
  folder_case ("manifest over 64 kB", Expect::Error, c);
  restore ("manifest.json");
  folder_case ("the real folder", Expect::Success, c);
  report ("folders with changed manifests", c, n + 2);
}

// One weight file truncated, longer, missing, not a file, or holding values
// that are not numbers.
void
test_folder_weights ()
{
  std::mt19937_64 rng (4);
  Counts c;
  const size_t n = 200;
  for (size_t i = 0; i < n; i++)
    {
      const int v = int (rng () % 48);
      const std::string file = v ? "Variable_" + std::to_string (v) : "Variable";
      const std::string path = work_dir + "/" + file;
      const std::string &bytes = originals.at (file);
      std::string what = file;
      Expect expect = Expect::Error;
      switch (i % 8)
        {
        case 0:
        case 1:
          {
            const size_t length = rng () % bytes.size ();
            write_file (path, bytes.substr (0, length));
            what += " truncated to " + std::to_string (length);
          }
          break;
        case 2:
          write_file (path, bytes + std::string (1 + rng () % 4096, '\0'));
          what += " longer";
          break;
        case 3:
          g_unlink (path.c_str ());
          what += " missing";
          break;
        case 4:
          g_unlink (path.c_str ());
          g_assert_cmpint (g_mkdir (path.c_str (), 0755), ==, 0);
          what += " a folder";
          break;
        case 5:
          g_unlink (path.c_str ());
          // A pipe nobody writes to: opening it for reading would wait.
          g_assert_cmpint (mkfifo (path.c_str (), 0644), ==, 0);
          what += " a pipe";
          break;
        case 6:
          {
            std::string poisoned = bytes;
            const size_t at = 4 * (rng () % (bytes.size () / 4));
            poisoned.replace (at, 4, rng () % 2 ? "\x00\x00\x80\x7f" : "\x01\x00\xc0\xff", 4);
            write_file (path, poisoned);
            what += " with NaN or infinity at " + std::to_string (at);
          }
          break;
        default:
          {
            std::string flipped = bytes;
            const size_t at = rng () % bytes.size ();
            // Bits of a mantissa or low exponent: still finite numbers.
            flipped[at] ^= char (1u << (rng () % 7));
            if (at % 4 == 3)
              flipped[at] = bytes[at];
            write_file (path, flipped);
            what += " bit flipped at " + std::to_string (at);
            expect = Expect::Success;
          }
        }
      folder_case (what, expect, c);
      restore (file);
    }
  report ("folders with changed weights", c, n);
}

// A few through the C API, painting when they load.
void
test_engine ()
{
  Counts c;
  const std::vector<std::pair<std::string, Expect>> cases = {
    { manifest, Expect::Success },
    { with_entry (9, [] (const Entry &e) { return entry_json ({ e.name, e.file, "[3, 3, 128, 64]" }); }),
      Expect::Error },
    { "", Expect::Error },
    { "{\"Variable\": {\"filename\": \"Variable\", \"shape\": [9, 9, 3, 32]}}", Expect::Error },
  };
  for (size_t i = 0; i < cases.size (); i++)
    {
      write_file (work_dir + "/manifest.json", cases[i].first);
      run_case ("C API " + std::to_string (i), cases[i].second, work_dir, [] {
        g_autoptr (GError) error = NULL;
        g_autoptr (NsEngine) engine = ns_engine_new (work_dir.c_str (), NS_CONVENTION_AUTO, &error);
        if (!engine)
          throw ns::Error { NsEngineError (error->code), error->message };
        const cv::Mat rgba (17, 23, CV_32FC4, cv::Scalar (0.2, 0.5, 0.7, 1.0));
        const cv::Mat styled = test::stylize (engine, rgba);
        g_assert_cmpfloat (test::max_abs_diff (styled, rgba), >, 0.05);
      }, c);
    }
  restore ("manifest.json");
  report ("the C API", c, cases.size ());
}

void
test_summary ()
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  g_test_message ("fuzz-ml5: %zu cases: %zu clean errors, %zu loaded, %zu failures; slowest "
                  "case %.1f ms; peak RSS %ld MB",
                  total.cases, total.errors, total.loaded, total.failures, 1000 * total.slowest,
                  usage.ru_maxrss / 1024);
  g_assert_cmpuint (total.failures, ==, 0);
  g_assert_cmpuint (total.cases, >=, 8000);
}

void
remove_tree (const std::string &path)
{
  g_autoptr (GDir) dir = g_dir_open (path.c_str (), 0, NULL);
  while (const char *name = dir ? g_dir_read_name (dir) : NULL)
    {
      const std::string child = path + "/" + name;
      if (g_file_test (child.c_str (), G_FILE_TEST_IS_DIR)
          && !g_file_test (child.c_str (), G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child.c_str ());
    }
  g_rmdir (path.c_str ());
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  source_dir = test::shared_ml5 ("wave");
  g_autofree gchar *tmp = g_dir_make_tmp ("fuzz-ml5-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  work_dir = std::string (tmp) + "/wave";
  g_assert_cmpint (g_mkdir (work_dir.c_str (), 0755), ==, 0);
  g_autoptr (GDir) dir = g_dir_open (source_dir.c_str (), 0, NULL);
  while (const char *name = dir ? g_dir_read_name (dir) : NULL)
    {
      originals[name] = read_file (source_dir + "/" + name);
      write_file (work_dir + "/" + name, originals[name]);
    }
  manifest = originals.at ("manifest.json");

  g_test_add_func ("/fuzz-ml5/manifest/truncated", test_truncated);
  g_test_add_func ("/fuzz-ml5/manifest/mutated", test_mutated);
  g_test_add_func ("/fuzz-ml5/manifest/hostile", test_hostile);
  g_test_add_func ("/fuzz-ml5/manifest/equivalent", test_equivalent);
  g_test_add_func ("/fuzz-ml5/folder/manifest", test_folder_manifests);
  g_test_add_func ("/fuzz-ml5/folder/weights", test_folder_weights);
  g_test_add_func ("/fuzz-ml5/engine/c-api", test_engine);
  g_test_add_func ("/fuzz-ml5/summary/all", test_summary); // runs last
  const int status = g_test_run ();
  remove_tree (tmp);
  return status;
}
