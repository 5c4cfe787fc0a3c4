"""Inference: OIM, robust (Huber-White) and clustered standard errors,
z-values, p-values and stars of a fit, and the Hausman-type comparison of
the fixed- and random-effects slopes.

Standard errors (``vcov=``): ``"oim"`` inverse of the negative Hessian;
``"robust"`` Huber-White sandwich ``H^-1 (sum_it s_it s_it') H^-1 *
N/(N-1)``; ``"cluster"`` by region (or by ``clusters=``) ``H^-1 (sum_g S_g
S_g') H^-1 * G/(G-1)`` with ``S_g`` the cluster-summed scores (the factors
Stata uses for ML estimators).

Hausman (1978)-type test: ``H = d' (V_FE - V_RE)^+ d`` with ``d = b_FE -
b_RE`` over the common slopes, Moore-Penrose pseudo-inverse, ``df =
rank(V_FE - V_RE)``.
"""
import math

import numpy as np
from scipy import linalg, stats

from ..errors import InputDataError
from ..panel import format_list
from ..tables import stars
from .results import HausmanResult, TobitResult


def _inv_neg_hessian(H, notes):
    try:
        cf = linalg.cho_factor(-H)
        return linalg.cho_solve(cf, np.eye(H.shape[0]))
    except (linalg.LinAlgError, ValueError):
        notes.append(
            "the Hessian is not negative definite: standard errors use a pseudo-inverse and "
            "are unreliable"
        )
        return np.linalg.pinv(-H)


def _sandwich(Hinv, S, factor):
    B = S.T @ S * factor
    return Hinv @ B @ Hinv


def _score_vcov(Hinv, S, vcov, clusters, notes):
    """Covariance of the ``vcov`` type from the observation scores ``S``
    (N x P): ``"robust"`` the sandwich with ``N/(N-1)``, ``"cluster"`` the
    sandwich of the cluster-summed scores with ``G/(G-1)`` (NaN, with a
    note, for a single cluster); ``"oim"`` is ``Hinv`` itself."""
    if vcov == "oim":
        return Hinv
    n = S.shape[0]
    if vcov == "robust":
        return _sandwich(Hinv, S, n / (n - 1.0) if n > 1 else 1.0)
    _, cl = np.unique(np.asarray(clusters), return_inverse=True)
    cl = np.asarray(cl).reshape(-1)
    G = int(cl.max()) + 1
    if G < 2:
        notes.append("only one cluster: clustered standard errors are not defined")
        return np.full_like(Hinv, np.nan)
    Sg = np.zeros((G, S.shape[1]))
    np.add.at(Sg, cl, S)
    return _sandwich(Hinv, Sg, G / (G - 1.0))


def _fill_result(model, d, fit, V, vcov, names_theta, notes, **extra):
    K = d.K
    coef = fit.theta[:K].copy()
    Vb = V[:K, :K].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.where(np.diag(Vb) >= 0, np.diag(Vb), np.nan))
        z = coef / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    s = fit.theta[K]
    sigma = math.exp(s)
    sigma_se = sigma * math.sqrt(V[K, K]) if V[K, K] >= 0 else math.nan
    if not fit.converged:
        notes.append(
            f"NOT CONVERGED after {fit.iterations} iterations (last log-likelihood "
            f"{fit.ll:.6g}): {fit.message}"
        )
    n_l, n_r, n_u = d.counts_by_kind()
    return TobitResult(
        model=model,
        names=d.names,
        coef=coef,
        se=se,
        z=z,
        p=p,
        stars=stars(p),
        vcov=Vb,
        vcov_type=vcov,
        loglik=float(fit.ll),
        sigma=sigma,
        sigma_se=sigma_se,
        n_obs=int(d.N),
        n_left=n_l,
        n_right=n_r,
        n_uncensored=n_u,
        n_regions=int(d.G),
        lower=d.lo,
        upper=d.hi,
        converged=bool(fit.converged),
        iterations=int(fit.iterations),
        message=fit.message,
        params=fit.theta.copy(),
        params_names=tuple(names_theta),
        params_cov=V,
        notes=tuple(notes),
        **extra,
    )


def hausman_fe_re(fe, re):
    """Hausman-type test of the common slopes of a FE and a RE Tobit.

    ``H = d' (V_FE - V_RE)^+ d`` with ``d = b_FE - b_RE`` over the
    coefficients both models have (the constant excluded), Moore-Penrose
    pseudo-inverse and ``df = rank(V_FE - V_RE)``. When ``V_FE - V_RE`` is
    not positive definite a note says so (the statistic is then only
    indicative; a negative statistic gets a NaN p-value). Under the
    incidental parameters problem FE is not consistent for small T, so the
    test is a heuristic comparison rather than Hausman's exact setting.

    Parameters
    ----------
    fe, re : TobitResult
        Consistent (FE) and efficient (RE) fits.

    Returns
    -------
    HausmanResult
    """
    common = [n for n in fe.names if n in re.names and n != "const"]
    if not common:
        raise InputDataError("The two models have no slope coefficient in common to compare.")
    i_fe = [fe.names.index(n) for n in common]
    i_re = [re.names.index(n) for n in common]
    diff = fe.coef[i_fe] - re.coef[i_re]
    Vd = fe.vcov[np.ix_(i_fe, i_fe)] - re.vcov[np.ix_(i_re, i_re)]
    Vd = 0.5 * (Vd + Vd.T)
    ev = np.linalg.eigvalsh(Vd)
    scale = max(np.abs(ev).max(initial=0.0), 1e-300)
    tol_e = 1e-10 * scale * len(ev)
    pd_ = bool(ev.min() > tol_e)
    df = int(np.sum(np.abs(ev) > tol_e))
    notes = []
    if fe.vcov_type != "oim" or re.vcov_type != "oim":
        notes.append(
            "the Hausman test assumes efficient (OIM) variances; non-OIM variances were used"
        )
    stat = float(diff @ np.linalg.pinv(Vd, rcond=1e-10) @ diff)
    if not pd_:
        notes.append(
            "V_FE - V_RE is not positive definite (eigenvalues "
            f"{format_list([f'{v:.3g}' for v in ev])}); "
            f"the statistic uses the Moore-Penrose pseudo-inverse with df = {df}"
        )
    if df == 0 or stat < 0:
        if stat < 0:
            notes.append(
                "the statistic is negative: the data fail the asymptotic assumptions of the test"
            )
        p = math.nan
    else:
        p = float(stats.chi2.sf(stat, df))
    return HausmanResult(
        names=tuple(common),
        diff=diff,
        var_diff=Vd,
        statistic=stat,
        df=df,
        pvalue=p,
        positive_definite=pd_,
        notes=tuple(notes),
    )
