"""One entry point for the three models, and the same model on the whole
sample and on every group of regions in one go."""
import numpy as np

from ..errors import InputDataError
from ..groups import label_text
from ..panel import format_list
from ._common import _Hook, _model_name
from .fixed_effects import fixed_effects_tobit
from .inference import hausman_fe_re
from .pooled import pooled_tobit
from .random_effects import random_effects_tobit
from .results import GroupedTobitResult

#: options of the main fit that the auxiliary FE / RE fits of the Hausman test share
_SHARED = ("lower", "upper", "names", "log", "method", "maxiter", "tol")


def _keyword_options(fn):
    import inspect

    return [
        n for n, par in inspect.signature(fn).parameters.items()
        if par.kind == par.KEYWORD_ONLY
    ]


_FUNCTIONS = {
    "pooled": pooled_tobit,
    "random_effects": random_effects_tobit,
    "fixed_effects": fixed_effects_tobit,
}


def _model_function(model, kwargs):
    fn = _FUNCTIONS[model]
    valid = _keyword_options(fn)
    unknown = [k for k in kwargs if k not in valid]
    if unknown:
        raise InputDataError(
            f"Option(s) {format_list(map(repr, unknown))} do not apply to the {model} Tobit; "
            f"valid options: {format_list(valid, 30)}."
        )
    return fn


def tobit(y, X, regions, *, model="pooled", **kwargs):
    """Fit the Tobit ``model`` (``"pooled"``, ``"random_effects"``/``"re"``,
    ``"fixed_effects"``/``"fe"``); keyword arguments go to the model's
    function (:func:`pooled_tobit`, :func:`random_effects_tobit`,
    :func:`fixed_effects_tobit`)."""
    model = _model_name(model)
    if model == "fixed_effects" and kwargs.get("constant"):
        raise InputDataError("The fixed-effects Tobit has region intercepts instead of a constant.")
    if model == "fixed_effects":
        kwargs.pop("constant", None)
    return _model_function(model, kwargs)(y, X, regions, **kwargs)


def _group_labels(groups, regions, n):
    reg = np.asarray(regions)
    if isinstance(groups, dict):
        missing = sorted({r for r in reg.tolist() if r not in groups}, key=str)
        if missing:
            raise InputDataError(
                f"No group label for region(s) {format_list(missing)}; give every region a group."
            )
        lab = np.array([groups[r] for r in reg.tolist()], dtype=object)
    else:
        lab = np.asarray(groups, dtype=object)
        if lab.shape != (n,):
            raise InputDataError(
                f"The group labels must be one value per row ({n}) or a dict region -> group."
            )
    # labels read by the one rule of core.groups: text, numbers as "1", blank = missing
    lab = np.array([label_text(v) for v in lab], dtype=object)
    miss = [i for i, v in enumerate(lab) if v is None]
    if miss:
        regs = sorted({reg[i] for i in miss}, key=str)
        raise InputDataError(f"The group label is missing for region(s) {format_list(regs)}.")
    import pandas as pd

    frame = pd.DataFrame({"r": reg, "g": list(lab)})
    nun = frame.groupby("r", sort=False)["g"].nunique()
    bad = nun.index[nun > 1].tolist()
    if bad:
        raise InputDataError(
            f"Region(s) {format_list(bad)} have more than one group label; a region belongs to "
            "one group."
        )
    return lab


def tobit_by_group(
    y,
    X,
    regions,
    groups=None,
    *,
    model="pooled",
    include_all=True,
    all_label="All",
    order=None,
    periods=None,
    hausman=False,
    n_nodes=None,
    quadrature=None,
    progress=None,
    is_canceled=None,
    **kwargs,
):
    """Estimate the same Tobit on the whole sample and on every group.

    Parameters
    ----------
    y, X, regions : see :func:`pooled_tobit`
    groups : array_like of shape (N,) or dict, optional
        Group label of every row (constant within a region) or a mapping
        region id -> label (e.g. east / central / west / northeast). None:
        the whole sample only.
    model : str, default "pooled"
        ``"pooled"``, ``"random_effects"`` or ``"fixed_effects"``.
    include_all : bool, default True
        Also estimate on all observations (labelled ``all_label``, first).
    order : sequence of str, optional
        Order of the group columns (default: sorted labels).
    hausman : bool, default False
        Also compare the fixed- and random-effects slopes of every sample
        estimated (:func:`hausman_fe_re`). The FE and RE fits of the test
        use OIM variances (the test assumes efficient estimators) and the
        limits, names, logs and optimiser options of the main fit; the main
        fit is reused when it is one of them with OIM variances. A sample
        whose auxiliary fit fails keeps its main fit; the reason is in
        ``hausman_skipped``.
    n_nodes, quadrature : optional
        Quadrature of the random-effects fits (the model's, or those of the
        Hausman test); ignored when no random-effects model is fitted.
    **kwargs
        Passed to the model function (limits, names, log, vcov...).

    Returns
    -------
    GroupedTobitResult
        A group is skipped -- with the reason in ``skipped`` -- when it has
        fewer than ``K + 2`` uncensored observations (``K`` = coefficients
        incl. the constant; FE: slopes, and it also needs more observations
        than regions + K), when its data are unusable (the InputDataError
        message, e.g. collinear within the group), or when the fit did not
        converge (the result is kept in ``unconverged``). The others are
        still computed. If nothing can be estimated, InputDataError lists
        the reasons (the sample's own message when there is one sample).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> reg = np.repeat(np.arange(40), 6)
    >>> x = rng.normal(size=240)
    >>> y = np.clip(0.4 + 0.2 * x + rng.normal(0, 0.1, 40)[reg] + rng.normal(0, 0.1, 240), 0, 1)
    >>> zone = {g: "east" if g < 20 else "west" for g in range(40)}
    >>> out = tobit_by_group(y, x, reg, zone, model="re", hausman=True)
    >>> out.labels, sorted(out.hausman)
    (('All', 'east', 'west'), ['All', 'east', 'west'])
    """
    model = _model_name(model)
    ya = np.asarray(y)
    n = ya.shape[0]
    if groups is None:
        labels = None
        uniq = []
        include_all = True
    else:
        labels = _group_labels(groups, regions, n)
        uniq = sorted(set(labels.tolist()))
    if order is not None and labels is not None:
        order = [str(v) for v in order]
        unknown = [v for v in order if v not in uniq]
        if unknown:
            raise InputDataError(
                f"Group(s) {format_list(unknown)} in the order do not occur; groups are "
                f"{format_list(uniq)}."
            )
        uniq = order + [v for v in uniq if v not in order]
    samples = []
    if include_all:
        if str(all_label) in uniq:
            raise InputDataError(f"A group is named {all_label!r}; choose another all_label.")
        samples.append((str(all_label), None))
    samples += [(g, g) for g in uniq]
    hook = _Hook(progress, is_canceled)
    if kwargs.get("names") is None and hasattr(X, "columns"):
        kwargs["names"] = [str(c) for c in X.columns]
    try:
        Xv = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"The regressors must be numeric: {exc}") from None
    if Xv.ndim == 1:
        Xv = Xv[:, None]
    reg = np.asarray(regions)
    per = None if periods is None else np.asarray(periods)
    results, skipped, unconverged = {}, {}, {}
    tests, tests_skipped = {}, {}
    if model == "fixed_effects" and kwargs.get("constant"):
        raise InputDataError("The fixed-effects Tobit has region intercepts instead of a constant.")
    if model == "fixed_effects":
        kwargs.pop("constant", None)
    for reserved in ("progress", "is_canceled", "periods"):
        kwargs.pop(reserved, None)
    quad = {k: v for k, v in (("n_nodes", n_nodes), ("quadrature", quadrature)) if v is not None}
    if model == "random_effects":
        kwargs.update(quad)
    fn = _model_function(model, kwargs)
    clusters = kwargs.pop("clusters", None)
    aux = _hausman_fits(model, dict(kwargs, **quad)) if hausman else []
    parts = 1 + len(aux)
    for i, (label, g) in enumerate(samples):
        sub = hook.sub(i / len(samples), (i + 1) / len(samples))
        rows = np.arange(n) if g is None else np.flatnonzero(labels == g)
        kw = dict(kwargs)
        if clusters is not None:
            kw["clusters"] = np.asarray(clusters)[rows]

        def fit(function, options, part, rows=rows, sub=sub):
            return function(
                ya[rows],
                Xv[rows],
                reg[rows],
                periods=None if per is None else per[rows],
                progress=None
                if progress is None
                else (lambda f, s=sub.sub(part / parts, (part + 1) / parts):
                      s.progress(s.lo + (s.hi - s.lo) * f)),
                is_canceled=is_canceled,
                **options,
            )

        try:
            res = fit(fn, kw, 0)
        except InputDataError as exc:
            skipped[label] = str(exc)
            continue
        if not res.converged:
            skipped[label] = (
                f"did not converge after {res.iterations} iterations (last log-likelihood "
                f"{res.loglik:.6g}): {res.message}"
            )
            unconverged[label] = res
            continue
        results[label] = res
        if hausman:
            fits = {model: res} if model != "pooled" and kw.get("vcov", "oim") == "oim" else {}
            for part, (aux_model, aux_kw) in enumerate(aux, start=1):
                if aux_model in fits:
                    continue
                try:
                    other = fit(_FUNCTIONS[aux_model], aux_kw, part)
                except InputDataError as exc:
                    tests_skipped[label] = f"the {aux_model.replace('_', '-')} fit failed: {exc}"
                    break
                if not other.converged:
                    tests_skipped[label] = (
                        f"the {aux_model.replace('_', '-')} fit did not converge: {other.message}"
                    )
                    break
                fits[aux_model] = other
            else:
                try:
                    tests[label] = hausman_fe_re(fits["fixed_effects"], fits["random_effects"])
                except InputDataError as exc:
                    tests_skipped[label] = str(exc)
    if not results and len(samples) == 1:
        reason = skipped[samples[0][0]]
        raise InputDataError(("The Tobit " + reason) if samples[0][0] in unconverged else reason)
    if not results:
        reasons = list(dict.fromkeys(skipped.values()))
        if len(reasons) == 1 and len(skipped) > 1:
            raise InputDataError(
                f"No sample could be estimated ({format_list(skipped)}): {reasons[0]}"
            )
        raise InputDataError(
            "No sample could be estimated: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    hook.done()
    return GroupedTobitResult(
        model=model,
        labels=tuple(lbl for lbl, _ in samples),
        results=results,
        skipped=skipped,
        unconverged=unconverged,
        hausman=tests,
        hausman_skipped=tests_skipped,
        all_label=str(all_label) if include_all else None,
    )


def _hausman_fits(model, kwargs):
    """``[(model, options)]`` of the FE and RE fits a Hausman test needs
    (OIM variances, the main fit's shared options)."""
    out = []
    for other in ("fixed_effects", "random_effects"):
        valid = _keyword_options(_FUNCTIONS[other])
        opts = {k: kwargs[k] for k in _SHARED if k in kwargs}
        if other == "random_effects":
            for k in ("n_nodes", "quadrature", "constant"):
                if k in kwargs:
                    opts[k] = kwargs[k]
        opts = {k: v for k, v in opts.items() if k in valid}
        opts["vcov"] = "oim"
        out.append((other, opts))
    return out
