;; Control flow, multi-value, select, locals and globals.
(module
  (type $pair (func (param i32 i32) (result i32 i32)))
  (global $g (mut i32) (i32.const 10))
  (global $g64 (mut i64) (i64.const -5))
  (global $gf (mut f64) (f64.const 1.5))
  (global $c i32 (i32.const 42))

  ;; Sum 1..n with a loop and br_if (fused compare + branch).
  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $acc))

  ;; Same with a counting-up loop closed by br_if on lt_s (fused, immediate).
  (func (export "count_up") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $i))

  (func (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $facrec (i64.sub (local.get 0) (i64.const 1)))))))

    (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))

  (func $facrec (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $facrec (i64.sub (local.get 0) (i64.const 1)))))))

  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))

  (func $ack (export "ack") (param $m i64) (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $m))
      (then (i64.add (local.get $n) (i64.const 1)))
      (else
        (if (result i64) (i64.eqz (local.get $n))
          (then (call $ack (i64.sub (local.get $m) (i64.const 1)) (i64.const 1)))
          (else (call $ack (i64.sub (local.get $m) (i64.const 1))
                           (call $ack (local.get $m) (i64.sub (local.get $n) (i64.const 1)))))))))

  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (i32.const 1) (call $forever (local.get 0))))

  (func (export "spin") (loop $l (br $l)))

  (func (export "br_table") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 100)))
      (return (i32.const 101)))
      (return (i32.const 102)))
    (i32.const 103))

  ;; br_table carrying a value to blocks at different depths (needs moves).
  (func (export "br_table_value") (param i32) (result i32)
    (i32.add (i32.const 1000)
      (block $outer (result i32)
        (i32.add (i32.const 10)
          (block $inner (result i32)
            (i32.const 5)
            (drop (i32.const 99))
            (local.get 0)
            (br_table $inner $outer $inner (i32.const 7) (local.get 0))
            )))))

  (func (export "br_if_value") (param i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 7) (local.get 0)))
      (i32.const 9)))

  ;; Multi-value: block returning two values, function returning two.
  (func $swap (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "multi_block") (param i32 i32) (result i32)
    (block (result i32 i32) (local.get 0) (local.get 1))
    (i32.sub))
  (func (export "multi_block_params") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (block (type $pair) (i32.add) (i32.const 1))
    (i32.sub))
  (func (export "multi_call") (param i32 i32) (result i32)
    (call $swap (local.get 0) (local.get 1))
    (i32.sub))
  (func (export "multi_br") (param i32) (result i32 i32)
    (block $b (result i32 i32)
      (br_if $b (i32.const 1) (i32.const 2) (local.get 0))
      (drop) (drop)
      (i32.const 3) (i32.const 4)))
  (func (export "multi_loop") (param $n i32) (result i32) (local $c i32) (local $a i32)
    (local.get $n) (i32.const 0)
    (loop $l (param i32 i32) (result i32 i32)
      (local.set $a) (local.set $c)
      (i32.sub (local.get $c) (i32.const 1))
      (i32.add (local.get $a) (local.get $c))
      (br_if $l (i32.gt_s (local.get $c) (i32.const 1))))
    (local.set $a) (drop) (local.get $a))
  (func (export "return_swap") (param i32 i32) (result i32 i32)
    (local.get 1) (local.get 0) (return))

  (func (export "if_no_else") (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 5))
    (if (local.get 0) (then (local.set 1 (i32.const 6))))
    (local.get 1))
  (func (export "if_param") (param i32 i32) (result i32)
    (local.get 1)
    (if (param i32) (result i32) (local.get 0)
      (then (i32.mul (i32.const 2)))
      (else (i32.mul (i32.const 3)))))

  ;; nop anywhere (between operands, inside blocks, as a whole loop body)
  ;; leaves the operand stack and control flow as they were: (p + 1) * 2.
  (func (export "nops") (param i32) (result i32)
    nop
    (local.get 0) nop (i32.const 1) nop i32.add nop
    (block (result i32) nop (i32.const 2) nop) nop i32.mul
    (loop nop) nop)
  (func (export "select") (param i32 i64 i64) (result i64)
    (select (local.get 1) (local.get 2) (local.get 0)))
  (func (export "select_f32") (param i32 f32 f32) (result f32)
    (select (result f32) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "select_ref") (param i32) (result i32)
    (ref.is_null (select (result funcref) (ref.null func) (ref.func $fib) (local.get 0))))

  ;; A deferred local.get must see the value from before a later local.set.
  (func (export "deferred_local") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 100))
    (local.get 0)
    (i32.sub))
  (func (export "tee") (param i32) (result i32) (local i32)
    (i32.add (local.tee 1 (i32.mul (local.get 0) (i32.const 3))) (local.get 1)))
  (func (export "deferred_across_block") (param i32) (result i32)
    (local.get 0)
    (block (local.set 0 (i32.const 1)))
    (local.get 0)
    (i32.add))

  (func (export "globals") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.set $g64 (i64.mul (global.get $g64) (i64.const 2)))
    (global.set $gf (f64.mul (global.get $gf) (f64.const 2)))
    (i32.add (global.get $g) (global.get $c)))
  (func (export "get_g64") (result i64) (global.get $g64))
  (func (export "get_gf") (result f64) (global.get $gf))

  (func (export "unreachable") (unreachable))
  (func (export "nested_unreachable") (param i32) (result i32)
    (block (result i32)
      (if (local.get 0) (then (unreachable)))
      (i32.const 1)))
  (func (export "dead_code") (result i32)
    (return (i32.const 5))
    (block (result i32) (i32.const 1) (br 0))
    (drop)
    (i32.const 6))
)
