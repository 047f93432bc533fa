;; Deliberately wrong expectations: capsa-wast must count them as failures and
;; exit non-zero, so a runner that passes everything cannot go unnoticed.

(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "nan") (result f32) (f32.const nan:0x200000))
)

(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "one") (i32.const 1))
(assert_trap (invoke "one") "unreachable")
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
