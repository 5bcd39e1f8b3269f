//! Trains a small spiking network with surrogate gradients through time.
//!
//! The task ships with the example: four classes of 100 Poisson input
//! channels, each class with its own random firing-rate profile (rates of
//! 2–5% per step, so the classes overlap channel by channel), shown for 50
//! steps. The network is 100 inputs → 128 leaky integrate-and-fire neurons
//! (spikes through `hn::surrogate::sigmoid`, soft reset with the spike detached) → a linear readout
//! of the hidden spike counts, trained with softmax cross-entropy and Adam.
//! One training step — the forward pass through time (a `for_loop` over the
//! steps), its reverse pass (`hn::value_and_grad_vars`) and the Adam update
//! — is one `jit` function.
//!
//! Prints loss and accuracy per epoch (with a progress bar) and the time
//! of a training step (`benches/peers/train_snn_jax.py` is the same step in
//! JAX), writes the loss curve to `target/train_snn_loss.png`, and ends with the
//! test accuracy: `final accuracy: NN.N% (chance 25.0%)`.
//!
//! Run with `cargo run --release --example train_snn`. `HERON_EXAMPLE_N=2`
//! trains for two epochs (a short run for CI);
//! `tests/train_snn.rs` runs [`train`] so and checks that it learns.

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;

#[path = "common/pixel_text.rs"]
mod pixel_text;

const INPUTS: usize = 100;
const HIDDEN: usize = 128;
const CLASSES: usize = 4;
const STEPS: usize = 50;
const BATCH: usize = 32;
/// Membrane decay per step (τ = 10 steps).
const DECAY: f64 = 0.904_837_418;
/// Steepness of the surrogate sigmoid (BrainPy's default).
const ALPHA: f64 = 4.0;

/// The network's trainable Variables.
struct Net {
    w_in: Variable,
    w_out: Variable,
    b_out: Variable,
}

impl Net {
    fn new(rng: &RandomState) -> Net {
        Net {
            w_in: TrainVar::new(rng.normal_as(0.0, 0.35, &[INPUTS, HIDDEN], DType::F32)),
            w_out: TrainVar::new(rng.normal_as(0.0, 0.1, &[HIDDEN, CLASSES], DType::F32)),
            b_out: TrainVar::new(hn::zeros(&[CLASSES], DType::F32)),
        }
    }

    fn params(&self) -> Collector {
        let mut c = Collector::new();
        c.insert("w_in", &self.w_in);
        c.insert("w_out", &self.w_out);
        c.insert("b_out", &self.b_out);
        c
    }

    /// The logits of a batch of spike trains `x: [STEPS, B, INPUTS]`.
    fn logits(&self, x: &Array) -> Array {
        let b = x.shape()[1];
        // The loop's state starts at zero on every call: a Variable made
        // while tracing persists in the compiled function, so it is reset.
        let v = Variable::new(hn::zeros(&[b, HIDDEN], DType::F32));
        let count = Variable::new(hn::zeros(&[b, HIDDEN], DType::F32));
        v.set(hn::zeros(&[b, HIDDEN], DType::F32));
        count.set(hn::zeros(&[b, HIDDEN], DType::F32));
        let w_in = self.w_in.value();
        hn::for_loop(x, |spikes_in: Array| {
            let u = v.value() * DECAY + spikes_in.matmul(&w_in);
            let s = hn::surrogate::sigmoid(&(&u - 1.0), ALPHA);
            v.set(&u - hn::stop_gradient(&s));
            count.set(count.value() + &s);
        });
        (count.value() / STEPS as f64).matmul(self.w_out.value()) + self.b_out.value()
    }
}

/// Mean softmax cross-entropy of `logits` against one-hot `y`.
fn cross_entropy(logits: &Array, y: &Array) -> Array {
    let m = hn::stop_gradient(&logits.max_axis(-1).expand_dims(-1));
    let z = logits - &m;
    let lse = z.exp().sum_axis(-1).log();
    (lse - (&z * y).sum_axis(-1)).mean()
}

/// Poisson spike trains of `n` samples, `[STEPS, n, INPUTS]`, their labels
/// (i32) and one-hot targets.
fn dataset(rates: &Array, n: usize, rng: &RandomState) -> (Array, Array, Array) {
    let labels = rng.randint_as(0, CLASSES as i64, &[n], DType::I32);
    let r = rates.take(&labels, 0); // [n, INPUTS]
    let u = rng.uniform_as(0.0, 1.0, &[STEPS, n, INPUTS], DType::F32);
    let x = u.lt(&r).astype(DType::F32);
    let classes = hn::arange_i(0, CLASSES as i32, 1);
    let onehot = labels.expand_dims(-1).eq(&classes).astype(DType::F32);
    (x, labels, onehot)
}

/// What a training run produced.
pub struct Run {
    /// The loss of every training step.
    pub curve: Vec<f64>,
    /// The test accuracy after the last epoch, in percent.
    pub accuracy: f64,
    /// The time of each training step's call (the first one compiles).
    pub step_times: Vec<std::time::Duration>,
}

/// Trains for `epochs` on `n_train` samples and tests on `n_test`; prints
/// a line per epoch (and shows a progress bar on a terminal).
pub fn train(epochs: usize, n_train: usize, n_test: usize) -> Run {
    let rng = RandomState::new(15);
    let rates = rng.uniform_as(0.02, 0.05, &[CLASSES, INPUTS], DType::F32);
    let (x_train, _, y_train) = dataset(&rates, n_train, &rng);
    let (x_test, l_test, _) = dataset(&rates, n_test, &rng);

    let net = std::sync::Arc::new(Net::new(&rng));
    let params = net.params();
    let opt = hn::optim::Adam::new(2e-3, &params);
    let step = {
        let net = net.clone();
        hn::jit(move |args: Vec<Array>| {
            let (x, y) = (args[0].clone(), args[1].clone());
            let n = net.clone();
            let (loss, grads) =
                hn::value_and_grad_vars(&params, move |x: Array| cross_entropy(&n.logits(&x), &y))(
                    x,
                );
            opt.update(&grads);
            vec![loss]
        })
    };
    let predict = {
        let net = net.clone();
        hn::jit(move |x: Array| net.logits(&x).argmax_axis(-1))
    };
    let accuracy = |x: &Array, labels: &Array| -> f64 {
        let hit = predict.call(x).eq(labels).astype(DType::F32).mean();
        hit.item::<f32>() as f64 * 100.0
    };

    let batches = n_train / BATCH;
    let bar = ProgressBar::new((epochs * batches) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} steps {msg}").expect("a valid template"),
    );
    let mut curve = Vec::new();
    let mut step_times = Vec::new();
    let mut acc = accuracy(&x_test, &l_test);
    for epoch in 1..=epochs {
        let mut total = 0.0;
        for b in 0..batches {
            let x = x_train.slice(hn::s![.., b * BATCH..(b + 1) * BATCH]);
            let y = y_train.slice(hn::s![b * BATCH..(b + 1) * BATCH]);
            let t = std::time::Instant::now();
            let loss = step.call(vec![x, y])[0].item::<f32>() as f64;
            step_times.push(t.elapsed());
            total += loss;
            curve.push(loss);
            bar.inc(1);
        }
        acc = accuracy(&x_test, &l_test);
        let mean = total / batches as f64;
        bar.suspend(|| println!("epoch {epoch:>2}: loss {mean:.4}  test accuracy {acc:.1}%"));
    }
    bar.finish_and_clear();
    Run {
        curve,
        accuracy: acc,
        step_times,
    }
}

fn main() {
    let short = std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let run = match short {
        Some(epochs) => train(epochs, 512, 128),
        None => train(15, 512, 256),
    };
    if let Some((first, rest)) = run.step_times.split_first() {
        let mut rest = rest.to_vec();
        rest.sort();
        if let Some(median) = rest.get(rest.len() / 2) {
            println!("training step: first call (compiles) {first:.1?}, then median {median:.2?}");
        }
    }
    let path = "target/train_snn_loss.png";
    std::fs::create_dir_all("target").ok();
    match plot(&run.curve, path) {
        Ok(()) => println!("loss curve: {path}"),
        Err(e) => println!("loss curve not written: {e}"),
    }
    println!(
        "final accuracy: {:.1}% (chance {:.1}%)",
        run.accuracy,
        100.0 / CLASSES as f64
    );
}

/// The loss per training step as a line, with the step axis below and the
/// loss axis at the left, labelled with the built-in pixel font (no font
/// files needed), written as a PNG by plotters' bitmap backend.
fn plot(curve: &[f64], path: &str) -> Result<(), Box<dyn std::error::Error>> {
    use pixel_text::{self as text, FONT};
    let (left, right, top, bottom) = (80, 20, 40, 64);
    let root = BitMapBackend::new(path, (640, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32 - left - right, h as i32 - top - bottom);
    let peak = curve.iter().cloned().fold(0.0, f64::max).max(1e-3) * 1.05;
    let steps = curve.len().max(2) - 1;
    let x_of = |i: f64| left + (i * w as f64 / steps as f64) as i32;
    let y_of = |l: f64| top + h - (l / peak * h as f64) as i32;
    let line: Vec<(i32, i32)> = curve
        .iter()
        .enumerate()
        .map(|(i, &l)| (x_of(i as f64), y_of(l)))
        .collect();
    root.draw(&PathElement::new(line, BLUE))?;
    root.draw(&Rectangle::new([(left, top), (left + w, top + h)], BLACK))?;
    text::draw(&root, (left, top - 24), "loss", FONT, &BLACK)?;
    let loss_step = text::tick_step(peak, 4);
    let mut l = 0.0;
    while l <= peak {
        text::left_tick(&root, (left, y_of(l)), &text::tick_label(l, loss_step))?;
        l += loss_step;
    }
    let step_step = text::tick_step(steps as f64, 6).max(1.0);
    let mut i = 0.0;
    while i <= steps as f64 {
        text::bottom_tick(&root, (x_of(i), top + h), &text::tick_label(i, step_step))?;
        i += step_step;
    }
    let title_y = text::title_below(top + h);
    text::draw_centred(
        &root,
        (left + w / 2, title_y),
        "training step",
        FONT,
        &BLACK,
    )?;
    root.present()?;
    Ok(())
}
