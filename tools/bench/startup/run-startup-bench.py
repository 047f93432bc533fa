#!/usr/bin/env python3
"""Start-up cost of `capsa run` on a hello-world module, against baselines run in the same go.

Rows (each the median wall time of REPS runs; the runs of all rows are interleaved, so load
drifts hit every row alike):
  native         the same hello.c built natively (gcc -O2)
  process floor  a native program that forks two children, reaps them and prints the same
                 text: the least any launcher + broker + worker design costs on this machine
  capsa --version  the capsa binary starting and exiting (loader + static initialisation)
  capsa run      the whole sandboxed run: launcher, broker and worker, lockdown, decode,
                 validate, translate, instantiate, run, report
  capsa run (baseline)  when CAPSA_BASELINE=/path/to/other/capsa is set: the same run by
                 another build (e.g. the previous commit's), to judge a change on this VM,
                 whose speed drifts by a third within minutes
  wasm3          when WASM3=/path/to/wasm3 is set (an in-process interpreter, no sandbox)

Every run's stdout must equal the native one's, else the row is a MISMATCH (exit 1).

    tools/bench/startup/run-startup-bench.py [--build build] [--reps 50]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(REPO / "build"), help="the capsa build directory")
    ap.add_argument("--reps", type=int, default=50, help="runs per row (default 50)")
    args = ap.parse_args()
    build = Path(args.build)
    capsa = os.environ.get("CAPSA", str(build / "launcher" / "capsa"))
    hello = str(build / "tests" / "guests" / "hello.wasm")
    rows = [
        ("native", [str(build / "tools" / "bench" / "startup" / "hello_native")], True),
        ("process floor", [str(build / "tools" / "bench" / "startup" / "process_floor")], True),
        ("capsa --version", [capsa, "--version"], False),
        ("capsa run", [capsa, "run", hello], True),
    ]
    if os.environ.get("CAPSA_BASELINE"):
        rows.append(("capsa run (baseline)", [os.environ["CAPSA_BASELINE"], "run", hello], True))
    if os.environ.get("WASM3"):
        rows.append(("wasm3", [os.environ["WASM3"], hello], True))
    for _, argv, _ in rows:
        if not Path(argv[0]).exists():
            print(f"missing: {argv[0]} (build the project first)", file=sys.stderr)
            return 2

    expected = subprocess.run(rows[0][1], capture_output=True, check=True).stdout
    times = {name: [] for name, _, _ in rows}
    status = {name: "ok" for name, _, _ in rows}
    for _ in range(3):  # warm the page cache
        for _, argv, _ in rows:
            subprocess.run(argv, capture_output=True)
    for _ in range(args.reps):
        for name, argv, compare in rows:
            start = time.perf_counter()
            r = subprocess.run(argv, capture_output=True)
            times[name].append((time.perf_counter() - start) * 1e3)
            if r.returncode != 0 or (compare and r.stdout != expected):
                status[name] = "MISMATCH"

    native = statistics.median(times["native"])
    print(f"start-up, median of {args.reps} runs (load average {os.getloadavg()[0]:.2f})")
    print(f"{'':22}{'ms':>8}{'min ms':>8}{'x native':>10}")
    for name, _, _ in rows:
        med = statistics.median(times[name])
        line = f"{name:22}{med:8.2f}{min(times[name]):8.2f}{med / native:10.2f}"
        print(line + ("" if status[name] == "ok" else "  " + status[name]))
    return 0 if all(s == "ok" for s in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
