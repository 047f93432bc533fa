#!/bin/sh
# A stand-in wasm runtime that exits 0 with the wrong output: run-bench.py must flag it.
echo "not the checksum"
