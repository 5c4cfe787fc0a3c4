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

Layout of the package
---------------------
``pooled`` (:func:`pooled_tobit`), ``random_effects``
(:func:`random_effects_tobit`, :func:`gauss_hermite_normal`),
``fixed_effects`` (:func:`fixed_effects_tobit`), ``inference`` (OIM /
robust / clustered variances, :func:`hausman_fe_re`), ``by_group``
(:func:`tobit`, :func:`tobit_by_group`), ``predict``
(:func:`tobit_predict`), ``summary`` (:func:`tidy`, :func:`glance`,
:func:`tobit_table`, :func:`publication_table`, drawn by the generic
:mod:`regional_resilience.core.tables`), ``results`` (the result records).
Everything public is importable from ``regional_resilience.core.tobit``.

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

McDonald, J. F. and Moffitt, R. A. (1980). The uses of Tobit analysis.
*The Review of Economics and Statistics*, 62(2), 318-321.

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
from ..tables import stars
from ._common import METHODS, MODELS, QUADRATURES, VCOV_TYPES
from .by_group import tobit, tobit_by_group
from .fixed_effects import fixed_effects_tobit
from .inference import hausman_fe_re
from .pooled import pooled_tobit
from .predict import censored_mean, predict_by_sample, tobit_predict
from .random_effects import gauss_hermite_normal, random_effects_tobit
from .results import GroupedTobitResult, HausmanResult, TobitResult
from .summary import glance, publication_table, summary_rows, table_stats, tidy, tobit_table

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
    "tobit_predict",
    "censored_mean",
    "predict_by_sample",
    "stars",
    "tidy",
    "glance",
    "table_stats",
    "tobit_table",
    "publication_table",
    "summary_rows",
]
