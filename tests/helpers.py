"""Small helpers shared by the QGIS-side tests."""
import numpy as np
from qgis.core import QgsVectorLayer


def layer(path, name=None):
    lyr = QgsVectorLayer(str(path), name or "test", "ogr")
    assert lyr.isValid(), path
    return lyr


def column(lyr, field):
    """A field of a layer as a float array (NULL -> NaN), in feature order."""
    idx = lyr.fields().lookupField(field)
    assert idx >= 0, f"{field} not in {[f.name() for f in lyr.fields()]}"
    out = []
    for f in lyr.getFeatures():
        v = f.attributes()[idx]
        out.append(np.nan if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
    return np.array(out, dtype=float) if not isinstance(out[0], str) else np.array(out, dtype=object)


def rows(lyr):
    """Table rows as dicts."""
    names = [f.name() for f in lyr.fields()]
    return [dict(zip(names, f.attributes())) for f in lyr.getFeatures()]


def grid_layer(nx, ny, fields="v:double", values=None, crs="EPSG:3857", size=1000.0, extra=()):
    """A memory polygon layer of nx x ny square cells (row-major from the
    bottom left), with attribute rows ``values`` (list of lists) and extra
    polygons given as WKT in ``extra`` (appended after the grid)."""
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    field_spec = "&".join(f"field={f}" for f in fields.split(","))
    lyr = QgsVectorLayer(f"Polygon?crs={crs}&{field_spec}", "grid", "memory")
    feats = []
    wkts = []
    for j in range(ny):
        for i in range(nx):
            x0, y0 = i * size, j * size
            wkts.append(f"POLYGON(({x0} {y0},{x0 + size} {y0},{x0 + size} {y0 + size},"
                        f"{x0} {y0 + size},{x0} {y0}))")
    wkts += list(extra)
    for k, wkt in enumerate(wkts):
        f = QgsFeature(lyr.fields())
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        if values is not None:
            f.setAttributes(list(values[k]))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    return lyr


_STUDY_COPY = []


def study_provinces():
    """The 31 provinces of the studies (``in_study = 1``) as a layer of a
    copy of tests/data/china_provinces.gpkg, made once per session: QGIS's
    OGR provider writes to a GeoPackage when a subset string is set on it
    (its header's change counter), and the test data must not change."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    if not _STUDY_COPY:
        folder = Path(tempfile.mkdtemp(prefix="rr_study_"))
        atexit.register(shutil.rmtree, folder, True)
        target = folder / "china_provinces.gpkg"
        shutil.copy(Path(__file__).parent / "data" / "china_provinces.gpkg", target)
        _STUDY_COPY.append(target)
    lyr = QgsVectorLayer(f"{_STUDY_COPY[0]}|layername=china_provinces", "provinces", "ogr")
    assert lyr.isValid() and lyr.setSubsetString("in_study = 1") and lyr.featureCount() == 31
    return lyr
