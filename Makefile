# Two commands for a fresh machine: `make demo` runs the bot on the seeds, `make test` runs the tests.
# Both bootstrap uv into .tools/ and install the pinned, hashed requirements-dev.lock into .venv/.
# requirements.lock pins the runtime alone (what the container and the systemd unit install).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := .tools/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export VIRTUAL_ENV := $(CURDIR)/$(VENV)

.PHONY: demo test lint lock synapse-lock bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --require-hashes requirements-dev.lock
	$(UV) pip install --quiet --no-deps -e .
	touch $@

demo: $(VENV)/.installed  ## ingest the seeds, print today's digest, open the console chat
	$(VENV)/bin/newsbot demo

test: $(VENV)/.installed  ## the whole test suite (installs the test-only Synapse on first use)
	-@sh tests/fakes/install_synapse.sh || echo "Synapse could not be installed: Matrix tests will skip"
	$(VENV)/bin/python -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

lock: | $(UV)  ## re-pin both lock files from pyproject.toml
	$(UV) pip compile pyproject.toml --generate-hashes --python $(PYTHON) \
	  --custom-compile-command "make lock" -o requirements.lock
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python $(PYTHON) \
	  --custom-compile-command "make lock" -o requirements-dev.lock

synapse-lock: | $(UV)  ## re-pin the test-only homeserver
	echo "matrix-synapse==1.163.2" | $(UV) pip compile - --generate-hashes --python $(PYTHON) \
	  --custom-compile-command "make synapse-lock" -o tests/fakes/synapse.lock

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/summarize.py
	$(VENV)/bin/python bench/search.py
	$(VENV)/bin/python bench/digest.py
	$(VENV)/bin/python bench/stories.py

clean:
	rm -rf $(VENV) .tools .synapse-venv
