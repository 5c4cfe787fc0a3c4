"""Processing algorithm: comprehensive development index, overall and per subsystem."""
import numpy as np

from ...core.development_index import composite_index
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
from ..inputs.options import Flag
from ..outputs.layer import LayerOutput, NewField, period_field, safe_name
from ..outputs.styles import graduated_style

OUTPUT = "OUTPUT"
RENORMALIZE = "RENORMALIZE"


class DevelopmentIndexAlgorithm(Tool):
    ALGORITHM_ID = "developmentindex"
    DISPLAY_NAME = "Development index (weighted composite)"
    GROUP = "Composite indices"
    GROUP_ID = "compositeindices"
    TAGS = "comprehensive development index,composite index,entropy,subsystem,resilience index"
    HELP = (
        "Comprehensive development index S_it = sum_j L_ijt F_j of each region and year: the "
        "min-max standardised indicators L (direction applied, small shift) weighted by F from "
        "the chosen weighting (entropy by default; see 'Indicator weights' for the formulas), "
        "overall and per subsystem.\n\n"
        "Subsystem indices (e.g. economic, social, ecological): by default the weights are "
        "renormalised within each subsystem, so each subsystem index is on the same 0-1 scale "
        "(as coupling-coordination needs) and the overall index is the weighted sum of the "
        "subsystem indices; untick to get each subsystem's contribution instead (they then add "
        "up to the overall index).\n\n"
        "Output layer: a copy of the polygons with idx_<year> and idx_<subsystem>_<year> (or idx "
        "and idx_<subsystem> for one year), styled as a graduated map (natural breaks), one "
        "named style per year; and the weights table."
    )

    INPUTS = (LayerInput(), indicator_panel())
    OPTIONS = indicator_options() + weighting_options() + (
        Flag(RENORMALIZE, "Subsystem indices on a 0-1 scale", True, advanced=True, help=(
            "Renormalise the weights within each subsystem (default), or report each "
            "subsystem's contribution to the overall index.")),
    )
    OUTPUTS = (LayerOutput(OUTPUT, "Development index"), weights_table_output())

    def compute(self, data, options, run):
        panel, spec, X = prepare_indicators(run, data.panel, options)
        scheme = compute_weighting(run, options, X, spec, panel.periods)
        progress, is_canceled = run.steps.callbacks("compute")
        res = run.core(composite_index, X, spec.positive, weights=scheme.final,
                       subsystems=spec.subsystems, pooled=options.pooled, renormalize=options.renormalize,
                       shift=options.shift, names=list(spec.names), periods=list(panel.periods),
                       progress=progress, is_canceled=is_canceled)
        for warning in res.warnings:
            run.warn(warning)
        index = np.asarray(res.index).reshape(panel.n, panel.t)
        overall = [NewField(period_field("idx", p), "double", index[:, k]) for k, p in enumerate(panel.periods)]
        fields = list(overall)
        if spec.subsystems:
            sub = np.asarray(res.subsystem_index).reshape(panel.n, panel.t, -1)
            for g, label in enumerate(res.subsystem_labels):
                fields += [NewField(period_field(f"idx_{safe_name(label)}", p), "double", sub[:, k, g])
                           for k, p in enumerate(panel.periods)]
        return Result(fields=fields, styles=[graduated_style(overall)],
                      tables={WEIGHTS_TABLE: weights_rows(scheme, spec, panel.periods, options.pooled)})
