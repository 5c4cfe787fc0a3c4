"""Result records of the Tobit models."""
import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TobitResult:
    """One fitted Tobit model.

    Attributes
    ----------
    model : str
        ``"pooled"``, ``"random_effects"`` or ``"fixed_effects"``.
    names : tuple of str
        Coefficient names (``"const"`` first when a constant was added;
        logged regressors are named ``ln(name)``).
    coef, se, z, p : ndarray, shape (K,)
        Estimates, standard errors (of the chosen ``vcov_type``), z-values
        and two-sided normal p-values.
    stars : tuple of str
        ``"***"`` p < 0.01, ``"**"`` p < 0.05, ``"*"`` p < 0.1, else ``""``.
    vcov : ndarray, shape (K, K)
        Covariance of ``coef``.
    vcov_type : str
    loglik : float
        Maximised log-likelihood (the last one reached when not converged).
    sigma, sigma_se : float
        Standard deviation of ``e`` (``sigma_e`` in RE) and its delta-method
        standard error.
    sigma_u, sigma_u_se, rho, rho_se : float
        RE only (NaN otherwise): sd of the region effect and
        ``rho = sigma_u^2 / (sigma_u^2 + sigma_e^2)``.
    lr_stat, lr_pvalue, loglik_pooled : float
        RE only: LR test of ``sigma_u = 0`` against the pooled Tobit
        (``chibar2(01)`` p-value).
    n_obs, n_left, n_right, n_uncensored, n_regions : int
        Observations used (after FE drops) and their censoring.
    lower, upper : float or None
        Censoring limits (None = not censored on that side).
    converged : bool
    iterations : int
        Optimiser iterations (all rounds of adaptive quadrature included).
    message : str
        Optimiser message.
    params, params_names, params_cov : ndarray, tuple, ndarray
        All optimisation parameters (``b``, ``log_sigma`` [, ``log_sigma_u``])
        and their covariance (same ``vcov_type``).
    alpha, alpha_se, alpha_regions : ndarray
        FE only: region intercepts, their OIM standard errors and region ids.
    dropped_regions : tuple
        FE only: regions dropped because all their observations are censored
        on the same side.
    quadrature : str or None
    n_nodes : int
        RE only: quadrature rule and number of nodes.
    notes : tuple of str
        Documented edge cases met (no censoring, non-convergence, drops...).
    logged : tuple of int
        Positions (in the regressors given, before the constant) of the
        regressors that were log-transformed (for :func:`tobit_predict`).
    meta : dict
        RE only: ``adaptation_rounds`` and ``quadrature_check`` (``n_nodes``,
        ``loglik`` and ``max_shift_se`` with twice the nodes).
    """

    model: str
    names: tuple
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    stars: tuple
    vcov: np.ndarray
    vcov_type: str
    loglik: float
    sigma: float
    sigma_se: float
    n_obs: int
    n_left: int
    n_right: int
    n_uncensored: int
    n_regions: int
    lower: object
    upper: object
    converged: bool
    iterations: int
    message: str
    params: np.ndarray
    params_names: tuple
    params_cov: np.ndarray
    sigma_u: float = math.nan
    sigma_u_se: float = math.nan
    rho: float = math.nan
    rho_se: float = math.nan
    lr_stat: float = math.nan
    lr_pvalue: float = math.nan
    loglik_pooled: float = math.nan
    alpha: np.ndarray = None
    alpha_se: np.ndarray = None
    alpha_regions: np.ndarray = None
    dropped_regions: tuple = ()
    quadrature: object = None
    n_nodes: int = 0
    notes: tuple = ()
    logged: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def sigma_e(self):
        """Alias of ``sigma`` (the idiosyncratic sd in the RE model)."""
        return self.sigma

    def to_frame(self):
        """Coefficient table as a pandas DataFrame (term, coef, se, z, p, stars)."""
        from .summary import tidy

        return tidy(self).drop(columns=["group", "model"])


@dataclass(frozen=True)
class HausmanResult:
    """Hausman-type comparison of FE and RE slopes (:func:`hausman_fe_re`).

    Attributes
    ----------
    names : tuple of str
        Common slope coefficients compared.
    diff : ndarray
        ``b_FE - b_RE``.
    var_diff : ndarray
        ``V_FE - V_RE``.
    statistic : float
        ``d' (V_FE - V_RE)^+ d`` (NaN p-value when negative).
    df : int
        Rank of ``V_FE - V_RE``.
    pvalue : float
        ``P(chi2(df) > statistic)``.
    positive_definite : bool
        Whether ``V_FE - V_RE`` is positive definite.
    notes : tuple of str
    """

    names: tuple
    diff: np.ndarray
    var_diff: np.ndarray
    statistic: float
    df: int
    pvalue: float
    positive_definite: bool
    notes: tuple = ()


@dataclass(frozen=True)
class GroupedTobitResult:
    """Results of :func:`tobit_by_group`.

    Attributes
    ----------
    model : str
    labels : tuple
        Every sample in order (the whole sample first when included).
    results : dict
        label -> :class:`TobitResult` of the samples estimated and converged.
    skipped : dict
        label -> reason, for samples not reported (too few uncensored
        observations, bad data, or no convergence).
    unconverged : dict
        label -> :class:`TobitResult` of fits that did not converge (also
        listed in ``skipped``), for inspection.
    hausman : dict
        label -> :class:`HausmanResult` of the FE vs RE comparison of the
        sample (with ``hausman=True``).
    hausman_skipped : dict
        label -> why the comparison could not be made (an auxiliary fit
        failed or did not converge).
    all_label : str or None
        Label of the whole sample (None when it was not estimated).
    """

    model: str
    labels: tuple
    results: dict
    skipped: dict
    unconverged: dict = field(default_factory=dict)
    hausman: dict = field(default_factory=dict)
    hausman_skipped: dict = field(default_factory=dict)
    all_label: object = None
