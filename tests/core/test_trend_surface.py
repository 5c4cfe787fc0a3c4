"""Tests for regional_resilience.core.trend_surface (ArcGIS-style trend analysis)."""
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.geometry import parse_wkb_polygons, polygon_centroids
from regional_resilience.core.trend_surface import (
    DIRECTIONS,
    EARTH_RADIUS_KM,
    SHAPES,
    classify_shape,
    geographic_to_local_km,
    trend_surface,
)

DATA = Path(__file__).resolve().parents[1] / "data"


# ---------------------------------------------------------------------------
# independent references
# ---------------------------------------------------------------------------
def lstsq_raw(w, z, order):
    """Least squares on the raw (unstandardised) Vandermonde matrix, scipy's
    QR-based solver, highest power first."""
    V = np.column_stack([w**p for p in range(order, -1, -1)])
    coef, *_ = scipy.linalg.lstsq(V, z, lapack_driver="gelsy")
    return coef


def r2_by_hand(w, z, coef):
    zhat = np.polyval(coef, w)
    ss_res = np.sum((z - zhat) ** 2)
    ss_tot = np.sum((z - z.mean()) ** 2)
    return 1.0 - ss_res / ss_tot


def haversine_km(lon1, lat1, lon2, lat2, r=EARTH_RADIUS_KM):
    lon1, lat1, lon2, lat2 = map(np.deg2rad, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def read_gpkg(path, table, fields):
    """Geometry WKB and attribute rows of a GeoPackage table, with sqlite3 only
    (GeoPackage 1.3, section 2.1.3: 'GP', version, flags, srs_id, envelope, WKB)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (geom,) = con.execute(
            "select column_name from gpkg_geometry_columns where table_name = ?", (table,)
        ).fetchone()
        cols = ", ".join(f'"{f}"' for f in fields)
        rows = con.execute(f'select "{geom}", {cols} from "{table}" order by fid').fetchall()
    finally:
        con.close()
    wkbs = []
    for blob in (r[0] for r in rows):
        assert blob[:2] == b"GP"
        flags = blob[3]
        if flags & 0x10:  # empty geometry
            wkbs.append(None)
            continue
        env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x7]
        wkbs.append(bytes(blob[8 + env:]))
    return wkbs, [r[1:] for r in rows]


def grid_xy(nx, ny):
    gx, gy = np.meshgrid(np.arange(float(nx)), np.arange(float(ny)))
    return np.column_stack([gx.ravel(), gy.ravel()])


# ---------------------------------------------------------------------------
# hand-computed cases
# ---------------------------------------------------------------------------
def test_exact_quadratic_recovered_with_r2_one():
    x = np.arange(7.0)
    y = np.array([0.0, 3.0, 1.0, 5.0, 2.0, 6.0, 4.0])
    z = 3.0 - 2.0 * x + 0.5 * x**2  # vertex at x = 2, inside [0, 6]
    res = trend_surface(z, np.column_stack([x, y]), order=2)
    assert_allclose(res.coefficients[0, 0], [0.5, -2.0, 3.0], atol=1e-12)
    assert_allclose(res.r2[0, 0], 1.0, rtol=0, atol=1e-13)
    assert res.shape[0, 0] == "U"
    assert_allclose(res.turning_points[0, 0], [2.0], atol=1e-12)
    # the plotted curve is the polynomial on an even grid from min to max
    assert res.grid.shape == (2, 50) and res.fitted.shape == (1, 2, 50)
    assert_allclose(res.grid[0], np.linspace(0.0, 6.0, 50))
    assert_allclose(res.grid[1], np.linspace(0.0, 6.0, 50))
    g = res.grid[0]
    assert_allclose(res.fitted[0, 0], 3.0 - 2.0 * g + 0.5 * g**2, atol=1e-12)
    # standardised coefficients describe the same curve
    s = (x - res.centre[0]) / res.scale[0]
    assert_allclose(res.centre[0], x.mean())
    assert_allclose(res.scale[0], x.std())
    assert_allclose(np.polyval(res.std_coefficients[0, 0], s), z, atol=1e-12)
    assert res.directions == DIRECTIONS == ("west-east", "south-north")
    assert res.periods == (1,) and res.order == 2 and res.rotation == 0.0


def test_known_line_south_north():
    y = np.array([0.0, 1.0, 2.0, 4.0, 7.0])
    x = np.array([3.0, 0.0, 4.0, 1.0, 2.0])
    z = 5.0 + 3.0 * y
    lin = trend_surface(z, np.column_stack([x, y]), order=1)
    assert_allclose(lin.coefficients[0, 1], [3.0, 5.0], atol=1e-12)
    assert_allclose(lin.r2[0, 1], 1.0, atol=1e-13)
    assert lin.shape[0, 1] == "increasing"
    assert lin.turning_points.shape == (1, 2, 0)
    # an order-2 fit of a line: leading coefficient 0, still "increasing"
    quad = trend_surface(z, np.column_stack([x, y]), order=2)
    assert_allclose(quad.coefficients[0, 1], [0.0, 3.0, 5.0], atol=1e-11)
    assert quad.shape[0, 1] == "increasing"
    assert np.isnan(quad.turning_points[0, 1, 0])
    # falling line
    dec = trend_surface(-z, np.column_stack([x, y]), order=1)
    assert dec.shape[0, 1] == "decreasing"


def test_r2_hand_computed():
    # OLS of z on x = 0..3 by hand: slope 5.5 / 5 = 1.1, intercept 1.1;
    # residuals -0.1, 0.8, -1.3, 0.6: SS_res = 2.7, SS_tot = 8.75
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 1.0, 3.0, 2.0])
    z = np.array([1.0, 3.0, 2.0, 5.0])
    res = trend_surface(z, np.column_stack([x, y]), order=1)
    assert_allclose(res.coefficients[0, 0], [1.1, 1.1], rtol=1e-12)
    assert_allclose(res.r2[0, 0], 1.0 - 2.7 / 8.75, rtol=1e-12)
    # the other direction against the formula
    assert_allclose(res.r2[0, 1], r2_by_hand(y, z, np.polyfit(y, z, 1)), rtol=1e-12)


def test_rotation_90_swaps_directions_with_sign():
    rng = np.random.default_rng(3)
    xy = rng.uniform(-50, 50, (30, 2))
    z = rng.normal(size=(30, 2)) + 0.01 * xy[:, :1] ** 2
    r0 = trend_surface(z, xy, order=3)
    r90 = trend_surface(z, xy, order=3, rotation=90)
    assert_array_equal(r90.u, xy[:, 1])
    assert_array_equal(r90.v, -xy[:, 0])
    # u90 = y: the first curve is the former south-north one
    assert_allclose(r90.coefficients[:, 0], r0.coefficients[:, 1], rtol=1e-9, atol=1e-12)
    # v90 = -x: p90(w) = p0(-w), odd powers change sign (highest power first: 3, 2, 1, 0)
    sign = np.array([-1.0, 1.0, -1.0, 1.0])
    assert_allclose(r90.coefficients[:, 1], r0.coefficients[:, 0] * sign, rtol=1e-9, atol=1e-12)
    assert_allclose(r90.r2[:, ::-1], r0.r2, rtol=1e-12)
    assert_allclose(r90.grid[1], -r0.grid[0][::-1], rtol=1e-12)
    assert_allclose(r90.fitted[:, 1], r0.fitted[:, 0, ::-1], rtol=1e-9, atol=1e-9)
    flip = {"increasing": "decreasing", "decreasing": "increasing", "U": "U",
            "inverted U": "inverted U", "N": "inverted N", "inverted N": "N", "flat": "flat"}
    assert list(r90.shape[:, 0]) == list(r0.shape[:, 1])
    assert list(r90.shape[:, 1]) == [flip[s] for s in r0.shape[:, 0]]
    # a full turn and 180 degrees, exactly
    assert_array_equal(trend_surface(z, xy, rotation=360).u, xy[:, 0])
    r180 = trend_surface(z, xy, rotation=-180)
    assert_array_equal(r180.u, -xy[:, 0])
    assert_array_equal(r180.v, -xy[:, 1])


def test_rotation_is_counter_clockwise():
    theta = 30.0
    c, s = np.cos(np.deg2rad(theta)), np.sin(np.deg2rad(theta))
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 10, (25, 2))
    res = trend_surface(np.zeros(25) + xy[:, 0], xy, order=1, rotation=theta)
    assert_allclose(res.u, c * xy[:, 0] + s * xy[:, 1], rtol=1e-14)
    assert_allclose(res.v, -s * xy[:, 0] + c * xy[:, 1], rtol=1e-14)
    assert res.rotation == theta
    # a plane rising towards 30 degrees counter-clockwise from east is an exact
    # line along u after rotating by +30, not after rotating by -30
    z = c * xy[:, 0] + s * xy[:, 1]
    plus = trend_surface(z, xy, order=1, rotation=30)
    minus = trend_surface(z, xy, order=1, rotation=-30)
    assert_allclose(plus.coefficients[0, 0], [1.0, 0.0], atol=1e-12)
    assert_allclose(plus.r2[0, 0], 1.0, atol=1e-13)
    assert minus.r2[0, 0] < 0.99


# ---------------------------------------------------------------------------
# references: numpy.polyfit and an independent least-squares solution
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("rotation", [0.0, 17.0, -123.5])
def test_coefficients_match_polyfit_and_lstsq(order, rotation):
    rng = np.random.default_rng(order * 1000 + int(abs(rotation)))
    n, t = 40, 3
    xy = rng.uniform([200.0, 1000.0], [900.0, 1600.0], (n, 2))  # far from the origin
    z = rng.gamma(2.0, 10.0, (n, t)) + 0.05 * xy[:, [0]]
    res = trend_surface(z, xy, order=order, rotation=rotation, periods=["a", "b", "c"])
    assert res.coefficients.shape == (t, 2, order + 1)
    assert res.r2.shape == (t, 2) and res.shape.shape == (t, 2)
    for d, w in enumerate((res.u, res.v)):
        for k in range(t):
            ref = np.polyfit(w, z[:, k], order)
            assert_allclose(res.coefficients[k, d], ref, rtol=1e-7, atol=1e-12 * abs(ref[-1]))
            assert_allclose(res.coefficients[k, d], lstsq_raw(w, z[:, k], order), rtol=1e-6)
            assert_allclose(res.r2[k, d], r2_by_hand(w, z[:, k], ref), rtol=1e-9)
            assert 0.0 <= res.r2[k, d] <= 1.0
            g = res.grid[d]
            assert_allclose(res.fitted[k, d], np.polyval(ref, g), rtol=1e-8)
            assert_allclose(g[[0, -1]], [w.min(), w.max()])
    assert res.periods == ("a", "b", "c")


def test_coefficients_original_units_far_from_origin():
    # eastings in metres around 5e5 with a cubic: standardised fit, exact curve
    x = np.linspace(4.9e5, 5.1e5, 21)
    y = np.sin(np.arange(21.0)) * 1e3 + 3e6
    s = (x - 5e5) / 1e4
    z = 2.0 * s**3 - s + 7.0
    res = trend_surface(z, np.column_stack([x, y]), order=3)
    assert_allclose(res.r2[0, 0], 1.0, atol=1e-10)
    sg = (res.grid[0] - 5e5) / 1e4
    assert_allclose(res.fitted[0, 0], 2.0 * sg**3 - sg + 7.0, atol=1e-9)
    assert_allclose(np.polyval(res.coefficients[0, 0], x), z, rtol=1e-6)
    assert res.shape[0, 0] == "N"
    assert_allclose(res.turning_points[0, 0], 5e5 + 1e4 * np.array([-1, 1]) / np.sqrt(6), rtol=1e-12)


# ---------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "coef, lo, hi, shape, turns",
    [
        ([-1.0, 4.0, 0.0], 0.0, 5.0, "inverted U", [2.0]),
        ([1.0, -4.0, 0.0], 0.0, 5.0, "U", [2.0]),
        ([-1.0, 4.0, 0.0], 0.0, 2.0, "increasing", []),  # vertex at the end: not inside
        ([-1.0, 4.0, 0.0], 3.0, 5.0, "decreasing", []),
        ([1.0, -4.0, 0.0], 2.5, 9.0, "increasing", []),
        ([2.0, 1.0], -1.0, 1.0, "increasing", []),
        ([-2.0, 1.0], -1.0, 1.0, "decreasing", []),
        ([0.0, 0.0, 3.0], -1.0, 1.0, "flat", []),
        ([1.0, 0.0, -3.0, 0.0], -2.0, 2.0, "N", [-1.0, 1.0]),
        ([-1.0, 0.0, 3.0, 0.0], -2.0, 2.0, "inverted N", [-1.0, 1.0]),
        ([1.0, 0.0, -3.0, 0.0], 0.0, 2.0, "U", [1.0]),
        ([1.0, 0.0, 0.0, 0.0], -1.0, 1.0, "increasing", []),  # x^3: inflection, no turn
        ([1.0, 0.0, 1.0, 0.0], -1.0, 1.0, "increasing", []),  # no real turning point
    ],
)
def test_classify_shape(coef, lo, hi, shape, turns):
    got, tp = classify_shape(coef, lo, hi)
    assert got == shape and got in SHAPES
    assert_allclose(tp, turns, atol=1e-12)


def test_classify_shape_ignores_rounding_sized_turns():
    # vertex at 0.9999: the fall after it is 1e-8 of the rise (below rtol = 1e-6)
    coef = [-1.0, 2.0 * 0.9999, 0.0]
    assert classify_shape(coef, 0.0, 1.0)[0] == "increasing"
    assert classify_shape(coef, 0.0, 1.0, rtol=0.0)[0] == "inverted U"
    # relative to a given scale (the range of the data): a rise of 1e-9 is flat
    assert classify_shape([1e-9, 0.0], 0.0, 1.0, scale=1.0)[0] == "flat"
    assert classify_shape([1e-9, 0.0], 0.0, 1.0)[0] == "increasing"


def test_shapes_in_trend_surface_order_2_and_3():
    xy = grid_xy(9, 9)
    x, y = xy[:, 0], xy[:, 1]
    z = np.column_stack([
        -(x - 4.0) ** 2 + 0.1 * y,       # inverted U west-east, increasing south-north
        (x - 4.0) ** 2 - 0.1 * y,        # U, decreasing
        (x - 11.0) ** 2 + (y - 4.0) ** 2,  # vertex east of the range: decreasing; U
    ])
    res = trend_surface(z, xy, order=2, periods=[2000, 2010, 2020])
    assert res.shape.tolist() == [
        ["inverted U", "increasing"], ["U", "decreasing"], ["decreasing", "U"]
    ]
    assert_allclose(res.turning_points[0, 0], [4.0], atol=1e-10)
    assert_allclose(res.turning_points[2, 1], [4.0], atol=1e-10)
    assert np.isnan(res.turning_points[2, 0, 0])
    cubic = trend_surface((x - 4.0) ** 3 - 12.0 * (x - 4.0) + y, xy, order=3)
    assert cubic.shape[0].tolist() == ["N", "increasing"]
    assert_allclose(cubic.turning_points[0, 0], [2.0, 6.0], atol=1e-9)
    assert cubic.turning_points.shape == (1, 2, 2)
    assert np.isnan(cubic.turning_points[0, 1]).all()


def test_constant_period_gives_nan_r2_and_warning():
    xy = grid_xy(4, 4)
    z = np.column_stack([xy[:, 0] ** 2, np.full(16, 7.5)])
    res = trend_surface(z, xy, periods=["2000", "2010"])
    assert np.isnan(res.r2[1]).all() and np.isfinite(res.r2[0]).all()
    assert res.shape[1].tolist() == ["flat", "flat"]
    assert_allclose(res.coefficients[1, :, -1], 7.5)
    assert_allclose(res.coefficients[1, :, :-1], 0.0, atol=1e-12)
    assert_allclose(res.fitted[1], 7.5)
    assert len(res.warnings) == 1 and "'2010'" in res.warnings[0] and "R^2" in res.warnings[0]
    assert not trend_surface(z[:, :1], xy).warnings


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def test_missing_values_name_regions_and_period():
    xy = grid_xy(3, 3)
    z = np.ones((9, 3)) * np.arange(9.0)[:, None]
    z[4, 1] = np.nan
    z[7, 1] = np.inf
    with pytest.raises(InputDataError, match=r"period '1990'.*Oaxaca, Puebla") as exc:
        trend_surface(z, xy, ids=[f"r{i}" for i in range(4)] + ["Oaxaca", "x", "y", "Puebla", "z"],
                      periods=["1980", "1990", "2000"])
    assert exc.value.period == 1


def test_missing_coordinates_name_regions():
    xy = grid_xy(3, 3)
    xy[2] = np.nan
    with pytest.raises(InputDataError, match="Sonora"):
        trend_surface(np.arange(9.0), xy, ids=["a", "b", "Sonora", "d", "e", "f", "g", "h", "i"])
    with pytest.raises(InputDataError, match=r"shape \(regions, 2\)"):
        trend_surface(np.arange(9.0), np.arange(9.0))
    with pytest.raises(InputDataError, match="8 coordinate pairs"):
        trend_surface(np.arange(9.0), grid_xy(4, 2))


def test_too_few_distinct_positions():
    # 3 columns of x: enough for a line (3 >= 1 + 2), not for a quadratic (needs 4)
    xy = grid_xy(3, 5)
    z = np.arange(15.0)
    trend_surface(z, xy, order=1)
    with pytest.raises(InputDataError, match=r"order 2 needs .* 4 or more distinct .*west-east.* at 3"):
        trend_surface(z, xy, order=2)
    # rotated by 90 degrees the 3 columns lie along v (south-north); exact cos/sin
    with pytest.raises(InputDataError, match="south-north"):
        trend_surface(z, xy, order=2, rotation=90)
    # coordinates equal up to rounding count as one position
    xy2 = grid_xy(5, 5)
    xy2[:, 1] = np.repeat([0.0, 1.0, 2.0], [9, 8, 8]) + 1e-14 * np.arange(25)
    with pytest.raises(InputDataError, match="at 3"):
        trend_surface(np.arange(25.0), xy2, order=2)


@pytest.mark.parametrize("order", [0, 4, 2.5, True, "2", None])
def test_order_must_be_1_2_or_3(order):
    with pytest.raises(InputDataError, match="Unknown trend order"):
        trend_surface(np.arange(16.0), grid_xy(4, 4), order=order)


def test_other_argument_errors():
    xy = grid_xy(4, 4)
    assert trend_surface(np.arange(16.0), xy, order=2.0).order == 2
    assert trend_surface(np.arange(16.0), xy, n_grid=2).grid.shape == (2, 2)
    for bad in (1, 0, 2.5, None):
        with pytest.raises(InputDataError, match="n_grid"):
            trend_surface(np.arange(16.0), xy, n_grid=bad)
    with pytest.raises(InputDataError, match="rotation"):
        trend_surface(np.arange(16.0), xy, rotation=np.nan)
    with pytest.raises(InputDataError, match="3 period labels were given for 1"):
        trend_surface(np.arange(16.0), xy, periods=[1, 2, 3])
    with pytest.raises(InputDataError, match="numbers"):
        trend_surface(["a"] * 16, xy)


# ---------------------------------------------------------------------------
# geographic coordinates
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lon0, lat0", [(-99.0, 19.4), (10.0, 48.0), (116.4, 39.9), (-70.0, -33.5)])
def test_geographic_to_local_km_short_distances_match_haversine(lon0, lat0):
    rng = np.random.default_rng(int(abs(lon0)))
    lon = lon0 + rng.uniform(-0.1, 0.1, 20)
    lat = lat0 + rng.uniform(-0.1, 0.1, 20)
    xy = geographic_to_local_km(lon, lat)
    i, j = np.triu_indices(20, 1)
    d_plane = np.hypot(*(xy[i] - xy[j]).T)
    d_sphere = haversine_km(lon[i], lat[i], lon[j], lat[j])
    rel = np.abs(d_plane / d_sphere - 1.0)
    assert rel.max() < 3e-3, rel.max()
    # origin at the mean position, x east, y north
    assert_allclose(xy.mean(axis=0)[1], 0.0, atol=1e-9)
    assert np.all(np.sign(xy[:, 1] - xy[0, 1])[1:] == np.sign(lat - lat[0])[1:])
    assert np.all(np.sign(xy[:, 0] - xy[0, 0])[1:] == np.sign(lon - lon[0])[1:])


def test_geographic_to_local_km_meridian_exact_and_antimeridian():
    xy = geographic_to_local_km([5.0, 5.0], [40.0, 41.0])
    assert_allclose(np.hypot(*(xy[1] - xy[0])), haversine_km(5.0, 40.0, 5.0, 41.0), rtol=1e-12)
    assert_allclose(xy[1, 1] - xy[0, 1], np.pi * EARTH_RADIUS_KM / 180.0, rtol=1e-14)
    # across the antimeridian: 0.2 degree apart, not 359.8
    xy = geographic_to_local_km([179.9, -179.9], [0.0, 0.0])
    assert_allclose(xy[1, 0] - xy[0, 0], 0.2 * np.pi * EARTH_RADIUS_KM / 180.0, rtol=1e-9)
    # radius scales linearly
    assert_allclose(geographic_to_local_km([1.0, 2.0], [3.0, 4.0], radius_km=1.0) * 6371.0088,
                    geographic_to_local_km([1.0, 2.0], [3.0, 4.0]), rtol=1e-14)


def test_geographic_extent_error():
    with pytest.raises(InputDataError, match=r"longitude 350000 to 720000 and latitude 2\.1e\+06 "
                                             r"to 3\.4e\+06.*\[-180, 180\].*\[-90, 90\].*2 of 2 "
                                             r"regions .*\(A, B\).*projected"):
        geographic_to_local_km([350000.0, 720000.0], [2.1e6, 3.4e6], ids=["A", "B"])
    with pytest.raises(InputDataError, match=r"1 of 2 regions are outside \(row 1\)"):
        geographic_to_local_km([10.0, 10.0], [45.0, 95.0])
    with pytest.raises(InputDataError, match="row 0"):
        geographic_to_local_km([np.nan, 10.0], [45.0, 45.0])
    with pytest.raises(InputDataError, match="radius"):
        geographic_to_local_km([10.0], [45.0], radius_km=-1)
    # the limits themselves are accepted
    assert geographic_to_local_km([-180.0, 180.0], [-90.0, 90.0]).shape == (2, 2)


# ---------------------------------------------------------------------------
# real data: per-capita GDP of the 32 Mexican states (Rey and Sastre-Gutierrez 2010)
# ---------------------------------------------------------------------------
YEARS = ["1940", "1950", "1960", "1970", "1980", "1990", "2000"]


@pytest.fixture(scope="module")
def mexico():
    wkbs, rows = read_gpkg(DATA / "mexico.gpkg", "mexico", ["NAME"] + [f"PCGDP{y}" for y in YEARS])
    centroids = polygon_centroids(parse_wkb_polygons(wkbs))
    names = [r[0] for r in rows]
    z = np.array([r[1:] for r in rows], dtype=float)
    return names, centroids, z


def test_mexico_pcgdp2000_trend(mexico):
    names, lonlat, z = mexico
    assert len(names) == 32 and np.isfinite(lonlat).all()
    assert (-118 < lonlat[:, 0]).all() and (lonlat[:, 0] < -86).all()
    xy = geographic_to_local_km(lonlat[:, 0], lonlat[:, 1])
    res = trend_surface(z, xy, order=2, ids=names, periods=YEARS)
    k = YEARS.index("2000")
    for d, w in enumerate((res.u, res.v)):
        ref = np.polyfit(w, z[:, k], 2)
        assert_allclose(res.coefficients[k, d], ref, rtol=1e-8)
        assert_allclose(res.coefficients[k, d], lstsq_raw(w, z[:, k], 2), rtol=1e-7)
        assert_allclose(res.r2[k, d], r2_by_hand(w, z[:, k], ref), rtol=1e-10)
    assert_array_equal(res.u, xy[:, 0])
    # 2000: a U from west to east with its minimum inside Mexico, rising from
    # south to north; both trends weak (R^2 about 0.06 and 0.12)
    assert res.shape[k].tolist() == ["U", "increasing"]
    a, b, _ = res.coefficients[k, 0]
    assert a > 0 and res.u.min() < -b / (2 * a) < res.u.max()
    assert_allclose(res.turning_points[k, 0, 0], -b / (2 * a), rtol=1e-9)
    assert res.coefficients[k, 1, 1] > 0
    assert_allclose(res.r2[k], [0.0576, 0.1164], atol=5e-4)
    # the trend does not depend on the unit along an axis: degrees give the same
    # R^2 and shapes, the turning point at the same longitude
    deg = trend_surface(z, lonlat, order=2, periods=YEARS)
    assert_allclose(deg.r2, res.r2, rtol=1e-9)
    assert_array_equal(deg.shape, res.shape)
    lon_turn = deg.turning_points[k, 0, 0]
    assert -100.5 < lon_turn < -98.5
    km_per_degree = np.ptp(xy[:, 0]) / np.ptp(lonlat[:, 0])  # x is affine in longitude
    x_turn = xy[:, 0].min() + (lon_turn - lonlat[:, 0].min()) * km_per_degree
    assert_allclose(res.turning_points[k, 0, 0], x_turn, rtol=1e-9)
