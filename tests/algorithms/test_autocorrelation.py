"""Global and local Moran's I through Processing, against PySAL esda on real data."""
import esda
import libpysal
import numpy as np
import pytest
from qgis.core import QgsFeature, QgsProcessingException

from tests.conftest import DATA
from tests.helpers import column, layer, rows

YEARS = [1940, 1950, 1960, 1970, 1980, 1990, 2000]
MEXICO_FIELDS = [f"PCGDP{y}" for y in YEARS]


@pytest.fixture(scope="module")
def mexico_w():
    w = libpysal.weights.Queen.from_shapefile(libpysal.examples.get_path("mexicojoin.shp"))
    w.transform = "r"
    return w


@pytest.fixture(scope="module")
def mexico_y():
    db = libpysal.io.open(libpysal.examples.get_path("mexicojoin.dbf"))
    return np.column_stack([db.by_col(f) for f in MEXICO_FIELDS])


def test_global_moran_columbus_crime_table(run_alg):
    """The table's own columns (the comparison with esda is the data-driven
    case globalmoran-columbus-crime-esda in cases/autocorrelation.toml)."""
    res, log = run_alg("globalmoran", {
        "INPUT": str(DATA / "columbus.gpkg"), "FIELDS": ["CRIME"],
        "PERMUTATIONS": 999, "SEED": 7, "OUTPUT": "TEMPORARY_OUTPUT",
    })
    table = rows(res["OUTPUT"])
    assert len(table) == 1
    row = table[0]
    assert row["I"] == pytest.approx(0.5002, abs=1e-3)  # the well-known value
    assert row["permutations"] == 999 and row["seed"] == 7
    assert row["variable"] == "CRIME" and row["n"] == 49
    assert "I = 0.50" in log


def test_global_moran_mexico_periods(run_alg):
    res, _ = run_alg("globalmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": MEXICO_FIELDS,
        "PERMUTATIONS": 99, "OUTPUT": "TEMPORARY_OUTPUT",
    })
    table = rows(res["OUTPUT"])
    assert [r["period"] for r in table] == [str(y) for y in YEARS]
    assert [r["variable"] for r in table] == MEXICO_FIELDS


def test_local_moran_mexico_matches_esda(run_alg, data_copy, mexico_w, mexico_y):
    path = data_copy("mexico.gpkg")
    before = [f.attributes() for f in layer(path).getFeatures()]
    res, log = run_alg("localmoran", {
        "INPUT": str(path), "FIELDS": MEXICO_FIELDS, "PERMUTATIONS": 999, "SEED": 12345,
        "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT",
    })
    out = res["OUTPUT"]
    assert out.featureCount() == 32
    summary = rows(res["SUMMARY"])
    for k, year in enumerate(YEARS):
        ref = esda.Moran_Local(mexico_y[:, k], mexico_w, permutations=999, seed=12345)
        np.testing.assert_allclose(column(out, f"lisa_i_{year}"), ref.Is, rtol=1e-10)
        np.testing.assert_array_equal(column(out, f"lisa_p_{year}"), ref.p_sim)
        np.testing.assert_array_equal(column(out, f"lisa_q_{year}"), ref.q)
        np.testing.assert_allclose(column(out, f"lisa_z_{year}"), ref.z_sim, rtol=1e-8)
        sig = ref.p_sim < 0.05  # strictly below, as esda
        expected = np.where(sig, ref.q, 0)
        np.testing.assert_array_equal(column(out, f"lisa_cl_{year}"), expected)
        s = summary[k]
        assert s["period"] == str(year)
        assert s["high_high"] == np.sum(expected == 1)
        assert s["low_low"] == np.sum(expected == 3)
        assert s["not_significant"] == np.sum(expected == 0)
    labels = column(out, "lisa_lb_2000")
    assert set(labels) <= {"Not significant", "High-High", "Low-High", "Low-Low", "High-Low"}
    # the input is never modified
    after = [f.attributes() for f in layer(path).getFeatures()]
    assert after == before
    assert "High-High" in log


def test_local_moran_fdr_uses_esda_threshold(run_alg, mexico_w, mexico_y):
    res, _ = run_alg("localmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP2000"], "FDR": True, "ALPHA": 0.1,
        "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT",
    })
    ref = esda.Moran_Local(mexico_y[:, -1], mexico_w, permutations=999, seed=12345)
    threshold = esda.fdr(ref.p_sim, 0.1)
    expected = np.where(ref.p_sim < threshold, ref.q, 0)
    np.testing.assert_array_equal(column(res["OUTPUT"], "lisa_cl_2000"), expected)
    assert rows(res["SUMMARY"])[0]["p_threshold"] == pytest.approx(threshold)


def test_long_table_equals_wide_fields(run_alg, tmp_path):
    """US state incomes: the long table joined by state name gives the same
    Moran's I as wide fields with the same values."""
    from qgis.core import QgsFeature, QgsVectorLayer

    us = layer(DATA / "us48.gpkg")
    long_tbl = layer(DATA / "us_income_long.gpkg")
    by_state = {}
    for f in long_tbl.getFeatures():
        by_state.setdefault(f["state"], {})[f["year"]] = f["income"]
    # a wide copy of us48 with fields inc1929, inc1969, inc2009
    wide = QgsVectorLayer("MultiPolygon?crs=EPSG:4269&field=STATE_NAME:string"
                          "&field=inc1929:double&field=inc1969:double&field=inc2009:double",
                          "wide", "memory")
    feats = []
    for f in us.getFeatures():
        g = QgsFeature(wide.fields())
        g.setGeometry(f.geometry())
        name = f["STATE_NAME"]
        g.setAttributes([name, by_state[name][1929], by_state[name][1969], by_state[name][2009]])
        feats.append(g)
    wide.dataProvider().addFeatures(feats)

    res_wide, _ = run_alg("globalmoran", {
        "INPUT": wide, "ID_FIELD": "STATE_NAME", "FIELDS": ["inc1929", "inc1969", "inc2009"],
        "PERMUTATIONS": 99, "OUTPUT": "TEMPORARY_OUTPUT"})
    res_long, _ = run_alg("globalmoran", {
        "INPUT": str(DATA / "us48.gpkg"), "ID_FIELD": "STATE_NAME",
        "TABLE": str(DATA / "us_income_long.gpkg"), "TABLE_ID_FIELD": "state",
        "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["income"],
        "PERMUTATIONS": 99, "OUTPUT": "TEMPORARY_OUTPUT"})
    t_wide = {r["period"]: r for r in rows(res_wide["OUTPUT"])}
    t_long = {r["period"]: r for r in rows(res_long["OUTPUT"])}
    assert len(t_long) == 81  # 1929-2009
    for year in ("1929", "1969", "2009"):
        for key in ("I", "z_rand", "p_sim"):
            assert t_long[year][key] == pytest.approx(t_wide[year][key], abs=1e-12)
    # and against esda with libpysal's own states48.gal on the same values
    # (the .gal follows the row order of usjoin.csv, i.e. of the long table)
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    names = list(dict.fromkeys(f["state"] for f in long_tbl.getFeatures()))
    y = np.array([by_state[n][2009] for n in names])[[int(i) for i in w.id_order]]
    ref = esda.Moran(y, w, permutations=0)
    assert t_long["2009"]["I"] == pytest.approx(ref.I, abs=1e-10)


@pytest.mark.parametrize("alg_id", ["globalmoran", "localmoran"])
def test_lisa_and_moran_refuse_bad_input(run_alg, alg_id):
    base = {"INPUT": str(DATA / "columbus.gpkg"), "OUTPUT": "TEMPORARY_OUTPUT",
            "SUMMARY": "TEMPORARY_OUTPUT"}
    if alg_id == "globalmoran":
        base.pop("SUMMARY")
    with pytest.raises(QgsProcessingException, match="value fields"):
        run_alg(alg_id, dict(base))
    # a geographic CRS whose coordinates are not longitudes/latitudes
    with pytest.raises(QgsProcessingException, match=r"span longitude 506.*wrong CRS"):
        run_alg(alg_id, dict(base, INPUT=_mislabelled_columbus(), FIELDS=["CRIME"], WEIGHTS=2))


def _mislabelled_columbus():
    """Columbus (projected coordinates) declared as EPSG:4326."""
    src = layer(DATA / "columbus.gpkg")
    from qgis.core import QgsVectorLayer

    out = QgsVectorLayer("Polygon?crs=EPSG:4326&field=CRIME:double", "wrong crs", "memory")
    feats = []
    for f in src.getFeatures():
        g = f.geometry()
        g.translate(500.0, 500.0)  # beyond 180 degrees
        f2 = QgsFeature(out.fields())
        f2.setGeometry(g)
        f2.setAttributes([f["CRIME"]])
        feats.append(f2)
    out.dataProvider().addFeatures(feats)
    return out
