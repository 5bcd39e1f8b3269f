//! Regression tests: `compile` is safe, so a hand-built graph whose fields
//! lie about its shapes must be rejected before any code is generated.

use heron_codegen::compile;
use heron_ir::{BinaryOp, DType, Graph, Op, OutputRole, ParamRole, Shape};

fn add_graph() -> (Graph, heron_ir::NodeId) {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[8]), DType::F32, ParamRole::Arg(0));
    let y = g.add(Op::Binary(BinaryOp::Add), &[x, x]).unwrap();
    g.output(y, OutputRole::Result(0));
    (g, y)
}

#[test]
fn compile_rejects_a_graph_whose_recorded_shape_is_larger_than_its_inputs() {
    let (mut g, y) = add_graph();
    assert!(compile(&g).is_ok());
    // The public field says the sum has 1024 elements; its operands have 8.
    g.nodes[y].shape = Shape::new(&[1024]);
    let e = compile(&g).err().expect("a lying graph must not compile");
    assert!(e.to_string().starts_with("compile:"), "{e}");
}

#[test]
fn compile_rejects_a_graph_whose_recorded_dtype_is_wider_than_its_inputs() {
    let (mut g, y) = add_graph();
    g.nodes[y].dtype = DType::F64;
    assert!(compile(&g).is_err());
}
