"""tests/data/china_provinces.gpkg and china_panel.gpkg: contents and contiguity.

Read with sqlite3 only (no QGIS, no GDAL). See tests/data/ATTRIBUTION.md.
"""
import importlib.util
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from regional_resilience.core.contiguity import contiguity_weights
from regional_resilience.core.geometry import parse_wkb_polygons

pytestmark = pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")

DATA = Path(__file__).parents[1] / "data"
PROVINCES = DATA / "china_provinces.gpkg"
PANEL = DATA / "china_panel.gpkg"
INDICATORS = ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment", "green_cover"]
REGIONS = {"east": 10, "central": 6, "west": 12, "northeast": 3}
YEARS = list(range(2013, 2021))
HAINAN = "460000"
# The real land borders of a few provinces (queen = rook here).
KNOWN = {
    "110000": {"120000", "130000"},  # Beijing: Tianjin, Hebei
    "130000": {"110000", "120000", "140000", "150000", "210000", "370000", "410000"},  # Hebei
    "150000": {"130000", "140000", "210000", "220000", "230000", "610000", "620000", "640000"},  # Inner Mongolia
    "310000": {"320000", "330000"},  # Shanghai: Jiangsu, Zhejiang
    "500000": {"420000", "430000", "510000", "520000", "610000"},  # Chongqing
    "650000": {"540000", "620000", "630000"},  # Xinjiang: Tibet, Gansu, Qinghai
}


def _rows(path, sql):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _gpkg_wkb(blob):
    """The WKB of a GeoPackage geometry blob (header and envelope stripped)."""
    blob = bytes(blob)
    assert blob[:2] == b"GP"
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return blob[8 + envelope :]


@pytest.fixture(scope="module")
def provinces():
    rows = _rows(PROVINCES, "SELECT code, name_en, name_zh, region4, in_study, geom FROM china_provinces ORDER BY code")
    return [dict(zip(("code", "name_en", "name_zh", "region4", "in_study", "geom"), r)) for r in rows]


@pytest.fixture(scope="module")
def study(provinces):
    return [p for p in provinces if p["in_study"] == 1]


@pytest.fixture(scope="module")
def panel():
    cols = ", ".join(["code", "year"] + INDICATORS)
    return _rows(PANEL, f"SELECT {cols} FROM indicators ORDER BY code, year")


# -- the borders ------------------------------------------------------------------


def test_layer_is_multipolygon_in_wgs84():
    (row,) = _rows(PROVINCES, "SELECT geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = 'china_provinces'")
    assert row == ("MULTIPOLYGON", 4326)


def test_units_codes_and_names(provinces, study):
    codes = [p["code"] for p in provinces]
    assert len(codes) == len(set(codes)) == 34
    assert all(len(c) == 6 and c.isdigit() and c.endswith("0000") for c in codes)
    assert len(study) == 31
    assert sorted(p["code"] for p in provinces if p["in_study"] == 0) == ["710000", "810000", "820000"]
    assert all(p["in_study"] in (0, 1) for p in provinces)
    assert all(p["name_en"] and p["name_zh"] for p in provinces)
    by_code = {p["code"]: p for p in provinces}
    assert by_code["110000"]["name_en"] == "Beijing" and by_code["110000"]["name_zh"] == "北京"
    assert by_code["150000"]["name_zh"] == "内蒙古" and by_code["540000"]["name_en"] == "Tibet"


def test_every_unit_has_a_region(provinces, study):
    assert all(p["region4"] for p in provinces)
    assert {p["region4"] for p in provinces if p["in_study"] == 0} == {"other"}
    counts = {}
    for p in study:
        counts[p["region4"]] = counts.get(p["region4"], 0) + 1
    assert counts == REGIONS
    by_name = {p["name_en"]: p["region4"] for p in study}
    assert by_name["Hainan"] == "east" and by_name["Guangxi"] == "west"
    assert by_name["Inner Mongolia"] == "west" and by_name["Shanxi"] == "central"


def test_geometries_parse(provinces):
    ps = parse_wkb_polygons([_gpkg_wkb(p["geom"]) for p in provinces])
    assert ps.n == 34 and len(ps.empty) == 0
    assert np.all(ps.coords[:, 0] > 73) and np.all(ps.coords[:, 0] < 136)  # lon/lat
    assert np.all(ps.coords[:, 1] > 18) and np.all(ps.coords[:, 1] < 54)
    by_code = dict(zip((p["code"] for p in provinces), ps.part_counts))
    assert by_code[HAINAN] == 1 and by_code["330000"] > 1  # Zhejiang's islands


def _weights(units, rule="queen", tolerance=0.0):
    ps = parse_wkb_polygons([_gpkg_wkb(p["geom"]) for p in units])
    w = contiguity_weights(ps, rule, tolerance=tolerance)
    codes = [p["code"] for p in units]
    return {codes[i]: {codes[j] for j in s} for i, s in enumerate(w.neighbor_sets())}


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_hainan_is_the_only_island(study, rule):
    nb = _weights(study, rule)
    assert nb[HAINAN] == set()
    assert all(nb[c] for c in nb if c != HAINAN)
    assert sum(len(s) for s in nb.values()) == 2 * 68


def test_known_borders(study):
    nb = _weights(study)
    for code, expected in KNOWN.items():
        assert nb[code] == expected, code


def test_no_tolerance_needed(study):
    assert _weights(study, tolerance=1 / 1024) == _weights(study)


def test_all_34_units(provinces):
    nb = _weights(provinces)
    assert {c for c, s in nb.items() if not s} == {HAINAN, "710000"}  # Hainan, Taiwan
    assert nb["810000"] == nb["820000"] == {"440000"}  # Hong Kong, Macau: Guangdong


# -- the panel --------------------------------------------------------------------


def test_panel_is_complete(panel, study):
    assert len(panel) == 31 * len(YEARS)
    keys = [(r[0], r[1]) for r in panel]
    assert len(set(keys)) == len(keys)
    expected = {(p["code"], y) for p in study for y in YEARS}
    assert set(keys) == expected
    assert all(v is not None for r in panel for v in r)


def test_panel_has_no_nulls_in_sql():
    cols = ["code", "year"] + INDICATORS
    nulls = " + ".join(f"({c} IS NULL)" for c in cols)
    ((count,),) = _rows(PANEL, f"SELECT SUM({nulls}) FROM indicators")
    assert count == 0
    (row,) = _rows(PANEL, "SELECT data_type FROM gpkg_contents WHERE table_name = 'indicators'")
    assert row == ("attributes",)


def test_panel_is_plausible(panel, study):
    region = {p["code"]: p["region4"] for p in study}
    values = np.array([r[2:] for r in panel], dtype=float).reshape(31, len(YEARS), len(INDICATORS))
    regions = np.array([region[r[0]] for r in panel[:: len(YEARS)]])
    assert np.all(values[..., [0, 1, 2, 3, 5]] > 0)
    assert np.all((values[..., 4] > 1) & (values[..., 4] < 6))  # unemployment, %
    assert np.all((values[..., 5] > 20) & (values[..., 5] < 50))  # green cover, %
    east, west = values[regions == "east"].mean(axis=0), values[regions == "west"].mean(axis=0)
    for k, name in enumerate(INDICATORS):
        if name == "unemployment":
            assert np.all(east[:, k] < west[:, k])
        else:
            assert np.all(east[:, k] > west[:, k]), name
            assert east[-1, k] > east[0, k] and west[-1, k] > west[0, k], name


def test_panel_matches_its_generator(panel):
    spec = importlib.util.spec_from_file_location("make_china_panel", DATA / "make_china_panel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    codes, years, values = module.simulate()
    assert [r[0] for r in panel[:: len(YEARS)]] == codes
    assert_array_equal(years, YEARS)
    for k, name in enumerate(INDICATORS):
        stored = np.array([r[2 + k] for r in panel]).reshape(len(codes), len(years))
        assert_array_equal(stored, values[name], err_msg=name)


def test_employment_tables():
    import sqlite3

    con = sqlite3.connect(DATA / "china_employment.gpkg")
    rows = con.execute("select code, year, industry, jobs from employment").fetchall()
    totals = {(c, y): j for c, y, j in con.execute("select code, year, jobs from jobs_total")}
    assert len(rows) == 31 * 8 * 5 and len(totals) == 31 * 8
    assert all(j is not None and j > 0 for *_, j in rows)
    summed = {}
    for c, y, _, j in rows:
        summed[(c, y)] = summed.get((c, y), 0.0) + j
    assert summed == totals
    assert {i for _, _, i, _ in rows} == {"agriculture", "manufacturing", "construction", "services", "digital"}
