"""Output layers written to a GeoPackage get their rows through SQLite
(outputs/layer.py, gpkg_rows.py, gpkg_geometry.py): the same layer as QGIS's
writer makes (fields, fids, values, geometries, extent, feature count, the
R-tree and its triggers), on China's provinces (multipolygons, Hainan an
island) and a shapefile; cancel, fallbacks and the geometry encoding."""
import sqlite3
import struct

import pytest
from qgis.core import QgsFeatureRequest, QgsGeometry, QgsProcessingException, QgsRectangle, QgsVectorLayer

from regional_resilience.algorithms.outputs import gpkg_geometry, gpkg_rows
from tests.conftest import DATA
from tests.helpers import layer

TOPSIS = {"ID_FIELD": "code", "TABLE": str(DATA / "china_panel.gpkg"), "TABLE_ID_FIELD": "code",
          "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["fiber_km", "gdp_pc", "unemployment"],
          "NEGATIVE": "unemployment", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"}


@pytest.fixture
def layer_appends(monkeypatch):
    """The layers that went in through SQLite (their table names)."""
    calls = []
    real = gpkg_rows.append

    def counting(*args, **kwargs):
        if kwargs.get("layer") is not None:
            calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(gpkg_rows, "append", counting)
    return calls


@pytest.fixture
def provinces(tmp_path):
    """The 31 provinces of the studies (in_study = 1) as a GeoPackage of their own."""
    from osgeo import gdal

    path = str(tmp_path / "provinces.gpkg")
    gdal.VectorTranslate(path, str(DATA / "china_provinces.gpkg"), where="in_study = 1")
    return path


def written(run_alg, src, dest, **params):
    run_alg("entropytopsis", dict(TOPSIS, INPUT=str(src), OUTPUT=str(dest), **params))
    return layer(dest)


def sql(path, query):
    with sqlite3.connect(path) as con:
        return con.execute(query).fetchall()


def assert_same_features(a, b):
    assert [(f.name(), f.type(), f.length(), f.precision()) for f in a.fields()] == \
           [(f.name(), f.type(), f.length(), f.precision()) for f in b.fields()]
    assert a.wkbType() == b.wkbType() and a.crs() == b.crs() and a.featureCount() == b.featureCount()
    fa, fb = list(a.getFeatures()), list(b.getFeatures())
    assert len(fa) == len(fb) > 0
    for x, y in zip(fa, fb):
        assert x.id() == y.id()
        assert x.attributes() == y.attributes()
        assert bytes(x.geometry().asWkb()) == bytes(y.geometry().asWkb())


def test_layer_through_sqlite_equals_qgis_writer(run_alg, provinces, tmp_path, layer_appends, monkeypatch):
    src = provinces
    fast = written(run_alg, src, tmp_path / "fast.gpkg")
    assert layer_appends == ["fast"]
    monkeypatch.setattr(gpkg_rows, "destination", lambda *a: None)
    slow = written(run_alg, src, tmp_path / "slow.gpkg")
    assert layer_appends == ["fast"]
    assert_same_features(fast, slow)
    assert fast.featureCount() == 31 and fast.extent() == slow.extent()
    # GDAL's GeoPackage validator (requirements of OGC 12-128r18, warnings as errors)
    validate = pytest.importorskip("osgeo_utils.samples.validate_gpkg")
    validate.check(str(tmp_path / "fast.gpkg"), extra_checks=True, warning_as_error=True)
    # GDAL's bookkeeping: feature count, extent, geometry column, the same triggers
    for query in ("SELECT feature_count FROM gpkg_ogr_contents",
                  "SELECT min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE data_type = 'features'",
                  "SELECT geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns"):
        assert sql(tmp_path / "fast.gpkg", query) == sql(tmp_path / "slow.gpkg", query)
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    assert [t.replace("fast", "slow") for (t,) in sql(tmp_path / "fast.gpkg", triggers)] == \
           [t for (t,) in sql(tmp_path / "slow.gpkg", triggers)]
    # the R-tree holds the same boxes as GDAL's, and a spatial filter finds the same provinces
    assert sql(tmp_path / "fast.gpkg", "SELECT * FROM rtree_fast_geom ORDER BY id") == \
           sql(tmp_path / "slow.gpkg", "SELECT * FROM rtree_slow_geom ORDER BY id")
    box = QgsRectangle(108.0, 18.0, 112.0, 21.0)  # Hainan and the coast of Guangdong / Guangxi
    hits = [sorted(f["code"] for f in lyr.getFeatures(QgsFeatureRequest().setFilterRect(box)))
            for lyr in (fast, slow)]
    assert hits[0] == hits[1] and "460000" in hits[0]
    # the triggers are live: a province deleted through QGIS leaves count and R-tree right
    first = next(fast.getFeatures()).id()
    assert fast.dataProvider().deleteFeatures([first])
    del fast
    assert layer(tmp_path / "fast.gpkg").featureCount() == 30
    assert sql(tmp_path / "fast.gpkg", "SELECT feature_count FROM gpkg_ogr_contents") == [(30,)]
    assert sql(tmp_path / "fast.gpkg", f"SELECT count(*) FROM rtree_fast_geom WHERE id = {first}") == [(0,)]


def test_shapefile_input_and_the_qgis_fallback(run_alg, provinces, tmp_path, layer_appends, monkeypatch):
    """A shapefile has no fid field: the copy numbers its features from 1,
    as QGIS's writer does; a layer that is not the one expected is written
    by QGIS's provider into the file already made (its fid field first)."""
    from osgeo import gdal

    shp = str(tmp_path / "provinces.shp")
    gdal.VectorTranslate(shp, provinces, format="ESRI Shapefile")
    fast = written(run_alg, shp, tmp_path / "fast.gpkg")
    assert layer_appends == ["fast"]
    assert [f.id() for f in fast.getFeatures()] == list(range(1, 32))
    monkeypatch.setattr(gpkg_rows, "empty_layer", lambda *a: None)
    fallback = written(run_alg, shp, tmp_path / "fallback.gpkg")
    assert layer_appends == ["fast"]
    assert_same_features(fast, fallback)
    assert fast.fields().names()[0] == "fid" and "fid" not in layer(shp).fields().names()


def test_cancel_while_writing_leaves_an_empty_layer(run_alg, provinces, tmp_path, monkeypatch):
    real = gpkg_rows.append
    monkeypatch.setattr(gpkg_rows, "append", lambda *a, **k: real(*a, **dict(k, is_canceled=lambda: True)))
    with pytest.raises(QgsProcessingException, match="[Cc]ancel"):
        written(run_alg, provinces, tmp_path / "canceled.gpkg")
    assert sql(tmp_path / "canceled.gpkg", 'SELECT count(*) FROM "canceled"') == [(0,)]
    assert sql(tmp_path / "canceled.gpkg", "SELECT count(*) FROM rtree_canceled_geom") == [(0,)]


def test_geometry_blobs():
    """GeoPackageBinary (OGC 12-128r18, 2.1.3): magic, version, flags,
    srs id, envelope (minx, maxx, miny, maxy), WKB; NULL stays NULL, an
    empty polygon is flagged empty and has no envelope."""
    square = bytes(QgsGeometry.fromWkt("MultiPolygon (((1 2, 4 2, 4 7, 1 7, 1 2)))").asWkb())
    empty = bytes(QgsGeometry.fromWkt("Polygon EMPTY").asWkb())
    blobs, at, boxes = gpkg_geometry.blobs([square, None, empty], 4490)
    assert blobs[0][:4] == b"GP\x00\x03" and struct.unpack("<i", blobs[0][4:8]) == (4490,)
    assert struct.unpack("<4d", blobs[0][8:40]) == (1.0, 4.0, 2.0, 7.0) and blobs[0][40:] == square
    assert blobs[1] is None
    assert blobs[2][:4] == b"GP\x00\x11" and blobs[2][8:] == empty
    assert at.tolist() == [0] and boxes.tolist() == [[1.0, 4.0, 2.0, 7.0]]
    assert gpkg_geometry.same_type([square, None], "MULTIPOLYGON")
    assert not gpkg_geometry.same_type([square], "POLYGON")
    assert not gpkg_geometry.same_type([square], "GEOMETRY")


def test_refused_features_are_reported(provider):
    """A provider's addFeatures answers (ok, features): a refusal is an
    error, not taken for success."""
    from qgis.core import QgsFeature

    from regional_resilience.algorithms.outputs.sink import add_batch

    points = QgsVectorLayer("Point?crs=EPSG:4326&field=v:double", "points", "memory")
    feature = QgsFeature(points.fields())
    feature.setGeometry(QgsGeometry.fromWkt("Polygon ((0 0, 1 0, 1 1, 0 0))"))
    feature.setAttributes([1.0])
    alg = provider.algorithm("martinresilience").create()
    with pytest.raises(QgsProcessingException):
        add_batch(points.dataProvider(), [feature], alg, {"OUTPUT": "x"}, "OUTPUT")


def test_named_layer_in_a_geopackage_with_other_layers(run_alg, provinces, tmp_path, layer_appends):
    """A layer added to an existing GeoPackage (``ogr:dbname=... table=...``)
    goes into its own table with its own R-tree; the file's other layer is
    untouched."""
    import shutil

    target = str(tmp_path / "study.gpkg")
    shutil.copy(provinces, target)
    before = [(f.id(), f.attributes()) for f in layer(target).getFeatures()]
    alone = written(run_alg, provinces, tmp_path / "alone.gpkg")
    run_alg("entropytopsis", dict(TOPSIS, INPUT=provinces, OUTPUT=f"ogr:dbname='{target}' table=\"result\" (geom)"))
    assert layer_appends == ["alone", "result"]
    assert_same_features(layer(f"{target}|layername=result"), alone)
    assert [(f.id(), f.attributes()) for f in layer(f"{target}|layername=china_provinces").getFeatures()] == before
    assert sql(target, "SELECT count(*) FROM rtree_result_geom") == [(31,)]
    assert sorted(sql(target, "SELECT table_name, feature_count FROM gpkg_ogr_contents")) == \
        [("china_provinces", 31), ("result", 31)]


def test_without_python_sqlite_qgis_writes_everything(run_alg, provinces, tmp_path, layer_appends, monkeypatch):
    """A Python without its sqlite3 module: the layer and the tables are
    written by QGIS, the same layer as through SQLite."""
    fast = written(run_alg, provinces, tmp_path / "fast.gpkg")
    monkeypatch.setattr(gpkg_rows, "sqlite3", None)
    tables = []
    monkeypatch.setattr(gpkg_rows, "empty_table", lambda *a: tables.append(a) or None)
    slow = written(run_alg, provinces, tmp_path / "slow.gpkg", WEIGHTS_TABLE=str(tmp_path / "weights.gpkg"))
    assert layer_appends == ["fast"] and tables == []
    assert_same_features(fast, slow)
    assert layer(tmp_path / "weights.gpkg").featureCount() > 0
