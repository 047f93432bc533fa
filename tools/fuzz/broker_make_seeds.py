#!/usr/bin/env python3
"""Writes seed inputs for capsa_broker_fuzzer: realistic worker sessions in the
fuzzer's input format (u16 little-endian header + message bytes, repeated; the
header's top bit sends the message through the control page, see
tools/fuzz/broker_harness.h).

Usage: broker_make_seeds.py OUT_DIR
The fuzzer's preopens are fd 3 = /ro and fd 4 = /rw (tools/fuzz/broker_harness.h).
"""
import os
import struct
import sys

OPS = ["hello", "retired_2", "fd_write", "fd_read", "fd_pwrite", "fd_pread", "fd_close",
       "fd_seek", "fd_tell", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get",
       "fd_prestat_dir_name", "fd_filestat_get", "fd_sync", "fd_datasync", "path_open",
       "path_filestat_get", "path_create_directory", "path_remove_directory",
       "path_unlink_file", "clock_res_get", "clock_time_get", "random_get", "sched_yield",
       "unsupported", "report_exit", "report_trap", "fd_readdir"]
OP = {name: i + 1 for i, name in enumerate(OPS)}
ALL = (1 << 30) - 1


def msg(op, body=b"", trailer=b""):
    return struct.pack("<II", OP[op], 8 + len(body) + len(trailer)) + body + trailer


def fd_op(op, fd):
    return msg(op, struct.pack("<II", fd, 0))


def io(op, fd, iovs, offset=0):
    return msg(op, struct.pack("<IIQ", fd, len(iovs), offset),
               b"".join(struct.pack("<II", o, n) for o, n in iovs))


def path(op, fd, p, lookup=0, base=0, inh=0, oflags=0, fdflags=0):
    p = p.encode()
    return msg(op, struct.pack("<IIQQHHI", fd, lookup, base, inh, oflags, fdflags, len(p)), p)


def open_(fd, p, oflags=0, base=ALL, lookup=1, fdflags=0):
    return path("path_open", fd, p, lookup, base, ALL, oflags, fdflags)


def text(op, t):
    t = t.encode()
    return msg(op, struct.pack("<II", len(t), 0), t)


def seek(fd, whence, offset):
    return msg("fd_seek", struct.pack("<IB3xq", fd, whence, offset))


def clock(op, cid, precision=0):
    return msg(op, struct.pack("<IIQ", cid, 0, precision))


def readdir(fd, buf, buf_len, cookie=0):
    return msg("fd_readdir", struct.pack("<IIIIQ", fd, buf, buf_len, 0, cookie))


def exit_(code=0):
    return msg("report_exit", struct.pack("<II", code, 0))


class Page(bytes):
    """A message the harness writes into the control page instead of sending."""


SESSIONS = {
    "startup": [msg("hello"), fd_op("fd_prestat_get", 3),
                fd_op("fd_prestat_dir_name", 3), fd_op("fd_prestat_get", 4),
                fd_op("fd_prestat_dir_name", 4), fd_op("fd_prestat_get", 5), exit_()],
    "read_ro": [open_(3, "a", base=(1 << 1) | (1 << 2) | (1 << 5)), io("fd_read", 5, [(0, 64)]),
                seek(5, 0, 2), fd_op("fd_tell", 5), io("fd_pread", 5, [(100, 4), (200, 4)], 3),
                fd_op("fd_filestat_get", 5), fd_op("fd_fdstat_get", 5), fd_op("fd_close", 5),
                exit_()],
    "write_rw": [open_(4, "new", oflags=1 | 8), io("fd_write", 5, [(0, 16)]),
                 io("fd_pwrite", 5, [(0, 8)], 100), fd_op("fd_sync", 5),
                 fd_op("fd_datasync", 5), msg("fd_fdstat_set_flags", struct.pack("<IHH", 5, 1, 0)),
                 fd_op("fd_close", 5), path("path_unlink_file", 4, "new"), exit_(3)],
    "dirs_rw": [path("path_create_directory", 4, "newdir"),
                path("path_filestat_get", 4, "newdir", 1),
                open_(4, "newdir", oflags=2), path("path_create_directory", 5, "x"),
                path("path_remove_directory", 4, "newdir/x"),
                path("path_remove_directory", 4, "newdir"), exit_()],
    "escapes": [open_(3, "out/secret"), open_(3, "esc"), open_(3, "../outside/secret"),
                open_(4, "up/secret", oflags=1 | 8), path("path_unlink_file", 4, "up/secret"),
                path("path_create_directory", 3, "d/new"), open_(3, "a", oflags=1 | 8),
                path("path_filestat_get", 4, "loop", 1), open_(4, "/etc/passwd")],
    "misc": [clock("clock_res_get", 0), clock("clock_time_get", 1, 1000),
             msg("random_get", struct.pack("<II", 0, 32)), msg("sched_yield"),
             text("unsupported", "poll_oneoff"), io("fd_write", 1, [(0, 4)]),
             io("fd_read", 0, [(0, 4)]), fd_op("fd_close", 1), text("report_trap", "unreachable")],
    "bad_ranges": [open_(4, "f"), io("fd_read", 5, [(65536, 1)]),
                   io("fd_write", 5, [(0xfffffff0, 0x20)]),
                   msg("random_get", struct.pack("<II", 0xffffffff, 0xffffffff)), exit_()],
    # The broker writes dirents into guest memory: whole, cut at buf_len, out of bounds.
    "readdir": [readdir(3, 0, 4096), readdir(3, 100, 30), readdir(3, 0, 0),
                readdir(3, 0, 64, 2), readdir(3, 0, 64, 0xffffffffffffffff),
                readdir(3, 65536 - 10, 30), readdir(3, 0xfffffff0, 0x20),
                open_(4, "sub", oflags=2), readdir(5, 65000, 536), readdir(4, 0, 65536),
                path("path_unlink_file", 4, "f"), readdir(4, 512, 100, 1), exit_()],
    "violation": [msg("sched_yield"), struct.pack("<II", 999, 8)],
    # A worker's real mix: Hello on the socket, its calls on the page, the report on the socket.
    "page_session": [msg("hello"), Page(fd_op("fd_prestat_get", 3)),
                     Page(fd_op("fd_prestat_dir_name", 3)), Page(open_(4, "f")),
                     Page(io("fd_read", 5, [(0, 64)])), Page(io("fd_write", 1, [(0, 4)])),
                     Page(open_(3, "out/secret")), Page(fd_op("fd_close", 5)), exit_()],
    "page_then_socket": [Page(open_(4, "new", oflags=1 | 8)), io("fd_write", 5, [(0, 16)]),
                         Page(fd_op("fd_filestat_get", 5)), msg("sched_yield"),
                         Page(readdir(4, 0, 4096)), exit_()],
    "page_hello": [Page(msg("hello"))],
    "page_sequence_jump": [Page(msg("sched_yield")), Page(b""), Page(msg("sched_yield"))],
    "page_length_past_area": [Page(struct.pack("<II", OP["sched_yield"], 0xffff))],
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, messages in SESSIONS.items():
        data = b"".join(struct.pack("<H", len(m) | (0x8000 if isinstance(m, Page) else 0)) + m
                        for m in messages)
        with open(os.path.join(out, "seed_" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
