//! Accuracy of the inline vector math (`heron_codegen::vmath`): every
//! emitter is compiled into a tiny loop over a buffer, for scalars and for
//! f32x4 / f64x2, with and without FMA, and swept densely (f32: bit-pattern
//! strides over the whole line plus dense windows; f64: random values in
//! several scales; special values). The error is measured in ulp against a
//! higher-precision reference (f64 libm for f32) or the system libm (f64)
//! and checked against the bound each function states.

#[path = "common/vmath_loop.rs"]
mod vmath_loop;

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use heron_codegen::vmath::{self, Target};
use heron_ir::{BinaryOp, UnaryOp};
use vmath_loop::{Kernel, compile_loop};

/// The operation a compiled loop applies.
#[derive(Clone, Copy, Debug)]
enum Op {
    Unary(UnaryOp),
    Binary(BinaryOp),
}

/// The loop applying `op` to elements of `ty`.
fn compile(op: Op, ty: Type, fma: bool) -> Kernel {
    let label = format!("{op:?}");
    compile_loop(ty, fma, false, &label, &|b, target, x, pb| match op {
        Op::Unary(u) => vmath::emit_unary(b, target, u, x).expect("provided"),
        Op::Binary(o) => {
            let ty = b.func.dfg.value_type(x);
            let y = b.ins().load(ty, MemFlagsData::new(), pb, 0);
            vmath::emit_binary(b, target, o, x, y).expect("provided")
        }
    })
}

/// Runs `k` over `a` (and `b`), padding to whole vectors.
fn run<T: Copy + Default>(k: &Kernel, a: &[T], b: &[T]) -> Vec<T> {
    let n = a.len().div_ceil(k.lanes) * k.lanes;
    let mut a = a.to_vec();
    let mut b = if b.is_empty() { a.clone() } else { b.to_vec() };
    a.resize(n, T::default());
    b.resize(n, T::default());
    let mut out = vec![T::default(); n];
    let bytes = (n * std::mem::size_of::<T>()) as i64;
    // SAFETY: the loop reads `bytes` bytes from `a` and `b` and writes as
    // many to `out`, all of which hold exactly `n` elements.
    unsafe {
        (k.f)(
            a.as_ptr().cast(),
            b.as_ptr().cast(),
            out.as_mut_ptr().cast(),
            bytes,
        )
    };
    out.truncate(a.len());
    out
}

/// The error of `y` in ulp of the f32 nearest `r`; `INFINITY` for a wrong
/// special value (NaN, infinity, sign of zero).
fn ulp_f32(y: f32, r: f64) -> f64 {
    if r.is_nan() || y.is_nan() {
        return if r.is_nan() && y.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let r32 = r as f32;
    if y.is_infinite() {
        return if y == r32 { 0.0 } else { f64::INFINITY };
    }
    if r == 0.0 {
        return if y == 0.0 && y.is_sign_negative() == r.is_sign_negative() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let e = r.abs().log2().floor().max(-126.0);
    ((y as f64) - r).abs() / 2f64.powf(e - 23.0)
}

/// The error of `y` in ulp of `r` (f64).
fn ulp_f64(y: f64, r: f64) -> f64 {
    if r.is_nan() || y.is_nan() {
        return if r.is_nan() && y.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if y.is_infinite() || r.is_infinite() {
        return if y == r { 0.0 } else { f64::INFINITY };
    }
    if r == 0.0 {
        return if y == 0.0 && y.is_sign_negative() == r.is_sign_negative() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let e = r.abs().log2().floor().max(-1022.0);
    let u = 2f64.powf(e - 52.0);
    // Split the difference to stay exact when |y - r| is near the range limit.
    ((y / u) - (r / u)).abs()
}

/// A deterministic splitmix64 stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SPECIAL: [f64; 14] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e-310,
    -1e-310,
    f64::MIN_POSITIVE,
    f64::MAX,
];

/// f32 inputs: a stride through every bit pattern, dense windows near
/// `centers`, uniform values in `[lo, hi]`, and special values.
fn f32_inputs(stride: u32, centers: &[f32], lo: f64, hi: f64) -> Vec<f32> {
    let mut v: Vec<f32> = (0..=u32::MAX / stride)
        .map(|i| f32::from_bits(i * stride))
        .collect();
    for &c in centers {
        let b = c.to_bits();
        v.extend((b.saturating_sub(20_000)..b.saturating_add(20_000)).map(f32::from_bits));
    }
    let mut rng = Rng(7);
    v.extend((0..200_000).map(|_| (lo + (hi - lo) * rng.unit()) as f32));
    v.extend(SPECIAL.iter().map(|&s| s as f32));
    v.extend([f32::MAX, -f32::MAX, f32::MIN_POSITIVE, 1e-40, -1e-40]);
    v
}

/// f64 inputs: random bit patterns (every scale), uniform values in
/// `[lo, hi]`, and special values.
fn f64_inputs(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut rng = Rng(11);
    let mut v: Vec<f64> = (0..n).map(|_| f64::from_bits(rng.next())).collect();
    v.extend((0..n).map(|_| lo + (hi - lo) * rng.unit()));
    // log-uniform magnitudes in [2^-30, 2^12]
    v.extend((0..n).map(|_| {
        let m = 2f64.powf(-30.0 + 42.0 * rng.unit());
        if rng.next() & 1 == 0 { m } else { -m }
    }));
    v.extend(SPECIAL);
    v
}

/// One unary function under test.
struct Case {
    op: UnaryOp,
    reference: fn(f64) -> f64,
    /// Stated maximum error (ulp) for f32 and f64.
    bound32: f64,
    bound64: f64,
    /// Uniform sampling range, also the accurate range where `checked` says so.
    lo: f64,
    hi: f64,
    /// Inputs whose error is checked (others must only be NaN iff libm's is).
    checked: fn(f64) -> bool,
}

fn all(_: f64) -> bool {
    true
}

fn trig_range(x: f64) -> bool {
    x.abs() <= TRIG_LIMIT
}

/// The range over which `sin`, `cos` and `tan` meet their bounds.
const TRIG_LIMIT: f64 = heron_ir::precision::TRIG_RANGE;

fn sigmoid_ref(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `acosh`, NaN below 1 (libm's reflects negative arguments).
fn acosh_ref(x: f64) -> f64 {
    if x < 1.0 { f64::NAN } else { libm::acosh(x) }
}

/// NumPy's `logaddexp` in f64 (within about an ulp itself).
fn logaddexp_ref(x: f64, y: f64) -> f64 {
    if x == y {
        return x + std::f64::consts::LN_2;
    }
    let d = x - y;
    if d > 0.0 {
        x + (-d).exp().ln_1p()
    } else if d <= 0.0 {
        y + d.exp().ln_1p()
    } else {
        d
    }
}

fn cases() -> Vec<Case> {
    use UnaryOp::*;
    // The bounds are the precision contract's (`vs_exact`); `sqrt` is
    // correctly rounded.
    let c = |op, reference: fn(f64) -> f64, lo, hi, checked: fn(f64) -> bool| {
        let (bound32, bound64) = heron_ir::precision::unary_bounds(op)
            .map(|b| b.vs_exact)
            .unwrap_or((0.5, 0.5));
        Case {
            op,
            reference,
            bound32,
            bound64,
            lo,
            hi,
            checked,
        }
    };
    vec![
        c(Exp, f64::exp, -110.0, 90.0, all),
        c(Exp2, f64::exp2, -155.0, 130.0, all),
        c(Expm1, f64::exp_m1, -20.0, 90.0, all),
        c(Log, f64::ln, 0.0, 10.0, all),
        c(Log2, f64::log2, 0.0, 10.0, all),
        c(Log10, libm::log10, 0.0, 10.0, all),
        c(Log1p, f64::ln_1p, -1.0, 10.0, all),
        c(Sin, f64::sin, -100.0, 100.0, trig_range),
        c(Cos, f64::cos, -100.0, 100.0, trig_range),
        c(Tan, f64::tan, -100.0, 100.0, trig_range),
        c(Tanh, f64::tanh, -10.0, 10.0, all),
        c(Sinh, f64::sinh, -10.0, 10.0, all),
        c(Cosh, f64::cosh, -10.0, 10.0, all),
        c(Sigmoid, sigmoid_ref, -40.0, 40.0, all),
        c(Arctan, f64::atan, -5.0, 5.0, all),
        c(Arcsin, f64::asin, -1.0, 1.0, all),
        c(Arccos, f64::acos, -1.0, 1.0, all),
        c(Arcsinh, libm::asinh, -10.0, 10.0, all),
        c(Arccosh, acosh_ref, 1.0, 10.0, all),
        c(Arctanh, libm::atanh, -1.0, 1.0, all),
        c(Erf, libm::erf, -6.0, 6.0, all),
        c(Sqrt, f64::sqrt, 0.0, 10.0, all),
        c(Rsqrt, |x| 1.0 / x.sqrt(), 0.0, 10.0, all),
    ]
}

/// Max error over `xs` (where `checked`), and the worst input.
fn max_err(
    xs: &[f64],
    ys: &[f64],
    refs: &[f64],
    checked: fn(f64) -> bool,
    ulp: fn(f64, f64) -> f64,
) -> (f64, f64) {
    let mut worst = (0.0, f64::NAN);
    for ((&x, &y), &r) in xs.iter().zip(ys).zip(refs) {
        let e = if checked(x) {
            ulp(y, r)
        } else if y.is_nan() != r.is_nan() {
            f64::INFINITY
        } else {
            0.0
        };
        if e > worst.0 || e.is_nan() {
            worst = (e, x);
        }
    }
    worst
}

fn check_unary_f32(case: &Case, fma: bool, stride: u32) {
    let centers = [
        1.0f32,
        0.5,
        2.0,
        0.7,
        1e-3,
        88.0,
        -87.0,
        std::f32::consts::PI,
        std::f32::consts::FRAC_PI_2,
    ];
    let xs = f32_inputs(stride, &centers, case.lo, case.hi);
    let refs: Vec<f64> = xs.iter().map(|&x| (case.reference)(x as f64)).collect();
    let xs64: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    for ty in [types::F32X4, types::F32] {
        let k = compile(Op::Unary(case.op), ty, fma);
        let ys: Vec<f64> = run(&k, &xs, &[]).into_iter().map(f64::from).collect();
        let (e, at) = max_err(&xs64, &ys, &refs, case.checked, |y, r| ulp_f32(y as f32, r));
        println!("{:?} {ty} fma={fma}: max {e:.3} ulp at {at:e}", case.op);
        assert!(
            e <= case.bound32,
            "{:?} {ty} fma={fma}: {e} ulp at x = {at:e} (bound {})",
            case.op,
            case.bound32
        );
    }
}

fn check_unary_f64(case: &Case, fma: bool, n: usize) {
    let xs = f64_inputs(n, case.lo, case.hi);
    let refs: Vec<f64> = xs.iter().map(|&x| (case.reference)(x)).collect();
    for ty in [types::F64X2, types::F64] {
        let k = compile(Op::Unary(case.op), ty, fma);
        let ys = run(&k, &xs, &[]);
        let (e, at) = max_err(&xs, &ys, &refs, case.checked, ulp_f64);
        println!("{:?} {ty} fma={fma}: max {e:.3} ulp at {at:e}", case.op);
        assert!(
            e <= case.bound64,
            "{:?} {ty} fma={fma}: {e} ulp at x = {at:e} (bound {})",
            case.op,
            case.bound64
        );
    }
}

#[test]
fn unary_f32_with_fma() {
    for case in cases() {
        check_unary_f32(&case, true, 1021);
    }
}

#[test]
fn unary_f32_without_fma() {
    for case in cases() {
        check_unary_f32(&case, false, 16_381);
    }
}

#[test]
fn unary_f64_with_fma() {
    for case in cases() {
        check_unary_f64(&case, true, 300_000);
    }
}

#[test]
fn unary_f64_without_fma() {
    for case in cases() {
        check_unary_f64(&case, false, 30_000);
    }
}

/// One binary function under test.
struct BinCase {
    op: BinaryOp,
    /// The contract's bounds (for errors in ulp of `max(|r|, 1)`).
    bounds: heron_ir::precision::Bounds,
    reference: fn(f64, f64) -> f64,
    bound32: f64,
    bound64: f64,
}

fn bin_cases() -> Vec<BinCase> {
    let c = |op, reference: fn(f64, f64) -> f64| {
        let bounds = heron_ir::precision::binary_bounds(op).expect("an approximate op");
        let (bound32, bound64) = bounds.vs_exact;
        BinCase {
            op,
            bounds,
            reference,
            bound32,
            bound64,
        }
    };
    vec![
        c(BinaryOp::Pow, f64::powf),
        c(BinaryOp::Atan2, f64::atan2),
        c(BinaryOp::Hypot, libm::hypot),
        c(BinaryOp::Logaddexp, logaddexp_ref),
    ]
}

/// Operand pairs: every pair of special values, then random pairs in
/// several scales (pow: bases in (0, 4) with exponents up to ±120 and
/// negative bases with integer exponents).
fn pairs(n: usize, pow: bool) -> (Vec<f64>, Vec<f64>) {
    let mut specials = SPECIAL.to_vec();
    specials.extend([3.0, -3.0, 0.25, -2.5, 1e10, -1e10]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for &x in &specials {
        for &y in &specials {
            a.push(x);
            b.push(y);
        }
    }
    let mut rng = Rng(5);
    for _ in 0..n {
        if pow {
            let x = 4.0 * rng.unit();
            let y = 240.0 * rng.unit() - 120.0;
            let y = y / (1.0 + 10.0 * x.ln().abs());
            a.push(x);
            b.push(y);
            a.push(-(1.0 + rng.unit()));
            b.push((40.0 * rng.unit() - 20.0).round());
        } else {
            let sx = 2f64.powf(40.0 * rng.unit() - 20.0);
            let sy = 2f64.powf(40.0 * rng.unit() - 20.0);
            a.push(sy * (2.0 * rng.unit() - 1.0));
            b.push(sx * (2.0 * rng.unit() - 1.0));
        }
    }
    (a, b)
}

fn check_binary(case: &BinCase, fma: bool) {
    let (a, b) = pairs(200_000, matches!(case.op, BinaryOp::Pow));
    // f32: operands rounded to f32, f64 reference
    let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
    let b32: Vec<f32> = b.iter().map(|&x| x as f32).collect();
    for ty in [types::F32X4, types::F32] {
        let k = compile(Op::Binary(case.op), ty, fma);
        let ys = run(&k, &a32, &b32);
        let mut worst = (0.0, 0.0, 0.0);
        for ((&x, &y), &r) in a32.iter().zip(&b32).zip(&ys) {
            let want = (case.reference)(x as f64, y as f64);
            let e = if case.bounds.of_one {
                case.bounds.error(f64::from(r), want, heron_ir::DType::F32)
            } else {
                ulp_f32(r, want)
            };
            if e > worst.0 {
                worst = (e, x as f64, y as f64);
            }
        }
        println!(
            "{:?} {ty} fma={fma}: max {:.3} ulp at {:e}, {:e}",
            case.op, worst.0, worst.1, worst.2
        );
        assert!(
            worst.0 <= case.bound32,
            "{:?} {ty} fma={fma}: {worst:?}",
            case.op
        );
    }
    for ty in [types::F64X2, types::F64] {
        let k = compile(Op::Binary(case.op), ty, fma);
        let ys = run(&k, &a, &b);
        let mut worst = (0.0, 0.0, 0.0);
        for ((&x, &y), &r) in a.iter().zip(&b).zip(&ys) {
            let want = (case.reference)(x, y);
            let e = if case.bounds.of_one {
                case.bounds.error(r, want, heron_ir::DType::F64)
            } else {
                ulp_f64(r, want)
            };
            if e > worst.0 {
                worst = (e, x, y);
            }
        }
        println!(
            "{:?} {ty} fma={fma}: max {:.3} ulp at {:e}, {:e}",
            case.op, worst.0, worst.1, worst.2
        );
        assert!(
            worst.0 <= case.bound64,
            "{:?} {ty} fma={fma}: {worst:?}",
            case.op
        );
    }
}

#[test]
fn binary_with_fma() {
    for case in bin_cases() {
        check_binary(&case, true);
    }
}

#[test]
fn binary_without_fma() {
    for case in bin_cases() {
        check_binary(&case, false);
    }
}

#[test]
fn unprovided_ops_emit_nothing() {
    let mut func = cranelift_codegen::ir::Function::new();
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let block = b.create_block();
    b.switch_to_block(block);
    let x = b.ins().f32const(1.0);
    let i = b.ins().iconst(types::I32, 1);
    let target = Target { fma: true };
    assert!(vmath::emit_unary(&mut b, target, UnaryOp::Neg, x).is_none());
    assert!(vmath::emit_unary(&mut b, target, UnaryOp::Exp, i).is_none());
    assert!(vmath::emit_binary(&mut b, target, BinaryOp::Add, x, x).is_none());
    assert!(vmath::emit_binary(&mut b, target, BinaryOp::Pow, x, i).is_none());
    assert!(vmath::emit_unary(&mut b, target, UnaryOp::Exp, x).is_some());
}

/// f32 inputs for `tanh` and `sigmoid`: a stride through every magnitude
/// in `[2^-30, 128]` (about 3.3 million values, both signs), every float
/// within 100 000 patterns of each boundary in `edges` (both signs), and
/// special values.
fn dense_f32(stride: u32, edges: &[f32]) -> Vec<f32> {
    let lo = 2f32.powi(-30).to_bits();
    let hi = 128f32.to_bits();
    let mut v: Vec<f32> = (lo..hi)
        .step_by(stride as usize)
        .map(f32::from_bits)
        .collect();
    for &e in edges {
        let b = e.to_bits();
        v.extend((b - 100_000..b + 100_000).map(f32::from_bits));
    }
    let neg: Vec<f32> = v.iter().map(|x| -x).collect();
    v.extend(neg);
    v.extend(SPECIAL.iter().map(|&s| s as f32));
    v.extend([
        f32::MAX,
        -f32::MAX,
        f32::MIN_POSITIVE,
        1e-40,
        -1e-40,
        1e-30,
        -1e-30,
    ]);
    v
}

/// An op, its exact reference and the boundaries swept densely.
type Sweep = (UnaryOp, fn(f64) -> f64, &'static [f32]);

/// `tanh` and `sigmoid` for f32 swept densely, with and without FMA, for
/// scalars and vectors: the error against `eval` within the contract's
/// `vs_eval`, and against the exact result (f64) within `vs_exact`. (This
/// sweep finds sigmoid up to 2.33 ulp from the exact result near -4.85,
/// which the sparser sweep of `unary_f32_with_fma` misses.) The
/// boundaries are f32 `tanh`'s clamp (9.5), where its result rounds to 1
/// (9.0109), and sigmoid's: 0 (the formula's two sides), 16.6 (rounds to
/// 1), -87.3 (subnormal results), -103.3 (rounds to 0).
#[test]
fn tanh_and_sigmoid_dense_f32() {
    use heron_ir::{DType, Shape, Value, eval::eval_op};
    let sweeps: [Sweep; 2] = [
        (UnaryOp::Tanh, f64::tanh, &[9.5, 9.0109, 1.0, 0.5, 1e-3]),
        (
            UnaryOp::Sigmoid,
            sigmoid_ref,
            &[1e-30, 16.6, 87.3, 103.3, 1.0],
        ),
    ];
    for (op, reference, edges) in sweeps {
        let bounds = heron_ir::precision::unary_bounds(op).expect("an approximate op");
        let xs = dense_f32(61, edges);
        let n = xs.len();
        let shape = Shape::new(&[n]);
        let input = Value::from_slice(shape.clone(), &xs);
        let eval = eval_op(&heron_ir::Op::Unary(op), &[&input], &shape, DType::F32).expect("eval");
        let evals: &[f32] = eval.as_slice();
        for fma in [true, false] {
            for ty in [types::F32X4, types::F32] {
                let k = compile(Op::Unary(op), ty, fma);
                let ys = run(&k, &xs, &[]);
                let (mut worst_exact, mut worst_eval) = ((0.0, 0.0), (0.0, 0.0));
                for ((&x, &y), &e) in xs.iter().zip(&ys).zip(evals) {
                    let r = reference(f64::from(x));
                    let err = ulp_f32(y, r);
                    if err > worst_exact.0 || err.is_nan() {
                        worst_exact = (err, x);
                    }
                    let err = bounds.error(f64::from(y), f64::from(e), DType::F32);
                    if err > worst_eval.0 || err.is_nan() {
                        worst_eval = (err, x);
                    }
                    assert!(y.abs() <= 1.0 || y.is_nan(), "{op:?}({x:e}) = {y}");
                }
                println!(
                    "{op:?} {ty} fma={fma}: {n} inputs, max {:.3} ulp vs exact at {:e}, {:.3} ulp vs eval at {:e}",
                    worst_exact.0, worst_exact.1, worst_eval.0, worst_eval.1
                );
                assert!(
                    worst_exact.0 <= bounds.vs_exact.0,
                    "{op:?} {ty} fma={fma}: {worst_exact:?} vs exact (bound {})",
                    bounds.vs_exact.0
                );
                assert!(
                    worst_eval.0 <= f64::from(bounds.vs_eval.0),
                    "{op:?} {ty} fma={fma}: {worst_eval:?} vs eval (bound {})",
                    bounds.vs_eval.0
                );
            }
        }
    }
}

/// f32 `tanh`'s special values, bit for bit: signed zeros and subnormals
/// return themselves, ±inf and every |x| from the clamp (9.5) on give ±1
/// exactly,
/// NaN gives NaN.
#[test]
fn tanh_f32_special_values() {
    let xs = [
        0.0f32,
        -0.0,
        1e-40,
        -1e-40,
        1e-30,
        -1e-30,
        2e-4,
        9.5,
        -9.5,
        9.51,
        10.0,
        -10.0,
        1e6,
        -1e30,
        f32::MAX,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ];
    for fma in [true, false] {
        for ty in [types::F32X4, types::F32] {
            let k = compile(Op::Unary(UnaryOp::Tanh), ty, fma);
            let ys = run(&k, &xs, &[]);
            for (&x, &y) in xs.iter().zip(&ys) {
                let want = (x as f64).tanh() as f32;
                let same = y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan());
                assert!(
                    same,
                    "tanh({x:e}) = {y:e} on {ty} (fma={fma}), want {want:e}"
                );
            }
        }
    }
}
