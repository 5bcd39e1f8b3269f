//! The code of API.md, compiled and run as written: every name and signature
//! of the public contract, in the forms users write them.

use heron as hn;
use heron::prelude::*;

#[test]
fn arrays_section() {
    let a = hn::array(&[[0, 1, 2], [3, 4, 5]]);
    assert_eq!(a.dtype(), DType::I32);
    let b = hn::array(&[1.5f32, 2.5]);
    assert_eq!(b.dtype(), DType::F32);
    let c = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2]);
    assert_eq!(c.dtype(), DType::F64);
    let s = hn::scalar(3.0f32);
    assert_eq!(s.ndim(), 0);
    hn::zeros(&[3, 4], DType::F32);
    hn::ones(&[3], DType::F32);
    hn::full(&[2, 2], 7.0, DType::F64);
    assert_eq!(hn::arange(0.0, 10.0, 1.0).dtype(), DType::F32);
    assert_eq!(hn::arange_i(0, 10, 1).dtype(), DType::I32);
    assert_eq!(hn::linspace(0.0, 1.0, 5).size(), 5);
    assert_eq!(hn::eye(3, DType::F32).shape(), &[3, 3]);
    hn::zeros_like(&a);
    hn::ones_like(&a);

    let shape: &[usize] = a.shape();
    assert_eq!(shape, &[2, 3]);
    assert_eq!((a.ndim(), a.size()), (2, 6));
    assert_eq!(a.to_vec::<i32>(), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(s.item::<f32>(), 3.0);
    assert_eq!(a.astype(DType::F64).dtype(), DType::F64);

    // Promotion with weak Rust scalars.
    let f = hn::ones(&[2], DType::F32);
    let i = hn::ones(&[2], DType::I32);
    assert_eq!((&f * 2.0).dtype(), DType::F32);
    assert_eq!((&i + 1).dtype(), DType::I32);
    assert_eq!((&i * 0.5).dtype(), DType::F32);
    assert_eq!((&i + &f).dtype(), DType::F32);
    let u = hn::ones(&[2], DType::U32);
    assert_eq!((&u + &i).dtype(), DType::I64);
    let t = hn::ones(&[2], DType::Bool);
    assert_eq!((&t + &i).dtype(), DType::I32);

    // Operations.
    let x = hn::linspace(-1.0, 1.0, 6).reshape(&[2, 3]);
    let y: Array = 2.0 * &x;
    let _ = (&x + &y, &x - &y, &x * &y, &x / &y, &x % 0.3, -&x);
    let mut z = x.clone();
    z += &y;
    z -= 1.0;
    z *= &y;
    z /= 2.0;
    let m = x.gt(0.0);
    let _ = (&m & &x.lt(0.5), &m | &m, &m ^ &m, !&m);
    let _ = (x.ge(&y), x.le(0.0), x.eq(&y), x.ne(0.0));
    let _ = (
        x.abs(),
        x.neg(),
        x.sign(),
        x.abs().sqrt(),
        (x.abs() + 1.0).rsqrt(),
    );
    let _ = (
        x.exp(),
        x.exp2(),
        x.expm1(),
        (x.abs() + 1.0).log(),
        (x.abs() + 1.0).log2(),
    );
    let _ = (
        x.log1p(),
        x.sin(),
        x.cos(),
        x.tan(),
        x.tanh(),
        x.sinh(),
        x.cosh(),
    );
    let _ = (
        x.arcsin(),
        x.arccos(),
        x.arctan(),
        x.sigmoid(),
        x.floor(),
        x.ceil(),
    );
    let _ = (
        x.round(),
        x.trunc(),
        x.square(),
        x.reciprocal(),
        x.isnan(),
        x.isinf(),
    );
    let _ = (x.isfinite(), m.logical_not(), hn::exp(&x), hn::sin(&x));
    let _ = (
        x.pow(&y),
        hn::maximum(&x, &y),
        hn::minimum(&x, &y),
        hn::arctan2(&x, &y),
    );
    let _ = x.clip(-0.5, 0.5);
    let _ = hn::where_(&m, &x, &y);
    let _ = hn::where_(&m, 1.0, 0.0);
    let _ = (
        x.sum(),
        x.mean(),
        x.max(),
        x.min(),
        x.prod(),
        m.any(),
        m.all(),
    );
    assert_eq!(x.argmax().dtype(), DType::I32);
    let _ = (
        x.argmin(),
        x.sum_axis(0),
        x.mean_axis(-1),
        x.max_axis(1),
        x.min_axis(0),
    );
    let _ = (
        x.prod_axis(1),
        x.argmax_axis(0),
        x.argmin_axis(-1),
        x.var(),
        x.std(),
    );
    let _ = x.cumsum(1);
    assert_eq!(x.reshape(&[3, -1]).shape(), &[3, 2]);
    assert_eq!(x.transpose().shape(), &[3, 2]);
    assert_eq!(x.permute(&[1, 0]).shape(), &[3, 2]);
    assert_eq!(x.expand_dims(0).shape(), &[1, 2, 3]);
    assert_eq!(x.expand_dims(0).squeeze().shape(), &[2, 3]);
    assert_eq!(x.broadcast_to(&[4, 2, 3]).shape(), &[4, 2, 3]);
    assert_eq!(x.flatten().shape(), &[6]);
    assert_eq!(hn::concatenate(&[&x, &y], 0).shape(), &[4, 3]);
    assert_eq!(hn::stack(&[&x, &y], 0).shape(), &[2, 2, 3]);
    assert_eq!(
        (&hn::ones(&[2, 3], DType::F32) + &hn::ones(&[3], DType::F32)).shape(),
        &[2, 3]
    );
    assert_eq!(
        (&hn::ones(&[4, 1], DType::F32) * &hn::ones(&[1, 5], DType::F32)).shape(),
        &[4, 5]
    );

    // Indexing.
    assert_eq!(a.slice(s![0..2, 1]).to_vec::<i32>(), vec![1, 4]);
    assert_eq!(a.slice(s![.., -1]).to_vec::<i32>(), vec![2, 5]);
    assert_eq!(
        hn::arange_i(0, 6, 1).slice(s![..;2]).to_vec::<i32>(),
        vec![0, 2, 4]
    );
    let mut g = hn::zeros(&[3, 2], DType::F32);
    g.set(s![0..2], 10.0);
    let row = hn::array(&[1.0f32, 2.0]);
    g.set(s![2, ..], &row);
    assert_eq!(g.to_vec::<f32>(), vec![10.0, 10.0, 10.0, 10.0, 1.0, 2.0]);
    let idx = hn::array(&[2, 0]);
    assert_eq!(a.take(&idx, 1).to_vec::<i32>(), vec![2, 0, 5, 3]);
    let rows: Vec<Array> = a.iter().collect();
    assert_eq!(rows.len(), 2);
    for row in a.iter() {
        assert_eq!(row.shape(), &[3]);
    }
    let _ = (hn::sort(&x, 1), hn::argsort(&x, 0), x.matmul(y.transpose()));
    let _ = (hn::dot(&row, &row), hn::outer(&row, &row));
    assert_eq!(format!("{a}"), "Array([[0, 1, 2], [3, 4, 5]], dtype=i32)");
    let _ = format!("{a:?}");

    // Errors: panics name the op and shapes; try_ twins return heron::Error.
    let err: heron::Error = hn::ones(&[2, 3], DType::F32).try_reshape(&[4]).unwrap_err();
    assert!(err.to_string().contains("reshape"), "{err}");
    assert_eq!(a.slice(s![5..6]).shape(), &[0, 3]); // NumPy: an empty slice
    assert!(a.try_slice(s![5]).is_err()); // NumPy: IndexError
    assert!(g.try_set(s![0..2], hn::ones(&[3], DType::F32)).is_err());
    let p =
        std::panic::catch_unwind(|| &hn::ones(&[2, 3], DType::F32) + &hn::ones(&[4], DType::F32));
    let msg = p
        .unwrap_err()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert_eq!(msg, "add: cannot broadcast [2, 3] with [4]");
}

struct Lif {
    v: Variable,
    spike: Variable,
}

impl Module for Lif {
    fn vars(&self) -> Collector {
        let mut c = Collector::new();
        c.insert("lif.V", &self.v);
        c.insert("lif.spike", &self.spike);
        c
    }
}

#[test]
fn variables_section() {
    let v = Variable::new(hn::zeros(&[5], DType::F32));
    assert_eq!(v.kind(), VarKind::Variable);
    let w = TrainVar::new(hn::random::rand(&[4]));
    assert_eq!(w.kind(), VarKind::TrainVar);
    let p = Parameter::new(hn::ones(&[1], DType::F32));
    assert_eq!(p.kind(), VarKind::Parameter);
    let m = Variable::with_kind(hn::zeros(&[3], DType::F32), VarKind::custom("Momentum"));
    assert_eq!(m.kind(), VarKind::Custom("Momentum"));
    let value: Array = v.value();
    assert_eq!(value.shape(), &[5]);
    v.set(hn::ones(&[5], DType::F32));
    let id: heron::VarId = v.id();
    assert_eq!(v.clone().id(), id);
    let r: Array = &v + 1.0;
    assert_eq!(r.to_vec::<f32>(), vec![2.0; 5]);
    let mut v2 = v.clone();
    let x = hn::ones(&[5], DType::F32);
    v2 += &x;
    assert_eq!(v.value().to_vec::<f32>(), vec![2.0; 5]);
    assert!(v.try_set(hn::ones(&[4], DType::F32)).is_err());

    let net = Lif {
        v: v.clone(),
        spike: Variable::new(hn::zeros(&[5], DType::Bool)),
    };
    let all: Collector = net.vars();
    assert_eq!(all.len(), 2);
    assert_eq!(all.subset(VarKind::TrainVar).len(), 0);
    assert_eq!(all.unique().len(), 2);
    assert_eq!(all.get("lif.V").unwrap().id(), v.id());
    let names: Vec<&str> = all.iter().map(|(name, _var)| name).collect();
    assert_eq!(names, ["lif.V", "lif.spike"]);
}

#[test]
fn randomness_section() {
    let rng = hn::random::RandomState::new(1234);
    assert_eq!(rng.key(), [0, 1234]);
    let _ = (
        rng.random(&[5]),
        rng.rand(&[4]),
        rng.uniform(0.0, 2.0, &[3]),
        rng.normal(0.0, 1.0, &[3]),
    );
    let _ = (
        rng.randint(0, 10, &[3]),
        rng.bernoulli(0.5, &[3]),
        rng.permutation(5),
    );
    let _ = rng.shuffle(&hn::arange(0.0, 5.0, 1.0));
    let k: [u32; 2] = rng.split_key();
    assert_ne!(k, rng.key());
    assert_eq!(rng.split_keys(3).shape(), &[3, 2]);
    hn::random::seed(654321);
    assert_eq!(hn::random::DEFAULT.key(), [0, 654321]);
    let _ = hn::random::uniform(0.0, 1.0, &[3]);
    let a = hn::random::Key::new(1).uniform(0.0, 1.0, &[5]);
    let b = hn::random::Key::new(1).uniform(0.0, 1.0, &[5]);
    assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
}

#[test]
fn jit_section() {
    let f = hn::jit(|(x, y): (Array, Array)| (&x * 2.0 + &y) * (&x - 0.5) / (&y + 1.0));
    let (x, y) = (hn::ones(&[4], DType::F32), hn::ones(&[4], DType::F32));
    let z: Array = f.call((&x, &y));
    assert_eq!(z.size(), 4);
    let n = 4;
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    let step = hn::jit({
        let v = v.clone();
        move |i: Array| {
            v.set(&v.value() * 0.9 + &i);
            v.value().ge(1.0)
        }
    });
    let input = hn::ones(&[n], DType::F32);
    let spikes = step.call(&input);
    assert_eq!(spikes.dtype(), DType::Bool);
    let stored: hn::Jit<Array, Array> = step;
    let _: Result<Array, heron::Error> = stored.try_call(&input);
    let _: usize = stored.cache_len();
    let stats: hn::CacheStats = stored.cache_stats();
    let _ = (stats.hits, stats.misses, stats.compile_time);
    let lowered = stored.lower(&input);
    let _ = (lowered.ir_text(), lowered.optimized_text());
    let compiled = stored.compile(&input);
    let _ = (
        compiled.clif_text(),
        compiled.kernels(),
        compiled.code_size(),
    );
    hn::use_backend(hn::Backend::Cranelift);
}

#[test]
fn control_flow_section() {
    let xs = hn::ones(&[3, 2], DType::F32);
    let ys = hn::for_loop(&xs, |x_t: Array| -> Array { &x_t * 2.0 });
    assert_eq!(ys.shape(), &[3, 2]);
    let v = Variable::new(hn::zeros(&[1], DType::F32));
    hn::fori_loop(0, 4, {
        let v = v.clone();
        move |i: Array| v.set(&v.value() + &i.astype(DType::F32))
    });
    assert_eq!(v.value().to_vec::<f32>(), vec![6.0]);
    hn::while_loop(|| v.value().lt(10.0).any(), || v.set(&v.value() + 1.0));
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0]);
    let a = hn::ones(&[2], DType::F32);
    let pred = hn::scalar(true);
    let r = hn::cond(&pred, || a.exp(), || a.log());
    assert_eq!(r.to_vec::<f32>(), a.exp().to_vec::<f32>());
}
