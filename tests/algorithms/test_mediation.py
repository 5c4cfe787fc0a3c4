"""Mediation analysis through Processing on China's 31 provinces 2013-2020
(tests/data/china_provinces.gpkg + the synthetic long panel
china_panel.gpkg, layer 'indicators').

Outcome ln(gdp_pc), driver ln(fiber_km), mediators ln(patents_5g) and
ln(data_centres), control unemployment, two-way fixed effects. The tool
equals the core called on the same arrays; the paths equal least squares
with explicit region and year dummies (LSDV, written here with numpy), with
their classical standard errors; the bootstrap interval equals resampling
the regions by hand (each drawn region its own dummy) and refitting the
dummy regressions; groups by region4 (central and northeast too small,
skipped and reported).
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer
from scipy import stats

from regional_resilience.core import spatial_panel as sp
from tests.conftest import DATA
from tests.helpers import rows

PROVINCES = DATA / "china_provinces.gpkg"
PANEL = f"{DATA / 'china_panel.gpkg'}|layername=indicators"
VARS = ["gdp_pc", "fiber_km", "patents_5g", "data_centres", "unemployment", "green_cover"]
LOGGED = "gdp_pc, fiber_km, patents_5g, data_centres"


def provinces(group=None):
    src = QgsVectorLayer(str(PROVINCES), "p", "ogr")
    out = QgsVectorLayer("MultiPolygon?crs=EPSG:4326&field=code:string&field=region4:string&field=grp:string",
                         "provinces", "memory")
    feats = []
    for f in src.getFeatures():
        if f["in_study"]:
            g = QgsFeature(out.fields())
            g.setGeometry(f.geometry())
            g.setAttributes([f["code"], f["region4"], (group or {}).get(f["code"], f["region4"])])
            feats.append(g)
    out.dataProvider().addFeatures(feats)
    return out


@pytest.fixture(scope="module")
def china(qgis_app):
    lyr = provinces()
    codes = [f["code"] for f in lyr.getFeatures()]
    region4 = np.array([f["region4"] for f in lyr.getFeatures()], dtype=object)
    vals = {(f["code"], int(f["year"])): [float(f[k]) for k in VARS]
            for f in QgsVectorLayer(PANEL, "panel", "ogr").getFeatures()}
    A = np.array([[vals[(c, yr)] for yr in range(2013, 2021)] for c in codes])
    v = {k: A[:, :, j] for j, k in enumerate(VARS)}
    return {"codes": codes, "region4": region4, "y": np.log(v["gdp_pc"]), "x": np.log(v["fiber_km"]),
            "m": np.stack([np.log(v["patents_5g"]), np.log(v["data_centres"])], axis=2),
            "c": v["unemployment"][:, :, None], "green": v["green_cover"]}


def params(**kw):
    base = {"INPUT": provinces(), "ID_FIELD": "code", "TABLE": PANEL, "TABLE_ID_FIELD": "code",
            "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": VARS, "DEPENDENT": "gdp_pc", "DRIVER": "fiber_km",
            "MEDIATORS": "patents_5g, data_centres", "CONTROLS": "unemployment", "LOG": LOGGED, "DRAWS": 200,
            "SEED": 3, "OUTPUT": "TEMPORARY_OUTPUT", "EFFECTS": "TEMPORARY_OUTPUT", "MODELS": "TEMPORARY_OUTPUT"}
    base.update(kw)
    return base


def effects(res, group="all"):
    return {(r["path"], r["mediator"]): r for r in rows(res["EFFECTS"]) if r["group"] == group}


def lsdv(target, regressors, regions=None):
    """OLS with one dummy per region (or per drawn region) and per year but the first: slopes and classical SE."""
    n, t = target.shape
    regions = np.arange(n) if regions is None else regions
    R = np.kron(np.eye(n), np.ones((t, 1)))
    T = np.kron(np.ones((n, 1)), np.eye(t))[:, 1:]
    Z = np.column_stack([r.reshape(-1) for r in regressors] + [R, T])
    b, *_ = np.linalg.lstsq(Z, target.reshape(-1), rcond=None)
    e = target.reshape(-1) - Z @ b
    s2 = e @ e / (n * t - Z.shape[1])
    k = len(regressors)
    return b[:k], np.sqrt(np.diag(s2 * np.linalg.inv(Z.T @ Z))[:k])


def test_paths_equal_lsdv_and_the_core(run_alg, china):
    res, log = run_alg("mediation", params(VCOV=1))
    e = effects(res)
    y, x, m, c = china["y"], china["x"], china["m"], china["c"][:, :, 0]
    (c_tot,), (c_tot_se,) = (v[:1] for v in lsdv(y, [x, c]))
    b_out, se_out = lsdv(y, [x, m[:, :, 0], m[:, :, 1], c])
    a = [lsdv(m[:, :, j], [x, c]) for j in range(2)]
    assert e[("c", "")]["estimate"] == pytest.approx(c_tot, rel=1e-9)
    assert e[("c", "")]["se"] == pytest.approx(c_tot_se, rel=1e-9)
    assert e[("c'", "")]["estimate"] == pytest.approx(b_out[0], rel=1e-9)
    for j, name in enumerate(["ln(patents_5g)", "ln(data_centres)"]):
        assert e[("a", name)]["estimate"] == pytest.approx(a[j][0][0], rel=1e-9)
        assert e[("a", name)]["se"] == pytest.approx(a[j][1][0], rel=1e-9)
        assert e[("b", name)]["estimate"] == pytest.approx(b_out[1 + j], rel=1e-9)
        assert e[("b", name)]["se"] == pytest.approx(se_out[1 + j], rel=1e-9)
        ab = a[j][0][0] * b_out[1 + j]
        assert e[("a*b", name)]["estimate"] == pytest.approx(ab, rel=1e-9)
        sobel = ab / np.sqrt(b_out[1 + j] ** 2 * a[j][1][0] ** 2 + a[j][0][0] ** 2 * se_out[1 + j] ** 2)
        assert e[("a*b", name)]["z"] == pytest.approx(sobel, rel=1e-8)
        assert e[("a*b", name)]["p"] == pytest.approx(2 * stats.norm.sf(abs(sobel)), rel=1e-7)
    # c = c' + sum a b, exactly on one sample
    total_indirect = e[("total indirect", "")]["estimate"]
    assert c_tot == pytest.approx(b_out[0] + total_indirect, rel=1e-9)
    # the core on the same arrays, with the same draws
    core = sp.mediation(y, x, m, china["c"], fe="twoway", y_name="ln(gdp_pc)", driver_name="ln(fiber_km)",
                        mediator_names=["ln(patents_5g)", "ln(data_centres)"], control_names=["unemployment"],
                        vcov="classical", draws=200, seed=3)
    assert [e[("a*b", n)]["ci_low"] for n in core.mediators] == list(core.boot_ci_low)
    assert [e[("a*b", n)]["se"] for n in core.mediators] == list(core.boot_se)
    assert e[("total indirect", "")]["ci_high"] == core.indirect_total_ci_high
    assert e[("proportion mediated", "")]["estimate"] == pytest.approx(core.proportion_mediated, rel=1e-12)
    sample = rows(res["MODELS"])[0]
    assert (sample["group"], sample["n_obs"], sample["draws_used"], sample["seed"], sample["vcov"]) == (
        "all", 248, 200, 3, "classical")
    # the stepwise table: one column per regression
    table = rows(res["OUTPUT"])
    assert [f.name() for f in res["OUTPUT"].fields()] == [
        "variable", "statistic", "all: total", "all: ln(patents_5g)", "all: ln(data_centres)", "all: outcome"]
    coef = {(r["variable"], r["statistic"]): r for r in table}
    p = e[("b", "ln(patents_5g)")]["p"]
    mark = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert coef[("ln(patents_5g)", "coef")]["all: outcome"] == f"{b_out[1]:.3f}{mark}"
    assert coef[("ln(patents_5g)", "coef")]["all: total"] == ""
    assert coef[("ln(fiber_km)", "se")]["all: ln(data_centres)"] == f"({a[1][1][0]:.3f})"
    assert coef[("Dependent", "")]["all: ln(patents_5g)"] == "ln(patents_5g)"
    assert coef[("N", "")]["all: outcome"] == "248"
    assert "indirect effect of ln(fiber_km) via ln(patents_5g)" in log


def test_bootstrap_equals_resampling_the_regions_by_hand(run_alg, china):
    res, _ = run_alg("mediation", params(MEDIATORS="patents_5g", CONTROLS="", DRAWS=20, SEED=11, CI=0.9))
    e = effects(res)[("a*b", "ln(patents_5g)")]
    y, x, m = china["y"], china["x"], china["m"][:, :, 0]
    draws = np.random.default_rng(11).integers(0, 31, size=(20, 31))  # the core's documented draws
    ab = []
    for idx in draws:
        a = lsdv(m[idx], [x[idx]])[0][0]
        b = lsdv(y[idx], [x[idx], m[idx]])[0][1]
        ab.append(a * b)
    assert e["ci_low"] == pytest.approx(np.quantile(ab, 0.05), rel=1e-8)
    assert e["ci_high"] == pytest.approx(np.quantile(ab, 0.95), rel=1e-8)
    assert e["se"] == pytest.approx(np.std(ab, ddof=1), rel=1e-8)
    # cluster-robust SE (the default) of the Sobel test: the core's
    core = sp.mediation(y, x, m, fe="twoway", draws=0)
    assert e["z"] == pytest.approx(core.sobel_z[0], rel=1e-10)


def test_groups_small_ones_skipped(run_alg, china, tmp_path):
    report = tmp_path / "med.html"
    res, log = run_alg("mediation", params(GROUP_FIELD="region4", REPORT=str(report)))
    samples = {r["group"]: r for r in rows(res["MODELS"])}
    assert list(samples) == ["all", "east", "west", "central", "northeast"]
    assert (samples["central"]["status"], samples["central"]["reason"]) == ("skipped", "only 6 regions (fewer than 10)")
    assert samples["northeast"]["n_regions"] == 3
    assert "northeast: not analysed (only 3 regions (fewer than 10))" in log
    for g in ("east", "west"):
        idx = np.flatnonzero(china["region4"] == g)
        core = sp.mediation(china["y"][idx], china["x"][idx], china["m"][idx], china["c"][idx], fe="twoway",
                            draws=200, seed=3)
        e = effects(res, g)
        assert_allclose([e[("a*b", n)]["estimate"] for n in ("ln(patents_5g)", "ln(data_centres)")], core.indirect,
                        rtol=1e-10)
        assert_allclose([e[("a*b", n)]["ci_low"] for n in ("ln(patents_5g)", "ln(data_centres)")],
                        core.boot_ci_low, rtol=1e-10)
        assert samples[g]["n_regions"] == len(idx)
    assert "all: total" in [f.name() for f in res["OUTPUT"].fields()]
    assert "west: outcome" in [f.name() for f in res["OUTPUT"].fields()]
    html = report.read_text(encoding="utf-8")
    assert "Paths and indirect effects: west" in html and "a*b (indirect via ln(patents_5g))" in html


def test_split_at_the_median_of_a_variable(run_alg, china):
    res, log = run_alg("mediation", params(SPLIT_VARIABLE="green_cover", INCLUDE_ALL=False, MIN_REGIONS=5))
    means = np.array([[float(v) for v in row] for row in china["green"]]).mean(axis=1)
    thr = np.median(means)
    samples = {r["group"]: r for r in rows(res["MODELS"])}
    assert list(samples) == ["above", "at or below"]
    assert (samples["above"]["n_regions"], samples["at or below"]["n_regions"]) == (15, 16)
    assert f"median of the region means of green_cover: {thr:.6g}" in log
    idx = np.flatnonzero(means > thr)
    core = sp.mediation(china["y"][idx], china["x"][idx], china["m"][idx], china["c"][idx], fe="twoway",
                        draws=200, seed=3)
    assert effects(res, "above")[("a*b", "ln(patents_5g)")]["estimate"] == pytest.approx(core.indirect[0], rel=1e-12)


@pytest.mark.parametrize("changes, message", [
    ({"MEDIATORS": "fiber_km"}, r"one role only.*named twice: fiber_km"),
    ({"DRIVER": "roads"}, r"driver 'roads' is not among the variables read"),
    ({"CONTROLS": "unemployment, twice"}, r"collinear.*linear combination"),
    ({"CONTROLS": "area"}, r"'area' do not vary once region and time fixed effects are removed"),
    ({"LOG": "gdp_pc, shifted", "CONTROLS": "shifted"}, r"logarithm of shifted: it is zero or negative at region"),
])
def test_bad_input_is_a_clear_error(run_alg, china, changes, message):
    tbl = QgsVectorLayer(PANEL, "panel", "ogr")
    spec = "&".join(["field=code:string", "field=year:integer"] + [f"field={k}:double" for k in
                                                                    VARS + ["twice", "area", "shifted"]])
    mem = QgsVectorLayer(f"None?{spec}", "long", "memory")
    feats = []
    for f in tbl.getFeatures():
        g = QgsFeature(mem.fields())
        vals = [float(f[k]) for k in VARS]
        g.setAttributes([f["code"], int(f["year"])] + vals + [
            2.0 * vals[4] + 1.0, float(int(f["code"][:2])), vals[4] - 3.0])
        feats.append(g)
    mem.dataProvider().addFeatures(feats)
    del tbl
    p = params(TABLE=mem, TABLE_VALUE_FIELDS=VARS + ["twice", "area", "shifted"])
    p.update(changes)
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("mediation", p)


def test_unbalanced_panel_is_refused(run_alg):
    mem = QgsVectorLayer("None?field=code:string&field=year:integer&" + "&".join(f"field={k}:double" for k in VARS),
                         "long", "memory")
    feats = []
    for f in QgsVectorLayer(PANEL, "panel", "ogr").getFeatures():
        if f["code"] == "650000" and f["year"] == 2017:
            continue
        g = QgsFeature(mem.fields())
        g.setAttributes([f["code"], int(f["year"])] + [float(f[k]) for k in VARS])
        feats.append(g)
    mem.dataProvider().addFeatures(feats)
    with pytest.raises(QgsProcessingException, match=r"650000.*2017"):
        run_alg("mediation", params(TABLE=mem))


def test_declarations(provider):
    alg = provider.algorithm("mediation")
    assert alg.groupId() == "regression" and len(alg.shortHelpString()) > 800
    for param in alg.parameterDefinitions():
        if not param.isDestination():
            assert param.help(), param.name()
    assert alg.parameterDefinition("DRAWS").defaultValue() == 1000
