"""Standardisation of indicator tables for composite indices.

Every composite index in the regional-development literature starts from a
table of indicators per region and period. Indicators are measured in
different units, and some are *positive* (more is better: GDP per capita,
green space) while others are *negative* or cost indicators (more is worse:
unemployment, SO2 emissions). Before they can be weighted and summed they
are put on a common, direction-aware scale. This module offers the three
scales the literature uses:

``"minmax"``
    Range standardisation with direction (the workhorse of the entropy
    weight method and of development indices)::

        positive: L = (x - min) / (max - min) + shift
        negative: L = (max - x) / (max - min) + shift

    The small ``shift`` (default ``1e-4``) keeps every value strictly
    positive so that the logarithms of the entropy method are defined.
``"zscore"``
    ``z = (x - mean) / sd``; negative indicators are sign-flipped (``-z``)
    so that larger is better everywhere.
``"vector"``
    ``r = x / sqrt(sum x**2)`` (Hwang and Yoon's TOPSIS normalisation);
    negative indicators are sign-flipped (``-r``) so that larger is better.
    TOPSIS distances are the same whether the direction is applied by this
    sign flip, by choosing the minimum as the ideal of a cost indicator
    (Hwang and Yoon 1981) or by ``1 - r`` (as ``pymcdm`` does).

Which scale each method uses:

* entropy, coefficient-of-variation and CRITIC weights, development index:
  ``"minmax"`` with shift (see :mod:`.indicator_weights`,
  :mod:`.development_index`);
* TOPSIS: ``"vector"`` (default) or ``"zscore"`` for the distances, and
  ``"minmax"`` with shift for its entropy weights (see :mod:`.topsis`).

Data shape convention: ``X`` is a float array ``(n_regions, n_periods,
m_indicators)`` or ``(N, m)`` for a single period. The statistics (min, max,
mean, sd, norm) are taken either *pooled* over all region-years (default:
values are comparable across periods, the "panel entropy with year"
convention) or *per period* (each period standardised on its own).

A *constant* indicator (max == min, or sd == 0, or a zero vector within the
scope) cannot be standardised; it is set to ``0`` (``shift`` for min-max)
and flagged in :attr:`Standardized.constant` rather than raising.

References
----------
Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
and Applications*. Lecture Notes in Economics and Mathematical Systems 186,
Springer, Berlin. (vector normalisation, entropy weights, TOPSIS)

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.standardize import standardize
>>> X = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]])
>>> s = standardize(X, directions=[True, False], shift=0.0)
>>> s.values
array([[0. , 1. ],
       [0.5, 0. ],
       [1. , 0.5]])
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import InputDataError

__all__ = [
    "METHODS",
    "DEFAULT_SHIFT",
    "Standardized",
    "standardize",
    "minmax",
    "zscore",
    "vector_normalize",
    "constant_indicators",
]

METHODS = ("minmax", "zscore", "vector")
DEFAULT_SHIFT = 1e-4


# ---------------------------------------------------------------------------
# Shared validation helpers (used by the sibling modules of this issue).
# ---------------------------------------------------------------------------
def _indicator_label(j, names=None, kind="indicator", capital=False):
    """Human-readable name of indicator ``j`` for messages (1-based number)."""
    if capital:
        kind = kind[:1].upper() + kind[1:]
    if names is not None and j < len(names):
        return f"{kind} {names[j]!r}"
    return f"{kind} {j + 1}"


def _period_label(k, periods=None):
    if periods is not None and k < len(periods):
        return f"period {periods[k]!r}"
    return f"period {k + 1}"


def _show(v):
    """repr of a value without numpy 2's ``np.float64(...)`` wrapper."""
    return repr(v.item() if isinstance(v, np.generic) else v)


def _check_names(names, m, kind="indicator"):
    if names is None:
        return None
    names = [str(v) for v in names]
    if len(names) != m:
        raise InputDataError(
            f"{len(names)} name(s) were given for {m} {kind}s; give one per {kind}."
        )
    return names


def _as_panel(X, names=None, periods=None, what="indicator table", kind="indicator"):
    """Return ``X`` as a float64 ``(n, t, m)`` array and whether it was 2-D.

    Raises :class:`InputDataError` for wrong shapes, non-numeric or
    non-finite values, naming the first offending indicator, region and
    period.
    """
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The {what} must contain numbers only ({exc}).") from None
    if arr.ndim == 2:
        was_2d = True
        arr = arr[:, None, :]
    elif arr.ndim == 3:
        was_2d = False
    else:
        raise InputDataError(
            f"The {what} must be an array (regions, periods, indicators) or "
            f"(regions, indicators); got {arr.ndim} dimension(s) with shape {arr.shape}."
        )
    n, t, m = arr.shape
    if n == 0 or t == 0 or m == 0:
        raise InputDataError(f"The {what} is empty (shape {np.shape(X)}).")
    finite = np.isfinite(arr)
    if not finite.all():
        bad_cols = ~finite.all(axis=(0, 1))
        j = int(np.flatnonzero(bad_cols)[0])
        col_bad = ~finite[:, :, j]
        i, k = (int(v[0]) for v in np.nonzero(col_bad))
        count = int(col_bad.sum())
        where = f"region at row {i}" + ("" if was_2d else f", {_period_label(k, periods)}")
        raise InputDataError(
            f"{_indicator_label(j, names, kind, True)} has {count} missing or non-finite "
            f"value(s) (first: {where}). Fill gaps first, e.g. with "
            f"gapfill.interpolate_along_periods, or drop the indicator."
        )
    return arr, was_2d


def _as_directions(directions, m, names=None):
    """Return directions as a bool array (m,): True = positive (benefit).

    Accepts booleans, ``+1``/``-1`` numbers or the strings ``"+"``/``"-"``
    (also ``"positive"``/``"negative"``).
    """
    if directions is None:
        return np.ones(m, dtype=bool)
    raw = np.asarray(directions, dtype=object).ravel()
    if raw.size != m:
        raise InputDataError(
            f"{raw.size} indicator directions were given for {m} indicators; give one "
            f"per indicator (True or '+' for positive, False or '-' for negative)."
        )
    out = np.empty(m, dtype=bool)
    for j, v in enumerate(raw):
        if isinstance(v, str):
            s = v.strip().lower()
            if s in ("+", "positive", "pos", "benefit", "p", "true", "1"):
                out[j] = True
            elif s in ("-", "negative", "neg", "cost", "n", "false", "-1"):
                out[j] = False
            else:
                raise InputDataError(
                    f"The direction {_show(v)} of {_indicator_label(j, names)} is not understood; "
                    f"use '+' (positive, more is better) or '-' (negative, cost)."
                )
        elif isinstance(v, (bool, np.bool_)):
            out[j] = bool(v)
        else:
            try:
                fv = float(v)
            except (TypeError, ValueError):
                fv = np.nan
            if fv == 1.0:
                out[j] = True
            elif fv in (0.0, -1.0):
                out[j] = False
            else:
                raise InputDataError(
                    f"The direction {_show(v)} of {_indicator_label(j, names)} is not understood; "
                    f"use True/+1 (positive) or False/-1 (negative)."
                )
    return out


def _scope_axes(pooled):
    return (0, 1) if pooled else (0,)


def _squeeze_stat(stat, was_2d, pooled):
    """(1, 1, m) or (1, t, m) keepdims statistics -> (m,) or (t, m)."""
    if pooled or was_2d:
        return stat.reshape(stat.shape[-1])
    return stat.reshape(stat.shape[1:])


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Standardized:
    """A standardised indicator table and what was done to it.

    Attributes
    ----------
    values : ndarray
        Standardised values, same shape as the input ``(n, t, m)`` or
        ``(N, m)``; larger is better for every indicator.
    method : str
        ``"minmax"``, ``"zscore"`` or ``"vector"``.
    pooled : bool
        True when the statistics were taken over all region-years, False
        when per period.
    directions : ndarray of bool, shape (m,)
        True for positive indicators, False for negative ones.
    constant : ndarray of bool, shape (m,) or (t, m)
        Indicators that were constant within the scope (pooled: ``(m,)``;
        per period on a panel: ``(t, m)``). Their values are set to
        ``shift`` (min-max) or ``0`` (z-score, vector).
    location, scale : ndarray, shape (m,) or (t, m)
        The statistics used: min and range (min-max), mean and sd
        (z-score), 0 and Euclidean norm (vector).
    shift : float
        Shift added after min-max standardisation (0 for other methods).
    ddof : int
        Delta degrees of freedom of the sd (z-score only).
    """

    values: np.ndarray
    method: str
    pooled: bool
    directions: np.ndarray
    constant: np.ndarray
    location: np.ndarray
    scale: np.ndarray
    shift: float = 0.0
    ddof: int = 1
    meta: dict = field(default_factory=dict, compare=False)


def _standardize_panel(X3, dirs, method, pooled, shift, ddof):
    """Core on a validated (n, t, m) array; returns keepdims stats."""
    axes = _scope_axes(pooled)
    n, t, m = X3.shape
    if method == "minmax":
        lo = X3.min(axis=axes, keepdims=True)
        hi = X3.max(axis=axes, keepdims=True)
        rng = hi - lo
        const = ~(rng > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(const, 0.0, 1.0 / np.where(const, 1.0, rng))
        # positive: (x - lo) * inv ; negative: (hi - x) * inv
        a = np.where(dirs, inv, -inv)
        b = np.where(dirs, -lo * inv, hi * inv) + shift
        out = X3 * a
        out += b
        return out, const, lo, rng
    if method == "zscore":
        size = n * t if pooled else n
        if size - ddof <= 0:
            raise InputDataError(
                f"z-scores need more than {ddof} value(s) per indicator "
                f"{'over all region-years' if pooled else 'in each period'}; got {size}."
            )
        mean = X3.mean(axis=axes, keepdims=True)
        dev = X3 - mean
        sd = np.sqrt(np.einsum("ntm,ntm->m" if pooled else "ntm,ntm->tm", dev, dev)
                     / (size - ddof)).reshape(mean.shape)
        const = ~(sd > 0)
        inv = np.where(const, 0.0, 1.0 / np.where(const, 1.0, sd))
        dev *= np.where(dirs, inv, -inv)
        return dev, const, mean, sd
    if method == "vector":
        norm = np.sqrt(np.einsum("ntm,ntm->m" if pooled else "ntm,ntm->tm", X3, X3))
        norm = norm.reshape((1, 1, m) if pooled else (1, t, m))
        const = ~(norm > 0)
        inv = np.where(const, 0.0, 1.0 / np.where(const, 1.0, norm))
        out = X3 * np.where(dirs, inv, -inv)
        # a constant non-zero column keeps the same value everywhere: flag it
        if pooled:
            const = const | (X3.max(axis=axes, keepdims=True) == X3.min(axis=axes, keepdims=True))
        else:
            const = const | (X3.max(axis=0, keepdims=True) == X3.min(axis=0, keepdims=True))
        return out, const, np.zeros_like(norm), norm
    raise InputDataError(
        f"Unknown standardisation {method!r}; use one of {', '.join(map(repr, METHODS))}."
    )


def standardize(
    X,
    directions=None,
    method="minmax",
    *,
    pooled=True,
    shift=DEFAULT_SHIFT,
    ddof=1,
    names=None,
    periods=None,
):
    """Standardise an indicator table, direction-aware.

    Parameters
    ----------
    X : array_like, shape (n, t, m) or (N, m)
        Indicator values per region (and period). Must be finite.
    directions : array_like of bool, shape (m,), optional
        True (or ``+1``/``"+"``) for positive indicators, False (``-1``/``"-"``)
        for negative (cost) indicators. Default: all positive.
    method : {"minmax", "zscore", "vector"}
        See the module docstring for the formulas.
    pooled : bool, default True
        Take min/max/mean/sd/norm over all region-years (True) or per period
        (False). Irrelevant for a 2-D table.
    shift : float, default 1e-4
        Added after min-max standardisation so entropy logarithms are
        defined. Ignored by the other methods.
    ddof : int, default 1
        Delta degrees of freedom of the z-score sd (1 = sample sd).
    names, periods : sequence of str, optional
        Indicator and period labels, used only in error messages.

    Returns
    -------
    Standardized

    Raises
    ------
    InputDataError
        Wrong shape, missing/non-finite values, unknown method or direction.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]])
    >>> standardize(X, [True, False], "zscore").values[:, 0]
    array([-1.,  0.,  1.])
    """
    method = str(method).lower()
    if method not in METHODS:
        raise InputDataError(
            f"Unknown standardisation {method!r}; use one of {', '.join(map(repr, METHODS))}."
        )
    X3, was_2d = _as_panel(X, names, periods)
    m = X3.shape[2]
    names = _check_names(names, m)
    dirs = _as_directions(directions, m, names)
    shift = float(shift) if method == "minmax" else 0.0
    if not np.isfinite(shift) or shift < 0:
        raise InputDataError(f"The min-max shift must be a non-negative number; got {shift!r}.")
    pooled = bool(pooled) or was_2d
    out, const, loc, scale = _standardize_panel(X3, dirs, method, pooled, shift, int(ddof))
    values = out[:, 0, :] if was_2d else out
    return Standardized(
        values=values,
        method=method,
        pooled=pooled,
        directions=dirs,
        constant=_squeeze_stat(const, was_2d, pooled),
        location=_squeeze_stat(loc, was_2d, pooled),
        scale=_squeeze_stat(scale, was_2d, pooled),
        shift=shift,
        ddof=int(ddof),
    )


def minmax(X, directions=None, *, shift=DEFAULT_SHIFT, pooled=True):
    """Min-max standardised values (array only); see :func:`standardize`.

    Examples
    --------
    >>> minmax([[0.0], [5.0], [10.0]], shift=0.0).ravel()
    array([0. , 0.5, 1. ])
    """
    return standardize(X, directions, "minmax", pooled=pooled, shift=shift).values


def zscore(X, directions=None, *, pooled=True, ddof=1):
    """Z-scores, negative indicators sign-flipped (array only).

    Examples
    --------
    >>> zscore([[1.0], [2.0], [3.0]]).ravel()
    array([-1.,  0.,  1.])
    """
    return standardize(X, directions, "zscore", pooled=pooled, ddof=ddof).values


def vector_normalize(X, directions=None, *, pooled=True):
    """Vector-normalised values ``x / ||x||``, negatives sign-flipped.

    Examples
    --------
    >>> vector_normalize([[3.0], [4.0]]).ravel()
    array([0.6, 0.8])
    """
    return standardize(X, directions, "vector", pooled=pooled).values


def constant_indicators(X, *, pooled=True):
    """Mask of indicators whose values do not vary within the scope.

    Returns a bool array ``(m,)`` (pooled or 2-D input) or ``(t, m)``.

    Examples
    --------
    >>> constant_indicators([[1.0, 2.0], [1.0, 3.0]])
    array([ True, False])
    """
    X3, was_2d = _as_panel(X)
    pooled = bool(pooled) or was_2d
    axes = _scope_axes(pooled)
    const = X3.max(axis=axes, keepdims=True) == X3.min(axis=axes, keepdims=True)
    return _squeeze_stat(const, was_2d, pooled)
