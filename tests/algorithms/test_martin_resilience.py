"""Martin's resilience index through Processing on US state incomes
1929-2009 (us48 polygons + the long income table), against a direct loop
of Martin's formula written here and against the core."""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsProcessingException

from regional_resilience.core.resilience import martin_resilience
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows

US = str(DATA / "us48.gpkg")
LONG = str(DATA / "us_income_long.gpkg")
YEARS = [str(y) for y in range(1929, 2010)]
US_LONG = {"INPUT": US, "ID_FIELD": "STATE_NAME", "TABLE": LONG, "TABLE_ID_FIELD": "state",
           "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["income"], "OUTPUT": "TEMPORARY_OUTPUT"}


@pytest.fixture(scope="module")
def us(qgis_app):
    """State names (us48 order), sub-regions and incomes (48, 81) read from the files."""
    polygons = layer(US)
    names = [f["STATE_NAME"] for f in polygons.getFeatures()]
    sub = [f["SUB_REGION"] for f in polygons.getFeatures()]
    income = {(f["state"], str(f["year"])): f["income"] for f in layer(LONG).getFeatures()}
    Y = np.array([[income[(n, y)] for y in YEARS] for n in names], dtype=float)
    return names, np.array(sub, dtype=object), Y


def martin_loop(Y, pairs, reference_of):
    """Martin (2012) / Martin et al. (2016): for region i and pair (s, e),
    dE = (R_e - R_s) / R_s * Y_is, index = ((Y_ie - Y_is) - dE) / |dE|,
    with R = reference_of(i); also checked in its growth-rate form
    (g_i - g_R) / |g_R|."""
    out = np.empty((Y.shape[0], len(pairs)))
    for i in range(Y.shape[0]):
        R = reference_of(i)
        for p, (s, e) in enumerate(pairs):
            g_ref = (R[e] - R[s]) / R[s]
            dE = g_ref * Y[i, s]
            out[i, p] = ((Y[i, e] - Y[i, s]) - dE) / abs(dE)
            g_region = (Y[i, e] - Y[i, s]) / Y[i, s]
            assert out[i, p] == pytest.approx((g_region - g_ref) / abs(g_ref), rel=1e-9)
    return out


def test_national_reference_consecutive_years(run_alg, us):
    names, _, Y = us
    res, _ = run_alg("martinresilience", dict(US_LONG, RESILIENCE_TABLE="TEMPORARY_OUTPUT"))
    out = res["OUTPUT"]
    pairs = [(k, k + 1) for k in range(80)]
    national = Y.sum(axis=0)
    expected = martin_loop(Y, pairs, lambda i: national)
    fields = [f.name() for f in out.fields() if f.name().startswith("mr_")]
    assert fields == [f"mr_{YEARS[s]}_{YEARS[e]}" for s, e in pairs]
    got = np.column_stack([column(out, f) for f in fields])
    assert_allclose(got, expected, rtol=1e-10)
    assert_allclose(got, martin_resilience(Y).index, rtol=1e-12)
    # 1929-1930: every state fell with the nation; the index is not all of one sign
    assert (got[:, 0] > 0).any() and (got[:, 0] < 0).any()

    table = rows(res["RESILIENCE_TABLE"])
    assert len(table) == 48 * 80
    last = {r["region"]: r for r in table if r["pair"] == "2008-2009"}
    assert set(last) == set(names)
    for i, name in enumerate(names):
        r = last[name]
        assert (r["start"], r["end"], r["reference"]) == ("2008", "2009", "national")
        assert r["y_start"] == Y[i, 79] and r["y_end"] == Y[i, 80]
        assert r["actual_change"] == pytest.approx(Y[i, 80] - Y[i, 79], rel=1e-12)
        g = (national[80] - national[79]) / national[79]
        assert r["reference_growth"] == pytest.approx(g, rel=1e-12)
        assert r["expected_change"] == pytest.approx(g * Y[i, 79], rel=1e-12)
        assert r["index"] == pytest.approx(expected[i, 79], rel=1e-10)
        assert r["phase"] == ("contraction" if g < 0 else "expansion")
    assert g < 0  # 2009: the Great Recession lowered incomes
    first = [r for r in table if r["pair"] == "1929-1930"]
    assert {r["phase"] for r in first} == {"contraction"}


def test_group_reference_sub_regions_k2(run_alg, us, data_copy):
    names, sub, Y = us
    path = data_copy("us48.gpkg")
    res, _ = run_alg("martinresilience", dict(US_LONG, INPUT=str(path), GROUP_FIELD="SUB_REGION", K=2,
                                              RESILIENCE_TABLE="TEMPORARY_OUTPUT"))
    out = res["OUTPUT"]
    pairs = [(k, k + 2) for k in range(79)]
    totals = {g: Y[sub == g].sum(axis=0) for g in set(sub)}
    expected = martin_loop(Y, pairs, lambda i: totals[sub[i]])
    got = np.column_stack([column(out, f"mr_{YEARS[s]}_{YEARS[e]}") for s, e in pairs])
    assert_allclose(got, expected, rtol=1e-10)
    assert_allclose(got, martin_resilience(Y, k=2, groups=sub).index, rtol=1e-12)
    # not the national reference
    assert np.abs(got - martin_loop(Y, pairs, lambda i: Y.sum(axis=0))).max() > 0.1
    table = rows(res["RESILIENCE_TABLE"])
    assert {r["region"]: r["reference"] for r in table} == dict(zip(names, sub))
    assert len(table) == 48 * 79
    # the input is not modified
    assert layer(path).fields().lookupField("mr_1929_1931") < 0


def test_given_pairs_reference_series_and_report(run_alg, us, tmp_path):
    _, _, Y = us
    rng = np.random.default_rng(5)
    series = Y.sum(axis=0) * rng.uniform(0.9, 1.1, 81)  # e.g. an official national series
    report = tmp_path / "martin.html"
    res, log = run_alg("martinresilience", dict(
        US_LONG, PAIRS="1929-1933, 1933 - 1941; 2007-2009", K=3,
        REFERENCE_SERIES=", ".join(repr(float(v)) for v in series), REPORT=str(report)))
    out = res["OUTPUT"]
    pairs = [(YEARS.index(a), YEARS.index(b)) for a, b in (("1929", "1933"), ("1933", "1941"),
                                                           ("2007", "2009"))]
    fields = [f.name() for f in out.fields() if f.name().startswith("mr_")]
    assert fields == ["mr_1929_1933", "mr_1933_1941", "mr_2007_2009"]
    got = np.column_stack([column(out, f) for f in fields])
    assert_allclose(got, martin_loop(Y, pairs, lambda i: series), rtol=1e-10)
    assert "k = 3 is not used" in log
    assert "RESILIENCE_TABLE" not in res  # optional table not asked for
    text = report.read_text(encoding="utf-8")
    assert "Median index of the regions by pair" in text and "2007-2009" in text and "data:image/png;base64," in text
    assert text.count("<figure>") == 1
    assert "regional_resilience:martinresilience" in text  # provenance footer


def test_wide_fields_mexico_inegi_groups(run_alg):
    mx = layer(DATA / "mexico.gpkg")
    years = [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    Y = np.column_stack([column(mx, f"PCGDP{y}") for y in years])
    inegi = column(mx, "INEGI")
    res, _ = run_alg("martinresilience", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": [f"PCGDP{y}" for y in years],
        "GROUP_FIELD": "INEGI", "OUTPUT": "TEMPORARY_OUTPUT"})
    totals = {g: Y[inegi == g].sum(axis=0) for g in set(inegi)}
    expected = martin_loop(Y, [(k, k + 1) for k in range(6)], lambda i: totals[inegi[i]])
    got = np.column_stack([column(res["OUTPUT"], f"mr_{a}_{b}") for a, b in zip(years, years[1:])])
    assert_allclose(got, expected, rtol=1e-10)


def test_styled_on_load(provider, tmp_path, us):
    """Load the output as QGIS does and run its post-processor: a graduated
    map of the last pair's index, Fisher-Jenks classes spanning its values."""
    import processing
    from qgis.core import (QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition,
                           QgsProcessingUtils, QgsProject)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    params = dict(US_LONG, PAIRS="1929-1933, 2007-2009",
                  OUTPUT=QgsProcessingOutputLayerDefinition(str(tmp_path / "mr.gpkg"), QgsProject.instance()))
    results = processing.run("regional_resilience:martinresilience", params, context=context, feedback=feedback)
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    renderer = lyr.renderer()
    assert renderer.type() == "graduatedSymbol"
    assert renderer.classAttribute() == "mr_2007_2009"
    values = column(lyr, "mr_2007_2009")
    ranges = renderer.ranges()
    assert len(ranges) == 5
    assert ranges[0].lowerValue() == pytest.approx(values.min())
    assert ranges[-1].upperValue() == pytest.approx(values.max())
    # the classes are the core's natural breaks of the written values (computed when the style is applied)
    from regional_resilience.core.classify import jenks_breaks

    assert [r.upperValue() for r in ranges] == pytest.approx(jenks_breaks(values[np.isfinite(values)], 5).tolist())
    assert list(lyr.styleManager().styles()).count("Martin index mr_2007_2009") == 1


def small(values, fields="y2000:double,y2001:double,y2002:double", group=None):
    """Three square regions with the given rows (and a group field)."""
    if group is not None:
        fields += ",grp:string"
        values = [list(v) + [g] for v, g in zip(values, group)]
    return grid_layer(3, 1, fields=fields, values=values)


MEXICO = {"INPUT": str(DATA / "mexico.gpkg"), "OUTPUT": "TEMPORARY_OUTPUT",
          "FIELDS": [f"PCGDP{y}" for y in (1940, 1950, 1960, 1970, 1980, 1990, 2000)]}


@pytest.mark.parametrize("params, message", [
    ({"INPUT": small([[1.0, 2.0, 3.0], [2.0, None, 4.0], [3.0, 4.0, 5.0]]),
      "FIELDS": ["y2000", "y2001", "y2002"]}, r"Missing \(NULL\) values in y2001 for 1 region-period\(s\): 2 \(2001\)"),
    (dict(MEXICO, FIELDS=["PCGDP1940"]), "at least two periods"),
    ({"INPUT": small([[10.0, 12.0, 13.0], [20.0, 18.0, 19.0], [5.0, 5.0, 7.0]]),
      "FIELDS": ["y2000", "y2001", "y2002"]},
     r"national total does not change over 1 period pair\(s\): 2000-2001\. .*another reference"),
    ({"INPUT": small([[0.0, 2.0, 3.0], [10.0, 12.0, 13.0], [20.0, 18.0, 19.0]], group=["a", "b", "b"]),
      "FIELDS": ["y2000", "y2001", "y2002"], "GROUP_FIELD": "grp"},
     r"group total is 0 at the start of 1 period pair\(s\): group 'a' \(2000-2001\)"),
    (dict(MEXICO, PAIRS="1940-1960, 1960-1999"), r"Unknown period '1999' in the period pairs; use one of 1940, "),
    (dict(MEXICO, PAIRS="1940-1960, 1970"), r"Could not read the period pair '1970'"),
    (dict(MEXICO, PAIRS="1960-1940"), "must start before it ends"),
    (dict(MEXICO, K=7), r"from 1 to 6 \(the panel has 7 periods\)"),
    (dict(MEXICO, REFERENCE_SERIES="1, 2, 3"),
     r"3 value\(s\) but the panel has 7 periods \(1940, 1950, .*2000\); give one value per period"),
    (dict(MEXICO, REFERENCE_SERIES="1 2 3 4 5 6 7", GROUP_FIELD="INEGI"), "either groups .* not both"),
    ({"INPUT": small([[1.0, 2.0, 3.0], [2.0, -1.0, 4.0], [3.0, 4.0, 5.0]]),
      "FIELDS": ["y2000", "y2001", "y2002"]}, r"negative for 1 region-period\(s\): '2' \('2001'\)"),
])
def test_bad_input_is_refused_clearly(run_alg, params, message):
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("martinresilience", dict({"OUTPUT": "TEMPORARY_OUTPUT"}, **params))


def test_region_with_nothing_at_start_is_empty_with_a_warning(run_alg):
    lyr = small([[0.0, 2.0, 3.0], [10.0, 12.0, 13.0], [20.0, 18.0, 19.0]])
    res, log = run_alg("martinresilience", {"INPUT": lyr, "FIELDS": ["y2000", "y2001", "y2002"],
                                            "OUTPUT": "TEMPORARY_OUTPUT"})
    first = column(res["OUTPUT"], "mr_2000_2001")
    assert np.isnan(first[0]) and np.isfinite(first[1:]).all()
    # national 30 -> 32: dE = 2/30 * 10; index = (2 - 2/3) / (2/3) = 2
    assert first[1] == pytest.approx(2.0)
    assert "expected change is 0 for 1 region-pair(s): '1' (2000-2001)" in log


def test_progress_moves_while_the_table_is_written(provider, tmp_path, monkeypatch):
    """The write phase is shared among the outputs by the values each
    writes, and the long table (3,840 rows, 12 columns: most of the
    values) moves the bar as its batches go in, up to 100."""
    import processing
    from qgis.core import QgsProcessingFeedback

    from regional_resilience.algorithms.outputs import layer as out_layer
    from regional_resilience.algorithms.support import Steps
    from regional_resilience.algorithms.outputs import table as out_table

    monkeypatch.setattr(out_table, "BATCH", 100)
    monkeypatch.setattr(out_layer, "BATCH", 100)

    class Recorded(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.values = []

        def setProgress(self, progress):  # noqa: N802
            super().setProgress(progress)
            self.values.append(progress)

    feedback = Recorded()
    processing.run("regional_resilience:martinresilience", dict(
        US_LONG, OUTPUT=str(tmp_path / "martin.gpkg"), RESILIENCE_TABLE=str(tmp_path / "table.gpkg")),
        feedback=feedback)
    values = feedback.values
    assert values == sorted(values) and values[-1] == pytest.approx(100)
    lo, hi = Steps(None).span("write")  # the write phase of the bar (85 to 100)
    writing = sorted({v for v in values if lo < v < hi})
    # the layer (48 polygons x 89 fields) took its small share, the table's 39 batches the rest
    assert writing[0] < lo + 0.2 * (hi - lo) and len(writing) >= 39
