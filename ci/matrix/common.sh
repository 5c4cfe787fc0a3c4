# Shared settings for the `make test-matrix` scripts (sourced, not run).
# shellcheck shell=bash

MATRIX_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$MATRIX_DIR/../.." && pwd)"
MATRIX_CACHE="${RR_MATRIX_CACHE:-/var/cache/regional-resilience-matrix}"
MATRIX_STACKS_ALL="trixie sid"
# Where Debian's packages come from: the host's own apt mirror unless set.
MATRIX_MIRROR="${RR_MATRIX_MIRROR:-}"
# Cached roots of a moving suite are rebuilt after this many days (0: never).
MATRIX_MAX_AGE_DAYS="${RR_MATRIX_MAX_AGE_DAYS:-14}"
# Inside each root: the venv and the copy of the working tree.
ROOT_VENV=/opt/rr-venv
ROOT_WORK=/work/regional-resilience

log() { printf '[test-matrix %s] %s\n' "${STACK:-*}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# stack_config STACK: sets SUITE, DESCRIPTION and APT_OPTS for one stack.
stack_config() {
    case "$1" in
        trixie)
            SUITE=trixie
            DESCRIPTION="Debian 13 trixie (QGIS 3.40, Python 3.13, numpy 2.2)"
            APT_OPTS=()
            ;;
        sid)
            SUITE=sid
            DESCRIPTION="Debian unstable sid (newest QGIS, Python and numpy)"
            # The mirror's unstable Release file can be past its Valid-Until.
            APT_OPTS=(-o Acquire::Check-Valid-Until=false)
            ;;
        *) die "unknown stack '$1' (known: $MATRIX_STACKS_ALL)" ;;
    esac
}

# The mirror the host's apt uses (deb822 or one-line sources), else Debian's CDN.
host_mirror() {
    if [ -n "$MATRIX_MIRROR" ]; then echo "$MATRIX_MIRROR"; return; fi
    local url
    url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v -- '-security' | head -n1 | tr -d ' ' || true)"
    echo "${url:-http://deb.debian.org/debian}"
}

stack_dir() { echo "$MATRIX_CACHE/$1"; }

# Mounts the root needs at run time. Always paired with umount_root (trap).
mount_root() {
    local root="$1"
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
    mountpoint -q "$root/dev/shm" || mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
}

umount_root() {
    local root="$1" m
    # Deepest first; lazy as a last resort so a stuck process can't pin the root.
    for m in "$root/dev/shm" "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc"; do
        if mountpoint -q "$m" 2>/dev/null; then
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
        fi
    done
}

# Refuse to delete a tree that still has something mounted inside it.
safe_rm_root() {
    local root="$1"
    [ -e "$root" ] || return 0
    umount_root "$root"
    if findmnt -rn -o TARGET | grep -q -F -- "$root/"; then
        die "refusing to delete $root: still mounted: $(findmnt -rn -o TARGET | grep -F -- "$root/" | tr '\n' ' ')"
    fi
    rm -rf --one-file-system -- "$root"
}

# Run a command inside a root with a clean environment. PROJ_DATA: Debian's
# pyproj looks for its data under sys.prefix, which is the venv's there.
in_root() {
    local root="$1"; shift
    env -i \
        HOME=/root \
        PATH="$ROOT_VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive \
        QT_QPA_PLATFORM=offscreen \
        XDG_RUNTIME_DIR=/tmp/runtime-root \
        PIP_DISABLE_PIP_VERSION_CHECK=1 \
        PIP_DEFAULT_TIMEOUT="${PIP_DEFAULT_TIMEOUT:-180}" \
        PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
        PROJ_DATA=/usr/share/proj \
        CI="${CI:-}" \
        chroot "$root" "$@"
}
