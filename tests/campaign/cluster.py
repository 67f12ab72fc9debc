"""A throw-away PostgreSQL cluster for the crash campaign: initdb under /tmp on a free port, started,
stopped in immediate mode (what a power cut or `kill -9` of the postmaster leaves: no checkpoint, crash
recovery from the WAL at the next start) and started again, removed at the end. Never the shared server.

Uses Debian's /usr/lib/postgresql/*/bin; as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.cases.processes import free_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


@dataclass
class Cluster:
    bin: Path
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="onego-crash-pg-")))
    port: int = field(default_factory=free_port)
    restarts: int = 0

    @property
    def data(self) -> Path:
        return self.work / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if check and done.returncode != 0:
            log = self.work / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}\n{tail}")
        return done

    def url(self, db: str = "onego") -> str:
        return f"postgres://onego:onego@127.0.0.1:{self.port}/{db}"

    def create(self) -> None:
        (self.work / "sock").mkdir()
        if os.geteuid() == 0:
            for d in (self.work, self.work / "sock"):
                shutil.chown(d, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        psql = ("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc")
        self._run(*psql, "CREATE ROLE onego LOGIN SUPERUSER PASSWORD 'onego'")
        self._run(*psql, "CREATE DATABASE onego OWNER onego")

    def start(self) -> None:
        # fsync stays on: the point is what survives an immediate stop, and commits must be durable.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.work / 'sock'} -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-w", "-l", str(self.work / "server.log"), "-o", options, "start"
        )

    def stop_immediately(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart_immediately(self) -> None:
        self.stop_immediately()
        self.start()
        self.restarts += 1

    def load(self, dump_from_url: str) -> None:
        """Copy a database (schema and rows) into this cluster's `onego` database."""
        dump = self.work / "seed.dump"
        subprocess.run(
            [str(self.bin / "pg_dump"), "-Fc", "-f", str(dump), dump_from_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(self.bin / "pg_restore"), "--no-owner", "-d", self.url(), str(dump)],
            check=True,
            capture_output=True,
        )

    def recovery_lines(self) -> list[str]:
        """The server log's lines that show crash recovery ran (after an immediate stop)."""
        log = (self.work / "server.log").read_text(errors="replace")
        return [line for line in log.splitlines() if "not properly shut down" in line or "redo done" in line]

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.work, ignore_errors=True)
