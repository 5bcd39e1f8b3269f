//! Axis labels for the examples' PNG plots without a font: a 5×7 pixel
//! font of the characters the labels use (digits, a few letters, `( ) . -`),
//! drawn as filled squares through `plotters`, so no font file or system
//! font library is needed.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Glyph rows, top to bottom, the five low bits of each row left to right.
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'a' => [0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F],
        'c' => [0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E],
        'e' => [0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E],
        'g' => [0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E],
        'i' => [0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E],
        'l' => [0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'm' => [0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11],
        'n' => [0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11],
        'o' => [0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E],
        'p' => [0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10],
        'r' => [0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10],
        's' => [0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E],
        't' => [0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06],
        'u' => [0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D],
        'z' => [0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F],
        ' ' => [0; 7],
        // Not in the font: a hollow box, so a missing glyph is visible.
        _ => [0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F],
    }
}

/// The width in pixels of `text` drawn at `scale` (a glyph is 5 pixels wide
/// with 1 pixel between glyphs, times `scale`).
pub fn width(text: &str, scale: i32) -> i32 {
    (text.chars().count() as i32 * 6 - 1).max(0) * scale
}

/// The height in pixels of a line of text at `scale`.
pub fn height(scale: i32) -> i32 {
    7 * scale
}

/// Draws `text` with its top-left corner at `(x, y)`, each font pixel a
/// `scale`×`scale` square of `color`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    text: &str,
    scale: i32,
    color: &RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (k, c) in text.chars().enumerate() {
        let left = x + k as i32 * 6 * scale;
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) != 0 {
                    let (px, py) = (left + col * scale, y + row as i32 * scale);
                    area.draw(&Rectangle::new(
                        [(px, py), (px + scale - 1, py + scale - 1)],
                        color.filled(),
                    ))?;
                }
            }
        }
    }
    Ok(())
}

/// Draws `text` centred horizontally on `x`, its top at `y`.
pub fn draw_centred<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    text: &str,
    scale: i32,
    color: &RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw(area, (x - width(text, scale) / 2, y), text, scale, color)
}

/// Font scale of the plots' tick labels and axis titles.
pub const FONT: i32 = 2;

/// Length in pixels of an axis tick.
pub const TICK: i32 = 6;

/// A tick pointing left from a vertical axis at `(axis_x, y)`, with `label`
/// right-aligned to its left and centred on it vertically.
pub fn left_tick<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (axis_x, y): (i32, i32),
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&PathElement::new(
        vec![(axis_x - TICK, y), (axis_x, y)],
        BLACK,
    ))?;
    let x = axis_x - TICK - 4 - width(label, FONT);
    draw(area, (x, y - height(FONT) / 2), label, FONT, &BLACK)
}

/// A tick pointing down from a horizontal axis at `(x, axis_y)`, with
/// `label` centred below it (an empty label draws the tick alone).
pub fn bottom_tick<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, axis_y): (i32, i32),
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&PathElement::new(
        vec![(x, axis_y), (x, axis_y + TICK)],
        BLACK,
    ))?;
    draw_centred(area, (x, axis_y + TICK + 4), label, FONT, &BLACK)
}

/// The top of an axis title below the tick labels of a horizontal axis at
/// `axis_y`.
pub fn title_below(axis_y: i32) -> i32 {
    axis_y + TICK + 4 + height(FONT) + 12
}

/// A tick spacing of 1, 2 or 5 times a power of ten giving about `ticks`
/// ticks over `span`.
pub fn tick_step(span: f64, ticks: usize) -> f64 {
    let raw = (span / ticks.max(1) as f64).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
}

/// `value` written for a tick label: no decimals for whole numbers, else
/// as few as `step` needs.
pub fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{value:.decimals$}")
}
