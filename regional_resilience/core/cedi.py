"""Composite environmental damage index (CEDI).

Zheng et al. (2022, eqs. 6-9) combine ``K`` pollutant damage indices per
region into one composite environmental damage index, weighting each
pollutant by the entropy of its distribution over regions. The form
implemented here, stated from the definitions of eqs. 6-9 (not checked
against the paper's typeset equations, which we could not consult), is::

    (6) f_ik = x_ik / sum_i x_ik                      pollutant shares
    (7) e_k  = -(1 / ln n) sum_i f_ik ln f_ik         entropy, 0 ln 0 = 0
    (8) g_k  = (1 - e_k) / sum_k (1 - e_k)            pollutant weights
    (9) CEDI_i = sum_k g_k x_ik

with ``x_ik >= 0`` the damage index of pollutant ``k`` in region ``i``
(the paper's pollutant damage indices, already on a comparable,
dimensionless scale — CEDI keeps their scale; it does *not* standardise
them) and ``n`` the number of regions. This is the entropy weight method of
:mod:`.indicator_weights` applied to the raw damage indices
(``standardize=False``), followed by a weighted sum of the same raw
indices. Larger CEDI = more damage.

For a panel ``(n, t, K)`` the literal reading of eq. 7 (``1 / ln n``, a sum
over regions) is a cross-section: weights are computed *per period* by
default (``pooled=False``). With ``pooled=True`` the shares and entropy run
over all ``n * t`` region-years (``k = 1 / ln(n t)``) and one weight vector
serves every period, which makes CEDI comparable across periods.

A pollutant with the same damage everywhere (or none at all) has
``e_k = 1`` and weight 0; it is flagged in :attr:`CEDIResult.constant` and
the warnings.

References
----------
Zheng et al. (2022), composite environmental damage index, eqs. 6-9 (as
specified for this project; see the module docstring for the assumed form).

Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
Technical Journal* 27(3), 379-423.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.cedi import cedi
>>> x = np.array([[1.0, 2.0], [1.0, 0.0], [1.0, 1.0]])
>>> res = cedi(x)
>>> res.weights, res.cedi
(array([0., 1.]), array([2., 0., 1.]))
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import InputDataError
from .indicator_weights import _objective_from_panel
from .standardize import _as_panel, _check_names, _indicator_label, _scope_axes

__all__ = ["CEDIResult", "cedi"]


@dataclass(frozen=True)
class CEDIResult:
    """Result of :func:`cedi`.

    Attributes
    ----------
    cedi : ndarray, shape (n,) or (n, t)
        Composite environmental damage index ``CEDI_i = sum_k g_k x_ik``.
    weights : ndarray, shape (K,) or (t, K)
        Pollutant weights ``g_k`` (sum 1 along the last axis).
    entropy : ndarray, same shape as ``weights``
        Entropy ``e_k`` of each pollutant's regional shares.
    divergence : ndarray, same shape
        ``1 - e_k``.
    constant : ndarray of bool, same shape
        Pollutants with equal damage everywhere in the scope (weight 0).
    pooled : bool
        Weights over all region-years (True) or per period (False).
    warnings : tuple of str
    """

    cedi: np.ndarray
    weights: np.ndarray
    entropy: np.ndarray
    divergence: np.ndarray
    constant: np.ndarray
    pooled: bool
    warnings: tuple = ()
    meta: dict = field(default_factory=dict, compare=False)


def cedi(D, *, pooled=False, names=None, periods=None):
    """Composite environmental damage index (Zheng et al. 2022, eqs. 6-9).

    Parameters
    ----------
    D : array_like, shape (n, K) or (n, t, K)
        Non-negative damage index of each of ``K`` pollutants per region
        (and period).
    pooled : bool, default False
        For a panel: entropy weights per period (False, eq. 7 read
        literally) or over all region-years (True).
    names, periods : sequence of str, optional
        Pollutant and period labels for warnings and errors.

    Returns
    -------
    CEDIResult

    Raises
    ------
    InputDataError
        Negative or missing damage values, fewer than 2 regions, or every
        pollutant constant.

    Examples
    --------
    Pollutant 0 is spread evenly and gets weight 0; pollutant 1 with shares
    (0.5, 0.5, 0): ``e = ln 2 / ln 3``:

    >>> res = cedi([[4.0, 2.0], [4.0, 2.0], [4.0, 0.0]])
    >>> round(float(res.entropy[1]), 4), res.weights.tolist(), res.cedi.tolist()
    (0.6309, [0.0, 1.0], [2.0, 2.0, 0.0])
    """
    X3, was_2d = _as_panel(D, names, periods, what="pollutant damage table", kind="pollutant")
    n, t, K = X3.shape
    names = _check_names(names, K, kind="pollutant")
    if n < 2:
        raise InputDataError(f"CEDI needs at least 2 regions; got {n}.")
    if np.any(X3 < 0):
        k = int(np.flatnonzero((X3 < 0).any(axis=(0, 1)))[0])
        raise InputDataError(
            f"{_indicator_label(k, names, 'pollutant', True)} has "
            f"negative damage values; CEDI needs non-negative pollutant damage indices."
        )
    pooled = bool(pooled) or was_2d
    axes = _scope_axes(pooled)
    const = X3.max(axis=axes, keepdims=True) == X3.min(axis=axes, keepdims=True)
    res = _objective_from_panel(X3, const, ("entropy",), "mean", pooled, was_2d, False, 0.0, 1,
                                names, periods, kind="pollutant")
    g = res.weights
    if g.ndim == 1:
        index = (X3 * g).sum(axis=-1)  # numpy sums, not BLAS: the same bits in every process
    else:
        index = np.einsum("ntk,tk->nt", X3, g)
    if was_2d:
        index = index[:, 0]
    return CEDIResult(
        cedi=index,
        weights=g,
        entropy=res.entropy,
        divergence=res.divergence,
        constant=res.constant,
        pooled=pooled,
        warnings=res.warnings,
    )
