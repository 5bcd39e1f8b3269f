//! Saving and loading machine code: an executable rebuilt from its
//! `CodeImage` (after a round trip through JSON) computes the same bits as
//! the one compiled, without compiling; an image that does not belong to the
//! graph or the target is refused.

mod common;

use common::{Rng, Tol, assert_close, run_executable};
use heron_codegen::{CodeImage, compile, load};
use heron_ir::{
    BinaryOp, DType, Error, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp, Value, eval,
};

/// `sum(exp(a) * c + b, axis 1)` and `a * 2`: a helper-free vector loop with
/// a transcendental, a large constant through the argument table, and a
/// reduction (two kernels).
fn sample_graph() -> Graph {
    let mut g = Graph::new();
    let a = g.param(Shape::new(&[6, 37]), DType::F32, ParamRole::Arg(0));
    let b = g.param(Shape::new(&[37]), DType::F32, ParamRole::Arg(1));
    let c = g.constant(Rng(7).value(&[6, 37], DType::F32, false));
    let e = g.add(Op::Unary(UnaryOp::Exp), &[a]).unwrap();
    let m = g.add(Op::Binary(BinaryOp::Mul), &[e, c]).unwrap();
    let s = g.add(Op::Binary(BinaryOp::Add), &[m, b]).unwrap();
    let r = g
        .add(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes: vec![1].into(),
            },
            &[s],
        )
        .unwrap();
    let two = g.constant(Value::scalar(heron_ir::Scalar::F32(2.0)));
    let d = g.add(Op::Binary(BinaryOp::Mul), &[a, two]).unwrap();
    g.output(r, OutputRole::Result(0));
    g.output(d, OutputRole::Result(1));
    g
}

fn params() -> Vec<Value> {
    let mut r = Rng(3);
    vec![
        r.value(&[6, 37], DType::F32, false),
        r.value(&[37], DType::F32, false),
    ]
}

fn image_of(graph: &Graph) -> CodeImage {
    let exe = compile(graph).expect("compiles");
    let image = exe.code_image().expect("kernels are position independent");
    let text = serde_json::to_string(&image).expect("serialises");
    serde_json::from_str(&text).expect("deserialises")
}

#[test]
fn loaded_code_computes_the_same_bits() {
    let g = sample_graph();
    let compiled = compile(&g).unwrap();
    assert!(!compiled.is_loaded());
    let image = image_of(&g);
    assert_eq!(image.functions.len(), 2, "{}", image.plan_text);
    assert_eq!(image.kernel_count(), 2);
    assert_eq!(image.code_size(), compiled.code_size());
    let loaded = load(&g, &image).expect("loads");
    assert!(loaded.is_loaded());
    assert_eq!(loaded.plan_text(), compiled.plan_text());
    assert_eq!(loaded.clif_text(), compiled.clif_text());
    assert_eq!(loaded.code_size(), compiled.code_size());
    assert_eq!(loaded.kernels(), compiled.kernels());
    let p = params();
    let want = eval(&g, &p).unwrap();
    for (j, (got, exp)) in run_executable(&loaded, &p)
        .iter()
        .zip(run_executable(&compiled, &p))
        .enumerate()
    {
        assert_close(&format!("output {j}"), got, &exp, Tol::Exact, &[]);
        assert_close(
            &format!("output {j} vs eval"),
            got,
            &want[j],
            Tol::Rel(1e-5),
            &[],
        );
    }
    // A loaded executable can be saved again, unchanged.
    assert_eq!(loaded.code_image().as_ref(), Some(&image));
}

#[test]
fn an_image_of_another_graph_is_refused() {
    let image = image_of(&sample_graph());
    let mut other = Graph::new();
    let a = other.param(Shape::new(&[6, 37]), DType::F32, ParamRole::Arg(0));
    let n = other.add(Op::Unary(UnaryOp::Neg), &[a]).unwrap();
    other.output(n, OutputRole::Result(0));
    let err = load(&other, &image).err().expect("refused");
    assert!(
        matches!(&err, Error::Cache(m) if m.contains("plan differs")),
        "{err}"
    );
}

#[test]
fn an_image_for_another_target_is_refused() {
    let g = sample_graph();
    let mut image = image_of(&g);
    image.target = image.target.replace("has_avx", "has_avx_not");
    image.target.push_str("\nother cpu");
    let err = load(&g, &image).err().expect("refused");
    assert!(
        matches!(&err, Error::Cache(m) if m.contains("another CPU")),
        "{err}"
    );
}

#[test]
fn an_image_with_other_kernels_is_refused() {
    let g = sample_graph();
    let mut image = image_of(&g);
    image.functions.pop();
    let err = load(&g, &image).err().expect("refused");
    assert!(
        matches!(&err, Error::Cache(m) if m.contains("kernels [k0, k1]")),
        "{err}"
    );
}

#[test]
fn the_target_names_the_cpu_features() {
    let t = heron_codegen::target_description();
    assert!(t.contains("opt_level"), "{t}");
    assert!(t.lines().count() > 3, "{t}");
}
