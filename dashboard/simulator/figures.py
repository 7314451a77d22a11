"""What the polling teams report: cumulative turnout along the day's curve, the minutes of
the count, and the impossible figures a hurried operator sometimes types.

Everything is drawn from a ``random.Random`` the caller seeds, so a run can be repeated.
Good figures pass every error rule; they may still raise a warning (a jump of more than
50 points when earlier windows were not reported), which the operator confirms.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from data.generators.demo import apportion
from data.simulation import CURVE

CURVE_POINTS = tuple(CURVE.values())  # share of the final turnout, window by window


def curve_share(index: int, count: int) -> float:
    """Share of the day's final turnout reached by turnout window ``index`` of ``count``
    (the default six windows follow the curve exactly; other schedules interpolate it)."""
    if count <= 1:
        return 1.0
    x = index / (count - 1) * (len(CURVE_POINTS) - 1)
    low = int(x)
    high = min(low + 1, len(CURVE_POINTS) - 1)
    return CURVE_POINTS[low] + (CURVE_POINTS[high] - CURVE_POINTS[low]) * (x - low)


@dataclass(frozen=True)
class Registered:
    total: int
    male: int
    female: int


@dataclass(frozen=True)
class Turnout:
    total: int
    male: int
    female: int

    def as_api(self) -> dict[str, int]:
        return {"voted_total": self.total, "voted_male": self.male, "voted_female": self.female}

    def as_boxes(self) -> tuple[str, str, str]:
        return str(self.total), str(self.male), str(self.female)


@dataclass(frozen=True)
class Sheet:
    voters_total: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: dict[int, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "voters_total": self.voters_total,
            "voters_voted": self.voters_voted,
            "ballots_issued": self.ballots_issued,
            "ballots_received": self.ballots_received,
            "ballots_valid": self.ballots_valid,
            "ballots_invalid": self.ballots_invalid,
        }

    def as_api(self) -> dict[str, Any]:
        return {**self.counts(), "votes": {str(k): v for k, v in self.votes.items()}}


@dataclass
class AreaPlan:
    """One polling area: its registered voters and how many will have voted by the end."""

    code: str
    commune: str
    registered: Registered
    final: int
    male_share: float

    @classmethod
    def make(cls, code: str, commune: str, registered: Registered, rng: random.Random) -> AreaPlan:
        final = int(registered.total * rng.uniform(0.93, 0.995))
        return cls(code, commune, registered, final, registered.male / max(registered.total, 1))

    def turnout(self, index: int, count: int) -> Turnout:
        voted = int(self.final * curve_share(index, count))
        male = min(round(voted * self.male_share), self.registered.male)
        female = voted - male
        if female > self.registered.female:
            female = self.registered.female
            male = voted - female
        return Turnout(voted, male, female)

    def impossible_turnout(self, rng: random.Random) -> Turnout:
        """More voters than registered (T01): a digit typed twice."""
        over = self.registered.total + rng.randint(1, 60)
        male = min(self.registered.male, round(over * self.male_share))
        return Turnout(over, male, over - male)


IMPOSSIBLE_TURNOUT_CODE = "T01"


def make_sheet(
    voters_total: int, voted: int, candidates: Sequence[int], seats: int, rng: random.Random
) -> Sheet:
    """Minutes that pass every error rule: valid + invalid = received = issued = voted,
    invalid under 3 %, votes between valid and valid × seats, none above valid."""
    invalid = int(voted * rng.uniform(0.005, 0.025))
    valid = voted - invalid
    target = valid
    if seats > 1:
        target = round(valid * seats * rng.uniform(0.75, 0.95))
    target = max(valid, min(target, valid * seats, valid * len(candidates)))
    votes = spread(target, [rng.uniform(0.2, 1.0) for _ in candidates], cap=valid)
    return Sheet(
        voters_total=voters_total,
        voters_voted=voted,
        ballots_issued=voted,
        ballots_received=voted,
        ballots_valid=valid,
        ballots_invalid=invalid,
        votes=dict(zip(candidates, votes, strict=True)),
    )


def impossible_sheet(sheet: Sheet, rng: random.Random) -> tuple[Sheet, str]:
    """The minutes with one impossible figure, and the rule that must refuse them."""
    if rng.random() < 0.5 or not sheet.votes:
        wrong = {**sheet.counts(), "ballots_invalid": sheet.ballots_invalid + rng.randint(3, 9)}
        return Sheet(**wrong, votes=dict(sheet.votes)), "K03"  # valid + invalid ≠ received
    first = next(iter(sheet.votes))
    votes = {**sheet.votes, first: sheet.ballots_valid + rng.randint(1, 9)}
    return Sheet(**sheet.counts(), votes=votes), "K05"  # a candidate above valid ballots


def spread(total: int, weights: Sequence[float], cap: int) -> list[int]:
    """``total`` whole votes shared by weight, none above ``cap`` (needs len × cap ≥ total)."""
    if not weights:
        return []
    shares = apportion(total, weights)
    while True:
        excess = sum(max(0, s - cap) for s in shares)
        if excess == 0:
            return shares
        shares = [min(s, cap) for s in shares]
        room = [cap - s for s in shares]
        extra = apportion(excess, [float(r) for r in room])
        shares = [s + e for s, e in zip(shares, extra, strict=True)]
