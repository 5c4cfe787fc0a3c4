"""Global Moran's I with analytical and permutation inference.

One call analyses ``t`` periods at once (``y`` of shape ``(n, t)``); every
field of the result is then an array of length ``t``. The numbers are those
of PySAL's ``esda.Moran`` on each column (same formulas, same floating-point
operations, same random permutations from the same seed).

References
----------
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and
Applications*. London: Pion.

Moran, P. A. P. (1950). Notes on continuous stochastic phenomena.
*Biometrika*, 37(1/2), 17-23.

Rey, S. J. and Anselin, L. (2007). PySAL: A Python library of spatial
analytical methods. *The Review of Regional Studies*, 37(1), 5-27.
"""
import contextlib
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import Canceled, InputDataError, WeightsError
from .permutation import check_permutations, check_seed, drawn_ahead, global_permutations

__all__ = ["GlobalMoranResult", "moran_global"]


@dataclass(frozen=True)
class GlobalMoranResult:
    """Global Moran's I of one or more periods (esda ``Moran`` names).

    Every statistic is a float when ``y`` was one-dimensional and an array of
    length ``t`` (one value per period) when ``y`` had shape ``(n, t)``.

    Attributes
    ----------
    I : Moran's I.
    EI : expected value under the null, ``-1 / (n - 1)``.
    VI_norm, seI_norm, z_norm, p_norm : variance, standard error, z-value and
        p-value under the normality assumption.
    VI_rand, seI_rand, z_rand, p_rand : the same under the randomisation
        assumption.
    p_sim : pseudo p-value from the permutations (one-sided, folded).
    EI_sim, seI_sim : mean and standard deviation of the permuted I.
    z_sim, p_z_sim : standardised I and its one-sided normal p-value.
    n, permutations, seed : inputs, for reports.

    The ``*_sim`` fields are NaN when ``permutations == 0``. ``p_norm`` and
    ``p_rand`` are two-tailed when ``two_tailed`` was True.
    """

    I: object  # noqa: E741 (the name used in the literature and in esda)
    EI: object
    VI_norm: object
    seI_norm: object
    z_norm: object
    p_norm: object
    VI_rand: object
    seI_rand: object
    z_rand: object
    p_rand: object
    p_sim: object
    EI_sim: object
    seI_sim: object
    z_sim: object
    p_z_sim: object
    n: int
    permutations: int
    seed: object
    two_tailed: bool = True


def _raise_period(msg, k):
    err = InputDataError(msg)
    err.period = k  # adapters replace the index by the period's label
    raise err


def _as_panel(y, n_weights):
    """``y`` as a C-contiguous float64 (n, t) array; validate values."""
    arr = np.asarray(y)
    if arr.ndim not in (1, 2):
        raise InputDataError(
            "the values must be one column per period, shape (n,) or (n, t); "
            f"got shape {arr.shape}"
        )
    squeeze = arr.ndim == 1
    try:
        arr = np.array(arr, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"the values are not numeric: {exc}") from None
    if squeeze:
        arr = arr[:, None]
    n, t = arr.shape
    if n != n_weights:
        raise WeightsError(f"the weights describe {n_weights} regions but the data has {n}")
    if t == 0:
        raise InputDataError("no period to analyse")
    if n < 2:
        raise InputDataError(f"at least 2 regions are needed, got {n}")
    bad = ~np.isfinite(arr)
    if bad.any():
        k = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, k])
        _raise_period(
            f"period index {k} has {len(rows)} missing or non-finite value(s) "
            f"(first at region position {int(rows[0])})",
            k,
        )
    for k in range(t):
        col = arr[:, k]
        if np.all(col == col[0]):
            _raise_period(
                f"period index {k} has the same value in every region (zero variance); "
                "spatial autocorrelation is undefined",
                k,
            )
    return arr, squeeze


def _columns(arr):
    """The columns of a (n, t) array as contiguous vectors (exact numpy sums)."""
    return [np.ascontiguousarray(arr[:, k]) for k in range(arr.shape[1])]


def _check_weights(w):
    for name in ("indptr", "indices", "weights"):
        if not hasattr(w, name):
            raise WeightsError("w must be a regional_resilience.core.weights.Weights")
    return w


def _s012(W):
    """S0, S1, S2 of the weights, computed as libpysal computes them."""
    s0 = W.sum()
    t = W.transpose()
    t = t + W
    s1 = t.multiply(t).sum() / 2.0
    s2 = (np.array(W.sum(1) + W.sum(0).transpose()) ** 2).sum()
    return s0, s1, s2


def _unwrap(values, t, squeeze):
    values = np.array(np.broadcast_to(values, (t,)), dtype=float)
    return float(values[0]) if squeeze else values


#: maps from this many regions draw the next permutations in a thread
_DRAW_AHEAD_MIN = 20000


def moran_global(
    y,
    w,
    permutations=999,
    seed=12345,
    two_tailed=True,
    progress=None,
    is_canceled=None,
):
    """Global Moran's I for one or more periods.

    .. math::

        I = \\frac{n}{S_0} \\frac{\\sum_i \\sum_j w_{ij} z_i z_j}{\\sum_i z_i^2},
        \\qquad z = y - \\bar{y}

    with analytical inference under normality and randomisation (Cliff and
    Ord 1981) and a permutation test (random relabelling of the regions).

    Parameters
    ----------
    y : array_like, shape (n,) or (n, t)
        Values of ``n`` regions, one column per period.
    w : Weights
        Spatial weights of the ``n`` regions, used as passed (row-standardise
        them first for the usual statistic).
    permutations : int, default 999
        Number of random permutations; 0 skips the permutation test.
    seed : int, default 12345
        Seed of the local random generator. The permutations are those that
        ``esda.Moran`` draws after ``np.random.seed(seed)``; every period uses
        the same permutations, as separate esda runs with that seed would.
    two_tailed : bool, default True
        Two-tailed analytical p-values (``p_norm``, ``p_rand``).
    progress : callable, optional
        ``progress(fraction)`` with ``fraction`` in [0, 1].
    is_canceled : callable, optional
        ``is_canceled() -> bool``; when it returns True :class:`Canceled` is
        raised.

    Returns
    -------
    GlobalMoranResult

    Raises
    ------
    InputDataError
        Missing values or a constant period (the exception's ``period``
        attribute holds the period's index).
    WeightsError
        Weights that do not fit the data or have no neighbours at all.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.weights import from_neighbor_pairs
    >>> i = [0, 1, 1, 2, 2, 3]; j = [1, 0, 2, 1, 3, 2]  # a path of 4 regions
    >>> w = from_neighbor_pairs(4, i, j).row_standardized()
    >>> r = moran_global([1.0, 2.0, 3.0, 4.0], w, permutations=99, seed=1)
    >>> round(r.I, 4), round(r.EI, 4)
    (0.4, -0.3333)
    """
    permutations = check_permutations(permutations)
    seed = check_seed(seed)
    w = _check_weights(w)
    n = w.n
    arr, squeeze = _as_panel(y, n)
    t = arr.shape[1]
    W = w.sparse()
    s0, s1, s2 = _s012(W)
    if s0 == 0:
        raise WeightsError("the weights have no neighbours (all weights are zero)")

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # moments as esda.Moran.__moments, one period at a time (exact sums)
        z = np.empty_like(arr)
        z2ss = np.empty(t)
        k_kurt = np.empty(t)
        for k, col in enumerate(_columns(arr)):
            zk = col - col.mean()
            z[:, k] = zk
            z2ss[k] = (zk * zk).sum()
            xd4 = zk**4
            xd2 = zk**2
            k_kurt[k] = (xd4.sum() / n) / ((xd2.sum() / n) ** 2)
        EI = -1.0 / (n - 1)
        n2 = n * n
        s02 = s0 * s0
        v_num = n2 * s1 - n * s2 + 3 * s02
        v_den = (n - 1) * (n + 1) * s02
        VI_norm = v_num / v_den - (1.0 / (n - 1)) ** 2
        seI_norm = VI_norm ** (1 / 2.0)
        A = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
        B = k_kurt * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
        VI_rand = (A - B) / ((n - 1) * (n - 2) * (n - 3) * s02) - EI * EI
        seI_rand = VI_rand ** (1 / 2.0)

        scale = n / s0
        lag = W @ z
        I = np.empty(t)  # noqa: E741
        for k, (zk, lk) in enumerate(zip(_columns(z), _columns(lag))):
            I[k] = scale * (zk * lk).sum() / z2ss[k]
        z_norm = (I - EI) / seI_norm
        z_rand = (I - EI) / seI_rand
        # esda: the side is chosen by the sign of z_norm, for both p-values
        up = z_norm > 0
        p_norm = np.where(up, stats.norm.sf(z_norm), stats.norm.cdf(z_norm))
        p_rand = np.where(up, stats.norm.sf(z_rand), stats.norm.cdf(z_rand))
        if two_tailed:
            p_norm = p_norm * 2.0
            p_rand = p_rand * 2.0

    p_sim, EI_sim, seI_sim, z_sim, p_z_sim = (np.full(t, np.nan) for _ in range(5))
    if permutations:
        from . import _kernels

        sims = np.empty((permutations, t))
        scale_t = np.full(t, scale)
        engine = _kernels.choose_engine(permutations * t * (n + w.nnz), "global")
        work = _kernels.global_workspace(n, t) if engine else None
        draws = global_permutations(n, permutations, seed)
        # drawing ahead in a thread pays when draws are long (about 30 ms
        # per permutation of 1,000,000 regions) and the kernel releases the
        # GIL; with small maps the GIL hand-offs would cost more than it saves
        ahead = engine and n >= _DRAW_AHEAD_MIN
        done = 0
        with (drawn_ahead(draws) if ahead else contextlib.nullcontext(draws)) as blocks:
            for block in blocks:
                if is_canceled is not None and is_canceled():
                    raise Canceled("Moran's I permutation test canceled")
                b = block.shape[0]
                sims[done : done + b] = _kernels.global_sims(
                    z, w.indptr, w.indices, w.weights, block, scale_t, z2ss, engine, work
                )
                done += b
                if progress is not None:
                    progress(done / permutations)
        p_sim = np.empty(t)
        EI_sim = np.empty(t)
        seI_sim = np.empty(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            for k, sim in enumerate(_columns(sims)):
                larger = (sim >= I[k]).sum()
                if (permutations - larger) < larger:
                    larger = permutations - larger
                p_sim[k] = (larger + 1.0) / (permutations + 1.0)
                EI_sim[k] = sim.sum() / permutations
                seI_sim[k] = sim.std()
            z_sim = (I - EI_sim) / seI_sim
            p_z_sim = np.where(z_sim > 0, stats.norm.sf(z_sim), stats.norm.cdf(z_sim))
    elif progress is not None:
        progress(1.0)

    def u(v):
        return _unwrap(v, t, squeeze)

    return GlobalMoranResult(
        I=u(I),
        EI=u(EI),
        VI_norm=u(VI_norm),
        seI_norm=u(seI_norm),
        z_norm=u(z_norm),
        p_norm=u(p_norm),
        VI_rand=u(VI_rand),
        seI_rand=u(seI_rand),
        z_rand=u(z_rand),
        p_rand=u(p_rand),
        p_sim=u(p_sim),
        EI_sim=u(EI_sim),
        seI_sim=u(seI_sim),
        z_sim=u(z_sim),
        p_z_sim=u(p_z_sim),
        n=n,
        permutations=permutations,
        seed=seed,
        two_tailed=bool(two_tailed),
    )
