//! Times building the COBA network's connectivity at scale 1 (the four
//! `fixed_prob` projections of `examples/ei_network`, p = 0.02, stacked into
//! the E and I matrices): the first build of the process (rayon's pool
//! starts then) and the median of the next builds, each from its own key.
//!
//! ```text
//! cargo run --release --example conn_build [REPS]
//! ```

// The network's own model file: `connectivity` is what `Net::new` builds.
#[path = "ei_network/net.rs"]
#[allow(dead_code)]
mod net;

use heron::random::Key;
use std::time::Instant;

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
        .max(2);
    let (n_e, n_i) = (net::N_E, net::N_I);
    let p = net::INPUTS / (n_e + n_i) as f64;
    let mut times = Vec::with_capacity(reps);
    let mut synapses = 0;
    for rep in 0..reps {
        let start = Instant::now();
        let keys = Key::new(rep as u64).split_n(4);
        let (w_e, w_i) = net::connectivity(n_e, n_i, p, &keys);
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
