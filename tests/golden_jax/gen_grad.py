"""Writes `grad.json`, the JAX golden gradients that tests/grad_golden.rs
checks heron's `grad` and optimizers against.

Run with JAX and optax on CPU (`pip install jax optax`):

    python3 tests/golden_jax/gen_grad.py

Each case is a function of one f32 array written the same way in
tests/grad_golden.rs; the inputs are fixed here (no random draws), and the
file stores the input, `f(x)` and `jax.grad(f)(x)`. The optimizer section
runs optax's `sgd`, `sgd(momentum=...)` and `adam` for three steps on fixed
gradients and stores the parameters after every step.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_platforms", "cpu")

F32 = jnp.float32


def composition(x):
    return jnp.sum(jnp.tanh(x) * jnp.sin(x)) + jnp.sum(jnp.exp(-x * x) * jnp.log1p(x * x))


def broadcasting(x):
    # x: [3, 4]; a column and a row of x broadcast against it.
    return jnp.sum(x * x[:, 0:1] + x[0:1, :] / (1.0 + x * x))


def ties(x):
    # x holds repeated maxima and values equal to 2 (maximum's ties).
    return jnp.max(x) + jnp.sum(jnp.maximum(x, 2.0)) + jnp.sum(jnp.min(x.reshape(2, 4), axis=1))


def fori(x):
    def body(i, c):
        return jnp.sin(c * 1.3) + 0.1 * i.astype(F32)

    c = jax.lax.fori_loop(0, 6, body, x)
    return jnp.sum(c * c)


def branch(x):
    return jax.lax.cond(jnp.sum(x) > 0, lambda: jnp.sum(x ** 3), lambda: jnp.sum(jnp.cos(x)))


DATA = np.linspace(-1.0, 1.0, 20, dtype=np.float32).reshape(5, 4)
LABELS = np.array([0, 2, 1, 2, 0])


def mlp(w):
    # w: [4, 3]; softmax cross-entropy of tanh(DATA @ w) against LABELS.
    logits = jnp.tanh(jnp.asarray(DATA) @ w) * 3.0
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(logp[jnp.arange(5), LABELS])


def sort_cumsum(x):
    return jnp.sum(jnp.cumsum(jnp.sort(x)) * jnp.arange(1.0, 7.0, dtype=F32))


def edges(x):
    # abs and maximum at ±0 and at a tie, a square through pow.
    return jnp.sum(jnp.abs(x)) + jnp.sum(jnp.maximum(x, 0.0)) + jnp.sum(x ** 2.0)


CASES = [
    ("composition", composition, np.linspace(-1.5, 2.0, 7)),
    ("broadcasting", broadcasting, np.linspace(-1.0, 1.2, 12).reshape(3, 4)),
    ("ties", ties, np.array([1.0, 3.0, 2.0, 3.0, 2.0, -1.0, 3.0, 0.5])),
    ("fori_loop", fori, np.array([0.3, -0.8, 1.1, 0.05])),
    ("cond_then", branch, np.array([0.5, 1.0, -0.2])),
    ("cond_else", branch, np.array([-0.5, -1.0, 0.2])),
    ("mlp", mlp, np.linspace(-0.5, 0.6, 12).reshape(4, 3)),
    ("sort_cumsum", sort_cumsum, np.array([0.3, -1.2, 2.5, 0.7, -0.1, 1.9])),
    ("edges", edges, np.array([0.0, -0.0, 1.5, -2.0])),
]


def bits(a):
    return [int(b) for b in np.asarray(a, np.float32).view(np.uint32).ravel()]


def case(name, f, x):
    x = jnp.asarray(x, F32)
    v, g = jax.value_and_grad(f)(x)
    return {
        "name": name,
        "shape": list(x.shape),
        "x": [float(a) for a in np.asarray(x).ravel()],
        "value": float(v),
        "grad": [float(a) for a in np.asarray(g).ravel()],
        "grad_bits": bits(g),
    }


def optimizer(name, tx):
    p = jnp.asarray(np.linspace(-1.0, 1.0, 5), F32)
    grads = [jnp.asarray(np.array(g), F32) for g in GRADS]
    state = tx.init(p)
    steps = []
    for g in grads:
        updates, state = tx.update(g, state, p)
        p = optax.apply_updates(p, updates)
        steps.append([float(a) for a in np.asarray(p)])
    return {"name": name, "params0": [float(a) for a in np.linspace(-1.0, 1.0, 5).astype(np.float32)],
            "steps": steps}


GRADS = [
    [0.5, -0.25, 1.0, 0.0, -2.0],
    [0.1, 0.3, -0.7, 0.2, 0.0],
    [-1.0, 0.5, 0.25, -0.125, 3.0],
]


def main():
    out = {
        "jax_version": jax.__version__,
        "optax_version": optax.__version__,
        "cases": [case(n, f, x) for n, f, x in CASES],
        "optimizers": {
            "grads": GRADS,
            "runs": [
                optimizer("sgd", optax.sgd(0.1)),
                optimizer("momentum", optax.sgd(0.1, momentum=0.9)),
                optimizer("adam", optax.adam(0.01)),
            ],
        },
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grad.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
