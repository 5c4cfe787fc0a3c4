"""Spatial Markov chain tool through Processing: US state incomes 1929-2009
against giddy.markov.Spatial_Markov with states48.gal (queen weights from the
geometry and the .gal file give the same tables), a hand-computed case, the
report and bad input. Bad input shared with the classic chain is in
test_markov_chain.py."""
from types import SimpleNamespace

import numpy as np
import pytest
from qgis.core import QgsProcessingException

from regional_resilience.core import markov as core_markov
from tests.algorithms.test_markov_chain import (
    BREAKS,
    MEXICO,
    POOLED,
    US_LONG,
    YEARS,
    attributes,
    matrices,
    null,
    num,
    loaded_styled,
    order_of,
    quiet,
    run_once,
    us,  # noqa: F401 (module fixture)
)
from tests.helpers import grid_layer, rows
from tests.references import reference

TABLES = {"OUTPUT": "TEMPORARY_OUTPUT", "TRANSITIONS": "TEMPORARY_OUTPUT",
          "CLASS_TABLE": "TEMPORARY_OUTPUT", "HOMOGENEITY": "TEMPORARY_OUTPUT"}
# LAG_CLASSES indices: same, period, pooled, jenks, jenks_period, breaks, categorical
LAG_BREAKS_CHOICE, CATEGORICAL = 5, 6
WEIGHTS_FILE = 4


def homogeneity_by_test(table):
    return {(r["test"], None if null(r["lag_class"]) else r["lag_class"]): r for r in table}


def compare_with_giddy(table, classes, homogeneity, sm):
    """The tool's tables against a giddy Spatial_Markov."""
    k, m = sm.k, sm.m
    for h in range(m):
        counts, p, fmpt = matrices(table, k, lag_class=h)
        np.testing.assert_array_equal(counts, sm.T[h])
        empty = sm.T[h].sum(axis=1) == 0  # giddy: zero rows, ours NULL
        assert np.isnan(p[empty]).all()
        np.testing.assert_allclose(p[~empty], sm.P[h][~empty], rtol=1e-14)
        np.testing.assert_array_equal(np.isnan(fmpt), np.isinf(sm.F[h]))  # NULL = never arrives
        fin = np.isfinite(sm.F[h])
        np.testing.assert_allclose(fmpt[fin], sm.F[h][fin], rtol=1e-10)
        steady = [num(r["steady_state"]) for r in sorted(classes, key=lambda r: r["class"])
                  if not null(r["lag_class"]) and r["lag_class"] == h]
        ref = np.asarray(sm.S[h], dtype=float)
        if ref.ndim == 2 and len(ref) == 1:  # reducible with one recurrent class
            ref = ref[0]
        if ref.ndim == 1:
            np.testing.assert_allclose(steady, ref, rtol=1e-12, atol=1e-15)
        else:  # several steady states: NULL (the report and the log say so)
            assert np.isnan(steady).all()
    counts, p, _ = matrices(table, k, lag_class=None)  # all regions: the classic chain
    np.testing.assert_array_equal(counts, sm.transitions)
    np.testing.assert_allclose(p, sm.p, rtol=1e-14)
    tests = homogeneity_by_test(homogeneity)
    assert tests[("Q", None)]["statistic"] == pytest.approx(sm.Q, rel=1e-12)
    assert tests[("LR", None)]["statistic"] == pytest.approx(sm.LR, rel=1e-12)
    assert tests[("Q", None)]["dof"] == sm.dof_hom
    assert tests[("Q", None)]["p_value"] == pytest.approx(sm.Q_p_value, abs=1e-12)
    assert tests[("LR", None)]["p_value"] == pytest.approx(sm.LR_p_value, abs=1e-12)
    for h in range(m):
        assert tests[("chi2", h)]["statistic"] == pytest.approx(sm.chi2[h][0], rel=1e-12)
        assert tests[("chi2", h)]["dof"] == sm.chi2[h][2]


@pytest.fixture(scope="module")
def us_spatial(provider, tmp_path_factory, us):  # noqa: F811
    """The tool on the US incomes with queen weights from the geometry,
    quantiles of each period, k = m = 5, with the report, and giddy's
    Spatial_Markov(fixed=False) with states48.gal."""
    gm = reference("giddy.markov")
    report = tmp_path_factory.mktemp("spatial") / "report.html"
    results = run_once("spatialmarkov", dict(US_LONG, N_CLASSES=5, REPORT=str(report), **TABLES))
    sm = quiet(gm.Spatial_Markov, us.y, us.w, fixed=False, k=5, m=5)
    return SimpleNamespace(out=results["OUTPUT"], sm=sm, table=rows(results["TRANSITIONS"]),
                           classes=rows(results["CLASS_TABLE"]), homogeneity=rows(results["HOMOGENEITY"]),
                           html=report.read_text(encoding="utf-8"))


def test_spatial_markov_us_incomes_equals_giddy(us_spatial, us):  # noqa: F811
    sm = us_spatial.sm
    compare_with_giddy(us_spatial.table, us_spatial.classes, us_spatial.homogeneity, sm)
    assert len(us_spatial.table) == 25 * 6  # all regions + 5 lag classes
    out = us_spatial.out
    fields = attributes(out)
    order = order_of(out, us.names)
    for s, year in enumerate(YEARS):
        np.testing.assert_array_equal(fields[f"mk_class_{year}"], sm.class_ids[order, s])
        np.testing.assert_array_equal(fields[f"mk_lag_{year}"], sm.lclass_ids[order, s])
    types = core_markov.transition_types(sm.class_ids)[order, -1]
    assert fields["mk_type_2009"] == [core_markov.TRANSITION_NAMES[c] for c in types]


def test_gal_file_gives_the_same_tables_as_queen(run_alg, us_spatial, us, tmp_path):  # noqa: F811
    """states48.gal written with the layer's STATE_FIPS ids (state names hold
    spaces, which a .gal cannot): the same tables as queen from the geometry."""
    fips = [f"{v:02d}" for v in us.fips]
    lines = ["0 48 us48 STATE_FIPS"]
    for i in range(48):
        nb = us.w.neighbors[str(i)]
        lines += [f"{fips[i]} {len(nb)}", " ".join(fips[int(j)] for j in nb)]
    gal = tmp_path / "states48_fips.gal"
    gal.write_text("\n".join(lines) + "\n")
    res, _ = run_alg("spatialmarkov", dict(
        US_LONG, ID_FIELD="STATE_FIPS", TABLE_ID_FIELD="fips", MATCH_IDS=True, WEIGHTS=WEIGHTS_FILE,
        WEIGHTS_FILE=str(gal), N_CLASSES=5, **TABLES))

    def key(r):
        return tuple(-1 if null(v) else v for v in (r["lag_class"], r["from_class"], r["to_class"]))

    def plain(table):
        return sorted(([key(r), r["count"], num(r["probability"])] for r in table), key=lambda x: x[0])

    assert plain(rows(res["TRANSITIONS"])) == plain(us_spatial.table)
    compare_with_giddy(rows(res["TRANSITIONS"]), rows(res["CLASS_TABLE"]), rows(res["HOMOGENEITY"]),
                       us_spatial.sm)


def test_pooled_relative_and_categorical_lag_equal_giddy(run_alg, us, monkeypatch):  # noqa: F811
    gm = reference("giddy.markov")
    mc = reference("mapclassify")
    rpci = us.y / us.y.mean(axis=0)
    # giddy's default: pooled quantiles of relative incomes (fixed=True)
    res, _ = run_alg("spatialmarkov", dict(US_LONG, N_CLASSES=5, CLASSES=POOLED, RELATIVE=True, **TABLES))
    sm = quiet(gm.Spatial_Markov, rpci, us.w, k=5, m=5)
    compare_with_giddy(rows(res["TRANSITIONS"]), rows(res["CLASS_TABLE"]), rows(res["HOMOGENEITY"]), sm)
    # categorical lag (giddy discrete=True); libpysal breaks remaining ties at
    # random: make it take the lowest tied class, the core's documented rule
    res, _ = run_alg("spatialmarkov", dict(US_LONG, N_CLASSES=5, CLASSES=POOLED, RELATIVE=True,
                                           LAG_CLASSES=CATEGORICAL, **TABLES))
    codes = mc.Quantiles(rpci.flatten(), k=5).yb.reshape(rpci.shape)
    monkeypatch.setattr(np.random, "choice", lambda a, *args, **kw: np.min(a))
    sm = quiet(gm.Spatial_Markov, codes, us.w, discrete=True)
    monkeypatch.undo()
    compare_with_giddy(rows(res["TRANSITIONS"]), rows(res["CLASS_TABLE"]), rows(res["HOMOGENEITY"]), sm)


def test_lag_classes_and_conditional_counts_by_hand(run_alg):
    # a path of 4 cells; breaks 2.5 for the values and (as the classes) the lags
    # classes: r0 0,0,1  r1 0,1,1  r2 1,0,0  r3 1,1,1
    # lags 2000: (2, 2, 3, 3) -> 0 0 1 1; 2001: (3, 1.5, 3.5, 2) -> 1 0 1 0;
    #      2002: (3, 3, 3.5, 2) -> 1 1 1 0
    y = [[1.0, 1.0, 4.0], [2.0, 3.0, 3.0], [3.0, 2.0, 2.0], [4.0, 4.0, 4.0]]
    grid = grid_layer(4, 1, fields="y2000:double,y2001:double,y2002:double", values=y)
    res, _ = run_alg("spatialmarkov", {"INPUT": grid, "FIELDS": ["y2000", "y2001", "y2002"],
                                       "CLASSES": BREAKS, "BREAKS": "2.5", **TABLES})
    fields = attributes(res["OUTPUT"])
    assert fields["mk_lag_2000"] == [0, 0, 1, 1] and fields["mk_lag_2001"] == [1, 0, 1, 0]
    assert fields["mk_lag_2002"] == [1, 1, 1, 0]
    assert fields["mk_type_2001"] == ["Stay", "Up", "Down", "Stay"]
    assert fields["mk_type_2002"] == ["Up", "Stay", "Stay", "Stay"]
    table = rows(res["TRANSITIONS"])
    # lag class 0: r0 0-0, r1 0-1 (2000); r1 1-1, r3 1-1 (2001)
    np.testing.assert_array_equal(matrices(table, 2, lag_class=0)[0], [[1, 1], [0, 2]])
    # lag class 1: r2 1-0, r3 1-1 (2000); r0 0-1, r2 0-0 (2001)
    np.testing.assert_array_equal(matrices(table, 2, lag_class=1)[0], [[1, 1], [1, 1]])
    # user lag breaks instead: 3 -> lags <= 3 are class 0
    res, _ = run_alg("spatialmarkov", {"INPUT": grid, "FIELDS": ["y2000", "y2001", "y2002"],
                                       "CLASSES": BREAKS, "BREAKS": "2.5", "LAG_CLASSES": LAG_BREAKS_CHOICE,
                                       "LAG_BREAKS": "3", **TABLES})
    assert attributes(res["OUTPUT"])["mk_lag_2001"] == [0, 0, 1, 0]


def test_report_has_a_heat_table_per_lag_class(us_spatial):
    html, sm = us_spatial.html, us_spatial.sm
    assert html.count('class="heat"') == 3 * (1 + 5)  # P, counts, passage times: all + 5 lag classes
    for h in range(5):
        part = html[html.index(f"<h2>Lag class {h}</h2>"):]
        assert f">{sm.P[h][0, 0]:.3f}<" in part[:part.index("</table>")]
    homogeneity = html[html.index("<h2>Homogeneity tests</h2>"):]
    assert f"{sm.Q:.4f}" in homogeneity and f"{sm.LR:.4f}" in homogeneity


def test_styled_map_of_the_last_move(provider, tmp_path):
    kind, field, cats, _ = loaded_styled("spatialmarkov", dict(MEXICO, **TABLES), tmp_path)
    assert kind == "categorizedSymbol" and field == "mk_type_2000" and len(cats) == 5


@pytest.mark.parametrize("params, message", [
    (dict(LAG_CLASSES=LAG_BREAKS_CHOICE, LAG_BREAKS="1, x"), "lag breaks must be numbers"),
    (dict(LAG_CLASSES=LAG_BREAKS_CHOICE, LAG_BREAKS="9000, 2000"), "lag breaks must be strictly increasing"),
    (dict(N_CLASSES=3, N_LAG_CLASSES=40),
     r"spatial lags have only \d+ distinct value\(s\), fewer than the 40"),
    (dict(WEIGHTS=WEIGHTS_FILE), r"Choose a \.gal or \.gwt weights file"),
])
def test_spatial_bad_input_is_refused_clearly(run_alg, params, message):
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("spatialmarkov", dict(MEXICO, **TABLES, **params))


@pytest.mark.parametrize("alg_id", ["markovchain", "spatialmarkov"])
def test_every_option_is_its_own_parameter(provider, alg_id):
    """Each declared option is a parameter of its own (a name taken by an
    input, e.g. the weights' K, would be silently dropped by QGIS)."""
    alg = provider.algorithm(alg_id)
    declared = type(alg).OPTIONS
    assert len(declared) >= 5
    for option in declared:
        param = alg.parameterDefinition(option.name)
        assert param is not None and param.description() == option.label, option.name
