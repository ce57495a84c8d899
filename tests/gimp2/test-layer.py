#!/usr/bin/python3
"""test-layer.py: the new layer the filter adds, in the real GIMP 2.10.

Where it goes (above its source, in the source's group), its name, opacity,
size and offsets; its pixels against the CLI's painting of the same
source; the source untouched; the flattened image the blend at the opacity.
"""

import gimp2test as g

STRENGTH = 0.7
# GIMP composites "Normal" layers in linear light, 8-bit at each end.
MAX_BLEND_ERROR = 2


def check_placement(tap, run):
    group = run.fact("group")
    position = run.number("source-before.position")
    tap.equal("the image gains no top-level layer (the new one is in the group)",
              run.fact("before.top-level"), run.fact("after.top-level"))
    tap.equal("the group gains one layer",
              int(run.fact("before.children", "0")) + 1, int(run.fact("after.children", "-1")))
    tap.equal("the new layer's parent is the source's group", group, run.fact("new.parent"))
    tap.equal("the new layer takes the source's position (just above it)",
              position, run.number("new.position"))
    tap.equal("the source moves down by one", position + 1, run.number("source-after.position"))
    tap.equal("the layer above the source stays above the new layer",
              "0", run.fact("marker.position"))


def check_properties(tap, run):
    tap.equal("the new layer's name", g.WAVE_TITLE + " (Neural Style)", run.fact("new.name"))
    opacity = run.number("new.opacity")
    tap.ok(opacity is not None and abs(opacity - STRENGTH * 100) < 1e-6,
           "the new layer's opacity is strength x 100",
           "expected %.1f, saw %s" % (STRENGTH * 100, opacity))
    tap.equal("the new layer has the source's size", [180, 120], run.ints("new.size"))
    tap.equal("the new layer has the source's offsets", [70, 45], run.ints("new.offsets"))
    tap.equal("the new layer has the source's pixel format",
              run.fact("source-before.format"), run.fact("new.format"))
    tap.equal("no selection: the new layer has no mask", "-1", run.fact("new.mask"))


def check_pixels(tap, fixture):
    g.check_same_pixels(tap, "the source's pixels are unchanged",
                        fixture.out_path("source-before.png"),
                        fixture.out_path("source-after.png"))
    before = g.read_image(fixture.out_path("source-before.png"))
    new = g.read_image(fixture.out_path("new.png"))
    if new is None or before is None:
        tap.ok(False, "the new layer was exported", "no new.png or source-before.png")
        return
    g.check_painted(tap, "the new layer is painted, not a copy of the source", new, before)
    g.check_like_cli(tap, fixture, "moved layer in a group", before, new)


def expected_flat(fixture, opacity):
    """Background, with the source at 100 % and the painting at @opacity over
    it at (70, 45), blended as GIMP 2.10 does."""
    expected = g.read_image(fixture.out_path("background.png")).copy()
    expected[45:45 + 120, 70:70 + 180] = g.blend(
        g.read_image(fixture.out_path("source-before.png")),
        g.read_image(fixture.out_path("new.png")), opacity)
    return expected


def check_flattened(tap, fixture, run):
    flat = g.read_image(fixture.out_path("flat.png"))
    opacity = (run.number("new.opacity") or 0) / 100
    if flat is None or g.read_image(fixture.out_path("new.png")) is None:
        tap.ok(False, "the flattened image equals the blend at the opacity", "no export")
        return
    expected = expected_flat(fixture, opacity)
    error = g.max_error(flat, expected) if flat.shape == expected.shape else None
    tap.ok(error is not None and error <= MAX_BLEND_ERROR,
           "the flattened image equals source and painting blended at the opacity",
           "max error %s levels, expected <= %d (flat %s, expected %s)"
           % (error, MAX_BLEND_ERROR, flat.shape, expected.shape))


def test(fixture, tap):
    run = g.run_gimp(fixture, "layer.scm")
    if not g.check_batch_ran(tap, run, "GIMP ran the layer case"):
        return
    tap.equal("the filter succeeds", "ok", run.fact("wave.result"))
    check_placement(tap, run)
    check_properties(tap, run)
    check_pixels(tap, fixture)
    check_flattened(tap, fixture, run)
    tap.comment("PDB has no undo in GIMP 2.10: one undo step is checked by test-dialog.py")


if __name__ == "__main__":
    g.main(test, "layer")
