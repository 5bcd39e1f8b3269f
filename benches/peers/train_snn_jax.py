#!/usr/bin/env python3
"""One training step of heron's `examples/train_snn.rs` network in JAX:
100 Poisson inputs -> 128 LIF neurons (decay 0.9048, threshold 1, soft
reset with the spike detached, BrainPy's sigmoid surrogate with alpha 4)
-> a linear readout of the spike counts, 50 steps through time (`lax.scan`),
batch 32, softmax cross-entropy, optax Adam (lr 2e-3), all in one `jax.jit`.
Prints the compile time and the median time per step.

    python3 benches/peers/train_snn_jax.py [--steps N]
"""

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_platforms", "cpu")

INPUTS, HIDDEN, CLASSES, STEPS, BATCH = 100, 128, 4, 50, 32
DECAY, ALPHA = 0.904837418, 4.0


def spike(x):
    # Forward: the step; gradient: alpha * s * (1 - s), s = sigmoid(alpha x).
    s = jax.nn.sigmoid(ALPHA * x)
    return s + jax.lax.stop_gradient((x >= 0).astype(x.dtype) - s)


def logits(params, x):
    w_in, w_out, b_out = params

    def step(carry, s_in):
        v, count = carry
        u = v * DECAY + s_in @ w_in
        s = spike(u - 1.0)
        return (u - jax.lax.stop_gradient(s), count + s), None

    zeros = jnp.zeros((x.shape[1], HIDDEN), jnp.float32)
    (_, count), _ = jax.lax.scan(step, (zeros, zeros), x)
    return (count / STEPS) @ w_out + b_out


def loss(params, x, y):
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits(params, x), axis=-1) * y, axis=-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    n = ap.parse_args().steps
    k = jax.random.split(jax.random.PRNGKey(15), 5)
    params = (
        jax.random.normal(k[0], (INPUTS, HIDDEN), jnp.float32) * 0.35,
        jax.random.normal(k[1], (HIDDEN, CLASSES), jnp.float32) * 0.1,
        jnp.zeros((CLASSES,), jnp.float32),
    )
    rates = jax.random.uniform(k[2], (INPUTS,), jnp.float32, 0.02, 0.05)
    x = (jax.random.uniform(k[3], (STEPS, BATCH, INPUTS)) < rates).astype(jnp.float32)
    y = jax.nn.one_hot(jax.random.randint(k[4], (BATCH,), 0, CLASSES), CLASSES)
    tx = optax.adam(2e-3)
    state = tx.init(params)

    def train_step(params, state, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    t = time.perf_counter()
    step = jax.jit(train_step, donate_argnums=(0, 1)).lower(params, state, x, y).compile()
    compile_s = time.perf_counter() - t
    params, state, value = step(params, state, x, y)
    value.block_until_ready()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        params, state, value = step(params, state, x, y)
        value.block_until_ready()
        times.append(time.perf_counter() - t)
    print(f"JAX {jax.__version__}: SNN 100-128-4, {STEPS} steps through time, batch {BATCH}")
    print(f"compile: {compile_s * 1e3:.1f} ms; per training step (median of {n}): "
          f"{statistics.median(times) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
