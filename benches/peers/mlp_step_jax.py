#!/usr/bin/env python3
"""One training step of a 784-256-256-10 tanh MLP with softmax cross-entropy
on a batch of 128 (f32) in JAX: `jax.jit` of `jax.value_and_grad` of the
loss followed by an optax Adam update (lr 1e-3) -- the same step as heron's
`examples/mlp_step.rs`. Prints the compile times of the step and of the
forward pass alone, and the median time per call.

    python3 benches/peers/mlp_step_jax.py [--steps N]
"""

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_platforms", "cpu")

BATCH = 128
SIZES = [784, 256, 256, 10]


def init(key):
    params = []
    for k in range(3):
        key, sub = jax.random.split(key)
        n_in, n_out = SIZES[k], SIZES[k + 1]
        w = jax.random.normal(sub, (n_in, n_out), jnp.float32) * (1.0 / n_in) ** 0.5
        params.append((w, jnp.zeros((n_out,), jnp.float32)))
    return params


def logits(params, x):
    h = x
    for k, (w, b) in enumerate(params):
        h = h @ w + b
        if k < 2:
            h = jnp.tanh(h)
    return h


def loss(params, x, y):
    z = logits(params, x)
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(z, axis=-1) * y, axis=-1))


def measure(steps):
    """Compiles the training step and the forward pass and times `steps`
    calls of each after a warm-up; returns the figures as a dict."""
    key = jax.random.PRNGKey(0)
    params = init(key)
    x = jax.random.normal(jax.random.PRNGKey(1), (BATCH, SIZES[0]), jnp.float32)
    labels = jax.random.randint(jax.random.PRNGKey(2), (BATCH,), 0, 10)
    y = jax.nn.one_hot(labels, 10, dtype=jnp.float32)
    tx = optax.adam(1e-3)
    state = tx.init(params)

    def train_step(params, state, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    t = time.perf_counter()
    fwd = jax.jit(loss).lower(params, x, y).compile()
    fwd_compile = time.perf_counter() - t
    t = time.perf_counter()
    step = jax.jit(train_step, donate_argnums=(0, 1)).lower(params, state, x, y).compile()
    step_compile = time.perf_counter() - t

    params, state, value = step(params, state, x, y)
    value.block_until_ready()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        params, state, value = step(params, state, x, y)
        value.block_until_ready()
        times.append(time.perf_counter() - t)
    fwd_times = []
    for _ in range(steps):
        t = time.perf_counter()
        fwd(params, x, y).block_until_ready()
        fwd_times.append(time.perf_counter() - t)
    return dict(step_times=times, fwd_times=fwd_times, step_compile=step_compile,
                fwd_compile=fwd_compile, loss=float(value))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    steps = ap.parse_args().steps
    m = measure(steps)
    print(f"JAX {jax.__version__}: MLP 784-256-256-10 tanh, batch {BATCH}, f32")
    print(f"compile: training step {m['step_compile'] * 1e3:.1f} ms, forward only {m['fwd_compile'] * 1e3:.1f} ms")
    print(
        f"per call (median of {steps}): training step {statistics.median(m['step_times']) * 1e3:.3f} ms, "
        f"forward only {statistics.median(m['fwd_times']) * 1e3:.3f} ms"
    )
    print(f"loss after {steps + 1} Adam steps: {m['loss']:.4f}")


if __name__ == "__main__":
    main()
