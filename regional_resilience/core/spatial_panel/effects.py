"""Direct, indirect (spillover) and total effects of SAR and SDM models.

In ``y = rho W y + X b + W X theta + ...`` a change of regressor ``k``
changes ``y`` through ``S_k(W) = (I - rho W)^-1 (b_k I + theta_k W)``
(LeSage and Pace 2009, sec. 2.7). Scalar summaries:

* direct = ``tr S_k / n`` (mean own-region effect, feedback included);
* total = ``1' S_k 1 / n`` (mean row sum: a change in every region);
* indirect = total - direct (spillover).

For the SAR ``theta_k = 0``; a regressor not lagged in the SDM has
``theta_k = 0``. The SEM has no such multiplier (direct = ``b``, indirect
= 0) and is refused.

Computation: ``direct = b_k a(rho) + theta_k b(rho)`` and ``total = b_k
c(rho) + theta_k d(rho)`` with the kernels of
:meth:`~regional_resilience.core.spatial_panel.logdet.PreparedWeights.effect_kernels`:
exact from the eigenvalues of ``W`` (``n <= dense_limit``), or the trace
approach of LeSage and Pace (2009, sec. 4.4) with Monte-Carlo traces of
``W^j`` for large ``n``; ``c = d = 1/(1 - rho)`` for row-standardised
weights without islands. No ``n x n`` inverse is formed.

Inference by simulation (LeSage and Pace 2009, sec. 5.6.2; Elhorst 2014,
sec. 2.7): ``draws`` (default 1000) parameter vectors ``(b, theta, rho)``
from ``N(estimate, V)``, ``V`` the asymptotic covariance of the fit, with a
local ``numpy.random.default_rng(seed)``; draws with rho outside its
interval are drawn again (counted in ``notes``). For every effect: the
estimate at the ML values, and the mean, standard deviation, ``z = mean /
sd``, two-sided normal p-value and percentile interval of the simulated
effects.

References
----------
LeSage, J. and Pace, R. K. (2009). *Introduction to Spatial Econometrics*.
CRC Press.

Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to
Spatial Panels*. Springer.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import effects, fit_sdm, simulate_panel
>>> sim = simulate_panel(n=100, t=10, rho=0.4, beta=[1.0], theta=[0.6], seed=7)
>>> fit = fit_sdm(sim.y, sim.X, sim.W)
>>> eff = effects(fit, draws=200, seed=1)
>>> eff.kinds, eff.names
(('direct', 'indirect', 'total'), ('x1',))
>>> bool(np.allclose(eff.total, eff.direct + eff.indirect))
True
>>> bool(abs(eff.total[0] - (fit.coef[0] + fit.coef[1]) / (1 - fit.rho)) < 1e-12)
True
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from ..errors import InputDataError
from ._base import Hook, normal_p, positive_int, warn

__all__ = ["EffectsResult", "effects", "KINDS"]

KINDS = ("direct", "indirect", "total")


@dataclass(frozen=True)
class EffectsResult:
    """LeSage-Pace effects of one SAR/SDM fit (:func:`effects`).

    Arrays have shape ``(k, 3)``: one row per regressor (``names``), the
    columns ``kinds`` = direct, indirect, total.

    Attributes
    ----------
    names : tuple of str
    kinds : tuple of str
    estimate : ndarray
        Effects at the ML estimates.
    mean, sd, z, p : ndarray
        Mean, standard deviation, ``mean / sd`` and two-sided normal
        p-value of the simulated effects.
    ci_low, ci_high : ndarray
        Percentile interval of the simulated effects (level ``ci``).
    ci : float
    draws : int
    seed : int
    method : str
        ``"eigen"`` (exact kernels) or ``"traces"`` (Monte-Carlo traces).
    model : str
    notes : tuple of str
    samples : ndarray, shape (draws, k, 3)
        The simulated effects.
    """

    names: tuple
    kinds: tuple
    estimate: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    z: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    ci: float
    draws: int
    seed: int
    method: str
    model: str
    notes: tuple = ()
    samples: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def direct(self):
        return self.estimate[:, 0]

    @property
    def indirect(self):
        return self.estimate[:, 1]

    @property
    def total(self):
        return self.estimate[:, 2]


def _sqrt_psd(V):
    w, U = linalg.eigh(0.5 * (V + V.T))
    return U * np.sqrt(np.clip(w, 0.0, None))


def effects(result, *, draws=1000, seed=0, ci=0.95, progress=None, is_canceled=None):
    """Direct, indirect and total effects with simulated inference.

    Parameters
    ----------
    result : SpatialPanelResult
        A SAR or SDM fit (with an estimated, not fixed, rho).
    draws : int, default 1000
        Parameter draws from the asymptotic normal distribution.
    seed : int, default 0
        Seed of the local random generator.
    ci : float, default 0.95
        Level of the percentile intervals.
    progress, is_canceled : callable, optional

    Returns
    -------
    EffectsResult

    Raises
    ------
    InputDataError
        A SEM fit, a fit with fixed rho, a bad ``draws`` or ``ci``.

    Examples
    --------
    >>> from regional_resilience.core.spatial_panel import fit_sar, simulate_panel
    >>> sim = simulate_panel(n=40, t=5, model="sar", rho=0.5, beta=[2.0], seed=9)
    >>> e = effects(fit_sar(sim.y, sim.X, sim.W), draws=100, seed=0)
    >>> e.estimate.shape, e.mean.shape, e.samples.shape
    ((1, 3), (1, 3), (100, 1, 3))
    """
    if result.model not in ("sar", "sdm"):
        raise InputDataError(
            "Effects are defined for the SAR and SDM: in the spatial error model the direct effects are "
            "the coefficients and there are no spillovers through y."
        )
    if result.rho_fixed:
        raise InputDataError("Effects need an estimated rho (the fit has rho fixed).")
    draws = positive_int(draws, "The number of draws", minimum=2)
    if not 0 < ci < 1:
        raise InputDataError(f"ci must be between 0 and 1; got {ci!r}.")
    hook = Hook(progress, is_canceled, what="Effects simulation")
    pw = result.weights
    notes = []
    k = len(result.x_names)
    p = len(result.names)
    bidx = np.arange(k)
    tidx = np.full(k, -1)
    for m, name in enumerate(result.lagged):
        tidx[result.x_names.index(name)] = k + m
    phi = np.concatenate([result.coef, [result.rho]])
    V = result.params_vcov[: p + 1, : p + 1]
    if not np.all(np.isfinite(V)):
        raise InputDataError("The fit has no finite variance matrix: effects cannot be simulated.")
    L = _sqrt_psd(V)
    rng = np.random.default_rng(seed)
    sims = phi + rng.standard_normal((draws, p + 1)) @ L.T
    lo, hi = pw.bounds
    bad = ~((sims[:, p] > lo) & (sims[:, p] < hi))
    redrawn = int(bad.sum())
    tries = 0
    while bad.any() and tries < 100:
        sims[bad] = phi + rng.standard_normal((int(bad.sum()), p + 1)) @ L.T
        bad = ~((sims[:, p] > lo) & (sims[:, p] < hi))
        tries += 1
    if bad.any():
        raise InputDataError(
            f"rho = {result.rho:.4g} (se {result.rho_se:.3g}) is too close to its bound: the simulated rho "
            f"keep falling outside ({lo:.4g}, {hi:.4g})."
        )
    if redrawn:
        warn(notes, f"{redrawn} of {draws} draws had rho outside ({lo:.4g}, {hi:.4g}) and were drawn again.")
    hook.at(0.2)
    rhos = np.concatenate([[result.rho], sims[:, p]])
    a, b, c, d = pw.effect_kernels(rhos, notes)
    hook.at(0.8)
    allb = np.vstack([phi, sims])[:, bidx]
    allt = np.where(tidx >= 0, np.vstack([phi, sims])[:, np.where(tidx >= 0, tidx, 0)], 0.0)
    direct = allb * a[:, None] + allt * b[:, None]
    total = allb * c[:, None] + allt * d[:, None]
    eff = np.stack([direct, total - direct, total], axis=2)  # (draws + 1, k, 3)
    est, sam = eff[0], eff[1:]
    mean = sam.mean(axis=0)
    sd = sam.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = mean / sd
    alpha = 1.0 - ci
    q = np.quantile(sam, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    method = "eigen" if pw.method == "eigen" else "traces"
    if method == "traces":
        notes.append(
            f"Direct effects from Monte-Carlo traces of W^j ({pw.probes} probes, seed {pw.seed + 1}); "
            "total effects exact."
        )
    hook.at(1.0)
    return EffectsResult(
        names=tuple(result.x_names), kinds=KINDS, estimate=est, mean=mean, sd=sd, z=z, p=normal_p(z),
        ci_low=q[0], ci_high=q[1], ci=float(ci), draws=draws, seed=int(seed), method=method,
        model=result.model, notes=tuple(notes), samples=sam,
    )
