"""Tests for regional_resilience.core.spatial_panel.analysis (a study in one
call) and the published-style tables and logs added for the Processing
tools: every number equals the primitive core functions called one by one,
failures raise on all regions and are reported for a group."""
import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.spatial_panel import (
    EstimationError,
    by_group,
    compare_models,
    effects,
    fit_sar,
    fit_sdm,
    fit_sem,
    log_variables,
    mediation,
    mediation_by_group,
    simulate_panel,
    spatial_analysis,
    spatial_diagnostics,
    spatial_table,
    tidy_coefficients,
    tidy_diagnostics,
    tidy_effects,
    tidy_mediation,
)


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(n=150, t=8, model="sdm", rho=0.35, beta=(1.0, -0.5), theta=(0.4, 0.0), seed=21)


def labels_of(sim):
    lab = np.where(sim.coords[:, 0] < 0.5, "west", "east").astype(object)
    lab[:6] = "tiny"
    return lab


def test_analysis_equals_the_primitives(sim):
    lab = labels_of(sim)
    res = spatial_analysis("sdm", sim.y, sim.X, sim.W, groups=lab, effects_draws=150, seed=4, fe="twoway",
                           names=sim.names, ids=sim.ids)
    assert list(res.fits) == ["all", "east", "west"]
    assert res.skipped == {"tiny": "only 6 regions (fewer than min_regions = 10)"}
    full = fit_sdm(sim.y, sim.X, sim.W, names=sim.names, ids=sim.ids, seed=4)
    assert_allclose(res.fits["all"].coef, full.coef, rtol=1e-12)
    assert res.fits["all"].rho == pytest.approx(full.rho, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grouped = by_group("sdm", sim.y, sim.X, sim.W, groups=lab, names=sim.names, ids=sim.ids, seed=4)
    for g in ("east", "west"):
        assert_allclose(res.fits[g].coef, grouped.results[g].coef, rtol=1e-12)
        e = effects(grouped.results[g], draws=150, seed=4)
        assert_allclose(res.effects[g].estimate, e.estimate, rtol=1e-12)
        assert_allclose(res.effects[g].sd, e.sd, rtol=1e-12)
        idx = grouped.members[g]
        d = spatial_diagnostics(sim.y[idx], sim.X[idx], grouped.results[g].weights, names=sim.names)
        assert res.diagnostics[g].lm_lag == pytest.approx(d.lm_lag, rel=1e-12)
        pw, kw = grouped.results[g].weights, dict(names=sim.names, ids=[sim.ids[i] for i in idx])
        c = compare_models(grouped.results[g], fit_sar(sim.y[idx], sim.X[idx], pw, **kw),
                           fit_sem(sim.y[idx], sim.X[idx], pw, **kw))
        assert res.comparisons[g].lr_sem == pytest.approx(c.lr_sem, rel=1e-10)
    # residuals: all regions from the full fit; without it, from the groups (NaN when skipped)
    assert_allclose(res.residual_panel(), full.residuals, rtol=1e-12)
    assert_allclose(res.fitted_panel(), sim.y - full.residuals, rtol=1e-12)
    only = spatial_analysis("sar", sim.y, sim.X, sim.W, groups=lab, include_all=False, tests=False,
                            effects_draws=10)
    r = only.residual_panel()
    assert np.isnan(r[only.members["tiny"]]).all()
    assert_allclose(r[only.members["west"]], only.fits["west"].residuals)
    assert only.diagnostics == {} and only.comparisons == {} and list(only.effects) == ["east", "west"]


def test_split_lag_and_sem(sim):
    res = spatial_analysis("sem", sim.y, sim.X, sim.W, split_by=sim.X[:, :, 0], lag=1, tests=False,
                           periods=sim.periods)
    assert list(res.fits) == ["all", "above", "at or below"] and res.effects == {}
    assert res.threshold == np.median(sim.X[:, :, 0].mean(axis=1))  # region means over every period
    assert res.y.shape == (150, 7) and res.periods == tuple(sim.periods[1:])
    assert any("lagged by 1 period" in n for n in res.notes["all"])


def test_failures_raise_on_all_regions_and_are_notes_for_a_group():
    # a checkerboard on a 10 x 10 rook grid: W y = -y, rho ends at its lower bound
    size, t = 10, 6
    rows, cols = [], []
    for j in range(size):
        for i in range(size):
            for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                if 0 <= a < size and 0 <= b < size:
                    rows.append(j * size + i)
                    cols.append(b * size + a)
    C = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size * size,) * 2)
    W = sparse.diags(1.0 / np.asarray(C.sum(axis=1)).ravel()) @ C
    rng = np.random.default_rng(0)
    sign = np.array([(-1.0) ** (i + j) for j in range(size) for i in range(size)])
    x = rng.normal(size=(size * size, t))
    y = sign[:, None] * rng.uniform(1, 2, t) + 0.5 * x + 1e-7 * rng.normal(size=x.shape)
    with pytest.raises(EstimationError, match="lower bound.*last log-likelihood"):
        spatial_analysis("sdm", y, x, W)
    left = np.array([(k % size) < 5 for k in range(size * size)])
    y2 = np.where(left[:, None], y, 0.5 * x + rng.normal(size=x.shape))
    res = spatial_analysis("sdm", y2, x, W, groups=np.where(left, "left", "right"), include_all=False)
    assert list(res.fits) == ["right"]
    assert "lower bound" in res.skipped["left"] and "last log-likelihood" in res.skipped["left"]
    with pytest.raises(InputDataError, match=r"No sample could be estimated: left: only 50 regions.*; right: only 50"):
        spatial_analysis("sdm", y, x, W, groups=np.where(left, "left", "right"), include_all=False,
                         min_regions=60)
    with pytest.raises(InputDataError, match="named 'all'"):
        spatial_analysis("sar", y2, x, W, groups=np.where(left, "all", "right"))


def test_tables_of_the_tools(sim):
    res = spatial_analysis("sdm", sim.y, sim.X, sim.W, effects_draws=50, names=sim.names, periods=sim.periods)
    fit = res.fits["all"]
    t = spatial_table(res.fits, rows=("coef", "se", "z", "p"), kind_column="statistic", repeat_terms=True)
    assert t.columns == ("variable", "statistic", "all")
    assert t.terms[:4] == ("x1",) * 4 and t.rows[2] == ("x1", "z", f"{fit.z[0]:.3f}")
    rho = [r for r in t.rows if r[0] == "rho"]
    assert rho[0][2].startswith(f"{fit.rho:.3f}") and rho[1][2] == f"({fit.rho_se:.3f})"
    stats = {r[0]: r[2] for r in t.rows if r[1] == ""}
    assert stats["Periods"] == f"{sim.periods[0]}-{sim.periods[-1]}" and stats["AIC"] == f"{fit.aic:.3f}"
    assert "Lee-Yu correction" not in stats
    long = tidy_coefficients(res.fits)
    assert [r[2] for r in long] == ["x1", "x2", "W*x1", "W*x2", "rho"]
    assert long[-1][3:7] == (fit.rho, fit.rho_se, fit.rho_z, fit.rho_p)
    eff = tidy_effects(res.effects)
    assert len(eff) == 6 and eff[2][2] == "total" and eff[2][3] == res.effects["all"].estimate[0, 2]
    diag = tidy_diagnostics(res.diagnostics, res.comparisons)
    assert [r[1] for r in diag][5:] == ["LR SDM vs SAR", "Wald SDM vs SAR", "LR SDM vs SEM", "Wald SDM vs SEM"]
    assert diag[0][4] is None and diag[0][5] == res.diagnostics["all"].moran_z and math.isnan(diag[1][5])


def test_mediation_by_group_and_its_rows():
    rng = np.random.default_rng(3)
    n, t = 60, 6
    x = rng.normal(size=(n, t))
    m = 0.6 * x + rng.normal(size=(n, t))
    y = 0.2 * x + 0.7 * m + rng.normal(size=(n, t))
    lab = np.array(["a"] * 30 + ["b"] * 24 + ["c"] * 6, dtype=object)
    res = mediation_by_group(y, x, m, groups=lab, draws=40, seed=2)
    assert list(res.results) == ["all", "a", "b"] and res.skipped == {"c": "only 6 regions (fewer than 10)"}
    direct = mediation(y[lab == "b"], x[lab == "b"], m[lab == "b"], draws=40, seed=2)
    assert res.results["b"].indirect[0] == direct.indirect[0]
    assert res.results["b"].boot_ci_low[0] == direct.boot_ci_low[0]
    rows = tidy_mediation(res.results)
    b = [r for r in rows if r[0] == "b"]
    assert [r[1] for r in b] == ["c", "c'", "a", "b", "a*b", "total indirect", "proportion mediated"]
    assert b[4][3:9] == (direct.indirect[0], direct.boot_se[0], direct.sobel_z[0], direct.sobel_p[0],
                         direct.boot_ci_low[0], direct.boot_ci_high[0])
    assert b[0][3] == pytest.approx(b[1][3] + b[5][3], rel=1e-10)  # c = c' + a b
    bad = np.array(["a"] * 59 + ["b"], dtype=object)
    with pytest.raises(InputDataError, match="No sample could be analysed: a: not estimated.*b: only 1"):
        mediation_by_group(np.ones((n, t)), x, m, groups=bad, include_all=False, min_regions=2)


def test_log_variables():
    a = np.array([[1.0, np.e], [np.e ** 2, np.nan]])
    out, names = log_variables([a, a], ["gdp", "open"], ["GDP", "gdp"], ids=["A", "B"], periods=[2001, 2002])
    assert names == ("ln(gdp)", "open")
    assert_allclose(out[0], [[0.0, 1.0], [2.0, np.nan]])
    assert out[1] is not None and np.array_equal(out[1], a, equal_nan=True)
    with pytest.raises(InputDataError, match="Cannot log 'fdi'"):
        log_variables([a], ["gdp"], ["fdi"])
    with pytest.raises(InputDataError, match=r"gdp: it is zero or negative at region A in 2002, region B in 2001"):
        log_variables([np.array([[1.0, -1.0], [0.0, 2.0]])], ["gdp"], ["gdp"], ids=["A", "B"], periods=[2001, 2002])


def test_sem_time_effects_with_islands_or_binary_weights_are_reported(sim):
    from regional_resilience.core.spatial_panel import SpatialPanelWarning

    binary = sim.W.copy()
    binary.data[:] = 1.0
    with pytest.warns(SpatialPanelWarning, match="not row-standardised.*approximate"):
        r = fit_sem(sim.y, sim.X, binary, fe="twoway")
    assert any("approximate" in n for n in r.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not any("approximate" in n for n in fit_sem(sim.y, sim.X, binary, fe="region").notes)
        assert not any("approximate" in n for n in fit_sem(sim.y, sim.X, sim.W, fe="twoway").notes)
