"""gimp2test.py: what the GIMP 2.10 tests share.

A temporary GIMP profile with the built plug-in in it, GIMP runs that
report facts ("NS|key|value" gimp-message lines, see ns-lib.scm), the CLI
for reference pixels, pixel comparisons, and TAP output.

Run with /usr/bin/python3: it needs cv2 and numpy.
"""

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import gimpcommon  # noqa: E402  (tests/)
from gimpcommon import PLUGIN_NAME  # noqa: E402

GIMP_CONSOLE = "gimp-console-2.10"
WAVE_TITLE = "The Great Wave off Kanagawa"
FACT = re.compile(r"script-fu-Warning: NS\|([^|\n]*)\|(.*?)(?=\n\n|\Z)", re.S)
BATCH_ERROR = "batch command experienced an execution error"
MIN_PSNR = 35.0  # dB: the CLI's pixels, up to rounding
PAINTED_BELOW_DB = 20.0  # a painting is far from its source


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True, help="the built gimp-neural-style")
    parser.add_argument("--cli", required=True, help="the built neural-style command")
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--shared", required=True, help="../shared: models, test-images")
    parser.add_argument("--installed-models", default="/usr/local/share/neural-style/models",
                        help="the models folder of the build's prefix")
    parser.add_argument("--screenshot", help="where the dialog test saves its screenshot")
    parser.add_argument("--gegl-module", help="the built GEGL module, neural-style-gegl.so")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


class Tap:
    """TAP output; the plan comes last, so checks may depend on results."""

    def __init__(self):
        self.count = 0
        self.failed = 0
        self.prefix = ""  # before each description, for cases run in turn

    def comment(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line, flush=True)

    def ok(self, passed, description, diagnostic=None):
        self.count += 1
        if not passed:
            self.failed += 1
        print("%s %d - %s%s" % ("ok" if passed else "not ok", self.count, self.prefix,
                                description))
        if diagnostic:
            self.comment(diagnostic)
        sys.stdout.flush()
        return passed

    def equal(self, description, expected, seen):
        return self.ok(expected == seen, description,
                       "expected %r, saw %r" % (expected, seen))

    def contains(self, description, text, needles):
        missing = [n for n in needles if n not in (text or "")]
        return self.ok(not missing, description,
                       "expected a message containing %r; saw %r" % (needles, text))

    def finish(self):
        print("1..%d" % self.count, flush=True)
        return 1 if self.failed else 0


class Fixture:
    """A temporary folder with a GIMP profile holding the built plug-in."""

    def __init__(self, args, name):
        self.args = args
        self.root = tempfile.mkdtemp(prefix="ns-gimp2-%s-" % name)
        self.out = self.path("out")
        self.profile = self.path("profile")
        self.catalog = os.path.join(args.source_root, "models", "catalog.ini")
        self.models = os.path.join(args.shared, "models")
        # Magenta's networks, under their official names, for picture styles
        self.magenta = os.path.join(self.models, "magenta")
        self.images = os.path.join(args.shared, "test-images")
        os.makedirs(self.out)
        plugin_dir = os.path.join(self.profile, "plug-ins", PLUGIN_NAME)
        os.makedirs(plugin_dir)
        shutil.copy2(args.plugin, plugin_dir)
        for data in ("brushes", "dynamics", "gradients", "patterns", "palettes",
                     "tool-presets", "fonts", "tags"):
            os.makedirs(os.path.join(self.profile, data), exist_ok=True)
        with open(os.path.join(self.profile, "gimprc"), "w") as gimprc:
            gimprc.write("(check-updates no)\n(restore-session no)\n(save-session-info no)\n"
                         "(color-profile-policy keep)\n")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def out_path(self, name):
        return os.path.join(self.out, name)

    def user_models(self):
        """The user model folder, where saved styles go (XDG_DATA_HOME)."""
        return self.path("user-data", "neural-style", "models")

    def env(self, **extra):
        """The environment GIMP and the CLI run in: the source catalog, the
        shared models, never the developer's own installed models, saved
        styles or cached swatches."""
        env = dict(os.environ)
        env["GIMP2_DIRECTORY"] = self.profile
        env["NEURAL_STYLE_CATALOG"] = self.catalog
        env["NEURAL_STYLE_MODEL_PATH"] = self.models + ":" + self.magenta
        env["XDG_DATA_HOME"] = self.path("user-data")
        env["XDG_CACHE_HOME"] = self.path("cache")
        env.update(extra)
        return env

    def cleanup(self):
        if self.args.keep:
            print("# kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def scheme_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def scheme_setup(fixture):
    """Script-Fu that defines what ns-lib.scm needs and loads it."""
    return "(define ns-out %s) (define ns-images %s) (load %s)" % (
        scheme_string(fixture.out), scheme_string(fixture.images),
        scheme_string(os.path.join(HERE, "ns-lib.scm")))


def gimp_batch_argv(fixture, case_file, defines=None):
    """One -b command: Script-Fu definitions last only as long as one.
    @defines: {name: string} for the case file, before it runs."""
    values = " ".join("(define %s %s)" % (name, scheme_string(value))
                      for name, value in (defines or {}).items())
    command = "(begin %s %s (load %s))" % (scheme_setup(fixture), values,
                                           scheme_string(os.path.join(HERE, case_file)))
    return [GIMP_CONSOLE, "-i", "-d", "-f", "-b", command, "-b", "(gimp-quit 0)"]


class GimpRun:
    """What a batch run of GIMP reported."""

    def __init__(self, stderr, seconds):
        self.stderr = stderr
        self.seconds = seconds
        self.facts = {}
        for key, value in FACT.findall(stderr):
            self.facts[key] = value.strip()

    def fact(self, key, default=None):
        return self.facts.get(key, default)

    def ints(self, key):
        value = self.facts.get(key)
        return [int(float(v)) for v in value.split()] if value else None

    def number(self, key):
        value = self.facts.get(key)
        return float(value) if value not in (None, "") else None

    def batch_error(self):
        """The Script-Fu error that stopped the case file, or None."""
        index = self.stderr.find(BATCH_ERROR)
        if index < 0:
            return None
        return self.stderr[index:index + 600]


def run_gimp(fixture, case_file, env=None, timeout=600):
    start = time.monotonic()
    proc = subprocess.run(gimp_batch_argv(fixture, case_file),
                          env=env or fixture.env(), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, text=True, errors="replace")
    return GimpRun(proc.stdout, time.monotonic() - start)


class LiveGimp:
    """A batch GIMP still running: its output read as it comes, timed."""

    def __init__(self, fixture, case_file, env=None, defines=None):
        self.start = time.monotonic()
        self.proc = subprocess.Popen(gimp_batch_argv(fixture, case_file, defines),
                                     env=env or fixture.env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic() - self.start, line))

    def fact_time(self, key):
        """Seconds from GIMP's start to the fact @key, or None."""
        tag = "NS|%s|" % key
        return next((t for t, line in list(self.lines) if tag in line), None)

    def wait(self, timeout=600):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(10)
        return GimpRun("".join(line for _, line in self.lines), time.monotonic() - self.start)


def check_batch_ran(tap, run, description):
    """One TAP line saying the case file ran to its end."""
    error = run.batch_error()
    done = run.fact("done") == "yes"
    diagnostic = "GIMP took %.1f s" % run.seconds
    if not done:
        diagnostic += "; the case file stopped early:\n" + (error or run.stderr[-2000:])
    return tap.ok(done and error is None, description, diagnostic)


# Pixels

def read_image(path):
    """The file's pixels as stored (8 or 16 bit, 1, 3 or 4 channels), or None."""
    if not os.path.exists(path):
        return None
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def to_float(image):
    scale = 65535.0 if image.dtype == np.uint16 else 255.0
    return image.astype(np.float64) / scale


def color(image):
    """The colour channels, BGR or gray, without alpha."""
    if image.ndim == 3 and image.shape[2] in (2, 4):
        return image[:, :, :-1]
    return image


def psnr(a, b):
    """PSNR in dB of two images (8 or 16 bit), 0..1 peak; NaN (fails any
    threshold) when their shapes differ."""
    if a.shape != b.shape:
        return float("nan")
    return gimpcommon.psnr(to_float(a).ravel().tolist(), to_float(b).ravel().tolist())


def max_error(a, b):
    """The largest difference between two images of the same shape, in levels."""
    return int(np.abs(a.astype(int) - b.astype(int)).max())


def shape_of(image):
    return None if image is None else image.shape


def check_same_pixels(tap, description, before_path, after_path):
    """One TAP line: the two exports hold the same pixels."""
    before, after = read_image(before_path), read_image(after_path)
    same = before is not None and after is not None and np.array_equal(before, after)
    text = "before %s, after %s" % (shape_of(before), shape_of(after))
    if not same and before is not None and after is not None and before.shape == after.shape:
        text += ": %d values differ" % np.count_nonzero(before != after)
    return tap.ok(same, description, text)


def srgb_to_linear(v):
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(np.maximum(v, 0), 1 / 2.4) - 0.055)


def blend(source, top, opacity, linear=True):
    """@top at @opacity over @source, 8-bit, mixed in linear light as GIMP
    2.10 composites a "Normal" layer (or, with @linear FALSE, not)."""
    s, t = to_float(source), to_float(top)
    if linear:
        s, t = srgb_to_linear(s), srgb_to_linear(t)
    mixed = s + (t - s) * opacity
    return np.round((linear_to_srgb(mixed) if linear else mixed) * 255).astype(np.uint8)


def check_painted(tap, description, new, source):
    """One TAP line: @new is a painting of @source, not a copy of it."""
    value = psnr(color(new), color(source))
    return tap.ok(value < PAINTED_BELOW_DB, description,
                  "PSNR against the source %.1f dB, expected < %.0f dB"
                  % (value, PAINTED_BELOW_DB))


def run_cli(fixture, source_png, out_png, style_args=("--style", "wave")):
    """The CLI's painting of @source_png (by default in the style the cases
    use)."""
    argv = [fixture.args.cli, *style_args, source_png, out_png]
    proc = subprocess.run(argv, env=fixture.env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    return proc.returncode, proc.stdout, read_image(out_png)


def check_like_cli(tap, fixture, label, source, new, where=None, style_args=("--style", "wave")):
    """Two TAP lines: the CLI paints the pixels @source (written to
    <label>-cli-input.png) with @style_args, and @new's colour channels
    equal its painting's (at the pixels @where, a mask, when given)."""
    name = re.sub(r"\W+", "-", label)
    cli_input = fixture.out_path(name + "-cli-input.png")
    cv2.imwrite(cli_input, source)
    code, output, cli = run_cli(fixture, cli_input, fixture.out_path(name + "-cli.png"),
                                style_args)
    if not tap.ok(code == 0 and cli is not None and new is not None and cli.shape == new.shape,
                  "%s: the CLI paints the same source" % label,
                  "exit %d, output %s vs layer %s: %s"
                  % (code, shape_of(cli), shape_of(new), output.strip())):
        return False
    new, cli = color(new), color(cli)
    if where is not None:
        new, cli = new[where], cli[where]
    value = psnr(new, cli)
    return tap.ok(value >= MIN_PSNR,
                  "%s: the new layer's pixels equal the CLI's (%s)"
                  % (label, " ".join(os.path.basename(a) for a in style_args)),
                  "PSNR %.2f dB, expected >= %.0f dB" % (value, MIN_PSNR))


def cli_styles(fixture, **env):
    """{id: installed}, in order, as `neural-style --list-styles` says (in
    the fixture's environment, with @env)."""
    proc = subprocess.run([fixture.args.cli, "--list-styles"], env=fixture.env(**env),
                          stdout=subprocess.PIPE, text=True, timeout=60)
    styles = {}
    for line in proc.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            styles[fields[0]] = fields[1] == "installed"
    return styles


def catalog(fixture):
    """The source catalog (GKeyFile, which configparser reads)."""
    keys = configparser.RawConfigParser(strict=False, interpolation=None)
    keys.read(fixture.catalog)
    return keys


def main(test_function, name):
    """Runs @test_function (fixture, tap) and exits with TAP's verdict."""
    args = parse_args()
    tap = Tap()
    fixture = Fixture(args, name)
    try:
        test_function(fixture, tap)
    except Exception:  # a broken test is a failed test
        tap.ok(False, "the test itself ran to its end", traceback.format_exc())
    finally:
        fixture.cleanup()
    sys.exit(tap.finish())
