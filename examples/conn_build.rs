//! Times building the COBA network's connectivity at scale 1 (the four
//! `fixed_prob` projections of `examples/ei_network`, p = 0.02, stacked into
//! the E and I matrices): the first build of the process (rayon's pool
//! starts then) and the median of the next builds, each from its own key.
//!
//! ```text
//! cargo run --release --example conn_build [REPS]
//! ```

use heron as hn;
use hn::random::Key;
use hn::sparse::Csr;
use std::time::Instant;

/// Excitatory and inhibitory neurons at scale 1.
const N_E: usize = 3200;
const N_I: usize = 800;

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
        .max(2);
    let p = 80.0 / (N_E + N_I) as f64;
    let mut times = Vec::with_capacity(reps);
    let mut synapses = 0;
    for rep in 0..reps {
        let start = Instant::now();
        let keys = Key::new(rep as u64).split_n(4);
        let proj = |k: usize, pre: usize, post: usize| hn::conn::fixed_prob(pre, post, p, &keys[k]);
        let w_e = Csr::hstack(&[&proj(0, N_E, N_E), &proj(1, N_E, N_I)]).with_weight(0.6);
        let w_i = Csr::hstack(&[&proj(2, N_I, N_E), &proj(3, N_I, N_I)]).with_weight(6.7);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        synapses = w_e.nnz() + w_i.nnz();
    }
    let mut rest = times[1..].to_vec();
    rest.sort_by(f64::total_cmp);
    println!(
        "scale-1 connectivity ({synapses} synapses): first build {:.2} ms; next {} builds: median {:.2} ms (min {:.2}, max {:.2})",
        times[0],
        rest.len(),
        rest[rest.len() / 2],
        rest[0],
        rest[rest.len() - 1]
    );
}
