#!/usr/bin/env bash
# make run: migrate the embedded SQLite database, load the starter catalog and demo data, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8000}
export ONEGO_DATA_DIR=${ONEGO_DATA_DIR:-$PWD/var}
mkdir -p "$ONEGO_DATA_DIR"
onego=.venv/bin/onego
$onego migrate --noinput -v0
$onego catalog import src/onego/catalog/starter
$onego exchange contracts import
$onego demo setup
cat <<TXT

  OneGo 一件事一次办 is starting on http://$HOST:$PORT/
    首页 Home (packages by theme) ... http://$HOST:$PORT/
    API (OpenAPI) .................... http://$HOST:$PORT/api/v1/openapi.json
    API docs ......................... http://$HOST:$PORT/api/v1/docs
    Admin (catalog management) ....... http://$HOST:$PORT/admin/
  Demo logins: see the table printed above (also in README.md).
  Database: $ONEGO_DATA_DIR/onego.sqlite3 — stop with Ctrl-C.

TXT
exec $onego runserver "$HOST:$PORT"
