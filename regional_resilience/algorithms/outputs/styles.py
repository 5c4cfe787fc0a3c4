"""Styles as data: what a map of a result looks like, declared by the tool,
applied when QGIS loads the output.

A tool returns :class:`StyleSpec` objects (built with :func:`lisa_style`,
:func:`grade_style`, :func:`graduated_style`); the registry
:data:`RENDERERS` turns each kind into a renderer. A new kind of map is one
function registered with :func:`renderer_kind`; no switch to edit.

Styles are applied by a layer post-processor (never from the worker thread
that runs ``processAlgorithm``): one named style per period in the layer's
style manager (switch between years in the Layers panel), the last period
active. Post-processors are kept alive only until they have run.
"""
from dataclasses import dataclass, field

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsGradientColorRamp,
    QgsGraduatedSymbolRenderer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsRendererRange,
    QgsStyle,
    QgsSymbol,
)
from qgis.PyQt.QtGui import QColor

from ... import compat
from ...core import lisa
from ...core.classify import jenks_breaks
from ..support import tr

#: GeoDa's LISA cluster-map colours by cluster code (names in core.lisa)
LISA_COLOURS = {
    lisa.NOT_SIGNIFICANT: "#eeeeee",
    lisa.HIGH_HIGH: "#ff0000",
    lisa.LOW_HIGH: "#a7adf9",
    lisa.LOW_LOW: "#0000ff",
    lisa.HIGH_LOW: "#f4ada8",
    lisa.NO_NEIGHBOURS: "#999999",
}
OUTLINE = "#808080"


@dataclass
class StyleSpec:
    """How to draw some fields of an output layer.

    kind : a key of :data:`RENDERERS` (``"categorized"``, ``"graduated"``)
    fields : the fields, one named style each (the last one active)
    categories : ``[(value, label, colour)]`` for categorized maps
    breaks : field -> ``[(lower, upper)]`` class bounds for graduated maps
    ramp : QGIS colour ramp name for graduated maps
    prefix : style names are ``"<prefix> <field>"``
    output : the output (sink) name the style belongs to (None: the layer output)
    pending : a function giving ``breaks``, called by :meth:`resolve` when
        the style is first applied (natural breaks of 100,000 values take
        a third of a second: not computed for a layer nobody loads)
    """

    kind: str
    fields: list
    categories: list = None
    breaks: dict = field(default_factory=dict)
    ramp: str = "RdYlGn"
    prefix: str = "Map of"
    output: str = None
    pending: object = None

    def resolve(self):
        """Compute what was left for when the style is applied; returns self."""
        if self.pending is not None:
            self.breaks, self.pending = self.pending(), None
        return self


RENDERERS = {}


def renderer_kind(name):
    """Register ``function(layer, field_name, spec) -> renderer`` as ``name``."""

    def register(function):
        RENDERERS[name] = function
        return function

    return register


def _fill_symbol(colour):
    symbol = QgsSymbol.defaultSymbol(compat.GEOMETRY_POLYGON)
    symbol.setColor(QColor(colour))
    symbol.symbolLayer(0).setStrokeColor(QColor(OUTLINE))
    symbol.symbolLayer(0).setStrokeWidth(0.1)
    return symbol


@renderer_kind("categorized")
def categorized_renderer(layer, field_name, spec):
    categories = [QgsRendererCategory(value, _fill_symbol(colour), label)
                  for value, label, colour in spec.categories]
    return QgsCategorizedSymbolRenderer(field_name, categories)


def _ramp(name):
    return QgsStyle.defaultStyle().colorRamp(name) or QgsGradientColorRamp(QColor("#d7191c"), QColor("#1a9641"))


@renderer_kind("graduated")
def graduated_renderer(layer, field_name, spec):
    ramp = _ramp(spec.ramp)
    bounds = spec.resolve().breaks.get(field_name, [])
    ranges = []
    for k, (lower, upper) in enumerate(bounds):
        colour = ramp.color(k / max(len(bounds) - 1, 1))
        ranges.append(QgsRendererRange(lower, upper, _fill_symbol(colour.name()), f"{lower:.4g} - {upper:.4g}"))
    renderer = QgsGraduatedSymbolRenderer(field_name, ranges)
    renderer.setSourceColorRamp(ramp)
    return renderer


def lisa_style(fields):
    """LISA cluster map of cluster-code fields, in GeoDa's colours."""
    categories = [(code, tr(name), LISA_COLOURS[code]) for code, name in lisa.CLUSTER_NAMES.items()]
    return StyleSpec("categorized", list(fields), categories=categories, prefix="LISA")


def ramp_colours(k, ramp="RdYlGn"):
    """``k`` colours along a QGIS colour ramp, lowest first."""
    r = _ramp(ramp)
    return [r.color(i / max(k - 1, 1)).name() for i in range(k)]


def grade_style(fields, labels, ramp="RdYlGn", prefix="Grades"):
    """Categorized map of grade-code fields (0 = lowest) with ``labels``
    in the legend, an ordered ramp, the same legend for every period."""
    colours = ramp_colours(len(labels), ramp)
    categories = [(code, str(label), colour) for code, (label, colour) in enumerate(zip(labels, colours))]
    return StyleSpec("categorized", list(fields), categories=categories, prefix=prefix)


def graduated_style(columns, classes=5, ramp="RdYlGn", prefix="Map of", pooled=False):
    """Graduated map of numeric fields, classes by the core's Fisher-Jenks
    natural breaks (one set per field, or one for all with ``pooled``),
    computed when the style is first applied.

    ``columns`` is a list of :class:`outputs.layer.NewField`.
    """
    def bounds(values):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return []
        k = int(min(classes, np.unique(v).size))
        if k < 2:
            return [(float(v.min()), float(v.max()))]
        upper = [float(b) for b in jenks_breaks(v, k)]
        lower = [float(v.min())] + upper[:-1]
        return list(zip(lower, upper))

    values = {c.name: c.values for c in columns}

    def breaks():
        if pooled:
            shared = bounds(np.concatenate([np.asarray(v, dtype=float) for v in values.values()]))
            return {name: shared for name in values}
        return {name: bounds(v) for name, v in values.items()}

    return StyleSpec("graduated", list(values), ramp=ramp, prefix=prefix, pending=breaks)


# Python references until QGIS has called them (QGIS holds a raw pointer).
_LIVE = {}


class _StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, specs):
        super().__init__()
        self.specs = list(specs)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API name)
        try:
            if layer is not None and layer.isValid():
                apply_styles(layer, self.specs)
        finally:
            _LIVE.pop(id(self), None)


def apply_styles(layer, specs):
    """One named style per field of every spec; the last field of the last
    spec active."""
    manager = layer.styleManager()
    last = None
    for spec in specs:
        make = RENDERERS[spec.kind]
        for field_name in spec.fields:
            layer.setRenderer(make(layer, field_name, spec))
            name = f"{spec.prefix} {field_name}"
            if name not in manager.styles():
                manager.addStyleFromLayer(name)
            last = name
    if last:
        manager.setCurrentStyle(last)
    layer.triggerRepaint()


def attach_styles(context, dest_id, specs, layer_name=None):
    """Style ``dest_id`` when QGIS loads it."""
    if not specs or not context.willLoadLayerOnCompletion(dest_id):
        return
    details = context.layerToLoadOnCompletionDetails(dest_id)
    if layer_name:
        details.name = layer_name
    processor = _StylePostProcessor(specs)
    _LIVE[id(processor)] = processor
    details.setPostProcessor(processor)
