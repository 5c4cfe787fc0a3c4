#!/usr/bin/env bash
# Run the whole test suite, unchanged, inside one cached stack root:
#   ci/matrix/run-stack.sh trixie|sid
# Builds the root first when needed (build-root.sh), copies the working tree
# (tracked + untracked, minus what .gitignore drops: .venv, dist, __pycache__,
# ...) to /work/regional-resilience inside it, mounts /proc and /dev (always
# unmounted again, also on failure), prints the resolved versions, runs
# ci/matrix/smoke.py and then `python -m pytest` (pytest.ini's testpaths, as `make test`) from /opt/rr-venv.
# Exit status: 0 when both pass; 10 build failed; pytest's own status when
# the suite failed; 11 when only the smoke test failed. The outcome of both is
# also written to <cache>/<stack>/last-result.
set -uo pipefail
STACK="${1:?usage: run-stack.sh STACK}"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
stack_config "$STACK"
DIR="$(stack_dir "$STACK")"
ROOT="$DIR/root"
STACK_TIMEOUT="${RR_MATRIX_TIMEOUT:-1800}"

"$MATRIX_DIR/build-root.sh" "$STACK" || exit 10

exec 9>"$DIR/.lock"
flock 9
trap 'umount_root "$ROOT"' EXIT
trap 'exit 143' INT TERM

# A fresh copy of the working tree (so nothing root-owned lands in the repo).
rm -rf --one-file-system -- "$ROOT$ROOT_WORK"
mkdir -p "$ROOT$ROOT_WORK"
if git -C "$REPO_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$REPO_DIR" && git ls-files -z --cached --others --exclude-standard \
        | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$ROOT$ROOT_WORK"
else
    tar -C "$REPO_DIR" --exclude=.venv --exclude=dist --exclude=__pycache__ --exclude=.pytest_cache \
        --exclude='*.pyc' --exclude=.git -cf - . | tar -xf - -C "$ROOT$ROOT_WORK"
fi
# pytest-qgis's per-checkout QGIS profile: the root makes its own.
rm -rf -- "$ROOT$ROOT_WORK/.qgis-settings"
mount_root "$ROOT"
mkdir -p "$ROOT/tmp/runtime-root" && chmod 700 "$ROOT/tmp/runtime-root"

echo "=================================================================="
echo "test-matrix: $STACK - $DESCRIPTION"
echo "=================================================================="
in_root "$ROOT" "$ROOT_VENV/bin/python" - <<'PY'
import platform, re, subprocess, sys
from importlib import metadata
from qgis.core import Qgis
from qgis.PyQt.QtCore import QT_VERSION_STR
from osgeo import gdal
import numpy, scipy
print(f"QGIS {Qgis.QGIS_VERSION} | Qt {QT_VERSION_STR} | GDAL {gdal.__version__} | Python {platform.python_version()}")
print(f"Debian {open('/etc/debian_version').read().strip()} | numpy {numpy.__version__} ({numpy.__file__.rsplit('/', 2)[0]}) | scipy {scipy.__version__} ({scipy.__file__.rsplit('/', 2)[0]})")
wanted = {"numpy", "scipy", "pandas", "numba", "llvmlite", "libpysal", "esda", "spreg", "geopandas",
          "shapely", "pyproj", "pytest", "pytest-qgis", "scikit-learn"}
freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], capture_output=True, text=True).stdout
lines = [l for l in freeze.splitlines() if re.split(r"[=@ ]", l, maxsplit=1)[0].lower().replace("_", "-") in wanted]
print("pip freeze (venv): " + ", ".join(lines))
PY

smoke=passed
log "smoke: plugin loads and an algorithm runs"
in_root "$ROOT" bash -c "cd '$ROOT_WORK' && timeout $STACK_TIMEOUT '$ROOT_VENV/bin/python' ci/matrix/smoke.py '$ROOT_WORK'" || smoke=FAILED

log "python -m pytest"
in_root "$ROOT" bash -c "cd '$ROOT_WORK' && timeout $STACK_TIMEOUT '$ROOT_VENV/bin/python' -m pytest ${RR_MATRIX_PYTEST_ARGS:-}"
rc=$?
echo "smoke $smoke; pytest exit status $rc$([ "$rc" = 124 ] && echo " (timed out after ${STACK_TIMEOUT}s)")" >"$DIR/last-result"
log "smoke $smoke; pytest exit status $rc$([ "$rc" = 124 ] && echo " (timed out after ${STACK_TIMEOUT}s)")"
if [ "$rc" -ne 0 ]; then exit "$rc"; fi
[ "$smoke" = passed ] || exit 11
exit 0
