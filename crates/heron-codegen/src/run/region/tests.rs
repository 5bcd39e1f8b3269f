//! Which steps `find` puts in a region: a product and the element-wise
//! kernels after it, a slice kernel moved before the fork, a block
//! reduction, and a kernel that reads a product's result at another element
//! (which ends the region).

use super::{Part, Region};
use heron_ir::sparse::{CsrMatrix, Weights};
use heron_ir::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, Scalar, Shape, Value};

const N: usize = 256;

/// A sorted `rows × N` matrix: row `r` holds columns `r, r+7, r+14, …`.
fn matrix(rows: usize) -> CsrMatrix {
    let mut indptr = vec![0i32];
    let mut indices = Vec::new();
    for r in 0..rows {
        indices.extend((r..N).step_by(7).map(|c| c as i32));
        indptr.push(indices.len() as i32);
    }
    let v = |x: Vec<i32>| Value::from_slice(Shape::new(&[x.len()]), &x);
    CsrMatrix::new(v(indptr), v(indices), N, Weights::Uniform(0.5)).unwrap()
}

fn spec(start: usize, len: usize) -> heron_ir::SliceSpec {
    [heron_ir::AxisSlice {
        start,
        step: 1,
        len,
    }]
    .into_iter()
    .collect()
}

fn bin(g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
    g.add(Op::Binary(op), &[a, b]).unwrap()
}

/// The regions of `g`'s compiled plan, with the plan's text.
fn regions(g: &Graph) -> (Vec<Region>, String) {
    let exe = crate::compile(g).unwrap();
    let text = exe.plan_text();
    (exe.regions.iter().flatten().cloned().collect(), text)
}

/// `y = g·0.9 + event(s[..64]) + event(s[64..])`, then `y·y + g` and the
/// sum of `y` over blocks of 32; `shift` reads the first product one
/// element over.
fn network(shift: bool) -> Graph {
    let mut g = Graph::new();
    let s = g.param(Shape::new(&[N]), DType::Bool, ParamRole::Arg(0));
    let v = g.param(Shape::new(&[N]), DType::F32, ParamRole::Arg(1));
    let slice =
        |g: &mut Graph, start: usize, len: usize| g.add(Op::Slice(spec(start, len)), &[s]).unwrap();
    let s0 = slice(&mut g, 0, 64);
    let e0 = g.add(Op::CsrEventVecMat(matrix(64)), &[s0]).unwrap();
    let decay = g.constant(Value::scalar(Scalar::F32(0.9)));
    let d = bin(&mut g, BinaryOp::Mul, v, decay);
    let a = bin(&mut g, BinaryOp::Add, d, e0);
    g.output(a, OutputRole::Result(0));
    let s1 = slice(&mut g, 64, N - 64);
    let e1 = g.add(Op::CsrEventVecMat(matrix(N - 64)), &[s1]).unwrap();
    let e0 = if shift {
        let head = g.add(Op::Slice(spec(1, N - 1)), &[e0]).unwrap();
        let zero = g.constant(Value::from_slice(Shape::new(&[1]), &[0.0f32]));
        g.add(Op::Concat { axis: 0 }, &[head, zero]).unwrap()
    } else {
        e0
    };
    let y = bin(&mut g, BinaryOp::Add, e0, e1);
    let y = bin(&mut g, BinaryOp::Add, y, a);
    let sq = bin(&mut g, BinaryOp::Mul, y, y);
    let out = bin(&mut g, BinaryOp::Add, sq, v);
    g.output(out, OutputRole::Result(1));
    let blocks = g.add(Op::Reshape(Shape::new(&[N / 32, 32])), &[y]).unwrap();
    let sums = g
        .add(
            Op::Reduce {
                op: heron_ir::ReduceOp::Sum,
                axes: [1].into_iter().collect(),
            },
            &[blocks],
        )
        .unwrap();
    g.output(sums, OutputRole::Result(2));
    g
}

#[test]
fn a_product_and_the_aligned_kernels_after_it_form_one_region() {
    let (rs, text) = regions(&network(false));
    assert_eq!(rs.len(), 1, "{text}");
    let r = &rs[0];
    assert_eq!(r.n, N);
    let sparse = r
        .parts
        .iter()
        .filter(|p| matches!(p, Part::Sparse(_)))
        .count();
    let blocks: Vec<usize> = r
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Kernel { block, .. } => Some(*block),
            _ => None,
        })
        .collect();
    assert_eq!(sparse, 2, "both products in the region:\n{text}\n{r:?}");
    assert!(
        blocks.contains(&32),
        "the block sums in the region:\n{text}\n{r:?}"
    );
    assert_eq!(
        r.before.len(),
        1,
        "the second slice before the fork:\n{text}\n{r:?}"
    );
    assert_eq!(r.align % 32, 0);
}

#[test]
fn a_kernel_reading_another_element_of_a_product_ends_the_region() {
    let (rs, text) = regions(&network(true));
    for r in &rs {
        let Some(Part::Sparse(first)) = r.parts.first() else {
            panic!("a region starts at a product: {r:?}");
        };
        // The first product's result is read one element over by a later
        // kernel: that kernel, and the block sums after it, are not in the
        // first product's region.
        if *first == r.steps.start
            && r.parts
                .iter()
                .any(|p| matches!(p, Part::Kernel { block: 32, .. }))
        {
            let sparse = r
                .parts
                .iter()
                .filter(|p| matches!(p, Part::Sparse(_)))
                .count();
            assert!(
                sparse < 2,
                "the shifted read shares a region with both products:\n{text}\n{r:?}"
            );
        }
    }
}
