"""The COBA E/I network of heron's `examples/ei_network.rs` in Brian2.

Vogels & Abbott (2005) / Brette et al. (2007) with the parameters heron's
W8 uses: 3,200 E + 800 I LIF neurons at scale 1 (times `--scale`, with
p = 80/N so every neuron keeps 80 expected inputs), tau = 20 ms,
V_rest = V_reset = -60 mV, V_th = -50 mV, 5 ms refractory, a constant
background input of 20 mV, initial V ~ Normal(-55, 5) mV, conductance
synapses (E_e = 0 mV, E_i = -80 mV, tau_e = 5 ms, tau_i = 10 ms,
dg_e = 0.6, dg_i = 6.7, in units of the leak conductance), dt = 0.1 ms,
1,000 ms, `exponential_euler` (V exact over a step with the conductances
held).

    python coba_brian2.py --target cython|cpp [--threads N] [--scale S] [--reps R]

`cython`: the runtime device; the first `run` (code generation and Cython
compilation included) is timed apart, then `--reps` runs from the stored
initial state. `cpp`: C++ standalone with `--threads` OpenMP threads; the
first build-and-run is timed apart, then the binary is run `--reps` more
times; `run_s` is the median of the simulation loop's own time as the
binary measures it (`device._last_run_time`), `process_s` the median wall
time of the whole binary (network set-up, connectivity and output files
included). Prints one JSON object (neurons, steps, run_s, first_s,
rate_e_hz, rate_i_hz, ...).
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time


def build(b2, scale, seed):
    """The network in Brian2's current scope; returns (net objects, monitors)."""
    from brian2 import ms, mV, NeuronGroup, Synapses, SpikeMonitor, Network, seed as b2seed

    b2seed(seed)
    n_e, n_i = max(1, round(3200 * scale)), max(1, round(800 * scale))
    n = n_e + n_i
    p = min(1.0, 80.0 / n)
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV,
              El=-60 * mV, Ee=0 * mV, Ei=-80 * mV, Ib=20 * mV)
    eqs = """
    dv/dt = (El - v + ge * (Ee - v) + gi * (Ei - v) + Ib) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    P = NeuronGroup(n, eqs, threshold="v >= Vt", reset="v = Vr", refractory=5 * ms,
                    method="exponential_euler", namespace=ns)
    P.v = "-55*mV + 5*mV*randn()"
    P.ge = 0
    P.gi = 0
    Pe, Pi = P[:n_e], P[n_e:]
    Ce = Synapses(Pe, P, on_pre="ge += 0.6")
    Ci = Synapses(Pi, P, on_pre="gi += 6.7")
    Ce.connect(p=p)
    Ci.connect(p=p)
    me = SpikeMonitor(Pe, record=False)
    mi = SpikeMonitor(Pi, record=False)
    return Network(P, Ce, Ci, me, mi), me, mi, n_e, n_i


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["cython", "cpp"], default="cython")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (cpp only)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=3, help="timed runs after the first")
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, defaultclock, prefs, set_device, device

    defaultclock.dt = 0.1 * ms
    duration = args.duration_ms * ms
    steps = int(round(args.duration_ms / 0.1))
    out = dict(simulator="brian2", version=b2.__version__, scale=args.scale, steps=steps)
    if args.target == "cython":
        prefs.codegen.target = "cython"
        t0 = time.perf_counter()
        net, me, mi, n_e, n_i = build(b2, args.scale, args.seed)
        net.store("init")
        t_build = time.perf_counter() - t0
        t = time.perf_counter()
        net.run(duration)
        first = time.perf_counter() - t
        runs = []
        for _ in range(args.reps):
            net.restore("init")
            t = time.perf_counter()
            net.run(duration)
            runs.append(time.perf_counter() - t)
        out.update(variant="cython runtime", threads=1, build_s=t_build)
    else:
        d = tempfile.mkdtemp(prefix=f"coba_brian2_s{args.scale:g}_t{args.threads}_")
        set_device("cpp_standalone", directory=d, build_on_run=False)
        # One thread: the serial code (no OpenMP); more: OpenMP's.
        prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
        net, me, mi, n_e, n_i = build(b2, args.scale, args.seed)
        net.run(duration)
        t = time.perf_counter()
        device.build(directory=d, compile=True, run=True, with_output=False)
        first = time.perf_counter() - t
        runs, procs = [], []
        for _ in range(args.reps):
            t = time.perf_counter()
            device.run(directory=d, with_output=False)
            procs.append(time.perf_counter() - t)
            runs.append(float(device._last_run_time))
        out.update(variant=f"C++ standalone, {args.threads} thread(s)", threads=args.threads,
                   process_s=statistics.median(procs), process_runs_s=procs)
    secs = args.duration_ms / 1000.0
    out.update(neurons=n_e + n_i, n_e=n_e, n_i=n_i,
               run_s=statistics.median(runs), runs_s=runs, first_s=first,
               spikes_e=int(me.num_spikes), spikes_i=int(mi.num_spikes),
               rate_e_hz=me.num_spikes / n_e / secs, rate_i_hz=mi.num_spikes / n_i / secs)
    if args.target == "cpp":
        shutil.rmtree(d, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
