"""Tests for regional_resilience.core.tables (published-style regression tables)."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.tables import (
    Stat,
    coefficient_rows,
    regression_table,
    stars,
)


def model(names, coef, se, **extra):
    return SimpleNamespace(names=tuple(names), coef=np.array(coef, float), se=np.array(se, float), **extra)


A = model(["const", "gdp", "open"], [0.3104, -0.1207, 0.05], [0.04, 0.05, 0.2], loglik=12.345, n=100)
B = model(["const", "gdp", "fdi"], [0.29, 0.3, -2.0], [0.07, 0.2, 1.0], loglik=-3.2, n=40)


def test_stars_levels():
    assert stars([0.0099, 0.01, 0.0499, 0.05, 0.0999, 0.1, math.nan]) == ("***", "**", "**", "*", "*", "", "")
    assert stars([0.04, 0.2], levels=(0.05, 0.25), symbols=("+", "~")) == ("+", "~")
    with pytest.raises(InputDataError, match="ascending"):
        stars(0.1, levels=(0.1, 0.05), symbols=("*", "**"))


def test_regression_table_cells_and_derived_statistics():
    t = regression_table({"All": A, "east": B}, rows=("coef", "se", "z", "p"), digits=2,
                         stats=[Stat("Log-likelihood", "loglik"), Stat("N", "n", "int"),
                                Stat("Test", {"east": 1.23456}), Stat("Kind", lambda m: "x" * (m.n // 20), "text")],
                         kind_column="statistic")
    assert t.columns == ("variable", "statistic", "All", "east")
    assert t.models == ("All", "east")
    # terms in order of first appearance; a term a model lacks is empty
    assert [r[0] for r in t.rows if r[1] == "coef"] == ["const", "gdp", "open", "fdi"]
    by = {(r[0] or t.terms[i], r[1]): r for i, r in enumerate(t.rows)}
    z = -0.1207 / 0.05
    p = 2 * stats.norm.sf(abs(z))
    assert p < 0.05 and p > 0.01
    assert by[("gdp", "coef")][2:] == ("-0.12**", "0.30")
    assert by[("gdp", "se")][2:] == ("(0.05)", "(0.20)")
    assert by[("gdp", "z")][2] == f"{z:.2f}"
    assert by[("gdp", "p")][2] == f"{p:.2f}"
    assert by[("open", "coef")][3] == "" and by[("fdi", "se")][2] == ""
    assert by[("fdi", "coef")][3] == "-2.00**"  # z = -2, p = 0.0455
    assert by[("Log-likelihood", "")][2:] == ("12.35", "-3.20")
    assert by[("N", "")][2:] == ("100", "40")
    assert by[("Test", "")][2:] == ("", "1.23")
    assert by[("Kind", "")][2:] == ("xxxxx", "xx")
    assert t.kinds.count("stat") == 4
    # printed form: the term once
    printed = t.display_rows()
    assert [r[0] for r in printed[:4]] == ["const", "", "", ""]


def test_given_z_p_stars_win_and_missing_values():
    m = model(["a", "b"], [1.0, math.nan], [0.5, math.nan], z=np.array([9.0, math.nan]),
              p=np.array([0.5, math.nan]), stars=("!", ""))
    t = regression_table([m], rows=("coef", "se", "z"), brackets="[]")
    assert t.columns == ("variable", "(1)")
    assert [r[1] for r in t.rows] == ["1.000!", "[0.500]", "9.000", ".", "[.]", ""]
    t2 = regression_table([m, m], names=["x", "y"], repeat_terms=True)
    assert [r[0] for r in t2.rows] == ["a", "a", "b", "b"]
    assert list(t2.to_frame().columns) == ["variable", "x", "y"]


def test_long_rows():
    out = coefficient_rows([("All", A), ("east", B)])
    assert len(out) == 6
    label, term, coef, se, z, p, st = out[1]
    assert (label, term, coef, se) == ("All", "gdp", -0.1207, 0.05)
    assert z == pytest.approx(-0.1207 / 0.05) and p == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert st == "**"


@pytest.mark.parametrize("kwargs, message", [
    ({"brackets": "("}, "two characters"),
    ({"rows": ("se", "coef")}, "'coef' first"),
    ({"rows": ("coef", "t")}, "'coef' first"),
    ({"digits": 20}, "digits"),
])


def test_bad_options(kwargs, message):
    with pytest.raises(InputDataError, match=message):
        regression_table([A], **kwargs)


def test_bad_models():
    with pytest.raises(InputDataError, match="no estimated model"):
        regression_table({})
    with pytest.raises(InputDataError, match="unique; repeated: m"):
        regression_table([("m", A), ("m", B)])
    with pytest.raises(InputDataError, match="aligned"):
        regression_table([model(["a", "b"], [1.0], [0.1])])
