#!/usr/bin/env bash
# make run: migrate the embedded SQLite database, load the starter catalog and demo data, then serve the
# whole service with `onego serve`: the web server, a task worker (restarted if it dies) and the periodic
# tick, all stopped by one Ctrl-C. Development mode (DEBUG, development keys) is asked for here, explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8000}
export ONEGO_DATA_DIR=${ONEGO_DATA_DIR:-$PWD/var}
export ONEGO_DEBUG=${ONEGO_DEBUG:-1}
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
  Database: $ONEGO_DATA_DIR/onego.sqlite3
  SMS (development outbox): $ONEGO_DATA_DIR/sms.log; conclusion PDFs: $ONEGO_DATA_DIR/media/conclusions/
  Web server + task worker + tick run together — stop them all with Ctrl-C.

TXT
exec $onego serve --host "$HOST" --port "$PORT"
