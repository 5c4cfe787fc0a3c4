"""The bundled study models (and a model built here chaining six tools) run
through qgis_process on the sample data, and give the numbers of the tools
run one by one."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DATA
from tests.helpers import column, layer, rows

ROOT = Path(__file__).resolve().parents[1]
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
INDICATORS = ["fiber_km", "data_centres", "patents_5g", "gdp_pc", "unemployment", "green_cover"]
SUBSYSTEMS = "infrastructure: fiber_km, data_centres, patents_5g; resilience: gdp_pc, unemployment, green_cover"

pytestmark = pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason="qgis_process.bin not installed")


@pytest.fixture(scope="module")
def qgis_env(tmp_path_factory):
    """A fresh QGIS profile with the plugin enabled, as an analyst has it."""
    config = tmp_path_factory.mktemp("qgis-config")
    plugins = config / "profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    (plugins / "regional_resilience").symlink_to(ROOT / "regional_resilience")
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if "site-packages" in p))
    proc = subprocess.run([QGIS_PROCESS, "plugins", "enable", "regional_resilience"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env


@pytest.fixture(scope="module")
def china31(tmp_path_factory, provider):
    """The 31 mainland provinces that the indicator panel covers."""
    import processing

    folder = tmp_path_factory.mktemp("china")
    out = folder / "china31.gpkg"
    source = folder / "china_provinces.gpkg"
    shutil.copy(DATA / "china_provinces.gpkg", source)  # never open the test data for writing
    processing.run("native:extractbyattribute", {"INPUT": str(source),
                                                 "FIELD": "in_study", "OPERATOR": 0, "VALUE": "1",
                                                 "OUTPUT": str(out)})
    return str(out)


def qgis_process(env, alg, params):
    args = [QGIS_PROCESS, "run", alg, "--"]
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            args.append(f"{key}={v}")
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _outputs(alg_id, tmp_path):
    """A file for every output of a bundled model."""
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id).create()
    out = {}
    for d in alg.destinationParameterDefinitions():
        ext = ".html" if d.type() == "fileDestination" else ".gpkg"
        out[d.name()] = str(tmp_path / (d.name().replace(":", "__") + ext))
    return out


def _table(path):
    """Rows of a table file, without the GeoPackage's own fid."""
    return [{k: v for k, v in r.items() if k != "fid"} for r in rows(layer(path))]


def _same_rows(a, b):
    """Equal table rows; reals to 1e-12 (least squares go through BLAS)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], float) and isinstance(y[key], float):
                assert x[key] == pytest.approx(y[key], rel=1e-12, abs=1e-15), key
            else:
                assert x[key] == y[key] or (x[key] != x[key] and y[key] != y[key]), key


def _same_columns(a, b, names):
    """Equal fields; reals to 1e-12 (the model and the tools run in different
    processes, where numpy's sums may round the last bit differently)."""
    for name in names:
        x, y = column(a, name), column(b, name)
        if x.dtype == object:
            assert list(x) == list(y), name
        else:
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15, err_msg=name)


def test_study_a_model_equals_the_tools_one_by_one(qgis_env, china31, run_alg, tmp_path):
    outs = _outputs("regional_resilience:study_infrastructure", tmp_path)
    inputs = {"regions": china31, "region_id": "code", "group_field": "region4",
              "indicators": str(DATA / "china_panel.gpkg"), "indicators_id": "code",
              "indicators_year": "year", "indicator_fields": INDICATORS, "negative": "unemployment",
              "subsystems": SUBSYSTEMS}
    qgis_process(qgis_env, "regional_resilience:study_infrastructure", {**inputs, **outs})

    table = dict(TABLE=str(DATA / "china_panel.gpkg"), TABLE_ID_FIELD="code", TABLE_PERIOD_FIELD="year",
                 TABLE_VALUE_FIELDS=INDICATORS)
    ind = dict(INPUT=china31, ID_FIELD="code", NEGATIVE="unemployment", SUBSYSTEMS=SUBSYSTEMS,
               OBJECTIVE=[0, 2], **table)
    weights, _ = run_alg("indicatorweights", dict(ind, WEIGHTS_TABLE="TEMPORARY_OUTPUT"))
    index, _ = run_alg("developmentindex", dict(ind, OUTPUT="TEMPORARY_OUTPUT"))
    coupling, _ = run_alg("couplingcoordination", dict(INPUT=index["OUTPUT"], ID_FIELD="code",
                                                       GROUP_FIELD="region4", OUTPUT="TEMPORARY_OUTPUT"))
    d = dict(INPUT=coupling["OUTPUT"], ID_FIELD="code", FIELD_PREFIX="cc_d")
    dagum, _ = run_alg("dagumgini", dict(d, GROUP_FIELD="region4", OUTPUT="TEMPORARY_OUTPUT"))
    moran, _ = run_alg("globalmoran", dict(d, OUTPUT="TEMPORARY_OUTPUT"))
    lisa, _ = run_alg("localmoran", dict(d, OUTPUT="TEMPORARY_OUTPUT"))
    smarkov, _ = run_alg("spatialmarkov", dict(d, INPUT=lisa["OUTPUT"], CLASSES=0, N_CLASSES=4,
                                               OUTPUT="TEMPORARY_OUTPUT", TRANSITIONS="TEMPORARY_OUTPUT"))

    study = layer(outs["spatial_markov:study_layer"])
    years = range(2013, 2021)
    _same_columns(study, smarkov["OUTPUT"],
                  [f"cc_d_{y}" for y in years] + [f"cc_grade_{y}" for y in years]
                  + [f"lisa_p_{y}" for y in years] + [f"mk_class_{y}" for y in years])
    close = dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([r["G"] for r in _table(outs["dagum:dagum"])],
                               [r["G"] for r in rows(dagum["OUTPUT"])], **close)
    np.testing.assert_allclose([(r["I"], r["p_sim"]) for r in _table(outs["moran:moran"])],
                               [(r["I"], r["p_sim"]) for r in rows(moran["OUTPUT"])], **close)
    np.testing.assert_allclose([r["weight"] for r in _table(outs["weights:weights"])],
                               [r["weight"] for r in rows(weights["WEIGHTS_TABLE"])], **close)
    assert [r["count"] for r in _table(outs["spatial_markov:spatial_markov"])] == \
        [r["count"] for r in rows(smarkov["TRANSITIONS"])]
    report = Path(outs["report:report"]).read_text(encoding="utf-8")
    for title in ("LISA clusters 2013", "LISA clusters 2020", "Moran scatter plot, 2020", "Grade map 2020",
                  "Regional disparity", "Transition probabilities", "Indicator weights"):
        assert title in report, title
    assert report.count("data:image/png;base64,") >= 10


def test_study_b_model(qgis_env, china31, run_alg, tmp_path):
    outs = _outputs("regional_resilience:study_agglomeration", tmp_path)
    employment = str(DATA / "china_employment.gpkg")
    inputs = {"regions": china31, "region_id": "code", "group_field": "region4",
              "indicators": str(DATA / "china_panel.gpkg"), "indicators_id": "code", "indicators_year": "year",
              "resilience_fields": ["gdp_pc", "unemployment", "green_cover"], "negative": "unemployment",
              "employment": employment + "|layername=employment", "employment_id": "code",
              "employment_year": "year", "employment_industry": "industry", "employment_value": "jobs",
              "total": employment + "|layername=jobs_total", "total_id": "code", "total_year": "year",
              "total_value": "jobs", "agglomeration_fields": "lq_manufacturing, lq_digital, lq_services",
              "tobit_regressors": "hhi, lq_manufacturing, lq_digital"}
    qgis_process(qgis_env, "regional_resilience:study_agglomeration", {**inputs, **outs})

    agg, _ = run_alg("agglomeration", dict(INPUT=china31, ID_FIELD="code", TABLE=employment + "|layername=employment",
                                           TABLE_ID_FIELD="code", TABLE_PERIOD_FIELD="year",
                                           TABLE_INDUSTRY_FIELD="industry", TABLE_VALUE_FIELDS=["jobs"],
                                           OUTPUT="TEMPORARY_OUTPUT"))
    martin, _ = run_alg("martinresilience", dict(INPUT=agg["OUTPUT"], ID_FIELD="code",
                                                 TABLE=employment + "|layername=jobs_total", TABLE_ID_FIELD="code",
                                                 TABLE_PERIOD_FIELD="year", TABLE_VALUE_FIELDS=["jobs"],
                                                 GROUP_FIELD="region4", OUTPUT="TEMPORARY_OUTPUT"))
    a_idx, _ = run_alg("developmentindex", dict(INPUT=martin["OUTPUT"], ID_FIELD="code",
                                                FIELD_PREFIX="lq_manufacturing, lq_digital, lq_services",
                                                SUBSYSTEMS="agglomeration: *", OUTPUT="TEMPORARY_OUTPUT"))
    r_idx, _ = run_alg("developmentindex", dict(INPUT=a_idx["OUTPUT"], ID_FIELD="code",
                                                TABLE=str(DATA / "china_panel.gpkg"), TABLE_ID_FIELD="code",
                                                TABLE_PERIOD_FIELD="year",
                                                TABLE_VALUE_FIELDS=["gdp_pc", "unemployment", "green_cover"],
                                                NEGATIVE="unemployment", SUBSYSTEMS="resilience: *",
                                                OUTPUT="TEMPORARY_OUTPUT"))
    cc, _ = run_alg("couplingcoordination", dict(INPUT=r_idx["OUTPUT"], ID_FIELD="code",
                                                 FIELD_PREFIX="idx_agglomeration, idx_resilience",
                                                 GROUP_FIELD="region4", OUTPUT="TEMPORARY_OUTPUT"))
    tobit, _ = run_alg("paneltobit", dict(INPUT=cc["OUTPUT"], ID_FIELD="code", GROUP_FIELD="region4",
                                          FIELD_PREFIX="cc_d, hhi, lq_manufacturing, lq_digital", DEPENDENT="cc_d",
                                          REGRESSORS="hhi, lq_manufacturing, lq_digital", OUTPUT="TEMPORARY_OUTPUT"))
    years = range(2013, 2021)
    _same_columns(layer(outs["coupling:study_layer"]), cc["OUTPUT"],
                  [f"cc_d_{y}" for y in years] + [f"hhi_{y}" for y in years]
                  + [f"mr_{y}_{y + 1}" for y in range(2013, 2020)])
    assert _table(outs["tobit:tobit"]) == rows(tobit["OUTPUT"])  # formatted text cells
    report = Path(outs["report:report"]).read_text(encoding="utf-8")
    assert "Regression" in report and "Grades (cc_grade)" in report


def test_study_c_model(qgis_env, china31, run_alg, tmp_path):
    outs = _outputs("regional_resilience:study_border_cities", tmp_path)
    fields = ["fiber_km", "gdp_pc", "unemployment", "green_cover"]
    inputs = {"regions": china31, "region_id": "code", "indicators": str(DATA / "china_panel.gpkg"),
              "indicators_id": "code", "indicators_year": "year", "indicator_fields": fields,
              "negative": "unemployment"}
    qgis_process(qgis_env, "regional_resilience:study_border_cities", {**inputs, **outs})
    topsis, _ = run_alg("entropytopsis", dict(INPUT=china31, ID_FIELD="code", TABLE=str(DATA / "china_panel.gpkg"),
                                              TABLE_ID_FIELD="code", TABLE_PERIOD_FIELD="year",
                                              TABLE_VALUE_FIELDS=fields, NEGATIVE="unemployment",
                                              OUTPUT="TEMPORARY_OUTPUT"))
    grades, _ = run_alg("gradeclasses", dict(INPUT=topsis["OUTPUT"], ID_FIELD="code", FIELD_PREFIX="topsis_c",
                                             METHOD=0, CLASSES=5, SCOPE=1,
                                             LABELS="low; lower-middle; middle; upper-middle; high",
                                             OUTPUT="TEMPORARY_OUTPUT"))
    trend, _ = run_alg("trendsurface", dict(INPUT=grades["OUTPUT"], ID_FIELD="code", FIELD_PREFIX="topsis_c",
                                            ORDER=2, COORDINATES=1, OUTPUT="TEMPORARY_OUTPUT"))
    years = range(2013, 2021)
    _same_columns(layer(outs["grades:grade_map"]), grades["OUTPUT"],
                  [f"topsis_c_{y}" for y in years] + [f"gr_code_{y}" for y in years] + [f"gr_label_{y}" for y in years])
    _same_rows(_table(outs["trend:trend_table"]), rows(trend["OUTPUT"]))
    assert set(column(layer(outs["grades:grade_map"]), "gr_label_2020")) <= {
        "low", "lower-middle", "middle", "upper-middle", "high"}


def test_a_model_of_six_tools_runs_through_qgis_process(qgis_env, china31, tmp_path):
    """developmentindex -> couplingcoordination -> gradeclasses -> dagumgini ->
    localmoran -> spatialmarkov, chained only by the fields each tool writes."""
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource as S,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterVectorLayer,
    )

    model = QgsProcessingModelAlgorithm("six tools", "tests")
    model.addModelParameter(QgsProcessingParameterVectorLayer("regions", "regions"),
                            QgsProcessingModelParameter("regions"))
    steps = [
        ("index", "developmentindex", dict(INPUT=S.fromModelParameter("regions"), ID_FIELD="code",
                                           TABLE=str(DATA / "china_panel.gpkg"), TABLE_ID_FIELD="code",
                                           TABLE_PERIOD_FIELD="year", TABLE_VALUE_FIELDS=INDICATORS,
                                           NEGATIVE="unemployment", SUBSYSTEMS=SUBSYSTEMS)),
        ("coupling", "couplingcoordination", dict(INPUT="index", ID_FIELD="code")),
        ("grades", "gradeclasses", dict(INPUT="coupling", ID_FIELD="code", FIELD_PREFIX="cc_d", CLASSES=4)),
        ("dagum", "dagumgini", dict(INPUT="grades", ID_FIELD="code", FIELD_PREFIX="cc_d", GROUP_FIELD="region4")),
        ("lisa", "localmoran", dict(INPUT="grades", ID_FIELD="code", FIELD_PREFIX="cc_d")),
        ("smarkov", "spatialmarkov", dict(INPUT="lisa", ID_FIELD="code", FIELD_PREFIX="gr_code", CLASSES=5)),
    ]
    outputs = {"dagum": ["OUTPUT"], "smarkov": ["OUTPUT", "TRANSITIONS"]}
    for child_id, alg_id, params in steps:
        child = QgsProcessingModelChildAlgorithm(f"regional_resilience:{alg_id}")
        child.setChildId(child_id)
        for name, value in params.items():
            if isinstance(value, S):
                source = value
            elif name == "INPUT":
                source = S.fromChildOutput(value, "OUTPUT")
            else:
                source = S.fromStaticValue(value)
            child.addParameterSources(name, [source])
        model_outputs = {}
        for out_name in outputs.get(child_id, []):
            out = QgsProcessingModelOutput(f"{child_id}_{out_name.lower()}")
            out.setChildOutputName(out_name)
            out.setChildId(child_id)
            model_outputs[out.name()] = out
        child.setModelOutputs(model_outputs)
        model.addChildAlgorithm(child)
    path = tmp_path / "six_tools.model3"
    assert model.toFile(str(path))
    files = {"dagum:dagum_output": tmp_path / "dagum.gpkg", "smarkov:smarkov_output": tmp_path / "study.gpkg",
             "smarkov:smarkov_transitions": tmp_path / "transitions.gpkg"}
    qgis_process(qgis_env, str(path), {"regions": china31, **{k: str(v) for k, v in files.items()}})

    study = layer(files["smarkov:smarkov_output"])
    assert study.featureCount() == 31
    names = {f.name() for f in study.fields()}
    for y in range(2013, 2021):
        assert {f"idx_infrastructure_{y}", f"cc_d_{y}", f"gr_code_{y}", f"lisa_cl_{y}", f"mk_class_{y}"} <= names
        # the Markov classes are the grade codes the grading step wrote
        np.testing.assert_array_equal(column(study, f"mk_class_{y}"), column(study, f"gr_code_{y}"))
    d = column(study, "cc_d_2020")
    assert ((d > 0) & (d < 1)).all()
    dagum = _table(files["dagum:dagum_output"])
    assert [r["period"] for r in dagum] == [str(y) for y in range(2013, 2021)]
    for r in dagum:
        assert r["G"] == pytest.approx(r["G_w"] + r["G_nb"] + r["G_t"], abs=1e-12)
    transitions = _table(files["smarkov:smarkov_transitions"])
    assert sum(r["count"] for r in transitions if r["lag_class"] is None or r["lag_class"] == r["lag_class"]) > 0
