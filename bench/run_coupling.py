"""Coupling coordination and Martin's index at scale: 1,000,000 region-years.

Usage: ``PYTHONPATH=. python bench/run_coupling.py [regions] [periods]``
(default 50,000 x 20).

Stages (median of 3 timed runs after one warm-up, seconds):

* ``coupling_2`` / ``coupling_3``: :func:`coupling_coordination` with 2 and
  3 systems — input checks, C, T, D, ten-level grades, relative development
  type and the per-period summary (national and for 31 groups).
* ``martin``: :func:`martin_resilience`, every year pair with k = 1,
  national reference.
* ``martin_groups``: the same with 31 group references.

Prints one JSON line (stage -> seconds, plus the sizes) as the last line.
"""
import json
import statistics
import sys
import time

import numpy as np

from regional_resilience.core.coupling import coupling_coordination
from regional_resilience.core.resilience import martin_resilience


def _time(fn, repeats=3):
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def main(regions=50_000, periods=20):
    rng = np.random.default_rng(0)
    # development indices in [0, 1] with a regional level and noise
    level = rng.beta(2, 3, (regions, 1))
    U = [np.clip(level + 0.15 * rng.standard_normal((regions, periods)), 0, 1) for _ in range(3)]
    groups = rng.integers(0, 31, regions).astype(str)
    Y = rng.lognormal(10, 1, (regions, 1)) * np.cumprod(
        1 + 0.02 + 0.05 * rng.standard_normal((regions, periods)), axis=1
    )

    out = {"regions": regions, "periods": periods, "region_years": regions * periods}
    detail = {}
    stages = {
        "coupling_2": lambda: coupling_coordination(U[:2], groups=groups),
        "coupling_3": lambda: coupling_coordination(U, (0.3, 0.3, 0.4), groups=groups),
        "martin": lambda: martin_resilience(Y, 1),
        "martin_groups": lambda: martin_resilience(Y, 1, groups=groups),
    }
    for name, fn in stages.items():
        med, runs = _time(fn)
        out[name] = round(med, 4)
        detail[name] = [round(r, 4) for r in runs]
        print(f"{name}: median {med:.3f} s, runs {detail[name]}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
