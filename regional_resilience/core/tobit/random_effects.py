"""Random-effects panel Tobit by (adaptive) Gauss-Hermite quadrature
(Liu and Pierce 1994), with the chibar2(01) LR test of sigma_u = 0
(Gutierrez, Carter and Drukker 2001) and a quadrature check."""
import math

import numpy as np
from scipy import stats

from ..errors import InputDataError, check_choice
from ._common import (
    QUADRATURES,
    _Data,
    _Hook,
    _censor_notes,
    _check_rank,
    _check_uncensored,
    _common_setup,
)
from ._likelihood import _decrement, _maximize, _obs_terms, _region_newton
from .inference import _fill_result, _inv_neg_hessian, _sandwich
from .pooled import _fit_pooled


def gauss_hermite_normal(n_nodes=12):
    """Gauss-Hermite nodes and weights for a standard normal expectation.

    ``sum_q w[q] * g(z[q])`` approximates ``E g(Z)``, ``Z ~ N(0, 1)``,
    exactly for polynomials ``g`` of degree ``<= 2 n - 1``. Obtained from the
    physicists' rule (``exp(-v^2)`` weight) by ``z = sqrt(2) v`` and
    ``w = w_H / sqrt(pi)``.

    Parameters
    ----------
    n_nodes : int, default 12

    Returns
    -------
    z, w : ndarray, shape (n_nodes,)

    Examples
    --------
    >>> z, w = gauss_hermite_normal(3)
    >>> round(float(w.sum()), 12), round(float(w @ z**2), 12), round(float(w @ z**4), 12)
    (1.0, 1.0, 3.0)
    """
    try:
        n = int(n_nodes)
    except (TypeError, ValueError):
        n = 0
    if n < 1 or n != n_nodes or n > 200:
        raise InputDataError(
            f"The number of quadrature nodes must be a whole number from 1 to 200; got {n_nodes!r}."
        )
    v, wh = np.polynomial.hermite.hermgauss(n)
    return v * math.sqrt(2.0), wh / math.sqrt(math.pi)


class _REEval:
    """RE log-likelihood by (adaptive) Gauss-Hermite quadrature.

    ``l_i = log sum_q exp(c_iq + sum_t ll(x~_it b + w_iq, s_e))``: node
    offsets ``w_iq`` and log-weights ``c_iq`` per region and node.

    * Ordinary quadrature: ``w_iq = sigma_u z_q``, ``c_iq = log w_q``,
      ``x~ = x``.
    * Adaptive, frozen between two adaptations (at ``theta0``, where the
      mode ``m_i`` and scale ``tau_i`` of the integrand are found and
      ``u0_iq = m_i + tau_i z_q``) in one of two ways per region:

      - prior-dominated regions (``tau_i^2 >= sigma_u0^2 / 2``): nodes fixed
        in the standardised scale, ``w_iq = sigma_u v_iq`` with
        ``v = u0 / sigma_u0`` and ``c_iq = log w_q + log(tau_i / sigma_u0) +
        z_q^2/2 - v_iq^2/2`` (they follow ``sigma_u`` down to 0);
      - data-dominated regions: nodes fixed on the region's location
        ``a_iq = u0_iq + xbar_i b0`` with ``xbar_i`` the precision-weighted
        mean of the region's regressors, ``x~_it = x_it - xbar_i``,
        ``w_iq = a_iq`` and ``c_iq = log w_q + log tau_i + z_q^2/2 - log
        sigma_u - r_iq^2 / (2 sigma_u^2)``, ``r_iq = a_iq - xbar_i b`` (they
        stay on the integrand when ``b`` moves).

      Both are exact changes of variable of the same integral, so between
      adaptations the approximation is a smooth function of ``theta`` with
      exact analytic derivatives.
    """

    def __init__(self, d, n_nodes, adaptive):
        self.d = d
        self.z, w = gauss_hermite_normal(n_nodes)
        self.logw = np.log(w)
        self.adaptive = adaptive
        self.mu = np.zeros(d.G)
        self.Xt = d.X
        self.A = np.zeros((d.G, 1))
        self.xbarA = np.zeros((d.G, d.K))
        self.base = self.z[None, :]
        self.c0 = self.logw[None, :]
        self.region_scores = None

    def adapt(self, theta, hook=None, force=None):
        d = self.d
        K, X = d.K, d.X
        b, se_, su = theta[:K], theta[K], theta[K + 1]
        sig_u = math.exp(su)
        xb = X @ b
        mu, h1 = _region_newton(d, xb, se_, self.mu, 1.0 / sig_u**2, hook)
        self.mu = mu
        tau = 1.0 / np.sqrt(-h1)
        t = _obs_terms(xb + mu[d.gid], se_, d, hess=True, index_only=True)
        wts = -t.hmm
        sw = d.gsum(wts)
        xbar = d.gsum(X * wts[:, None])
        ok = sw > 1e-300
        xbar[ok] /= sw[ok, None]
        xbar[~ok] = d.gsum(X)[~ok] / d.counts[~ok, None]
        A = tau * tau < 0.5 * sig_u * sig_u
        if force is not None:
            A = np.broadcast_to(np.asarray(force, dtype=bool), A.shape).copy()
        Af = A[:, None].astype(float)
        u0 = mu[:, None] + tau[:, None] * self.z[None, :]
        v = u0 / sig_u
        half_z2 = 0.5 * self.z[None, :] ** 2
        self.base = np.where(A[:, None], u0 + (xbar @ b)[:, None], v)
        self.c0 = np.where(
            A[:, None],
            self.logw + np.log(tau)[:, None] + half_z2,
            self.logw + np.log(tau / sig_u)[:, None] + half_z2 - 0.5 * v * v,
        )
        self.A = Af
        self.xbarA = xbar * Af
        self.Xt = X - self.xbarA[d.gid]

    def __call__(self, theta, hess=True):
        d = self.d
        K, Xt = d.K, self.Xt
        b, se_, su = theta[:K], theta[K], theta[K + 1]
        sig_u, e2 = math.exp(su), math.exp(-2.0 * su)
        Af = self.A
        S_ = 1.0 - Af
        D = S_ * (sig_u * self.base)  # d w / d log sigma_u (0 in data-dominated regions)
        w = D + Af * self.base
        r = self.base - (self.xbarA @ b)[:, None]  # implied u in data-dominated regions
        Ar = Af * r
        c = self.c0 + Af * (-su) - 0.5 * e2 * Ar * r
        c1 = Af * (-1.0) + e2 * Ar * r  # d c / d log sigma_u
        cb = e2 * Ar  # d c / d b = cb * xbar_i
        wobs = w[d.gid] if w.shape[0] > 1 else w
        m = (Xt @ b)[:, None] + wobs
        t = _obs_terms(m, se_, d, hess)
        L = c + d.gsum(t.ll)
        Lmax = L.max(axis=1)
        p = np.exp(L - Lmax[:, None])
        Ssum = p.sum(axis=1)
        p /= Ssum[:, None]
        ll = float((Lmax + np.log(Ssum)).sum())
        P = p[d.gid]
        Pgm = P * t.gm
        Gm = d.gsum(t.gm)
        pD = p * D
        g = np.empty(K + 2)
        g[:K] = Xt.T @ Pgm.sum(axis=1) + self.xbarA.T @ (p * cb).sum(axis=1)
        g[K] = float((P * t.gs).sum())
        g[K + 1] = float((pD * Gm).sum() + (p * c1).sum())
        if not hess:
            return ll, g, None
        Pn = K + 2
        H = np.empty((Pn, Pn))
        Phmm = P * t.hmm
        Dobs = D[d.gid] if D.shape[0] > 1 else D
        H[:K, :K] = Xt.T @ (Xt * Phmm.sum(axis=1)[:, None]) - e2 * (self.xbarA.T @ self.xbarA)
        H[:K, K] = Xt.T @ (P * t.hms).sum(axis=1)
        H[K, K] = float((P * t.hss).sum())
        H[:K, K + 1] = Xt.T @ (Phmm * Dobs).sum(axis=1) - 2.0 * e2 * (
            self.xbarA.T @ (p * Ar).sum(axis=1)
        )
        H[K, K + 1] = float((pD * d.gsum(t.hms)).sum())
        H[K + 1, K + 1] = float(
            (pD * (D * d.gsum(t.hmm) + Gm)).sum() - 2.0 * e2 * (p * Ar * r).sum()
        )
        # outer-product term: sum_i sum_q p_iq (dL_iq - dl_i)(dL_iq - dl_i)'
        G, Q = p.shape
        dL = np.empty((G, Q, Pn))
        for k in range(K):
            dL[:, :, k] = d.gsum(t.gm * Xt[:, k : k + 1]) + cb * self.xbarA[:, k : k + 1]
        dL[:, :, K] = d.gsum(t.gs)
        dL[:, :, K + 1] = D * Gm + c1
        mean = np.einsum("gq,gqp->gp", p, dL)
        dev = ((dL - mean[:, None, :]) * np.sqrt(p)[:, :, None]).reshape(G * Q, Pn)
        H += dev.T @ dev
        H[K + 1, :K] = H[:K, K + 1]
        H[K, :K] = H[:K, K]
        H[K + 1, K] = H[K, K + 1]
        self.region_scores = mean
        return ll, g, H


def random_effects_tobit(
    y,
    X,
    regions,
    *,
    lower=0.0,
    upper=1.0,
    names=None,
    periods=None,
    constant=True,
    log=None,
    n_nodes=12,
    quadrature="adaptive",
    vcov="oim",
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Random-effects panel Tobit (region effect ``u_i ~ N(0, sigma_u^2)``).

    Parameters are those of :func:`pooled_tobit`, plus:

    n_nodes : int, default 12
        Gauss-Hermite nodes (as Stata's ``xttobit``).
    quadrature : {"adaptive", "ghermite"}, default "adaptive"
        Mode-curvature adaptive (Liu and Pierce 1994) or ordinary
        Gauss-Hermite quadrature.
    vcov : {"oim", "robust", "cluster"}
        ``"robust"`` and ``"cluster"`` are both the sandwich with region
        scores (the region is the independent unit), factor ``G/(G-1)``.

    Returns
    -------
    TobitResult
        ``sigma`` is ``sigma_e``; ``sigma_u``, ``rho`` (with delta-method
        SEs), ``lr_stat``/``lr_pvalue`` (``chibar2(01)`` test of
        ``sigma_u = 0``) and ``loglik_pooled`` are filled.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(5)
    >>> g = np.repeat(np.arange(60), 8)
    >>> x = rng.normal(size=480)
    >>> y = np.clip(0.4 + 0.2 * x + rng.normal(0, 0.15, 60)[g] + rng.normal(0, 0.1, 480), 0, 1)
    >>> r = random_effects_tobit(y, x, g)
    >>> r.converged, bool(0.4 < r.rho < 0.9), bool(r.lr_pvalue < 0.01)
    (True, True, True)
    """
    hook = _Hook(progress, is_canceled)
    quadrature = check_choice(quadrature, QUADRATURES, "quadrature rule")
    yc, Xa, names, lo, hi, reg, per, notes, logged, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
    )
    n_nodes_i = len(gauss_hermite_normal(n_nodes)[0])
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    _check_rank(d.X, d.names)
    _check_uncensored(d, d.K + 2)
    _censor_notes(d, notes)
    if d.G < 2:
        raise InputDataError("The random-effects model needs at least 2 regions.")
    K = d.K
    pooled_notes = []
    pfit, _ = _fit_pooled(d, "oim", None, method, maxiter, tol, hook.sub(0.0, 0.2), pooled_notes)
    adaptive = quadrature == "adaptive"
    ev = _REEval(d, n_nodes_i, adaptive)
    b0, s0 = pfit.theta[:K], pfit.theta[K]
    best, best_ll = None, -np.inf
    for rho0 in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85):
        th = np.r_[b0, s0 + 0.5 * math.log(1 - rho0), s0 + 0.5 * math.log(rho0)]
        if adaptive:
            ev.mu = np.zeros(d.G)
            ev.adapt(th, hook)
        ll = ev(th, False)[0]
        if np.isfinite(ll) and ll > best_ll:
            best, best_ll = th, ll
    if best is None:
        best = np.r_[b0, s0 + 0.5 * math.log(0.5), s0 + 0.5 * math.log(0.5)]
    theta = best
    sub = hook.sub(0.2, 0.95)
    total_it = 0
    rounds = 0
    if adaptive:
        ev.mu = np.zeros(d.G)
        fit = None
        for rounds in range(1, 51):
            ev.adapt(theta, sub)
            ll, g, H = ev(theta, True)
            _, dec = _decrement(g, H)
            if fit is not None and dec <= tol:
                fit.ll, fit.g, fit.H, fit.theta = ll, g, H, theta
                fit.converged, fit.message = True, "converged"
                break
            fit = _maximize(ev, theta, method, maxiter, tol, sub, d.N)
            total_it += fit.iterations
            if not fit.converged and not np.all(np.isfinite(fit.theta)):
                break
            theta = fit.theta
        else:
            fit.converged = False
            fit.message = "adaptive quadrature did not settle in 50 rounds"
        fit.iterations = total_it
    else:
        fit = _maximize(ev, theta, method, maxiter, tol, sub, d.N)
    ev(fit.theta, True)  # region scores at the estimates
    Hinv = _inv_neg_hessian(fit.H, notes)
    # quadrature check (in the spirit of Stata's quadchk): the log-likelihood
    # and the Newton step at the estimates with twice the nodes
    n_chk = min(2 * n_nodes_i, 200)
    ev_chk = _REEval(d, n_chk, adaptive)
    ev_chk.mu = ev.mu.copy()
    if adaptive:
        ev_chk.adapt(fit.theta)
    ll_chk, g_chk, _ = ev_chk(fit.theta, False)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.abs(Hinv @ g_chk) / np.sqrt(np.diag(Hinv))
    max_shift = float(np.nanmax(shift)) if np.all(np.isfinite(g_chk)) else math.inf
    quad_check = {"n_nodes": n_chk, "loglik": float(ll_chk), "max_shift_se": max_shift}
    if max_shift > 0.1:
        notes.append(
            f"quadrature check: with {n_chk} nodes the log-likelihood at the estimates is "
            f"{ll_chk:.6g} (vs {fit.ll:.6g}) and the estimates would move by up to "
            f"{max_shift:.2g} standard errors; refit with more nodes (n_nodes)"
            + ("" if adaptive else " or the adaptive quadrature")
            + ". Regions whose observations are all censored on one side are the usual cause."
        )
    hook.tick()
    if vcov == "oim":
        V = Hinv
    else:
        if vcov == "robust":
            notes.append(
                "random effects: robust standard errors are clustered by region (the region is "
                "the independent unit)"
            )
        V = _sandwich(Hinv, ev.region_scores, d.G / (d.G - 1.0))
    su = fit.theta[K + 1]
    sig_u = math.exp(su)
    sig_u_se = sig_u * math.sqrt(V[K + 1, K + 1]) if V[K + 1, K + 1] >= 0 else math.nan
    se_ = fit.theta[K]
    rho = 1.0 / (1.0 + math.exp(2.0 * (se_ - su)))
    grad = np.array([-2.0 * rho * (1 - rho), 2.0 * rho * (1 - rho)])
    vr = float(grad @ V[K : K + 2, K : K + 2] @ grad)
    rho_se = math.sqrt(vr) if vr >= 0 else math.nan
    lr = 2.0 * (fit.ll - pfit.ll)
    if lr < -1e-6 * max(1.0, abs(fit.ll)):
        notes.append(
            "the random-effects log-likelihood is below the pooled one: check convergence or use "
            "more quadrature nodes"
        )
    lr = max(lr, 0.0)
    lr_p = 0.5 * float(stats.chi2.sf(lr, 1)) if lr > 0 else 1.0
    if sig_u < 1e-4 * math.exp(se_):
        notes.append(
            "sigma_u is essentially zero: the random-effects model reduces to the pooled Tobit"
        )
    res = _fill_result(
        "random_effects",
        d,
        fit,
        V,
        vcov,
        d.names + ("log_sigma_e", "log_sigma_u"),
        notes,
        logged=logged,
        sigma_u=sig_u,
        sigma_u_se=sig_u_se,
        rho=rho,
        rho_se=rho_se,
        lr_stat=lr,
        lr_pvalue=lr_p,
        loglik_pooled=float(pfit.ll),
        quadrature=quadrature,
        n_nodes=n_nodes_i,
        meta={"adaptation_rounds": rounds, "quadrature_check": quad_check},
    )
    hook.done()
    return res
