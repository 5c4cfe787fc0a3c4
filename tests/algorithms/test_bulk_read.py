"""Reading through GDAL's Arrow stream gives exactly what QGIS's iterator gives.

Every layer of tests/data and a shapefile made here are read both ways
(``read_polygons(..., bulk=False)`` / ``RR_NO_BULK_READ=1`` forces QGIS's
iterator) and compared bit for bit: ids, feature ids, float columns, raw
text values with their Python types, WKB, multipart list; then the tools
write both ways and the output layers are compared attribute by attribute
and geometry by geometry. The fallback cases (memory layer, selected
features only, feature limit, SQL filter, edits, virtual fields, curves)
must take QGIS's iterator and still give QGIS's answer.
"""
import struct

import numpy as np
import pytest
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)


from regional_resilience import compat
from regional_resilience.algorithms.inputs import ogr_bulk
from regional_resilience.algorithms.inputs.layer import read_polygons
from regional_resilience.core.geometry import parse_wkb_polygons

from tests.helpers import layer

POLYGON_LAYERS = ["columbus.gpkg", "mexico.gpkg", "sids2.gpkg", "us48.gpkg", "china_provinces.gpkg"]
TABLES = ["us_income_long.gpkg", "china_panel.gpkg"]


@pytest.fixture
def reads(monkeypatch):
    """Records what every ogr_bulk.read call inside the tools returned:
    "arrow" or the Fallback reason."""
    seen = []
    real = ogr_bulk.read

    def spy(*args, **kwargs):
        try:
            table = real(*args, **kwargs)
        except ogr_bulk.Fallback as why:
            seen.append(str(why))
            raise
        seen.append("arrow")
        return table

    monkeypatch.setattr(ogr_bulk, "read", spy)
    return seen


def field_names(lyr, numeric):
    return [f.name() for f in lyr.fields() if f.isNumeric() == numeric]


def read_both(lyr, id_field="", **kwargs):
    bulk = read_polygons(lyr, id_field=id_field, bulk=None, **kwargs)
    qgis = read_polygons(lyr, id_field=id_field, bulk=False, **kwargs)
    return bulk, qgis


def assert_same_data(bulk, qgis):
    assert qgis.reader == "qgis"
    assert list(bulk.ids) == list(qgis.ids)
    assert [type(x) for x in bulk.ids] == [type(x) for x in qgis.ids]
    assert bulk.fids.dtype == qgis.fids.dtype and np.array_equal(bulk.fids, qgis.fids)
    assert bulk.columns.keys() == qgis.columns.keys()
    for name in qgis.columns:
        a, b = bulk.columns[name], qgis.columns[name]
        assert a.dtype == b.dtype == np.float64
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), name  # bit for bit, NaN too
    assert bulk.texts.keys() == qgis.texts.keys()
    for name in qgis.texts:
        assert bulk.texts[name] == qgis.texts[name], name
        assert [type(v) for v in bulk.texts[name]] == [type(v) for v in qgis.texts[name]], name
    assert bulk.multipart == qgis.multipart
    if qgis.wkbs is None:
        assert bulk.wkbs is None
    else:
        assert bulk.wkbs == qgis.wkbs  # the same bytes
        a, b = parse_wkb_polygons(bulk.wkbs), parse_wkb_polygons(qgis.wkbs)
        assert np.array_equal(a.coords, b.coords) and np.array_equal(a.ring_offsets, b.ring_offsets)
    assert bulk.crs == qgis.crs
    assert [f.name() for f in bulk.fields] == [f.name() for f in qgis.fields]


def assert_same_features(bulk_features, qgis_features):
    bulk_features = list(bulk_features)
    assert len(bulk_features) == len(qgis_features)
    for a, b in zip(bulk_features, qgis_features):
        assert a.id() == b.id()
        assert a.attributes() == b.attributes()
        assert [type(v) for v in a.attributes()] == [type(v) for v in b.attributes()]
        assert bytes(a.geometry().asWkb()) == bytes(b.geometry().asWkb())


def assert_same_layers(a, b, rounded=False):
    """The same fields, features, values and geometries. ``rounded``: ``b``
    was written by QGIS's GeoPackage writer from fields with a declared
    precision (a shapefile's Real(24,15)), which it rounds the values to
    (4.32 is written as 4.320000000000001): doubles then agree to 1e-15
    relative."""
    assert [(f.name(), f.type(), f.length(), f.precision()) for f in a.fields()] == \
           [(f.name(), f.type(), f.length(), f.precision()) for f in b.fields()]
    assert a.wkbType() == b.wkbType() and a.crs() == b.crs()
    fa, fb = list(a.getFeatures()), list(b.getFeatures())
    assert len(fa) == len(fb) > 0
    for x, y in zip(fa, fb):
        assert x.id() == y.id()
        if rounded:
            assert [type(v) for v in x.attributes()] == [type(v) for v in y.attributes()]
            assert x.attributes() == [pytest.approx(v, rel=1e-15) if isinstance(v, float) else v
                                      for v in y.attributes()]
        else:
            assert x.attributes() == y.attributes()
        assert bytes(x.geometry().asWkb()) == bytes(y.geometry().asWkb())


# ---------------------------------------------------------------------------
# arrays, every test layer
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", POLYGON_LAYERS)
def test_every_polygon_layer_reads_the_same(data_copy, name):
    lyr = layer(data_copy(name))
    numeric, text = field_names(lyr, True), field_names(lyr, False)
    id_field = text[0] if text else "fid"
    bulk, qgis = read_both(lyr, id_field, value_fields=numeric, text_fields=numeric + text,
                           geometry=True, keep_features=True)
    assert bulk.reader == "arrow", bulk.reader_note
    assert_same_data(bulk, qgis)
    assert_same_features(bulk.features, qgis.features)
    # without kept features or geometry: only the asked fields are read
    bulk, qgis = read_both(lyr, "", value_fields=numeric[:3], text_fields=text[:1])
    assert bulk.reader == "arrow" and bulk.wkbs is None and bulk.features is None
    assert_same_data(bulk, qgis)


@pytest.mark.parametrize("name", TABLES)
def test_tables_read_the_same(data_copy, name):
    lyr = layer(data_copy(name))
    names = [f.name() for f in lyr.fields()]
    table = ogr_bulk.read(lyr, names, False, source=lyr)
    feats = list(lyr.getFeatures())
    assert np.array_equal(table.fids, [f.id() for f in feats])
    for i, name in enumerate(names):
        theirs = [None if (v is None or v.__class__.__name__ == "QVariant") else v
                  for v in (f.attributes()[i] for f in feats)]
        mine = table.values(name)
        assert mine == theirs and [type(v) for v in mine] == [type(v) for v in theirs], name
    # a text column without NULL also comes as its distinct values and codes
    # (what the long-table join takes), in the order the values first appear
    texts = [n for n in names if table.kinds[n] == "str"]
    assert texts and set(table.coded) == {n for n in texts if not table.mask[n].any()}
    for text_name, coded in table.coded.items():
        assert coded.values().tolist() == table.values(text_name)
        assert coded.uniques == list(dict.fromkeys(table.values(text_name)))
    # read_polygons refuses the table the same way on both paths
    for bulk in (None, False):
        with pytest.raises(QgsProcessingException, match="must be a polygon layer"):
            read_polygons(lyr, [names[-1]], bulk=bulk)


def test_values_nulls_and_types(tmp_path):
    """Integer, Integer64, Real, String and Boolean fields with NULLs, a NULL
    geometry, in a GeoPackage and a shapefile."""
    from osgeo import ogr

    for driver, path in (("GPKG", tmp_path / "n.gpkg"), ("ESRI Shapefile", tmp_path / "n.shp")):
        ds = ogr.GetDriverByName(driver).CreateDataSource(str(path))
        lyr = ds.CreateLayer("n", None, ogr.wkbPolygon)
        for fname, ftype in (("i", ogr.OFTInteger), ("i64", ogr.OFTInteger64), ("r", ogr.OFTReal),
                             ("s", ogr.OFTString)):
            lyr.CreateField(ogr.FieldDefn(fname, ftype))
        fb = ogr.FieldDefn("b", ogr.OFTInteger)
        fb.SetSubType(ogr.OFSTBoolean)
        lyr.CreateField(fb)
        for k in range(6):
            f = ogr.Feature(lyr.GetLayerDefn())
            if k != 1:
                f.SetField("i", k)
                f.SetField("i64", k * 10 ** 12 + 1)
                f.SetField("r", k / 3)
                f.SetField("s", f"r{k} ")
                f.SetField("b", k % 2)
            if k != 2:
                f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({k} 0,{k + 1} 0,{k + 1} 1,{k} 1,{k} 0))"))
            lyr.CreateFeature(f)
        ds = None
        lyr = layer(path)
        bulk, qgis = read_both(lyr, "", value_fields=["i", "i64", "r", "b"],
                               text_fields=["i", "i64", "r", "s", "b"], keep_features=True)
        assert bulk.reader == "arrow", bulk.reader_note
        assert_same_data(bulk, qgis)
        assert_same_features(bulk.features, qgis.features)
        assert np.isnan(bulk.columns["r"][1]) and bulk.texts["s"][1] is None
        assert bulk.columns["i64"][3] == 3 * 10 ** 12 + 1
        # a string id field with a trailing space reads stripped; ids "r0".."r5" minus the NULL
        with pytest.raises(QgsProcessingException, match="'s' is NULL for features"):
            read_polygons(lyr, [], "s")
        # the NULL geometry is refused by name on both paths, with the same sentence
        messages = []
        for b in (None, False):
            with pytest.raises(QgsProcessingException, match="features without geometry") as err:
                read_polygons(lyr, [], "fid" if driver == "GPKG" else "", geometry=True, bulk=b)
            messages.append(str(err.value))
        assert messages[0] == messages[1]


def test_narrow_subtypes_and_dates_fall_back(tmp_path):
    """Float32 / Int16 subtypes (Arrow narrows the stored double / int32)
    and date fields take QGIS's iterator, with QGIS's values."""
    from osgeo import ogr

    path = str(tmp_path / "sub.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("s", None, ogr.wkbPolygon)
    for fname, ftype, sub in (("f32", ogr.OFTReal, ogr.OFSTFloat32), ("i16", ogr.OFTInteger, ogr.OFSTInt16),
                              ("d", ogr.OFTDate, ogr.OFSTNone), ("v", ogr.OFTReal, ogr.OFSTNone)):
        fd = ogr.FieldDefn(fname, ftype)
        fd.SetSubType(sub)
        lyr.CreateField(fd)
    for k in range(4):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("f32", 0.1 * k)
        f.SetField("i16", k)
        f.SetField("d", f"2020-01-0{k + 1}")
        f.SetField("v", 0.1 * k)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({k} 0,{k + 1} 0,{k + 1} 1,{k} 1,{k} 0))"))
        lyr.CreateFeature(f)
    ds = None
    vl = layer(path)
    for name, why in (("f32", "Float32"), ("i16", "Int16")):
        bulk, qgis = read_both(vl, "", value_fields=[name])
        assert bulk.reader == "qgis" and why in bulk.reader_note
        assert_same_data(bulk, qgis)
    data = read_polygons(vl, ["v"], text_fields=["d"])
    assert data.reader == "qgis" and "Date" in data.reader_note
    assert read_polygons(vl, ["v"]).reader == "arrow"  # the other fields are not asked for
    assert read_polygons(vl, ["v"], keep_features=True).reader == "qgis"  # all fields are


def test_empty_geometries_are_found_as_qgis_finds_them():
    """The bulk emptiness test equals QgsGeometry.isEmpty() on odd WKB."""
    def poly(*rings):
        out = struct.pack("<BII", 1, 3, len(rings))
        for ring in rings:
            out += struct.pack("<I", len(ring)) + np.asarray(ring, float).tobytes()
        return out

    def multi(*parts):
        return struct.pack("<BII", 1, 6, len(parts)) + b"".join(parts)

    sq = [(0, 0), (1, 0), (1, 1), (0, 0)]
    cases = [poly(), poly([]), poly(sq), poly([], sq), multi(), multi(poly()), multi(poly(), poly()),
             multi(poly([]), poly(sq)), multi(poly(), poly(), poly(), poly([]), poly(sq)),
             multi(poly(sq)), multi(poly(sq), poly(sq)), multi(poly(), poly([]), poly([], []))]
    data = np.empty(len(cases), dtype=object)
    data[:] = cases
    _, nulls, multipart, empty = ogr_bulk._geometries(data, np.zeros(len(cases), bool), multi=False)
    expected = []
    for k, w in enumerate(cases):
        g = QgsGeometry()
        g.fromWkb(w)
        if g.isEmpty():
            expected.append(k)
    assert empty == expected and len(expected) == 7
    assert nulls == [] and multipart == [k for k, w in enumerate(cases)
                                         if w[1] == 6 and struct.unpack_from("<I", w, 5)[0] > 1]


# ---------------------------------------------------------------------------
# shapefile made here: single polygons promoted to multi, as QGIS does
# ---------------------------------------------------------------------------

@pytest.fixture
def mexico_shp(data_copy, tmp_path):
    from osgeo import gdal

    src = str(data_copy("mexico.gpkg"))
    out = str(tmp_path / "mexico.shp")
    ds = gdal.VectorTranslate(out, src, format="ESRI Shapefile")
    ds = None  # noqa: F841 (closes the file)
    return out


def test_shapefile_reads_the_same(mexico_shp):
    lyr = layer(mexico_shp)
    numeric, text = field_names(lyr, True), field_names(lyr, False)
    bulk, qgis = read_both(lyr, "CODE", value_fields=numeric, text_fields=text, geometry=True,
                           keep_features=True)
    assert bulk.reader == "arrow", bulk.reader_note
    assert_same_data(bulk, qgis)
    assert_same_features(bulk.features, qgis.features)
    # OGR reads single-part shapes as Polygon; QGIS promotes them to the layer's MultiPolygon
    assert all(w[1] == 6 for w in bulk.wkbs) and len(bulk.multipart) < bulk.n
    assert list(bulk.fids[:3]) == [0, 1, 2]


# ---------------------------------------------------------------------------
# the written outputs are the same
# ---------------------------------------------------------------------------

def run_both(run_alg, monkeypatch, reads, alg_id, params, tmp_path):
    """Run a tool on the bulk path and with RR_NO_BULK_READ=1; return both
    output layers (written to GeoPackages) and what the reader did."""
    outs = []
    for tag, env in (("bulk", None), ("qgis", "1")):
        if env:
            monkeypatch.setenv(ogr_bulk.ENV_DISABLE, env)
        else:
            monkeypatch.delenv(ogr_bulk.ENV_DISABLE, raising=False)
        dest = str(tmp_path / f"{alg_id}_{tag}.gpkg")
        run_alg(alg_id, dict(params, OUTPUT=dest))
        outs.append(layer(dest))
    monkeypatch.delenv(ogr_bulk.ENV_DISABLE, raising=False)
    return outs[0], outs[1], list(reads)


@pytest.mark.parametrize("name", POLYGON_LAYERS + ["mexico.shp"])
def test_written_outputs_are_the_same(run_alg, monkeypatch, reads, data_copy, mexico_shp, tmp_path,
                                      name):
    src = mexico_shp if name == "mexico.shp" else str(data_copy(name))
    bulk, qgis, seen = run_both(run_alg, monkeypatch, reads, "buildweights",
                                {"INPUT": src, "WEIGHTS_OUTPUT": str(tmp_path / "w.gal")}, tmp_path)
    assert seen == ["arrow", f"{ogr_bulk.ENV_DISABLE} is set"]
    assert_same_layers(bulk, qgis, rounded=name == "mexico.shp")
    assert "nb_count" in [f.name() for f in bulk.fields()]
    # the input's values themselves, exactly, in the copy written through SQLite
    source = layer(src)
    names = [f.name() for f in source.fields()]
    copied = [[f[n] for n in names] for f in bulk.getFeatures()]
    assert copied == [f.attributes() for f in source.getFeatures()]


def test_lisa_outputs_are_the_same(run_alg, monkeypatch, reads, data_copy, tmp_path):
    src = str(data_copy("mexico.gpkg"))
    params = {"INPUT": src, "ID_FIELD": "CODE", "FIELDS": ["PCGDP1940", "PCGDP1970", "PCGDP2000"],
              "PERMUTATIONS": 99, "SEED": 7, "SUMMARY": "TEMPORARY_OUTPUT"}
    bulk, qgis, seen = run_both(run_alg, monkeypatch, reads, "localmoran", params, tmp_path)
    assert seen[0] == "arrow" and seen[1].endswith("is set")
    assert_same_layers(bulk, qgis)
    names = [f.name() for f in bulk.fields()]
    inputs = [f.name() for f in layer(src).fields()]
    assert names[: len(inputs)] == inputs and len(names) >= len(inputs) + 3 * 4


def test_output_replacing_an_input_field_is_the_same(run_alg, monkeypatch, reads, data_copy, tmp_path):
    """An input field named like a new one is dropped from the copy on both paths."""
    from osgeo import ogr

    src = str(data_copy("columbus.gpkg"))
    ds = ogr.Open(src, 1)
    ds.GetLayer(0).CreateField(ogr.FieldDefn("nb_count", ogr.OFTInteger))
    ds = None
    bulk, qgis, seen = run_both(run_alg, monkeypatch, reads, "buildweights",
                                {"INPUT": src, "WEIGHTS_OUTPUT": str(tmp_path / "w.gal")}, tmp_path)
    assert seen[0] == "arrow"
    assert_same_layers(bulk, qgis)
    assert [f.name() for f in bulk.fields()].count("nb_count") == 1


def test_long_tables_are_read_in_bulk_with_the_same_results(run_alg, monkeypatch, reads, data_copy, tmp_path):
    """A long table (US incomes: text ids, integer years) and a long table
    with an industry column (China's employment) are read through the Arrow
    stream and give the same outputs, layer and table, as QGIS's iterator."""
    lisa = {"INPUT": str(data_copy("us48.gpkg")), "ID_FIELD": "STATE_NAME",
            "TABLE": str(data_copy("us_income_long.gpkg")), "TABLE_ID_FIELD": "state",
            "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["income"], "PERMUTATIONS": 99, "SEED": 7}
    bulk, qgis, seen = run_both(run_alg, monkeypatch, reads, "localmoran", lisa, tmp_path)
    assert seen[:2] == ["arrow", "arrow"] and all(s.endswith("is set") for s in seen[2:]), seen
    assert_same_layers(bulk, qgis)

    employment = str(data_copy("china_employment.gpkg"))
    agg = {"INPUT": str(data_copy("china_provinces.gpkg")) + "|subset=in_study = 1", "ID_FIELD": "code",
           "TABLE": employment + "|layername=employment", "TABLE_ID_FIELD": "code", "TABLE_PERIOD_FIELD": "year",
           "TABLE_INDUSTRY_FIELD": "industry", "TABLE_VALUE_FIELDS": ["jobs"]}
    outs = []
    for tag, env in (("bulk", None), ("qgis", "1")):
        if env:
            monkeypatch.setenv(ogr_bulk.ENV_DISABLE, env)
        res, _ = run_alg("agglomeration", dict(agg, OUTPUT=str(tmp_path / f"agg_{tag}.gpkg"),
                                               LQ_TABLE=str(tmp_path / f"lq_{tag}.gpkg")))
        outs.append((layer(res["OUTPUT"]), layer(res["LQ_TABLE"])))
    monkeypatch.delenv(ogr_bulk.ENV_DISABLE, raising=False)
    assert reads[-4:-2] == ["arrow", "arrow"] and all(s.endswith("is set") for s in reads[-2:]), reads
    assert_same_layers(outs[0][0], outs[1][0])
    a, b = ([f.attributes() for f in t.getFeatures()] for t in (outs[0][1], outs[1][1]))
    assert a == b and len(a) == 31 * 8 * 5

@pytest.mark.parametrize("shape", ["sorted", "runs out of order", "alternating", "few then more",
                                   "many, unsorted", "many short, unsorted", "one value"])
def test_distinct_text_values_match_a_dictionary_pass(shape):
    """The fixed-width bytes of a text column give the distinct values (in
    the order they first appear) and codes that factorize gives on the
    decoded column, in each of the ways the reader takes: runs (sorted
    ids, or grouped by id in another order), few values compared one by one (an industry), few values and then
    others (the rest by dictionary), many values out of order (sorted as
    integers when short, else by dictionary)."""
    from regional_resilience.core.panel import factorize

    rng = np.random.default_rng(sum(map(ord, shape)))
    pool = np.array(["".join(rng.choice(list("ab\u00e9\u5e02 "), size=rng.integers(0, 6))).encode()
                     for _ in range(400)])
    if shape == "many short, unsorted":  # at most 8 bytes: sorted as integers
        pool = np.array([str(110000 + 7 * k).encode() for k in range(300)] + [b"", b"a", b"a b"])
    pool = np.unique(pool)
    n = 5000
    codes = {"sorted": np.sort(rng.integers(0, len(pool), n)),
             "runs out of order": np.repeat(rng.permutation(len(pool))[:100], 50),
             "alternating": np.tile(np.arange(3), n // 3 + 1)[:n],
             "few then more": np.r_[np.tile(np.arange(4), 600), rng.integers(0, len(pool), n - 2400)],
             "many, unsorted": rng.integers(0, len(pool), n),
             "many short, unsorted": rng.integers(0, len(pool), n),
             "one value": np.zeros(n, dtype=np.int64)}[shape]
    data = pool[codes]
    assert data.dtype.kind == "S" and (data.dtype.itemsize <= 8) == (shape == "many short, unsorted")
    mask = np.zeros(n, dtype=bool)
    text, coded = ogr_bulk._decode(data, mask, "name")
    decoded = [v.decode("utf-8") for v in data.tolist()]
    assert text.tolist() == decoded
    uniques, reference = factorize(np.array(decoded, dtype=object))
    assert coded.uniques == uniques and np.array_equal(coded.codes, reference)
    assert coded.codes.dtype == np.int64
    # with a NULL the column is given as text only (NULL keys are refused anyway)
    mask[7] = True
    text, coded = ogr_bulk._decode(data, mask, "name")
    assert coded is None and text[7] is None and text.tolist()[8:] == decoded[8:]


def test_a_long_table_in_any_row_order_gives_the_same_panel(run_alg, reads, data_copy, tmp_path):
    """The US incomes long table (text ids) with its rows year by year and
    then shuffled joins to the same LISA output as sorted by state."""
    from osgeo import ogr

    src = ogr.Open(str(data_copy("us_income_long.gpkg")))
    rows = [(f.GetField("state"), f.GetField("year"), f.GetField("income")) for f in src.GetLayer(0)]
    src = None
    rng = np.random.default_rng(3)
    orders = {"by_year": sorted(range(len(rows)), key=lambda k: (rows[k][1], rows[k][0])),
              "shuffled": rng.permutation(len(rows)).tolist()}
    params = {"INPUT": str(data_copy("us48.gpkg")), "ID_FIELD": "STATE_NAME", "TABLE_ID_FIELD": "state",
              "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["income"], "PERMUTATIONS": 99, "SEED": 7}
    outs = {}
    for tag, order in [("sorted", None)] + list(orders.items()):
        path = str(data_copy("us_income_long.gpkg"))
        if order is not None:
            path = str(tmp_path / f"income_{tag}.gpkg")
            ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
            lyr = ds.CreateLayer("income", None, ogr.wkbNone)
            for name, kind in (("state", ogr.OFTString), ("year", ogr.OFTInteger), ("income", ogr.OFTReal)):
                lyr.CreateField(ogr.FieldDefn(name, kind))
            for k in order:
                f = ogr.Feature(lyr.GetLayerDefn())
                for name, value in zip(("state", "year", "income"), rows[k]):
                    f.SetField(name, value)
                lyr.CreateFeature(f)
            ds = None
        res, _ = run_alg("localmoran", dict(params, TABLE=path, OUTPUT=str(tmp_path / f"lisa_{tag}.gpkg")))
        outs[tag] = layer(res["OUTPUT"])
    assert reads and all(r == "arrow" for r in reads), reads
    assert_same_layers(outs["sorted"], outs["by_year"])
    assert_same_layers(outs["sorted"], outs["shuffled"])


# ---------------------------------------------------------------------------
# subset strings: a WHERE clause is applied as QGIS applies it
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("subset", ['"PCGDP1940" > 5000', "\"NAME\" LIKE 'B%' OR \"HANSON03\" = 3"])
def test_layer_filter_is_applied_identically(data_copy, subset):
    lyr = layer(data_copy("mexico.gpkg"))
    assert lyr.setSubsetString(subset)
    bulk, qgis = read_both(lyr, "CODE", value_fields=["PCGDP1940"], text_fields=["NAME"],
                           geometry=True, keep_features=True)
    assert bulk.reader == "arrow", bulk.reader_note
    assert 3 <= bulk.n < 32
    assert_same_data(bulk, qgis)
    assert_same_features(bulk.features, qgis.features)


def test_shapefile_filter_is_applied_identically(mexico_shp):
    lyr = layer(mexico_shp)
    assert lyr.setSubsetString('"PCGDP2000" < 15000')
    bulk, qgis = read_both(lyr, "CODE", value_fields=["PCGDP2000"], geometry=True)
    assert bulk.reader == "arrow" and 3 <= bulk.n < 32
    assert_same_data(bulk, qgis)


# ---------------------------------------------------------------------------
# fallbacks: QGIS's iterator, and still QGIS's answer
# ---------------------------------------------------------------------------

def test_memory_layer_falls_back(data_copy):
    src = layer(data_copy("mexico.gpkg"))
    mem = src.materialize(QgsFeatureRequest())
    data = read_polygons(mem, ["PCGDP1940"], "CODE", geometry=True)
    assert data.reader == "qgis" and "memory" in data.reader_note
    ref = read_polygons(src, ["PCGDP1940"], "CODE", geometry=True)
    assert ref.reader == "arrow"
    assert list(data.ids) == list(ref.ids) and np.array_equal(data.columns["PCGDP1940"],
                                                              ref.columns["PCGDP1940"])


def test_sql_query_filter_falls_back(data_copy):
    lyr = layer(data_copy("mexico.gpkg"))
    lyr.setSubsetString('SELECT * FROM mexico WHERE "PCGDP1940" > 5000')
    if not lyr.isValid() or lyr.featureCount() <= 0:
        pytest.skip("this GDAL refuses the SQL filter")
    data = read_polygons(lyr, ["PCGDP1940"], "CODE")
    assert data.reader == "qgis" and "SQL query" in data.reader_note
    assert (data.columns["PCGDP1940"] > 5000).all()


def test_unsaved_edits_and_virtual_fields_fall_back(data_copy):
    lyr = layer(data_copy("mexico.gpkg"))
    assert lyr.startEditing()
    idx = lyr.fields().lookupField("PCGDP1940")
    first = next(lyr.getFeatures())
    lyr.changeAttributeValue(first.id(), idx, 1.5)
    data = read_polygons(lyr, ["PCGDP1940"], "CODE")
    assert data.reader == "qgis" and "unsaved edits" in data.reader_note
    assert data.columns["PCGDP1940"][0] == 1.5
    lyr.rollBack()
    assert read_polygons(lyr, ["PCGDP1940"], "CODE").reader == "arrow"
    lyr.addExpressionField('"PCGDP1940" * 2', compat.make_field("double_gdp", "double"))
    data = read_polygons(lyr, ["double_gdp"], "CODE")
    assert data.reader == "qgis" and "virtual" in data.reader_note
    assert data.columns["double_gdp"][0] == 2 * 22361.0


def test_environment_variable_forces_the_iterator(data_copy, monkeypatch):
    lyr = layer(data_copy("mexico.gpkg"))
    monkeypatch.setenv(ogr_bulk.ENV_DISABLE, "1")
    data = read_polygons(lyr, ["PCGDP1940"], "CODE")
    assert data.reader == "qgis" and ogr_bulk.ENV_DISABLE in data.reader_note
    monkeypatch.setenv(ogr_bulk.ENV_DISABLE, "0")
    assert read_polygons(lyr, ["PCGDP1940"], "CODE").reader == "arrow"


def test_curved_layer_falls_back(tmp_path):
    from osgeo import ogr

    path = str(tmp_path / "curves.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("c", None, ogr.wkbCurvePolygon)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTReal))
    for k in range(4):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("v", float(k))
        x = 10 * k
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"CURVEPOLYGON(CIRCULARSTRING({x} 0,{x + 5} 5,{x + 10} 0,{x + 5} -5,{x} 0))"))
        lyr.CreateFeature(f)
    ds = None
    data = read_polygons(layer(path), ["v"], geometry=True)
    assert data.reader == "qgis" and "curved" in data.reader_note
    assert data.wkbs[0][1] == 3  # segmentized by the iterator path, as before


def test_selected_features_and_feature_limit_fall_back(run_alg, monkeypatch, reads, data_copy, tmp_path):
    lyr = layer(data_copy("mexico.gpkg"), "mexico")
    QgsProject.instance().addMapLayer(lyr)
    try:
        ids = [f.id() for f in lyr.getFeatures()][:12]
        lyr.selectByIds(ids)
        base = {"WEIGHTS_OUTPUT": str(tmp_path / "w.gal")}
        res, _ = run_alg("buildweights", dict(base, INPUT=QgsProcessingFeatureSourceDefinition(lyr.id(), True),
                                           OUTPUT="TEMPORARY_OUTPUT"))
        assert reads[-1] == "only the selected features are used"
        assert res["OUTPUT"].featureCount() == 12
        assert sorted(f["fid"] for f in res["OUTPUT"].getFeatures()) == sorted(ids)
        res, _ = run_alg("buildweights", dict(base, INPUT=QgsProcessingFeatureSourceDefinition(
            lyr.id(), False, 7), OUTPUT="TEMPORARY_OUTPUT"))
        assert reads[-1] == "a feature limit is set on the input"
        assert res["OUTPUT"].featureCount() == 7
        # the same layer without selection or limit, by id: the bulk path
        res, _ = run_alg("buildweights", dict(base, INPUT=lyr.id(), OUTPUT="TEMPORARY_OUTPUT"))
        assert reads[-1] == "arrow" and res["OUTPUT"].featureCount() == 32
    finally:
        QgsProject.instance().removeMapLayer(lyr.id())


def test_memory_and_layer_object_inputs_through_processing(run_alg, reads, data_copy, tmp_path):
    src = layer(data_copy("sids2.gpkg"))
    res, _ = run_alg("buildweights", {"INPUT": src, "OUTPUT": "TEMPORARY_OUTPUT",
                                   "WEIGHTS_OUTPUT": str(tmp_path / "a.gal")})
    assert reads[-1] == "arrow"
    mem = src.materialize(QgsFeatureRequest())
    res2, _ = run_alg("buildweights", {"INPUT": mem, "OUTPUT": "TEMPORARY_OUTPUT",
                                    "WEIGHTS_OUTPUT": str(tmp_path / "b.gal")})
    assert "memory" in reads[-1]
    a = [f["nb_count"] for f in res["OUTPUT"].getFeatures()]
    b = [f["nb_count"] for f in res2["OUTPUT"].getFeatures()]
    assert a == b and sum(a) > 0


def test_invalid_geometries_are_read_on_both_paths(tmp_path):
    """A bow-tie polygon: the context's "stop on invalid geometry" setting
    does not apply (contiguity uses vertices only) on either path; a check
    set on the input itself is honoured by QGIS's iterator."""
    from osgeo import ogr
    from qgis.core import QgsFeatureRequest as R
    from qgis.core import QgsProcessingFeatureSource

    path = str(tmp_path / "bowtie.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("b", None, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTReal))
    wkts = [f"POLYGON(({x} 0,{x + 1} 0,{x + 1} 1,{x} 1,{x} 0))" for x in range(3)]
    wkts.append("POLYGON((0 3,1 4,1 3,0 4,0 3))")
    for k, wkt in enumerate(wkts):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("v", float(k))
        f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(f)
    ds = None
    vl = layer(path)
    context = QgsProcessingContext()
    context.setInvalidGeometryCheck(R.GeometryAbortOnInvalid)
    source = QgsProcessingFeatureSource(vl, context)
    bulk = read_polygons(source, ["v"], geometry=True, layer=vl)
    qgis = read_polygons(source, ["v"], geometry=True, layer=vl, bulk=False)
    assert bulk.reader == "arrow" and bulk.n == qgis.n == 4
    assert_same_data(bulk, qgis)
    # a check chosen on the input itself: QGIS's iterator applies it (skip invalid here)
    context.setInvalidGeometryCheck(R.GeometrySkipInvalid)
    source = QgsProcessingFeatureSource(vl, context)
    flag = QgsProcessingFeatureSourceDefinition.FlagOverrideDefaultGeometryCheck
    definition = QgsProcessingFeatureSourceDefinition(vl.source(), False, -1, flag, R.GeometrySkipInvalid)
    data = read_polygons(source, ["v"], geometry=True, layer=vl, definition=definition)
    assert data.reader == "qgis" and "invalid-geometry" in data.reader_note
    assert data.n == 3 and list(data.columns["v"]) == [0.0, 1.0, 2.0]


def test_bulk_features_behave_as_qgis_features(data_copy):
    lyr = layer(data_copy("columbus.gpkg"))
    data = read_polygons(lyr, ["CRIME"], keep_features=True)
    assert isinstance(data.features, ogr_bulk.BulkFeatures)
    feats = list(lyr.getFeatures())
    assert len(data.features) == len(feats)
    assert_same_features([data.features[0], data.features[-1]], [feats[0], feats[-1]])
    assert isinstance(data.features[2], QgsFeature)
    assert len(data.features[1:4]) == 3


def test_wide_geopackage_reads_the_same(tmp_path):
    """A layer with more columns than GDAL 3.6's GeoPackage Arrow reader
    takes (the study layer at the end of a model chain has hundreds): read
    through the iterator there, through Arrow on newer GDAL, the same data."""
    from osgeo import gdal, ogr

    path = tmp_path / "wide.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lyr = ds.CreateLayer("wide", None, ogr.wkbPolygon)
    names = [f"v_{k:03d}" for k in range(150)]
    for name in names:
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTReal))
    for i in range(5):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({i} 0,{i + 1} 0,{i + 1} 1,{i} 1,{i} 0))"))
        for k, name in enumerate(names):
            f.SetField(name, float(i * 1000 + k))
        lyr.CreateFeature(f)
    ds = None
    qlyr = layer(path)
    bulk, qgis = read_both(qlyr, "", value_fields=names, geometry=True, keep_features=True)
    assert_same_data(bulk, qgis)
    if int(gdal.VersionInfo()) < 3070000:
        assert bulk.reader == "qgis" and "columns" in bulk.reader_note
    else:
        assert bulk.reader == "arrow", bulk.reader_note
