"""What analysts say about their indicators, parsed once.

A composite index needs, for each indicator, its direction (positive: more
is better; negative: a cost), optionally its subsystem (economic, social,
ecological, ...), and for subjective weights a G1 ranking with importance
ratios or expert weights. Analysts give these either as short texts in the
tool's dialog or as a small mapping table; both end as one
:class:`IndicatorSpec`.

Text forms (names are the indicator field names, case-insensitive):

- negative indicators: ``"unemployment, pollution"``
- subsystems: ``"economic: gdp, income; social: doctors, schools"``
- G1 ranking, most important first, each later indicator with its ratio
  ``r_k = w_{k-1} / w_k``: ``"gdp; income 1.2; doctors 1.4; schools 1.0"``
- expert weights: ``"gdp 0.4; income 0.3; doctors 0.2; schools 0.1"``
"""
import re
from dataclasses import dataclass

import numpy as np

from .errors import InputDataError
from .panel import format_list

__all__ = [
    "IndicatorSpec",
    "parse_name_list",
    "parse_subsystems",
    "parse_g1",
    "parse_expert_weights",
    "build_spec",
]

_SPLIT = re.compile(r"[;\n]+")


@dataclass(frozen=True)
class IndicatorSpec:
    """Indicators in data order with their direction and optional extras.

    names : tuple of str
    positive : (m,) bool (False = negative / cost indicator)
    subsystems : tuple of str, or None (every indicator in one system)
    g1 : (ranking as positions, ratios (m - 1,)) or None
    expert : (m,) float or None
    """

    names: tuple
    positive: np.ndarray
    subsystems: tuple = None
    g1: tuple = None
    expert: np.ndarray = None


def _lookup(names):
    table = {}
    for k, name in enumerate(names):
        table[name.strip().lower()] = k
    return table


def _resolve(name, names, what):
    table = _lookup(names)
    key = name.strip().lower()
    if key not in table:
        raise InputDataError(
            f"{what} names an unknown indicator '{name.strip()}'; the indicators are "
            f"{format_list(names)}."
        )
    return table[key]


def parse_name_list(text, names, what="The list of negative indicators"):
    """Positions of the comma/semicolon-separated names in ``text``."""
    items = [s for s in re.split(r"[,;\n]+", text or "") if s.strip()]
    return sorted({_resolve(s, names, what) for s in items})


def parse_subsystems(text, names):
    """``"economic: gdp, income; social: doctors"`` -> subsystem per indicator.

    Every indicator must be in exactly one subsystem.
    """
    labels = [None] * len(names)
    for group in _SPLIT.split(text or ""):
        if not group.strip():
            continue
        if ":" not in group:
            raise InputDataError(
                f"Subsystem '{group.strip()}' has no ':'; write e.g. 'economic: gdp, income; social: doctors'."
            )
        label, members = group.split(":", 1)
        label = label.strip()
        for item in re.split(r",+", members):
            if not item.strip():
                continue
            k = _resolve(item, names, "The subsystem mapping")
            if labels[k] is not None and labels[k] != label:
                raise InputDataError(
                    f"Indicator '{names[k]}' is in two subsystems: {labels[k]} and {label}."
                )
            labels[k] = label
    missing = [names[k] for k, lab in enumerate(labels) if lab is None]
    if missing:
        raise InputDataError(f"Indicators without a subsystem: {format_list(missing)}.")
    return tuple(labels)


def _number(token, what):
    try:
        return float(token)
    except ValueError:
        raise InputDataError(f"{what}: '{token}' is not a number.") from None


def parse_g1(text, names):
    """``"gdp; income 1.2; doctors 1.4"`` -> (ranking positions, ratios).

    The first item has no ratio; each later one has ``r_k = w_{k-1} / w_k``.
    Range checks on the ratios are left to the G1 method itself.
    """
    ranking, ratios = [], []
    for k, item in enumerate(s.strip() for s in _SPLIT.split(text or "") if s.strip()):
        parts = item.rsplit(None, 1)
        if k == 0:
            if len(parts) == 2 and re.fullmatch(r"[-+0-9.eE]+", parts[1]):
                raise InputDataError(
                    f"The G1 ranking starts with '{item}': the most important indicator has no ratio."
                )
            ranking.append(_resolve(item, names, "The G1 ranking"))
            continue
        if len(parts) != 2:
            raise InputDataError(
                f"G1 ranking item '{item}' needs a ratio, e.g. '{item} 1.2' "
                "(how much more important the indicator before it is)."
            )
        ranking.append(_resolve(parts[0], names, "The G1 ranking"))
        ratios.append(_number(parts[1], f"G1 ratio of '{parts[0]}'"))
    return ranking, np.array(ratios, dtype=float)


def parse_expert_weights(text, names):
    """``"gdp 0.4; income 0.3"`` -> (m,) weights in data order (all required)."""
    weights = np.full(len(names), np.nan)
    for item in (s.strip() for s in _SPLIT.split(text or "") if s.strip()):
        parts = item.rsplit(None, 1)
        if len(parts) != 2:
            raise InputDataError(f"Expert weight '{item}' needs a name and a number, e.g. 'gdp 0.4'.")
        weights[_resolve(parts[0], names, "The expert weights")] = _number(parts[1], f"Expert weight of '{parts[0]}'")
    missing = [names[k] for k in np.flatnonzero(np.isnan(weights))]
    if missing:
        raise InputDataError(f"Expert weights are missing for: {format_list(missing)}.")
    return weights


def build_spec(names, negative="", subsystems="", g1="", expert=""):
    """An :class:`IndicatorSpec` from the dialog's texts."""
    names = tuple(names)
    positive = np.ones(len(names), dtype=bool)
    positive[parse_name_list(negative, names)] = False
    return IndicatorSpec(
        names=names,
        positive=positive,
        subsystems=parse_subsystems(subsystems, names) if (subsystems or "").strip() else None,
        g1=parse_g1(g1, names) if (g1 or "").strip() else None,
        expert=parse_expert_weights(expert, names) if (expert or "").strip() else None,
    )
