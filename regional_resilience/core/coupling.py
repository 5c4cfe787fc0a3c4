"""Coupling coordination degree of two or more systems.

The coupling coordination degree model (CCDM) measures how well the
development levels ``U_1 ... U_n`` of ``n`` interacting systems (economy,
society, environment, ...) of a region-year match each other, and at which
overall level. The inputs are development indices, normally in [0, 1]
(e.g. :mod:`.development_index` on min-max standardised indicators), in the
core's axis order: one array ``(regions, periods, systems)`` (what
:meth:`.panel.Panel.stacked` gives) or ``(regions, systems)`` for one
period; or a list of one array ``(regions, periods)`` or ``(regions,)`` per
system. Everything is computed for all region-years at once.

Coupling degree C (``variant=``)
--------------------------------
``"standard"`` (default) — geometric over arithmetic mean::

    C = n * (U_1 * U_2 * ... * U_n) ** (1/n) / (U_1 + ... + U_n)
    n = 2:  C = 2 * sqrt(U1 * U2) / (U1 + U2)

``"ratio"`` — the same quantity in the form most papers print::

    C = [ (U_1 * ... * U_n) / ((U_1 + ... + U_n) / n) ** n ] ** (1/n)
    n = 2:  C = { U1 * U2 / [(U1 + U2) / 2] ** 2 } ** (1/2)

    Both are prod(U)**(1/n) / mean(U): identical mathematically for every
    n (they differ only in the last bits of rounding). Wang et al. (2021)
    call this the normative ("规范") traditional formula; dropping the
    ``n`` / the ``/2`` (C confined to [0, 0.5]) or using another exponent
    are among the misuses they list. Older papers write the exponent as an
    "adjustment coefficient" ``k``; with ``k = n`` (the ``1/2`` power for
    two systems) it is this formula. Other exponents are not offered.

``"wang"`` — the modified coupling degree of Wang et al. (2021, eq. of the
revised model), which spreads C over [0, 1] instead of crowding it near 1::

    C = sqrt{ [1 - sum_{i>j} |U_i - U_j| / sum_{m=1}^{n-1} m]
              * [prod_i (U_i / max_i U_i)] ** (1/(n-1)) }
    n = 2:  C = sqrt[ (1 - |U1 - U2|) * min(U1, U2) / max(U1, U2) ]

    ``sum_{m=1}^{n-1} m = n(n-1)/2`` is the number of pairs, so the first
    factor is 1 minus the mean absolute pairwise difference. The formula was
    checked against two independent implementations (R packages
    ``coupling``, Lyu, and ``mathmodels``, Zhang), which agree with it.

Comprehensive development index and coordination degree::

    T = sum_i alpha_i * U_i        alpha_i >= 0, sum alpha_i = 1
        (default alpha_i = 1/n; e.g. alpha = (0.4, 0.6) if the caller says so)
    D = sqrt(C * T)

C, T and D lie in [0, 1] when every U lies in [0, 1]. Tiny excesses of C
above 1 caused by rounding (e.g. three equal U: ``cbrt(u**3)`` may exceed
``u`` by one ulp) are clipped to 1.

Grades of D (``grades=``)
-------------------------
``"ten"`` (default) — ten classes at 0.1 steps, codes 0..9 (Liao 1999 and
most Chinese-language CCDM papers): extreme imbalance, serious imbalance,
moderate imbalance, mild imbalance, on the verge of imbalance, barely
coordinated, primary coordination, intermediate coordination, good
coordination, quality coordination.
``"three"`` — low ``D < 0.3``, moderate ``0.3 <= D < 0.5``, high ``D >= 0.5``.
Or user ``thresholds`` (strictly increasing) and ``labels`` (one more).

Boundary rule: classes are half-open ``[b_{i-1}, b_i)`` (``closed="left"``,
default): a D equal to a threshold goes to the class above it; anything
below the first threshold is class 0 and anything at or above the last one
(including D = 1 and D > 1) the top class. ``closed="right"`` gives
``(b_{i-1}, b_i]`` (tables written "0.3 < D <= 0.4"). D is compared with
the thresholds *exactly as IEEE doubles*, without tolerance: the thresholds
are the doubles nearest the decimals (the ten-level ones are ``k / 10``,
which is exactly the literal ``0.3`` etc., *not* ``3 * 0.1``). So
``D = 0.3`` is class 3, ``D = 0.1 + 0.2`` (= 0.30000000000000004, above
0.3) is class 3, and ``np.nextafter(0.3, 0)`` is class 2. A D that is
mathematically 0.3 but was computed as 0.29999999999999993 is class 2; to
grade the values as they are reported in a table, pass ``decimals=`` (D is
rounded to that many decimals before grading; the returned D is not
rounded). Undefined D (NaN) gets code -1.

Relative development type (``lag=``)
------------------------------------
``"difference"`` (default): the system with the lowest U lags when
``min U < max U - tol`` (``lag_tol``, default 0.1); codes ``i`` (1-based:
1 = system 1 lags) or 0 = synchronous. For two systems this is
``U1 < U2 - tol`` -> 1, ``U2 < U1 - tol`` -> 2, else 0 (written
symmetrically, so swapping the systems swaps codes 1 and 2 exactly).
Ties for the lowest U go to the first system.
``"ratio"`` (two systems only), bands ``lag_band=(low, high)``, default
(0.8, 1.2): ``U1 > high * U2`` -> 2 (system 2 lags), ``U1 < low * U2`` -> 1,
else 0 — the ratio test ``U1/U2 > 1.2`` etc. written without division, so
it is defined when ``U2 = 0`` (``U1 > 0`` -> system 2 lags; both zero ->
synchronous).

Summary per period
------------------
Mean of D over regions, standard deviation (``ddof=1`` by default: the
sample sd; ``ddof=0`` for the population sd), coefficient of variation
``sd / mean`` and the number of regions in every grade; the same per group
when ``groups`` (a label per region) is given. Undefined D (NaN) is left
out of the statistics (``n_valid`` counts the rest).

Edge cases
----------
* NaN/inf in any U: refused (:class:`~.errors.InputDataError`) naming the
  system, regions and periods. Negative U: refused likewise.
* U > 1: computed as given, with a warning naming system, regions and
  periods (``out_of_range`` mask). D may then exceed 1; with
  ``variant="wang"`` the first factor can become negative and C is then NaN
  (warning).
* All U of a region-year zero: C is 0/0, undefined -> NaN (as are D and
  the grade, code -1), with a warning naming them (``undefined`` mask).
  (``"wang"``: the same when max U = 0.) Some but not all U zero: C = 0.

References
----------
Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan, Dai Binting (2021). Research
on misuses and modification of coupling coordination degree model in China
(国内耦合协调度模型的误区及修正). *Journal of Natural Resources*
(自然资源学报) 36(3), 793-810. doi:10.31497/zrzyxb.20210319

Liu Yaobin, Li Renduan, Song Xuefeng (2005). Analysis of coupling degrees
of urbanization and ecological environment in China (中国城市化与生态环境
耦合度分析). *Journal of Natural Resources* 20(1), 105-112.

Liao Chongbin (1999). Quantitative judgement and classification system for
coordinated development of environment and economy (定量评价环境与经济协调
发展的方法及分类体系). *Tropical Geography* (热带地理) 19(2), 171-177.
(origin of the ten-level grading)

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.coupling import coupling_coordination
>>> U1 = np.array([[0.2, 0.5], [0.8, 0.6]])
>>> U2 = np.array([[0.8, 0.5], [0.2, 0.3]])
>>> res = coupling_coordination([U1, U2])
>>> res.C
array([[0.8       , 1.        ],
       [0.8       , 0.94280904]])
>>> res.D.round(4)
array([[0.6325, 0.7071],
       [0.6325, 0.6514]])
>>> res.grade, [res.grade_labels[g] for g in res.grade[:, 0]]
(array([[6, 7],
       [6, 6]]), ['primary coordination', 'primary coordination'])
>>> res.lag_type
array([[1, 0],
       [2, 2]])
"""
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import Canceled, InputDataError, check_choice, check_labels
from .groups import as_groups
from .panel import format_list

__all__ = [
    "VARIANTS",
    "GRADE_SCHEMES",
    "LAG_METHODS",
    "TEN_LEVEL_THRESHOLDS",
    "TEN_LEVEL_LABELS",
    "THREE_LEVEL_THRESHOLDS",
    "THREE_LEVEL_LABELS",
    "Grades",
    "CouplingSummary",
    "CouplingResult",
    "coupling_degree",
    "comprehensive_index",
    "coordination_degree",
    "coordination_grades",
    "relative_development",
    "summarize_coordination",
    "coupling_coordination",
    "parse_system_weights",
    "parse_grading",
]

VARIANTS = ("standard", "ratio", "wang")
GRADE_SCHEMES = ("ten", "three")
LAG_METHODS = ("difference", "ratio")

#: ``k / 10`` is the double nearest the decimal k/10 (== the literal 0.3 etc.)
TEN_LEVEL_THRESHOLDS = tuple(k / 10 for k in range(1, 10))
TEN_LEVEL_LABELS = (
    "extreme imbalance",
    "serious imbalance",
    "moderate imbalance",
    "mild imbalance",
    "on the verge of imbalance",
    "barely coordinated",
    "primary coordination",
    "intermediate coordination",
    "good coordination",
    "quality coordination",
)
THREE_LEVEL_THRESHOLDS = (0.3, 0.5)
THREE_LEVEL_LABELS = ("low", "moderate", "high")

#: Grade code of an undefined D (NaN).
UNDEFINED = -1


# ---------------------------------------------------------------------------
# labels and messages
# ---------------------------------------------------------------------------
def _system(i, names):
    return f"system {names[i]!r}" if names is not None else f"system {i + 1}"


def _place(i, k, ids, periods, single):
    region = repr(str(ids[i])) if ids is not None else f"row {i}"
    if single or (periods is not None and len(periods) == 1 and str(periods[0]) == ""):
        return region  # one (unnamed) period: the region says where
    period = repr(str(periods[k])) if periods is not None else f"period {k + 1}"
    return f"{region} ({period})"


def _places(mask, ids, periods, single, limit=10):
    """``(count, "'A' ('2001'), 'B' ('2002') and 3 more")`` for a (n, t) mask."""
    rows, cols = np.nonzero(mask)
    count = len(rows)
    items = [_place(int(i), int(k), ids, periods, single)
             for i, k in zip(rows[:limit], cols[:limit])]
    text = ", ".join(items)
    if count > limit:
        text += f" and {count - limit} more"
    return count, text


# ---------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------
def _as_systems(U, names=None, ids=None, periods=None):
    """``U`` checked (finite, non-negative), as float64 ``(k, n, t)`` for
    the computations (one contiguous block per system), whether it was one
    period, and the labels.

    ``U`` is an ndarray ``(regions, periods, systems)`` or ``(regions,
    systems)``, the core's axis order, or a sequence (list, tuple) of one
    array ``(regions, periods)`` or ``(regions,)`` per system.
    """
    if isinstance(U, np.ndarray) and U.dtype != object:
        try:
            arr = np.asarray(U, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputDataError(f"The system indices must be numbers ({exc}).") from None
        if arr.ndim not in (2, 3):
            raise InputDataError(
                "Give the system indices as one array (regions, periods, systems) or "
                "(regions, systems), or as a list of one array (regions, periods) or (regions,) "
                f"per system; got an array of shape {arr.shape}."
            )
        single = arr.ndim == 2
        if single:
            arr = arr[:, None, :]
        arr = np.ascontiguousarray(np.moveaxis(arr, -1, 0))
    else:
        try:
            parts = [np.asarray(u, dtype=np.float64) for u in U]
        except (TypeError, ValueError) as exc:
            raise InputDataError(f"The system indices must be numbers ({exc}).") from None
        if not parts:
            raise InputDataError("No system indices were given; give two or more.")
        for i, p in enumerate(parts):
            if p.ndim not in (1, 2):
                raise InputDataError(
                    f"The index of {_system(i, names if names and len(names) == len(parts) else None)}"
                    f" must be an array (regions, periods) or (regions,); got shape {p.shape}."
                )
            if p.shape != parts[0].shape:
                nm = names if names is not None and len(names) == len(parts) else None
                raise InputDataError(
                    f"The index of {_system(i, nm)} has shape {p.shape} but that of "
                    f"{_system(0, nm)} has shape {parts[0].shape}; every system needs one "
                    "value per region and period, in the same order."
                )
        arr = np.stack(parts)
        single = arr.ndim == 2
        if single:
            arr = arr[:, :, None]
    k, n, t = arr.shape
    if k < 2:
        raise InputDataError(
            f"The coupling model needs at least two systems; got {k}."
        )
    if n == 0 or t == 0:
        raise InputDataError(f"The system indices are empty ({n} regions, {t} periods).")
    names = check_labels(names, k, "system names", "systems")
    ids = check_labels(ids, n, "region ids", "regions")
    periods = check_labels(periods, t, "period labels", "periods")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=(1, 2)))[0])
        count, where = _places(bad[i], ids, periods, single)
        raise InputDataError(
            f"The index of {_system(i, names)} is missing or not finite for {count} "
            f"region-period(s): {where}. Fill or remove them first."
        )
    neg = arr < 0
    if neg.any():
        i = int(np.flatnonzero(neg.any(axis=(1, 2)))[0])
        count, where = _places(neg[i], ids, periods, single)
        raise InputDataError(
            f"The index of {_system(i, names)} is negative for {count} region-period(s): "
            f"{where}. Development indices must be >= 0 (min-max standardised indicators, "
            "e.g. the development index of this plugin)."
        )
    return arr, single, names, ids, periods


def _over_one_warnings(arr, names, ids, periods, single):
    over = arr > 1.0
    warnings = []
    if over.any():
        for i in np.flatnonzero(over.any(axis=(1, 2))):
            count, where = _places(over[i], ids, periods, single)
            warnings.append(
                f"The index of {_system(int(i), names)} exceeds 1 for {count} "
                f"region-period(s): {where}. The coupling model assumes indices in [0, 1]; "
                "the values were used as given, so D may exceed 1."
            )
        over = over.any(axis=0)
    else:
        over = np.zeros(arr.shape[1:], dtype=bool)
    return over, warnings


def _out(a, single):
    return a[:, 0] if single else a


# ---------------------------------------------------------------------------
# C, T, D
# ---------------------------------------------------------------------------
def _coupling(arr, variant):
    """C for (k, n, t) ``arr``; NaN where undefined. Returns C, undefined
    mask (all zero / max zero) and the mask of negative Wang brackets."""
    k = arr.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if variant in ("standard", "ratio"):
            s = arr[0] + arr[1]
            for i in range(2, k):
                s += arr[i]
            if k == 2:
                p = arr[0] * arr[1]
            else:
                p = np.prod(arr, axis=0)
            if variant == "standard":
                if k == 2:
                    g = np.sqrt(p)
                elif k == 3:
                    g = np.cbrt(p)
                else:
                    g = p ** (1.0 / k)
                C = g
                C *= k
                C /= s
            else:
                m = s / k
                C = p / m**k
                if k == 2:
                    np.sqrt(C, out=C)
                elif k == 3:
                    np.cbrt(C, out=C)
                else:
                    C **= 1.0 / k
            undefined = s == 0
            negative = None
        else:  # wang
            mx = np.max(arr, axis=0)
            acc = np.abs(arr[0] - arr[1])
            for i in range(k):
                for j in range(i + 1, k):
                    if (i, j) != (0, 1):
                        acc += np.abs(arr[i] - arr[j])
            first = 1.0 - acc / (k * (k - 1) / 2)
            q = arr[0] / mx
            for i in range(1, k):
                q *= arr[i] / mx
            second = q if k == 2 else q ** (1.0 / (k - 1))
            inside = first * second
            undefined = mx == 0
            negative = (first < 0) & ~undefined
            C = np.sqrt(np.where(negative, np.nan, inside))
    np.minimum(C, 1.0, out=C)  # rounding excess only; NaN stays NaN
    C[undefined] = np.nan
    return C, undefined, negative


def coupling_degree(U, variant="standard", *, names=None, ids=None, periods=None):
    """Coupling degree C of two or more systems.

    Parameters
    ----------
    U : ndarray (n, t, k) or (n, k), or sequence of k array_like (n, t) or (n,)
        Development index of every system, >= 0 (normally in [0, 1]).
    variant : {"standard", "ratio", "wang"}
        See the module docstring.
    names, ids, periods : sequence of str, optional
        System names, region ids and period labels for messages.

    Returns
    -------
    ndarray, shape (n, t) or (n,)
        C in [0, 1] for U in [0, 1]; NaN where every U is zero
        (``"wang"``: max U zero) or, for ``"wang"`` with U > 1, where the
        first factor is negative.

    Examples
    --------
    >>> coupling_degree([[0.2, 0.5], [0.8, 0.5]])
    array([0.8, 1. ])
    >>> coupling_degree([[0.2, 0.5], [0.8, 0.5]], variant="wang").round(4)
    array([0.3162, 1.    ])
    """
    variant = check_choice(variant, VARIANTS, "coupling variant")
    arr, single, *_ = _as_systems(U, names, ids, periods)
    C, _, _ = _coupling(arr, variant)
    return _out(C, single)


def _check_alpha(weights, k, names):
    if weights is None:
        return np.full(k, 1.0 / k)
    try:
        a = np.asarray(weights, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputDataError(
            f"The system weights must be numbers; got {weights!r}."
        ) from None
    if a.size != k:
        raise InputDataError(
            f"{a.size} system weight(s) were given for {k} systems; give one per system "
            f"(e.g. {', '.join(['%.3g' % (1 / k)] * k)})."
        )
    if not np.isfinite(a).all() or (a < 0).any():
        bad = [_system(i, names) for i in np.flatnonzero(~(np.isfinite(a) & (a >= 0)))]
        raise InputDataError(
            f"System weights must be non-negative numbers; check the weight of "
            f"{format_list(bad)}."
        )
    total = float(a.sum())
    if abs(total - 1.0) > 1e-9:
        raise InputDataError(
            f"The system weights sum to {total:.12g}, not 1; give weights that sum to 1 "
            "(e.g. 0.4 and 0.6)."
        )
    return a


def _comprehensive(arr, alpha):
    T = alpha[0] * arr[0]
    for i in range(1, arr.shape[0]):
        T += alpha[i] * arr[i]
    return T


def comprehensive_index(U, weights=None, *, names=None, ids=None, periods=None):
    """Comprehensive development index ``T = sum_i alpha_i U_i``.

    Parameters
    ----------
    U : ndarray (n, t, k) or (n, k), or sequence of k array_like (n, t) or (n,)
    weights : array_like (k,), optional
        ``alpha``: non-negative, summing to 1 (tolerance 1e-9). Default
        equal weights ``1/k``.
    names, ids, periods : sequence of str, optional

    Returns
    -------
    ndarray, shape (n, t) or (n,)

    Examples
    --------
    >>> comprehensive_index([[0.2, 0.5], [0.8, 0.5]], (0.4, 0.6))
    array([0.56, 0.5 ])
    """
    arr, single, names, _, _ = _as_systems(U, names, ids, periods)
    alpha = _check_alpha(weights, arr.shape[0], names)
    return _out(_comprehensive(arr, alpha), single)


def coordination_degree(C, T):
    """Coupling coordination degree ``D = sqrt(C * T)`` (NaN where C is).

    Examples
    --------
    >>> coordination_degree(0.8, 0.5)
    0.6324555320336759
    """
    C = np.asarray(C, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        D = np.sqrt(C * T)
    return D.item() if D.ndim == 0 else D


# ---------------------------------------------------------------------------
# grades
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Grades:
    """Grades of D.

    Attributes
    ----------
    codes : ndarray of int64
        Class code per value, 0 = lowest class; -1 where D is NaN.
    labels : tuple of str
        Label of every code (``labels[code]``).
    thresholds : ndarray
        Class boundaries ``b_1 < ... < b_{m-1}``.
    closed : str
        ``"left"``: classes ``[b_{i-1}, b_i)``; ``"right"``: ``(b_{i-1}, b_i]``.
    """

    codes: np.ndarray
    labels: tuple
    thresholds: np.ndarray
    closed: str = "left"


def _grade_scheme(scheme, thresholds, labels):
    if thresholds is None:
        scheme = check_choice(scheme, GRADE_SCHEMES, "grading scheme")
        if scheme == "ten":
            thr, lab = TEN_LEVEL_THRESHOLDS, TEN_LEVEL_LABELS
        else:
            thr, lab = THREE_LEVEL_THRESHOLDS, THREE_LEVEL_LABELS
        if labels is not None:
            lab = labels
    else:
        thr = thresholds
        lab = labels
    try:
        thr = np.asarray(thr, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputDataError(f"Grade thresholds must be numbers; got {thresholds!r}.") from None
    if thr.size == 0 or not np.isfinite(thr).all() or (np.diff(thr) <= 0).any():
        raise InputDataError(
            f"Grade thresholds must be finite and strictly increasing; got "
            f"{', '.join('%.12g' % v for v in thr)}."
        )
    if lab is None:
        lab = tuple(f"class {i + 1}" for i in range(thr.size + 1))
    lab = tuple(str(v) for v in lab)
    if len(lab) != thr.size + 1:
        raise InputDataError(
            f"{thr.size} grade threshold(s) make {thr.size + 1} classes but {len(lab)} "
            "label(s) were given; give one label more than thresholds."
        )
    return thr, lab


def coordination_grades(D, scheme="ten", *, thresholds=None, labels=None, closed="left",
                        decimals=None):
    """Grade coordination degrees into classes.

    Parameters
    ----------
    D : array_like
        Coordination degrees (NaN allowed: code -1).
    scheme : {"ten", "three"}
        Built-in scheme, used when ``thresholds`` is None.
    thresholds : array_like, optional
        User class boundaries, strictly increasing.
    labels : sequence of str, optional
        Class labels, one more than thresholds (default "class 1", ...;
        with a built-in scheme they replace its labels, e.g. a translation).
    closed : {"left", "right"}
        ``"left"`` (default): ``[b_{i-1}, b_i)``, a D equal to a threshold
        belongs to the upper class. ``"right"``: ``(b_{i-1}, b_i]``.
    decimals : int, optional
        Round D to this many decimals before grading (grade the values as a
        table reports them). Default: exact comparison of doubles.

    Returns
    -------
    Grades

    Examples
    --------
    >>> g = coordination_grades([0.3, 0.1 + 0.2, 0.29999999999999993, 1.0], "three")
    >>> g.codes, g.labels
    (array([1, 1, 0, 2]), ('low', 'moderate', 'high'))
    >>> coordination_grades([0.29999999999999993], "three", decimals=4).codes
    array([1])
    """
    closed = check_choice(closed, ("left", "right"), "interval closure")
    thr, lab = _grade_scheme(scheme, thresholds, labels)
    D = np.asarray(D, dtype=np.float64)
    Dv = D if decimals is None else np.round(D, int(decimals))
    codes = np.searchsorted(thr, Dv, side="right" if closed == "left" else "left")
    codes = codes.astype(np.int64, copy=False)
    nan = np.isnan(D)
    if nan.any():
        codes[nan] = UNDEFINED
    return Grades(codes=codes, labels=lab, thresholds=thr, closed=closed)


# ---------------------------------------------------------------------------
# relative development type
# ---------------------------------------------------------------------------
def _check_lag_options(method, tol, band, k):
    method = check_choice(method, LAG_METHODS, "relative-development method")
    tol = float(tol)
    if not np.isfinite(tol) or tol < 0:
        raise InputDataError(f"The lag tolerance must be a number >= 0; got {tol!r}.")
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        raise InputDataError(
            f"The ratio band must be two numbers (low, high), e.g. (0.8, 1.2); got {band!r}."
        ) from None
    if method == "ratio":
        if k != 2:
            raise InputDataError(
                f"The ratio form of the relative development type compares two systems; "
                f"{k} were given. Use the difference rule (lag='difference') for three or more "
                "systems."
            )
        if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= 1 <= high):
            raise InputDataError(
                f"The ratio band must satisfy 0 < low <= 1 <= high; got ({low!r}, {high!r})."
            )
    return method, tol, low, high


def _lag(arr, method, tol, low, high):
    k = arr.shape[0]
    if method == "ratio":
        u1, u2 = arr[0], arr[1]
        codes = np.zeros(u1.shape, dtype=np.int64)
        codes[u1 > high * u2] = 2
        codes[u1 < low * u2] = 1
        return codes
    if k == 2:
        u1, u2 = arr[0], arr[1]
        codes = np.zeros(u1.shape, dtype=np.int64)
        codes[u1 < u2 - tol] = 1
        codes[u2 < u1 - tol] = 2
        return codes
    lowest = np.argmin(arr, axis=0)
    mn = np.take_along_axis(arr, lowest[None], axis=0)[0]
    mx = np.max(arr, axis=0)
    return np.where(mn < mx - tol, lowest + 1, 0).astype(np.int64, copy=False)


def _lag_labels(k, names):
    return ("synchronous",) + tuple(
        f"{names[i] if names is not None else f'system {i + 1}'} lags" for i in range(k)
    )


def relative_development(U, method="difference", *, tol=0.1, band=(0.8, 1.2), names=None,
                         ids=None, periods=None):
    """Relative development type: which system lags.

    Parameters
    ----------
    U : ndarray (n, t, k) or (n, k), or sequence of k array_like (n, t) or (n,)
    method : {"difference", "ratio"}
        ``"difference"``: the lowest system lags when
        ``min U < max U - tol``. ``"ratio"`` (two systems):
        ``U1 > high * U2`` -> system 2 lags, ``U1 < low * U2`` -> system 1.
    tol : float, default 0.1
    band : (low, high), default (0.8, 1.2)
    names, ids, periods : sequence of str, optional

    Returns
    -------
    ndarray of int64
        0 = synchronous, ``i`` = system ``i`` (1-based) lags.

    Examples
    --------
    >>> relative_development([[0.2, 0.5, 0.45], [0.5, 0.5, 0.3]])
    array([1, 0, 2])
    >>> relative_development([[0.2, 0.5, 0.45], [0.5, 0.5, 0.3]], "ratio")
    array([1, 0, 2])
    """
    arr, single, *_ = _as_systems(U, names, ids, periods)
    method, tol, low, high = _check_lag_options(method, tol, band, arr.shape[0])
    return _out(_lag(arr, method, tol, low, high), single)


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CouplingSummary:
    """Per-period summary of D (overall and per group).

    Attributes
    ----------
    mean, sd, cv : ndarray, shape (t,)
        Mean of D over regions, its standard deviation (``ddof``) and
        coefficient of variation ``sd / mean`` (NaN if the mean is 0 or
        too few values). Undefined D (NaN) is left out.
    n_valid : ndarray of int64, shape (t,)
        Regions with a defined D.
    counts : ndarray of int64, shape (t, m)
        Regions per grade (column = grade code).
    ddof : int
    group_labels : tuple or None
        Group labels, in the order of :class:`~.groups.Groups` (by label).
    group_mean, group_sd, group_cv : ndarray, shape (g, t), or None
    group_n : ndarray of int64, shape (g, t), or None
    group_counts : ndarray of int64, shape (g, t, m), or None
    """

    mean: np.ndarray
    sd: np.ndarray
    cv: np.ndarray
    n_valid: np.ndarray
    counts: np.ndarray
    ddof: int = 1
    group_labels: tuple = None
    group_mean: np.ndarray = None
    group_sd: np.ndarray = None
    group_cv: np.ndarray = None
    group_n: np.ndarray = None
    group_counts: np.ndarray = None


def _group_index(groups, n, ids):
    """Group index per region and the labels, by the rules of
    :func:`regional_resilience.core.groups.as_groups` (labels as text,
    ordered by label; a ready ``Groups`` is used as given)."""
    g = as_groups(groups, n, ids)
    return g.codes, g.labels


def _finish_stats(mean, ss, cnt, ddof):
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(cnt > ddof, np.sqrt(ss / np.maximum(cnt - ddof, 1)), np.nan)
        cv = np.where((cnt > ddof) & (mean != 0), sd / np.where(mean != 0, mean, 1.0), np.nan)
    return sd, cv


def summarize_coordination(D, codes=None, n_classes=None, *, groups=None, ddof=1, ids=None):
    """Per-period mean, sd, CV of D and regions per grade.

    Parameters
    ----------
    D : array_like, shape (n, t) or (n,)
    codes : array_like of int, same shape, optional
        Grade codes (-1 = undefined). Default: the ten-level grades of D.
    n_classes : int, optional
        Number of classes (default: ``codes.max() + 1``, or 10 with the
        default grades).
    groups : Groups or sequence, optional
        A :class:`~.groups.Groups` or a group label per region (e.g.
        province); adds per-group statistics.
    ddof : int, default 1
        Delta degrees of freedom of the sd (1 = sample sd).
    ids : sequence of str, optional
        Region ids for messages.

    Returns
    -------
    CouplingSummary

    Examples
    --------
    >>> s = summarize_coordination([[0.2], [0.4], [0.6]])
    >>> s.mean, s.sd, s.cv.round(4), s.counts[0, [2, 4, 6]]
    (array([0.4]), array([0.2]), array([0.5]), array([1, 1, 1]))
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim == 1:
        D = D[:, None]
        if codes is not None:
            codes = np.asarray(codes)[:, None]
    if D.ndim != 2:
        raise InputDataError(f"D must be an array (regions, periods); got shape {D.shape}.")
    n, t = D.shape
    ddof = int(ddof)
    if ddof < 0:
        raise InputDataError(f"ddof must be >= 0; got {ddof}.")
    if codes is None:
        codes = coordination_grades(D).codes
        if n_classes is None:
            n_classes = len(TEN_LEVEL_LABELS)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.shape != D.shape:
        raise InputDataError(
            f"The grade codes have shape {codes.shape} but D has shape {D.shape}."
        )
    if n_classes is None:
        n_classes = int(codes.max()) + 1 if codes.size else 0
    n_classes = int(n_classes)
    if codes.size and codes.max() >= n_classes:
        raise InputDataError(
            f"A grade code {int(codes.max())} exceeds the {n_classes} classes given."
        )

    valid = ~np.isnan(D)
    all_valid = bool(valid.all())
    if all_valid:
        cnt = np.full(t, n, dtype=np.int64)
        mean = D.mean(axis=0)
        dev = D - mean
    else:
        cnt = valid.sum(axis=0).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(valid, D, 0.0).sum(axis=0) / cnt
        dev = np.where(valid, D - mean, 0.0)
    ss = np.einsum("nt,nt->t", dev, dev)
    sd, cv = _finish_stats(mean, ss, cnt, ddof)
    mean = np.where(cnt > 0, mean, np.nan)

    period = np.broadcast_to(np.arange(t, dtype=np.int64), (n, t))
    graded = codes >= 0
    if graded.all():
        counts = np.bincount((codes * t + period).ravel(), minlength=n_classes * t)
    else:
        counts = np.bincount((codes * t + period)[graded], minlength=n_classes * t)
    counts = counts.reshape(n_classes, t).T.astype(np.int64, copy=False)

    out = dict(mean=mean, sd=sd, cv=cv, n_valid=cnt, counts=np.ascontiguousarray(counts),
               ddof=ddof)
    if groups is not None:
        gidx, glabels = _group_index(groups, n, ids)
        G = len(glabels)
        cell = gidx[:, None] * t + period  # (n, t) index of (group, period)
        cells = cell[valid] if not all_valid else cell.ravel()
        Dv = D[valid] if not all_valid else D.ravel()
        gcnt = np.bincount(cells, minlength=G * t)
        with np.errstate(invalid="ignore", divide="ignore"):
            gmean = np.bincount(cells, weights=Dv, minlength=G * t) / gcnt
        gdev = Dv - gmean[cells]
        gss = np.bincount(cells, weights=gdev * gdev, minlength=G * t)
        gsd, gcv = _finish_stats(gmean, gss, gcnt, ddof)
        gmean = np.where(gcnt > 0, gmean, np.nan)
        gcode_cells = ((gidx[:, None] * n_classes + codes) * t + period)[graded]
        gcounts = np.bincount(gcode_cells, minlength=G * n_classes * t)
        gcounts = gcounts.reshape(G, n_classes, t).transpose(0, 2, 1)
        out.update(
            group_labels=glabels,
            group_mean=gmean.reshape(G, t),
            group_sd=gsd.reshape(G, t),
            group_cv=gcv.reshape(G, t),
            group_n=gcnt.reshape(G, t).astype(np.int64, copy=False),
            group_counts=np.ascontiguousarray(gcounts).astype(np.int64, copy=False),
        )
    return CouplingSummary(**out)


# ---------------------------------------------------------------------------
# everything at once
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CouplingResult:
    """Result of :func:`coupling_coordination`.

    Attributes
    ----------
    C, T, D : ndarray, shape (n, t) or (n,)
        Coupling degree, comprehensive development index, coupling
        coordination degree. C and D are NaN where undefined.
    grade : ndarray of int64
        Grade code of D (-1 where D is NaN); ``grade_labels[code]``.
    grade_labels : tuple of str
    thresholds : ndarray
        Grade boundaries.
    lag_type : ndarray of int64
        0 = synchronous, ``i`` = system ``i`` (1-based) lags;
        ``lag_labels[code]``.
    lag_labels : tuple of str
    weights : ndarray (k,)
        System weights ``alpha`` used for T.
    variant : str
        Coupling-degree variant.
    summary : CouplingSummary
    out_of_range : ndarray of bool
        Some U of the region-year exceeds 1.
    undefined : ndarray of bool
        C undefined (all U zero; ``"wang"``: also a negative first factor).
    warnings : tuple of str
    """

    C: np.ndarray
    T: np.ndarray
    D: np.ndarray
    grade: np.ndarray
    grade_labels: tuple
    thresholds: np.ndarray
    lag_type: np.ndarray
    lag_labels: tuple
    weights: np.ndarray
    variant: str
    summary: CouplingSummary
    out_of_range: np.ndarray
    undefined: np.ndarray
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


def coupling_coordination(
    U,
    weights=None,
    *,
    variant="standard",
    grades="ten",
    thresholds=None,
    labels=None,
    closed="left",
    decimals=None,
    lag="difference",
    lag_tol=0.1,
    lag_band=(0.8, 1.2),
    groups=None,
    ddof=1,
    names=None,
    ids=None,
    periods=None,
    progress=None,
    is_canceled=None,
):
    """Coupling degree, development index, coordination degree, grades,
    relative development type and per-period summary.

    Parameters
    ----------
    U : ndarray (n, t, k) or (n, k), or sequence of k array_like (n, t) or (n,)
        Development index of each of the ``k >= 2`` systems (>= 0, normally
        in [0, 1]).
    weights : array_like (k,), optional
        ``alpha`` for ``T = sum alpha_i U_i``; non-negative, sum 1
        (tolerance 1e-9). Default ``1/k`` each.
    variant : {"standard", "ratio", "wang"}
        Coupling degree formula (module docstring).
    grades : {"ten", "three"}
        Built-in grading of D, used unless ``thresholds`` is given (then
        ignored; :func:`parse_grading` says ``"user"``).
    thresholds, labels : optional
        User grading: strictly increasing boundaries and one more label.
    closed : {"left", "right"}
        Class intervals ``[b_{i-1}, b_i)`` (default) or ``(b_{i-1}, b_i]``.
    decimals : int, optional
        Round D before grading (the returned D is not rounded).
    lag : {"difference", "ratio"}
        Relative development type rule; ``lag_tol`` (default 0.1) for
        ``"difference"``, ``lag_band`` (default (0.8, 1.2)) for ``"ratio"``.
    groups : Groups or sequence, optional
        A :class:`~.groups.Groups` or a group label per region, for the
        grouped summary (labels read by the rules of :mod:`.groups`).
    ddof : int, default 1
        sd convention of the summary.
    names, ids, periods : sequence of str, optional
        System names, region ids, period labels (messages and lag labels).
    progress, is_canceled : callable, optional
        ``progress(fraction)``; ``is_canceled()`` -> True raises
        :class:`~.errors.Canceled`.

    Returns
    -------
    CouplingResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = rng.random((100, 5, 3))  # (regions, periods, systems)
    >>> res = coupling_coordination(U, (0.2, 0.3, 0.5), names=["eco", "soc", "env"])
    >>> bool(((res.D >= 0) & (res.D <= 1)).all()), res.summary.counts.sum(axis=1)
    (True, array([100, 100, 100, 100, 100]))
    >>> res.lag_labels
    ('synchronous', 'eco lags', 'soc lags', 'env lags')
    """

    def _step(fraction):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            progress(fraction)

    variant = check_choice(variant, VARIANTS, "coupling variant")
    closed = check_choice(closed, ("left", "right"), "interval closure")
    thr, grade_labels = _grade_scheme(grades, thresholds, labels)
    _step(0.0)
    arr, single, names, ids, periods = _as_systems(U, names, ids, periods)
    k = arr.shape[0]
    alpha = _check_alpha(weights, k, names)
    lag_method, tol, low, high = _check_lag_options(lag, lag_tol, lag_band, k)
    if groups is not None:  # a Groups or one label per region, read by the rules of core.groups
        groups = as_groups(groups, arr.shape[1], ids)
    over, warnings = _over_one_warnings(arr, names, ids, periods, single)
    _step(0.1)

    C, undefined, negative = _coupling(arr, variant)
    if undefined.any():
        count, where = _places(undefined, ids, periods, single)
        warnings.append(
            "The coupling degree is undefined (0/0) where every system index is 0: "
            f"{count} region-period(s), "
            f"{where}. C, D and the grade are left empty (NaN, grade code -1) there."
        )
    if negative is not None and negative.any():
        count, where = _places(negative, ids, periods, single)
        warnings.append(
            "The modified (Wang) coupling degree is undefined where indices above 1 make "
            f"1 - mean |U_i - U_j| negative: {count} region-period(s), {where}; C is NaN there."
        )
        undefined = undefined | negative
    _step(0.4)
    T = _comprehensive(arr, alpha)
    D = C * T
    np.sqrt(D, out=D)
    _step(0.6)
    Dv = D if decimals is None else np.round(D, int(decimals))
    codes = np.searchsorted(thr, Dv, side="right" if closed == "left" else "left")
    codes = codes.astype(np.int64, copy=False)
    if undefined.any():
        codes[np.isnan(D)] = UNDEFINED
    lag_type = _lag(arr, lag_method, tol, low, high)
    _step(0.8)
    summary = summarize_coordination(D, codes, len(grade_labels), groups=groups, ddof=ddof,
                                     ids=ids)
    _step(1.0)
    return CouplingResult(
        C=_out(C, single),
        T=_out(T, single),
        D=_out(D, single),
        grade=_out(codes, single),
        grade_labels=grade_labels,
        thresholds=thr,
        lag_type=_out(lag_type, single),
        lag_labels=_lag_labels(k, names),
        weights=alpha,
        variant=variant,
        summary=summary,
        out_of_range=_out(over, single),
        undefined=_out(undefined, single),
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------
# options given as short texts (dialog fields, scripts)
# ---------------------------------------------------------------------------
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_VALUE = re.compile(rf"^({_NUMBER})(?:\s*/\s*({_NUMBER}))?$")
_NAMED = re.compile(rf"^(.*?\S)\s*[:=]?\s*({_NUMBER}(?:\s*/\s*{_NUMBER})?)$")


def _number(token):
    """``token`` as a float (``"0.4"``, ``"1/3"``), or None."""
    m = _VALUE.match(token.strip())
    if not m:
        return None
    value = float(m.group(1))
    if m.group(2) is not None:
        den = float(m.group(2))
        if den == 0:
            raise InputDataError(f"{token.strip()!r} divides by zero.")
        value /= den
    return value


def _items(text):
    """The items of a comma- or semicolon-separated text; blanks dropped.
    Numbers separated by blanks only (``"0.4 0.6"``) are items too."""
    items = [t.strip() for t in re.split(r"[;,]", str(text)) if t.strip()]
    if len(items) == 1 and all(_number(t) is not None for t in items[0].split()):
        items = items[0].split()
    return items


def parse_system_weights(text, names):
    """The system weights ``alpha`` of T from a short text.

    ``"0.4, 0.6"``: one number per system, in the order of ``names``
    (fractions such as ``"1/3, 1/3, 1/3"`` are numbers too); or by name,
    every system once: ``"economy 0.4; environment 0.6"`` (also
    ``"economy: 0.4, environment = 0.6"``; names ignore case). An empty
    text gives ``None``: equal weights. The count, signs and sum are
    checked by :func:`coupling_coordination` (messages name the systems).

    Raises :class:`InputDataError` for text that is not numbers, unknown
    or repeated system names, and a mix of the two forms.

    Examples
    --------
    >>> parse_system_weights("0.4, 0.6", ["eco", "env"])
    (0.4, 0.6)
    >>> parse_system_weights("env 0.6; ECO: 0.4", ["eco", "env"])
    (0.4, 0.6)
    >>> parse_system_weights("", ["eco", "env"]) is None
    True
    """
    names = [str(v) for v in names]
    text = str(text or "").strip()
    if not text:
        return None
    items = _items(text)
    plain = [_number(t) for t in items]
    if all(v is not None for v in plain):
        return tuple(plain)
    forms = (f"give one number per system in the order {format_list(names)} (e.g. "
             f"'{', '.join(['%.3g' % (1 / max(len(names), 1))] * len(names))}'), or a name and a "
             f"number for every system (e.g. '{names[0]} 0.4; {names[-1]} 0.6')")
    for item, value in zip(items, plain):
        if value is None and _NAMED.match(item) is None:
            raise InputDataError(f"Could not read the system weights {text!r} at {item!r}: {forms}.")
    if any(v is not None for v in plain):
        raise InputDataError(
            f"The system weights {text!r} mix numbers with and without system names: {forms}.")
    named = {}
    lower = {v.lower(): j for j, v in enumerate(names)}
    for item in items:
        m = _NAMED.match(item)
        name, value = m.group(1).strip(), _number(m.group(2))
        j = lower.get(name.lower())
        if j is None:
            raise InputDataError(
                f"The system weights name {name!r}, which is not a system; the systems are "
                f"{format_list(names)}."
            )
        if j in named:
            raise InputDataError(f"The system weights give {names[j]!r} twice.")
        named[j] = value
    missing = [names[j] for j in range(len(names)) if j not in named]
    if missing:
        raise InputDataError(
            f"The system weights leave out {format_list(missing)}; give a weight for every "
            f"system ({format_list(names)})."
        )
    return tuple(named[j] for j in range(len(names)))


def parse_grading(scheme, thresholds="", labels=""):
    """Grading options from short texts: the keyword arguments ``grades``,
    ``thresholds`` and ``labels`` of :func:`coupling_coordination`.

    ``scheme`` is ``"ten"``, ``"three"`` or ``"user"``. ``thresholds``
    (``"user"`` only) are numbers separated by commas, semicolons or blanks
    (``"0.3, 0.5, 0.7"``); ``labels`` are separated by semicolons, or by
    commas when the text has no semicolon (``"low; medium; high; very
    high"``); with a built-in scheme they replace its labels (e.g. a
    translation), one per class. The thresholds' order and the number of
    labels are checked, with the scheme, here.

    Examples
    --------
    >>> parse_grading("user", "0.4 0.6", "low; mid; high")
    {'grades': 'user', 'thresholds': (0.4, 0.6), 'labels': ('low', 'mid', 'high')}
    >>> parse_grading("three")
    {'grades': 'three', 'thresholds': None, 'labels': None}
    """
    scheme = check_choice(scheme, GRADE_SCHEMES + ("user",), "grading scheme")
    thr_text = str(thresholds or "").strip()
    lab_text = str(labels or "").strip()
    thr = None
    if scheme == "user":
        if not thr_text:
            raise InputDataError(
                "The user grade scheme needs thresholds: class boundaries of D in increasing "
                "order, e.g. '0.3, 0.5, 0.7'."
            )
        values = [t for t in re.split(r"[;,\s]+", thr_text) if t]
        thr = []
        for token in values:
            v = _number(token)
            if v is None:
                raise InputDataError(
                    f"Could not read {token!r} as a number in the grade thresholds {thr_text!r}."
                )
            thr.append(v)
        thr = tuple(thr)
    elif thr_text:
        raise InputDataError(
            f"Grade thresholds were given ({thr_text!r}) but the grade scheme is the built-in "
            f"{scheme!r} one; choose the user scheme to use them, or leave them empty."
        )
    lab = None
    if lab_text:
        sep = ";" if ";" in lab_text else ","
        lab = tuple(t.strip() for t in lab_text.split(sep))
        if any(not t for t in lab):
            raise InputDataError(f"The grade labels {lab_text!r} have an empty label.")
    out = {"grades": scheme, "thresholds": thr, "labels": lab}
    _grade_scheme(out["grades"], thr, lab)  # order of thresholds, number of labels
    return out
