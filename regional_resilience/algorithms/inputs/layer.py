"""Reading layers into arrays, in one bulk pass.

Every algorithm reads its polygons through :func:`read_polygons`: the region
ids, the requested numeric fields as float arrays (NULL -> NaN), and, when
weights must be built, each polygon as WKB for the core's geometry parser.
Features are kept when the output is a copy of the input with new fields, so
the layer is read once.
"""
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)

from ... import compat
from ...core.panel import as_label, format_list
from ..support import check_canceled, tr, with_help

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
    features: list  # QgsFeature list when kept, else None
    multipart: list  # ids of features with more than one part
    name: str = "input layer"
    texts: dict = None  # field name -> raw values (None = NULL), e.g. group labels
    source_name: str = ""
    wkb_type: object = None

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


def read_polygons(source, value_fields=(), id_field="", geometry=False,
                  keep_features=False, feedback=None, min_features=3,
                  layer_name="the input layer", text_fields=()):
    """Read a polygon ``QgsProcessingFeatureSource`` in one pass.

    ``value_fields`` are read as float arrays (NULL -> NaN); ``text_fields``
    (e.g. a group field) as their raw values with NULL -> ``None``.

    Refuses non-polygon layers, layers with fewer than ``min_features``
    features, missing fields, duplicate ids, and empty geometries (when
    geometry is needed), each with a sentence that says where.
    """
    if source is None:
        raise QgsProcessingException(f"Could not load {layer_name}.")
    if QgsWkbTypes.geometryType(source.wkbType()) != compat.GEOMETRY_POLYGON:
        raise QgsProcessingException(
            f"{layer_name[0].upper() + layer_name[1:]} must be a polygon layer; "
            f"it has {QgsWkbTypes.displayString(source.wkbType())} geometries."
        )
    fields = source.fields()
    wanted = [f for f in value_fields if f]
    texts_wanted = [f for f in text_fields if f]
    missing = [f for f in wanted + texts_wanted + ([id_field] if id_field else [])
               if fields.lookupField(f) < 0]
    if missing:
        raise QgsProcessingException(f"Fields not found in {layer_name}: {format_list(missing)}.")

    request = QgsFeatureRequest()
    if not keep_features:
        attrs = [fields.lookupField(f) for f in wanted + texts_wanted + ([id_field] if id_field else [])]
        request.setSubsetOfAttributes(attrs)
        if not geometry:
            request.setFlags(compat.REQUEST_NO_GEOMETRY)
    # Contiguity uses vertices only; validity is reported, not enforced.
    request.setInvalidGeometryCheck(compat.INVALID_GEOMETRY_NO_CHECK)

    total = source.featureCount()
    features = []
    for k, feature in enumerate(source.getFeatures(request)):
        features.append(feature)
        if k % 5000 == 0:
            check_canceled(feedback)
    n = len(features)
    if n < min_features:
        raise QgsProcessingException(
            f"{layer_name[0].upper() + layer_name[1:]} has {n} feature(s); "
            f"at least {min_features} are needed."
        )
    if feedback is not None and total > 0:
        feedback.pushDebugInfo(f"Read {n} features.")

    fids = np.fromiter((f.id() for f in features), dtype=np.int64, count=n)
    attributes = [f.attributes() for f in features]  # once per feature: the costly call
    if id_field:
        idx = fields.lookupField(id_field)
        raw = [a[idx] for a in attributes]
        null_ids = [str(fids[k]) for k, v in enumerate(raw) if is_null(v)]
        if null_ids:
            raise QgsProcessingException(
                f"The id field '{id_field}' is NULL for features {format_list(null_ids)}."
            )
        ids = np.array([as_label(v) for v in raw], dtype=object)
        uniq, counts = np.unique(ids.astype(str), return_counts=True)
        if (counts > 1).any():
            raise QgsProcessingException(
                f"The id field '{id_field}' repeats values: {format_list(uniq[counts > 1])}. "
                "Choose a field with one value per region."
            )
    else:
        ids = np.array([str(x) for x in fids], dtype=object)

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
        raise QgsProcessingException(
            f"{layer_name[0].upper() + layer_name[1:]} has features without geometry: "
            f"{format_list(empty)}. Remove them or repair the geometries first."
        )
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
        data = read_polygons(source, needs.value_fields, run.string(ID_FIELD),
                             geometry=needs.geometry, keep_features=keep_features,
                             feedback=run.feedback, min_features=self.min_features,
                             text_fields=needs.text_fields)
        data.source_name = source.sourceName()
        data.wkb_type = source.wkbType()
        return data
