"""Mediation analysis on a balanced panel with fixed effects (stepwise,
Baron and Kenny 1986; product of coefficients, MacKinnon et al. 2002).

For a driver ``x``, mediators ``m_1..m_J``, controls ``C`` and outcome ``y``
(all within-transformed with the same fixed effects, :func:`~.within.demean`)
three within OLS regressions (:func:`~.within.fe_ols`; FE OLS, not spatial
models, as is usual for this step)::

    total:     y   = c x + C g + e                 (total effect c)
    mediator:  m_j = a_j x + C d_j + u_j           (path a_j, one per mediator)
    outcome:   y   = c' x + sum_j b_j m_j + C h + v  (direct effect c', paths b_j)

* indirect effect of mediator ``j``: ``a_j b_j``; total indirect ``sum_j
  a_j b_j``. On the same sample OLS gives exactly ``c = c' + sum_j a_j b_j``.
* Sobel (1982) first-order test: ``z_j = a_j b_j / sqrt(b_j^2 se(a_j)^2 +
  a_j^2 se(b_j)^2)``, two-sided normal p-value (standard errors of
  ``vcov``: cluster-robust by region by default).
* Bootstrap: ``draws`` samples of regions drawn with replacement (a region
  is a cluster: all its periods go together; a region drawn twice counts as
  two regions with their own fixed effects), ``numpy.random.default_rng(seed)``.
  Every regression of every draw is computed from the region-level cross
  products of the region-demeaned variables (for time / two-way effects the
  period means of the draw are subtracted from those sums), which gives the
  same numbers as rebuilding each resampled panel. Percentile intervals of
  ``a_j b_j`` and of the total indirect effect at level ``ci``; the
  bootstrap standard error is the standard deviation of the draws. Draws
  whose regressors are collinear are dropped (counted in ``notes``).

References
----------
Baron, R. M. and Kenny, D. A. (1986). The moderator-mediator variable
distinction in social psychological research. *Journal of Personality and
Social Psychology*, 51(6), 1173-1182.

Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects
in structural equation models. *Sociological Methodology*, 13, 290-312.

MacKinnon, D. P., Lockwood, C. M., Hoffman, J. M., West, S. G. and Sheets,
V. (2002). A comparison of methods to test mediation and other intervening
variable effects. *Psychological Methods*, 7(1), 83-104.

Preacher, K. J. and Hayes, A. F. (2008). Asymptotic and resampling
strategies for assessing and comparing indirect effects in multiple
mediator models. *Behavior Research Methods*, 40(3), 879-891.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import mediation
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(120, 10))
>>> m = 0.5 * x + rng.normal(size=(120, 10))
>>> y = 0.3 * x + 0.8 * m + rng.normal(size=(120, 10))
>>> res = mediation(y, x, m, draws=200, seed=1)
>>> bool(abs(res.indirect[0] - res.a[0] * res.b[0]) < 1e-12)
True
>>> bool(abs(res.total - (res.direct + res.indirect_total)) < 1e-10)
True
>>> bool(res.boot_ci_low[0] < res.indirect[0] < res.boot_ci_high[0])
True
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputDataError, check_choice, check_labels
from ._base import Hook, check_fe, normal_p, positive_int, warn
from .within import VCOV_TYPES, WithinOLSResult, _ols_fit, check_design, demean, prepare_panel

__all__ = ["MediationResult", "mediation"]


@dataclass(frozen=True)
class MediationResult:
    """Stepwise mediation (:func:`mediation`).

    Attributes
    ----------
    driver : str
    mediators : tuple of str
    controls : tuple of str
    y_name : str
    fe : str
    total, total_se, total_p : float
        ``c`` of the total regression.
    direct, direct_se, direct_p : float
        ``c'`` of the outcome regression.
    a, a_se, a_p : (J,) ndarray
        Driver coefficients in the mediator regressions.
    b, b_se, b_p : (J,) ndarray
        Mediator coefficients in the outcome regression.
    indirect : (J,) ndarray
        ``a * b``.
    indirect_total : float
    sobel_z, sobel_p : (J,) ndarray
    boot_se, boot_ci_low, boot_ci_high : (J,) ndarray
        Bootstrap standard error and percentile interval of ``a_j b_j``.
    indirect_total_se, indirect_total_ci_low, indirect_total_ci_high : float
    proportion_mediated : float
        ``indirect_total / total``.
    draws, draws_used, seed : int
    ci : float
    vcov_type : str
    n_obs, n_regions, n_periods : int
    regressions : dict
        ``"total"``, ``"mediator: <name>"`` and ``"outcome"`` ->
        :class:`~.within.WithinOLSResult`.
    notes : tuple of str
    samples : (draws_used, J + 1) ndarray
        Bootstrap ``a_j b_j`` and their sum.
    """

    driver: str
    mediators: tuple
    controls: tuple
    y_name: str
    fe: str
    total: float
    total_se: float
    total_p: float
    direct: float
    direct_se: float
    direct_p: float
    a: np.ndarray
    a_se: np.ndarray
    a_p: np.ndarray
    b: np.ndarray
    b_se: np.ndarray
    b_p: np.ndarray
    indirect: np.ndarray
    indirect_total: float
    sobel_z: np.ndarray
    sobel_p: np.ndarray
    boot_se: np.ndarray
    boot_ci_low: np.ndarray
    boot_ci_high: np.ndarray
    indirect_total_se: float
    indirect_total_ci_low: float
    indirect_total_ci_high: float
    proportion_mediated: float
    draws: int
    draws_used: int
    seed: int
    ci: float
    vcov_type: str
    n_obs: int
    n_regions: int
    n_periods: int
    regressions: dict = field(repr=False, compare=False, default_factory=dict)
    notes: tuple = ()
    samples: np.ndarray = field(default=None, repr=False, compare=False)


def _as3(a, n, t, what):
    if a is None:
        return np.zeros((n, t, 0))
    a = np.asarray(a, dtype=float)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[:2] != (n, t):
        raise InputDataError(f"The {what} must be (n, t) or (n, t, k) arrays with n = {n}, t = {t}; got shape {a.shape}.")
    return a


def bootstrap_indices(n, draws, seed):
    """The regions drawn (with replacement) by every bootstrap draw, shape
    ``(draws, n)``, from ``numpy.random.default_rng(seed)``.

    >>> bootstrap_indices(4, 2, 0).shape
    (2, 4)
    """
    return np.random.default_rng(seed).integers(0, n, size=(draws, n))


def _cross_products(V, fe, counts):
    """(B, q, q) cross products of the within-transformed variables of the
    resampled panels given region ``counts`` (B, n)."""
    n, t, q = V.shape
    Zb = V - V.mean(axis=1, keepdims=True) if fe in ("region", "twoway") else V
    S = np.einsum("itq,itr->iqr", Zb, Zb)
    C = np.tensordot(counts, S, axes=(1, 0))
    G = counts.sum(axis=1)
    if fe in ("time", "twoway"):
        zbar = (counts @ Zb.reshape(n, t * q)).reshape(-1, t, q) / G[:, None, None]
        C -= G[:, None, None] * np.einsum("btq,btr->bqr", zbar, zbar)
    elif fe == "pooled":
        vbar = (counts @ Zb.reshape(n, t * q)).reshape(-1, t, q).sum(axis=1) / (G[:, None] * t)
        C -= (G * t)[:, None, None] * np.einsum("bq,br->bqr", vbar, vbar)
    return C


def _batched_coef(C, rows, target):
    A = C[:, rows][:, :, rows]
    rhs = C[:, rows, target]
    out = np.full(rhs.shape, np.nan)
    try:
        out = np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        for i in range(len(A)):
            try:
                out[i] = np.linalg.solve(A[i], rhs[i])
            except np.linalg.LinAlgError:
                pass
    # near-singular draws: flag through the condition number
    cond = np.linalg.cond(A)
    out[~(cond < 1e12)] = np.nan
    return out


def mediation(y, driver, mediators, controls=None, *, fe="twoway", y_name="y", driver_name="x",
              mediator_names=None, control_names=None, ids=None, periods=None, vcov="cluster", draws=1000,
              seed=0, ci=0.95, progress=None, is_canceled=None):
    """Stepwise FE mediation with bootstrap intervals and Sobel tests.

    Parameters
    ----------
    y : array_like, shape (n, t)
        Outcome.
    driver : array_like, shape (n, t)
        The driver (treatment) ``x``.
    mediators : array_like, shape (n, t) or (n, t, J)
        One or more mediators.
    controls : array_like, shape (n, t) or (n, t, C), optional
    fe : {"twoway", "region", "time", "pooled"}, default "twoway"
    y_name, driver_name : str
    mediator_names, control_names : sequence of str, optional
        Default ``m1..mJ`` and ``c1..cC``.
    ids, periods : sequence, optional
    vcov : {"cluster", "classical"}, default "cluster"
        Standard errors of the regressions (and so of the Sobel tests).
    draws : int, default 1000
        Bootstrap draws (0: no bootstrap).
    seed : int, default 0
    ci : float, default 0.95
    progress, is_canceled : callable, optional

    Returns
    -------
    MediationResult

    Raises
    ------
    InputDataError
        Unbalanced or missing data (naming region-periods), constant or
        collinear variables after the fixed effects, bad options.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=(30, 4)); m = x + rng.normal(size=(30, 4)); y = m + rng.normal(size=(30, 4))
    >>> r = mediation(y, x, m, fe="region", draws=20)
    >>> r.mediators, r.draws_used, r.samples.shape
    (('m1',), 20, (20, 2))
    """
    fe = check_fe(fe)
    vcov = check_choice(vcov, VCOV_TYPES, "standard-error type")
    draws = positive_int(draws, "The number of bootstrap draws", minimum=0)
    if not 0 < ci < 1:
        raise InputDataError(f"ci must be between 0 and 1; got {ci!r}.")
    hook = Hook(progress, is_canceled, what="Mediation analysis")
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputDataError(f"{y_name} must be a regions x periods array (n, t); got shape {y.shape}.")
    n, t = y.shape
    D = _as3(driver, n, t, "driver")
    if D.shape[2] != 1:
        raise InputDataError("Give one driver (an (n, t) array).")
    M = _as3(mediators, n, t, "mediators")
    Cc = _as3(controls, n, t, "controls")
    J, K = M.shape[2], Cc.shape[2]
    if J == 0:
        raise InputDataError("Give at least one mediator.")
    mnames = check_labels(mediator_names, J, "mediator names", "mediators") or [f"m{j + 1}" for j in range(J)]
    cnames = check_labels(control_names, K, "control names", "controls") or [f"c{j + 1}" for j in range(K)]
    names = [str(driver_name)] + list(mnames) + list(cnames)
    data = prepare_panel(y, np.concatenate([D, M, Cc], axis=2), names=names, y_name=y_name, ids=ids,
                         periods=periods, min_periods=2 if fe in ("region", "twoway") else 1)
    notes = list(data.notes)
    V = np.concatenate([data.X, data.y[:, :, None]], axis=2)  # d, m.., c.., y
    Vq = demean(V, fe)
    N = n * t
    iy = V.shape[2] - 1
    idx_m = list(range(1, 1 + J))
    idx_c = list(range(1 + J, 1 + J + K))
    specs = [("total", iy, [0] + idx_c)]
    specs += [(f"mediator: {mnames[j]}", 1 + j, [0] + idx_c) for j in range(J)]
    specs += [("outcome", iy, [0] + idx_m + idx_c)]
    regs = {}
    for label, target, rows in specs:
        rn = [names[r] for r in rows]
        tname = y_name if target == iy else names[target]
        check_design(Vq[:, :, rows].reshape(N, -1), V[:, :, rows].reshape(N, -1), rn, fe,
                     Vq[:, :, target].ravel(), V[:, :, target].ravel(), tname)
        coef, se, tt, pv, VV, df, s2, ll, r2, e = _ols_fit(Vq[:, :, target], Vq[:, :, rows], fe, vcov, rn, n, t)
        regs[label] = WithinOLSResult(tuple(rn), coef, se, tt, pv, VV, vcov, int(df), float(s2), float(ll),
                                      float(r2), fe, N, n, t, e, Vq[:, :, target] - e, tname, data.ids,
                                      data.periods, data.notes)
    hook.at(0.1)
    tot, out = regs["total"], regs["outcome"]
    a = np.array([regs[f"mediator: {mnames[j]}"].coef[0] for j in range(J)])
    a_se = np.array([regs[f"mediator: {mnames[j]}"].se[0] for j in range(J)])
    a_p = np.array([regs[f"mediator: {mnames[j]}"].p[0] for j in range(J)])
    b, b_se, b_p = out.coef[1 : 1 + J], out.se[1 : 1 + J], out.p[1 : 1 + J]
    ind = a * b
    with np.errstate(divide="ignore", invalid="ignore"):
        sobel_z = ind / np.sqrt(b ** 2 * a_se ** 2 + a ** 2 * b_se ** 2)
    # bootstrap
    boot_se = np.full(J, np.nan)
    lo_ci = np.full(J, np.nan)
    hi_ci = np.full(J, np.nan)
    tot_se = tot_lo = tot_hi = math.nan
    samples = np.zeros((0, J + 1))
    if draws:
        idx = bootstrap_indices(n, draws, seed)
        chunk = 250
        parts = []
        for s in range(0, draws, chunk):
            ii = idx[s : s + chunk]
            B = len(ii)
            counts = np.zeros((B, n))
            np.add.at(counts, (np.repeat(np.arange(B), n), ii.ravel()), 1.0)
            C = _cross_products(V, fe, counts)
            ab = np.empty((B, J))
            bb = _batched_coef(C, [0] + idx_m + idx_c, iy)[:, 1 : 1 + J]
            for j in range(J):
                ab[:, j] = _batched_coef(C, [0] + idx_c, 1 + j)[:, 0] * bb[:, j]
            parts.append(ab)
            hook.at(0.1 + 0.9 * min(s + chunk, draws) / draws)
        ab = np.vstack(parts)
        good = np.all(np.isfinite(ab), axis=1)
        if not good.all():
            warn(notes, f"{int((~good).sum())} of {draws} bootstrap draws had collinear regressors and were dropped.")
        ab = ab[good]
        samples = np.column_stack([ab, ab.sum(axis=1)])
        if len(samples) >= 2:
            al = 1.0 - ci
            qs = np.quantile(samples, [al / 2.0, 1.0 - al / 2.0], axis=0)
            sd = samples.std(axis=0, ddof=1)
            boot_se, tot_se = sd[:J], float(sd[J])
            lo_ci, tot_lo = qs[0, :J], float(qs[0, J])
            hi_ci, tot_hi = qs[1, :J], float(qs[1, J])
    hook.at(1.0)
    ind_tot = float(ind.sum())
    return MediationResult(
        driver=names[0], mediators=tuple(mnames), controls=tuple(cnames), y_name=data.y_name, fe=fe,
        total=float(tot.coef[0]), total_se=float(tot.se[0]), total_p=float(tot.p[0]),
        direct=float(out.coef[0]), direct_se=float(out.se[0]), direct_p=float(out.p[0]),
        a=a, a_se=a_se, a_p=a_p, b=b.copy(), b_se=b_se.copy(), b_p=b_p.copy(), indirect=ind,
        indirect_total=ind_tot, sobel_z=sobel_z, sobel_p=normal_p(sobel_z), boot_se=boot_se,
        boot_ci_low=np.asarray(lo_ci), boot_ci_high=np.asarray(hi_ci), indirect_total_se=tot_se,
        indirect_total_ci_low=tot_lo, indirect_total_ci_high=tot_hi,
        proportion_mediated=ind_tot / float(tot.coef[0]) if tot.coef[0] != 0 else math.nan,
        draws=draws, draws_used=len(samples), seed=int(seed), ci=float(ci), vcov_type=vcov, n_obs=N,
        n_regions=n, n_periods=t, regressions=regs, notes=tuple(notes), samples=samples,
    )
