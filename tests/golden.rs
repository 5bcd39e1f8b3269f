//! Golden tests: heron's array semantics against NumPy.
//!
//! `tests/golden/gen.py` computes every case with NumPy and writes it to the
//! JSON fixtures beside it; this file runs the same computation through
//! heron's public API and compares. One data-driven [`check`] maps each
//! case's op name to the API call; a case names its operands (arrays or weak
//! Rust scalars), its arguments (axis, slice spec, ...) and the expected
//! result. Each fixture file runs twice: eagerly, and inside `hn::jit`.
//!
//! Tolerances: integer and bool results are exact; float results are compared
//! in ulps with a bound per op (see [`ulp_bound`]), float reductions within
//! `terms · eps · scale` (see [`Expected`]). NaN matches NaN, and the sign of
//! a zero must match except for ops where NumPy leaves it unspecified.

mod support;

use heron as hn;
use heron::SliceElem;
use heron::prelude::*;
use serde_json::Value as Json;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use support::bits;

// ---------------------------------------------------------------------------
// Fixtures

/// An operand of a case: an array, or a weakly typed Rust scalar.
#[derive(Clone, Debug)]
enum In {
    Arr(Array),
    Float(f64),
    Int(i32),
    Bool(bool),
}

/// The expected result of a case.
struct Expected {
    /// NumPy rejects the case: heron must panic with a message naming the op.
    error: bool,
    dtype: DType,
    shape: Vec<usize>,
    data: Vec<f64>,
    /// Bool and integer data, exactly (i64 holds every i32, u32 and i64).
    ints: Vec<i64>,
    /// Per element, the magnitude bounding the rounding error of a float
    /// reduction (Σ|x| for a sum, |a|·|b| for a product, ...).
    scale: Option<Vec<f64>>,
    /// Number of values combined per output element of a reduction.
    terms: usize,
}

/// One golden case.
struct Case {
    name: String,
    op: String,
    args: Json,
    inputs: Vec<In>,
    expected: Expected,
}

fn dtype_of(name: &str) -> DType {
    match name {
        "bool" => DType::Bool,
        "i32" => DType::I32,
        "i64" => DType::I64,
        "u32" => DType::U32,
        "f32" => DType::F32,
        "f64" => DType::F64,
        other => panic!("fixture: unknown dtype {other:?}"),
    }
}

fn float_of(v: &Json) -> f64 {
    match v {
        Json::Number(n) => n.as_f64().expect("fixture: number"),
        Json::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("fixture: bad float {other:?}"),
        },
        Json::Bool(b) => f64::from(u8::from(*b)),
        other => panic!("fixture: bad value {other}"),
    }
}

fn int_of(v: &Json) -> i64 {
    match v {
        Json::Bool(b) => i64::from(*b),
        Json::Number(n) => n.as_i64().expect("fixture: integer"),
        other => panic!("fixture: bad integer {other}"),
    }
}

fn usizes(v: &Json) -> Vec<usize> {
    v.as_array()
        .expect("fixture: list")
        .iter()
        .map(|x| x.as_u64().expect("fixture: non-negative integer") as usize)
        .collect()
}

fn list(v: &Json) -> &Vec<Json> {
    v.as_array().expect("fixture: list")
}

/// Rebuilds a large input stored as a formula (`pattern` in gen.py): element
/// `i` is `((i * mul) % mod) as f64 * scale + offset`, cast to the dtype
/// (truncated toward zero for integer dtypes, as NumPy's `astype`).
fn pattern_of(p: &Json, n: usize, dtype: DType) -> Vec<Json> {
    let (mul, modulus) = (int_of(&p["mul"]), int_of(&p["mod"]));
    let (scale, offset) = (float_of(&p["scale"]), float_of(&p["offset"]));
    (0..n as i64)
        .map(|i| {
            let v = ((i * mul) % modulus) as f64 * scale + offset;
            if dtype.is_float() {
                serde_json::json!(v)
            } else {
                serde_json::json!(v as i64)
            }
        })
        .collect()
}

/// Builds an array of the fixture's dtype, shape and data.
fn array_of(v: &Json) -> Array {
    let dtype = dtype_of(v["dtype"].as_str().expect("fixture: dtype"));
    let shape = usizes(&v["shape"]);
    let generated;
    let data = match v.get("pattern") {
        Some(p) => {
            generated = pattern_of(p, shape.iter().product(), dtype);
            &generated
        }
        None => list(&v["data"]),
    };
    match dtype {
        DType::Bool => Array::from_vec(data.iter().map(|x| int_of(x) != 0).collect(), &shape),
        DType::I32 => Array::from_vec(data.iter().map(|x| int_of(x) as i32).collect(), &shape),
        DType::I64 => Array::from_vec(data.iter().map(int_of).collect(), &shape),
        DType::U32 => Array::from_vec(data.iter().map(|x| int_of(x) as u32).collect(), &shape),
        DType::F32 => Array::from_vec(data.iter().map(|x| float_of(x) as f32).collect(), &shape),
        DType::F64 => Array::from_vec(data.iter().map(float_of).collect(), &shape),
    }
}

fn operand_of(v: &Json) -> In {
    match v.get("weak").and_then(Json::as_str) {
        None => In::Arr(array_of(v)),
        Some("float") => In::Float(float_of(&v["value"])),
        Some("int") => In::Int(int_of(&v["value"]) as i32),
        Some("bool") => In::Bool(v["value"].as_bool().expect("fixture: bool")),
        Some(other) => panic!("fixture: unknown weak kind {other:?}"),
    }
}

fn expected_of(v: &Json) -> Expected {
    if v.get("error").and_then(Json::as_bool) == Some(true) {
        return Expected {
            error: true,
            dtype: DType::Bool,
            shape: Vec::new(),
            data: Vec::new(),
            ints: Vec::new(),
            scale: None,
            terms: 1,
        };
    }
    let dtype = dtype_of(v["dtype"].as_str().expect("fixture: dtype"));
    let data = list(&v["data"]);
    let (floats, ints) = if dtype.is_float() {
        (data.iter().map(float_of).collect(), Vec::new())
    } else {
        (Vec::new(), data.iter().map(int_of).collect())
    };
    Expected {
        error: false,
        dtype,
        shape: usizes(&v["shape"]),
        data: floats,
        ints,
        scale: v
            .get("scale")
            .map(|s| list(s).iter().map(float_of).collect()),
        terms: v.get("terms").and_then(Json::as_u64).unwrap_or(1) as usize,
    }
}

fn load(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let root: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    list(&root["cases"])
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("fixture: name").to_string(),
            op: c["op"].as_str().expect("fixture: op").to_string(),
            args: c["args"].clone(),
            inputs: list(&c["inputs"]).iter().map(operand_of).collect(),
            expected: expected_of(&c["expected"]),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Running a case through heron's API

fn arr(x: &In) -> &Array {
    match x {
        In::Arr(a) => a,
        other => panic!("expected an array operand, got {other:?}"),
    }
}

fn axis_arg(args: &Json) -> Option<isize> {
    args.get("axis").and_then(Json::as_i64).map(|a| a as isize)
}

fn axis(args: &Json) -> isize {
    axis_arg(args).expect("fixture: axis")
}

/// Expands `$body` with `$x`, `$y` bound to the two operands, whatever their
/// kinds: arrays by reference, weak scalars as Rust values (`f64`, `i32`,
/// `bool`), so that operator impls for every operand type are exercised.
macro_rules! with2 {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {
        match ($a, $b) {
            (In::Arr(a), In::Arr(b)) => {
                let ($x, $y) = (a, b);
                $body
            }
            (In::Arr(a), In::Float(b)) => {
                let ($x, $y) = (a, *b);
                $body
            }
            (In::Arr(a), In::Int(b)) => {
                let ($x, $y) = (a, *b);
                $body
            }
            (In::Arr(a), In::Bool(b)) => {
                let ($x, $y) = (a, *b);
                $body
            }
            (In::Float(a), In::Arr(b)) => {
                let ($x, $y) = (*a, b);
                $body
            }
            (In::Int(a), In::Arr(b)) => {
                let ($x, $y) = (*a, b);
                $body
            }
            (a, b) => panic!("unsupported operand kinds {a:?}, {b:?}"),
        }
    };
}

/// Like [`with2`] for ops whose left operand must be an array (methods).
macro_rules! with_rhs {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        let $x = arr($a);
        match $b {
            In::Arr(b) => {
                let $y = b;
                $body
            }
            In::Float(b) => {
                let $y = *b;
                $body
            }
            In::Int(b) => {
                let $y = *b;
                $body
            }
            In::Bool(b) => {
                let $y = *b;
                $body
            }
        }
    }};
}

/// Maps a unary op name to both its method and its free function, checking
/// that the two agree bit for bit.
macro_rules! unary {
    ($name:expr, $x:expr; $($f:ident)*) => {
        match $name {
            $(stringify!($f) => {
                let m = $x.$f();
                assert_same(&m, &hn::$f($x), concat!(stringify!($f), ": method and free function"));
                Some(m)
            })*
            _ => None,
        }
    };
}

/// Asserts that two ways of computing one result agree bit for bit (skipped
/// for traced arrays, whose values exist only when the compiled code runs).
fn assert_same(a: &Array, b: &Array, what: &str) {
    if a.is_traced() || b.is_traced() {
        return;
    }
    assert_eq!(
        (a.dtype(), a.shape(), bits(a)),
        (b.dtype(), b.shape(), bits(b)),
        "{what} differ"
    );
}

/// `x op= y` must give `x op y` when that keeps x's shape and dtype, and must
/// not touch arrays sharing x's buffer.
fn check_compound(op: &str, lhs: &In, rhs: &In, result: &Array) {
    let In::Arr(x) = lhs else { return };
    if x.is_traced() || result.shape() != x.shape() || result.dtype() != x.dtype() {
        return;
    }
    let before = bits(x);
    let mut c = x.clone();
    match op {
        "add" => with_rhs!(lhs, rhs, |_x, y| c += y),
        "sub" => with_rhs!(lhs, rhs, |_x, y| c -= y),
        "mul" => with_rhs!(lhs, rhs, |_x, y| c *= y),
        "div" => with_rhs!(lhs, rhs, |_x, y| c /= y),
        _ => return,
    }
    assert_same(&c, result, &format!("{op}-assign and {op}"));
    assert_eq!(
        bits(x),
        before,
        "{op}-assign: changed an array sharing the buffer"
    );
}

/// Builds the runtime equivalent of an `s![..]` from a fixture's slice spec.
fn slice_spec(spec: &Json) -> Vec<SliceElem> {
    list(spec)
        .iter()
        .map(|s| match s.get("index") {
            Some(i) => SliceElem::Index(i.as_i64().expect("fixture: index") as isize),
            None => {
                let get = |k: &str| s.get(k).and_then(Json::as_i64).map(|v| v as isize);
                SliceElem::Range {
                    start: get("start"),
                    end: get("end"),
                    inclusive: false,
                    step: get("step").unwrap_or(1),
                }
            }
        })
        .collect()
}

/// Runs one case's op on its inputs through the public API.
fn run(op: &str, args: &Json, ins: &[In]) -> Array {
    let a = || arr(&ins[0]);
    if op == "neg" {
        let r = -a();
        assert_same(&r, &a().neg(), "unary - and neg");
        assert_same(&r, &hn::neg(a()), "unary - and hn::neg");
        return r;
    }
    if let Some(r) = unary!(op, a();
        abs sign sqrt rsqrt exp exp2 expm1 log log2 log10 log1p sin cos tan tanh sinh cosh
        arcsin arccos arctan arcsinh arccosh arctanh erf sigmoid floor ceil round trunc square
        reciprocal isnan isinf isfinite logical_not)
    {
        return r;
    }
    let r = match op {
        "add" => with2!(&ins[0], &ins[1], |x, y| x + y),
        "sub" => with2!(&ins[0], &ins[1], |x, y| x - y),
        "mul" => with2!(&ins[0], &ins[1], |x, y| x * y),
        "div" => with2!(&ins[0], &ins[1], |x, y| x / y),
        _ => return run_other(op, args, ins),
    };
    check_compound(op, &ins[0], &ins[1], &r);
    r
}

/// The ops other than `+ - * /` and the unary functions.
fn run_other(op: &str, args: &Json, ins: &[In]) -> Array {
    let a = || arr(&ins[0]);
    let b = || arr(&ins[1]);
    match op {
        "rem" => with2!(&ins[0], &ins[1], |x, y| x % y),
        "floor_divide" => with2!(&ins[0], &ins[1], |x, y| hn::floor_divide(x, y)),
        "maximum" => with2!(&ins[0], &ins[1], |x, y| hn::maximum(x, y)),
        "minimum" => with2!(&ins[0], &ins[1], |x, y| hn::minimum(x, y)),
        "pow" => with2!(&ins[0], &ins[1], |x, y| hn::pow(x, y)),
        "arctan2" => with2!(&ins[0], &ins[1], |x, y| hn::arctan2(x, y)),
        "hypot" => with2!(&ins[0], &ins[1], |x, y| hn::hypot(x, y)),
        "logaddexp" => with2!(&ins[0], &ins[1], |x, y| hn::logaddexp(x, y)),
        "gt" => with_rhs!(&ins[0], &ins[1], |x, y| x.gt(y)),
        "ge" => with_rhs!(&ins[0], &ins[1], |x, y| x.ge(y)),
        "lt" => with_rhs!(&ins[0], &ins[1], |x, y| x.lt(y)),
        "le" => with_rhs!(&ins[0], &ins[1], |x, y| x.le(y)),
        "eq" => with_rhs!(&ins[0], &ins[1], |x, y| x.eq(y)),
        "ne" => with_rhs!(&ins[0], &ins[1], |x, y| x.ne(y)),
        "and" => a() & b(),
        "or" => a() | b(),
        "xor" => a() ^ b(),
        "where" => {
            let c = arr(&ins[0]);
            with2!(&ins[1], &ins[2], |x, y| hn::where_(c, x, y))
        }
        "clip" => {
            let (lo, hi) = (&args["lo"], &args["hi"]);
            if lo.is_i64() {
                a().clip(int_of(lo) as i32, int_of(hi) as i32)
            } else {
                a().clip(float_of(lo), float_of(hi))
            }
        }
        "astype" => a().astype(dtype_of(args["dtype"].as_str().expect("fixture: dtype"))),
        "sum" | "mean" | "max" | "min" | "prod" | "any" | "all" | "argmax" | "argmin" | "var"
        | "std" => reduce(op, a(), axis_arg(args)),
        "cumsum" => a().cumsum(axis(args)),
        "slice" => a().slice(slice_spec(&args["spec"])),
        "set" => {
            let original = a().clone();
            let before = (!original.is_traced()).then(|| bits(&original));
            let mut x = a().clone();
            let spec = slice_spec(&args["spec"]);
            match &ins[1] {
                In::Arr(v) => x.set(spec, v),
                In::Float(v) => x.set(spec, *v),
                In::Int(v) => x.set(spec, *v),
                In::Bool(v) => x.set(spec, *v),
            }
            if let Some(before) = before {
                assert_eq!(
                    bits(&original),
                    before,
                    "set: changed an array sharing the buffer"
                );
            }
            x
        }
        "take" => a().take(b(), axis(args)),
        "sort" => hn::sort(a(), axis(args)),
        "argsort" => hn::argsort(a(), axis(args)),
        "matmul" => a().matmul(b()),
        "dot" => hn::dot(a(), b()),
        "outer" => hn::outer(a(), b()),
        "reshape" => {
            let shape: Vec<isize> = list(&args["shape"])
                .iter()
                .map(|v| v.as_i64().expect("fixture: extent") as isize)
                .collect();
            a().reshape(&shape)
        }
        "transpose" => a().transpose(),
        "flatten" => a().flatten(),
        "permute" => a().permute(&usizes(&args["perm"])),
        "expand_dims" => a().expand_dims(axis(args)),
        "squeeze" => a().squeeze(),
        "broadcast_to" => a().broadcast_to(&usizes(&args["shape"])),
        "concatenate" | "stack" => {
            let xs: Vec<&Array> = ins.iter().map(arr).collect();
            if op == "stack" {
                hn::stack(&xs, axis(args))
            } else {
                hn::concatenate(&xs, axis(args))
            }
        }
        "arange" => hn::arange(
            float_of(&args["start"]),
            float_of(&args["stop"]),
            float_of(&args["step"]),
        ),
        "arange_i" => hn::arange_i(
            int_of(&args["start"]) as i32,
            int_of(&args["stop"]) as i32,
            int_of(&args["step"]) as i32,
        ),
        "linspace" => hn::linspace(
            float_of(&args["start"]),
            float_of(&args["stop"]),
            args["num"].as_u64().expect("fixture: num") as usize,
        ),
        "eye" => hn::eye(
            args["n"].as_u64().expect("fixture: n") as usize,
            dtype_arg(args),
        ),
        "zeros" => hn::zeros(&usizes(&args["shape"]), dtype_arg(args)),
        "ones" => hn::ones(&usizes(&args["shape"]), dtype_arg(args)),
        "full" => hn::full(
            &usizes(&args["shape"]),
            float_of(&args["value"]),
            dtype_arg(args),
        ),
        other => panic!("golden: no API mapping for op {other:?}"),
    }
}

fn dtype_arg(args: &Json) -> DType {
    dtype_of(args["dtype"].as_str().expect("fixture: dtype"))
}

/// A reduction over all axes (`axis` None) or one axis.
fn reduce(op: &str, x: &Array, axis: Option<isize>) -> Array {
    match (op, axis) {
        ("sum", None) => x.sum(),
        ("mean", None) => x.mean(),
        ("max", None) => x.max(),
        ("min", None) => x.min(),
        ("prod", None) => x.prod(),
        ("any", None) => x.any(),
        ("all", None) => x.all(),
        ("argmax", None) => x.argmax(),
        ("argmin", None) => x.argmin(),
        ("var", None) => x.var(),
        ("std", None) => x.std(),
        ("sum", Some(a)) => x.sum_axis(a),
        ("mean", Some(a)) => x.mean_axis(a),
        ("max", Some(a)) => x.max_axis(a),
        ("min", Some(a)) => x.min_axis(a),
        ("prod", Some(a)) => x.prod_axis(a),
        ("any", Some(a)) => x.any_axis(a),
        ("all", Some(a)) => x.all_axis(a),
        ("argmax", Some(a)) => x.argmax_axis(a),
        ("argmin", Some(a)) => x.argmin_axis(a),
        ("var", Some(a)) => x.var_axis(a),
        ("std", Some(a)) => x.std_axis(a),
        (other, _) => panic!("golden: unknown reduction {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Comparison

/// The allowed error of a float element-wise result of an op that is not
/// approximate (those take `heron::ir::precision::vs_numpy`), in ulps, for
/// f32 and f64: one rounding for the IEEE ops, exact for everything else.
fn ulp_bound(op: &str) -> (u64, u64) {
    match op {
        // Correctly rounded in IEEE arithmetic.
        "add" | "sub" | "mul" | "div" | "rem" | "sqrt" | "square" | "reciprocal" | "linspace"
        | "arange" => (1, 1),
        // Everything else (rounding, sign, max/min, moves, casts) is exact.
        _ => (0, 0),
    }
}

/// The element-wise IR op of a golden case's function name, if any.
fn ir_op(name: &str) -> Option<heron::ir::Op> {
    use heron::ir::{BinaryOp, Op, UnaryOp};
    let name = match name {
        "arctan2" => "atan2",
        "power" => "pow",
        other => other,
    };
    let unary = UnaryOp::ALL.into_iter().find(|u| u.name() == name);
    let binary = BinaryOp::ALL.into_iter().find(|b| b.name() == name);
    unary.map(Op::Unary).or(binary.map(Op::Binary))
}

/// Ops where NumPy leaves the sign of a zero result unspecified (or where
/// heron, like JAX, may legitimately differ): max/min of ±0, and sums.
fn zero_sign_free(op: &str) -> bool {
    matches!(
        op,
        "sign"
            | "maximum"
            | "minimum"
            | "clip"
            | "sum"
            | "mean"
            | "prod"
            | "max"
            | "min"
            | "var"
            | "std"
            | "cumsum"
            | "matmul"
            | "dot"
            | "outer"
    )
}

/// Compares heron's result with the expected one; describes every mismatch.
fn compare(op: &str, got: &Array, exp: &Expected) -> Result<(), String> {
    if got.dtype() != exp.dtype || got.shape() != exp.shape.as_slice() {
        return Err(format!(
            "expected {}{:?}, got {}{:?}",
            exp.dtype,
            exp.shape,
            got.dtype(),
            got.shape()
        ));
    }
    let mut errors = String::new();
    let mut bad = 0usize;
    let mut note = |i: usize, e: String, g: String, why: &str| {
        bad += 1;
        if bad <= 6 {
            let _ = write!(errors, "\n    [{i}] expected {e}, got {g}{why}");
        }
    };
    match exp.dtype {
        DType::F32 | DType::F64 => {
            let got: Vec<f64> = if exp.dtype == DType::F32 {
                got.to_vec::<f32>().into_iter().map(f64::from).collect()
            } else {
                got.to_vec::<f64>()
            };
            for (i, (&g, &e)) in got.iter().zip(&exp.data).enumerate() {
                if let Some(why) = float_mismatch(op, g, e, exp, i) {
                    note(i, format!("{e:e}"), format!("{g:e}"), &why);
                }
            }
        }
        _ => {
            let got: Vec<i64> = match got.dtype() {
                DType::Bool => got.to_vec::<bool>().into_iter().map(i64::from).collect(),
                DType::I32 => got.to_vec::<i32>().into_iter().map(i64::from).collect(),
                DType::I64 => got.to_vec::<i64>(),
                DType::U32 => got.to_vec::<u32>().into_iter().map(i64::from).collect(),
                _ => unreachable!("dtype checked above"),
            };
            for (i, (&g, &e)) in got.iter().zip(&exp.ints).enumerate() {
                if g != e {
                    note(i, e.to_string(), g.to_string(), "");
                }
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(format!(
            "{bad} of {} elements differ:{errors}",
            exp.shape.iter().product::<usize>()
        ))
    }
}

/// Why float element `i` (heron's `g`, NumPy's `e`) is out of tolerance,
/// or None when it matches.
fn float_mismatch(op: &str, g: f64, e: f64, exp: &Expected, i: usize) -> Option<String> {
    let f32s = exp.dtype == DType::F32;
    let eps = if f32s {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    if e.is_nan() || g.is_nan() {
        return (e.is_nan() != g.is_nan()).then(String::new);
    }
    if e.is_infinite() || g.is_infinite() {
        return (e != g).then(String::new);
    }
    if e == 0.0 && g == 0.0 {
        let same = e.is_sign_negative() == g.is_sign_negative();
        return (!same && !zero_sign_free(op)).then(|| " (sign of zero)".to_string());
    }
    if let Some(scale) = &exp.scale {
        // A float reduction: the error grows with the number of terms.
        let scale = scale[i];
        let ulp = if f32s {
            eps * e.abs().max(f64::from(f32::MIN_POSITIVE))
        } else {
            eps * e.abs()
        };
        let tol = exp.terms as f64 * eps * scale + ulp;
        return ((g - e).abs() > tol)
            .then(|| format!(" (|diff| {:e} > tol {tol:e})", (g - e).abs()));
    }
    if let Some(bounds) = ir_op(op).and_then(|o| heron::ir::precision::vs_numpy(&o)) {
        let dtype = if f32s { DType::F32 } else { DType::F64 };
        let bound = if f32s {
            bounds.vs_eval.0
        } else {
            bounds.vs_eval.1
        };
        let d = bounds.error(g, e, dtype);
        return (d > f64::from(bound)).then(|| format!(" ({d} ulp > {bound})"));
    }
    let (f32_bound, f64_bound) = ulp_bound(op);
    let (d, bound) = if f32s {
        (heron::ir::ulps_f32(g as f32, e as f32), f32_bound)
    } else {
        (heron::ir::ulps_f64(g, e), f64_bound)
    };
    (d > bound).then(|| format!(" ({d} ulp > {bound})"))
}

// ---------------------------------------------------------------------------
// The driver

/// How a case is run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Directly on concrete arrays (the reference interpreter).
    Eager,
    /// Traced by `hn::jit` and run as compiled code.
    Jit,
}

fn run_case(case: &Case, mode: Mode) -> Array {
    match mode {
        Mode::Eager => run(&case.op, &case.args, &case.inputs),
        Mode::Jit => {
            // Array operands become arguments of the jitted function; weak
            // scalars stay Rust values, static as in JAX.
            let arrays: Vec<Array> = case
                .inputs
                .iter()
                .filter_map(|x| match x {
                    In::Arr(a) => Some(a.clone()),
                    _ => None,
                })
                .collect();
            let template = case.inputs.clone();
            let (op, args) = (case.op.clone(), case.args.clone());
            let f = hn::jit(move |xs: Vec<Array>| {
                let mut xs = xs.into_iter();
                let ins: Vec<In> = template
                    .iter()
                    .map(|t| match t {
                        In::Arr(_) => In::Arr(xs.next().expect("one argument per array")),
                        weak => weak.clone(),
                    })
                    .collect();
                run(&op, &args, &ins)
            });
            let first = f.call(&arrays);
            // A second call hits the cache and gives the same bits.
            let second = f.call(&arrays);
            assert_eq!(f.cache_len(), 1, "jit: the second call retraced");
            assert_same(&first, &second, "first and cached jit calls");
            first
        }
    }
}

/// Runs every case of a fixture file in `mode` and fails with a list of all
/// mismatches.
fn check(file: &str, mode: Mode) {
    let cases = load(file);
    assert!(!cases.is_empty(), "{file}: no cases");
    let mut failures = Vec::new();
    for case in &cases {
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(case, mode)));
        let result = match (outcome, case.expected.error) {
            (Ok(got), false) => compare(&case.op, &got, &case.expected),
            (Err(panic), false) => Err(format!("panicked: {}", panic_message(&*panic))),
            (Ok(got), true) => Err(format!(
                "NumPy rejects this, heron returned {}{:?}",
                got.dtype(),
                got.shape()
            )),
            (Err(panic), true) => check_error(&case.op, &panic_message(&*panic)),
        };
        if let Err(why) = result {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{file} ({mode:?}): {} of {} cases fail:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

/// A rejected case must say which op failed.
fn check_error(op: &str, message: &str) -> Result<(), String> {
    let names: &[&str] = match op {
        "maximum" => &["maximum", "max"],
        "dot" => &["dot", "matmul"],
        "permute" => &["permute", "transpose"],
        "set" => &["set", "set_slice"],
        "slice" => &["slice", "index"],
        _ => &[op],
    };
    if names.iter().any(|n| message.contains(n)) {
        Ok(())
    } else {
        Err(format!("the error does not name the op: {message:?}"))
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-string panic)".into())
}

macro_rules! golden {
    ($($name:ident $jit:ident => $file:literal;)*) => {$(
        #[test]
        fn $name() {
            check($file, Mode::Eager);
        }

        #[test]
        fn $jit() {
            check($file, Mode::Jit);
        }
    )*};
}

golden! {
    math jit_math => "math.json";
    special jit_special => "special.json";
    arithmetic jit_arithmetic => "arithmetic.json";
    broadcasting jit_broadcasting => "broadcasting.json";
    promotion jit_promotion => "promotion.json";
    reductions jit_reductions => "reductions.json";
    indexing jit_indexing => "indexing.json";
    sorting jit_sorting => "sorting.json";
    linalg jit_linalg => "linalg.json";
    shapes jit_shapes => "shapes.json";
    creation jit_creation => "creation.json";
    errors jit_errors => "errors.json";
}

#[test]
fn ulp_distance() {
    assert_eq!(heron::ir::ulps_f32(1.0, 1.0), 0);
    assert_eq!(heron::ir::ulps_f32(1.0, 1.0 + f32::EPSILON), 1);
    assert_eq!(heron::ir::ulps_f32(0.0, -0.0), 0);
    assert_eq!(
        heron::ir::ulps_f32(f32::from_bits(1), -f32::from_bits(1)),
        2
    );
    assert_eq!(heron::ir::ulps_f32(-1.0, -1.0 - f32::EPSILON), 1);
    assert_eq!(heron::ir::ulps_f32(f32::MAX, f32::INFINITY), 1);
    assert_eq!(heron::ir::ulps_f64(1.0, 1.0 + 2.0 * f64::EPSILON), 2);
    assert_eq!(heron::ir::ulps_f64(-0.0, f64::from_bits(3)), 3);
    assert_eq!(
        heron::ir::ulps_f64(f64::MIN_POSITIVE, -f64::MIN_POSITIVE),
        2 * f64::MIN_POSITIVE.to_bits()
    );
}

#[test]
fn json_floats_round_trip() {
    // The fixtures hold floats in shortest round-trip form; parsing them must
    // be exact (serde_json's `float_roundtrip`), or inputs drift by an ulp.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        if v.is_finite() {
            let parsed: f64 = serde_json::from_str(&format!("{v:e}")).expect("a JSON number");
            assert_eq!(parsed.to_bits(), v.to_bits(), "{v:e}");
        }
    }
}

#[test]
fn fixtures_parse() {
    let dir = format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 12, "every fixture file has a test: {files:?}");
    let total: usize = files.iter().map(|f| load(f).len()).sum();
    assert!(total > 1000, "only {total} golden cases");
    // Special floats survive the JSON encoding.
    let math = load("math.json");
    let x = match &math[0].inputs[0] {
        In::Arr(a) => a.to_vec::<f32>(),
        other => panic!("unexpected operand {other:?}"),
    };
    assert!(x[0].is_nan() && x[1] == f32::INFINITY && x[2] == f32::NEG_INFINITY);
    assert!(x[4] == 0.0 && x[4].is_sign_negative());
}
