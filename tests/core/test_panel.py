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
