"""Grade-map classification core at scale.

Stages (median seconds of 3 runs after one warm-up run):

* ``jenks_10000`` / ``jenks_2000``: exact Fisher-Jenks, k=5, on 10,000 /
  2,000 distinct lognormal values (``classify``, engine chosen as in use),
  with ``_numpy`` / ``_numba`` variants forcing the engine;
* ``jenks_sampled_100000``: 100,000 lognormal values with ``max_exact=10000``
  (breaks from a 10,000-value sorted-stratified sample, all values
  classified); ``jenks_exact_100000``: the same values exact (default
  ``max_exact``);
* ``quantiles_panel``: quantiles, k=5, of a 100,000 x 20 panel, breaks per
  period; ``quantiles_panel_pooled``: pooled breaks.

numba: ``numba_load`` is the first kernel call in this process (loads the
on-disk cache, or compiles when the cache is cold); ``numba_compile_cold`` is
a compile in a fresh process with an empty numba cache directory.

Usage: ``cd /work/main && PYTHONPATH=. .venv/bin/python bench/run_classify.py``
Prints one JSON line (last line of stdout).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from regional_resilience.core import classify as C  # noqa: E402


def _median_time(fn, repeat=3):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _cold_compile_seconds():
    code = (
        "from regional_resilience.core import classify as C\n"
        "print(C.warm_up())\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache,
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    rng = np.random.default_rng(0)
    t = {}
    info = {"numba": bool(C._HAVE_KERNEL and C._kernels.numba_enabled())}
    if info["numba"]:
        t["numba_load"] = C.warm_up()
        t["numba_compile_cold"] = _cold_compile_seconds()

    for n in (10000, 2000):
        y = rng.lognormal(size=n)
        assert len(np.unique(y)) == n
        t[f"jenks_{n}"] = _median_time(lambda: C.classify(y, "fisher_jenks", 5))
        t[f"jenks_{n}_numpy"] = _median_time(lambda: C.jenks_breaks(y, 5, engine=False))
        if info["numba"]:
            t[f"jenks_{n}_numba"] = _median_time(lambda: C.jenks_breaks(y, 5, engine=True))

    y = rng.lognormal(size=100000)
    res = C.classify(y, "fisher_jenks", 5, max_exact=10000)
    info["sampled"] = bool(res.sampled)
    info["sample_size"] = int(res.sample_size)
    t["jenks_sampled_100000"] = _median_time(
        lambda: C.classify(y, "fisher_jenks", 5, max_exact=10000))
    exact = C.classify(y, "fisher_jenks", 5)
    info["gvf_sampled"] = round(float(res.gvf), 6)
    info["gvf_exact_100000"] = round(float(exact.gvf), 6)
    t["jenks_exact_100000"] = _median_time(lambda: C.classify(y, "fisher_jenks", 5))

    Y = rng.lognormal(size=(100000, 20))
    t["quantiles_panel"] = _median_time(lambda: C.classify(Y, "quantiles", 5))
    t["quantiles_panel_pooled"] = _median_time(
        lambda: C.classify(Y, "quantiles", 5, pooled=True))

    info["sizes"] = {"jenks": [10000, 2000, 100000], "k": 5, "panel": [100000, 20]}
    out = {k: round(v, 4) for k, v in t.items()}
    out.update(info)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
