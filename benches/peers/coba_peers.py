"""W8's peers: the COBA E/I network in BrainPy and Brian2, each in its own
Python environment, collected into `run_all.py`'s case format.

    python coba_peers.py [--quick] [--reps R]

The interpreters come from the environment:

    HERON_PEER_PYTHON_BRAINPY  a Python with brainpy (and jax, numba)
    HERON_PEER_PYTHON_BRIAN2   a Python with brian2 (numpy < 2.4, cython)
                               and a C++ compiler on PATH

A peer whose variable is unset is left out (said on stderr). Scales 1 and
10 (1,000 ms each), or scale 1 for 200 ms with `--quick` (heron's W8 at
`--quick` runs 2,000 steps). Each configuration runs in its own process
(`coba_brainpy.py`, `coba_brian2.py`): BrainPy's `for_loop` and
`DSRunner`, Brian2's Cython runtime and C++ standalone on 1 and 2
threads. A row's `median_s` is the median run after the first; its name
carries the E and I rates it produced, and the row keeps `first_s`
(compilation and first run) and the full JSON of its run.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (env var, script, args, row name)
CONFIGS = [
    ("HERON_PEER_PYTHON_BRAINPY", "coba_brainpy.py", ["--runner", "for_loop"], "brainpy for_loop (jit)"),
    ("HERON_PEER_PYTHON_BRAINPY", "coba_brainpy.py", ["--runner", "dsrunner"], "brainpy DSRunner (jit)"),
    ("HERON_PEER_PYTHON_BRIAN2", "coba_brian2.py", ["--target", "cython"], "brian2 cython runtime"),
    ("HERON_PEER_PYTHON_BRIAN2", "coba_brian2.py", ["--target", "cpp", "--threads", "1"], "brian2 C++ standalone, 1 thread"),
    ("HERON_PEER_PYTHON_BRIAN2", "coba_brian2.py", ["--target", "cpp", "--threads", "2"], "brian2 C++ standalone, 2 threads"),
]


def run_one(python, script, args, timeout):
    """Runs one configuration; its JSON, or None (the reason on stderr)."""
    cmd = [python, str(HERE / script), *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"W8 peers: {' '.join(cmd)}: {e}", file=sys.stderr)
        return None
    if p.returncode != 0:
        tail = "\n".join(p.stderr.strip().splitlines()[-5:])
        print(f"W8 peers: {' '.join(cmd)} failed ({p.returncode}):\n{tail}", file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def w8(quick, reps, timeout=3600):
    """The W8 cases (`W8.scale1`, `W8.scale10`) with one row per peer that ran."""
    scales, duration = ([1.0], 200.0) if quick else ([1.0, 10.0], 1000.0)
    missing = sorted({var for var, *_ in CONFIGS if not os.environ.get(var)})
    for var in missing:
        print(f"W8 peers: {var} is not set: its peers are left out", file=sys.stderr)
    cases = []
    for scale in scales:
        rows = []
        for var, script, args, name in CONFIGS:
            python = os.environ.get(var)
            if not python:
                continue
            print(f"W8 peers: scale {scale:g}: {name} ...", file=sys.stderr, flush=True)
            extra = ["--scale", f"{scale:g}", "--duration-ms", f"{duration:g}", "--reps", str(reps)]
            res = run_one(python, script, args + extra, timeout)
            if res is None:
                continue
            rows.append(dict(
                variant=f"{name} (E {res['rate_e_hz']:.1f} Hz, I {res['rate_i_hz']:.1f} Hz)",
                median_s=res["run_s"], min_s=min(res["runs_s"]), reps=len(res["runs_s"]),
                first_s=res["first_s"], rate_e_hz=res["rate_e_hz"], rate_i_hz=res["rate_i_hz"],
                run=res))
        if rows:
            ref = rows[0]["median_s"]
            for r in rows:
                r["ratio"] = r["median_s"] / ref
            cases.append(dict(id=f"W8.scale{scale:g}", reference=rows[0]["variant"], rows=rows))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3, help="timed runs after the first")
    args = ap.parse_args()
    print(json.dumps(dict(cases=w8(args.quick, args.reps)), indent=1))


if __name__ == "__main__":
    main()
