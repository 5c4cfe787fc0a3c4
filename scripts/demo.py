"""The demo: study (a), new infrastructure x regional resilience, end to end
on the sample data (China's 31 mainland provinces, a SYNTHETIC indicator
panel 2013-2020), through the bundled model ``study_infrastructure``.

Writes to ``<output>/``:

- ``china31.gpkg``: the 31 provinces the panel covers (extracted from
  tests/data/china_provinces.gpkg);
- ``study_layer.gpkg``: every field the chain wrote (indices ``idx_*``,
  coupling ``cc_*``, LISA ``lisa_*``, Markov ``mk_*``), its provenance in the
  layer metadata;
- one GeoPackage per table (weights, coupling summary, Dagum Gini, Moran,
  LISA counts, Markov and spatial Markov transitions, homogeneity tests);
- ``study_report.html``: the study report (maps, charts, tables);

and the README's pictures to ``docs/images/`` (``--images``, the default):
the LISA cluster map and the grade map of 2020 and the first page of the
report, all drawn from these outputs. Run with ``make demo``.
"""
import argparse
import base64
import os
import re
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qgis.core import QgsApplication  # noqa: E402

DATA = ROOT / "tests" / "data"
INDICATORS = ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment", "green_cover"]
SUBSYSTEMS = "infrastructure: fiber_km, data_centres, patents_5g; resilience: gdp_pc, unemployment, green_cover"
MODEL = "regional_resilience:study_infrastructure"


def start_qgis():
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from regional_resilience.processing_provider.provider import RegionalResilienceProvider

    provider = RegionalResilienceProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider


def run_study(out):
    import processing
    from qgis.core import QgsProcessingFeedback

    regions = out / "china31.gpkg"
    source = out / "china_provinces.gpkg"
    shutil.copy(DATA / "china_provinces.gpkg", source)
    processing.run("native:extractbyattribute", {
        "INPUT": str(source), "FIELD": "in_study", "OPERATOR": 0, "VALUE": "1",
        "OUTPUT": str(regions)})
    model = QgsApplication.processingRegistry().algorithmById(MODEL).create()
    outputs = {}
    for d in model.destinationParameterDefinitions():
        name = d.name().split(":")[1]
        outputs[d.name()] = str(out / (name + (".html" if d.type() == "fileDestination" else ".gpkg")))
    outputs["report:report"] = str(out / "study_report.html")
    params = {"regions": str(regions), "region_id": "code", "group_field": "region4",
              "indicators": str(DATA / "china_panel.gpkg"), "indicators_id": "code", "indicators_year": "year",
              "indicator_fields": INDICATORS, "negative": "unemployment", "subsystems": SUBSYSTEMS, **outputs}
    feedback = QgsProcessingFeedback()
    processing.run(MODEL, params, feedback=feedback)
    return outputs


def save_images(outputs, images):
    """The README's pictures, from the outputs: the 2020 LISA and grade maps
    as the report draws them, and the report's first page."""
    images.mkdir(parents=True, exist_ok=True)
    text = Path(outputs["report:report"]).read_text(encoding="utf-8")
    figures = re.findall(r"<img alt='([^']*)' src='data:image/png;base64,([^']+)'>", text)
    wanted = {"LISA clusters 2020": "lisa_map_2020.png", "Grade map 2020": "grade_map_2020.png"}
    found = set()
    for alt, data in figures:
        if alt in wanted:
            (images / wanted[alt]).write_bytes(base64.b64decode(data))
            found.add(alt)
    missing = set(wanted) - found
    if missing:
        raise SystemExit(f"the report has no {', '.join(sorted(missing))}")
    render_page(outputs["report:report"], images / "report_page.png")


def render_page(html_path, png_path, width=1100, height=1500):
    """The first screen of the report, rendered by Qt's web engine (QtWebKit,
    a dependency of Debian's python3-qgis)."""
    from qgis.PyQt.QtCore import QSize, QUrl
    from qgis.PyQt.QtGui import QImage, QPainter

    try:
        from qgis.PyQt.QtWebKitWidgets import QWebPage
    except ImportError:
        print("QtWebKit not available: report_page.png not made")
        return
    page = QWebPage()
    done = []
    page.mainFrame().loadFinished.connect(lambda ok: done.append(ok))
    page.mainFrame().load(QUrl.fromLocalFile(str(html_path)))
    while not done:
        QgsApplication.processEvents()
    page.setViewportSize(QSize(width, height))
    image = QImage(QSize(width, height), QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    page.mainFrame().render(painter)
    painter.end()
    image.save(str(png_path), "PNG")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="demo_output")
    parser.add_argument("--images", default=str(ROOT / "docs" / "images"),
                        help="where the README's pictures go ('' to skip)")
    args = parser.parse_args()
    out = Path(args.output).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    app, provider = start_qgis()
    outputs = run_study(out)
    if args.images:
        save_images(outputs, Path(args.images))
    for name in sorted(outputs.values()):
        print(name)
    QgsApplication.processingRegistry().removeProvider(provider)
    del app


if __name__ == "__main__":
    main()
