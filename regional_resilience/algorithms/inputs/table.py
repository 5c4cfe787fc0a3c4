"""Reading a long table (CSV, spreadsheet, any layer; geometry ignored)."""
from qgis.core import QgsFeatureRequest, QgsProcessingException

from ... import compat
from ...core.panel import as_label, format_list
from ..support import check_canceled
from .layer import column_to_float, is_null


def read_table(source, id_field, period_field, value_fields, feedback=None,
               table_name="the long table"):
    """Read a long table (any layer, geometry ignored): ids, periods, values."""
    if source is None:
        raise QgsProcessingException(f"Could not load {table_name}.")
    fields = source.fields()
    names = [id_field, period_field] + list(value_fields)
    missing = [f for f in names if not f or fields.lookupField(f) < 0]
    if missing:
        raise QgsProcessingException(
            f"{table_name[0].upper() + table_name[1:]} needs an id field, a period field and "
            f"value fields; not found: {format_list([m or '(not set)' for m in missing])}."
        )
    idx = [fields.lookupField(f) for f in names]
    request = QgsFeatureRequest().setFlags(compat.REQUEST_NO_GEOMETRY).setSubsetOfAttributes(idx)
    rows = []
    for k, feature in enumerate(source.getFeatures(request)):
        attrs = feature.attributes()
        rows.append([attrs[i] for i in idx])
        if k % 20000 == 0:
            check_canceled(feedback)
    if not rows:
        raise QgsProcessingException(f"{table_name[0].upper() + table_name[1:]} has no rows.")
    cols = list(zip(*rows))
    bad = [k for k, v in enumerate(cols[0]) if is_null(v)] + [k for k, v in enumerate(cols[1]) if is_null(v)]
    if bad:
        raise QgsProcessingException(
            f"{table_name[0].upper() + table_name[1:]} has NULL ids or periods in rows "
            f"{format_list(sorted(set(k + 1 for k in bad)))}."
        )
    ids = [as_label(v) for v in cols[0]]
    periods = [as_label(v) for v in cols[1]]
    values = {
        name: column_to_float(list(cols[2 + j]), name, ids, table_name)
        for j, name in enumerate(value_fields)
    }
    return ids, periods, values
