;; The instance that interp_calls imports wasm functions from.
(module
  (memory 5)
  (func (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "mem_size") (result i32) (memory.size))
)
