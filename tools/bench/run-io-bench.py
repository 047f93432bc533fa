#!/usr/bin/env python3
"""Times the I/O benchmarks (io_*.c) natively and under `capsa run --dir ...` in one go.

One invocation prepares a scratch directory (the copy's input file, a directory of empty files),
then runs each benchmark's native twin and its wasm build under capsa REPS times each, in turn,
and prints one table: the timed section's best (or median) wall time in both, their ratio and,
for the small-call benchmarks, the time capsa adds per operation. Every run's stdout must equal
the native run's and its effects must match (the written file's size and SHA-256; the copy
equals its input); otherwise the row says MISMATCH and the driver exits 1.

The timed section is measured inside the program (clock_gettime(CLOCK_MONOTONIC) around the
loop, the same code in both builds), so capsa's start-up (fork, sandbox, module load) is not in
it; whole-process wall times are shown too.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ELAPSED = re.compile(r"^io-bench-elapsed-ns (\d+)$", re.M)


@dataclass
class Size:
    write_count: int
    write_bytes: int
    copy_bytes: int
    copy_block: int
    tree_files: int
    readdir_passes: int
    open_count: int


SIZES = {
    # The figures: 100,000 16-byte writes; 256 MB in 64 KiB blocks; 10,000 entries;
    # 10,000 open + close.
    "default": Size(100_000, 16, 256 << 20, 64 << 10, 10_000, 1, 10_000),
    # Seconds in all, for the bench-smoke test; the copy is not a whole number of blocks.
    "smoke": Size(300, 16, (1 << 20) + 12_345, 64 << 10, 50, 2, 120),
}


@dataclass
class Bench:
    name: str         # bench_io_NAME(.wasm|_native)
    title: str        # the table's first column
    ops: int          # operations the per-op overhead is divided by (0: not shown)
    op_note: str      # what one operation is, in WASI calls under wasi-libc
    native_args: list[str]
    wasm_args: list[str]   # after `capsa run`: --dir flags, then MODULE is inserted, then args
    module_args: list[str]
    output: Path | None = None     # file the run writes (checked, then removed)
    expect_size: int | None = None
    expect_sha: str | None = None  # None: the first native run's checksum is the reference


@dataclass
class Cell:
    section: list[float] = field(default_factory=list)  # timed section, seconds
    process: list[float] = field(default_factory=list)  # whole process wall, seconds
    status: str = "ok"  # ok | n/a | MISMATCH
    note: str = ""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def prepare(root: Path, size: Size) -> str:
    """Creates root/tree (empty files f00000...), root/in/input.bin; returns its SHA-256."""
    for sub in ("tree", "in", "out-native", "out-capsa"):
        (root / sub).mkdir()
    for i in range(size.tree_files):
        (root / "tree" / f"f{i:05d}").touch()
    h = hashlib.sha256()
    left = size.copy_bytes
    with open(root / "in" / "input.bin", "wb") as f:
        while left > 0:
            chunk = os.urandom(min(left, 4 << 20))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return h.hexdigest()


def benchmarks(root: Path, size: Size, input_sha: str) -> list[Bench]:
    tree, inp = str(root / "tree"), str(root / "in")
    result = []
    w = size
    result.append(Bench(
        "write", f"fd_write {w.write_count} x {w.write_bytes} B", w.write_count,
        "one write() = 1 fd_write",
        ["{out}/write.bin", str(w.write_count), str(w.write_bytes)],
        ["--dir", "{out}::/out::rw"], ["/out/write.bin", str(w.write_count), str(w.write_bytes)],
        output=Path("write.bin"), expect_size=w.write_count * w.write_bytes))
    result.append(Bench(
        "copy", f"copy {w.copy_bytes >> 20} MiB / {w.copy_block >> 10} KiB", 0,
        "one block = 1 fd_read + 1 fd_write",
        [f"{inp}/input.bin", "{out}/copy.bin", str(w.copy_block)],
        ["--dir", f"{inp}::/in", "--dir", "{out}::/out::rw"],
        ["/in/input.bin", "/out/copy.bin", str(w.copy_block)],
        output=Path("copy.bin"), expect_size=w.copy_bytes, expect_sha=input_sha))
    result.append(Bench(
        "readdir", f"readdir {w.tree_files} entries" +
        (f" x {w.readdir_passes}" if w.readdir_passes > 1 else ""), 0,
        "opendir + fd_readdir replies (<= 4 KiB each) + closedir",
        [tree, str(w.readdir_passes)], ["--dir", f"{tree}::/tree"],
        ["/tree", str(w.readdir_passes)]))
    result.append(Bench(
        "open", f"path_open+fd_close {w.open_count}", w.open_count,
        "one open()+close() = fd_fdstat_get + path_open + fd_close",
        [tree, str(w.open_count), str(w.tree_files)], ["--dir", f"{tree}::/tree"],
        ["/tree", str(w.open_count), str(w.tree_files)]))
    return result


def last_line(text: str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][:160] if lines else "(no output)"


def run_once(argv: list[str], timeout: float):
    """Returns (process wall s, exit code or 'timeout', stdout, stderr)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, "timeout", "", ""
    return time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr


def check_effects(b: Bench, out_dir: Path, reference: dict) -> str:
    """'' when the run's file is right; else what is wrong. Removes the file afterwards so
    dirty pages of earlier runs never pile up behind later ones."""
    if b.output is None:
        return ""
    path = out_dir / b.output
    try:
        size = path.stat().st_size
        if size != b.expect_size:
            return f"{path.name} is {size} bytes, expected {b.expect_size}"
        sha = sha256_file(path)
    except OSError as e:
        return f"{path.name}: {e.strerror}"
    finally:
        path.unlink(missing_ok=True)
    want = b.expect_sha or reference.setdefault(b.name, sha)
    return "" if sha == want else f"{path.name} sha256 {sha[:16]}..., expected {want[:16]}..."


def run_cell(argv: list[str], b: Bench, out_dir: Path, expected: dict,
             reference: dict, cell: Cell, timeout: float) -> None:
    if cell.status != "ok":
        return
    wall, rc, out, err = run_once(argv, timeout)
    if rc != 0:
        cell.status, cell.note = "n/a", f"exited {rc}: {last_line(err or out)}"
        return
    m = ELAPSED.search(err)
    if m is None:
        cell.status, cell.note = "n/a", "no io-bench-elapsed-ns line on stderr"
        return
    if expected.setdefault(b.name, out) != out:
        cell.status = "MISMATCH"
        cell.note = f"printed {last_line(out)!r}, native printed {last_line(expected[b.name])!r}"
        return
    if problem := check_effects(b, out_dir, reference):
        cell.status, cell.note = "MISMATCH", problem
        return
    cell.section.append(int(m.group(1)) / 1e9)
    cell.process.append(wall)


def pick(values: list[float], stat: str) -> float:
    return min(values) if stat == "best" else statistics.median(values)


def format_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        text = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(text).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", type=Path, default=REPO / "build",
                        help="CMake build tree holding tools/bench (default: <repo>/build)")
    parser.add_argument("--capsa", help="capsa binary (default: $CAPSA, else "
                        "BUILD/launcher/capsa)")
    parser.add_argument("--reps", type=int, default=5, help="runs per cell (default 5)")
    parser.add_argument("--stat", choices=["best", "median"], default="best",
                        help="best (default) or median of the runs")
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--only", help="comma-separated: write,copy,readdir,open")
    parser.add_argument("--tmpdir", type=Path, help="where the scratch directory goes "
                        "(default: $TMPDIR or /tmp; needs ~2x the copy size free)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--strict", action="store_true",
                        help="also exit 1 when capsa fails or is missing")
    parser.add_argument("--json", type=Path, help="also write all timings to this file")
    opts = parser.parse_args()
    if opts.reps < 1:
        parser.error("--reps must be at least 1")

    capsa = opts.capsa or os.environ.get("CAPSA") or str(opts.build_dir / "launcher" / "capsa")
    bench_dir = opts.build_dir / "tools" / "bench"
    size = SIZES[opts.size]
    root = Path(tempfile.mkdtemp(prefix="capsa-io-bench-", dir=opts.tmpdir))
    try:
        input_sha = prepare(root, size)
        benches = benchmarks(root, size, input_sha)
        if opts.only:
            names = opts.only.split(",")
            unknown = set(names) - {b.name for b in benches}
            if unknown:
                parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
            benches = [b for b in benches if b.name in names]
        for b in benches:
            for path in (bench_dir / f"bench_io_{b.name}_native",
                         bench_dir / f"bench_io_{b.name}.wasm"):
                if not path.exists():
                    sys.exit(f"run-io-bench: {path} not found; build first: "
                             f"cmake --build {opts.build_dir}")
        capsa_ok = os.access(capsa, os.X_OK)

        load_before = os.getloadavg()
        cells: dict[tuple[str, str], Cell] = {}
        expected: dict[str, str] = {}
        reference: dict[str, str] = {}
        for b in benches:
            native, wasm = Cell(), Cell()
            if not capsa_ok:
                wasm.status, wasm.note = "n/a", f"{capsa} is not an executable file"
            cells[(b.name, "native")], cells[(b.name, "capsa")] = native, wasm
            native_out, capsa_out = root / "out-native", root / "out-capsa"
            native_argv = [str(bench_dir / f"bench_io_{b.name}_native"),
                           *(a.replace("{out}", str(native_out)) for a in b.native_args)]
            capsa_argv = [capsa, "run",
                          *(a.replace("{out}", str(capsa_out)) for a in b.wasm_args),
                          str(bench_dir / f"bench_io_{b.name}.wasm"), *b.module_args]
            # Alternate native and capsa so a change in the machine's load hits both.
            for _ in range(opts.reps):
                run_cell(native_argv, b, native_out, expected, reference, native,
                         opts.timeout)
                if native.status != "ok":
                    break
                run_cell(capsa_argv, b, capsa_out, expected, reference, wasm,
                         opts.timeout)
            shown = {k: (f"{pick(c.section, opts.stat) * 1e3:.1f} ms" if c.status == "ok"
                         else c.status) for k, c in (("native", native), ("capsa", wasm))}
            print(f"{b.name}: native {shown['native']}, capsa {shown['capsa']}", file=sys.stderr)
        load_after = os.getloadavg()
    finally:
        if opts.keep:
            print(f"run-io-bench: scratch directory kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    rows = [["benchmark", "native ms", "capsa ms", "capsa/native", "+us/op",
             "native proc ms", "capsa proc ms"]]
    for b in benches:
        n, c = cells[(b.name, "native")], cells[(b.name, "capsa")]
        row = [b.title]
        row.append(f"{pick(n.section, opts.stat) * 1e3:.1f}" if n.status == "ok" else n.status)
        if c.status != "ok" or n.status != "ok":
            row += [c.status if c.status != "ok" else f"{pick(c.section, opts.stat) * 1e3:.1f}",
                    "-", "-"]
        else:
            ns, cs = pick(n.section, opts.stat), pick(c.section, opts.stat)
            row += [f"{cs * 1e3:.1f}", f"{cs / ns:.2f}",
                    f"{(cs - ns) / b.ops * 1e6:.2f}" if b.ops else "-"]
        row.append(f"{pick(n.process, opts.stat) * 1e3:.0f}" if n.status == "ok" else "-")
        row.append(f"{pick(c.process, opts.stat) * 1e3:.0f}" if c.status == "ok" else "-")
        rows.append(row)
    print(f"{opts.stat} of {opts.reps} run(s), size {opts.size}; timed section inside the "
          f"program (ms), whole process wall (proc ms)")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"{os.cpu_count()} CPUs")
    print(format_table(rows))
    for b in benches:
        if b.ops:
            print(f"+us/op for {b.name}: (capsa - native) / {b.ops}; {b.op_note}")
    notes = [(k, c) for k, c in cells.items() if c.status != "ok"]
    for (name, side), c in notes:
        print(f"note: {side} ({name}): {c.status}: {c.note}")

    if opts.json:
        opts.json.write_text(json.dumps(
            {"reps": opts.reps, "size": opts.size, "stat": opts.stat,
             "load": [load_before, load_after],
             "runs": [{"benchmark": b, "runtime": r, "status": c.status, "note": c.note,
                       "section": c.section, "process": c.process}
                      for (b, r), c in cells.items()]}, indent=1))

    if any(c.status == "MISMATCH" or side == "native" for (_, side), c in notes):
        print("run-io-bench: FAILED: wrong output or effects, or native failed (see notes)",
              file=sys.stderr)
        return 1
    if opts.strict and notes:
        print("run-io-bench: FAILED (--strict): capsa was missing or failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
