// test-hostile-tflite.cpp: hand-made hostile .tflite files (tflite-maker)
// are each refused with a clean ns::Error of the right code, whose message
// names the file and the problem; the valid model they are made from parses.
#include "tflite-maker.hpp"

#include "engine-private.hpp"
#include "tflite.hpp"

#include <glib.h>

namespace {

void
test_valid_base ()
{
  const ns::tflite::Model m = ns::tflite::parse_model (maker::write_model (maker::tiny_model ()),
                                                       "tiny.tflite");
  g_assert_cmpuint (m.operators.size (), ==, 5);
  g_assert_cmpuint (m.tensors.size (), ==, 13);
}

void
test_hostile (gconstpointer data)
{
  const maker::Hostile &h = *static_cast<const maker::Hostile *> (data);
  const std::string name = "hostile/" + h.name + ".tflite";
  try
    {
      const ns::tflite::Model m = ns::tflite::parse_model (h.bytes, name);
      g_test_message ("parsed: %zu tensors, %zu operators", m.tensors.size (),
                      m.operators.size ());
      g_test_fail_printf ("'%s' was accepted; expected an error with \"%s\"",
                          name.c_str (), h.expect.c_str ());
    }
  catch (const ns::Error &e)
    {
      g_test_message ("%zu bytes: %s", h.bytes.size (), e.message.c_str ());
      g_assert_cmpint (e.code, ==, h.code);
      g_assert_nonnull (strstr (e.message.c_str (), ("'" + name + "'").c_str ()));
      g_assert_nonnull (strstr (e.message.c_str (), h.expect.c_str ()));
    }
}

} // namespace

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static const std::vector<maker::Hostile> cases = maker::hostile_models ();

  g_test_add_func ("/hostile-tflite/valid-base", test_valid_base);
  for (const maker::Hostile &h : cases)
    {
      g_autofree gchar *path = g_strdup_printf ("/hostile-tflite/%s", h.name.c_str ());
      g_test_add_data_func (path, &h, test_hostile);
    }
  return g_test_run ();
}
