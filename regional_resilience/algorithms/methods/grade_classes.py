"""Processing algorithm: grade every region into ordered classes, per period or pooled."""
import numpy as np
from qgis.core import QgsProcessingException

from ...core.classify import classify, interval_labels
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Number, Text
from ..inputs.panel import PanelInput
from ..outputs import charts
from ..outputs.columns import text_of
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.styles import grade_style, ramp_colours
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
BREAKS = "BREAKS"
METHOD = "METHOD"
CLASSES = "CLASSES"
SCOPE = "SCOPE"
THRESHOLDS = "THRESHOLDS"
LABELS = "LABELS"
CLOSED = "CLOSED"

POOLED = "pooled"
METHODS = (
    ("fisher_jenks", "Natural breaks (Fisher-Jenks, exact)"),
    ("quantiles", "Quantiles"),
    ("equal_interval", "Equal interval"),
    ("user_defined", "User thresholds"),
)
BREAKS_COLUMNS = [
    ("variable", "string"), ("period", "string"), ("class", "int"), ("label", "string"),
    ("lower", "double"), ("upper", "double"), ("count", "int"), ("gvf", "double"), ("method", "string"),
]


class GradeClassesAlgorithm(Tool):
    ALGORITHM_ID = "gradeclasses"
    DISPLAY_NAME = "Grade classes"
    GROUP = "Classification and mapping"
    GROUP_ID = "classification"
    TAGS = "grade,classes,natural breaks,fisher-jenks,jenks,quantiles,equal interval,thresholds,levels,map"
    HELP = (
        "Puts every region into k ordered grades (e.g. five resilience levels) for each period, "
        "with the breaks of PySAL's mapclassify:\n"
        "- Fisher-Jenks natural breaks, exact (Fisher 1958; Jenks 1977): the split of the sorted "
        "values into k classes with the smallest within-class sum of squared deviations;\n"
        "- quantiles (breaks at the 100/k, 200/k, ... percentiles; about n/k regions per class);\n"
        "- equal intervals of width (max - min) / k;\n"
        "- user thresholds e0 < e1 < ... < ek (e.g. 0, 0.2, 0.4, 0.6, 0.8, 1 for a coordination "
        "degree or a TOPSIS closeness; -inf / inf for open ends).\n"
        "Classes are (lower, upper], the first including its lower end (mapclassify's rule); "
        "with thresholds they may be closed on the left instead ([lower, upper), the last "
        "including ek).\n\n"
        "Breaks per period (each map its own classes) or pooled over all region-years (one set "
        "of breaks: the maps of different years share one legend and can be compared). Goodness "
        "of variance fit GVF = 1 - SDCM / SDAM (Jenks 1977): SDCM the squared deviations from "
        "the class means, SDAM from the mean of all values.\n\n"
        "Values: any numeric fields, e.g. PCGDP1940 ... PCGDP2000, or the fields another tool "
        "wrote, by name: 'topsis_c' (TOPSIS closeness), 'cc_d' (coupling coordination degree), "
        "'idx' (development index).\n\n"
        "Output layer: per period P the fields gr_code_P (the grade, 0 = lowest ... k-1 = "
        "highest, as mapclassify's yb) and gr_label_P (its label: the labels given, else the "
        "interval, e.g. '(0.4, 0.6]'); with several variables gr_code_<variable>_P. It is styled "
        "as a categorized map, one named style per period (the same legend for every period "
        "when the breaks are pooled or given). Breaks table: variable, period ('pooled' for the "
        "breaks of all periods together), class, label, lower, upper, count of regions, GVF.\n\n"
        "Caveats: Fisher-Jenks needs at least k distinct values and quantiles k distinct "
        "quantiles (tied values); all-equal values cannot be graded by the data-driven methods."
    )

    INPUTS = (LayerInput(), PanelInput(not_constant=False))
    OPTIONS = (
        Choice(METHOD, "Classification method", METHODS, help="How the class breaks are found; 'User thresholds' uses the thresholds below."),
        Number(CLASSES, "Number of classes", 5, minimum=2, maximum=20, integer=True,
               help="k, for the data-driven methods (with thresholds: their number minus one)."),
        Choice(SCOPE, "Breaks", (
            ("period", "Per period (each map its own breaks)"),
            ("pooled", "Pooled over all periods (maps comparable across years)")),
            default=1, help=(
                "Pooled: one set of breaks from all region-years, so that a grade means the "
                "same values in every year. Per period: each year is graded on its own.")),
        Text(THRESHOLDS, "Thresholds (user thresholds)", help=(
            "The class edges e0 < e1 < ... < ek, comma-separated, e.g. '0, 0.2, 0.4, 0.6, 0.8, 1' "
            "(5 classes); '-inf' and 'inf' give open-ended first and last classes.")),
        Text(LABELS, "Class labels (optional)", help=(
            "One label per class, lowest first, comma- or semicolon-separated, e.g. 'low, "
            "lower-middle, middle, upper-middle, high'. Empty: interval labels such as '(0.2, 0.4]'.")),
        Choice(CLOSED, "Threshold classes include", (
            ("right", "Their upper edge: (lower, upper]"),
            ("left", "Their lower edge: [lower, upper)")),
            advanced=True, help=(
                "For user thresholds: whether a value equal to a threshold goes to the class "
                "below (default, as mapclassify) or above (e.g. grades [0.4, 0.5) ... [0.9, 1]).")),
    )
    OUTPUTS = (LayerOutput(OUTPUT, "Grades"), TableOutput(BREAKS, "Class breaks", BREAKS_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel = data.panel
        user = options.method == "user_defined"
        thresholds = parse_numbers(options.thresholds) if user else None
        if user and thresholds is None:
            raise QgsProcessingException(tr(
                "'User thresholds' needs the class edges, e.g. '0, 0.2, 0.4, 0.6, 0.8, 1'."))
        if not user and options.thresholds:
            run.warn(tr("Thresholds are used only with the method 'User thresholds'; ignored."))
        labels = parse_labels(options.labels)
        pooled = options.scope == POOLED and panel.t > 1  # one period: its own name in messages
        result = Result()
        for v_index, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v_index, len(panel.variables))
            res = run.core(classify, panel.values[variable], options.method, options.classes,
                           thresholds=thresholds, labels=labels,
                           closed=options.closed if user else "right", pooled=pooled,
                           ids=list(panel.ids), periods=list(panel.periods),
                           progress=progress, is_canceled=is_canceled)
            for warning in res.warnings:
                run.warn(warning)
            extra = "" if len(panel.variables) == 1 else f"{variable}_"
            shared, rows, codes_fields = res.pooled, [], []
            for k, period in enumerate(panel.periods):
                edges = class_edges(res, k)
                names = res.labels or interval_labels(edges)
                code_name = period_field("gr_code", extra + period)
                codes = res.codes[:, k]
                result.fields += [
                    NewField(code_name, "int", codes),
                    NewField(period_field("gr_label", extra + period), "string",
                             text_of(names, codes)),
                ]
                codes_fields.append(code_name)
                if not shared:
                    result.styles.append(grade_style([code_name], names))
                rows += class_rows(variable, period, edges, names, res.counts[k], res.gvf[k], options.method)
                run.info(tr("{period}: GVF {gvf}, regions per class {counts}").format(
                    period=panel.sources.get((variable, period), period), gvf=f"{res.gvf[k]:.4f}",
                    counts=", ".join(str(c) for c in res.counts[k].tolist())))
            if shared:
                edges = class_edges(res, 0)
                names = res.labels or interval_labels(edges)
                result.styles.append(grade_style(codes_fields, names))
            if shared and panel.t > 1:
                rows = class_rows(variable, POOLED, edges, names, res.counts.sum(axis=0), res.gvf_pooled,
                                  options.method) + rows
            result.tables.setdefault(BREAKS, []).extend(rows)
            if report_wanted(run):
                result.report.append(report_section(variable, panel.periods, rows, res, shared,
                                                    tr(dict(METHODS)[options.method])))
        return result


def parse_numbers(text):
    """The thresholds typed in the dialog as floats (None when empty)."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    out = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            raise QgsProcessingException(tr(
                "Threshold '{value}' is not a number; give the class edges as numbers separated "
                "by commas, e.g. '0, 0.2, 0.4, 0.6, 0.8, 1'.").format(value=p)) from None
    return out


def parse_labels(text):
    """Labels separated by ';' (when there is one) or ',' (None when empty)."""
    text = str(text or "").strip()
    if not text:
        return None
    return [p.strip() for p in text.split(";" if ";" in text else ",")]


def class_edges(res, k):
    """The k + 1 edges (lowest, then the upper bounds) of period ``k`` (shared: any)."""
    if res.breaks.ndim == 1:
        return np.concatenate([[res.lowest], res.breaks])
    return np.concatenate([[res.lowest[k]], res.breaks[k]])


def class_rows(variable, period, edges, names, counts, gvf, method):
    return [[variable, period, c, names[c], float(edges[c]), float(edges[c + 1]), int(counts[c]),
             float(gvf), method] for c in range(len(names))]


def report_section(variable, periods, rows, res, shared, method_name):
    """The breaks table and a chart of the regions per grade and period."""
    columns = [tr(c) for c, _ in BREAKS_COLUMNS[1:8]]
    k = res.counts.shape[1]
    blocks = [text_block(tr("{method}, {k} classes; breaks {scope}.").format(
        method=method_name, k=k,
        scope=tr("shared by all periods") if shared else tr("per period"))),
        table_block(columns, [r[1:8] for r in rows])]
    labels = res.labels or (interval_labels(class_edges(res, 0)) if shared else
                            [tr("grade {c}").format(c=c) for c in range(k)])
    series = {labels[c]: res.counts[:, c].tolist() for c in range(len(labels))}
    blocks.append(chart_block(charts.bar_chart(list(periods), series, title=str(variable),
                                               y_label=tr("regions"), colors=ramp_colours(len(labels))),
                              tr("Regions per grade and period")))
    return section(tr("Grades of {variable}").format(variable=variable), *blocks)
