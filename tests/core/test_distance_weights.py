"""k-nearest neighbours, distance bands and island attachment."""
from tests.references import reference
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.contiguity import contiguity_weights
from regional_resilience.core.distance_weights import (
    attach_islands,
    distance_band_weights,
    knn_weights,
    min_threshold_distance,
)
from regional_resilience.core.errors import InputDataError, WeightsError
from regional_resilience.core.geometry import parse_wkb_polygons, polygon_centroids
from regional_resilience.core.weights import Weights, from_neighbor_pairs
from tests.core._wkb_helpers import (
    grid_wkb,
    libpysal_example_wkb,
    neighbor_sets_from_libpysal,
    polygon_wkb,
    square,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected"),
    pytest.mark.filterwarnings("ignore:divide by zero encountered"),
]

libpysal_weights = reference("libpysal.weights")

EXAMPLES = ["columbus.shp", "sids2.shp", "mexicojoin.shp", "us48.shp"]


@pytest.fixture(scope="module", params=EXAMPLES)
def centroids(request):
    _, wkbs = libpysal_example_wkb(request.param)
    return polygon_centroids(parse_wkb_polygons(wkbs))


def _grid_points(nrows=3, ncols=3):
    r, c = np.divmod(np.arange(nrows * ncols), ncols)
    return np.column_stack([c, r]).astype(float)


def _libpysal_values(ref):
    """Weights of a libpysal W in our row order (rows sorted by neighbour)."""
    out = []
    for i in range(ref.n):
        nb = np.asarray(ref.neighbors[i])
        out.append(np.asarray(ref.weights[i])[np.argsort(nb)])
    return np.concatenate(out)


# -- knn -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 4, 8])
def test_knn_matches_libpysal(centroids, k):
    w = knn_weights(centroids, k)
    ref = libpysal_weights.KNN(centroids, k=k)
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)
    assert_array_equal(w.cardinalities, k)
    assert w.kind == "knn" and w.transform == "B"
    assert w.meta == {"k": k, "n_tied": 0}


def test_knn_by_hand():
    pts = [[0, 0], [1, 0], [3, 0], [6, 0], [10, 0]]
    assert knn_weights(pts, 1).neighbor_sets() == [{1}, {0}, {1}, {2}, {3}]
    # point 2 (x=3) has 0 and 3 both at distance 3: the lower position wins
    assert knn_weights(pts, 2).neighbor_sets() == [{1, 2}, {0, 2}, {0, 1}, {2, 4}, {2, 3}]


def test_knn_ties_go_to_the_lower_position():
    pts = _grid_points()  # 6 7 8 / 3 4 5 / 0 1 2, spacing 1
    w2 = knn_weights(pts, 2)
    assert w2.neighbor_sets()[4] == {1, 3}  # four at distance 1
    assert w2.neighbor_sets()[0] == {1, 3}
    assert w2.neighbor_sets()[8] == {5, 7}
    w5 = knn_weights(pts, 5)
    assert w5.neighbor_sets()[4] == {0, 1, 3, 5, 7}  # plus the lowest diagonal
    assert w5.meta["n_tied"] > 0
    # the same points in another order: the choice follows the positions
    perm = np.array([8, 7, 6, 5, 4, 3, 2, 1, 0])
    w2p = knn_weights(pts[perm], 2)
    assert w2p.neighbor_sets()[4] == {1, 3}  # positions 1, 3 are now points 7, 5


def test_knn_coincident_points_are_neighbours():
    pts = [[0, 0], [0, 0], [0, 0], [5, 0]]
    w = knn_weights(pts, 1)
    assert w.neighbor_sets() == [{1}, {0}, {0}, {0}]
    w2 = knn_weights(pts, 2)
    assert w2.neighbor_sets() == [{1, 2}, {0, 2}, {0, 1}, {0, 1}]


def test_knn_errors():
    pts = _grid_points()
    with pytest.raises(WeightsError, match="at most 8"):
        knn_weights(pts, 9)
    for bad in (0, -2, 1.5, True, "3"):
        with pytest.raises(ValueError, match="k must be an integer"):
            knn_weights(pts, bad)
    bad_pts = pts.copy()
    bad_pts[[2, 5]] = np.nan
    with pytest.raises(InputDataError, match="positions 2, 5"):
        knn_weights(bad_pts, 2)
    with pytest.raises(InputDataError, match="shape"):
        knn_weights(np.zeros((4, 3)), 1)


def test_knn_all_other_points():
    pts = _grid_points(2, 2)
    w = knn_weights(pts, 3)
    assert w.neighbor_sets() == [{1, 2, 3}, {0, 2, 3}, {0, 1, 3}, {0, 1, 2}]


def test_symmetrize_knn():
    pts = [[0, 0], [1, 0], [3, 0], [6, 0]]
    w = knn_weights(pts, 1)
    s = w.symmetrize()
    assert s.neighbor_sets() == [{1}, {0, 2}, {1, 3}, {2}]
    assert s.kind == "knn" and s.transform == "B"
    ref = libpysal_weights.KNN(np.asarray(pts, float), k=1).symmetrize()
    assert s.neighbor_sets() == [set(ref.neighbors[i]) for i in range(4)]


def test_union_of_weights():
    a = from_neighbor_pairs(3, [0, 1], [1, 0], kind="queen")
    b = from_neighbor_pairs(3, [1, 2], [2, 1], kind="knn")
    u = a.union(b)
    assert u.neighbor_sets() == [{1}, {0, 2}, {1}]
    assert u.kind == "queen+knn"
    with pytest.raises(WeightsError, match="3 and 2"):
        a.union(from_neighbor_pairs(2, [0], [1]))


# -- min threshold and distance band -------------------------------------------------


def test_min_threshold_distance_matches_libpysal(centroids):
    expected = libpysal_weights.util.min_threshold_distance(centroids)
    assert_allclose(min_threshold_distance(centroids), expected, rtol=1e-12)


def test_band_at_min_threshold_leaves_no_island(centroids):
    # (libpysal's DistanceBand at its own min_threshold_distance leaves
    # region 0 of mexicojoin an island: its k-d tree rounds the boundary pair
    # out. Here band and threshold share one distance formula.)
    t = min_threshold_distance(centroids)
    assert len(distance_band_weights(centroids, t).islands) == 0
    assert len(distance_band_weights(centroids, t * 0.999).islands) > 0


@pytest.mark.parametrize("factor", [1.2, 2.0])
@pytest.mark.parametrize(
    "binary,alpha", [(True, -1.0), (False, -1.0), (False, -2.0), (False, 0.5)]
)
def test_distance_band_matches_libpysal(centroids, factor, binary, alpha):
    threshold = factor * libpysal_weights.util.min_threshold_distance(centroids)
    w = distance_band_weights(centroids, threshold, binary=binary, alpha=alpha)
    ref = libpysal_weights.DistanceBand(
        centroids, threshold, binary=binary, alpha=alpha, silence_warnings=True
    )
    assert w.neighbor_sets() == neighbor_sets_from_libpysal(ref)
    assert_allclose(w.weights, _libpysal_values(ref), rtol=1e-12)
    assert w.kind == "distance"
    assert w.transform == ("B" if binary else "V")
    assert w.meta == {"threshold": threshold, "binary": binary, "alpha": alpha}
    m = w.sparse()
    assert abs(m - m.T).max() == 0


def test_distance_band_by_hand():
    pts = [[0, 0], [1, 0], [3, 0], [7, 0]]
    w = distance_band_weights(pts, 2.0)  # inclusive: 1 and 3 are 2 apart
    assert w.neighbor_sets() == [{1}, {0, 2}, {1}, set()]
    assert_array_equal(w.islands, [3])
    v = distance_band_weights(pts, 3.0, binary=False)
    assert_allclose(v.weights, [1, 1 / 3, 1, 1 / 2, 1 / 3, 1 / 2])
    g = distance_band_weights(pts, 3.0, binary=False, alpha=-2)
    assert_allclose(g.weights, [1, 1 / 9, 1, 1 / 4, 1 / 9, 1 / 4])


def test_distance_band_coincident_points():
    pts = [[0, 0], [0, 0], [5, 0]]
    assert distance_band_weights(pts, 1.0).neighbor_sets() == [{1}, {0}, set()]
    with pytest.raises(WeightsError, match="positions 0 and 1"):
        distance_band_weights(pts, 1.0, binary=False)


def test_distance_band_validation():
    pts = _grid_points()
    for bad in (-1, np.inf, np.nan):
        with pytest.raises(ValueError, match="threshold"):
            distance_band_weights(pts, bad)
    with pytest.raises(ValueError, match="number"):
        distance_band_weights(pts, "far")
    assert distance_band_weights(pts, 0).nnz == 0
    with pytest.raises(WeightsError, match="at least 2"):
        min_threshold_distance([[0, 0]])


# -- islands ----------------------------------------------------------------------------


def _grid_with_offshore_island():
    # a 3x3 "mainland" and a square off its right-hand side, nearest to cell 5
    geoms = grid_wkb(3, 3) + [polygon_wkb([square(3.5, 1.1, 0.8)])]
    ps = parse_wkb_polygons(geoms)
    return contiguity_weights(ps, "queen"), polygon_centroids(ps)


def test_attach_island_to_nearest():
    w, pts = _grid_with_offshore_island()
    assert_array_equal(w.islands, [9])
    a = attach_islands(w, pts)
    assert a.neighbor_sets()[9] == {5}
    assert 9 in a.neighbor_sets()[5]
    assert len(a.islands) == 0
    assert a.meta["attached_islands"] == {9: [5]}
    assert a.meta["attach_k"] == 1
    assert a.meta["rule"] == "queen" and a.kind == "queen" and a.transform == "B"
    m = a.sparse()
    assert (m != m.T).nnz == 0
    # everything else unchanged
    assert a.neighbor_sets()[:9] == [
        s | ({9} if i == 5 else set()) for i, s in enumerate(w.neighbor_sets()[:9])
    ]


def test_attach_islands_k2_and_row_standardised():
    w, pts = _grid_with_offshore_island()
    a = attach_islands(w.row_standardized(), pts, k=2)
    # centroid of the island (3.9, 1.5): cells 2 and 8 are equally far, so
    # the lower position wins
    assert a.neighbor_sets()[9] == {2, 5}
    assert a.transform == "R"
    sums = np.add.reduceat(a.weights, a.indptr[:-1])
    assert_allclose(sums, 1.0)


def test_attach_islands_no_islands_and_errors():
    ps = parse_wkb_polygons(grid_wkb(2, 2))
    w = contiguity_weights(ps, "rook")
    pts = polygon_centroids(ps)
    same = attach_islands(w, pts)
    assert same.neighbor_sets() == w.neighbor_sets()
    assert same.meta["attached_islands"] == {}
    with pytest.raises(WeightsError, match="4 regions but 3 points"):
        attach_islands(w, pts[:3])
    v = Weights(w.indptr, w.indices, w.weights * 2.5, "V", "distance")
    with pytest.raises(WeightsError, match="binary or row-standardised"):
        attach_islands(v, pts)
    with pytest.raises(WeightsError, match="at most 3"):
        attach_islands(w, pts, k=4)


def test_attach_islands_two_islands_may_join_each_other():
    w = from_neighbor_pairs(4, [0, 1], [1, 0])
    pts = [[0, 0], [1, 0], [10, 0], [11, 0]]
    a = attach_islands(w, pts)
    assert a.neighbor_sets() == [{1}, {0}, {3}, {2}]
    assert a.meta["attached_islands"] == {2: [3], 3: [2]}


def test_row_standardized_with_trailing_islands():
    w = from_neighbor_pairs(4, [0, 1], [1, 0])  # regions 2 and 3 are islands
    r = w.row_standardized()
    assert_allclose(r.weights, [1.0, 1.0])
    assert r.transform == "R"


def test_explicit_euclidean_metric_is_the_default(centroids):
    """``metric="euclidean"`` (any radius) gives the very same arrays as before."""
    for a, b in [
        (knn_weights(centroids, 4), knn_weights(centroids, 4, metric="euclidean", radius=1.0)),
        (
            distance_band_weights(centroids, min_threshold_distance(centroids), binary=False),
            distance_band_weights(
                centroids, min_threshold_distance(centroids, metric="euclidean"),
                binary=False, metric="Euclidean",
            ),
        ),
    ]:
        assert a.indptr.tobytes() == b.indptr.tobytes()
        assert a.indices.tobytes() == b.indices.tobytes()
        assert a.weights.tobytes() == b.weights.tobytes()
        assert a.meta == b.meta and "metric" not in b.meta
