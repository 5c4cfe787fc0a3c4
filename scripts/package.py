"""Build the installable plugin zip: dist/regional_resilience-<version>.zip.

The zip holds the folder ``regional_resilience/`` (with metadata.txt, icons,
styles and LICENSE) and nothing else: no tests, no caches. QGIS's
"Install from ZIP" accepts it as it is.
"""
import argparse
import configparser
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "regional_resilience"
SKIP_DIRS = {"__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def plugin_version():
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    return meta["general"]["version"]


def plugin_files():
    for path in sorted(PLUGIN.rglob("*")):
        if path.is_dir() or SKIP_DIRS.intersection(path.relative_to(PLUGIN).parts):
            continue
        if path.suffix in SKIP_SUFFIXES:
            continue
        yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="dist", help="folder for the zip")
    args = parser.parse_args()
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PLUGIN.name}-{plugin_version()}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in plugin_files():
            zf.write(path, Path(PLUGIN.name) / path.relative_to(PLUGIN))
        zf.write(ROOT / "LICENSE", Path(PLUGIN.name) / "LICENSE")
    print(target)


if __name__ == "__main__":
    main()
