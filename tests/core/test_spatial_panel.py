"""Tests for regional_resilience.core.spatial_panel: estimators, weights,
effects, diagnostics.

References: PySAL spreg 1.9 (``Panel_FE_Lag``, ``Panel_FE_Error``,
``ML_LagFE``, ``ML_ErrorFE``, cross-section ``OLS`` LM tests and
``MoranRes``, panel ``panel_LMerror`` / ``panel_rLMlag``) on libpysal's US
state incomes (``usjoin.csv`` + ``states48.gal``) and Columbus; dense
matrix algebra (inverses, explicit residual makers) for the closed forms;
seeded simulated panels for the recovery of known parameters. spreg and
libpysal are imported inside the tests only: the plugin never imports them,
and a missing reference is an error, not a skip.
"""
import ast
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from regional_resilience.core.errors import Canceled, InputDataError, RRDataError, WeightsError
from regional_resilience.core.spatial_panel import (
    EstimationError,
    SpatialPanelWarning,
    compare_models,
    demean,
    effects,
    fe_ols,
    fit_sar,
    fit_sdm,
    fit_sem,
    fit_spatial_panel,
    knn_weights,
    prepare_weights,
    simulate_panel,
    spatial_diagnostics,
    specification_tests,
)

PACKAGE = Path(__file__).resolve().parents[2] / "regional_resilience" / "core" / "spatial_panel"


# ---------------------------------------------------------------------------
# reference data


@pytest.fixture(scope="module")
def us_income():
    """US state incomes 1988-2009: y = 100 * growth of ln income (1990..2009),
    regressors ln income of the year before and the growth of the year before;
    states48.gal row-standardised (usjoin.csv lists the states in its order)."""
    import libpysal

    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    try:
        names = list(f.by_col("Name"))
        inc = np.column_stack([np.asarray(f.by_col(str(yr)), dtype=float) for yr in range(1988, 2010)])
    finally:
        f.close()
    assert len(names) == 48
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    li = np.log(inc)
    g = 100.0 * np.diff(li, axis=1)
    y = g[:, 1:]
    X = np.stack([li[:, 1:-1], g[:, :-1]], axis=2)
    return {
        "y": y, "X": X, "W": w.sparse.tocsr(), "w": w, "ids": names,
        "periods": [str(v) for v in range(1990, 2010)], "names": ["ln_inc_lag", "growth_lag"],
        "xwide": np.hstack([X[:, :, 0], X[:, :, 1]]),
    }


@pytest.fixture(scope="module")
def spreg_fits(us_income):
    import spreg

    d = us_income
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "Panel_FE_Lag": spreg.Panel_FE_Lag(d["y"], d["xwide"], d["w"], epsilon=1e-12),
            "Panel_FE_Error": spreg.Panel_FE_Error(d["y"], d["xwide"], d["w"], epsilon=1e-12),
            "ML_LagFE": spreg.ML_LagFE(d["y"], d["xwide"], d["w"], epsilon=1e-12),
            "ML_ErrorFE": spreg.ML_ErrorFE(d["y"], d["xwide"], d["w"], epsilon=1e-12),
        }


@pytest.fixture(scope="module")
def city():
    """The seeded simulated city panel: 280 cities x 20 years, SDM process."""
    return simulate_panel(n=280, t=20, model="sdm", rho=0.4, beta=(1.0, -0.5), theta=(0.5, 0.0), seed=0)


# ---------------------------------------------------------------------------
# equality with spreg 1.9 (region fixed effects, no bias correction)


def test_sar_equals_spreg_panel_fe_lag(us_income, spreg_fits):
    d = us_income
    ref = spreg_fits["Panel_FE_Lag"]
    r = fit_sar(d["y"], d["X"], d["W"], fe="region", names=d["names"], ids=d["ids"], periods=d["periods"])
    N = r.n_obs
    assert N == 48 * 20
    assert_allclose(r.coef, ref.betas[:-1, 0], rtol=1e-6)
    assert_allclose(r.rho, ref.rho, rtol=1e-6)
    assert_allclose(r.sigma2, ref.sig2[0, 0], rtol=1e-6)
    # the deprecated Panel_FE_Lag leaves N/2 ln N out of its log-likelihood
    assert_allclose(r.loglik, ref.logll + N / 2.0 * math.log(N), rtol=0, atol=1e-6)
    assert_allclose(np.r_[r.se, r.rho_se], np.sqrt(np.diag(ref.vm)), rtol=1e-6)
    assert_allclose(r.pseudo_r2, ref.pr2, rtol=1e-6)
    assert_allclose(r.z, np.array([z for z, _ in ref.z_stat])[:-1], rtol=1e-5)


def test_sar_equals_spreg_ml_lagfe(us_income, spreg_fits):
    d = us_income
    ref = spreg_fits["ML_LagFE"]
    r = fit_sar(d["y"], d["X"], d["W"], fe="region")
    assert_allclose(np.r_[r.coef, r.rho], ref.betas[:, 0], rtol=1e-6)
    assert_allclose(r.sigma2, ref.sig2, rtol=1e-6)
    assert_allclose(r.loglik, ref.logll, rtol=0, atol=1e-6)
    assert_allclose(r.aic, ref.aic, rtol=0, atol=1e-6)  # spreg counts the coefficients and rho


def test_sem_equals_spreg_panel_fe_error(us_income, spreg_fits):
    d = us_income
    ref = spreg_fits["Panel_FE_Error"]
    r = fit_sem(d["y"], d["X"], d["W"], fe="region")
    N = r.n_obs
    assert r.spatial_name == "lambda" and r.lam == r.rho
    assert_allclose(r.coef, ref.betas[:-1, 0], rtol=1e-6)
    assert_allclose(r.lam, ref.lam, rtol=1e-6)
    assert_allclose(r.sigma2, ref.sig2[0, 0], rtol=1e-6)
    assert_allclose(r.loglik, ref.logll + N / 2.0 * math.log(N), rtol=0, atol=1e-6)
    assert_allclose(np.r_[r.se, r.rho_se], np.sqrt(np.diag(ref.vm)), rtol=1e-6)
    assert_allclose(r.pseudo_r2, ref.pr2, rtol=1e-6)


def test_sem_equals_spreg_ml_errorfe(us_income, spreg_fits):
    d = us_income
    ref = spreg_fits["ML_ErrorFE"]
    r = fit_sem(d["y"], d["X"], d["W"], fe="region")
    assert_allclose(np.r_[r.coef, r.rho], ref.betas[:, 0], rtol=1e-6)
    assert_allclose(r.sigma2, ref.sig2, rtol=1e-6)
    assert_allclose(r.loglik, ref.logll, rtol=0, atol=1e-6)


def test_at_spregs_rho_every_estimate_agrees_to_1e10(us_income, spreg_fits):
    """Given the same rho, b, sigma^2 and the likelihood are identities, not
    approximations: this pins the within transformation and the constants."""
    d = us_income
    for fit, key, attr in ((fit_sar, "Panel_FE_Lag", "rho"), (fit_sem, "Panel_FE_Error", "lam")):
        ref = spreg_fits[key]
        r = fit(d["y"], d["X"], d["W"], fe="region", fixed_rho=float(np.squeeze(getattr(ref, attr))))
        assert_allclose(r.coef, ref.betas[:-1, 0], rtol=1e-10)
        assert_allclose(r.sigma2, float(np.squeeze(ref.sig2)), rtol=1e-10)
        N = r.n_obs
        assert_allclose(r.loglik, float(np.squeeze(ref.logll)) + N / 2.0 * math.log(N), rtol=1e-12)


def test_our_rho_is_the_exact_maximum(us_income):
    """The eigenvalue path polishes rho to the root of the exact score."""
    d = us_income
    r = fit_sar(d["y"], d["X"], d["W"], fe="region")
    for h in (1e-5, -1e-5):
        other = fit_sar(d["y"], d["X"], d["W"], fe="region", fixed_rho=r.rho + h)
        assert other.loglik < r.loglik
    lu = fit_sar(d["y"], d["X"], d["W"], fe="region", logdet="lu")
    assert lu.logdet_method == "lu"
    assert_allclose(lu.rho, r.rho, atol=1e-7)
    assert_allclose(lu.loglik, r.loglik, atol=1e-9)


# ---------------------------------------------------------------------------
# log-determinants and the weights


def _binary_with_island(n=20, seed=3):
    rng = np.random.default_rng(seed)
    C = sparse.triu(sparse.random(n, n, density=0.25, random_state=rng, data_rvs=np.ones), 1)
    C = (C + C.T).tocsr()
    C.data[:] = 1.0
    C = C.tolil()
    C[5, :] = 0
    C[:, 5] = 0
    return C.tocsr()


def test_logdet_methods_agree_with_dense_determinant():
    rng = np.random.default_rng(0)
    Wknn = knn_weights(rng.uniform(size=(40, 2)), 4)  # asymmetric: general eigenvalues

    Wsym = _binary_with_island()  # symmetric binary with an island
    Wrs = sparse.diags(1.0 / np.maximum(np.asarray(Wsym.sum(axis=1)).ravel(), 1)) @ Wsym  # row-std symmetric
    for W in (Wknn, Wsym, Wrs):
        eig = prepare_weights(W, method="eigen")
        lu = prepare_weights(W, method="lu")
        lo, hi = eig.bounds
        for rho in (0.5 * lo, -0.1, 0.3, 0.9 * hi):
            ref = np.linalg.slogdet(np.eye(W.shape[0]) - rho * W.toarray())[1]
            assert_allclose(eig.logdet(rho), ref, atol=1e-10)
            assert_allclose(lu.logdet(rho), ref, atol=1e-10)
    assert np.isrealobj(prepare_weights(Wrs).eigenvalues)  # the symmetric shortcut was taken
    assert prepare_weights(Wrs).row_standardized and not prepare_weights(Wsym).row_standardized
    # exact bounds of the eigenvalue method: 1 / min and 1 / max eigenvalue
    ev = np.linalg.eigvals(Wsym.toarray()).real
    assert_allclose(prepare_weights(Wsym).bounds, (1 / ev.min(), 1 / ev.max()), rtol=1e-10)
    assert_allclose(prepare_weights(Wsym, method="lu").bounds, (-1 / ev.max(), 1 / ev.max()), rtol=1e-6)


def test_weights_forms_and_errors():
    rng = np.random.default_rng(1)
    W = knn_weights(rng.uniform(size=(12, 2)), 3)
    from regional_resilience.core.weights import Weights

    core = Weights.from_sparse(W, kind="knn", transform="R")
    a, b, c = prepare_weights(W), prepare_weights(W.toarray()), prepare_weights(core)
    assert_allclose(a.logdet(0.4), b.logdet(0.4))
    assert_allclose(a.logdet(0.4), c.logdet(0.4))
    assert prepare_weights(a) is a
    with pytest.raises(WeightsError, match="square"):
        prepare_weights(np.ones((3, 4)))
    y = rng.normal(size=(11, 5))
    with pytest.raises(InputDataError, match="12 regions but the panel has 11"):
        fit_sar(y, y, W)


def test_islands_are_kept_with_a_warning():
    W = _binary_with_island()
    rs = np.asarray(W.sum(axis=1)).ravel()
    W = sparse.diags(np.where(rs > 0, 1 / np.maximum(rs, 1), 0)) @ W
    rng = np.random.default_rng(2)
    n, t = W.shape[0], 6
    X = rng.normal(size=(n, t, 1))
    y = X[:, :, 0] + rng.normal(size=(n, t))
    ids = [f"R{i}" for i in range(n)]
    with pytest.warns(SpatialPanelWarning, match=r"no neighbours \('R5'\).*lags are 0"):
        r = fit_sar(y, X, W, ids=ids)
    assert any("R5" in note for note in r.notes)
    # island: W y is 0 in its row, so its fitted value has no spatial part
    assert np.all(prepare_weights(W).lag(y)[5] == 0)


# ---------------------------------------------------------------------------
# identities


def test_sdm_equals_sar_with_lagged_regressors_added_by_hand(city):
    sdm = fit_sdm(city.y, city.X, city.W, fe="twoway", lagged=["x1"])
    WX1 = city.W @ city.X[:, :, 0]
    sar = fit_sar(city.y, np.concatenate([city.X, WX1[:, :, None]], axis=2), city.W, fe="twoway",
                  names=["x1", "x2", "W*x1"])
    assert sdm.names == sar.names == ("x1", "x2", "W*x1")
    assert sdm.lagged == ("x1",)
    assert_allclose(sdm.coef, sar.coef, rtol=1e-10)
    assert_allclose(sdm.rho, sar.rho, rtol=1e-12)
    assert_allclose(sdm.loglik, sar.loglik, rtol=1e-12)
    assert_allclose(sdm.se, sar.se, rtol=1e-8)


@pytest.mark.parametrize("fe", ["region", "time", "twoway", "pooled"])
def test_fixed_rho_zero_is_within_ols(city, fe):
    r = fit_sar(city.y, city.X, city.W, fe=fe, fixed_rho=0.0)
    ols = fe_ols(city.y, city.X, fe=fe, vcov="classical")
    assert_allclose(r.coef, ols.coef, rtol=1e-10)
    assert_allclose(r.loglik, ols.loglik, rtol=1e-12)
    # variance given rho: sigma2_ML (Z'Z)^-1
    Z = demean(city.X, fe).reshape(-1, 2)
    assert_allclose(r.vcov, r.sigma2 * np.linalg.inv(Z.T @ Z), rtol=1e-8)
    assert math.isnan(r.rho_se) and r.rho_fixed and "rho" not in r.params_names
    # and OLS itself: lstsq on explicitly demeaned data equals LSDV with dummies
    if fe == "twoway":  # on 60 cities: explicit region and year dummies (LSDV)
        n, t = 60, 20
        yy, XX = city.y[:n], city.X[:n]
        D = np.column_stack([np.kron(np.eye(n), np.ones((t, 1))), np.kron(np.ones((n, 1)), np.eye(t))[:, 1:]])
        full = np.linalg.lstsq(np.column_stack([XX.reshape(n * t, 2), D]), yy.ravel(), rcond=None)[0]
        assert_allclose(fe_ols(yy, XX, fe="twoway").coef, full[:2], rtol=1e-8)


@pytest.mark.parametrize("model", ["sar", "sem"])
@pytest.mark.parametrize("fe", ["region", "time", "twoway"])
def test_fixed_effects_ml_equals_ml_with_dummies(model, fe):
    """The within transformation of y, Wy and X (SAR) and of the filtered
    variables (SEM) is ML with explicit region / year dummies."""
    sim = simulate_panel(n=30, t=6, model=model, rho=0.4, beta=(1.0, -0.5), seed=14)
    n, t = 30, 6
    dummies = []
    if fe in ("region", "twoway"):
        dummies.append(np.kron(np.eye(n), np.ones((t, 1)))[:, 1:])
    if fe in ("time", "twoway"):
        dummies.append(np.kron(np.ones((n, 1)), np.eye(t))[:, 1:])
    D = np.hstack(dummies).reshape(n, t, -1)
    fe_fit = fit_spatial_panel(model, sim.y, sim.X, sim.W, fe=fe)
    lsdv = fit_spatial_panel(model, sim.y, np.concatenate([sim.X, D], axis=2), sim.W, fe="pooled")
    assert_allclose(fe_fit.rho, lsdv.rho, rtol=1e-9)
    assert_allclose(fe_fit.coef, lsdv.coef[:2], rtol=1e-8)
    assert_allclose(fe_fit.loglik, lsdv.loglik, rtol=1e-12)
    assert_allclose(fe_fit.sigma2, lsdv.sigma2, rtol=1e-10)


def test_regressor_lag_drops_first_periods(city):
    lagged = fit_sdm(city.y, city.X, city.W, lag=2, periods=city.periods)
    manual = fit_sdm(city.y[:, 2:], city.X[:, :-2], city.W, periods=city.periods[2:])
    assert_allclose(lagged.coef, manual.coef, rtol=1e-10)
    assert_allclose(lagged.loglik, manual.loglik, rtol=1e-12)
    assert lagged.n_periods == 18 and lagged.periods == city.periods[2:]
    assert any("lagged by 2" in note and "2001" in note and "2002" in note for note in lagged.notes)
    assert not manual.notes


# ---------------------------------------------------------------------------
# recovery of known parameters


def _within(est, se, true, k=4.0):
    return np.all(np.abs(np.asarray(est) - np.asarray(true)) < k * np.asarray(se))


def test_sdm_recovers_rho_beta_theta(city):
    r = fit_sdm(city.y, city.X, city.W, fe="twoway", ids=city.ids, periods=city.periods)
    assert r.n_regions == 280 and r.n_periods == 20
    assert _within(r.coef, r.se, np.r_[city.params["beta"], city.params["theta"]])
    assert _within(r.rho, r.rho_se, 0.4)
    assert 0.9 < r.sigma2 < 1.05
    assert r.converged and r.logdet_method == "eigen"


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_sar_sem_recover_parameters(model):
    sim = simulate_panel(n=280, t=20, model=model, rho=0.5, beta=(1.0, -0.5), seed=11)
    r = fit_spatial_panel(model, sim.y, sim.X, sim.W, fe="twoway")
    assert _within(r.coef, r.se, [1.0, -0.5])
    assert _within(r.rho, r.rho_se, 0.5)


def test_sdm_rejects_pooled_when_effects_are_correlated(city):
    pooled = fit_sdm(city.y, city.X, city.W, fe="pooled")
    twoway = fit_sdm(city.y, city.X, city.W, fe="twoway")
    assert abs(pooled.coef[0] - 1.0) > 4 * pooled.se[0]  # omitted correlated region effects bias it
    assert abs(twoway.coef[0] - 1.0) < 4 * twoway.se[0]


def test_hutchinson_variance_close_to_exact(city):
    exact = fit_sdm(city.y, city.X, city.W)
    mc = fit_sdm(city.y, city.X, city.W, logdet="lu", dense_limit=100)
    assert any("Hutchinson" in note for note in mc.notes)
    assert_allclose(mc.rho, exact.rho, atol=1e-7)
    assert_allclose(mc.coef, exact.coef, atol=1e-6)
    assert_allclose(mc.se, exact.se, rtol=1e-2)  # 50 probes, n = 280
    assert_allclose(mc.rho_se, exact.rho_se, rtol=1e-2)


# ---------------------------------------------------------------------------
# Lee-Yu bias correction: exactly what is applied


def test_bias_correction_region_and_time(city):
    t, n = 20, 280
    for fe, factor in (("region", t / (t - 1)), ("time", n / (n - 1))):
        u = fit_sar(city.y, city.X, city.W, fe=fe)
        c = fit_sar(city.y, city.X, city.W, fe=fe, bias_correction=True)
        assert_allclose(c.sigma2, u.sigma2 * factor, rtol=1e-12)
        assert_allclose(c.coef, u.coef, rtol=1e-12)
        assert c.rho == u.rho and c.loglik == u.loglik
        assert np.all(c.se > u.se)  # the variance is recomputed at the larger sigma^2
        assert c.bias_correction and any("Lee-Yu" in note for note in c.notes)


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_bias_correction_twoway_formula(city, model):
    u = fit_spatial_panel(model, city.y, city.X, city.W, fe="twoway")
    c = fit_spatial_panel(model, city.y, city.X, city.W, fe="twoway", bias_correction=True)
    p, T = len(u.coef), u.n_periods
    a = np.zeros(p + 2)
    a[p] = 1.0 / (1.0 - u.rho)
    a[p + 1] = 1.0 / (2.0 * u.sigma2)
    par = np.r_[u.coef, u.rho, u.sigma2] + T * u.params_vcov @ a
    assert_allclose(c.coef, par[:p], rtol=1e-10)
    assert_allclose(c.rho, par[p], rtol=1e-10)
    assert_allclose(c.sigma2, par[p + 1] * T / (T - 1), rtol=1e-10)
    assert c.rho > u.rho and c.sigma2 > u.sigma2
    assert c.loglik == u.loglik
    if model == "sem":
        assert_allclose(c.coef, u.coef, rtol=1e-12)  # b is orthogonal to (lambda, sigma^2)


# ---------------------------------------------------------------------------
# effects


def _dense_effects(W, rho, beta, theta):
    n = W.shape[0]
    Wd = W.toarray()
    Ai = np.linalg.inv(np.eye(n) - rho * Wd)
    out = []
    for b, th in zip(beta, theta):
        S = Ai @ (b * np.eye(n) + th * Wd)
        d, tot = np.trace(S) / n, S.sum() / n
        out.append([d, tot - d, tot])
    return np.array(out)


def _small_panel(W, rho=0.35, seed=4, t=8):
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, t, 2))
    WX = (W @ X.reshape(n, -1)).reshape(n, t, 2)
    eps = rng.normal(size=(n, t))
    y = np.linalg.solve(np.eye(n) - rho * W.toarray(), X @ [1.0, -0.5] + WX @ [0.6, 0.2] + eps)
    return y, X


@pytest.mark.parametrize("kind", ["knn", "binary_island", "rowstd_island"])
def test_effects_equal_dense_closed_forms(kind):
    rng = np.random.default_rng(5)
    if kind == "knn":
        W = knn_weights(rng.uniform(size=(30, 2)), 4)
    else:
        W = _binary_with_island(30, seed=6)
        if kind == "rowstd_island":
            rs = np.asarray(W.sum(axis=1)).ravel()
            W = (sparse.diags(np.where(rs > 0, 1 / np.maximum(rs, 1), 0)) @ W).tocsr()
        else:
            W = W * 0.15
    y, X = _small_panel(W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpatialPanelWarning)
        fit = fit_sdm(y, X, W, fe="region")
        ref = _dense_effects(W, fit.rho, fit.coef[:2], fit.coef[2:])
        e = effects(fit, draws=50, seed=0)
        assert e.method == "eigen"
        assert_allclose(e.estimate, ref, rtol=1e-9, atol=1e-12)
        # an SDM lagging x1 only: theta_2 = 0
        part = fit_sdm(y, X, W, fe="region", lagged=["x1"])
        assert_allclose(effects(part, draws=10).estimate,
                        _dense_effects(W, part.rho, part.coef[:2], [part.coef[2], 0.0]), rtol=1e-9, atol=1e-12)
        # SAR: theta = 0
        sar = fit_sar(y, X, W, fe="region")
        assert_allclose(effects(sar, draws=10).estimate, _dense_effects(W, sar.rho, sar.coef, [0, 0]), rtol=1e-9)
        # the trace approach (Monte-Carlo traces of W^j) on the same weights
        pw = prepare_weights(W, method="lu", probes=4000, seed=1)
        fit_lu = fit_sdm(y, X, pw, fe="region")
        ref_lu = _dense_effects(W, fit_lu.rho, fit_lu.coef[:2], fit_lu.coef[2:])
        e_lu = effects(fit_lu, draws=50, seed=0)
    assert e_lu.method == "traces"
    assert_allclose(e_lu.estimate[:, 2], ref_lu[:, 2], rtol=1e-9)  # totals: exact sums 1'W^j 1
    assert_allclose(e_lu.estimate[:, 0], ref_lu[:, 0], atol=0.01 * np.abs(ref_lu[:, 0]).max())


def test_effects_simulation_is_seeded_and_matches_delta_method(city):
    fit = fit_sdm(city.y, city.X, city.W)
    e1 = effects(fit, draws=4000, seed=42)
    e2 = effects(fit, draws=4000, seed=42)
    e3 = effects(fit, draws=4000, seed=43)
    assert_allclose(e1.samples, e2.samples)
    assert not np.allclose(e1.samples, e3.samples)
    assert e1.samples.shape == (4000, 2, 3)
    # row-standardised W: total = (b + theta) / (1 - rho); delta-method sd
    V = fit.params_vcov[:5, :5]
    for j in range(2):
        b, th, rho = fit.coef[j], fit.coef[2 + j], fit.rho
        assert_allclose(e1.estimate[j, 2], (b + th) / (1 - rho), rtol=1e-12)
        g = np.zeros(5)
        g[j] = g[2 + j] = 1 / (1 - rho)
        g[4] = (b + th) / (1 - rho) ** 2
        assert_allclose(e1.sd[j, 2], math.sqrt(g @ V @ g), rtol=0.1)
        assert abs(e1.mean[j, 2] - e1.estimate[j, 2]) < 4 * e1.sd[j, 2] / math.sqrt(4000) + 0.01
    assert_allclose(e1.z, e1.mean / e1.sd)
    assert np.all(e1.ci_low < e1.mean) and np.all(e1.mean < e1.ci_high)
    # the true total effect of x1, (1 + 0.5) / (1 - 0.4) = 2.5, within sampling error
    assert abs(e1.mean[0, 2] - 2.5) < 4 * e1.sd[0, 2]


def test_effects_refuse_sem_and_fixed_rho(city):
    with pytest.raises(InputDataError, match="SAR and SDM"):
        effects(fit_sem(city.y, city.X, city.W))
    with pytest.raises(InputDataError, match="estimated rho"):
        effects(fit_sar(city.y, city.X, city.W, fixed_rho=0.2))


def test_large_n_timing_path_runs_with_traces():
    sim = simulate_panel(n=600, t=5, seed=8)
    fit = fit_sdm(sim.y, sim.X, sim.W, dense_limit=200)
    e = effects(fit, draws=200, seed=1)
    assert fit.logdet_method == "lu" and e.method == "traces"
    assert any("Monte-Carlo traces" in note for note in e.notes)
    assert_allclose(e.estimate[:, 2], (fit.coef[:2] + fit.coef[2:]) / (1 - fit.rho), rtol=1e-12)


# ---------------------------------------------------------------------------
# diagnostics


def test_cross_section_lm_and_moran_equal_spreg_ols():
    import libpysal
    import spreg

    db = libpysal.io.open(libpysal.examples.get_path("columbus.dbf"))
    y = np.array(db.by_col("CRIME"), dtype=float)[:, None]
    X = np.column_stack([db.by_col("INC"), db.by_col("HOVAL")]).astype(float)
    db.close()
    w = libpysal.io.open(libpysal.examples.get_path("columbus.gal")).read()
    w.transform = "r"
    ols = spreg.OLS(y, X, w=w, spat_diag=True, moran=True)
    d = spatial_diagnostics(y, X[:, None, :], w.sparse, fe="pooled")
    assert_allclose([d.lm_error, d.lm_lag, d.robust_lm_error, d.robust_lm_lag],
                    [ols.lm_error[0], ols.lm_lag[0], ols.rlm_error[0], ols.rlm_lag[0]], rtol=1e-9)
    assert_allclose([d.lm_error_p, d.lm_lag_p], [ols.lm_error[1], ols.lm_lag[1]], rtol=1e-8)
    assert_allclose([d.moran_i, d.moran_z, d.moran_p], ols.moran_res, rtol=1e-9)


def test_pooled_panel_lm_equal_spreg_panel_tests_up_to_their_sigma2(us_income):
    """spreg's panel LM tests use s2 = e'e / (N - k); ours e'e / N (Elhorst)."""
    from spreg import diagnostics_panel

    d = us_income
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lme = diagnostics_panel.panel_LMerror(d["y"], d["xwide"], d["w"])
        rlml = diagnostics_panel.panel_rLMlag(d["y"], d["xwide"], d["w"])
    ours = spatial_diagnostics(d["y"], d["X"], d["W"], fe="pooled")
    N, k = ours.n_obs, 3  # spreg adds a constant
    assert_allclose(lme[0], ours.lm_error * ((N - k) / N) ** 2, rtol=1e-9)
    assert_allclose(rlml[0], ours.robust_lm_lag * (N - k) / N, rtol=1e-9)


def _dense_Q(fe, n, t):
    """Residual maker of the fixed effects, region-major (i * t + s) order."""
    It, In = np.eye(t), np.eye(n)
    Jt, Jn = np.ones((t, t)) / t, np.ones((n, n)) / n
    return {
        "region": np.kron(In, It - Jt),
        "time": np.kron(In - Jn, It),
        "twoway": np.kron(In - Jn, It - Jt),
        "pooled": np.eye(n * t) - np.ones((n * t, n * t)) / (n * t),
    }[fe]


@pytest.mark.parametrize("fe", ["region", "time", "twoway", "pooled"])
def test_moran_moments_and_lm_equal_dense_formulas(fe):
    rng = np.random.default_rng(9)
    n, t = 15, 4
    W = knn_weights(rng.uniform(size=(n, 2)), 3)
    X = rng.normal(size=(n, t, 2))
    y = X @ [1.0, 0.5] + rng.normal(size=(n, t))
    d = spatial_diagnostics(y, X, W, fe=fe)
    Q = _dense_Q(fe, n, t)
    Wd = W.toarray()
    Wbig = np.kron(Wd, np.eye(t))
    A = 0.5 * (Wbig + Wbig.T)
    Z = Q @ X.reshape(n * t, 2)
    P = Z @ np.linalg.solve(Z.T @ Z, Z.T)
    M = Q - P
    e = M @ y.ravel()
    dd = np.trace(M)
    s0 = Wd.sum()
    assert_allclose(dd, n * t - 2 - {"region": n, "time": t, "twoway": n + t - 1, "pooled": 1}[fe], atol=1e-9)
    I = n / s0 * (e @ Wbig @ e) / (e @ e)
    MA = M @ A
    EI = n / s0 * np.trace(MA) / dd
    VI = (n / s0) ** 2 * (2 * np.trace(MA @ MA) + np.trace(MA) ** 2) / (dd * (dd + 2)) - EI ** 2
    assert_allclose([d.moran_i, d.moran_expected, d.moran_variance], [I, EI, VI], rtol=1e-10)
    # LM tests with the explicit residual maker (Elhorst's formulas)
    s2 = e @ e / (n * t)
    tr = np.trace((Wd.T + Wd) @ Wd)
    b = np.linalg.lstsq(Z, Q @ y.ravel(), rcond=None)[0]
    wxb = Wbig @ (Z @ b)
    J = (wxb @ M @ wxb + t * tr * s2) / s2
    ewe, ewy = e @ Wbig @ e, e @ Wbig @ y.ravel()
    assert_allclose(d.lm_error, (ewe / s2) ** 2 / (t * tr), rtol=1e-10)
    assert_allclose(d.lm_lag, (ewy / s2) ** 2 / J, rtol=1e-10)
    assert_allclose(d.robust_lm_lag, (ewy / s2 - ewe / s2) ** 2 / (J - t * tr), rtol=1e-10)
    assert_allclose(d.robust_lm_error, (ewe / s2 - t * tr / J * ewy / s2) ** 2 / (t * tr * (1 - t * tr / J)), rtol=1e-10)


def test_moran_moments_match_simulation_under_the_null():
    rng = np.random.default_rng(10)
    n, t = 25, 5
    W = knn_weights(rng.uniform(size=(n, 2)), 4)
    X = rng.normal(size=(n, t, 2))
    d = spatial_diagnostics(X @ [1.0, 0.5] + rng.normal(size=(n, t)), X, W, fe="twoway")
    Q = _dense_Q("twoway", n, t)
    Z = Q @ X.reshape(n * t, 2)
    M = Q - Z @ np.linalg.solve(Z.T @ Z, Z.T)
    Wbig = np.kron(W.toarray(), np.eye(t))
    E = rng.normal(size=(20000, n * t)) @ M  # M symmetric: rows are M eps
    Is = n / W.sum() * np.einsum("ij,ij->i", E @ Wbig.T, E) / np.einsum("ij,ij->i", E, E)
    se = Is.std() / math.sqrt(len(Is))
    assert abs(Is.mean() - d.moran_expected) < 4 * se
    assert_allclose(Is.var(), d.moran_variance, rtol=0.05)
    assert d.moran_expected < -1.0 / (n * t)  # the FE make E[I] more negative than -1/(N-1)


def test_diagnostics_detect_spatial_dependence(city):
    d = spatial_diagnostics(city.y, city.X, city.W, fe="twoway")
    assert d.moran_i > 0 and d.moran_p < 1e-6 and d.lm_lag_p < 1e-6
    null = simulate_panel(n=280, t=20, model="sar", rho=0.0, beta=(1.0, -0.5), seed=12)
    d0 = spatial_diagnostics(null.y, null.X, null.W, fe="twoway")
    assert d0.moran_p > 0.001 and d0.lm_lag_p > 0.001 and d0.lm_error_p > 0.001
    assert [row[0] for row in d.table()] == ["Moran's I (residuals)", "LM lag", "Robust LM lag", "LM error",
                                             "Robust LM error"]


def test_lr_and_wald_sdm_against_sar_and_sem(city):
    cmp = specification_tests(city.y, city.X, city.W, fe="twoway")
    sdm, sar, sem = cmp.sdm, cmp.sar, cmp.sem
    assert_allclose(cmp.lr_sar, 2 * (sdm.loglik - sar.loglik), rtol=1e-12)
    assert_allclose(cmp.lr_sem, 2 * (sdm.loglik - sem.loglik), rtol=1e-12)
    V = sdm.params_vcov[:5, :5]
    th = sdm.coef[2:]
    assert_allclose(cmp.wald_sar, th @ np.linalg.solve(V[2:4, 2:4], th), rtol=1e-10)
    # common factor by the delta method with a numerical Jacobian
    phi = np.r_[sdm.coef, sdm.rho]
    g = lambda f: f[2:4] + f[4] * f[:2]  # noqa: E731
    R = np.column_stack([(g(phi + h) - g(phi - h)) / 2e-6 for h in np.eye(5) * 1e-6])
    gv = g(phi)
    assert_allclose(cmp.wald_sem, gv @ np.linalg.solve(R @ V @ R.T, gv), rtol=1e-6)
    # the true theta = (0.5, 0) is far from 0 and from -rho beta = (-0.4, 0.2)
    assert cmp.df_sar == cmp.df_sem == 2
    assert max(cmp.lr_sar_p, cmp.wald_sar_p, cmp.lr_sem_p, cmp.wald_sem_p) < 1e-6


def test_common_factor_needs_every_regressor_lagged(city):
    sdm = fit_sdm(city.y, city.X, city.W, lagged="x1")
    sem = fit_sem(city.y, city.X, city.W)
    with pytest.raises(InputDataError, match="every regressor lagged"):
        compare_models(sdm, sem=sem)
    cmp = compare_models(sdm)
    assert cmp.df_sar == 1 and math.isnan(cmp.wald_sem)
    with pytest.raises(InputDataError, match="same panel"):
        compare_models(sdm, fit_sar(city.y, city.X, city.W, fe="region"))


# ---------------------------------------------------------------------------
# failures are never silent


def test_rho_at_bound_raises_with_last_loglik(city):
    with pytest.raises(EstimationError, match=r"upper bound.*last log-likelihood -?\d+\.\d+") as info:
        fit_sdm(city.y, city.X, city.W, rho_bounds=(-0.2, 0.1))
    assert isinstance(info.value, RRDataError)
    assert np.isfinite(info.value.loglik) and abs(info.value.parameter - 0.1) < 1e-5
    with pytest.warns(SpatialPanelWarning, match="upper bound"):
        r = fit_sdm(city.y, city.X, city.W, rho_bounds=(-0.2, 0.1), strict=False)
    assert not r.converged
    assert_allclose(r.loglik, info.value.loglik)
    with pytest.raises(InputDataError, match="inside the interval"):
        fit_sar(city.y, city.X, city.W, rho_bounds=(-3.0, 0.5))


def _bad_panel():
    rng = np.random.default_rng(13)
    n, t = 20, 6
    W = knn_weights(rng.uniform(size=(n, 2)), 3)
    X = rng.normal(size=(n, t, 2))
    y = X @ [1.0, 1.0] + rng.normal(size=(n, t))
    return y, X, W, [f"city{i}" for i in range(n)], [str(2001 + s) for s in range(t)]


def test_missing_values_name_the_region_years():
    y, X, W, ids, periods = _bad_panel()
    y[3, 2] = np.nan
    with pytest.raises(InputDataError, match=r"of y at region city3 in 2003.*balanced"):
        fit_sar(y, X, W, ids=ids, periods=periods)
    y[3, 2] = 0.0
    X[7, 4, 1] = np.inf
    with pytest.raises(InputDataError, match=r"of open at region city7 in 2005"):
        fit_sdm(y, X, W, ids=ids, periods=periods, names=["gdp", "open"])
    # a missing value in a period dropped by the lag is not used
    X[7, 4, 1] = 0.0
    X[:, -1, 0] = np.nan
    assert fit_sar(y, X, W, lag=1).n_periods == 5


def test_unbalanced_and_wrong_shapes():
    y, X, W, ids, periods = _bad_panel()
    with pytest.raises(InputDataError, match="balanced"):
        fit_sar(y, X[:-1], W)
    with pytest.raises(InputDataError, match="regions x periods"):
        fit_sar(y.ravel(), X, W)
    with pytest.raises(InputDataError, match="region ids"):
        fit_sar(y, X, W, ids=ids[:-1])


def test_collinear_and_constant_regressors_are_named():
    y, X, W, ids, periods = _bad_panel()
    X3 = np.concatenate([X, (X[:, :, 0] - 2 * X[:, :, 1])[:, :, None]], axis=2)
    with pytest.raises(InputDataError, match=r"collinear.*'c' is a linear combination of 'a', 'b'"):
        fit_sar(y, X3, W, names=["a", "b", "c"])
    const_in_time = np.concatenate([X, np.repeat(np.arange(20.0)[:, None, None], 6, axis=1)], axis=2)
    with pytest.raises(InputDataError, match=r"'area'.*do not vary once region and time fixed effects"):
        fit_sem(y, const_in_time, W, names=["a", "b", "area"])
    assert fit_sem(y, const_in_time, W, names=["a", "b", "area"], fe="time").names == ("a", "b", "area")
    same_everywhere = np.concatenate([X, np.repeat(np.arange(6.0)[None, :, None], 20, axis=0)], axis=2)
    with pytest.raises(InputDataError, match=r"'trend'"):
        fit_sdm(y, same_everywhere, W, names=["a", "b", "trend"], fe="time")
    # with region effects the trend varies, but its spatial lag equals it (row-standardised W)
    with pytest.raises(InputDataError, match=r"'W\*trend' is a linear combination of 'trend'"):
        fit_sdm(y, same_everywhere, W, names=["a", "b", "trend"], fe="region")
    with pytest.raises(InputDataError, match="y does not vary"):
        fit_sar(np.ones_like(y), X, W)


def test_too_few_periods_for_the_lag():
    y, X, W, ids, periods = _bad_panel()
    with pytest.raises(InputDataError, match=r"Lagging the regressors by 5 period\(s\) leaves 1 of the 6 periods"):
        fit_sar(y, X, W, lag=5, periods=periods)
    with pytest.raises(InputDataError, match="whole number"):
        fit_sar(y, X, W, lag=-1)
    assert fit_sar(y, X, W, lag=5, fe="time").n_periods == 1


def test_bad_options():
    y, X, W, ids, periods = _bad_panel()
    with pytest.raises(InputDataError, match="fixed-effects option"):
        fit_sar(y, X, W, fe="individual")
    with pytest.raises(InputDataError, match="lagged= is for the spatial Durbin"):
        fit_spatial_panel("sar", y, X, W, lagged=["x1"])
    with pytest.raises(InputDataError, match="Cannot lag 'gdp'"):
        fit_sdm(y, X, W, lagged=["gdp"])
    with pytest.raises(InputDataError, match="log-determinant method"):
        fit_sar(y, X, W, logdet="chebyshev")


def test_progress_and_cancel(city):
    seen = []
    fit_sdm(city.y, city.X, city.W, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and all(b >= a for a, b in zip(seen, seen[1:]))
    with pytest.raises(Canceled):
        fit_sdm(city.y, city.X, city.W, is_canceled=lambda: True)


def test_core_never_imports_qgis_or_the_references():
    banned = {"qgis", "spreg", "libpysal", "esda", "pysal", "PyQt5", "geopandas"}
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 9
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module or ""]
            for m in mods:
                assert m.split(".")[0] not in banned, f"{path.name} imports {m}"
