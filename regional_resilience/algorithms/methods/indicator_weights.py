"""Processing algorithm: indicator weights (objective, subjective, combined)."""
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


class IndicatorWeightsAlgorithm(Tool):
    ALGORITHM_ID = "indicatorweights"
    DISPLAY_NAME = "Indicator weights (entropy, CV, CRITIC, G1)"
    GROUP = "Composite indices"
    GROUP_ID = "compositeindices"
    TAGS = "entropy weight,coefficient of variation,critic,g1,order relation,expert,combined weights"
    HELP = (
        "Weights of the indicators of a composite index, as a table to report.\n\n"
        "Standardisation (used by every objective method): min-max with direction, positive "
        "(x - min)/(max - min), negative (max - x)/(max - min), plus a small shift (0.0001) so "
        "logarithms are defined; over all region-years pooled (default) or each year.\n"
        "Objective methods: entropy weight method (p_ij = x_ij / sum_i x_ij, e_j = -1/ln(N) "
        "sum_i p_ij ln p_ij, w_j = (1 - e_j) / sum (1 - e_j)); coefficient of variation "
        "(w_j proportional to sd_j / mean_j); CRITIC (Diakoulaki et al. 1995: C_j = sigma_j "
        "sum_k (1 - r_jk)). Several objective methods are averaged.\n"
        "Subjective methods: order relation G1 (Guo Yajun 2002): a ranking with ratios "
        "r_k = w_(k-1)/w_k in [1, 1.8]; or expert weights.\n"
        "Combination: multiplicative F_j = R_j W_j / sum R_j W_j, or linear alpha R + (1 - alpha) W.\n\n"
        "An indicator that does not vary gets weight 0 and a warning. Weights sum to 1.\n\n"
        "Input: indicator fields of the layer (one year), or a long table (region, year, one "
        "column per indicator).\n"
        "Output: a table with, per indicator, its direction, subsystem, entropy, divergence, "
        "CV, CRITIC sigma/conflict/information, each method's weight and the final weight."
    )

    INPUTS = (LayerInput(), indicator_panel())
    OPTIONS = indicator_options() + weighting_options()
    OUTPUTS = (weights_table_output(optional=False),)

    def compute(self, data, options, run):
        panel, spec, X = prepare_indicators(run, data.panel, options)
        scheme = compute_weighting(run, options, X, spec, panel.periods)
        return Result(tables={WEIGHTS_TABLE: weights_rows(scheme, spec, panel.periods, options.pooled)})
