"""Class breaks for grade maps: natural breaks, quantiles, equal intervals, thresholds.

A grade map puts every region into one of ``k`` ordered classes. This module
computes the class breaks and the class of every region, for one period or
for a panel ``(n_regions, n_periods)`` at once, either period by period
(every map uses its own breaks) or pooled (one set of breaks from all
region-years, so that maps of different years can be compared).

Conventions (as PySAL's ``mapclassify``)
---------------------------------------
``breaks`` are the *upper bounds* of the classes; for the data-driven
methods the last break is the maximum and every break is a class maximum.
Class ``c`` holds the values ``breaks[c-1] < y <= breaks[c]`` (class 0:
``y <= breaks[0]``)::

    code(y) = #{c : breaks[c] < y}            (numpy.searchsorted, side="left")

Methods
-------
``"fisher_jenks"`` - natural breaks, exact (Fisher 1958; Jenks 1977)
    The partition of the sorted values into ``k`` contiguous classes with the
    smallest within-class sum of squared deviations::

        SSD(a..b) = sum_{i=a..b} (y_i - mean(y_a..y_b))**2
        D(1, l)   = SSD(1..l)
        D(j, l)   = min_{j-1 <= i < l}  D(j-1, i) + SSD(i+1..l)     (j = 2..k)

    and the breaks are read back from the minimising ``i``. The dynamic
    programme runs on the *distinct* values with their counts as weights
    (tied values always share a class in an optimal partition, so this is
    exact) using prefix sums of the counts ``W``, of ``c*z`` and ``c*z**2``
    (``z`` = value minus a central distinct value, against cancellation)::

        SSD(i+1..l) = (S2[l] - S2[i]) - (S1[l] - S1[i])**2 / (W[l] - W[i])

    The minimising ``i`` is non-decreasing in ``l`` (SSD satisfies the
    quadrangle inequality, Wu 1991; Gronlund et al. 2017), so each layer
    ``j`` is solved by divide and conquer in O(m log m) instead of O(m**2)
    (``m`` distinct values): O(k m log m) in all. Ties between equally good
    split points are resolved as mapclassify's ``>=`` does: the smallest
    ``i`` wins (the later class is made as large as possible). Candidates
    within ``1e-12 * sum(c*z**2)`` of the best count as tied, so that
    partitions tied in exact arithmetic (frequent with small integer values)
    are not told apart by rounding noise: the breaks are those of the same
    programme run in exact rational arithmetic. The numba kernel and the
    numpy fallback (one tree level at a time) evaluate the same candidates
    with the same floating-point operations and give identical breaks.

    Breaks equal ``mapclassify.FisherJenks(y, k).bins``, except where
    mapclassify's single-precision (float32) arithmetic misses the optimum
    (US state incomes, ``usjoin.csv``, 1979 with k=7 and 1983 with k=5: our
    partitions have a smaller SSD in exact rational arithmetic) or breaks an
    exact tie by rounding noise.

    *Sampling.* Above ``max_exact`` distinct values (default
    :data:`DEFAULT_MAX_EXACT` = 100,000, where the exact run takes about
    0.2 s without numba; ``None`` never samples) the breaks are computed on
    a deterministic, sorted-stratified sample of ``s = max_exact`` of the
    ``n`` values: the minimum, the maximum, and the middle order statistic
    of each of ``s - 2`` equal-count strata of the other sorted values
    (0-based position ``1 + floor((2r + 1)(n - 2) / (2 (s - 2)))``,
    ``r = 0..s-3``); no random numbers are involved.
    It is QGIS's evenly spread Jenks sample (``QgsClassificationJenks``,
    3000 values, first value of each stratum) with the stratum's middle
    value; mapclassify's ``FisherJenksSampled`` draws a random 10 % sample
    instead (Rey et al. 2017). All values are then classified with the
    sample's breaks. The result reports ``sampled`` and ``sample_size``.

``"quantiles"`` - ``mapclassify.Quantiles``
    Breaks at the percentiles ``p = 100/k, 200/k, ..., 100`` (built with
    ``numpy.arange`` as mapclassify, last capped at 100; equal quantiles are
    collapsed) computed as ``scipy.stats.scoreatpercentile`` does (linear
    interpolation between order statistics, ``idx = p/100 * (n - 1)``)::

        q = (y_(i) * (i + 1 - idx) + y_(i+1) * (idx - i)) / ((i + 1 - idx) + (idx - i))

    with ``i = floor(idx)`` (``q = y_(i)`` when ``idx`` is whole), the same
    floating-point operations as scipy, so bins and codes are identical.

``"equal_interval"`` - ``mapclassify.EqualInterval``
    ``w = (max - min) / k``; breaks ``min + w, min + 2w, ...`` built with
    ``numpy.arange`` exactly as mapclassify, the last set to the maximum.
    Classes may be empty.

``"user_defined"`` - thresholds and labels, e.g. coordination-degree grades
    ``thresholds`` are the ``k + 1`` class edges ``e_0 < e_1 < ... < e_k``
    (``-inf``/``inf`` allowed at the ends). ``closed="right"``: class ``c`` is
    ``(e_c, e_c+1]`` and the first class includes ``e_0``, as mapclassify's
    ``UserDefined``; ``closed="left"``: class ``c`` is ``[e_c, e_c+1)`` and
    the last class includes ``e_k`` (e.g. grades [0, 0.1), ..., [0.9, 1.0]).
    Values outside ``[e_0, e_k]`` are refused (use infinite end edges for
    open classes). ``breaks`` are ``e_1..e_k``, ``lowest`` is ``e_0``.

Fit statistics, per period (classes and values of that period)::

    SDAM = sum_i (y_i - mean(y))**2                SDCM = sum_c sum_{i in c} (y_i - mean_c)**2
    GVF  = 1 - SDCM / SDAM                          (Jenks 1977; 1 when SDAM = 0)
    GADF = 1 - sum_c sum_{i in c} |y_i - median_c| / sum_i |y_i - median(y)|

SDCM is mapclassify's ``tss`` and GADF its ``gadf``; mapclassify has no
GVF attribute.

Edge cases (documented choices)
-------------------------------
* Missing values (NaN) are refused, naming regions and periods, unless
  ``skip_missing=True``: then they get class ``-1``, are left out of breaks,
  counts and fit statistics, and a period with no value at all gets NaN
  breaks and ``k_used = 0`` (with a warning). Infinite values are always
  refused.
* All values equal (in a period, or pooled) is refused for the data-driven
  methods (there is nothing to grade).
* Too few distinct values: Fisher-Jenks needs ``k`` distinct values and
  quantiles ``k`` distinct quantiles. By default this is refused, naming the
  period (mapclassify's ``FisherJenks`` refuses too; its ``Quantiles``
  silently forms fewer classes with a Python warning); with
  ``reduce_k=True`` fewer classes are formed there (Jenks: one class per
  distinct value; quantiles: duplicated quantiles collapsed, as
  mapclassify does), ``k_used`` says how many, the unused trailing
  ``breaks`` are NaN, their ``counts`` 0, and ``warnings`` names the
  periods. Equal intervals only need two distinct values (empty classes
  are allowed, as in mapclassify).
* ``k < 2``, thresholds not strictly increasing, a label count other than
  the number of classes, duplicated labels, unknown options: refused.

References
----------
Fisher, W. D. (1958). On grouping for maximum homogeneity. *Journal of the
American Statistical Association*, 53(284), 789-798.

Jenks, G. F. (1977). *Optimal Data Classification for Choropleth Maps*.
Occasional Paper No. 2, Department of Geography, University of Kansas.

Wu, X. (1991). Optimal quantization by matrix searching. *Journal of
Algorithms*, 12(4), 663-673.

Gronlund, A., Larsen, K. G., Mathiasen, A., Nielsen, J. S., Schneider, S.,
Song, M. (2017). Fast exact k-means, k-medians and Bregman divergence
clustering in 1D. arXiv:1701.07204.

Rey, S. J., Stephens, P., Laura, J. (2017). An evaluation of sampling and
full enumeration strategies for Fisher Jenks classification in big data
settings. *Transactions in GIS*, 21(4), 796-810.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.classify import classify, jenks_breaks
>>> jenks_breaks([1, 2, 3, 10, 11, 12], 2)
array([ 3., 12.])
>>> res = classify([1, 2, 3, 10, 11, 12], "fisher_jenks", k=2)
>>> res.codes, res.counts, round(res.gvf, 4)
(array([0, 0, 0, 1, 1, 1]), array([3, 3]), 0.9681)
>>> Y = np.array([[0.05, 0.35], [0.5, 0.95], [0.72, 1.0]])
>>> g = classify(Y, "user_defined", thresholds=[0, 0.4, 0.7, 1.0],
...              labels=["low", "middle", "high"], closed="left")
>>> g.codes
array([[0, 0],
       [1, 2],
       [2, 2]])
"""
import time
from dataclasses import dataclass, field

import numpy as np

from . import _kernels
from .errors import Canceled, InputDataError, check_choice
from .panel import format_list

__all__ = [
    "METHODS",
    "CLOSED",
    "DEFAULT_MAX_EXACT",
    "Classification",
    "classify",
    "fisher_jenks",
    "quantiles",
    "equal_interval",
    "user_defined",
    "jenks_breaks",
    "interval_labels",
    "warm_up",
]

METHODS = ("fisher_jenks", "quantiles", "equal_interval", "user_defined")
CLOSED = ("right", "left")

#: Fisher-Jenks is exact up to this many distinct values and samples above
#: (k = 5 exact: about 0.02 s for 10,000 and 0.2 s for 100,000 distinct values
#: with numpy, 3 ms and 35 ms with numba, on a 2-core machine).
DEFAULT_MAX_EXACT = 100_000

_NAMES = {
    "fisher_jenks": "Fisher-Jenks",
    "quantiles": "quantile",
    "equal_interval": "equal-interval",
    "user_defined": "user-defined",
}


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Shapes: ``n`` regions, ``t`` periods, ``k`` classes. When the input was
    one-dimensional the period axis is dropped (``codes`` ``(n,)``,
    ``counts`` ``(k,)``, statistics are floats).

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    k : int
        Number of classes asked for (``len(thresholds) - 1`` for
        ``"user_defined"``).
    breaks : ndarray, (k,) or (t, k)
        Upper bound of every class (class maxima for the data-driven
        methods, the last one the maximum). ``(k,)`` when one set of breaks
        serves every period (``pooled``, user thresholds, 1-D input), else
        one row per period. NaN beyond ``k_used`` (see ``reduce_k``).
    lowest : float or ndarray (t,)
        Lower end of the first class: the minimum of the values it was
        computed from, or the first threshold ``e_0``.
    codes : ndarray of int, (n, t) or (n,)
        Class of every region-year, ``0 .. k_used - 1``; ``-1`` for a
        missing value skipped with ``skip_missing=True``.
    counts : ndarray of int, (t, k) or (k,)
        Regions per class and period.
    k_used : int or ndarray (t,)
        Classes actually formed (``< k`` only with ``reduce_k=True``; 0 for
        a period without values).
    labels : tuple of str or None
        Class labels, one per class (given, or interval labels for user
        thresholds).
    closed : str
        ``"right"`` (``(lower, upper]``) or ``"left"`` (``[lower, upper)``).
    pooled : bool
        One set of breaks for all periods.
    gvf, gadf : float or ndarray (t,)
        Goodness of variance fit and of absolute deviation fit per period
        (NaN for a period without values).
    sdcm, sdam : float or ndarray (t,)
        Within-class and total sum of squared deviations per period.
    gvf_pooled : float or None
        GVF of all region-years together when the breaks are shared.
    sampled : bool or ndarray (t,)
        Whether Fisher-Jenks breaks came from a sample.
    sample_size : int or ndarray (t,)
        Values in that sample (0 when exact).
    warnings : tuple of str
    """

    method: str
    k: int
    breaks: np.ndarray
    lowest: object
    codes: np.ndarray
    counts: np.ndarray
    k_used: object
    labels: object
    closed: str
    pooled: bool
    gvf: object
    gadf: object
    sdcm: object
    sdam: object
    gvf_pooled: object
    sampled: object
    sample_size: object
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------------------
# Fisher-Jenks: divide-and-conquer dynamic programme (numba and numpy)
# ---------------------------------------------------------------------------
_HAVE_KERNEL = False
if _kernels.HAVE_NUMBA:
    try:
        from numba import njit

        @njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
        def _dc_layer_nb(S1, S2, W, Dprev, Dcur, choice, lo, hi, jmin, tol):
            # Dcur[l] = min_{jmin <= i < l} Dprev[i] + SSD(i, l) for l in
            # lo..hi, taking the smallest i within tol of the minimum; that
            # i is non-decreasing in l, so the middle row of a range bounds
            # the search of both halves.
            buf = np.empty(Dprev.shape[0])
            stk = np.empty((130, 4), dtype=np.int64)
            top = 0
            stk[0, 0] = lo
            stk[0, 1] = hi
            stk[0, 2] = jmin
            stk[0, 3] = hi - 1
            while top >= 0:
                a = stk[top, 0]
                b = stk[top, 1]
                olo = stk[top, 2]
                ohi = stk[top, 3]
                top -= 1
                mid = (a + b) // 2
                last = min(ohi, mid - 1)
                s1m = S1[mid]
                s2m = S2[mid]
                wm = W[mid]
                best = np.inf
                for i in range(olo, last + 1):
                    s = s1m - S1[i]
                    w = wm - W[i]
                    v = Dprev[i] + ((s2m - S2[i]) - s * s / w)
                    buf[i] = v
                    if v < best:
                        best = v
                limit = best + tol
                arg = olo
                for i in range(olo, last + 1):
                    if buf[i] <= limit:
                        arg = i
                        break
                Dcur[mid] = buf[arg]
                choice[mid] = arg
                if a <= mid - 1:
                    top += 1
                    stk[top, 0] = a
                    stk[top, 1] = mid - 1
                    stk[top, 2] = olo
                    stk[top, 3] = arg
                if mid + 1 <= b:
                    top += 1
                    stk[top, 0] = mid + 1
                    stk[top, 1] = b
                    stk[top, 2] = arg
                    stk[top, 3] = ohi

        _HAVE_KERNEL = True
    except Exception:  # a broken numba install: the numpy path is identical
        _HAVE_KERNEL = False


def _dc_layer_numpy(S1, S2, W, Dprev, Dcur, choice, lo, hi, jmin, tol):
    """The divide and conquer of :func:`_dc_layer_nb`, one tree level at a time.

    Every node evaluates the same candidates with the same floating-point
    operations and takes the same one, so the results are identical.
    """
    a = np.array([lo], dtype=np.int64)
    b = np.array([hi], dtype=np.int64)
    olo = np.array([jmin], dtype=np.int64)
    ohi = np.array([hi - 1], dtype=np.int64)
    while a.size:
        mid = (a + b) // 2
        last = np.minimum(ohi, mid - 1)
        ln = last - olo + 1
        offs = np.zeros(len(ln), dtype=np.int64)
        np.cumsum(ln[:-1], out=offs[1:])
        total = int(offs[-1] + ln[-1])
        seg = np.repeat(np.arange(len(ln)), ln)
        pos = np.arange(total, dtype=np.int64)
        i = olo[seg] + (pos - offs[seg])
        l_ = mid[seg]
        s = S1[l_] - S1[i]
        w = W[l_] - W[i]
        v = Dprev[i] + ((S2[l_] - S2[i]) - s * s / w)
        limit = np.minimum.reduceat(v, offs) + tol
        first = np.minimum.reduceat(np.where(v <= limit[seg], pos, total), offs)
        arg = i[first]
        Dcur[mid] = v[first]
        choice[mid] = arg
        left = a <= mid - 1
        right = mid + 1 <= b
        a, b, olo, ohi = (
            np.concatenate([a[left], mid[right] + 1]),
            np.concatenate([mid[left] - 1, b[right]]),
            np.concatenate([olo[left], arg[right]]),
            np.concatenate([arg[left], ohi[right]]),
        )


#: relative tolerance (of sum c*z**2) below which two candidate costs tie
_TIE_RTOL = 1e-12

#: below this much work (k * m * log2 m candidate evaluations) the numpy path
#: is faster than loading (or compiling) the numba kernel
_NUMBA_WORK = 2e7
_state = {"kernel_ready": False}
#: how many Fisher-Jenks programmes ran on each engine (tests, diagnostics)
calls = {"numba": 0, "numpy": 0}


def _pick_engine(engine, work):
    if engine is not None:
        return bool(engine) and _HAVE_KERNEL and _kernels.numba_enabled()
    if not (_HAVE_KERNEL and _kernels.numba_enabled()):
        return False
    return _state["kernel_ready"] or work >= _NUMBA_WORK


def _jenks_weighted(u, c, k, engine=None, check=None):
    """Exact Fisher-Jenks breaks of distinct sorted values ``u`` with counts ``c``.

    ``len(u) >= k >= 2``. Returns the ``k`` class maxima.
    """
    m = len(u)
    z = u - u[m // 2]
    cz = c * z
    W = np.zeros(m + 1)
    np.cumsum(c, out=W[1:])
    S1 = np.zeros(m + 1)
    np.cumsum(cz, out=S1[1:])
    S2 = np.zeros(m + 1)
    np.cumsum(cz * z, out=S2[1:])
    # candidates within tol of the best are ties (rounding noise, not a better
    # partition): exactly tied partitions are then resolved as in exact
    # arithmetic, the smallest i winning
    tol = _TIE_RTOL * S2[m]
    D = np.full(m + 1, np.inf)
    s = S1[1:] - S1[0]
    D[1:] = (S2[1:] - S2[0]) - s * s / (W[1:] - W[0])
    choice = np.zeros((k + 1, m + 1), dtype=np.int32 if m < 2**31 - 1 else np.int64)
    use_nb = _pick_engine(engine, k * m * np.log2(m + 1.0))
    layer = _dc_layer_nb if use_nb else _dc_layer_numpy
    for j in range(2, k + 1):
        lo, hi = (m, m) if j == k else (j, m - (k - j))
        Dn = np.full(m + 1, np.inf)
        layer(S1, S2, W, D, Dn, choice[j], lo, hi, j - 1, tol)
        D = Dn
        if check is not None:
            check((j - 1) / (k - 1))
    if use_nb:
        _state["kernel_ready"] = True
    calls["numba" if use_nb else "numpy"] += 1
    breaks = np.empty(k)
    l_ = m
    for j in range(k, 1, -1):
        breaks[j - 1] = u[l_ - 1]
        l_ = int(choice[j, l_])
    breaks[0] = u[l_ - 1]
    return breaks


def _distinct(ys):
    """Distinct values of sorted ``ys`` and their counts (float64)."""
    start = np.flatnonzero(np.concatenate([[True], ys[1:] != ys[:-1]]))
    counts = np.diff(np.append(start, len(ys))).astype(np.float64)
    return ys[start], counts


def _sample_positions(n, s):
    """Sorted-stratified sample positions: 0, n - 1 and the middle of each of
    ``s - 2`` equal-count strata of positions ``1 .. n - 2`` (``n > s >= 3``)."""
    r = np.arange(s - 2, dtype=np.int64)
    mid = 1 + ((2 * r + 1) * (n - 2)) // (2 * (s - 2))
    return np.concatenate([[0], mid, [n - 1]]).astype(np.int64)


def jenks_breaks(y, k=5, *, engine=None):
    """Exact Fisher-Jenks natural breaks of a set of values (no sampling).

    Parameters
    ----------
    y : array_like, 1-D
        Finite values (any order).
    k : int, default 5
        Number of classes (at least 2, at most the number of distinct values).
    engine : bool, optional
        ``True`` numba kernel, ``False`` numpy; ``None`` chooses (identical
        results either way).

    Returns
    -------
    ndarray, shape (k,)
        Class maxima in increasing order; the last one is ``max(y)``. These
        are ``mapclassify.FisherJenks(y, k).bins``.

    Examples
    --------
    >>> jenks_breaks([4, 1, 2, 3], 3)   # tie: the last class is made larger
    array([1., 2., 4.])
    """
    ys = np.sort(_as_vector(y))
    k = _check_k(k)
    if len(ys) == 0:
        raise InputDataError("There are no values to classify.")
    u, c = _distinct(ys)
    if len(u) < k:
        raise InputDataError(
            f"Only {len(u)} distinct value(s) for {k} Fisher-Jenks classes; "
            f"choose at most {len(u)} classes."
        )
    return _jenks_weighted(u, c, k, engine)


def warm_up():
    """Load (or compile, once per installation) the Fisher-Jenks numba kernel.

    Returns
    -------
    float
        Seconds it took (0.0 when numba is not in use).
    """
    if not (_HAVE_KERNEL and _kernels.numba_enabled()):
        return 0.0
    t0 = time.perf_counter()
    _jenks_weighted(np.arange(6.0), np.ones(6), 3, engine=True)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------
# breaks of one set of sorted values
# ---------------------------------------------------------------------------
def _percents(k):
    """mapclassify's percentiles for ``k`` quantiles (same float arithmetic)."""
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    return p


def quantile_rows(X, k):
    """``mapclassify.Quantiles(row, k).bins`` for every row of ``X`` (g, n).

    Returns a list of g arrays (unique, ascending; the last is the row max).
    """
    g, n = X.shape
    pct = _percents(k)
    h = pct / 100.0 * (n - 1)
    lo = h.astype(np.int64)
    frac = lo != h
    kth = np.unique(np.concatenate([lo, lo[frac] + 1]))
    part = np.partition(X, kth, axis=1)
    q = part[:, lo].copy()
    if frac.any():
        i = lo[frac]
        hf = h[frac]
        w0 = (i + 1) - hf
        w1 = hf - i
        # scipy.stats.scoreatpercentile: add.reduce([a w0, b w1]) / (w0 + w1)
        q[:, frac] = (part[:, i] * w0 + part[:, i + 1] * w1) / (w0 + w1)
    return [np.unique(row) for row in q]


def _quantile_bins(ys, k):
    """``mapclassify.quantile`` bins of the values ``ys``."""
    return quantile_rows(np.asarray(ys, dtype=float)[None, :], k)[0]


def _equal_interval_bins(ys, k, min_y=None, max_y=None):
    """``mapclassify.EqualInterval`` bins (numpy.arange, last set to max)."""
    min_y = ys[0] if min_y is None else min_y
    max_y = ys[-1] if max_y is None else max_y
    rg = max_y - min_y
    width = rg * 1.0 / k
    cuts = np.arange(min_y + width, max_y + width, width)
    if len(cuts) > k:
        cuts = cuts[0:k]
    elif len(cuts) < k:  # width lost against the magnitude of min (not in mapclassify)
        cuts = min_y + width * np.arange(1, k + 1)
    cuts[-1] = max_y
    return cuts


def _data_breaks(ys, method, k, reduce_k, max_exact, engine, where, check, is_sorted=True):
    """Breaks of finite values ``ys`` (sorted, unless ``is_sorted=False`` for
    quantiles and equal intervals): (breaks (k_used,), sample_size, warning)."""
    lo, hi = (ys[0], ys[-1]) if is_sorted else (ys.min(), ys.max())
    if lo == hi:
        raise InputDataError(
            f"All values{where} are equal ({_num(lo)}); there is nothing to grade "
            f"with {_NAMES[method]} classes."
        )
    if method == "equal_interval":
        return _equal_interval_bins(ys, k, lo, hi), 0, None
    if method == "quantiles":
        bins = _quantile_bins(ys, k)
        if len(bins) < k:
            msg = (
                f"Only {len(bins)} distinct quantile value(s){where} for {k} quantile "
                f"classes (many tied values)"
            )
            if not reduce_k:
                raise InputDataError(
                    msg + f"; choose at most {len(bins)} classes or another method "
                    "(reduce_k=True forms fewer classes where needed)."
                )
            return bins, 0, msg + f"; {len(bins)} classes were formed."
        return bins, 0, None
    # fisher_jenks
    u, c = _distinct(ys)
    m = len(u)
    if m < k:
        msg = f"Only {m} distinct value(s){where} for {k} Fisher-Jenks classes"
        if not reduce_k:
            raise InputDataError(
                msg + f"; choose at most {m} classes or another method "
                "(reduce_k=True forms fewer classes where needed)."
            )
        return u.copy(), 0, msg + f"; {m} classes (one per value) were formed."
    if max_exact is not None and m > max_exact:
        pos = _sample_positions(len(ys), max_exact)
        us, cs = _distinct(ys[pos])
        if len(us) >= k:
            return _jenks_weighted(us, cs, k, engine, check), len(pos), None
    return _jenks_weighted(u, c, k, engine, check), 0, None


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _num(v):
    v = float(v)
    return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _as_vector(y):
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The values to classify must be numbers ({exc}).") from None
    if arr.ndim != 1:
        raise InputDataError(f"Expected one column of values; got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise InputDataError(
            f"{int((~np.isfinite(arr)).sum())} value(s) are missing or infinite; "
            "remove them before computing breaks."
        )
    return arr


def _check_k(k):
    ok = False
    if not isinstance(k, (bool, np.bool_)):
        try:
            ok = float(k).is_integer()
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok:
        raise InputDataError(f"The number of classes must be a whole number; got {k!r}.")
    k = int(float(k))
    if k < 2:
        raise InputDataError(f"At least 2 classes are needed for a grade map; got {k}.")
    return k


def _period_label(p, periods):
    if periods is not None:
        return f"period {periods[p]!r}"
    return f"period {p + 1}"


def _region_label(i, ids):
    if ids is not None:
        return f"region {ids[i]!r}"
    return f"region at row {i}"


def _cells(mask, ids, periods, one_d):
    rows, cols = np.nonzero(mask)
    if one_d:
        return format_list([_region_label(i, ids) for i in rows])
    return format_list(
        [f"{_region_label(i, ids)} in {_period_label(p, periods)}" for i, p in zip(rows, cols)]
    )


def _raise(msg, period=None):
    err = InputDataError(msg)
    if period is not None:
        err.period = period  # adapters may replace the index by the period's label
    raise err


def _as_values(values, ids, periods):
    try:
        arr = np.array(values, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The values to classify must be numbers ({exc}).") from None
    if arr.ndim == 1:
        one_d = True
        arr = arr[:, None]
    elif arr.ndim == 2:
        one_d = False
    else:
        raise InputDataError(
            "The values must be one column per period, shape (regions,) or "
            f"(regions, periods); got shape {arr.shape}."
        )
    n, t = arr.shape
    if n == 0 or t == 0:
        raise InputDataError(f"There are no values to classify (shape {np.shape(values)}).")
    if ids is not None:
        ids = [v.item() if isinstance(v, np.generic) else v for v in ids]
        if len(ids) != n:
            raise InputDataError(f"{len(ids)} region id(s) were given for {n} regions.")
    if periods is not None and not one_d:
        periods = [v.item() if isinstance(v, np.generic) else v for v in periods]
        if len(periods) != t:
            raise InputDataError(f"{len(periods)} period label(s) were given for {t} periods.")
    return arr, one_d, ids, (None if one_d else periods)


def _check_labels(labels, k):
    if labels is None:
        return None
    if isinstance(labels, str):
        raise InputDataError("Give the class labels as a list of texts, one per class.")
    labels = tuple(str(v) for v in labels)
    if len(labels) != k:
        raise InputDataError(
            f"{len(labels)} label(s) were given for {k} classes; give one label per class."
        )
    dup = sorted({v for v in labels if labels.count(v) > 1})
    if dup:
        raise InputDataError(f"Class labels must differ; repeated: {format_list(dup)}.")
    return labels


def _check_thresholds(thresholds):
    if thresholds is None:
        raise InputDataError(
            "User-defined classes need thresholds: the class edges e0 < e1 < ... < ek."
        )
    try:
        e = np.asarray(thresholds, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The thresholds must be numbers ({exc}).") from None
    if e.ndim != 1 or len(e) < 3:
        raise InputDataError(
            "Give at least 3 thresholds (the edges of at least 2 classes, e.g. "
            f"[0, 0.5, 1]); got {e.size}."
        )
    if np.isnan(e).any():
        raise InputDataError("The thresholds contain a missing value (NaN).")
    d = np.diff(e)
    if not (d > 0).all():
        j = int(np.flatnonzero(~(d > 0))[0])
        raise InputDataError(
            "The thresholds must be strictly increasing; threshold "
            f"{j + 2} ({_num(e[j + 1])}) is not larger than threshold {j + 1} "
            f"({_num(e[j])})."
        )
    return e


def interval_labels(edges, closed="right", fmt="{:g}"):
    """Interval labels of classes with edges ``e_0 < ... < e_k``.

    Parameters
    ----------
    edges : array_like, (k + 1,)
        Class edges; ``-inf``/``inf`` give open-ended labels.
    closed : {"right", "left"}
    fmt : str
        Format of a number.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> interval_labels([0, 0.5, 0.8, 1], closed="left")
    ('[0, 0.5)', '[0.5, 0.8)', '[0.8, 1]')
    >>> interval_labels([-np.inf, 20, 30, np.inf])
    ('<= 20', '(20, 30]', '> 30')
    """
    e = np.asarray(edges, dtype=np.float64)
    closed = check_choice(closed, CLOSED, "interval closure")
    k = len(e) - 1
    f = [fmt.format(float(v)) for v in e]
    out = []
    for c in range(k):
        lo_inf = np.isneginf(e[c])
        hi_inf = np.isposinf(e[c + 1])
        if closed == "right":
            lo_b = "[" if c == 0 else "("
            hi_b = "]"
            lo_op, hi_op = (">=" if c == 0 else ">"), "<="
        else:
            lo_b = "["
            hi_b = "]" if c == k - 1 else ")"
            lo_op, hi_op = ">=", ("<=" if c == k - 1 else "<")
        if lo_inf and hi_inf:
            out.append("all values")
        elif lo_inf:
            out.append(f"{hi_op} {f[c + 1]}")
        elif hi_inf:
            out.append(f"{lo_op} {f[c]}")
        else:
            out.append(f"{lo_b}{f[c]}, {f[c + 1]}{hi_b}")
    return tuple(out)


# ---------------------------------------------------------------------------
# fit statistics
# ---------------------------------------------------------------------------
def _class_counts(ys, cut, kk, closed):
    """Values of sorted ``ys`` in each of the ``kk`` classes whose upper edges
    are ``cut`` (the last edge is at least the maximum)."""
    ends = np.searchsorted(ys, cut[: kk - 1], side=closed)
    ends = np.append(ends, len(ys))
    return np.diff(np.concatenate([[0], ends])).astype(np.int64)


def _stats(ys, counts):
    """SDCM, SDAM, GVF, GADF of sorted finite ``ys`` in classes of ``counts``."""
    n = len(ys)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    kk = len(counts)
    cs = np.repeat(np.arange(kk), counts)
    sums = np.bincount(cs, weights=ys, minlength=kk)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    dev = ys - means[cs]
    sdcm = float(np.dot(dev, dev))
    d = ys - ys.mean()
    sdam = float(np.dot(d, d))
    gvf = 1.0 - sdcm / sdam if sdam > 0 else 1.0
    # medians from the sorted values (np.median: the middle one, or the mean
    # of the two middle ones)
    start = np.cumsum(counts) - counts
    half = counts // 2
    hi = np.minimum(start + half, n - 1)
    lo = np.maximum(start + half - 1, 0)
    med = np.where(counts % 2 == 1, ys[hi], (ys[lo] + ys[hi]) / 2)
    med_all = ys[n // 2] if n % 2 == 1 else (ys[n // 2 - 1] + ys[n // 2]) / 2
    adcm = float(np.abs(ys - med[cs]).sum())
    adam = float(np.abs(ys - med_all).sum())
    gadf = 1.0 if adam == 0 else 1.0 - adcm / adam
    return sdcm, sdam, gvf, gadf


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def classify(
    values,
    method="fisher_jenks",
    k=5,
    *,
    thresholds=None,
    labels=None,
    closed="right",
    pooled=False,
    skip_missing=False,
    reduce_k=False,
    max_exact=DEFAULT_MAX_EXACT,
    ids=None,
    periods=None,
    engine=None,
    progress=None,
    is_canceled=None,
    statistics=True,
):
    """Grade regions into ``k`` classes, for one or many periods.

    Parameters
    ----------
    values : array_like, (n,) or (n, t)
        Values per region (rows) and period (columns).
    method : {"fisher_jenks", "quantiles", "equal_interval", "user_defined"}
    k : int, default 5
        Number of classes (ignored for ``"user_defined"``).
    thresholds : array_like, optional
        ``"user_defined"`` only: class edges ``e_0 < e_1 < ... < e_k``.
    labels : sequence of str, optional
        One label per class (default: interval labels for user thresholds,
        None otherwise).
    closed : {"right", "left"}, default "right"
        ``(e_c, e_c+1]`` or ``[e_c, e_c+1)``; ``"left"`` only with thresholds.
    pooled : bool, default False
        One set of breaks from all region-years (maps comparable across
        periods) instead of breaks per period.
    skip_missing : bool, default False
        Give missing values (NaN) class -1 instead of refusing them.
    reduce_k : bool, default False
        Form fewer classes where there are too few distinct values
        (Fisher-Jenks) or quantiles, instead of refusing.
    max_exact : int or None, default :data:`DEFAULT_MAX_EXACT`
        Fisher-Jenks is exact up to this many distinct values and uses a
        sorted-stratified sample of this size above (``None``: always exact).
    statistics : bool, default True
        Compute the fit statistics (GVF, GADF, SDCM, SDAM); ``False`` leaves
        them NaN and counts the classes from the codes (for callers that
        need only breaks and codes, e.g. Markov chains on large panels).
    ids, periods : sequence, optional
        Region ids and period labels for messages.
    engine : bool, optional
        Fisher-Jenks kernel: ``True`` numba, ``False`` numpy, ``None`` choose.
    progress, is_canceled : callable, optional
        ``progress(fraction)``; ``is_canceled()`` returning True raises
        :class:`~.errors.Canceled`.

    Returns
    -------
    Classification

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[1.0, 5.0], [2.0, 6.0], [9.0, 7.0], [10.0, 20.0]])
    >>> per = classify(Y, "fisher_jenks", k=2)
    >>> per.breaks
    array([[ 2., 10.],
           [ 7., 20.]])
    >>> pooled = classify(Y, "fisher_jenks", k=2, pooled=True)
    >>> pooled.breaks, pooled.counts.tolist()
    (array([10., 20.]), [[4, 0], [3, 1]])
    """

    done = [0.0]

    def _step(fraction):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            done[0] = min(max(float(fraction), done[0]), 1.0)  # never backwards
            progress(done[0])

    method = check_choice(method, METHODS, "classification method")
    closed = check_choice(closed, CLOSED, "interval closure")
    if closed == "left" and method != "user_defined":
        raise InputDataError(
            f'closed="left" applies to user-defined thresholds only; {_NAMES[method]} '
            "breaks are class maxima, so their classes are closed on the right."
        )
    if method != "user_defined" and thresholds is not None:
        raise InputDataError(
            f'Thresholds are only used with method="user_defined", not {method!r}.'
        )
    if max_exact is not None:
        try:
            ok = not isinstance(max_exact, bool) and float(max_exact).is_integer()
        except (TypeError, ValueError):
            ok = False
        if not ok or max_exact < 3:
            raise InputDataError(
                f"max_exact must be a whole number of at least 3 (or None); got {max_exact!r}."
            )
        max_exact = int(max_exact)
    Y, one_d, ids, periods = _as_values(values, ids, periods)
    n, t = Y.shape
    pooled = bool(pooled) and not one_d
    _step(0.0)

    # missing and infinite values
    nan = np.isnan(Y)
    inf = np.isinf(Y)
    if inf.any():
        raise InputDataError(
            f"{int(inf.sum())} value(s) are infinite ({_cells(inf, ids, periods, one_d)}); "
            "correct them before classifying."
        )
    if nan.any() and not skip_missing:
        raise InputDataError(
            f"{int(nan.sum())} value(s) are missing ({_cells(nan, ids, periods, one_d)}); "
            "fill them (e.g. gapfill), or pass skip_missing=True to leave those regions "
            "unclassified (class -1)."
        )
    finite = ~nan
    if not finite.any():
        raise InputDataError("All values are missing; there is nothing to classify.")
    warns = []

    def where_of(p):
        return "" if one_d else f" in {_period_label(p, periods)}"

    # every period's values sorted once (NaN last): breaks, counts and fit;
    # quantile and equal-interval breaks without the fit statistics need no sort
    is_sorted = statistics or method not in ("quantiles", "equal_interval")
    T = Y.T.copy(order="C")  # (a view of Y when t == 1: copy before sorting)
    nf = finite.sum(axis=0)
    if is_sorted:
        T.sort(axis=1)
        rows = [T[p, : nf[p]] for p in range(t)]
    else:
        rows = [T[p] if nf[p] == n else T[p][finite[:, p]] for p in range(t)]
    all_sorted = None

    if method == "user_defined":
        edges = _check_thresholds(thresholds)
        k = len(edges) - 1
        labels = _check_labels(labels, k)
        if labels is None:
            labels = interval_labels(edges, closed)
        with np.errstate(invalid="ignore"):
            outside = finite & ((Y < edges[0]) | (Y > edges[-1]))
        if outside.any():
            raise InputDataError(
                f"{int(outside.sum())} value(s) lie outside the thresholds "
                f"[{_num(edges[0])}, {_num(edges[-1])}] "
                f"({_cells(outside, ids, periods, one_d)}); widen the first or last "
                "threshold (-inf / inf give open-ended classes)."
            )
        breaks = edges[1:].copy()
        lowest = float(edges[0])
        shared = True
        k_used = np.full(t, k, dtype=np.int64)
        sample_size = np.zeros(t, dtype=np.int64)
        cuts = [edges[1:]] * t
    else:
        k = _check_k(k)
        labels = _check_labels(labels, k)
        shared = pooled or one_d
        if method == "fisher_jenks" and engine is None:
            # one engine for the whole run, from its total work
            m = np.minimum(nf.sum() if pooled else nf, max_exact or np.inf)
            m = np.maximum(np.atleast_1d(m).astype(np.float64), 2.0)
            engine = _pick_engine(None, float((k * m * np.log2(m)).sum()))
        if pooled:
            if is_sorted:
                ys = all_sorted = np.sort(np.concatenate(rows), kind="stable")  # merges runs
            else:
                ys = np.concatenate(rows)
            b, size, w = _data_breaks(ys, method, k, reduce_k, max_exact, engine, "",
                                      lambda f: _step(0.8 * f), is_sorted=is_sorted)
            if w:
                warns.append(w)
            breaks = np.full(k, np.nan)
            breaks[: len(b)] = b
            lowest = float(ys[0] if is_sorted else ys.min())
            k_used = np.full(t, len(b), dtype=np.int64)
            sample_size = np.full(t, size, dtype=np.int64)
            cuts = [b] * t
        else:
            breaks = np.full((t, k), np.nan)
            lowest = np.full(t, np.nan)
            k_used = np.zeros(t, dtype=np.int64)
            sample_size = np.zeros(t, dtype=np.int64)
            cuts = []
            empty = []
            for p in range(t):
                ys = rows[p]
                if len(ys) == 0:
                    empty.append(p)
                    cuts.append(np.zeros(0))
                    continue
                try:
                    b, size, w = _data_breaks(
                        ys, method, k, reduce_k, max_exact, engine, where_of(p),
                        lambda f, p=p: _step(0.8 * (p + f) / t), is_sorted=is_sorted,
                    )
                except InputDataError as exc:
                    _raise(str(exc), None if one_d else p)
                if w:
                    warns.append(w)
                breaks[p, : len(b)] = b
                lowest[p] = ys[0] if is_sorted else ys.min()
                k_used[p] = len(b)
                sample_size[p] = size
                cuts.append(b)
                _step(0.8 * (p + 1) / t)
            if empty:
                warns.append(
                    "No values to classify in "
                    + format_list([_period_label(p, periods) for p in empty])
                    + "; their breaks are NaN."
                )
    _step(0.8)

    # class codes: #{inner edges / breaks below y} ("left" closed: <= y)
    side = "right" if closed == "left" else "left"
    if shared:
        codes = np.searchsorted(cuts[0][:-1], Y, side=side).astype(np.int64)
    else:
        codes = np.empty((n, t), dtype=np.int64)
        for p in range(t):
            codes[:, p] = np.searchsorted(cuts[p][:-1], Y[:, p], side=side)
    codes[nan] = -1

    # counts and fit statistics per period
    counts = np.zeros((t, k), dtype=np.int64)
    sdcm = np.full(t, np.nan)
    sdam = np.full(t, np.nan)
    gvf = np.full(t, np.nan)
    gadf = np.full(t, np.nan)
    for p in range(t):
        kk = len(cuts[p])
        if kk == 0:
            continue
        if not statistics:
            counts[p, :kk] = np.bincount(codes[finite[:, p], p], minlength=kk)[:kk]
            continue
        cnt = _class_counts(rows[p], cuts[p], kk, closed)
        counts[p, :kk] = cnt
        sdcm[p], sdam[p], gvf[p], gadf[p] = _stats(rows[p], cnt)
    gvf_pooled = None
    if shared and not one_d and statistics:
        if all_sorted is None:
            all_sorted = np.sort(np.concatenate(rows), kind="stable")
        kk = len(cuts[0])
        gvf_pooled = _stats(all_sorted, _class_counts(all_sorted, cuts[0], kk, closed))[2]
    _step(1.0)

    sampled = sample_size > 0
    meta = {}
    if sampled.any():
        meta["sampling"] = (
            "sorted-stratified: min, max and the middle order statistic of "
            "max_exact - 2 equal-count strata"
        )
    if one_d or shared:
        k_out, sampled_out, size_out = int(k_used[0]), bool(sampled[0]), int(sample_size[0])
    else:
        k_out, sampled_out, size_out = k_used, sampled, sample_size
    if one_d:
        return Classification(
            method=method, k=k, breaks=breaks if breaks.ndim == 1 else breaks[0],
            lowest=float(np.ravel(lowest)[0]), codes=codes[:, 0], counts=counts[0],
            k_used=k_out, labels=labels, closed=closed, pooled=False, gvf=float(gvf[0]),
            gadf=float(gadf[0]), sdcm=float(sdcm[0]), sdam=float(sdam[0]), gvf_pooled=None,
            sampled=sampled_out, sample_size=size_out, warnings=tuple(warns), meta=meta,
        )
    return Classification(
        method=method, k=k, breaks=breaks, lowest=lowest, codes=codes, counts=counts,
        k_used=k_out, labels=labels, closed=closed, pooled=bool(shared), gvf=gvf,
        gadf=gadf, sdcm=sdcm, sdam=sdam, gvf_pooled=gvf_pooled, sampled=sampled_out,
        sample_size=size_out, warnings=tuple(warns), meta=meta,
    )


def fisher_jenks(values, k=5, **kwargs):
    """Fisher-Jenks natural breaks; :func:`classify` with ``method="fisher_jenks"``.

    Examples
    --------
    >>> fisher_jenks([1, 2, 3, 10, 11, 12], k=2).breaks
    array([ 3., 12.])
    """
    return classify(values, "fisher_jenks", k, **kwargs)


def quantiles(values, k=5, **kwargs):
    """Quantile classes; :func:`classify` with ``method="quantiles"``.

    Examples
    --------
    >>> quantiles([1, 2, 3, 4, 5, 6, 7, 8], k=4).breaks
    array([2.75, 4.5 , 6.25, 8.  ])
    """
    return classify(values, "quantiles", k, **kwargs)


def equal_interval(values, k=5, **kwargs):
    """Equal-interval classes; :func:`classify` with ``method="equal_interval"``.

    Examples
    --------
    >>> equal_interval([0, 1, 2, 10], k=2).breaks
    array([ 5., 10.])
    """
    return classify(values, "equal_interval", k, **kwargs)


def user_defined(values, thresholds, labels=None, closed="right", **kwargs):
    """Classes between given thresholds; :func:`classify` with ``method="user_defined"``.

    Examples
    --------
    >>> res = user_defined([0.1, 0.4, 0.4, 0.9], [0, 0.4, 1], ["low", "high"], closed="left")
    >>> res.codes, res.labels
    (array([0, 1, 1, 1]), ('low', 'high'))
    >>> user_defined([0.1, 0.4, 0.4, 0.9], [0, 0.4, 1]).codes   # (0, 0.4], (0.4, 1]
    array([0, 0, 0, 1])
    """
    return classify(values, "user_defined", thresholds=thresholds, labels=labels,
                    closed=closed, **kwargs)
