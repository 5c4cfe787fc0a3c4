"""Batch across years: each per-period tool run once per year (as the
Processing batch dialog and a processing.run loop do) gives what the run
with all years at once gives."""
import numpy as np
import pytest

from tests.conftest import DATA
from tests.helpers import column, rows

MEXICO = str(DATA / "mexico.gpkg")
YEARS = [1940, 1970, 2000]


@pytest.mark.parametrize("alg_id,extra,fields", [
    ("localmoran", {"PERMUTATIONS": 99, "SUMMARY": "TEMPORARY_OUTPUT"}, ["lisa_i", "lisa_p", "lisa_cl"]),
    ("gradeclasses", {"SCOPE": 0, "CLASSES": 4}, ["gr_code"]),
])
def test_one_run_per_year_equals_all_years(run_alg, alg_id, extra, fields):
    all_years, _ = run_alg(alg_id, dict(extra, INPUT=MEXICO, FIELDS=[f"PCGDP{y}" for y in YEARS],
                                        OUTPUT="TEMPORARY_OUTPUT"))
    for year in YEARS:
        one, _ = run_alg(alg_id, dict(extra, INPUT=MEXICO, FIELDS=[f"PCGDP{year}"], OUTPUT="TEMPORARY_OUTPUT"))
        for prefix in fields:
            np.testing.assert_array_equal(column(one["OUTPUT"], f"{prefix}_{year}"),
                                          column(all_years["OUTPUT"], f"{prefix}_{year}"))


def test_global_moran_loop_over_years(run_alg):
    together, _ = run_alg("globalmoran", {"INPUT": MEXICO, "FIELD_PREFIX": "PCGDP", "PERMUTATIONS": 99,
                                          "OUTPUT": "TEMPORARY_OUTPUT"})
    table = {r["period"]: r for r in rows(together["OUTPUT"])}
    assert len(table) == 7
    for year in range(1940, 2001, 10):
        res, _ = run_alg("globalmoran", {"INPUT": MEXICO, "FIELDS": [f"PCGDP{year}"], "PERMUTATIONS": 99,
                                         "OUTPUT": "TEMPORARY_OUTPUT"})
        (row,) = rows(res["OUTPUT"])
        assert row["period"] == str(year)
        # same seed, same draws: the same I and pseudo p as the run with all years
        assert row["I"] == table[str(year)]["I"] and row["p_sim"] == table[str(year)]["p_sim"]
