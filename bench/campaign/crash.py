"""The crash campaign's long profile (`make campaign`): tests/campaign/test_crash_restart.py with
ONEGO_CAMPAIGN_CRASH_KEYS submissions (default 400). The test needs PostgreSQL for its own database as
well (its rows are copied into the throw-away cluster it restarts): ONEGO_CAMPAIGN_POSTGRES_URL when set,
else a second throw-away cluster started here and removed at the end. Exit status: pytest's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.campaign.cluster import Cluster, postgres_bin  # noqa: E402


def main(keys: int) -> int:
    env = {**os.environ, "ONEGO_CAMPAIGN_CRASH_KEYS": str(keys)}
    test = ["tests/campaign/test_crash_restart.py", "-q", "-p", "no:cacheprovider", "-s"]
    url = os.environ.get("ONEGO_CAMPAIGN_POSTGRES_URL", "")
    cluster = None
    if not url:
        pg = postgres_bin()
        if pg is None:
            print(
                "crash campaign: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)", file=sys.stderr
            )
            return 1
        cluster = Cluster(bin=pg)
        cluster.create()
        url = cluster.url()
    try:
        env["ONEGO_DATABASE_URL"] = url
        return subprocess.run([str(ROOT / ".venv/bin/pytest"), *test], cwd=ROOT, env=env).returncode
    finally:
        if cluster is not None:
            cluster.remove()


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
