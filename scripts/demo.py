"""The main job on the embedded sample data: Mexican states 1940-2000.

Builds queen contiguity weights from the state polygons, computes global
Moran's I of per-capita GDP for every decade and a LISA cluster map per
decade, and writes:

- ``<output>/mexico_resilience.gpkg``: the states with the LISA fields
  (``lisa_cl_1940`` ... ``lisa_cl_2000``), with the 2000 LISA cluster style
  saved as the layer's default style, plus the tables
  ``global_moran`` and ``lisa_summary``;
- ``<output>/mexico.gal``: the weights, GeoDa format;
- ``<output>/summary.html``: the tables and the 1940 and 2000 cluster maps.

Run with ``make demo``.
"""
import argparse
import html
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qgis.core import QgsApplication  # noqa: E402

DATA = ROOT / "tests" / "data" / "mexico.gpkg"
YEARS = ["1940", "1950", "1960", "1970", "1980", "1990", "2000"]
FIELDS = [f"PCGDP{y}" for y in YEARS]


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


def render_png(layer, path, size=900):
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setBackgroundColor(QColor("white"))
    settings.setOutputSize(QSize(size, int(size * 0.7)))
    settings.setExtent(layer.extent().buffered(layer.extent().width() * 0.02))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(str(path), "PNG")


def table_html(lyr, columns):
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for f in lyr.getFeatures():
        cells = []
        for c in columns:
            v = f[c]
            cells.append(f"<td>{v:.4f}</td>" if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="demo_output")
    args = parser.parse_args()
    out = Path(args.output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "mexico_resilience.gpkg"
    if gpkg.exists():
        gpkg.unlink()

    app, _provider = start_qgis()
    import processing
    from qgis.core import QgsVectorLayer

    from regional_resilience.algorithms.outputs.styles import apply_styles, lisa_style

    common = {"INPUT": str(DATA), "ID_FIELD": "POLY_ID", "WEIGHTS": 0}
    weights = processing.run("regional_resilience:buildweights", dict(
        common, OUTPUT="TEMPORARY_OUTPUT", WEIGHTS_OUTPUT=str(out / "mexico.gal")))
    moran = processing.run("regional_resilience:globalmoran", dict(
        common, FIELDS=FIELDS, PERMUTATIONS=999, SEED=12345,
        OUTPUT=f"ogr:dbname='{gpkg}' table=\"global_moran\""))
    lisa = processing.run("regional_resilience:localmoran", dict(
        common, FIELDS=FIELDS, PERMUTATIONS=999, SEED=12345, ALPHA=0.05,
        OUTPUT=f"ogr:dbname='{gpkg}' table=\"lisa\" (geom)",
        SUMMARY=f"ogr:dbname='{gpkg}' table=\"lisa_summary\""))

    layer = QgsVectorLayer(f"{gpkg}|layername=lisa", "Mexico LISA", "ogr")
    cluster_fields = [f"lisa_cl_{y}" for y in YEARS]
    apply_styles(layer, [lisa_style(cluster_fields)])
    maps = []
    for year in ("1940", "2000"):
        layer.styleManager().setCurrentStyle(f"LISA lisa_cl_{year}")
        png = out / f"lisa_{year}.png"
        render_png(layer, png)
        maps.append((year, png.name))
    layer.styleManager().setCurrentStyle("LISA lisa_cl_2000")
    layer.saveStyleToDatabase("LISA 2000", "LISA cluster map, 2000", True, "")

    moran_layer = QgsVectorLayer(f"{gpkg}|layername=global_moran", "moran", "ogr")
    summary_layer = QgsVectorLayer(f"{gpkg}|layername=lisa_summary", "summary", "ogr")
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Regional Resilience demo: Mexican states 1940-2000</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}</style>
</head><body>
<h1>Spatial autocorrelation of per-capita GDP, Mexican states 1940-2000</h1>
<p>Data: libpysal example <i>mexico</i> (Rey and Sastre-Gutierrez 2010). Queen contiguity
from the polygons ({weights['MEAN_NEIGHBOURS']:.2f} neighbours on average, {weights['ISLAND_COUNT']}
islands), row-standardised; 999 permutations, seed 12345.</p>
<h2>Global Moran's I</h2>
{table_html(moran_layer, ['period', 'I', 'z_rand', 'p_rand', 'p_sim'])}
<h2>LISA clusters (pseudo p < 0.05)</h2>
{table_html(summary_layer, ['period', 'high_high', 'low_low', 'low_high', 'high_low', 'not_significant'])}
{''.join(f'<h3>{y}</h3><img src="{p}" width="800">' for y, p in maps)}
<p>Outputs: {html.escape(gpkg.name)} (layers lisa, global_moran, lisa_summary; the lisa layer opens
with its saved LISA cluster style for 2000, field lisa_cl_&lt;year&gt; for the other decades), mexico.gal.</p>
</body></html>"""
    (out / "summary.html").write_text(page, encoding="utf-8")
    del layer, moran_layer, summary_layer
    print(f"GeoPackage: {gpkg}")
    print(f"Weights:    {out / 'mexico.gal'}")
    print(f"Summary:    {out / 'summary.html'}")
    assert lisa["OUTPUT"] and moran["OUTPUT"]
    app.exitQgis()


if __name__ == "__main__":
    main()
