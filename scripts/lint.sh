#!/usr/bin/env bash
# Static checks CI runs before the tests; runs them all, fails if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
export ONEGO_DATA_DIR=${ONEGO_DATA_DIR:-$(mktemp -d)}
export ONEGO_DEBUG=${ONEGO_DEBUG:-1}  # the checks load the settings; production mode would demand a secret key
status=0
step() { echo "== $1"; shift; "$@" || { echo "!! failed: $*" >&2; status=1; }; }
step "ruff" $bin/ruff check src tests bench
step "ruff format" $bin/ruff format --check src tests bench
step "import-linter (dependency direction)" $bin/lint-imports
step "migrations up to date" $bin/onego makemigrations --check --dry-run -v1
step "mypy" $bin/mypy
exit $status
