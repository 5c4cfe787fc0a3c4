"""Panel Tobit through Processing, on China's 31 provinces 2013-2020
(tests/data/china_provinces.gpkg + the long indicator panel china_panel.gpkg).

The dependent variable is built here: green cover min-max scaled between
37.5 % and 41.5 % and censored at 0 and 1 (43 region-years at 0, 21 at 1);
regressors ln(gdp_pc), unemployment and ln(fiber_km). The tool's numbers are
compared with the core called on the same arrays, the pooled Tobit with a
two-limit likelihood maximised here with scipy, the uncensored case with
OLS, the group columns with separate runs on each group's provinces, and the
fitted values with the censored-normal mean written out here.
"""
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer
from scipy import optimize, stats

from regional_resilience import compat
from regional_resilience.core import tobit
from tests.conftest import DATA
from tests.helpers import column, rows

PROVINCES = DATA / "china_provinces.gpkg"
PANEL = DATA / "china_panel.gpkg"
INDICATORS = ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment", "green_cover"]
LO, HI = 37.5, 41.5
REGS = ["gdp_pc", "unemployment", "fiber_km"]
NAMES = ("const", "ln(gdp_pc)", "unemployment", "ln(fiber_km)")
GROUPS = ["central", "east", "northeast", "west"]


def read_panel():
    """The long panel as arrays sorted by code and year, with y."""
    lyr = QgsVectorLayer(f"{PANEL}|layername=indicators", "panel", "ogr")
    assert lyr.isValid()
    recs = sorted(([f["code"], int(f["year"])] + [float(f[k]) for k in INDICATORS]
                   for f in lyr.getFeatures()), key=lambda r: (r[0], r[1]))
    codes = np.array([r[0] for r in recs], dtype=object)
    years = np.array([r[1] for r in recs])
    vals = {k: np.array([r[2 + j] for r in recs]) for j, k in enumerate(INDICATORS)}
    vals["y"] = np.clip((vals["green_cover"] - LO) / (HI - LO), 0.0, 1.0)
    return codes, years, vals


CODES, YEARS, VALUES = read_panel()
REGION4 = {f["code"]: f["region4"] for f in QgsVectorLayer(str(PROVINCES), "p", "ogr").getFeatures()}


def design(mask=None):
    """y, the raw regressors (REGS order), regions and periods, for the rows in ``mask``."""
    m = np.ones(len(CODES), bool) if mask is None else mask
    return VALUES["y"][m], np.column_stack([VALUES[k][m] for k in REGS]), CODES[m], YEARS[m].astype(str)


def long_table(variables=("y", *REGS), null=None, extra=None, mask=None):
    """A memory table (code, year, variables...); ``null`` = (code, year, variable) set NULL;
    ``extra`` = {name: values} more columns; ``mask`` selects the rows."""
    extra = extra or {}
    names = list(variables) + list(extra)
    spec = "&".join(["field=code:string", "field=year:integer"] + [f"field={v}:double" for v in names])
    tbl = QgsVectorLayer(f"None?{spec}", "long", "memory")
    feats = []
    for i in range(len(CODES)):
        if mask is not None and not mask[i]:
            continue
        f = QgsFeature(tbl.fields())
        vals = [VALUES[v][i] if v in VALUES else extra[v][i] for v in names]
        if null and (CODES[i], YEARS[i]) == null[:2]:
            vals[names.index(null[2])] = None
        f.setAttributes([CODES[i], int(YEARS[i])] + [None if v is None else float(v) for v in vals])
        feats.append(f)
    tbl.dataProvider().addFeatures(feats)
    return tbl


def provinces(group=None, keep=None):
    """The 31 provinces of the panel as a memory layer (code, region4, grp);
    ``group`` maps code -> grp label, ``keep`` filters the codes."""
    src = QgsVectorLayer(str(PROVINCES), "p", "ogr")
    out = QgsVectorLayer("MultiPolygon?crs=EPSG:4326&field=code:string&field=region4:string&field=grp:string",
                         "provinces", "memory")
    feats = []
    for f in src.getFeatures():
        if not f["in_study"] or (keep is not None and f["code"] not in keep):
            continue
        g = QgsFeature(out.fields())
        g.setGeometry(f.geometry())
        g.setAttributes([f["code"], f["region4"], (group or {}).get(f["code"], f["region4"])])
        feats.append(g)
    out.dataProvider().addFeatures(feats)
    return out


def params(**kw):
    base = {"INPUT": provinces(), "ID_FIELD": "code", "TABLE": long_table(), "TABLE_ID_FIELD": "code",
            "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["y", *REGS], "DEPENDENT": "y",
            "REGRESSORS": ", ".join(REGS), "LOG": "gdp_pc, fiber_km", "MODEL": 0, "HAUSMAN": False,
            "OUTPUT": "TEMPORARY_OUTPUT", "COEFFICIENTS": "TEMPORARY_OUTPUT", "MODELS": "TEMPORARY_OUTPUT"}
    base.update(kw)
    return base


def coefs(res, group="all"):
    table = [r for r in rows(res["COEFFICIENTS"]) if r["group"] == group]
    return ({r["term"]: r["coef"] for r in table}, {r["term"]: r["se"] for r in table},
            {r["term"]: r for r in table})


def wide(res):
    return rows(res["OUTPUT"])


def stars_of(p):
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def cell(table, variable, statistic, column_name):
    found = [r[column_name] for r in table if r["variable"] == variable and r["statistic"] == statistic]
    assert len(found) == 1, (variable, statistic)
    return found[0]


def two_limit_ll(theta, y, Z, lo=0.0, hi=1.0):
    """The two-limit Tobit log-likelihood of every observation, written out."""
    b, s = theta[:-1], math.exp(theta[-1])
    m = Z @ b
    return np.where(y <= lo, stats.norm.logcdf((lo - m) / s),
                    np.where(y >= hi, stats.norm.logsf((hi - m) / s),
                             stats.norm.logpdf((y - m) / s) - math.log(s)))


def log_design(X):
    return np.column_stack([np.ones(len(X)), np.log(X[:, 0]), X[:, 1], np.log(X[:, 2])])


def test_pooled_equals_core_and_independent_likelihood(run_alg):
    res, log = run_alg("paneltobit", params())
    coef, se, full = coefs(res)
    assert list(coef) == list(NAMES)
    y, X, reg, per = design()
    direct = tobit.pooled_tobit(y, X, reg, names=REGS, log=["gdp_pc", "fiber_km"], periods=per)
    assert_allclose([coef[k] for k in NAMES], direct.coef, rtol=1e-12)
    assert_allclose([se[k] for k in NAMES], direct.se, rtol=1e-12)
    # an independent maximum likelihood fit of the two-limit Tobit
    Z = log_design(X)
    b_ols = np.linalg.lstsq(Z, y, rcond=None)[0]
    start = np.r_[b_ols, math.log(np.std(y - Z @ b_ols))]
    ref = optimize.minimize(lambda th: -two_limit_ll(th, y, Z).sum(), start, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 5000})
    ref = optimize.minimize(lambda th: -two_limit_ll(th, y, Z).sum(), ref.x, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-13, "maxfev": 40000})
    assert_allclose([coef[k] for k in NAMES], ref.x[:4], rtol=1e-5, atol=1e-6)
    model = rows(res["MODELS"])[0]
    assert model["group"] == "all" and model["status"] == "estimated"
    assert model["loglik"] == pytest.approx(-ref.fun, abs=1e-7)
    theta = np.r_[[coef[k] for k in NAMES], math.log(model["sigma"])]
    assert model["loglik"] == pytest.approx(two_limit_ll(theta, y, Z).sum(), rel=1e-12)
    # OIM standard errors = the inverse of a numerical Hessian of that likelihood
    h = 1e-4
    E = np.eye(5) * h
    f = lambda th: two_limit_ll(th, y, Z).sum()  # noqa: E731
    H = np.array([[(f(theta + a + b) - f(theta + a - b) - f(theta - a + b) + f(theta - a - b)) / (4 * h * h)
                   for b in E] for a in E])
    assert_allclose([se[k] for k in NAMES], np.sqrt(np.diag(np.linalg.inv(-H)))[:4], rtol=1e-4)
    # the published-style table: coefficient with stars, (SE), z, p, then the statistics
    table = wide(res)
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "all"]
    assert [r["variable"] for r in table[:4]] == ["const"] * 4
    assert [r["statistic"] for r in table[:4]] == ["coef", "se", "z", "p"]
    for k in NAMES:
        p = full[k]["p"]
        assert p == pytest.approx(2 * stats.norm.sf(abs(coef[k] / se[k])), rel=1e-10)
        assert full[k]["stars"] == stars_of(p)
        assert cell(table, k, "coef", "all") == f"{coef[k]:.3f}{stars_of(p)}"
        assert cell(table, k, "se", "all") == f"({se[k]:.3f})"
        assert cell(table, k, "z", "all") == f"{coef[k] / se[k]:.3f}"
        assert cell(table, k, "p", "all") == f"{p:.3f}"
    assert cell(table, "ln(gdp_pc)", "coef", "all").endswith("***")
    assert not cell(table, "ln(fiber_km)", "coef", "all").endswith("*")  # p = 0.5: no star
    stat_rows = {r["variable"]: r["all"] for r in table if r["statistic"] == ""}
    assert stat_rows["N"] == "248" and stat_rows["Regions"] == "31"
    assert stat_rows["Left-censored"] == str(int((y <= 0).sum())) == "43"
    assert stat_rows["Right-censored"] == str(int((y >= 1).sum())) == "21"
    assert stat_rows["Log-likelihood"] == f"{-ref.fun:.3f}"
    assert stat_rows["sigma"] == f"{math.exp(ref.x[4]):.3f}"
    assert "sigma_u" not in stat_rows and "Hausman FE vs RE (chi2)" not in stat_rows


def test_random_effects_by_group_with_hausman(run_alg, tmp_path):
    report = tmp_path / "tobit.html"
    res, log = run_alg("paneltobit", params(MODEL=1, GROUP_FIELD="region4", HAUSMAN=True,
                                            REPORT=str(report)))
    table = wide(res)
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "all"] + GROUPS
    models = {r["group"]: r for r in rows(res["MODELS"])}
    assert list(models) == ["all"] + GROUPS
    for group in ("all", "east", "west"):
        mask = np.ones(len(CODES), bool) if group == "all" else np.array([REGION4[c] == group for c in CODES])
        y, X, reg, per = design(mask)
        kw = dict(names=REGS, log=["gdp_pc", "fiber_km"], periods=per)
        re_fit = tobit.random_effects_tobit(y, X, reg, **kw)
        coef, se, _ = coefs(res, group)
        assert_allclose([coef[k] for k in NAMES], re_fit.coef, rtol=1e-10)
        assert_allclose([se[k] for k in NAMES], re_fit.se, rtol=1e-8)
        assert models[group]["rho"] == pytest.approx(re_fit.rho, rel=1e-8, abs=1e-12)
        assert cell(table, "rho", "", group) == f"{re_fit.rho:.3f}"
        # the Hausman rows: FE vs RE of the same sample, both OIM
        h = tobit.hausman_fe_re(tobit.fixed_effects_tobit(y, X, reg, **kw), re_fit)
        assert models[group]["hausman"] == pytest.approx(h.statistic, rel=1e-7)
        assert models[group]["hausman_df"] == h.df
        assert cell(table, "Hausman FE vs RE (chi2)", "", group) == f"{h.statistic:.3f}"
        assert cell(table, "Hausman df", "", group) == str(h.df)
        assert cell(table, "Hausman p", "", group) == ("" if math.isnan(h.pvalue) else f"{h.pvalue:.3f}")
    assert cell(table, "Hausman p", "", "all") != ""
    assert "sigma_u is essentially zero" in models["west"]["notes"]
    assert "west: sigma_u is essentially zero" in log
    # the report holds the table and the samples
    html = report.read_text(encoding="utf-8")
    assert "Hausman FE vs RE (chi2)" in html and cell(table, "ln(gdp_pc)", "coef", "east") in html
    assert "standard errors in parentheses" in html and "random-effects Tobit of y" in html


def test_group_columns_equal_separate_runs(run_alg):
    res, _ = run_alg("paneltobit", params(GROUP_FIELD="region4", INCLUDE_ALL=False, VCOV=2))
    table = wide(res)
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic"] + GROUPS
    for group in GROUPS:
        mask = np.array([REGION4[c] == group for c in CODES])
        keep = set(CODES[mask])
        alone, _ = run_alg("paneltobit", params(INPUT=provinces(keep=keep), TABLE=long_table(mask=mask),
                                                VCOV=2))
        assert [r[group] for r in table] == [r["all"] for r in wide(alone)]
        c1, s1, _ = coefs(res, group)
        c2, s2, _ = coefs(alone)
        assert_allclose([c1[k] for k in NAMES], [c2[k] for k in NAMES], rtol=1e-12)
        assert_allclose([s1[k] for k in NAMES], [s2[k] for k in NAMES], rtol=1e-12)
    # clustered by region: the sandwich of the region-summed scores, as the core does
    y, X, reg, per = design(np.array([REGION4[c] == "east" for c in CODES]))
    direct = tobit.pooled_tobit(y, X, reg, names=REGS, log=["gdp_pc", "fiber_km"], vcov="cluster")
    assert_allclose([coefs(res, "east")[1][k] for k in NAMES], direct.se, rtol=1e-10)


def test_no_censoring_is_ols_with_a_note(run_alg):
    res, log = run_alg("paneltobit", params(LOWER=None, UPPER=None))
    assert "no observation is censored: Tobit equals OLS" in log
    y, X, _, _ = design()
    Z = log_design(X)
    b = np.linalg.lstsq(Z, y, rcond=None)[0]
    coef, _, _ = coefs(res)
    assert_allclose([coef[k] for k in NAMES], b, rtol=1e-9, atol=1e-12)
    model = rows(res["MODELS"])[0]
    assert model["n_left"] == 0 and model["n_right"] == 0
    assert model["sigma"] == pytest.approx(math.sqrt(np.sum((y - Z @ b) ** 2) / len(y)), rel=1e-9)
    assert "no observation is censored" in model["notes"]


def test_fitted_values_by_the_censored_mean_and_styled(provider, tmp_path):
    import processing
    from qgis.core import (QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition,
                           QgsProcessingUtils, QgsProject)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    res = processing.run("regional_resilience:paneltobit", params(FITTED=QgsProcessingOutputLayerDefinition(
        str(tmp_path / "fit.gpkg"), QgsProject.instance())), context=context, feedback=feedback)
    lyr = QgsProcessingUtils.mapLayerFromString(res["FITTED"], context)
    coef, _, _ = coefs(res)
    sigma = rows(res["MODELS"])[0]["sigma"]
    b = np.array([coef[k] for k in NAMES])
    codes = column(lyr, "code")
    for year in (2013, 2020):
        sel = YEARS == year
        order = [list(CODES[sel]).index(c) for c in codes]
        Z = log_design(design(sel)[1])[order]
        m = Z @ b
        assert_allclose(column(lyr, f"tobit_xb_{year}"), m, rtol=1e-12)
        a, c = (0 - m) / sigma, (1 - m) / sigma
        expected = (1 - stats.norm.cdf(c)) + m * (stats.norm.cdf(c) - stats.norm.cdf(a)) \
            + sigma * (stats.norm.pdf(a) - stats.norm.pdf(c))
        assert_allclose(column(lyr, f"tobit_fit_{year}"), expected, rtol=1e-10)
    assert context.willLoadLayerOnCompletion(res["FITTED"])
    details = context.layerToLoadOnCompletionDetails(res["FITTED"])
    details.postProcessor().postProcessLayer(lyr, context, feedback)
    assert lyr.renderer().type() == "graduatedSymbol"
    assert lyr.renderer().classAttribute() == "tobit_fit_2020"
    assert "Map of tobit_fit_2013" in lyr.styleManager().styles()


def test_variables_by_name_from_wide_fields_equal_the_long_table(run_alg):
    names = ["y", *REGS]
    spec = "&".join(["field=code:string"] + [f"field={v}_{t}:double" for v in names for t in range(2013, 2021)])
    lyr = QgsVectorLayer(f"MultiPolygon?crs=EPSG:4326&{spec}", "wide", "memory")
    feats = []
    for f in provinces().getFeatures():
        g = QgsFeature(lyr.fields())
        g.setGeometry(f.geometry())
        sel = CODES == f["code"]
        g.setAttributes([f["code"]] + [float(v) for name in names for v in VALUES[name][sel]])
        feats.append(g)
    lyr.dataProvider().addFeatures(feats)
    wide_run, _ = run_alg("paneltobit", {"INPUT": lyr, "ID_FIELD": "code", "FIELD_PREFIX": "y, gdp_pc, unemployment, "
                                         "fiber_km", "DEPENDENT": "Y", "LOG": "gdp_pc, fiber_km", "MODEL": 2,
                                         "HAUSMAN": False, "OUTPUT": "TEMPORARY_OUTPUT",
                                         "COEFFICIENTS": "TEMPORARY_OUTPUT"})
    long_run, _ = run_alg("paneltobit", params(MODEL=2))
    assert wide(wide_run) == wide(long_run)
    y, X, reg, per = design()
    fe = tobit.fixed_effects_tobit(y, X, reg, names=REGS, log=["gdp_pc", "fiber_km"], periods=per)
    coef, se, _ = coefs(wide_run)
    assert list(coef) == list(NAMES[1:])  # no constant in FE
    assert_allclose([coef[k] for k in NAMES[1:]], fe.coef, rtol=1e-10)


def test_small_group_skipped_and_reported(run_alg):
    tiny = {"640000": "tiny"}  # Ningxia alone: one region cannot carry a random effect
    res, log = run_alg("paneltobit", params(INPUT=provinces(group=tiny), GROUP_FIELD="grp", MODEL=1))
    assert [f.name() for f in res["OUTPUT"].fields()] == ["variable", "statistic", "all"] + GROUPS
    models = {r["group"]: r for r in rows(res["MODELS"])}
    assert models["tiny"]["status"] == "skipped" and "at least 2 regions" in models["tiny"]["reason"]
    assert "tiny: not estimated (The random-effects model needs at least 2 regions.)" in log
    assert models["west"]["n_regions"] == 11


def test_missing_values_refused_or_dropped(run_alg):
    tbl = long_table(null=("110000", 2015, "unemployment"))
    with pytest.raises(QgsProcessingException, match=r"unemployment.*110000 \(2015\)"):
        run_alg("paneltobit", params(TABLE=tbl))
    res, log = run_alg("paneltobit", params(TABLE=long_table(null=("110000", 2015, "unemployment")), MISSING=1))
    assert "1 region-year(s) with missing values dropped; 247 used." in log
    keep = ~((CODES == "110000") & (YEARS == 2015))
    y, X, reg, per = design(keep)
    direct = tobit.pooled_tobit(y, X, reg, names=REGS, log=["gdp_pc", "fiber_km"])
    coef, _, _ = coefs(res)
    assert_allclose([coef[k] for k in NAMES], direct.coef, rtol=1e-12)
    assert rows(res["MODELS"])[0]["n_obs"] == 247


@pytest.mark.parametrize("changes, message", [
    ({"REGRESSORS": "gdp_pc, unemployment, gdp2", "LOG": ""},
     r"collinear.*'gdp2'.*linear combination of 'gdp_pc'|collinear.*'gdp_pc'.*linear combination of 'gdp2'"),
    ({"DEPENDENT": "cc_d"}, r"dependent variable 'cc_d' is not among the variables read: y, gdp_pc"),
    ({"REGRESSORS": "y, gdp_pc"}, "cannot also be a regressor"),
    ({"LOG": "gdp_pc, shifted"}, r"logarithm of regressor 'shifted'.*region 1\d0000 period 20"),
    ({"LOWER": 1.0, "UPPER": 0.5}, r"lower censoring limit \(1\) must be below the upper limit"),
    ({"MODEL": 2, "REGRESSORS": "gdp_pc, area", "LOG": ""}, r"^Regressor\(s\) 'area' do not vary within any region"),
])


def test_bad_input_is_a_clear_error(run_alg, changes, message):
    extra = {"gdp2": 2 * VALUES["gdp_pc"] + 5, "shifted": VALUES["unemployment"] - 3.0,
             "area": np.array([float(int(c[:2])) for c in CODES])}
    p = params(TABLE=long_table(extra=extra), TABLE_VALUE_FIELDS=["y", *REGS, *extra])
    p["REGRESSORS"] = ", ".join(REGS + ["shifted"])
    p.update(changes)
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("paneltobit", p)


def test_declarations(provider):
    alg = provider.algorithm("paneltobit")
    assert alg.groupId() == "regression" and len(alg.shortHelpString()) > 500
    for param in alg.parameterDefinitions():
        if not param.isDestination():
            assert param.help(), param.name()
    assert alg.parameterDefinition("FITTED").flags() & compat.FLAG_OPTIONAL


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
        processing.run("regional_resilience:paneltobit", params(MODEL=1, GROUP_FIELD="region4", HAUSMAN=True),
                       feedback=feedback)
    assert 30 < max(feedback.seen) < 85
