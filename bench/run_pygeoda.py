"""GeoDa's C++ core (pygeoda) on a benchmark GeoPackage, when installed.

pygeoda reads only shapefiles, so the GeoPackage is converted once (not
timed). Prints one JSON line: seconds for queen and rook weights and for
LISA with the given permutations over all periods, and peak memory.
"""
import json
import os
import resource
import sys
import time


def main(path, periods, permutations, stages="all"):
    """``stages="large"``: weights only (the 1,000,000 size)."""
    import geopandas
    import pygeoda

    shp = path.replace(".gpkg", "_pygeoda.shp")
    if not os.path.exists(shp):
        geopandas.read_file(path).to_file(shp)
    t = {}
    start = time.perf_counter()
    g = pygeoda.open(shp)
    t["read"] = time.perf_counter() - start
    start = time.perf_counter()
    w = pygeoda.queen_weights(g)
    t["queen"] = time.perf_counter() - start
    start = time.perf_counter()
    pygeoda.rook_weights(g)
    t["rook"] = time.perf_counter() - start
    if stages == "all":
        start = time.perf_counter()
        for p in periods:
            pygeoda.local_moran(w, g[f"v{p}"], permutations=permutations, seed=12345)
        t["lisa"] = time.perf_counter() - start
    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(t))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]),
         sys.argv[4] if len(sys.argv) > 4 else "all")
