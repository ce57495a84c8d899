#!/usr/bin/python3
"""test-gimp2-tool.py: neural-style:paint from GIMP 2.10's Tools > GEGL
Operation, in a real GIMP 2.10 window under Xvfb.

GIMP 2.10 has no non-destructive filters, but its GEGL loads the module
from the user's GEGL folder ($XDG_DATA_HOME/gegl-0.4/plug-ins), and the
GEGL Operation tool lists it.  The test opens a photo, opens the tool (a
shortcut of the test's own menurc), steps through the tool's operation
list (a GTK 2 combo box: click, Down, Return) until the module's log says
neural-style:paint painted the preview, takes the README's screenshot
(--screenshot), chooses the next style in the operation's Style list,
presses OK, and reads the layer back through the Script-Fu server: the
layer is painted, as the CLI paints the photo in that style, and OK did
not run the network again.

Then GIMP again without the module: the same steps, through as many
entries as it took to reach neural-style:paint, never reach it, and the
list's popup is shorter.

How often the module ran is read from GIMP's log (G_MESSAGES_DEBUG=
NeuralStyle, see plugin/gegl/ns-paint-cache.c).
"""

import os
import shutil
import sys
import time

import cv2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "gimp2"))
import gimp2test as g  # noqa: E402  (tests/gimp2)
import gui  # noqa: E402

TOOL_SHORTCUT = "ctrl+alt+g"  # given to tools-gegl in the profile's menurc
TOOL_TITLE = "^GEGL Operation$"
# Where the tool's dialog has its widgets, from its top left: the operation
# list at the top, the operation's Style list in the first row of its
# properties (GIMP 2.10.34's layout, see the screenshot).
OPERATION_LIST_Y = 60
STYLE_LIST = (400, 175)
POPUP_MIN_HEIGHT = 20  # px: GTK's own hidden 10x10 window is not a popup
MAX_STEPS = 20  # the operation list has 15 entries in GIMP 2.10.34
ENTRY_SECONDS = 5  # for an entry's preview to start
# The Style list's second entry: the default is the first installed style,
# starry-night; one Down gives the next installed one.
CHOSEN = "the-scream"
PAINTED = "neural-style:paint process:"
NETWORK = "neural-style:paint ran the network"


def install_module(fixture, module):
    """The module in the GEGL folder of the fixture's XDG_DATA_HOME, where
    GIMP 2.10's GEGL looks for the user's operations."""
    folder = fixture.path("user-data", "gegl-0.4", "plug-ins")
    os.makedirs(folder, exist_ok=True)
    shutil.copy2(module, folder)


def add_tool_shortcut(fixture):
    with open(os.path.join(fixture.profile, "menurc"), "w") as menurc:
        menurc.write('(gtk_accel_path "<Actions>/tools/tools-gegl" "<Primary><Alt>g")\n')


def log_count(gimp, text):
    return gimp.log_tail(10 ** 8).count(text)


def prepare_image(server, fixture):
    """The photo, small, its pixels exported as source.png."""
    server.call("(begin %s)" % g.scheme_setup(fixture))
    server.call("(define image (vector-ref (cadr (gimp-image-list)) 0))")
    server.call("(define source (ns-active-layer image))")
    server.call("(gimp-image-scale image 300 200)")
    server.call('(ns-export source "source.png")')
    server.call("(gimp-displays-flush)")


def open_tool(tap, display, what):
    image = display.find_window(r"\[chelsea\]", 30)
    if image is None:
        return tap.ok(False, "%s: the image window is there" % what), None, None
    display.keys(image, TOOL_SHORTCUT)
    dialog = display.find_window(TOOL_TITLE, 30)
    return (tap.ok(dialog is not None, "%s: Tools > GEGL Operation opens its dialog" % what),
            image, dialog)


def geometry(display, window):
    """(x, y, width, height) of @window."""
    values = dict(line.split("=", 1) for line in
                  display.run("xdotool", "getwindowgeometry", "--shell", window).split())
    return tuple(int(values[key]) for key in ("X", "Y", "WIDTH", "HEIGHT"))


def popup_height(display):
    """The height of the open combo box popup: GIMP's tallest visible
    window named as the program (besides a 10x10 one GTK keeps off the
    screen)."""
    found = display.run("xdotool", "search", "--onlyvisible", "--name",
                        "^GNU Image Manipulation Program$").split()
    return max((geometry(display, window)[3] for window in found), default=0)


def pick_from_list(display, window, x, y, step):
    """Opens the combo box at @x, @y in @window and chooses the entry after
    the highlighted one (@step) or the highlighted one (the first entry when
    none is chosen yet).  Returns the popup's height."""
    display.run("xdotool", "mousemove", "--window", window, str(x), str(y), "click", "1")
    # Keys sent before the popup shows go to the dialog (Return: OK).
    deadline = time.monotonic() + 20
    height = popup_height(display)
    while height <= POPUP_MIN_HEIGHT and time.monotonic() < deadline:
        time.sleep(0.3)
        height = popup_height(display)
    time.sleep(0.5)
    display.run("xdotool", "key", "--delay", "400", *(["Down", "Return"] if step else ["Return"]))
    display.run("xdotool", "mousemove", "0", "1000")  # no hover highlight
    return height


def wait_quiet(server, seconds):
    """Lets the preview start, then waits for GIMP's main loop (which runs
    the preview's render) to answer."""
    time.sleep(seconds)
    server.call("(gimp-image-width image)")


def choose_operation(display, dialog, gimp, entries):
    """Steps through the first @entries of the operation list until
    neural-style:paint has painted the preview.  Returns (found, entries
    tried, the list's popup's height)."""
    painted = log_count(gimp, PAINTED)
    width = geometry(display, dialog)[2]
    height = pick_from_list(display, dialog, width // 2, OPERATION_LIST_Y, False)
    for tried in range(1, entries + 1):
        if tried > 1:
            width = geometry(display, dialog)[2]
            pick_from_list(display, dialog, width // 2, OPERATION_LIST_Y, True)
        # While the preview's render runs the network, GIMP's main loop
        # answers no Script-Fu: each answer comes after a render.
        deadline = time.monotonic() + ENTRY_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.3)
            gimp.server.call("(gimp-image-width image)")
            if log_count(gimp, PAINTED) > painted:
                return True, tried, height
    return False, entries, height


def take_screenshot(display, image, dialog, path):
    """The screen as the README shows it: the image window at the top left,
    the tool's dialog at the bottom right, clear of the painted photo.  The
    dialog has grown to the largest controls of the operations tried: made
    small, GTK gives it its own size again."""
    screen_width, screen_height = (int(v) for v in
                                   display.run("xdotool", "getdisplaygeometry").split())
    display.run("xdotool", "windowmove", image, "0", "0")
    display.run("xdotool", "windowsize", dialog, str(geometry(display, dialog)[2]), "100")
    time.sleep(2)
    _, _, width, height = geometry(display, dialog)
    display.run("xdotool", "windowmove", dialog, str(screen_width - width),
                str(screen_height - height))
    display.run("xdotool", "mousemove", "0", "1000")
    time.sleep(2)
    cv2.imwrite(path, display.screenshot("root", path))


def close_dialog(tap, display, dialog, button, what):
    """Presses @button with its mnemonic (after a style change GIMP 2.10
    has been seen to grow the dialog past the screen's bottom, its buttons
    with it) and waits for the dialog to close."""
    display.keys(dialog, "alt+" + button[0].lower())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and display.find_window(TOOL_TITLE, 1):
        time.sleep(0.5)
    return tap.ok(not display.find_window(TOOL_TITLE, 1),
                  "%s: %s closes the dialog" % (what, button))


def wait_log(gimp, text, timeout):
    """Whether GIMP's log says @text within @timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in gimp.log_tail(10 ** 8):
            return True
        time.sleep(0.5)
    return False


def choose_style(tap, display, dialog, gimp, what):
    """The next style in the operation's Style list; whether it painted."""
    width = geometry(display, dialog)[2]
    pick_from_list(display, dialog, min(STYLE_LIST[0], width - 100), STYLE_LIST[1], True)
    chosen = "%s: 300x200, %s," % (NETWORK, CHOSEN)
    painted = wait_log(gimp, chosen, 300)
    return tap.ok(painted, "%s: the next style in its Style list paints the preview" % what,
                  None if painted else "no '%s' in GIMP's log" % chosen)


def check_layer(tap, fixture, gimp, runs, what):
    """The layer after OK, against the photo and the CLI's painting."""
    gimp.server.call('(ns-export source "tool.png")')
    tap.equal("%s: OK paints the layer with the preview's painting, without running the "
              "network again" % what, runs, log_count(gimp, NETWORK))
    source = g.read_image(fixture.out_path("source.png"))
    new = g.read_image(fixture.out_path("tool.png"))
    if new is None or source is None or new.shape != source.shape:
        return tap.ok(False, "%s: the layer is painted, not the photo" % what,
                      "layer %s, photo %s" % (g.shape_of(new), g.shape_of(source)))
    g.check_painted(tap, "%s: the layer is painted, not the photo" % what, new, source)
    return g.check_like_cli(tap, fixture, what, source, new, style_args=("--style", CHOSEN))


def with_module(tap, fixture, display, gimp):
    """Returns (the entry neural-style:paint is in the operation list, the
    list's popup's height), or None."""
    what = "with the module"
    opened, image, dialog = open_tool(tap, display, what)
    if not opened:
        return None
    found, entry, list_height = choose_operation(display, dialog, gimp, MAX_STEPS)
    if not tap.ok(found, "%s: the operation list has neural-style:paint, and it paints "
                  "the preview" % what, "entry %d of the list" % entry):
        return None
    # The default style has painted; the dialog keeps its size until a
    # style change.
    wait_quiet(gimp.server, 2)
    shot = fixture.args.screenshot or fixture.path("gimp2-gegl-operation.png")
    take_screenshot(display, image, dialog, shot)
    tap.comment("screenshot: %s" % shot)
    if not choose_style(tap, display, dialog, gimp, what):
        return None
    runs = log_count(gimp, NETWORK)
    if not close_dialog(tap, display, dialog, "OK", what):
        return None
    check_layer(tap, fixture, gimp, runs, what)
    return entry, list_height


def without_module(tap, fixture, display, gimp, found_at):
    """@found_at: (the entry neural-style:paint was, the list's popup's
    height) with the module."""
    what = "without the module"
    opened, _, dialog = open_tool(tap, display, what)
    if not opened:
        return
    entry, list_height = found_at
    found, tried, height = choose_operation(display, dialog, gimp, entry)
    tap.ok(not found, "%s: the operation list's first %d entries (neural-style:paint "
           "was entry %d) do not paint" % (what, tried, entry))
    # One entry less: one row of the 15 (GIMP 2.10.34) less.
    tap.ok(0 < height < list_height,
           "%s: the operation list is shorter" % what,
           "its popup %d px high, %s px with the module" % (height, list_height))
    close_dialog(tap, display, dialog, "Cancel", what)


def run_gimp(tap, fixture, part, *args):
    # A GIMP stopped with an image open leaves it in backups/, and the next
    # one would wait for a click in its recovery dialog.
    shutil.rmtree(os.path.join(fixture.profile, "backups"), ignore_errors=True)
    display = gui.Display()
    gimp = gui.GuiGimp(fixture, display, os.path.join(fixture.images, "chelsea.png"))
    try:
        ready = gimp.server.wait_ready(180)
        if not tap.ok(ready, "GIMP starts with the Script-Fu server",
                      None if ready else "nothing on port %d within 180 s; GIMP said:\n%s"
                      % (gimp.server.port, gimp.log_tail())):
            return None
        prepare_image(gimp.server, fixture)
        return part(tap, fixture, display, gimp, *args)
    except (OSError, gui.ScriptFuError) as error:
        tap.ok(False, "GIMP answers the test's Script-Fu", str(error))
        return None
    finally:
        gimp.stop()
        display.stop()
        os.rename(gimp.log.name, fixture.path("gimp-%s.log" % part.__name__))


def test(fixture, tap):
    if not fixture.args.gegl_module:
        tap.ok(False, "the test has a module (--gegl-module)")
        return
    os.environ["G_MESSAGES_DEBUG"] = "NeuralStyle"
    add_tool_shortcut(fixture)
    install_module(fixture, fixture.args.gegl_module)
    found_at = run_gimp(tap, fixture, with_module)
    shutil.rmtree(fixture.path("user-data", "gegl-0.4"))
    if found_at:
        run_gimp(tap, fixture, without_module, found_at)


if __name__ == "__main__":
    g.main(test, "gegl-tool")
