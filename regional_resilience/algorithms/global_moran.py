"""Processing algorithm: global Moran's I for one or many periods."""
from qgis.core import QgsProcessingParameterFeatureSink

from .. import compat
from ..core import moran
from .base import RRAlgorithm, core_callbacks, run_core
from .inference_params import add_permutation_parameters, read_permutation_parameters
from .output import write_table
from .panel_params import add_panel_parameters
from .weights_params import add_weights_parameters, read_spatial_panel

OUTPUT = "OUTPUT"

COLUMNS = [
    ("variable", "string"), ("period", "string"), ("n", "int"),
    ("I", "double"), ("EI", "double"),
    ("VI_norm", "double"), ("z_norm", "double"), ("p_norm", "double"),
    ("VI_rand", "double"), ("z_rand", "double"), ("p_rand", "double"),
    ("permutations", "int"), ("seed", "int"),
    ("p_sim", "double"), ("EI_sim", "double"), ("seI_sim", "double"), ("z_sim", "double"),
    ("weights", "string"),
]


class GlobalMoranAlgorithm(RRAlgorithm):
    ALGORITHM_ID = "globalmoran"
    DISPLAY_NAME = "Global Moran's I"
    GROUP = "Spatial autocorrelation"
    GROUP_ID = "spatialautocorrelation"
    TAGS = "moran,global,spatial autocorrelation,clustering,esda,geoda"
    HELP = (
        "Global Moran's I of a variable for one or many periods (Moran 1950; Cliff and Ord 1981):\n"
        "I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2, with z the deviations from the mean "
        "and S0 the sum of the weights.\n\n"
        "Inference under normality and under randomisation (Cliff and Ord), two-sided p-values, "
        "and a permutation pseudo p-value (p_sim = (M + 1) / (permutations + 1), M the number "
        "of permuted I at least as extreme, one-sided in the observed direction), as PySAL "
        "esda.Moran and GeoDa. The permutations and the seed are written in the table.\n\n"
        "Input: one numeric field per period, or a long table (region, period, value). "
        "Missing (NULL) values are refused with the regions named; a period where every "
        "region has the same value is refused.\n\n"
        "Output: a table with one row per period."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_panel_parameters(self)
        add_weights_parameters(self)
        add_permutation_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSink(
            OUTPUT, self.tr("Moran's I table"), type=compat.SOURCE_VECTOR_ANY))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        _data, panel, w = read_spatial_panel(self, parameters, context, feedback)
        permutations, seed = read_permutation_parameters(self, parameters, context)

        rows = []
        variables = panel.variables
        for v_index, variable in enumerate(variables):
            y = panel.values[variable]
            span = 65.0 / len(variables)
            progress, is_canceled = core_callbacks(feedback, 25 + span * v_index, 25 + span * (v_index + 1))
            res = run_core(moran.moran_global, y, w, permutations=permutations, seed=seed,
                           progress=progress, is_canceled=is_canceled)
            for k, period in enumerate(panel.periods):
                source_name = panel.sources.get((variable, period), variable)
                rows.append([
                    source_name, period, panel.n,
                    res.I[k], res.EI[k],
                    res.VI_norm[k], res.z_norm[k], res.p_norm[k],
                    res.VI_rand[k], res.z_rand[k], res.p_rand[k],
                    permutations, seed,
                    res.p_sim[k], res.EI_sim[k], res.seI_sim[k], res.z_sim[k],
                    w.kind + ("" if w.transform == "B" else f" ({w.transform})"),
                ])
                feedback.pushInfo(
                    f"{source_name}: I = {res.I[k]:.4f}, "
                    f"z = {res.z_rand[k]:.3f}, p_sim = {res.p_sim[k]:.4f}"
                )
        feedback.setProgress(95)
        dest_id = write_table(self, parameters, OUTPUT, context, COLUMNS, rows)
        feedback.setProgress(100)
        return {OUTPUT: dest_id}
