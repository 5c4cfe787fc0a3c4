"""Agglomeration (HHI, location quotients) through Processing: a 3 x 3 case
checked by hand, and a seeded synthetic employment panel on the 32 Mexican
states (the test layers have no industries) given the four ways the tool
reads it, against direct loops written here and against the core."""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

from regional_resilience.core.resilience import agglomeration
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows

MEXICO = str(DATA / "mexico.gpkg")
INDUSTRIES = ["agriculture", "mining", "manufacturing", "services", "public"]
YEARS = [2000, 2005, 2010]

# ---------------------------------------------------------------------------
# 3 regions x 3 industries, by hand
#            agri  manu  serv   l_i
#   1          10    20    10    40
#   2           0    30    30    60
#   3          20    10    70   100
#   l_j        30    60   110   l = 200;  l_j / l = 0.15, 0.30, 0.55
# ---------------------------------------------------------------------------
HAND = [[10.0, 20.0, 10.0], [0.0, 30.0, 30.0], [20.0, 10.0, 70.0]]
HAND_LQ = [[0.25 / 0.15, 0.5 / 0.3, 0.25 / 0.55],  # 5/3, 5/3, 5/11
           [0.0, 0.5 / 0.3, 0.5 / 0.55],  # 0, 5/3, 10/11
           [0.2 / 0.15, 0.1 / 0.3, 0.7 / 0.55]]  # 4/3, 1/3, 14/11
HAND_HHI_NATIONAL = [1 / 9 + 1 / 9 + 1 / 121,  # (10/30)^2 + (20/60)^2 + (10/110)^2
                     0 + 1 / 4 + 9 / 121,  # 0 + (30/60)^2 + (30/110)^2
                     4 / 9 + 1 / 36 + 49 / 121]  # (20/30)^2 + (10/60)^2 + (70/110)^2
HAND_HHI_SHARE = [1 / 16 + 1 / 4 + 1 / 16, 1 / 4 + 1 / 4, 0.04 + 0.01 + 0.49]  # 3/8, 1/2, 0.54


def test_hand_case_one_year_with_years_in_names(run_alg):
    lyr = grid_layer(3, 1, fields="agri_2010:double,manu_2010:double,serv_2010:double", values=HAND)
    res, _ = run_alg("agglomeration", {"INPUT": lyr, "FIELDS": ["agri_2010", "manu_2010", "serv_2010"],
                                       "OUTPUT": "TEMPORARY_OUTPUT", "LQ_TABLE": "TEMPORARY_OUTPUT"})
    out = res["OUTPUT"]
    assert_allclose(column(out, "hhi_2010"), HAND_HHI_NATIONAL, rtol=1e-14)
    for j, ind in enumerate(["agri", "manu", "serv"]):
        assert_allclose(column(out, f"lq_{ind}_2010"), np.array(HAND_LQ)[:, j], rtol=1e-14)
    table = rows(res["LQ_TABLE"])
    assert [(r["region"], r["industry"]) for r in table] == [
        (r, i) for r in ("1", "2", "3") for i in ("agri", "manu", "serv")]
    by = {(r["region"], r["industry"]): r for r in table}
    assert by[("3", "serv")]["employment"] == 70 and by[("3", "serv")]["region_total"] == 100
    assert by[("3", "serv")]["share_in_region"] == pytest.approx(0.7)
    assert by[("3", "serv")]["share_of_industry"] == pytest.approx(70 / 110)
    assert by[("2", "agri")]["lq"] == 0.0 and by[("1", "agri")]["lq"] == pytest.approx(5 / 3)
    assert {r["period"] for r in table} == {"2010"}


def test_hand_case_fields_without_year_share_variant(run_alg):
    lyr = grid_layer(3, 1, fields="agri:double,manu:double,serv:double", values=HAND)
    res, _ = run_alg("agglomeration", {"INPUT": lyr, "FIELDS": ["agri", "manu", "serv"], "HHI_VARIANT": 1,
                                       "OUTPUT": "TEMPORARY_OUTPUT"})
    out = res["OUTPUT"]
    names = [f.name() for f in out.fields()]
    assert names[3:] == ["hhi", "lq_agri", "lq_manu", "lq_serv"]
    assert_allclose(column(out, "hhi"), HAND_HHI_SHARE, rtol=1e-14)
    assert_allclose(column(out, "lq_serv"), np.array(HAND_LQ)[:, 2], rtol=1e-14)


# ---------------------------------------------------------------------------
# a seeded synthetic employment panel on the Mexican states
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def employment(qgis_app):
    """State names (layer order) and employment (32 states, 5 industries, 3 years):
    a state-size factor times industry weights with noise, some zeros."""
    states = [f["NAME"] for f in layer(MEXICO).getFeatures()]
    rng = np.random.default_rng(2024)
    size = rng.lognormal(10, 1, 32)
    mix = rng.dirichlet(np.ones(5), 32)
    L = np.rint(size[:, None, None] * mix[:, :, None] * rng.uniform(0.8, 1.2, (32, 5, 3)))
    L[rng.random((32, 5, 3)) < 0.05] = 0.0
    return states, L


def loops(L):
    """LQ, national-shares HHI and own-mix HHI by direct loops over (region, industry, year)."""
    n, m, t = L.shape
    lq, national, own = np.empty(L.shape), np.zeros((n, t)), np.zeros((n, t))
    for c in range(t):
        total = sum(L[i, j, c] for i in range(n) for j in range(m))
        for i in range(n):
            l_i = sum(L[i, j, c] for j in range(m))
            for j in range(m):
                l_j = sum(L[r, j, c] for r in range(n))
                lq[i, j, c] = (L[i, j, c] / l_i) / (l_j / total)
                national[i, c] += (L[i, j, c] / l_j) ** 2
                own[i, c] += (L[i, j, c] / l_i) ** 2
    return lq, national, own


def industry_rows_table(states, L, drop=None, extra=None, shuffle=True):
    """Long table: state, year, industry, jobs (one row each), rows shuffled."""
    tbl = QgsVectorLayer("None?field=state:string&field=year:integer&field=industry:string&field=jobs:double",
                         "industry_rows", "memory")
    cells = [(i, j, c) for i in range(len(states)) for j in range(len(INDUSTRIES)) for c in range(len(YEARS))]
    if shuffle:
        cells = [cells[k] for k in np.random.default_rng(1).permutation(len(cells))]
    feats = []
    for i, j, c in cells:
        if drop == (i, j, c):
            continue
        f = QgsFeature(tbl.fields())
        f.setAttributes([states[i], YEARS[c], INDUSTRIES[j], float(L[i, j, c])])
        feats.append(f)
    for attrs in extra or []:
        f = QgsFeature(tbl.fields())
        f.setAttributes(attrs)
        feats.append(f)
    tbl.dataProvider().addFeatures(feats)
    return tbl


def industry_columns_table(states, L):
    """Long table: state, year and one column per industry."""
    spec = "&".join(f"field={ind}:double" for ind in INDUSTRIES)
    tbl = QgsVectorLayer(f"None?field=state:string&field=year:integer&{spec}", "industry_columns", "memory")
    feats = []
    for i, state in enumerate(states):
        for c, year in enumerate(YEARS):
            f = QgsFeature(tbl.fields())
            f.setAttributes([state, year] + [float(v) for v in L[i, :, c]])
            feats.append(f)
    tbl.dataProvider().addFeatures(feats)
    return tbl


def wide_layer(states, L, stem="emp_"):
    """A memory copy of the Mexican states with <stem><industry>_<year> fields."""
    names = [f"{stem}{ind}_{y}" for ind in INDUSTRIES for y in YEARS]
    spec = "&".join(f"field={n}:double" for n in names)
    lyr = QgsVectorLayer(f"MultiPolygon?crs=EPSG:4326&field=NAME:string&{spec}", "wide", "memory")
    feats = []
    for i, f in enumerate(layer(MEXICO).getFeatures()):
        g = QgsFeature(lyr.fields())
        g.setGeometry(f.geometry())
        g.setAttributes([f["NAME"]] + [float(L[i, j, c]) for j in range(5) for c in range(3)])
        feats.append(g)
    lyr.dataProvider().addFeatures(feats)
    return lyr


def outputs(out):
    hhi = np.column_stack([column(out, f"hhi_{y}") for y in YEARS])
    lq = np.stack([np.column_stack([column(out, f"lq_{ind}_{y}") for y in YEARS]) for ind in INDUSTRIES], axis=1)
    return hhi, lq


def test_four_inputs_agree_with_loops_and_core(run_alg, employment):
    states, L = employment
    lq_ref, national_ref, own_ref = loops(L)
    table_base = {"INPUT": MEXICO, "ID_FIELD": "NAME", "TABLE_ID_FIELD": "state", "TABLE_PERIOD_FIELD": "year",
                  "OUTPUT": "TEMPORARY_OUTPUT"}
    runs = {
        "industry rows": dict(table_base, TABLE=industry_rows_table(states, L), TABLE_INDUSTRY_FIELD="industry",
                              TABLE_VALUE_FIELDS=["jobs"], LQ_TABLE="TEMPORARY_OUTPUT"),
        "industry columns": dict(table_base, TABLE=industry_columns_table(states, L),
                                 TABLE_VALUE_FIELDS=INDUSTRIES),
        "fields by name": {"INPUT": wide_layer(states, L), "ID_FIELD": "NAME", "FIELD_PREFIX": "emp_*",
                           "OUTPUT": "TEMPORARY_OUTPUT"},
        "picked fields": {"INPUT": wide_layer(states, L, stem=""), "ID_FIELD": "NAME", "OUTPUT": "TEMPORARY_OUTPUT",
                          "FIELDS": [f"{ind}_{y}" for y in YEARS for ind in INDUSTRIES]},
    }
    core = agglomeration(L)
    for how, params in runs.items():
        res, _ = run_alg("agglomeration", params)
        hhi, lq = outputs(res["OUTPUT"])
        assert_allclose(hhi, national_ref, rtol=1e-12, err_msg=how)
        assert_allclose(lq, lq_ref, rtol=1e-12, err_msg=how)
        assert_allclose(hhi, core.hhi, rtol=1e-14, err_msg=how)
        if how == "industry rows":
            table = rows(res["LQ_TABLE"])
            assert len(table) == 32 * 5 * 3
            i, j, c = 7, 3, 2
            r = next(r for r in table if (r["region"], r["industry"], r["period"]) == (states[i], INDUSTRIES[j], "2010"))
            assert r["employment"] == L[i, j, c] and r["region_total"] == L[i, :, c].sum()
            assert r["share_in_region"] == pytest.approx(L[i, j, c] / L[i, :, c].sum(), rel=1e-12)
            assert r["share_of_industry"] == pytest.approx(L[i, j, c] / L[:, j, c].sum(), rel=1e-12)
            assert r["lq"] == pytest.approx(lq_ref[i, j, c], rel=1e-12)
    # own-mix variant
    res, _ = run_alg("agglomeration", dict(runs["industry columns"], HHI_VARIANT=1))
    assert_allclose(outputs(res["OUTPUT"])[0], own_ref, rtol=1e-12)


def test_styled_on_load_and_report(provider, tmp_path, employment):
    import processing
    from qgis.core import (QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition,
                           QgsProcessingUtils, QgsProject)

    states, L = employment
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    report = tmp_path / "agglomeration.html"
    results = processing.run("regional_resilience:agglomeration", {
        "INPUT": MEXICO, "ID_FIELD": "NAME", "TABLE": industry_columns_table(states, L), "TABLE_ID_FIELD": "state",
        "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": INDUSTRIES, "REPORT": str(report),
        "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "agg.gpkg"), QgsProject.instance())},
        context=context, feedback=feedback)
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    renderer = lyr.renderer()
    assert renderer.type() == "graduatedSymbol" and renderer.classAttribute() == "hhi_2010"
    values = column(lyr, "hhi_2010")
    assert len(renderer.ranges()) == 5
    assert renderer.ranges()[0].lowerValue() == pytest.approx(values.min())
    assert renderer.ranges()[-1].upperValue() == pytest.approx(values.max())
    assert "HHI hhi_2010" in lyr.styleManager().styles()

    text = report.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 2
    # the industries table: national share of services in 2010, regions with LQ > 1
    lq_ref, national_ref, _ = loops(L)
    share = 100 * L[:, 3, 2].sum() / L[:, :, 2].sum()
    assert f"<td>2010</td><td>services</td><td>{L[:, 3, 2].sum():.4f}</td><td>{share:.4f}</td>" \
           f"<td>{int((lq_ref[:, 3, 2] > 1).sum())}</td>" in text
    top = int(np.argmax(national_ref[:, 2]))
    assert f"{states[top]} ({national_ref[top, 2]:.4g})" in text


def test_missing_rows_refused_or_counted_as_zero(run_alg, employment):
    states, L = employment
    i, j, c = 4, 1, 1  # no row for this state's mining in 2005
    params = {"INPUT": MEXICO, "ID_FIELD": "NAME", "TABLE": industry_rows_table(states, L, drop=(i, j, c)),
              "TABLE_ID_FIELD": "state", "TABLE_PERIOD_FIELD": "year", "TABLE_INDUSTRY_FIELD": "industry",
              "TABLE_VALUE_FIELDS": ["jobs"], "OUTPUT": "TEMPORARY_OUTPUT", "LQ_TABLE": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=rf"Employment is missing for 1 region/industry cell\(s\): "
                                                     rf"'{states[i]}' / 'mining' \('2005'\)"):
        run_alg("agglomeration", params)
    res, log = run_alg("agglomeration", dict(params, MISSING=1))
    assert f"counted as 0: '{states[i]}' / 'mining' ('2005')" in log
    L0 = L.copy()
    L0[i, j, c] = 0.0
    hhi, lq = outputs(res["OUTPUT"])
    lq_ref, national_ref, _ = loops(L0)
    assert_allclose(lq, lq_ref, rtol=1e-12) and assert_allclose(hhi, national_ref, rtol=1e-12)
    cell = [r for r in rows(res["LQ_TABLE"]) if (r["region"], r["industry"], r["period"]) == (states[i], "mining",
                                                                                                 "2005")]
    value = cell[0]["employment"]
    assert value is None or value.isNull()  # NULL, as given
    assert cell[0]["lq"] == 0.0 and cell[0]["share_in_region"] == 0.0


@pytest.mark.parametrize("case, message", [
    ("duplicate", r"more than one row for: Aguascalientes / services in 2010"),
    ("null industry", r"NULL values in its key field .industry. in rows 481"),
    ("two value fields", r"exactly one value field .* 2 chosen \(jobs, year\)"),
    ("negative", r"Employment is negative for 1 region/industry cell\(s\): '1' / 'manu'"),
    ("one industry", r"at least two industries; 1 given \(agri\)"),
    ("null field", r"Employment is missing for 1 region/industry cell\(s\): '2' / 'agri'"),
])
def test_bad_input_is_refused_clearly(run_alg, employment, case, message):
    states, L = employment
    base = {"INPUT": MEXICO, "ID_FIELD": "NAME", "TABLE_ID_FIELD": "state", "TABLE_PERIOD_FIELD": "year",
            "TABLE_INDUSTRY_FIELD": "industry", "TABLE_VALUE_FIELDS": ["jobs"], "OUTPUT": "TEMPORARY_OUTPUT"}
    if case == "duplicate":
        params = dict(base, TABLE=industry_rows_table(states, L, shuffle=False,
                                                      extra=[["Aguascalientes", 2010, "services", 5.0]]))
    elif case == "null industry":
        params = dict(base, TABLE=industry_rows_table(states, L, shuffle=False,
                                                      extra=[["Aguascalientes", 2010, None, 5.0]]))
    elif case == "two value fields":
        params = dict(base, TABLE=industry_rows_table(states, L), TABLE_VALUE_FIELDS=["jobs", "year"])
    else:
        values = [[10.0, -1.0], [5.0, 5.0], [3.0, 4.0]] if case == "negative" else (
            [[10.0, 1.0], [None, 5.0], [3.0, 4.0]] if case == "null field" else [[1.0, 0], [2.0, 0], [3.0, 0]])
        lyr = grid_layer(3, 1, fields="agri:double,manu:double", values=values)
        params = {"INPUT": lyr, "FIELDS": ["agri"] if case == "one industry" else ["agri", "manu"],
                  "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("agglomeration", params)
