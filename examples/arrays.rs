//! A short tour of heron's arrays: creation, promotion, broadcasting, math,
//! reductions, slicing and assignment, sorting, linear algebra, Variables.
//!
//! Run with `cargo run --release --example arrays`.

use heron as hn;
use heron::prelude::*;

fn main() {
    // Creation: the dtype comes from the data; f32 and i32 are the defaults.
    let a = hn::array(&[[0, 1, 2], [3, 4, 5]]);
    let x = hn::linspace(0.0, 1.0, 5);
    println!("a = {a}");
    println!("x = {x}");
    println!("eye = {}", hn::eye(3, DType::F32));

    // Promotion (JAX rules): scalars are weakly typed.
    println!("a + 1   -> {}", &a + 1);
    println!("a * 0.5 -> {}", &a * 0.5);
    println!("a / 2   -> {} (true division)", &a / 2);
    println!("a % 4   -> {}", &a % 4);

    // Broadcasting and element-wise math.
    let col = hn::array(&[[1.0f32], [2.0]]);
    println!("col * x = {:#}", &col * &x);
    println!("exp(x) = {}", hn::exp(&x));
    println!("sigmoid(x - 0.5) = {}", (&x - 0.5).sigmoid());
    println!("clip(x, 0.2, 0.8) = {}", x.clip(0.2, 0.8));
    println!("where(x > 0.5, x, 0) = {}", hn::where_(x.gt(0.5), &x, 0.0));

    // Reductions.
    println!("sum = {}, mean = {}, std = {}", a.sum(), a.mean(), a.std());
    println!("sum over axis 0 = {}", a.sum_axis(0));
    println!("argmax over axis -1 = {}", a.argmax_axis(-1));
    println!("cumsum over axis 1 = {}", a.cumsum(1));

    // Shapes.
    let r = hn::arange(0.0, 12.0, 1.0).reshape(&[3, -1]);
    println!("r = {:#}", r);
    println!("r.T shape = {:?}", r.transpose().shape());
    println!("stack = {:#}", hn::stack(&[&x, &x], 0));

    // Slicing with NumPy's meaning, and assignment into slices.
    println!("r[0:2, 1] = {}", r.slice(s![0..2, 1]));
    println!("r[:, -1] = {}", r.slice(s![.., -1]));
    println!("r[::-1, ::2] = {}", r.slice(s![..;-1, ..;2]));
    let mut m = hn::zeros(&[3, 4], DType::F32);
    m.set(s![0..2], 10.0);
    m.set(s![2, ..], hn::array(&[1.0f32, 2.0, 3.0, 4.0]));
    println!("m = {:#}", m);
    for (i, row) in m.iter().enumerate() {
        println!("row {i}: sum = {}", row.sum());
    }
    println!("take rows [2, 0] = {:#}", m.take(&hn::array(&[2, 0]), 0));

    // Sorting and linear algebra.
    let v = hn::array(&[3.0f32, 1.0, 2.0]);
    println!(
        "sort = {}, argsort = {}",
        hn::sort(&v, 0),
        hn::argsort(&v, 0)
    );
    println!("a @ a.T = {}", a.matmul(a.transpose()));
    println!("outer = {}", hn::outer(&v, &v));

    // Large arrays are summarised.
    println!("{}", hn::arange_i(0, 10_000, 1));

    // Variables: shared mutable state; every array op accepts &Variable.
    let mut state = Variable::new(hn::zeros(&[3], DType::F32));
    for _ in 0..3 {
        state += &v;
    }
    println!("state = {:?}", state.value());
    println!("state * 2 = {}", &state * 2.0);
}
