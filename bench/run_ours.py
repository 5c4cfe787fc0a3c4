"""Regional Resilience on a benchmark GeoPackage, inside QGIS.

Prints one JSON line: seconds per stage (the core stages alone, and the whole
Processing runs from GeoPackage to styled GeoPackage) and peak memory.
"""
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append("/usr/share/qgis/python/plugins")

import numpy as np  # noqa: E402
from qgis.core import QgsApplication, QgsVectorLayer  # noqa: E402


def main(path, neighbours_ref, periods, permutations):
    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from regional_resilience.algorithms.inputs.layer import read_polygons
    from regional_resilience.core import contiguity, geometry, lisa, moran
    from regional_resilience.processing_provider.provider import RegionalResilienceProvider

    provider = RegionalResilienceProvider()  # keep a reference: the registry does not own it from Python
    QgsApplication.processingRegistry().addProvider(provider)
    import processing

    t = {}
    fields = [f"v{p}" for p in periods]
    layer = QgsVectorLayer(path, "cells", "ogr")
    start = time.perf_counter()
    data = read_polygons(layer, fields, geometry=True, keep_features=True)
    t["read"] = time.perf_counter() - start  # GDAL's Arrow stream for this GeoPackage
    t["reader"] = data.reader
    start = time.perf_counter()
    read_polygons(QgsVectorLayer(path, "cells", "ogr"), fields, geometry=True, keep_features=True,
                  bulk=False)
    t["read_iterator"] = time.perf_counter() - start  # QGIS's feature iterator (RR_NO_BULK_READ=1)
    start = time.perf_counter()
    polys = geometry.parse_wkb_polygons(data.wkbs)
    t["parse_wkb"] = time.perf_counter() - start
    start = time.perf_counter()
    wq = contiguity.contiguity_weights(polys, rule="queen")
    t["queen"] = time.perf_counter() - start
    start = time.perf_counter()
    contiguity.contiguity_weights(polys, rule="rook")
    t["rook"] = time.perf_counter() - start
    start = time.perf_counter()
    contiguity.contiguity_weights(polys, rule="queen", tolerance=0.01)
    t["queen_snap"] = time.perf_counter() - start
    if neighbours_ref and os.path.exists(neighbours_ref):
        ref = np.load(neighbours_ref)
        t["queen_equals_libpysal"] = bool(np.array_equal(ref["indptr"], wq.indptr)
                                          and np.array_equal(ref["indices"], wq.indices))
    w = wq.row_standardized()
    y = np.column_stack([data.columns[f] for f in fields])
    start = time.perf_counter()
    moran.moran_global(y, w, permutations=permutations, seed=12345)
    t["moran"] = time.perf_counter() - start
    start = time.perf_counter()
    lisa.moran_local(y, w, permutations=permutations, seed=12345)
    t["lisa"] = time.perf_counter() - start
    del data, polys, wq, w

    out = path.replace(".gpkg", "_rr_out.gpkg")
    if os.path.exists(out):
        os.remove(out)
    start = time.perf_counter()
    processing.run("regional_resilience:localmoran", {
        "INPUT": path, "ID_FIELD": "rid", "FIELDS": fields, "PERMUTATIONS": permutations,
        "SEED": 12345, "OUTPUT": out, "SUMMARY": "TEMPORARY_OUTPUT"})
    t["lisa_end_to_end"] = time.perf_counter() - start
    start = time.perf_counter()
    processing.run("regional_resilience:globalmoran", {
        "INPUT": path, "ID_FIELD": "rid", "FIELDS": fields, "PERMUTATIONS": permutations,
        "SEED": 12345, "OUTPUT": "TEMPORARY_OUTPUT"})
    t["moran_end_to_end"] = time.perf_counter() - start
    t["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(t))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]))
