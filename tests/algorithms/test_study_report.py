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


def test_grades_of_a_coupling_scheme_keep_every_name(run_alg, tmp_path):
    """D graded on the ten-level scheme (China's provinces, synthetic panel
    2013-2020): the report's grade table and map legend name all ten grades,
    those no province reached included (0 regions), not 'class 0'."""
    import html

    import numpy as np

    from regional_resilience.core import coupling
    from tests.helpers import column, layer, study_provinces

    provinces = study_provinces()
    dev, _ = run_alg("developmentindex", {
        "INPUT": provinces, "ID_FIELD": "code", "TABLE": f"{DATA / 'china_panel.gpkg'}|layername=indicators",
        "TABLE_ID_FIELD": "code", "TABLE_PERIOD_FIELD": "year",
        "TABLE_VALUE_FIELDS": ["fiber_km", "data_centres", "gdp_pc", "green_cover"],
        "SUBSYSTEMS": "infra: fiber_km, data_centres; resil: gdp_pc, green_cover",
        "OUTPUT": "TEMPORARY_OUTPUT", "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"})
    run_alg("couplingcoordination", {"INPUT": dev["OUTPUT"], "ID_FIELD": "code",
                                             "OUTPUT": str(tmp_path / "cc.gpkg"), "SUMMARY": "TEMPORARY_OUTPUT"})
    years = [str(y) for y in range(2013, 2021)]
    graded = layer(tmp_path / "cc.gpkg")
    grades = np.column_stack([column(graded, f"cc_grade_{y}") for y in years]).astype(int)
    unreached = sorted(set(range(10)) - set(grades.ravel().tolist()))
    assert unreached  # the test needs a grade no province reached
    report = tmp_path / "report.html"
    run_alg("studyreport", {"INPUT": str(tmp_path / "cc.gpkg"), "VARIABLE": "cc_d", "MAP_PERIODS": "2020",
                            "REPORT": str(report)})
    text = html.unescape(report.read_text(encoding="utf-8"))
    header = re.search(r"<tr><th>period</th>(.*?)</tr>", text[text.index("<h2>Grades (cc_grade)</h2>"):]).group(1)
    assert re.findall(r"<th>(.*?)</th>", header) == list(coupling.TEN_LEVEL_LABELS)
    row = re.search(r"<tr><td>2020</td>(.*?)</tr>", text[text.index("<h2>Grades (cc_grade)</h2>"):]).group(1)
    counts = [int(c) for c in re.findall(r"<td>(.*?)</td>", row)]
    assert counts == np.bincount(grades[:, -1], minlength=10).tolist()
    assert all(counts[c] == 0 for c in unreached if c not in grades[:, -1]) and "class 0" not in text
