"""Development indices: weighted sums of standardised indicators.

The comprehensive development index of region ``i`` in period ``t`` is the
weighted sum of its standardised indicators (linear weighting; e.g. the
entropy-weight development indices of the coupling-coordination literature)::

    S_it = sum_j L_ijt F_j

with ``L`` the min-max standardised table (direction applied, small shift;
see :mod:`.standardize`) and ``F`` weights that sum to 1 (see
:mod:`.indicator_weights`). Per-period weights ``F_tj`` are used period by
period.

Subsystems (economic, social, ecological, ...): every indicator belongs to
exactly one subsystem ``g``. Two conventions exist and both are offered:

``renormalize=True`` (default)
    ``S^g_it = sum_{j in g} L_ijt F_j / sum_{j in g} F_j`` — the weights are
    renormalised within the subsystem, so every subsystem index lies on the
    same 0..1 (+ shift) scale as the indicators and subsystem indices can be
    compared with each other (as the coupling-coordination degree needs).
    The overall index is then ``S_it = sum_g W_g S^g_it`` with subsystem
    weights ``W_g = sum_{j in g} F_j`` (:attr:`DevelopmentIndex.subsystem_weights`).
    For the entropy and CV methods this equals computing the weights inside
    each subsystem separately, because ``d_j`` and ``CV_j`` depend on
    indicator ``j`` alone (not so for CRITIC).
``renormalize=False``
    ``S^g_it = sum_{j in g} L_ijt F_j`` — the subsystem's contribution to
    the overall index; the subsystem indices add up to ``S_it``.

A subsystem whose weights are all zero (e.g. every indicator constant) has
no defined renormalised index: its column is NaN and a warning is given.

:func:`composite_index` runs the whole chain (standardise, weigh, sum) in one
call.

References
----------
Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
and Applications*. Springer, Berlin. (simple additive weighting)

OECD / JRC (2008). *Handbook on Constructing Composite Indicators:
Methodology and User Guide*. OECD Publishing, Paris.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.development_index import development_index
>>> L = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]])
>>> res = development_index(L, [0.5, 0.25, 0.25], ["eco", "eco", "soc"])
>>> res.index
array([0.375, 0.625])
>>> res.subsystem_labels, res.subsystem_index
(('eco', 'soc'), array([[0.33333333, 0.5       ],
       [0.66666667, 0.5       ]]))
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import Canceled, InputDataError
from .indicator_weights import IndicatorWeights, _given_weights, _resolve_weights
from .standardize import (
    DEFAULT_SHIFT,
    _as_directions,
    _as_panel,
    _check_names,
    _squeeze_stat,
    _standardize_panel,
)

__all__ = [
    "DevelopmentIndex",
    "CompositeIndex",
    "subsystem_membership",
    "development_index",
    "composite_index",
]


@dataclass(frozen=True)
class DevelopmentIndex:
    """Development index overall and per subsystem.

    Attributes
    ----------
    index : ndarray, shape (n, t) or (N,)
        Overall index ``S_it``.
    subsystem_index : ndarray, shape (n, t, s) or (N, s), or None
        Index of each subsystem (None without subsystems).
    subsystem_labels : tuple
        Subsystem labels in order of first appearance.
    subsystem_weights : ndarray, shape (s,) or (t, s), or None
        ``W_g = sum_{j in g} F_j``: share of each subsystem in the overall
        index.
    weights : ndarray, shape (m,) or (t, m)
        Indicator weights used (normalised to sum 1).
    renormalized : bool
        Whether subsystem indices use weights renormalised within the
        subsystem.
    warnings : tuple of str
    """

    index: np.ndarray
    subsystem_index: np.ndarray
    subsystem_labels: tuple
    subsystem_weights: np.ndarray
    weights: np.ndarray
    renormalized: bool
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class CompositeIndex:
    """Result of :func:`composite_index` (standardise, weigh, sum).

    Attributes
    ----------
    index, subsystem_index, subsystem_labels, subsystem_weights, weights,
    renormalized
        As in :class:`DevelopmentIndex`.
    weighting : IndicatorWeights or None
        The objective weights and the values behind them (entropy,
        divergence, CV, CRITIC sigma/conflict) when they were computed here;
        the object passed in when one was given; None for plain arrays.
    constant : ndarray of bool, shape (m,) or (t, m)
        Indicators constant within the standardisation scope.
    pooled : bool
        Standardisation (and objective weights) pooled over all
        region-years (True) or per period.
    shift : float
        Min-max shift used.
    warnings : tuple of str
    """

    index: np.ndarray
    subsystem_index: np.ndarray
    subsystem_labels: tuple
    subsystem_weights: np.ndarray
    weights: np.ndarray
    weighting: IndicatorWeights
    constant: np.ndarray
    pooled: bool
    shift: float
    renormalized: bool
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


def subsystem_membership(subsystems, m, names=None):
    """One-hot membership matrix of indicators in subsystems.

    Parameters
    ----------
    subsystems : sequence, length m
        Subsystem label of every indicator (str or int; None is not
        allowed: every indicator belongs to exactly one subsystem).
    m : int
        Number of indicators.
    names : sequence of str, optional
        Indicator names for error messages.

    Returns
    -------
    labels : tuple
        Distinct labels in order of first appearance.
    G : ndarray of float, shape (m, s)
        ``G[j, g] = 1`` when indicator ``j`` belongs to subsystem ``g``.

    Examples
    --------
    >>> labels, G = subsystem_membership(["eco", "soc", "eco"], 3)
    >>> labels, G.tolist()
    (('eco', 'soc'), [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    """
    subs = list(subsystems)
    if len(subs) != m:
        raise InputDataError(
            f"{len(subs)} subsystem label(s) were given for {m} indicators; give the "
            f"subsystem of every indicator."
        )
    labels = []
    index = {}
    col = np.empty(m, dtype=np.int64)
    for j, lab in enumerate(subs):
        if lab is None or (isinstance(lab, float) and np.isnan(lab)) or (
            isinstance(lab, str) and not lab.strip()
        ):
            who = repr(names[j]) if names is not None else str(j + 1)
            raise InputDataError(
                f"Indicator {who} has no subsystem; give every indicator a subsystem label."
            )
        if lab not in index:
            index[lab] = len(labels)
            labels.append(lab)
        col[j] = index[lab]
    G = np.zeros((m, len(labels)))
    G[np.arange(m), col] = 1.0
    return tuple(labels), G


def _index_core(L3, F, G, renormalize, was_2d, labels):
    """Overall and subsystem indices on (n, t, m) with F (m,) or (t, m)."""
    n, t, m = L3.shape
    warnings = []
    # products summed by numpy itself, not BLAS: the same bits in every
    # process (BLAS kernels round by memory alignment and threads), so that
    # a result re-run from its provenance, or by a model, is identical
    if F.ndim == 1:
        S = (L3 * F).sum(axis=-1)
    else:
        S = (L3 * F[None]).sum(axis=-1)
    sub = sub_w = None
    if G is not None:
        Wg = F[..., :, None] * G  # (m, s) or (t, m, s)
        sub_w = Wg.sum(axis=-2)  # (s,) or (t, s)
        if renormalize:
            zero = ~(sub_w > 0)
            if np.any(zero):
                gs = np.flatnonzero(zero.reshape(-1, len(labels)).any(axis=0))
                for g in gs:
                    warnings.append(
                        f"Subsystem {labels[g]!r} has only zero-weight (constant) indicators"
                        + ("" if F.ndim == 1 else " in some period(s)")
                        + "; its index is left empty (NaN)."
                    )
            with np.errstate(divide="ignore", invalid="ignore"):
                Wg = Wg / np.where(zero, np.nan, sub_w)[..., None, :]
        if F.ndim == 1:
            sub = np.einsum("ntm,ms->nts", L3, Wg)
        else:
            sub = np.einsum("ntm,tms->nts", L3, Wg)
    if was_2d:
        S = S[:, 0]
        sub = None if sub is None else sub[:, 0, :]
        if sub_w is not None and sub_w.ndim == 2:
            sub_w = sub_w[0]
    return S, sub, sub_w, warnings


def development_index(L, weights, subsystems=None, *, renormalize=True, names=None,
                      periods=None):
    """Weighted-sum development index, overall and per subsystem.

    Parameters
    ----------
    L : array_like, shape (n, t, m) or (N, m)
        *Standardised* indicators (e.g. :func:`.standardize.minmax`),
        larger = better.
    weights : array_like, shape (m,) or (t, m)
        Indicator weights (normalised here to sum 1 per row), or an
        :class:`~.indicator_weights.IndicatorWeights`.
    subsystems : sequence, length m, optional
        Subsystem label of each indicator.
    renormalize : bool, default True
        Renormalise the weights within each subsystem (see the module
        docstring); False gives each subsystem's contribution to the overall
        index.
    names, periods : sequence of str, optional
        Labels for messages.

    Returns
    -------
    DevelopmentIndex

    Examples
    --------
    >>> res = development_index([[0.2, 0.4], [1.0, 0.0]], [0.25, 0.75], ["a", "b"],
    ...                         renormalize=False)
    >>> res.index, res.subsystem_index
    (array([0.35, 0.25]), array([[0.05, 0.3 ],
           [0.25, 0.  ]]))
    """
    L3, was_2d = _as_panel(L, names, periods, what="standardised indicator table")
    n, t, m = L3.shape
    names = _check_names(names, m)
    if isinstance(weights, IndicatorWeights):
        weights = weights.weights
    F = _given_weights(weights, t, m, was_2d, names)
    labels, G = (None, None) if subsystems is None else subsystem_membership(subsystems, m, names)
    S, sub, sub_w, warns = _index_core(L3, F, G, bool(renormalize), was_2d, labels)
    return DevelopmentIndex(
        index=S,
        subsystem_index=sub,
        subsystem_labels=labels or (),
        subsystem_weights=sub_w,
        weights=F,
        renormalized=bool(renormalize),
        warnings=tuple(warns),
    )


def composite_index(
    X,
    directions=None,
    *,
    weights="entropy",
    subsystems=None,
    pooled=True,
    renormalize=True,
    shift=DEFAULT_SHIFT,
    ddof=1,
    names=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """Standardise, weigh and sum an indicator table in one call.

    Steps: min-max standardisation with direction and shift (pooled over all
    region-years or per period), indicator weights, development index
    overall and per subsystem.

    Parameters
    ----------
    X : array_like, shape (n, t, m) or (N, m)
        Raw indicators (finite; fill gaps first).
    directions : array_like of bool, shape (m,), optional
        True = positive, False = negative indicator. Default all positive.
    weights : str, sequence of str, array_like or IndicatorWeights
        ``"entropy"`` (default), ``"cv"``, ``"critic"`` or several of them
        (their weights are averaged), computed on the same standardised
        table; or given weights ``(m,)``/``(t, m)`` (e.g. from
        :func:`~.indicator_weights.g1_weights` or a combination).
    subsystems : sequence, length m, optional
        Subsystem label of each indicator.
    pooled : bool, default True
        Scope of standardisation and objective weights.
    renormalize : bool, default True
        Subsystem convention (see the module docstring).
    shift : float, default 1e-4
        Min-max shift.
    ddof : int, default 1
        sd convention for CV/CRITIC (does not change the weights).
    names, periods : sequence of str, optional
        Labels for warnings and errors.
    progress : callable, optional
        ``progress(fraction)`` with fraction in [0, 1].
    is_canceled : callable, optional
        Returns True to stop; raises :class:`~.errors.Canceled`.

    Returns
    -------
    CompositeIndex

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0, 9.0]], [[2.0, 8.0]], [[4.0, 7.0]]])  # 3 regions, 1 year
    >>> res = composite_index(X, [True, False], weights=[0.5, 0.5], shift=0.0)
    >>> res.index.ravel()  # (0 + 0) / 2, (1/3 + 1/2) / 2, (1 + 1) / 2
    array([0.        , 0.41666667, 1.        ])
    """

    def _step(fraction):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            progress(fraction)

    X3, was_2d = _as_panel(X, names, periods)
    n, t, m = X3.shape
    names = _check_names(names, m)
    pooled = bool(pooled) or was_2d
    shift = float(shift)
    if not np.isfinite(shift) or shift < 0:
        raise InputDataError(f"The min-max shift must be a non-negative number; got {shift!r}.")
    dirs = _as_directions(directions, m, names)
    labels, G = (None, None) if subsystems is None else subsystem_membership(subsystems, m, names)
    _step(0.0)
    L3, const, _, _ = _standardize_panel(X3, dirs, "minmax", pooled, shift, 1)
    _step(0.35)
    F, weighting = _resolve_weights(weights, L3, const, pooled, was_2d, shift, int(ddof),
                                    names, periods)
    _step(0.7)
    S, sub, sub_w, warns = _index_core(L3, F, G, bool(renormalize), was_2d, labels)
    _step(1.0)
    const_out = _squeeze_stat(const, was_2d, pooled)
    all_warn = tuple(weighting.warnings if weighting is not None else ()) + tuple(warns)
    return CompositeIndex(
        index=S,
        subsystem_index=sub,
        subsystem_labels=labels or (),
        subsystem_weights=sub_w,
        weights=F,
        weighting=weighting,
        constant=const_out,
        pooled=pooled,
        shift=shift,
        renormalized=bool(renormalize),
        warnings=all_warn,
    )
