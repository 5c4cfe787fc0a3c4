"""Tables without geometry: what tools write for people to read."""
import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
)

from ... import compat
from ..support import tr
from .provenance import record_provenance


def write_table(run, param_name, specs, rows):
    """Write a table without geometry to the sink ``param_name``.

    ``specs`` is a list of (name, kind); ``rows`` a list of value lists.
    Returns the destination id, or ``None`` when the (optional) output was
    not asked for.
    """
    alg, parameters = run.alg, run.parameters
    fields = QgsFields()
    for name, kind in specs:
        fields.append(compat.make_field(name, kind))
    sink, dest_id = alg.parameterAsSink(
        parameters, param_name, run.context, fields, compat.WKB_NO_GEOMETRY, QgsCoordinateReferenceSystem()
    )
    if sink is None:
        if _skipped(alg, parameters, param_name):
            return None
        raise QgsProcessingException(alg.invalidSinkError(parameters, param_name))
    features = []
    for row in rows:
        f = QgsFeature(fields)
        f.setAttributes([_python_scalar(v) for v in row])
        features.append(f)
    if features and not sink.addFeatures(features, compat.SINK_FAST_INSERT):
        raise QgsProcessingException(alg.writeFeatureError(sink, parameters, param_name))
    return dest_id


def _skipped(alg, parameters, name):
    definition = alg.parameterDefinition(name)
    value = parameters.get(name)
    return definition is not None and definition.flags() & compat.FLAG_OPTIONAL and not value


def _python_scalar(value):
    """numpy scalars -> Python values (QGIS providers refuse numpy types); NaN -> NULL."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


class TableOutput:
    """A table output with declared columns ``[(name, kind)]``; the rows come
    from ``Result.tables[name]``. Secondary tables are optional outputs
    (skipped when not asked for)."""

    needs_features = False

    def __init__(self, name, label, columns, optional=True):
        self.name = name
        self.label = label
        self.columns = list(columns)
        self.optional = optional

    def add(self, alg):
        param = QgsProcessingParameterFeatureSink(self.name, tr(self.label), type=compat.SOURCE_VECTOR_ANY,
                                                  optional=self.optional, createByDefault=True)
        alg.addParameter(param)

    def write(self, run, data, result):
        rows = result.tables.get(self.name, [])
        columns = result.tables.get(self.name + ":columns", self.columns)
        dest = write_table(run, self.name, columns, rows)
        if dest is None:
            return {}
        record_provenance(run, dest, run.provenance(data))
        return {self.name: dest}
