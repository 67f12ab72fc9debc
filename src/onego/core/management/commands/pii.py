"""`onego pii keygen|rotate|status`: keys for personal data at rest (docs/pii.md).

    onego pii keygen [--kid K]     print a new key entry for ONEGO_PII_KEYS (and a blind-index key)
    onego pii status               how many tokens each key id holds, per encrypted column
    onego pii rotate [--batch N]   re-encrypt every token that is not under the current key

Rotation walks every EncryptedTextField of every installed model by primary key, in batches, each batch in
its own transaction, so it can be interrupted and run again.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, models, transaction

from onego.core import pii
from onego.core.fields import EncryptedTextField
from onego.core.textable import table


def encrypted_columns() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def _column(field: Any) -> str:
    return str(field.column)


def _rows(
    model: type[models.Model], field: EncryptedTextField, batch: int
) -> Iterator[list[tuple[Any, str]]]:
    """Raw (pk, token) pairs in primary-key order, read without decrypting."""
    qn = connection.ops.quote_name
    table_name, pk_col, col = qn(model._meta.db_table), qn(_column(model._meta.pk)), qn(_column(field))
    last: Any = None
    while True:
        where = f"WHERE {col} <> '' AND {col} IS NOT NULL" + (
            f" AND {pk_col} > %s" if last is not None else ""
        )
        sql = f"SELECT {pk_col}, {col} FROM {table_name} {where} ORDER BY {pk_col} LIMIT %s"  # noqa: S608 - names quoted, values bound
        with connection.cursor() as cursor:
            cursor.execute(sql, [last, batch] if last is not None else [batch])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class Command(BaseCommand):
    help = "个人信息加密密钥：生成、查看、轮换（docs/pii.md）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        keygen = sub.add_parser("keygen", help="生成新的加密密钥")
        keygen.add_argument("--kid", default="", help="密钥标识（默认 kYYYYMMDD）")
        sub.add_parser("status", help="各加密字段按密钥统计")
        rotate = sub.add_parser("rotate", help="把所有密文重新加密到当前密钥")
        rotate.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "keygen":
            self._keygen(options["kid"])
        elif action == "status":
            self._status()
        else:
            self._rotate(options["batch"])

    def _keygen(self, kid: str) -> None:
        kid = kid or "k" + dt.date.today().strftime("%Y%m%d")  # noqa: DTZ011 - a label only
        key = base64.b64encode(os.urandom(32)).decode("ascii")
        index_key = base64.b64encode(os.urandom(32)).decode("ascii")
        self.stdout.write(f"ONEGO_PII_KEYS 新密钥（放在最前面）: {kid}:{key}")
        self.stdout.write(f"ONEGO_BLIND_INDEX_KEY（仅首次部署时设置，之后不要更换）: {index_key}")

    def _status(self) -> None:
        current = pii.keyring().current_kid
        lines = []
        for model, field in encrypted_columns():
            counts: Counter[str] = Counter()
            for rows in _rows(model, field, 5000):
                counts.update(pii.token_key_id(token) for _, token in rows)
            detail = "、".join(f"{k}={n}" for k, n in sorted(counts.items())) or "—"
            lines.append((model._meta.label, field.name, detail))
        self.stdout.write(f"当前密钥 current key id: {current}")
        self.stdout.write(table(["表 model", "字段 field", "按密钥统计 tokens by key id"], lines))

    def _rotate(self, batch: int) -> None:
        current = pii.keyring().current_kid
        qn = connection.ops.quote_name
        total = 0
        for model, field in encrypted_columns():
            sql = (
                f"UPDATE {qn(model._meta.db_table)} SET {qn(_column(field))} = %s "  # noqa: S608 - names quoted
                f"WHERE {qn(_column(model._meta.pk))} = %s AND {qn(_column(field))} = %s"
            )
            changed = 0
            for rows in _rows(model, field, batch):
                stale = [
                    (pii.reencrypt(token), pk, token)
                    for pk, token in rows
                    if pii.token_key_id(token) != current
                ]
                if stale:
                    # The old token in WHERE: a row changed meanwhile keeps its newer value.
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.executemany(sql, stale)
                    changed += len(stale)
            total += changed
            if changed:
                self.stdout.write(f"{model._meta.label}.{field.name}: {changed} 条已重新加密")
        self.stdout.write(f"完成：共重新加密 {total} 条，当前密钥 {current}")
