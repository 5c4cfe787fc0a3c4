"""Tests for regional_resilience.core.tobit.

Independent references used here: the textbook two-limit Tobit likelihood
written with scipy.stats (logcdf / logsf / logpdf), maximised by scipy's
derivative-free / numerical-gradient optimisers; numerical Hessians and
per-observation scores by central differences; the random-effects integral by
scipy.integrate.quad; OLS by numpy.linalg.lstsq; explicit dummy columns for
the fixed effects. All data are simulated with fixed seeds.
"""
import dataclasses
import math
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, optimize, special, stats

from regional_resilience.core import tobit as tobit_pkg
from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.tobit import (
    fixed_effects_tobit,
    gauss_hermite_normal,
    glance,
    hausman_fe_re,
    pooled_tobit,
    publication_table,
    random_effects_tobit,
    stars,
    tidy,
    tobit,
    tobit_by_group,
)

# ---------------------------------------------------------------------------
# simulation and textbook likelihood


def simulate(G, T, b, *, const=0.3, sigma_u=0.0, sigma_e=0.2, seed=0, lo=0.0, hi=1.0):
    rng = np.random.default_rng(seed)
    n = G * T
    reg = np.repeat(np.arange(G), T)
    per = np.tile(np.arange(2001, 2001 + T), G)
    X = rng.normal(size=(n, len(b)))
    u = rng.normal(0.0, sigma_u, G)[reg] if sigma_u > 0 else 0.0
    ystar = const + X @ np.asarray(b) + u + rng.normal(0.0, sigma_e, n)
    y = np.clip(ystar, -np.inf if lo is None else lo, np.inf if hi is None else hi)
    return y, X, reg, per


def textbook_ll_obs(b, sigma, y, Z, lo=0.0, hi=1.0):
    """Per-observation two-limit Tobit log-likelihood (Amemiya 1984, eq. 2.6)."""
    xb = Z @ b
    left = np.full(y.shape, False) if lo is None else y <= lo
    right = np.full(y.shape, False) if hi is None else y >= hi
    out = stats.norm.logpdf((y - xb) / sigma) - np.log(sigma)
    if lo is not None:
        out = np.where(left, stats.norm.logcdf((lo - xb) / sigma), out)
    if hi is not None:
        out = np.where(right, stats.norm.logsf((hi - xb) / sigma), out)
    return out


def num_hessian(f, x, h=1e-4):
    p = len(x)
    H = np.empty((p, p))
    E = np.eye(p) * h
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (
                f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
            ) / (4 * h * h)
    return H


def num_scores(f_obs, x, h=1e-6):
    cols = []
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        cols.append((f_obs(x + e) - f_obs(x - e)) / (2 * h))
    return np.column_stack(cols)


# ---------------------------------------------------------------------------
# quadrature


def test_gauss_hermite_normal_integrates_polynomials_exactly():
    n = 12
    z, w = gauss_hermite_normal(n)
    assert z.shape == w.shape == (n,)
    for k in range(2 * n):  # exact up to degree 2n - 1
        # E Z^k = (k-1)!! for even k, 0 for odd k
        exact = 0.0 if k % 2 else float(np.prod(np.arange(k - 1, 0, -2))) if k else 1.0
        scale = w @ np.abs(z) ** k  # odd moments cancel large terms
        assert w @ z**k == pytest.approx(exact, rel=1e-10, abs=1e-13 * scale)
    # ... and not beyond: E Z^24 = 23!! is not reproduced by 12 nodes
    assert abs(w @ z**24 / np.prod(np.arange(23, 0, -2)) - 1) > 1e-6
    # a smooth non-polynomial: E exp(aZ) = exp(a^2/2)
    assert w @ np.exp(0.7 * z) == pytest.approx(math.exp(0.245), rel=1e-12)
    with pytest.raises(InputDataError, match="quadrature nodes"):
        gauss_hermite_normal(0)


def test_stars():
    assert stars([0.0099, 0.01, 0.049, 0.05, 0.0999, 0.1]) == ("***", "**", "**", "*", "*", "")


# ---------------------------------------------------------------------------
# pooled


@pytest.fixture(scope="module")
def small_pooled():
    y, X, reg, per = simulate(60, 5, [0.25, -0.15], const=0.3, sigma_e=0.25, seed=11)
    # both limits hit
    assert (y <= 0).sum() > 20 and (y >= 1).sum() > 5
    return y, X, reg, per


def test_pooled_equals_independent_ml(small_pooled):
    y, X, reg, per = small_pooled
    Z = np.column_stack([np.ones(len(y)), X])
    res = pooled_tobit(y, X, reg, periods=per)
    assert res.converged and res.names == ("const", "x1", "x2")

    # independent ML: parameters (b, sigma), numerical gradients, then Nelder-Mead
    def negll(th):
        if th[-1] <= 0:
            return np.inf
        return -textbook_ll_obs(th[:-1], th[-1], y, Z).sum()

    start = np.array([0.0, 0.0, 0.0, 0.5])
    r1 = optimize.minimize(negll, start, method="L-BFGS-B",
                           bounds=[(None, None)] * 3 + [(1e-6, None)],
                           options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    r2 = optimize.minimize(negll, r1.x, method="Nelder-Mead",
                           options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000,
                                    "maxfev": 40000})
    assert_allclose(res.coef, r2.x[:3], atol=1e-5)
    assert res.sigma == pytest.approx(r2.x[3], abs=1e-5)
    assert res.loglik == pytest.approx(-r2.fun, abs=1e-8)
    # our loglik is the textbook one at our estimates
    assert res.loglik == pytest.approx(textbook_ll_obs(res.coef, res.sigma, y, Z).sum(), rel=1e-12)
    assert (res.n_left, res.n_right) == (int((y <= 0).sum()), int((y >= 1).sum()))
    assert res.n_left + res.n_right + res.n_uncensored == res.n_obs == len(y)
    assert res.n_regions == 60


def test_pooled_oim_robust_cluster_se_equal_explicit_sandwich(small_pooled):
    y, X, reg, per = small_pooled
    Z = np.column_stack([np.ones(len(y)), X])
    res_oim = pooled_tobit(y, X, reg)
    theta = np.r_[res_oim.coef, math.log(res_oim.sigma)]

    def ll_obs(th):
        return textbook_ll_obs(th[:-1], math.exp(th[-1]), y, Z)

    H = num_hessian(lambda th: ll_obs(th).sum(), theta)
    Hinv = np.linalg.inv(-H)
    S = num_scores(ll_obs, theta)
    assert_allclose(np.abs(S.sum(axis=0)), 0.0, atol=1e-5)  # first-order conditions
    n, G = len(y), 60
    Sg = np.zeros((G, S.shape[1]))
    np.add.at(Sg, reg, S)
    V_oim = Hinv
    V_rob = Hinv @ (S.T @ S) @ Hinv * n / (n - 1)          # Stata: N/(N-1)
    V_cl = Hinv @ (Sg.T @ Sg) @ Hinv * G / (G - 1)          # Stata: G/(G-1)
    for vcov, V in (("oim", V_oim), ("robust", V_rob), ("cluster", V_cl)):
        r = pooled_tobit(y, X, reg, vcov=vcov)
        assert r.vcov_type == vcov
        assert_allclose(r.se, np.sqrt(np.diag(V)[:3]), rtol=2e-5)
        assert_allclose(r.params_cov, V, rtol=2e-4, atol=1e-12)
        # sigma by the delta method: se(sigma) = sigma se(log sigma)
        assert r.sigma_se == pytest.approx(r.sigma * math.sqrt(V[3, 3]), rel=2e-5)
        assert_allclose(r.z, r.coef / r.se)
        assert_allclose(r.p, 2 * stats.norm.sf(np.abs(r.coef / r.se)))
    # explicit clusters equal to the regions give the same numbers
    r2 = pooled_tobit(y, X, reg, vcov="cluster", clusters=reg * 7 + 1)
    assert_allclose(r2.se, np.sqrt(np.diag(V_cl)[:3]), rtol=2e-5)


def test_pooled_optimisers_agree(small_pooled):
    y, X, reg, _ = small_pooled
    base = pooled_tobit(y, X, reg)
    for method in ("trust-ncg", "newton-cg", "bfgs"):
        r = pooled_tobit(y, X, reg, method=method)
        assert r.converged
        assert_allclose(r.coef, base.coef, atol=1e-7)
        assert_allclose(r.se, base.se, rtol=1e-6)


def test_no_censoring_equals_ols():
    rng = np.random.default_rng(4)
    n = 300
    X = rng.normal(size=(n, 2))
    y = 0.5 + X @ [0.05, -0.03] + rng.normal(0, 0.05, n)
    assert y.min() > 0 and y.max() < 1
    reg = np.arange(n) // 3
    Z = np.column_stack([np.ones(n), X])
    b_ols, *_ = np.linalg.lstsq(Z, y, rcond=None)
    ssr = float(np.sum((y - Z @ b_ols) ** 2))
    for lo, hi in ((0.0, 1.0), (None, None), (None, 1.0)):
        r = pooled_tobit(y, X, reg, lower=lo, upper=hi)
        assert_allclose(r.coef, b_ols, atol=1e-10)
        assert r.sigma == pytest.approx(math.sqrt(ssr / n), rel=1e-9)  # ML: SSR/N, not N-K
        assert "no observation is censored: Tobit equals OLS" in r.notes
        assert r.n_left == r.n_right == 0 and r.lower == lo and r.upper == hi
    # OIM variance of b is then sigma^2 (Z'Z)^-1 with sigma^2 = SSR/N
    assert_allclose(r.vcov, ssr / n * np.linalg.inv(Z.T @ Z), rtol=1e-7)


def test_pooled_recovers_known_coefficients():
    b = np.array([0.2, -0.1, 0.05])
    y, X, reg, per = simulate(400, 5, b, const=0.25, sigma_e=0.3, seed=21)
    assert 0.15 < (y <= 0).mean() < 0.35
    r = pooled_tobit(y, X, reg, vcov="cluster")
    truth = np.r_[0.25, b]
    assert np.all(np.abs(r.coef - truth) < 4 * r.se)
    assert abs(r.sigma - 0.3) < 4 * r.sigma_se


def test_values_beyond_limits_are_censored_at_them(small_pooled):
    y, X, reg, _ = small_pooled
    y2 = y.copy()
    y2[y2 <= 0] = -0.2
    y2[y2 >= 1] = 1.7
    a = pooled_tobit(y, X, reg)
    b = pooled_tobit(y2, X, reg)
    assert_allclose(b.coef, a.coef, rtol=1e-12)
    assert b.loglik == pytest.approx(a.loglik, rel=1e-12)
    assert any("below the lower limit" in s for s in b.notes)
    assert any("above the upper limit" in s for s in b.notes)


def test_log_transform(small_pooled):
    y, X, reg, per = small_pooled
    X2 = np.column_stack([X[:, 0], np.exp(X[:, 1])])
    a = pooled_tobit(y, X, reg, names=["gdp", "pop"])
    b = pooled_tobit(y, X2, reg, names=["gdp", "pop"], log=["pop"])
    assert b.names == ("const", "gdp", "ln(pop)")
    assert_allclose(b.coef, a.coef, rtol=1e-9)
    X3 = X2.copy()
    X3[7, 1] = 0.0
    with pytest.raises(InputDataError, match=r"'pop'.*region 1 period 2003"):
        pooled_tobit(y, X3, reg, names=["gdp", "pop"], log="pop", periods=per)
    with pytest.raises(InputDataError, match="no such regressor"):
        pooled_tobit(y, X2, reg, log="nope")


# ---------------------------------------------------------------------------
# random effects


def re_loglik_quad(theta, y, Z, reg, lo=0.0, hi=1.0):
    """RE Tobit log-likelihood, the integral over u_i by scipy.integrate.quad."""
    K = Z.shape[1]
    b, se, su = theta[:K], math.exp(theta[K]), math.exp(theta[K + 1])
    log2pi = math.log(2 * math.pi)
    grid = np.linspace(-8 * su, 8 * su, 801)
    total = 0.0
    for g in np.unique(reg):
        sel = reg == g
        yi, mi = y[sel], Z[sel] @ b
        left, right = yi <= lo, yi >= hi
        unc = ~(left | right)
        ml, mr, mu, yu = mi[left], mi[right], mi[unc], yi[unc]
        const = -unc.sum() * (0.5 * log2pi + math.log(se)) - 0.5 * log2pi - math.log(su)

        def logf(u):  # log of prod_t f(y_it | x_it b + u) * phi(u / su) / su
            u = np.asarray(u)[..., None]
            return (special.log_ndtr((lo - ml - u) / se).sum(-1)
                    + special.log_ndtr((mr + u - hi) / se).sum(-1)
                    - 0.5 * (((yu - mu - u) / se) ** 2).sum(-1)
                    - 0.5 * (u[..., 0] / su) ** 2 + const)

        lg = logf(grid)
        shift, peak = lg.max(), grid[lg.argmax()]
        val, _ = integrate.quad(lambda u: math.exp(logf(u) - shift), -8 * su, 8 * su,
                                points=[peak], epsabs=0, epsrel=1e-12, limit=200)
        total += shift + math.log(val)
    return total


@pytest.fixture(scope="module")
def re_panel():
    b = np.array([0.2, -0.1])
    y, X, reg, per = simulate(50, 6, b, const=0.3, sigma_u=0.2, sigma_e=0.15, seed=5)
    return y, X, reg, per, b


def test_re_recovers_and_maximises_the_integrated_likelihood(re_panel):
    y, X, reg, per, b = re_panel
    r = random_effects_tobit(y, X, reg, periods=per)
    assert r.converged and r.quadrature == "adaptive" and r.n_nodes == 12
    assert np.all(np.abs(r.coef - np.r_[0.3, b]) < 4 * r.se)
    assert abs(r.sigma_u - 0.2) < 4 * r.sigma_u_se
    assert abs(r.sigma - 0.15) < 4 * r.sigma_se
    assert r.rho == pytest.approx(r.sigma_u**2 / (r.sigma_u**2 + r.sigma**2))
    Z = np.column_stack([np.ones(len(y)), X])
    theta = r.params
    ll_quad = re_loglik_quad(theta, y, Z, reg)
    assert r.loglik == pytest.approx(ll_quad, abs=1e-5)
    # our estimates maximise the quad likelihood: any small move lowers it
    se_theta = np.sqrt(np.diag(r.params_cov))
    for j in range(len(theta)):
        for sgn in (-1, 1):
            th = theta.copy()
            th[j] += sgn * 0.2 * se_theta[j]
            assert re_loglik_quad(th, y, Z, reg) < ll_quad
    # LR test of sigma_u = 0 against the pooled Tobit, chibar2(01)
    pooled = pooled_tobit(y, X, reg)
    assert r.loglik_pooled == pytest.approx(pooled.loglik, abs=1e-8)
    lr = 2 * (r.loglik - pooled.loglik)
    assert r.lr_stat == pytest.approx(lr)
    assert r.lr_pvalue == pytest.approx(0.5 * stats.chi2.sf(lr, 1))
    # rho SE by the delta method from the (log sigma_e, log sigma_u) covariance
    gr = 2 * r.rho * (1 - r.rho) * np.array([-1.0, 1.0])
    assert r.rho_se == pytest.approx(math.sqrt(gr @ r.params_cov[3:, 3:] @ gr))


def test_re_quadrature_rules_converge_to_the_same_estimates(re_panel):
    y, X, reg, per, _ = re_panel
    a = random_effects_tobit(y, X, reg)
    # ordinary Gauss-Hermite needs many nodes here (integrand narrower than sigma_u)
    g = random_effects_tobit(y, X, reg, quadrature="ghermite", n_nodes=150)
    assert g.quadrature == "ghermite" and g.n_nodes == 150
    assert_allclose(g.params, a.params, atol=1e-5)
    assert g.loglik == pytest.approx(a.loglik, abs=1e-5)
    # cluster (region-score) sandwich runs and differs from OIM
    c = random_effects_tobit(y, X, reg, vcov="cluster")
    assert_allclose(c.coef, a.coef)
    assert not np.allclose(c.se, a.se) and np.all(c.se > 0)


def test_re_quadrature_check_flags_too_few_ordinary_nodes(re_panel):
    y, X, reg, per, _ = re_panel
    a = random_effects_tobit(y, X, reg)
    chk = a.meta["quadrature_check"]
    assert chk["n_nodes"] == 24 and chk["max_shift_se"] < 0.01
    assert not any("quadrature check" in s for s in a.notes)
    g = random_effects_tobit(y, X, reg, quadrature="ghermite", n_nodes=6)
    assert g.meta["quadrature_check"]["max_shift_se"] > 0.1
    assert any("quadrature check" in s and "more nodes" in s for s in g.notes)


@pytest.mark.parametrize("adaptive, force", [(False, None), (True, None), (True, "mixed")])
def test_re_analytic_derivatives_match_finite_differences(adaptive, force):
    # the frozen-node quadrature likelihood is a smooth function of theta;
    # its analytic gradient and Hessian (used for the Newton steps and the
    # OIM variance) must equal central differences
    from regional_resilience.core.tobit._common import _Data
    from regional_resilience.core.tobit.random_effects import _REEval

    rng = np.random.default_rng(0)
    G, T = 30, 6
    reg = np.repeat(np.arange(G), T)
    X = rng.normal(size=(G, 2))[reg] + 0.5 * rng.normal(size=(G * T, 2))
    y = np.clip(0.3 + X @ [0.1, -0.05] + rng.normal(0, 0.2, G)[reg]
                + rng.normal(0, 0.1, G * T), 0, 1)
    Z = np.column_stack([np.ones(len(y)), X])
    d = _Data(y, Z, ["c", "a", "b"], 0.0, 1.0, reg, None)
    ev = _REEval(d, 12, adaptive)
    th0 = np.array([0.3, 0.1, -0.05, math.log(0.1), math.log(0.2)])
    if adaptive:  # nodes adapted at th0: prior- or data-dominated scaling
        ev.adapt(th0, force=None if force is None else np.arange(G) % 2 == 0)
    th = th0 + np.array([0.01, -0.02, 0.01, 0.05, -0.1])
    ll, g, H = ev(th, True)
    h = 1e-6
    E = np.eye(5) * h
    g_num = np.array([(ev(th + e, False)[0] - ev(th - e, False)[0]) / (2 * h) for e in E])
    H_num = np.array([(ev(th + e, False)[1] - ev(th - e, False)[1]) / (2 * h) for e in E])
    assert_allclose(g, g_num, rtol=1e-6, atol=1e-6 * np.abs(g).max())
    assert_allclose(H, H_num, rtol=1e-6, atol=1e-6 * np.abs(H).max())


def test_re_with_no_region_effect_approaches_pooled():
    y, X, reg, per = simulate(100, 5, [0.2, -0.1], const=0.3, sigma_u=0.0, sigma_e=0.2, seed=8)
    p = pooled_tobit(y, X, reg)
    r = random_effects_tobit(y, X, reg)
    assert r.converged
    assert r.rho < 0.05
    assert r.loglik >= p.loglik - 1e-7
    assert r.loglik - p.loglik < 2.0
    assert np.all(np.abs(r.coef - p.coef) < 0.2 * p.se)
    assert r.lr_pvalue > 0.05


def test_re_without_censoring_equals_gaussian_random_effects_ml():
    # nothing censored: the integrand is Gaussian in u, so adaptive quadrature
    # is exact and the RE Tobit is the ML random-effects linear model, whose
    # region likelihood is y_i ~ N(X_i b, sigma_e^2 I + sigma_u^2 11')
    y, X, reg, per = simulate(40, 5, [0.03, -0.02], const=0.5, sigma_u=0.05, sigma_e=0.04, seed=3)
    assert 0 < y.min() and y.max() < 1
    Z = np.column_stack([np.ones(len(y)), X])
    T = 5

    def mvn_ll(th):
        b, se2, su2 = th[:3], math.exp(2 * th[3]), math.exp(2 * th[4])
        cov = se2 * np.eye(T) + su2 * np.ones((T, T))
        r = (y - Z @ b).reshape(-1, T)
        return stats.multivariate_normal(np.zeros(T), cov).logpdf(r).sum()

    res = random_effects_tobit(y, X, reg)
    assert "no observation is censored: Tobit equals OLS" in res.notes
    assert res.loglik == pytest.approx(mvn_ll(res.params), abs=1e-9)
    ref = optimize.minimize(lambda th: -mvn_ll(th), np.r_[0.4, 0, 0, -3.0, -3.0], method="BFGS",
                            options={"gtol": 1e-9})
    ref = optimize.minimize(lambda th: -mvn_ll(th), ref.x, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxfev": 20000})
    assert_allclose(res.params, ref.x, atol=1e-5)


# ---------------------------------------------------------------------------
# fixed effects


def test_fe_equals_pooled_with_dummy_columns():
    rng = np.random.default_rng(9)
    G, T = 8, 6
    reg = np.repeat(np.arange(G), T)
    X = rng.normal(size=(G * T, 2))
    alpha = rng.normal(0.45, 0.35, G)
    y = np.clip(alpha[reg] + X @ [0.2, -0.15] + rng.normal(0, 0.15, G * T), 0, 1)
    assert (y <= 0).sum() > 5 and (y >= 1).sum() > 5
    D = (reg[:, None] == np.arange(G)).astype(float)
    names_d = [f"d{g}" for g in range(G)]
    for vcov in ("oim", "robust", "cluster"):
        fe = fixed_effects_tobit(y, X, reg, vcov=vcov)
        dense = pooled_tobit(y, np.column_stack([X, D]), reg, constant=False,
                             names=["x1", "x2"] + names_d, vcov=vcov)
        assert fe.converged and dense.converged
        assert fe.names == ("x1", "x2")
        assert_allclose(fe.coef, dense.coef[:2], atol=1e-6)
        assert_allclose(fe.alpha, dense.coef[2:], atol=1e-6)
        assert fe.sigma == pytest.approx(dense.sigma, abs=1e-6)
        assert fe.loglik == pytest.approx(dense.loglik, abs=1e-8)
        assert_allclose(fe.se, dense.se[:2], rtol=1e-6)
        assert fe.sigma_se == pytest.approx(dense.sigma_se, rel=1e-6)
        if vcov == "oim":
            assert_allclose(fe.alpha_se, dense.se[2:], rtol=1e-6)
    assert fe.dropped_regions == () and fe.n_regions == G


def test_fe_without_censoring_equals_lsdv_ols():
    y, X, reg, per = simulate(25, 4, [0.03, -0.02], const=0.5, sigma_u=0.1, sigma_e=0.04, seed=6)
    assert 0 < y.min() and y.max() < 1
    D = (reg[:, None] == np.arange(25)).astype(float)
    coef, *_ = np.linalg.lstsq(np.column_stack([X, D]), y, rcond=None)
    ssr = float(np.sum((y - np.column_stack([X, D]) @ coef) ** 2))
    fe = fixed_effects_tobit(y, X, reg)
    assert_allclose(fe.coef, coef[:2], atol=1e-9)
    assert_allclose(fe.alpha, coef[2:], atol=1e-9)
    assert fe.sigma == pytest.approx(math.sqrt(ssr / len(y)), rel=1e-8)
    assert "no observation is censored: Tobit equals OLS" in fe.notes
    assert any("incidental parameters" in s for s in fe.notes)  # T = 4


def test_fe_drops_regions_censored_on_one_side():
    y, X, reg, per = simulate(30, 6, [0.2, -0.1], const=0.4, sigma_u=0.2, sigma_e=0.15, seed=9)
    y = y.copy()
    y[reg == 4] = 0.0   # all left-censored: alpha -> -inf
    y[reg == 17] = 1.0  # all right-censored
    mixed = reg == 22   # only censored values but on both sides: finite alpha
    y[mixed] = np.where(np.arange(mixed.sum()) % 2, 0.0, 1.0)
    r = fixed_effects_tobit(y, X, reg, periods=per)
    assert r.dropped_regions == (4, 17)
    assert any("4, 17" in s and "dropped" in s for s in r.notes)
    assert 22 in r.alpha_regions.tolist() and r.n_regions == 28
    keep = ~np.isin(reg, [4, 17])
    r2 = fixed_effects_tobit(y[keep], X[keep], reg[keep])
    assert_allclose(r.coef, r2.coef, rtol=1e-10)
    assert r.n_obs == keep.sum()


def test_fe_recovers_slopes():
    rng = np.random.default_rng(12)
    G, T = 150, 15
    reg = np.repeat(np.arange(G), T)
    alpha = rng.normal(0.35, 0.25, G)
    X = rng.normal(size=(G * T, 2)) + 0.5 * alpha[reg][:, None]  # correlated with the effects
    y = np.clip(alpha[reg] + X @ [0.15, -0.1] + rng.normal(0, 0.2, G * T), 0, 1)
    fe = fixed_effects_tobit(y, X, reg)
    assert fe.converged
    assert np.all(np.abs(fe.coef - [0.15, -0.1]) < 4 * fe.se)
    # Greene (2004): sigma biased downwards ~ sqrt((T-1)/T); still near 0.2
    assert 0.17 < fe.sigma < 0.21


def test_fe_rejects_regressors_without_within_variation():
    y, X, reg, per = simulate(20, 5, [0.2, -0.1], seed=2)
    region_level = np.random.default_rng(0).normal(size=20)[reg]
    with pytest.raises(InputDataError, match=r"'pop'.*do not vary within any region"):
        fixed_effects_tobit(y, np.column_stack([X, region_level]), reg, names=["a", "b", "pop"])
    with pytest.raises(InputDataError, match="region intercepts instead of a constant"):
        tobit(y, X, reg, model="fe", constant=True)


# ---------------------------------------------------------------------------
# Hausman


def test_hausman_fe_re(re_panel):
    y, X, reg, per, _ = re_panel
    fe = fixed_effects_tobit(y, X, reg)
    re_fit = random_effects_tobit(y, X, reg)
    h = hausman_fe_re(fe, re_fit)
    assert h.names == ("x1", "x2")
    d = fe.coef - re_fit.coef[1:]
    Vd = fe.vcov - re_fit.vcov[1:, 1:]
    assert_allclose(h.diff, d)
    if h.positive_definite:
        assert h.statistic == pytest.approx(d @ np.linalg.solve(Vd, d), rel=1e-8)
        assert h.df == 2
        assert h.pvalue == pytest.approx(stats.chi2.sf(h.statistic, 2))
    # a fabricated non-PD difference: pseudo-inverse, rank as df, and a note
    v_re = re_fit.vcov.copy()
    v_re[1:, 1:] = fe.vcov + np.diag([-1e-4, 1e-4])  # V_fe - V_re = diag(1e-4, -1e-4)
    fake = dataclasses.replace(re_fit, vcov=v_re)
    h2 = hausman_fe_re(fe, fake)
    assert not h2.positive_definite and h2.df == 2  # df = rank, as Stata's hausman
    assert any("not positive definite" in s for s in h2.notes)
    # pinv(diag(1e-4, -1e-4)) = diag(1e4, -1e4)
    stat = (d[0] ** 2 - d[1] ** 2) / 1e-4
    assert h2.statistic == pytest.approx(stat, rel=1e-8)
    if stat >= 0:
        assert h2.pvalue == pytest.approx(stats.chi2.sf(stat, 2))
    else:
        assert math.isnan(h2.pvalue) and any("negative" in s for s in h2.notes)


# ---------------------------------------------------------------------------
# subgroups and tables


def test_by_group_skips_small_groups_and_matches_direct_fits():
    y, X, reg, per = simulate(90, 5, [0.2, -0.1], const=0.3, sigma_e=0.2, seed=14)
    zone = {g: ("east" if g < 40 else "west" if g < 89 else "tiny") for g in range(90)}
    out = tobit_by_group(y, X, reg, zone, names=["gdp", "open"], periods=per,
                         order=["west", "east"], vcov="cluster")
    assert out.labels == ("All", "west", "east", "tiny")
    assert list(out.results) == ["All", "west", "east"]
    assert "tiny" in out.skipped and "uncensored" in out.skipped["tiny"]
    for label, sel in (("All", np.ones(len(y), bool)), ("east", reg < 40),
                       ("west", (reg >= 40) & (reg < 89))):
        direct = pooled_tobit(y[sel], X[sel], reg[sel], names=["gdp", "open"], vcov="cluster")
        assert_allclose(out.results[label].coef, direct.coef, rtol=1e-10)
        assert_allclose(out.results[label].se, direct.se, rtol=1e-8)
    table = publication_table(out)
    assert list(table.columns) == ["variable", "All", "west", "east"]
    assert table["variable"].tolist()[:6] == ["const", "", "gdp", "", "open", ""]
    r = out.results["east"]
    assert table.loc[2, "east"] == f"{r.coef[1]:.3f}{r.stars[1]}"
    assert table.loc[3, "east"] == f"({r.se[1]:.3f})"
    stats_rows = dict(zip(table["variable"], table["west"]))
    assert stats_rows["N"] == str(out.results["west"].n_obs)
    assert stats_rows["Regions"] == "49"
    assert "sigma_u" not in stats_rows
    t2 = publication_table(out, brackets="[]", digits=2)
    assert t2.loc[3, "east"] == f"[{r.se[1]:.2f}]"
    # tidy / glance
    td = tidy(out)
    assert len(td) == 9 and set(td["group"]) == {"All", "west", "east"}
    gl = glance(out)
    assert gl["n_obs"].tolist() == [out.results[k].n_obs for k in ("All", "west", "east")]
    # per-row labels work the same; inconsistent labels within a region are refused
    rows = np.array([zone[g] for g in reg], dtype=object)
    out2 = tobit_by_group(y, X, reg, rows, names=["gdp", "open"])
    assert_allclose(out2.results["east"].coef, out.results["east"].coef)
    rows[3] = "west"
    with pytest.raises(InputDataError, match="Region.*0.*more than one group"):
        tobit_by_group(y, X, reg, rows)


def test_by_group_random_effects_and_failures_reported():
    y, X, reg, per = simulate(60, 5, [0.2, -0.1], const=0.3, sigma_u=0.15, seed=15)
    X = X.copy()
    X[reg >= 30, 1] = 2 * X[reg >= 30, 0]  # collinear within the 'b' group only
    out = tobit_by_group(y, X, reg, {g: "a" if g < 30 else "b" for g in range(60)},
                         model="re", include_all=False)
    assert list(out.results) == ["a"] and out.results["a"].model == "random_effects"
    assert "collinear" in out.skipped["b"] and "'x2'" in out.skipped["b"]
    table = publication_table(out.results)
    assert "rho" in table["variable"].tolist()
    # non-convergence is never silent
    r = pooled_tobit(y, X[:, :1], reg, tol=0.0, maxiter=3)
    assert not r.converged and r.message and np.isfinite(r.loglik)
    assert any(s.startswith("NOT CONVERGED") for s in r.notes)
    with pytest.raises(InputDataError, match="No sample could be estimated.*did not converge"):
        tobit_by_group(y, X[:, :1], reg, {g: "a" for g in range(60)}, tol=0.0)


# ---------------------------------------------------------------------------
# bad input


def test_collinearity_error_names_columns(small_pooled):
    y, X, reg, _ = small_pooled
    X3 = np.column_stack([X, X[:, 0] + 2 * X[:, 1]])
    with pytest.raises(InputDataError, match="collinear") as exc:
        pooled_tobit(y, X3, reg)
    found = re.search(r"'(x\d)' is \(almost\) a linear combination of '(x\d)', '(x\d)'\.",
                      str(exc.value))
    named = found.groups()
    assert sorted(named) == ["x1", "x2", "x3"]
    with pytest.raises(InputDataError, match=r"'size' have the same value in every.*constant term"):
        pooled_tobit(y, np.column_stack([X, np.full(len(y), 5.0)]), reg, names=["a", "b", "size"])
    with pytest.raises(InputDataError, match="zero in every row"):
        pooled_tobit(y, np.column_stack([X, np.zeros(len(y))]), reg)


def test_bad_input_messages(small_pooled):
    y, X, reg, per = small_pooled
    Xn = X.copy()
    Xn[12, 1] = np.nan
    with pytest.raises(InputDataError, match=r"'x2' at region 2 period 2003"):
        pooled_tobit(y, Xn, reg, periods=per)
    yn = y.copy()
    yn[5] = np.nan
    with pytest.raises(InputDataError, match=r"dependent variable .*region 1 period 2001"):
        random_effects_tobit(yn, X, reg, periods=per)
    with pytest.raises(InputDataError, match="lower censoring limit"):
        pooled_tobit(y, X, reg, lower=1.0, upper=1.0)
    with pytest.raises(InputDataError, match="same value"):
        pooled_tobit(np.full(len(y), 0.4), X, reg)
    with pytest.raises(InputDataError, match="same value.*after censoring"):
        pooled_tobit(np.full(len(y), -3.0), X, reg)
    with pytest.raises(InputDataError, match="'oim', 'robust', 'cluster'"):
        pooled_tobit(y, X, reg, vcov="hc3")
    with pytest.raises(InputDataError, match="'adaptive', 'ghermite'"):
        random_effects_tobit(y, X, reg, quadrature="laplace")
    with pytest.raises(InputDataError, match="Unknown Tobit model"):
        tobit(y, X, reg, model="probit")
    with pytest.raises(InputDataError, match="'clusters'.*do not apply to the random_effects"):
        tobit(y, X, reg, model="re", clusters=reg)
    assert tobit(y, X, reg, model="FE").model == "fixed_effects"
    with pytest.raises(InputDataError, match="uncensored"):
        pooled_tobit(np.r_[np.zeros(len(y) - 3), 0.5, 0.6, 0.7], X, reg)
    dup = per.copy()
    dup[1] = dup[0]
    with pytest.raises(InputDataError, match="more than once.*region 0 period 2001"):
        pooled_tobit(y, X, reg, periods=dup)


def test_progress_and_cancel(small_pooled):
    y, X, reg, _ = small_pooled
    seen = []
    pooled_tobit(y, X, reg, progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    assert all(a <= b for a, b in zip(seen, seen[1:]))
    with pytest.raises(Canceled):
        random_effects_tobit(y, X, reg, is_canceled=lambda: True)
    with pytest.raises(Canceled):
        fixed_effects_tobit(y, X, reg, is_canceled=lambda: True)


# ---------------------------------------------------------------------------
# predictions, Hausman by group, tables of a grouped result (added with the
# subpackage split; the tests above are unchanged)


def _censored_mean_by_quadrature(m, s, lo, hi):
    """E[min(max(Y, lo), hi)], Y ~ N(m, s^2), by numerical integration."""
    inside = integrate.quad(lambda v: v * stats.norm.pdf(v, m, s), lo, hi, epsabs=1e-13)[0]
    return lo * stats.norm.cdf(lo, m, s) + hi * stats.norm.sf(hi, m, s) + inside


def test_predict_index_and_censored_mean(small_pooled, re_panel):
    from regional_resilience.core.tobit import censored_mean, tobit_predict

    y, X, reg, per = small_pooled
    r = pooled_tobit(y, X, reg)
    Z = np.column_stack([np.ones(len(y)), X])
    assert_allclose(tobit_predict(r, X, kind="index"), Z @ r.coef, rtol=1e-13)
    e = tobit_predict(r, X)
    for i in (0, 7, 33):
        assert e[i] == pytest.approx(_censored_mean_by_quadrature(Z[i] @ r.coef, r.sigma, 0.0, 1.0), abs=1e-10)
    assert float(censored_mean(0.2, 0.3)) == pytest.approx(0.2)  # no limits: the mean
    # logged regressors are logged again from the raw values given
    Xe = np.column_stack([X[:, 0], np.exp(X[:, 1])])
    rl = pooled_tobit(y, Xe, reg, log=[1])
    assert rl.logged == (1,)
    assert_allclose(tobit_predict(rl, Xe, kind="index"), tobit_predict(r, X, kind="index"), rtol=1e-9)
    Xbad = Xe.copy()
    Xbad[3, 1] = -1.0
    assert np.isnan(tobit_predict(rl, Xbad)[3]) and np.isfinite(tobit_predict(rl, Xbad)[4])
    # RE: marginal over u, sd sqrt(sigma_u^2 + sigma_e^2)
    y2, X2, reg2, _, _ = re_panel
    re_fit = random_effects_tobit(y2, X2, reg2)
    m = re_fit.coef[0] + X2[5] @ re_fit.coef[1:]
    s = math.hypot(re_fit.sigma, re_fit.sigma_u)
    assert tobit_predict(re_fit, X2[5:6])[0] == pytest.approx(_censored_mean_by_quadrature(m, s, 0, 1), abs=1e-10)
    # FE: each region's intercept; a dropped region gives NaN
    y3 = y2.copy()
    y3[reg2 == 3] = 0.0
    fe = fixed_effects_tobit(y3, X2, reg2)
    assert 3 in fe.dropped_regions
    idx = tobit_predict(fe, X2, reg2, kind="index")
    alpha = dict(zip(fe.alpha_regions.tolist(), fe.alpha))
    ok = reg2 != 3
    assert_allclose(idx[ok], X2[ok] @ fe.coef + np.array([alpha[g] for g in reg2[ok]]), rtol=1e-12)
    assert np.isnan(idx[~ok]).all()
    with pytest.raises(InputDataError, match="needs the region"):
        tobit_predict(fe, X2)
    with pytest.raises(InputDataError, match="2 regressor"):
        tobit_predict(r, X[:, :1])


def test_by_group_hausman_equals_direct_fits_and_reports_failures():
    from regional_resilience.core.tobit import predict_by_sample, summary_rows, tobit_table

    y, X, reg, per = simulate(60, 6, [0.2, -0.1], const=0.3, sigma_u=0.15, seed=21)
    zone = {g: "a" if g < 30 else "b" if g < 59 else "tiny" for g in range(60)}
    X = X.copy()
    rows_b = (reg >= 30) & (reg < 59)
    X[rows_b, 1] = np.repeat(np.random.default_rng(1).normal(size=29), 6)  # region-level in 'b'
    y = y.copy()
    y[np.flatnonzero(reg == 59)[:3]] = 0.0  # 'tiny': 3 uncensored of 6, 3 coefficients need 5
    out = tobit_by_group(y, X, reg, zone, model="pooled", vcov="cluster", hausman=True, periods=per,
                         n_nodes=10)
    assert out.all_label == "All" and list(out.results) == ["All", "a", "b"]
    assert "tiny" in out.skipped
    for label, sel in (("All", np.ones(len(y), bool)), ("a", reg < 30)):
        direct = pooled_tobit(y[sel], X[sel], reg[sel], vcov="cluster")
        assert_allclose(out.results[label].se, direct.se, rtol=1e-10)  # the main fit keeps its SEs
        h = hausman_fe_re(fixed_effects_tobit(y[sel], X[sel], reg[sel]),
                          random_effects_tobit(y[sel], X[sel], reg[sel], n_nodes=10))
        assert out.hausman[label].statistic == pytest.approx(h.statistic, rel=1e-8)
        assert out.hausman[label].df == h.df
    assert "b" not in out.hausman and "do not vary within any region" in out.hausman_skipped["b"]
    # the table: Hausman rows for the samples that have the test
    t = tobit_table(out, kind_column="statistic")
    assert t.models == ("All", "a", "b")
    stat = {r[0]: r for r in t.rows if r[1] == ""}
    assert stat["Hausman FE vs RE (chi2)"][2:] == (f"{out.hausman['All'].statistic:.3f}",
                                                   f"{out.hausman['a'].statistic:.3f}", "")
    summary = {r["group"]: r for r in summary_rows(out)}
    assert summary["tiny"]["status"] == "skipped" and summary["tiny"]["n_obs"] is None
    assert summary["b"]["hausman_note"].startswith("the fixed-effects fit failed")
    assert summary["a"]["hausman_df"] == 2 and summary["a"]["n_obs"] == 180
    # RE main fit with OIM is reused for the test
    re_out = tobit_by_group(y, X, reg, zone, model="re", include_all=False, hausman=True)
    assert re_out.all_label is None
    sel = reg < 30
    assert re_out.hausman["a"].statistic == pytest.approx(
        hausman_fe_re(fixed_effects_tobit(y[sel], X[sel], reg[sel]), re_out.results["a"]).statistic, rel=1e-10)
    # predictions: the whole-sample fit when there is one, else the row's group (NaN when skipped)
    labels = np.array([zone[g] for g in reg], dtype=object)
    values, source = predict_by_sample(out, X, reg, labels)
    assert set(source) == {"All"}
    values2, source2 = predict_by_sample(re_out, X, reg, labels)
    assert_allclose(values2[sel], tobit_pkg.tobit_predict(re_out.results["a"], X[sel]))
    assert np.isnan(values2[reg == 59]).all() and source2[reg == 59][0] is None
    # no groups: the whole sample only; one sample failing gives its own message
    alone = tobit_by_group(y, X, reg)
    assert alone.labels == ("All",) and alone.all_label == "All"
    with pytest.raises(InputDataError, match=r"^The regressors are collinear"):
        tobit_by_group(y, np.column_stack([X, 2 * X[:, 0]]), reg)
