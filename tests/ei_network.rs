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
