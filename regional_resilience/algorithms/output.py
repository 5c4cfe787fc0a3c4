"""Writing results: a copy of the input polygons with new fields, and tables.

New fields are named ``<prefix>_<period>`` (e.g. ``lisa_cl_2000``). An input
field with the same name is replaced in the copy (with a warning); the input
layer itself is never modified. Features are written in batches.
"""
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFields,
    QgsProcessingException,
)

from .. import compat
from .base import check_canceled

BATCH = 5000


@dataclass
class NewField:
    """A result column: field name, kind (``double``/``int``/``string``), values (n,)."""

    name: str
    kind: str
    values: object


def _python_values(column):
    """numpy column -> list of Python values with NaN as NULL."""
    arr = np.asarray(column.values)
    if column.kind == "double":
        arr = arr.astype(float)
        out = arr.tolist()
        if np.isnan(arr).any():
            out = [None if v != v else v for v in out]
        return out
    if column.kind == "int":
        return [None if v is None else int(v) for v in arr.tolist()]
    return [None if v is None else str(v) for v in arr.tolist()]


def write_layer(alg, parameters, param_name, context, data, columns, feedback,
                progress_start=90.0, progress_end=100.0):
    """Write ``data.features`` (kept by the reader) with ``columns`` appended.

    Returns the destination id of the output layer.
    """
    if data.features is None:
        raise QgsProcessingException("Internal error: input features were not kept for the output.")
    new_names = {c.name.lower() for c in columns}
    keep = [i for i, f in enumerate(data.fields) if f.name().lower() not in new_names]
    replaced = [f.name() for i, f in enumerate(data.fields) if i not in set(keep)]
    if replaced:
        feedback.reportError(
            f"The output replaces input fields of the same name: {', '.join(replaced)}.", False
        )
    out_fields = QgsFields()
    for i in keep:
        out_fields.append(data.fields.at(i))
    for c in columns:
        out_fields.append(compat.make_field(c.name, c.kind))

    source = alg.parameterAsSource(parameters, "INPUT", context)
    sink, dest_id = alg.parameterAsSink(
        parameters, param_name, context, out_fields, source.wkbType(), source.sourceCrs()
    )
    if sink is None:
        raise QgsProcessingException(alg.invalidSinkError(parameters, param_name))

    values = [_python_values(c) for c in columns]
    rows = list(zip(*values)) if values else [()] * data.n
    n = data.n
    batch = []
    all_kept = len(keep) == len(data.fields)
    for k, (feature, new) in enumerate(zip(data.features, rows)):
        out = QgsFeature(out_fields, feature.id())
        out.setGeometry(feature.geometry())
        attrs = feature.attributes()
        if not all_kept:
            attrs = [attrs[i] for i in keep]
        out.setAttributes(attrs + list(new))
        batch.append(out)
        if len(batch) == BATCH:
            _flush(sink, batch, alg, param_name, parameters)
            check_canceled(feedback)
            feedback.setProgress(progress_start + (progress_end - progress_start) * (k + 1) / n)
    _flush(sink, batch, alg, param_name, parameters)
    feedback.setProgress(progress_end)
    return dest_id


def _flush(sink, batch, alg, param_name, parameters):
    if batch and not sink.addFeatures(batch, compat.SINK_FAST_INSERT):
        raise QgsProcessingException(alg.writeFeatureError(sink, parameters, param_name))
    batch.clear()


def write_table(alg, parameters, param_name, context, specs, rows):
    """Write a table without geometry.

    ``specs`` is a list of (name, kind); ``rows`` a list of value lists.
    Returns the destination id.
    """
    fields = QgsFields()
    for name, kind in specs:
        fields.append(compat.make_field(name, kind))
    sink, dest_id = alg.parameterAsSink(
        parameters, param_name, context, fields, compat.WKB_NO_GEOMETRY, QgsCoordinateReferenceSystem()
    )
    if sink is None:
        raise QgsProcessingException(alg.invalidSinkError(parameters, param_name))
    features = []
    for row in rows:
        f = QgsFeature(fields)
        f.setAttributes([_python_scalar(v) for v in row])
        features.append(f)
    if features and not sink.addFeatures(features, compat.SINK_FAST_INSERT):
        raise QgsProcessingException(alg.writeFeatureError(sink, parameters, param_name))
    return dest_id


def _python_scalar(value):
    """numpy scalars -> Python values (QGIS providers refuse numpy types); NaN -> NULL."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def safe_name(text):
    """``text`` with every character that is not a letter or digit as ``_``."""
    return "".join(ch if ch.isalnum() else "_" for ch in str(text))


def period_field(prefix, period):
    """Field name for a period: ``<prefix>_<period>`` with safe characters;
    ``<prefix>`` alone for the single unnamed period of a one-year layer."""
    if str(period) == "":
        return prefix
    return f"{prefix}_{safe_name(period)}"
