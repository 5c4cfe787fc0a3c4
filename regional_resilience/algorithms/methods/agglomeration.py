"""Processing algorithm: agglomeration, Herfindahl-Hirschman index and location quotients."""
import numpy as np

from ...core.resilience import agglomeration
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.options import Choice
from ..inputs.panel import VARIABLES, PanelInput
from ..outputs import charts
from ..outputs.columns import ColumnTable
from ..outputs.layer import LayerOutput, NewField, period_field, safe_name
from ..outputs.report import ReportOutput, chart_block, report_wanted, section, table_block, text_block
from ..outputs.styles import graduated_style
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
LQ_TABLE = "LQ_TABLE"
HHI_VARIANT = "HHI_VARIANT"
MISSING = "MISSING"
TABLE_INDUSTRY_FIELD = "TABLE_INDUSTRY_FIELD"

COLUMNS = [("region", "string"), ("period", "string"), ("industry", "string"), ("employment", "double"),
           ("region_total", "double"), ("share_in_region", "double"), ("share_of_industry", "double"),
           ("lq", "double")]


class AgglomerationAlgorithm(Tool):
    ALGORITHM_ID = "agglomeration"
    DISPLAY_NAME = "Agglomeration: HHI and location quotients"
    GROUP = "Resilience and agglomeration"
    GROUP_ID = "resilience"
    TAGS = "agglomeration,herfindahl,hhi,location quotient,lq,specialisation,concentration,industry,employment"
    HELP = (
        "From employment l_ij of region i in industry j (per year): l_i = sum_j l_ij, l_j = sum_i "
        "l_ij, l = sum_ij l_ij.\n"
        "Location quotient LQ_ij = (l_ij / l_i) / (l_j / l): above 1, industry j is over-"
        "represented in region i (specialisation).\n"
        "HHI, national shares (default): HHI_i = sum_j (l_ij / l_j)^2, large where the region holds "
        "big parts of the national employment of industries (the form the project's specification "
        "attributes to Zheng et al. 2022; reference not verified). Own structure: HHI_i = sum_j "
        "(l_ij / l_i)^2, the Herfindahl-Hirschman index of the region's industry mix (Herfindahl "
        "1950), in [1/m, 1], 1 = one industry only.\n\n"
        "Input, one of: fields <industry>_<year> (agri_2010, manu_2010, agri_2011, ...; fields "
        "without a year are the industries of one year); fields by name (e.g. 'emp_*' takes every "
        "emp_<industry>_<year>); a long table (region, year, one column per industry); or a long "
        "table with one row per region, year and industry (choose its industry field and one "
        "value field: one variable per industry, in the order the industries first appear, "
        "numeric industry codes in increasing order). At least two industries.\n\n"
        "Caveats: employment must be non-negative; missing values (NULL, or no row for an "
        "industry) are refused naming region, industry and year, or counted as 0 when chosen. A "
        "region without employment has no LQ (and no own-structure HHI); an industry without "
        "employment anywhere has no LQ and adds nothing to the national-shares HHI.\n\n"
        "Output layer: hhi_<year> and lq_<industry>_<year> (hhi and lq_<industry> for one year; "
        "read back by name with 'hhi' or 'lq_*'), styled as a graduated map of the HHI of the "
        "last year. Table: one row per region, year and industry (employment as given, region "
        "total, share_in_region l_ij / l_i, share_of_industry l_ij / l_j, lq). Optional report."
    )

    INPUTS = (LayerInput(), PanelInput(
        role=VARIABLES, fields_label="Employment fields, one per industry (<industry>_<year>)",
        fields_help="Employment per industry: one field per industry for one year (agri, manu, serv), or "
                    "<industry>_<year> for several years (agri_2010, manu_2010, agri_2011, ...).",
        min_variables=2, complete=False, not_constant=False, allow_missing=lambda run: run.enum(MISSING) == 1,
        min_message="Agglomeration measures need at least two industries; {m} given ({names}).",
        category=(TABLE_INDUSTRY_FIELD, "industry",
                  "For a table with one row per region, period and industry: the industry of each row; the "
                  "value field is then the employment. Empty: each value field is an industry.")))
    OPTIONS = (
        Choice(HHI_VARIANT, "HHI", (("national", "National shares: sum_j (l_ij / l_j)^2"),
                                    ("share", "Own industry mix (Herfindahl): sum_j (l_ij / l_i)^2")),
               help="Which Herfindahl-type index goes to hhi_<year> (formulas in the help)."),
        Choice(MISSING, "Missing employment", (("refuse", "Refuse (name region, industry and year)"),
                                               ("zero", "Count as no employment")), advanced=True,
               help="NULL values, or an industry without a row in the long table: refuse, or take as 0 "
                    "with a warning naming them."),
    )
    OUTPUTS = (LayerOutput(OUTPUT, "Agglomeration"),
               TableOutput(LQ_TABLE, "Location quotients by region, industry and year", COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel = data.panel
        industries, periods = list(panel.variables), list(panel.periods)
        L = panel.stacked(industries).transpose(0, 2, 1)  # (regions, industries, periods)
        one = periods == [""]
        res = run.core(agglomeration, L[:, :, 0] if one else L, hhi_variant=options.hhi_variant,
                       missing=options.missing, ids=list(panel.ids), industries=industries,
                       periods=None if one else periods)
        for warning in res.warnings:
            run.warn(warning)
        hhi, lq, li, s_reg, s_ind = (np.asarray(a).reshape(s) for a, s in (
            (res.hhi, (panel.n, panel.t)), (res.lq, L.shape), (res.region_total, (panel.n, panel.t)),
            (res.region_share, L.shape), (res.industry_share, L.shape)))
        hhi_fields = [NewField(period_field("hhi", p), "double", hhi[:, k]) for k, p in enumerate(periods)]
        lq_fields = [NewField(period_field(f"lq_{safe_name(ind)}", p), "double", lq[:, j, k])
                     for j, ind in enumerate(industries) for k, p in enumerate(periods)]
        rows = _table(panel, industries, periods, L, li, s_reg, s_ind, lq)
        report = _report(panel, industries, periods, hhi, lq, res, options) if report_wanted(run) else []
        return Result(fields=hhi_fields + lq_fields, styles=[graduated_style(hhi_fields[-1:], prefix="HHI")],
                      tables={LQ_TABLE: rows}, report=report)


def _table(panel, industries, periods, L, li, s_reg, s_ind, lq):
    """The table, one row per period, region and industry (in that
    nesting), built a batch at a time from the (regions, industries,
    periods) result arrays."""
    n, m, _ = L.shape
    regions = np.array([str(r) for r in panel.ids], dtype=object)
    period_names, industry_names = np.array(periods, dtype=object), np.array(industries, dtype=object)

    def columns(index):
        k, rest = np.divmod(index, n * m)
        i, j = np.divmod(rest, m)
        return {"region": regions[i], "period": period_names[k], "industry": industry_names[j],
                "employment": L[i, j, k], "region_total": li[i, k], "share_in_region": s_reg[i, j, k],
                "share_of_industry": s_ind[i, j, k], "lq": lq[i, j, k]}

    return ColumnTable(n * m * len(periods), columns)


def _report(panel, industries, periods, hhi, lq, res, options):
    """HHI per year (mean, lowest and highest region) and each industry's
    national share and specialised regions (LQ > 1)."""
    labels = [p or tr("(one period)") for p in periods]
    ids = [str(i) for i in panel.ids]
    lj = np.asarray(res.industry_total).reshape(len(industries), len(periods))
    total = lj.sum(axis=0)

    hhi_rows = [[labels[k], _mean(hhi[:, k]), _extreme(hhi[:, k], ids, False), _extreme(hhi[:, k], ids, True)]
                for k in range(len(periods))]
    ind_rows = [[labels[k], ind, float(lj[j, k]), 100.0 * float(lj[j, k] / total[k]) if total[k] else float("nan"),
                 int((lq[:, j, k] > 1).sum()), _extreme(lq[:, j, k], ids, True)]
                for k in range(len(periods)) for j, ind in enumerate(industries)]
    shares = {ind: [100.0 * lj[j, k] / total[k] if total[k] else 0.0 for k in range(len(periods))]
              for j, ind in enumerate(industries)}
    variant = {"national": "HHI_i = sum_j (l_ij / l_j)^2 (national shares)",
               "share": "HHI_i = sum_j (l_ij / l_i)^2 (own industry mix)"}[options.hhi_variant]
    return [
        section(tr("Herfindahl-Hirschman index"), text_block(variant),
                table_block(["period", "mean HHI", "lowest", "highest"], hhi_rows),
                chart_block(charts.line_chart(labels, {"mean": [r[1] for r in hhi_rows]}, title=tr("Mean HHI"),
                                              y_label="HHI"), tr("Mean HHI of the regions by period"))),
        section(tr("Industries and location quotients"),
                table_block(["period", "industry", "employment", "national share %", "regions with LQ > 1",
                             "highest LQ"], ind_rows),
                chart_block(charts.bar_chart(labels, shares, title=tr("National employment by industry"),
                                             y_label="%"), tr("Share of each industry in total employment"))),
    ]


def _mean(col):
    return float(np.nanmean(col)) if np.isfinite(col).any() else float("nan")


def _extreme(col, ids, highest):
    """``'region (value)'`` of the highest or lowest finite value."""
    if not np.isfinite(col).any():
        return ""
    i = int(np.nanargmax(col) if highest else np.nanargmin(col))
    return f"{ids[i]} ({col[i]:.4g})"
