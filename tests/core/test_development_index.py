"""Tests for regional_resilience.core.development_index."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from regional_resilience.core.development_index import (
    composite_index,
    development_index,
    subsystem_membership,
)
from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.indicator_weights import (
    combine_multiplicative,
    entropy_weights,
    g1_weights,
    objective_weights,
)
from regional_resilience.core.standardize import minmax

# 2 regions x 2 periods x 3 indicators, already standardised
L = np.array(
    [
        [[0.0, 1.0, 0.5], [0.2, 0.4, 1.0]],
        [[1.0, 0.0, 0.5], [0.6, 0.8, 0.0]],
    ]
)
F = np.array([0.5, 0.3, 0.2])
SUBS = ["eco", "eco", "soc"]


def test_overall_index_by_hand():
    res = development_index(L, F)
    # region 0: .5*0 + .3*1 + .2*.5 = .40 ; .5*.2 + .3*.4 + .2*1 = .42
    # region 1: .5*1 + .3*0 + .2*.5 = .60 ; .5*.6 + .3*.8 + .2*0 = .54
    assert_allclose(res.index, [[0.40, 0.42], [0.60, 0.54]])
    assert res.subsystem_index is None and res.subsystem_labels == ()


def test_subsystems_renormalised_by_hand():
    res = development_index(L, F, SUBS)
    assert res.subsystem_labels == ("eco", "soc")
    assert res.renormalized
    # eco weights .5/.8 = .625 and .3/.8 = .375 ; soc weight 1
    eco = np.array([[0.375, 0.625 * 0.2 + 0.375 * 0.4], [0.625, 0.625 * 0.6 + 0.375 * 0.8]])
    soc = np.array([[0.5, 1.0], [0.5, 0.0]])
    assert_allclose(res.subsystem_index[..., 0], eco)
    assert_allclose(res.subsystem_index[..., 1], soc)
    assert_allclose(res.subsystem_weights, [0.8, 0.2])
    # overall = sum_g W_g S_g
    assert_allclose(res.index, 0.8 * eco + 0.2 * soc)


def test_subsystems_unrenormalised_by_hand():
    res = development_index(L, F, SUBS, renormalize=False)
    eco = np.array([[0.3, 0.5 * 0.2 + 0.3 * 0.4], [0.5, 0.5 * 0.6 + 0.3 * 0.8]])
    soc = np.array([[0.1, 0.2], [0.1, 0.0]])
    assert_allclose(res.subsystem_index[..., 0], eco)
    assert_allclose(res.subsystem_index[..., 1], soc)
    # contributions add up to the overall index
    assert_allclose(res.subsystem_index.sum(axis=-1), res.index)


def test_per_period_weights():
    Ft = np.array([[0.5, 0.3, 0.2], [0.0, 0.0, 1.0]])
    res = development_index(L, Ft, SUBS)
    assert_allclose(res.index[:, 0], [0.40, 0.60])
    assert_allclose(res.index[:, 1], [1.0, 0.0])
    assert res.subsystem_weights.shape == (2, 2)
    # eco has zero weight in period 1: renormalised index undefined -> NaN, warned
    assert np.isnan(res.subsystem_index[:, 1, 0]).all()
    assert not np.isnan(res.subsystem_index[:, 0, 0]).any()
    assert "Subsystem 'eco'" in res.warnings[0]


def test_weights_are_normalised_and_2d_input():
    res = development_index(L[:, 0, :], [5, 3, 2], SUBS)
    assert res.index.shape == (2,)
    assert res.subsystem_index.shape == (2, 2)
    assert_allclose(res.index, [0.40, 0.60])
    assert_allclose(res.weights, F)


def test_membership_and_errors():
    labels, G = subsystem_membership([2, 1, 2], 3)
    assert labels == (2, 1)
    assert G.tolist() == [[1, 0], [0, 1], [1, 0]]
    with pytest.raises(InputDataError, match="2 subsystem label"):
        development_index(L, F, ["a", "b"])
    with pytest.raises(InputDataError, match="Indicator 'b' has no subsystem"):
        development_index(L, F, ["a", None, "c"], names=["a", "b", "c"])
    with pytest.raises(InputDataError, match="2 weight"):
        development_index(L, [0.5, 0.5])
    with pytest.raises(InputDataError, match="3 rows but the table has 2"):
        development_index(L, np.ones((3, 3)))
    with pytest.raises(InputDataError, match="All indicator weights are zero"):
        development_index(L, [0, 0, 0])


# ---------------------------------------------------------------- composite_index
X = np.array(
    [
        [[1.0, 9.0], [2.0, 8.0]],
        [[2.0, 8.0], [4.0, 5.0]],
        [[4.0, 7.0], [5.0, 5.0]],
    ]
)  # 3 regions x 2 periods x 2 indicators; indicator 1 negative


def test_composite_by_hand_given_weights():
    # pooled min-max, shift 0: col 0 (x - 1) / 4 ; col 1 (9 - x) / 4
    # region-years: (0, 0), (.25, .25) / (.25, .25), (.75, 1) / (.75, .5), (1, 1)
    res = composite_index(X, [True, False], weights=[0.25, 0.75], shift=0.0)
    expected = np.array(
        [
            [0.0, 0.25],
            [0.25, 0.25 * 0.75 + 0.75 * 1.0],
            [0.25 * 0.75 + 0.75 * 0.5, 1.0],
        ]
    )
    assert_allclose(res.index, expected)
    assert res.weighting is None and res.pooled


def test_composite_entropy_matches_pieces():
    rng = np.random.default_rng(21)
    P = rng.lognormal(size=(30, 4, 5))
    dirs = [True, False, True, True, False]
    subs = ["e", "e", "s", "n", "n"]
    res = composite_index(P, dirs, subsystems=subs)
    w = entropy_weights(P, dirs)
    assert_allclose(res.weights, w.weights)
    assert_allclose(res.weighting.entropy, w.entropy)
    ref = development_index(minmax(P, dirs), w.weights, subs)
    assert_allclose(res.index, ref.index)
    assert_allclose(res.subsystem_index, ref.subsystem_index)
    assert res.index.shape == (30, 4) and res.subsystem_index.shape == (30, 4, 3)


def test_renormalised_entropy_equals_entropy_within_subsystem():
    """Documented property: renormalised entropy weights = entropy weights
    computed on the subsystem's own indicators."""
    rng = np.random.default_rng(22)
    P = rng.lognormal(size=(20, 3, 4))
    res = composite_index(P, subsystems=["a", "b", "a", "b"])
    for g, cols in ((0, [0, 2]), (1, [1, 3])):
        inner = composite_index(P[..., cols])
        assert_allclose(res.subsystem_index[..., g], inner.index, rtol=1e-12)


def test_reversed_negative_indicator_gives_same_index():
    rng = np.random.default_rng(23)
    P = rng.normal(size=(25, 5, 3))
    a = composite_index(P, [True, False, True], weights=("entropy", "critic"))
    Q = P.copy()
    Q[..., 1] *= -1
    b = composite_index(Q, [True, True, True], weights=("entropy", "critic"))
    assert_allclose(a.index, b.index, rtol=1e-12)
    assert_allclose(a.weights, b.weights, rtol=1e-12)


def test_constant_indicator_reported_and_ignored():
    P = X.copy()
    P = np.concatenate([P, np.full((3, 2, 1), 4.0)], axis=2)
    res = composite_index(P, [True, False, True], names=["gdp", "pm25", "flat"])
    assert res.constant.tolist() == [False, False, True]
    assert res.weights[2] == 0.0
    assert any("'flat'" in w for w in res.warnings)
    ref = composite_index(X, [True, False])
    # the constant column adds shift * 0 -> the index is unchanged
    assert_allclose(res.index, ref.index)


def test_per_period_composite_and_given_objects():
    rng = np.random.default_rng(24)
    P = rng.random((15, 3, 4))
    res = composite_index(P, pooled=False, weights="cv")
    assert res.weights.shape == (3, 4) and not res.pooled
    ow = objective_weights(P, methods="entropy")
    via_obj = composite_index(P, weights=ow)
    assert via_obj.weighting is ow
    G = g1_weights([3, 2, 1, 0], [1.2, 1.2, 1.2])
    combo = combine_multiplicative(G, ow.weights)
    res2 = composite_index(P, weights=combo)
    assert_allclose(res2.weights, combo)


def test_progress_and_cancel():
    seen = []
    composite_index(X, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Canceled):
        composite_index(X, is_canceled=lambda: True)


def test_composite_errors():
    with pytest.raises(InputDataError, match="Unknown weighting method 'ahp'"):
        composite_index(X, weights="ahp")
    with pytest.raises(InputDataError, match="shift"):
        composite_index(X, shift=np.nan)
    bad = X.copy()
    bad[0, 1, 1] = np.nan
    with pytest.raises(InputDataError, match="Indicator 'pm25' has 1 missing .*period '2001'"):
        composite_index(bad, names=["gdp", "pm25"], periods=["2000", "2001"])
