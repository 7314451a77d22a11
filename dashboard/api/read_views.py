"""Read endpoints: who am I, elections, windows, polling areas, ballots, progress, results."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from dashboard.api.core import ApiState, iso, level_of, reply
from dashboard.api.errors import InvalidBody
from dashboard.api.schemas import CODE_PATTERN, ref
from dashboard.api.spec import ApiSpec
from dashboard.api.validation import Problem
from data.permissions import Action
from data.read_models import api as reads
from data.read_models.progress import unit_progress
from data.read_models.results import constituency_result
from data.services.errors import Forbidden, NotFound

LIST = {"type": "array"}


def _list_of(name: str) -> dict[str, Any]:
    return {**LIST, "items": ref(name)}


class NotConfirmed(Forbidden):
    code = "E_NOT_CONFIRMED"
    message_vi = "Kết quả này chưa được Ủy ban bầu cử xác nhận, nên chưa được công bố cho bạn."
    message_en = "This result has not been confirmed by the election committee yet."


def register_reads(spec: ApiSpec, state: ApiState) -> None:
    ctx = state.ctx
    guard = ctx.guard

    @spec.operation(
        "GET",
        "/me",
        summary="The account behind the token",
        responses={200: ref("Me")},
        tag="read",
    )
    def me():  # type: ignore[no-untyped-def]
        who = guard.principal()
        with ctx.db.read() as s:
            unit = reads.unit_named(s, who.scope_code, reads.current_election_id(s))
        scope = (
            {"code": unit.code, "name": unit.name, "kind": str(unit.kind)}
            if unit
            else {"code": who.scope_code, "name": who.scope_code, "kind": None}
        )
        return reply({"username": who.username, "role": str(who.role), "scope": scope})

    @spec.operation(
        "GET",
        "/elections",
        summary="Elections (and drills) whose unit tree holds your scope, newest first",
        responses={200: _list_of("Election")},
        tag="read",
    )
    def elections():  # type: ignore[no-untyped-def]
        who = guard.require(Action.VIEW_PROGRESS)
        with ctx.db.read() as s:
            rows = reads.elections_with_unit(s, who.scope_code)
            current = reads.current_election_id(s)
        return reply(
            [
                {
                    "id": e.id,
                    "name": e.name,
                    "date": e.date.isoformat(),
                    "kind": str(e.kind),
                    "status": str(e.status),
                    "data_version": e.data_version,
                    "current": e.id == current,
                }
                for e in rows
            ]
        )

    @spec.operation(
        "GET",
        "/elections/{eid}/windows",
        summary="Reporting windows: due time and entry period (local time, +07:00)",
        params=("eid",),
        responses={200: _list_of("Window"), 403: ref("Errors"), 404: ref("Errors")},
        tag="read",
    )
    def windows(eid: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_PROGRESS)
        election = state.election_id(eid)
        guard.scope(election)
        with ctx.db.read() as s:
            rows = reads.windows(s, election)
        return reply(
            [
                {
                    "key": w.key,
                    "kind": str(w.kind),
                    "due_at": iso(w.due_at),
                    "opens_at": iso(w.opens_at),
                    "closes_at": iso(w.closes_at),
                }
                for w in rows
            ]
        )

    @spec.operation(
        "GET",
        "/elections/{eid}/polling-areas",
        summary="Polling areas under a unit in your scope (default: your scope unit)",
        params=("eid", "unit_query"),
        responses={
            200: _list_of("PollingArea"),
            403: ref("Errors"),
            404: ref("Errors"),
            422: ref("Errors"),
        },
        tag="read",
    )
    def polling_areas(eid: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_PROGRESS)
        election = state.election_id(eid)
        code = request.args.get("unit")
        if code is None:
            unit = guard.scope(election)
        else:
            _check_code("unit", code)
            unit = guard.unit(election, code, Action.VIEW_PROGRESS)
        with ctx.db.read() as s:
            rows = reads.polling_areas_under(s, election, unit.path)
        return reply(
            [
                {
                    "code": a.code,
                    "name": a.name,
                    "unit_code": a.unit_code,
                    "registered": {
                        "total": a.registered_total,
                        "male": a.registered_male,
                        "female": a.registered_female,
                    },
                }
                for a in rows
            ]
        )

    @spec.operation(
        "GET",
        "/elections/{eid}/polling-areas/{pa}/ballot/{level}",
        summary="The ballot of one level in a polling area: constituency and candidates",
        params=("eid", "pa", "level"),
        responses={200: ref("Ballot"), 403: ref("Errors"), 404: ref("Errors")},
        tag="read",
    )
    def ballot(eid: str, pa: str, level: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_PROGRESS)
        election = state.election_id(eid)
        area, _unit = guard.area(election, pa, Action.VIEW_PROGRESS)
        contest = level_of(level)
        with ctx.db.read() as s:
            found = reads.ballot(s, area.id, contest)
        if found is None:
            raise NotFound(
                what=f"đơn vị bầu cử cấp {contest.label_vi} của khu vực bỏ phiếu {pa}",
                what_en=f"The {contest.label_en} constituency of polling area {pa}",
            )
        return reply(
            {
                "constituency": {
                    "code": found.code,
                    "name": found.name,
                    "seats": found.seats,
                    "level": str(found.level),
                },
                "candidates": [
                    {
                        "id": c.id,
                        "full_name": c.full_name,
                        "date_of_birth": c.date_of_birth.isoformat(),
                        "ballot_order": c.ballot_order,
                    }
                    for c in found.candidates
                ],
            }
        )

    @spec.operation(
        "GET",
        "/elections/{eid}/progress/{unit}",
        summary="Turnout per window and counting per level over a unit in your scope",
        params=("eid", "unit"),
        responses={200: ref("Progress"), 403: ref("Errors"), 404: ref("Errors")},
        tag="read",
    )
    def progress(eid: str, unit: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_PROGRESS)
        election = state.election_id(eid)
        guard.unit(election, unit, Action.VIEW_PROGRESS)
        now = ctx.clock.now()
        with ctx.db.read() as s:
            p = unit_progress(s, election, unit, now=now)
        return reply(
            {
                "unit": p.unit_code,
                "unit_name": p.unit_name,
                "unit_kind": str(p.unit_kind),
                "data_version": p.data_version,
                "as_of": iso(p.as_of or now),
                "windows": [
                    {
                        "key": w.key,
                        "kind": str(w.kind),
                        "reported_areas": w.reported_areas,
                        "expected_areas": w.expected_areas,
                        "voted": w.voted,
                        "registered": w.registered,
                        "turnout_pct": float(w.turnout_pct),
                    }
                    for w in p.windows
                ],
                "counting": {
                    str(c.level): {"sheets_in": c.sheets_in, "sheets_expected": c.sheets_expected}
                    for c in p.counting
                },
            }
        )

    @spec.operation(
        "GET",
        "/elections/{eid}/constituencies/{code}/result",
        summary="A constituency's result (status: provisional, complete, confirmed, official)",
        description="Leaders see a result only once it is confirmed (403 before).",
        params=("eid", "code"),
        responses={200: ref("Result"), 403: ref("Errors"), 404: ref("Errors")},
        tag="read",
    )
    def result(eid: str, code: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_RESULTS)
        election = state.election_id(eid)
        guard.constituency(election, code, Action.VIEW_RESULTS)
        with ctx.db.read() as s:
            r = constituency_result(s, election, code)
        if not guard.result_visible(r.status):
            raise NotConfirmed()
        return reply(
            {
                "code": r.code,
                "name": r.name,
                "level": str(r.level),
                "seats": r.seats,
                "status": str(r.status),
                "sheets_in": r.sheets_in,
                "sheets_expected": r.sheets_expected,
                "voters_total": r.voters_total,
                "voters_voted": r.voters_voted,
                "ballots_valid": r.ballots_valid,
                "ballots_invalid": r.ballots_invalid,
                "valid_election": r.valid_election,
                "revote_needed": r.revote_needed,
                "additional_election_needed": r.additional_election_needed,
                "candidates": [
                    {
                        "id": c.id,
                        "full_name": c.full_name,
                        "votes": c.votes,
                        "percent": float(c.percent),
                        "elected": c.elected,
                    }
                    for c in r.candidates
                ],
                "data_version": r.data_version,
            }
        )


def _check_code(name: str, value: str) -> None:
    if not re.fullmatch(CODE_PATTERN, value):
        raise InvalidBody([Problem(name, "pattern", {"pattern": CODE_PATTERN})])
