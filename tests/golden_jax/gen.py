"""Writes the JAX golden fixtures that tests/random_golden.rs checks heron against.

Run with JAX on CPU (`pip install "jax[cpu]"`):

    python3 tests/golden_jax/gen.py

It writes `random.json` beside this file. Floats are stored as their IEEE bit
patterns (`*_bits`, u32 for f32 and u64 for f64) as well as values, so the
comparison of exact draws is bit for bit. Everything is drawn with
`jax_threefry_partitionable=True` (JAX's default); 64-bit seeds, u64 bits and
f64 draws are made with `jax_enable_x64` on, the rest with it off.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_threefry_partitionable", True)

SEEDS = [0, 1, 42, 1234, 654321, 2**31 + 11]
SEEDS_64 = [2**32 + 5, 2**40 + 7, 2**63 - 1]
SHAPES = [[], [1], [5], [7], [2, 3], [3, 5]]


def key_list(k):
    return [int(x) for x in np.asarray(k).reshape(-1)]


def f32_bits(a):
    return [int(x) for x in np.asarray(a, np.float32).view(np.uint32).reshape(-1)]


def f64_bits(a):
    return [int(x) for x in np.asarray(a, np.float64).view(np.uint64).reshape(-1)]


def floats(a):
    return [float(x) for x in np.asarray(a).reshape(-1)]


def ints(a):
    return [int(x) for x in np.asarray(a).reshape(-1)]


def per_seed(seed):
    key = jax.random.PRNGKey(seed)
    out = {"seed": seed, "key": key_list(key)}
    out["split2"] = [key_list(k) for k in jax.random.split(key)]
    out["split5"] = [key_list(k) for k in jax.random.split(key, 5)]
    out["fold_in"] = [
        {"data": d, "key": key_list(jax.random.fold_in(key, d))}
        for d in [0, 1, 12345, 2**31 + 3, 2**32 - 1]
    ]
    out["bits"] = [
        {"shape": s, "bits": ints(jax.random.bits(key, tuple(s), jnp.uint32))}
        for s in SHAPES
    ]
    out["uniform_f32"] = []
    for lo, hi in [(0.0, 1.0), (-2.0, 3.5), (10.0, 10.25)]:
        for s in [[7], [2, 3]]:
            u = jax.random.uniform(key, tuple(s), jnp.float32, lo, hi)
            out["uniform_f32"].append(
                {"lo": lo, "hi": hi, "shape": s, "values": floats(u), "bits": f32_bits(u)}
            )
    out["randint"] = []
    for lo, hi in [(0, 10), (-5, 100), (0, 1), (7, 3), (-(2**31), 2**31 - 1), (0, 2**20 + 3)]:
        r = jax.random.randint(key, (9,), lo, hi, jnp.int32)
        out["randint"].append({"lo": lo, "hi": hi, "shape": [9], "values": ints(r)})
    out["normal_f32"] = []
    for s in [[7], [4, 5]]:
        n = jax.random.normal(key, tuple(s), jnp.float32)
        out["normal_f32"].append({"shape": s, "values": floats(n)})
    b = jax.random.bernoulli(key, 0.3, (12,))
    out["bernoulli"] = {"p": 0.3, "shape": [12], "values": [bool(x) for x in np.asarray(b)]}
    out["permutation"] = [
        {"n": n, "values": ints(jax.random.permutation(key, n))} for n in [1, 5, 10, 33]
    ]
    x = jnp.arange(12, dtype=jnp.int32).reshape(4, 3)
    out["shuffle_rows"] = {"shape": [4, 3], "values": ints(jax.random.permutation(key, x))}
    out["choice"] = {
        "replace": ints(jax.random.choice(key, 10, (6,))),
        "no_replace": ints(jax.random.choice(key, 10, (6,), replace=False)),
        "p": [0.1, 0.2, 0.3, 0.4],
        "replace_p": ints(jax.random.choice(key, 4, (8,), p=jnp.array([0.1, 0.2, 0.3, 0.4]))),
        "no_replace_p": ints(
            jax.random.choice(key, 4, (3,), replace=False, p=jnp.array([0.1, 0.2, 0.3, 0.4]))
        ),
    }
    out["truncated_normal"] = {
        "lower": -1.5,
        "upper": 2.0,
        "shape": [8],
        "values": floats(jax.random.truncated_normal(key, -1.5, 2.0, (8,), jnp.float32)),
    }
    out["exponential"] = {
        "shape": [8],
        "values": floats(jax.random.exponential(key, (8,), jnp.float32)),
    }
    # What RandomState(seed) draws first: the second key of split(key).
    sub = jax.random.split(key)[1]
    out["state_first"] = {
        "uniform": floats(jax.random.uniform(sub, (5,))),
        "uniform_bits": f32_bits(jax.random.uniform(sub, (5,))),
        "normal": floats(jax.random.normal(sub, (5,))),
        "randint": ints(jax.random.randint(sub, (5,), 0, 100)),
    }
    # split_keys(3): split(key, 4); the state keeps [0], the caller gets [1:].
    ks = jax.random.split(key, 4)
    out["split_keys3"] = {"state": key_list(ks[0]), "keys": [key_list(k) for k in ks[1:]]}
    return out


def per_seed_x64(seed):
    key = jax.random.PRNGKey(seed)
    out = {"seed": seed, "key": key_list(key)}
    out["bits_u64"] = [
        {"shape": s, "bits": ints(jax.random.bits(key, tuple(s), jnp.uint64))}
        for s in [[], [5], [2, 3]]
    ]
    out["uniform_f64"] = []
    for lo, hi in [(0.0, 1.0), (-2.0, 3.5)]:
        u = jax.random.uniform(key, (7,), jnp.float64, lo, hi)
        out["uniform_f64"].append(
            {"lo": lo, "hi": hi, "shape": [7], "values": floats(u), "bits": f64_bits(u)}
        )
    out["normal_f64"] = {"shape": [9], "values": floats(jax.random.normal(key, (9,), jnp.float64))}
    out["split2"] = [key_list(k) for k in jax.random.split(key)]
    return out


def main():
    fixtures = {"jax_version": jax.__version__}
    jax.config.update("jax_enable_x64", False)
    fixtures["seeds"] = [per_seed(s) for s in SEEDS]
    jax.config.update("jax_enable_x64", True)
    fixtures["seeds_x64"] = [per_seed_x64(s) for s in SEEDS[:3] + SEEDS_64]
    jax.config.update("jax_enable_x64", False)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "random.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
