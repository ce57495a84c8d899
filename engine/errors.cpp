// errors.cpp: the C boundary's error handling, and the plain option helpers.
#include "engine-private.hpp"

#include <cstdarg>
#include <new>

G_DEFINE_QUARK (ns-engine-error-quark, ns_engine_error)

namespace ns {

namespace {

void
set_no_memory (GError **error)
{
  g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NO_MEMORY,
                       _("Not enough memory to stylize this image; "
                         "try a smaller memory budget or a larger stroke scale"));
}

} // namespace

void
fail (NsEngineError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree gchar *message = g_strdup_vprintf (format, args);
  va_end (args);
  throw Error { code, message };
}

gboolean
guard (GError **error, const std::function<void ()> &body)
{
  try
    {
      body ();
      return TRUE;
    }
  catch (const Error &e)
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, e.code, e.message.c_str ());
    }
  catch (const Cancelled &)
    {
      g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_CANCELLED,
                           _("Stylizing was cancelled"));
    }
  catch (const std::bad_alloc &)
    {
      set_no_memory (error);
    }
  catch (const cv::Exception &e)
    {
      if (e.code == cv::Error::StsNoMem)
        set_no_memory (error);
      else
        g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED,
                     _("OpenCV failed: %s"), e.err.c_str ());
    }
  catch (const std::exception &e)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED,
                   _("Stylizing failed: %s"), e.what ());
    }
  return FALSE;
}

} // namespace ns

void
ns_options_init (NsOptions *options)
{
  g_return_if_fail (options != NULL);

  options->strength = 1.0;
  options->preserve_colors = FALSE;
  options->scale = 1.0;
  options->threads = 0;
  options->memory_budget = 0;
  options->statistics = NS_STATISTICS_AUTO;
  options->style_amount = 1.0;
  options->full_precision = FALSE;
}

guint64
ns_options_default_memory_budget (void)
{
  // A 24-megapixel photo then stays within 2 GiB of peak memory, images
  // included, whatever the machine.
  return (guint64) 1280 << 20;
}

gboolean
ns_options_validate (const NsOptions *options, GError **error)
{
  g_return_val_if_fail (options != NULL, FALSE);

  if (!(options->strength >= 0.0 && options->strength <= 1.0))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Strength %g is out of range (0 to 1)"), options->strength);
      return FALSE;
    }
  if (!(options->scale >= NS_SCALE_MIN && options->scale <= NS_SCALE_MAX))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Stroke scale %g is out of range (%g to %g)"),
                   options->scale, NS_SCALE_MIN, NS_SCALE_MAX);
      return FALSE;
    }
  if (!(options->style_amount >= 0.0 && options->style_amount <= 1.0))
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Style amount %g is out of range (0 to 1)"), options->style_amount);
      return FALSE;
    }
  if (options->statistics < NS_STATISTICS_AUTO || options->statistics > NS_STATISTICS_SHRUNK)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Unknown statistics mode %d"), (int) options->statistics);
      return FALSE;
    }
  if (options->threads < 0)
    {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_BAD_IMAGE,
                   _("Thread count %d is negative"), options->threads);
      return FALSE;
    }
  return TRUE;
}
