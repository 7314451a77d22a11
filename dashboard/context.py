"""What every page needs: the database, the guard and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from auth.guard import Guard
from data.clock import Clock
from data.db import Database


@dataclass(frozen=True)
class AppContext:
    db: Database
    guard: Guard
    clock: Clock
