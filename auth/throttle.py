"""Login throttling and lockout, kept in the database so every worker sees the same counts.

An account is locked for ``LOCK`` after ``ACCOUNT_LIMIT`` failures within
``WINDOW``; an address after ``ADDRESS_LIMIT`` (an office shares one address,
so its limit is higher). A success clears the account's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from data.db import Database
from data.models import LoginThrottle
from data.services.common import for_update, insert_or_none

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    key: str
    until: datetime


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(LoginThrottle.account_key(username), ACCOUNT_LIMIT)]
    if address:
        keys.append((LoginThrottle.address_key(address), ADDRESS_LIMIT))
    return keys


def active_lock(db: Database, username: str, address: str | None, now: datetime) -> Lock | None:
    """The lock that refuses this attempt, if any (checked before the password)."""
    keys = [key for key, _ in _keys(username, address)]
    with db.read() as session:
        rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    for row in rows:
        if row.locked_until is not None and row.locked_until > now:
            return Lock(row.key, row.locked_until)
    return None


def record_failure(db: Database, username: str, address: str | None, now: datetime) -> list[Lock]:
    """Count a failed attempt; returns the locks this failure started."""
    started = []
    with db.write() as session:
        for key, limit in _keys(username, address):
            row = session.scalar(
                for_update(session, select(LoginThrottle).where(LoginThrottle.key == key))
            )
            if row is None:
                row = insert_or_none(
                    session, LoginThrottle(key=key, failures=0, first_failure_at=now)
                )
                if row is None:  # another worker created it just now
                    row = session.scalar(
                        for_update(session, select(LoginThrottle).where(LoginThrottle.key == key))
                    )
            if now - row.first_failure_at > WINDOW:
                row.failures, row.first_failure_at = 0, now
            row.failures += 1
            if row.failures >= limit and (row.locked_until is None or row.locked_until <= now):
                row.locked_until = now + LOCK
                row.failures, row.first_failure_at = 0, now
                started.append(Lock(key, row.locked_until))
    return started


def record_success(db: Database, username: str) -> None:
    with db.write() as session:
        # Only reached when no lock refused the attempt, so nothing active is cleared.
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.key == LoginThrottle.account_key(username))
        )
