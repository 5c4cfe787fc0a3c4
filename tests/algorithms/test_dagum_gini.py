"""Dagum Gini decomposition through Processing: Mexican states 1940-2000 by
Hanson's and INEGI's regions, China's provinces by the four regions from a
long table, chained fields, bad input. Checked against the core called on the
same arrays and against PySAL's inequality.gini.Gini."""
import base64
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsProcessingException

from regional_resilience.core.inequality import dagum_gini
from tests.conftest import DATA
from tests.helpers import column, grid_layer, layer, rows, study_provinces
from tests.references import reference

MEXICO = str(DATA / "mexico.gpkg")
CHINA_PANEL = str(DATA / "china_panel.gpkg")
YEARS = [str(y) for y in range(1940, 2010, 10)]
FIELDS = [f"PCGDP{y}" for y in YEARS]
MAIN = ["G", "G_w", "G_nb", "G_t"]


def mexico(group_field):
    lyr = layer(MEXICO)
    y = np.column_stack([column(lyr, f) for f in FIELDS])
    return y, [str(int(g)) for g in column(lyr, group_field)], list(column(lyr, "NAME"))


def table(lyr):
    """Table rows as dicts with NULL as None."""
    return [{k: None if v is None or (hasattr(v, "isNull") and v.isNull()) else v for k, v in r.items()}
            for r in rows(lyr)]


def report_images(path):
    text = path.read_text(encoding="utf-8")
    pngs = [base64.b64decode(m) for m in re.findall(r"src='data:image/png;base64,([^']+)'", text)]
    return text, pngs


def check_tables(wide, long, res, variable):
    """Every number of both tables equals the core's result ``res``."""
    periods = [str(p) for p in res.periods]
    assert [r["period"] for r in wide] == periods and {r["variable"] for r in wide} == {variable}
    for name in MAIN:
        assert_allclose([r[name] for r in wide], getattr(res, name), rtol=1e-13, atol=1e-15, err_msg=name)
    for name in ("C_w", "C_nb", "C_t"):
        assert_allclose([r[name + "_pct"] for r in wide], 100 * getattr(res, name), rtol=1e-12)
    groups = res.groups
    for j, g in enumerate(groups):
        assert_allclose([r[f"G_jj_{g}"] for r in wide], res.G_jj[j], rtol=1e-13, atol=1e-15)
        for h in range(j + 1, len(groups)):
            assert_allclose([r[f"G_jh_{g}_{groups[h]}"] for r in wide], res.G_jh[j, h], rtol=1e-13)
    k, pairs = len(groups), len(groups) * (len(groups) - 1) // 2
    assert len(long) == len(periods) * (4 + k + 2 * pairs)
    by_key = {(r["period"], r["component"], r["group"], r["group2"]): r for r in long}
    assert len(by_key) == len(long)
    for t, p in enumerate(periods):
        for name, rate in zip(MAIN, [1.0, res.C_w[t], res.C_nb[t], res.C_t[t]]):
            row = by_key[(p, name, None, None)]
            assert row["value"] == pytest.approx(getattr(res, name)[t], rel=1e-13, abs=1e-15)
            assert row["contribution_pct"] == pytest.approx(100 * rate, rel=1e-12)
        for j, g in enumerate(groups):
            assert by_key[(p, "G_jj", g, None)]["value"] == pytest.approx(res.G_jj[j, t], rel=1e-13, abs=1e-15)
            assert by_key[(p, "G_jj", g, None)]["contribution_pct"] is None
            for h in range(j + 1, k):
                for name in ("G_jh", "D_jh"):
                    expected = getattr(res, name)[j, h, t]
                    assert by_key[(p, name, g, groups[h])]["value"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("group_field, k", [("HANSON03", 6), ("INEGI", 5)])
def test_mexico_decomposition_equals_core_and_pysal(run_alg, data_copy, tmp_path, group_field, k):
    Gini = reference("inequality.gini").Gini
    path = data_copy("mexico.gpkg")
    report = tmp_path / "dagum.html"
    res, log = run_alg("dagumgini", {
        "INPUT": str(path), "ID_FIELD": "NAME", "FIELDS": FIELDS, "GROUP_FIELD": group_field,
        "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT",
        **({"REPORT": str(report)} if group_field == "HANSON03" else {})})  # charts are slow
    wide, long = table(res["OUTPUT"]), table(res["LONG_TABLE"])
    y, labels, names = mexico(group_field)
    core = dagum_gini(y, labels, periods=YEARS)
    assert len(core.groups) == k
    check_tables(wide, long, core, "PCGDP")
    # the identity and PySAL's Gini, on the written table
    G = np.array([r["G"] for r in wide])
    assert_allclose([r["G_w"] + r["G_nb"] + r["G_t"] for r in wide], G, rtol=1e-13)
    assert_allclose(G, [Gini(y[:, t]).g for t in range(len(YEARS))], rtol=1e-12)
    assert_allclose([r["C_w_pct"] + r["C_nb_pct"] + r["C_t_pct"] for r in wide], 100.0, rtol=1e-12)
    assert "PCGDP 1940: G = " in log
    assert column(layer(path), FIELDS[0]).tolist() == y[:, 0].tolist()  # input untouched
    if group_field != "HANSON03":
        assert "REPORT" not in res and not report.exists()
        return
    # the report: four charts (components, contributions, G_jj, G_jh), every period in every table
    text, pngs = report_images(report)
    assert res["REPORT"] == str(report)
    assert len(pngs) == 4 and all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)
    assert text.count("<table>") == 3
    for p in YEARS:
        assert text.count(f"<td>{p}</td>") == 3
    assert "matplotlib" not in text.split("<footer>")[0]
    assert "HANSON03" in text.split("<footer>")[1]  # provenance footer


def china_arrays(variable):
    provinces = study_provinces()
    region = {f["code"]: f["region4"] for f in provinces.getFeatures()}
    panel = {}
    for r in rows(layer(f"{CHINA_PANEL}|layername=indicators")):
        panel.setdefault(r["code"], {})[str(r["year"])] = r[variable]
    codes = [f["code"] for f in provinces.getFeatures()]
    years = sorted(next(iter(panel.values())))
    y = np.array([[panel[c][t] for t in years] for c in codes], float)
    return provinces, y, [region[c] for c in codes], years


def test_china_four_regions_from_long_table(run_alg):
    provinces, y, labels, years = china_arrays("gdp_pc")
    assert len(labels) == 31 and years[0] == "2013" and len(years) == 8
    res, _ = run_alg("dagumgini", {
        "INPUT": provinces, "ID_FIELD": "code", "GROUP_FIELD": "region4",
        "TABLE": f"{CHINA_PANEL}|layername=indicators", "TABLE_ID_FIELD": "code",
        "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["gdp_pc"],
        "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT"})
    core = dagum_gini(y, labels, periods=years)
    assert core.groups == ("central", "east", "northeast", "west")
    wide = table(res["OUTPUT"])
    check_tables(wide, table(res["LONG_TABLE"]), core, "gdp_pc")
    Gini = reference("inequality.gini").Gini
    assert_allclose([r["G"] for r in wide], [Gini(y[:, t]).g for t in range(8)], rtol=1e-12)
    assert "G_jh_east_west" in [f.name() for f in res["OUTPUT"].fields()]
    assert all(r["G_nb"] > r["G_w"] for r in wide)  # the model's east-west gradient


def chained_layer(groups, values=None):
    rng = np.random.default_rng(5)
    vals = values if values is not None else rng.uniform(0.2, 0.9, size=(len(groups), 3)).round(4).tolist()
    data = [[f"r{i}", g] + list(v) for i, (g, v) in enumerate(zip(groups, vals))]
    nx = len(groups)
    return grid_layer(nx, 1, "name:string,grp:string,cc_d_2013:double,cc_d_2014:double,cc_d_2015:double",
                      values=data), np.array(vals, dtype=object)


def test_fields_by_name_and_a_group_of_one_region(run_alg):
    groups = ["a"] * 4 + ["b"] * 4 + ["s"]
    lyr, vals = chained_layer(groups)
    res, log = run_alg("dagumgini", {
        "INPUT": lyr, "ID_FIELD": "name", "FIELD_PREFIX": "cc_d", "GROUP_FIELD": "grp",
        "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT"})
    core = dagum_gini(vals.astype(float), groups, periods=["2013", "2014", "2015"])
    check_tables(table(res["OUTPUT"]), table(res["LONG_TABLE"]), core, "cc_d")
    assert [r["G_jj_s"] for r in table(res["OUTPUT"])] == [0.0, 0.0, 0.0]  # what the core does
    assert "'s' have a single region" in log


def test_group_labels_that_clash_get_unique_columns(run_alg):
    lyr, _ = chained_layer(["x y"] * 3 + ["x_y"] * 3)
    res, _ = run_alg("dagumgini", {"INPUT": lyr, "FIELD_PREFIX": "cc_d", "GROUP_FIELD": "grp",
                                   "OUTPUT": "TEMPORARY_OUTPUT"})
    names = [f.name() for f in res["OUTPUT"].fields()]
    assert names[-3:] == ["G_jj_x_y", "G_jj_x_y_2", "G_jh_x_y_x_y"]
    assert "LONG_TABLE" not in res  # optional output not asked for


def test_missing_group_field_refused(run_alg):
    lyr, _ = chained_layer(["a"] * 3 + ["b"] * 3)
    params = {"INPUT": lyr, "FIELD_PREFIX": "cc_d", "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="GROUP_FIELD"):
        run_alg("dagumgini", params)
    with pytest.raises(QgsProcessingException, match="Fields not found.*region"):
        run_alg("dagumgini", dict(params, GROUP_FIELD="region"))


def test_empty_group_label_refused_naming_the_region(run_alg):
    lyr, _ = chained_layer(["a", "a", None, "b", "b", "b"])
    with pytest.raises(QgsProcessingException, match=r"group field 'grp' is empty for 1 region.*r2"):
        run_alg("dagumgini", {"INPUT": lyr, "ID_FIELD": "name", "FIELD_PREFIX": "cc_d",
                              "GROUP_FIELD": "grp", "OUTPUT": "TEMPORARY_OUTPUT"})


def test_null_and_negative_values_refused(run_alg):
    groups = ["a"] * 3 + ["b"] * 3
    vals = [[0.3, 0.4, 0.5]] * 2 + [[0.1, 0.2, 0.3]] * 4
    null = [list(v) for v in vals]
    null[4][1] = None
    lyr, _ = chained_layer(groups, null)
    params = {"INPUT": lyr, "ID_FIELD": "name", "FIELD_PREFIX": "cc_d", "GROUP_FIELD": "grp",
              "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=r"Missing \(NULL\) values in cc_d_2014.*r4 \(2014\)"):
        run_alg("dagumgini", params)
    negative = [list(v) for v in vals]
    negative[1][2] = -0.2
    lyr, _ = chained_layer(groups, negative)
    with pytest.raises(QgsProcessingException, match=r"non-negative values.*period '2015' has negative "
                                                     r"values for region\(s\) r1"):
        run_alg("dagumgini", dict(params, INPUT=lyr))
