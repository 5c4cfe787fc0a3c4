"""A seeded simulated city panel for examples, tests and benchmarks.

:func:`simulate_panel` places ``n`` cities uniformly at random in the unit
square, links each to its ``k_neighbors`` nearest cities (row-standardised
k-nearest-neighbour weights, asymmetric) and draws, for periods ``t``::

    x_jit = 0.5 c_ji + 0.5 d_jt + N(0, 1)           (regressors with region and period parts)
    mu_i ~ N(0, region_sd^2),  alpha_t ~ N(0, time_sd^2),  e_it ~ N(0, sigma^2)
    SAR/SDM:  y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + alpha_t 1 + e_t)
    SEM:      y_t = X_t beta + mu + alpha_t 1 + (I - rho W)^-1 e_t

(``theta`` is ignored by SAR and SEM; for the SEM ``rho`` is lambda.) The
region effects are correlated with the regressors through ``c_ji`` (``mu_i
= region_sd (0.6 c_1i + 0.8 u_i)``), so pooled estimates are biased and
fixed effects are needed. Everything comes from
``numpy.random.default_rng(seed)``.

Examples
--------
>>> from regional_resilience.core.spatial_panel import simulate_panel
>>> sim = simulate_panel(n=280, t=20, seed=0)
>>> sim.y.shape, sim.X.shape, sim.W.shape, sim.names
((280, 20), (280, 20, 2), (280, 280), ('x1', 'x2'))
>>> sim.ids[:2], sim.periods[:2]
(('C001', 'C002'), ('2001', '2002'))
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse, spatial
from scipy.sparse import linalg as splinalg

from ..errors import InputDataError, check_choice

__all__ = ["SimulatedPanel", "simulate_panel", "knn_weights"]


@dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel (:func:`simulate_panel`).

    Attributes
    ----------
    y : (n, t) ndarray
    X : (n, t, k) ndarray
    W : scipy.sparse.csr_matrix
        Row-standardised k-nearest-neighbour weights.
    coords : (n, 2) ndarray
    ids, periods, names : tuple of str
    params : dict
        The true ``model, rho, beta, theta, sigma``.
    region_effects, time_effects : ndarray
    """

    y: np.ndarray
    X: np.ndarray
    W: object
    coords: np.ndarray
    ids: tuple
    periods: tuple
    names: tuple
    params: dict = field(default_factory=dict)
    region_effects: np.ndarray = None
    time_effects: np.ndarray = None


def knn_weights(coords, k=6):
    """Row-standardised ``k``-nearest-neighbour weights (CSR) of points.

    >>> import numpy as np
    >>> W = knn_weights(np.array([[0, 0], [1, 0], [3, 0]]), k=1)
    >>> W.toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 1., 0.]])
    """
    coords = np.asarray(coords, dtype=float)
    n = len(coords)
    if not 1 <= k < n:
        raise InputDataError(f"k_neighbors must be between 1 and n - 1 = {n - 1}; got {k}.")
    _, idx = spatial.cKDTree(coords).query(coords, k=k + 1)
    rows = np.repeat(np.arange(n), k)
    cols = idx[:, 1:].ravel()
    return sparse.csr_matrix((np.full(n * k, 1.0 / k), (rows, cols)), shape=(n, n))


def simulate_panel(n=280, t=20, *, model="sdm", rho=0.4, beta=(1.0, -0.5), theta=(0.5, 0.0), sigma=1.0,
                   region_sd=1.0, time_sd=0.5, k_neighbors=6, seed=0, first_period=2001):
    """Simulate a city panel from a spatial panel model (see the module docstring).

    Parameters
    ----------
    n, t : int, default 280 and 20
        Cities and periods.
    model : {"sdm", "sar", "sem"}, default "sdm"
    rho : float, default 0.4
        Spatial lag (SAR/SDM) or error (SEM) parameter.
    beta, theta : sequence of float
        Coefficients of ``X`` and (SDM) of ``W X``; ``len(beta)`` regressors.
    sigma : float, default 1.0
        Standard deviation of the errors.
    region_sd, time_sd : float
        Standard deviations of the region and period effects.
    k_neighbors : int, default 6
    seed : int, default 0
    first_period : int, default 2001

    Returns
    -------
    SimulatedPanel

    Examples
    --------
    >>> sim = simulate_panel(n=30, t=3, model="sem", rho=0.2, beta=[1.0], seed=1)
    >>> sim.params["model"], sim.X.shape
    ('sem', (30, 3, 1))
    """
    model = check_choice(model, ("sdm", "sar", "sem"), "simulated model")
    rng = np.random.default_rng(seed)
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    k = len(beta)
    theta = np.zeros(k) if model != "sdm" else np.atleast_1d(np.asarray(theta, dtype=float))
    if len(theta) != k:
        raise InputDataError(f"theta needs {k} values (one per regressor); got {len(theta)}.")
    coords = rng.uniform(size=(n, 2))
    W = knn_weights(coords, k_neighbors)
    c = rng.normal(size=(k, n))
    dt = rng.normal(size=(k, t))
    X = 0.5 * c[:, :, None] + 0.5 * dt[:, None, :] + rng.normal(size=(k, n, t))
    X = np.ascontiguousarray(np.moveaxis(X, 0, 2))  # (n, t, k)
    mu = region_sd * (0.6 * c[0] + 0.8 * rng.normal(size=n))
    alpha = time_sd * rng.normal(size=t)
    e = sigma * rng.normal(size=(n, t))
    A = (sparse.identity(n, format="csc") - rho * W.tocsc()).tocsc()
    lu = splinalg.splu(A)
    xb = X @ beta
    if model == "sem":
        y = xb + mu[:, None] + alpha[None, :] + lu.solve(e)
    else:
        wx = (W @ X.reshape(n, -1)).reshape(n, t, k) @ theta
        y = lu.solve(xb + wx + mu[:, None] + alpha[None, :] + e)
    return SimulatedPanel(
        y=y, X=X, W=W, coords=coords,
        ids=tuple(f"C{i + 1:03d}" for i in range(n)),
        periods=tuple(str(first_period + j) for j in range(t)),
        names=tuple(f"x{j + 1}" for j in range(k)),
        params={"model": model, "rho": float(rho), "beta": beta, "theta": theta, "sigma": float(sigma)},
        region_effects=mu, time_effects=alpha,
    )
