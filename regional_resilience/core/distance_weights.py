"""Distance-based weights on points (e.g. polygon centroids).

k-nearest neighbours, distance bands (binary or inverse-distance), the
smallest band that leaves no region alone, and the attachment of islands to
their nearest regions. Distances are Euclidean in map units (project
geographic coordinates first); neighbour search uses
``scipy.spatial.cKDTree``. The definitions are those of PySAL's ``KNN``,
``DistanceBand`` and ``min_threshold_distance`` [Rey2010]_
[Getis2009]_.

References
----------
.. [Rey2010] Rey, S. J. and Anselin, L. (2010). PySAL: A Python library of
   spatial analytical methods. In *Handbook of Applied Spatial Analysis*,
   Springer, 175-193.
.. [Getis2009] Getis, A. (2009). Spatial weights matrices. *Geographical
   Analysis* 41(4), 404-410.
"""
import numpy as np
from scipy.spatial import cKDTree

from .errors import InputDataError, WeightsError
from .weights import Weights, from_neighbor_pairs

__all__ = [
    "knn_weights",
    "distance_band_weights",
    "min_threshold_distance",
    "attach_islands",
]


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
    """Squared distances of pairs, with one fixed formula (symmetric in i, j)."""
    d = pts[i] - pts[j]
    return d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1]


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


def knn_weights(points, k):
    """k-nearest-neighbour weights.

    Parameters
    ----------
    points : (n, 2) array_like
        Region representative points (e.g. centroids), projected coordinates.
    k : int
        Number of neighbours of every region, ``1 <= k < n``.

    Returns
    -------
    Weights
        Binary, generally *not* symmetric (use ``.symmetrize()``); ``kind``
        ``"knn"``, ``meta`` with ``k`` and ``n_tied`` (regions whose k-th
        neighbour was chosen among equally distant points).

    Raises
    ------
    InputDataError
        Points are not (n, 2) or not finite (positions named).
    WeightsError
        ``k >= n``.
    ValueError
        ``k`` is not a positive integer.

    Notes
    -----
    Same neighbour sets as PySAL's ``KNN`` [Rey2010]_ when there are no ties.
    Ties are broken deterministically: candidates are ordered by distance
    and then by position, so among points at the k-th distance the ones
    earlier in the input win (PySAL keeps whatever its k-d tree returns
    first). A region's own position is never its neighbour; another region
    at the same location is (at distance 0).

    Examples
    --------
    >>> pts = [[0, 0], [1, 0], [3, 0], [6, 0]]
    >>> knn_weights(pts, 1).neighbor_sets()
    [{1}, {0}, {1}, {2}]
    """
    pts = _as_points(points)
    n = len(pts)
    k = _check_k(k, n)
    tree = cKDTree(pts)
    i, j, ties = _k_nearest(tree, pts, np.arange(n), k)
    w = from_neighbor_pairs(n, i, j, kind="knn")
    w.meta.update({"k": k, "n_tied": int(ties)})
    return w


def min_threshold_distance(points):
    """Smallest distance band in which every region has a neighbour.

    Parameters
    ----------
    points : (n, 2) array_like, n >= 2

    Returns
    -------
    float
        The largest nearest-neighbour distance, as PySAL's
        ``min_threshold_distance`` [Rey2010]_. Computed with the same
        formula :func:`distance_band_weights` uses, so a band of exactly
        this value leaves no island.

    Examples
    --------
    >>> min_threshold_distance([[0, 0], [1, 0], [3, 0]])
    2.0
    """
    pts = _as_points(points)
    if len(pts) < 2:
        raise WeightsError("a distance band needs at least 2 regions")
    tree = cKDTree(pts)
    i, j, _ = _k_nearest(tree, pts, np.arange(len(pts)), 1)
    return float(np.sqrt(_sqdist(pts, i, j).max()))


def distance_band_weights(points, threshold, binary=True, alpha=-1.0):
    """Distance-band weights: neighbours within ``threshold``.

    Parameters
    ----------
    points : (n, 2) array_like
        Region representative points, projected coordinates.
    threshold : float
        Maximum distance (inclusive) in map units, ``>= 0``. See
        :func:`min_threshold_distance` for the smallest band without islands.
    binary : bool, optional
        True (default): weight 1. False: weight ``d ** alpha``.
    alpha : float, optional
        Distance-decay exponent for ``binary=False`` (default -1, inverse
        distance; -2 is the gravity form).

    Returns
    -------
    Weights
        Symmetric; ``transform`` ``"B"`` or ``"V"``, ``kind`` ``"distance"``,
        ``meta`` with ``threshold``, ``binary`` and ``alpha``. Regions with no
        other region within the band are islands.

    Raises
    ------
    InputDataError
        Points not (n, 2) or not finite.
    WeightsError
        ``binary=False`` with ``alpha < 0`` and two regions at the same
        location (their weight would be infinite); the positions are named.
    ValueError
        ``threshold`` negative or not finite.

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
    """
    pts = _as_points(points)
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
    pairs = tree.query_pairs(threshold * (1 + 1e-9) + 1e-300, output_type="ndarray")
    i, j = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    d = np.sqrt(_sqdist(pts, i, j))
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
    return w


def attach_islands(w, points, k=1):
    """Give every island its ``k`` nearest regions as neighbours, both ways.

    Parameters
    ----------
    w : Weights
        Weights with transform ``"B"`` or ``"R"`` (e.g. contiguity, where an
        offshore region such as Hainan has no neighbour).
    points : (n, 2) array_like
        Representative points of the same ``n`` regions (e.g. centroids).
    k : int, optional
        Number of nearest regions to join to each island (default 1).

    Returns
    -------
    Weights
        The neighbours of ``w`` plus the links ``island <-> nearest``; binary
        for binary input, row-standardised again for ``"R"`` input. ``kind``
        as ``w``; ``meta["attached_islands"]`` maps each island position to
        the list of positions it was joined to (empty dict when there were no
        islands) and ``meta["attach_k"]`` is ``k``.

    Raises
    ------
    WeightsError
        ``w`` holds raw values (transform ``"V"``), ``k >= n``, or the points
        do not match ``w``.

    Notes
    -----
    Nearest is by Euclidean distance between the points, ties to the lower
    position (as in :func:`knn_weights`); the nearest regions may themselves
    be islands. Islands are all found in ``w`` first, so attaching one
    island does not change which others are islands.

    Examples
    --------
    >>> from .weights import from_neighbor_pairs
    >>> w = from_neighbor_pairs(3, [0, 1], [1, 0])
    >>> w2 = attach_islands(w, [[0, 0], [1, 0], [5, 0]])
    >>> w2.neighbor_sets(), w2.meta["attached_islands"]
    ([{1}, {0, 2}, {1}], {2: [1]})
    """
    if w.transform == "V":
        raise WeightsError(
            "islands can only be attached to binary or row-standardised weights; "
            "attach them before computing weight values"
        )
    pts = _as_points(points, w.n)
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
    return out
