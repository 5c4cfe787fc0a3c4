"""Tests for regional_resilience.core.coupling."""
from tests.references import reference
import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.coupling import (
    TEN_LEVEL_LABELS,
    TEN_LEVEL_THRESHOLDS,
    comprehensive_index,
    coordination_degree,
    coordination_grades,
    coupling_coordination,
    coupling_degree,
    parse_grading,
    parse_system_weights,
    relative_development,
    summarize_coordination,
)
from regional_resilience.core.errors import Canceled, InputDataError


# ---------------------------------------------------------------------------
# brute-force references (per value, math module, straight from the formulas)
# ---------------------------------------------------------------------------
def _c_standard(us):
    n = len(us)
    if sum(us) == 0:
        return math.nan
    return n * math.prod(us) ** (1 / n) / sum(us)


def _c_wang(us):
    # as the R implementation in 'mathmodels' (Zhang): C1 = 1 - mean |U_i - U_j|
    # over pairs, C2 = prod(U / max U) ** (1 / (n - 1)), C = sqrt(C1 * C2)
    n = len(us)
    mx = max(us)
    if mx == 0:
        return math.nan
    c1 = 1 - sum(abs(a - b) for a, b in itertools.combinations(us, 2)) / (n * (n - 1) / 2)
    c2 = math.prod(u / mx for u in us) ** (1 / (n - 1))
    return math.sqrt(c1 * c2)


def _ntk(U):
    """Systems-first test arrays (k, n[, t]) in the core's axis order: systems last."""
    return np.moveaxis(np.asarray(U, dtype=float), 0, -1)


def _brute(U, fn):
    U = np.asarray(U, dtype=float)
    out = np.empty(U.shape[1:])
    for idx in np.ndindex(*U.shape[1:]):
        out[idx] = fn([float(U[(s,) + idx]) for s in range(U.shape[0])])
    return out


# ---------------------------------------------------------------------------
# hand-computed cases
# ---------------------------------------------------------------------------
def test_two_systems_by_hand():
    # U = (0.2, 0.8): C = 2 sqrt(0.16) / 1.0 = 0.8; T = 0.5; D = sqrt(0.4)
    # U = (0.6, 0.3): C = 2 sqrt(0.18) / 0.9; T = 0.45
    res = coupling_coordination([[0.2, 0.6], [0.8, 0.3]])
    c2 = 2 * math.sqrt(0.18) / 0.9
    assert_allclose(res.C, [0.8, c2], rtol=1e-15)
    assert_allclose(res.T, [0.5, 0.45], rtol=1e-15)
    assert_allclose(res.D, [math.sqrt(0.4), math.sqrt(c2 * 0.45)], rtol=1e-15)
    # D = 0.632 -> [0.6, 0.7) primary; 0.651 -> primary
    assert_array_equal(res.grade, [6, 6])
    assert res.grade_labels[6] == "primary coordination"
    # weights (0.4, 0.6): T = 0.08 + 0.48 = 0.56, D = sqrt(0.8 * 0.56) = sqrt(0.448)
    res = coupling_coordination([[0.2], [0.8]], (0.4, 0.6))
    assert_allclose(res.T, [0.56], rtol=1e-15)
    assert_allclose(res.D, [math.sqrt(0.448)], rtol=1e-15)
    assert_array_equal(res.weights, [0.4, 0.6])


def test_three_systems_by_hand():
    # U = (0.25, 0.5, 1.0): prod = 0.125, cbrt = 0.5, sum = 1.75 -> C = 1.5 / 1.75 = 6/7
    # T = 1.75 / 3; D = sqrt(6/7 * 1.75/3) = sqrt(0.5)
    U = [[0.25], [0.5], [1.0]]
    assert_allclose(coupling_degree(U), [6 / 7], rtol=1e-15)
    assert_allclose(coupling_degree(U, "ratio"), [6 / 7], rtol=1e-15)
    res = coupling_coordination(U)
    assert_allclose(res.D, [math.sqrt(0.5)], rtol=1e-15)
    assert res.warnings == ()


def test_wang_by_hand():
    # two systems (0.2, 0.8): (1 - 0.6) * (0.2 / 0.8) = 0.4 * 0.25 = 0.1 -> C = sqrt(0.1)
    assert_allclose(coupling_degree([[0.2], [0.8]], "wang"), [math.sqrt(0.1)], rtol=1e-15)
    # three systems (0.25, 0.5, 1): |diffs| 0.25 + 0.75 + 0.5 = 1.5 over 3 pairs -> 1 - 0.5;
    # prod(U / max) = 0.25 * 0.5 * 1 = 0.125, ** (1/2) -> sqrt(0.125); C = sqrt(0.5 sqrt(0.125))
    assert_allclose(coupling_degree([[0.25], [0.5], [1.0]], "wang"),
                    [math.sqrt(0.5 * math.sqrt(0.125))], rtol=1e-15)
    # equal systems: C = 1
    assert_allclose(coupling_degree([[0.3], [0.3], [0.3]], "wang"), [1.0])


# ---------------------------------------------------------------------------
# properties and brute force
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_against_brute_force_and_ranges(k):
    rng = np.random.default_rng(k)
    U = rng.random((k, 30, 4))
    U[:, 0, 0] = 0.0  # a zero in every system -> C undefined there
    U[0, 1, 1] = 0.0  # one zero -> C = 0
    for variant, ref in (("standard", _c_standard), ("ratio", _c_standard),
                         ("wang", _c_wang)):
        C = coupling_degree(_ntk(U), variant)
        assert_allclose(C, _brute(U, ref), rtol=1e-13, atol=1e-15, equal_nan=True)
        ok = ~np.isnan(C)
        assert np.isnan(C[0, 0]) and ok.sum() == C.size - 1
        assert ((C[ok] >= 0) & (C[ok] <= 1)).all()
        assert C[1, 1] == 0.0
        res = coupling_coordination(_ntk(U), variant=variant)
        assert ((res.D[ok] >= 0) & (res.D[ok] <= 1)).all()
        assert ((res.T >= 0) & (res.T <= 1)).all()
        assert res.grade[0, 0] == -1 and (res.grade[ok] >= 0).all()


@pytest.mark.parametrize("variant", ["standard", "ratio", "wang"])
@pytest.mark.parametrize("k", [2, 3, 4, 7])
def test_equal_systems_give_one(variant, k):
    u = np.random.default_rng(0).random(200)
    C = coupling_degree(_ntk(np.broadcast_to(u, (k, 200))), variant)
    assert_allclose(C, 1.0, rtol=0, atol=1e-15)
    assert (C <= 1.0).all()  # rounding excess is clipped


def test_n_system_form_reduces_to_two_system_form():
    rng = np.random.default_rng(3)
    U1, U2 = rng.random((2, 40, 6))
    two = 2 * np.sqrt(U1 * U2) / (U1 + U2)
    assert_allclose(coupling_degree([U1, U2]), two, rtol=1e-15)
    # the "ratio" form {U1 U2 / [(U1 + U2)/2]^2}^(1/2) is the same quantity
    assert_allclose(coupling_degree([U1, U2], "ratio"), two, rtol=1e-14)
    # wang for n = 2: sqrt[(1 - |U1 - U2|) * min / max]
    wang2 = np.sqrt((1 - np.abs(U1 - U2)) * np.minimum(U1, U2) / np.maximum(U1, U2))
    assert_allclose(coupling_degree([U1, U2], "wang"), wang2, rtol=1e-14)


@pytest.mark.parametrize("variant", ["standard", "wang"])
def test_symmetric_in_the_systems(variant):
    U = np.random.default_rng(5).random((3, 50, 2))
    ref = coupling_degree(_ntk(U), variant)
    for perm in itertools.permutations(range(3)):
        assert_allclose(coupling_degree(_ntk(U[list(perm)]), variant), ref, rtol=1e-14)


def test_real_data_mexico_against_brute_force():
    libpysal = reference("libpysal")
    import pandas as pd

    df = pd.read_csv(libpysal.examples.get_path("mexico.csv"))
    years = [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    X = df[[f"pcgdp{y}" for y in years]].to_numpy(float)
    # min-max per period -> two "systems": early and late decades' standardised GDP
    L = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    U = np.stack([L[:, :4], L[:, 3:]])
    res = coupling_coordination(_ntk(U), (0.4, 0.6), ids=df["State"], variant="standard")
    assert_allclose(res.C, _brute(U, _c_standard), rtol=1e-13, equal_nan=True)
    assert_allclose(res.T, 0.4 * U[0] + 0.6 * U[1], rtol=1e-15)
    # min-max puts Oaxaca (poorest in 1940-1990) at 0 in both "systems" for the pairs
    # (1940, 1970) and (1960, 1990): C is 0/0 there, NaN, and the state is named
    both_zero = (U == 0).all(axis=0)
    assert_array_equal(np.argwhere(both_zero), [[19, 0], [19, 2]])
    assert df["State"][19] == "Oaxaca"
    assert_array_equal(res.undefined, both_zero)
    assert any("'Oaxaca' (period 1)" in w and "'Oaxaca' (period 3)" in w for w in res.warnings)
    assert_array_equal(res.summary.n_valid, [31, 32, 31, 32])


# ---------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------
def test_weights_default_equal_and_validation():
    U = [[0.2, 0.4], [0.6, 0.8], [0.1, 0.3]]
    # equal weights: T = (0.2 + 0.6 + 0.1) / 3 = 0.3, (0.4 + 0.8 + 0.3) / 3 = 0.5
    assert_allclose(comprehensive_index(U), [0.3, 0.5], rtol=1e-15)
    assert_allclose(comprehensive_index(U, [0.5, 0.25, 0.25]), [0.275, 0.475], rtol=1e-15)
    # within 1e-9 of 1 is accepted as given (not renormalised)
    w = [0.5, 0.25, 0.25 + 5e-10]
    assert_allclose(coupling_coordination(U, w).weights, w)
    with pytest.raises(InputDataError, match="sum to 0.9"):
        comprehensive_index(U, [0.4, 0.3, 0.2])
    with pytest.raises(InputDataError, match="non-negative.*'eco'"):
        comprehensive_index(U, [-0.2, 0.6, 0.6], names=["eco", "soc", "env"])
    with pytest.raises(InputDataError, match="2 system weight.*3 systems"):
        comprehensive_index(U, [0.4, 0.6])
    with pytest.raises(InputDataError, match="sum to 1.000000002"):
        coupling_coordination(U, [0.5, 0.25, 0.25 + 2e-9])


# ---------------------------------------------------------------------------
# grades
# ---------------------------------------------------------------------------
def test_ten_level_thresholds_are_the_decimal_doubles():
    assert TEN_LEVEL_THRESHOLDS == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    # the trap this avoids: 3 * 0.1 is 0.30000000000000004, not 0.3
    assert (np.arange(1, 10) * 0.1)[2] != 0.3
    assert len(TEN_LEVEL_LABELS) == 10


def test_grade_boundaries_exact_doubles():
    below = np.nextafter(0.3, 0.0)
    above = np.nextafter(0.3, 1.0)
    D = np.array([0.0, 0.3, 0.1 + 0.2, 3 * 0.1, below, above, np.nextafter(0.9, 0.0), 0.9,
                  1.0, 1.2, np.nan])
    ten = coordination_grades(D).codes
    assert_array_equal(ten, [0, 3, 3, 3, 2, 3, 8, 9, 9, 9, -1])
    three = coordination_grades(D, "three")
    assert_array_equal(three.codes, [0, 1, 1, 1, 0, 1, 2, 2, 2, 2, -1])
    assert three.labels == ("low", "moderate", "high")
    # 0.5 exactly is "high", just below is "moderate"
    assert_array_equal(coordination_grades([0.5, np.nextafter(0.5, 0)], "three").codes, [2, 1])
    # right-closed intervals (b_{i-1}, b_i]: 0.3 itself is the lower class
    right = coordination_grades(D, closed="right").codes
    assert_array_equal(right, [0, 2, 3, 3, 2, 3, 8, 8, 9, 9, -1])
    # decimals: grade the rounded value
    assert coordination_grades([below], decimals=4).codes[0] == 3


def test_grade_of_coordination_degree_exactly_at_threshold():
    # equal systems u = 0.09: C = 1, T = 0.09, D = sqrt(0.09) which is the double 0.3
    res = coupling_coordination([[0.09], [0.09]], grades="three")
    assert res.D[0] == 0.3
    assert res.grade_labels[res.grade[0]] == "moderate"
    res = coupling_coordination([[0.09], [0.09]])
    assert res.grade[0] == 3 and res.grade_labels[3] == "mild imbalance"
    # D = 1 (both systems at 1) goes to the top class
    res = coupling_coordination([[1.0], [1.0]])
    assert res.D[0] == 1.0 and res.grade[0] == 9


def test_user_thresholds_and_errors():
    g = coordination_grades([0.1, 0.45, 0.7], thresholds=[0.4, 0.6], labels=["a", "b", "c"])
    assert_array_equal(g.codes, [0, 1, 2])
    assert g.labels == ("a", "b", "c")
    res = coupling_coordination([[0.2], [0.8]], thresholds=[0.5], labels=["lo", "hi"])
    assert res.grade_labels[res.grade[0]] == "hi"  # D = 0.632
    assert res.summary.counts.shape == (1, 2)
    with pytest.raises(InputDataError, match="strictly increasing"):
        coordination_grades([0.5], thresholds=[0.5, 0.4])
    with pytest.raises(InputDataError, match="one label more"):
        coordination_grades([0.5], thresholds=[0.4, 0.6], labels=["a", "b"])
    with pytest.raises(InputDataError, match="'ten', 'three'"):
        coordination_grades([0.5], "five")
    with pytest.raises(InputDataError, match="'left', 'right'"):
        coordination_grades([0.5], closed="both")


# ---------------------------------------------------------------------------
# relative development type
# ---------------------------------------------------------------------------
def test_lag_difference_by_hand():
    # tol = 0.25 (exact in binary): (0.25, 0.5): 0.25 < 0.5 - 0.25 is False -> synchronous
    U1 = [0.25, np.nextafter(0.25, 0), 0.5, 0.8, 0.5]
    U2 = [0.5, 0.5, 0.25, 0.2, 0.5]
    assert_array_equal(relative_development([U1, U2], tol=0.25), [0, 1, 0, 2, 0])
    # default tol 0.1
    assert_array_equal(relative_development([[0.2, 0.5, 0.6], [0.5, 0.45, 0.45]]), [1, 0, 2])
    # three systems: the lowest lags if max - min exceeds tol; ties -> first system
    U = [[0.2, 0.6, 0.5, 0.2], [0.5, 0.55, 0.55, 0.2], [0.6, 0.3, 0.47, 0.5]]
    assert_array_equal(relative_development(U), [1, 3, 0, 1])
    res = coupling_coordination(U, names=["eco", "soc", "env"])
    assert [res.lag_labels[c] for c in res.lag_type] == [
        "eco lags", "env lags", "synchronous", "eco lags"]


def test_lag_ratio_by_hand():
    # band (0.8, 1.2): 0.4 / 0.5 = 0.8 is inside (synchronous), 0.39 / 0.5 < 0.8 -> system 1,
    # 0.6 / 0.5 = 1.2 inside, 0.61 / 0.5 > 1.2 -> system 2; U2 = 0 < U1 -> system 2; 0, 0 -> sync
    U1 = [0.4, 0.39, 0.6, 0.61, 0.3, 0.0, 0.0]
    U2 = [0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.3]
    assert_array_equal(relative_development([U1, U2], "ratio"), [0, 1, 0, 2, 2, 0, 1])
    assert_array_equal(relative_development([U1, U2], "ratio", band=(0.5, 2.0)),
                       [0, 0, 0, 0, 2, 0, 1])
    with pytest.raises(InputDataError, match="two systems"):
        relative_development([U1, U2, U2], "ratio")
    with pytest.raises(InputDataError, match="0 < low <= 1 <= high"):
        relative_development([U1, U2], "ratio", band=(1.2, 0.8))
    with pytest.raises(InputDataError, match="'difference', 'ratio'"):
        relative_development([U1, U2], "quotient")
    with pytest.raises(InputDataError, match=">= 0"):
        relative_development([U1, U2], tol=-0.1)


def test_lag_swapping_systems_swaps_codes():
    U1, U2 = np.random.default_rng(8).random((2, 500))
    a = relative_development([U1, U2])
    b = relative_development([U2, U1])
    assert_array_equal(b, np.choose(a, [0, 2, 1]))
    assert set(np.unique(a)) == {0, 1, 2}


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
def test_summary_by_hand():
    # D = 0.2, 0.4, 0.6: mean 0.4; squared deviations 0.04 + 0 + 0.04 = 0.08;
    # sd (ddof=1) = sqrt(0.04) = 0.2, cv = 0.5; ddof=0: sqrt(0.08 / 3)
    s = summarize_coordination([[0.2], [0.4], [0.6]])
    assert_allclose(s.mean, [0.4])
    assert_allclose(s.sd, [0.2])
    assert_allclose(s.cv, [0.5])
    assert_array_equal(s.counts[0], [0, 0, 1, 0, 1, 0, 1, 0, 0, 0])
    s0 = summarize_coordination([[0.2], [0.4], [0.6]], ddof=0)
    assert_allclose(s0.sd, [math.sqrt(0.08 / 3)])
    # a single region: sd undefined with ddof=1
    assert np.isnan(summarize_coordination([[0.5]]).sd[0])


def test_summary_against_pandas_with_groups_and_undefined():
    pd = reference("pandas")
    rng = np.random.default_rng(11)
    n, t = 300, 4
    U = rng.random((2, n, t))
    U[:, 7, 2] = 0.0  # undefined D
    groups = rng.choice(["north", "south", "west"], n)
    res = coupling_coordination(_ntk(U), groups=groups, ids=[f"r{i}" for i in range(n)],
                                periods=["2000", "2005", "2010", "2015"])
    assert any("'r7' ('2010')" in w for w in res.warnings)
    long = pd.DataFrame({
        "group": np.repeat(groups, t),
        "period": np.tile(np.arange(t), n),
        "D": res.D.ravel(),
        "grade": res.grade.ravel(),
    })
    s = res.summary
    by_p = long.groupby("period")["D"]
    assert_allclose(s.mean, by_p.mean().to_numpy(), rtol=1e-13)
    assert_allclose(s.sd, by_p.std(ddof=1).to_numpy(), rtol=1e-12)
    assert_allclose(s.cv, (by_p.std(ddof=1) / by_p.mean()).to_numpy(), rtol=1e-12)
    assert_array_equal(s.n_valid, [n, n, n - 1, n])
    ct = pd.crosstab(long["period"], long["grade"]).reindex(columns=range(10), fill_value=0)
    assert_array_equal(s.counts, ct.to_numpy())
    # groups ordered by label (core.groups)
    first = sorted(set(groups))
    assert s.group_labels == tuple(first)
    gp = long.groupby(["group", "period"])["D"]
    for g, label in enumerate(first):
        assert_allclose(s.group_mean[g], gp.mean()[label].to_numpy(), rtol=1e-13)
        assert_allclose(s.group_sd[g], gp.std(ddof=1)[label].to_numpy(), rtol=1e-12)
        assert_array_equal(s.group_n[g], gp.count()[label].to_numpy())
        sub = long[(long["group"] == label) & (long["grade"] >= 0)]
        ctg = pd.crosstab(sub["period"], sub["grade"]).reindex(
            index=range(t), columns=range(10), fill_value=0)
        assert_array_equal(s.group_counts[g], ctg.to_numpy())
    assert s.group_counts.sum() == n * t - 1


def test_summary_group_errors():
    U = [[0.2, 0.4], [0.6, 0.8]]
    with pytest.raises(InputDataError, match="1 group label.*2 regions"):
        coupling_coordination(U, groups=["a"])
    with pytest.raises(InputDataError, match="empty for 1 region.*: B"):
        coupling_coordination(U, groups=["a", None], ids=["A", "B"])


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_out_of_range_warning_and_flag():
    res = coupling_coordination([[0.5, 1.2], [0.5, 0.9]], names=["eco", "env"],
                                ids=["A", "B"])
    assert_array_equal(res.out_of_range, [False, True])
    assert len(res.warnings) == 1 and "'eco'" in res.warnings[0] and "'B'" in res.warnings[0]
    assert res.D[1] > 1 - 1e-12 and res.grade[1] == 9  # T = 1.05; computed as given
    # wang: 1 - |0.1 - 1.5| < 0 -> undefined with a warning
    res = coupling_coordination([[0.1], [1.5]], variant="wang", ids=["Z"])
    assert np.isnan(res.C[0]) and res.grade[0] == -1 and res.undefined[0]
    assert any("Wang" in w and "'Z'" in w for w in res.warnings)


def test_all_zero_gives_nan_with_warning():
    res = coupling_coordination([[[0.0, 0.5]], [[0.0, 0.0]]], ids=["A"], periods=["2000", "2001"])
    assert np.isnan(res.C[0, 0]) and np.isnan(res.D[0, 0]) and res.grade[0, 0] == -1
    assert res.C[0, 1] == 0.0 and res.D[0, 1] == 0.0 and res.grade[0, 1] == 0
    assert any("'A' ('2000')" in w and "undefined" in w for w in res.warnings)
    assert_array_equal(res.undefined, [[True, False]])
    assert_array_equal(res.summary.n_valid, [0, 1])
    assert np.isnan(res.summary.mean[0])


def test_refuses_negative_nan_and_bad_shapes():
    with pytest.raises(InputDataError, match=r"'env' is negative.*'B' \('2001'\)"):
        coupling_coordination([[[0.1, 0.2], [0.3, 0.4]], [[0.1, 0.2], [0.3, -0.4]]],
                              names=["eco", "env"], ids=["A", "B"], periods=["2000", "2001"])
    with pytest.raises(InputDataError, match=r"'eco' is missing.*'A' \('2001'\)"):
        coupling_coordination([[[0.1, np.nan]], [[0.1, 0.2]]], names=["eco", "env"],
                              ids=["A"], periods=["2000", "2001"])
    with pytest.raises(InputDataError, match=r"system 2.*shape \(3,\).*shape \(2,\)"):
        coupling_coordination([[0.1, 0.2], [0.1, 0.2, 0.3]])
    with pytest.raises(InputDataError, match="at least two systems"):
        coupling_coordination([[0.1, 0.2]])
    with pytest.raises(InputDataError, match="3 region ids were given for 2 regions"):
        coupling_coordination([[0.1, 0.2], [0.1, 0.2]], ids=["a", "b", "c"])
    with pytest.raises(InputDataError, match="numbers"):
        coupling_coordination([["a", "b"], [0.1, 0.2]])
    with pytest.raises(InputDataError, match="'standard', 'ratio', 'wang'"):
        coupling_coordination([[0.1, 0.2], [0.1, 0.2]], variant="modified")


def test_single_period_shapes_progress_and_cancel():
    seen = []
    res = coupling_coordination(_ntk(np.array([[0.2, 0.4, 0.6], [0.3, 0.3, 0.3]])),
                                progress=seen.append)
    assert res.C.shape == res.D.shape == res.grade.shape == res.lag_type.shape == (3,)
    assert res.summary.mean.shape == (1,) and res.summary.counts.shape == (1, 10)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Canceled):
        coupling_coordination([[0.2], [0.3]], is_canceled=lambda: True)
    assert coordination_degree(0.8, 0.5) == math.sqrt(0.4)
    assert_allclose(coordination_degree([0.8, np.nan], [0.5, 0.5]), [math.sqrt(0.4), np.nan])


# ---------------------------------------------------------------------------
# axis order, groups object, options from text
# ---------------------------------------------------------------------------
def test_array_input_is_regions_periods_systems():
    from regional_resilience.core.panel import Panel

    rng = np.random.default_rng(21)
    eco, env = rng.random((2, 6, 3))
    by_list = coupling_coordination([eco, env], (0.4, 0.6), names=["eco", "env"])
    panel = Panel(np.array(list("abcdef"), dtype=object), ("2001", "2002", "2003"),
                  {"eco": eco, "env": env})
    stacked = panel.stacked(["eco", "env"])  # (regions, periods, systems)
    by_array = coupling_coordination(stacked, (0.4, 0.6), names=["eco", "env"])
    for name in ("C", "T", "D", "grade", "lag_type"):
        assert_array_equal(getattr(by_array, name), getattr(by_list, name))
    # by hand for one cell: C = 2 sqrt(eco env) / (eco + env), T = 0.4 eco + 0.6 env
    e, v = eco[2, 1], env[2, 1]
    assert by_array.C[2, 1] == pytest.approx(2 * math.sqrt(e * v) / (e + v), rel=1e-15)
    assert by_array.T[2, 1] == pytest.approx(0.4 * e + 0.6 * v, rel=1e-15)
    # (regions, systems): one period
    one = coupling_coordination(stacked[:, 0, :])
    assert one.D.shape == (6,)
    assert_allclose(one.D, coupling_coordination([eco[:, 0], env[:, 0]]).D, rtol=0)
    # the input is not modified and may be a non-contiguous view
    before = stacked.copy()
    coupling_coordination(stacked[:, ::2, :])
    assert_array_equal(stacked, before)
    with pytest.raises(InputDataError, match=r"\(regions, periods, systems\).*shape \(6,\)"):
        coupling_coordination(eco[:, 0])
    with pytest.raises(InputDataError, match="at least two systems; got 1"):
        coupling_coordination(stacked[:, :, :1])


def test_groups_object_gives_the_same_summary():
    from regional_resilience.core.groups import groups_from_labels

    rng = np.random.default_rng(4)
    U = rng.random((40, 3, 2))
    labels = rng.choice(["east", "west"], 40)
    a = coupling_coordination(U, groups=labels).summary
    b = coupling_coordination(U, groups=groups_from_labels(labels, field="region")).summary
    assert a.group_labels == b.group_labels == ("east", "west")
    assert_array_equal(a.group_mean, b.group_mean)
    assert_array_equal(a.group_counts, b.group_counts)
    with pytest.raises(InputDataError, match="39 group labels were given for 40 regions"):
        coupling_coordination(U, groups=groups_from_labels(labels[:39]))


def test_parse_system_weights():
    names = ["economy", "environment"]
    assert parse_system_weights("0.4, 0.6", names) == (0.4, 0.6)
    assert parse_system_weights("0.4;0.6", names) == (0.4, 0.6)
    assert parse_system_weights(" 0.4 0.6 ", names) == (0.4, 0.6)
    assert parse_system_weights("environment 0.6; Economy: 0.4", names) == (0.4, 0.6)
    assert parse_system_weights("economy=0.25, environment = 3/4", names) == (0.25, 0.75)
    assert parse_system_weights("", names) is None and parse_system_weights(None, names) is None
    thirds = parse_system_weights("1/3, 1/3, 1/3", ["a", "b", "c"])
    assert thirds == (1 / 3, 1 / 3, 1 / 3)
    assert_allclose(coupling_coordination([[0.3], [0.6], [0.9]], thirds).T, [0.6], rtol=1e-15)
    # names with blanks and digits
    assert parse_system_weights("new infra 2 0.3; resilience 0.7", ["new infra 2", "resilience"]) == (0.3, 0.7)
    with pytest.raises(InputDataError, match=r"at 'x'.*order economy, environment"):
        parse_system_weights("0.4, x", names)
    with pytest.raises(InputDataError, match="mix numbers with and without system names"):
        parse_system_weights("0.4, environment 0.6", names)
    with pytest.raises(InputDataError, match="'society', which is not a system.*economy, environment"):
        parse_system_weights("economy 0.4; society 0.6", names)
    with pytest.raises(InputDataError, match="'economy' twice"):
        parse_system_weights("economy 0.4; ECONOMY 0.6", names)
    with pytest.raises(InputDataError, match="leave out environment"):
        parse_system_weights("economy 1", names)
    with pytest.raises(InputDataError, match="'1/0' divides by zero"):
        parse_system_weights("1/0, 1", names)


def test_parse_grading():
    assert parse_grading("ten") == {"grades": "ten", "thresholds": None, "labels": None}
    g = parse_grading("user", "0.3, 0.5;0.7", "low; fair, mixed; good; high")
    assert g == {"grades": "user", "thresholds": (0.3, 0.5, 0.7),
                 "labels": ("low", "fair, mixed", "good", "high")}
    assert parse_grading("user", "0.5", "lo, hi")["labels"] == ("lo", "hi")
    res = coupling_coordination([[0.2, 0.5], [0.8, 0.5]], **parse_grading("user", "0.65", "lo, hi"))
    assert res.grade_labels == ("lo", "hi") and res.grade.tolist() == [0, 1]  # D = 0.632, 0.707
    # labels replace a built-in scheme's (e.g. a translation)
    assert parse_grading("three", labels="低; 中; 高")["labels"] == ("低", "中", "高")
    with pytest.raises(InputDataError, match="user grade scheme needs thresholds"):
        parse_grading("user")
    with pytest.raises(InputDataError, match=r"thresholds were given \('0.4'\).*'ten'"):
        parse_grading("ten", "0.4")
    with pytest.raises(InputDataError, match="'a' as a number"):
        parse_grading("user", "0.3, a")
    with pytest.raises(InputDataError, match="strictly increasing; got 0.5, 0.3"):
        parse_grading("user", "0.5, 0.3")
    with pytest.raises(InputDataError, match="make 3 classes but 2 label"):
        parse_grading("user", "0.3, 0.5", "low; high")
    with pytest.raises(InputDataError, match="make 3 classes but 2 label"):
        parse_grading("three", labels="low; high")
    with pytest.raises(InputDataError, match="empty label"):
        parse_grading("user", "0.5", "low;;")
    with pytest.raises(InputDataError, match="'ten', 'three', 'user'"):
        parse_grading("five")
