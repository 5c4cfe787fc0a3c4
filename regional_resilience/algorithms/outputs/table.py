"""Tables without geometry: what tools write for people to read."""
import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
)

from ... import compat
from ..support import check_canceled, tr
from . import gpkg_rows
from .columns import ColumnTable, batch_rows, column_array, rows as column_rows
from .provenance import record_provenance
from .sink import add_batch, placer, reopened, reused_features, with_progress


BATCH = 5000


def write_table(run, param_name, specs, rows):
    """Write a table without geometry to the sink ``param_name``.

    ``specs`` is a list of (name, kind); ``rows`` either a list of value
    lists, or the table as columns: a dict of column name -> (n,) array or
    a :class:`.columns.ColumnTable` (every column of ``specs``; NULL as NaN
    or ``None``), converted per column and written a batch at a time, the
    way to give a table of many rows. A GeoPackage table on disk gets its
    rows through SQLite (:mod:`.gpkg_rows`), any other output through QGIS.
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
    batches = with_progress(run.feedback, run.output_span, *_batches(rows, specs))
    where = gpkg_rows.destination(parameters, param_name, dest_id)
    if where is None:
        _add_features(run, param_name, sink, fields, batches)
        return dest_id
    del sink  # QGIS closes the file: the table is there, empty
    if not _append_rows(run, where, [name for name, _ in specs], batches):
        _written, provider = reopened(alg, parameters, param_name, dest_id)
        place = placer(provider.fields(), [name for name, _ in specs])
        if place is not None:
            batches = ([place(values) for values in batch] for batch in batches)
        _add_features(run, param_name, provider, provider.fields(), batches)
    return dest_id


def _batches(rows, specs):
    """The number of rows, and the rows (lists of Python values) a batch at
    a time (at most ``BATCH`` rows, :func:`.columns.batch_rows`)."""
    step = batch_rows(len(specs), BATCH)
    if isinstance(rows, dict):
        rows = ColumnTable.of(rows)
    if isinstance(rows, ColumnTable):
        return rows.n, (_column_batch(rows, specs, start, min(rows.n, start + step))
                        for start in range(0, rows.n, step))
    return len(rows), ([[_python_scalar(v) for v in row] for row in rows[start:start + step]]
                       for start in range(0, len(rows), step))


def _add_features(run, param_name, sink, fields, batches):
    """Hand the rows to a QGIS sink (or provider) as features."""
    pool = []
    for batch in batches:
        features = reused_features(pool, fields, len(batch))
        for f, values in zip(features, batch):
            f.setAttributes(values)
        add_batch(sink, features, run.alg, run.parameters, param_name)
        check_canceled(run.feedback)


def _append_rows(run, where, names, batches):
    """Insert the rows into the GeoPackage table QGIS just created; False
    (nothing taken from ``batches``) when the table is not the one expected
    or the file is locked, and QGIS must write them."""
    path, layer_name = where
    table = gpkg_rows.empty_table(path, layer_name, names)
    return table is not None and gpkg_rows.insert(run.feedback, path, table, names, batches)


def _column_batch(table, specs, start, stop):
    """Rows ``start:stop`` of a :class:`ColumnTable` as lists of Python values."""
    got = table.columns(np.arange(start, stop))
    missing = [name for name, _ in specs if name not in got]
    if missing:
        raise QgsProcessingException(f"Internal error: table columns not given: {', '.join(missing)}.")
    return column_rows([column_array(kind, got[name]) for name, kind in specs], 0, stop - start)


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
    """A table output with declared columns ``[(name, kind)]``; the rows (or
    the columns, see :func:`write_table`) come from ``Result.tables[name]``. Secondary tables are optional outputs
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

    def size(self, run, data, result):
        """Values to write: rows x columns (for the progress bar); 0 when not asked for."""
        if self.optional and not run.is_set(self.name):
            return 0
        rows = result.tables.get(self.name, [])
        n = rows.n if isinstance(rows, ColumnTable) else (
            len(next(iter(rows.values()))) if isinstance(rows, dict) and rows else len(rows))
        return n * len(result.tables.get(self.name + ":columns", self.columns))

    def write(self, run, data, result):
        rows = result.tables.get(self.name, [])
        columns = result.tables.get(self.name + ":columns", self.columns)
        dest = write_table(run, self.name, columns, rows)
        if dest is None:
            return {}
        record_provenance(run, dest, run.provenance(data))
        return {self.name: dest}
