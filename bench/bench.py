"""make bench: Regional Resilience next to libpysal + esda on the same data.

For each size (generated Voronoi tessellations, ~25 vertices and ~6
neighbours per polygon, 10 periods; 1,000 / 10,000 / 100,000 and then
1,000,000 polygons) it runs, each in a fresh process:
- the libpysal + esda pipeline (geopandas read, Queen/Rook.from_dataframe,
  esda.Moran and esda.Moran_Local with 999 permutations, geopandas write);
- ours: the core stages alone, then the Processing tools end to end from
  GeoPackage to GeoPackage.
It prints seconds per stage, the ratio to the reference, peak memory, the
growth exponent of each stage between sizes, and the numba compile pause;
at 1,000,000 polygons the reference runs only with enough memory free. Then
reading next to pyogrio in one process (bench/run_read.py, at 100,000 and
1,000,000), the other methods' cores, and the tools end to end. It writes
the tables to bench_output/bench.md and between the README's bench markers. ``--read`` runs only the reading
measurement (bench/run_read.py: GDAL's Arrow stream, QGIS's feature iterator,
pyogrio and geopandas in one process; ``--read-lisa`` adds the LISA tool end
to end on both reading paths), e.g. ``python bench/bench.py --read --sizes 100000``.
The table "Tools end to end" (issue #14; bench/run_tools.py, one tool per
fresh process) puts each tool's run from GeoPackage to GeoPackage next to
its core computation on the same arrays and its reading and writing; ``--only
tools`` runs just that part (``--tools a,b`` picks tools, ``--tool-regions``
the size of the 100,000-polygon layer). It is a benchmark, not a test:
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
from run_tools import TOOLS as TOOL_SPECS  # noqa: E402

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))


RAW = OUT / "raw"
#: --reuse: results saved by an earlier run are read back instead of measured again
REUSE = False


def _raw_path(args):
    """Where the result of one step is kept: named by its script and arguments."""
    parts = [Path(args[0]).stem if args[0] != "-c" else "code"] + [Path(a).name for a in args[1:]]
    name = "_".join(p for p in parts if p)[:150]
    return RAW / ("".join(c if c.isalnum() or c in "._-" else "-" for c in name) + ".json")


def run_json(args, env=None, limit_mb=None):
    """Run one step in a fresh process; its JSON result is also saved under
    bench_output/raw/ (so that a failure later in the run loses nothing, and
    ``--reuse`` can write the tables from what was measured)."""
    raw = _raw_path(args)
    if REUSE and raw.exists() and args[0] != "-c":
        got = json.loads(raw.read_text())
        print(f"  (reused: {raw.name}, measured {got.get('measured_at', '?')})")
        return got
    got = _run_json(args, env, limit_mb)
    if args[0] != "-c":
        RAW.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(dict(got, measured_at=time.strftime("%Y-%m-%d %H:%M"))))
    return got


def _run_json(args, env=None, limit_mb=None):
    def limit():
        import resource
        size = int(limit_mb * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))

    proc = subprocess.run([sys.executable] + args, capture_output=True, text=True, env=env or ENV,
                          preexec_fn=limit if limit_mb else None)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def generate(n):
    path = OUT / f"tess_{n}.gpkg"
    if not path.exists():
        # written under another name and renamed when complete, so that an
        # interrupted run never leaves a truncated layer to be reused
        part = OUT / f"tess_{n}.part.gpkg"
        part.unlink(missing_ok=True)
        code = (
            "import os, sys; os.environ.setdefault('QT_QPA_PLATFORM','offscreen');"
            f"sys.path.insert(0, {str(HERE)!r});"
            "from qgis.core import QgsApplication; a=QgsApplication([], False); a.initQgis();"
            "import tessellation;"
            f"tessellation.write_gpkg({str(part)!r}, {n})"
        )
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit("could not generate the tessellation")
        part.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - start:.1f} s")
    return path


COMPILE_KINDS = [
    # (what the user runs, code that compiles or loads its kernels)
    ("global Moran", "from regional_resilience.core import _kernels as k; k.warm_up(kinds=('global',))"),
    ("LISA", "from regional_resilience.core import _kernels as k; k.warm_up(kinds=('local',))"),
    ("Fisher-Jenks", "from regional_resilience.core import classify as k; k.warm_up()"),
    ("all kernels", "from regional_resilience.core import _kernels, classify; "
                    "_kernels.warm_up(); classify.warm_up()"),
]


def compile_pause():
    """The pause of the first run that needs numba kernels, in a new process:
    with an empty cache (compiling, once per installation), then loading them
    from the filled cache; for each tool's kernels alone (the pause in front
    of its user) and for all of them. Returns {label: (cold, warm)}."""
    out = {}
    for label, code in COMPILE_KINDS:
        timed = ("import time; t=time.perf_counter();" + code + ";"
                 "print('{\"seconds\": %f}' % (time.perf_counter()-t))")
        with tempfile.TemporaryDirectory() as cache:
            env = dict(ENV, NUMBA_CACHE_DIR=cache)
            cold = run_json(["-c", timed], env)["seconds"]
            warm = run_json(["-c", timed], env)["seconds"]
        out[label] = (cold, warm)
    return out


STAGES = [
    # (label, ours key, reference key)
    ("read GeoPackage", "read", "read"),
    ("read GeoPackage, QGIS's feature iterator", "read_iterator", None),
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
    parser.add_argument("--no-large-reference", action="store_true",
                        help="skip libpysal + esda at the --large size only (about 50 minutes there)")
    parser.add_argument("--reuse", action="store_true",
                        help="read back the results that an earlier run saved in bench_output/raw/ "
                             "instead of measuring them again (the date of each is printed)")
    parser.add_argument("--large", type=int, default=1000000,
                        help="size of the extra run of every stage, LISA tool included (0: skip)")
    parser.add_argument("--read", action="store_true",
                        help="only the reading measurement (bench/run_read.py) at --sizes and --large: "
                             "GDAL's Arrow stream, QGIS's iterator, pyogrio, geopandas")
    parser.add_argument("--read-lisa", action="store_true",
                        help="with --read: also the LISA tool end to end on both reading paths")
    parser.add_argument("--only", choices=["tools"],
                        help="only one part: 'tools' = the table 'Tools end to end' (bench/run_tools.py)")
    parser.add_argument("--tools", default="",
                        help="the tools of 'Tools end to end' (comma-separated keys of bench/run_tools.py; "
                             "default all)")
    parser.add_argument("--tool-regions", type=int, default=100000,
                        help="polygons of the layer of 'Tools end to end' (the panel models keep 3,000 / 300)")
    args = parser.parse_args()
    global REUSE
    REUSE = args.reuse
    sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(exist_ok=True)
    periods = ",".join(PERIODS)
    if args.read:
        run_read(sizes + ([args.large] if args.large else []), args)
        return
    if args.only == "tools":
        print(f"Machine: {machine()}")
        tools = run_tools(args)
        text = "\n".join(tools_markdown(tools)) + "\n"
        (OUT / "tools.md").write_text(text)
        print(f"\nTable written to {OUT / 'tools.md'}")
        return

    print(f"Machine: {machine()}")
    pauses = compile_pause()
    print("numba kernels in a new process (compile with an empty cache / load from the cache):")
    for label, (cold, warm) in pauses.items():
        print(f"  {label:<20} {cold:6.2f} s / {warm:5.2f} s")

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
            if geoda and ok in GEODA_STAGES and ok in geoda:
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

    large = None
    if args.large:
        large = run_large(args.large, sizes[-1], results[sizes[-1]][0], periods, args)

    print("\nReading next to pyogrio in one process (median of 3 interleaved runs; issue #18: "
          "at most 1.5x):")
    reading = run_read([sizes[-1]] + ([args.large] if args.large else []), args, machine_line=False)

    print("\nThe other methods at scale (core computation, median of repeats; target from issue #10):")
    methods = run_methods()

    tools = run_tools(args)

    write_markdown(sizes, results, geoda_results, pauses, args.permutations, methods, large, tools, reading)
    print(f"\nTable written to {OUT / 'bench.md'}")


LARGE_STAGES = [
    ("read GeoPackage", "read", "read"),
    ("read GeoPackage, QGIS's feature iterator", "read_iterator", None),
    ("queen weights", "queen", "queen"),
    ("rook weights", "rook", "rook"),
    ("queen weights, snapping", "queen_snap", None),
    ("global Moran, 10 periods", "moran", "moran"),
    ("LISA, 10 periods", "lisa", "lisa"),
    ("LISA tool end to end (GeoPackage to GeoPackage)", "lisa_end_to_end", "pipeline"),
    ("Moran tool end to end", "moran_end_to_end", None),
]
# The libpysal + esda reference at 1,000,000 polygons runs only with this much
# memory free, and under a data-size limit of what is free less 2 GB, so that
# running out of memory ends it with a MemoryError (reported) instead of
# waking the kernel's OOM killer.
LARGE_REFERENCE_MB = 12000


def mem_available_mb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def run_large(n, prev_n, prev, periods, args):
    """Every stage but the numba pause at ``n`` polygons (default 1,000,000),
    the libpysal + esda pipeline where memory allows."""
    print(f"\n== {n} polygons x {len(PERIODS)} periods, {args.permutations} permutations")
    path = generate(n)
    ref_nb = OUT / f"tess_{n}_queen_ref.npz"
    ref = geoda = None
    avail = mem_available_mb()
    if args.no_reference or args.no_large_reference:
        print("  libpysal + esda skipped at this size (option)")
    elif avail is not None and avail < LARGE_REFERENCE_MB:
        print(f"  libpysal + esda skipped: {avail:.0f} MB free, it needs about {LARGE_REFERENCE_MB} MB")
    else:
        try:
            ref = run_json([str(HERE / "run_reference.py"), str(path), str(ref_nb), periods,
                            str(args.permutations), "lean"],
                           limit_mb=(avail - 2000) if avail else None)
        except SystemExit as exc:  # out of memory: reported, the bench goes on
            print(f"  libpysal + esda did not complete ({exc})")
        if ref:
            ref["pipeline"] = ref["read"] + ref["queen"] + ref["moran"] + ref["lisa"] + ref["write"]
    if have_pygeoda():
        geoda = run_json([str(HERE / "run_pygeoda.py"), str(path), periods, str(args.permutations),
                          "large"])
    ours = run_json([str(HERE / "run_ours.py"), str(path), str(ref_nb) if ref else "", periods,
                     str(args.permutations)])
    for label, ok, rk in LARGE_STAGES:
        line = f"  {label:<50} {ours[ok]:8.2f} s"
        if ref and rk:
            line += f"   libpysal/esda {ref[rk]:8.2f} s   ratio {ref[rk] / max(ours[ok], 1e-9):6.1f}x"
        if geoda and ok in GEODA_STAGES and ok in geoda:
            line += f"   pygeoda {geoda[ok]:8.2f} s   ratio {geoda[ok] / max(ours[ok], 1e-9):6.1f}x"
        if prev.get(ok, 0) > 0.01:
            line += f"   growth exponent from {prev_n:,}: {math.log(ours[ok] / prev[ok]) / math.log(n / prev_n):.2f}"
        print(line)
    if ref:
        print(f"  queen neighbours identical to libpysal: {ours.get('queen_equals_libpysal')}")
    print(f"  peak memory: ours {ours['peak_mb']:.0f} MB" + (f", libpysal/esda {ref['peak_mb']:.0f} MB" if ref else ""))
    return {"n": n, "prev_n": prev_n, "prev": prev, "ours": ours, "ref": ref, "geoda": geoda}


# (script, arguments, size described, [(result key, stage, target seconds)])
METHODS = [
    ("run_indices.py", ["50000", "20"], "1,000,000 region-years x 10 indicators", [
        ("weights", "entropy + CV + CRITIC weights", 2.0),
        ("index", "development index", 2.0),
        ("topsis", "entropy-TOPSIS", 2.0)]),
    ("run_coupling.py", [], "1,000,000 region-years", [
        ("coupling_2", "coupling coordination C, T, D, grades, 2 systems", 2.0),
        ("coupling_3", "coupling coordination, 3 systems", 2.0),
        ("martin", "Martin resilience index", 2.0)]),
    ("run_inequality.py", [], "100,000 units, 4 groups, 20 periods", [
        ("dagum", "Dagum Gini decomposition", 5.0),
        ("theil", "Theil index and decomposition", None),
        ("sigma", "sigma convergence (SD, CV)", None)]),
    ("run_markov.py", [], "100,000 units x 20 periods", [
        ("markov", "classic Markov chain", None),
        ("spatial_markov", "spatial Markov chain", None),
        ("markov_total", "classic + spatial Markov", 2.0)]),
    ("run_classify.py", [], "values as named", [
        ("jenks_2000", "Fisher-Jenks, 2,000 values, k=5", None),
        ("jenks_10000", "Fisher-Jenks exact, 10,000 values, k=5", 2.0),
        ("jenks_exact_100000", "Fisher-Jenks exact, 100,000 values, k=5", None),
        ("jenks_sampled_100000", "Fisher-Jenks sampled (10,000 of 100,000 values)", None),
        ("quantiles_panel", "quantile classes, 100,000 x 20", None)]),
    ("run_tobit.py", [], "3,000 regions x 20 periods", [
        ("pooled", "pooled Tobit", 30.0),
        ("random_effects", "random-effects Tobit (12 nodes)", 30.0),
        ("fixed_effects", "fixed-effects Tobit (3,000 dummies)", 30.0)]),
]


def run_methods():
    """Run every method's benchmark script; returns a list of table rows."""
    rows = []
    for script, script_args, size, stages in METHODS:
        if not (HERE / script).exists():
            continue
        got = run_json([str(HERE / script)] + script_args)
        if "markov" in got and "spatial_markov" in got:
            got["markov_total"] = got["markov"] + got["spatial_markov"]
        for key, label, target in stages:
            if key not in got:
                continue
            verdict = "" if target is None else ("met" if got[key] < target else "MISSED")
            rows.append((label, size, got[key], target, verdict))
            print(f"  {label:<52} {size:<38} {got[key]:8.3f} s"
                  + ("" if target is None else f"   target < {target:g} s: {verdict}"))
    return rows


def run_read(sizes, args, machine_line=True):
    """Reading at each size, ours (Arrow stream / QGIS's iterator) next to
    pyogrio and geopandas in the same process; medians of 3 interleaved runs.
    Returns [(size, figures)]."""
    if machine_line:
        print(f"Machine: {machine()}")
    out = []
    for n in sizes:
        path = generate(n)
        extra = ["--lisa", "--permutations", str(args.permutations)] if args.read_lisa else []
        got = run_json([str(HERE / "run_read.py"), str(path), "--iterator"] + extra)
        out.append((n, got))
        line = (f"  {n:>9,} polygons: ours {got['read_bulk']:6.2f} s (QGIS's iterator "
                f"{got['read_iterator']:6.2f} s)")
        if "pyogrio_raw" in got:
            line += f", pyogrio {got['pyogrio_raw']:6.2f} s ({got['bulk_over_pyogrio_raw']:.2f}x)"
        if "geopandas" in got:
            line += f", geopandas {got['geopandas']:6.2f} s"
        print(line)
        if args.read_lisa:
            print(f"  {'':>9}  LISA tool end to end: {got['lisa_end_to_end']:.1f} s "
                  f"(QGIS's iterator {got['lisa_end_to_end_iterator']:.1f} s)")
    return out


# Each tool end to end next to its core (issue #14): bench/run_tools.py, one
# tool per fresh process, under a data-size limit (MB) so that a run away
# allocation ends the run instead of waking the OOM killer.
TOOLS_LIMIT_MB = 12000


def run_tools(args):
    """Build the data of bench/run_tools.py (once), then measure each tool in
    a fresh process; prints the table 'Tools end to end' and returns the
    JSON results."""
    script = str(HERE / "run_tools.py")
    regions = str(args.tool_regions)
    keys = [k for k in args.tools.split(",") if k] or list(TOOL_SPECS)
    unknown = [k for k in keys if k not in TOOL_SPECS]
    if unknown:
        raise SystemExit(f"unknown tools {unknown}; known: {', '.join(TOOL_SPECS)}")
    print(f"\nTools end to end (issue #14): GeoPackage in, GeoPackage layer and tables out; "
          f"{args.tool_regions:,} polygons x 20 periods (the panel models 3,000 and 300)")
    start = time.perf_counter()
    built = run_json([script, "build", "--regions", regions])
    if built["built_seconds"]:
        print(f"  data written in {time.perf_counter() - start:.0f} s: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in built["built_seconds"].items()))
    results = []
    print(f"  {'tool':<22} {'core s':>8} {'tool s':>8} {'read+write s':>13} {'ratio':>7}  target")
    for key in keys:
        got = run_json([script, "run", key, "--regions", regions, "--max-mb", str(TOOLS_LIMIT_MB)])
        results.append(got)
        print(f"  {key:<22} {got['core']:8.3f} {got['tool']:8.2f} {got['read_write']:13.2f} "
              f"{got['overhead_ratio']:7.1f}  {tool_verdict(got)}")
        top = [(k, v) for k, v in got["timers"].items() if not k.startswith(("inputs", "compute"))][:4]
        print(f"  {'':<22} read {got['read']:.2f} (of it the panel put together {got.get('panel', 0):.2f}; "
              f"ratio {got.get('overhead_ratio_panel_as_overhead', float('nan')):.1f} counting that as overhead), "
              f"write layer {got['write_layer']:.2f}, tables "
              f"{got['write_tables']:.2f}, compute {got['compute']:.2f} (core calls in the run "
              f"{got['core_in_run']:.2f}), inputs {got['inputs']:.2f}; largest: "
              + ", ".join(f"{k} {v:.2f}" for k, v in top))
    (OUT / "tools.json").write_text("\n".join(json.dumps(r) for r in results) + "\n")
    return results


def tool_verdict(got):
    return "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in got["checks"])


def tools_markdown(tools):
    lines = ["Tools end to end (GeoPackage in, GeoPackage layer and tables out, no report; one run each), "
             "next to the core computation on the same arrays (median of repeats); read+write: the layer "
             "(and long table) read, the panel put together from it (a long table's join by id and period), "
             "and every output written; overhead ratio = (tool - read+write) / core, target at most 2 "
             "(issue #14); in brackets the ratio with the panel's assembly counted as overhead:", "",
             "| tool | data | core s | tool s | read+write s | of it the panel s | overhead ratio | target met |",
             "|---|---|---|---|---|---|---|---|"]
    for got in tools:
        lines.append(f"| {got['key']} | {got['data']} | {got['core']:.3f} | {got['tool']:.2f} | "
                     f"{got['read_write']:.2f} | {got.get('panel', 0):.2f} | {got['overhead_ratio']:.1f} "
                     f"({got.get('overhead_ratio_panel_as_overhead', float('nan')):.1f}) | {tool_verdict(got)} |")
    return lines


def have_pygeoda():
    proc = subprocess.run([sys.executable, "-c", "import pygeoda"], capture_output=True, env=ENV)
    return proc.returncode == 0


GEODA_STAGES = ("queen", "rook", "lisa")


def write_markdown(sizes, results, geoda_results, pauses, permutations, methods, large=None, tools=None,
                   reading=None):
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, "
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
            if geoda and ok in GEODA_STAGES and ok in geoda:
                cell += f" (GeoDa {geoda[ok]:.1f}, {geoda[ok] / max(ours[ok], 1e-9):.1f}x)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| peak memory, MB (ours / libpysal+esda) | " + " | ".join(
        f"{results[n][0]['peak_mb']:.0f} / {results[n][1]['peak_mb']:.0f}" if results[n][1]
        else f"{results[n][0]['peak_mb']:.0f}" for n in sizes) + " |")
    if large:
        ours, ref, geoda = large["ours"], large["ref"], large["geoda"]
        lines += ["", f"{large['n']:,} polygons x {len(PERIODS)} periods, {permutations} permutations "
                  f"(growth exponent from {large['prev_n']:,}):", "",
                  "| stage | seconds | reference | growth exponent |", "|---|---|---|---|"]
        for label, ok, rk in LARGE_STAGES:
            refs = []
            if ref and rk:
                refs.append(f"esda {ref[rk]:.1f} ({ref[rk] / max(ours[ok], 1e-9):.1f}x)")
            if geoda and ok in GEODA_STAGES and ok in geoda:
                refs.append(f"GeoDa {geoda[ok]:.1f} ({geoda[ok] / max(ours[ok], 1e-9):.1f}x)")
            prev = large["prev"].get(ok, 0)
            growth = (f"{math.log(ours[ok] / prev) / math.log(large['n'] / large['prev_n']):.2f}"
                      if prev > 0.01 else "")
            lines.append(f"| {label} | {ours[ok]:.2f} | {', '.join(refs) or '-'} | {growth} |")
        lines.append(f"| peak memory, MB | {ours['peak_mb']:.0f} | "
                     + (f"libpysal+esda {ref['peak_mb']:.0f}" if ref else "-") + " | |")
    if reading:
        lines += ["", "Reading every field and the geometry (features kept for the output, as the tools read), "
                  "next to pyogrio's raw read of the same (its own GDAL) in one process, median of 3 "
                  "interleaved runs; target at most 1.5x pyogrio (issue #18):", "",
                  "| polygons | ours (GDAL's Arrow stream) | QGIS's feature iterator | pyogrio | ours / pyogrio |",
                  "|---|---|---|---|---|"]
        for n, got in reading:
            ratio = got.get("bulk_over_pyogrio_raw")
            lines.append(f"| {n:,} | {got['read_bulk']:.2f} | {got['read_iterator']:.2f} | "
                         + (f"{got['pyogrio_raw']:.2f} | {ratio:.2f}x: {'met' if ratio <= 1.5 else 'MISSED'} |"
                            if ratio is not None else "- | pyogrio not installed |"))
    lines.append("")
    lines.append("numba kernels, first run in a new process (compile with an empty cache / load "
                 "from the cache): " + "; ".join(f"{label} {cold:.2f} s / {warm:.2f} s"
                                                 for label, (cold, warm) in pauses.items()) + ".")
    lines += ["", "The other methods (core computation, median of repeats):", "",
              "| method | data | seconds | target |", "|---|---|---|---|"]
    for label, size, seconds, target, verdict in methods:
        lines.append(f"| {label} | {size} | {seconds:.3f} | "
                     + ("" if target is None else f"< {target:g} s: {verdict}") + " |")
    if tools:
        lines += [""] + tools_markdown(tools)
    text = "\n".join(lines) + "\n"
    (OUT / "bench.md").write_text(text)
    update_readme(text)


def machine():
    """``2 cores (x86_64, AMD EPYC), 24 GB``: what the figures were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal:")))
        memory = f", {kb / 1024 ** 2:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = ""
    cpu = f"{platform.machine()}, {model}" if model else platform.machine()
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(table):
    """Put ``table`` between the bench markers of the README (if present)."""
    if not README.exists():
        return
    text = README.read_text()
    if START not in text or END not in text:
        print("README has no bench markers: table not copied there")
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + START + "\n" + table + END + tail)
    print(f"README table updated ({README.name})")


if __name__ == "__main__":
    main()
