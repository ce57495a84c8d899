#!/usr/bin/python3
"""test-images.py: selections and kinds of image, in the real GIMP 2.10.

A selection gives a masked layer painted only within the selection's
bounds; RGBA keeps its alpha; grayscale stays grayscale; 16-bit stays
16-bit; a 1x1 image works.  Pixels are checked against the CLI's painting
of the same source pixels (images.scm exports them).
"""

import numpy as np

import gimp2test as g

LABELS = {"selection": "selection", "rgba": "RGBA", "gray": "grayscale",
          "deep": "16-bit", "tiny": "1x1"}


def images(fixture, key):
    return (g.read_image(fixture.out_path(key + "-source.png")),
            g.read_image(fixture.out_path(key + "-new.png")))


def check_added(tap, run, key):
    """The filter succeeded and added exactly one layer."""
    case = run.fact(key + ".case")
    label = LABELS[key]
    if not tap.equal("%s: the case ran and the filter succeeded" % label,
                     ("ok", "ok"), (case, run.fact(key + ".result"))):
        return False
    tap.equal("%s: one layer added" % label,
              int(run.fact(key + ".layers-before", "0")) + 1,
              int(run.fact(key + ".layers-after", "-1")))
    tap.equal("%s: the new layer keeps the source's pixel format" % label,
              run.fact(key + ".source.format"), run.fact(key + ".new.format"))
    return True


def check_like_cli(tap, fixture, key, crop=None, where=None):
    """The new layer (within @crop, at the pixels @where) equals the CLI's
    painting of the source (cropped the same way)."""
    source, new = images(fixture, key)
    if crop is not None:
        x, y, w, h = crop
        source, new = source[y:y + h, x:x + w], new[y:y + h, x:x + w]
    return g.check_like_cli(tap, fixture, LABELS[key], source, new, where)


def outside(shape, x1, y1, x2, y2):
    keep = np.ones(shape[:2], bool)
    keep[y1:y2, x1:x2] = False
    return keep


def check_selection(tap, fixture, run):
    if not check_added(tap, run, "selection"):
        return
    selection = g.read_image(fixture.out_path("selection.png"))
    mask = g.read_image(fixture.out_path("selection-mask.png"))
    tap.ok(run.fact("selection.new.mask") not in (None, "-1") and mask is not None
           and np.array_equal(mask, selection),
           "selection: the new layer's mask is the selection",
           "mask %s, shape %s vs selection %s, %d pixels differ"
           % (run.fact("selection.new.mask"), g.shape_of(mask), g.shape_of(selection),
              -1 if mask is None or mask.shape != selection.shape
              else int(np.count_nonzero(mask != selection))))
    x1, y1, x2, y2 = run.ints("selection.bounds")
    source, new = images(fixture, "selection")
    keep = outside(source.shape, x1, y1, x2, y2)
    changed = int(np.count_nonzero(np.any(source[keep] != new[keep], axis=-1)))
    tap.ok(changed == 0, "selection: pixels outside the selection's bounds are the source's",
           "%d of %d pixels outside (%d,%d)-(%d,%d) differ"
           % (changed, keep.sum(), x1, y1, x2, y2))
    check_like_cli(tap, fixture, "selection", crop=(x1, y1, x2 - x1, y2 - y1))


def check_rgba(tap, fixture, run):
    if not check_added(tap, run, "rgba"):
        return
    source, new = images(fixture, "rgba")
    alpha = source[:, :, 3]
    tap.ok(alpha.min() == 0 and alpha.max() == 255 and len(np.unique(alpha)) > 100,
           "RGBA: the source has alpha from 0 to 255",
           "min %d, max %d, %d values" % (alpha.min(), alpha.max(), len(np.unique(alpha))))
    differ = int(np.count_nonzero(new[:, :, 3] != alpha))
    tap.ok(differ == 0, "RGBA: the new layer's alpha is the source's",
           "%d pixels differ (largest difference %d)"
           % (differ, np.abs(new[:, :, 3].astype(int) - alpha).max()))
    check_like_cli(tap, fixture, "rgba", where=alpha > 0)


def check_gray(tap, fixture, run):
    if not check_added(tap, run, "gray"):
        return
    tap.equal("grayscale: the new layer is grayscale (gimp-drawable-is-gray)",
              "1", run.fact("gray.new.gray"))
    source, new = images(fixture, "gray")
    tap.ok(new is not None and new.ndim == 2,
           "grayscale: the export of the new layer is one channel",
           "shape %s" % (g.shape_of(new),))
    g.check_painted(tap, "grayscale: the new layer is painted, not a copy", new, source)
    check_like_cli(tap, fixture, "gray")


def check_deep(tap, fixture, run):
    tap.equal("16-bit: the image is 16-bit perceptual (PRECISION-U16-GAMMA)",
              "250", run.fact("deep.precision"))
    if not check_added(tap, run, "deep"):
        return
    source, new = images(fixture, "deep")
    tap.equal("16-bit: the new layer exports as 16 bits", "uint16", str(new.dtype))
    fine = np.count_nonzero(new % 257) / new.size
    tap.ok(fine > 0.5, "16-bit: the new layer holds 16-bit values, not 8-bit ones widened",
           "%.0f %% of the values are not multiples of 257" % (fine * 100))
    check_like_cli(tap, fixture, "deep")


def check_tiny(tap, fixture, run):
    if not check_added(tap, run, "tiny"):
        return
    tap.equal("1x1: the new layer is 1x1", [1, 1], run.ints("tiny.new.size"))
    source, new = images(fixture, "tiny")
    code, output, cli = g.run_cli(fixture, fixture.out_path("tiny-source.png"),
                                  fixture.out_path("tiny-cli.png"))
    error = (g.max_error(cli, new) if cli is not None and new is not None
             and cli.shape == new.shape else None)
    tap.ok(error is not None and error <= 1, "1x1: the pixel equals the CLI's",
           "layer %s, CLI %s (exit %d): largest difference %s levels, expected <= 1"
           % (new.ravel().tolist(), None if cli is None else cli.ravel().tolist(), code, error))


def test(fixture, tap):
    run = g.run_gimp(fixture, "images.scm")
    if not g.check_batch_ran(tap, run, "GIMP ran the image cases"):
        return
    check_selection(tap, fixture, run)
    check_rgba(tap, fixture, run)
    check_gray(tap, fixture, run)
    check_deep(tap, fixture, run)
    check_tiny(tap, fixture, run)


if __name__ == "__main__":
    g.main(test, "images")
