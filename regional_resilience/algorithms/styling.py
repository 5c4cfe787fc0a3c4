"""Styling outputs when QGIS loads them: one place for every renderer.

Styles are applied by layer post-processors (never from the worker thread
that runs ``processAlgorithm``). A LISA output gets one named style per
period in the layer's style manager (switch between years in the Layers
panel), the last period active. Colours follow GeoDa's LISA cluster map.
"""
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsClassificationJenks,
    QgsGradientColorRamp,
    QgsGraduatedSymbolRenderer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsStyle,
    QgsSymbol,
)
from qgis.PyQt.QtGui import QColor

from .. import compat

# code -> (label, colour); codes as in core.lisa.lisa_clusters
LISA_CLASSES = [
    (0, "Not significant", "#eeeeee"),
    (1, "High-High", "#ff0000"),
    (2, "Low-High", "#a7adf9"),
    (3, "Low-Low", "#0000ff"),
    (4, "High-Low", "#f4ada8"),
    (5, "No neighbours", "#999999"),
]

# Keep Python references: QGIS holds only a raw pointer to post-processors.
_LIVE = []


def lisa_renderer(field_name):
    categories = []
    for code, label, colour in LISA_CLASSES:
        symbol = QgsSymbol.defaultSymbol(compat.GEOMETRY_POLYGON)
        symbol.setColor(QColor(colour))
        symbol.symbolLayer(0).setStrokeColor(QColor("#808080"))
        symbol.symbolLayer(0).setStrokeWidth(0.1)
        categories.append(QgsRendererCategory(code, symbol, label))
    return QgsCategorizedSymbolRenderer(field_name, categories)


def graduated_renderer(layer, field_name, classes=5, ramp_name="RdYlGn"):
    """Graduated map of ``field_name`` with natural-breaks classes."""
    renderer = QgsGraduatedSymbolRenderer(field_name)
    renderer.setClassificationMethod(QgsClassificationJenks())
    ramp = QgsStyle.defaultStyle().colorRamp(ramp_name) or QgsGradientColorRamp(
        QColor("#d7191c"), QColor("#1a9641")
    )
    renderer.setSourceColorRamp(ramp)
    renderer.updateClasses(layer, classes)
    renderer.updateColorRamp(ramp)
    return renderer


def apply_period_styles(layer, field_names, make_renderer, style_prefix):
    """One named style per period; the last one active."""
    manager = layer.styleManager()
    for field_name in field_names:
        layer.setRenderer(make_renderer(layer, field_name))
        name = f"{style_prefix} {field_name}"
        if name not in manager.styles():
            manager.addStyleFromLayer(name)
    if field_names:
        manager.setCurrentStyle(f"{style_prefix} {field_names[-1]}")
    layer.triggerRepaint()


class _StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, field_names, make_renderer, style_prefix, layer_name=None):
        super().__init__()
        self.field_names = list(field_names)
        self.make_renderer = make_renderer
        self.style_prefix = style_prefix
        self.layer_name = layer_name

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API name)
        if layer is None or not layer.isValid():
            return
        apply_period_styles(layer, self.field_names, self.make_renderer, self.style_prefix)


def attach_style(context, dest_id, field_names, kind, layer_name=None):
    """Style ``dest_id`` when it is loaded: ``kind`` is ``"lisa"`` or ``"graduated"``."""
    if not context.willLoadLayerOnCompletion(dest_id):
        return
    details = context.layerToLoadOnCompletionDetails(dest_id)
    if layer_name:
        details.name = layer_name
    if kind == "lisa":
        processor = _StylePostProcessor(field_names, lambda layer, f: lisa_renderer(f), "LISA")
    else:
        processor = _StylePostProcessor(field_names, graduated_renderer, "Map of")
    _LIVE.append(processor)
    details.setPostProcessor(processor)
