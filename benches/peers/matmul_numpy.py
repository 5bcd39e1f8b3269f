"""NumPy's matmul (OpenBLAS) on the products of examples/matmul_bench.rs,
timed the same way: two warm-up runs, then the median and fastest of `reps`.

    python3 benches/peers/matmul_numpy.py [reps]
"""
import sys
import time

import numpy as np

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 21
rng = np.random.default_rng(0)
cases = [
    ("square 1024", (1024, 1024, 1024), np.float32),
    ("mlp 128x784x256", (128, 784, 256), np.float32),
    ("square 1024", (1024, 1024, 1024), np.float64),
    ("mlp 128x784x256", (128, 784, 256), np.float64),
]
for name, (m, k, n), dtype in cases:
    a = rng.uniform(-1, 1, (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, (k, n)).astype(dtype)
    for _ in range(2):
        a @ b
    t = []
    for _ in range(reps):
        start = time.perf_counter()
        a @ b
        t.append(time.perf_counter() - start)
    t.sort()
    flops = 2.0 * m * k * n
    print(
        f"numpy {name} {np.dtype(dtype).name}: median {t[reps // 2] * 1e3:.3f} ms "
        f"(min {t[0] * 1e3:.3f} ms, {flops / t[reps // 2] / 1e9:.1f} GFLOP/s)"
    )
