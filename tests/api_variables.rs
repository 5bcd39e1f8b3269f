//! The Variable API as API.md writes it: kinds, identity, values, `set`
//! with its shape/dtype check, Variables as operands, compound assignment,
//! and collecting variables from nested modules.

use heron as hn;
use heron::prelude::*;

#[test]
fn kinds_identity_and_values() {
    let v = Variable::new(hn::zeros(&[5], DType::F32));
    let w = TrainVar::new(hn::ones(&[4], DType::F32));
    let p = Parameter::new(hn::ones(&[1], DType::F32));
    let m = Variable::with_kind(hn::zeros(&[3], DType::F32), VarKind::custom("Momentum"));
    assert_eq!(v.kind(), VarKind::Variable);
    assert_eq!(w.kind(), VarKind::TrainVar);
    assert_eq!(p.kind(), VarKind::Parameter);
    assert_eq!(m.kind(), VarKind::Custom("Momentum"));
    assert_eq!(m.kind().to_string(), "Momentum");
    let same = v.clone();
    assert_eq!(same.id(), v.id());
    assert_ne!(v.id(), w.id());
    same.set(hn::full(&[5], 2.0, DType::F32));
    assert_eq!(v.value().to_vec::<f32>(), vec![2.0; 5]);
    let value: Array = v.value();
    assert_eq!((value.shape(), value.dtype()), (&[5][..], DType::F32));
}

#[test]
fn set_keeps_shape_and_dtype() {
    let v = Variable::new(hn::zeros(&[2], DType::F32));
    v.set(hn::array(&[1.0f32, 2.0]));
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0, 2.0]);
    let err = v.try_set(hn::zeros(&[3], DType::F32)).unwrap_err();
    assert!(matches!(err, hn::Error::Variable(_)));
    assert!(
        err.to_string()
            .contains("holds f32[2]; cannot set it to f32[3]"),
        "{err}"
    );
    assert!(v.try_set(hn::zeros(&[2], DType::I32)).is_err());
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0, 2.0]);
}

#[test]
fn variables_are_operands() {
    let v = Variable::new(hn::array(&[1.0f32, 2.0, 3.0]));
    let x = hn::array(&[10.0f32, 20.0, 30.0]);
    assert_eq!((&v + 1.0).to_vec::<f32>(), vec![2.0, 3.0, 4.0]);
    // A literal on the left needs the result's type from context (f32 and
    // f64 both multiply arrays), as with any Rust operator overloaded on both.
    let doubled: Array = 2.0 * &v;
    assert_eq!(doubled.to_vec::<f32>(), vec![2.0, 4.0, 6.0]);
    assert_eq!((0.5f32 * &v).to_vec::<f32>(), vec![0.5, 1.0, 1.5]);
    assert_eq!((&x - &v).to_vec::<f32>(), vec![9.0, 18.0, 27.0]);
    assert_eq!((&v * &v).to_vec::<f32>(), vec![1.0, 4.0, 9.0]);
    assert_eq!((-&v).to_vec::<f32>(), vec![-1.0, -2.0, -3.0]);
    assert_eq!(x.gt(&v).to_vec::<bool>(), vec![true; 3]);
    assert_eq!(hn::exp(&v).dtype(), DType::F32);
    assert_eq!(
        hn::where_(v.value().gt(1.5), &v, 0.0).to_vec::<f32>(),
        vec![0.0, 2.0, 3.0]
    );
    assert_eq!(hn::maximum(&v, 2.5).to_vec::<f32>(), vec![2.5, 2.5, 3.0]);
}

#[test]
fn compound_assignment_updates_the_variable() {
    let mut v = Variable::new(hn::array(&[1.0f32, 2.0]));
    let handle = v.clone();
    let x = hn::array(&[0.5f32, 0.5]);
    v += &x;
    assert_eq!(handle.value().to_vec::<f32>(), vec![1.5, 2.5]);
    v -= 0.5;
    v *= 2.0;
    v /= &hn::array(&[2.0f32, 4.0]);
    assert_eq!(handle.value().to_vec::<f32>(), vec![1.0, 1.0]);
    let result = std::panic::catch_unwind(move || {
        let mut v = Variable::new(hn::zeros(&[2], DType::I32));
        v += 0.5;
    });
    assert!(
        result.is_err(),
        "an i32 variable cannot hold a float result"
    );
}

#[test]
fn variables_are_shared_across_threads() {
    let v = Variable::new(hn::zeros(&[1], DType::I32));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let v = v.clone();
            s.spawn(move || v.set(hn::array(&[7])));
        }
    });
    assert_eq!(v.value().to_vec::<i32>(), vec![7]);
}

struct Lif {
    v: Variable,
    spike: Variable,
    tau: Variable,
}

impl Module for Lif {
    fn vars(&self) -> Collector {
        let mut c = Collector::new();
        c.insert("V", &self.v);
        c.insert("spike", &self.spike);
        c.insert("tau", &self.tau);
        c
    }
}

struct Net {
    lif: Lif,
    w: Variable,
}

impl Module for Net {
    fn vars(&self) -> Collector {
        let mut c = Collector::new();
        c.insert_module("lif", &self.lif);
        c.insert("w", &self.w);
        c.insert("tau_again", &self.lif.tau);
        c
    }
}

#[test]
fn collecting_variables() {
    let net = Net {
        lif: Lif {
            v: Variable::new(hn::zeros(&[4], DType::F32)),
            spike: Variable::new(hn::zeros(&[4], DType::Bool)),
            tau: Parameter::new(hn::full(&[1], 10.0, DType::F32)),
        },
        w: TrainVar::new(hn::ones(&[4, 4], DType::F32)),
    };
    let all: Collector = net.vars();
    assert_eq!(all.len(), 5);
    assert_eq!(all.get("lif.V").map(|v| v.id()), Some(net.lif.v.id()));
    assert!(all.get("V").is_none());
    let names: Vec<&str> = all.iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["lif.V", "lif.spike", "lif.tau", "w", "tau_again"]);
    let train = all.subset(VarKind::TrainVar);
    assert_eq!((train.len(), train.get("w").is_some()), (1, true));
    let params = all.subset(VarKind::Parameter);
    assert_eq!(params.len(), 2);
    let unique = all.unique();
    assert_eq!(unique.len(), 4);
    assert!(unique.get("tau_again").is_none());
    assert!(all.subset(VarKind::RandomState).is_empty());
    for (name, var) in all.iter() {
        assert!(!name.is_empty());
        assert_eq!(var.value().dtype(), var.dtype());
    }
}
