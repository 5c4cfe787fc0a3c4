"""Spatial weights: a compact CSR representation shared by every method.

(Skeleton: the builders are added in :mod:`regional_resilience.core.contiguity`
and :mod:`regional_resilience.core.distance_weights`.)
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .errors import WeightsError

__all__ = ["Weights", "from_neighbor_pairs"]


@dataclass(frozen=True)
class Weights:
    """Spatial weights of ``n`` regions in compressed sparse row form.

    Row ``i`` lists the neighbours of region ``i`` (0-based positions, sorted
    ascending) in ``indices[indptr[i]:indptr[i + 1]]`` with their weights in
    ``weights`` at the same positions.

    Attributes
    ----------
    indptr : (n + 1,) int64
    indices : (nnz,) int64, sorted within each row, no self-neighbours
    weights : (nnz,) float64
    transform : str
        ``"B"`` binary (all ones), ``"R"`` row-standardised (rows sum to 1),
        ``"V"`` raw values (e.g. from a ``.gwt`` file).
    kind : str
        How the weights were made, for reports (``"queen"``, ``"rook"``,
        ``"knn"``, ``"distance"``, ``"file"``, ...).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    transform: str = "B"
    kind: str = ""
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def n(self):
        return len(self.indptr) - 1

    @property
    def cardinalities(self):
        """Number of neighbours of every region, shape (n,)."""
        return np.diff(self.indptr)

    @property
    def islands(self):
        """Positions of regions without neighbours."""
        return np.flatnonzero(self.cardinalities == 0)

    @property
    def nnz(self):
        return len(self.indices)

    def sparse(self):
        """The weights as a ``scipy.sparse.csr_matrix`` (n x n)."""
        return sparse.csr_matrix(
            (self.weights, self.indices, self.indptr), shape=(self.n, self.n)
        )

    def neighbor_sets(self):
        """List of sets of neighbour positions (for tests and reports)."""
        return [
            set(self.indices[self.indptr[i] : self.indptr[i + 1]].tolist())
            for i in range(self.n)
        ]

    def binary(self):
        """The same neighbours with every weight 1."""
        return Weights(
            self.indptr, self.indices, np.ones(self.nnz), "B", self.kind, dict(self.meta)
        )

    def row_standardized(self):
        """Rows divided by their sums; islands keep an empty row."""
        card = self.cardinalities
        # bincount, not reduceat: reduceat fails when trailing rows are empty.
        row_sum = np.bincount(
            np.repeat(np.arange(self.n), card), weights=self.weights, minlength=self.n
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            w = self.weights / np.repeat(row_sum, card)
        return Weights(self.indptr, self.indices, w, "R", self.kind, dict(self.meta))

    def transformed(self, transform):
        """Return the weights with transform ``"B"`` or ``"R"``."""
        transform = transform.upper()
        if transform == "B":
            return self.binary()
        if transform == "R":
            return self.row_standardized()
        if transform == "V":
            return self
        raise ValueError(f"unknown weights transform {transform!r}; use 'B', 'R' or 'V'")

    @classmethod
    def from_sparse(cls, matrix, kind="", transform=None, meta=None):
        """Weights from an (n, n) scipy sparse matrix.

        Explicit zeros and the diagonal are dropped, duplicates summed and
        rows sorted. ``transform`` defaults to ``"B"`` when every stored
        value is 1 and ``"V"`` otherwise.
        """
        c = sparse.coo_matrix(matrix, dtype=float)
        if c.shape[0] != c.shape[1]:
            raise WeightsError(f"a weights matrix must be square, got shape {c.shape}")
        off = c.row != c.col
        m = sparse.csr_matrix(
            (c.data[off], (c.row[off], c.col[off])), shape=c.shape
        )  # sums duplicates
        m.eliminate_zeros()
        m.sort_indices()
        w = np.asarray(m.data, dtype=float)
        if transform is None:
            transform = "B" if np.all(w == 1) else "V"
        return cls(
            np.asarray(m.indptr, dtype=np.int64),
            np.asarray(m.indices, dtype=np.int64),
            w,
            transform,
            kind,
            dict(meta or {}),
        )

    def symmetrize(self):
        """Binary weights where ``j`` neighbours ``i`` if ``i -> j`` or ``j -> i``.

        The usual fix for k-nearest-neighbour weights, which are not
        symmetric. Weight values are not kept (the result is binary).
        """
        a = self.binary().sparse()
        return Weights.from_sparse(
            ((a + a.T) > 0).astype(float), self.kind, "B", dict(self.meta)
        )

    def union(self, other):
        """Binary weights with the neighbours of ``self`` or of ``other``.

        Both must describe the same ``n`` regions in the same order.
        """
        if other.n != self.n:
            raise WeightsError(
                f"cannot combine weights of {self.n} and {other.n} regions"
            )
        m = (self.binary().sparse() + other.binary().sparse()) > 0
        kind = self.kind if self.kind == other.kind else f"{self.kind}+{other.kind}"
        return Weights.from_sparse(m.astype(float), kind, "B", dict(self.meta))

    def lag(self, y):
        """Spatial lag ``W y`` of an (n,) or (n, t) array."""
        y = np.asarray(y, dtype=float)
        if y.shape[0] != self.n:
            raise WeightsError(
                f"the weights describe {self.n} regions but the data has {y.shape[0]}"
            )
        return self.sparse() @ y


def from_neighbor_pairs(n, i, j, w=None, kind=""):
    """Build binary (or valued) weights from directed pairs ``i -> j``.

    Pairs are de-duplicated and self-pairs dropped; rows come out sorted.
    For symmetric relations pass both directions.
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    w = np.ones(len(i)) if w is None else np.asarray(w, dtype=float)
    keep = i != j
    i, j, w = i[keep], j[keep], w[keep]
    order = np.lexsort((j, i))
    i, j, w = i[order], j[order], w[order]
    if len(i):
        first = np.ones(len(i), dtype=bool)
        first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
        i, j, w = i[first], j[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    return Weights(indptr, j, w, "B" if np.all(w == 1) else "V", kind)
