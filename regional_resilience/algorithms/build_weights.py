"""Processing algorithm: build spatial weights from polygon geometry."""
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
)

from ..core import weights_files
from .base import RRAlgorithm, run_core
from .layer_io import read_polygons
from .output import NewField, write_layer
from .panel_params import ID_FIELD, INPUT, add_layer_parameters
from .weights_params import add_weights_parameters, build_weights

OUTPUT = "OUTPUT"
WEIGHTS_OUTPUT = "WEIGHTS_OUTPUT"


class BuildWeightsAlgorithm(RRAlgorithm):
    ALGORITHM_ID = "buildweights"
    DISPLAY_NAME = "Build spatial weights"
    GROUP = "Spatial weights"
    GROUP_ID = "spatialweights"
    TAGS = "weights,contiguity,queen,rook,knn,distance band,gal,gwt,neighbours,geoda"
    HELP = (
        "Builds spatial weights from the polygons and saves them as a GeoDa-compatible "
        "weights file (.gal for contiguity, .gwt with values), which the other tools of this "
        "provider (and GeoDa, PySAL) can read back.\n\n"
        "Queen contiguity: polygons sharing at least one vertex are neighbours; rook: sharing "
        "at least one edge (identical to GeoDa and PySAL libpysal.weights.Queen/Rook). A snapping "
        "tolerance treats vertices closer than the tolerance as shared. Higher orders add "
        "neighbours of neighbours (cumulative). K nearest neighbours and distance bands use "
        "area-weighted polygon centroids and need a projected CRS.\n\n"
        "Islands (regions without neighbours) are reported; they can be attached to their "
        "nearest region(s), as analysts do for Hainan.\n\n"
        "Outputs: a copy of the layer with the field nb_count (number of neighbours), the "
        "weights file (ids are the region id field's values, or the feature ids), and summary "
        "figures in the log. The file holds the untransformed (binary) weights; row "
        "standardisation is applied by each analysis."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_layer_parameters(self)
        add_weights_parameters(self, allow_file=False, transform=False)
        self.addParameter(QgsProcessingParameterFeatureSink(OUTPUT, self.tr("Layer with neighbour counts")))
        self.addParameter(QgsProcessingParameterFileDestination(
            WEIGHTS_OUTPUT, self.tr("Weights file"),
            fileFilter="GeoDa GAL (*.gal);;GeoDa GWT (*.gwt)",
        ))
        self.addOutput(QgsProcessingOutputNumber("MEAN_NEIGHBOURS", self.tr("Mean number of neighbours")))
        self.addOutput(QgsProcessingOutputNumber("ISLANDS", self.tr("Regions without neighbours")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, INPUT))
        id_field = self.parameterAsString(parameters, ID_FIELD, context)
        data = read_polygons(source, (), id_field, geometry=True, keep_features=True, feedback=feedback)
        feedback.setProgress(30)
        w = build_weights(self, parameters, context, data, feedback, transform=False)
        feedback.setProgress(70)

        path = self.parameterAsFileOutput(parameters, WEIGHTS_OUTPUT, context)
        id_name = id_field or "fid"
        shapefile = os.path.splitext(os.path.basename(source.sourceName() or "layer"))[0]
        if path.lower().endswith(".gwt"):
            run_core(weights_files.write_gwt, path, w, data.ids, id_field=id_name, shapefile=shapefile)
        else:
            run_core(weights_files.write_gal, path, w, data.ids, id_field=id_name, shapefile=shapefile)
        feedback.pushInfo(f"Weights written to {path}")

        dest_id = write_layer(self, parameters, OUTPUT, context, data,
                              [NewField("nb_count", "int", w.cardinalities)], feedback, 75, 100)
        return {
            OUTPUT: dest_id,
            WEIGHTS_OUTPUT: path,
            "MEAN_NEIGHBOURS": float(w.cardinalities.mean()),
            "ISLANDS": int(len(w.islands)),
        }
