#!/usr/bin/python3
"""test-picture.py: any picture as the style, in the real GIMP 2.10.

plug-in-neural-style's seven arguments with a picture's path as the style;
plug-in-neural-style-picture with a style amount and with a layer of
another open image as the style; a style saved from the picture (by the
CLI) used by its id; the style amount with a preset and with the saved
style (every style vector takes it, as in the CLI); plug-in-neural-style-mix
mixing a preset with a picture and a layer with a preset.  Each new layer's pixels against the CLI's painting
of the same source with the same style (a layer: its pixels exported by
GIMP), its name after the picture, the layer or the saved style's title.
Refusals leave the image as it was.
"""

import os
import subprocess

import gimp2test as g

SAVED_ID = "my-starry"
SAVED_TITLE = "My Starry Night"
STRENGTH = 0.8
AMOUNT_DIFFERS_BELOW_DB = 35.0  # amount 0.5 against amount 1

ERRORS = {
    "not-picture": ("a file that is not a picture", ["not-a-picture.jpg"]),
    "missing": ("a picture that does not exist", ["no-such-picture.jpg"]),
    "both": ("a style and a style layer", ["a style or a style layer, not both"]),
    "channel": ("a channel as the style layer", ["The style layer is not a layer"]),
    "amount-range": ("style amount 1.5", ["Style amount 1.5 is out of range"]),
    "mix-network": ("a trained network mixed", ["Style 'wave' is a trained network"]),
    "mix-range": ("mix 1.5", ["The mix must be between 0 and 1, not 1.5"]),
}


def starry(fixture):
    return os.path.join(fixture.images, "styles", "starry_night.jpg")


def save_style(tap, fixture):
    """The CLI saves starry_night.jpg as SAVED_ID in the user model folder."""
    argv = [fixture.args.cli, "--style", starry(fixture), "--save-style", SAVED_ID,
            "--title", SAVED_TITLE]
    proc = subprocess.run(argv, env=fixture.env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    saved = os.path.join(fixture.user_models(), SAVED_ID + ".style")
    tap.ok(proc.returncode == 0 and os.path.exists(saved),
           "the CLI saves the picture as style '%s'" % SAVED_ID,
           "exit %d, %s: %s" % (proc.returncode, saved, proc.stdout.strip()))


def check_case(tap, fixture, run, key, label, name, style_args, opacity=100.0):
    """The case added a layer named @name at @opacity whose pixels are the
    CLI's painting with @style_args."""
    if not tap.equal("%s: the filter succeeds" % label, ("ok", "ok"),
                     (run.fact(key + ".case"), run.fact(key + ".result"))):
        return
    tap.equal("%s: one layer added" % label, int(run.fact(key + ".layers-before", "0")) + 1,
              int(run.fact(key + ".layers-after", "-1")))
    tap.equal("%s: the new layer's name" % label, name + " (Neural Style)",
              run.fact(key + ".new.name"))
    tap.equal("%s: the new layer's opacity" % label, opacity, run.number(key + ".new.opacity"))
    source = g.read_image(fixture.out_path("source.png"))
    new = g.read_image(fixture.out_path(key + ".png"))
    if not tap.ok(new is not None, "%s: the new layer was exported" % label):
        return
    g.check_painted(tap, "%s: the new layer is painted" % label, new, source)
    g.check_like_cli(tap, fixture, label, source, new, style_args=style_args)


def check_amount_matters(tap, fixture, full_key="picture", half_key="amount", what="a picture"):
    full = g.read_image(fixture.out_path(full_key + ".png"))
    half = g.read_image(fixture.out_path(half_key + ".png"))
    value = g.psnr(full, half) if full is not None and half is not None else float("nan")
    tap.ok(value < AMOUNT_DIFFERS_BELOW_DB, "%s: style amount 0.5 paints otherwise than 1" % what,
           "PSNR %.1f dB, expected < %.0f dB" % (value, AMOUNT_DIFFERS_BELOW_DB))


def check_errors(tap, fixture, run):
    for key, (what, needles) in ERRORS.items():
        result = run.fact(key + ".result")
        tap.ok(result not in (None, "ok"), "%s is refused" % what, "result: %r" % result)
        tap.contains("%s: the message says what is wrong" % what, result, needles)
    tap.equal("the refusals add no layer", "1", run.fact("errors.layers"))
    g.check_same_pixels(tap, "the refusals leave the image's pixels as they were",
                        fixture.out_path("errors-before.png"),
                        fixture.out_path("errors-after.png"))
    g.check_same_pixels(tap, "the source layer is never changed",
                        fixture.out_path("source.png"), fixture.out_path("source-after.png"))


def test(fixture, tap):
    save_style(tap, fixture)
    with open(fixture.out_path("not-a-picture.jpg"), "w") as text:
        text.write("This is not a picture.\n")
    run = g.run_gimp(fixture, "picture.scm")
    if not g.check_batch_ran(tap, run, "GIMP ran the picture case"):
        return
    picture = starry(fixture)
    check_case(tap, fixture, run, "picture", "a picture's path, seven arguments",
               "starry_night.jpg", ("--style", picture), STRENGTH * 100)
    check_case(tap, fixture, run, "amount", "style amount 0.5",
               "starry_night.jpg", ("--style", picture, "--style-amount", "0.5"))
    check_amount_matters(tap, fixture)
    check_case(tap, fixture, run, "layer", "a layer of another image",
               "starry layer", ("--style", fixture.out_path("style-layer.png")))
    check_case(tap, fixture, run, "saved", "the saved style by id",
               SAVED_TITLE, ("--style", SAVED_ID))
    check_case(tap, fixture, run, "preset", "a preset, the picture procedure",
               "The Starry Night", ("--style", "starry-night"))
    check_case(tap, fixture, run, "preset-amount", "a preset at style amount 0.5",
               "The Starry Night", ("--style", "starry-night", "--style-amount", "0.5"))
    check_amount_matters(tap, fixture, "preset", "preset-amount", "a preset")
    check_case(tap, fixture, run, "saved-amount", "the saved style at style amount 0.5",
               SAVED_TITLE, ("--style", SAVED_ID, "--style-amount", "0.5"))
    check_amount_matters(tap, fixture, "saved", "saved-amount", "the saved style")
    scream = os.path.join(fixture.images, "styles", "the_scream.jpg")
    check_case(tap, fixture, run, "mix", "a preset mixed with a picture (the mix procedure)",
               "The Starry Night 70 % + the_scream.jpg 30 %",
               ("--style", "starry-night", "--mix-with", scream, "--mix", "0.3"))
    check_case(tap, fixture, run, "mix-layer", "a layer mixed with a preset",
               "starry layer 50 % + The Great Wave off Kanagawa 50 %",
               ("--style", fixture.out_path("style-layer.png"), "--mix-with", "great-wave",
                "--mix", "0.5"))
    check_errors(tap, fixture, run)


if __name__ == "__main__":
    g.main(test, "picture")
