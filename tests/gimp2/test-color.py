#!/usr/bin/python3
"""test-color.py: a photo with an embedded colour profile, in the real GIMP 2.10.

A photo converted to Adobe RGB (1998) by Pillow (tests/cli/color.py), the
profile embedded: GIMP keeps the profile on load, the filter paints the
layer as the CLI paints the same file (the CLI converts it to sRGB, paints,
and writes sRGB), and the new layer, exported, carries the image's profile.
Measured by color.py: CIE76 dE of 8 x 8 block means, each file taken to
sRGB through its own embedded profile.
"""

import os
import subprocess

import cv2

import gimp2test as g

COLOR = os.path.join(g.HERE, "..", "cli", "color.py")
ADOBE_ICC = "/usr/share/color/icc/compatibleWithAdobeRGB1998.icc"
ADOBE_NAME = "Compatible with Adobe RGB (1998)"
MAX_MEAN_DE = 1.0
CASES = (("preserve", ("--preserve-colors",), "colours kept"),
         ("plain", (), "the style's colours"))


def color_tool(*args):
    """color.py's exit status and output (Pillow, in /usr/bin/python3)."""
    proc = subprocess.run(["/usr/bin/python3", COLOR, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    return proc.returncode, proc.stdout.strip()


def make_adobe_photo(fixture):
    """out/adobe.png: chelsea.png at 300 x 200, converted to Adobe RGB."""
    photo = cv2.imread(os.path.join(fixture.images, "chelsea.png"), cv2.IMREAD_COLOR)
    srgb = fixture.out_path("srgb.png")
    cv2.imwrite(srgb, cv2.resize(photo, (300, 200), interpolation=cv2.INTER_AREA))
    return color_tool("adobe", srgb, fixture.out_path("adobe.png"))


def check_like_cli(tap, fixture, key, options, label):
    cli_out = fixture.out_path(key + "-cli.png")
    code, output, _ = g.run_cli(fixture, fixture.out_path("adobe.png"), cli_out,
                                ("--style", "wave", *options))
    if not tap.ok(code == 0, "%s: the CLI paints the Adobe RGB photo" % label, output):
        return
    code, delta = color_tool("delta", cli_out, fixture.out_path(key + ".png"))
    mean = float(delta.split()[0]) if code == 0 else float("nan")
    tap.ok(mean <= MAX_MEAN_DE,
           "%s: the new layer has the CLI's colours (wave %s)" % (label, " ".join(options)),
           "dE mean and largest %s, mean at most %.1f expected" % (delta, MAX_MEAN_DE))


def have_pillow():
    return subprocess.run(["/usr/bin/python3", "-c", "import PIL.ImageCms, numpy"],
                          stderr=subprocess.DEVNULL).returncode == 0


def test(fixture, tap):
    if not have_pillow() or not os.path.exists(ADOBE_ICC):
        tap.ok(True, "an Adobe RGB photo is painted as the CLI paints it"
               " # SKIP /usr/bin/python3 has no Pillow (python3-pil) and numpy,"
               " or no icc-profiles-free")
        return
    code, output = make_adobe_photo(fixture)
    if not tap.ok(code == 0, "color.py makes an Adobe RGB photo", output):
        return
    run = g.run_gimp(fixture, "color.scm")
    if not g.check_batch_ran(tap, run, "GIMP ran the colour-profile case"):
        return
    profile_bytes = run.number("loaded.profile-bytes")
    tap.ok(profile_bytes is not None and profile_bytes > 0,
           "GIMP keeps the photo's embedded profile on load",
           "the image's profile: %s bytes" % profile_bytes)
    for key, options, label in CASES:
        tap.equal("%s: the filter succeeds" % label, "ok", run.fact(key + ".result"))
        tap.equal("%s: the exported layer carries the image's profile" % label,
                  ADOBE_NAME, color_tool("profile", fixture.out_path(key + ".png"))[1])
        check_like_cli(tap, fixture, key, options, label)


if __name__ == "__main__":
    g.main(test, "color")
