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
UV_VERSION="0.13.9"
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

echo "creating $VENV with label-studio==$VERSION (a few minutes, ~1 GB)"
"$PY" -m venv "$VENV"
# uv (from PyPI, into this venv only) resolves and downloads label-studio's ~160 packages in parallel:
# 2 min on a cold cache where pip's one-at-a-time resolution took 12 (measured 2026-12-03, shared
# 2-core machine under load). Plain pip when uv can't be had or fails: slower, same packages.
if "$VENV/bin/python" -m pip install -q "uv==$UV_VERSION" \
  && "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" "label-studio==$VERSION"; then
  :
else
  echo "uv failed: installing label-studio with pip" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "label-studio==$VERSION"
fi
"$VENV/bin/python" -c "import label_studio" >/dev/null
echo "label-studio $VERSION ready in $VENV"
