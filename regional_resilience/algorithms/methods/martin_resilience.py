"""Processing algorithm: Martin's resilience (resistance / recovery) index."""
import numpy as np

from ...core import resilience
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Number, Text
from ..inputs.panel import PERIODS, PanelInput
from ..outputs import charts
from ..outputs.columns import ColumnTable, text_of
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.styles import graduated_style
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
TABLE_OUT = "RESILIENCE_TABLE"
K = "K"
PAIRS = "PAIRS"
REFERENCE_SERIES = "REFERENCE_SERIES"
PREFIX = "mr"

COLUMNS = [
    ("region", "string"), ("reference", "string"), ("pair", "string"), ("start", "string"),
    ("end", "string"), ("y_start", "double"), ("y_end", "double"), ("actual_change", "double"),
    ("expected_change", "double"), ("reference_growth", "double"), ("index", "double"),
    ("phase", "string"),
]


class MartinResilienceAlgorithm(Tool):
    ALGORITHM_ID = "martinresilience"
    DISPLAY_NAME = "Martin resilience index"
    GROUP = "Resilience and agglomeration"
    GROUP_ID = "resilience"
    TAGS = "resilience,resistance,recovery,martin,shock,recession,employment,gdp,sensitivity"
    HELP = (
        "Martin's resistance / recovery index (Martin 2012, J. Econ. Geogr. 12(1); index form of "
        "Martin, Sunley, Gardiner and Tyler 2016, Reg. Stud. 50(4), 561-585) for every region "
        "and period pair (s, e):\n"
        "dY_i = Y_i(e) - Y_i(s) (actual change), dE_i = [(Y_R(e) - Y_R(s)) / Y_R(s)] * Y_i(s) "
        "(expected change at the reference's growth rate), index_i = (dY_i - dE_i) / |dE_i|, "
        "i.e. (g_i - g_R) / |g_R| with g the growth rates.\n"
        "index > 0: the region did better than the reference (in a contraction of the reference "
        "it resisted better; in an expansion it recovered faster); index < 0: worse.\n\n"
        "Y: employment or output (GDP) per region and period, non-negative, without NULLs: one "
        "field per period, fields by name, or a long table (region, year, value).\n"
        "Reference Y_R: the sum over all regions of the layer (default); with a group field, "
        "the total of the region's group (e.g. its census division); with a reference series, "
        "those values (e.g. official national employment including areas outside the layer; "
        "one number per period, in period order). Not a group field and a series together.\n"
        "Pairs: every (t - k, t) for the period length k (positions in the panel's periods, "
        "default 1: consecutive periods), or the pairs given as '2008-2010, 2010-2015' (e.g. "
        "peak to trough, trough to recovery); then k is ignored.\n\n"
        "Caveats: a reference that is 0 at the start of a pair or does not change over it makes "
        "the index undefined and is refused; a region with 0 at the start gets an empty index "
        "(with a warning). When the reference barely changes, |dE| is small and the index very "
        "large (it is a ratio to the reference's growth): read it with the growth rates in the "
        "table. The index compares growth rates, so for output per capita it "
        "compares per-capita growth with the growth of the sum of the regions' values, which "
        "is not the nation's per-capita growth: prefer totals.\n\n"
        "Output layer: a copy of the polygons with mr_<start>_<end> (the index of each pair, "
        "e.g. mr_2008_2010; read back by name with 'mr'), styled as a graduated map of the last "
        "pair. Table: one row per region and pair (reference, start and end values, actual and "
        "expected change, reference growth, index, phase contraction / expansion). Optional "
        "HTML report."
    )

    INPUTS = (LayerInput(), PanelInput(role=PERIODS, fields_label="Employment or output fields, one per period",
                                       not_constant=False),
              GroupInput(help_text="Optional: the group of each region (e.g. census division). The "
                                   "reference is then the total of the region's group instead of "
                                   "the total of all regions."))
    OPTIONS = (
        Number(K, "Period length k (in periods)", 1, minimum=1, integer=True, help=(
            "Pairs (t - k, t) for every period t: 1 compares consecutive periods. Ignored when "
            "period pairs are given.")),
        Text(PAIRS, "Period pairs (optional)", help=(
            "Start and end periods, e.g. '2008-2010, 2010-2015' (recession and recovery). "
            "Each period must be one of the panel's; empty: every (t - k, t).")),
        Text(REFERENCE_SERIES, "Reference series (optional)", advanced=True, help=(
            "One number per period of the panel, in period order, separated by commas or "
            "spaces (dot as decimal point), e.g. official national employment. Empty: the sum "
            "of the regions (or of their group).")),
    )
    OUTPUTS = (LayerOutput(OUTPUT, "Martin resilience index"),
               TableOutput(TABLE_OUT, "Resilience by region and pair", COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        pairs = run.core(resilience.parse_period_pairs, options.pairs)
        reference = run.core(resilience.parse_reference_series, options.reference_series, panel.periods)
        if pairs is not None and options.k != 1:
            run.info(tr("Period pairs given: the period length k = {k} is not used.").format(k=options.k))
        tables, fields, report = [], [], []
        for v_index, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v_index, len(panel.variables))
            res = run.core(resilience.martin_resilience, panel.values[variable], options.k, groups=groups,
                           reference=reference, pairs=pairs, ids=list(panel.ids), periods=list(panel.periods),
                           zero_reference="refuse", progress=progress, is_canceled=is_canceled)
            for warning in res.warnings:
                run.warn(warning)
            extra = "" if len(panel.variables) == 1 else f"{variable}_"
            fields += [NewField(period_field(PREFIX, f"{extra}{s}_{e}"), "double", res.index[:, p])
                       for p, (s, e) in enumerate(res.pairs)]
            tables.append(_table(panel, panel.values[variable], res, groups))
            if report_wanted(run):
                report += _report(variable, res, groups, list(panel.ids), len(panel.variables) > 1)
        return Result(fields=fields, styles=[graduated_style(fields[-1:], prefix="Martin index")],
                      tables={TABLE_OUT: ColumnTable.concat(tables)}, report=report)


def _reference_labels(res, groups, n):
    if res.reference == "group":
        return text_of(groups.labels, groups.codes)
    return np.full(n, res.reference, dtype=object)


def _table(panel, Y, res, groups):
    """The table, one row per pair and region (pairs outer), built a batch
    at a time from the result arrays (start and end values read from Y
    per batch, not copied whole)."""
    n = panel.n
    regions = np.array([str(r) for r in panel.ids], dtype=object)
    refs = _reference_labels(res, groups, n)
    starts = np.array([s for s, _ in res.pairs], dtype=object)
    ends = np.array([e for _, e in res.pairs], dtype=object)
    pair = np.array([f"{s}-{e}" for s, e in res.pairs], dtype=object)

    def columns(index):
        p, i = np.divmod(index, n)
        return {"region": regions[i], "reference": refs[i], "pair": pair[p], "start": starts[p],
                "end": ends[p], "y_start": Y[i, res.start[p]], "y_end": Y[i, res.end[p]],
                "actual_change": res.actual_change[i, p], "expected_change": res.expected_change[i, p],
                "reference_growth": res.reference_growth[i, p], "index": res.index[i, p],
                "phase": text_of(("expansion", "contraction"), res.contraction[i, p].astype(np.int64))}

    return ColumnTable(n * len(res.pairs), columns)


def _report(variable, res, groups, ids, named):
    """Per pair and reference: growth, phase, regions better / worse; the
    median index over the pairs; the regions of the last pair."""
    labels = [f"{s}-{e}" for s, e in res.pairs]
    if res.reference == "group":
        parts = [(label, groups.codes == g) for g, label in enumerate(groups.labels)]
    else:
        parts = [(res.reference, np.ones(res.index.shape[0], dtype=bool))]
    summary, medians = [], {}
    for name, mask in parts:
        idx = res.index[mask]
        medians[name] = [float(np.nanmedian(c)) if np.isfinite(c).any() else float("nan") for c in idx.T]
        for p, label in enumerate(labels):
            col = idx[:, p]
            growth = float(res.reference_growth[mask][0, p])
            summary.append([label, name, 100.0 * growth, "contraction" if growth < 0 else "expansion",
                            int((col > 0).sum()), int((col < 0).sum()), int(np.isnan(col).sum()),
                            medians[name][p]])
    title = tr("Martin resilience index") + (f": {variable}" if named else "")
    last = res.index[:, -1]
    order = np.argsort(np.where(np.isnan(last), np.inf, -last), kind="stable")
    return [
        section(title, text_block(tr(
            "index = (dY - dE) / |dE|, dE = reference growth x start value; reference: {ref}. "
            "Positive: better than the reference.").format(ref=res.reference)),
            table_block(["pair", "reference", "reference growth %", "phase", "better", "worse",
                         "undefined", "median index"], summary, caption=tr("Pairs")),
            chart_block(pairs_chart(labels, medians, title=tr("Median index by pair")),
                        tr("Median index of the regions by pair"))),
        section(tr("Regions, pair {pair}").format(pair=labels[-1]) + (f" ({variable})" if named else ""),
                table_block(["rank", "region", "index", "actual change", "expected change"],
                            [[k + 1, str(ids[i]), float(last[i]),
                              float(res.actual_change[i, -1]), float(res.expected_change[i, -1])]
                             for k, i in enumerate(order)])),
    ]


def pairs_chart(labels, series, title="", max_ticks=16):
    """PNG of one line per series over the pairs, like ``charts.line_chart``
    but labelling at most ``max_ticks`` pairs (80 yearly pairs otherwise
    overprint); every pair is a point. None without matplotlib."""
    fig = charts.figure()
    if fig is None:
        return None
    ax = fig.add_subplot(111)
    x = list(range(len(labels)))
    for name, values in series.items():
        ax.plot(x, list(values), marker="o", markersize=3, label=str(name))
    step = max(1, -(-len(labels) // max_ticks))
    ax.set_xticks(x[::step])
    ax.set_xticklabels(labels[::step], rotation=45 if len(x[::step]) > 6 else 0, ha="right")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_title(title)
    ax.set_ylabel("index")
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=7, loc="best", ncol=2)
    return charts.figure_png(fig)
