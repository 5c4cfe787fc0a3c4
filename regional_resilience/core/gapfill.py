"""Filling gaps in regional panels by linear interpolation along periods.

Statistical yearbooks miss a value here and there; regional-development
studies fill such gaps by linear interpolation between the neighbouring
years of the same region before building indices. For a missing value at
period position ``p`` between the nearest observed positions ``a < p < b``
of the same region::

    x(p) = x(a) + (x(b) - x(a)) * (p - a) / (b - a)

Positions are the real period values (e.g. years), so unequal spacing
(2000, 2005, 2010, 2011) is handled. Gaps before the first or after the
last observed value of a region are not interpolation; ``ends=`` chooses
between leaving them missing (default ``"nan"``, reported in
:attr:`GapFill.unfilled`) and carrying the nearest observed value
(``"nearest"``). A region with no observed value at all stays missing and
is listed in :attr:`GapFill.empty_regions`.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.gapfill import interpolate_along_periods
>>> v = np.array([[1.0, np.nan, 3.0, np.nan],
...               [np.nan, 2.0, np.nan, 8.0]])
>>> res = interpolate_along_periods(v, [2000, 2001, 2002, 2004])
>>> res.values
array([[ 1.,  2.,  3., nan],
       [nan,  2.,  4.,  8.]])
>>> res.n_filled, res.n_unfilled
(2, 2)
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import InputDataError

__all__ = ["ENDS", "GapFill", "interpolate_along_periods"]

ENDS = ("nan", "nearest")


@dataclass(frozen=True)
class GapFill:
    """Result of :func:`interpolate_along_periods`.

    Attributes
    ----------
    values : ndarray, same shape as the input
        The input with interior gaps (and, with ``ends="nearest"``, end gaps)
        filled.
    filled : ndarray of bool, same shape
        Cells that were missing and have been filled.
    unfilled : ndarray of bool, same shape
        Cells still missing (end gaps with ``ends="nan"``, empty regions).
    empty_regions : ndarray of int
        Row positions of regions without any observed value (for any
        trailing column when the input has more than two dimensions).
    ends : str
        ``"nan"`` or ``"nearest"``.
    """

    values: np.ndarray
    filled: np.ndarray
    unfilled: np.ndarray
    empty_regions: np.ndarray
    ends: str
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def n_filled(self):
        """Number of filled cells."""
        return int(self.filled.sum())

    @property
    def n_unfilled(self):
        """Number of cells still missing."""
        return int(self.unfilled.sum())


def interpolate_along_periods(values, period_positions=None, *, ends="nan"):
    """Linearly interpolate missing values (NaN) along periods, per region.

    Parameters
    ----------
    values : array_like, shape (n, t) or (n, t, ...)
        Panel with regions along axis 0 and periods along axis 1; extra
        trailing axes (e.g. indicators) are treated independently. NaN marks
        a missing value; infinite values are rejected.
    period_positions : array_like, shape (t,), optional
        Strictly increasing numeric positions of the periods (e.g. years).
        Default ``0, 1, ..., t - 1`` (equal spacing).
    ends : {"nan", "nearest"}, default "nan"
        Leading/trailing gaps: leave missing and report them, or fill with
        the nearest observed value of the region.

    Returns
    -------
    GapFill

    Raises
    ------
    InputDataError
        Wrong shapes, infinite values, non-increasing positions or an
        unknown ``ends`` option.

    Examples
    --------
    >>> res = interpolate_along_periods([[np.nan, 1.0, np.nan, 3.0, np.nan]], ends="nearest")
    >>> res.values
    array([[1., 1., 2., 3., 3.]])
    >>> res.filled.astype(int)
    array([[1, 0, 1, 0, 1]])
    """
    ends = str(ends).lower()
    if ends not in ENDS:
        raise InputDataError(f"Unknown end rule {ends!r}; use 'nan' or 'nearest'.")
    try:
        v = np.array(values, dtype=np.float64)  # a copy: the input is not modified
    except (TypeError, ValueError):
        raise InputDataError("The values to interpolate must be numbers (NaN for gaps).") from None
    if v.ndim < 2:
        raise InputDataError(
            f"Give a table (regions, periods[, ...]) to interpolate; got shape {v.shape}."
        )
    if np.isinf(v).any():
        i, k = (int(a[0]) for a in np.nonzero(np.isinf(v))[:2])
        raise InputDataError(
            f"The value of the region at row {i}, period {k + 1} is infinite; only NaN marks "
            f"a gap."
        )
    n, t = v.shape[:2]
    if period_positions is None:
        pos = np.arange(t, dtype=np.float64)
    else:
        try:
            pos = np.asarray(period_positions, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputDataError("Period positions must be numbers (e.g. years).") from None
        if pos.size != t:
            raise InputDataError(
                f"{pos.size} period position(s) were given for {t} periods; give one per period."
            )
        if not np.all(np.isfinite(pos)) or np.any(np.diff(pos) <= 0):
            raise InputDataError(
                "Period positions must be finite and strictly increasing (e.g. sorted years "
                "without duplicates)."
            )

    # Work on (n, t, r) with the trailing axes flattened.
    shape = v.shape
    v3 = v.reshape(n, t, -1)
    missing = np.isnan(v3)
    idx = np.arange(t).reshape(1, t, 1)
    # previous / next observed period index for every cell (-1 / t when none)
    prev = np.where(missing, -1, idx)
    np.maximum.accumulate(prev, axis=1, out=prev)
    nxt = np.where(missing, t, idx)
    nxt = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]

    has_prev = prev >= 0
    has_next = nxt < t
    prev_c = np.clip(prev, 0, t - 1)
    next_c = np.clip(nxt, 0, t - 1)
    v_prev = np.take_along_axis(v3, prev_c, axis=1)
    v_next = np.take_along_axis(v3, next_c, axis=1)
    p_prev = pos[prev_c]
    p_next = pos[next_c]
    p_here = pos.reshape(1, t, 1)

    interior = missing & has_prev & has_next
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (p_here - p_prev) / (p_next - p_prev)
        interp = v_prev + (v_next - v_prev) * frac
    out = np.where(interior, interp, v3)
    filled = interior.copy()
    if ends == "nearest":
        lead = missing & ~has_prev & has_next
        trail = missing & has_prev & ~has_next
        out = np.where(lead, v_next, out)
        out = np.where(trail, v_prev, out)
        filled |= lead | trail
    unfilled = np.isnan(out)
    empty = np.flatnonzero(missing.all(axis=1).any(axis=1))
    return GapFill(
        values=out.reshape(shape),
        filled=filled.reshape(shape),
        unfilled=unfilled.reshape(shape),
        empty_regions=empty,
        ends=ends,
    )
