//! Counted loops: `fori_loop` (a traced i32 index over static bounds) and
//! `for_loop` (over axis 0 of its operands, results stacked on axis 0).
//! Both record one `loop` node.

use super::{
    Externals, Slot, assemble, eager, find_var, node, resolve, trace_body, var_slot, written,
};
use crate::jit::JitValue;
use crate::{Array, trace};
use heron_ir::{DType, Error, Op, Result, Shape};

/// A static loop bound: a Rust integer.
pub trait LoopBound: Copy {
    /// The bound as an i64.
    fn bound(self) -> i64;
}

macro_rules! bound {
    ($($t:ty),*) => {$(
        impl LoopBound for $t {
            fn bound(self) -> i64 {
                self as i64
            }
        }
    )*};
}
bound!(i32, i64, u32, usize);

/// Runs `body(i)` for `i` in `start..end` (an i32 scalar, traced), in one
/// compiled loop. Variables the body writes carry from one iteration to the
/// next; arrays from outside the body are computed once, before the loop.
/// Panics with the error's message on failure (see [`try_fori_loop`]).
pub fn fori_loop<B: LoopBound>(start: B, end: B, body: impl FnOnce(Array)) {
    try_fori_loop(start, end, body).unwrap_or_else(|e| panic!("{e}"))
}

/// [`fori_loop`] returning an error instead of panicking.
pub fn try_fori_loop<B: LoopBound>(start: B, end: B, body: impl FnOnce(Array)) -> Result<()> {
    let (s, e) = (start.bound(), end.bound());
    if s < i32::MIN as i64 || e > i32::MAX as i64 + 1 {
        return Err(Error::invalid(
            "fori_loop",
            format!("bounds {s}..{e} do not fit an i32 index"),
        ));
    }
    let trip = (e - s).max(0) as u64;
    eager::jitted("fori_loop", &[], |_| {
        build_loop(s, trip, &[], |i, _| {
            body(i);
            Ok(Vec::new())
        })
    })?;
    Ok(())
}

/// The operands `for_loop` iterates over: `&Array`, a tuple of up to three
/// `&Array`, or a slice of arrays; the body receives the same structure of
/// rows.
pub trait ForOperands {
    /// What the body receives each iteration.
    type Rows: JitValue;
    /// The operands in order.
    fn operands(&self) -> Vec<Array>;
}

impl ForOperands for &Array {
    type Rows = Array;
    fn operands(&self) -> Vec<Array> {
        vec![(*self).clone()]
    }
}

impl ForOperands for &crate::Variable {
    type Rows = Array;
    fn operands(&self) -> Vec<Array> {
        vec![self.value()]
    }
}

impl ForOperands for (&Array, &Array) {
    type Rows = (Array, Array);
    fn operands(&self) -> Vec<Array> {
        vec![self.0.clone(), self.1.clone()]
    }
}

impl ForOperands for (&Array, &Array, &Array) {
    type Rows = (Array, Array, Array);
    fn operands(&self) -> Vec<Array> {
        vec![self.0.clone(), self.1.clone(), self.2.clone()]
    }
}

impl ForOperands for &[Array] {
    type Rows = Vec<Array>;
    fn operands(&self) -> Vec<Array> {
        self.to_vec()
    }
}

impl ForOperands for &Vec<Array> {
    type Rows = Vec<Array>;
    fn operands(&self) -> Vec<Array> {
        self.to_vec()
    }
}

/// Runs `body` on each row of `xs` along axis 0, in one compiled loop, and
/// stacks what it returns along a new axis 0 (an `Array`, a tuple or `Vec`
/// of arrays, or `()`). Variables the body writes carry from one row to the
/// next. Panics with the error's message on failure.
pub fn for_loop<X: ForOperands, R: JitValue>(xs: X, body: impl FnOnce(X::Rows) -> R) -> R {
    try_for_loop(xs, body).unwrap_or_else(|e| panic!("{e}"))
}

/// [`for_loop`] returning an error instead of panicking.
pub fn try_for_loop<X: ForOperands, R: JitValue>(
    xs: X,
    body: impl FnOnce(X::Rows) -> R,
) -> Result<R> {
    let xs = xs.operands();
    let Some(first) = xs.first() else {
        return Err(Error::invalid("for_loop", "needs at least one operand"));
    };
    let trip = first.shape().first().copied();
    for x in &xs {
        if x.ndim() == 0 || x.shape().first().copied() != trip {
            let shapes: Vec<String> = xs.iter().map(|x| format!("{:?}", x.shape())).collect();
            return Err(Error::invalid(
                "for_loop",
                format!(
                    "operands must have the same length along axis 0, got {}",
                    shapes.join(" and ")
                ),
            ));
        }
    }
    let trip = trip.unwrap_or(0) as u64;
    let results = eager::jitted("for_loop", &xs, |args| {
        build_loop(0, trip, args, |_, rows| {
            Ok(body(X::Rows::from_arrays(rows.into_iter().collect()))
                .into_arrays()
                .into_vec())
        })
    })?;
    Ok(R::from_arrays(results.into_iter().collect()))
}

/// Records a `loop` node in the current trace: traces `f(i, rows)` as the
/// body, carries the Variables it writes and returns its results stacked.
pub(crate) fn build_loop(
    start: i64,
    trip: u64,
    xs: &[Array],
    f: impl FnOnce(Array, Vec<Array>) -> Result<Vec<Array>>,
) -> Result<Vec<Array>> {
    let (params, mut sub) = trace_body(
        || {
            let mut p = vec![trace::arg(Shape::scalar(), DType::I32)];
            p.extend(
                xs.iter()
                    .map(|x| trace::arg(Shape::new(&x.shape()[1..]), x.dtype())),
            );
            p
        },
        |p| f(p[0].clone(), p[1..].to_vec()),
    )?;
    let carried = written(&[&sub]);
    let mut ext = Externals::default();
    ext.collect(&sub, &carried);
    let mut slots = vec![Slot::Node(node(&params[0]))];
    let mut outputs = Vec::new();
    for v in &carried {
        let s = find_var(&sub, v).expect("written variables have slots");
        slots.push(var_slot(s));
        outputs.push(s.written.expect("written"));
    }
    slots.extend(params[1..].iter().map(|p| Slot::Node(node(p))));
    slots.extend(ext.slots(&sub));
    outputs.extend(&sub.results);
    if outputs.is_empty() {
        return Ok(Vec::new());
    }
    let param_nodes = resolve(&mut sub.graph, slots);
    let n_carry = carried.len();
    let body = assemble(sub.graph, &param_nodes, &outputs);
    let mut operands: Vec<Array> = carried.iter().map(|v| v.value()).collect();
    operands.extend(xs.iter().cloned());
    operands.extend(ext.operands());
    let op = Op::Loop {
        body,
        start,
        trip,
        n_carry: n_carry as u32,
        n_xs: xs.len() as u32,
    };
    let refs: Vec<&Array> = operands.iter().collect();
    let outs = trace::record_control(op, &refs)?;
    for (v, o) in carried.iter().zip(&outs) {
        v.try_set(o.clone())?;
    }
    Ok(outs[n_carry..].to_vec())
}
