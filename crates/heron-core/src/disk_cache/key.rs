//! The key of a cache entry: a BLAKE3 hash of everything the machine code
//! depends on — the optimised graph's text, the contents of its constants
//! (sub-graphs included), the argument signature, the heron version and file
//! format, and the target Cranelift compiled for (triple, flags, CPU
//! features). Two processes that trace the same function on the same
//! machine compute the same key; any difference gives another key.

use super::format::{FORMAT, HERON_VERSION};
use heron_ir::{Graph, Op};

/// The key of `optimized` called with argument types `signature`, as 64 hex digits.
pub fn key_for(signature: &[String], optimized: &Graph) -> String {
    let mut h = blake3::Hasher::new();
    field(&mut h, b"heron-cache-key");
    field(&mut h, HERON_VERSION.as_bytes());
    field(&mut h, &FORMAT.to_le_bytes());
    field(&mut h, heron_codegen::target_description().as_bytes());
    field(&mut h, &(signature.len() as u64).to_le_bytes());
    for s in signature {
        field(&mut h, s.as_bytes());
    }
    field(&mut h, optimized.to_text().as_bytes());
    hash_consts(&mut h, optimized);
    h.finalize().to_hex().to_string()
}

/// Feeds one length-prefixed field, so field boundaries cannot be confused.
fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Feeds the contents of every constant of `g` and of its sub-graphs.
fn hash_consts(h: &mut blake3::Hasher, g: &Graph) {
    for value in g.consts.values() {
        field(
            h,
            heron_ir::type_text(value.shape(), value.dtype()).as_bytes(),
        );
        field(h, value.buf().bytes());
    }
    for node in g.nodes.values() {
        match &node.op {
            Op::Loop { body, .. } => hash_consts(h, body),
            Op::While { cond, body, .. } => {
                hash_consts(h, cond);
                hash_consts(h, body);
            }
            Op::Cond { then, else_ } => {
                hash_consts(h, then);
                hash_consts(h, else_);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_ir::{DType, OutputRole, ParamRole, Scalar, Shape, Value};

    fn graph(c: f32) -> Graph {
        let mut g = Graph::new();
        let a = g.param(Shape::new(&[8]), DType::F32, ParamRole::Arg(0));
        let k = g.constant(Value::full(Shape::new(&[8]), DType::F32, Scalar::F32(c)));
        let s = g.add(Op::Binary(heron_ir::BinaryOp::Add), &[a, k]).unwrap();
        g.output(s, OutputRole::Result(0));
        g
    }

    #[test]
    fn keys_follow_constants_and_signatures() {
        let sig = vec!["f32[8]".to_string()];
        let k = key_for(&sig, &graph(1.0));
        assert_eq!(k.len(), 64);
        assert_eq!(k, key_for(&sig, &graph(1.0)), "deterministic");
        assert_ne!(k, key_for(&sig, &graph(2.0)), "constant contents");
        assert_ne!(
            k,
            key_for(&["f32[9]".to_string()], &graph(1.0)),
            "signature"
        );
    }
}
