"""Predictions of a fitted Tobit: the latent index and the expected value of
the censored variable.

For the index ``m = x b`` (plus the region's ``alpha_i`` in the FE model),
the expected value of ``y = min(max(y*, L), U)`` with ``y* ~ N(m, s^2)`` is
(the censored-normal mean; with the lower limit 0 alone it is the form of
McDonald and Moffitt 1980, ``Phi(m/s) m + s phi(m/s)``)::

    E[y] = L Phi(a) + U (1 - Phi(b)) + m (Phi(b) - Phi(a)) + s (phi(a) - phi(b)),
    a = (L - m) / s,   b = (U - m) / s

(a missing limit drops its term: ``Phi(a) = phi(a) = 0`` for ``L = -inf``).
``s`` is ``sigma`` in the pooled and FE models and the marginal
``sqrt(sigma_u^2 + sigma_e^2)`` in the RE model (the expectation over the
region effect ``u ~ N(0, sigma_u^2)``).

McDonald, J. F. and Moffitt, R. A. (1980). The uses of Tobit analysis.
*The Review of Economics and Statistics*, 62(2), 318-321.
"""
import math

import numpy as np
from scipy import special

from ..errors import InputDataError
from ..groups import label_text

__all__ = ["tobit_predict", "censored_mean", "predict_by_sample"]


def censored_mean(m, sigma, lower=None, upper=None):
    """``E[min(max(y*, lower), upper)]`` for ``y* ~ N(m, sigma^2)``.

    >>> round(float(censored_mean(0.0, 1.0, lower=0.0)), 6)  # phi(0)
    0.398942
    >>> float(censored_mean(0.3, 0.2))  # no limits: the mean
    0.3
    """
    m = np.asarray(m, dtype=float)
    s = float(sigma)
    if not s > 0:
        raise InputDataError(f"sigma must be positive; got {sigma!r}.")
    out = np.zeros_like(m)
    cdf_a = np.zeros_like(m)
    cdf_b = np.ones_like(m)
    if lower is not None:
        a = (float(lower) - m) / s
        cdf_a = special.ndtr(a)
        out += float(lower) * cdf_a + s * np.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    if upper is not None:
        b = (float(upper) - m) / s
        cdf_b = special.ndtr(b)
        out += float(upper) * (1.0 - cdf_b) - s * np.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
    return out + m * (cdf_b - cdf_a)


def tobit_predict(result, X, regions=None, *, kind="expected"):
    """Predictions of a :class:`TobitResult` for regressors ``X``.

    Parameters
    ----------
    result : TobitResult
    X : array_like, shape (N, k)
        The regressors as given to the fit (before logs, without the
        constant), in the same column order.
    regions : array_like, shape (N,), optional
        Region ids; needed by the FE model (each row gets its region's
        intercept; regions without one -- dropped or unknown -- give NaN).
    kind : {"expected", "index"}, default "expected"
        ``"index"``: ``x b`` (plus ``alpha_i`` in FE; ``u = 0`` in RE);
        ``"expected"``: the expected value of the censored variable (see the
        module notes).

    Returns
    -------
    ndarray, shape (N,)
        NaN where a logged regressor is not positive or a value is missing.

    Examples
    --------
    >>> import numpy as np
    >>> from regional_resilience.core.tobit import pooled_tobit
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=300)
    >>> y = np.clip(0.5 + 0.3 * x + rng.normal(0, 0.2, 300), 0, 1)
    >>> r = pooled_tobit(y, x, np.arange(300) // 3)
    >>> xb = tobit_predict(r, x, kind="index")
    >>> bool(np.allclose(xb, r.coef[0] + r.coef[1] * x))
    True
    >>> e = tobit_predict(r, x)
    >>> bool(e.min() > 0 and e.max() < 1)
    True
    """
    if kind not in ("expected", "index"):
        raise InputDataError(f"Unknown prediction {kind!r}; use 'expected' or 'index'.")
    Xa = np.array(X, dtype=float)
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    const = result.model != "fixed_effects" and result.names[:1] == ("const",)
    k = len(result.names) - (1 if const else 0)
    if Xa.ndim != 2 or Xa.shape[1] != k:
        raise InputDataError(
            f"The model has {k} regressor(s); the prediction was given {Xa.shape[-1]} column(s)."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in result.logged:
            col = Xa[:, j]
            Xa[:, j] = np.where(col > 0, np.log(np.where(col > 0, col, 1.0)), np.nan)
    m = Xa @ (result.coef[1:] if const else result.coef)
    if const:
        m = m + result.coef[0]
    if result.model == "fixed_effects":
        if regions is None:
            raise InputDataError("The fixed-effects prediction needs the region of every row.")
        reg = np.asarray(regions)
        if reg.shape != (Xa.shape[0],):
            raise InputDataError(f"The region ids must be one value per row ({Xa.shape[0]}).")
        alpha = dict(zip(np.asarray(result.alpha_regions).tolist(), result.alpha.tolist()))
        m = m + np.array([alpha.get(r, math.nan) for r in reg.tolist()])
    if kind == "index":
        return m
    s = result.sigma
    if result.model == "random_effects":
        s = math.sqrt(result.sigma ** 2 + result.sigma_u ** 2)
    return censored_mean(m, s, result.lower, result.upper)


def predict_by_sample(grouped, X, regions, groups=None, *, kind="expected"):
    """Predictions for every row of a :class:`GroupedTobitResult`'s data
    from the fit that describes it: the whole-sample fit when it was
    estimated, else the fit of the row's group.

    Parameters
    ----------
    grouped : GroupedTobitResult
    X, regions : as for :func:`tobit_predict` (all rows)
    groups : array_like, shape (N,), optional
        Group label of every row (as given to :func:`tobit_by_group`);
        needed when there is no whole-sample fit.
    kind : {"expected", "index"}

    Returns
    -------
    values : ndarray, shape (N,)
        NaN for rows whose group was not estimated (and where
        :func:`tobit_predict` gives NaN).
    source : ndarray of object, shape (N,)
        Label of the fit used for each row (None where none).
    """
    Xa = np.asarray(X, dtype=float)
    n = Xa.shape[0]
    reg = None if regions is None else np.asarray(regions)
    out = np.full(n, np.nan)
    source = np.full(n, None, dtype=object)
    whole = grouped.results.get(grouped.all_label) if grouped.all_label is not None else None
    if whole is not None:
        return tobit_predict(whole, Xa, reg, kind=kind), np.full(n, grouped.all_label, dtype=object)
    if groups is None:
        raise InputDataError("Without a whole-sample fit the prediction needs the group of every row.")
    lab = np.array([label_text(v) for v in groups], dtype=object)
    if lab.shape != (n,):
        raise InputDataError(f"The group labels must be one value per row ({n}).")
    for label, res in grouped.results.items():
        rows = np.flatnonzero(lab == label)
        if rows.size:
            out[rows] = tobit_predict(res, Xa[rows], None if reg is None else reg[rows], kind=kind)
            source[rows] = label
    return out, source
