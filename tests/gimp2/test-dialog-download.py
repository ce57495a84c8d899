#!/usr/bin/python3
"""test-dialog-download.py: the dialog's Download buttons, in a real GIMP
2.10 window under Xvfb, downloading real models from the project's HTTP
server on 127.0.0.1 (tests/models/http-server.py serving ../shared's
files), every proxy variable at a closed port: nothing leaves the machine.

The catalog is the project's cut down to what ../shared holds (Magenta's
two networks, the presets starry-night and great-wave, the ml5 styles
mathura, MIT, and wave, research use only); the model folders are empty
but the user's, $XDG_DATA_HOME's, where downloads go.

Three GIMP sessions, each with its own mirror ($NEURAL_STYLE_MIRROR is
read from GIMP's environment):
- /files/: nothing installed, the first style chosen says so and offers
  Download with its size; Download installs the Magenta preset (its row
  comes alive with a swatch, the other preset too); wave's terms are shown
  exactly as the catalog quotes them, Cancel downloads nothing, Accept
  installs it; "Download All Free Styles" installs mathura; OK paints the
  downloaded preset as the CLI paints it with ../shared's networks.
- /trickle/ (2 bytes a second): the progress bar shows, the dialog keeps
  answering (another style can be chosen, a second download cannot
  start), Cancel says "Cancelled" and leaves nothing in the model folder
  but .partial/, nor in the CLI's list; closing the dialog mid-download
  leaves nothing either.
- a closed port: the failure is shown in words ("offline").
The dialog reports through $NEURAL_STYLE_DIALOG_STATE (download-*, terms, terms-question)
and $NEURAL_STYLE_DIALOG_ROWS (installed, swatch ready).
"""

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types

import gimp2test as g
import gui

KEPT = ("magenta-prediction", "magenta-transfer", "starry-night", "great-wave", "mathura",
        "wave")
FREE = "mathura"
PRESET = "starry-night"
RESEARCH = "wave"
MAGENTA_FILES = ("magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite",
                 "magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite")
SWATCH_TIMEOUT = 120
CLOSED = "http://127.0.0.1:9/"


class Server:
    """http-server.py serving links to ../shared's files under @root/www."""

    def __init__(self, fixture):
        self.www = fixture.path("www")
        self.links = []
        os.makedirs(self.www)
        for name in os.listdir(fixture.magenta):
            self.link(os.path.join(fixture.magenta, name), name)
        for style in (FREE, RESEARCH):
            self.link(os.path.join(fixture.args.shared, "ml5", style), style)
        port_file = fixture.path("port")
        script = os.path.join(fixture.args.source_root, "tests", "models", "http-server.py")
        self.proc = subprocess.Popen(["python3", script, self.www, port_file,
                                      fixture.path("server.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(port_file) as port:
            self.url = "http://127.0.0.1:%d/" % int(port.read())

    def link(self, target, name):
        path = os.path.join(self.www, name)
        os.symlink(target, path)
        self.links.append(path)

    def stop(self):
        gui.stop_process(self.proc)
        # The links go first, one by one: nothing ever recurses into
        # ../shared's folders.
        for path in self.links:
            os.unlink(path)


def make_catalog(fixture):
    """The source catalog with the KEPT entries only, text untouched (the
    terms are compared as written), and its ml5 checksums beside it."""
    folder = fixture.path("catalog")
    os.makedirs(folder)
    with open(fixture.catalog, encoding="utf-8") as source:
        text = source.read()
    parts = re.split(r"(?m)^(?=\[)", text)
    kept = [parts[0]] + [p for p in parts[1:] if p[1:p.index("]")] in KEPT]
    with open(os.path.join(folder, "catalog.ini"), "w", encoding="utf-8") as out:
        out.write("".join(kept))
    sums = os.path.join(os.path.dirname(fixture.catalog), "ml5-files.sha256")
    with open(sums) as source, open(os.path.join(folder, "ml5-files.sha256"), "w") as out:
        out.write(source.read())
    return os.path.join(folder, "catalog.ini")


class Session:
    """One GIMP with the dialog's environment: @mirror, @data the user data
    folder (downloads go to its neural-style/models)."""

    def __init__(self, fixture, catalog, mirror, data, timeout):
        self.fixture = fixture
        self.data = fixture.path(data)
        self.models = os.path.join(self.data, "neural-style", "models")
        self.rows = fixture.path(data + "-rows.tsv")
        self.state = fixture.path(data + "-state.tsv")
        empty = fixture.path("no-models")
        os.makedirs(empty, exist_ok=True)
        # A GIMP profile of its own, as the fixture made it: a GIMP started
        # in a profile another one left does not come up under Xvfb.
        profile = fixture.path(data + "-profile")
        shutil.copytree(fixture.profile, profile, symlinks=True)
        self.env = {
            "GIMP2_DIRECTORY": profile,
            "NEURAL_STYLE_CATALOG": catalog,
            "NEURAL_STYLE_MODEL_PATH": empty,
            "XDG_DATA_HOME": self.data,
            "NEURAL_STYLE_MIRROR": mirror,
            "NEURAL_STYLE_FETCH_TIMEOUT": str(timeout),
            "NEURAL_STYLE_DIALOG_ROWS": self.rows,
            "NEURAL_STYLE_DIALOG_STATE": self.state,
            "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
        }
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                      "all_proxy"):
            self.env[proxy] = "http://127.0.0.1:9"

    def start(self, display):
        # GIMP's environment, which its plug-ins inherit: the fixture's
        # with this session's on top.
        fixture = types.SimpleNamespace(
            path=lambda name: self.fixture.path(os.path.basename(self.data) + "-" + name),
            env=lambda: self.fixture.env(**self.env))
        self.gimp = gui.GuiGimp(fixture, display,
                                os.path.join(self.fixture.images, "chelsea.png"))
        self.display = display
        self.server = self.gimp.server
        return self.server.wait_ready(180)

    def open_dialog(self, tap):
        self.server.call("(begin %s)" % g.scheme_setup(self.fixture))
        self.server.call("(define image (vector-ref (cadr (gimp-image-list)) 0))")
        self.server.call("(define source (ns-active-layer image))")
        self.server.call("(gimp-image-scale image 300 200)")
        self.server.call('(ns-export source "source.png")')
        self.call = self.server.call_in_background(
            '(plug-in-neural-style RUN-INTERACTIVE image source "" 1.0 0 1.0)')
        self.window = self.display.find_window("^Neural Style$", 60)
        return tap.ok(self.window is not None, "the Neural Style dialog opens",
                      None if self.window else self.gimp.log_tail())

    def wait(self, accept, timeout=60):
        return gui.wait_state(self.state, accept, timeout)

    def rows_now(self):
        return read_rows(self.rows)

    def select(self, style_id):
        """Chooses @style_id in the style list with the keyboard: Alt+S,
        Home, then Down to its row."""
        ids = [row[0] for row in self.rows_now()]
        if style_id not in ids:
            return {}
        self.display.keys(self.window, "alt+s", "Home",
                          *(["Down"] * ids.index(style_id)))
        return self.wait(lambda s: s.get("selected") == style_id, 20)

    def screenshot(self, window, name):
        path = self.fixture.path(name)
        self.display.run("xdotool", "mousemove", "0", "0")
        self.display.run("import", "-window", window, path)
        return path

    def stop(self):
        self.gimp.stop()


def read_rows(path):
    """[(id, installed, noncommercial, swatch ready)] from the dialog's report."""
    try:
        with open(path) as report:
            lines = report.read().splitlines()
    except OSError:
        return []
    return [(f[0], f[1] == "1", f[2] == "1", f[3] == "1")
            for f in (line.split("\t") for line in lines) if len(f) == 4]


def wait_rows(session, accept, timeout=SWATCH_TIMEOUT):
    """{id: (installed, noncommercial, ready)} once @accept takes it."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {r[0]: r[1:] for r in session.rows_now()}
        if (rows and accept(rows)) or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def alive(rows, style_id):
    installed, _, ready = rows.get(style_id, (False, False, False))
    return installed and ready


def model_entries(session):
    """What the model folder holds (names), [] if there is none."""
    try:
        return sorted(os.listdir(session.models))
    except OSError:
        return []


def cli_installed(fixture, session):
    """{id: installed} as `neural-style --list-styles` says in @session's
    environment: the catalog's own answer, not the dialog's."""
    return g.cli_styles(fixture, **session.env)


def press_download(session):
    session.display.keys(session.window, "alt+d")


def started(session):
    """How many downloads the dialog has started so far."""
    return int(gui.read_state(session.state).get("downloads-started", "0"))


def wait_download(session, before, timeout=120):
    """The state once the download after the @before ones has ended."""
    return session.wait(lambda s: int(s.get("downloads-started", "0")) > before
                        and s.get("download-state") in ("done", "failed", "cancelled"),
                        timeout)


def check_not_installed(tap, fixture, session):
    rows = wait_rows(session, lambda r: set(KEPT) - {"magenta-prediction",
                                                     "magenta-transfer"} <= set(r), 30)
    tap.ok(rows and not any(installed for installed, _, _ in rows.values()),
           "nothing is installed: every row greyed", str(rows))
    state = session.wait(lambda s: s.get("selected") == PRESET
                         and "not installed" in s.get("status", ""), 60)
    gui.check_state(tap, state, "a style not installed chosen: OK off, Download on, "
                    "Download All on", selected=PRESET, ok_sensitive="0",
                    download_shown="1", download_sensitive="1", download_all_sensitive="1",
                    download_state="idle")
    tap.ok("3.3" in state.get("download-label", "") and "MB" in state.get("download-label", ""),
           "the Download button gives the size of the preset and its networks (3.3 MB)",
           state.get("download-label"))
    tap.ok(re.search(r"\b3 freely licensed styles\b.*MB", state.get("download-all-tooltip", "")),
           "Download All says how many free styles and how many MB",
           state.get("download-all-tooltip"))
    tap.ok("“The Starry Night” is not installed" in state.get("status", ""),
           "the preview says the style is not installed", state.get("status"))
    shot = session.screenshot(session.window, "download-not-installed.png")
    tap.comment("a style not installed chosen: %s" % shot)


def check_download_preset(tap, fixture, session):
    before = started(session)
    press_download(session)
    state = wait_download(session, before)
    tap.ok(state.get("download-state") == "done" and state.get("download-ids") == PRESET,
           "Download installs the preset", str(state))
    entries = model_entries(session)
    tap.ok(all(name in entries for name in MAGENTA_FILES),
           "Magenta's two networks are in the user's model folder", str(entries))
    rows = wait_rows(session, lambda r: alive(r, PRESET) and alive(r, "great-wave"))
    tap.ok(alive(rows, PRESET), "its row comes alive with its swatch", str(rows))
    tap.ok(alive(rows, "great-wave"), "the other preset, which needs the same networks, "
           "comes alive too", str(rows))
    state = session.wait(lambda s: s.get("style") == PRESET and s.get("status") == "", 120)
    tap.equal("Mix with gains both presets", [PRESET, "great-wave"],
              [i for i in state.get("mix-ids", "").split() if i in (PRESET, "great-wave")])
    gui.check_state(tap, state, "the downloaded style chosen: previewed, OK on, Download off",
                    selected=PRESET, style=PRESET, ok_sensitive="1", download_sensitive="0",
                    download_error="")


def check_terms(tap, fixture, session, catalog):
    terms = g.catalog(fixture)
    keys = configparser.RawConfigParser(strict=False, interpolation=None)
    keys.read(catalog)
    license = keys.get(RESEARCH, "license")
    tap.ok(license == terms.get(RESEARCH, "license") and "research" in license,
           "the cut-down catalog quotes wave's terms as the project's does")
    state = session.select(RESEARCH)
    tap.equal("wave can be chosen though not installed", RESEARCH, state.get("selected"))
    press_download(session)
    window = session.display.find_window("^Terms of Use$", 20)
    if not tap.ok(window is not None, "Download of a research-only style asks first"):
        return
    state = session.wait(lambda s: s.get("terms"), 10)
    tap.equal("the terms shown are the catalog's, exactly", license, state.get("terms"))
    # The author's terms, not only "non-commercial": wave's allow research
    # use only.
    tap.equal("the question above them",
              "\u201c%s\u201d may be used only as its author's terms allow"
              % keys.get(RESEARCH, "title"), state.get("terms-question"))
    shot = session.screenshot(window, "download-terms.png")
    tap.comment("the terms: %s" % shot)
    before = started(session)
    session.display.keys(window, "alt+c")
    state = session.wait(lambda s: not s.get("terms"), 10)
    time.sleep(2)
    state = gui.read_state(session.state)
    tap.ok(started(session) == before and RESEARCH not in model_entries(session),
           "Cancel on the terms downloads nothing",
           "downloads started %d then %d, folder %s"
           % (before, started(session), model_entries(session)))
    press_download(session)
    window = session.display.find_window("^Terms of Use$", 20)
    if not tap.ok(window is not None, "the terms are asked again"):
        return
    session.display.keys(window, "alt+a")
    state = wait_download(session, before)
    tap.ok(state.get("download-state") == "done" and state.get("download-ids") == RESEARCH,
           "Accept and Download installs wave", str(state))
    rows = wait_rows(session, lambda r: alive(r, RESEARCH))
    tap.ok(alive(rows, RESEARCH), "wave's row comes alive with its swatch", str(rows))


def check_download_all(tap, fixture, session):
    state = gui.read_state(session.state)
    tap.ok(re.search(r"\b1 style\b", state.get("download-all-tooltip", "")),
           "Download All now offers the one free style left",
           state.get("download-all-tooltip"))
    before = started(session)
    session.display.keys(session.window, "alt+a")
    state = wait_download(session, before)
    tap.ok(state.get("download-state") == "done" and state.get("download-ids") == FREE,
           "Download All Free Styles installs the free style left", str(state))
    rows = wait_rows(session, lambda r: all(alive(r, i) for i in r))
    tap.ok(rows and all(alive(rows, i) for i in rows),
           "every style of the catalog is installed, with its swatch", str(rows))
    state = session.wait(lambda s: s.get("download-all-sensitive") == "0", 10)
    tap.equal("Download All is off once every free style is in", "0",
              state.get("download-all-sensitive"))
    tap.equal("the CLI lists every style installed",
              {i: True for i in ("starry-night", "great-wave", FREE, RESEARCH)},
              {i: v for i, v in cli_installed(fixture, session).items()
               if i in ("starry-night", "great-wave", FREE, RESEARCH)})


def check_paint(tap, fixture, session):
    state = session.select(PRESET)
    state = session.wait(lambda s: s.get("style") == PRESET and s.get("status") == ""
                         and s.get("ok-sensitive") == "1", 120)
    gui.check_state(tap, state, "the downloaded preset chosen again, OK on",
                    selected=PRESET, style=PRESET, ok_sensitive="1")
    session.display.keys(session.window, "alt+o")
    session.call.join(300)
    ok, text = session.call.result or (False, "no answer within 300 s")
    if not tap.ok(ok, "OK paints with the downloaded style", None if ok else text):
        return
    server = session.server
    server.call("(define painted (ns-layer-above image source))")
    tap.equal("the new layer is named after the style", "The Starry Night (Neural Style)",
              server.value("(car (gimp-item-get-name painted))"))
    server.call('(ns-export painted "downloaded.png")')
    # The reference: the CLI with ../shared's own networks.
    g.check_like_cli(tap, fixture, "downloaded preset",
                     g.read_image(fixture.out_path("source.png")),
                     g.read_image(fixture.out_path("downloaded.png")),
                     style_args=("--style", PRESET))


def session_files(tap, fixture, display, catalog, server):
    session = Session(fixture, catalog, server.url + "files/", "data-files", 5)
    try:
        if not tap.ok(session.start(display), "GIMP starts (mirror /files/)"):
            return
        if not session.open_dialog(tap):
            return
        check_not_installed(tap, fixture, session)
        check_download_preset(tap, fixture, session)
        check_terms(tap, fixture, session, catalog)
        check_download_all(tap, fixture, session)
        check_paint(tap, fixture, session)
    finally:
        session.stop()


def only_partial(session):
    return model_entries(session) in ([], [".partial"])


def session_trickle(tap, fixture, display, catalog, server):
    # A long timeout: 2 bytes a second is given up only after it.
    session = Session(fixture, catalog, server.url + "trickle/", "data-trickle", 120)
    try:
        if not tap.ok(session.start(display), "GIMP starts (mirror /trickle/)"):
            return
        if not session.open_dialog(tap):
            return
        session.wait(lambda s: s.get("selected") == PRESET, 30)
        state = session.select(FREE)
        tap.equal("mathura chosen", FREE, state.get("selected"))
        press_download(session)
        state = session.wait(lambda s: s.get("download-state") == "running"
                             and "Mathura" in s.get("download-text", ""), 30)
        gui.check_state(tap, state, "downloading: the progress bar, both Download buttons off",
                        download_state="running", download_sensitive="0",
                        download_all_sensitive="0")
        tap.ok(re.search(r"Downloading “Mathura”.* of ", state.get("download-text", "")),
               "the progress bar says what downloads and how much of it",
               state.get("download-text"))
        time.sleep(3)
        shot = session.screenshot(session.window, "download-progress.png")
        tap.comment("a download in progress: %s" % shot)
        # The dialog answers while the download runs: another style can be
        # chosen; its Download stays off (one download at a time).
        state = session.select(PRESET)
        gui.check_state(tap, state, "while downloading, another style can be chosen; no "
                        "second download", selected=PRESET, download_state="running",
                        download_sensitive="0")
        session.display.keys(session.window, "alt+n")
        state = session.wait(lambda s: s.get("download-state") != "running", 20)
        gui.check_state(tap, state, "Cancel Download stops it and says so",
                        download_state="cancelled", download_error="Cancelled")
        tap.ok(only_partial(session), "nothing in the model folder but .partial/",
               str(model_entries(session)))
        rows = {r[0]: r[1:] for r in session.rows_now()}
        tap.ok(not rows.get(FREE, (True,))[0], "the list shows mathura not installed", str(rows))
        tap.equal("the CLI does not list mathura installed", False,
                  cli_installed(fixture, session).get(FREE))
        # Closing the dialog stops a download that runs.
        session.select(FREE)
        press_download(session)
        state = session.wait(lambda s: s.get("download-state") == "running", 20)
        tap.equal("a second download starts", "running", state.get("download-state"))
        session.display.keys(session.window, "alt+c")
        session.call.join(60)
        tap.ok(session.display.find_window("^Neural Style$", 5) is None,
               "Cancel closes the dialog mid-download")
        time.sleep(2)
        tap.ok(only_partial(session), "closing mid-download leaves nothing but .partial/",
               str(model_entries(session)))
    finally:
        session.stop()


def session_offline(tap, fixture, display, catalog):
    session = Session(fixture, catalog, CLOSED, "data-offline", 5)
    try:
        if not tap.ok(session.start(display), "GIMP starts (mirror at a closed port)"):
            return
        if not session.open_dialog(tap):
            return
        session.wait(lambda s: s.get("selected") == PRESET, 30)
        before = started(session)
        press_download(session)
        state = wait_download(session, before, 60)
        tap.equal("the download fails", "failed", state.get("download-state"))
        tap.contains("the dialog says why in words", state.get("download-error"),
                     ["offline"])
        tap.ok(only_partial(session), "nothing installed", str(model_entries(session)))
        shot = session.screenshot(session.window, "download-failed.png")
        tap.comment("a failed download: %s" % shot)
        session.display.keys(session.window, "alt+c")
        session.call.join(60)
    finally:
        session.stop()


def test(fixture, tap):
    # Killed by meson's timeout, the links into ../shared still go first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    catalog = make_catalog(fixture)
    server = Server(fixture)
    display = gui.Display()
    # For a developer: NS_DOWNLOAD_ONLY=trickle,offline runs those only.
    only = os.environ.get("NS_DOWNLOAD_ONLY", "files,trickle,offline").split(",")
    try:
        if "files" in only:
            session_files(tap, fixture, display, catalog, server)
        if "trickle" in only:
            session_trickle(tap, fixture, display, catalog, server)
        if "offline" in only:
            session_offline(tap, fixture, display, catalog)
    except (OSError, gui.ScriptFuError) as error:
        tap.ok(False, "GIMP answers the test's Script-Fu", str(error))
    finally:
        display.stop()
        server.stop()


if __name__ == "__main__":
    g.main(test, "dialog-download")
