#!/usr/bin/python3
# The engine's Magenta (arbitrary style) networks against an independent
# reference: tflite_ref.py reads the same .tflite files with its own
# flatbuffer reader and runs them in float64 numpy, magenta_ref.py does the
# specified preprocessing.  Everything goes through the real `neural-style`
# command, on the real networks and real photos, TAP out.
#
#   test-magenta-reference.py --cli build/engine/cli/neural-style --shared ../shared
#
# First the reference checks itself (it must be right before it judges):
# every activation of the int8 files' float run falls inside the range the
# file was calibrated for, the four paintings give clearly different
# vectors, and painting a photo with a painting's vector moves its colours
# toward the painting's.  Then, for every picture in test-images/styles/:
# the vector `--save-style` stores within 1e-4 of the reference's, and the
# CLI's 16-bit output of `--style PICTURE` at least 80 dB PSNR (the issue
# asks for 50) against the
# reference on two photos at three sizes (small, odd, tiled with
# --exact-tiling), with the default networks (int8 prediction, fp16
# transfer); and one case with the int8 transfer network.

import argparse
import glob
import itertools
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import magenta_ref as ref  # noqa: E402
import tflite_ref  # noqa: E402

PREDICTION = 'magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite'
TRANSFER = 'magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite'
TRANSFER_INT8 = 'magenta_arbitrary-image-stylization-v1-256_int8_transfer_1.tflite'

VECTOR_TOLERANCE = 1e-4
# The issue asks for 50 dB.  Float32 against float64 measures about 120 dB,
# and one pixel of padding done wrong at 131x87 still gives 53 dB: ask for 80.
MIN_PSNR = 80.0
PHOTOS = ['chelsea.png', 'coffee.png']
# small (44 rows: padded to the engine's smallest network side, 64); odd
# (padded on both axes to a multiple of 4); tiled: above the engine's
# smallest tile (256x256 pixels) with a memory budget of almost nothing, so
# it must tile.
SIZES = {'small': (92, 44), 'odd': (131, 87), 'tiled': (288, 240)}
TILED_ARGS = ['--memory', '0.01', '--statistics', 'whole']


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, good, what):
        self.n += 1
        self.failed += not good
        print('%s %d - %s' % ('ok' if good else 'not ok', self.n, what), flush=True)
        return good

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line, flush=True)

    def done(self):
        print('1..%d' % self.n, flush=True)
        return 1 if self.failed else 0


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float('inf') if mse == 0 else 10 * np.log10(1.0 / mse)


def lab(rgb):
    """sRGB 0..1 -> CIE L*a*b* (D65), pixels in rows."""
    rgb = np.clip(rgb.reshape(-1, 3), 0, 1)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = lin @ np.array([[0.4124, 0.3576, 0.1805],
                          [0.2126, 0.7152, 0.0722],
                          [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def colour_distance(rgb_a, rgb_b):
    """How far apart two pictures' colour statistics are: the distance of
    their Lab means plus that of their Lab standard deviations."""
    a, b = lab(rgb_a), lab(rgb_b)
    return (np.linalg.norm(a.mean(0) - b.mean(0))
            + np.linalg.norm(a.std(0) - b.std(0)))


def calibration_check(tap, model, name, *inputs):
    """An int8 file stores, for each activation, the range its values had
    on the data it was calibrated with.  A float run that interprets the
    graph right stays inside those ranges and spans more than a tenth of them."""
    outside, narrow = [], []

    def trace(i, value):
        t = model.tensors[i]
        if t.scale is None or t.scale.size != 1:
            return
        lo = (-128 - t.zero_point[0]) * t.scale[0]
        hi = (127 - t.zero_point[0]) * t.scale[0]
        out = np.mean((value < lo - t.scale[0]) | (value > hi + t.scale[0]))
        if out > 1e-3:
            outside.append('%s: %.3g%% outside [%.4g, %.4g] (%.4g..%.4g)'
                           % (t.name, 100 * out, lo, hi, value.min(), value.max()))
        if value.size >= 1000 and (value.max() - value.min()) < 0.1 * (hi - lo):
            narrow.append('%s: %.4g..%.4g in [%.4g, %.4g]'
                          % (t.name, value.min(), value.max(), lo, hi))

    model.run(*inputs, trace=trace)
    tap.ok(not outside and not narrow,
           'reference: %s activations within their int8 calibration ranges' % name)
    tap.diag('\n'.join(outside + narrow))


def write_png16(path, rgb):
    import cv2
    cv2.imwrite(path, np.round(np.clip(rgb, 0, 1)[:, :, ::-1] * 65535).astype(np.uint16))


def cli(args, env):
    r = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def saved_vector(folder, style_id):
    """The `vector=` numbers of the saved style `style_id`."""
    paths = glob.glob(os.path.join(folder, '**', style_id + '.style'), recursive=True)
    if len(paths) != 1:
        raise ValueError('%d files %s.style under %s' % (len(paths), style_id, folder))
    with open(paths[0]) as f:
        for line in f:
            key, _, value = line.partition('=')
            if key.strip() == 'vector':
                return np.array([float(v) for v in value.replace(';', ' ').split()])
    raise ValueError('%s has no vector' % paths[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--cli', required=True)
    p.add_argument('--shared', required=True)
    a = p.parse_args()
    started = time.time()
    tap = Tap()
    models = os.path.join(a.shared, 'models', 'magenta')
    images = os.path.join(a.shared, 'test-images')
    tmp = tempfile.TemporaryDirectory(prefix='ns-magenta-ref-')

    prediction = tflite_ref.Model(os.path.join(models, PREDICTION))
    transfer = tflite_ref.Model(os.path.join(models, TRANSFER))
    transfer_int8 = tflite_ref.Model(os.path.join(models, TRANSFER_INT8))

    pictures = sorted(glob.glob(os.path.join(images, 'styles', '*')))
    names = [os.path.splitext(os.path.basename(pic))[0] for pic in pictures]
    painting = {n: ref.read_rgba(pic) for n, pic in zip(names, pictures)}
    vectors = {n: ref.predict(prediction, painting[n]) for n in names}

    # Photos at the test sizes, as 16-bit PNGs so that the CLI writes 16 bits.
    photos = {}
    for photo, (size, (w, h)) in itertools.product(PHOTOS, SIZES.items()):
        rgb = ref.read_rgba(os.path.join(images, photo))[:, :, :3]
        rgb = np.round(ref.resize_area(rgb, w, h) * 65535) / 65535
        path = os.path.join(tmp.name, '%s-%s.png' % (os.path.splitext(photo)[0], size))
        write_png16(path, rgb)
        photos[(photo, size)] = path

    # The reference checks itself.
    calibration_check(tap, prediction, 'int8 prediction',
                      ref.style_input(painting[names[0]])[None])
    content = ref.read_rgba(os.path.join(images, PHOTOS[1]))[8:392, 100:484, :3]
    calibration_check(tap, transfer_int8, 'int8 transfer', content[None],
                      vectors[names[0]].reshape(1, 1, 1, -1))

    for x, y in itertools.combinations(names, 2):
        d = np.linalg.norm(vectors[x] - vectors[y])
        scale = (np.linalg.norm(vectors[x]) + np.linalg.norm(vectors[y])) / 2
        tap.ok(d > 0.25 * scale, 'reference: %s and %s vectors differ (distance %.3f, '
               'norms %.3f)' % (x, y, d, scale))

    reference = {}
    for n in names:
        for key, path in photos.items():
            painted = ref.transfer(transfer, ref.read_rgba(path), vectors[n])
            reference[(n,) + key] = painted[:, :, :3]
    for n in names:
        key = (n, PHOTOS[0], 'tiled')
        photo = ref.read_rgba(photos[key[1:]])[:, :, :3]
        before = colour_distance(photo, painting[n][:, :, :3])
        after = colour_distance(reference[key], painting[n][:, :, :3])
        tap.ok(after < 0.75 * before, 'reference: %s painted with %s moves its colours '
               'toward the painting (Lab distance %.1f -> %.1f)' % (key[1], n, before, after))
    tap.diag('reference: %.1f s' % (time.time() - started))

    # The engine, through the CLI.
    env = dict(os.environ)
    env['NEURAL_STYLE_MODEL_PATH'] = models
    env['XDG_DATA_HOME'] = os.path.join(tmp.name, 'data')
    for n, pic in zip(names, pictures):
        style_id = 'ref-' + n.replace('_', '-')
        rc, out = cli([a.cli, '--style', pic, '--save-style', style_id], env)
        try:
            got = saved_vector(env['XDG_DATA_HOME'], style_id) if rc == 0 else None
        except ValueError as e:
            got, out = None, out + str(e)
        if got is not None and got.size == vectors[n].size:
            diff = np.max(np.abs(got - vectors[n]))
            tap.ok(diff <= VECTOR_TOLERANCE, 'engine: %s style vector, max abs diff %.3g'
                   % (n, diff))
        else:
            tap.ok(False, 'engine: %s style vector saved (exit %d)' % (n, rc))
            tap.diag(out)

    def compare(what, expected, photo_path, env, extra=()):
        out_path = os.path.join(tmp.name, 'out.png')
        if os.path.exists(out_path):
            os.unlink(out_path)
        rc, out = cli([a.cli, '--quiet'] + list(extra) + [photo_path, out_path], env)
        got = None
        if rc == 0:
            import cv2
            got = cv2.imread(out_path, cv2.IMREAD_UNCHANGED)
        if got is None or got.dtype != np.uint16 or got.shape != expected.shape:
            tap.ok(False, 'engine: %s (exit %d, %s)' % (what, rc, None if got is None else
                                                        (got.shape, got.dtype)))
            tap.diag(out)
            return
        db = psnr(got[:, :, ::-1] / 65535.0, expected)
        tap.ok(db >= MIN_PSNR, 'engine: %s, %.1f dB' % (what, db))

    for (n, pic), (photo, size) in itertools.product(zip(names, pictures), photos):
        extra = ['--style', pic] + (TILED_ARGS if size == 'tiled' else [])
        w, h = SIZES[size]
        compare('%s with %s, %s %dx%d' % (photo, n, size, w, h),
                reference[(n, photo, size)], photos[(photo, size)], env, extra)

    # The int8 transfer network: the only transfer file on the model path.
    int8_dir = os.path.join(tmp.name, 'int8')
    os.mkdir(int8_dir)
    for f in (PREDICTION, TRANSFER_INT8):
        os.symlink(os.path.abspath(os.path.join(models, f)), os.path.join(int8_dir, f))
    env8 = dict(env, NEURAL_STYLE_MODEL_PATH=int8_dir)
    n, pic = names[-1], pictures[-1]
    path = photos[(PHOTOS[1], 'odd')]
    expected = ref.transfer(transfer_int8, ref.read_rgba(path), vectors[n])[:, :, :3]
    compare('int8 transfer network: %s with %s, odd' % (PHOTOS[1], n), expected, path, env8,
            ['--style', pic])

    tap.diag('total: %.1f s' % (time.time() - started))
    return tap.done()


if __name__ == '__main__':
    sys.exit(main())
