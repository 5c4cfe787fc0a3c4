"""Indicator weights for composite indices: objective, subjective, combined.

Objective methods read the weights from the data; all three work on the
*min-max standardised* table ``L`` (direction applied, ``+ shift``; see
:mod:`.standardize`), pooled over all region-years (default) or per period:

``"entropy"`` — entropy weight method (Shannon 1948; Zeleny 1982; Hwang and
    Yoon 1981)::

        p_ij = L_ij / sum_i L_ij
        e_j  = -k sum_i p_ij ln p_ij,     k = 1 / ln N
        d_j  = 1 - e_j                    (divergence, "information utility")
        w_j  = d_j / sum_j d_j

    ``i`` runs over the N observations of the scope: all ``n * t``
    region-years when pooled (the panel "entropy method with time variable",
    ``k = 1 / ln(n t)``), the ``n`` regions of one period otherwise.
    ``0 ln 0`` is taken as 0.
``"cv"`` — coefficient of variation: ``CV_j = sd_j / mean_j`` of ``L``;
    ``w_j = CV_j / sum_j CV_j``.
``"critic"`` — CRITIC (Diakoulaki, Mavrotas and Papayannakis 1995)::

        C_j = sigma_j * sum_k (1 - r_jk),   w_j = C_j / sum_j C_j

    with ``sigma_j`` the sd of ``L`` and ``r_jk`` Pearson's correlation of
    indicators ``j`` and ``k``. Results: :attr:`IndicatorWeights.sigma`,
    :attr:`~IndicatorWeights.conflict` (``sum_k (1 - r_jk)``) and
    :attr:`~IndicatorWeights.information` (``C_j``).

*Sample vs population sd* (``ddof=1`` vs ``ddof=0``): with complete data the
sd of every indicator is computed over the same number of values, so
switching ``ddof`` multiplies every ``CV_j`` and every ``sigma_j`` by the
same factor ``sqrt(N / (N - 1))``; the *weights are identical*, only the
reported ``cv`` and ``sigma`` change. Default ``ddof=1`` (sample sd, as in
Diakoulaki et al. and ``pymcdm``).

*Constant indicators* (no variation within the scope) carry no information:
they get weight 0, ``e_j = 1``, ``d_j = CV_j = C_j = 0``, are flagged in
:attr:`IndicatorWeights.constant` and listed in
:attr:`~IndicatorWeights.warnings`; CRITIC leaves them out of the other
indicators' conflict sums, so adding a constant indicator never changes the
other weights. Weights always sum to 1 (per period when per period). In
CRITIC a single varying indicator (all others constant) takes weight 1, and
varying indicators that are all perfectly correlated (no conflict at all)
raise :class:`~.errors.InputDataError`.

*Comparison with pymcdm* (tested when it is installed): ``pymcdm``'s
``entropy_weights`` sum-normalises the matrix as given (no min-max, no
direction) and sets ``e_j = 0`` — maximal weight — for any column that
contains a zero, where we use ``0 ln 0 = 0``; its ``critic_weights``
min-max normalises every column as a benefit criterion, so cost indicators
enter with the wrong correlation sign. Fed our oriented, shifted min-max
table both give our weights to rounding.

Subjective methods: :func:`g1_weights` (Guo's order-relation method G1) and
:func:`expert_weights`. Combinations: :func:`combine_multiplicative`,
:func:`combine_linear`, :func:`combine_mean`.

References
----------
Diakoulaki, D., Mavrotas, G., Papayannakis, L. (1995). Determining objective
weights in multiple criteria problems: the CRITIC method. *Computers &
Operations Research* 22(7), 763-770.

Guo, Y. (2002). *Comprehensive Evaluation Theory and Method* (in Chinese:
综合评价理论与方法). Science Press, Beijing. (order-relation method G1)

Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
and Applications*. Springer, Berlin.

Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
Technical Journal* 27(3), 379-423.

Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill, New York.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.indicator_weights import entropy_weights
>>> X = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
>>> res = entropy_weights(X)
>>> res.weights
array([1., 0.])
>>> res.constant
array([False,  True])
"""
from dataclasses import dataclass, field

import numpy as np
from scipy.special import xlogy

from .errors import InputDataError
from .standardize import (
    DEFAULT_SHIFT,
    _as_directions,
    _as_panel,
    _check_names,
    _indicator_label,
    _period_label,
    _scope_axes,
    _show,
    _squeeze_stat,
    _standardize_panel,
)

__all__ = [
    "OBJECTIVE_METHODS",
    "G1_RATIO_SCALE",
    "IndicatorWeights",
    "objective_weights",
    "entropy_weights",
    "cv_weights",
    "critic_weights",
    "g1_weights",
    "expert_weights",
    "combine_multiplicative",
    "combine_linear",
    "combine_mean",
]

OBJECTIVE_METHODS = ("entropy", "cv", "critic")

#: Guo's verbal scale for the G1 ratios ``r_k = w_{k-1} / w_k``
#: (intermediate values 1.1, 1.3, 1.5, 1.7 are allowed).
G1_RATIO_SCALE = {
    1.0: "equally important",
    1.2: "slightly more important",
    1.4: "clearly more important",
    1.6: "strongly more important",
    1.8: "extremely more important",
}


@dataclass(frozen=True)
class IndicatorWeights:
    """Weights of ``m`` indicators and the quantities behind them.

    Arrays are ``(m,)`` when pooled (or for a single-period table) and
    ``(t, m)`` when computed per period; CRITIC's correlation is ``(m, m)``
    or ``(t, m, m)``. Quantities of methods that were not run are ``None``.

    Attributes
    ----------
    weights : ndarray
        Final weights (the combination of :attr:`per_method` when several
        methods were run); sum to 1 along the last axis.
    methods : tuple of str
        Methods run, e.g. ``("entropy",)`` or ``("entropy", "critic")``.
    combination : str
        ``"single"``, ``"mean"`` (arithmetic mean of the method weights) or
        ``"product"`` (multiplicative, renormalised).
    per_method : dict
        Method name -> weights array of that method alone.
    pooled : bool
        True: pooled over all region-years; False: per period.
    standardization : str
        ``"minmax"`` (the data were min-max standardised here, with
        :attr:`shift`) or ``"none"`` (used as given).
    constant : ndarray of bool
        Indicators without variation in the scope (weight 0).
    warnings : tuple of str
        Plain sentences for the log (constant indicators, ...).
    entropy, divergence : ndarray or None
        Entropy ``e_j`` and divergence ``d_j = 1 - e_j``.
    cv_mean, cv_sd, cv : ndarray or None
        Mean, sd and coefficient of variation ``CV_j`` of the standardised
        data.
    sigma, conflict, information, correlation : ndarray or None
        CRITIC: sd ``sigma_j``, conflict ``sum_k (1 - r_jk)``, information
        ``C_j = sigma_j * conflict_j`` and the correlation matrix ``r``.
    """

    weights: np.ndarray
    methods: tuple
    combination: str
    per_method: dict
    pooled: bool
    standardization: str
    constant: np.ndarray
    warnings: tuple = ()
    shift: float = DEFAULT_SHIFT
    ddof: int = 1
    entropy: np.ndarray = None
    divergence: np.ndarray = None
    cv_mean: np.ndarray = None
    cv_sd: np.ndarray = None
    cv: np.ndarray = None
    sigma: np.ndarray = None
    conflict: np.ndarray = None
    information: np.ndarray = None
    correlation: np.ndarray = None
    names: tuple = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def method(self):
        """One label for reports, e.g. ``"entropy"`` or ``"mean(entropy, critic)"``."""
        if len(self.methods) == 1:
            return self.methods[0]
        return f"{self.combination}({', '.join(self.methods)})"


# ---------------------------------------------------------------------------
# Cores on a validated (n, t, m) array; statistics returned with keepdims.
# ---------------------------------------------------------------------------
def _scope_size(L3, pooled):
    n, t, _ = L3.shape
    return n * t if pooled else n


def _entropy_core(L3, pooled, const):
    """Entropy e and divergence d (keepdims); ``const`` forces e=1, d=0."""
    axes = _scope_axes(pooled)
    N = _scope_size(L3, pooled)
    S = L3.sum(axis=axes, keepdims=True)
    zero = ~(S > 0)
    const = const | zero
    with np.errstate(divide="ignore", invalid="ignore"):
        p = L3 / np.where(zero, 1.0, S)
    xlogy(p, p, out=p)
    H = p.sum(axis=axes, keepdims=True)
    e = -H / np.log(N)
    e = np.where(const, 1.0, np.clip(e, 0.0, 1.0))
    d = 1.0 - e
    return e, d, const


def _mean_sd(L3, pooled, ddof):
    axes = _scope_axes(pooled)
    N = _scope_size(L3, pooled)
    mean = L3.mean(axis=axes, keepdims=True)
    dev = L3 - mean
    return mean, dev, N


def _cv_core(L3, pooled, ddof, const):
    mean, dev, N = _mean_sd(L3, pooled, ddof)
    ss = np.einsum("ntm,ntm->m" if pooled else "ntm,ntm->tm", dev, dev)
    sd = np.sqrt(ss / (N - ddof)).reshape(mean.shape)
    sd = np.where(const, 0.0, sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(const, 0.0, sd / mean)
    return mean, sd, cv


def _critic_core(L3, pooled, ddof, const):
    n, t, m = L3.shape
    mean, dev, N = _mean_sd(L3, pooled, ddof)
    if pooled:
        D = dev.reshape(-1, m)
        # numpy's own sums, not BLAS: the same bits in every process
        cov = np.einsum("ij,ik->jk", D, D)[None]  # (1, m, m)
    else:
        cov = np.einsum("ntj,ntk->tjk", dev, dev)  # (t, m, m)
    cov = cov / (N - ddof)
    var = np.einsum("tjj->tj", cov).copy()
    c2 = const.reshape(-1, m)  # (1 or t, m)
    var[c2] = 0.0
    sigma = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / (sigma[:, :, None] * sigma[:, None, :])
    r = np.clip(r, -1.0, 1.0)
    bad = c2[:, :, None] | c2[:, None, :]
    r[bad] = np.nan
    live = (~c2).astype(float)  # leave constant indicators out of the sums
    conflict = np.einsum("tjk,tk->tj", np.where(bad, 0.0, 1.0 - r), live)
    conflict[c2] = 0.0
    info = sigma * conflict
    shape = mean.shape
    corr = r[0] if pooled else r
    return sigma.reshape(shape), conflict.reshape(shape), info.reshape(shape), corr


def _normalise_rows(a, what, labels, kind="indicator"):
    """a / a.sum(-1) with a clear error when a row sums to zero."""
    s = a.sum(axis=-1, keepdims=True)
    if np.any(~(s > 0)):
        if a.ndim == 2:
            k = int(np.flatnonzero(~(s[:, 0] > 0))[0])
            where = f" in {_period_label(k, labels)}"
        else:
            where = ""
        raise InputDataError(
            f"All {what} are zero{where}: every {kind} is constant there, so no "
            f"{kind} discriminates between regions. Check the input fields."
        )
    return a / s


def _constant_warnings(const, pooled, was_2d, names, periods, kind="indicator"):
    out = []
    if pooled or was_2d:
        for j in np.flatnonzero(const):
            scope = "over all regions" if was_2d else "over all region-years"
            out.append(
                f"{_indicator_label(int(j), names, kind, True)} is constant {scope}; "
                f"it gets weight 0."
            )
    else:
        for j in np.flatnonzero(const.any(axis=0)):
            ks = np.flatnonzero(const[:, j])
            labels = ", ".join(_period_label(int(k), periods) for k in ks)
            out.append(
                f"{_indicator_label(int(j), names, kind, True)} is constant in {labels}; "
                f"it gets weight 0 there."
            )
    return out


def _prepare(X, directions, pooled, standardize, shift, names, periods):
    """Validate and (optionally) min-max standardise; returns L3 and context."""
    X3, was_2d = _as_panel(X, names, periods)
    n, t, m = X3.shape
    names = _check_names(names, m)
    pooled = bool(pooled) or was_2d
    shift = float(shift)
    if not np.isfinite(shift) or shift < 0:
        raise InputDataError(f"The min-max shift must be a non-negative number; got {shift!r}.")
    N = n * t if pooled else n
    if N < 2:
        raise InputDataError(
            f"Objective weights need at least 2 observations per indicator "
            f"{'in total' if pooled else 'in each period'}; got {N}."
        )
    if standardize:
        dirs = _as_directions(directions, m, names)
        L3, const, _, _ = _standardize_panel(X3, dirs, "minmax", pooled, shift, 1)
    else:
        L3 = X3
        axes = _scope_axes(pooled)
        const = L3.max(axis=axes, keepdims=True) == L3.min(axis=axes, keepdims=True)
    return L3, const, was_2d, pooled, names


def _objective_from_panel(L3, const, methods, combine, pooled, was_2d, standardized,
                          shift, ddof, names, periods, kind="indicator"):
    n, t, m = L3.shape
    sq = lambda a: _squeeze_stat(a, was_2d, pooled)  # noqa: E731
    N = _scope_size(L3, pooled)
    if any(meth in ("cv", "critic") for meth in methods) and N - ddof <= 0:
        raise InputDataError(
            f"The sd with ddof={ddof} needs more than {ddof} observation(s) per indicator; got {N}."
        )
    per = {}
    extra = {}
    for meth in methods:
        if meth == "entropy":
            if not standardized and np.any(L3 < 0):
                j = int(np.flatnonzero((L3 < 0).any(axis=(0, 1)))[0])
                raise InputDataError(
                    f"{_indicator_label(j, names, kind, True)} has negative values; the "
                    f"entropy method needs non-negative data. Let the tool standardise the "
                    f"{kind}s (min-max) or shift the values before passing them."
                )
            e, d, c_e = _entropy_core(L3, pooled, const)
            extra["entropy"], extra["divergence"] = sq(e), sq(d)
            per[meth] = d
            const = c_e
        elif meth == "cv":
            mean, sd, cv = _cv_core(L3, pooled, ddof, const)
            if np.any((mean <= 0) & ~const):
                j = int(np.flatnonzero(((mean <= 0) & ~const).reshape(-1, m).any(axis=0))[0])
                raise InputDataError(
                    f"{_indicator_label(j, names, kind, True)} has a mean <= 0, so its "
                    f"coefficient of variation is undefined; let the tool standardise the "
                    f"indicators (min-max) first."
                )
            extra["cv_mean"], extra["cv_sd"], extra["cv"] = sq(mean), sq(sd), sq(cv)
            per[meth] = cv
        elif meth == "critic":
            sigma, conflict, info, corr = _critic_core(L3, pooled, ddof, const)
            extra.update(sigma=sq(sigma), conflict=sq(conflict), information=sq(info),
                         correlation=corr)
            varying = (~const).sum(axis=-1, keepdims=True)
            # a lone varying indicator has nothing to conflict with: it takes all the weight
            lone = (varying == 1) & ~const
            crit = np.where(lone, 1.0, info)
            # conflict is a sum of (1 - r): below 1e-10 it is rounding noise of r = 1
            dead = (conflict.max(axis=-1, keepdims=True) < 1e-10) & (varying > 1)
            if np.any(dead):
                where = ""
                if not (pooled or was_2d):
                    k = int(np.flatnonzero(dead.reshape(-1))[0])
                    where = f" in {_period_label(k, periods)}"
                raise InputDataError(
                    f"CRITIC cannot weigh the indicators{where}: the varying indicators are "
                    f"perfectly correlated, so none conflicts with another. Use the entropy "
                    f"or CV method, or drop the duplicate indicators."
                )
            per[meth] = crit
        else:
            raise InputDataError(
                f"Unknown weighting method {meth!r}; use one of "
                f"{', '.join(map(repr, OBJECTIVE_METHODS))}."
            )
    for meth in per:
        per[meth] = _normalise_rows(sq(np.where(const, 0.0, per[meth])),
                                    f"{meth} weights", periods, kind)
    if len(methods) == 1:
        final, combination = per[methods[0]], "single"
    elif combine == "mean":
        final, combination = combine_mean(*per.values()), "mean"
    elif combine == "product":
        final = _normalise_rows(np.prod(np.stack(list(per.values())), axis=0),
                                "products of the method weights", periods)
        combination = "product"
    else:
        raise InputDataError(f"Unknown combination {combine!r}; use 'mean' or 'product'.")
    const_out = sq(const)
    return IndicatorWeights(
        weights=final,
        methods=tuple(methods),
        combination=combination,
        per_method=per,
        pooled=pooled,
        standardization="minmax" if standardized else "none",
        constant=const_out,
        warnings=tuple(_constant_warnings(const_out, pooled, was_2d, names, periods, kind)),
        shift=shift if standardized else 0.0,
        ddof=int(ddof),
        names=tuple(names) if names is not None else None,
        **extra,
    )


# ---------------------------------------------------------------------------
# Public objective methods
# ---------------------------------------------------------------------------
def objective_weights(
    X,
    directions=None,
    methods=("entropy",),
    *,
    combine="mean",
    pooled=True,
    standardize=True,
    shift=DEFAULT_SHIFT,
    ddof=1,
    names=None,
    periods=None,
):
    """Objective weights by one or several methods, optionally combined.

    Parameters
    ----------
    X : array_like, shape (n, t, m) or (N, m)
        Raw indicator values (finite).
    directions : array_like of bool, shape (m,), optional
        True = positive (more is better), False = negative. Default all
        positive. Only used when ``standardize`` is True.
    methods : str or sequence of str, default ("entropy",)
        Any of ``"entropy"``, ``"cv"``, ``"critic"``.
    combine : {"mean", "product"}, default "mean"
        How several methods are combined: arithmetic mean of their weights,
        or product renormalised to sum 1.
    pooled : bool, default True
        Pooled over all region-years (weights ``(m,)``) or per period
        (weights ``(t, m)``).
    standardize : bool, default True
        Min-max standardise with direction and ``shift`` first (the usual
        practice). With False, ``X`` is used as given: it must already be
        oriented (larger = better) and, for the entropy method,
        non-negative.
    shift : float, default 1e-4
        Min-max shift; keeps entropy logarithms defined.
    ddof : int, default 1
        Delta degrees of freedom of the sd in CV and CRITIC (does not change
        the weights, see the module docstring).
    names, periods : sequence of str, optional
        Labels used in warnings and error messages.

    Returns
    -------
    IndicatorWeights

    Raises
    ------
    InputDataError
        Missing values, negative data for the entropy method with
        ``standardize=False``, fewer than two observations, every indicator
        constant, unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((20, 5, 3))
    >>> res = objective_weights(X, [True, True, False], ("entropy", "critic"))
    >>> res.method, res.weights.shape, float(res.weights.sum())
    ('mean(entropy, critic)', (3,), 1.0)
    """
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(str(meth).lower() for meth in methods)
    if not methods:
        raise InputDataError("Choose at least one weighting method.")
    for meth in methods:
        if meth not in OBJECTIVE_METHODS:
            raise InputDataError(
                f"Unknown weighting method {meth!r}; use one of "
                f"{', '.join(map(repr, OBJECTIVE_METHODS))}."
            )
    if len(set(methods)) != len(methods):
        raise InputDataError(f"A weighting method is listed twice in {methods!r}.")
    L3, const, was_2d, pooled, names = _prepare(
        X, directions, pooled, standardize, shift, names, periods
    )
    return _objective_from_panel(L3, const, methods, combine, pooled, was_2d, bool(standardize),
                                 float(shift), int(ddof), names, periods)


def entropy_weights(X, directions=None, *, pooled=True, standardize=True, shift=DEFAULT_SHIFT,
                    names=None, periods=None):
    """Entropy weights ``w_j = (1 - e_j) / sum (1 - e_j)``.

    See :func:`objective_weights` for the parameters and the module
    docstring for the formula. ``e_j`` and ``d_j`` are in
    :attr:`IndicatorWeights.entropy` and :attr:`~IndicatorWeights.divergence`.

    Examples
    --------
    >>> res = entropy_weights([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]], [True, False], shift=0)
    >>> [round(float(v), 4) for v in res.entropy]
    [0.5794, 0.5794]
    """
    return objective_weights(X, directions, ("entropy",), pooled=pooled,
                             standardize=standardize, shift=shift, names=names, periods=periods)


def cv_weights(X, directions=None, *, pooled=True, standardize=True, shift=DEFAULT_SHIFT,
               ddof=1, names=None, periods=None):
    """Coefficient-of-variation weights ``w_j = CV_j / sum CV_j``.

    ``CV_j = sd_j / mean_j`` of the min-max standardised data (with shift).
    See :func:`objective_weights`.

    Examples
    --------
    >>> res = cv_weights([[0.0, 1.0], [1.0, 1.0]], shift=0.0)
    >>> res.weights
    array([1., 0.])
    """
    return objective_weights(X, directions, ("cv",), pooled=pooled, standardize=standardize,
                             shift=shift, ddof=ddof, names=names, periods=periods)


def critic_weights(X, directions=None, *, pooled=True, standardize=True, shift=DEFAULT_SHIFT,
                   ddof=1, names=None, periods=None):
    """CRITIC weights (Diakoulaki et al. 1995).

    ``C_j = sigma_j * sum_k (1 - r_jk)`` on the min-max standardised data;
    the shift does not matter (sd and correlation ignore translations).
    See :func:`objective_weights`.

    Examples
    --------
    >>> res = critic_weights([[1.0, 1.0], [2.0, 3.0], [3.0, 2.0]])
    >>> res.weights
    array([0.5, 0.5])
    """
    return objective_weights(X, directions, ("critic",), pooled=pooled, standardize=standardize,
                             shift=shift, ddof=ddof, names=names, periods=periods)


# ---------------------------------------------------------------------------
# Subjective weights
# ---------------------------------------------------------------------------
def _ordinal(k):
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def g1_weights(ranking, ratios, *, names=None):
    """Order-relation (G1) weights of Guo Yajun.

    The analyst ranks the ``m`` indicators from most to least important and
    states, for each adjacent pair in that order, how much more important
    the higher-ranked one is: ``r_k = w_{k-1} / w_k`` for ranks
    ``k = 2..m``, on the scale 1.0 (equal), 1.2 (slightly), 1.4 (clearly),
    1.6 (strongly), 1.8 (extremely) with intermediate values allowed. Then
    (Guo 2002)::

        w_m     = (1 + sum_{k=2..m} prod_{i=k..m} r_i) ** -1
        w_{k-1} = r_k * w_k,   k = m, ..., 2

    Parameters
    ----------
    ranking : sequence of int or str, length m
        Indicators from most to least important, as 0-based positions or,
        when ``names`` is given, as names.
    ratios : sequence of float, length m - 1
        ``ratios[0] = r_2 = w(1st)/w(2nd)``, ..., ``ratios[-1] = r_m``.
    names : sequence of str, optional
        Indicator names (fixes ``m``; enables names in ``ranking``).

    Returns
    -------
    ndarray, shape (m,)
        Weights in the original indicator order, summing to 1.

    Raises
    ------
    InputDataError
        When the ranking does not list every indicator exactly once, the
        number of ratios is not ``m - 1`` or a ratio is outside [1, 1.8].

    Examples
    --------
    Indicator 2 is most important, then 0, then 1; r_2 = 1.2, r_3 = 1.4,
    so ``w(3rd) = 1 / (1 + 1.2 * 1.4 + 1.4) = 0.2451``,
    ``w(2nd) = 1.4 * 0.2451``, ``w(1st) = 1.2 * w(2nd)``:

    >>> w = g1_weights([2, 0, 1], [1.2, 1.4])
    >>> [round(float(v), 4) for v in w]
    [0.3431, 0.2451, 0.4118]
    """
    ranking = list(ranking)
    names = None if names is None else [str(v) for v in names]
    m = len(names) if names is not None else len(ranking)
    if m == 0:
        raise InputDataError("The G1 ranking is empty; rank at least one indicator.")
    pos = []
    for item in ranking:
        if isinstance(item, str):
            if names is None or item not in names:
                raise InputDataError(
                    f"The G1 ranking names {_show(item)}, which is not one of the indicators"
                    + (f" ({', '.join(names)})." if names else "; give positions or names.")
                )
            pos.append(names.index(item))
        else:
            try:
                p = int(item)
            except (TypeError, ValueError):
                raise InputDataError(
                    f"The G1 ranking entry {_show(item)} is not an indicator."
                ) from None
            if p != item or not 0 <= p < m:
                raise InputDataError(
                    f"The G1 ranking entry {_show(item)} is not an indicator position 0..{m - 1}."
                )
            pos.append(p)
    seen = set()
    for p in pos:
        if p in seen:
            raise InputDataError(
                f"{_indicator_label(p, names, capital=True)} appears more than once in the G1 "
                f"ranking; rank every indicator exactly once."
            )
        seen.add(p)
    missing = [j for j in range(m) if j not in seen]
    if missing:
        labels = ", ".join(_indicator_label(j, names) for j in missing)
        raise InputDataError(
            f"The G1 ranking leaves out {labels}; rank every indicator exactly once."
        )
    r = np.asarray(ratios, dtype=float).ravel()
    if r.size != m - 1:
        raise InputDataError(
            f"G1 needs {m - 1} importance ratio(s) (one per adjacent pair of the {m} ranked "
            f"indicators); got {r.size}."
        )
    for k, v in enumerate(r, start=2):
        if not (np.isfinite(v) and 1.0 - 1e-12 <= v <= 1.8 + 1e-12):
            a, b = pos[k - 2], pos[k - 1]
            raise InputDataError(
                f"The G1 ratio r_{k} = w({_ordinal(k - 1)})/w({_ordinal(k)}) between "
                f"{_indicator_label(a, names)} and {_indicator_label(b, names)} is {_show(v)}; it "
                f"must lie in [1, 1.8] (1 equal, 1.2 slightly, 1.4 clearly, 1.6 strongly, "
                f"1.8 extremely more important)."
            )
    # tail[k-2] = prod_{i=k..m} r_i for k = 2..m
    tail = np.cumprod(r[::-1])[::-1]
    w_last = 1.0 / (1.0 + tail.sum())
    ranked = w_last * np.concatenate([tail, [1.0]])
    w = np.empty(m)
    w[np.asarray(pos)] = ranked
    return w


def expert_weights(values, *, names=None):
    """Expert (directly given) weights, validated and normalised to sum 1.

    Parameters
    ----------
    values : sequence of float, length m
        Non-negative importance values (any scale: points, percentages).
    names : sequence of str, optional
        Indicator names: fixes ``m`` and names indicators in errors.

    Returns
    -------
    ndarray, shape (m,)

    Examples
    --------
    >>> expert_weights([30, 50, 20])
    array([0.3, 0.5, 0.2])
    """
    try:
        w = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputDataError("Expert weights must be numbers, one per indicator.") from None
    if names is not None and len(names) != w.size:
        raise InputDataError(
            f"{w.size} expert weight(s) were given for {len(names)} indicators; give one per "
            f"indicator."
        )
    if w.size == 0:
        raise InputDataError("No expert weights were given.")
    for j, v in enumerate(w):
        if not np.isfinite(v) or v < 0:
            raise InputDataError(
                f"The expert weight of {_indicator_label(j, names)} is {_show(v)}; weights must "
                f"be non-negative numbers."
            )
    if not w.sum() > 0:
        raise InputDataError("All expert weights are zero; give at least one positive weight.")
    return w / w.sum()


# ---------------------------------------------------------------------------
# Combinations
# ---------------------------------------------------------------------------
def _as_weight_array(w, what):
    try:
        a = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        raise InputDataError(f"The {what} must be numbers.") from None
    if a.ndim not in (1, 2) or a.shape[-1] == 0:
        raise InputDataError(
            f"The {what} must be an array (m,) or (t, m); got shape {a.shape}."
        )
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise InputDataError(f"The {what} must be finite and non-negative.")
    return a


def _check_same_m(arrays, whats):
    ms = {a.shape[-1] for a in arrays}
    if len(ms) != 1:
        desc = ", ".join(f"{w}: {a.shape[-1]}" for a, w in zip(arrays, whats))
        raise InputDataError(f"The weight vectors cover different numbers of indicators ({desc}).")
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise InputDataError(
            "Per-period weight arrays cover different numbers of periods: "
            + ", ".join(str(a.shape) for a in arrays)
        ) from None


def combine_multiplicative(subjective, objective):
    """Multiplicative synthesis ``F_j = R_j W_j / sum_j R_j W_j``.

    Parameters
    ----------
    subjective, objective : array_like, shape (m,) or (t, m)
        Two weight vectors (e.g. G1 and entropy); each is normalised to sum
        1 first. ``(m,)`` broadcasts against ``(t, m)``.

    Returns
    -------
    ndarray, shape (m,) or (t, m)

    Examples
    --------
    >>> combine_multiplicative([0.5, 0.5], [0.2, 0.8])
    array([0.2, 0.8])
    """
    a = _as_weight_array(subjective, "subjective weights")
    b = _as_weight_array(objective, "objective weights")
    _check_same_m([a, b], ["subjective", "objective"])
    a = _normalise_rows(a, "subjective weights", None)
    b = _normalise_rows(b, "objective weights", None)
    prod = a * b
    s = prod.sum(axis=-1, keepdims=True)
    if np.any(~(s > 0)):
        raise InputDataError(
            "The subjective and objective weights share no indicator with both weights "
            "positive, so their product is zero everywhere; use the linear combination."
        )
    return prod / s


def combine_linear(subjective, objective, alpha=0.5):
    """Linear synthesis ``F = alpha R + (1 - alpha) W``.

    Parameters
    ----------
    subjective, objective : array_like, shape (m,) or (t, m)
        ``R`` and ``W``, each normalised to sum 1 first.
    alpha : float in [0, 1], default 0.5
        Share of the first (subjective) weights.

    Examples
    --------
    >>> combine_linear([1.0, 0.0], [0.0, 1.0], alpha=0.25)
    array([0.25, 0.75])
    """
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise InputDataError(f"The linear combination share alpha must be in [0, 1]; got {alpha}.")
    a = _as_weight_array(subjective, "subjective weights")
    b = _as_weight_array(objective, "objective weights")
    _check_same_m([a, b], ["subjective", "objective"])
    a = _normalise_rows(a, "subjective weights", None)
    b = _normalise_rows(b, "objective weights", None)
    return alpha * a + (1.0 - alpha) * b


def combine_mean(*weights):
    """Arithmetic mean of several weight vectors (each normalised first).

    Examples
    --------
    >>> combine_mean([0.5, 0.5], [0.1, 0.9], [0.3, 0.7])
    array([0.3, 0.7])
    """
    if not weights:
        raise InputDataError("Give at least one weight vector to average.")
    arrays = [_as_weight_array(w, f"weights #{i + 1}") for i, w in enumerate(weights)]
    _check_same_m(arrays, [f"#{i + 1}" for i in range(len(arrays))])
    arrays = [_normalise_rows(a, f"weights #{i + 1}", None) for i, a in enumerate(arrays)]
    out = arrays[0].copy() if len(arrays) == 1 else sum(arrays[1:], arrays[0])
    return out / len(arrays)


# ---------------------------------------------------------------------------
# Shared by development_index and topsis: turn a weights "spec" into arrays.
# ---------------------------------------------------------------------------
def _given_weights(w, t, m, was_2d, names=None):
    """Validate user weights (m,) or (t, m) against the table; normalise rows."""
    a = _as_weight_array(w, "indicator weights")
    if a.shape[-1] != m:
        raise InputDataError(
            f"{a.shape[-1]} weight(s) were given for {m} indicators; give one per indicator."
        )
    if a.ndim == 2:
        if was_2d and a.shape[0] == 1:
            a = a[0]
        elif was_2d or a.shape[0] != t:
            raise InputDataError(
                f"Per-period weights have {a.shape[0]} rows but the table has "
                f"{1 if was_2d else t} period(s)."
            )
    return _normalise_rows(a, "indicator weights", None)


def _is_method_spec(spec):
    """True when ``spec`` names objective method(s) rather than giving weights."""
    return (
        spec is None
        or isinstance(spec, str)
        or (isinstance(spec, (list, tuple)) and len(spec) > 0
            and all(isinstance(s, str) for s in spec))
    )


def _resolve_weights(spec, L3, const, pooled, was_2d, shift, ddof, names, periods):
    """Return (weights array, IndicatorWeights or None) for a weights spec.

    ``spec``: None or method name(s) -> objective weights on the min-max
    table ``L3``; an :class:`IndicatorWeights` or an array -> used as given.
    """
    n, t, m = L3.shape
    if spec is None:
        spec = ("entropy",)
    if isinstance(spec, IndicatorWeights):
        return _given_weights(spec.weights, t, m, was_2d, names), spec
    if _is_method_spec(spec):
        methods = (spec,) if isinstance(spec, str) else tuple(spec)
        methods = tuple(s.lower() for s in methods)
        if len(set(methods)) != len(methods):
            raise InputDataError(f"A weighting method is listed twice in {methods!r}.")
        for meth in methods:
            if meth not in OBJECTIVE_METHODS:
                raise InputDataError(
                    f"Unknown weighting method {meth!r}; use one of "
                    f"{', '.join(map(repr, OBJECTIVE_METHODS))} or give weights."
                )
        if (n * t if pooled else n) < 2:
            raise InputDataError(
                "Objective weights need at least 2 observations per indicator "
                f"{'in total' if pooled else 'in each period'}."
            )
        res = _objective_from_panel(L3, const, methods, "mean", pooled, was_2d, True,
                                    shift, ddof, names, periods)
        return res.weights, res
    return _given_weights(spec, t, m, was_2d, names), None
