//! The COBA E/I network (Vogels & Abbott 2005, Brette et al. 2007; BrainPy's
//! standard COBA example): 4,000 LIF neurons, 3,200 excitatory and 800
//! inhibitory, conductance synapses, random connectivity with p = 0.02,
//! 1,000 ms at dt = 0.1 ms as one compiled loop inside `jit`. Spikes
//! propagate event-driven through sparse matrices (`Csr::event_vecmat`);
//! they are recorded 32 neurons per word (`monitor::pack_spikes`).
//!
//! Prints the build time (connectivity and state), the compile time, the
//! run time and steps per second, the mean E and I rates (about 20–23 Hz at
//! scale 1), and writes a spike raster with the population rate below it to
//! a PNG whose path it prints.
//!
//! ```text
//! cargo run --release --example ei_network                  # 4,000 neurons
//! cargo run --release --example ei_network -- --scale 10    # 40,000, 80 inputs each
//! cargo run --release --example ei_network -- --json        # one JSON object
//! ```
//!
//! Options: `--scale S` (neuron counts times S, p = 80/N), `--ms T`
//! (simulated time, default 1000), `--png PATH` (default
//! `target/ei_network.png`), `--seed N`, `--json`. `HERON_EXAMPLE_N=400`
//! runs 400 neurons for 100 ms instead (a short run).

// The model is shared with `tests/ei_network.rs` and heron-bench's W8,
// which use the parts this example does not (reset, the eager run).
#[path = "ei_network/net.rs"]
#[allow(dead_code)]
mod net;
#[path = "common/pixel_text.rs"]
mod pixel_text;
#[path = "ei_network/raster.rs"]
mod raster;

use heron as hn;
use net::{DT, Net};
use std::sync::Arc;
use std::time::Instant;

struct Options {
    scale: f64,
    ms: f64,
    png: std::path::PathBuf,
    seed: u64,
    json: bool,
}

fn options() -> Options {
    let mut o = Options {
        scale: 1.0,
        ms: 1000.0,
        png: std::path::PathBuf::from("target/ei_network.png"),
        seed: 42,
        json: false,
    };
    if let Some(n) = std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        o.scale = n / (net::N_E + net::N_I) as f64;
        o.ms = 100.0;
    }
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--scale" => o.scale = value().parse().expect("--scale takes a number"),
            "--ms" => o.ms = value().parse().expect("--ms takes a number"),
            "--png" => o.png = value().into(),
            "--seed" => o.seed = value().parse().expect("--seed takes an integer"),
            "--json" => o.json = true,
            other => panic!("unknown option {other} (see the example's documentation)"),
        }
    }
    o
}

fn main() {
    let o = options();
    let steps = (o.ms / DT as f64).round() as usize;

    let start = Instant::now();
    let net = Arc::new(Net::new(o.scale, o.seed));
    let build_s = start.elapsed().as_secs_f64();

    let idx = hn::arange_i(0, steps as i32, 1);
    let sim = {
        let net = net.clone();
        hn::jit_named("ei_network", move |i: hn::Array| net.run(&i))
    };
    let compile_s = sim.compile(&idx).compile_time().as_secs_f64();
    let start = Instant::now();
    let packed = sim.call(&idx);
    let run_s = start.elapsed().as_secs_f64();

    let (rate_e, rate_i) = net.rates(&packed);
    let events = hn::monitor::spike_events(&packed, net.n);
    if let Some(dir) = o.png.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    raster::draw(&o.png, &events, net.n, net.n_e, steps, DT as f64)
        .unwrap_or_else(|e| panic!("writing {}: {e}", o.png.display()));

    if o.json {
        println!(
            "{{\"neurons\": {}, \"steps\": {steps}, \"build_s\": {build_s:.6}, \"compile_s\": {compile_s:.6}, \"run_s\": {run_s:.6}, \"rate_e_hz\": {rate_e:.3}, \"rate_i_hz\": {rate_i:.3}, \"spikes\": {}, \"png\": {:?}}}",
            net.n,
            events.len(),
            o.png.display().to_string()
        );
        return;
    }
    println!(
        "COBA E/I network: {} neurons ({} E, {} I), {} + {} synapses, {steps} steps of {DT} ms",
        net.n,
        net.n_e,
        net.n - net.n_e,
        net.w_e.nnz(),
        net.w_i.nnz()
    );
    println!("build (connectivity, state): {:8.2} ms", build_s * 1e3);
    println!("compile:                     {:8.2} ms", compile_s * 1e3);
    println!(
        "run:                         {:8.2} ms  ({:.1} µs/step, {:.0} steps/s)",
        run_s * 1e3,
        run_s * 1e6 / steps as f64,
        steps as f64 / run_s
    );
    println!(
        "mean rates: E {rate_e:.2} Hz, I {rate_i:.2} Hz ({} spikes)",
        events.len()
    );
    println!("raster: {}", o.png.display());
}
