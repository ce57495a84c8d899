"""The dialog in a real GIMP 3 window: the GIMP side.

Runs inside gimp-3.0 (not the console) under Xvfb, started by
dialog-driver, which watches the screen and presses the keys.  The two
meet through marker files in $NS_TEST_TMP/dialog:

  here: ready (the preview's expected pixels are written, the image is
        shown, the dialog is about to open at the defaults: the first
        installed style, strength 1).  The file says how many Down presses
        in the style chooser reach STYLE, STRENGTH, and how many swatches
        the style list paints (one per installed style that works).
  driver: chooses the style and types the strength with the keyboard,
        waits for the preview to show them and for the swatches, presses OK
  here: ran (the dialog closed and the filter ran)
  driver: presses Ctrl+Z in the image window
  here: checks that one undo restored the image and runs the filter with
        the last values; GIMP quits (--quit).
"""
import os
import re
import subprocess
import time

from nstest import (CLI, TMP, Gimp, check, cli, comment, export_layer,
                    layer_above, photo, pixels, psnr, run_filter, run_tests,
                    save, snapshot, succeeded)

DIALOG = os.path.join(TMP, 'dialog')
STYLE, TITLE, STRENGTH = 'rain_princess', 'Rain Princess', 0.8
PREVIEW_SIZE = 256  # NS_PREVIEW_SIZE
SWATCHES = os.path.join(os.environ['HOME'], '.cache', 'neural-style', 'swatches')
BROKEN = 'broken'  # run-tests' truncated model


def mark(name, text=''):
    with open(os.path.join(DIALOG, name), 'w') as marker:
        marker.write(text)


def installed_styles():
    """The installed style ids in the order the dialog's chooser lists
    them (the catalog's), as the CLI sees them with the same environment."""
    listing = subprocess.run([CLI, '--list-styles'], capture_output=True,
                             text=True, check=True).stdout
    return [line.split()[0] for line in listing.splitlines()
            if line.split()[1:2] == ['installed']]


def wait_until(condition, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.25)
    return False


def write_expected_preview(layer):
    """What the preview must show: the middle of the layer (as
    ns-preview.c's choose_crop picks it) with the CLI's painting of it on top
    at the strength, composited by GIMP itself, as the new layer will look
    after OK.  For the driver to look for on screen."""
    width, height = layer.get_width(), layer.get_height()
    crop_w, crop_h = min(width, PREVIEW_SIZE), min(height, PREVIEW_SIZE)
    image = Gimp.Image.new(width, height, Gimp.ImageBaseType.RGB)
    image.insert_layer(Gimp.Layer.new_from_drawable(layer, image), None, 0)
    image.crop(crop_w, crop_h, (width - crop_w) // 2, (height - crop_h) // 2)
    crop = export_layer(image.get_layers()[0], DIALOG + '/crop.png')
    painting = cli(crop, DIALOG + '/crop-painted.png', '--style', STYLE)
    top = Gimp.Layer.new_from_drawable(painting.get_layers()[0], image)
    image.insert_layer(top, None, 0)
    top.set_opacity(STRENGTH * 100)
    top.set_mode(Gimp.LayerMode.NORMAL)
    image.flatten()
    save(image, DIALOG + '/preview.png')
    painting.delete()
    image.delete()


def test_dialog():
    image = photo('chelsea.png', 300, 200)
    layer = image.get_layers()[0]
    write_expected_preview(layer)
    Gimp.Display.new(image)
    Gimp.displays_flush()
    before = snapshot(image)
    styles = installed_styles()
    comment('installed styles: %s' % ' '.join(styles))
    # The dialog opens at the first installed style and strength 1.0: the
    # driver's keys, not these arguments, must bring STYLE and STRENGTH.
    working = [style for style in styles if style != BROKEN]
    mark('ready', '%d %.2f %d %s\n' % (styles.index(STYLE), STRENGTH,
                                       len(working), SWATCHES))
    start = time.time()
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE,
                                 style='', strength=1.0)
    comment('the dialog was open %.1f s' % (time.time() - start))
    succeeded(status, message, 'dialog: OK runs the filter')
    check_new_layer(image, layer)
    check_swatches(working)
    Gimp.displays_flush()
    mark('ran')
    check(wait_until(lambda: len(image.get_layers()) == 1, 120)
          and snapshot(image) == before,
          'one Ctrl+Z in the image window restores the image exactly')
    check_last_values(image, layer)
    save(image, DIALOG + '/result.xcf')


def check_new_layer(image, layer):
    new = layer_above(layer)
    name = new.get_name() if new else None
    check(len(image.get_layers()) == 2 and name == TITLE + ' (Neural Style)'
          and new.get_opacity() == STRENGTH * 100,
          'dialog: the new layer has the style and strength chosen in it',
          '%s at %s' % (name, new and new.get_opacity()))
    reference = cli(export_layer(layer, DIALOG + '/source.png'),
                    DIALOG + '/painted.png', '--style', STYLE)
    value = psnr(pixels(new), pixels(reference.get_layers()[0]))
    check(value >= 35.0, 'dialog: its pixels match the CLI',
          'PSNR against the CLI: %.1f dB' % value)


def check_swatches(working):
    """The list painted one swatch per working style into the cache, and
    none for the broken model (it shows an error mark)."""
    files = os.listdir(SWATCHES) if os.path.isdir(SWATCHES) else []
    ids = sorted(re.sub(r'\.[0-9a-f]{16}\.png$', '', name) for name in files)
    check(ids == sorted(style.replace('.', '_') for style in working),
          'dialog: one cached swatch per installed style, none for the broken one',
          'cached: %s' % ' '.join(ids))


def check_last_values(image, layer):
    status, message = run_filter(image, [layer], Gimp.RunMode.WITH_LAST_VALS)
    succeeded(status, message, 'with last values: the filter runs')
    new = layer_above(layer)
    check(new.get_name() == TITLE + ' (Neural Style)'
          and new.get_opacity() == STRENGTH * 100,
          "with last values: the dialog's style and strength",
          '%s at %s' % (new.get_name(), new.get_opacity()))


os.makedirs(DIALOG, exist_ok=True)
run_tests([test_dialog])
