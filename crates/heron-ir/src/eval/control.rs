//! The meaning of the control ops (`loop`, `while_loop`, `cond`): each
//! sub-graph runs through `eval` as often as the op says. Operand and result
//! layouts are described in `crate::control`.

use super::eval;
use crate::{Buffer, Error, Op, Result, Scalar, Shape, Value};

/// Evaluates a control op on concrete operands; returns all its results.
pub(super) fn eval_control(op: &Op, inputs: &[&Value]) -> Result<Vec<Value>> {
    match op {
        Op::Loop {
            body,
            start,
            trip,
            n_carry,
            n_xs,
        } => {
            let (nc, nx) = (*n_carry as usize, *n_xs as usize);
            let mut carry: Vec<Value> = inputs[..nc].iter().map(|v| (*v).clone()).collect();
            let xs = &inputs[nc..nc + nx];
            let captured = &inputs[nc + nx..];
            let y_types: Vec<_> = body.output_types().into_iter().skip(nc).collect();
            let mut ys: Vec<Buffer> = y_types
                .iter()
                .map(|(s, d)| Buffer::zeroed(*d, s.size() * *trip as usize))
                .collect();
            for t in 0..*trip as usize {
                let index = Value::scalar(Scalar::I32((*start + t as i64) as i32));
                let mut params = Vec::with_capacity(body.params.len());
                params.push(index);
                params.append(&mut carry);
                params.extend(xs.iter().map(|x| row(x, t)));
                params.extend(captured.iter().map(|v| (*v).clone()));
                let mut outs = eval(body, &params)?;
                let per_iter = outs.split_off(nc);
                carry = outs;
                for (y, buf) in per_iter.iter().zip(&mut ys) {
                    let n = y.buf.nbytes();
                    buf.bytes_mut()[t * n..(t + 1) * n].copy_from_slice(y.buf.bytes());
                }
            }
            let mut results = carry;
            for ((s, _), buf) in y_types.iter().zip(ys) {
                let mut dims = vec![*trip as usize];
                dims.extend(s.iter().copied());
                results.push(Value::new(Shape::new(&dims), buf));
            }
            Ok(results)
        }
        Op::While {
            cond,
            body,
            n_carry,
        } => {
            let nc = *n_carry as usize;
            let mut state: Vec<Value> = inputs.iter().map(|v| (*v).clone()).collect();
            loop {
                let p = eval(cond, &state)?;
                if !truth(&p[0]) {
                    break;
                }
                let new = eval(body, &state)?;
                for (slot, v) in state.iter_mut().zip(new) {
                    *slot = v;
                }
            }
            state.truncate(nc);
            Ok(state)
        }
        Op::Cond { then, else_ } => {
            let captured: Vec<Value> = inputs[1..].iter().map(|v| (*v).clone()).collect();
            let branch = if truth(inputs[0]) { then } else { else_ };
            eval(branch, &captured)
        }
        _ => Err(Error::invalid(op.name(), "not a control op")),
    }
}

/// The value of a `bool[]`.
fn truth(v: &Value) -> bool {
    v.as_slice::<bool>()[0]
}

/// Row `t` of `x` along axis 0 (a contiguous block of the buffer).
pub(crate) fn row(x: &Value, t: usize) -> Value {
    let shape = Shape::new(&x.shape[1..]);
    let n = shape.size() * x.dtype().size();
    let mut buf = Buffer::zeroed(x.dtype(), shape.size());
    buf.bytes_mut()
        .copy_from_slice(&x.buf.bytes()[t * n..(t + 1) * n]);
    Value::new(shape, buf)
}
