"""Tests for regional_resilience.core.gapfill."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.gapfill import interpolate_along_periods

nan = np.nan


def test_interior_gaps_by_hand_unequal_spacing():
    years = [2000, 2001, 2003, 2006]
    v = np.array(
        [
            [1.0, nan, nan, 7.0],  # 2001: 1 + 6 * 1/6 = 2 ; 2003: 1 + 6 * 3/6 = 4
            [nan, 10.0, nan, 4.0],  # 2003: 10 + (4 - 10) * 2/5 = 7.6 ; 2000 is an end gap
            [5.0, 6.0, 7.0, 8.0],  # complete
        ]
    )
    res = interpolate_along_periods(v, years)
    expected = np.array([[1.0, 2.0, 4.0, 7.0], [nan, 10.0, 7.6, 4.0], [5.0, 6.0, 7.0, 8.0]])
    assert_allclose(res.values, expected)
    assert_array_equal(
        res.filled,
        [[False, True, True, False], [False, False, True, False], [False] * 4],
    )
    assert_array_equal(res.unfilled, np.isnan(expected))
    assert res.n_filled == 3 and res.n_unfilled == 1 and res.ends == "nan"
    assert res.empty_regions.size == 0


def test_ends_nearest():
    v = np.array([[nan, nan, 3.0, nan, 5.0, nan]])
    res = interpolate_along_periods(v, ends="nearest")
    assert_allclose(res.values, [[3.0, 3.0, 3.0, 4.0, 5.0, 5.0]])
    assert_array_equal(res.filled, [[True, True, False, True, False, True]])
    assert res.n_unfilled == 0


def test_empty_region_and_single_value():
    v = np.array([[nan, nan, nan], [nan, 2.0, nan]])
    res = interpolate_along_periods(v, ends="nearest")
    assert_array_equal(res.empty_regions, [0])
    assert np.isnan(res.values[0]).all()
    assert_allclose(res.values[1], [2.0, 2.0, 2.0])
    res_nan = interpolate_along_periods(v)
    assert_array_equal(res_nan.unfilled[1], [True, False, True])


def test_indicator_axis_is_independent():
    v = np.array([[[1.0, 10.0], [nan, nan], [3.0, 30.0]]])  # 1 region x 3 periods x 2
    v[0, 2, 1] = nan
    res = interpolate_along_periods(v)
    assert_allclose(res.values[0, :, 0], [1.0, 2.0, 3.0])
    assert_allclose(res.values[0, :, 1], [10.0, nan, nan])
    assert res.values.shape == v.shape


def test_matches_numpy_interp_on_random_gaps():
    rng = np.random.default_rng(41)
    n, t = 200, 12
    pos = np.cumsum(rng.integers(1, 4, size=t)).astype(float)
    v = rng.normal(size=(n, t))
    v[rng.random((n, t)) < 0.3] = nan
    res = interpolate_along_periods(v, pos, ends="nearest")
    for i in range(n):
        ok = ~np.isnan(v[i])
        if not ok.any():
            assert np.isnan(res.values[i]).all()
            continue
        # np.interp holds the end values constant outside the data = "nearest"
        assert_allclose(res.values[i], np.interp(pos, pos[ok], v[i, ok]), rtol=1e-12)


def test_input_untouched_and_complete_data_unchanged():
    v = np.array([[1.0, nan, 3.0]])
    before = v.copy()
    interpolate_along_periods(v)
    assert_array_equal(np.isnan(v), np.isnan(before))
    full = np.arange(6.0).reshape(2, 3)
    res = interpolate_along_periods(full)
    assert_array_equal(res.values, full)
    assert not res.filled.any()


def test_errors():
    v = np.ones((2, 3))
    with pytest.raises(InputDataError, match="strictly increasing"):
        interpolate_along_periods(v, [2000, 2000, 2001])
    with pytest.raises(InputDataError, match="2 period position"):
        interpolate_along_periods(v, [2000, 2001])
    with pytest.raises(InputDataError, match="Unknown end rule"):
        interpolate_along_periods(v, ends="linear")
    with pytest.raises(InputDataError, match="table"):
        interpolate_along_periods([1.0, nan])
    bad = v.copy()
    bad[1, 2] = np.inf
    with pytest.raises(InputDataError, match="row 1, period 3 is infinite"):
        interpolate_along_periods(bad)
