"""Indicator input and weighting parameters shared by the composite-index tools.

Indicators come as numeric fields of the polygon layer (one year) or as a
long table (region, year, one column per indicator) joined by region id.
Directions, subsystems and subjective weights are short texts (see
:mod:`regional_resilience.core.indicator_spec`). Every tool reports the
weights as a table.
"""
import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .. import compat
from ..core import gapfill
from ..core import panel as core_panel
from ..core.indicator_spec import build_spec
from ..core.standardize import DEFAULT_SHIFT
from ..core.weighting_scheme import COMBINATIONS, SUBJECTIVE_METHODS, weighting_scheme
from .base import run_core, with_help
from .layer_io import read_polygons, read_table
from .output import write_layer, write_table
from .styling import attach_style
from .panel_params import (
    FIELDS,
    ID_FIELD,
    INPUT,
    TABLE,
    TABLE_ID_FIELD,
    TABLE_PERIOD_FIELD,
    TABLE_VALUE_FIELDS,
    add_panel_parameters,
)

NEGATIVE = "NEGATIVE"
SUBSYSTEMS = "SUBSYSTEMS"
MISSING = "MISSING"
POOLED = "POOLED"
SHIFT = "SHIFT"
OBJECTIVE = "OBJECTIVE"
OBJECTIVE_COMBINE = "OBJECTIVE_COMBINE"
SUBJECTIVE = "SUBJECTIVE"
G1 = "G1"
EXPERT = "EXPERT"
COMBINATION = "COMBINATION"
ALPHA = "ALPHA"
WEIGHTS_TABLE = "WEIGHTS_TABLE"

OBJECTIVE_METHODS = ["entropy", "cv", "critic"]
OBJECTIVE_LABELS = ["Entropy weight method", "Coefficient of variation", "CRITIC"]
MISSING_LABELS = ["Refuse (name the regions and years)", "Linear interpolation along years"]


def add_indicator_parameters(alg, negative=True, subsystems=True, pooled_default=True, shift=True,
                             fields_label="Indicator fields (one year)"):
    """The polygon layer, indicators (fields or long table), directions,
    subsystems, missing-value policy, pooling and shift."""
    add_panel_parameters(alg, fields_label=fields_label)
    if negative:
        alg.addParameter(with_help(
            QgsProcessingParameterString(NEGATIVE, alg.tr("Negative (cost) indicators"), optional=True,
                                         defaultValue=""),
            alg.tr("Names of indicators where less is better (e.g. 'unemployment, pollution'), "
                   "comma-separated; all others are positive."),
        ))
    if subsystems:
        alg.addParameter(with_help(
            QgsProcessingParameterString(SUBSYSTEMS, alg.tr("Subsystems (optional)"), optional=True,
                                         defaultValue=""),
            alg.tr("Subsystem of each indicator, e.g. 'economic: gdp, income; social: doctors, "
                   "schools'. Empty: one system."),
        ))
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(MISSING, alg.tr("Missing values"), [alg.tr(x) for x in MISSING_LABELS],
                                   defaultValue=0),
        alg.tr("Refuse missing values (NULL, or a region-year without a row in the long table), "
               "naming region and year; or fill interior gaps by linear interpolation along the "
               "years (as the papers do). Gaps at the first or last year are still refused."),
        advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterBoolean(POOLED, alg.tr("Pool all years (comparable across years)"),
                                      defaultValue=pooled_default),
        alg.tr("Standardise and weigh over all region-years together (the panel entropy method "
               "with year), so indices are comparable across years; off: each year on its own."),
    ))
    if not shift:
        return
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(SHIFT, alg.tr("Shift added after min-max standardisation"),
                                     type=compat.NUMBER_DOUBLE, defaultValue=DEFAULT_SHIFT, minValue=0.0),
        alg.tr("Keeps entropy logarithms defined (0.0001 as in most papers)."), advanced=True,
    ))


def add_weighting_parameters(alg):
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(OBJECTIVE, alg.tr("Objective weighting"),
                                   [alg.tr(x) for x in OBJECTIVE_LABELS], allowMultiple=True,
                                   defaultValue=[0], optional=True),
        alg.tr("Entropy (Shannon), coefficient of variation, CRITIC (Diakoulaki et al. 1995); "
               "several are averaged (or multiplied, see below). None: subjective weights only."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(OBJECTIVE_COMBINE, alg.tr("Combining several objective methods"),
                                   [alg.tr("Mean"), alg.tr("Product (renormalised)")], defaultValue=0),
        alg.tr("How the weights of several objective methods are combined."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(SUBJECTIVE, alg.tr("Subjective weighting"),
                                   [alg.tr("None"), alg.tr("Order relation (G1)"), alg.tr("Expert weights")],
                                   defaultValue=0),
        alg.tr("G1 (Guo Yajun): rank the indicators and give importance ratios between adjacent "
               "ranks; or give expert weights directly."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterString(G1, alg.tr("G1 ranking with ratios"), optional=True, defaultValue=""),
        alg.tr("Most important first; each later indicator with r_k = w(k-1)/w(k) in [1, 1.8]: "
               "'gdp; income 1.2; doctors 1.4'."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterString(EXPERT, alg.tr("Expert weights"), optional=True, defaultValue=""),
        alg.tr("A weight per indicator, e.g. 'gdp 0.4; income 0.3; doctors 0.3' (normalised to sum 1)."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(COMBINATION, alg.tr("Combining subjective and objective weights"),
                                   [alg.tr("Multiplicative: F = R W / sum(R W)"),
                                    alg.tr("Linear: F = alpha R + (1 - alpha) W")], defaultValue=0),
        alg.tr("Synthesis of subjective weights R and objective weights W."),
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(ALPHA, alg.tr("Alpha (linear combination)"), type=compat.NUMBER_DOUBLE,
                                     defaultValue=0.5, minValue=0.0, maxValue=1.0),
        alg.tr("Share of the subjective weights in the linear combination."), advanced=True,
    ))


def add_weights_table_output(alg):
    alg.addParameter(QgsProcessingParameterFeatureSink(
        WEIGHTS_TABLE, alg.tr("Indicator weights"), type=compat.SOURCE_VECTOR_ANY))


def read_indicators(alg, parameters, context, feedback, keep_features=True):
    """Read the layer and the indicators.

    Returns ``(layer_data, panel, spec, X)`` with ``X`` of shape
    (regions, periods, indicators). A single-year layer has one period
    labelled ``""``.
    """
    source = alg.parameterAsSource(parameters, INPUT, context)
    id_field = alg.parameterAsString(parameters, ID_FIELD, context)
    fields = compat.parameter_as_fields(alg, parameters, FIELDS, context)
    table = alg.parameterAsSource(parameters, TABLE, context)
    interpolate = alg.parameterAsEnum(parameters, MISSING, context) == 1
    if table is None and not fields:
        raise QgsProcessingException("Choose the indicator fields, or a long table with its fields.")
    if table is not None and fields:
        raise QgsProcessingException("Give the indicators either as fields of the layer or as a long table, not both.")
    if table is not None and not id_field:
        raise QgsProcessingException("A long table is joined by region id: choose the region id field.")
    data = read_polygons(source, fields, id_field, keep_features=keep_features, feedback=feedback)
    if fields:
        values = {f: data.columns[f][:, None] for f in fields}
        panel = core_panel.Panel(data.ids, ("",), values, {(f, ""): f for f in fields})
    else:
        names = compat.parameter_as_fields(alg, parameters, TABLE_VALUE_FIELDS, context)
        t_ids, t_periods, t_values = read_table(
            table, alg.parameterAsString(parameters, TABLE_ID_FIELD, context),
            alg.parameterAsString(parameters, TABLE_PERIOD_FIELD, context), names, feedback)
        panel = run_core(core_panel.panel_from_long, data.ids, t_ids, t_periods, t_values,
                         table_name="long table", allow_missing=interpolate)
    names = panel.variables
    if len(names) < 2:
        raise QgsProcessingException("A composite index needs at least two indicators.")

    X = panel.stacked(names)
    if interpolate and np.isnan(X).any():
        positions = _period_positions(panel.periods)
        filled = run_core(gapfill.interpolate_along_periods, X, positions, ends="nan")
        X = filled.values
        if filled.n_filled:
            feedback.pushInfo(f"Filled {filled.n_filled} missing value(s) by linear interpolation along years.")
        panel = core_panel.Panel(panel.ids, panel.periods,
                                 {k: X[:, :, j] for j, k in enumerate(names)}, panel.sources)
    run_core(core_panel.require_complete, panel)

    negative = alg.parameterAsString(parameters, NEGATIVE, context) if alg.parameterDefinition(NEGATIVE) else ""
    subsystems = alg.parameterAsString(parameters, SUBSYSTEMS, context) if alg.parameterDefinition(SUBSYSTEMS) else ""
    g1 = alg.parameterAsString(parameters, G1, context) if alg.parameterDefinition(G1) else ""
    expert = alg.parameterAsString(parameters, EXPERT, context) if alg.parameterDefinition(EXPERT) else ""
    spec = run_core(build_spec, names, negative=negative, subsystems=subsystems, g1=g1, expert=expert)
    if (~spec.positive).any():
        feedback.pushInfo("Negative indicators: " + ", ".join(np.array(names)[~spec.positive]))
    return data, panel, spec, X


def _period_positions(periods):
    try:
        return np.array([float(p) for p in periods])
    except ValueError:
        return np.arange(len(periods), dtype=float)


def compute_weighting(alg, parameters, context, feedback, X, spec, periods):
    """The :class:`WeightingScheme` chosen in the dialog."""
    methods = [OBJECTIVE_METHODS[i] for i in alg.parameterAsEnums(parameters, OBJECTIVE, context)]
    scheme = run_core(
        weighting_scheme, X, spec.positive, methods,
        objective_combine=["mean", "product"][alg.parameterAsEnum(parameters, OBJECTIVE_COMBINE, context)],
        subjective_method=SUBJECTIVE_METHODS[alg.parameterAsEnum(parameters, SUBJECTIVE, context)],
        g1=spec.g1, expert=spec.expert,
        combination=COMBINATIONS[alg.parameterAsEnum(parameters, COMBINATION, context)],
        alpha=alg.parameterAsDouble(parameters, ALPHA, context),
        pooled=alg.parameterAsBool(parameters, POOLED, context),
        shift=alg.parameterAsDouble(parameters, SHIFT, context),
        names=list(spec.names), periods=list(periods),
    )
    for warning in scheme.warnings:
        feedback.reportError(warning, False)
    feedback.pushInfo(f"Weights: {scheme.description}")
    return scheme


WEIGHTS_COLUMNS = [
    ("period", "string"), ("indicator", "string"), ("direction", "string"), ("subsystem", "string"),
    ("entropy_e", "double"), ("divergence_d", "double"), ("cv", "double"),
    ("critic_sigma", "double"), ("critic_conflict", "double"), ("critic_information", "double"),
    ("w_entropy", "double"), ("w_cv", "double"), ("w_critic", "double"), ("w_objective", "double"),
    ("w_subjective", "double"), ("weight", "double"), ("constant", "int"), ("scheme", "string"),
    ("scope", "string"),
]


def _at(array, k, j):
    if array is None:
        return None
    a = np.asarray(array, dtype=float)
    return float(a[k, j]) if a.ndim == 2 else float(a[j])


def weights_rows(scheme, spec, periods, pooled):
    """Rows of the weights table: one per indicator (per period when the
    weights are per period)."""
    obj = scheme.objective
    per_period = np.asarray(scheme.final).ndim == 2
    scope = "all years pooled" if pooled else "each year"
    rows = []
    for k in range(len(periods) if per_period else 1):
        label = periods[k] if per_period else ("all" if len(periods) > 1 else periods[0])
        for j, name in enumerate(spec.names):
            pm = obj.per_method if obj is not None else {}
            rows.append([
                label, name, "positive" if spec.positive[j] else "negative",
                spec.subsystems[j] if spec.subsystems else "",
                _at(obj.entropy, k, j) if obj else None, _at(obj.divergence, k, j) if obj else None,
                _at(obj.cv, k, j) if obj else None, _at(obj.sigma, k, j) if obj else None,
                _at(obj.conflict, k, j) if obj else None, _at(obj.information, k, j) if obj else None,
                _at(pm.get("entropy"), k, j), _at(pm.get("cv"), k, j), _at(pm.get("critic"), k, j),
                _at(obj.weights, k, j) if obj else None,
                _at(scheme.subjective, k, j), _at(scheme.final, k, j),
                int(bool(_at(obj.constant, k, j))) if obj else 0,
                scheme.description, scope,
            ])
    return rows


def write_weights_table(alg, parameters, context, scheme, spec, periods, pooled):
    return write_table(alg, parameters, WEIGHTS_TABLE, context, WEIGHTS_COLUMNS,
                       weights_rows(scheme, spec, periods, pooled))


def write_index_outputs(alg, parameters, context, feedback, data, columns, style_fields, scheme,
                        spec, periods, pooled):
    """The outputs every index tool shares: the layer with ``columns``, a
    graduated map of ``style_fields`` (one style per year) and the weights
    table. Returns the results dict."""
    dest = write_layer(alg, parameters, "OUTPUT", context, data, columns, feedback, 75, 95)
    attach_style(context, dest, style_fields, "graduated")
    weights = write_weights_table(alg, parameters, context, scheme, spec, periods, pooled)
    feedback.setProgress(100)
    return {"OUTPUT": dest, WEIGHTS_TABLE: weights}
