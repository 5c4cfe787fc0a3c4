"""The libpysal + esda pipeline on a benchmark GeoPackage (run without QGIS).

Prints one JSON line: seconds per stage and peak memory. Also saves the
queen neighbours so the benchmark can check ours are identical.
"""
import json
import resource
import sys
import time

import numpy as np


def main(path, neighbours_out, periods, permutations, stages="all"):
    """``stages="large"``: weights and global Moran only (the 1,000,000 size)."""
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
    if stages != "all":
        t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps(t))
        return
    start = time.perf_counter()
    results = {}
    for c in cols:
        lm = esda.Moran_Local(gdf[c].values, wq, permutations=permutations, seed=12345)
        results[c] = lm
    t["lisa"] = time.perf_counter() - start

    start = time.perf_counter()
    for c, lm in results.items():
        p = c[1:]
        gdf[f"lisa_i_{p}"] = lm.Is
        gdf[f"lisa_z_{p}"] = lm.z_sim
        gdf[f"lisa_p_{p}"] = lm.p_sim
        gdf[f"lisa_q_{p}"] = lm.q
        gdf[f"lisa_cl_{p}"] = np.where(lm.p_sim <= 0.05, lm.q, 0)
    gdf.to_file(path.replace(".gpkg", "_esda_out.gpkg"), layer="lisa", driver="GPKG")
    t["write"] = time.perf_counter() - start
    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(t))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]),
         sys.argv[5] if len(sys.argv) > 5 else "all")
