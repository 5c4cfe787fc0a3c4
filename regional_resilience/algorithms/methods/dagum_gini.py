"""Processing algorithm: Dagum's Gini decomposition by groups of regions, per period."""
from ...core import inequality
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import LayerInput
from ..inputs.panel import PanelInput
from ..outputs import charts
from ..outputs.naming import safe_name
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
LONG_TABLE = "LONG_TABLE"

HEAD = [("variable", "string"), ("period", "string")]
MAIN = [("G", "double"), ("G_w", "double"), ("G_nb", "double"), ("G_t", "double"),
        ("C_w_pct", "double"), ("C_nb_pct", "double"), ("C_t_pct", "double")]
LONG_COLUMNS = HEAD + [("component", "string"), ("group", "string"), ("group2", "string"),
                       ("value", "double"), ("contribution_pct", "double")]


def unique_names(names):
    """``names`` made unique ignoring case (GeoPackage and shapefile columns
    are case-insensitive) by appending ``_2``, ``_3``... to repeats."""
    seen, out = set(), []
    for name in names:
        base, i = name, 1
        while name.lower() in seen:
            i += 1
            name = f"{base}_{i}"
        seen.add(name.lower())
        out.append(name)
    return out


def pct(rate):
    """A rate as a percentage (NaN stays NaN, None stays None)."""
    return None if rate is None else float(rate) * 100.0


def series(named):
    """The chart series that have at least one finite value (no empty line)."""
    return {k: [float(x) for x in v] for k, v in named.items() if any(x == x for x in v)}


class DagumGiniAlgorithm(Tool):
    ALGORITHM_ID = "dagumgini"
    DISPLAY_NAME = "Dagum Gini decomposition"
    GROUP = "Regional disparity"
    GROUP_ID = "disparity"
    TAGS = "gini,dagum,inequality,disparity,decomposition,within,between,transvariation,groups"
    HELP = (
        "Dagum's (1997) decomposition of the Gini coefficient by groups of regions (e.g. east / "
        "central / west / northeast), for every period (Dagum, C., 1997, A new approach to the "
        "decomposition of the Gini income inequality ratio, Empirical Economics 22(4), 515-531):\n"
        "G = sum_j sum_h sum_i sum_r |y_ji - y_hr| / (2 n^2 mu) = G_w + G_nb + G_t, with\n"
        "G_jj = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 mu_j) (within group j),\n"
        "G_jh = sum_i sum_r |y_ji - y_hr| / (n_j n_h (mu_j + mu_h)) (between j and h),\n"
        "p_j = n_j / n, s_j = n_j mu_j / (n mu), D_jh = (d_jh - p_jh) / (d_jh + p_jh) the "
        "relative economic affluence (j the group of larger mean in that period),\n"
        "G_w = sum_j G_jj p_j s_j, G_nb = sum_(j>h) G_jh (p_j s_h + p_h s_j) D_jh, "
        "G_t = sum_(j>h) G_jh (p_j s_h + p_h s_j) (1 - D_jh); the contribution rates are "
        "G_w / G, G_nb / G and G_t / G (in %). G equals PySAL's inequality.gini.Gini.\n\n"
        "Caveats: the values must be levels (GDP per capita, an index), not negative; NULLs are "
        "refused naming the regions; a group of one region has G_jj = 0 (said in the log); "
        "groups are ordered by label (numerically when numbers); D_jh is taken with the richer "
        "group of each period, so it lies in [0, 1].\n\n"
        "Input: one numeric field per period (e.g. PCGDP1940 ... PCGDP2000), the fields "
        "another tool wrote (e.g. 'cc_d' for cc_d_2013 ...), or a long table; several "
        "variables give one set of rows each. The input is never modified.\n\n"
        "Outputs: the decomposition table, one row per period: variable, period, G, G_w, G_nb, "
        "G_t, C_w_pct, C_nb_pct, C_t_pct, then G_jj_<group> for every group and "
        "G_jh_<group>_<group> for every pair; the long table (optional): variable, period, "
        "component (G, G_w, G_nb, G_t, G_jj, G_jh, D_jh), group, group2, value, "
        "contribution_pct; and an HTML report (optional) with the components and the "
        "contribution rates over time, G_jj and G_jh charts and the tables."
    )
    INPUTS = (LayerInput(), PanelInput(), GroupInput(optional=False))
    OUTPUTS = (TableOutput(OUTPUT, "Dagum Gini decomposition", HEAD + MAIN, optional=False),
               TableOutput(LONG_TABLE, "Dagum Gini components (long table)", LONG_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        periods, labels = list(panel.periods), groups.labels
        pairs = [(j, h) for j in range(groups.k) for h in range(j + 1, groups.k)]
        extra = [f"G_jj_{safe_name(g)}" for g in labels] + [
            f"G_jh_{safe_name(labels[j])}_{safe_name(labels[h])}" for j, h in pairs]
        names = unique_names([c for c, _ in HEAD + MAIN] + extra)
        columns = HEAD + MAIN + [(name, "double") for name in names[len(HEAD + MAIN):]]
        result = Result(tables={OUTPUT: [], OUTPUT + ":columns": columns, LONG_TABLE: []})
        long = result.tables[LONG_TABLE]
        for v, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v, len(panel.variables))
            res = run.core(inequality.dagum_gini, panel.values[variable], groups, ids=list(panel.ids),
                           periods=periods, progress=progress, is_canceled=is_canceled)
            for warning in res.warnings:
                run.warn(warning)
            wide, pair_rows = [], []
            for k, period in enumerate(periods):
                main = [res.G[k], res.G_w[k], res.G_nb[k], res.G_t[k],
                        pct(res.C_w[k]), pct(res.C_nb[k]), pct(res.C_t[k])]
                wide.append([variable, period] + main + list(res.G_jj[:, k])
                            + [res.G_jh[j, h, k] for j, h in pairs])
                pair_rows.append([period] + [res.D_jh[j, h, k] for j, h in pairs])
                for name, value, rate in zip(("G", "G_w", "G_nb", "G_t"), main[:4], [100.0] + main[4:]):
                    long.append([variable, period, name, None, None, value, rate])
                long += [[variable, period, "G_jj", g, None, res.G_jj[j, k], None] for j, g in enumerate(labels)]
                for name, arr in (("G_jh", res.G_jh), ("D_jh", res.D_jh)):
                    long += [[variable, period, name, labels[j], labels[h], arr[j, h, k], None] for j, h in pairs]
                run.info(tr("{variable} {period}: G = {g}, G_w = {w} ({cw} %), G_nb = {nb} ({cnb} %), "
                            "G_t = {t} ({ct} %)").format(
                    variable=variable, period=period, g=f"{main[0]:.4f}", w=f"{main[1]:.4f}",
                    nb=f"{main[2]:.4f}", t=f"{main[3]:.4f}", cw=f"{main[4]:.1f}", cnb=f"{main[5]:.1f}",
                    ct=f"{main[6]:.1f}"))
            result.tables[OUTPUT] += wide
            if report_wanted(run):  # charts take a second each: only when the report is asked for
                result.report.append(self._section(variable, res, periods, pairs, columns, wide, pair_rows))
        return result

    def _section(self, variable, res, periods, pairs, columns, wide, pair_rows):
        labels = res.groups
        pair_names = [f"{labels[j]}-{labels[h]}" for j, h in pairs]
        blocks = [
            text_block(tr("{n} regions in {k} groups: {sizes}. Contribution rates in % of G.").format(
                n=int(res.n.sum()), k=len(labels),
                sizes=", ".join(f"{g} ({int(m)})" for g, m in zip(labels, res.n)))),
            chart_block(charts.line_chart(periods, series({"G": res.G, "G_w": res.G_w, "G_nb": res.G_nb,
                                                           "G_t": res.G_t}),
                                          title=tr("Gini coefficient and its components"), y_label="Gini"),
                        tr("G = G_w + G_nb + G_t over the periods")),
            chart_block(charts.bar_chart(periods, {
                tr("within (G_w)"): [pct(x) for x in res.C_w], tr("net between (G_nb)"): [pct(x) for x in res.C_nb],
                tr("transvariation (G_t)"): [pct(x) for x in res.C_t]},
                title=tr("Contribution rates"), y_label="%", stacked=True), tr("Contribution rates (% of G)")),
            chart_block(charts.line_chart(periods, series({g: res.G_jj[j] for j, g in enumerate(labels)}),
                                          title=tr("Within-group Gini G_jj"), y_label="Gini"),
                        tr("Within-group Gini of each group")),
        ]
        if pairs:
            blocks.append(chart_block(charts.line_chart(
                periods, series({name: res.G_jh[j, h] for name, (j, h) in zip(pair_names, pairs)}),
                title=tr("Between-group Gini G_jh"), y_label="Gini"), tr("Between-group Gini of each pair")))
        names = [c for c, _ in columns]
        blocks.append(table_block(names[1:9], [row[1:9] for row in wide], caption=tr("Decomposition")))
        blocks.append(table_block(["period"] + names[9:], [row[1:2] + row[9:] for row in wide],
                                  caption=tr("Within-group (G_jj) and between-group (G_jh) Gini")))
        if pairs:
            blocks.append(table_block(["period"] + pair_names, pair_rows,
                                      caption=tr("Relative economic affluence D_jh (richer group of the period "
                                                 "against the poorer)")))
        return section(tr("{variable}: Dagum Gini decomposition").format(variable=variable), *blocks)
