"""Processing algorithm: mediation (mechanism) analysis on a balanced panel
with fixed effects: stepwise regressions, indirect effects a*b with a seeded
region bootstrap and the Sobel test, on all regions and per group."""
import numpy as np
from qgis.core import QgsProcessingException

from ...core import panel as core_panel
from ...core import spatial_panel as sp
from ..base import Result, Tool
from ..inputs.groups import GROUP_FIELD, GroupInput
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Flag, Number, Text
from ..inputs.panel import VARIABLES, PanelInput
from ..outputs.naming import parse_stems
from ..outputs.report import ReportOutput, report_wanted, section, table_block, text_block
from ..outputs.table import TableOutput
from ..support import tr
from .spatial_panel import FE_CHOICES, lookup

OUTPUT, EFFECTS, MODELS = "OUTPUT", "EFFECTS", "MODELS"
DEPENDENT, DRIVER, MEDIATORS, CONTROLS, LOG = "DEPENDENT", "DRIVER", "MEDIATORS", "CONTROLS", "LOG"
FIXED_EFFECTS, VCOV, DRAWS, SEED, CI = "FIXED_EFFECTS", "VCOV", "DRAWS", "SEED", "CI"
INCLUDE_ALL, MIN_REGIONS, TABLE_ROWS, DIGITS = "INCLUDE_ALL", "MIN_REGIONS", "TABLE_ROWS", "DIGITS"
SPLIT_VARIABLE, SPLIT_THRESHOLD = "SPLIT_VARIABLE", "SPLIT_THRESHOLD"
ROWS = {"coef_se": ("coef", "se"), "coef_se_z_p": ("coef", "se", "z", "p")}

EFFECT_COLUMNS = [("group", "string"), ("path", "string"), ("mediator", "string")] + [
    (k, "double") for k in ("estimate", "se", "z", "p", "ci_low", "ci_high")] + [("stars", "string")]
MODEL_COLUMNS = [("group", "string"), ("status", "string"), ("reason", "string")] + [
    (k, "int") for k in ("n_obs", "n_regions", "n_periods", "draws", "draws_used", "seed")] + [
    ("ci", "double"), ("vcov", "string"), ("fe", "string"), ("total", "double"), ("direct", "double"),
    ("indirect_total", "double"), ("proportion_mediated", "double"), ("notes", "string")]


class MediationAlgorithm(Tool):
    ALGORITHM_ID = "mediation"
    DISPLAY_NAME = "Mediation (mechanism) analysis"
    GROUP = "Regression"
    GROUP_ID = "regression"
    TAGS = "mediation,mechanism,indirect effect,sobel,bootstrap,baron kenny,stepwise regression,fixed effects"
    HELP = (
        "Stepwise mediation (Baron and Kenny 1986) on a balanced panel with fixed effects, every "
        "regression within OLS (the fixed effects removed by the within transformation, as the "
        "spatial panel tool): total y = c x + C g + e; mediator m_j = a_j x + C d_j + u_j (one per "
        "mediator); outcome y = c' x + sum_j b_j m_j + C h + v. Indirect effect of mediator j: a_j b_j "
        "(product of coefficients, MacKinnon et al. 2002); with OLS on one sample c = c' + sum_j a_j "
        "b_j exactly. Sobel (1982) z = a b / sqrt(b^2 se(a)^2 + a^2 se(b)^2) with the regressions' "
        "standard errors (clustered by region by default, Stata's xtreg, fe vce(cluster) factors). "
        "Bootstrap: regions drawn with replacement (all their years together; seeded), percentile "
        "intervals of every a_j b_j and of their sum, the bootstrap SE their standard deviation "
        "(Preacher and Hayes 2008); draws with collinear regressors are dropped and counted.\n\n"
        "Variables: fields <variable>_<year> picked or named, or a long table with one column per "
        "variable. DEPENDENT (empty: the first variable), DRIVER (empty: the second), MEDIATORS "
        "(comma-separated; empty: every other variable but the controls and the split variable), "
        "CONTROLS, LOG (variables replaced by ln(name)). Missing region-years are refused with their "
        "names; constant or collinear variables once the fixed effects are removed are named.\n\n"
        "Groups: with a group field, or a split variable (regions above / at or below the median, or "
        "a given threshold, of its region means), the analysis is repeated on each group's regions; "
        "a group with "
        "fewer regions than the minimum, or whose regressions cannot be estimated, is skipped and "
        "reported, the others still computed.\n\n"
        "Outputs: the published-style table of the stepwise regressions (columns <sample>: total, "
        "<sample>: <mediator>, <sample>: outcome; coefficients with stars *** p < 0.01, ** p < 0.05, "
        "* p < 0.1 and SE in parentheses; N, within R^2, fixed-effects rows), the effects table "
        "(group, path c / c' / a / b / a*b / total indirect / proportion mediated, mediator, "
        "estimate, SE, z (t for the regression paths, Sobel z for a*b), p, bootstrap CI, stars), the "
        "sample table (sizes, draws used, notes) and an HTML report."
    )
    INPUTS = (LayerInput(),
              PanelInput(role=VARIABLES, fields_label="Variables (fields <variable>_<year>)", min_variables=3,
                         complete=False, not_constant=False),
              GroupInput(help_text="Repeat the analysis per group (east / central / west / northeast). "
                                   "Empty: all regions only."))
    OPTIONS = (
        Text(DEPENDENT, "Outcome (dependent variable)", help="Name of the outcome among the variables read "
             "(e.g. gdp_pc). Empty: the first variable."),
        Text(DRIVER, "Driver", help="The explanatory variable whose effect is decomposed (e.g. fiber_km). "
             "Empty: the second variable."),
        Text(MEDIATORS, "Mediators", help="One or more, comma-separated (e.g. 'patents_5g, data_centres'). "
             "Empty: every variable read other than the outcome, the driver and the controls."),
        Text(CONTROLS, "Controls", help="Comma-separated control variables, in every regression. Empty: none."),
        Text(LOG, "Variables to log", help="Variables replaced by their natural log (named ln(name)), e.g. "
             "'gdp_pc, fiber_km'. Their values must be positive."),
        Choice(FIXED_EFFECTS, "Fixed effects", FE_CHOICES, default=2,
               help="Removed by the within transformation in every regression and every bootstrap draw."),
        Choice(VCOV, "Standard errors", (("cluster", "Clustered by region"), ("classical", "Classical")),
               help="Of the regressions, and so of the Sobel tests; the bootstrap does not depend on it."),
        Number(DRAWS, "Bootstrap draws", 1000, minimum=0, integer=True,
               help="Resamples of the regions (0: no bootstrap, Sobel test only)."),
        Number(SEED, "Random seed", 0, minimum=0, integer=True, advanced=True,
               help="Seed of the bootstrap: the same seed gives the same intervals."),
        Number(CI, "Confidence level of the bootstrap intervals", 0.95, minimum=0.5, maximum=0.999,
               advanced=True, help="Percentile intervals at this level (0.95: the 2.5 % and 97.5 % points)."),
        Flag(INCLUDE_ALL, "Also analyse all regions", True, help="A sample of all regions beside the groups "
             "(always, without a group field)."),
        Number(MIN_REGIONS, "Fewest regions per group", 10, minimum=2, integer=True, advanced=True,
               help="Groups with fewer regions are skipped and reported."),
        Choice(TABLE_ROWS, "Rows per term in the table", (("coef_se", "Coefficient and SE"),
                                                          ("coef_se_z_p", "Coefficient, SE, t, p")),
               advanced=True, help="What the published-style table shows under each term."),
        Number(DIGITS, "Decimals in the table", 3, minimum=0, maximum=8, integer=True, advanced=True,
               help="Decimals of the published-style table (the other tables keep full precision)."),
        Text(SPLIT_VARIABLE, "Split variable (heterogeneity)", help="Instead of a group field: the name of a "
             "variable read; regions whose mean over the years is above the threshold form one group, the "
             "others a second."),
        Number(SPLIT_THRESHOLD, "Split threshold (empty: median)", None, optional=True,
               help="Threshold on the region means of the split variable. Empty: their median."),
    )
    OUTPUTS = (TableOutput(OUTPUT, "Mediation regressions", [("variable", "string")], optional=False),
               TableOutput(EFFECTS, "Mediation effects", EFFECT_COLUMNS),
               TableOutput(MODELS, "Mediation samples", MODEL_COLUMNS),
               ReportOutput())

    def compute(self, data, options, run):
        panel, groups = data.panel, data.groups
        if groups is not None and options.split_variable:
            raise QgsProcessingException(tr("Give either a group field or a split variable, not both."))
        dep, driver, mediators, controls = roles(panel.variables, options)
        used = [dep, driver, *mediators, *controls]
        split = lookup(panel.variables, options.split_variable, "split variable") if options.split_variable else None
        run.core(core_panel.require_complete, panel, list(dict.fromkeys(used + ([split] if split else []))))
        ids, periods = [str(v) for v in panel.ids], [str(p) for p in panel.periods]
        logged = [v for v in (lookup(panel.variables, w, "variable to log") for w in parse_stems(options.log))
                  if v in used]
        arrays, names = run.core(sp.log_variables, [panel.values[v] for v in used], used, logged, ids=ids,
                                 periods=periods)
        k, j = 2, 2 + len(mediators)
        y, D, M = arrays[0], arrays[1], np.stack(arrays[k:j], axis=2)
        C = np.stack(arrays[j:], axis=2) if controls else None
        kw = dict(fe=options.fixed_effects, y_name=names[0], driver_name=names[1], mediator_names=names[k:j],
                  control_names=names[j:] or None, periods=periods, vcov=options.vcov, draws=options.draws,
                  seed=options.seed, ci=options.ci)
        all_label = "all" if groups is None or "all" not in groups.labels else "all regions"
        progress, is_canceled = run.steps.callbacks("compute")
        out = run.core(sp.mediation_by_group, y, D, M, C, groups=groups,
                       split_by=None if split is None else panel.values[split],
                       threshold="median" if options.split_threshold is None else options.split_threshold,
                       include_all=options.include_all,
                       all_label=all_label, min_regions=options.min_regions, ids=ids,
                       group_field=run.string(GROUP_FIELD) or "group", progress=progress, is_canceled=is_canceled,
                       **kw)
        results, skipped = out.results, out.skipped
        if split is not None:
            run.info(tr("Regions split at {how} of the region means of {name}: {thr}; above: {a}, at or below: {b} "
                        "regions.").format(how=tr("the median") if options.split_threshold is None else
                                           tr("the threshold"), name=split, thr=f"{out.threshold:.6g}",
                                           a=out.sizes.get("above", 0), b=out.sizes.get("at or below", 0)))
        for label, reason in skipped.items():
            run.warn(tr("{group}: not analysed ({reason})").format(group=label, reason=reason))
        for label, r in results.items():
            for note in r.notes:
                run.info(f"{label}: {note}")
            for m, ab, lo, hi, z in zip(r.mediators, r.indirect, r.boot_ci_low, r.boot_ci_high, r.sobel_z):
                run.info(tr("{group}: indirect effect of {x} via {m}: {ab} (bootstrap CI [{lo}, {hi}], Sobel z "
                            "{z})").format(group=label, x=r.driver, m=m, ab=f"{ab:.4g}", lo=f"{lo:.4g}",
                                           hi=f"{hi:.4g}", z=f"{z:.3f}"))
        table = run.core(sp.mediation_table, results, rows=ROWS[options.table_rows], digits=options.digits,
                         kind_column="statistic", repeat_terms=True)
        summary = sample_rows(results, skipped, out.sizes)
        result = Result(tables={
            OUTPUT: [list(r) for r in table.rows], OUTPUT + ":columns": [(c, "string") for c in table.columns],
            EFFECTS: [list(r) for r in sp.tidy_mediation(results)], MODELS: summary})
        if report_wanted(run):
            result.report = report_sections(results, table, summary, options)
        return result


def roles(variables, options):
    """Outcome, driver, mediators and controls named (case-insensitive) among the variables read."""
    if len(variables) < 3:
        raise QgsProcessingException(tr("Mediation needs an outcome, a driver and a mediator; {k} variable(s) "
                                        "read.").format(k=len(variables)))
    dep = lookup(variables, options.dependent, "outcome") if options.dependent else variables[0]
    driver = lookup(variables, options.driver, "driver") if options.driver else [
        v for v in variables if v != dep][0]
    controls = [lookup(variables, v, "control") for v in parse_stems(options.controls)]
    split = lookup(variables, options.split_variable, "split variable") if options.split_variable else None
    mediators = [lookup(variables, v, "mediator") for v in parse_stems(options.mediators)] or [
        v for v in variables if v not in {dep, driver, split, *controls}]
    used = [dep, driver, *mediators, *controls]
    twice = sorted({v for v in used if used.count(v) > 1})
    if twice:
        raise QgsProcessingException(tr("Each variable can have one role only (outcome, driver, mediator or "
                                        "control); named twice: {names}.").format(names=", ".join(twice)))
    if not mediators:
        raise QgsProcessingException(tr("Name at least one mediator."))
    return dep, driver, mediators, controls


def sample_rows(results, skipped, sizes):
    rows = []
    for label, r in results.items():
        rows.append([label, "estimated", "", r.n_obs, r.n_regions, r.n_periods, r.draws, r.draws_used, r.seed, r.ci,
                     r.vcov_type, r.fe, r.total, r.direct, r.indirect_total, r.proportion_mediated,
                     " ".join(r.notes)])
    for label, reason in skipped.items():
        rows.append([label, "skipped", reason, None, sizes[label]] + [None] * (len(MODEL_COLUMNS) - 5))
    return rows


def report_sections(results, table, summary, options):
    first = next(iter(results.values()))
    spec = tr("Effect of {x} on {y} through {m}{c}, with {fe}; standard errors {vcov}; {d} bootstrap draws of "
              "the regions (seed {s}), {ci} percentile intervals.").format(
        x=first.driver, y=first.y_name, m=", ".join(first.mediators),
        c=tr(", controlling for {c}").format(c=", ".join(first.controls)) if first.controls else "",
        fe=dict(FE_CHOICES)[first.fe].lower(), vcov=tr("clustered by region") if first.vcov_type == "cluster"
        else tr("classical"), d=options.draws, s=options.seed, ci=f"{100 * options.ci:g}%")
    sections = [section(tr("Mediation analysis"), text_block(spec)),
                section(tr("Stepwise regressions"), table_block(table.columns, table.display_rows(), caption=tr(
                    "*** p < 0.01, ** p < 0.05, * p < 0.1; standard errors in parentheses")))]
    for label, r in results.items():
        rows = sp.mediation_rows(r, digits=options.digits)
        sections.append(section(tr("Paths and indirect effects: {group}").format(group=label),
                                table_block(rows[0], rows[1:]), *[text_block(n) for n in r.notes]))
    keys = [[c for c, _ in MODEL_COLUMNS].index(k) for k in
            ("group", "status", "reason", "n_obs", "n_regions", "draws_used", "proportion_mediated")]
    sections.append(section(tr("Samples"), table_block(
        [tr("sample"), tr("status"), tr("reason"), "N", tr("regions"), tr("draws used"), tr("proportion mediated")],
        [[r[k] for k in keys] for r in summary])))
    return sections
