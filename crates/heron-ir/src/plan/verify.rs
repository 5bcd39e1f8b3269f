//! `plan::verify`: the facts about a `KernelPlan` that the backend's raw
//! pointer code relies on, checked on the plan itself. The backend runs it
//! on every plan it compiles in debug builds (so every test and every
//! program the differential fuzzer makes is checked), and a failure is a
//! scheduler bug, reported with the plan's text.
//!
//! Checked:
//!
//! 1. Every buffer a step, a parameter, an output or an aliasing pair names
//!    exists, and every parameter and output buffer has the matching kind.
//! 2. Kernel bodies are in order: operands name earlier instructions;
//!    stores name a body instruction, or the reduction in a reduction
//!    kernel; a load's dtype is its buffer's, a store's value has its
//!    buffer's dtype.
//! 3. Every affine access of a kernel with work — load, store — stays in
//!    bounds of its buffer over the whole iteration space (its smallest and
//!    largest index over the box of iteration indices), and a store of a
//!    reduction kernel does not move along the reduced axes. A Threefry
//!    key buffer holds at least the two words of a key. A gather's index
//!    load is in bounds, and so is its table read for every index in
//!    `[0, len)` (the kernel clamps into it); an index check names a
//!    buffer of indices.
//! 4. Aliasing: an aliasable `(output, param)` pair names an output and a
//!    parameter of one type (what lets the backend hand the same memory to
//!    both).
//! 5. Row groups: each covers an in-range run of kernel steps, its block
//!    divides nothing away (`0 < block_rows`), and every kernel of the
//!    group has the group's rows as the leading extent of its launch.
//! 6. A temporally fused loop's element space is not empty and its trip is
//!    the loop's.

use super::{BufId, BufferKind, Expr, Gather, Kernel, KernelPlan, Step, StoreValue};
use crate::{DType, Op};

/// Checks `plan` (see the module doc); the error names the first broken fact.
pub fn verify(plan: &KernelPlan) -> Result<(), String> {
    let n = plan.buffers.len();
    let exists = |b: BufId, what: &str| -> Result<(), String> {
        if b.index() < n {
            Ok(())
        } else {
            Err(format!("{what} names buffer {} of {n}", b.index()))
        }
    };
    for (i, &b) in plan.params.iter().enumerate() {
        exists(b, "a parameter")?;
        if !matches!(plan.buffers[b.index()].kind, BufferKind::Param(p) if p as usize == i) {
            return Err(format!("parameter {i}'s buffer is not Param({i})"));
        }
    }
    for &b in &plan.outputs {
        exists(b, "an output")?;
    }
    for &(o, p) in &plan.aliasable {
        let (Some(&ob), Some(&pb)) = (plan.outputs.get(o), plan.params.get(p)) else {
            return Err(format!("aliasable pair ({o}, {p}) is out of range"));
        };
        let (bo, bp) = (&plan.buffers[ob.index()], &plan.buffers[pb.index()]);
        if bo.shape != bp.shape || bo.dtype != bp.dtype {
            return Err(format!(
                "aliasable output {o} ({}{}) and parameter {p} ({}{}) differ in type",
                bo.dtype, bo.shape, bp.dtype, bp.shape
            ));
        }
    }
    for (s, step) in plan.steps.iter().enumerate() {
        match step {
            Step::Kernel(k) => {
                kernel(plan, k).map_err(|e| format!("step {s} ({}): {e}", k.name))?;
            }
            Step::Host(h) => {
                for &b in h.inputs.iter().chain([&h.output]) {
                    exists(b, &format!("host step {s}"))?;
                }
            }
            Step::Check(c) => {
                exists(c.index, "an index check")?;
                if !matches!(
                    plan.buffers[c.index.index()].dtype,
                    DType::I32 | DType::I64 | DType::U32
                ) {
                    return Err(format!("index check {s} on a buffer of non-index type"));
                }
            }
            Step::Copy { src, dst } => {
                exists(*src, "a copy")?;
                exists(*dst, "a copy")?;
                let (a, b) = (&plan.buffers[src.index()], &plan.buffers[dst.index()]);
                if a.shape.size() != b.shape.size() || a.dtype != b.dtype {
                    return Err(format!("copy step {s} between buffers of other types"));
                }
            }
            Step::Control(c) => {
                for &b in c.inputs.iter().chain(&c.outputs) {
                    exists(b, &format!("control step {s}"))?;
                }
                if let Some(t) = &c.temporal {
                    let Op::Loop { trip, .. } = c.op else {
                        return Err(format!("control step {s}: temporal fusion of a non-loop"));
                    };
                    if t.trip != trip || t.shape.size() == 0 {
                        return Err(format!(
                            "control step {s}: temporal fusion over {} x {} steps of a loop of {trip}",
                            t.shape, t.trip
                        ));
                    }
                }
            }
        }
    }
    for g in &plan.row_groups {
        if g.steps.is_empty() || g.steps.end > plan.steps.len() || g.block_rows == 0 {
            return Err(format!("row group {:?} is empty or out of range", g.steps));
        }
        for s in g.steps.clone() {
            let Step::Kernel(k) = &plan.steps[s] else {
                return Err(format!("row group {:?}: step {s} is not a kernel", g.steps));
            };
            let lead = k.launch_shape().first().copied();
            if lead != Some(g.rows) {
                return Err(format!(
                    "row group {:?}: kernel {} does not lead with its {} rows",
                    g.steps, k.name, g.rows
                ));
            }
        }
    }
    Ok(())
}

/// The facts of one kernel (2 and 3 of the module doc).
fn kernel(plan: &KernelPlan, k: &Kernel) -> Result<(), String> {
    let n = plan.buffers.len();
    let rank = k.shape.rank();
    let has_work = k.shape.size() > 0;
    let earlier = |i: usize, at: usize| -> Result<(), String> {
        if i < at {
            Ok(())
        } else {
            Err(format!("%{at} uses %{i}, not an earlier instruction"))
        }
    };
    for (at, instr) in k.body.iter().enumerate() {
        match &instr.expr {
            Expr::Load { buf, map } => {
                if buf.index() >= n {
                    return Err(format!("%{at} loads buffer {} of {n}", buf.index()));
                }
                let info = &plan.buffers[buf.index()];
                if info.dtype != instr.dtype {
                    return Err(format!("%{at} loads {} as {}", info.dtype, instr.dtype));
                }
                if has_work {
                    in_bounds(map, &k.shape, info.shape.size(), rank)
                        .map_err(|e| format!("%{at} load: {e}"))?;
                }
            }
            Expr::ThreefryBits { key, .. } => {
                let info = plan
                    .buffers
                    .get(key.index())
                    .ok_or("a key buffer is missing")?;
                if info.dtype != DType::U32 || info.shape.size() < 2 {
                    return Err(format!("%{at}: key buffer {}{}", info.dtype, info.shape));
                }
            }
            Expr::Gather(g) => gather(plan, k, g, instr.dtype).map_err(|e| format!("%{at} {e}"))?,
            Expr::Imm(_) => {}
            Expr::Unary(_, a) | Expr::Cast(_, a) => earlier(*a, at)?,
            Expr::Binary(_, a, b) => {
                earlier(*a, at)?;
                earlier(*b, at)?;
            }
            Expr::Select(c, a, b) => {
                earlier(*c, at)?;
                earlier(*a, at)?;
                earlier(*b, at)?;
            }
        }
    }
    if let Some(r) = &k.reduce {
        if r.value >= k.body.len() {
            return Err(format!("the reduction folds %{}, past the body", r.value));
        }
        if r.axes.iter().any(|&a| a >= rank) {
            return Err(format!("reduced axes {:?} of a rank-{rank} space", r.axes));
        }
    }
    for st in &k.stores {
        if st.buf.index() >= n {
            return Err(format!("a store writes buffer {} of {n}", st.buf.index()));
        }
        let info = &plan.buffers[st.buf.index()];
        let dtype = match (st.value, &k.reduce) {
            (StoreValue::Expr(i), _) => {
                k.body
                    .get(i)
                    .ok_or_else(|| format!("a store writes %{i}, past the body"))?
                    .dtype
            }
            (StoreValue::Reduced, Some(r)) => r.dtype,
            (StoreValue::Reduced, None) => {
                return Err("a store of a reduction in a kernel without one".into());
            }
        };
        if dtype != info.dtype {
            return Err(format!("a store writes {dtype} into {}", info.dtype));
        }
        if let Some(r) = &k.reduce
            && r.axes
                .iter()
                .any(|&a| st.map.coefs.get(a).is_some_and(|&c| c != 0))
        {
            return Err(format!("a store moves along reduced axes: {}", st.map));
        }
        if has_work {
            in_bounds(&st.map, &k.shape, info.shape.size(), rank)
                .map_err(|e| format!("store: {e}"))?;
        }
    }
    Ok(())
}

/// Checks `map` over the iteration box `shape` stays within `[0, len)`.
fn in_bounds(
    map: &super::Affine,
    shape: &crate::Shape,
    len: usize,
    rank: usize,
) -> Result<(), String> {
    if map.coefs.len() != rank {
        return Err(format!(
            "{map} has {} coefficients for rank {rank}",
            map.coefs.len()
        ));
    }
    let (mut lo, mut hi) = (i128::from(map.offset), i128::from(map.offset));
    for (&c, &extent) in map.coefs.iter().zip(shape.iter()) {
        let span = i128::from(c) * (extent as i128 - 1);
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    if lo < 0 || hi >= len as i128 {
        return Err(format!(
            "index {map} over {shape} reaches [{lo}, {hi}] of a buffer of {len}"
        ));
    }
    Ok(())
}

/// The facts of a gather: its buffers exist with the types it reads, its
/// index load is in bounds, and so is its table read for every index in
/// `[0, len)` (the kernel clamps into that range).
fn gather(plan: &KernelPlan, k: &Kernel, g: &Gather, dtype: DType) -> Result<(), String> {
    let n = plan.buffers.len();
    if g.buf.index() >= n || g.index.index() >= n {
        return Err("gather: a buffer is missing".into());
    }
    let (table, index) = (&plan.buffers[g.buf.index()], &plan.buffers[g.index.index()]);
    if table.dtype != dtype || index.dtype != g.index_dtype {
        return Err(format!(
            "gather: reads {} at {} indices from buffers of {} and {}",
            dtype, g.index_dtype, table.dtype, index.dtype
        ));
    }
    if !matches!(g.index_dtype, DType::I32 | DType::I64 | DType::U32) || g.len == 0 {
        return Err(format!(
            "gather: {} indices on an axis of {}",
            g.index_dtype, g.len
        ));
    }
    if k.shape.size() == 0 {
        return Ok(());
    }
    let rank = k.shape.rank();
    in_bounds(&g.at, &k.shape, index.shape.size(), rank)
        .map_err(|e| format!("gather index: {e}"))?;
    let last = g.base.scale_add(1, g.stride * (g.len as i64 - 1));
    in_bounds(&g.base, &k.shape, table.shape.size(), rank).map_err(|e| format!("gather: {e}"))?;
    in_bounds(&last, &k.shape, table.shape.size(), rank).map_err(|e| format!("gather: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::fuse;
    use crate::{BinaryOp, Graph, OutputRole, ParamRole, Shape};

    fn add_graph() -> Graph {
        let mut g = Graph::new();
        let a = g.param(Shape::new(&[4, 3]), DType::F32, ParamRole::Arg(0));
        let b = g.param(Shape::new(&[3]), DType::F32, ParamRole::Arg(1));
        let c = g.add(Op::Binary(BinaryOp::Add), &[a, b]).unwrap();
        g.output(c, OutputRole::Result(0));
        g
    }

    #[test]
    fn a_scheduled_plan_verifies() {
        verify(&fuse(&add_graph())).unwrap();
    }

    #[test]
    fn an_access_out_of_bounds_is_caught() {
        let mut plan = fuse(&add_graph());
        let Step::Kernel(k) = &mut plan.steps[0] else {
            panic!("one kernel")
        };
        k.stores[0].map.offset += 1;
        let err = verify(&plan).unwrap_err();
        assert!(err.contains("reaches [1, 12] of a buffer of 12"), "{err}");
    }

    #[test]
    fn a_load_of_another_dtype_and_a_bad_alias_are_caught() {
        let mut plan = fuse(&add_graph());
        if let Step::Kernel(k) = &mut plan.steps[0] {
            k.body[0].dtype = DType::F64;
        }
        assert!(verify(&plan).unwrap_err().contains("loads f32 as f64"));
        let mut plan = fuse(&add_graph());
        plan.aliasable.push((0, 1));
        assert!(verify(&plan).unwrap_err().contains("differ in type"));
    }

    /// The gather of kernel step 1 of `plan`.
    fn gathered(plan: &mut KernelPlan) -> &mut Gather {
        let Step::Kernel(k) = &mut plan.steps[1] else {
            panic!("a kernel after the check")
        };
        match &mut k.body[0].expr {
            Expr::Gather(g) => g,
            e => panic!("not a gather: {e:?}"),
        }
    }

    #[test]
    fn a_gather_reaching_past_its_table_is_caught() {
        let mut g = Graph::new();
        let w = g.param(Shape::new(&[5, 2]), DType::F32, ParamRole::Arg(0));
        let i = g.param(Shape::new(&[3]), DType::I32, ParamRole::Arg(1));
        let t = g.add(Op::Take { axis: 0 }, &[w, i]).unwrap();
        let y = g.add(Op::Unary(crate::UnaryOp::Neg), &[t]).unwrap();
        g.output(y, OutputRole::Result(0));
        let plan = fuse(&g);
        verify(&plan).unwrap();
        assert!(matches!(plan.steps[0], Step::Check(_)), "{plan}");
        let mut bad = plan.clone();
        gathered(&mut bad).len = 6;
        let err = verify(&bad).unwrap_err();
        assert!(err.contains("gather") && err.contains("reaches"), "{err}");
        let mut bad = plan.clone();
        gathered(&mut bad).index_dtype = DType::I64;
        assert!(verify(&bad).unwrap_err().contains("gather: reads"));
    }
}
