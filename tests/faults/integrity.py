"""What must hold after a fault: the stored entries, the audit log and the data version agree.

* one row per (area, window) and per (area, level);
* every stored row has an unbroken audit chain — created at version 1, each
  update's ``before`` is the previous ``after`` at the next version — whose last
  ``after`` is exactly the stored row (a half-written sheet cannot match);
* the totals reconstructed by replaying the audit log equal the stored totals;
* the data version moved by exactly the number of entry writes audited;
* every acknowledged submission was written exactly once, at the version answered,
  and the last one acknowledged for a record is what is stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from data.db import Database
from data.models import (
    AuditEvent,
    Election,
    PollingArea,
    ReportingWindow,
    TallySheet,
    TallyVote,
    TurnoutReport,
)
from tests.faults.workload import Submission

TURNOUT_FIELDS = ("voted_total", "voted_male", "voted_female")
TALLY_FIELDS = (
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)
ENTRY_ACTIONS = ("turnout.create", "turnout.update", "tally.create", "tally.update")

Key = tuple[str, str]  # ("turnout" | "tally", "AREA/WINDOW" | "AREA/LEVEL")


def figures(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The figures a submission carries, from a request body, an audit snapshot or a row."""
    if kind == "turnout":
        return {name: values.get(name) for name in TURNOUT_FIELDS}
    votes = {str(k): int(v) for k, v in (values.get("votes") or {}).items()}
    return {**{name: values[name] for name in TALLY_FIELDS}, "votes": dict(sorted(votes.items()))}


@dataclass(frozen=True)
class Baseline:
    data_version: int
    audit_id: int


@dataclass(frozen=True)
class Ledger:
    stored: dict[Key, dict[str, Any]]  # figures and "version" of every stored record
    events: dict[Key, list[AuditEvent]]  # every entry event of each record, in order


def baseline(db: Database, election_id: int) -> Baseline:
    with db.read() as s:
        version = s.scalar(select(Election.data_version).where(Election.id == election_id))
        audit_id = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    return Baseline(int(version or 0), int(audit_id or 0))


def read_ledger(db: Database, election_id: int) -> Ledger:
    stored: dict[Key, dict[str, Any]] = {}
    with db.read() as s:
        turnout = s.execute(
            select(TurnoutReport, PollingArea.code, ReportingWindow.key)
            .join(PollingArea, TurnoutReport.polling_area_id == PollingArea.id)
            .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
            .where(TurnoutReport.election_id == election_id)
        ).all()
        for row, area, window in turnout:
            values = {name: getattr(row, name) for name in TURNOUT_FIELDS}
            stored["turnout", f"{area}/{window}"] = {**values, "version": row.version}
        votes: dict[int, dict[str, int]] = defaultdict(dict)
        for sheet_id, candidate_id, n in s.execute(
            select(TallyVote.sheet_id, TallyVote.candidate_id, TallyVote.votes)
            .join(TallySheet, TallyVote.sheet_id == TallySheet.id)
            .where(TallySheet.election_id == election_id)
        ):
            votes[sheet_id][str(candidate_id)] = n
        sheets = s.execute(
            select(TallySheet, PollingArea.code)
            .join(PollingArea, TallySheet.polling_area_id == PollingArea.id)
            .where(TallySheet.election_id == election_id)
        ).all()
        for sheet, area in sheets:
            values = {name: getattr(sheet, name) for name in TALLY_FIELDS}
            stored["tally", f"{area}/{sheet.level}"] = {
                **figures("tally", {**values, "votes": votes[sheet.id]}),
                "version": sheet.version,
            }
        events: dict[Key, list[AuditEvent]] = defaultdict(list)
        for event in s.scalars(
            select(AuditEvent)
            .where(AuditEvent.election_id == election_id, AuditEvent.action.in_(ENTRY_ACTIONS))
            .order_by(AuditEvent.id)
        ):
            events[event.action.split(".")[0], event.object_key or ""].append(event)
    return Ledger(stored, dict(events))


def check_one_row_each(db: Database, election_id: int) -> None:
    with db.read() as s:
        twice = s.execute(
            select(TurnoutReport.polling_area_id, TurnoutReport.window_id)
            .where(TurnoutReport.election_id == election_id)
            .group_by(TurnoutReport.polling_area_id, TurnoutReport.window_id)
            .having(func.count() > 1)
        ).all()
        twice += s.execute(
            select(TallySheet.polling_area_id, TallySheet.level)
            .where(TallySheet.election_id == election_id)
            .group_by(TallySheet.polling_area_id, TallySheet.level)
            .having(func.count() > 1)
        ).all()
    assert not twice, f"records stored more than once: {twice}"


def check_chains(ledger: Ledger) -> None:
    """Every stored record is the end of an unbroken audit chain, and every chain ends in one."""
    problems = []
    for key in sorted(set(ledger.stored) | set(ledger.events)):
        kind = key[0]
        chain = ledger.events.get(key, [])
        stored = ledger.stored.get(key)
        if stored is None or not chain:
            problems.append(f"{key}: stored {stored is not None}, {len(chain)} audit events")
            continue
        previous: dict[str, Any] | None = None
        for event in chain:
            after = event.after or {}
            expected_action = f"{kind}.create" if previous is None else f"{kind}.update"
            expected_version = 1 if previous is None else previous["version"] + 1
            before = None if event.before is None else figures(kind, event.before)
            if (
                event.action != expected_action
                or after.get("version") != expected_version
                or before != (None if previous is None else figures(kind, previous))
            ):
                problems.append(f"{key}: audit chain broken at event #{event.id} {event.action}")
                break
            previous = after
        else:
            assert previous is not None
            last = {**figures(kind, previous), "version": previous["version"]}
            if last != stored:
                problems.append(f"{key}: stored {stored} ≠ last audited {last}")
    assert not problems, "\n".join(problems)


def check_totals(ledger: Ledger) -> None:
    """Replaying the audit log gives the stored totals: turnout, valid ballots, votes."""
    replayed: dict[Key, dict[str, Any]] = {}
    for key, chain in ledger.events.items():
        for event in chain:
            replayed[key] = figures(key[0], event.after or {})

    def totals(records: dict[Key, dict[str, Any]]) -> Counter[str]:
        sums: Counter[str] = Counter()
        for (kind, _), values in records.items():
            if kind == "turnout":
                sums["voted_total"] += values["voted_total"]
                sums["voted_male"] += values["voted_male"] or 0
                sums["voted_female"] += values["voted_female"] or 0
            else:
                sums["ballots_valid"] += values["ballots_valid"]
                sums["ballots_invalid"] += values["ballots_invalid"]
                for candidate, n in values["votes"].items():
                    sums[f"votes:{candidate}"] += n
        return sums

    stored = totals(ledger.stored)
    assert stored == totals(replayed), "stored totals differ from the audit log's"
    assert sum(stored.values()) > 0, "nothing stored"


def check_data_version(db: Database, election_id: int, since: Baseline) -> int:
    """Each audited entry write since ``since`` bumped the data version once; nothing else did."""
    now = baseline(db, election_id)
    with db.read() as s:
        writes = s.scalar(
            select(func.count()).where(
                AuditEvent.election_id == election_id,
                AuditEvent.id > since.audit_id,
                AuditEvent.action.in_(ENTRY_ACTIONS),
            )
        )
    assert now.data_version - since.data_version == writes, (
        f"data version {since.data_version} → {now.data_version} for {writes} audited writes"
    )
    return now.data_version


def check_acknowledged(ledger: Ledger, submissions: Iterable[Submission]) -> int:
    """Each acknowledged submission is audited exactly once, at the version it was answered;
    the last acknowledged submission of each record is what is stored. Returns how many."""
    problems = []
    last: dict[Key, Submission] = {}
    count = 0
    for sub in submissions:
        if sub.status is None:
            continue
        count += 1
        last[sub.key] = sub
        sent = figures(sub.kind, sub.body)
        writes = [
            e for e in ledger.events.get(sub.key, []) if figures(sub.kind, e.after or {}) == sent
        ]
        if len(writes) != 1 or (writes[0].after or {}).get("version") != sub.version:
            versions = [(e.after or {}).get("version") for e in writes]
            problems.append(
                f"{sub.key} answered {sub.status} v{sub.version}: audited at versions {versions}"
            )
    for key, sub in last.items():
        stored = ledger.stored.get(key)
        if stored != {**figures(sub.kind, sub.body), "version": sub.version}:
            problems.append(f"{key}: stored {stored}, last acknowledged v{sub.version} {sub.body}")
    assert not problems, "\n".join(problems)
    return count


def check_all_or_nothing(ledger: Ledger, submissions: Iterable[Submission]) -> dict[Key, bool]:
    """An unacknowledged submission was stored whole (audited once, as sent) or not at all.

    Returns, per record, whether the submission was stored.
    """
    problems = []
    stored_whole: dict[Key, bool] = {}
    for sub in submissions:
        sent = figures(sub.kind, sub.body)
        chain = ledger.events.get(sub.key, [])
        writes = [e for e in chain if figures(sub.kind, e.after or {}) == sent]
        stored = ledger.stored.get(sub.key)
        if len(writes) > 1 or len(chain) != len(writes):
            problems.append(f"{sub.key}: {len(chain)} audit events, {len(writes)} as sent")
        elif writes and stored != {**sent, "version": 1}:
            problems.append(f"{sub.key}: audited as sent but stored {stored}")
        elif not writes and stored is not None:
            problems.append(f"{sub.key}: not audited but stored {stored}")
        stored_whole[sub.key] = bool(writes)
    assert not problems, "\n".join(problems)
    return stored_whole


def check_ledger(db: Database, election_id: int, since: Baseline) -> Ledger:
    """The checks every fault ends with; the ledger for the fault's own ones."""
    check_one_row_each(db, election_id)
    ledger = read_ledger(db, election_id)
    check_chains(ledger)
    check_totals(ledger)
    check_data_version(db, election_id, since)
    return ledger
