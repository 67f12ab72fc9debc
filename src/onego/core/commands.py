"""Helpers shared by the domain management commands."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def require_migrated() -> None:
    """Refuse clearly, instead of failing deep in a query, when the database is not migrated."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(
            "数据库尚未迁移到最新版本，请先运行：onego migrate（The database is not migrated: run `onego migrate`）"
        )
