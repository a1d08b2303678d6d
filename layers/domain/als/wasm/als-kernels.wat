;; WebAssembly SIMD kernels for implicit ALS: the conjugate-gradient step of training and the exact
;; per-user solve of the real-time fold-in (see least-squares-step.ts for the
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

  ;; ---- float64 kernels for the exact solve of one user (real-time fold-in) ----

  ;; Σ a[k]·b[k] for k < n doubles, two f64x2 accumulators.
  (func $dot64 (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $acc0 v128) (local $acc1 v128) (local $i i32) (local $end4 i32) (local $bytes i32) (local $s f64)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $acc0 (f64x2.add (local.get $acc0)
          (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $acc1 (f64x2.add (local.get $acc1)
          (f64x2.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $i))) (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $loop4)))
    (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.load (i32.add (local.get $a) (local.get $i))) (f64.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $tail)))
    (local.get $s))

  ;; out[k] += s·y[k] for k < n, out float64, y float32.
  (func $addScaled32To64 (param $s f64) (param $y i32) (param $out i32) (param $n i32)
    (local $sv v128) (local $i i32) (local $end2 i32)
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $end2 (i32.and (local.get $n) (i32.const -2)))
    (block $done2
      (loop $loop2
        (br_if $done2 (i32.ge_u (local.get $i) (local.get $end2)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64x2.add (v128.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
            (f64x2.mul (local.get $sv)
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $loop2)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
            (f64.mul (local.get $s) (f64.promote_f32 (f32.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2)))))))))))

  ;; The exact solve of one row, as solveExactRow in least-squares-step.ts: builds
  ;; A = ridge + Σ (c−1) y yᵀ and b = Σ c·p y over the n entries (indices int32, weights float32),
  ;; then solves A x = b by Cholesky, leaving x in b. Returns 0 when A is not positive definite.
  (func (export "solveExactRow")
    (param $Y i32) (param $indices i32) (param $weights i32) (param $n i32)
    (param $ridge i32) (param $f i32) (param $alpha f64) (param $A i32) (param $b i32) (result i32)
    (local $rowBytes i32) (local $q i32) (local $yo i32) (local $w f64) (local $extra f64)
    (local $i i32) (local $j i32) (local $start i32) (local $s f64) (local $inverse f64)
    (local $rowI i32) (local $rowJ i32)
    (local.set $rowBytes (i32.shl (local.get $f) (i32.const 3)))
    (memory.copy (local.get $A) (local.get $ridge) (i32.mul (local.get $rowBytes) (local.get $f)))
    (memory.fill (local.get $b) (i32.const 0) (local.get $rowBytes))
    (block $entriesDone
      (loop $entries
        (br_if $entriesDone (i32.ge_u (local.get $q) (local.get $n)))
        (local.set $yo (i32.add (local.get $Y)
          (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $q) (i32.const 2)))) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $w (f64.promote_f32 (f32.load (i32.add (local.get $weights) (i32.shl (local.get $q) (i32.const 2))))))
        (local.set $extra (f64.mul (local.get $alpha) (f64.abs (local.get $w))))
        ;; Rank-1 update of the upper triangle, each row from an even column so the vector loop stays
        ;; aligned; the one sub-diagonal entry this also touches is overwritten by the mirror below.
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $f)))
            (local.set $s (f64.mul (local.get $extra)
              (f64.promote_f32 (f32.load (i32.add (local.get $yo) (i32.shl (local.get $i) (i32.const 2)))))))
            (if (f64.ne (local.get $s) (f64.const 0))
              (then
                (local.set $start (i32.and (local.get $i) (i32.const -2)))
                (call $addScaled32To64 (local.get $s)
                  (i32.add (local.get $yo) (i32.shl (local.get $start) (i32.const 2)))
                  (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $f)) (local.get $start)) (i32.const 3)))
                  (i32.sub (local.get $f) (local.get $start)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (if (f64.gt (local.get $w) (f64.const 0))
          (then (call $addScaled32To64 (f64.add (f64.const 1) (local.get $extra)) (local.get $yo) (local.get $b) (local.get $f))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $entries)))
    ;; Mirror the upper triangle into the lower one.
    (local.set $i (i32.const 0))
    (block $mirrorDone
      (loop $mirror
        (br_if $mirrorDone (i32.ge_u (local.get $i) (local.get $f)))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $f)))
            (f64.store (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $f)) (local.get $i)) (i32.const 3)))
              (f64.load (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $f)) (local.get $j)) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $mirror)))
    ;; Cholesky, dot-product form: L overwrites the lower triangle of A.
    (local.set $j (i32.const 0))
    (block $factorDone
      (loop $factor
        (br_if $factorDone (i32.ge_u (local.get $j) (local.get $f)))
        (local.set $rowJ (i32.add (local.get $A) (i32.mul (local.get $j) (local.get $rowBytes))))
        (local.set $s (f64.sub (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $j) (i32.const 3))))
          (call $dot64 (local.get $rowJ) (local.get $rowJ) (local.get $j))))
        (if (i32.eqz (f64.gt (local.get $s) (f64.const 0))) (then (return (i32.const 0))))
        (local.set $s (f64.sqrt (local.get $s)))
        (f64.store (i32.add (local.get $rowJ) (i32.shl (local.get $j) (i32.const 3))) (local.get $s))
        (local.set $inverse (f64.div (f64.const 1) (local.get $s)))
        (local.set $i (i32.add (local.get $j) (i32.const 1)))
        (block $belowDone
          (loop $below
            (br_if $belowDone (i32.ge_u (local.get $i) (local.get $f)))
            (local.set $rowI (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $rowBytes))))
            (f64.store (i32.add (local.get $rowI) (i32.shl (local.get $j) (i32.const 3)))
              (f64.mul
                (f64.sub (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $j) (i32.const 3))))
                  (call $dot64 (local.get $rowI) (local.get $rowJ) (local.get $j)))
                (local.get $inverse)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $below)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $factor)))
    ;; Forward substitution, L y = b.
    (local.set $i (i32.const 0))
    (block $forwardDone
      (loop $forward
        (br_if $forwardDone (i32.ge_u (local.get $i) (local.get $f)))
        (local.set $rowI (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $rowBytes))))
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div
            (f64.sub (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))
              (call $dot64 (local.get $rowI) (local.get $b) (local.get $i)))
            (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $forward)))
    ;; Back substitution, Lᵀ x = y.
    (local.set $i (local.get $f))
    (block $backDone
      (loop $back
        (br_if $backDone (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (local.set $s (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (block $termsDone
          (loop $terms
            (br_if $termsDone (i32.ge_u (local.get $j) (local.get $f)))
            (local.set $s (f64.sub (local.get $s)
              (f64.mul
                (f64.load (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $f)) (local.get $i)) (i32.const 3))))
                (f64.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $terms)))
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $s)
            (f64.load (i32.add (local.get $A) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $f)) (local.get $i)) (i32.const 3))))))
        (br $back)))
    (i32.const 1))
)
