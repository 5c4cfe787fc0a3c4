"""Test session setup.

pytest-qgis starts one headless QgsApplication for the whole session; the
plugin's provider is registered once here, so that
``processing.run("regional_resilience:...")`` works in every test.
"""
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def provider(qgis_app, qgis_processing):
    """The plugin's provider, registered in the Processing registry."""
    from qgis.core import QgsApplication

    from regional_resilience.processing_provider.provider import RegionalResilienceProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("regional_resilience")
    if existing is not None:
        yield existing
        return
    prov = RegionalResilienceProvider()
    assert registry.addProvider(prov)
    yield prov
    registry.removeProvider(prov)


@pytest.fixture
def data_copy(tmp_path):
    """Copy a test GeoPackage to ``tmp_path`` and return its path (inputs are
    opened from the copy, so a test can check they are not modified)."""

    def _copy(name):
        target = tmp_path / name
        shutil.copy(DATA / name, target)
        return target

    return _copy


@pytest.fixture
def run_alg(provider):
    """Run ``regional_resilience:<alg_id>`` with processing.run; returns
    (results, feedback log text)."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class LogFeedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, info):  # noqa: N802
            self.lines.append(info)
            super().pushInfo(info)

        def reportError(self, error, fatalError=False):  # noqa: N802, N803
            self.lines.append(error)
            super().reportError(error, fatalError)

    def _run(alg_id, params):
        feedback = LogFeedback()
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        results = processing.run(f"regional_resilience:{alg_id}", params, context=context,
                                 feedback=feedback)
        # Resolve layer ids to layers that outlive the context.
        for key, value in list(results.items()):
            if isinstance(value, str):
                layer = context.getMapLayer(value)
                if layer is not None:
                    results[key] = context.takeResultLayer(value)
        return results, "\n".join(feedback.lines)

    return _run


def pytest_report_header(config):
    """The stack this run tests, for the log: QGIS, Qt, GDAL, Python, numpy/scipy
    (and where they come from: Debian's dist-packages or a venv) and the
    pip-resolved libraries."""
    import platform
    from importlib import metadata

    lines = []
    try:
        from osgeo import gdal
        from qgis.core import Qgis
        from qgis.PyQt.QtCore import QT_VERSION_STR

        lines.append(
            f"QGIS {Qgis.QGIS_VERSION} | Qt {QT_VERSION_STR} | GDAL {gdal.__version__} | "
            f"Python {platform.python_version()}"
        )
    except Exception as exc:  # noqa: BLE001 - the header must never break a run
        lines.append(f"QGIS: not importable ({exc!r})")
    debian = Path("/etc/debian_version")
    numeric = [f"Debian {debian.read_text().strip()}"] if debian.exists() else []
    for name in ("numpy", "scipy"):
        try:
            module = __import__(name)
            numeric.append(f"{name} {module.__version__} ({Path(module.__file__).parent.parent})")
        except Exception as exc:  # noqa: BLE001
            numeric.append(f"{name}: {exc!r}")
    lines.append(" | ".join(numeric))
    deps = []
    for dist in ("pandas", "numba", "libpysal", "esda", "spreg", "pytest-qgis"):
        try:
            deps.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            deps.append(f"{dist} -")
    lines.append(", ".join(deps))
    return lines
