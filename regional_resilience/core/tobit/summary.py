"""Tobit results as tables: the long coefficient table (:func:`tidy`), one
row of statistics per fit (:func:`glance`, :func:`summary_rows`) and the
published-style table (:func:`tobit_table`, :func:`publication_table`),
drawn by the generic :mod:`regional_resilience.core.tables`.
"""
import math

from ..tables import Stat, coefficient_rows, regression_table
from .results import GroupedTobitResult, TobitResult

__all__ = ["tidy", "glance", "table_stats", "tobit_table", "publication_table", "summary_rows"]


def _as_mapping(results):
    if isinstance(results, TobitResult):
        return {results.model: results}
    if isinstance(results, GroupedTobitResult):
        return dict(results.results)
    if isinstance(results, dict):
        return dict(results)
    out = {}
    for i, r in enumerate(results):
        out[f"({i + 1})"] = r
    return out


def tidy(results):
    """Coefficients of one or several fits as a long pandas DataFrame.

    Columns: ``group, model, term, coef, se, z, p, stars``. ``results`` is a
    :class:`TobitResult`, a dict label -> result, a list, or a
    :class:`GroupedTobitResult`.
    """
    import pandas as pd

    res = _as_mapping(results)
    rows = [
        (label, res[label].model, term, coef, se, z, p, st)
        for label, term, coef, se, z, p, st in (coefficient_rows(res) if res else [])
    ]
    return pd.DataFrame(rows, columns=["group", "model", "term", "coef", "se", "z", "p", "stars"])


def glance(results):
    """Model statistics, one row per fit (pandas DataFrame): log-likelihood,
    sigma (and sigma_u, rho, LR test for RE), N and its censoring, regions,
    convergence."""
    import pandas as pd

    cols = [
        "group", "model", "loglik", "sigma", "sigma_se", "sigma_u", "sigma_u_se", "rho",
        "rho_se", "lr_stat", "lr_pvalue", "n_obs", "n_left", "n_right", "n_uncensored",
        "n_regions", "converged", "iterations", "vcov_type",
    ]
    rows = []
    for label, r in _as_mapping(results).items():
        rows.append([label] + [getattr(r, c) for c in cols[1:]])
    return pd.DataFrame(rows, columns=cols)


def table_stats(results, hausman=None):
    """The statistics rows of a Tobit table, as :class:`~..tables.Stat`.

    sigma (sigma_e in RE); with a random-effects fit also sigma_u, rho and
    the p-value of the LR test of sigma_u = 0; log-likelihood, N, left- and
    right-censored, uncensored, regions; with ``hausman`` (label ->
    :class:`HausmanResult`) the Hausman statistic, its df and p-value.
    """
    res = _as_mapping(results)
    out = [Stat("sigma", "sigma")]
    if any(r.model == "random_effects" for r in res.values()):
        out += [
            Stat("sigma_u", "sigma_u"),
            Stat("rho", "rho"),
            Stat("LR test sigma_u=0 (p)", "lr_pvalue"),
        ]
    out += [
        Stat("Log-likelihood", "loglik"),
        Stat("N", "n_obs", "int"),
        Stat("Left-censored", "n_left", "int"),
        Stat("Right-censored", "n_right", "int"),
        Stat("Uncensored", "n_uncensored", "int"),
        Stat("Regions", "n_regions", "int"),
    ]
    if hausman:
        out += [
            Stat("Hausman FE vs RE (chi2)", {k: h.statistic for k, h in hausman.items()}),
            Stat("Hausman df", {k: h.df for k, h in hausman.items()}, "int"),
            Stat("Hausman p", {k: h.pvalue for k, h in hausman.items()}),
        ]
    return out


def tobit_table(results, *, digits=3, brackets="()", stats_rows=True, rows=("coef", "se"),
                kind_column=None, repeat_terms=False, hausman=None):
    """Published-style table of Tobit fits (:class:`~..tables.RegressionTable`).

    Parameters
    ----------
    results : TobitResult, dict label -> TobitResult, list or GroupedTobitResult
        One column per entry (for a grouped result: the estimated samples,
        in order).
    digits, brackets, rows, kind_column, repeat_terms
        See :func:`regional_resilience.core.tables.regression_table`.
    stats_rows : bool, default True
        Append the rows of :func:`table_stats`.
    hausman : dict label -> HausmanResult, optional
        Default: the Hausman tests of a grouped result.
    """
    if hausman is None and isinstance(results, GroupedTobitResult):
        hausman = results.hausman
    res = _as_mapping(results)
    return regression_table(
        res,
        rows=rows,
        digits=digits,
        brackets=brackets,
        stats=table_stats(res, hausman) if stats_rows else (),
        kind_column=kind_column,
        repeat_terms=repeat_terms,
    )


def publication_table(results, *, digits=3, brackets="()", stats_rows=True, rows=("coef", "se"),
                      hausman=None):
    """Publication-style table: coefficients with stars, SEs in brackets.

    Parameters
    ----------
    results : TobitResult, dict label -> TobitResult, list or GroupedTobitResult
        One column per entry (for a grouped result: the estimated samples).
    digits : int, default 3
    brackets : str, default "()"
        Two characters around the standard errors, e.g. ``"[]"``.
    stats_rows : bool, default True
        Append sigma (sigma_e), sigma_u, rho, LR test p-value (RE only),
        log-likelihood, N, left/right-censored, uncensored and regions (and
        the Hausman test when there is one).
    rows : sequence, default ("coef", "se")
        Rows of each term; add ``"z"`` and ``"p"`` for those.
    hausman : dict label -> HausmanResult, optional

    Returns
    -------
    pandas.DataFrame
        Column ``variable`` then one string column per model/group; each
        coefficient takes two rows (estimate with stars; SE in brackets, the
        ``variable`` cell empty). ``df.values.tolist()`` gives plain rows.
    """
    return tobit_table(results, digits=digits, brackets=brackets, stats_rows=stats_rows,
                       rows=rows, hausman=hausman).to_frame()


def summary_rows(grouped):
    """One dict per sample of a :class:`GroupedTobitResult`, in order:
    ``group``, ``status`` (``"estimated"``, ``"skipped"`` or
    ``"not converged"``), ``reason``, the statistics of :func:`glance`
    (NaN/None when skipped), ``hausman``, ``hausman_df``, ``hausman_p``,
    ``hausman_note`` (why there is no test, or its notes) and ``notes``
    (the fit's notes joined by ``"; "``)."""
    keys = [
        "model", "loglik", "sigma", "sigma_se", "sigma_u", "sigma_u_se", "rho", "rho_se",
        "lr_stat", "lr_pvalue", "n_obs", "n_left", "n_right", "n_uncensored", "n_regions",
        "converged", "iterations", "vcov_type",
    ]
    out = []
    for label in grouped.labels:
        r = grouped.results.get(label)
        if r is None:
            r = grouped.unconverged.get(label)
            status = "not converged" if r is not None else "skipped"
        else:
            status = "estimated"
        row = {"group": label, "status": status, "reason": grouped.skipped.get(label, "")}
        for k in keys:
            row[k] = getattr(r, k) if r is not None else (grouped.model if k == "model" else None)
        h = grouped.hausman.get(label)
        row["hausman"] = h.statistic if h is not None else math.nan
        row["hausman_df"] = h.df if h is not None else None
        row["hausman_p"] = h.pvalue if h is not None else math.nan
        row["hausman_note"] = (
            "; ".join(h.notes) if h is not None else grouped.hausman_skipped.get(label, "")
        )
        row["notes"] = "; ".join(r.notes) if r is not None else ""
        out.append(row)
    return out
