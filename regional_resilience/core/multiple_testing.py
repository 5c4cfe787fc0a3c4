"""Multiple-testing corrections for maps of local statistics.

References
----------
Benjamini, Y. and Yekutieli, D. (2001). The control of the false discovery
rate in multiple testing under dependency. *The Annals of Statistics*, 29(4),
1165-1188.

Castro, M. C. and Singer, B. H. (2006). Controlling the false discovery rate:
a new application to account for multiple and dependent tests in local
statistics of spatial association. *Geographical Analysis*, 38(2), 180-208.
"""
import numpy as np

__all__ = ["fdr_threshold", "bonferroni_threshold"]


def _check_alpha(alpha):
    if not (isinstance(alpha, (int, float, np.floating, np.integer)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number between 0 and 1 (exclusive), got {alpha!r}")
    return float(alpha)


def fdr_threshold(p, alpha=0.05):
    """P-value cut-off that controls the false discovery rate (as ``esda.fdr``).

    Sort the ``n`` p-values in decreasing order and find the largest ``p_(k)``
    (``k`` counted from the smallest) with ``p_(k) < k * alpha / n``; the
    cut-off is ``k * alpha / n``, so exactly the p-values ``< cut-off`` are
    declared significant. When no p-value qualifies the Bonferroni bound
    ``alpha / n`` is returned.

    Parameters
    ----------
    p : array_like, shape (n,)
        Pseudo p-values of ``n`` local tests (e.g. ``LocalMoranResult.p_sim``
        of one period). NaN never qualifies but counts in ``n``, as in esda.
    alpha : float, default 0.05
        False discovery rate to control.

    Returns
    -------
    float
        Declare a test significant when its p-value is ``< fdr_threshold``.

    Notes
    -----
    Procedure of Benjamini and Yekutieli (2001) as applied to LISA maps by
    Castro and Singer (2006); the numbers equal ``esda.fdr(p, alpha)``.

    Examples
    --------
    >>> round(fdr_threshold([0.001, 0.002, 0.03, 0.5], alpha=0.05), 6)
    0.0375
    >>> fdr_threshold([0.2, 0.3, 0.9], alpha=0.05)  # none: Bonferroni
    0.016666666666666666
    """
    alpha = _check_alpha(alpha)
    p = np.asarray(p, dtype=float).ravel()
    n = len(p)
    if n == 0:
        raise ValueError("no p-values given")
    p_sort = np.sort(p)[::-1]
    index = np.arange(n, 0, -1)
    p_fdr = index * alpha / n
    with np.errstate(invalid="ignore"):
        sig_all = np.where(p_sort < p_fdr)[0]
    if len(sig_all) == 0:
        return alpha / n
    return float(p_fdr[sig_all[0]])


def bonferroni_threshold(p, alpha=0.05):
    """Bonferroni cut-off ``alpha / n`` for ``n`` tests (``p < cut-off`` is significant).

    Examples
    --------
    >>> bonferroni_threshold([0.01, 0.2, 0.5, 0.04], alpha=0.05)
    0.0125
    """
    alpha = _check_alpha(alpha)
    n = np.asarray(p).size
    if n == 0:
        raise ValueError("no p-values given")
    return alpha / n
