"""Write a synthetic indicator panel for China's 31 mainland provinces, 2013-2020.

The values are SYNTHETIC: made by the seeded model below to look plausible
(an east-west gradient, growth over the years, noise), not statistics. Use
them to exercise the plugin, never as data about China.

Output: ``china_panel.gpkg`` beside this script, one attribute table
(no geometry) ``indicators`` in long form, one row per province and year
(31 x 8 = 248 rows, no NULLs), joinable to ``china_provinces.gpkg`` on
``code`` (the synthetic employment tables ``employment``, by industry, and
``jobs_total`` go to ``china_employment.gpkg``, see
:func:`simulate_employment`):

=============  =======  ========================================  ========
field          type     meaning                                   system
=============  =======  ========================================  ========
code           text     6-digit division code, e.g. '110000'
year           integer  2013 ... 2020
fiber_km       real     optical fibre cable length, km            NI +
data_centres   integer  data centres in operation, count          NI +
patents_5g     integer  5G-related patent applications, count     NI +
gdp_pc         real     GDP per capita, yuan                      RR +
unemployment   real     registered urban unemployment rate, %     RR -
green_cover    real     green coverage of built-up areas, %       RR +
=============  =======  ========================================  ========

NI = new infrastructure, RR = regional resilience; + a positive indicator,
- a negative one (lower is better).

Model, for province i (region r(i)) and year t = year - 2013 (0 ... 7):

* development level ``z_i = a[r(i)] + m_i + u_i`` with region means
  a = east 0.6, northeast -0.1, central -0.15, west -0.4; m_i = +0.5 for
  Beijing and Shanghai, +0.3 for Tianjin, else 0; u_i ~ N(0, 0.2);
* size ``s_i = -0.9`` for Tibet, Qinghai, Ningxia and Hainan, -0.4 for the
  four municipalities, else 0, plus N(0, 0.3);
* ``gdp_pc = 40000 exp(0.75 z_i) exp(G_it + e)``, G the growth cumulated
  from 0 in 2013 with yearly rate ``0.075 - 0.012 z_i - 0.002 t +
  N(0, 0.004)`` (poorer provinces grow faster; growth slows), 0.02 in 2020;
  e ~ N(0, 0.015);
* ``unemployment = 3.3 - 0.45 z_i - 0.04 t + 0.35 [2020] + N(0, 0.12)``,
  clipped to [1.2, 5.0];
* ``green_cover = 38 + 2.2 z_i + 0.3 t + N(0, 0.5)``, clipped to [30, 46];
* ``fiber_km = 450000 exp(0.5 z_i + s_i + 0.11 t + N(0, 0.03))``;
* ``data_centres = max(1, round(10 exp(0.9 z_i + 0.5 s_i + 0.13 t + N(0, 0.12))))``;
* ``patents_5g = max(1, round(6 exp(1.5 z_i + 0.3 s_i + 0.42 t + N(0, 0.2))))``.

All draws come from ``numpy.random.RandomState(SEED)`` -- the legacy
generator, whose stream numpy keeps frozen across versions -- in a fixed
order (province effects, then indicator by indicator, year-major); values
are rounded (money and lengths to whole units, rates to 2 decimals). The
GeoPackage timestamps are pinned, so every run writes the same values and,
with the same GDAL, the same bytes::

    .venv/bin/python tests/data/make_china_panel.py
"""
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from make_china import FIXED_DATE, PROVINCES  # noqa: E402

TARGET = HERE / "china_panel.gpkg"
LAYER = "indicators"
SEED = 20130101
YEARS = np.arange(2013, 2021)
REGION_MEAN = {"east": 0.6, "northeast": -0.1, "central": -0.15, "west": -0.4}
METRO_BONUS = {"Beijing": 0.5, "Shanghai": 0.5, "Tianjin": 0.3}
SMALL = {"Tibet": -0.9, "Qinghai": -0.9, "Ningxia": -0.9, "Hainan": -0.9,
         "Beijing": -0.4, "Tianjin": -0.4, "Shanghai": -0.4, "Chongqing": -0.4}
# (name, OGR type, system, direction)
INDICATORS = [
    ("fiber_km", "real", "new infrastructure", "+"),
    ("data_centres", "integer", "new infrastructure", "+"),
    ("patents_5g", "integer", "new infrastructure", "+"),
    ("gdp_pc", "real", "regional resilience", "+"),
    ("unemployment", "real", "regional resilience", "-"),
    ("green_cover", "real", "regional resilience", "+"),
]


def simulate(seed=SEED):
    """(codes, years, {indicator: array (n_provinces, n_years)})."""
    rng = np.random.RandomState(seed)
    codes = [p[0] for p in PROVINCES]
    names = [p[2] for p in PROVINCES]
    n, T = len(PROVINCES), len(YEARS)
    t = np.arange(T, dtype=float)[None, :]
    covid = (YEARS == 2020).astype(float)[None, :]

    z = np.array([REGION_MEAN[p[3]] + METRO_BONUS.get(p[2], 0.0) for p in PROVINCES])
    z = (z + rng.normal(0.0, 0.2, n))[:, None]
    s = np.array([SMALL.get(name, 0.0) for name in names])
    s = (s + rng.normal(0.0, 0.3, n))[:, None]

    rate = 0.075 - 0.012 * z - 0.002 * t + rng.normal(0.0, 0.004, (n, T))
    rate = np.where(covid > 0, 0.02, rate)
    rate[:, 0] = 0.0  # 2013 is the base year
    growth = np.cumsum(rate, axis=1)
    gdp_pc = 40000.0 * np.exp(0.75 * z) * np.exp(growth + rng.normal(0.0, 0.015, (n, T)))

    unemployment = 3.3 - 0.45 * z - 0.04 * t + 0.35 * covid + rng.normal(0.0, 0.12, (n, T))
    unemployment = np.clip(unemployment, 1.2, 5.0)
    green_cover = np.clip(38.0 + 2.2 * z + 0.3 * t + rng.normal(0.0, 0.5, (n, T)), 30.0, 46.0)

    fiber_km = 450000.0 * np.exp(0.5 * z + s + 0.11 * t + rng.normal(0.0, 0.03, (n, T)))
    data_centres = 10.0 * np.exp(0.9 * z + 0.5 * s + 0.13 * t + rng.normal(0.0, 0.12, (n, T)))
    patents_5g = 6.0 * np.exp(1.5 * z + 0.3 * s + 0.42 * t + rng.normal(0.0, 0.2, (n, T)))

    values = {
        "fiber_km": np.round(fiber_km),
        "data_centres": np.maximum(1, np.round(data_centres)).astype(np.int64),
        "patents_5g": np.maximum(1, np.round(patents_5g)).astype(np.int64),
        "gdp_pc": np.round(gdp_pc),
        "unemployment": np.round(unemployment, 2),
        "green_cover": np.round(green_cover, 2),
    }
    return codes, YEARS.copy(), values


INDUSTRIES = ["agriculture", "manufacturing", "construction", "services", "digital"]


def simulate_employment(seed=SEED + 1):
    """Employment by industry, thousand jobs: ``(codes, years, {industry:
    array (n, t)})``, from its own generator (the indicators above do not
    change). Model: ``jobs = b_k exp(c_k z_i + s_i + g_k t + 2020 dip +
    N(0, 0.03))`` with the development level ``z_i`` and size ``s_i`` drawn
    as above; agriculture shrinks (g = -0.03) and weighs more in poorer
    provinces (c = -0.8), digital grows fastest (g = 0.12, c = 1.2)."""
    rng = np.random.RandomState(seed)
    codes = [p[0] for p in PROVINCES]
    names = [p[2] for p in PROVINCES]
    n, T = len(PROVINCES), len(YEARS)
    t = np.arange(T, dtype=float)[None, :]
    covid = (YEARS == 2020).astype(float)[None, :]
    z = np.array([REGION_MEAN[p[3]] + METRO_BONUS.get(p[2], 0.0) for p in PROVINCES])
    z = (z + rng.normal(0.0, 0.2, n))[:, None]
    s = np.array([SMALL.get(name, 0.0) for name in names])
    s = (s + rng.normal(0.0, 0.3, n))[:, None]
    params = {  # base (thousand jobs), level elasticity c, growth g, 2020 dip
        "agriculture": (6000.0, -0.8, -0.03, -0.01),
        "manufacturing": (4000.0, 0.6, 0.01, -0.06),
        "construction": (1500.0, 0.2, 0.02, -0.05),
        "services": (5000.0, 0.5, 0.04, -0.04),
        "digital": (300.0, 1.2, 0.12, 0.02),
    }
    jobs = {}
    for name in INDUSTRIES:
        base, c, g, dip = params[name]
        jobs[name] = np.round(base * np.exp(c * z + s + g * t + dip * covid + rng.normal(0.0, 0.03, (n, T))))
    return codes, YEARS.copy(), jobs


def write_employment(ds, codes, years, jobs):
    """Layers ``employment`` (code, year, industry, jobs: one row per
    province, year and industry) and ``jobs_total`` (code, year, jobs)."""
    from osgeo import ogr

    by_industry = ds.CreateLayer("employment", None, ogr.wkbNone,
                                 options=["FID=fid", "DESCRIPTION=SYNTHETIC employment by industry, thousand jobs"])
    total = ds.CreateLayer("jobs_total", None, ogr.wkbNone,
                           options=["FID=fid", "DESCRIPTION=SYNTHETIC total employment, thousand jobs"])
    for layer, fields in ((by_industry, [("code", ogr.OFTString), ("year", ogr.OFTInteger),
                                         ("industry", ogr.OFTString), ("jobs", ogr.OFTReal)]),
                          (total, [("code", ogr.OFTString), ("year", ogr.OFTInteger), ("jobs", ogr.OFTReal)])):
        for name, kind in fields:
            layer.CreateField(ogr.FieldDefn(name, kind))
        layer.StartTransaction()
    for i, code in enumerate(codes):
        for j, year in enumerate(years):
            for name in INDUSTRIES:
                feat = ogr.Feature(by_industry.GetLayerDefn())
                feat.SetField("code", code)
                feat.SetField("year", int(year))
                feat.SetField("industry", name)
                feat.SetField("jobs", float(jobs[name][i, j]))
                by_industry.CreateFeature(feat)
            feat = ogr.Feature(total.GetLayerDefn())
            feat.SetField("code", code)
            feat.SetField("year", int(year))
            feat.SetField("jobs", float(sum(jobs[name][i, j] for name in INDUSTRIES)))
            total.CreateFeature(feat)
    by_industry.CommitTransaction()
    total.CommitTransaction()


def write_gpkg(codes, years, values, target=TARGET):
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
    if os.path.exists(target):
        os.remove(target)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(target))
    layer = ds.CreateLayer(
        LAYER, None, ogr.wkbNone,
        options=["FID=fid", "DESCRIPTION=SYNTHETIC indicator panel (make_china_panel.py), not statistics"],
    )
    kinds = {"text": ogr.OFTString, "integer": ogr.OFTInteger, "real": ogr.OFTReal}
    for name, kind in [("code", "text"), ("year", "integer")] + [(n, k) for n, k, _, _ in INDICATORS]:
        field = ogr.FieldDefn(name, kinds[kind])
        if name == "code":
            field.SetWidth(6)
        field.SetNullable(False)
        layer.CreateField(field)
    defn = layer.GetLayerDefn()
    layer.StartTransaction()
    for i, code in enumerate(codes):
        for j, year in enumerate(years):
            feat = ogr.Feature(defn)
            feat.SetField("code", code)
            feat.SetField("year", int(year))
            for name, kind, _, _ in INDICATORS:
                v = values[name][i, j]
                feat.SetField(name, int(v) if kind == "integer" else float(v))
            layer.CreateFeature(feat)
    layer.CommitTransaction()
    ds = None
    employment = HERE / "china_employment.gpkg"
    if os.path.exists(employment):
        os.remove(employment)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(employment))
    write_employment(ds, *simulate_employment())
    ds = None


def main():
    codes, years, values = simulate()
    write_gpkg(codes, years, values)
    print(f"{TARGET}: layer {LAYER}, {len(codes)} provinces x {len(years)} years, "
          f"{len(INDICATORS)} indicators")


if __name__ == "__main__":
    main()
