"""Shared pieces of the spatial panel subpackage: option names, the warning
and error classes, significance stars, normal p-values and small message
helpers. Nothing here imports QGIS.
"""
import math
import warnings

import numpy as np
from scipy import stats

from ..errors import Canceled, InputDataError, RRDataError, check_choice
from ..panel import format_list

__all__ = [
    "FE_TYPES",
    "FE_TEXT",
    "SpatialPanelWarning",
    "EstimationError",
    "stars",
    "normal_p",
    "check_fe",
    "absorbed_dof",
    "Hook",
]

#: Fixed-effects options: region effects, time (period) effects, both, or
#: none (a pooled model with a constant, concentrated out by removing the
#: overall mean).
FE_TYPES = ("region", "time", "twoway", "pooled")

FE_TEXT = {
    "region": "region fixed effects",
    "time": "time fixed effects",
    "twoway": "region and time fixed effects",
    "pooled": "the constant (pooled model)",
}


class SpatialPanelWarning(UserWarning):
    """A documented edge case was met (islands, rho at its bound with
    ``strict=False``, draws redrawn, ...). The same sentence is in the
    result's ``notes``."""


class EstimationError(RRDataError):
    """Maximum likelihood did not reach an interior maximum.

    Raised (with ``strict=True``, the default) when the spatial parameter
    ends at a bound of its interval or the optimiser did not converge.

    Attributes
    ----------
    loglik : float
        The last log-likelihood reached.
    parameter : float
        The last value of rho (lambda for the SEM).
    bounds : tuple of float
        The interval searched.
    """

    def __init__(self, message, loglik=math.nan, parameter=math.nan, bounds=None):
        super().__init__(message)
        self.loglik = loglik
        self.parameter = parameter
        self.bounds = bounds


def stars(p):
    """Significance stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1.

    >>> stars([0.001, 0.02, 0.07, 0.5, float("nan")])
    ('***', '**', '*', '', '')
    """
    out = []
    for v in np.atleast_1d(np.asarray(p, dtype=float)):
        out.append("***" if v < 0.01 else "**" if v < 0.05 else "*" if v < 0.1 else "")
    return tuple(out)


def normal_p(z):
    """Two-sided p-value(s) of standard normal statistic(s) ``z``.

    >>> round(float(normal_p(1.959963984540054)), 6)
    0.05
    """
    with np.errstate(invalid="ignore"):
        return 2.0 * stats.norm.sf(np.abs(np.asarray(z, dtype=float)))


def check_fe(fe):
    """``fe`` in lower case if it is one of :data:`FE_TYPES`.

    >>> check_fe("TwoWay")
    'twoway'
    """
    return check_choice(fe, FE_TYPES, "fixed-effects option")


def absorbed_dof(fe, n, t):
    """Number of means removed by the within transformation ``fe``
    (region: n, time: t, two-way: n + t - 1, pooled: 1).

    >>> absorbed_dof("twoway", 10, 5)
    14
    """
    return {"region": n, "time": t, "twoway": n + t - 1, "pooled": 1}[fe]


def warn(notes, message, stacklevel=3):
    """Append ``message`` to ``notes`` and issue a :class:`SpatialPanelWarning`."""
    notes.append(message)
    warnings.warn(message, SpatialPanelWarning, stacklevel=stacklevel)


def label_list(labels, limit=10):
    """Quoted, comma-separated labels with at most ``limit`` shown."""
    return format_list([f"'{x}'" for x in labels], limit)


class Hook:
    """Optional ``progress(fraction)`` and ``is_canceled()`` callables mapped
    onto the sub-range ``[lo, hi]`` of the caller's progress bar."""

    def __init__(self, progress=None, is_canceled=None, lo=0.0, hi=1.0, what="Spatial panel estimation"):
        self.progress, self.is_canceled = progress, is_canceled
        self.lo, self.hi, self.what = lo, hi, what

    def check(self):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled(f"{self.what} canceled")

    def at(self, fraction):
        self.check()
        if self.progress is not None:
            self.progress(self.lo + (self.hi - self.lo) * min(max(fraction, 0.0), 1.0))

    def sub(self, lo, hi):
        w = self.hi - self.lo
        return Hook(self.progress, self.is_canceled, self.lo + w * lo, self.lo + w * hi, self.what)


def positive_int(value, what, minimum=1):
    """``value`` as an int >= ``minimum`` or an :class:`InputDataError`."""
    try:
        iv = int(value)
    except (TypeError, ValueError):
        iv = None
    if iv is None or iv != value or iv < minimum:
        raise InputDataError(f"{what} must be a whole number of at least {minimum}; got {value!r}.")
    return iv
