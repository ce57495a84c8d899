"""Python-Fu batch tests of plug-in-neural-style in GIMP 3.

Run by run-tests inside gimp-console-3.0 (python-fu-eval); see nstest.py
for the environment it expects.
"""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from gimpcommon import plugin_runs, wait_for_progress
from nstest import (CLI, FLOAT, PROCEDURE, SHARED, TMP, U8, Gegl, Gimp, check,
                    cli, comment, encoding, export_layer, export_profiled,
                    layer_above, load, photo, pixels, psnr, refused,
                    run_filter, run_tests, skip, snapshot, succeeded,
                    unchanged)

WAVE = 'The Great Wave off Kanagawa (Neural Style)'
INDEXED_ERROR = ('Neural Style works on RGB and grayscale images. Convert '
                 'this indexed image with Image > Mode > RGB first.')
MIN_PSNR = 35.0       # dB: the same pixels as the CLI, up to rounding
MAX_SOURCE_PSNR = 25.0  # dB: anything closer to the source is not painted
STARRY = os.path.join(SHARED, 'test-images', 'styles', 'starry_night.jpg')
SCREAM = os.path.join(SHARED, 'test-images', 'styles', 'the_scream.jpg')
# Pillow's ImageCms makes and measures profiled photos (CIE76 dE of 8 x 8
# block means, each file taken to sRGB through its own profile).
COLOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'cli',
                     'color.py')
ADOBE_ICC = '/usr/share/color/icc/compatibleWithAdobeRGB1998.icc'
ADOBE_NAME = 'Compatible with Adobe RGB (1998)'
MAX_PROFILED_DE = 1.0


def offset_photo(name='chelsea.png', width=300, height=200, x=17, y=11):
    """A photo in a larger canvas: its layer has non-zero offsets."""
    image = photo(name, width, height)
    image.resize(width + 2 * x, height + 2 * y, x, y)
    return image, image.get_layers()[0]


def painted(new, source, what):
    value = psnr(pixels(new), pixels(source))
    return check(value < MAX_SOURCE_PSNR, '%s is painted' % what,
                 'PSNR against the source: %.1f dB' % value)


def same_as_cli(new, reference, what):
    value = psnr(pixels(new), pixels(reference.get_layers()[0]))
    return check(value >= MIN_PSNR, '%s matches the CLI' % what,
                 'PSNR against the CLI: %.1f dB' % value)


def test_registration():
    procedure = Gimp.get_pdb().lookup_procedure(PROCEDURE)
    check(procedure is not None, PROCEDURE + ' is registered')
    check(procedure.get_menu_label() == '_Neural Style...', 'menu label')
    check(procedure.get_menu_paths() == ['<Image>/Filters/Artistic'],
          'menu path', str(procedure.get_menu_paths()))
    check(procedure.get_image_types() == 'RGB*, GRAY*', 'image types')
    specs = {spec.name: spec for spec in procedure.get_arguments()}
    style = specs['style']
    check(style.value_type.name == 'gchararray' and style.get_default_value() == '',
          'style is a string argument, empty by default')
    ranges = [(name, specs[name].minimum, specs[name].maximum,
               specs[name].get_default_value()) for name in ('strength', 'scale')]
    check(ranges == [('strength', 0.0, 1.0, 1.0), ('scale', 0.25, 4.0, 1.0)],
          'strength 0..1 and scale 0.25..4, both 1 by default', str(ranges))
    check(specs['preserve-colors'].get_default_value() is False,
          'preserve-colors is off by default')
    names = [spec.name for spec in procedure.get_arguments()]
    check(names[-8:] == ['style', 'strength', 'preserve-colors', 'scale',
                         'style-amount', 'style-layer', 'mix-style', 'mix'],
          'the new arguments come last: older scripts keep working', str(names))
    amount = specs['style-amount']
    check((amount.minimum, amount.maximum, amount.get_default_value()) == (0.0, 1.0, 1.0),
          'style-amount 0..1, 1 by default')
    check(specs['style-layer'].value_type.name == 'GimpLayer'
          and Gimp.param_spec_item_none_allowed(specs['style-layer']),
          'style-layer is a layer, none by default')
    mix = specs['mix']
    check(specs['mix-style'].value_type.name == 'gchararray'
          and specs['mix-style'].get_default_value() == ''
          and (mix.minimum, mix.maximum, mix.get_default_value()) == (0.0, 1.0, 0.5),
          'mix-style a string, empty (no mix) by default; mix 0..1, 0.5 by default')
    check_pluginrc()


def check_pluginrc():
    """GIMP loaded the plug-in from the profile's plug-ins folder, with the
    sensitivity it asked for."""
    with open(os.path.join(Gimp.directory(), 'pluginrc'), errors='replace') as rc:
        text = rc.read()
    path = '"${gimp_dir}/plug-ins/gimp-neural-style/gimp-neural-style"'
    check(('(plug-in-def ' + path) in text,
          'GIMP loads it from <profile>/plug-ins/gimp-neural-style/')
    mask = re.search(r'"plug-in-neural-style".*?"RGB\*, GRAY\*"\s+(\d+)', text, re.S)
    check(mask is not None and int(mask.group(1)) == 5,
          'sensitive to one or several drawables',
          'mask: %s' % (mask.group(1) if mask else None))


def test_rgb_matches_cli():
    image, layer = offset_photo()
    before = pixels(layer, U8)
    reference = cli(export_layer(layer, TMP + '/chelsea.png'),
                    TMP + '/chelsea-wave.png', '--style', 'wave')
    start = time.time()
    status, message = run_filter(image, [layer], style='wave', strength=0.5)
    succeeded(status, message, 'RGB layer: filter succeeds')
    comment('300x200 layer painted in %.2f s' % (time.time() - start))
    new = layer_above(layer)
    check(len(image.get_layers()) == 2 and new is not None
          and new.get_name() == WAVE,
          'one new layer, right above its source, named after the style',
          new and new.get_name())
    check(new.get_opacity() == 50.0 and new.get_mode() == Gimp.LayerMode.NORMAL,
          'opacity is the strength (50), mode normal', str(new.get_opacity()))
    check((new.get_width(), new.get_height(), new.get_offsets()[1:])
          == (300, 200, (17, 11)), 'same size and offsets as the source')
    same_as_cli(new, reference, 'RGB layer')
    painted(new, layer, 'RGB layer')
    check(pixels(layer, U8) == before, "the source's pixels are unchanged")


def test_options_match_cli():
    image, layer = offset_photo('coffee.png', 200, 150, 0, 0)
    reference = cli(export_layer(layer, TMP + '/coffee.png'),
                    TMP + '/coffee-scream.png', '--style', 'scream',
                    '--preserve-colors', '--scale', '2')
    status, message = run_filter(image, [layer], style='scream',
                                 preserve_colors=True, scale=2.0)
    succeeded(status, message, 'preserve-colors and scale 2: succeeds')
    same_as_cli(layer_above(layer), reference, 'preserve-colors and scale 2')


def test_selection_mask():
    image, layer = offset_photo()
    before = pixels(layer, U8)
    image.select_ellipse(Gimp.ChannelOps.REPLACE, 80, 50, 160, 120)
    status, message = run_filter(image, [layer], style='wave')
    succeeded(status, message, 'selection: filter succeeds')
    new = layer_above(layer)
    mask = new.get_mask()
    selection = pixels(image.get_selection(), 'Y u8', (17, 11, 300, 200))
    check(mask is not None and pixels(mask, 'Y u8') == selection,
          "the new layer's mask is the selection")
    bounds = (80 - 17, 50 - 11, 160, 120)
    check(outside_equal(pixels(new, U8), before, 300, bounds),
          'outside the selection bounds the pixels are not painted')
    inside = psnr(pixels(new, FLOAT, bounds), pixels(layer, FLOAT, bounds))
    check(inside < MAX_SOURCE_PSNR, 'inside the selection bounds they are',
          'PSNR against the source inside: %.1f dB' % inside)


def outside_equal(a, b, width, bounds):
    x0, y0, w, h = bounds
    for i in range(0, len(a), 4):
        x, y = (i // 4) % width, (i // 4) // width
        if not (x0 <= x < x0 + w and y0 <= y < y0 + h) and a[i:i + 4] != b[i:i + 4]:
            return False
    return True


def test_selection_misses_layer():
    image, layer = offset_photo()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 0, 0, 10, 8)
    refused(image, [layer], 'a selection that misses the layer',
            message="The selection does not touch the layer '%s'" % layer.get_name(),
            style='wave')


def test_alpha_kept():
    image = photo('coffee.png', 200, 150)
    layer = image.get_layers()[0]
    layer.add_alpha()
    set_alpha_ramp(layer)
    alpha = pixels(layer, U8)[3::4]
    status, message = run_filter(image, [layer], style='la_muse')
    succeeded(status, message, 'RGBA layer: filter succeeds')
    new = layer_above(layer)
    check(new.has_alpha() and pixels(new, U8)[3::4] == alpha,
          "RGBA: the new layer keeps the source's alpha")
    painted(new, layer, 'RGBA layer')


def set_alpha_ramp(layer):
    """Alpha from 0 at the left to 1 at the right, fully clear at the top."""
    width, height = layer.get_width(), layer.get_height()
    rgba = pixels(layer)
    for i in range(3, len(rgba), 4):
        x, y = (i // 4) % width, (i // 4) // width
        rgba[i] = 0.0 if y < 10 else x / (width - 1)
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, width, height), FLOAT, rgba.tobytes())
    buffer.flush()
    layer.update(0, 0, width, height)


def test_grayscale():
    image = photo('rocket.jpg', 300, 200)
    image.convert_grayscale()
    layer = image.get_layers()[0]
    reference = cli(export_layer(layer, TMP + '/rocket.png'),
                    TMP + '/rocket-wave.png', '--style', 'wave')
    reference.convert_grayscale()
    status, message = run_filter(image, [layer], style='wave')
    succeeded(status, message, 'grayscale image: filter succeeds')
    new = layer_above(layer)
    check(new.type() == Gimp.ImageType.GRAY_IMAGE, 'grayscale image: a grayscale layer')
    same_as_cli(new, reference, 'grayscale layer (CLI result made gray)')
    painted(new, layer, 'grayscale layer')


def test_precision():
    """The same pixels at 16 bits and in linear float give the 8-bit
    result, stored at the image's precision."""
    image = photo('coffee.png', 200, 150)
    status, message = run_filter(image, [image.get_layers()[0]], style='wave')
    succeeded(status, message, '8-bit image: filter succeeds')
    reference = pixels(image.get_layers()[0])
    for precision, name in ((Gimp.Precision.U16_NON_LINEAR, '16-bit'),
                            (Gimp.Precision.FLOAT_LINEAR, '32-bit float linear')):
        check_precision(photo('coffee.png', 200, 150), precision, name, reference)


def check_precision(image, precision, name, reference):
    image.convert_precision(precision)
    layer = image.get_layers()[0]
    status, message = run_filter(image, [layer], style='wave')
    succeeded(status, message, '%s image: filter succeeds' % name)
    new = layer_above(layer)
    check(encoding(new) == encoding(layer),
          '%s image: the new layer has its precision' % name, encoding(new))
    value = psnr(pixels(new), reference)
    check(value >= 45.0, '%s image: same result as at 8 bits' % name,
          'PSNR against the 8-bit result: %.1f dB' % value)


def test_tiny_layer():
    image = Gimp.Image.new(50, 40, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, 'dot', 1, 1, Gimp.ImageType.RGB_IMAGE,
                           100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.set_offsets(3, 4)
    set_pixel(layer, (200, 120, 40))
    reference = cli(export_layer(layer, TMP + '/dot.png'), TMP + '/dot-wave.png',
                    '--style', 'wave')
    status, message = run_filter(image, [layer], style='wave')
    succeeded(status, message, '1x1 layer: filter succeeds')
    new = layer_above(layer)
    value = list(pixels(new, U8))
    expected = list(pixels(reference.get_layers()[0], U8))
    error = max(abs(a - b) for a, b in zip(value, expected))
    check((new.get_width(), new.get_height(), new.get_offsets()[1:]) == (1, 1, (3, 4))
          and len(value) == len(expected) and error <= 1,
          "1x1 layer: a 1x1 new layer, its pixel the CLI's (within 1/255)",
          'layer %s, CLI %s' % (value, expected))
    check(new.get_name() == WAVE, '1x1 layer: named after its style', new.get_name())


def test_default_style():
    image = Gimp.Image.new(24, 20, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, 'flat', 24, 20, Gimp.ImageType.RGB_IMAGE,
                           100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    status, message = run_filter(image, [layer], style='')
    succeeded(status, message, 'empty style: filter succeeds')
    new = layer_above(layer)
    check(new is not None and new.get_name() == 'The Starry Night (Neural Style)',
          'an empty style is the first installed one (The Starry Night, with Magenta)',
          new.get_name() if new else 'no new layer')


def set_pixel(layer, rgb):
    """Fills the 1x1 RGB @layer with the 8-bit colour @rgb."""
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, 1, 1), "R'G'B' u8", bytes(rgb))
    buffer.flush()
    layer.update(0, 0, 1, 1)


def test_two_layers():
    image, bottom = offset_photo()
    rocket = photo('rocket.jpg', 120, 80)
    top = Gimp.Layer.new_from_drawable(rocket.get_layers()[0], image)
    image.insert_layer(top, None, 0)
    top.set_offsets(30, 40)
    status, message = run_filter(image, [top, bottom], style='mathura')
    succeeded(status, message, 'two selected layers: filter succeeds')
    layers = image.get_layers()
    names = [layer.get_name() for layer in layers]
    # GIMP keeps layer names unique: the second one gets " #1".
    check(len(layers) == 4
          and layer_above(top).get_name() == 'Mathura (Neural Style)'
          and layer_above(bottom).get_name().startswith('Mathura (Neural Style)'),
          'two selected layers: one new layer right above each', str(names))
    check(layer_above(top).get_offsets()[1:] == (30, 40)
          and layer_above(top).get_width() == 120,
          'each new layer has its own source\'s size and offsets')
    painted(layer_above(top), top, 'the upper layer')
    painted(layer_above(bottom), bottom, 'the lower layer')


def test_layer_in_group():
    image, layer = offset_photo('rocket.jpg', 120, 80, 5, 5)
    group = Gimp.GroupLayer.new(image, 'group')
    image.insert_layer(group, None, 0)
    inner = Gimp.Layer.new_from_drawable(layer, image)
    image.insert_layer(inner, group, 0)
    status, message = run_filter(image, [inner], style='matta')
    succeeded(status, message, 'layer in a group: filter succeeds')
    new = layer_above(inner)
    check(new is not None and new.get_parent().get_id() == group.get_id()
          and len(group.get_children()) == 2,
          'layer in a group: the new layer is in the group, right above')


def test_style_installed_after_start():
    """The style argument is a string, read against the models installed
    when the filter runs, not when GIMP registered it."""
    model = os.path.join(TMP, 'models', 'dropped-in.onnx')
    shutil.copy(os.path.join(SHARED, 'models', 'scream.onnx'), model)
    image, layer = offset_photo('coffee.png', 120, 80)
    try:
        status, message = run_filter(image, [layer], style='dropped-in')
    finally:
        os.remove(model)
    succeeded(status, message, 'a model dropped in after GIMP started: filter succeeds')
    check(layer_above(layer).get_name() == 'dropped-in (Neural Style)',
          'a model dropped in after GIMP started is used',
          layer_above(layer).get_name())


def test_unknown_style():
    image, layer = offset_photo('coffee.png', 120, 80)
    refused(image, [layer], 'an unknown style', needles=["'no-such-style'"],
            style='no-such-style')


def test_corrupt_model():
    image, layer = offset_photo('coffee.png', 120, 80)
    refused(image, [layer], 'a truncated model', needles=['broken.onnx', 'corrupt'],
            style='broken')


def plug_in_processes():
    """The plug-ins painting for this GIMP: like this Python-Fu script,
    children of the GIMP that runs the tests."""
    return plugin_runs(os.getppid())


def kill_plug_in_at_progress(killed):
    """What GIMP does when the user cancels the progress: kill the plug-in
    while it paints, at its first progress report (run-tests preloads
    tests/progress-watch.c into GIMP, which tells it in
    NS_PROGRESS_WATCH)."""
    end = time.time() + 30
    while not plug_in_processes() and time.time() < end:
        time.sleep(0.01)
    for pid in plug_in_processes():
        if wait_for_progress(os.environ['NS_PROGRESS_WATCH'], pid):
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass


def test_killed_mid_run():
    for style, what, size in (('wave', 'a network', (1500, 1000)),
                              (STARRY, 'a picture', (3000, 2000))):
        image, layer = offset_photo('chelsea.png', *size)
        before = snapshot(image)
        killed = []
        killer = threading.Thread(target=kill_plug_in_at_progress, args=(killed,))
        killer.start()
        start = time.time()
        status, message = run_filter(image, [layer], style=style)
        killer.join()
        check(killed and status != Gimp.PDBStatusType.SUCCESS,
              'the plug-in killed at its first progress report (%s style): the filter fails'
              % what,
              'killed after %.1f s: %s' % (time.time() - start, message))
        unchanged(image, before, 'plug-in killed while it paints %s style' % what)
        image.select_rectangle(Gimp.ChannelOps.REPLACE, 100, 100, 64, 64)
        status, message = run_filter(image, [layer], style=style)
        succeeded(status, message, 'after the kill the filter runs again')


def picture_case(name='coffee.png', width=200, height=150):
    image, layer = offset_photo(name, width, height, 0, 0)
    source = export_layer(layer, '%s/%s-source.png' % (TMP, name))
    return image, layer, source


def test_picture_style():
    image, layer, source = picture_case()
    reference = cli(source, TMP + '/coffee-starry.png', '--style', STARRY)
    status, message = run_filter(image, [layer], style=STARRY, strength=0.9)
    succeeded(status, message, 'a picture path as the style: filter succeeds')
    new = layer_above(layer)
    check(new is not None and new.get_name() == 'starry_night.jpg (Neural Style)'
          and new.get_opacity() == 90.0,
          "the new layer is named after the picture's file, at the strength",
          new and new.get_name())
    same_as_cli(new, reference, 'a picture as the style')
    painted(new, layer, 'a picture as the style')


def test_style_amount():
    image, layer, source = picture_case()
    reference = cli(source, TMP + '/coffee-starry-half.png', '--style', STARRY,
                    '--style-amount', '0.5')
    status, message = run_filter(image, [layer], style=STARRY, style_amount=0.5)
    succeeded(status, message, 'style-amount 0.5: filter succeeds')
    half = layer_above(layer)
    same_as_cli(half, reference, 'style-amount 0.5')
    status, message = run_filter(image, [layer], style=STARRY, style_amount=1.0)
    full = layer_above(layer)
    value = psnr(pixels(half), pixels(full))
    check(value < MIN_PSNR, 'style-amount 0.5 paints otherwise than 1',
          'PSNR between them: %.1f dB' % value)


def test_style_layer_of_other_image():
    image, layer, source = picture_case('rocket.jpg', 180, 120)
    style_image = load(SCREAM)
    style_layer = style_image.get_layers()[0]
    style_layer.set_name('My scream')
    style_pixels = pixels(style_layer, U8)
    style_file = export_layer(style_layer, TMP + '/scream-layer.png')
    reference = cli(source, TMP + '/rocket-scream.png', '--style', style_file)
    status, message = run_filter(image, [layer], style='no-such-style',
                                 style_layer=style_layer)
    succeeded(status, message, 'a layer of another image as the style: filter succeeds')
    new = layer_above(layer)
    check(new is not None and new.get_name() == 'My scream (Neural Style)',
          'the new layer is named after the style layer', new and new.get_name())
    same_as_cli(new, reference, 'a layer of another image as the style')
    check(len(style_image.get_layers()) == 1
          and pixels(style_layer, U8) == style_pixels,
          'the style image is unchanged')
    style_image.delete()


def test_saved_style_by_id():
    """A style saved from a picture is then an ordinary style id."""
    done = subprocess.run([CLI, '--style', STARRY, '--save-style', 'my-starry',
                           '--title', 'My Starry'], capture_output=True, text=True)
    check(done.returncode == 0, 'neural-style --save-style saves a style', done.stderr)
    image, layer, source = picture_case()
    reference = cli(source, TMP + '/coffee-my-starry.png', '--style', 'my-starry')
    status, message = run_filter(image, [layer], style='my-starry')
    succeeded(status, message, 'the saved style by id: filter succeeds')
    new = layer_above(layer)
    check(new is not None and new.get_name() == 'My Starry (Neural Style)',
          "the new layer is named after the saved style's title",
          new and new.get_name())
    same_as_cli(new, reference, 'the saved style by id')


def test_amount_of_presets_and_saved_styles():
    """style-amount applies to every style vector, a preset's and a saved
    style's too, as `neural-style --style-amount` does (after
    test_saved_style_by_id, which saves my-starry).  The dialog test checks
    the last values."""
    image, layer, source = picture_case()
    for style, what in (('starry-night', 'a preset'), ('my-starry', 'a saved style')):
        reference = cli(source, '%s/coffee-%s-half.png' % (TMP, style), '--style', style,
                        '--style-amount', '0.5')
        status, message = run_filter(image, [layer], style=style, style_amount=0.5)
        succeeded(status, message, '%s at style-amount 0.5: filter succeeds' % what)
        half = layer_above(layer)
        same_as_cli(half, reference, '%s at style-amount 0.5' % what)
        status, message = run_filter(image, [layer], style=style, style_amount=1.0)
        full = layer_above(layer)
        value = psnr(pixels(half), pixels(full))
        check(value < MIN_PSNR, '%s: style-amount 0.5 paints otherwise than 1' % what,
              'PSNR between them: %.1f dB' % value)


def test_bad_picture():
    text = os.path.join(TMP, 'notes.txt')
    with open(text, 'w') as notes:
        notes.write('not a picture\n')
    image, layer = offset_photo('coffee.png', 120, 80)
    refused(image, [layer], 'a style file that is not a picture', needles=['notes.txt'],
            style=text)


def color_tool(*args):
    """color.py's output, or None when it fails."""
    done = subprocess.run(['/usr/bin/python3', COLOR] + list(args),
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def test_adobe_rgb_photo():
    """A photo in Adobe RGB (1998), the profile embedded, is painted as the
    CLI paints the file: GIMP hands the plug-in the layer in sRGB and takes
    the painting back into the image's space, the CLI converts to sRGB
    itself."""
    what = 'an Adobe RGB photo is painted as the CLI paints it'
    if subprocess.run(['/usr/bin/python3', '-c', 'import PIL.ImageCms, numpy'],
                      capture_output=True).returncode != 0 \
       or not os.path.exists(ADOBE_ICC):
        skip(what, 'no Pillow (python3-pil) or no icc-profiles-free')
        return
    srgb = export_layer(photo('chelsea.png', 300, 200).get_layers()[0],
                        TMP + '/chelsea-srgb.png')
    adobe = TMP + '/chelsea-adobe.png'
    if not check(color_tool('adobe', srgb, adobe) is not None,
                 'color.py makes an Adobe RGB photo'):
        return
    image = load(adobe)
    profile = image.get_color_profile()
    check(profile is not None and profile.get_label() == ADOBE_NAME,
          'the Adobe RGB photo keeps its profile when GIMP loads it',
          profile and profile.get_label())
    layer = image.get_layers()[0]
    for options, label in ((('--preserve-colors',), 'colours kept'),
                           ((), "the style's colours")):
        status, message = run_filter(image, [layer], style='wave',
                                     preserve_colors=bool(options))
        succeeded(status, message, 'Adobe RGB, %s: filter succeeds' % label)
        name = 'adobe-wave%s' % ''.join(options)
        painted = export_profiled(layer_above(layer), '%s/%s.png' % (TMP, name))
        check(color_tool('profile', painted) == ADOBE_NAME,
              'Adobe RGB, %s: the exported layer carries the profile' % label)
        cli(adobe, '%s/%s-cli.png' % (TMP, name), '--style', 'wave',
            *options).delete()
        delta = color_tool('delta', '%s/%s-cli.png' % (TMP, name), painted)
        check(delta is not None and float(delta.split()[0]) <= MAX_PROFILED_DE,
              'Adobe RGB, %s: the new layer has the CLI\'s colours' % label,
              'dE mean and largest %s, mean at most %.1f expected'
              % (delta, MAX_PROFILED_DE))


def test_indexed_refused():
    image = photo('coffee.png', 120, 80)
    image.convert_indexed(Gimp.ConvertDitherType.NONE,
                          Gimp.ConvertPaletteType.GENERATE, 16, False, False, '')
    refused(image, image.get_layers(), 'an indexed image', message=INDEXED_ERROR,
            style='wave')


def test_mix_styles():
    """A preset mixed with a picture, and a layer with a preset, as the CLI
    mixes them; a trained network and an unknown second style refused."""
    image, layer, source = picture_case()
    reference = cli(source, TMP + '/coffee-mix.png', '--style', 'starry-night',
                    '--mix-with', SCREAM, '--mix', '0.3')
    status, message = run_filter(image, [layer], style='starry-night', mix_style=SCREAM,
                                 mix=0.3)
    succeeded(status, message, 'a preset mixed with a picture: filter succeeds')
    new = layer_above(layer)
    check(new is not None
          and new.get_name() == 'The Starry Night 70 % + the_scream.jpg 30 % (Neural Style)',
          'the new layer is named after both styles and the mix', new and new.get_name())
    same_as_cli(new, reference, 'a preset mixed with a picture')
    style_image = load(STARRY)
    style_layer = style_image.get_layers()[0]
    style_layer.set_name('My starry')
    style_file = export_layer(style_layer, TMP + '/starry-layer.png')
    reference = cli(source, TMP + '/coffee-layer-mix.png', '--style', style_file,
                    '--mix-with', 'great-wave', '--mix', '0.6')
    status, message = run_filter(image, [layer], style_layer=style_layer,
                                 mix_style='great-wave', mix=0.6)
    succeeded(status, message, 'a layer mixed with a preset: filter succeeds')
    same_as_cli(layer_above(layer), reference, 'a layer mixed with a preset')
    style_image.delete()
    refused(image, [layer], 'a trained network mixed', style='wave', mix_style='great-wave',
            needles=["Style 'wave' is a trained network"])
    refused(image, [layer], 'an unknown second style', style='starry-night',
            mix_style='no-such-style', needles=["no-such-style"])


run_tests([
    test_registration,
    test_rgb_matches_cli,
    test_options_match_cli,
    test_selection_mask,
    test_selection_misses_layer,
    test_alpha_kept,
    test_grayscale,
    test_precision,
    test_tiny_layer,
    test_default_style,
    test_two_layers,
    test_layer_in_group,
    test_style_installed_after_start,
    test_unknown_style,
    test_corrupt_model,
    test_indexed_refused,
    test_adobe_rgb_photo,
    test_picture_style,
    test_style_amount,
    test_style_layer_of_other_image,
    test_saved_style_by_id,
    test_amount_of_presets_and_saved_styles,
    test_mix_styles,
    test_bad_picture,
    test_killed_mid_run,
])
