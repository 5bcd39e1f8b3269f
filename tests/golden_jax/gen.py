"""Writes the JAX golden fixtures that tests/random_golden.rs,
tests/random_partitionable.rs and tests/brainpy_seed.rs check heron against.

Run with JAX on CPU (`pip install "jax[cpu]"`):

    python3 tests/golden_jax/gen.py

It writes, beside this file, `random.json` (everything drawn with
`jax_threefry_partitionable=True`, JAX's default) and `random_original.json`
(the same draws with `jax_threefry_partitionable=False`, JAX's default before
0.5, plus the key sequence BrainPy's documentation shows). Floats are stored
as their IEEE bit patterns (`*_bits`, u32 for f32 and u64 for f64) as well as
values, so the comparison of exact draws is bit for bit. 64-bit seeds, u64
bits and f64 draws are made with `jax_enable_x64` on, the rest with it off.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_platforms", "cpu")

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


def per_seed_original(seed):
    """Extra draws for the older scheme: bits of odd and even sizes in
    several shapes, and normals of odd sizes (x64 off)."""
    key = jax.random.PRNGKey(seed)
    out = {"seed": seed}
    out["bits_more"] = [
        {"shape": s, "bits": ints(jax.random.bits(key, tuple(s), jnp.uint32))}
        for s in [[2], [3], [4, 1], [1, 9], [11], [16], [33]]
    ]
    out["normal_odd"] = [
        {"shape": s, "values": floats(jax.random.normal(key, tuple(s), jnp.float32))}
        for s in [[1], [3], [9]]
    ]
    out["split_odd"] = [key_list(k) for k in jax.random.split(key, 3)]
    return out


def brainpy_seed():
    """The RandomState sequence of BrainPy's documentation, as BrainPy computes
    it: every draw first splits the state (`state <- k[0]`, draw with `k[1]`)."""
    state = jax.random.PRNGKey(1234)
    out = {"key": key_list(state)}

    def split_key():
        nonlocal state
        k = jax.random.split(state)
        state = k[0]
        return k[1]

    r = jax.random.uniform(split_key(), (1,))
    out["random1"] = {"values": floats(r), "bits": f32_bits(r), "key_after": key_list(state)}
    s = jax.random.uniform(split_key(), (1,))
    out["sample1"] = {"values": floats(s), "bits": f32_bits(s), "key_after": key_list(state)}
    k = split_key()
    out["split_key"] = {"returned": key_list(k), "key_after": key_list(state)}
    ks = jax.random.split(state, 3)
    state = ks[0]
    out["split_keys2"] = {"returned": [key_list(x) for x in ks[1:]], "key_after": key_list(state)}
    n = jax.random.normal(split_key(), (2, 3))
    out["normal23"] = {"values": floats(n), "key_after": key_list(state)}
    # DEFAULT after bm.random.seed(654321), then random(3) and randint(0, 10, (4,)).
    state = jax.random.PRNGKey(654321)
    u = jax.random.uniform(split_key(), (3,))
    i = jax.random.randint(split_key(), (4,), 0, 10)
    out["default_654321"] = {
        "random3": floats(u),
        "random3_bits": f32_bits(u),
        "randint4": ints(i),
        "key_after": key_list(state),
    }
    return out


def fixtures_for(partitionable):
    jax.config.update("jax_threefry_partitionable", partitionable)
    fixtures = {"jax_version": jax.__version__, "threefry_partitionable": partitionable}
    jax.config.update("jax_enable_x64", False)
    fixtures["seeds"] = [per_seed(s) for s in SEEDS]
    if not partitionable:
        fixtures["seeds_more"] = [per_seed_original(s) for s in SEEDS]
        fixtures["brainpy"] = brainpy_seed()
    jax.config.update("jax_enable_x64", True)
    fixtures["seeds_x64"] = [per_seed_x64(s) for s in SEEDS[:3] + SEEDS_64]
    jax.config.update("jax_enable_x64", False)
    return fixtures


def write(name, fixtures):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


def main():
    write("random.json", fixtures_for(True))
    write("random_original.json", fixtures_for(False))
    jax.config.update("jax_threefry_partitionable", True)


if __name__ == "__main__":
    main()
