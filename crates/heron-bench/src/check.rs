//! Result checks: every variant's outputs are compared with the reference's
//! before anything is timed, and a mismatch stops the workload with an error
//! naming the variant, the output and the worst element.

use heron::{Array, DType};
use std::fmt;

/// The outputs of one run of a variant, in whatever form the variant makes
/// them; converted to `f64` only when checked.
pub enum Out {
    /// heron arrays (any dtype).
    Heron(Vec<Array>),
    /// Plain vectors.
    Vecs(Vec<Vec<f32>>),
    /// `ndarray` arrays.
    Nd(Vec<ndarray::ArrayD<f32>>),
    /// Scalars (a sum, a count).
    Scalars(Vec<f64>),
}

impl Out {
    /// The outputs as `f64` vectors, in order (bool is 0 or 1).
    pub fn values(&self) -> Vec<Vec<f64>> {
        match self {
            Out::Heron(arrays) => arrays.iter().map(array_values).collect(),
            Out::Vecs(vecs) => vecs
                .iter()
                .map(|v| v.iter().map(|&x| x as f64).collect())
                .collect(),
            Out::Nd(arrays) => arrays
                .iter()
                .map(|a| a.iter().map(|&x| x as f64).collect())
                .collect(),
            Out::Scalars(s) => s.iter().map(|&x| vec![x]).collect(),
        }
    }
}

fn array_values(a: &Array) -> Vec<f64> {
    match a.dtype() {
        DType::F64 => a.to_vec::<f64>(),
        DType::F32 => a.to_vec::<f32>().into_iter().map(f64::from).collect(),
        _ => a.astype(DType::F64).to_vec::<f64>(),
    }
}

/// How close an output must be to the reference's: element `i` passes when
/// `|got - want| <= atol + rtol * |want|` (two NaNs are equal), and at most
/// `mismatch` of the elements (a fraction) may fail, for outputs where a
/// rounding difference can flip a threshold (a spike).
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Fraction of elements allowed outside the tolerance.
    pub mismatch: f64,
}

impl Tol {
    /// Element-wise float results computed with the same operations.
    pub const ELEMENTWISE: Tol = Tol {
        rtol: 1e-5,
        atol: 1e-6,
        mismatch: 0.0,
    };

    /// Exact equality (integers, counts, random bits).
    pub const EXACT: Tol = Tol {
        rtol: 0.0,
        atol: 0.0,
        mismatch: 0.0,
    };

    /// A tolerance with the given relative and absolute parts.
    pub const fn close(rtol: f64, atol: f64) -> Tol {
        Tol {
            rtol,
            atol,
            mismatch: 0.0,
        }
    }

    /// This tolerance, letting a fraction `mismatch` of elements differ.
    pub const fn allowing(self, mismatch: f64) -> Tol {
        Tol { mismatch, ..self }
    }
}

/// How a variant's outputs are checked against the reference's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// Element by element, with the case's tolerances.
    Elements,
    /// The variant draws other random numbers from the same distribution:
    /// each output's mean and variance must lie within `sigmas` standard
    /// errors (of the difference of two samples) of the reference's.
    Moments {
        /// How many standard errors a moment may differ by.
        sigmas: f64,
    },
}

/// A variant whose result differs from the reference's.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which output (its position and name).
    pub output: String,
    /// What was wrong.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "output {}: {}", self.output, self.detail)
    }
}

/// Compares `got` with `want` output by output; `names` and `tols` give
/// each output's name and tolerance.
pub fn compare(
    names: &[&str],
    tols: &[Tol],
    want: &[Vec<f64>],
    got: &[Vec<f64>],
) -> Result<(), Mismatch> {
    if got.len() != want.len() {
        return Err(Mismatch {
            output: "*".into(),
            detail: format!("{} outputs, expected {}", got.len(), want.len()),
        });
    }
    for (k, (w, g)) in want.iter().zip(got).enumerate() {
        let name = names.get(k).copied().unwrap_or("?");
        let tol = tols.get(k).copied().unwrap_or(Tol::ELEMENTWISE);
        compare_one(tol, w, g).map_err(|detail| Mismatch {
            output: format!("{k} ({name})"),
            detail,
        })?;
    }
    Ok(())
}

/// Compares the mean and variance of each output of `got` with those of
/// `want` (samples of the same distribution, not the same numbers): each may
/// differ by at most `sigmas` standard errors of the difference.
pub fn compare_moments(
    names: &[&str],
    sigmas: f64,
    want: &[Vec<f64>],
    got: &[Vec<f64>],
) -> Result<(), Mismatch> {
    if got.len() != want.len() {
        return Err(Mismatch {
            output: "*".into(),
            detail: format!("{} outputs, expected {}", got.len(), want.len()),
        });
    }
    for (k, (w, g)) in want.iter().zip(got).enumerate() {
        let name = names.get(k).copied().unwrap_or("?");
        let fail = |detail: String| Mismatch {
            output: format!("{k} ({name})"),
            detail,
        };
        if w.len() < 2 || g.len() < 2 {
            return Err(fail(format!(
                "{} and {} elements: too few for moments",
                g.len(),
                w.len()
            )));
        }
        let (mw, vw, m4w) = moments(w);
        let (mg, vg, m4g) = moments(g);
        let (nw, ng) = (w.len() as f64, g.len() as f64);
        let se_mean = (vw / nw + vg / ng).sqrt();
        let se_var = ((m4w - vw * vw) / nw + (m4g - vg * vg) / ng).sqrt();
        for (what, x, y, se) in [("mean", mg, mw, se_mean), ("variance", vg, vw, se_var)] {
            let ok = (x - y).abs() <= sigmas * se;
            if !ok {
                return Err(fail(format!(
                    "{what} {x} vs the reference's {y}: differs by more than {sigmas} standard errors ({se})"
                )));
            }
        }
    }
    Ok(())
}

/// Mean, variance and fourth central moment of a sample.
fn moments(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for &v in x {
        let d2 = (v - mean) * (v - mean);
        m2 += d2;
        m4 += d2 * d2;
    }
    (mean, m2 / (n - 1.0), m4 / n)
}

fn compare_one(tol: Tol, want: &[f64], got: &[f64]) -> Result<(), String> {
    if want.len() != got.len() {
        return Err(format!("{} elements, expected {}", got.len(), want.len()));
    }
    let mut bad = 0usize;
    let mut worst: Option<(usize, f64)> = None;
    for (i, (&w, &g)) in want.iter().zip(got).enumerate() {
        if w.is_nan() && g.is_nan() || w == g {
            continue;
        }
        let err = (g - w).abs();
        let allowed = tol.atol + tol.rtol * w.abs();
        if err <= allowed {
            continue;
        }
        bad += 1;
        let excess = if err.is_nan() {
            f64::INFINITY
        } else {
            err / allowed.max(f64::MIN_POSITIVE)
        };
        if worst.is_none_or(|(_, e)| excess > e) {
            worst = Some((i, excess));
        }
    }
    let allowed_bad = (tol.mismatch * want.len() as f64).floor() as usize;
    match worst {
        Some((i, _)) if bad > allowed_bad => Err(format!(
            "{bad} of {} elements differ (allowed {allowed_bad}); worst at [{i}]: got {}, expected {} (rtol {}, atol {})",
            want.len(),
            got[i],
            want[i],
            tol.rtol,
            tol.atol
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_and_mismatch_fractions() {
        let want = vec![vec![1.0, 2.0, f64::NAN, 4.0]];
        let close = vec![vec![1.0 + 1e-7, 2.0, f64::NAN, 4.0]];
        assert!(compare(&["z"], &[Tol::ELEMENTWISE], &want, &close).is_ok());
        let off = vec![vec![1.0, 2.5, f64::NAN, 4.0]];
        let err = compare(&["z"], &[Tol::ELEMENTWISE], &want, &off).unwrap_err();
        assert!(err.to_string().contains("[1]"), "{err}");
        let loose = Tol::ELEMENTWISE.allowing(0.25);
        assert!(compare(&["z"], &[loose], &want, &off).is_ok());
        let nan = vec![vec![1.0, f64::NAN, f64::NAN, 4.0]];
        assert!(compare(&["z"], &[Tol::ELEMENTWISE], &want, &nan).is_err());
    }

    #[test]
    fn moments_of_samples_of_one_distribution() {
        // Two interleaved halves of one evenly spread sample on [0, 1).
        let n = 10_000;
        let a: Vec<f64> = (0..n).map(|i| (2 * i) as f64 / (2 * n) as f64).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (2 * i + 1) as f64 / (2 * n) as f64)
            .collect();
        assert!(compare_moments(&["u"], 6.0, std::slice::from_ref(&a), &[b]).is_ok());
        let shifted: Vec<f64> = a.iter().map(|x| x + 0.05).collect();
        let err = compare_moments(&["u"], 6.0, std::slice::from_ref(&a), &[shifted]).unwrap_err();
        assert!(err.to_string().contains("mean"), "{err}");
        let squeezed: Vec<f64> = a.iter().map(|x| 0.25 + x / 2.0).collect();
        let err = compare_moments(&["u"], 6.0, &[a], &[squeezed]).unwrap_err();
        assert!(err.to_string().contains("variance"), "{err}");
    }

    #[test]
    fn converts_every_form() {
        let h = Out::Heron(vec![heron::array(&[true, false])]);
        assert_eq!(h.values(), vec![vec![1.0, 0.0]]);
        let v = Out::Vecs(vec![vec![1.5f32]]);
        assert_eq!(v.values(), vec![vec![1.5]]);
        let s = Out::Scalars(vec![2.0, 3.0]);
        assert_eq!(s.values(), vec![vec![2.0], vec![3.0]]);
    }
}
