"""Composite-index core at scale: 1,000,000 region-years x 10 indicators.

Prints one JSON line: seconds (median of 3 runs) for entropy + CV + CRITIC
weights, the development index (weights, standardisation and sums, 3
subsystems) and entropy-TOPSIS, all pooled over the region-years.
"""
import json
import statistics
import sys
import time

import numpy as np

from regional_resilience.core.development_index import composite_index
from regional_resilience.core.indicator_weights import objective_weights
from regional_resilience.core.topsis import topsis


def median_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(regions, periods, indicators=10):
    rng = np.random.default_rng(0)
    X = rng.lognormal(size=(regions, periods, indicators))
    positive = np.arange(indicators) % 4 != 3
    subsystems = [("economic", "social", "ecological")[j % 3] for j in range(indicators)]
    w = objective_weights(X, positive, ("entropy", "cv", "critic"))
    t = {
        "weights": median_time(lambda: objective_weights(X, positive, ("entropy", "cv", "critic"))),
        "index": median_time(lambda: composite_index(X, positive, weights="entropy",
                                                     subsystems=subsystems)),
        "topsis": median_time(lambda: topsis(X, positive, w.weights)),
        "region_years": regions * periods,
    }
    print(json.dumps(t))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
