"""Tests for regional_resilience.core.resilience."""
from tests.references import reference
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.resilience import (
    agglomeration,
    herfindahl,
    location_quotients,
    martin_resilience,
)


# ---------------------------------------------------------------------------
# Martin's index
# ---------------------------------------------------------------------------
def _martin_loop(Y, k, ref_of_region):
    """Direct loop over regions and year pairs; ``ref_of_region(i)`` is the
    reference series of region i."""
    n, t = Y.shape
    out = np.full((n, t - k), np.nan)
    for i in range(n):
        R = ref_of_region(i)
        for p, s in enumerate(range(t - k)):
            e = s + k
            if R[s] == 0:
                continue
            dE = (R[e] - R[s]) / R[s] * Y[i, s]
            if dE == 0:
                continue
            out[i, p] = ((Y[i, e] - Y[i, s]) - dE) / abs(dE)
    return out


def test_martin_by_hand():
    # national 400 -> 380 (-5 %) -> 418 (+10 %)
    # region a: 100 -> 90 -> 95: dE = -5, dY = -10 -> (-10 + 5)/5 = -1;
    #           then dE = 0.1 * 90 = 9, dY = 5 -> (5 - 9)/9 = -4/9
    # region b: 300 -> 290 -> 323: dE = -15, dY = -10 -> 5/15 = 1/3;
    #           then dE = 29, dY = 33 -> 4/29
    Y = np.array([[100.0, 90.0, 95.0], [300.0, 290.0, 323.0]])
    res = martin_resilience(Y, periods=["2007", "2009", "2011"])
    assert_allclose(res.index, [[-1.0, -4 / 9], [1 / 3, 4 / 29]], rtol=1e-14)
    assert_allclose(res.expected_change, [[-5.0, 9.0], [-15.0, 29.0]], rtol=1e-14)
    assert_allclose(res.actual_change, [[-10.0, 5.0], [-10.0, 33.0]])
    assert_allclose(res.reference_growth, [[-0.05, 0.1], [-0.05, 0.1]], rtol=1e-14)
    assert_array_equal(res.contraction, [[True, False], [True, False]])
    assert res.pairs == (("2007", "2009"), ("2009", "2011"))
    assert res.reference == "national" and res.warnings == ()
    assert_allclose(res.reference_total, [400.0, 380.0, 418.0])
    # k = 2: 400 -> 418 (+4.5 %); a: dE = 4.5, dY = -5 -> -9.5/4.5
    res2 = martin_resilience(Y, k=2)
    assert_allclose(res2.index, [[-9.5 / 4.5], [(23 - 13.5) / 13.5]], rtol=1e-14)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_martin_against_loop_on_us_income(k):
    libpysal = reference("libpysal")
    import pandas as pd

    df = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    years = [str(y) for y in range(1929, 2010)]
    Y = df[years].to_numpy(float)
    res = martin_resilience(Y, k=k, ids=df["Name"], periods=years)
    national = Y.sum(axis=0)
    ref = _martin_loop(Y, k, lambda i: national)
    assert_allclose(res.index, ref, rtol=1e-12)
    assert res.index.shape == (48, 81 - k)
    assert res.pairs[0] == ("1929", str(1929 + k))
    fell = national[k:] < national[:-k]
    assert_array_equal(res.contraction, np.broadcast_to(fell, res.index.shape))
    assert fell[0]  # the Depression: 1929 -> 1930, 1931 or 1934 are all below 1929
    assert res.warnings == ()


def test_martin_group_reference_against_loop_on_mexico():
    libpysal = reference("libpysal")
    import pandas as pd

    df = pd.read_csv(libpysal.examples.get_path("mexico.csv"))
    years = [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    Y = df[[f"pcgdp{y}" for y in years]].to_numpy(float)
    groups = df["inegi"].to_numpy()
    res = martin_resilience(Y, groups=groups, periods=[str(y) for y in years])
    totals = {g: Y[groups == g].sum(axis=0) for g in np.unique(groups)}
    ref = _martin_loop(Y, 1, lambda i: totals[groups[i]])
    assert_allclose(res.index, ref, rtol=1e-12)
    assert res.reference == "group"
    # labels as text, ordered numerically (core.groups): INEGI regions 1..5
    assert res.group_labels == tuple(str(g) for g in sorted(set(groups.astype(int))))
    for g, label in enumerate(res.group_labels):
        assert_allclose(res.reference_total[g], totals[groups[groups.astype(int) == int(label)][0]])
    # a region alone in its group has expected change = actual change: index 0
    single = [g for g in np.unique(groups) if (groups == g).sum() == 1]
    for g in single:
        assert_allclose(res.index[groups == g], 0.0, atol=1e-12)


def test_martin_given_reference_and_pairs():
    rng = np.random.default_rng(2)
    Y = rng.uniform(50, 150, (6, 8))
    R = rng.uniform(1000, 2000, 8)
    periods = [str(2000 + i) for i in range(8)]
    res = martin_resilience(Y, reference=R, pairs=[("2001", "2004"), (4, 7)], periods=periods)
    assert res.pairs == (("2001", "2004"), ("2004", "2007"))
    assert_array_equal(res.start, [1, 4]) and assert_array_equal(res.end, [4, 7])
    for p, (s, e) in enumerate([(1, 4), (4, 7)]):
        g = (R[e] - R[s]) / R[s]
        dE = g * Y[:, s]
        assert_allclose(res.index[:, p], ((Y[:, e] - Y[:, s]) - dE) / np.abs(dE), rtol=1e-13)
    assert res.reference == "given"
    # a reference series per region (n, t)
    R2 = rng.uniform(1000, 2000, (6, 8))
    res2 = martin_resilience(Y, reference=R2)
    assert_allclose(res2.index, _martin_loop(Y, 1, lambda i: R2[i]), rtol=1e-12)


def test_martin_undefined_cases_are_nan_with_warnings():
    # national 40 -> 40 (unchanged): dE = 0 for both regions in the first pair;
    # region b has 0 at the start of the second pair -> dE = 0 as well
    Y = np.array([[10.0, 40.0, 50.0], [30.0, 0.0, 5.0]])
    res = martin_resilience(Y, ids=["a", "b"], periods=["2000", "2001", "2002"])
    assert np.isnan(res.index[:, 0]).all() and np.isnan(res.index[1, 1])
    assert_allclose(res.index[0, 1], (10 - 40 * 15 / 40) / (40 * 15 / 40))
    assert len(res.warnings) == 1
    w = res.warnings[0]
    assert "'a' (2000-2001)" in w and "'b' (2000-2001)" in w and "'b' (2001-2002)" in w
    # a group with zero total at the start: growth undefined, named
    Y = np.array([[0.0, 5.0], [10.0, 12.0], [20.0, 18.0]])
    res = martin_resilience(Y, groups=["x", "y", "y"])
    assert np.isnan(res.index[0, 0]) and np.isnan(res.reference_growth[0, 0])
    assert any("group 'x'" in w for w in res.warnings)
    # national total zero at the start
    res = martin_resilience(np.array([[0.0, 1.0], [0.0, 2.0]]), periods=["a", "b"])
    assert np.isnan(res.index).all() and "national total is 0" in res.warnings[0]


def test_martin_errors():
    Y = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(InputDataError, match=r"missing or not finite.*'B' \('2001'\)"):
        martin_resilience(np.array([[1.0, 2.0], [3.0, np.nan]]), ids=["A", "B"],
                          periods=["2000", "2001"])
    with pytest.raises(InputDataError, match=r"negative.*'A' \('2000'\)"):
        martin_resilience(np.array([[-1.0, 2.0], [3.0, 4.0]]), ids=["A", "B"],
                          periods=["2000", "2001"])
    with pytest.raises(InputDataError, match="from 1 to 2"):
        martin_resilience(Y, k=3)
    with pytest.raises(InputDataError, match="from 1 to 2"):
        martin_resilience(Y, k=0)
    with pytest.raises(InputDataError, match="either groups"):
        martin_resilience(Y, groups=["a", "b"], reference=[1.0, 2.0, 3.0])
    with pytest.raises(InputDataError, match="Unknown period '1999'"):
        martin_resilience(Y, pairs=[("1999", "2001")], periods=["2000", "2001", "2002"])
    with pytest.raises(InputDataError, match="start before"):
        martin_resilience(Y, pairs=[(2, 1)])
    with pytest.raises(InputDataError, match=r"shape \(3,\) or \(2, 3\)"):
        martin_resilience(Y, reference=[1.0, 2.0])
    with pytest.raises(InputDataError, match="at least two periods"):
        martin_resilience(np.array([[1.0], [2.0]]))
    with pytest.raises(InputDataError, match="1 group label"):
        martin_resilience(Y, groups=["a"])
    with pytest.raises(Canceled):
        martin_resilience(Y, is_canceled=lambda: True)


# ---------------------------------------------------------------------------
# agglomeration
# ---------------------------------------------------------------------------
def test_agglomeration_by_hand():
    # l = [[10, 30], [30, 30]]: l_i = 40, 60; l_j = 40, 60; l = 100
    # LQ_11 = (10/40)/(40/100) = 0.625, LQ_12 = (30/40)/(60/100) = 1.25,
    # LQ_21 = (30/60)/(0.4) = 1.25,   LQ_22 = 0.5/0.6 = 5/6
    # national HHI: a = (10/40)^2 + (30/60)^2 = 0.3125; b = (30/40)^2 + (30/60)^2 = 0.8125
    # share HHI:    a = 0.25^2 + 0.75^2 = 0.625;       b = 0.5^2 + 0.5^2 = 0.5
    L = [[10.0, 30.0], [30.0, 30.0]]
    res = agglomeration(L)
    assert_allclose(res.lq, [[0.625, 1.25], [1.25, 5 / 6]], rtol=1e-15)
    assert_allclose(res.hhi, [0.3125, 0.8125], rtol=1e-15)
    assert_allclose(res.region_total, [40, 60]) and assert_allclose(res.industry_total, [40, 60])
    assert res.total == 100.0 and res.warnings == ()
    assert_allclose(herfindahl(L, "share"), [0.625, 0.5], rtol=1e-15)
    assert_allclose(location_quotients(L), res.lq)


def test_agglomeration_identities_and_brute_force():
    rng = np.random.default_rng(4)
    n, m, t = 25, 6, 3
    L = rng.integers(0, 500, (n, m, t)).astype(float)
    res = agglomeration(L)
    li, lj, l = L.sum(axis=1), L.sum(axis=0), L.sum(axis=(0, 1))
    # sum_i (l_i / l) LQ_ij = sum_i l_ij / l_j = 1 and sum_j (l_j / l) LQ_ij = 1
    assert_allclose(np.einsum("nt,nmt->mt", li / l, res.lq), 1.0, rtol=1e-13)
    assert_allclose(np.einsum("mt,nmt->nt", lj / l, res.lq), 1.0, rtol=1e-13)
    share = agglomeration(L, hhi_variant="share").hhi
    assert ((share >= 1 / m - 1e-15) & (share <= 1 + 1e-15)).all()
    for c in range(t):
        for i in range(n):
            nat = sum((L[i, j, c] / lj[j, c]) ** 2 for j in range(m))
            own = sum((L[i, j, c] / li[i, c]) ** 2 for j in range(m))
            assert res.hhi[i, c] == pytest.approx(nat, rel=1e-13)
            assert share[i, c] == pytest.approx(own, rel=1e-13)
            for j in range(m):
                lq = (L[i, j, c] / li[i, c]) / (lj[j, c] / l[c])
                assert res.lq[i, j, c] == pytest.approx(lq, rel=1e-13)
        # a period slice equals the 2-D call
        one = agglomeration(L[:, :, c])
        assert_allclose(one.lq, res.lq[:, :, c], rtol=1e-15)
        assert_allclose(one.hhi, res.hhi[:, c], rtol=1e-15)
    # the national-form HHI sums to sum_j sum_i (l_ij/l_j)^2 <= m
    assert (res.hhi.sum(axis=0) <= m + 1e-12).all()


def test_agglomeration_zero_regions_and_industries():
    # region C has no employment; industry 'mining' none anywhere
    L = [[10.0, 0.0, 30.0], [30.0, 0.0, 30.0], [0.0, 0.0, 0.0]]
    res = agglomeration(L, ids=["A", "B", "C"], industries=["farm", "mining", "services"])
    assert np.isnan(res.lq[2]).all() and np.isnan(res.lq[:, 1]).all()
    assert_allclose(res.lq[:2][:, [0, 2]], [[0.625, 1.25], [1.25, 5 / 6]], rtol=1e-15)
    assert_allclose(res.hhi, [0.3125, 0.8125, 0.0], rtol=1e-15)
    assert any("'C'" in w for w in res.warnings)
    assert any("'mining'" in w for w in res.warnings)
    share = agglomeration(L, hhi_variant="share").hhi
    assert_allclose(share[:2], [0.625, 0.5]) and np.isnan(share[2])
    res = agglomeration(np.zeros((2, 2)))
    assert np.isnan(res.lq).all() and "no employment at all" in res.warnings[0]


def test_agglomeration_missing_and_errors():
    L = np.array([[10.0, np.nan], [30.0, 30.0]])
    with pytest.raises(InputDataError, match=r"missing.*'A' / 'mining'.*missing='zero'"):
        agglomeration(L, ids=["A", "B"], industries=["farm", "mining"])
    res = agglomeration(L, missing="zero", ids=["A", "B"], industries=["farm", "mining"])
    # as [[10, 0], [30, 30]]: l_i = 10, 60; l_j = 40, 30; l = 70; LQ_11 = 1/(40/70) = 1.75
    assert_allclose(res.lq[0], [1.75, 0.0])
    assert "'A' / 'mining'" in res.warnings[0]
    assert np.isnan(L[0, 1])  # the caller's array is not modified
    L3 = np.ones((2, 2, 2))
    L3[1, 0, 1] = np.nan
    with pytest.raises(InputDataError, match=r"row 1 / industry 1 \('2001'\)"):
        agglomeration(L3, periods=["2000", "2001"])
    with pytest.raises(InputDataError, match="negative"):
        agglomeration([[1.0, -1.0]])
    with pytest.raises(InputDataError, match="infinite"):
        agglomeration([[1.0, np.inf]])
    with pytest.raises(InputDataError, match="'national', 'share'"):
        agglomeration([[1.0, 1.0]], hhi_variant="entropy")
    with pytest.raises(InputDataError, match="'refuse', 'zero'"):
        agglomeration([[1.0, 1.0]], missing="drop")
    with pytest.raises(InputDataError, match="regions, industries"):
        agglomeration([1.0, 2.0])


# ---------------------------------------------------------------------------
# what the Processing tools use: refusing a zero reference, texts, shares
# ---------------------------------------------------------------------------
def test_martin_zero_reference_refused_when_asked():
    # national 40 -> 40: unchanged over 2000-2001
    Y = np.array([[10.0, 40.0, 50.0], [30.0, 0.0, 5.0]])
    periods = ["2000", "2001", "2002"]
    with pytest.raises(InputDataError, match=r"national total does not change over 1 period "
                                             r"pair\(s\): 2000-2001\. .*another reference") as err:
        martin_resilience(Y, periods=periods, zero_reference="refuse")
    assert err.value.code == "zero_reference" and err.value.params["where"] == "2000-2001"
    # a group total 0 at the start, named with its pair
    Y = np.array([[0.0, 5.0], [10.0, 12.0], [20.0, 18.0]])
    with pytest.raises(InputDataError, match=r"group total is 0 at the start of 1 .*group 'x' \(0-1\)"):
        martin_resilience(Y, groups=["x", "y", "y"], zero_reference="refuse")
    # a region with nothing at the start is not the reference's fault: NaN, warning
    Y = np.array([[0.0, 5.0, 6.0], [10.0, 12.0, 13.0], [20.0, 18.0, 17.0]])
    res = martin_resilience(Y, zero_reference="refuse")
    assert np.isnan(res.index[0, 0]) and np.isfinite(res.index[1:]).all()
    assert "expected change is 0" in res.warnings[0]
    with pytest.raises(InputDataError, match="'nan', 'refuse'"):
        martin_resilience(Y, zero_reference="skip")


def test_martin_pairs_given_twice_and_unknown_period_listing():
    Y = np.ones((2, 20)) + np.arange(20)
    periods = [str(1990 + i) for i in range(20)]
    with pytest.raises(InputDataError, match=r"\('1990', '1995'\) is given twice"):
        martin_resilience(Y, pairs=[("1990", "1995"), ("1990", "1995")], periods=periods)
    with pytest.raises(InputDataError, match=r"Unknown period '1980'.*1990, 1991, 1992, \.\.\., "
                                             r"2007, 2008, 2009 \(20 periods\)"):
        martin_resilience(Y, pairs=[("1980", "1995")], periods=periods)


def test_parse_period_pairs_and_reference_series():
    from regional_resilience.core.resilience import parse_period_pairs, parse_reference_series

    assert parse_period_pairs("2008-2010, 2010-2015") == [("2008", "2010"), ("2010", "2015")]
    assert parse_period_pairs("2008 \u2013 2010;2010:2015 ; 2015 to 2019") == [
        ("2008", "2010"), ("2010", "2015"), ("2015", "2019")]
    assert parse_period_pairs("") is None and parse_period_pairs(None) is None
    with pytest.raises(InputDataError, match="Could not read the period pair '2008'"):
        parse_period_pairs("2008, 2009-2010")
    assert_allclose(parse_reference_series("1e3 1100.5,990", [1, 2, 3]), [1000.0, 1100.5, 990.0])
    assert parse_reference_series(" ", ["a"]) is None
    with pytest.raises(InputDataError, match=r"2 value\(s\) but the panel has 3 periods \(a, b, c\)"):
        parse_reference_series("1, 2", ["a", "b", "c"])
    with pytest.raises(InputDataError, match="Could not read '5x' of the reference series"):
        parse_reference_series("1,5x", ["a", "b"])


def test_agglomeration_shares_square_to_both_hhi():
    rng = np.random.default_rng(9)
    L = rng.integers(0, 50, (7, 4, 3)).astype(float)
    L[2, :, 1] = 0.0  # a region without employment in period 2
    L[:, 3, 0] = 0.0  # an industry without employment in period 1
    res = agglomeration(L)
    share = agglomeration(L, hhi_variant="share")
    with np.errstate(invalid="ignore"):
        assert_allclose(res.region_share, L / L.sum(axis=1, keepdims=True), rtol=1e-15)
    assert np.isnan(res.region_share[2, :, 1]).all() and np.isnan(res.industry_share[:, 3, 0]).all()
    assert_allclose(np.nansum(res.industry_share ** 2, axis=1), res.hhi, rtol=1e-14)
    assert_allclose(np.sum(share.region_share ** 2, axis=1), share.hhi, rtol=1e-14)
    one = agglomeration(L[:, :, 2])
    assert_allclose(one.industry_share, L[:, :, 2] / L[:, :, 2].sum(axis=0), rtol=1e-15)
