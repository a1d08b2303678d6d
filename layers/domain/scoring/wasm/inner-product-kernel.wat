;; WebAssembly SIMD kernel for exact maximum-inner-product search: the inner product of one query with
;; every row of a row-major float32 matrix, one float32 score per row. The scan over the rows is the whole
;; cost of an exact k-NN query; selecting the best k from the scores stays in JavaScript.
;;
;; Every row is summed in the same order whatever its position (four lane-wise accumulators over 16-float
;; blocks, one over the 4-float blocks left, then the lanes, then a scalar tail), so a vector scores the
;; same bits wherever it sits in the matrix and equal vectors always tie.
;;
;; The memory is not shared: each vector index owns one and grows it as vectors arrive. Pointers are byte
;; offsets into it. Compiled to inner-product-kernel.wasm by layers/domain/als/wasm/compile-kernels.ts;
;; a unit test checks that the two agree.
(module
  (import "env" "memory" (memory 1))

  ;; out[r] = Σ matrix[r·dims + d]·query[d] over d < dims, for r < rows.
  (func (export "innerProducts")
    (param $rows i32) (param $dims i32) (param $matrix i32) (param $query i32) (param $out i32)
    (local $row i32) (local $rowBytes i32) (local $end16 i32) (local $end4 i32)
    (local $a i32) (local $i i32) (local $s f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $end16 (i32.shl (i32.and (local.get $dims) (i32.const -16)) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $dims) (i32.const -4)) (i32.const 2)))
    (local.set $a (local.get $matrix))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $acc2 (v128.const i64x2 0 0))
        (local.set $acc3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $done16
          (loop $loop16
            (br_if $done16 (i32.ge_u (local.get $i) (local.get $end16)))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                (v128.load (i32.add (local.get $query) (local.get $i))))))
            (local.set $acc1 (f32x4.add (local.get $acc1)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $i)))
                (v128.load offset=16 (i32.add (local.get $query) (local.get $i))))))
            (local.set $acc2 (f32x4.add (local.get $acc2)
              (f32x4.mul (v128.load offset=32 (i32.add (local.get $a) (local.get $i)))
                (v128.load offset=32 (i32.add (local.get $query) (local.get $i))))))
            (local.set $acc3 (f32x4.add (local.get $acc3)
              (f32x4.mul (v128.load offset=48 (i32.add (local.get $a) (local.get $i)))
                (v128.load offset=48 (i32.add (local.get $query) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 64)))
            (br $loop16)))
        (block $done4
          (loop $loop4
            (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                (v128.load (i32.add (local.get $query) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $loop4)))
        (local.set $acc0 (f32x4.add
          (f32x4.add (local.get $acc0) (local.get $acc1))
          (f32x4.add (local.get $acc2) (local.get $acc3))))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $rowBytes)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $a) (local.get $i)))
                (f32.load (i32.add (local.get $query) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 2))) (local.get $s))
        (local.set $a (i32.add (local.get $a) (local.get $rowBytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $eachRow))))
)
