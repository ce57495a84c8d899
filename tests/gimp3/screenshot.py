#!/usr/bin/env python3
"""Screenshots for the dialog test, outside GIMP (Gdk on $DISPLAY).

  screenshot.py X Y W H EXPECTED.png OUT.png SECONDS
      waits until the window at X Y W H shows EXPECTED.png (the painted
      preview), then saves the window to OUT.png.  Prints where and how
      well it matched; exit status 1 if it never did (the last screen goes
      to OUT.png.failed).
  screenshot.py --grab X Y W H OUT.png
      saves the window at X Y W H to OUT.png now.
  screenshot.py --find SCREEN.png EXPECTED.png MIN_DB
      where SCREEN.png (a screenshot) shows EXPECTED.png, and how well:
      exit status 0 if it does at MIN_DB or more.
"""
import os
import sys
import time

import gi
gi.require_version('Gdk', '3.0')
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import Gdk, GdkPixbuf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gimpcommon  # noqa: E402

TOLERANCE = 4       # 8-bit levels: rounding, compositing in GIMP or not
MIN_PSNR = 35.0


class Picture:
    """RGB bytes of a pixbuf, any layout."""

    def __init__(self, pixbuf):
        self.pixbuf = pixbuf
        self.width = pixbuf.get_width()
        self.height = pixbuf.get_height()
        self.stride = pixbuf.get_rowstride()
        self.channels = pixbuf.get_n_channels()
        self.data = pixbuf.get_pixels()

    def rgb(self, x, y):
        i = y * self.stride + x * self.channels
        return self.data[i:i + 3]


def grab(x, y, width, height):
    window = Gdk.get_default_root_window()
    return Picture(Gdk.pixbuf_get_from_window(window, x, y, width, height))


def rows_of(picture):
    return [bytes(b for x in range(picture.width) for b in picture.rgb(x, y))
            for y in range(picture.height)]


def close(a, b):
    return all(abs(p - q) <= TOLERANCE for p, q in zip(a, b))


def matches_at(screen, rows, x, y, samples):
    return all(close(screen.rgb(x + sx, y + sy), rows[sy][sx * 3:sx * 3 + 3])
               for sx, sy in samples)


def find(screen, rows):
    """Where @rows show on @screen, checking a grid of sample pixels."""
    height, width = len(rows), len(rows[0]) // 3
    samples = [(sx, sy) for sy in range(0, height, max(1, height // 12))
               for sx in range(0, width, max(1, width // 12))]
    first = rows[0][0:3]
    for y in range(screen.height - height + 1):
        for x in range(screen.width - width + 1):
            if close(screen.rgb(x, y), first) and matches_at(screen, rows, x, y, samples):
                return x, y
    return None


def psnr(screen, rows, x0, y0):
    """PSNR in dB of @rows against the screen at @x0, @y0."""
    shown = bytes(b for y in range(len(rows)) for x in range(len(rows[0]) // 3)
                  for b in screen.rgb(x0 + x, y0 + y))
    return gimpcommon.psnr(shown, b''.join(rows), 255.0)


def wait_for_preview(geometry, rows, seconds):
    end = time.time() + seconds
    while True:
        screen = grab(*geometry)
        where = find(screen, rows)
        if where or time.time() > end:
            return screen, where
        time.sleep(1.0)


def find_in_file(screen_png, expected_png, min_db):
    screen = Picture(GdkPixbuf.Pixbuf.new_from_file(screen_png))
    rows = rows_of(Picture(GdkPixbuf.Pixbuf.new_from_file(expected_png)))
    where = find(screen, rows)
    if not where:
        print('%s does not show %s' % (screen_png, expected_png))
        return 1
    value = psnr(screen, rows, *where)
    print('%s shows %s at %d,%d: PSNR %.1f dB' % (screen_png, expected_png, where[0], where[1],
                                                 value))
    return 0 if value >= min_db else 1


def main(argv):
    if argv[1] == '--grab':
        grab(*[int(v) for v in argv[2:6]]).pixbuf.savev(argv[6], 'png', [], [])
        return 0
    if argv[1] == '--find':
        return find_in_file(argv[2], argv[3], float(argv[4]))
    geometry = [int(v) for v in argv[1:5]]
    expected, out, seconds = argv[5:8]
    rows = rows_of(Picture(GdkPixbuf.Pixbuf.new_from_file(expected)))
    screen, where = wait_for_preview(geometry, rows, float(seconds))
    if not where:
        screen.pixbuf.savev(out + '.failed', 'png', [], [])
        print('the painted preview never showed')
        return 1
    value = psnr(screen, rows, *where)
    screen.pixbuf.savev(out, 'png', [], [])
    print('the painted preview shows at %d,%d in the dialog: PSNR %.1f dB'
          % (where[0], where[1], value))
    return 0 if value >= MIN_PSNR else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
