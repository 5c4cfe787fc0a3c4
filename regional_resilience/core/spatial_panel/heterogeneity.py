"""Heterogeneity: one model per group of regions.

:func:`by_group` splits the regions either by labels (``groups=``: one label
per region, read by :func:`regional_resilience.core.groups.as_groups`, e.g.
east / central / west) or by a threshold on a variable (``split_by=``: one
value per region, or an ``(n, t)`` array / regressor name whose region means
over the periods are used; ``threshold="median"`` by default), giving the
groups ``"above"`` (value > threshold) and ``"at or below"``. Every group is
estimated on its own regions and all periods with the same model and
options:

* ``model="ols"``: within OLS (:func:`~.within.fe_ols`);
* ``"sar"``, ``"sem"``, ``"sdm"``: the spatial models, with the weights
  among the group's regions only (links to other groups dropped); when the
  weights are row-standardised the rows are standardised again
  (``restandardize=None``), so a region whose neighbours are all in other
  groups becomes an island (a warning names it).

A group is skipped, and reported in ``skipped`` with the reason, when it has
fewer than ``min_regions`` regions (default 10), fewer than ``min_dof``
(default 10) residual degrees of freedom (region-periods minus absorbed
means minus parameters), or when its estimation fails with a data or
estimation error (collinear within the group, rho at its bound, ...).

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import by_group, simulate_panel
>>> sim = simulate_panel(n=120, t=8, model="sar", rho=0.3, beta=[1.0], seed=4)
>>> labels = np.where(sim.coords[:, 0] < 0.5, "west", "east")
>>> labels[:5] = "tiny"
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:  # a west city has only east neighbours
...     warnings.simplefilter("always")
...     res = by_group("sar", sim.y, sim.X, sim.W, groups=labels)
>>> [str(w.message).split(":")[0] for w in caught]
["1 region(s) have no neighbours ('18')"]
>>> sorted(res.results), res.skipped
(['east', 'west'], {'tiny': 'only 5 regions (fewer than min_regions = 10)'})
>>> res = by_group("ols", sim.y, sim.X, split_by="x1")
>>> res.labels, res.sizes
(('above', 'at or below'), {'above': 60, 'at or below': 60})
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputDataError, RRDataError, check_choice
from ..groups import as_groups
from ._base import Hook, absorbed_dof, check_fe, positive_int
from .estimators import fit_spatial_panel
from .logdet import weights_for
from .within import fe_ols

__all__ = ["GroupedResult", "by_group"]

GROUP_MODELS = ("ols", "sar", "sem", "sdm")


@dataclass(frozen=True)
class GroupedResult:
    """Per-group fits (:func:`by_group`).

    Attributes
    ----------
    model : str
    labels : tuple of str
        Every group, in order.
    results : dict
        label -> fit (``SpatialPanelResult`` or ``WithinOLSResult``) of the
        groups estimated.
    skipped : dict
        label -> reason, for the groups not estimated.
    sizes : dict
        label -> number of regions.
    members : dict
        label -> region positions.
    split_variable : str or None
    threshold : float
        NaN when groups come from labels.
    notes : tuple of str
    """

    model: str
    labels: tuple
    results: dict
    skipped: dict
    sizes: dict
    members: dict = field(repr=False, default_factory=dict)
    split_variable: object = None
    threshold: float = math.nan
    notes: tuple = ()


def _split_values(split_by, X, names, n, lag):
    if isinstance(split_by, str):
        if names is None:
            names = [f"x{j + 1}" for j in range(np.asarray(X).shape[2] if np.ndim(X) == 3 else 1)]
        names = [str(x) for x in names]
        if split_by not in names:
            raise InputDataError(f"split_by={split_by!r} is not a regressor ({', '.join(names)}).")
        Xa = np.asarray(X, dtype=float)
        Xa = Xa[:, :, None] if Xa.ndim == 2 else Xa
        v = Xa[:, :, names.index(split_by)]
        label = split_by
    else:
        v = np.asarray(split_by, dtype=float)
        label = "split variable"
    if v.ndim == 2:
        if v.shape[0] != n:
            raise InputDataError(f"The split variable has {v.shape[0]} regions; the panel has {n}.")
        v = v.mean(axis=1)
    if v.shape != (n,):
        raise InputDataError(f"The split variable needs one value per region (n = {n}); got shape {v.shape}.")
    if not np.all(np.isfinite(v)):
        raise InputDataError("The split variable has missing values; give every region a value.")
    return v, label


def by_group(model, y, X, W=None, *, groups=None, split_by=None, threshold="median", names=None, y_name="y",
             ids=None, periods=None, fe="twoway", lag=0, min_regions=10, min_dof=10, restandardize=None,
             group_field="group", progress=None, is_canceled=None, **fit_kwargs):
    """Estimate ``model`` separately for each group of regions.

    Parameters
    ----------
    model : {"ols", "sar", "sem", "sdm"}
    y, X : array_like
        ``(n, t)`` and ``(n, t, k)`` panel.
    W : weights, optional
        Needed by the spatial models (any form accepted by
        :func:`~.logdet.prepare_weights`).
    groups : sequence, optional
        One group label per region.
    split_by : str or array_like, optional
        A regressor name, an ``(n,)`` array or an ``(n, t)`` array (region
        means) to split at ``threshold``. Give ``groups`` or ``split_by``.
    threshold : "median" or float, default "median"
    names, y_name, ids, periods, fe, lag
        As the estimators.
    min_regions : int, default 10
    min_dof : int, default 10
    restandardize : bool, optional
        Row-standardise the group's weights again (default: when ``W`` is
        row-standardised).
    group_field : str
        Name of the labels' source, for messages.
    progress, is_canceled : callable, optional
    **fit_kwargs
        Passed to the estimator (``lagged``, ``bias_correction``,
        ``vcov`` for OLS, ...).

    Returns
    -------
    GroupedResult

    Raises
    ------
    InputDataError
        Neither or both of ``groups``/``split_by``, bad labels or split
        variable, weights missing for a spatial model.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 5, 1)); y = X[:, :, 0] + rng.normal(size=(40, 5))
    >>> r = by_group("ols", y, X, groups=["a"] * 30 + ["b"] * 10, fe="region", min_regions=15)
    >>> list(r.results), r.skipped
    (['a'], {'b': 'only 10 regions (fewer than min_regions = 15)'})
    """
    model = check_choice(model, GROUP_MODELS, "model")
    fe = check_fe(fe)
    min_regions = positive_int(min_regions, "min_regions", minimum=1)
    min_dof = positive_int(min_dof, "min_dof", minimum=1)
    hook = Hook(progress, is_canceled, what="Estimation by group")
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputDataError(f"{y_name} must be a regions x periods array (n, t); got shape {y.shape}.")
    n, t_all = y.shape
    if (groups is None) == (split_by is None):
        raise InputDataError("Give either groups= (a label per region) or split_by= (a variable to split at a threshold).")
    notes = []
    split_variable = None
    thr = math.nan
    if groups is not None:
        g = as_groups(groups, n, ids=ids, field=group_field)
        labels = tuple(g.labels)
        members = {lab: g.members(lab) for lab in labels}
    else:
        v, split_variable = _split_values(split_by, X, names, n, lag)
        if isinstance(threshold, str):
            if threshold.lower() != "median":
                raise InputDataError(f"threshold must be 'median' or a number; got {threshold!r}.")
            thr = float(np.median(v))
            notes.append(f"Regions split at the median of {split_variable} ({thr:.6g}).")
        else:
            thr = float(threshold)
        labels = ("above", "at or below")
        members = {"above": np.flatnonzero(v > thr), "at or below": np.flatnonzero(v <= thr)}
    pw = None
    if model != "ols":
        if W is None:
            raise InputDataError(f"The {model.upper()} needs spatial weights (W=).")
        pw = weights_for(W, n, ids, method=fit_kwargs.pop("logdet", "auto"),
                         dense_limit=fit_kwargs.pop("dense_limit", 2000), seed=fit_kwargs.get("seed", 0))
    Xa = np.asarray(X, dtype=float)
    k = 1 if Xa.ndim == 2 else Xa.shape[2]
    n_params = k + 2
    if model == "sdm":
        lagged = fit_kwargs.get("lagged")
        n_params += k if lagged is None else len([lagged] if isinstance(lagged, str) else lagged)
    elif model == "ols":
        n_params = k
    t_used = t_all - int(lag)
    ids_all = list(ids) if ids is not None else [str(i) for i in range(n)]
    results, skipped, sizes = {}, {}, {}
    for gi, lab in enumerate(labels):
        idx = members[lab]
        sizes[lab] = int(len(idx))
        hook.at(gi / max(len(labels), 1))
        if len(idx) < min_regions:
            skipped[lab] = f"only {len(idx)} regions (fewer than min_regions = {min_regions})"
            continue
        dof = len(idx) * t_used - absorbed_dof(fe, len(idx), max(t_used, 1)) - n_params
        if dof < min_dof:
            skipped[lab] = f"{dof} residual degrees of freedom (fewer than min_dof = {min_dof})"
            continue
        sub_ids = [ids_all[i] for i in idx]
        try:
            if model == "ols":
                res = fe_ols(y[idx], Xa[idx], fe=fe, names=names, y_name=y_name, ids=sub_ids, periods=periods,
                             lag=lag, **fit_kwargs)
            else:
                pws = pw.subset(idx, restandardize)
                res = fit_spatial_panel(model, y[idx], Xa[idx], pws, fe=fe, names=names, y_name=y_name,
                                        ids=sub_ids, periods=periods, lag=lag, **fit_kwargs)
        except RRDataError as exc:
            skipped[lab] = f"not estimated: {exc}"
            continue
        results[lab] = res
    hook.at(1.0)
    if skipped:
        notes.append("Groups skipped: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()) + ".")
    return GroupedResult(model, tuple(labels), results, skipped, sizes, members, split_variable, thr, tuple(notes))
