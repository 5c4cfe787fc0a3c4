"""Processing algorithm: global Moran's I for one or many periods."""
from ...core import moran
from ..base import Result, Tool
from ..inputs.inference import permutation_options
from ..inputs.layer import LayerInput
from ..inputs.panel import PanelInput
from ..inputs.weights import WeightsInput
from ..outputs.table import TableOutput
from ..support import tr

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


class GlobalMoranAlgorithm(Tool):
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
        "Input: one numeric field per period, the fields another tool wrote (e.g. 'cc_d'), or "
        "a long table (region, period, value). Missing (NULL) values are refused with the "
        "regions named; a period where every region has the same value is refused.\n\n"
        "Output: a table with one row per period."
    )
    INPUTS = (LayerInput(), PanelInput(), WeightsInput())
    OPTIONS = permutation_options()
    OUTPUTS = (TableOutput(OUTPUT, "Moran's I table", COLUMNS, optional=False),)

    def compute(self, data, options, run):
        panel, w = data.panel, data.weights
        rows = []
        for v_index, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v_index, len(panel.variables))
            res = run.core(moran.moran_global, panel.values[variable], w, permutations=options.permutations,
                           seed=options.seed, progress=progress, is_canceled=is_canceled)
            for k, period in enumerate(panel.periods):
                source_name = panel.sources.get((variable, period), variable)
                rows.append([
                    source_name, period, panel.n,
                    res.I[k], res.EI[k],
                    res.VI_norm[k], res.z_norm[k], res.p_norm[k],
                    res.VI_rand[k], res.z_rand[k], res.p_rand[k],
                    options.permutations, options.seed,
                    res.p_sim[k], res.EI_sim[k], res.seI_sim[k], res.z_sim[k],
                    w.kind + ("" if w.transform == "B" else f" ({w.transform})"),
                ])
                run.info(tr("{name}: I = {i}, z = {z}, p_sim = {p}").format(
                    name=source_name, i=f"{res.I[k]:.4f}", z=f"{res.z_rand[k]:.3f}", p=f"{res.p_sim[k]:.4f}"))
        return Result(tables={OUTPUT: rows})
