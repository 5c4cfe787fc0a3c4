"""Processing algorithm: composite environmental damage index (CEDI)."""
import numpy as np
from qgis.core import QgsProcessingParameterFeatureSink

from .. import compat
from ..core.cedi import cedi
from .base import RRAlgorithm, run_core
from .indicator_params import POOLED, WEIGHTS_TABLE, add_indicator_parameters, read_indicators
from .output import NewField, period_field, write_layer, write_table
from .styling import attach_style

OUTPUT = "OUTPUT"
COLUMNS = [("period", "string"), ("pollutant", "string"), ("entropy_e", "double"),
           ("divergence_d", "double"), ("weight_g", "double"), ("constant", "int")]


class EnvironmentalDamageAlgorithm(RRAlgorithm):
    ALGORITHM_ID = "cedi"
    DISPLAY_NAME = "Composite environmental damage index (CEDI)"
    GROUP = "Composite indices"
    GROUP_ID = "compositeindices"
    TAGS = "cedi,environmental damage,pollution,entropy,composite index"
    HELP = (
        "Composite environmental damage index from K pollutant damage indices per region "
        "(after Zheng et al. 2022, eqs. 6-9): the pollutant shares f_ik = x_ik / sum_i x_ik, "
        "their entropy e_k = -(1/ln n) sum_i f_ik ln f_ik, the weights g_k = (1 - e_k) / "
        "sum_k (1 - e_k), and CEDI_i = sum_k g_k x_ik. A pollutant spread evenly over the "
        "regions gets weight 0 (with a warning). The damage indices are used as given (they "
        "must be non-negative). Weights per year (default, eq. 7) or pooled over all years.\n\n"
        "Output layer: cedi_<year> (or cedi for one year), graduated map; a table of e_k and g_k."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_indicator_parameters(self, negative=False, subsystems=False, pooled_default=False,
                                 shift=False, fields_label="Pollutant damage index fields (one year)")
        self.addParameter(QgsProcessingParameterFeatureSink(OUTPUT, self.tr("CEDI")))
        self.addParameter(QgsProcessingParameterFeatureSink(
            WEIGHTS_TABLE, self.tr("Pollutant weights"), type=compat.SOURCE_VECTOR_ANY))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data, panel, spec, X = read_indicators(self, parameters, context, feedback)
        feedback.setProgress(30)
        pooled = self.parameterAsBool(parameters, POOLED, context)
        res = run_core(cedi, X, pooled=pooled, names=list(spec.names), periods=list(panel.periods))
        for warning in res.warnings:
            feedback.reportError(warning, False)
        values = np.asarray(res.cedi).reshape(panel.n, panel.t)
        fields = [period_field("cedi", p) for p in panel.periods]
        columns = [NewField(f, "double", values[:, k]) for k, f in enumerate(fields)]
        dest = write_layer(self, parameters, OUTPUT, context, data, columns, feedback, 60, 90)
        attach_style(context, dest, fields, "graduated")

        weights = np.atleast_2d(res.weights)
        entropy = np.atleast_2d(res.entropy)
        divergence = np.atleast_2d(res.divergence)
        constant = np.atleast_2d(res.constant)
        labels = ["all" if panel.t > 1 else panel.periods[0]] if weights.shape[0] == 1 else list(panel.periods)
        rows = [[labels[k], name, float(entropy[k, j]), float(divergence[k, j]), float(weights[k, j]),
                 int(constant[k, j])]
                for k in range(weights.shape[0]) for j, name in enumerate(spec.names)]
        table = write_table(self, parameters, WEIGHTS_TABLE, context, COLUMNS, rows)
        feedback.setProgress(100)
        return {OUTPUT: dest, WEIGHTS_TABLE: table}
