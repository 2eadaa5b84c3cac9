#!/bin/sh
# Install the test-only Synapse homeserver (AGPL, never a bot dependency) into .synapse-venv/,
# pinned with hashes by tests/fakes/synapse.lock. Idempotent; `make test` and .ci/run call it.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV="$ROOT/.synapse-venv"
LOCK="$ROOT/tests/fakes/synapse.lock"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import synapse" 2>/dev/null; then
    exit 0
fi
PYTHON=${PYTHON:-python3}
UV="$ROOT/.tools/bin/uv"
if [ -x "$UV" ]; then
    UV_PYTHON_DOWNLOADS=never "$UV" venv --quiet --python "$PYTHON" "$VENV"
    VIRTUAL_ENV="$VENV" "$UV" pip sync --quiet --require-hashes "$LOCK"
else
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
fi
"$VENV/bin/python" -c "import synapse; print('synapse', synapse.__version__, 'in', '$VENV')"
