"""A spatial panel study in one call: the model on all regions and per group,
with its effects and specification tests; mediation on all regions and per
group.

:func:`spatial_analysis` fits ``model`` on all regions (``include_all``) and,
with ``groups=`` or ``split_by=``, on each group
(:func:`~.heterogeneity.by_group`: the weights among the group's regions,
rows standardised again); then for every estimated sample:

* the LeSage-Pace effects (:func:`~.effects.effects`, SAR and SDM; the SEM
  has none);
* with ``tests=True``, Moran's I and the LM tests of the FE-OLS residuals
  (:func:`~.diagnostics.spatial_diagnostics`) and the LR / Wald tests of an
  SDM with every regressor lagged against the SAR and the SEM
  (:func:`~.diagnostics.compare_models`; the fitted model is reused, the
  others are fitted on the sample with its weights).

Failures are never silent. On all regions every failure raises (a data
error naming what is wrong, :class:`~._base.EstimationError` with the last
log-likelihood when rho ends at a bound). A group whose model cannot be
estimated is skipped with the reason (``skipped``); a group whose effects or
tests fail keeps its estimates and gets a note (``notes[label]``). If no
sample is estimated an :class:`~regional_resilience.core.errors.InputDataError`
gives every reason. The :class:`~._base.SpatialPanelWarning` of the fits are
collected in ``notes`` (not issued again).

:func:`mediation_by_group` does the same for :func:`~.mediation.mediation`:
all regions (errors raise) and each group with at least ``min_regions``
regions (smaller groups and failures are skipped with the reason); warnings
are in each result's ``notes``.

Examples
--------
>>> import numpy as np
>>> from regional_resilience.core.spatial_panel import simulate_panel, spatial_analysis
>>> sim = simulate_panel(n=120, t=8, model="sdm", rho=0.3, beta=[1.0], theta=[0.5], seed=4)
>>> labels = np.where(sim.coords[:, 0] < 0.5, "west", "east")
>>> labels[:5] = "tiny"
>>> res = spatial_analysis("sdm", sim.y, sim.X, sim.W, groups=labels, effects_draws=100)
>>> list(res.fits), res.skipped
(['all', 'east', 'west'], {'tiny': 'only 5 regions (fewer than min_regions = 10)'})
>>> sorted(res.effects) == sorted(res.fits) == sorted(res.comparisons)
True
>>> res.residual_panel().shape
(120, 8)
"""
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputDataError, RRDataError
from ..groups import as_groups
from ._base import Hook, SpatialPanelWarning
from .diagnostics import compare_models, spatial_diagnostics
from .effects import effects as _effects
from .estimators import fit_spatial_panel
from .heterogeneity import _split_values, by_group
from .logdet import weights_for
from .mediation import mediation

__all__ = ["SpatialAnalysis", "spatial_analysis", "MediationByGroup", "mediation_by_group"]


@dataclass(frozen=True)
class SpatialAnalysis:
    """The result of :func:`spatial_analysis`.

    Attributes
    ----------
    model : str
    fits : dict
        label -> :class:`~.estimators.SpatialPanelResult`: all regions
        first (when estimated), then the groups in their order.
    members : dict
        label -> region positions of every sample (skipped ones too).
    skipped : dict
        label -> why the group was not estimated.
    effects : dict
        label -> :class:`~.effects.EffectsResult` (SAR, SDM).
    diagnostics : dict
        label -> :class:`~.diagnostics.DiagnosticsResult`.
    comparisons : dict
        label -> :class:`~.diagnostics.ComparisonResult`.
    notes : dict
        label -> notes of the fit and of its effects and tests.
    y : ndarray, shape (n, t_used)
        The dependent variable in the periods used (after the lag).
    periods : tuple of str
        Periods used.
    split_variable : str or None
    threshold : float
        NaN when groups come from labels.
    sizes : dict
        label -> number of regions.
    """

    model: str
    fits: dict
    members: dict
    skipped: dict
    effects: dict
    diagnostics: dict
    comparisons: dict
    notes: dict
    y: np.ndarray = field(repr=False)
    periods: tuple = ()
    split_variable: object = None
    threshold: float = math.nan
    sizes: dict = field(default_factory=dict)

    def residual_panel(self):
        """Residuals ``(n, t_used)`` of every region: from the all-regions fit
        when there is one, else from the region's group fit; NaN for regions
        of skipped groups."""
        out = np.full(self.y.shape, np.nan)
        for label in reversed(list(self.fits)):  # all regions written last
            out[self.members[label]] = self.fits[label].residuals
        return out

    def fitted_panel(self):
        """``y - residuals``: the fitted values with the fixed effects (for
        the SEM the innovations are the residuals, so these include the
        prediction ``lambda W u`` from the neighbours' errors)."""
        return self.y - self.residual_panel()


def _specification(fit, y, X, kw, notes):
    models = {}
    if fit.model != "sdm" or set(fit.lagged) == set(fit.x_names):
        models[fit.model] = fit
    for name in ("sdm", "sar", "sem"):
        if name in models:
            continue
        try:
            models[name] = fit_spatial_panel(name, y, X, fit.weights, **kw)
        except RRDataError as exc:
            if name == "sdm":
                raise
            notes.append(f"The {name.upper()} for the LR test could not be estimated: {exc}")
    cmp = compare_models(models["sdm"], models.get("sar"), models.get("sem"))
    notes.extend(cmp.notes)
    return cmp


def spatial_analysis(model, y, X, W, *, groups=None, split_by=None, threshold="median", include_all=True,
                     all_label="all", min_regions=10, effects_draws=1000, tests=True, seed=0, fe="twoway",
                     names=None, y_name="y", ids=None, periods=None, lag=0, lagged=None, bias_correction=False,
                     group_field="group", progress=None, is_canceled=None):
    """Fit a spatial panel model on all regions and per group, with effects
    and specification tests (see the module docstring).

    Parameters
    ----------
    model : {"sar", "sem", "sdm"}
    y, X, W
        As :func:`~.estimators.fit_sar`; ``W`` is prepared once (pass a
        :class:`~.logdet.PreparedWeights` to reuse it).
    groups : sequence or Groups, optional
        One group label per region.
    split_by : array_like, optional
        ``(n,)`` or ``(n, t)`` values (region means) split at ``threshold``
        into ``"above"`` and ``"at or below"``. Give at most one of
        ``groups`` and ``split_by``.
    threshold : "median" or float
    include_all : bool, default True
        Also fit all regions (always without groups).
    all_label : str, default "all"
    min_regions : int, default 10
        Smaller groups are skipped.
    effects_draws : int, default 1000
    tests : bool, default True
    seed : int, default 0
        Seed of the effects' draws and of the Monte-Carlo traces.
    fe, names, y_name, ids, periods, lag, lagged, bias_correction
        As the estimators (``lagged`` for the SDM only).
    group_field : str
        Name of the labels' source, for messages.
    progress, is_canceled : callable, optional

    Returns
    -------
    SpatialAnalysis

    Raises
    ------
    InputDataError, EstimationError
        Any failure on all regions; no sample estimated.
    """
    hook = Hook(progress, is_canceled, what="Spatial panel analysis")
    hook.at(0.0)
    if groups is not None and split_by is not None:
        raise InputDataError("Give groups or a split variable, not both.")
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputDataError(f"{y_name} must be a regions x periods array (n, t); got shape {y.shape}.")
    n = y.shape[0]
    ids = [str(v) for v in ids] if ids is not None else [str(i) for i in range(n)]
    X = np.asarray(X, dtype=float)
    pw = weights_for(W, n, ids, seed=seed)
    kw = dict(fe=fe, names=names, y_name=y_name, periods=periods, lag=lag, bias_correction=bias_correction,
              seed=seed)
    model_kw = dict(kw, lagged=lagged) if model == "sdm" else kw
    grouping = groups is not None or split_by is not None
    if groups is not None:
        groups = as_groups(groups, n, ids=ids, field=group_field)
        if all_label in groups.labels and include_all:
            raise InputDataError(f"A group is named {all_label!r}, the label of all regions: rename it.")
    fits, members, skipped, sizes = {}, {}, {}, {}
    split_variable, thr = None, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpatialPanelWarning)
        if include_all or not grouping:
            fits[all_label] = fit_spatial_panel(model, y, X, pw, ids=ids, progress=hook.sub(0.0, 0.3).at,
                                                is_canceled=is_canceled, **model_kw)
            members[all_label] = np.arange(n)
            sizes[all_label] = n
        if grouping:
            by = {"groups": groups, "group_field": group_field} if groups is not None else {
                "split_by": split_by, "threshold": threshold}
            grouped = by_group(model, y, X, pw, min_regions=min_regions, ids=ids, progress=hook.sub(0.3, 0.6).at,
                               is_canceled=is_canceled, **by, **model_kw)
            fits.update(grouped.results)
            members.update(grouped.members)
            skipped.update(grouped.skipped)
            sizes.update(grouped.sizes)
            split_variable, thr = grouped.split_variable, grouped.threshold
        if not fits:
            raise InputDataError("No sample could be estimated: " + "; ".join(
                f"{k}: {v}" for k, v in skipped.items()) + ".")
        notes = {label: list(fit.notes) for label, fit in fits.items()}
        effs, diags, comps = {}, {}, {}
        sub = hook.sub(0.6, 1.0)
        for i, (label, fit) in enumerate(fits.items()):
            part = sub.sub(i / len(fits), (i + 1) / len(fits))
            idx = members[label]
            ids_s = [ids[j] for j in idx]

            def attempt(what, function, *args, **kwargs):
                if label == all_label:
                    return function(*args, **kwargs)
                try:
                    return function(*args, **kwargs)
                except RRDataError as exc:
                    notes[label].append(f"No {what}: {exc}")
                    return None

            if fit.model != "sem":
                found = attempt("effects", _effects, fit, draws=effects_draws, seed=seed,
                                progress=part.sub(0.0, 0.5).at, is_canceled=is_canceled)
                if found is not None:
                    effs[label] = found
            part.at(0.5)
            if tests:
                found = attempt("residual diagnostics", spatial_diagnostics, y[idx], X[idx], fit.weights, fe=fe,
                                names=names, y_name=y_name, ids=ids_s, periods=periods, lag=lag)
                if found is not None:
                    diags[label] = found
                found = attempt("LR / Wald tests", _specification, fit, y[idx], X[idx], dict(kw, ids=ids_s),
                                notes[label])
                if found is not None:
                    comps[label] = found
            part.at(1.0)
    first = next(iter(fits.values()))
    return SpatialAnalysis(
        model=first.model, fits=fits, members=members, skipped=skipped, effects=effs, diagnostics=diags,
        comparisons=comps, notes={k: tuple(dict.fromkeys(v)) for k, v in notes.items()},
        y=np.ascontiguousarray(y[:, int(lag):]), periods=tuple(first.periods), split_variable=split_variable,
        threshold=thr, sizes=sizes,
    )


@dataclass(frozen=True)
class MediationByGroup:
    """The result of :func:`mediation_by_group`.

    Attributes
    ----------
    results : dict
        label -> :class:`~.mediation.MediationResult` (all regions first).
    skipped : dict
        label -> reason.
    sizes : dict
        label -> number of regions.
    members : dict
        label -> region positions.
    threshold : float
        The split threshold (NaN when groups come from labels).
    """

    results: dict
    skipped: dict
    sizes: dict
    members: dict = field(repr=False, default_factory=dict)
    threshold: float = math.nan


def mediation_by_group(y, driver, mediators, controls=None, *, groups=None, split_by=None, threshold="median",
                       include_all=True, all_label="all", min_regions=10, ids=None, group_field="group",
                       progress=None, is_canceled=None, **kwargs):
    """:func:`~.mediation.mediation` on all regions and on each group.

    Parameters
    ----------
    y, driver, mediators, controls
        As :func:`~.mediation.mediation`.
    groups : sequence or Groups, optional
        One group label per region.
    split_by : array_like, optional
        Instead of ``groups``: ``(n,)`` or ``(n, t)`` values (region means)
        split at ``threshold`` into ``"above"`` and ``"at or below"``, as
        :func:`~.heterogeneity.by_group`.
    threshold : "median" or float
    include_all : bool, default True
    all_label : str, default "all"
    min_regions : int, default 10
        Smaller groups are skipped (reported).
    ids : sequence, optional
    group_field : str
    progress, is_canceled : callable, optional
    **kwargs
        Passed to :func:`~.mediation.mediation` (``fe``, names, ``vcov``,
        ``draws``, ``seed``, ``ci``, ``periods``).

    Returns
    -------
    MediationByGroup

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(40, 5)); m = x + rng.normal(size=(40, 5)); y = m + rng.normal(size=(40, 5))
    >>> r = mediation_by_group(y, x, m, groups=["a"] * 32 + ["b"] * 8, draws=20)
    >>> list(r.results), r.skipped
    (['all', 'a'], {'b': 'only 8 regions (fewer than 10)'})
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputDataError(f"The outcome must be a regions x periods array (n, t); got shape {y.shape}.")
    n = y.shape[0]
    ids = [str(v) for v in ids] if ids is not None else [str(i) for i in range(n)]
    arrays = [None if a is None else np.asarray(a, dtype=float) for a in (driver, mediators, controls)]
    thr = math.nan
    if split_by is not None:
        if groups is not None:
            raise InputDataError("Give groups or a split variable, not both.")
        values, _ = _split_values(split_by, None, None, n, 0)
        if isinstance(threshold, str):
            if threshold.lower() != "median":
                raise InputDataError(f"threshold must be 'median' or a number; got {threshold!r}.")
            thr = float(np.median(values))
        else:
            thr = float(threshold)
        groups = np.where(values > thr, "above", "at or below").astype(object)
    samples = []
    if include_all or groups is None:
        samples.append((all_label, np.arange(n)))
    if groups is not None:
        g = as_groups(groups, n, ids=ids, field=group_field)
        if all_label in g.labels and samples:
            raise InputDataError(f"A group is named {all_label!r}, the label of all regions: rename it.")
        samples += [(lab, g.members(lab)) for lab in g.labels]
    hook = Hook(progress, is_canceled, what="Mediation analysis")
    results, skipped, sizes, members = {}, {}, {}, {}
    for i, (label, idx) in enumerate(samples):
        sizes[label], members[label] = len(idx), idx
        part = hook.sub(i / len(samples), (i + 1) / len(samples))
        args = [y[idx]] + [None if a is None else a[idx] for a in arrays]
        call = dict(kwargs, ids=[ids[j] for j in idx], progress=part.at, is_canceled=is_canceled)
        if label != all_label and len(idx) < min_regions:
            skipped[label] = f"only {len(idx)} regions (fewer than {min_regions})"
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpatialPanelWarning)  # they are in the result's notes
            if label == all_label:
                results[label] = mediation(*args, **call)
                continue
            try:
                results[label] = mediation(*args, **call)
            except RRDataError as exc:
                skipped[label] = f"not estimated: {exc}"
    if not results:
        raise InputDataError("No sample could be analysed: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
                             + ".")
    hook.at(1.0)
    return MediationByGroup(results, skipped, sizes, members, thr)
