"""Regional-disparity core at scale: Dagum Gini, Theil and sigma convergence.

Default size is the performance target: 100,000 regions in 4 groups over 20
periods, lognormal values (fixed seed). Each stage is run once to warm up and
then timed 3 times; the median (seconds) is reported. Prints one JSON line
(last line of stdout).

Usage: ``PYTHONPATH=. python bench/run_inequality.py [regions] [periods] [groups]``
"""
import json
import statistics
import sys
import time

import numpy as np

from regional_resilience.core.inequality import dagum_gini, sigma_convergence, theil


def _median_time(fn, repeats=3):
    fn()  # warm-up (no numba here; first-call overhead excluded)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main(regions=100_000, periods=20, groups=4):
    rng = np.random.default_rng(0)
    values = rng.lognormal(mean=10.0, sigma=0.6, size=(regions, periods))
    names = ["east", "central", "west", "northeast"]
    names = np.array((names + [f"group{j}" for j in range(4, groups)])[:groups])
    labels = names[rng.integers(0, groups, size=regions)]
    stages = {
        "dagum": lambda: dagum_gini(values, labels),
        "theil": lambda: theil(values, labels),
        "sigma": lambda: sigma_convergence(values, labels, log=True),
    }
    out = {}
    for name, fn in stages.items():
        med, runs = _median_time(fn)
        out[name] = round(med, 4)
        print(f"{name}: median {med:.3f} s of {[round(r, 3) for r in runs]}", file=sys.stderr)
    res = dagum_gini(values, labels)
    assert np.allclose(res.G_w + res.G_nb + res.G_t, res.G, rtol=1e-10)
    out.update(regions=regions, periods=periods, groups=groups)
    print(json.dumps(out))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
