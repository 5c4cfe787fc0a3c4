"""Plugin lifecycle, toolbox metadata, and how analysts run the tools:
the modeler, loading styled results, and qgis_process."""
from tests.references import reference
import configparser
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]
#: every tool of the toolbox, by id (the API that models and scripts use)
EXPECTED_ALGORITHMS = [
    "buildweights", "globalmoran", "localmoran",
    "indicatorweights", "developmentindex", "entropytopsis", "cedi",
    "couplingcoordination", "martinresilience", "agglomeration", "dagumgini", "theilsigma",
    "markovchain", "spatialmarkov", "gradeclasses", "trendsurface", "paneltobit",
    "spatialpanel", "mediation",
    "studyreport",
    # the bundled study models
    "study_agglomeration", "study_border_cities", "study_infrastructure",
]
PLUGIN = ROOT / "regional_resilience"


def run_python(code, env=None):
    """Run ``code`` in a fresh interpreter of this venv, from the repo root."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


def test_core_imports_without_qgis():
    proc = run_python("""
        import sys, pkgutil, importlib
        sys.modules['qgis'] = None  # any 'import qgis' now fails
        import regional_resilience.core as core
        names = [m.name for m in pkgutil.iter_modules(core.__path__)]
        for name in names:
            importlib.import_module('regional_resilience.core.' + name)
        heavy = [m for m in ('geopandas', 'libpysal', 'esda', 'giddy', 'mapclassify', 'inequality',
                             'quantecon', 'pandas') if m in sys.modules]
        assert not heavy, heavy
        print(len(names), 'core modules')
    """)
    assert proc.returncode == 0, proc.stderr
    assert "core modules" in proc.stdout


def test_plugin_loads_and_unloads_without_geopandas():
    proc = run_python("""
        import sys
        from qgis.core import QgsApplication
        app = QgsApplication([], False); app.initQgis()
        import regional_resilience
        plugin = regional_resilience.classFactory(None)
        plugin.initProcessing()
        reg = QgsApplication.processingRegistry()
        prov = reg.providerById('regional_resilience')
        assert prov is not None
        print(sorted(a.name() for a in prov.algorithms()))
        for mod in ('geopandas', 'pyogrio', 'libpysal', 'esda'):
            assert mod not in sys.modules, mod + ' was imported by the plugin'
        plugin.unload()
        assert reg.providerById('regional_resilience') is None
        print('ok')
    """)
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert str(sorted(EXPECTED_ALGORITHMS)) in proc.stdout


def test_desktop_start_compiles_the_kernels_once_in_the_background(tmp_path):
    reference("numba")
    proc = run_python("""
        import threading
        from qgis.core import QgsApplication
        app = QgsApplication([], False); app.initQgis()
        import regional_resilience
        from regional_resilience.core import _kernels
        assert not _kernels.kernels_cached()
        plugin = regional_resilience.classFactory(None)
        plugin.initGui()  # as the QGIS desktop does
        assert QgsApplication.processingRegistry().providerById('regional_resilience')
        warm = [t for t in threading.enumerate() if t.name == 'rr-numba-warm-up']
        assert len(warm) == 1, 'no background compile on the first start'
        warm[0].join(timeout=240)
        assert _kernels.kernels_cached()
        plugin.unload()
        # the next start finds the kernels cached and starts nothing
        plugin = regional_resilience.classFactory(None)
        plugin.initGui()
        assert not [t for t in threading.enumerate() if t.name == 'rr-numba-warm-up']
        plugin.unload()
        print('ok')
    """, env={"NUMBA_CACHE_DIR": str(tmp_path / "numba")})
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout


def test_metadata():
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt")
    general = meta["general"]
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["hasProcessingProvider"] == "yes"
    assert (PLUGIN / general["icon"]).exists()


def test_every_algorithm_is_documented(provider):
    algs = provider.algorithms()
    assert sorted(a.name() for a in algs) == sorted(EXPECTED_ALGORITHMS)
    from qgis.core import QgsProcessingModelAlgorithm

    models = [a for a in algs if isinstance(a, QgsProcessingModelAlgorithm)]
    assert sorted(m.name() for m in models) == [n for n in sorted(EXPECTED_ALGORITHMS) if n.startswith("study_")]
    for model in models:
        assert model.group() == "Study models" and len(model.shortHelpString()) > 150, model.name()
    for alg in algs:
        if alg in models:
            continue
        assert alg.name() == alg.name().lower() and " " not in alg.name()
        assert alg.groupId() == alg.groupId().lower()
        assert len(alg.shortHelpString()) > 200, alg.name()
        assert type(alg.createInstance()) is type(alg)
        for param in alg.parameterDefinitions():
            if param.isDestination():
                continue
            assert param.help(), f"{alg.name()}: parameter {param.name()} has no help"


def test_results_load_styled(provider, tmp_path):
    """What QGIS does after a run from the toolbox: load the output and call
    its post-processor (done by hand here, as runAndLoadResults needs a real
    layer tree view on QGIS 3.44)."""
    import processing
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProcessingUtils,
        QgsProject,
    )

    out = tmp_path / "lisa.gpkg"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    results = processing.run("regional_resilience:localmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP1940", "PCGDP2000"],
        "PERMUTATIONS": 99, "OUTPUT": QgsProcessingOutputLayerDefinition(str(out), QgsProject.instance()),
        "SUMMARY": "TEMPORARY_OUTPUT"}, context=context, feedback=feedback)
    assert context.willLoadLayerOnCompletion(results["OUTPUT"])
    details = context.layerToLoadOnCompletionDetails(results["OUTPUT"])
    lyr = QgsProcessingUtils.mapLayerFromString(results["OUTPUT"], context)
    assert details.postProcessor() is not None
    details.postProcessor().postProcessLayer(lyr, context, feedback)

    renderer = lyr.renderer()
    assert renderer.type() == "categorizedSymbol"
    assert renderer.classAttribute() == "lisa_cl_2000"
    labels = [c.label() for c in renderer.categories()]
    assert labels[:5] == ["Not significant", "High-High", "Low-High", "Low-Low", "High-Low"]
    colors = {c.label(): c.symbol().color().name() for c in renderer.categories()}
    assert colors["High-High"] == "#ff0000" and colors["Low-Low"] == "#0000ff"
    styles = lyr.styleManager().styles()
    assert "LISA lisa_cl_1940" in styles and "LISA lisa_cl_2000" in styles
    lyr.styleManager().setCurrentStyle("LISA lisa_cl_1940")
    assert lyr.renderer().classAttribute() == "lisa_cl_1940"


def test_runs_in_a_model(provider, tmp_path):
    """Build weights -> LISA with the weights file, chained in a model."""
    import processing
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterVectorLayer,
    )

    model = QgsProcessingModelAlgorithm("lisa chain", "tests")
    model.addModelParameter(QgsProcessingParameterVectorLayer("layer", "layer"),
                            QgsProcessingModelParameter("layer"))
    weights = QgsProcessingModelChildAlgorithm("regional_resilience:buildweights")
    weights.setChildId("weights")
    weights.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("layer")])
    weights.addParameterSources("ID_FIELD", [QgsProcessingModelChildParameterSource.fromStaticValue("POLY_ID")])
    weights.addParameterSources("WEIGHTS_OUTPUT", [QgsProcessingModelChildParameterSource.fromStaticValue(
        str(tmp_path / "mx.gal"))])
    model.addChildAlgorithm(weights)
    lisa = QgsProcessingModelChildAlgorithm("regional_resilience:localmoran")
    lisa.setChildId("lisa")
    lisa.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("layer")])
    lisa.addParameterSources("ID_FIELD", [QgsProcessingModelChildParameterSource.fromStaticValue("POLY_ID")])
    lisa.addParameterSources("FIELDS", [QgsProcessingModelChildParameterSource.fromStaticValue(["PCGDP2000"])])
    lisa.addParameterSources("WEIGHTS", [QgsProcessingModelChildParameterSource.fromStaticValue(4)])
    lisa.addParameterSources("WEIGHTS_FILE", [
        QgsProcessingModelChildParameterSource.fromChildOutput("weights", "WEIGHTS_OUTPUT")])
    out = QgsProcessingModelOutput("lisa_map")
    out.setChildOutputName("OUTPUT")
    out.setChildId("lisa")
    lisa.setModelOutputs({"lisa_map": out})
    model.addChildAlgorithm(lisa)
    results = processing.run(model, {"layer": str(DATA / "mexico.gpkg"),
                                     "lisa:lisa_map": str(tmp_path / "model_out.gpkg")})
    from tests.helpers import column, layer

    out_layer = layer(results["lisa:lisa_map"])
    direct, _ = None, None
    direct = processing.run("regional_resilience:localmoran", {
        "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP2000"],
        "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"})
    assert (column(out_layer, "lisa_p_2000") == column(direct["OUTPUT"], "lisa_p_2000")).all()


QGIS_PROCESS = "/usr/bin/qgis_process.bin"


@pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason="qgis_process.bin not installed")
def test_qgis_process(tmp_path):
    """As an analyst installs and scripts it: the plugin zip unpacked into a
    fresh profile (what "Install from ZIP" does), enabled, then run."""
    import zipfile

    config = tmp_path / "qgis-config"
    plugins = config / "profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    build = subprocess.run([sys.executable, str(ROOT / "scripts/package.py"), "--output", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    archive = Path(build.stdout.strip())
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert "regional_resilience/metadata.txt" in names and "regional_resilience/LICENSE" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]
        zf.extractall(plugins)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if "site-packages" in p))
    enable = subprocess.run([QGIS_PROCESS, "plugins", "enable", "regional_resilience"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert enable.returncode == 0, enable.stdout + enable.stderr
    out = tmp_path / "lisa.gpkg"
    proc = subprocess.run([QGIS_PROCESS, "run", "regional_resilience:localmoran", "--",
                           f"INPUT={DATA / 'mexico.gpkg'}", "FIELDS=PCGDP1940", "FIELDS=PCGDP2000",
                           "PERMUTATIONS=99", f"OUTPUT={out}", "SUMMARY=TEMPORARY_OUTPUT"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.exists()
    from tests.helpers import layer

    lyr = layer(out)
    assert lyr.fields().lookupField("lisa_cl_2000") >= 0 and lyr.featureCount() == 32


@pytest.mark.parametrize("alg_id,params", [
    ("localmoran", {"FIELDS": ["PCGDP1940", "PCGDP2000"], "SUMMARY": "TEMPORARY_OUTPUT"}),
    ("globalmoran", {"FIELDS": ["PCGDP1940", "PCGDP2000"]}),
    ("buildweights", {"WEIGHTS_OUTPUT": "TEMPORARY_OUTPUT"}),
    ("developmentindex", {"FIELDS": ["PCGDP1940", "PCGDP2000"], "WEIGHTS_TABLE": "TEMPORARY_OUTPUT"}),
])
def test_cancel_is_honoured(provider, alg_id, params):
    """A run canceled by the user stops with a message, writing nothing."""
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="Canceled"):
        processing.run(f"regional_resilience:{alg_id}",
                       dict(params, INPUT=str(DATA / "mexico.gpkg"), OUTPUT="TEMPORARY_OUTPUT"),
                       feedback=feedback)


def test_cancel_during_permutations(provider):
    """Cancel reaches the permutation kernels, not only the reading loop."""
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class CancelAtProgress(QgsProcessingFeedback):
        def setProgress(self, progress):  # noqa: N802
            super().setProgress(progress)
            if progress > 30:
                self.cancel()

    with pytest.raises(QgsProcessingException, match="Canceled"):
        processing.run("regional_resilience:localmoran", {
            "INPUT": str(DATA / "mexico.gpkg"), "FIELDS": ["PCGDP1940", "PCGDP2000"],
            "PERMUTATIONS": 9999, "OUTPUT": "TEMPORARY_OUTPUT", "SUMMARY": "TEMPORARY_OUTPUT"},
            feedback=CancelAtProgress())
