"""The catalog revision in the database: triggers that change it on every write to a catalog table.

Triggers rather than Django signals or a bump in each service, because only the database sees every
write: signals miss `bulk_create` (the import stores item fields, materials and package parts that
way), `QuerySet.update`, raw SQL and other processes' tools; a bump in the services misses the admin.

PostgreSQL runs one statement-level trigger per table (INSERT, UPDATE, DELETE and TRUNCATE); SQLite has
only row-level triggers, so it gets three per table. Both upsert the single revision row, so a flushed
table (Django's test flush truncates every table) gets it back on the next catalog write.

The migration that creates CatalogRevision installs the triggers on the tables of that day; after every
`migrate` they are installed again on every catalog table there is (`install_after_migrate`), because a
new catalog model needs them too and because SQLite drops a table's triggers when a migration rebuilds
the table. Installing is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

REVISION_TABLE = "catalog_catalogrevision"
# The vendors whose triggers this module knows; elsewhere the caches must not be used.
VENDORS = frozenset({"postgresql", "sqlite"})
_NAME = "catalog_revision"
_SQLITE_EVENTS = ("insert", "update", "delete")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_catalogrevision (id, created_at, updated_at, slot, number, token)
    VALUES (gen_random_uuid(), now(), now(), 1, 1, gen_random_uuid())
    ON CONFLICT (slot) DO UPDATE
    SET number = catalog_catalogrevision.number + 1, token = EXCLUDED.token, updated_at = EXCLUDED.updated_at;
    RETURN NULL;
END
$$
"""

# SQLite keeps UUIDs as 32 lowercase hex digits and datetimes as naive UTC text, as Django writes them.
_SQLITE_BUMP = """
    INSERT INTO catalog_catalogrevision (id, created_at, updated_at, slot, number, token)
    VALUES (lower(hex(randomblob(16))), strftime('%Y-%m-%d %H:%M:%f', 'now'),
            strftime('%Y-%m-%d %H:%M:%f', 'now'), 1, 1, lower(hex(randomblob(16))))
    ON CONFLICT (slot) DO UPDATE
    SET number = number + 1, token = excluded.token, updated_at = excluded.updated_at;
"""


def catalog_tables() -> list[str]:
    """Every table of the catalog app (many-to-many tables included) except the revision's own."""
    models = apps.get_app_config("catalog").get_models(include_auto_created=True)
    return [t for t in (model._meta.db_table for model in models) if t != REVISION_TABLE]


def install_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON {q(table)}")
                cursor.execute(
                    f"CREATE TRIGGER {_NAME} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {q(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {_NAME}_bump()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                for event in _SQLITE_EVENTS:
                    name = q(f"{_NAME}_{table}_{event}")
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(
                        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {q(table)} BEGIN {_SQLITE_BUMP} END"
                    )


def uninstall_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON {q(table)}")
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s LIMIT 1", [_NAME])
            if cursor.fetchone() is None:  # the last trigger went: the function goes too
                cursor.execute(f"DROP FUNCTION IF EXISTS {_NAME}_bump()")
        elif connection.vendor == "sqlite":
            for table in tables:
                for event in _SQLITE_EVENTS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {q(f'{_NAME}_{table}_{event}')}")


def triggered_tables(connection: BaseDatabaseWrapper) -> set[str]:
    """The tables that carry a revision trigger now (for the check that none was forgotten)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s AND NOT t.tgisinternal",
                [_NAME],
            )
            return {row[0] for row in cursor.fetchall()}
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "GROUP BY tbl_name",
                [f"{_NAME}%"],
            )
            return {row[0] for row in cursor.fetchall() if row[1] == len(_SQLITE_EVENTS)}
    return set()


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: (re)install the triggers on every catalog table, once the revision table exists."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if REVISION_TABLE not in existing:
        return  # migrated back before the revision: the migration's reverse removed the triggers
    install_triggers(connection, [t for t in catalog_tables() if t in existing])
