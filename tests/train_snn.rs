//! The spiking network of `examples/train_snn.rs` learns: a short run
//! (six epochs on 512 samples) ends well above the 25% of chance, and its
//! loss falls.

#[allow(dead_code)]
#[path = "../examples/train_snn.rs"]
mod example;

#[test]
fn the_example_network_learns() {
    let run = example::train(6, 512, 128);
    assert!(run.accuracy >= 60.0, "test accuracy {:.1}%", run.accuracy);
    let n = run.curve.len();
    let first: f64 = run.curve[..4].iter().sum::<f64>() / 4.0;
    let last: f64 = run.curve[n - 4..].iter().sum::<f64>() / 4.0;
    assert!(last < first, "loss {first:.4} -> {last:.4}");
}
