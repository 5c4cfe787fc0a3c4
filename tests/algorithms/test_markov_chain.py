"""Markov chain tool through Processing: US state incomes 1929-2009 against
giddy.markov.Markov and the core, transition types by hand, the styled map,
the report and bad input (shared with the spatial chain)."""
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from qgis.core import QgsProcessingException

from regional_resilience.core import markov as core_markov
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows
from tests.references import reference

YEARS = [str(y) for y in range(1929, 2010)]
US_LONG = {"INPUT": str(DATA / "us48.gpkg"), "ID_FIELD": "STATE_NAME",
           "TABLE": str(DATA / "us_income_long.gpkg"), "TABLE_ID_FIELD": "state",
           "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["income"]}
TABLES = {"OUTPUT": "TEMPORARY_OUTPUT", "TRANSITIONS": "TEMPORARY_OUTPUT", "CLASS_TABLE": "TEMPORARY_OUTPUT"}
MEXICO = {"INPUT": str(DATA / "mexico.gpkg"), "FIELDS": [f"PCGDP{y}" for y in range(1940, 2001, 10)]}
# indices of the CLASSES choice (stable keys: period, pooled, jenks, jenks_period, breaks, codes)
POOLED, BREAKS, CODES = 1, 4, 5


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def us():
    """The usjoin incomes (48 x 81) in the order of states48.gal (whose ids
    0..47 are the rows of usjoin.csv), the state names and FIPS codes of that
    order, and states48.gal row-standardised."""
    libpysal = reference("libpysal")
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    try:
        names = list(f.by_col("Name"))
        fips = [int(v) for v in f.by_col("STATE_FIPS")]
        y = np.column_stack([np.asarray(f.by_col(year), dtype=float) for year in YEARS])
    finally:
        f.close()
    w = quiet(libpysal.io.open(libpysal.examples.get_path("states48.gal")).read)
    w.transform = "r"
    assert [int(i) for i in w.id_order] == list(range(48))
    return SimpleNamespace(y=y, names=names, fips=fips, w=w)


def null(value):
    """NULL as QGIS returns it (None, or a null QVariant before QGIS 3.36)."""
    return value is None or (hasattr(value, "isNull") and value.isNull())


def num(value):
    return np.nan if null(value) else value


def order_of(out, names, field="STATE_NAME"):
    """Row (in usjoin order) of every output feature."""
    pos = {str(n): i for i, n in enumerate(names)}
    return np.array([pos[str(f[field])] for f in out.getFeatures()])


def matrices(table, k, lag_class="absent"):
    """(counts, probabilities, first passage) of a long transition table;
    NULL -> NaN."""
    out = [np.full((k, k), np.nan) for _ in range(3)]
    for r in table:
        if lag_class != "absent" and (None if null(r["lag_class"]) else r["lag_class"]) != lag_class:
            continue
        i, j = r["from_class"], r["to_class"]
        for m, key in zip(out, ("count", "probability", "first_passage")):
            m[i, j] = num(r[key])
    return out


def attributes(lyr):
    """Every field of a layer as a list per field name (one pass)."""
    names = [f.name() for f in lyr.fields()]
    values = [f.attributes() for f in lyr.getFeatures()]
    return {n: [v[i] for v in values] for i, n in enumerate(names)}


def run_once(alg_id, params):
    """The recipe of the ``run_alg`` fixture (tests/conftest.py), for module
    fixtures: temporary outputs, the result layers taken from the context."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    results = processing.run(f"regional_resilience:{alg_id}", params, context=context,
                             feedback=QgsProcessingFeedback())
    for key, value in list(results.items()):
        if isinstance(value, str) and context.getMapLayer(value) is not None:
            results[key] = context.takeResultLayer(value)
    return results


def loaded_styled(alg_id, params, tmp_path):
    """What QGIS does after a run from the toolbox (as
    tests/test_plugin.py::test_results_load_styled): the output written to a
    GeoPackage, loaded, its style post-processor called. The context lives in
    the test function only."""
    import processing
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProcessingUtils,
        QgsProject,
    )

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    params = dict(params, OUTPUT=QgsProcessingOutputLayerDefinition(str(tmp_path / "out.gpkg"),
                                                                    QgsProject.instance()))
    results = processing.run(f"regional_resilience:{alg_id}", params, context=context, feedback=feedback)
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    renderer = lyr.renderer()
    return (renderer.type(), renderer.classAttribute(),
            {c.value(): (c.label(), c.symbol().color().name()) for c in renderer.categories()},
            list(lyr.styleManager().styles()))


@pytest.fixture(scope="module")
def us_run(provider, tmp_path_factory, us):
    """The tool on the US incomes, quantiles of each period, k = 5, with the
    report, and giddy's Markov of mapclassify's quantile classes."""
    gm = reference("giddy.markov")
    mc = reference("mapclassify")
    report = tmp_path_factory.mktemp("markov") / "report.html"
    results = run_once("markovchain", dict(US_LONG, N_CLASSES=5, REPORT=str(report), **TABLES))
    q5 = np.array([mc.Quantiles(col, k=5).yb for col in us.y.T]).T
    ref = quiet(gm.Markov, q5, summary=False)
    return SimpleNamespace(out=results["OUTPUT"], q5=q5, ref=ref, table=rows(results["TRANSITIONS"]),
                           classes=rows(results["CLASS_TABLE"]), html=report.read_text(encoding="utf-8"))


def test_markov_chain_us_incomes_equals_giddy(us_run, us):
    ref, q5, table = us_run.ref, us_run.q5, us_run.table
    assert len(table) == 25 and {r["variable"] for r in table} == {"income"}
    counts, p, fmpt = matrices(table, 5)
    np.testing.assert_array_equal(counts, ref.transitions)
    assert counts[0, :3].tolist() == [729, 71, 1]  # giddy's documented example
    np.testing.assert_allclose(p, ref.p, rtol=1e-14)
    np.testing.assert_allclose(fmpt, quiet(lambda: ref.mfpt), rtol=1e-10)
    classes = sorted(us_run.classes, key=lambda r: r["class"])
    np.testing.assert_allclose([r["steady_state"] for r in classes], ref.steady_state, rtol=1e-12)
    np.testing.assert_allclose([r["sojourn_time"] for r in classes], quiet(lambda: ref.sojourn_time),
                               rtol=1e-12)
    np.testing.assert_allclose([r["initial"] for r in classes], np.bincount(q5[:, 0]) / 48)
    assert all(null(r["upper_bound"]) for r in classes)  # breaks differ per period

    out = us_run.out
    fields = attributes(out)
    order = order_of(out, us.names)
    core = core_markov.markov(us.y, k=5)
    for s, year in enumerate(YEARS):
        np.testing.assert_array_equal(fields[f"mk_class_{year}"], core.class_codes[order, s])
        np.testing.assert_array_equal(fields[f"mk_class_{year}"], q5[order, s])
    names = [core_markov.TRANSITION_NAMES[c] for c in core.transition_types[order, -1]]
    assert fields["mk_type_2009"] == names
    assert "mk_type_1929" not in fields  # no move ends in the first period


def test_styled_map_of_the_last_move(provider, tmp_path):
    kind, field, cats, styles = loaded_styled("markovchain", dict(MEXICO, **TABLES), tmp_path)
    assert kind == "categorizedSymbol" and field == "mk_type_2000"
    assert cats["Up"] == ("Up", "#74c476") and cats["Jump down"] == ("Jump down", "#a50f15")
    assert set(cats) == set(core_markov.TRANSITION_NAMES.values())
    assert "Transitions mk_type_1950" in styles and "Transitions mk_type_2000" in styles


def test_report_has_the_heat_tables(us_run):
    html, ref = us_run.html, us_run.ref
    assert html.count('class="heat"') == 3  # P, counts, first passage times
    heat = html[html.index("Transition probabilities"):]
    assert f">{ref.p[0, 0]:.3f}<" in heat and f">{ref.p[4, 3]:.3f}<" in heat  # 0.910, ...
    assert ">729<" in html  # the counts heat-table
    assert "<img" in html and "1929 - 1930" in html and "2008 - 2009" in html


def test_class_fields_chain_into_the_next_run(run_alg, us_run):
    """mk_class_<year> read back by name as class codes: the same chain."""
    res, _ = run_alg("markovchain", {"INPUT": us_run.out, "FIELD_PREFIX": "mk_class",
                                     "CLASSES": CODES, **TABLES})
    counts, p, _ = matrices(rows(res["TRANSITIONS"]), 5)
    np.testing.assert_array_equal(counts, us_run.ref.transitions)
    assert {r["variable"] for r in rows(res["TRANSITIONS"])} == {"mk_class"}


def test_pooled_relative_classes_equal_giddy_pooled_recipe(run_alg, us):
    gm = reference("giddy.markov")
    mc = reference("mapclassify")
    res, _ = run_alg("markovchain", dict(US_LONG, N_CLASSES=5, CLASSES=POOLED, RELATIVE=True, **TABLES))
    rpci = us.y / us.y.mean(axis=0)
    pooled = mc.Quantiles(rpci.flatten(), k=5).yb.reshape(rpci.shape)
    ref = quiet(gm.Markov, pooled, summary=False)
    counts, p, _ = matrices(rows(res["TRANSITIONS"]), 5)
    np.testing.assert_array_equal(counts, ref.transitions)
    bounds = [r["upper_bound"] for r in sorted(rows(res["CLASS_TABLE"]), key=lambda r: r["class"])]
    np.testing.assert_allclose(bounds[:4], mc.Quantiles(rpci.flatten(), k=5).bins[:4], rtol=1e-14)
    assert null(bounds[4])  # the top class


def test_transition_types_by_hand(run_alg):
    # region 0: 0 -> 1 up, 1 -> 3 jump up; region 1: 2 -> 2 stay, 2 -> 1 down;
    # region 2: 3 -> 0 jump down, 0 -> 0 stay; region 3: 1 -> 1 stay, 1 -> 3 jump up
    codes = [[0, 1, 3], [2, 2, 1], [3, 0, 0], [1, 1, 3]]
    grid = grid_layer(4, 1, fields="c2000:integer,c2001:integer,c2002:integer", values=codes)
    res, _ = run_alg("markovchain", {"INPUT": grid, "FIELDS": ["c2000", "c2001", "c2002"],
                                     "CLASSES": CODES, **TABLES})
    out = res["OUTPUT"]
    assert list(column(out, "mk_type_2001")) == ["Up", "Stay", "Jump down", "Stay"]
    assert list(column(out, "mk_type_2002")) == ["Jump up", "Down", "Stay", "Jump up"]
    np.testing.assert_array_equal(column(out, "mk_class_2002"), [3, 1, 0, 3])
    counts, p, _ = matrices(rows(res["TRANSITIONS"]), 4)
    # moves 0-0, 0-1 | 1-1, 1-3, 1-3 | 2-1, 2-2 | 3-0
    np.testing.assert_array_equal(counts, [[1, 1, 0, 0], [0, 1, 0, 2], [0, 1, 1, 0], [1, 0, 0, 0]])
    assert p[1, 3] == pytest.approx(2 / 3) and p[3, 0] == 1.0


@pytest.mark.parametrize("alg_id", ["markovchain", "spatialmarkov"])
@pytest.mark.parametrize("params, message", [
    (dict(FIELDS=["PCGDP1940"]), "at least 2 periods"),
    (dict(N_CLASSES=40), r"only 32 distinct value\(s\), fewer than the 40 classes"),
    (dict(CLASSES=BREAKS, BREAKS="5000, 3000"), "strictly increasing"),
    (dict(CLASSES=BREAKS, BREAKS="5000, 8000 abc"), "'abc' is not a number"),
    (dict(CLASSES=BREAKS, BREAKS=""), "Give the breaks"),
    (dict(CLASSES=CODES), "go up to .* values rather than codes"),
    (dict(TIME_LAG=7), "between 1 and 6 periods"),
])
def test_bad_input_is_refused_clearly(run_alg, alg_id, params, message):
    with pytest.raises(QgsProcessingException, match=message):
        run_alg(alg_id, dict(MEXICO, **TABLES, **params))


@pytest.mark.parametrize("alg_id", ["markovchain", "spatialmarkov"])
def test_nulls_and_fractional_codes_are_refused(run_alg, alg_id):
    values = [[1.0, 2.0], [2.0, None], [3.0, 1.0], [4.0, 4.0]]
    grid = grid_layer(2, 2, fields="v2000:double,v2001:double", values=values)
    with pytest.raises(QgsProcessingException, match=r"Missing \(NULL\) values .* 2 \(2001\)"):
        run_alg(alg_id, {"INPUT": grid, "FIELDS": ["v2000", "v2001"], "K": 2, **TABLES})
    grid = grid_layer(2, 2, fields="v2000:double,v2001:double",
                      values=[[0, 1], [1, 0.5], [1, 1], [0, 0]])
    with pytest.raises(QgsProcessingException, match=r"fractional codes .* 2 \(2001\)"):
        run_alg(alg_id, {"INPUT": grid, "FIELDS": ["v2000", "v2001"], "CLASSES": CODES, **TABLES})


def test_input_is_not_modified(run_alg, data_copy):
    path = data_copy("mexico.gpkg")
    before = [f.attributes() for f in layer(path).getFeatures()]
    run_alg("markovchain", dict(MEXICO, INPUT=str(path), **TABLES))
    assert [f.attributes() for f in layer(path).getFeatures()] == before
