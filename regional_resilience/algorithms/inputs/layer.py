"""Reading layers into arrays, in one bulk pass.

Every algorithm reads its polygons through :func:`read_polygons`: the region
ids, the requested numeric fields as float arrays (NULL -> NaN), and, when
weights must be built, each polygon as WKB for the core's geometry parser.
Features are kept when the output is a copy of the input with new fields, so
the layer is read once.

A layer of QGIS's OGR provider (GeoPackage, shapefile...) is read through
GDAL's Arrow stream (:mod:`.ogr_bulk`), column by column, with exactly what
QGIS's feature iterator would give; every other source, and every case where
the two could differ (selected features only, a feature limit, unsaved
edits, a text encoding GDAL cannot reproduce...), is read with QGIS's
iterator. ``RR_NO_BULK_READ=1`` (or ``bulk=False``) forces the iterator.
"""
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ... import compat
from ...core.panel import as_label, format_list
from ..support import check_canceled, tr, with_help
from . import ogr_bulk

INPUT = "INPUT"
ID_FIELD = "ID_FIELD"


@dataclass
class LayerData:
    """What an algorithm needs of its input polygons."""

    ids: np.ndarray  # region ids as text, layer order
    id_field: str  # "" when the feature ids are used
    fids: np.ndarray
    columns: dict  # field name -> float array (NaN = NULL)
    wkbs: list  # polygon WKB per feature, or None
    crs: object  # QgsCoordinateReferenceSystem
    fields: object  # QgsFields of the input
    features: list  # QgsFeature sequence when kept (ogr_bulk.BulkFeatures in bulk), else None
    multipart: list  # ids of features with more than one part
    name: str = "input layer"
    texts: dict = None  # field name -> raw values (None = NULL), e.g. group labels
    source_name: str = ""
    wkb_type: object = None
    reader: str = "qgis"  # "arrow" (GDAL's Arrow stream) or "qgis" (QGIS's feature iterator)
    reader_note: str = ""  # why the iterator was used

    @property
    def n(self):
        return len(self.ids)


def is_null(value):
    return value is None or (hasattr(value, "isNull") and value.isNull())


def column_to_float(values, field_name, ids, layer_name):
    """A list of attribute values as floats; NULL -> NaN; text that is not a
    number -> a clear error naming the field and the feature."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        pass
    out = np.empty(len(values))
    for k, v in enumerate(values):
        if is_null(v):
            out[k] = np.nan
            continue
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            raise QgsProcessingException(
                f"Field '{field_name}' of {layer_name} is not numeric: "
                f"value '{v}' at region {ids[k]}."
            ) from None
    return out


def _capitalized(text):
    return text[0].upper() + text[1:]


def read_polygons(source, value_fields=(), id_field="", geometry=False,
                  keep_features=False, feedback=None, min_features=3,
                  layer_name="the input layer", text_fields=(), layer=None,
                  definition=None, bulk=None):
    """Read a polygon ``QgsProcessingFeatureSource`` (or layer) in one pass.

    ``value_fields`` are read as float arrays (NULL -> NaN); ``text_fields``
    (e.g. a group field) as their raw values with NULL -> ``None``.

    ``layer`` (the ``QgsVectorLayer`` behind ``source``; ``source`` itself
    when it is a layer) and ``definition`` (the input's
    ``QgsProcessingFeatureSourceDefinition``, if any) let an OGR layer be
    read in bulk through GDAL's Arrow stream (:mod:`.ogr_bulk`), with the
    same result as QGIS's iterator; ``bulk=False`` or the environment
    variable ``RR_NO_BULK_READ=1`` always uses the iterator. Geometry
    validity is not checked on either path (contiguity uses vertices only),
    unless the input itself sets an invalid-geometry check.

    Refuses non-polygon layers, layers with fewer than ``min_features``
    features, missing fields, duplicate ids, and empty geometries (when
    geometry is needed), each with a sentence that says where.
    """
    if source is None:
        raise QgsProcessingException(f"Could not load {layer_name}.")
    if QgsWkbTypes.geometryType(source.wkbType()) != compat.GEOMETRY_POLYGON:
        raise QgsProcessingException(
            f"{_capitalized(layer_name)} must be a polygon layer; "
            f"it has {QgsWkbTypes.displayString(source.wkbType())} geometries."
        )
    fields = source.fields()
    wanted = [f for f in value_fields if f]
    texts_wanted = [f for f in text_fields if f]
    missing = [f for f in wanted + texts_wanted + ([id_field] if id_field else [])
               if fields.lookupField(f) < 0]
    if missing:
        raise QgsProcessingException(f"Fields not found in {layer_name}: {format_list(missing)}.")
    needed = list(dict.fromkeys(wanted + texts_wanted + ([id_field] if id_field else [])))

    table, note = None, ""
    if bulk is not False:
        if layer is None and isinstance(source, QgsVectorLayer):
            layer = source
        names = [f.name() for f in fields] if keep_features else needed
        table, note = ogr_bulk.read_or_fallback(layer, names, geometry or keep_features, source, definition,
                                                feedback, layer_name, lambda: check_canceled(feedback))
    if table is not None:
        return _from_table(table, source, fields, wanted, texts_wanted, id_field, geometry,
                           keep_features, min_features, layer_name)
    data = _read_features(source, fields, wanted, texts_wanted, id_field, geometry, keep_features,
                          feedback, min_features, layer_name, needed,
                          skip_validity=not ogr_bulk.explicit_geometry_check(definition))
    data.reader_note = note
    return data


def _too_few(n, min_features, layer_name):
    if n < min_features:
        raise QgsProcessingException(
            f"{_capitalized(layer_name)} has {n} feature(s); "
            f"at least {min_features} are needed."
        )


def _region_ids(raw, fids, id_field, labels=None, nulls=None):
    """Region ids as text from the id field's raw values (NULL and repeated
    values refused), or the feature ids. ``labels``/``nulls``: the ids
    already made (``as_label`` of every value) and the NULL positions."""
    if not id_field:
        return np.array([str(x) for x in fids.tolist()], dtype=object)
    if nulls is None:
        nulls = [k for k, v in enumerate(raw) if is_null(v)]
    if len(nulls):
        raise QgsProcessingException(
            f"The id field '{id_field}' is NULL for features {format_list([str(fids[k]) for k in nulls])}."
        )
    if labels is None:
        labels = [as_label(v) for v in raw]
    ids = np.empty(len(labels), dtype=object)
    ids[:] = labels
    if len(set(labels)) != len(labels):
        uniq, counts = np.unique(ids.astype(str), return_counts=True)
        raise QgsProcessingException(
            f"The id field '{id_field}' repeats values: {format_list(uniq[counts > 1])}. "
            "Choose a field with one value per region."
        )
    return ids


def _bulk_labels(table, name):
    """``as_label`` of every value of a bulk column, in bulk where the kind
    makes it the same: integers and booleans are ``str(value)``, text is
    stripped, reals go one by one (``2000.0`` reads ``2000``)."""
    values = table.values(name)
    kind = table.kinds[name]
    if kind in ("int", "bool"):
        return list(map(str, values))
    if kind == "str":
        return [v.strip() if v is not None else v for v in values]
    return [as_label(v) for v in values]


def _from_table(table, source, fields, wanted, texts_wanted, id_field, geometry, keep_features,
                min_features, layer_name):
    """LayerData from a bulk read (:class:`ogr_bulk.BulkTable`)."""
    n = table.n
    _too_few(n, min_features, layer_name)
    fids = table.fids
    if id_field:
        ids = _region_ids(None, fids, id_field, labels=_bulk_labels(table, id_field),
                          nulls=np.flatnonzero(table.mask[id_field]).tolist())
    else:
        ids = _region_ids(None, fids, "")
    columns = {}
    for name in wanted:
        floats = table.floats(name)
        columns[name] = (floats if floats is not None
                         else column_to_float(table.values(name), name, ids, layer_name))
    texts = {name: table.values(name) for name in texts_wanted}
    wkbs, multipart = None, []
    if geometry:
        bad = sorted(set(table.empty) | set(table.null_geometry))
        if bad:
            _no_geometry([ids[k] for k in bad], layer_name)
        wkbs = table.wkbs
        multipart = [ids[k] for k in table.multipart]
    return LayerData(
        ids=ids,
        id_field=id_field or "",
        fids=fids,
        columns=columns,
        wkbs=wkbs,
        crs=source.sourceCrs(),
        fields=fields,
        features=ogr_bulk.BulkFeatures(table, fields) if keep_features else None,
        multipart=multipart,
        name=layer_name,
        texts=texts,
        reader="arrow",
    )


def _read_features(source, fields, wanted, texts_wanted, id_field, geometry, keep_features,
                   feedback, min_features, layer_name, needed, skip_validity=True):
    """LayerData from QGIS's feature iterator."""
    request = QgsFeatureRequest()
    if not keep_features:
        request.setSubsetOfAttributes([fields.lookupField(f) for f in needed])
        if not geometry:
            request.setFlags(compat.REQUEST_NO_GEOMETRY)
    # Contiguity uses vertices only; validity is reported, not enforced
    # (a Processing source applies the context's check unless told to skip it).
    request.setInvalidGeometryCheck(compat.INVALID_GEOMETRY_NO_CHECK)
    iterator = (ogr_bulk.features_unchecked(source, request) if skip_validity
                else source.getFeatures(request))

    total = source.featureCount()
    features = []
    for k, feature in enumerate(iterator):
        features.append(feature)
        if k % 5000 == 0:
            check_canceled(feedback)
    n = len(features)
    _too_few(n, min_features, layer_name)
    if feedback is not None and total > 0:
        feedback.pushDebugInfo(f"Read {n} features.")

    fids = np.fromiter((f.id() for f in features), dtype=np.int64, count=n)
    attributes = [f.attributes() for f in features]  # once per feature: the costly call
    ids = _region_ids([a[fields.lookupField(id_field)] for a in attributes] if id_field else None,
                      fids, id_field)

    columns = {}
    for name in wanted:
        idx = fields.lookupField(name)
        columns[name] = column_to_float([a[idx] for a in attributes], name, ids, layer_name)

    texts = {}
    for name in texts_wanted:
        idx = fields.lookupField(name)
        texts[name] = [None if is_null(a[idx]) else a[idx] for a in attributes]

    wkbs = None
    multipart = []
    if geometry:
        wkbs, multipart = _polygon_wkbs(features, ids, layer_name)

    return LayerData(
        ids=ids,
        id_field=id_field or "",
        fids=fids,
        columns=columns,
        wkbs=wkbs,
        crs=source.sourceCrs(),
        fields=fields,
        features=features if keep_features else None,
        multipart=multipart,
        name=layer_name,
        texts=texts,
    )


def _no_geometry(ids, layer_name):
    raise QgsProcessingException(
        f"{_capitalized(layer_name)} has features without geometry: "
        f"{format_list(ids)}. Remove them or repair the geometries first."
    )


def _polygon_wkbs(features, ids, layer_name):
    wkbs = []
    empty = []
    multipart = []
    for k, feature in enumerate(features):
        geom = feature.geometry()
        if geom is None or geom.isNull() or geom.isEmpty():
            empty.append(ids[k])
            wkbs.append(None)
            continue
        if QgsWkbTypes.isCurvedType(geom.wkbType()):
            geom = QgsGeometry(geom.constGet().segmentize())
        if geom.isMultipart() and geom.constGet().numGeometries() > 1:
            multipart.append(ids[k])
        wkbs.append(bytes(geom.asWkb()))
    if empty:
        _no_geometry(empty, layer_name)
    return wkbs, multipart


class LayerInput:
    """The polygon layer and its region id field (always the first input).

    ``min_features``: fewer features are refused. The layer is read once
    with the fields, group labels and geometry that the other inputs ask for.
    """

    key = "layer"

    def __init__(self, min_features=3, label="Polygon layer"):
        self.min_features = min_features
        self.label = label

    def add(self, alg):
        alg.addParameter(with_help(
            QgsProcessingParameterFeatureSource(INPUT, tr(self.label), [compat.SOURCE_POLYGON]),
            tr("Regions as polygons (provinces, prefectures, counties). Never modified."),
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterField(ID_FIELD, tr("Region id field"), parentLayerParameterName=INPUT,
                                        type=compat.FIELD_ANY, optional=True),
            tr("Unique id of each region; used to join a long table and to label weights files. "
               "Empty: the feature ids."),
        ))

    def source(self, run):
        source = run.source(INPUT)
        if source is None:
            raise QgsProcessingException(run.alg.invalidSourceError(run.parameters, INPUT))
        return source

    def read(self, run, source, needs, keep_features=False):
        layer, definition = run.layer_behind(INPUT)
        data = read_polygons(source, needs.value_fields, run.string(ID_FIELD),
                             geometry=needs.geometry, keep_features=keep_features,
                             feedback=run.feedback, min_features=self.min_features,
                             text_fields=needs.text_fields, layer=layer, definition=definition)
        data.source_name = source.sourceName()
        data.wkb_type = source.wkbType()
        return data
