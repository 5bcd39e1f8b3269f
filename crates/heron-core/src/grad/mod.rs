//! Reverse-mode automatic differentiation of traced functions, as
//! `jax.grad` and BrainPy's `bm.grad(f, grad_vars=...)`.
//!
//! `grad(f)(x)` traces `f` in an inner frame with `x` as its parameter (the
//! Variables it reads become parameters too), then *replays* the traced
//! graph as ordinary array operations and walks it backwards, emitting the
//! vector-Jacobian product of each node (`vjp`, and `control` for loops and
//! branches) as more array operations. Inside `jit` all of it records into
//! the enclosing graph, so the forward and backward code are optimised and
//! fused together; outside `jit` the whole gradient is traced, compiled and
//! cached like a control-flow construct (`control::eager`), so repeated
//! eager calls reuse native code.
//!
//! Semantics follow JAX: the function must return a 0-d float array;
//! gradients of integer or bool inputs are zero arrays; ties of `max`/`min`
//! split the cotangent evenly; `stop_gradient` blocks the gradient; a
//! Variable written inside `f` keeps the new value (the write is replayed)
//! and the gradient with respect to it is that of the returned value with
//! respect to the Variable's value at entry (zero if `f` never reads it
//! before writing it). `while_loop` cannot be differentiated (an error naming
//! it).

mod control;
mod vjp;
mod walk;

use crate::control::eager;
use crate::{Array, Collector, Error, Result, Variable, trace};
use heron_ir::{NodeId, Op, ParamRole, type_text};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The identity on values whose gradient is zero (JAX's `lax.stop_gradient`).
/// Outside a trace it returns `x` itself.
pub fn stop_gradient(x: &Array) -> Array {
    if !x.is_traced() {
        return x.clone();
    }
    // A reshape to the array's own shape: every pass removes it, `grad`
    // reads it as the marker of a blocked gradient (`walk::is_stop`).
    crate::array::or_panic(trace::record(Op::Reshape(x.shape_ref().clone()), &[x]))
}

/// The gradient of `f` (returning a 0-d float array) with respect to its
/// argument: `grad(f)(x)` has `x`'s shape and dtype (zeros for integer or
/// bool `x`). Works eagerly and inside `jit`. Panics with the error message
/// on failure (a non-scalar result, a `while_loop` on the gradient's path).
pub fn grad<F>(f: F) -> impl Fn(Array) -> Array + Clone + Send + Sync
where
    F: Fn(Array) -> Array + Clone + Send + Sync + 'static,
{
    move |x: Array| value_and_grad(f.clone())(x).1
}

/// `f(x)` and its gradient with respect to `x`, computed together.
pub fn value_and_grad<F>(f: F) -> impl Fn(Array) -> (Array, Array) + Clone + Send + Sync
where
    F: Fn(Array) -> Array + Clone + Send + Sync + 'static,
{
    move |x: Array| {
        let mut out = crate::array::or_panic(try_value_and_grad_with(&f, &x, &[], true));
        let gx = out.pop().expect("the gradient of x");
        (out.swap_remove(0), gx)
    }
}

/// The gradients of `f` with respect to the Variables of `params`, in the
/// collector's order (each of its Variable's shape and dtype).
pub fn grad_vars<F>(
    params: &Collector,
    f: F,
) -> impl Fn(Array) -> Vec<Array> + Clone + Send + Sync + use<F>
where
    F: Fn(Array) -> Array + Clone + Send + Sync + 'static,
{
    let vg = value_and_grad_vars(params, f);
    move |x: Array| vg(x).1
}

/// `f(x)` and its gradients with respect to the Variables of `params`, in
/// the collector's order.
pub fn value_and_grad_vars<F>(
    params: &Collector,
    f: F,
) -> impl Fn(Array) -> (Array, Vec<Array>) + Clone + Send + Sync + use<F>
where
    F: Fn(Array) -> Array + Clone + Send + Sync + 'static,
{
    let vars: Arc<[Variable]> = params.variables().cloned().collect();
    move |x: Array| {
        let mut out = crate::array::or_panic(try_value_and_grad_with(&f, &x, &vars, false));
        let grads = out.split_off(1);
        (out.swap_remove(0), grads)
    }
}

/// The value of `f(x)` followed by the gradients with respect to `vars`, then
/// (if `wrt_x`) the gradient with respect to `x`: inline inside a trace,
/// traced and compiled (cached) outside one.
pub(crate) fn try_value_and_grad_with(
    f: &dyn Fn(Array) -> Array,
    x: &Array,
    vars: &[Variable],
    wrt_x: bool,
) -> Result<Vec<Array>> {
    eager::jitted("grad", std::slice::from_ref(x), |args| {
        differentiate(f, &args[0], vars, wrt_x)
    })
}

fn differentiate(
    f: &dyn Fn(Array) -> Array,
    x: &Array,
    vars: &[Variable],
    wrt_x: bool,
) -> Result<Vec<Array>> {
    let (params, sub) = crate::control::trace_body(
        || vec![trace::arg(x.shape_ref().clone(), x.dtype())],
        |p| Ok(vec![f(p[0].clone())]),
    )?;
    let g = &sub.graph;
    let out = sub.results[0];
    let out_node = g.node(out);
    if out_node.shape.rank() != 0 || !out_node.dtype.is_float() {
        return Err(Error::invalid(
            "grad",
            format!(
                "the differentiated function must return a 0-d float array, not {}",
                type_text(&out_node.shape, out_node.dtype)
            ),
        ));
    }
    // Bind the graph's parameters in the enclosing trace: the argument, the
    // captured arrays, and each Variable's value at entry.
    let x_node = crate::control::node(&params[0]);
    let mut bound: FxHashMap<NodeId, Array> = FxHashMap::default();
    bound.insert(x_node, x.clone());
    for (outer, p) in &sub.captures {
        bound.insert(*p, outer.clone());
    }
    for &(p, role) in &g.params {
        if let ParamRole::Var(slot) = role {
            bound.insert(p, sub.vars[slot as usize].var.value());
        }
    }
    let var_node = |v: &Variable| {
        sub.vars
            .iter()
            .find(|s| s.var.id() == v.id())
            .and_then(|s| s.read)
    };
    let mut wrt: Vec<NodeId> = vars.iter().filter_map(var_node).collect();
    if wrt_x {
        wrt.push(x_node);
    }
    let act = walk::active(g, &wrt);
    let fwd = walk::replay(g, &bound, &act)?;
    for s in &sub.vars {
        if let Some(n) = s.written {
            s.var.try_set(fwd.val(n).clone())?;
        }
    }
    let value = fwd.val(out).clone();
    let one = vjp::lit(1.0, value.dtype());
    let cts = walk::backward(g, &fwd, &act, vec![(out, one)])?;
    let grad_of = |node: Option<NodeId>, like: (&heron_ir::Shape, heron_ir::DType)| match node
        .and_then(|n| cts.get(&n))
    {
        Some(c) => Ok(c.clone()),
        None => vjp::zeros(like.0, like.1),
    };
    let mut results = vec![value];
    for v in vars {
        results.push(grad_of(var_node(v), (&v.shape(), v.dtype()))?);
    }
    if wrt_x {
        results.push(grad_of(Some(x_node), (x.shape_ref(), x.dtype()))?);
    }
    Ok(results)
}
