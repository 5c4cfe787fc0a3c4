"""One weighting scheme for a composite index: objective, subjective, combined.

Papers combine an objective method (entropy, CV, CRITIC, or their mean) with
a subjective one (order-relation G1, or expert weights) and synthesise them,
multiplicatively ``F_j = R_j W_j / sum_j R_j W_j`` or linearly
``F = alpha R + (1 - alpha) W`` (see :mod:`.indicator_weights` for every
formula and its source). :func:`weighting_scheme` runs the chosen parts once
and keeps each of them for the weights table analysts report.
"""
from dataclasses import dataclass

import numpy as np

from .errors import InputDataError
from .indicator_weights import (
    IndicatorWeights,
    combine_linear,
    combine_multiplicative,
    expert_weights,
    g1_weights,
    objective_weights,
)
from .standardize import DEFAULT_SHIFT

__all__ = ["WeightingScheme", "weighting_scheme", "SUBJECTIVE_METHODS", "COMBINATIONS"]

SUBJECTIVE_METHODS = ("none", "g1", "expert")
COMBINATIONS = ("multiplicative", "linear")


@dataclass(frozen=True)
class WeightingScheme:
    """The parts of a weighting and the final weights.

    objective : IndicatorWeights or None
    subjective : (m,) array or None, with ``subjective_method``
    final : (m,) or (t, m) weights summing to 1
    description : one line for reports, e.g. ``"multiplicative(G1, entropy)"``
    """

    objective: IndicatorWeights
    subjective: np.ndarray
    subjective_method: str
    final: np.ndarray
    description: str
    warnings: tuple = ()


def weighting_scheme(X, positive, objective_methods=("entropy",), *, objective_combine="mean",
                     subjective_method="none", g1=None, expert=None, combination="multiplicative",
                     alpha=0.5, pooled=True, shift=DEFAULT_SHIFT, names=None, periods=None):
    """Objective weights of ``X`` (n, t, m), subjective weights from a G1
    ranking ``g1 = (ranking, ratios)`` or ``expert`` weights, and their
    combination.

    With no objective method the subjective weights are final; with no
    subjective method the objective ones are.
    """
    objective_methods = tuple(objective_methods or ())
    if subjective_method not in SUBJECTIVE_METHODS:
        raise InputDataError(f"Unknown subjective method {subjective_method!r}.")
    if combination not in COMBINATIONS:
        raise InputDataError(f"Unknown combination {combination!r}; use multiplicative or linear.")
    if not objective_methods and subjective_method == "none":
        raise InputDataError("Choose an objective weighting method, a subjective one, or both.")

    objective = None
    if objective_methods:
        objective = objective_weights(X, positive, objective_methods, combine=objective_combine,
                                      pooled=pooled, shift=shift, names=names, periods=periods)
    subjective = None
    if subjective_method == "g1":
        if g1 is None:
            raise InputDataError("The G1 method needs a ranking of the indicators with ratios.")
        subjective = g1_weights(g1[0], g1[1], names=names)
    elif subjective_method == "expert":
        if expert is None:
            raise InputDataError("Expert weighting needs a weight for every indicator.")
        subjective = expert_weights(expert, names=names)

    label = {"g1": "G1", "expert": "expert"}.get(subjective_method)
    if objective is None:
        final, description = subjective, label
    elif subjective is None:
        final, description = objective.weights, objective.method
    elif combination == "multiplicative":
        final = combine_multiplicative(subjective, objective.weights)
        description = f"multiplicative({label}, {objective.method})"
    else:
        if not 0.0 <= alpha <= 1.0:
            raise InputDataError(f"The linear combination's alpha must be in [0, 1]; got {alpha}.")
        final = combine_linear(subjective, objective.weights, alpha)
        description = f"linear({alpha:g} {label} + {1 - alpha:g} {objective.method})"
    warnings = objective.warnings if objective is not None else ()
    return WeightingScheme(objective, subjective, subjective_method, np.asarray(final, dtype=float),
                           description, tuple(warnings))
