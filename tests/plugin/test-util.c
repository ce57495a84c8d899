/* test-util.c: see test-util.h. */
#include <glib/gstdio.h>

#include "test-util.h"

void
test_remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar     *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      /* A symbolic link to a folder is removed, never followed: the tests
       * link to the read-only shared models. */
      if (! g_file_test (child, G_FILE_TEST_IS_SYMLINK)
          && g_file_test (child, G_FILE_TEST_IS_DIR))
        test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
