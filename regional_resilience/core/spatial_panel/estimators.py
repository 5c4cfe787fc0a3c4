"""Maximum likelihood spatial panel models with fixed effects: SAR, SEM, SDM.

Models (``i`` region, ``t`` period, ``W`` the ``n x n`` weights, ``mu_i``
region and ``alpha_t`` time effects as chosen by ``fe``)::

    SAR (spatial lag):     y_t = rho W y_t + X_t b + mu + alpha_t 1 + e_t
    SDM (spatial Durbin):  y_t = rho W y_t + X_t b + W X_t theta + mu + alpha_t 1 + e_t
    SEM (spatial error):   y_t = X_t b + mu + alpha_t 1 + u_t,  u_t = lambda W u_t + e_t

with ``e_t ~ N(0, sigma^2 I)``. The SDM lags all regressors or the chosen
ones (``lagged=``); it is estimated as a SAR whose regressors include
``W x`` (named ``W*x``).

Estimation follows Elhorst's "direct approach" (Elhorst 2003; 2014,
Spatial Econometrics, ch. 3, and his ``sar_panel_FE`` / ``sem_panel_FE``):
the fixed effects are removed by the within transformation of ``y``,
``W y`` (computed from the untransformed ``y``), ``X`` and ``W X``
(:func:`~regional_resilience.core.spatial_panel.within.demean`), and the
log-likelihood of the ``N = n T`` transformed observations is::

    ln L = -N/2 ln(2 pi sigma^2) + T ln|I - rho W| - e'e / (2 sigma^2)

Concentrated likelihood (Elhorst 2014, sec. 3.3; Anselin 1988): SAR/SDM --
with ``b0``, ``b1`` the OLS coefficients of ``y~`` and ``(Wy)~`` on
``X~`` and ``e0``, ``e1`` their residuals, ``e(rho) = e0 - rho e1`` and
``ln L_c(rho) = -N/2 ln(e(rho)'e(rho) / N) + T ln|I - rho W|`` (+ constant);
``b = b0 - rho b1``, ``sigma^2 = e'e / N``. SEM -- ``b(lambda)`` is GLS on the
filtered data ``y* = (y - lambda W y)~``, ``X* = (X - lambda W X)~`` and
``ln L_c(lambda) = -N/2 ln(e*'e* / N) + T ln|I - lambda W|``; the filtered
variables are transformed after filtering, which with row-standardised
weights removes the time effects exactly (``(I - lambda W) alpha_t 1 =
(1 - lambda) alpha_t 1``). ``ln L_c`` is maximised over the open interval of
rho (:class:`~regional_resilience.core.spatial_panel.logdet.PreparedWeights`)
by a 23-point grid and bounded Brent search (``scipy.optimize.
minimize_scalar``, ``xatol`` 1e-10) around the best grid point, polished by
Newton steps with central differences and, with eigenvalues, by the root of
the exact score ``d ln L_c / d rho`` (``tr G = sum w_i / (1 - rho w_i)``). The reported
``loglik`` is the full maximised log-likelihood above, constants included.

Asymptotic variance (Elhorst 2014, eq. 3.13 and 3.17; the formulas of
Elhorst's Matlab code and of spreg): the inverse of the information matrix
of ``(b, rho, sigma^2)`` with ``G = W (I - rho W)^-1`` applied per period::

    SAR/SDM:  I_bb = X~'X~/s2,  I_b,rho = X~'G X~ b / s2,
              I_rho,rho = T tr(G G + G'G) + (G X~ b)'(G X~ b) / s2,
              I_rho,s2 = T tr(G) / s2,  I_s2,s2 = N / (2 s2^2)
    SEM:      I_bb = X*'X*/s2,  I_b,lambda = 0,  I_lambda,lambda = T tr(G G + G'G),
              I_lambda,s2 = T tr(G) / s2,  I_s2,s2 = N / (2 s2^2)

(traces exact for ``n <= dense_limit``, Hutchinson estimates above: see
:mod:`~regional_resilience.core.spatial_panel.logdet`). z-values and
two-sided normal p-values. ``fixed_rho=`` fixes rho (then ``b`` and
``sigma^2`` are the ML estimates given rho and their variance is the
inverse of the ``(b, sigma^2)`` block; ``fixed_rho=0`` gives within OLS).

Lee-Yu bias correction (``bias_correction=True``; Lee and Yu 2010, as
implemented in Elhorst's ``sar_panel_FE``/``sem_panel_FE`` with
``info.bc = 1``), applied after ML, with the information matrix then
recomputed at the corrected values:

* ``fe="region"``: ``sigma^2 <- T/(T-1) sigma^2`` (rho and b are unchanged:
  the direct and the transformation approach give the same rho and b);
* ``fe="time"``: ``sigma^2 <- n/(n-1) sigma^2`` (Elhorst's choice);
* ``fe="twoway"``: ``(b, rho, sigma^2) <- (b, rho, sigma^2) + T V a`` with
  ``V`` the asymptotic variance above and ``a = (0, ..., 0, 1/(1 - rho),
  1/(2 sigma^2))`` (Lee and Yu 2010, the ``1/n`` bias of the time effects,
  with row-standardised ``W``), then ``sigma^2 <- T/(T-1) sigma^2``;
* ``fe="pooled"``: nothing.

``loglik``, AIC and BIC stay those of the ML estimates. Default: off (the
estimates of spreg, which has no correction).

Fit statistics: ``AIC = -2 ln L + 2 q`` and ``BIC = -2 ln L + q ln N`` with
``q`` the coefficients plus rho (not sigma^2 nor the fixed effects, as
spreg counts for its lag model); ``pseudo_r2`` is the squared correlation
of ``y~`` and the fitted ``rho (Wy)~ + X~ b`` (SAR/SDM) or ``X~ b`` (SEM), as
spreg's ``pr2``.

Relation to spreg 1.9 (``Panel_FE_Lag``, ``Panel_FE_Error``, ``ML_LagFE``,
``ML_ErrorFE``): those are ``fe="region"`` without bias correction; the
estimates, sigma^2 (``e'e/N``), the variance formulas and pseudo R^2 are
the same. The deprecated ``Panel_FE_Lag``/``Panel_FE_Error`` report a
log-likelihood lower by ``N/2 ln N`` (they use ``e'e`` instead of
``e'e/N`` inside the log); ``ML_LagFE``/``ML_ErrorFE`` report ours. spreg
searches rho in ``(-1, 1)`` (``(-0.99, 0.99)`` for ``ML_LagFE``), we in the
interval of ``W``. spreg's AIC counts no lambda for its error model.

Relation to Elhorst's Matlab code: ``sar_panel_FE`` is followed exactly
(``W y`` from the raw ``y``, then transformed; bias correction as below).
``sem_panel_FE`` filters the *transformed* variables (``W`` applied after
demeaning); with time effects that leaves period means in the filtered
residuals, so here the filtered variables are transformed instead, which
equals ML with explicit period dummies (tested). For region effects the two
are identical (``W`` commutes with time-demeaning). With weights that are
not row-standardised (or with islands) time effects do not pass through
``I - lambda W`` as period constants and the SEM time-effect elimination is
approximate (a note and a warning say so).

Failures are never silent: when rho ends at a bound of its interval or the
optimiser does not converge, :class:`~._base.EstimationError` is raised
with the last log-likelihood (``strict=True``, default), or the result has
``converged=False`` and a :class:`~._base.SpatialPanelWarning` says why
(``strict=False``). Constant or collinear regressors after the
transformation raise :class:`~regional_resilience.core.errors.InputDataError`
naming them. Islands are kept (spatial lag 0) with a warning.

References
----------
Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer.

Elhorst, J. P. (2003). Specification and estimation of spatial panel data
models. *International Regional Science Review*, 26(3), 244-268.

Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to
Spatial Panels*. Springer, ch. 3.

Lee, L.-f. and Yu, J. (2010). Estimation of spatial autoregressive panel
data models with fixed effects. *Journal of Econometrics*, 154(2), 165-185.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import fit_sdm, simulate_panel
>>> sim = simulate_panel(n=80, t=10, model="sdm", rho=0.4, beta=[1.0, -0.5],
...                      theta=[0.5, 0.0], seed=1)
>>> res = fit_sdm(sim.y, sim.X, sim.W, fe="twoway", names=sim.names)
>>> res.names
('x1', 'x2', 'W*x1', 'W*x2')
>>> bool(abs(res.rho - 0.4) < 0.1), res.converged
(True, True)
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, optimize

from ..errors import InputDataError, check_choice
from ._base import (
    FE_TEXT,
    EstimationError,
    Hook,
    absorbed_dof,
    check_fe,
    label_list,
    normal_p,
    warn,
)
from .logdet import PreparedWeights, weights_for
from .within import check_design, demean, prepare_panel

__all__ = [
    "MODELS",
    "SpatialPanelResult",
    "fit_sar",
    "fit_sem",
    "fit_sdm",
    "fit_spatial_panel",
]

MODELS = ("sar", "sem", "sdm")
MODEL_TEXT = {"sar": "spatial lag (SAR)", "sem": "spatial error (SEM)", "sdm": "spatial Durbin (SDM)"}


@dataclass(frozen=True)
class SpatialPanelResult:
    """One fitted spatial panel model.

    Attributes
    ----------
    model : str
        ``"sar"``, ``"sem"`` or ``"sdm"``.
    fe : str
        ``"region"``, ``"time"``, ``"twoway"`` or ``"pooled"``.
    names : tuple of str
        Coefficient names: the regressors, then ``W*x`` for the lagged ones.
    coef, se, z, p : (p,) ndarray
        Coefficients, asymptotic standard errors, z-values, two-sided p.
    vcov : (p, p) ndarray
        Covariance of ``coef``.
    spatial_name : str
        ``"rho"`` (SAR, SDM) or ``"lambda"`` (SEM).
    rho, rho_se, rho_z, rho_p : float
        The spatial parameter (lambda for the SEM) and its inference
        (NaN SE when fixed).
    sigma2, sigma2_se : float
        Error variance (bias-corrected when asked) and its standard error.
    loglik : float
        Maximised log-likelihood (constants included; of the uncorrected
        ML estimates).
    aic, bic, pseudo_r2 : float
    n_obs, n_regions, n_periods : int
    x_names : tuple of str
        The regressors.
    lagged : tuple of str
        Regressors whose spatial lag is in the model (SDM).
    bias_correction : bool
    converged : bool
        False only with ``strict=False`` when rho is at a bound or the
        optimiser failed (a note says which).
    message : str
    bounds : (float, float)
        Interval searched for rho.
    logdet_method : str
    rho_fixed : bool
    params_names : tuple of str
        ``names + (spatial_name, "sigma2")`` (no spatial name when fixed).
    params, params_vcov : ndarray
        All parameters and the inverse information matrix.
    residuals : (n, t) ndarray
        Within residuals ``e`` (filtered ones for the SEM).
    fitted : (n, t) ndarray
        Within fitted values used for ``pseudo_r2``.
    y_name : str
    ids, periods : tuple of str
    notes : tuple of str
    weights : PreparedWeights
        The weights used (for the effects).
    """

    model: str
    fe: str
    names: tuple
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    vcov: np.ndarray
    spatial_name: str
    rho: float
    rho_se: float
    rho_z: float
    rho_p: float
    sigma2: float
    sigma2_se: float
    loglik: float
    aic: float
    bic: float
    pseudo_r2: float
    n_obs: int
    n_regions: int
    n_periods: int
    x_names: tuple
    lagged: tuple
    bias_correction: bool
    converged: bool
    message: str
    bounds: tuple
    logdet_method: str
    rho_fixed: bool
    params_names: tuple
    params: np.ndarray
    params_vcov: np.ndarray
    residuals: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    y_name: str = "y"
    ids: tuple = field(default=(), repr=False)
    periods: tuple = field(default=(), repr=False)
    notes: tuple = ()
    weights: PreparedWeights = field(default=None, repr=False, compare=False)

    @property
    def lam(self):
        """Alias of ``rho`` (the SEM's lambda)."""
        return self.rho

    @property
    def n_params(self):
        """Coefficients plus the spatial parameter (the AIC count)."""
        return len(self.names) + (0 if self.rho_fixed else 1)

    def coefficient(self, name):
        """(coef, se, z, p) of one coefficient or of ``rho``/``lambda``."""
        if name == self.spatial_name:
            return self.rho, self.rho_se, self.rho_z, self.rho_p
        j = self.names.index(name)
        return self.coef[j], self.se[j], self.z[j], self.p[j]


# ---------------------------------------------------------------------------


def _lag_index(lagged, x_names, model):
    if model != "sdm":
        if lagged is not None:
            raise InputDataError(f"lagged= is for the spatial Durbin model only, not the {MODEL_TEXT[model]}.")
        return []
    if lagged is None:
        return list(range(len(x_names)))
    if isinstance(lagged, str):
        lagged = [lagged]
    lagged = [str(x) for x in lagged]
    unknown = [x for x in lagged if x not in x_names]
    if unknown:
        raise InputDataError(
            f"Cannot lag {label_list(unknown)}: not among the regressors {label_list(x_names)}."
        )
    if len(set(lagged)) != len(lagged):
        raise InputDataError(f"A regressor is listed twice in lagged=: {label_list(lagged)}.")
    if not lagged:
        raise InputDataError("lagged= is empty: the SDM needs at least one lagged regressor (else fit a SAR).")
    return [x_names.index(x) for x in lagged]


def _maximize(conc, lo, hi, hook, n_grid=23, score=None):
    """Maximise a scalar concentrated log-likelihood on the open (lo, hi)."""
    eps = 1e-7 * (hi - lo)
    a, b = lo + eps, hi - eps
    grid = np.linspace(a, b, n_grid)
    vals = np.empty(n_grid)
    for i, r in enumerate(grid):
        vals[i] = conc(r)
        hook.at(0.5 * (i + 1) / n_grid)
    vals[~np.isfinite(vals)] = -np.inf
    i = int(np.argmax(vals))
    lo_b, hi_b = grid[max(i - 1, 0)], grid[min(i + 1, n_grid - 1)]
    count = [0]

    def neg(r):
        count[0] += 1
        if count[0] % 5 == 0:
            hook.at(0.5 + 0.5 * min(count[0] / 60.0, 1.0))
        v = conc(r)
        return -v if np.isfinite(v) else np.inf

    res = optimize.minimize_scalar(neg, bounds=(lo_b, hi_b), method="bounded",
                                   options={"xatol": 1e-10, "maxiter": 500})
    r = float(res.x)
    # Newton polish with central differences (Brent's relative tolerance is ~1.5e-8)
    fr = conc(r)
    for _ in range(3):
        h = 1e-5 * max(1.0, abs(r))
        if r - h <= a or r + h >= b:
            break
        fp, fm = conc(r + h), conc(r - h)
        d1 = (fp - fm) / (2 * h)
        d2 = (fp - 2 * fr + fm) / (h * h)
        if not (np.isfinite(d1) and np.isfinite(d2)) or d2 >= 0:
            break
        step = -d1 / d2
        if abs(step) > 10 * h:
            break
        r_new = r + step
        f_new = conc(r_new)
        if not f_new >= fr:
            break
        r, fr = r_new, f_new
        if abs(step) < 1e-13 * max(1.0, abs(r)):
            break
    if score is not None:  # exact score (eigenvalues): root to machine precision
        h = 1e-6 * max(1.0, abs(r))
        lo_r, hi_r = max(r - h, a), min(r + h, b)
        s_lo, s_hi = score(lo_r), score(hi_r)
        if np.isfinite(s_lo) and np.isfinite(s_hi) and s_lo > 0 > s_hi:
            r_root = optimize.brentq(score, lo_r, hi_r, xtol=1e-15, rtol=4 * np.finfo(float).eps)
            if conc(r_root) >= fr - 1e-9:
                r = float(r_root)
    width = b - a
    side = None
    if r - a < 1e-6 * width:
        side = "lower"
    elif b - r < 1e-6 * width:
        side = "upper"
    ok = bool(res.success) and np.isfinite(res.fun)
    return r, ok, side, int(res.nfev) + n_grid, str(getattr(res, "message", ""))


def _information(model, Zf, Xs, beta, rho, s2, pw, n, t, fixed):
    """Information matrix of (beta, [rho], sigma2) (Elhorst 2014)."""
    N = n * t
    p = len(beta)
    res = pw.resolvent(rho)
    Info = np.zeros((p + 2, p + 2))
    if model == "sem":
        Info[:p, :p] = Xs.T @ Xs / s2
        Info[p, p] = t * (res.trG2 + res.trGtG)
    else:
        xb = (Zf @ beta).reshape(n, t)
        Gxb = np.asarray(res.apply_G(xb)).reshape(N)
        Info[:p, :p] = Zf.T @ Zf / s2
        Info[:p, p] = Info[p, :p] = Zf.T @ Gxb / s2
        Info[p, p] = t * (res.trG2 + res.trGtG) + Gxb @ Gxb / s2
    Info[p, p + 1] = Info[p + 1, p] = t * res.trG / s2
    Info[p + 1, p + 1] = N / (2.0 * s2 * s2)
    if fixed:
        keep = [j for j in range(p + 2) if j != p]
        Info = Info[np.ix_(keep, keep)]
    return Info, res.exact


def _invert(Info, notes):
    try:
        ev = linalg.eigvalsh(Info)
        if ev.min() <= 1e-14 * max(ev.max(), 1e-300):
            notes.append("The information matrix is not positive definite: standard errors are not reliable.")
            return linalg.pinvh(Info)
        return linalg.inv(Info)
    except (linalg.LinAlgError, ValueError):
        notes.append("The information matrix could not be inverted: standard errors are NaN.")
        return np.full(Info.shape, np.nan)


def _fit(model, y, X, W, *, fe, names, y_name, ids, periods, lag, lagged, bias_correction,
         fixed_rho, rho_bounds, strict, logdet, dense_limit, seed, progress, is_canceled):
    model = check_choice(model, MODELS, "spatial panel model")
    fe = check_fe(fe)
    hook = Hook(progress, is_canceled, what=f"Spatial panel {model.upper()} estimation")
    hook.at(0.0)
    data = prepare_panel(y, X, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                         min_periods=2 if fe in ("region", "twoway") else 1)
    n, t, k = data.n, data.t, data.k
    if k == 0:
        raise InputDataError(f"The {MODEL_TEXT[model]} needs at least one regressor.")
    pw = weights_for(W, n, data.ids, method=logdet, dense_limit=dense_limit, seed=seed)
    notes = list(data.notes)
    for note in pw.notes:
        warn(notes, note, stacklevel=4)
    if model == "sem" and fe in ("time", "twoway") and (not pw.row_standardized or len(pw.islands)):
        why = "has regions without neighbours" if pw.row_standardized else "is not row-standardised"
        warn(notes, f"The weights matrix {why}: I - lambda W does not turn the time effects into period "
                    "constants, so their removal after filtering is approximate.", stacklevel=4)
    hook.sub(0.0, 0.15).at(1.0)
    lag_idx = _lag_index(lagged, data.names, model)
    Z = data.X
    znames = list(data.names)
    if lag_idx:
        WX = pw.lag(data.X[:, :, lag_idx])
        Z = np.concatenate([data.X, WX], axis=2)
        znames += [f"W*{data.names[j]}" for j in lag_idx]
    p = Z.shape[2]
    N = n * t
    yq = demean(data.y, fe)
    Wy = pw.lag(data.y)
    wyq = demean(Wy, fe)
    Zq = demean(Z, fe)
    check_design(Zq.reshape(N, p), Z.reshape(N, p), znames, fe, yq.ravel(), data.y.ravel(), data.y_name)
    if N - p - absorbed_dof(fe, n, t) - 2 <= 0:
        raise InputDataError(
            f"{N} region-periods are too few for {p} coefficients, rho, sigma^2 and {FE_TEXT[fe]}."
        )
    Zf = Zq.reshape(N, p)
    yf = yq.ravel()
    wyf = wyq.ravel()
    spatial_name = "lambda" if model == "sem" else "rho"

    if rho_bounds is None:
        lo, hi = pw.bounds
    else:
        lo, hi = (float(v) for v in rho_bounds)
        if not (lo < hi) or lo < pw.bounds[0] - 1e-12 or hi > pw.bounds[1] + 1e-12:
            raise InputDataError(
                f"rho_bounds=({lo:g}, {hi:g}) must be an interval inside the interval of the weights "
                f"({pw.bounds[0]:.6g}, {pw.bounds[1]:.6g})."
            )

    # concentrated log-likelihood (without -N/2 (ln 2 pi + 1))
    if model == "sem":
        WZq = demean(pw.lag(Z), fe).reshape(N, p)
        G0, G1, G2 = Zf.T @ Zf, Zf.T @ WZq + WZq.T @ Zf, WZq.T @ WZq
        g0, g1, g2 = Zf.T @ yf, Zf.T @ wyf + WZq.T @ yf, WZq.T @ wyf
        h0, h1, h2 = yf @ yf, 2.0 * (yf @ wyf), wyf @ wyf

        def beta_of(r):
            return linalg.solve(G0 - r * G1 + r * r * G2, g0 - r * g1 + r * r * g2, assume_a="pos")

        def conc(r):
            try:
                bb = beta_of(r)
            except (linalg.LinAlgError, ValueError):
                return -np.inf
            ssr = h0 - r * h1 + r * r * h2 - (g0 - r * g1 + r * r * g2) @ bb
            if not ssr > 0:
                return -np.inf
            return -N / 2.0 * math.log(ssr / N) + t * pw.logdet(r)

        def score(r):
            bb = beta_of(r)
            ee = (yf - r * wyf) - (Zf - r * WZq) @ bb
            return N * (ee @ (wyf - WZq @ bb)) / (ee @ ee) - t * pw.trace_G(r)
    else:
        B, *_ = np.linalg.lstsq(Zf, np.column_stack([yf, wyf]), rcond=None)
        e0 = yf - Zf @ B[:, 0]
        e1 = wyf - Zf @ B[:, 1]
        s00, s01, s11 = e0 @ e0, e0 @ e1, e1 @ e1

        def conc(r):
            ssr = s00 - 2.0 * r * s01 + r * r * s11
            if not ssr > 0:
                return -np.inf
            return -N / 2.0 * math.log(ssr / N) + t * pw.logdet(r)

        def score(r):
            return N * (s01 - r * s11) / (s00 - 2.0 * r * s01 + r * r * s11) - t * pw.trace_G(r)

    opt_hook = hook.sub(0.15, 0.8)
    if fixed_rho is not None:
        rho = float(fixed_rho)
        if not (pw.bounds[0] < rho < pw.bounds[1]):
            raise InputDataError(
                f"fixed_rho={rho:g} is outside the interval of the weights ({pw.bounds[0]:.6g}, {pw.bounds[1]:.6g})."
            )
        ok, side, nfev, msg = True, None, 1, "rho fixed"
    else:
        rho, ok, side, nfev, msg = _maximize(conc, lo, hi, opt_hook,
                                             score=score if pw.method == "eigen" else None)
    opt_hook.at(1.0)
    conc_max = conc(rho)
    loglik = conc_max - N / 2.0 * (math.log(2.0 * math.pi) + 1.0)

    if model == "sem":
        beta = beta_of(rho)
        Xs = Zf - rho * WZq
        ys = yf - rho * wyf
        e = ys - Xs @ beta
    else:
        beta = B[:, 0] - rho * B[:, 1]
        Xs = None
        e = e0 - rho * e1
    s2 = float(e @ e) / N

    converged = True
    if side is not None or not ok:
        if side is not None:
            what = f"{spatial_name} = {rho:.6g} is at the {side} bound of its interval ({lo:.6g}, {hi:.6g})"
        else:
            what = f"the search for {spatial_name} did not converge ({msg}); last {spatial_name} = {rho:.6g}"
        text = (
            f"{MODEL_TEXT[model]} with {FE_TEXT[fe]}: {what}; last log-likelihood {loglik:.6f}. "
        )
        if strict:
            raise EstimationError(
                text + "The estimates are not an interior maximum: check the weights and the model "
                "(or widen rho_bounds); strict=False returns them with a warning.",
                loglik=loglik, parameter=rho, bounds=(lo, hi),
            )
        warn(notes, text + "The estimates are not an interior maximum.", stacklevel=4)
        converged = False

    fixed = fixed_rho is not None
    var_hook = hook.sub(0.8, 1.0)
    Info, exact = _information(model, Zf, Xs, beta, rho, s2, pw, n, t, fixed)
    V = _invert(Info, notes)
    if not exact:
        notes.append(
            f"Traces of W(I - rho W)^-1 in the variance are Hutchinson estimates ({pw.probes} probes, "
            f"seed {pw.seed}): n = {n} > dense_limit = {pw.dense_limit}."
        )
    if bias_correction:
        if fe == "region":
            s2 = s2 * t / (t - 1.0)
            notes.append(f"Lee-Yu bias correction: sigma^2 multiplied by T/(T-1) = {t}/{t - 1}.")
        elif fe == "time":
            s2 = s2 * n / (n - 1.0)
            notes.append(f"Lee-Yu bias correction (Elhorst): sigma^2 multiplied by n/(n-1) = {n}/{n - 1}.")
        elif fe == "twoway":
            a = np.zeros(V.shape[0])
            if not fixed:
                a[p] = 1.0 / (1.0 - rho)
            a[-1] = 1.0 / (2.0 * s2)
            par = np.concatenate([beta, [] if fixed else [rho], [s2]])
            par_bc = par + t * (V @ a)
            beta = par_bc[:p]
            if not fixed:
                rho = float(par_bc[p])
            s2 = float(par_bc[-1]) * t / (t - 1.0)
            notes.append(
                "Lee-Yu bias correction for two-way effects: (b, rho, sigma^2) + T V a with "
                "a = (0, 1/(1-rho), 1/(2 sigma^2)), then sigma^2 multiplied by T/(T-1)."
            )
            if model == "sem":
                Xs = Zf - rho * WZq
        else:
            notes.append("No bias correction applies to the pooled model.")
        if fe != "pooled":
            Info, exact = _information(model, Zf, Xs, beta, rho, s2, pw, n, t, fixed)
            V = _invert(Info, notes)
    var_hook.at(1.0)

    if model == "sem":
        fitted = Zf @ beta
        e = (yf - rho * wyf) - Xs @ beta
    else:
        fitted = rho * wyf + Zf @ beta
        e = yf - fitted
    with np.errstate(invalid="ignore"):
        pr2 = float(np.corrcoef(yf, fitted)[0, 1] ** 2) if np.std(fitted) > 0 else 0.0
    se_all = np.sqrt(np.clip(np.diag(V), 0.0, None))
    se = se_all[:p]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = beta / se
    if fixed:
        rho_se = rho_z = rho_p = math.nan
        params_names = tuple(znames) + ("sigma2",)
        params = np.concatenate([beta, [s2]])
    else:
        rho_se = float(se_all[p])
        rho_z = rho / rho_se if rho_se > 0 else math.nan
        rho_p = float(normal_p(rho_z))
        params_names = tuple(znames) + (spatial_name, "sigma2")
        params = np.concatenate([beta, [rho, s2]])
    q = p + (0 if fixed else 1)
    return SpatialPanelResult(
        model=model, fe=fe, names=tuple(znames), coef=beta, se=se, z=z, p=normal_p(z), vcov=V[:p, :p],
        spatial_name=spatial_name, rho=float(rho), rho_se=rho_se, rho_z=float(rho_z), rho_p=rho_p,
        sigma2=float(s2), sigma2_se=float(se_all[-1]), loglik=float(loglik),
        aic=float(-2.0 * loglik + 2.0 * q), bic=float(-2.0 * loglik + q * math.log(N)), pseudo_r2=pr2,
        n_obs=N, n_regions=n, n_periods=t, x_names=data.names,
        lagged=tuple(data.names[j] for j in lag_idx), bias_correction=bool(bias_correction),
        converged=converged, message=msg, bounds=(lo, hi), logdet_method=pw.method, rho_fixed=fixed,
        params_names=params_names, params=params, params_vcov=V,
        residuals=e.reshape(n, t), fitted=fitted.reshape(n, t), y_name=data.y_name, ids=data.ids,
        periods=data.periods, notes=tuple(notes), weights=pw,
    )


_DOC_PARAMS = """
    Parameters
    ----------
    y : array_like, shape (n, t)
        Dependent variable (regions x periods), balanced.
    X : array_like, shape (n, t, k) or (n, t)
        Regressors (no constant: it is absorbed by the fixed effects).
    W : scipy.sparse matrix, ndarray, core ``Weights`` or PreparedWeights
        ``n x n`` spatial weights in the order of the regions (any
        normalisation; row-standardised is usual).
    fe : {"twoway", "region", "time", "pooled"}, default "twoway"
    names : sequence of str, optional
        Regressor names (default ``x1..xk``).
    y_name : str, default "y"
    ids, periods : sequence, optional
        Region ids and period labels, for messages and tables.
    lag : int, default 0
        Lag the regressors by this many periods (see ``notes``).
    bias_correction : bool, default False
        Apply the Lee-Yu (2010) correction (see the module docstring).
    fixed_rho : float, optional
        Fix the spatial parameter instead of estimating it.
    rho_bounds : (float, float), optional
        Search interval (inside the interval of ``W``).
    strict : bool, default True
        Raise :class:`EstimationError` when rho ends at a bound or the
        search fails; with False, warn and return ``converged=False``.
    logdet : {"auto", "eigen", "lu"}, default "auto"
    dense_limit : int, default 2000
        Largest n for eigenvalues and exact traces.
    seed : int, default 0
        Seed of the Monte-Carlo traces (only used when n > dense_limit).
    progress, is_canceled : callable, optional
        ``progress(fraction)`` and ``is_canceled()`` callbacks.

    Returns
    -------
    SpatialPanelResult

    Raises
    ------
    InputDataError
        Unbalanced or missing data (naming region-periods), constant or
        collinear regressors after removing the fixed effects (naming them),
        too few periods for the lag, weights of the wrong size.
    EstimationError
        rho at a bound of its interval or no convergence (``strict=True``).
"""


def fit_sar(y, X, W, *, fe="twoway", names=None, y_name="y", ids=None, periods=None, lag=0,
            bias_correction=False, fixed_rho=None, rho_bounds=None, strict=True, logdet="auto",
            dense_limit=2000, seed=0, progress=None, is_canceled=None):
    return _fit("sar", y, X, W, fe=fe, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                lagged=None, bias_correction=bias_correction, fixed_rho=fixed_rho, rho_bounds=rho_bounds,
                strict=strict, logdet=logdet, dense_limit=dense_limit, seed=seed, progress=progress,
                is_canceled=is_canceled)


def fit_sem(y, X, W, *, fe="twoway", names=None, y_name="y", ids=None, periods=None, lag=0,
            bias_correction=False, fixed_rho=None, rho_bounds=None, strict=True, logdet="auto",
            dense_limit=2000, seed=0, progress=None, is_canceled=None):
    return _fit("sem", y, X, W, fe=fe, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                lagged=None, bias_correction=bias_correction, fixed_rho=fixed_rho, rho_bounds=rho_bounds,
                strict=strict, logdet=logdet, dense_limit=dense_limit, seed=seed, progress=progress,
                is_canceled=is_canceled)


def fit_sdm(y, X, W, *, fe="twoway", lagged=None, names=None, y_name="y", ids=None, periods=None, lag=0,
            bias_correction=False, fixed_rho=None, rho_bounds=None, strict=True, logdet="auto",
            dense_limit=2000, seed=0, progress=None, is_canceled=None):
    return _fit("sdm", y, X, W, fe=fe, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                lagged=lagged, bias_correction=bias_correction, fixed_rho=fixed_rho, rho_bounds=rho_bounds,
                strict=strict, logdet=logdet, dense_limit=dense_limit, seed=seed, progress=progress,
                is_canceled=is_canceled)


def fit_spatial_panel(model, y, X, W, **kwargs):
    """Fit ``model`` (``"sar"``, ``"sem"`` or ``"sdm"``); keyword arguments as
    :func:`fit_sar` (plus ``lagged=`` for the SDM).

    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import simulate_panel
    >>> sim = simulate_panel(n=60, t=6, model="sem", rho=0.3, seed=2)
    >>> fit_spatial_panel("sem", sim.y, sim.X, sim.W, fe="region").spatial_name
    'lambda'
    """
    model = check_choice(model, MODELS, "spatial panel model")
    if model != "sdm":
        if kwargs.pop("lagged", None) is not None:
            raise InputDataError(f"lagged= is for the spatial Durbin model only, not the {MODEL_TEXT[model]}.")
    return {"sar": fit_sar, "sem": fit_sem, "sdm": fit_sdm}[model](y, X, W, **kwargs)


fit_sar.__doc__ = """ML spatial lag (SAR) panel model with fixed effects
    (see the module docstring for the likelihood, variance and options).

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import simulate_panel
    >>> sim = simulate_panel(n=60, t=8, model="sar", rho=0.5, beta=[1.0], seed=3)
    >>> r = fit_sar(sim.y, sim.X, sim.W, fe="twoway")
    >>> bool(abs(r.rho - 0.5) < 0.1), r.spatial_name
    (True, 'rho')
""" + _DOC_PARAMS
fit_sem.__doc__ = """ML spatial error (SEM) panel model with fixed effects
    (see the module docstring). ``rho`` of the result is lambda.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import simulate_panel
    >>> sim = simulate_panel(n=60, t=8, model="sem", rho=0.5, beta=[1.0], seed=4)
    >>> r = fit_sem(sim.y, sim.X, sim.W, fe="twoway")
    >>> bool(abs(r.lam - 0.5) < 0.15)
    True
""" + _DOC_PARAMS
fit_sdm.__doc__ = """ML spatial Durbin (SDM) panel model with fixed effects:
    the SAR with the spatial lags ``W x`` of all regressors, or of those
    named in ``lagged``, added as regressors named ``W*x``.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import simulate_panel
    >>> sim = simulate_panel(n=60, t=8, model="sdm", rho=0.3, beta=[1.0, 0.5], theta=[0.4, 0.0], seed=5)
    >>> fit_sdm(sim.y, sim.X, sim.W, lagged=["x1"]).names
    ('x1', 'x2', 'W*x1')
""" + _DOC_PARAMS.replace(
    "    fe : {", "    lagged : sequence of str, optional\n        Regressors to lag (default: all).\n    fe : {", 1)
