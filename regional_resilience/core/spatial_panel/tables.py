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

import numpy as np

from ..errors import InputDataError, check_choice
from ._base import stars

__all__ = ["stars", "coefficient_rows", "effects_rows", "mediation_rows", "diagnostics_rows"]


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
