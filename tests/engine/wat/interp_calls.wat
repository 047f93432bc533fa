;; Host imports, callbacks and a wasm function imported from another instance.
(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "exit" (func $exit (param i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "other" "triple" (func $triple (param i32) (result i32)))
  (import "other" "mem_size" (func $other_mem (result i32)))
  (memory (export "memory") 2)

  (func (export "call_host") (param i32 i32) (result i32)
    (i32.mul (call $add (local.get 0) (local.get 1)) (i32.const 10)))
  (func (export "call_exit") (param i32) (result i32)
    (call $exit (local.get 0))
    (i32.const 99))
  (func (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  ;; host "reenter" calls back into "square"
  (func (export "call_reenter") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1)))
  (func (export "call_other") (param i32) (result i32)
    (i32.add (call $triple (local.get 0)) (memory.size)))
  (func (export "other_mem") (result i32) (i32.add (call $other_mem) (i32.mul (memory.size) (i32.const 100))))
)
