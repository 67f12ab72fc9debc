"""Backup and restore into a fresh instance (the standing campaign, SECURITY.md TM-16).

A throw-away PostgreSQL cluster under /tmp (this machine's /usr/lib/postgresql/*/bin), a database filled
by populate.py (cases with uploaded materials, decisions, a sealed ledger) and its data directory;
then `pg_dump` + a tar of the stored files → a fresh database and a fresh data directory → `onego ledger
verify` and the facts (counts, ledger size and root, every stored file present with its SHA-256) compared.
Exit status 0 when everything matches. Run: `make campaign` or `.venv/bin/python bench/campaign/backup_restore.py [N]`.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def env_for(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ONEGO_DEBUG": "1",
        "ONEGO_DATABASE_URL": url,
        "ONEGO_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "onego.settings",
        "PYTHONPATH": str(ROOT),
    }


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def main(n: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="onego-backup-"))
    pgdata, sock = work / "pg", work / "sock"
    pgdata.mkdir()
    sock.mkdir()
    for d in (work, pgdata, sock):
        if os.geteuid() == 0:
            shutil.chown(d, "postgres")
    port = free_port()
    started = time.monotonic()
    try:
        as_postgres(f"{PG_BIN}/initdb", "-D", str(pgdata), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        as_postgres(
            f"{PG_BIN}/pg_ctl", "-D", str(pgdata), "-w", "-l", str(pgdata / "log"),
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off", "start",
        )  # fmt: skip
        psql = [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qc"]
        as_postgres(*psql, "CREATE ROLE onego LOGIN SUPERUSER PASSWORD 'onego'")
        for db in ("source", "restored"):
            as_postgres(*psql, f"CREATE DATABASE {db} OWNER onego")
        url = f"postgres://onego:onego@127.0.0.1:{port}"
        src_dir, dst_dir = work / "data-source", work / "data-restored"
        src = env_for(f"{url}/source", src_dir)
        dst = env_for(f"{url}/restored", dst_dir)

        run([str(ROOT / ".venv/bin/onego"), "migrate", "-v", "0"], src)
        before = json.loads(run([PY, "bench/campaign/populate.py", str(n)], src).strip().splitlines()[-1])
        verify_before = run([str(ROOT / ".venv/bin/onego"), "ledger", "verify"], src)

        # The backup: a custom-format dump and a tar of the stored files.
        dump, files = work / "onego.dump", work / "files.tar.gz"
        subprocess.run(
            [f"{PG_BIN}/pg_dump", "-Fc", "-f", str(dump), f"{url}/source"], check=True, capture_output=True
        )
        with tarfile.open(files, "w:gz") as tar:
            tar.add(src_dir, arcname="data")
        # Restore into the fresh instance.
        subprocess.run(
            [f"{PG_BIN}/pg_restore", "--no-owner", "-d", f"{url}/restored", str(dump)],
            check=True,
            capture_output=True,
        )
        with tarfile.open(files) as tar:
            tar.extractall(work / "unpacked", filter="data")
        (work / "unpacked" / "data").rename(dst_dir)
        verify_after = run([str(ROOT / ".venv/bin/onego"), "ledger", "verify"], dst)
        after = json.loads(run([PY, "bench/campaign/facts.py"], dst).strip().splitlines()[-1])
        elapsed = time.monotonic() - started
        same = before == after and not after["material_files_bad"]
        print(f"source:   {json.dumps(before, ensure_ascii=False, sort_keys=True)}")
        print(f"restored: {json.dumps(after, ensure_ascii=False, sort_keys=True)}")
        print(
            f"ledger verify, source:   {verify_before.strip().splitlines()[-1] if verify_before.strip() else 'ok'}"
        )
        print(
            f"ledger verify, restored: {verify_after.strip().splitlines()[-1] if verify_after.strip() else 'ok'}"
        )
        print(
            f"backup/restore: {n} submissions, dump {dump.stat().st_size // 1024} KiB, files "
            f"{files.stat().st_size // 1024} KiB; facts {'equal' if same else 'DIFFER'}; {elapsed:.0f} s"
        )
        return 0 if same else 1
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", str(pgdata), "-m", "fast", "stop"]
            if os.geteuid() == 0
            else [f"{PG_BIN}/pg_ctl", "-D", str(pgdata), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
