"""Composite-index tools through Processing, checked with the formulas
written out here (Columbus 1980 single year; Mexican states as a long panel)."""
import numpy as np
import pytest
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

from tests.conftest import DATA
from tests.helpers import column, layer, rows

COLUMBUS = str(DATA / "columbus.gpkg")
INDICATORS = ["INC", "HOVAL", "OPEN", "CRIME", "PLUMB"]
NEGATIVE = "CRIME, PLUMB"


def columbus_matrix():
    lyr = layer(COLUMBUS)
    return np.column_stack([column(lyr, f) for f in INDICATORS])


def minmax(X, positive, shift=1e-4):
    lo, hi = X.min(0), X.max(0)
    L = np.where(positive, (X - lo) / (hi - lo), (hi - X) / (hi - lo))
    return L + shift


def entropy_weights(L):
    p = L / L.sum(0)
    e = -(p * np.log(p)).sum(0) / np.log(len(L))
    return (1 - e) / (1 - e).sum(), e


POSITIVE = np.array([True, True, True, False, False])


def test_indicator_weights_table(run_alg):
    res, log = run_alg("indicatorweights", {
        "INPUT": COLUMBUS, "FIELDS": INDICATORS, "NEGATIVE": NEGATIVE, "OBJECTIVE": [0, 2],
        "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    table = rows(res["WEIGHTS_TABLE"])
    assert [r["indicator"] for r in table] == INDICATORS
    assert [r["direction"] for r in table] == ["positive"] * 3 + ["negative"] * 2
    L = minmax(columbus_matrix(), POSITIVE)
    w_e, e = entropy_weights(L)
    np.testing.assert_allclose([r["entropy_e"] for r in table], e, rtol=1e-10)
    np.testing.assert_allclose([r["w_entropy"] for r in table], w_e, rtol=1e-10)
    # CRITIC, by hand: sigma_j sum_k (1 - r_jk)
    sigma = L.std(0, ddof=1)
    c = sigma * (1 - np.corrcoef(L, rowvar=False)).sum(0)
    np.testing.assert_allclose([r["w_critic"] for r in table], c / c.sum(), rtol=1e-10)
    final = np.array([r["weight"] for r in table])
    np.testing.assert_allclose(final, (w_e + c / c.sum()) / 2, rtol=1e-10)
    assert final.sum() == pytest.approx(1.0)
    assert "Weights: mean(entropy, critic)" in log


def test_development_index_columbus_g1_combined(run_alg, data_copy):
    path = data_copy("columbus.gpkg")
    res, _ = run_alg("developmentindex", {
        "INPUT": str(path), "FIELDS": INDICATORS, "NEGATIVE": NEGATIVE,
        "SUBSYSTEMS": "economy: INC, HOVAL; living: OPEN, CRIME, PLUMB",
        "SUBJECTIVE": 1, "G1": "INC; CRIME 1.2; HOVAL 1.4; PLUMB 1.0; OPEN 1.6",
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    L = minmax(columbus_matrix(), POSITIVE)
    w_e, _ = entropy_weights(L)
    # G1 by hand, order INC > CRIME > HOVAL > PLUMB > OPEN with r = 1.2, 1.4, 1.0, 1.6
    r = [1.2, 1.4, 1.0, 1.6]
    w_open = 1 / (1 + 1.6 + 1.0 * 1.6 + 1.4 * 1.0 * 1.6 + 1.2 * 1.4 * 1.0 * 1.6)
    w_plumb = 1.6 * w_open
    w_hoval = 1.0 * w_plumb
    w_crime = 1.4 * w_hoval
    w_inc = 1.2 * w_crime
    g1 = np.array([w_inc, w_hoval, w_open, w_crime, w_plumb])
    F = g1 * w_e / (g1 * w_e).sum()
    out = res["OUTPUT"]
    np.testing.assert_allclose(column(out, "idx"), L @ F, rtol=1e-10)
    eco = L[:, :2] @ F[:2] / F[:2].sum()
    np.testing.assert_allclose(column(out, "idx_economy"), eco, rtol=1e-10)
    table = rows(res["WEIGHTS_TABLE"])
    np.testing.assert_allclose([t["w_subjective"] for t in table], g1, rtol=1e-10)
    # the ratios given in the G1 text, read back from the table
    w = {t["indicator"]: t["w_subjective"] for t in table}
    order = ["INC", "CRIME", "HOVAL", "PLUMB", "OPEN"]
    np.testing.assert_allclose([w[a] / w[b] for a, b in zip(order, order[1:])], r, rtol=1e-10)
    assert table[0]["scheme"] == "multiplicative(G1, entropy)"
    assert table[0]["subsystem"] == "economy"
    # input untouched
    assert layer(path).fields().lookupField("idx") < 0


def mexico_long_table(drop=None, replace=None):
    """Long table: state name, year, gdp (PCGDP) and lgdp (its log); ``drop`` a
    (state, year) row; ``replace`` {(state, year): (gdp, lgdp)}."""
    mx = layer(DATA / "mexico.gpkg")
    tbl = QgsVectorLayer("None?field=state:string&field=year:integer&field=gdp:double&field=lgdp:double",
                         "long", "memory")
    feats = []
    for f in mx.getFeatures():
        for y in (1940, 1950, 1960, 1970, 1980, 1990, 2000):
            if drop == (f["NAME"], y):
                continue
            g = QgsFeature(tbl.fields())
            gdp, lgdp = (replace or {}).get((f["NAME"], y), (f[f"PCGDP{y}"], float(np.log(f[f"PCGDP{y}"]))))
            g.setAttributes([f["NAME"], y, float(gdp), float(lgdp)])
            feats.append(g)
    tbl.dataProvider().addFeatures(feats)
    return tbl


def test_topsis_pooled_panel_from_long_table(run_alg):
    tbl = mexico_long_table()
    res, _ = run_alg("entropytopsis", {
        "INPUT": str(DATA / "mexico.gpkg"), "ID_FIELD": "NAME", "TABLE": tbl, "TABLE_ID_FIELD": "state",
        "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["gdp", "lgdp"],
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    mx = layer(DATA / "mexico.gpkg")
    years = [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    gdp = np.column_stack([column(mx, f"PCGDP{y}") for y in years])
    X = np.stack([gdp, np.log(gdp)], axis=-1).reshape(-1, 2)  # pooled region-years
    w, _ = entropy_weights(minmax(X, np.array([True, True])))
    V = X / np.sqrt((X ** 2).sum(0)) * w
    d_plus = np.sqrt(((V - V.max(0)) ** 2).sum(1))
    d_minus = np.sqrt(((V - V.min(0)) ** 2).sum(1))
    closeness = (d_minus / (d_plus + d_minus)).reshape(32, 7)
    out = res["OUTPUT"]
    for k, y in enumerate(years):
        np.testing.assert_allclose(column(out, f"topsis_c_{y}"), closeness[:, k], rtol=1e-10)
    # one weights row per indicator, pooled
    table = rows(res["WEIGHTS_TABLE"])
    assert [t["period"] for t in table] == ["all", "all"]
    assert table[0]["scope"] == "all years pooled"


def test_missing_value_policy(run_alg):
    tbl = mexico_long_table(drop=("Jalisco", 1970))
    params = {"INPUT": str(DATA / "mexico.gpkg"), "ID_FIELD": "NAME", "TABLE": tbl,
              "TABLE_ID_FIELD": "state", "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["gdp", "lgdp"],
              "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="unbalanced.*Jalisco in 1970"):
        run_alg("developmentindex", params)
    # interpolation: Jalisco 1970 becomes the mean of 1960 and 1980 (both indicators),
    # so the result equals a complete table holding those means
    filled, log = run_alg("developmentindex", dict(params, MISSING=1))
    assert "Filled 2 missing value(s)" in log
    jal = [f for f in layer(DATA / "mexico.gpkg").getFeatures() if f["NAME"] == "Jalisco"][0]
    means = ((jal["PCGDP1960"] + jal["PCGDP1980"]) / 2,
             (np.log(jal["PCGDP1960"]) + np.log(jal["PCGDP1980"])) / 2)
    by_hand, _ = run_alg("developmentindex", dict(params, TABLE=mexico_long_table(
        replace={("Jalisco", 1970): means})))
    for year in (1940, 1970, 2000):
        np.testing.assert_allclose(column(filled["OUTPUT"], f"idx_{year}"),
                                   column(by_hand["OUTPUT"], f"idx_{year}"), rtol=1e-12)
    # a gap at the last year cannot be interpolated
    end_gap = dict(params, TABLE=mexico_long_table(drop=("Jalisco", 2000)), MISSING=1)
    with pytest.raises(QgsProcessingException, match="Jalisco"):
        run_alg("developmentindex", end_gap)


def test_cedi_by_hand(run_alg):
    res, _ = run_alg("cedi", {"INPUT": COLUMBUS, "FIELDS": ["CRIME", "PLUMB", "OPEN"],
                              "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    lyr = layer(COLUMBUS)
    D = np.column_stack([column(lyr, f) for f in ["CRIME", "PLUMB", "OPEN"]])
    f = D / D.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(np.where(f > 0, f * np.log(f), 0.0), axis=0) / np.log(len(D))
    g = (1 - e) / (1 - e).sum()
    np.testing.assert_allclose(column(res["OUTPUT"], "cedi"), D @ g, rtol=1e-10)
    np.testing.assert_allclose([t["weight_g"] for t in rows(res["WEIGHTS_TABLE"])], g, rtol=1e-10)


@pytest.mark.parametrize("params,message", [
    ({"NEGATIVE": "CRIME, SMOG"}, "unknown indicator 'SMOG'"),
    ({"SUBJECTIVE": 1, "G1": "INC; HOVAL 2.5; OPEN 1; CRIME 1; PLUMB 1"}, r"\[1, 1.8\]"),
    ({"SUBJECTIVE": 1, "G1": "INC; HOVAL 1.2"}, "leaves out indicator .OPEN."),
    ({"SUBSYSTEMS": "a: INC, HOVAL; b: OPEN, CRIME, RAIN"}, "unknown indicator 'RAIN'"),
    ({"FIELDS": ["INC"]}, "at least two indicators"),
])
def test_bad_indicator_input(run_alg, params, message):
    base = {"INPUT": COLUMBUS, "FIELDS": INDICATORS, "OUTPUT": "TEMPORARY_OUTPUT",
            "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("developmentindex", dict(base, **params))


def test_constant_indicator_gets_zero_weight(run_alg):
    from tests.helpers import grid_layer

    lyr = grid_layer(3, 3, fields="a:double,b:double,c:double",
                     values=[[float(k), 5.0, float((k * 7) % 5)] for k in range(9)])
    res, log = run_alg("indicatorweights", {"INPUT": lyr, "FIELDS": ["a", "b", "c"],
                                            "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    table = rows(res["WEIGHTS_TABLE"])
    assert table[1]["weight"] == 0 and table[1]["constant"] == 1
    assert [t["indicator"] for t in table if t["constant"]] == ["b"]
    warnings = [line for line in log.splitlines() if "gets weight 0" in line]
    assert len(warnings) == 1 and "'b'" in warnings[0], log


def test_index_map_is_styled_per_year(provider, tmp_path):
    """The development index loads as a graduated map, one named style per year."""
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
    results = processing.run("regional_resilience:developmentindex", {
        "INPUT": str(DATA / "mexico.gpkg"), "ID_FIELD": "NAME", "TABLE": mexico_long_table(),
        "TABLE_ID_FIELD": "state", "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["gdp", "lgdp"],
        "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "idx.gpkg"), QgsProject.instance()),
        "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"}, context=context, feedback=feedback)
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    context.layerToLoadOnCompletionDetails(results["OUTPUT"]).postProcessor().postProcessLayer(
        lyr, context, feedback)
    renderer = lyr.renderer()
    assert renderer.type() == "graduatedSymbol"
    assert renderer.classAttribute() == "idx_2000"
    assert len(renderer.ranges()) == 5
    values = column(lyr, "idx_2000")
    assert renderer.ranges()[0].lowerValue() == pytest.approx(values.min())
    assert renderer.ranges()[-1].upperValue() == pytest.approx(values.max())
    assert "Map of idx_1940" in lyr.styleManager().styles()
