"""Rebuild the GeoPackages in tests/data from the datasets libpysal ships.

Run once with the project's virtualenv (``.venv/bin/python tests/data/make_data.py``);
the results are committed so the tests and the demo need no download.
See ATTRIBUTION.md for the sources.
"""
import csv
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402

import libpysal  # noqa: E402  (reference data only)
from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsFields,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

HERE = Path(__file__).parent


def copy_shapefile(shp, target, crs=None):
    layer = QgsVectorLayer(str(shp), target.stem, "ogr")
    assert layer.isValid(), shp
    if crs is not None:
        layer.setCrs(QgsCoordinateReferenceSystem(crs))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = target.stem
    err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(target), QgsCoordinateTransformContext(), options)
    assert err[0] == QgsVectorFileWriter.WriterError.NoError, err


def us_income_long(target):
    """usjoin.csv (wide, 1929-2009) as a long table: state, fips, year, income."""
    sys.path.insert(0, str(HERE.parents[1]))
    from regional_resilience import compat

    fields = QgsFields()
    for name, kind in (("state", "string"), ("fips", "int"), ("year", "int"), ("income", "double")):
        fields.append(compat.make_field(name, kind))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "us_income_long"
    writer = QgsVectorFileWriter.create(
        str(target), fields, compat.WKB_NO_GEOMETRY, QgsCoordinateReferenceSystem(),
        QgsCoordinateTransformContext(), options,
    )
    with open(libpysal.examples.get_path("usjoin.csv"), newline="") as f:
        rows = list(csv.reader(f))
    years = rows[0][2:]
    for row in rows[1:]:
        for year, value in zip(years, row[2:]):
            feat = QgsFeature(fields)
            feat.setAttributes([row[0], int(row[1]), int(year), float(value)])
            writer.addFeature(feat)
    del writer


def main():
    app = QgsApplication([], False)
    app.initQgis()
    copy_shapefile(libpysal.examples.get_path("columbus.shp"), HERE / "columbus.gpkg")
    copy_shapefile(libpysal.examples.get_path("mexicojoin.shp"), HERE / "mexico.gpkg", "EPSG:4326")
    copy_shapefile(libpysal.examples.get_path("us48.shp"), HERE / "us48.gpkg", "EPSG:4269")
    copy_shapefile(libpysal.examples.get_path("sids2.shp"), HERE / "sids2.gpkg", "EPSG:4269")
    us_income_long(HERE / "us_income_long.gpkg")
    app.exitQgis()


if __name__ == "__main__":
    main()
