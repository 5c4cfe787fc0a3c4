# Regional Resilience: one entry point for setup, tests, demo, benchmark and packaging.
# Every target fails when its step fails.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
SYSTEM_PY   := /usr/bin/python3
APT_PKGS    := qgis python3-qgis qgis-providers python3-venv python3-matplotlib
SUDO        := $(if $(filter 0,$(shell id -u)),,sudo)
PLUGIN      := regional_resilience
# The QGIS profile that `make install` links the plugin into.
QGIS_PROFILE ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)

.PHONY: help setup system-packages venv test test-core demo bench package install clean test-matrix

help:
	@echo "make setup    install QGIS (Debian packages) and the Python dependencies into $(VENV)"
	@echo "make test     run the whole test suite headless against the real QGIS"
	@echo "make demo     run the sample analysis; outputs go to demo_output/"
	@echo "make bench    print the benchmark figures (1,000 / 10,000 / 100,000 polygons)"
	@echo "make package  build dist/$(PLUGIN)-<version>.zip for 'Install from ZIP'"
	@echo "make install  link the plugin into $(QGIS_PROFILE)"

setup: system-packages $(VENV)/.installed

# Debian's QGIS 3.22; skipped when every package is already installed.
system-packages:
	@if dpkg-query -W -f='$${Status}\n' $(APT_PKGS) 2>/dev/null | grep -qv 'install ok installed' \
	    || [ "$$(dpkg-query -W -f='$${Status}\n' $(APT_PKGS) 2>/dev/null | wc -l)" -ne "$(words $(APT_PKGS))" ]; then \
	  echo "Installing $(APT_PKGS) from Debian's packages"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PKGS) >/dev/null; \
	else echo "QGIS packages already installed"; fi

# A virtualenv that sees Debian's QGIS bindings (--system-site-packages).
$(VENV)/.installed: requirements.txt
	@[ -x $(PY) ] || $(SYSTEM_PY) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -c "import qgis.core, numpy, scipy, pandas, numba; print('qgis', qgis.core.Qgis.QGIS_VERSION, '| numpy', numpy.__version__)"
	@touch $@

test: setup
	$(PY) -m pytest

test-core: setup
	$(PY) -m pytest tests/core regional_resilience/core

# The whole suite, unchanged, on newer QGIS stacks (Debian trixie: QGIS 3.40,
# Python 3.13; Debian sid: newest QGIS/Python/numpy), each in a cached
# debootstrap root under ${RR_MATRIX_CACHE:-/var/cache/regional-resilience-matrix}.
# One stack only: make test-matrix STACK=trixie
STACK ?=
test-matrix:
	$(SUDO) bash ci/matrix/matrix.sh $(STACK)

demo: setup
	$(PY) scripts/demo.py --output demo_output

bench: setup
	$(PY) bench/bench.py

package:
	$(SYSTEM_PY) scripts/package.py --output dist

# Link the working copy into a QGIS profile; then
#   qgis_process.bin plugins enable regional_resilience
# (Debian's /usr/bin/qgis_process wrapper adds --noversioncheck, which 3.22 rejects.)
install:
	mkdir -p $(QGIS_PROFILE)/python/plugins
	ln -sfn $(CURDIR)/$(PLUGIN) $(QGIS_PROFILE)/python/plugins/$(PLUGIN)
	@echo "linked $(QGIS_PROFILE)/python/plugins/$(PLUGIN)"

clean:
	rm -rf dist demo_output bench_output .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
