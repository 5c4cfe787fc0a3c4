"""Theil index and sigma convergence through Processing: Mexican states
1940-2000 by Hanson's and INEGI's regions, China's provinces by the four
regions from a long table, no groups, bad input. Checked against the core
called on the same arrays, against PySAL's inequality.theil.TheilD and
against numpy's standard deviations."""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from qgis.core import QgsProcessingException

from regional_resilience.core.inequality import sigma_convergence, theil
from tests.algorithms.test_dagum_gini import (
    CHINA_PANEL, FIELDS, MEXICO, YEARS, chained_layer, china_arrays, mexico, report_images, table)
from tests.references import reference

def measures(th, sg):
    """The core's arrays by the names of the tables: overall (wide and long),
    per group in the wide table, per group in the long table (None: not computed)."""
    overall = {"mean": sg.mean, "T": th.T, "T_w": th.T_w, "T_b": th.T_b, "sd": sg.sd, "cv": sg.cv,
               "sd_log": sg.sd_log}
    wide = {"T_g": th.T_g, "sd_g": sg.group_sd, "cv_g": sg.group_cv, "sd_log_g": sg.group_sd_log}
    long = {"mean": sg.group_mean, "share": th.s, "T_g": th.T_g, "sd": sg.group_sd, "cv": sg.group_cv,
            "sd_log": sg.group_sd_log}
    return overall, wide, long


def check_tables(wide, long, th, sg, variable):
    """Every number of both tables equals the core's results ``th`` (theil)
    and ``sg`` (sigma_convergence)."""
    periods = [str(p) for p in th.periods]
    overall, per_group, long_group = measures(th, sg)
    assert [r["period"] for r in wide] == periods and {r["variable"] for r in wide} == {variable}
    for name, expected in overall.items():
        got = [r[name] for r in wide]
        if expected is None:
            assert got == [None] * len(periods), name
        else:
            assert_allclose(got, expected, rtol=1e-13, err_msg=name)
    groups = th.groups or ()
    if groups:
        assert_allclose([r["C_w_pct"] for r in wide], 100 * th.C_w, rtol=1e-12)
        assert_allclose([r["C_b_pct"] for r in wide], 100 * th.C_b, rtol=1e-12)
    for column, arr in per_group.items():
        for j, g in enumerate(groups):
            got = [r[f"{column}_{g}"] for r in wide]
            if arr is None:
                assert got == [None] * len(periods)
            else:
                assert_allclose(np.array(got, float), arr[j], rtol=1e-12, err_msg=f"{column}_{g}")
    by_key = {(r["period"], r["measure"], r["group"]): r for r in long}
    assert len(by_key) == len(long)
    n_overall = sum(a is not None for a in overall.values())
    n_group = sum(a is not None for a in long_group.values()) * len(groups)
    assert len(long) == len(periods) * (n_overall + n_group)
    for t, p in enumerate(periods):
        for name, arr in overall.items():
            if arr is not None:
                assert by_key[(p, name, None)]["value"] == pytest.approx(arr[t], rel=1e-13)
        if groups:
            assert by_key[(p, "T", None)]["contribution_pct"] == 100.0
            assert by_key[(p, "T_b", None)]["contribution_pct"] == pytest.approx(100 * th.C_b[t], rel=1e-12)
            assert by_key[(p, "cv", None)]["contribution_pct"] is None
        for measure, arr in long_group.items():
            for j, g in enumerate(groups if arr is not None else ()):
                value = by_key[(p, measure, g)]["value"]
                assert (value is None and np.isnan(arr[j, t])) or value == pytest.approx(arr[j, t], rel=1e-12)


@pytest.mark.parametrize("group_field", ["HANSON03", "INEGI"])
def test_mexico_equals_core_pysal_and_numpy(run_alg, tmp_path, group_field):
    TheilD = reference("inequality.theil").TheilD
    report = tmp_path / "theil.html"
    res, log = run_alg("theilsigma", {
        "INPUT": MEXICO, "ID_FIELD": "NAME", "FIELDS": FIELDS, "GROUP_FIELD": group_field,
        "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT",
        **({"REPORT": str(report)} if group_field == "HANSON03" else {})})  # charts are slow
    wide, long = table(res["OUTPUT"]), table(res["LONG_TABLE"])
    y, labels, _ = mexico(group_field)
    th = theil(y, labels, periods=YEARS)
    sg = sigma_convergence(y, labels, log=True, periods=YEARS)
    check_tables(wide, long, th, sg, "PCGDP")
    ref = TheilD(y, np.array(labels))
    assert_allclose([r["T"] for r in wide], ref.T, rtol=1e-12)
    assert_allclose([r["T_b"] for r in wide], ref.bg, rtol=1e-11)
    assert_allclose([r["T_w"] for r in wide], ref.wg, rtol=1e-11)
    assert_allclose([r["T_w"] + r["T_b"] for r in wide], [r["T"] for r in wide], rtol=1e-12)
    # population sd (the default) and sigma of logarithms, by numpy
    assert_allclose([r["sd"] for r in wide], y.std(axis=0), rtol=1e-12)
    assert_allclose([r["cv"] for r in wide], y.std(axis=0) / y.mean(axis=0), rtol=1e-12)
    assert_allclose([r["sd_log"] for r in wide], np.log(y).std(axis=0), rtol=1e-12)
    first = sorted(set(labels), key=float)[0]
    sub = y[np.array(labels) == first]
    assert_allclose([r[f"cv_g_{first}"] for r in wide], sub.std(axis=0) / sub.mean(axis=0), rtol=1e-12)
    assert "PCGDP 1940: T = " in log
    if group_field != "HANSON03":
        assert "REPORT" not in res and not report.exists()
        return
    # five charts: T components, contributions, T_g, cv, sd of logs; every period in both tables
    text, pngs = report_images(report)
    assert len(pngs) == 5 and all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)
    assert text.count("<table>") == 2
    for p in YEARS:
        assert text.count(f"<td>{p}</td>") == 2
    assert "sigma convergence" in text


def test_sample_sd_without_logs_and_without_groups(run_alg, tmp_path):
    report = tmp_path / "plain.html"
    res, _ = run_alg("theilsigma", {"INPUT": MEXICO, "FIELDS": FIELDS, "DDOF": 1, "LOG": False,
                                    "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT",
                                    "REPORT": str(report)})
    y, _, _ = mexico("HANSON03")
    wide = table(res["OUTPUT"])
    assert_allclose([r["sd"] for r in wide], y.std(axis=0, ddof=1), rtol=1e-12)
    assert all(r["sd_log"] is None and r["T_w"] is None and r["C_b_pct"] is None for r in wide)
    assert [f.name() for f in res["OUTPUT"].fields()][-1] == "sd_log"  # no group columns
    check_tables(wide, table(res["LONG_TABLE"]), theil(y, periods=YEARS),
                 sigma_convergence(y, ddof=1, periods=YEARS), "PCGDP")
    assert len(report_images(report)[1]) == 3  # T, cv, sd


def test_china_four_regions_from_long_table(run_alg):
    provinces, y, labels, years = china_arrays("patents_5g")
    res, _ = run_alg("theilsigma", {
        "INPUT": provinces, "ID_FIELD": "code", "GROUP_FIELD": "region4",
        "TABLE": f"{CHINA_PANEL}|layername=indicators", "TABLE_ID_FIELD": "code",
        "TABLE_PERIOD_FIELD": "year", "TABLE_VALUE_FIELDS": ["patents_5g"],
        "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT"})
    th, sg = theil(y, labels, periods=years), sigma_convergence(y, labels, log=True, periods=years)
    assert th.groups == ("central", "east", "northeast", "west")
    wide = table(res["OUTPUT"])
    check_tables(wide, table(res["LONG_TABLE"]), th, sg, "patents_5g")
    ref = reference("inequality.theil").TheilD(y, np.array(labels))
    assert_allclose([r["T_b"] for r in wide], ref.bg, rtol=1e-11)


def test_group_of_one_region(run_alg):
    groups = ["a"] * 4 + ["b"] * 4 + ["s"]
    lyr, vals = chained_layer(groups)
    params = {"INPUT": lyr, "ID_FIELD": "name", "FIELD_PREFIX": "cc_d", "GROUP_FIELD": "grp",
              "OUTPUT": "TEMPORARY_OUTPUT", "LONG_TABLE": "TEMPORARY_OUTPUT"}
    res, log = run_alg("theilsigma", params)
    y = vals.astype(float)
    periods = ["2013", "2014", "2015"]
    wide = table(res["OUTPUT"])
    check_tables(wide, table(res["LONG_TABLE"]), theil(y, groups, periods=periods),
                 sigma_convergence(y, groups, log=True, periods=periods), "cc_d")
    assert [r["T_g_s"] for r in wide] == [0.0] * 3 and [r["sd_g_s"] for r in wide] == [0.0] * 3
    assert "'s' have a single region: their within-group Theil" in log
    # the sample sd of one region is undefined: NULL, and said
    res, log = run_alg("theilsigma", dict(params, DDOF=1))
    assert [r["sd_g_s"] for r in table(res["OUTPUT"])] == [None] * 3
    assert "ddof=1 is NaN" in log


def test_bad_input_refused(run_alg):
    groups = ["a"] * 3 + ["b"] * 3
    vals = [[0.3, 0.4, 0.5]] * 2 + [[0.1, 0.2, 0.3]] * 4
    zero = [list(v) for v in vals]
    zero[3][0] = 0.0
    lyr, _ = chained_layer(groups, zero)
    params = {"INPUT": lyr, "ID_FIELD": "name", "FIELD_PREFIX": "cc_d", "GROUP_FIELD": "grp",
              "OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match=r"strictly positive.*period '2013' has zero or "
                                                     r"negative values for region\(s\) r3"):
        run_alg("theilsigma", params)
    null = [list(v) for v in vals]
    null[0][2] = None
    lyr, _ = chained_layer(groups, null)
    with pytest.raises(QgsProcessingException, match=r"Missing \(NULL\) values in cc_d_2015.*r0 \(2015\)"):
        run_alg("theilsigma", dict(params, INPUT=lyr))
    with pytest.raises(QgsProcessingException, match="Fields not found.*region4"):
        run_alg("theilsigma", dict(params, GROUP_FIELD="region4"))
    lyr, _ = chained_layer(["a", None, "a", "b", "b", "b"])
    with pytest.raises(QgsProcessingException, match=r"group field 'grp' is empty for 1 region.*r1"):
        run_alg("theilsigma", dict(params, INPUT=lyr))
