"""Panels from wide fields and long tables (no QGIS)."""
import numpy as np
import pytest

from regional_resilience.core import panel as P
from regional_resilience.core.errors import InputDataError


def test_period_labels_from_trailing_years():
    assert P.period_labels(["PCGDP1940", "PCGDP1950"]) == ["1940", "1950"]
    assert P.period_labels(["CRIME"]) == ["CRIME"]
    # repeated years fall back to the names
    assert P.period_labels(["a2000", "b2000"]) == ["a2000", "b2000"]
    assert P.period_labels(["x2000", "HOVAL"]) == ["x2000", "HOVAL"]


def test_wide_panel_shape_and_sources():
    p = P.panel_from_wide(["a", "b", "c"], {"v2001": [1, 2, 3], "v2002": [4, 5, 6]})
    assert p.periods == ("2001", "2002")
    np.testing.assert_array_equal(p.values["value"], [[1, 4], [2, 5], [3, 6]])
    assert p.sources[("value", "2002")] == "v2002"


def test_long_panel_equals_wide():
    ids = ["r1", "r2", "r3"]
    wide = P.panel_from_wide(ids, {"y2000": [1.0, 2.0, 3.0], "y2010": [4.0, 5.0, 6.0]})
    # rows shuffled, ids as numbers-looking text, periods as floats
    t_ids = ["r3", "r1", "r2", "r2", "r3", "r1"]
    t_per = [2010.0, 2000.0, 2010.0, 2000.0, 2000.0, 2010.0]
    t_val = {"value": [6.0, 1.0, 5.0, 2.0, 3.0, 4.0]}
    long = P.panel_from_long(ids, t_ids, t_per, t_val)
    assert long.periods == wide.periods
    np.testing.assert_array_equal(long.values["value"], wide.values["value"])


def test_long_panel_numeric_period_order():
    long = P.panel_from_long(["a"], ["a", "a", "a"], ["10", "9", "100"], {"v": [1, 2, 3]})
    assert long.periods == ("9", "10", "100")
    np.testing.assert_array_equal(long.values["v"], [[2, 1, 3]])


@pytest.mark.parametrize("t_ids,t_per,message", [
    (["a", "b", "zz"], [1, 1, 1], "match no polygon: zz"),
    (["a", "b", "b"], [1, 1, 1], "more than one row for: b in 1"),
    (["a", "a"], [1, 2], "No rows .* regions: b"),
    (["a", "a", "b"], [1, 2, 1], "unbalanced.*b in 2"),
])
def test_long_panel_errors(t_ids, t_per, message):
    with pytest.raises(InputDataError, match=message):
        P.panel_from_long(["a", "b"], t_ids, t_per, {"v": np.arange(len(t_ids), dtype=float)})


def test_require_complete_names_region_and_period():
    p = P.panel_from_wide(["a", "b"], {"x1990": [1.0, np.nan], "x2000": [1.0, 2.0]})
    with pytest.raises(InputDataError, match=r"x1990 .* b \(1990\)"):
        P.require_complete(p)


def test_require_not_constant():
    p = P.panel_from_wide(["a", "b"], {"x1990": [1.0, 1.0], "x2000": [1.0, 2.0]})
    with pytest.raises(InputDataError, match="x1990 has the same value"):
        P.require_not_constant(p)


def test_duplicate_ids():
    with pytest.raises(InputDataError, match="Duplicate region ids: 7"):
        P.require_unique_ids(["7", "8", "7"])


def test_long_panel_allow_missing_leaves_nan():
    long = P.panel_from_long(["a", "b"], ["a", "a", "b"], [1, 2, 1], {"v": [1.0, 2.0, 3.0]},
                             allow_missing=True)
    np.testing.assert_array_equal(np.isnan(long.values["v"]), [[False, False], [False, True]])


def test_factorize_numbers_in_order_other_values_as_they_first_appear():
    for values, expected in ((np.array([30, 10, 30, 20, 10]), [10, 20, 30]),  # compact integers: counted
                             (np.array([3 * 10 ** 12, 10, 3 * 10 ** 12]), [10, 3 * 10 ** 12]),  # sparse: sorted
                             (np.array([30.0, 10.0, 30.0, 20.0]), [10.0, 20.0, 30.0]),
                             (np.array([True, False, True]), [False, True]),
                             ([30, 10, 30, 20, 10], [30, 10, 20])):  # Python values: first appearance
        uniques, codes = P.factorize(values)
        assert uniques == expected and codes.dtype == np.int64
        assert [uniques[c] for c in codes] == list(values)
        plain = values.tolist() if isinstance(values, np.ndarray) else values
        assert all(type(u) is type(v) for u, v in zip(uniques, plain))  # Python values, as labels want
    uniques, codes = P.factorize(np.array(["b", "a", "b"], dtype=object))
    assert uniques == ["b", "a"] and codes.tolist() == [0, 1, 0]
    uniques, codes = P.factorize([])
    assert uniques == [] and codes.tolist() == []


def test_long_panel_same_from_arrays_lists_and_text():
    """The bulk reader hands numpy columns, QGIS's iterator Python values:
    one panel either way, whole floats read as integers (2000.0 = 2000)."""
    rng = np.random.default_rng(0)
    n, years = 40, [2001, 2003, 2002]
    ids = [f"{k:03d}" for k in range(n)]
    order = rng.permutation(n * len(years))
    t_ids = np.repeat(np.arange(n), len(years))[order]
    t_per = np.tile(years, n)[order]
    vals = {"v": rng.normal(size=n * len(years))}
    ref = P.panel_from_long(ids, [f"{i:03d}" for i in t_ids], [str(p) for p in t_per], vals)
    assert ref.periods == ("2001", "2002", "2003")
    for a, b in ((np.array([f"{i:03d}" for i in t_ids], dtype=object), t_per),
                 ([f"{i:03d}" for i in t_ids], t_per.astype(float)),
                 ([f"{i:03d}" for i in t_ids], t_per.tolist())):
        got = P.panel_from_long(ids, a, b, vals)
        assert got.periods == ref.periods
        np.testing.assert_array_equal(got.values["v"], ref.values["v"])
    with pytest.raises(InputDataError, match="match no polygon: 0, 1, 10"):  # integers vs '000': not silently
        P.panel_from_long(ids, t_ids, t_per, vals)
    got = P.panel_from_long(ids, t_ids, t_per, vals, normalise_ids=True)
    np.testing.assert_array_equal(got.values["v"], ref.values["v"])
    # text ids handed over as distinct values and codes (the bulk reader's form)
    uniques, codes = P.factorize([f"{i:03d}" for i in t_ids])
    coded = P.Factorized(uniques, codes)
    assert coded.values().tolist() == [f"{i:03d}" for i in t_ids]
    got = P.panel_from_long(ids, coded, t_per, vals)
    np.testing.assert_array_equal(got.values["v"], ref.values["v"])


def test_long_panel_with_a_category_column():
    """One row per region, period and category: one variable per category,
    NaN for a category without a row; duplicates and unbalanced pairs named."""
    ids = ["a", "b"]
    t_ids = ["a", "a", "b", "b", "a", "b", "a"]
    t_per = [1, 1, 1, 1, 2, 2, 2]
    cats = ["agri", "manu", "manu", "agri", "agri", "agri", "manu "]
    vals = {"jobs": np.arange(7.0)}
    p = P.panel_from_long(ids, t_ids, t_per, vals, categories=cats)
    assert p.variables == ("agri", "manu") and p.periods == ("1", "2")
    np.testing.assert_array_equal(p.values["agri"], [[0, 4], [3, 5]])
    np.testing.assert_array_equal(p.values["manu"], [[1, 6], [2, np.nan]])
    assert p.sources[("manu", "2")] == "jobs"
    q = P.panel_from_long(ids, P.Factorized(["a", "b"], np.array([0, 0, 1, 1, 0, 1, 0])), t_per, vals,
                          categories=P.Factorized(["agri", "manu", "manu "], np.array([0, 1, 1, 0, 0, 0, 2])))
    assert q.variables == p.variables
    for name in p.variables:
        np.testing.assert_array_equal(q.values[name], p.values[name])
    with pytest.raises(InputDataError, match="more than one row for: a / agri in 1"):
        P.panel_from_long(ids, t_ids + ["a"], t_per + [1], {"jobs": np.arange(8.0)}, categories=cats + ["agri"])
    with pytest.raises(InputDataError, match="unbalanced.*b in 2"):
        P.panel_from_long(ids, t_ids[:5], t_per[:5], {"jobs": np.arange(5.0)}, categories=cats[:5])
