"""Reading a long table (CSV, spreadsheet, any layer; geometry ignored).

An OGR table (GeoPackage, CSV, spreadsheet read by GDAL...) is read in bulk
through GDAL's Arrow stream, like the polygon layers (:mod:`.ogr_bulk`);
any other source, and whatever the bulk reader could read differently,
with QGIS's feature iterator. Either way the key columns (ids, periods,
categories) come back as arrays of their raw values, matched later on
their distinct values (:func:`...core.panel.factorize`), and the value
columns as floats.
"""
from dataclasses import dataclass

import numpy as np
from qgis.core import QgsFeatureRequest, QgsProcessingException

from ... import compat
from ...core.panel import format_list
from ..support import check_canceled
from . import ogr_bulk
from .layer import column_to_float, is_null


@dataclass
class LongTable:
    """The columns of a long table, one element per row.

    ids, periods : arrays of the raw id and period values (or, for a text
        column read in bulk, its :class:`...core.panel.Factorized` form)
    values : value field -> float array (NULL -> NaN)
    keys : other key field (e.g. an industry) -> raw values, the same way
    """

    ids: np.ndarray
    periods: np.ndarray
    values: dict
    keys: dict


def read_table(source, id_field, period_field, value_fields, feedback=None,
               table_name="the long table", key_fields=(), layer=None, definition=None):
    """Read a long table: its ids, periods, ``key_fields`` (text kept as
    it is, NULL refused) and ``value_fields`` (floats); a :class:`LongTable`.

    ``layer`` / ``definition``: the ``QgsVectorLayer`` behind ``source``
    and the input's source definition, for the bulk read (as
    :func:`.layer.read_polygons`).
    """
    title = table_name[0].upper() + table_name[1:]
    if source is None:
        raise QgsProcessingException(f"Could not load {table_name}.")
    fields = source.fields()
    keys = [id_field, period_field] + list(key_fields)
    names = keys + list(value_fields)
    missing = [f for f in names if not f or fields.lookupField(f) < 0]
    if missing:
        raise QgsProcessingException(
            f"{title} needs an id field, a period field and value fields; not found: "
            f"{format_list([m or '(not set)' for m in missing])}."
        )
    columns, nulls, coded = _read_bulk(source, layer, definition, names, feedback, table_name)
    if columns is None:
        (columns, nulls), coded = _read_features(source, names, feedback), {}
    if not len(columns[id_field]):
        raise QgsProcessingException(f"{title} has no rows.")
    for name in keys:
        bad = np.flatnonzero(nulls[name])
        if len(bad):
            raise QgsProcessingException(
                f"{title} has NULL values in its key field '{name}' in rows "
                f"{format_list((bad + 1).tolist())}."
            )
    ids = columns[id_field]
    keyed = {name: coded.get(name, columns[name]) for name in keys}
    values = {}
    for name in value_fields:
        column = columns[name]
        if column.dtype.kind in "iufb":
            out = column.astype(float)
            out[nulls[name]] = np.nan
        else:
            items = column.tolist()
            for k in np.flatnonzero(nulls[name]).tolist():
                items[k] = None
            out = column_to_float(items, name, ids, table_name)
        values[name] = out
    return LongTable(keyed[id_field], keyed[period_field], values, {f: keyed[f] for f in key_fields})


def _read_bulk(source, layer, definition, names, feedback, table_name):
    """Columns, NULL masks and the text columns' distinct values and codes
    (:class:`...core.panel.Factorized`) from GDAL's Arrow stream, or
    ``(None, None, {})``."""
    if layer is None:
        return None, None, {}
    table, _ = ogr_bulk.read_or_fallback(layer, names, False, source, definition, feedback, table_name,
                                         lambda: check_canceled(feedback))
    if table is None:
        return None, None, {}
    return ({name: table.data[name] for name in names},
            {name: np.asarray(table.mask[name], dtype=bool) for name in names},
            table.coded)


def _read_features(source, names, feedback):
    """Columns (object arrays) and NULL masks from QGIS's feature iterator."""
    fields = source.fields()
    idx = [fields.lookupField(f) for f in names]
    request = QgsFeatureRequest().setFlags(compat.REQUEST_NO_GEOMETRY).setSubsetOfAttributes(idx)
    rows = []
    for k, feature in enumerate(source.getFeatures(request)):
        attrs = feature.attributes()
        rows.append([attrs[i] for i in idx])
        if k % 20000 == 0:
            check_canceled(feedback)
    columns, nulls = {}, {}
    for j, name in enumerate(names):
        items = [row[j] for row in rows]
        null = np.fromiter((is_null(v) for v in items), dtype=bool, count=len(items))
        column = np.empty(len(items), dtype=object)
        column[:] = [None if m else v for v, m in zip(items, null.tolist())]
        columns[name], nulls[name] = column, null
    return columns, nulls
