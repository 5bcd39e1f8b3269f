#!/usr/bin/env python3
"""CPU time of JAX's W3 fori_loop (100 Hodgkin-Huxley steps of N neurons),
for comparing with heron on a shared machine, where wall times swing with
the load: prints the median process CPU time (all threads) and wall time of
`reps` calls, in ms. Pin it to one core (`taskset -c 1`) to compare with
heron on one thread (`RAYON_NUM_THREADS=1`, `kernel_profile w3fast`).

    taskset -c 1 python3 benches/peers/w3_cpu_time.py [N] [reps]
"""

import statistics
import sys
import time

import jax
import jax.numpy as jnp
from jax import lax

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from run_all import hh_step, uniform  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
v0 = jnp.asarray(uniform(4, (n,), -70, -60))
i = jnp.asarray(uniform(5, (n,), 5, 15))
s0 = (v0, jnp.full(n, 0.05, jnp.float32), jnp.full(n, 0.6, jnp.float32), jnp.full(n, 0.32, jnp.float32), jnp.zeros(n, jnp.float32))
loop = jax.jit(lambda s: lax.fori_loop(0, 100, lambda _, s: hh_step(*s, i, jnp), s))
loop(s0)[0].block_until_ready()
cpu, wall = [], []
for _ in range(reps):
    c0, w0 = time.process_time(), time.perf_counter()
    loop(s0)[0].block_until_ready()
    cpu.append((time.process_time() - c0) * 1e3)
    wall.append((time.perf_counter() - w0) * 1e3)
print(f"jax fori_loop N={n}: cpu median {statistics.median(cpu):.1f} ms, wall median {statistics.median(wall):.1f} ms, min {min(wall):.1f} ms")
