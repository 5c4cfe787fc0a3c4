"""Processing algorithm: spatial panel regression (SAR, SEM, SDM with fixed
effects) on all regions and per group, with LeSage-Pace effects,
specification tests, the published-style table and residual maps."""
import numpy as np
from qgis.core import QgsProcessingException

from ...core import panel as core_panel
from ...core import spatial_panel as sp
from ...core.tables import Stat
from ..base import Result, Tool
from ..inputs.groups import GROUP_FIELD, GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Flag, Number, Text
from ..inputs.panel import VARIABLES, PanelInput
from ..inputs.weights import WeightsInput
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.naming import parse_stems
from ..outputs.report import ReportOutput, report_wanted, section, table_block, text_block
from ..outputs.styles import graduated_style
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT, COEFFICIENTS, EFFECTS, DIAGNOSTICS, MODELS, FITTED = (
    "OUTPUT", "COEFFICIENTS", "EFFECTS", "DIAGNOSTICS", "MODELS", "FITTED")
DEPENDENT, REGRESSORS, LOG, MODEL, FIXED_EFFECTS = "DEPENDENT", "REGRESSORS", "LOG", "MODEL", "FIXED_EFFECTS"
LEE_YU, DURBIN_REGRESSORS, LAG, SPLIT_VARIABLE = "LEE_YU", "DURBIN_REGRESSORS", "LAG", "SPLIT_VARIABLE"
SPLIT_THRESHOLD, INCLUDE_ALL, MIN_REGIONS, TESTS = "SPLIT_THRESHOLD", "INCLUDE_ALL", "MIN_REGIONS", "TESTS"
EFFECTS_DRAWS, SEED, TABLE_ROWS, DIGITS = "EFFECTS_DRAWS", "SEED", "TABLE_ROWS", "DIGITS"
ROWS = {"coef_se": ("coef", "se"), "coef_se_z_p": ("coef", "se", "z", "p")}
RESIDUAL_PREFIX, FITTED_PREFIX = "sp_res", "sp_fit"
MODEL_CHOICES = (("sar", "Spatial lag (SAR)"), ("sem", "Spatial error (SEM)"), ("sdm", "Spatial Durbin (SDM)"))
FE_CHOICES = (("region", "Region fixed effects"), ("time", "Time (period) fixed effects"),
              ("twoway", "Region and time fixed effects (two-way)"), ("pooled", "None (pooled, with a constant)"))

COEFFICIENT_COLUMNS = [("group", "string"), ("model", "string"), ("term", "string"), ("coef", "double"),
                       ("se", "double"), ("z", "double"), ("p", "double"), ("stars", "string")]
EFFECT_COLUMNS = [("group", "string"), ("regressor", "string"), ("effect", "string")] + [
    (k, "double") for k in ("estimate", "mean", "sd", "z", "p", "ci_low", "ci_high")] + [
    ("stars", "string"), ("draws", "int"), ("seed", "int")]
DIAGNOSTIC_COLUMNS = [("group", "string"), ("test", "string"), ("null", "string"), ("statistic", "double"),
                      ("df", "int"), ("z", "double"), ("p", "double")]
MODEL_COLUMNS = [("group", "string"), ("status", "string"), ("reason", "string"), ("model", "string"),
                 ("fe", "string"), ("spatial", "string")] + [
    (k, "double") for k in ("rho", "rho_se", "rho_p", "sigma2", "loglik", "aic", "bic", "pseudo_r2")] + [
    (k, "int") for k in ("n_obs", "n_regions", "n_periods", "lag", "lee_yu", "converged")] + [
    ("periods", "string"), ("logdet", "string"), ("notes", "string")]


class SpatialPanelAlgorithm(Tool):
    ALGORITHM_ID = "spatialpanel"
    DISPLAY_NAME = "Spatial panel regression (SAR / SEM / SDM)"
    GROUP = "Regression"
    GROUP_ID = "regression"
    TAGS = ("spatial panel,spatial durbin,sdm,sar,sem,spatial lag,spatial error,fixed effects,spillover,"
            "direct effect,indirect effect,lesage pace,elhorst,lee yu,lm test,heterogeneity")
    HELP = (
        "Maximum likelihood spatial panel models with fixed effects (Elhorst 2014, Spatial "
        "Econometrics, ch. 3): SAR y_t = rho W y_t + X_t b + mu + alpha_t + e_t; SDM adds W X_t theta; "
        "SEM y_t = X_t b + mu + alpha_t + u_t, u_t = lambda W u_t + e_t. The fixed effects are removed "
        "by the within transformation (region, time, two-way, or none with a constant); the "
        "concentrated log-likelihood -N/2 ln(e'e/N) + T ln|I - rho W| is maximised over the interval "
        "of rho of the weights; standard errors from the information matrix (Elhorst 2014, eq. 3.13, "
        "3.17). With region effects and no correction the estimates equal PySAL spreg's "
        "Panel_FE_Lag / Panel_FE_Error (whose log-likelihood is lower by N/2 ln N). Optional Lee and "
        "Yu (2010) bias correction. Effects (LeSage and Pace 2009): direct = tr S_k / n, total = "
        "1'S_k 1 / n, indirect = total - direct, S_k = (I - rho W)^-1 (b_k I + theta_k W), with "
        "inference from draws of the parameters (seeded); the SEM has no spillover through y and no "
        "effects table. Diagnostics: Moran's I of the FE-OLS residuals with its exact moments, LM lag "
        "and LM error and their robust forms (Anselin et al. 1996 in Elhorst's panel form), LR and "
        "Wald tests of the SDM (every regressor lagged) against the SAR (theta = 0) and the SEM "
        "(theta = -rho b).\n\n"
        "Variables: fields <variable>_<year> picked or named (FIELD_PREFIX 'gdp, fiber, open' takes "
        "gdp_2013..., fiber_2013..., open_2013...), or a long table with one column per variable. "
        "DEPENDENT names the dependent variable (empty: the first), REGRESSORS the regressors "
        "(empty: all the others), LOG the variables to log (written ln(name)), DURBIN_REGRESSORS "
        "those whose W x enters the SDM (empty: all). LAG k explains y of year s by the regressors "
        "of year s - k: the first k years of y are dropped (logged, and the tables show the years "
        "used). The panel must be balanced: missing region-years are refused with their names.\n\n"
        "Heterogeneity: with a group field (east / central / west ...) or a split variable (regions "
        "above / at or below the median, or a given threshold, of its region means) the model is "
        "estimated on each group's regions with the weights among them (rows standardised again; a "
        "region whose neighbours are all in other groups becomes an island). A group with fewer "
        "regions than the minimum, too few degrees of freedom, or whose estimation fails (collinear "
        "within it, rho at a bound) is skipped and reported; the others are still computed.\n\n"
        "Failures are never silent: constant or collinear regressors once the fixed effects are "
        "removed are named; rho (lambda) at a bound of its interval or a search that does not converge "
        "stops the run with the last log-likelihood (a group: skipped with that reason). Regions "
        "without neighbours (islands, e.g. Hainan) are kept with spatial lag 0 and reported, or "
        "attached to their nearest region(s) (Spatial weights > Regions without neighbours). With "
        "row-standardised weights an island's row of W sums to 0, so with time effects W y also carries "
        "the period means to every region but the islands, and the SEM's time effects are removed only "
        "approximately (reported): attach islands when that matters. Groups cut links, so a region "
        "attached to a neighbour in another group is an island within its group again.\n\n"
        "Outputs: the published-style table (coefficients with stars *** p < 0.01, ** p < 0.05, "
        "* p < 0.1, SE in parentheses, rho or lambda, sigma^2, N, regions, periods, log-likelihood, "
        "AIC, pseudo R^2, region and time FE rows; one column per sample: all, then the groups), "
        "the long coefficient table, the effects table (group, regressor, direct / indirect / total: "
        "estimate, mean, sd, z, p, CI of the draws), the diagnostics table, the model table (one row "
        "per sample: statistics, skipped groups and why, notes), an HTML report, and optionally "
        "the polygons with sp_res_<year> (residuals e_it, the innovations for the SEM) and "
        "sp_fit_<year> = y - e (fitted values with the fixed effects, on the scale of the dependent "
        "variable as estimated), from the all-regions model (else the region's group model): "
        "map residual clusters with the LISA tool and FIELD_PREFIX 'sp_res'."
    )
    INPUTS = (LayerInput(),
              PanelInput(role=VARIABLES, fields_label="Variables (fields <variable>_<year>)", min_variables=2,
                         complete=False, not_constant=False),
              GroupInput(help_text="Estimate per group (east / central / west / northeast): one column per "
                                   "group beside all regions. Empty: all regions (or the split variable)."),
              WeightsInput())
    OPTIONS = (
        Text(DEPENDENT, "Dependent variable", help="Name of the dependent variable among the variables "
             "read (e.g. gdp_pc). Empty: the first variable."),
        Text(REGRESSORS, "Regressors", help="Comma-separated names (e.g. 'fiber_km, unemployment'). Empty: "
             "every variable read except the dependent one and the split variable."),
        Text(LOG, "Variables to log", help="Variables replaced by their natural log (named ln(name)), e.g. "
             "'gdp_pc, fiber_km'; the dependent variable may be one. Their values must be positive."),
        Choice(MODEL, "Model", MODEL_CHOICES, default=2,
               help="SAR: spatial lag of y; SEM: spatially autocorrelated errors; SDM: spatial lags of y and "
                    "of the regressors (the general model; LeSage and Pace 2009 recommend starting there)."),
        Choice(FIXED_EFFECTS, "Fixed effects", FE_CHOICES, default=2,
               help="Removed by the within transformation (no dummies). 'None' is the pooled model with a "
                    "constant."),
        Flag(LEE_YU, "Lee-Yu bias correction", False,
             help="Lee and Yu (2010) correction of the ML estimates for the incidental fixed effects "
                  "(region effects: sigma^2 T/(T-1); two-way: also rho and b), as Elhorst's code. The "
                  "log-likelihood and AIC stay those of ML."),
        Text(DURBIN_REGRESSORS, "Regressors with a spatial lag (SDM)", help="Comma-separated regressors whose "
             "W x enters the SDM. Empty: all. The LR / Wald test against the SEM always uses an SDM with "
             "every regressor lagged."),
        Number(LAG, "Lag the regressors by (periods)", 0, minimum=0, integer=True,
               help="k > 0 explains y of year s by the regressors of year s - k (lagged drivers, against "
                    "reverse causality; 1 is usual): the first k years of y are dropped, as the log and "
                    "the tables say. 0: same year."),
        Text(SPLIT_VARIABLE, "Split variable (heterogeneity)", help="Instead of a group field: the name of a "
             "variable read (e.g. gdp_pc); regions whose mean over the years is above the threshold form "
             "one group, the others a second."),
        Number(SPLIT_THRESHOLD, "Split threshold (empty: median)", None, optional=True,
               help="Threshold on the region means of the split variable. Empty: their median."),
        Flag(INCLUDE_ALL, "Also estimate on all regions", True, help="A column for all regions beside the "
             "groups (always, without groups)."),
        Number(MIN_REGIONS, "Fewest regions per group", 10, minimum=2, integer=True, advanced=True,
               help="Groups with fewer regions (or fewer than 10 residual degrees of freedom) are skipped "
                    "and reported."),
        Flag(TESTS, "Specification tests", True, help="Moran's I and LM tests on FE-OLS residuals, and LR / "
             "Wald tests of the SDM against the SAR and the SEM (fits the three models of every sample)."),
        Number(EFFECTS_DRAWS, "Draws for the effects' inference", 1000, minimum=2, integer=True, advanced=True,
               help="Parameter vectors drawn from the estimates' asymptotic normal distribution (LeSage "
                    "and Pace 2009, sec. 5.6.2)."),
        Number(SEED, "Random seed", 0, minimum=0, integer=True, advanced=True,
               help="Seed of the effects' draws (and of the Monte-Carlo traces above 2,000 regions): the "
                    "same seed gives the same results."),
        Choice(TABLE_ROWS, "Rows per term in the table", (("coef_se", "Coefficient and SE"),
                                                          ("coef_se_z_p", "Coefficient, SE, z, p")),
               advanced=True, help="What the published-style table shows under each term."),
        Number(DIGITS, "Decimals in the table", 3, minimum=0, maximum=8, integer=True, advanced=True,
               help="Decimals of the published-style table (the other tables keep full precision)."),
    )
    OUTPUTS = (TableOutput(OUTPUT, "Spatial panel table", [("variable", "string")], optional=False),
               TableOutput(COEFFICIENTS, "Spatial panel coefficients", COEFFICIENT_COLUMNS),
               TableOutput(EFFECTS, "Direct, indirect and total effects", EFFECT_COLUMNS),
               TableOutput(DIAGNOSTICS, "Specification tests", DIAGNOSTIC_COLUMNS),
               TableOutput(MODELS, "Spatial panel models", MODEL_COLUMNS),
               ReportOutput(),
               LayerOutput(FITTED, "Spatial panel residuals and fitted values", optional=True))

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        if groups is not None and options.split_variable:
            raise QgsProcessingException(tr("Give either a group field or a split variable, not both."))
        dep, regs = pick(panel.variables, options.dependent, options.regressors, options.split_variable)
        split = lookup(panel.variables, options.split_variable, "split variable") if options.split_variable else None
        run.core(core_panel.require_complete, panel, list(dict.fromkeys([dep, *regs] + ([split] if split else []))))
        ids, periods = [str(v) for v in panel.ids], [str(p) for p in panel.periods]
        logged = [v for v in (lookup(panel.variables, w, "variable to log") for w in parse_stems(options.log))
                  if v in (dep, *regs)]
        arrays, names = run.core(sp.log_variables, [panel.values[v] for v in (dep, *regs)], [dep, *regs], logged,
                                 ids=ids, periods=periods)
        all_label = "all" if groups is None or "all" not in groups.labels else "all regions"
        progress, is_canceled = run.steps.callbacks("compute")
        out = run.core(
            sp.spatial_analysis, options.model, arrays[0], np.stack(arrays[1:], axis=2), data.weights,
            groups=groups, split_by=None if split is None else panel.values[split],
            threshold="median" if options.split_threshold is None else options.split_threshold,
            include_all=options.include_all, all_label=all_label, min_regions=options.min_regions,
            effects_draws=options.effects_draws, tests=options.tests, seed=options.seed,
            fe=options.fixed_effects, names=list(names[1:]), y_name=names[0], ids=ids, periods=periods,
            lag=options.lag, lagged=durbin_names(options, regs, names[1:], run),
            bias_correction=options.lee_yu, group_field=run.string(GROUP_FIELD) or "group",
            progress=progress, is_canceled=is_canceled)
        notes = []
        if split is not None:
            notes.append(tr("Regions split at {how} of the region means of {name}: {thr}; above: {a}, at or "
                            "below: {b} regions.").format(
                how=tr("the median") if options.split_threshold is None else tr("the threshold"), name=split,
                thr=f"{out.threshold:.6g}", a=out.sizes["above"], b=out.sizes["at or below"]))
        if options.model == "sem":
            notes.append(tr("Spatial error model: the direct effects are the coefficients and there is no "
                            "spillover through y, so the effects table is empty."))
        for text in notes:
            run.info(text)
        for label, reason in out.skipped.items():
            run.warn(tr("{group}: not estimated ({reason})").format(group=label, reason=reason))
        where = {}
        for label, texts in out.notes.items():
            for note in texts:
                where.setdefault(note, []).append(label)
        for note, labels in where.items():
            run.info(f"{', '.join(labels)}: {note}")
        lag_stats = [Stat(tr("Regressors lagged (periods)"), {k: options.lag for k in out.fits}, "int")] \
            if options.lag else []
        table = run.core(sp.spatial_table, out.fits, rows=ROWS[options.table_rows], digits=options.digits,
                         kind_column="statistic", repeat_terms=True, extra_stats=lag_stats)
        summary = model_rows(out, options.lag)
        result = Result(tables={
            OUTPUT: [list(r) for r in table.rows],
            OUTPUT + ":columns": [(c, "string") for c in table.columns],
            COEFFICIENTS: [list(r) for r in sp.tidy_coefficients(out.fits)],
            EFFECTS: [[*r, options.effects_draws, options.seed] for r in sp.tidy_effects(out.effects)],
            DIAGNOSTICS: [list(r) for r in sp.tidy_diagnostics(out.diagnostics, out.comparisons)],
            MODELS: summary})
        if report_wanted(run):
            result.report = report_sections(out, table, summary, notes, options)
        if run.is_set(FITTED):
            res, fitted = out.residual_panel(), out.fitted_panel()
            res_fields = [NewField(period_field(RESIDUAL_PREFIX, p), "double", res[:, k])
                          for k, p in enumerate(out.periods)]
            fit_fields = [NewField(period_field(FITTED_PREFIX, p), "double", fitted[:, k])
                          for k, p in enumerate(out.periods)]
            result.fields = res_fields + fit_fields
            result.styles = [graduated_style(fit_fields, prefix="Fitted"),
                             graduated_style(res_fields, ramp="RdBu", prefix="Residuals")]
        return result


def lookup(variables, name, what):
    """The variable ``name`` (case-insensitive) among those read."""
    by_lower = {str(v).lower(): v for v in variables}
    if name in variables:
        return name
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    raise QgsProcessingException(tr("The {what} '{name}' is not among the variables read: {names}.").format(
        what=tr(what), name=name, names=core_panel.format_list(variables, 30)))


def pick(variables, dependent, regressors, split=""):
    """The dependent variable and the regressors (default: every other
    variable but the split variable)."""
    dep = lookup(variables, dependent, "dependent variable") if dependent else variables[0]
    skip = {dep, lookup(variables, split, "split variable")} if split else {dep}
    regs = [lookup(variables, v, "regressor") for v in parse_stems(regressors)] or [
        v for v in variables if v not in skip]
    if dep in regs:
        raise QgsProcessingException(tr("The dependent variable '{name}' cannot also be a regressor.").format(
            name=dep))
    if len(set(regs)) != len(regs):
        raise QgsProcessingException(tr("A regressor is named twice: {names}.").format(names=", ".join(regs)))
    if not regs:
        raise QgsProcessingException(tr("Give at least one regressor besides the dependent variable."))
    return dep, regs


def durbin_names(options, regs, x_names, run):
    """The regressors (as named in the model, ln(x) when logged) whose W x enters the SDM; None = all."""
    wanted = parse_stems(options.durbin_regressors)
    if not wanted:
        return None
    if options.model != "sdm":
        run.warn(tr("Regressors with a spatial lag are for the SDM; ignored for the {model}.").format(
            model=options.model.upper()))
        return None
    final = {**{r.lower(): n for r, n in zip(regs, x_names)}, **{n.lower(): n for n in x_names}}
    missing = [w for w in wanted if w.lower() not in final]
    if missing:
        raise QgsProcessingException(tr("Regressors with a spatial lag must be regressors; not: {names} "
                                        "(regressors: {regs}).").format(names=", ".join(missing),
                                                                        regs=", ".join(regs)))
    return list(dict.fromkeys(final[w.lower()] for w in wanted))


def model_rows(out, lag):
    rows = []
    for label, r in out.fits.items():
        rows.append([label, "estimated", "", r.model, r.fe, r.spatial_name, r.rho, r.rho_se, r.rho_p, r.sigma2,
                     r.loglik, r.aic, r.bic, r.pseudo_r2, r.n_obs, r.n_regions, r.n_periods, lag,
                     int(r.bias_correction), int(r.converged), f"{r.periods[0]}-{r.periods[-1]}", r.logdet_method,
                     " ".join(out.notes[label])])
    for label, reason in out.skipped.items():
        rows.append([label, "skipped", reason] + [None] * (len(MODEL_COLUMNS) - 3))
        rows[-1][[c for c, _ in MODEL_COLUMNS].index("n_regions")] = out.sizes.get(label)
    return rows


def report_sections(out, table, summary, notes, options):
    first = next(iter(out.fits.values()))
    effects, diagnostics, comparisons = out.effects, out.diagnostics, out.comparisons
    spec = tr("{model} of {dep} on {regs} with {fe}{lag}{bc}; weights prepared once ({method} "
              "log-determinant).").format(
        model=dict(MODEL_CHOICES)[first.model], dep=first.y_name, regs=", ".join(first.x_names),
        fe=dict(FE_CHOICES)[first.fe].lower(), method=first.logdet_method,
        lag=tr("; regressors lagged by {k} period(s), years used {a}-{b}").format(
            k=options.lag, a=first.periods[0], b=first.periods[-1]) if options.lag else "",
        bc=tr("; Lee-Yu bias correction") if options.lee_yu else "")
    sections = [section(tr("Spatial panel regression"), text_block(spec), *[text_block(n) for n in notes]),
                section(tr("Estimates"), table_block(table.columns, table.display_rows(), caption=tr(
                    "*** p < 0.01, ** p < 0.05, * p < 0.1; standard errors in parentheses")))]
    if effects:
        rows = sp.effects_rows(effects, digits=options.digits)
        sections.append(section(tr("Direct, indirect and total effects"), table_block(rows[0], rows[1:], caption=tr(
            "Mean of {d} draws (seed {s}), simulated standard deviation in parentheses").format(
            d=options.effects_draws, s=options.seed))))
    elif first.model == "sem":
        sections.append(section(tr("Effects"), text_block(tr(
            "In the spatial error model the direct effects are the coefficients and there is no spillover "
            "through y: no effects table."))))
    if diagnostics or comparisons:
        diag = sp.tidy_diagnostics(diagnostics, comparisons)
        sections.append(section(tr("Specification tests"), table_block(
            [tr("sample"), tr("test"), tr("null hypothesis"), tr("statistic"), "df", "z", "p"], diag)))
    keys = [[c for c, _ in MODEL_COLUMNS].index(k) for k in
            ("group", "status", "reason", "n_obs", "n_regions", "n_periods", "periods", "notes")]
    samples = [[r[k] for k in keys] for r in summary]
    sections.append(section(tr("Samples"), table_block(
        [tr("sample"), tr("status"), tr("reason"), "N", tr("regions"), tr("periods"), tr("years"), tr("notes")],
        samples)))
    return sections
