#!/usr/bin/python3
"""The benchmark's pictures: the photos it paints and the PSNR of a
painting against ONNX Runtime's.

  images.py photos SRC WORK NAME=WxH...
      SRC upscaled (bicubic) to each size, as WORK/NAME.png, a 16-bit PNG
      of 8-bit values (v * 257: the CLI then writes a 16-bit PNG, and reads
      exactly the 8-bit values), and as WORK/NAME.f32, the same pixels as
      the network's input for ONNX Runtime (raw float32, NCHW, RGB, 0..255);
      NAME.jpg=WxH: only a JPEG (quality 95), as photos mostly come.
  images.py psnr REF.f32 WIDTH HEIGHT IMAGE
      PSNR in dB (peak 255) of IMAGE (a PNG, 8 or 16 bits) against REF, a
      network output (raw float32, NCHW, RGB), clamped to 0..255 as every
      painting is; "inf" when they are equal.
"""
import math
import os
import sys

import cv2
import numpy as np


def photos(src, work, specs):
    img = cv2.imread(src, cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit("images.py: cannot read %s" % src)
    for spec in specs:
        name, size = spec.split("=")
        w, h = (int(v) for v in size.split("x"))
        big = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
        if name.endswith(".jpg"):
            cv2.imwrite(os.path.join(work, name), big, [cv2.IMWRITE_JPEG_QUALITY, 95])
            continue
        cv2.imwrite(os.path.join(work, name + ".png"), big.astype(np.uint16) * 257)
        rgb = big[:, :, ::-1].astype(np.float32)
        rgb.transpose(2, 0, 1).tofile(os.path.join(work, name + ".f32"))


def read_output(path, width, height):
    """A raw NCHW RGB output as an HxWx3 RGB float64 image, clamped."""
    want = 3 * width * height
    if os.path.getsize(path) != want * 4:
        raise SystemExit("images.py: %s holds %d bytes, not %d floats"
                         % (path, os.path.getsize(path), want))
    planes = np.fromfile(path, dtype=np.float32, count=want).reshape(3, height, width)
    return np.clip(planes.transpose(1, 2, 0).astype(np.float64), 0, 255)


def read_painting(path):
    """A PNG as an HxWx3 RGB float64 image on the 0..255 scale."""
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None or img.ndim != 3 or img.shape[2] != 3:
        raise SystemExit("images.py: %s is not an RGB picture" % path)
    scale = 255.0 / 65535.0 if img.dtype == np.uint16 else 1.0
    return img[:, :, ::-1].astype(np.float64) * scale


def psnr(a, b):
    if a.shape != b.shape:
        raise SystemExit("images.py: sizes differ: %s and %s" % (a.shape, b.shape))
    mse = np.mean((a - b) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def main(argv):
    if len(argv) >= 4 and argv[1] == "photos":
        photos(argv[2], argv[3], argv[4:])
    elif len(argv) == 6 and argv[1] == "psnr":
        width, height = int(argv[3]), int(argv[4])
        print("%.1f" % psnr(read_output(argv[2], width, height), read_painting(argv[5])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
