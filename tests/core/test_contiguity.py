"""Queen/rook contiguity and higher orders, checked by hand and against libpysal."""
from tests.references import reference
import itertools
import time

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from regional_resilience.core import contiguity as contiguity_module
from regional_resilience.core.contiguity import contiguity_weights, higher_order
from regional_resilience.core.errors import Canceled
from regional_resilience.core.geometry import PolygonSet, parse_wkb_polygons
from regional_resilience.core.weights import from_neighbor_pairs
from tests.core._wkb_helpers import (
    dense_grid,
    grid_wkb,
    jittered_grid,
    libpysal_example_wkb,
    multipolygon_wkb,
    neighbor_sets_from_libpysal,
    polygon_wkb,
    square,
    voronoi_rings,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected"),
]

libpysal_weights = reference("libpysal.weights")

EXAMPLES = ["columbus.shp", "sids2.shp", "mexicojoin.shp", "us48.shp"]
RULES = {"queen": "Queen", "rook": "Rook"}


def _grid(nrows=3, ncols=3):
    return parse_wkb_polygons(grid_wkb(nrows, ncols))


def _assert_symmetric_binary(w):
    m = w.sparse()
    assert (m != m.T).nnz == 0
    assert w.transform == "B" and np.all(w.weights == 1)
    assert not np.any(w.indices == np.repeat(np.arange(w.n), w.cardinalities))
    for i in range(w.n):
        row = w.indices[w.indptr[i] : w.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)


# -- hand-checkable ---------------------------------------------------------------


def test_3x3_grid_queen():
    w = contiguity_weights(_grid(), "queen")
    # positions: 6 7 8 / 3 4 5 / 0 1 2
    assert w.neighbor_sets()[4] == {0, 1, 2, 3, 5, 6, 7, 8}
    assert w.neighbor_sets()[0] == {1, 3, 4}
    assert w.neighbor_sets()[1] == {0, 2, 3, 4, 5}
    assert_array_equal(w.cardinalities, [3, 5, 3, 5, 8, 5, 3, 5, 3])
    assert w.kind == "queen"
    assert w.meta["rule"] == "queen" and w.meta["tolerance"] == 0.0
    assert w.meta["n_points"] == 16
    _assert_symmetric_binary(w)


def test_3x3_grid_rook():
    w = contiguity_weights(_grid(), "rook")
    assert w.neighbor_sets()[4] == {1, 3, 5, 7}
    assert w.neighbor_sets()[0] == {1, 3}
    assert w.neighbor_sets()[8] == {5, 7}
    assert_array_equal(w.cardinalities, [2, 3, 2, 3, 4, 3, 2, 3, 2])
    assert w.kind == "rook"
    _assert_symmetric_binary(w)


def test_rule_is_case_insensitive_and_validated():
    ps = _grid()
    assert contiguity_weights(ps, "QUEEN").kind == "queen"
    with pytest.raises(ValueError, match="'queen' or 'rook'"):
        contiguity_weights(ps, "bishop")
    with pytest.raises(ValueError, match=">= 0"):
        contiguity_weights(ps, "queen", tolerance=-1)
    with pytest.raises(ValueError, match=">= 0"):
        contiguity_weights(ps, "queen", tolerance=np.nan)
    with pytest.raises(ValueError, match="number"):
        contiguity_weights(ps, "queen", tolerance="a lot")


def test_corner_touch_is_queen_not_rook():
    ps = parse_wkb_polygons([polygon_wkb([square(0, 0)]), polygon_wkb([square(1, 1)])])
    assert contiguity_weights(ps, "queen").neighbor_sets() == [{1}, {0}]
    assert contiguity_weights(ps, "rook").neighbor_sets() == [set(), set()]


def test_vertex_on_an_edge_is_not_shared():
    # A 2x1 block whose top edge runs from (0, 1) to (2, 1) without a vertex at
    # (1, 1); two unit squares sit on it. As in libpysal, only shared vertices
    # count: each small square shares one corner (queen), no edge (rook).
    block = np.array([[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]], dtype=float)
    geoms = [polygon_wkb([block]), polygon_wkb([square(0, 1)]), polygon_wkb([square(1, 1)])]
    ps = parse_wkb_polygons(geoms)
    assert contiguity_weights(ps, "queen").neighbor_sets() == [{1, 2}, {0, 2}, {0, 1}]
    assert contiguity_weights(ps, "rook").neighbor_sets() == [set(), {2}, {1}]


def test_orientation_and_start_vertex_do_not_matter():
    a = square(0, 0)
    b = square(1, 0, ccw=False)
    b = np.vstack([b[2:-1], b[:3]])  # starts at another corner, still closed
    ps = parse_wkb_polygons([polygon_wkb([a]), polygon_wkb([b])])
    assert contiguity_weights(ps, "rook").neighbor_sets() == [{1}, {0}]


def test_repeated_vertices_and_signed_zero():
    a = np.array([[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    b = np.array([[-0.0, 1], [1, 1], [1, 2], [0, 2], [-0.0, 1]], dtype=float)
    ps = parse_wkb_polygons([polygon_wkb([a]), polygon_wkb([b])])
    assert contiguity_weights(ps, "rook").neighbor_sets() == [{1}, {0}]


@pytest.mark.parametrize("flip", [False, True])
def test_zero_length_edges_are_not_shared(flip):
    # Both squares repeat their common corner (1, 1): each has a zero-length
    # edge there, which must not make them rook neighbours.
    a = np.array([[0, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0]], dtype=float)
    b = np.array([[1, 1], [1, 1], [2, 1], [2, 2], [1, 2], [1, 1]], dtype=float)
    rings = [a[::-1], b] if flip else [a, b[::-1]]
    for order in (rings, rings[::-1]):
        ps = parse_wkb_polygons([polygon_wkb([r]) for r in order])
        assert contiguity_weights(ps, "queen").neighbor_sets() == [{1}, {0}]
        assert contiguity_weights(ps, "rook").neighbor_sets() == [set(), set()]


def test_unclosed_ring_is_closed():
    a = square(0, 0)[:-1]  # (0,0) (1,0) (1,1) (0,1): edge (0,1)-(0,0) implied
    b = square(-1, 0)
    ps = parse_wkb_polygons([polygon_wkb([a]), polygon_wkb([b])])
    assert contiguity_weights(ps, "rook").neighbor_sets() == [{1}, {0}]


def test_multipart_feature():
    # feature 0 has a part left of feature 1 and a part right of feature 2;
    # its two parts also touch each other, which must not make it its own
    # neighbour.
    f0 = multipolygon_wkb([[square(0, 0)], [square(5, 0)], [square(6, 0)]])
    f1 = polygon_wkb([square(1, 0)])
    f2 = polygon_wkb([square(4, 0)])
    f3 = polygon_wkb([square(10, 0)])
    ps = parse_wkb_polygons([f0, f1, f2, f3])
    for rule in ("queen", "rook"):
        w = contiguity_weights(ps, rule)
        assert w.neighbor_sets() == [{1, 2}, {0}, {0}, set()]
        assert_array_equal(w.islands, [3])


def test_polygon_in_a_hole():
    donut = polygon_wkb([square(0, 0, 3), square(1, 1, 1, ccw=False)])
    core = polygon_wkb([square(1, 1, 1)])
    ps = parse_wkb_polygons([donut, core])
    for rule in ("queen", "rook"):
        assert contiguity_weights(ps, rule).neighbor_sets() == [{1}, {0}]


def test_polygon_in_a_hole_matches_libpysal():
    from libpysal.cg import Polygon

    outer = [tuple(p) for p in square(0, 0, 3)[::-1]]
    hole = [tuple(p) for p in square(1, 1, 1)]
    core = [tuple(p) for p in square(1, 1, 1)[::-1]]
    right = [tuple(p) for p in square(3, 0, 3)[::-1]]
    polys = [Polygon(outer, holes=hole), Polygon(core), Polygon(right)]
    ps = parse_wkb_polygons(
        [
            polygon_wkb([np.array(outer), np.array(hole)]),
            polygon_wkb([np.array(core)]),
            polygon_wkb([np.array(right)]),
        ]
    )
    for rule, cls in RULES.items():
        ref = getattr(libpysal_weights, cls)(polys)
        assert contiguity_weights(ps, rule).neighbor_sets() == neighbor_sets_from_libpysal(ref)


def test_island_and_empty_geometry():
    geoms = grid_wkb(2, 2) + [polygon_wkb([square(10, 10)]), None]
    ps = parse_wkb_polygons(geoms)
    for rule in ("queen", "rook"):
        w = contiguity_weights(ps, rule)
        assert w.n == 6
        assert_array_equal(w.islands, [4, 5])


def test_no_polygons():
    ps = parse_wkb_polygons([None, None])
    for rule in ("queen", "rook"):
        w = contiguity_weights(ps, rule, tolerance=0.5)
        assert w.n == 2 and w.nnz == 0


# -- against libpysal ---------------------------------------------------------------


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request):
    polys, wkbs = libpysal_example_wkb(request.param)
    return polys, parse_wkb_polygons(wkbs)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_matches_libpysal_on_example_data(example, rule):
    polys, ps = example
    ref = getattr(libpysal_weights, RULES[rule])(polys)
    w = contiguity_weights(ps, rule)
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)
    _assert_symmetric_binary(w)
    # a tiny tolerance changes nothing on clean data
    assert contiguity_weights(ps, rule, tolerance=1e-9).neighbor_sets() == w.neighbor_sets()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_matches_libpysal_on_generated_voronoi_tessellation(rule):
    from libpysal.cg import Polygon

    rings = voronoi_rings(1500, seed=3)
    ps = parse_wkb_polygons([polygon_wkb([r]) for r in rings])
    polys = [Polygon([tuple(p) for p in r]) for r in rings]
    ref = getattr(libpysal_weights, RULES[rule])(polys)
    w = contiguity_weights(ps, rule)
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)
    assert 5.5 < w.cardinalities.mean() < 6.5


@pytest.mark.parametrize("rule", sorted(RULES))
def test_matches_libpysal_lattice(rule):
    w = contiguity_weights(_grid(7, 5), rule)
    ref = libpysal_weights.lat2W(7, 5, rook=(rule == "rook"))
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)


@pytest.mark.parametrize("max_rounds", [16, 2])
def test_hash_collisions_take_more_rounds(monkeypatch, max_rounds):
    # With a zero multiplier the hash only sees y: the points of a grid row
    # all collide. Each hash round settles one point per row (five rounds
    # here); with a round limit of 2 the rest is sorted instead.
    monkeypatch.setattr(contiguity_module, "_K1", np.uint64(0))
    monkeypatch.setattr(contiguity_module, "_MAX_ROUNDS", max_rounds)
    for rule in ("queen", "rook"):
        w = contiguity_weights(_grid(4, 4), rule)
        ref = libpysal_weights.lat2W(4, 4, rook=(rule == "rook"))
        assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)
        assert w.meta["n_points"] == 25


@pytest.mark.parametrize("rule", sorted(RULES))
def test_tiny_chunks_match_libpysal(monkeypatch, rule):
    # chunk boundaries fall inside rings and between a ring and its closing repeat
    monkeypatch.setattr(contiguity_module, "_CHUNK", 7)
    polys, wkbs = libpysal_example_wkb("columbus.shp")
    ref = getattr(libpysal_weights, RULES[rule])(polys)
    w = contiguity_weights(parse_wkb_polygons(wkbs), rule)
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)


def _fan(k, start_at_centre=True):
    """k triangles around the origin; every ring starts (and closes) at the origin."""
    ang = np.linspace(0, 2 * np.pi, k + 1)
    rim = np.column_stack([np.cos(ang), np.sin(ang)]).round(12)
    rim[-1] = rim[0]
    rings = []
    for t in range(k):
        ring = np.array([[0.0, 0.0], rim[t], rim[t + 1], [0.0, 0.0]])
        if not start_at_centre:
            ring = np.vstack([ring[1:-1], ring[:2]])  # starts at a rim vertex
        rings.append(ring)
    return parse_wkb_polygons([polygon_wkb([r]) for r in rings])


@pytest.mark.parametrize("k", [3, 4, 8])
@pytest.mark.parametrize("start_at_centre", [True, False])
def test_fan_of_triangles_around_one_point(k, start_at_centre):
    # one point shared by k features (a group of k real vertices plus k closing
    # repeats when the rings start there); rook neighbours are the fan's cycle
    ps = _fan(k, start_at_centre)
    queen = [set(range(k)) - {t} for t in range(k)]
    rook = [{(t - 1) % k, (t + 1) % k} for t in range(k)]
    assert contiguity_weights(ps, "queen").neighbor_sets() == queen
    assert contiguity_weights(ps, "rook").neighbor_sets() == rook
    assert contiguity_weights(ps, "rook", tolerance=1e-9).neighbor_sets() == rook


def test_group_pairs_every_group_size():
    # _group_pairs must give every pair of members exactly once, whatever the
    # group sizes (1 to 7) and whichever member represents the group
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 8, 300)
    items = rng.permutation(int(sizes.sum()))
    groups = np.split(items, np.cumsum(sizes)[:-1])
    g = np.empty(len(items), dtype=np.int32)
    member = rng.random(len(items)) < 0.8
    for grp in groups:
        g[grp] = grp[rng.integers(len(grp))]
        member[g[grp[0]]] = True  # representatives are members
    i, j = contiguity_module._group_pairs(g, member)
    got = sorted((min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist()))
    want = sorted(
        (min(a, b), max(a, b))
        for grp in groups
        for a, b in itertools.combinations(grp[member[grp]].tolist(), 2)
    )
    assert got == want
    assert contiguity_module._group_pairs(g, member, limit=len(want) - 1) is None
    assert len(contiguity_module._group_pairs(g, member, limit=len(want))[0]) == len(want)


# -- tolerance ------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_tolerance_reconnects_ajittered_grid(rule):
    ps = jittered_grid(6, 5, jitter=0.01)
    exact = contiguity_weights(ps, rule)
    assert len(exact.islands) == 30  # no vertex matches exactly
    # copies of a corner are at most 2 * sqrt(2) * 0.01 apart
    w = contiguity_weights(ps, rule, tolerance=0.03)
    ref = contiguity_weights(_grid(6, 5), rule)
    assert w.neighbor_sets() == ref.neighbor_sets()
    assert w.meta["tolerance"] == 0.03 and w.meta["n_close_pairs"] > 0
    _assert_symmetric_binary(w)


def _brute_force(ps, rule, tol):
    """The documented tolerance rule, written out pair by pair."""
    rings = [
        (ps.ring_polygon[k], ps.coords[ps.ring_offsets[k] : ps.ring_offsets[k + 1]])
        for k in range(ps.n_rings)
    ]

    def near(p, q):
        return np.hypot(*(p - q)) <= tol

    verts = {i: [] for i in range(ps.n)}
    edges = {i: [] for i in range(ps.n)}
    for f, ring in rings:
        verts[f].extend(ring)
        closed = ring if np.all(ring[0] == ring[-1]) else np.vstack([ring, ring[:1]])
        for a, b in zip(closed[:-1], closed[1:]):
            if not np.all(a == b):
                edges[f].append((a, b))
    out = [set() for _ in range(ps.n)]
    for i, j in itertools.combinations(range(ps.n), 2):
        if rule == "queen":
            hit = any(near(p, q) for p in verts[i] for q in verts[j])
        else:
            hit = any(
                (near(a1, b1) and near(a2, b2)) or (near(a1, b2) and near(a2, b1))
                for a1, a2 in edges[i]
                for b1, b2 in edges[j]
            )
        if hit:
            out[i].add(j)
            out[j].add(i)
    return out


@pytest.mark.parametrize("rule", ["queen", "rook"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tolerance_rule_equals_brute_force(rule, seed):
    # random jitter about the size of the tolerance: some corners match,
    # some do not, some edges match at one end only
    ps = jittered_grid(4, 4, jitter=0.02, seed=seed)
    tol = 0.025
    w = contiguity_weights(ps, rule, tolerance=tol)
    assert w.neighbor_sets() == _brute_force(ps, rule, tol)
    assert contiguity_weights(ps, rule).neighbor_sets() == _brute_force(ps, rule, 0.0)


def _point_set(xy):
    """Every point a one-vertex ring of its own feature."""
    n = len(xy)
    return PolygonSet(
        np.ascontiguousarray(xy, dtype=float), np.arange(n + 1), np.arange(n),
        np.ones(n, dtype=bool), np.ones(n, dtype=np.int64), n,
    )


@pytest.mark.parametrize("search", ["grid", "tree"])
@pytest.mark.parametrize("seed", [0, 1])
def test_close_point_pairs_equal_brute_force(monkeypatch, search, seed):
    # Points crowd around the corners of the grid cells (and some repeat
    # exactly), so that many close pairs straddle a cell side or corner.
    if search == "tree":
        monkeypatch.setattr(contiguity_module, "_grid_pairs", lambda vt, tol: None)
    rng = np.random.default_rng(seed)
    tol = 0.1
    side = contiguity_module._CELL * tol
    corners = rng.integers(-3, 4, (600, 2)) * side
    xy = corners + rng.uniform(-1.5 * tol, 1.5 * tol, corners.shape)
    # the lowest point sets the grid's origin: cell corners at multiples of side
    low = [[-4 * side, -4 * side], [0.0, 0.0], [-0.0, 0.0]]
    xy = np.vstack([low, xy, xy[:50], rng.uniform(-10, 10, (600, 2))])
    vt = contiguity_module._Vertices(_point_set(xy))
    p, q = contiguity_module._close_point_pairs(vt, tol)
    got = sorted(zip(np.minimum(p, q).tolist(), np.maximum(p, q).tolist()))
    pid = vt.pid
    ids = np.flatnonzero(pid == np.arange(len(pid)))
    a, b = np.triu_indices(len(ids), 1)
    a, b = ids[a], ids[b]
    near = contiguity_module._within(vt.coords, a, b, tol)
    want = sorted(zip(a[near].tolist(), b[near].tolist()))
    assert len(want) > 300 and got == want


def test_tolerance_is_not_transitive():
    # Three long triangles whose tips are at x = 0, 0.6 and 1.2: with
    # tolerance 0.7 the middle one touches both others, but the outer two
    # (tips 1.2 apart) stay apart although a chain of close vertices links
    # them -- single-linkage snapping would join them.
    a = np.array([[0, 0], [-5, -1], [-5, 1], [0, 0]], dtype=float)
    b = np.array([[0.6, 0], [1.6, 5], [-0.4, 5], [0.6, 0]])
    c = np.array([[1.2, 0], [6.2, 1], [6.2, -1], [1.2, 0]])
    ps = parse_wkb_polygons([polygon_wkb([r]) for r in (a, b, c)])
    w = contiguity_weights(ps, "queen", tolerance=0.7)
    assert w.neighbor_sets() == [{1}, {0, 2}, {1}]
    assert contiguity_weights(ps, "queen", tolerance=0.5).nnz == 0


def test_tolerance_longer_than_the_edges_is_refused():
    ps = _grid()
    with pytest.raises(ValueError, match="typical distance between consecutive"):
        contiguity_weights(ps, "queen", tolerance=1.5)
    assert contiguity_weights(ps, "queen", tolerance=1.0).n == 9  # median edge = 1


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_tolerance_on_example_data_keeps_exact_pairs(example, rule):
    _, ps = example
    exact = contiguity_weights(ps, rule)
    loose = contiguity_weights(ps, rule, tolerance=1e-3)
    assert exact.union(loose).neighbor_sets() == loose.neighbor_sets()


# -- progress and cancel ---------------------------------------------------------------


def test_progress_and_cancel():
    seen = []
    contiguity_weights(_grid(), "rook", progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(Canceled):
        contiguity_weights(_grid(), "queen", is_canceled=lambda: True)


# -- higher order -------------------------------------------------------------------------


def test_higher_order_chain_by_hand():
    chain = from_neighbor_pairs(5, [0, 1, 1, 2, 2, 3, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3])
    assert higher_order(chain, 2, cumulative=False).neighbor_sets() == [
        {2}, {3}, {0, 4}, {1}, {2}
    ]
    assert higher_order(chain, 2).neighbor_sets()[0] == {1, 2}
    assert higher_order(chain, 4, cumulative=False).neighbor_sets()[0] == {4}
    assert higher_order(chain, 9, cumulative=False).nnz == 0
    assert higher_order(chain, 9).neighbor_sets()[0] == {1, 2, 3, 4}
    h = higher_order(chain, 1)
    assert h.neighbor_sets() == chain.neighbor_sets()
    assert h.meta["order"] == 1 and h.meta["cumulative"] is True


def test_higher_order_grid_by_hand():
    w = contiguity_weights(_grid(5, 5), "rook")
    h2 = higher_order(w, 2, cumulative=False)
    # centre (12): the diamond at distance 2
    assert h2.neighbor_sets()[12] == {2, 6, 8, 10, 14, 16, 18, 22}
    ring2 = {2, 6, 7, 8, 10, 11, 13, 14, 16, 17, 18, 22}
    assert higher_order(w, 2).neighbor_sets()[12] == ring2


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("cumulative", [True, False])
def test_higher_order_matches_libpysal(example, order, cumulative):
    polys, ps = example
    ref_w = libpysal_weights.Queen(polys)
    ref = libpysal_weights.higher_order(
        ref_w, order, lower_order=cumulative, silence_warnings=True
    )
    h = higher_order(contiguity_weights(ps, "queen"), order, cumulative=cumulative)
    assert h.neighbor_sets() == [set(ref.neighbors.get(i, [])) for i in range(ps.n)]


def test_higher_order_validates_order():
    w = contiguity_weights(_grid(), "rook")
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="order"):
            higher_order(w, bad)


# -- speed -----------------------------------------------------------------------------------


def test_speed_100k_polygons_of_25_vertices():
    ps = dense_grid(250, 400)
    times = {}
    for rule in ("queen", "rook"):
        best = np.inf
        for _ in range(2):
            t0 = time.perf_counter()
            w = contiguity_weights(ps, rule)
            best = min(best, time.perf_counter() - t0)
        times[rule] = best
        inner = (w.cardinalities == (8 if rule == "queen" else 4)).sum()
        assert inner == 248 * 398
    # about 0.15 s (queen) and 0.2 s (rook) on the 2-core reference machine;
    # the bound leaves room for a busy machine.
    assert times["queen"] < 2.5 and times["rook"] < 3.0, times
