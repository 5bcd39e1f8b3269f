#!/usr/bin/env python3
"""The peers a user would pick instead of heron -- NumPy, JAX (jit and
fori_loop) and Numba (@njit) -- on the workloads of heron's BENCHMARKS.md,
with the same inputs (drawn with jax.random from the keys heron uses, which
heron's generator reproduces bit for bit) and the same timing rules: a
checked first run, a warm-up, at least five timed repetitions, the median and
the minimum, and ratios to the reference of the case (NumPy, the eager peer).
Prints one JSON document on stdout (`heron bench --peers` runs this script
and prints the medians beside heron's).

JAX and Numba are optional: without Numba its rows are left out; without
JAX its rows (and W6, which times JAX's compiler) are left out and the inputs
are drawn with NumPy's generator instead (other numbers from the same
distributions; the document's "inputs" field says which).

W9 (the MLP training step) runs `mlp_step_jax.py`'s step (JAX with optax).
W8 (the COBA E/I network) runs BrainPy and Brian2 in their own Python
environments through `coba_peers.py` (HERON_PEER_PYTHON_BRAINPY,
HERON_PEER_PYTHON_BRIAN2; a peer whose variable is unset is left out).

    python3 benches/peers/run_all.py [W1 W2 ...] [--quick] [--reps N]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("XLA_FLAGS", "")
try:
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_threefry_partitionable", True)
except ImportError:  # jax is optional: the NumPy and Numba peers run without it
    jax = None

try:
    import numba
    from numba import njit, prange
except ImportError:  # numba is optional
    numba = None

F32 = np.float32


def sizes(quick):
    q = 16 if quick else 1
    return dict(
        w1=(1 << 24) // q,
        w2=(1_000_000 // q, 100),
        w3=(100_000 // q, 100),
        w4=(4096 // 4, 4096 // 4) if quick else (4096, 4096),
        w5=(1 << 24) // q,
        quick=quick,
    )


def block(x):
    if hasattr(x, "block_until_ready"):
        x.block_until_ready()
    elif isinstance(x, (tuple, list)):
        for y in x:
            block(y)
    return x


def time_runs(fn, reps, reset=None, warmup=1):
    for _ in range(warmup):
        if reset:
            reset()
        block(fn())
    samples = []
    for _ in range(reps):
        if reset:
            reset()
        t = time.perf_counter()
        block(fn())
        samples.append(time.perf_counter() - t)
    return dict(median_s=statistics.median(samples), min_s=min(samples), reps=reps)


def check(case, name, want, got, rtol=1e-5, atol=1e-6, mismatch=0.0):
    for k, (w, g) in enumerate(zip(want, got)):
        w = np.asarray(w, dtype=np.float64)
        g = np.asarray(g, dtype=np.float64)
        if w.shape != g.shape:
            raise SystemExit(f"{case}: {name}: output {k} has shape {g.shape}, expected {w.shape}")
        bad = ~(np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True))
        if bad.sum() > mismatch * w.size:
            i = int(np.argmax(bad.ravel()))
            raise SystemExit(
                f"{case}: {name}: output {k}: {int(bad.sum())} of {w.size} elements differ; "
                f"first at {i}: got {g.ravel()[i]}, expected {w.ravel()[i]}"
            )


def run_case(case, variants, reps, tol=None, reset=None):
    """variants: list of (name, fn, outputs_fn or None). The first is the reference."""
    tol = tol or {}
    rows = []
    want = None
    for name, fn, outputs in variants:
        if reset:
            reset()
        out = block(fn())
        got = outputs() if outputs else (out if isinstance(out, (tuple, list)) else [out])
        got = [np.asarray(g) for g in got]
        if want is None:
            want = got
        else:
            check(case, name, want, got, **tol)
        rows.append(dict(variant=name, **time_runs(fn, reps, reset)))
    ref = rows[0]["median_s"]
    for r in rows:
        r["ratio"] = r["median_s"] / ref
    return dict(id=case, reference=rows[0]["variant"], rows=rows)


def key(seed):
    return jax.random.PRNGKey(seed)


def normal(seed, shape, mean=0.0, std=1.0):
    """float32 normals: JAX's from heron's key, else NumPy's (other numbers)."""
    if jax:
        x = jax.random.normal(key(seed), shape, jnp.float32)
        return np.asarray(x if (mean, std) == (0.0, 1.0) else x * std + mean)
    x = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    return x if (mean, std) == (0.0, 1.0) else x * F32(std) + F32(mean)


def uniform(seed, shape, lo=0.0, hi=1.0):
    """float32 uniforms on [lo, hi): JAX's from heron's key, else NumPy's."""
    if jax:
        return np.asarray(jax.random.uniform(key(seed), shape, jnp.float32, lo, hi))
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(F32)


# ---------------------------------------------------------------- W1
def w1(sz, reps):
    n = sz["w1"]
    x = normal(1, (n,))
    y = uniform(2, (n,))
    f = lambda x, y: (x * F32(2) + y) * (x - F32(0.5)) / (y + F32(1))  # noqa: E731
    variants = [("numpy", lambda: f(x, y), None)]
    if jax:
        jf = jax.jit(f)
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        variants.append(("jax jit", lambda: jf(xj, yj), None))
    if numba:
        nf = njit(fastmath=False)(lambda x, y: (x * F32(2) + y) * (x - F32(0.5)) / (y + F32(1)))

        @njit(parallel=True)
        def npar(x, y):
            z = np.empty_like(x)
            for i in prange(x.size):
                z[i] = (x[i] * F32(2) + y[i]) * (x[i] - F32(0.5)) / (y[i] + F32(1))
            return z

        variants += [("numba njit", lambda: nf(x, y), None), ("numba parallel", lambda: npar(x, y), None)]
    return [run_case("W1", variants, reps)]


# ---------------------------------------------------------------- W2
DT, V_REST, V_RESET, V_TH, R, TAU, T_NEVER = F32(0.1), F32(-65), F32(-68), F32(-50), F32(1), F32(10), F32(-1e7)


def lif_step(v, t_last, i, t, xp):
    v = v + DT * (-(v - V_REST) + i * R) / TAU
    spike = v >= V_TH
    return xp.where(spike, V_RESET, v), xp.where(spike, t, t_last), spike


def w2_jax(n, steps, i, st, outputs):
    """JAX's W2 variants: 100 calls of a jitted step, and one fori_loop."""
    ij = jnp.asarray(i)
    jstep = jax.jit(lambda v, tl, t: lif_step(v, tl, ij, t, jnp), donate_argnums=(0, 1))
    times = [jnp.asarray(F32(s) * DT) for s in range(steps)]

    def jax_steps():
        v, tl = jnp.asarray(st["v"]), jnp.asarray(st["t_last"])
        for t in times:
            v, tl, sp = jstep(v, tl, t)
        st["v"], st["t_last"], st["spike"] = v, tl, sp
        return v

    @jax.jit
    def jloop(v, tl):
        def body(s, c):
            v, tl, _ = c
            return lif_step(v, tl, ij, s.astype(jnp.float32) * DT, jnp)

        return lax.fori_loop(0, steps, body, (v, tl, jnp.zeros(n, bool)))

    def jax_loop():
        st["v"], st["t_last"], st["spike"] = jloop(jnp.asarray(st["v"]), jnp.asarray(st["t_last"]))
        return st["v"]

    return [("jax jit step x100", jax_steps, outputs), ("jax fori_loop", jax_loop, outputs)]


def w2(sz, reps):
    n, steps = sz["w2"]
    i = normal(3, (n,), 20.0, 5.0)
    st = {}

    def reset():
        st["v"] = np.full(n, V_REST, F32)
        st["t_last"] = np.full(n, T_NEVER, F32)
        st["spike"] = np.zeros(n, bool)

    def outputs():
        return [np.asarray(st["v"]), np.asarray(st["t_last"]), np.asarray(st["spike"])]

    def numpy_run():
        for s in range(steps):
            st["v"], st["t_last"], st["spike"] = lif_step(st["v"], st["t_last"], i, F32(s) * DT, np)

    variants = [("numpy", numpy_run, outputs)]
    if jax:
        variants += w2_jax(n, steps, i, st, outputs)

    if numba:

        @njit
        def nb(v, tl, sp, i, steps):
            for s in range(steps):
                t = F32(s) * DT
                for k in range(v.size):
                    x = v[k] + DT * (-(v[k] - V_REST) + i[k] * R) / TAU
                    f = x >= V_TH
                    v[k] = V_RESET if f else x
                    if f:
                        tl[k] = t
                    sp[k] = f

        @njit(parallel=True)
        def nbp(v, tl, sp, i, steps):
            for s in range(steps):
                t = F32(s) * DT
                for k in prange(v.size):
                    x = v[k] + DT * (-(v[k] - V_REST) + i[k] * R) / TAU
                    f = x >= V_TH
                    v[k] = V_RESET if f else x
                    if f:
                        tl[k] = t
                    sp[k] = f

        variants += [
            ("numba njit", lambda: nb(st["v"], st["t_last"], st["spike"], i, steps), outputs),
            ("numba parallel", lambda: nbp(st["v"], st["t_last"], st["spike"], i, steps), outputs),
        ]
    tol = dict(rtol=1e-5, atol=1e-3, mismatch=1e-3)
    return [run_case("W2", variants, reps, tol, reset)]


# ---------------------------------------------------------------- W3
HH = dict(DT=F32(0.05), ENA=F32(50), GNA=F32(120), EK=F32(-77), GK=F32(36), EL=F32(-54.387), GL=F32(0.03), C=F32(1))


def hh_step(v, m, h, n, cnt, i, xp):
    c = HH
    am = F32(0.1) * (v + 40) / (1 - xp.exp(-(v + 40) / 10))
    bm = F32(4) * xp.exp(-(v + 65) / 18)
    ah = F32(0.07) * xp.exp(-(v + 65) / 20)
    bh = 1 / (1 + xp.exp(-(v + 35) / 10))
    an = F32(0.01) * (v + 55) / (1 - xp.exp(-(v + 55) / 10))
    bn = F32(0.125) * xp.exp(-(v + 65) / 80)
    ina = c["GNA"] * m * m * m * h * (v - c["ENA"])
    ik = c["GK"] * n * n * n * n * (v - c["EK"])
    il = c["GL"] * (v - c["EL"])
    vn = v + c["DT"] * (-ina - ik - il + i) / c["C"]
    m = m + c["DT"] * (am * (1 - m) - bm * m)
    h = h + c["DT"] * (ah * (1 - h) - bh * h)
    n = n + c["DT"] * (an * (1 - n) - bn * n)
    cnt = cnt + ((vn >= 20) & (v < 20)).astype(xp.float32)
    return vn, m, h, n, cnt


def w3(sz, reps):
    N, steps = sz["w3"]
    v0 = uniform(4, (N,), -70, -60)
    i = uniform(5, (N,), 5, 15)
    st = {}

    def reset():
        st["s"] = [v0.copy(), np.full(N, F32(0.05)), np.full(N, F32(0.6)), np.full(N, F32(0.32)), np.zeros(N, F32)]

    outputs = lambda: [np.asarray(a) for a in st["s"]]  # noqa: E731

    def numpy_run():
        s = st["s"]
        for _ in range(steps):
            s = hh_step(*s, i, np)
        st["s"] = list(s)

    variants = [("numpy", numpy_run, outputs)]
    if jax:
        ij = jnp.asarray(i)
        jstep = jax.jit(lambda *s: hh_step(*s, ij, jnp))

        def jax_steps():
            s = [jnp.asarray(a) for a in st["s"]]
            for _ in range(steps):
                s = jstep(*s)
            st["s"] = list(s)
            return s[0]

        jloop = jax.jit(lambda s: lax.fori_loop(0, steps, lambda _, s: hh_step(*s, ij, jnp), s))

        def jax_loop():
            st["s"] = list(jloop(tuple(jnp.asarray(a) for a in st["s"])))
            return st["s"][0]

        variants += [("jax jit step x100", jax_steps, outputs), ("jax fori_loop", jax_loop, outputs)]
    if numba:
        import math

        DT_, ENA, GNA, EK, GK, EL, GL, C = (HH[k] for k in ("DT", "ENA", "GNA", "EK", "GK", "EL", "GL", "C"))

        def make(parallel):
            @njit(parallel=parallel)
            def run(v, m, h, n, cnt, i, steps):
                for _ in range(steps):
                    for k in prange(v.size):
                        x = v[k]
                        am = F32(0.1) * (x + F32(40)) / (F32(1) - math.exp(-(x + F32(40)) / F32(10)))
                        bm = F32(4) * math.exp(-(x + F32(65)) / F32(18))
                        ah = F32(0.07) * math.exp(-(x + F32(65)) / F32(20))
                        bh = F32(1) / (F32(1) + math.exp(-(x + F32(35)) / F32(10)))
                        an = F32(0.01) * (x + F32(55)) / (F32(1) - math.exp(-(x + F32(55)) / F32(10)))
                        bn = F32(0.125) * math.exp(-(x + F32(65)) / F32(80))
                        mm, hh, nn = m[k], h[k], n[k]
                        ina = GNA * mm * mm * mm * hh * (x - ENA)
                        ik = GK * nn * nn * nn * nn * (x - EK)
                        il = GL * (x - EL)
                        xn = x + DT_ * (-ina - ik - il + i[k]) / C
                        m[k] = mm + DT_ * (am * (F32(1) - mm) - bm * mm)
                        h[k] = hh + DT_ * (ah * (F32(1) - hh) - bh * hh)
                        n[k] = nn + DT_ * (an * (F32(1) - nn) - bn * nn)
                        if xn >= F32(20) and x < F32(20):
                            cnt[k] += F32(1)
                        v[k] = xn

            return run

        nb1, nbp = make(False), make(True)

        def nb_run():
            nb1(*st["s"], i, steps)

        def nbp_run():
            nbp(*st["s"], i, steps)

        variants += [("numba njit", nb_run, outputs), ("numba parallel", nbp_run, outputs)]
    tol = dict(rtol=1e-3, atol=1e-2, mismatch=1e-3)
    return [run_case("W3", variants, reps, tol, reset)]


# ---------------------------------------------------------------- W4
def softmax(a, xp):
    e = xp.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def w4(sz, reps):
    r, c = sz["w4"]
    a = normal(6, (r, c))
    aj = jnp.asarray(a) if jax else None
    out = []
    for case, f, tol in [
        ("W4.sum", lambda x: x.sum(), dict(rtol=0, atol=2e-6 * a.size)),
        ("W4.sum0", lambda x: x.sum(axis=0), dict(rtol=0, atol=2e-6 * r)),
        ("W4.max1", lambda x: x.max(axis=1), dict(rtol=0, atol=0)),
    ]:
        variants = [("numpy", lambda f=f: f(a), None)]
        if jax:
            jf = jax.jit(f)
            variants.append(("jax jit", lambda jf=jf: jf(aj), None))
        out.append(run_case(case, variants, reps, tol))
    variants = [("numpy", lambda: softmax(a, np), None)]
    if jax:
        js = jax.jit(lambda x: softmax(x, jnp))
        variants.append(("jax jit", lambda: js(aj), None))
    if numba:

        @njit(parallel=True)
        def nbs(a):
            o = np.empty_like(a)
            for k in prange(a.shape[0]):
                row = a[k]
                e = np.exp(row - row.max())
                o[k] = e / e.sum()
            return o

        variants.append(("numba parallel", lambda: nbs(a), None))
    out.append(run_case("W4.softmax", variants, reps, dict(rtol=2e-5, atol=1e-9)))
    return out


# ---------------------------------------------------------------- W5
def w5(sz, reps):
    n = sz["w5"]
    rng = np.random.default_rng(7)
    # NumPy has no Threefry: its PCG64 draws other numbers, so it is timed
    # but checked only for its range; JAX is the reference here when present.
    out = []
    for case, dist, seed, npf in [
        ("W5.uniform", "uniform", 7, lambda: rng.random(n, dtype=np.float32)),
        ("W5.normal", "normal", 8, lambda: rng.standard_normal(n, dtype=np.float32)),
    ]:
        sample = npf()
        assert sample.shape == (n,) and np.isfinite(sample).all()
        numpy_row = dict(variant="numpy (PCG64, other numbers)", **time_runs(npf, reps))
        if not jax:
            out.append(dict(id=case, reference=numpy_row["variant"], rows=[dict(numpy_row, ratio=1.0)]))
            continue
        draw = getattr(jax.random, dist)
        jf = jax.jit(lambda k, draw=draw: draw(k, (n,), jnp.float32))
        rep = run_case(case, [("jax jit", lambda jf=jf, k=key(seed): jf(k), None)], reps)
        rep["rows"].append(numpy_row)
        ref = rep["rows"][0]["median_s"]
        for r in rep["rows"]:
            r["ratio"] = r["median_s"] / ref
        out.append(rep)
    return out


# ---------------------------------------------------------------- W6, W7
def w6(sz, reps):
    """JAX compile time: first call of a freshly jitted function minus a cached call."""
    if not jax:
        return []
    n = sz["w1"]
    x = jnp.asarray(jax.random.normal(key(1), (n,), jnp.float32))
    y = jnp.asarray(jax.random.uniform(key(2), (n,), jnp.float32))
    N3 = sz["w3"][0]
    v0 = jax.random.uniform(key(4), (N3,), jnp.float32, -70, -60)
    i3 = jax.random.uniform(key(5), (N3,), jnp.float32, 5, 15)
    s3 = (v0, jnp.full(N3, 0.05, jnp.float32), jnp.full(N3, 0.6, jnp.float32), jnp.full(N3, 0.32, jnp.float32), jnp.zeros(N3, jnp.float32))
    N2, steps = sz["w2"]
    i2 = jax.random.normal(key(3), (N2,), jnp.float32) * 5 + 20
    v2, t2 = jnp.full(N2, V_REST), jnp.full(N2, T_NEVER)

    def make_w1():
        return jax.jit(lambda x, y: (x * 2 + y) * (x - 0.5) / (y + 1)), (x, y)

    def make_w2():
        def loop(v, tl):
            return lax.fori_loop(0, steps, lambda s, c: lif_step(c[0], c[1], i2, s.astype(jnp.float32) * DT, jnp), (v, tl, jnp.zeros(N2, bool)))

        return jax.jit(loop), (v2, t2)

    def make_w3():
        return jax.jit(lambda s: lax.fori_loop(0, 100, lambda _, s: hh_step(*s, i3, jnp), s)), (s3,)

    out = []
    for case, make in [("W6.W1", make_w1), ("W6.W2 (fori_loop)", make_w2), ("W6.W3 (fori_loop)", make_w3)]:
        firsts, cached = [], []
        for _ in range(reps):
            f, args = make()
            t = time.perf_counter()
            block(f(*args))
            firsts.append(time.perf_counter() - t)
            t = time.perf_counter()
            block(f(*args))
            cached.append(time.perf_counter() - t)
        c, fi = statistics.median(cached), statistics.median(firsts)
        out.append(dict(id=case, reference="jax cached call", rows=[
            dict(variant="jax cached call", median_s=c, min_s=min(cached), reps=reps, ratio=1.0),
            dict(variant="jax first call", median_s=fi, min_s=min(firsts), reps=reps, ratio=fi / c),
            dict(variant="jax compile (first - cached)", median_s=fi - c, min_s=min(firsts) - min(cached), reps=0, ratio=(fi - c) / c),
        ]))
    return out


def w7(sz, reps):
    x = np.arange(8, dtype=F32) * F32(0.5) - 1
    rows = []
    fns = [("numpy", lambda: x * F32(2) + F32(1))]
    if jax:
        xj = jnp.asarray(x)
        jf = jax.jit(lambda x: x * 2 + 1)
        fns.append(("jax jit", lambda: jf(xj).block_until_ready()))
    if numba:
        nf = njit(lambda x: x * F32(2) + F32(1))
        fns.append(("numba njit", lambda: nf(x)))
    clock = statistics.median([-(time.perf_counter_ns() - time.perf_counter_ns()) for _ in range(10000)])
    for name, fn in fns:
        for _ in range(1000):
            fn()
        s = []
        for _ in range(10000):
            t = time.perf_counter_ns()
            fn()
            s.append(max(time.perf_counter_ns() - t - clock, 0) * 1e-9)
        rows.append(dict(variant=name, median_s=statistics.median(s), min_s=min(s), reps=10000))
    for r in rows:
        r["ratio"] = r["median_s"] / rows[0]["median_s"]
    return [dict(id="W7", reference="numpy", rows=rows)]


def w8(sz, reps):
    """The COBA network in BrainPy and Brian2 (`coba_peers.py`), at most 3 runs after the first."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import coba_peers

    return coba_peers.w8(sz["quick"], min(reps, 3))


def w9(sz, reps):
    """The MLP training step (`mlp_step_jax.py`: value_and_grad + optax Adam
    in one jit), 200 timed steps after a warm-up (20 with --quick); needs
    JAX and optax."""
    if not jax:
        return []
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import mlp_step_jax
    except ImportError as e:  # optax missing
        print(f"W9 left out: {e}", file=sys.stderr)
        return []
    m = mlp_step_jax.measure(20 if sz["quick"] else 200)
    step = statistics.median(m["step_times"])
    return [dict(id="W9", reference="jax jit", rows=[
        dict(variant="jax jit (value_and_grad + optax adam)", median_s=step,
             min_s=min(m["step_times"]), reps=len(m["step_times"]), ratio=1.0),
        dict(variant="jax compile of the step", median_s=m["step_compile"],
             min_s=m["step_compile"], reps=1, ratio=m["step_compile"] / step),
    ])]


WORKLOADS = dict(W1=w1, W2=w2, W3=w3, W4=w4, W5=w5, W6=w6, W7=w7, W8=w8, W9=w9)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="*", help="W1 ... W9 (all when none)")
    p.add_argument("--quick", action="store_true", help="about a sixteenth of the work")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions (default 7, 5 with --quick)")
    args = p.parse_args()
    names = [w.upper() for w in args.workloads] or list(WORKLOADS)
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    reps = args.reps or (5 if args.quick else 7)
    sz = sizes(args.quick)
    cases = []
    for w in names:
        print(f"{w} ...", file=sys.stderr, flush=True)
        cases += WORKLOADS[w](sz, reps)
    print(json.dumps(dict(
        versions=dict(python=platform.python_version(), numpy=np.__version__,
                      jax=jax.__version__ if jax else None, numba=numba.__version__ if numba else None),
        devices=[str(d) for d in jax.devices()] if jax else [],
        inputs="jax.random with heron's keys" if jax else "numpy default_rng (other numbers, same distributions)",
        quick=args.quick, reps=reps, cases=cases), indent=1))


if __name__ == "__main__":
    main()
