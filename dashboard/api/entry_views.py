"""Entry endpoints: turnout reports (one, or a batch) and tally sheets.

Each write goes through the data services (validate, write, audit, version
bump in one transaction — a turnout batch is one transaction); the guard is
asked first. Both PUTs are idempotent: the same body again changes nothing and
answers 200 with the stored version.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import DBAPIError

from auth.i18n import current_lang
from dashboard.api.core import ApiState, body, if_match, iso, level_of, reply
from dashboard.api.errors import (
    PreconditionFailed,
    PreconditionRequired,
    Unavailable,
)
from dashboard.api.schemas import CODE_PATTERN, MAX_BATCH, ref
from dashboard.api.spec import ApiSpec
from data.permissions import Action
from data.read_models import api as reads
from data.services.errors import Forbidden, NotFound, ServiceError, StaleVersion
from data.services.outcome import ANY_VERSION, Saved
from data.services.tally import TallyInput, save_tally_sheet
from data.services.turnout import TurnoutInput, submit_turnout
from data.services.turnout_batch import ItemOutcome, TurnoutItem, submit_turnout_batch

ENTRY_ERRORS = {
    403: ref("Errors"),
    404: ref("Errors"),
    409: ref("Errors"),
    412: ref("Errors"),
    422: ref("Errors"),
}


def outcome(saved: Saved) -> str:
    if saved.created:
        return "created"
    return "updated" if saved.changed else "unchanged"


def window_key(raw: str) -> str:
    """A window key as the path gives it; one that cannot be a key is simply not found."""
    if not re.fullmatch(CODE_PATTERN, raw):
        raise NotFound(what=f"mốc báo cáo {raw[:16]}", what_en=f"Reporting window {raw[:16]}")
    return raw


def _turnout_input(pa: str, window: str, data: dict[str, Any]) -> TurnoutInput:
    return TurnoutInput(
        pa, window, data["voted_total"], data.get("voted_male"), data.get("voted_female")
    )


def register_entry(spec: ApiSpec, state: ApiState) -> None:
    ctx = state.ctx
    guard = ctx.guard

    def turnout_json(row: reads.TurnoutRow, status: str, saved: Saved | None) -> dict[str, Any]:
        lang = current_lang()
        return {
            "polling_area": row.polling_area,
            "window": row.window,
            "voted_total": row.voted_total,
            "voted_male": row.voted_male,
            "voted_female": row.voted_female,
            "version": row.version,
            "status": status,
            "confirmed_warnings": list(row.confirmed_warnings),
            "warnings": [f.as_dict(lang) for f in saved.warnings] if saved else [],
            "reason": row.reason,
            "on_behalf": row.on_behalf,
            "updated_at": iso(row.updated_at),
            "data_version": saved.data_version if saved else None,
        }

    @spec.operation(
        "GET",
        "/elections/{eid}/turnout/{pa}/{window}",
        summary="The stored turnout report of a polling area at a window (with its version)",
        params=("eid", "pa", "window"),
        responses={200: ref("TurnoutReport"), 403: ref("Errors"), 404: ref("Errors")},
        etag=(200,),
        tag="entry",
    )
    def get_turnout(eid: str, pa: str, window: str):  # type: ignore[no-untyped-def]
        guard.require(Action.VIEW_PROGRESS)
        election = state.election_id(eid)
        guard.area(election, pa, Action.VIEW_PROGRESS)
        window = window_key(window)
        with ctx.db.read() as s:
            row = reads.turnout_report(s, election, pa, window)
        if row is None:
            raise NotFound(
                what=f"báo cáo tiến độ của {pa} ở mốc {window[:16]}",
                what_en=f"The turnout report of {pa} at {window[:16]}",
            )
        return reply(turnout_json(row, "stored", None), etag=row.version)

    @spec.operation(
        "PUT",
        "/elections/{eid}/turnout/{pa}/{window}",
        summary="Store a cumulative turnout report (201 created, 200 updated or unchanged)",
        description="Validated with R01 and T01–T06. Errors give 422; warnings (T06) give 422"
        " unless their codes are listed in `confirm` with a `reason`. 409 when entry is"
        " closed for the unit or outside the window's entry period (T05). Idempotent: the"
        " same figures again change nothing. Optional If-Match: the version you edited"
        " (412 when it is not the stored one).",
        body=ref("TurnoutInput"),
        params=("eid", "pa", "window", "if_match_optional"),
        responses={200: ref("TurnoutReport"), 201: ref("TurnoutReport"), **ENTRY_ERRORS},
        etag=(200, 201),
        tag="entry",
        example={"voted_total": 300, "voted_male": 140, "voted_female": 160},
    )
    def put_turnout(eid: str, pa: str, window: str):  # type: ignore[no-untyped-def]
        who = guard.require(Action.ENTER)
        election = state.election_id(eid)
        guard.area(election, pa, Action.ENTER)
        window = window_key(window)
        data = body("TurnoutInput")
        expected, sent = if_match()
        try:
            saved = submit_turnout(
                ctx.db,
                who.actor(),
                election,
                _turnout_input(pa, window, data),
                clock=ctx.clock,
                confirm=data.get("confirm") or (),
                reason=data.get("reason"),
                expected_version=ANY_VERSION if expected is None else expected,
            )
        except StaleVersion as stale:
            raise PreconditionFailed.of(stale, sent or "") from None
        with ctx.db.read() as s:
            row = reads.turnout_report(s, election, pa, window)
        assert row is not None  # it was just stored
        return reply(
            turnout_json(row, outcome(saved), saved),
            201 if saved.created else 200,
            etag=row.version,
        )

    @spec.operation(
        "POST",
        "/elections/{eid}/turnout:batch",
        summary="Store many turnout reports, each validated and stored on its own",
        description=f"At most {MAX_BATCH} items. A body that does not fit the schema (wrong"
        " types, missing or unknown fields, negative or huge numbers) is refused whole with 422"
        " and field paths such as `3.voted_total`; nothing is stored. Otherwise the answer is"
        " 200 with one result per item, in order. The items are judged in order, each as a"
        " single PUT would be against what the items before it stored (two items for the same"
        " report: the second updates the first), and stored together in one transaction —"
        " one audit entry per stored item, the data version moves once per batch. Each item's"
        " `status` is what a single PUT would have answered (201 created, 200 updated or"
        " unchanged, 403, 404, 409, 422…) with its `errors`. One item refused never stops"
        " the others (503 for an item the database could not store); resending the batch"
        " is safe (stored items come back unchanged).",
        body=ref("TurnoutBatch"),
        params=("eid",),
        responses={200: ref("TurnoutBatchResult"), 403: ref("Errors"), 404: ref("Errors")},
        tag="entry",
        example=[
            {"polling_area": "00004-01", "window": "0900", "voted_total": 300},
            {"polling_area": "00004-02", "window": "0900", "voted_total": 250},
        ],
    )
    def turnout_batch(eid: str):  # type: ignore[no-untyped-def]
        who = guard.require(Action.ENTER)
        election = state.election_id(eid)
        guard.scope(election)
        items = body("TurnoutBatch")
        lang = current_lang()
        try:
            outcomes: list[ItemOutcome] = submit_turnout_batch(
                ctx.db,
                who.actor(),
                election,
                [
                    TurnoutItem(
                        _turnout_input(item["polling_area"], item["window"], item),
                        tuple(item.get("confirm") or ()),
                        item.get("reason"),
                    )
                    for item in items
                ],
                clock=ctx.clock,
            )
        except DBAPIError as failed:  # nothing was stored: every item may be sent again
            outcomes = [failed] * len(items)
        results = []
        counts = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
        verdicts: dict[str, ServiceError | None] = {}  # the guard's, once per polling area
        for index, (item, saved) in enumerate(zip(items, outcomes, strict=True)):
            area = item["polling_area"]
            entry: dict[str, Any] = {
                "index": index,
                "polling_area": area,
                "window": item["window"],
                "version": None,
                "errors": [],
            }
            if isinstance(saved, Saved):
                kind = outcome(saved)
                entry.update(status=201 if saved.created else 200, outcome=kind)
                entry["version"] = saved.version
                counts[kind] += 1
            else:
                refused = saved if isinstance(saved, ServiceError) else Unavailable()
                if isinstance(refused, Forbidden | NotFound):
                    if area not in verdicts:
                        verdicts[area] = _guard_verdict(election, area)
                    refused = verdicts[area] or refused
                entry.update(status=refused.http_status, outcome="refused")
                entry["errors"] = refused.errors(lang)
                counts["refused"] += 1
            results.append(entry)
        return reply({"results": results, "counts": counts})

    def _guard_verdict(election: int, area_code: str) -> ServiceError | None:
        """An item refused for its polling area is judged (and audited) by the guard, so an
        unknown area and another unit's area answer alike (403); None: the guard allows it."""
        try:
            guard.area(election, area_code, Action.ENTER)
        except Forbidden as by_guard:
            return by_guard
        return None

    @spec.operation(
        "GET",
        "/elections/{eid}/tally-sheets/{pa}/{level}",
        summary="The stored tally sheet (for whoever may enter it), with its version",
        params=("eid", "pa", "level"),
        responses={200: ref("TallySheet"), 403: ref("Errors"), 404: ref("Errors")},
        etag=(200,),
        tag="entry",
    )
    def get_tally(eid: str, pa: str, level: str):  # type: ignore[no-untyped-def]
        guard.require(Action.ENTER)
        election = state.election_id(eid)
        guard.area(election, pa, Action.ENTER)
        contest = level_of(level)
        with ctx.db.read() as s:
            row = reads.tally_sheet(s, election, pa, contest)
        if row is None:
            raise NotFound(
                what=f"biên bản kiểm phiếu {contest.label_vi} của {pa}",
                what_en=f"The {contest.label_en} tally sheet of {pa}",
            )
        return reply(
            {
                "polling_area": row.polling_area,
                "level": str(row.level),
                "constituency": row.constituency,
                "voters_total": row.voters_total,
                "voters_voted": row.voters_voted,
                "ballots_issued": row.ballots_issued,
                "ballots_received": row.ballots_received,
                "ballots_valid": row.ballots_valid,
                "ballots_invalid": row.ballots_invalid,
                "votes": {str(k): v for k, v in sorted(row.votes.items())},
                "version": row.version,
                "confirmed_warnings": list(row.confirmed_warnings),
                "reason": row.reason,
                "on_behalf": row.on_behalf,
                "updated_at": iso(row.updated_at),
            },
            etag=row.version,
        )

    @spec.operation(
        "PUT",
        "/elections/{eid}/tally-sheets/{pa}/{level}",
        summary="Store a tally sheet (biên bản kiểm phiếu) of one polling area and level",
        description="Validated with R01 and K01–K13: errors give 422; warnings (K09–K12) give"
        " 422 unless listed in `confirm` with a `reason`. Creating needs no If-Match;"
        " changing an existing sheet needs `If-Match: <version>` — 428 without it, 412 when"
        " it is not the stored version. The same body again is a no-op (200, `unchanged`)."
        " 409 when entry is closed for the unit or counting has not started.",
        body=ref("TallyInput"),
        params=("eid", "pa", "level", "if_match"),
        responses={
            200: ref("TallySaved"),
            201: ref("TallySaved"),
            428: ref("Errors"),
            **ENTRY_ERRORS,
        },
        etag=(200, 201),
        tag="entry",
        example={
            "voters_total": 1000,
            "voters_voted": 400,
            "ballots_issued": 400,
            "ballots_received": 400,
            "ballots_valid": 390,
            "ballots_invalid": 10,
            "votes": {"1": 300, "2": 250, "3": 150, "4": 50},
        },
    )
    def put_tally(eid: str, pa: str, level: str):  # type: ignore[no-untyped-def]
        who = guard.require(Action.ENTER)
        election = state.election_id(eid)
        guard.area(election, pa, Action.ENTER)
        contest = level_of(level)
        data = body("TallyInput")
        expected, sent = if_match()
        sheet = TallyInput(
            polling_area=pa,
            level=contest,
            voters_total=data["voters_total"],
            voters_voted=data["voters_voted"],
            ballots_issued=data["ballots_issued"],
            ballots_received=data["ballots_received"],
            ballots_valid=data["ballots_valid"],
            ballots_invalid=data["ballots_invalid"],
            votes={int(k): v for k, v in data["votes"].items()},
            ballot_types={int(k): v for k, v in data["ballot_types"].items()}
            if data.get("ballot_types") is not None
            else None,
        )
        try:
            saved = save_tally_sheet(
                ctx.db,
                who.actor(),
                election,
                sheet,
                clock=ctx.clock,
                confirm=data.get("confirm") or (),
                reason=data.get("reason"),
                expected_version=expected,  # None: "I have seen no sheet"
            )
        except StaleVersion as stale:
            if sent is None:
                raise PreconditionRequired(current=stale.current) from None
            raise PreconditionFailed.of(stale, sent) from None
        with ctx.db.read() as s:
            row = reads.tally_sheet(s, election, pa, contest)
        assert row is not None  # it was just stored
        lang = current_lang()
        return reply(
            {
                "polling_area": pa,
                "level": str(contest),
                "constituency": row.constituency,
                "version": row.version,
                "status": outcome(saved),
                "warnings": [f.as_dict(lang) for f in saved.warnings],
                "confirmed_warnings": list(row.confirmed_warnings),
                "data_version": saved.data_version,
            },
            201 if saved.created else 200,
            etag=row.version,
        )
