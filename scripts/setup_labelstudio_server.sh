#!/usr/bin/env bash
# Create the Label Studio server's own virtual environment, once (idempotent).
#
# The server pins Django, pyarrow<25 and an exact label-studio-sdk, so it lives apart from the
# package's environment. The tests (tests/labelstudio/conftest.py) and `cartel-fto ls serve` use
# it from ${CARTEL_FTO_LS_VENV:-.venv-labelstudio} (relative paths are taken from the repo root).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CARTEL_FTO_LS_VENV:-.venv-labelstudio}"
VERSION="1.23.2"
PY="${PYTHON:-python3}"

if [ -x "$VENV/bin/label-studio" ] && "$VENV/bin/python" - "$VERSION" <<'PYEOF'
import sys
from importlib.metadata import version
sys.exit(0 if version("label-studio") == sys.argv[1] else 1)
PYEOF
then
  echo "label-studio $VERSION ready in $VENV"
  exit 0
fi

echo "creating $VENV with label-studio==$VERSION (about a minute, ~1 GB)"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "label-studio==$VERSION"
"$VENV/bin/python" -c "import label_studio" >/dev/null
echo "label-studio $VERSION ready in $VENV"
