//! The spike raster with the population rate below it, as a PNG drawn with
//! `plotters`' bitmap backend. No text is drawn (so no font is needed):
//! the top panel is the raster (time left to right, neuron index top to
//! bottom, excitatory neurons blue, inhibitory red, a grey line between
//! them), the bottom panel the population rate in 1 ms bins (a grey line
//! marks 20 Hz; the rate axis is scaled to the steady state, so the onset
//! transient of the first 20 ms is clipped).

use plotters::prelude::*;

/// Rate bins (1 ms each) of onset transient left out of the rate axis's scale.
const SETTLE_BINS: usize = 20;

/// Width and height of the image in pixels.
const SIZE: (u32, u32) = (1200, 800);

/// Draws `events` (`(step, neuron)`) of `n` neurons (the first `n_e`
/// excitatory) over `steps` steps of `dt_ms` into the PNG at `path`.
pub fn draw(
    path: &std::path::Path,
    events: &[(usize, usize)],
    n: usize,
    n_e: usize,
    steps: usize,
    dt_ms: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(560);
    let (w, h) = top.dim_in_pixel();
    let (w, h) = (w as i32 - 20, h as i32 - 20);
    let x_of = |step: usize| 10 + (step as i64 * w as i64 / steps.max(1) as i64) as i32;
    // The raster: one pixel per spike (several neurons share a pixel row).
    let e_color = RGBColor(40, 80, 200);
    let i_color = RGBColor(210, 40, 40);
    for &(t, i) in events {
        let y = 10 + (i as i64 * h as i64 / n.max(1) as i64) as i32;
        let color = if i < n_e { e_color } else { i_color };
        top.draw_pixel((x_of(t), y), &color)?;
    }
    let split = 10 + (n_e as i64 * h as i64 / n.max(1) as i64) as i32;
    top.draw(&PathElement::new(
        vec![(10, split), (10 + w, split)],
        RGBColor(160, 160, 160),
    ))?;
    top.draw(&Rectangle::new([(10, 10), (10 + w, 10 + h)], BLACK))?;

    // The population rate in 1 ms bins.
    let per_bin = ((1.0 / dt_ms).round() as usize).max(1);
    let bins = steps.div_ceil(per_bin);
    let mut counts = vec![0usize; bins.max(1)];
    for &(t, _) in events {
        counts[t / per_bin] += 1;
    }
    let hz = |c: usize| c as f64 / n.max(1) as f64 / (per_bin as f64 * dt_ms * 1e-3);
    // The scale follows the steady state: the onset transient (the first
    // SETTLE_BINS bins) is clipped at the top of the panel.
    let peak = counts
        .iter()
        .skip(SETTLE_BINS.min(counts.len() - 1))
        .map(|&c| hz(c))
        .fold(50.0f64, f64::max)
        * 1.15;
    let (bw, bh) = bottom.dim_in_pixel();
    let (bw, bh) = (bw as i32 - 20, bh as i32 - 30);
    let y_of = |r: f64| 10 + bh - (r.min(peak) / peak * bh as f64) as i32;
    let line: Vec<(i32, i32)> = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| {
            (
                10 + (b as i64 * bw as i64 / bins.max(1) as i64) as i32,
                y_of(hz(c)),
            )
        })
        .collect();
    bottom.draw(&PathElement::new(
        vec![(10, y_of(20.0)), (10 + bw, y_of(20.0))],
        RGBColor(190, 190, 190),
    ))?;
    bottom.draw(&PathElement::new(line, BLACK))?;
    bottom.draw(&Rectangle::new([(10, 10), (10 + bw, 10 + bh)], BLACK))?;
    root.present()?;
    Ok(())
}
