"""A GBK shapefile without a .cpg reads with the right Chinese names.

Chinese shapefiles are often GBK (GB18030) with no .cpg file; QGIS then
guesses (UTF-8 for an unmarked .dbf, Latin-1 for LDID 87) and shows
mojibake. Two ways make them read right, on the Arrow path and on QGIS's
iterator alike:

- in QGIS: the layer's encoding (Layer Properties > Source > Data source
  encoding, or ``layer.setProviderEncoding("GBK")``), then the layer is
  the input;
- in ``processing.run`` / ``qgis_process``: the OGR open option in the
  input's URI, ``path/to/provinces.shp|option:ENCODING=GBK``
  (``|encoding=GBK`` is not a valid OGR URI in QGIS 3.22).
"""
import numpy as np
import pytest
from qgis.core import QgsVectorLayer

from regional_resilience.algorithms.inputs import ogr_bulk
from regional_resilience.algorithms.inputs.layer import read_polygons

from tests.helpers import layer

NAMES = ["北京", "天津", "河北", "上海", "广东", "香港HongKong"]
REGIONS = ["华北", "华北", "华北", "华东", "华南", "华南"]
ID_FIELD = "省名"  # a GBK field name too (4 bytes in GBK, within the .dbf's 10)


def make_shapefile(path, encoding="GBK", ldid=None, keep_cpg=False):
    """A 3 x 2 grid of squares with Chinese names, written in ``encoding``
    (field names too: GDAL recodes them only while the SHAPE_ENCODING
    option, which QGIS sets to "" once it has opened a shapefile, is unset)."""
    from osgeo import gdal, ogr, osr

    previous = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", None)
    try:
        _write(path, encoding, ogr, osr)
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", previous)
    cpg = path.with_suffix(".cpg")
    if cpg.exists() and not keep_cpg:
        cpg.unlink()
    dbf = path.with_suffix(".dbf")
    if ldid is not None:
        raw = bytearray(dbf.read_bytes())
        raw[29] = ldid  # the language driver id byte of the .dbf header
        dbf.write_bytes(bytes(raw))
    assert ID_FIELD.encode(encoding) in dbf.read_bytes()[:200]
    return str(path)


def _write(path, encoding, ogr, osr):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(str(path))
    lyr = ds.CreateLayer(path.stem, srs, ogr.wkbPolygon, [f"ENCODING={encoding}"])
    lyr.CreateField(ogr.FieldDefn(ID_FIELD, ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("REGION", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("V", ogr.OFTReal))
    for k, (name, region) in enumerate(zip(NAMES, REGIONS)):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField(ID_FIELD, name)
        f.SetField("REGION", region)
        f.SetField("V", float(k * k))
        x, y = 1000.0 * (k % 3), 1000.0 * (k // 3)
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({x} {y},{x + 1000} {y},{x + 1000} {y + 1000},{x} {y + 1000},{x} {y}))"))
        lyr.CreateFeature(f)
    ds = None


@pytest.fixture
def gbk_shp(tmp_path):
    return make_shapefile(tmp_path / "provinces.shp")


@pytest.fixture
def reads(monkeypatch):
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


def test_the_dbf_is_gbk_without_cpg(gbk_shp):
    from pathlib import Path

    raw = Path(gbk_shp).with_suffix(".dbf").read_bytes()
    assert not Path(gbk_shp).with_suffix(".cpg").exists()
    assert "北京".encode("gbk") in raw and "广东".encode("gbk") in raw
    assert ID_FIELD.encode("gbk") in raw[:200]  # the field name, in the header
    assert "北京".encode("utf-8") not in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_without_an_encoding_qgis_reads_mojibake(gbk_shp):
    """The problem this file is about: an unmarked GBK .dbf read as UTF-8."""
    lyr = layer(gbk_shp)
    assert lyr.dataProvider().encoding() != "GBK"
    values = [f.attributes()[0] for f in lyr.getFeatures()]
    assert values[0] != "北京" and ID_FIELD not in [f.name() for f in lyr.fields()]
    # the Arrow path does not pretend to know better: it falls back to QGIS's reading
    data = read_polygons(lyr, ["V"])
    assert data.reader == "qgis"


@pytest.mark.parametrize("encoding", ["GBK", "GB18030"])
@pytest.mark.parametrize("bulk", [None, False])
def test_layer_encoding_set_in_qgis(gbk_shp, encoding, bulk):
    lyr = layer(gbk_shp)
    lyr.setProviderEncoding(encoding)
    assert ID_FIELD in [f.name() for f in lyr.fields()]
    data = read_polygons(lyr, ["V"], ID_FIELD, text_fields=["REGION"], geometry=True, bulk=bulk,
                         keep_features=True)
    assert data.reader == ("arrow" if bulk is None else "qgis"), data.reader_note
    assert list(data.ids) == NAMES
    assert data.texts["REGION"] == REGIONS
    assert np.array_equal(data.columns["V"], [float(k * k) for k in range(6)])
    assert [f.attributes()[:2] for f in data.features] == [[n, r] for n, r in zip(NAMES, REGIONS)]


@pytest.mark.parametrize("bulk", [None, False])
def test_open_option_in_the_uri(gbk_shp, bulk):
    lyr = layer(gbk_shp + "|option:ENCODING=GBK")
    data = read_polygons(lyr, ["V"], ID_FIELD, text_fields=["REGION"], geometry=True, bulk=bulk)
    assert data.reader == ("arrow" if bulk is None else "qgis"), data.reader_note
    assert list(data.ids) == NAMES and data.texts["REGION"] == REGIONS


def test_encoding_key_is_not_an_ogr_uri_option(gbk_shp):
    assert not QgsVectorLayer(gbk_shp + "|encoding=GBK", "x", "ogr").isValid()


@pytest.mark.parametrize("ldid", [0, 87])
def test_latin1_guess_is_fixed_by_the_layer_encoding(tmp_path, ldid):
    """LDID 87 makes QGIS guess ISO-8859-1; setting GBK fixes both paths."""
    path = make_shapefile(tmp_path / "p.shp", ldid=ldid)
    lyr = layer(path)
    lyr.setProviderEncoding("GBK")
    bulk = read_polygons(lyr, [], ID_FIELD, text_fields=["REGION"])
    qgis = read_polygons(lyr, [], ID_FIELD, text_fields=["REGION"], bulk=False)
    assert bulk.reader == "arrow", bulk.reader_note
    assert list(bulk.ids) == list(qgis.ids) == NAMES
    assert bulk.texts == qgis.texts == {"REGION": REGIONS}


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_shapefile_with_cpg_needs_nothing(tmp_path, encoding):
    """A .cpg file next to the .shp (GDAL writes one) names the encoding."""
    path = make_shapefile(tmp_path / "u.shp", encoding=encoding, keep_cpg=True)
    assert (tmp_path / "u.cpg").read_text().strip().upper() == encoding.upper()
    lyr = layer(path)
    bulk = read_polygons(lyr, [], ID_FIELD, text_fields=["REGION"])
    qgis = read_polygons(lyr, [], ID_FIELD, text_fields=["REGION"], bulk=False)
    assert bulk.reader == "arrow", bulk.reader_note
    assert list(bulk.ids) == list(qgis.ids) == NAMES
    assert bulk.texts["REGION"] == qgis.texts["REGION"] == REGIONS


def run_both(run_alg, monkeypatch, make_input, tmp_path):
    outs = []
    for tag, env in (("bulk", None), ("qgis", "1")):
        if env:
            monkeypatch.setenv(ogr_bulk.ENV_DISABLE, env)
        else:
            monkeypatch.delenv(ogr_bulk.ENV_DISABLE, raising=False)
        dest = str(tmp_path / f"out_{tag}.gpkg")
        gal = tmp_path / f"w_{tag}.gal"
        run_alg("buildweights", {"INPUT": make_input(), "ID_FIELD": ID_FIELD, "OUTPUT": dest,
                                 "WEIGHTS_OUTPUT": str(gal)})
        outs.append((layer(dest), gal.read_text(encoding="utf-8")))
    monkeypatch.delenv(ogr_bulk.ENV_DISABLE, raising=False)
    return outs


def check_outputs(outs):
    for out, gal in outs:
        rows = [f.attributes() for f in out.getFeatures()]
        names = [f.name() for f in out.fields()]
        assert [r[names.index(ID_FIELD)] for r in rows] == NAMES
        assert [r[names.index("REGION")] for r in rows] == REGIONS
        assert "北京" in gal and "广东" in gal  # the weights file's ids
    (a, gal_a), (b, gal_b) = outs
    assert [f.attributes() for f in a.getFeatures()] == [f.attributes() for f in b.getFeatures()]
    assert gal_a == gal_b


def test_processing_run_with_the_uri_option(run_alg, monkeypatch, reads, gbk_shp, tmp_path):
    """What qgis_process and processing.run users pass: a string."""
    outs = run_both(run_alg, monkeypatch, lambda: gbk_shp + "|option:ENCODING=GBK", tmp_path)
    assert reads == ["arrow", f"{ogr_bulk.ENV_DISABLE} is set"]
    check_outputs(outs)


def test_processing_run_with_a_layer_set_to_gbk(run_alg, monkeypatch, reads, gbk_shp, tmp_path):
    def make():
        lyr = layer(gbk_shp)
        lyr.setProviderEncoding("GBK")
        return lyr

    outs = run_both(run_alg, monkeypatch, make, tmp_path)
    assert reads == ["arrow", f"{ogr_bulk.ENV_DISABLE} is set"]
    check_outputs(outs)
