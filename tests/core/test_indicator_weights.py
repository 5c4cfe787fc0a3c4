"""Tests for regional_resilience.core.indicator_weights.

The expected values are written out as arithmetic on the standardised
tables, independent of the implementation.
"""
from tests.references import reference
from math import log, sqrt

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.indicator_weights import (
    IndicatorWeights,
    combine_linear,
    combine_mean,
    combine_multiplicative,
    critic_weights,
    cv_weights,
    entropy_weights,
    expert_weights,
    g1_weights,
    objective_weights,
)
from regional_resilience.core.standardize import minmax

# 4 regions x 2 indicators; indicator 0 positive, indicator 1 negative.
#   col 0 (x - 1) / 4        -> 0, 1/4, 1/2, 1
#   col 1 (40 - x) / 30      -> 1, 2/3, 1/3, 0
X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [5.0, 40.0]])
DIRS = [True, False]


def _h(*p):
    """-sum p ln p with 0 ln 0 = 0, written out."""
    return -sum(v * log(v) for v in p if v > 0)


# ---------------------------------------------------------------- entropy
def test_entropy_by_hand():
    # col 0: sum 1.75 -> p = 0, 1/7, 2/7, 4/7 ; col 1: sum 2 -> p = 1/2, 1/3, 1/6, 0
    e0 = _h(1 / 7, 2 / 7, 4 / 7) / log(4)
    e1 = _h(1 / 2, 1 / 3, 1 / 6) / log(4)
    d = np.array([1 - e0, 1 - e1])
    res = entropy_weights(X, DIRS, shift=0.0)
    assert_allclose(res.entropy, [e0, e1])
    assert_allclose(res.divergence, d)
    assert_allclose(res.weights, d / d.sum())
    assert res.methods == ("entropy",) and res.method == "entropy"
    assert res.pooled and res.standardization == "minmax"
    assert res.cv is None and res.sigma is None


def test_entropy_default_shift_by_hand():
    s = 1e-4
    L0 = np.array([0, 0.25, 0.5, 1]) + s
    L1 = np.array([1, 2 / 3, 1 / 3, 0]) + s
    es = [_h(*(L / L.sum())) / log(4) for L in (L0, L1)]
    d = 1 - np.array(es)
    assert_allclose(entropy_weights(X, DIRS).weights, d / d.sum())


def test_panel_entropy_pooled_uses_all_region_years():
    # 2 regions x 2 periods; indicator 0 has the 4 values of X[:, 0], indicator 1 of X[:, 1]
    P = X.reshape(2, 2, 2)
    res = entropy_weights(P, DIRS, shift=0.0)
    # pooled over the 4 region-years: exactly the cross-section above, k = 1/ln(2*2)
    assert_allclose(res.weights, entropy_weights(X, DIRS, shift=0.0).weights)
    assert res.weights.shape == (2,)


def test_panel_entropy_per_period_by_hand():
    # 3 regions x 2 periods x 2 indicators, both positive, shift 0
    P = np.empty((3, 2, 2))
    P[:, 0, 0] = [1, 2, 4]  # -> 0, 1/3, 1   p = 0, 1/4, 3/4
    P[:, 1, 0] = [1, 1, 2]  # -> 0, 0, 1     p = 0, 0, 1   e = 0
    P[:, 0, 1] = [5, 6, 7]  # -> 0, 1/2, 1   p = 0, 1/3, 2/3
    P[:, 1, 1] = [1, 2, 3]  # -> 0, 1/2, 1   p = 0, 1/3, 2/3
    e = np.array(
        [
            [_h(1 / 4, 3 / 4) / log(3), _h(1 / 3, 2 / 3) / log(3)],
            [0.0, _h(1 / 3, 2 / 3) / log(3)],
        ]
    )
    d = 1 - e
    res = entropy_weights(P, shift=0.0, pooled=False)
    assert res.weights.shape == (2, 2) and not res.pooled
    assert_allclose(res.entropy, e, atol=1e-15)
    assert_allclose(res.weights, d / d.sum(axis=1, keepdims=True))
    assert_allclose(res.weights.sum(axis=1), 1.0)


def test_entropy_without_standardisation():
    L = minmax(X, DIRS)
    a = entropy_weights(L, standardize=False)
    assert a.standardization == "none"
    assert_allclose(a.weights, entropy_weights(X, DIRS).weights)


def test_entropy_rejects_negative_raw_data():
    with pytest.raises(InputDataError, match="Indicator 'unemp' has negative values"):
        entropy_weights(np.array([[1.0, -1.0], [2.0, 3.0]]), standardize=False,
                        names=["gdp", "unemp"])


# ---------------------------------------------------------------- CV
def test_cv_by_hand():
    # col 0: 0, .25, .5, 1 -> mean .4375; squared deviations
    #   .19140625 + .03515625 + .00390625 + .31640625 = .546875
    # col 1: 1, 2/3, 1/3, 0 -> mean .5; squared deviations .25 + 1/36 + 1/36 + .25 = 5/9
    sd0, sd1 = sqrt(0.546875 / 3), sqrt((5 / 9) / 3)
    cv = np.array([sd0 / 0.4375, sd1 / 0.5])
    res = cv_weights(X, DIRS, shift=0.0)
    assert_allclose(res.cv_mean, [0.4375, 0.5])
    assert_allclose(res.cv_sd, [sd0, sd1])
    assert_allclose(res.cv, cv)
    assert_allclose(res.weights, cv / cv.sum())


def test_sd_convention_changes_values_not_weights():
    rng = np.random.default_rng(7)
    P = rng.lognormal(size=(15, 3, 4))
    for method in ("cv", "critic"):
        a = objective_weights(P, methods=method, ddof=1)
        b = objective_weights(P, methods=method, ddof=0)
        assert_allclose(a.weights, b.weights, rtol=1e-12)
    a, b = cv_weights(P, ddof=1), cv_weights(P, ddof=0)
    assert_allclose(a.cv / b.cv, sqrt(45 / 44))


# ---------------------------------------------------------------- CRITIC
# A table that is already min-max standardised (min 0, max 1 in every column):
#   c0 = 0, .5, 1, 1 ; c1 = 1, 0, .5, 0 ; c2 = 0, 1, 1, .5
# means .625, .375, .625; every sum of squared deviations = .6875
# cross products: c0.c1 = -.4375, c0.c2 = .4375, c1.c2 = -.4375
# r01 = -7/11, r02 = 7/11, r12 = -7/11
# conflict: c0 = (1 + 7/11) + (1 - 7/11) = 2 ; c1 = 2 * 18/11 = 36/11 ; c2 = 4/11 + 18/11 = 2
# sigma equal -> w = (2, 36/11, 2) / (80/11) = (.275, .45, .275)
C = np.array([[0, 1, 0], [0.5, 0, 1], [1, 0.5, 1], [1, 0, 0.5]], dtype=float)


def test_critic_by_hand():
    res = critic_weights(C)
    sigma = sqrt(0.6875 / 3)
    assert_allclose(res.sigma, [sigma] * 3)
    r = 7 / 11
    assert_allclose(res.correlation, [[1, -r, r], [-r, 1, -r], [r, -r, 1]], atol=1e-15)
    assert_allclose(res.conflict, [2, 36 / 11, 2])
    assert_allclose(res.information, sigma * np.array([2, 36 / 11, 2]))
    assert_allclose(res.weights, [0.275, 0.45, 0.275])


def test_critic_direction_flips_correlations():
    # declaring c1 negative and giving 1 - c1 is the same table after standardisation
    Y = C.copy()
    Y[:, 1] = 1 - Y[:, 1]
    assert_allclose(critic_weights(Y, [True, False, True]).weights, [0.275, 0.45, 0.275])


def test_critic_per_period_shapes():
    P = np.stack([C, C[::-1] ** 2], axis=1)  # 4 regions x 2 periods x 3
    res = critic_weights(P, pooled=False)
    assert res.weights.shape == (2, 3) and res.correlation.shape == (2, 3, 3)
    assert_allclose(res.weights[0], [0.275, 0.45, 0.275])
    assert_allclose(res.weights.sum(axis=1), 1.0)


# ---------------------------------------------------------------- constants and properties
@pytest.mark.parametrize("method", ["entropy", "cv", "critic"])
def test_constant_indicator_gets_zero_and_leaves_others_unchanged(method):
    rng = np.random.default_rng(11)
    P = rng.lognormal(size=(25, 4, 3))
    with_const = np.concatenate([P[..., :1], np.full((25, 4, 1), 3.0), P[..., 1:]], axis=2)
    a = objective_weights(P, [True, False, True], method)
    b = objective_weights(with_const, [True, True, False, True], method,
                          names=["a", "flat", "b", "c"])
    assert b.weights[1] == 0.0
    assert_array_equal(b.constant, [False, True, False, False])
    assert_allclose(np.delete(b.weights, 1), a.weights, rtol=1e-12)
    assert any("'flat' is constant over all region-years" in w for w in b.warnings)


def test_constant_in_one_period_only():
    rng = np.random.default_rng(12)
    P = rng.random((10, 3, 2))
    P[:, 1, 0] = 0.5
    res = objective_weights(P, methods=("entropy", "cv", "critic"), pooled=False,
                            periods=["2000", "2001", "2002"])
    assert_array_equal(res.constant[:, 0], [False, True, False])
    assert res.weights[1, 0] == 0.0 and res.weights[1, 1] == 1.0
    assert_allclose(res.weights.sum(axis=1), 1.0)
    assert "period '2001'" in res.warnings[0]
    # pooled: not constant over all region-years
    assert not objective_weights(P).constant.any()


def test_all_constant_is_an_error():
    with pytest.raises(InputDataError, match="every indicator is constant"):
        entropy_weights(np.ones((5, 3)))
    P = np.random.default_rng(0).random((4, 2, 2))
    P[:, 1, :] = 1.0
    with pytest.raises(InputDataError, match="period '1991'"):
        entropy_weights(P, pooled=False, periods=["1990", "1991"])


@pytest.mark.parametrize("method", ["entropy", "cv", "critic"])
@pytest.mark.parametrize("pooled", [True, False])
def test_weights_sum_to_one_and_nonnegative(method, pooled):
    rng = np.random.default_rng(5)
    P = rng.normal(size=(40, 6, 5))
    res = objective_weights(P, [True, False, True, False, True], method, pooled=pooled)
    assert np.all(res.weights >= 0)
    assert_allclose(res.weights.sum(axis=-1), 1.0)
    assert res.weights.shape == ((5,) if pooled else (6, 5))


@pytest.mark.parametrize("method", ["entropy", "cv", "critic"])
def test_invariant_to_units_and_reversal(method):
    rng = np.random.default_rng(6)
    P = rng.normal(size=(30, 3, 3))
    a = objective_weights(P, [True, False, True], method).weights
    Q = P * np.array([1000.0, 0.01, 7.0]) + np.array([5.0, -3.0, 0.0])
    assert_allclose(objective_weights(Q, [True, False, True], method).weights, a, rtol=1e-9)
    R = P.copy()
    R[..., 1] *= -1
    assert_allclose(objective_weights(R, [True, True, True], method).weights, a, rtol=1e-9)


def test_entropy_matches_a_loop_implementation():
    rng = np.random.default_rng(8)
    P = rng.lognormal(size=(12, 5, 4))
    dirs = [True, False, False, True]
    res = entropy_weights(P, dirs, pooled=False)
    for k in range(P.shape[1]):
        d = []
        for j in range(4):
            x = P[:, k, j]
            lo, hi = x.min(), x.max()
            L = ((x - lo) if dirs[j] else (hi - x)) / (hi - lo) + 1e-4
            p = L / L.sum()
            d.append(1 + (p * np.log(p)).sum() / log(len(x)))
        assert_allclose(res.weights[k], np.array(d) / sum(d), rtol=1e-12)


def test_several_methods_mean_and_product():
    res = objective_weights(X, DIRS, ("entropy", "cv", "critic"))
    per = res.per_method
    assert set(per) == {"entropy", "cv", "critic"}
    assert_allclose(res.weights, (per["entropy"] + per["cv"] + per["critic"]) / 3)
    assert res.method == "mean(entropy, cv, critic)"
    assert res.entropy is not None and res.cv is not None and res.sigma is not None
    prod = objective_weights(X, DIRS, ("entropy", "critic"), combine="product")
    pr = per["entropy"] * per["critic"]
    assert_allclose(prod.weights, pr / pr.sum())
    assert isinstance(prod, IndicatorWeights) and prod.combination == "product"


def test_objective_errors():
    with pytest.raises(InputDataError, match="Unknown weighting method 'pca'"):
        objective_weights(X, methods="pca")
    with pytest.raises(InputDataError, match="listed twice"):
        objective_weights(X, methods=("cv", "cv"))
    with pytest.raises(InputDataError, match="at least 2 observations"):
        objective_weights(np.ones((1, 3)))
    with pytest.raises(InputDataError, match="Unknown combination"):
        objective_weights(X, DIRS, ("cv", "critic"), combine="max")
    with pytest.raises(InputDataError, match="mean <= 0"):
        cv_weights(np.array([[-1.0], [-2.0]]), standardize=False)
    bad = X.copy()
    bad[2, 0] = np.nan
    with pytest.raises(InputDataError, match="Indicator 1 has 1 missing"):
        entropy_weights(bad)


# ---------------------------------------------------------------- G1
def test_g1_by_hand():
    # ranking: indicator 1 first, then 3, 0, 2 ; r2 = 1.4, r3 = 1.2, r4 = 1.0
    # w(4th) = 1 / (1 + 1.4*1.2*1.0 + 1.2*1.0 + 1.0) = 1 / 4.88
    w4 = 1 / 4.88
    w3 = 1.0 * w4
    w2 = 1.2 * w3
    w1 = 1.4 * w2
    w = g1_weights([1, 3, 0, 2], [1.4, 1.2, 1.0])
    assert_allclose(w, [w3, w1, w4, w2])
    assert_allclose(w.sum(), 1.0)
    assert_allclose(w, [0.20491803, 0.34426230, 0.20491803, 0.24590164], rtol=1e-7)


def test_g1_by_names_and_single_indicator():
    w = g1_weights(["soc", "eco"], [1.8], names=["eco", "soc"])
    # w(2nd) = 1 / (1 + 1.8); w(1st) = 1.8 / 2.8
    assert_allclose(w, [1 / 2.8, 1.8 / 2.8])
    assert_allclose(g1_weights([0], []), [1.0])


@pytest.mark.parametrize(
    "ranking, ratios, message",
    [
        ([0, 1, 1], [1.2, 1.2], "Indicator 2 appears more than once"),
        ([0, 1], [1.2], None),
        ([0, 2, 5], [1.2, 1.2], "not an indicator position"),
        ([0, 1, 2], [1.2], "needs 2 importance ratio"),
        ([0, 1, 2], [1.2, 2.0], r"r_3 = w\(2nd\)/w\(3rd\) .* 2.0; it must lie in \[1, 1.8\]"),
        ([0, 1, 2], [0.9, 1.2], r"r_2 .* 0.9"),
        ([0, 1, 2], [1.2, float("nan")], "r_3"),
    ],
)
def test_g1_validation(ranking, ratios, message):
    if message is None:
        with pytest.raises(InputDataError, match="leaves out indicator 'c'"):
            g1_weights(ranking, ratios, names=["a", "b", "c"])
        return
    with pytest.raises(InputDataError, match=message):
        g1_weights(ranking, ratios)


def test_g1_unknown_name():
    with pytest.raises(InputDataError, match="'env', which is not one of the indicators"):
        g1_weights(["env", "eco"], [1.2], names=["eco", "soc"])


# ---------------------------------------------------------------- expert weights, combinations
def test_expert_weights():
    assert_allclose(expert_weights([30, 50, 20]), [0.3, 0.5, 0.2])
    with pytest.raises(InputDataError, match="expert weight of indicator 'b' is -1"):
        expert_weights([1, -1], names=["a", "b"])
    with pytest.raises(InputDataError, match="All expert weights are zero"):
        expert_weights([0, 0])
    with pytest.raises(InputDataError, match="2 expert weight"):
        expert_weights([1, 2], names=["a", "b", "c"])
    with pytest.raises(InputDataError, match="non-negative"):
        expert_weights([1, np.nan])


def test_combinations_by_hand():
    R = [0.5, 0.3, 0.2]
    W = [0.2, 0.2, 0.6]
    # products .10, .06, .12 -> sum .28
    assert_allclose(combine_multiplicative(R, W), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28])
    # .4 R + .6 W
    assert_allclose(combine_linear(R, W, alpha=0.4), [0.32, 0.24, 0.44])
    assert_allclose(combine_mean(R, W), [0.35, 0.25, 0.40])
    # inputs are normalised first
    assert_allclose(combine_linear([5, 3, 2], [1, 1, 3], alpha=0.4), [0.32, 0.24, 0.44])


def test_combinations_broadcast_per_period():
    R = np.array([0.5, 0.5])
    W = np.array([[0.2, 0.8], [0.6, 0.4]])
    out = combine_multiplicative(R, W)
    assert out.shape == (2, 2)
    assert_allclose(out, W)
    assert_allclose(combine_linear(R, W, 1.0), [[0.5, 0.5], [0.5, 0.5]])


def test_combination_errors():
    with pytest.raises(InputDataError, match="share no indicator"):
        combine_multiplicative([1, 0], [0, 1])
    with pytest.raises(InputDataError, match="alpha must be in"):
        combine_linear([1, 1], [1, 1], alpha=1.5)
    with pytest.raises(InputDataError, match="different numbers of indicators"):
        combine_mean([1, 1], [1, 1, 1])
    with pytest.raises(InputDataError, match="non-negative"):
        combine_mean([1, -1])
    with pytest.raises(InputDataError, match="different numbers of periods"):
        combine_mean(np.ones((2, 3)), np.ones((3, 3)))


def test_g1_entropy_combination_workflow():
    obj = entropy_weights(X, DIRS)
    subj = g1_weights([1, 0], [1.2])
    F = combine_multiplicative(subj, obj.weights)
    assert_allclose(F.sum(), 1.0)
    prod = np.array([1 / 2.2, 1.2 / 2.2]) * obj.weights
    assert_allclose(F, prod / prod.sum())


# ---------------------------------------------------------------- pymcdm cross-check
def test_entropy_and_critic_match_pymcdm():
    """pymcdm 1.4.0 (optional): entropy and CRITIC weights.

    Formula variants: pymcdm's entropy uses the data as given (no min-max,
    no direction) and sets e_j = 0 for a column containing a zero, where we
    use 0 ln 0 = 0; its CRITIC min-max normalises every column as a benefit
    criterion (no direction). Fed our oriented, shifted min-max table (all
    values > 0), both give our weights.
    """
    pymcdm = reference("pymcdm")
    rng = np.random.default_rng(2024)
    for trial in range(5):
        A = rng.lognormal(size=(30, 6))
        dirs = rng.random(6) < 0.6
        L = minmax(A, dirs)
        ours_e = entropy_weights(A, dirs).weights
        assert_allclose(pymcdm.weights.entropy_weights(L), ours_e, rtol=1e-10)
        ours_c = critic_weights(A, dirs).weights
        assert_allclose(pymcdm.weights.critic_weights(L), ours_c, rtol=1e-10)
        # all-benefit data can go to pymcdm raw for CRITIC (min-max inside)
        assert_allclose(pymcdm.weights.critic_weights(A), critic_weights(A).weights, rtol=1e-10)


def test_critic_edge_cases():
    # one varying indicator next to a constant one: it takes all the weight
    res = critic_weights(np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]]))
    assert_allclose(res.weights, [1.0, 0.0])
    assert_allclose(critic_weights(np.array([[1.0], [2.0], [4.0]])).weights, [1.0])
    # perfectly correlated indicators: no conflict anywhere -> clear error
    with pytest.raises(InputDataError, match="perfectly correlated"):
        critic_weights(np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 8.0]]))
