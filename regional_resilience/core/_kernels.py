"""Inner loops of the permutation tests: numba kernels and numpy fallbacks.

Private module. :mod:`.moran` and :mod:`.lisa` call the dispatching functions
at the bottom (:func:`global_sims`, :func:`local_sims`, :func:`local_recount`);
each runs a numba kernel when numba is importable and enabled
(:func:`use_numba`), and otherwise a pure-numpy path that gives *identical*
results (same floating-point operations in the same order).

Exactness notes (why the loops look the way they do)
----------------------------------------------------
* Spatial lags are accumulated ``acc = 0; acc += w_ij * z_j`` in CSR order,
  which is what ``scipy.sparse`` (and so libpysal's ``lag_spatial``) does.
  numba runs with ``fastmath=False`` so no fused multiply-add is introduced.
* Sums over regions and over permutations reproduce numpy's pairwise
  summation (blocks of 8192, pairwise within a block, 8-way unrolled leaves
  of at most 128 values), so global Moran's I of a permuted map, and the mean
  and standard deviation of the simulated local statistics, are bit-for-bit
  what ``numpy.sum`` gives on the same values.
* esda's conditional randomisation is compiled with ``fastmath=True``, which
  evaluates ``z_i * lag * scaling`` as ``lag * (z_i * scaling)``; so do we.
* esda computes each region's simulated lags with a BLAS ``dgemv`` (numba's
  ``zrand @ weights``), whose rounding differs from a sequential sum in the
  last bit. That only matters when a simulated value ties the observed one,
  which happens on small maps (the same neighbour set is drawn again) and
  with repeated values. The kernels flag such near-ties and
  :func:`local_recount` recomputes those (region, period) pairs with the
  very same BLAS call, so pseudo p-values match esda exactly.

Determinism: no random numbers are drawn here; every region (local) or
permutation (global) is computed independently and written to its own slot,
so results do not depend on the number of threads.
"""
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "HAVE_NUMBA",
    "NUMBA_ERROR",
    "use_numba",
    "numba_enabled",
    "global_sims",
    "global_workspace",
    "local_sims",
    "local_recount",
    "gather_draws",
    "warm_up",
    "kernels_cached",
    "choose_engine",
]

#: numpy reduces in blocks of this many values (its ufunc buffer size) and
#: sums each block pairwise.
_NP_BLOCK = 8192


# ---------------------------------------------------------------------------
# numba's on-disk cache: the plugin folder may be read-only, so unless the
# user chose a folder, compiled kernels go to the user's cache directory.
# This must happen before numba is imported (numba reads it at import time).
# ---------------------------------------------------------------------------
def _default_cache_dir():
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(
            os.path.expanduser("~"), "AppData", "Local"
        )
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache"
        )
    return os.path.join(base, "regional_resilience", "numba")


def _writable_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
        return True
    except OSError:
        return False


def _setup_numba_cache_dir():
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    path = _default_cache_dir()
    if not _writable_dir(path):
        user = os.getuid() if hasattr(os, "getuid") else "user"
        path = os.path.join(tempfile.gettempdir(), f"regional_resilience-numba-{user}")
        if not _writable_dir(path):
            return None
    os.environ["NUMBA_CACHE_DIR"] = path
    if sys.modules.get("numba") is not None:  # imported earlier by someone else: too late for
        config = sys.modules["numba"].config  # the variable, set the value
        if not getattr(config, "CACHE_DIR", ""):
            config.CACHE_DIR = path
    return path


NUMBA_CACHE_DIR = _setup_numba_cache_dir()

try:
    import numba
    from numba import njit, prange

    HAVE_NUMBA = True
    NUMBA_ERROR = ""
except Exception as exc:  # ImportError, or a broken llvmlite
    numba = None
    HAVE_NUMBA = False
    NUMBA_ERROR = f"{type(exc).__name__}: {exc}"

_state = {"use": HAVE_NUMBA}
# numba's parallel runtime must not be entered from two threads at once
# (QGIS runs Processing algorithms in worker threads); one run at a time.
_LOCK = threading.RLock()


def use_numba(flag=None):
    """Enable or disable the numba kernels; return whether they are in use.

    Parameters
    ----------
    flag : bool, optional
        ``False`` forces the pure-numpy path (equal results, slower);
        ``True`` re-enables numba when it is importable. ``None`` only
        queries.

    Returns
    -------
    bool
        Whether the numba kernels are used from now on.
    """
    if flag is not None:
        _state["use"] = bool(flag) and HAVE_NUMBA
    return _state["use"]


def numba_enabled():
    """Whether the numba kernels are used (numba importable and enabled)."""
    return _state["use"]


# ---------------------------------------------------------------------------
# numpy fallbacks
# ---------------------------------------------------------------------------
def _global_sims_numpy(z, indptr, indices, weights, perms, scale, z2ss):
    """Moran's I of every permuted map in a block, shape (B, t)."""
    from scipy import sparse

    n, t = z.shape
    B = perms.shape[0]
    W = sparse.csr_matrix((weights, indices, indptr), shape=(n, n))
    out = np.empty((B, t))
    # a few permutations at a time, temporaries of about 2 MB: small enough
    # to be reused from the heap (larger ones are mapped and page-faulted in
    # afresh: 1,000 regions x 10 periods took 0.45 s instead of 0.15 s)
    step = max(1, (1 << 18) // max(1, n * t))
    for b0 in range(0, B, step):
        p = perms[b0 : b0 + step]
        b = p.shape[0]
        zp = z[p]  # (b, n, t)
        x = np.ascontiguousarray(zp.transpose(1, 0, 2)).reshape(n, b * t)
        lag = (W @ x).reshape(n, b, t).transpose(1, 0, 2)  # (b, n, t)
        prod = np.multiply(zp, lag).transpose(0, 2, 1).copy()  # (b, t, n)
        inum = prod.sum(axis=-1)  # pairwise along the contiguous axis
        out[b0 : b0 + b] = scale * inum / z2ss
    return out


def _local_sims_numpy(z, indptr, weights, P, Is, scaling, tol, lo, hi):
    n, t = z.shape
    perms = P.shape[0]
    m = hi - lo
    larger = np.empty((m, t), dtype=np.int64)
    mean = np.empty((m, t))
    std = np.empty((m, t))
    tie = np.zeros((m, t), dtype=bool)
    regions = np.arange(lo, hi)
    card = np.diff(indptr[lo : hi + 1])
    island = card == 0
    larger[island] = perms
    mean[island] = 0.0
    std[island] = 0.0
    budget = 1 << 21  # values per work array (16 MB)
    for k in np.unique(card[~island]):
        k = int(k)
        sel = regions[card == k]
        ids = P[:, :k]
        step = max(1, budget // max(1, perms * t * k))
        for c0 in range(0, len(sel), step):
            rows = sel[c0 : c0 + step]
            idx = ids[None, :, :] + (ids[None, :, :] >= rows[:, None, None])
            wts = weights[indptr[rows][:, None] + np.arange(k)[None, :]]
            acc = np.zeros((len(rows), perms, t))
            for kk in range(k):
                acc += wts[:, kk, None, None] * z[idx[:, :, kk]]
            sims = acc * (z[rows] * scaling[None, :])[:, None, :]
            sims = sims.transpose(0, 2, 1).copy()  # (c, t, perms)
            obs = Is[rows][:, :, None]
            r = rows - lo
            larger[r] = (sims >= obs).sum(axis=-1)
            tie[r] = (np.abs(sims - obs) <= tol[rows][:, :, None]).any(axis=-1)
            mu = sims.sum(axis=-1) / perms
            x = sims - mu[:, :, None]
            x = np.multiply(x, x, out=x)
            mean[r] = mu
            std[r] = np.sqrt(x.sum(axis=-1) / perms)
    return larger, mean, std, tie


def _local_recount_numpy(z, indptr, weights, P, Is, scaling, rows, cols):
    from scipy.linalg import blas

    perms = P.shape[0]
    out = np.empty(len(rows), dtype=np.int64)
    for q in range(len(rows)):
        i = rows[q]
        k = cols[q]
        s = indptr[i]
        card = indptr[i + 1] - s
        ids = P[:, :card]
        ids = ids + (ids >= i)
        a = np.empty((perms, card))
        a[:] = z[ids, k]
        # esda: zi * (zrand @ w + self_w * zi) * scaling with zrand @ w a
        # BLAS dgemv, compiled with fastmath: lag * (zi * scaling)
        lag = blas.dgemv(1.0, a.T, np.ascontiguousarray(weights[s : s + card]), trans=1)
        sims = lag * (z[i, k] * scaling[k])
        out[q] = np.count_nonzero(sims >= Is[i, k])
    return out


# ---------------------------------------------------------------------------
# numba kernels
# ---------------------------------------------------------------------------
if HAVE_NUMBA:
    try:
        _jit = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")

        @njit(inline="always", **_jit)
        def _leaf_sum(a, lo, n):
            # numpy's pairwise_sum leaf: 8 accumulators below 128 values
            if n < 8:
                res = 0.0
                for i in range(lo, lo + n):
                    res += a[i]
                return res
            r0 = a[lo]
            r1 = a[lo + 1]
            r2 = a[lo + 2]
            r3 = a[lo + 3]
            r4 = a[lo + 4]
            r5 = a[lo + 5]
            r6 = a[lo + 6]
            r7 = a[lo + 7]
            last = n - n % 8
            i = 8
            while i < last:
                r0 += a[lo + i]
                r1 += a[lo + i + 1]
                r2 += a[lo + i + 2]
                r3 += a[lo + i + 3]
                r4 += a[lo + i + 4]
                r5 += a[lo + i + 5]
                r6 += a[lo + i + 6]
                r7 += a[lo + i + 7]
                i += 8
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n:
                res += a[lo + i]
                i += 1
            return res

        @njit(**_jit)
        def _pairwise_sum(a, lo, n, stk, vals):
            # numpy's recursive pairwise sum, iteratively (cached numba
            # kernels must not recurse): split n in halves rounded down to a
            # multiple of 8, left + right.
            if n <= 128:
                return _leaf_sum(a, lo, n)
            top = 0
            stk[0, 0] = lo
            stk[0, 1] = n
            stk[0, 2] = 0
            nv = 0
            while top >= 0:
                left = stk[top, 0]
                m = stk[top, 1]
                if m <= 128:
                    vals[nv] = _leaf_sum(a, left, m)
                    nv += 1
                    top -= 1
                    continue
                n2 = m // 2
                n2 -= n2 % 8
                stage = stk[top, 2]
                if stage == 0:
                    stk[top, 2] = 1
                    top += 1
                    stk[top, 0] = left
                    stk[top, 1] = n2
                    stk[top, 2] = 0
                elif stage == 1:
                    stk[top, 2] = 2
                    top += 1
                    stk[top, 0] = left + n2
                    stk[top, 1] = m - n2
                    stk[top, 2] = 0
                else:
                    vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
                    nv -= 1
                    top -= 1
            return vals[0]

        @njit(**_jit)
        def _np_sum(a, stk, vals):
            # numpy.sum of a contiguous float64 vector, bit for bit
            n = a.shape[0]
            res = 0.0
            lo = 0
            while lo < n:
                m = min(8192, n - lo)
                res += _pairwise_sum(a, lo, m, stk, vals)
                lo += m
            return res

        @njit(parallel=True, **_jit)
        def _global_sims_nb(z, indptr, indices, weights, perms, scale, z2ss, nchunks, out, work):
            # I of permuted map p: sum_i zp_i * (W zp)_i with zp = z[perms[p]]
            # (one gather, then the lag reads zp with the locality of the
            # weights' own order), the products summed as numpy sums them:
            # pairwise within blocks of 8192 regions, blocks added in order.
            # zp lives in the running thread's slice of ``work``, allocated
            # once per run: a fresh (n, t) array per chunk would be faulted
            # in page by page again (80 MB at 1,000,000 regions x 10 periods).
            n, t = z.shape
            B = perms.shape[0]
            nchunks = max(1, min(B, nchunks))
            for c in prange(nchunks):
                p0 = c * B // nchunks
                p1 = (c + 1) * B // nchunks
                zp = work[numba.get_thread_id()]
                buf = np.empty((t, _NP_BLOCK))
                acc = np.empty(t)
                res = np.empty(t)
                stk = np.empty((64, 3), dtype=np.int64)
                vals = np.empty(64)
                for p in range(p0, p1):
                    for i in range(n):
                        src = perms[p, i]
                        for k in range(t):
                            zp[i, k] = z[src, k]
                    for k in range(t):
                        res[k] = 0.0
                    b0 = 0
                    while b0 < n:
                        m = min(_NP_BLOCK, n - b0)
                        for r in range(m):
                            i = b0 + r
                            for k in range(t):
                                acc[k] = 0.0
                            for jj in range(indptr[i], indptr[i + 1]):
                                j = indices[jj]
                                wv = weights[jj]
                                for k in range(t):
                                    acc[k] += wv * zp[j, k]
                            for k in range(t):
                                buf[k, r] = zp[i, k] * acc[k]
                        for k in range(t):
                            res[k] += _pairwise_sum(buf[k], 0, m, stk, vals)
                        b0 += m
                    for k in range(t):
                        out[p, k] = scale[k] * res[k] / z2ss[k]

        @njit(**_jit)
        def _local_sims_nb(z, indptr, weights, P, GG, Is, scaling, tol, lo, hi, nchunks,
                           larger, mean, std, tie):
            # serial: local_sims runs it on sub-ranges in Python threads (the
            # kernel releases the GIL), which compiles in half the time of a
            # parallel=True kernel (measured 2.7 s against 4.4 s, cold)
            t = z.shape[1]
            perms = P.shape[0]
            m = hi - lo
            nchunks = max(1, min(m, nchunks))
            for c in range(nchunks):
                a = lo + c * m // nchunks
                b = lo + (c + 1) * m // nchunks
                sims = np.empty((t, perms))
                acc = np.empty(t)
                zis = np.empty(t)
                dev = np.empty(perms)
                stk = np.empty((64, 3), dtype=np.int64)
                vals = np.empty(64)
                for i in range(a, b):
                    r = i - lo
                    s = indptr[i]
                    card = indptr[i + 1] - s
                    if card == 0:
                        # esda: an island's lag is 0 in every draw
                        for k in range(t):
                            larger[r, k] = perms
                            mean[r, k] = 0.0
                            std[r, k] = 0.0
                            tie[r, k] = False
                        continue
                    for k in range(t):
                        zis[k] = z[i, k] * scaling[k]
                    for p in range(perms):
                        for k in range(t):
                            acc[k] = 0.0
                        for kk in range(card):
                            wv = weights[s + kk]
                            # id j stands for region j (j < i) or j + 1;
                            # branch-free: the draws are random
                            f = np.int64(P[p, kk] >= i)
                            for k in range(t):
                                acc[k] += wv * GG[f, p, kk, k]
                        for k in range(t):
                            sims[k, p] = acc[k] * zis[k]
                    for k in range(t):
                        obs = Is[i, k]
                        tl = tol[i, k]
                        cnt = 0
                        flag = False
                        for p in range(perms):
                            v = sims[k, p]
                            if v >= obs:
                                cnt += 1
                            if abs(v - obs) <= tl:
                                flag = True
                        larger[r, k] = cnt
                        tie[r, k] = flag
                        mu = _np_sum(sims[k], stk, vals) / perms
                        for p in range(perms):
                            d = sims[k, p] - mu
                            dev[p] = d * d
                        mean[r, k] = mu
                        std[r, k] = np.sqrt(_np_sum(dev, stk, vals) / perms)

        @njit(**_jit)
        def _local_recount_nb(z, indptr, weights, P, GG, Is, scaling, rows, cols, out):
            perms = P.shape[0]
            a = np.empty(0)
            for q in range(rows.shape[0]):
                i = rows[q]
                k = cols[q]
                s = indptr[i]
                card = indptr[i + 1] - s
                if a.size != perms * card:
                    a = np.empty(perms * card)
                a2 = a.reshape((perms, card))
                for p in range(perms):
                    for kk in range(card):
                        a2[p, kk] = GG[np.int64(P[p, kk] >= i), p, kk, k]
                w = np.ascontiguousarray(weights[s : s + card])
                lag = a2 @ w  # BLAS dgemv on the whole matrix, as esda
                c = z[i, k] * scaling[k]
                cnt = 0
                for p in range(perms):
                    if lag[p] * c >= Is[i, k]:
                        cnt += 1
                out[q] = cnt

    except Exception as exc:  # e.g. no usable cache locator
        HAVE_NUMBA = False
        NUMBA_ERROR = f"{type(exc).__name__}: {exc}"
        _state["use"] = False


# ---------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------
#: below this many inner operations the numpy path takes a fraction of a
#: second, less than compiling a kernel on a cold cache (2-3 s) or loading it
#: from the disk cache (0.2-0.4 s in a new process). The global statistic's
#: numpy path is a sparse product over blocks of permutations, as fast as the
#: kernel up to about 1e8 (1,000 regions x 10 periods x 999 permutations:
#: 0.14 s against 0.36 s for the first kernel call of a process, measured).
_SMALL_WORK = {"global": 1e8, "local": 2e7}
_ready = set()  # kinds of kernels ("global", "local") run in this process

#: how many kernel calls went each way (for tests and diagnostics)
calls = {"numba": 0, "numpy": 0}


def _use(engine):
    use = _state["use"] if engine is None else bool(engine) and _state["use"]
    calls["numba" if use else "numpy"] += 1
    return use


def choose_engine(work, kind):
    """Pick numba or numpy for a run of about ``work`` inner operations.

    Both give identical results; the choice is only about waiting. Once the
    ``kind`` of kernels (``"global"`` or ``"local"``) has run in this
    process, numba is used. Before that a small run takes the numpy path,
    which is faster than compiling (or loading) the kernels, and a larger
    run compiles them: 2-3 s once per installation (later sessions load
    them from numba's on-disk cache in about 0.2 s), which the run
    amortises.

    Parameters
    ----------
    work : float
        About ``permutations * periods * (regions + links)``.
    kind : {"global", "local"}

    Returns
    -------
    bool
        ``True`` for numba.
    """
    if not _state["use"]:
        return False
    return kind in _ready or work >= _SMALL_WORK[kind]


#: below this many flagged (region, period) pairs the exact recount takes
#: the numpy path unless its kernel is already compiled (the same counts;
#: compiling it costs about 1 s, recounting 1,000 pairs in numpy about 0.1 s)
_RECOUNT_NUMBA_MIN = 5000

#: work items per thread; handed out one at a time (dynamic scheduling) so
#: that a thread slowed by other processes does not hold up the others
_GLOBAL_CHUNKS = 4
_LOCAL_CHUNKS = 16


class _dynamic_schedule:
    """Hand out parallel loop iterations one at a time (numba >= 0.57)."""

    def __enter__(self):
        try:
            self.old = numba.set_parallel_chunksize(1)
        except AttributeError:  # older numba: static scheduling
            self.old = None
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            numba.set_parallel_chunksize(self.old)
        return False


def _i64(a):
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def global_workspace(n, t):
    """Scratch space of :func:`global_sims` for ``n`` regions and ``t``
    periods: one permuted map per numba thread, to pass to every call of a
    run (pages are only committed for the threads that run)."""
    if not _state["use"]:
        return None
    return np.empty((numba.config.NUMBA_NUM_THREADS, n, t))


def global_sims(z, indptr, indices, weights, perms, scale, z2ss, engine=None, work=None):
    """Moran's I of permuted maps.

    Parameters
    ----------
    z : (n, t) float64
        Deviations from the mean, one column per period.
    indptr, indices, weights : CSR arrays of the spatial weights.
    perms : (B, n) int64
        Row ``b`` is the ``b``-th permutation of ``0..n-1``.
    scale : (t,) float64
        ``n / S0`` (as esda computes it).
    z2ss : (t,) float64
        ``sum(z**2)`` per period.

    Returns
    -------
    (B, t) float64
        ``scale * sum(zp * W zp) / z2ss`` with ``zp = z[perms[b]]``.

    ``engine`` as in :func:`local_sims`; ``work`` from
    :func:`global_workspace` (allocated here when not given).
    """
    z = _f64(z)
    args = (z, _i64(indptr), _i64(indices), _f64(weights), _i64(perms),
            _f64(scale), _f64(z2ss))
    if _use(engine):
        out = np.empty((perms.shape[0], z.shape[1]))
        if work is None or work.shape[1:] != z.shape:
            work = global_workspace(*z.shape)
        with _LOCK, _dynamic_schedule():
            _global_sims_nb(*args, _GLOBAL_CHUNKS * numba.get_num_threads(), out, work)
        _ready.add("global")
        return out
    return _global_sims_numpy(*args)


def gather_draws(z, P):
    """Values of the drawn ids for every period, ``stack([z[P], z[P + 1]])``.

    Region ``i`` reads id ``j`` as region ``j`` when ``j < i`` and ``j + 1``
    otherwise; both candidates are gathered once, shape
    ``(2, permutations, max_card, t)``, so the kernel streams through them
    instead of reading ``z`` at random.
    """
    z = _f64(z)
    P = _i64(P)
    out = np.empty((2,) + P.shape + (z.shape[1],))
    out[0] = z[P]
    out[1] = z[P + 1]
    return out


def local_sims(z, indptr, weights, P, Is, scaling, tol, lo, hi, gathered=None, engine=None):
    """Conditional randomisation of local Moran's I for regions ``lo:hi``.

    Parameters
    ----------
    z : (n, t) float64
        Standardised values.
    indptr, weights : CSR arrays (``indices`` are not needed: the neighbours
        are replaced by permuted ids).
    P : (permutations, max_card) int64
        Permuted ids drawn from ``0..n-2``; id ``j >= i`` stands for
        region ``j + 1`` (region ``i`` itself is never drawn).
    Is : (n, t) float64
        Observed local statistics.
    scaling : (t,) float64
        ``(n - 1) / sum(z**2)``.
    tol : (n, t) float64
        Simulated values within ``tol`` of the observed one are flagged as
        possible ties (see :func:`local_recount`).
    lo, hi : int
        Region range.
    gathered : ndarray, optional
        :func:`gather_draws` of ``z`` and ``P``, to reuse across ranges.
    engine : bool, optional
        ``True`` numba, ``False`` numpy, ``None`` as :func:`use_numba` says
        (see :func:`choose_engine`).

    Returns
    -------
    larger : (hi - lo, t) int64
        Number of simulated values ``>=`` the observed one (not folded).
    mean, std : (hi - lo, t) float64
        Mean and (population) standard deviation of the simulated values.
    tie : (hi - lo, t) bool
        Whether a simulated value came within ``tol`` of the observed one.
    """
    z = _f64(z)
    args = (z, _i64(indptr), _f64(weights), _i64(P), _f64(Is), _f64(scaling),
            _f64(tol), int(lo), int(hi))
    if _use(engine):
        m, t = hi - lo, z.shape[1]
        larger = np.empty((m, t), dtype=np.int64)
        mean = np.empty((m, t))
        std = np.empty((m, t))
        tie = np.empty((m, t), dtype=np.bool_)
        if gathered is None:
            gathered = gather_draws(z, P)
        if m:
            threads = numba.get_num_threads()
            chunks = max(1, min(m, _LOCAL_CHUNKS * threads))
            cuts = [lo + c * m // chunks for c in range(chunks + 1)]

            def run(a, b):
                r0, r1 = a - lo, b - lo
                _local_sims_nb(z, args[1], args[2], args[3], gathered, args[4], args[5],
                               args[6], a, b, 1, larger[r0:r1], mean[r0:r1], std[r0:r1],
                               tie[r0:r1])

            with _LOCK:
                if threads == 1 or chunks == 1:
                    run(lo, hi)
                else:  # chunks handed out one at a time to the free thread
                    with ThreadPoolExecutor(threads, thread_name_prefix="rr-lisa") as pool:
                        for job in [pool.submit(run, a, b) for a, b in zip(cuts, cuts[1:]) if b > a]:
                            job.result()
            _ready.add("local")
        return larger, mean, std, tie
    return _local_sims_numpy(*args)


def local_recount(z, indptr, weights, P, Is, scaling, rows, cols, gathered=None,
                  engine=None):
    """Count simulated values ``>=`` observed with esda's exact arithmetic.

    For the flagged ``(region, period)`` pairs ``(rows[q], cols[q])`` the
    simulated lags are recomputed as one BLAS ``dgemv`` of the
    (permutations x cardinality) matrix of drawn values, exactly as
    ``esda.crand`` does, so ties are broken as esda breaks them. The calls
    are made one after the other from the calling thread, like esda's, so
    that BLAS makes the same threading (and so rounding) decisions.

    ``gathered`` is :func:`gather_draws` of ``z`` and ``P``, to reuse;
    ``engine`` as in :func:`local_sims`.
    """
    rows = _i64(rows)
    cols = _i64(cols)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    args = (_f64(z), _i64(indptr), _f64(weights), _i64(P), _f64(Is), _f64(scaling),
            rows, cols)
    # few pairs (the usual case): numpy, rather than compile the kernel
    few = "recount" not in _ready and len(rows) < _RECOUNT_NUMBA_MIN
    if _use(False if few else engine):
        out = np.empty(len(rows), dtype=np.int64)
        if gathered is None:
            gathered = gather_draws(z, P)
        with _LOCK:
            _local_recount_nb(args[0], args[1], args[2], args[3], gathered, *args[4:], out)
        _ready.add("recount")
        return out
    return _local_recount_numpy(*args)


#: the kernels whose first compile is the longest pause (2-5 s each, cold)
_CACHED_KERNELS = ("_global_sims_nb", "_local_sims_nb")


def kernels_cached():
    """Whether numba's disk cache already holds the permutation kernels.

    Looks for their index files (``*.nbi``) under :data:`NUMBA_CACHE_DIR`.
    The plugin compiles them in the background when QGIS starts and this is
    False (once per installation), so that the first LISA or Moran run does
    not wait for the compiler. An index left by an older plugin version
    counts as cached (numba then recompiles on first use).
    """
    if not (HAVE_NUMBA and NUMBA_CACHE_DIR and os.path.isdir(NUMBA_CACHE_DIR)):
        return False
    missing = set(_CACHED_KERNELS)
    for _, _, files in os.walk(NUMBA_CACHE_DIR):
        for name in files:
            if name.endswith(".nbi"):
                missing -= {k for k in missing if f".{k}-" in name}
        if not missing:
            return True
    return False


def warm_up(background=False, kinds=("global", "local", "recount")):
    """Compile (or load from numba's cache) every kernel on tiny inputs.

    A cold compile takes a few seconds (about 2 s for the global kernel and
    2.5 s for the local ones on a 2-core machine); later sessions load the
    cached machine code in about 0.2 s. With ``background=True`` this runs
    in a thread (e.g. when the plugin loads); note that numba's compiler
    holds the GIL, so other Python code in the process runs slowly while a
    cold compile is under way.

    Parameters
    ----------
    background : bool, default False
        Run in a daemon thread and return the thread.
    kinds : tuple of {"global", "local", "recount"}
        Which kernels: ``"global"`` (Moran's I), ``"local"`` (LISA),
        ``"recount"`` (LISA's exact recount of near-ties; compiled on first
        use only when there are many, else done in numpy).

    Returns
    -------
    float or threading.Thread
        Seconds it took (0.0 when numba is not in use), or the thread.
    """
    if background:
        thread = threading.Thread(target=warm_up, kwargs={"kinds": kinds},
                                  name="rr-numba-warm-up", daemon=True)
        thread.start()
        return thread
    import time

    if not _state["use"]:
        return 0.0
    t0 = time.perf_counter()
    engine = True
    n = 6
    indptr = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    indices = np.array([(i + d) % n for i in range(n) for d in (1, n - 1)], dtype=np.int64)
    indices = np.sort(indices.reshape(n, 2), axis=1).ravel()
    weights = np.full(2 * n, 0.5)
    z = np.linspace(-1.0, 1.0, 2 * n).reshape(n, 2)
    perms = np.array([np.roll(np.arange(n), s) for s in range(3)], dtype=np.int64)
    if "global" in kinds:
        global_sims(z, indptr, indices, weights, perms, np.ones(2), np.ones(2), engine=engine)
    P = np.array([[0, 1], [2, 3], [4, 0]], dtype=np.int64)
    Is = np.zeros((n, 2))
    if "local" in kinds:
        local_sims(z, indptr, weights, P, Is, np.ones(2), np.zeros((n, 2)), 0, n, engine=engine)
    if "recount" in kinds:
        _ready.add("recount")  # compile it now, whatever the number of pairs
        local_recount(z, indptr, weights, P, Is, np.ones(2), [0], [1], engine=engine)
    return time.perf_counter() - t0
