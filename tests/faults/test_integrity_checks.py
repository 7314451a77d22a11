"""The fault tests' checks catch what they are there to catch (no database, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from data.models import AuditEvent
from tests.faults.integrity import (
    Ledger,
    check_acknowledged,
    check_all_or_nothing,
    check_chains,
    check_totals,
)
from tests.faults.workload import Submission

KEY = ("tally", "00001-01/QH")
FIRST = {
    "voters_total": 900,
    "voters_voted": 400,
    "ballots_issued": 400,
    "ballots_received": 400,
    "ballots_valid": 392,
    "ballots_invalid": 8,
    "votes": {"1": 300, "2": 250, "3": 200},
}
SECOND = {**FIRST, "votes": {"1": 297, "2": 253, "3": 200}}


def event(number: int, action: str, after: dict[str, Any], before: dict[str, Any] | None) -> Any:
    return AuditEvent(
        id=number, action=f"tally.{action}", object_key=KEY[1], before=before, after=after
    )


def chain(*events: Any) -> dict[tuple[str, str], list[Any]]:
    return {KEY: list(events)}


CREATED = event(1, "create", {**FIRST, "version": 1}, None)
UPDATED = event(2, "update", {**SECOND, "version": 2}, {**FIRST, "version": 1})
GOOD = Ledger({KEY: {**SECOND, "version": 2}}, chain(CREATED, UPDATED))


def test_a_sound_ledger_passes() -> None:
    check_chains(GOOD)
    check_totals(GOOD)
    acknowledged = [
        Submission("tally", "00001-01", FIRST, status=201, version=1),
        Submission("tally", "00001-01", SECOND, if_match=1, status=200, version=2),
    ]
    assert check_acknowledged(GOOD, acknowledged) == 2


@pytest.mark.parametrize(
    "ledger",
    [
        # half a sheet: the counts of the correction, the votes of the first entry
        Ledger({KEY: {**SECOND, "votes": FIRST["votes"], "version": 2}}, GOOD.events),
        # a retry stored twice
        Ledger(
            {KEY: {**FIRST, "version": 1}},
            chain(CREATED, event(2, "create", {**FIRST, "version": 1}, None)),
        ),
        # a version skipped
        Ledger(
            {KEY: {**SECOND, "version": 3}},
            chain(CREATED, event(2, "update", {**SECOND, "version": 3}, {**FIRST, "version": 1})),
        ),
        # stored, never audited
        Ledger({KEY: {**FIRST, "version": 1}}, {}),
    ],
    ids=["half-written", "stored-twice", "version-gap", "unaudited"],
)
def test_a_broken_ledger_is_caught(ledger: Ledger) -> None:
    with pytest.raises(AssertionError):
        check_chains(ledger)


def test_stored_totals_must_replay_from_the_audit_log() -> None:
    with pytest.raises(AssertionError):
        check_totals(Ledger({KEY: {**FIRST, "version": 2}}, GOOD.events))


def test_an_acknowledged_write_must_be_stored_once_at_its_version() -> None:
    lost = Submission("tally", "00001-01", {**FIRST, "ballots_invalid": 9}, status=201, version=1)
    with pytest.raises(AssertionError):
        check_acknowledged(GOOD, [lost])
    wrong_version = Submission("tally", "00001-01", SECOND, status=200, version=3)
    with pytest.raises(AssertionError):
        check_acknowledged(GOOD, [wrong_version])
    superseded = Submission("tally", "00001-01", FIRST, status=201, version=1)
    with pytest.raises(AssertionError):  # acknowledged last, yet not what is stored
        check_acknowledged(GOOD, [superseded])


def test_an_unacknowledged_write_is_stored_whole_or_not_at_all() -> None:
    sent = Submission("tally", "00001-01", FIRST)
    assert check_all_or_nothing(Ledger({}, {}), [sent]) == {KEY: False}
    stored = Ledger({KEY: {**FIRST, "version": 1}}, chain(CREATED))
    assert check_all_or_nothing(stored, [sent]) == {KEY: True}
    for broken in (
        Ledger({KEY: {**FIRST, "version": 1}}, {}),  # stored without its audit row
        Ledger({KEY: {**SECOND, "version": 1}}, chain(CREATED)),  # audited as sent, not stored
    ):
        with pytest.raises(AssertionError):
            check_all_or_nothing(broken, [sent])
