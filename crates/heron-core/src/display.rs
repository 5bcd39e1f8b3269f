//! NumPy-like printing of arrays: `Array([[0, 1, 2], [3, 4, 5]], dtype=i32)`.
//!
//! Elements are right-aligned to one width; floats use NumPy's default
//! format (the shortest digits that round-trip, at most 8 decimals, decimal
//! points aligned, scientific notation when magnitudes span too far); arrays
//! of more than 1000 elements show 3 items at each edge of each axis around
//! `...`. An array that fits in 75 columns prints on one line, a larger one
//! in NumPy's multi-line layout (also chosen by the alternate flag, `{:#}`).
//! A traced array prints its type: `Traced<f32[3,4]>`.
//!
//! A Variable prints as BrainPy prints one, its value under the name of its
//! kind: `Variable([0.33, 0.12], dtype=f32)`, `TrainVar(...)`,
//! `RandomState([   0, 1234], dtype=u32)`, `Momentum(...)` for a custom kind.

use crate::array::{Array, Repr};
use crate::variable::Variable;
use heron_ir::{DType, Scalar, Value};
use std::fmt;

/// Elements beyond which an array is summarised.
const THRESHOLD: usize = 1000;
/// Items shown at each edge of a summarised axis.
const EDGE: usize = 3;
/// Columns a line may take.
const LINE_WIDTH: usize = 75;

impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Concrete(v) => f.write_str(&render("Array", v, f.alternate())),
            Repr::Traced(t) => write!(f, "Traced<{}>", heron_ir::type_text(&t.shape, t.dtype)),
        }
    }
}

/// The value under the name of the kind: `Variable([0., 0.], dtype=f32)`;
/// inside `jit`, `Variable(Traced<f32[2]>)`.
impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind().to_string();
        let value = self.value();
        match &value.repr {
            Repr::Concrete(v) => f.write_str(&render(&name, v, f.alternate())),
            Repr::Traced(_) => write!(f, "{name}({value})"),
        }
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The full text of a concrete array printed as `name(...)`.
fn render(name: &str, v: &Value, multiline: bool) -> String {
    let prefix = format!("{name}(");
    let suffix = format!("dtype={}", v.dtype());
    if v.shape().size() == 0 {
        if v.shape().rank() == 1 {
            return format!("{prefix}[], {suffix})");
        }
        return format!("{prefix}[], shape={}, {suffix})", v.shape());
    }
    let summarise = v.shape().size() > THRESHOLD;
    let layout = Layout {
        value: v,
        summarise,
    };
    let shown = layout.shown();
    let format = ElementFormat::new(
        v.dtype(),
        &shown.iter().map(|&i| v.buf().get(i)).collect::<Vec<_>>(),
    );
    let element = |i: usize| format.pad(v.buf().get(i));
    if !multiline {
        let body = layout.one_line(&element);
        let text = format!("{prefix}{body}, {suffix})");
        if text.len() <= LINE_WIDTH {
            return text;
        }
    }
    let indent = " ".repeat(prefix.chars().count());
    let body = layout.multi_line(&element, &format!("{indent} "));
    let last_line = body.rsplit('\n').next().unwrap_or("").len();
    let sep = if last_line + suffix.len() + 3 > LINE_WIDTH {
        format!(",\n{indent}")
    } else {
        ", ".into()
    };
    format!("{prefix}{body}{sep}{suffix})")
}

/// Walks the (possibly summarised) elements of a value.
struct Layout<'a> {
    value: &'a Value,
    summarise: bool,
}

/// The indices shown along an axis of extent `n`: `(leading, trailing)`
/// ranges; a gap between them is printed as `...`.
fn edges(n: usize, summarise: bool) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    if summarise && n > 2 * EDGE {
        (0..EDGE, n - EDGE..n)
    } else {
        (0..n, n..n)
    }
}

impl Layout<'_> {
    fn rank(&self) -> usize {
        self.value.shape().rank()
    }

    /// Flat indices of every element shown.
    fn shown(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect(0, 0, &mut out);
        out
    }

    fn collect(&self, axis: usize, offset: usize, out: &mut Vec<usize>) {
        if axis == self.rank() {
            out.push(offset);
            return;
        }
        let stride = self.value.shape().strides()[axis];
        let (lead, trail) = edges(self.value.shape()[axis], self.summarise);
        for i in lead.chain(trail) {
            self.collect(axis + 1, offset + i * stride, out);
        }
    }

    /// `[[a, b], [c, d]]` on one line.
    fn one_line(&self, element: &dyn Fn(usize) -> String) -> String {
        self.one_line_at(0, 0, element)
    }

    fn one_line_at(&self, axis: usize, offset: usize, element: &dyn Fn(usize) -> String) -> String {
        if axis == self.rank() {
            return element(offset);
        }
        let stride = self.value.shape().strides()[axis];
        let (lead, trail) = edges(self.value.shape()[axis], self.summarise);
        let mut parts: Vec<String> = lead
            .map(|i| self.one_line_at(axis + 1, offset + i * stride, element))
            .collect();
        if !trail.is_empty() {
            parts.push("...".into());
        }
        parts.extend(trail.map(|i| self.one_line_at(axis + 1, offset + i * stride, element)));
        format!("[{}]", parts.join(", "))
    }

    /// NumPy's `_formatArray`: rows on their own lines, blank lines between
    /// blocks of higher axes, long rows wrapped at the line width.
    fn multi_line(&self, element: &dyn Fn(usize) -> String, indent: &str) -> String {
        self.multi_line_at(0, 0, element, indent, LINE_WIDTH - 1)
    }

    fn multi_line_at(
        &self,
        axis: usize,
        offset: usize,
        element: &dyn Fn(usize) -> String,
        hanging: &str,
        width: usize,
    ) -> String {
        if axis == self.rank() {
            return element(offset);
        }
        let stride = self.value.shape().strides()[axis];
        let (lead, trail) = edges(self.value.shape()[axis], self.summarise);
        let gap = !trail.is_empty();
        let next_hanging = format!("{hanging} ");
        let items: Vec<Option<usize>> = lead
            .map(Some)
            .chain(gap.then_some(None))
            .chain(trail.map(Some))
            .collect();
        let render = |item: Option<usize>| match item {
            Some(i) => self.multi_line_at(
                axis + 1,
                offset + i * stride,
                element,
                &next_hanging,
                width - 1,
            ),
            None => "...".to_string(),
        };
        let mut s = String::new();
        if self.rank() - axis == 1 {
            let mut line = hanging.to_string();
            let count = items.len();
            for (k, &item) in items.iter().enumerate() {
                let word = render(item);
                let limit = if k + 1 == count { width } else { width - 1 };
                if line.len() + word.len() > limit && line.len() > hanging.len() {
                    s.push_str(line.trim_end());
                    s.push('\n');
                    line = hanging.to_string();
                }
                line.push_str(&word);
                if k + 1 < count {
                    line.push_str(", ");
                }
            }
            s.push_str(&line);
        } else {
            let line_sep = format!(",{}", "\n".repeat(self.rank() - axis - 1));
            let count = items.len();
            for (k, &item) in items.iter().enumerate() {
                s.push_str(hanging);
                s.push_str(&render(item));
                if k + 1 < count {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[hanging.len()..])
    }
}

/// How the elements of one array are formatted: a common width, and for
/// floats NumPy's `FloatingFormat` choices.
enum ElementFormat {
    Plain { width: usize, dtype: DType },
    Float(FloatFormat),
}

impl ElementFormat {
    fn new(dtype: DType, shown: &[Scalar]) -> ElementFormat {
        if dtype.is_float() {
            return ElementFormat::Float(FloatFormat::new(shown));
        }
        let width = shown.iter().map(|&s| plain(s).len()).max().unwrap_or(0);
        ElementFormat::Plain { width, dtype }
    }

    fn pad(&self, s: Scalar) -> String {
        match self {
            ElementFormat::Plain { width, dtype } => {
                debug_assert_eq!(s.dtype(), *dtype);
                format!("{:>width$}", plain(s))
            }
            ElementFormat::Float(f) => f.format(s.to_f64(), s.dtype() == DType::F32),
        }
    }
}

fn plain(s: Scalar) -> String {
    match s {
        Scalar::Bool(true) => "True".into(),
        Scalar::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// NumPy's default float format (`floatmode='maxprec'`, `precision=8`).
struct FloatFormat {
    exp: bool,
    pad_left: usize,
    pad_right: usize,
    /// Scientific mode: digits after the mantissa's point, and exponent digits.
    precision: usize,
    exp_digits: usize,
}

/// The shortest round-trip decimal digits of `x` (as f32 when `single`):
/// `(negative, digits, exponent)` with `x = 0.d1d2... × 10^(exponent + 1)`,
/// i.e. `d1.d2... × 10^exponent`.
fn scientific_parts(x: f64, single: bool, max_frac: usize) -> (String, i32) {
    let shortest = if single {
        format!("{:e}", x as f32)
    } else {
        format!("{x:e}")
    };
    let (mantissa, exp) = shortest.split_once('e').expect("`{:e}` has an exponent");
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let text = if frac > max_frac {
        if single {
            format!("{:.*e}", max_frac, x as f32)
        } else {
            format!("{x:.max_frac$e}")
        }
    } else {
        shortest.clone()
    };
    let (mantissa, exp_text) = text.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = if frac > max_frac {
        exp_text.parse().expect("exponent")
    } else {
        exp.parse().expect("exponent")
    };
    let mut mantissa = mantissa.to_string();
    if mantissa.contains('.') {
        while mantissa.ends_with('0') {
            mantissa.pop();
        }
    } else {
        mantissa.push('.');
    }
    (mantissa, exp)
}

/// Positional digits with at most `max_frac` decimals, trailing zeros trimmed, point kept.
fn positional(x: f64, single: bool, max_frac: usize) -> String {
    let shortest = if single {
        format!("{}", x as f32)
    } else {
        format!("{x}")
    };
    let frac = shortest.split_once('.').map_or(0, |(_, f)| f.len());
    let mut s = if frac > max_frac {
        if single {
            format!("{:.*}", max_frac, x as f32)
        } else {
            format!("{x:.max_frac$}")
        }
    } else {
        shortest
    };
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
    } else {
        s.push('.');
    }
    s
}

fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "nan"
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

impl FloatFormat {
    const PRECISION: usize = 8;

    fn new(shown: &[Scalar]) -> FloatFormat {
        let single = shown.first().is_some_and(|s| s.dtype() == DType::F32);
        let finite: Vec<f64> = shown
            .iter()
            .map(|s| s.to_f64())
            .filter(|x| x.is_finite())
            .collect();
        let non_zero: Vec<f64> = finite
            .iter()
            .map(|x| x.abs())
            .filter(|&x| x != 0.0)
            .collect();
        let exp = if non_zero.is_empty() {
            false
        } else {
            let max = non_zero.iter().copied().fold(f64::MIN, f64::max);
            let min = non_zero.iter().copied().fold(f64::MAX, f64::min);
            max >= 1e8 || min < 1e-4 || max / min > 1000.0
        };
        let mut f = FloatFormat {
            exp,
            pad_left: 0,
            pad_right: 0,
            precision: 0,
            exp_digits: 0,
        };
        if exp {
            for &x in &finite {
                let (mantissa, e) = scientific_parts(x, single, Self::PRECISION);
                let (int, frac) = mantissa.split_once('.').expect("mantissa has a point");
                f.pad_left = f.pad_left.max(int.len());
                f.precision = f.precision.max(frac.len());
                f.exp_digits = f.exp_digits.max(e.unsigned_abs().to_string().len().max(2));
            }
            f.pad_right = f.exp_digits + 2 + f.precision;
        } else {
            for &x in &finite {
                let s = positional(x, single, Self::PRECISION);
                let (int, frac) = s.split_once('.').expect("positional text has a point");
                f.pad_left = f.pad_left.max(int.len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        let specials = shown.iter().map(|s| s.to_f64()).filter(|x| !x.is_finite());
        for x in specials {
            let need = non_finite(x).len().saturating_sub(f.pad_right + 1);
            f.pad_left = f.pad_left.max(need);
        }
        f
    }

    fn format(&self, x: f64, single: bool) -> String {
        if !x.is_finite() {
            let s = non_finite(x);
            return format!("{s:>width$}", width = self.pad_left + self.pad_right + 1);
        }
        if self.exp {
            let (mantissa, e) = scientific_parts(x, single, Self::PRECISION);
            let (int, frac) = mantissa.split_once('.').expect("mantissa has a point");
            let sign = if e < 0 { '-' } else { '+' };
            format!(
                "{int:>pl$}.{frac:0<pr$}e{sign}{e:0>ed$}",
                pl = self.pad_left,
                pr = self.precision,
                e = e.unsigned_abs(),
                ed = self.exp_digits
            )
        } else {
            let s = positional(x, single, Self::PRECISION);
            let (int, frac) = s.split_once('.').expect("positional text has a point");
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::creation::{arange, arange_i, array, scalar, zeros};
    use expect_test::{Expect, expect};
    use heron_ir::DType;

    fn check(a: crate::Array, expected: Expect) {
        expected.assert_eq(&a.to_string());
    }

    #[test]
    fn integers_and_bools() {
        check(
            array(&[[0, 1, 2], [3, 4, 5]]),
            expect!["Array([[0, 1, 2], [3, 4, 5]], dtype=i32)"],
        );
        check(
            array(&[1, -10, 100]),
            expect!["Array([  1, -10, 100], dtype=i32)"],
        );
        check(
            array(&[true, false]),
            expect!["Array([ True, False], dtype=bool)"],
        );
        check(scalar(7u32), expect!["Array(7, dtype=u32)"]);
    }

    #[test]
    fn floats_like_numpy() {
        check(
            array(&[1.0f32, 2.5]),
            expect!["Array([1. , 2.5], dtype=f32)"],
        );
        check(
            array(&[0.0f32, 1.0, 2.0]),
            expect!["Array([0., 1., 2.], dtype=f32)"],
        );
        check(
            array(&[-1.0f64, 0.25]),
            expect!["Array([-1.  ,  0.25], dtype=f64)"],
        );
        check(
            array(&[1.0f32 / 3.0]),
            expect!["Array([0.33333334], dtype=f32)"],
        );
        check(
            array(&[1.0f64 / 3.0]),
            expect!["Array([0.33333333], dtype=f64)"],
        );
        check(
            array(&[1e-10f32, 1.0]),
            expect!["Array([1.e-10, 1.e+00], dtype=f32)"],
        );
        check(
            array(&[1.5e-10f64, 1.0]),
            expect!["Array([1.5e-10, 1.0e+00], dtype=f64)"],
        );
        check(
            array(&[f32::NAN, 1.5, f32::NEG_INFINITY]),
            expect!["Array([ nan,  1.5, -inf], dtype=f32)"],
        );
        check(scalar(3.0f32), expect!["Array(3., dtype=f32)"]);
        check(array(&[1e8f64]), expect!["Array([1.e+08], dtype=f64)"]);
    }

    #[test]
    fn empty_and_large() {
        check(zeros(&[0], DType::F32), expect!["Array([], dtype=f32)"]);
        check(
            zeros(&[0, 3], DType::I32),
            expect!["Array([], shape=[0, 3], dtype=i32)"],
        );
        check(
            arange_i(0, 2000, 1),
            expect!["Array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=i32)"],
        );
        check(
            arange(0.0, 24.0, 1.0).reshape(&[2, 3, 4]),
            expect![[r#"
                Array([[[ 0.,  1.,  2.,  3.],
                        [ 4.,  5.,  6.,  7.],
                        [ 8.,  9., 10., 11.]],

                       [[12., 13., 14., 15.],
                        [16., 17., 18., 19.],
                        [20., 21., 22., 23.]]], dtype=f32)"#]],
        );
        check(
            arange_i(0, 30, 1),
            expect![[r#"
                Array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,
                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29], dtype=i32)"#]],
        );
        check(
            arange_i(0, 2000, 1).reshape(&[40, 50]),
            expect![[r#"
                Array([[   0,    1,    2, ...,   47,   48,   49],
                       [  50,   51,   52, ...,   97,   98,   99],
                       [ 100,  101,  102, ...,  147,  148,  149],
                       ...,
                       [1850, 1851, 1852, ..., 1897, 1898, 1899],
                       [1900, 1901, 1902, ..., 1947, 1948, 1949],
                       [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=i32)"#]],
        );
    }

    #[test]
    fn variables_print_as_their_kind() {
        use crate::variable::{Parameter, TrainVar, VarKind, Variable};
        let v = Variable::new(array(&[0.33f32, 0.12]));
        expect!["Variable([0.33, 0.12], dtype=f32)"].assert_eq(&v.to_string());
        let t = TrainVar::new(array(&[[1, 2], [3, 4]]));
        expect![[r#"
            TrainVar([[1, 2],
                      [3, 4]], dtype=i32)"#]]
        .assert_eq(&format!("{t:#}"));
        let p = Parameter::new(scalar(2.5f64));
        expect!["Parameter(2.5, dtype=f64)"].assert_eq(&p.to_string());
        let m = Variable::with_kind(zeros(&[2], DType::F32), VarKind::custom("Momentum"));
        expect!["Momentum([0., 0.], dtype=f32)"].assert_eq(&m.to_string());
        let rng = crate::random::RandomState::new(1234);
        expect!["RandomState([   0, 1234], dtype=u32)"].assert_eq(&rng.to_string());
        let long = Variable::new(arange_i(0, 30, 1));
        expect![[r#"
            Variable([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
                      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
                     dtype=i32)"#]]
        .assert_eq(&long.to_string());
    }
}
