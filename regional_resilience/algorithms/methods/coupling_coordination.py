"""Processing algorithm: coupling coordination degree of two or more systems."""
import numpy as np

from ...core import coupling
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Number, Text
from ..inputs.panel import VARIABLES, PanelInput
from ..outputs import charts
from ..outputs.columns import text_of
from ..outputs.layer import LayerOutput, NewField, period_field, safe_name
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.styles import grade_style, ramp_colours
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
SUMMARY = "SUMMARY"
VARIANT, ALPHA, GRADES, THRESHOLDS, GRADE_LABELS = "VARIANT", "ALPHA", "GRADES", "THRESHOLDS", "GRADE_LABELS"
CLOSED, DECIMALS, LAG, LAG_TOL, LAG_LOW, LAG_HIGH, SD = (
    "CLOSED", "DECIMALS", "LAG", "LAG_TOL", "LAG_LOW", "LAG_HIGH", "SD")

#: the first columns of the summary; one count column per grade follows (n_<code>_<label>)
SUMMARY_COLUMNS = [("period", "string"), ("group", "string"), ("n", "int"),
                   ("mean_d", "double"), ("sd_d", "double"), ("cv_d", "double")]
ALL_REGIONS = "(all)"
BUILT_IN_LABELS = {"ten": coupling.TEN_LEVEL_LABELS, "three": coupling.THREE_LEVEL_LABELS}


class CouplingCoordinationAlgorithm(Tool):
    ALGORITHM_ID = "couplingcoordination"
    DISPLAY_NAME = "Coupling coordination degree"
    GROUP = "Coupling coordination"
    GROUP_ID = "couplingcoordination"
    TAGS = "coupling,coordination,CCDM,coupling degree,development index,subsystem,lag,grade"
    HELP = (
        "Coupling coordination degree model of n >= 2 systems (economy, society, environment...) "
        "from their development indices U_1 ... U_n (0-1, e.g. the subsystem indices of the "
        "Development index tool), for every region and year:\n"
        "C = n (U_1 ... U_n)^(1/n) / (U_1 + ... + U_n); for two systems C = 2 sqrt(U1 U2) / "
        "(U1 + U2), the same as the 'ratio' form {U1 U2 / [(U1 + U2)/2]^2}^(1/2) printed in "
        "most papers (Liu et al. 2005; the normative form of Wang et al. 2021, J. Natural "
        "Resources 36(3) 793-810). 'Modified' is Wang et al.'s revised C = sqrt{[1 - "
        "sum_(i>j) |U_i - U_j| / sum_(m=1..n-1) m] [prod U_i / max U]^(1/(n-1))}, which "
        "spreads C over 0-1 instead of crowding it near 1.\n"
        "T = sum alpha_i U_i (equal alpha by default; e.g. '0.4, 0.6' or 'economy 0.4; "
        "environment 0.6'), D = sqrt(C T).\n\n"
        "Grades of D: ten levels at 0.1 steps (Liao 1999: extreme imbalance ... quality "
        "coordination), three levels (low < 0.3 <= moderate < 0.5 <= high), or your thresholds "
        "and labels. A D equal to a threshold goes to the upper class (advanced: the lower). "
        "Relative development type: the system with the lowest U lags when it is more than "
        "the tolerance (0.1) below the highest, else synchronous; or, for two systems, U1/U2 "
        "outside the band 0.8-1.2.\n\n"
        "Input: the idx_<subsystem>_<year> fields of the Development index tool are taken as "
        "they are (fields by name 'idx_*', the default: one system per subsystem); or fields "
        "picked (one per system for one year, or <system>_<year>); or a long table with one "
        "column per system. Indices must be >= 0 (negative ones are refused); indices above 1 "
        "are used with a warning (D may exceed 1). Where every U is 0, C is 0/0: C, D and the "
        "grade are left NULL, with a warning naming the regions.\n\n"
        "Output layer, per period P: cc_c_P (C), cc_t_P (T), cc_d_P (D), cc_grade_P (grade code, "
        "0 = lowest), cc_label_P (grade label), cc_lagc_P (0 synchronous, i = system i lags) and "
        "cc_lag_P (lag type text); styled as a grade map, one named style per period. Summary "
        "table per period, and per group with a group field: n, mean, SD and CV of D, regions "
        "per grade (n_<code>_<label>). Optional HTML report: mean D over the periods by group, "
        "regions per grade, the summary table."
    )

    INPUTS = (
        LayerInput(),
        PanelInput(role=VARIABLES, min_variables=2, not_constant=False, default_prefix="idx_*",
                      fields_label="System index fields (one per system, or <system>_<year>)",
                      min_message="The coupling model needs at least two systems; {m} given ({names})."),
        GroupInput(help_text="Group of each region (e.g. east / central / west / northeast) for the "
                             "summary by group and the report's chart. Empty values are refused."),
    )
    OPTIONS = (
        Choice(VARIANT, "Coupling degree C", (
            ("standard", "Standard: n (prod U)^(1/n) / sum U"),
            ("ratio", "Ratio form: [prod U / (mean U)^n]^(1/n) (same values)"),
            ("wang", "Modified (Wang et al. 2021)")),
            help="Formula of the coupling degree (see the help). The standard and ratio forms "
                 "give the same C; the modified one spreads C over 0-1."),
        Text(ALPHA, "System weights alpha for T (empty: equal)", help=(
            "One weight per system, in the order of the log's 'Systems' line ('0.4, 0.6'; "
            "fractions such as '1/3' allowed), or by name ('economy 0.4; environment 0.6'). "
            "Non-negative, summing to 1.")),
        Choice(GRADES, "Grades of D", (
            ("ten", "Ten levels (0.1 steps)"), ("three", "Three levels (0.3, 0.5)"),
            ("user", "User thresholds and labels")),
            help="Ten levels (Liao 1999), low / moderate / high, or the thresholds below."),
        Text(THRESHOLDS, "User grade thresholds", help=(
            "With 'User thresholds and labels': class boundaries of D, increasing, e.g. "
            "'0.3, 0.5, 0.7' (four classes).")),
        Text(GRADE_LABELS, "Grade labels (optional)", help=(
            "One label per class, lowest first, separated by ';' (or ','): 'low; medium; high; "
            "very high'. With a built-in scheme they replace its labels (e.g. a translation). "
            "Empty: the scheme's labels, or 'class 1', 'class 2', ... for user thresholds.")),
        Choice(CLOSED, "A D equal to a threshold goes to", (
            ("left", "The upper class: [b1, b2)"), ("right", "The lower class: (b1, b2]")),
            advanced=True, help="Class intervals closed on the left (default) or on the right."),
        Number(DECIMALS, "Round D to decimals before grading (optional)", None, minimum=0, integer=True,
               optional=True, advanced=True, help=(
                   "Grade D as a table rounded to these decimals shows it (D itself is not "
                   "rounded). Empty: exact comparison.")),
        Choice(LAG, "Relative development type", (
            ("difference", "Difference: lowest U more than the tolerance below the highest"),
            ("ratio", "Ratio U1/U2 outside a band (two systems)")),
            help="Which system lags: the difference rule for any number of systems, or the ratio "
                 "rule for two (U1/U2 above the band: system 2 lags, below: system 1)."),
        Number(LAG_TOL, "Lag tolerance (difference rule)", 0.1, minimum=0.0, advanced=True,
               help="Synchronous when max U - min U <= this tolerance."),
        Number(LAG_LOW, "Ratio band: low (ratio rule)", 0.8, minimum=0.0, advanced=True,
               help="U1 < low * U2: system 1 lags."),
        Number(LAG_HIGH, "Ratio band: high (ratio rule)", 1.2, minimum=0.0, advanced=True,
               help="U1 > high * U2: system 2 lags."),
        Choice(SD, "Standard deviation in the summary", (
            ("sample", "Sample (n - 1)"), ("population", "Population (n)")), advanced=True,
            help="Convention of the SD (and the CV = SD / mean) of D in the summary."),
    )
    OUTPUTS = (
        LayerOutput(OUTPUT, "Coupling coordination"),
        TableOutput(SUMMARY, "Coupling coordination summary", SUMMARY_COLUMNS),
        ReportOutput(),
    )

    def compute(self, data, options, run):
        panel = data.panel
        systems, periods = list(panel.variables), list(panel.periods)
        run.info(tr("Systems: {names}").format(names=", ".join(systems)))
        weights = run.core(coupling.parse_system_weights, options.alpha, systems)
        grading = run.core(coupling.parse_grading, options.grades, options.thresholds, options.grade_labels)
        column_labels = grading["labels"]  # summary columns: never translated (models read them)
        if grading["thresholds"] is None and grading["labels"] is None:
            column_labels = BUILT_IN_LABELS[grading["grades"]]
            grading["labels"] = tuple(tr(label) for label in column_labels)
        progress, is_canceled = run.steps.callbacks("compute")
        res = run.core(coupling.coupling_coordination, panel.stacked(systems), weights,
                       variant=options.variant, **grading, closed=options.closed,
                       decimals=options.decimals, lag=options.lag, lag_tol=options.lag_tol,
                       lag_band=(options.lag_low, options.lag_high), groups=data.groups,
                       ddof=1 if options.sd == "sample" else 0, names=systems,
                       ids=list(panel.ids), periods=periods, progress=progress, is_canceled=is_canceled)
        for warning in res.warnings:
            run.warn(warning)
        labels = res.grade_labels
        lag_names = [tr("synchronous")] + [tr("{system} lags").format(system=s) for s in systems]
        fields, grade_fields = [], []
        for k, period in enumerate(periods):
            grade = res.grade[:, k]
            grade_fields.append(period_field("cc_grade", period))
            fields += [
                NewField(period_field("cc_c", period), "double", res.C[:, k]),
                NewField(period_field("cc_t", period), "double", res.T[:, k]),
                NewField(period_field("cc_d", period), "double", res.D[:, k]),
                NewField(grade_fields[-1], "int", np.where(grade >= 0, grade, np.nan)),
                NewField(period_field("cc_label", period), "string", text_of(labels, grade)),
                NewField(period_field("cc_lagc", period), "int", res.lag_type[:, k]),
                NewField(period_field("cc_lag", period), "string", text_of(lag_names, res.lag_type[:, k])),
            ]
            s = res.summary
            run.info(tr("{period}: mean D {mean}, SD {sd}, CV {cv}").format(
                period=period or "-", mean=f"{s.mean[k]:.4f}", sd=f"{s.sd[k]:.4f}", cv=f"{s.cv[k]:.4f}"))
        columns, rows = summary_rows(res, periods, column_labels or res.grade_labels)
        report = report_sections(res, systems, periods, columns, rows) if report_wanted(run) else []
        return Result(fields=fields, styles=[grade_style(grade_fields, labels)],
                      tables={SUMMARY: rows, SUMMARY + ":columns": columns}, report=report)


def summary_rows(res, periods, grade_names):
    """Columns and rows of the summary: every period for all regions, then
    for every group; a count column per grade named n_<code>_<name>."""
    s = res.summary
    columns = SUMMARY_COLUMNS + [(f"n_{code}_{safe_name(name)}", "int") for code, name in enumerate(grade_names)]
    blocks = [(ALL_REGIONS, s.n_valid, s.mean, s.sd, s.cv, s.counts)]
    if s.group_labels is not None:
        blocks += [(label, s.group_n[g], s.group_mean[g], s.group_sd[g], s.group_cv[g], s.group_counts[g])
                   for g, label in enumerate(s.group_labels)]
    rows = [[period, group, int(n[k]), float(mean[k]), float(sd[k]), float(cv[k])]
            + [int(c) for c in counts[k]]
            for group, n, mean, sd, cv, counts in blocks for k, period in enumerate(periods)]
    return columns, rows


def report_sections(res, systems, periods, columns, rows):
    s = res.summary
    x = [p or "-" for p in periods]
    series = {tr("all regions"): s.mean}
    if s.group_labels is not None:
        series.update({label: s.group_mean[g] for g, label in enumerate(s.group_labels)})
    blocks = [chart_block(charts.line_chart(x, series, title=tr("Coupling coordination degree D"),
                                            y_label=tr("mean D")),
                          tr("Mean D per period, all regions and by group."))]
    used = np.flatnonzero(s.counts.sum(axis=0) > 0)
    if used.size:
        colours = ramp_colours(len(res.grade_labels))
        bars = {res.grade_labels[g]: s.counts[:, g] for g in used}
        blocks.append(chart_block(charts.bar_chart(x, bars, title=tr("Regions per grade"),
                                                   y_label=tr("regions"), colors=[colours[g] for g in used]),
                                  tr("Regions in each grade of D per period (all regions).")))
    weights = ", ".join(f"{name} {w:.4g}" for name, w in zip(systems, res.weights))
    bounds = ", ".join(f"{b:.4g}" for b in res.thresholds)
    method = tr("Coupling degree: {variant}. Weights of T: {weights}. Grade thresholds: {bounds}.").format(
        variant=res.variant, weights=weights, bounds=bounds)
    return [section(tr("Coupling coordination degree over time"), *blocks),
            section(tr("Summary"), table_block([c for c, _ in columns], rows)),
            section(tr("Method"), text_block(method), *[text_block(w) for w in res.warnings])]
