"""Publication-style table rows (plain lists of text, no pandas).

* :func:`coefficient_rows`: one column per model; every coefficient takes
  two rows, the estimate with significance stars (``***`` p < 0.01, ``**``
  p < 0.05, ``*`` p < 0.1) and the standard error in brackets below; then
  rho / lambda, sigma^2, N, log-likelihood, (pseudo) R^2 and "Region FE" /
  "Time FE" rows (Yes/No), as in the tables of Elhorst (2014, ch. 3).
* :func:`effects_rows`: direct, indirect and total effects (mean of the
  simulated effects by default, LeSage and Pace 2009, table 5.x style) with
  the simulated standard deviation in brackets.
* :func:`mediation_rows`: paths a, b, c, c' and the indirect effects with
  their bootstrap interval and Sobel test.
* :func:`diagnostics_rows`: Moran's I, LM and LR/Wald tests.

The same results in the shape of the plugin's other regressions (the generic
:mod:`regional_resilience.core.tables`, as the panel Tobit): :func:`spatial_table`
(one column per sample, rho / lambda as a term, statistics rows),
:func:`mediation_table` (the stepwise regressions side by side), and the long
forms written as attribute tables: :func:`tidy_coefficients`,
:func:`tidy_effects`, :func:`tidy_diagnostics`, :func:`tidy_mediation`.

The first row is the header. ``rows`` can be written to a CSV or a
table without geometry as they are.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import coefficient_rows, fit_sar, simulate_panel
>>> sim = simulate_panel(n=60, t=6, model="sar", rho=0.4, beta=[1.0, -0.5], seed=5)
>>> rows = coefficient_rows({"SAR": fit_sar(sim.y, sim.X, sim.W)})
>>> rows[0], rows[1][1].endswith("***"), rows[2][1].startswith("(")
(['', 'SAR'], True, True)
>>> [r[0] for r in rows[5:]]
['rho', '', 'sigma^2', 'N', 'Log-likelihood', 'Pseudo R^2', 'Region FE', 'Time FE']
>>> rows[-2:]
[['Region FE', 'Yes'], ['Time FE', 'Yes']]
"""
import math
from types import SimpleNamespace

import numpy as np

from ..errors import InputDataError, check_choice
from ..tables import Stat, regression_table
from ..tables import coefficient_rows as _long_rows
from ._base import stars

__all__ = ["stars", "coefficient_rows", "effects_rows", "mediation_rows", "diagnostics_rows", "spatial_table",
           "mediation_table", "tidy_coefficients", "tidy_effects", "tidy_diagnostics", "tidy_mediation"]


def _as_mapping(results, default_label):
    if hasattr(results, "results") and hasattr(results, "skipped"):  # GroupedResult
        return dict(results.results)
    if isinstance(results, dict):
        return dict(results)
    if isinstance(results, (list, tuple)):
        return {f"({i + 1})": r for i, r in enumerate(results)}
    return {default_label(results): results}


def _fmt(v, digits):
    if v is None or not np.isfinite(v):
        return ""
    return f"{v:.{int(digits)}f}"


def _check_brackets(brackets):
    if len(brackets) != 2:
        raise InputDataError(f"brackets must be two characters such as '()' or '[]'; got {brackets!r}.")


def _label(r):
    return getattr(r, "model", "model").upper()


def coefficient_rows(results, *, digits=3, brackets="()", stats_rows=True, fe_rows=True):
    """Coefficient table rows of one or several fits.

    Parameters
    ----------
    results : SpatialPanelResult, WithinOLSResult, dict, list or GroupedResult
        One column per fit (dict keys, ``(1), (2), ...`` or the model name).
    digits : int, default 3
    brackets : str, default "()"
    stats_rows : bool, default True
        Add rho/lambda, sigma^2, N, log-likelihood and R^2 rows.
    fe_rows : bool, default True
        Add "Region FE" and "Time FE" rows.

    Returns
    -------
    list of list of str

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import fe_ols
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(30, 4)); y = 0.5 * x + rng.normal(size=(30, 4))
    >>> coefficient_rows(fe_ols(y, x, fe="region"), stats_rows=False)[:3]
    [['', 'OLS'], ['x1', '0.435***'], ['', '(0.127)']]
    """
    _check_brackets(brackets)
    res = _as_mapping(results, _label)
    if not res:
        raise InputDataError("There is no estimated model to tabulate.")
    labels = [str(k) for k in res]
    rows = [[""] + labels]
    terms = []
    for r in res.values():
        for name in r.names:
            if name not in terms:
                terms.append(name)

    def pair(coef, se, p):
        return [_fmt(coef, digits) + (stars(p)[0] if np.isfinite(coef) else ""),
                brackets[0] + (_fmt(se, digits) or ".") + brackets[1]]

    for name in terms:
        a, b = [name], [""]
        for r in res.values():
            if name in r.names:
                j = r.names.index(name)
                x, y = pair(r.coef[j], r.se[j], r.p[j])
            else:
                x, y = "", ""
            a.append(x)
            b.append(y)
        rows += [a, b]
    if stats_rows:
        for sname in ("rho", "lambda"):
            if any(getattr(r, "spatial_name", None) == sname for r in res.values()):
                a, b = [sname], [""]
                for r in res.values():
                    if getattr(r, "spatial_name", None) == sname:
                        if r.rho_fixed:
                            x, y = _fmt(r.rho, digits) + " (fixed)", ""
                        else:
                            x, y = pair(r.rho, r.rho_se, r.rho_p)
                    else:
                        x, y = "", ""
                    a.append(x)
                    b.append(y)
                rows += [a, b]
        rows.append(["sigma^2"] + [_fmt(r.sigma2, digits) for r in res.values()])
        rows.append(["N"] + [str(r.n_obs) for r in res.values()])
        rows.append(["Log-likelihood"] + [_fmt(r.loglik, digits) for r in res.values()])
        if any(hasattr(r, "pseudo_r2") for r in res.values()):
            rows.append(["Pseudo R^2"] + [_fmt(getattr(r, "pseudo_r2", math.nan), digits) for r in res.values()])
        if any(hasattr(r, "r2_within") for r in res.values()):
            rows.append(["Within R^2"] + [_fmt(getattr(r, "r2_within", math.nan), digits) for r in res.values()])
    if fe_rows:
        rows.append(["Region FE"] + ["Yes" if r.fe in ("region", "twoway") else "No" for r in res.values()])
        rows.append(["Time FE"] + ["Yes" if r.fe in ("time", "twoway") else "No" for r in res.values()])
    return rows


def effects_rows(effects, *, digits=3, brackets="()", point="mean"):
    """Direct / indirect / total effects rows.

    Parameters
    ----------
    effects : EffectsResult or dict label -> EffectsResult
    digits : int, default 3
    brackets : str, default "()"
    point : {"mean", "estimate"}, default "mean"
        Show the mean of the simulated effects or the effects at the ML
        estimates; the bracket holds the simulated standard deviation and
        the stars come from the simulated p-value either way.

    Returns
    -------
    list of list of str
        Header ``["", "Direct", "Indirect", "Total"]`` (prefixed with the
        label when several results are given), two rows per regressor.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import effects, fit_sar, simulate_panel
    >>> sim = simulate_panel(n=60, t=6, model="sar", rho=0.4, beta=[1.0], seed=6)
    >>> rows = effects_rows(effects(fit_sar(sim.y, sim.X, sim.W), draws=100))
    >>> rows[0], len(rows)
    (['', 'Direct', 'Indirect', 'Total'], 3)
    """
    _check_brackets(brackets)
    point = check_choice(point, ("mean", "estimate"), "point")
    res = effects if isinstance(effects, dict) else {"": effects}
    header = [""]
    for lab in res:
        for kind in ("Direct", "Indirect", "Total"):
            header.append(f"{lab}: {kind}" if lab else kind)
    names = []
    for e in res.values():
        for nm in e.names:
            if nm not in names:
                names.append(nm)
    rows = [header]
    for nm in names:
        a, b = [nm], [""]
        for e in res.values():
            if nm in e.names:
                j = e.names.index(nm)
                vals = e.mean[j] if point == "mean" else e.estimate[j]
                for c in range(3):
                    a.append(_fmt(vals[c], digits) + stars(e.p[j, c])[0])
                    b.append(brackets[0] + _fmt(e.sd[j, c], digits) + brackets[1])
            else:
                a += ["", "", ""]
                b += ["", "", ""]
        rows += [a, b]
    return rows


def mediation_rows(med, *, digits=3):
    """Rows ``[path, estimate, SE, p, 95% CI / Sobel z]`` of a
    :class:`~.mediation.MediationResult`.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import mediation
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(40, 5)); m = x + rng.normal(size=(40, 5)); y = m + rng.normal(size=(40, 5))
    >>> [r[0] for r in mediation_rows(mediation(y, x, m, draws=50))]
    ['Path', 'c (total effect of x)', "c' (direct effect of x)", 'a (x -> m1)', 'b (m1 -> y)', 'a*b (indirect via m1)']
    """
    lvl = f"{100 * med.ci:g}%"
    rows = [["Path", "Estimate", "SE", "p", f"Bootstrap {lvl} CI / Sobel z"]]
    f = lambda v: _fmt(v, digits)  # noqa: E731
    rows.append([f"c (total effect of {med.driver})", f(med.total) + stars(med.total_p)[0], f(med.total_se), f(med.total_p), ""])
    rows.append([f"c' (direct effect of {med.driver})", f(med.direct) + stars(med.direct_p)[0], f(med.direct_se), f(med.direct_p), ""])
    for j, m in enumerate(med.mediators):
        rows.append([f"a ({med.driver} -> {m})", f(med.a[j]) + stars(med.a_p[j])[0], f(med.a_se[j]), f(med.a_p[j]), ""])
        rows.append([f"b ({m} -> {med.y_name})", f(med.b[j]) + stars(med.b_p[j])[0], f(med.b_se[j]), f(med.b_p[j]), ""])
    for j, m in enumerate(med.mediators):
        ci = f"[{f(med.boot_ci_low[j])}, {f(med.boot_ci_high[j])}]; z = {f(med.sobel_z[j])}"
        rows.append([f"a*b (indirect via {m})", f(med.indirect[j]) + stars(med.sobel_p[j])[0], f(med.boot_se[j]),
                     f(med.sobel_p[j]), ci])
    if len(med.mediators) > 1:
        ci = f"[{f(med.indirect_total_ci_low)}, {f(med.indirect_total_ci_high)}]"
        rows.append(["Total indirect", f(med.indirect_total), f(med.indirect_total_se), "", ci])
    return rows


def diagnostics_rows(diagnostics=None, comparison=None, *, digits=3):
    """Rows ``[test, statistic, df, p]`` of a
    :class:`~.diagnostics.DiagnosticsResult` and / or a
    :class:`~.diagnostics.ComparisonResult` (tests not computed are left out).

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import knn_weights, spatial_diagnostics
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 5, 1))
    >>> d = spatial_diagnostics(X[:, :, 0] + rng.normal(size=(40, 5)), X, knn_weights(rng.uniform(size=(40, 2)), 4))
    >>> [r[0] for r in diagnostics_rows(d)][:3]
    ['Test', "Moran's I (residuals)", 'LM lag']
    """
    rows = [["Test", "Statistic", "df", "p"]]
    if diagnostics is not None:
        for name, stat, df, p in diagnostics.table():
            rows.append([name, _fmt(stat, digits), "" if df is None else str(df), _fmt(p, digits)])
    if comparison is not None:
        for kind, null, stat, df, p in comparison.table():
            if np.isfinite(stat):
                rows.append([f"{kind}: {null}", _fmt(stat, digits), str(df), _fmt(p, digits)])
    return rows


# ---------------------------------------------------------------------------
# the plugin's published-style tables (core.tables) and long forms


def _table_model(r):
    """A fit as a model of :mod:`regional_resilience.core.tables`: its
    coefficients, then rho / lambda when estimated."""
    if getattr(r, "spatial_name", None) and not r.rho_fixed:
        return SimpleNamespace(
            names=tuple(r.names) + (r.spatial_name,), coef=np.r_[r.coef, r.rho], se=np.r_[r.se, r.rho_se],
            z=np.r_[r.z, r.rho_z], p=np.r_[r.p, r.rho_p], fit=r)
    z = getattr(r, "z", None)
    return SimpleNamespace(names=tuple(r.names), coef=np.asarray(r.coef), se=np.asarray(r.se),
                           z=np.asarray(r.t if z is None else z), p=np.asarray(r.p), fit=r)


def _period_span(r):
    per = tuple(getattr(r, "periods", ()) or ())
    if not per:
        return ""
    return per[0] if len(per) == 1 else f"{per[0]}-{per[-1]}"


def _yes(flag):
    return "Yes" if flag else "No"


def spatial_table(results, *, rows=("coef", "se"), digits=3, brackets="()", kind_column=None,
                  repeat_terms=False, stats_rows=True, extra_stats=()):
    """Published-style table of spatial panel (or within OLS) fits, one column
    per sample, drawn by :func:`regional_resilience.core.tables.regression_table`.

    Terms: the regressors, ``W*x`` of the SDM, then ``rho`` (SAR, SDM) or
    ``lambda`` (SEM) with its standard error and stars. Statistics rows:
    sigma^2, N, regions, periods used, log-likelihood, AIC, pseudo R^2
    (within R^2 for OLS), region FE, time FE (Yes/No) and, when any fit has
    it, the Lee-Yu correction; then ``extra_stats``
    (:class:`~regional_resilience.core.tables.Stat`).

    Parameters
    ----------
    results : dict label -> fit, GroupedResult, or one fit
    rows, digits, brackets, kind_column, repeat_terms
        As :func:`regional_resilience.core.tables.regression_table`.
    stats_rows : bool, default True
    extra_stats : sequence of Stat

    Returns
    -------
    RegressionTable

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import fit_sar, fit_sem, simulate_panel
    >>> sim = simulate_panel(n=60, t=6, model="sar", rho=0.4, beta=[1.0], seed=5)
    >>> t = spatial_table({"SAR": fit_sar(sim.y, sim.X, sim.W), "SEM": fit_sem(sim.y, sim.X, sim.W)})
    >>> t.columns, t.terms[:6]
    (('variable', 'SAR', 'SEM'), ('x1', 'x1', 'rho', 'rho', 'lambda', 'lambda'))
    >>> [r for r in t.rows if r[0] in ("N", "Region FE")]
    [('N', '360', '360'), ('Region FE', 'Yes', 'Yes')]
    """
    res = _as_mapping(results, _label)
    if not res:
        raise InputDataError("There is no estimated model to tabulate.")
    models = {k: _table_model(r) for k, r in res.items()}
    fits = list(res.values())
    stats = []
    if stats_rows:
        stats = [
            Stat("sigma^2", lambda m: m.fit.sigma2),
            Stat("N", lambda m: m.fit.n_obs, "int"),
            Stat("Regions", lambda m: m.fit.n_regions, "int"),
            Stat("Periods", lambda m: _period_span(m.fit), "text"),
            Stat("Log-likelihood", lambda m: m.fit.loglik),
        ]
        if any(hasattr(r, "aic") for r in fits):
            stats.append(Stat("AIC", lambda m: getattr(m.fit, "aic", None)))
        if any(hasattr(r, "pseudo_r2") for r in fits):
            stats.append(Stat("Pseudo R^2", lambda m: getattr(m.fit, "pseudo_r2", None)))
        if any(hasattr(r, "r2_within") for r in fits):
            stats.append(Stat("Within R^2", lambda m: getattr(m.fit, "r2_within", None)))
        stats += [
            Stat("Region FE", lambda m: _yes(m.fit.fe in ("region", "twoway")), "text"),
            Stat("Time FE", lambda m: _yes(m.fit.fe in ("time", "twoway")), "text"),
        ]
        if any(getattr(r, "bias_correction", False) for r in fits):
            stats.append(Stat("Lee-Yu correction", lambda m: _yes(getattr(m.fit, "bias_correction", False)), "text"))
    return regression_table(models, rows=rows, digits=digits, brackets=brackets, stats=list(stats) + list(extra_stats),
                            kind_column=kind_column, repeat_terms=repeat_terms)


def tidy_coefficients(results):
    """Long rows ``(sample, model, term, coef, se, z, p, stars)``: every
    coefficient of every fit, rho / lambda included.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import fit_sem, simulate_panel
    >>> sim = simulate_panel(n=40, t=5, model="sem", rho=0.3, beta=[1.0], seed=2)
    >>> [(r[0], r[1], r[2]) for r in tidy_coefficients({"all": fit_sem(sim.y, sim.X, sim.W)})]
    [('all', 'sem', 'x1'), ('all', 'sem', 'lambda')]
    """
    res = _as_mapping(results, _label)
    models = {k: _table_model(r) for k, r in res.items()}
    return [(label, res[label].model, term, coef, se, z, p, st)
            for label, term, coef, se, z, p, st in _long_rows(models)]


def tidy_effects(effects):
    """Long rows ``(sample, regressor, effect, estimate, mean, sd, z, p,
    ci_low, ci_high, stars)`` of ``{label: EffectsResult}``; the stars come
    from the simulated p-value.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import effects, fit_sar, simulate_panel
    >>> sim = simulate_panel(n=40, t=5, model="sar", rho=0.4, beta=[1.0], seed=3)
    >>> rows = tidy_effects({"all": effects(fit_sar(sim.y, sim.X, sim.W), draws=50)})
    >>> [r[2] for r in rows], len(rows[0])
    (['direct', 'indirect', 'total'], 11)
    """
    out = []
    for label, e in effects.items():
        for j, name in enumerate(e.names):
            for c, kind in enumerate(e.kinds):
                out.append((label, name, kind, float(e.estimate[j, c]), float(e.mean[j, c]), float(e.sd[j, c]),
                            float(e.z[j, c]), float(e.p[j, c]), float(e.ci_low[j, c]), float(e.ci_high[j, c]),
                            stars(e.p[j, c])[0]))
    return out


def tidy_diagnostics(diagnostics=None, comparisons=None):
    """Long rows ``(sample, test, null hypothesis, statistic, df, z, p)`` of
    ``{label: DiagnosticsResult}`` and ``{label: ComparisonResult}``
    (tests not computed are left out; df is None for Moran's I, z is NaN
    for the chi-squared tests).

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import knn_weights, spatial_diagnostics
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 5, 1))
    >>> d = spatial_diagnostics(X[:, :, 0] + rng.normal(size=(40, 5)), X, knn_weights(rng.uniform(size=(40, 2)), 4))
    >>> [r[1] for r in tidy_diagnostics({"all": d})]
    ["Moran's I (residuals)", 'LM lag', 'Robust LM lag', 'LM error', 'Robust LM error']
    """
    nulls = {"Moran's I (residuals)": "no spatial autocorrelation of the FE-OLS residuals",
             "LM lag": "rho = 0", "Robust LM lag": "rho = 0 (robust to lambda)",
             "LM error": "lambda = 0", "Robust LM error": "lambda = 0 (robust to rho)"}
    out = []
    labels = list(dict.fromkeys(list(diagnostics or {}) + list(comparisons or {})))
    for label in labels:
        d = (diagnostics or {}).get(label)
        if d is not None:
            for name, stat, df, p in d.table():
                z = d.moran_z if df is None else math.nan
                out.append((label, name, nulls[name], float(stat), df, float(z), float(p)))
        c = (comparisons or {}).get(label)
        if c is not None:
            for kind, null, stat, df, p in c.table():
                if np.isfinite(stat):
                    out.append((label, f"{kind} SDM vs {null.split()[0]}", null, float(stat), int(df), math.nan,
                                float(p)))
    return out


def mediation_table(results, *, rows=("coef", "se"), digits=3, brackets="()", kind_column=None,
                    repeat_terms=False):
    """Published-style table of the stepwise mediation regressions of
    ``{label: MediationResult}``: for each sample the total regression
    (``y`` on the driver), one column per mediator regression (path a) and
    the outcome regression (c' and the paths b), named ``<label>: total``,
    ``<label>: <mediator>``, ``<label>: outcome`` (without the prefix for a
    single unlabelled sample); statistics rows: dependent variable, N,
    within R^2, standard errors, region and time FE.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import mediation
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(40, 5)); m = x + rng.normal(size=(40, 5)); y = m + rng.normal(size=(40, 5))
    >>> t = mediation_table({"": mediation(y, x, m, draws=20)})
    >>> t.columns, t.terms[::2][:2]
    (('variable', 'total', 'm1', 'outcome'), ('x', 'm1'))
    """
    models = {}
    for label, med in results.items():
        lead = f"{label}: " if label else ""
        models[lead + "total"] = med.regressions["total"]
        for m in med.mediators:
            models[lead + m] = med.regressions[f"mediator: {m}"]
        models[lead + "outcome"] = med.regressions["outcome"]
    stats = [
        Stat("Dependent", "y_name", "text"),
        Stat("N", "n_obs", "int"),
        Stat("Within R^2", "r2_within"),
        Stat("Standard errors", lambda r: {"cluster": "clustered by region"}.get(r.vcov_type, r.vcov_type), "text"),
        Stat("Region FE", lambda r: _yes(r.fe in ("region", "twoway")), "text"),
        Stat("Time FE", lambda r: _yes(r.fe in ("time", "twoway")), "text"),
    ]
    tabled = {k: _TModel(r) for k, r in models.items()}
    return regression_table(tabled, rows=rows, digits=digits, brackets=brackets, stats=stats,
                            kind_column=kind_column, repeat_terms=repeat_terms)


class _TModel:
    """A within OLS fit for core.tables: its t statistics as ``z``."""

    def __init__(self, r):
        self._r = r
        self.names, self.coef, self.se, self.z, self.p = r.names, r.coef, r.se, r.t, r.p

    def __getattr__(self, name):
        return getattr(self._r, name)


def tidy_mediation(results):
    """Long rows ``(sample, path, mediator, estimate, se, z, p, ci_low,
    ci_high, stars)`` of ``{label: MediationResult}``: c (total), c'
    (direct), a and b per mediator (regression SE, t and p), a*b per
    mediator (bootstrap SE and percentile CI, Sobel z and p), the total
    indirect effect (bootstrap SE and CI) and the proportion mediated.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import mediation
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(40, 5)); m = x + rng.normal(size=(40, 5)); y = m + rng.normal(size=(40, 5))
    >>> [r[1] for r in tidy_mediation({"all": mediation(y, x, m, draws=20)})]
    ['c', "c'", 'a', 'b', 'a*b', 'total indirect', 'proportion mediated']
    """
    nan = math.nan
    out = []
    for label, r in results.items():
        def reg_t(name, coef):
            reg = r.regressions[name]
            j = list(reg.names).index(coef)
            return float(reg.t[j])

        out.append((label, "c", "", r.total, r.total_se, reg_t("total", r.driver), r.total_p, nan, nan,
                    stars(r.total_p)[0]))
        out.append((label, "c'", "", r.direct, r.direct_se, reg_t("outcome", r.driver), r.direct_p, nan, nan,
                    stars(r.direct_p)[0]))
        for j, m in enumerate(r.mediators):
            out.append((label, "a", m, float(r.a[j]), float(r.a_se[j]), reg_t(f"mediator: {m}", r.driver),
                        float(r.a_p[j]), nan, nan, stars(r.a_p[j])[0]))
            out.append((label, "b", m, float(r.b[j]), float(r.b_se[j]), reg_t("outcome", m), float(r.b_p[j]),
                        nan, nan, stars(r.b_p[j])[0]))
        for j, m in enumerate(r.mediators):
            out.append((label, "a*b", m, float(r.indirect[j]), float(r.boot_se[j]), float(r.sobel_z[j]),
                        float(r.sobel_p[j]), float(r.boot_ci_low[j]), float(r.boot_ci_high[j]),
                        stars(r.sobel_p[j])[0]))
        out.append((label, "total indirect", "", r.indirect_total, r.indirect_total_se, nan, nan,
                    r.indirect_total_ci_low, r.indirect_total_ci_high, ""))
        out.append((label, "proportion mediated", "", r.proportion_mediated, nan, nan, nan, nan, nan, ""))
    return out
