"""Hand-written SQL for the case engine's hottest writes and locked reads, built once per process.

Why: every `save(update_fields=…)`, `bulk_create()` and `select_for_update().get()` makes Django
compile its SQL anew — about half a millisecond of CPU each, and a case action makes a dozen of
them. The statements here are plain `INSERT … VALUES`, `UPDATE … SET … WHERE pk` and
`SELECT … WHERE pk … FOR UPDATE`, their text built on first use per model (and field list, row
count) and reused. See bench/README.md for what this bought.

What Django would do is kept: field `pre_save` (so `auto_now`/`auto_now_add` and defaults apply),
`get_db_prep_save` conversion, the database's converters on the way back (`from_db`), the instance
state (`_state.adding`, `_state.db`), and "an update that matched no row is an error". What is not:
model signals — none of the models written here has receivers or a `save()` override; use the
ORM for one that does — and multi-table inheritance (refused).

Fenced (docs/adr/0006-fastsql.md): only the modules listed in the import-linter contract "fastsql is
fenced" (pyproject.toml) may import it, and tests/cases/test_fastsql_fence.py fails if a model it
writes gains a receiver or a `save()` override.

The SQL text is composed from the models' own table and column names, quoted by the database
backend; every value goes as a parameter (hence the `noqa: S608` below).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DatabaseError, connections, router
from django.db.models import Model
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# Everything built once per process: the SQL text of each statement shape and what reads or fills
# it, keyed by (kind of statement, model, its variant, database alias).
_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(key: tuple[Any, ...], build: Callable[..., T], *args: Any) -> T:
    """`build(*args)`, made on the first call with `key` and reused after (a build that raises
    stores nothing, so a refused model is refused every time)."""
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build(*args)
    return found


def _plain(model: type[Model]) -> None:
    if model._meta.parents:
        raise TypeError(f"fastsql does not handle multi-table inheritance ({model.__name__})")


def _pk(model: type[Model]) -> Any:
    pk = model._meta.pk
    if pk is None:
        raise TypeError(f"{model.__name__} has no primary key")
    return pk


def _alias(model: type[Model]) -> str:
    return router.db_for_write(model) or "default"


@dataclass(frozen=True)
class Statement:
    """One write, ready to run (`run_together`: alone, or with others of the same unit)."""

    sql: str
    params: list[Any]
    alias: str
    done: Callable[[], None] | None = None  # what to do to the instances once it ran


def _build_insert(model: type[Model], rows: int, connection: Any) -> tuple[str, list[Any]]:
    _plain(model)
    fields = [
        f
        for f in model._meta.local_concrete_fields
        if not (f.primary_key and getattr(f, "db_returning", False))  # an AutoField: the database numbers it
    ]
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"  # noqa: S608
        f" VALUES {', '.join([row] * rows)}"
    )
    return sql, fields


def insert_statement(model: type[M], objs: Sequence[M]) -> Statement:
    """The INSERT of new instances of `model`, all in one statement (no RETURNING: an
    auto-increment key stays unset on the instances)."""
    if not objs:
        raise ValueError("nothing to insert")
    alias = _alias(model)
    connection = connections[alias]
    sql, fields = _built(("insert", model, len(objs), alias), _build_insert, model, len(objs), connection)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]

    def saved() -> None:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias

    return Statement(sql, params, alias, saved)


def _build_update(model: type[Model], names: tuple[str, ...], connection: Any) -> tuple[str, list[Any], Any]:
    _plain(model)
    meta = model._meta
    columns = {f.name: f for f in meta.concrete_fields} | {f.attname: f for f in meta.concrete_fields}
    found = [columns.get(name) for name in names]
    if any(f is None or f.primary_key for f in found):
        # Many-to-many fields and reverse relations are not columns; the key is not updated.
        raise ValueError(f"cannot update {names} of {model.__name__}")
    targets: list[Any] = list(dict.fromkeys(found))  # `x` and `x_id` are one column
    pk = _pk(model)
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in targets)}"  # noqa: S608
        f" WHERE {qn(pk.column)} = %s"
    )
    return sql, targets, pk


def update_statement(obj: Model, fields: Iterable[str]) -> Statement:
    """The UPDATE of the named fields of `obj` by its primary key (`pre_save` runs now, so an
    `auto_now` field named here gets its new value on the instance at once)."""
    model = type(obj)
    names = tuple(dict.fromkeys(fields))
    alias = obj._state.db or _alias(model)
    connection = connections[alias]
    sql, targets, pk = _built(("update", model, names, alias), _build_update, model, names, connection)
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets]
    params.append(pk.get_db_prep_value(obj.pk, connection))
    return Statement(sql, params, alias)


def run_together(statements: Sequence[Statement]) -> None:
    """Run writes that do not read one another's rows. On PostgreSQL they go as ONE statement (the
    others as data-modifying `WITH` parts of the last: one round trip, one parse); elsewhere one by
    one, in order. Constraints are checked as usual (foreign keys at the end of the statement), and
    the whole of it commits or rolls back with the transaction. Don't put two writes of one row here
    (PostgreSQL would apply only one), nor a write whose row count matters."""
    if not statements:
        return
    aliases = {s.alias for s in statements}
    if len(aliases) != 1:
        raise ValueError(f"statements for several databases: {sorted(aliases)}")
    connection = connections[statements[0].alias]
    with connection.cursor() as cursor:
        if len(statements) == 1 or connection.vendor != "postgresql":
            for s in statements:
                cursor.execute(s.sql, s.params)
        else:
            *parts, last = statements
            sql = "WITH " + ", ".join(f"w{i} AS ({s.sql})" for i, s in enumerate(parts)) + " " + last.sql
            cursor.execute(sql, [p for s in statements for p in s.params])
    for s in statements:
        if s.done is not None:
            s.done()


def insert_rows(model: type[M], objs: Sequence[M]) -> None:
    """INSERT new instances of `model` in one statement, now."""
    if objs:
        run_together([insert_statement(model, objs)])


def save_fields(obj: Model, fields: Iterable[str]) -> None:
    """`obj.save(update_fields=fields)` without compiling it: one UPDATE by primary key, now; an
    update that matches no row is an error, as in Django."""
    statement = update_statement(obj, fields)
    with connections[statement.alias].cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


class _Reader:
    """How to read one model's columns from a result row and turn them into an instance."""

    def __init__(self, model: type[Model], table: str, connection: Any) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        qn = connection.ops.quote_name
        self.columns = [f"{qn(table)}.{qn(f.column)}" for f in fields]
        self.names = [f.attname for f in fields]
        self.converters = []
        for i, f in enumerate(fields):
            column = f.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + f.get_db_converters(connection)
            if found:
                self.converters.append((i, column, found))

    def build(self, alias: str, row: Sequence[Any], connection: Any) -> Any:
        values = list(row)
        for i, column, funcs in self.converters:
            for convert in funcs:
                values[i] = convert(values[i], column, connection)
        return self.model.from_db(alias, self.names, values)


def _lockable(connection: Any) -> str:
    """The lock clause, refused outside a transaction (as Django's select_for_update is: the lock
    would be gone before the caller could use it)."""
    if not connection.features.has_select_for_update:
        return ""
    if connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return " FOR UPDATE"


def _where(model: type[Model], by: str, *, unique: bool) -> Any:
    columns = {f.name: f for f in model._meta.concrete_fields}
    field = _pk(model) if by == "pk" else columns.get(by)
    if field is None:
        raise ValueError(f"{model.__name__}.{by} is not a column")
    if unique and not (field.primary_key or field.unique):
        raise ValueError(f"{model.__name__}.{by} is not unique")
    return field


def _build_locked(model: type[Model], by: str, connection: Any) -> tuple[str, Any, _Reader]:
    _plain(model)
    table = model._meta.db_table
    where = _where(model, by, unique=True)
    reader = _Reader(model, table, connection)
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(reader.columns)} FROM {qn(table)}"  # noqa: S608
        f" WHERE {qn(table)}.{qn(where.column)} = %s"
    )
    return sql, where, reader


def locked(model: type[M], value: Any, *, by: str = "pk") -> M | None:
    """The row whose `by` field (the primary key unless said) equals `value`, locked `FOR UPDATE`
    (where the database has row locks), as a model instance with every field loaded; None when
    there is no such row. `by` must be unique."""
    alias = _alias(model)
    connection = connections[alias]
    sql, where, reader = _built(("locked", model, by, alias), _build_locked, model, by, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql + _lockable(connection), [where.get_db_prep_value(value, connection)])
        row = cursor.fetchone()
    return None if row is None else reader.build(alias, row, connection)


def _build_locked_rows(
    model: type[Model], by: str, order_by: tuple[str, ...], related: str, connection: Any
) -> tuple[str, str, Any, _Reader, _Reader, Any]:
    _plain(model)
    meta = model._meta
    where = _where(model, by, unique=False)
    link: Any = meta.get_field(related)
    if not getattr(link, "many_to_one", False):
        raise ValueError(f"{model.__name__}.{related} is not a foreign key")
    target: type[Model] = link.related_model
    qn = connection.ops.quote_name
    table, other = meta.db_table, "r"
    reader = _Reader(model, table, connection)
    joined = _Reader(target, other, connection)
    if connection.features.has_select_for_update and not connection.features.has_select_for_update_of:
        raise NotImplementedError("row locks without FOR UPDATE OF")
    order = ", ".join(f"{qn(table)}.{qn(_where(model, n, unique=False).column)}" for n in order_by)
    sql = (
        f"SELECT {', '.join(reader.columns + joined.columns)} FROM {qn(table)}"  # noqa: S608
        f" LEFT OUTER JOIN {qn(target._meta.db_table)} {qn(other)}"
        f" ON {qn(other)}.{qn(link.target_field.column)} = {qn(table)}.{qn(link.column)}"
        f" WHERE {qn(table)}.{qn(where.column)} = %s ORDER BY {order}"
    )
    return sql, f" OF {qn(table)}", where, reader, joined, link


def locked_rows(model: type[M], value: Any, *, by: str, order_by: Sequence[str], related: str) -> list[M]:
    """All rows whose `by` field equals `value`, ordered, locked `FOR UPDATE` (only these rows, not
    the related ones), each with its `related` foreign-key row read along as `select_related`
    would (None where the key is null)."""
    alias = _alias(model)
    connection = connections[alias]
    order = tuple(order_by)
    sql, of_table, where, reader, joined, link = _built(
        ("locked_rows", model, by, order, related, alias),
        _build_locked_rows,
        model,
        by,
        order,
        related,
        connection,
    )
    lock = _lockable(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql + (lock + of_table if lock else ""), [where.get_db_prep_value(value, connection)])
        rows = cursor.fetchall()
    width = len(reader.columns)
    found: list[M] = []
    for row in rows:
        obj = reader.build(alias, row[:width], connection)
        other_obj = (
            None if getattr(obj, link.attname) is None else joined.build(alias, row[width:], connection)
        )
        link.set_cached_value(obj, other_obj)
        found.append(obj)
    return found
