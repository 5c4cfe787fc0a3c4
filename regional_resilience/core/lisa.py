"""Local Moran's I (LISA) with conditional permutation inference.

One call analyses ``t`` periods at once (``y`` of shape ``(n, t)``); the
results are ``(n, t)`` arrays. The numbers are those of PySAL's
``esda.Moran_Local(y[:, k], w, permutations=..., seed=seed)`` for every
column ``k``: the same statistic, quadrants, permuted neighbour ids, pseudo
p-values (exactly) and moments of the simulated values.

References
----------
Anselin, L. (1995). Local indicators of spatial association - LISA.
*Geographical Analysis*, 27(2), 93-115.

Sokal, R. R., Oden, N. L. and Thomson, B. A. (1998). Local spatial
autocorrelation in a biological model. *Geographical Analysis*, 30(4),
331-354.

Rey, S. J. and Anselin, L. (2007). PySAL: A Python library of spatial
analytical methods. *The Review of Regional Studies*, 37(1), 5-27.
"""
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import Canceled, WeightsError
from .moran import _as_panel, _check_weights, _columns
from .multiple_testing import _check_alpha, fdr_threshold
from .permutation import (
    check_permutations,
    check_seed,
    conditional_permutation_ids,
    folded_p_value,
)

__all__ = [
    "LocalMoranResult",
    "moran_local",
    "lisa_clusters",
    "NOT_SIGNIFICANT",
    "HIGH_HIGH",
    "LOW_HIGH",
    "LOW_LOW",
    "HIGH_LOW",
    "NO_NEIGHBOURS",
    "CLUSTER_NAMES",
]

# quadrants (esda/PySAL numbering) and cluster-map codes
HIGH_HIGH = 1
LOW_HIGH = 2
LOW_LOW = 3
HIGH_LOW = 4
NOT_SIGNIFICANT = 0
NO_NEIGHBOURS = 5
#: English keys of the cluster codes; adapters translate them for display.
CLUSTER_NAMES = {
    NOT_SIGNIFICANT: "Not significant",
    HIGH_HIGH: "High-High",
    LOW_HIGH: "Low-High",
    LOW_LOW: "Low-Low",
    HIGH_LOW: "High-Low",
    NO_NEIGHBOURS: "No neighbours",
}

# share of the progress bar given to drawing the permuted ids
_DRAW_SHARE = 0.05
# simulated values closer than this (relative to the largest possible
# |I_i|) to the observed one are recounted with esda's exact arithmetic
_TIE_RTOL = 1e-10
_RECOUNT_BATCH = 20000


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran's I of one or more periods (esda ``Moran_Local`` names).

    Arrays have shape ``(n, t)``, or ``(n,)`` when ``y`` was one-dimensional.

    Attributes
    ----------
    Is : local Moran's I, ``(n - 1) z_i (W z)_i / sum(z**2)`` with ``z`` the
        standardised values.
    q : quadrant of the Moran scatterplot: 1 High-High, 2 Low-High,
        3 Low-Low, 4 High-Low (PySAL numbering; a region with ``z_i <= 0``
        counts as low, one with ``(W z)_i <= 0`` as having a low lag).
    p_sim : pseudo p-value from conditional permutations (one-sided, folded).
    EI_sim, seI_sim : mean and standard deviation of the simulated values.
    z_sim : ``(Is - EI_sim) / seI_sim``; ``p_z_sim`` its one-sided normal
        p-value.
    EI, VI : analytical mean and variance under total randomisation
        (Anselin 1995, in the form of Sokal et al. 1998).
    EIc, VIc : analytical mean and variance under conditional randomisation
        (Sokal et al. 1998).
    n, permutations, seed : inputs, for reports.

    The ``*_sim`` fields are NaN when ``permutations == 0``. Regions without
    neighbours behave as in esda: ``Is = 0``, quadrant 3 or 4, every
    simulated value 0 so ``p_sim = 1 / (permutations + 1)`` and ``z_sim`` NaN;
    :func:`lisa_clusters` gives them their own code.
    """

    Is: np.ndarray
    q: np.ndarray
    p_sim: np.ndarray
    z_sim: np.ndarray
    EI_sim: np.ndarray
    seI_sim: np.ndarray
    p_z_sim: np.ndarray
    EI: np.ndarray
    VI: np.ndarray
    EIc: np.ndarray
    VIc: np.ndarray
    n: int
    permutations: int
    seed: object


def _nonzero_csr(w):
    """CSR arrays without explicit zero weights (esda drops them); check loops."""
    indptr = np.asarray(w.indptr, dtype=np.int64)
    indices = np.asarray(w.indices, dtype=np.int64)
    weights = np.asarray(w.weights, dtype=np.float64)
    rows = np.repeat(np.arange(w.n), np.diff(indptr))
    if np.any(indices == rows):
        raise WeightsError(
            "local Moran's I needs weights without self-neighbours "
            f"(region position {int(rows[indices == rows][0])} is its own neighbour)"
        )
    keep = weights != 0
    if keep.all():
        return indptr, weights, rows
    card = np.bincount(rows[keep], minlength=w.n)
    new_ptr = np.zeros(w.n + 1, dtype=np.int64)
    np.cumsum(card, out=new_ptr[1:])
    return new_ptr, weights[keep], rows[keep]


def moran_local(
    y,
    w,
    permutations=999,
    seed=12345,
    progress=None,
    is_canceled=None,
):
    """Local Moran's I for one or more periods.

    .. math::

        I_i = (n - 1) \\frac{z_i \\sum_j w_{ij} z_j}{\\sum_k z_k^2},
        \\qquad z = (y - \\bar{y}) / s_y

    Inference by conditional randomisation (Anselin 1995): region ``i``
    keeps its value and its neighbours' values are replaced by values drawn
    without replacement from the other ``n - 1`` regions. One matrix of
    permuted ids (``permutations x`` largest number of neighbours) is drawn
    once and shared by all regions and all periods, as esda does.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, t)
        Values of ``n`` regions, one column per period.
    w : Weights
        Spatial weights, used as passed (row-standardise them first for the
        usual statistic); no self-neighbours.
    permutations : int, default 999
        Number of conditional permutations; 0 skips inference.
    seed : int, default 12345
        Seed of the local random generator; the draws equal those of
        ``esda.Moran_Local(..., seed=seed)``.
    progress : callable, optional
        ``progress(fraction)`` with ``fraction`` in [0, 1].
    is_canceled : callable, optional
        ``is_canceled() -> bool``; when it returns True :class:`Canceled` is
        raised.

    Returns
    -------
    LocalMoranResult

    Raises
    ------
    InputDataError
        Missing values or a constant period (the exception's ``period``
        attribute holds the period's index).
    WeightsError
        Weights that do not fit the data, have self-neighbours, or give no
        region any neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.weights import from_neighbor_pairs
    >>> i = [0, 1, 1, 2, 2, 3]; j = [1, 0, 2, 1, 3, 2]  # a path of 4 regions
    >>> w = from_neighbor_pairs(4, i, j).row_standardized()
    >>> r = moran_local([1.0, 2.0, 3.0, 4.0], w, permutations=99, seed=1)
    >>> np.round(r.Is, 3)
    array([0.45, 0.15, 0.15, 0.45])
    >>> r.q
    array([3, 3, 1, 1], dtype=int8)
    """
    permutations = check_permutations(permutations)
    seed = check_seed(seed)
    w = _check_weights(w)
    n = w.n
    arr, squeeze = _as_panel(y, n)
    t = arr.shape[1]
    indptr, weights, nz_rows = _nonzero_csr(w)
    card = np.diff(indptr)
    max_card = int(card.max()) if n else 0
    if max_card == 0:
        raise WeightsError("no region has a neighbour; local Moran's I is undefined")
    W = w.sparse()

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # standardise each period as esda does (exact numpy sums per column)
        z = np.empty_like(arr)
        den = np.empty(t)
        for k, col in enumerate(_columns(arr)):
            zk = col - col.mean()
            zk /= col.std()
            z[:, k] = zk
            den[k] = (zk * zk).sum()
        zl = W @ z
        Is = (n - 1) * z * zl / den
        zp = z > 0
        lp = zl > 0
        q = np.where(
            zp, np.where(lp, HIGH_HIGH, HIGH_LOW), np.where(lp, LOW_HIGH, LOW_LOW)
        ).astype(np.int8)

        # analytical moments (esda Moran_Local.__moments)
        wi = np.asarray(W.sum(axis=1)).ravel()[:, None]
        wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()[:, None]
        m2 = den / n
        EIc = -(z**2 * wi) / ((n - 1) * m2)
        VIc = (
            (z / m2) ** 2
            * (n / (n - 2))
            * (wi2 - (wi**2 / (n - 1)))
            * (m2 - (z**2 / (n - 1)))
        )
        # kurtosis b2 = m4 / m2^2 with m4 = sum_k z_k^4 / n, one value per
        # period (Anselin 1995, eq. 13); esda >= 2.8 does the same, esda 2.7
        # used z_i^4 / n region by region.
        b2 = ((z**4).sum(axis=0, keepdims=True) / n) / m2**2
        n1 = n - 1
        EI = np.broadcast_to(-wi / n1, (n, t)).copy()
        VI = wi2 * (n - b2) / n1
        VI += (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2))
        VI -= (-wi / n1) ** 2

    p_sim, EI_sim, seI_sim, z_sim, p_z_sim = (np.full((n, t), np.nan) for _ in range(5))
    if permutations:
        from . import _kernels

        P = conditional_permutation_ids(n, max_card, permutations, seed)
        if progress is not None:
            progress(_DRAW_SHARE)
        scaling = (n - 1) / den
        # bound on |I_i| of any draw, to flag near-ties
        wabs = np.bincount(nz_rows, weights=np.abs(weights), minlength=n)
        zmax = np.abs(z).max(axis=0)
        tol = _TIE_RTOL * np.abs(z) * scaling * zmax * wabs[:, None]

        larger = np.empty((n, t), dtype=np.int64)
        EI_sim = np.empty((n, t))
        seI_sim = np.empty((n, t))
        tie = np.empty((n, t), dtype=bool)
        engine = _kernels.choose_engine(permutations * t * (n + len(weights)), "local")
        gathered = _kernels.gather_draws(z, P) if engine else None
        steps = min(n, 50)
        bounds = np.linspace(0, n, steps + 1).astype(np.int64)
        for s in range(steps):
            if is_canceled is not None and is_canceled():
                raise Canceled("local Moran's I canceled")
            lo, hi = int(bounds[s]), int(bounds[s + 1])
            if hi > lo:
                out = _kernels.local_sims(
                    z, indptr, weights, P, Is, scaling, tol, lo, hi, gathered, engine
                )
                larger[lo:hi], EI_sim[lo:hi], seI_sim[lo:hi], tie[lo:hi] = out
            if progress is not None:
                progress(_DRAW_SHARE + (1 - _DRAW_SHARE) * hi / n)
        # possible ties: recount with esda's arithmetic (rare, except with
        # repeated values; in batches so that cancel stays responsive)
        rows, cols = np.nonzero(tie)
        for b0 in range(0, len(rows), _RECOUNT_BATCH):
            if is_canceled is not None and is_canceled():
                raise Canceled("local Moran's I canceled")
            r, c = rows[b0 : b0 + _RECOUNT_BATCH], cols[b0 : b0 + _RECOUNT_BATCH]
            larger[r, c] = _kernels.local_recount(
                z, indptr, weights, P, Is, scaling, r, c, gathered, engine
            )
        p_sim = folded_p_value(larger, permutations)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sim = (Is - EI_sim) / seI_sim
            p_z_sim = stats.norm.sf(np.abs(z_sim))
    elif progress is not None:
        progress(1.0)

    def u(a):
        a = np.asarray(a)
        return a[:, 0].copy() if squeeze else a

    return LocalMoranResult(
        Is=u(Is),
        q=u(q),
        p_sim=u(p_sim),
        z_sim=u(z_sim),
        EI_sim=u(EI_sim),
        seI_sim=u(seI_sim),
        p_z_sim=u(p_z_sim),
        EI=u(EI),
        VI=u(VI),
        EIc=u(EIc),
        VIc=u(VIc),
        n=n,
        permutations=permutations,
        seed=seed,
    )


def lisa_clusters(q, p_sim, alpha=0.05, fdr=False, islands=None):
    """Cluster-map codes from quadrants and pseudo p-values.

    Parameters
    ----------
    q : array_like of int, shape (n,) or (n, t)
        Quadrants (``LocalMoranResult.q``): 1 HH, 2 LH, 3 LL, 4 HL.
    p_sim : array_like, same shape as ``q``
        Pseudo p-values; NaN is never significant.
    alpha : float, default 0.05
        Significance level: a region is significant when ``p_sim < alpha``
        (as esda's ``get_cluster_labels``).
    fdr : bool, default False
        Control the false discovery rate per period instead: the threshold of
        period ``k`` is ``fdr_threshold(p_sim[:, k], alpha)``.
    islands : array_like of int, optional
        Positions of regions without neighbours; they get code 5 in every
        period.

    Returns
    -------
    int8 array, shape of ``q``
        0 not significant, 1 High-High, 2 Low-High, 3 Low-Low, 4 High-Low,
        5 no neighbours (see :data:`CLUSTER_NAMES`).

    Examples
    --------
    >>> lisa_clusters([1, 2, 3, 4, 3], [0.01, 0.2, 0.04, 0.001, 0.01], islands=[4])
    array([1, 0, 3, 4, 5], dtype=int8)
    """
    alpha = _check_alpha(alpha)
    q = np.asarray(q)
    p = np.asarray(p_sim, dtype=float)
    if q.shape != p.shape or q.ndim not in (1, 2):
        raise ValueError(
            f"q and p_sim must have the same shape (n,) or (n, t); got {q.shape} and {p.shape}"
        )
    squeeze = q.ndim == 1
    q2 = q.reshape(len(q), -1)
    p2 = p.reshape(len(p), -1)
    bad = ~np.isin(q2, (HIGH_HIGH, LOW_HIGH, LOW_LOW, HIGH_LOW))
    if bad.any():
        raise ValueError(f"quadrants must be 1, 2, 3 or 4; found {q2[bad][0]!r}")
    if fdr:
        thresholds = np.array([fdr_threshold(p2[:, k], alpha) for k in range(p2.shape[1])])
    else:
        thresholds = np.full(p2.shape[1], alpha)
    with np.errstate(invalid="ignore"):
        significant = p2 < thresholds[None, :]
    codes = np.where(significant, q2, NOT_SIGNIFICANT).astype(np.int8)
    if islands is not None:
        islands = np.asarray(islands, dtype=np.int64).ravel()
        if islands.size and (islands.min() < -len(q2) or islands.max() >= len(q2)):
            raise ValueError("island positions out of range")
        codes[islands, :] = NO_NEIGHBOURS
    return codes[:, 0] if squeeze else codes
