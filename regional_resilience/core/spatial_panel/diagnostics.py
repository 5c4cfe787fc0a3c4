"""Specification diagnostics of spatial panels.

**Residual Moran's I and LM tests** (:func:`spatial_diagnostics`) on the
residuals ``e`` of the within (FE) OLS regression of ``y~`` on ``X~``
(``N = n T`` observations, ``p`` slopes, ``a`` absorbed means), with
``sigma^2 = e'e / N`` and, summed over the periods,
``e'We = sum_t e_t' W e_t`` and ``e'Wy = sum_t e_t' W y_t``:

* Moran's I ``= (n / S0) e'We / e'e`` (Cliff and Ord 1981), inference from
  its exact mean and variance under normal errors: with ``M = Q - P`` the
  residual maker of the fixed effects (``Q``) and the regressors (``P``),
  ``A = I_T (x) (W + W')/2`` and ``d = N - p - a``::

      E[I] = (n/S0) tr(MA) / d
      E[I^2] = (n/S0)^2 [2 tr(MAMA) + tr(MA)^2] / (d (d + 2))

  (the traces by the Kronecker structure of ``Q``, never forming ``M``);
  ``z = (I - E[I]) / sd(I)``, two-sided normal p-value. With ``T = 1`` and
  ``fe="pooled"`` these are the moments of spreg's ``MoranRes``.
* LM tests in the pooled panel form of Anselin et al. (1996) as given by
  Elhorst (2010; 2014, sec. 3.5, his ``LMsarsem_panel.m``; Debarsy and Ertur
  2010), with ``tr = tr((W' + W) W)``::

      LM_error  = (e'We / s2)^2 / (T tr)
      LM_lag    = (e'Wy / s2)^2 / J,   J = [(W X~b)' M (W X~b) + T tr s2] / s2
      robust LM_error = (e'We/s2 - T tr / J e'Wy/s2)^2 / (T tr (1 - T tr / J))
      robust LM_lag   = (e'Wy/s2 - e'We/s2)^2 / (J - T tr)

  each chi-squared with 1 df. ``M`` removes the fixed effects as well as
  ``X~``: for region effects (and the pooled model) this is exactly
  Elhorst's formula; with time effects it also removes the period means of
  ``W X~b`` (the exact LM of the model with period dummies). With ``T = 1``
  and ``fe="pooled"`` these are Anselin's cross-section tests (spreg's
  ``LMtests``).

**SDM against SAR and SEM** (:func:`compare_models`, Elhorst 2014, sec.
3.4; LeSage and Pace 2009, sec. 6.3):

* ``theta = 0`` (SDM -> SAR): ``LR = 2 (lnL_SDM - lnL_SAR)`` and ``Wald =
  theta' V_theta^-1 theta``, chi-squared with the number of lagged
  regressors.
* ``theta + rho b = 0`` (common factor, SDM -> SEM): ``LR = 2 (lnL_SDM -
  lnL_SEM)``; ``Wald = g' (R V R')^-1 g`` with ``g = theta + rho b`` and
  ``R = dg / d(b, theta, rho)`` (delta method: ``rho`` for ``b_k``, 1 for
  ``theta_k``, ``b_k`` for rho). Needs every regressor lagged.

References
----------
Anselin, L., Bera, A. K., Florax, R. and Yoon, M. J. (1996). Simple
diagnostic tests for spatial dependence. *Regional Science and Urban
Economics*, 26(1), 77-104.

Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and
Applications*. Pion.

Debarsy, N. and Ertur, C. (2010). Testing for spatial autocorrelation in a
fixed effects panel data model. *Regional Science and Urban Economics*,
40(6), 453-470.

Elhorst, J. P. (2010). Spatial panel data models. In Fischer, M. M. and
Getis, A. (eds), *Handbook of Applied Spatial Analysis*, 377-407. Springer.

Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to
Spatial Panels*. Springer.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import simulate_panel, spatial_diagnostics
>>> sim = simulate_panel(n=100, t=10, model="sar", rho=0.5, beta=[1.0], seed=3)
>>> diag = spatial_diagnostics(sim.y, sim.X, sim.W, fe="twoway")
>>> bool(diag.moran_i > 0.1), bool(diag.lm_lag_p < 0.01)
(True, True)
>>> [row[0] for row in diag.table()][:3]
["Moran's I (residuals)", 'LM lag', 'Robust LM lag']
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, stats

from ..errors import InputDataError
from ._base import absorbed_dof, check_fe, label_list, normal_p, warn
from .estimators import SpatialPanelResult, fit_sar, fit_sdm, fit_sem
from .logdet import PreparedWeights, _as_csr, check_weights_size, weights_for
from .within import WithinOLSResult, _ols_fit, check_design, demean, prepare_panel

__all__ = [
    "DiagnosticsResult",
    "spatial_diagnostics",
    "ComparisonResult",
    "compare_models",
    "specification_tests",
]


@dataclass(frozen=True)
class DiagnosticsResult:
    """Moran's I of FE-OLS residuals and the LM tests (:func:`spatial_diagnostics`).

    Attributes
    ----------
    fe : str
    moran_i, moran_expected, moran_variance, moran_z, moran_p : float
    lm_lag, lm_lag_p, robust_lm_lag, robust_lm_lag_p : float
    lm_error, lm_error_p, robust_lm_error, robust_lm_error_p : float
    sigma2 : float
        ``e'e / N`` used by the LM tests.
    n_obs, n_regions, n_periods : int
    ols : WithinOLSResult
        The FE-OLS fit (classical standard errors).
    notes : tuple of str
    """

    fe: str
    moran_i: float
    moran_expected: float
    moran_variance: float
    moran_z: float
    moran_p: float
    lm_lag: float
    lm_lag_p: float
    robust_lm_lag: float
    robust_lm_lag_p: float
    lm_error: float
    lm_error_p: float
    robust_lm_error: float
    robust_lm_error_p: float
    sigma2: float
    n_obs: int
    n_regions: int
    n_periods: int
    ols: WithinOLSResult = field(repr=False, compare=False)
    notes: tuple = ()

    def table(self):
        """Rows ``(test, statistic, df, p)``; for Moran's I the statistic is
        I and df is None (its p-value is from the z-value)."""
        return [
            ("Moran's I (residuals)", self.moran_i, None, self.moran_p),
            ("LM lag", self.lm_lag, 1, self.lm_lag_p),
            ("Robust LM lag", self.robust_lm_lag, 1, self.robust_lm_lag_p),
            ("LM error", self.lm_error, 1, self.lm_error_p),
            ("Robust LM error", self.robust_lm_error, 1, self.robust_lm_error_p),
        ]


def _chi2_p(x, df=1):
    return float(stats.chi2.sf(x, df)) if np.isfinite(x) else math.nan


def _kron_traces(fe, n, t, trAs, trAs2, s0, one_As2_one):
    """tr(QA) and tr(QAQA) for A = I_T (x) As and the FE projection Q."""
    if fe == "region":
        return (t - 1) * trAs, (t - 1) * trAs2
    c1 = trAs - s0 / n
    c2 = trAs2 - 2.0 * one_As2_one / n + (s0 / n) ** 2
    if fe == "time":
        return t * c1, t * c2
    if fe == "twoway":
        return (t - 1) * c1, (t - 1) * c2
    return t * trAs - s0 / n, t * trAs2 - 2.0 * one_As2_one / n + (s0 / n) ** 2


def spatial_diagnostics(y, X, W, *, fe="twoway", names=None, y_name="y", ids=None, periods=None, lag=0):
    """Moran's I of the FE-OLS residuals and (robust) LM lag / error tests.

    Parameters
    ----------
    y : array_like, shape (n, t)
    X : array_like, shape (n, t, k) or (n, t)
    W : scipy.sparse matrix, ndarray, core ``Weights`` or PreparedWeights
    fe : {"twoway", "region", "time", "pooled"}, default "twoway"
    names, y_name, ids, periods, lag
        As :func:`~regional_resilience.core.spatial_panel.estimators.fit_sar`.

    Returns
    -------
    DiagnosticsResult

    Raises
    ------
    InputDataError
        As :func:`~regional_resilience.core.spatial_panel.within.fe_ols`;
        weights that do not match the panel or have no weight at all.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import knn_weights
    >>> rng = np.random.default_rng(0)
    >>> W = knn_weights(rng.uniform(size=(40, 2)), 4)
    >>> X = rng.normal(size=(40, 5, 1))
    >>> d = spatial_diagnostics(X[:, :, 0] + rng.normal(size=(40, 5)), X, W, fe="region")
    >>> d.n_obs, bool(0 < d.lm_error_p <= 1)
    (200, True)
    """
    fe = check_fe(fe)
    d = prepare_panel(y, X, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                      min_periods=2 if fe in ("region", "twoway") else 1)
    n, t, p = d.n, d.t, d.k
    if p == 0:
        raise InputDataError("Give at least one regressor.")
    if isinstance(W, PreparedWeights):
        check_weights_size(W, n)
        Ws = W.W
    else:
        Ws = _as_csr(W)
        if Ws.shape[0] != n:
            raise InputDataError(f"The spatial weights are for {Ws.shape[0]} regions but the panel has {n}; they must match, in the same order.")
    notes = list(d.notes)
    islands = np.flatnonzero(np.diff(Ws.indptr) == 0)
    if len(islands):
        warn(notes, f"{len(islands)} region(s) have no neighbours ({label_list([d.ids[i] for i in islands])}): their spatial lags are 0.")
    s0 = float(Ws.sum())
    if s0 == 0:
        raise InputDataError("The spatial weights have no non-zero weight.")
    N = n * t
    yq = demean(d.y, fe)
    Zq = demean(d.X, fe)
    Zf = Zq.reshape(N, p)
    check_design(Zf, d.X.reshape(N, p), d.names, fe, yq.ravel(), d.y.ravel(), d.y_name)
    coef, se, tt, pv, V, df, s2dof, ll, r2, e = _ols_fit(yq, Zq, fe, "classical", d.names, n, t)
    ols = WithinOLSResult(d.names, coef, se, tt, pv, V, "classical", int(df), float(s2dof), float(ll), float(r2),
                          fe, N, n, t, e, yq - e, d.y_name, d.ids, d.periods, d.notes)
    WT = Ws.T.tocsr()
    ee = float(np.sum(e * e))
    s2 = ee / N
    EWE = float(np.sum(e * (Ws @ e)))
    EWY = float(np.sum(e * (Ws @ d.y)))
    trW = float(Ws.diagonal().sum())
    trW2 = float(Ws.multiply(WT).sum())
    frob2 = float(Ws.multiply(Ws).sum())
    tr = frob2 + trW2
    ZtZi = linalg.inv(Zf.T @ Zf)

    def lagW(a):
        return (Ws @ a.reshape(n, -1)).reshape(a.shape)

    # LM tests
    v = lagW((Zf @ coef).reshape(n, t))
    qv = demean(v, fe).ravel()
    Zqv = Zf.T @ qv
    WXB2 = float(qv @ qv - Zqv @ ZtZi @ Zqv)
    Ttr = t * tr
    J = (WXB2 + Ttr * s2) / s2
    lm_err = (EWE / s2) ** 2 / Ttr
    lm_lag = (EWY / s2) ** 2 / J
    rlm_err = (EWE / s2 - Ttr / J * EWY / s2) ** 2 / (Ttr * (1.0 - Ttr / J))
    rlm_lag = (EWY / s2 - EWE / s2) ** 2 / (J - Ttr)

    # Moran's I and its exact moments
    I = (n / s0) * EWE / ee
    trAs = trW
    trAs2 = 0.5 * (frob2 + trW2)
    r1 = np.asarray(Ws.sum(axis=1)).ravel()
    c1 = np.asarray(Ws.sum(axis=0)).ravel()
    one_As2_one = float(np.sum((0.5 * (r1 + c1)) ** 2))
    trQA, trQAQA = _kron_traces(fe, n, t, trAs, trAs2, s0, one_As2_one)

    def lagAs(a):
        return 0.5 * (lagW(a) + (WT @ a.reshape(n, -1)).reshape(a.shape))

    AZ = lagAs(Zq)
    C1 = Zf.T @ AZ.reshape(N, p)
    QAZ = demean(AZ, fe).reshape(N, p)
    C2 = QAZ.T @ QAZ
    B1 = ZtZi @ C1
    trMA = trQA - np.trace(B1)
    trMAMA = trQAQA - 2.0 * np.trace(ZtZi @ C2) + np.trace(B1 @ B1)
    dd = N - p - absorbed_dof(fe, n, t)
    f = n / s0
    EI = f * trMA / dd
    EI2 = f * f * (2.0 * trMAMA + trMA ** 2) / (dd * (dd + 2.0))
    VI = EI2 - EI ** 2
    zI = (I - EI) / math.sqrt(VI) if VI > 0 else math.nan
    return DiagnosticsResult(
        fe=fe, moran_i=float(I), moran_expected=float(EI), moran_variance=float(VI), moran_z=float(zI),
        moran_p=float(normal_p(zI)), lm_lag=float(lm_lag), lm_lag_p=_chi2_p(lm_lag),
        robust_lm_lag=float(rlm_lag), robust_lm_lag_p=_chi2_p(rlm_lag), lm_error=float(lm_err),
        lm_error_p=_chi2_p(lm_err), robust_lm_error=float(rlm_err), robust_lm_error_p=_chi2_p(rlm_err),
        sigma2=float(s2), n_obs=N, n_regions=n, n_periods=t, ols=ols, notes=tuple(notes),
    )


# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonResult:
    """LR and Wald tests of the SDM against the SAR and the SEM
    (:func:`compare_models`). NaN where the model was not given.

    Attributes
    ----------
    lr_sar, lr_sar_p, wald_sar, wald_sar_p : float
        ``theta = 0``.
    df_sar : int
        Number of lagged regressors.
    lr_sem, lr_sem_p, wald_sem, wald_sem_p : float
        ``theta + rho b = 0`` (common factor).
    df_sem : int
    notes : tuple of str
    sdm, sar, sem : SpatialPanelResult or None
    """

    lr_sar: float
    lr_sar_p: float
    wald_sar: float
    wald_sar_p: float
    df_sar: int
    lr_sem: float
    lr_sem_p: float
    wald_sem: float
    wald_sem_p: float
    df_sem: int
    notes: tuple = ()
    sdm: SpatialPanelResult = field(default=None, repr=False, compare=False)
    sar: SpatialPanelResult = field(default=None, repr=False, compare=False)
    sem: SpatialPanelResult = field(default=None, repr=False, compare=False)

    def table(self):
        """Rows ``(test, null hypothesis, statistic, df, p)``."""
        return [
            ("LR", "SAR (theta = 0)", self.lr_sar, self.df_sar, self.lr_sar_p),
            ("Wald", "SAR (theta = 0)", self.wald_sar, self.df_sar, self.wald_sar_p),
            ("LR", "SEM (theta = -rho beta)", self.lr_sem, self.df_sem, self.lr_sem_p),
            ("Wald", "SEM (theta = -rho beta)", self.wald_sem, self.df_sem, self.wald_sem_p),
        ]


def _same_sample(a, b):
    if a.fe != b.fe or a.n_obs != b.n_obs or a.ids != b.ids or a.periods != b.periods or a.y_name != b.y_name:
        raise InputDataError(
            f"The {a.model.upper()} and the {b.model.upper()} are not fitted on the same panel with the same "
            "fixed effects: their tests are meaningless."
        )
    if tuple(b.x_names) != tuple(a.x_names):
        raise InputDataError(
            f"The {b.model.upper()} has regressors {label_list(b.x_names)} but the SDM {label_list(a.x_names)}."
        )


def _wald(g, R, V):
    S = R @ V @ R.T
    try:
        return float(g @ linalg.solve(S, g, assume_a="pos"))
    except (linalg.LinAlgError, ValueError):
        return float(g @ linalg.pinvh(S) @ g)


def compare_models(sdm, sar=None, sem=None):
    """LR and Wald tests of an SDM against a SAR (``theta = 0``) and a SEM
    (common factor ``theta = -rho b``), on the same panel.

    Parameters
    ----------
    sdm : SpatialPanelResult
        Fitted SDM (rho estimated).
    sar, sem : SpatialPanelResult, optional
        Fitted SAR and SEM with the same regressors (for the LR tests; the
        Wald tests need only the SDM).

    Returns
    -------
    ComparisonResult

    Raises
    ------
    InputDataError
        Wrong models, different samples or regressors; the common-factor
        test when not every regressor is lagged.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import fit_sar, fit_sdm, simulate_panel
    >>> sim = simulate_panel(n=80, t=8, model="sar", rho=0.4, beta=[1.0, -0.5], seed=11)
    >>> sdm, sar = fit_sdm(sim.y, sim.X, sim.W), fit_sar(sim.y, sim.X, sim.W)
    >>> cmp = compare_models(sdm, sar)
    >>> cmp.df_sar, bool(abs(cmp.lr_sar - 2 * (sdm.loglik - sar.loglik)) < 1e-9)
    (2, True)
    """
    if not isinstance(sdm, SpatialPanelResult) or sdm.model != "sdm" or sdm.rho_fixed:
        raise InputDataError("compare_models needs a fitted SDM (with rho estimated) first.")
    notes = []
    k = len(sdm.x_names)
    m = len(sdm.lagged)
    p = len(sdm.names)
    theta_idx = np.arange(k, k + m)
    V = sdm.params_vcov[: p + 1, : p + 1]
    phi = np.concatenate([sdm.coef, [sdm.rho]])
    # theta = 0
    R = np.zeros((m, p + 1))
    R[np.arange(m), theta_idx] = 1.0
    wald_sar = _wald(phi @ R.T, R, V)
    lr_sar = math.nan
    if sar is not None:
        if sar.model != "sar":
            raise InputDataError(f"sar= must be a fitted SAR; got a {sar.model.upper()}.")
        _same_sample(sdm, sar)
        lr_sar = 2.0 * (sdm.loglik - sar.loglik)
        if lr_sar < 0:
            notes.append(f"LR SDM vs SAR was {lr_sar:.3g} < 0 (numerical): set to 0.")
            lr_sar = 0.0
    # common factor
    wald_sem = lr_sem = math.nan
    df_sem = 0
    if m == k:
        df_sem = k
        bidx = np.array([sdm.x_names.index(name) for name in sdm.lagged])
        g = sdm.coef[theta_idx] + sdm.rho * sdm.coef[bidx]
        R = np.zeros((k, p + 1))
        R[np.arange(k), bidx] = sdm.rho
        R[np.arange(k), theta_idx] = 1.0
        R[:, p] = sdm.coef[bidx]
        wald_sem = _wald(g, R, V)
    elif sem is not None:
        raise InputDataError(
            "The common-factor test (SDM vs SEM) needs every regressor lagged in the SDM; lagged are only "
            f"{label_list(sdm.lagged)} of {label_list(sdm.x_names)}."
        )
    else:
        notes.append("The common-factor test needs every regressor lagged: not computed.")
    if sem is not None:
        if sem.model != "sem":
            raise InputDataError(f"sem= must be a fitted SEM; got a {sem.model.upper()}.")
        _same_sample(sdm, sem)
        lr_sem = 2.0 * (sdm.loglik - sem.loglik)
        if lr_sem < 0:
            notes.append(f"LR SDM vs SEM was {lr_sem:.3g} < 0 (numerical): set to 0.")
            lr_sem = 0.0
    return ComparisonResult(
        lr_sar=float(lr_sar), lr_sar_p=_chi2_p(lr_sar, m), wald_sar=float(wald_sar), wald_sar_p=_chi2_p(wald_sar, m),
        df_sar=m, lr_sem=float(lr_sem), lr_sem_p=_chi2_p(lr_sem, df_sem) if df_sem else math.nan,
        wald_sem=float(wald_sem), wald_sem_p=_chi2_p(wald_sem, df_sem) if df_sem else math.nan, df_sem=df_sem,
        notes=tuple(notes), sdm=sdm, sar=sar, sem=sem,
    )


def specification_tests(y, X, W, *, fe="twoway", **kwargs):
    """Fit the SDM (all regressors lagged), the SAR and the SEM on the same
    panel (weights prepared once) and return :func:`compare_models` of them.
    Keyword arguments as
    :func:`~regional_resilience.core.spatial_panel.estimators.fit_sar`.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import simulate_panel
    >>> sim = simulate_panel(n=40, t=5, seed=3)
    >>> cmp = specification_tests(sim.y, sim.X, sim.W)
    >>> cmp.sdm.model, cmp.sar.model, cmp.sem.model, cmp.df_sem
    ('sdm', 'sar', 'sem', 2)
    """
    if "lagged" in kwargs:
        raise InputDataError("specification_tests lags every regressor (the common-factor test needs it).")
    n = np.shape(y)[0]
    pw = weights_for(W, n, kwargs.get("ids"), method=kwargs.pop("logdet", "auto"),
                     dense_limit=kwargs.pop("dense_limit", 2000), seed=kwargs.pop("seed", 0))
    sdm = fit_sdm(y, X, pw, fe=fe, **kwargs)
    sar = fit_sar(y, X, pw, fe=fe, **kwargs)
    sem = fit_sem(y, X, pw, fe=fe, **kwargs)
    return compare_models(sdm, sar, sem)
