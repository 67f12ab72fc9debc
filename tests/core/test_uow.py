"""The unit of work: new rows written together at the end, inside the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from onego.core import uow

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    return sorted(Group.objects.values_list("name", flat=True))


def test_rows_are_written_when_the_unit_ends_in_one_insert_per_model() -> None:
    with CaptureQueriesContext(connection) as queries, uow.unit_of_work():
        for name in ("甲", "乙", "丙"):
            uow.insert(Group(name=name))
        seen_inside = list(Group.objects.values_list("name", flat=True))
    assert seen_inside == []
    assert _names() == ["丙", "乙", "甲"]
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1


def test_outside_a_unit_a_row_is_written_at_once() -> None:
    uow.insert(Group(name="at-once"))
    assert _names() == ["at-once"]


def test_a_unit_that_raises_writes_nothing_and_leaves_nothing_behind() -> None:
    @uow.unit_of_work
    def fail() -> None:
        uow.insert(Group(name="lost"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with uow.unit_of_work():
        uow.insert(Group(name="kept"))
    assert _names() == ["kept"]


def test_inside_a_savepoint_rows_are_written_at_once_and_roll_back_with_it() -> None:
    with uow.unit_of_work():
        uow.insert(Group(name="outer"))
        try:
            with transaction.atomic():
                uow.insert(Group(name="inner"))
                assert "inner" in Group.objects.values_list("name", flat=True)
                raise ValueError
        except ValueError:
            pass
    assert _names() == ["outer"]


def test_a_nested_unit_that_raises_takes_only_its_own_rows_with_it() -> None:
    with uow.unit_of_work():
        uow.insert(Group(name="outer"))
        with uow.unit_of_work():
            uow.insert(Group(name="inner-ok"))
        try:
            with uow.unit_of_work():
                uow.insert(Group(name="inner-bad"))
                raise ValueError
        except ValueError:
            pass
    assert _names() == ["inner-ok", "outer"]


def test_decorated_function_is_one_unit() -> None:
    seen: list[list[str]] = []

    @uow.unit_of_work
    def make(names: Sequence[str]) -> None:
        for name in names:
            uow.insert(Group(name=name))
        seen.append(_names())

    make(["a", "b"])
    make(["c"])
    assert seen == [[], ["a", "b"]]
    assert _names() == ["a", "b", "c"]


def test_flush_writes_what_is_buffered_so_far() -> None:
    with uow.unit_of_work():
        uow.insert(Group(name="early"))
        uow.flush()
        assert _names() == ["early"]
        uow.insert(Group(name="late"))
    assert _names() == ["early", "late"]


def test_an_error_while_writing_the_buffer_rolls_the_whole_unit_back() -> None:
    Group.objects.create(name="taken")

    @uow.unit_of_work
    def clash() -> None:
        Group.objects.create(name="made-in-unit")
        uow.insert(Group(name="taken"))

    with pytest.raises(IntegrityError):
        clash()
    assert _names() == ["taken"]
