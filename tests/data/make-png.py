#!/usr/bin/env python3
"""make-png.py: a small indexed (palette) PNG, or with --truecolor the same
picture as 8-bit RGB, written by hand (Python's standard library only):
OpenCV reads palette PNGs but cannot write them.

    make-png.py OUT [--truecolor]
"""
import struct
import sys
import zlib

WIDTH, HEIGHT = 96, 64
PALETTE = [(230, 40, 30), (250, 210, 40), (30, 90, 200), (20, 20, 30),
           (240, 240, 230), (60, 160, 80)]


def index(x, y):
    """Blocks and diagonal stripes: something for a style network to see."""
    return (x // 16 + 2 * (y // 16) + ((x + y) // 5) % 2) % len(PALETTE)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def main():
    out, truecolor = sys.argv[1], "--truecolor" in sys.argv[2:]
    rows = b""
    for y in range(HEIGHT):
        row = [index(x, y) for x in range(WIDTH)]
        pixels = bytes(c for i in row for c in PALETTE[i]) if truecolor else bytes(row)
        rows += b"\0" + pixels  # filter type 0
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2 if truecolor else 3, 0, 0, 0))
    if not truecolor:
        png += chunk(b"PLTE", bytes(c for colour in PALETTE for c in colour))
    png += chunk(b"IDAT", zlib.compress(rows))
    png += chunk(b"IEND", b"")
    with open(out, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main()
