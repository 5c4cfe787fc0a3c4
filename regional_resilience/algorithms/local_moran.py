"""Processing algorithm: local Moran's I (LISA) cluster maps for one or many periods."""
import numpy as np
from qgis.core import QgsProcessingParameterFeatureSink

from .. import compat
from ..core import lisa
from .base import RRAlgorithm, core_callbacks, run_core
from .inference_params import ALPHA, FDR, add_permutation_parameters, read_permutation_parameters
from .output import NewField, period_field, write_layer, write_table
from .panel_params import add_panel_parameters
from .styling import LISA_CLASSES, attach_style
from .weights_params import add_weights_parameters, read_spatial_panel

OUTPUT = "OUTPUT"
SUMMARY = "SUMMARY"

CLASS_LABELS = {code: label for code, label, _ in LISA_CLASSES}
SUMMARY_COLUMNS = [
    ("period", "string"), ("field", "string"),
    ("high_high", "int"), ("low_high", "int"), ("low_low", "int"), ("high_low", "int"),
    ("not_significant", "int"), ("no_neighbours", "int"),
    ("alpha", "double"), ("p_threshold", "double"), ("permutations", "int"), ("seed", "int"),
]


class LocalMoranAlgorithm(RRAlgorithm):
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
        "Missing (NULL) values are refused with the regions named."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_panel_parameters(self)
        add_weights_parameters(self)
        add_permutation_parameters(self, significance=True)
        self.addParameter(QgsProcessingParameterFeatureSink(OUTPUT, self.tr("LISA cluster map")))
        self.addParameter(QgsProcessingParameterFeatureSink(
            SUMMARY, self.tr("LISA summary"), type=compat.SOURCE_VECTOR_ANY))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data, panel, w = read_spatial_panel(self, parameters, context, feedback, keep_features=True)
        permutations, seed = read_permutation_parameters(self, parameters, context)
        alpha = self.parameterAsDouble(parameters, ALPHA, context)
        use_fdr = self.parameterAsBool(parameters, FDR, context)

        columns, summary, cluster_fields = [], [], []
        variables = panel.variables
        for v_index, variable in enumerate(variables):
            y = panel.values[variable]
            span = 60.0 / len(variables)
            progress, is_canceled = core_callbacks(feedback, 25 + span * v_index, 25 + span * (v_index + 1))
            res = run_core(lisa.moran_local, y, w, permutations=permutations, seed=seed,
                           progress=progress, is_canceled=is_canceled)
            p = res.p_sim if permutations > 0 else np.full_like(res.Is, np.nan)
            codes = run_core(lisa.lisa_clusters, res.q, p, alpha=alpha, fdr=use_fdr, islands=w.islands)
            prefix_extra = "" if len(variables) == 1 else f"{variable}_"
            for k, period in enumerate(panel.periods):
                label = prefix_extra + period
                cl_name = period_field("lisa_cl", label)
                columns += [
                    NewField(period_field("lisa_i", label), "double", res.Is[:, k]),
                    NewField(period_field("lisa_z", label), "double", res.z_sim[:, k]),
                    NewField(period_field("lisa_p", label), "double", p[:, k]),
                    NewField(period_field("lisa_q", label), "int", res.q[:, k]),
                    NewField(cl_name, "int", codes[:, k]),
                    NewField(period_field("lisa_lb", label), "string",
                             np.array([CLASS_LABELS[c] for c in codes[:, k].tolist()], dtype=object)),
                ]
                cluster_fields.append(cl_name)
                counts = np.bincount(codes[:, k], minlength=6)
                threshold = lisa.fdr_threshold(p[:, k], alpha) if use_fdr else alpha
                summary.append([
                    period, panel.sources.get((variable, period), variable),
                    int(counts[1]), int(counts[2]), int(counts[3]), int(counts[4]),
                    int(counts[0]), int(counts[5]),
                    alpha, float(threshold), permutations, seed,
                ])
                feedback.pushInfo(
                    f"{period}: High-High {counts[1]}, Low-Low {counts[3]}, Low-High {counts[2]}, "
                    f"High-Low {counts[4]}, not significant {counts[0]}"
                    + (f", no neighbours {counts[5]}" if counts[5] else "")
                )

        dest_id = write_layer(self, parameters, OUTPUT, context, data, columns, feedback, 85, 98)
        attach_style(context, dest_id, cluster_fields, "lisa")
        summary_id = write_table(self, parameters, SUMMARY, context, SUMMARY_COLUMNS, summary)
        feedback.setProgress(100)
        return {OUTPUT: dest_id, SUMMARY: summary_id}
