"""Build china_provinces.gpkg from the China map that Apache ECharts 4.x ships.

Source: the npm package ``echarts`` 4.9.0 (Apache-2.0), file
``package/map/json/china.json``: 34 provincial units with their 6-digit
administrative division codes (GB/T 2260) as ``id`` and short Chinese names
(the 5.x packages no longer ship map files). Download it once with::

    npm pack echarts@4.9.0        # writes echarts-4.9.0.tgz

and run, with any Python that has GDAL's bindings (``/usr/bin/python3`` or
the project's ``.venv/bin/python``)::

    python tests/data/make_china.py echarts-4.9.0.tgz

The argument may be the ``.tgz`` itself or an extracted ``china.json``.

What the script does:

* decodes ECharts' compressed GeoJSON (``UTF8Encoding``: every ring is a
  string of zigzag-encoded coordinate deltas, two characters per vertex,
  offset by ``encodeOffsets``; the integers are degrees times 1024, as in
  ``echarts/lib/coord/geo/parseGeoJson.js``). ``n / 1024`` is exact in
  float64, so vertices that the source shares between provinces stay
  bit-identical;
* closes the one unclosed ring (Inner Mongolia's, whose last vertex is not
  a repeat of its first) by repeating the first vertex;
* drops the 30 degenerate rings (three vertices, two distinct points, zero
  area: islets that the 1/1024-degree grid collapsed; none touches another
  unit);
* repairs the 11 units left invalid (rings that cross or touch themselves,
  or island parts overlapping the mainland part, after the quantisation:
  Hebei, Jilin, Heilongjiang, Zhejiang, Anhui, Fujian, Shandong, Hubei,
  Hunan, Guangdong, Chongqing) with GEOS's MakeValid ("linework": it keeps
  the vertices and adds nodes where edges cross), keeps its polygons and
  fills the holes it makes of a ring's loops back over the unit's own
  interior (the source has no holes), but not the two in Hubei that touch
  Chongqing's vertices (gaps along that border). No vertex shared with
  another unit is lost; 30 vertices of Hunan, Heilongjiang and Shandong
  that only bounded such loops are, and areas change by at most 0.01 %.
  Without the repair QGIS Processing, which by default stops at an invalid
  geometry, would refuse the layer;
* writes every unit as a MultiPolygon (single polygons promoted) in
  EPSG:4326, no simplification (the source is already generalised: about
  16,000 vertices for all of China; the file is about 0.4 MB);
* adds ``name_en`` (the English names of the NBS yearbooks), ``region4``
  (the NBS four economic regions) and ``in_study`` (1 for the 31 mainland
  units the statistical yearbooks cover; 0 for Hong Kong, Macau and Taiwan,
  whose ``region4`` is ``'other'``); ``name_zh`` is the source's short name
  (the yearbooks' convention, e.g. 内蒙古, not 内蒙古自治区), ``code`` the
  source's ``id``, checked against the table below.

Borders: neighbouring provinces share their junction vertices exactly (every
pair of real neighbours shares at least one vertex, most share long runs of
edges), but between shared vertices each side may have its own generalised
vertices, which leaves thin slivers of overlap or gap (up to ~0.007 square
degrees a pair). Queen and rook contiguity at tolerance 0 are right: see
ATTRIBUTION.md.

The features are written in code order. GDAL's GPKG timestamps are pinned
(``OGR_CURRENT_DATE``), so a re-run writes the same bytes.
"""
import json
import os
import struct
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).parent
TARGET = HERE / "china_provinces.gpkg"
LAYER = "china_provinces"
MEMBER = "package/map/json/china.json"
FIXED_DATE = "2024-01-01T00:00:00Z"

# code, short Chinese name (as in the source), English name, NBS region.
PROVINCES = [
    ("110000", "北京", "Beijing", "east"),
    ("120000", "天津", "Tianjin", "east"),
    ("130000", "河北", "Hebei", "east"),
    ("140000", "山西", "Shanxi", "central"),
    ("150000", "内蒙古", "Inner Mongolia", "west"),
    ("210000", "辽宁", "Liaoning", "northeast"),
    ("220000", "吉林", "Jilin", "northeast"),
    ("230000", "黑龙江", "Heilongjiang", "northeast"),
    ("310000", "上海", "Shanghai", "east"),
    ("320000", "江苏", "Jiangsu", "east"),
    ("330000", "浙江", "Zhejiang", "east"),
    ("340000", "安徽", "Anhui", "central"),
    ("350000", "福建", "Fujian", "east"),
    ("360000", "江西", "Jiangxi", "central"),
    ("370000", "山东", "Shandong", "east"),
    ("410000", "河南", "Henan", "central"),
    ("420000", "湖北", "Hubei", "central"),
    ("430000", "湖南", "Hunan", "central"),
    ("440000", "广东", "Guangdong", "east"),
    ("450000", "广西", "Guangxi", "west"),
    ("460000", "海南", "Hainan", "east"),
    ("500000", "重庆", "Chongqing", "west"),
    ("510000", "四川", "Sichuan", "west"),
    ("520000", "贵州", "Guizhou", "west"),
    ("530000", "云南", "Yunnan", "west"),
    ("540000", "西藏", "Tibet", "west"),
    ("610000", "陕西", "Shaanxi", "west"),
    ("620000", "甘肃", "Gansu", "west"),
    ("630000", "青海", "Qinghai", "west"),
    ("640000", "宁夏", "Ningxia", "west"),
    ("650000", "新疆", "Xinjiang", "west"),
]
# Present in the source, outside the yearbooks' coverage.
OTHER_UNITS = [
    ("710000", "台湾", "Taiwan", "other"),
    ("810000", "香港", "Hong Kong", "other"),
    ("820000", "澳门", "Macau", "other"),
]
SCALE = 1024  # ECharts' default UTF8Scale


def load_source(path):
    """The GeoJSON dict from the npm tarball or from an extracted china.json."""
    path = Path(path)
    if path.suffix in (".tgz", ".gz"):
        with tarfile.open(path, "r:gz") as tar:
            return json.load(tar.extractfile(MEMBER))
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def decode_ring(text, offset):
    """One encoded ring as a list of integer (x, y) pairs (degrees * 1024)."""
    px, py = offset
    out = []
    for i in range(0, len(text), 2):
        x = ord(text[i]) - 64
        y = ord(text[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zigzag
        y = (y >> 1) ^ -(y & 1)
        px += x
        py += y
        out.append((px, py))
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def decode_geometry(geometry, encoded, scale=SCALE):
    """List of polygons, each a list of rings of float (lon, lat)."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        parts = [(coords, geometry["encodeOffsets"])] if encoded else [coords]
    elif geometry["type"] == "MultiPolygon":
        parts = list(zip(coords, geometry["encodeOffsets"])) if encoded else coords
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']}")
    polygons = []
    for part in parts:
        if encoded:
            rings = [decode_ring(r, o) for r, o in zip(*part)]
        else:
            rings = [[(float(x), float(y)) for x, y in r] for r in part]
            rings = [r + [r[0]] if r[0] != r[-1] else r for r in rings]
        polygons.append(rings)
    polygons, dropped = drop_degenerate(polygons)
    if encoded:
        polygons = [[[(x / scale, y / scale) for x, y in r] for r in rings] for rings in polygons]
    return polygons, dropped


def _twice_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))


def drop_degenerate(polygons):
    """Polygons without the rings of fewer than 3 distinct points or zero area.

    A polygon whose exterior ring is dropped goes with it. Works on the integer
    grid (exact) before the division by the scale.
    """
    out, dropped = [], 0
    for rings in polygons:
        keep = [len(set(r)) >= 3 and _twice_area(r) != 0 for r in rings]
        dropped += keep.count(False)
        if keep[0]:
            out.append([r for r, k in zip(rings, keep) if k])
        else:
            dropped += keep[1:].count(True)
    return out, dropped


def multipolygon_wkb(polygons):
    """ISO WKB (little endian) of a MultiPolygon."""
    out = [struct.pack("<BII", 1, 6, len(polygons))]
    for rings in polygons:
        out.append(struct.pack("<BII", 1, 3, len(rings)))
        for ring in rings:
            out.append(struct.pack("<I", len(ring)))
            out.append(struct.pack(f"<{2 * len(ring)}d", *(c for xy in ring for c in xy)))
    return b"".join(out)


def read_units(source):
    """(attributes, polygons) per unit, in code order; checks the source."""
    encoded = bool(source.get("UTF8Encoding"))
    table = {row[0]: (row, 1) for row in PROVINCES}
    table.update({row[0]: (row, 0) for row in OTHER_UNITS})
    units = {}
    for feature in source["features"]:
        code = str(feature["properties"]["id"])
        if code not in table:
            raise ValueError(f"unknown unit {code} {feature['properties'].get('name')}")
        (code, name_zh, name_en, region4), in_study = table[code]
        if feature["properties"]["name"] != name_zh:
            raise ValueError(f"{code}: source name {feature['properties']['name']!r} != {name_zh!r}")
        if code in units:
            raise ValueError(f"duplicate unit {code}")
        attrs = {"code": code, "name_en": name_en, "name_zh": name_zh, "region4": region4, "in_study": in_study}
        polygons, dropped = decode_geometry(feature["geometry"], encoded, source.get("UTF8Scale") or SCALE)
        attrs["_dropped"] = dropped
        units[code] = (attrs, polygons)
    missing = sorted(set(row[0] for row in PROVINCES) - set(units))
    if missing:
        raise ValueError(f"source lacks the units {missing}")
    return [units[c] for c in sorted(units)]


def _quiet_is_valid(geom):
    from osgeo import gdal

    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS reports every self-intersection
    try:
        return geom.IsValid()
    finally:
        gdal.PopErrorHandler()


def _polygon_parts(geom):
    """The polygons of a (multi)polygon or collection, flattened."""
    from osgeo import ogr

    kind = ogr.GT_Flatten(geom.GetGeometryType())
    if kind == ogr.wkbPolygon:
        return [geom]
    if kind in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        return [p for i in range(geom.GetGeometryCount()) for p in _polygon_parts(geom.GetGeometryRef(i))]
    return []  # lines and points left over by MakeValid


def valid_multipolygon(polygons, foreign):
    """OGR MultiPolygon of the rings, repaired if invalid.

    The repair is GEOS's MakeValid with its default "linework" method,
    which keeps every vertex of a proper ring and only adds nodes where
    edges cross; its polygons are kept (lines and points it may leave are
    not). A loop of a ring that runs back over the unit's own interior
    becomes a hole: the source has no holes, so such a hole is filled
    again unless one of its vertices is also a vertex of another unit
    (``foreign``, a set of (x, y)), i.e. unless it is a gap along a
    border. Returns (geometry, repaired).
    """
    from osgeo import ogr

    geom = ogr.CreateGeometryFromWkb(multipolygon_wkb(polygons))
    if _quiet_is_valid(geom):
        return geom, False
    fixed = geom.MakeValid()  # keep a reference: the parts below point into it
    out = ogr.Geometry(ogr.wkbMultiPolygon)
    for part in _polygon_parts(fixed):
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(part.GetGeometryRef(0))
        for k in range(1, part.GetGeometryCount()):
            hole = part.GetGeometryRef(k)
            if any(hole.GetPoint_2D(i) in foreign for i in range(hole.GetPointCount())):
                poly.AddGeometry(hole)
        out.AddGeometry(poly)
    if not _quiet_is_valid(out):
        raise ValueError("MakeValid did not give a valid multipolygon")
    return out, True


def write_gpkg(units, target):
    from osgeo import gdal, ogr, osr

    gdal.UseExceptions()
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
    if os.path.exists(target):
        os.remove(target)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(target))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    layer = ds.CreateLayer(
        LAYER, srs, ogr.wkbMultiPolygon,
        options=["FID=fid", "GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES",
                 "DESCRIPTION=Provincial units of China, Apache ECharts 4.9.0 map/json/china.json"],
    )
    for name, kind, width in (("code", ogr.OFTString, 6), ("name_en", ogr.OFTString, 0),
                              ("name_zh", ogr.OFTString, 0), ("region4", ogr.OFTString, 0),
                              ("in_study", ogr.OFTInteger, 0)):
        field = ogr.FieldDefn(name, kind)
        if width:
            field.SetWidth(width)
        field.SetNullable(False)
        layer.CreateField(field)
    defn = layer.GetLayerDefn()
    owners = {}
    for attrs, polygons in units:
        for rings in polygons:
            for ring in rings:
                for xy in ring:
                    owners.setdefault(xy, set()).add(attrs["code"])
    repaired = []
    layer.StartTransaction()
    for attrs, polygons in units:
        feat = ogr.Feature(defn)
        for key, value in attrs.items():
            if not key.startswith("_"):
                feat.SetField(key, value)
        foreign = {xy for xy, codes in owners.items() if codes != {attrs["code"]}}
        geom, fixed = valid_multipolygon(polygons, foreign)
        if fixed:
            repaired.append(attrs["name_en"])
        feat.SetGeometry(geom)
        layer.CreateFeature(feat)
    layer.CommitTransaction()
    ds = None
    return repaired


def main(argv):
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} echarts-4.9.0.tgz|china.json")
    units = read_units(load_source(argv[1]))
    repaired = write_gpkg(units, TARGET)
    dropped = sum(a["_dropped"] for a, _ in units)
    n_vertices = sum(len(r) for _, polys in units for rings in polys for r in rings)
    print(f"{TARGET}: {len(units)} units, {n_vertices} vertices before repair, "
          f"{dropped} degenerate rings dropped, repaired: {', '.join(repaired) or 'none'}; "
          f"{TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv)
