"""Tests for regional_resilience.core.topsis."""
from tests.references import reference
from math import sqrt

import numpy as np
import pytest
from numpy.testing import assert_allclose

from regional_resilience.core.errors import Canceled, InputDataError
from regional_resilience.core.indicator_weights import entropy_weights, objective_weights
from regional_resilience.core.standardize import minmax
from regional_resilience.core.topsis import topsis


def test_vector_topsis_by_hand():
    # col 0 = 1, 2, 2 (norm 3) -> 1/3, 2/3, 2/3 ; col 1 negative = 2, 1, 2 (norm 3)
    # -> 2/3, 1/3, 2/3, sign-flipped. w = (.5, .5):
    # V = (1/6, -1/3), (1/3, -1/6), (1/3, -1/3); V+ = (1/3, -1/6), V- = (1/6, -1/3)
    X = np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])
    res = topsis(X, [True, False], weights=[0.5, 0.5])
    assert_allclose(res.d_plus, [sqrt(2) / 6, 0.0, 1 / 6], atol=1e-15)
    assert_allclose(res.d_minus, [0.0, sqrt(2) / 6, 1 / 6], atol=1e-15)
    assert_allclose(res.closeness, [0.0, 1.0, 0.5])
    assert_allclose(res.ideal_best, [1 / 3, -1 / 6])
    assert_allclose(res.ideal_worst, [1 / 6, -1 / 3])
    assert res.weighting is None and res.normalization == "vector"


def test_minmax_topsis_by_hand():
    # Hwang-Yoon style example also used by pymcdm's documentation:
    # col 0 cost: (5 - x) / 4 = 1, .75, 0 ; col 1 benefit: (x - 3000)/1500 = 0, .5, 1
    # V = (.5, 0), (.375, .25), (0, .5); V+ = (.5, .5), V- = (0, 0)
    X = np.array([[1.0, 3000.0], [2.0, 3750.0], [5.0, 4500.0]])
    res = topsis(X, [False, True], weights=[0.5, 0.5], normalization="minmax")
    dp = np.array([0.5, sqrt(0.125**2 + 0.25**2), 0.5])
    dm = np.array([0.5, sqrt(0.375**2 + 0.25**2), 0.5])
    assert_allclose(res.d_plus, dp)
    assert_allclose(res.d_minus, dm)
    assert_allclose(res.closeness, dm / (dp + dm))
    assert round(float(res.closeness[1]), 3) == 0.617  # as in pymcdm's docstring


def test_zscore_topsis_by_hand():
    # col 0 = 1, 2, 3 -> z = -1, 0, 1 ; col 1 negative = 3, 3, 0 -> mean 2,
    # sample sd sqrt((1 + 1 + 4)/2) = sqrt(3): z = 1/sqrt3, 1/sqrt3, -2/sqrt3, flipped.
    X = np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 0.0]])
    res = topsis(X, [True, False], weights=[1.0, 1.0], normalization="zscore")
    s3 = sqrt(3)
    V = np.array([[-1, -1 / s3], [0, -1 / s3], [1, 2 / s3]]) * 0.5
    best, worst = V.max(axis=0), V.min(axis=0)
    dp = np.sqrt(((V - best) ** 2).sum(axis=1))
    dm = np.sqrt(((V - worst) ** 2).sum(axis=1))
    assert_allclose(res.closeness, dm / (dp + dm))
    assert_allclose(res.closeness[[0, 2]], [0.0, 1.0])


def test_entropy_topsis_uses_entropy_weights():
    rng = np.random.default_rng(31)
    P = rng.lognormal(size=(40, 5, 4))
    dirs = [True, False, True, False]
    res = topsis(P, dirs)
    w = entropy_weights(P, dirs)
    assert_allclose(res.weights, w.weights)
    assert_allclose(res.weighting.divergence, w.divergence)
    assert res.closeness.shape == (40, 5)
    assert np.all((res.closeness >= 0) & (res.closeness <= 1))
    # CRITIC or combined weights can be asked for by name
    crit = topsis(P, dirs, weights=("entropy", "critic"))
    assert_allclose(crit.weights, objective_weights(P, dirs, ("entropy", "critic")).weights)


def test_pooled_and_per_period_ideals():
    rng = np.random.default_rng(32)
    P = rng.random((10, 3, 3))
    pooled = topsis(P, weights=[1, 1, 1])
    per = topsis(P, weights=[1, 1, 1], pooled=False, pooled_ideal=False)
    assert pooled.ideal_best.shape == (3,) and per.ideal_best.shape == (3, 3)
    # per-period ideals: every period has a best and a worst region-set
    assert np.all(per.closeness.max(axis=0) > per.closeness.min(axis=0))
    # pooled ideal equals the best of the per-region-year values
    V = P / np.sqrt((P**2).sum(axis=(0, 1))) / 3
    assert_allclose(pooled.ideal_best, V.max(axis=(0, 1)))
    # a single-period panel: per-period == pooled
    one = P[:, :1, :]
    assert_allclose(topsis(one, weights=[1, 1, 1], pooled_ideal=False).closeness,
                    topsis(one, weights=[1, 1, 1]).closeness)


def test_per_period_one_period_equals_cross_section():
    rng = np.random.default_rng(33)
    P = rng.random((12, 4, 3))
    per = topsis(P, [True, False, True], pooled=False, pooled_ideal=False)
    for k in range(4):
        single = topsis(P[:, k, :], [True, False, True])
        assert_allclose(per.closeness[:, k], single.closeness, rtol=1e-12)


@pytest.mark.parametrize("normalization", ["vector", "zscore", "minmax"])
def test_reversed_negative_and_scale_invariance(normalization):
    rng = np.random.default_rng(34)
    P = rng.lognormal(size=(20, 3, 3))
    w = [0.2, 0.5, 0.3]
    a = topsis(P, [True, False, True], w, normalization=normalization).closeness
    Q = P.copy()
    Q[..., 1] *= -1
    b = topsis(Q, [True, True, True], w, normalization=normalization).closeness
    assert_allclose(a, b, rtol=1e-12)
    c = topsis(P * np.array([10.0, 0.1, 3.0]), [True, False, True], w,
               normalization=normalization).closeness
    assert_allclose(a, c, rtol=1e-12)


def test_ties_give_nan_with_warning():
    X = np.ones((3, 2))
    res = topsis(X, weights=[0.5, 0.5])
    assert np.isnan(res.closeness).all()
    assert "tied" in res.warnings[-1]


def test_per_period_weights_and_errors():
    rng = np.random.default_rng(35)
    P = rng.random((6, 2, 2))
    res = topsis(P, weights=np.array([[0.5, 0.5], [1.0, 0.0]]))
    assert res.weights.shape == (2, 2)
    with pytest.raises(InputDataError, match="Unknown TOPSIS normalisation"):
        topsis(P, normalization="linear")
    with pytest.raises(InputDataError, match="3 weight"):
        topsis(P, weights=[1, 1, 1])
    with pytest.raises(Canceled):
        topsis(P, is_canceled=lambda: True)
    seen = []
    topsis(P, progress=seen.append)
    assert seen[-1] == 1.0


# ---------------------------------------------------------------- pymcdm cross-check
def test_topsis_matches_pymcdm():
    """pymcdm 1.4.0 (optional): TOPSIS with vector, min-max and z-score.

    Formula variants: pymcdm's vector normalisation of a cost criterion is
    ``1 - x/||x||``, ours is ``-x/||x||`` (the textbook keeps ``x/||x||`` and
    takes the minimum as ideal); all three give the same distances. pymcdm
    has no z-score normalisation: we pass one with the same sign convention.
    Its entropy weights are fed our min-max table with shift (see
    test_indicator_weights).
    """
    pymcdm = reference("pymcdm")
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import minmax_normalization, vector_normalization

    def zscore_norm(x, cost=False):
        z = (x - x.mean()) / x.std(ddof=1)
        return -z if cost else z

    rng = np.random.default_rng(99)
    for trial in range(4):
        A = rng.lognormal(size=(25, 5))
        dirs = rng.random(5) < 0.5
        types = np.where(dirs, 1, -1)
        w = pymcdm.weights.entropy_weights(minmax(A, dirs))
        for ours, fn in (("vector", vector_normalization), ("minmax", minmax_normalization),
                         ("zscore", zscore_norm)):
            res = topsis(A, dirs, normalization=ours)
            assert_allclose(res.weights, w, rtol=1e-10)
            ref = TOPSIS(fn)(A, w, types)
            assert_allclose(res.closeness, ref, rtol=1e-10, atol=1e-12)
