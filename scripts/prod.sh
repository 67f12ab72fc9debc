#!/usr/bin/env bash
# make prod: the production setup on this machine — gunicorn + task worker + tick through
# `onego serve --production`, DEBUG off, static files collected and served by whitenoise, real keys.
#
# For a local trial it keeps its own data directory (var/prod, never the development var/) and, the
# first time, generates its secrets into var/prod/secrets.env (mode 600). It serves plain HTTP on
# loopback, so it turns off what only makes sense behind TLS (HTTPS redirect, HSTS, Secure cookies);
# a real deployment keeps them on and terminates TLS at a proxy (docs/deployment.md).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8000}
export ONEGO_DATA_DIR=${ONEGO_DATA_DIR:-$PWD/var/prod}
mkdir -p "$ONEGO_DATA_DIR"
onego=.venv/bin/onego
secrets="$ONEGO_DATA_DIR/secrets.env"
key() { .venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
if [ ! -f "$secrets" ]; then
  umask 077
  {
    echo "ONEGO_SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    echo "ONEGO_PII_KEYS=k1:$(key)"
    echo "ONEGO_BLIND_INDEX_KEY=$(key)"
    echo "ONEGO_LEDGER_SIGNING_KEY=$(key)"
  } > "$secrets"
  echo "prod: generated secrets in $secrets (keep it; the data cannot be read without it)"
fi
set -a; . "$secrets"; set +a
export ONEGO_DEBUG=0
export ONEGO_SSL_REDIRECT=${ONEGO_SSL_REDIRECT:-0} ONEGO_HSTS_SECONDS=${ONEGO_HSTS_SECONDS:-0}
export ONEGO_SECURE_COOKIES=${ONEGO_SECURE_COOKIES:-0} ONEGO_PUBLIC_URL=${ONEGO_PUBLIC_URL:-http://$HOST:$PORT}
$onego migrate --noinput -v0
$onego collectstatic --noinput -v0
$onego catalog import src/onego/catalog/starter
$onego exchange contracts import
# Each department signs its documents with its own key: generate the missing ones (kept in secrets.env).
missing=$($onego shell -v 0 -c '
import os
from onego.catalog.models import Department
have = {p.split(":")[0].strip() for p in os.environ.get("ONEGO_DOCUMENT_SIGNING_KEYS", "").split(",") if p.strip()}
print(" ".join(sorted(set(Department.objects.values_list("code", flat=True)) - have)))')
if [ -n "$missing" ]; then
  entries=${ONEGO_DOCUMENT_SIGNING_KEYS:-}
  for code in $missing; do entries="${entries:+$entries,}$code:$(key)"; done
  grep -v '^ONEGO_DOCUMENT_SIGNING_KEYS=' "$secrets" > "$secrets.new" || true
  echo "ONEGO_DOCUMENT_SIGNING_KEYS=$entries" >> "$secrets.new"; mv "$secrets.new" "$secrets"
  export ONEGO_DOCUMENT_SIGNING_KEYS=$entries
fi
if [ "${DEMO:-0}" = 1 ]; then $onego demo setup; fi
echo
echo "  OneGo (production mode, local trial) on http://$HOST:$PORT/ — data in $ONEGO_DATA_DIR; Ctrl-C stops it."
echo "  Health: http://$HOST:$PORT/healthz  Readiness: http://$HOST:$PORT/readyz  (DEMO=1 make prod loads the demo data)"
echo
exec $onego serve --production --host "$HOST" --port "$PORT"
