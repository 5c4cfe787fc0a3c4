"""Coupling coordination degree through Processing.

Real data: the 31 Chinese provinces of tests/data/china_provinces.gpkg with
the long indicator panel 2013-2020 of china_panel.gpkg (SYNTHETIC values),
two systems (new infrastructure, regional resilience) made by the
development index and read back by name; and Columbus (one year). The
numbers are checked against the formulas written out here and against
core.coupling called directly.
"""
import math

import numpy as np
import pytest
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

from regional_resilience.algorithms.inputs.layer import is_null
from regional_resilience.core import coupling
from tests.conftest import DATA
from tests.helpers import column, grid_layer, rows, study_provinces

PANEL = DATA / "china_panel.gpkg"
YEARS = list(range(2013, 2021))
INDICATORS = ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment", "green_cover"]
SUBSYSTEMS = "infra: fiber_km, data_centres, patents_5g; resil: gdp_pc, unemployment, green_cover"
GROUPS = ["central", "east", "northeast", "west"]  # region4, ordered by label
TEN = np.arange(1, 10) / 10  # the ten-level thresholds 0.1 ... 0.9
OUT = {"OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"}


def provinces():
    """The 31 mainland provinces the panel covers."""
    return study_provinces()


def _processing(alg_id, params):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    res = processing.run(f"regional_resilience:{alg_id}", params, context=context,
                         feedback=QgsProcessingFeedback())
    return {k: context.takeResultLayer(v) if isinstance(v, str) and context.getMapLayer(v) else v
            for k, v in res.items()}


def development_index(subsystems=SUBSYSTEMS):
    return _processing("developmentindex", {
        "INPUT": provinces(), "ID_FIELD": "code", "TABLE": f"{PANEL}|layername=indicators",
        "TABLE_ID_FIELD": "code", "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": INDICATORS,
        "NEGATIVE": "unemployment", "SUBSYSTEMS": subsystems,
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})["OUTPUT"]


@pytest.fixture(scope="module")
def indices(provider):
    """The development index of the two systems, idx_infra_<year> and idx_resil_<year>.
    (Not named '*layer*': pytest-qgis would delete such a fixture after the first test.)"""
    return development_index()


def systems(lyr, names=("infra", "resil")):
    """(31, 8) arrays of idx_<system>_<year> per system."""
    return [np.column_stack([column(lyr, f"idx_{s}_{y}") for y in YEARS]) for s in names]


def output(lyr, stem):
    return np.column_stack([column(lyr, f"{stem}_{y}") for y in YEARS])


def codes(lyr, stem):
    """Integer codes of a field per year; NULL -> -1."""
    return np.nan_to_num(output(lyr, stem), nan=-1).astype(int)


# ---------------------------------------------------------------------------
# (1) chained after the development index, fields by name only
# ---------------------------------------------------------------------------
def test_chain_development_index_default_prefix(run_alg, indices):
    res, log = run_alg("couplingcoordination", dict(OUT, INPUT=indices, ID_FIELD="code",
                                                    GROUP_FIELD="region4"))
    assert "Systems: infra, resil" in log
    out = res["OUTPUT"]
    U1, U2 = systems(indices)
    assert (U1 > 0).all() and (U2 > 0).all() and (U1 <= 1).all() and (U2 <= 1).all()
    # the formulas: C = 2 sqrt(U1 U2) / (U1 + U2), T = (U1 + U2) / 2, D = sqrt(C T)
    C = 2 * np.sqrt(U1 * U2) / (U1 + U2)
    T = (U1 + U2) / 2
    D = np.sqrt(C * T)
    np.testing.assert_allclose(output(out, "cc_c"), C, rtol=1e-13)
    np.testing.assert_allclose(output(out, "cc_t"), T, rtol=1e-13)
    np.testing.assert_allclose(output(out, "cc_d"), D, rtol=1e-13)
    # ten-level grades: the number of thresholds 0.1 ... 0.9 at or below D
    grade = (D[..., None] >= TEN).sum(axis=-1)
    assert len(np.unique(grade)) >= 3  # the data span several grades
    np.testing.assert_array_equal(codes(out, "cc_grade"), grade)
    label = np.column_stack([column(out, f"cc_label_{y}") for y in YEARS])
    assert (label == np.array(coupling.TEN_LEVEL_LABELS, dtype=object)[grade]).all()
    # lag type: the lower system lags when it is more than 0.1 below the other
    lag = np.where(U1 < U2 - 0.1, 1, np.where(U2 < U1 - 0.1, 2, 0))
    assert set(np.unique(lag)) >= {0, 1}
    np.testing.assert_array_equal(codes(out, "cc_lagc"), lag)
    text = np.column_stack([column(out, f"cc_lag_{y}") for y in YEARS])
    assert (text == np.array(["synchronous", "infra lags", "resil lags"], dtype=object)[lag]).all()
    # core called directly on the same arrays, in the core's axis order
    direct = coupling.coupling_coordination(np.stack([U1, U2], axis=-1))
    np.testing.assert_array_equal(output(out, "cc_d"), direct.D)
    np.testing.assert_array_equal(output(out, "cc_c"), direct.C)
    np.testing.assert_array_equal(codes(out, "cc_grade"), direct.grade)
    np.testing.assert_array_equal(codes(out, "cc_lagc"), direct.lag_type)
    # the input is untouched; the output keeps the input's fields
    assert indices.fields().lookupField("cc_d_2013") < 0
    assert out.fields().lookupField("idx_infra_2013") >= 0 and out.featureCount() == 31


def test_chain_one_year_columbus(run_alg):
    """The one-year development index writes idx_<subsystem> without a year;
    'idx_*' takes them too."""
    idx = _processing("developmentindex", {
        "INPUT": str(DATA / "columbus.gpkg"), "FIELDS": ["INC", "HOVAL", "OPEN", "CRIME", "PLUMB"],
        "NEGATIVE": "CRIME, PLUMB", "SUBSYSTEMS": "economy: INC, HOVAL; living: OPEN, CRIME, PLUMB",
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})["OUTPUT"]
    res, log = run_alg("couplingcoordination", dict(OUT, INPUT=idx))
    assert "Systems: economy, living" in log
    u1, u2 = column(idx, "idx_economy"), column(idx, "idx_living")
    c = 2 * np.sqrt(u1 * u2) / (u1 + u2)
    np.testing.assert_allclose(column(res["OUTPUT"], "cc_c"), c, rtol=1e-13)
    np.testing.assert_allclose(column(res["OUTPUT"], "cc_d"), np.sqrt(c * (u1 + u2) / 2), rtol=1e-13)
    assert rows(res["SUMMARY"])[0]["period"] == ""


# ---------------------------------------------------------------------------
# (2) a long table gives the same numbers as the fields
# ---------------------------------------------------------------------------
def long_table(indices, names=("infra", "resil")):
    spec = "&".join(["field=code:string", "field=year:integer"] + [f"field={s}:double" for s in names])
    tbl = QgsVectorLayer(f"None?{spec}", "long", "memory")
    feats = []
    for f in indices.getFeatures():
        for y in reversed(YEARS):  # any row order
            g = QgsFeature(tbl.fields())
            g.setAttributes([f["code"], y] + [f[f"idx_{s}_{y}"] for s in names])
            feats.append(g)
    assert tbl.dataProvider().addFeatures(feats)
    return tbl


def test_long_table_and_picked_fields_equal_fields_by_name(run_alg, indices):
    by_name, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, ID_FIELD="code"))
    by_table, log = run_alg("couplingcoordination", dict(
        OUT, INPUT=provinces(), ID_FIELD="code", TABLE=long_table(indices), TABLE_ID_FIELD="code",
        TABLE_PERIOD_FIELD="year", TABLE_VALUE_FIELDS=["infra", "resil"]))
    assert "Systems: infra, resil" in log
    picked, _ = run_alg("couplingcoordination", dict(
        OUT, INPUT=indices, FIELDS=[f"idx_{s}_{y}" for s in ("resil", "infra") for y in YEARS]))
    reference = {f["code"]: f for f in by_name["OUTPUT"].getFeatures()}
    for other in (by_table["OUTPUT"], picked["OUTPUT"]):
        n = 0
        for f in other.getFeatures():
            g = reference[f["code"]]
            for y in YEARS:
                for stem in ("cc_c", "cc_t", "cc_d", "cc_grade", "cc_label"):
                    assert f[f"{stem}_{y}"] == g[f"{stem}_{y}"], (stem, y, f["code"])
            n += 1
        assert n == 31
    # picked in the order resil, infra: the systems swap, so do the lag codes
    swap = np.array([0, 2, 1])
    np.testing.assert_array_equal(codes(picked["OUTPUT"], "cc_lagc"), swap[codes(by_name["OUTPUT"], "cc_lagc")])
    assert rows(by_table["SUMMARY"]) == rows(by_name["SUMMARY"])


# ---------------------------------------------------------------------------
# (3) system weights and three systems
# ---------------------------------------------------------------------------
def test_alpha_text(run_alg, indices):
    res, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, ALPHA="0.4, 0.6"))
    U1, U2 = systems(indices)
    T = 0.4 * U1 + 0.6 * U2
    C = 2 * np.sqrt(U1 * U2) / (U1 + U2)
    np.testing.assert_allclose(output(res["OUTPUT"], "cc_t"), T, rtol=1e-13)
    np.testing.assert_allclose(output(res["OUTPUT"], "cc_d"), np.sqrt(C * T), rtol=1e-13)
    named, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, ALPHA="resil 0.6; infra: 0.4"))
    np.testing.assert_array_equal(output(named["OUTPUT"], "cc_d"), output(res["OUTPUT"], "cc_d"))
    # the modified coupling degree (Wang et al. 2021), two systems:
    # C = sqrt[(1 - |U1 - U2|) min(U1, U2) / max(U1, U2)]
    wang, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, VARIANT=2))
    Cw = np.sqrt((1 - np.abs(U1 - U2)) * np.minimum(U1, U2) / np.maximum(U1, U2))
    np.testing.assert_allclose(output(wang["OUTPUT"], "cc_c"), Cw, rtol=1e-13)
    np.testing.assert_allclose(output(wang["OUTPUT"], "cc_d"), np.sqrt(Cw * (U1 + U2) / 2), rtol=1e-13)


def test_three_systems(run_alg):
    idx = development_index("infra: fiber_km, data_centres; digital: patents_5g; "
                            "resil: gdp_pc, unemployment, green_cover")
    res, log = run_alg("couplingcoordination", dict(OUT, INPUT=idx, ALPHA="0.2, 0.3, 0.5"))
    assert "Systems: infra, digital, resil" in log
    U = systems(idx, ("infra", "digital", "resil"))
    S = U[0] + U[1] + U[2]
    C = 3 * np.cbrt(U[0] * U[1] * U[2]) / S
    T = 0.2 * U[0] + 0.3 * U[1] + 0.5 * U[2]
    out = res["OUTPUT"]
    np.testing.assert_allclose(output(out, "cc_c"), C, rtol=1e-13)
    np.testing.assert_allclose(output(out, "cc_t"), T, rtol=1e-13)
    np.testing.assert_allclose(output(out, "cc_d"), np.sqrt(C * T), rtol=1e-13)
    # the lowest system lags when it is more than 0.1 below the highest
    stack = np.stack(U)
    lag = np.where(stack.min(0) < stack.max(0) - 0.1, stack.argmin(0) + 1, 0)
    assert len(np.unique(lag)) >= 3
    np.testing.assert_array_equal(codes(out, "cc_lagc"), lag)
    names = np.array(["synchronous", "infra lags", "digital lags", "resil lags"], dtype=object)
    assert (np.column_stack([column(out, f"cc_lag_{y}") for y in YEARS]) == names[lag]).all()
    # the ratio rule compares two systems only
    with pytest.raises(QgsProcessingException, match="compares two systems; 3 were given"):
        run_alg("couplingcoordination", dict(OUT, INPUT=idx, LAG=1))


# ---------------------------------------------------------------------------
# (4) grade schemes and the grade map
# ---------------------------------------------------------------------------
def test_three_level_and_user_grades(run_alg, indices):
    U1, U2 = systems(indices)
    D = np.sqrt(2 * np.sqrt(U1 * U2) / (U1 + U2) * (U1 + U2) / 2)
    res, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, GRADES=1))
    three = (D >= 0.3).astype(int) + (D >= 0.5)
    np.testing.assert_array_equal(codes(res["OUTPUT"], "cc_grade"), three)
    assert set(column(res["OUTPUT"], "cc_label_2020")) <= {"low", "moderate", "high"}
    user, _ = run_alg("couplingcoordination", dict(
        OUT, INPUT=indices, GRADES=2, THRESHOLDS="0.45 0.55 0.65", GRADE_LABELS="weak; fair; good; strong"))
    grade = (D[..., None] >= np.array([0.45, 0.55, 0.65])).sum(-1)
    assert len(np.unique(grade)) == 4
    np.testing.assert_array_equal(codes(user["OUTPUT"], "cc_grade"), grade)
    labels = np.array(["weak", "fair", "good", "strong"], dtype=object)
    assert (np.column_stack([column(user["OUTPUT"], f"cc_label_{y}") for y in YEARS]) == labels[grade]).all()
    # no labels: class 1 ... class m
    plain, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, GRADES=2, THRESHOLDS="0.5"))
    assert set(column(plain["OUTPUT"], "cc_label_2013")) == {"class 1", "class 2"}


def test_threshold_boundary_rule(run_alg):
    # equal systems u: C = 1, T = u, D = sqrt(u); u = 0.09 gives D = 0.3 exactly (the double)
    # u = 0.0899999999999999 gives D = 0.2999999999999998, which is 0.3000 to four decimals
    almost = 0.0899999999999999
    lyr = grid_layer(2, 2, "a:double,b:double", [[0.09, 0.09], [0.25, 0.25], [almost, almost], [0.8, 0.2]])
    assert math.sqrt(0.09) == 0.3 and math.sqrt(almost) < 0.3
    left, _ = run_alg("couplingcoordination", dict(OUT, INPUT=lyr, FIELDS=["a", "b"], GRADES=1))
    right, _ = run_alg("couplingcoordination", dict(OUT, INPUT=lyr, FIELDS=["a", "b"], GRADES=1, CLOSED=1))
    rounded, _ = run_alg("couplingcoordination", dict(OUT, INPUT=lyr, FIELDS=["a", "b"], GRADES=1, DECIMALS=4))
    np.testing.assert_allclose(column(left["OUTPUT"], "cc_d")[:3], [0.3, 0.5, math.sqrt(almost)], rtol=0)
    assert list(column(left["OUTPUT"], "cc_label")[:3]) == ["moderate", "high", "low"]
    assert list(column(right["OUTPUT"], "cc_label")[:3]) == ["low", "moderate", "low"]
    assert list(column(rounded["OUTPUT"], "cc_label")[:3]) == ["moderate", "high", "moderate"]
    assert column(rounded["OUTPUT"], "cc_d")[2] == math.sqrt(almost)  # D itself is not rounded


def test_grade_map_style(provider, indices, tmp_path):
    import processing
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProcessingUtils,
        QgsProject,
        QgsRenderContext,
    )
    from regional_resilience.algorithms.outputs.styles import ramp_colours

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    labels = ["weak", "fair", "good", "strong"]
    results = processing.run("regional_resilience:couplingcoordination", {
        "INPUT": indices, "GRADES": 2, "THRESHOLDS": "0.45, 0.55, 0.65", "GRADE_LABELS": "; ".join(labels),
        "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "cc.gpkg"), QgsProject.instance()),
        "SUMMARY": "TEMPORARY_OUTPUT"}, context=context, feedback=feedback)
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    renderer = lyr.renderer()
    assert renderer.type() == "categorizedSymbol"
    assert renderer.classAttribute() == "cc_grade_2020"  # the last period is active
    cats = renderer.categories()
    assert [int(c.value()) for c in cats] == [0, 1, 2, 3]
    assert [c.label() for c in cats] == labels
    colours = [c.symbol().color() for c in cats]
    assert [c.name() for c in colours] == ramp_colours(4)
    assert colours[0].red() > colours[0].green() and colours[-1].green() > colours[-1].red()  # red -> green
    # every region is drawn in the colour of its grade
    ctx = QgsRenderContext()
    renderer.startRender(ctx, lyr.fields())
    drawn = {f["cc_grade_2020"]: renderer.symbolForFeature(f, ctx).color().name() for f in lyr.getFeatures()}
    renderer.stopRender(ctx)
    assert len(drawn) >= 3 and all(drawn[g] == colours[g].name() for g in drawn)
    styles = lyr.styleManager().styles()
    assert all(f"Grades cc_grade_{y}" in styles for y in YEARS)
    lyr.styleManager().setCurrentStyle("Grades cc_grade_2013")
    assert lyr.renderer().classAttribute() == "cc_grade_2013"
    assert [c.label() for c in lyr.renderer().categories()] == labels


# ---------------------------------------------------------------------------
# (5) the summary table and the report
# ---------------------------------------------------------------------------
def test_summary_per_period_and_group(run_alg, indices, tmp_path):
    report = tmp_path / "cc.html"
    res, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, GROUP_FIELD="region4",
                                                  REPORT=str(report)))
    D = output(res["OUTPUT"], "cc_d")
    grade = codes(res["OUTPUT"], "cc_grade")
    region = column(res["OUTPUT"], "region4")
    table = rows(res["SUMMARY"])
    assert [(r["period"], r["group"]) for r in table] == [
        (str(y), g) for g in ["(all)"] + GROUPS for y in YEARS]
    grade_columns = [f"n_{k}_{label.replace(' ', '_')}" for k, label in enumerate(coupling.TEN_LEVEL_LABELS)]
    assert list(table[0])[6:] == grade_columns
    for r in table:
        k = YEARS.index(int(r["period"]))
        sel = np.ones(31, bool) if r["group"] == "(all)" else region == r["group"]
        d = D[sel, k]
        assert r["n"] == sel.sum()
        assert r["mean_d"] == pytest.approx(d.mean(), rel=1e-12)
        assert r["sd_d"] == pytest.approx(d.std(ddof=1), rel=1e-12)
        assert r["cv_d"] == pytest.approx(d.std(ddof=1) / d.mean(), rel=1e-12)
        assert [r[c] for c in grade_columns] == np.bincount(grade[sel, k], minlength=10).tolist()
    assert sum(r["n"] for r in table if r["group"] != "(all)") == 31 * len(YEARS)
    # population SD
    pop, _ = run_alg("couplingcoordination", dict(OUT, INPUT=indices, SD=1))
    assert rows(pop["SUMMARY"])[0]["sd_d"] == pytest.approx(D[:, 0].std(ddof=0), rel=1e-12)
    # the report: the line chart of D by group and the bar chart of grades, the table
    html = report.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    assert all(g in html for g in GROUPS) and all(str(y) in html for y in YEARS)
    assert f"{table[0]['mean_d']:.4f}" in html
    assert "regional_resilience:couplingcoordination" in html  # provenance


# ---------------------------------------------------------------------------
# (6) bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("params,message", [
    ({"FIELD_PREFIX": "idx_infra"}, r"needs at least two systems; 1 given \(idx_infra\)"),
    ({"ALPHA": "0.4, x"}, r"Could not read the system weights '0.4, x' at 'x'.*order infra, resil"),
    ({"ALPHA": "0.5, 0.6"}, "sum to 1.1, not 1"),
    ({"ALPHA": "0.2, 0.3, 0.5"}, "3 system weight.*for 2 systems"),
    ({"ALPHA": "infra 0.4; social 0.6"}, "'social', which is not a system; the systems are infra, resil"),
    ({"ALPHA": "-0.2, 1.2"}, "non-negative.*'infra'"),
    ({"GRADES": 2, "THRESHOLDS": "0.5, 0.3"}, "strictly increasing; got 0.5, 0.3"),
    ({"GRADES": 2}, "user grade scheme needs thresholds"),
    ({"GRADES": 0, "THRESHOLDS": "0.5"}, "choose the user scheme"),
    ({"GRADES": 2, "THRESHOLDS": "0.4, 0.6", "GRADE_LABELS": "low; high"}, "make 3 classes but 2 label"),
    ({"LAG": 1, "LAG_LOW": 1.3}, r"0 < low <= 1 <= high"),
])
def test_bad_options(run_alg, indices, params, message):
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("couplingcoordination", dict(OUT, INPUT=indices, **params))


def test_bad_values(run_alg):
    vals = [[0.2, 0.5], [0.4, 0.3], [0.6, 0.1], [0.3, 0.3]]
    neg = grid_layer(2, 2, "eco:double,env:double", [v if k != 2 else [0.6, -0.1] for k, v in enumerate(vals)])
    negative = r"'env' is negative for 1 region-period\(s\): '3'\. Development indices must be >= 0"
    with pytest.raises(QgsProcessingException, match=negative):
        run_alg("couplingcoordination", dict(OUT, INPUT=neg, FIELDS=["eco", "env"]))
    null = grid_layer(2, 2, "eco:double,env:double", [v if k != 1 else [None, 0.3] for k, v in enumerate(vals)])
    with pytest.raises(QgsProcessingException, match=r"Missing \(NULL\) values in eco.*1 region"):
        run_alg("couplingcoordination", dict(OUT, INPUT=null, FIELDS=["eco", "env"]))
    with pytest.raises(QgsProcessingException, match="No numeric field of the layer is named 'idx_<name>"):
        run_alg("couplingcoordination", dict(OUT, INPUT=str(DATA / "columbus.gpkg")))
    # above 1: computed as given, with a warning naming the system and the region
    over = grid_layer(2, 2, "eco:double,env:double", [v if k != 3 else [1.5, 0.9] for k, v in enumerate(vals)])
    res, log = run_alg("couplingcoordination", dict(OUT, INPUT=over, FIELDS=["eco", "env"]))
    assert "'eco' exceeds 1 for 1 region-period(s): '4'." in log  # grid ids: feature ids from 1
    d = column(res["OUTPUT"], "cc_d")[3]
    assert d == pytest.approx(math.sqrt(2 * math.sqrt(1.5 * 0.9) / 2.4 * 1.2)) and d > 1
    # every system 0: C undefined, left NULL with a warning
    zero = grid_layer(2, 2, "eco:double,env:double", [v if k != 0 else [0.0, 0.0] for k, v in enumerate(vals)])
    res, log = run_alg("couplingcoordination", dict(OUT, INPUT=zero, FIELDS=["eco", "env"]))
    assert "undefined (0/0) where every system index is 0: 1 region-period(s), '1'." in log
    out = res["OUTPUT"]
    assert np.isnan(column(out, "cc_c")[0]) and np.isnan(column(out, "cc_d")[0])
    first = next(out.getFeatures())
    assert is_null(first["cc_grade"]) and is_null(first["cc_label"])
    assert rows(res["SUMMARY"])[0]["n"] == 3
