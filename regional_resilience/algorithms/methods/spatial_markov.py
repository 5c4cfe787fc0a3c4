"""Processing algorithm: spatial Markov chain (transitions conditioned on the neighbours)."""
import numpy as np

from ...core import markov
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Number, Text
from ..inputs.panel import PanelInput
from ..inputs.weights import WeightsInput
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.report import ReportOutput, report_wanted, section, table_block, text_block
from ..outputs.table import TableOutput
from ..support import tr
from . import _markov_common as mk

LAG_CLASSES = "LAG_CLASSES"
N_LAG_CLASSES = "N_LAG_CLASSES"
LAG_BREAKS = "LAG_BREAKS"
ISLAND_RULE = "ISLAND_RULE"
HOMOGENEITY = "HOMOGENEITY"

LAG_CHOICES = (("same", "As the classes (class codes: most common neighbour class)"),) + tuple(
    c for c in mk.CLASS_CHOICES if c[0] != "codes") + (
    ("categorical", "Most common class among the neighbours"),)
HOMOGENEITY_COLUMNS = [("variable", "string"), ("test", "string"), ("lag_class", "int"),
                       ("statistic", "double"), ("dof", "int"), ("p_value", "double")]


def lag_arguments(options, classes):
    """Core keyword arguments of the lag classes (``classes``: those of the classes)."""
    choice = options.lag_classes
    if choice == "same":
        if "class_codes" in classes:
            choice = "categorical"
        elif "breaks" in classes:
            return {"lag_breaks": classes["breaks"]}
        else:
            choice = options.classes
    if choice == "categorical":
        return {"discrete": True}
    if choice == "breaks":
        return {"lag_breaks": mk.parse_breaks(options.lag_breaks, "lag breaks")}
    scheme, method = mk.SCHEMES[choice]
    return {"lag_classes": scheme, "lag_method": method, "m": options.n_lag_classes or options.n_classes}


class SpatialMarkovAlgorithm(Tool):
    ALGORITHM_ID = "spatialmarkov"
    DISPLAY_NAME = "Spatial Markov chain"
    GROUP = "Dynamics"
    GROUP_ID = "dynamics"
    TAGS = "spatial markov,markov,transition matrix,spatial lag,homogeneity,giddy,rey"
    HELP = (
        "Spatial Markov chain (Rey 2001; as PySAL giddy.markov.Spatial_Markov): the moves of "
        "the classic Markov chain counted separately for each class h of the region's spatial "
        "lag L = W y (the mean of its neighbours, row-standardised weights) at the start of the "
        "move: n_ij(h) = moves from class i to j of regions whose lag was in lag class h, "
        "p_ij(h) = n_ij(h) / n_i(h); per lag class the steady state, mean first passage and "
        "sojourn times as in the Markov chain tool. Lag classes: as the classes (default), "
        "quantiles or natural breaks of the lags, user lag breaks, or the most common class "
        "among the neighbours (giddy's discrete=True; ties: the region's own class, then the "
        "lowest).\n\n"
        "Homogeneity tests (Bickenbach and Bode 2003, giddy homogeneity): "
        "Q = sum_h sum_i sum_j n_i(h) (p_ij(h) - p_ij)^2 / p_ij and "
        "LR = 2 sum_h sum_i sum_j n_ij(h) ln(p_ij(h) / p_ij) against the pooled p_ij, "
        "chi-square with sum_i (b_i - 1)(a_i - 1) degrees of freedom; small p-values: the "
        "neighbours' class matters. Also giddy's chi-square of each lag class.\n\n"
        + mk.CLASS_HELP + "\n\n"
        "Caveats: regions without neighbours are left out of the conditional counts by "
        "default (or given a lag of 0, as giddy); empty rows count as absorbing (NULL "
        "probabilities, a warning); the tests' degrees of freedom skip classes that never "
        "start a move (giddy counts them as 1).\n\n"
        "Output layer: per period P the class mk_class_P, the lag class mk_lag_P (NULL for "
        "excluded islands) and, at the end period P of each move, its type mk_type_P (Stay, "
        "Up, Down, Jump up, Jump down), styled as a map of the moves, the last one shown. "
        "Tables: transitions (lag_class, from_class, to_class, count, probability, "
        "first_passage; lag_class NULL = all regions), classes (steady state and sojourn time "
        "per lag class, initial shares), homogeneity tests. Optional HTML report with one "
        "heat-table of P per lag class."
    )
    INPUTS = (LayerInput(), PanelInput(not_constant=False), WeightsInput())
    OPTIONS = mk.class_options() + (
        Choice(LAG_CLASSES, "Lag classes", LAG_CHOICES, help=(
            "How the spatial lags are classed. 'As the classes' uses the same scheme (and "
            "user breaks) as the classes, with the number of lag classes below.")),
        Number(N_LAG_CLASSES, "Number of lag classes (0 = as many as classes)", 0, integer=True,
               minimum=0, help="For quantiles and natural breaks of the lags."),
        Text(LAG_BREAKS, "User lag breaks (upper bounds, comma-separated)", help=(
            "With lag classes 'User breaks': strictly increasing upper bounds.")),
        Choice(ISLAND_RULE, "Moves of regions without neighbours", (
            ("exclude", "Leave out of the conditional matrices"),
            ("keep", "Keep with a spatial lag of 0 (giddy)")), advanced=True, help=(
            "Islands have no spatial lag; giddy gives them a lag of 0.")),
    )
    OUTPUTS = (LayerOutput(mk.OUTPUT, "Spatial Markov classes and moves"),
               TableOutput(mk.TRANSITIONS, "Transition matrices by lag class",
                           mk.with_lag_column(mk.TRANSITION_COLUMNS)),
               TableOutput(mk.CLASS_TABLE, "Steady states by lag class",
                           mk.with_lag_column(mk.CLASS_COLUMNS)),
               TableOutput(HOMOGENEITY, "Homogeneity tests", HOMOGENEITY_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel, w = data.panel, data.weights
        result = Result()
        type_fields = []
        labels = {"ids": list(panel.ids), "periods": list(panel.periods)}
        for v, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v, len(panel.variables))
            values = panel.values[variable]
            classes = mk.class_arguments(options, run, values)
            lag_kw = lag_arguments(options, classes)
            first = None
            if lag_kw.get("discrete") and "class_codes" not in classes:
                first = run.core(markov.markov, values, **classes, **labels)
                classes = {"class_codes": first.class_codes, "k": first.k}
            res = run.core(markov.spatial_markov, values, w, **classes, **lag_kw, lag=options.time_lag,
                           islands=options.island_rule, variable_name=variable, progress=progress,
                           is_canceled=is_canceled, **labels)
            chain = res.markov
            described = first or chain
            for warning in res.warnings:
                run.warn(warning)
            extra = "" if len(panel.variables) == 1 else f"{variable}_"
            fields, names = mk.chain_fields(panel.periods, res.class_codes, chain.transition_types,
                                            res.lag, extra)
            lag_codes = np.where(res.lag_class_codes >= 0, res.lag_class_codes, None)
            result.fields += fields + [NewField(period_field("mk_lag", extra + p), "int", lag_codes[:, s])
                                       for s, p in enumerate(panel.periods)]
            type_fields += names
            rows = result.tables.setdefault(mk.TRANSITIONS, [])
            classes_rows = result.tables.setdefault(mk.CLASS_TABLE, [])
            rows += mk.transition_rows(variable, chain.transitions, chain.p, chain.fmpt, None)
            classes_rows += mk.class_rows(variable, chain.steady_state, chain.sojourn_time, chain.initial,
                                          mk.shared_bounds(described), None)
            for h in range(res.m):
                rows += mk.transition_rows(variable, res.T[h], res.P[h], res.F[h], h)
                classes_rows += mk.class_rows(variable, res.S[h], res.sojourn_time[h], lag_class=h)
            tests = [[variable, "Q", None, res.Q, res.dof_hom, res.Q_p_value],
                     [variable, "LR", None, res.LR, res.dof_hom, res.LR_p_value]] + [
                [variable, "chi2", h, res.chi2[h], int(res.chi2_dof[h]), res.chi2_p_value[h]]
                for h in range(res.m)]
            result.tables.setdefault(HOMOGENEITY, []).extend(tests)
            run.info(tr("{name}: {k} classes, {m} lag classes; Q = {q} (p = {qp}), LR = {lr} (p = {lrp}), "
                        "{dof} degrees of freedom").format(
                name=variable, k=res.k, m=res.m, q=f"{res.Q:.3f}", qp=f"{res.Q_p_value:.4g}",
                lr=f"{res.LR:.3f}", lrp=f"{res.LR_p_value:.4g}", dof=res.dof_hom))
            if report_wanted(run):
                result.report += self._report(variable, len(panel.variables) > 1, panel.periods, res,
                                              described, tests)
        result.styles.append(mk.type_style(type_fields))
        return result

    def _report(self, variable, several, periods, res, described, tests):
        title = f" - {variable}" if several else ""
        chain = res.markov
        lag_blocks = [text_block(tr("{m} lag classes by {scheme}; {i} region(s) without "
                                    "neighbours ({rule}).").format(m=res.m,
                                                                   scheme=mk.scheme_text(res.lag_scheme,
                                                                                         res.lag_method),
                                                                   i=len(res.islands), rule=res.island_rule))]
        b = np.asarray(res.lag_breaks, dtype=float)
        if b.size:
            rows = [[p] + list(r) for p, r in zip(periods, b)] if b.ndim == 2 else [[""] + list(b)]
            lag_blocks.append(table_block([tr("period")] + [tr("upper bound {c}").format(c=c)
                                                            for c in range(b.shape[-1])], rows,
                                          caption=tr("Lag class breaks")))
        out = [mk.classes_section(tr("Classes") + title, described, periods, res.warnings),
               section(tr("Lag classes") + title, *lag_blocks),
               section(tr("Homogeneity tests") + title, table_block(
                   [tr("test"), tr("lag class"), tr("statistic"), tr("degrees of freedom"), tr("p-value")],
                   [r[1:] for r in tests])),
               section(tr("All regions") + title, *mk.chain_blocks(
                   chain.transitions, chain.p, chain.steady_state, chain.fmpt, chain.sojourn_time,
                   chain.initial))]
        for h in range(res.m):
            caption = tr("lag class {h}").format(h=h)
            out.append(section(tr("Lag class {h}").format(h=h) + title, *mk.chain_blocks(
                res.T[h], res.P[h], res.S[h], res.F[h], res.sojourn_time[h], caption=caption)))
        out.append(section(tr("Moves") + title, *mk.types_blocks(periods, res.lag, chain.type_counts)))
        return out
