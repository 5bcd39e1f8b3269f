//! Step regions: a sparse product and the element-wise kernels after it run
//! in one parallel region per step, each thread on its own range of
//! elements. Compiled loops with regions on, with them off
//! (`control::with_step_regions(false)`) and eager steps must give the same
//! bits, on one thread and on several: sizes around the vector width and
//! the split point, `matvec`, `vecmat` and event products, a kernel reading
//! a product's result at another element (which must not join a region),
//! and the spike recording (a reduction over 32-neuron blocks) inside one.

use heron as hn;
use heron::control::with_step_regions;
use heron::prelude::*;
use heron::random::Key;
use heron::sparse::Csr;

fn bits(a: &Array) -> Vec<u32> {
    a.to_vec::<f32>().iter().map(|x| x.to_bits()).collect()
}

/// A recurrent population of `n` neurons with event-driven, rate and
/// transposed projections; `shifted` adds a term that reads the event
/// product's result one neuron over. Runs `steps` steps compiled (regions
/// on or off) or eagerly; returns V's bits and the packed spikes.
fn simulate(n: usize, steps: usize, shifted: bool, how: How) -> (Vec<u32>, Vec<u32>) {
    let key = Key::new(n as u64);
    let ev = hn::conn::fixed_prob(n, n, (40.0 / n as f64).min(1.0), &key).with_weight(0.7);
    let rate = hn::conn::fixed_prob(n, n, (20.0 / n as f64).min(1.0), &Key::new(7));
    let w = Key::new(8).uniform(-0.1, 0.1, &[rate.nnz()]);
    let rate = rate.with_weights(w);
    let v = Variable::new(Key::new(3).uniform(0.0, 1.0, &[n]));
    let g = Variable::new(hn::zeros(&[n], DType::F32));
    let spike = Variable::new(hn::zeros(&[n], DType::Bool));
    let step = |ev: &Csr, rate: &Csr| {
        let s = spike.value();
        let x = g.value() * 0.9 + ev.event_vecmat(&s);
        let r = rate.vecmat(&v.value()) + rate.matvec(&v.value()) * 0.5;
        let x = if shifted {
            let next = hn::concatenate(&[x.slice(hn::s![1..]), x.slice(hn::s![..1])], 0);
            &x + next * 0.25
        } else {
            x
        };
        // A long polynomial: enough work per neuron for a parallel launch.
        let mut p = &x * 0.01 + 1.0;
        for k in 1..12 {
            p = &p * &x * (0.5 / k as f32) + 1.0;
        }
        let v_new = v.value() * 0.95 + &r * 0.01 + &x * 0.02 + p * 0.001 + 0.08;
        let fired = v_new.ge(1.0);
        v.set(hn::where_(&fired, 0.0, &v_new));
        g.set(x);
        spike.set(fired.clone());
        hn::monitor::pack_spikes(&fired)
    };
    let packed = match how {
        How::Eager => {
            let rows: Vec<Array> = (0..steps).map(|_| step(&ev, &rate)).collect();
            hn::stack(&rows, 0)
        }
        How::Compiled(regions) => with_step_regions(regions, || {
            hn::for_loop(&hn::arange_i(0, steps as i32, 1), |_| step(&ev, &rate))
        }),
    };
    (bits(&v.value()), packed.to_vec::<u32>())
}

#[derive(Clone, Copy)]
enum How {
    Eager,
    Compiled(bool),
}

#[test]
fn regions_give_the_bits_of_steps_run_alone_and_of_eager_steps() {
    for n in [1, 63, 64, 100, 4001, 40_000, 40_037] {
        for shifted in [false, true] {
            let steps = if n > 10_000 { 12 } else { 40 };
            let on = simulate(n, steps, shifted, How::Compiled(true));
            let off = simulate(n, steps, shifted, How::Compiled(false));
            assert_eq!(on, off, "n = {n}, shifted = {shifted}: regions on vs off");
            let eager = simulate(n, steps, shifted, How::Eager);
            assert_eq!(on, eager, "n = {n}, shifted = {shifted}: compiled vs eager");
            if n >= 100 {
                assert!(on.1.iter().any(|&w| w != 0), "n = {n}: some spikes");
            }
        }
    }
}

#[test]
fn regions_give_the_same_bits_on_one_thread() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for n in [4001, 40_000] {
        let many = simulate(n, 12, false, How::Compiled(true));
        // From inside a one-thread pool: every region runs on that thread.
        let one = pool.install(|| simulate(n, 12, false, How::Compiled(true)));
        assert_eq!(many, one, "n = {n}");
    }
}
