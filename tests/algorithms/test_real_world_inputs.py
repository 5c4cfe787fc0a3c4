"""Real-world inputs through the tools: longitude/latitude layers with
distance weights, ids that differ in type or leading zeros, weights files
with islands."""
import numpy as np
import pytest
from qgis.core import QgsProcessingException

from regional_resilience.core import distance_weights, geometry
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows
from tests.references import reference

CHINA = str(DATA / "china_provinces.gpkg")
LISA = {"OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT", "PERMUTATIONS": 99}


def _centroids(path):
    lyr = layer(path)
    wkbs = [bytes(f.geometry().asWkb()) for f in lyr.getFeatures()]
    codes = [f["code"] for f in lyr.getFeatures()]
    return geometry.polygon_centroids(geometry.parse_wkb_polygons(wkbs)), codes


def _read_gwt(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    pairs = {}
    for line in lines[1:]:
        i, j, _ = line.split()
        pairs.setdefault(i, set()).add(j)
    return lines[0], pairs


def test_knn_on_longitude_latitude_uses_great_circle_distance(run_alg, tmp_path):
    """China's 34 provincial units in EPSG:4326: k nearest neighbours by arc
    distance, equal to libpysal's KNN with the Earth's radius."""
    gwt = tmp_path / "china_knn.gwt"
    res, log = run_alg("buildweights", {"INPUT": CHINA, "ID_FIELD": "code", "WEIGHTS": 2, "K": 4,
                                        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": str(gwt)})
    assert "great-circle" in log and "kilometres" in log
    header, pairs = _read_gwt(gwt)
    assert header.split()[2].endswith("[km-arc]") and len(header.split()) == 4
    pts, codes = _centroids(CHINA)
    libpysal = reference("libpysal")
    ref = libpysal.weights.KNN(pts, k=4, radius=distance_weights.EARTH_RADIUS_KM)
    expected = {codes[i]: {codes[j] for j in nb} for i, nb in ref.neighbors.items()}
    assert pairs == expected
    # planar KNN on degrees would differ somewhere (high latitudes): the test can tell
    planar = libpysal.weights.KNN(pts, k=4)
    assert any(set(planar.neighbors[i]) != set(ref.neighbors[i]) for i in range(len(codes)))
    assert res["MEAN_NEIGHBOURS"] == 4


def test_distance_band_in_kilometres(run_alg, tmp_path):
    gwt = tmp_path / "band.gwt"
    run_alg("buildweights", {"INPUT": CHINA, "ID_FIELD": "code", "WEIGHTS": 3, "DISTANCE": 800,
                             "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_OUTPUT": str(gwt)})
    _, pairs = _read_gwt(gwt)
    pts, codes = _centroids(CHINA)
    lon, lat = np.radians(pts[:, 0]), np.radians(pts[:, 1])
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    km = 2 * distance_weights.EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    expected = {codes[i]: {codes[j] for j in np.flatnonzero((km[i] <= 800) & (np.arange(len(codes)) != i))}
                for i in range(len(codes))}
    assert {k: v for k, v in expected.items() if v} == pairs


def test_fips_codes_of_other_type_are_named_and_matched_on_request(run_alg):
    """US48: the layer's STATE_FIPS is text ('01'), the long table's fips an
    integer (1): refused with the reason, then matched with the option."""
    params = dict(LISA, INPUT=str(DATA / "us48.gpkg"), ID_FIELD="STATE_FIPS",
                  TABLE=str(DATA / "us_income_long.gpkg"), TABLE_ID_FIELD="fips",
                  TABLE_PERIOD_FIELD="year", TABLE_VALUE_FIELDS=["income"])
    with pytest.raises(QgsProcessingException,
                       match=r"match no polygon: 1, 4, 5.*would match after ignoring type and leading "
                             r"zeros \(table 1 = layer '01'.*tick 'Match ids ignoring type"):
        run_alg("localmoran", params)
    res, _ = run_alg("localmoran", dict(params, MATCH_IDS=True))
    by_name, _ = run_alg("localmoran", dict(params, ID_FIELD="STATE_NAME", TABLE_ID_FIELD="state"))
    for name in ("lisa_i_1929", "lisa_p_2009", "lisa_cl_1970"):
        np.testing.assert_array_equal(column(res["OUTPUT"], name), column(by_name["OUTPUT"], name))


def test_weights_file_with_an_island_is_attached(run_alg, tmp_path):
    """A .gal whose weights leave a region without neighbours, with 'attach
    islands': the island gets its nearest region (the weights-file path used
    to ignore the island policy)."""
    island = "POLYGON((10000 10000,11000 10000,11000 11000,10000 11000,10000 10000))"
    values = [[f"r{k}", float((k * 7) % 5 + k)] for k in range(10)]
    grid = grid_layer(3, 3, fields="name:string,v:double", values=values, extra=[island])
    gal = tmp_path / "grid.gal"
    run_alg("buildweights", {"INPUT": grid, "ID_FIELD": "name", "OUTPUT": "TEMPORARY_OUTPUT",
                             "WEIGHTS_OUTPUT": str(gal)})
    assert "r9 0" in open(gal).read()  # the island, written without neighbours
    params = dict(LISA, INPUT=grid, ID_FIELD="name", FIELDS=["v"], WEIGHTS=4, WEIGHTS_FILE=str(gal))
    kept, log = run_alg("localmoran", params)
    assert column(kept["OUTPUT"], "lisa_cl_v")[9] == 5  # no neighbours
    attached, log = run_alg("localmoran", dict(params, ISLANDS=1))
    assert "Attached 1 region(s)" in log and "r9" in log
    assert column(attached["OUTPUT"], "lisa_cl_v")[9] != 5
    # the island's nearest region by centroid is r8 (the top-right cell): its
    # local I uses r8's value as the only neighbour
    v = np.array([row[1] for row in values])
    z = v - v.mean()
    expected = len(v) / (z @ z) * z[9] * z[8] * (len(v) - 1) / len(v)
    got = column(attached["OUTPUT"], "lisa_i_v")[9]
    assert got == pytest.approx(expected, rel=1e-12)
    assert rows(kept["SUMMARY"])[0]["no_neighbours"] == 1
