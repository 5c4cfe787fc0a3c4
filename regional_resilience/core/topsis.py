"""Entropy-TOPSIS: closeness of regions to the ideal solution.

TOPSIS (Hwang and Yoon 1981) ranks alternatives — here region-years — by
their distances to a positive ideal (best value of every indicator) and a
negative ideal (worst value)::

    r_ij  = normalised indicator, larger = better (directions applied)
    v_ij  = w_j r_ij
    v+_j  = max_i v_ij,   v-_j = min_i v_ij
    D+_i  = sqrt(sum_j (v_ij - v+_j)**2),   D-_i = sqrt(sum_j (v_ij - v-_j)**2)
    C_i   = D-_i / (D+_i + D-_i)             in [0, 1], 1 = at the ideal

Normalisation (``normalization=``):

``"vector"`` (default, Hwang and Yoon)
    ``r = x / sqrt(sum x**2)``; negative indicators are sign-flipped
    (``-r``), which makes ``max`` the ideal of every indicator. This gives
    exactly the distances of the textbook form (``r`` kept, ``min`` taken as
    the ideal of a cost indicator) and of ``pymcdm``'s ``1 - r`` form,
    because both differ from ours by a reflection/translation per column.
``"zscore"``
    ``z = (x - mean) / sd``, negatives sign-flipped (common in the
    "entropy-TOPSIS with z-scores" literature).
``"minmax"``
    Min-max with direction (as ``pymcdm``'s default TOPSIS).

The normalisation statistics are pooled over all region-years (default) or
per period (``pooled=False``). The ideals are taken over all region-years
(``pooled_ideal=True``, default: closeness comparable across periods) or
within each period (``pooled_ideal=False``: the classic one-year TOPSIS run
year by year).

Weights: by default *entropy weights* computed on the min-max standardised
table with shift (z-scores and vector norms can be negative or do not sum
meaningfully, so the entropy method always uses min-max, see
:mod:`.indicator_weights`), pooled like the normalisation. Other objective
methods, or given weights ``(m,)``/``(t, m)``, can be passed.

References
----------
Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
and Applications*. Lecture Notes in Economics and Mathematical Systems 186,
Springer, Berlin.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.topsis import topsis
>>> X = np.array([[1.0, 3000.0], [2.0, 3750.0], [5.0, 4500.0]])
>>> res = topsis(X, [False, True], weights=[0.5, 0.5], normalization="minmax")
>>> res.closeness.round(3)
array([0.5  , 0.617, 0.5  ])
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import Canceled, InputDataError
from .indicator_weights import IndicatorWeights, _is_method_spec, _resolve_weights
from .standardize import (
    DEFAULT_SHIFT,
    _as_directions,
    _as_panel,
    _check_names,
    _period_label,
    _standardize_panel,
)

__all__ = ["NORMALIZATIONS", "TopsisResult", "topsis"]

NORMALIZATIONS = ("vector", "zscore", "minmax")


@dataclass(frozen=True)
class TopsisResult:
    """Result of :func:`topsis`.

    Attributes
    ----------
    closeness : ndarray, shape (n, t) or (N,)
        Relative closeness ``C = D- / (D+ + D-)`` in [0, 1]; NaN where
        ``D+ + D- = 0`` (every region tied within the ideal's scope).
    d_plus, d_minus : ndarray, same shape
        Distances to the positive and negative ideal.
    ideal_best, ideal_worst : ndarray, shape (m,) or (t, m)
        Positive and negative ideal of the weighted normalised values, in
        oriented coordinates (negative indicators sign-flipped, so the
        positive ideal is the column maximum).
    weights : ndarray, shape (m,) or (t, m)
        Indicator weights used.
    weighting : IndicatorWeights or None
        Objective weights and the values behind them (entropy ``e_j``,
        divergence ``d_j``...) when computed here.
    normalization : str
    pooled : bool
        Normalisation (and objective weights) pooled over region-years.
    pooled_ideal : bool
        Ideals taken over all region-years (True) or per period.
    warnings : tuple of str
    """

    closeness: np.ndarray
    d_plus: np.ndarray
    d_minus: np.ndarray
    ideal_best: np.ndarray
    ideal_worst: np.ndarray
    weights: np.ndarray
    weighting: IndicatorWeights
    normalization: str
    pooled: bool
    pooled_ideal: bool
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


def topsis(
    X,
    directions=None,
    weights="entropy",
    *,
    normalization="vector",
    pooled=True,
    pooled_ideal=True,
    shift=DEFAULT_SHIFT,
    ddof=1,
    names=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """(Entropy-)TOPSIS closeness of every region-year.

    Parameters
    ----------
    X : array_like, shape (n, t, m) or (N, m)
        Raw indicators (finite).
    directions : array_like of bool, shape (m,), optional
        True = positive, False = negative indicator. Default all positive.
    weights : str, sequence of str, array_like or IndicatorWeights
        ``"entropy"`` (default), ``"cv"``, ``"critic"`` (or several,
        averaged), computed on the min-max table; or given weights
        ``(m,)``/``(t, m)``.
    normalization : {"vector", "zscore", "minmax"}, default "vector"
    pooled : bool, default True
        Normalisation and objective weights over all region-years (True)
        or per period.
    pooled_ideal : bool, default True
        Ideals over all region-years (True) or per period.
    shift : float, default 1e-4
        Min-max shift for the entropy weights.
    ddof : int, default 1
        sd convention of the z-scores (closeness does not depend on it: it
        rescales every distance by the same factor) and of CV/CRITIC.
    names, periods : sequence of str, optional
        Labels for warnings and errors.
    progress, is_canceled : callable, optional
        ``progress(fraction)``; ``is_canceled()`` -> True raises
        :class:`~.errors.Canceled`.

    Returns
    -------
    TopsisResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).random((50, 4, 3))
    >>> res = topsis(X, [True, True, False])
    >>> res.closeness.shape, bool(((res.closeness >= 0) & (res.closeness <= 1)).all())
    ((50, 4), True)
    """

    def _step(fraction):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            progress(fraction)

    normalization = str(normalization).lower()
    if normalization not in NORMALIZATIONS:
        raise InputDataError(
            f"Unknown TOPSIS normalisation {normalization!r}; use one of "
            f"{', '.join(map(repr, NORMALIZATIONS))}."
        )
    X3, was_2d = _as_panel(X, names, periods)
    n, t, m = X3.shape
    names = _check_names(names, m)
    dirs = _as_directions(directions, m, names)
    pooled = bool(pooled) or was_2d
    pooled_ideal = bool(pooled_ideal) or was_2d
    shift = float(shift)
    if not np.isfinite(shift) or shift < 0:
        raise InputDataError(f"The min-max shift must be a non-negative number; got {shift!r}.")
    _step(0.0)

    L3 = None
    needs_minmax = normalization == "minmax" or _is_method_spec(weights)
    if needs_minmax:
        L3, const, _, _ = _standardize_panel(X3, dirs, "minmax", pooled, shift, 1)
    else:
        const = np.zeros((1, 1, m), dtype=bool)
    F, weighting = _resolve_weights(weights, L3 if L3 is not None else X3, const, pooled,
                                    was_2d, shift, int(ddof), names, periods)
    _step(0.3)
    if normalization == "minmax":
        R3 = L3
    else:
        R3, _, _, _ = _standardize_panel(X3, dirs, normalization, pooled, 0.0, int(ddof))
    del L3
    _step(0.5)

    Fb = F if F.ndim == 1 else F[None, :, :]
    V = R3 * Fb
    axes = (0, 1) if pooled_ideal else (0,)
    best = V.max(axis=axes, keepdims=True)
    worst = V.min(axis=axes, keepdims=True)
    diff = V - best
    d_plus = np.sqrt(np.einsum("ntm,ntm->nt", diff, diff))
    np.subtract(V, worst, out=diff)
    d_minus = np.sqrt(np.einsum("ntm,ntm->nt", diff, diff))
    del diff, V
    _step(0.9)
    total = d_plus + d_minus
    tied = ~(total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = np.where(tied, np.nan, d_minus / np.where(tied, 1.0, total))
    warnings = list(weighting.warnings) if weighting is not None else []
    if tied.any():
        if pooled_ideal:
            warnings.append(
                "All region-years are tied (every weighted indicator is constant); "
                "closeness is undefined (NaN)."
            )
        else:
            ks = np.flatnonzero(tied.any(axis=0))
            warnings.append(
                "All regions are tied in "
                + ", ".join(_period_label(int(k), periods) for k in ks)
                + "; closeness is undefined (NaN) there."
            )
    if pooled_ideal:
        best, worst = best.reshape(m), worst.reshape(m)
    else:
        best, worst = best.reshape(t, m), worst.reshape(t, m)
    if was_2d:
        closeness, d_plus, d_minus = closeness[:, 0], d_plus[:, 0], d_minus[:, 0]
    _step(1.0)
    return TopsisResult(
        closeness=closeness,
        d_plus=d_plus,
        d_minus=d_minus,
        ideal_best=best,
        ideal_worst=worst,
        weights=F,
        weighting=weighting,
        normalization=normalization,
        pooled=pooled,
        pooled_ideal=pooled_ideal,
        warnings=tuple(warnings),
    )
