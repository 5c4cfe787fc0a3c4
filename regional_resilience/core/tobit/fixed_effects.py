"""Unconditional fixed-effects Tobit (region intercepts concentrated out;
Greene 2004 on the incidental parameters bias)."""
import math

import numpy as np

from ..errors import InputDataError
from ..panel import format_list
from ._common import _Data, _Hook, _censor_notes, _check_rank, _check_uncensored, _common_setup
from ._likelihood import _maximize, _obs_terms, _region_newton
from .inference import _fill_result, _inv_neg_hessian, _score_vcov


class _FEEval:
    """Profile log-likelihood of (b, log sigma) with the alphas concentrated out."""

    def __init__(self, d, alpha0, hook):
        self.d, self.alpha, self.hook = d, alpha0, hook

    def __call__(self, theta, hess=True):
        d = self.d
        K, X = d.K, d.X
        b, s = theta[:K], theta[K]
        xb = X @ b
        alpha, _ = _region_newton(d, xb, s, self.alpha, 0.0)
        if np.all(np.isfinite(alpha)):
            self.alpha = alpha
        t = _obs_terms(xb + alpha[d.gid], s, d, True)
        self.last = t
        ll = float(t.ll.sum())
        g = np.r_[X.T @ t.gm, t.gs.sum()]
        Htt = np.empty((K + 1, K + 1))
        Htt[:K, :K] = X.T @ (X * t.hmm[:, None])
        Htt[:K, K] = Htt[K, :K] = X.T @ t.hms
        Htt[K, K] = t.hss.sum()
        a = d.gsum(t.hmm)
        C = np.empty((d.G, K + 1))
        for k in range(K):
            C[:, k] = d.gsum(t.hmm * X[:, k])
        C[:, K] = d.gsum(t.hms)
        self.a, self.C = a, C
        H = Htt - C.T @ (C / a[:, None])
        return ll, g, H


def fixed_effects_tobit(
    y,
    X,
    regions,
    *,
    lower=0.0,
    upper=1.0,
    names=None,
    periods=None,
    log=None,
    vcov="oim",
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Unconditional fixed-effects Tobit (one intercept per region).

    Parameters are those of :func:`pooled_tobit` (no constant is added: the
    region intercepts replace it).

    Returns
    -------
    TobitResult
        Slopes in ``coef``; region intercepts in ``alpha`` (ids in
        ``alpha_regions``, OIM SEs in ``alpha_se``); regions dropped because
        all their observations are censored on one side in
        ``dropped_regions``. See the module notes on the incidental
        parameters bias (Greene 2004).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> g = np.repeat(np.arange(40), 10)
    >>> x = rng.normal(size=400)
    >>> y = np.clip(rng.normal(0.4, 0.2, 40)[g] + 0.2 * x + rng.normal(0, 0.1, 400), 0, 1)
    >>> r = fixed_effects_tobit(y, x, g)
    >>> r.names, r.alpha.shape, bool(abs(r.coef[0] - 0.2) < 4 * r.se[0])
    (('x1',), (40,), True)
    """
    hook = _Hook(progress, is_canceled)
    yc, Xa, names, lo, hi, reg, per, notes, logged, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, False, log, vcov, method, maxiter, tol
    )
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    nl = np.bincount(d.gid[d.il], minlength=d.G)
    nr = np.bincount(d.gid[d.ir], minlength=d.G)
    nu = np.bincount(d.gid[d.iu], minlength=d.G)
    drop = (nu == 0) & ((nl == 0) | (nr == 0))
    dropped = tuple(d.codes[drop].tolist())
    if drop.any():
        keep_regions = d.codes[~drop]
        if keep_regions.size == 0:
            raise InputDataError(
                "Every region has all its observations censored on one side; the fixed-effects "
                "Tobit has nothing to estimate."
            )
        keep = np.isin(reg, keep_regions)
        notes.append(
            f"{int(drop.sum())} region(s) dropped because all their observations are censored on "
            f"the same side (no finite fixed effect): {format_list(dropped)}; "
            f"{int((~keep).sum())} observation(s) removed."
        )
        d = _Data(yc[keep], Xa[keep], names, lo, hi, reg[keep], None if per is None else per[keep])
    K = d.K
    if K == 0:
        raise InputDataError("The fixed-effects model needs at least one regressor.")
    Xw = d.X - (d.gsum(d.X) / d.counts[:, None])[d.gid]
    small = np.abs(Xw).max(axis=0) <= 1e-12 * np.maximum(1.0, np.abs(d.X).max(axis=0))
    Xw[:, small] = 0.0
    _check_rank(Xw, d.names, within=True)
    _check_uncensored(d, K + 2)
    if d.N - d.G < K + 1:
        raise InputDataError(
            f"{d.N} observations in {d.G} regions leave too few for {K} slope(s) and sigma in the "
            "fixed-effects model; use the pooled or random-effects model or more periods."
        )
    _censor_notes(d, notes)
    Tbar = d.N / d.G
    if Tbar < 10:
        notes.append(
            f"fixed-effects Tobit with on average {Tbar:.1f} periods per region: incidental "
            "parameters bias (sigma biased downwards; Greene 2004)"
        )
    # start: within OLS on the censored y
    yw = d.y - (d.gsum(d.y) / d.counts)[d.gid]
    b0 = np.linalg.lstsq(Xw, yw, rcond=None)[0]
    r = yw - Xw @ b0
    sd = math.sqrt(float(r @ r) / max(d.N - d.G, 1))
    s0 = math.log(sd if sd > 0 else 1e-3 * (float(np.std(d.y)) + 1e-12))
    alpha0 = d.gsum(d.y - d.X @ b0) / d.counts
    ev = _FEEval(d, alpha0, hook)
    fit = _maximize(ev, np.r_[b0, s0], method, maxiter, tol, hook, d.N)
    ev(fit.theta, True)
    Hinv = _inv_neg_hessian(fit.H, notes)
    t, a, C = ev.last, ev.a, ev.C
    V = Hinv
    if vcov != "oim":
        # scores of (b, log sigma) partialled out of the alphas
        S = np.column_stack([d.X * t.gm[:, None], t.gs])
        S -= (C / a[:, None])[d.gid] * t.gm[:, None]
        V = _score_vcov(Hinv, S, vcov, d.gid, notes)
    Ca = C / a[:, None]
    with np.errstate(invalid="ignore"):
        alpha_var = -1.0 / a + np.einsum("gi,ij,gj->g", Ca, Hinv, Ca)
        alpha_se = np.sqrt(np.where(alpha_var >= 0, alpha_var, np.nan))
    res = _fill_result(
        "fixed_effects",
        d,
        fit,
        V,
        vcov,
        d.names + ("log_sigma",),
        notes,
        logged=logged,
        alpha=ev.alpha.copy(),
        alpha_se=alpha_se,
        alpha_regions=d.codes.copy(),
        dropped_regions=dropped,
    )
    hook.done()
    return res
