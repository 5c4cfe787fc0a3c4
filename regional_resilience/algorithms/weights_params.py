"""Spatial weights parameters shared by every spatial algorithm.

Weights are built once per run from the layer's geometry (queen or rook
contiguity, k nearest neighbours or a distance band on centroids) or read from
a GeoDa ``.gal``/``.gwt`` file, then transformed (row-standardised by default).
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from .. import compat
from ..core import contiguity, distance_weights, geometry, weights_files
from ..core.panel import format_list, require_complete, require_not_constant
from .base import run_core, with_help
from .panel_params import read_panel

WEIGHTS = "WEIGHTS"
WEIGHTS_FILE = "WEIGHTS_FILE"
K = "K"
DISTANCE = "DISTANCE"
ORDER = "ORDER"
SNAP = "SNAP_TOLERANCE"
ISLANDS = "ISLANDS"
ISLAND_K = "ISLAND_K"
TRANSFORM = "TRANSFORM"

METHODS = ["queen", "rook", "knn", "distance", "file"]
METHOD_LABELS = [
    "Queen contiguity (shared vertex)",
    "Rook contiguity (shared edge)",
    "K nearest neighbours (centroids)",
    "Distance band (centroids)",
    "From a GeoDa weights file (.gal / .gwt)",
]
ISLAND_POLICIES = ["keep", "attach"]
ISLAND_LABELS = [
    "Keep as regions without neighbours (warn)",
    "Attach to the nearest region(s)",
]
TRANSFORMS = ["R", "B"]
TRANSFORM_LABELS = ["Row-standardised", "Binary"]


def add_weights_parameters(alg, allow_file=True, transform=True):
    methods = METHOD_LABELS if allow_file else METHOD_LABELS[:-1]
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(WEIGHTS, alg.tr("Spatial weights"), [alg.tr(m) for m in methods],
                                   defaultValue=0),
        alg.tr("Queen: regions sharing a border or a corner are neighbours; rook: a border. "
               "K nearest / distance band use polygon centroids and need a projected CRS."),
    ))
    if allow_file:
        alg.addParameter(with_help(
            QgsProcessingParameterFile(WEIGHTS_FILE, alg.tr("Weights file"),
                                       behavior=compat.FILE_BEHAVIOR_FILE,
                                       fileFilter="GeoDa weights (*.gal *.gwt *.GAL *.GWT)",
                                       optional=True),
            alg.tr("A .gal or .gwt file (GeoDa, PySAL) whose ids are the region id field's values."),
        ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(K, alg.tr("Number of neighbours (k nearest)"),
                                     type=compat.NUMBER_INTEGER, defaultValue=4, minValue=1),
        alg.tr("k for k-nearest-neighbour weights."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(DISTANCE, alg.tr("Distance band (layer units; 0 = smallest "
                                                      "band giving every region a neighbour)"),
                                     type=compat.NUMBER_DOUBLE, defaultValue=0.0, minValue=0.0),
        alg.tr("Regions whose centroids are at most this far apart are neighbours."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(ORDER, alg.tr("Contiguity order (cumulative)"),
                                     type=compat.NUMBER_INTEGER, defaultValue=1, minValue=1, maxValue=10),
        alg.tr("2 adds the neighbours of neighbours, and so on."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(SNAP, alg.tr("Snapping tolerance for borders (layer units)"),
                                     type=compat.NUMBER_DOUBLE, defaultValue=0.0, minValue=0.0),
        alg.tr("Vertices closer than this count as shared, for borders digitised slightly apart. "
               "0: exact vertices, as GeoDa and PySAL."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(ISLANDS, alg.tr("Regions without neighbours (islands)"),
                                   [alg.tr(x) for x in ISLAND_LABELS], defaultValue=0),
        alg.tr("Islands (e.g. Hainan) have no contiguity neighbours. Keep them (their local "
               "statistics are undefined and they are reported) or attach each to its nearest "
               "region(s) by centroid distance."), advanced=True,
    ))
    alg.addParameter(with_help(
        QgsProcessingParameterNumber(ISLAND_K, alg.tr("Neighbours given to each island"),
                                     type=compat.NUMBER_INTEGER, defaultValue=1, minValue=1),
        alg.tr("With 'attach': how many nearest regions each island is joined to."), advanced=True,
    ))
    if not transform:
        return
    alg.addParameter(with_help(
        QgsProcessingParameterEnum(TRANSFORM, alg.tr("Weights transformation"),
                                   [alg.tr(x) for x in TRANSFORM_LABELS], defaultValue=0),
        alg.tr("Row-standardised (each row sums to 1, as GeoDa and most papers) or binary."),
        advanced=True,
    ))


def weights_method(alg, parameters, context):
    return METHODS[alg.parameterAsEnum(parameters, WEIGHTS, context)]


def needs_geometry(alg, parameters, context):
    return weights_method(alg, parameters, context) != "file"


def build_weights(alg, parameters, context, data, feedback, transform=True):
    """Weights for ``data`` (a :class:`LayerData` read with geometry unless the
    weights come from a file), islands handled, transformed; the summary is
    logged to ``feedback``."""
    method = weights_method(alg, parameters, context)
    island_policy = ISLAND_POLICIES[alg.parameterAsEnum(parameters, ISLANDS, context)]
    island_k = alg.parameterAsInt(parameters, ISLAND_K, context)
    points = None

    if method == "file":
        path = alg.parameterAsFile(parameters, WEIGHTS_FILE, context)
        if not path:
            raise QgsProcessingException("Choose a .gal or .gwt weights file.")
        w = run_core(weights_files.read_weights_file, path, data.ids)
    else:
        polys = run_core(geometry.parse_wkb_polygons, data.wkbs)
        if method in ("queen", "rook"):
            tolerance = alg.parameterAsDouble(parameters, SNAP, context)
            w = run_core(contiguity.contiguity_weights, polys, rule=method, tolerance=tolerance)
            order = alg.parameterAsInt(parameters, ORDER, context)
            if order > 1:
                w = run_core(contiguity.higher_order, w, order, cumulative=True)
        else:
            if data.crs.isValid() and data.crs.isGeographic():
                raise QgsProcessingException(
                    f"Distance-based weights need a projected CRS; the layer is in "
                    f"{data.crs.authid() or data.crs.description()} (degrees). Reproject it first "
                    "(e.g. to a UTM zone or an equal-area projection)."
                )
            points = geometry.polygon_centroids(polys)
            if method == "knn":
                k = alg.parameterAsInt(parameters, K, context)
                if k >= data.n:
                    raise QgsProcessingException(f"k = {k} needs more than {k} regions; the layer has {data.n}.")
                w = run_core(distance_weights.knn_weights, points, k)
            else:
                band = alg.parameterAsDouble(parameters, DISTANCE, context)
                if band <= 0:
                    band = float(distance_weights.min_threshold_distance(points))
                    feedback.pushInfo(f"Distance band: {band:.6g} (smallest band giving every region a neighbour).")
                w = run_core(distance_weights.distance_band_weights, points, band)

    islands = w.islands
    if len(islands) and island_policy == "attach":
        if points is None:
            if data.wkbs is None:
                raise QgsProcessingException("Attaching islands needs the layer's geometry.")
            points = geometry.polygon_centroids(run_core(geometry.parse_wkb_polygons, data.wkbs))
        w = run_core(distance_weights.attach_islands, w, points, k=island_k)
        feedback.pushInfo(
            f"Attached {len(islands)} region(s) without neighbours to their {island_k} nearest: "
            f"{format_list(data.ids[islands])}."
        )
    elif len(islands):
        feedback.reportError(
            f"{len(islands)} region(s) have no neighbours and are kept as islands: "
            f"{format_list(data.ids[islands])}. Their local statistics are undefined.",
            False,
        )
    if data.multipart:
        feedback.pushInfo(
            f"{len(data.multipart)} multipart region(s) (all parts count for neighbours): "
            f"{format_list(data.multipart)}."
        )
    log_weights_summary(w, feedback)
    if transform:
        w = w.transformed(TRANSFORMS[alg.parameterAsEnum(parameters, TRANSFORM, context)])
    return w


def log_weights_summary(w, feedback):
    card = w.cardinalities
    pct = 100.0 * w.nnz / float(w.n * w.n) if w.n else 0.0
    feedback.pushInfo(
        f"Weights ({w.kind}): {w.n} regions, neighbours min {card.min()}, mean {card.mean():.2f}, "
        f"max {card.max()}; {len(w.islands)} without neighbours; {pct:.2f}% non-zero."
    )


def read_spatial_panel(alg, parameters, context, feedback, keep_features=False):
    """The common first steps of a spatial method: read the polygons and the
    panel (complete, not constant), then build the weights once.

    Returns ``(layer_data, panel, weights)``; progress reaches 25%.
    """
    geometry_needed = needs_geometry(alg, parameters, context)
    data, panel = read_panel(alg, parameters, context, feedback, geometry=geometry_needed,
                             keep_features=keep_features)
    run_core(require_complete, panel)
    run_core(require_not_constant, panel)
    feedback.setProgress(15)
    w = build_weights(alg, parameters, context, data, feedback)
    feedback.setProgress(25)
    return data, panel, w
