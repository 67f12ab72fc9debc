"""The ledger (账本/存证): an append-only log of data-sharing events and decisions, as a Merkle tree.

Rows here are written only by `onego.ledger.services`; nothing updates or deletes them. Whoever can
write to the database can still try — that is what `onego ledger verify`, the signed tree heads and the
heads departments keep for themselves are for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from onego.core.models import BaseModel
from onego.ledger import merkle
from onego.ledger.canonical import LEAF_FORMAT_SEQUENCED, entry_bytes, promise_bytes, sequenced_leaf_bytes


class Kind(models.TextChoices):
    """Kinds the platform writes today. Other apps may add their own `area.event` kinds."""

    REGISTRY_READ = "registry.read", "数据查询"
    REGISTRY_DENIED = "registry.denied", "查询被拒绝"
    LICENCE_ISSUED = "licence.issued", "证照签发"
    CONTRACT_CHANGED = "contract.changed", "共享协议变更"
    CASE_DECISION = "case.decision", "办件决定"
    REGISTRY_WRITE = "registry.write", "登记赋码"


class LedgerEntry(BaseModel):
    """One recorded event. Written (pending) in the transaction of the change it records, with a
    signed promise (`entry_hash`, `signature`); numbered and put into the tree later by the sequencer
    (`index`, `leaf_hash`, `sealed_at`). Entries from before the sequencer (`leaf_format` 1) were
    numbered at once and have no promise."""

    # Null while pending: the sequencer gives the next number when it seals the entry.
    index = models.BigIntegerField("序号", unique=True, null=True, blank=True, editable=False)
    kind = models.CharField("类型", max_length=64)
    # Who acted, e.g. "dept:gy-scjgj/user:zhang".
    actor = models.CharField("操作者", max_length=200)
    # Whose data it concerns, as a blind index — never the ID number itself: the ledger cannot forget.
    subject_ref = models.CharField("数据主体（盲索引）", max_length=128, blank=True, db_index=True)
    case_ref = models.CharField("办件", max_length=64, blank=True, db_index=True)
    payload = models.JSONField("内容", default=dict)
    recorded_at = models.DateTimeField("记录时间")
    leaf_hash = models.CharField("叶哈希（SM3）", max_length=64, blank=True)
    leaf_format = models.PositiveSmallIntegerField("叶格式", default=1)
    # The signed promise (format 2): SM3 of `promise_bytes`, its signature and the signing key.
    entry_hash = models.CharField("内容哈希（SM3）", max_length=64, blank=True)
    signature = models.CharField("承诺签名", max_length=256, blank=True)
    key_id = models.CharField("密钥标识", max_length=32, blank=True)
    sealed_at = models.DateTimeField("入树时间", null=True, blank=True)

    class Meta:
        ordering = [models.F("index").asc(nulls_last=True), "recorded_at", "id"]
        indexes = [
            # What the sequencer scans: pending entries in the order it seals them.
            models.Index(
                fields=["recorded_at", "id"],
                condition=models.Q(index__isnull=True),
                name="ledger_entry_pending",
            )
        ]
        verbose_name = verbose_name_plural = "账本记录 Ledger entry"

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}" if self.index is not None else f"pending {self.kind}"

    @property
    def sealed(self) -> bool:
        return self.index is not None

    @property
    def sealed_index(self) -> int:
        """The index of an entry known to be sealed (found by its index, or sealed by the sequencer)."""
        if self.index is None:
            raise ValueError(f"ledger entry {self.id} is still pending: it has no index yet")
        return self.index

    def promise_bytes(self) -> bytes:
        return promise_bytes(
            kind=self.kind,
            actor=self.actor,
            subject_ref=self.subject_ref,
            case_ref=self.case_ref,
            payload=self.payload,
            recorded_at=self.recorded_at,
        )

    def computed_entry_hash(self) -> str:
        return merkle.digest(self.promise_bytes()).hex()

    def leaf_bytes_at(self, index: int) -> bytes:
        """The bytes this entry's leaf would have at `index` (its content, recomputed)."""
        if self.leaf_format == LEAF_FORMAT_SEQUENCED:
            return sequenced_leaf_bytes(index=index, entry_hash_hex=self.computed_entry_hash())
        return entry_bytes(
            index=index,
            kind=self.kind,
            actor=self.actor,
            subject_ref=self.subject_ref,
            case_ref=self.case_ref,
            payload=self.payload,
            recorded_at=self.recorded_at,
        )

    def canonical_bytes(self) -> bytes:
        if self.index is None:
            raise ValueError("a pending entry has no leaf yet")
        return self.leaf_bytes_at(self.index)

    def computed_leaf_hash(self) -> str:
        return merkle.leaf_hash(self.canonical_bytes()).hex()


class LedgerNode(models.Model):
    """A cached perfect subtree (level ≥ 1) of the tree, written once when its last leaf is appended.

    Proofs then need O(log n) rows instead of every leaf. Derived data, a row per entry on average, so
    it skips BaseModel's UUID and timestamp indexes. Keyed by (last_leaf, level) — the order appends
    complete nodes in, which lets `verify` stream nodes alongside entries.
    """

    last_leaf = models.BigIntegerField("最后一个叶的序号")
    level = models.PositiveSmallIntegerField("层")
    hash = models.CharField("哈希（SM3）", max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["last_leaf", "level"], name="ledger_node_unique")]
        verbose_name = verbose_name_plural = "账本树节点 Ledger node"

    def __str__(self) -> str:
        return f"level {self.level} position {self.position}"

    @property
    def position(self) -> int:
        return self.position_of(self.level, self.last_leaf)

    @staticmethod
    def last_leaf_of(level: int, position: int) -> int:
        return ((position + 1) << level) - 1

    @staticmethod
    def position_of(level: int, last_leaf: int) -> int:
        return ((last_leaf + 1) >> level) - 1


class LedgerState(BaseModel):
    """The single row only the sequencer writes: the size and the frontier of the tree as of the last
    sealed batch.

    Holding the frontier here keeps sealing O(log n) per entry and the current root known without
    rereading the log. One sequencer at a time (onego.ledger.sequencer) keeps indexes contiguous.
    """

    slot = models.PositiveSmallIntegerField(unique=True, default=1, editable=False)
    size = models.BigIntegerField("条数", default=0)
    frontier = models.JSONField("前沿（十六进制哈希）", default=list)
    root_hash = models.CharField("根哈希", max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(slot=1), name="ledger_state_single_row")]
        verbose_name = verbose_name_plural = "账本状态 Ledger state"

    def __str__(self) -> str:
        return f"{self.size} entries"

    def as_frontier(self) -> merkle.Frontier:
        return merkle.Frontier(self.size, [bytes.fromhex(h) for h in self.frontier])


class TreeHead(BaseModel):
    """A signed tree head (STH): the root of the first `tree_size` entries, signed at `timestamp`."""

    tree_size = models.BigIntegerField("条数", db_index=True)
    root_hash = models.CharField("根哈希（SM3）", max_length=64)
    # Milliseconds, as in RFC 6962; stored truncated so the signed value reads back exactly.
    timestamp = models.DateTimeField("签发时间")
    algorithm = models.CharField("签名算法", max_length=16)
    key_id = models.CharField("密钥标识", max_length=32)
    signature = models.CharField("签名", max_length=256)

    class Meta:
        ordering = ["-tree_size", "-timestamp"]
        get_latest_by = ["tree_size", "timestamp"]
        verbose_name = verbose_name_plural = "签名树头 Signed tree head"

    def __str__(self) -> str:
        return f"{self.tree_size} @ {self.root_hash[:12]}…"

    @property
    def timestamp_ms(self) -> int:
        return timestamp_ms(self.timestamp)

    def signed_bytes(self) -> bytes:
        return head_message(self.tree_size, self.timestamp_ms, self.root_hash)

    def as_dict(self) -> dict[str, Any]:
        """The JSON a department keeps and hands back to `onego ledger verify --head-file`."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp_ms,
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def timestamp_ms(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)


def head_message(tree_size: int, timestamp: int, root_hash_hex: str) -> bytes:
    """The bytes a tree head signature covers: ASCII `OneGo-STH-v1|<size>|<ms>|<root hex>`.

    A plain string so any department can rebuild it without our code; the tag keeps a head signature
    from being replayed as a signature over anything else.
    """
    return f"OneGo-STH-v1|{tree_size}|{timestamp}|{root_hash_hex.lower()}".encode("ascii")
