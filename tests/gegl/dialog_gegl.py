"""Filters > Artistic > Neural Style (Editable) in a real GIMP 3 window:
the GIMP side.

Runs inside gimp-3.0 under Xvfb, started by dialog-driver, which presses
the keys.  They meet through marker files in $NS_TEST_TMP/dialog:

  here: ready (the photo is shown)
  driver: opens Filters > Artistic > Neural Style (Editable) with the
          keyboard, chooses the next style in the filter's dialog, presses
          OK; then zooms the image out and in; then applied
  here: checks that the layer has the filter in its stack, with the chosen
        style, and that the image shows its painting; GIMP quits (--quit).
"""
import os
import time

from nstest import TMP, Gimp, check, cli, comment, export_layer, photo, pixels, psnr, run_tests

DIALOG = os.path.join(TMP, 'dialog')
OP = 'neural-style:paint'
# The style list's second entry: the default (first installed) is
# starry-night, one Down press gives the next installed style.
CHOSEN = 'the-scream'
MIN_PSNR = 30.0


def mark(name):
    with open(os.path.join(DIALOG, name), 'w'):
        pass


def wait_for(name, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if os.path.exists(os.path.join(DIALOG, name)):
            return True
        time.sleep(0.25)
    return False


def test_menu():
    # GIMP 3's window has been seen to run a batch command twice: the
    # second run finds the first one's marker and leaves it alone.
    started = os.path.join(DIALOG, 'started')
    if os.path.exists(started):
        return
    mark('started')
    image = photo('chelsea.png', 600, 400)
    layer = image.get_layers()[0]
    source = export_layer(layer, os.path.join(DIALOG, 'source.png'))
    Gimp.Display.new(image)
    Gimp.displays_flush()
    mark('ready')
    if not check(wait_for('applied', 600), 'the driver applied the filter'):
        return
    filters = layer.get_filters()
    check(len(filters) == 1 and filters[0].get_operation_name() == OP,
          "menu: the layer has neural-style:paint in its filter stack",
          repr([f.get_operation_name() for f in filters]))
    if not filters:
        return
    style = filters[0].get_config().get_property('style')
    check(style == CHOSEN, 'menu: with the style chosen in its dialog', style)
    copy = image.duplicate()
    shown = pixels(copy.flatten())
    reference = cli(source, os.path.join(DIALOG, 'cli.png'), '--style', CHOSEN)
    value = psnr(shown, pixels(reference.get_layers()[0]))
    check(value >= MIN_PSNR, 'menu: the image shows the CLI\'s painting',
          '%.1f dB' % value)


if not os.path.exists(os.path.join(DIALOG, 'started')):
    run_tests([test_menu])
