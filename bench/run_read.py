"""Reading (and optionally the LISA tool end to end) on a benchmark GeoPackage.

    python bench/run_read.py bench_output/tess_100000.gpkg [--repeats 3] [--lisa] [--iterator]

Prints one JSON line, seconds (median of the repeats, interleaved so that a
busy machine slows every reader alike):

- ``read_bulk``: ``read_polygons`` through GDAL's Arrow stream (every field
  and the geometry, features kept for the output, as the tools read);
- ``read_iterator``: the same through QGIS's feature iterator
  (``RR_NO_BULK_READ=1``), with ``--iterator``;
- ``pyogrio_raw``: ``pyogrio.raw.read`` (every field and the WKB, pyogrio's
  own GDAL) and ``geopandas``: ``geopandas.read_file`` with pyogrio (shapely
  geometries, the libpysal pipeline's read), when installed;
- with ``--lisa``: ``lisa_end_to_end`` (the Local Moran tool, GeoPackage in,
  GeoPackage out, 999 permutations, 10 periods) on the bulk path, and
  ``lisa_end_to_end_iterator`` with ``--iterator`` too.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.append("/usr/share/qgis/python/plugins")

from tessellation import PERIODS  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lisa", action="store_true", help="also run the LISA tool end to end")
    parser.add_argument("--iterator", action="store_true", help="also time QGIS's iterator")
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()

    from qgis.core import QgsApplication, QgsVectorLayer

    app = QgsApplication([], False)
    app.initQgis()
    from regional_resilience.algorithms.inputs import ogr_bulk
    from regional_resilience.algorithms.inputs.layer import read_polygons

    fields = [f"v{p}" for p in PERIODS]
    try:
        import pyogrio
    except ImportError:
        pyogrio = None
    try:
        import geopandas
    except ImportError:
        geopandas = None

    def ours(bulk):
        def run():
            layer = QgsVectorLayer(args.path, "cells", "ogr")
            data = read_polygons(layer, fields, "rid", geometry=True, keep_features=True, bulk=bulk)
            return data.reader
        return run

    times = {}
    readers = {}
    for _ in range(args.repeats):
        t, readers["bulk"] = timed(ours(None))
        times.setdefault("read_bulk", []).append(t)
        if pyogrio is not None:
            times.setdefault("pyogrio_raw", []).append(timed(lambda: pyogrio.raw.read(args.path))[0])
        if geopandas is not None:
            times.setdefault("geopandas", []).append(
                timed(lambda: geopandas.read_file(args.path, engine="pyogrio"))[0])
        if args.iterator:
            t, readers["iterator"] = timed(ours(False))
            times.setdefault("read_iterator", []).append(t)
    out = {k: statistics.median(v) for k, v in times.items()}
    out["runs"] = times
    out["reader"] = readers
    if "pyogrio_raw" in out:
        out["bulk_over_pyogrio_raw"] = out["read_bulk"] / out["pyogrio_raw"]
    if "geopandas" in out:
        out["bulk_over_geopandas"] = out["read_bulk"] / out["geopandas"]

    if args.lisa:
        from processing.core.Processing import Processing

        Processing.initialize()
        import processing

        from regional_resilience.processing_provider.provider import RegionalResilienceProvider

        provider = RegionalResilienceProvider()  # keep a reference: the registry does not own it
        QgsApplication.processingRegistry().addProvider(provider)
        # warm-up on a small layer: Processing's first run and the numba
        # kernels' cache load are not charged to the first variant timed
        small = str(ROOT / "tests" / "data" / "mexico.gpkg")
        processing.run("regional_resilience:localmoran", {
            "INPUT": small, "FIELDS": ["PCGDP1940", "PCGDP1950"], "PERMUTATIONS": 99,
            "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"})
        variants = [("lisa_end_to_end", None)]
        if args.iterator:
            variants.append(("lisa_end_to_end_iterator", "1"))
        for key, env in variants:
            dest = args.path.replace(".gpkg", f"_{key}.gpkg")
            if os.path.exists(dest):
                os.remove(dest)
            if env:
                os.environ[ogr_bulk.ENV_DISABLE] = env
            try:
                out[key] = timed(lambda: processing.run("regional_resilience:localmoran", {
                    "INPUT": args.path, "ID_FIELD": "rid", "FIELDS": fields,
                    "PERMUTATIONS": args.permutations, "SEED": 12345, "OUTPUT": dest,
                    "SUMMARY": "TEMPORARY_OUTPUT"}))[0]
            finally:
                os.environ.pop(ogr_bulk.ENV_DISABLE, None)
            os.remove(dest)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
