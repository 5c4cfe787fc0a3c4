"""Panel Tobit regression: pooled, random-effects and fixed-effects models.

"Influencing factors" studies regress a bounded index -- typically a coupling
coordination degree or a resilience score in [0, 1] -- on candidate drivers.
Values piled up at a bound are *censored*: the latent index
``y*`` may lie beyond the bound, but only the bound is recorded. The Tobit
model (Tobin 1958) handles this by maximum likelihood. With lower limit ``L``
and upper limit ``U`` (either may be absent)::

    y*_it = x_it b + e_it,          e_it ~ N(0, sigma^2)
    y_it  = L      if y*_it <= L    (left-censored)
          = U      if y*_it >= U    (right-censored)
          = y*_it  otherwise        (uncensored)

Two-limit log-likelihood of one observation (Amemiya 1984, eq. 2.6; Rosett
and Nelson 1975), with ``Phi``/``phi`` the standard normal cdf/pdf::

    left:        log Phi((L - x b) / sigma)
    right:       log Phi((x b - U) / sigma)
    uncensored:  log phi((y - x b) / sigma) - log sigma

Models (parameters are ``b`` and ``log sigma``; sigma is reported with its
delta-method standard error ``se(sigma) = sigma * se(log sigma)``):

**Pooled** (:func:`pooled_tobit`): the sum of the terms above over all
region-periods.

**Random effects** (:func:`random_effects_tobit`)::

    y*_it = x_it b + u_i + e_it,    u_i ~ N(0, sigma_u^2),  e_it ~ N(0, sigma_e^2)
    l_i   = log Int prod_t f(y_it | x_it b + u) phi(u / sigma_u) / sigma_u du
    rho   = sigma_u^2 / (sigma_u^2 + sigma_e^2)

The integral is computed by Gauss-Hermite quadrature with ``n_nodes``
(default 12, as Stata's ``xttobit``). With standard-normal nodes ``z_q`` and
weights ``w_q`` (:func:`gauss_hermite_normal`, ``sum_q w_q g(z_q) ~ E g(Z)``):

* ``quadrature="adaptive"`` (default; mode-curvature adaptive quadrature of
  Liu and Pierce 1994, like Stata's ``intmethod(aghermite)``): for every
  region the mode ``m_i`` of the integrand ``g_i(u)`` and ``tau_i = (-d2
  log g_i / du2)^(-1/2)`` at the mode are found (vectorised 1-D Newton), and
  ``l_i = log sum_q w_q tau_i g_i(m_i + tau_i z_q) / phi(z_q)``. Between two
  adaptations the nodes are frozen -- in the scale of ``u / sigma_u`` for
  regions where the prior dominates (so they follow ``sigma_u`` towards 0),
  on the region's location ``u + xbar_i b`` where the data dominate (so
  they follow ``b``) -- and the likelihood then has exact analytic
  derivatives. The nodes are re-adapted at the new estimates and the fit is
  converged when the Newton decrement with re-adapted nodes is below
  ``tol``. Exact when nothing is censored (the integrand is then Gaussian).
* A *quadrature check* (like Stata's ``quadchk``) evaluates the likelihood
  and its gradient at the estimates with twice the nodes; when the implied
  Newton step exceeds 0.1 standard errors a note recommends more nodes.
  The integrand of a region whose observations are all censored on one side
  is a skewed prior tail that 12 nodes integrate poorly; many such regions
  with a large ``rho`` trigger the note.
* ``quadrature="ghermite"``: ordinary (non-adaptive) Gauss-Hermite,
  ``u_q = sigma_u z_q``. Can be inaccurate when ``rho`` is large and the
  panel long (the integrand is then much narrower than ``sigma_u``); use
  more nodes or the adaptive rule.

The likelihood-ratio test of ``sigma_u = 0`` compares with the pooled Tobit
on the same observations: ``LR = 2 (l_RE - l_pooled)``; the null is on the
boundary of the parameter space, so ``LR`` follows the mixture
``chibar2(01) = 0.5 chi2(0) + 0.5 chi2(1)`` and ``p = 0.5 P(chi2(1) > LR)``
(``p = 1`` when ``LR = 0``; Gutierrez, Carter and Drukker 2001). When the
maximum is on the boundary the estimate of ``sigma_u`` drifts towards 0
(``rho`` ~ 0, the slopes equal the pooled ones, a note says so); the SEs of
``sigma_u`` and ``rho`` are then not meaningful.

**Fixed effects** (:func:`fixed_effects_tobit`): one intercept ``alpha_i``
per region (unconditional FE Tobit, "region dummies"), no constant. The
alphas are concentrated out: for given ``(b, log sigma)`` each ``alpha_i``
maximises its region's (concave) log-likelihood, found by a vectorised 1-D
Newton; the profile likelihood is then maximised over ``(b, log sigma)``
with its exact Hessian, the Schur complement
``H_tt - H_ta diag(H_aa)^-1 H_at`` (the dummy block ``H_aa`` is diagonal),
so no dense N x (K+G) design is ever built. A region whose observations are
all left-censored (or all right-censored) has no finite alpha: it is dropped
and reported in ``dropped_regions`` and ``notes``. **Caveat**: with few
periods per region the unconditional FE Tobit suffers from the incidental
parameters problem; Greene (2004) finds the slopes only mildly biased but
``sigma`` biased downwards (roughly by ``sqrt((T-1)/T)``) for short panels.

**Hausman-type comparison** (:func:`hausman_fe_re`) on the common slopes:
``H = d' (V_FE - V_RE)^+ d``, ``d = b_FE - b_RE``, Moore-Penrose
pseudo-inverse, ``df = rank(V_FE - V_RE)``; a note is added when
``V_FE - V_RE`` is not positive definite.

Standard errors (``vcov=``): ``"oim"`` inverse of the negative Hessian;
``"robust"`` Huber-White sandwich ``H^-1 (sum_it s_it s_it') H^-1 *
N/(N-1)``; ``"cluster"`` by region (or by ``clusters=``) ``H^-1 (sum_g S_g
S_g') H^-1 * G/(G-1)`` with ``S_g`` the cluster-summed scores. The factors
``N/(N-1)`` and ``G/(G-1)`` are those Stata uses for ML estimators. For the
RE model the region is the independent unit: ``"robust"`` and ``"cluster"``
both give the sandwich with region scores (``G/(G-1)``). For FE the
sandwich uses the scores of ``(b, log sigma)`` partialled out of the
alphas (``s_it - H_t,ai / H_ai,ai * s_it,ai``), which equals the
corresponding block of the full-parameter sandwich; alpha SEs are OIM.

Maximisation: ``scipy.optimize.minimize`` (``method="trust-exact"`` by
default, or ``"trust-ncg"``, ``"newton-cg"``, ``"bfgs"``) with analytic
gradients and Hessians, followed by at most 20 Newton polishing steps. A fit
is *converged* when the Hessian is negative definite and the Newton
decrement ``g' (-H)^-1 g`` (log-likelihood units) is below ``tol``
(default 1e-9). Non-convergence is never silent: ``converged``,
``iterations``, ``loglik`` and ``message`` are in every result and a note is
added.

Edge cases (documented choices)
-------------------------------
* Observations with ``y <= lower`` are left-censored and those with
  ``y >= upper`` right-censored (Stata's ``tobit`` convention); values
  beyond a limit are treated as censored at it and a note counts them.
* No censored observation: a note "no observation is censored: Tobit equals
  OLS". The pooled estimates are then the OLS coefficients and the ML
  ``sigma = sqrt(SSR / N)`` (not ``N - K``).
* ``lower >= upper``, missing/non-finite values (named by region and
  period), a constant ``y``, collinear regressors (QR with column pivoting
  of the column-scaled design; the dependent columns and those they combine
  are named), regressors without within-region variation in FE, logs of
  non-positive values, fewer than ``K + 2`` uncensored observations: all
  raise :class:`~.errors.InputDataError`.
* ``log=`` takes the natural log of the named regressors (renamed
  ``ln(name)``). A constant named ``const`` is added by default (never in
  FE).

References
----------
Tobin, J. (1958). Estimation of relationships for limited dependent
variables. *Econometrica*, 26(1), 24-36.

Amemiya, T. (1984). Tobit models: a survey. *Journal of Econometrics*,
24(1-2), 3-61.

Rosett, R. N. and Nelson, F. D. (1975). Estimation of the two-limit probit
regression model. *Econometrica*, 43(1), 141-146.

Liu, Q. and Pierce, D. A. (1994). A note on Gauss-Hermite quadrature.
*Biometrika*, 81(3), 624-629.

Greene, W. (2004). Fixed effects and bias due to the incidental parameters
problem in the Tobit model. *Econometric Reviews*, 23(2), 125-147.

Gutierrez, R. G., Carter, S. and Drukker, D. M. (2001). On boundary-value
likelihood-ratio tests. *Stata Technical Bulletin*, 60, 15-18.

Hausman, J. A. (1978). Specification tests in econometrics.
*Econometrica*, 46(6), 1251-1271.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.tobit import pooled_tobit, publication_table
>>> rng = np.random.default_rng(0)
>>> regions = np.repeat(np.arange(100), 5)
>>> X = rng.normal(size=(500, 2))
>>> y = np.clip(0.3 + X @ [0.2, -0.1] + rng.normal(0, 0.2, 500), 0, 1)
>>> res = pooled_tobit(y, X, regions, names=["gdp", "open"], vcov="cluster")
>>> res.names, res.converged, res.n_left > 0
(('const', 'gdp', 'open'), True, True)
>>> np.round(res.coef, 1)
array([ 0.3,  0.2, -0.1])
>>> publication_table({"China": res})["variable"].tolist()[:4]
['const', '', 'gdp', '']
"""
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, optimize, special, stats

from .errors import Canceled, InputDataError, check_choice
from .groups import label_text
from .panel import format_list

__all__ = [
    "MODELS",
    "VCOV_TYPES",
    "METHODS",
    "QUADRATURES",
    "TobitResult",
    "HausmanResult",
    "GroupedTobitResult",
    "gauss_hermite_normal",
    "pooled_tobit",
    "random_effects_tobit",
    "fixed_effects_tobit",
    "tobit",
    "hausman_fe_re",
    "tobit_by_group",
    "stars",
    "tidy",
    "glance",
    "publication_table",
]

MODELS = ("pooled", "random_effects", "fixed_effects")
VCOV_TYPES = ("oim", "robust", "cluster")
METHODS = ("trust-exact", "trust-ncg", "newton-cg", "bfgs")
QUADRATURES = ("adaptive", "ghermite")

_ALIASES = {
    "pooled": "pooled",
    "pool": "pooled",
    "random_effects": "random_effects",
    "random-effects": "random_effects",
    "random": "random_effects",
    "re": "random_effects",
    "fixed_effects": "fixed_effects",
    "fixed-effects": "fixed_effects",
    "fixed": "fixed_effects",
    "fe": "fixed_effects",
}
_LOG2PI = math.log(2.0 * math.pi)
_RANK_TOL = 1e-7  # |R_ii| / |R_00| of the column-scaled design below this = collinear


# ---------------------------------------------------------------------------
# results


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
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def sigma_e(self):
        """Alias of ``sigma`` (the idiosyncratic sd in the RE model)."""
        return self.sigma

    def to_frame(self):
        """Coefficient table as a pandas DataFrame (term, coef, se, z, p, stars)."""
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
    """

    model: str
    labels: tuple
    results: dict
    skipped: dict
    unconverged: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# small helpers


class _Hook:
    """Progress and cancel callbacks mapped onto a sub-range [lo, hi]."""

    def __init__(self, progress=None, is_canceled=None, lo=0.0, hi=1.0):
        self.progress, self.is_canceled = progress, is_canceled
        self.lo, self.hi, self.k = lo, hi, 0

    def tick(self):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled("Tobit regression canceled")
        self.k += 1
        if self.progress is not None:
            self.progress(self.lo + (self.hi - self.lo) * self.k / (self.k + 30.0))

    def sub(self, lo, hi):
        w = self.hi - self.lo
        return _Hook(self.progress, self.is_canceled, self.lo + w * lo, self.lo + w * hi)

    def done(self):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled("Tobit regression canceled")
        if self.progress is not None:
            self.progress(self.hi)


def stars(p):
    """Significance stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1.

    >>> stars([0.001, 0.02, 0.07, 0.5, float("nan")])
    ('***', '**', '*', '', '')
    """
    out = []
    for v in np.atleast_1d(np.asarray(p, dtype=float)):
        out.append("***" if v < 0.01 else "**" if v < 0.05 else "*" if v < 0.1 else "")
    return tuple(out)


def gauss_hermite_normal(n_nodes=12):
    """Gauss-Hermite nodes and weights for a standard normal expectation.

    ``sum_q w[q] * g(z[q])`` approximates ``E g(Z)``, ``Z ~ N(0, 1)``,
    exactly for polynomials ``g`` of degree ``<= 2 n - 1``. Obtained from the
    physicists' rule (``exp(-v^2)`` weight) by ``z = sqrt(2) v`` and
    ``w = w_H / sqrt(pi)``.

    Parameters
    ----------
    n_nodes : int, default 12

    Returns
    -------
    z, w : ndarray, shape (n_nodes,)

    Examples
    --------
    >>> z, w = gauss_hermite_normal(3)
    >>> round(float(w.sum()), 12), round(float(w @ z**2), 12), round(float(w @ z**4), 12)
    (1.0, 1.0, 3.0)
    """
    try:
        n = int(n_nodes)
    except (TypeError, ValueError):
        n = 0
    if n < 1 or n != n_nodes or n > 200:
        raise InputDataError(
            f"The number of quadrature nodes must be a whole number from 1 to 200; got {n_nodes!r}."
        )
    v, wh = np.polynomial.hermite.hermgauss(n)
    return v * math.sqrt(2.0), wh / math.sqrt(math.pi)


def _model_name(model):
    key = str(model).lower()
    if key not in _ALIASES:
        raise InputDataError(
            f"Unknown Tobit model {model!r}; use one of {', '.join(map(repr, MODELS))} "
            "(or 're' / 'fe')."
        )
    return _ALIASES[key]


def _limits(lower, upper):
    def conv(v, what):
        if v is None:
            return None
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputDataError(
                f"The {what} censoring limit must be a number or None; got {v!r}."
            ) from None
        if math.isnan(f):
            raise InputDataError(f"The {what} censoring limit is NaN; give a number or None.")
        return f

    lo, hi = conv(lower, "lower"), conv(upper, "upper")
    if lo is not None and hi is not None and lo >= hi:
        raise InputDataError(
            f"The lower censoring limit ({lo:g}) must be below the upper limit ({hi:g})."
        )
    return lo, hi


def _where(rows, regions, periods, limit=5):
    items = []
    for i in rows[:limit]:
        if periods is not None:
            items.append(f"region {regions[i]} period {periods[i]}")
        else:
            items.append(f"region {regions[i]} (row {i})")
    text = "; ".join(items)
    if len(rows) > limit:
        text += f" and {len(rows) - limit} more"
    return text


# ---------------------------------------------------------------------------
# data preparation


class _Data:
    """Observations sorted by region, with censoring index arrays."""

    def __init__(self, y, X, names, lo, hi, regions, periods):
        codes, inv = np.unique(regions, return_inverse=True)
        inv = np.asarray(inv).reshape(-1)
        order = np.argsort(inv, kind="stable")
        self.y = np.ascontiguousarray(y[order])
        self.X = np.ascontiguousarray(X[order])
        self.names = tuple(names)
        self.lo, self.hi = lo, hi
        self.L = -np.inf if lo is None else lo
        self.U = np.inf if hi is None else hi
        self.order = order
        self.regions = regions[order]
        self.periods = None if periods is None else periods[order]
        self.gid = inv[order]
        self.codes = codes
        self.G = len(codes)
        self.N, self.K = self.X.shape
        self.starts = np.flatnonzero(np.r_[True, self.gid[1:] != self.gid[:-1]])
        self.counts = np.diff(np.r_[self.starts, self.N])
        left = self.y <= self.L
        right = self.y >= self.U
        self.il = np.flatnonzero(left)
        self.ir = np.flatnonzero(right)
        self.iu = np.flatnonzero(~(left | right))
        self.yu = self.y[self.iu]

    def gsum(self, a):
        """Region sums along axis 0 (observations are sorted by region)."""
        return np.add.reduceat(a, self.starts, axis=0)

    def counts_by_kind(self):
        return len(self.il), len(self.ir), len(self.iu)


def _prepare(y, X, regions, names, periods, lower, upper, constant, log):
    """Validate inputs; return raw arrays (original row order) and notes."""
    if names is None and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    try:
        Xa = np.array(X, dtype=np.float64)
        ya = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(
            f"The dependent variable and the regressors must be numeric: {exc}"
        ) from None
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if ya.ndim != 1:
        raise InputDataError(f"The dependent variable must be one column; got shape {ya.shape}.")
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if Xa.ndim != 2:
        raise InputDataError(
            f"The regressors must be a table (rows x columns); got shape {Xa.shape}."
        )
    n = ya.shape[0]
    if n == 0:
        raise InputDataError("There are no observations to analyse.")
    if Xa.shape[0] != n:
        raise InputDataError(
            f"The dependent variable has {n} rows but the regressors have {Xa.shape[0]}."
        )
    k0 = Xa.shape[1]
    if names is None:
        names = [f"x{j + 1}" for j in range(k0)]
    names = [str(v) for v in names]
    if len(names) != k0:
        raise InputDataError(f"{len(names)} regressor names were given for {k0} regressor columns.")
    dup = sorted({v for v in names if names.count(v) > 1})
    if dup:
        raise InputDataError(f"Regressor names must be unique; repeated: {format_list(dup)}.")
    reg = np.asarray(regions)
    if reg.ndim != 1 or reg.shape[0] != n:
        raise InputDataError(
            f"The region ids must be one value per row ({n}); got shape {reg.shape}."
        )
    if reg.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(reg))
        if bad.size:
            raise InputDataError(
                f"The region id is missing in {bad.size} row(s) (first rows: "
                f"{format_list(bad[:5].tolist())})."
            )
    elif reg.dtype.kind == "O":
        bad = [i for i, v in enumerate(reg) if v is None or (isinstance(v, float) and v != v)]
        if bad:
            raise InputDataError(
                f"The region id is missing in {len(bad)} row(s) (first rows: "
                f"{format_list(bad[:5])})."
            )
    per = None
    if periods is not None:
        per = np.asarray(periods)
        if per.ndim != 1 or per.shape[0] != n:
            raise InputDataError(
                f"The period labels must be one value per row ({n}); got shape {per.shape}."
            )
        import pandas as pd

        dupl = pd.DataFrame({"r": reg, "p": per}).duplicated(keep="first").to_numpy()
        if dupl.any():
            rows = np.flatnonzero(dupl)
            raise InputDataError(
                f"{rows.size} region-period pair(s) occur more than once: "
                f"{_where(rows, reg, per)}. Each region needs one row per period."
            )
    lo, hi = _limits(lower, upper)

    bad = np.flatnonzero(~np.isfinite(ya))
    if bad.size:
        raise InputDataError(
            f"The dependent variable is missing or not finite at {_where(bad, reg, per)}. "
            "Fill or remove these rows."
        )
    badx = ~np.isfinite(Xa)
    if badx.any():
        parts = []
        for j in np.flatnonzero(badx.any(axis=0)):
            rows = np.flatnonzero(badx[:, j])
            parts.append(f"{names[j]!r} at {_where(rows, reg, per, 3)}")
        raise InputDataError(
            "Regressor values are missing or not finite: " + "; ".join(parts)
            + ". Fill or remove these rows."
        )
    notes = []
    if log is not None:
        cols = [log] if isinstance(log, (str, int, np.integer)) else list(log)
        idx = []
        for c in cols:
            if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
                if not 0 <= int(c) < k0:
                    raise InputDataError(f"Log column index {c} is out of range (0..{k0 - 1}).")
                j = int(c)
            else:
                if str(c) not in names:
                    raise InputDataError(
                        f"Cannot log {c!r}: no such regressor; regressors are "
                        f"{format_list(names, 30)}."
                    )
                j = names.index(str(c))
            if j not in idx:
                idx.append(j)
        for j in idx:
            rows = np.flatnonzero(Xa[:, j] <= 0)
            if rows.size:
                raise InputDataError(
                    f"Cannot take the logarithm of regressor {names[j]!r}: it is zero or negative "
                    f"at {_where(rows, reg, per)}. Leave it unlogged or shift/clean it first."
                )
        for j in idx:
            Xa[:, j] = np.log(Xa[:, j])
            names[j] = f"ln({names[j]})"
    if constant:
        if "const" in names:
            raise InputDataError(
                "A regressor is named 'const', the name of the added constant; rename it or "
                "set constant=False."
            )
        Xa = np.column_stack([np.ones(n), Xa])
        names = ["const"] + names
    L = -np.inf if lo is None else lo
    U = np.inf if hi is None else hi
    below, above = int((ya < L).sum()), int((ya > U).sum())
    if below:
        notes.append(
            f"{below} observation(s) below the lower limit {lo:g} were treated as censored at it."
        )
    if above:
        notes.append(
            f"{above} observation(s) above the upper limit {hi:g} were treated as censored at it."
        )
    yc = np.clip(ya, L, U)
    if np.all(yc == yc[0]):
        raise InputDataError(
            f"The dependent variable has the same value ({yc[0]:g}) in every row"
            + (" after censoring at the limits" if below or above else "")
            + "; there is nothing to explain."
        )
    return yc, Xa, names, lo, hi, reg, per, notes


def _check_rank(Z, names, within=False):
    """Raise InputDataError naming collinear columns of ``Z`` (N x K)."""
    n, k = Z.shape
    if k == 0:
        return
    norms = np.sqrt(np.einsum("ij,ij->j", Z, Z))
    zero = [names[j] for j in range(k) if not norms[j] > 0]
    if zero:
        if within:
            raise InputDataError(
                f"Regressor(s) {format_list(map(repr, zero))} do not vary within any region: they "
                "are absorbed by the region fixed effects. Remove them from the fixed-effects "
                "model."
            )
        raise InputDataError(f"Regressor(s) {format_list(map(repr, zero))} are zero in every row.")
    if not within and "const" in names:
        same = [
            names[j] for j in range(k)
            if names[j] != "const" and np.all(Z[:, j] == Z[0, j])
        ]
        if same:
            raise InputDataError(
                f"Regressor(s) {format_list(map(repr, same))} have the same value in every row, "
                "which duplicates the constant term; remove them."
            )
    if n < k:
        raise InputDataError(
            f"There are {n} observations for {k} coefficients; add data or drop regressors."
        )
    Zs = Z / norms
    _, R, piv = linalg.qr(Zs, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    r = int(np.sum(d > _RANK_TOL * d[0]))
    if r == k:
        return
    parts = []
    R11 = R[:r, :r]
    for pos in range(r, k):
        j = piv[pos]
        coef = linalg.solve_triangular(R11, R[:r, pos]) if r else np.zeros(0)
        big = np.abs(coef) > 1e-3 * max(np.abs(coef).max(initial=0.0), 1e-300)
        others = [names[piv[i]] for i in range(r) if big[i]]
        if not others:
            parts.append(f"{names[j]!r} is (almost) zero")
        elif len(others) == 1 and names[j] != "const" and others[0] == "const" and not within:
            parts.append(f"{names[j]!r} is (almost) constant, which duplicates the constant term")
        else:
            parts.append(
                f"{names[j]!r} is (almost) a linear combination of "
                f"{format_list(map(repr, others))}"
            )
    raise InputDataError(
        "The regressors are collinear" + (" after removing region means" if within else "")
        + ": " + "; ".join(parts) + ". Remove one of the columns named."
    )


def _check_uncensored(d, n_params_needed, what="the model"):
    n_l, n_r, n_u = d.counts_by_kind()
    if n_u < n_params_needed:
        raise InputDataError(
            f"Only {n_u} of {d.N} observations are uncensored; {what} with {d.K} coefficient(s) "
            f"needs at least {n_params_needed}."
        )


def _censor_notes(d, notes):
    if len(d.il) + len(d.ir) == 0:
        notes.append("no observation is censored: Tobit equals OLS")


# ---------------------------------------------------------------------------
# log-likelihood terms


class _Terms:
    __slots__ = ("ll", "gm", "gs", "hmm", "hms", "hss")


def _obs_terms(m, s, d, hess=True, index_only=False, ll_only=False):
    """Per-observation log-likelihood and derivatives w.r.t. the index ``m``
    and ``s = log sigma``. ``m`` has shape (N,) or (N, Q) (quadrature nodes).

    Left (c = (L - m)/sigma) and right (c = (m - U)/sigma) terms are
    ``log Phi(c)``; with ``lam = phi(c)/Phi(c)``, ``k = lam (c + lam)``:
    ``d/dm = -+lam/sigma``, ``d/ds = -lam c``, ``d2/dm2 = -k/sigma^2``,
    ``d2/dm ds = +-(lam - k c)/sigma``, ``d2/ds2 = c (lam - k c)``.
    Uncensored (z = (y - m)/sigma): ``-log(2 pi)/2 - s - z^2/2``;
    ``d/dm = z/sigma``, ``d/ds = z^2 - 1``, ``d2/dm2 = -1/sigma^2``,
    ``d2/dm ds = -2 z/sigma``, ``d2/ds2 = -2 z^2``.
    """
    inv = math.exp(-s)
    two = m.ndim == 2
    t = _Terms()
    t.ll = np.empty_like(m)
    if ll_only:
        if d.iu.size:
            yy = d.yu[:, None] if two else d.yu
            z = (yy - m[d.iu]) * inv
            t.ll[d.iu] = (-0.5 * _LOG2PI - s) - 0.5 * z * z
        for idx, sign, limit in ((d.il, -1.0, d.L), (d.ir, 1.0, d.U)):
            if idx.size:
                t.ll[idx] = special.log_ndtr((m[idx] - limit) * (sign * inv))
        return t
    t.gm = np.empty_like(m)
    full = not index_only
    if full:
        t.gs = np.empty_like(m)
    if hess:
        t.hmm = np.empty_like(m)
        if full:
            t.hms = np.empty_like(m)
            t.hss = np.empty_like(m)
    if d.iu.size:
        iu = d.iu
        yy = d.yu[:, None] if two else d.yu
        z = (yy - m[iu]) * inv
        z2 = z * z
        t.ll[iu] = (-0.5 * _LOG2PI - s) - 0.5 * z2
        t.gm[iu] = z * inv
        if full:
            t.gs[iu] = z2 - 1.0
        if hess:
            t.hmm[iu] = -inv * inv
            if full:
                t.hms[iu] = -2.0 * inv * z
                t.hss[iu] = -2.0 * z2
    for idx, sign, limit in ((d.il, -1.0, d.L), (d.ir, 1.0, d.U)):
        if not idx.size:
            continue
        c = (m[idx] - limit) * (sign * inv)
        lp = special.log_ndtr(c)
        lam = np.exp((-0.5 * _LOG2PI) - 0.5 * c * c - lp)
        t.ll[idx] = lp
        t.gm[idx] = (sign * inv) * lam
        if full:
            t.gs[idx] = -lam * c
        if hess:
            k = np.clip(lam * (c + lam), 0.0, 1.0)
            t.hmm[idx] = -(inv * inv) * k
            if full:
                a = lam - k * c
                t.hms[idx] = (-sign * inv) * a
                t.hss[idx] = c * a
    return t


def _pooled_eval(d):
    X = d.X

    def evaluate(theta, hess=True):
        b, s = theta[:-1], theta[-1]
        t = _obs_terms(X @ b, s, d, hess)
        ll = float(t.ll.sum())
        g = np.r_[X.T @ t.gm, t.gs.sum()]
        H = None
        if hess:
            K = d.K
            H = np.empty((K + 1, K + 1))
            H[:K, :K] = X.T @ (X * t.hmm[:, None])
            H[:K, K] = H[K, :K] = X.T @ t.hms
            H[K, K] = t.hss.sum()
        evaluate.last = t
        return ll, g, H

    return evaluate


# ---------------------------------------------------------------------------
# optimiser


class _Fit:
    __slots__ = ("theta", "ll", "g", "H", "converged", "iterations", "message")


def _decrement(g, H):
    """Newton direction and decrement g' (-H)^-1 g; (None, inf) if -H is not PD."""
    try:
        cf = linalg.cho_factor(-H)
    except (linalg.LinAlgError, ValueError):
        return None, math.inf
    step = linalg.cho_solve(cf, g)
    return step, float(g @ step)


def _maximize(evaluate, theta0, method, maxiter, tol, hook, scale):
    """Maximise a log-likelihood with scipy, then Newton-polish and check."""
    cache = {"x": None}

    def get(x, hess):
        if cache["x"] is not None and np.array_equal(cache["x"], x) and (
            not hess or cache["H"] is not None
        ):
            return cache
        hook.tick()
        ll, g, H = evaluate(x, hess)
        cache.update(x=np.array(x, copy=True), ll=ll, g=g, H=H)
        return cache

    def fun(x):
        ll = get(x, False)["ll"]
        return -ll / scale if np.isfinite(ll) else np.inf

    def jac(x):
        g = get(x, False)["g"]
        return -g / scale if np.all(np.isfinite(g)) else np.zeros_like(g)

    def hess(x):
        H = get(x, True)["H"]
        return -H / scale

    theta0 = np.asarray(theta0, dtype=float)
    opts = {"maxiter": int(maxiter)}
    if method in ("trust-exact", "trust-ncg"):
        opts["gtol"] = 1e-10
    elif method == "newton-cg":
        opts["xtol"] = 1e-10
    else:
        opts["gtol"] = 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            res = optimize.minimize(
                fun,
                theta0,
                jac=jac,
                hess=None if method == "bfgs" else hess,
                method=method,
                options=opts,
            )
    theta = np.asarray(res.x, dtype=float)
    if not np.isfinite(fun(theta)) or fun(theta) > fun(theta0):
        theta = theta0
    iterations = int(getattr(res, "nit", 0) or 0)
    message = str(res.message)
    converged = False
    for _ in range(20):
        c = get(theta, True)
        ll, g, H = c["ll"], c["g"], c["H"]
        if not (np.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            message = "the log-likelihood or its derivatives are not finite at the last estimates"
            break
        step, dec = _decrement(g, H)
        if step is None:
            message = "the Hessian is not negative definite at the last estimates"
            break
        if dec <= tol:
            converged = True
            break
        t, moved = 1.0, False
        while t > 1e-10:
            cand = theta + t * step
            lln = get(cand, False)["ll"]
            if np.isfinite(lln) and lln >= ll - 1e-12 * abs(ll):
                theta, moved = cand, True
                break
            t *= 0.5
        iterations += 1
        if not moved:
            message = "no step along the Newton direction increases the log-likelihood"
            break
    else:
        message = f"Newton decrement still above {tol:g} after polishing"
    c = get(theta, True)
    out = _Fit()
    out.theta, out.ll, out.g, out.H = theta, c["ll"], c["g"], c["H"]
    out.converged, out.iterations = converged, iterations
    out.message = "converged" if converged else message
    return out


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


# ---------------------------------------------------------------------------
# pooled


def _ols_start(X, y):
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ b
    sd = math.sqrt(float(r @ r) / len(y))
    if not sd > 0:
        sd = 1e-3 * (float(np.std(y)) + 1e-12)
    return b, math.log(sd)


def _fit_pooled(d, vcov, clusters, method, maxiter, tol, hook, notes):
    b0, s0 = _ols_start(d.X, d.y)
    ev = _pooled_eval(d)
    fit = _maximize(ev, np.r_[b0, s0], method, maxiter, tol, hook, d.N)
    Hinv = _inv_neg_hessian(fit.H, notes)
    if vcov == "oim":
        V = Hinv
    else:
        ev(fit.theta, False)
        t = ev.last
        S = np.column_stack([d.X * t.gm[:, None], t.gs])
        if vcov == "robust":
            V = _sandwich(Hinv, S, d.N / (d.N - 1.0) if d.N > 1 else 1.0)
        else:
            cl = d.gid if clusters is None else clusters
            _, cl = np.unique(cl, return_inverse=True)
            cl = np.asarray(cl).reshape(-1)
            G = int(cl.max()) + 1
            Sg = np.zeros((G, S.shape[1]))
            np.add.at(Sg, cl, S)
            if G < 2:
                notes.append("only one cluster: clustered standard errors are not defined")
                V = np.full_like(Hinv, np.nan)
            else:
                V = _sandwich(Hinv, Sg, G / (G - 1.0))
    return fit, V


def _common_setup(
    y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
):
    vcov = check_choice(vcov, VCOV_TYPES, "standard-error type")
    method = check_choice(method, METHODS, "optimisation method")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise InputDataError(f"maxiter must be a whole number >= 0; got {maxiter!r}.")
    try:
        tol_ok = float(tol) >= 0 and math.isfinite(float(tol))
    except (TypeError, ValueError):
        tol_ok = False
    if not tol_ok:
        raise InputDataError(f"tol must be a finite number >= 0; got {tol!r}.")
    yc, Xa, names, lo, hi, reg, per, notes = _prepare(
        y, X, regions, names, periods, lower, upper, constant, log
    )
    return yc, Xa, names, lo, hi, reg, per, notes, vcov, method


def pooled_tobit(
    y,
    X,
    regions,
    *,
    lower=0.0,
    upper=1.0,
    names=None,
    periods=None,
    constant=True,
    log=None,
    vcov="oim",
    clusters=None,
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Pooled two-limit Tobit by maximum likelihood.

    Parameters
    ----------
    y : array_like, shape (N,)
        Dependent variable (long format: one row per region-period).
    X : array_like or DataFrame, shape (N, K)
        Regressors (without constant).
    regions : array_like, shape (N,)
        Region id of every row (for clustering and messages).
    lower, upper : float or None, default 0 and 1
        Censoring limits; None = not censored on that side. ``y <= lower``
        is left-censored, ``y >= upper`` right-censored.
    names : sequence of str, optional
        Regressor names (default the DataFrame columns or ``x1..xK``).
    periods : array_like, shape (N,), optional
        Period labels, for messages (and a duplicate region-period check).
    constant : bool, default True
        Add a constant named ``const``.
    log : str, int or sequence, optional
        Regressors (names or column indices) to log-transform.
    vcov : {"oim", "robust", "cluster"}, default "oim"
    clusters : array_like, shape (N,), optional
        Cluster ids for ``vcov="cluster"`` (default: ``regions``).
    method : {"trust-exact", "trust-ncg", "newton-cg", "bfgs"}
        ``scipy.optimize.minimize`` method.
    maxiter : int, default 200
    tol : float, default 1e-9
        Convergence: Newton decrement ``g' (-H)^-1 g`` below ``tol``.
    progress, is_canceled : callable, optional
        ``progress(fraction)``; ``is_canceled()`` -> True raises
        :class:`~.errors.Canceled`.

    Returns
    -------
    TobitResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=400)
    >>> y = np.maximum(0.5 * x + rng.normal(size=400), 0)
    >>> r = pooled_tobit(y, x, np.arange(400) // 4, upper=None)
    >>> r.n_left + r.n_uncensored == 400, bool(abs(r.coef[1] - 0.5) < 4 * r.se[1])
    (True, True)
    """
    hook = _Hook(progress, is_canceled)
    yc, Xa, names, lo, hi, reg, per, notes, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
    )
    if clusters is not None:
        cl = np.asarray(clusters)
        if cl.shape != (len(yc),):
            raise InputDataError(f"The cluster ids must be one value per row ({len(yc)}).")
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    _check_rank(d.X, d.names)
    _check_uncensored(d, d.K + 2)
    _censor_notes(d, notes)
    if clusters is not None:
        clusters = np.asarray(clusters)[d.order]
    fit, V = _fit_pooled(d, vcov, clusters, method, maxiter, tol, hook, notes)
    res = _fill_result("pooled", d, fit, V, vcov, d.names + ("log_sigma",), notes)
    hook.done()
    return res


# ---------------------------------------------------------------------------
# random effects


def _region_newton(d, xb, s, u0, prec, hook=None, tol=1e-11, maxit=100):
    """Maximise ``f_g(u) = sum_t ll(xb_gt + u, s) - prec u^2 / 2`` for every
    region ``g`` at once (each is concave in ``u``). Returns ``u`` and
    ``f_g''(u)`` (negative)."""
    u = np.array(u0, dtype=float, copy=True)

    def ev(uu):
        t = _obs_terms(xb + uu[d.gid], s, d, hess=True, index_only=True)
        f = d.gsum(t.ll) - 0.5 * prec * uu * uu
        g1 = d.gsum(t.gm) - prec * uu
        h1 = d.gsum(t.hmm) - prec
        return f, g1, h1

    f, g1, h1 = ev(u)
    for _ in range(maxit):
        if hook is not None:
            hook.tick()
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(h1 < 0, -g1 / h1, 0.0)
        if np.all(np.abs(step) <= tol * (1.0 + np.abs(u))):
            break
        unew = u + step
        fn, gn, hn = ev(unew)
        # backtrack only where a sizeable step lowered f (a concave f and a
        # small Newton step cannot overshoot beyond rounding)
        small = np.abs(step) <= 1e-6 * (1.0 + np.abs(u))
        bad = ~((fn >= f) | small)
        halvings = 0
        while bad.any() and halvings < 40:
            step = np.where(bad, 0.5 * step, step)
            unew = u + step
            fn, gn, hn = ev(unew)
            bad &= ~(fn >= f)
            halvings += 1
        if bad.any():
            unew = np.where(bad, u, unew)
            fn, gn, hn = ev(unew)
        u, f, g1, h1 = unew, fn, gn, hn
    return u, h1


class _REEval:
    """RE log-likelihood by (adaptive) Gauss-Hermite quadrature.

    ``l_i = log sum_q exp(c_iq + sum_t ll(x~_it b + w_iq, s_e))``: node
    offsets ``w_iq`` and log-weights ``c_iq`` per region and node.

    * Ordinary quadrature: ``w_iq = sigma_u z_q``, ``c_iq = log w_q``,
      ``x~ = x``.
    * Adaptive, frozen between two adaptations (at ``theta0``, where the
      mode ``m_i`` and scale ``tau_i`` of the integrand are found and
      ``u0_iq = m_i + tau_i z_q``) in one of two ways per region:

      - prior-dominated regions (``tau_i^2 >= sigma_u0^2 / 2``): nodes fixed
        in the standardised scale, ``w_iq = sigma_u v_iq`` with
        ``v = u0 / sigma_u0`` and ``c_iq = log w_q + log(tau_i / sigma_u0) +
        z_q^2/2 - v_iq^2/2`` (they follow ``sigma_u`` down to 0);
      - data-dominated regions: nodes fixed on the region's location
        ``a_iq = u0_iq + xbar_i b0`` with ``xbar_i`` the precision-weighted
        mean of the region's regressors, ``x~_it = x_it - xbar_i``,
        ``w_iq = a_iq`` and ``c_iq = log w_q + log tau_i + z_q^2/2 - log
        sigma_u - r_iq^2 / (2 sigma_u^2)``, ``r_iq = a_iq - xbar_i b`` (they
        stay on the integrand when ``b`` moves).

      Both are exact changes of variable of the same integral, so between
      adaptations the approximation is a smooth function of ``theta`` with
      exact analytic derivatives.
    """

    def __init__(self, d, n_nodes, adaptive):
        self.d = d
        self.z, w = gauss_hermite_normal(n_nodes)
        self.logw = np.log(w)
        self.adaptive = adaptive
        self.mu = np.zeros(d.G)
        self.Xt = d.X
        self.A = np.zeros((d.G, 1))
        self.xbarA = np.zeros((d.G, d.K))
        self.base = self.z[None, :]
        self.c0 = self.logw[None, :]
        self.region_scores = None

    def adapt(self, theta, hook=None, force=None):
        d = self.d
        K, X = d.K, d.X
        b, se_, su = theta[:K], theta[K], theta[K + 1]
        sig_u = math.exp(su)
        xb = X @ b
        mu, h1 = _region_newton(d, xb, se_, self.mu, 1.0 / sig_u**2, hook)
        self.mu = mu
        tau = 1.0 / np.sqrt(-h1)
        t = _obs_terms(xb + mu[d.gid], se_, d, hess=True, index_only=True)
        wts = -t.hmm
        sw = d.gsum(wts)
        xbar = d.gsum(X * wts[:, None])
        ok = sw > 1e-300
        xbar[ok] /= sw[ok, None]
        xbar[~ok] = d.gsum(X)[~ok] / d.counts[~ok, None]
        A = tau * tau < 0.5 * sig_u * sig_u
        if force is not None:
            A = np.broadcast_to(np.asarray(force, dtype=bool), A.shape).copy()
        Af = A[:, None].astype(float)
        u0 = mu[:, None] + tau[:, None] * self.z[None, :]
        v = u0 / sig_u
        half_z2 = 0.5 * self.z[None, :] ** 2
        self.base = np.where(A[:, None], u0 + (xbar @ b)[:, None], v)
        self.c0 = np.where(
            A[:, None],
            self.logw + np.log(tau)[:, None] + half_z2,
            self.logw + np.log(tau / sig_u)[:, None] + half_z2 - 0.5 * v * v,
        )
        self.A = Af
        self.xbarA = xbar * Af
        self.Xt = X - self.xbarA[d.gid]

    def __call__(self, theta, hess=True):
        d = self.d
        K, Xt = d.K, self.Xt
        b, se_, su = theta[:K], theta[K], theta[K + 1]
        sig_u, e2 = math.exp(su), math.exp(-2.0 * su)
        Af = self.A
        S_ = 1.0 - Af
        D = S_ * (sig_u * self.base)  # d w / d log sigma_u (0 in data-dominated regions)
        w = D + Af * self.base
        r = self.base - (self.xbarA @ b)[:, None]  # implied u in data-dominated regions
        Ar = Af * r
        c = self.c0 + Af * (-su) - 0.5 * e2 * Ar * r
        c1 = Af * (-1.0) + e2 * Ar * r  # d c / d log sigma_u
        cb = e2 * Ar  # d c / d b = cb * xbar_i
        wobs = w[d.gid] if w.shape[0] > 1 else w
        m = (Xt @ b)[:, None] + wobs
        t = _obs_terms(m, se_, d, hess)
        L = c + d.gsum(t.ll)
        Lmax = L.max(axis=1)
        p = np.exp(L - Lmax[:, None])
        Ssum = p.sum(axis=1)
        p /= Ssum[:, None]
        ll = float((Lmax + np.log(Ssum)).sum())
        P = p[d.gid]
        Pgm = P * t.gm
        Gm = d.gsum(t.gm)
        pD = p * D
        g = np.empty(K + 2)
        g[:K] = Xt.T @ Pgm.sum(axis=1) + self.xbarA.T @ (p * cb).sum(axis=1)
        g[K] = float((P * t.gs).sum())
        g[K + 1] = float((pD * Gm).sum() + (p * c1).sum())
        if not hess:
            return ll, g, None
        Pn = K + 2
        H = np.empty((Pn, Pn))
        Phmm = P * t.hmm
        Dobs = D[d.gid] if D.shape[0] > 1 else D
        H[:K, :K] = Xt.T @ (Xt * Phmm.sum(axis=1)[:, None]) - e2 * (self.xbarA.T @ self.xbarA)
        H[:K, K] = Xt.T @ (P * t.hms).sum(axis=1)
        H[K, K] = float((P * t.hss).sum())
        H[:K, K + 1] = Xt.T @ (Phmm * Dobs).sum(axis=1) - 2.0 * e2 * (
            self.xbarA.T @ (p * Ar).sum(axis=1)
        )
        H[K, K + 1] = float((pD * d.gsum(t.hms)).sum())
        H[K + 1, K + 1] = float(
            (pD * (D * d.gsum(t.hmm) + Gm)).sum() - 2.0 * e2 * (p * Ar * r).sum()
        )
        # outer-product term: sum_i sum_q p_iq (dL_iq - dl_i)(dL_iq - dl_i)'
        G, Q = p.shape
        dL = np.empty((G, Q, Pn))
        for k in range(K):
            dL[:, :, k] = d.gsum(t.gm * Xt[:, k : k + 1]) + cb * self.xbarA[:, k : k + 1]
        dL[:, :, K] = d.gsum(t.gs)
        dL[:, :, K + 1] = D * Gm + c1
        mean = np.einsum("gq,gqp->gp", p, dL)
        dev = ((dL - mean[:, None, :]) * np.sqrt(p)[:, :, None]).reshape(G * Q, Pn)
        H += dev.T @ dev
        H[K + 1, :K] = H[:K, K + 1]
        H[K, :K] = H[:K, K]
        H[K + 1, K] = H[K, K + 1]
        self.region_scores = mean
        return ll, g, H


def random_effects_tobit(
    y,
    X,
    regions,
    *,
    lower=0.0,
    upper=1.0,
    names=None,
    periods=None,
    constant=True,
    log=None,
    n_nodes=12,
    quadrature="adaptive",
    vcov="oim",
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Random-effects panel Tobit (region effect ``u_i ~ N(0, sigma_u^2)``).

    Parameters are those of :func:`pooled_tobit`, plus:

    n_nodes : int, default 12
        Gauss-Hermite nodes (as Stata's ``xttobit``).
    quadrature : {"adaptive", "ghermite"}, default "adaptive"
        Mode-curvature adaptive (Liu and Pierce 1994) or ordinary
        Gauss-Hermite quadrature.
    vcov : {"oim", "robust", "cluster"}
        ``"robust"`` and ``"cluster"`` are both the sandwich with region
        scores (the region is the independent unit), factor ``G/(G-1)``.

    Returns
    -------
    TobitResult
        ``sigma`` is ``sigma_e``; ``sigma_u``, ``rho`` (with delta-method
        SEs), ``lr_stat``/``lr_pvalue`` (``chibar2(01)`` test of
        ``sigma_u = 0``) and ``loglik_pooled`` are filled.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(5)
    >>> g = np.repeat(np.arange(60), 8)
    >>> x = rng.normal(size=480)
    >>> y = np.clip(0.4 + 0.2 * x + rng.normal(0, 0.15, 60)[g] + rng.normal(0, 0.1, 480), 0, 1)
    >>> r = random_effects_tobit(y, x, g)
    >>> r.converged, bool(0.4 < r.rho < 0.9), bool(r.lr_pvalue < 0.01)
    (True, True, True)
    """
    hook = _Hook(progress, is_canceled)
    quadrature = check_choice(quadrature, QUADRATURES, "quadrature rule")
    yc, Xa, names, lo, hi, reg, per, notes, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, constant, log, vcov, method, maxiter, tol
    )
    n_nodes_i = len(gauss_hermite_normal(n_nodes)[0])
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    _check_rank(d.X, d.names)
    _check_uncensored(d, d.K + 2)
    _censor_notes(d, notes)
    if d.G < 2:
        raise InputDataError("The random-effects model needs at least 2 regions.")
    K = d.K
    pooled_notes = []
    pfit, _ = _fit_pooled(d, "oim", None, method, maxiter, tol, hook.sub(0.0, 0.2), pooled_notes)
    adaptive = quadrature == "adaptive"
    ev = _REEval(d, n_nodes_i, adaptive)
    b0, s0 = pfit.theta[:K], pfit.theta[K]
    best, best_ll = None, -np.inf
    for rho0 in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85):
        th = np.r_[b0, s0 + 0.5 * math.log(1 - rho0), s0 + 0.5 * math.log(rho0)]
        if adaptive:
            ev.mu = np.zeros(d.G)
            ev.adapt(th, hook)
        ll = ev(th, False)[0]
        if np.isfinite(ll) and ll > best_ll:
            best, best_ll = th, ll
    if best is None:
        best = np.r_[b0, s0 + 0.5 * math.log(0.5), s0 + 0.5 * math.log(0.5)]
    theta = best
    sub = hook.sub(0.2, 0.95)
    total_it = 0
    rounds = 0
    if adaptive:
        ev.mu = np.zeros(d.G)
        fit = None
        for rounds in range(1, 51):
            ev.adapt(theta, sub)
            ll, g, H = ev(theta, True)
            _, dec = _decrement(g, H)
            if fit is not None and dec <= tol:
                fit.ll, fit.g, fit.H, fit.theta = ll, g, H, theta
                fit.converged, fit.message = True, "converged"
                break
            fit = _maximize(ev, theta, method, maxiter, tol, sub, d.N)
            total_it += fit.iterations
            if not fit.converged and not np.all(np.isfinite(fit.theta)):
                break
            theta = fit.theta
        else:
            fit.converged = False
            fit.message = "adaptive quadrature did not settle in 50 rounds"
        fit.iterations = total_it
    else:
        fit = _maximize(ev, theta, method, maxiter, tol, sub, d.N)
    ev(fit.theta, True)  # region scores at the estimates
    Hinv = _inv_neg_hessian(fit.H, notes)
    # quadrature check (in the spirit of Stata's quadchk): the log-likelihood
    # and the Newton step at the estimates with twice the nodes
    n_chk = min(2 * n_nodes_i, 200)
    ev_chk = _REEval(d, n_chk, adaptive)
    ev_chk.mu = ev.mu.copy()
    if adaptive:
        ev_chk.adapt(fit.theta)
    ll_chk, g_chk, _ = ev_chk(fit.theta, False)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.abs(Hinv @ g_chk) / np.sqrt(np.diag(Hinv))
    max_shift = float(np.nanmax(shift)) if np.all(np.isfinite(g_chk)) else math.inf
    quad_check = {"n_nodes": n_chk, "loglik": float(ll_chk), "max_shift_se": max_shift}
    if max_shift > 0.1:
        notes.append(
            f"quadrature check: with {n_chk} nodes the log-likelihood at the estimates is "
            f"{ll_chk:.6g} (vs {fit.ll:.6g}) and the estimates would move by up to "
            f"{max_shift:.2g} standard errors; refit with more nodes (n_nodes)"
            + ("" if adaptive else " or the adaptive quadrature")
            + ". Regions whose observations are all censored on one side are the usual cause."
        )
    hook.tick()
    if vcov == "oim":
        V = Hinv
    else:
        if vcov == "robust":
            notes.append(
                "random effects: robust standard errors are clustered by region (the region is "
                "the independent unit)"
            )
        V = _sandwich(Hinv, ev.region_scores, d.G / (d.G - 1.0))
    su = fit.theta[K + 1]
    sig_u = math.exp(su)
    sig_u_se = sig_u * math.sqrt(V[K + 1, K + 1]) if V[K + 1, K + 1] >= 0 else math.nan
    se_ = fit.theta[K]
    rho = 1.0 / (1.0 + math.exp(2.0 * (se_ - su)))
    grad = np.array([-2.0 * rho * (1 - rho), 2.0 * rho * (1 - rho)])
    vr = float(grad @ V[K : K + 2, K : K + 2] @ grad)
    rho_se = math.sqrt(vr) if vr >= 0 else math.nan
    lr = 2.0 * (fit.ll - pfit.ll)
    if lr < -1e-6 * max(1.0, abs(fit.ll)):
        notes.append(
            "the random-effects log-likelihood is below the pooled one: check convergence or use "
            "more quadrature nodes"
        )
    lr = max(lr, 0.0)
    lr_p = 0.5 * float(stats.chi2.sf(lr, 1)) if lr > 0 else 1.0
    if sig_u < 1e-4 * math.exp(se_):
        notes.append(
            "sigma_u is essentially zero: the random-effects model reduces to the pooled Tobit"
        )
    res = _fill_result(
        "random_effects",
        d,
        fit,
        V,
        vcov,
        d.names + ("log_sigma_e", "log_sigma_u"),
        notes,
        sigma_u=sig_u,
        sigma_u_se=sig_u_se,
        rho=rho,
        rho_se=rho_se,
        lr_stat=lr,
        lr_pvalue=lr_p,
        loglik_pooled=float(pfit.ll),
        quadrature=quadrature,
        n_nodes=n_nodes_i,
        meta={"adaptation_rounds": rounds, "quadrature_check": quad_check},
    )
    hook.done()
    return res


# ---------------------------------------------------------------------------
# fixed effects


class _FEEval:
    """Profile log-likelihood of (b, log sigma) with the alphas concentrated out."""

    def __init__(self, d, alpha0, hook):
        self.d, self.alpha, self.hook = d, alpha0, hook

    def __call__(self, theta, hess=True):
        d = self.d
        K, X = d.K, d.X
        b, s = theta[:K], theta[K]
        xb = X @ b
        alpha, _ = _region_newton(d, xb, s, self.alpha, 0.0)
        if np.all(np.isfinite(alpha)):
            self.alpha = alpha
        t = _obs_terms(xb + alpha[d.gid], s, d, True)
        self.last = t
        ll = float(t.ll.sum())
        g = np.r_[X.T @ t.gm, t.gs.sum()]
        Htt = np.empty((K + 1, K + 1))
        Htt[:K, :K] = X.T @ (X * t.hmm[:, None])
        Htt[:K, K] = Htt[K, :K] = X.T @ t.hms
        Htt[K, K] = t.hss.sum()
        a = d.gsum(t.hmm)
        C = np.empty((d.G, K + 1))
        for k in range(K):
            C[:, k] = d.gsum(t.hmm * X[:, k])
        C[:, K] = d.gsum(t.hms)
        self.a, self.C = a, C
        H = Htt - C.T @ (C / a[:, None])
        return ll, g, H


def fixed_effects_tobit(
    y,
    X,
    regions,
    *,
    lower=0.0,
    upper=1.0,
    names=None,
    periods=None,
    log=None,
    vcov="oim",
    method="trust-exact",
    maxiter=200,
    tol=1e-9,
    progress=None,
    is_canceled=None,
):
    """Unconditional fixed-effects Tobit (one intercept per region).

    Parameters are those of :func:`pooled_tobit` (no constant is added: the
    region intercepts replace it).

    Returns
    -------
    TobitResult
        Slopes in ``coef``; region intercepts in ``alpha`` (ids in
        ``alpha_regions``, OIM SEs in ``alpha_se``); regions dropped because
        all their observations are censored on one side in
        ``dropped_regions``. See the module notes on the incidental
        parameters bias (Greene 2004).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> g = np.repeat(np.arange(40), 10)
    >>> x = rng.normal(size=400)
    >>> y = np.clip(rng.normal(0.4, 0.2, 40)[g] + 0.2 * x + rng.normal(0, 0.1, 400), 0, 1)
    >>> r = fixed_effects_tobit(y, x, g)
    >>> r.names, r.alpha.shape, bool(abs(r.coef[0] - 0.2) < 4 * r.se[0])
    (('x1',), (40,), True)
    """
    hook = _Hook(progress, is_canceled)
    yc, Xa, names, lo, hi, reg, per, notes, vcov, method = _common_setup(
        y, X, regions, names, periods, lower, upper, False, log, vcov, method, maxiter, tol
    )
    d = _Data(yc, Xa, names, lo, hi, reg, per)
    nl = np.bincount(d.gid[d.il], minlength=d.G)
    nr = np.bincount(d.gid[d.ir], minlength=d.G)
    nu = np.bincount(d.gid[d.iu], minlength=d.G)
    drop = (nu == 0) & ((nl == 0) | (nr == 0))
    dropped = tuple(d.codes[drop].tolist())
    if drop.any():
        keep_regions = d.codes[~drop]
        if keep_regions.size == 0:
            raise InputDataError(
                "Every region has all its observations censored on one side; the fixed-effects "
                "Tobit has nothing to estimate."
            )
        keep = np.isin(reg, keep_regions)
        notes.append(
            f"{int(drop.sum())} region(s) dropped because all their observations are censored on "
            f"the same side (no finite fixed effect): {format_list(dropped)}; "
            f"{int((~keep).sum())} observation(s) removed."
        )
        d = _Data(yc[keep], Xa[keep], names, lo, hi, reg[keep], None if per is None else per[keep])
    K = d.K
    if K == 0:
        raise InputDataError("The fixed-effects model needs at least one regressor.")
    Xw = d.X - (d.gsum(d.X) / d.counts[:, None])[d.gid]
    small = np.abs(Xw).max(axis=0) <= 1e-12 * np.maximum(1.0, np.abs(d.X).max(axis=0))
    Xw[:, small] = 0.0
    _check_rank(Xw, d.names, within=True)
    _check_uncensored(d, K + 2)
    if d.N - d.G < K + 1:
        raise InputDataError(
            f"{d.N} observations in {d.G} regions leave too few for {K} slope(s) and sigma in the "
            "fixed-effects model; use the pooled or random-effects model or more periods."
        )
    _censor_notes(d, notes)
    Tbar = d.N / d.G
    if Tbar < 10:
        notes.append(
            f"fixed-effects Tobit with on average {Tbar:.1f} periods per region: incidental "
            "parameters bias (sigma biased downwards; Greene 2004)"
        )
    # start: within OLS on the censored y
    yw = d.y - (d.gsum(d.y) / d.counts)[d.gid]
    b0 = np.linalg.lstsq(Xw, yw, rcond=None)[0]
    r = yw - Xw @ b0
    sd = math.sqrt(float(r @ r) / max(d.N - d.G, 1))
    s0 = math.log(sd if sd > 0 else 1e-3 * (float(np.std(d.y)) + 1e-12))
    alpha0 = d.gsum(d.y - d.X @ b0) / d.counts
    ev = _FEEval(d, alpha0, hook)
    fit = _maximize(ev, np.r_[b0, s0], method, maxiter, tol, hook, d.N)
    ev(fit.theta, True)
    Hinv = _inv_neg_hessian(fit.H, notes)
    t, a, C = ev.last, ev.a, ev.C
    if vcov == "oim":
        V = Hinv
    else:
        S = np.column_stack([d.X * t.gm[:, None], t.gs])
        S -= (C / a[:, None])[d.gid] * t.gm[:, None]
        if vcov == "robust":
            V = _sandwich(Hinv, S, d.N / (d.N - 1.0))
        else:
            if d.G < 2:
                notes.append("only one cluster: clustered standard errors are not defined")
                V = np.full_like(Hinv, np.nan)
            else:
                V = _sandwich(Hinv, d.gsum(S), d.G / (d.G - 1.0))
    Ca = C / a[:, None]
    with np.errstate(invalid="ignore"):
        alpha_var = -1.0 / a + np.einsum("gi,ij,gj->g", Ca, Hinv, Ca)
        alpha_se = np.sqrt(np.where(alpha_var >= 0, alpha_var, np.nan))
    res = _fill_result(
        "fixed_effects",
        d,
        fit,
        V,
        vcov,
        d.names + ("log_sigma",),
        notes,
        alpha=ev.alpha.copy(),
        alpha_se=alpha_se,
        alpha_regions=d.codes.copy(),
        dropped_regions=dropped,
    )
    hook.done()
    return res


# ---------------------------------------------------------------------------
# dispatch, Hausman, subgroups


def _model_function(model, kwargs):
    import inspect

    fn = {
        "pooled": pooled_tobit,
        "random_effects": random_effects_tobit,
        "fixed_effects": fixed_effects_tobit,
    }[model]
    valid = [
        n for n, par in inspect.signature(fn).parameters.items()
        if par.kind == par.KEYWORD_ONLY
    ]
    unknown = [k for k in kwargs if k not in valid]
    if unknown:
        raise InputDataError(
            f"Option(s) {format_list(map(repr, unknown))} do not apply to the {model} Tobit; "
            f"valid options: {format_list(valid, 30)}."
        )
    return fn


def tobit(y, X, regions, *, model="pooled", **kwargs):
    """Fit the Tobit ``model`` (``"pooled"``, ``"random_effects"``/``"re"``,
    ``"fixed_effects"``/``"fe"``); keyword arguments go to the model's
    function (:func:`pooled_tobit`, :func:`random_effects_tobit`,
    :func:`fixed_effects_tobit`)."""
    model = _model_name(model)
    if model == "fixed_effects" and kwargs.get("constant"):
        raise InputDataError("The fixed-effects Tobit has region intercepts instead of a constant.")
    if model == "fixed_effects":
        kwargs.pop("constant", None)
    return _model_function(model, kwargs)(y, X, regions, **kwargs)


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


def _group_labels(groups, regions, n):
    reg = np.asarray(regions)
    if isinstance(groups, dict):
        missing = sorted({r for r in reg.tolist() if r not in groups}, key=str)
        if missing:
            raise InputDataError(
                f"No group label for region(s) {format_list(missing)}; give every region a group."
            )
        lab = np.array([groups[r] for r in reg.tolist()], dtype=object)
    else:
        lab = np.asarray(groups, dtype=object)
        if lab.shape != (n,):
            raise InputDataError(
                f"The group labels must be one value per row ({n}) or a dict region -> group."
            )
    # labels read by the one rule of core.groups: text, numbers as "1", blank = missing
    lab = np.array([label_text(v) for v in lab], dtype=object)
    miss = [i for i, v in enumerate(lab) if v is None]
    if miss:
        regs = sorted({reg[i] for i in miss}, key=str)
        raise InputDataError(f"The group label is missing for region(s) {format_list(regs)}.")
    import pandas as pd

    frame = pd.DataFrame({"r": reg, "g": list(lab)})
    nun = frame.groupby("r", sort=False)["g"].nunique()
    bad = nun.index[nun > 1].tolist()
    if bad:
        raise InputDataError(
            f"Region(s) {format_list(bad)} have more than one group label; a region belongs to "
            "one group."
        )
    return lab


def tobit_by_group(
    y,
    X,
    regions,
    groups,
    *,
    model="pooled",
    include_all=True,
    all_label="All",
    order=None,
    periods=None,
    progress=None,
    is_canceled=None,
    **kwargs,
):
    """Estimate the same Tobit on the whole sample and on every group.

    Parameters
    ----------
    y, X, regions : see :func:`pooled_tobit`
    groups : array_like of shape (N,) or dict
        Group label of every row (constant within a region) or a mapping
        region id -> label (e.g. east / central / west / northeast).
    model : str, default "pooled"
        ``"pooled"``, ``"random_effects"`` or ``"fixed_effects"``.
    include_all : bool, default True
        Also estimate on all observations (labelled ``all_label``, first).
    order : sequence of str, optional
        Order of the group columns (default: sorted labels).
    **kwargs
        Passed to the model function (limits, names, log, vcov...).

    Returns
    -------
    GroupedTobitResult
        A group is skipped -- with the reason in ``skipped`` -- when it has
        fewer than ``K + 2`` uncensored observations (``K`` = coefficients
        incl. the constant; FE: slopes, and it also needs more observations
        than regions + K), when its data are unusable (the InputDataError
        message, e.g. collinear within the group), or when the fit did not
        converge (the result is kept in ``unconverged``). The others are
        still computed. If nothing can be estimated, InputDataError lists
        the reasons.
    """
    model = _model_name(model)
    ya = np.asarray(y)
    n = ya.shape[0]
    labels = _group_labels(groups, regions, n)
    uniq = sorted(set(labels.tolist()))
    if order is not None:
        order = [str(v) for v in order]
        unknown = [v for v in order if v not in uniq]
        if unknown:
            raise InputDataError(
                f"Group(s) {format_list(unknown)} in the order do not occur; groups are "
                f"{format_list(uniq)}."
            )
        uniq = order + [v for v in uniq if v not in order]
    samples = []
    if include_all:
        if str(all_label) in uniq:
            raise InputDataError(f"A group is named {all_label!r}; choose another all_label.")
        samples.append((str(all_label), None))
    samples += [(g, g) for g in uniq]
    hook = _Hook(progress, is_canceled)
    if kwargs.get("names") is None and hasattr(X, "columns"):
        kwargs["names"] = [str(c) for c in X.columns]
    try:
        Xv = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The regressors must be numeric: {exc}") from None
    if Xv.ndim == 1:
        Xv = Xv[:, None]
    reg = np.asarray(regions)
    per = None if periods is None else np.asarray(periods)
    results, skipped, unconverged = {}, {}, {}
    if model == "fixed_effects" and kwargs.get("constant"):
        raise InputDataError("The fixed-effects Tobit has region intercepts instead of a constant.")
    if model == "fixed_effects":
        kwargs.pop("constant", None)
    for reserved in ("progress", "is_canceled", "periods"):
        kwargs.pop(reserved, None)
    fn = _model_function(model, kwargs)
    clusters = kwargs.pop("clusters", None)
    for i, (label, g) in enumerate(samples):
        sub = hook.sub(i / len(samples), (i + 1) / len(samples))
        rows = np.arange(n) if g is None else np.flatnonzero(labels == g)
        kw = dict(kwargs)
        if clusters is not None:
            kw["clusters"] = np.asarray(clusters)[rows]
        try:
            res = fn(
                ya[rows],
                Xv[rows],
                reg[rows],
                periods=None if per is None else per[rows],
                progress=None
                if progress is None
                else (lambda f, s=sub: s.progress(s.lo + (s.hi - s.lo) * f)),
                is_canceled=is_canceled,
                **kw,
            )
        except InputDataError as exc:
            skipped[label] = str(exc)
            continue
        if not res.converged:
            skipped[label] = (
                f"did not converge after {res.iterations} iterations (last log-likelihood "
                f"{res.loglik:.6g}): {res.message}"
            )
            unconverged[label] = res
            continue
        results[label] = res
    if not results:
        raise InputDataError(
            "No sample could be estimated: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    hook.done()
    return GroupedTobitResult(
        model=model,
        labels=tuple(lbl for lbl, _ in samples),
        results=results,
        skipped=skipped,
        unconverged=unconverged,
    )


# ---------------------------------------------------------------------------
# tables


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

    rows = []
    for label, r in _as_mapping(results).items():
        for j, name in enumerate(r.names):
            rows.append((label, r.model, name, r.coef[j], r.se[j], r.z[j], r.p[j], r.stars[j]))
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


def publication_table(results, *, digits=3, brackets="()", stats_rows=True):
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
        log-likelihood, N, left/right-censored, uncensored and regions.

    Returns
    -------
    pandas.DataFrame
        Column ``variable`` then one string column per model/group; each
        coefficient takes two rows (estimate with stars; SE in brackets, the
        ``variable`` cell empty). ``df.values.tolist()`` gives plain rows.
    """
    import pandas as pd

    if len(brackets) != 2:
        raise InputDataError(
            f"brackets must be two characters such as '()' or '[]'; got {brackets!r}."
        )
    res = _as_mapping(results)
    if not res:
        raise InputDataError("There is no estimated model to tabulate.")
    terms = []
    for r in res.values():
        for name in r.names:
            if name not in terms:
                terms.append(name)
    fmt = f"{{:.{int(digits)}f}}"
    table = {"variable": []}
    for label in res:
        table[str(label)] = []
    for name in terms:
        table["variable"] += [name, ""]
        for label, r in res.items():
            if name in r.names:
                j = r.names.index(name)
                se = r.se[j]
                table[str(label)] += [
                    fmt.format(r.coef[j]) + r.stars[j],
                    brackets[0] + (fmt.format(se) if np.isfinite(se) else ".") + brackets[1],
                ]
            else:
                table[str(label)] += ["", ""]
    if stats_rows:
        any_re = any(r.model == "random_effects" for r in res.values())

        def num(v):
            return fmt.format(v) if v is not None and np.isfinite(v) else ""

        stat_defs = [("sigma", lambda r: num(r.sigma))]
        if any_re:
            stat_defs += [
                ("sigma_u", lambda r: num(r.sigma_u)),
                ("rho", lambda r: num(r.rho)),
                ("LR test sigma_u=0 (p)", lambda r: num(r.lr_pvalue)),
            ]
        stat_defs += [
            ("Log-likelihood", lambda r: num(r.loglik)),
            ("N", lambda r: str(r.n_obs)),
            ("Left-censored", lambda r: str(r.n_left)),
            ("Right-censored", lambda r: str(r.n_right)),
            ("Uncensored", lambda r: str(r.n_uncensored)),
            ("Regions", lambda r: str(r.n_regions)),
        ]
        for label_row, f in stat_defs:
            table["variable"].append(label_row)
            for label, r in res.items():
                table[str(label)].append(f(r))
    return pd.DataFrame(table)
