# Two commands for a fresh machine: `make demo` runs the bot on the seeds, `make test` runs the tests.
# Lanes: `make test-fast` is the inner loop (no integration or slow tests, under a minute);
# `make test-no-slow` leaves out only the slow ones (CI's second Python); `make test` is everything.
# Both bootstrap uv into .tools/ and install the pinned, hashed requirements-dev.lock into a venv.
# requirements.lock pins the runtime alone (what the container and the systemd unit install).
#
# Another Python: `make test PYTHON=/path/to/python3.13`. The default interpreter's version uses
# .venv/; any other version gets its own .venv-X.Y/, so the Pythons never clobber each other
# (VENV=DIR overrides). The lock files are universal: each one serves 3.11, 3.12 and 3.13.
DEFAULT_PYTHON := $(shell command -v python3.11 || command -v python3)
PYTHON ?= $(DEFAULT_PYTHON)
python_version = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(PYTHON),$(DEFAULT_PYTHON))
PYTHON_VERSION := $(call python_version,$(PYTHON))
ifeq ($(PYTHON_VERSION),)
$(error PYTHON=$(PYTHON) does not run; give the path of an interpreter)
endif
ifneq ($(PYTHON_VERSION),$(call python_version,$(DEFAULT_PYTHON)))
VENV ?= .venv-$(PYTHON_VERSION)
endif
endif
VENV ?= .venv
# Three pytest-xdist workers, on 2 cores too: most of the long tests wait (on Synapse, a bot
# process, a real-time burst), so a third worker computes meanwhile (2026-12-07, 2 cores:
# 305 s with two, 230 s with three, the same CPU). Tests on the homeserver share one worker
# (one Synapse); `XDIST=` runs in one process.
XDIST ?= -n 3 --dist loadgroup
UV := .tools/bin/uv
UV_VERSION := 0.13.9
# The oldest Python the project supports; the universal locks resolve for it and every newer one.
LOCK_FLAGS := --universal --python-version 3.11 --fork-strategy fewest --generate-hashes \
  --custom-compile-command "make lock"
export UV_PYTHON_DOWNLOADS := never
export VIRTUAL_ENV := $(CURDIR)/$(VENV)

.PHONY: install demo test test-fast test-no-slow lint lock synapse-lock bench clean

$(UV):
	$(DEFAULT_PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(VENV)/.installed  ## the venv for PYTHON, from requirements-dev.lock

$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --require-hashes requirements-dev.lock
	$(UV) pip install --quiet --no-deps -e .
	touch $@

demo: $(VENV)/.installed  ## ingest the seeds, print today's digest, open the console chat
	$(VENV)/bin/newsbot demo

test: $(VENV)/.installed  ## the whole test suite (installs the test-only Synapse on first use)
	-@PYTHON=$(DEFAULT_PYTHON) sh tests/fakes/install_synapse.sh \
	  || echo "Synapse could not be installed: Matrix tests will skip"
	$(VENV)/bin/python -m pytest -q $(XDIST)

test-fast: $(VENV)/.installed  ## the inner loop: every test that needs no server, process or long run
	$(VENV)/bin/python -m pytest -q $(XDIST) -m "not integration and not slow"

test-no-slow: $(VENV)/.installed  ## everything but the slow tests (see the `slow` marker)
	-@PYTHON=$(DEFAULT_PYTHON) sh tests/fakes/install_synapse.sh \
	  || echo "Synapse could not be installed: Matrix tests will skip"
	$(VENV)/bin/python -m pytest -q $(XDIST) -m "not slow"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

lock: | $(UV)  ## re-pin both lock files from pyproject.toml, for every supported Python at once
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(UV) pip compile pyproject.toml --group dev $(LOCK_FLAGS) -o requirements-dev.lock

synapse-lock: | $(UV)  ## re-pin the test-only homeserver (it runs on the default Python only)
	echo "matrix-synapse==1.163.2" | $(UV) pip compile - --generate-hashes --python $(DEFAULT_PYTHON) \
	  --custom-compile-command "make synapse-lock" -o tests/fakes/synapse.lock

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/summarize.py
	$(VENV)/bin/python bench/search.py
	$(VENV)/bin/python bench/digest.py
	$(VENV)/bin/python bench/stories.py
	$(VENV)/bin/python bench/clean.py
	$(VENV)/bin/python bench/feeds.py
	$(VENV)/bin/python bench/memory.py

clean:
	rm -rf .venv .venv-*/ .tools .synapse-venv
