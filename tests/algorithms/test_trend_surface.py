"""Trend surface analysis through Processing: the table against the core
called on centroids computed independently by QGIS (GEOS), against
numpy.polyfit, and against a hand-made surface on a grid; the coordinate,
rotation, order and position options; the charts; bad input."""
import numpy as np
import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessingException,
    QgsProject,
)

from regional_resilience.core.trend_surface import geographic_to_local_km, trend_surface
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows

MEXICO = str(DATA / "mexico.gpkg")
YEARS = ["1940", "1950", "1960", "1970", "1980", "1990", "2000"]
FIELDS = [f"PCGDP{y}" for y in YEARS]
GEOGRAPHIC = "is geographic"


def mexico_values():
    lyr = layer(MEXICO)
    return np.column_stack([column(lyr, f) for f in FIELDS])


def qgis_points(kind="centroid", crs=None):
    """Centroids (or points on surface) of the Mexican states by QGIS/GEOS,
    optionally after reprojecting the polygons."""
    lyr = layer(MEXICO)
    transform = None
    if crs is not None:
        transform = QgsCoordinateTransform(lyr.crs(), QgsCoordinateReferenceSystem(crs), QgsProject.instance())
    out = []
    for feature in lyr.getFeatures():
        geom = feature.geometry()
        if transform is not None:
            geom.transform(transform)
        point = (geom.centroid() if kind == "centroid" else geom.pointOnSurface()).asPoint()
        out.append((point.x(), point.y()))
    return np.array(out)


def run_trend(run_alg, **params):
    return run_alg("trendsurface", dict({"INPUT": MEXICO, "FIELDS": FIELDS, "OUTPUT": "TEMPORARY_OUTPUT"},
                                        **params))


def is_null(value):
    return value is None or (hasattr(value, "isNull") and value.isNull())


def num(value):
    return np.nan if is_null(value) else float(value)


def table_arrays(table):
    """Coefficients (t, 2, 4, low power first), R2 (t, 2), shapes, turning points."""
    t = len(table) // 2
    coef = np.array([[num(r[f"c{j}"]) for j in range(4)] for r in table]).reshape(t, 2, 4)
    r2 = np.array([num(r["r2"]) for r in table]).reshape(t, 2)
    shapes = np.array([r["shape"] for r in table]).reshape(t, 2)
    turns = np.array([[num(r["turning_1"]), num(r["turning_2"])] for r in table]).reshape(t, 2, 2)
    return coef, r2, shapes, turns


def assert_table_equals_core(table, res, rtol=1e-7):
    coef, r2, shapes, turns = table_arrays(table)
    m = res.order + 1
    np.testing.assert_allclose(coef[:, :, :m], res.coefficients[:, :, ::-1], rtol=rtol, atol=1e-12)
    assert np.isnan(coef[:, :, m:]).all()
    np.testing.assert_allclose(r2, res.r2, rtol=rtol)
    np.testing.assert_array_equal(shapes, res.shape)
    k = res.turning_points.shape[2]
    np.testing.assert_allclose(turns[:, :, :k], res.turning_points, rtol=rtol)
    assert np.isnan(turns[:, :, k:]).all()


def test_mexico_centroids_in_degrees_equal_core_and_polyfit(run_alg):
    res, log = run_trend(run_alg)
    table = rows(res["OUTPUT"])
    assert [(r["period"], r["direction"]) for r in table[:4]] == [
        ("1940", "west-east"), ("1940", "south-north"), ("1950", "west-east"), ("1950", "south-north")]
    assert len(table) == 2 * len(YEARS)
    assert {r["order"] for r in table} == {2} and {r["units"] for r in table} == {"degrees"}
    xy, Z = qgis_points(), mexico_values()
    assert_table_equals_core(table, trend_surface(Z, xy, order=2, periods=YEARS))
    # independent of the core: least squares by numpy on the GEOS centroids
    coef, r2, shapes, _ = table_arrays(table)
    for k in range(len(YEARS)):
        for d in range(2):
            ref = np.polyfit(xy[:, d], Z[:, k], 2)
            np.testing.assert_allclose(coef[k, d, :3], ref[::-1], rtol=1e-6)
            resid = Z[:, k] - np.polyval(ref, xy[:, d])
            assert r2[k, d] == pytest.approx(1 - resid @ resid / ((Z[:, k] - Z[:, k].mean()) ** 2).sum(),
                                             rel=1e-8)
    # 2000: a U from west to east, rising from south to north (as the core tests find)
    assert shapes[YEARS.index("2000")].tolist() == ["U", "increasing"]
    assert GEOGRAPHIC in log and "EPSG:4326" in log
    assert "PCGDP 2000: west-east U (R^2 = 0.058); south-north increasing (R^2 = 0.116)" in log


def test_local_km_rotation_and_order_3(run_alg):
    res, log = run_trend(run_alg, COORDINATES=1, ORDER=3, ROTATION=30)
    table = rows(res["OUTPUT"])
    assert {r["units"] for r in table} == {"km"} and {r["rotation"] for r in table} == {30.0}
    assert {r["order"] for r in table} == {3}
    lonlat, Z = qgis_points(), mexico_values()
    xy = geographic_to_local_km(lonlat[:, 0], lonlat[:, 1])
    core = trend_surface(Z, xy, order=3, rotation=30, periods=YEARS)
    assert_table_equals_core(table, core, rtol=1e-6)
    # the rotated axes by hand: u = x cos 30 + y sin 30, v = -x sin 30 + y cos 30
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    u, v = xy @ [c, s], xy @ [-s, c]
    coef, _, _, _ = table_arrays(table)
    k = YEARS.index("1970")
    np.testing.assert_allclose(coef[k, 0], np.polyfit(u, Z[:, k], 3)[::-1], rtol=1e-6)
    np.testing.assert_allclose(coef[k, 1], np.polyfit(v, Z[:, k], 3)[::-1], rtol=1e-6)
    assert GEOGRAPHIC not in log
    # rotation changes the fit
    plain = table_arrays(rows(run_trend(run_alg, COORDINATES=1, ORDER=3)[0]["OUTPUT"]))[1]
    assert not np.allclose(plain, table_arrays(table)[1])


def test_point_on_surface_after_reprojection(run_alg):
    res, log = run_trend(run_alg, POSITION=1, COORDINATES=2, TARGET_CRS="EPSG:6372", ORDER=1)
    table = rows(res["OUTPUT"])
    assert {r["units"] for r in table} == {"meters"}
    xy = qgis_points("surface", "EPSG:6372")
    assert_table_equals_core(table, trend_surface(mexico_values(), xy, order=1, periods=YEARS))
    assert GEOGRAPHIC not in log
    # centroids of the same projected polygons give other numbers
    centroid = rows(run_trend(run_alg, COORDINATES=2, TARGET_CRS="EPSG:6372", ORDER=1)[0]["OUTPUT"])
    assert_table_equals_core(centroid, trend_surface(mexico_values(), qgis_points("centroid", "EPSG:6372"),
                                                     order=1, periods=YEARS))
    assert not np.allclose(table_arrays(table)[0][:, :, :2], table_arrays(centroid)[0][:, :, :2])


def test_hand_made_surface_on_a_projected_grid(run_alg):
    """z = 10 - ((x - 2500) / 1000)^2 + y / 1000 on 5 x 5 cells of 1 km: an
    inverted U west-east with its top at x = 2500 m, a straight rise
    south-north; a second period is constant (flat, R^2 NULL)."""
    centres = [(500.0 + 1000 * i, 500.0 + 1000 * j) for j in range(5) for i in range(5)]
    values = [[10 - ((x - 2500) / 1000) ** 2 + y / 1000, 3.0] for x, y in centres]
    lyr = grid_layer(5, 5, fields="v_2001:double,v_2002:double", values=values)
    res, log = run_alg("trendsurface", {"INPUT": lyr, "FIELDS": ["v_2001", "v_2002"], "OUTPUT": "TEMPORARY_OUTPUT"})
    table = rows(res["OUTPUT"])
    we, sn, flat_we, flat_sn = table
    assert (we["period"], we["direction"], we["units"]) == ("2001", "west-east", "meters")
    # west-east: mean over the rows of y / 1000 is 2.5: z = 6.25 + 0.005 x - 1e-6 x^2
    np.testing.assert_allclose([we["c0"], we["c1"], we["c2"]], [6.25, 0.005, -1e-6], rtol=1e-9)
    assert we["shape"] == "inverted U" and we["turning_1"] == pytest.approx(2500.0)
    # south-north: mean over the columns of 10 - ((x - 2500) / 1000)^2 is 8: z = 8 + 0.001 y
    np.testing.assert_allclose([sn["c0"], sn["c1"]], [8.0, 0.001], rtol=1e-9)
    assert abs(sn["c2"]) < 1e-15 and sn["shape"] == "increasing" and is_null(sn["turning_1"])
    assert flat_we["shape"] == flat_sn["shape"] == "flat" and is_null(flat_we["r2"])
    assert "R^2 is undefined" in log and GEOGRAPHIC not in log


def test_report_and_folder_have_one_chart_per_period(run_alg, tmp_path):
    report, folder = tmp_path / "trend.html", tmp_path / "charts"
    res, log = run_trend(run_alg, REPORT=str(report), CHARTS=str(folder))
    text = report.read_text(encoding="utf-8")
    assert text.count("<img") == len(YEARS)
    for year in YEARS:
        assert f"PCGDP {year}: west-east" in text
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"trend_PCGDP_{y}.png" for y in YEARS]
    assert all((folder / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files)
    assert res["CHARTS"] == str(folder) and res["REPORT"] == str(report)


def test_bad_input(run_alg):
    with pytest.raises(QgsProcessingException, match="Incorrect parameter value for ORDER"):
        run_trend(run_alg, ORDER=4)
    with pytest.raises(QgsProcessingException, match="Incorrect parameter value for ORDER"):
        run_trend(run_alg, ORDER=0)
    nulls = grid_layer(3, 3, fields="v_2001:double", values=[[float(k)] for k in range(8)] + [[None]])
    with pytest.raises(QgsProcessingException, match=r"Missing.*v_2001.*: 9 \(2001\)"):
        run_alg("trendsurface", {"INPUT": nulls, "FIELDS": ["v_2001"], "OUTPUT": "TEMPORARY_OUTPUT"})
    projected = grid_layer(3, 3, fields="v_2001:double", values=[[float(k * k)] for k in range(9)])
    with pytest.raises(QgsProcessingException, match="Local kilometres.*EPSG:3857 is projected"):
        run_alg("trendsurface", {"INPUT": projected, "FIELDS": ["v_2001"], "COORDINATES": 1,
                                 "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="needs a projected CRS"):
        run_trend(run_alg, COORDINATES=2)
    with pytest.raises(QgsProcessingException, match="needs a projected CRS.*EPSG:4326"):
        run_trend(run_alg, COORDINATES=2, TARGET_CRS="EPSG:4326")
    row = grid_layer(4, 1, fields="v_2001:double", values=[[1.0], [3.0], [2.0], [5.0]])
    with pytest.raises(QgsProcessingException, match="4 or more distinct positions along the "
                                                     "south-north axis; the 4 region.s. lie at 1"):
        run_alg("trendsurface", {"INPUT": row, "FIELDS": ["v_2001"], "OUTPUT": "TEMPORARY_OUTPUT"})
