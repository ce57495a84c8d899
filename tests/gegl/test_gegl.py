"""Python-Fu tests of neural-style:paint, GIMP 3's non-destructive filter.

Run by run-tests inside gimp-console-3.0 (python-fu-eval), once per part
($NS_GEGL_PART), each in a new GIMP process:

  apply      the filter appended to a layer: the flattened image against
             the CLI, opacity changes, exports and flattens that do not run
             the network again, a property change that does; errors; the
             image saved as $NS_TEST_TMP/filter.xcf (with the expected
             pixels beside it, filter.png)
  reopen     filter.xcf in a new GIMP: the filter, its properties, the same
             pixels; a property changed repaints
  no-module  filter.xcf where GEGL lacks the module: the layer's own pixels
             (run-tests checks GIMP's warning in the log)

How often the network ran is read from this GIMP's own log
($NS_TEST_LOG): the module says so (G_MESSAGES_DEBUG=NeuralStyle).
"""
import os
import time

from nstest import (SHARED, TMP, Gimp, Gio, check, cli, comment, export_layer, load,
                    photo, pixels, psnr, run_tests, save, snapshot, U8)

OP = 'neural-style:paint'
PART = os.environ['NS_GEGL_PART']
LOG = os.environ['NS_TEST_LOG']
XCF = os.path.join(TMP, 'filter.xcf')
EXPECTED = os.path.join(TMP, 'filter.png')
SOURCE = os.path.join(TMP, 'source.png')
MIN_PSNR = 30.0         # dB against the CLI at the same strength
SAME_PSNR = 45.0        # dB: the same rendering, up to 8-bit rounding
MAX_SOURCE_PSNR = 25.0  # dB: anything closer to the source is not painted
OPACITY = 0.6


def network_runs():
    """How many times the module ran the network in this GIMP so far."""
    with open(LOG, errors='replace') as log:
        return log.read().count('neural-style:paint ran the network')


def add_filter(layer, opacity=1.0, **properties):
    """Appends the filter to @layer as a script does; returns it."""
    drawable_filter = Gimp.DrawableFilter.new(layer, OP, 'Neural Style')
    config = drawable_filter.get_config()
    for name, value in properties.items():
        config.set_property(name.replace('_', '-'), value)
    drawable_filter.set_opacity(opacity)
    drawable_filter.update()
    layer.append_filter(drawable_filter)
    return drawable_filter


def rendered(image):
    """What the image shows, filters merged: a flattened duplicate's
    pixels (the image itself keeps its filter)."""
    copy = image.duplicate()
    layer = copy.flatten()
    result = pixels(layer)
    copy.delete()
    return result


def rendered_u8(image):
    copy = image.duplicate()
    layer = copy.flatten()
    result = pixels(layer, U8)
    copy.delete()
    return result


def against_cli(image, what, *options):
    reference = cli(SOURCE, os.path.join(TMP, 'cli.png'), *options)
    value = psnr(rendered(image), pixels(reference.get_layers()[0]))
    reference.delete()
    return check(value >= MIN_PSNR, '%s matches `neural-style %s`'
                 % (what, ' '.join(options)),
                 'PSNR against the CLI: %.1f dB' % value)


def chelsea():
    image = photo('chelsea.png', 300, 200)
    export_layer(image.get_layers()[0], SOURCE)
    return image, image.get_layers()[0]


# apply

def test_registration():
    image, layer = chelsea()
    drawable_filter = Gimp.DrawableFilter.new(layer, OP, 'Neural Style')
    check(drawable_filter is not None and
          drawable_filter.get_operation_name() == OP,
          'Gimp.DrawableFilter.new makes a neural-style:paint filter')
    config = drawable_filter.get_config()
    names = [p.name for p in config.list_properties()]
    comment('properties: %s' % ', '.join(names))
    defaults = {'style': 'starry-night', 'style-amount': 1.0,
                'preserve-colors': False, 'scale': 1.0}
    check(all(config.get_property(k) == v for k, v in defaults.items()),
          'defaults: the first installed style, amount 1, colors off, scale 1',
          repr([(k, config.get_property(k)) for k in defaults]))
    scale = config.find_property('scale')
    amount = config.find_property('style-amount')
    check((scale.minimum, scale.maximum, amount.minimum, amount.maximum)
          == (0.25, 4.0, 0.0, 1.0),
          'ranges as the procedure: scale 0.25..4, style amount 0..1')
    image.delete()


def test_apply():
    image, layer = chelsea()
    before = pixels(layer)
    runs = network_runs()
    drawable_filter = add_filter(layer, style='wave')
    check(len(layer.get_filters()) == 1, 'append_filter: the layer has the filter')
    check(pixels(layer) == before, "the layer's own pixels stay as they were")
    against_cli(image, 'flattened, opacity 1,', '--style', 'wave')
    check(network_runs() == runs + 1, 'the network ran once',
          'runs: %d' % (network_runs() - runs))

    drawable_filter.set_opacity(OPACITY)
    drawable_filter.update()
    against_cli(image, 'opacity %g,' % OPACITY, '--style', 'wave',
                '--strength', str(OPACITY))
    save(image, os.path.join(TMP, 'export.png'))
    rendered(image)
    check(network_runs() == runs + 1,
          'an opacity change, an export and two flattens: the network did not run again',
          'runs: %d' % (network_runs() - runs))

    # At full opacity: GIMP blends a filter's opacity in linear light, the
    # CLI's strength in perceptual values, which differ more the further
    # the painting's colours are from the photo's (README).
    config = drawable_filter.get_config()
    config.set_property('style', 'mathura')
    drawable_filter.set_opacity(1.0)
    drawable_filter.update()
    mathura = rendered(image)
    check(network_runs() == runs + 2, 'a style change runs the network once more')
    against_cli(image, 'mathura,', '--style', 'mathura')
    drawable_filter.set_opacity(OPACITY)
    config.set_property('style', 'wave')
    config.set_property('preserve-colors', True)
    drawable_filter.update()
    colors = rendered(image)
    check(psnr(colors, mathura) < MAX_SOURCE_PSNR,
          'preserve-colors repaints', '%.1f dB from mathura' % psnr(colors, mathura))
    against_cli(image, 'wave, preserve colors,', '--style', 'wave',
                '--preserve-colors', '--strength', str(OPACITY))
    config.set_property('preserve-colors', False)
    drawable_filter.update()
    runs_before_save = network_runs()
    save(image, XCF)
    save(image.duplicate(), EXPECTED)
    check(network_runs() == runs_before_save,
          'back to a painting made before, saved as .xcf: the kept painting, no new run',
          'runs: %d' % (network_runs() - runs))
    image.delete()


def fails_cleanly(what, layer_of, **properties):
    """The filter on a layer where it cannot paint: GIMP goes on, the layer
    shows its own pixels."""
    image, layer = layer_of()
    before = snapshot(image)
    shown = rendered_u8(image)
    add_filter(layer, **properties)
    check(rendered_u8(image) == shown,
          '%s: the image shows the layer as it was' % what)
    check(snapshot(image) == before, "%s: the layer's own pixels unchanged" % what)
    check(Gimp.get_images() is not None, '%s: GIMP goes on' % what)
    image.delete()


def small_chelsea():
    image = photo('chelsea.png', 60, 40)
    return image, image.get_layers()[0]


def test_errors():
    fails_cleanly('a style not installed (candy-9)', small_chelsea, style='candy-9')
    # A model that was there when GIMP started and is gone now.
    os.remove(os.path.join(TMP, 'models', 'gone.onnx'))
    fails_cleanly('a missing model file', small_chelsea, style='gone')
    fails_cleanly('a truncated model', small_chelsea, style='broken')
    with open(LOG, errors='replace') as log:
        text = log.read()
    for needle in ("'candy-9' is not installed", "Unknown style 'gone'",
                   'broken.onnx\' is truncated or corrupt'):
        check('the layer is left as it was: ' in text and needle in text,
              "GIMP's messages say why: %s" % needle)


def test_picture():
    """A picture as the style, where libgimp hands scripts the file-path
    property (GIMP 3.2; 3.0 drops it)."""
    image, layer = small_chelsea()
    probe = Gimp.DrawableFilter.new(layer, OP, 'probe')
    if probe.get_config().find_property('picture') is None:
        check(True, 'picture # SKIP this libgimp hands scripts no file-path property')
        image.delete()
        return
    probe.delete()
    notes = os.path.join(TMP, 'notes.png')
    with open(notes, 'w') as out:
        out.write('not a picture')
    fails_cleanly('a picture that is not one', small_chelsea, picture=notes)
    image, layer = chelsea()
    painting = os.path.join(SHARED, 'test-images', 'styles', 'starry_night.jpg')
    add_filter(layer, picture=painting)
    against_cli(image, 'a picture as the style,', '--style', painting)
    image.delete()


def test_tiny_layer():
    """A 1x1 layer: painted as the CLI paints it; GIMP goes on."""
    image = Gimp.Image.new(1, 1, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, 'pixel', 1, 1, Gimp.ImageType.RGB_IMAGE,
                           100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.fill(Gimp.FillType.WHITE)
    export_layer(layer, os.path.join(TMP, 'pixel.png'))
    before = pixels(layer)
    add_filter(layer, style='wave')
    shown = rendered(image)
    reference = cli(os.path.join(TMP, 'pixel.png'), os.path.join(TMP, 'pixel-cli.png'),
                    '--style', 'wave')
    expected = pixels(reference.get_layers()[0])
    check(max(abs(a - b) for a, b in zip(shown, expected)) <= 1.0 / 255,
          "1x1 layer: GIMP goes on, the pixel shown is the CLI's",
          '%r vs %r' % (list(shown), list(expected)))
    check(pixels(layer) == before, "1x1 layer: the layer's own pixel unchanged")
    image.delete()


# reopen

def test_reopen():
    image = load(XCF)
    layer = image.get_layers()[0]
    filters = layer.get_filters()
    check(len(filters) == 1 and filters[0].get_operation_name() == OP,
          'the reopened .xcf has the filter',
          repr([f.get_operation_name() for f in filters]))
    if not filters:
        return
    drawable_filter = filters[0]
    config = drawable_filter.get_config()
    values = [(name, config.get_property(name))
              for name in ('style', 'style-amount', 'preserve-colors', 'scale')]
    check(values == [('style', 'wave'), ('style-amount', 1.0),
                     ('preserve-colors', False), ('scale', 1.0)]
          and abs(drawable_filter.get_opacity() - OPACITY) < 1e-6,
          'with its properties and opacity', repr(values))
    expected = load(EXPECTED)
    value = psnr(rendered(image), pixels(expected.get_layers()[0]))
    check(value >= SAME_PSNR, 'renders the pixels it rendered when saved',
          '%.1f dB' % value)
    runs = network_runs()
    config.set_property('scale', 2.0)
    drawable_filter.update()
    scaled = rendered(image)
    value = psnr(scaled, pixels(expected.get_layers()[0]))
    check(network_runs() == runs + 1 and value < MAX_SOURCE_PSNR,
          'stroke scale 2: painted again, another painting', '%.1f dB' % value)
    image.delete()


# no-module

def test_no_module():
    image = load(XCF)
    layer = image.get_layers()[0]
    check(len(layer.get_filters()) == 0, 'without the module the filter is dropped')
    source = load(SOURCE)
    value = psnr(rendered(image), pixels(source.get_layers()[0]))
    check(value >= SAME_PSNR, "the layer shows its own pixels", '%.1f dB' % value)


# measure (not a test: run-tests runs it with NS_GEGL_ONLY=measure)

def process_lines():
    with open(LOG, errors='replace') as log:
        return [line.split('neural-style:paint ', 1)[1].strip()
                for line in log if 'neural-style:paint ' in line]


def measure(what, action):
    """Runs @action; comments on what the module did meanwhile."""
    seen = len(process_lines())
    start = time.time()
    action()
    lines = process_lines()[seen:]
    comment('%s: %.2f s in all; the module: %s'
            % (what, time.time() - start, '; '.join(lines) or 'not called'))


def test_measure():
    for width, height in ((2000, 1500), (4000, 3000)):
        image = photo('rocket.jpg', width, height)
        layer = image.get_layers()[0]
        comment('%d x %d (%.0f MP)' % (width, height, width * height / 1e6))
        holder = []
        measure('filter added (wave) and shown',
                lambda: (holder.append(add_filter(layer, style='wave')),
                         rendered(image)))
        drawable_filter = holder[0]

        def opacity():
            drawable_filter.set_opacity(0.5)
            drawable_filter.update()
            rendered(image)
        measure('opacity 0.5', opacity)

        def colors():
            drawable_filter.get_config().set_property('preserve-colors', True)
            drawable_filter.update()
            rendered(image)
        measure('preserve colors on', colors)
        measure('flattened again', lambda: rendered(image))
        image.delete()


PARTS = {
    'measure': [test_measure],
    'apply': [test_registration, test_apply, test_errors, test_picture,
              test_tiny_layer],
    'reopen': [test_reopen],
    'no-module': [test_no_module],
}

run_tests(PARTS[PART])
