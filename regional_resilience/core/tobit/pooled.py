"""Pooled two-limit Tobit (Tobin 1958; Amemiya 1984, eq. 2.6)."""
import math

import numpy as np

from ..errors import InputDataError
from ._common import _Data, _Hook, _censor_notes, _check_rank, _check_uncensored, _common_setup
from ._likelihood import _maximize, _obs_terms
from .inference import _fill_result, _inv_neg_hessian, _score_vcov


def _pooled_eval(d):
    X = d.X

    def evaluate(theta, hess=True):
        b, s = theta[:-1], theta[-1]
        t = _obs_terms(X @ b, s, d, hess)
        ll = float(t.ll.sum())
        g = np.r_[X.T @ t.gm, t.gs.sum()]
        H = None
        if hess:
            K = d.K
            H = np.empty((K + 1, K + 1))
            H[:K, :K] = X.T @ (X * t.hmm[:, None])
            H[:K, K] = H[K, :K] = X.T @ t.hms
            H[K, K] = t.hss.sum()
        evaluate.last = t
        return ll, g, H

    return evaluate


def _ols_start(X, y):
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ b
    sd = math.sqrt(float(r @ r) / len(y))
    if not sd > 0:
        sd = 1e-3 * (float(np.std(y)) + 1e-12)
    return b, math.log(sd)


def _fit_pooled(d, vcov, clusters, method, maxiter, tol, hook, notes):
    b0, s0 = _ols_start(d.X, d.y)
    ev = _pooled_eval(d)
    fit = _maximize(ev, np.r_[b0, s0], method, maxiter, tol, hook, d.N)
    Hinv = _inv_neg_hessian(fit.H, notes)
    if vcov == "oim":
        return fit, Hinv
    ev(fit.theta, False)
    t = ev.last
    S = np.column_stack([d.X * t.gm[:, None], t.gs])
    V = _score_vcov(Hinv, S, vcov, d.gid if clusters is None else clusters, notes)
    return fit, V


def pooled_tobit(
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
    vcov="oim",
    clusters=None,
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Pooled two-limit Tobit by maximum likelihood.

    Parameters
    ----------
    y : array_like, shape (N,)
        Dependent variable (long format: one row per region-period).
    X : array_like or DataFrame, shape (N, K)
        Regressors (without constant).
    regions : array_like, shape (N,)
        Region id of every row (for clustering and messages).
    lower, upper : float or None, default 0 and 1
        Censoring limits; None = not censored on that side. ``y <= lower``
        is left-censored, ``y >= upper`` right-censored.
    names : sequence of str, optional
        Regressor names (default the DataFrame columns or ``x1..xK``).
    periods : array_like, shape (N,), optional
        Period labels, for messages (and a duplicate region-period check).
    constant : bool, default True
        Add a constant named ``const``.
    log : str, int or sequence, optional
        Regressors (names or column indices) to log-transform.
    vcov : {"oim", "robust", "cluster"}, default "oim"
    clusters : array_like, shape (N,), optional
        Cluster ids for ``vcov="cluster"`` (default: ``regions``).
    method : {"trust-exact", "trust-ncg", "newton-cg", "bfgs"}
        ``scipy.optimize.minimize`` method.
    maxiter : int, default 200
    tol : float, default 1e-9
        Convergence: Newton decrement ``g' (-H)^-1 g`` below ``tol``.
    progress, is_canceled : callable, optional
        ``progress(fraction)``; ``is_canceled()`` -> True raises
        :class:`~.errors.Canceled`.

    Returns
    -------
    TobitResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=400)
    >>> y = np.maximum(0.5 * x + rng.normal(size=400), 0)
    >>> r = pooled_tobit(y, x, np.arange(400) // 4, upper=None)
    >>> r.n_left + r.n_uncensored == 400, bool(abs(r.coef[1] - 0.5) < 4 * r.se[1])
    (True, True)
    """
    hook = _Hook(progress, is_canceled)
    yc, Xa, names, lo, hi, reg, per, notes, logged, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
    )
    if clusters is not None:
        cl = np.asarray(clusters)
        if cl.shape != (len(yc),):
            raise InputDataError(f"The cluster ids must be one value per row ({len(yc)}).")
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    _check_rank(d.X, d.names)
    _check_uncensored(d, d.K + 2)
    _censor_notes(d, notes)
    if clusters is not None:
        clusters = np.asarray(clusters)[d.order]
    fit, V = _fit_pooled(d, vcov, clusters, method, maxiter, tol, hook, notes)
    res = _fill_result("pooled", d, fit, V, vcov, d.names + ("log_sigma",), notes, logged=logged)
    hook.done()
    return res
