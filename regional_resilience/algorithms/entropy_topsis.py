"""Processing algorithm: entropy-TOPSIS closeness of every region and year."""
import numpy as np
from qgis.core import (
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
)

from ..core.topsis import topsis
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
from .output import NewField, period_field

OUTPUT = "OUTPUT"
NORMALIZATION = "NORMALIZATION"
POOLED_IDEAL = "POOLED_IDEAL"
NORMALIZATIONS = ["vector", "zscore", "minmax"]


class EntropyTopsisAlgorithm(RRAlgorithm):
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

    def initAlgorithm(self, config=None):  # noqa: N802
        add_indicator_parameters(self)
        add_weighting_parameters(self)
        self.addParameter(with_help(
            QgsProcessingParameterEnum(NORMALIZATION, self.tr("Normalisation"),
                                       [self.tr("Vector (classic TOPSIS)"), self.tr("Z-score"),
                                        self.tr("Min-max")], defaultValue=0),
            self.tr("How the indicators are made comparable before the distances."),
        ))
        self.addParameter(with_help(
            QgsProcessingParameterBoolean(POOLED_IDEAL, self.tr("Ideals over all years"), defaultValue=True),
            self.tr("Positive and negative ideals from all region-years (comparable across years) "
                    "or from each year separately."),
            advanced=True,
        ))
        self.addParameter(QgsProcessingParameterFeatureSink(OUTPUT, self.tr("TOPSIS closeness")))
        add_weights_table_output(self)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data, panel, spec, X = read_indicators(self, parameters, context, feedback)
        feedback.setProgress(20)
        scheme = compute_weighting(self, parameters, context, feedback, X, spec, panel.periods)
        pooled = self.parameterAsBool(parameters, POOLED, context)
        progress, is_canceled = core_callbacks(feedback, 30, 70)
        res = run_core(topsis, X, spec.positive, scheme.final,
                       normalization=NORMALIZATIONS[self.parameterAsEnum(parameters, NORMALIZATION, context)],
                       pooled=pooled, pooled_ideal=self.parameterAsBool(parameters, POOLED_IDEAL, context),
                       shift=self.parameterAsDouble(parameters, SHIFT, context),
                       names=list(spec.names), periods=list(panel.periods),
                       progress=progress, is_canceled=is_canceled)
        for warning in res.warnings:
            feedback.reportError(warning, False)
        shape = (panel.n, panel.t)
        closeness = np.asarray(res.closeness).reshape(shape)
        d_plus = np.asarray(res.d_plus).reshape(shape)
        d_minus = np.asarray(res.d_minus).reshape(shape)
        columns, style_fields = [], []
        for k, period in enumerate(panel.periods):
            style_fields.append(period_field("topsis_c", period))
            columns += [
                NewField(style_fields[-1], "double", closeness[:, k]),
                NewField(period_field("topsis_dp", period), "double", d_plus[:, k]),
                NewField(period_field("topsis_dm", period), "double", d_minus[:, k]),
            ]
        return write_index_outputs(self, parameters, context, feedback, data, columns, style_fields,
                                   scheme, spec, panel.periods, pooled)
