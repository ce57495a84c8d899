// ml5.cpp: see ml5.hpp.
//
// ml5 publishes Engstrom's fast-style-transfer networks (TensorFlow) as one
// file per variable.  The network: conv 9x9 stride 1 to 32 maps, conv 3x3
// stride 2 to 64, conv 3x3 stride 2 to 128, five residual blocks (conv 3x3,
// norm, relu, conv 3x3, norm, plus the block's input), transposed conv 3x3
// stride 2 to 64, transposed conv 3x3 stride 2 to 32, conv 9x9 stride 1 to 3,
// then tanh * 150 + 255 / 2.  Every convolution has no bias, "SAME" padding,
// and is followed by instance normalization (eps 1e-3) with a per-channel
// shift and scale; all but the last also by relu.  The 48 variables, in the
// order TensorFlow made them: each convolution's weights (HWIO; for the
// transposed ones H W out in), then its normalization's shift and scale.
#include "engine-private.hpp"
#include "ml5.hpp"

#include <glib/gstdio.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

namespace ns::ml5 {

namespace {

// The published manifest has 4.7 kB; the limit bounds the reader's memory.
constexpr size_t kMaxManifestBytes = 64 * 1024;
// The manifest nests three deep.
constexpr int kMaxDepth = 16;
constexpr float kNormEpsilon = 1e-3f;

// ---------------------------------------------------------------------------
// A strict JSON reader (RFC 8259) for one small document

struct Json
{
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  std::string text;                                  // a string's value, a number as written
  std::vector<Json> items;                           // an array's
  std::vector<std::pair<std::string, Json>> members; // an object's, in order
};

struct SyntaxError
{
  const char *reason; // translated
  size_t at;          // byte offset
};

class JsonReader
{
public:
  explicit JsonReader (const std::string &text) : s_ (text) {}

  Json
  document ()
  {
    Json v = value (0);
    skip_space ();
    if (pos_ < s_.size ())
      fail (_("unexpected text after the end"));
    return v;
  }

private:
  [[noreturn]] void fail (const char *reason) { throw SyntaxError { reason, pos_ }; }

  bool at_end () const { return pos_ >= s_.size (); }
  char peek () const { return at_end () ? '\0' : s_[pos_]; }
  bool is_digit () const { return peek () >= '0' && peek () <= '9'; }

  void
  skip_space ()
  {
    while (peek () == ' ' || peek () == '\t' || peek () == '\r' || peek () == '\n')
      pos_++;
  }

  bool
  eat (char c)
  {
    skip_space ();
    if (at_end () || s_[pos_] != c)
      return false;
    pos_++;
    return true;
  }

  void
  expect (char c)
  {
    if (!eat (c))
      fail (at_end () ? _("unexpected end") : _("unexpected character"));
  }

  Json
  value (int depth)
  {
    if (depth > kMaxDepth)
      fail (_("nested too deeply"));
    skip_space ();
    Json v;
    switch (peek ())
      {
      case '{':
        object (v, depth);
        break;
      case '[':
        array (v, depth);
        break;
      case '"':
        v.type = Json::Type::String;
        v.text = string ();
        break;
      case 't':
        literal ("true", v, Json::Type::Bool);
        break;
      case 'f':
        literal ("false", v, Json::Type::Bool);
        break;
      case 'n':
        literal ("null", v, Json::Type::Null);
        break;
      default:
        number (v);
      }
    return v;
  }

  void
  object (Json &v, int depth)
  {
    v.type = Json::Type::Object;
    pos_++;
    if (eat ('}'))
      return;
    do
      {
        skip_space ();
        if (peek () != '"')
          fail (at_end () ? _("unexpected end") : _("expected a quoted name"));
        std::string name = string ();
        expect (':');
        Json member = value (depth + 1);
        v.members.emplace_back (std::move (name), std::move (member));
      }
    while (eat (','));
    expect ('}');
  }

  void
  array (Json &v, int depth)
  {
    v.type = Json::Type::Array;
    pos_++;
    if (eat (']'))
      return;
    do
      v.items.push_back (value (depth + 1));
    while (eat (','));
    expect (']');
  }

  void
  literal (const char *word, Json &v, Json::Type type)
  {
    const size_t len = strlen (word);
    if (s_.compare (pos_, len, word) != 0)
      fail (_("unexpected character"));
    v.type = type;
    v.text = word;
    pos_ += len;
  }

  void
  digits ()
  {
    if (!is_digit ())
      fail (at_end () ? _("unexpected end") : _("bad number"));
    while (is_digit ())
      pos_++;
  }

  void
  number (Json &v)
  {
    const size_t start = pos_;
    if (peek () == '-')
      pos_++;
    if (peek () == '0')
      pos_++;
    else if (is_digit ())
      digits ();
    else
      fail (at_end () ? _("unexpected end") : _("unexpected character"));
    if (peek () == '.')
      {
        pos_++;
        digits ();
      }
    if (peek () == 'e' || peek () == 'E')
      {
        pos_++;
        if (peek () == '+' || peek () == '-')
          pos_++;
        digits ();
      }
    v.type = Json::Type::Number;
    v.text = s_.substr (start, pos_ - start);
  }

  unsigned
  hex4 ()
  {
    unsigned u = 0;
    for (int i = 0; i < 4; i++, pos_++)
      {
        const int d = g_ascii_xdigit_value (peek ());
        if (d < 0)
          fail (_("bad escape in a string"));
        u = u << 4 | (unsigned) d;
      }
    return u;
  }

  void
  unicode_escape (std::string &out)
  {
    gunichar c = hex4 ();
    if (c >= 0xDC00 && c <= 0xDFFF)
      fail (_("bad escape in a string"));
    if (c >= 0xD800 && c <= 0xDBFF)
      {
        if (s_.compare (pos_, 2, "\\u") != 0)
          fail (_("bad escape in a string"));
        pos_ += 2;
        const gunichar low = hex4 ();
        if (low < 0xDC00 || low > 0xDFFF)
          fail (_("bad escape in a string"));
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
      }
    char utf8[6];
    out.append (utf8, g_unichar_to_utf8 (c, utf8));
  }

  std::string
  string ()
  {
    const size_t start = pos_++;
    std::string out;
    for (;;)
      {
        if (at_end ())
          fail (_("unterminated string"));
        const unsigned char c = s_[pos_++];
        if (c == '"')
          break;
        if (c < 0x20)
          fail (_("control character in a string"));
        if (c != '\\')
          {
            out += (char) c;
            continue;
          }
        const char e = peek ();
        pos_++;
        switch (e)
          {
          case '"': case '\\': case '/': out += e; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': unicode_escape (out); break;
          default: fail (_("bad escape in a string"));
          }
      }
    // Also refuses NUL, which no name here needs.
    if (!g_utf8_validate (out.data (), (gssize) out.size (), NULL))
      {
        pos_ = start;
        fail (_("string is not UTF-8"));
      }
    return out;
  }

  const std::string &s_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// The architecture

enum class Kind { Conv, Down, Up }; // stride 1, stride 2, transposed stride 2
enum class Skip { None, Open, Close }; // a residual block starts / ends here

struct Stage
{
  std::string name;
  Kind kind;
  int kernel, in, out;
  bool relu;
  Skip skip;
};

const std::vector<Stage> &
stages ()
{
  static const std::vector<Stage> list = [] {
    std::vector<Stage> s = {
      { "conv1", Kind::Conv, 9, 3, 32, true, Skip::None },
      { "conv2", Kind::Down, 3, 32, 64, true, Skip::None },
      { "conv3", Kind::Down, 3, 64, 128, true, Skip::None },
    };
    for (int b = 1; b <= 5; b++)
      {
        const std::string block = "res" + std::to_string (b);
        s.push_back ({ block + "/conv1", Kind::Conv, 3, 128, 128, true, Skip::Open });
        s.push_back ({ block + "/conv2", Kind::Conv, 3, 128, 128, false, Skip::Close });
      }
    s.push_back ({ "up1", Kind::Up, 3, 128, 64, true, Skip::None });
    s.push_back ({ "up2", Kind::Up, 3, 64, 32, true, Skip::None });
    s.push_back ({ "conv4", Kind::Conv, 9, 32, 3, false, Skip::None });
    return s;
  }();
  return list;
}

struct Variable
{
  std::string name;
  std::vector<int> shape;

  size_t
  count () const
  {
    size_t n = 1;
    for (int d : shape)
      n *= (size_t) d;
    return n;
  }
};

// The variables in TensorFlow's order: stage k has 3k (weights), 3k + 1
// (shift) and 3k + 2 (scale).
const std::vector<Variable> &
variables ()
{
  static const std::vector<Variable> list = [] {
    std::vector<Variable> v;
    for (const Stage &s : stages ())
      {
        const int k = s.kernel;
        v.push_back ({ "", s.kind == Kind::Up ? std::vector<int> { k, k, s.out, s.in }
                                              : std::vector<int> { k, k, s.in, s.out } });
        v.push_back ({ "", { s.out } });
        v.push_back ({ "", { s.out } });
      }
    for (size_t i = 0; i < v.size (); i++)
      v[i].name = i == 0 ? "Variable" : "Variable_" + std::to_string (i);
    return v;
  }();
  return list;
}

// ---------------------------------------------------------------------------
// The manifest

// At most 40 characters of `s` (valid UTF-8), for messages.
std::string
shorten (const std::string &s)
{
  if (g_utf8_strlen (s.c_str (), (gssize) s.size ()) <= 40)
    return s;
  g_autofree gchar *head = g_utf8_substring (s.c_str (), 0, 37);
  return std::string (head) + "...";
}

std::string
shape_text (const std::vector<int> &shape)
{
  std::string t = "[";
  for (size_t i = 0; i < shape.size (); i++)
    t += (i ? ", " : "") + std::to_string (shape[i]);
  return t + "]";
}

// A manifest's shape as written ("?" for what is not a number).
std::string
shape_text (const Json &shape)
{
  if (shape.type != Json::Type::Array)
    return "?";
  std::string t = "[";
  for (size_t i = 0; i < shape.items.size () && i < 8; i++)
    {
      const Json &d = shape.items[i];
      t += (i ? ", " : "") + (d.type == Json::Type::Number ? shorten (d.text) : std::string ("?"));
    }
  return t + (shape.items.size () > 8 ? ", ...]" : "]");
}

bool
same_shape (const Json &shape, const std::vector<int> &expected)
{
  if (shape.type != Json::Type::Array || shape.items.size () != expected.size ())
    return false;
  for (size_t i = 0; i < expected.size (); i++)
    {
      const Json &d = shape.items[i];
      // "32", "32.0" and "3.2e1" are all 32 in JSON.
      if (d.type != Json::Type::Number || g_ascii_strtod (d.text.c_str (), NULL) != expected[i])
        return false;
    }
  return true;
}

// A file name inside the folder: no path, nothing hidden, nothing odd.
bool
is_plain_file_name (const std::string &name)
{
  if (name.empty () || name.size () > 255 || name[0] == '.')
    return false;
  for (char c : name)
    if (!g_ascii_isalnum (c) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

// The file named by `entry`, a variable's manifest entry, once its shape is
// checked.
std::string
entry_file (const Json &entry, const Variable &var, const std::string &folder)
{
  const char *dir = folder.c_str (), *name = var.name.c_str ();
  const Json *file = nullptr, *shape = nullptr;

  if (entry.type != Json::Type::Object)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json does not describe variable '%s' as an object"),
          dir, name);
  for (const auto &[key, value] : entry.members)
    {
      const Json **slot = key == "filename" ? &file : key == "shape" ? &shape : nullptr;
      if (key == "dtype" && !(value.type == Json::Type::String && value.text == "float32"))
        fail (NS_ENGINE_ERROR_CORRUPT,
              _("ml5 style '%s': manifest.json gives variable '%s' a type other than float32"),
              dir, name);
      if (!slot)
        continue;
      if (*slot)
        fail (NS_ENGINE_ERROR_CORRUPT,
              _("ml5 style '%s': manifest.json gives variable '%s' two '%s' entries"),
              dir, name, key.c_str ());
      *slot = &value;
    }

  if (!file || file->type != Json::Type::String)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json gives variable '%s' no file name"), dir, name);
  if (!is_plain_file_name (file->text))
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json gives variable '%s' the file name '%s', "
            "which is not a plain file name"),
          dir, name, shorten (file->text).c_str ());
  if (!shape)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json gives variable '%s' no shape"), dir, name);
  if (!same_shape (*shape, var.shape))
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json gives variable '%s' (file '%s') the shape %s, "
            "but this network needs %s: it is not one of ml5's style networks"),
          dir, name, file->text.c_str (), shape_text (*shape).c_str (),
          shape_text (var.shape).c_str ());
  return file->text;
}

// ---------------------------------------------------------------------------
// Files

// The size of `folder`/`file`, which must be a regular file (never a pipe a
// read would wait on).
gint64
file_size (const std::string &folder, const std::string &file, const std::string &path)
{
  GStatBuf st;
  if (g_stat (path.c_str (), &st) != 0)
    {
      if (errno == ENOENT)
        fail (NS_ENGINE_ERROR_NOT_FOUND, _("ml5 style '%s': the file '%s' is missing"),
              folder.c_str (), file.c_str ());
      fail (NS_ENGINE_ERROR_NOT_FOUND, _("ml5 style '%s': the file '%s' cannot be read: %s"),
            folder.c_str (), file.c_str (), g_strerror (errno));
    }
  if (!S_ISREG (st.st_mode))
    fail (NS_ENGINE_ERROR_CORRUPT, _("ml5 style '%s': '%s' is not a file"),
          folder.c_str (), file.c_str ());
  return st.st_size;
}

// Exactly `size` bytes of `path`, which file_size() said has them.
std::string
read_bytes (const std::string &folder, const std::string &file, const std::string &path,
            size_t size)
{
  std::unique_ptr<FILE, int (*) (FILE *)> f (g_fopen (path.c_str (), "rb"), fclose);
  std::string bytes (size, '\0');
  if (!f || fread (&bytes[0], 1, size, f.get ()) != size || fgetc (f.get ()) != EOF)
    fail (NS_ENGINE_ERROR_CORRUPT, _("ml5 style '%s': the file '%s' changed or cannot be read"),
          folder.c_str (), file.c_str ());
  return bytes;
}

std::string
read_manifest (const std::string &folder)
{
  const std::string path = folder + G_DIR_SEPARATOR_S + kManifest;
  const gint64 size = file_size (folder, kManifest, path);
  if (size == 0)
    fail (NS_ENGINE_ERROR_CORRUPT, _("ml5 style '%s': manifest.json is empty"), folder.c_str ());
  if ((guint64) size > kMaxManifestBytes)
    {
      g_autofree gchar *have = g_format_size (size);
      fail (NS_ENGINE_ERROR_CORRUPT,
            _("ml5 style '%s': manifest.json is too large (%s) to be an ml5 manifest"),
            folder.c_str (), have);
    }
  return read_bytes (folder, kManifest, path, (size_t) size);
}

// A variable's values from its raw little-endian float32 file.
std::vector<float>
read_values (const std::string &folder, const std::string &file, const Variable &var)
{
  const std::string path = folder + G_DIR_SEPARATOR_S + file;
  const gint64 want = (gint64) (var.count () * sizeof (float));
  const gint64 have = file_size (folder, file, path);

  if (have < want)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': the file '%s' is truncated (%lld of %lld bytes)"),
          folder.c_str (), file.c_str (), (long long) have, (long long) want);
  if (have > want)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': the file '%s' has the wrong size (%lld bytes, expected %lld)"),
          folder.c_str (), file.c_str (), (long long) have, (long long) want);

  const std::string bytes = read_bytes (folder, file, path, (size_t) want);
  std::vector<float> values (var.count ());
  for (size_t i = 0; i < values.size (); i++)
    {
      guint32 le;
      memcpy (&le, bytes.data () + 4 * i, 4);
      const guint32 bits = GUINT32_FROM_LE (le);
      memcpy (&values[i], &bits, 4);
      // A weight that is not a number only ever makes a black picture.
      if (!std::isfinite (values[i]))
        fail (NS_ENGINE_ERROR_CORRUPT,
              _("ml5 style '%s': the file '%s' holds values that are not numbers "
                "(NaN or infinity)"),
              folder.c_str (), file.c_str ());
    }
  return values;
}

// ---------------------------------------------------------------------------
// The network

// TensorFlow's [h][w][a][b] -> OpenCV's [b][a][h][w]: HWIO -> OIHW for a
// convolution, and H W out in -> in out H W for a transposed one.
cv::Mat
to_opencv_weights (const std::vector<float> &v, const std::vector<int> &shape)
{
  const int kh = shape[0], kw = shape[1], a = shape[2], b = shape[3];
  const int sizes[] = { b, a, kh, kw };
  cv::Mat m (4, sizes, CV_32F);
  float *dst = m.ptr<float> ();
  for (int h = 0; h < kh; h++)
    for (int w = 0; w < kw; w++)
      for (int i = 0; i < a; i++)
        for (int o = 0; o < b; o++)
          dst[(((size_t) o * a + i) * kh + h) * kw + w] = v[(((size_t) h * kw + w) * a + i) * b + o];
  return m;
}

cv::Mat
to_row (const std::vector<float> &v)
{
  return cv::Mat (1, (int) v.size (), CV_32F, const_cast<float *> (v.data ())).clone ();
}

int
add_layer (cv::dnn::Net &net, const std::string &name, const std::string &type,
           cv::dnn::LayerParams &params, std::initializer_list<int> inputs)
{
  params.name = name;
  params.type = type;
  const int id = net.addLayer (name, type, params);
  int pin = 0;
  for (int input : inputs)
    net.connect (input, 0, id, pin++);
  return id;
}

int
add_stage (cv::dnn::Net &net, const Stage &s, const cv::Mat &weights,
           const std::vector<float> &shift, const std::vector<float> &scale, int input)
{
  // TensorFlow's "SAME" on sides that are multiples of the stride (the
  // engine's are multiples of 4): kernel - stride in all, the larger half
  // after.  A transposed convolution crops what its forward one pads.
  const int stride = s.kind == Kind::Conv ? 1 : 2;
  const int pad = std::max (s.kernel - stride, 0), before = pad / 2, after = pad - before;
  cv::dnn::LayerParams conv;
  conv.set ("kernel_h", s.kernel);
  conv.set ("kernel_w", s.kernel);
  conv.set ("stride_h", stride);
  conv.set ("stride_w", stride);
  if (s.kind == Kind::Down && before != after)
    {
      // OpenCV's convolution pads only symmetrically.
      const int paddings[] = { 0, 0, 0, 0, before, after, before, after };
      cv::dnn::LayerParams padding;
      padding.set ("paddings", cv::dnn::DictValue::arrayInt (paddings, 8));
      input = add_layer (net, s.name + "/pad", "Padding", padding, { input });
    }
  else if (s.kind == Kind::Conv)
    conv.set ("pad", before);
  conv.set ("num_output", s.out);
  conv.set ("bias_term", false);
  conv.blobs.push_back (weights);
  int x = add_layer (net, s.name, s.kind == Kind::Up ? "Deconvolution" : "Convolution", conv,
                     { input });
  if (s.kind == Kind::Up && after > 0)
    {
      // A negative end counts from the end, as in ONNX's Slice.
      const int begin[] = { 0, 0, before, before }, end[] = { INT_MAX, INT_MAX, -after, -after };
      cv::dnn::LayerParams crop;
      crop.set ("begin", cv::dnn::DictValue::arrayInt (begin, 4));
      crop.set ("end", cv::dnn::DictValue::arrayInt (end, 4));
      x = add_layer (net, s.name + "/crop", "Slice", crop, { x });
    }

  cv::dnn::LayerParams norm;
  norm.set ("eps", kNormEpsilon);
  x = add_layer (net, s.name + "/norm", "InstanceNormalization", norm, { x });

  cv::dnn::LayerParams affine;
  affine.set ("bias_term", true);
  affine.blobs = { to_row (scale), to_row (shift) };
  x = add_layer (net, s.name + "/affine", "Scale", affine, { x });

  if (s.relu)
    {
      cv::dnn::LayerParams relu;
      x = add_layer (net, s.name + "/relu", "ReLU", relu, { x });
    }
  return x;
}

} // namespace

bool
is_style_folder (const std::string &path)
{
  g_autofree gchar *manifest = g_build_filename (path.c_str (), kManifest, NULL);
  return g_file_test (path.c_str (), G_FILE_TEST_IS_DIR)
         && g_file_test (manifest, G_FILE_TEST_EXISTS);
}

std::vector<std::string>
parse_manifest (const std::string &manifest, const std::string &folder)
{
  const char *dir = folder.c_str ();
  Json doc;
  try
    {
      doc = JsonReader (manifest).document ();
    }
  catch (const SyntaxError &e)
    {
      fail (NS_ENGINE_ERROR_CORRUPT,
            _("ml5 style '%s': manifest.json is not valid JSON (%s at byte %zu)"),
            dir, e.reason, e.at);
    }
  if (doc.type != Json::Type::Object)
    fail (NS_ENGINE_ERROR_CORRUPT,
          _("ml5 style '%s': manifest.json does not list variables (it is not a JSON object)"),
          dir);

  const std::vector<Variable> &vars = variables ();
  std::vector<std::string> files (vars.size ());
  std::set<std::string> used;

  for (const auto &[name, entry] : doc.members)
    {
      size_t i = 0;
      while (i < vars.size () && vars[i].name != name)
        i++;
      if (i == vars.size ())
        fail (NS_ENGINE_ERROR_CORRUPT,
              _("ml5 style '%s': manifest.json lists a variable '%s' that this network "
                "does not have: it is not one of ml5's style networks"),
              dir, shorten (name).c_str ());
      if (!files[i].empty ())
        fail (NS_ENGINE_ERROR_CORRUPT, _("ml5 style '%s': manifest.json lists variable '%s' twice"),
              dir, name.c_str ());
      files[i] = entry_file (entry, vars[i], folder);
      if (!used.insert (files[i]).second)
        fail (NS_ENGINE_ERROR_CORRUPT,
              _("ml5 style '%s': manifest.json names the file '%s' for two variables"),
              dir, files[i].c_str ());
    }
  for (size_t i = 0; i < vars.size (); i++)
    if (files[i].empty ())
      fail (NS_ENGINE_ERROR_CORRUPT, _("ml5 style '%s': manifest.json does not list variable '%s'"),
            dir, vars[i].name.c_str ());
  return files;
}

cv::dnn::Net
read_network (const std::string &folder)
{
  const std::vector<std::string> files = parse_manifest (read_manifest (folder), folder);
  const std::vector<Variable> &vars = variables ();
  cv::dnn::Net net;
  int x = 0, block_input = 0; // layer 0: the network's input

  for (size_t k = 0; k < stages ().size (); k++)
    {
      const Stage &s = stages ()[k];
      std::vector<float> v[3];
      for (int j = 0; j < 3; j++)
        v[j] = read_values (folder, files[3 * k + j], vars[3 * k + j]);

      if (s.skip == Skip::Open)
        block_input = x;
      x = add_stage (net, s, to_opencv_weights (v[0], vars[3 * k].shape), v[1], v[2], x);
      if (s.skip == Skip::Close)
        {
          cv::dnn::LayerParams sum;
          sum.set ("operation", "sum");
          x = add_layer (net, s.name.substr (0, s.name.find ('/')) + "/sum", "Eltwise", sum,
                         { block_input, x });
        }
    }

  cv::dnn::LayerParams tanh, scale;
  add_layer (net, "tanh", "TanH", tanh, { x });
  scale.set ("scale", 150.0f);
  scale.set ("shift", 255.0f / 2);
  add_layer (net, "output", "Power", scale, { net.getLayerId ("tanh") });
  net.setInputsNames ({ "input" });
  return net;
}

} // namespace ns::ml5
