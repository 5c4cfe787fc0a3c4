"""make bench: Regional Resilience next to libpysal + esda on the same data.

For each size (generated Voronoi tessellations, ~25 vertices and ~6
neighbours per polygon, 10 periods) it runs, each in a fresh process:
- the libpysal + esda pipeline (geopandas read, Queen/Rook.from_dataframe,
  esda.Moran and esda.Moran_Local with 999 permutations, geopandas write);
- ours: the core stages alone, then the Processing tools end to end from
  GeoPackage to GeoPackage.
It prints seconds per stage, the ratio to the reference, peak memory, the
growth exponent of each stage between sizes, and the numba compile pause, and
writes the table to bench_output/bench.md. It is a benchmark, not a test:
it prints figures and fails only if a run fails.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench_output"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from tessellation import PERIODS  # noqa: E402

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))


def run_json(args, env=None):
    proc = subprocess.run([sys.executable] + args, capture_output=True, text=True, env=env or ENV)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def generate(n):
    path = OUT / f"tess_{n}.gpkg"
    if not path.exists():
        code = (
            "import os, sys; os.environ.setdefault('QT_QPA_PLATFORM','offscreen');"
            f"sys.path.insert(0, {str(HERE)!r});"
            "from qgis.core import QgsApplication; a=QgsApplication([], False); a.initQgis();"
            "import tessellation;"
            f"tessellation.write_gpkg({str(path)!r}, {n})"
        )
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit("could not generate the tessellation")
        print(f"  generated {path.name} in {time.perf_counter() - start:.1f} s")
    return path


def compile_pause():
    """Compiling the numba kernels in a new process: with an empty cache, then
    loading them from the filled cache (``_kernels.warm_up`` compiles every
    kernel on tiny inputs, as the first large run would)."""
    code = (
        "import time; t=time.perf_counter();"
        "from regional_resilience.core import _kernels;"
        "_kernels.warm_up();"
        "print('{\"seconds\": %f}' % (time.perf_counter()-t))"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(ENV, NUMBA_CACHE_DIR=cache)
        cold = run_json(["-c", code], env)["seconds"]
        warm = run_json(["-c", code], env)["seconds"]
    return cold, warm


STAGES = [
    # (label, ours key, reference key)
    ("read GeoPackage", "read", "read"),
    ("queen weights", "queen", "queen"),
    ("rook weights", "rook", "rook"),
    ("queen weights, snapping", "queen_snap", None),
    ("global Moran, 10 periods", "moran", "moran"),
    ("LISA, 10 periods", "lisa", "lisa"),
    ("LISA tool end to end (GeoPackage to GeoPackage)", "lisa_end_to_end", "pipeline"),
    ("Moran tool end to end", "moran_end_to_end", None),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--no-reference", action="store_true", help="skip libpysal + esda")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(exist_ok=True)
    periods = ",".join(PERIODS)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cold, warm = compile_pause()
    print(f"numba kernels in a new process: {cold:.2f} s to compile all with an empty cache, "
          f"{warm:.2f} s to load them from the cache")

    results, geoda_results = {}, {}
    if not have_pygeoda():
        print("pygeoda (GeoDa's C++ core) is not installed: its column is left out")
    for n in sizes:
        print(f"\n== {n} polygons x {len(PERIODS)} periods, {args.permutations} permutations")
        path = generate(n)
        ref_nb = OUT / f"tess_{n}_queen_ref.npz"
        ref = None
        if not args.no_reference:
            ref = run_json([str(HERE / "run_reference.py"), str(path), str(ref_nb), periods,
                            str(args.permutations)])
            ref["pipeline"] = ref["read"] + ref["queen"] + ref["moran"] + ref["lisa"] + ref["write"]
        geoda = None
        if have_pygeoda():
            geoda = run_json([str(HERE / "run_pygeoda.py"), str(path), periods, str(args.permutations)])
        ours = run_json([str(HERE / "run_ours.py"), str(path), str(ref_nb) if ref else "", periods,
                         str(args.permutations)])
        results[n] = (ours, ref)
        geoda_results[n] = geoda
        for label, ok, rk in STAGES:
            line = f"  {label:<50} {ours[ok]:8.2f} s"
            if ref and rk:
                line += f"   libpysal/esda {ref[rk]:8.2f} s   ratio {ref[rk] / max(ours[ok], 1e-9):6.1f}x"
            if geoda and ok in GEODA_STAGES:
                line += f"   pygeoda {geoda[ok]:8.2f} s   ratio {geoda[ok] / max(ours[ok], 1e-9):6.1f}x"
            print(line)
        if ref:
            print(f"  esda numba compile (once per process)               {ref['esda_compile']:8.2f} s")
            print(f"  queen neighbours identical to libpysal: {ours.get('queen_equals_libpysal')}")
        print(f"  peak memory: ours {ours['peak_mb']:.0f} MB" + (f", libpysal/esda {ref['peak_mb']:.0f} MB" if ref else ""))

    if len(sizes) > 1:
        print("\nGrowth exponent (1 = linear) between the two largest sizes:")
        a, b = sizes[-2], sizes[-1]
        for label, ok, _ in STAGES:
            ta, tb = results[a][0][ok], results[b][0][ok]
            if ta > 0.01:
                print(f"  {label:<50} {math.log(tb / ta) / math.log(b / a):5.2f}")

    indices = run_json([str(HERE / "run_indices.py"), "50000", "20"])
    print("\nComposite indices, 1,000,000 region-years x 10 indicators (50,000 regions x 20 years), pooled:")
    print(f"  entropy + CV + CRITIC weights {indices['weights']:.2f} s; development index "
          f"{indices['index']:.2f} s; entropy-TOPSIS {indices['topsis']:.2f} s")

    write_markdown(sizes, results, geoda_results, cold, warm, args.permutations, indices)
    print(f"\nTable written to {OUT / 'bench.md'}")


def have_pygeoda():
    proc = subprocess.run([sys.executable, "-c", "import pygeoda"], capture_output=True, env=ENV)
    return proc.returncode == 0


GEODA_STAGES = ("queen", "rook", "lisa")


def write_markdown(sizes, results, geoda_results, cold, warm, permutations, indices):
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}), "
        f"{len(PERIODS)} periods, {permutations} permutations; seconds for ours, in brackets the "
        "libpysal/esda (and pygeoda, GeoDa's C++ core) time on the same data and how many times "
        "slower it is.",
        "",
        "| stage | " + " | ".join(f"{n:,} polygons" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for label, ok, rk in STAGES:
        cells = []
        for n in sizes:
            ours, ref = results[n]
            cell = f"{ours[ok]:.2f}"
            if ref and rk:
                cell += f" (esda {ref[rk]:.1f}, {ref[rk] / max(ours[ok], 1e-9):.1f}x)"
            geoda = geoda_results.get(n)
            if geoda and ok in GEODA_STAGES:
                cell += f" (GeoDa {geoda[ok]:.1f}, {geoda[ok] / max(ours[ok], 1e-9):.1f}x)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| peak memory, MB (ours / libpysal+esda) | " + " | ".join(
        f"{results[n][0]['peak_mb']:.0f} / {results[n][1]['peak_mb']:.0f}" if results[n][1]
        else f"{results[n][0]['peak_mb']:.0f}" for n in sizes) + " |")
    lines.append("")
    lines.append(f"numba kernels in a new process: {cold:.2f} s to compile all (empty cache), "
                 f"{warm:.2f} s to load from the cache.")
    lines.append(
        f"Composite indices on 1,000,000 region-years x 10 indicators (pooled): entropy + CV + CRITIC "
        f"weights {indices['weights']:.2f} s, development index {indices['index']:.2f} s, "
        f"entropy-TOPSIS {indices['topsis']:.2f} s.")
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
