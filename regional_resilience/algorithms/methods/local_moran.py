"""Processing algorithm: local Moran's I (LISA) cluster maps for one or many periods."""
import numpy as np

from ...core import lisa
from ..base import Result, Tool
from ..inputs.inference import permutation_options, significance_options
from ..inputs.layer import LayerInput
from ..inputs.panel import PanelInput
from ..inputs.weights import WeightsInput
from ..outputs.layer import LayerOutput, NewField, period_field
from ..outputs.styles import lisa_style
from ..outputs.table import TableOutput
from ..support import tr

OUTPUT = "OUTPUT"
SUMMARY = "SUMMARY"

SUMMARY_COLUMNS = [
    ("period", "string"), ("field", "string"),
    ("high_high", "int"), ("low_high", "int"), ("low_low", "int"), ("high_low", "int"),
    ("not_significant", "int"), ("no_neighbours", "int"),
    ("alpha", "double"), ("p_threshold", "double"), ("permutations", "int"), ("seed", "int"),
]


class LocalMoranAlgorithm(Tool):
    ALGORITHM_ID = "localmoran"
    DISPLAY_NAME = "Local Moran's I (LISA cluster map)"
    GROUP = "Spatial autocorrelation"
    GROUP_ID = "spatialautocorrelation"
    TAGS = "lisa,local moran,cluster,outlier,hot spot,high-high,low-low,esda,geoda"
    HELP = (
        "Local indicators of spatial association (Anselin 1995, eq. 12): "
        "I_i = (n - 1) z_i sum_j w_ij z_j / sum_k z_k^2, with z the standardised variable, "
        "for one or many periods, as GeoDa and PySAL esda.Moran_Local.\n\n"
        "Significance by conditional randomisation: for each region its value stays and the "
        "neighbours' values are drawn at random from the other regions (999 permutations by "
        "default); the pseudo p-value is one-sided in the direction of the observed I_i. "
        "With the same seed the p-values equal esda's. Optional false discovery rate "
        "(Benjamini-Hochberg) threshold.\n\n"
        "Classes (GeoDa colours): High-High (red) and Low-Low (blue) clusters, Low-High (light "
        "blue) and High-Low (light red) outliers, not significant (grey), no neighbours (dark "
        "grey: islands, whose I_i is 0).\n\n"
        "Output layer: a copy of the polygons with, per period P, the fields lisa_i_P (I_i), "
        "lisa_z_P (standardised by the permutations), lisa_p_P (pseudo p), lisa_q_P (quadrant "
        "1 HH, 2 LH, 3 LL, 4 HL), lisa_cl_P (class code 0-5) and lisa_lb_P (class label). It is "
        "styled as a LISA cluster map, one named style per period (Layers panel > right click "
        "> Styles). Summary table: counts of each class per period.\n\n"
        "Values: fields picked, fields another tool wrote (e.g. 'cc_d' for the coupling "
        "coordination degree of every year), or a long table. Missing (NULL) values are "
        "refused with the regions named."
    )
    INPUTS = (LayerInput(), PanelInput(), WeightsInput())
    OPTIONS = permutation_options() + significance_options()
    OUTPUTS = (LayerOutput(OUTPUT, "LISA cluster map"),
               TableOutput(SUMMARY, "LISA summary", SUMMARY_COLUMNS))

    def compute(self, data, options, run):
        panel, w = data.panel, data.weights
        permutations, seed, alpha = options.permutations, options.seed, options.alpha
        names = {code: tr(name) for code, name in lisa.CLUSTER_NAMES.items()}
        result = Result()
        cluster_fields = []
        for v_index, variable in enumerate(panel.variables):
            progress, is_canceled = run.steps.callbacks("compute", v_index, len(panel.variables))
            res = run.core(lisa.moran_local, panel.values[variable], w, permutations=permutations,
                           seed=seed, progress=progress, is_canceled=is_canceled)
            p = res.p_sim if permutations > 0 else np.full_like(res.Is, np.nan)
            codes = run.core(lisa.lisa_clusters, res.q, p, alpha=alpha, fdr=options.fdr, islands=w.islands)
            extra = "" if len(panel.variables) == 1 else f"{variable}_"
            for k, period in enumerate(panel.periods):
                label = extra + period
                cl_name = period_field("lisa_cl", label)
                result.fields += [
                    NewField(period_field("lisa_i", label), "double", res.Is[:, k]),
                    NewField(period_field("lisa_z", label), "double", res.z_sim[:, k]),
                    NewField(period_field("lisa_p", label), "double", p[:, k]),
                    NewField(period_field("lisa_q", label), "int", res.q[:, k]),
                    NewField(cl_name, "int", codes[:, k]),
                    NewField(period_field("lisa_lb", label), "string",
                             np.array([names[c] for c in codes[:, k].tolist()], dtype=object)),
                ]
                cluster_fields.append(cl_name)
                counts = np.bincount(codes[:, k], minlength=6)
                threshold = lisa.fdr_threshold(p[:, k], alpha) if options.fdr else alpha
                result.tables.setdefault(SUMMARY, []).append([
                    period, panel.sources.get((variable, period), variable),
                    int(counts[1]), int(counts[2]), int(counts[3]), int(counts[4]),
                    int(counts[0]), int(counts[5]),
                    alpha, float(threshold), permutations, seed,
                ])
                run.info(tr("{period}: High-High {hh}, Low-Low {ll}, Low-High {lh}, High-Low {hl}, "
                            "not significant {ns}{islands}").format(
                    period=period, hh=counts[1], ll=counts[3], lh=counts[2], hl=counts[4], ns=counts[0],
                    islands=tr(", no neighbours {n}").format(n=counts[5]) if counts[5] else ""))
        result.styles.append(lisa_style(cluster_fields))
        return result
