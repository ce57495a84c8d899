// neural-style: the engine's command-line front-end.
//
//   neural-style [--style ID|FILE|PICTURE] [--style-amount F] [--strength F]
//                [--preserve-colors] [--scale F] [--model-path DIR] IN OUT
//                [--mix-with ID|PICTURE [--mix F]]
//   neural-style --style PICTURE [--mix-with ID|PICTURE [--mix F]] --save-style ID [--title T]
//
// Exit status: 0 done, 1 error (nothing written), 2 bad usage.
#include "config.h"

#include "neural-style-engine.h"
#include "color-profile.hpp"
#include "image-header.hpp"

#include <glib/gi18n.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

enum Exit
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,
  EXIT_USAGE = 2
};

// --memory's largest value: 16 TiB, far beyond any machine's memory and
// far within NsOptions' 64 bits.
constexpr double kMaxMemoryMib = 16777216;

// --mix when --mix-with is given alone: half of each style.
constexpr double kMixDefault = 0.5;

struct Args
{
  gchar *style = nullptr;
  gdouble style_amount = 1.0;
  gchar *mix_with = nullptr;
  gchar *mix_text = nullptr; // --mix as given
  gdouble mix = kMixDefault;
  gchar *save_style = nullptr;
  gchar *title = nullptr;
  gdouble strength = 1.0;
  gboolean preserve_colors = FALSE;
  gdouble scale = 1.0;
  gchar **model_path = nullptr;
  gboolean list_styles = FALSE;
  gint threads = 0;
  gdouble memory_mib = 0;
  gboolean exact_tiling = FALSE;
  gchar *statistics = nullptr;
  gboolean full_precision = FALSE;
  gboolean quiet = FALSE;
  gchar **files = nullptr;

  ~Args ()
  {
    g_free (style);
    g_free (mix_with);
    g_free (mix_text);
    g_free (save_style);
    g_free (title);
    g_free (statistics);
    g_strfreev (model_path);
    g_strfreev (files);
  }
};

volatile sig_atomic_t interrupted = 0;

// @text with its control characters escaped (C0 and C1 as \xNN, bidi
// overrides and line separators as \uNNNN, bytes that are not UTF-8 as
// \xNN): a style's title, a file name or a message cannot move the
// cursor, recolour the terminal or hide text.
std::string
printable (const char *text)
{
  std::string s;
  char escape[16];

  for (const char *p = text; *p;)
    {
      const gunichar c = g_utf8_get_char_validated (p, -1);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          snprintf (escape, sizeof escape, "\\x%02x", (guchar) *p++);
          s += escape;
          continue;
        }
      const char *next = g_utf8_next_char (p);
      if (g_unichar_iscntrl (c))
        snprintf (escape, sizeof escape, "\\x%02x", (unsigned) c);
      else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029)
        snprintf (escape, sizeof escape, "\\u%04x", (unsigned) c);
      else
        {
          s.append (p, next);
          p = next;
          continue;
        }
      s += escape;
      p = next;
    }
  return s;
}

void
report (const GError *error)
{
  fprintf (stderr, "neural-style: %s\n", printable (error->message).c_str ());
}

// The first Ctrl+C or SIGTERM cancels the job cleanly; a second one, sent
// because the first seemed unheard, ends the process at once.
void
on_interrupt (int sig)
{
  if (interrupted)
    {
      signal (sig, SIG_DFL);
      raise (sig);
    }
  interrupted = 1;
}

// Pixels cross the engine as RGBA floats; files hold BGR(A) or gray, 8 or
// 16 bits or float.  One converter each way.
double
full_scale (int depth)
{
  switch (depth)
    {
    case CV_8U:
      return 255.0;
    case CV_16U:
      return 65535.0;
    default:
      return 1.0;
    }
}

// `rgba` (float RGBA, file_pixels' size: a view into the engine's
// buffer) = file_pixels (gray, BGR or BGRA, 8 or 16 bits or float),
// without a copy in between: the colour conversion writes into the view.
void
to_rgba_float (const cv::Mat &file_pixels, cv::Mat rgba)
{
  cv::Mat f;
  file_pixels.convertTo (f, CV_32F, 1.0 / full_scale (file_pixels.depth ()));
  const int code = f.channels () == 1 ? cv::COLOR_GRAY2RGBA
                   : f.channels () == 3 ? cv::COLOR_BGR2RGBA
                                        : cv::COLOR_BGRA2RGBA;
  const uchar *view = rgba.data;
  cv::cvtColor (f, rgba, code);
  CV_Assert (rgba.data == view); // written in place, not reallocated
}

// `out` (a view into the output image, of its type) = rgba.
void
from_rgba_float (const cv::Mat &rgba, cv::Mat out)
{
  cv::Mat converted;
  const int code = out.channels () == 1 ? cv::COLOR_RGBA2GRAY
                   : out.channels () == 3 ? cv::COLOR_RGBA2BGR
                                          : cv::COLOR_RGBA2BGRA;
  cv::cvtColor (rgba, converted, code);
  const uchar *view = out.data;
  converted.convertTo (out, out.depth (), full_scale (out.depth ()));
  CV_Assert (out.data == view);
}

struct Images
{
  cv::Mat in;
  cv::Mat out;
};

// Runs fn (rows) over bands of `rect`'s rows on every thread: a whole
// photo converted on one thread took a tenth of a light style's time.
template <typename F>
void
in_bands (const NsRect *rect, const F &fn)
{
  cv::parallel_for_ (cv::Range (0, rect->height), [&] (const cv::Range &rows) {
    fn (cv::Rect (rect->x, rect->y + rows.start, rect->width, rows.size ()), rows);
  }, 16);
}

gboolean
read_rect (gpointer user_data, const NsRect *rect, gfloat *rgba, GError **)
{
  const Images *images = static_cast<const Images *> (user_data);
  cv::Mat dest (rect->height, rect->width, CV_32FC4, rgba);
  in_bands (rect, [&] (const cv::Rect &band, const cv::Range &rows) {
    to_rgba_float (images->in (band), dest.rowRange (rows.start, rows.end));
  });
  return TRUE;
}

gboolean
write_rect (gpointer user_data, const NsRect *rect, const gfloat *rgba, GError **)
{
  Images *images = static_cast<Images *> (user_data);
  const cv::Mat src (rect->height, rect->width, CV_32FC4, const_cast<gfloat *> (rgba));
  in_bands (rect, [&] (const cv::Rect &band, const cv::Range &rows) {
    from_rgba_float (src.rowRange (rows.start, rows.end), images->out (band));
  });
  return TRUE;
}

gboolean
show_progress (gdouble fraction, gpointer user_data)
{
  const bool draw = GPOINTER_TO_INT (user_data);
  if (draw)
    {
      const int width = 40, filled = (int) (fraction * width + 0.5);
      std::string bar (filled, '=');
      bar.resize (width, ' ');
      fprintf (stderr, "\r[%s] %3d%%", bar.c_str (), (int) (fraction * 100 + 0.5));
      fflush (stderr);
    }
  return !interrupted;
}

// @path's bytes, if it is a regular file: opened without blocking and
// checked once open, so a FIFO or a device is refused, never waited on.
bool
read_regular_file (const char *path, std::vector<guchar> &bytes, GError **error)
{
  const int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  struct stat st;
  int saved = errno;

  if (fd >= 0 && fstat (fd, &st) != 0)
    saved = errno;
  else if (fd >= 0 && !S_ISREG (st.st_mode))
    saved = 0;
  else if (fd >= 0)
    {
      bytes.resize (st.st_size);
      size_t done = 0;
      while (done < bytes.size ())
        {
          const ssize_t n = read (fd, bytes.data () + done, bytes.size () - done);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          done += n;
        }
      saved = done < bytes.size () ? errno : -1;
      bytes.resize (done);
    }
  if (fd >= 0)
    close (fd);
  if (saved == -1)
    return true;
  if (saved == 0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                 _("cannot read image '%s': it is not a regular file"), path);
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _("cannot read image '%s': %s"),
                 path, g_strerror (saved));
  return false;
}

// The networks paint sRGB: a photo with an embedded colour profile (Adobe
// RGB, Display P3, ...) is converted from it, and OUT is written in sRGB,
// as colour-managed viewers take a file without a profile.
void
to_srgb (const char *path, const std::vector<guchar> &bytes, cv::Mat &pixels)
{
  const std::vector<unsigned char> icc = cli::read_icc_profile (bytes);
  if (icc.empty ())
    return;
  std::string name, why;
  if (cli::convert_to_srgb (pixels, icc, name, why))
    fprintf (stderr, _("neural-style: '%s' has the colour profile '%s': painted in sRGB, "
                       "and the output is sRGB\n"),
             path, name.c_str ());
  else
    fprintf (stderr, _("neural-style: '%s': its colour profile is ignored (%s): its colours "
                       "are taken as sRGB\n"),
             path, why.c_str ());
}

// Reads IN whole: PNG, JPEG or TIFF, its declared size checked against the
// memory budget before decoding (a 400 KB PNG can declare 20000 x 20000
// pixels), a truncated JPEG refused.
bool
read_image (const char *path, const NsOptions &options, cv::Mat &pixels, GError **error)
{
  std::vector<guchar> bytes;
  if (!read_regular_file (path, bytes, error))
    return false;

  const cli::Declared d = cli::declared (bytes);
  if (!d.format)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("cannot read image '%s' (missing, or not a PNG, JPEG or TIFF file)"), path);
      return false;
    }
  // IN and OUT are held whole, beside the network's budget: up to that
  // budget, or the default one if it is smaller.
  const guint64 budget = std::max (options.memory_budget, ns_options_default_memory_budget ());
  const double need = bytes.size () + 2.0 * d.width * d.height * d.bytes_per_pixel;
  if (need > budget)
    {
      g_autofree gchar *need_text = g_format_size_full ((guint64) std::min (need, 1e19), G_FORMAT_SIZE_IEC_UNITS);
      g_autofree gchar *budget_text = g_format_size_full (budget, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _("Image '%s' is %u x %u pixels: it takes %s in memory, more than the memory "
                     "budget (%s); give a larger --memory"),
                   path, (guint) d.width, (guint) d.height, need_text, budget_text);
      return false;
    }
  if (!d.complete)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("Image '%s' is damaged: its JPEG data end before the picture does "
                     "(the file is truncated)"), path);
      return false;
    }

  try
    {
      pixels = cv::imdecode (bytes, cv::IMREAD_UNCHANGED);
    }
  catch (const cv::Exception &)
    {
    }
  if (pixels.empty ())
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("Image '%s' is damaged: it is a %s file, but its pixels cannot be decoded"),
                   path, d.format);
      return false;
    }
  to_srgb (path, bytes, pixels);
  return true;
}

bool
writable_extension (const char *path)
{
  static const char *const extensions[] = { ".png", ".jpg", ".jpeg", ".tif", ".tiff" };
  g_autofree gchar *lower = g_ascii_strdown (path, -1);
  for (const char *ext : extensions)
    if (g_str_has_suffix (lower, ext))
      return true;
  return false;
}

// The output keeps the input's channels where the format can hold them.
int
output_type (const cv::Mat &in, const char *out_path)
{
  g_autofree gchar *lower = g_ascii_strdown (out_path, -1);
  const bool jpeg = g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg");
  const bool png = g_str_has_suffix (lower, ".png");
  int depth = in.depth ();
  int channels = in.channels ();

  if (jpeg)
    {
      depth = CV_8U;
      channels = channels == 4 ? 3 : channels;
    }
  else if (png && depth != CV_8U)
    depth = CV_16U;
  else if (depth != CV_8U && depth != CV_16U)
    depth = CV_32F;
  return CV_MAKETYPE (depth, channels);
}

// Encodes `image` in the format `path` names and writes it: OUT is either
// the whole result or untouched (g_file_set_contents writes a temporary file
// beside it and renames it).
bool
write_image (const cv::Mat &image, const char *path, GError **error)
{
  std::vector<uchar> bytes;
  bool encoded = false;

  try
    {
      encoded = cv::imencode (strrchr (path, '.'), image, bytes);
    }
  catch (const cv::Exception &)
    {
    }
  if (!encoded)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("Cannot write '%s': %s"), path,
                   _("the image could not be encoded"));
      return false;
    }
  // A file replaced keeps its permissions (the temporary file is made with
  // them, less the umask's bits, and then given them exactly).
  GStatBuf st;
  const bool replacing = g_stat (path, &st) == 0 && S_ISREG (st.st_mode);
  const int mode = replacing ? (int) (st.st_mode & 0777) : 0666;
  if (!g_file_set_contents_full (path, (const gchar *) bytes.data (), bytes.size (),
                                 (GFileSetContentsFlags) (G_FILE_SET_CONTENTS_CONSISTENT
                                                          | G_FILE_SET_CONTENTS_ONLY_EXISTING),
                                 mode, error))
    {
      g_prefix_error (error, _("Cannot write '%s': "), path);
      return false;
    }
  if (replacing && g_chmod (path, mode) != 0)
    {
      const int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot give '%s' its former permissions: %s"), path, g_strerror (saved));
      return false;
    }
  return true;
}

// @text and spaces up to @columns on a terminal: printf's %-13s counts
// bytes, and a translated "installed" (已安装) has two columns a character.
std::string
padded (const char *text, long columns)
{
  long width = 0;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      const gunichar c = g_utf8_get_char (p);
      width += g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;
    }
  std::string s (text);
  if (width < columns)
    s.append (columns - width, ' ');
  return s;
}

int
list_styles (NsCatalog *catalog)
{
  GPtrArray *styles = ns_catalog_get_styles (catalog);
  for (guint i = 0; i < styles->len; i++)
    {
      const NsStyle *style = static_cast<const NsStyle *> (g_ptr_array_index (styles, i));
      g_autofree gchar *description = ns_style_describe (style);
      const char *state = style->kind == NS_STYLE_KIND_VECTOR && !style->vector ? _("corrupt")
                          : style->path ? _("installed") : "-";
      printf ("%s %s %s%s%s\n", padded (printable (style->id).c_str (), 28).c_str (),
              padded (state, 13).c_str (), printable (description).c_str (),
              style->noncommercial ? " · " : "", style->noncommercial ? _("non-commercial use only") : "");
    }
  g_autoptr (GError) error = nullptr;
  if (!ns_catalog_find_installed (catalog, nullptr, &error))
    report (error);
  return EXIT_OK;
}

// A network file given by path (anything else not an id is a picture).
bool
is_model_path (const char *style)
{
  return g_str_has_suffix (style, ".onnx") || g_str_has_suffix (style, ".t7")
         || g_file_test (style, G_FILE_TEST_IS_DIR);
}

// A network file that exists is that file, even where a style has its
// name (an older saved style could be called "x.onnx").
bool
is_network_file (NsCatalog *catalog, const char *style_arg)
{
  return style_arg && is_model_path (style_arg)
         && (!ns_catalog_lookup (catalog, style_arg)
             || (!g_file_test (style_arg, G_FILE_TEST_IS_DIR) && g_file_test (style_arg, G_FILE_TEST_EXISTS)));
}

// The style --style names, mixed with --mix-with's when that is given.
NsStyle *
resolve_style (const Args &args, NsCatalog *catalog, GError **error)
{
  const char *network = is_network_file (catalog, args.style) ? args.style
                        : is_network_file (catalog, args.mix_with) ? args.mix_with : nullptr;
  if (args.mix_with && network)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("'%s' is a trained network: only pictures and Magenta's styles can be mixed"),
                   network);
      return nullptr;
    }

  g_autoptr (NsStyle) style = ns_catalog_resolve (catalog, args.style, error);
  if (!style || !args.mix_with)
    return g_steal_pointer (&style);
  g_autoptr (NsStyle) second = ns_catalog_resolve (catalog, args.mix_with, error);
  return second ? ns_style_mix (style, second, args.mix, error) : nullptr;
}

NsEngine *
open_engine (const Args &args, NsCatalog *catalog, GError **error)
{
  if (!args.mix_with && is_network_file (catalog, args.style))
    return ns_engine_new (args.style, NS_CONVENTION_AUTO, error);

  g_autoptr (NsStyle) style = resolve_style (args, catalog, error);
  return style ? ns_engine_new_for_style (style, error) : nullptr;
}

int
save_style (const Args &args, NsCatalog *catalog)
{
  g_autoptr (GError) error = nullptr;
  g_autoptr (NsStyle) style = resolve_style (args, catalog, &error);
  gfloat vector[NS_STYLE_VECTOR_SIZE];

  if (style && style->kind == NS_STYLE_KIND_NETWORK)
    g_set_error (&error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                 _("Style '%s' is a trained network: only a picture (or a style vector) "
                   "can be saved as a style"), style->id);
  g_autofree gchar *path = style && !error && ns_style_get_vector (style, vector, &error)
    ? ns_catalog_save_style (catalog, nullptr, args.save_style, args.title ? args.title : style->title,
                             style->kind == NS_STYLE_KIND_PICTURE ? style->title : nullptr,
                             vector, &error)
    : nullptr;
  if (!path)
    {
      report (error);
      return EXIT_ERROR;
    }
  printf (_("Saved style '%s' in %s\n"), args.save_style, path);
  return EXIT_OK;
}

// --statistics MODE; --exact-tiling is the older name of "whole".  An
// unknown MODE is -1, refused by ns_options_validate.
NsStatistics
statistics_from (const Args &args)
{
  if (args.exact_tiling || g_strcmp0 (args.statistics, "whole") == 0)
    return NS_STATISTICS_WHOLE;
  if (!args.statistics || strcmp (args.statistics, "auto") == 0)
    return NS_STATISTICS_AUTO;
  if (strcmp (args.statistics, "shrunk") == 0)
    return NS_STATISTICS_SHRUNK;
  return (NsStatistics) -1;
}

NsOptions
options_from (const Args &args)
{
  NsOptions options;
  ns_options_init (&options);
  options.strength = args.strength;
  options.preserve_colors = args.preserve_colors;
  options.scale = args.scale;
  options.threads = args.threads;
  options.memory_budget = (guint64) (args.memory_mib * 1024 * 1024);
  options.statistics = statistics_from (args);
  options.style_amount = args.style_amount;
  options.full_precision = args.full_precision;
  return options;
}

// A network pass needs a minimum whatever the budget: say so rather than
// exceed a smaller budget without a word.
void
warn_small_budget (const NsOptions &options)
{
  const guint64 least = ns_options_min_memory_budget ();
  if (options.memory_budget == 0 || options.memory_budget >= least)
    return;
  g_autofree gchar *budget = g_format_size_full (options.memory_budget, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *needed = g_format_size_full (least, G_FORMAT_SIZE_IEC_UNITS);
  fprintf (stderr, _("neural-style: the memory budget (%s) is less than a network pass needs; "
                     "the smallest tiles take %s, and the images come on top\n"),
           budget, needed);
}

int
run (const Args &args, const NsOptions &options, NsCatalog *catalog)
{
  const char *in_path = args.files[0];
  const char *out_path = args.files[1];
  g_autoptr (GError) error = nullptr;

  g_autoptr (NsEngine) engine = open_engine (args, catalog, &error);
  if (!engine)
    {
      report (error);
      return EXIT_ERROR;
    }

  Images images;
  if (!read_image (in_path, options, images.in, &error))
    {
      report (error);
      return EXIT_ERROR;
    }
  warn_small_budget (options);
  images.out.create (images.in.size (), output_type (images.in, out_path));

  const NsImageIO io = { images.in.cols, images.in.rows, read_rect, write_rect, &images };
  // Whole-image statistics or why not, before any work.
  g_autofree gchar *why = nullptr;
  if (ns_engine_plan_statistics (engine, &options, io.width, io.height, &why, &error)
      == NS_STATISTICS_AUTO)
    {
      report (error);
      return EXIT_ERROR;
    }
  if (why)
    fprintf (stderr, _("neural-style: %s: painting with statistics from a shrunk copy, close to "
                       "but not the same as a whole-image painting (--statistics shrunk)\n"),
             why);

  const bool bar = !args.quiet && isatty (STDERR_FILENO);
  const gboolean ok = ns_engine_stylize (engine, &options, &io, show_progress,
                                         GINT_TO_POINTER (bar), &error);
  if (bar)
    fprintf (stderr, "\n");
  if (!ok)
    {
      report (error);
      return EXIT_ERROR;
    }

  images.in.release ();
  if (!write_image (images.out, out_path, &error))
    {
      report (error);
      return EXIT_ERROR;
    }
  return EXIT_OK;
}

// A number from 0 to 1, the whole of @text.
bool
parse_fraction (const char *text, gdouble *value)
{
  gchar *end = nullptr;
  *value = g_ascii_strtod (text, &end);
  return end != text && !*end && *value >= 0 && *value <= 1;
}

int
usage_error (GOptionContext *context, const char *message)
{
  g_autofree gchar *help = g_option_context_get_help (context, TRUE, nullptr);
  fprintf (stderr, "neural-style: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

} // namespace

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  Args args;
  g_autofree gchar *scale_help = g_strdup_printf (_("Stroke size, %g to %g (default 1: the network's own)"),
                                                  NS_SCALE_MIN, NS_SCALE_MAX);
  g_autofree gchar *memory_help = g_strdup_printf (
    _("Memory budget for the network in MiB (default %u); larger images go in tiles"),
    (guint) (ns_options_default_memory_budget () >> 20));
  const GOptionEntry entries[] = {
    { "style", 's', 0, G_OPTION_ARG_FILENAME, &args.style,
      N_("Style id (see --list-styles), a .onnx/.t7 file, or any picture (PNG, JPEG, TIFF) "
         "to paint with; default: the first installed"), N_("ID|FILE|PICTURE") },
    { "style-amount", 0, 0, G_OPTION_ARG_DOUBLE, &args.style_amount,
      N_("Picture and vector styles: how much of the style against the photo's own, "
         "0 to 1 (default 1)"), N_("F") },
    { "mix-with", 0, 0, G_OPTION_ARG_FILENAME, &args.mix_with,
      N_("Mix the style with a second one (an id or a picture); both must be pictures or "
         "Magenta's styles"), N_("ID|PICTURE") },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &args.mix_text,
      N_("How much of the --mix-with style, 0 to 1 (default 0.5)"), N_("F") },
    { "save-style", 0, 0, G_OPTION_ARG_STRING, &args.save_style,
      N_("Save the picture given by --style (or the mix, with --mix-with) as style ID in "
         "the user model folder (no IN and OUT then)"), N_("ID") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &args.title,
      N_("The saved style's title (default: the picture's file name, or the mix's two titles)"), N_("T") },
    { "strength", 0, 0, G_OPTION_ARG_DOUBLE, &args.strength,
      N_("Mix with the original, 0 to 1 (default 1)"), N_("F") },
    { "preserve-colors", 'p', 0, G_OPTION_ARG_NONE, &args.preserve_colors,
      N_("Keep the photo's colours, take the painting's light and strokes"), nullptr },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &args.scale, scale_help, N_("F") },
    { "model-path", 'm', 0, G_OPTION_ARG_FILENAME_ARRAY, &args.model_path,
      N_("Also look for models in DIR (before the default folders)"), N_("DIR") },
    { "list-styles", 'l', 0, G_OPTION_ARG_NONE, &args.list_styles,
      N_("List the styles and whether they are installed"), nullptr },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args.threads,
      N_("Threads to use (default: all cores)"), N_("N") },
    { "memory", 0, 0, G_OPTION_ARG_DOUBLE, &args.memory_mib, memory_help, N_("MIB") },
    { "statistics", 0, 0, G_OPTION_ARG_STRING, &args.statistics,
      N_("Statistics of an image painted in tiles: whole (exactly a one-pass painting), "
         "shrunk (from a shrunk copy: faster, close) or auto (whole when the memory budget and "
         "the temporary folder hold it, else shrunk; the default)"), N_("MODE") },
    { "exact-tiling", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &args.exact_tiling,
      N_("The same as --statistics whole"), nullptr },
    { "full-precision", 0, 0, G_OPTION_ARG_NONE, &args.full_precision,
      N_("Compute in 32-bit floats throughout (the default uses faster 16-bit floats for "
         "the large products on processors with AVX512-FP16, within 40 dB of this)"), nullptr },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("No progress bar"), nullptr },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.files, nullptr, N_("IN OUT") },
    { nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr }
  };

  g_autoptr (GOptionContext) context = g_option_context_new (_("- paint a photo in the style of a painting"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Reads and writes PNG, JPEG and TIFF. OUT is written only when the whole image is done.\n"
      "Models are searched in $NEURAL_STYLE_MODEL_PATH, ~/.local/share/neural-style/models and\n"
      "the installed data folder; install them with neural-style-fetch.\n"));

  g_autoptr (GError) error = nullptr;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);

  // NsOptions has no negative memory budget to refuse, nor one that
  // overflows its 64 bits.
  if (!std::isfinite (args.memory_mib))
    return usage_error (context, _("--memory must be a finite number of MiB"));
  if (args.memory_mib < 0)
    return usage_error (context, _("--memory cannot be negative"));
  if (args.memory_mib > kMaxMemoryMib)
    {
      g_autofree gchar *message = g_strdup_printf (_("--memory %g is too large (at most %.0f MiB)"),
                                                   args.memory_mib, kMaxMemoryMib);
      return usage_error (context, message);
    }
  if (args.mix_text && !args.mix_with)
    return usage_error (context, _("--mix needs --mix-with"));
  if (args.mix_text && !parse_fraction (args.mix_text, &args.mix))
    return usage_error (context, _("--mix must be a number from 0 to 1"));
  if (statistics_from (args) == (NsStatistics) -1)
    return usage_error (context, _("--statistics must be whole, shrunk or auto"));
  const NsOptions options = options_from (args);
  if (!ns_options_validate (&options, &error))
    return usage_error (context, error->message);

  g_auto (GStrv) search_path = ns_catalog_default_search_path ();
  if (args.model_path)
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_strv_builder_addv (builder, (const char **) args.model_path);
      g_strv_builder_addv (builder, (const char **) search_path);
      g_strfreev (search_path);
      search_path = g_strv_builder_end (builder);
    }

  g_autoptr (NsCatalog) catalog = ns_catalog_new (nullptr, search_path, &error);
  if (!catalog)
    {
      report (error);
      return EXIT_ERROR;
    }

  if (args.list_styles)
    return list_styles (catalog);

  if (args.save_style)
    {
      if (!args.style)
        return usage_error (context, _("--save-style needs --style PICTURE"));
      if (args.files)
        return usage_error (context, _("--save-style takes no input or output image"));
      return save_style (args, catalog);
    }

  if (!args.files || g_strv_length (args.files) != 2)
    return usage_error (context, _("give one input and one output image"));
  if (!writable_extension (args.files[1]))
    return usage_error (context, _("the output must end in .png, .jpg, .jpeg, .tif or .tiff"));

  signal (SIGINT, on_interrupt);
  signal (SIGTERM, on_interrupt);
  return run (args, options, catalog);
}
