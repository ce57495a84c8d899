#!/usr/bin/python3
"""bench/benchmark's tables, from the folder its runs left.

usage: report.py WORK

WORK holds:
  results          one line per run: NAME ROUND WALL PEAK_KIB CPU, or
                   NAME ROUND failed
  NAME.ROUND.log   each run's output (the CLI's NEURAL_STYLE_PROFILE=1 lines)
  out/NAME.png     each run's painting (ONNX Runtime's: out/ort-SIZE.f32)
  macs-SIZE        bench/onnx-macs.py's count at that size
  fma-peak         bench/fma-peak.c's rates, GFLOP/s per core
  sizes            SIZE WIDTH HEIGHT per line
  threads          the CLI's threads (its default: all cores)

Every figure is the median over the rounds, and a ratio to ONNX Runtime
the median of the ratios taken within each round: on a shared machine
the load moves between rounds, less within one.
"""
import collections
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import images  # noqa: E402  (bench/images.py: the PSNR)

LABELS = [
    ("ort", "ONNX Runtime (node, 2 threads)"),
    ("cli", "CLI, default"),
    ("full", "CLI, --full-precision"),
    ("loaded", "CLI, NEURAL_STYLE_NO_REWRITE=1"),
    ("seed", "seed pipeline (bench/seed.py)"),
    ("magenta", "Magenta great-wave (CLI)"),
    ("predict", "Magenta: predict a style picture"),
]

PROFILE_LINE = re.compile(r"^\s*([0-9.]+) s\s+[0-9.]+ %\s+(.*) \(x([0-9]+)\)\s*$")


def read_results(work):
    runs = collections.defaultdict(dict)  # name -> round -> (wall, kib, cpu) or None
    with open(os.path.join(work, "results")) as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[2] == "failed":
                runs[p[0]][int(p[1])] = None
            elif len(p) == 5:
                runs[p[0]][int(p[1])] = (float(p[2]), float(p[3]), float(p[4]))
    return runs


def read_macs(work, size):
    """{(op, kh, kw, stride, cin, cout): (layers, macs)} and the total."""
    kinds, total = {}, 0
    with open(os.path.join(work, "macs-" + size)) as f:
        for line in f:
            p = line.split()
            if p[0] == "total":
                total = int(p[1])
                continue
            kh, kw = (int(v) for v in p[1].split("x"))
            cin, cout = (int(v) for v in p[3].split("->"))
            kinds[(p[0], kh, kw, int(p[2][1:]), cin, cout)] = (int(p[4]), int(p[5]))
    return kinds, total


def profile(path):
    """{kind: (seconds, layers)} from one run's NEURAL_STYLE_PROFILE=1 lines."""
    out = {}
    with open(path, errors="replace") as f:
        inside = False
        for line in f:
            if line.startswith("neural-style profile:"):
                inside = True
                continue
            m = PROFILE_LINE.match(line) if inside else None
            if m:
                out[m.group(2)] = (float(m.group(1)), int(m.group(3)))
            else:
                inside = False
    return out


def layer_macs(kind, layers, macs):
    """The multiply-adds one profile line stands for: the ONNX convolutions
    of the same channels, kernel and stride (the engine's names: 'engine
    winograd 3x3 128->128', 'engine split deconv 64->32', 'Convolution
    3->32 9x9 s1' as loaded); None for a layer that is no convolution."""
    channels = re.search(r"(\d+)->(\d+)", kind)
    kernel = re.search(r"(\d+)x(\d+)", kind)
    stride = re.search(r"\bs(\d+)\b", kind)
    deconv = re.search(r"deconv", kind, re.I) is not None
    if not channels or not (kernel or deconv):
        return None
    cin, cout = int(channels.group(1)), int(channels.group(2))
    for (op, kh, kw, s, ci, co), (count, total) in macs.items():
        if (op == "deconv") != deconv or (ci, co) != (cin, cout):
            continue
        if kernel and (kh, kw) != (int(kernel.group(1)), int(kernel.group(2))):
            continue
        if stride and s != int(stride.group(1)):
            continue
        return total // count * layers
    return None


def median(values):
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "-" if v is None else spec % v


def main(work):
    runs = read_results(work)
    sizes = [l.split() for l in open(os.path.join(work, "sizes")) if l.strip()]
    peaks = dict(l.split() for l in open(os.path.join(work, "fma-peak")) if l.strip())
    threads = int(open(os.path.join(work, "threads")).read())
    core_peak = float(peaks["avx512"]) if peaks.get("avx512", "-") != "-" else float(peaks.get("avx2", "nan"))
    isa = "AVX-512" if peaks.get("avx512", "-") != "-" else "AVX2"
    print("FMA peak per core (bench/fma-peak.c): AVX-512 %s, AVX2 %s GFLOP/s fp32; fractions below are of %s"
          % (peaks.get("avx512"), peaks.get("avx2"), isa))
    goals = []
    for size, w, h in sizes:
        w, h = int(w), int(h)
        macs, total = read_macs(work, size)
        ort_ref = os.path.join(work, "out", "ort-%s.f32" % size)
        print("\n%s (%d x %d): wave.onnx does %.0f multiply-adds per pixel, %.1f G in all"
              % (size, w, h, total / (w * h), total * 1e-9))
        print("%-34s %7s %7s %9s %9s %8s %8s %14s"
              % ("contender", "wall s", "CPU s", "peak MiB", "PSNR/ORT", "CPU/ORT", "wall/ORT", "GFLOP/s per CPU-s"))
        ort = runs.get("ort-" + size, {})
        for key, label in LABELS:
            name = "%s-%s" % (key, size)
            if name not in runs:
                continue
            done = {r: v for r, v in runs[name].items() if v}
            failed = len(runs[name]) - len(done)
            if not done:
                print("%-34s failed in all %d rounds (see %s.*.log)" % (label, failed, name))
                continue
            wall = median([v[0] for v in done.values()])
            cpu = median([v[2] for v in done.values()])
            kib = median([v[1] for v in done.values()])
            cpu_ratio = median([v[2] / ort[r][2] for r, v in done.items() if ort.get(r)])
            wall_ratio = median([v[0] / ort[r][0] for r, v in done.items() if ort.get(r)])
            db = None
            painting = os.path.join(work, "out", name + ".png")
            if key in ("cli", "full", "loaded", "seed") and os.path.exists(ort_ref) and os.path.exists(painting):
                db = images.psnr(images.read_output(ort_ref, w, h), images.read_painting(painting))
            flops = None if key in ("magenta", "predict") else 2 * total / cpu * 1e-9
            print("%-34s %7.1f %7.1f %9.0f %9s %8s %8s %14s%s"
                  % (label, wall, cpu, kib / 1024, fmt(db, "%.1f dB"),
                     fmt(cpu_ratio if key in ("cli", "full", "loaded", "seed") else None, "%.2f"),
                     fmt(wall_ratio if key in ("cli", "full", "loaded", "seed") else None, "%.2f"),
                     fmt(flops, "%.0f") + (" (%.0f %%)" % (100 * flops / core_peak) if flops else ""),
                     " (%d failed)" % failed if failed else ""))
            if key == "cli" and cpu_ratio is not None:
                rounds_ratio = ["%.2f" % (v[2] / ort[r][2]) for r, v in sorted(done.items()) if ort.get(r)]
                print("%-34s CLI/ORT CPU time in each round: %s" % ("", " ".join(rounds_ratio)))
                goals.append("%s: CLI/ORT CPU time %.2f (goal <= 0.50: %s), PSNR %s (goal >= 40 dB: %s)"
                             % (size, cpu_ratio, "met" if cpu_ratio <= 0.5 else "NOT MET", fmt(db, "%.1f dB"),
                                "met" if db is not None and db >= 40 else "NOT MET"))
            if key == "cli" and size == "24mp":
                goals.append("24mp: CLI peak memory %.0f MiB (goal <= 1536: %s)"
                             % (kib / 1024, "met" if kib / 1024 <= 1536 else "NOT MET"))

        for key in ("cli", "loaded"):
            name = "%s-%s" % (key, size)
            logs = [os.path.join(work, "%s.%d.log" % (name, r)) for r, v in runs.get(name, {}).items() if v]
            profiles = [profile(p) for p in logs]
            profiles = [p for p in profiles if p]
            if not profiles:
                continue
            kinds = {}
            for p in profiles:
                for kind, (seconds, layers) in p.items():
                    kinds.setdefault(kind, ([], layers))[0].append(seconds)
            rows = sorted(((median(s), kind, layers) for kind, (s, layers) in kinds.items()), reverse=True)
            layer_total = sum(r[0] for r in rows)
            print("\n  Per layer kind, %s, %s (NEURAL_STYLE_PROFILE=1, median of %d rounds). GFLOP/s: the"
                  " multiply-adds of one whole-image pass as the ONNX file has them (direct convolutions: Winograd"
                  " does fewer, and can pass 100 %%), over the layer's time, %d threads: %% of %d x the core's %s peak"
                  % (size, "CLI default" if key == "cli" else "networks as loaded", len(profiles), threads,
                     threads, isa))
            print("  %8s %6s %7s %8s %7s  %s" % ("seconds", "time", "MACs", "GFLOP/s", "peak", "kind"))
            conv_macs = conv_seconds = 0
            for seconds, kind, layers in rows:
                m = layer_macs(kind, layers, macs)
                if m is not None:
                    conv_macs += m
                    conv_seconds += seconds
                gflops = 2 * m / seconds * 1e-9 if m and seconds > 0 else None
                print("  %8.3f %5.1f%% %7s %8s %7s  %s (x%d)"
                      % (seconds, 100 * seconds / layer_total, fmt(m and 100 * m / total, "%.1f%%"),
                         fmt(gflops, "%.0f"), fmt(gflops and 100 * gflops / (threads * core_peak), "%.0f%%"),
                         kind, layers))
            if conv_macs != total:
                print("  (the profile's convolutions account for %.1f %% of the network's multiply-adds)"
                      % (100 * conv_macs / total))
            print("  %8.3f s in layers: %.0f GFLOP/s, %.0f %% of %d cores' peak"
                  % (layer_total, 2 * total / layer_total * 1e-9,
                     100 * 2 * total / layer_total * 1e-9 / (threads * core_peak), threads))

    if goals:
        print("\nIssue 19's goals in this run:")
        for g in goals:
            print("  " + g)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1])
