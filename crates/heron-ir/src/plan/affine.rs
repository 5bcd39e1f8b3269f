//! `Affine`: an index map affine in the iteration index, with the few
//! operations scheduling composes maps with and its printed form (`3*i0 + i1`).

use crate::Shape;
use smallvec::SmallVec;
use std::fmt::{self, Write};

/// An affine function of the iteration index: `offset + Σ coefs[k]·i[k]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Affine {
    /// The constant term.
    pub offset: i64,
    /// One coefficient per iteration axis.
    pub coefs: SmallVec<[i64; 4]>,
}

impl Affine {
    /// The constant `offset` over `rank` iteration axes.
    pub fn constant(rank: usize, offset: i64) -> Affine {
        Affine {
            offset,
            coefs: SmallVec::from_elem(0, rank),
        }
    }

    /// The iteration index along `axis`.
    pub fn axis(rank: usize, axis: usize) -> Affine {
        let mut a = Affine::constant(rank, 0);
        a.coefs[axis] = 1;
        a
    }

    /// `self * k + c`.
    pub fn scale_add(&self, k: i64, c: i64) -> Affine {
        Affine {
            offset: self.offset * k + c,
            coefs: self.coefs.iter().map(|x| x * k).collect(),
        }
    }

    /// `self + other * k`.
    pub fn add_scaled(&self, other: &Affine, k: i64) -> Affine {
        Affine {
            offset: self.offset + other.offset * k,
            coefs: self
                .coefs
                .iter()
                .zip(&other.coefs)
                .map(|(a, b)| a + b * k)
                .collect(),
        }
    }

    /// The linear (row-major) index into an array of `shape` whose multi-index
    /// along each axis is given by `index`.
    pub fn linearize(index: &[Affine], shape: &Shape, rank: usize) -> Affine {
        let strides = shape.strides();
        index
            .iter()
            .zip(strides.iter())
            .fold(Affine::constant(rank, 0), |acc, (a, &s)| {
                acc.add_scaled(a, s as i64)
            })
    }

    /// The row-major identity map over an iteration space of `shape`.
    pub fn row_major(shape: &Shape) -> Affine {
        let strides = shape.strides();
        Affine {
            offset: 0,
            coefs: strides.iter().map(|&s| s as i64).collect(),
        }
    }
}

impl fmt::Display for Affine {
    /// `3*i0 + i1 - 2*i2 + 5`, or `0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (k, &c) in self.coefs.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let sign = if c < 0 { "-" } else { "+" };
            if out.is_empty() {
                if c < 0 {
                    out.push('-');
                }
            } else {
                write!(out, " {sign} ")?;
            }
            if c.abs() != 1 {
                write!(out, "{}*", c.abs())?;
            }
            write!(out, "i{k}")?;
        }
        if out.is_empty() {
            write!(out, "{}", self.offset)?;
        } else if self.offset != 0 {
            let sign = if self.offset < 0 { "-" } else { "+" };
            write!(out, " {sign} {}", self.offset.abs())?;
        }
        f.write_str(&out)
    }
}
