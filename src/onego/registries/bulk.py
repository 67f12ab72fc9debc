"""Fast inserts for bulk loading (synthetic data): plain `executemany` of prepared rows.

`Model.objects.bulk_create` builds a model instance and runs every field's pre-save per row; for a
million residents and their records that is most of the time spent. Here rows are tuples in column
order and only the columns that need it are converted (UUIDs and dates on SQLite, JSON, decimals),
once per value, with the database's own adapters.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

Converter = Callable[[Any], Any] | None


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Remember the last value: a batch's timestamps are one value repeated on every row."""
    last: list[Any] = [object(), None]

    def conv(v: Any) -> Any:
        if v is not last[0]:
            last[0], last[1] = v, convert(v)
        return last[1]

    return conv


def _converter(field: models.Field[Any, Any], conn: BaseDatabaseWrapper) -> Converter:
    internal = field.get_internal_type()
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    target_internal = target.get_internal_type()
    sqlite = conn.vendor == "sqlite"
    if target_internal == "UUIDField":
        # UUID objects become Django's SQLite form; 32-hex strings pass as they are (PostgreSQL parses them)
        return (lambda v: v.hex if isinstance(v, uuid.UUID) else v) if sqlite else None
    if internal == "DateField":
        return (lambda v: v.isoformat() if isinstance(v, dt.date) else v) if sqlite else None
    if internal == "JSONField":
        encoder = getattr(field, "encoder", None)
        return lambda v: conn.ops.adapt_json_value(v, encoder)
    if internal == "DateTimeField":
        return _memo(lambda v: field.get_db_prep_save(v, conn))
    if internal in ("DecimalField", "TimeField"):
        return lambda v: field.get_db_prep_save(v, conn)
    return None


class RowWriter:
    """Collects rows for one table and writes them with one `executemany`."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[c] for c in columns]
        qn = connection.ops.quote_name
        cols = ", ".join(qn(str(f.column)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.table = model._meta.db_table
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608 - quoted names
        # the connection itself, not the proxy: the proxy looks the connection up on every access
        self.conn = connections[DEFAULT_DB_ALIAS]
        self.convs = [_converter(f, self.conn) for f in fields]
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def flush(self) -> int:
        if not self.rows:
            return 0
        todo = [(i, c) for i, c in enumerate(self.convs) if c is not None]
        prepared: list[Any] = self.rows
        if todo:
            prepared = []
            for row in self.rows:
                values = list(row)
                for i, c in todo:
                    if values[i] is not None:
                        values[i] = c(values[i])
                prepared.append(values)
        with self.conn.cursor() as cursor:
            cursor.executemany(self.sql, prepared)
        n = len(self.rows)
        self.written += n
        self.rows = []
        return n
