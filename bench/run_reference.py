"""The libpysal + esda pipeline on a benchmark GeoPackage (run without QGIS).

Prints one JSON line: seconds per stage and peak memory. Also saves the
queen neighbours so the benchmark can check ours are identical.
"""
import json
import resource
import sys
import time

import numpy as np


def main(path, neighbours_out, periods, permutations, lean=False):
    """Every stage; each period's LISA object is dropped once its columns
    are taken, as a script that writes them would. ``lean`` (the 1,000,000
    size): ``keep_simulations=False``, so no ``z_sim`` column: with esda's
    default the simulations are 8 GB a period there, and its statistics of
    them another 7.4 GB, more than a 24 GB machine has."""
    import esda
    import geopandas
    import libpysal

    t = {}
    start = time.perf_counter()
    # numba compilation of esda's kernels, on a tiny problem, measured apart
    tiny = libpysal.weights.lat2W(4, 4)
    esda.Moran_Local(np.arange(16.0), tiny, permutations=9, seed=1)
    t["esda_compile"] = time.perf_counter() - start

    start = time.perf_counter()
    gdf = geopandas.read_file(path)
    t["read"] = time.perf_counter() - start

    start = time.perf_counter()
    wq = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
    t["queen"] = time.perf_counter() - start
    start = time.perf_counter()
    libpysal.weights.Rook.from_dataframe(gdf, use_index=False, silence_warnings=True)
    t["rook"] = time.perf_counter() - start
    sp = wq.sparse.tocsr()
    sp.sort_indices()
    np.savez(neighbours_out, indptr=sp.indptr, indices=sp.indices)

    wq.transform = "r"
    cols = [f"v{p}" for p in periods]
    start = time.perf_counter()
    for c in cols:
        np.random.seed(12345)
        esda.Moran(gdf[c].values, wq, permutations=permutations)
    t["moran"] = time.perf_counter() - start
    t["lisa"] = t["write"] = 0.0
    results = {}
    for c in cols:
        start = time.perf_counter()
        lm = esda.Moran_Local(gdf[c].values, wq, permutations=permutations, seed=12345,
                              keep_simulations=not lean)
        t["lisa"] += time.perf_counter() - start
        start = time.perf_counter()
        p = c[1:]
        results[f"lisa_i_{p}"] = lm.Is
        if not lean:
            results[f"lisa_z_{p}"] = lm.z_sim
        results[f"lisa_p_{p}"] = lm.p_sim
        results[f"lisa_q_{p}"] = lm.q
        results[f"lisa_cl_{p}"] = np.where(lm.p_sim <= 0.05, lm.q, 0)
        t["write"] += time.perf_counter() - start
        del lm  # its simulations (kept by esda's default) are 8 GB a period at 1,000,000 polygons
    start = time.perf_counter()
    for name, values in results.items():
        gdf[name] = values
    gdf.to_file(path.replace(".gpkg", "_esda_out.gpkg"), layer="lisa", driver="GPKG")
    t["write"] += time.perf_counter() - start
    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(t))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]),
         lean=len(sys.argv) > 5 and sys.argv[5] == "lean")
