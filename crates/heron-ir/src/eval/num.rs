//! NumPy's arithmetic on numbers: `Num` (integers wrapping, floor division,
//! divisor-signed remainder, pairwise float sums) and `Float` (the
//! transcendental functions), implemented for i32, i64, u32, f32 and f64.

use super::elem::Elem;

/// A number (integer or float): NumPy's arithmetic, integers wrapping.
pub(crate) trait Num: Elem {
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// `a + b`.
    fn add(self, b: Self) -> Self;
    /// `a - b`.
    fn sub(self, b: Self) -> Self;
    /// `a * b`.
    fn mul(self, b: Self) -> Self;
    /// Integers: floor division, `x // 0 == 0`. Floats: IEEE division.
    fn div(self, b: Self) -> Self;
    /// NumPy's remainder (sign of the divisor; `x % 0` is 0 or NaN).
    fn rem(self, b: Self) -> Self;
    /// `a ** b`.
    fn pow(self, b: Self) -> Self;
    /// `-a`.
    fn neg(self) -> Self;
    /// `|a|`.
    fn abs(self) -> Self;
    /// -1, 0 or 1 (NaN stays NaN, ±0 gives +0).
    fn sign(self) -> Self;
    /// Round toward -inf.
    fn floor(self) -> Self;
    /// Round toward +inf.
    fn ceil(self) -> Self;
    /// Round half to even.
    fn round(self) -> Self;
    /// Round toward zero.
    fn trunc(self) -> Self;
    /// True for ±inf.
    fn is_inf(self) -> bool;
    /// The sum of a run of elements (pairwise for floats, as NumPy).
    fn sum_run(run: &[Self]) -> Self;
}

/// Integer powers by squaring, wrapping; `exp` is non-negative.
macro_rules! pow_by_squaring {
    ($base:expr, $exp:expr) => {{
        let (mut base, mut exp): (Self, Self) = ($base, $exp);
        let mut acc: Self = 1;
        while exp > 0 {
            if exp & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            exp >>= 1;
        }
        acc
    }};
}

macro_rules! int_common {
    ($t:ty) => {
        const ZERO: Self = 0;
        const ONE: Self = 1;
        fn add(self, b: Self) -> Self {
            self.wrapping_add(b)
        }
        fn sub(self, b: Self) -> Self {
            self.wrapping_sub(b)
        }
        fn mul(self, b: Self) -> Self {
            self.wrapping_mul(b)
        }
        fn neg(self) -> Self {
            self.wrapping_neg()
        }
        fn floor(self) -> Self {
            self
        }
        fn ceil(self) -> Self {
            self
        }
        fn round(self) -> Self {
            self
        }
        fn trunc(self) -> Self {
            self
        }
        fn is_inf(self) -> bool {
            false
        }
        fn sum_run(run: &[Self]) -> Self {
            run.iter().fold(0, |acc: $t, &x| acc.wrapping_add(x))
        }
    };
}

macro_rules! signed_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            int_common!($t);
            fn div(self, b: Self) -> Self {
                if b == 0 {
                    return 0;
                }
                let (q, r) = (self.wrapping_div(b), self.wrapping_rem(b));
                if r != 0 && ((r < 0) != (b < 0)) { q - 1 } else { q }
            }
            fn rem(self, b: Self) -> Self {
                if b == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(b);
                if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r }
            }
            fn pow(self, b: Self) -> Self {
                if b < 0 {
                    return match self {
                        1 => 1,
                        -1 => if b & 1 == 1 { -1 } else { 1 },
                        _ => 0,
                    };
                }
                pow_by_squaring!(self, b)
            }
            fn abs(self) -> Self {
                self.wrapping_abs()
            }
            fn sign(self) -> Self {
                self.signum()
            }
        }
    )*};
}
signed_num!(i32, i64);

impl Num for u32 {
    int_common!(u32);
    fn div(self, b: Self) -> Self {
        self.checked_div(b).unwrap_or(0)
    }
    fn rem(self, b: Self) -> Self {
        self.checked_rem(b).unwrap_or(0)
    }
    fn pow(self, b: Self) -> Self {
        pow_by_squaring!(self, b)
    }
    fn abs(self) -> Self {
        self
    }
    fn sign(self) -> Self {
        (self != 0) as u32
    }
}

/// NumPy's pairwise summation (`pairwise_sum` in its loops): eight partial
/// sums over blocks of up to 128 elements, halves recursively above that.
macro_rules! pairwise_sum {
    ($t:ty) => {
        fn sum_run(run: &[Self]) -> Self {
            fn pairwise(a: &[$t]) -> $t {
                let n = a.len();
                if n < 8 {
                    let mut res = 0.0;
                    for &x in a {
                        res += x;
                    }
                    res
                } else if n <= 128 {
                    let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
                    let blocks = n - n % 8;
                    let mut i = 8;
                    while i < blocks {
                        for k in 0..8 {
                            r[k] += a[i + k];
                        }
                        i += 8;
                    }
                    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                    for &x in &a[blocks..] {
                        res += x;
                    }
                    res
                } else {
                    let half = n / 2;
                    let half = half - half % 8;
                    pairwise(&a[..half]) + pairwise(&a[half..])
                }
            }
            // NumPy starts from the identity +0.0, so a sum of -0.0s is +0.0.
            0.0 + pairwise(run)
        }
    };
}

macro_rules! float_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            fn add(self, b: Self) -> Self {
                self + b
            }
            fn sub(self, b: Self) -> Self {
                self - b
            }
            fn mul(self, b: Self) -> Self {
                self * b
            }
            fn div(self, b: Self) -> Self {
                self / b
            }
            fn rem(self, b: Self) -> Self {
                // numpy's npy_divmod: fmod, then move into the divisor's sign.
                let m = self % b;
                if b == 0.0 {
                    m
                } else if m != 0.0 {
                    if (b < 0.0) != (m < 0.0) { m + b } else { m }
                } else {
                    (0.0 as $t).copysign(b)
                }
            }
            fn pow(self, b: Self) -> Self {
                self.powf(b)
            }
            fn neg(self) -> Self {
                -self
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn sign(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else if self == 0.0 {
                    0.0
                } else {
                    self
                }
            }
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            fn round(self) -> Self {
                self.round_ties_even()
            }
            fn trunc(self) -> Self {
                <$t>::trunc(self)
            }
            fn is_inf(self) -> bool {
                <$t>::is_infinite(self)
            }
            pairwise_sum!($t);
        }
    )*};
}
float_num!(f32, f64);

/// A float: the transcendental functions (std's or libm's, correctly
/// rounded or close).
pub(crate) trait Float: Num {
    /// Square root.
    fn sqrt(self) -> Self;
    /// `1 / sqrt(x)`.
    fn rsqrt(self) -> Self;
    /// `e^x`.
    fn exp(self) -> Self;
    /// `2^x`.
    fn exp2(self) -> Self;
    /// `e^x - 1`.
    fn expm1(self) -> Self;
    /// Natural logarithm.
    fn log(self) -> Self;
    /// Base-2 logarithm.
    fn log2(self) -> Self;
    /// Base-10 logarithm.
    fn log10(self) -> Self;
    /// `ln(1 + x)`.
    fn log1p(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Tangent.
    fn tan(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Inverse sine.
    fn arcsin(self) -> Self;
    /// Inverse cosine.
    fn arccos(self) -> Self;
    /// Inverse tangent.
    fn arctan(self) -> Self;
    /// Inverse hyperbolic sine.
    fn arcsinh(self) -> Self;
    /// Inverse hyperbolic cosine.
    fn arccosh(self) -> Self;
    /// Inverse hyperbolic tangent.
    fn arctanh(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// `1 / (1 + e^-x)`, computed without overflow for large |x|.
    fn sigmoid(self) -> Self;
    /// `1 / x`.
    fn reciprocal(self) -> Self;
    /// `atan2(self, x)`.
    fn atan2(self, x: Self) -> Self;
    /// `sqrt(self² + x²)` (C's `hypot`).
    fn hypot(self, x: Self) -> Self;
    /// `log(e^self + e^x)`, as NumPy computes it.
    fn logaddexp(self, x: Self) -> Self;
}

macro_rules! float_fns {
    ($($t:ty: $log10:path, $asinh:path, $acosh:path, $atanh:path, $erf:path, $hypot:path;)*) => {$(
        impl Float for $t {
            fn sqrt(self) -> Self { <$t>::sqrt(self) }
            fn rsqrt(self) -> Self { 1.0 / <$t>::sqrt(self) }
            fn exp(self) -> Self { <$t>::exp(self) }
            fn exp2(self) -> Self { <$t>::exp2(self) }
            fn expm1(self) -> Self { <$t>::exp_m1(self) }
            fn log(self) -> Self { <$t>::ln(self) }
            fn log2(self) -> Self { <$t>::log2(self) }
            fn log10(self) -> Self { $log10(self) }
            fn log1p(self) -> Self { <$t>::ln_1p(self) }
            fn sin(self) -> Self { <$t>::sin(self) }
            fn cos(self) -> Self { <$t>::cos(self) }
            fn tan(self) -> Self { <$t>::tan(self) }
            fn tanh(self) -> Self { <$t>::tanh(self) }
            fn sinh(self) -> Self { <$t>::sinh(self) }
            fn cosh(self) -> Self { <$t>::cosh(self) }
            fn arcsin(self) -> Self { <$t>::asin(self) }
            fn arccos(self) -> Self { <$t>::acos(self) }
            fn arctan(self) -> Self { <$t>::atan(self) }
            fn arcsinh(self) -> Self { $asinh(self) }
            // libm's acosh reflects negative arguments; NumPy's is NaN below 1.
            fn arccosh(self) -> Self { if self < 1.0 { <$t>::NAN } else { $acosh(self) } }
            fn arctanh(self) -> Self { $atanh(self) }
            fn erf(self) -> Self { $erf(self) }
            fn sigmoid(self) -> Self {
                if self >= 0.0 {
                    1.0 / (1.0 + <$t>::exp(-self))
                } else {
                    let e = <$t>::exp(self);
                    e / (1.0 + e)
                }
            }
            fn reciprocal(self) -> Self { 1.0 / self }
            fn atan2(self, x: Self) -> Self { <$t>::atan2(self, x) }
            fn hypot(self, x: Self) -> Self { $hypot(self, x) }
            fn logaddexp(self, x: Self) -> Self {
                // npy_logaddexp: equal operands (infinities included) first.
                if self == x {
                    return self + std::f64::consts::LN_2 as $t;
                }
                let d = self - x;
                if d > 0.0 {
                    self + <$t>::ln_1p(<$t>::exp(-d))
                } else if d <= 0.0 {
                    x + <$t>::ln_1p(<$t>::exp(d))
                } else {
                    d
                }
            }
        }
    )*};
}
// The functions std lacks (erf), or computes less accurately near the
// ends of their domains (acosh near 1), come from `libm` (musl's), as do
// their neighbours, so each op has one source.
float_fns! {
    f32: libm::log10f, libm::asinhf, libm::acoshf, libm::atanhf, libm::erff, libm::hypotf;
    f64: libm::log10, libm::asinh, libm::acosh, libm::atanh, libm::erf, libm::hypot;
}

/// `eval`'s scalar rules that the backend's runtime helpers call, so that
/// compiled code computes them with this very code: NumPy's float
/// remainder and wrapping integer powers.
pub mod scalar {
    use super::Num;

    macro_rules! scalar_fns {
        ($($name:ident: $t:ty => $op:ident;)*) => {$(
            /// `eval`'s op on two scalars of this type.
            #[inline]
            pub fn $name(a: $t, b: $t) -> $t {
                Num::$op(a, b)
            }
        )*};
    }

    scalar_fns! {
        rem_f32: f32 => rem;
        rem_f64: f64 => rem;
        pow_i32: i32 => pow;
        pow_i64: i64 => pow;
        pow_u32: u32 => pow;
    }
}
