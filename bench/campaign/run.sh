#!/usr/bin/env bash
# make campaign: the long parts of the standing trust campaign (SECURITY.md, "Standing campaign").
#   1. the state machine, ONEGO_CAMPAIGN_STEPS steps (default 50,000), on SQLite;
#   2. crash safety: gunicorn servers killed at random and PostgreSQL restarted (immediate stop + start)
#      during ONEGO_CAMPAIGN_CRASH_KEYS concurrent submissions (default 400; bench/campaign/crash.py);
#   3. backup/restore into a fresh instance (bench/campaign/backup_restore.py: its own throw-away PostgreSQL
#      cluster under /tmp, ONEGO_CAMPAIGN_BACKUP_CASES submissions, default 40).
# Figures are printed; SECURITY.md records the last measured run.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=.venv/bin
status=0
export ONEGO_CAMPAIGN_STEPS=${ONEGO_CAMPAIGN_STEPS:-50000}
echo "== state machine: $ONEGO_CAMPAIGN_STEPS steps"
ONEGO_DATABASE_URL="sqlite://" $bin/pytest tests/campaign/test_state_machine.py -q -p no:cacheprovider -s || status=1
echo "== crash safety: ${ONEGO_CAMPAIGN_CRASH_KEYS:-400} submissions, random kills, PostgreSQL restarts"
$bin/python bench/campaign/crash.py "${ONEGO_CAMPAIGN_CRASH_KEYS:-400}" || status=1
echo "== backup and restore into a fresh instance"
$bin/python bench/campaign/backup_restore.py "${ONEGO_CAMPAIGN_BACKUP_CASES:-40}" || status=1
exit $status
