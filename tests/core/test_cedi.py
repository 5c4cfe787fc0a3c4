"""Tests for regional_resilience.core.cedi (Zheng et al. 2022, eqs. 6-9)."""
from math import log

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.cedi import cedi
from regional_resilience.core.errors import InputDataError

# 4 regions x 2 pollutants
#   pollutant 0: 1, 1, 2, 0 (sum 4) -> f = .25, .25, .5, 0
#       e0 = -(2 * .25 ln .25 + .5 ln .5) / ln 4 = 1.5 ln 2 / (2 ln 2) = .75
#   pollutant 1: 3, 1, 0, 0 (sum 4) -> f = .75, .25, 0, 0
#       e1 = -(.75 ln .75 + .25 ln .25) / ln 4
D = np.array([[1.0, 3.0], [1.0, 1.0], [2.0, 0.0], [0.0, 0.0]])


def test_cedi_by_hand():
    e0 = 0.75
    e1 = -(0.75 * log(0.75) + 0.25 * log(0.25)) / log(4)
    g = np.array([1 - e0, 1 - e1]) / (2 - e0 - e1)
    res = cedi(D)
    assert_allclose(res.entropy, [e0, e1])
    assert_allclose(res.divergence, [1 - e0, 1 - e1])
    assert_allclose(res.weights, g)
    assert_allclose(res.cedi, D @ g)
    assert_allclose(res.cedi[3], 0.0)
    assert res.pooled and res.cedi.shape == (4,)


def test_panel_per_period_default_and_pooled():
    P = np.stack([D, D[::-1] * 2.0], axis=1)  # 4 regions x 2 periods x 2 pollutants
    per = cedi(P)
    assert not per.pooled and per.weights.shape == (2, 2)
    # shares are invariant to reordering regions and scaling the period
    assert_allclose(per.weights[0], per.weights[1])
    assert_allclose(per.cedi[:, 0], cedi(D).cedi)
    assert_allclose(per.cedi[:, 1], (D[::-1] * 2.0) @ per.weights[1])
    pooled = cedi(P, pooled=True)
    assert pooled.weights.shape == (2,)
    # pooled pollutant 0 over 8 region-years: 1,1,2,0,0,4,2,2 (sum 12), k = 1/ln 8
    f = np.array([1, 1, 2, 4, 2, 2]) / 12
    e0 = -(f * np.log(f)).sum() / log(8)
    assert_allclose(pooled.entropy[0], e0)


def test_scaling_damage_scales_cedi():
    res = cedi(D)
    res2 = cedi(D * 3.0)
    assert_allclose(res2.weights, res.weights)
    assert_allclose(res2.cedi, 3.0 * res.cedi)


def test_even_or_absent_pollutant_gets_zero_weight():
    X = np.column_stack([D[:, 0], np.full(4, 2.0), np.zeros(4)])
    res = cedi(X, names=["so2", "cod", "dust"])
    assert_array_equal(res.constant, [False, True, True])
    assert_allclose(res.weights, [1.0, 0.0, 0.0])
    assert any("Pollutant 'cod' is constant" in w for w in res.warnings)


def test_errors():
    with pytest.raises(InputDataError, match="Pollutant 'cod' has negative damage"):
        cedi([[1.0, -1.0], [2.0, 1.0]], names=["so2", "cod"])
    with pytest.raises(InputDataError, match="at least 2 regions"):
        cedi([[1.0, 2.0]])
    with pytest.raises(InputDataError, match="every pollutant is constant"):
        cedi(np.ones((3, 2)))
    with pytest.raises(InputDataError, match="Pollutant 2 has 1 missing"):
        cedi([[1.0, np.nan], [2.0, 1.0]])
    with pytest.raises(InputDataError, match="2 name.* 3 pollutants"):
        cedi(np.ones((3, 3)), names=["a", "b"])
