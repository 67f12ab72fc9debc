"""Synthetic data throughput: residents (with their families, records and licences) seeded per second.

    .venv/bin/python -m bench.seed_people [--people 100000] [--enterprises N] [--seed 1]
                                          [--batch 5000] [--postgres] [--keep DIR]

Makes a fresh SQLite database in a temporary directory (or, with --postgres, a throw-away PostgreSQL
server on a free loopback port), migrates it, runs `onego.registries.synthetic.seed` and prints people
per second of wall-clock time and of CPU time (the CPU figure is what to compare on a shared machine),
the rows written per table and the database size. Numbers are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def _database(args: argparse.Namespace) -> Iterator[str]:
    if args.postgres:
        from bench import pg

        with pg.throwaway_server() as admin, pg.databases(admin, ["seed"]) as urls:
            yield urls["seed"]
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="onego-seed-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield f"sqlite:///{folder / 'seed.sqlite3'}"
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=None, help="default: people / 20")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL instead of SQLite")
    parser.add_argument("--keep", default="", help="keep the SQLite database in this directory")
    args = parser.parse_args(argv)
    enterprises = args.people // 20 if args.enterprises is None else args.enterprises

    with _database(args) as url:
        os.environ["ONEGO_DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onego.settings")
        os.environ.setdefault("ONEGO_DEBUG", "1")  # development keys, as before DEBUG became opt-in
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from onego.registries import models as m
        from onego.registries.synthetic import seed

        call_command("migrate", verbosity=0)
        print(
            f"{connection.vendor}: seeding {args.people:,} people and {enterprises:,} enterprises …",
            flush=True,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        last = [wall]

        def progress(s: object) -> None:
            people = getattr(s, "people", 0)
            now = time.perf_counter()
            if now - last[0] >= 10:
                last[0] = now
                print(f"  {people:>10,} people  {now - wall:7.1f} s", flush=True)

        summary = seed(
            people=args.people, enterprises=enterprises, seed=args.seed, batch=args.batch, progress=progress
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        tables = [
            m.Resident, m.Household, m.MarriageRecord, m.BirthCertificate, m.SocialInsurance,
            m.MedicalInsurance, m.HousingFund, m.RealEstate, m.Enterprise, m.TaxRegistration, m.Licence,
        ]  # fmt: skip
        rows = {t._meta.label: t.objects.count() for t in tables}
        print()
        for label, n in rows.items():
            print(f"  {label:<32} {n:>12,}")
        print(f"  {'rows in all':<32} {sum(rows.values()):>12,}")
        if connection.vendor == "sqlite":
            size = Path(connection.settings_dict["NAME"]).stat().st_size
            print(f"  {'database size':<32} {size / 2**20:>10,.0f} MB")
        print()
        print(f"people: {summary.people:,}   wall: {wall:,.1f} s   CPU (this process): {cpu:,.1f} s")
        print(
            f"people/second: {summary.people / wall:,.0f} (wall)   {summary.people / max(cpu, 1e-9):,.0f} (CPU)"
        )
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
