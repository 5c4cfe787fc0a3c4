"""Martin's resilience (resistance/recovery) index and agglomeration measures.

Martin's index
--------------
Martin (2012) measures a region's reaction to a shock against what it would
have experienced had it changed at the rate of a reference economy (the
nation). In the index form of Martin, Sunley, Gardiner and Tyler (2016),
for a region ``i`` over the period ``(t-k, t)``::

    dY_i = Y_i(t) - Y_i(t-k)                                actual change
    dE_i = [(Y_r(t) - Y_r(t-k)) / Y_r(t-k)] * Y_i(t-k)      expected change
    Resis_i = (dY_i - dE_i) / |dE_i|

``Y`` is employment (or output) and ``Y_r`` the reference total: the sum
over all regions (default, ``reference="national"``), the total of the
region's group (``groups=`` a label per region, e.g. the region's
province), or a series the caller gives (``reference=`` array (t,) — e.g.
official national employment including areas outside the layer — or
(n, t), one reference series per region). ``Resis > 0``: the region did
better than expected (in a contraction: it was more resistant; in an
expansion: it recovered faster); ``Resis < 0``: worse. Computed for every
year pair ``(t-k, t)`` of the panel (``k`` configurable, default 1) or
for given pairs (``pairs=[("2008", "2010"), ...]``: start and end period
labels or positions, e.g. a recession trough and peak).
``contraction`` marks pairs where the reference declined.
:func:`parse_period_pairs` and :func:`parse_reference_series` read pairs
(``"2008-2010, 2010-2015"``) and a reference series from text.

Edge cases: ``Y_r(t-k) = 0`` (reference growth 0/0) and ``dE_i = 0``
(reference unchanged, or ``Y_i(t-k) = 0``) leave ``Resis`` undefined: NaN,
with a warning naming the group or region and the period pair
(``zero_reference="refuse"`` refuses a reference that is 0 or unchanged
instead). NaN/inf and negative ``Y`` are refused naming regions and
periods; a period pair given twice is refused.

Agglomeration
-------------
From employment ``l_ij`` of region ``i`` in industry ``j`` (array
``(n_regions, n_industries)`` or ``(n_regions, n_industries, n_periods)``,
totals taken per period)::

    l_i = sum_j l_ij,   l_j = sum_i l_ij,   l = sum_ij l_ij

    HHI_i (hhi_variant="national")  = sum_j (l_ij / l_j) ** 2
    HHI_i (hhi_variant="share")     = sum_j (l_ij / l_i) ** 2
    LQ_ij = (l_ij / l_i) / (l_j / l)

``"national"`` (default) squares the region's shares of the national
employment of each industry — large where the region concentrates big
parts of national industries (the form the project's specification
attributes to Zheng et al. 2022; that reference could not be verified and
should be completed). ``"share"`` is the Herfindahl-Hirschman index of the
region's own industrial structure (Herfindahl 1950; in [1/m, 1], 1 = one
industry only; its inverse is the usual diversity index). ``LQ_ij > 1``:
industry ``j`` is over-represented in region ``i``. Identities:
``sum_i (l_i / l) LQ_ij = 1`` and ``sum_j (l_j / l) LQ_ij = 1``.

Edge cases: a region without employment (``l_i = 0``) has undefined LQ
and share-HHI (NaN, warning; its national-form HHI is 0); an industry
without employment anywhere (``l_j = 0``) has undefined LQ (NaN, warning)
and adds nothing to the national-form HHI (its 0/0 terms are taken as 0).
Missing values (NaN): refused naming region, industry and period
(``missing="refuse"``, default) or taken as no employment
(``missing="zero"``, with a warning naming them). Negative or infinite
values are refused.

References
----------
Martin, R. (2012). Regional economic resilience, hysteresis and recessionary
shocks. *Journal of Economic Geography* 12(1), 1-32.

Martin, R., Sunley, P., Gardiner, B., Tyler, P. (2016). How regions react to
recessions: resilience and the role of economic structure. *Regional
Studies* 50(4), 561-585.

Herfindahl, O. C. (1950). *Concentration in the Steel Industry*. PhD
thesis, Columbia University.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.resilience import martin_resilience, agglomeration
>>> Y = np.array([[100.0, 90.0], [300.0, 290.0]])   # national: 400 -> 380, -5 %
>>> res = martin_resilience(Y)
>>> res.expected_change, res.index
(array([[ -5.],
       [-15.]]), array([[-1.        ],
       [ 0.33333333]]))
>>> L = np.array([[10.0, 30.0], [30.0, 30.0]])
>>> agg = agglomeration(L)
>>> agg.lq
array([[0.625     , 1.25      ],
       [1.25      , 0.83333333]])
>>> agg.hhi
array([0.3125, 0.8125])
"""
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import Canceled, InputDataError, check_choice, check_labels
from .groups import as_groups

__all__ = [
    "HHI_VARIANTS",
    "MISSING_RULES",
    "ZERO_REFERENCE_RULES",
    "MartinResilience",
    "Agglomeration",
    "martin_resilience",
    "agglomeration",
    "location_quotients",
    "herfindahl",
    "parse_period_pairs",
    "parse_reference_series",
]

HHI_VARIANTS = ("national", "share")
MISSING_RULES = ("refuse", "zero")
ZERO_REFERENCE_RULES = ("nan", "refuse")


# ---------------------------------------------------------------------------
# labels and messages
# ---------------------------------------------------------------------------
def _region(i, ids):
    return repr(str(ids[i])) if ids is not None else f"row {i}"


def _period(k, periods):
    return repr(str(periods[k])) if periods is not None else f"period {k + 1}"


def _listing(items, count, limit=10):
    text = ", ".join(items[:limit])
    if count > limit:
        text += f" and {count - limit} more"
    return text


def _group_index(groups, n, ids):
    """Group index per region and the labels, by the rules of
    :func:`regional_resilience.core.groups.as_groups` (labels as text,
    ordered by label; a ready ``Groups`` is used as given)."""
    g = as_groups(groups, n, ids)
    return g.codes, g.labels


# ---------------------------------------------------------------------------
# Martin's index
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MartinResilience:
    """Result of :func:`martin_resilience`; arrays are (n_regions, n_pairs).

    Attributes
    ----------
    index : ndarray
        ``Resis_i = (dY_i - dE_i) / |dE_i|``; NaN where ``dE_i = 0`` or the
        reference total at the start is 0.
    actual_change : ndarray
        ``dY_i = Y_i(t) - Y_i(t-k)``.
    expected_change : ndarray
        ``dE_i = g_r * Y_i(t-k)``.
    reference_growth : ndarray
        ``g_r = (Y_r(t) - Y_r(t-k)) / Y_r(t-k)`` of each region's reference.
    contraction : ndarray of bool
        The reference declined (``g_r < 0``): the index measures resistance;
        otherwise recovery.
    start, end : ndarray of int, shape (n_pairs,)
        Period positions of each pair.
    pairs : tuple of (str, str)
        Period labels of each pair (positions as text without labels).
    reference : str
        ``"national"``, ``"group"`` or ``"given"``.
    group_labels : tuple or None
    reference_total : ndarray
        Reference series: (t,) national or given, (g, t) per group, or the
        given (n, t).
    warnings : tuple of str
    """

    index: np.ndarray
    actual_change: np.ndarray
    expected_change: np.ndarray
    reference_growth: np.ndarray
    contraction: np.ndarray
    start: np.ndarray
    end: np.ndarray
    pairs: tuple
    reference: str
    group_labels: tuple
    reference_total: np.ndarray
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


def _as_panel_2d(Y, what, ids, periods):
    try:
        arr = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The {what} must contain numbers only ({exc}).") from None
    if arr.ndim != 2:
        raise InputDataError(
            f"The {what} must be an array (regions, periods); got shape {arr.shape}."
        )
    n, t = arr.shape
    ids = check_labels(ids, n, "region ids", "regions")
    periods = check_labels(periods, t, "period labels", "periods")
    for bad, problem, hint in (
        (~np.isfinite(arr), "missing or not finite", "Fill or remove them first."),
        (arr < 0, "negative", "Employment and output cannot be negative."),
    ):
        if bad.any():
            rows, cols = np.nonzero(bad)
            where = [f"{_region(int(i), ids)} ({_period(int(c), periods)})"
                     for i, c in zip(rows[:10], cols[:10])]
            raise InputDataError(
                f"The {what} is {problem} for {len(rows)} region-period(s): "
                f"{_listing(where, len(rows))}. {hint}"
            )
    return arr, ids, periods


def _resolve_position(value, periods, t):
    if periods is not None and str(value) in periods:
        return periods.index(str(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        k = int(value)
        if -t <= k < t:
            return k % t
    if periods is None:
        known = f"positions 0..{t - 1}"
    elif t <= 12:
        known = ", ".join(periods)
    else:
        known = f"{', '.join(periods[:3])}, ..., {', '.join(periods[-3:])} ({t} periods)"
    raise InputDataError(f"Unknown period {value!r} in the period pairs; use one of {known}.")


def _pairs(k, pairs, periods, t):
    if pairs is None:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < t:
            raise InputDataError(
                f"The period length k must be a whole number from 1 to {t - 1} "
                f"(the panel has {t} periods); got {k!r}."
            )
        k = int(k)
        start = np.arange(0, t - k)
        end = start + k
    else:
        pairs = list(pairs)
        if not pairs:
            raise InputDataError("No period pairs were given.")
        se = []
        for pair in pairs:
            try:
                a, b = pair
            except (TypeError, ValueError):
                raise InputDataError(
                    f"A period pair must be (start, end); got {pair!r}."
                ) from None
            s, e = _resolve_position(a, periods, t), _resolve_position(b, periods, t)
            if s >= e:
                raise InputDataError(
                    f"The period pair ({a!r}, {b!r}) must start before it ends."
                )
            if (s, e) in se:
                raise InputDataError(
                    f"The period pair ({a!r}, {b!r}) is given twice; give each pair once."
                )
            se.append((s, e))
        start = np.array([p[0] for p in se], dtype=np.int64)
        end = np.array([p[1] for p in se], dtype=np.int64)
    labels = tuple(
        (periods[s], periods[e]) if periods is not None else (str(s), str(e))
        for s, e in zip(start.tolist(), end.tolist())
    )
    return start.astype(np.int64), end.astype(np.int64), labels


def _pair_text(p, labels):
    a, b = labels[p]
    return f"{a}-{b}"


def _refuse_zero_reference(zero_base, no_change, kind, names, rows_of_reference, ids, labels):
    """Raise naming the references (national / group / given) that are 0 at
    the start of a pair or unchanged over it."""
    for mask, problem in ((zero_base, "is 0 at the start of"),
                          (no_change & ~zero_base, "does not change over")):
        if not mask.any():
            continue
        rows, cols = np.nonzero(mask)
        pairs = [_pair_text(int(p), labels) for p in cols]
        if kind == "group":
            who = [f"group {names[int(g)]!r} ({pr})" for g, pr in zip(rows, pairs)]
        elif rows_of_reference == 1:
            who = pairs
        else:
            who = [f"{_region(int(g), ids)} ({pr})" for g, pr in zip(rows, pairs)]
        what = {"national": "The national total", "group": "The group total",
                "given": "The reference series"}[kind]
        raise InputDataError.coded(
            "zero_reference",
            "{what} {problem} {count} period pair(s): {where}. The expected change is then "
            "undefined or 0 and Martin's index cannot be computed; choose other period pairs "
            "or another reference.",
            what=what, problem=problem, count=len(rows), where=_listing(who, len(rows)))


def martin_resilience(Y, k=1, *, groups=None, reference=None, pairs=None, ids=None,
                      periods=None, zero_reference="nan", progress=None, is_canceled=None):
    """Martin's resistance/recovery index for every region and period pair.

    Parameters
    ----------
    Y : array_like, shape (n, t)
        Employment or output per region and period (finite, >= 0).
    k : int, default 1
        Period length: pairs ``(t-k, t)`` for every ``t`` (ignored when
        ``pairs`` is given).
    groups : sequence, optional
        Group label per region: the reference is the total of the region's
        group instead of the national total.
    reference : array_like, shape (t,) or (n, t), optional
        A reference series to use instead of the sum of ``Y`` (not together
        with ``groups``).
    pairs : sequence of (start, end), optional
        Explicit period pairs (labels from ``periods`` or positions).
    ids, periods : sequence of str, optional
        Region ids and period labels for messages and pair labels.
    zero_reference : {"nan", "refuse"}, default "nan"
        A reference total that is 0 at the start of a pair or does not
        change over it leaves the index undefined for all its regions:
        ``"nan"`` leaves it empty with a warning, ``"refuse"`` raises an
        :class:`InputDataError` naming the reference and the pairs (what
        the Processing tool does). A region with nothing at the start
        (``Y_i(t-k) = 0``) is NaN with a warning either way.
    progress, is_canceled : callable, optional

    Returns
    -------
    MartinResilience

    Examples
    --------
    >>> Y = np.array([[10.0, 12.0, 9.0], [30.0, 30.0, 33.0]])
    >>> res = martin_resilience(Y, groups=["a", "b"], periods=["2000", "2001", "2002"])
    >>> res.pairs, res.reference_growth
    ((('2000', '2001'), ('2001', '2002')), array([[ 0.2 , -0.25],
           [ 0.  ,  0.1 ]]))
    >>> res.index            # region b, 2000-2001: dE = 0 -> undefined
    array([[ 0.,  0.],
           [nan,  0.]])
    """

    def _step(fraction):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            progress(fraction)

    zero_reference = check_choice(zero_reference, ZERO_REFERENCE_RULES, "zero-reference rule")
    _step(0.0)
    Y, ids, periods = _as_panel_2d(Y, "employment/output panel", ids, periods)
    n, t = Y.shape
    if t < 2:
        raise InputDataError("Martin's index needs at least two periods.")
    start, end, labels = _pairs(k, pairs, periods, t)
    warnings = []
    group_labels = None
    if reference is not None and groups is not None:
        raise InputDataError(
            "Give either groups (reference = group totals) or a reference series, not both."
        )
    if reference is not None:
        try:
            R = np.asarray(reference, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputDataError(f"The reference series must be numbers ({exc}).") from None
        if R.shape == (t,):
            Rg, gidx, kind, names = R[None, :], np.zeros(n, dtype=np.int64), "given", None
        elif R.shape == (n, t):
            Rg, gidx, kind, names = R, np.arange(n), "given", None
        else:
            raise InputDataError(
                f"The reference series must have shape ({t},) or ({n}, {t}); got {R.shape}."
            )
        if not np.isfinite(Rg).all() or (Rg < 0).any():
            bad = np.flatnonzero((~np.isfinite(Rg) | (Rg < 0)).any(axis=0))
            raise InputDataError(
                "The reference series is missing, not finite or negative in "
                f"{_listing([_period(int(c), periods) for c in bad], len(bad))}."
            )
        ref_total = R
    elif groups is not None:
        gidx, group_labels = _group_index(groups, n, ids)
        G = len(group_labels)
        cell = (gidx[:, None] * t + np.arange(t)).ravel()
        Rg = np.bincount(cell, weights=Y.ravel(), minlength=G * t).reshape(G, t)
        kind, names = "group", group_labels
        ref_total = Rg
    else:
        Rg = Y.sum(axis=0)[None, :]
        gidx, kind, names = np.zeros(n, dtype=np.int64), "national", None
        ref_total = Rg[0]
    _step(0.3)

    base = Rg[:, start]
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_g = (Rg[:, end] - base) / base
    zero_base = base == 0
    if zero_reference == "refuse":
        _refuse_zero_reference(zero_base, growth_g == 0, kind, names, Rg.shape[0], ids, labels)
    if zero_base.any():
        rows, cols = np.nonzero(zero_base)
        if kind == "group":
            who = [f"group {names[int(g)]!r} ({_pair_text(int(p), labels)})"
                   for g, p in zip(rows[:10], cols[:10])]
        elif Rg.shape[0] == 1:
            who = [_pair_text(int(p), labels) for p in cols[:10]]
        else:
            who = [f"{_region(int(g), ids)} ({_pair_text(int(p), labels)})"
                   for g, p in zip(rows[:10], cols[:10])]
        what = {"national": "The national total", "group": "The group total",
                "given": "The reference series"}[kind]
        warnings.append(
            f"{what} is 0 at the start of {len(rows)} period pair(s): "
            f"{_listing(who, len(rows))}. Its growth rate is undefined, so the index is "
            "left empty (NaN) there."
        )
        growth_g[zero_base] = np.nan
    growth = growth_g[gidx]  # (n, n_pairs): each region's reference growth
    _step(0.6)

    # five (n, pairs) arrays, the rest in place (panels of 100,000 regions)
    Ys = Y[:, start]
    dY = Y[:, end]
    dY -= Ys
    dE = np.multiply(growth, Ys)
    zero_dE = dE == 0
    index = np.subtract(dY, dE)
    magnitude = np.abs(dE, out=Ys)  # Ys is not needed any more
    with np.errstate(divide="ignore", invalid="ignore"):
        index /= magnitude
    if zero_dE.any():
        index[zero_dE] = np.nan
        rows, cols = np.nonzero(zero_dE)
        who = [f"{_region(int(i), ids)} ({_pair_text(int(p), labels)})"
               for i, p in zip(rows[:10], cols[:10])]
        warnings.append(
            f"The expected change is 0 for {len(rows)} region-pair(s): "
            f"{_listing(who, len(rows))} (the reference did not change, or the region had "
            "nothing at the start). The index is undefined there (NaN)."
        )
    _step(1.0)
    return MartinResilience(
        index=index,
        actual_change=dY,
        expected_change=dE,
        reference_growth=growth,
        contraction=growth < 0,
        start=start,
        end=end,
        pairs=labels,
        reference=kind,
        group_labels=group_labels,
        reference_total=ref_total,
        warnings=tuple(warnings),
    )


_PAIR = re.compile(r"^\s*(.+?)\s*(?:-|\u2013|\u2014|:|\s+to\s+)\s*(.+?)\s*$", re.IGNORECASE)


def parse_period_pairs(text):
    """Period pairs from a text such as ``"2008-2010, 2010-2015"``.

    Pairs are separated by commas or semicolons; start and end by ``-``,
    an en dash, ``:`` or ``to``. Labels are returned as text (checked
    against the panel's periods by :func:`martin_resilience`). An empty
    text gives ``None`` (use the period length ``k``).

    >>> parse_period_pairs("2008-2010; 2010 to 2015")
    [('2008', '2010'), ('2010', '2015')]
    >>> parse_period_pairs("  ") is None
    True
    """
    items = [item.strip() for item in re.split(r"[,;]", str(text or "")) if item.strip()]
    if not items:
        return None
    out = []
    for item in items:
        m = _PAIR.match(item)
        if not m:
            raise InputDataError.coded(
                "pair_syntax",
                "Could not read the period pair {item!r}: write each pair as start-end, "
                "e.g. '2008-2010, 2010-2015'.", item=item)
        out.append((m.group(1), m.group(2)))
    return out


def parse_reference_series(text, periods):
    """A reference series from a text of numbers, one per period in period
    order (separated by commas, semicolons or spaces; dot as the decimal
    point), e.g. official national employment including areas outside the
    layer. An empty text gives ``None``.

    >>> parse_reference_series("1000, 1100.5; 990", ["2000", "2001", "2002"])
    array([1000. , 1100.5,  990. ])
    """
    items = [v for v in re.split(r"[,;\s]+", str(text or "").strip()) if v]
    if not items:
        return None
    periods = [str(p) for p in periods]
    values = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise InputDataError.coded(
                "not_numeric",
                "Could not read {item!r} of the reference series as a number (use a dot as "
                "the decimal point and commas between values).", item=item) from None
    if len(values) != len(periods):
        t = len(periods)
        shown = ", ".join(periods) if t <= 12 else (
            f"{', '.join(periods[:3])}, ..., {', '.join(periods[-3:])}")
        raise InputDataError.coded(
            "labels",
            "The reference series has {m} value(s) but the panel has {t} periods ({shown}); "
            "give one value per period, in period order.", m=len(values), t=t, shown=shown)
    return np.array(values, dtype=np.float64)


# ---------------------------------------------------------------------------
# agglomeration
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Agglomeration:
    """Result of :func:`agglomeration`.

    Attributes
    ----------
    hhi : ndarray, shape (n,) or (n, t)
        Herfindahl-type index per region (``hhi_variant``).
    lq : ndarray, shape (n, m) or (n, m, t)
        Location quotients (NaN where undefined).
    region_total : ndarray, shape (n,) or (n, t)
        ``l_i``.
    industry_total : ndarray, shape (m,) or (m, t)
        ``l_j``.
    total : float or ndarray (t,)
        ``l``.
    hhi_variant : str
    warnings : tuple of str
    region_share : ndarray, shape (n, m) or (n, m, t)
        ``l_ij / l_i``, the industry's share of the region's employment
        (NaN where ``l_i = 0``); the share-form HHI is the sum of its squares.
    industry_share : ndarray, shape (n, m) or (n, m, t)
        ``l_ij / l_j``, the region's share of the industry's employment
        (NaN where ``l_j = 0``); the national-form HHI is the sum of its
        squares (NaN taken as 0).
    """

    hhi: np.ndarray
    lq: np.ndarray
    region_total: np.ndarray
    industry_total: np.ndarray
    total: object
    hhi_variant: str
    warnings: tuple = ()
    region_share: np.ndarray = None
    industry_share: np.ndarray = None
    meta: dict = field(default_factory=dict, compare=False)


def _as_employment(L, missing, ids, industries, periods):
    try:
        arr = np.array(L, dtype=np.float64)  # a copy: missing="zero" writes into it
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The employment table must contain numbers only ({exc}).") from None
    if arr.ndim == 2:
        single = True
        arr = arr[:, :, None]
    elif arr.ndim == 3:
        single = False
    else:
        raise InputDataError(
            "The employment table must be an array (regions, industries) or "
            f"(regions, industries, periods); got shape {arr.shape}."
        )
    n, m, t = arr.shape
    if n == 0 or m == 0 or t == 0:
        raise InputDataError(f"The employment table is empty (shape {arr.shape}).")
    ids = check_labels(ids, n, "region ids", "regions")
    industries = check_labels(industries, m, "industry names", "industries")
    periods = check_labels(periods, t, "period labels", "periods")

    def where(mask):
        r, j, c = np.nonzero(mask)
        items = []
        for i, jj, cc in zip(r[:10], j[:10], c[:10]):
            ind = repr(industries[jj]) if industries is not None else f"industry {jj + 1}"
            s = f"{_region(int(i), ids)} / {ind}"
            if not single:
                s += f" ({_period(int(cc), periods)})"
            items.append(s)
        return len(r), _listing(items, len(r))

    warnings = []
    nan = np.isnan(arr)
    if nan.any():
        count, text = where(nan)
        if missing == "refuse":
            raise InputDataError(
                f"Employment is missing for {count} region/industry cell(s): {text}. Fill "
                "them, or choose missing='zero' to count a missing industry as no employment."
            )
        arr[nan] = 0.0
        warnings.append(
            f"Employment was missing for {count} region/industry cell(s) and counted as 0: "
            f"{text}."
        )
    for bad, problem in ((np.isinf(arr), "infinite"), (arr < 0, "negative")):
        if bad.any():
            count, text = where(bad)
            raise InputDataError(
                f"Employment is {problem} for {count} region/industry cell(s): {text}."
            )
    return arr, single, ids, industries, periods, warnings


def agglomeration(L, *, hhi_variant="national", missing="refuse", ids=None, industries=None,
                  periods=None):
    """Location quotients and a Herfindahl-type index from employment.

    Parameters
    ----------
    L : array_like, shape (n, m) or (n, m, t)
        Employment of region ``i`` in industry ``j`` (and period).
    hhi_variant : {"national", "share"}
        ``"national"``: ``sum_j (l_ij / l_j)**2``; ``"share"``:
        ``sum_j (l_ij / l_i)**2``.
    missing : {"refuse", "zero"}
        NaN cells: refuse (default) or count as 0 with a warning.
    ids, industries, periods : sequence of str, optional
        Labels for messages.

    Returns
    -------
    Agglomeration

    Examples
    --------
    >>> agglomeration([[10.0, 30.0], [30.0, 30.0]], hhi_variant="share").hhi
    array([0.625, 0.5  ])
    """
    hhi_variant = check_choice(hhi_variant, HHI_VARIANTS, "HHI variant")
    missing = check_choice(missing, MISSING_RULES, "missing-value rule")
    arr, single, ids, industries, periods, warnings = _as_employment(
        L, missing, ids, industries, periods
    )
    n, m, t = arr.shape
    li = arr.sum(axis=1)  # (n, t)
    lj = arr.sum(axis=0)  # (m, t)
    total = li.sum(axis=0)  # (t,)

    zero_region = li == 0
    zero_industry = lj == 0
    zero_total = total == 0
    if zero_total.any():
        bad = np.flatnonzero(zero_total)
        warnings.append(
            "There is no employment at all"
            + ("" if single else " in " + _listing([_period(int(c), periods) for c in bad],
                                                  len(bad)))
            + "; location quotients are undefined (NaN)."
        )
    if (zero_region & ~zero_total).any():
        rows, cols = np.nonzero(zero_region & ~zero_total)
        who = [_region(int(i), ids) + ("" if single else f" ({_period(int(c), periods)})")
               for i, c in zip(rows[:10], cols[:10])]
        warnings.append(
            f"{len(rows)} region(s) have no employment: {_listing(who, len(rows))}. Their "
            "location quotients" + (" and HHI are" if hhi_variant == "share" else " are")
            + " undefined (NaN)."
        )
    if (zero_industry & ~zero_total).any():
        rows, cols = np.nonzero(zero_industry & ~zero_total)
        who = [(repr(industries[j]) if industries is not None else f"industry {j + 1}")
               + ("" if single else f" ({_period(int(c), periods)})")
               for j, c in zip(rows[:10], cols[:10])]
        warnings.append(
            f"{len(rows)} industr(y/ies) have no employment in any region: "
            f"{_listing(who, len(rows))}. Their location quotients are undefined (NaN)"
            + ("; they add nothing to the HHI." if hhi_variant == "national" else ".")
        )

    with np.errstate(divide="ignore", invalid="ignore"):
        share_region = arr / li[:, None, :]  # l_ij / l_i
        share_nat = lj / total[None, :]  # l_j / l
        lq = share_region / share_nat[None, :, :]
        if hhi_variant == "share":
            hhi = np.einsum("nmt,nmt->nt", share_region, share_region)
        else:
            part = np.where(zero_industry[None, :, :], 0.0, arr / lj[None, :, :])
            hhi = np.einsum("nmt,nmt->nt", part, part)
        share_industry = arr / lj[None, :, :]  # l_ij / l_j
    lq[zero_region[:, None, :] | zero_industry[None, :, :] | zero_total[None, None, :]] = np.nan
    share_region[np.broadcast_to(zero_region[:, None, :], arr.shape)] = np.nan
    share_industry[np.broadcast_to(zero_industry[None, :, :], arr.shape)] = np.nan
    if hhi_variant == "share":
        hhi[zero_region] = np.nan
    if single:
        return Agglomeration(
            hhi=hhi[:, 0], lq=lq[:, :, 0], region_total=li[:, 0], industry_total=lj[:, 0],
            total=float(total[0]), hhi_variant=hhi_variant, warnings=tuple(warnings),
            region_share=share_region[:, :, 0], industry_share=share_industry[:, :, 0],
        )
    return Agglomeration(
        hhi=hhi, lq=lq, region_total=li, industry_total=lj, total=total,
        hhi_variant=hhi_variant, warnings=tuple(warnings),
        region_share=share_region, industry_share=share_industry,
    )


def location_quotients(L, *, missing="refuse", ids=None, industries=None, periods=None):
    """Location quotients ``LQ_ij = (l_ij / l_i) / (l_j / l)`` (see
    :func:`agglomeration`).

    Examples
    --------
    >>> location_quotients([[10.0, 30.0], [30.0, 30.0]])[0]
    array([0.625, 1.25 ])
    """
    return agglomeration(L, missing=missing, ids=ids, industries=industries,
                         periods=periods).lq


def herfindahl(L, variant="national", *, missing="refuse", ids=None, industries=None,
               periods=None):
    """Herfindahl-type index per region (see :func:`agglomeration`).

    Examples
    --------
    >>> herfindahl([[10.0, 30.0], [30.0, 30.0]], "share")
    array([0.625, 0.5  ])
    """
    return agglomeration(L, hhi_variant=variant, missing=missing, ids=ids,
                         industries=industries, periods=periods).hhi
