//! The key of a cache entry: a BLAKE3 hash of everything the machine code
//! depends on — the optimised graph's text, the contents of its constants
//! (sub-graphs included, and the sparse matrices sparse ops hold), the
//! argument signature, the compile options that change code
//! (`CompileOptions`, all of them), the heron build fingerprint, version and
//! file format, and the target Cranelift compiled for (triple, flags, CPU
//! features). Two processes of one heron build that trace the same function
//! with the same options on the same machine compute the same key; any
//! difference gives another key.

use super::format::{BUILD, FORMAT, HERON_VERSION};
use heron_ir::{Graph, Op};

/// The compile settings of an entry: `heron_ir::CompileOptions`, every
/// field of which is part of the key (`CompileOptions::to_text`).
pub type CodeOptions = heron_ir::CompileOptions;

/// The key of `optimized` called with argument types `signature` and
/// compiled with `options` by this heron build, as 64 hex digits.
pub fn key_for(signature: &[String], optimized: &Graph, options: &CodeOptions) -> String {
    key_of_build(BUILD, signature, optimized, options)
}

/// `key_for` as the heron build with fingerprint `build` computes it.
fn key_of_build(
    build: &str,
    signature: &[String],
    optimized: &Graph,
    options: &CodeOptions,
) -> String {
    let mut h = blake3::Hasher::new();
    field(&mut h, b"heron-cache-key");
    field(&mut h, build.as_bytes());
    field(&mut h, HERON_VERSION.as_bytes());
    field(&mut h, &FORMAT.to_le_bytes());
    field(&mut h, heron_codegen::target_description().as_bytes());
    field(&mut h, options.to_text().as_bytes());
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
            // A sparse matrix is constant data held by its op: the whole
            // content is keyed, not only the fingerprint the text shows.
            Op::CsrMatVec(m) | Op::CsrVecMat(m) | Op::CsrEventVecMat(m) => {
                m.content_bytes(&mut |bytes| field(h, bytes))
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

    const DEFAULT: CodeOptions = CodeOptions {
        fast_math: false,
        temporal_fusion: true,
        native_drivers: true,
    };

    #[test]
    fn keys_follow_constants_and_signatures() {
        let sig = vec!["f32[8]".to_string()];
        let k = key_for(&sig, &graph(1.0), &DEFAULT);
        assert_eq!(k.len(), 64);
        assert_eq!(k, key_for(&sig, &graph(1.0), &DEFAULT), "deterministic");
        assert_ne!(k, key_for(&sig, &graph(2.0), &DEFAULT), "constant contents");
        assert_ne!(
            k,
            key_for(&["f32[9]".to_string()], &graph(1.0), &DEFAULT),
            "signature"
        );
    }

    #[test]
    fn keys_follow_the_content_of_sparse_matrices() {
        use heron_ir::sparse::{CsrMatrix, Weights};
        let csr = |idx: [i32; 2], w: f32| {
            let v = |x: &[i32]| Value::from_slice(Shape::new(&[x.len()]), x);
            CsrMatrix::new(v(&[0, 1, 2]), v(&idx), 4, Weights::Uniform(w)).unwrap()
        };
        let graph = |m: CsrMatrix| {
            let mut g = Graph::new();
            let s = g.param(Shape::new(&[2]), DType::Bool, ParamRole::Arg(0));
            let y = g.add(Op::CsrEventVecMat(m), &[s]).unwrap();
            g.output(y, OutputRole::Result(0));
            g
        };
        let sig = vec!["bool[2]".to_string()];
        let k = key_for(&sig, &graph(csr([1, 3], 0.5)), &DEFAULT);
        assert_eq!(k, key_for(&sig, &graph(csr([1, 3], 0.5)), &DEFAULT));
        assert_ne!(k, key_for(&sig, &graph(csr([1, 2], 0.5)), &DEFAULT));
        assert_ne!(k, key_for(&sig, &graph(csr([1, 3], 0.25)), &DEFAULT));
    }

    #[test]
    fn stale_entry_from_another_build_has_another_key() {
        let sig = vec!["f32[8]".to_string()];
        let g = graph(1.0);
        assert_eq!(
            key_for(&sig, &g, &DEFAULT),
            key_of_build(BUILD, &sig, &g, &DEFAULT)
        );
        assert_ne!(
            key_for(&sig, &g, &DEFAULT),
            key_of_build(&"0".repeat(64), &sig, &g, &DEFAULT)
        );
    }

    #[test]
    fn every_code_option_is_part_of_the_key() {
        let sig = vec!["f32[8]".to_string()];
        let g = graph(1.0);
        let k = key_for(&sig, &g, &DEFAULT);
        for other in [
            CodeOptions {
                fast_math: true,
                ..DEFAULT
            },
            CodeOptions {
                temporal_fusion: false,
                ..DEFAULT
            },
            CodeOptions {
                native_drivers: false,
                ..DEFAULT
            },
        ] {
            assert_ne!(k, key_for(&sig, &g, &other), "{}", other.to_text());
        }
        assert_eq!(
            DEFAULT.to_text(),
            "fast_math=off temporal_fusion=on native_drivers=on"
        );
    }
}
