#!/usr/bin/env bash
# Static checks CI runs before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
export ONEGO_DATA_DIR=${ONEGO_DATA_DIR:-$(mktemp -d)}
echo "== ruff"; $bin/ruff check src tests bench
echo "== ruff format"; $bin/ruff format --check src tests bench
echo "== import-linter (dependency direction)"; $bin/lint-imports
echo "== migrations up to date"; $bin/onego makemigrations --check --dry-run -v1
echo "== mypy"; $bin/mypy
