#!/bin/sh
# A stand-in wasm runtime that fails: run-bench.py must show n/a and still exit 0.
echo "failing-runtime: cannot run $1" >&2
exit 3
