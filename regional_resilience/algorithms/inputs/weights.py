"""Spatial weights, built once per run from the layer's geometry or read
from a GeoDa file, shared by every spatial tool.

Queen or rook contiguity, k nearest neighbours or a distance band on
centroids, or a ``.gal``/``.gwt`` file; islands kept or attached to their
nearest region(s) (whichever way the weights were made); then transformed
(row-standardised by default).
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from ... import compat
from ...core import contiguity, distance_weights, geometry, weights_files
from ...core.panel import format_list
from ..support import run_core, tr, with_help
from .layer import INPUT

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


class WeightsInput:
    """Declaration of the spatial weights.

    ``allow_file``: offer a GeoDa weights file; ``transform``: offer (and
    apply) the transformation (the weights-building tool writes binary
    weights).
    """

    key = "weights"

    def __init__(self, allow_file=True, transform=True):
        self.allow_file = allow_file
        self.transform = transform

    def add(self, alg):
        methods = METHOD_LABELS if self.allow_file else METHOD_LABELS[:-1]
        alg.addParameter(with_help(
            QgsProcessingParameterEnum(WEIGHTS, tr("Spatial weights"), [tr(m) for m in methods],
                                       defaultValue=0),
            tr("Queen: regions sharing a border or a corner are neighbours; rook: a border. "
               "K nearest / distance band use polygon centroids: on a projected CRS with "
               "Euclidean distance in the layer's units, on a geographic CRS (longitude/latitude) "
               "with great-circle distance in kilometres."),
        ))
        if self.allow_file:
            alg.addParameter(with_help(
                QgsProcessingParameterFile(WEIGHTS_FILE, tr("Weights file"),
                                           behavior=compat.FILE_BEHAVIOR_FILE,
                                           fileFilter="GeoDa weights (*.gal *.gwt *.GAL *.GWT)",
                                           optional=True),
                tr("A .gal or .gwt file (GeoDa, PySAL) whose ids are the region id field's values."),
            ))
        alg.addParameter(with_help(
            QgsProcessingParameterNumber(K, tr("Number of neighbours (k nearest)"),
                                         type=compat.NUMBER_INTEGER, defaultValue=4, minValue=1),
            tr("k for k-nearest-neighbour weights."), advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterDistance(DISTANCE, tr("Distance band (0 = smallest band giving "
                                                        "every region a neighbour)"),
                                           defaultValue=0.0, parentParameterName=INPUT, minValue=0.0),
            tr("Regions whose centroids are at most this far apart are neighbours: in the layer's "
               "units on a projected CRS, in kilometres (great-circle) on a geographic CRS."),
            advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterNumber(ORDER, tr("Contiguity order (cumulative)"),
                                         type=compat.NUMBER_INTEGER, defaultValue=1, minValue=1, maxValue=10),
            tr("2 adds the neighbours of neighbours, and so on."), advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterDistance(SNAP, tr("Snapping tolerance for borders"),
                                           defaultValue=0.0, parentParameterName=INPUT, minValue=0.0),
            tr("Vertices closer than this (layer units) count as shared, for borders digitised "
               "slightly apart. 0: exact vertices, as GeoDa and PySAL."), advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterEnum(ISLANDS, tr("Regions without neighbours (islands)"),
                                       [tr(x) for x in ISLAND_LABELS], defaultValue=0),
            tr("Islands (e.g. Hainan) have no contiguity neighbours. Keep them (their local "
               "statistics are undefined and they are reported) or attach each to its nearest "
               "region(s) by centroid distance; also for weights read from a file."), advanced=True,
        ))
        alg.addParameter(with_help(
            QgsProcessingParameterNumber(ISLAND_K, tr("Neighbours given to each island"),
                                         type=compat.NUMBER_INTEGER, defaultValue=1, minValue=1),
            tr("With 'attach': how many nearest regions each island is joined to."), advanced=True,
        ))
        if self.transform:
            alg.addParameter(with_help(
                QgsProcessingParameterEnum(TRANSFORM, tr("Weights transformation"),
                                           [tr(x) for x in TRANSFORM_LABELS], defaultValue=0),
                tr("Row-standardised (each row sums to 1, as GeoDa and most papers) or binary."),
                advanced=True,
            ))

    def method(self, run):
        return METHODS[run.enum(WEIGHTS)]

    def plan(self, run, source, needs):
        # geometry for building weights, and for attaching islands whatever
        # the weights' origin (a .gal file with "attach" needs centroids too)
        if self.method(run) != "file" or ISLAND_POLICIES[run.enum(ISLANDS)] == "attach":
            needs.geometry = True

    def build(self, run, data, namespace):
        return build_weights(run, data, transform=self.transform)


def build_weights(run, data, transform=True):
    """Weights for ``data`` (a :class:`LayerData`), islands handled,
    transformed; the summary is logged.

    On a geographic CRS (longitude/latitude) k nearest neighbours, distance
    bands and attached islands use great-circle (arc) distance between the
    centroids, in kilometres (haversine on the mean Earth radius, 6371.0088
    km, as GeoDa's arc distance); on a projected CRS, Euclidean distance in
    the layer's units.
    """
    method = METHODS[run.enum(WEIGHTS)]
    island_policy = ISLAND_POLICIES[run.enum(ISLANDS)]
    island_k = run.int(ISLAND_K)
    geographic = bool(data.crs.isValid() and data.crs.isGeographic())
    metric = "arc" if geographic else "euclidean"
    unit = "km" if geographic else _layer_unit(data)
    points = None
    polys = None

    def centroids():
        pts = geometry.polygon_centroids(polys)
        if geographic:
            run_core(distance_weights.check_lonlat, pts, ids=data.ids)
        return pts

    if method == "file":
        path = run.file(WEIGHTS_FILE)
        if not path:
            raise QgsProcessingException(tr("Choose a .gal or .gwt weights file."))
        w = run_core(weights_files.read_weights_file, path, data.ids)
    else:
        polys = run_core(geometry.parse_wkb_polygons, data.wkbs)
        if method in ("queen", "rook"):
            if geographic:
                points = centroids()
            w = run_core(contiguity.contiguity_weights, polys, rule=method, tolerance=run.double(SNAP))
            order = run.int(ORDER)
            if order > 1:
                w = run_core(contiguity.higher_order, w, order, cumulative=True)
        else:
            points = centroids()
            if method == "knn":
                k = run.int(K)
                if k >= data.n:
                    raise QgsProcessingException(tr(
                        "k = {k} needs more than {k} regions; the layer has {n}.").format(k=k, n=data.n))
                w = run_core(distance_weights.knn_weights, points, k, metric=metric)
            else:
                band = run.double(DISTANCE)
                if band <= 0:
                    band = float(distance_weights.min_threshold_distance(points, metric=metric))
                    run.info(tr("Distance band: {band} {unit} (smallest band giving every region a "
                                "neighbour).").format(band=f"{band:.6g}", unit=unit))
                w = run_core(distance_weights.distance_band_weights, points, band, metric=metric)
            if geographic:
                run.info(tr("Geographic CRS ({crs}): distances are great-circle distances between "
                            "centroids, in kilometres.").format(crs=data.crs.authid()))

    islands = w.islands
    if len(islands) and island_policy == "attach":
        if points is None:
            if polys is None:
                polys = run_core(geometry.parse_wkb_polygons, data.wkbs)
            points = centroids()
        w = run_core(distance_weights.attach_islands, w, points, k=island_k, metric=metric)
        run.info(tr("Attached {n} region(s) without neighbours to their {k} nearest: {ids}.").format(
            n=len(islands), k=island_k, ids=format_list(data.ids[islands])))
    elif len(islands):
        run.warn(tr("{n} region(s) have no neighbours and are kept as islands: {ids}. Their local "
                    "statistics are undefined.").format(n=len(islands), ids=format_list(data.ids[islands])))
    if data.multipart:
        run.info(tr("{n} multipart region(s) (all parts count for neighbours): {ids}.").format(
            n=len(data.multipart), ids=format_list(data.multipart)))
    w.meta.setdefault("unit", unit if method in ("knn", "distance") else "")
    log_weights_summary(w, run)
    if transform:
        w = w.transformed(TRANSFORMS[run.enum(TRANSFORM)])
    return w


def _layer_unit(data):
    try:
        from qgis.core import QgsUnitTypes

        return QgsUnitTypes.toAbbreviatedString(data.crs.mapUnits()) if data.crs.isValid() else "layer units"
    except Exception:  # noqa: BLE001 - a unit name is only for messages
        return "layer units"


def log_weights_summary(w, run):
    card = w.cardinalities
    pct = 100.0 * w.nnz / float(w.n * w.n) if w.n else 0.0
    run.info(tr("Weights ({kind}): {n} regions, neighbours min {lo}, mean {mean}, max {hi}; "
                "{islands} without neighbours; {pct}% non-zero.").format(
        kind=w.kind, n=w.n, lo=card.min(), mean=f"{card.mean():.2f}", hi=card.max(),
        islands=len(w.islands), pct=f"{pct:.2f}"))
