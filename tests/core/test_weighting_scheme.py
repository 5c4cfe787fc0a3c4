"""Combining objective and subjective weights (no QGIS)."""
import numpy as np
import pytest

from regional_resilience.core.errors import InputDataError
from regional_resilience.core.weighting_scheme import weighting_scheme

X = np.array([[1.0, 10.0, 3.0], [2.0, 30.0, 3.5], [4.0, 20.0, 9.0], [3.0, 25.0, 1.0]])[:, None, :]
NAMES = ("a", "b", "c")


def entropy_by_hand(X):
    L = (X - X.min(0)) / (X.max(0) - X.min(0)) + 1e-4
    p = L / L.sum(0)
    e = -(p * np.log(p)).sum(0) / np.log(len(L))
    return (1 - e) / (1 - e).sum()


def test_objective_only_is_entropy():
    s = weighting_scheme(X, [True, True, True], names=NAMES)
    np.testing.assert_allclose(s.final, entropy_by_hand(X[:, 0, :]), rtol=1e-12)
    assert s.description == "entropy" and s.subjective is None


def test_g1_times_entropy():
    # G1: b > a (1.2) > c (1.4): w_c = 1 / (1 + 1.4 + 1.2*1.4), w_a = 1.4 w_c, w_b = 1.2 w_a
    wc = 1 / (1 + 1.4 + 1.2 * 1.4)
    r = np.array([1.4 * wc, 1.2 * 1.4 * wc, wc])
    s = weighting_scheme(X, [True, True, True], subjective_method="g1", g1=([1, 0, 2], [1.2, 1.4]),
                         names=NAMES)
    np.testing.assert_allclose(s.subjective, r, rtol=1e-12)
    w = entropy_by_hand(X[:, 0, :])
    np.testing.assert_allclose(s.final, r * w / (r * w).sum(), rtol=1e-12)
    assert s.description == "multiplicative(G1, entropy)"


def test_linear_expert_and_subjective_only():
    expert = np.array([0.5, 0.3, 0.2])
    s = weighting_scheme(X, [True, False, True], subjective_method="expert", expert=expert,
                         combination="linear", alpha=0.25, names=NAMES)
    w = s.objective.weights
    np.testing.assert_allclose(s.final, 0.25 * expert + 0.75 * w)
    only = weighting_scheme(X, [True] * 3, objective_methods=(), subjective_method="expert", expert=expert)
    np.testing.assert_allclose(only.final, expert)
    assert abs(only.final.sum() - 1) < 1e-12


def test_nothing_chosen_is_refused():
    with pytest.raises(InputDataError, match="Choose an objective"):
        weighting_scheme(X, [True] * 3, objective_methods=())
    with pytest.raises(InputDataError, match="alpha"):
        weighting_scheme(X, [True] * 3, subjective_method="expert", expert=[1, 1, 1],
                         combination="linear", alpha=2)
