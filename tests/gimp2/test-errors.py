#!/usr/bin/python3
"""test-errors.py: refusals and failures, in the real GIMP 2.10.

Each returns an error whose message says what is wrong (as Script-Fu sees
it: "Procedure execution of plug-in-neural-style failed: <message>") and
leaves the image as it was: same layers, same pixels.
"""

import os

import gimp2test as g

BROKEN_BYTES = 2000000

# case: (what is wrong, what the message must say)
WITH_BAD_MODELS = {
    "unknown": ("an unknown style", ["Unknown style 'no-such-style'", "installed styles: ", "wave"]),
    "truncated": ("a truncated catalog model",
                  ["wave.onnx' is truncated", "neural-style-fetch wave"]),
    "corrupt": ("a corrupt dropped-in model",
                ["broken.onnx' is truncated or corrupt", "not a readable ONNX model"]),
    "strength": ("strength 1.5", ["Strength 1.5 is out of range"]),
    "outside": ("a selection that misses the layer",
                ["The selection does not touch the layer 'small'"]),
    "mask": ("a layer mask", ["Neural Style paints layers, not channels or masks"]),
    "channel": ("a channel", ["Neural Style paints layers, not channels or masks"]),
    "indexed": ("an indexed image", ["indexed image", "Image > Mode > RGB"]),
}
WITHOUT_MODELS = {
    "default": ("no model installed (default style)",
                ["No style model is installed", "'neural-style-fetch'"]),
    "named": ("no model installed (style wave)",
              ["Style 'wave' is not installed", "'neural-style-fetch wave'"]),
}


def truncated_copy(source, dest):
    with open(source, "rb") as full, open(dest, "wb") as part:
        part.write(full.read(BROKEN_BYTES))


def bad_model_dir(fixture):
    """A folder ahead of the real models: a truncated wave.onnx (the catalog
    knows its size) and a dropped-in broken.onnx (it does not)."""
    folder = fixture.path("bad-models")
    os.makedirs(folder)
    wave = os.path.join(fixture.models, "wave.onnx")
    truncated_copy(wave, os.path.join(folder, "wave.onnx"))
    truncated_copy(wave, os.path.join(folder, "broken.onnx"))
    return folder


def check_refused(tap, fixture, run, key, what, needles):
    message = run.fact(key + ".result")
    refused = run.fact(key + ".case") == "ok" and message not in (None, "ok")
    if not tap.ok(refused, "%s is refused" % what,
                  None if refused else "the case reported %r, the filter %r"
                  % (run.fact(key + ".case"), message)):
        return
    tap.contains("%s: the message says what is wrong" % what, message,
                 ["plug-in-neural-style failed"] + needles)
    tap.equal("%s: the image keeps its layers" % what,
              run.fact(key + ".layers-before"), run.fact(key + ".layers-after"))
    g.check_same_pixels(tap, "%s: the image keeps its pixels" % what,
                        fixture.out_path(key + "-before.png"),
                        fixture.out_path(key + "-after.png"))


def test_bad_models(fixture, tap):
    models = "%s:%s" % (bad_model_dir(fixture), fixture.models)
    run = g.run_gimp(fixture, "errors.scm", env=fixture.env(NEURAL_STYLE_MODEL_PATH=models))
    if g.check_batch_ran(tap, run, "GIMP ran the error cases"):
        tap.equal("the test's indexed image is indexed (INDEXED = 2)", "2",
                  run.fact("indexed.base-type"))
        for key, (what, needles) in WITH_BAD_MODELS.items():
            check_refused(tap, fixture, run, key, what, needles)


def test_no_models(fixture, tap):
    """Nothing on NEURAL_STYLE_MODEL_PATH, an empty user folder (HOME and
    XDG_DATA_HOME), and nothing installed system-wide."""
    empty = fixture.path("empty")
    os.makedirs(empty)
    installed = fixture.args.installed_models
    if os.path.isdir(installed) and os.listdir(installed):
        tap.comment("models are installed in %s: the no-model cases may see them" % installed)
    env = fixture.env(NEURAL_STYLE_MODEL_PATH=empty, HOME=empty,
                      XDG_DATA_HOME=os.path.join(empty, "data"))
    run = g.run_gimp(fixture, "no-models.scm", env=env)
    if g.check_batch_ran(tap, run, "GIMP ran the no-model cases"):
        for key, (what, needles) in WITHOUT_MODELS.items():
            check_refused(tap, fixture, run, key, what, needles)


def test(fixture, tap):
    test_bad_models(fixture, tap)
    test_no_models(fixture, tap)


if __name__ == "__main__":
    g.main(test, "errors")
