#!/usr/bin/python3
# magenta_ref.py: the test suite's independent reference for Magenta's
# arbitrary image stylization (Ghiasi et al. 2017): the preprocessing the
# project specifies, in numpy, around tflite_ref's float interpreter.
#
#   magenta_ref.py predict PICTURE --model PREDICTION.tflite
#       prints the picture's 100-number style vector
#   magenta_ref.py transfer PHOTO (--vector FILE | --picture PICTURE
#       --prediction PREDICTION.tflite) --model TRANSFER.tflite -o OUT.png
#       paints PHOTO; OUT is a 16-bit PNG
#
# OpenCV is used only to read and write image files.

import argparse
import math
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_ref  # noqa: E402

STYLE_SIDE = 256
# What the engine gives the transfer network: the photo reflected out, right
# and bottom (edge pixel repeated: OpenCV's BORDER_REFLECT), to a multiple
# of 4 and at least MIN_SIDE on each side.
MULTIPLE = 4
MIN_SIDE = 64


def read_rgba(path):
    """A picture file as float64 RGBA 0..1 (8- and 16-bit scaled, float kept)."""
    import cv2
    pixels = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise ValueError('cannot read image %s' % path)
    full = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(pixels.dtype, 1.0)
    f = pixels.astype(np.float64) / full
    if f.ndim == 2:
        f = f[:, :, None]
    if f.shape[2] == 1:
        return np.concatenate([np.repeat(f, 3, axis=2), np.ones_like(f)], axis=2)
    if f.shape[2] == 2:  # gray and alpha
        return np.concatenate([np.repeat(f[:, :, :1], 3, axis=2), f[:, :, 1:]], axis=2)
    rgb = f[:, :, 2::-1]
    alpha = f[:, :, 3:4] if f.shape[2] == 4 else np.ones_like(f[:, :, :1])
    return np.concatenate([rgb, alpha], axis=2)


def area_weights(n_in, n_out):
    """(n_out x n_in) box-filter weights: output pixel i is the mean of the
    input over [i * n_in / n_out, (i + 1) * n_in / n_out], each input pixel
    weighted by the length of it that interval covers."""
    s = n_in / n_out
    lo = np.arange(n_out)[:, None] * s
    hi = lo + s
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None)
    return overlap / s


def resize_area(img, width, height):
    wy = area_weights(img.shape[0], height)
    wx = area_weights(img.shape[1], width)
    return np.einsum('yi,ijc,xj->yxc', wy, img, wx, optimize=True)


def style_input(rgba):
    """The prediction network's input: RGB 0..1 with alpha flattened onto
    white, the shorter side scaled to 256 by area averaging, then the centre
    256x256 (an odd excess leaves the extra pixel on the right/bottom: offset
    floor(excess / 2))."""
    rgb = np.clip(rgba[:, :, :3], 0, 1)
    alpha = np.clip(rgba[:, :, 3:4], 0, 1)
    rgb = rgb * alpha + (1 - alpha)
    h, w = rgb.shape[:2]
    if w <= h:
        nw, nh = STYLE_SIDE, max(STYLE_SIDE, int(math.floor(h * STYLE_SIDE / w + 0.5)))
    else:
        nw, nh = max(STYLE_SIDE, int(math.floor(w * STYLE_SIDE / h + 0.5))), STYLE_SIDE
    scaled = resize_area(rgb, nw, nh)
    y0, x0 = (nh - STYLE_SIDE) // 2, (nw - STYLE_SIDE) // 2
    return scaled[y0:y0 + STYLE_SIDE, x0:x0 + STYLE_SIDE]


def predict(model, rgba):
    """The style vector (100 floats) of a picture given as RGBA 0..1."""
    (vector,) = model.run(style_input(rgba)[None])
    return vector.reshape(-1)


def padded_size(n):
    return max(MIN_SIDE, -(-n // MULTIPLE) * MULTIPLE)


def transfer(model, rgba, vector):
    """The photo (RGBA 0..1) painted with `vector`: RGBA 0..1, the photo's
    alpha kept."""
    rgb = np.clip(np.nan_to_num(rgba[:, :, :3]), 0, 1)
    h, w = rgb.shape[:2]
    padded = np.pad(rgb, ((0, padded_size(h) - h), (0, padded_size(w) - w), (0, 0)),
                    mode='symmetric')
    (out,) = model.run(padded[None], np.asarray(vector, np.float64).reshape(1, 1, 1, -1))
    return np.concatenate([out[0, :h, :w], rgba[:, :, 3:4]], axis=2)


def write_png16(path, rgba):
    import cv2
    bgra = np.clip(rgba, 0, 1)[:, :, [2, 1, 0, 3]]
    if np.all(rgba[:, :, 3] == 1):
        bgra = bgra[:, :, :3]
    cv2.imwrite(path, np.round(bgra * 65535).astype(np.uint16))


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Magenta's arbitrary style transfer in numpy (the tests' reference)")
    sub = p.add_subparsers(dest='command', required=True)
    pr = sub.add_parser('predict')
    pr.add_argument('picture')
    pr.add_argument('--model', required=True)
    tr = sub.add_parser('transfer')
    tr.add_argument('photo')
    g = tr.add_mutually_exclusive_group(required=True)
    g.add_argument('--vector', help='a file of 100 numbers (spaces, commas, semicolons or lines)')
    g.add_argument('--picture')
    tr.add_argument('--prediction', help='the prediction network, for --picture')
    tr.add_argument('--model', required=True)
    tr.add_argument('-o', '--output', required=True)
    a = p.parse_args(argv)

    if a.command == 'predict':
        vector = predict(tflite_ref.Model(a.model), read_rgba(a.picture))
        print(' '.join('%.9g' % v for v in vector))
        return 0

    if a.vector:
        with open(a.vector) as f:
            text = f.read().replace(';', ' ').replace(',', ' ')
        vector = np.array([float(t) for t in text.split()])
    else:
        if not a.prediction:
            p.error('--picture needs --prediction')
        vector = predict(tflite_ref.Model(a.prediction), read_rgba(a.picture))
    if vector.size != 100:
        p.error('a style vector has 100 numbers, not %d' % vector.size)
    write_png16(a.output, transfer(tflite_ref.Model(a.model), read_rgba(a.photo), vector))
    return 0


if __name__ == '__main__':
    sys.exit(main())
