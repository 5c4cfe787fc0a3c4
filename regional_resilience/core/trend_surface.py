"""Trend-surface analysis: polynomial trends of a value along two map directions.

This is the "Trend Analysis" view of ArcGIS Geostatistical Analyst [ESRI2012]_
as used in regional-resilience studies: each region's value ``Z`` is placed
at a point ``(x, y)`` (its polygon centroid; the caller gives the
coordinates), the points are projected onto the west-east (X-Z) and the
south-north (Y-Z) planes, and a polynomial of order 1, 2 or 3 is fitted by
least squares through each projected scatter [Unwin1975]_. A curve that is
not flat shows a global trend in that direction; an inverted U along
west-east, for example, means the highest values lie in the centre of the
territory and fall towards the west and the east.

Axes and rotation
-----------------
``x`` must grow eastwards and ``y`` northwards (longitude / latitude, or the
easting / northing of a projected CRS). The horizontal axes may be rotated
by ``rotation = theta`` degrees, *counter-clockwise* (from east towards
north, the mathematical sense)::

    u =  x cos(theta) + y sin(theta)        (the "west-east" axis)
    v = -x sin(theta) + y cos(theta)        (the "south-north" axis)

so ``u`` points ``theta`` degrees counter-clockwise from east and ``v``
``theta`` degrees counter-clockwise from north. ``theta = 0`` gives
``u = x``, ``v = y``; ``theta = 90`` gives ``u = y`` (towards north) and
``v = -x`` (towards west). Multiples of 90 degrees are applied exactly
(``cos`` and ``sin`` in {-1, 0, 1}). The direction labels
(:data:`DIRECTIONS`) always name the two axes as they lie before rotation;
with ``theta != 0`` the "west-east" curve runs along the rotated ``u``
axis. ArcMap's trend view is rotated with a wheel that shows no angle; ArcGIS
Pro's Directional Trend tool [ESRI2024]_ gives a direction ``d`` in degrees
*clockwise from north*: its trend along ``d`` is our ``u`` curve with
``theta = 90 - d``.

Fit
---
Per period ``k`` and direction ``w`` in ``(u, v)``, the polynomial
``p(w) = a_0 w^m + a_1 w^(m-1) + ... + a_m`` (order ``m``) minimises
``sum_i (Z_ik - p(w_i))^2``. For numerical stability the fit is made in the
standardised coordinate ``s = (w - c) / h`` (``c`` the mean, ``h`` the
population standard deviation of ``w`` over the regions): ``Z ~ q(s)``; the
coefficients are then converted to the original units by expanding
``p(w) = q((w - c) / h)`` (binomial expansion), so that
``numpy.polyval(coefficients[k, d], w)`` gives the fitted trend. Both sets
are reported (``std_coefficients`` with ``centre`` and ``scale``). Far from
the origin (easting in metres, order 3) evaluating the original-unit
coefficients loses digits to cancellation; :attr:`TrendSurfaceResult.fitted`
is computed from the standardised ones. Coefficients are stored *highest
power first*, as :func:`numpy.polyfit` returns them and :func:`numpy.polyval`
takes them.

``R^2 = 1 - SS_res / SS_tot`` with ``SS_res = sum_i (Z_i - p(w_i))^2`` and
``SS_tot = sum_i (Z_i - mean Z)^2``, per period and direction.

Shape of the trend
------------------
The fitted curve is described on the observed range ``[min w, max w]`` by
the sequence of its rises and falls between the zeros of ``p'`` that lie
strictly inside the range (:func:`classify_shape`):

=============== ===================================================
``increasing``   rises over the whole range (west to east, south to north)
``decreasing``   falls over the whole range
``inverted U``   rises, then falls (a maximum inside the range)
``U``            falls, then rises (a minimum inside the range)
``N``            rises, falls, rises (order 3)
``inverted N``   falls, rises, falls (order 3)
``flat``         no rise or fall (e.g. a constant period)
=============== ===================================================

So for order 2, "inverted U" means a negative leading coefficient *and* a
vertex inside the range; a vertex outside the range makes the curve
monotone ("increasing" / "decreasing"). A rise or fall of at most
``1e-6`` times the observed range of ``Z`` in that period counts as none
(it is rounding, not a trend). A turning point anywhere inside the range
counts, however near its end: :attr:`TrendSurfaceResult.turning_points`
gives its position so the analyst can judge, and the curve is for looking
at. The labels are fixed codes (:data:`SHAPES`) that adapters translate.

Edge cases (documented choices)
-------------------------------
* Missing / non-finite values or coordinates are refused, naming the
  regions (and the period).
* Each direction needs the regions at ``order + 2`` or more distinct
  positions (``order + 1`` coefficients and one residual degree of
  freedom); positions closer than ``1e-9`` standard deviations count as one.
* A period whose values are all equal is fitted (a constant curve, shape
  "flat"); its ``R^2`` is undefined (0/0) and reported as NaN, with a note
  in ``warnings``.
* ``order`` must be 1, 2 or 3; ``n_grid`` at least 2.
* Geographic coordinates: :func:`geographic_to_local_km` turns longitude /
  latitude into kilometres (equirectangular projection about the mean
  latitude). A trend on raw degrees is allowed (the shape and ``R^2`` do not
  depend on the unit along one axis, only on the rotation, where a degree of
  longitude and of latitude differ in length away from the equator).

References
----------
.. [Unwin1975] Unwin, D. J. (1975). *An Introduction to Trend Surface
   Analysis*. Concepts and Techniques in Modern Geography 5. Norwich: Geo
   Abstracts.
.. [ESRI2012] Esri (2012). Trend analysis; Looking for global trends.
   *ArcGIS Desktop 10.1 Help*, Geostatistical Analyst.
   https://resources.arcgis.com/en/help/main/10.1/0031/003100000014000000.htm
.. [ESRI2024] Esri (2024). Directional Trend (Geostatistical Analyst).
   *ArcGIS Pro 3.4 tool reference*.
   https://pro.arcgis.com/en/pro-app/3.4/tool-reference/geostatistical-analyst/directional-trend.htm
.. [Snyder1987] Snyder, J. P. (1987). *Map Projections: A Working Manual*.
   U.S. Geological Survey Professional Paper 1395, pp. 90-91 (equidistant
   cylindrical projection).
.. [Moritz2000] Moritz, H. (2000). Geodetic Reference System 1980. *Journal
   of Geodesy*, 74(1), 128-133 (mean Earth radius R1 = 6371.0088 km).

Examples
--------
On a 5 x 5 grid, values that rise and fall from west to east and grow to
the north, ``z = 10 - (x - 2)^2 + y``:

>>> import numpy as np
>>> from regional_resilience.core.trend_surface import trend_surface
>>> gx, gy = np.meshgrid(np.arange(5.0), np.arange(5.0))
>>> xy = np.column_stack([gx.ravel(), gy.ravel()])
>>> z = 10.0 - (xy[:, 0] - 2.0) ** 2 + xy[:, 1]
>>> res = trend_surface(z, xy)
>>> res.directions
('west-east', 'south-north')
>>> (np.round(res.coefficients[0], 6) + 0.0).tolist()   # -u^2 + 4u + 8, v + 8
[[-1.0, 4.0, 8.0], [0.0, 1.0, 8.0]]
>>> [str(s) for s in res.shape[0]]
['inverted U', 'increasing']
>>> float(res.turning_points[0, 0, 0]), np.round(res.r2[0], 4).tolist()
(2.0, [0.5833, 0.4167])
"""
import numbers
from dataclasses import dataclass
from math import comb

import numpy as np

from .errors import InputDataError
from .panel import format_list

__all__ = [
    "DIRECTIONS",
    "ORDER_CHOICES",
    "SHAPES",
    "EARTH_RADIUS_KM",
    "TrendSurfaceResult",
    "trend_surface",
    "classify_shape",
    "geographic_to_local_km",
]

#: Labels of the two directions, in the order of the direction axis.
DIRECTIONS = ("west-east", "south-north")

#: Accepted polynomial orders.
ORDER_CHOICES = (1, 2, 3)

#: Shape codes of :func:`classify_shape` (see the module notes).
SHAPES = ("flat", "increasing", "decreasing", "inverted U", "U", "N", "inverted N")

#: Mean Earth radius R1 of GRS 80 / WGS 84 in km [Moritz2000]_.
EARTH_RADIUS_KM = 6371.0088

#: A rise or fall of at most this fraction of the observed range of the
#: values is ignored when the shape is described.
_SHAPE_RTOL = 1e-6

#: Standardised positions closer than this count as one position.
_DISTINCT_TOL = 1e-9

_SEQUENCES = {
    (): "flat",
    (1,): "increasing",
    (-1,): "decreasing",
    (1, -1): "inverted U",
    (-1, 1): "U",
    (1, -1, 1): "N",
    (-1, 1, -1): "inverted N",
}


# ---------------------------------------------------------------------------
# result type
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendSurfaceResult:
    """Result of :func:`trend_surface`.

    Axis order: period first, then direction (index 0 = "west-east" /
    ``u``, 1 = "south-north" / ``v``), then coefficient or grid point.

    Attributes
    ----------
    periods : tuple
        Period labels (the given ``periods``, else ``1..t``).
    order : int
        Polynomial order ``m``.
    rotation : float
        Rotation of the axes in degrees, counter-clockwise (see the module
        notes for the formulas).
    directions : tuple of str
        :data:`DIRECTIONS`, the labels of the direction axis.
    u, v : ndarray, shape (n,)
        Projected coordinates of the regions on the two axes (in the units of
        the coordinates given).
    centre, scale : ndarray, shape (2,)
        Mean and population standard deviation of ``u`` and ``v``; the fit is
        made in ``s = (w - centre) / scale``.
    coefficients : ndarray, shape (t, 2, m + 1)
        Polynomial coefficients in the original units, highest power first
        (``numpy.polyval(coefficients[k, d], u)``).
    std_coefficients : ndarray, shape (t, 2, m + 1)
        The same polynomials in the standardised coordinate ``s``, highest
        power first.
    r2 : ndarray, shape (t, 2)
        Coefficient of determination ``1 - SS_res / SS_tot`` (NaN for a
        constant period).
    grid : ndarray, shape (2, n_grid)
        Evenly spaced positions from ``min`` to ``max`` of ``u`` (row 0) and
        ``v`` (row 1), for plotting.
    fitted : ndarray, shape (t, 2, n_grid)
        The fitted curves on ``grid``.
    shape : ndarray of str, shape (t, 2)
        Shape code of each curve (one of :data:`SHAPES`).
    turning_points : ndarray, shape (t, 2, max(m - 1, 0))
        Positions (original units) of the maxima / minima of each curve that
        separate the rises and falls named by ``shape``, ascending, padded
        with NaN.
    warnings : tuple of str
    """

    periods: tuple
    order: int
    rotation: float
    directions: tuple
    u: np.ndarray
    v: np.ndarray
    centre: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    std_coefficients: np.ndarray
    r2: np.ndarray
    grid: np.ndarray
    fitted: np.ndarray
    shape: np.ndarray
    turning_points: np.ndarray
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
    elif arr.ndim != 2:
        raise InputDataError(
            "The values must be one column per period, shape (regions,) or "
            f"(regions, periods); got shape {arr.shape}."
        )
    n, t = arr.shape
    if t == 0:
        raise InputDataError("There is no period to analyse (no value column).")
    if n == 0:
        raise InputDataError("There are no regions to analyse.")
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
    return arr, ids, periods, labels


def _as_coords(coords, n, ids):
    try:
        xy = np.array(coords, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The coordinates must be numbers ({exc}).") from None
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InputDataError(
            f"The coordinates must be one (x, y) pair per region, shape (regions, 2); "
            f"got shape {xy.shape}."
        )
    if len(xy) != n:
        raise InputDataError(f"{len(xy)} coordinate pairs were given for {n} regions.")
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise InputDataError(
            f"Region(s) {_region_names(np.flatnonzero(bad), ids)} have no finite "
            "coordinates (a feature without geometry?). Leave them out or fix "
            "their geometry."
        )
    return xy


def _is_whole(value):
    """True for an int or a float with an integral value (not bool, not text)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return False
    return np.isfinite(value) and float(value) == int(value)


def _check_order(order):
    ok = _is_whole(order) and int(order) in ORDER_CHOICES
    if not ok:
        raise InputDataError(
            f"Unknown trend order {order!r}; use 1 (linear), 2 (quadratic) or 3 (cubic)."
        )
    return int(order)


def _cos_sin(degrees):
    """``cos`` and ``sin`` of an angle in degrees, exact at multiples of 90."""
    quarter, rest = divmod(float(degrees), 90.0)
    if rest == 0.0:
        return {0: (1.0, 0.0), 1: (0.0, 1.0), 2: (-1.0, 0.0), 3: (0.0, -1.0)}[int(quarter) % 4]
    rad = np.deg2rad(degrees)
    return float(np.cos(rad)), float(np.sin(rad))


def _unstandardise(std_coef, centre, scale):
    """Coefficients of ``p(w) = q((w - centre) / scale)``, highest power first.

    ``std_coef`` has shape (..., m + 1), highest power first.
    """
    m = std_coef.shape[-1] - 1
    a, b = 1.0 / scale, -centre / scale
    # low-first: p_j = sum_k q_k C(k, j) a^j b^(k - j)
    T = np.zeros((m + 1, m + 1))
    for k in range(m + 1):
        for j in range(k + 1):
            T[j, k] = comb(k, j) * a**j * b ** (k - j)
    low = std_coef[..., ::-1] @ T.T
    return low[..., ::-1]


# ---------------------------------------------------------------------------
# shape of a curve
# ---------------------------------------------------------------------------
def classify_shape(coefficients, lo, hi, *, rtol=_SHAPE_RTOL, scale=None):
    """Shape of the polynomial ``coefficients`` on ``[lo, hi]``.

    Parameters
    ----------
    coefficients : array_like, shape (m + 1,)
        Polynomial coefficients, highest power first (as for
        :func:`numpy.polyval`).
    lo, hi : float
        The range of the coordinate (``lo < hi``).
    rtol : float, optional
        A rise or fall between two turning points (or a range end) of at most
        ``rtol * scale`` is ignored.
    scale : float, optional
        Reference size of a change; by default the total variation of the
        curve on ``[lo, hi]`` (:func:`trend_surface` passes the observed range
        of the values).

    Returns
    -------
    shape : str
        One of :data:`SHAPES`: the sequence of rises and falls of the curve
        between the zeros of its derivative strictly inside ``(lo, hi)``.
    turning_points : ndarray
        The positions of the maxima / minima separating those rises and
        falls, ascending.

    Examples
    --------
    >>> shape, tp = classify_shape([-1.0, 4.0, 0.0], 0.0, 5.0)   # -x^2 + 4x
    >>> shape, tp.tolist()
    ('inverted U', [2.0])
    >>> classify_shape([-1.0, 4.0, 0.0], 0.0, 1.5)[0]            # vertex outside
    'increasing'
    >>> classify_shape([1.0, 0.0, -3.0, 0.0], -2.0, 2.0)[0]      # x^3 - 3x
    'N'
    """
    coef = np.atleast_1d(np.asarray(coefficients, dtype=np.float64))
    lo, hi = float(lo), float(hi)
    der = np.polyder(coef) if len(coef) > 1 else np.zeros(1)
    nz = np.flatnonzero(der)
    roots = np.empty(0)
    if len(nz) and len(der) - nz[0] > 1:  # derivative of degree >= 1
        r = np.roots(der[nz[0]:])
        keep = np.abs(r.imag) <= 1e-7 * (1.0 + np.abs(r.real))
        roots = np.unique(r.real[keep])
        roots = roots[(roots > lo) & (roots < hi)]
    bp = np.concatenate([[lo], roots, [hi]])
    change = np.diff(np.polyval(coef, bp))
    ref = np.abs(change).sum() if scale is None else float(scale)
    signs, turns = [], []
    for i, d in enumerate(change):
        if not abs(d) > rtol * ref or d == 0:
            continue
        sg = 1 if d > 0 else -1
        if signs and signs[-1] == sg:
            continue
        if signs:
            turns.append(bp[i])  # the start of this piece: a max / min
        signs.append(sg)
    return _SEQUENCES[tuple(signs)], np.asarray(turns, dtype=np.float64)


# ---------------------------------------------------------------------------
# geographic coordinates
# ---------------------------------------------------------------------------
def geographic_to_local_km(lon, lat, radius_km=EARTH_RADIUS_KM, *, ids=None):
    """Longitude / latitude in degrees to local x, y in kilometres.

    Equirectangular (equidistant cylindrical) projection [Snyder1987]_ about
    the mean latitude ``phi_0``, on a sphere of radius ``R``::

        x = R cos(phi_0) (lambda - lambda_0)
        y = R (phi - phi_0)

    with angles in radians, ``phi_0`` the mean latitude and ``lambda_0`` the
    circular mean longitude (``atan2`` of the mean sine and cosine);
    ``lambda - lambda_0`` is wrapped into ``[-180, 180)`` degrees, so a layer
    crossing the antimeridian stays in one piece. ``x`` grows eastwards and
    ``y`` northwards; both are 0 at ``(lambda_0, phi_0)``.

    Distances along a meridian are exact on the sphere; east-west distances
    at latitude ``phi`` come out ``cos(phi_0) / cos(phi)`` times too long
    (too short on the equator side), an error of about ``|phi - phi_0|
    tan(phi_0)``: 1.5 % one degree from ``phi_0 = 40`` degrees, about 9 % on
    Mexico's northern border (32.7 degrees N, ``phi_0`` about 23 degrees).
    Good for the shape of a trend over a country or a region of it (at
    rotation 0 the shape and ``R^2`` do not change at all, ``x`` being an
    affine function of longitude); for continents use a projected CRS.

    Parameters
    ----------
    lon, lat : array_like, shape (n,)
        Longitude in [-180, 180] and latitude in [-90, 90], in degrees.
    radius_km : float, optional
        Sphere radius; the default is the mean Earth radius R1 of GRS 80
        [Moritz2000]_.
    ids : sequence, optional
        Region ids used in error messages.

    Returns
    -------
    ndarray, shape (n, 2)
        ``x, y`` in km, ready for :func:`trend_surface` (``x, y = out.T``).

    Raises
    ------
    InputDataError
        Non-finite coordinates (naming the regions), or coordinates outside
        [-180, 180] x [-90, 90] (naming the extent and the regions: the layer
        is most likely in a projected CRS).

    Examples
    --------
    Three points at the equator (``phi_0 = 0``, ``lambda_0 = 1/3`` degree);
    one degree is ``pi R / 180 = 111.195`` km:

    >>> import numpy as np
    >>> xy = geographic_to_local_km([0.0, 0.0, 1.0], [-0.5, 0.5, 0.0])
    >>> np.round(xy, 3).tolist()
    [[-37.065, -55.598], [-37.065, 55.598], [74.13, 0.0]]
    """
    try:
        lon = np.array(lon, dtype=np.float64).ravel()
        lat = np.array(lat, dtype=np.float64).ravel()
        radius = float(radius_km)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"Longitude, latitude and radius must be numbers ({exc}).") from None
    if len(lon) != len(lat):
        raise InputDataError(
            f"{len(lon)} longitudes were given for {len(lat)} latitudes; give one pair per region."
        )
    if len(lon) == 0:
        raise InputDataError("There are no coordinates to convert.")
    if not (np.isfinite(radius) and radius > 0):
        raise InputDataError(f"The Earth radius must be a positive number of km; got {radius_km!r}.")
    if ids is not None:
        ids = list(ids)
        if len(ids) != len(lon):
            raise InputDataError(f"{len(ids)} region ids were given for {len(lon)} regions.")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise InputDataError(
            f"Region(s) {_region_names(np.flatnonzero(bad), ids)} have no finite "
            "longitude / latitude (a feature without geometry?)."
        )
    out = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if out.any():
        rows = np.flatnonzero(out)
        raise InputDataError(
            f"The points span longitude {lon.min():g} to {lon.max():g} and latitude "
            f"{lat.min():g} to {lat.max():g}, but longitude and latitude in degrees lie "
            f"within [-180, 180] and [-90, 90]; {len(rows)} of {len(lon)} regions are "
            f"outside ({_region_names(rows, ids)}). The coordinates look projected: use "
            "them directly (they are already in map units), or set the layer's CRS to "
            "the one its coordinates are in."
        )
    lam, phi = np.deg2rad(lon), np.deg2rad(lat)
    lam0 = np.arctan2(np.sin(lam).mean(), np.cos(lam).mean())
    phi0 = phi.mean()
    dlam = np.mod(lam - lam0 + np.pi, 2.0 * np.pi) - np.pi
    return np.column_stack([radius * np.cos(phi0) * dlam, radius * (phi - phi0)])


# ---------------------------------------------------------------------------
# trend surface
# ---------------------------------------------------------------------------
def trend_surface(values, coords, *, order=2, rotation=0.0, n_grid=50, ids=None, periods=None):
    """Polynomial trends of ``values`` along the west-east and south-north axes.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, t)
        One value per region (and period); finite. A 1-D array is one period.
    coords : array_like, shape (n, 2)
        ``x`` (growing eastwards) and ``y`` (growing northwards) of every
        region, e.g. polygon centroids in a projected CRS or the output of
        :func:`geographic_to_local_km`.
    order : {1, 2, 3}, optional
        Order of the polynomials (default 2, as in ArcGIS).
    rotation : float, optional
        Counter-clockwise rotation of the axes in degrees (default 0); see
        the module notes for the exact formulas.
    n_grid : int, optional
        Number of grid positions of the plotted curves (default 50).
    ids, periods : sequence, optional
        Region ids and period labels, used in messages and kept in the result.

    Returns
    -------
    TrendSurfaceResult

    Raises
    ------
    InputDataError
        Missing values (naming regions and period) or coordinates (naming
        regions), an order other than 1, 2, 3, fewer than ``order + 2``
        distinct positions along an axis, a non-finite rotation or
        ``n_grid < 2``.

    Notes
    -----
    One least-squares solve per direction for all periods at once
    (``numpy.linalg.lstsq`` on the Vandermonde matrix of the standardised
    coordinate); cheap for any number of regions, so there is no progress
    callback.

    Examples
    --------
    A plane ``z = 2 x - y`` on a 3 x 3 grid, the axes rotated by 90 degrees
    (``u = y`` points north, ``v = -x`` west): ``z`` falls along both.

    >>> import numpy as np
    >>> gx, gy = np.meshgrid(np.arange(3.0), np.arange(3.0))
    >>> xy = np.column_stack([gx.ravel(), gy.ravel()])
    >>> z = 2 * xy[:, 0] - xy[:, 1]
    >>> res = trend_surface(z, xy, order=1, rotation=90)
    >>> res.u.tolist() == xy[:, 1].tolist(), res.v.tolist() == (-xy[:, 0]).tolist()
    (True, True)
    >>> [str(s) for s in res.shape[0]]
    ['decreasing', 'decreasing']
    >>> np.round(res.coefficients[0], 6).tolist()      # z ~ -u + 2, z ~ -2 v - 1
    [[-1.0, 2.0], [-2.0, -1.0]]
    """
    arr, ids, periods, labels = _as_values(values, ids, periods)
    n, t = arr.shape
    xy = _as_coords(coords, n, ids)
    order = _check_order(order)
    try:
        theta = float(rotation)
    except (TypeError, ValueError):
        theta = float("nan")
    if not np.isfinite(theta):
        raise InputDataError(f"The rotation must be a number of degrees; got {rotation!r}.")
    if not (_is_whole(n_grid) and int(n_grid) >= 2):
        raise InputDataError(f"The curves need at least 2 grid positions; got n_grid={n_grid!r}.")
    n_grid = int(n_grid)

    c, s = _cos_sin(theta)
    u = c * xy[:, 0] + s * xy[:, 1]
    v = -s * xy[:, 0] + c * xy[:, 1]
    m1 = order + 1
    rotated = f" (rotated by {theta:g} degrees)" if theta % 360.0 else ""

    # constant periods: R^2 undefined
    ptp = arr.max(axis=0) - arr.min(axis=0)
    big = np.abs(arr).max(axis=0)
    constant = ptp <= 8.0 * np.finfo(float).eps * big
    warnings = []
    if constant.any():
        names = format_list([_period_name(int(k), periods) for k in np.flatnonzero(constant)])
        warnings.append(
            f"Every region has the same value in {names}: the trend is flat and R^2 is "
            "undefined (reported as NaN)."
        )

    centre = np.empty(2)
    scale = np.empty(2)
    std_coef = np.empty((t, 2, m1))
    r2 = np.empty((t, 2))
    grid = np.empty((2, n_grid))
    fitted = np.empty((t, 2, n_grid))
    shape = np.empty((t, 2), dtype=object)
    turning = np.full((t, 2, max(order - 1, 0)), np.nan)
    mean_z = arr.mean(axis=0)
    sstot = ((arr - mean_z) ** 2).sum(axis=0)
    for d, w in enumerate((u, v)):
        cw = w.mean()
        hw = np.sqrt(((w - cw) ** 2).mean())
        sw = (w - cw) / hw if hw > 0 else np.zeros(n)
        ss = np.sort(sw)
        distinct = 1 + int(np.count_nonzero(np.diff(ss) > _DISTINCT_TOL))
        if distinct < order + 2:
            raise InputDataError(
                f"A trend of order {order} needs the regions at {order + 2} or more distinct "
                f"positions along the {DIRECTIONS[d]} axis{rotated}; "
                f"the {n} region(s) lie at {distinct}. Use a lower order or more regions."
            )
        centre[d], scale[d] = cw, hw
        V = np.vander(sw, m1)
        B, _, rank, _ = np.linalg.lstsq(V, arr, rcond=None)
        if rank < m1:  # pragma: no cover - excluded by the distinct-position check
            raise InputDataError(
                f"The {DIRECTIONS[d]} positions cannot carry a polynomial of order {order}."
            )
        std_coef[:, d, :] = B.T
        resid = arr - V @ B
        ssres = (resid**2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2[:, d] = np.where(constant, np.nan, 1.0 - ssres / np.where(constant, 1.0, sstot))
        grid[d] = np.linspace(w.min(), w.max(), n_grid)
        gs = (grid[d] - cw) / hw
        G = np.vander(gs, m1)
        fitted[:, d, :] = (G @ B).T
        lo, hi = ss[0], ss[-1]
        for k in range(t):
            if constant[k]:
                shape[k, d] = "flat"
                continue
            sh, tp = classify_shape(B[:, k], lo, hi, scale=ptp[k])
            shape[k, d] = sh
            turning[k, d, : len(tp)] = cw + hw * tp
    coef = np.stack(
        [_unstandardise(std_coef[:, d, :], centre[d], scale[d]) for d in range(2)], axis=1
    )
    return TrendSurfaceResult(
        periods=tuple(labels),
        order=order,
        rotation=theta,
        directions=DIRECTIONS,
        u=u,
        v=v,
        centre=centre,
        scale=scale,
        coefficients=coef,
        std_coefficients=std_coef,
        r2=r2,
        grid=grid,
        fitted=fitted,
        shape=shape.astype(str),
        turning_points=turning,
        warnings=tuple(warnings),
    )
