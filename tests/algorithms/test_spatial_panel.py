"""Spatial panel regression through Processing.

US state incomes (tests/data/us48.gpkg polygons joined by state name to the
long table us_income_long.gpkg), queen weights from the geometry: y = 100 x
the growth of ln income 1990-2009, regressors ln income and growth of the
year before (the regression of the core tests). The SAR and SEM with region
effects equal PySAL spreg's ``Panel_FE_Lag`` / ``Panel_FE_Error`` (run here
on libpysal's states48.gal, which is the same queen contiguity; spreg's
deprecated panel classes report a log-likelihood lower by N/2 ln N), and
every number of the tool equals the core called on the same arrays (SDM,
effects, diagnostics, LR / Wald tests). China's 31 provinces 2013-2020
(china_provinces.gpkg + the synthetic china_panel.gpkg) for the groups
(region4: central and northeast are too small and are skipped) and Hainan,
the island. Bad input is checked through the tool, and the residuals chain
into the LISA tool.
"""
import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

from regional_resilience import compat
from regional_resilience.core import contiguity, geometry
from regional_resilience.core import spatial_panel as sp
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows
from tests.references import reference

US = str(DATA / "us48.gpkg")
LONG = str(DATA / "us_income_long.gpkg")
PROVINCES = DATA / "china_provinces.gpkg"
PANEL = f"{DATA / 'china_panel.gpkg'}|layername=indicators"
YEARS = [str(y) for y in range(1990, 2010)]
XN = ["ln_inc_lag", "growth_lag"]


# ---------------------------------------------------------------------------
# data


def wkb_of(lyr):
    return [bytes(f.geometry().asWkb()) for f in lyr.getFeatures()]


@pytest.fixture(scope="module")
def us(qgis_app):
    """us48 state names (layer order), y (48, 20), X (48, 20, 2), the long
    tables and the row-standardised queen weights of the geometry."""
    polygons = layer(US)
    names = [f["STATE_NAME"] for f in polygons.getFeatures()]
    income = {(f["state"], int(f["year"])): f["income"] for f in layer(LONG).getFeatures()}
    inc = np.array([[income[(s, yr)] for yr in range(1988, 2010)] for s in names], dtype=float)
    li = np.log(inc)
    g = 100.0 * np.diff(li, axis=1)  # 1989..2009
    y = g[:, 1:]
    X = np.stack([li[:, 1:-1], g[:, :-1]], axis=2)
    w = contiguity.contiguity_weights(geometry.parse_wkb_polygons(wkb_of(polygons)), rule="queen")

    def table(columns, years):
        spec = "&".join(["field=state:string", "field=year:integer"] + [f"field={c}:double" for c in columns])
        tbl = QgsVectorLayer(f"None?{spec}", "long", "memory")
        feats = []
        for i, s in enumerate(names):
            for k, yr in enumerate(years):
                f = QgsFeature(tbl.fields())
                f.setAttributes([s, yr] + [float(columns[c][i, k]) for c in columns])
                feats.append(f)
        tbl.dataProvider().addFeatures(feats)
        return tbl

    same_year = {"growth": y, "ln_inc_lag": X[:, :, 0], "growth_lag": X[:, :, 1]}
    # for LAG = 1: ln income and growth of 1989..2009 (growth_x is growth, as a regressor)
    lagged = {"growth": g, "ln_inc": li[:, 1:], "growth_x": g}
    return {"names": names, "y": y, "X": X, "W": w.transformed("R"), "w_binary": w,
            "table": lambda: table(same_year, range(1990, 2010)),
            "table_lag": lambda: table(lagged, range(1989, 2010))}


def us_params(us, **kw):
    base = {"INPUT": US, "ID_FIELD": "STATE_NAME", "TABLE": us["table"](), "TABLE_ID_FIELD": "state",
            "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["growth", *XN], "DEPENDENT": "growth",
            "REGRESSORS": ", ".join(XN), "MODEL": 0, "FIXED_EFFECTS": 0, "EFFECTS_DRAWS": 1000,
            "OUTPUT": "TEMPORARY_OUTPUT", "COEFFICIENTS": "TEMPORARY_OUTPUT", "EFFECTS": "TEMPORARY_OUTPUT",
            "DIAGNOSTICS": "TEMPORARY_OUTPUT", "MODELS": "TEMPORARY_OUTPUT"}
    base.update(kw)
    return base


def coefs(res, group="all"):
    return {r["term"]: r for r in rows(res["COEFFICIENTS"]) if r["group"] == group}


def models(res):
    return {r["group"]: r for r in rows(res["MODELS"])}


def cell(res, variable, statistic, col):
    found = [r[col] for r in rows(res["OUTPUT"]) if r["variable"] == variable and r["statistic"] == statistic]
    assert len(found) == 1, (variable, statistic, found)
    return found[0]


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sp.SpatialPanelWarning)
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def gal_w(us):
    """libpysal's states48.gal (ids = alphabetical rank of the state names),
    row-standardised: the reference weights for spreg."""
    libpysal = reference("libpysal")
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    order = np.argsort(us["names"])  # gal id k = k-th name alphabetically
    # the queen weights of the geometry are these neighbours
    gal_sets = [set(order[int(j)] for j in w.neighbors[k]) for k in w.id_order]
    ours = us["w_binary"].neighbor_sets()
    assert [ours[order[k]] for k in range(48)] == gal_sets
    return w, order


# ---------------------------------------------------------------------------
# US incomes: spreg and the core


@pytest.mark.parametrize("model, ref_name, spatial", [(0, "Panel_FE_Lag", "rho"), (1, "Panel_FE_Error", "lambda")])
def test_sar_sem_region_effects_equal_spreg_and_the_core(run_alg, us, gal_w, model, ref_name, spatial):
    spreg = reference("spreg")
    w, order = gal_w
    y, X = us["y"][order], us["X"][order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(spreg, ref_name)(y, np.hstack([X[:, :, 0], X[:, :, 1]]), w, epsilon=1e-12)
    res, log = run_alg("spatialpanel", us_params(us, MODEL=model))
    c = coefs(res)
    assert list(c) == [*XN, spatial]
    m = models(res)["all"]
    assert (m["model"], m["fe"], m["spatial"], m["n_obs"], m["periods"]) == (
        ["sar", "sem"][model], "region", spatial, 960, "1990-2009")
    assert_allclose([c[k]["coef"] for k in XN], ref.betas[:-1, 0], rtol=1e-6)
    assert_allclose(c[spatial]["coef"], float(np.squeeze(ref.rho if model == 0 else ref.lam)), rtol=1e-6)
    assert_allclose([c[k]["se"] for k in (*XN, spatial)], np.sqrt(np.diag(ref.vm)), rtol=1e-6)
    assert_allclose(m["sigma2"], float(np.squeeze(ref.sig2)), rtol=1e-6)
    assert_allclose(m["pseudo_r2"], ref.pr2, rtol=1e-6)
    N = 960
    assert_allclose(m["loglik"], float(np.squeeze(ref.logll)) + N / 2.0 * math.log(N), atol=1e-6)
    # the core on the same arrays (layer order, the tool's queen weights): identical
    fit = sp.fit_spatial_panel(["sar", "sem"][model], us["y"], us["X"], us["W"], fe="region", names=XN)
    assert [c[k]["coef"] for k in (*XN, spatial)] == [*fit.coef, fit.rho]
    assert [c[k]["se"] for k in (*XN, spatial)] == [*fit.se, fit.rho_se]
    assert [c[k]["p"] for k in (*XN, spatial)] == [*fit.p, fit.rho_p]
    assert (m["loglik"], m["aic"], m["sigma2"]) == (fit.loglik, fit.aic, fit.sigma2)
    # the published-style table
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "all"]
    p = c["ln_inc_lag"]["p"]
    mark = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert cell(res, "ln_inc_lag", "coef", "all") == f"{fit.coef[0]:.3f}{mark}"
    assert cell(res, "ln_inc_lag", "se", "all") == f"({fit.se[0]:.3f})"
    assert cell(res, spatial, "coef", "all").startswith(f"{fit.rho:.3f}")
    stats_rows = {r["variable"]: r["all"] for r in rows(res["OUTPUT"]) if r["statistic"] == ""}
    assert stats_rows["N"] == "960" and stats_rows["Regions"] == "48" and stats_rows["Periods"] == "1990-2009"
    assert stats_rows["Log-likelihood"] == f"{fit.loglik:.3f}" and stats_rows["AIC"] == f"{fit.aic:.3f}"
    assert stats_rows["sigma^2"] == f"{fit.sigma2:.3f}" and stats_rows["Pseudo R^2"] == f"{fit.pseudo_r2:.3f}"
    assert (stats_rows["Region FE"], stats_rows["Time FE"]) == ("Yes", "No")
    # effects: SAR only (the SEM has none, and says why)
    effects = rows(res["EFFECTS"])
    if model == 0:
        eff = sp.effects(fit, draws=1000, seed=0)
        assert [(r["regressor"], r["effect"]) for r in effects] == [(x, k) for x in XN for k in eff.kinds]
        assert_allclose([r["estimate"] for r in effects], eff.estimate.ravel(), rtol=1e-13)
        assert_allclose([r["sd"] for r in effects], eff.sd.ravel(), rtol=1e-13)
    else:
        assert effects == [] and "the effects table is empty" in log


def test_sdm_twoway_effects_and_tests_equal_the_core(run_alg, us, tmp_path):
    report = tmp_path / "sp.html"
    res, log = run_alg("spatialpanel", us_params(us, MODEL=2, FIXED_EFFECTS=2, EFFECTS_DRAWS=500, SEED=7,
                                                 REPORT=str(report)))
    sdm = sp.fit_sdm(us["y"], us["X"], us["W"], fe="twoway", names=XN)
    c = coefs(res)
    assert list(c) == [*XN, "W*ln_inc_lag", "W*growth_lag", "rho"]
    assert_allclose([c[k]["coef"] for k in c], [*sdm.coef, sdm.rho], rtol=1e-12)
    assert_allclose([c[k]["se"] for k in c], [*sdm.se, sdm.rho_se], rtol=1e-10)
    # effects: the core's, with the same draws and seed
    eff = sp.effects(sdm, draws=500, seed=7)
    got = rows(res["EFFECTS"])
    assert {(r["draws"], r["seed"]) for r in got} == {(500, 7)}
    for key, ref in (("estimate", eff.estimate), ("mean", eff.mean), ("sd", eff.sd), ("z", eff.z), ("p", eff.p),
                     ("ci_low", eff.ci_low), ("ci_high", eff.ci_high)):
        assert_allclose([r[key] for r in got], ref.ravel(), rtol=1e-10, atol=1e-14)
    assert_allclose(eff.total, (sdm.coef[:2] + sdm.coef[2:]) / (1 - sdm.rho), rtol=1e-10)  # row-standardised
    # diagnostics: Moran's I and LM tests of FE-OLS residuals, LR / Wald SDM vs SAR and SEM
    diag = sp.spatial_diagnostics(us["y"], us["X"], us["W"], fe="twoway", names=XN)
    cmp = sp.specification_tests(us["y"], us["X"], us["W"], fe="twoway", names=XN)
    tests = {r["test"]: r for r in rows(res["DIAGNOSTICS"])}
    assert tests["Moran's I (residuals)"]["statistic"] == pytest.approx(diag.moran_i, rel=1e-12)
    assert tests["Moran's I (residuals)"]["z"] == pytest.approx(diag.moran_z, rel=1e-10)
    assert tests["LM lag"]["p"] == pytest.approx(diag.lm_lag_p, rel=1e-10, abs=1e-300)
    assert tests["Robust LM error"]["statistic"] == pytest.approx(diag.robust_lm_error, rel=1e-10)
    assert tests["LR SDM vs SAR"]["statistic"] == pytest.approx(cmp.lr_sar, rel=1e-8)
    assert tests["LR SDM vs SAR"]["df"] == 2
    assert tests["Wald SDM vs SEM"]["statistic"] == pytest.approx(cmp.wald_sem, rel=1e-8)
    assert tests["LR SDM vs SEM"]["statistic"] == pytest.approx(cmp.lr_sem, rel=1e-8)
    assert cmp.lr_sar > 0 and diag.moran_i != 0
    stats_rows = {r["variable"]: r["all"] for r in rows(res["OUTPUT"]) if r["statistic"] == ""}
    assert (stats_rows["Region FE"], stats_rows["Time FE"]) == ("Yes", "Yes")
    html = report.read_text(encoding="utf-8")
    assert "Direct, indirect and total effects" in html and "LR SDM vs SEM" in html
    assert cell(res, "W*growth_lag", "coef", "all") in html


def test_durbin_subset_lee_yu_and_z_p_rows(run_alg, us):
    res, log = run_alg("spatialpanel", us_params(us, MODEL=2, FIXED_EFFECTS=2, DURBIN_REGRESSORS="GROWTH_LAG",
                                                 LEE_YU=True, TABLE_ROWS=1, DIGITS=4, TESTS=False))
    sdm = sp.fit_sdm(us["y"], us["X"], us["W"], fe="twoway", names=XN, lagged=["growth_lag"],
                     bias_correction=True)
    c = coefs(res)
    assert list(c) == [*XN, "W*growth_lag", "rho"]
    assert_allclose([c[k]["coef"] for k in c], [*sdm.coef, sdm.rho], rtol=1e-12)
    assert models(res)["all"]["lee_yu"] == 1 and "Lee-Yu bias correction" in log
    assert [r["statistic"] for r in rows(res["OUTPUT"])[:4]] == ["coef", "se", "z", "p"]
    assert cell(res, "rho", "z", "all") == f"{sdm.rho_z:.4f}"
    assert cell(res, "Lee-Yu correction", "", "all") == "Yes"
    assert rows(res["DIAGNOSTICS"]) == []  # not asked for


def test_lagged_regressors_drop_the_first_year(run_alg, us):
    """LAG = 1 on ln income and growth of 1989-2009 gives the same model as the
    regressors of the year before written out by hand."""
    lag, log = run_alg("spatialpanel", us_params(us, TABLE=us["table_lag"](), TABLE_VALUE_FIELDS=[
        "growth", "ln_inc", "growth_x"], REGRESSORS="ln_inc, growth_x", LAG=1, MODEL=2))
    same, _ = run_alg("spatialpanel", us_params(us, MODEL=2))
    a, b = coefs(lag), coefs(same)
    assert_allclose([r["coef"] for r in a.values()], [r["coef"] for r in b.values()], rtol=1e-10)
    assert list(a) == ["ln_inc", "growth_x", "W*ln_inc", "W*growth_x", "rho"]
    m = models(lag)["all"]
    assert (m["n_periods"], m["lag"], m["periods"]) == (20, 1, "1990-2009")
    assert "Regressors are lagged by 1 period(s)" in log and "(1989) are dropped" in log
    assert "Regressors are lagged by 1 period(s)" in m["notes"]
    assert cell(lag, "Regressors lagged (periods)", "", "all") == "1"
    assert cell(lag, "Periods", "", "all") == "1990-2009"


# ---------------------------------------------------------------------------
# China: groups, the island, residual maps


CHINA_VARS = ["gdp_pc", "fiber_km", "unemployment", "green_cover"]


def provinces(group=None):
    src = QgsVectorLayer(str(PROVINCES), "p", "ogr")
    out = QgsVectorLayer("MultiPolygon?crs=EPSG:4326&field=code:string&field=region4:string&field=grp:string",
                         "provinces", "memory")
    feats = []
    for f in src.getFeatures():
        if not f["in_study"]:
            continue
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
    region4 = [f["region4"] for f in lyr.getFeatures()]
    vals = {(f["code"], int(f["year"])): [float(f[k]) for k in CHINA_VARS]
            for f in QgsVectorLayer(PANEL, "panel", "ogr").getFeatures()}
    A = np.array([[vals[(c, yr)] for yr in range(2013, 2021)] for c in codes])
    w = contiguity.contiguity_weights(geometry.parse_wkb_polygons(wkb_of(lyr)), rule="queen")
    y = np.log(A[:, :, 0])
    X = np.stack([np.log(A[:, :, 1]), A[:, :, 2], A[:, :, 3]], axis=2)
    return {"codes": codes, "region4": region4, "y": y, "X": X, "A": A, "W": w.transformed("R"), "w": w}


def china_params(**kw):
    base = {"INPUT": provinces(), "ID_FIELD": "code", "TABLE": PANEL, "TABLE_ID_FIELD": "code",
            "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": CHINA_VARS, "DEPENDENT": "gdp_pc",
            "LOG": "gdp_pc, fiber_km", "EFFECTS_DRAWS": 200, "OUTPUT": "TEMPORARY_OUTPUT",
            "COEFFICIENTS": "TEMPORARY_OUTPUT", "EFFECTS": "TEMPORARY_OUTPUT", "DIAGNOSTICS": "TEMPORARY_OUTPUT",
            "MODELS": "TEMPORARY_OUTPUT"}
    base.update(kw)
    return base


CN = ["ln(fiber_km)", "unemployment", "green_cover"]


def test_china_groups_by_region4_small_groups_skipped(run_alg, china):
    res, log = run_alg("spatialpanel", china_params(GROUP_FIELD="region4"))
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "all", "east", "west"]
    m = models(res)
    assert list(m) == ["all", "east", "west", "central", "northeast"]
    assert (m["central"]["status"], m["central"]["reason"]) == (
        "skipped", "only 6 regions (fewer than min_regions = 10)")
    assert m["northeast"]["reason"] == "only 3 regions (fewer than min_regions = 10)"
    assert "northeast: not estimated (only 3 regions (fewer than min_regions = 10))" in log
    assert (m["east"]["n_regions"], m["west"]["n_regions"]) == (10, 12)
    ref = quiet(sp.by_group, "sdm", china["y"], china["X"], china["W"], groups=china["region4"], names=CN,
                y_name="ln(gdp_pc)", ids=china["codes"], fe="twoway")
    for g in ("east", "west"):
        fit = ref.results[g]
        c = coefs(res, g)
        assert_allclose([c[k]["coef"] for k in c], [*fit.coef, fit.rho], rtol=1e-10)
        assert m[g]["loglik"] == pytest.approx(fit.loglik, rel=1e-12)
        eff = quiet(sp.effects, fit, draws=200, seed=0)
        got = [r for r in rows(res["EFFECTS"]) if r["group"] == g]
        assert_allclose([r["estimate"] for r in got], eff.estimate.ravel(), rtol=1e-10)
    full = quiet(sp.fit_sdm, china["y"], china["X"], china["W"], fe="twoway", names=CN)
    assert_allclose([r["coef"] for r in coefs(res).values()], [*full.coef, full.rho], rtol=1e-10)
    # specification tests for every estimated sample, none for the skipped ones
    assert {r["group"] for r in rows(res["DIAGNOSTICS"])} == {"all", "east", "west"}
    # Hainan: kept as an island (reported), in the east group too
    assert "region(s) have no neighbours and are kept as islands: 460000" in log
    assert "1 region(s) have no neighbours ('460000')" in m["all"]["notes"]
    assert "460000" in m["east"]["notes"] and "460000" not in m["west"]["notes"]


def test_china_island_attached_changes_the_weights(run_alg, china):
    kept, _ = run_alg("spatialpanel", china_params(MODEL=0, TESTS=False))
    attached, log = run_alg("spatialpanel", china_params(MODEL=0, TESTS=False, ISLANDS=1))
    assert "Attached 1 region(s) without neighbours to their 1 nearest: 460000" in log
    assert "no neighbours ('460000')" not in models(attached)["all"]["notes"]
    w = china["w"]
    i = china["codes"].index("460000")
    j = china["codes"].index("450000")  # Guangxi: the centroid nearest to Hainan's
    from regional_resilience.core.distance_weights import attach_islands
    pts = geometry.polygon_centroids(geometry.parse_wkb_polygons(wkb_of(provinces())))
    wa = attach_islands(w, pts, k=1, metric="arc")
    assert wa.neighbor_sets()[i] == {j}
    fit = sp.fit_sar(china["y"], china["X"], wa.transformed("R"), fe="twoway", names=CN)
    assert coefs(attached)["rho"]["coef"] == pytest.approx(fit.rho, rel=1e-10)
    assert coefs(kept)["rho"]["coef"] != pytest.approx(fit.rho, rel=1e-3)


def test_split_variable_at_the_median(run_alg, china):
    res, log = run_alg("spatialpanel", china_params(MODEL=0, SPLIT_VARIABLE="gdp_pc", REGRESSORS="fiber_km, "
                                                    "unemployment, green_cover", INCLUDE_ALL=False,
                                                    MIN_REGIONS=5, TESTS=False))
    ref = quiet(sp.by_group, "sar", china["y"], china["X"], china["W"], split_by=china["A"][:, :, 0], names=CN,
                y_name="ln(gdp_pc)", ids=china["codes"], fe="twoway", min_regions=5)
    m = models(res)
    assert list(m) == ["above", "at or below"] == list(ref.labels)
    assert (m["above"]["n_regions"], m["at or below"]["n_regions"]) == (15, 16)
    assert f"median of the region means of gdp_pc: {ref.threshold:.6g}; above: 15" in log
    for g in ref.labels:
        assert coefs(res, g)["rho"]["coef"] == pytest.approx(ref.results[g].rho, rel=1e-10)
    # a given threshold: the 11th largest region mean leaves 10 regions above it
    means = np.sort(china["A"][:, :, 0].mean(axis=1))
    given, log = run_alg("spatialpanel", china_params(MODEL=0, SPLIT_VARIABLE="gdp_pc", REGRESSORS="fiber_km, "
                                                      "unemployment, green_cover", SPLIT_THRESHOLD=float(means[-11]),
                                                      MIN_REGIONS=5, TESTS=False))
    m = models(given)
    assert list(m) == ["all", "above", "at or below"]
    assert (m["above"]["n_regions"], m["at or below"]["n_regions"]) == (10, 21)
    assert "split at the threshold of the region means of gdp_pc" in log


def test_residuals_map_and_chain_into_lisa(run_alg, china, provider, tmp_path):
    import processing
    from qgis.core import (QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition,
                           QgsProcessingUtils, QgsProject)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    out = processing.run("regional_resilience:spatialpanel", china_params(GROUP_FIELD="region4", FITTED=(
        QgsProcessingOutputLayerDefinition(str(tmp_path / "res.gpkg"), QgsProject.instance()))),
        context=context, feedback=feedback)
    lyr = QgsProcessingUtils.mapLayerFromString(out["FITTED"], context)
    fit = quiet(sp.fit_sdm, china["y"], china["X"], china["W"], fe="twoway", names=CN)
    names = [f.name() for f in lyr.fields()]
    assert [n for n in names if n.startswith("sp_")] == (
        [f"sp_res_{y}" for y in range(2013, 2021)] + [f"sp_fit_{y}" for y in range(2013, 2021)])
    assert list(column(lyr, "code")) == china["codes"]
    for k, year in enumerate(range(2013, 2021)):
        assert_allclose(column(lyr, f"sp_res_{year}"), fit.residuals[:, k], rtol=1e-9, atol=1e-13)
        assert_allclose(column(lyr, f"sp_fit_{year}"), china["y"][:, k] - fit.residuals[:, k], rtol=1e-12)
    details = context.layerToLoadOnCompletionDetails(out["FITTED"])
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    assert lyr.renderer().type() == "graduatedSymbol" and lyr.renderer().classAttribute() == "sp_res_2020"
    assert "Fitted sp_fit_2013" in lyr.styleManager().styles()
    # the LISA tool reads the residuals back by name
    lisa, _ = run_alg("localmoran", {"INPUT": lyr, "ID_FIELD": "code", "FIELD_PREFIX": "sp_res", "PERMUTATIONS": 99,
                                     "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"})
    esda = reference("esda")
    libpysal = reference("libpysal")
    neighbours = {i: sorted(s) for i, s in enumerate(china["w"].neighbor_sets())}
    wl = libpysal.weights.W(neighbours, silence_warnings=True)
    wl.transform = "r"
    got = column(lisa["OUTPUT"], "lisa_i_2020")
    assert_allclose(got, esda.Moran_Local(fit.residuals[:, 7], wl, permutations=0).Is, rtol=1e-9, atol=1e-12)
    assert len(rows(lisa["SUMMARY"])) == 8


def test_groups_only_residuals_from_the_group_models(run_alg, china):
    res, _ = run_alg("spatialpanel", china_params(GROUP_FIELD="region4", INCLUDE_ALL=False, TESTS=False,
                                                  FITTED="TEMPORARY_OUTPUT"))
    ref = quiet(sp.by_group, "sdm", china["y"], china["X"], china["W"], groups=china["region4"], names=CN,
                y_name="ln(gdp_pc)", ids=china["codes"], fe="twoway")
    got = column(res["FITTED"], "sp_res_2016")
    for g in ("east", "west"):
        assert_allclose(got[ref.members[g]], ref.results[g].residuals[:, 3], rtol=1e-9, atol=1e-13)
    skipped = np.r_[ref.members["central"], ref.members["northeast"]]
    assert np.isnan(got[skipped]).all()


# ---------------------------------------------------------------------------
# bad input through the tool


def test_unbalanced_panel_names_the_missing_region_years(run_alg, us):
    tbl = us["table"]()
    tbl.dataProvider().deleteFeatures([f.id() for f in tbl.getFeatures()
                                       if f["state"] == "Ohio" and f["year"] in (1995, 1996)])
    with pytest.raises(QgsProcessingException, match=r"Ohio.*1995"):
        run_alg("spatialpanel", us_params(us, TABLE=tbl))


@pytest.mark.parametrize("changes, message", [
    ({"REGRESSORS": "ln_inc_lag, growth_lag, twice"},
     r"collinear once region fixed effects are removed: '(twice|ln_inc_lag)' is a linear combination"),
    ({"REGRESSORS": "ln_inc_lag, area"}, r"Regressor\(s\) 'area' do not vary once region fixed effects are removed"),
    ({"LAG": 20}, r"Lagging the regressors by 20 period\(s\) leaves 0 of the 20 periods \(1990..2009\)"),
    ({"LOG": "growth"}, r"logarithm of growth: it is zero or negative at region \w+"),
    ({"DEPENDENT": "gdp"}, r"dependent variable 'gdp' is not among the variables read"),
    ({"MODEL": 2, "DURBIN_REGRESSORS": "area2"}, r"Regressors with a spatial lag must be regressors; not: area2"),
    ({"SPLIT_VARIABLE": "growth_lag", "GROUP_FIELD": "SUB_REGION"}, "either a group field or a split variable"),
])
def test_bad_input_is_a_clear_error(run_alg, us, changes, message):
    tbl = us["table"]()
    extra = {"twice": lambda f: 2.0 * f["ln_inc_lag"] - 0.5 * f["growth_lag"],
             "area": lambda f: float(len(f["state"]))}
    pr = tbl.dataProvider()
    pr.addAttributes([compat.make_field(k, "double") for k in extra])
    tbl.updateFields()
    changes_map = {f.id(): {tbl.fields().lookupField(k): fn(f) for k, fn in extra.items()} for f in tbl.getFeatures()}
    pr.changeAttributeValues(changes_map)
    p = us_params(us, TABLE=tbl, TABLE_VALUE_FIELDS=["growth", *XN, *extra])
    p.update(changes)
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("spatialpanel", p)


def checkerboard_layer(rng, size=8, years=6, noise=1e-7, group=None):
    """A size x size grid: y alternates in sign between rook neighbours (W y = -y), so rho of the SDM ends at
    its lower bound -1."""
    sign = np.array([(-1) ** (i + j) for j in range(size) for i in range(size)], dtype=float)
    x = rng.normal(size=(size * size, years))
    y = sign[:, None] * rng.uniform(1, 2, size=years)[None, :] + 0.5 * x + noise * rng.normal(size=x.shape)
    fields = ",".join(["rid:string", "grp:string"] + [f"y_{2001 + k}:double" for k in range(years)]
                      + [f"x_{2001 + k}:double" for k in range(years)])
    values = [[f"c{i}", (group or (lambda i: "all"))(i)] + y[i].tolist() + x[i].tolist() for i in range(size * size)]
    return grid_layer(size, size, fields=fields, values=values), y, x


def test_rho_at_its_bound_is_an_error_with_the_last_loglik(run_alg):
    lyr, y, x = checkerboard_layer(np.random.default_rng(0))
    p = {"INPUT": lyr, "ID_FIELD": "rid", "FIELD_PREFIX": "y, x", "DEPENDENT": "y", "WEIGHTS": 1, "MODEL": 2,
         "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=r"rho = -1 is at the lower bound of its interval.*"
                                                     r"last log-likelihood -?\d+\.\d+"):
        run_alg("spatialpanel", p)


def test_group_at_the_bound_is_skipped_the_other_estimated(run_alg):
    """Left half checkerboard (rho at its bound), right half an ordinary panel."""
    rng = np.random.default_rng(1)
    lyr, y, x = checkerboard_layer(rng, group=lambda i: "left" if i % 8 < 4 else "right")
    ordinary = 0.5 * x + rng.normal(size=x.shape)
    right = [i for i in range(64) if i % 8 >= 4]
    lyr.startEditing()
    for f in lyr.getFeatures():
        i = int(f["rid"][1:])
        if i in right:
            for k in range(6):
                f[f"y_{2001 + k}"] = float(ordinary[i, k])
            lyr.updateFeature(f)
    assert lyr.commitChanges()
    res, log = run_alg("spatialpanel", {"INPUT": lyr, "ID_FIELD": "rid", "FIELD_PREFIX": "y, x", "DEPENDENT": "y",
                                        "WEIGHTS": 1, "MODEL": 2, "GROUP_FIELD": "grp", "INCLUDE_ALL": False,
                                        "OUTPUT": "TEMPORARY_OUTPUT", "MODELS": "TEMPORARY_OUTPUT"})
    m = models(res)
    assert m["right"]["status"] == "estimated"
    assert m["left"]["status"] == "skipped"
    assert re_search(r"not estimated: .*rho = -1 is at the lower bound.*last log-likelihood", m["left"]["reason"])
    assert "left: not estimated" in log
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "right"]


def re_search(pattern, text):
    import re

    return re.search(pattern, text or "") is not None


def test_cancel_reaches_the_estimation(provider):
    import processing
    from qgis.core import QgsProcessingFeedback

    class CancelInCompute(QgsProcessingFeedback):
        seen = []

        def setProgress(self, progress):  # noqa: N802
            super().setProgress(progress)
            self.seen.append(progress)
            if progress > 30:  # the compute phase runs from 25 % to 85 %
                self.cancel()

    feedback = CancelInCompute()
    with pytest.raises(QgsProcessingException, match="Canceled"):
        processing.run("regional_resilience:spatialpanel", china_params(GROUP_FIELD="region4"), feedback=feedback)
    assert 30 < max(feedback.seen) < 85


def test_declarations(provider):
    alg = provider.algorithm("spatialpanel")
    assert alg.groupId() == "regression" and len(alg.shortHelpString()) > 1000
    for param in alg.parameterDefinitions():
        if not param.isDestination():
            assert param.help(), param.name()
    assert alg.parameterDefinition("FITTED").flags() & compat.FLAG_OPTIONAL
    assert alg.parameterDefinition("SEED").flags() & compat.FLAG_ADVANCED
    assert alg.parameterDefinition("LAG").defaultValue() == 0
    assert alg.parameterDefinition("FIXED_EFFECTS").options()[alg.parameterDefinition(
        "FIXED_EFFECTS").defaultValue()].startswith("Region and time")
