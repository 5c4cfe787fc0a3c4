"""Writing results: a copy of the input polygons with new fields, and tables.

New fields are named ``<prefix>_<period>`` (e.g. ``lisa_cl_2000``). An input
field with the same name is replaced in the copy (with a warning); the input
layer itself is never modified. Features are written in batches.
"""
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
)

from ... import compat
from ..support import check_canceled, tr
from .naming import period_field, safe_name  # noqa: F401 (re-exported: the writer's names)

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


def write_layer(run, param_name, data, columns, span=None):
    """Write ``data.features`` (kept by the reader) with ``columns`` appended
    to the sink ``param_name``; ``span`` is the (start, end) percent of the
    progress bar. Returns the destination id of the output layer."""
    alg, parameters, feedback = run.alg, run.parameters, run.feedback
    progress_start, progress_end = span or run.steps.span("write")
    if data.features is None:
        raise QgsProcessingException("Internal error: input features were not kept for the output.")
    new_names = {c.name.lower() for c in columns}
    keep = [i for i, f in enumerate(data.fields) if f.name().lower() not in new_names]
    replaced = [f.name() for i, f in enumerate(data.fields) if i not in set(keep)]
    if replaced:
        run.warn(tr("The output replaces input fields of the same name: {names}.").format(
            names=", ".join(replaced)))
    out_fields = QgsFields()
    for i in keep:
        out_fields.append(data.fields.at(i))
    for c in columns:
        out_fields.append(compat.make_field(c.name, c.kind))

    sink, dest_id = alg.parameterAsSink(parameters, param_name, run.context, out_fields,
                                        data.wkb_type, data.crs)
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


class LayerOutput:
    """A copy of the input polygons with the result's fields, styled on load.

    ``compute`` returns the fields (``Result.fields``) and the styles
    (``Result.styles``); ``name``/``label`` make the sink parameter.
    """

    needs_features = True

    def __init__(self, name="OUTPUT", label="Output layer", layer_name=None):
        self.name = name
        self.label = label
        self.layer_name = layer_name

    def add(self, alg):
        alg.addParameter(QgsProcessingParameterFeatureSink(self.name, tr(self.label)))

    def write(self, run, data, result):
        from .styles import attach_styles

        dest = write_layer(run, self.name, data.layer, result.fields)
        attach_styles(run.context, dest, [s for s in result.styles if s.output in (None, self.name)],
                      layer_name=self.layer_name)
        return {self.name: dest}
