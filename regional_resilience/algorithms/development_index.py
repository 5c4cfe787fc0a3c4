"""Processing algorithm: comprehensive development index, overall and per subsystem."""
import numpy as np
from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterFeatureSink

from ..core.development_index import composite_index
from .base import RRAlgorithm, core_callbacks, run_core, with_help
from .indicator_params import (
    POOLED,
    SHIFT,
    add_indicator_parameters,
    add_weighting_parameters,
    add_weights_table_output,
    compute_weighting,
    read_indicators,
    write_index_outputs,
)
from .output import NewField, period_field, safe_name

OUTPUT = "OUTPUT"
RENORMALIZE = "RENORMALIZE"


class DevelopmentIndexAlgorithm(RRAlgorithm):
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

    def initAlgorithm(self, config=None):  # noqa: N802
        add_indicator_parameters(self)
        add_weighting_parameters(self)
        self.addParameter(with_help(
            QgsProcessingParameterBoolean(RENORMALIZE, self.tr("Subsystem indices on a 0-1 scale"),
                                          defaultValue=True),
            self.tr("Renormalise the weights within each subsystem (default), or report each "
                    "subsystem's contribution to the overall index."),
            advanced=True,
        ))
        self.addParameter(QgsProcessingParameterFeatureSink(OUTPUT, self.tr("Development index")))
        add_weights_table_output(self)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data, panel, spec, X = read_indicators(self, parameters, context, feedback)
        feedback.setProgress(20)
        scheme = compute_weighting(self, parameters, context, feedback, X, spec, panel.periods)
        pooled = self.parameterAsBool(parameters, POOLED, context)
        progress, is_canceled = core_callbacks(feedback, 30, 70)
        res = run_core(composite_index, X, spec.positive, weights=scheme.final,
                       subsystems=spec.subsystems, pooled=pooled,
                       renormalize=self.parameterAsBool(parameters, RENORMALIZE, context),
                       shift=self.parameterAsDouble(parameters, SHIFT, context),
                       names=list(spec.names), periods=list(panel.periods),
                       progress=progress, is_canceled=is_canceled)
        for warning in res.warnings:
            feedback.reportError(warning, False)

        index = np.asarray(res.index).reshape(panel.n, panel.t)
        columns, index_fields = [], []
        for k, period in enumerate(panel.periods):
            name = period_field("idx", period)
            columns.append(NewField(name, "double", index[:, k]))
            index_fields.append(name)
        if spec.subsystems:
            sub = np.asarray(res.subsystem_index).reshape(panel.n, panel.t, -1)
            for g, label in enumerate(res.subsystem_labels):
                for k, period in enumerate(panel.periods):
                    columns.append(NewField(period_field(f"idx_{safe_name(label)}", period), "double",
                                            sub[:, k, g]))
        return write_index_outputs(self, parameters, context, feedback, data, columns, index_fields,
                                   scheme, spec, panel.periods, pooled)
