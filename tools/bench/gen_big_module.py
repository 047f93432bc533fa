#!/usr/bin/env python3
"""Writes a large valid WebAssembly module for load-throughput measurements.

    tools/bench/gen_big_module.py [--size-mb 30] [--seed 1] OUT.wasm

The module has one memory, one funcref table, a few signatures and many defined
functions (about 900 bytes of code each for the default size) whose bodies look
like compiled C: nested blocks and loops with br_if, if/else, i32/i64/f64
arithmetic on locals and constants, loads and stores with offsets, direct calls
to earlier functions and call_indirect through the table. Deterministic for a
given seed. It is valid (wasm-validate accepts it) but not meant to be run.
"""

import argparse
import random
import struct
import sys


def uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        out.append(b if done else b | 0x80)
        if done:
            return bytes(out)


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + uleb(len(payload)) + payload


def vec(items) -> bytes:
    items = list(items)
    return uleb(len(items)) + b"".join(items)


I32, I64, F64 = 0x7F, 0x7E, 0x7C
# Signatures: 0 (i32 i32)->i32, 1 (i32)->i32, 2 (f64 f64)->f64, 3 ()->()
TYPES = [([I32, I32], [I32]), ([I32], [I32]), ([F64, F64], [F64]), ([], [])]
# Locals of every function after its params: 4 i32, 2 i64, 2 f64.
EXTRA_LOCALS = [(4, I32), (2, I64), (2, F64)]


class Body:
    """Emits one function body; tracks the local indices by type."""

    def __init__(self, rng: random.Random, type_index: int, func_index: int, first_defined: int):
        self.rng = rng
        self.type_index = type_index
        self.func_index = func_index
        self.first_defined = first_defined
        params = TYPES[type_index][0]
        self.locals = {I32: [], I64: [], F64: []}
        for i, t in enumerate(params):
            self.locals[t].append(i)
        n = len(params)
        for count, t in EXTRA_LOCALS:
            for _ in range(count):
                self.locals[t].append(n)
                n += 1
        self.code = bytearray()
        self.depth = 0  # enclosing blocks (for br_if targets)

    def local(self, t):
        return self.rng.choice(self.locals[t])

    def e(self, *parts):
        for p in parts:
            self.code += p if isinstance(p, (bytes, bytearray)) else bytes([p])

    # --- expressions: each leaves one value of the given type
    def i32(self, depth=0):
        r = self.rng.random()
        if depth >= 3 or r < 0.3:
            if self.rng.random() < 0.6:
                self.e(0x20, uleb(self.local(I32)))
            else:
                self.e(0x41, sleb(self.rng.randrange(-1000, 100000)))
            return
        if r < 0.65:
            self.i32(depth + 1)
            self.i32(depth + 1)
            self.e(self.rng.choice([0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x76, 0x46, 0x48, 0x4D]))
        elif r < 0.8:  # load from a masked address
            self.address(depth)
            op, align = self.rng.choice([(0x28, 2), (0x2D, 0), (0x2F, 1)])
            self.e(op, uleb(align), uleb(self.rng.randrange(0, 64) * 4))
        elif r < 0.88:
            self.i64(depth + 1)
            self.e(0xA7)  # i32.wrap_i64
        elif r < 0.94 and self.func_index > self.first_defined:
            callee = self.rng.randrange(self.first_defined, self.func_index)
            # only type-0 callees (every 4th function is type 0)
            callee -= (callee - self.first_defined) % 4
            self.i32(depth + 1)
            self.i32(depth + 1)
            self.e(0x10, uleb(callee))
        else:
            self.i32(depth + 1)
            self.i32(depth + 1)
            self.i32(depth + 1)
            self.e(0x1B)  # select

    def i64(self, depth=0):
        if depth >= 3 or self.rng.random() < 0.4:
            if self.rng.random() < 0.5:
                self.e(0x20, uleb(self.local(I64)))
            else:
                self.e(0x42, sleb(self.rng.randrange(-(1 << 40), 1 << 40)))
            return
        if self.rng.random() < 0.3:
            self.i32(depth + 1)
            self.e(0xAD)  # i64.extend_i32_u
            return
        self.i64(depth + 1)
        self.i64(depth + 1)
        self.e(self.rng.choice([0x7C, 0x7D, 0x7E, 0x83, 0x85, 0x86, 0x89]))

    def f64(self, depth=0):
        if depth >= 3 or self.rng.random() < 0.4:
            r = self.rng.random()
            if r < 0.5:
                self.e(0x20, uleb(self.local(F64)))
            elif r < 0.8:
                self.e(0x44, struct.pack("<d", self.rng.uniform(-100, 100)))
            else:
                self.address(depth)
                self.e(0x2B, uleb(3), uleb(self.rng.randrange(0, 32) * 8))
            return
        self.f64(depth + 1)
        self.f64(depth + 1)
        self.e(self.rng.choice([0xA0, 0xA1, 0xA2, 0xA3]))

    def address(self, depth):
        self.i32(depth + 1)
        self.e(0x41, sleb(0xFFF0), 0x71)  # i32.and: stay inside the first page

    # --- statements: leave the stack as they found it
    def stmt(self, depth=0):
        r = self.rng.random()
        if r < 0.3 or depth >= 3:
            t = self.rng.choice([I32, I32, I32, I64, F64])
            {I32: self.i32, I64: self.i64, F64: self.f64}[t]()
            self.e(0x21, uleb(self.local(t)))  # local.set
        elif r < 0.45:
            self.address(depth)
            if self.rng.random() < 0.7:
                self.i32()
                self.e(0x36, uleb(2), uleb(self.rng.randrange(0, 64) * 4))
            else:
                self.f64()
                self.e(0x39, uleb(3), uleb(self.rng.randrange(0, 32) * 8))
        elif r < 0.6:
            self.i32()
            self.e(0x04, 0x40)  # if
            self.depth += 1
            for _ in range(self.rng.randrange(1, 4)):
                self.stmt(depth + 1)
            if self.rng.random() < 0.5:
                self.e(0x05)
                for _ in range(self.rng.randrange(1, 3)):
                    self.stmt(depth + 1)
            self.e(0x0B)
            self.depth -= 1
        elif r < 0.8:
            # block { loop { body; br_if (cond) 0; } } with an early exit br_if 1
            self.e(0x02, 0x40, 0x03, 0x40)
            self.depth += 2
            for _ in range(self.rng.randrange(2, 5)):
                self.stmt(depth + 1)
            self.i32()
            self.e(0x0D, uleb(1))  # br_if to the block's end
            counter = self.local(I32)
            self.e(0x20, uleb(counter), 0x41, sleb(1), 0x6B, 0x22, uleb(counter))
            self.e(0x0D, uleb(0))  # br_if to the loop header
            self.e(0x0B, 0x0B)
            self.depth -= 2
        elif r < 0.9 and self.func_index > self.first_defined:
            self.i32()
            self.i32()
            self.e(0x41, sleb(self.rng.randrange(0, 8)))
            self.e(0x11, uleb(0), uleb(0))  # call_indirect (type 0) table 0
            self.e(0x1A)  # drop
        else:
            # block { block { br_table 0 1 (i32) } stmt } : a two-way switch
            self.e(0x02, 0x40, 0x02, 0x40)
            self.i32()
            self.e(0x0E, uleb(1), uleb(0), uleb(1), 0x0B)
            self.stmt(depth + 1)
            self.e(0x0B)

    def build(self, target_bytes: int) -> bytes:
        while len(self.code) < target_bytes:
            self.stmt()
        # the result
        results = TYPES[self.type_index][1]
        if results == [I32]:
            self.i32()
        elif results == [F64]:
            self.f64()
        self.e(0x0B)
        locals_decl = vec(uleb(count) + bytes([t]) for count, t in EXTRA_LOCALS)
        body = locals_decl + bytes(self.code)
        return uleb(len(body)) + body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--body-bytes", type=int, default=900, help="approximate code bytes per function")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    target = int(args.size_mb * 1e6)
    num_funcs = max(8, target // (args.body_bytes + 30))
    first_defined = 0  # no imports

    types = vec(b"\x60" + vec(bytes([p]) for p in ps) + vec(bytes([r]) for r in rs) for ps, rs in TYPES)
    func_types = [i % 4 for i in range(num_funcs)]
    funcs = vec(uleb(t) for t in func_types)
    table = vec([b"\x70\x00" + uleb(8)])
    memory = vec([b"\x00" + uleb(1)])
    exports = vec([uleb(3) + b"run" + b"\x00" + uleb(0)])  # "run" = function 0
    # elem: table 0 at offset 0 gets the first 8 type-0 functions (indices 0, 4, ..., 28)
    elem_funcs = [4 * i for i in range(8)]
    elems = vec([b"\x00" + b"\x41\x00\x0b" + vec(uleb(f) for f in elem_funcs)])
    bodies = []
    for i in range(num_funcs):
        b = Body(rng, func_types[i], i, first_defined)
        bodies.append(b.build(args.body_bytes))
    code = vec(bodies)
    module = b"\x00asm\x01\x00\x00\x00" + section(1, types) + section(3, funcs) + section(4, table) + \
        section(5, memory) + section(7, exports) + section(9, elems) + section(10, code)
    with open(args.out, "wb") as f:
        f.write(module)
    print(f"{args.out}: {len(module) / 1e6:.1f} MB, {num_funcs} functions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
