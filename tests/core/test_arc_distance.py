"""Great-circle (arc) distance weights on (lon, lat) points.

References: a brute-force haversine on all pairs (written here, sharing no
code with the module), and libpysal's ``KNN`` / ``DistanceBand`` built with
``radius=`` (its arc-distance k-d tree).
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.distance_weights import (
    EARTH_RADIUS_KM,
    attach_islands,
    check_lonlat,
    distance_band_weights,
    knn_weights,
    min_threshold_distance,
)
from regional_resilience.core.errors import InputDataError, WeightsError
from regional_resilience.core.geometry import parse_wkb_polygons, polygon_centroids
from regional_resilience.core.weights import from_neighbor_pairs
from tests.core._wkb_helpers import libpysal_example_wkb, neighbor_sets_from_libpysal

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected"),
    pytest.mark.filterwarnings("ignore:divide by zero encountered"),
]

R = EARTH_RADIUS_KM
KM_PER_DEGREE = 2 * np.pi * R / 360  # along a great circle


# -- references -------------------------------------------------------------------


def haversine(lonlat, radius=R):
    """All-pairs great-circle distances (haversine), (n, n) in km."""
    lon, lat = np.radians(np.asarray(lonlat, dtype=float)).T
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def brute_knn(lonlat, k, ordered=False):
    """The k nearest of every point by haversine (sets, or lists nearest first)."""
    d = haversine(lonlat)
    np.fill_diagonal(d, np.inf)
    n = len(d)
    out = []
    for i in range(n):
        order = np.lexsort((np.arange(n), d[i]))[:k].tolist()
        out.append(order if ordered else set(order))
    return out


def brute_band(lonlat, threshold):
    d = haversine(lonlat)
    np.fill_diagonal(d, np.inf)
    return [set(np.flatnonzero(row <= threshold).tolist()) for row in d]


def random_lonlat(n, seed):
    """Uniform on the sphere, plus crowds near the antimeridian and the poles
    (and points exactly on them)."""
    rng = np.random.default_rng(seed)
    m = n // 4
    lon = rng.uniform(-180, 180, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    # near the antimeridian, on both sides
    lon[:m] = rng.choice([-1, 1], m) * rng.uniform(177, 180, m)
    lat[:m] = rng.uniform(-30, 30, m)
    # near the poles, all longitudes
    lat[m : 2 * m] = rng.choice([-1, 1], m) * rng.uniform(86, 90, m)
    pts = np.column_stack([lon, lat])
    pts[2 * m : 2 * m + 4] = [[180, 10], [-180, -10], [33, 90], [-120, -90]]
    return pts


def neighbours_by_row(w):
    return [set(s) for s in w.neighbor_sets()]


@pytest.fixture(scope="module", params=["sids2.shp", "mexicojoin.shp", "us48.shp"])
def lonlat_centroids(request):
    """Centroids of libpysal examples stored in longitude/latitude."""
    _, wkbs = libpysal_example_wkb(request.param)
    return polygon_centroids(parse_wkb_polygons(wkbs))


# -- knn ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_knn_arc_equals_brute_force_haversine(seed, k):
    pts = random_lonlat(400, seed)
    w = knn_weights(pts, k, metric="arc")
    assert neighbours_by_row(w) == brute_knn(pts, k)
    assert_array_equal(w.cardinalities, k)
    assert w.meta == {"k": k, "n_tied": 0, "metric": "arc", "radius": R}


@pytest.mark.parametrize("k", [1, 4, 9])
def test_knn_arc_equals_libpysal_knn_with_radius(k):
    import libpysal.weights

    pts = random_lonlat(300, 5)
    w = knn_weights(pts, k, metric="arc")
    ref = libpysal.weights.KNN(pts, k=k, radius=R)
    assert neighbours_by_row(w) == neighbor_sets_from_libpysal(ref)


@pytest.mark.parametrize("k", [1, 4])
def test_knn_arc_equals_libpysal_on_lonlat_examples(lonlat_centroids, k):
    import libpysal.weights

    w = knn_weights(lonlat_centroids, k, metric="arc")
    ref = libpysal.weights.KNN(lonlat_centroids, k=k, radius=R)
    assert neighbours_by_row(w) == neighbor_sets_from_libpysal(ref)
    assert neighbours_by_row(w) == brute_knn(lonlat_centroids, k)


def test_knn_arc_antimeridian_and_pole_by_hand():
    # 179.5 and -179.5 are 1 degree apart; 178 is 1.5 degrees from 179.5
    pts = [[179.5, 0], [-179.5, 0], [178.0, 0]]
    assert knn_weights(pts, 1, metric="arc").neighbor_sets() == [{1}, {0}, {0}]
    assert knn_weights(pts, 1).neighbor_sets() == [{2}, {2}, {0}]  # planar degrees
    # 0.1 degree from the pole: 90 degrees of longitude apart is 0.14 degree of arc,
    # much nearer than 4.9 degrees down the same meridian
    pole = [[0, 89.9], [180, 89.9], [90, 89.9], [0, 85]]
    assert knn_weights(pole, 1, metric="arc").neighbor_sets()[0] == {2}
    assert knn_weights(pole, 1).neighbor_sets()[0] == {3}


def test_knn_arc_radius_does_not_change_neighbours():
    pts = random_lonlat(200, 3)
    a = knn_weights(pts, 5, metric="arc")
    b = knn_weights(pts, 5, metric="arc", radius=1.0)
    assert a.neighbor_sets() == b.neighbor_sets()
    assert b.meta["radius"] == 1.0


def test_knn_arc_coincident_points_are_neighbours():
    # the same place twice, and lon 180 == lon -180
    pts = [[10, 10], [10, 10], [180, 0], [-180, 0], [50, 50]]
    w = knn_weights(pts, 1, metric="arc")
    assert w.neighbor_sets()[:4] == [{1}, {0}, {3}, {2}]


# -- distance band -----------------------------------------------------------------


@pytest.mark.parametrize("threshold", [300.0, 1000.0, 2500.0])
def test_band_arc_equals_brute_force_haversine(threshold):
    pts = random_lonlat(400, 7)
    w = distance_band_weights(pts, threshold, metric="arc")
    assert neighbours_by_row(w) == brute_band(pts, threshold)
    assert w.meta == {
        "threshold": threshold, "binary": True, "alpha": -1.0, "metric": "arc", "radius": R,
    }


@pytest.mark.parametrize("threshold", [300.0, 1500.0])
def test_band_arc_equals_libpysal_distance_band_with_radius(threshold):
    import libpysal.weights

    pts = random_lonlat(300, 11)
    w = distance_band_weights(pts, threshold, metric="arc")
    ref = libpysal.weights.DistanceBand(pts, threshold, radius=R, silence_warnings=True)
    assert neighbours_by_row(w) == neighbor_sets_from_libpysal(ref)

    for alpha in (-1.0, -2.0):
        wv = distance_band_weights(pts, threshold, binary=False, alpha=alpha, metric="arc")
        refv = libpysal.weights.DistanceBand(
            pts, threshold, binary=False, alpha=alpha, radius=R, silence_warnings=True
        )
        assert neighbours_by_row(wv) == neighbor_sets_from_libpysal(refv)
        # libpysal turns chords into arcs with acos(1 - c**2 / 2), which loses
        # digits for short pairs (about 1e-9 at 10 km); ours agree with the
        # haversine to 1e-10 (test_band_arc_values_are_kilometres)
        assert_allclose(wv.weights, _libpysal_values(refv), rtol=1e-7)


def test_band_arc_equals_libpysal_on_lonlat_examples(lonlat_centroids):
    import libpysal.weights

    t = min_threshold_distance(lonlat_centroids, metric="arc")
    w = distance_band_weights(lonlat_centroids, t * 1.5, binary=False, metric="arc")
    ref = libpysal.weights.DistanceBand(
        lonlat_centroids, t * 1.5, binary=False, radius=R, silence_warnings=True
    )
    assert neighbours_by_row(w) == neighbor_sets_from_libpysal(ref)
    assert_allclose(w.weights, _libpysal_values(ref), rtol=1e-7)


def _libpysal_values(ref):
    """Weights of a libpysal W in our row order (rows sorted by neighbour)."""
    out = []
    for i in range(ref.n):
        nb = np.asarray(ref.neighbors[i])
        out.append(np.asarray(ref.weights[i])[np.argsort(nb)])
    return np.concatenate(out)


def test_band_arc_values_are_kilometres():
    pts = random_lonlat(300, 13)
    w = distance_band_weights(pts, 2000.0, binary=False, alpha=1.0, metric="arc")
    d = haversine(pts)
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    assert_allclose(w.weights, d[rows, w.indices], rtol=1e-10)
    assert w.weights.max() <= 2000.0
    # by hand: one degree along the equator and along a meridian
    one = distance_band_weights([[0, 0], [1, 0], [1, 1]], 200, binary=False, alpha=1,
                                metric="arc")
    diagonal = np.arccos(np.cos(np.radians(1)) ** 2) * R  # spherical Pythagoras
    assert one.neighbor_sets() == [{1, 2}, {0, 2}, {0, 1}]
    assert_allclose(one.weights, [KM_PER_DEGREE, diagonal, KM_PER_DEGREE, KM_PER_DEGREE,
                                  diagonal, KM_PER_DEGREE])
    # across the antimeridian and over the pole
    across = distance_band_weights([[179.5, 0], [-179.5, 0]], 500, binary=False, alpha=1,
                                   metric="arc")
    assert_allclose(across.weights, KM_PER_DEGREE)
    over = distance_band_weights([[0, 89], [180, 89]], 500, binary=False, alpha=1,
                                 metric="arc")
    assert_allclose(over.weights, 2 * KM_PER_DEGREE)
    # inverse distance in 1/km, and another radius (miles)
    inv = distance_band_weights([[0, 0], [1, 0]], 200, binary=False, metric="arc")
    assert_allclose(inv.weights, 1 / KM_PER_DEGREE)
    mi = distance_band_weights([[0, 0], [1, 0]], 100, binary=False, alpha=1, metric="arc",
                               radius=3958.7613)
    assert_allclose(mi.weights, 2 * np.pi * 3958.7613 / 360)


def test_band_arc_threshold_in_km_not_degrees():
    pts = [[0, 0], [1, 0]]  # 111.2 km apart
    assert distance_band_weights(pts, 111.0, metric="arc").neighbor_sets() == [set(), set()]
    assert distance_band_weights(pts, 111.3, metric="arc").neighbor_sets() == [{1}, {0}]
    assert distance_band_weights(pts, 1.0).neighbor_sets() == [{1}, {0}]  # planar degrees


def test_band_arc_beyond_half_the_circumference_joins_everyone():
    pts = random_lonlat(50, 17)
    w = distance_band_weights(pts, 25000.0, metric="arc")  # > pi R = 20015 km
    assert_array_equal(w.cardinalities, 49)
    anti = distance_band_weights([[0, 0], [180, 0]], np.pi * R * (1 + 1e-12), metric="arc")
    assert anti.neighbor_sets() == [{1}, {0}]


def test_band_arc_coincident_points():
    pts = [[5, 5], [5, 5], [40, 40]]
    assert distance_band_weights(pts, 0, metric="arc").neighbor_sets() == [{1}, {0}, set()]
    with pytest.raises(WeightsError, match="positions 0 and 1"):
        distance_band_weights(pts, 10, binary=False, metric="arc")


# -- min threshold -----------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_min_threshold_arc_equals_brute_force(seed):
    pts = random_lonlat(400, seed)
    d = haversine(pts)
    np.fill_diagonal(d, np.inf)
    t = min_threshold_distance(pts, metric="arc")
    assert_allclose(t, d.min(axis=1).max(), rtol=1e-10)
    w = distance_band_weights(pts, t, metric="arc")
    assert len(w.islands) == 0  # exactly this band leaves no island
    # a hair less and the farthest-from-everyone region is alone
    assert len(distance_band_weights(pts, t * (1 - 1e-9), metric="arc").islands) >= 1


def test_min_threshold_arc_equals_libpysal_arc_tree(lonlat_centroids):
    import libpysal.cg

    kd = libpysal.cg.KDTree(lonlat_centroids, distance_metric="arc", radius=R)
    d, _ = kd.query(lonlat_centroids, k=2)
    ref = np.asarray(d)[:, 1].max()
    assert_allclose(min_threshold_distance(lonlat_centroids, metric="arc"), ref, rtol=1e-9)


def test_min_threshold_arc_by_hand():
    t = min_threshold_distance([[0, 0], [1, 0], [3, 0]], metric="arc")
    assert_allclose(t, 2 * KM_PER_DEGREE)
    assert_allclose(min_threshold_distance([[179, 0], [-179, 0]], metric="arc"),
                    2 * KM_PER_DEGREE)


# -- islands -----------------------------------------------------------------------


def test_attach_islands_arc_across_the_antimeridian():
    # 0 - 1 are neighbours; 2 (lon 179) is an island nearest to 0 (lon -178)
    w = from_neighbor_pairs(4, [0, 1], [1, 0])
    pts = [[-178, 0], [-177, 0], [179, 0], [170, 0]]
    arc = attach_islands(w, pts, metric="arc")
    assert arc.meta["attached_islands"] == {2: [0], 3: [2]}
    assert arc.meta["attach_metric"] == "arc"
    assert arc.neighbor_sets() == [{1, 2}, {0}, {0, 3}, {2}]
    planar = attach_islands(w, pts)
    assert planar.meta["attached_islands"] == {2: [3], 3: [2]}


@pytest.mark.parametrize("k", [1, 3])
def test_attach_islands_arc_equals_brute_force(k):
    pts = random_lonlat(200, 23)
    n = len(pts)
    # a ring of neighbours over half of the regions; the rest are islands
    half = np.arange(0, n, 2)
    w = from_neighbor_pairs(n, np.r_[half, np.roll(half, 1)], np.r_[np.roll(half, 1), half])
    out = attach_islands(w, pts, k=k, metric="arc")
    near = brute_knn(pts, k, ordered=True)  # nearest first, as in the meta
    assert len(w.islands) == n // 2
    assert out.meta["attached_islands"] == {int(i): near[i] for i in w.islands}
    for i in w.islands:
        assert set(near[i]) <= out.neighbor_sets()[i]


def test_attach_islands_arc_row_standardised():
    w = from_neighbor_pairs(3, [0, 1], [1, 0]).row_standardized()
    out = attach_islands(w, [[-178, 0], [-177, 0], [179, 0]], metric="arc")
    assert out.transform == "R"
    assert_allclose(out.sparse().sum(axis=1).A.ravel(), 1.0)


# -- coordinates and options -------------------------------------------------------


def test_check_lonlat_accepts_the_full_range():
    pts = [[-180, -90], [180, 90], [0, 0]]
    assert_array_equal(check_lonlat(pts), np.asarray(pts, dtype=float))


def test_check_lonlat_names_the_extent():
    projected = [[500000.0, 4649776.0], [10.0, 45.0], [-200.0, 10.0]]
    with pytest.raises(InputDataError) as err:
        check_lonlat(projected)
    msg = str(err.value)
    assert "longitude -200 to 500000" in msg
    assert "latitude 10 to 4.64978e+06" in msg
    assert "2 of 3 regions" in msg and "positions 0, 2" in msg
    assert "wrong CRS" in msg
    assert err.value.code == "not_lonlat"  # translatable: template + params
    assert err.value.params["lon_max"] == 500000.0 and err.value.params["n_outside"] == 2
    with pytest.raises(InputDataError, match="ids A, C"):
        check_lonlat(projected, ids=["A", "B", "C"])
    with pytest.raises(InputDataError, match="latitude -91 to 0"):
        check_lonlat([[0, -91], [0, 0]])


@pytest.mark.parametrize(
    "build",
    [
        lambda p: knn_weights(p, 1, metric="arc"),
        lambda p: distance_band_weights(p, 100, metric="arc"),
        lambda p: min_threshold_distance(p, metric="arc"),
        lambda p: attach_islands(from_neighbor_pairs(3, [0], [1]), p, metric="arc"),
    ],
)
def test_every_arc_builder_refuses_projected_coordinates(build):
    projected = [[431000.0, 4582000.0], [432000.0, 4583000.0], [450000.0, 4590000.0]]
    with pytest.raises(InputDataError, match="wrong CRS"):
        build(projected)
    build([[1, 1], [2, 2], [3, 3]])  # fine in degrees


def test_metric_and_radius_validation():
    pts = [[0, 0], [1, 0], [3, 0]]
    with pytest.raises(InputDataError, match="distance metric 'haversine'"):
        knn_weights(pts, 1, metric="haversine")
    assert knn_weights(pts, 1, metric="ARC").meta["metric"] == "arc"
    for bad in (0, -1, np.nan, np.inf, "x"):
        with pytest.raises(ValueError, match="radius"):
            distance_band_weights(pts, 1, metric="arc", radius=bad)
    # the radius is ignored by the Euclidean metric, as before
    assert knn_weights(pts, 1, radius=0).meta == {"k": 1, "n_tied": 0}
    with pytest.raises(InputDataError, match="no valid point"):
        knn_weights([[0, 0], [np.nan, 1], [2, 0]], 1, metric="arc")
