"""Every output records how it was made, and that record re-runs it exactly."""
import json

import numpy as np

from regional_resilience.algorithms.outputs.provenance import read_provenance
from tests.conftest import DATA
from tests.helpers import column, layer, rows


def test_output_file_records_and_reproduces_the_run(run_alg, tmp_path):
    import processing

    out = tmp_path / "lisa.gpkg"
    summary = tmp_path / "summary.gpkg"
    params = {"INPUT": str(DATA / "mexico.gpkg"), "ID_FIELD": "CODE", "FIELD_PREFIX": "PCGDP",
              "PERMUTATIONS": 199, "SEED": 4321, "OUTPUT": str(out), "SUMMARY": str(summary)}
    processing.run("regional_resilience:localmoran", params)
    record = read_provenance(layer(out))
    assert record is not None
    assert record["tool"] == "regional_resilience:localmoran"
    assert record["parameters"]["SEED"] == 4321 and record["parameters"]["PERMUTATIONS"] == 199
    assert record["input"].endswith("mexico") or "mexico" in record["input"]
    for key in ("plugin_version", "qgis", "numpy", "scipy", "values_sha256"):
        assert record[key]
    # the table records the same run
    assert read_provenance(layer(summary)) == record

    # re-run from the record alone, into other files: the same numbers, bit for bit
    again = dict(record["parameters"], OUTPUT=str(tmp_path / "again.gpkg"),
                 SUMMARY=str(tmp_path / "again_summary.gpkg"))
    processing.run(record["tool"], again)
    first, second = layer(out), layer(tmp_path / "again.gpkg")
    names = [f.name() for f in first.fields() if f.name().startswith("lisa_")]
    assert len(names) == 7 * 6
    for name in names:
        a, b = column(first, name), column(second, name)
        if a.dtype == object:
            assert list(a) == list(b)
        else:
            np.testing.assert_array_equal(a, b)
    assert read_provenance(second)["values_sha256"] == record["values_sha256"]


def test_checksum_changes_with_the_values(run_alg):
    a, _ = run_alg("globalmoran", {"INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP1940"],
                                   "PERMUTATIONS": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    b, _ = run_alg("globalmoran", {"INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP1950"],
                                   "PERMUTATIONS": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    ra, rb = read_provenance(a["OUTPUT"]), read_provenance(b["OUTPUT"])
    assert ra and rb and ra["values_sha256"] != rb["values_sha256"]
    assert json.loads(a["OUTPUT"].metadata().abstract())["parameters"]["FIELDS"] == ["PCGDP1940"]
    assert rows(a["OUTPUT"])[0]["period"] == "1940"
