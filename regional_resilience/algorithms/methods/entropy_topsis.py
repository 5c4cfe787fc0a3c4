"""Processing algorithm: entropy-TOPSIS closeness of every region and year."""
import numpy as np

from ...core.topsis import topsis
from ..base import Result, Tool
from ..inputs.indicators import (
    WEIGHTS_TABLE,
    compute_weighting,
    indicator_options,
    indicator_panel,
    prepare_indicators,
    weighting_options,
    weights_rows,
    weights_table_output,
)
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Flag
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.styles import graduated_style

OUTPUT = "OUTPUT"
NORMALIZATION = "NORMALIZATION"
POOLED_IDEAL = "POOLED_IDEAL"


class EntropyTopsisAlgorithm(Tool):
    ALGORITHM_ID = "entropytopsis"
    DISPLAY_NAME = "Entropy-TOPSIS"
    GROUP = "Composite indices"
    GROUP_ID = "compositeindices"
    TAGS = "topsis,entropy,ideal solution,closeness,ranking,multi-criteria"
    HELP = (
        "TOPSIS (Hwang and Yoon 1981) with entropy weights (or the weighting chosen below): "
        "the indicators are normalised (vector normalisation x_ij / sqrt(sum_i x_ij^2) by "
        "default, or z-scores, or min-max), negative indicators reversed, multiplied by the "
        "weights; D+ and D- are each region-year's Euclidean distances to the positive and "
        "negative ideal (best and worst value of every indicator), and the closeness "
        "C = D- / (D+ + D-) lies in [0, 1] (1 = best).\n\n"
        "Ideals over all region-years pooled (default: closeness comparable across years) or "
        "per year.\n\n"
        "Output layer: topsis_c_<year> (closeness), topsis_dp_<year> (D+), topsis_dm_<year> "
        "(D-), styled as a graduated map of the closeness; and the weights table."
    )

    INPUTS = (LayerInput(), indicator_panel())
    OPTIONS = indicator_options() + weighting_options() + (
        Choice(NORMALIZATION, "Normalisation", (
            ("vector", "Vector (classic TOPSIS)"), ("zscore", "Z-score"), ("minmax", "Min-max")),
            help="How the indicators are made comparable before the distances."),
        Flag(POOLED_IDEAL, "Ideals over all years", True, advanced=True, help=(
            "Positive and negative ideals from all region-years (comparable across years) "
            "or from each year separately.")),
    )
    OUTPUTS = (LayerOutput(OUTPUT, "TOPSIS closeness"), weights_table_output())

    def compute(self, data, options, run):
        panel, spec, X = prepare_indicators(run, data.panel, options)
        scheme = compute_weighting(run, options, X, spec, panel.periods)
        progress, is_canceled = run.steps.callbacks("compute")
        res = run.core(topsis, X, spec.positive, scheme.final, normalization=options.normalization,
                       pooled=options.pooled, pooled_ideal=options.pooled_ideal, shift=options.shift,
                       names=list(spec.names), periods=list(panel.periods),
                       progress=progress, is_canceled=is_canceled)
        for warning in res.warnings:
            run.warn(warning)
        shape = (panel.n, panel.t)
        closeness = np.asarray(res.closeness).reshape(shape)
        d_plus = np.asarray(res.d_plus).reshape(shape)
        d_minus = np.asarray(res.d_minus).reshape(shape)
        fields, styled = [], []
        for k, period in enumerate(panel.periods):
            styled.append(NewField(period_field("topsis_c", period), "double", closeness[:, k]))
            fields += [styled[-1],
                       NewField(period_field("topsis_dp", period), "double", d_plus[:, k]),
                       NewField(period_field("topsis_dm", period), "double", d_minus[:, k])]
        return Result(fields=fields, styles=[graduated_style(styled)],
                      tables={WEIGHTS_TABLE: weights_rows(scheme, spec, panel.periods, options.pooled)})
