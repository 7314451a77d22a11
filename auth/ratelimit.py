"""API rate limiting: fixed one-minute windows counted in the database.

Each request increments one counter per key (``user:ID`` for the account behind
the token, ``ip:ADDR`` for the address) with a single upsert, so every worker on
every machine counts into the same rows. A key over its limit gets a
:class:`Limited` telling when its window ends (the ``Retry-After``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.db import Database
from data.models import RateCounter

WINDOW = timedelta(minutes=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limited:
    key: str
    limit: int
    retry_after: int  # whole seconds until the window ends (at least 1)


def window_start(now: datetime, window: timedelta = WINDOW) -> datetime:
    """The start of the fixed window holding ``now``."""
    elapsed = (now - _EPOCH) // window
    return _EPOCH + elapsed * window


def hit(
    db: Database,
    keys: Sequence[tuple[str, int]],
    now: datetime | None = None,
    window: timedelta = WINDOW,
) -> Limited | None:
    """Count one request for every ``(key, limit)``; the first key over its limit, if any."""
    if not keys:
        return None
    now = now or datetime.now(UTC)
    start = window_start(now, window)
    retry_after = max(1, math.ceil((start + window - now).total_seconds()))
    over: Limited | None = None
    with db.write() as session:
        for key, limit in keys:
            count = _increment(session, key[:128], start)
            if count > limit and over is None:
                over = Limited(key, limit, retry_after)
    return over


def _increment(session: Session, key: str, start: datetime) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RateCounter).values(key=key, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={
            "count": case(
                (RateCounter.window_start == start, RateCounter.count + 1),
                else_=1,
            ),
            "window_start": start,
        },
    ).returning(RateCounter.count)
    return int(session.execute(stmt).scalar_one())
