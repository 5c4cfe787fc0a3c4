"""Panel input shared by every algorithm that works across periods.

Periods come either as an ordered list of numeric fields of the polygon layer
(wide: one field per year) or from a long table (region id, period, values)
joined to the polygons by a region id. Both give the same
:class:`~regional_resilience.core.panel.Panel`.
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
)

from .. import compat
from ..core import panel as core_panel
from .base import run_core, with_help
from .layer_io import read_polygons, read_table

INPUT = "INPUT"
ID_FIELD = "ID_FIELD"
FIELDS = "FIELDS"
TABLE = "TABLE"
TABLE_ID_FIELD = "TABLE_ID_FIELD"
TABLE_PERIOD_FIELD = "TABLE_PERIOD_FIELD"
TABLE_VALUE_FIELDS = "TABLE_VALUE_FIELDS"


def add_layer_parameters(alg):
    """Add the polygon layer and its region id field to ``alg``."""
    alg.addParameter(with_help(
        QgsProcessingParameterFeatureSource(INPUT, alg.tr("Polygon layer"), [compat.SOURCE_POLYGON]),
        alg.tr("Regions as polygons (provinces, prefectures, counties). Never modified."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterField(ID_FIELD, alg.tr("Region id field"), parentLayerParameterName=INPUT,
                                    type=compat.FIELD_ANY, optional=True),
        alg.tr("Unique id of each region; used to join a long table and to label weights files. "
               "Empty: the feature ids."),
    ))


def add_panel_parameters(alg, fields_label="Value fields, one per period (in period order)"):
    """Add the layer parameters, then the wide fields and the long-table
    parameters: the two ways of giving periods."""
    add_layer_parameters(alg)
    alg.addParameter(with_help(
        QgsProcessingParameterField(FIELDS, alg.tr(fields_label), parentLayerParameterName=INPUT,
                                    type=compat.FIELD_NUMERIC, allowMultiple=True,
                                    optional=True),
        alg.tr("Wide panel: one numeric field per period, e.g. PCGDP1940 ... PCGDP2000. "
               "Period labels are the trailing years of the names when each has one. "
               "Leave empty when the values come from a long table."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterFeatureSource(TABLE, alg.tr("Long table (optional)"),
                                            [compat.SOURCE_VECTOR_ANY], optional=True),
        alg.tr("Long panel: a table (CSV, spreadsheet, any layer) with one row per region and "
               "period. Joined to the polygons by the region id field."),
        advanced=True,
    ))
    for name, label, help_text in (
        (TABLE_ID_FIELD, "Long table: region id field", "Matches the polygon layer's region id field."),
        (TABLE_PERIOD_FIELD, "Long table: period field", "Year or period label of each row."),
    ):
        alg.addParameter(with_help(
            QgsProcessingParameterField(name, alg.tr(label), parentLayerParameterName=TABLE,
                                        type=compat.FIELD_ANY, optional=True),
            alg.tr(help_text), advanced=True,
        ))
    alg.addParameter(with_help(
        QgsProcessingParameterField(TABLE_VALUE_FIELDS, alg.tr("Long table: value field(s)"),
                                    parentLayerParameterName=TABLE, type=compat.FIELD_ANY,
                                    allowMultiple=True, optional=True),
        alg.tr("The variable(s) to analyse; several give one set of results each."), advanced=True,
    ))


def read_panel(alg, parameters, context, feedback, geometry=False, keep_features=False,
               min_features=3, text_fields=()):
    """Read the polygons and build the panel from wide fields or the long table.

    ``text_fields`` (e.g. the group field) are read in the same pass, into
    ``layer_data.texts``. Returns ``(layer_data, panel)``.
    """
    source = alg.parameterAsSource(parameters, INPUT, context)
    id_field = alg.parameterAsString(parameters, ID_FIELD, context)
    wide = compat.parameter_as_fields(alg, parameters, FIELDS, context)
    table = alg.parameterAsSource(parameters, TABLE, context)
    if table is None and not wide:
        raise QgsProcessingException(
            "Choose the value fields (one per period) or a long table with its fields."
        )
    if table is not None and wide:
        raise QgsProcessingException(
            "Give the periods either as value fields of the layer or as a long table, not both."
        )
    if table is not None and not id_field:
        raise QgsProcessingException(
            "A long table is joined by region id: choose the region id field of the polygon layer."
        )
    data = read_polygons(source, wide, id_field, geometry=geometry, keep_features=keep_features,
                         feedback=feedback, min_features=min_features, text_fields=text_fields)
    if wide:
        panel = run_core(core_panel.panel_from_wide, data.ids, {f: data.columns[f] for f in wide})
        return data, panel

    value_fields = compat.parameter_as_fields(alg, parameters, TABLE_VALUE_FIELDS, context)
    t_ids, t_periods, t_values = read_table(
        table,
        alg.parameterAsString(parameters, TABLE_ID_FIELD, context),
        alg.parameterAsString(parameters, TABLE_PERIOD_FIELD, context),
        value_fields,
        feedback,
    )
    panel = run_core(core_panel.panel_from_long, data.ids, t_ids, t_periods, t_values,
                     table_name="long table")
    return data, panel
