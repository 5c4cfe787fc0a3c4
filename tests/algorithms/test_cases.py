"""The data-driven reference cases: one generic test runs every case of
``cases/*.toml`` (tool, parameters, reference, tolerance), as QGIS runs its
own algorithms' YAML cases (processing/tests/AlgorithmsTestBase.py). A new
reference case is a TOML entry, plus a reference function when no existing
one fits."""
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.algorithms import case_references
from tests.conftest import DATA
from tests.helpers import column, rows

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases():
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        with open(path, "rb") as handle:
            for case in tomllib.load(handle).get("case", []):
                cases.append(pytest.param(case, id=case["id"]))
    return cases


CASES = _load_cases()


def _resolve(params):
    out = {}
    for key, value in params.items():
        if isinstance(value, str) and (DATA / value).exists():
            value = str(DATA / value)
        out[key] = value
    return out


def _actual(result, case):
    output = result[case["output"]]
    if case["kind"] == "table":
        table = rows(output)
        return {name: np.array([r[name] for r in table], dtype=float) for name in case["columns"]}
    return {name: column(output, name) for name in case["columns"]}


def test_cases_exist():
    assert len(CASES) >= 4
    assert len({c.values[0]["id"] for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES)
def test_reference_case(run_alg, case):
    result, _ = run_alg(case["tool"], _resolve(case["params"]))
    expected = getattr(case_references, case["reference"])(**case.get("args", {}))
    actual = _actual(result, case)
    for name in case["columns"]:
        want = np.asarray(expected[name], dtype=float)
        got = actual[name]
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=case.get("rtol", 1e-10), atol=case.get("atol", 0.0),
                                   err_msg=f"{case['id']}: {name}")
