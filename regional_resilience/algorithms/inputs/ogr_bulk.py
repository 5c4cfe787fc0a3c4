"""Reading an OGR layer in bulk through GDAL's Arrow stream.

QGIS's feature iterator hands Python one ``QgsFeature`` at a time, and
every attribute and geometry crosses into Python on its own: about 30 us a
polygon. GDAL's Arrow stream (``ogr.Layer.GetArrowStreamAsNumPy``, GDAL
3.6 and later) hands over whole columns as numpy arrays and the geometry as
one WKB ``bytes`` per feature, at the speed of GDAL itself.
:func:`~.layer.read_polygons` reads a layer of QGIS's ``ogr`` provider
(GeoPackage, shapefile, FlatGeobuf, GeoJSON...) here, and gets *exactly*
what QGIS's iterator would give: the same feature ids, values of the same
Python types (NULL -> ``None``), the same WKB bytes (QGIS's single-to-multi
promotion is applied), the same strings in the encoding QGIS reads.

Whenever QGIS would read something else, :func:`read` raises
:class:`Fallback` with the reason and the caller uses QGIS's iterator:

- another provider (memory, PostGIS, virtual, WFS...) or no ``osgeo``
  bindings, or a GDAL without the Arrow stream;
- selected features only, a feature limit, a filter expression, or an
  invalid-geometry check chosen on the input itself;
- unsaved edits, joined or virtual (expression) fields;
- curved, Z or M geometries, or WKB that is not a 2D (multi)polygon;
- a layer filter (subset string) that is a whole SQL query (a ``WHERE``
  clause is applied with ``SetAttributeFilter``, as QGIS does);
- field names or types QGIS maps differently (dates, lists, JSON, binary),
  and float32 / int16 subtypes (Arrow narrows what OGR stores as double /
  int32); boolean fields are read by a second, attribute-only OGR pass
  (GDAL 3.6's numpy conversion misreads Arrow's packed booleans);
- text in an encoding that cannot be decoded exactly (a shapefile is
  opened with ``ENCODING=`` set to the layer's encoding in QGIS, so a GBK
  ``.dbf`` that the user set to GBK reads as GBK);
- a feature count or a first-features check that disagrees with QGIS.

Set the environment variable ``RR_NO_BULK_READ=1`` to always use QGIS's
iterator (or pass ``bulk=False`` to ``read_polygons``).
"""
import os
import struct
import warnings

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ... import compat
from ...core.panel import Factorized, factorize

__all__ = ["ENV_DISABLE", "BulkFeatures", "BulkTable", "Fallback", "check_definition", "disabled",
           "explicit_geometry_check", "features_unchecked", "read", "read_or_fallback"]

ENV_DISABLE = "RR_NO_BULK_READ"

#: features compared with QGIS's iterator before the bulk result is used
CHECK_FIRST = 64

_MULTIPOLYGON = b"\x01\x06\x00\x00\x00"  # little-endian ISO WKB header (2D)
_ONE = b"\x01\x00\x00\x00"
_ZERO = b"\x00\x00\x00\x00"
_U32 = struct.Struct("<I")

# QVariant / QMetaType ids (the same numbers in both enums)
_QT_BOOL, _QT_INT, _QT_LONGLONG, _QT_DOUBLE, _QT_STRING = 1, 2, 4, 6, 10
_KIND_TYPES = {"int": (_QT_INT, _QT_LONGLONG), "bool": (_QT_BOOL,), "float": (_QT_DOUBLE,),
               "str": (_QT_STRING,)}
_URI_KEYS = {"path", "layerName", "layerId", "subset", "openOptions", "vsiPrefix", "vsiSuffix"}


class Fallback(Exception):
    """The bulk path cannot give exactly what QGIS would; ``str()`` says why."""


def disabled():
    """True when ``RR_NO_BULK_READ`` asks for QGIS's iterator only."""
    return os.environ.get(ENV_DISABLE, "").strip().lower() not in ("", "0", "no", "false", "off")


class BulkTable:
    """Columns of one layer read in bulk.

    fids : (n,) int64 feature ids (QGIS's ``QgsFeature.id()``)
    data, mask : field name -> (n,) array of values / of NULL flags; text
        columns are object arrays of ``str``
    kinds : field name -> ``"int"``, ``"bool"``, ``"float"`` or ``"str"``
    wkbs : list of WKB ``bytes`` (``None`` = no geometry) or None when not read
    multipart : positions of features with more than one polygon part
    empty : positions of features whose geometry is empty (not NULL)
    null_geometry : positions of features without geometry (NULL)
    coded : text field without NULL -> its :class:`...core.panel.Factorized`
        form (distinct values and codes), for a join on it
    """

    def __init__(self, fids, data, mask, kinds, wkbs=None, multipart=(), empty=(), null_geometry=(),
                 coded=None):
        self.fids = fids
        self.data = data
        self.mask = mask
        self.kinds = kinds
        self.wkbs = wkbs
        self.multipart = list(multipart)
        self.empty = list(empty)
        self.null_geometry = list(null_geometry)
        self.coded = dict(coded or {})

    @property
    def n(self):
        return len(self.fids)

    def values(self, name, start=0, stop=None):
        """Python values of a field as QGIS gives them (NULL -> ``None``)."""
        data = self.data[name][start:stop]
        out = data.tolist()
        mask = self.mask[name][start:stop]
        if mask.any():
            for k in np.flatnonzero(mask).tolist():
                out[k] = None
        return out

    def floats(self, name):
        """A numeric field as float64 with NULL -> NaN (what ``float(value)``
        gives for each value QGIS returns), or None for a text field."""
        if self.kinds[name] == "str":
            return None
        out = self.data[name].astype(np.float64)
        mask = self.mask[name]
        if mask.any():
            out[mask] = np.nan
        return out


class BulkFeatures:
    """The input features kept for the output, as bulk columns.

    Behaves as a sequence of ``QgsFeature`` (built on demand, with the same
    id, attributes and geometry as QGIS's iterator gives); the layer writer
    reads :attr:`table` directly instead, without building the input
    features at all.
    """

    def __init__(self, table, fields):
        self.table = table
        self.fields = QgsFields(fields)
        self.names = [f.name() for f in fields]

    def __len__(self):
        return self.table.n

    def columns(self, start, stop, keep=None):
        """Attribute values of features ``start:stop``, one list per field
        (the fields at positions ``keep``, all when None)."""
        names = self.names if keep is None else [self.names[i] for i in keep]
        return [self.table.values(name, start, stop) for name in names]

    def column(self, i):
        """Field ``i`` as (array of the values QGIS gives, NULL positions)."""
        name = self.names[i]
        return self.table.data[name], np.flatnonzero(self.table.mask[name])

    def geometry(self, k):
        geom = QgsGeometry()
        wkb = self.table.wkbs[k] if self.table.wkbs is not None else None
        if wkb is not None:
            geom.fromWkb(wkb)
        return geom

    def feature(self, k):
        from qgis.core import QgsFeature

        out = QgsFeature(self.fields, int(self.table.fids[k]))
        out.setAttributes([self.table.values(name, k, k + 1)[0] for name in self.names])
        out.setGeometry(self.geometry(k))
        return out

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self.feature(i) for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.feature(k)

    def __iter__(self):
        return (self.feature(k) for k in range(len(self)))


# --------------------------------------------------------------------------
# What QGIS would read: the checks that need no file access
# --------------------------------------------------------------------------

def _flag_set(flags, name):
    """True when the definition's flag ``name`` is set (QGIS 3.22 to 4)."""
    flag = getattr(QgsProcessingFeatureSourceDefinition, "Flag" + name, None)
    if flag is None:
        try:
            from qgis.core import Qgis

            flag = getattr(Qgis.ProcessingFeatureSourceDefinitionFlag, name)
        except AttributeError:
            return False
    try:
        return bool(flags & flag)
    except TypeError:
        return bool(int(flags) & int(flag))


def check_definition(definition):
    """Refuse what a ``QgsProcessingFeatureSourceDefinition`` adds to the layer."""
    if definition is None:
        return
    if definition.selectedFeaturesOnly:
        raise Fallback("only the selected features are used")
    limit = getattr(definition, "featureLimit", -1)
    if limit is not None and limit >= 0:
        raise Fallback("a feature limit is set on the input")
    if getattr(definition, "filterExpression", ""):
        raise Fallback("a filter expression is set on the input")
    if explicit_geometry_check(definition):
        raise Fallback("the input sets its own invalid-geometry check")


def explicit_geometry_check(definition):
    """True when the input (not the Processing settings) asks for an
    invalid-geometry check: QGIS's iterator then applies it."""
    return (definition is not None
            and _flag_set(definition.flags, "OverrideDefaultGeometryCheck")
            and int(definition.geometryCheck) != 0)


def check_layer(layer):
    """Refuse layers whose features QGIS changes on the way (edits, joins,
    virtual fields, curves, Z/M)."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        raise Fallback("the input is not a loaded vector layer")
    if layer.providerType() != "ogr":
        raise Fallback(f"the layer's provider is '{layer.providerType()}', not OGR")
    if layer.editBuffer() is not None and layer.isModified():
        raise Fallback("the layer has unsaved edits")
    fields = layer.fields()
    provider_origin = getattr(QgsFields, "OriginProvider", None)
    if provider_origin is None:  # QGIS >= 3.36 scoped enum
        from qgis.core import Qgis

        provider_origin = Qgis.FieldOrigin.Provider
    if any(fields.fieldOrigin(i) != provider_origin for i in range(fields.count())):
        raise Fallback("the layer has joined or virtual fields")
    wkb = layer.wkbType()
    if QgsWkbTypes.isCurvedType(wkb):
        raise Fallback("the layer has curved geometries")
    if QgsWkbTypes.hasZ(wkb) or QgsWkbTypes.hasM(wkb):
        raise Fallback("the layer has Z or M values")


def _gdal():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from osgeo import gdal, ogr
    except ImportError:
        raise Fallback("GDAL's Python bindings (osgeo) are not installed") from None
    if not hasattr(ogr.Layer, "GetArrowStreamAsNumPy"):
        raise Fallback(f"GDAL {gdal.__version__} has no Arrow stream (3.6 or later is needed)")
    try:
        from osgeo import gdal_array  # noqa: F401 (GetArrowStreamAsNumPy needs it)
    except ImportError:
        raise Fallback("GDAL's numpy bindings (osgeo.gdal_array) are not available") from None
    return gdal, ogr


def _is_null(value):
    return value is None or (hasattr(value, "isNull") and value.isNull())


def _uri(layer):
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    extra = sorted(k for k, v in parts.items() if k not in _URI_KEYS and not _is_null(v) and v != "")
    if extra:
        raise Fallback(f"the layer's source sets {', '.join(extra)}")
    path = parts.get("path") or ""
    if not path:
        raise Fallback("the layer's source has no path")
    prefix, suffix = parts.get("vsiPrefix"), parts.get("vsiSuffix")
    path = ("" if _is_null(prefix) else prefix) + path + ("" if _is_null(suffix) else suffix)
    name = parts.get("layerName")
    index = parts.get("layerId")
    options = parts.get("openOptions")
    return (path, None if _is_null(name) or name == "" else name,
            None if _is_null(index) or index == "" else int(index),
            [] if _is_null(options) else [str(o) for o in options])


def _codec(name):
    import codecs

    try:
        return codecs.lookup(name).name
    except (LookupError, TypeError):
        return None


# --------------------------------------------------------------------------
# Opening the layer as QGIS does
# --------------------------------------------------------------------------

class _Opened:
    """A GDAL dataset and layer opened like QGIS's provider opened them."""

    def __init__(self, gdal, ogr, layer):
        self.gdal, self.ogr = gdal, ogr
        self.path, self.name, self.index, self.options = _uri(layer)
        self.ds = self.lyr = None
        self._open(self.options)
        self.driver = self.ds.GetDriver().ShortName
        self.encoding = layer.dataProvider().encoding()
        if self.driver == "ESRI Shapefile" and not self.lyr.TestCapability(ogr.OLCStringsAsUTF8):
            # QGIS reads the .dbf bytes and decodes them in the layer's
            # encoding (its own .cpg/LDID guess, or what the user set): have
            # GDAL recode them from the same encoding.
            if _codec(self.encoding) is None:
                raise Fallback(f"the layer's encoding '{self.encoding}' is not known to Python")
            self.close()
            self._open([o for o in self.options if not o.upper().startswith("ENCODING=")]
                       + [f"ENCODING={self.encoding}"])
            if not self.lyr.TestCapability(ogr.OLCStringsAsUTF8):
                raise Fallback(f"GDAL cannot recode the encoding '{self.encoding}'")
        self.utf8 = bool(self.lyr.TestCapability(ogr.OLCStringsAsUTF8))
        if not self.utf8 and _codec(self.encoding) != "utf-8":
            raise Fallback(f"the layer's text is in '{self.encoding}', which OGR does not recode")

    def _open(self, options):
        gdal = self.gdal
        flags = gdal.OF_VECTOR | gdal.OF_READONLY
        try:
            ds = gdal.OpenEx(self.path, flags, open_options=options)
        except Exception as err:  # noqa: BLE001 - GDAL with exceptions on
            raise Fallback(f"GDAL could not open {self.path}: {err}") from None
        if ds is None:
            raise Fallback(f"GDAL could not open {self.path}: {gdal.GetLastErrorMsg()}")
        if self.name is not None:
            lyr = ds.GetLayerByName(self.name)
        else:
            lyr = ds.GetLayer(self.index or 0)
        if lyr is None:
            raise Fallback(f"GDAL found no layer '{self.name or self.index or 0}' in {self.path}")
        self.ds, self.lyr = ds, lyr

    def close(self):
        self.lyr = None
        self.ds = None


def _field_plan(opened, layer, names):
    """QGIS field name -> (OGR field name or None for the FID, kind), and
    the FID column name that QGIS shows as its first field (GeoPackage)."""
    ogr = opened.ogr
    defn = opened.lyr.GetLayerDefn()
    ogr_names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    qgis_names = [f.name() for f in layer.fields()]
    fid_column = opened.lyr.GetFIDColumn()
    if qgis_names == ogr_names:
        fid_field = None
    elif fid_column and qgis_names == [fid_column] + ogr_names:
        fid_field = fid_column
    else:
        raise Fallback("the layer's fields in QGIS differ from OGR's")
    plan = {}
    for name in names:
        qtype = int(layer.fields().field(name).type())
        if name == fid_field:
            if qtype not in _KIND_TYPES["int"]:
                raise Fallback(f"QGIS reads the FID field '{name}' with another type")
            plan[name] = (None, "fid")
            continue
        fd = defn.GetFieldDefn(ogr_names.index(name))
        ftype, subtype = fd.GetType(), fd.GetSubType()
        if subtype in (ogr.OFSTFloat32, ogr.OFSTInt16):
            # Arrow carries them as float32 / int16; OGR (and QGIS) keep the
            # stored double / int32, which need not fit
            raise Fallback(f"field '{name}' has the subtype {ogr.GetFieldSubTypeName(subtype)}")
        if ftype in (ogr.OFTInteger, ogr.OFTInteger64):
            kind = "bool" if subtype == ogr.OFSTBoolean else "int"
        elif ftype == ogr.OFTReal:
            kind = "float"
        elif ftype == ogr.OFTString and subtype != ogr.OFSTJSON:
            kind = "str"
        else:
            raise Fallback(f"field '{name}' has the OGR type {fd.GetFieldTypeName(ftype)}")
        if qtype not in _KIND_TYPES[kind]:
            raise Fallback(f"QGIS reads field '{name}' with another type")
        plan[name] = (name, kind)
    return plan, fid_field


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

_GPKG_MAX_COLUMNS = 100


def _stream(opened, plan, geometry, check_canceled):
    """All batches of the Arrow stream, concatenated: key -> (data, mask)."""
    lyr = opened.lyr
    wanted = {ogr_name for ogr_name, _ in plan.values() if ogr_name}
    defn = lyr.GetLayerDefn()
    ignored = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())
               if defn.GetFieldDefn(i).GetName() not in wanted]
    ignored.append("OGR_STYLE")
    if not geometry:
        ignored.append("OGR_GEOMETRY")
    if lyr.SetIgnoredFields(ignored) != 0:
        raise Fallback("OGR could not skip the unneeded fields")
    from osgeo import gdal

    # GDAL < 3.7 fills GeoPackage batches through one SQLite function call
    # with every column as an argument: past SQLite's limit of 127 arguments
    # it fails on each batch ("too many arguments on function
    # OGR_GPKG_FillArrowArray_INTERNAL"); such wide layers take the iterator.
    if (int(gdal.VersionInfo()) < 3070000 and opened.driver == "GPKG"
            and len(wanted) + int(geometry) + 1 > _GPKG_MAX_COLUMNS):
        raise Fallback(f"{len(wanted)} columns: more than GDAL {gdal.__version__}'s GeoPackage Arrow "
                       "reader takes")
    chunks = {}
    gdal.ErrorReset()
    stream = lyr.GetArrowStreamAsNumPy(["INCLUDE_FID=YES"])
    try:
        for batch in stream:
            if gdal.GetLastErrorType() >= gdal.CE_Failure:
                raise Fallback(f"GDAL's Arrow stream failed: {gdal.GetLastErrorMsg()}")
            for key, arr in batch.items():
                chunks.setdefault(key, []).append(arr)
            if check_canceled is not None:
                check_canceled()
        if gdal.GetLastErrorType() >= gdal.CE_Failure:
            raise Fallback(f"GDAL's Arrow stream failed: {gdal.GetLastErrorMsg()}")
    finally:
        del stream
    out = {}
    for key, parts in chunks.items():
        data = np.concatenate([np.ma.getdata(a) for a in parts])
        mask = np.concatenate([np.ma.getmaskarray(a) for a in parts])
        out[key] = (data, mask)
    return out


def _bool_columns(opened, names, fids, check_canceled):
    """Boolean fields, read feature by feature through OGR: the numpy
    conversion of Arrow's bit-packed booleans (GDAL 3.6) misreads them."""
    lyr = opened.lyr
    defn = lyr.GetLayerDefn()
    index = {name: defn.GetFieldIndex(name) for name in names}
    keep = set(names)
    lyr.SetIgnoredFields([defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())
                          if defn.GetFieldDefn(i).GetName() not in keep] + ["OGR_GEOMETRY", "OGR_STYLE"])
    lyr.ResetReading()
    n = len(fids)
    data = {name: np.zeros(n, dtype=bool) for name in names}
    mask = {name: np.zeros(n, dtype=bool) for name in names}
    k = 0
    for feature in lyr:
        if k >= n or feature.GetFID() != fids[k]:
            raise Fallback("OGR's features came in another order")
        for name, i in index.items():
            if feature.IsFieldSetAndNotNull(i):
                data[name][k] = bool(feature.GetFieldAsInteger(i))
            else:
                mask[name][k] = True
        k += 1
        if check_canceled is not None and k % 50000 == 0:
            check_canceled()
    if k != n:
        raise Fallback("OGR's second pass read another number of features")
    return data, mask


def _decode(data, mask, name):
    """UTF-8 bytes -> ``(object array of str, Factorized or None)``;
    refuses invalid UTF-8 (QGIS would show replacement characters that only
    its own iterator reproduces).

    GDAL gives a text column as fixed-width bytes (``S<width>``): its
    distinct values are found on those bytes (:func:`_distinct_bytes`) and
    only they are decoded, so a long table's key column of millions of rows
    costs a few vectorised passes, not a Python call per row. The
    distinct values and codes are returned too (as the join takes them)
    when the column has no NULL."""
    if data.dtype.kind != "S":
        return _decode_each(data, mask, name), None
    raw, codes = _distinct_bytes(data)
    try:
        labels = [v.decode("utf-8") for v in raw]
    except UnicodeDecodeError:
        raise Fallback(f"field '{name}' has text that is not valid in the layer's encoding") from None
    coded = Factorized(labels, codes)
    out = coded.values()
    if mask.any():
        out[mask] = None
        coded = None
    return out, coded


def _decode_each(data, mask, name):
    values = data.tolist()
    try:
        text = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
    except UnicodeDecodeError:
        raise Fallback(f"field '{name}' has text that is not valid in the layer's encoding") from None
    out = np.empty(len(text), dtype=object)
    out[:] = text
    if mask.any():
        out[mask] = None
    return out


_FEW = 16  # distinct values tried one by one before sorting


def _distinct_bytes(data):
    """Distinct values of a fixed-width bytes array (in the order they
    first appear) and the code of each element: ``(list of bytes, codes)``.

    Key columns are sorted or nearly (a long table by region, then year)
    or have few values (an industry): runs of equal values are found
    first and only their heads sorted; failing that, a column whose first
    runs show at most ``_FEW`` values is matched value by value (what that
    leaves through one dictionary pass); else values of at most 8 bytes
    are sorted as integers and longer ones go through a dictionary.

    >>> _distinct_bytes(np.array([b"b", b"b", b"a", b"c", b"a"]))
    ([b'b', b'a', b'c'], array([0, 0, 1, 2, 1]))
    """
    n = len(data)
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    change = np.ones(n, dtype=bool)
    np.not_equal(data[1:], data[:-1], out=change[1:])
    heads = np.flatnonzero(change)
    if 4 * len(heads) <= n:
        uniq, first, inverse = np.unique(data[heads], return_index=True, return_inverse=True)
        codes = np.repeat(inverse.reshape(-1), np.diff(np.append(heads, n)))
        return _first_seen(list(uniq), heads[first], codes)
    sample = list(dict.fromkeys(data[heads[:4 * _FEW]].tolist()))
    if len(sample) > _FEW:
        return _by_sorting(data) if data.dtype.itemsize <= 8 else factorize(data.tolist())
    codes = np.full(n, -1, dtype=np.int64)
    firsts = []
    for k, value in enumerate(sample):
        hit = data == value
        codes[hit] = k
        firsts.append(int(np.argmax(hit)))
    rest = np.flatnonzero(codes < 0)
    if len(rest):
        more, more_codes = factorize(data[rest].tolist())
        codes[rest] = len(sample) + more_codes
        sample += more
        firsts += rest[np.unique(more_codes, return_index=True)[1]].tolist()
    return _first_seen(sample, np.asarray(firsts), codes)


def _by_sorting(data):
    """Values of at most 8 bytes as one unsigned integer each (NUL padded,
    as the fixed width compares them), sorted: ids such as '110000' in a
    table ordered by year, then region."""
    data = np.ascontiguousarray(data)
    width = data.dtype.itemsize
    grid = np.zeros((len(data), 8), dtype=np.uint8)
    grid[:, :width] = data.view(np.uint8).reshape(len(data), width)
    _, first, inverse = np.unique(grid.view(np.uint64).reshape(-1), return_index=True, return_inverse=True)
    return _first_seen(list(data[first]), first, inverse.reshape(-1))


def _first_seen(uniq, firsts, codes):
    order = np.argsort(firsts, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [bytes(uniq[i]) for i in order], rank[codes]


def _polygon_empty(w):
    """QGIS's ``isEmpty()`` of a little-endian 2D (multi)polygon WKB: no
    part with a non-empty exterior ring."""
    if w[1] == 3:
        return w[5:9] == _ZERO or w[9:13] == _ZERO
    (nparts,) = _U32.unpack_from(w, 5)
    off = 9
    for _ in range(nparts):
        (nrings,) = _U32.unpack_from(w, off + 5)
        off += 9
        if nrings and _U32.unpack_from(w, off)[0]:
            return False
        for _ in range(nrings):
            (npts,) = _U32.unpack_from(w, off)
            off += 4 + 16 * npts
    return True


def _geometries(data, mask, multi):
    """WKB list as QGIS gives it: single polygons promoted to multi when the
    layer is multi; positions of NULL, multipart and empty geometries.

    The headers are read for all features at once (the first 22 bytes of
    each WKB as a numpy byte grid); only multipolygons whose first part is
    empty are walked in Python."""
    wkbs = data.tolist()
    nulls = np.flatnonzero(mask).tolist() if mask.any() else []
    for k in nulls:
        wkbs[k] = b""
    n = len(wkbs)
    head = np.array(wkbs, dtype="S22").view(np.uint8).reshape(n, 22)  # zero-padded
    wkb_type = head[:, 1:5].copy().view("<u4")[:, 0]
    present = ~mask
    single = present & (head[:, 0] == 1) & (wkb_type == 3)
    several = present & (head[:, 0] == 1) & (wkb_type == 6)
    if not (single | several | ~present).all():
        raise Fallback("a geometry is not a 2D polygon or multipolygon in little-endian WKB")
    # Polygon: rings at bytes 5:9, first ring's points at 9:13
    ring_count = head[:, 5:9].copy().view("<u4")[:, 0]
    first_points = head[:, 9:13].copy().view("<u4")[:, 0]
    empty = single & ((ring_count == 0) | (first_points == 0))
    # MultiPolygon: parts at 5:9; first part's rings at 14:18, its first ring's points at 18:22
    part_count = ring_count
    part_rings = head[:, 14:18].copy().view("<u4")[:, 0]
    part_points = head[:, 18:22].copy().view("<u4")[:, 0]
    multipart = np.flatnonzero(several & (part_count > 1)).tolist()
    suspect = several & ((part_count == 0) | (part_rings == 0) | (part_points == 0))
    empty_multi = [k for k in np.flatnonzero(suspect).tolist() if _polygon_empty(wkbs[k])]
    if multi and single.any():
        promote = _MULTIPOLYGON + _ONE
        for k in np.flatnonzero(single).tolist():
            wkbs[k] = promote + wkbs[k]
    for k in nulls:
        wkbs[k] = None
    empty_at = sorted(np.flatnonzero(empty).tolist() + empty_multi)
    return wkbs, nulls, multipart, empty_at


def _same(a, b):
    if _is_null(a):
        return b is None
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and a != a and b != b)


def _check_first(source, layer, table, names, geometry):
    """Compare the first features with QGIS's iterator (ids, values of the
    needed fields, WKB): the last guard against reading something else."""
    fields = layer.fields()
    idx = [fields.lookupField(n) for n in names]
    request = QgsFeatureRequest().setLimit(CHECK_FIRST)
    request.setSubsetOfAttributes(idx)
    if not geometry:
        request.setFlags(compat.REQUEST_NO_GEOMETRY)
    for k, feature in enumerate(features_unchecked(source, request)):
        if k >= table.n or feature.id() != table.fids[k]:
            raise Fallback(f"feature {feature.id()} is not where OGR put it")
        attrs = feature.attributes()
        for name, i in zip(names, idx):
            mine = table.values(name, k, k + 1)[0]
            if not _same(attrs[i], mine):
                raise Fallback(f"field '{name}' of feature {feature.id()} reads "
                               f"{attrs[i]!r} in QGIS and {mine!r} in OGR")
        if geometry:
            geom = feature.geometry()
            theirs = None if geom is None or geom.isNull() else bytes(geom.asWkb())
            if theirs != table.wkbs[k]:
                raise Fallback(f"the geometry of feature {feature.id()} differs from QGIS's")


def features_unchecked(source, request):
    """``source.getFeatures(request)`` without the context's validity check
    (the path read_polygons takes as well)."""
    if isinstance(source, QgsProcessingFeatureSource):
        return source.getFeatures(request, _skip_validity_flag())
    return source.getFeatures(request)


def _skip_validity_flag():
    flag = getattr(QgsProcessingFeatureSource, "FlagSkipGeometryValidityChecks", None)
    if flag is None:  # QGIS 4: scoped enum only
        from qgis.core import Qgis

        flag = Qgis.ProcessingFeatureSourceFlag.SkipGeometryValidityChecks
    return flag


def read(layer, names, geometry, source=None, definition=None, check_canceled=None):
    """Read fields ``names`` (QGIS names) and, when ``geometry``, the WKB of
    ``layer`` in bulk.

    Parameters
    ----------
    layer : QgsVectorLayer of the ``ogr`` provider
    names : field names to read (in any order)
    geometry : read the geometries too
    source : the ``QgsProcessingFeatureSource`` (or the layer) that QGIS's
        iterator would read: its feature count and first features are
        compared with the bulk result
    definition : the input's ``QgsProcessingFeatureSourceDefinition`` or None
    check_canceled : callable raising when the user cancels

    Returns
    -------
    BulkTable

    Raises
    ------
    Fallback
        When QGIS's iterator could give something else; the message says why.
    """
    if disabled():
        raise Fallback(f"{ENV_DISABLE} is set")
    check_definition(definition)
    check_layer(layer)
    gdal, ogr = _gdal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # GDAL 3.7-3.9 on the exceptions mode
        try:
            table = _read(gdal, ogr, layer, names, geometry, check_canceled)
        except (Fallback, QgsProcessingException, MemoryError):
            raise
        except Exception as err:  # noqa: BLE001 - GDAL raising (exceptions mode) or odd data
            raise Fallback(f"the Arrow read failed ({type(err).__name__}: {err})") from None
    if source is not None:
        total = source.featureCount()
        if total is not None and total >= 0 and total != table.n:
            raise Fallback(f"OGR read {table.n} features, QGIS counts {total}")
        _check_first(source, layer, table, names, geometry)
    return table


def read_or_fallback(layer, names, geometry, source, definition, feedback, what, check_canceled=None):
    """:func:`read`, or ``(None, why)`` when QGIS's iterator must read; the
    path taken is said in the log (debug). Returns ``(table, note)``."""
    try:
        table = read(layer, names, geometry, source=source, definition=definition,
                     check_canceled=check_canceled)
    except Fallback as why:
        if feedback is not None:
            feedback.pushDebugInfo(f"Reading {what} with QGIS's feature iterator: {why}.")
        return None, str(why)
    if feedback is not None:
        feedback.pushDebugInfo(f"Read {table.n} rows of {what} through GDAL's Arrow stream.")
    return table, ""


def _read(gdal, ogr, layer, names, geometry, check_canceled):
    subset = layer.subsetString().strip()
    opened = _Opened(gdal, ogr, layer)
    try:
        if subset:
            if subset.split(None, 1)[0].upper() == "SELECT":
                raise Fallback("the layer's filter is an SQL query")
            if not opened.utf8 and not subset.isascii():
                raise Fallback("the layer's filter has non-ASCII text")
            if opened.lyr.SetAttributeFilter(subset) != 0:
                raise Fallback("OGR refused the layer's filter")
        plan, _ = _field_plan(opened, layer, names)
        bools = [o for o, kind in plan.values() if kind == "bool"]
        arrow_plan = {k: v for k, v in plan.items() if v[1] != "bool"}
        cols = _stream(opened, arrow_plan, geometry, check_canceled)
        fid_key = opened.lyr.GetFIDColumn() or "OGC_FID"
        geom_key = opened.lyr.GetGeometryColumn() or "wkb_geometry"
        expected = 1 + len({o for o, _ in arrow_plan.values() if o}) + (1 if geometry else 0)
        if cols and (fid_key not in cols or len(cols) != expected or (geometry and geom_key not in cols)):
            raise Fallback("OGR's Arrow columns are not the ones asked for")
        if bools and cols:
            data, mask = _bool_columns(opened, bools, cols[fid_key][0], check_canceled)
            for name in bools:
                cols[name] = (data[name], mask[name])
    finally:
        opened.close()
    if not cols:
        n = 0
        fids = np.zeros(0, dtype=np.int64)
    else:
        fids = cols[fid_key][0].astype(np.int64, copy=False)
        n = len(fids)
    data, mask, kinds, coded = {}, {}, {}, {}
    for name, (ogr_name, kind) in plan.items():
        kinds[name] = "int" if kind == "fid" else kind
        if kind == "fid":
            data[name], mask[name] = fids, np.zeros(n, dtype=bool)
            continue
        if ogr_name in cols:
            values, nulls = cols[ogr_name]
        else:
            values, nulls = np.zeros(0), np.zeros(0, dtype=bool)
        if kind == "str":
            values, coded[name] = _decode(values, nulls, name) if n else (np.zeros(0, dtype=object), None)
        data[name], mask[name] = values, nulls
    wkbs, nulls, multipart, empty = None, [], [], []
    if geometry:
        if n:
            wkbs, nulls, multipart, empty = _geometries(*cols[geom_key],
                                                        QgsWkbTypes.isMultiType(layer.wkbType()))
        else:
            wkbs = []
    return BulkTable(fids, data, mask, kinds, wkbs, multipart, empty, nulls,
                     {k: v for k, v in coded.items() if v is not None})
