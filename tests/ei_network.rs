//! The COBA E/I network of `examples/ei_network.rs` at small scale for
//! 200 ms: the compiled loop gives exactly the spikes of the eager run (every
//! op through the interpreter), and the rates are in the network's regime.

#[path = "../examples/ei_network/net.rs"]
#[allow(dead_code)]
mod net;

use heron as hn;
use net::Net;

#[test]
fn compiled_and_eager_runs_give_the_same_spikes() {
    let steps = 2000; // 200 ms
    let scale = 0.25; // 1,000 neurons, 80 expected inputs each
    let compiled = {
        let net = Net::new(scale, 7);
        let idx = hn::arange_i(0, steps as i32, 1);
        let run = hn::jit(move |i: hn::Array| net.run(&i));
        run.call(&idx)
    };
    let net = Net::new(scale, 7);
    let eager = net.run_eager(steps);
    assert_eq!(compiled.shape(), eager.shape());
    let (a, b) = (
        hn::monitor::spike_events(&compiled, net.n),
        hn::monitor::spike_events(&eager, net.n),
    );
    assert_eq!(a.len(), b.len(), "spike counts differ");
    assert!(a == b, "the spike trains differ");
    let (e, i) = net.rates(&compiled);
    assert!((15.0..30.0).contains(&e), "E rate {e} Hz");
    assert!((15.0..30.0).contains(&i), "I rate {i} Hz");
}

/// Set in the child processes of `spikes_do_not_depend_on_the_thread_count`:
/// where to write the spikes.
const DUMP: &str = "HERON_EI_NETWORK_DUMP";

#[test]
fn spikes_do_not_depend_on_the_thread_count() {
    // 40,000 neurons for 30 ms: the neuron update is long enough to run as a
    // parallel launch and the onset's spike volleys split the event
    // products between threads, so one thread and two must agree bit for
    // bit. Each run is a child process with its own rayon pool size.
    let steps = 300;
    if let Ok(path) = std::env::var(DUMP) {
        let net = std::sync::Arc::new(Net::new(10.0, 3));
        let idx = hn::arange_i(0, steps, 1);
        let run = {
            let net = net.clone();
            hn::jit(move |i: hn::Array| net.run(&i))
        };
        let packed = run.call(&idx).to_vec::<u32>();
        let v = net.v().to_vec::<f32>();
        let mut bytes: Vec<u8> = packed.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.extend(v.iter().flat_map(|x| x.to_bits().to_le_bytes()));
        std::fs::write(path, bytes).expect("write the spikes");
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = |threads: usize| {
        let path = dir.path().join(format!("spikes{threads}"));
        let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "spikes_do_not_depend_on_the_thread_count",
                "--test-threads=1",
            ])
            .env("RAYON_NUM_THREADS", threads.to_string())
            .env(DUMP, &path)
            .status()
            .expect("run the test binary");
        assert!(status.success(), "the run on {threads} threads failed");
        std::fs::read(&path).expect("read the spikes")
    };
    let (one, two) = (run(1), run(2));
    let spikes: u32 = one[..one.len() - 40_000 * 4]
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]).count_ones())
        .sum();
    assert!(spikes > 5_000, "only {spikes} spikes");
    assert!(one == two, "spikes or V differ between 1 and 2 threads");
}
