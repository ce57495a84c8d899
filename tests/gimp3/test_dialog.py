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
        the last values.
  here: ready2 (another image is shown, the dialog opens again).  The
        file holds the id to save a style under, how many Down presses
        in the layer chooser go from the layer it starts at (the first
        of the other image) to this image's own, and that layer's name.
  driver: chooses "Style from: a layer", the image's own layer, presses
        Save as Style..., types the id, Return; the saved style is then
        chosen in the list, and Return paints with it
  here: checks the saved file and the new layer.
  here: ready3 (the dialog opens a third time, at the saved style).
  driver: types style amount 0.5, waits for the preview, presses OK
  here: checks the new layer and the last values against the CLI with
        --style-amount 0.5.
  here: ready4 (the dialog opens a fourth time, at the last values: the
        saved style at style amount 0.5).  The file holds an id and how
        many Down presses in "Mix with" reach great-wave.
  driver: chooses great-wave in "Mix with" (Alt+M, Down...), types mix 0.3
        (Alt+X), waits for the preview, presses Save as Style..., types
        the id, Return (the dialog then chooses the saved mix, unmixed), OK
  here: checks the saved style, the new layer against the CLI's
        --mix-with, and the preview against the result; GIMP quits (--quit).

On the way the driver keeps the dialog's state (NEURAL_STYLE_DIALOG_STATE,
see plugin/common/ns-dialog-state.h) and a screenshot at each step
(state-NAME, NAME.png): as it opens, "Style from" a picture file with none
chosen, a layer with none, the chosen style, the layer style.  Here they are
checked once the dialog has closed.
"""
import os
import re
import subprocess
import time

from nstest import (CLI, TMP, Gimp, check, cli, comment, export_layer,
                    layer_above, photo, pixels, psnr, run_filter, run_tests,
                    save, snapshot, succeeded)

DIALOG = os.path.join(TMP, 'dialog')
HERE = os.path.dirname(os.path.abspath(__file__))
STYLE, TITLE, STRENGTH = 'rain_princess', 'Rain Princess', 0.8
SAVED, SAVED_TITLE = 'my-coffee', 'Coffee style'
MIX_SAVED, MIX_WITH = 'my-mix', 'great-wave'
MIX_TITLE = SAVED_TITLE + ' 70 % + The Great Wave off Kanagawa 30 %'
# The second and third dialogs' layer: 3.7 times the preview's pixels, so
# that the third dialog's preview (a Magenta style) is a crop of much more.
COFFEE_SIZE = (600, 400)
MIN_PREVIEW_DB = 30.0  # the preview against the same crop of the result
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
    ns-preview.c's choose_crop picks it) as the filter paints it there (the
    CLI's painting of the whole layer: the preview paints with the whole
    layer's statistics), on top of the layer at the strength, composited by
    GIMP itself, as the new layer will look after OK.  For the driver to
    look for on screen."""
    width, height = layer.get_width(), layer.get_height()
    crop_w, crop_h = min(width, PREVIEW_SIZE), min(height, PREVIEW_SIZE)
    whole = export_layer(layer, DIALOG + '/whole.png')
    painting = cli(whole, DIALOG + '/whole-painted.png', '--style', STYLE)
    image = Gimp.Image.new(width, height, Gimp.ImageBaseType.RGB)
    image.insert_layer(Gimp.Layer.new_from_drawable(layer, image), None, 0)
    top = Gimp.Layer.new_from_drawable(painting.get_layers()[0], image)
    image.insert_layer(top, None, 0)
    top.set_opacity(STRENGTH * 100)
    top.set_mode(Gimp.LayerMode.NORMAL)
    image.crop(crop_w, crop_h, (width - crop_w) // 2, (height - crop_h) // 2)
    image.flatten()
    save(image, DIALOG + '/preview.png')
    painting.delete()
    image.delete()


def read_state(name):
    """The dialog's state the driver kept as state-@name: {key: value}."""
    try:
        with open(os.path.join(DIALOG, 'state-' + name)) as state:
            return dict(line.rstrip('\n').split('\t', 1) for line in state if '\t' in line)
    except OSError:
        return {}


def check_state(name, what, **expected):
    """The kept state @name has the @expected values (keys with '_' for
    '-'), and no Alt+key that two shown widgets share."""
    state = read_state(name)
    expected = {key.replace('_', '-'): value for key, value in expected.items()}
    expected['mnemonics-twice'] = ''
    seen = {key: state.get(key) for key in expected}
    check(seen == expected, 'dialog state: %s' % what,
          'expected %s, saw %s (mnemonics: %s)' % (expected, seen, state.get('mnemonics')))


def check_states(default):
    """What the dialog showed on the way, before OK.  @default: the first
    installed style, Magenta's Starry Night where Magenta is installed.
    The sliders keep the width they have beside the style list."""
    full = read_state('open').get('strength-width')
    check_state('open', 'it opens with the default style selected in the list, '
                'the style amount shown for that preset', source='installed', style=default,
                selected=default, amount_shown='1', ok_sensitive='1')
    rows = read_state('open').get('list-rows', '0')
    check(int(rows) >= 6, 'dialog state: the style list shows at least six whole rows',
          '%s rows' % rows)
    check_state('picture', 'a picture file, none chosen: "Choose a picture", OK and '
                'Save as Style off, the style amount shown', source='picture', style='',
                status='Choose a picture', ok_sensitive='0', save_sensitive='0',
                amount_shown='1', strength_width=full)
    check_state('picture-ok', 'Alt+O without a picture paints nothing: the dialog stays',
                source='picture', style='', ok_sensitive='0')
    check_state('layer-none', 'a layer, no other image open: no layer chosen, "Choose a '
                'layer", OK off', source='layer', layer='0', style='',
                status='Choose a layer', ok_sensitive='0', strength_width=full)
    check_state('installed-again', 'back to the installed styles: the list still selects '
                'the default', source='installed', selected=default, style=default)
    check_state('chosen', 'the trained network chosen: no style amount for it',
                source='installed', style=STYLE, selected=STYLE, amount_shown='0', mix_shown='0',
                ok_sensitive='1')


def test_dialog():
    image = photo('chelsea.png', 300, 200)
    layer = image.get_layers()[0]
    write_expected_preview(layer)
    display = Gimp.Display.new(image)
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
    check_states(styles[0])
    check_new_layer(image, layer)
    check_swatches(working)
    Gimp.displays_flush()
    mark('ran')
    check(wait_until(lambda: len(image.get_layers()) == 1, 120)
          and snapshot(image) == before,
          'one Ctrl+Z in the image window restores the image exactly')
    check_last_values(image, layer)
    save(image, DIALOG + '/result.xcf')


# The second dialog's image and layer, which the third paints again.
coffee = {}


def test_save_as_style():
    image = photo('coffee.png', *COFFEE_SIZE)
    layer = image.get_layers()[0]
    coffee.update(image=image, layer=layer)
    layer.set_name(SAVED_TITLE)
    Gimp.Display.new(image)
    Gimp.displays_flush()
    # The layer chooser lists every open image's layers, in GIMP's order.
    listed = [item for each in Gimp.get_images() for item in each.get_layers()]
    start = next(item for item in listed if item.get_image() != image)
    downs = listed.index(layer) - listed.index(start)
    mark('ready2', '%s %d %s\n' % (SAVED, downs, SAVED_TITLE))
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE)
    mark('ran2')
    succeeded(status, message, 'save as style: the dialog runs the filter')
    check_state('layer-start', "a layer: it starts at another image's first layer, not at "
                'the layer painted', source='layer', layer=str(start.get_id()),
                style=start.get_name(), ok_sensitive='1')
    check_state('layer', "the image's own layer: painted, style amount and Save as "
                'Style on', source='layer', layer=str(layer.get_id()), style=SAVED_TITLE,
                status='', amount_shown='1', save_shown='1', save_sensitive='1',
                ok_sensitive='1')
    saved = os.path.join(os.environ['XDG_DATA_HOME'], 'neural-style', 'models',
                         SAVED + '.style')
    check(os.path.isfile(saved),
          'Save as Style keeps the style in the user model folder', saved)
    new = layer_above(layer)
    name = new.get_name() if new else None
    check(name == SAVED_TITLE + ' (Neural Style)',
          "the new layer is named after the saved style's title (the layer's name)",
          name)
    reference = cli(export_layer(layer, DIALOG + '/coffee.png'),
                    DIALOG + '/coffee-saved.png', '--style', SAVED)
    value = psnr(pixels(new), pixels(reference.get_layers()[0]))
    check(value >= 35.0, 'the saved style paints as the CLI does with its id',
          'PSNR against the CLI: %.1f dB' % value)
    new.get_image().remove_layer(new)


def test_saved_style_amount():
    """The saved style (a style vector) at style amount 0.5, typed in the
    dialog: the preview, OK and the last values paint as
    `neural-style --style-amount 0.5` does."""
    image, layer = coffee['image'], coffee['layer']
    mark('ready3')
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE)
    mark('ran3')
    succeeded(status, message, 'style amount: the dialog runs the filter')
    check_state('saved-amount', 'the saved style selected, its style amount shown and '
                'typed, painted', source='installed', style=SAVED, selected=SAVED,
                amount_shown='1', status='', ok_sensitive='1')
    reference = cli(export_layer(layer, DIALOG + '/coffee-amount.png'),
                    DIALOG + '/coffee-saved-half.png', '--style', SAVED, '--style-amount', '0.5')
    for what in ('the dialog', 'the last values'):
        if what == 'the last values':
            layer.get_image().remove_layer(layer_above(layer))
            run_filter(image, [layer], Gimp.RunMode.WITH_LAST_VALS)
        if what == 'the dialog':
            check_preview_shown(layer, 'saved-amount')
        value = psnr(pixels(layer_above(layer)), pixels(reference.get_layers()[0]))
        check(value >= 35.0, 'style amount 0.5 of a saved style through %s: as the CLI' % what,
              'PSNR against the CLI: %.1f dB' % value)


def mixable_styles():
    """The ids "Mix with" lists after None: the installed presets and saved
    styles (style vectors), in the style list's order."""
    catalog = open(os.environ['NEURAL_STYLE_CATALOG']).read()
    presets = set(re.findall(r'^\[([^]]+)\]\n(?:[^[\n].*\n)*?format=vector$', catalog, re.M))
    saved_dir = os.path.join(os.environ['XDG_DATA_HOME'], 'neural-style', 'models')
    saved = {name[:-len('.style')] for name in os.listdir(saved_dir) if name.endswith('.style')}
    return [style for style in installed_styles() if style in presets | saved]


def test_mix():
    """A second style chosen in "Mix with" and the mix typed, over the
    saved style at amount 0.5: the mix widgets, the preview, Save as Style
    of the mix, and OK, against `neural-style --mix-with`."""
    image, layer = coffee['image'], coffee['layer']
    image.remove_layer(layer_above(layer))
    mixable = mixable_styles()
    comment('"Mix with" lists: None %s' % ' '.join(mixable))
    mark('ready4', '%s %d\n' % (MIX_SAVED, mixable.index(MIX_WITH) + 1))
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE)
    mark('ran4')
    succeeded(status, message, 'mix: the dialog runs the filter')
    check_state('mix-open', 'a mix: Mix with and the mix slider shown, Save as Style offered',
                source='installed', style=SAVED + '+' + MIX_WITH, mix_style=MIX_WITH, mix='0.30',
                mix_shown='1', mix_sensitive='1', save_shown='1', status='', ok_sensitive='1')
    check_state('mix-saved', 'the saved mix chosen, mixed no more', style=MIX_SAVED,
                selected=MIX_SAVED, mix_style='', mix_sensitive='0', save_shown='0')
    saved = os.path.join(os.environ['XDG_DATA_HOME'], 'neural-style', 'models',
                         MIX_SAVED + '.style')
    check(os.path.isfile(saved), 'mix: Save as Style keeps the mix', saved)
    new = layer_above(layer)
    name = new.get_name() if new else None
    check(name == MIX_TITLE + ' (Neural Style)', "mix: the new layer is named after the mix",
          name)
    reference = cli(export_layer(layer, DIALOG + '/coffee-mix.png'),
                    DIALOG + '/coffee-mix-cli.png', '--style', SAVED, '--mix-with', MIX_WITH,
                    '--mix', '0.3', '--style-amount', '0.5')
    value = psnr(pixels(new), pixels(reference.get_layers()[0]))
    check(value >= 35.0, 'mix: the saved mix paints as the CLI mixes',
          'PSNR against the CLI: %.1f dB' % value)
    check_preview_shown(layer, 'mix-open')


def check_preview_shown(layer, shot):
    """The preview the driver saw (in @shot.png, once the dialog said
    nothing more) is the middle of the image as GIMP shows it now, the new
    layer over @layer: what the filter painted there."""
    image = layer.get_image().duplicate()
    image.flatten()
    flat = image.get_layers()[0]
    width, height = flat.get_width(), flat.get_height()
    crop_w, crop_h = min(width, PREVIEW_SIZE), min(height, PREVIEW_SIZE)
    image.crop(crop_w, crop_h, (width - crop_w) // 2, (height - crop_h) // 2)
    expected = save(image, os.path.join(DIALOG, shot + '-expected.png'))
    image.delete()
    found = subprocess.run(['python3', '-B', os.path.join(HERE, 'screenshot.py'), '--find',
                            os.path.join(DIALOG, shot + '.png'), expected, str(MIN_PREVIEW_DB)],
                           capture_output=True, text=True)
    check(found.returncode == 0,
          "%s: the preview of a Magenta style on a %d x %d layer is that crop of the result"
          % (shot, width, height), (found.stdout + found.stderr).strip())


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
run_tests([test_dialog, test_save_as_style, test_saved_style_amount, test_mix])
