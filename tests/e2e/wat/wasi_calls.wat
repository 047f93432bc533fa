;; Calls WASI imports from wasm code, so the tests cover the engine's side of
;; host calls too (argument passing, CallContext::memory, traps from hosts).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "hello, ")
  (data (i32.const 0x200) "world\n")
  ;; Two iovecs at 0x10: {0x100, 7}, {0x200, 6}.
  (data (i32.const 0x10) "\00\01\00\00\07\00\00\00\00\02\00\00\06\00\00\00")

  ;; fd_write of both iovecs to stdout; returns nwritten (or -errno).
  (func (export "write_two") (result i32)
    (local $e i32)
    (local.set $e (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 2) (i32.const 0x20)))
    (if (result i32) (local.get $e)
      (then (i32.sub (i32.const 0) (local.get $e)))
      (else (i32.load (i32.const 0x20)))))

  ;; The iovec array starts 4 bytes before the end of memory: EFAULT (21).
  (func (export "bad_iovec_array") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0x20)))

  ;; The result pointer is -1 (0xFFFFFFFF): EFAULT, nothing written.
  (func (export "bad_result_ptr") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 2) (i32.const -1)))

  (func (export "argc") (result i32)
    (drop (call $args_sizes_get (i32.const 0x30) (i32.const 0x34)))
    (i32.load (i32.const 0x30)))

  ;; An i64 parameter between i32s; unknown clock id 9 is EINVAL (28).
  (func (export "bad_clock") (result i32)
    (call $clock_time_get (i32.const 9) (i64.const 0x7FFFFFFFFFFFFFFF) (i32.const 0x40)))

  (func (export "exit") (param $code i32)
    (call $proc_exit (local.get $code))
    unreachable))
