"""The plugin zip passes the checks of the official QGIS plugin repository
(plugins.qgis.org): mandatory metadata, an icon, a licence, no compiled
binaries, no caches, one top-level folder named as the package."""
import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANDATORY = ["name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
             "repository"]
BINARY_SUFFIXES = {".so", ".pyd", ".dll", ".dylib", ".exe", ".pyc", ".pyo", ".o", ".a"}


def _build(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/package.py"), "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


def test_zip_passes_the_plugin_repository_checks(tmp_path):
    archive = _build(tmp_path)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert {n.split("/")[0] for n in names} == {"regional_resilience"}
        assert not [n for n in names if Path(n).suffix in BINARY_SUFFIXES], "compiled files in the zip"
        assert not [n for n in names if "__pycache__" in n or ".pytest_cache" in n or "/." in n]
        assert "regional_resilience/LICENSE" in names and "regional_resilience/__init__.py" in names
        meta = configparser.ConfigParser()
        meta.read_string(zf.read("regional_resilience/metadata.txt").decode("utf-8"))
        general = meta["general"]
        missing = [key for key in MANDATORY if not general.get(key, "").strip()]
        assert not missing, missing
        assert f"regional_resilience/{general['icon']}" in names
        assert archive.name == f"regional_resilience-{general['version']}.zip"
        assert len(general["description"]) < len(general["about"])
        # bundled models travel in the zip
        assert [n for n in names if n.endswith(".model3")] == sorted(
            f"regional_resilience/models/{p.name}" for p in (ROOT / "regional_resilience/models").glob("*.model3"))
        assert sum(zf.getinfo(n).file_size for n in names) < 20_000_000
