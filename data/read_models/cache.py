"""A small per-process cache of read models, keyed by the election's data version.

Every committed write bumps ``Election.data_version`` (DESIGN §3), so a figure
computed at version *v* is exact for as long as the version is *v*. Keys are
``(election_id, scope, kind, data_version)``: a different version is a
different key, so correctness never depends on the cache — a stale entry is
simply never looked up again. Only the newest version of each
``(election_id, scope, kind)`` slot is kept, and the number of slots is bounded
(least recently used out first). Concurrent misses of one key in a process are
computed once. Cached values are shared between threads: store immutable ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Election

T = TypeVar("T")
DEFAULT_MAXSIZE = 512


class Version(int):
    """An election's data version, remembering which election row it was read from.

    ``born`` (the row's creation time) tells apart two elections that had the same
    id — a deleted drill's id reused, or test databases — so their versions never
    share cache entries. It compares and serialises as the plain number.
    """

    born: object

    def __new__(cls, value: int, born: object = None) -> Version:
        version = super().__new__(cls, value)
        version.born = born
        return version


class CacheKey(NamedTuple):
    election_id: int
    scope: Hashable  # e.g. a unit code, or (unit code, level)
    kind: str  # which read model, e.g. "progress", "children", "results"
    data_version: int

    @property
    def slot(self) -> tuple[int, object, Hashable, str]:
        return (self.election_id, getattr(self.data_version, "born", None), self.scope, self.kind)


def current_version(session: Session, election_id: int) -> Version:
    """The election's data version: one tiny primary-key query (LookupError if none)."""
    row = session.execute(
        select(Election.data_version, Election.created_at).where(Election.id == election_id)
    ).first()
    if row is None:
        raise LookupError(f"election {election_id} not found")
    return Version(int(row[0]), row[1])


class ReadCache:
    """LRU over ``(election_id, scope, kind)`` slots holding one version each."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._slots: OrderedDict[tuple[int, object, Hashable, str], tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[CacheKey, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._slots)

    def _lookup(self, key: CacheKey, count: bool = True) -> tuple[bool, Any]:
        slot = key.slot
        with self._lock:
            entry = self._slots.get(slot)
            found = entry is not None and entry[0] == key.data_version
            if found:
                self._slots.move_to_end(slot)
            if count:
                self.hits += found
                self.misses += not found
            return (True, entry[1]) if found and entry is not None else (False, None)

    def get(self, key: CacheKey, default: Any = None) -> Any:
        found, value = self._lookup(key)
        return value if found else default

    def __contains__(self, key: CacheKey) -> bool:
        slot = key.slot
        with self._lock:
            entry = self._slots.get(slot)
            return entry is not None and entry[0] == key.data_version

    def put(self, key: CacheKey, value: Any) -> None:
        """Store ``value``; ignored when the slot already holds a newer version."""
        slot = key.slot
        with self._lock:
            entry = self._slots.get(slot)
            if entry is not None and entry[0] > key.data_version:
                return
            self._slots[slot] = (key.data_version, value)
            self._slots.move_to_end(slot)
            while len(self._slots) > self.maxsize:
                self._slots.popitem(last=False)

    def get_or_compute(self, key: CacheKey, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``compute()`` stored under it (once per process)."""
        found, value = self._lookup(key)
        if found:
            return value  # type: ignore[no-any-return]
        with self._lock:
            flight = self._inflight.setdefault(key, threading.Lock())
        try:
            with flight:
                found, value = self._lookup(key, count=False)
                if found:
                    return value  # type: ignore[no-any-return]
                value = compute()
                self.put(key, value)
                return value
        finally:
            with self._lock:
                if self._inflight.get(key) is flight:
                    del self._inflight[key]

    def invalidate(self, election_id: int | None = None) -> None:
        """Drop every entry (of one election); never needed for correctness."""
        with self._lock:
            if election_id is None:
                self._slots.clear()
            else:
                for slot in [s for s in self._slots if s[0] == election_id]:
                    del self._slots[slot]


_default = ReadCache()


def default_cache() -> ReadCache:
    """The process-wide cache used by :func:`cached`."""
    return _default


def cached(
    session: Session,
    election_id: int,
    scope: Hashable,
    kind: str,
    compute: Callable[[], T],
    cache: ReadCache | None = None,
) -> T:
    """``compute()`` for the election's current data version, cached per process.

    The version is read before computing, so a value is never older than its key
    (at worst newer, and replaced at the next version).
    """
    key = CacheKey(election_id, scope, kind, current_version(session, election_id))
    return (cache if cache is not None else _default).get_or_compute(key, compute)
