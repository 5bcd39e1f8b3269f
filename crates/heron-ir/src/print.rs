//! The text form of a graph, jaxpr-like: A-normal form, a type on every
//! binder, names given at print time so the output is deterministic.
//!
//! ```text
//! { lambda a:f32[4,3] b:f32[3] .
//!   let c:f32[4,3] = add a b
//!       d:f32[] = reduce_sum[axes=(0,1)] c
//!   in (d) }
//! ```
//!
//! Parameters bound to Variables print as `name:type@varN`; outputs that
//! update a Variable as `varN <- name`. 0-d constants print inline as
//! `2.0:f32`; larger ones are bound by a `const` line.

use crate::{DType, Graph, NodeId, Op, OutputRole, ParamRole, Shape};
use cranelift_entity::SecondaryMap;
use std::fmt::Write;

/// The type of a binder: `f32[4,3]`.
pub fn type_text(shape: &Shape, dtype: DType) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("{dtype}[{}]", dims.join(","))
}

/// The name given to the `n`-th binder: a..z, ba..bz, ...
fn binder_name(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

impl Graph {
    /// The graph as text (see the module documentation for the format).
    pub fn to_text(&self) -> String {
        self.text_at(0)
    }

    /// The text form indented by `depth` levels (sub-graphs of control ops
    /// print nested under their node, as `body={ lambda ... }`).
    fn text_at(&self, depth: usize) -> String {
        let indent = "  ".repeat(depth);
        let mut names: SecondaryMap<NodeId, String> = SecondaryMap::new();
        let mut next = 0;
        let mut fresh = || {
            next += 1;
            binder_name(next - 1)
        };
        let mut out = String::from("{ lambda");
        for &(node, role) in &self.params {
            let name = fresh();
            let n = &self.nodes[node];
            write!(out, " {name}:{}", type_text(&n.shape, n.dtype)).unwrap();
            if let ParamRole::Var(slot) = role {
                write!(out, "@var{slot}").unwrap();
            }
            names[node] = name;
        }
        out.push_str(" .\n");
        let mut first = true;
        for (id, node) in self.nodes.iter() {
            if let Op::Param(_) = node.op {
                continue;
            }
            if let Some(v) = self.inline_const(id) {
                names[id] = v;
                continue;
            }
            let name = fresh();
            out.push_str(&indent);
            out.push_str(if first { "  let " } else { "      " });
            first = false;
            write!(out, "{name}:{} = ", type_text(&node.shape, node.dtype)).unwrap();
            match node.op {
                Op::Const(c) => {
                    let value = &self.consts[c];
                    if value.shape.size() <= 4 {
                        let items: Vec<String> = (0..value.buf.len())
                            .map(|i| value.buf.get(i).to_string())
                            .collect();
                        write!(out, "const [{}]", items.join(", ")).unwrap();
                    } else {
                        write!(out, "const {c}").unwrap();
                    }
                }
                ref op => {
                    write!(out, "{op}").unwrap();
                    for &input in &node.inputs {
                        write!(out, " {}", names[input]).unwrap();
                    }
                    for (label, g) in sub_graphs(op) {
                        let pad = "  ".repeat(depth + 4);
                        write!(out, "\n{pad}{label}={}", g.text_at(depth + 2)).unwrap();
                    }
                }
            }
            out.push('\n');
            names[id] = name;
        }
        let outs: Vec<String> = self
            .outputs
            .iter()
            .map(|&(node, role)| match role {
                OutputRole::Result(_) => names[node].clone(),
                OutputRole::VarWrite(slot) => format!("var{slot} <- {}", names[node]),
            })
            .collect();
        write!(out, "{indent}  in ({}) }}", outs.join(", ")).unwrap();
        out
    }

    /// The inline text of a 0-d constant (`2.0:f32`), or `None` for other nodes.
    fn inline_const(&self, id: NodeId) -> Option<String> {
        let value = self.const_value(id)?;
        (value.shape.rank() == 0).then(|| format!("{}:{}", value.buf.get(0), value.dtype()))
    }
}

/// The sub-graphs of a control op, labelled as printed.
fn sub_graphs(op: &Op) -> Vec<(&'static str, &Graph)> {
    match op {
        Op::Loop { body, .. } => vec![("body", &**body)],
        Op::While { cond, body, .. } => vec![("cond", &**cond), ("body", &**body)],
        Op::Cond { then, else_ } => vec![("then", &**then), ("else", &**else_)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BinaryOp, ReduceOp, Scalar, Value};
    use expect_test::expect;

    #[test]
    fn prints_jaxpr_like_text() {
        let mut g = Graph::new();
        let a = g.param(Shape::new(&[4, 3]), DType::F32, ParamRole::Arg(0));
        let b = g.param(Shape::new(&[3]), DType::F32, ParamRole::Arg(1));
        let v = g.param(Shape::new(&[3]), DType::F32, ParamRole::Var(0));
        let two = g.constant(Value::scalar(Scalar::F32(2.0)));
        let c = g.add(Op::Binary(BinaryOp::Add), &[a, b]).unwrap();
        let d = g.add(Op::Binary(BinaryOp::Mul), &[c, two]).unwrap();
        let e = g
            .add(
                Op::Reduce {
                    op: ReduceOp::Sum,
                    axes: [0, 1].into_iter().collect(),
                },
                &[d],
            )
            .unwrap();
        let w = g.add(Op::Binary(BinaryOp::Add), &[v, b]).unwrap();
        g.output(e, OutputRole::Result(0));
        g.output(w, OutputRole::VarWrite(0));
        expect![[r#"
            { lambda a:f32[4,3] b:f32[3] c:f32[3]@var0 .
              let d:f32[4,3] = add a b
                  e:f32[4,3] = mul d 2.0:f32
                  f:f32[] = reduce_sum[axes=(0,1)] e
                  g:f32[3] = add c b
              in (f, var0 <- g) }"#]]
        .assert_eq(&g.to_text());
    }
}
