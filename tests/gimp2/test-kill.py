#!/usr/bin/python3
"""test-kill.py: the plug-in killed halfway, in the real GIMP 2.10.

SIGKILL to gimp-neural-style at its first progress report while painting
a 1500x1000 image (a picture's style: 3000x2000): it is painting, and
not done, whatever the machine's speed (tests/progress-watch.c tells
when).  The call fails and the image is exactly as it was (no new layer,
same pixels).  A second, whole run on the same image then shows that
GIMP still works.  Once with a trained network's style, once with a
picture as the style (Magenta's networks).
"""

import os
import signal
import time

import gimp2test as g
# tests/, which gimp2test puts on the path
from gimpcommon import build_progress_watch, plugin_runs, wait_for_progress


def wait_for_plugin(gimp, timeout=120):
    """The pid of the first run of the plug-in, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and gimp.proc.poll() is None:
        pids = plugin_runs(gimp.proc.pid)
        if pids:
            return pids[0]
        time.sleep(0.02)
    return None


def kill_halfway(tap, gimp, watch):
    """Kills the plug-in at its first progress report; TRUE if it was
    still running then."""
    pid = wait_for_plugin(gimp)
    if not tap.ok(pid is not None, "GIMP starts the plug-in",
                  None if pid else "no gimp-neural-style -run process seen"):
        return False
    start = time.monotonic()
    reported = wait_for_progress(watch, pid)
    try:
        if reported:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        reported = False
    seconds = time.monotonic() - start
    return tap.ok(reported, "the plug-in is killed at its first progress report",
                  "killed pid %d %.1f s into its run" % (pid, seconds) if reported
                  else "it ended after %.1f s without reporting progress" % seconds)


def check_image_unchanged(tap, fixture, run):
    tap.equal("the image keeps its layers (no new layer)",
              run.fact("killed.layers-before"), run.fact("killed.layers-after"))
    g.check_same_pixels(tap, "the image keeps its pixels",
                        fixture.out_path("killed-before.png"),
                        fixture.out_path("killed-after.png"))
    tap.equal("the image is still clean (nothing was done to it)", "0", run.fact("killed.dirty"))


def check_whole_run(tap, gimp, run):
    tap.equal("GIMP still works: a second run succeeds", "ok", run.fact("whole.result"))
    tap.equal("the second run adds its layer",
              int(run.fact("killed.layers-after", "0")) + 1,
              int(run.fact("whole.layers-after", "-1")))
    start, end = gimp.fact_time("whole.start"), gimp.fact_time("whole.result")
    if start is not None and end is not None:
        tap.comment("a whole run takes %.1f s" % (end - start))


def kill_case(fixture, tap, style, size, watch):
    gimp = g.LiveGimp(fixture, "kill.scm", env=fixture.env(**watch),
                      defines={"ns-style": style, "ns-width": str(size[0]),
                               "ns-height": str(size[1])})
    killed = kill_halfway(tap, gimp, watch["NS_PROGRESS_WATCH"])
    run = gimp.wait()
    if not (g.check_batch_ran(tap, run, "GIMP ran the kill case") and killed):
        return
    tap.contains("the call fails: the plug-in never answered", run.fact("killed.result"),
                 ["plug-in-neural-style", "returned no return values"])
    # GIMP 2.10 skips its "Plug-in crashed" message when the plug-in's last
    # message (a progress update, a tile) comes in with the hang-up.
    report = next((line for line in run.stderr.splitlines() if "Plug-in crashed" in line), None)
    tap.comment("GIMP's report: %s" % (report or "none this time"))
    check_image_unchanged(tap, fixture, run)
    check_whole_run(tap, gimp, run)


def test(fixture, tap):
    picture = os.path.join(fixture.images, "styles", "starry_night.jpg")
    for label, style, size in (("wave", "wave", (1500, 1000)),
                               ("a picture", picture, (3000, 2000))):
        tap.prefix = "%s: " % label
        watch = build_progress_watch(fixture.path("progress-" + style.split("/")[-1]))
        kill_case(fixture, tap, style, size, watch)


if __name__ == "__main__":
    g.main(test, "kill")
