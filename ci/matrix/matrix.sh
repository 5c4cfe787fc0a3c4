#!/usr/bin/env bash
# `make test-matrix [STACK=trixie|sid]`: the whole test suite, unchanged, on
# the newer QGIS stacks, each in a cached Debian root (see build-root.sh and
# run-stack.sh). Prints a summary with timings and, for a failed stack, the
# command that reruns just that one. Needs root (debootstrap, chroot, mount).
#
#   trixie  Debian 13: QGIS 3.40, Python 3.13, Debian's numpy 2.2 / scipy 1.15
#   sid     Debian unstable: newest QGIS, Python and numpy
#
# Settings (environment):
#   RR_MATRIX_CACHE         where roots live (default /var/cache/regional-resilience-matrix)
#   RR_MATRIX_REBUILD=1     rebuild the roots even when their stamps match
#   RR_MATRIX_MAX_AGE_DAYS  rebuild a root older than this (default 14; 0 = never)
#   RR_MATRIX_MIRROR        Debian mirror (default: the host's apt mirror)
#   RR_MATRIX_TIMEOUT       seconds for the smoke test and for pytest, each (default 1800)
#   RR_MATRIX_PYTEST_ARGS   extra pytest arguments, e.g. "-x -k moran" (the suite is
#                           otherwise run exactly as `python -m pytest tests`)
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

STACKS="${*:-$MATRIX_STACKS_ALL}"
for s in $STACKS; do stack_config "$s"; done
[ "$(id -u)" = 0 ] || die "make test-matrix needs root (debootstrap, chroot, mount); run it as root or with sudo"

declare -A RESULT SECS
failed=()
for STACK in $STACKS; do
    start=$(date +%s)
    rm -f "$(stack_dir "$STACK")/last-result"
    "$MATRIX_DIR/run-stack.sh" "$STACK"
    rc=$?
    detail="$(cat "$(stack_dir "$STACK")/last-result" 2>/dev/null || true)"
    SECS[$STACK]=$(( $(date +%s) - start ))
    stack_config "$STACK"
    case $rc in
        0) RESULT[$STACK]="passed" ;;
        10) RESULT[$STACK]="FAILED to build its root (logs in $(stack_dir "$STACK")/)" ;;
        11) RESULT[$STACK]="FAILED the smoke test (plugin load / algorithm run; see [smoke] lines); the suite passed" ;;
        *) RESULT[$STACK]="FAILED: ${detail:-exit status $rc}" ;;
    esac
    [ $rc -eq 0 ] || failed+=("$STACK")
done

echo
echo "================================ test-matrix summary ================================"
for STACK in $STACKS; do
    stack_config "$STACK"
    printf '  %-7s %-55s %4ss  %s\n' "$STACK" "$DESCRIPTION" "${SECS[$STACK]}" "${RESULT[$STACK]}"
done
du -sh "$MATRIX_CACHE" 2>/dev/null | awk '{print "  cache: " $2 " uses " $1}'
if [ ${#failed[@]} -gt 0 ]; then
    for STACK in "${failed[@]}"; do
        stack_config "$STACK"
        echo "test-matrix: stack '$STACK' ($DESCRIPTION) ${RESULT[$STACK]}."
        echo "  rerun just this one:  make test-matrix STACK=$STACK"
    done
    exit 1
fi
echo "test-matrix: all stacks passed ($STACKS)"
