"""Each tool end to end next to its core (issue #14's performance requirement).

"Each tool end to end (GeoPackage in, styled GeoPackage and tables out) at
100,000 polygons x 20 periods, next to its core time: the tool's overhead
over the core at most 2x plus the layer read and write."

Two commands, each run in a fresh process by ``bench/bench.py --only tools``:

``run_tools.py build [--regions N]``
    Writes the data once (kept in bench_output/, rebuilt only when missing):
    ``tools_<N>.gpkg`` (layer ``cells``: the Voronoi tessellation of
    bench/tessellation.py, N = 100,000 by default; fields ``rid``, ``grp``
    (4 groups: west / central / east / northeast, contiguous), ``v_<year>``
    (income-like, lognormal, spatially autocorrelated), ``emp_<year>``
    (employment with a national recession in 2009), ``idx_a_<year>``,
    ``idx_b_<year>`` (two systems' indices in [0, 1]), years 2001-2020);
    ``tools_<N>_industry.gpkg`` (table ``employment``: rid, year, industry,
    employment; 3 industries, N x 20 x 3 rows); ``tools_sdm_<n>.gpkg`` for
    n = 3,000 and 300 (tessellations with ``sy_``, ``sx1_``, ``sx2_``: a
    spatial Durbin process on the layer's queen weights, rho = 0.4, region
    and period effects); ``tools_mediation_3000.gpkg`` (``my_``, ``md_``,
    ``mm_``, ``mc_``: outcome, driver, mediator, control); and
    ``tools_tobit_3000.gpkg`` with the long table
    ``tools_tobit_3000_long.gpkg`` (rid, year, y, x1 ... x6: the censored
    panel of bench/run_tobit.py). Every layer has at most 126 fields: with
    more, GDAL 3.6's Arrow stream on a GeoPackage fails (SQLite's limit of
    function arguments) and then allocates without end.

``run_tools.py run TOOL [--regions N] [--repeats R] [--profile K]``
    In one process: reads the tool's inputs with the tool's own input
    declarations (outside Processing), times the core computation alone on
    those arrays (the core calls the tool makes, with its default options,
    including the weights, positions and groups that its inputs build from
    the columns read; one warm-up run, then the median of R runs), then runs
    the tool once with ``processing.run`` from the GeoPackage to GeoPackage
    files (the layer and every table output; no report: the HTML report and
    its charts are optional), timing inside that run, by wrapping the shared
    pieces (the
    code itself is not changed): the layer read (``LayerInput.read``; plus
    a long table's rows: agglomeration, Tobit), the input building, the
    tool's ``compute``, every output's ``write`` (features written, the
    provenance record and the style attached), and every core call made
    through ``run_core``. Prints one JSON line (last line of stdout):
    ``core``, ``tool``, ``read_write`` (the reads and every output's write)
    and ``overhead_ratio`` = (tool - read_write) / core, the target of
    issue #14 being at most 2, with the parts (``timers``).

    What counts as the read: the layer read, a long table's rows read, and
    the panel put together from them (``panel``: the fields arranged by
    period, ``panel_from_cells``; or the long table's rows joined to the
    polygons by id and period, and split by industry, ``panel_from_long``).
    That join is how a long table is read into the regions x periods arrays
    the core takes, as the fields of a wide layer are; it costs what the
    table's rows cost (6 million rows for agglomeration), not what the
    method does. Until 2026-12-04 it was counted as overhead; that ratio is
    still printed, as ``overhead_ratio_panel_as_overhead``.
    The process limits its data size to ``--max-mb`` (default 12,000 MB, at
    most the memory available less 3 GB), so that a runaway allocation
    ends in a MemoryError instead of the OOM killer. ``--profile K`` then
    runs the tool once more under cProfile and prints the K most expensive
    functions (cumulative and own time) to stderr; the
    profile is saved to bench_output/tools_out/<tool>.prof.

The style post-processor is not run by ``processing.run`` (it runs when
QGIS loads the layer), so "styled" here means: written with its style
specification attached, the parts of it left for when the style is applied
(the natural breaks of a graduated map) computed in the write, as loading
the layer would. Figures are seconds.

    cd /work/main && .venv/bin/python bench/run_tools.py build
    cd /work/main && .venv/bin/python bench/run_tools.py run dagumgini
"""
import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench_output"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.append("/usr/share/qgis/python/plugins")

import numpy as np  # noqa: E402

YEARS = [str(2001 + k) for k in range(20)]
GROUP_NAMES = ("west", "central", "east", "northeast")
INDUSTRIES = ("agriculture", "industry", "services")
PANEL_SIZES = (3000, 300)
REGIONS = 100_000


def fields(stem):
    return [f"{stem}_{y}" for y in YEARS]


# -- data ---------------------------------------------------------------------

def large_path(n):
    return OUT / f"tools_{n}.gpkg"


def industry_path(n):
    return OUT / f"tools_{n}_industry.gpkg"


def panel_path(kind, n):
    """``kind``: "sdm" (3,000 and 300 polygons), "mediation" and "tobit"
    (3,000; the Tobit variables in the long table ``tobit_long_path``)."""
    return OUT / f"tools_{kind}_{n}.gpkg"


def tobit_long_path(n):
    return OUT / f"tools_tobit_{n}_long.gpkg"


def panel_files():
    """(kind, n) of every panel layer."""
    return [("sdm", n) for n in PANEL_SIZES] + [("mediation", 3000), ("tobit", 3000)]


def _groups_of(points):
    """Four contiguous groups from the positions: the north-east corner,
    then west / central / east thirds of the rest."""
    x, y = points[:, 0], points[:, 1]
    fx = (x - x.min()) / max(np.ptp(x), 1.0)
    fy = (y - y.min()) / max(np.ptp(y), 1.0)
    g = np.minimum((fx * 3).astype(int), 2)
    g[(fx > 0.6) & (fy > 0.7)] = 3
    return np.array(GROUP_NAMES, dtype=object)[g]


def large_columns(points, seed=1):
    """Attribute columns of the 100,000-polygon layer: name -> (kind, values)."""
    rng = np.random.default_rng(seed)
    n, t = len(points), len(YEARS)
    x, y = points[:, 0] / 1000.0, points[:, 1] / 1000.0
    cols = {"grp": ("string", _groups_of(points))}
    # income-like values: a smooth surface drifting by period, an AR(1)
    # regional part and growth; lognormal
    ar = np.zeros(n)
    for k, year in enumerate(YEARS):
        ar = 0.8 * ar + rng.normal(0, 0.1, n)
        surface = np.sin(x / 25.0 + k * 0.3) + np.cos(y / 17.0 - k * 0.2)
        cols[f"v_{year}"] = ("double", np.exp(9.0 + 0.04 * k + 0.25 * surface + ar))
    # employment: a regional level and growth around a national cycle
    # (a recession in 2009: Martin's contraction phase)
    national = np.full(t, 0.02)
    national[YEARS.index("2009")] = -0.05
    level = rng.lognormal(8.0, 1.0, n)
    growth = national[None, :] + 0.03 * rng.standard_normal((n, t))
    growth[:, 0] = 0.0
    emp = level[:, None] * np.cumprod(1.0 + growth, axis=1)
    for k, year in enumerate(YEARS):
        cols[f"emp_{year}"] = ("double", emp[:, k])
    # two systems' development indices in (0, 1]
    base = 0.5 + 0.2 * (np.sin(x / 40.0) * np.cos(y / 30.0))
    for name, shift in (("a", 0.0), ("b", 0.05)):
        level = np.clip(base + shift + 0.1 * rng.standard_normal(n), 0.02, 0.95)
        for k, year in enumerate(YEARS):
            u = level + 0.01 * k + 0.05 * rng.standard_normal(n)
            cols[f"idx_{name}_{year}"] = ("double", np.clip(u, 0.001, 1.0))
    return cols


def sdm_process(W, n, t, rng, rho=0.4, beta=(1.0, -0.5), theta=(0.5, 0.0)):
    """y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + alpha_t + e_t), with
    region effects correlated with the regressors (as the core's
    simulate_panel, but on the layer's own weights)."""
    from scipy import sparse
    from scipy.sparse import linalg as splinalg

    k = len(beta)
    c = rng.standard_normal((k, n))
    d = rng.standard_normal((k, t))
    X = 0.5 * c.T[:, None, :] + 0.5 * d.T[None, :, :] + rng.standard_normal((n, t, k))
    mu = 0.6 * c[0] + 0.8 * rng.standard_normal(n)
    alpha = 0.5 * rng.standard_normal(t)
    lu = splinalg.splu(sparse.csc_matrix(sparse.identity(n) - rho * W))
    y = np.empty((n, t))
    for s in range(t):
        xt = X[:, s, :]
        rhs = xt @ np.asarray(beta) + (W @ xt) @ np.asarray(theta) + mu + alpha[s] + rng.standard_normal(n)
        y[:, s] = lu.solve(rhs)
    return y, X


def tobit_rows(n):
    """The censored Tobit panel of bench/run_tobit.py (the same simulation),
    as long-table rows (rid, year, y, x1 ... x6)."""
    from run_tobit import simulate

    t = len(YEARS)
    y, X, reg, per = simulate(n, t)
    names = ["rid", "year", "y"] + [f"x{j + 1}" for j in range(X.shape[1])]
    rows = [[int(r) + 1, 2001 + int(p)] + [float(y[k])] + X[k].tolist()
            for k, (r, p) in enumerate(zip(reg, per - 2000))]
    return names, rows


def sdm_columns(rings, points, seed=2):
    """sy, sx1, sx2: a spatial Durbin process on the queen weights of these polygons."""
    from regional_resilience.core import contiguity, geometry
    from tessellation import polygon_wkb

    rng = np.random.default_rng(seed)
    n, t = len(rings), len(YEARS)
    polys = geometry.parse_wkb_polygons([polygon_wkb(r) for r in rings])
    W = contiguity.contiguity_weights(polys, rule="queen").row_standardized().sparse()
    sy, sX = sdm_process(W, n, t, rng)
    cols = {"grp": ("string", _groups_of(points))}
    cols.update({f"sy_{yr}": ("double", sy[:, k]) for k, yr in enumerate(YEARS)})
    for j in range(sX.shape[2]):
        cols.update({f"sx{j + 1}_{yr}": ("double", sX[:, k, j]) for k, yr in enumerate(YEARS)})
    return cols


def mediation_columns(points, seed=4):
    """my, md, mm, mc: outcome, driver, mediator, control (region and period effects)."""
    rng = np.random.default_rng(seed)
    n, t = len(points), len(YEARS)
    ci = rng.standard_normal(n)
    md = 0.5 * ci[:, None] + rng.standard_normal((n, t))
    mc = rng.standard_normal((n, t))
    mm = 0.6 * md + 0.3 * mc + 0.5 * rng.standard_normal(n)[:, None] + rng.standard_normal((n, t))
    my = (0.2 * md + 0.5 * mm + 0.3 * mc + 0.5 * ci[:, None] + 0.3 * rng.standard_normal(t)[None, :]
          + rng.standard_normal((n, t)))
    cols = {"grp": ("string", _groups_of(points))}
    for stem, arr in (("my", my), ("md", md), ("mm", mm), ("mc", mc)):
        cols.update({f"{stem}_{yr}": ("double", arr[:, k]) for k, yr in enumerate(YEARS)})
    return cols


def write_polygons(path, rings, columns):
    """Polygons with ``rid`` and ``columns`` (name -> (kind, values)) to a
    GeoPackage layer ``cells`` (needs QGIS running); written under another
    name and renamed when complete."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransformContext,
        QgsFeature,
        QgsFields,
        QgsGeometry,
        QgsVectorFileWriter,
    )

    from regional_resilience import compat
    from tessellation import polygon_wkb

    part = path.with_suffix(".part.gpkg")
    part.unlink(missing_ok=True)
    qfields = QgsFields()
    qfields.append(compat.make_field("rid", "int"))
    names = list(columns)
    for name in names:
        qfields.append(compat.make_field(name, columns[name][0]))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "cells"
    writer = QgsVectorFileWriter.create(str(part), qfields, compat.WKB_POLYGON,
                                        QgsCoordinateReferenceSystem("EPSG:3857"),
                                        QgsCoordinateTransformContext(), options)
    grid = np.empty((len(rings), len(names)), dtype=object)
    for j, name in enumerate(names):
        kind, values = columns[name]
        grid[:, j] = values.tolist() if kind != "string" else [str(v) for v in values]
    batch = 20000
    for start in range(0, len(rings), batch):
        feats = []
        for k, row in zip(range(start, min(start + batch, len(rings))), grid[start:start + batch].tolist()):
            f = QgsFeature(qfields)
            g = QgsGeometry()
            g.fromWkb(polygon_wkb(rings[k]))
            f.setGeometry(g)
            f.setAttributes([k + 1] + row)
            feats.append(f)
        writer.addFeatures(feats)
    del writer
    part.rename(path)


def write_table(path, name, columns, rows):
    """A GeoPackage table without geometry (made by OGR; the rows inserted
    with sqlite3: millions of rows in seconds). ``columns``: (name, OGR
    type); written under another name and renamed when complete."""
    from osgeo import ogr

    part = path.with_suffix(".part.gpkg")
    part.unlink(missing_ok=True)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(part))
    lyr = ds.CreateLayer(name, geom_type=ogr.wkbNone)
    for column, kind in columns:
        lyr.CreateField(ogr.FieldDefn(column, kind))
    ds = lyr = None
    con = sqlite3.connect(str(part))
    names = ", ".join(c for c, _ in columns)
    marks = ", ".join("?" for _ in columns)
    with con:
        con.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)
        con.execute(f"UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM {name}) "
                    f"WHERE table_name = '{name}'")
    con.close()
    part.rename(path)


def write_industry_table(path, emp, seed=3):
    """The long table (rid, year, industry, employment) of 3 industries whose
    shares differ by region."""
    from osgeo import ogr

    rng = np.random.default_rng(seed)
    n, t = emp.shape
    shares = rng.dirichlet((2.0, 3.0, 5.0), n)  # (n, 3) per region
    noise = rng.lognormal(0.0, 0.05, (n, t, len(INDUSTRIES)))
    values = emp[:, :, None] * shares[:, None, :] * noise  # (n, t, j)

    def rows():
        for i in range(n):
            for k, year in enumerate(YEARS):
                for j, ind in enumerate(INDUSTRIES):
                    yield (i + 1, int(year), ind, float(values[i, k, j]))

    write_table(path, "employment", [("rid", ogr.OFTInteger), ("year", ogr.OFTInteger),
                                     ("industry", ogr.OFTString), ("employment", ogr.OFTReal)], rows())


def build(regions):
    """Write the data sets that are missing; return their paths."""
    from qgis.core import QgsApplication

    import tessellation

    OUT.mkdir(exist_ok=True)
    app = QgsApplication([], False)
    app.initQgis()
    made = {}
    if not large_path(regions).exists() or not industry_path(regions).exists():
        start = time.perf_counter()
        rings, points = tessellation.cells(regions, seed=0)
        cols = large_columns(points)
        if not large_path(regions).exists():
            write_polygons(large_path(regions), rings, cols)
        if not industry_path(regions).exists():
            emp = np.column_stack([cols[f"emp_{y}"][1] for y in YEARS])
            write_industry_table(industry_path(regions), emp)
        made["large"] = round(time.perf_counter() - start, 1)
        del rings, points, cols
    from osgeo import ogr

    for kind, n in panel_files():
        path = panel_path(kind, n)
        if path.exists() and (kind != "tobit" or tobit_long_path(n).exists()):
            continue
        start = time.perf_counter()
        rings, points = tessellation.cells(n, seed=0)
        if kind == "sdm":
            cols = sdm_columns(rings, points)
        elif kind == "mediation":
            cols = mediation_columns(points)
        else:
            cols = {"grp": ("string", _groups_of(points))}
            names, rows = tobit_rows(n)
            tobit_long_path(n).unlink(missing_ok=True)
            write_table(tobit_long_path(n), "panel", [(c, ogr.OFTInteger if c in ("rid", "year") else ogr.OFTReal)
                                                      for c in names], rows)
        path.unlink(missing_ok=True)
        write_polygons(path, rings, cols)
        made[f"{kind}_{n}"] = round(time.perf_counter() - start, 1)
    return {"built_seconds": made, **data_paths(regions)}


# -- the tools ----------------------------------------------------------------
#
# Each entry: the data it runs on, its parameters (inputs; every sink is then
# set to a GeoPackage file), the core calls it makes (from its compute, with
# the arrays its inputs built and its options read) and extra targets.


def _ids_periods(panel):
    return {"ids": list(panel.ids), "periods": list(panel.periods)}


# Inputs whose building is core work from the columns read (weights from the
# polygons, positions, groups from the labels): built inside the core timing,
# by the tool's own input declaration (its core calls and a little glue).
CORE_INPUTS = ("WeightsInput", "PointsInput", "GroupInput")


def built(data, run, kind):
    """The input ``kind`` (a class name of CORE_INPUTS) built now, or None
    when the tool has none."""
    item = data.deferred.get(kind)
    return None if item is None else item.build(run, data.layer, data)


def core_coupling(data, o, run):
    from regional_resilience.algorithms.methods.coupling_coordination import BUILT_IN_LABELS
    from regional_resilience.core import coupling

    panel, groups = data.panel, built(data, run, "GroupInput")
    systems = list(panel.variables)
    weights = coupling.parse_system_weights(o.alpha, systems)
    grading = coupling.parse_grading(o.grades, o.thresholds, o.grade_labels)
    if grading["thresholds"] is None and grading["labels"] is None:
        grading["labels"] = BUILT_IN_LABELS[grading["grades"]]
    return coupling.coupling_coordination(
        panel.stacked(systems), weights, variant=o.variant, **grading, closed=o.closed, decimals=o.decimals,
        lag=o.lag, lag_tol=o.lag_tol, lag_band=(o.lag_low, o.lag_high), groups=groups,
        ddof=1 if o.sd == "sample" else 0, names=systems, **_ids_periods(panel))


def core_martin(data, o, run):
    from regional_resilience.core import resilience

    panel, groups = data.panel, built(data, run, "GroupInput")
    pairs = resilience.parse_period_pairs(o.pairs)
    reference = resilience.parse_reference_series(o.reference_series, panel.periods)
    return [resilience.martin_resilience(panel.values[v], o.k, groups=groups, reference=reference,
                                         pairs=pairs, zero_reference="refuse", **_ids_periods(panel))
            for v in panel.variables]


def core_agglomeration(data, o, run):
    from regional_resilience.core.resilience import agglomeration

    panel = data.panel
    industries = list(panel.variables)
    L = panel.stacked(industries).transpose(0, 2, 1)
    return agglomeration(L, hhi_variant=o.hhi_variant, missing=o.missing, ids=list(panel.ids),
                         industries=industries, periods=list(panel.periods))


def core_dagum(data, o, run):
    from regional_resilience.core import inequality

    panel, groups = data.panel, built(data, run, "GroupInput")
    return [inequality.dagum_gini(panel.values[v], groups, **_ids_periods(panel)) for v in panel.variables]


def core_theil(data, o, run):
    from regional_resilience.algorithms.methods.theil_sigma import DDOFS
    from regional_resilience.core import inequality

    panel, groups = data.panel, built(data, run, "GroupInput")
    out = []
    for v in panel.variables:
        y = panel.values[v]
        out.append((inequality.theil(y, groups, **_ids_periods(panel)),
                    inequality.sigma_convergence(y, groups, ddof=DDOFS[o.ddof], log=o.log,
                                                 **_ids_periods(panel))))
    return out


def core_markov(data, o, run):
    from regional_resilience.algorithms.methods import _markov_common as mk
    from regional_resilience.core import markov

    panel = data.panel
    return [markov.markov(panel.values[v], lag=o.time_lag, **_ids_periods(panel),
                          **mk.class_arguments(o, run, panel.values[v])) for v in panel.variables]


def core_spatial_markov(data, o, run):
    from regional_resilience.algorithms.methods import _markov_common as mk
    from regional_resilience.algorithms.methods.spatial_markov import lag_arguments
    from regional_resilience.core import markov

    panel = data.panel
    w = built(data, run, "WeightsInput")
    out = []
    for v in panel.variables:
        values = panel.values[v]
        classes = mk.class_arguments(o, run, values)
        lag_kw = lag_arguments(o, classes)
        if lag_kw.get("discrete") and "class_codes" not in classes:
            first = markov.markov(values, **classes, **_ids_periods(panel))
            classes = {"class_codes": first.class_codes, "k": first.k}
        out.append(markov.spatial_markov(values, w, **classes, **lag_kw, lag=o.time_lag, islands=o.island_rule,
                                         variable_name=v, **_ids_periods(panel)))
    return out


def core_grades(data, o, run):
    from regional_resilience.algorithms.methods.grade_classes import POOLED, parse_labels
    from regional_resilience.core.classify import classify

    panel = data.panel
    assert o.method != "user_defined"
    return [classify(panel.values[v], o.method, o.classes, thresholds=None, labels=parse_labels(o.labels),
                     closed="right", pooled=o.scope == POOLED and panel.t > 1, **_ids_periods(panel))
            for v in panel.variables]


def core_trend(data, o, run):
    from regional_resilience.core.trend_surface import trend_surface

    panel = data.panel
    xy = built(data, run, "PointsInput").xy  # centroids from the polygons (core.geometry)
    return [trend_surface(panel.values[v], xy, order=o.order, rotation=o.rotation, **_ids_periods(panel))
            for v in panel.variables]


def core_tobit(data, o, run):
    from regional_resilience.algorithms.methods.panel_tobit import ROWS, pick_variables
    from regional_resilience.core import panel as core_panel
    from regional_resilience.core import tobit
    from regional_resilience.core.tables import coefficient_rows
    from regional_resilience.algorithms.outputs.naming import parse_stems

    panel, groups = data.panel, built(data, run, "GroupInput")
    dep, regs = pick_variables(panel.variables, o.dependent, o.regressors)
    n, t = panel.n, panel.t
    y = panel.values[dep].reshape(-1)
    X = np.column_stack([panel.values[v].reshape(-1) for v in regs])
    regions = np.repeat(np.asarray(panel.ids, dtype=object), t)
    periods = np.tile(np.asarray(panel.periods, dtype=object), n)
    assert groups is None
    keep = np.isfinite(y) & np.isfinite(X).all(axis=1)
    core_panel.require_complete(panel, [dep] + regs)
    out = tobit.tobit_by_group(y[keep], X[keep], regions[keep], None, model=o.model, include_all=o.include_all,
                               all_label="all", order=None, periods=periods[keep], hausman=o.hausman,
                               lower=o.lower, upper=o.upper, names=regs, log=parse_stems(o.log) or None,
                               vcov=o.vcov, n_nodes=o.n_nodes, quadrature=o.quadrature)
    tobit.tobit_table(out, rows=ROWS[o.table_rows], digits=o.digits, kind_column="statistic", repeat_terms=True)
    tobit.summary_rows(out)
    coefficient_rows(out.results)
    for kind in ("index", "expected"):  # the FITTED layer (asked for here)
        tobit.predict_by_sample(out, X, regions, None, kind=kind)
    return out


def core_spatial_panel(data, o, run):
    from regional_resilience.algorithms.methods.spatial_panel import GROUP_FIELD, ROWS, durbin_names, pick
    from regional_resilience.algorithms.outputs.naming import parse_stems
    from regional_resilience.core import panel as core_panel
    from regional_resilience.core import spatial_panel as sp

    panel = data.panel
    w = built(data, run, "WeightsInput")
    assert built(data, run, "GroupInput") is None and not o.split_variable and not o.log and not o.lag
    dep, regs = pick(panel.variables, o.dependent, o.regressors, o.split_variable)
    core_panel.require_complete(panel, [dep, *regs])
    ids, periods = [str(v) for v in panel.ids], [str(p) for p in panel.periods]
    arrays, names = sp.log_variables([panel.values[v] for v in (dep, *regs)], [dep, *regs],
                                     parse_stems(o.log), ids=ids, periods=periods)
    out = sp.spatial_analysis(
        o.model, arrays[0], np.stack(arrays[1:], axis=2), w, groups=None, split_by=None, threshold="median",
        include_all=o.include_all, all_label="all", min_regions=o.min_regions, effects_draws=o.effects_draws,
        tests=o.tests, seed=o.seed, fe=o.fixed_effects, names=list(names[1:]), y_name=names[0], ids=ids,
        periods=periods, lag=o.lag, lagged=durbin_names(o, regs, names[1:], run), bias_correction=o.lee_yu,
        group_field=run.string(GROUP_FIELD) or "group")
    sp.spatial_table(out.fits, rows=ROWS[o.table_rows], digits=o.digits, kind_column="statistic",
                     repeat_terms=True, extra_stats=[])
    sp.tidy_coefficients(out.fits)
    sp.tidy_effects(out.effects)
    sp.tidy_diagnostics(out.diagnostics, out.comparisons)
    out.residual_panel()  # the FITTED layer (asked for here)
    out.fitted_panel()
    return out


def core_mediation(data, o, run):
    from regional_resilience.algorithms.methods.mediation import GROUP_FIELD, ROWS, roles
    from regional_resilience.algorithms.outputs.naming import parse_stems
    from regional_resilience.core import panel as core_panel
    from regional_resilience.core import spatial_panel as sp

    panel = data.panel
    assert built(data, run, "GroupInput") is None and not o.split_variable and not o.log
    dep, driver, mediators, controls = roles(panel.variables, o)
    used = [dep, driver, *mediators, *controls]
    core_panel.require_complete(panel, used)
    ids, periods = [str(v) for v in panel.ids], [str(p) for p in panel.periods]
    arrays, names = sp.log_variables([panel.values[v] for v in used], used, parse_stems(o.log), ids=ids,
                                     periods=periods)
    k, j = 2, 2 + len(mediators)
    y, D, M = arrays[0], arrays[1], np.stack(arrays[k:j], axis=2)
    C = np.stack(arrays[j:], axis=2) if controls else None
    out = sp.mediation_by_group(
        y, D, M, C, groups=None, split_by=None, threshold="median", include_all=o.include_all, all_label="all",
        min_regions=o.min_regions, ids=ids, group_field=run.string(GROUP_FIELD) or "group", fe=o.fixed_effects,
        y_name=names[0], driver_name=names[1], mediator_names=names[k:j], control_names=names[j:] or None,
        periods=periods, vcov=o.vcov, draws=o.draws, seed=o.seed, ci=o.ci)
    sp.mediation_table(out.results, rows=ROWS[o.table_rows], digits=o.digits, kind_column="statistic",
                       repeat_terms=True)
    sp.tidy_mediation(out.results)
    return out


def _large(d):
    return {"INPUT": d["large"], "ID_FIELD": "rid"}


def _panel(d, kind, n):
    return {"INPUT": d[f"{kind}_{n}"], "ID_FIELD": "rid"}


SPATIAL_PANEL_FIELDS = fields("sy") + fields("sx1") + fields("sx2")

# tool key -> (algorithm id, data label, inputs(paths), core, extra targets [(label, max seconds of the tool)])
TOOLS = {
    "couplingcoordination": ("couplingcoordination", "{n} polygons x 20, 2 systems, 4 groups",
                             lambda d: {**_large(d), "FIELD_PREFIX": "idx_*", "GROUP_FIELD": "grp"},
                             core_coupling, []),
    "martinresilience": ("martinresilience", "{n} polygons x 20 (19 year pairs)",
                         lambda d: {**_large(d), "FIELDS": fields("emp")}, core_martin, []),
    "agglomeration": ("agglomeration", "{n} polygons x 20 x 3 industries, long table",
                      lambda d: {**_large(d), "TABLE": d["industry"], "TABLE_ID_FIELD": "rid",
                                 "TABLE_PERIOD_FIELD": "year", "TABLE_INDUSTRY_FIELD": "industry",
                                 "TABLE_VALUE_FIELDS": ["employment"]}, core_agglomeration, []),
    "dagumgini": ("dagumgini", "{n} polygons x 20, 4 groups",
                  lambda d: {**_large(d), "FIELDS": fields("v"), "GROUP_FIELD": "grp"}, core_dagum, []),
    "theilsigma": ("theilsigma", "{n} polygons x 20, 4 groups",
                   lambda d: {**_large(d), "FIELDS": fields("v"), "GROUP_FIELD": "grp"}, core_theil, []),
    "markovchain": ("markovchain", "{n} polygons x 20",
                    lambda d: {**_large(d), "FIELDS": fields("v")}, core_markov, []),
    "spatialmarkov": ("spatialmarkov", "{n} polygons x 20, queen",
                      lambda d: {**_large(d), "FIELDS": fields("v")}, core_spatial_markov, []),
    "gradeclasses": ("gradeclasses", "{n} polygons x 20, Jenks pooled",
                     lambda d: {**_large(d), "FIELDS": fields("v")}, core_grades, []),
    "trendsurface": ("trendsurface", "{n} polygons x 20, order 2",
                     lambda d: {**_large(d), "FIELDS": fields("v")}, core_trend, []),
    "paneltobit": ("paneltobit", "3,000 polygons x 20, 6 regressors (long table), RE + Hausman",
                   lambda d: {**_panel(d, "tobit", 3000), "DEPENDENT": "y", "TABLE": d["tobit_long_3000"],
                              "TABLE_ID_FIELD": "rid", "TABLE_PERIOD_FIELD": "year",
                              "TABLE_VALUE_FIELDS": ["y"] + [f"x{j}" for j in range(1, 7)]},
                   core_tobit, []),
    "spatialpanel_3000": ("spatialpanel", "3,000 polygons x 20, SDM two-way FE, 1,000 draws",
                          lambda d: {**_panel(d, "sdm", 3000), "DEPENDENT": "sy", "FIELDS": SPATIAL_PANEL_FIELDS},
                          core_spatial_panel, [("tool < 30 s", 30.0)]),
    "spatialpanel_300": ("spatialpanel", "300 polygons x 20, SDM two-way FE, 1,000 draws",
                         lambda d: {**_panel(d, "sdm", 300), "DEPENDENT": "sy", "FIELDS": SPATIAL_PANEL_FIELDS},
                         core_spatial_panel, [("tool < 2 s", 2.0)]),
    "mediation": ("mediation", "3,000 polygons x 20, 1 mediator, 1 control, 1,000 draws",
                  lambda d: {**_panel(d, "mediation", 3000), "DEPENDENT": "my", "DRIVER": "md", "MEDIATORS": "mm",
                             "CONTROLS": "mc", "FIELDS": fields("my") + fields("md") + fields("mm") + fields("mc")},
                  core_mediation, []),
}
# the target of issue #14: (tool - read - write) / core at most this
MAX_RATIO = 2.0
# outputs not asked for: the report (and the trend surface's chart folder)
SKIPPED_OUTPUTS = {"REPORT", "CHARTS"}


def data_paths(regions):
    return {"large": str(large_path(regions)), "industry": str(industry_path(regions)),
            **{f"{kind}_{n}": str(panel_path(kind, n)) for kind, n in panel_files()},
            "tobit_long_3000": str(tobit_long_path(3000))}


# -- measuring -----------------------------------------------------------------

def quiet_feedback():
    """A feedback that keeps the warnings (counted in the JSON) instead of printing them."""
    from qgis.core import QgsProcessingFeedback

    class Feedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings = []

        def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API names)
            self.warnings.append(error)

    return Feedback()


def timed_core(fn, repeats, budget=8.0):
    """One warm-up run, then the median of ``repeats`` runs (one run when the
    warm-up took longer than ``budget`` seconds)."""
    start = time.perf_counter()
    fn()
    warm = time.perf_counter() - start
    runs = []
    for _ in range(repeats if warm < budget else 1):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), [round(r, 4) for r in runs], warm


class Timers:
    """Wraps functions and methods; accumulates their wall time by key."""

    def __init__(self):
        self.t = {}
        self.calls = {}
        self._undo = []

    def add(self, key, seconds):
        self.t[key] = self.t.get(key, 0.0) + seconds
        self.calls[key] = self.calls.get(key, 0) + 1

    def wrap(self, owner, name, key):
        original = getattr(owner, name)
        timers = self

        def wrapper(*args, **kwargs):
            k = key(*args, **kwargs) if callable(key) else key
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers.add(k, time.perf_counter() - start)

        setattr(owner, name, wrapper)
        self._undo.append((owner, name, original))

    def restore(self):
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def _core_key(fn, *args, **kwargs):
    """``core:<name>`` for a core function called through run_core; the
    tools' own helpers called the same way are ``via_run_core:<name>``."""
    where = "core" if getattr(fn, "__module__", "").startswith("regional_resilience.core") else "via_run_core"
    return f"{where}:{getattr(fn, '__name__', fn)}"


def instrument(alg_cls):
    """Timers on the pieces of a run of ``alg_cls`` (see the module doc)."""
    from regional_resilience.algorithms import base, support
    from regional_resilience.algorithms.outputs import layer as out_layer
    from regional_resilience.algorithms.outputs import provenance as prov
    from regional_resilience.algorithms.outputs import table as out_table

    timers = Timers()
    timers.wrap(base, "read_inputs", "inputs")
    layer_input, others = alg_cls.INPUTS[0], alg_cls.INPUTS[1:]
    timers.wrap(layer_input, "read", "read_layer")  # instance attributes: no double count via super()
    for item in others:
        timers.wrap(item, "build", f"build:{type(item).__name__}")
    timers.wrap(alg_cls, "compute", "compute")
    for out in alg_cls.OUTPUTS:
        kind = ("write_layer" if isinstance(out, out_layer.LayerOutput)
                else "write_table" if isinstance(out, out_table.TableOutput) else "write_other")
        timers.wrap(out, "write", f"{kind}:{getattr(out, 'name', type(out).__name__)}")
    # the styles as QGIS applies them when it loads the layer (processing.run
    # loads nothing): their pending parts (natural breaks) computed here
    from regional_resilience.algorithms.outputs import styles as out_styles

    original_attach = out_styles.attach_styles

    def attach_resolved(context, dest_id, specs, layer_name=None):
        for spec in specs:
            spec.resolve()
        return original_attach(context, dest_id, specs, layer_name=layer_name)

    out_styles.attach_styles = attach_resolved
    timers._undo.append((out_styles, "attach_styles", original_attach))
    timers.wrap(out_styles, "attach_styles", "part:styles (breaks computed)")
    timers.wrap(out_layer, "write_layer", "part:features written (layer)")
    timers.wrap(out_table, "write_table", "part:features written (tables)")
    timers.wrap(prov, "values_checksum", "part:values checksum (provenance)")
    for module in (out_layer, out_table, prov):
        if hasattr(module, "record_provenance"):
            timers.wrap(module, "record_provenance", "part:provenance saved")
    # long tables: their rows are read from the GeoPackage too (the one
    # reader, wherever it is imported); every core call made through
    # run_core, by function
    from regional_resilience.algorithms.inputs import table as in_table

    for attr, original, key in (("read_table", in_table.read_table, "read_table"),
                                ("run_core", support.run_core, _core_key)):
        for name, module in list(sys.modules.items()):
            if (name.startswith("regional_resilience.algorithms") and module is not None
                    and getattr(module, attr, None) is original):
                timers.wrap(module, attr, key)
    return timers


def prepare(alg, params):
    """The tool's inputs read and built by its own declarations, outside
    Processing (weights, positions and groups: see CORE_INPUTS);
    returns (run, data, options, seconds of the layer read)."""
    from qgis.core import QgsProcessingContext, QgsProject

    from regional_resilience.algorithms.base import Run

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = quiet_feedback()
    run = Run(alg, params, context, feedback, alg.PHASES)
    layer_input, others = alg.INPUTS[0], alg.INPUTS[1:]
    source = layer_input.source(run)
    needs = SimpleNamespace(value_fields=[], text_fields=[], geometry=False)
    for item in others:
        item.plan(run, source, needs)
    start = time.perf_counter()
    layer = layer_input.read(run, source, needs, keep_features=any(o.needs_features for o in alg.OUTPUTS))
    read = time.perf_counter() - start
    data = SimpleNamespace(layer=layer, deferred={})
    for item in others:
        if type(item).__name__ in CORE_INPUTS:
            data.deferred[type(item).__name__] = item  # built in the core timing
        else:
            setattr(data, item.key, item.build(run, layer, data))
    options = SimpleNamespace(**{o.key: o.read(run) for o in alg.OPTIONS})
    return run, data, options, read


def sinks(alg, outdir):
    """Every sink and file output of ``alg`` (but the report) to a file in ``outdir``."""
    out = {}
    for d in alg.parameterDefinitions():
        if d.name() in SKIPPED_OUTPUTS:
            continue
        if d.type() == "sink":
            out[d.name()] = str(outdir / f"{d.name()}.gpkg")
    return out


def limit_memory(max_mb):
    """Limit the data size of this process (see the module doc)."""
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(line.split()[1]) // 1024 for line in f if line.startswith("MemAvailable:"))
        max_mb = min(max_mb, max(avail - 3000, 2000))
    except (OSError, StopIteration):
        pass
    size = int(max_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (size, size))
    return int(max_mb)


def measure(key, regions, repeats, profile=0, max_mb=12000):
    limit = limit_memory(max_mb)
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing

    from regional_resilience.processing_provider.provider import RegionalResilienceProvider

    provider = RegionalResilienceProvider()  # keep a reference: the registry does not own it from Python
    QgsApplication.processingRegistry().addProvider(provider)

    alg_id, label, inputs, core_fn, targets = TOOLS[key]
    paths = data_paths(regions)
    for path in paths.values():
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: run 'bench/run_tools.py build --regions {regions}' first")
    alg = QgsApplication.processingRegistry().createAlgorithmById(f"regional_resilience:{alg_id}")
    params = inputs(paths)
    outdir = OUT / "tools_out" / key
    result = {"key": key, "algorithm": alg_id, "data": label.format(n=f"{regions:,}"), "limit_mb": limit}

    # 1. the core alone, on the arrays the tool's inputs build
    run, data, options, read_alone = prepare(alg, params)
    result["read_alone"] = round(read_alone, 4)
    core, runs, warm = timed_core(lambda: core_fn(data, options, run), repeats)
    result.update(core=round(core, 4), core_runs=runs, core_first=round(warm, 4))
    del run, data, options
    gc.collect()

    # 2. the tool end to end, GeoPackage to GeoPackage, with timers inside
    def fresh_outputs():
        shutil.rmtree(outdir, ignore_errors=True)
        outdir.mkdir(parents=True)
        return {**params, **sinks(alg, outdir)}

    full = fresh_outputs()
    timers = instrument(type(alg))
    feedback = quiet_feedback()
    start = time.perf_counter()
    processing.run(f"regional_resilience:{alg_id}", full, feedback=feedback)
    tool = time.perf_counter() - start
    timers.restore()
    t = timers.t
    panel = t.get("core:panel_from_long", 0.0) + t.get("via_run_core:panel_from_cells", 0.0)
    read = t.get("read_layer", 0.0) + t.get("read_table", 0.0) + panel
    write_layer = sum(v for k, v in t.items() if k.startswith("write_layer:"))
    write_tables = sum(v for k, v in t.items() if k.startswith(("write_table:", "write_other:")))
    write = write_layer + write_tables
    core_in_run = sum(v for k, v in t.items() if k.startswith("core:"))
    accounted = t.get("inputs", 0.0) + t.get("compute", 0.0) + write
    ratio = (tool - read - write) / core if core > 0 else float("inf")
    ratio_panel = (tool - read + panel - write) / core if core > 0 else float("inf")
    checks = [("ratio <= 2", ratio <= MAX_RATIO)] + [(name, tool < limit) for name, limit in targets]
    result.update(
        tool=round(tool, 4), read=round(read, 4), write=round(write, 4), read_write=round(read + write, 4),
        write_layer=round(write_layer, 4), write_tables=round(write_tables, 4),
        inputs=round(t.get("inputs", 0.0), 4), compute=round(t.get("compute", 0.0), 4),
        framework=round(tool - accounted, 4), core_in_run=round(core_in_run, 4),
        panel=round(panel, 4), overhead_ratio=round(ratio, 3),
        overhead_ratio_panel_as_overhead=round(ratio_panel, 3), checks=[[name, bool(ok)] for name, ok in checks],
        met=all(ok for _, ok in checks), warnings=len(feedback.warnings),
        timers={k: round(v, 4) for k, v in sorted(t.items(), key=lambda kv: -kv[1])},
        output_mb=round(sum(f.stat().st_size for f in outdir.glob("*.gpkg")) / 2 ** 20, 1),
    )
    for w in feedback.warnings[:3]:
        print(f"{key}: warning: {w[:200]}", file=sys.stderr)
    if profile:
        full = fresh_outputs()
        prof = cProfile.Profile()
        prof.enable()
        processing.run(f"regional_resilience:{alg_id}", full, feedback=quiet_feedback())
        prof.disable()
        path = OUT / "tools_out" / f"{key}.prof"
        prof.dump_stats(str(path))
        for order in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(profile)
            print(f"== {key}: cProfile of the tool run, by {order}\n{buf.getvalue()}", file=sys.stderr)
        result["profile"] = str(path)
    shutil.rmtree(outdir, ignore_errors=True)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the data sets that are missing")
    b.add_argument("--regions", type=int, default=REGIONS)
    r = sub.add_parser("run", help="measure one tool (a fresh process per tool)")
    r.add_argument("tool", choices=sorted(TOOLS))
    r.add_argument("--regions", type=int, default=REGIONS)
    r.add_argument("--repeats", type=int, default=3, help="timed runs of the core after the warm-up")
    r.add_argument("--profile", type=int, default=0, metavar="K",
                   help="also profile the tool run (cProfile) and print the K top functions to stderr")
    r.add_argument("--max-mb", type=int, default=12000, help="data size limit of the process (MB)")
    args = parser.parse_args()
    if args.command == "build":
        print(json.dumps(build(args.regions)))
    else:
        measure(args.tool, args.regions, args.repeats, args.profile, args.max_mb)


if __name__ == "__main__":
    main()
