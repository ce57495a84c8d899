/* test-util.h: what the tests of plugin/common share. */
#ifndef NS_PLUGIN_TEST_UTIL_H
#define NS_PLUGIN_TEST_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* Deletes @path and everything in it. */
void  test_remove_tree (const gchar *path);

G_END_DECLS

#endif
