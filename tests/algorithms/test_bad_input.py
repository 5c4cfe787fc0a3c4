"""Bad input gets a clear message (or a documented, reported handling)."""
import numpy as np
import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsProcessingException, QgsVectorLayer

from tests.helpers import column, grid_layer

LISA = {"OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT", "PERMUTATIONS": 99}


def values_grid(n=4, fn=lambda k: float(k % 7)):
    return [[fn(k), fn(k) * 2] for k in range(n * n)]


def test_point_layer_refused(run_alg):
    pts = QgsVectorLayer("Point?crs=EPSG:3857&field=v:double", "pts", "memory")
    feats = []
    for k in range(5):
        f = QgsFeature(pts.fields())
        f.setGeometry(QgsGeometry.fromWkt(f"POINT({k} {k})"))
        f.setAttributes([float(k)])
        feats.append(f)
    pts.dataProvider().addFeatures(feats)
    with pytest.raises(QgsProcessingException, match="polygon layer"):
        run_alg("localmoran", dict(LISA, INPUT=pts, FIELDS=["v"]))


def test_too_few_features(run_alg):
    lyr = grid_layer(2, 1, values=[[1.0], [2.0]])
    with pytest.raises(QgsProcessingException, match="at least 3"):
        run_alg("localmoran", dict(LISA, INPUT=lyr, FIELDS=["v"]))


def test_null_values_refused_naming_regions(run_alg):
    vals = [[float(k)] for k in range(9)]
    vals[4] = [None]
    lyr = grid_layer(3, 3, fields="name:string,v:double",
                     values=[[f"r{k}"] + v for k, v in enumerate(vals)])
    with pytest.raises(QgsProcessingException, match=r"Missing \(NULL\) values in v .*r4"):
        run_alg("localmoran", dict(LISA, INPUT=lyr, ID_FIELD="name", FIELDS=["v"]))


def test_constant_field_refused(run_alg):
    lyr = grid_layer(3, 3, values=[[5.0]] * 9)
    with pytest.raises(QgsProcessingException, match="same value for every region"):
        run_alg("globalmoran", {"INPUT": lyr, "FIELDS": ["v"], "OUTPUT": "TEMPORARY_OUTPUT"})


def test_duplicate_ids_refused(run_alg):
    lyr = grid_layer(3, 3, fields="name:string,v:double",
                     values=[["a" if k < 2 else f"r{k}", float(k)] for k in range(9)])
    with pytest.raises(QgsProcessingException, match="repeats values: a"):
        run_alg("localmoran", dict(LISA, INPUT=lyr, ID_FIELD="name", FIELDS=["v"]))


def _long_table(rows):
    tbl = QgsVectorLayer("None?field=region:string&field=year:integer&field=value:string",
                         "long", "memory")
    feats = []
    for r in rows:
        f = QgsFeature(tbl.fields())
        f.setAttributes(list(r))
        feats.append(f)
    tbl.dataProvider().addFeatures(feats)
    return tbl


def _long_params(lyr, tbl):
    return dict(LISA, INPUT=lyr, ID_FIELD="name", TABLE=tbl, TABLE_ID_FIELD="region",
                TABLE_PERIOD_FIELD="year", TABLE_VALUE_FIELDS=["value"])


@pytest.fixture
def named_grid():
    return grid_layer(3, 3, fields="name:string", values=[[f"r{k}"] for k in range(9)])


def test_long_table_text_numbers_are_read(run_alg, named_grid):
    rows = [(f"r{k}", y, str(float(k * k + y))) for k in range(9) for y in (2000, 2001)]
    res, _ = run_alg("localmoran", _long_params(named_grid, _long_table(rows)))
    numeric = [(r, y, float(v)) for r, y, v in rows]
    ref, _ = run_alg("localmoran", _long_params(named_grid, _long_table(numeric)))
    for name in ("lisa_i_2000", "lisa_i_2001", "lisa_p_2001"):
        got, want = column(res["OUTPUT"], name), column(ref["OUTPUT"], name)
        assert np.isfinite(got).all()
        np.testing.assert_array_equal(got, want)


def test_long_table_unknown_ids(run_alg, named_grid):
    rows = [(f"r{k}", 2000, "1") for k in range(9)] + [("zz", 2000, "2")]
    with pytest.raises(QgsProcessingException, match="match no polygon: zz"):
        run_alg("localmoran", _long_params(named_grid, _long_table(rows)))


def test_long_table_duplicate_rows(run_alg, named_grid):
    rows = [(f"r{k}", 2000, str(k)) for k in range(9)] + [("r3", 2000, "5")]
    with pytest.raises(QgsProcessingException, match="more than one row for: r3 in 2000"):
        run_alg("localmoran", _long_params(named_grid, _long_table(rows)))


def test_long_table_unbalanced(run_alg, named_grid):
    rows = [(f"r{k}", y, str(k + y)) for k in range(9) for y in (2000, 2001) if (k, y) != (5, 2001)]
    with pytest.raises(QgsProcessingException, match="unbalanced.*r5 in 2001"):
        run_alg("localmoran", _long_params(named_grid, _long_table(rows)))


def test_long_table_missing_region(run_alg, named_grid):
    rows = [(f"r{k}", 2000, str(k)) for k in range(8)]
    with pytest.raises(QgsProcessingException, match="No rows .* regions: r8"):
        run_alg("localmoran", _long_params(named_grid, _long_table(rows)))


def test_long_table_non_numeric(run_alg, named_grid):
    rows = [(f"r{k}", 2000, "n/a" if k == 2 else str(k)) for k in range(9)]
    with pytest.raises(QgsProcessingException, match="not numeric: value 'n/a' at region r2"):
        run_alg("localmoran", _long_params(named_grid, _long_table(rows)))


def test_island_is_reported_and_classed(run_alg):
    far = "POLYGON((100000 100000,101000 100000,101000 101000,100000 101000,100000 100000))"
    vals = [[float((k * 37) % 11)] for k in range(17)]
    lyr = grid_layer(4, 4, values=vals, extra=[far])
    res, log = run_alg("localmoran", dict(LISA, INPUT=lyr, FIELDS=["v"]))
    assert "1 region(s) have no neighbours" in log
    cl = column(res["OUTPUT"], "lisa_cl_v")
    assert cl[-1] == 5 and np.all(cl[:-1] != 5)
    # attaching the island to its nearest region gives it a neighbour
    res2, log2 = run_alg("localmoran", dict(LISA, INPUT=lyr, FIELDS=["v"], ISLANDS=1))
    assert "Attached 1 region(s)" in log2
    assert column(res2["OUTPUT"], "lisa_cl_v")[-1] != 5


def test_multipart_and_invalid_polygons_are_handled(run_alg):
    # feature 9 is a two-part polygon touching cells 2 and 8; feature 10 a bow-tie (invalid)
    multi = ("MULTIPOLYGON(((3000 0,4000 0,4000 1000,3000 1000,3000 0)),"
             "((3000 2000,4000 2000,4000 3000,3000 3000,3000 2000)))")
    bowtie = "POLYGON((0 3000,1000 4000,1000 3000,0 4000,0 3000))"
    vals = [[float(k * 3 % 5)] for k in range(11)]
    lyr = grid_layer(3, 3, values=vals, extra=[multi, bowtie])
    res, log = run_alg("buildweights", {"INPUT": lyr, "OUTPUT": "TEMPORARY_OUTPUT",
                                        "WEIGHTS_OUTPUT": "TEMPORARY_OUTPUT"})
    assert "1 multipart region(s)" in log
    nb = column(res["OUTPUT"], "nb_count")
    assert nb[9] == 3  # both parts count: cells 2, 5 (corner) and 8
    assert nb[10] == 2  # the bow-tie shares vertices (0,3000) and (1000,3000) with cells 6 and 7


def test_empty_layer(run_alg):
    lyr = QgsVectorLayer("Polygon?crs=EPSG:3857&field=v:double", "empty", "memory")
    with pytest.raises(QgsProcessingException, match="has 0 feature"):
        run_alg("globalmoran", {"INPUT": lyr, "FIELDS": ["v"], "OUTPUT": "TEMPORARY_OUTPUT"})


def test_negative_damage_refused(run_alg):
    lyr = grid_layer(3, 3, fields="so2:double,dust:double",
                     values=[[float(k), -1.0 if k == 4 else float(k % 3)] for k in range(9)])
    with pytest.raises(QgsProcessingException, match="dust"):
        run_alg("cedi", {"INPUT": lyr, "FIELDS": ["so2", "dust"], "OUTPUT": "TEMPORARY_OUTPUT",
                         "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
