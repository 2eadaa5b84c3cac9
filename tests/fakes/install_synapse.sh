#!/bin/sh
# Install the test-only Synapse homeserver (AGPL, never a bot dependency) into .synapse-venv/.
# Idempotent: does nothing when .synapse-venv/ already runs synapse. Called by .ci/run.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV="$ROOT/.synapse-venv"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import synapse" 2>/dev/null; then
    echo "synapse already installed in $VENV"
    exit 0
fi
PYTHON=${PYTHON:-python3}
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check matrix-synapse
"$VENV/bin/python" -c "import synapse; print('synapse', synapse.__version__, 'in', '$VENV')"
