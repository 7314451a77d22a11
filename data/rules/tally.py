"""Tally sheet rules (DESIGN §5: R01, K01–K13) for one polling area × one level.

Field names: ``voters_total``, ``voters_voted``, ``ballots_issued``,
``ballots_received``, ``ballots_valid``, ``ballots_invalid``; one candidate's
votes ``votes.<candidate_id>``, the votes block as a whole ``votes``; the
optional breakdown by ballot type ``ballot_types`` (``ballot_types.<k>`` for a
negative count of one type).

Negative counts: every negative count gets its own R01, and every rule that
reads a negative count is skipped (its message would only repeat the same
mistake); rules over the other counts still run. K08 (which candidates are
present) never depends on the numbers and always runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from data.numbers import percent_of
from data.rules.findings import Finding, finding

INVALID_SHARE_LIMIT = 3  # percent of ballots received (K11)

VOTERS_TOTAL = "voters_total"
VOTERS_VOTED = "voters_voted"
ISSUED = "ballots_issued"
RECEIVED = "ballots_received"
VALID = "ballots_valid"
INVALID = "ballots_invalid"
VOTES = "votes"
BALLOT_TYPES = "ballot_types"


def vote_field(candidate_id: object) -> str:
    return f"{VOTES}.{candidate_id}"


@dataclass(frozen=True)
class TallyFigures:
    voters_total: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: Mapping[int, int]  # candidate_id -> votes
    # optional: k (names kept on the ballot, 1..seats) -> valid ballots keeping k names
    ballot_types: Mapping[int, int] | None = None


@dataclass(frozen=True)
class TallyContext:
    seats: int
    candidate_ids: frozenset[int]  # the constituency's ballot
    registered_total: int | None = None  # registered voters of the polling area (K10)
    last_turnout: int | None = None  # voted_total of the latest turnout report (K12)


def _key_order(key: object) -> tuple[int, int, str]:
    """Ints first, in order; anything odd after, by text (never a TypeError)."""
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key, "")
    return (1, 0, str(key))


class _Sheet:
    """The figures with the names of negative counts worked out once."""

    def __init__(self, figures: TallyFigures, context: TallyContext) -> None:
        self.f = figures
        self.c = context
        self.counts = {
            VOTERS_TOTAL: figures.voters_total,
            VOTERS_VOTED: figures.voters_voted,
            ISSUED: figures.ballots_issued,
            RECEIVED: figures.ballots_received,
            VALID: figures.ballots_valid,
            INVALID: figures.ballots_invalid,
        }
        self.votes = sorted(figures.votes.items(), key=lambda item: _key_order(item[0]))
        self.types = sorted((figures.ballot_types or {}).items(), key=lambda kv: _key_order(kv[0]))
        self.negative = {name for name, value in self.counts.items() if value < 0}
        if any(value < 0 for _, value in self.votes):
            self.negative.add(VOTES)
        if any(value < 0 for _, value in self.types):
            self.negative.add(BALLOT_TYPES)

    def ok(self, *names: str) -> bool:
        """True when none of the named counts is negative."""
        return self.negative.isdisjoint(names)

    @property
    def votes_sum(self) -> int:
        return sum(value for _, value in self.votes)

    def r01(self) -> list[Finding]:
        found = [
            finding("R01", (name,), field=name, value=value)
            for name, value in self.counts.items()
            if value < 0
        ]
        for candidate_id, value in self.votes:
            if value < 0:
                name = vote_field(candidate_id)
                found.append(finding("R01", (name,), field=name, value=value))
        for k, value in self.types:
            if value < 0:
                name = f"{BALLOT_TYPES}.{k}"
                found.append(finding("R01", (name,), field=name, value=value))
        return found


def check_tally(figures: TallyFigures, context: TallyContext) -> list[Finding]:
    """Every finding for one tally sheet, errors and warnings, in code order."""
    sheet = _Sheet(figures, context)
    found = sheet.r01()
    for rule in _RULES:
        found += rule(sheet)
    return found


def _k01(s: _Sheet) -> list[Finding]:
    f = s.f
    if s.ok(VOTERS_TOTAL, VOTERS_VOTED) and f.voters_voted > f.voters_total:
        return [
            finding("K01", (VOTERS_VOTED, VOTERS_TOTAL), voted=f.voters_voted, total=f.voters_total)
        ]
    return []


def _k02(s: _Sheet) -> list[Finding]:
    f = s.f
    if s.ok(RECEIVED, ISSUED) and f.ballots_received > f.ballots_issued:
        return [
            finding("K02", (RECEIVED, ISSUED), received=f.ballots_received, issued=f.ballots_issued)
        ]
    return []


def _k03(s: _Sheet) -> list[Finding]:
    f = s.f
    total = f.ballots_valid + f.ballots_invalid
    if s.ok(VALID, INVALID, RECEIVED) and total != f.ballots_received:
        return [
            finding(
                "K03",
                (VALID, INVALID, RECEIVED),
                valid=f.ballots_valid,
                invalid=f.ballots_invalid,
                sum=total,
                received=f.ballots_received,
            )
        ]
    return []


def _k04(s: _Sheet) -> list[Finding]:
    f = s.f
    if s.ok(RECEIVED, VOTERS_VOTED) and f.ballots_received > f.voters_voted:
        return [
            finding(
                "K04",
                (RECEIVED, VOTERS_VOTED),
                received=f.ballots_received,
                voted=f.voters_voted,
            )
        ]
    return []


def _k05(s: _Sheet) -> list[Finding]:
    valid = s.f.ballots_valid
    if not s.ok(VALID):
        return []
    return [
        finding(
            "K05",
            (vote_field(cid),),
            field=vote_field(cid),
            candidate_id=cid,
            votes=votes,
            valid=valid,
        )
        for cid, votes in s.votes
        if votes > valid
    ]


def _k06(s: _Sheet) -> list[Finding]:
    valid = s.f.ballots_valid
    if s.ok(VOTES, VALID) and s.votes_sum < valid:
        return [finding("K06", (VOTES, VALID), votes_sum=s.votes_sum, valid=valid)]
    return []


def _k07(s: _Sheet) -> list[Finding]:
    valid, seats = s.f.ballots_valid, s.c.seats
    limit = valid * seats
    if s.ok(VOTES, VALID) and s.votes_sum > limit:
        return [
            finding(
                "K07",
                (VOTES, VALID),
                votes_sum=s.votes_sum,
                valid=valid,
                seats=seats,
                limit=limit,
            )
        ]
    return []


def _k08(s: _Sheet) -> list[Finding]:
    given = set(s.f.votes)
    expected = set(s.c.candidate_ids)
    missing = sorted(expected - given, key=_key_order)
    unknown = sorted(given - expected, key=_key_order)
    if not missing and not unknown:
        return []
    params: dict[str, object] = {}
    if missing:
        params["missing_ids"] = tuple(missing)
    if unknown:
        params["unknown_ids"] = tuple(unknown)
    fields = tuple(vote_field(cid) for cid in missing + unknown)
    return [finding("K08", fields, **params)]


def _k09(s: _Sheet) -> list[Finding]:
    f = s.f
    if s.ok(ISSUED, VOTERS_VOTED) and f.ballots_issued != f.voters_voted:
        return [
            finding("K09", (ISSUED, VOTERS_VOTED), issued=f.ballots_issued, voted=f.voters_voted)
        ]
    return []


def _k10(s: _Sheet) -> list[Finding]:
    registered, total = s.c.registered_total, s.f.voters_total
    if registered is not None and s.ok(VOTERS_TOTAL) and total != registered:
        return [finding("K10", (VOTERS_TOTAL,), total=total, registered=registered)]
    return []


def _k11(s: _Sheet) -> list[Finding]:
    invalid, received = s.f.ballots_invalid, s.f.ballots_received
    if s.ok(INVALID, RECEIVED) and invalid * 100 > INVALID_SHARE_LIMIT * received:
        return [
            finding(
                "K11",
                (INVALID, RECEIVED),
                invalid=invalid,
                received=received,
                invalid_pct=percent_of(invalid, received),
            )
        ]
    return []


def _k12(s: _Sheet) -> list[Finding]:
    turnout, voted = s.c.last_turnout, s.f.voters_voted
    if turnout is not None and s.ok(VOTERS_VOTED) and voted != turnout:
        return [finding("K12", (VOTERS_VOTED,), voted=voted, turnout=turnout)]
    return []


def _k13(s: _Sheet) -> list[Finding]:
    if s.f.ballot_types is None:
        return []
    seats, valid = s.c.seats, s.f.ballots_valid
    kinds = [k for k, _ in s.types]
    odd = [k for k in kinds if _key_order(k)[0] or not 1 <= k <= seats]
    found = []
    if odd:
        found.append(finding("K13", (BALLOT_TYPES,), k=tuple(odd), seats=seats))
    types_sum = sum(n for _, n in s.types)
    if s.ok(BALLOT_TYPES, VALID) and types_sum != valid:
        found.append(finding("K13", (BALLOT_TYPES,), types_sum=types_sum, valid=valid))
    numeric = all(not _key_order(k)[0] for k in kinds)
    if numeric and s.ok(BALLOT_TYPES, VOTES):
        expected = sum(k * n for k, n in s.types)
        if s.votes_sum != expected:
            found.append(finding("K13", (BALLOT_TYPES,), votes_sum=s.votes_sum, expected=expected))
    return found


_RULES: tuple[Callable[[_Sheet], list[Finding]], ...] = (
    _k01,
    _k02,
    _k03,
    _k04,
    _k05,
    _k06,
    _k07,
    _k08,
    _k09,
    _k10,
    _k11,
    _k12,
    _k13,
)
