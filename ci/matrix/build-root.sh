#!/usr/bin/env bash
# Build (or reuse) the cached Debian root of one `make test-matrix` stack:
#   ci/matrix/build-root.sh trixie|sid
#
# Layout under ${RR_MATRIX_CACHE:-/var/cache/regional-resilience-matrix}/<stack>/:
#   root/            debootstrap --variant=minbase + packages.txt, venv in /opt/rr-venv
#   root.stamp       hash of suite + packages.txt + this script's system part
#   venv.stamp       hash of the root stamp + requirements-matrix.txt
# The system layer is rebuilt only when its hash changes (or the root is older
# than RR_MATRIX_MAX_AGE_DAYS, default 14, since trixie/sid keep moving; set
# RR_MATRIX_REBUILD=1 to force); the venv only when requirements change.
set -euo pipefail
STACK="${1:?usage: build-root.sh STACK}"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
stack_config "$STACK"

[ "$(id -u)" = 0 ] || die "building a root needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || {
    log "installing debootstrap on the host"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

DIR="$(stack_dir "$STACK")"
ROOT="$DIR/root"
mkdir -p "$DIR"
PACKAGES="$(grep -v '^\s*#' "$MATRIX_DIR/packages.txt" | xargs)"
MIRROR="$(host_mirror)"

# Bump SYSTEM_LAYER_VERSION when the way the system layer is built changes.
SYSTEM_LAYER_VERSION=1
root_key="$(printf '%s\n' "v$SYSTEM_LAYER_VERSION" "$SUITE" "$PACKAGES" | sha256sum | cut -c1-16)"
venv_key="$(cat <(echo "$root_key") "$MATRIX_DIR/requirements-matrix.txt" | sha256sum | cut -c1-16)"

# Serialise builds of one stack (a second `make test-matrix` waits).
exec 9>"$DIR/.lock"
flock 9
# A signal ends the script through its EXIT trap, which unmounts.
trap 'exit 143' INT TERM

stale=""
if [ -f "$DIR/root.stamp" ] && [ "$MATRIX_MAX_AGE_DAYS" -gt 0 ] \
   && [ -n "$(find "$DIR/root.stamp" -mtime "+$MATRIX_MAX_AGE_DAYS" 2>/dev/null)" ]; then
    stale="older than $MATRIX_MAX_AGE_DAYS days"
fi

build_system() {
    local new="$DIR/root.new"
    trap 'umount_root "$new"' EXIT
    safe_rm_root "$new"
    log "debootstrap --variant=minbase $SUITE from $MIRROR (cold build: a few minutes)"
    # sid's Release is checked by gpgv only; apt's Valid-Until check comes later.
    debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$SUITE" "$new" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 \
        || { tail -n 30 "$DIR/debootstrap.log" >&2; die "debootstrap failed (log: $DIR/debootstrap.log)"; }
    printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$new/etc/apt/sources.list"
    rm -f "$new/etc/apt/sources.list.d/"*
    # No recommends, no docs: keeps the root at its smallest.
    cat >"$new/etc/apt/apt.conf.d/90rr-matrix" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
    cat >"$new/etc/dpkg/dpkg.cfg.d/90rr-nodoc" <<'DPKG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
    # Resolve names inside the root (debootstrap copied it, but keep it current).
    cp -L /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null || true
    mount_root "$new"
    log "apt-get install $PACKAGES"
    in_root "$new" apt-get "${APT_OPTS[@]}" update -qq >"$DIR/apt.log" 2>&1 \
        || { tail -n 30 "$DIR/apt.log" >&2; die "apt-get update failed in the $SUITE root"; }
    in_root "$new" apt-get "${APT_OPTS[@]}" install -y -qq $PACKAGES >>"$DIR/apt.log" 2>&1 \
        || { tail -n 30 "$DIR/apt.log" >&2; die "apt-get install failed in the $SUITE root (log: $DIR/apt.log)"; }
    in_root "$new" apt-get clean
    rm -rf "$new/var/lib/apt/lists/"*_Packages* 2>/dev/null || true
    umount_root "$new"
    trap - EXIT
    safe_rm_root "$ROOT"
    mv "$new" "$ROOT"
    rm -f "$DIR/venv.stamp"
    echo "$root_key" >"$DIR/root.stamp"
}

build_venv() {
    trap 'umount_root "$ROOT"' EXIT
    mount_root "$ROOT"
    # pip inside the root trusts only the root's CA bundle: use the host's
    # (the host may reach PyPI through a proxy with its own CA), and the
    # host's system-wide pip settings that make sense inside the root.
    mkdir -p "$ROOT/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
    [ -f /etc/pip.conf ] && cp -L /etc/pip.conf "$ROOT/etc/pip.conf"
    if [ -d /etc/xdg/pip ]; then rm -rf "$ROOT/etc/xdg/pip"; mkdir -p "$ROOT/etc/xdg"; cp -rL /etc/xdg/pip "$ROOT/etc/xdg/pip"; fi
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
    rm -rf "$ROOT$ROOT_VENV"
    log "venv $ROOT_VENV (--system-site-packages) + requirements-matrix.txt"
    in_root "$ROOT" python3 -m venv --system-site-packages "$ROOT_VENV"
    cp "$MATRIX_DIR/requirements-matrix.txt" "$ROOT/tmp/requirements-matrix.txt"
    # numpy (and scipy) stay Debian's: pin them to the versions installed there.
    in_root "$ROOT" "$ROOT_VENV/bin/python" - >"$ROOT/tmp/debian-constraints.txt" <<'PY'
import numpy, scipy
print(f"numpy=={numpy.__version__}")
print(f"scipy>={scipy.__version__}")
PY
    log "constraints from Debian: $(tr '\n' ' ' <"$ROOT/tmp/debian-constraints.txt")"
    in_root "$ROOT" "$ROOT_VENV/bin/python" -m pip install -q \
        -r /tmp/requirements-matrix.txt -c /tmp/debian-constraints.txt >"$DIR/pip.log" 2>&1 \
        || { tail -n 40 "$DIR/pip.log" >&2; die "pip install failed in the $STACK root (log: $DIR/pip.log)"; }
    # QGIS must start headless and GDAL's numpy bridge must load with this numpy.
    in_root "$ROOT" "$ROOT_VENV/bin/python" - <<'PY' || die "QGIS/gdal_array check failed in the $STACK root"
import numpy
from qgis.core import Qgis, QgsApplication
app = QgsApplication([], False); app.initQgis()
from osgeo import gdal, gdal_array
gdal_array.OpenArray(numpy.zeros((2, 2)))
print(f"QGIS {Qgis.QGIS_VERSION} | GDAL {gdal.__version__} | numpy {numpy.__version__} ({numpy.__file__})", flush=True)
app.exitQgis()
PY
    umount_root "$ROOT"
    trap - EXIT
    echo "$venv_key" >"$DIR/venv.stamp"
}

if [ -d "$ROOT" ] && [ "$(cat "$DIR/root.stamp" 2>/dev/null)" = "$root_key" ] \
   && [ -z "$stale" ] && [ -z "${RR_MATRIX_REBUILD:-}" ]; then
    log "system layer cached ($DIR, key $root_key)"
else
    log "building the system layer${stale:+ (cached one is $stale)}"
    build_system
fi
if [ "$(cat "$DIR/venv.stamp" 2>/dev/null)" = "$venv_key" ]; then
    log "venv cached (key $venv_key)"
else
    build_venv
fi
