"""Maps for the reports, rendered by QGIS itself: a layer drawn with one of
the registered styles (:mod:`.styles`) onto an image, with its legend.

Rendering uses ``QgsMapRendererCustomPainterJob`` on a ``QImage`` (no
window, no project), so it works in ``qgis_process`` and headless.
"""
from qgis.core import (
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from .styles import RENDERERS

LEGEND_WIDTH = 190  # at least; wider when a legend text needs it


def _image_format():
    return QImage.Format.Format_ARGB32_Premultiplied


def _png_bytes(image):
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def legend_items(spec, field_name):
    """``[(colour, label)]`` of a style for the legend."""
    if spec.kind == "categorized":
        return [(colour, str(label)) for _, label, colour in spec.categories]
    from .styles import ramp_colours

    bounds = spec.resolve().breaks.get(field_name, [])
    colours = ramp_colours(len(bounds), spec.ramp)
    return [(c, f"{lo:.4g} - {hi:.4g}") for c, (lo, hi) in zip(colours, bounds)]


def render_map(layer, spec, field_name, title="", size=(560, 420), counts=None):
    """PNG bytes of ``layer`` drawn with ``spec`` for ``field_name``, a title
    and a legend (with the number of regions per class when ``counts``
    maps a legend label to a count)."""
    renderer = RENDERERS[spec.kind](layer, field_name, spec)
    layer = layer.clone()
    layer.setRenderer(renderer)
    width, height = size
    font = QFont()
    font.setPointSize(9)
    items = [(colour, label if counts is None else f"{label} ({counts.get(label, 0)})")
             for colour, label in legend_items(spec, field_name)]
    metrics = QFontMetrics(font)
    legend_width = max([LEGEND_WIDTH] + [metrics.horizontalAdvance(text) + 44 for _, text in items])
    image = QImage(QSize(width + legend_width, height + 30), _image_format())
    image.fill(QColor("white"))
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    extent = QgsRectangle(layer.extent())
    extent.scale(1.05)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor("white"))
    painter = QPainter(image)
    painter.translate(0, 30)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.start()
    job.waitForFinished()
    painter.translate(0, -30)
    title_font = QFont()
    title_font.setPointSize(11)
    title_font.setBold(True)
    painter.setFont(title_font)
    painter.setPen(QColor("black"))
    painter.drawText(QRectF(8, 4, width + legend_width - 16, 24), int(_align_left()), title)
    painter.setFont(font)
    y = 44
    for colour, text in items:
        painter.fillRect(QRectF(width + 10, y, 16, 12), QColor(colour))
        painter.setPen(QColor("#808080"))
        painter.drawRect(QRectF(width + 10, y, 16, 12))
        painter.setPen(QColor("black"))
        painter.drawText(QRectF(width + 32, y - 2, legend_width - 36, 16), int(_align_left()), text)
        y += 18
    painter.end()
    return _png_bytes(image)


def _align_left():
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
