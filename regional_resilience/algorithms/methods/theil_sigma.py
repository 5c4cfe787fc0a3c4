"""Processing algorithm: Theil index (within / between groups) and sigma convergence, per period."""
from ...core import inequality
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Flag
from ..inputs.panel import PanelInput
from ..outputs import charts
from ..outputs.naming import safe_name
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.table import TableOutput
from ..support import tr
from .dagum_gini import pct, series, unique_names

OUTPUT = "OUTPUT"
LONG_TABLE = "LONG_TABLE"
DDOF = "DDOF"
LOG = "LOG"
DDOFS = {"population": 0, "sample": 1}

HEAD = [("variable", "string"), ("period", "string")]
MAIN = [(name, "double") for name in ("mean", "T", "T_w", "T_b", "C_w_pct", "C_b_pct", "sd", "cv", "sd_log")]
PER_GROUP = ("T_g", "sd_g", "cv_g", "sd_log_g")
LONG_COLUMNS = HEAD + [("measure", "string"), ("group", "string"), ("value", "double"),
                       ("contribution_pct", "double")]


def cell(values, *index):
    """``values[index]``, or None (NULL) where the measure was not computed."""
    return None if values is None else values[index]


class TheilSigmaAlgorithm(Tool):
    ALGORITHM_ID = "theilsigma"
    DISPLAY_NAME = "Theil index and sigma convergence"
    GROUP = "Regional disparity"
    GROUP_ID = "disparity"
    TAGS = "theil,sigma convergence,coefficient of variation,inequality,disparity,within,between,groups"
    HELP = (
        "Theil index of every period, split into within- and between-group parts (Theil 1967; "
        "Shorrocks 1980), and sigma convergence (Barro and Sala-i-Martin 1992):\n"
        "T = (1/n) sum_i (y_i / mu) ln(y_i / mu) = T_w + T_b, with s_g = n_g mu_g / (n mu), "
        "T_g = (1/n_g) sum_(i in g) (y_i / mu_g) ln(y_i / mu_g), T_w = sum_g s_g T_g, "
        "T_b = sum_g s_g ln(mu_g / mu); contribution rates T_w / T and T_b / T (in %). "
        "T, T_b and T_w equal PySAL's inequality.theil.TheilD (T, bg, wg).\n"
        "sd = sqrt(sum_i (y_i - mu)^2 / (n - ddof)) (ddof 0: the population dispersion used by "
        "Barro and Sala-i-Martin; 1: the sample standard deviation), cv = sd / mu and sd_log, "
        "the standard deviation of ln y; overall and per group. Falling values over time mean "
        "sigma convergence.\n\n"
        "Caveats: the values must be strictly positive levels (ln y); NULLs are refused naming "
        "the regions; without a group field only the overall measures are computed; a group of "
        "one region has T_g = 0 and sd = 0 (NULL with the sample sd), said in the log.\n\n"
        "Input: one numeric field per period, the fields another tool wrote (e.g. 'cc_d'), or "
        "a long table; several variables give one set of rows each. The input is never "
        "modified.\n\n"
        "Outputs: a table with one row per period: variable, period, mean, T, T_w, T_b, C_w_pct, "
        "C_b_pct, sd, cv, sd_log, then T_g_<group>, sd_g_<group>, cv_g_<group>, "
        "sd_log_g_<group> for every group; the long table (optional): variable, period, measure "
        "(mean, T, T_w, T_b, sd, cv, sd_log; per group mean, share, T_g, sd, cv, sd_log), group, "
        "value, contribution_pct; and an HTML report (optional) with the Theil components, the "
        "contribution rates, the within-group Theil, the coefficients of variation and the "
        "standard deviations over time, and the table."
    )
    INPUTS = (LayerInput(), PanelInput(), GroupInput(help_text=(
        "Group of each region (e.g. east / central / west / northeast) for the within / between "
        "split and the per-group dispersion. Empty: the overall measures only.")))
    OPTIONS = (
        Choice(DDOF, "Standard deviation", (("population", "Population, 1/n (Barro and Sala-i-Martin)"),
                                            ("sample", "Sample, 1/(n - 1)")),
               help="Divisor of the standard deviation (and so of the coefficient of variation)."),
        Flag(LOG, "Standard deviation of logarithms", True,
             help="Also the standard deviation of ln y, the sigma of Barro and Sala-i-Martin."),
    )
    OUTPUTS = (TableOutput(OUTPUT, "Theil index and sigma convergence", HEAD + MAIN, optional=False),
               TableOutput(LONG_TABLE, "Theil and sigma (long table)", LONG_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        periods, labels = list(panel.periods), groups.labels if groups is not None else ()
        names = unique_names([c for c, _ in HEAD + MAIN]
                             + [f"{m}_{safe_name(g)}" for m in PER_GROUP for g in labels])
        columns = HEAD + MAIN + [(name, "double") for name in names[len(HEAD + MAIN):]]
        result = Result(tables={OUTPUT: [], OUTPUT + ":columns": columns, LONG_TABLE: []})
        long = result.tables[LONG_TABLE]
        for variable in panel.variables:
            run.check_canceled()
            y, where = panel.values[variable], {"ids": list(panel.ids), "periods": periods}
            th = run.core(inequality.theil, y, groups, **where)
            sg = run.core(inequality.sigma_convergence, y, groups, ddof=DDOFS[options.ddof], log=options.log,
                          **where)
            for warning in dict.fromkeys(th.warnings + sg.warnings):
                run.warn(warning)
            overall = {"mean": sg.mean, "T": th.T, "T_w": th.T_w, "T_b": th.T_b, "sd": sg.sd, "cv": sg.cv,
                       "sd_log": sg.sd_log}  # None where not computed (no groups, no logarithms)
            by_group = {"mean": sg.group_mean, "share": th.s, "T_g": th.T_g, "sd": sg.group_sd,
                        "cv": sg.group_cv, "sd_log": sg.group_sd_log}
            wide = []
            for k, period in enumerate(periods):
                rates = {"T": 1.0, "T_w": cell(th.C_w, k), "T_b": cell(th.C_b, k)}
                wide.append([variable, period] + [cell(overall[m], k) for m in ("mean", "T", "T_w", "T_b")]
                            + [pct(rates["T_w"]), pct(rates["T_b"])]
                            + [cell(overall[m], k) for m in ("sd", "cv", "sd_log")]
                            + [cell(arr, j, k) for arr in (th.T_g, sg.group_sd, sg.group_cv, sg.group_sd_log)
                               for j in range(len(labels))])
                long += [[variable, period, m, None, arr[k], pct(rates.get(m))]
                         for m, arr in overall.items() if arr is not None]
                long += [[variable, period, m, g, arr[j, k], None]
                         for m, arr in by_group.items() if arr is not None for j, g in enumerate(labels)]
                run.info(tr("{variable} {period}: T = {t}, cv = {cv}").format(
                    variable=variable, period=period, t=f"{th.T[k]:.4f}", cv=f"{sg.cv[k]:.4f}"))
            result.tables[OUTPUT] += wide
            if report_wanted(run):  # charts take a second each: only when the report is asked for
                result.report.append(self._section(variable, th, sg, periods, labels, columns, wide, panel.n))
        return result

    def _section(self, variable, th, sg, periods, labels, columns, wide, n):
        cv = {tr("all regions"): sg.cv, **{g: sg.group_cv[j] for j, g in enumerate(labels)}}
        falling = sg.cv[-1] < sg.cv[0]
        trend = tr("falling: sigma convergence") if falling else tr("not falling: no sigma convergence")
        blocks = [text_block(tr("{n} regions{groups}; coefficient of variation {a} in {p0}, {b} in {p1} "
                                "({trend}).").format(
            n=n, groups=tr(" in {k} groups").format(k=len(labels)) if labels else "", a=f"{sg.cv[0]:.4f}",
            p0=periods[0], b=f"{sg.cv[-1]:.4f}", p1=periods[-1], trend=trend))]
        parts = {"T": th.T, **({"T_w": th.T_w, "T_b": th.T_b} if labels else {})}
        blocks.append(chart_block(charts.line_chart(periods, series(parts), title=tr("Theil index"),
                                                    y_label="T"), tr("Theil index T = T_w + T_b")))
        if labels:
            blocks.append(chart_block(charts.bar_chart(
                periods, {tr("within (T_w)"): [pct(x) for x in th.C_w],
                          tr("between (T_b)"): [pct(x) for x in th.C_b]},
                title=tr("Contribution rates"), y_label="%", stacked=True), tr("Contribution rates (% of T)")))
            blocks.append(chart_block(charts.line_chart(
                periods, series({g: th.T_g[j] for j, g in enumerate(labels)}),
                title=tr("Theil index within each group"), y_label="T_g"), tr("Within-group Theil T_g")))
        blocks.append(chart_block(charts.line_chart(periods, series(cv), title=tr("Coefficient of variation"),
                                                    y_label="cv"), tr("Sigma convergence: cv over time")))
        if sg.log:
            sd = {tr("all regions"): sg.sd_log, **{g: sg.group_sd_log[j] for j, g in enumerate(labels)}}
            title = tr("Standard deviation of ln y")
        else:
            sd = {tr("all regions"): sg.sd, **{g: sg.group_sd[j] for j, g in enumerate(labels)}}
            title = tr("Standard deviation")
        blocks.append(chart_block(charts.line_chart(periods, series(sd), title=title, y_label="sd"), title))
        names = [c for c, _ in columns]
        blocks.append(table_block(names[1:11], [row[1:11] for row in wide], caption=tr("Overall")))
        if labels:
            blocks.append(table_block(["period"] + names[11:], [row[1:2] + row[11:] for row in wide],
                                      caption=tr("By group")))
        return section(tr("{variable}: Theil index and sigma convergence").format(variable=variable), *blocks)
