//! The spike raster with the population rate below it, as a PNG drawn with
//! `plotters`' bitmap backend and labelled with a built-in pixel font
//! (`pixel_text`, so no font is needed). The top panel is the raster (time
//! left to right, neuron index top to bottom, excitatory neurons blue,
//! inhibitory red, a grey line between them, `E`/`I` beside each
//! population); the bottom panel is the population rate in 1 ms bins (a
//! grey line marks 20 Hz; the rate axis is scaled to the steady state, so
//! the onset transient of the first 20 ms is clipped). Both panels share
//! the time axis, labelled in ms below the rate.

use crate::pixel_text::{self as text, FONT};
use plotters::prelude::*;

/// Rate bins (1 ms each) of onset transient left out of the rate axis's scale.
const SETTLE_BINS: usize = 20;

/// Width and height of the image in pixels.
const SIZE: (u32, u32) = (1200, 800);

/// Pixels left of the plot frames (for the tick labels), right of them,
/// above the raster, and below the rate panel (tick labels and axis title).
const LEFT: i32 = 80;
const RIGHT: i32 = 32;
const TOP: i32 = 34;
const BOTTOM: i32 = 64;

/// The height of the raster panel, frame and title included.
const RASTER_PANEL: u32 = 540;

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
    let (top, bottom) = root.split_vertically(RASTER_PANEL);
    let grey = RGBColor(160, 160, 160);

    // The raster: one pixel per spike (several neurons share a pixel row).
    let (w, h) = top.dim_in_pixel();
    let (w, h) = (w as i32 - LEFT - RIGHT, h as i32 - TOP - 10);
    let x_of = |step: f64| LEFT + (step * w as f64 / steps.max(1) as f64) as i32;
    let row_of = |i: usize| TOP + (i as i64 * h as i64 / n.max(1) as i64) as i32;
    let e_color = RGBColor(40, 80, 200);
    let i_color = RGBColor(210, 40, 40);
    for &(t, i) in events {
        let color = if i < n_e { e_color } else { i_color };
        top.draw_pixel((x_of(t as f64), row_of(i)), &color)?;
    }
    let split = row_of(n_e);
    top.draw(&PathElement::new(
        vec![(LEFT, split), (LEFT + w, split)],
        grey,
    ))?;
    top.draw(&Rectangle::new([(LEFT, TOP), (LEFT + w, TOP + h)], BLACK))?;
    text::draw(&top, (LEFT, TOP - 24), "neuron", FONT, &BLACK)?;
    for i in [0, n_e, n] {
        text::left_tick(&top, (LEFT, row_of(i)), &i.to_string())?;
    }
    let mid = |a: i32, b: i32| (a + b) / 2 - text::height(FONT) / 2;
    text::draw(
        &top,
        (LEFT + w + 6, mid(row_of(0), split)),
        "E",
        FONT,
        &e_color,
    )?;
    text::draw(
        &top,
        (LEFT + w + 6, mid(split, row_of(n))),
        "I",
        FONT,
        &i_color,
    )?;

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
    let (_, bh) = bottom.dim_in_pixel();
    let btop = 34;
    let bh = bh as i32 - btop - BOTTOM;
    let y_of = |r: f64| btop + bh - (r.min(peak) / peak * bh as f64) as i32;
    let line: Vec<(i32, i32)> = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (x_of((b * per_bin) as f64), y_of(hz(c))))
        .collect();
    bottom.draw(&PathElement::new(
        vec![(LEFT, y_of(20.0)), (LEFT + w, y_of(20.0))],
        RGBColor(190, 190, 190),
    ))?;
    bottom.draw(&PathElement::new(line, BLACK))?;
    bottom.draw(&Rectangle::new(
        [(LEFT, btop), (LEFT + w, btop + bh)],
        BLACK,
    ))?;
    text::draw(&bottom, (LEFT, btop - 24), "rate (Hz)", FONT, &BLACK)?;
    let rate_step = text::tick_step(peak, 4);
    let mut r = 0.0;
    while r <= peak {
        text::left_tick(&bottom, (LEFT, y_of(r)), &text::tick_label(r, rate_step))?;
        r += rate_step;
    }

    // The shared time axis: ticks on both panels, labels below the rate.
    let total_ms = steps as f64 * dt_ms;
    let time_step = text::tick_step(total_ms, 10);
    let mut t = 0.0;
    while t <= total_ms + 1e-9 {
        let x = x_of(t / dt_ms);
        text::bottom_tick(&top, (x, TOP + h), "")?;
        text::bottom_tick(&bottom, (x, btop + bh), &text::tick_label(t, time_step))?;
        t += time_step;
    }
    let axis_title = (LEFT + w / 2, text::title_below(btop + bh));
    text::draw_centred(&bottom, axis_title, "time (ms)", FONT, &BLACK)?;
    root.present()?;
    Ok(())
}
