"""count-tap.py: the suite's "N passed, N failed" line from meson's logs.

    count-tap.py TESTLOG.JSON...

Counts every TAP test point ("ok ..." / "not ok ...") of every test in
every log; a test that printed no test point counts as one, passed or
failed by its result; a log that does not exist (its run never happened,
e.g. its build failed) counts as one failure.
"""
import json
import re
import sys

POINT = re.compile(r"^(not ok|ok)\b(.*)$")


def count(entry):
    passed = failed = 0
    for line in (entry.get("stdout") or "").splitlines():
        match = POINT.match(line.strip())
        if not match:
            continue
        skipped = re.search(r"#\s*(SKIP|TODO)", match.group(2), re.I)
        if match.group(1) == "ok" or skipped:
            passed += 1
        else:
            failed += 1
    if passed + failed == 0:
        return (1, 0) if entry["result"] in ("OK", "EXPECTEDFAIL", "SKIP") else (0, 1)
    if entry["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and failed == 0:
        failed = 1  # crashed or timed out after its last test point
    return passed, failed


def main(paths):
    passed = failed = 0
    for path in paths:
        try:
            log = open(path, encoding="utf-8")
        except FileNotFoundError:
            failed += 1
            continue
        with log:
            for line in log:
                p, f = count(json.loads(line))
                passed += p
                failed += f
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main(sys.argv[1:])
