"""The one panel reader: periods, indicators and systems, from fields of the
layer, from fields another tool wrote, or from a long table.

Three ways to give the values, one result (a core
:class:`~regional_resilience.core.panel.Panel`: regions x periods per
variable):

- **value fields** picked in the dialog (``FIELDS``), read by the naming rule
  of :mod:`..outputs.naming` (a trailing year is the period);
- **fields by name** (``FIELD_PREFIX``): the stem of the fields another tool
  wrote, ``cc_d`` for ``cc_d_2013 ...`` or ``idx_*`` for every
  ``idx_<subsystem>_<year>``; this is how tools chain in a model, where the
  fields of an earlier step cannot be picked by hand;
- a **long table** (``TABLE``: region id, period, value columns) joined by
  the region id.

``role`` says what a field without a year is: a period of one variable
(``"periods"``, the autocorrelation tools: ``HR60, HR70`` are two periods) or
a variable of one period (``"variables"``, the indicator and system tools:
``INC, HOVAL`` are two indicators of one year).
"""
import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ... import compat
from ...core import panel as core_panel
from ...core.panel import format_list
from ..outputs.naming import fields_for_stem, parse_stems, split_year
from ..support import run_core, tr, with_help
from .layer import ID_FIELD, INPUT
from .table import read_table

FIELDS = "FIELDS"
FIELD_PREFIX = "FIELD_PREFIX"
TABLE = "TABLE"
TABLE_ID_FIELD = "TABLE_ID_FIELD"
TABLE_PERIOD_FIELD = "TABLE_PERIOD_FIELD"
TABLE_VALUE_FIELDS = "TABLE_VALUE_FIELDS"
MATCH_IDS = "MATCH_IDS"

PERIODS, VARIABLES = "periods", "variables"


class PanelInput:
    """Declaration of a panel input.

    Parameters
    ----------
    role : {"periods", "variables"}
        What a field without a trailing year is (see the module doc).
    fields_label : str
        Label of the value-fields parameter.
    min_variables : int
        Fewer variables are refused (2 for coupling, composite indices).
    complete, not_constant : bool
        Refuse missing values / a variable constant in a period.
    allow_missing : bool
        Keep region-periods without a row of the long table as NaN (for
        tools that fill gaps themselves).
    default_prefix : str
        Default of the fields-by-name parameter (e.g. ``idx_*`` so that the
        subsystem indices of the development index are taken as they are).
    category : (parameter name, noun, help) or None
        One more way in: a long table with one row per region, period and
        category (an industry), whose one value field is split into one
        variable per category (``core.panel.panel_from_long(categories=)``).
    """

    key = "panel"

    def __init__(self, role=PERIODS, fields_label="Value fields, one per period (in period order)",
                 min_variables=1, complete=True, not_constant=True, allow_missing=False,
                 default_prefix="", fields_help=None, min_message=None, category=None):
        self.role = role
        self.fields_label = fields_label
        self.min_variables = min_variables
        self.complete = complete
        self.not_constant = not_constant
        self.allow_missing = allow_missing
        self.default_prefix = default_prefix
        self.fields_help = fields_help
        self.min_message = min_message
        self.category = category

    # declaration --------------------------------------------------------
    def add(self, alg):
        if self.role == PERIODS:
            help_text = tr("Wide panel: one numeric field per period, e.g. PCGDP1940 ... PCGDP2000. "
                           "Period labels are the trailing years of the names when each has one. "
                           "Leave empty when the values come from a long table.")
        else:
            help_text = tr("Numeric fields, one per variable for one year (e.g. gdp, income), or "
                           "one per variable and year named <variable>_<year> (gdp_2013, "
                           "gdp_2014, income_2013, ...). Leave empty when the values come from "
                           "a long table or are chosen by name below.")
        alg.addParameter(with_help(
            QgsProcessingParameterField(FIELDS, tr(self.fields_label), parentLayerParameterName=INPUT,
                                        type=compat.FIELD_NUMERIC, allowMultiple=True, optional=True),
            tr(self.fields_help) if self.fields_help else help_text,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterString(FIELD_PREFIX, tr("Value fields by name (fields another tool wrote)"),
                                         defaultValue=self.default_prefix, optional=True),
            tr("Used when no value field is picked: the start of the names of the fields another "
               "tool of this provider wrote. 'cc_d' takes cc_d_2013, cc_d_2014, ... (one variable, "
               "its periods from the names); 'idx_*' takes every idx_<name>_<year> as one variable "
               "per name (the subsystem indices of the development index); several stems, "
               "comma-separated ('idx_economic, idx_social'), give one variable each. "
               "This is how the tools chain in the graphical modeler."),
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterFeatureSource(TABLE, tr("Long table (optional)"),
                                                [compat.SOURCE_VECTOR_ANY], optional=True),
            tr("Long panel: a table (CSV, spreadsheet, any layer) with one row per region and "
               "period. Joined to the polygons by the region id field."),
            advanced=True,
        ))
        for name, label, help_text in (
            (TABLE_ID_FIELD, "Long table: region id field", "Matches the polygon layer's region id field."),
            (TABLE_PERIOD_FIELD, "Long table: period field", "Year or period label of each row."),
        ):
            alg.addParameter(with_help(
                QgsProcessingParameterField(name, tr(label), parentLayerParameterName=TABLE,
                                            type=compat.FIELD_ANY, optional=True),
                tr(help_text), advanced=True,
            ))
        alg.addParameter(with_help(
            QgsProcessingParameterField(TABLE_VALUE_FIELDS, tr("Long table: value field(s)"),
                                        parentLayerParameterName=TABLE, type=compat.FIELD_ANY,
                                        allowMultiple=True, optional=True),
            tr("The variable(s) to analyse; several give one set of results each."), advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterBoolean(MATCH_IDS, tr("Match ids ignoring type and leading zeros"),
                                          defaultValue=False),
            tr("Join the long table to the layer on normalised ids: 1, 1.0, '1' and '01' are the "
               "same region. Off (default): ids must be equal as text; the message says when "
               "normalising would match them."),
            advanced=True,
        ))
        if self.category:
            name, noun, help_text = self.category
            alg.addParameter(with_help(
                QgsProcessingParameterField(name, tr("Long table: {noun} field (optional)").format(noun=tr(noun)),
                                            parentLayerParameterName=TABLE, type=compat.FIELD_ANY,
                                            optional=True),
                tr(help_text), advanced=True))

    # reading ------------------------------------------------------------
    def plan(self, run, source, needs):
        """Decide where the values come from; ask the layer reader for the
        fields (kept in ``run.memo``)."""
        picked = run.fields(FIELDS)
        table = run.source(TABLE)
        prefix = run.string(FIELD_PREFIX).strip()
        if table is not None and picked:
            raise QgsProcessingException(tr(
                "Give the values either as fields of the layer or as a long table, not both."))
        if table is not None and not run.string(ID_FIELD):
            raise QgsProcessingException(tr(
                "A long table is joined by region id: choose the region id field of the polygon layer."))
        if picked and prefix and prefix != self.default_prefix:
            raise QgsProcessingException(tr(
                "Give the values either as picked fields or by name ('{prefix}'), not both."
            ).format(prefix=prefix))
        if picked:
            cells = cells_from_fields(picked, self.role)
        elif table is not None:
            cells = None
        elif prefix:
            cells = cells_from_stems(_numeric_field_names(source), prefix)
        else:
            raise QgsProcessingException(tr(
                "Choose the value fields, give the fields by name, or choose a long table with its "
                "fields."))
        run.memo[self.key] = (cells, table)
        if cells:
            needs.value_fields.extend(f for _, _, f in cells if f not in needs.value_fields)

    def _allow_missing(self, run):
        allow = self.allow_missing
        return bool(allow(run)) if callable(allow) else bool(allow)

    def _from_long_table(self, run, data, table, allow_missing):
        values = run.fields(TABLE_VALUE_FIELDS)
        category = run.string(self.category[0]) if self.category else ""
        if category and len(values) != 1:
            raise QgsProcessingException(tr(
                "With a {noun} field, choose exactly one value field of the long table; {m} chosen "
                "({names}).").format(noun=tr(self.category[1]), m=len(values),
                                     names=format_list(values) or "none"))
        layer, definition = run.layer_behind(TABLE)
        long = read_table(table, run.string(TABLE_ID_FIELD), run.string(TABLE_PERIOD_FIELD), values,
                          run.feedback, key_fields=[category] if category else (), layer=layer,
                          definition=definition)
        by_category = {"categories": long.keys[category], "category_name": self.category[1]} if category else {}
        return run_core(core_panel.panel_from_long, data.ids, long.ids, long.periods, long.values,
                        table_name="long table", allow_missing=allow_missing,
                        normalise_ids=run.bool(MATCH_IDS),
                        match_option=tr("Match ids ignoring type and leading zeros"), **by_category)

    def build(self, run, data, namespace):
        cells, table = run.memo[self.key]
        allow_missing = self._allow_missing(run)
        if cells is not None:
            panel = run_core(panel_from_cells, data.ids, cells, {f: data.columns[f] for _, _, f in cells})
        else:
            panel = self._from_long_table(run, data, table, allow_missing)
        if len(panel.variables) < self.min_variables:
            raise QgsProcessingException(tr(
                self.min_message or "This tool needs at least {k} variables; {m} given ({names})."
            ).format(k=self.min_variables, m=len(panel.variables), names=format_list(panel.variables)))
        if self.complete and not allow_missing:
            run_core(core_panel.require_complete, panel)
        if self.not_constant:
            run_core(core_panel.require_not_constant, panel)
        return panel


def _numeric_field_names(source):
    return [f.name() for f in source.fields() if compat.field_is_numeric(f)]


def cells_from_fields(names, role):
    """``[(variable, period, field)]`` for fields picked by hand.

    ``role="periods"``: one variable whose periods are the fields (their
    trailing years when each has a distinct one, else the names), or one
    variable per stem when several stems share the same years.
    ``role="variables"``: without years each field is a variable of one
    unnamed period; with years, fields are grouped by stem.
    """
    split = [split_year(n) for n in names]
    with_year = [y is not None for _, y in split]
    stems = list(dict.fromkeys(s for s, _ in split))
    if role == PERIODS:
        if all(with_year) and len(stems) > 1:
            years = {s: [y for (t, y) in split if t == s] for s in stems}
            first = years[stems[0]]
            if all(sorted(v) == sorted(first) for v in years.values()) and len(set(first)) == len(first):
                return [(s, y, n) for (s, y), n in zip(split, names)]
        labels = core_panel.period_labels(names)
        variable = stems[0] if len(stems) == 1 else "value"
        return [(variable, label, n) for label, n in zip(labels, names)]
    if not any(with_year):
        return [(n, "", n) for n in names]
    if not all(with_year):
        raise QgsProcessingException(tr(
            "Some value fields end in a year and some do not ({names}): name them all "
            "<variable>_<year>, or pick the fields of one year only."
        ).format(names=format_list([n for n, w in zip(names, with_year) if not w])))
    return [(s, y, n) for (s, y), n in zip(split, names)]


def cells_from_stems(field_names, text):
    """``[(variable, period, field)]`` of the fields named by the stems in
    ``text`` (see :func:`..outputs.naming.fields_for_stem`)."""
    cells = []
    for stem in parse_stems(text):
        found = fields_for_stem(field_names, stem)
        if not found:
            raise QgsProcessingException(tr(
                "No numeric field of the layer is named '{stem}_<period>'{star}. Fields with "
                "similar names: {similar}."
            ).format(stem=stem.rstrip("*_") + ("_<name>" if stem.endswith("*") else ""), star="",
                     similar=format_list([f for f in field_names
                                          if f.lower().startswith(stem.rstrip("*_")[:3].lower())]) or "none"))
        cells.extend(found)
    return cells


def panel_from_cells(ids, cells, columns):
    """A :class:`Panel` from ``(variable, period, field)`` cells; every
    variable must have every period."""
    variables = list(dict.fromkeys(v for v, _, _ in cells))
    periods = list(dict.fromkeys(p for _, p, _ in cells))
    try:
        keys = [float(p) for p in periods]
        periods = [periods[i] for i in np.argsort(keys, kind="stable")]
    except ValueError:
        pass
    where = {(v, p): f for v, p, f in cells}
    repeated = [f"{v} {p}" for (v, p) in where if sum(1 for c in cells if c[:2] == (v, p)) > 1]
    if repeated:
        raise core_panel.InputDataError(
            f"Two fields give the same variable and period: {format_list(repeated)}.")
    missing = [f"{v} {p}" for v in variables for p in periods if (v, p) not in where]
    if missing:
        raise core_panel.InputDataError(
            f"Every variable needs a field for every period; missing: {format_list(missing)}.")
    n = len(ids)
    values = {v: np.column_stack([np.asarray(columns[where[(v, p)]], dtype=float) for p in periods])
              .reshape(n, len(periods)) for v in variables}
    return core_panel.Panel(np.asarray(ids, dtype=object), tuple(periods), values, dict(where))
