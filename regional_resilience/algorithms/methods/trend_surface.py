"""Processing algorithm: trend-surface analysis (ArcGIS-style trend view) per period."""
import os
from types import SimpleNamespace

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFolderDestination,
    QgsUnitTypes,
)

from ...core import geometry
from ...core.trend_surface import geographic_to_local_km, trend_surface
from ..base import Result, Tool
from ..inputs.layer import LayerInput
from ..inputs.options import Choice, Number
from ..inputs.panel import PanelInput
from ..outputs import charts
from ..outputs.naming import safe_name
from ..outputs.report import ReportOutput, chart_block, section, table_block, text_block
from ..outputs.table import TableOutput
from ..support import check_canceled, run_core, tr, with_help

OUTPUT = "OUTPUT"
CHARTS = "CHARTS"
REPORT = "REPORT"
ORDER = "ORDER"
ROTATION = "ROTATION"
POSITION = "POSITION"
COORDINATES = "COORDINATES"
TARGET_CRS = "TARGET_CRS"

COLUMNS = [
    ("variable", "string"), ("period", "string"), ("direction", "string"), ("order", "int"),
    ("rotation", "double"), ("units", "string"),
    ("c0", "double"), ("c1", "double"), ("c2", "double"), ("c3", "double"),
    ("r2", "double"), ("shape", "string"), ("turning_1", "double"), ("turning_2", "double"),
]


# ---------------------------------------------------------------------------
# positions of the regions
# ---------------------------------------------------------------------------
class PointsInput:
    """Where each region stands: the layer read with geometry, one point per
    polygon (centroid or point on surface), in the coordinates asked for."""

    key = "points"
    position = Choice(POSITION, "Position of each region", (
        ("centroid", "Centroid (area-weighted)"), ("surface", "Point on surface")),
        help="Centroid, or a point guaranteed inside the polygon (QGIS's point on surface).")
    coordinates = Choice(COORDINATES, "Coordinates", (
        ("layer", "Layer CRS units"), ("local_km", "Local kilometres (from longitude / latitude)"),
        ("crs", "Reproject to the CRS below")), help=(
            "Layer CRS units: metres (or feet) of a projected CRS, degrees of a geographic one "
            "(warned). Local kilometres: longitude / latitude turned into km about the mean "
            "latitude. Reproject: the polygons are transformed to the projected CRS below first."))

    def add(self, alg):
        self.position.add(alg)
        self.coordinates.add(alg)
        alg.addParameter(with_help(
            QgsProcessingParameterCrs(TARGET_CRS, tr("Projected CRS (with 'Reproject')"), optional=True),
            tr("e.g. a UTM zone or a national Lambert projection in metres.")))

    def plan(self, run, source, needs):
        needs.geometry = True

    def build(self, run, data, namespace):
        how = self.coordinates.read(run)
        crs, wkbs = data.crs, data.wkbs
        name = crs.authid() or crs.description() or tr("unknown CRS")
        units = QgsUnitTypes.toString(crs.mapUnits()) if crs.isValid() else tr("layer units")
        if how == "crs":
            target = run.alg.parameterAsCrs(run.parameters, TARGET_CRS, run.context)
            if not target.isValid() or target.isGeographic():
                raise QgsProcessingException(tr(
                    "'Reproject' needs a projected CRS (in metres), e.g. a UTM zone; {crs} was given."
                ).format(crs=target.authid() or tr("none") if target.isValid() else tr("none")))
            wkbs = reprojected(wkbs, crs, target, run, data.ids)
            name = target.authid() or target.description()
            units = QgsUnitTypes.toString(target.mapUnits())
        elif how == "local_km" and crs.isValid() and not crs.isGeographic():
            raise QgsProcessingException(tr(
                "Local kilometres are made from longitude / latitude, but the layer's CRS {crs} is "
                "projected (in {units}): choose 'Layer CRS units'.").format(crs=name, units=units))
        position = self.position.read(run)
        if position == "centroid":
            xy = geometry.polygon_centroids(run_core(geometry.parse_wkb_polygons, wkbs))
        else:
            xy = points_on_surface(wkbs)
        description = f"{name} ({units})"
        if how == "local_km":
            xy = run_core(geographic_to_local_km, xy[:, 0], xy[:, 1], ids=list(data.ids))
            units, description = "km", tr("local km about the mean latitude, from {crs}").format(crs=name)
        elif how == "layer" and crs.isValid() and crs.isGeographic():
            run.warn(tr(
                "The layer's CRS {crs} is geographic: the positions are degrees of longitude and "
                "latitude, and a degree of longitude is only cos(latitude) times as long as a degree "
                "of latitude, so rotated axes are distorted (at rotation 0 the shapes and R^2 do not "
                "depend on the unit). Choose 'Local kilometres' or a projected CRS for distances."
            ).format(crs=name))
        return SimpleNamespace(xy=xy, units=units, position=dict(self.position.options)[position],
                               description=description)


def reprojected(wkbs, source_crs, target_crs, run, ids):
    """The polygons' WKB transformed to ``target_crs``."""
    transform = QgsCoordinateTransform(source_crs, target_crs, run.context.transformContext())
    out = []
    for wkb, region in zip(wkbs, ids):
        geom = QgsGeometry()
        geom.fromWkb(wkb)
        try:
            geom.transform(transform)
        except QgsCsException:
            raise QgsProcessingException(tr(
                "Region {id} cannot be transformed to {crs}; choose a CRS that covers the layer."
            ).format(id=region, crs=target_crs.authid())) from None
        out.append(bytes(geom.asWkb()))
    return out


def points_on_surface(wkbs):
    out = np.empty((len(wkbs), 2))
    for i, wkb in enumerate(wkbs):
        geom = QgsGeometry()
        geom.fromWkb(wkb)
        point = geom.pointOnSurface().asPoint()
        out[i] = point.x(), point.y()
    return out


# ---------------------------------------------------------------------------
# outputs: the 3-D chart and the folder of charts
# ---------------------------------------------------------------------------
def trend_chart(res, z, k, points, variable, period):
    """ArcGIS's trend view as a PNG: the values as sticks above the (u, v)
    plane, their projections on the back walls and the two fitted curves."""
    fig = charts.figure()
    if fig is None:
        return None
    ax = fig.add_subplot(projection="3d")
    try:
        ax.set_box_aspect(None, zoom=0.85)  # room for the axis labels (matplotlib >= 3.6)
    except (AttributeError, TypeError):
        pass
    u, v = res.u, res.v
    span = float(np.ptp(z)) or max(abs(float(z.max())), 1.0)
    floor = float(z.min()) - 0.1 * span
    wall_v = float(v.max()) + 0.05 * (float(np.ptp(v)) or 1.0)  # back wall (X-Z plane)
    wall_u = float(u.min()) - 0.05 * (float(np.ptp(u)) or 1.0)  # left wall (Y-Z plane)
    for ui, vi, zi in zip(u, v, z):
        ax.plot([ui, ui], [vi, vi], [floor, zi], color="#555555", linewidth=0.8)
    ax.scatter(u, v, z, color="#222222", s=8, depthshade=False)
    ax.scatter(u, v, np.full_like(z, floor), color="#bbbbbb", s=4, depthshade=False)
    ax.scatter(u, np.full_like(z, wall_v), z, color="#4daf4a", s=8, alpha=0.6, depthshade=False)
    ax.scatter(np.full_like(z, wall_u), v, z, color="#377eb8", s=8, alpha=0.6, depthshade=False)
    ax.plot(res.grid[0], np.full(res.grid.shape[1], wall_v), res.fitted[k, 0], color="#1b7a1b",
            linewidth=2, label=tr(res.directions[0]))
    ax.plot(np.full(res.grid.shape[1], wall_u), res.grid[1], res.fitted[k, 1], color="#1f4e9c",
            linewidth=2, label=tr(res.directions[1]))
    rotated = f", {res.rotation:g}°" if res.rotation % 360 else ""
    ax.set_xlabel(f"{tr(res.directions[0])} ({points.units}{rotated})", fontsize=8)
    ax.set_ylabel(f"{tr(res.directions[1])} ({points.units}{rotated})", fontsize=8)
    ax.set_zlabel(variable, fontsize=8)
    ax.set_zlim(floor, float(z.max()) + 0.05 * span)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{variable} {period}".strip(), fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return charts.figure_png(fig)


class ChartFolderOutput:
    """An optional folder with one PNG chart per period (``Result.values[CHARTS]``)."""

    needs_features = False

    def add(self, alg):
        alg.addParameter(with_help(
            QgsProcessingParameterFolderDestination(CHARTS, tr("Folder for the charts (PNG)"),
                                                    optional=True, createByDefault=False),
            tr("One trend_<variable>_<period>.png per period, for papers and slides.")))

    def write(self, run, data, result):
        path = run.alg.parameterAsFileOutput(run.parameters, CHARTS, run.context)
        if not path:
            return {}
        os.makedirs(path, exist_ok=True)
        written = 0
        for name, png in result.values.get(CHARTS, []):
            if png is None:
                run.warn(tr(charts.MISSING_MESSAGE))
                break
            with open(os.path.join(path, name), "wb") as handle:
                handle.write(png)
            written += 1
        run.info(tr("{n} chart(s) written to {path}").format(n=written, path=path))
        return {CHARTS: path}


class TrendSurfaceAlgorithm(Tool):
    ALGORITHM_ID = "trendsurface"
    DISPLAY_NAME = "Trend surface analysis"
    GROUP = "Classification and mapping"
    GROUP_ID = "classification"
    TAGS = "trend analysis,trend surface,polynomial,west-east,south-north,global trend,arcgis,3d"
    HELP = (
        "The trend analysis of ArcGIS Geostatistical Analyst (Esri 2012; Unwin 1975): each "
        "region's value Z stands at its polygon's centroid (x, y) and is projected on the "
        "west-east (X-Z) and the south-north (Y-Z) plane; a polynomial of order 1, 2 or 3 is "
        "fitted by least squares through each projection, per period:\n"
        "Z ~ c0 + c1 w + c2 w^2 + c3 w^3, w the position along the axis,\n"
        "R^2 = 1 - SS_res / SS_tot. A curve that is not flat shows a global trend along that "
        "direction: an inverted U along west-east means the highest values lie in the centre.\n\n"
        "Rotation: the axes are turned by theta degrees counter-clockwise (u = x cos theta + "
        "y sin theta, v = -x sin theta + y cos theta), as ArcGIS's trend view can be turned; "
        "ArcGIS Pro's Directional Trend direction d (clockwise from north) is theta = 90 - d "
        "for the west-east curve.\n\n"
        "Coordinates: in the layer's CRS (with a warning for a geographic CRS: a degree of "
        "longitude is only cos(latitude) times a degree of latitude, which distorts rotated "
        "axes; at rotation 0 the shapes and R^2 do not depend on the unit), as local kilometres "
        "(equirectangular about the mean latitude), or after reprojecting the polygons to a "
        "projected CRS. Positions: area-weighted centroids, or points on surface (inside "
        "every polygon, for crescent-shaped regions).\n\n"
        "Shape of a curve on the observed range: increasing, decreasing, inverted U, U, N, "
        "inverted N or flat; turning_1, turning_2 are the positions of its maxima / minima.\n\n"
        "Outputs: a table with one row per period and direction (variable, period, direction, "
        "order, rotation, units, c0..c3 in those units, R2, shape, turning points); optionally "
        "a report and/or a folder with one 3-D chart per period in the familiar style (the "
        "values as vertical sticks, their projections on the back walls, green the west-east "
        "and blue the south-north fitted curve).\n\n"
        "Caveats: each direction needs order + 2 distinct positions; a constant period gives a "
        "flat curve with R^2 undefined (NULL); missing values are refused with the regions named."
    )

    INPUTS = (LayerInput(), PanelInput(not_constant=False), PointsInput())
    OPTIONS = (
        Number(ORDER, "Polynomial order", 2, minimum=1, maximum=3, integer=True,
               help="1 linear, 2 quadratic (ArcGIS's default), 3 cubic."),
        Number(ROTATION, "Rotation of the axes (degrees, counter-clockwise)", 0.0, minimum=-360.0,
               maximum=360.0, help=(
                   "0: west-east and south-north. 30 turns the 'west-east' axis 30 degrees towards "
                   "the north-east (and 'south-north' towards the north-west).")),
    )
    OUTPUTS = (TableOutput(OUTPUT, "Trend coefficients", COLUMNS, optional=False),
               ReportOutput(REPORT), ChartFolderOutput())

    def compute(self, data, options, run):
        panel, points = data.panel, data.points
        want_charts = bool(run.alg.parameterAsFileOutput(run.parameters, REPORT, run.context)
                           or run.alg.parameterAsFileOutput(run.parameters, CHARTS, run.context))
        rows, chart_blocks, pngs = [], [], []
        for variable in panel.variables:
            res = run.core(trend_surface, panel.values[variable], points.xy, order=options.order,
                           rotation=options.rotation, ids=list(panel.ids), periods=list(panel.periods))
            for warning in res.warnings:
                run.warn(warning)
            for k, period in enumerate(panel.periods):
                check_canceled(run.feedback)
                summary = []
                for d, direction in enumerate(res.directions):
                    coef = list(res.coefficients[k, d][::-1]) + [None] * (3 - res.order)
                    turns = list(res.turning_points[k, d]) + [None] * (2 - res.turning_points.shape[2])
                    rows.append([variable, period, direction, res.order, res.rotation, points.units,
                                 *coef, res.r2[k, d], res.shape[k, d], *turns])
                    summary.append(tr("{direction} {shape} (R^2 = {r2})").format(
                        direction=tr(direction), shape=tr(res.shape[k, d]), r2=f"{res.r2[k, d]:.3f}"))
                caption = f"{variable} {period}: " + "; ".join(summary)
                run.info(caption)
                if want_charts:
                    png = trend_chart(res, panel.values[variable][:, k], k, points, str(variable), period)
                    chart_blocks.append(chart_block(png, caption))
                    pngs.append((f"trend_{safe_name(variable)}_{safe_name(period) or 'all'}.png", png))
        note = text_block(tr("Positions: {position}; coordinates: {coords}; order {order}, "
                             "rotation {rotation} degrees.").format(
            position=tr(points.position), coords=points.description, order=options.order,
            rotation=f"{options.rotation:g}"))
        report = [section(tr("Trend coefficients"), note,
                          table_block([c for c, _ in COLUMNS], rows, digits=6))]
        if chart_blocks:
            report.append(section(tr("Trend charts, one per period"), *chart_blocks))
        return Result(tables={OUTPUT: rows}, report=report, values={CHARTS: pngs})
