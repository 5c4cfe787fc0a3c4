"""Classic and spatial Markov chains at scale: 100,000 regions x 20 periods.

Random-walk values on a 250 x 400 rook lattice (row-standardised weights
built here with numpy). Times :func:`markov` (quantiles per period, k=4) and
:func:`spatial_markov` (pooled quantiles, k=m=4), median of 3 runs after one
warm-up. Prints one JSON line (stage -> seconds, plus sizes) last.

    cd /work/main && PYTHONPATH=. .venv/bin/python bench/run_markov.py [rows cols periods]
"""
import json
import statistics
import sys
import time

import numpy as np

from regional_resilience.core.markov import markov, spatial_markov
from regional_resilience.core.weights import from_neighbor_pairs


def lattice_rook(nrows, ncols):
    """Row-standardised rook contiguity of an nrows x ncols grid."""
    idx = np.arange(nrows * ncols).reshape(nrows, ncols)
    right = np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    down = np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])
    pairs = np.vstack([right, down])
    i = np.concatenate([pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return from_neighbor_pairs(nrows * ncols, i, j, kind="rook").row_standardized()


def timed(fn, repeats=3):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(nrows=250, ncols=400, periods=20):
    rng = np.random.default_rng(0)
    n = nrows * ncols
    values = 100.0 + np.cumsum(rng.normal(size=(n, periods)), axis=1)
    start = time.perf_counter()
    w = lattice_rook(nrows, ncols)
    build = time.perf_counter() - start
    t = {
        "markov": timed(lambda: markov(values, k=4, classes="period")),
        "spatial_markov": timed(lambda: spatial_markov(values, w, k=4, m=4)),
    }
    t["total"] = t["markov"] + t["spatial_markov"]
    t["weights_build"] = build
    t["regions"] = n
    t["periods"] = periods
    t["nnz"] = int(w.nnz)
    print(json.dumps(t))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
