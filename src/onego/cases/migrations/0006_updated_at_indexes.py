"""Index `updated_at` of cases and sub-cases: the dashboard's refresh finds what changed by it (ADR 0014).

On PostgreSQL the indexes are built with `CREATE INDEX CONCURRENTLY`, so a site with millions of cases
keeps taking submissions while they build (a plain CREATE INDEX would lock the tables against writes for
the whole build). That needs the migration outside a transaction (`atomic = False`); each index is one
statement, so there is nothing half-written to roll back: a build that fails leaves an INVALID index,
which this drops and builds again when the migration is run again. Other databases (SQLite in
development and tests) get an ordinary index. Django's migration state is that of `AddIndex` either way.
"""

from typing import Any

from django.db import migrations, models


class AddIndexOnline(migrations.AddIndex):
    """`AddIndex`, concurrently on PostgreSQL (the state is the same, so makemigrations sees AddIndex)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        name = schema_editor.quote_name(self.index.name)
        # A concurrent build interrupted before (a killed migrate) leaves an invalid index of this name.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0005_snapshot_post_choices")]

    operations = [
        AddIndexOnline(model_name="case", index=models.Index(fields=["updated_at"], name="case_updated_at")),
        AddIndexOnline(
            model_name="subcase", index=models.Index(fields=["updated_at"], name="subcase_updated_at")
        ),
    ]
