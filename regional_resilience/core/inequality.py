"""Regional disparity: Dagum's Gini decomposition, Theil's index, sigma convergence.

All functions take a panel ``values`` of shape ``(n_regions, n_periods)`` (a
1-D array is one period) and, for the decompositions, one group label per
region (e.g. east / central / west / northeast). Every period is analysed
independently; results keep the period as their *last* axis.

Gini coefficient and Dagum's decomposition
------------------------------------------
With ``k`` groups, ``n_j`` regions in group ``j`` (``n = sum n_j``), values
``y_ji``, group means ``mu_j`` and overall mean ``mu``::

    G    = sum_j sum_h sum_i sum_r |y_ji - y_hr| / (2 n^2 mu)         overall Gini
    G_jj = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 mu_j)                 within group j
    G_jh = sum_i sum_r |y_ji - y_hr| / (n_j n_h (mu_j + mu_h))        between j and h
    p_j  = n_j / n,   s_j = n_j mu_j / (n mu)                         population, income shares

For a pair with ``mu_j >= mu_h`` (``j`` the richer group)::

    d_jh = mean over the n_j n_h pairs of max(y_ji - y_hr, 0)   gross economic affluence
    p_jh = mean over the n_j n_h pairs of max(y_hr - y_ji, 0)   transvariation (1st moment)
    D_jh = (d_jh - p_jh) / (d_jh + p_jh)                         relative economic affluence

and the decomposition, the pairs summed with the groups ranked by mean
(``mu_1 <= mu_2 <= ... <= mu_k``)::

    G_w  = sum_j G_jj p_j s_j                                    within-group
    G_nb = sum_{j>=2} sum_{h<j} G_jh (p_j s_h + p_h s_j) D_jh       net between-group
    G_t  = sum_{j>=2} sum_{h<j} G_jh (p_j s_h + p_h s_j) (1 - D_jh) transvariation
    G    = G_w + G_nb + G_t,   G_gb = G_nb + G_t (gross between-group)

with contribution rates ``C_w = G_w / G``, ``C_nb = G_nb / G``,
``C_t = G_t / G``. ``G_jh`` and the weight ``p_j s_h + p_h s_j`` are
symmetric in ``(j, h)``, so the double sum is simply over unordered pairs;
only ``D_jh`` needs the orientation, and it is always taken with ``j`` the
group of larger mean *in that period* (the ranking by mean can change from
period to period). Hence ``D_jh`` lies in ``[0, 1]`` and every pair array of
the result is symmetric.

Computation without the ``n x n`` difference matrix (O(n log n) per period):
each period is sorted once (all periods at once, along the region axis), and

* ``sum_{i<r} (x_(r) - x_(i)) = sum_i (2 i - n - 1) x_(i)`` over the sorted
  sample gives the overall Gini;
* for every group ``h``, running counts ``c_h`` and running sums ``q_h`` of
  the group-``h`` values along the sorted sample give, at each position, the
  sum of the positive differences to all smaller-or-equal ``h`` values,
  ``x * c_h - q_h``; summing those by the group of the position gives all
  ``sum_i sum_r max(y_ji - y_hr, 0)`` (``j = h`` included, half the
  within-group sum) in ``k`` passes.

Values are shifted by the period minimum first (differences are unchanged)
so that nearly constant data keep their precision.

Theil index
-----------
::

    T    = (1/n) sum_i (y_i / mu) ln(y_i / mu)
    T_g  = (1/n_g) sum_{i in g} (y_i / mu_g) ln(y_i / mu_g)       Theil within group g
    s_g  = n_g mu_g / (n mu)                                       income share of g
    T_w  = sum_g s_g T_g                                           within-group
    T_b  = sum_g s_g ln(mu_g / mu)                                 between-group
    T    = T_w + T_b

(Theil's first measure, "T" or GE(1); decomposition as in Shorrocks 1980 and
PySAL's ``inequality.theil.TheilD``).

Sigma convergence
-----------------
Per period the cross-sectional standard deviation
``sd = sqrt(sum_i (y_i - mu)^2 / (n - ddof))`` and the coefficient of
variation ``cv = sd / mu``; optionally ``sd_log``, the standard deviation of
``ln y`` (Barro and Sala-i-Martin's sigma), and the same per group. Falling
values over time indicate sigma convergence. The default ``ddof=0`` is the
cross-sectional (population) dispersion ``(1/N) sum (...)^2`` with which
Barro and Sala-i-Martin define sigma and which most of the regional
convergence literature reports; ``ddof=1`` gives the sample standard
deviation.

Edge cases (documented choices)
-------------------------------
* Missing / non-finite values: refused, naming the regions and the period.
* Gini and Dagum: negative values are refused (the Gini ratio assumes
  non-negative incomes), naming the regions and period; a period whose values
  are all 0 (overall mean 0, Gini undefined) is refused naming the period.
  A period where every value is equal (and positive) has ``G = 0`` and all
  components 0; its contribution rates are NaN (0/0) and listed in
  ``warnings``.
* A group with a single region, or whose values are all equal, has
  ``G_jj = 0``. A group whose mean is 0 (all values 0) also has
  ``G_jj = 0`` (no inequality among equal values; its weight ``p_j s_j`` is 0
  anyway). A group of a single region is allowed in every function (its
  within-group Gini, Theil and, with ``ddof=0``, standard deviation are 0)
  and named in ``warnings``, since its within-group measure says nothing.
* ``D_jh`` (and the split of ``G_jh`` into net and transvariation) is
  undefined when ``d_jh + p_jh = 0``, i.e. every value of both groups is the
  same; then ``G_jh = 0``, ``D_jh`` is NaN and the pair adds 0 to both
  ``G_nb`` and ``G_t``.
* One group only: allowed; ``G_w = G`` and ``G_nb = G_t = 0`` (a note is
  added to ``warnings``). The pair arrays are then 1 x 1 and NaN.
* Group labels that are None, NaN or empty text are refused, naming the
  regions. Groups are ordered by ``group_order`` when given, otherwise by
  sorted label (or by first appearance when labels of mixed types cannot be
  sorted). Labels are used as given (``1.0`` stays a number, blanks are not
  stripped); an object with ``labels`` and ``codes`` attributes (the
  project's ``groups.Groups``) is also accepted and keeps its own order.
* Theil: values ``<= 0`` are refused (``ln 0``), naming the regions and the
  period. ``C_w``/``C_b`` are NaN where ``T = 0`` (all values equal).
* Sigma: any finite values are accepted (``log=True`` needs positive ones);
  ``cv`` is NaN where the mean is 0 and a group's ``sd`` is NaN when it has
  ``n_g <= ddof`` regions; both are listed in ``warnings``.
* At least 2 regions are required.

References
----------
Dagum, C. (1997). A new approach to the decomposition of the Gini income
inequality ratio. *Empirical Economics*, 22(4), 515-531. (``G_jj``,
``G_jh``, ``d_jh``, ``p_jh``, ``D_jh`` and the three-term decomposition
written out above; the paper's equation numbers could not be checked
offline.)

Theil, H. (1967). *Economics and Information Theory*. Amsterdam:
North-Holland.

Shorrocks, A. F. (1980). The class of additively decomposable inequality
measures. *Econometrica*, 48(3), 613-625.

Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political
Economy*, 100(2), 223-251.

Rey, S. J. and Sastre-Gutierrez, M. L. (2010). Interregional inequality
dynamics in Mexico. *Spatial Economic Analysis*, 5(3), 277-298.

Examples
--------
Two groups, A = (1, 5) and B = (3, 7) (worked by hand in the tests):

>>> import numpy as np
>>> from regional_resilience.core.inequality import dagum_gini, gini, theil
>>> y = np.array([1.0, 5.0, 3.0, 7.0])
>>> res = dagum_gini(y, ["A", "A", "B", "B"])
>>> float(res.G[0]), float(res.G_w[0]), float(res.G_nb[0]), float(res.G_t[0])
(0.3125, 0.125, 0.125, 0.0625)
>>> round(float(res.D_jh[0, 1, 0]), 6), res.groups
(0.666667, ('A', 'B'))
>>> float(gini(y))
0.3125
>>> t = theil(np.array([1.0, 1.0, 2.0, 2.0]), ["A", "A", "B", "B"])
>>> bool(np.isclose(t.T[0], t.T_b[0])), float(t.T_w[0])
(True, 0.0)
"""
from dataclasses import dataclass

import numpy as np

from .errors import Canceled, InputDataError
from .groups import as_groups
from .panel import format_list

__all__ = [
    "DDOF_CHOICES",
    "DagumGiniResult",
    "TheilResult",
    "SigmaResult",
    "gini",
    "dagum_gini",
    "theil",
    "sigma_convergence",
]

#: Accepted ``ddof`` values of :func:`sigma_convergence`.
DDOF_CHOICES = (0, 1)

#: Periods are processed in blocks of at most this many region-period values
#: (bounds the memory of the sort-based kernel; progress is reported per block).
_BLOCK_VALUES = 1 << 20


# ---------------------------------------------------------------------------
# result types
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DagumGiniResult:
    """Result of :func:`dagum_gini` (names as in Dagum 1997).

    The period is the last axis of every array. Group arrays are indexed in
    the order of :attr:`groups` (the given ``group_order``, else sorted
    labels) -- *not* by mean; :attr:`order_by_mean` gives the ranking by mean
    of each period.

    Attributes
    ----------
    periods : tuple
        Period labels (the given ``periods``, else ``1..t``).
    groups : tuple
        Group labels; index ``j`` of every group / pair array.
    n : ndarray of int, shape (k,)
        Regions per group ``n_j``.
    p : ndarray, shape (k,)
        Population shares ``p_j = n_j / n``.
    mu : ndarray, shape (t,)
        Overall mean.
    mean : ndarray, shape (k, t)
        Group means ``mu_j``.
    s : ndarray, shape (k, t)
        Income shares ``s_j = n_j mu_j / (n mu)``.
    order_by_mean : ndarray of int, shape (k, t)
        ``order_by_mean[:, t]`` lists group indices from the lowest to the
        highest mean in period ``t`` (ties: the order of ``groups``). This is
        Dagum's ranking ``mu_1 <= ... <= mu_k``.
    G, G_w, G_nb, G_t, G_gb : ndarray, shape (t,)
        Overall Gini and its within, net between, transvariation and gross
        between (``G_nb + G_t``) components.
    C_w, C_nb, C_t : ndarray, shape (t,)
        Contribution rates ``G_w / G`` etc. (NaN where ``G = 0``).
    G_jj : ndarray, shape (k, t)
        Within-group Gini of each group.
    G_jh : ndarray, shape (k, k, t)
        Between-group Gini of each pair; symmetric, NaN on the diagonal.
    D_jh : ndarray, shape (k, k, t)
        Relative economic affluence of the pair, computed with ``j`` the
        group of larger mean in that period, so in ``[0, 1]``; symmetric, NaN
        on the diagonal and where undefined (see the module notes).
    d_jh, p_jh : ndarray, shape (k, k, t)
        Gross economic affluence (mean positive difference richer - poorer)
        and transvariation (mean positive difference poorer - richer) of the
        pair; symmetric, NaN on the diagonal.
    warnings : tuple of str
    """

    periods: tuple
    groups: tuple
    n: np.ndarray
    p: np.ndarray
    mu: np.ndarray
    mean: np.ndarray
    s: np.ndarray
    order_by_mean: np.ndarray
    G: np.ndarray
    G_w: np.ndarray
    G_nb: np.ndarray
    G_t: np.ndarray
    G_gb: np.ndarray
    C_w: np.ndarray
    C_nb: np.ndarray
    C_t: np.ndarray
    G_jj: np.ndarray
    G_jh: np.ndarray
    D_jh: np.ndarray
    d_jh: np.ndarray
    p_jh: np.ndarray
    warnings: tuple = ()


@dataclass(frozen=True)
class TheilResult:
    """Result of :func:`theil`; the period is the last axis.

    Attributes
    ----------
    periods : tuple
    T : ndarray, shape (t,)
        Theil index ``(1/n) sum (y/mu) ln(y/mu)``.
    mu : ndarray, shape (t,)
        Overall mean.
    groups : tuple or None
        Group labels (None without ``labels``); all group fields below are
        None without ``labels``.
    n : ndarray of int, shape (k,)
    mean : ndarray, shape (k, t)
        Group means ``mu_g``.
    s : ndarray, shape (k, t)
        Income shares ``s_g``.
    T_g : ndarray, shape (k, t)
        Theil index within each group.
    T_w, T_b : ndarray, shape (t,)
        Within (``sum s_g T_g``) and between (``sum s_g ln(mu_g/mu)``)
        components; ``T_w + T_b = T``.
    C_w, C_b : ndarray, shape (t,)
        Contribution rates ``T_w / T``, ``T_b / T`` (NaN where ``T = 0``).
    warnings : tuple of str
    """

    periods: tuple
    T: np.ndarray
    mu: np.ndarray
    groups: tuple = None
    n: np.ndarray = None
    mean: np.ndarray = None
    s: np.ndarray = None
    T_g: np.ndarray = None
    T_w: np.ndarray = None
    T_b: np.ndarray = None
    C_w: np.ndarray = None
    C_b: np.ndarray = None
    warnings: tuple = ()


@dataclass(frozen=True)
class SigmaResult:
    """Result of :func:`sigma_convergence`; the period is the last axis.

    Attributes
    ----------
    periods : tuple
    mean, sd, cv : ndarray, shape (t,)
        Cross-sectional mean, standard deviation (with ``ddof``) and
        coefficient of variation ``sd / mean`` (NaN where the mean is 0).
    sd_log : ndarray, shape (t,) or None
        Standard deviation of ``ln y`` (with ``log=True``).
    groups : tuple or None
    n : ndarray of int, shape (k,) or None
    group_mean, group_sd, group_cv : ndarray, shape (k, t) or None
        The same per group (``group_sd`` NaN where ``n_g <= ddof``).
    group_sd_log : ndarray, shape (k, t) or None
    ddof : int
    log : bool
    warnings : tuple of str
    """

    periods: tuple
    mean: np.ndarray
    sd: np.ndarray
    cv: np.ndarray
    sd_log: np.ndarray = None
    groups: tuple = None
    n: np.ndarray = None
    group_mean: np.ndarray = None
    group_sd: np.ndarray = None
    group_cv: np.ndarray = None
    group_sd_log: np.ndarray = None
    ddof: int = 0
    log: bool = False
    warnings: tuple = ()


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _period_name(k, periods):
    if periods is not None:
        return f"period {periods[k]!r}"
    return f"period {k + 1}"


def _region_names(rows, ids):
    if ids is not None:
        return format_list([ids[i] for i in rows])
    return format_list([f"row {i}" for i in rows])


def _period_error(msg, k):
    err = InputDataError(msg)
    err.period = k  # adapters may replace the index by the period's label
    return err


def _as_values(values, ids, periods):
    """``values`` as a float64 (n, t) array; ids / periods as lists or None."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The values must be numbers ({exc}).") from None
    if arr.ndim == 1:
        arr = arr[:, None]
        squeeze = True
    elif arr.ndim == 2:
        squeeze = False
    else:
        raise InputDataError(
            "The values must be one column per period, shape (regions,) or "
            f"(regions, periods); got shape {arr.shape}."
        )
    n, t = arr.shape
    if t == 0:
        raise InputDataError("There is no period to analyse (no value column).")
    if n < 2:
        raise InputDataError(f"At least 2 regions are needed to measure disparity; got {n}.")
    if ids is not None:
        ids = list(ids)
        if len(ids) != n:
            raise InputDataError(f"{len(ids)} region ids were given for {n} regions.")
    if periods is not None:
        periods = tuple(periods)
        if len(periods) != t:
            raise InputDataError(f"{len(periods)} period labels were given for {t} periods.")
    bad = ~np.isfinite(arr)
    if bad.any():
        per = np.flatnonzero(bad.any(axis=0))
        k = int(per[0])
        rows = np.flatnonzero(bad[:, k])
        raise _period_error(
            f"Missing or non-finite values in {_period_name(k, periods)} for region(s) "
            f"{_region_names(rows, ids)} ({int(bad.sum())} missing value(s) in "
            f"{len(per)} period(s) in total). Fill the gaps first (e.g. with "
            "gapfill.interpolate_along_periods) or leave these regions out.",
            k,
        )
    labels = periods if periods is not None else tuple(range(1, t + 1))
    return arr, squeeze, ids, periods, labels


def _require_min(arr, ids, periods, method, strict):
    """Refuse negative (``strict``: non-positive) values, naming regions and period."""
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        per = np.flatnonzero(bad.any(axis=0))
        k = int(per[0])
        rows = np.flatnonzero(bad[:, k])
        what = "zero or negative" if strict else "negative"
        need = "strictly positive values (it takes logarithms)" if strict else (
            "non-negative values (incomes, GDP per capita, counts...)"
        )
        more = f" ({len(per)} period(s) affected)" if len(per) > 1 else ""
        raise _period_error(
            f"The {method} needs {need}, but {_period_name(k, periods)} has {what} "
            f"values for region(s) {_region_names(rows, ids)}{more}. Use a variable "
            "that is a level, not a change or a standardised score.",
            k,
        )


def _require_positive_mean(total, periods, method):
    zero = np.flatnonzero(~(total > 0))
    if len(zero):
        k = int(zero[0])
        names = format_list([_period_name(int(i), periods) for i in zero])
        raise _period_error(
            f"The {method} is undefined when every value is 0: {names}. Check the "
            "field chosen for these periods, or leave them out.",
            k,
        )


def _factorize(labels, n, ids, group_order=None):
    """Group codes (n,) and the ordered group labels, by the rules of
    :func:`regional_resilience.core.groups.as_groups` (labels as text;
    ordered by label unless ``group_order`` is given; a ready ``Groups`` is
    used as given)."""
    g = as_groups(labels, n, ids, order=group_order)
    return g.codes, g.labels


def _group_sum(arr, codes, k):
    """Sum of the rows of ``arr`` (n, t) by group: (k, t)."""
    n, t = arr.shape
    idx = (codes[:, None] * t + np.arange(t)).ravel()
    return np.bincount(idx, weights=arr.ravel(), minlength=k * t).reshape(k, t)


# ---------------------------------------------------------------------------
# Gini
# ---------------------------------------------------------------------------
def _half_abs_sum(xs, axis):
    """``sum_{i<r} |x_i - x_r|`` of samples sorted along ``axis``."""
    n = xs.shape[axis]
    w = 2.0 * np.arange(1, n + 1) - n - 1.0
    return np.tensordot(xs, w, axes=([axis], [0]))


def gini(values, *, ids=None, periods=None):
    """Gini coefficient of each period (relative mean absolute difference).

    ``G = sum_i sum_r |y_i - y_r| / (2 n^2 mu)``, computed from the sorted
    sample as ``sum_i (2 i - n - 1) y_(i) / (n sum_i y_i)`` (no ``n x n``
    matrix). Same value as PySAL's ``inequality.gini.Gini``.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, t)
        Non-negative, finite values (a period may not be all zeros).
    ids, periods : sequence, optional
        Region ids and period labels used in error messages.

    Returns
    -------
    float or ndarray of shape (t,)
        A float for 1-D ``values``.

    Raises
    ------
    InputDataError
        Missing or negative values, or a period whose values are all 0.
    """
    arr, squeeze, ids, periods, _ = _as_values(values, ids, periods)
    _require_min(arr, ids, periods, "Gini coefficient", strict=False)
    total = arr.sum(axis=0)
    _require_positive_mean(total, periods, "Gini coefficient")
    xs = np.sort(arr, axis=0)
    xs -= xs[:1]  # shift by the minimum: differences unchanged, better precision
    g = _half_abs_sum(xs, 0) / (arr.shape[0] * total)
    return float(g[0]) if squeeze else g


def _dagum_block(X, codes, k):
    """Sums behind Dagum's decomposition for a block of periods.

    ``X`` has shape (tb, n) (one period per row). Returns the group totals
    (tb, k), ``sum_{i<r} |x_i - x_r|`` (tb,) and ``pos`` (tb, k, k) with
    ``pos[:, j, h] = sum_{i in j} sum_{r in h} max(x_i - x_r, 0)``.
    """
    tb, n = X.shape
    order = np.argsort(X, axis=1, kind="stable")
    xs = np.take_along_axis(X, order, axis=1)
    gs = codes[order]
    flat = (gs + (k * np.arange(tb))[:, None]).ravel()
    totals = np.bincount(flat, weights=xs.ravel(), minlength=k * tb).reshape(tb, k)
    xs -= xs[:, :1]  # shift by the period minimum (differences unchanged)
    half = _half_abs_sum(xs, 1)
    pos = np.empty((tb, k, k))
    for h in range(k):
        member = gs == h
        count = np.cumsum(member, axis=1)
        run = np.cumsum(np.where(member, xs, 0.0), axis=1)
        # at every position: sum over the h-values at or before it of (x - x_r)
        v = xs * count
        v -= run
        pos[:, :, h] = np.bincount(flat, weights=v.ravel(), minlength=k * tb).reshape(tb, k)
    return totals, half, pos


def _singleton_warning(groups, n_j, measure):
    """The note naming the groups of a single region (their ``measure`` is 0), or None."""
    single = np.flatnonzero(np.asarray(n_j) == 1)
    if not len(single):
        return None
    return (
        f"Group(s) {format_list([repr(groups[j]) for j in single])} have a single region: "
        f"their {measure} is 0 (there is no inequality within one region)."
    )


def _ratio(num, den, where):
    """``num / den`` where ``where`` else NaN, without warnings."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=where)
    return out


def dagum_gini(
    values,
    labels,
    *,
    group_order=None,
    ids=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """Dagum's (1997) decomposition of the Gini coefficient by groups.

    ``G = G_w + G_nb + G_t`` per period (formulas in the module docstring),
    computed in O(n log n) per period without the pairwise difference
    matrix: 100,000 regions x 20 periods take about half a second.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, t)
        Non-negative finite values (a 1-D array is one period).
    labels : sequence, shape (n,), or Groups
        Group of each region (text or numbers; None, NaN or empty refused),
        or a :class:`~regional_resilience.core.groups.Groups`-like object
        (``.labels`` and ``.codes``), used with its own order.
    group_order : sequence, optional
        Order of the groups in the result (must list every label once).
        Default: sorted labels.
    ids, periods : sequence, optional
        Region ids and period labels for messages (``periods`` is also
        stored in the result).
    progress : callable, optional
        ``progress(fraction)`` after each block of periods.
    is_canceled : callable, optional
        Checked before each block; when it returns True,
        :class:`~regional_resilience.core.errors.Canceled` is raised.

    Returns
    -------
    DagumGiniResult
        Every array has the period as its last axis (length 1 for 1-D
        ``values``); pair arrays are indexed in the order of ``groups``.

    Raises
    ------
    InputDataError
        Missing or negative values, an all-zero period, missing group
        labels, or a ``group_order`` that does not match the labels.
    """
    arr, _, ids, periods, plabels = _as_values(values, ids, periods)
    _require_min(arr, ids, periods, "Gini coefficient (Dagum decomposition)", strict=False)
    total = arr.sum(axis=0)
    _require_positive_mean(total, periods, "Gini coefficient (Dagum decomposition)")
    n, t = arr.shape
    codes, groups = _factorize(labels, n, ids, group_order)
    k = len(groups)
    n_j = np.bincount(codes, minlength=k)

    tot_j = np.empty((k, t))
    half = np.empty(t)
    pos = np.empty((k, k, t))
    step = max(1, _BLOCK_VALUES // n)
    for a in range(0, t, step):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        b = min(t, a + step)
        X = np.ascontiguousarray(arr[:, a:b].T)
        tj, hs, ps = _dagum_block(X, codes, k)
        tot_j[:, a:b] = tj.T
        half[a:b] = hs
        pos[:, :, a:b] = ps.transpose(1, 2, 0)
        if progress is not None:
            progress(b / t)

    nf = float(n)
    G = half / (nf * total)
    mu = total / nf
    mean = tot_j / n_j[:, None]
    p = n_j / nf
    s = tot_j / total
    diag = np.arange(k)
    pos_jj = pos[diag, diag]  # (k, t): half the within-group sum of |differences|
    G_jj = np.zeros((k, t))
    den = n_j[:, None] * tot_j
    np.divide(pos_jj, den, out=G_jj, where=den > 0)  # G_jj = 0 for an all-zero group

    # ranking by mean in each period (stable: ties keep the order of groups)
    order_by_mean = np.argsort(mean, axis=0, kind="stable")
    rank = np.argsort(order_by_mean, axis=0)
    richer = rank[:, None, :] > rank[None, :, :]  # (k, k, t): row group ranks higher

    A = pos + pos.transpose(1, 0, 2)  # sum of |differences| over the n_j n_h pairs
    nn = (n_j[:, None] * n_j[None, :]).astype(float)[:, :, None]
    dsum = np.where(richer, pos, pos.transpose(1, 0, 2))
    psum = np.where(richer, pos.transpose(1, 0, 2), pos)
    offdiag = ~np.eye(k, dtype=bool)[:, :, None]
    defined = offdiag & (A > 0)
    den = nn * (mean[:, None, :] + mean[None, :, :])
    G_jh = _ratio(A, den, offdiag & (den > 0))
    G_jh[offdiag & ~(den > 0)] = 0.0  # both groups all 0: no difference
    D_jh = _ratio(dsum - psum, A, defined)
    d_jh = _ratio(dsum, nn, offdiag)
    p_jh = _ratio(psum, nn, offdiag)

    weight = p[:, None, None] * s[None, :, :] + p[None, :, None] * s[:, None, :]
    pair = np.triu(np.ones((k, k), dtype=bool), 1)[:, :, None]  # each pair once
    used = pair & defined  # pairs with A = 0 add nothing (G_jh = 0)
    D0 = np.where(defined, D_jh, 0.0)
    net = np.where(used, G_jh * weight * D0, 0.0)
    trans = np.where(used, G_jh * weight * (1.0 - D0), 0.0)
    G_w = (G_jj * p[:, None] * s).sum(axis=0)
    G_nb = net.sum(axis=(0, 1))
    G_t = trans.sum(axis=(0, 1))

    warnings = []
    nonzero = G > 0
    C_w = _ratio(G_w, G, nonzero)
    C_nb = _ratio(G_nb, G, nonzero)
    C_t = _ratio(G_t, G, nonzero)
    if not nonzero.all():
        names = format_list([_period_name(int(i), periods) for i in np.flatnonzero(~nonzero)])
        warnings.append(
            f"Every region has the same value in {names}: the Gini coefficient is 0 and "
            "the contribution rates are undefined (NaN)."
        )
    if k == 1:
        warnings.append(
            f"All regions are in one group ({groups[0]!r}): the between-group terms are 0 "
            "and G_w = G."
        )
    single = _singleton_warning(groups, n_j, "within-group Gini G_jj")
    if single:
        warnings.append(single)
    undefined = pair & (A == 0)
    if undefined.any():
        a_, b_, _ = np.nonzero(undefined)
        pairs = sorted({(int(x), int(y)) for x, y in zip(a_, b_)})
        warnings.append(
            "D_jh is undefined (NaN) where two groups have one and the same value in "
            "every region; those pairs add 0 to G_nb and G_t: "
            + format_list([f"{groups[x]!r}-{groups[y]!r}" for x, y in pairs])
            + "."
        )
    return DagumGiniResult(
        periods=tuple(plabels),
        groups=groups,
        n=n_j,
        p=p,
        mu=mu,
        mean=mean,
        s=s,
        order_by_mean=order_by_mean,
        G=G,
        G_w=G_w,
        G_nb=G_nb,
        G_t=G_t,
        G_gb=G_nb + G_t,
        C_w=C_w,
        C_nb=C_nb,
        C_t=C_t,
        G_jj=G_jj,
        G_jh=G_jh,
        D_jh=D_jh,
        d_jh=d_jh,
        p_jh=p_jh,
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------
# Theil
# ---------------------------------------------------------------------------
def theil(values, labels=None, *, group_order=None, ids=None, periods=None):
    """Theil index of each period, decomposed within / between groups.

    ``T = (1/n) sum (y/mu) ln(y/mu) = T_w + T_b`` with
    ``T_w = sum_g s_g T_g`` and ``T_b = sum_g s_g ln(mu_g / mu)`` (see the
    module docstring). ``T`` and ``T_b`` equal PySAL's
    ``inequality.theil.TheilD`` ``T`` and ``bg``; ``T_w`` its ``wg``.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, t)
        Strictly positive finite values.
    labels : sequence, shape (n,), or Groups, optional
        Group of each region (as in :func:`dagum_gini`); without it only
        ``T`` is computed.
    group_order : sequence, optional
        Order of the groups in the result (default: sorted labels).
    ids, periods : sequence, optional
        Region ids and period labels for messages.

    Returns
    -------
    TheilResult

    Raises
    ------
    InputDataError
        Missing, zero or negative values; missing group labels.
    """
    arr, _, ids, periods, plabels = _as_values(values, ids, periods)
    _require_min(arr, ids, periods, "Theil index", strict=True)
    n, t = arr.shape
    total = arr.sum(axis=0)
    mu = total / n
    r = arr / mu
    T = (r * np.log(r)).sum(axis=0) / n
    warnings = []
    nonzero = T > 0
    if not nonzero.all():
        names = format_list([_period_name(int(i), periods) for i in np.flatnonzero(~nonzero)])
        warnings.append(
            f"Every region has the same value in {names}: the Theil index is 0 and the "
            "contribution rates are undefined (NaN)."
        )
    if labels is None:
        return TheilResult(periods=tuple(plabels), T=T, mu=mu, warnings=tuple(warnings))
    codes, groups = _factorize(labels, n, ids, group_order)
    k = len(groups)
    n_g = np.bincount(codes, minlength=k)
    tot_g = _group_sum(arr, codes, k)
    mean = tot_g / n_g[:, None]
    s = tot_g / total
    rg = arr / mean[codes]
    T_g = _group_sum(rg * np.log(rg), codes, k) / n_g[:, None]
    T_w = (s * T_g).sum(axis=0)
    T_b = (s * np.log(mean / mu)).sum(axis=0)
    if k == 1:
        warnings.append(f"All regions are in one group ({groups[0]!r}): T_b = 0 and T_w = T.")
    single = _singleton_warning(groups, n_g, "within-group Theil index T_g")
    if single:
        warnings.append(single)
    return TheilResult(
        periods=tuple(plabels),
        T=T,
        mu=mu,
        groups=groups,
        n=n_g,
        mean=mean,
        s=s,
        T_g=T_g,
        T_w=T_w,
        T_b=T_b,
        C_w=_ratio(T_w, T, nonzero),
        C_b=_ratio(T_b, T, nonzero),
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------
# sigma convergence
# ---------------------------------------------------------------------------
def _group_sd(arr, codes, k, n_g, ddof):
    mean = _group_sum(arr, codes, k) / n_g[:, None]
    dev = arr - mean[codes]
    ss = _group_sum(dev * dev, codes, k)
    dof = (n_g - ddof).astype(float)[:, None]
    sd = np.sqrt(_ratio(ss, dof, dof > 0))
    return mean, sd


def sigma_convergence(
    values, labels=None, *, ddof=0, log=False, group_order=None, ids=None, periods=None
):
    """Sigma convergence: cross-sectional dispersion of each period.

    Standard deviation ``sd = sqrt(sum (y - mu)^2 / (n - ddof))``,
    coefficient of variation ``cv = sd / mu`` and, with ``log=True``, the
    standard deviation of ``ln y``; per group as well when ``labels`` are
    given. Dispersion falling over the periods indicates sigma convergence.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, t)
        Finite values (strictly positive with ``log=True``).
    labels : sequence, shape (n,), or Groups, optional
        Group of each region (as in :func:`dagum_gini`), for the per-group
        statistics.
    ddof : {0, 1}
        0 (default): the cross-sectional dispersion ``(1/n) sum (...)^2`` used
        by Barro and Sala-i-Martin (1992) and most regional convergence
        studies; 1: the sample standard deviation.
    log : bool
        Also compute the standard deviation of ``ln y`` (``sd_log``).
    group_order, ids, periods : optional
        As in :func:`theil`.

    Returns
    -------
    SigmaResult

    Raises
    ------
    InputDataError
        Missing values, a wrong ``ddof``, non-positive values with
        ``log=True``, missing group labels.
    """
    if isinstance(ddof, bool) or ddof not in DDOF_CHOICES:
        raise InputDataError(
            f"ddof must be one of {', '.join(map(str, DDOF_CHOICES))} (0 = population "
            f"dispersion, 1 = sample standard deviation); got {ddof!r}."
        )
    ddof = int(ddof)
    arr, _, ids, periods, plabels = _as_values(values, ids, periods)
    if log:
        _require_min(arr, ids, periods, "standard deviation of logarithms", strict=True)
    n, t = arr.shape
    mean = arr.mean(axis=0)
    sd = arr.std(axis=0, ddof=ddof)
    warnings = []
    nz = mean != 0
    cv = _ratio(sd, mean, nz)
    if not nz.all():
        names = format_list([_period_name(int(i), periods) for i in np.flatnonzero(~nz)])
        warnings.append(f"The mean is 0 in {names}: the coefficient of variation is NaN there.")
    sd_log = np.log(arr).std(axis=0, ddof=ddof) if log else None
    if labels is None:
        return SigmaResult(
            periods=tuple(plabels), mean=mean, sd=sd, cv=cv, sd_log=sd_log,
            ddof=ddof, log=bool(log), warnings=tuple(warnings),
        )
    codes, groups = _factorize(labels, n, ids, group_order)
    k = len(groups)
    n_g = np.bincount(codes, minlength=k)
    g_mean, g_sd = _group_sd(arr, codes, k, n_g, ddof)
    g_nz = g_mean != 0
    g_cv = _ratio(g_sd, g_mean, g_nz)
    g_sd_log = _group_sd(np.log(arr), codes, k, n_g, ddof)[1] if log else None
    single = _singleton_warning(groups, n_g, "standard deviation") if ddof == 0 else None
    if single:
        warnings.append(single)
    small = n_g <= ddof
    if small.any():
        warnings.append(
            f"Group(s) {format_list([repr(groups[j]) for j in np.flatnonzero(small)])} have "
            f"{ddof} region(s) or fewer: their standard deviation with ddof={ddof} is NaN."
        )
    if not g_nz.all():
        bad = np.flatnonzero(~g_nz.all(axis=1))
        warnings.append(
            f"The mean of group(s) {format_list([repr(groups[j]) for j in bad])} is 0 in some "
            "period(s): their coefficient of variation is NaN there."
        )
    return SigmaResult(
        periods=tuple(plabels),
        mean=mean,
        sd=sd,
        cv=cv,
        sd_log=sd_log,
        groups=groups,
        n=n_g,
        group_mean=g_mean,
        group_sd=g_sd,
        group_cv=g_cv,
        group_sd_log=g_sd_log,
        ddof=ddof,
        log=bool(log),
        warnings=tuple(warnings),
    )
