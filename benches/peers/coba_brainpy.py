"""The COBA E/I network of heron's `examples/ei_network.rs` in BrainPy.

The parameters of heron's W8 (see `coba_brian2.py`): 3,200 E + 800 I
`LifRefLTC` neurons at scale 1 (times `--scale`, p = 80/N), tau = 20 ms,
V_rest = V_reset = -60 mV, V_th = -50 mV, 5 ms refractory, background
input 20 mV, initial V ~ Normal(-55, 5) mV, four `ProjAlignPostMg2`
projections with BrainPy's event-driven CSR product (`EventCSRLinear`)
into `Expon` conductances (tau_e = 5 ms, tau_i = 10 ms) with `COBA`
outputs (E_e = 0 mV, E_i = -80 mV), weights 0.6 / 6.7, dt = 0.1 ms,
1,000 ms (V integrated by `exp_auto`, exact over a step).

    python coba_brainpy.py --runner for_loop|dsrunner [--scale S] [--reps R]

`for_loop`: `bm.for_loop(net.step_run, indices)` inside one `bm.jit`
function; `dsrunner`: `bp.DSRunner(net, jit=True).run(1000.)`. The first
call (tracing and XLA compilation included) is timed apart; `run_s` is the
median of `--reps` further calls, each from a reset state. Prints one JSON
object (neurons, steps, run_s, first_s, rate_e_hz, rate_i_hz, ...).
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np

try:  # BrainPy 3 keeps the 2.x API under `brainpy.version2`.
    import brainpy.version2 as bp
    import brainpy.version2.math as bm
except ImportError:
    import brainpy as bp
    import brainpy.math as bm

import brainpy
import jax

DT = 0.1
NEU = dict(V_rest=-60.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0,
           V_initializer=bp.init.Normal(-55.0, 5.0))


class EINet(bp.DynSysGroup):
    """The network; `update` returns this step's E and I spike counts."""

    def __init__(self, scale, inp=20.0):
        super().__init__()
        self.inp = inp
        n_e, n_i = max(1, round(3200 * scale)), max(1, round(800 * scale))
        p = min(1.0, 80.0 / (n_e + n_i))
        self.E = bp.dyn.LifRefLTC(n_e, **NEU)
        self.I = bp.dyn.LifRefLTC(n_i, **NEU)

        def proj(pre, post, w, tau, e_rev):
            return bp.dyn.ProjAlignPostMg2(
                pre=pre,
                delay=None,
                comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(p, pre=pre.num, post=post.num), w),
                syn=bp.dyn.Expon.desc(post.varshape, tau=tau),
                out=bp.dyn.COBA.desc(E=e_rev),
                post=post,
            )

        self.E2E = proj(self.E, self.E, 0.6, 5.0, 0.0)
        self.E2I = proj(self.E, self.I, 0.6, 5.0, 0.0)
        self.I2E = proj(self.I, self.E, 6.7, 10.0, -80.0)
        self.I2I = proj(self.I, self.I, 6.7, 10.0, -80.0)

    def update(self):
        self.E2E()
        self.E2I()
        self.I2E()
        self.I2I()
        self.E(self.inp)
        self.I(self.inp)
        return bm.sum(self.E.spike.value), bm.sum(self.I.spike.value)


def block(x):
    return jax.block_until_ready(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", choices=["for_loop", "dsrunner"], default="for_loop")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=3, help="timed runs after the first")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    bm.set_platform("cpu")
    bm.set_dt(DT)
    bm.random.seed(args.seed)
    steps = int(round(args.duration_ms / DT))
    t0 = time.perf_counter()
    net = EINet(args.scale)
    build = time.perf_counter() - t0
    n_e, n_i = net.E.num, net.I.num

    if args.runner == "for_loop":
        indices = np.arange(steps)

        @bm.jit
        def sim():
            return bm.for_loop(net.step_run, indices)

        def once():
            ce, ci = sim()
            block(ce)
            return int(np.sum(ce)), int(np.sum(ci))

        variant = "for_loop (jit)"
    else:
        runner = bp.DSRunner(
            net,
            monitors={"ne": lambda: bm.sum(net.E.spike), "ni": lambda: bm.sum(net.I.spike)},
            jit=True, progress_bar=False, numpy_mon_after_run=True,
        )

        def once():
            runner.run(args.duration_ms)
            return int(np.sum(runner.mon["ne"])), int(np.sum(runner.mon["ni"]))

        variant = "DSRunner (jit)"

    t = time.perf_counter()
    counts = once()
    first = time.perf_counter() - t
    runs = []
    for _ in range(args.reps):
        bp.reset_state(net)
        t = time.perf_counter()
        counts = once()
        runs.append(time.perf_counter() - t)
    secs = args.duration_ms / 1000.0
    print(json.dumps(dict(
        simulator="brainpy", version=brainpy.__version__, jax=jax.__version__, variant=variant,
        scale=args.scale, neurons=n_e + n_i, n_e=n_e, n_i=n_i, steps=steps, build_s=build,
        run_s=statistics.median(runs), runs_s=runs, first_s=first,
        spikes_e=counts[0], spikes_i=counts[1],
        rate_e_hz=counts[0] / n_e / secs, rate_i_hz=counts[1] / n_i / secs)))


if __name__ == "__main__":
    sys.exit(main())
