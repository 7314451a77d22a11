"""Determining a constituency's result (DESIGN §6; Luật Bầu cử 2015, art. 77–80).

Pure: the caller sums the constituency's tally sheets and passes the totals.

- The election is valid only if more than half of the voters on the list voted
  (``2 * voted > total``); otherwise nobody is elected and a re-vote is needed.
- A candidate can win only with more than half of the valid ballots
  (``2 * votes > valid``); among those, the most votes win, up to ``seats``.
- A tie for the last seat goes to the older candidate (earlier date of birth).
  The law says nothing about candidates born on the same day with the same
  votes: we then rank the lower candidate id first, so the outcome is
  deterministic; the committee must still settle such a case itself.
- Too few winners in a valid election → an additional election: Quốc hội when
  fewer than the seats, HĐND when fewer than two thirds of the seats.
- Percentages: two decimals, half-up, computed exactly.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from data.enums import Level
from data.numbers import percent_of


def percent(part: int, whole: int) -> Decimal:
    """``part / whole`` in percent, half-up to 2 decimals; ``whole == 0`` → 0.00."""
    return percent_of(part, whole)


@dataclass(frozen=True)
class CandidateTotal:
    id: int
    full_name: str
    date_of_birth: datetime.date
    votes: int


@dataclass(frozen=True)
class CandidateOutcome:
    id: int
    full_name: str
    votes: int
    percent: Decimal  # of valid ballots
    elected: bool
    rank: int  # 1-based: votes desc, then older first, then lower id


@dataclass(frozen=True)
class ResultOutcome:
    valid_election: bool
    revote_needed: bool
    additional_election_needed: bool
    turnout_percent: Decimal
    candidates: tuple[CandidateOutcome, ...]  # sorted by rank
    elected_ids: tuple[int, ...]  # in rank order


def election_is_valid(voters_total: int, voters_voted: int) -> bool:
    """More than half of the voters on the list voted."""
    return 2 * voters_voted > voters_total


def can_win(votes: int, ballots_valid: int) -> bool:
    """More than half of the valid ballots."""
    return 2 * votes > ballots_valid


def needs_additional_election(level: Level, seats: int, winners: int) -> bool:
    """Quốc hội: fewer winners than seats; HĐND: fewer than two thirds of the seats."""
    if Level(level).is_national_assembly:
        return winners < seats
    return winners * 3 < seats * 2


def rank_key(candidate: CandidateTotal) -> tuple[int, datetime.date, int]:
    """Most votes first; on equal votes the older candidate, then the lower id."""
    return (-candidate.votes, candidate.date_of_birth, candidate.id)


def determine_result(
    level: Level,
    seats: int,
    voters_total: int,
    voters_voted: int,
    ballots_valid: int,
    candidates: Sequence[CandidateTotal],
) -> ResultOutcome:
    ranked = sorted(candidates, key=rank_key)
    valid = election_is_valid(voters_total, voters_voted)
    elected: list[int] = []
    if valid:
        eligible = [c.id for c in ranked if can_win(c.votes, ballots_valid)]
        elected = eligible[: max(seats, 0)]
    chosen = set(elected)
    outcomes = tuple(
        CandidateOutcome(
            id=c.id,
            full_name=c.full_name,
            votes=c.votes,
            percent=percent(c.votes, ballots_valid),
            elected=c.id in chosen,
            rank=rank,
        )
        for rank, c in enumerate(ranked, start=1)
    )
    return ResultOutcome(
        valid_election=valid,
        revote_needed=not valid,
        additional_election_needed=valid and needs_additional_election(level, seats, len(elected)),
        turnout_percent=percent(voters_voted, voters_total),
        candidates=outcomes,
        elected_ids=tuple(elected),
    )
