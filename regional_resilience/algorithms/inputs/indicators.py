"""Indicator inputs and weighting options shared by the composite-index tools.

Indicators come as numeric fields of the polygon layer (one year, or
``<indicator>_<year>`` for several), as fields another tool wrote, or as a
long table (region, year, one column per indicator) joined by region id: the
one panel reader of :mod:`.panel` with ``role="variables"``. Directions,
subsystems and subjective weights are short texts (see
:mod:`regional_resilience.core.indicator_spec`). Every tool reports the
weights as a table.
"""
import re

import numpy as np

from ...core import gapfill
from ...core import panel as core_panel
from ...core.indicator_spec import build_spec
from ...core.standardize import DEFAULT_SHIFT
from ...core.weighting_scheme import COMBINATIONS, SUBJECTIVE_METHODS, weighting_scheme
from ..outputs.table import TableOutput
from ..support import run_core, tr
from .options import Choice, Flag, Number, Text
from .panel import VARIABLES, PanelInput

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
SUBJECTIVE_SHARE = "SUBJECTIVE_SHARE"
WEIGHTS_TABLE = "WEIGHTS_TABLE"

OBJECTIVE_METHODS = ["entropy", "cv", "critic"]


def indicator_panel(fields_label="Indicator fields (one year)"):
    """The panel input of the composite-index tools: at least two indicators;
    missing values refused, or kept for interpolation when asked."""
    return PanelInput(role=VARIABLES, fields_label=fields_label, min_variables=2, complete=False,
                      not_constant=False, allow_missing=lambda run: run.enum(MISSING) == 1,
                      min_message="A composite index needs at least two indicators; {m} given ({names}).")


def indicator_options(negative=True, subsystems=True, pooled_default=True, shift=True):
    """Directions, subsystems, missing-value policy, pooling and shift."""
    out = []
    if negative:
        out.append(Text(NEGATIVE, "Negative (cost) indicators", help=(
            "Names of indicators where less is better (e.g. 'unemployment, pollution'), "
            "comma-separated; all others are positive.")))
    if subsystems:
        out.append(Text(SUBSYSTEMS, "Subsystems (optional)", help=(
            "Subsystem of each indicator, e.g. 'economic: gdp, income; social: doctors, "
            "schools'; 'resilience: *' puts every indicator in one subsystem named resilience "
            "(its index is then written as idx_resilience_<year>, as a model needs). Empty: one "
            "system.")))
    out.append(Choice(MISSING, "Missing values", (
        ("refuse", "Refuse (name the regions and years)"),
        ("interpolate", "Linear interpolation along years")), advanced=True, help=(
        "Refuse missing values (NULL, or a region-year without a row in the long table), "
        "naming region and year; or fill interior gaps by linear interpolation along the "
        "years (as the papers do). Gaps at the first or last year are still refused.")))
    out.append(Flag(POOLED, "Pool all years (comparable across years)", pooled_default, help=(
        "Standardise and weigh over all region-years together (the panel entropy method "
        "with year), so indices are comparable across years; off: each year on its own.")))
    if shift:
        out.append(Number(SHIFT, "Shift added after min-max standardisation", DEFAULT_SHIFT, minimum=0.0,
                          advanced=True, help="Keeps entropy logarithms defined (0.0001 as in most papers)."))
    return tuple(out)


def weighting_options():
    return (
        Choice(OBJECTIVE, "Objective weighting", (
            ("entropy", "Entropy weight method"), ("cv", "Coefficient of variation"), ("critic", "CRITIC")),
            default=[0], multiple=True, optional=True, help=(
                "Entropy (Shannon), coefficient of variation, CRITIC (Diakoulaki et al. 1995); "
                "several are averaged (or multiplied, see below). None: subjective weights only.")),
        Choice(OBJECTIVE_COMBINE, "Combining several objective methods", (
            ("mean", "Mean"), ("product", "Product (renormalised)")), advanced=True,
            help="How the weights of several objective methods are combined."),
        Choice(SUBJECTIVE, "Subjective weighting", tuple(zip(SUBJECTIVE_METHODS, (
            "None", "Order relation (G1)", "Expert weights"))), help=(
            "G1 (Guo Yajun): rank the indicators and give importance ratios between adjacent "
            "ranks; or give expert weights directly.")),
        Text(G1, "G1 ranking with ratios", help=(
            "Most important first; each later indicator with r_k = w(k-1)/w(k) in [1, 1.8]: "
            "'gdp; income 1.2; doctors 1.4'.")),
        Text(EXPERT, "Expert weights", help=(
            "A weight per indicator, e.g. 'gdp 0.4; income 0.3; doctors 0.3' (normalised to sum 1).")),
        Choice(COMBINATION, "Combining subjective and objective weights", tuple(zip(COMBINATIONS, (
            "Multiplicative: F = R W / sum(R W)", "Linear: F = alpha R + (1 - alpha) W"))),
            help="Synthesis of subjective weights R and objective weights W."),
        Number(SUBJECTIVE_SHARE, "Share of subjective weights alpha (linear combination)", 0.5,
               minimum=0.0, maximum=1.0, advanced=True,
               help="alpha in F = alpha R + (1 - alpha) W."),
    )


def weights_table_output(label="Indicator weights", optional=True):
    return TableOutput(WEIGHTS_TABLE, label, WEIGHTS_COLUMNS, optional=optional)


def prepare_indicators(run, panel, options):
    """Fill gaps when asked, refuse what is still missing, parse the
    directions/subsystems/G1/expert texts.

    Returns ``(panel, spec, X)`` with ``X`` of shape (regions, periods,
    indicators).
    """
    names = panel.variables
    X = panel.stacked(names)
    if getattr(options, "missing", "refuse") == "interpolate" and np.isnan(X).any():
        positions = _period_positions(panel.periods)
        filled = run_core(gapfill.interpolate_along_periods, X, positions, ends="nan")
        X = filled.values
        if filled.n_filled:
            run.info(tr("Filled {n} missing value(s) by linear interpolation along years.").format(
                n=filled.n_filled))
        panel = core_panel.Panel(panel.ids, panel.periods,
                                 {k: X[:, :, j] for j, k in enumerate(names)}, panel.sources)
    run_core(core_panel.require_complete, panel)
    subsystems = getattr(options, "subsystems", "")
    whole = re.fullmatch(r"\s*([^:;]+?)\s*:\s*\*\s*", subsystems or "")
    if whole:  # "resilience: *": every indicator in one named subsystem
        subsystems = f"{whole.group(1)}: {', '.join(names)}"
    spec = run_core(build_spec, names, negative=getattr(options, "negative", ""),
                    subsystems=subsystems, g1=getattr(options, "g1", ""),
                    expert=getattr(options, "expert", ""))
    if (~spec.positive).any():
        run.info(tr("Negative indicators: {names}").format(names=", ".join(np.array(names)[~spec.positive])))
    return panel, spec, X


def _period_positions(periods):
    try:
        return np.array([float(p) for p in periods])
    except ValueError:
        return np.arange(len(periods), dtype=float)


def compute_weighting(run, options, X, spec, periods):
    """The :class:`WeightingScheme` chosen in the dialog."""
    scheme = run_core(
        weighting_scheme, X, spec.positive, options.objective,
        objective_combine=options.objective_combine,
        subjective_method=options.subjective,
        g1=spec.g1, expert=spec.expert,
        combination=options.combination,
        alpha=options.subjective_share,
        pooled=options.pooled,
        shift=options.shift,
        names=list(spec.names), periods=list(periods),
    )
    for warning in scheme.warnings:
        run.warn(warning)
    run.info(tr("Weights: {description}").format(description=scheme.description))
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
