"""Tests for the mediation, heterogeneity, tables and simulation parts of
regional_resilience.core.spatial_panel.

References: the product-of-coefficients identities of OLS (c = c' + sum
a_j b_j), the Sobel formula written out, bootstrap panels rebuilt region by
region and re-estimated with fe_ols, fits on explicitly subset and
re-standardised weights. All data are simulated with fixed seeds.
"""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse, stats

from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.spatial_panel import (
    SpatialPanelWarning,
    by_group,
    coefficient_rows,
    diagnostics_rows,
    effects,
    effects_rows,
    fe_ols,
    fit_sar,
    fit_sdm,
    mediation,
    mediation_rows,
    simulate_panel,
    spatial_diagnostics,
    specification_tests,
    stars,
)
from regional_resilience.core.spatial_panel.mediation import bootstrap_indices


def mediation_panel(n=280, t=20, seed=0):
    """Driver x -> mediators m1, m2 -> outcome y, with a control c, region
    effects correlated with x and year effects."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=(n, 1))
    lam = rng.normal(size=(1, t))
    x = rng.normal(size=(n, t)) + mu + 0.5 * lam
    c = rng.normal(size=(n, t))
    m1 = 0.5 * x + 0.3 * c + mu + rng.normal(size=(n, t))
    m2 = 0.25 * x + lam + rng.normal(size=(n, t))
    y = 0.3 * x + 0.8 * m1 - 0.4 * m2 + 0.2 * c + 2 * mu + lam + rng.normal(size=(n, t))
    return y, x, np.stack([m1, m2], axis=2), c


@pytest.fixture(scope="module")
def med_data():
    return mediation_panel()


@pytest.fixture(scope="module")
def city():
    return simulate_panel(n=280, t=20, seed=0)


# ---------------------------------------------------------------------------
# mediation


@pytest.mark.parametrize("fe", ["twoway", "region", "time", "pooled"])
def test_indirect_is_a_times_b_of_the_two_regressions(med_data, fe):
    y, x, M, c = med_data
    res = mediation(y, x, M, c, fe=fe, driver_name="gdp", mediator_names=["tech", "edu"],
                    control_names=["open"], draws=0)
    for j in range(2):
        a_fit = fe_ols(M[:, :, j], np.stack([x, c], axis=2), fe=fe)
        assert_allclose(res.a[j], a_fit.coef[0], rtol=1e-12)
        assert_allclose(res.a_se[j], a_fit.se[0], rtol=1e-12)
    out = fe_ols(y, np.stack([x, M[:, :, 0], M[:, :, 1], c], axis=2), fe=fe)
    tot = fe_ols(y, np.stack([x, c], axis=2), fe=fe)
    assert_allclose(res.b, out.coef[1:3], rtol=1e-12)
    assert_allclose(res.direct, out.coef[0], rtol=1e-12)
    assert_allclose(res.total, tot.coef[0], rtol=1e-12)
    assert_allclose(res.indirect, res.a * res.b, rtol=1e-14)
    # OLS algebra on one sample: c = c' + sum_j a_j b_j
    assert_allclose(res.total, res.direct + res.indirect.sum(), rtol=1e-10)
    assert_allclose(res.proportion_mediated, res.indirect_total / res.total)
    assert res.mediators == ("tech", "edu") and res.controls == ("open",) and res.driver == "gdp"
    assert set(res.regressions) == {"total", "mediator: tech", "mediator: edu", "outcome"}


def test_sobel_by_hand(med_data):
    y, x, M, c = med_data
    for vcov in ("cluster", "classical"):
        res = mediation(y, x, M, c, vcov=vcov, draws=0)
        z = res.a * res.b / np.sqrt(res.b ** 2 * res.a_se ** 2 + res.a ** 2 * res.b_se ** 2)
        assert_allclose(res.sobel_z, z, rtol=1e-14)
        assert_allclose(res.sobel_p, 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)
        assert res.vcov_type == vcov
        assert res.draws_used == 0 and np.all(np.isnan(res.boot_ci_low))


@pytest.mark.parametrize("fe", ["twoway", "time", "pooled"])
def test_bootstrap_equals_rebuilt_panels(med_data, fe):
    """The cross-product bootstrap gives what re-estimating each resampled
    panel (regions drawn twice counted as two regions) gives."""
    y, x, M, c = med_data
    res = mediation(y, x, M, c, fe=fe, draws=40, seed=7)
    idx = bootstrap_indices(y.shape[0], 40, 7)
    for d in (0, 1, 39):
        ii = idx[d]
        ab = []
        out = fe_ols(y[ii], np.stack([x[ii], M[ii, :, 0], M[ii, :, 1], c[ii]], axis=2), fe=fe)
        for j in range(2):
            a = fe_ols(M[ii, :, j], np.stack([x[ii], c[ii]], axis=2), fe=fe).coef[0]
            ab.append(a * out.coef[1 + j])
        assert_allclose(res.samples[d, :2], ab, rtol=1e-9, atol=1e-13)
        assert_allclose(res.samples[d, 2], sum(ab), rtol=1e-9)


def test_bootstrap_interval_is_seeded_and_covers(med_data):
    y, x, M, c = med_data
    r1 = mediation(y, x, M, c, draws=500, seed=3)
    r2 = mediation(y, x, M, c, draws=500, seed=3)
    r3 = mediation(y, x, M, c, draws=500, seed=4)
    assert_allclose(r1.boot_ci_low, r2.boot_ci_low)
    assert not np.allclose(r1.samples, r3.samples)
    assert r1.draws_used == 500
    assert_allclose(r1.boot_ci_low, np.quantile(r1.samples[:, :2], 0.025, axis=0))
    assert_allclose(r1.boot_se, r1.samples[:, :2].std(axis=0, ddof=1))
    for j, true in enumerate([0.4, -0.1]):
        assert r1.boot_ci_low[j] < r1.indirect[j] < r1.boot_ci_high[j]
        assert abs(r1.indirect[j] - true) < 4 * r1.boot_se[j]
    # the cluster bootstrap SE is of the order of the delta-method (Sobel) SE
    sobel_se = np.abs(r1.indirect / r1.sobel_z)
    assert_allclose(r1.boot_se, sobel_se, rtol=0.35)


def test_mediation_bad_inputs(med_data):
    y, x, M, c = med_data
    x2 = x.copy()
    x2[4, 3] = np.nan
    with pytest.raises(InputDataError, match=r"of x at region R4 in 2004"):
        mediation(y, x2, M, ids=[f"R{i}" for i in range(280)], periods=range(2001, 2021))
    with pytest.raises(InputDataError, match="at least one mediator"):
        mediation(y, x, np.zeros((280, 20, 0)))
    with pytest.raises(InputDataError, match=r"m1 does not vary once region and time fixed effects"):
        mediation(y, x, np.repeat(x[:, :1], 20, axis=1))
    with pytest.raises(InputDataError, match="collinear"):
        mediation(y, x, np.stack([M[:, :, 0], 2 * M[:, :, 0]], axis=2))
    with pytest.raises(InputDataError, match="one driver"):
        mediation(y, M, M[:, :, 0])
    with pytest.raises(Canceled):
        mediation(y, x, M, draws=100, is_canceled=lambda: True)
    med = mediation(y, x, M, c, draws=50)
    rows = mediation_rows(med)
    assert [r[0] for r in rows] == [
        "Path", "c (total effect of x)", "c' (direct effect of x)", "a (x -> m1)", "b (m1 -> y)", "a (x -> m2)",
        "b (m2 -> y)", "a*b (indirect via m1)", "a*b (indirect via m2)", "Total indirect",
    ]
    assert rows[7][1] == f"{med.indirect[0]:.3f}" + stars(med.sobel_p[0])[0]
    assert rows[7][4] == f"[{med.boot_ci_low[0]:.3f}, {med.boot_ci_high[0]:.3f}]; z = {med.sobel_z[0]:.3f}"


# ---------------------------------------------------------------------------
# heterogeneity


def test_group_fit_equals_fit_on_the_subset(city):
    west = city.coords[:, 0] < 0.5
    labels = np.where(west, "west", "east")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpatialPanelWarning)
        res = by_group("sdm", city.y, city.X, city.W, groups=labels, ids=city.ids)
        idx = np.flatnonzero(west)
        Ws = city.W[idx][:, idx]
        rs = np.asarray(Ws.sum(axis=1)).ravel()
        Ws = sparse.diags(np.where(rs > 0, 1 / np.where(rs > 0, rs, 1), 0)) @ Ws
        direct = fit_sdm(city.y[idx], city.X[idx], Ws)
    assert res.labels == ("east", "west") and not res.skipped
    assert res.sizes == {"east": int((~west).sum()), "west": int(west.sum())}
    assert_allclose(res.results["west"].coef, direct.coef, rtol=1e-10)
    assert_allclose(res.results["west"].rho, direct.rho, rtol=1e-10)
    assert res.results["west"].ids == tuple(np.array(city.ids)[idx])


def test_median_split_and_skipped_groups(city):
    res = by_group("ols", city.y, city.X, split_by="x1")
    v = city.X[:, :, 0].mean(axis=1)
    assert_allclose(res.threshold, np.median(v))
    assert res.sizes == {"above": 140, "at or below": 140}
    above = np.flatnonzero(v > np.median(v))
    assert_allclose(res.results["above"].coef, fe_ols(city.y[above], city.X[above]).coef, rtol=1e-12)
    # a threshold leaving a small group: it is skipped and reported
    thr = np.sort(v)[-6]
    small = by_group("sar", city.y, city.X, city.W, split_by=v, threshold=thr)
    assert small.sizes["above"] == 5
    assert small.skipped == {"above": "only 5 regions (fewer than min_regions = 10)"}
    assert list(small.results) == ["at or below"]
    assert any("skipped" in note for note in small.notes)
    # too few degrees of freedom
    few = by_group("ols", city.y[:, :2], city.X[:, :2], groups=["a"] * 12 + ["b"] * 268, fe="twoway")
    assert "degrees of freedom" in few.skipped["a"]
    # a group whose estimation fails is skipped with the reason
    X = city.X.copy()
    X[:20, :, 1] = 1.0  # x2 constant in the first 20 regions
    bad = by_group("ols", city.y, X, groups=["a"] * 20 + ["b"] * 260, fe="region")
    assert "not estimated" in bad.skipped["a"] and "'x2'" in bad.skipped["a"]
    assert list(bad.results) == ["b"]


def test_by_group_bad_inputs(city):
    with pytest.raises(InputDataError, match="either groups= .* or split_by="):
        by_group("ols", city.y, city.X)
    with pytest.raises(InputDataError, match="needs spatial weights"):
        by_group("sar", city.y, city.X, groups=["a"] * 280)
    with pytest.raises(InputDataError, match="empty"):
        by_group("ols", city.y, city.X, groups=[None] + ["a"] * 279)
    with pytest.raises(InputDataError, match="not a regressor"):
        by_group("ols", city.y, city.X, split_by="gdp")


# ---------------------------------------------------------------------------
# tables


def test_coefficient_rows(city):
    sar = fit_sar(city.y, city.X, city.W, fe="region")
    sdm = fit_sdm(city.y, city.X, city.W)
    ols = fe_ols(city.y, city.X, fe="twoway")
    rows = coefficient_rows({"SAR": sar, "SDM": sdm, "FE-OLS": ols}, digits=2, brackets="[]")
    assert rows[0] == ["", "SAR", "SDM", "FE-OLS"]
    first = {r[0]: r for r in rows if r[0]}
    assert first["x1"][1] == f"{sar.coef[0]:.2f}" + stars(sar.p[0])[0]
    i = rows.index(first["x1"])
    assert rows[i + 1] == ["", f"[{sar.se[0]:.2f}]", f"[{sdm.se[0]:.2f}]", f"[{ols.se[0]:.2f}]"]
    assert first["W*x1"][1] == "" and first["W*x1"][3] == ""
    assert first["rho"][3] == ""
    assert first["N"] == ["N", "5600", "5600", "5600"]
    assert first["Log-likelihood"][1] == f"{sar.loglik:.2f}"
    assert first["Region FE"] == ["Region FE", "Yes", "Yes", "Yes"]
    assert first["Time FE"] == ["Time FE", "No", "Yes", "Yes"]
    assert first["Within R^2"][3] == f"{ols.r2_within:.2f}"
    assert stars([0.009, 0.049, 0.099, 0.1]) == ("***", "**", "*", "")
    with pytest.raises(InputDataError, match="brackets"):
        coefficient_rows(sar, brackets="(")


def test_effects_and_diagnostics_rows(city):
    sdm = fit_sdm(city.y, city.X, city.W)
    e = effects(sdm, draws=200, seed=0)
    rows = effects_rows({"SDM": e}, digits=3)
    assert rows[0] == ["", "SDM: Direct", "SDM: Indirect", "SDM: Total"]
    assert rows[1][0] == "x1" and rows[1][3] == f"{e.mean[0, 2]:.3f}" + stars(e.p[0, 2])[0]
    assert rows[2][1] == f"({e.sd[0, 0]:.3f})"
    assert effects_rows(e, point="estimate")[1][1].startswith(f"{e.estimate[0, 0]:.3f}")
    d = spatial_diagnostics(city.y, city.X, city.W)
    cmp = specification_tests(city.y, city.X, city.W)
    rows = diagnostics_rows(d, cmp)
    assert rows[0] == ["Test", "Statistic", "df", "p"] and len(rows) == 10
    assert rows[-1][0] == "Wald: SEM (theta = -rho beta)" and rows[-1][2] == "2"


# ---------------------------------------------------------------------------
# simulation


def test_simulate_panel_is_seeded_and_follows_its_model():
    a = simulate_panel(n=50, t=4, seed=3)
    b = simulate_panel(n=50, t=4, seed=3)
    assert_allclose(a.y, b.y)
    assert not np.allclose(a.y, simulate_panel(n=50, t=4, seed=4).y)
    W = a.W.toarray()
    assert_allclose(W.sum(axis=1), 1.0) and np.all(np.diag(W) == 0) and np.all((W > 0).sum(axis=1) == 6)
    # y solves the SDM given the effects: (I - rho W) y - X b - W X theta - mu - alpha is the noise
    n, t = 50, 4
    WX = (a.W @ a.X.reshape(n, -1)).reshape(n, t, 2)
    e = (np.eye(n) - 0.4 * W) @ a.y - a.X @ a.params["beta"] - WX @ a.params["theta"] - a.region_effects[:, None] - a.time_effects[None, :]
    assert abs(e.std() - 1.0) < 0.2
    with pytest.raises(InputDataError, match="theta needs 2"):
        simulate_panel(n=20, t=3, theta=[1.0])
