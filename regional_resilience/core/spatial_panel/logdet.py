"""Spatial weights prepared once per run: log-determinants, the interval of
rho, traces of ``W (I - rho W)^-1`` and the kernels of the LeSage-Pace
effects.

``ln|I - rho W|`` enters every spatial likelihood (Ord 1975). Two methods
(``method=``):

* ``"eigen"`` (default when ``n <= dense_limit``, 2000): the eigenvalues
  ``w_i`` of ``W`` are computed once and ``ln|I - rho W| = sum_i
  ln|1 - rho w_i|`` (Ord 1975), exact for every rho. When ``W`` is
  symmetric, or a row-standardised symmetric matrix (``W = D^-1 C``, e.g.
  row-standardised contiguity), the eigenvalues are those of the symmetric
  ``D^(1/2) W D^(-1/2)`` (``eigvalsh``, about 1 s at n = 2000); otherwise a
  general eigen-solver (about 6 s at n = 2000 on 2 cores). The interval of
  rho is ``(1 / w_min, 1 / w_max)`` over the real eigenvalues (LeSage and
  Pace 2009, sec. 4.1).
* ``"lu"`` (default for larger ``n``): a sparse LU factorisation of
  ``I - rho W`` (``scipy.sparse.linalg.splu``, SuperLU with COLAMD ordering)
  at every rho visited, ``ln|I - rho W| = sum_i ln|U_ii|`` (``L`` has a unit
  diagonal; the permutations do not change ``|det|``), as in spreg and
  LeSage and Pace (2009, sec. 4.2). The interval is ``(-1/r, 1/r)`` with
  ``r`` the spectral radius of ``W`` (``r = 1`` for row-standardised
  weights, otherwise ARPACK's largest-magnitude eigenvalue): conservative
  on the negative side, where the exact bound ``1 / w_min`` is lower.

Traces for the asymptotic variance (``G = W (I - rho W)^-1``, needed at the
estimate only): for ``n <= dense_limit`` ``tr G``, ``tr G^2`` and
``tr G'G`` are exact from the dense inverse. For larger ``n`` they are
Hutchinson estimates with ``probes`` Rademacher vectors ``z`` (seeded),
with the exact ``tr W``, ``tr W^2`` and ``||W||_F^2`` as control variates:
``tr G ~ tr W + mean z'(G - W) z``, ``tr G^2 ~ tr W^2 + mean[(G'z)'(Gz) -
(W'z)'(Wz)]``, ``tr G'G ~ ||W||_F^2 + mean[||Gz||^2 - ||Wz||^2]`` (two
sparse solves per probe block). Their relative error falls like
``1/sqrt(n * probes)``.

Effects kernels (:meth:`PreparedWeights.effect_kernels`): for a vector of
rho values, ``a = tr(A^-1)/n``, ``b = tr(A^-1 W)/n`` (direct effect
``beta a + theta b``) and ``c = 1'A^-1 1/n``, ``d = 1'A^-1 W 1/n`` (total
effect ``beta c + theta d``), ``A = I - rho W`` (LeSage and Pace 2009, ch. 2).
``a, b`` are exact from the eigenvalues (``mean 1/(1 - rho w_i)``, ``mean
w_i/(1 - rho w_i)``) with ``"eigen"``; with ``"lu"`` they are power series
``sum_j rho^j tr(W^j)/n`` with exact ``tr(W^0..W^2)`` and Monte-Carlo
traces ``z'W^j z`` of ``probes`` seeded Rademacher vectors for ``j >= 3``
(LeSage and Pace 2009, sec. 4.4; Barry and Pace 1999), truncated where
``(|rho| r)^q`` falls below 1e-8 (at most ``max_order`` terms; a note gives
the truncation bound when the cap is hit). ``c = d = 1/(1 - rho)`` when
every row sums to 1; otherwise the series with the exact sums ``1'W^j 1``
(or, when ``|rho| r > 0.995``, one sparse solve per rho).

Regions without neighbours (zero rows of ``W``, islands) are kept: their
spatial lag is 0 and their row of ``I - rho W`` is an identity row; a
warning names them.

References
----------
Ord, K. (1975). Estimation methods for models of spatial interaction.
*Journal of the American Statistical Association*, 70(349), 120-126.

LeSage, J. and Pace, R. K. (2009). *Introduction to Spatial Econometrics*.
CRC Press.

Barry, R. P. and Pace, R. K. (1999). Monte Carlo estimates of the log
determinant of large sparse matrices. *Linear Algebra and its
Applications*, 289, 41-54.

Hutchinson, M. F. (1990). A stochastic estimator of the trace of the
influence matrix for Laplacian smoothing splines. *Communications in
Statistics - Simulation and Computation*, 19(2), 433-450.

Examples
--------
>>> import numpy as np
>>> from scipy import sparse
>>> from regional_resilience.core.spatial_panel import prepare_weights
>>> W = sparse.csr_matrix(np.array([[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]]))
>>> pw = prepare_weights(W)
>>> pw.method, bool(pw.row_standardized), [float(round(b, 12)) for b in pw.bounds]
('eigen', True, [-1.0, 1.0])
>>> bool(round(pw.logdet(0.5), 10) == round(np.log(np.linalg.det(np.eye(3) - 0.5 * W.toarray())), 10))
True
>>> a, b, c, d = pw.effect_kernels([0.5])
>>> np.round([a[0], c[0]], 4)
array([1.2222, 2.    ])
"""
import math

import numpy as np
from scipy import linalg, sparse
from scipy.sparse import linalg as splinalg

from ..errors import InputDataError, WeightsError, check_choice
from ._base import label_list

__all__ = ["PreparedWeights", "prepare_weights", "LOGDET_METHODS"]

LOGDET_METHODS = ("auto", "eigen", "lu")


def _as_csr(W):
    if hasattr(W, "sparse") and callable(W.sparse):  # core Weights
        W = W.sparse()
    if sparse.issparse(W):
        M = sparse.csr_matrix(W, dtype=float)
    else:
        a = np.asarray(W, dtype=float)
        if a.ndim != 2:
            raise WeightsError(f"The spatial weights must be an n x n matrix; got shape {a.shape}.")
        M = sparse.csr_matrix(a)
    if M.shape[0] != M.shape[1]:
        raise WeightsError(f"The spatial weights must be a square n x n matrix; got {M.shape[0]} x {M.shape[1]}.")
    M = M.copy()
    M.eliminate_zeros()
    M.sort_indices()
    if not np.all(np.isfinite(M.data)):
        raise WeightsError("The spatial weights contain missing or infinite values.")
    return M


class _Resolvent:
    """``G = W (I - rho W)^-1`` at one rho: traces and products."""

    def __init__(self, trG, trG2, trGtG, apply, exact):
        self.trG, self.trG2, self.trGtG = float(trG), float(trG2), float(trGtG)
        self.apply_G = apply
        self.exact = exact


class PreparedWeights:
    """Spatial weights with their log-determinant machinery (build with
    :func:`prepare_weights`; see the module docstring for the methods).

    Attributes
    ----------
    W : scipy.sparse.csr_matrix
    n : int
    ids : tuple of str
    method : str
        ``"eigen"`` or ``"lu"``.
    dense_limit : int
    eigenvalues : ndarray or None
        Eigenvalues of ``W`` (``"eigen"`` only; real when ``W`` is
        symmetric or row-standardised symmetric).
    bounds : (float, float)
        Open interval of rho.
    row_standardized : bool
        Every row with neighbours sums to 1 and no weight is negative.
    islands : ndarray
        Positions of regions without neighbours.
    spectral_radius : float
    probes : int
        Rademacher vectors for the Monte-Carlo traces (large n).
    seed : int
        Seed of those vectors.
    notes : tuple of str
    """

    def __init__(self, W, *, method="auto", dense_limit=2000, ids=None, probes=50, seed=0, max_order=1000):
        self.W = _as_csr(W)
        self.n = n = self.W.shape[0]
        if n < 2:
            raise WeightsError("The spatial weights need at least 2 regions.")
        self.ids = tuple(str(x) for x in ids) if ids is not None else tuple(str(i) for i in range(n))
        if len(self.ids) != n:
            raise WeightsError(f"{len(self.ids)} region ids were given for spatial weights of {n} regions.")
        method = check_choice(method, LOGDET_METHODS, "log-determinant method")
        self.method_option = method
        self.dense_limit = int(dense_limit)
        if method == "auto":
            method = "eigen" if n <= self.dense_limit else "lu"
        self.method = method
        self.probes = int(probes)
        self.seed = int(seed)
        self.max_order = int(max_order)
        W = self.W
        rows = np.diff(W.indptr)
        self.islands = np.flatnonzero(rows == 0)
        rs = np.asarray(W.sum(axis=1)).ravel()
        nonneg = W.nnz == 0 or W.data.min() >= 0
        self.row_standardized = bool(nonneg and np.all(np.abs(rs[rows > 0] - 1.0) < 1e-10))
        self.WT = W.T.tocsr()
        self.trW = float(W.diagonal().sum())
        self.trW2 = float(W.multiply(self.WT).sum())
        self.frob2 = float(W.multiply(W).sum())
        self.S0 = float(W.sum())
        self._I = sparse.identity(n, format="csc")
        self._Wcsc = W.tocsc()
        notes = []
        if len(self.islands):
            notes.append(
                f"{len(self.islands)} region(s) have no neighbours ({label_list([self.ids[i] for i in self.islands])}): "
                "their spatial lags are 0 and they enter the likelihood with an identity row of I - rho W."
            )
        if self.trW != 0:
            notes.append("The spatial weights have a non-zero diagonal (regions are their own neighbours).")
        self.notes = tuple(notes)
        self.eigenvalues = None
        if method == "eigen":
            self.eigenvalues = self._eigenvalues()
            ev = self.eigenvalues
            self.spectral_radius = float(np.max(np.abs(ev)))
            real = ev.real[np.abs(ev.imag) <= 1e-10 * max(self.spectral_radius, 1e-300)] if np.iscomplexobj(ev) else ev
            wmax, wmin = float(real.max()), float(real.min())
            if self.row_standardized and abs(wmax - 1.0) < 1e-9:
                wmax = 1.0  # the Perron root of row-standardised weights is exactly 1
            r = max(self.spectral_radius, 1e-300)
            hi = 1.0 / wmax if wmax > 1e-12 else 1.0 / r
            lo = 1.0 / wmin if wmin < -1e-12 else -1.0 / r
            self.bounds = (lo, hi)
        else:
            self.spectral_radius = 1.0 if self.row_standardized else self._radius()
            self.bounds = (-1.0 / self.spectral_radius, 1.0 / self.spectral_radius)
        self._traces = None
        self._trace_state = None
        self._sums = None

    # -- construction helpers -------------------------------------------------
    def dense(self):
        """``W`` as a dense array (a new array each call: not kept in memory)."""
        return self.W.toarray()

    def _eigenvalues(self):
        Wd = self.dense()
        scale = max(np.abs(Wd).max(), 1e-300)
        if np.allclose(Wd, Wd.T, rtol=0, atol=1e-12 * scale):
            return linalg.eigvalsh(0.5 * (Wd + Wd.T))
        if Wd.min() >= 0:
            rmax = Wd.max(axis=1)
            dinv = np.where(rmax > 0, 1.0 / np.where(rmax > 0, rmax, 1.0), 1.0)  # D = diag(1/rowmax)
            C = dinv[:, None] * Wd
            if np.allclose(C, C.T, rtol=0, atol=1e-10 * max(C.max(), 1e-300)):
                s = np.sqrt(dinv)
                Ws = s[:, None] * Wd / s[None, :]
                return linalg.eigvalsh(0.5 * (Ws + Ws.T))
        ev = linalg.eigvals(Wd)
        if np.max(np.abs(ev.imag)) <= 1e-12 * max(np.max(np.abs(ev)), 1e-300):
            return np.sort(ev.real)
        return ev

    def _radius(self):
        try:
            v = splinalg.eigs(self.W, k=1, which="LM", return_eigenvectors=False, maxiter=5000, tol=1e-10)
            r = float(np.abs(v[0]))
        except Exception:  # ARPACK failure: the max abs row sum bounds the radius
            r = float(np.abs(self.W).sum(axis=1).max())
        if not r > 0:
            raise WeightsError("The spatial weights have no non-zero weight (every region is an island).")
        return r

    # -- log-determinant ----------------------------------------------------------
    def logdet(self, rho):
        """``ln|I - rho W|`` for a scalar or an array of rho."""
        rho_arr = np.atleast_1d(np.asarray(rho, dtype=float))
        if self.method == "eigen":
            ev = self.eigenvalues
            out = np.empty(rho_arr.shape)
            for s in range(0, len(rho_arr), 64):
                out[s : s + 64] = np.log(np.abs(1.0 - rho_arr[s : s + 64, None] * ev[None, :])).sum(axis=1)
        else:
            out = np.array([self._logdet_lu(r) for r in rho_arr])
        return float(out[0]) if np.ndim(rho) == 0 else out

    def trace_G(self, rho):
        """``tr W (I - rho W)^-1`` (exact, ``"eigen"`` only): minus the
        derivative of ``ln|I - rho W|``."""
        if self.method != "eigen":
            raise ValueError("trace_G needs the eigenvalues (method='eigen')")
        ev = self.eigenvalues
        return float(np.real(np.sum(ev / (1.0 - rho * ev))))

    def _logdet_lu(self, rho):
        A = (self._I - rho * self._Wcsc).tocsc()
        try:
            lu = splinalg.splu(A)
        except RuntimeError:  # exactly singular
            return -math.inf
        with np.errstate(divide="ignore"):
            return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

    # -- lags ------------------------------------------------------------------------
    def lag(self, a):
        """``W a`` for an ``(n, t)`` or ``(n, t, k)`` array (every period)."""
        a = np.asarray(a, dtype=float)
        if a.ndim == 1:
            return self.W @ a
        return (self.W @ a.reshape(self.n, -1)).reshape(a.shape)

    def lag_transpose(self, a):
        a = np.asarray(a, dtype=float)
        return (self.WT @ a.reshape(self.n, -1)).reshape(a.shape)

    # -- resolvent at one rho --------------------------------------------------------
    def resolvent(self, rho):
        """Traces of ``G = W (I - rho W)^-1`` and a function ``v -> G v``
        (exact for ``n <= dense_limit``, Hutchinson estimates otherwise)."""
        n = self.n
        if n <= self.dense_limit:
            A = np.eye(n) - rho * self.dense()
            Ainv = linalg.inv(A)
            G = np.asarray(self.W @ Ainv)
            return _Resolvent(np.trace(G), np.sum(G * G.T), np.sum(G * G), lambda v: G @ v, True)
        A = (self._I - rho * self._Wcsc).tocsc()
        lu = splinalg.splu(A)
        rng = np.random.default_rng(self.seed)
        P = rng.integers(0, 2, size=(n, self.probes)).astype(float) * 2.0 - 1.0
        WP = self.W @ P
        WtP = self.WT @ P
        GP = self.W @ lu.solve(P)
        GtP = lu.solve(np.ascontiguousarray(WtP), trans="T")
        trG = self.trW + np.mean(np.sum(P * (GP - WP), axis=0))
        trG2 = self.trW2 + np.mean(np.sum(GtP * GP - WtP * WP, axis=0))
        trGtG = self.frob2 + np.mean(np.sum(GP * GP - WP * WP, axis=0))

        def apply(v):
            v = np.asarray(v, dtype=float)
            return self.W @ lu.solve(np.ascontiguousarray(v))

        return _Resolvent(trG, trG2, trGtG, apply, False)

    def solve(self, rho, B):
        """``(I - rho W)^-1 B`` for an ``(n,)`` or ``(n, m)`` array."""
        A = (self._I - rho * self._Wcsc).tocsc()
        return splinalg.splu(A).solve(np.ascontiguousarray(np.asarray(B, dtype=float)))

    # -- effects kernels -------------------------------------------------------------
    def _power_traces(self, q):
        """tr(W^j)/n for j = 0..q (exact for j <= 2, Monte Carlo above)."""
        n = self.n
        if self._traces is None:
            rng = np.random.default_rng(self.seed + 1)
            P = rng.integers(0, 2, size=(n, self.probes)).astype(float) * 2.0 - 1.0
            Y = self.W @ (self.W @ P)
            self._traces = [1.0, self.trW / n, self.trW2 / n]
            self._trace_state = (P, Y)
        P, Y = self._trace_state
        while len(self._traces) <= q:
            Y = self.W @ Y
            self._traces.append(float(np.mean(np.sum(P * Y, axis=0))) / n)
        self._trace_state = (P, Y)
        return np.array(self._traces[: q + 1])

    def _row_sums(self, q):
        """1'W^j 1 / n for j = 0..q (exact)."""
        if self._sums is None:
            self._sums = ([1.0], np.ones(self.n))
        vals, v = self._sums
        while len(vals) <= q:
            v = self.W @ v
            vals.append(float(v.sum()) / self.n)
        self._sums = (vals, v)
        return np.array(vals[: q + 1])

    def _order(self, x, cap, tol=1e-8):
        if x <= 0:
            return 3
        if x >= 1:
            return cap
        q = int(math.ceil(math.log(tol * (1.0 - x)) / math.log(x)))
        return int(min(max(q, 3), cap))

    @staticmethod
    def _series(rhos, coefs):
        """sum_j rho^j coefs[j] for every rho (Horner)."""
        out = np.zeros(len(rhos))
        for c in coefs[::-1]:
            out = out * rhos + c
        return out

    def effect_kernels(self, rhos, notes=None):
        """Arrays ``a, b, c, d`` (one value per rho) with direct effect
        ``beta a + theta b`` and total effect ``beta c + theta d``."""
        rhos = np.atleast_1d(np.asarray(rhos, dtype=float))
        m = len(rhos)
        x = float(np.max(np.abs(rhos))) * self.spectral_radius if m else 0.0
        if self.method == "eigen":
            ev = self.eigenvalues
            a = np.empty(m)
            b = np.empty(m)
            for s in range(0, m, 128):
                inv = 1.0 / (1.0 - rhos[s : s + 128, None] * ev[None, :])
                a[s : s + 128] = np.real(inv.mean(axis=1))
                b[s : s + 128] = np.real((inv * ev[None, :]).mean(axis=1))
        else:
            q = self._order(x, self.max_order)
            tr = self._power_traces(q + 1)
            a = self._series(rhos, tr[: q + 1])
            b = self._series(rhos, tr[1 : q + 2])
            if q >= self.max_order and notes is not None:
                bound = x ** (q + 1) / (1.0 - x) if x < 1 else math.inf
                notes.append(
                    f"The trace series of the direct effects is truncated at {q} terms "
                    f"(|rho| up to {x:.4f}); truncation error of tr/n at most {bound:.2e}."
                )
        if self.row_standardized and not len(self.islands):
            c = 1.0 / (1.0 - rhos)
            d = c.copy()
        elif x < 0.995:
            q = self._order(x, 100000, tol=1e-13)
            s = self._row_sums(q + 1)
            c = self._series(rhos, s[: q + 1])
            d = self._series(rhos, s[1 : q + 2])
        else:
            ones = np.ones(self.n)
            w1 = self.W @ ones
            c = np.empty(m)
            d = np.empty(m)
            for i, r in enumerate(rhos):
                A = (self._I - r * self._Wcsc).tocsc()
                u = splinalg.splu(A).solve(ones, trans="T")
                c[i] = u.sum() / self.n
                d[i] = u @ w1 / self.n
        return a, b, c, d

    # -- subsets ---------------------------------------------------------------------
    def subset(self, index, restandardize=None):
        """Weights among the regions ``index`` only (links to other regions
        are dropped). ``restandardize`` (default: when these weights are
        row-standardised) divides every row by its new sum."""
        index = np.asarray(index, dtype=np.int64)
        Ws = self.W[index][:, index].tocsr()
        if restandardize is None:
            restandardize = self.row_standardized
        if restandardize:
            rs = np.asarray(Ws.sum(axis=1)).ravel()
            inv = np.where(rs > 0, 1.0 / np.where(rs > 0, rs, 1.0), 0.0)
            Ws = sparse.diags(inv) @ Ws
        return PreparedWeights(
            Ws, method=self.method_option, dense_limit=self.dense_limit,
            ids=[self.ids[i] for i in index], probes=self.probes, seed=self.seed, max_order=self.max_order,
        )


def prepare_weights(W, *, method="auto", dense_limit=2000, ids=None, probes=50, seed=0, max_order=1000):
    """Prepare spatial weights once for every model of a run.

    Parameters
    ----------
    W : scipy.sparse matrix, ndarray, core ``Weights`` or PreparedWeights
        ``n x n`` weights (row-standardised or not: the caller's choice).
        A :class:`PreparedWeights` is returned unchanged.
    method : {"auto", "eigen", "lu"}, default "auto"
        Log-determinant method; ``"auto"`` is ``"eigen"`` for ``n <=
        dense_limit`` and ``"lu"`` above.
    dense_limit : int, default 2000
        Largest ``n`` for eigenvalues and the exact dense traces.
    ids : sequence, optional
        Region ids, for messages.
    probes : int, default 50
        Rademacher vectors of the Monte-Carlo traces (large ``n`` only).
    seed : int, default 0
        Seed of those vectors (a local generator; results are reproducible).
    max_order : int, default 1000
        Most terms of the trace series of the direct effects (``"lu"``).

    Returns
    -------
    PreparedWeights

    Raises
    ------
    WeightsError
        Not a square matrix, non-finite weights, fewer than 2 regions.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.spatial_panel import knn_weights
    >>> W = knn_weights(np.random.default_rng(0).uniform(size=(50, 2)), 4)
    >>> eig, lu = prepare_weights(W), prepare_weights(W, method="lu")
    >>> eig.method, lu.method, bool(abs(eig.logdet(0.6) - lu.logdet(0.6)) < 1e-10)
    ('eigen', 'lu', True)
    """
    if isinstance(W, PreparedWeights):
        return W
    return PreparedWeights(W, method=method, dense_limit=dense_limit, ids=ids, probes=probes, seed=seed,
                           max_order=max_order)


def weights_for(W, n, ids=None, **kwargs):
    """:func:`prepare_weights` for a panel of ``n`` regions: weights of
    another size are refused with an :class:`InputDataError`."""
    if isinstance(W, PreparedWeights):
        check_weights_size(W, n)
        return W
    M = _as_csr(W)
    if M.shape[0] != n:
        raise InputDataError(
            f"The spatial weights are for {M.shape[0]} regions but the panel has {n}; they must match, in the same order."
        )
    return PreparedWeights(M, ids=ids, **kwargs)


def check_weights_size(pw, n, what="the panel"):
    if pw.n != n:
        raise InputDataError(f"The spatial weights are for {pw.n} regions but {what} has {n}; they must match, in the same order.")
