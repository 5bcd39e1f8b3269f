//! The graph verifier: checks the invariants every pass relies on and every
//! pass must preserve. A failure is a bug in whatever built or rewrote the
//! graph, never a user error; the message prints the graph's text form
//! (`Graph::to_text`) with `; error:` under each offending line.
//!
//! Invariants checked:
//!
//! 1. Every entry `params[i]` is a node of the graph whose op is `Param(i)`,
//!    and no two parameters share a role (`Arg(n)` or `Var(n)`).
//! 2. Every `Const(c)` node refers to an existing entry of the constant
//!    table; the entry's shape and dtype are the node's, and its buffer holds
//!    exactly `shape.size()` elements.
//! 3. Nodes are in topological order: every operand id is a node that comes
//!    earlier in the arena than its user.
//! 4. Leaves (`Param`, `Const`) have no operands; every `Param(i)` node is
//!    the one `params[i]` names (so the list and the nodes agree both ways).
//! 5. Every other node's recorded shape and dtype equal what `infer` gives
//!    for its op and the recorded types of its operands (and `infer`
//!    accepts them).
//! 6. Every output is a node of the graph; no two outputs share a role.
//! 7. An output `VarWrite(n)` has the shape and dtype of the parameter bound
//!    to `Var(n)`, when the graph has one (a Variable keeps its type).
//! 8. Control nodes (`loop`, `while_loop`, `cond`) are used only by
//!    `get[k]` nodes, never directly nor as outputs; a `get[k]` node's type
//!    is result `k` of its control operand; every sub-graph verifies.

use crate::{Error, Graph, NodeId, Op, OutputRole, ParamRole, Result, infer, type_text};
use rustc_hash::FxHashSet;

/// Checks every invariant listed in the module documentation; the error
/// lists each violation, shown on the text form of the graph.
pub fn verify(graph: &Graph) -> Result<()> {
    let tables = check_tables(graph);
    if !tables.is_empty() {
        // The text form cannot be printed when these are broken.
        return Err(Error::invalid(
            "verify",
            format!("invalid graph (a compiler bug):\n  {}", tables.join("\n  ")),
        ));
    }
    let mut errors = Vec::new();
    check_nodes(graph, &mut errors);
    check_outputs(graph, &mut errors);
    if errors.is_empty() {
        return Ok(());
    }
    Err(Error::invalid("verify", annotate(graph, &errors)))
}

/// Where a violation shows in the text form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// The node's own line (the `lambda` line for parameters).
    Node(NodeId),
    /// The `in (...)` line.
    Outputs,
}

/// Invariants 1 and 2's table lookups: what `to_text` needs to print.
fn check_tables(graph: &Graph) -> Vec<String> {
    let mut errors = Vec::new();
    let mut roles = FxHashSet::default();
    for (i, &(id, role)) in graph.params.iter().enumerate() {
        if !graph.nodes.is_valid(id) {
            errors.push(format!("params[{i}] is {id}, which is not a node"));
        } else if graph.nodes[id].op != Op::Param(i as u32) {
            errors.push(format!(
                "params[{i}] is {id} = {}, not param[{i}]",
                graph.nodes[id].op
            ));
        }
        if !roles.insert(role) {
            errors.push(format!("params[{i}]: role {role:?} is bound twice"));
        }
    }
    for (id, node) in graph.nodes.iter() {
        if let Op::Const(c) = node.op
            && !graph.consts.is_valid(c)
        {
            errors.push(format!(
                "{id} = const[{c}] refers to a missing constant (the table has {})",
                graph.consts.len()
            ));
        }
    }
    errors
}

/// Invariants 2 to 5, node by node.
fn check_nodes(graph: &Graph, errors: &mut Vec<(At, String)>) {
    for (id, node) in graph.nodes.iter() {
        let mut fail = |msg: String| errors.push((At::Node(id), format!("{id}: {msg}")));
        let ty = type_text(&node.shape, node.dtype);
        if node.op.is_leaf() && !node.inputs.is_empty() {
            fail(format!("{} has operands {:?}", node.op, &node.inputs[..]));
            continue;
        }
        match node.op {
            Op::Param(i) => match graph.params.get(i as usize) {
                Some(&(p, _)) if p == id => {}
                Some(&(p, _)) => fail(format!("param[{i}] is not params[{i}], which is {p}")),
                None => fail(format!(
                    "param[{i}] but the graph has {} params",
                    graph.params.len()
                )),
            },
            Op::Const(c) => {
                let value = &graph.consts[c];
                let vty = type_text(&value.shape, value.dtype());
                if vty != ty {
                    fail(format!("constant {c} is {vty}, the node says {ty}"));
                }
                if value.buf.len() != value.shape.size() {
                    fail(format!(
                        "constant {c} of shape {} holds {} elements",
                        value.shape,
                        value.buf.len()
                    ));
                }
            }
            ref op => {
                let late: Vec<String> = node
                    .inputs
                    .iter()
                    .filter(|&&i| i >= id)
                    .map(|i| i.to_string())
                    .collect();
                if !late.is_empty() {
                    fail(format!(
                        "operands {} do not come before their user",
                        late.join(", ")
                    ));
                    continue;
                }
                let types: Vec<_> = node
                    .inputs
                    .iter()
                    .map(|&i| (&graph.nodes[i].shape, graph.nodes[i].dtype))
                    .collect();
                let operands: Vec<String> = types.iter().map(|(s, d)| type_text(s, *d)).collect();
                if let Op::Project(k) = op {
                    match graph.project_type(*k, &node.inputs) {
                        Ok((s, d)) if s == node.shape && d == node.dtype => {}
                        Ok((s, d)) => fail(format!(
                            "recorded type {ty}, but {op} gives {}",
                            type_text(&s, d)
                        )),
                        Err(e) => fail(format!("{op} does not type-check: {e}")),
                    }
                    continue;
                }
                for &i in &node.inputs {
                    if crate::control::is_control(&graph.nodes[i].op) {
                        fail(format!("{i} is a control node used directly by {op}"));
                    }
                }
                match op {
                    Op::Loop { body, .. } => sub(body, "body", &mut fail),
                    Op::While { cond, body, .. } => {
                        sub(cond, "cond", &mut fail);
                        sub(body, "body", &mut fail);
                    }
                    Op::Cond { then, else_ } => {
                        sub(then, "then", &mut fail);
                        sub(else_, "else", &mut fail);
                    }
                    _ => {}
                }
                match infer(op, &types) {
                    Ok((s, d)) if s == node.shape && d == node.dtype => {}
                    Ok((s, d)) => fail(format!(
                        "recorded type {ty}, but {op} of ({}) gives {}",
                        operands.join(", "),
                        type_text(&s, d)
                    )),
                    Err(e) => fail(format!(
                        "{op} of ({}) does not type-check: {e}",
                        operands.join(", ")
                    )),
                }
            }
        }
    }
}

/// Invariant 8 for one sub-graph: it verifies on its own.
fn sub(graph: &Graph, what: &str, fail: &mut impl FnMut(String)) {
    if let Err(e) = verify(graph) {
        fail(format!("the {what} sub-graph is malformed: {e}"));
    }
}

/// Invariants 6 and 7.
fn check_outputs(graph: &Graph, errors: &mut Vec<(At, String)>) {
    let mut roles = FxHashSet::default();
    for (k, &(id, role)) in graph.outputs.iter().enumerate() {
        let mut fail = |msg: String| errors.push((At::Outputs, format!("output {k}: {msg}")));
        if !roles.insert(role) {
            fail(format!("role {role:?} is bound twice"));
        }
        if !graph.nodes.is_valid(id) {
            fail(format!("{id} is not a node"));
            continue;
        }
        if crate::control::is_control(&graph.nodes[id].op) {
            fail(format!(
                "{id} is a control node; outputs read its results with get[k]"
            ));
        }
        let OutputRole::VarWrite(slot) = role else {
            continue;
        };
        let var = graph
            .params
            .iter()
            .find(|&&(_, r)| r == ParamRole::Var(slot));
        if let Some(&(param, _)) = var {
            let (p, n) = (&graph.nodes[param], &graph.nodes[id]);
            if (&p.shape, p.dtype) != (&n.shape, n.dtype) {
                fail(format!(
                    "var{slot} is {} but is written {} ({id})",
                    type_text(&p.shape, p.dtype),
                    type_text(&n.shape, n.dtype)
                ));
            }
        }
    }
}

/// The graph's text with each error printed under the line it concerns.
fn annotate(graph: &Graph, errors: &[(At, String)]) -> String {
    let text = graph.to_text();
    let lines: Vec<&str> = text.lines().collect();
    // Line of each node in the text: parameters are on the `lambda` line,
    // 0-d constants are printed inline (their line is their first user's).
    let mut line_of = cranelift_entity::SecondaryMap::<NodeId, usize>::new();
    let mut next = 1;
    for (id, node) in graph.nodes.iter() {
        line_of[id] = match node.op {
            Op::Param(_) => 0,
            Op::Const(c) if graph.consts[c].shape.rank() == 0 => usize::MAX,
            _ => {
                next += 1;
                next - 1
            }
        };
    }
    for (id, node) in graph.nodes.iter() {
        for &input in &node.inputs {
            if graph.nodes.is_valid(input) && line_of[input] == usize::MAX {
                line_of[input] = line_of[id];
            }
        }
    }
    let line = |at: At| match at {
        At::Node(id) => line_of[id].min(lines.len() - 1),
        At::Outputs => lines.len() - 1,
    };
    let plural = if errors.len() == 1 { "" } else { "s" };
    let mut out = format!(
        "invalid graph (a compiler bug), {} error{plural}:\n",
        errors.len()
    );
    for (n, text_line) in lines.iter().enumerate() {
        out.push_str(text_line);
        out.push('\n');
        for (_, msg) in errors.iter().filter(|&&(at, _)| line(at) == n) {
            out.push_str(&format!("  ; error: {msg}\n"));
        }
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BinaryOp, ConstId, DType, Scalar, Shape, UnaryOp, Value};
    use expect_test::{Expect, expect};

    /// `a:f32[3] b:f32[3]@var0; c = exp a; d = mul c 2.0; e = add d b;
    /// outputs (e, var0 <- e)`, then `corrupt` applied to it.
    fn check(corrupt: impl FnOnce(&mut Graph), expect: Expect) {
        let mut g = Graph::new();
        let a = g.param(Shape::new(&[3]), DType::F32, ParamRole::Arg(0));
        let b = g.param(Shape::new(&[3]), DType::F32, ParamRole::Var(0));
        let c = g.add(Op::Unary(UnaryOp::Exp), &[a]).unwrap();
        let two = g.constant(Value::scalar(Scalar::F32(2.0)));
        let d = g.add(Op::Binary(BinaryOp::Mul), &[c, two]).unwrap();
        let e = g.add(Op::Binary(BinaryOp::Add), &[d, b]).unwrap();
        g.output(e, OutputRole::Result(0));
        g.output(e, OutputRole::VarWrite(0));
        verify(&g).expect("the uncorrupted graph is valid");
        corrupt(&mut g);
        expect.assert_eq(&verify(&g).unwrap_err().to_string());
    }

    fn v(n: u32) -> NodeId {
        NodeId::from_u32(n)
    }

    #[test]
    fn a_wrong_recorded_type_is_shown_on_its_line() {
        check(
            |g| g.nodes[v(4)].shape = Shape::new(&[4]),
            expect![[r#"
                verify: invalid graph (a compiler bug), 2 errors:
                { lambda a:f32[3] b:f32[3]@var0 .
                  let c:f32[3] = exp a
                      d:f32[4] = mul c 2.0:f32
                  ; error: v4: recorded type f32[4], but mul of (f32[3], f32[]) gives f32[3]
                      e:f32[3] = add d b
                  ; error: v5: add of (f32[4], f32[3]) does not type-check: add: cannot broadcast [4] with [3]
                  in (e, var0 <- e) }"#]],
        );
    }

    #[test]
    fn operands_must_come_first() {
        check(
            |g| g.nodes[v(2)].inputs[0] = v(4),
            expect![[r#"
            verify: invalid graph (a compiler bug), 1 error:
            { lambda a:f32[3] b:f32[3]@var0 .
              let c:f32[3] = exp 
              ; error: v2: operands v4 do not come before their user
                  d:f32[3] = mul c 2.0:f32
                  e:f32[3] = add d b
              in (e, var0 <- e) }"#]],
        );
    }

    #[test]
    fn constants_must_match_their_nodes() {
        check(
            |g| g.consts[ConstId::from_u32(0)] = Value::scalar(Scalar::F64(2.0)),
            expect![[r#"
                verify: invalid graph (a compiler bug), 1 error:
                { lambda a:f32[3] b:f32[3]@var0 .
                  let c:f32[3] = exp a
                      d:f32[3] = mul c 2.0:f64
                  ; error: v3: constant c0 is f64[], the node says f32[]
                      e:f32[3] = add d b
                  in (e, var0 <- e) }"#]],
        );
    }

    #[test]
    fn outputs_roles_and_variable_types() {
        check(
            |g| {
                g.nodes[v(5)].dtype = DType::Bool;
                g.nodes[v(5)].op = Op::Binary(BinaryOp::Lt);
                g.output(v(2), OutputRole::Result(0));
            },
            expect![[r#"
                verify: invalid graph (a compiler bug), 2 errors:
                { lambda a:f32[3] b:f32[3]@var0 .
                  let c:f32[3] = exp a
                      d:f32[3] = mul c 2.0:f32
                      e:bool[3] = lt d b
                  in (e, var0 <- e, c) }
                  ; error: output 1: var0 is f32[3] but is written bool[3] (v5)
                  ; error: output 2: role Result(0) is bound twice"#]],
        );
    }

    #[test]
    fn leaves_have_no_operands_and_params_agree_with_the_list() {
        check(
            |g| {
                g.nodes[v(3)].inputs.push(v(0));
                let stray = g.nodes[v(0)].clone();
                g.nodes.push(stray);
            },
            expect![[r#"
                verify: invalid graph (a compiler bug), 2 errors:
                { lambda a:f32[3] b:f32[3]@var0 .
                  ; error: v6: param[0] is not params[0], which is v0
                  let c:f32[3] = exp a
                      d:f32[3] = mul c 2.0:f32
                  ; error: v3: const[c0] has operands [v0]
                      e:f32[3] = add d b
                  in (e, var0 <- e) }"#]],
        );
    }

    #[test]
    fn broken_tables_are_reported_without_the_text() {
        check(
            |g| {
                g.nodes[v(3)].op = Op::Const(ConstId::from_u32(7));
                g.params.push((v(9), ParamRole::Arg(0)));
            },
            expect![[r#"
                verify: invalid graph (a compiler bug):
                  params[2] is v9, which is not a node
                  params[2]: role Arg(0) is bound twice
                  v3 = const[c7] refers to a missing constant (the table has 1)"#]],
        );
    }
}
