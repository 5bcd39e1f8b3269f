//! The sparse products (`Csr::matvec`, `vecmat`, `event_vecmat`) compiled
//! inside `jit` and inside compiled loops, against eager mode (the
//! interpreter) and the dense matrix: odd sizes, empty rows, no spikes, all
//! spikes, per-entry and uniform weights, on one thread and on several; and
//! spike recording with `monitor::pack_spikes`.

use heron as hn;
use heron::prelude::*;
use heron::random::Key;
use heron::sparse::Csr;

fn bits(a: &Array) -> Vec<u32> {
    a.to_vec::<f32>().iter().map(|x| x.to_bits()).collect()
}

/// A random matrix with some empty rows and per-entry weights.
fn matrix(rows: usize, cols: usize, p: f64, seed: u64) -> Csr {
    let c = hn::conn::fixed_prob(rows, cols, p, &Key::new(seed));
    let w = Key::new(seed + 1).uniform(-1.0, 2.0, &[c.nnz()]);
    c.with_weights(w)
}

#[test]
fn products_under_jit_equal_eager_and_dense() {
    for (rows, cols, p) in [
        (1, 1, 1.0),
        (7, 13, 0.3),
        (33, 17, 0.1),
        (130, 257, 0.05),
        (5, 9, 0.0),
    ] {
        for c in [
            matrix(rows, cols, p, 3),
            matrix(rows, cols, p, 3).with_weight(0.6),
        ] {
            let d = c.to_dense();
            let x = Key::new(9).normal(0.0, 1.0, &[cols]);
            let y = Key::new(10).normal(0.0, 1.0, &[rows]);
            let c2 = c.clone();
            let f = hn::jit(move |(x, y): (Array, Array)| {
                let s = y.gt(0.0);
                (c2.matvec(&x), c2.vecmat(&y), c2.event_vecmat(&s))
            });
            let (mv, vm, ev) = f.call((x.clone(), y.clone()));
            let s = y.gt(0.0);
            assert_eq!(bits(&mv), bits(&c.matvec(&x)), "matvec {rows}x{cols}");
            assert_eq!(bits(&vm), bits(&c.vecmat(&y)), "vecmat {rows}x{cols}");
            assert_eq!(bits(&ev), bits(&c.event_vecmat(&s)), "event {rows}x{cols}");
            // The dense products (gemm, in its own summation order) agree
            // within a few roundings.
            let close = |got: &Array, dense: Array| {
                for (a, b) in got.to_vec::<f32>().iter().zip(dense.to_vec::<f32>()) {
                    assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
                }
            };
            close(&mv, d.matmul(&x));
            close(&vm, y.matmul(&d));
            close(&ev, s.astype(DType::F32).matmul(&d));
        }
    }
}

#[test]
fn event_products_with_no_and_all_spikes() {
    let c = matrix(64, 100, 0.2, 5);
    let f = {
        let c = c.clone();
        hn::jit(move |s: Array| c.event_vecmat(&s))
    };
    let none = hn::zeros(&[64], DType::Bool);
    assert_eq!(f.call(none).to_vec::<f32>(), vec![0.0; 100]);
    let all = hn::ones(&[64], DType::Bool);
    let want = hn::ones(&[64], DType::F32).matmul(&c.to_dense());
    assert_eq!(bits(&f.call(all)), bits(&want));
}

#[test]
fn the_compiled_step_is_native() {
    let c = matrix(40, 50, 0.1, 1);
    let f = hn::jit(move |s: Array| c.event_vecmat(&s) * 2.0);
    let compiled = f.compile(hn::zeros(&[40], DType::Bool));
    let kernels = compiled.kernels();
    let step = kernels
        .iter()
        .find(|k| k.name.contains("csr_event_vecmat"))
        .expect("a sparse step");
    assert!(step.native, "{kernels:?}");
    assert!(
        compiled
            .optimized_text()
            .contains("csr_event_vecmat[shape=(40,50)")
    );
}

#[test]
fn large_products_split_across_threads_give_the_same_bits() {
    // Enough work to be split between the global pool's threads when
    // called from a thread outside the pool; a call from a pool's worker
    // runs on that thread alone. Both give the interpreter's bits.
    let c = matrix(3000, 4000, 0.05, 11);
    let x = Key::new(1).normal(0.0, 1.0, &[3000]);
    let s = x.gt(-0.5);
    let f = {
        let c = c.clone();
        hn::jit(move |(x, s, z): (Array, Array, Array)| {
            (c.vecmat(&x), c.event_vecmat(&s), c.matvec(&z))
        })
    };
    let z = Key::new(2).normal(0.0, 1.0, &[4000]);
    let eager = (
        bits(&c.vecmat(&x)),
        bits(&c.event_vecmat(&s)),
        bits(&c.matvec(&z)),
    );
    let (a, b, m) = f.call((x.clone(), s.clone(), z.clone()));
    assert_eq!((bits(&a), bits(&b), bits(&m)), eager);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (a, b, m) = pool.install(|| f.call((x.clone(), s.clone(), z.clone())));
    assert_eq!((bits(&a), bits(&b), bits(&m)), eager);
}

#[test]
fn products_inside_a_compiled_loop_match_eager_steps() {
    // A tiny recurrent network: g decays and receives events each step.
    let n = 50;
    let c = matrix(n, n, 0.2, 21).with_weight(0.3);
    let simulate = |compiled: bool| {
        let v = Variable::new(Key::new(4).uniform(0.0, 1.0, &[n]));
        let g = Variable::new(hn::zeros(&[n], DType::F32));
        let step = |c: &Csr| {
            let s = v.value().gt(0.8);
            g.set(g.value() * 0.9 + c.event_vecmat(&s) + c.matvec(&v.value()) * 0.01);
            v.set(hn::where_(&s, 0.0, v.value() + 0.05 + g.value() * 0.01));
            hn::monitor::pack_spikes(&s)
        };
        let packed = if compiled {
            hn::for_loop(&hn::arange_i(0, 200, 1), |_| step(&c))
        } else {
            let rows: Vec<Array> = (0..200).map(|_| step(&c)).collect();
            hn::stack(&rows, 0)
        };
        (bits(&v.value()), bits(&g.value()), packed.to_vec::<u32>())
    };
    let (a, b) = (simulate(true), simulate(false));
    assert_eq!(a, b);
    assert!(a.2.iter().any(|&w| w != 0), "some spikes");
}

#[test]
fn pack_spikes_round_trips() {
    let s = Array::from_vec((0..70).map(|i| i % 3 == 0).collect::<Vec<bool>>(), &[70]);
    let packed = hn::monitor::pack_spikes(&s).reshape(&[1, 3]);
    let events = hn::monitor::spike_events(&packed, 70);
    let want: Vec<(usize, usize)> = (0..70).filter(|i| i % 3 == 0).map(|i| (0, i)).collect();
    assert_eq!(events, want);
    assert_eq!(hn::monitor::spike_counts(&packed, 70, 0..35), vec![12]);
    let f = hn::jit(|s: Array| hn::monitor::pack_spikes(&s));
    assert_eq!(
        f.call(s.clone()).to_vec::<u32>(),
        hn::monitor::pack_spikes(&s).to_vec::<u32>()
    );
}

#[test]
fn a_sparse_function_round_trips_through_the_disk_cache() {
    // Its own process state: the directory is process-wide, and this
    // binary's other tests may write entries there too (harmlessly).
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    hn::cache::set_dir(dir.path()).unwrap();
    let make = |seed: u64| {
        let c = matrix(30, 20, 0.2, seed);
        hn::jit_named("csr_disk", move |s: Array| c.event_vecmat(&s) + 1.0)
    };
    let s = Key::new(3).bernoulli(0.5, &[30]);
    let first = make(1);
    let a = first.call(&s);
    assert!(!first.compile(&s).from_disk());
    // A new function object with an equal matrix loads the entry ...
    let again = make(1);
    assert_eq!(bits(&again.call(&s)), bits(&a));
    assert!(again.compile(&s).from_disk());
    // ... one with another matrix does not.
    let other = make(2);
    let b = other.call(&s);
    assert!(!other.compile(&s).from_disk());
    assert_eq!(
        bits(&b),
        bits(&(matrix(30, 20, 0.2, 2).event_vecmat(&s) + 1.0))
    );
    hn::cache::disable();
}
