"""Tests for regional_resilience.core.inequality (Dagum Gini, Theil, sigma)."""
from tests.references import reference
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core import inequality as ineq
from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.inequality import dagum_gini, gini, sigma_convergence, theil


# ---------------------------------------------------------------------------
# brute-force references written straight from the definitions (O(n^2))
# ---------------------------------------------------------------------------
def brute_gini(y):
    """sum_i sum_r |y_i - y_r| / (2 n^2 mu), one period."""
    n = len(y)
    return np.abs(y[:, None] - y[None, :]).sum() / (2.0 * n * n * y.mean())


def brute_dagum(y, lab, groups):
    """Dagum (1997) for one period, groups ranked by mean, pairs j > h.

    Returns dict of scalars and arrays indexed like ``groups``.
    """
    y = np.asarray(y, float)
    lab = np.asarray(lab, dtype=object)
    n, mu = len(y), y.mean()
    k = len(groups)
    members = [y[lab == g] for g in groups]
    nj = np.array([len(m) for m in members], float)
    muj = np.array([m.mean() for m in members])
    p = nj / n
    s = nj * muj / (n * mu)
    Gjj = np.zeros(k)
    for j, m in enumerate(members):
        tot = np.abs(m[:, None] - m[None, :]).sum()
        Gjj[j] = tot / (2 * nj[j] ** 2 * muj[j]) if muj[j] > 0 else 0.0
    ranked = sorted(range(k), key=lambda j: (muj[j], j))  # mu_1 <= mu_2 <= ...
    Gjh = np.full((k, k), np.nan)
    D = np.full((k, k), np.nan)
    d = np.full((k, k), np.nan)
    pt = np.full((k, k), np.nan)
    G_nb = G_t = 0.0
    for a in range(1, k):
        for b in range(a):
            j, h = ranked[a], ranked[b]  # mu_j >= mu_h
            diff = members[j][:, None] - members[h][None, :]
            djh = np.maximum(diff, 0).mean()
            pjh = np.maximum(-diff, 0).mean()
            if djh + pjh == 0:  # documented rule: identical groups, G_jh = 0, D undefined
                Gjh[j, h] = Gjh[h, j] = 0.0
                d[j, h] = d[h, j] = pt[j, h] = pt[h, j] = 0.0
                continue
            g = np.abs(diff).sum() / (nj[j] * nj[h] * (muj[j] + muj[h]))
            Djh = (djh - pjh) / (djh + pjh)
            Gjh[j, h] = Gjh[h, j] = g
            D[j, h] = D[h, j] = Djh
            d[j, h] = d[h, j] = djh
            pt[j, h] = pt[h, j] = pjh
            G_nb += g * (p[j] * s[h] + p[h] * s[j]) * Djh
            G_t += g * (p[j] * s[h] + p[h] * s[j]) * (1 - Djh)
    return dict(
        G=brute_gini(y), G_w=float((Gjj * p * s).sum()), G_nb=G_nb, G_t=G_t,
        G_jj=Gjj, G_jh=Gjh, D_jh=D, d_jh=d, p_jh=pt, mean=muj, s=s, p=p,
        order=np.array(ranked),
    )


def assert_matches_brute(res, y, lab, rtol=1e-12, atol=1e-14):
    for k in range(y.shape[1]):
        ref = brute_dagum(y[:, k], lab, res.groups)
        for name in ("G", "G_w", "G_nb", "G_t"):
            assert_allclose(getattr(res, name)[k], ref[name], rtol=rtol, atol=atol, err_msg=name)
        for name in ("G_jj", "mean", "s"):
            assert_allclose(getattr(res, name)[:, k], ref[name], rtol=rtol, atol=atol,
                            err_msg=name)
        for name in ("G_jh", "D_jh", "d_jh", "p_jh"):
            assert_allclose(getattr(res, name)[:, :, k], ref[name], rtol=rtol, atol=atol,
                            err_msg=name)
        assert_allclose(res.p, ref["p"], rtol=rtol)
        assert_array_equal(res.order_by_mean[:, k], ref["order"])


# ---------------------------------------------------------------------------
# Dagum Gini
# ---------------------------------------------------------------------------
def test_dagum_two_groups_by_hand():
    # A = (1, 5), B = (3, 7); n = 4, total 16, mu = 4, mu_A = 3, mu_B = 5.
    # Unordered |differences|: 1-5:4, 1-3:2, 1-7:6, 5-3:2, 5-7:2, 3-7:4 -> 20,
    # ordered 40: G = 40 / (2 * 16 * 4) = 5/16.
    # G_AA = 2*4 / (2 * 2^2 * 3) = 1/3 ; G_BB = 2*4 / (2 * 2^2 * 5) = 1/5.
    # Cross |diff|: |1-3| + |1-7| + |5-3| + |5-7| = 2 + 6 + 2 + 2 = 12;
    # G_AB = 12 / (2 * 2 * (3 + 5)) = 3/8.
    # B is richer: d = (2 + 6 + 0 + 2)/4 = 2.5, p = (0 + 0 + 2 + 0)/4 = 0.5,
    # D = 2 / 3.  p_A = p_B = 1/2, s_A = 6/16 = 3/8, s_B = 10/16 = 5/8.
    # G_w = 1/3 * 1/2 * 3/8 + 1/5 * 1/2 * 5/8 = 1/16 + 1/16 = 1/8.
    # weight p_B s_A + p_A s_B = 1/2; G_gb = 3/8 * 1/2 = 3/16;
    # G_nb = 3/16 * 2/3 = 1/8, G_t = 3/16 * 1/3 = 1/16; sum 5/16 = G.
    res = dagum_gini([1.0, 5.0, 3.0, 7.0], ["A", "A", "B", "B"])
    assert res.groups == ("A", "B") and res.periods == (1,)
    assert_allclose(res.G, [5 / 16], rtol=1e-15)
    assert_allclose(res.G_jj[:, 0], [1 / 3, 1 / 5], rtol=1e-15)
    assert_allclose(res.G_jh[0, 1], [3 / 8])
    assert_allclose(res.G_jh[1, 0], [3 / 8])
    assert np.isnan(res.G_jh[0, 0, 0]) and np.isnan(res.D_jh[1, 1, 0])
    assert_allclose(res.d_jh[0, 1], [2.5])
    assert_allclose(res.p_jh[1, 0], [0.5])
    assert_allclose(res.D_jh[1, 0], [2 / 3], rtol=1e-15)
    assert_allclose(res.mean[:, 0], [3, 5])
    assert_allclose(res.s[:, 0], [3 / 8, 5 / 8])
    assert_allclose(res.p, [0.5, 0.5])
    assert_allclose([res.G_w[0], res.G_nb[0], res.G_t[0]], [1 / 8, 1 / 8, 1 / 16], rtol=1e-15)
    assert_allclose(res.G_gb, [3 / 16], rtol=1e-15)
    assert_allclose([res.C_w[0], res.C_nb[0], res.C_t[0]], [0.4, 0.4, 0.2], rtol=1e-14)
    assert_array_equal(res.order_by_mean[:, 0], [0, 1])
    assert res.warnings == ()


def test_dagum_no_overlap_by_hand():
    # A = (1, 3), B = (4, 8): no transvariation. mu = 4, s_A = 1/4, s_B = 3/4.
    # |diff| unordered: 2,3,7,1,5,4 -> 22; G = 44 / 128 = 11/32.
    # G_AA = 4/(2*4*2) = 1/4, G_BB = 8/(2*4*6) = 1/6; G_w = 1/4*1/2*1/4 + 1/6*1/2*3/4 = 3/32.
    # cross = 3+7+1+5 = 16, G_AB = 16/(4*8) = 1/2, D = 1, weight 1/2: G_nb = 1/4, G_t = 0.
    res = dagum_gini([[1.0], [3.0], [4.0], [8.0]], ["A", "A", "B", "B"])
    assert_allclose([res.G[0], res.G_w[0], res.G_nb[0], res.G_t[0]],
                    [11 / 32, 3 / 32, 1 / 4, 0.0], rtol=1e-15, atol=1e-16)
    assert_allclose(res.D_jh[0, 1], [1.0])


def test_identity_and_plain_gini_on_random_lognormal():
    rng = np.random.default_rng(1)
    y = rng.lognormal(size=(300, 6))
    lab = rng.choice(["east", "central", "west", "northeast"], size=300, p=[.4, .3, .2, .1])
    res = dagum_gini(y, lab)
    assert_allclose(res.G_w + res.G_nb + res.G_t, res.G, rtol=0, atol=1e-12)
    assert_allclose(res.C_w + res.C_nb + res.C_t, 1.0, atol=1e-12)
    brute = np.array([brute_gini(y[:, k]) for k in range(6)])
    assert_allclose(res.G, brute, rtol=1e-12)
    assert_allclose(gini(y), brute, rtol=1e-12)
    assert_matches_brute(res, y, lab)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_every_component_equals_bruteforce_with_ties_and_unequal_groups(seed):
    rng = np.random.default_rng(seed)
    n, t = 29, 5
    y = rng.integers(0, 6, size=(n, t)).astype(float)  # many ties, some zeros
    lab = rng.choice(["e", "c", "w"], size=n, p=[.6, .3, .1]).astype(object)
    lab[7] = "solo"  # a group with a single region: G_jj = 0
    y[:, 0] = rng.integers(0, 3, size=n)
    res = dagum_gini(y, lab)
    assert_matches_brute(res, y, lab)
    assert_allclose(res.G_jj[res.groups.index("solo")], 0.0)
    assert_allclose(res.G_w + res.G_nb + res.G_t, res.G, atol=1e-12)
    # pair arrays are symmetric, D in [0, 1]
    for name in ("G_jh", "D_jh", "d_jh", "p_jh"):
        a = getattr(res, name)
        assert_array_equal(a, a.transpose(1, 0, 2))
    off = ~np.isnan(res.D_jh)
    assert (res.D_jh[off] >= -1e-15).all() and (res.D_jh[off] <= 1 + 1e-15).all()


def test_ranking_by_mean_changes_between_periods():
    # period 1: group A poorer; period 2: group A richer
    y = np.array([[1.0, 9.0], [2.0, 8.0], [6.0, 2.0], [7.0, 3.0], [5.0, 1.0]])
    lab = ["A", "A", "B", "B", "B"]
    res = dagum_gini(y, lab)
    assert_array_equal(res.order_by_mean, [[0, 1], [1, 0]])
    assert_matches_brute(res, y, lab)
    assert (res.D_jh[0, 1] > 0).all()


def test_nearly_constant_values_keep_precision():
    rng = np.random.default_rng(5)
    y = 1e6 + rng.random((200, 2))
    lab = rng.choice(["a", "b", "c"], size=200)
    res = dagum_gini(y, lab)
    assert_matches_brute(res, y, lab, rtol=1e-9, atol=1e-18)


def test_group_order_permutes_the_arrays():
    rng = np.random.default_rng(6)
    y = rng.lognormal(size=(40, 3))
    lab = rng.choice(["east", "central", "west", "northeast"], size=40)
    a = dagum_gini(y, lab)
    assert a.groups == ("central", "east", "northeast", "west")  # sorted by default
    order = ["east", "central", "west", "northeast"]
    b = dagum_gini(y, lab, group_order=order)
    assert b.groups == tuple(order)
    perm = [a.groups.index(g) for g in order]
    assert_allclose(b.G_jj, a.G_jj[perm], rtol=1e-14)
    assert_allclose(b.D_jh, a.D_jh[np.ix_(perm, perm)], rtol=1e-14)
    assert_allclose(b.G_jh, a.G_jh[np.ix_(perm, perm)], rtol=1e-14)
    assert_array_equal(np.asarray(b.groups)[b.order_by_mean], np.asarray(a.groups)[a.order_by_mean])
    assert_allclose(b.G_nb, a.G_nb, rtol=1e-13)


def test_blocks_progress_and_cancel(monkeypatch):
    rng = np.random.default_rng(7)
    y = rng.lognormal(size=(50, 7))
    lab = rng.choice(["a", "b", "c", "d"], size=50)
    whole = dagum_gini(y, lab)
    monkeypatch.setattr(ineq, "_BLOCK_VALUES", 100)  # 2 periods per block
    seen = []
    blocks = dagum_gini(y, lab, progress=seen.append)
    assert_allclose(seen, [2 / 7, 4 / 7, 6 / 7, 1.0])
    for name in ("G", "G_w", "G_nb", "G_t", "G_jj", "G_jh", "D_jh"):
        assert_allclose(getattr(blocks, name), getattr(whole, name), rtol=1e-15, err_msg=name)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Canceled):
        dagum_gini(y, lab, is_canceled=cancel)


def test_group_with_zero_mean_and_two_all_zero_groups():
    # group "z" all zero: G_jj = 0 (no 0/0), pair with "a" defined (D = 1)
    y = np.array([0.0, 0.0, 1.0, 3.0, 2.0])
    lab = ["z", "z", "a", "a", "a"]
    res = dagum_gini(y, lab)
    assert_matches_brute(res, y[:, None], lab)
    assert res.G_jj[res.groups.index("z"), 0] == 0.0
    # two all-zero groups: G_jh = 0, D undefined (NaN) and no contribution
    y2 = np.array([0.0, 0.0, 0.0, 1.0, 3.0])
    lab2 = ["z", "y", "y", "a", "a"]
    r2 = dagum_gini(y2, lab2)
    iz, iy = r2.groups.index("z"), r2.groups.index("y")
    assert r2.G_jh[iz, iy, 0] == 0.0 and np.isnan(r2.D_jh[iz, iy, 0])
    assert_allclose(r2.G_w + r2.G_nb + r2.G_t, r2.G, atol=1e-15)
    assert np.isfinite([r2.G_w, r2.G_nb, r2.G_t]).all()
    assert any("D_jh is undefined" in w and "'y'-'z'" in w for w in r2.warnings)


def test_single_group_is_allowed_and_all_within():
    y = np.array([[1.0, 2.0], [4.0, 2.0], [7.0, 2.0]])
    res = dagum_gini(y, ["all"] * 3)
    assert_allclose(res.G_w, res.G)
    assert_allclose(res.G_nb, 0)
    assert_allclose(res.G_t, 0)
    assert res.G_jh.shape == (1, 1, 2) and np.isnan(res.G_jh).all()
    # period 2 is constant: G = 0, rates NaN (documented) and warned
    assert res.G[1] == 0 and np.isnan(res.C_w[1]) and res.C_w[0] == pytest.approx(1.0)
    assert any("one group" in w for w in res.warnings)
    assert any("same value in period 2" in w for w in res.warnings)


def test_numeric_labels_and_one_dimensional_input():
    y = np.array([2.0, 4.0, 6.0, 1.0])
    res = dagum_gini(y, [2.0, 1.0, 2.0, 1.0])
    assert res.groups == ("1", "2") and res.G.shape == (1,)  # labels as text (core.groups)
    assert isinstance(gini(y), float)
    assert_allclose(gini(y), brute_gini(y), rtol=1e-15)


# ---------------------------------------------------------------------------
# PySAL reference on real data: Mexican states 1940-2000
# ---------------------------------------------------------------------------
def _mexico():
    libpysal = reference("libpysal")
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    try:
        y = np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)], float).T
        regions = {c: np.array(f.by_col(c)) for c in ("hanson98", "hanson03", "inegi")}
    finally:
        f.close()
    return y, regions


def test_mexico_gini_equals_pysal():
    Gini = reference("inequality.gini").Gini
    y, regions = _mexico()
    ref = np.array([Gini(y[:, k]).g for k in range(y.shape[1])])
    assert_allclose(gini(y), ref, rtol=1e-13)
    res = dagum_gini(y, regions["hanson98"], periods=range(1940, 2010, 10))
    assert_allclose(res.G, ref, rtol=1e-13)
    assert_allclose(res.G_w + res.G_nb + res.G_t, ref, rtol=1e-13)
    assert res.periods == tuple(range(1940, 2010, 10))


@pytest.mark.parametrize("field", ["hanson98", "hanson03", "inegi"])
def test_mexico_theil_equals_pysal(field):
    TheilD = reference("inequality.theil").TheilD
    y, regions = _mexico()
    ref = TheilD(y, regions[field])
    res = theil(y, regions[field])
    assert_allclose(res.T, ref.T, rtol=1e-13)
    assert_allclose(res.T_b, ref.bg, rtol=1e-12)
    assert_allclose(res.T_w, ref.wg, rtol=1e-12)
    if field == "hanson98":  # the numbers printed in TheilD's docstring
        assert_allclose(res.T_b[:2], [0.0345889, 0.02816853], atol=1e-8)


# ---------------------------------------------------------------------------
# Theil
# ---------------------------------------------------------------------------
def test_theil_by_hand():
    # A = (1, 1), B = (2, 2): mu = 3/2, no inequality within groups.
    # T = 1/4 [2 (2/3) ln(2/3) + 2 (4/3) ln(4/3)] = 1/3 ln(2/3) + 2/3 ln(4/3)
    # s_A = 2/6 = 1/3, s_B = 2/3: T_b = 1/3 ln(1/1.5) + 2/3 ln(2/1.5) = T; T_w = 0.
    res = theil([1.0, 1.0, 2.0, 2.0], ["A", "A", "B", "B"])
    expected = np.log(2 / 3) / 3 + 2 * np.log(4 / 3) / 3
    assert_allclose(res.T, [expected], rtol=1e-14)
    assert_allclose(res.T_b, [expected], rtol=1e-14)
    assert_allclose(res.T_w, [0.0], atol=1e-16)
    assert_allclose(res.s[:, 0], [1 / 3, 2 / 3])
    assert_allclose(res.C_b, [1.0])


def test_theil_against_definition_and_identity():
    rng = np.random.default_rng(8)
    y = rng.lognormal(size=(60, 4))
    lab = rng.choice(["n", "s", "x"], size=60)
    res = theil(y, lab)
    for k in range(4):
        v = y[:, k]
        r = v / v.mean()
        assert_allclose(res.T[k], np.mean(r * np.log(r)), rtol=1e-13)
        for j, g in enumerate(res.groups):
            m = v[lab == g]
            rg = m / m.mean()
            assert_allclose(res.T_g[j, k], np.mean(rg * np.log(rg)), rtol=1e-12)
            assert_allclose(res.s[j, k], m.sum() / v.sum(), rtol=1e-13)
    assert_allclose(res.T_w + res.T_b, res.T, atol=1e-14)
    assert_allclose(res.C_w + res.C_b, 1.0, atol=1e-12)
    plain = theil(y)
    assert plain.groups is None and plain.T_w is None
    assert_allclose(plain.T, res.T, rtol=0)


# ---------------------------------------------------------------------------
# sigma convergence
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ddof", [0, 1])
def test_sigma_against_numpy(ddof):
    rng = np.random.default_rng(9)
    y = rng.lognormal(size=(45, 5))
    lab = rng.choice(["east", "west", "central"], size=45)
    res = sigma_convergence(y, lab, ddof=ddof, log=True)
    assert_allclose(res.sd, np.std(y, axis=0, ddof=ddof), rtol=1e-14)
    assert_allclose(res.cv, np.std(y, axis=0, ddof=ddof) / y.mean(axis=0), rtol=1e-14)
    assert_allclose(res.sd_log, np.std(np.log(y), axis=0, ddof=ddof), rtol=1e-14)
    for j, g in enumerate(res.groups):
        sub = y[lab == g]
        assert_allclose(res.group_mean[j], sub.mean(axis=0), rtol=1e-13)
        assert_allclose(res.group_sd[j], sub.std(axis=0, ddof=ddof), rtol=1e-12)
        assert_allclose(res.group_cv[j], sub.std(axis=0, ddof=ddof) / sub.mean(axis=0),
                        rtol=1e-12)
        assert_allclose(res.group_sd_log[j], np.log(sub).std(axis=0, ddof=ddof), rtol=1e-12)
    assert res.ddof == ddof and res.log and res.warnings == ()


def test_sigma_default_is_population_sd_and_edge_rules():
    # values 1, 3 -> mean 2, population sd 1 (ddof=0 default)
    res = sigma_convergence([[1.0, -1.0], [3.0, 1.0]])
    assert_allclose(res.sd, [1.0, 1.0])
    assert res.sd_log is None and res.groups is None
    assert res.cv[0] == 0.5 and np.isnan(res.cv[1])  # mean 0 in period 2
    assert any("mean is 0 in period 2" in w for w in res.warnings)
    r1 = sigma_convergence([1.0, 3.0, 5.0], ["a", "a", "b"], ddof=1)
    assert np.isnan(r1.group_sd[1, 0]) and r1.group_sd[0, 0] == pytest.approx(np.sqrt(2))
    assert any("'b'" in w and "ddof=1" in w for w in r1.warnings)


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------
def test_missing_values_name_region_and_period():
    y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 4.0]])
    for fn in (lambda **kw: dagum_gini(y, ["a", "b", "a"], **kw), lambda **kw: gini(y, **kw),
               lambda **kw: theil(y, **kw), lambda **kw: sigma_convergence(y, **kw)):
        with pytest.raises(InputDataError, match=r"period '2000'.*Oaxaca") as err:
            fn(ids=["Jalisco", "Oaxaca", "Sonora"], periods=["1990", "2000"])
        assert err.value.period == 1
    with pytest.raises(InputDataError, match=r"period 2 for region\(s\) row 1"):
        dagum_gini(y, ["a", "b", "a"])


def test_negative_values_refused_naming_regions():
    y = np.array([[1.0, 2.0], [-2.0, 1.0], [-3.0, 4.0]])
    with pytest.raises(InputDataError, match=r"non-negative.*period 1 has negative values "
                                             r"for region\(s\) B, C"):
        dagum_gini(y, ["a", "b", "a"], ids=["A", "B", "C"])
    with pytest.raises(InputDataError, match="negative"):
        gini(y)


def test_all_zero_period_refused():
    y = np.array([[1.0, 0.0], [2.0, 0.0]])
    with pytest.raises(InputDataError, match=r"undefined when every value is 0: period 'y2'"):
        dagum_gini(y, ["a", "b"], periods=["y1", "y2"])
    with pytest.raises(InputDataError, match="every value is 0"):
        gini(y)


def test_theil_refuses_zero_and_negative():
    y = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 4.0]])
    with pytest.raises(InputDataError, match=r"strictly positive.*period 1 has zero or "
                                             r"negative values for region\(s\) Oaxaca"):
        theil(y, ids=["Jalisco", "Oaxaca", "Sonora"])
    with pytest.raises(InputDataError, match="strictly positive"):
        sigma_convergence(y, log=True)


@pytest.mark.parametrize("bad", [None, np.nan, "", "  "])
def test_missing_group_labels_refused(bad):
    y = np.arange(1.0, 5.0)
    labels = ["a", bad, "b", "a"]
    for fn in (dagum_gini, theil, sigma_convergence):
        with pytest.raises(InputDataError, match=r"empty for 1 region.*Oaxaca"):
            fn(y, labels, ids=["J", "Oaxaca", "S", "T"])


def test_label_and_option_mismatches():
    y = np.arange(1.0, 5.0)
    with pytest.raises(InputDataError, match="3 group labels were given for 4 regions"):
        dagum_gini(y, ["a", "b", "a"])
    with pytest.raises(InputDataError, match=r"misses the group\(s\) b.*lists c"):
        dagum_gini(y, ["a", "b", "a", "b"], group_order=["a", "c"])
    with pytest.raises(InputDataError, match="repeats"):
        theil(y, ["a", "b", "a", "b"], group_order=["a", "b", "a"])
    with pytest.raises(InputDataError, match="ddof must be one of 0, 1"):
        sigma_convergence(y, ddof=2)
    with pytest.raises(InputDataError, match="ddof must be one of"):
        sigma_convergence(y, ddof=True)
    with pytest.raises(InputDataError, match="At least 2 regions"):
        gini([3.0])
    with pytest.raises(InputDataError, match="shape"):
        gini(np.ones((2, 2, 2)))
    with pytest.raises(InputDataError, match="must be numbers"):
        theil(["a", "b"])
    with pytest.raises(InputDataError, match="2 region ids were given for 4"):
        gini(y, ids=["x", "y"])
    with pytest.raises(InputDataError, match="3 period labels were given for 1"):
        gini(y, periods=["1", "2", "3"])
    with pytest.raises(InputDataError, match="no period"):
        gini(np.ones((3, 0)))


def test_groups_object_is_accepted():
    from regional_resilience.core.groups import Groups

    rng = np.random.default_rng(10)
    y = rng.lognormal(size=(30, 2))
    names = np.array(["west", "east", "central"])
    codes = rng.integers(0, 3, size=30)
    codes[:3] = [0, 1, 2]
    grp = Groups(tuple(names), codes)
    a = dagum_gini(y, grp)
    assert a.groups == ("west", "east", "central")  # the object's own order
    b = dagum_gini(y, names[codes], group_order=["west", "east", "central"])
    for name in ("G", "G_w", "G_nb", "G_t", "G_jj", "G_jh", "D_jh"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-14, err_msg=name)
    c = theil(y, grp, group_order=["central", "east", "west"])
    assert c.groups == ("central", "east", "west")
    assert_allclose(c.T_g, theil(y, names[codes]).T_g, rtol=1e-14)
    # a group without regions (a subset of the regions) is dropped
    d = dagum_gini(y, Groups(("a", "b", "c", "d"), codes))
    assert d.groups == ("a", "b", "c")
    with pytest.raises(InputDataError, match="29 group labels were given for 30 regions"):
        dagum_gini(y, Groups(("a", "b", "c"), codes[:-1]))

def test_single_region_group_is_allowed_and_named_in_warnings():
    # "s" has one region: its within measures are 0, every identity still holds
    y = np.array([[1.0, 2.0], [4.0, 3.0], [7.0, 9.0], [2.0, 5.0]])
    lab = ["a", "a", "s", "a"]
    res = dagum_gini(y, lab)
    assert_matches_brute(res, y, lab)
    assert_array_equal(res.G_jj[res.groups.index("s")], [0.0, 0.0])
    assert any("'s' have a single region" in w and "G_jj" in w for w in res.warnings)
    t = theil(y, lab)
    assert_array_equal(t.T_g[t.groups.index("s")], [0.0, 0.0])
    assert any("'s' have a single region" in w and "T_g" in w for w in t.warnings)
    s0 = sigma_convergence(y, lab)
    assert any("'s' have a single region" in w for w in s0.warnings)
    s1 = sigma_convergence(y, lab, ddof=1)  # NaN there, said by the ddof note instead
    assert not any("single region" in w for w in s1.warnings)
    assert not any("single region" in w for w in dagum_gini(y, ["a", "a", "b", "b"]).warnings)
