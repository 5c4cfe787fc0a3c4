"""Balanced panels, the within (fixed-effects) transformation and within OLS.

Axis order everywhere is (regions, periods, variables): ``y`` is ``(n, t)``,
``X`` is ``(n, t, k)``. Only balanced panels are accepted: every region has a
finite value of every variable in every period used (a missing or infinite
value raises :class:`~regional_resilience.core.errors.InputDataError` naming
the region-periods).

Within transformation (:func:`demean`; Baltagi 2021, ch. 2-3), for a
variable ``a_it``:

* ``"region"``: ``a_it - mean_t a_it`` (region fixed effects);
* ``"time"``: ``a_it - mean_i a_it`` (time fixed effects);
* ``"twoway"``: ``a_it - mean_t a_it - mean_i a_it + mean_it a_it``;
* ``"pooled"``: ``a_it - mean_it a_it`` (no fixed effects; the constant is
  concentrated out, which gives exactly the slopes of a regression with a
  constant).

By the Frisch-Waugh-Lovell theorem OLS on the transformed data gives the
slopes of OLS with region and/or period dummies (the LSDV estimator).

Regressor lag: with ``lag=k`` the regressors of period ``s`` explain ``y`` of
period ``s + k``; the first ``k`` periods of ``y`` and the last ``k`` periods
of ``X`` are dropped and the result's ``notes`` say so.

Within OLS (:func:`fe_ols`) reports classical standard errors
``s^2 (Z'Z)^-1`` with ``s^2 = e'e / (NT - p - a)`` (``a`` the number of
absorbed means: ``n``, ``t``, ``n + t - 1`` or 1) and Student-t p-values with
``NT - p - a`` degrees of freedom, or (``vcov="cluster"``, the default)
cluster-robust errors by region, ``(Z'Z)^-1 (sum_i s_i s_i') (Z'Z)^-1 *
G/(G-1) * (NT-1)/(NT-p)`` with ``s_i = sum_t z_it e_it`` and t(G-1)
p-values (the factors of Stata's ``xtreg, fe vce(cluster)``; Cameron and
Miller 2015). The reported log-likelihood is the Gaussian one at the ML
variance ``e'e / NT``: ``-NT/2 (ln 2 pi + ln(e'e/NT) + 1)``.

References
----------
Baltagi, B. H. (2021). *Econometric Analysis of Panel Data*, 6th ed.
Springer.

Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import demean, fe_ols
>>> a = np.array([[1.0, 2.0, 6.0], [3.0, 5.0, 7.0]])
>>> demean(a, "twoway")
array([[ 0. , -0.5,  0.5],
       [ 0. ,  0.5, -0.5]])
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(50, 8, 2))
>>> y = X @ [1.0, -0.5] + rng.normal(size=(50, 1)) + 0.1 * rng.normal(size=(50, 8))
>>> res = fe_ols(y, X, fe="region", names=["gdp", "open"])
>>> res.names, np.round(res.coef, 1)
(('gdp', 'open'), array([ 1. , -0.5]))
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, stats

from ..errors import InputDataError, check_choice, check_labels
from ..panel import format_list
from ._base import FE_TEXT, absorbed_dof, check_fe, positive_int

__all__ = [
    "PanelData",
    "prepare_panel",
    "demean",
    "check_design",
    "WithinOLSResult",
    "fe_ols",
    "log_variables",
]


@dataclass(frozen=True)
class PanelData:
    """A validated balanced panel, regressors already lagged.

    Attributes
    ----------
    y : (n, t) ndarray
        Dependent variable in the periods used.
    X : (n, t, k) ndarray
        Regressors aligned with ``y`` (lagged by ``lag`` periods).
    names : tuple of str
        Regressor names.
    y_name : str
    ids : tuple of str
        Region ids (positions ``0..n-1`` when not given).
    periods : tuple of str
        Labels of the periods of ``y`` used.
    lag : int
        Periods by which the regressors are lagged.
    notes : tuple of str
    """

    y: np.ndarray
    X: np.ndarray
    names: tuple
    y_name: str
    ids: tuple
    periods: tuple
    lag: int = 0
    notes: tuple = ()

    @property
    def n(self):
        return self.y.shape[0]

    @property
    def t(self):
        return self.y.shape[1]

    @property
    def k(self):
        return self.X.shape[2]


def _missing_cells(a, ids, periods, limit=10):
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    rows, cols = np.nonzero(bad)
    cells = [f"region {ids[i]} in {periods[j]}" for i, j in zip(rows[:limit], cols[:limit])]
    text = ", ".join(cells)
    if len(rows) > limit:
        text += f" and {len(rows) - limit} more"
    return text


def prepare_panel(y, X=None, *, names=None, y_name="y", ids=None, periods=None, lag=0, min_periods=1):
    """Check a balanced panel and lag the regressors.

    Parameters
    ----------
    y : array_like, shape (n, t)
        Dependent variable, regions in rows, periods in columns.
    X : array_like, shape (n, t, k) or (n, t), optional
        Regressors (a 2-D array is one regressor). ``None``: no regressor.
    names : sequence of str, optional
        Regressor names (default ``x1 .. xk``).
    y_name : str
    ids, periods : sequence, optional
        Region ids and period labels, for messages and tables.
    lag : int, default 0
        Lag the regressors by this many periods (drop the first ``lag``
        periods of ``y`` and the last ``lag`` of ``X``).
    min_periods : int, default 1
        Fewest periods that must remain after the lag.

    Returns
    -------
    PanelData

    Raises
    ------
    InputDataError
        Shapes that do not form a balanced panel, missing or non-finite
        values (naming the region-periods), duplicate names, or too few
        periods left after the lag.

    Examples
    --------
    >>> import numpy as np
    >>> d = prepare_panel(np.arange(6.0).reshape(2, 3), np.ones((2, 3)),
    ...                   periods=[2001, 2002, 2003], lag=1)
    >>> d.y.shape, d.X.shape, d.periods
    ((2, 2), (2, 2, 1), ('2002', '2003'))
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputDataError(
            f"{y_name} must be a regions x periods array (n, t); got an array of shape {y.shape}."
        )
    n, t = y.shape
    if X is None:
        X = np.zeros((n, t, 0))
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3 or X.shape[:2] != (n, t):
        raise InputDataError(
            f"{y_name} has {n} regions x {t} periods but the regressors have shape {X.shape}; "
            "give an (n, t, k) array for a balanced panel (every region observed in every period)."
        )
    k = X.shape[2]
    if names is None:
        names = [f"x{j + 1}" for j in range(k)]
    names = check_labels(names, k, "regressor names", "regressors")
    if len(set(names)) != len(names) or y_name in names:
        raise InputDataError(f"Variable names must be distinct; got {y_name!r} and {format_list(names)}.")
    ids = tuple(check_labels(ids, n, "region ids", "regions") or [str(i) for i in range(n)])
    periods_all = tuple(check_labels(periods, t, "period labels", "periods") or [str(j) for j in range(t)])
    lag = positive_int(lag, "The regressor lag", minimum=0)
    notes = []
    if t - lag < min_periods:
        raise InputDataError(
            f"Lagging the regressors by {lag} period(s) leaves {max(t - lag, 0)} of the {t} periods "
            f"({periods_all[0]}..{periods_all[-1]}); at least {min_periods} are needed."
        )
    y_used = y[:, lag:]
    X_used = X[:, : t - lag, :]
    periods_y = periods_all[lag:]
    where = _missing_cells(y_used, ids, periods_y)
    if where:
        raise InputDataError(
            f"Missing or non-finite values of {y_name} at {where}; the panel must be balanced "
            "(every region observed in every period): fill or drop them first."
        )
    for j in range(k):
        where = _missing_cells(X_used[:, :, j], ids, periods_all[: t - lag])
        if where:
            raise InputDataError(
                f"Missing or non-finite values of {names[j]} at {where}; the panel must be balanced "
                "(every region observed in every period): fill or drop them first."
            )
    if lag:
        notes.append(
            f"Regressors are lagged by {lag} period(s): {y_name} of {periods_y[0]}..{periods_y[-1]} is "
            f"explained by the regressors of {periods_all[0]}..{periods_all[t - lag - 1]}; the first "
            f"{lag} period(s) of {y_name} ({format_list(periods_all[:lag])}) are dropped."
        )
    return PanelData(
        np.ascontiguousarray(y_used), np.ascontiguousarray(X_used), tuple(names), str(y_name),
        ids, periods_y, lag, tuple(notes),
    )


def demean(a, fe):
    """Within transformation of an ``(n, t)`` or ``(n, t, k)`` array.

    Parameters
    ----------
    a : array_like
        Regions in axis 0, periods in axis 1.
    fe : {"region", "time", "twoway", "pooled"}

    Returns
    -------
    ndarray of the same shape

    Examples
    --------
    >>> demean([[1.0, 3.0], [5.0, 9.0]], "region")
    array([[-1.,  1.],
           [-2.,  2.]])
    """
    a = np.asarray(a, dtype=float)
    fe = check_fe(fe)
    if fe == "region":
        return a - a.mean(axis=1, keepdims=True)
    if fe == "time":
        return a - a.mean(axis=0, keepdims=True)
    if fe == "twoway":
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean(axis=(0, 1), keepdims=True)
    return a - a.mean(axis=(0, 1), keepdims=True)


def check_design(Zq, Zraw, names, fe, y_q=None, y_raw=None, y_name="y"):
    """Refuse constant or collinear regressors after the within transformation.

    Parameters
    ----------
    Zq, Zraw : (N, p) ndarray
        Transformed and raw regressors (flattened region-periods).
    names : sequence of str
    fe : str
    y_q, y_raw : (N,) ndarray, optional
        Transformed and raw dependent variable (checked for variation).

    Raises
    ------
    InputDataError
        Naming the regressors that do not vary once the fixed effects are
        removed, or those that are linear combinations of others (and of
        which), found by a QR decomposition with column pivoting of the
        column-scaled design (tolerance 1e-9 of the largest pivot).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.random.default_rng(1).normal(size=(20, 2))
    >>> Z = np.column_stack([Z, Z[:, 0] + Z[:, 1]])
    >>> check_design(Z, Z, ["a", "b", "c"], "pooled")
    Traceback (most recent call last):
    ...
    regional_resilience.core.errors.InputDataError: The regressors are collinear once the constant (pooled model) is removed: 'c' is a linear combination of 'a', 'b'. Drop one of them.
    """
    what = FE_TEXT[fe]
    verb = "is" if fe == "pooled" else "are"
    if y_q is not None:
        scale = np.sqrt(np.sum(y_raw ** 2)) if y_raw is not None else 1.0
        if np.sqrt(np.sum(y_q ** 2)) <= 1e-10 * max(scale, 1e-300):
            raise InputDataError(f"{y_name} does not vary once {what} {verb} removed; there is nothing to explain.")
    p = Zq.shape[1]
    if p == 0:
        return
    norms = np.sqrt(np.sum(Zq ** 2, axis=0))
    raw = np.sqrt(np.sum(Zraw ** 2, axis=0))
    const = norms <= 1e-10 * np.maximum(raw, 1e-300)
    if const.any():
        bad = [f"'{names[j]}'" for j in np.flatnonzero(const)]
        raise InputDataError(
            f"Regressor(s) {format_list(bad)} do not vary once {what} {verb} removed (they are "
            "absorbed by them, e.g. constant over time with region effects or the same in every "
            "region with time effects): drop them."
        )
    if p == 1:
        return
    S = Zq / norms
    _, R, piv = linalg.qr(S, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    rank = int(np.sum(d > 1e-9 * d[0]))
    if rank == p:
        return
    base = piv[:rank]
    parts = []
    for j in piv[rank:]:
        c, *_ = np.linalg.lstsq(S[:, base], S[:, j], rcond=None)
        used = [f"'{names[i]}'" for i in sorted(base[np.abs(c) > 1e-6])]
        parts.append(f"'{names[j]}' is a linear combination of {format_list(used) or 'the others'}")
    raise InputDataError(
        f"The regressors are collinear once {what} {verb} removed: " + "; ".join(parts) + ". Drop one of them."
    )


@dataclass(frozen=True)
class WithinOLSResult:
    """Within (fixed-effects) OLS fit (:func:`fe_ols`).

    Attributes
    ----------
    names : tuple of str
    coef, se, t, p : (p,) ndarray
        Slopes, standard errors (``vcov_type``), t statistics and two-sided
        Student-t p-values with ``df`` degrees of freedom.
    vcov : (p, p) ndarray
    vcov_type : str
        ``"classical"`` or ``"cluster"`` (by region).
    df : int
        Degrees of freedom of the p-values (``NT - p - a`` or ``G - 1``).
    sigma2 : float
        ``e'e / (NT - p - a)``.
    loglik : float
        Gaussian log-likelihood at ``e'e / NT``.
    r2_within : float
        ``1 - e'e / y~'y~`` on the transformed data.
    fe : str
    n_obs, n_regions, n_periods : int
    residuals, fitted : (n, t) ndarray
        Within residuals and fitted values ``Z~ b``.
    y_name : str
    ids, periods : tuple of str
    notes : tuple of str
    """

    names: tuple
    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    vcov: np.ndarray
    vcov_type: str
    df: int
    sigma2: float
    loglik: float
    r2_within: float
    fe: str
    n_obs: int
    n_regions: int
    n_periods: int
    residuals: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    y_name: str = "y"
    ids: tuple = field(default=(), repr=False)
    periods: tuple = field(default=(), repr=False)
    notes: tuple = ()

    @property
    def model(self):
        return "ols"

    @property
    def n_params(self):
        return len(self.names)


VCOV_TYPES = ("classical", "cluster")


def _ols_fit(yq, Zq, fe, vcov, names, n, t):
    """OLS on transformed arrays yq (n, t) and Zq (n, t, p)."""
    N = n * t
    p = Zq.shape[2]
    Zf = Zq.reshape(N, p)
    yf = yq.reshape(N)
    ZtZ = Zf.T @ Zf
    coef = linalg.solve(ZtZ, Zf.T @ yf, assume_a="pos") if p else np.zeros(0)
    e = yf - Zf @ coef
    ssr = float(e @ e)
    a = absorbed_dof(fe, n, t)
    dof = N - p - a
    if dof <= 0:
        raise InputDataError(
            f"{N} region-periods are too few for {p} regressor(s) and {FE_TEXT[fe]} "
            f"({a} means): no degrees of freedom are left."
        )
    sigma2 = ssr / dof
    ZtZi = linalg.inv(ZtZ) if p else np.zeros((0, 0))
    if vcov == "classical":
        V = sigma2 * ZtZi
        df = dof
    else:
        if n < 2:
            raise InputDataError("Cluster-robust standard errors need at least 2 regions.")
        s = np.einsum("itp,it->ip", Zq, e.reshape(n, t))
        V = ZtZi @ (s.T @ s) @ ZtZi * (n / (n - 1.0)) * ((N - 1.0) / (N - p))
        df = n - 1
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        tt = coef / se
    pv = 2.0 * stats.t.sf(np.abs(tt), df)
    yy = float(yf @ yf)
    loglik = -N / 2.0 * (np.log(2.0 * np.pi) + np.log(ssr / N) + 1.0)
    return coef, se, tt, pv, V, df, sigma2, loglik, 1.0 - ssr / yy, e.reshape(n, t)


def fe_ols(y, X, *, fe="twoway", names=None, y_name="y", ids=None, periods=None, lag=0, vcov="cluster"):
    """Within (fixed-effects) OLS of a balanced panel.

    Parameters
    ----------
    y : array_like, shape (n, t)
    X : array_like, shape (n, t, k) or (n, t)
    fe : {"twoway", "region", "time", "pooled"}, default "twoway"
    names, y_name, ids, periods, lag
        See :func:`prepare_panel`.
    vcov : {"cluster", "classical"}, default "cluster"
        Cluster-robust by region or classical standard errors (see the
        module docstring for the small-sample factors).

    Returns
    -------
    WithinOLSResult

    Raises
    ------
    InputDataError
        Unbalanced or missing data, constant or collinear regressors after
        the transformation, no degrees of freedom left.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=(30, 6))
    >>> y = 2.0 * x + rng.normal(size=(30, 1)) + 0.01 * rng.normal(size=(30, 6))
    >>> r = fe_ols(y, x, fe="region", vcov="classical")
    >>> round(float(r.coef[0]), 2), r.df
    (2.0, 149)
    """
    fe = check_fe(fe)
    vcov = check_choice(vcov, VCOV_TYPES, "standard-error type")
    d = prepare_panel(y, X, names=names, y_name=y_name, ids=ids, periods=periods, lag=lag,
                      min_periods=2 if fe in ("region", "twoway") else 1)
    n, t, k = d.n, d.t, d.k
    if k == 0:
        raise InputDataError("Give at least one regressor.")
    yq = demean(d.y, fe)
    Zq = demean(d.X, fe)
    check_design(Zq.reshape(n * t, k), d.X.reshape(n * t, k), d.names, fe, yq.ravel(), d.y.ravel(), d.y_name)
    coef, se, tt, pv, V, df, s2, ll, r2, e = _ols_fit(yq, Zq, fe, vcov, d.names, n, t)
    return WithinOLSResult(
        d.names, coef, se, tt, pv, V, vcov, int(df), float(s2), float(ll), float(r2), fe,
        n * t, n, t, e, yq - e, d.y_name, d.ids, d.periods, d.notes,
    )


def log_variables(arrays, names, log, *, ids=None, periods=None):
    """Replace the variables named in ``log`` by their natural logarithm.

    Parameters
    ----------
    arrays : sequence of array_like
        One ``(n, t)`` array per variable, aligned with ``names``.
    names : sequence of str
    log : sequence of str
        Names of the variables to log (matched exactly, else ignoring case).
    ids, periods : sequence, optional
        Region ids and period labels, for messages.

    Returns
    -------
    (list of ndarray, tuple of str)
        The arrays (logged ones replaced, the others unchanged) and the
        names, logged ones written ``ln(name)``.

    Raises
    ------
    InputDataError
        A name in ``log`` that is not a variable, or a value that is zero
        or negative (naming the region-periods). Missing values stay
        missing (the panel checks name them).

    Examples
    --------
    >>> import numpy as np
    >>> a, names = log_variables([np.e * np.ones((2, 2)), np.ones((2, 2))], ["gdp", "open"], ["GDP"])
    >>> names, round(float(a[0][0, 0]), 12)
    (('ln(gdp)', 'open'), 1.0)
    >>> log_variables([np.array([[1.0, 0.0]])], ["gdp"], ["gdp"], ids=["A"], periods=[2001, 2002])
    Traceback (most recent call last):
    ...
    regional_resilience.core.errors.InputDataError: Cannot take the logarithm of gdp: it is zero or negative at region A in 2002. Leave it unlogged or shift it first.
    """
    names = [str(v) for v in names]
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    lookup = {v.lower(): v for v in names}
    chosen = []
    for item in log or ():
        key = str(item)
        name = key if key in names else lookup.get(key.lower())
        if name is None:
            raise InputDataError(
                f"Cannot log {key!r}: it is not one of the variables used ({format_list(names, 30)})."
            )
        if name not in chosen:
            chosen.append(name)
    out = list(arrays)
    new_names = list(names)
    for name in chosen:
        j = names.index(name)
        a = arrays[j]
        n, t = a.shape if a.ndim == 2 else (a.shape[0], 1)
        where = _missing_cells(np.where(a > 0, 0.0, np.where(np.isnan(a), 0.0, np.nan)).reshape(n, t),
                               ids if ids is not None else [str(i) for i in range(n)],
                               [str(p) for p in periods] if periods is not None else [str(s) for s in range(t)])
        if where:
            raise InputDataError(
                f"Cannot take the logarithm of {name}: it is zero or negative at {where}. Leave it "
                "unlogged or shift it first."
            )
        with np.errstate(invalid="ignore"):
            out[j] = np.log(a)
        new_names[j] = f"ln({name})"
    return out, tuple(new_names)
