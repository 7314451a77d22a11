"""The elections a page can offer in its picker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import ElectionKind
from data.models import Election


@dataclass(frozen=True)
class ElectionChoice:
    id: int
    name: str
    date: date
    kind: ElectionKind


def election_choices(session: Session) -> list[ElectionChoice]:
    """Every election, newest first (the picker's default is the first)."""
    rows = session.execute(
        select(Election.id, Election.name, Election.date, Election.kind).order_by(
            Election.date.desc(), Election.id.desc()
        )
    )
    return [ElectionChoice(*row) for row in rows]
