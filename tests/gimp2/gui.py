"""gui.py: a real GIMP 2.10 window under Xvfb, driven by xdotool and by
Script-Fu sent to GIMP's Script-Fu server.

The server's protocol (plug-ins/script-fu/script-fu-server.c): a request is
'G', the command's length (16 bits, big-endian) and the command; the
answer is 'G', an error byte (0: success), the text's length (16 bits) and
the text: the value of the command, printed, or the error.
"""

import os
import socket
import struct
import subprocess
import threading
import time

import cv2
import numpy as np


class ScriptFuError(Exception):
    pass


def _receive(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ScriptFuError("the Script-Fu server closed the connection")
        data += chunk
    return data


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScriptFuServer:
    """A client of plug-in-script-fu-server."""

    def __init__(self, port):
        self.port = port

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return True
            except OSError:
                time.sleep(0.5)
        return False

    def call(self, command, timeout=120):
        """The printed value of @command; ScriptFuError if it fails."""
        data = command.encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout) as sock:
            sock.sendall(b"G" + struct.pack(">H", len(data)) + data)
            magic, error, length = struct.unpack(">cBH", _receive(sock, 4))
            text = _receive(sock, length).decode(errors="replace")
        if magic != b"G" or error:
            raise ScriptFuError("%s failed: %s" % (command[:200], text.strip()))
        return text.strip()

    def value(self, command):
        """@command's value, for commands returning one number or string."""
        text = self.call(command)
        return text.strip('"')

    def call_in_background(self, command):
        """Starts @command; the thread's .result is (ok, text) once it ends."""
        thread = threading.Thread(target=self._background, args=(command,), daemon=True)
        thread.result = None
        thread.start()
        return thread

    def _background(self, command):
        thread = threading.current_thread()
        try:
            thread.result = (True, self.call(command, timeout=600))
        except (OSError, ScriptFuError) as error:
            thread.result = (False, str(error))


class Display:
    """An Xvfb server, and xdotool and import on it."""

    def __init__(self):
        read_end, write_end = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                                      "1280x1024x24", "-nolisten", "tcp"],
                                     pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            self.name = ":" + pipe.readline().strip()

    def env(self, env):
        env = dict(env)
        env["DISPLAY"] = self.name
        return env

    def run(self, *argv, timeout=30):
        proc = subprocess.run(argv, env=self.env(os.environ), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)
        return proc.stdout.strip()

    def find_window(self, name_regex, timeout):
        """The first window whose name matches, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.run("xdotool", "search", "--onlyvisible", "--name", name_regex)
            if found:
                return found.split()[0]
            time.sleep(0.3)
        return None

    def keys(self, window, *keys):
        """Focuses @window (there is no window manager) and presses @keys."""
        self.run("xdotool", "windowfocus", "--sync", window)
        for key in keys:
            self.run("xdotool", "key", key)
            time.sleep(0.2)

    def type(self, window, text):
        self.run("xdotool", "windowfocus", "--sync", window)
        self.run("xdotool", "type", "--delay", "50", text)

    def screenshot(self, window, path):
        self.run("import", "-window", window, path)
        return cv2.imread(path)

    def stop(self):
        stop_process(self.proc)


def stop_process(proc):
    """Ends @proc and what it started (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


class GuiGimp:
    """gimp-2.10 with a window on @display, the Script-Fu server on."""

    def __init__(self, fixture, display, image_path):
        self.server = ScriptFuServer(free_port())
        start_server = ('(plug-in-script-fu-server RUN-NONINTERACTIVE "127.0.0.1" %d "")'
                        % self.server.port)
        self.log = open(fixture.path("gimp-gui.log"), "w")
        self.proc = subprocess.Popen(["gimp-2.10", "--no-splash", "-b", start_server, image_path],
                                     env=display.env(fixture.env()), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def log_tail(self, size=2000):
        self.log.flush()
        with open(self.log.name, errors="replace") as log:
            return log.read()[-size:]

    def stop(self):
        stop_process(self.proc)
        self.log.close()


class DialogWindow:
    """The Neural Style dialog on the display, and its preview of @crop."""

    def __init__(self, display, window, crop, path):
        self.display = display
        self.window = window
        self.crop = crop
        self.path = path

    def preview(self, accept, timeout=90):
        """What the preview shows once it has settled (the same in two
        screenshots) and @accept takes it, or None."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            shot = self.display.screenshot(self.window, self.path)
            found = preview_location(shot, self.crop) if shot is not None else None
            if found and found[2] > 0.4:
                shown = region(shot, found[0], found[1], self.crop)
                if last is not None and np.array_equal(shown, last) and accept(shown):
                    return shown
                last = shown
            time.sleep(0.7)
        return None

    def set_strength(self, value):
        """Alt+T focuses the strength's spin button; Tab commits the value."""
        self.display.keys(self.window, "alt+t", "ctrl+a")
        self.display.type(self.window, "%.2f" % value)
        self.display.keys(self.window, "Tab")

    def screenshot(self, path):
        self.display.run("xdotool", "mousemove", "0", "0")  # no hover highlight
        cv2.imwrite(path, self.display.screenshot(self.window, self.path))


def preview_location(dialog, crop):
    """Where the dialog shows the preview of @crop: (x, y, correlation).
    Painting keeps the photo's shapes, so the match holds when painted."""
    gray = cv2.cvtColor(dialog, cv2.COLOR_BGR2GRAY)
    template = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if gray.shape[0] < template.shape[0] or gray.shape[1] < template.shape[1]:
        return None
    scores = cv2.matchTemplate(gray, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    return x, y, best


def region(image, x, y, like):
    return image[y:y + like.shape[0], x:x + like.shape[1]]


def preview_crop(image, x1, y1, x2, y2, size=256):
    """The part of @image the dialog previews: the middle of the selected
    area (ns-preview.c's choose_crop), at most @size square."""
    w, h = min(x2 - x1, size), min(y2 - y1, size)
    x, y = x1 + (x2 - x1 - w) // 2, y1 + (y2 - y1 - h) // 2
    return image[y:y + h, x:x + w]


def read_state(path):
    """The dialog's state ($NEURAL_STYLE_DIALOG_STATE, see
    plugin/common/ns-dialog-state.h): {key: value}, empty if none yet."""
    try:
        with open(path) as state:
            return dict(line.rstrip("\n").split("\t", 1) for line in state if "\t" in line)
    except OSError:
        return {}


def wait_state(path, accept, timeout=60):
    """The dialog's state once @accept takes it, else the last one seen."""
    deadline = time.monotonic() + timeout
    while True:
        state = read_state(path)
        if (state and accept(state)) or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def check_state(tap, state, what, **expected):
    """One TAP line: @state has the @expected values (keys with '_' for
    '-'), and no Alt+key that two shown widgets share."""
    expected = {key.replace("_", "-"): value for key, value in expected.items()}
    expected["mnemonics-twice"] = ""
    seen = {key: state.get(key) for key in expected}
    return tap.ok(seen == expected, "dialog state: %s" % what,
                  "expected %s, saw %s (mnemonics: %s)"
                  % (expected, seen, state.get("mnemonics")))
