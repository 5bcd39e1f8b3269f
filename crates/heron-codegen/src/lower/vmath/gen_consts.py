"""Generates consts.rs: near-minimax (Chebyshev) polynomial coefficients for
heron's inline vector math, fitted in 150-digit arithmetic with mpmath.

Run: python3 gen_consts.py > consts.rs && rustfmt --edition 2024 consts.rs
"""
from mpmath import mp, mpf, sqrt, sin, cos, tan, atan, asin, sinh, exp, log, atanh, pi, chebyfit, polyval, erf, erfc
import struct

mp.dps = 150


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def fit(f, a, b, target, weight, max_n=40):
    """Smallest-degree fit of f on [a, b] whose weighted error is below target."""
    # Near 0 every f here is a 0/0 form: chebyfit also samples points a few
    # ulps from 0 (the midpoint of a symmetric interval), where it would
    # cancel to garbage, so those take the value at 1e-30 instead.
    tiny = mpf(10) ** -30
    g = lambda t: f(t) if abs(t) > tiny else f(tiny)
    for n in range(2, max_n):
        poly, err = chebyfit(g, [a, b], n, error=True)
        if err * weight < target:
            return [p for p in reversed(poly)], err
    raise SystemExit(f"no fit for {f}")


LN2_HALF = log(2) / 2 * mpf("1.02")
ERFC_MID = mpf(9) / 16
FITS = {
    # name: (function of t, interval, weight = size of the term relative to the result)
    "EXP": (lambda r: (exp(r) - 1 - r) / r**2, -LN2_HALF, LN2_HALF, LN2_HALF**2),
    "EXP2": (lambda r: (mpf(2) ** r - 1) / r, mpf("-0.51"), mpf("0.51"), mpf("0.51")),
    "LOG": (lambda z: (2 * atanh(sqrt(z)) - 2 * sqrt(z)) / (z * sqrt(z)), mpf(0), (mpf("0.1716"))**2 * mpf("1.01"), mpf("0.03") * 2),
    "SIN": (lambda z: (sin(sqrt(z)) - sqrt(z)) / (z * sqrt(z)), mpf(0), (pi / 4 * mpf("1.025")) ** 2, (pi / 4) ** 2),
    "COS": (lambda z: (cos(sqrt(z)) - 1 + z / 2) / z**2, mpf(0), (pi / 4 * mpf("1.025")) ** 2, (pi / 4) ** 4),
    "ATAN": (lambda z: (atan(sqrt(z)) - sqrt(z)) / (z * sqrt(z)), mpf(0), (sqrt(2) - 1) ** 2 * mpf("1.01"), mpf("0.1716")),
    "ASIN": (lambda z: (asin(sqrt(z)) - sqrt(z)) / (z * sqrt(z)), mpf(0), mpf("0.2501"), mpf("0.25")),
    "SINH": (lambda z: (sinh(sqrt(z)) - sqrt(z)) / (z * sqrt(z)), mpf(0), mpf("1.0001"), mpf(1)),
    # erf x = x (2/sqrt(pi) + z P(z)), z = x^2 < 1.
    "ERF": (lambda z: (erf(sqrt(z)) / sqrt(z) - 2 / sqrt(pi)) / z, mpf(0), mpf("1.0001"), mpf("0.3")),
    # erfc a = e^(-a^2) Q(w), w = 1/a - 9/16 for 1/a in [1/6, 1] (centred,
    # so the coefficients stay small); the weight is the largest
    # e^(-a^2) / erf(a) (at a = 1): the error of erfc is absolute in erf.
    "ERFC": (lambda w: erfc(1 / (w + ERFC_MID)) * exp(1 / (w + ERFC_MID)**2), mpf(1) / 6 * mpf("0.999") - ERFC_MID, mpf("1.0001") - ERFC_MID, mpf("0.44")),
}

TARGET = {"F32": mpf(2) ** -28, "F64": mpf(2) ** -58}


def split(c, bits, total):
    """c as a sum of `total` floats of which all but the last have `bits` bits."""
    parts = []
    rest = mpf(c)
    for i in range(total):
        if i == total - 1:
            parts.append(float(rest))
        else:
            e = mp.floor(mp.log(abs(rest), 2))
            q = mpf(2) ** (e - bits + 1)
            h = mp.nint(rest / q) * q
            parts.append(float(h))
            rest -= h
    return parts


def fit_exp_relative(n):
    """`e^r = 1 + r + r^2 P(r)` with P of `n` coefficients, minimising the
    largest error relative to `e^r` on |r| <= 1.02 ln2/2 (not P's own
    error, as `fit` does): Lawson's iteratively reweighted least squares on
    Chebyshev nodes, in f64, whose precision is far below the fit's error.
    With FMA, f32 `exp` evaluates `1 + r (1 + r P(r))`, two fused steps
    whose roundings leave room for a P of five coefficients."""
    import numpy as np

    half = float(LN2_HALF)
    r = np.cos(np.linspace(0, np.pi, 4001)) * half
    r = r[np.abs(r) > 1e-9]
    t = np.exp(r)
    a = np.stack([r ** (2 + k) for k in range(n)], 1) / t[:, None]
    b = (np.expm1(r) - r) / t
    w = np.ones_like(r)
    for _ in range(200):
        c, *_ = np.linalg.lstsq(a * w[:, None], b * w, rcond=None)
        e = np.abs(a @ c - b)
        w = w * np.sqrt(e / e.max()) + 1e-12
        w /= w.max()
    return [float(x) for x in c], float(e.max())


TANH_CLAMP = 9.5


def fit_tanh_rational(n_p, n_q):
    """`tanh a = a P(z) / Q(z)`, `z = a^2`, on `0 <= a <= TANH_CLAMP` (past
    which f32 `tanh` rounds to 1), with `P(0) = Q(0) = 1` (so tiny `a`
    gives `a` exactly) and `n_p`, `n_q` coefficients, minimising the largest
    error relative to `tanh a`: Lawson's iteratively reweighted least
    squares on the linearised residual `(P - f Q) / (f Q_prev)`, `f = tanh(a)
    / a`, in a scaled variable `z / TANH_CLAMP^2` and f64 (the fit's error,
    about 1e-9, is far above f64's precision). f32 `tanh` evaluates it in
    f64 arithmetic, so the coefficients stay f64."""
    import numpy as np

    a = (np.cos(np.linspace(0, np.pi, 8001)) + 1) * (TANH_CLAMP / 2)
    a = a[a > 1e-6]
    f = np.tanh(a) / a
    s = TANH_CLAMP**2
    zs = a * a / s
    q_prev = np.ones_like(a)
    w = np.ones_like(a)
    for _ in range(400):
        cols = [zs**k for k in range(1, n_p)] + [-f * zs**k for k in range(1, n_q)]
        m = np.stack(cols, 1) / (f * q_prev)[:, None]
        rhs = (f - 1) / (f * q_prev)
        c, *_ = np.linalg.lstsq(m * w[:, None], rhs * w, rcond=None)
        p = np.concatenate([[1.0], c[: n_p - 1]])
        q = np.concatenate([[1.0], c[n_p - 1 :]])
        q_prev = np.polyval(q[::-1], zs)
        e = np.abs(np.polyval(p[::-1], zs) / q_prev - f) / f
        w = w * np.sqrt(e / e.max()) + 1e-14
        w /= w.max()
    p = p / s ** np.arange(n_p)
    q = q / s ** np.arange(n_q)
    return [float(x) for x in p], [float(x) for x in q], float(e.max())


def main():
    print("//! Polynomial coefficients and split constants of the vector math")
    print("//! library, lowest degree first. Generated by `gen_consts.py` (mpmath,")
    print("//! Chebyshev fits in 150-digit arithmetic); do not edit by hand.")
    print("//! Values that happen to be close to `LN_2` or `FRAC_PI_2` are fitted")
    print("//! coefficients and split parts, not those constants.")
    print()
    print("#![allow(clippy::approx_constant)]")
    print()
    for prec, conv in (("F32", f32), ("F64", float)):
        for name, (f, a, b, w) in FITS.items():
            coeffs, err = fit(f, a, b, TARGET[prec], w)
            ty = "f32" if prec == "F32" else "f64"
            print(f"/// `{name.lower()}` kernel polynomial ({ty}), fit error {float(err):.2e}.")
            print(f"pub const {name}_{prec}: [f64; {len(coeffs)}] = [")
            for c in coeffs:
                print(f"    {conv(c)!r},")
            print("];")
    coeffs, err = fit_exp_relative(5)
    print(f"/// `exp` kernel polynomial (f32) for FMA targets, relative error {err:.2e}.")
    print(f"pub const EXP_FMA_F32: [f64; {len(coeffs)}] = [")
    for c in coeffs:
        print(f"    {f32(c)!r},")
    print("];")
    p, q, err = fit_tanh_rational(6, 5)
    print(f"/// f32 `tanh` on |x| <= {TANH_CLAMP}: `a P(a^2) / Q(a^2)`, evaluated in f64;")
    print(f"/// relative error {err:.2e}. Numerator `P`.")
    print(f"pub const TANH_P_F32: [f64; {len(p)}] = [")
    for c in p:
        print(f"    {c!r},")
    print("];")
    print("/// Denominator `Q` of `TANH_P_F32`'s rational function.")
    print(f"pub const TANH_Q_F32: [f64; {len(q)}] = [")
    for c in q:
        print(f"    {c!r},")
    print("];")
    print("/// The clamp of f32 `tanh`'s argument: past it the result rounds to 1.")
    print(f"pub const TANH_CLAMP_F32: f64 = {TANH_CLAMP!r};")
    # Cody-Waite splits: parts with few bits so that k * part is exact.
    print("/// ln 2 in three parts (f32): the first two have 12 bits.")
    print(f"pub const LN2_F32: [f64; 3] = {[f32(x) for x in split(log(2), 12, 3)]};")
    print("/// ln 2 in three parts (f64): the first two have 32 bits.")
    print(f"pub const LN2_F64: [f64; 3] = {split(log(2), 32, 3)};")
    # With FMA, `x - k*hi` is exact for a 24-bit (53-bit) `hi`: two parts do.
    print("/// ln 2 in two parts (f32), for reductions whose products are fused.")
    print(f"pub const LN2_FMA_F32: [f64; 2] = {[f32(x) for x in split(log(2), 24, 2)]};")
    print("/// ln 2 in two parts (f64), for reductions whose products are fused.")
    print(f"pub const LN2_FMA_F64: [f64; 2] = {split(log(2), 53, 2)};")
    print("/// pi/2 as a sum of four f32s.")
    print(f"pub const PIO2_F32: [f64; 4] = {[f32(x) for x in split(pi / 2, 24, 4)]};")
    print("/// pi/2 as a sum of four f64s.")
    print(f"pub const PIO2_F64: [f64; 4] = {split(pi / 2, 53, 4)};")


main()
