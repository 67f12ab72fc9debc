"""Page-number paging for the staff lists (inbox, acceptance queue, lead officer's lists).

A page reads one row more than it shows to know whether a next page exists, so no list ever counts its
rows (no COUNT(*) over the archive, e.g. an inbox filtered to decided items). The pager's links keep
every other query parameter (the filters) and change only the page's own parameter; a page number that
is not a positive integer is page 1. The lists' orderings end on a unique column, so a row is never on
two pages nor on none while nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.http import HttpRequest

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int
    per_page: int
    has_next: bool
    param: str
    first_url: str
    previous_url: str
    next_url: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def paged(self) -> bool:
        """Whether there is more than one page (the pager is shown only then)."""
        return self.has_previous or self.has_next

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


def page_number(request: HttpRequest, param: str = "page") -> int:
    raw = request.GET.get(param, "1")
    try:
        number = int(raw)
    except ValueError:
        return 1
    return max(1, min(number, MAX_PAGE))


def _url(request: HttpRequest, param: str, number: int) -> str:
    query = request.GET.copy()
    if number <= 1:
        query.pop(param, None)
    else:
        query[param] = str(number)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def page_of(
    request: HttpRequest,
    fetch: Callable[[int, int], Sequence[T]],
    *,
    per_page: int = PER_PAGE,
    param: str = "page",
) -> Page[T]:
    """One page: `fetch(offset, limit)` returns at most `limit` rows from `offset` of a stable order."""
    number = page_number(request, param)
    got = list(fetch((number - 1) * per_page, per_page + 1))
    return Page(
        rows=got[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(got) > per_page,
        param=param,
        first_url=_url(request, param, 1),
        previous_url=_url(request, param, number - 1),
        next_url=_url(request, param, number + 1),
    )


def sliced(rows: Any) -> Callable[[int, int], Sequence[Any]]:
    """A fetch for a queryset (or list): LIMIT/OFFSET."""
    return lambda offset, limit: rows[offset : offset + limit]
