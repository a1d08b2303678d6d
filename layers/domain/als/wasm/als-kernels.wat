;; WebAssembly SIMD kernels for the implicit-ALS conjugate-gradient step (see least-squares-step.ts for the
;; maths and the JavaScript reference the unit tests compare against). float32 throughout, as in the
;; `implicit` library. Every pointer is a byte offset into the shared memory that the trainer lays out;
;; several workers run these functions at once on disjoint rows of the same memory.
;; Compiled to als-kernels.wasm by compile-kernels.ts; a unit test checks that the two agree.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Σ a[k]·b[k] for k < n, four vector accumulators, then a scalar tail.
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $i i32) (local $end16 i32) (local $end4 i32) (local $bytes i32) (local $s f32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end16 (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done16
      (loop $loop16
        (br_if $done16 (i32.ge_u (local.get $i) (local.get $end16)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $i))) (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load offset=32 (i32.add (local.get $a) (local.get $i))) (v128.load offset=32 (i32.add (local.get $b) (local.get $i))))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
          (f32x4.mul (v128.load offset=48 (i32.add (local.get $a) (local.get $i))) (v128.load offset=48 (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $loop16)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loop4)))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))
    (local.get $s))

  ;; y[k] += s·x[k] for k < n.
  (func $axpy (param $s f32) (param $x i32) (param $y i32) (param $n i32)
    (local $sv v128) (local $i i32) (local $end4 i32) (local $bytes i32)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $y) (local.get $i)))
            (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $x) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loop4)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (f32.store (i32.add (local.get $y) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $y) (local.get $i)))
            (f32.mul (local.get $s) (f32.load (i32.add (local.get $x) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; p[k] = r[k] + beta·p[k] for k < n.
  (func $xpby (param $r i32) (param $beta f32) (param $p i32) (param $n i32)
    (local $bv v128) (local $i i32) (local $end4 i32) (local $bytes i32)
    (local.set $bv (f32x4.splat (local.get $beta)))
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $r) (local.get $i)))
            (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $p) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loop4)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $r) (local.get $i)))
            (f32.mul (local.get $beta) (f32.load (i32.add (local.get $p) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; out = −(M·v) when $negate, else M·v; M is n × n, row-major.
  (func $matvec (param $m i32) (param $v i32) (param $out i32) (param $n i32) (param $negate i32)
    (local $a i32) (local $rowBytes i32) (local $s f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $a) (local.get $n)))
        (local.set $s (call $dot (i32.add (local.get $m) (i32.mul (local.get $a) (local.get $rowBytes))) (local.get $v) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $a) (i32.const 2)))
          (select (f32.neg (local.get $s)) (local.get $s) (local.get $negate)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $rows))))

  ;; Conjugate-gradient update of rows [start, end) of X against the fixed Y; G = YᵀY + λI.
  ;; Scratch holds four vectors of f floats: r, p, Ap and x.
  (func (export "cgRows")
    (param $indptr i32) (param $indices i32) (param $data i32)
    (param $X i32) (param $Y i32) (param $G i32) (param $f i32)
    (param $alpha f32) (param $steps i32) (param $start i32) (param $end i32) (param $scratch i32)
    (local $u i32) (local $rowBytes i32) (local $xo i32) (local $yo i32)
    (local $q i32) (local $qEnd i32) (local $w f32) (local $extra f32) (local $score f32)
    (local $r i32) (local $p i32) (local $ap i32) (local $x i32)
    (local $rsOld f32) (local $rsNew f32) (local $pAp f32) (local $step f32) (local $it i32)
    (local.set $rowBytes (i32.shl (local.get $f) (i32.const 2)))
    (local.set $r (local.get $scratch))
    (local.set $p (i32.add (local.get $r) (local.get $rowBytes)))
    (local.set $ap (i32.add (local.get $p) (local.get $rowBytes)))
    (local.set $x (i32.add (local.get $ap) (local.get $rowBytes)))
    (local.set $u (local.get $start))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $xo (i32.add (local.get $X) (i32.mul (local.get $u) (local.get $rowBytes))))
        (memory.copy (local.get $x) (local.get $xo) (local.get $rowBytes))
        (local.set $q (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $qEnd (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        ;; r = b − A x
        (call $matvec (local.get $G) (local.get $x) (local.get $r) (local.get $f) (i32.const 1))
        (block $residualDone
          (loop $residual
            (br_if $residualDone (i32.ge_u (local.get $q) (local.get $qEnd)))
            (local.set $yo (i32.add (local.get $Y)
              (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $q) (i32.const 2)))) (local.get $rowBytes))))
            (local.set $w (f32.load (i32.add (local.get $data) (i32.shl (local.get $q) (i32.const 2)))))
            (local.set $score (call $dot (local.get $yo) (local.get $x) (local.get $f)))
            (local.set $extra (f32.mul (local.get $alpha) (f32.abs (local.get $w))))
            (call $axpy
              (select
                (f32.sub (f32.add (f32.const 1) (local.get $extra)) (f32.mul (local.get $extra) (local.get $score)))
                (f32.neg (f32.mul (local.get $extra) (local.get $score)))
                (f32.gt (local.get $w) (f32.const 0)))
              (local.get $yo) (local.get $r) (local.get $f))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $residual)))
        (memory.copy (local.get $p) (local.get $r) (local.get $rowBytes))
        (local.set $rsOld (call $dot (local.get $r) (local.get $r) (local.get $f)))
        (if (f32.ge (local.get $rsOld) (f32.const 1e-20))
          (then
            (local.set $it (i32.const 0))
            (block $cgDone
              (loop $cg
                (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
                ;; Ap = A p, never forming A.
                (call $matvec (local.get $G) (local.get $p) (local.get $ap) (local.get $f) (i32.const 0))
                (local.set $q (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
                (block $apDone
                  (loop $apLoop
                    (br_if $apDone (i32.ge_u (local.get $q) (local.get $qEnd)))
                    (local.set $yo (i32.add (local.get $Y)
                      (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $q) (i32.const 2)))) (local.get $rowBytes))))
                    (local.set $w (f32.load (i32.add (local.get $data) (i32.shl (local.get $q) (i32.const 2)))))
                    (call $axpy
                      (f32.mul (f32.mul (local.get $alpha) (f32.abs (local.get $w))) (call $dot (local.get $yo) (local.get $p) (local.get $f)))
                      (local.get $yo) (local.get $ap) (local.get $f))
                    (local.set $q (i32.add (local.get $q) (i32.const 1)))
                    (br $apLoop)))
                (local.set $pAp (call $dot (local.get $p) (local.get $ap) (local.get $f)))
                (br_if $cgDone (i32.eqz (f32.gt (local.get $pAp) (f32.const 0))))
                (local.set $step (f32.div (local.get $rsOld) (local.get $pAp)))
                (call $axpy (local.get $step) (local.get $p) (local.get $x) (local.get $f))
                (call $axpy (f32.neg (local.get $step)) (local.get $ap) (local.get $r) (local.get $f))
                (local.set $rsNew (call $dot (local.get $r) (local.get $r) (local.get $f)))
                (br_if $cgDone (f32.lt (local.get $rsNew) (f32.const 1e-20)))
                (call $xpby (local.get $r) (f32.div (local.get $rsNew) (local.get $rsOld)) (local.get $p) (local.get $f))
                (local.set $rsOld (local.get $rsNew))
                (local.set $it (i32.add (local.get $it) (i32.const 1)))
                (br $cg)))
            (memory.copy (local.get $xo) (local.get $x) (local.get $rowBytes))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))

  ;; out (n × n float32, full) += Σ m_row m_rowᵀ over rows [start, end) of the row-major matrix M.
  (func (export "gramRows") (param $m i32) (param $n i32) (param $start i32) (param $end i32) (param $out i32)
    (local $row i32) (local $a i32) (local $rowBytes i32) (local $mo i32) (local $va f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $row (local.get $start))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $mo (i32.add (local.get $m) (i32.mul (local.get $row) (local.get $rowBytes))))
        (local.set $a (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $a) (local.get $n)))
            (local.set $va (f32.load (i32.add (local.get $mo) (i32.shl (local.get $a) (i32.const 2)))))
            (if (f32.ne (local.get $va) (f32.const 0))
              (then (call $axpy (local.get $va) (local.get $mo)
                (i32.add (local.get $out) (i32.mul (local.get $a) (local.get $rowBytes))) (local.get $n))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $cols)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))
)
