//! Every op's VJP rule against f64 central finite differences.
//!
//! `case` is an exhaustive match over `Op` (and `UnaryOp`, `BinaryOp`,
//! `ReduceOp`): a new variant without a case here does not compile, and
//! every case runs `grad` eagerly and under `jit` on random inputs away from
//! kinks, comparing with `(f(x + h) - f(x - h)) / 2h` of
//! `sum(op(x) * w)` for random weights `w`. Ops whose gradient is zero
//! (comparisons, rounding, integer results) must give exact zeros.

use heron as hn;
use heron::ir::{
    ArgOp, Axes, AxisSlice, BinaryOp, Body, Graph, Op, ReduceOp, ScatterMode, UnaryOp,
};
use heron::prelude::*;
use heron::random::RandomState;
use heron::sparse::Csr;
use std::sync::Arc;

type F = Arc<dyn Fn(&Array) -> Array + Send + Sync>;

/// One case: an input and a function of it.
struct Case {
    name: String,
    x: Array,
    f: F,
    /// Finite-difference step and relative tolerance.
    h: f64,
    tol: f64,
}

fn rng(seed: u64) -> RandomState {
    RandomState::new(seed)
}

/// Uniform f64 values in `[lo, hi)`.
fn input(lo: f64, hi: f64, shape: &[usize], seed: u64) -> Array {
    rng(seed).uniform_as(lo, hi, shape, DType::F64)
}

fn case(
    name: impl Into<String>,
    x: Array,
    f: impl Fn(&Array) -> Array + Send + Sync + 'static,
) -> Case {
    Case {
        name: name.into(),
        x,
        f: Arc::new(f),
        h: 1e-6,
        tol: 1e-6,
    }
}

fn ap(op: Op, xs: &[&Array]) -> Array {
    hn::apply(op, xs).unwrap_or_else(|e| panic!("{e}"))
}

fn full_slice(shape: &[usize]) -> Vec<AxisSlice> {
    shape
        .iter()
        .map(|&n| AxisSlice {
            start: 0,
            step: 1,
            len: n,
        })
        .collect()
}

fn unary_domain(u: UnaryOp) -> (f64, f64) {
    use UnaryOp::*;
    match u {
        Sqrt | Rsqrt | Log | Log2 | Log10 | Log1p | Reciprocal => (0.3, 2.0),
        Arccosh => (1.2, 3.0),
        Arcsin | Arccos | Arctanh => (-0.9, 0.9),
        Tan => (-1.2, 1.2),
        Floor | Ceil | Round | Trunc => (0.1, 0.4), // away from integers and halves
        Neg | Abs | Sign | Exp | Exp2 | Expm1 | Sin | Cos | Tanh | Sinh | Cosh | Arctan
        | Arcsinh | Erf | Sigmoid | Square | IsNan | IsInf | IsFinite | Not => (-2.0, 2.0),
    }
}

const UNARY: &[UnaryOp] = &UnaryOp::ALL;

const BINARY: &[BinaryOp] = &BinaryOp::ALL;

const REDUCE: &[ReduceOp] = &ReduceOp::ALL;

fn f64_of(a: Array) -> Array {
    a.astype(DType::F64)
}

/// The cases of one op (an exhaustive match: a new `Op` variant, or a new
/// element-wise or reduction op, must get cases here).
fn cases(op: &Op) -> Vec<Case> {
    match op {
        Op::Unary(u) => {
            let u = *u;
            let (lo, hi) = unary_domain(u);
            let x = input(lo, hi, &[3, 4], 1);
            match u {
                UnaryOp::IsNan | UnaryOp::IsInf | UnaryOp::IsFinite => {
                    vec![case(u.name(), x, move |x| f64_of(ap(Op::Unary(u), &[x])))]
                }
                UnaryOp::Not => vec![case(u.name(), x, move |x| {
                    f64_of(ap(Op::Unary(u), &[&x.gt(0.0)])) * x
                })],
                _ => vec![case(u.name(), x, move |x| ap(Op::Unary(u), &[x]))],
            }
        }
        Op::Binary(b) => {
            let b = *b;
            let x = match b {
                BinaryOp::Pow | BinaryOp::Div | BinaryOp::Rem => input(0.5, 2.0, &[2, 3, 4], 2),
                _ => input(-2.0, 2.0, &[2, 3, 4], 2),
            };
            let pair = |x: &Array| (x.slice(hn::s![0]), x.slice(hn::s![1]));
            if b.is_comparison() {
                return vec![case(b.name(), x, move |x| {
                    let (p, q) = pair(x);
                    f64_of(ap(Op::Binary(b), &[&p, &q])) * &p
                })];
            }
            if b.is_bitwise() {
                return vec![case(b.name(), x, move |x| {
                    let (p, q) = pair(x);
                    f64_of(ap(Op::Binary(b), &[&p.gt(0.0), &q.gt(0.0)])) * &q
                })];
            }
            vec![
                case(b.name(), x.clone(), move |x| {
                    let (p, q) = pair(x);
                    ap(Op::Binary(b), &[&p, &q])
                }),
                // Broadcast: [3, 4] with [1, 4] and with [] (sum over broadcast axes).
                case(format!("{} broadcast", b.name()), x.clone(), move |x| {
                    let (p, q) = pair(x);
                    let row = q.slice(hn::s![0..1]);
                    let s = q.slice(hn::s![2, 3]);
                    ap(Op::Binary(b), &[&p, &row]) + ap(Op::Binary(b), &[&s, &p])
                }),
            ]
        }
        Op::Select => vec![case("select", input(-1.0, 1.0, &[2, 3, 4], 3), |x| {
            let (p, q) = (x.slice(hn::s![0]), x.slice(hn::s![1]));
            let row = q.slice(hn::s![0..1]);
            ap(Op::Select, &[&p.gt(0.0), &(&p * 3.0), &row])
        })],
        Op::Cast(_) => vec![
            case("cast to int", input(-3.0, 3.0, &[3, 4], 4), |x| {
                f64_of(ap(Op::Cast(DType::I32), &[&(x * 2.0)])) * x
            }),
            Case {
                h: 1e-3,
                tol: 1e-3,
                ..case("cast to f32 and back", input(-3.0, 3.0, &[3, 4], 4), |x| {
                    ap(Op::Cast(DType::F64), &[&ap(Op::Cast(DType::F32), &[x])])
                })
            },
        ],
        Op::BroadcastTo(_) => vec![case("broadcast_to", input(-1.0, 1.0, &[3, 1], 5), |x| {
            ap(Op::BroadcastTo(Shape::new(&[2, 3, 4])), &[x]).sin()
        })],
        Op::Reshape(_) => vec![case("reshape", input(-1.0, 1.0, &[3, 4], 6), |x| {
            ap(Op::Reshape(Shape::new(&[2, 6])), &[x]).sin()
        })],
        Op::Permute(_) => vec![case("transpose", input(-1.0, 1.0, &[2, 3, 4], 7), |x| {
            ap(Op::Permute(Axes::from_slice(&[2, 0, 1])), &[x]).sin()
        })],
        Op::Slice(_) => vec![case("slice", input(-1.0, 1.0, &[5, 4], 8), |x| {
            let mut spec = full_slice(x.shape());
            spec[0] = AxisSlice {
                start: 4,
                step: -2,
                len: 3,
            };
            spec[1] = AxisSlice {
                start: 1,
                step: 1,
                len: 2,
            };
            ap(Op::Slice(spec.into_iter().collect()), &[x]).sin()
        })],
        Op::SetSlice(_) => vec![case("set_slice", input(-1.0, 1.0, &[5, 4], 9), |x| {
            let mut spec = full_slice(x.shape());
            spec[0] = AxisSlice {
                start: 0,
                step: 2,
                len: 3,
            };
            let v = x.slice(hn::s![1..2]).cos(); // [1, 4], broadcast over the region
            ap(Op::SetSlice(spec.into_iter().collect()), &[&x.sin(), &v])
        })],
        Op::Take { .. } => vec![case("take", input(-1.0, 1.0, &[3, 4], 10), |x| {
            let idx = hn::array(&[[1i32, -1], [0, 1]]);
            ap(Op::Take { axis: 1 }, &[&x.sin(), &idx])
        })],
        Op::TakeAlongAxis { .. } => vec![
            case("take_along_axis 1", input(-1.0, 1.0, &[3, 4], 24), |x| {
                let idx = hn::array(&[[1i32, -1, 1], [0, 0, 2], [3, 2, 1]]);
                ap(Op::TakeAlongAxis { axis: 1 }, &[&x.sin(), &idx])
            }),
            case("take_along_axis 0", input(-1.0, 1.0, &[3, 2], 25), |x| {
                let idx = hn::array(&[[2i32, 0], [2, 2], [0, 1], [1, -1]]);
                ap(Op::TakeAlongAxis { axis: 0 }, &[&x.sin(), &idx])
            }),
        ],
        Op::Scatter { .. } => [ScatterMode::Add, ScatterMode::Set]
            .into_iter()
            .map(|mode| {
                case(mode.name(), input(-1.0, 1.0, &[4, 3], 26), move |x| {
                    // Rows 1 and 3 of x are values scattered, with a duplicate.
                    let idx = hn::array(&[[0i32, 2], [0, -1]]);
                    let vals = ap(
                        Op::Take { axis: 0 },
                        &[&x.cos(), &hn::array(&[[1i32, 3], [2, 1]])],
                    );
                    ap(Op::Scatter { mode }, &[&x.sin(), &idx, &vals])
                })
            })
            .collect(),
        Op::SegmentSum { .. } => vec![case("segment_sum", input(-1.0, 1.0, &[5, 2], 27), |x| {
            let ids = hn::array(&[2i32, 0, 2, 1, 2]);
            ap(Op::SegmentSum { num_segments: 4 }, &[&x.sin(), &ids])
        })],
        Op::DynamicSlice { .. } => [(1i32, 4i32), (-1, -4)]
            .into_iter()
            .map(|(a, b)| {
                // Starts past the end clamp; negative ones count from the end.
                let name = format!("dynamic_slice at ({a}, {b})");
                case(name, input(-1.0, 1.0, &[4, 5], 28), move |x| {
                    let sizes = Shape::new(&[2, 3]);
                    let starts = (hn::scalar(a), hn::scalar(b));
                    ap(
                        Op::DynamicSlice { sizes },
                        &[&x.sin(), &starts.0, &starts.1],
                    )
                })
            })
            .collect(),
        Op::DynamicUpdateSlice => vec![case(
            "dynamic_update_slice",
            input(-1.0, 1.0, &[4, 5], 29),
            |x| {
                let u = x.slice(hn::s![0..2, 0..2]).cos();
                let (a, b) = (hn::scalar(3i32), hn::scalar(1i32)); // the first start clamps to 2
                ap(Op::DynamicUpdateSlice, &[&x.sin(), &u, &a, &b])
            },
        )],
        Op::Concat { .. } => vec![case("concatenate", input(-1.0, 1.0, &[3, 4], 11), |x| {
            let a = x.slice(hn::s![.., 0..1]);
            ap(Op::Concat { axis: 1 }, &[&x.sin(), &a, &x.cos()])
        })],
        Op::Reduce { .. } => {
            let mut out = Vec::new();
            for &r in REDUCE {
                let x = input(0.2, 1.5, &[3, 4, 2], 12);
                let red = move |x: &Array, axes: &[usize]| {
                    ap(
                        Op::Reduce {
                            op: r,
                            axes: Axes::from_slice(axes),
                        },
                        &[x],
                    )
                };
                match r {
                    ReduceOp::Any | ReduceOp::All => out.push(case(r.name(), x, move |x| {
                        f64_of(red(&x.gt(1.0), &[1])) * x.sum_axis(1)
                    })),
                    _ => {
                        out.push(case(
                            format!("{} axes (0, 2)", r.name()),
                            x.clone(),
                            move |x| red(x, &[0, 2]),
                        ));
                        out.push(case(format!("{} all", r.name()), x.clone(), move |x| {
                            red(x, &[0, 1, 2])
                        }));
                    }
                }
                if r == ReduceOp::Prod {
                    // One zero in a row, and a row with two.
                    let z =
                        Array::from_vec(vec![0.5, 0.0, 2.0, 0.0, 0.0, 3.0, 1.5, 0.7, 1.1], &[3, 3]);
                    out.push(case("reduce_prod with zeros", z, move |x| red(x, &[1])));
                }
            }
            out
        }
        Op::ArgReduce { .. } => vec![case("argmax", input(-1.0, 1.0, &[3, 4], 13), |x| {
            let i = ap(
                Op::ArgReduce {
                    op: ArgOp::ArgMax,
                    axis: 1,
                },
                &[x],
            );
            f64_of(i) * x.sum_axis(1)
        })],
        Op::Cumsum { .. } => vec![case("cumsum", input(-1.0, 1.0, &[3, 4], 14), |x| {
            ap(Op::Cumsum { axis: 1 }, &[&x.sin()])
        })],
        Op::Sort { .. } => vec![
            case("sort axis 1", input(-1.0, 1.0, &[3, 5], 15), |x| {
                ap(Op::Sort { axis: 1 }, &[x])
            }),
            case("sort axis 0", input(-1.0, 1.0, &[4, 3], 16), |x| {
                ap(Op::Sort { axis: 0 }, &[x])
            }),
        ],
        Op::Argsort { .. } => vec![case("argsort", input(-1.0, 1.0, &[3, 4], 17), |x| {
            f64_of(ap(Op::Argsort { axis: 1 }, &[x])) * x
        })],
        Op::MatMul => {
            let x = input(-1.0, 1.0, &[4, 6], 18);
            let mm = |a: &Array, b: &Array| ap(Op::MatMul, &[a, b]);
            vec![
                case("matmul 2x2", x.clone(), move |x| {
                    mm(
                        &x.slice(hn::s![0..2, 0..3]),
                        &x.slice(hn::s![.., 3..]).slice(hn::s![0..3]),
                    )
                }),
                case("matmul 1x2", x.clone(), move |x| {
                    mm(&x.slice(hn::s![0, 0..3]), &x.slice(hn::s![1..4, 3..]))
                }),
                case("matmul 2x1", x.clone(), move |x| {
                    mm(&x.slice(hn::s![1..4, 3..]), &x.slice(hn::s![0, 0..3]))
                }),
                case("matmul 1x1", x, move |x| {
                    mm(&x.slice(hn::s![0]), &x.slice(hn::s![1]))
                }),
            ]
        }
        Op::CsrMatVec(_) | Op::CsrVecMat(_) | Op::CsrEventVecMat(_) => sparse_cases(op),
        Op::RandomBits { .. } => vec![case("random draws", input(-1.0, 1.0, &[3, 4], 19), |x| {
            let r = RandomState::new(3);
            r.uniform_as(0.0, 1.0, &[3, 4], DType::F64) * x
                + r.normal_as(0.0, 1.0, &[3, 4], DType::F64)
        })],
        Op::Loop { .. } => vec![
            case("fori_loop", input(-1.0, 1.0, &[3], 20), |x| {
                let s = Variable::new(hn::zeros(&[3], DType::F64));
                s.set(x);
                let w = x.cos();
                hn::fori_loop(0, 5, |i: Array| {
                    s.set((s.value() * &w + i.astype(DType::F64) * 0.1).sin())
                });
                s.value() * x
            }),
            case("for_loop", input(-1.0, 1.0, &[4, 3], 21), |x| {
                let acc = Variable::new(hn::zeros(&[3], DType::F64));
                acc.set(x.slice(hn::s![0]));
                let ys: Array = hn::for_loop(x, |row: Array| {
                    acc.set((acc.value() * &row).tanh() + &row);
                    acc.value().exp()
                });
                ys.sum_axis(0) + acc.value()
            }),
        ],
        Op::While { .. } => Vec::new(), // an error: see `while_loop_is_an_error`
        Op::Cond { .. } => vec![
            case("cond then", input(0.2, 1.0, &[3], 22), |x| {
                let y = x.clone();
                hn::cond(x.sum().gt(0.0), || (&y * &y).sin(), || y.exp())
            }),
            case("cond else", input(-1.0, -0.2, &[3], 23), |x| {
                let y = x.clone();
                hn::cond(x.sum().gt(0.0), || (&y * &y).sin(), || y.exp())
            }),
        ],
        // Leaves, and the projection of a control node's results (covered
        // by the loop and cond cases), have no rule of their own.
        Op::Param(_) | Op::Const(_) | Op::Project(_) => Vec::new(),
    }
}

/// A 4 × 6 sparse matrix with per-entry weights and an empty row.
fn csr() -> Csr {
    let indptr = hn::array(&[0, 2, 2, 5, 7]);
    let indices = hn::array(&[1, 4, 0, 2, 5, 3, 4]);
    let weights = hn::array(&[0.5f32, -1.25, 2.0, 0.75, -0.5, 1.5, 0.25]);
    Csr::new(indptr, indices, 6).with_weights(weights)
}

/// The sparse products (f32 in, f32 out: a coarser step and tolerance).
fn sparse_cases(op: &Op) -> Vec<Case> {
    let f32_case = |name: &str, n: usize, seed, f: fn(&Csr, &Array) -> Array| Case {
        h: 1e-2,
        tol: 1e-3,
        ..case(name, input(-1.0, 1.0, &[n], seed), move |x| {
            f(&csr(), &x.astype(DType::F32)).astype(DType::F64)
        })
    };
    match op {
        Op::CsrMatVec(_) => vec![f32_case("csr matvec", 6, 24, |c, x| c.matvec(x))],
        Op::CsrVecMat(_) => vec![f32_case("csr vecmat", 4, 25, |c, x| c.vecmat(x))],
        // Spikes are bools: only the other factor's gradient flows.
        _ => vec![case("csr event_vecmat", input(0.2, 1.0, &[4], 26), |x| {
            csr().event_vecmat(&x.gt(0.6)).astype(DType::F64) * x.sum()
        })],
    }
}

/// One op of every variant (elementwise and reduction families expanded).
fn all_ops() -> Vec<Op> {
    let body = Body::new(Graph::new());
    let mut ops: Vec<Op> = UNARY.iter().map(|&u| Op::Unary(u)).collect();
    ops.extend(BINARY.iter().map(|&b| Op::Binary(b)));
    ops.extend([
        Op::Param(0),
        Op::Select,
        Op::Cast(DType::F32),
        Op::BroadcastTo(Shape::scalar()),
        Op::Reshape(Shape::scalar()),
        Op::Permute(Axes::new()),
        Op::Slice(Default::default()),
        Op::SetSlice(Default::default()),
        Op::Take { axis: 0 },
        Op::TakeAlongAxis { axis: 0 },
        Op::Scatter {
            mode: ScatterMode::Add,
        },
        Op::SegmentSum { num_segments: 0 },
        Op::DynamicSlice {
            sizes: Shape::scalar(),
        },
        Op::DynamicUpdateSlice,
        Op::Concat { axis: 0 },
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: Axes::new(),
        },
        Op::ArgReduce {
            op: ArgOp::ArgMax,
            axis: 0,
        },
        Op::Cumsum { axis: 0 },
        Op::Sort { axis: 0 },
        Op::Argsort { axis: 0 },
        Op::MatMul,
        Op::CsrMatVec(csr().matrix().clone()),
        Op::CsrVecMat(csr().matrix().clone()),
        Op::CsrEventVecMat(csr().matrix().clone()),
        Op::RandomBits {
            shape: Shape::scalar(),
            dtype: DType::U32,
            partitionable: true,
        },
        Op::Loop {
            body: body.clone(),
            start: 0,
            trip: 0,
            n_carry: 0,
            n_xs: 0,
        },
        Op::While {
            cond: body.clone(),
            body: body.clone(),
            n_carry: 0,
        },
        Op::Cond {
            then: body.clone(),
            else_: body,
        },
        Op::Project(0),
    ]);
    ops
}

fn finite_difference(f: &F, w: &Array, x: &Array, h: f64) -> Vec<f64> {
    let base = x.to_vec::<f64>();
    (0..base.len())
        .map(|i| {
            let at = |d: f64| {
                let mut p = base.clone();
                p[i] += d;
                (f(&Array::from_vec(p, x.shape())) * w).sum().item::<f64>()
            };
            (at(h) - at(-h)) / (2.0 * h)
        })
        .collect()
}

fn check(c: &Case) -> Result<(), String> {
    let out = (c.f)(&c.x);
    let w = input(0.5, 1.5, out.shape(), 99);
    let (f, w2) = (c.f.clone(), w.clone());
    let loss = move |x: Array| (f(&x) * &w2).sum();
    let g = hn::grad(loss.clone())(c.x.clone());
    let gj = hn::jit(hn::grad(loss)).call(&c.x);
    let fd = finite_difference(&c.f, &w, &c.x, c.h);
    let (g, gj) = (g.to_vec::<f64>(), gj.to_vec::<f64>());
    for (i, ((&a, &b), &want)) in g.iter().zip(&gj).zip(&fd).enumerate() {
        let scale = 1.0 + want.abs();
        if (a - want).abs() > c.tol * scale {
            return Err(format!(
                "{}: element {i}: grad {a}, finite differences {want}",
                c.name
            ));
        }
        if (a - b).abs() > 1e-12 * scale {
            return Err(format!("{}: element {i}: eager {a}, jit {b}", c.name));
        }
        if want == 0.0 && a != 0.0 {
            return Err(format!(
                "{}: element {i}: {a} where the gradient is exactly 0",
                c.name
            ));
        }
    }
    Ok(())
}

#[test]
fn every_op_matches_finite_differences() {
    let mut failures = Vec::new();
    let mut n = 0;
    for op in all_ops() {
        for c in cases(&op) {
            n += 1;
            if let Err(e) = check(&c) {
                failures.push(e);
            }
        }
    }
    assert!(n > 80, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn zero_gradient_ops_give_exact_zeros() {
    let x = input(0.1, 0.4, &[5], 30);
    for u in [
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
        UnaryOp::Trunc,
        UnaryOp::Sign,
    ] {
        let g = hn::grad(move |x: Array| ap(Op::Unary(u), &[&x]).sum())(x.clone());
        assert_eq!(g.to_vec::<f64>(), vec![0.0; 5], "{}", u.name());
    }
}

#[test]
fn while_loop_is_an_error() {
    let r = std::panic::catch_unwind(|| {
        hn::grad(|x: Array| {
            let s = Variable::new(hn::zeros(&[2], DType::F64));
            s.set(&x);
            hn::while_loop(|| s.value().sum().lt(5.0), || s.set(s.value() * 2.0));
            s.value().sum()
        })(hn::ones(&[2], DType::F64))
    });
    let e = r.expect_err("differentiating a while_loop fails");
    let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("while_loop"), "{msg}");
}
