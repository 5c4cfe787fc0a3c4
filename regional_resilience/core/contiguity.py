"""Contiguity weights (queen and rook) from polygon rings, and higher orders.

Two features are *queen* neighbours when their boundaries share at least one
vertex and *rook* neighbours when they share at least one edge (two
consecutive ring vertices, in either direction) -- the definitions of
PySAL's ``Queen`` and ``Rook`` [Rey2010]_ [Anselin1988]_, which compare
vertex coordinates for exact equality.

Instead of PySAL's Python dictionary of vertices, every vertex is hashed and
sorted once in numpy, so equal points become runs of one sorted array; the
features met in each run are the vertex's sharers, and all pairs of them
are emitted at once. Rook does the same on the sorted keys of the
undirected edges. The cost is one or two sorts over all vertices: for
100,000 polygons of 25 vertices about 0.5 s (queen) and 0.7 s (rook) on a
2-core machine, where PySAL's ``Queen.from_dataframe`` takes about 9 s.

References
----------
.. [Anselin1988] Anselin, L. (1988). *Spatial Econometrics: Methods and
   Models*. Dordrecht: Kluwer, chapter 3.
.. [Rey2010] Rey, S. J. and Anselin, L. (2010). PySAL: A Python library of
   spatial analytical methods. In *Handbook of Applied Spatial Analysis*,
   Springer, 175-193.
"""
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from .errors import Canceled
from .weights import Weights

__all__ = ["contiguity_weights", "higher_order"]

_RULES = ("queen", "rook")
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_S32 = np.uint64(32)
_S29 = np.uint64(29)
# (edge, feature) pairs are packed into one int64 while below this bound.
_ONE_KEY_LIMIT = 2**62


def _check(is_canceled):
    if is_canceled is not None and is_canceled():
        raise Canceled()


def _report(progress, fraction):
    if progress is not None:
        progress(fraction)


def _counts_to_positions(starts, sizes):
    """Concatenated ``arange(s, s + k)`` for every (s, k) pair, vectorised."""
    total = int(sizes.sum())
    first = np.cumsum(sizes) - sizes
    return np.repeat(starts - first, sizes) + np.arange(total)


def _pairs_within_runs(values, run_starts, length):
    """All pairs ``(values[p], values[q])``, ``p < q`` in the same run.

    ``values`` is sorted so that each run (from ``run_starts[k]`` up to the
    next start, or ``length``) holds the items that share one key. Pairs of
    equal values are dropped; duplicates are left to the caller.
    """
    ends = np.empty_like(run_starts)
    ends[:-1] = run_starts[1:]
    if len(ends):
        ends[-1] = length
    sizes = ends - run_starts
    # Runs of two (most shared vertices and edges) need no expansion.
    s2 = run_starts[sizes == 2]
    a, b = values[s2], values[s2 + 1]
    big = sizes > 2
    if big.any():
        starts, ends, sizes = run_starts[big], ends[big], sizes[big]
        pos = _counts_to_positions(starts, sizes)  # every item of a big run
        after = np.repeat(ends, sizes) - pos - 1  # partners later in the run
        i = np.repeat(pos, after)
        j = i + 1 + _counts_to_positions(np.zeros(len(after), np.int64), after)
        a = np.concatenate([a, values[i]])
        b = np.concatenate([b, values[j]])
    keep = a != b
    return a[keep], b[keep]


def _symmetric_binary(n, a, b, kind, meta):
    """Binary symmetric Weights from undirected pairs (any order, repeats)."""
    lo = np.minimum(a, b).astype(np.int64)
    hi = np.maximum(a, b).astype(np.int64)
    codes = np.unique(lo * n + hi)
    lo, hi = codes // n, codes % n
    both = np.concatenate([lo * n + hi, hi * n + lo])
    both.sort()
    i, j = both // n, both % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    return Weights(indptr, j, np.ones(len(j)), "B", kind, meta)


class _Vertices:
    """Ring vertices without closing repeats, grouped into unique points.

    Attributes
    ----------
    poly : (v,) feature of every kept vertex, in ring order
    ring_offsets : (r + 1,) ring boundaries in the kept vertices
    order : (v,) permutation sorting the kept vertices by point
    new : (v,) bool, True where a new point starts in sorted order
    pid : (v,) point id of every kept vertex (ring order)
    first : (u,) one kept vertex of every point (point id order)
    """

    def __init__(self, ps):
        coords, offs = ps.coords, ps.ring_offsets
        lengths = np.diff(offs)
        starts, ends = offs[:-1], offs[1:] - 1
        closed = (lengths > 1) & np.all(coords[starts] == coords[ends], axis=1)
        keep = np.ones(len(coords), dtype=bool)
        keep[ends[closed]] = False
        kept_len = lengths - closed
        self.ring_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(kept_len, out=self.ring_offsets[1:])
        # + 0.0 turns -0.0 into 0.0 so that both hash alike (they compare equal).
        xy = coords[keep] + 0.0
        self.poly = np.repeat(ps.ring_polygon, kept_len)
        self.order, self.new = self._sort_points(xy)
        pid_sorted = np.cumsum(self.new) - 1
        self.pid = np.empty(len(xy), dtype=np.int64)
        self.pid[self.order] = pid_sorted
        self.first = self.order[self.new]  # one vertex of every point
        self.xy = xy
        self.n_points = len(self.first)

    def points(self):
        """(u, 2) coordinates of the distinct points, in point id order."""
        return self.xy[self.first]

    @staticmethod
    def _sort_points(xy):
        """Permutation putting equal (x, y) next to each other.

        Sorting one 64-bit hash of the coordinate bits is 3-4 times faster
        than ``np.lexsort((y, x))``; equality of the coordinates is then
        checked, and on the (astronomically rare) hash collision the exact
        lexicographic sort is used instead.
        """
        m = len(xy)
        if m == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        xy = np.ascontiguousarray(xy)
        bits = xy.view(np.uint64)
        h = bits[:, 0] * _K1
        h ^= bits[:, 1]
        h ^= h >> _S29
        h *= _K2
        h ^= h >> _S32
        order = np.argsort(h)
        hs = h[order]
        zs = xy.view(np.complex128).ravel()[order]  # x and y in one 16-byte item
        same_xy = zs[1:] == zs[:-1]
        if np.any((hs[1:] == hs[:-1]) & ~same_xy):
            order = np.lexsort((xy[:, 1], xy[:, 0]))
            zs = xy.view(np.complex128).ravel()[order]
            same_xy = zs[1:] == zs[:-1]
        new = np.empty(m, dtype=bool)
        new[0] = True
        new[1:] = ~same_xy
        return order, new

    def point_runs(self):
        """(features of the sorted vertices, start of every point's run)."""
        return self.poly[self.order], np.flatnonzero(self.new)

    def ring_neighbours(self):
        """(next, previous) kept vertex of every kept vertex in its ring.

        Rings wrap around: the last kept vertex is followed by the first.
        """
        m = len(self.pid)
        nxt = np.arange(1, m + 1)
        prv = np.arange(-1, m - 1)
        if m:
            nxt[self.ring_offsets[1:] - 1] = self.ring_offsets[:-1]
            prv[self.ring_offsets[:-1]] = self.ring_offsets[1:] - 1
        return nxt, prv

    def edges(self):
        """Undirected ring edges as point ids ``(u, v, feature)``, u != v."""
        nxt, _ = self.ring_neighbours()
        u, v = self.pid, self.pid[nxt]
        keep = u != v
        return u[keep], v[keep], self.poly[keep]


def _queen_exact(vt):
    polys, run_starts = vt.point_runs()
    return _pairs_within_runs(polys, run_starts, len(polys))


def _rook_exact(vt, u, v, poly, n):
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    n_pts, n = np.int64(vt.n_points), np.int64(max(n, 1))
    if int(n_pts) ** 2 * int(n) < _ONE_KEY_LIMIT:
        # One integer per (edge, feature): a plain sort, no argsort + gather.
        key = (lo * n_pts + hi) * n + poly
        key.sort()
        edge, polys = np.divmod(key, n)
    else:  # (edge) keys only, then gather the features
        key = lo * n_pts + hi
        order = np.argsort(key)
        edge, polys = key[order], poly[order]
    new = np.empty(len(edge), dtype=bool)
    if len(edge):
        new[0] = True
        new[1:] = edge[1:] != edge[:-1]
    return _pairs_within_runs(polys, np.flatnonzero(new), len(polys))


def _check_tolerance_scale(ps, tolerance):
    """Refuse a tolerance longer than the typical ring edge.

    Such a tolerance (often a unit mistake, e.g. metres on a layer in
    degrees) makes most vertices "shared" and the candidate pairs explode.
    """
    c = ps.coords
    if len(c) < 2:
        return
    # A regular sample of at most ~100,000 steps is plenty for a median.
    k = np.arange(0, len(c) - 1, max(1, (len(c) - 1) // 100_000))
    d = c[k + 1] - c[k]
    d2 = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]
    ring_end = np.zeros(len(c), dtype=bool)
    ring_end[ps.ring_offsets[1:] - 1] = True  # steps from one ring to the next
    d2 = d2[~ring_end[k] & (d2 > 0)]
    if len(d2) == 0:
        return
    typical = float(np.sqrt(np.median(d2)))
    if tolerance > typical:
        raise ValueError(
            f"tolerance {tolerance:g} is longer than the typical distance between "
            f"consecutive boundary vertices ({typical:g} map units); a snapping "
            "tolerance must be well below it (check the layer's units)"
        )


def _within(xy, i, j, tolerance):
    """Is vertex ``i`` within ``tolerance`` of vertex ``j``? (one fixed formula)"""
    x, y = xy[:, 0], xy[:, 1]
    dx = x[i] - x[j]
    dy = y[i] - y[j]
    return dx * dx + dy * dy <= tolerance * tolerance


def _close_point_pairs(vt, tolerance):
    """Pairs ``p < q`` of distinct points at distance <= tolerance.

    The k-d tree searches a hair wider; the decision is :func:`_within`'s,
    the same test the rook matching applies to second endpoints.
    """
    pts = vt.points()
    tree = cKDTree(pts, balanced_tree=False, compact_nodes=False)
    pairs = tree.query_pairs(tolerance * (1 + 1e-9), output_type="ndarray")
    p, q = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    keep = _within(pts, p, q, tolerance)
    return p[keep], q[keep]


def _product(starts_a, sizes_a, starts_b, sizes_b):
    """Index pairs of the Cartesian products of ranges ``a_k x b_k``."""
    tot = sizes_a * sizes_b
    k = np.repeat(np.arange(len(tot)), tot)
    off = _counts_to_positions(np.zeros(len(tot), np.int64), tot)
    nb = sizes_b[k]
    return starts_a[k] + off // nb, starts_b[k] + off % nb


def _vertex_pairs_of_close_points(vt, p, q):
    """Sorted-vertex positions ``(i, j)`` of all vertices at points p x q."""
    run_starts = np.flatnonzero(vt.new)
    sizes = np.diff(np.append(run_starts, len(vt.new)))
    return _product(run_starts[p], sizes[p], run_starts[q], sizes[q])


def _queen_tolerance(vt, p, q):
    i, j = _vertex_pairs_of_close_points(vt, p, q)
    polys = vt.poly[vt.order]
    a, b = polys[i], polys[j]
    keep = a != b
    return a[keep], b[keep]


def _rook_tolerance(vt, p, q, tolerance):
    """Edge pairs whose first endpoints are close (not equal) points.

    Every vertex starts two directed edges, to the next and to the previous
    vertex of its ring, so the edges at a point are found through the
    vertices of its run, without another sort. For each close pair of
    points ``(p, q)``, every edge leaving p (feature A) is tried against
    every edge leaving q (feature B != A); they match when their second
    endpoints are within tolerance (or equal). A match whose first
    endpoints are equal and second endpoints close is found the other way
    round, from the second endpoints; both exactly equal is the exact path.
    """
    i, j = _vertex_pairs_of_close_points(vt, p, q)
    i, j = vt.order[i], vt.order[j]  # kept-vertex indices
    a, b = vt.poly[i], vt.poly[j]
    keep = a != b
    i, j, a, b = i[keep], j[keep], a[keep], b[keep]
    nxt, prv = vt.ring_neighbours()
    pid, xy = vt.pid, vt.xy
    hit = np.zeros(len(i), dtype=bool)
    for ni in (nxt[i], prv[i]):
        real_i = pid[ni] != pid[i]  # not a zero-length edge
        for nj in (nxt[j], prv[j]):
            real = real_i & (pid[nj] != pid[j])
            hit |= real & _within(xy, ni, nj, tolerance)
    return a[hit], b[hit]


def contiguity_weights(ps, rule="queen", tolerance=0.0, progress=None, is_canceled=None):
    """Queen or rook contiguity weights of polygon features.

    Parameters
    ----------
    ps : PolygonSet
        Rings of the features, from :func:`~.geometry.parse_wkb_polygons`.
    rule : {"queen", "rook"}
        ``"queen"``: neighbours share at least one vertex. ``"rook"``:
        neighbours share at least one edge, i.e. two consecutive vertices
        of a ring of each feature (in either direction).
    tolerance : float, optional
        0 (default) compares coordinates exactly, as PySAL does. With
        ``tolerance > 0`` two vertices of different features at Euclidean
        distance ``<= tolerance`` count as one shared vertex (for slightly
        mismatched borders); the rule is pairwise, not transitive, so
        chains of close vertices do not merge. For rook, an edge ``(a1,
        a2)`` of one feature matches an edge ``(b1, b2)`` of another when
        ``a1 ~ b1`` and ``a2 ~ b2`` or ``a1 ~ b2`` and ``a2 ~ b1``, where
        ``~`` is "equal or within tolerance", tested in float64 as
        ``dx * dx + dy * dy <= tolerance ** 2``. Candidate pairs come from a
        ``scipy.spatial.cKDTree`` of the distinct vertices: on clean data
        this about doubles the run time, and up to about four times when
        no vertex matches exactly (the tree then holds twice as many
        points). The tolerance must not exceed the median distance between
        consecutive ring vertices (estimated on a sample). A vertex lying
        on another feature's edge, away from its vertices, is still not
        shared.
    progress : callable, optional
        Called with a fraction in [0, 1] after every phase.
    is_canceled : callable, optional
        Polled between phases; when it returns True :class:`Canceled` is
        raised.

    Returns
    -------
    Weights
        Binary, symmetric, rows sorted; ``kind`` is the rule and ``meta``
        holds ``rule``, ``tolerance``, ``n_points`` (distinct vertices) and,
        with a tolerance, ``n_close_pairs``. Features without rings and
        features touching nothing are islands.

    Raises
    ------
    ValueError
        Unknown ``rule``; a negative or non-finite ``tolerance``, or one
        longer than the median distance between consecutive ring vertices
        (a likely unit mistake that would make most vertices "shared").

    Notes
    -----
    Algorithm (exact path): drop the closing repeat of every ring; hash the
    bits of each ``(x, y)`` to one 64-bit key and ``argsort`` it, so equal
    vertices form runs (equality is verified, so a hash collision cannot
    create a false neighbour); every pair of different features inside a
    run is a queen pair. For rook, ring edges are written as sorted pairs of
    point ids, encoded as one integer, sorted, and pairs of features inside
    each run of equal edges are rook pairs. Pairs are de-duplicated and
    written in both directions.

    Vertices are compared exactly (bit for bit, with ``-0.0 == 0.0``), as in
    PySAL's ``Queen``/``Rook``. PySAL's rook also joins the last vertex of
    one ring to the first of the next ring of the same feature (it chains
    all rings of a shape into one vertex list); those artificial edges are
    not created here, and an unclosed ring is closed.

    Examples
    --------
    >>> import struct
    >>> def sq(x, y):
    ...     return struct.pack("<BIII10d", 1, 3, 1, 5, x, y, x + 1, y,
    ...                        x + 1, y + 1, x, y + 1, x, y)
    >>> from .geometry import parse_wkb_polygons
    >>> ps = parse_wkb_polygons([sq(0, 0), sq(1, 0), sq(1, 1)])
    >>> contiguity_weights(ps, "queen").neighbor_sets()
    [{1, 2}, {0, 2}, {0, 1}]
    >>> contiguity_weights(ps, "rook").neighbor_sets()
    [{1}, {0, 2}, {1}]
    """
    if not isinstance(rule, str) or rule.lower() not in _RULES:
        raise ValueError(f"unknown contiguity rule {rule!r}; use 'queen' or 'rook'")
    rule = rule.lower()
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError):
        raise ValueError(f"tolerance must be a number, got {tolerance!r}") from None
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance}")

    if tolerance > 0:
        _check_tolerance_scale(ps, tolerance)
    n = ps.n
    vt = _Vertices(ps)
    _check(is_canceled)
    _report(progress, 0.4)
    meta = {"rule": rule, "tolerance": tolerance, "n_points": int(vt.n_points)}
    if rule == "queen":
        a, b = _queen_exact(vt)
    else:
        u, v, poly = vt.edges()
        a, b = _rook_exact(vt, u, v, poly, n)
    _check(is_canceled)
    _report(progress, 0.7)
    if tolerance > 0 and vt.n_points > 1:
        p, q = _close_point_pairs(vt, tolerance)
        meta["n_close_pairs"] = int(len(p))
        if len(p):
            if rule == "queen":
                a2, b2 = _queen_tolerance(vt, p, q)
            else:
                a2, b2 = _rook_tolerance(vt, p, q, tolerance)
            a, b = np.concatenate([a, a2]), np.concatenate([b, b2])
        _check(is_canceled)
    elif tolerance > 0:
        meta["n_close_pairs"] = 0
    w = _symmetric_binary(n, a, b, rule, meta)
    _report(progress, 1.0)
    return w


def higher_order(w, order, cumulative=True):
    """Neighbours up to, or exactly at, ``order`` contiguity steps.

    Parameters
    ----------
    w : Weights
        First-order weights; only the neighbour structure is used (for
        asymmetric weights, steps follow the direction ``i -> j``).
    order : int
        Number of steps, >= 1.
    cumulative : bool, optional
        True (default): ``j`` is a neighbour of ``i`` when the shortest
        path from ``i`` to ``j`` has 1 to ``order`` steps -- as libpysal's
        ``higher_order(w, k, lower_order=True)``. False: exactly ``order``
        steps, i.e. order-``k`` neighbours that are not also of a lower
        order -- libpysal's default ``higher_order(w, k)``
        (``shortest_path=True``) [Anselin1996]_.

    Returns
    -------
    Weights
        Binary; ``kind`` as ``w`` and ``meta`` with ``order``,
        ``cumulative`` and ``base_kind``. A region is never its own
        neighbour.

    Notes
    -----
    Breadth-first search on sparse boolean matrices: the frontier at step
    ``s`` is ``(frontier_{s-1} @ W) > 0`` minus everything already reached
    (and the diagonal), so the work is proportional to the neighbours
    found, not to ``W ** order``.

    References
    ----------
    .. [Anselin1996] Anselin, L. and Smirnov, O. (1996). Efficient
       algorithms for constructing proper higher order spatial lag
       operators. *Journal of Regional Science* 36(1), 67-89.

    Examples
    --------
    >>> from .weights import from_neighbor_pairs
    >>> chain = from_neighbor_pairs(4, [0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2])
    >>> higher_order(chain, 2, cumulative=False).neighbor_sets()
    [{2}, {3}, {0}, {1}]
    >>> higher_order(chain, 2).neighbor_sets()[0]
    {1, 2}
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    n = w.n
    a = sparse.csr_matrix(
        (np.ones(w.nnz, dtype=np.int32), w.indices, w.indptr), shape=(n, n)
    )
    reached = (a + sparse.identity(n, dtype=np.int32, format="csr")).tocsr()
    reached.data[:] = 1
    frontier = a
    for _ in range(1, int(order)):
        if frontier.nnz == 0:
            break
        step = (frontier @ a).tocsr()
        step.data[:] = 1
        step = (step - step.multiply(reached)).tocsr()  # not reached before
        step.eliminate_zeros()
        reached = (reached + step).tocsr()
        frontier = step
    # from_sparse drops the diagonal that ``reached`` starts with.
    result = reached if cumulative else frontier
    meta = dict(w.meta)
    meta.update({"order": int(order), "cumulative": bool(cumulative), "base_kind": w.kind})
    return Weights.from_sparse(result, w.kind, "B", meta)
