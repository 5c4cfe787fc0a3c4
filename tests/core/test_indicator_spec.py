"""Parsing what analysts say about indicators (no QGIS)."""
import numpy as np
import pytest

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.indicator_spec import build_spec, parse_g1, parse_subsystems

NAMES = ("gdp", "income", "doctors", "pollution")


def test_full_spec():
    spec = build_spec(NAMES, negative="Pollution", subsystems="eco: gdp, income; soc: doctors, pollution",
                      g1="income; gdp 1.2; doctors 1.4; pollution 1.0",
                      expert="gdp 0.4; income 0.3; doctors 0.2; pollution 0.1")
    assert spec.positive.tolist() == [True, True, True, False]
    assert spec.subsystems == ("eco", "eco", "soc", "soc")
    assert spec.g1[0] == [1, 0, 2, 3]
    np.testing.assert_allclose(spec.g1[1], [1.2, 1.4, 1.0])
    np.testing.assert_allclose(spec.expert, [0.4, 0.3, 0.2, 0.1])


def test_defaults_are_all_positive_single_system():
    spec = build_spec(NAMES)
    assert spec.positive.all() and spec.subsystems is None and spec.g1 is None and spec.expert is None


@pytest.mark.parametrize("kwargs,message", [
    ({"negative": "gdp, smog"}, "unknown indicator 'smog'"),
    ({"subsystems": "eco: gdp, income; soc: doctors"}, "without a subsystem: pollution"),
    ({"subsystems": "eco: gdp, income, doctors; soc: doctors, pollution"}, "two subsystems"),
    ({"subsystems": "gdp, income"}, "has no ':'"),
    ({"g1": "gdp 1.2; income 1.2"}, "has no ratio"),
    ({"g1": "gdp; income"}, "needs a ratio"),
    ({"g1": "gdp; income x"}, "'x' is not a number"),
    ({"expert": "gdp 0.5; income 0.5"}, "missing for: doctors, pollution"),
])
def test_errors(kwargs, message):
    with pytest.raises(InputDataError, match=message):
        build_spec(NAMES, **kwargs)


def test_g1_and_subsystems_are_case_insensitive():
    assert parse_g1("GDP; Income 1.1", ("gdp", "income"))[0] == [0, 1]
    assert parse_subsystems("A: GDP; B: INCOME", ("gdp", "income")) == ("A", "B")
