"""The per-process read-model cache: versioned keys, LRU bound, single flight."""

from __future__ import annotations

import threading
import time

import pytest

from data.read_models.cache import CacheKey, ReadCache


def key(version: int, scope: str = "01", kind: str = "progress", election: int = 1) -> CacheKey:
    return CacheKey(election, scope, kind, version)


def test_hit_and_miss() -> None:
    cache = ReadCache()
    assert cache.get(key(1)) is None
    cache.put(key(1), "v1")
    assert cache.get(key(1)) == "v1"
    assert key(1) in cache
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_different_version_is_a_different_key() -> None:
    cache = ReadCache()
    cache.put(key(1), "v1")
    assert cache.get(key(2)) is None
    assert key(2) not in cache
    cache.put(key(2), "v2")
    assert cache.get(key(2)) == "v2"
    assert cache.get(key(1)) is None  # superseded: only the newest version is kept
    assert len(cache) == 1


def test_an_older_version_never_replaces_a_newer_one() -> None:
    cache = ReadCache()
    cache.put(key(5), "v5")
    cache.put(key(4), "v4")  # a slow computation finishing late
    assert cache.get(key(5)) == "v5"
    assert cache.get(key(4)) is None


def test_scope_kind_and_election_are_part_of_the_key() -> None:
    cache = ReadCache()
    cache.put(key(1, scope="01"), "a")
    cache.put(key(1, scope="02"), "b")
    cache.put(key(1, kind="children"), "c")
    cache.put(key(1, election=2), "d")
    assert [cache.get(k) for k in (key(1), key(1, scope="02"), key(1, kind="children"))] == [
        "a",
        "b",
        "c",
    ]
    assert cache.get(key(1, election=2)) == "d"
    cache.invalidate(2)
    assert cache.get(key(1, election=2)) is None
    assert cache.get(key(1)) == "a"
    cache.invalidate()
    assert len(cache) == 0


def test_size_is_bounded_least_recently_used_out() -> None:
    cache = ReadCache(maxsize=3)
    for scope in "abc":
        cache.put(key(1, scope=scope), scope)
    assert cache.get(key(1, scope="a")) == "a"  # a is now the most recent
    cache.put(key(1, scope="d"), "d")
    assert len(cache) == 3
    assert cache.get(key(1, scope="b")) is None
    assert [cache.get(key(1, scope=s)) for s in "acd"] == ["a", "c", "d"]
    with pytest.raises(ValueError):
        ReadCache(maxsize=0)


def test_get_or_compute_computes_once_per_version() -> None:
    cache = ReadCache()
    calls: list[int] = []

    def compute(v: int) -> str:
        calls.append(v)
        return f"v{v}"

    assert cache.get_or_compute(key(1), lambda: compute(1)) == "v1"
    assert cache.get_or_compute(key(1), lambda: compute(1)) == "v1"
    assert cache.get_or_compute(key(2), lambda: compute(2)) == "v2"
    assert calls == [1, 2]


def test_a_failed_computation_is_not_cached() -> None:
    cache = ReadCache()

    def boom() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute(key(1), boom)
    assert cache.get_or_compute(key(1), lambda: "ok") == "ok"


def test_concurrent_misses_compute_once() -> None:
    cache = ReadCache()
    calls = 0
    lock = threading.Lock()
    start = threading.Barrier(8)

    def compute() -> str:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.05)
        return "value"

    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.append(cache.get_or_compute(key(7), compute))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 8
    assert calls == 1


def test_an_empty_cache_is_still_the_cache_used() -> None:
    from data.read_models.cache import cached

    class FakeSession:
        def execute(self, _query: object) -> FakeSession:
            return self

        def first(self) -> tuple[int, None]:
            return (3, None)  # (data_version, created_at)

    mine = ReadCache()
    assert len(mine) == 0
    assert cached(FakeSession(), 1, "VN", "progress", lambda: "x", cache=mine) == "x"  # type: ignore[arg-type]
    assert mine.get(key(3, scope="VN")) == "x"


def test_an_election_reusing_an_id_never_gets_the_old_ones_entries():
    from data.read_models.cache import CacheKey, Version

    cache = ReadCache()
    old = CacheKey(1, "VN", "progress", Version(3, "created 09:00:00.000001"))
    new = CacheKey(1, "VN", "progress", Version(3, "created 09:00:00.000002"))
    cache.put(old, "figures of the deleted drill")
    assert cache.get(new) is None
    assert cache.get_or_compute(new, lambda: "fresh") == "fresh"
