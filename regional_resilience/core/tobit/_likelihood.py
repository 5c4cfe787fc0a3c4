"""Per-observation two-limit Tobit log-likelihood terms with their
derivatives, the vectorised per-region Newton used by the random- and
fixed-effects models, and the maximiser (scipy, then Newton polishing).

Private to :mod:`regional_resilience.core.tobit`.
"""
import math
import warnings

import numpy as np
from scipy import linalg, optimize, special

from ._common import _LOG2PI


class _Terms:
    __slots__ = ("ll", "gm", "gs", "hmm", "hms", "hss")


def _obs_terms(m, s, d, hess=True, index_only=False, ll_only=False):
    """Per-observation log-likelihood and derivatives w.r.t. the index ``m``
    and ``s = log sigma``. ``m`` has shape (N,) or (N, Q) (quadrature nodes).

    Left (c = (L - m)/sigma) and right (c = (m - U)/sigma) terms are
    ``log Phi(c)``; with ``lam = phi(c)/Phi(c)``, ``k = lam (c + lam)``:
    ``d/dm = -+lam/sigma``, ``d/ds = -lam c``, ``d2/dm2 = -k/sigma^2``,
    ``d2/dm ds = +-(lam - k c)/sigma``, ``d2/ds2 = c (lam - k c)``.
    Uncensored (z = (y - m)/sigma): ``-log(2 pi)/2 - s - z^2/2``;
    ``d/dm = z/sigma``, ``d/ds = z^2 - 1``, ``d2/dm2 = -1/sigma^2``,
    ``d2/dm ds = -2 z/sigma``, ``d2/ds2 = -2 z^2``.
    """
    inv = math.exp(-s)
    two = m.ndim == 2
    t = _Terms()
    t.ll = np.empty_like(m)
    if ll_only:
        if d.iu.size:
            yy = d.yu[:, None] if two else d.yu
            z = (yy - m[d.iu]) * inv
            t.ll[d.iu] = (-0.5 * _LOG2PI - s) - 0.5 * z * z
        for idx, sign, limit in ((d.il, -1.0, d.L), (d.ir, 1.0, d.U)):
            if idx.size:
                t.ll[idx] = special.log_ndtr((m[idx] - limit) * (sign * inv))
        return t
    t.gm = np.empty_like(m)
    full = not index_only
    if full:
        t.gs = np.empty_like(m)
    if hess:
        t.hmm = np.empty_like(m)
        if full:
            t.hms = np.empty_like(m)
            t.hss = np.empty_like(m)
    if d.iu.size:
        iu = d.iu
        yy = d.yu[:, None] if two else d.yu
        z = (yy - m[iu]) * inv
        z2 = z * z
        t.ll[iu] = (-0.5 * _LOG2PI - s) - 0.5 * z2
        t.gm[iu] = z * inv
        if full:
            t.gs[iu] = z2 - 1.0
        if hess:
            t.hmm[iu] = -inv * inv
            if full:
                t.hms[iu] = -2.0 * inv * z
                t.hss[iu] = -2.0 * z2
    for idx, sign, limit in ((d.il, -1.0, d.L), (d.ir, 1.0, d.U)):
        if not idx.size:
            continue
        c = (m[idx] - limit) * (sign * inv)
        lp = special.log_ndtr(c)
        lam = np.exp((-0.5 * _LOG2PI) - 0.5 * c * c - lp)
        t.ll[idx] = lp
        t.gm[idx] = (sign * inv) * lam
        if full:
            t.gs[idx] = -lam * c
        if hess:
            k = np.clip(lam * (c + lam), 0.0, 1.0)
            t.hmm[idx] = -(inv * inv) * k
            if full:
                a = lam - k * c
                t.hms[idx] = (-sign * inv) * a
                t.hss[idx] = c * a
    return t


def _region_newton(d, xb, s, u0, prec, hook=None, tol=1e-11, maxit=100):
    """Maximise ``f_g(u) = sum_t ll(xb_gt + u, s) - prec u^2 / 2`` for every
    region ``g`` at once (each is concave in ``u``). Returns ``u`` and
    ``f_g''(u)`` (negative)."""
    u = np.array(u0, dtype=float, copy=True)

    def ev(uu):
        t = _obs_terms(xb + uu[d.gid], s, d, hess=True, index_only=True)
        f = d.gsum(t.ll) - 0.5 * prec * uu * uu
        g1 = d.gsum(t.gm) - prec * uu
        h1 = d.gsum(t.hmm) - prec
        return f, g1, h1

    f, g1, h1 = ev(u)
    for _ in range(maxit):
        if hook is not None:
            hook.tick()
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(h1 < 0, -g1 / h1, 0.0)
        if np.all(np.abs(step) <= tol * (1.0 + np.abs(u))):
            break
        unew = u + step
        fn, gn, hn = ev(unew)
        # backtrack only where a sizeable step lowered f (a concave f and a
        # small Newton step cannot overshoot beyond rounding)
        small = np.abs(step) <= 1e-6 * (1.0 + np.abs(u))
        bad = ~((fn >= f) | small)
        halvings = 0
        while bad.any() and halvings < 40:
            step = np.where(bad, 0.5 * step, step)
            unew = u + step
            fn, gn, hn = ev(unew)
            bad &= ~(fn >= f)
            halvings += 1
        if bad.any():
            unew = np.where(bad, u, unew)
            fn, gn, hn = ev(unew)
        u, f, g1, h1 = unew, fn, gn, hn
    return u, h1


# ---------------------------------------------------------------------------
# optimiser


class _Fit:
    __slots__ = ("theta", "ll", "g", "H", "converged", "iterations", "message")


def _decrement(g, H):
    """Newton direction and decrement g' (-H)^-1 g; (None, inf) if -H is not PD."""
    try:
        cf = linalg.cho_factor(-H)
    except (linalg.LinAlgError, ValueError):
        return None, math.inf
    step = linalg.cho_solve(cf, g)
    return step, float(g @ step)


def _maximize(evaluate, theta0, method, maxiter, tol, hook, scale):
    """Maximise a log-likelihood with scipy, then Newton-polish and check."""
    cache = {"x": None}

    def get(x, hess):
        if cache["x"] is not None and np.array_equal(cache["x"], x) and (
            not hess or cache["H"] is not None
        ):
            return cache
        hook.tick()
        ll, g, H = evaluate(x, hess)
        cache.update(x=np.array(x, copy=True), ll=ll, g=g, H=H)
        return cache

    def fun(x):
        ll = get(x, False)["ll"]
        return -ll / scale if np.isfinite(ll) else np.inf

    def jac(x):
        g = get(x, False)["g"]
        return -g / scale if np.all(np.isfinite(g)) else np.zeros_like(g)

    def hess(x):
        H = get(x, True)["H"]
        return -H / scale

    theta0 = np.asarray(theta0, dtype=float)
    opts = {"maxiter": int(maxiter)}
    if method in ("trust-exact", "trust-ncg"):
        opts["gtol"] = 1e-10
    elif method == "newton-cg":
        opts["xtol"] = 1e-10
    else:
        opts["gtol"] = 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            res = optimize.minimize(
                fun,
                theta0,
                jac=jac,
                hess=None if method == "bfgs" else hess,
                method=method,
                options=opts,
            )
    theta = np.asarray(res.x, dtype=float)
    if not np.isfinite(fun(theta)) or fun(theta) > fun(theta0):
        theta = theta0
    iterations = int(getattr(res, "nit", 0) or 0)
    message = str(res.message)
    converged = False
    for _ in range(20):
        c = get(theta, True)
        ll, g, H = c["ll"], c["g"], c["H"]
        if not (np.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            message = "the log-likelihood or its derivatives are not finite at the last estimates"
            break
        step, dec = _decrement(g, H)
        if step is None:
            message = "the Hessian is not negative definite at the last estimates"
            break
        if dec <= tol:
            converged = True
            break
        t, moved = 1.0, False
        while t > 1e-10:
            cand = theta + t * step
            lln = get(cand, False)["ll"]
            if np.isfinite(lln) and lln >= ll - 1e-12 * abs(ll):
                theta, moved = cand, True
                break
            t *= 0.5
        iterations += 1
        if not moved:
            message = "no step along the Newton direction increases the log-likelihood"
            break
    else:
        message = f"Newton decrement still above {tol:g} after polishing"
    c = get(theta, True)
    out = _Fit()
    out.theta, out.ll, out.g, out.H = theta, c["ll"], c["g"], c["H"]
    out.converged, out.iterations = converged, iterations
    out.message = "converged" if converged else message
    return out
