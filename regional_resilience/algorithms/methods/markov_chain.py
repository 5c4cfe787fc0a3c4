"""Processing algorithm: classic Markov chain of regional classes."""
import numpy as np

from ...core import markov
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.panel import PanelInput
from ..outputs.layer import LayerOutput
from ..outputs.report import ReportOutput, report_wanted, section
from ..outputs.table import TableOutput
from ..support import tr
from . import _markov_common as mk


class MarkovChainAlgorithm(Tool):
    ALGORITHM_ID = "markovchain"
    DISPLAY_NAME = "Markov chain"
    GROUP = "Dynamics"
    GROUP_ID = "dynamics"
    TAGS = "markov,transition matrix,steady state,ergodic,mobility,convergence,giddy,quah"
    HELP = (
        "Classic (a-spatial) Markov chain of regional classes (Quah 1993; Rey 2001; "
        "as PySAL giddy.markov.Markov). Every region gets a class in every period; with c[r, s] "
        "the class of region r in period s:\n"
        "n_ij = number of moves from class i in period s to class j in period s + 1 (all regions "
        "and periods), p_ij = n_ij / sum_j n_ij (maximum likelihood), steady state pi = pi P, "
        "mean first passage times m_ij = 1 + sum_(l != j) p_il m_lj (Kemeny and Snell 1976, "
        "section 4.4; m_jj the recurrence time), sojourn time 1 / (1 - p_ii).\n\n"
        + mk.CLASS_HELP + "\n\n"
        "Caveats: the chain assumes the same P in every period (time homogeneity) and moves "
        "that depend on the current class only. A class that never starts a move has an empty "
        "row (NULL probabilities, a warning) and counts as absorbing for the steady state and "
        "passage times (giddy's fill_empty_classes); a reducible chain has no single steady "
        "state (NULL). A period with fewer distinct values than classes is refused.\n\n"
        "Output layer: per period P the class mk_class_P (0 = lowest), and per move the type "
        "mk_type_P at its end period P (Stay, Up, Down, Jump up, Jump down: more than one class), "
        "styled as a map of the moves, the last one shown. Tables: transitions (from_class, "
        "to_class, count, probability, first_passage: NULL = may never arrive) and classes "
        "(upper_bound when the breaks are shared, initial share, steady_state, sojourn_time). "
        "Optional HTML report with heat-tables of P, the counts and the passage times.\n\n"
        "Values: fields picked, fields another tool wrote (e.g. 'cc_d'), or a long table; "
        "missing (NULL) values are refused."
    )
    INPUTS = (LayerInput(), PanelInput(not_constant=False))
    OPTIONS = mk.class_options()
    OUTPUTS = (LayerOutput(mk.OUTPUT, "Markov classes and moves"),
               TableOutput(mk.TRANSITIONS, "Transition matrix", mk.TRANSITION_COLUMNS),
               TableOutput(mk.CLASS_TABLE, "Classes and steady state", mk.CLASS_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel = data.panel
        result = Result()
        type_fields = []
        for v, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v, len(panel.variables))
            values = panel.values[variable]
            res = run.core(markov.markov, values, lag=options.time_lag, ids=list(panel.ids),
                           periods=list(panel.periods), progress=progress, is_canceled=is_canceled,
                           **mk.class_arguments(options, run, values))
            for warning in res.warnings:
                run.warn(warning)
            extra = "" if len(panel.variables) == 1 else f"{variable}_"
            fields, names = mk.chain_fields(panel.periods, res.class_codes, res.transition_types,
                                            res.lag, extra)
            result.fields += fields
            type_fields += names
            result.tables.setdefault(mk.TRANSITIONS, []).extend(
                mk.transition_rows(variable, res.transitions, res.p, res.fmpt))
            result.tables.setdefault(mk.CLASS_TABLE, []).extend(mk.class_rows(
                variable, res.steady_state, res.sojourn_time, res.initial, mk.shared_bounds(res)))
            stay = np.trace(res.transitions) / max(res.n_transitions, 1)
            run.info(tr("{name}: {k} classes, {n} moves, {stay}% stay in their class; steady state "
                        "{pi}").format(name=variable, k=res.k, n=res.n_transitions, stay=f"{100 * stay:.1f}",
                                       pi=", ".join(f"{x:.3f}" for x in res.steady_state)))
            if not report_wanted(run):
                continue
            title = "" if len(panel.variables) == 1 else f" - {variable}"
            result.report += [
                mk.classes_section(tr("Classes") + title, res, panel.periods, res.warnings),
                section(tr("Transition matrix") + title, *mk.chain_blocks(
                    res.transitions, res.p, res.steady_state, res.fmpt, res.sojourn_time, res.initial)),
                section(tr("Moves") + title, *mk.types_blocks(panel.periods, res.lag, res.type_counts)),
            ]
        result.styles.append(mk.type_style(type_fields))
        return result
