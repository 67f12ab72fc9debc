#!/usr/bin/env bash
# Creates .venv and installs the locked dependencies; re-runs only when the lock or pyproject changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv
UV_VERSION=0.13.8

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "bootstrap: $PYTHON not found; OneGo needs Python 3.11 or newer" >&2; exit 1
fi
"$PYTHON" - <<'PY' || { echo "bootstrap: OneGo needs Python >= 3.11" >&2; exit 1; }
import sys; raise SystemExit(0 if sys.version_info >= (3, 11) else 1)
PY

stamp="$VENV/.onego-installed"
want="$(cat requirements/lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/onego" ]; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian splits venv out of the interpreter package.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "bootstrap: installing python3-venv from Debian" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"
    else
      echo "bootstrap: '$PYTHON -m venv' failed; install python3-venv" >&2; exit 1
    fi
  fi
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
"$VENV/bin/uv" pip install -q --python "$VENV/bin/python" -r requirements/lock.txt
"$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --no-deps -e .
echo "$want" > "$stamp"
echo "bootstrap: environment ready in $VENV"
