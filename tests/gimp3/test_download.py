"""The dialog's Download buttons in a real GIMP 3 window: the GIMP side.

Runs inside gimp-3.x under Xvfb, started by download-driver, which
presses the keys, with a catalog cut down to the Magenta networks, two of
their presets (starry-night, great-wave) and the ml5 styles mathura (MIT),
wave and la_muse (research use only), a mirror on a local HTTP server
(NEURAL_STYLE_MIRROR) and an empty model folder ($XDG_DATA_HOME's).  The
two meet through marker files in $NS_DOWNLOAD_DIR; the driver keeps the
dialog's state at each step (state-NAME), checked here once the dialog
has closed.

NS_DOWNLOAD_PART=files (the mirror serves the files as they are):
  here: ready; the dialog opens at the dropped-in rain_princess.onnx.
  driver: selects starry-night (not installed), Download, waits until its
        row is installed with its swatch, OK.
  here: ran; the new layer against the CLI's --style starry-night.
  here: ready2, the dialog again.
  driver: wave (research only): Download, the terms, Escape; Download,
        Accept and Download; la_muse (its files served with one byte
        changed): Download, Accept, the failure; Download all free styles;
        Escape.
  here: ran2; what is in the model folder.
NS_DOWNLOAD_PART=trickle (the mirror sends 2 bytes a second):
  here: ready3, the dialog.
  driver: starry-night, Download, the progress, Stop Download; Download
        again, Escape in the middle (written in `escaped`).
  here: ran3; the dialog closed at once, nothing installed.
"""
import os
import re
import subprocess
import time

from nstest import (CLI, Gimp, check, cli, comment, export_layer, layer_above, photo,
                    pixels, psnr, run_filter, run_tests, succeeded)

DIALOG = os.environ['NS_DOWNLOAD_DIR']
PART = os.environ['NS_DOWNLOAD_PART']
MODELS = os.path.join(os.environ['XDG_DATA_HOME'], 'neural-style', 'models')
MAGENTA = {'magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite',
           'magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite'}


def mark(name, text=''):
    with open(os.path.join(DIALOG, name), 'w') as marker:
        marker.write(text)


def read_state(name):
    try:
        with open(os.path.join(DIALOG, 'state-' + name)) as state:
            return dict(line.rstrip('\n').split('\t', 1) for line in state if '\t' in line)
    except OSError:
        return {}


def rows(state):
    """{id: (installed, swatch ready)} from the state's rows."""
    found = {}
    for row in state.get('rows', '').split():
        id_, installed, ready = row.rsplit(':', 2)
        found[id_] = (installed == '1', ready == '1')
    return found


def check_state(name, what, **expected):
    state = read_state(name)
    expected = {key.replace('_', '-'): value for key, value in expected.items()}
    expected['mnemonics-twice'] = ''
    seen = {key: state.get(key) for key in expected}
    return check(seen == expected, 'download state: %s' % what,
                 'expected %s, saw %s (mnemonics: %s)' % (expected, seen, state.get('mnemonics')))


def catalog_value(style, key):
    """@style's @key in the catalog, as written there."""
    catalog = open(os.environ['NEURAL_STYLE_CATALOG'], encoding='utf-8').read()
    group = re.search(r'^\[%s\]\n((?:[^[].*\n)*)' % re.escape(style), catalog, re.M).group(1)
    return re.search(r'^%s=(.*)$' % key, group, re.M).group(1)


def license_of(style):
    return catalog_value(style, 'license')


def question_of(style):
    """The question above @style's terms: the author's terms, not only
    "non-commercial" (wave's and la_muse's allow research use only)."""
    return "\u201c%s\u201d may be used only as its author's terms allow" % catalog_value(style, 'title')


def in_models():
    return set(os.listdir(MODELS)) if os.path.isdir(MODELS) else set()


def listed_installed(style):
    """Whether the CLI, with the same catalog and folders, lists @style
    installed."""
    listing = subprocess.run([CLI, '--list-styles'], capture_output=True,
                             text=True, check=True).stdout
    return any(line.split()[:2] == [style, 'installed'] for line in listing.splitlines())


def test_download_and_paint():
    image = photo('chelsea.png', 300, 200)
    layer = image.get_layers()[0]
    Gimp.Display.new(image)
    Gimp.displays_flush()
    mark('ready')
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE, style='',
                                 strength=1.0)
    mark('ran')
    succeeded(status, message, 'download: OK runs the filter')
    state = read_state('not-installed')
    check_state('not-installed', 'starry-night not installed, selected: OK off, Download on '
                'with its size', selected='starry-night', style='', ok_sensitive='0',
                download_sensitive='1', download_state='idle')
    check(re.fullmatch(r'_Download \(3\.3\sMB\)', state.get('download-label', '')) is not None,
          "download: the button says the style's size", state.get('download-label'))
    check('not installed' in state.get('status', ''),
          'download: the preview says the style is not installed', state.get('status'))
    check(rows(state).get('starry-night', (True,))[0] is False
          and rows(state).get('rain_princess') == (True, True),
          'download: its row is not installed, the dropped-in model is', state.get('rows'))
    check(re.fullmatch(r'3 freely licensed styles, up to [0-9.]+\sMB',
                       state.get('download-all-tooltip', '')) is not None
          and state.get('download-all-sensitive') == '1',
          'download: Download all says how many free styles and how many MB',
          state.get('download-all-tooltip'))
    state = read_state('installed')
    check_state('installed', 'starry-night installed: the row alive, its swatch painted, '
                'painted in the preview, OK on', selected='starry-night', style='starry-night',
                ok_sensitive='1', download_sensitive='0', download_state='done',
                download_error='', status='')
    check(rows(state).get('starry-night') == (True, True)
          and rows(state).get('great-wave', (False,))[0],
          "download: starry-night's row installed and its swatch ready; great-wave, whose "
          'networks came with it, installed too', state.get('rows'))
    before = read_state('not-installed').get('mix-choices', '').split()
    after = state.get('mix-choices', '').split()
    check('starry-night' not in before and {'starry-night', 'great-wave'} <= set(after),
          '"Mix with" offers the presets once they are installed',
          'before: %s; after: %s' % (before, after))
    check(MAGENTA <= in_models(), 'download: the Magenta networks are in the model folder',
          ' '.join(sorted(in_models())))
    new = layer_above(layer)
    name = new.get_name() if new else None
    check(name == 'The Starry Night (Neural Style)', 'download: OK painted a new layer', name)
    reference = cli(export_layer(layer, DIALOG + '/source.png'), DIALOG + '/painted.png',
                    '--style', 'starry-night')
    value = psnr(pixels(new), pixels(reference.get_layers()[0]))
    check(value >= 35.0, 'download: the style just downloaded paints as the CLI does',
          'PSNR against the CLI: %.1f dB' % value)


def test_terms_failure_and_all():
    image = Gimp.get_images()[0]
    layer = image.get_layers()[-1]
    mark('ready2')
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE)
    mark('ran2')
    check(status == Gimp.PDBStatusType.CANCEL, 'download: Escape cancels the dialog',
          message)
    terms = license_of('wave')
    check_state('terms', "wave's terms shown exactly as the catalog quotes them",
                terms=terms, terms_question=question_of('wave'), selected='wave',
                download_state='idle')
    check_state('terms-cancelled', 'Cancel in the terms: nothing downloads', terms='',
                terms_question='', download_state='idle', ok_sensitive='0')
    with open(os.path.join(DIALOG, 'models-terms-cancelled')) as listing:
        then = set(listing.read().split())
    check(MAGENTA <= then and 'wave' not in then,
          'download: the terms cancelled, wave is not in the model folder', ' '.join(sorted(then)))
    state = read_state('wave-installed')
    check_state('wave-installed', 'the terms accepted: wave installed and painted',
                selected='wave', style='wave', download_state='done', ok_sensitive='1')
    check(rows(state).get('wave') == (True, True), "download: wave's row alive, its swatch ready",
          state.get('rows'))
    state = read_state('failed')
    check_state('terms-la-muse', "la_muse's terms shown", terms=license_of('la_muse'),
                terms_question=question_of('la_muse'))
    check(state.get('download-state') == 'failed'
          and 'checksum' in state.get('download-error', '')
          and 'la_muse' not in in_models() and rows(state).get('la_muse', (True,))[0] is False
          and state.get('ok-sensitive') == '0',
          'download: files that do not match fail with the checksum named, nothing installed',
          state.get('download-error'))
    state = read_state('all')
    check(all(rows(state).get(style) == (True, True)
              for style in ('starry-night', 'great-wave', 'mathura', 'wave'))
          and rows(state).get('la_muse', (True,))[0] is False
          and state.get('download-all-sensitive') == '0'
          and state.get('download-all-tooltip') == 'Every freely licensed style is installed',
          'download: Download all free styles installs mathura, never la_muse; then it is off',
          '%s; %s' % (state.get('rows'), state.get('download-all-tooltip')))
    check(in_models() - {'.partial'} == MAGENTA | {'wave', 'mathura'},
          'download: the model folder holds the styles downloaded and .partial/ only',
          ' '.join(sorted(in_models())))


def test_cancel():
    image = photo('chelsea.png', 300, 200)
    layer = image.get_layers()[0]
    Gimp.Display.new(image)
    Gimp.displays_flush()
    mark('ready3')
    status, message = run_filter(image, [layer], Gimp.RunMode.INTERACTIVE, style='')
    closed = time.time()
    mark('ran3')
    check(status == Gimp.PDBStatusType.CANCEL, 'download, trickle: Escape closes the dialog',
          message)
    state = read_state('running')
    check_state('open', 'with no style installed the dialog opens at the first style to '
                'download', selected='starry-night', style='', ok_sensitive='0',
                download_sensitive='1')
    check(not any(installed for installed, _ in rows(read_state('open')).values()),
          'download, trickle: no row is installed', read_state('open').get('rows'))
    check(state.get('download-state') == 'running'
          and state.get('download-sensitive') == '0'
          and state.get('download-all-sensitive') == '0'
          and state.get('mnemonics-twice') == ''
          and 'The Starry Night' in state.get('download-text', ''),
          'download, trickle: the progress shown, no second download can start',
          state.get('download-text'))
    check_state('cancelled', 'Stop Download: "Cancelled", the buttons on again',
                download_state='cancelled', download_error='Cancelled', download_text='',
                download_sensitive='1', selected='starry-night', ok_sensitive='0')
    with open(os.path.join(DIALOG, 'escaped')) as escaped:
        took = closed - float(escaped.read())
    check(took < 10, 'download, trickle: the dialog closes at once in the middle of a download',
          '%.1f s' % took)
    check(in_models() <= {'.partial'} and not listed_installed('starry-night'),
          'download, trickle: nothing in the model folder but .partial/, the catalog lists '
          'nothing installed', ' '.join(sorted(in_models())))


comment('part %s' % PART)
run_tests([test_download_and_paint, test_terms_failure_and_all] if PART == 'files'
          else [test_cancel])
