"""Distance-based weights on points (e.g. polygon centroids).

k-nearest neighbours, distance bands (binary or inverse-distance), the
smallest band that leaves no region alone, and the attachment of islands to
their nearest regions. The definitions are those of PySAL's ``KNN``,
``DistanceBand`` and ``min_threshold_distance`` [Rey2010]_
[Getis2009]_; neighbour search uses ``scipy.spatial.cKDTree``.

Two metrics, chosen with ``metric=``:

``"euclidean"`` (default)
    Straight-line distance between projected ``(x, y)`` coordinates, in map
    units.
``"arc"``
    Great-circle distance between ``(lon, lat)`` points in degrees (a
    geographic CRS), on a sphere of ``radius`` (default
    :data:`EARTH_RADIUS_KM`, the mean Earth radius ``R1 = (2a + b) / 3`` of
    GRS 80 [Moritz2000]_), so distances and thresholds are in kilometres
    (pass ``radius=3958.7613`` for statute miles). This is the haversine
    distance [Sinnott1984]_ ``d = 2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2
    sin²(Δλ/2)))``. GeoDa [Anselin2006]_ computes its "arc distance" with
    the same haversine formula on ``R = 6371.0`` km and offers it in
    kilometres or miles (``GenGeomAlgs.cpp`` in its source); PySAL's
    ``radius=`` option is arc distance too (default 6371.0 km). Neighbour
    sets do not
    depend on the radius, and values differ from theirs by the factor
    ``6371.0088 / 6371.0`` (1.4e-6) unless ``radius=6371.0`` is passed. The
    sphere is an approximation: on the WGS 84 ellipsoid, distances differ
    from the geodesic by up to about 0.5 %.

    Computation: each point becomes a 3-D unit vector ``(cos φ cos λ,
    cos φ sin λ, sin φ)`` and the k-d tree searches the chord (straight-line)
    distance ``c`` between them. ``c = 2 sin(d / 2R)`` grows with the arc
    distance ``d``, so the nearest points by chord are the nearest by arc and
    a band ``d <= t`` is the chord band ``c <= 2 sin(t / 2R)``: both exact,
    with no special case at the antimeridian or the poles. Arc distances are
    then ``d = 2 R asin(c / 2)``, the haversine distance written with the
    chord (equal to it up to rounding, about 1e-12 relative).

References
----------
.. [Rey2010] Rey, S. J. and Anselin, L. (2010). PySAL: A Python library of
   spatial analytical methods. In *Handbook of Applied Spatial Analysis*,
   Springer, 175-193.
.. [Getis2009] Getis, A. (2009). Spatial weights matrices. *Geographical
   Analysis* 41(4), 404-410.
.. [Moritz2000] Moritz, H. (2000). Geodetic Reference System 1980. *Journal
   of Geodesy* 74(1), 128-133.
.. [Sinnott1984] Sinnott, R. W. (1984). Virtues of the haversine. *Sky and
   Telescope* 68(2), 159.
.. [Anselin2006] Anselin, L., Syabri, I. and Kho, Y. (2006). GeoDa: an
   introduction to spatial data analysis. *Geographical Analysis* 38(1),
   5-22.
"""
import numpy as np
from scipy.spatial import cKDTree

from .errors import InputDataError, WeightsError, check_choice
from .weights import Weights, from_neighbor_pairs

__all__ = [
    "EARTH_RADIUS_KM",
    "knn_weights",
    "distance_band_weights",
    "min_threshold_distance",
    "attach_islands",
    "check_lonlat",
]

#: Mean Earth radius in km, ``R1 = (2a + b) / 3`` of GRS 80 [Moritz2000]_.
EARTH_RADIUS_KM = 6371.0088

_METRICS = ("euclidean", "arc")


def _as_points(points, n=None):
    """Validate an (n, 2) array of finite coordinates."""
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputDataError(
            f"points must be an (n, 2) array of x, y coordinates, got shape {pts.shape}"
        )
    if n is not None and len(pts) != n:
        raise WeightsError(
            f"the weights describe {n} regions but {len(pts)} points were given"
        )
    bad = np.flatnonzero(~np.isfinite(pts).all(axis=1))
    if len(bad):
        shown = ", ".join(str(i) for i in bad[:10]) + (", ..." if len(bad) > 10 else "")
        raise InputDataError(
            f"{len(bad)} region(s) have no valid point (empty geometry?): "
            f"positions {shown}"
        )
    return np.ascontiguousarray(pts)


def _shown(items, limit=10):
    items = [str(x) for x in items]
    return ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")


def check_lonlat(points, ids=None):
    """Validate longitude/latitude points in degrees.

    Parameters
    ----------
    points : (n, 2) array_like
        ``(lon, lat)`` in degrees.
    ids : (n,) sequence, optional
        Region ids, to name the regions outside the range (positions
        otherwise).

    Returns
    -------
    (n, 2) ndarray of float
        The points.

    Raises
    ------
    InputDataError
        Points are not (n, 2) or not finite, or some lie outside
        ``[-180, 180] x [-90, 90]``; the message gives the extent of the
        points and names the first regions outside, since such coordinates
        are nearly always projected ones (a wrong CRS).

    Examples
    --------
    >>> check_lonlat([[116.4, 39.9], [-0.13, 51.5]]).shape
    (2, 2)
    >>> check_lonlat([[500000.0, 4649776.0], [10.0, 45.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regional_resilience.core.errors.InputDataError: The points span longitude 10 to 500000 and latitude 45 to 4.64978e+06, ...
    """
    pts = _as_points(points)
    lon, lat = pts[:, 0], pts[:, 1]
    bad = np.flatnonzero((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if len(bad):
        if ids is None:
            which, regions = "positions", _shown(bad)
        else:
            ids = list(ids)
            which, regions = "ids", _shown([ids[i] for i in bad])
        raise InputDataError.coded(
            "not_lonlat",
            "The points span longitude {lon_min:g} to {lon_max:g} and latitude "
            "{lat_min:g} to {lat_max:g}, but longitude and latitude in degrees lie "
            "within [-180, 180] and [-90, 90]; {n_outside} of {n} regions are "
            "outside (" + which + " {regions}). This is probably a wrong CRS: the "
            "coordinates look projected, so use Euclidean distances, or set the "
            "layer's CRS to the one its coordinates are in.",
            lon_min=float(lon.min()), lon_max=float(lon.max()),
            lat_min=float(lat.min()), lat_max=float(lat.max()),
            n_outside=len(bad), n=len(pts), regions=regions,
        )
    return pts


def _check_metric(metric, radius):
    """The metric in lower case and the radius as a float (for ``"arc"``)."""
    metric = check_choice(metric, _METRICS, "distance metric")
    if metric == "arc":
        try:
            radius = float(radius)
        except (TypeError, ValueError):
            raise ValueError(f"radius must be a number, got {radius!r}") from None
        if not np.isfinite(radius) or radius <= 0:
            raise ValueError(f"radius must be a finite length > 0, got {radius}")
    return metric, radius


def _search_points(points, metric, n=None):
    """Points for the k-d tree: the (x, y) points themselves, or for
    ``"arc"`` the 3-D unit vectors of the (lon, lat) points."""
    pts = _as_points(points, n)
    if metric == "euclidean":
        return pts
    check_lonlat(pts)
    lon = np.radians(pts[:, 0])
    lat = np.radians(pts[:, 1])
    c = np.cos(lat)
    return np.ascontiguousarray(np.column_stack([c * np.cos(lon), c * np.sin(lon), np.sin(lat)]))


def _chord_to_arc(chord, radius):
    """Great-circle distance on a sphere of ``radius`` from the chord
    between unit vectors."""
    return 2.0 * radius * np.arcsin(np.minimum(0.5 * np.asarray(chord, dtype=float), 1.0))


def _arc_to_chord(arc, radius):
    """Chord between unit vectors at great-circle distance ``arc`` (capped at
    the diameter 2 for ``arc >= pi * radius``)."""
    return 2.0 * np.sin(min(arc / (2.0 * radius), np.pi / 2))


def _meta_metric(w, metric, radius):
    if metric == "arc":
        w.meta.update({"metric": "arc", "radius": radius})


def _check_k(k, n):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if k >= n:
        raise WeightsError(
            f"k = {k} nearest neighbours requested but there are only {n} regions "
            f"(k must be at most {n - 1})"
        )
    return int(k)


def _sqdist(pts, i, j):
    """Squared distances of pairs, with one fixed formula (symmetric in i, j).

    Points are 2-D, or 3-D unit vectors for arc distance (squared chords).
    """
    d = pts[i] - pts[j]
    out = d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1]
    if pts.shape[1] == 3:
        out = out + d[..., 2] * d[..., 2]
    return out


def _k_nearest(tree, pts, rows, k):
    """The ``k`` nearest other points of every point in ``rows``.

    Order: increasing distance, then increasing position, so ties (also at
    the k-th distance) go to the lower position. Returns (k * len(rows),)
    arrays ``(i, j)`` and the number of rows with a tie at the k-th place.
    """
    n = len(pts)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    kq = min(k + 2, n)  # self + k + one more to see a tie at the k-th place
    _, idx = tree.query(pts[rows], k=kq)
    idx = idx.reshape(len(rows), kq).astype(np.int64)
    not_self = idx != rows[:, None]
    # With many coincident points the tree may not return the row itself:
    # then drop the farthest candidate to keep kq - 1 per row.
    no_self = not_self.all(axis=1)
    not_self[no_self, -1] = False
    cand = idx[not_self].reshape(len(rows), kq - 1)
    d2 = _sqdist(pts, rows[:, None], cand)
    order = np.lexsort((cand, d2), axis=-1)
    cand = np.take_along_axis(cand, order, axis=1)
    d2 = np.take_along_axis(d2, order, axis=1)
    nbrs = cand[:, :k].copy()
    tied = np.zeros(0, np.int64)
    if kq - 1 > k:
        tied = np.flatnonzero(d2[:, k - 1] == d2[:, k])
        if len(tied):
            # Every point at the k-th distance competes; lower position wins.
            radius = np.sqrt(d2[tied, k - 1]) * (1 + 1e-9) + 1e-300
            balls = tree.query_ball_point(pts[rows[tied]], radius)
            for t, r, ball in zip(tied, rows[tied], balls):
                ball = np.asarray([b for b in ball if b != r], dtype=np.int64)
                bd = _sqdist(pts, r, ball)
                pick = np.lexsort((ball, bd))[:k]
                nbrs[t] = ball[pick]
    return np.repeat(rows, k), nbrs.ravel(), len(tied)


def knn_weights(points, k, metric="euclidean", radius=EARTH_RADIUS_KM):
    """k-nearest-neighbour weights.

    Parameters
    ----------
    points : (n, 2) array_like
        Region representative points (e.g. centroids): projected ``(x, y)``
        for ``metric="euclidean"``, ``(lon, lat)`` in degrees for ``"arc"``.
    k : int
        Number of neighbours of every region, ``1 <= k < n``.
    metric : {"euclidean", "arc"}, optional
        Straight-line distance in map units (default) or great-circle
        distance on a sphere (see the module notes).
    radius : float, optional
        Sphere radius for ``"arc"``, default :data:`EARTH_RADIUS_KM`.

    Returns
    -------
    Weights
        Binary, generally *not* symmetric (use ``.symmetrize()``); ``kind``
        ``"knn"``, ``meta`` with ``k`` and ``n_tied`` (regions whose k-th
        neighbour was chosen among equally distant points), and for
        ``"arc"`` also ``metric`` and ``radius``.

    Raises
    ------
    InputDataError
        Points are not (n, 2) or not finite (positions named); for ``"arc"``,
        points outside ``[-180, 180] x [-90, 90]`` (see :func:`check_lonlat`);
        an unknown ``metric``.
    WeightsError
        ``k >= n``.
    ValueError
        ``k`` is not a positive integer, ``radius`` not a length > 0.

    Notes
    -----
    Same neighbour sets as PySAL's ``KNN`` [Rey2010]_ when there are no ties.
    Ties are broken deterministically: candidates are ordered by distance
    and then by position, so among points at the k-th distance the ones
    earlier in the input win (PySAL keeps whatever its k-d tree returns
    first). A region's own position is never its neighbour; another region
    at the same location is (at distance 0). With ``"arc"``, ties are
    judged on the computed chords, so arc distances equal only up to
    rounding may count as distinct.

    Examples
    --------
    >>> pts = [[0, 0], [1, 0], [3, 0], [6, 0]]
    >>> knn_weights(pts, 1).neighbor_sets()
    [{1}, {0}, {1}, {2}]

    Across the antimeridian, longitude 179.5 is 1 degree from -179.5:

    >>> lonlat = [[179.5, 0], [-179.5, 0], [178.0, 0]]
    >>> knn_weights(lonlat, 1, metric="arc").neighbor_sets()
    [{1}, {0}, {0}]
    >>> knn_weights(lonlat, 1).neighbor_sets()
    [{2}, {2}, {0}]
    """
    metric, radius = _check_metric(metric, radius)
    pts = _search_points(points, metric)
    n = len(pts)
    k = _check_k(k, n)
    tree = cKDTree(pts)
    i, j, ties = _k_nearest(tree, pts, np.arange(n), k)
    w = from_neighbor_pairs(n, i, j, kind="knn")
    w.meta.update({"k": k, "n_tied": int(ties)})
    _meta_metric(w, metric, radius)
    return w


def min_threshold_distance(points, metric="euclidean", radius=EARTH_RADIUS_KM):
    """Smallest distance band in which every region has a neighbour.

    Parameters
    ----------
    points : (n, 2) array_like, n >= 2
        Projected ``(x, y)``, or ``(lon, lat)`` in degrees for ``"arc"``.
    metric : {"euclidean", "arc"}, optional
        As in :func:`knn_weights`.
    radius : float, optional
        Sphere radius for ``"arc"``, default :data:`EARTH_RADIUS_KM`.

    Returns
    -------
    float
        The largest nearest-neighbour distance, as PySAL's
        ``min_threshold_distance`` [Rey2010]_: in map units, or for
        ``"arc"`` in the unit of ``radius`` (km by default). Computed with
        the same formula :func:`distance_band_weights` uses, so a band of
        exactly this value leaves no island.

    Examples
    --------
    >>> min_threshold_distance([[0, 0], [1, 0], [3, 0]])
    2.0

    Two degrees along the equator, in km:

    >>> round(min_threshold_distance([[0, 0], [1, 0], [3, 0]], metric="arc"), 3)
    222.39
    """
    metric, radius = _check_metric(metric, radius)
    pts = _search_points(points, metric)
    if len(pts) < 2:
        raise WeightsError("a distance band needs at least 2 regions")
    tree = cKDTree(pts)
    i, j, _ = _k_nearest(tree, pts, np.arange(len(pts)), 1)
    if metric == "arc":
        return float(_chord_to_arc(np.sqrt(_sqdist(pts, i, j).max()), radius))
    return float(np.sqrt(_sqdist(pts, i, j).max()))


def distance_band_weights(points, threshold, binary=True, alpha=-1.0,
                          metric="euclidean", radius=EARTH_RADIUS_KM):
    """Distance-band weights: neighbours within ``threshold``.

    Parameters
    ----------
    points : (n, 2) array_like
        Region representative points: projected ``(x, y)``, or
        ``(lon, lat)`` in degrees for ``metric="arc"``.
    threshold : float
        Maximum distance (inclusive), ``>= 0``: in map units, or for
        ``"arc"`` in the unit of ``radius`` (km by default). See
        :func:`min_threshold_distance` for the smallest band without islands.
    binary : bool, optional
        True (default): weight 1. False: weight ``d ** alpha``.
    alpha : float, optional
        Distance-decay exponent for ``binary=False`` (default -1, inverse
        distance; -2 is the gravity form).
    metric : {"euclidean", "arc"}, optional
        As in :func:`knn_weights`.
    radius : float, optional
        Sphere radius for ``"arc"``, default :data:`EARTH_RADIUS_KM`.

    Returns
    -------
    Weights
        Symmetric; ``transform`` ``"B"`` or ``"V"``, ``kind`` ``"distance"``,
        ``meta`` with ``threshold``, ``binary`` and ``alpha`` (and for
        ``"arc"`` ``metric`` and ``radius``). Regions with no other region
        within the band are islands. With ``binary=False`` the values are
        ``d ** alpha`` with ``d`` in map units or, for ``"arc"``, in km
        (``alpha=1`` stores the distances themselves, e.g. for a ``.gwt``).

    Raises
    ------
    InputDataError
        Points not (n, 2) or not finite; for ``"arc"``, outside
        ``[-180, 180] x [-90, 90]`` (see :func:`check_lonlat`).
    WeightsError
        ``binary=False`` with ``alpha < 0`` and two regions at the same
        location (their weight would be infinite); the positions are named.
    ValueError
        ``threshold`` negative or not finite, ``radius`` not a length > 0.

    Notes
    -----
    Same neighbours and values as PySAL's ``DistanceBand`` [Rey2010]_ for
    distinct points: pair ``(i, j)``, ``i != j``, is in the band when
    ``d_ij <= threshold``. PySAL silently leaves regions at the *same*
    location out of each other's neighbours (a zero distance is not stored
    in its sparse matrix); here they are neighbours in the binary band, and
    with ``binary=False`` they are an error for ``alpha < 0``.

    Examples
    --------
    >>> w = distance_band_weights([[0, 0], [1, 0], [3, 0]], 1.5)
    >>> w.neighbor_sets()
    [{1}, {0}, set()]
    >>> distance_band_weights([[0, 0], [2, 0]], 3, binary=False).weights.tolist()
    [0.5, 0.5]

    A 150 km band along the equator (1 degree is about 111.2 km):

    >>> w = distance_band_weights([[0, 0], [1, 0], [3, 0]], 150, metric="arc")
    >>> w.neighbor_sets()
    [{1}, {0}, set()]
    >>> w1 = distance_band_weights([[0, 0], [1, 0]], 150, binary=False, alpha=1,
    ...                            metric="arc")
    >>> w1.weights.round(3).tolist()
    [111.195, 111.195]
    """
    metric, radius = _check_metric(metric, radius)
    pts = _search_points(points, metric)
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number, got {threshold!r}") from None
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite distance >= 0, got {threshold}")
    alpha = float(alpha)
    n = len(pts)
    tree = cKDTree(pts)
    # Slightly wider search, then the exact test with our own formula.
    search = threshold if metric == "euclidean" else _arc_to_chord(threshold, radius)
    pairs = tree.query_pairs(search * (1 + 1e-9) + 1e-300, output_type="ndarray")
    i, j = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    d = np.sqrt(_sqdist(pts, i, j))
    if metric == "arc":
        d = _chord_to_arc(d, radius)
    keep = d <= threshold
    i, j, d = i[keep], j[keep], d[keep]
    if binary:
        w = from_neighbor_pairs(n, np.r_[i, j], np.r_[j, i], kind="distance")
    else:
        if alpha < 0 and np.any(d == 0):
            k = np.flatnonzero(d == 0)[0]
            raise WeightsError(
                f"regions at positions {i[k]} and {j[k]} are at the same location, "
                f"so the inverse-distance weight d**{alpha:g} is infinite; use "
                "binary weights or move one of the points"
            )
        with np.errstate(divide="ignore"):
            v = d**alpha
        w = from_neighbor_pairs(n, np.r_[i, j], np.r_[j, i], np.r_[v, v], kind="distance")
        w = Weights(w.indptr, w.indices, w.weights, "V", w.kind, w.meta)
    w.meta.update({"threshold": threshold, "binary": bool(binary), "alpha": alpha})
    _meta_metric(w, metric, radius)
    return w


def attach_islands(w, points, k=1, metric="euclidean", radius=EARTH_RADIUS_KM):
    """Give every island its ``k`` nearest regions as neighbours, both ways.

    Parameters
    ----------
    w : Weights
        Weights with transform ``"B"`` or ``"R"`` (e.g. contiguity, where an
        offshore region such as Hainan has no neighbour).
    points : (n, 2) array_like
        Representative points of the same ``n`` regions (e.g. centroids):
        projected ``(x, y)``, or ``(lon, lat)`` in degrees for ``"arc"``.
    k : int, optional
        Number of nearest regions to join to each island (default 1).
    metric : {"euclidean", "arc"}, optional
        How "nearest" is measured, as in :func:`knn_weights`.
    radius : float, optional
        Sphere radius for ``"arc"`` (it does not change which regions are
        nearest), default :data:`EARTH_RADIUS_KM`.

    Returns
    -------
    Weights
        The neighbours of ``w`` plus the links ``island <-> nearest``; binary
        for binary input, row-standardised again for ``"R"`` input. ``kind``
        as ``w``; ``meta["attached_islands"]`` maps each island position to
        the list of positions it was joined to (empty dict when there were no
        islands) and ``meta["attach_k"]`` is ``k``; for ``"arc"`` also
        ``meta["attach_metric"]`` is ``"arc"``.

    Raises
    ------
    WeightsError
        ``w`` holds raw values (transform ``"V"``), ``k >= n``, or the points
        do not match ``w``.
    InputDataError
        Points not finite, or for ``"arc"`` outside ``[-180, 180] x [-90, 90]``.

    Notes
    -----
    Nearest is by Euclidean or great-circle distance between the points,
    ties to the lower position (as in :func:`knn_weights`); the nearest
    regions may themselves
    be islands. Islands are all found in ``w`` first, so attaching one
    island does not change which others are islands.

    Examples
    --------
    >>> from .weights import from_neighbor_pairs
    >>> w = from_neighbor_pairs(3, [0, 1], [1, 0])
    >>> w2 = attach_islands(w, [[0, 0], [1, 0], [5, 0]])
    >>> w2.neighbor_sets(), w2.meta["attached_islands"]
    ([{1}, {0, 2}, {1}], {2: [1]})

    On the sphere, longitude 179 is nearest to -178 across the antimeridian:

    >>> w3 = attach_islands(w, [[-178, 0], [-177, 0], [179, 0]], metric="arc")
    >>> w3.meta["attached_islands"]
    {2: [0]}
    """
    if w.transform == "V":
        raise WeightsError(
            "islands can only be attached to binary or row-standardised weights; "
            "attach them before computing weight values"
        )
    metric, radius = _check_metric(metric, radius)
    pts = _search_points(points, metric, w.n)
    n = w.n
    k = _check_k(k, n)
    islands = w.islands
    attached = {}
    if len(islands):
        tree = cKDTree(pts)
        i, j, _ = _k_nearest(tree, pts, islands, k)
        links = from_neighbor_pairs(n, np.r_[i, j], np.r_[j, i], kind=w.kind)
        out = w.binary().union(links)
        out = Weights(out.indptr, out.indices, out.weights, "B", w.kind, dict(w.meta))
        attached = {int(a): j[i == a].tolist() for a in islands}
    else:
        out = w.binary()
    if w.transform == "R":
        out = out.row_standardized()
    out.meta.update({"attached_islands": attached, "attach_k": k})
    if metric == "arc":
        out.meta["attach_metric"] = "arc"
    return out
