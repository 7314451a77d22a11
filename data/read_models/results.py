"""Result read models: constituency totals, winners and status (DESIGN §6).

Totals are summed in SQL over the constituency's polling areas (through
``ConstituencyArea``), winners come from the pure rules in :mod:`data.results`.
:func:`constituency_results` serves a whole scope with the same four statements
whether it holds one constituency or hundreds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from data.enums import Level, ResultStatus
from data.models import (
    Candidate,
    Constituency,
    ConstituencyArea,
    Election,
    PollingArea,
    TallySheet,
    TallyVote,
    Unit,
)
from data.read_models.progress import NotFound, closed_expr, scope_unit, unit_in_scope
from data.results import CandidateTotal, determine_result

_LEVEL_ORDER = {level: i for i, level in enumerate(Level)}
COUNT_FIELDS = (
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


@dataclass(frozen=True)
class Counts:
    """Summed tally-sheet counts (zeros when no sheet is in)."""

    voters_total: int = 0
    voters_voted: int = 0
    ballots_issued: int = 0
    ballots_received: int = 0
    ballots_valid: int = 0
    ballots_invalid: int = 0


@dataclass(frozen=True)
class CandidateResult:
    id: int
    full_name: str
    date_of_birth: date
    ballot_order: int
    votes: int
    percent: Decimal  # of valid ballots, half-up, 2 decimals
    elected: bool
    rank: int  # 1-based: votes desc, then older first


@dataclass(frozen=True)
class ConstituencyResultView:
    code: str
    name: str
    level: Level
    seats: int
    unit_code: str  # the committee's unit
    status: ResultStatus
    sheets_in: int
    sheets_expected: int
    counts: Counts
    valid_election: bool
    revote_needed: bool
    additional_election_needed: bool
    turnout_percent: Decimal
    candidates: tuple[CandidateResult, ...]  # by rank
    elected_ids: tuple[int, ...]  # in rank order
    published_at: datetime | None
    data_version: int

    @property
    def voters_total(self) -> int:
        return self.counts.voters_total

    @property
    def voters_voted(self) -> int:
        return self.counts.voters_voted

    @property
    def ballots_valid(self) -> int:
        return self.counts.ballots_valid

    @property
    def ballots_invalid(self) -> int:
        return self.counts.ballots_invalid


@dataclass(frozen=True)
class AreaResultRow:
    code: str
    name: str
    registered_total: int
    has_sheet: bool
    counts: Counts
    votes: tuple[int, ...]  # aligned with AreaBreakdown.candidate_ids


@dataclass(frozen=True)
class CommuneAreaResults:
    code: str
    name: str
    areas: tuple[AreaResultRow, ...]  # by polling-area code
    subtotal: Counts
    votes: tuple[int, ...]  # subtotal per candidate, aligned with candidate_ids


@dataclass(frozen=True)
class AreaBreakdown:
    """The figures of the official minutes: the result, then every polling area."""

    result: ConstituencyResultView
    candidate_ids: tuple[int, ...]  # by ballot order
    candidate_names: tuple[str, ...]
    communes: tuple[CommuneAreaResults, ...]  # in tree order


def result_status(
    published: bool, closed: bool, sheets_in: int, sheets_expected: int
) -> ResultStatus:
    """official (published) > confirmed (entry closed) > complete (all sheets) > provisional."""
    if published:
        return ResultStatus.OFFICIAL
    if closed:
        return ResultStatus.CONFIRMED
    if sheets_expected > 0 and sheets_in >= sheets_expected:
        return ResultStatus.COMPLETE
    return ResultStatus.PROVISIONAL


# ----------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Header:
    id: int
    code: str
    name: str
    level: Level
    seats: int
    published_at: datetime | None
    unit_code: str
    closed: bool


def _header_query(election_id: int) -> Select:
    return (
        select(
            Constituency.id,
            Constituency.code,
            Constituency.name,
            Constituency.level,
            Constituency.seats,
            Constituency.published_at,
            Unit.code,
            closed_expr(election_id, Unit.path),
        )
        .join(Unit, Unit.id == Constituency.unit_id)
        .where(Constituency.election_id == election_id)
    )


def _header(row: Sequence[Any]) -> _Header:
    id_, code, name, level, seats, published_at, unit_code, closed = row
    return _Header(id_, code, name, Level(level), int(seats), published_at, unit_code, bool(closed))


def _sheet_join() -> ColumnElement[bool]:
    """A constituency area's sheet, if it counts (double entry: matched or resolved)."""
    return and_(
        TallySheet.polling_area_id == ConstituencyArea.polling_area_id,
        TallySheet.constituency_id == ConstituencyArea.constituency_id,
        TallySheet.counted,
    )


def _count_sums() -> list[ColumnElement[int]]:
    return [func.coalesce(func.sum(getattr(TallySheet, f)), 0) for f in COUNT_FIELDS]


def _sums(constituency_ids: Select | list[int]) -> Select:
    """(constituency id, sheets expected, sheets in, six sums): one statement, two groupings."""
    expected = (
        select(ConstituencyArea.constituency_id.label("cid"), func.count().label("n"))
        .where(ConstituencyArea.constituency_id.in_(constituency_ids))
        .group_by(ConstituencyArea.constituency_id)
        .subquery("expected")
    )
    sheets = (
        select(
            TallySheet.constituency_id.label("cid"),
            func.count().label("n"),
            *(col.label(f) for col, f in zip(_count_sums(), COUNT_FIELDS, strict=True)),
        )
        .where(TallySheet.constituency_id.in_(constituency_ids), TallySheet.counted)
        .group_by(TallySheet.constituency_id)
        .subquery("sheets")
    )
    return select(
        expected.c.cid,
        expected.c.n,
        func.coalesce(sheets.c.n, 0),
        *(func.coalesce(sheets.c[f], 0) for f in COUNT_FIELDS),
    ).outerjoin(sheets, sheets.c.cid == expected.c.cid)


def _candidate_votes(constituency_ids: Select | list[int]) -> Select:
    """(constituency id, candidate id, name, birth date, ballot order, votes), by ballot order."""
    in_scope = select(Candidate.id).where(Candidate.constituency_id.in_(constituency_ids))
    votes = (
        select(TallyVote.candidate_id.label("id"), func.sum(TallyVote.votes).label("votes"))
        .where(TallyVote.candidate_id.in_(in_scope))
        .group_by(TallyVote.candidate_id)
        .subquery("votes")
    )
    return (
        select(
            Candidate.constituency_id,
            Candidate.id,
            Candidate.full_name,
            Candidate.date_of_birth,
            Candidate.ballot_order,
            func.coalesce(votes.c.votes, 0),
        )
        .outerjoin(votes, votes.c.id == Candidate.id)
        .where(Candidate.constituency_id.in_(constituency_ids))
        .order_by(Candidate.constituency_id, Candidate.ballot_order)
    )


def _build(
    header: _Header,
    sums: tuple[int, ...],
    candidates: list[tuple[int, str, date, int, int]],
    data_version: int,
) -> ConstituencyResultView:
    expected, sheets_in, *counts_ = sums
    counts = Counts(*counts_)
    outcome = determine_result(
        header.level,
        header.seats,
        counts.voters_total,
        counts.voters_voted,
        counts.ballots_valid,
        [CandidateTotal(id_, name, dob, votes) for id_, name, dob, _order, votes in candidates],
    )
    extra = {id_: (dob, order) for id_, _name, dob, order, _votes in candidates}
    return ConstituencyResultView(
        code=header.code,
        name=header.name,
        level=header.level,
        seats=header.seats,
        unit_code=header.unit_code,
        status=result_status(header.published_at is not None, header.closed, sheets_in, expected),
        sheets_in=sheets_in,
        sheets_expected=expected,
        counts=counts,
        valid_election=outcome.valid_election,
        revote_needed=outcome.revote_needed,
        additional_election_needed=outcome.additional_election_needed,
        turnout_percent=outcome.turnout_percent,
        candidates=tuple(
            CandidateResult(
                id=c.id,
                full_name=c.full_name,
                date_of_birth=extra[c.id][0],
                ballot_order=extra[c.id][1],
                votes=c.votes,
                percent=c.percent,
                elected=c.elected,
                rank=c.rank,
            )
            for c in sorted(outcome.candidates, key=lambda c: c.rank)
        ),
        elected_ids=outcome.elected_ids,
        published_at=header.published_at,
        data_version=data_version,
    )


def _ints(row: Iterable[Any]) -> tuple[int, ...]:
    return tuple(int(v) for v in row)


def _one_header(session: Session, election_id: int, code: str) -> tuple[_Header, int]:
    """The constituency and the election's data version (read before any figure)."""
    row = session.execute(
        _header_query(election_id)
        .add_columns(Election.data_version)
        .join(Election, Election.id == Constituency.election_id)
        .where(Constituency.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"constituency {code!r} not found in election {election_id}")
    return _header(row[:8]), int(row[8])


# ---------------------------------------------------------------------- public API


def constituency_result(session: Session, election_id: int, code: str) -> ConstituencyResultView:
    """One constituency: summed sheets, votes per candidate, winners, status."""
    header, version = _one_header(session, election_id, code)
    sums_row = session.execute(_sums([header.id])).one_or_none()
    sums = _ints(sums_row[1:]) if sums_row else (0,) * (2 + len(COUNT_FIELDS))
    candidates = [tuple(r[1:]) for r in session.execute(_candidate_votes([header.id]))]
    return _build(header, sums, candidates, version)  # type: ignore[arg-type]


def constituency_results(
    session: Session, election_id: int, unit_code: str, level: Level | None = None
) -> list[ConstituencyResultView]:
    """Every constituency whose committee unit lies in the subtree (QH first, then code)."""
    scope = scope_unit(session, election_id, unit_code)
    in_scope = select(Constituency.id).join(Unit, Unit.id == Constituency.unit_id)
    in_scope = in_scope.where(Constituency.election_id == election_id)
    headers_q = _header_query(election_id)
    if not scope.is_root:
        in_scope = in_scope.where(unit_in_scope(scope))
        headers_q = headers_q.where(unit_in_scope(scope))
    if level is not None:
        in_scope = in_scope.where(Constituency.level == level)
        headers_q = headers_q.where(Constituency.level == level)
    headers = [_header(row) for row in session.execute(headers_q)]
    if not headers:
        return []
    sums = {row[0]: _ints(row[1:]) for row in session.execute(_sums(in_scope))}
    candidates: dict[int, list[tuple[int, str, date, int, int]]] = defaultdict(list)
    for cid, *rest in session.execute(_candidate_votes(in_scope)):
        candidates[cid].append(tuple(rest))  # type: ignore[arg-type]
    empty = (0,) * (2 + len(COUNT_FIELDS))
    headers.sort(key=lambda h: (_LEVEL_ORDER[h.level], h.code))
    return [
        _build(h, sums.get(h.id, empty), candidates.get(h.id, []), scope.data_version)
        for h in headers
    ]


def result_by_area(session: Session, election_id: int, code: str) -> AreaBreakdown:
    """The result and, per commune, every polling area's counts and votes per candidate."""
    result = constituency_result(session, election_id, code)
    cid = select(Constituency.id).where(
        Constituency.election_id == election_id, Constituency.code == code
    )
    candidate_rows = session.execute(
        select(Candidate.id, Candidate.full_name)
        .where(Candidate.constituency_id.in_(cid))
        .order_by(Candidate.ballot_order)
    ).all()
    candidate_ids = tuple(r[0] for r in candidate_rows)
    position = {cand_id: i for i, cand_id in enumerate(candidate_ids)}

    area_rows = session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            PollingArea.id,
            PollingArea.code,
            PollingArea.name,
            PollingArea.registered_total,
            TallySheet.id,
            *(getattr(TallySheet, f) for f in COUNT_FIELDS),
        )
        .select_from(ConstituencyArea)
        .join(PollingArea, PollingArea.id == ConstituencyArea.polling_area_id)
        .join(Unit, Unit.id == PollingArea.unit_id)
        .outerjoin(TallySheet, _sheet_join())
        .where(ConstituencyArea.constituency_id.in_(cid))
        .order_by(Unit.path, PollingArea.code)
    ).all()
    in_constituency = and_(TallySheet.constituency_id.in_(cid), TallySheet.counted)
    votes_by_area: dict[int, list[int]] = defaultdict(lambda: [0] * len(candidate_ids))
    for area_id, cand_id, votes in session.execute(
        select(TallySheet.polling_area_id, TallyVote.candidate_id, TallyVote.votes)
        .join(TallyVote, TallyVote.sheet_id == TallySheet.id)
        .where(in_constituency)
    ):
        if cand_id in position:
            votes_by_area[area_id][position[cand_id]] = int(votes)

    commune_sums = {
        row[0]: _ints(row[1:])
        for row in session.execute(
            select(PollingArea.unit_id, *_count_sums())
            .join(TallySheet, TallySheet.polling_area_id == PollingArea.id)
            .where(in_constituency)
            .group_by(PollingArea.unit_id)
        )
    }
    commune_votes: dict[int, list[int]] = defaultdict(lambda: [0] * len(candidate_ids))
    for unit_id, cand_id, votes in session.execute(
        select(PollingArea.unit_id, TallyVote.candidate_id, func.sum(TallyVote.votes))
        .select_from(TallyVote)
        .join(TallySheet, TallySheet.id == TallyVote.sheet_id)
        .join(PollingArea, PollingArea.id == TallySheet.polling_area_id)
        .where(in_constituency)
        .group_by(PollingArea.unit_id, TallyVote.candidate_id)
    ):
        if cand_id in position:
            commune_votes[unit_id][position[cand_id]] = int(votes)

    communes: dict[int, tuple[str, str, list[AreaResultRow]]] = {}
    for row in area_rows:
        unit_id, unit_code, unit_name, area_id, a_code, a_name, registered, sheet_id, *c = row
        has_sheet = sheet_id is not None
        communes.setdefault(unit_id, (unit_code, unit_name, []))[2].append(
            AreaResultRow(
                code=a_code,
                name=a_name,
                registered_total=int(registered),
                has_sheet=has_sheet,
                counts=Counts(*_ints(c)) if has_sheet else Counts(),
                votes=tuple(votes_by_area[area_id]) if has_sheet else (0,) * len(candidate_ids),
            )
        )
    return AreaBreakdown(
        result=result,
        candidate_ids=candidate_ids,
        candidate_names=tuple(r[1] for r in candidate_rows),
        communes=tuple(
            CommuneAreaResults(
                code=unit_code,
                name=unit_name,
                areas=tuple(rows),
                subtotal=Counts(*commune_sums.get(unit_id, (0,) * len(COUNT_FIELDS))),
                votes=tuple(commune_votes[unit_id]),
            )
            for unit_id, (unit_code, unit_name, rows) in communes.items()
        ),
    )
