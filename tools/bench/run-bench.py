#!/usr/bin/env python3
"""Times the benchmark guests natively and under capsa (and other runtimes) in one go.

Each benchmark runs REPS rounds of native and then every runtime once (interleaved, so a drift
in the machine's speed hits every column alike); the table shows the median whole-process time
(wall or CPU, --metric) and its ratio to native, plus the geometric mean of the ratios. Every
run's stdout must equal the native run's: a runtime that exits 0 with different output is a MISMATCH and makes the driver
exit 1. A runtime that is absent, exits non-zero or times out shows "n/a" and a note (exit 1
only with --strict), so capsa's column can stay empty while capsa is being written.

Runtimes: native (always), capsa ($CAPSA, else BUILD/launcher/capsa), and, when the variable
is set, WASM3=/path/to/wasm3, IWASM=/path/to/iwasm (WAMR), WASMTIME=/path/to/wasmtime.
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# Environment variable -> (column name, argv prefix before "MODULE ARGS...").
EXTRA_RUNTIMES = {
    "WASM3": ("wasm3", []),
    "IWASM": ("iwasm", []),
    "WASMTIME": ("wasmtime", ["run", "--"]),
}


@dataclass
class Benchmark:
    name: str
    smoke_args: list[str]


@dataclass
class Runtime:
    name: str
    argv: list[str] | None  # None: not runnable; `missing` says why
    missing: str = ""


@dataclass
class Cell:
    times: list[float] = field(default_factory=list)  # the metric the table shows
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + sys of the child
    status: str = "ok"  # ok | n/a | MISMATCH
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def read_benchmarks() -> list[Benchmark]:
    result = []
    for line in (HERE / "benchmarks.txt").read_text().splitlines():
        fields = line.split()
        if fields and not line.startswith("#"):
            result.append(Benchmark(fields[0], fields[1:]))
    return result


def find_runtimes(build_dir: Path, wanted: set[str] | None) -> list[Runtime]:
    runtimes = []
    capsa = os.environ.get("CAPSA")
    if not capsa:
        capsa = str(build_dir / "launcher" / "capsa")
        if not os.access(capsa, os.X_OK):
            capsa = str(REPO / "build" / "launcher" / "capsa")
    runtimes.append(make_runtime("capsa", capsa, ["run"]))
    for var, (name, prefix) in EXTRA_RUNTIMES.items():
        if os.environ.get(var):
            runtimes.append(make_runtime(name, os.environ[var], prefix))
    if wanted is not None:
        runtimes = [r for r in runtimes if r.name in wanted]
    return runtimes


def make_runtime(name: str, path: str, prefix: list[str]) -> Runtime:
    if not os.access(path, os.X_OK):
        return Runtime(name, None, f"{path} is not an executable file")
    return Runtime(name, [path, *prefix])


def last_line(text: str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][:160] if lines else "(no output)"


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(argv: list[str], timeout: float) -> tuple[float, float, int | str, str, str]:
    """Returns (wall seconds, cpu seconds, exit code or 'timeout', stdout, stderr).

    CPU time is the difference in RUSAGE_CHILDREN around one child; runs are sequential, so
    it is that child's user + sys time. It is steadier than wall time when other processes
    share the machine's two cores.
    """
    cpu0, start = child_cpu(), time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return time.perf_counter() - start, child_cpu() - cpu0, "timeout", out, ""
    wall = time.perf_counter() - start
    return wall, child_cpu() - cpu0, proc.returncode, proc.stdout, proc.stderr


def record(cell: Cell, wall: float, cpu: float, metric: str) -> None:
    cell.wall.append(wall)
    cell.cpu.append(cpu)
    cell.times.append(wall if metric == "wall" else cpu)


def run_native(cell: Cell, exe: Path, args: list[str], expected: str | None, timeout: float,
               metric: str) -> str | None:
    """One native run into `cell`; returns its output (the reference for the wasm runs)."""
    wall, cpu, rc, out, err = timed_run([str(exe), *args], timeout)
    if rc != 0:
        cell.status, cell.note = "n/a", f"native exited {rc}: {last_line(err)}"
        return expected
    if expected is not None and out != expected:
        cell.status, cell.note = "MISMATCH", "native output differs between repetitions"
        return expected
    record(cell, wall, cpu, metric)
    return out


def run_wasm(cell: Cell, rt: Runtime, wasm: Path, args: list[str], expected: str,
             timeout: float, metric: str) -> None:
    """One run under `rt` into `cell`; a failure or a wrong output ends the cell."""
    if rt.argv is None:
        cell.status, cell.note = "n/a", rt.missing
        return
    wall, cpu, rc, out, err = timed_run([*rt.argv, str(wasm), *args], timeout)
    if rc != 0:
        cell.status = "n/a"
        cell.note = f"exited {rc}: {last_line(err or out)}"
        return
    if out != expected:
        cell.status = "MISMATCH"
        cell.note = f"got {last_line(out)!r}, native printed {last_line(expected)!r}"
        return
    record(cell, wall, cpu, metric)


def format_table(benchmarks: list[Benchmark], columns: list[str],
                 cells: dict[tuple[str, str], Cell]) -> str:
    header = ["benchmark", "native s"]
    for col in columns:
        header += [f"{col} s", f"{col}/native"]
    rows = [header]
    ratios: dict[str, list[float]] = {c: [] for c in columns}
    for b in benchmarks:
        native = cells[(b.name, "native")]
        row = [b.name, f"{native.median:.3f}" if native.status == "ok" else native.status]
        for col in columns:
            cell = cells[(b.name, col)]
            if cell.status != "ok":
                row += [cell.status, "-"]
            elif native.status != "ok":
                row += [f"{cell.median:.3f}", "-"]
            else:
                ratio = cell.median / native.median
                ratios[col].append(ratio)
                row += [f"{cell.median:.3f}", f"{ratio:.2f}"]
        rows.append(row)
    geo = ["geomean", ""]
    for col in columns:
        r = ratios[col]
        if not r:
            geo += ["", "n/a"]
        else:
            mean = math.exp(sum(math.log(x) for x in r) / len(r))
            partial = "" if len(r) == len(benchmarks) else f" ({len(r)}/{len(benchmarks)})"
            geo += ["", f"{mean:.2f}{partial}"]
    rows.append(geo)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for i, row in enumerate(rows):
        cells_text = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells_text).rstrip())
        if i == 0 or i == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", type=Path, default=REPO / "build",
                        help="CMake build tree holding tools/bench (default: <repo>/build)")
    parser.add_argument("--reps", type=int, default=3, help="runs per cell; median is shown")
    parser.add_argument("--size", choices=["default", "smoke"], default="default",
                        help="'smoke' uses the tiny sizes from benchmarks.txt")
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--runtimes", help="comma-separated runtime columns (default: all found)")
    parser.add_argument("--metric", choices=["wall", "cpu"], default="wall",
                        help="median of wall time (default) or of the child's user+sys time")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--strict", action="store_true",
                        help="also exit 1 when a runtime fails or is missing")
    parser.add_argument("--json", type=Path, help="also write all timings to this file")
    opts = parser.parse_args()
    if opts.reps < 1:
        parser.error("--reps must be at least 1")

    bench_dir = opts.build_dir / "tools" / "bench"
    benchmarks = read_benchmarks()
    if opts.only:
        names = opts.only.split(",")
        unknown = set(names) - {b.name for b in benchmarks}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        benchmarks = [b for b in benchmarks if b.name in names]
    wanted = set(opts.runtimes.split(",")) if opts.runtimes else None
    runtimes = find_runtimes(opts.build_dir, wanted)

    cells: dict[tuple[str, str], Cell] = {}
    for b in benchmarks:
        args = b.smoke_args if opts.size == "smoke" else []
        native_exe = bench_dir / f"bench_{b.name}_native"
        wasm = bench_dir / f"bench_{b.name}.wasm"
        for path in (native_exe, wasm):
            if not path.exists():
                sys.exit(f"run-bench: {path} not found; build first: cmake --build {opts.build_dir}")
        # Rounds, not blocks: each round runs native and then every runtime once, so a drift
        # in the machine's speed (this VM's drifts by a third within minutes) hits every
        # column alike instead of one runtime's block.
        native = Cell()
        expected: str | None = None
        wasm_cells = {rt.name: Cell() for rt in runtimes}
        for _ in range(opts.reps):
            if native.status == "ok":
                expected = run_native(native, native_exe, args, expected, opts.timeout,
                                      opts.metric)
            for rt in runtimes:
                cell = wasm_cells[rt.name]
                if native.status != "ok":
                    cell.status, cell.note = "n/a", "no native reference output"
                elif cell.status == "ok":
                    run_wasm(cell, rt, wasm, args, expected or "", opts.timeout, opts.metric)
        cells[(b.name, "native")] = native
        print(f"{b.name}: native {native.status} {last_line(expected or '')}", file=sys.stderr)
        for rt in runtimes:
            cell = wasm_cells[rt.name]
            cells[(b.name, rt.name)] = cell
            shown = f"{cell.median:.3f}s" if cell.status == "ok" else cell.status
            print(f"{b.name}: {rt.name} {shown}", file=sys.stderr)

    print(f"median {opts.metric} seconds of {opts.reps} run(s), size {opts.size}")
    print(format_table(benchmarks, [rt.name for rt in runtimes], cells))
    notes = [(key, c) for key, c in cells.items() if c.status != "ok"]
    printed = set()
    for (bench, col), c in notes:
        if (col, c.note) in printed:
            continue  # e.g. a missing runtime: say so once, not once per benchmark
        same = [b for (b, k), x in notes if k == col and x.note == c.note]
        where = "all" if len(same) == len(benchmarks) > 1 else ",".join(same)
        print(f"note: {col} ({where}): {c.status}: {c.note}")
        printed.add((col, c.note))

    if opts.json:
        opts.json.write_text(json.dumps(
            {"reps": opts.reps, "size": opts.size, "metric": opts.metric,
             "runs": [{"benchmark": b, "runtime": r, "status": c.status, "note": c.note,
                       "wall": c.wall, "cpu": c.cpu} for (b, r), c in cells.items()]},
            indent=1))

    mismatch = any(c.status == "MISMATCH" for _, c in notes)
    native_failed = any(c.status != "ok" for (_, col), c in notes if col == "native")
    if mismatch or native_failed:
        print("run-bench: FAILED: wrong output (see notes)", file=sys.stderr)
        return 1
    if opts.strict and notes:
        print("run-bench: FAILED (--strict): a runtime was missing or failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
