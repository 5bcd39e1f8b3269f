//! Loop-invariant motion of matrix products out of counted loops
//! (`Op::Loop`), and the clean-up of what a loop no longer needs.
//!
//! A loop over `T` steps that multiplies each step's row of a sliced
//! operand by a loop-invariant matrix runs `T` small products; a loop that
//! accumulates `acc += x_tᵀ · v_t` into a carried value runs `T` more. Both
//! are one product outside the loop:
//!
//! - **Hoisting.** A body node `matmul(x_t, w)` (or `matmul(w, x_t)`),
//!   `x_t` a sliced row of rank 2 and `w` a captured operand or a constant of
//!   rank 2, becomes a new sliced operand `P = matmul(xs, w)` computed before
//!   the loop: one `[T·m, k] × [k, n]` product (`eval::product` runs a
//!   batch over a broadcast right operand as one matrix) instead of `T`
//!   products of `m` rows. When `xs` is itself a reversal along the loop
//!   axis (the reverse pass of a loop reads its operands backwards), `P` is
//!   the reversal of `matmul(src, w)`, so CSE shares the product with the
//!   forward loop that reads `src`.
//! - **Sinking.** A carried value whose body output is `acc + matmul(x_tᵀ,
//!   v_t)` (`x_t` a sliced row, `acc` read nowhere else) stops being
//!   accumulated in the loop: the loop stacks `v_t` instead, and after it
//!   the result is `acc₀ + Xᵀ · V`, one product contracting over all `T·m`
//!   rows (`X`, `V` the stacked rows reshaped to `[T·m, ·]`).
//! - **Clean-up.** A carried value the body passes through unchanged
//!   becomes a captured operand (its result is its initial value); sliced
//!   and captured operands the body no longer reads, and stacked results no
//!   one reads, are dropped (a reverse pass stores per-step state it may
//!   not need); a loop left with no result is removed.
//!
//! Exactness: only where products run changes. A hoisted product computes
//! each row from the same operands; a sunk accumulation sums the same
//! terms in one product instead of `T` rounded partial sums. Both stay
//! within the matrix-product contract of `crate::precision` (`Tol::Dot`,
//! with `k` the contracted extent: `T·m` for a sunk accumulation); every
//! other value is bit-identical.

use super::dce::live_nodes;
use super::rewrite::Rebuild;
use crate::control::Body;
use crate::{
    AxisSlice, BinaryOp, ConstId, Graph, Inputs, Node, NodeId, Op, OutputRole, ParamRole, Result,
    Shape, SliceSpec,
};
use cranelift_entity::SecondaryMap;
use cranelift_entity::packed_option::PackedOption;
use rustc_hash::FxHashMap;

#[cfg(test)]
mod tests;

/// The graph with invariant products moved out of its counted loops and
/// what those loops no longer need dropped (nested loops are handled when
/// `control` optimises their enclosing body). Dead nodes are removed.
pub fn loop_invariant(graph: &Graph) -> Result<Graph> {
    if !graph
        .nodes
        .values()
        .any(|n| matches!(n.op, Op::Loop { .. }))
    {
        return Ok(graph.clone());
    }
    // A later loop that stops reading a result of an earlier one (a reverse
    // pass no longer needing a stored state) lets the earlier one drop it on
    // the next sweep.
    let (mut graph, mut changed) = sweep(graph)?;
    for _ in 0..MAX_SWEEPS {
        if !changed {
            break;
        }
        (graph, changed) = sweep(&graph)?;
    }
    Ok(graph)
}

/// At most this many more sweeps after the first.
const MAX_SWEEPS: usize = 3;

/// One rewrite of every loop of `graph`; true when a loop changed.
fn sweep(graph: &Graph) -> Result<(Graph, bool)> {
    let live = live_nodes(graph);
    // Which results of each loop are read (through a live `get[k]`).
    let mut used: FxHashMap<NodeId, Vec<bool>> = FxHashMap::default();
    for (id, node) in graph.nodes.iter() {
        if let (Op::Project(k), true) = (&node.op, live[id]) {
            let l = node.inputs[0];
            if let Op::Loop { .. } = graph.nodes[l].op {
                let n = crate::control::result_types(&graph.nodes[l].op).len();
                let flags = used.entry(l).or_insert_with(|| vec![false; n]);
                flags[*k as usize] = true;
            }
        }
    }
    let mut rb = Rebuild::new(graph);
    let mut edited: FxHashMap<NodeId, Vec<Option<NodeId>>> = FxHashMap::default();
    let mut changed = false;
    for (id, node) in rb.body() {
        if !live[id] {
            continue;
        }
        match &node.op {
            Op::Project(k) if edited.contains_key(&node.inputs[0]) => {
                let new =
                    edited[&node.inputs[0]][*k as usize].expect("a result that is read is kept");
                rb.set(id, new);
            }
            Op::Loop { .. } => {
                let inputs = rb.inputs(node);
                let flags = used.get(&id).cloned().unwrap_or_default();
                match edit(&mut rb.new, &node.op, &inputs, &flags)? {
                    Some(results) => {
                        edited.insert(id, results);
                        changed = true;
                    }
                    None => {
                        rb.copy(id);
                    }
                }
            }
            _ => {
                rb.copy(id);
            }
        }
    }
    Ok((rb.finish(), changed))
}

/// The invariant operand of a hoisted product.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Inv {
    /// Captured operand number `c`.
    Captured(usize),
    /// A constant of the body.
    Const(ConstId),
}

/// A body product of a sliced row and an invariant matrix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Hoist {
    /// The sliced operand.
    xs: usize,
    /// The invariant matrix.
    w: Inv,
    /// The row is the left operand (`x_t · w`), else the right (`w · x_t`).
    left: bool,
}

/// A carried accumulation `acc + matmul(x_tᵀ, v_t)` moved after the loop.
#[derive(Clone, Copy, Debug)]
struct Sink {
    /// The carried value.
    carry: usize,
    /// The sliced operand whose rows are transposed.
    xs: usize,
    /// The stacked per-step right operand.
    v: NodeId,
    /// The accumulator is the left operand of the sum.
    acc_left: bool,
}

/// The positions of a loop's operands and of its body's parameters.
struct Layout<'a> {
    body: &'a Graph,
    nc: usize,
    nx: usize,
    /// Body parameter number of each parameter node.
    index: FxHashMap<NodeId, usize>,
}

impl Layout<'_> {
    fn param(&self, i: usize) -> NodeId {
        self.body.params[i].0
    }

    fn carry(&self, j: usize) -> NodeId {
        self.param(1 + j)
    }

    /// The sliced operand whose row `n` is, if it is one.
    fn sliced(&self, n: NodeId) -> Option<usize> {
        let i = *self.index.get(&n)?;
        (i > self.nc && i <= self.nc + self.nx).then(|| i - 1 - self.nc)
    }

    /// `n` as an invariant matrix: a captured operand or a constant.
    fn invariant(&self, n: NodeId) -> Option<Inv> {
        match self.body.nodes[n].op {
            Op::Const(c) => Some(Inv::Const(c)),
            _ => {
                let i = *self.index.get(&n)?;
                (i > self.nc + self.nx).then(|| Inv::Captured(i - 1 - self.nc - self.nx))
            }
        }
    }

    fn rank(&self, n: NodeId) -> usize {
        self.body.nodes[n].shape.rank()
    }
}

/// How many times each body node is read (as an operand or an output).
fn use_counts(g: &Graph) -> SecondaryMap<NodeId, u32> {
    let mut uses: SecondaryMap<NodeId, u32> = SecondaryMap::with_capacity(g.len());
    for node in g.nodes.values() {
        for &i in &node.inputs {
            uses[i] += 1;
        }
    }
    for &(o, _) in &g.outputs {
        uses[o] += 1;
    }
    uses
}

/// The products of `l`'s body that can be hoisted, by body node.
fn hoists(l: &Layout<'_>) -> FxHashMap<NodeId, Hoist> {
    let mut found = FxHashMap::default();
    for (n, node) in l.body.nodes.iter() {
        if node.op != Op::MatMul || node.shape.rank() != 2 {
            continue;
        }
        let (a, b) = (node.inputs[0], node.inputs[1]);
        if l.rank(a) != 2 || l.rank(b) != 2 {
            continue;
        }
        let hoist = match (l.sliced(a), l.invariant(b), l.invariant(a), l.sliced(b)) {
            (Some(xs), Some(w), _, _) => Hoist { xs, w, left: true },
            (_, _, Some(w), Some(xs)) => Hoist { xs, w, left: false },
            _ => continue,
        };
        found.insert(n, hoist);
    }
    found
}

/// The carried accumulations of `l`'s body that can be sunk.
fn sinks(l: &Layout<'_>, uses: &SecondaryMap<NodeId, u32>) -> Vec<Sink> {
    let g = l.body;
    let mut found = Vec::new();
    for j in 0..l.nc {
        let out = g.outputs[j].0;
        let node = &g.nodes[out];
        let acc = l.carry(j);
        if node.op != Op::Binary(BinaryOp::Add)
            || !node.dtype.is_float()
            || node.shape.rank() != 2
            || uses[acc] != 1
        {
            continue;
        }
        let (m, acc_left) = match (node.inputs[0] == acc, node.inputs[1] == acc) {
            (true, false) => (node.inputs[1], true),
            (false, true) => (node.inputs[0], false),
            _ => continue,
        };
        let mn = &g.nodes[m];
        if mn.op != Op::MatMul || uses[m] != 1 || mn.shape != node.shape || mn.dtype != node.dtype {
            continue;
        }
        let (a, v) = (mn.inputs[0], mn.inputs[1]);
        let an = &g.nodes[a];
        let transposed = matches!(&an.op, Op::Permute(p) if p.as_slice() == [1, 0]);
        if !transposed || l.rank(v) != 2 {
            continue;
        }
        if let Some(xs) = l.sliced(an.inputs[0]) {
            found.push(Sink {
                carry: j,
                xs,
                v,
                acc_left,
            });
        }
    }
    found
}

/// Rewrites one loop node (operands `inputs`, already in `g`) when there is
/// anything to move or drop: emits the hoisted products, the new loop and
/// what follows it into `g` and returns, for each old result, the node
/// now computing it (`None` for a result no one reads). `None` when the
/// loop stays as it is.
fn edit(
    g: &mut Graph,
    op: &Op,
    inputs: &[NodeId],
    used: &[bool],
) -> Result<Option<Vec<Option<NodeId>>>> {
    let Op::Loop {
        body,
        start,
        trip,
        n_carry,
        n_xs,
    } = op
    else {
        unreachable!("edit is called on loops")
    };
    let (nc, nx) = (*n_carry as usize, *n_xs as usize);
    let b: &Graph = body;
    if *trip == 0 || b.outputs.len() < nc {
        return Ok(None);
    }
    let ny = b.outputs.len() - nc;
    let ncap = inputs.len() - nc - nx;
    let layout = Layout {
        body: b,
        nc,
        nx,
        index: b.params.iter().enumerate().map(|(i, p)| (p.0, i)).collect(),
    };
    let uses = use_counts(b);
    let hoisted = hoists(&layout);
    let sunk = sinks(&layout, &uses);
    let is_sunk = |j: usize| sunk.iter().any(|s| s.carry == j);
    let passes = |j: usize| b.outputs[j].0 == layout.carry(j) || is_sunk(j);
    let carried: Vec<usize> = (0..nc).filter(|&j| !passes(j)).collect();
    let kept_ys: Vec<usize> = (0..ny)
        .filter(|&y| used.get(nc + y).copied().unwrap_or(true))
        .collect();

    // The new body's outputs (old nodes) and what they read.
    let mut outs: Vec<NodeId> = carried.iter().map(|&j| b.outputs[j].0).collect();
    outs.extend(kept_ys.iter().map(|&y| b.outputs[nc + y].0));
    outs.extend(sunk.iter().map(|s| s.v));
    let mut live: SecondaryMap<NodeId, bool> = SecondaryMap::with_capacity(b.len());
    for &o in &outs {
        live[o] = true;
    }
    for &j in &carried {
        live[layout.carry(j)] = true;
    }
    for (n, node) in b.nodes.iter().rev() {
        if live[n] && !hoisted.contains_key(&n) {
            for &i in &node.inputs {
                live[i] = true;
            }
        }
    }
    let live_hoists: Vec<(NodeId, Hoist)> = {
        let mut v: Vec<(NodeId, Hoist)> = hoisted
            .iter()
            .filter(|(n, _)| live[**n])
            .map(|(&n, &h)| (n, h))
            .collect();
        v.sort_by_key(|(n, _)| *n);
        v
    };
    let xs_kept: Vec<usize> = (0..nx)
        .filter(|&k| live[layout.param(1 + nc + k)])
        .collect();
    let cap_kept: Vec<usize> = (0..ncap)
        .filter(|&c| live[layout.param(1 + nc + nx + c)])
        .collect();
    let inv_kept: Vec<usize> = (0..nc)
        .filter(|&j| !carried.contains(&j) && live[layout.carry(j)])
        .collect();
    let unchanged = live_hoists.is_empty()
        && sunk.is_empty()
        && carried.len() == nc
        && kept_ys.len() == ny
        && xs_kept.len() == nx
        && cap_kept.len() == ncap;
    if unchanged {
        return Ok(None);
    }

    // Operands and parameters of the new loop.
    // Each new body parameter stands for an old body node: a parameter, or
    // a hoisted product.
    let mut params: Vec<NodeId> = vec![layout.param(0)];
    let mut operands: Vec<NodeId> = Vec::new();
    for &j in &carried {
        params.push(layout.carry(j));
        operands.push(inputs[j]);
    }
    for &k in &xs_kept {
        params.push(layout.param(1 + nc + k));
        operands.push(inputs[nc + k]);
    }
    // One sliced operand per distinct hoisted product.
    let mut products: FxHashMap<Hoist, usize> = FxHashMap::default();
    let mut subst: FxHashMap<NodeId, usize> = FxHashMap::default();
    for &(n, h) in &live_hoists {
        let slot = match products.get(&h) {
            Some(&slot) => slot,
            None => {
                let p = hoisted_product(g, b, h, inputs, nc, nx)?;
                params.push(n);
                operands.push(p);
                products.insert(h, params.len() - 1);
                params.len() - 1
            }
        };
        subst.insert(n, slot);
    }
    let n_xs_new = operands.len() - carried.len();
    for &c in &cap_kept {
        params.push(layout.param(1 + nc + nx + c));
        operands.push(inputs[nc + nx + c]);
    }
    for &j in &inv_kept {
        params.push(layout.carry(j));
        operands.push(inputs[j]);
    }

    let n_results = carried.len() + kept_ys.len() + sunk.len();
    let mut results: Vec<Option<NodeId>> = vec![None; nc + ny];
    for j in 0..nc {
        if !carried.contains(&j) && !is_sunk(j) {
            results[j] = Some(inputs[j]);
        }
    }
    if n_results == 0 {
        return Ok(Some(results));
    }
    let new_body = rebuild_body(b, &params, &subst, &live, &outs, (nc, nx))?;
    let new_op = Op::Loop {
        body: Body::new(new_body),
        start: *start,
        trip: *trip,
        n_carry: carried.len() as u32,
        n_xs: n_xs_new as u32,
    };
    let l = g.add(new_op, &operands)?;
    let mut proj = Vec::with_capacity(n_results);
    for r in 0..n_results {
        proj.push(g.add(Op::Project(r as u32), &[l])?);
    }
    for (q, &j) in carried.iter().enumerate() {
        results[j] = Some(proj[q]);
    }
    for (q, &y) in kept_ys.iter().enumerate() {
        results[nc + y] = Some(proj[carried.len() + q]);
    }
    for (q, s) in sunk.iter().enumerate() {
        let stacked = proj[carried.len() + kept_ys.len() + q];
        results[s.carry] = Some(sunk_result(g, s, inputs, nc, *trip, stacked)?);
    }
    Ok(Some(results))
}

/// Emits the hoisted product `h` over the whole sliced operand: the new
/// sliced operand standing for the body's product.
fn hoisted_product(
    g: &mut Graph,
    b: &Graph,
    h: Hoist,
    inputs: &[NodeId],
    nc: usize,
    nx: usize,
) -> Result<NodeId> {
    let w = match h.w {
        Inv::Captured(c) => inputs[nc + nx + c],
        Inv::Const(c) => g.constant(b.consts[c].clone()),
    };
    let xs = inputs[nc + h.xs];
    if !h.left {
        return g.add(Op::MatMul, &[w, xs]);
    }
    match reversed_rows(g, xs) {
        Some(src) => {
            let p = g.add(Op::MatMul, &[src, w])?;
            let spec = reverse_spec(&g.nodes[p].shape);
            g.add(Op::Slice(spec), &[p])
        }
        None => g.add(Op::MatMul, &[xs, w]),
    }
}

/// The operand of `n` when `n` reverses it along axis 0 and keeps every
/// other axis whole.
fn reversed_rows(g: &Graph, n: NodeId) -> Option<NodeId> {
    let node = &g.nodes[n];
    let Op::Slice(spec) = &node.op else {
        return None;
    };
    let src = node.inputs[0];
    (spec.as_slice() == reverse_spec(&g.nodes[src].shape).as_slice()).then_some(src)
}

/// The slice reversing axis 0 of `shape` (other axes whole).
fn reverse_spec(shape: &Shape) -> SliceSpec {
    shape
        .iter()
        .enumerate()
        .map(|(a, &n)| match a {
            0 if n > 0 => AxisSlice {
                start: n - 1,
                step: -1,
                len: n,
            },
            _ => AxisSlice {
                start: 0,
                step: 1,
                len: n,
            },
        })
        .collect()
}

/// Emits `acc₀ + Xᵀ · V` after the loop for a sunk accumulation: `X` the
/// sliced operand and `V` the stacked right operands, both `[T·m, ·]`.
fn sunk_result(
    g: &mut Graph,
    s: &Sink,
    inputs: &[NodeId],
    nc: usize,
    trip: u64,
    stacked: NodeId,
) -> Result<NodeId> {
    let rows = |g: &Graph, n: NodeId| {
        let sh = &g.nodes[n].shape;
        Shape::new(&[trip as usize * sh[1], sh[2]])
    };
    let xs = inputs[nc + s.xs];
    let x2 = g.add(Op::Reshape(rows(g, xs)), &[xs])?;
    let xt = g.add(Op::Permute([1, 0].into_iter().collect()), &[x2])?;
    let v2 = g.add(Op::Reshape(rows(g, stacked)), &[stacked])?;
    let total = g.add(Op::MatMul, &[xt, v2])?;
    let acc = inputs[s.carry];
    let pair = if s.acc_left {
        [acc, total]
    } else {
        [total, acc]
    };
    g.add(Op::Binary(BinaryOp::Add), &pair)
}

/// The new body: parameters `params` (in the new layout), then the live
/// nodes of `old` in order, each hoisted product read from its parameter,
/// returning `outs`. `(nc, nx)` is the old layout, for the error text.
fn rebuild_body(
    old: &Graph,
    params: &[NodeId],
    subst: &FxHashMap<NodeId, usize>,
    live: &SecondaryMap<NodeId, bool>,
    outs: &[NodeId],
    (nc, nx): (usize, usize),
) -> Result<Graph> {
    let mut g = Graph::new();
    let mut map: SecondaryMap<NodeId, PackedOption<NodeId>> = SecondaryMap::new();
    for (i, &n) in params.iter().enumerate() {
        let node = &old.nodes[n];
        let new = g.param(node.shape.clone(), node.dtype, ParamRole::Arg(i as u32));
        map[n] = new.into();
    }
    for (&n, &slot) in subst {
        map[n] = g.params[slot].0.into();
    }
    let mut consts: FxHashMap<ConstId, NodeId> = FxHashMap::default();
    for (n, node) in old.nodes.iter() {
        if !live[n] || map[n].is_some() {
            continue;
        }
        let new = match &node.op {
            Op::Param(i) => {
                return Err(crate::Error::invalid(
                    "loop",
                    format!(
                        "loop-invariant motion lost body parameter {i} (carry {nc}, xs {nx}): \
                         a compiler bug"
                    ),
                ));
            }
            Op::Const(c) => *consts
                .entry(*c)
                .or_insert_with(|| g.constant(old.consts[*c].clone())),
            op => {
                let inputs: Inputs = node
                    .inputs
                    .iter()
                    .map(|&i| map[i].expand().expect("operands precede their users"))
                    .collect();
                g.nodes.push(Node {
                    op: op.clone(),
                    inputs,
                    shape: node.shape.clone(),
                    dtype: node.dtype,
                })
            }
        };
        map[n] = new.into();
    }
    for (r, &o) in outs.iter().enumerate() {
        let n = map[o].expand().expect("outputs are rebuilt");
        g.output(n, OutputRole::Result(r as u32));
    }
    Ok(g)
}
