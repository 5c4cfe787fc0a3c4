"""WKB polygon parsing, areas and centroids (no QGIS, no GDAL)."""
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.geometry import (
    PolygonSet,
    parse_wkb_polygons,
    polygon_areas,
    polygon_centroids,
)
from tests.core._wkb_helpers import (
    libpysal_example_wkb,
    multipolygon_wkb,
    polygon_wkb,
    square,
)

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

EXAMPLES = ["columbus.shp", "sids2.shp", "mexicojoin.shp", "us48.shp"]


def _point_wkb(x, y, order="<"):
    return struct.pack(order + "BIdd", 1 if order == "<" else 0, 1, x, y)


# -- structure --------------------------------------------------------------


def test_single_square_structure():
    ps = parse_wkb_polygons([polygon_wkb([square(0, 0, 2)])])
    assert isinstance(ps, PolygonSet)
    assert ps.n == 1 and ps.n_rings == 1
    assert ps.coords.dtype == np.float64 and ps.coords.shape == (5, 2)
    assert_array_equal(ps.coords, square(0, 0, 2))
    assert_array_equal(ps.ring_offsets, [0, 5])
    assert_array_equal(ps.ring_polygon, [0])
    assert_array_equal(ps.ring_is_exterior, [True])
    assert_array_equal(ps.part_counts, [1])
    assert ps.ring_offsets.dtype == np.int64 and ps.ring_polygon.dtype == np.int64
    assert_array_equal(ps.vertex_polygon, [0] * 5)


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("dims", ["", "Z", "M", "ZM"])
@pytest.mark.parametrize("ewkb", [False, True])
def test_byte_orders_and_dimensions(order, dims, ewkb):
    outer, hole = square(0, 0, 4), square(1, 1, 1, ccw=False)
    geoms = [
        polygon_wkb([outer, hole], order, dims, ewkb),
        multipolygon_wkb([[square(10, 0)], [square(20, 0)]], order, dims, ewkb),
    ]
    ps = parse_wkb_polygons(geoms)
    assert_array_equal(ps.coords, np.vstack([outer, hole, square(10, 0), square(20, 0)]))
    assert_array_equal(ps.ring_offsets, [0, 5, 10, 15, 20])
    assert_array_equal(ps.ring_polygon, [0, 0, 1, 1])
    assert_array_equal(ps.ring_is_exterior, [True, False, True, True])
    assert_array_equal(ps.part_counts, [1, 2])


def test_multipolygon_parts_with_their_own_byte_order():
    big_outer = multipolygon_wkb([[square(0, 0)], [square(5, 5)]], ">", inner_order="<")
    ps = parse_wkb_polygons([big_outer])
    assert_array_equal(ps.coords, np.vstack([square(0, 0), square(5, 5)]))


def test_ewkb_with_srid():
    ring = square(0, 0)
    body = struct.pack("<I", 1) + struct.pack("<I", 5) + ring.astype("<f8").tobytes()
    wkb = struct.pack("<BII", 1, 3 | 0x20000000, 4326) + body
    ps = parse_wkb_polygons([wkb])
    assert_array_equal(ps.coords, ring)


def test_bytes_like_inputs():
    wkb = polygon_wkb([square(0, 0)])
    ps = parse_wkb_polygons([bytearray(wkb), memoryview(wkb)])
    assert_array_equal(ps.part_counts, [1, 1])


def test_curvepolygon_with_linear_rings_and_multisurface():
    ring = square(0, 0)
    ls = struct.pack("<BII", 1, 2, 5) + ring.astype("<f8").tobytes()
    curvepoly = struct.pack("<BII", 1, 10, 1) + ls
    multisurface = struct.pack("<BII", 1, 12, 2) + polygon_wkb([square(3, 0)]) + curvepoly
    ps = parse_wkb_polygons([curvepoly, multisurface])
    assert_array_equal(ps.part_counts, [1, 2])
    assert_array_equal(ps.coords, np.vstack([ring, square(3, 0), ring]))


# -- empties, holes, multipart ---------------------------------------------------


def test_empty_geometries_have_no_rings():
    empty_exterior_with_hole = polygon_wkb([np.zeros((0, 2)), square(1, 1)])
    geoms = [
        None,
        b"",
        polygon_wkb([]),
        multipolygon_wkb([]),
        empty_exterior_with_hole,
        polygon_wkb([square(0, 0)]),
    ]
    ps = parse_wkb_polygons(geoms)
    assert ps.n == 6 and ps.n_rings == 1
    assert_array_equal(ps.part_counts, [0, 0, 0, 0, 0, 1])
    assert_array_equal(ps.empty, [0, 1, 2, 3, 4])
    assert_array_equal(polygon_areas(ps), [0, 0, 0, 0, 0, 1])
    c = polygon_centroids(ps)
    assert np.isnan(c[:5]).all()
    assert_allclose(c[5], [0.5, 0.5])


def test_no_features_at_all():
    ps = parse_wkb_polygons([])
    assert ps.n == 0 and ps.coords.shape == (0, 2)
    assert polygon_areas(ps).shape == (0,)
    assert polygon_centroids(ps).shape == (0, 2)


def test_hole_is_subtracted_whatever_its_orientation():
    # 4x4 square minus the unit square at (1, 1): area 15,
    # centroid x = y = (16 * 2 - 1 * 1.5) / 15.
    for ccw_outer in (True, False):
        for ccw_hole in (True, False):
            wkb = polygon_wkb([square(0, 0, 4, ccw_outer), square(1, 1, 1, ccw_hole)])
            ps = parse_wkb_polygons([wkb])
            assert_array_equal(ps.ring_is_exterior, [True, False])
            assert_allclose(polygon_areas(ps), [15.0])
            assert_allclose(polygon_centroids(ps), [[30.5 / 15, 30.5 / 15]])


def test_multipart_area_and_centroid():
    # a unit square at the origin and a 2x2 square at (4, 0)
    wkb = multipolygon_wkb([[square(0, 0)], [square(4, 0, 2, ccw=False)]])
    ps = parse_wkb_polygons([wkb, polygon_wkb([square(0, 0)])])
    assert_array_equal(ps.part_counts, [2, 1])
    assert_array_equal(ps.multipart, [0])
    assert_allclose(polygon_areas(ps), [5.0, 1.0])
    cx = (1 * 0.5 + 4 * 5.0) / 5
    cy = (1 * 0.5 + 4 * 1.0) / 5
    assert_allclose(polygon_centroids(ps), [[cx, cy], [0.5, 0.5]])


def test_zero_area_polygon_falls_back_to_vertex_mean():
    line = np.array([[0, 0], [1, 1], [3, 3], [0, 0]], dtype=float)
    ps = parse_wkb_polygons([polygon_wkb([line])])
    assert_allclose(polygon_areas(ps), [0.0])
    assert_allclose(polygon_centroids(ps), [line.mean(axis=0)])


def test_centroid_accurate_with_large_projected_coordinates():
    x0, y0 = 5_123_456.25, 2_987_654.5
    ps = parse_wkb_polygons([polygon_wkb([square(x0, y0, 0.001)])])
    assert_allclose(polygon_centroids(ps), [[x0 + 0.0005, y0 + 0.0005]], rtol=0, atol=1e-9)
    assert_allclose(polygon_areas(ps), [1e-6], rtol=1e-6)


# -- real data against libpysal ------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_libpysal_examples(name):
    polys, wkbs = libpysal_example_wkb(name)
    ps = parse_wkb_polygons(wkbs)
    assert ps.n == len(polys)
    assert_array_equal(ps.part_counts, [len(p.parts) for p in polys])
    expected = np.vstack([np.asarray(part) for p in polys for part in p.parts])
    assert_array_equal(ps.coords, expected)
    assert_allclose(polygon_areas(ps), [p.area for p in polys], rtol=1e-12)
    assert_allclose(polygon_centroids(ps), [p.centroid for p in polys], rtol=1e-10)


def test_translation_invariance_on_columbus():
    _, wkbs = libpysal_example_wkb("columbus.shp")
    ps = parse_wkb_polygons(wkbs)
    shift = np.array([1e6, -2e6])
    moved = PolygonSet(
        ps.coords + shift, ps.ring_offsets, ps.ring_polygon, ps.ring_is_exterior,
        ps.part_counts, ps.n,
    )
    assert_allclose(polygon_centroids(moved) - shift, polygon_centroids(ps), atol=1e-8)
    assert_allclose(polygon_areas(moved), polygon_areas(ps), rtol=1e-8)


# -- bad input ---------------------------------------------------------------------


def _raises_at(geoms, position, *words):
    with pytest.raises(InputDataError) as info:
        parse_wkb_polygons(geoms)
    msg = str(info.value)
    assert f"position {position}" in msg
    assert info.value.position == position
    for w in words:
        assert w in msg
    return msg


def test_unknown_type_names_the_feature():
    good = polygon_wkb([square(0, 0)])
    _raises_at([good, good, _point_wkb(1, 2)], 2, "Point")
    linestring_z = struct.pack("<BII3d3d", 1, 1002, 2, 0, 0, 0, 1, 1, 1)
    _raises_at([linestring_z], 0, "LineStringZ")
    collection = struct.pack("<BII", 1, 7, 0)
    _raises_at([good, collection], 1, "GeometryCollection")
    # a MultiPolygon may only hold polygons
    mp_with_point = struct.pack("<BII", 1, 6, 1) + _point_wkb(0, 0)
    _raises_at([mp_with_point], 0, "Point")
    _raises_at([struct.pack("<BI", 1, 9999)], 0, "9999")


def test_curved_rings_ask_for_segmentize():
    arc = struct.pack("<BII6d", 1, 8, 3, 0, 0, 1, 1, 0, 0)
    curvepoly = struct.pack("<BII", 1, 10, 1) + arc
    _raises_at([curvepoly], 0, "segmentize", "CircularString")


def test_truncated_and_corrupt_wkb():
    good = polygon_wkb([square(0, 0)])
    _raises_at([good, good[:-3]], 1, "truncated")
    _raises_at([good[:7]], 0, "truncated")
    _raises_at([b"\x07" + good[1:]], 0, "byte-order")


def test_not_bytes():
    _raises_at([polygon_wkb([square(0, 0)]), 12.5], 1, "WKB bytes")


def test_non_finite_coordinate():
    ring = square(0, 0)
    ring[2, 1] = np.nan
    good = polygon_wkb([square(0, 0)])
    _raises_at([good, good, polygon_wkb([ring])], 2, "NaN")


# -- speed ----------------------------------------------------------------------------


def _many_polygons(n, nv=25):
    t = np.linspace(0, 2 * np.pi, nv)
    ring = np.column_stack([np.cos(t), np.sin(t)])
    ring[-1] = ring[0]
    offsets = np.random.default_rng(0).uniform(0, 1e4, (n, 2))
    head = struct.pack("<BIII", 1, 3, 1, nv)
    coords = (ring[None, :, :] + offsets[:, None, :]).astype("<f8")
    return [head + c.tobytes() for c in coords]


def test_parse_speed_100k_polygons():
    wkbs = _many_polygons(100_000)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        ps = parse_wkb_polygons(wkbs)
        best = min(best, time.perf_counter() - t0)
    assert ps.coords.shape == (2_500_000, 2)
    # about 0.2 s on the 2-core reference machine
    assert best < 1.0, f"parsing 100,000 polygons took {best:.2f} s"


def test_weights_core_imports_only_numpy_and_scipy():
    code = (
        "import sys\n"
        "import regional_resilience.core.geometry, regional_resilience.core.contiguity\n"
        "import regional_resilience.core.distance_weights\n"
        "import regional_resilience.core.weights_files\n"
        "bad = {'qgis', 'geopandas', 'shapely', 'pyogrio', 'libpysal', 'esda', 'osgeo'}\n"
        "print(sorted(bad & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    assert out.stdout.strip() == "[]"
