"""gimpcommon: what the GIMP 2.10 and GIMP 3 harnesses share.

Standard library only: it runs in /usr/bin/python3 (tests/gimp2), inside
GIMP 3's Python-Fu and in the Debian 13 root's python3 (tests/gimp3).
"""
import math
import os

PLUGIN_NAME = 'gimp-neural-style'


def psnr(a, b, peak=1.0):
    """PSNR in dB of two equally long sequences of values, @peak the
    largest value.  NaN when the lengths differ or there is nothing to
    compare: it fails every threshold, "at least" and "below" alike."""
    if len(a) != len(b) or len(a) == 0:
        return math.nan
    total = sum((x - y) * (x - y) for x, y in zip(a, b))
    if total == 0:
        return math.inf
    return 10.0 * math.log10(peak * peak * len(a) / total)


def parent_pid(pid):
    with open('/proc/%s/stat' % pid, 'rb') as stat:
        # pid (comm) state ppid ...: comm may hold spaces, so split after ')'
        return int(stat.read().rsplit(b')', 1)[1].split()[1])


def plugin_runs(gimp_pid):
    """Pids of the gimp-neural-style processes that GIMP @gimp_pid runs a
    procedure in (not the ones it queries at start-up), children of that
    GIMP only: another suite's GIMP may be running its own."""
    pids = []
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as cmdline:
                argv = cmdline.read().split(b'\0')
            mine = parent_pid(entry) == gimp_pid
        except (OSError, IndexError, ValueError):
            continue
        if (mine and os.path.basename(argv[0]) == PLUGIN_NAME.encode()
                and b'-run' in argv):
            pids.append(int(entry))
    return pids


def build_progress_watch(folder):
    """Builds tests/progress-watch.c (with the system's cc) into @folder;
    returns the environment that makes GIMP's plug-ins report their first
    progress as a file in @folder (see progress_reported), or raises
    subprocess.CalledProcessError."""
    import subprocess
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'progress-watch.c')
    library = os.path.join(folder, 'progress-watch.so')
    os.makedirs(folder, exist_ok=True)
    subprocess.run(['cc', '-shared', '-fPIC', '-O2', '-o', library, source, '-ldl'],
                   check=True, capture_output=True)
    return {'LD_PRELOAD': library, 'NS_PROGRESS_WATCH': folder}


def wait_for_progress(folder, pid, timeout=300):
    """Waits until the plug-in @pid reports progress (built with
    build_progress_watch's environment): True, or False if it ended first
    or @timeout seconds went by."""
    import time
    deadline = time.monotonic() + timeout
    path = os.path.join(folder, str(pid))
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        if not os.path.exists('/proc/%d' % pid):
            return False
        time.sleep(0.005)
    return False
