"""nstest: what the GIMP 3 Python-Fu tests share.

Runs inside GIMP (python-fu-eval).  Results go to $NS_TEST_OUT as TAP lines
without numbers ("ok - ...", "not ok - ...", "# ..."); run-tests numbers
them.  Pixels are read back whole, through GEGL.
"""
import array
import math
import os
import subprocess
import traceback

import gi
gi.require_version('Gimp', '3.0')
gi.require_version('Gegl', '0.4')
gi.require_version('Babl', '0.1')
from gi.repository import Babl, Gegl, Gimp, Gio  # noqa: E402

import gimpcommon  # noqa: E402  (tests/, on the path from run-tests)

PROCEDURE = 'plug-in-neural-style'
SHARED = os.environ['NS_TEST_SHARED']
TMP = os.environ['NS_TEST_TMP']
CLI = os.environ['NS_CLI']
FLOAT = "R'G'B'A float"
U8 = "R'G'B'A u8"


# TAP

def emit(line):
    with open(os.environ['NS_TEST_OUT'], 'a') as out:
        out.write(line + '\n')


def comment(text):
    for line in str(text).splitlines():
        emit('# ' + line)


def check(ok, description, note=None):
    emit(('ok - ' if ok else 'not ok - ') + description)
    if note is not None:
        comment(note)
    return ok


def skip(description, reason):
    emit('ok - %s # SKIP %s' % (description, reason))


def run_tests(tests):
    """Runs each function; one that raises counts as one failed test."""
    for test in tests:
        try:
            test()
        except Exception:
            check(False, '%s ran to the end' % test.__name__,
                  traceback.format_exc())
    emit('# done')


# Images

def load(path):
    return Gimp.file_load(Gimp.RunMode.NONINTERACTIVE,
                          Gio.File.new_for_path(path))


def photo(name, width, height):
    """A photo from ../shared/test-images, scaled down for speed."""
    image = load(os.path.join(SHARED, 'test-images', name))
    image.scale(width, height)
    return image


def save(image, path):
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image,
                   Gio.File.new_for_path(path), None)
    return path


def export_layer(layer, path):
    """@layer alone, at its own size, as a file the CLI can read."""
    source = layer.get_image()
    image = Gimp.Image.new_with_precision(layer.get_width(),
                                          layer.get_height(),
                                          source.get_base_type(),
                                          source.get_precision())
    copy = Gimp.Layer.new_from_drawable(layer, image)
    image.insert_layer(copy, None, 0)
    copy.set_offsets(0, 0)
    save(image, path)
    image.delete()
    return path


def export_profiled(layer, path):
    """@layer alone, at full opacity, as a PNG carrying its image's colour
    profile (export_layer's new image has none: sRGB)."""
    source = layer.get_image()
    image = Gimp.Image.new_with_precision(layer.get_width(),
                                          layer.get_height(),
                                          source.get_base_type(),
                                          source.get_precision())
    # Before the copy: a layer copied between images of two profiles is
    # converted.
    image.set_color_profile(source.get_color_profile())
    copy = Gimp.Layer.new_from_drawable(layer, image)
    image.insert_layer(copy, None, 0)
    copy.set_offsets(0, 0)
    copy.set_opacity(100.0)
    # Gimp.file_save() leaves the profile out: the PNG exporter's
    # registered default is no profile.
    procedure = Gimp.get_pdb().lookup_procedure('file-png-export')
    config = procedure.create_config()
    config.set_property('run-mode', Gimp.RunMode.NONINTERACTIVE)
    config.set_property('image', image)
    config.set_property('file', Gio.File.new_for_path(path))
    config.set_property('include-color-profile', True)
    status = procedure.run(config).index(0)
    image.delete()
    if status != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError('file-png-export failed on ' + path)
    return path


def cli(source, dest, *options):
    """The `neural-style` command on @source; its output as a GIMP image."""
    done = subprocess.run([CLI, '--quiet'] + list(options) + [source, dest],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError('neural-style failed: ' + done.stderr)
    return load(dest)


# Pixels

def pixels(drawable, fmt=FLOAT, rect=None):
    """All of @drawable's pixels (or @rect of them) in @fmt: an array of
    floats for float formats, else bytes."""
    if rect is None:
        rect = (0, 0, drawable.get_width(), drawable.get_height())
    data = drawable.get_buffer().get(Gegl.Rectangle.new(*rect), 1.0, fmt,
                                     Gegl.AbyssPolicy.NONE)
    return array.array('f', data) if 'float' in fmt else data


def psnr(a, b):
    """PSNR in dB of the colour channels of two RGBA arrays (pixels()'s
    floats), values 0..1; NaN (fails any threshold) when their sizes
    differ."""
    if len(a) != len(b):  # stripping alpha could hide it
        return math.nan
    return gimpcommon.psnr([v for i, v in enumerate(a) if i % 4 != 3],
                           [v for i, v in enumerate(b) if i % 4 != 3])


def encoding(drawable):
    return Babl.format_get_encoding(drawable.get_format())


def snapshot(image):
    """What must not change when the filter fails: the layers and their
    pixels."""
    return [(layer.get_id(), layer.get_name(), pixels(layer, U8))
            for layer in image.get_layers()]


# The filter

def run_filter(image, drawables, mode=Gimp.RunMode.NONINTERACTIVE, **args):
    """Runs the procedure; returns (status, error message or None)."""
    procedure = Gimp.get_pdb().lookup_procedure(PROCEDURE)
    config = procedure.create_config()
    config.set_property('run-mode', mode)
    config.set_property('image', image)
    config.set_core_object_array('drawables', drawables)
    for name, value in args.items():
        config.set_property(name.replace('_', '-'), value)
    result = procedure.run(config)
    message = result.index(1) if result.length() > 1 else None
    return result.index(0), message


def succeeded(status, message, description):
    return check(status == Gimp.PDBStatusType.SUCCESS, description,
                 None if message is None else 'error: %s' % message)


def unchanged(image, before, what):
    """One TAP line: @image has the layers and pixels of snapshot @before."""
    return check(snapshot(image) == before,
                 '%s: layers and pixels unchanged' % what)


def refused(image, drawables, what, message=None, needles=(), **args):
    """Runs the filter on @drawables with @args; it must fail with an
    execution error whose message is @message (when given) and holds each
    of @needles, and leave @image as it was.  Two TAP lines."""
    before = snapshot(image)
    status, text = run_filter(image, drawables, **args)
    check(status == Gimp.PDBStatusType.EXECUTION_ERROR and text is not None
          and (message is None or text == message)
          and all(needle in text for needle in needles),
          '%s is refused with the message' % what, text)
    return unchanged(image, before, what)


def layer_above(layer):
    """The layer right above @layer in its stack, or None."""
    parent = layer.get_parent()
    stack = parent.get_children() if parent else layer.get_image().get_layers()
    index = [item.get_id() for item in stack].index(layer.get_id())
    return stack[index - 1] if index > 0 else None
