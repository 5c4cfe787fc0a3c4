"""The study report from a chain's last layer and tables."""
import re

import pytest
from qgis.core import QgsProcessingException

from tests.conftest import DATA


@pytest.fixture(scope="module")
def lisa_run(tmp_path_factory, provider):
    import processing

    folder = tmp_path_factory.mktemp("report")
    lisa = processing.run("regional_resilience:localmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELD_PREFIX": "PCGDP", "PERMUTATIONS": 99,
        "OUTPUT": str(folder / "lisa.gpkg"), "SUMMARY": "TEMPORARY_OUTPUT"})
    moran = processing.run("regional_resilience:globalmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELD_PREFIX": "PCGDP", "PERMUTATIONS": 99,
        "OUTPUT": str(folder / "moran.gpkg")})
    return folder, lisa["OUTPUT"], moran["OUTPUT"]


def test_every_period_and_chart(run_alg, lisa_run):
    folder, lisa, moran = lisa_run
    report = folder / "report.html"
    run_alg("studyreport", {"INPUT": lisa, "VARIABLE": "PCGDP", "GROUP_FIELD": "HANSON03",
                            "MAP_PERIODS": "1940, 1970, 2000", "MORAN_TABLE": moran, "REPORT": str(report)})
    text = report.read_text(encoding="utf-8")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    for year in ("1940", "1970", "2000"):
        assert f"LISA clusters {year}" in captions and f"Moran scatter plot, {year}" in captions
    # every period in the LISA counts table, every image non-empty
    for year in range(1940, 2001, 10):
        assert f"<td>{year}</td>" in text
    images = re.findall(r"data:image/png;base64,([^']+)'", text)
    assert len(images) >= 3 + 3 + 3 and min(len(i) for i in images) > 2000
    assert "values_sha256" in text  # the provenance footer


def test_a_period_without_results_is_named(run_alg, lisa_run):
    folder, lisa, _ = lisa_run
    with pytest.raises(QgsProcessingException, match=r"No results for period\(s\) 2010.*1940, 1950"):
        run_alg("studyreport", {"INPUT": lisa, "VARIABLE": "PCGDP", "MAP_PERIODS": "2000, 2010",
                                "REPORT": str(folder / "no.html")})
