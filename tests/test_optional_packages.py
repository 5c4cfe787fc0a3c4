"""The plugin in a QGIS whose Python lacks an optional package: it loads,
every tool that does not need the package works, and the output says what
is missing and how to install it."""
from tests.test_plugin import run_python

HIDE_AND_RUN = """
    import sys
    for name in {hidden!r}:
        sys.modules[name] = None  # 'import name' now fails, as if not installed
    import os
    from qgis.core import QgsApplication
    app = QgsApplication([], False); app.initQgis()
    sys.path.insert(0, '/usr/share/qgis/python/plugins')
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing
    import regional_resilience
    plugin = regional_resilience.classFactory(None)
    plugin.initProcessing()
    reg = QgsApplication.processingRegistry()
    assert len(reg.providerById('regional_resilience').algorithms()) >= 18
"""


def test_without_matplotlib_reports_say_what_to_install(tmp_path):
    report = tmp_path / "dagum.html"
    proc = run_python(HIDE_AND_RUN.format(hidden=["matplotlib"]) + f"""
    res = processing.run('regional_resilience:dagumgini', {{
        'INPUT': 'tests/data/mexico.gpkg', 'FIELD_PREFIX': 'PCGDP', 'GROUP_FIELD': 'HANSON03',
        'OUTPUT': 'TEMPORARY_OUTPUT', 'REPORT': {str(report)!r}}})
    assert res['OUTPUT'].featureCount() == 7
    text = open({str(report)!r}, encoding='utf-8').read()
    assert 'matplotlib' in text and 'OSGeo4W Shell' in text and 'pip install matplotlib' in text
    assert '<table' in text  # the tables are still there
    assert 'matplotlib' not in sys.modules or sys.modules['matplotlib'] is None
    print('ok')
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok" in proc.stdout


def test_without_numba_the_permutation_tools_run_on_numpy():
    proc = run_python(HIDE_AND_RUN.format(hidden=["numba"]) + """
    from regional_resilience.core import _kernels
    assert not _kernels.HAVE_NUMBA
    res = processing.run('regional_resilience:localmoran', {
        'INPUT': 'tests/data/mexico.gpkg', 'FIELDS': ['PCGDP2000'], 'PERMUTATIONS': 99,
        'OUTPUT': 'TEMPORARY_OUTPUT', 'SUMMARY': 'TEMPORARY_OUTPUT'})
    assert res['OUTPUT'].featureCount() == 32
    plugin.initGui()  # the desktop start does not try to compile anything
    print('ok')
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok" in proc.stdout
