"""Report maps (outputs/maps.py): the legend is as wide as its longest text."""
from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
from qgis.PyQt.QtGui import QImage

from regional_resilience.algorithms.outputs.maps import LEGEND_WIDTH, render_map
from regional_resilience.algorithms.outputs.styles import grade_style


def grades_layer():
    lyr = QgsVectorLayer("Polygon?crs=EPSG:3857&field=g_2020:integer", "grades", "memory")
    features = []
    for k in range(3):
        f = QgsFeature(lyr.fields())
        f.setGeometry(QgsGeometry.fromWkt(f"Polygon (({k} 0, {k + 1} 0, {k + 1} 1, {k} 1, {k} 0))"))
        f.setAttributes([k])
        features.append(f)
    assert lyr.dataProvider().addFeatures(features)[0]
    return lyr


def image(png):
    out = QImage()
    assert out.loadFromData(png, "PNG")
    return out


def test_legend_fits_its_longest_label(qgis_app):
    lyr = grades_layer()
    short = image(render_map(lyr, grade_style(["g_2020"], ["low", "mid", "high"]), "g_2020", "Grades"))
    assert short.width() == 560 + LEGEND_WIDTH
    long_labels = ["low", "on the verge of imbalance, a long grade name", "high"]
    wide = image(render_map(lyr, grade_style(["g_2020"], long_labels), "g_2020", "Grades",
                            counts={"low": 1, long_labels[1]: 1, "high": 1}))
    assert wide.width() > 560 + LEGEND_WIDTH
    # the long label's line (the second legend row) is drawn up to near the right edge
    y = 44 + 18 + 6
    dark = [x for x in range(560, wide.width()) if wide.pixelColor(x, y).lightness() < 128]
    assert dark and wide.width() - max(dark) < 20
