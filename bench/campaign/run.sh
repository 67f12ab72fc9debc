#!/usr/bin/env bash
# make campaign: the long parts of the standing trust campaign (SECURITY.md, "Standing campaign").
#   1. the state machine, ONEGO_CAMPAIGN_STEPS steps (default 50,000), on SQLite;
#   2. crash safety and backup/restore on PostgreSQL (bench/campaign/*.py), when ONEGO_TEST_POSTGRES_URL is set.
# Figures are printed; SECURITY.md records the last measured run.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=.venv/bin
status=0
export ONEGO_CAMPAIGN_STEPS=${ONEGO_CAMPAIGN_STEPS:-50000}
echo "== state machine: $ONEGO_CAMPAIGN_STEPS steps"
ONEGO_DATABASE_URL="sqlite://" $bin/pytest tests/campaign/test_state_machine.py -q -p no:cacheprovider -s || status=1
exit $status
