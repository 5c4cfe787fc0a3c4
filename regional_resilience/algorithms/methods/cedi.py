"""Processing algorithm: composite environmental damage index (CEDI)."""
import numpy as np

from ...core.cedi import cedi
from ..base import Result, Tool
from ..inputs.indicators import WEIGHTS_TABLE, indicator_options, indicator_panel, prepare_indicators
from ..inputs.layer import LayerInput
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.styles import graduated_style
from ..outputs.table import TableOutput

OUTPUT = "OUTPUT"
COLUMNS = [("period", "string"), ("pollutant", "string"), ("entropy_e", "double"),
           ("divergence_d", "double"), ("weight_g", "double"), ("constant", "int")]


class EnvironmentalDamageAlgorithm(Tool):
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

    INPUTS = (LayerInput(), indicator_panel("Pollutant damage index fields (one year)"))
    OPTIONS = indicator_options(negative=False, subsystems=False, pooled_default=False, shift=False)
    OUTPUTS = (LayerOutput(OUTPUT, "CEDI"), TableOutput(WEIGHTS_TABLE, "Pollutant weights", COLUMNS))

    def compute(self, data, options, run):
        panel, spec, X = prepare_indicators(run, data.panel, options)
        res = run.core(cedi, X, pooled=options.pooled, names=list(spec.names), periods=list(panel.periods))
        for warning in res.warnings:
            run.warn(warning)
        values = np.asarray(res.cedi).reshape(panel.n, panel.t)
        fields = [NewField(period_field("cedi", p), "double", values[:, k]) for k, p in enumerate(panel.periods)]
        weights = np.atleast_2d(res.weights)
        entropy = np.atleast_2d(res.entropy)
        divergence = np.atleast_2d(res.divergence)
        constant = np.atleast_2d(res.constant)
        labels = ["all" if panel.t > 1 else panel.periods[0]] if weights.shape[0] == 1 else list(panel.periods)
        rows = [[labels[k], name, float(entropy[k, j]), float(divergence[k, j]), float(weights[k, j]),
                 int(constant[k, j])]
                for k in range(weights.shape[0]) for j, name in enumerate(spec.names)]
        return Result(fields=fields, styles=[graduated_style(fields)], tables={WEIGHTS_TABLE: rows})
