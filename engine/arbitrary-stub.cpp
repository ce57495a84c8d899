// TEMPORARY: replaced by the Magenta work (engine/magenta*.cpp).
#include "engine-private.hpp"

static gboolean
not_yet (GError **error)
{
  g_set_error_literal (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_FAILED, "not implemented yet");
  return FALSE;
}

NsEngine *
ns_engine_new_arbitrary (const gchar *, const gchar *, GError **error)
{
  not_yet (error);
  return NULL;
}

gboolean ns_engine_is_arbitrary (NsEngine *) { return FALSE; }
gboolean ns_engine_set_style_vector (NsEngine *, const gfloat *, GError **error) { return not_yet (error); }
gboolean ns_engine_predict_style (NsEngine *, const NsImageIO *, gfloat *, GError **error) { return not_yet (error); }
gboolean ns_engine_predict_style_file (NsEngine *, const gchar *, gfloat *, GError **error) { return not_yet (error); }
