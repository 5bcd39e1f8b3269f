"""Golden values for heron's gathers, scatters and dynamic slices.

Computes each case with JAX (`x.at[idx].add/set`, `jax.ops.segment_sum`,
`lax.dynamic_slice`, `lax.dynamic_update_slice`) or NumPy (`np.take`,
`np.take_along_axis`, and `set` with duplicate indices, which JAX leaves
unspecified and heron defines as NumPy's last-write-wins), and writes
`cases.json` beside this script. Run: `python3 tests/golden_gather/gen.py`.
"""

import json
import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

rng = np.random.default_rng(20261207)


def arr(a):
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.ravel().tolist()}


def floats(*shape):
    # Multiples of 1/64 in [-4, 4): float32 sums are exact in any order.
    return (rng.integers(-256, 256, size=shape) / 64.0).astype(np.float32)


def idx(n, size):
    return rng.integers(-n, n, size=size).astype(np.int32)


cases = []


def case(name, op, inputs, want, **args):
    cases.append({"name": name, "op": op, "inputs": [arr(x) for x in inputs], "args": args, "want": arr(want)})


for n in [1, 3, 4, 5, 7, 8, 9, 17, 63, 64, 65]:
    x = floats(n, 3)
    i = idx(n, (2, 4))
    case(f"take axis 0 n={n}", "take", [x, i], np.take(x, i, axis=0), axis=0)
    i1 = idx(3, (n,))
    case(f"take axis 1 n={n}", "take", [x, i1], np.take(x, i1, axis=1), axis=1)

    ia = idx(3, (n, 2))
    case(f"take_along_axis axis 1 n={n}", "take_along_axis", [x, ia], np.take_along_axis(x, ia, axis=1), axis=1)
    ib = idx(n, (2, 1))
    case(f"take_along_axis broadcast n={n}", "take_along_axis", [x, ib], np.take_along_axis(x, ib, axis=0), axis=0)

    k = 2 * n + 1
    i = idx(n, (k,))
    v = floats(k, 3)
    case(f"at add n={n}", "at_add", [x, i, v], np.asarray(jnp.asarray(x).at[i].add(v)))
    vb = floats(3)
    case(f"at add broadcast n={n}", "at_add", [x, i, vb], np.asarray(jnp.asarray(x).at[i].add(vb)))
    xi = rng.integers(-50, 50, size=(n,)).astype(np.int32)
    vi = rng.integers(-50, 50, size=(k,)).astype(np.int32)
    case(f"at add int n={n}", "at_add", [xi, i, vi], np.asarray(jnp.asarray(xi).at[i].add(vi)))
    # Unique rows, counted from the end half the time; as i64 indices.
    u = (rng.permutation(n)[: max(1, n // 2)] - n * int(rng.integers(0, 2))).astype(np.int64)
    vu = floats(len(u), 3)
    case(f"at set unique n={n}", "at_set", [x, u, vu], np.asarray(jnp.asarray(x).at[u].set(vu)))
    want = x.copy()
    want[i] = v  # NumPy: the last of duplicate indices wins.
    case(f"at set duplicates n={n}", "at_set", [x, i, v], want)

    segs = 1 + n % 7
    ids = rng.integers(0, segs, size=(n,)).astype(np.int32)
    case(
        f"segment_sum n={n}",
        "segment_sum",
        [x, ids],
        np.asarray(jax.ops.segment_sum(x, ids, num_segments=segs)),
        num_segments=segs,
    )

    for starts in [(-1, -1), (-n - 3, 2), (0, 0), (n - 1, 1), (n + 4, 9), (2**31 - 1, -(2**31))]:
        sizes = (max(1, n // 2), 2)
        s = [np.int32(t) for t in starts]
        ds = lax.dynamic_slice(jnp.asarray(x), s, sizes)
        case(f"dynamic_slice n={n} at {starts}", "dynamic_slice", [x, *map(np.asarray, s)], np.asarray(ds), sizes=list(sizes))
        upd = floats(*sizes)
        dus = lax.dynamic_update_slice(jnp.asarray(x), upd, s)
        case(f"dynamic_update_slice n={n} at {starts}", "dynamic_update_slice", [x, upd, *map(np.asarray, s)], np.asarray(dus))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "cases.json"), "w") as f:
    json.dump({"jax": jax.__version__, "numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(len(cases), "cases")
