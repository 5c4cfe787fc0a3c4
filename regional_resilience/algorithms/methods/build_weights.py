"""Processing algorithm: build spatial weights from polygon geometry."""
import os

from ...core import weights_files
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.weights import WeightsInput
from ..outputs.layer import LayerOutput, NewField
from ..outputs.values import FileOutput, ValueOutput
from ..support import tr

OUTPUT = "OUTPUT"
WEIGHTS_OUTPUT = "WEIGHTS_OUTPUT"
MEAN_NEIGHBOURS = "MEAN_NEIGHBOURS"
ISLAND_COUNT = "ISLAND_COUNT"

WEIGHTS_FILE_OUTPUT = FileOutput(WEIGHTS_OUTPUT, "Weights file", "GeoDa GAL (*.gal);;GeoDa GWT (*.gwt)")


class BuildWeightsAlgorithm(Tool):
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
        "area-weighted polygon centroids: Euclidean distance in the layer's units on a projected "
        "CRS; on a geographic CRS (longitude/latitude, e.g. EPSG:4326) great-circle (arc) "
        "distance in kilometres, haversine on the mean Earth radius 6371.0088 km, as GeoDa's arc "
        "distance (the distance band is then given in km). A .gwt file states the unit with the "
        "layer name in its header, e.g. 'china[km-arc]'. Coordinates outside [-180, 180] x "
        "[-90, 90] on a geographic CRS are refused (probably a wrong CRS).\n\n"
        "Islands (regions without neighbours) are reported; they can be attached to their "
        "nearest region(s), as analysts do for Hainan.\n\n"
        "Outputs: a copy of the layer with the field nb_count (number of neighbours), the "
        "weights file (ids are the region id field's values, or the feature ids), the mean "
        "number of neighbours and the number of regions without neighbours (ISLAND_COUNT), and "
        "summary figures in the log. The file holds the untransformed (binary) weights; row "
        "standardisation is applied by each analysis."
    )
    PHASES = (("read", 30), ("weights", 40), ("compute", 5), ("write", 25))
    INPUTS = (LayerInput(), WeightsInput(allow_file=False, transform=False))
    OUTPUTS = (LayerOutput(OUTPUT, "Layer with neighbour counts"), WEIGHTS_FILE_OUTPUT,
               ValueOutput(MEAN_NEIGHBOURS, "Mean number of neighbours"),
               ValueOutput(ISLAND_COUNT, "Regions without neighbours"))

    def compute(self, data, options, run):
        w = data.weights
        path = WEIGHTS_FILE_OUTPUT.path(run)
        id_name = data.layer.id_field or "fid"
        shapefile = os.path.splitext(os.path.basename(data.layer.source_name or "layer"))[0]
        gwt = path.lower().endswith(".gwt")
        unit = w.meta.get("unit", "")
        if gwt and unit:
            # GeoDa's header has no unit field: it goes with the shapefile name
            # (4 tokens, as GeoDa and PySAL read them), e.g. "mexico[km-arc]"
            shapefile = f"{shapefile}[{unit}{'-arc' if w.meta.get('metric') == 'arc' else ''}]"
        writer = weights_files.write_gwt if gwt else weights_files.write_gal
        run.core(writer, path, w, data.layer.ids, id_field=id_name, shapefile=shapefile)
        run.info(tr("Weights written to {path}").format(path=path))
        return Result(
            fields=[NewField("nb_count", "int", w.cardinalities)],
            values={WEIGHTS_OUTPUT: path, MEAN_NEIGHBOURS: float(w.cardinalities.mean()),
                    ISLAND_COUNT: int(len(w.islands))},
        )
