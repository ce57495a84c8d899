#!/usr/bin/python3
"""test-dialog-styles.py: the dialog's style chooser and picture styles, in
a real GIMP 2.10 window under Xvfb.

The style list: a row for every style the CLI lists, installed ones with a
swatch painted, noncommercial ones marked, the others greyed (read through
the dialog's $NEURAL_STYLE_DIALOG_ROWS report of its list, and seen in a
screenshot of the open list).  A layer of a second open image as the style
(remembered from a batch run with plug-in-neural-style-picture): the
preview paints with it, "Save as Style" saves it, OK paints the layer as
the batch run did, one Ctrl+Z undoes it; then the saved style works by its
id in batch mode.  Last, a picture file remembered from a batch run: the
dialog opens with it, its preview looks like the batch painting, and Cancel
leaves the image as it was.  Then a mix remembered from a batch run with
plug-in-neural-style-mix: the dialog opens with "Mix with" and the mix
slider set, previews the mix as the CLI paints it, saves it as a style
(chosen then, mixed no more), and OK paints as the batch run did.
"""

import os
import time

import gimp2test as g
import gui

AMOUNT = 0.7
LAYER_NAME = "starry layer"
SAVED_ID = "dialog-starry"
SAVED_TITLE = "Dialog Starry"
MIX_ID = "dialog-mix"
MIX = 0.3
MIX_TITLE = "The Starry Night 70 % + The Great Wave off Kanagawa 30 %"
PAINTED_BELOW_DB = 30.0
SWATCH_TIMEOUT = 300


def noncommercial_ids(fixture):
    keys = g.catalog(fixture)
    return {s for s in keys.sections() if keys.get(s, "noncommercial", fallback="") == "true"}


def read_rows(path):
    """[(id, installed, noncommercial, swatch ready)] from the dialog's report."""
    try:
        with open(path) as report:
            lines = report.read().splitlines()
    except OSError:
        return []
    return [(f[0], f[1] == "1", f[2] == "1", f[3] == "1")
            for f in (line.split("\t") for line in lines) if len(f) == 4]


def wait_for_swatches(path):
    """The rows once every installed style's swatch is ready, or the last
    rows seen."""
    deadline = time.monotonic() + SWATCH_TIMEOUT
    rows = []
    while time.monotonic() < deadline:
        rows = read_rows(path)
        if rows and all(ready for _, installed, _, ready in rows if installed):
            break
        time.sleep(1)
    return rows


def check_rows(tap, fixture, rows):
    expected = g.cli_styles(fixture)
    seen = {row[0]: row for row in rows}
    tap.equal("the list has a row for every style the CLI lists",
              sorted(expected), sorted(seen))
    tap.equal("the installed styles are the CLI's, the others greyed",
              {i for i, installed in expected.items() if installed},
              {i for i, row in seen.items() if row[1]})
    missing = [i for i, row in seen.items() if row[1] and not row[3]]
    tap.ok(rows and not missing, "every installed style shows its swatch",
           "no swatch for %s" % missing)
    marked = {i for i, row in seen.items() if row[2]}
    tap.equal("noncommercial styles are marked", noncommercial_ids(fixture) & set(seen), marked)
    order = [row[1] for row in rows]
    tap.ok(order == sorted(order, reverse=True), "installed styles come first")


def prepare(server, fixture):
    """The photo, a second image whose layer is the style, and the last
    values a batch run with that layer leaves; exports the pieces."""
    starry = os.path.join(fixture.images, "styles", "starry_night.jpg")
    server.call("(begin %s)" % g.scheme_setup(fixture))
    server.call("(define image (vector-ref (cadr (gimp-image-list)) 0))")
    server.call("(define source (ns-active-layer image))")
    server.call("(gimp-image-scale image 300 200)")
    server.call("(define style-image (car (gimp-file-load RUN-NONINTERACTIVE %s %s)))"
                % (g.scheme_string(starry), g.scheme_string(starry)))
    server.call("(define style-layer (ns-active-layer style-image))")
    server.call('(gimp-item-set-name style-layer "%s")' % LAYER_NAME)
    server.call('(ns-export style-layer "style-layer.png")')
    server.call('(ns-export source "source.png")')
    server.call('(plug-in-neural-style-picture RUN-NONINTERACTIVE image source "" 1.0 0 1.0 '
                '%g style-layer)' % AMOUNT)
    server.call("(define batch (ns-layer-above image source))")
    server.call('(ns-export batch "batch.png")')
    server.call("(gimp-image-remove-layer image batch)")
    server.call('(ns-export-flat image "before.png")')
    server.call("(gimp-displays-flush)")


def show_list(tap, fixture, display, dialog):
    """Opens the style list (Installed, then the list), screenshots the
    screen, closes it and goes back to the layer."""
    display.keys(dialog.window, "alt+i", "alt+s", "space")
    time.sleep(2)
    shot = fixture.path("style-list.png")
    display.run("import", "-window", "root", shot)
    tap.comment("the open style list: %s" % shot)
    display.keys(dialog.window, "Escape")
    time.sleep(0.5)
    display.keys(dialog.window, "alt+e")


def save_style(tap, fixture, display):
    window = display.find_window("^Save as Style$", 20)
    if not tap.ok(window is not None, "Save as Style asks for an id and a title"):
        return
    display.type(window, SAVED_ID)
    display.keys(window, "Tab", "ctrl+a")
    display.type(window, SAVED_TITLE)
    display.keys(window, "Return")
    saved = os.path.join(fixture.user_models(), SAVED_ID + ".style")
    deadline = time.monotonic() + 30
    while not os.path.exists(saved) and time.monotonic() < deadline:
        time.sleep(0.5)
    tap.ok(os.path.exists(saved), "Save as Style saves the layer's style", saved)


def use_dialog(tap, fixture, display, server):
    layer_id = server.value("style-layer")  # the server is busy while the dialog is open
    call = server.call_in_background(
        '(plug-in-neural-style RUN-INTERACTIVE image source "" 1.0 0 1.0)')
    window = display.find_window("^Neural Style$", 60)
    if not tap.ok(window is not None, "the Neural Style dialog opens"):
        return False
    source = g.read_image(fixture.out_path("source.png"))
    dialog = gui.DialogWindow(display, window, gui.preview_crop(source, 0, 0, 300, 200),
                              fixture.path("dialog.png"))
    check_rows(tap, fixture, wait_for_swatches(os.environ["NEURAL_STYLE_DIALOG_ROWS"]))
    show_list(tap, fixture, display, dialog)
    painted = dialog.preview(lambda shown: g.psnr(shown, dialog.crop) < PAINTED_BELOW_DB, 180)
    tap.ok(painted is not None, "the preview paints with the layer remembered from last time")
    state = gui.wait_state(os.environ["NEURAL_STYLE_DIALOG_STATE"],
                           lambda s: s.get("source") == "layer" and s.get("status") == "")
    gui.check_state(tap, state, "the remembered layer, its style amount and Save as Style "
                    "shown", source="layer", layer=layer_id, style=LAYER_NAME,
                    amount_shown="1", save_shown="1", save_sensitive="1", ok_sensitive="1")
    dialog.screenshot(fixture.path("dialog-layer.png"))
    tap.comment("the dialog with a layer as the style: %s" % fixture.path("dialog-layer.png"))
    display.keys(window, "alt+v")
    save_style(tap, fixture, display)
    display.keys(window, "alt+o")
    call.join(300)
    ok, text = call.result or (False, "no answer within 300 s")
    return tap.ok(ok, "OK runs the filter", None if ok else text)


def check_result(tap, fixture, server):
    server.call("(define painted (ns-layer-above image source))")
    tap.equal("the new layer is named after the style layer", LAYER_NAME + " (Neural Style)",
              server.value("(car (gimp-item-get-name painted))"))
    server.call('(ns-export painted "dialog.png")')
    new = g.read_image(fixture.out_path("dialog.png"))
    batch = g.read_image(fixture.out_path("batch.png"))
    value = g.psnr(new, batch) if new is not None and batch is not None else float("nan")
    tap.ok(value >= g.MIN_PSNR, "the dialog paints as the batch run with the same layer "
           "and amount", "PSNR %.1f dB, expected >= %.0f dB" % (value, g.MIN_PSNR))


def check_undo(tap, fixture, display, server):
    window = display.find_window(r"\[chelsea\]", 10)
    if not tap.ok(window is not None, "the image window is there"):
        return
    display.keys(window, "ctrl+z")
    deadline = time.monotonic() + 15
    while server.value("(ns-layer-count image)") != "1" and time.monotonic() < deadline:
        time.sleep(0.3)
    tap.equal("one Ctrl+Z removes the new layer", "1", server.value("(ns-layer-count image)"))
    server.call('(ns-export-flat image "undone.png")')
    g.check_same_pixels(tap, "after Ctrl+Z the image's pixels are as before",
                        fixture.out_path("before.png"), fixture.out_path("undone.png"))


def check_saved(tap, fixture, server):
    """The saved style by id, in batch mode: the layer's own style."""
    server.call('(plug-in-neural-style RUN-NONINTERACTIVE image source "%s" 1.0 0 1.0)'
                % SAVED_ID)
    server.call("(define saved (ns-layer-above image source))")
    tap.equal("the saved style works by id; the layer is named after its title",
              SAVED_TITLE + " (Neural Style)", server.value("(car (gimp-item-get-name saved))"))
    server.call('(ns-export saved "saved.png")')
    g.check_like_cli(tap, fixture, "saved style", g.read_image(fixture.out_path("source.png")),
                     g.read_image(fixture.out_path("saved.png")),
                     style_args=("--style", fixture.out_path("style-layer.png")))


def check_picture_and_cancel(tap, fixture, display, server):
    """A batch run with a picture's path leaves it as the last style; the
    dialog previews it; Cancel changes nothing."""
    starry = os.path.join(fixture.images, "styles", "starry_night.jpg")
    server.call("(gimp-image-remove-layer image saved)")
    server.call('(plug-in-neural-style RUN-NONINTERACTIVE image source %s 1.0 0 1.0)'
                % g.scheme_string(starry))
    server.call("(gimp-image-remove-layer image (ns-layer-above image source))")
    server.call('(ns-export-flat image "before-cancel.png")')
    call = server.call_in_background(
        '(plug-in-neural-style RUN-INTERACTIVE image source "" 1.0 0 1.0)')
    window = display.find_window("^Neural Style$", 60)
    if not tap.ok(window is not None, "the dialog opens again"):
        return
    source = g.read_image(fixture.out_path("source.png"))
    crop = gui.preview_crop(source, 0, 0, 300, 200)
    dialog = gui.DialogWindow(display, window, crop, fixture.path("dialog.png"))
    # The preview is done once the whole layer is measured (no status).
    gui.wait_state(os.environ["NEURAL_STYLE_DIALOG_STATE"], lambda s: s.get("status") == "", 180)
    shown = dialog.preview(lambda shown: g.psnr(shown, crop) < PAINTED_BELOW_DB, 180)
    # The preview paints the crop with the whole layer's statistics: the
    # reference is the crop of the CLI's painting of the whole layer.
    _, _, whole = g.run_cli(fixture, fixture.out_path("source.png"),
                            fixture.out_path("source-cli.png"), ("--style", starry))
    painted = gui.preview_crop(whole, 0, 0, 300, 200) if whole is not None else None
    value = g.psnr(shown, painted) if shown is not None and painted is not None else float("nan")
    tap.ok(value >= g.MIN_PSNR,
           "the dialog previews the picture remembered from the batch run",
           "PSNR against the CLI's painting of the crop %.1f dB, expected >= %.0f dB"
           % (value, g.MIN_PSNR))
    state = gui.wait_state(os.environ["NEURAL_STYLE_DIALOG_STATE"],
                           lambda s: s.get("source") == "picture" and s.get("status") == "")
    gui.check_state(tap, state, "the remembered picture, its style amount and Save as Style "
                    "shown", source="picture", style=os.path.normpath(starry), amount_shown="1",
                    save_shown="1", save_sensitive="1", ok_sensitive="1")
    dialog.screenshot(fixture.path("dialog-picture.png"))
    tap.comment("the dialog with a picture as the style: %s" % fixture.path("dialog-picture.png"))
    display.keys(window, "alt+c")
    call.join(60)
    tap.ok(display.find_window("^Neural Style$", 5) is None, "Cancel closes the dialog")
    tap.equal("Cancel adds no layer", "1", server.value("(ns-layer-count image)"))
    server.call('(ns-export-flat image "after-cancel.png")')
    g.check_same_pixels(tap, "Cancel leaves the image's pixels as they were",
                        fixture.out_path("before-cancel.png"),
                        fixture.out_path("after-cancel.png"))


def check_mix(tap, fixture, display, server):
    """A mix left by a batch run: previewed, saved as a style, painted."""
    server.call('(plug-in-neural-style-mix RUN-NONINTERACTIVE image source "starry-night" '
                '1.0 0 1.0 1.0 -1 "great-wave" %g)' % MIX)
    server.call("(define mixed (ns-layer-above image source))")
    server.call('(ns-export mixed "mix-batch.png")')
    server.call("(gimp-image-remove-layer image mixed)")
    call = server.call_in_background(
        '(plug-in-neural-style RUN-INTERACTIVE image source "" 1.0 0 1.0)')
    window = display.find_window("^Neural Style$", 60)
    if not tap.ok(window is not None, "the dialog opens with the mix"):
        return
    source = g.read_image(fixture.out_path("source.png"))
    crop = gui.preview_crop(source, 0, 0, 300, 200)
    dialog = gui.DialogWindow(display, window, crop, fixture.path("dialog.png"))
    state = gui.wait_state(os.environ["NEURAL_STYLE_DIALOG_STATE"],
                           lambda s: s.get("mix-style") == "great-wave" and s.get("status") == "",
                           180)
    gui.check_state(tap, state, "the remembered mix: Mix with, the mix slider and Save as Style",
                    source="installed", style="starry-night+great-wave", mix_style="great-wave",
                    mix="0.30", mix_shown="1", mix_sensitive="1", save_shown="1", ok_sensitive="1")
    shown = dialog.preview(lambda shown: g.psnr(shown, crop) < PAINTED_BELOW_DB, 180)
    _, _, whole = g.run_cli(fixture, fixture.out_path("source.png"),
                            fixture.out_path("mix-cli.png"),
                            ("--style", "starry-night", "--mix-with", "great-wave",
                             "--mix", str(MIX)))
    painted = gui.preview_crop(whole, 0, 0, 300, 200) if whole is not None else None
    value = g.psnr(shown, painted) if shown is not None and painted is not None else float("nan")
    tap.ok(value >= g.MIN_PSNR, "the dialog previews the mix as the CLI paints it",
           "PSNR %.1f dB, expected >= %.0f dB" % (value, g.MIN_PSNR))
    dialog.screenshot(fixture.path("dialog-mix.png"))
    tap.comment("the dialog mixing two styles: %s" % fixture.path("dialog-mix.png"))
    display.keys(window, "alt+v")
    window_save = display.find_window("^Save as Style$", 20)
    if tap.ok(window_save is not None, "Save as Style offers to keep the mix"):
        display.type(window_save, MIX_ID)
        display.keys(window_save, "Return")
    saved = os.path.join(fixture.user_models(), MIX_ID + ".style")
    state = gui.wait_state(os.environ["NEURAL_STYLE_DIALOG_STATE"],
                           lambda s: s.get("selected") == MIX_ID, 60)
    tap.ok(os.path.exists(saved), "Save as Style saves the mix", saved)
    gui.check_state(tap, state, "the saved mix is chosen and mixed no more",
                    selected=MIX_ID, style=MIX_ID, mix_style="", mix_sensitive="0")
    display.keys(window, "alt+o")
    call.join(300)
    ok, text = call.result or (False, "no answer within 300 s")
    if not tap.ok(ok, "OK paints with the saved mix", None if ok else text):
        return
    server.call("(define mixed (ns-layer-above image source))")
    tap.equal("the new layer is named after the mix", MIX_TITLE + " (Neural Style)",
              server.value("(car (gimp-item-get-name mixed))"))
    server.call('(ns-export mixed "mix-dialog.png")')
    new = g.read_image(fixture.out_path("mix-dialog.png"))
    batch = g.read_image(fixture.out_path("mix-batch.png"))
    value = g.psnr(new, batch) if new is not None and batch is not None else float("nan")
    tap.ok(value >= g.MIN_PSNR, "the saved mix paints as the batch mix",
           "PSNR %.1f dB, expected >= %.0f dB" % (value, g.MIN_PSNR))


def drive(tap, fixture, display, gimp):
    ready = gimp.server.wait_ready(180)
    if not tap.ok(ready, "GIMP starts with the Script-Fu server",
                  None if ready else gimp.log_tail()):
        return
    prepare(gimp.server, fixture)
    if not use_dialog(tap, fixture, display, gimp.server):
        return
    check_result(tap, fixture, gimp.server)
    check_undo(tap, fixture, display, gimp.server)
    check_saved(tap, fixture, gimp.server)
    check_picture_and_cancel(tap, fixture, display, gimp.server)
    check_mix(tap, fixture, display, gimp.server)


def test(fixture, tap):
    os.environ["NEURAL_STYLE_DIALOG_ROWS"] = fixture.path("rows.tsv")
    os.environ["NEURAL_STYLE_DIALOG_STATE"] = fixture.path("state.tsv")
    display = gui.Display()
    gimp = gui.GuiGimp(fixture, display, os.path.join(fixture.images, "chelsea.png"))
    try:
        drive(tap, fixture, display, gimp)
    except (OSError, gui.ScriptFuError) as error:
        tap.ok(False, "GIMP answers the test's Script-Fu", str(error))
    finally:
        gimp.stop()
        display.stop()


if __name__ == "__main__":
    g.main(test, "dialog-styles")
