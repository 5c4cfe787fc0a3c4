"""Tests for regional_resilience.core.standardize (hand-computed tables)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.standardize import (
    DEFAULT_SHIFT,
    constant_indicators,
    minmax,
    standardize,
    vector_normalize,
    zscore,
)

# 3 regions x 2 indicators; indicator 0 positive, indicator 1 negative.
X2 = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]])


def test_minmax_by_hand():
    # col 0: (x - 1) / (3 - 1) = 0, 0.5, 1
    # col 1 (negative): (30 - x) / (30 - 10) = 20/20, 0/20, 10/20
    expected = np.array([[0.0, 1.0], [0.5, 0.0], [1.0, 0.5]])
    s = standardize(X2, [True, False], shift=0.0)
    assert_allclose(s.values, expected)
    assert s.method == "minmax" and s.pooled
    assert_allclose(s.location, [1.0, 10.0])
    assert_allclose(s.scale, [2.0, 20.0])
    # the default shift 1e-4 is added to every value
    assert DEFAULT_SHIFT == 1e-4
    assert_allclose(minmax(X2, [True, False]), expected + 1e-4)


def test_minmax_panel_pooled_vs_per_period():
    # region 0: 1 (p0), 3 (p1); region 1: 2 (p0), 5 (p1); one indicator
    X = np.array([[[1.0], [3.0]], [[2.0], [5.0]]])
    # pooled: min 1, max 5 -> (x - 1) / 4
    pooled = standardize(X, shift=0.0).values[..., 0]
    assert_allclose(pooled, [[0.0, 0.5], [0.25, 1.0]])
    # per period: p0 min 1 max 2, p1 min 3 max 5
    per = standardize(X, shift=0.0, pooled=False)
    assert_allclose(per.values[..., 0], [[0.0, 0.0], [1.0, 1.0]])
    assert per.location.shape == (2, 1) and per.constant.shape == (2, 1)
    assert_allclose(per.location[:, 0], [1.0, 3.0])
    assert_allclose(per.scale[:, 0], [1.0, 2.0])


def test_zscore_by_hand():
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    # mean 2, sample sd sqrt(((-1)^2 + 0 + 1^2) / 2) = 1
    z = standardize(X, [True, False], "zscore").values
    assert_allclose(z, [[-1.0, 1.0], [0.0, 0.0], [1.0, -1.0]])
    # population sd sqrt(2/3): z = +-1 / sqrt(2/3) = +-1.224744871
    z0 = zscore(X, [True, False], ddof=0)
    assert_allclose(z0[:, 0], [-1.224744871391589, 0.0, 1.224744871391589])


def test_vector_by_hand():
    X = np.array([[3.0, 3.0], [4.0, 4.0]])
    # ||(3, 4)|| = 5; negatives sign-flipped
    r = vector_normalize(X, [True, False])
    assert_allclose(r, [[0.6, -0.6], [0.8, -0.8]])
    # per period on a panel: each period's column normalised on its own
    P = np.array([[[3.0], [1.0]], [[4.0], [0.0]]])  # p0: (3, 4), p1: (1, 0)
    rp = vector_normalize(P, pooled=False)[..., 0]
    assert_allclose(rp, [[0.6, 1.0], [0.8, 0.0]])
    # pooled: sqrt(9 + 16 + 1 + 0) = sqrt(26)
    assert_allclose(vector_normalize(P)[..., 0], np.array([[3.0, 1.0], [4.0, 0.0]]) / np.sqrt(26))


@pytest.mark.parametrize("method", ["minmax", "zscore", "vector"])
def test_constant_indicator_flagged_not_crashing(method):
    X = np.array([[1.0, 7.0], [2.0, 7.0], [4.0, 7.0]])
    s = standardize(X, method=method)
    assert_array_equal(s.constant, [False, True])
    assert np.all(np.isfinite(s.values))
    fill = DEFAULT_SHIFT if method == "minmax" else None
    col = s.values[:, 1]
    assert np.all(col == col[0])
    if fill is not None:
        assert_allclose(col, fill)
    if method == "zscore":
        assert_allclose(col, 0.0)


def test_zero_column_vector():
    s = standardize(np.array([[0.0, 1.0], [0.0, 2.0]]), method="vector")
    assert_array_equal(s.constant, [True, False])
    assert_allclose(s.values[:, 0], 0.0)


def test_constant_per_period_mask():
    X = np.array([[[1.0], [5.0]], [[1.0], [6.0]]])  # constant in period 0 only
    assert_array_equal(constant_indicators(X, pooled=False), [[True], [False]])
    assert_array_equal(constant_indicators(X), [False])


def test_reversed_negative_equals_positive_minmax():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 4, 3))
    a = minmax(X, [True, False, True])
    Y = X.copy()
    Y[..., 1] *= -1
    b = minmax(Y, [True, True, True])
    assert_allclose(a, b, atol=1e-15)


def test_range_is_shift_to_one_plus_shift():
    rng = np.random.default_rng(4)
    L = minmax(rng.normal(size=(30, 3, 4)), [True, False, True, False], shift=0.01)
    assert_allclose(L.min(axis=(0, 1)), 0.01)
    assert_allclose(L.max(axis=(0, 1)), 1.01)


@pytest.mark.parametrize(
    "directions, expected",
    [
        (["+", "-"], [True, False]),
        (["positive", "cost"], [True, False]),
        ([1, -1], [True, False]),
        ([1, 0], [True, False]),
        (np.array([True, False]), [True, False]),
    ],
)
def test_direction_spellings(directions, expected):
    assert_array_equal(standardize(X2, directions).directions, expected)


def test_input_not_modified_and_2d_ignores_pooled():
    X = X2.copy()
    a = standardize(X, [True, False], pooled=False)
    assert_array_equal(X, X2)
    assert a.pooled  # a single period is always "pooled"
    assert a.values.shape == (3, 2)


def test_errors_are_clear():
    bad = X2.copy()
    bad[1, 1] = np.nan
    with pytest.raises(InputDataError, match=r"Indicator 'unemp' has 1 missing .*row 1"):
        standardize(bad, names=["gdp", "unemp"])
    P = np.ones((2, 3, 1))
    P[0, 2, 0] = np.inf
    with pytest.raises(InputDataError, match=r"period '2012'"):
        standardize(P, periods=["2010", "2011", "2012"])
    with pytest.raises(InputDataError, match="1 dimension"):
        standardize([1.0, 2.0])
    with pytest.raises(InputDataError, match="3 indicator directions .* 2 indicators"):
        standardize(X2, [True, True, False])
    with pytest.raises(InputDataError, match="direction 'up'"):
        standardize(X2, ["up", "-"])
    with pytest.raises(InputDataError, match="Unknown standardisation"):
        standardize(X2, method="rank")
    with pytest.raises(InputDataError, match="shift"):
        standardize(X2, shift=-1)
    with pytest.raises(InputDataError, match="numbers"):
        standardize([["a", "b"], ["c", "d"]])
    with pytest.raises(InputDataError, match="2 name"):
        standardize(np.ones((3, 1)), names=["a", "b"])
    with pytest.raises(InputDataError, match="more than 1"):
        standardize(np.ones((1, 1)), method="zscore")


def test_core_imports_stay_light():
    """Core modules of this issue import neither qgis, pandas nor PySAL."""
    code = (
        "import sys\n"
        "import regional_resilience.core.standardize, regional_resilience.core.indicator_weights\n"
        "import regional_resilience.core.development_index, regional_resilience.core.topsis\n"
        "import regional_resilience.core.cedi, regional_resilience.core.gapfill\n"
        "heavy = ('qgis', 'pandas', 'geopandas', 'libpysal', 'esda')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=str(Path(__file__).resolve().parents[2]))


@pytest.mark.parametrize(
    "module", ["standardize", "indicator_weights", "development_index", "topsis", "cedi", "gapfill"]
)
def test_docstring_examples_run(module):
    """The numpydoc examples of the composite-index modules stay runnable."""
    import doctest
    import importlib

    mod = importlib.import_module(f"regional_resilience.core.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
