"""Processing algorithm: panel Tobit regression (pooled, random or fixed
effects) on the whole sample and per group, with the published-style table."""
import numpy as np
from qgis.core import QgsProcessingException

from ...core import panel as core_panel
from ...core import tobit
from ...core.tables import coefficient_rows
from ..base import Result, Tool
from ..inputs.groups import GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Flag, Number, Text
from ..inputs.panel import VARIABLES, PanelInput
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.naming import parse_stems
from ..outputs.report import ReportOutput, report_wanted, section, table_block, text_block
from ..outputs.styles import graduated_style
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT, COEFFICIENTS, MODELS, FITTED = "OUTPUT", "COEFFICIENTS", "MODELS", "FITTED"
DEPENDENT, REGRESSORS, LOG, MODEL = "DEPENDENT", "REGRESSORS", "LOG", "MODEL"
LOWER, UPPER, VCOV, HAUSMAN, INCLUDE_ALL = "LOWER", "UPPER", "VCOV", "HAUSMAN", "INCLUDE_ALL"
MISSING, TABLE_ROWS, DIGITS, N_NODES, QUADRATURE = "MISSING", "TABLE_ROWS", "DIGITS", "N_NODES", "QUADRATURE"
ROWS = {"coef_se_z_p": ("coef", "se", "z", "p"), "coef_se": ("coef", "se")}

COEFFICIENT_COLUMNS = [("group", "string"), ("model", "string"), ("term", "string"), ("coef", "double"),
                       ("se", "double"), ("z", "double"), ("p", "double"), ("stars", "string")]
MODEL_COLUMNS = [("group", "string"), ("status", "string"), ("reason", "string"), ("model", "string")] + [
    (k, "double") for k in ("loglik", "sigma", "sigma_se", "sigma_u", "sigma_u_se", "rho", "rho_se",
                            "lr_stat", "lr_pvalue")] + [
    (k, "int") for k in ("n_obs", "n_left", "n_right", "n_uncensored", "n_regions", "converged",
                         "iterations")] + [
    ("vcov_type", "string"), ("hausman", "double"), ("hausman_df", "int"), ("hausman_p", "double"),
    ("hausman_note", "string"), ("notes", "string")]


class Limit(Number):
    """A censoring limit: the default when the parameter is not given, no
    limit when it is given empty (the dialog's cleared optional number)."""

    def read(self, run):
        if self.name not in run.parameters:
            return self.default
        return run.double(self.name) if run.is_set(self.name) else None


class PanelTobitAlgorithm(Tool):
    ALGORITHM_ID = "paneltobit"
    DISPLAY_NAME = "Panel Tobit"
    GROUP = "Regression"
    GROUP_ID = "regression"
    TAGS = "tobit,censored regression,panel,random effects,fixed effects,xttobit,hausman,influencing factors"
    HELP = (
        "Tobit regression of a censored dependent variable (a coupling coordination degree or a "
        "resilience index in [0, 1]) on its drivers, by maximum likelihood (Tobin 1958): "
        "y*_it = x_it b (+ u_i) + e_it, y = L if y* <= L, U if y* >= U, y* otherwise; two-limit "
        "log-likelihood of Amemiya (1984, eq. 2.6).\n\n"
        "Models: pooled; random effects u_i ~ N(0, sigma_u^2) by adaptive Gauss-Hermite quadrature "
        "(12 nodes, as Stata's xttobit; LR test of sigma_u = 0, chibar2(01)); fixed effects (one "
        "intercept per region; Greene 2004: sigma biased down for short panels; regions censored "
        "on one side in every year are dropped). Standard errors: observed information (OIM), "
        "robust (Huber-White) or clustered by region. Hausman (1978) test of FE vs RE slopes "
        "(OIM fits; when V_FE - V_RE is not positive definite the pseudo-inverse is used and a note "
        "says so, a negative statistic gets no p). Estimated on all regions and on each group of the "
        "group field; a group that cannot be estimated (too few uncensored values, one region for "
        "random effects, collinear within it) is skipped and reported.\n\n"
        "Variables: fields <variable>_<year> picked or named (FIELD_PREFIX 'cc_d, gdp, open' "
        "takes cc_d_2013..., gdp_2013..., open_2013...), or a long table with one column per "
        "variable. DEPENDENT names the dependent variable (empty: the first one), REGRESSORS the "
        "regressors (comma-separated; empty: all the others), LOG those to log: plain names, so "
        "models can set them. Missing values are refused (naming region and year) or their rows "
        "dropped.\n\n"
        "Outputs: the published-style table (coefficients with stars *** p < 0.01, ** p < 0.05, "
        "* p < 0.1, SE in parentheses, z, p, sigma, log-likelihood, N, Hausman; one column per "
        "sample: all, then the groups), the long coefficient table (group, model, term, coef, se, "
        "z, p, stars), the model table (one row per sample: statistics, skipped groups and why, "
        "notes), an HTML report, and optionally the polygons with tobit_xb_<year> (latent index "
        "x b) and tobit_fit_<year> (expected censored value), from the all-regions model "
        "(else the region's group model)."
    )
    INPUTS = (LayerInput(), PanelInput(role=VARIABLES, fields_label="Variables (fields <variable>_<year>)",
                                       min_variables=2, complete=False, not_constant=False,
                                       allow_missing=lambda run: run.enum(MISSING) == 1),
              GroupInput(help_text="Run per group (east / central / west / northeast): one column "
                                   "per group beside all regions. Empty: all regions only."))
    OPTIONS = (
        Text(DEPENDENT, "Dependent variable", help="Name of the dependent variable among the "
             "variables read (e.g. cc_d). Empty: the first variable."),
        Text(REGRESSORS, "Regressors", help="Comma-separated names (e.g. 'gdp, open, fdi'). Empty: "
             "every variable read except the dependent one."),
        Text(LOG, "Regressors to log", help="Regressors replaced by their natural log (named "
             "ln(name)), e.g. 'gdp'. Their values must be positive."),
        Choice(MODEL, "Model", (("pooled", "Pooled Tobit"), ("random_effects", "Random-effects Tobit"),
                                ("fixed_effects", "Fixed-effects Tobit (region intercepts)")), default=1,
               help="Random effects is Stata's xttobit; fixed effects has no constant."),
        Limit(LOWER, "Lower censoring limit", 0.0, optional=True,
              help="y <= this value is left-censored. Empty: no lower limit."),
        Limit(UPPER, "Upper censoring limit", 1.0, optional=True,
              help="y >= this value is right-censored. Empty: no upper limit."),
        Choice(VCOV, "Standard errors", (("oim", "Observed information (OIM)"),
                                         ("robust", "Robust (Huber-White)"),
                                         ("cluster", "Clustered by region")),
               help="Random effects: robust and clustered are both the sandwich with region scores."),
        Flag(HAUSMAN, "Hausman test FE vs RE", True, help="Fit the fixed- and random-effects models "
             "(OIM) of every sample and add the Hausman statistic, df and p to the tables."),
        Flag(INCLUDE_ALL, "Also estimate on all regions", True, help="A column for all regions "
             "beside the groups (always, without a group field)."),
        Choice(MISSING, "Missing values", (("refuse", "Refuse (name region and year)"),
                                           ("drop", "Drop the rows (unbalanced panel)")), advanced=True,
               help="NULLs, or region-years without a row in the long table, in the variables used."),
        Choice(TABLE_ROWS, "Rows per term in the table", (("coef_se_z_p", "Coefficient, SE, z, p"),
                                                          ("coef_se", "Coefficient and SE")), advanced=True,
               help="What the published-style table shows under each term."),
        Number(DIGITS, "Decimals in the table", 3, minimum=0, maximum=8, integer=True, advanced=True,
               help="Decimals of the published-style table (the other tables keep full precision)."),
        Number(N_NODES, "Quadrature nodes (random effects)", 12, minimum=2, maximum=200, integer=True,
               advanced=True, help="Gauss-Hermite nodes; a note suggests more when the check with "
               "twice the nodes moves the estimates."),
        Choice(QUADRATURE, "Quadrature (random effects)", (("adaptive", "Adaptive Gauss-Hermite"),
                                                           ("ghermite", "Gauss-Hermite")), advanced=True,
               help="Adaptive (Liu and Pierce 1994, Stata's aghermite) or ordinary."),
    )
    OUTPUTS = (TableOutput(OUTPUT, "Tobit table", [("variable", "string")], optional=False),
               TableOutput(COEFFICIENTS, "Tobit coefficients", COEFFICIENT_COLUMNS),
               TableOutput(MODELS, "Tobit models", MODEL_COLUMNS),
               ReportOutput(),
               LayerOutput(FITTED, "Tobit fitted values", optional=True))

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        dep, regs = pick_variables(panel.variables, options.dependent, options.regressors)
        n, t = panel.n, panel.t
        y = panel.values[dep].reshape(-1)
        X = np.column_stack([panel.values[v].reshape(-1) for v in regs])
        regions = np.repeat(np.asarray(panel.ids, dtype=object), t)
        periods = np.tile(np.asarray(panel.periods, dtype=object), n)
        labels = None
        if groups is not None:
            labels = np.repeat(np.asarray(groups.labels, dtype=object)[groups.codes], t)
        keep = np.isfinite(y) & np.isfinite(X).all(axis=1)
        if options.missing == "refuse":
            run.core(core_panel.require_complete, panel, [dep] + regs)
        elif not keep.all():
            run.warn(tr("{k} region-year(s) with missing values dropped; {m} used.").format(
                k=int((~keep).sum()), m=int(keep.sum())))
        all_label = "all" if groups is None or "all" not in groups.labels else "all regions"
        order = None if groups is None else [g for g in groups.labels if g in set(labels[keep])]
        progress, is_canceled = run.steps.callbacks("compute")
        out = run.core(tobit.tobit_by_group, y[keep], X[keep], regions[keep],
                       None if labels is None else labels[keep], model=options.model,
                       include_all=options.include_all, all_label=all_label, order=order,
                       periods=periods[keep], hausman=options.hausman, lower=options.lower,
                       upper=options.upper, names=regs, log=parse_stems(options.log) or None,
                       vcov=options.vcov, n_nodes=options.n_nodes, quadrature=options.quadrature,
                       progress=progress, is_canceled=is_canceled)
        table = run.core(tobit.tobit_table, out, rows=ROWS[options.table_rows], digits=options.digits,
                         kind_column="statistic", repeat_terms=True)
        summary = tobit.summary_rows(out)
        for row in summary:
            if row["status"] != "estimated":
                run.warn(tr("{group}: not estimated ({reason})").format(group=row["group"],
                                                                        reason=row["reason"]))
            for note in filter(None, (row["notes"], row["hausman_note"])):
                run.info(f"{row['group']}: {note}")
        columns = [("variable", "string"), ("statistic", "string")] + [(m, "string") for m in table.models]
        result = Result(tables={
            OUTPUT: [list(r) for r in table.rows], OUTPUT + ":columns": columns,
            COEFFICIENTS: [[g, out.results[g].model, *rest] for g, *rest in coefficient_rows(out.results)],
            MODELS: [[r[k] for k, _ in MODEL_COLUMNS] for r in summary]})
        if report_wanted(run):
            result.report = report_sections(out, table, summary, dep, regs, options)
        if run.is_set(FITTED):
            for kind, prefix in (("index", "tobit_xb"), ("expected", "tobit_fit")):
                values, _ = run.core(tobit.predict_by_sample, out, X, regions, labels, kind=kind)
                values = values.reshape(n, t)
                result.fields += [NewField(period_field(prefix, p), "double", values[:, k])
                                  for k, p in enumerate(panel.periods)]
            result.styles.append(graduated_style([f for f in result.fields
                                                  if f.name.startswith("tobit_fit")]))
        return result


def pick_variables(variables, dependent, regressors):
    """The dependent variable and the regressors named (case-insensitive) among those read."""
    lookup = {str(v).lower(): v for v in variables}

    def find(name, what):
        if name in variables or name.lower() in lookup:
            return name if name in variables else lookup[name.lower()]
        raise QgsProcessingException(tr(
            "The {what} '{name}' is not among the variables read: {names}."
        ).format(what=tr(what), name=name, names=core_panel.format_list(variables, 30)))

    dep = find(dependent, "dependent variable") if dependent else variables[0]
    regs = [find(v, "regressor") for v in parse_stems(regressors)] or [v for v in variables if v != dep]
    if dep in regs:
        raise QgsProcessingException(tr(
            "The dependent variable '{name}' cannot also be a regressor.").format(name=dep))
    if len(set(regs)) != len(regs):
        raise QgsProcessingException(tr("A regressor is named twice: {names}.").format(names=", ".join(regs)))
    return dep, regs


def report_sections(out, table, summary, dep, regs, options):
    """The report: the specification, the published-style table, the samples and their notes."""
    limits = tr("lower {lo}, upper {hi}").format(
        lo=tr("none") if options.lower is None else f"{options.lower:g}",
        hi=tr("none") if options.upper is None else f"{options.upper:g}")
    spec = tr("{model} Tobit of {dep} on {regs} (logged: {logs}); censoring limits: {limits}; standard "
              "errors: {vcov}.").format(model=out.model.replace("_", "-"), dep=dep, regs=", ".join(regs),
                                        logs=options.log or tr("none"), limits=limits, vcov=options.vcov)
    keys = ("group", "status", "n_obs", "n_left", "n_right", "n_uncensored", "n_regions", "reason")
    samples = [[r[k] for k in keys] for r in summary]
    notes = [text_block(f"{r['group']}: {note}") for r in summary
             for note in filter(None, (r["notes"], r["hausman_note"]))]
    return [
        section(tr("Panel Tobit"), text_block(spec)),
        section(tr("Estimates"), table_block(table.columns, table.display_rows(), caption=tr(
            "*** p < 0.01, ** p < 0.05, * p < 0.1; standard errors in parentheses"))),
        section(tr("Samples"), table_block([tr("sample"), tr("status"), "N", tr("left-censored"),
                                            tr("right-censored"), tr("uncensored"), tr("regions"),
                                            tr("reason")], samples), *notes),
    ]
