"""Turnout batches through the write service, on SQLite and PostgreSQL.

A batch must answer and store exactly what sending its items one by one through
``submit_turnout`` would — checked on tables of cases and, with hypothesis, on
random batches against a twin election in the same database — while bumping the
data version once and using a number of statements that does not grow with it.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from data.db import Database
from data.models import AuditEvent, Election, PollingArea, ReportingWindow, TurnoutReport
from data.services.actor import Actor
from data.services.entry import close_entry, grant_window_exception
from data.services.errors import ServiceError, StaleVersion
from data.services.outcome import ANY_VERSION, Saved
from data.services.turnout import submit_turnout
from data.services.turnout_batch import ItemOutcome, TurnoutInput, TurnoutItem, submit_turnout_batch
from data.services.turnout_facts import TurnoutFacts
from tests.db.services_support import World, at, make_world
from tests.db.test_read_progress import statements
from tests.factories import make_small_election


@pytest.fixture
def w(db: Database) -> World:
    return make_world(db)


def item(
    area: str = "00004-01",
    window: str = "0900",
    total: int = 300,
    male: int | None = None,
    female: int | None = None,
    **kw: Any,
) -> TurnoutItem:
    return TurnoutItem(TurnoutInput(area, window, total, male, female), **kw)


def batch(
    w: World, items: list[TurnoutItem], actor: Actor | None = None, eid: int | None = None
) -> list[ItemOutcome]:
    return submit_turnout_batch(w.db, actor or w.commune_a, eid or w.eid, items, clock=w.clock)


def state(db: Database, eid: int) -> tuple[int, int, int]:
    """(turnout reports, audit events, data version) of one election."""
    with db.read() as s:
        return (
            s.scalar(select(func.count()).where(TurnoutReport.election_id == eid)),
            s.scalar(select(func.count()).where(AuditEvent.election_id == eid)),
            s.scalar(select(Election.data_version).where(Election.id == eid)),
        )


def kinds(outcomes: list[ItemOutcome]) -> list[str]:
    out = []
    for o in outcomes:
        if isinstance(o, Saved):
            out.append("created" if o.created else "updated" if o.changed else "unchanged")
        else:
            out.append(type(o).__name__)
    return out


# ----------------------------------------------------------------------------- tables


def test_each_item_is_answered_as_a_single_save_and_the_version_moves_once(w: World):
    submit_turnout(w.db, w.commune_a, w.eid, TurnoutInput("00004-03", "0900", 50), clock=w.clock)
    submit_turnout(w.db, w.commune_a, w.eid, TurnoutInput("00004-02", "0900", 100), clock=w.clock)
    before = state(w.db, w.eid)
    outcomes = batch(
        w,
        [
            item("00004-01", total=300, male=140, female=160),
            item("00004-02", total=900),  # T01: 800 registered
            item("00004-03", total=50),  # the same again
            item("00008-01", total=10),  # another commune
            item("99999-01", total=10),  # unknown
            item("00004-02", "2300", total=10),  # no such window
            item("00004-02", "opening", total=10),  # not a turnout window
            item("00004-02", "1100", total=10),  # not open yet
            item("00004-02", total=500),  # T06 warning, not confirmed
            item("00004-02", total=200, expected_version=2),  # stale: it is at version 1
            item("00004-02", total=520, confirm=("T06",), reason="Đã gọi điện xác minh"),
        ],
    )
    assert kinds(outcomes) == [
        "created",
        "RuleErrors",
        "unchanged",
        "Forbidden",
        "NotFound",
        "NotFound",
        "NotFound",
        "WindowClosed",
        "WarningsNotConfirmed",
        "StaleVersion",
        "updated",
    ]
    assert outcomes[1].codes == ["T01"]  # type: ignore[union-attr]
    assert outcomes[4].message("en") == "Polling area 99999-01 not found."  # type: ignore[union-attr]
    assert outcomes[6].message("en") == "Window opening not found."  # type: ignore[union-attr]
    assert outcomes[7].codes == ["T05"]  # type: ignore[union-attr]
    stale = outcomes[9]
    assert isinstance(stale, StaleVersion) and (stale.current, stale.submitted) == (1, 2)
    created, unchanged, updated = outcomes[0], outcomes[2], outcomes[10]
    assert isinstance(created, Saved) and isinstance(updated, Saved)
    assert isinstance(unchanged, Saved) and unchanged.data_version is None
    assert (created.version, updated.version, unchanged.version) == (1, 2, 1)
    assert [f.code for f in updated.warnings] == ["T06"]
    assert created.data_version == updated.data_version == before[2] + 1
    assert state(w.db, w.eid) == (before[0] + 1, before[1] + 2, before[2] + 1)
    with w.db.read() as s:
        row = s.scalar(select(TurnoutReport).where(TurnoutReport.id == updated.id))
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[-2:]
    assert (row.voted_total, row.confirmed_warnings, row.reason) == (
        520,
        ["T06"],
        "Đã gọi điện xác minh",
    )
    assert [(e.action, e.object_key) for e in events] == [
        ("turnout.create", "00004-01/0900"),
        ("turnout.update", "00004-02/0900"),
    ]
    assert events[1].before["voted_total"] == 100 and events[1].after["version"] == 2
    assert events[1].reason == "Đã gọi điện xác minh"


def test_two_items_for_one_report_create_then_update_it(w: World):
    outcomes = batch(w, [item(total=300), item(total=320), item(total=320)])
    assert kinds(outcomes) == ["created", "updated", "unchanged"]
    assert [o.version for o in outcomes] == [1, 2, 2]  # type: ignore[union-attr]
    assert len({o.id for o in outcomes}) == 1  # type: ignore[union-attr]
    with w.db.read() as s:
        row = s.scalar(select(TurnoutReport))
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert (row.voted_total, row.version) == (320, 2)
    assert [e.action for e in events] == ["turnout.create", "turnout.update"]
    assert events[1].before == events[0].after
    assert state(w.db, w.eid) == (1, 2, 1)


def test_a_later_window_is_checked_against_an_earlier_item_of_the_same_batch(w: World):
    w.clock.set(at("11:05"))
    grant_window_exception(
        w.db, w.province, w.eid, "00004", "0900", at("11:30"), clock=w.clock, reason="Mất điện"
    )
    outcomes = batch(
        w, [item(window="0900", total=400), item(window="1100", total=399), item(window="1100")]
    )
    assert kinds(outcomes) == ["created", "RuleErrors", "RuleErrors"]
    assert outcomes[1].codes == ["T04"]  # type: ignore[union-attr]
    outcomes = batch(w, [item(window="0900", total=300), item(window="1100", total=399)])
    assert kinds(outcomes) == ["updated", "created"]  # judged against the 300 just stored


def test_a_batch_that_changes_nothing_writes_nothing(w: World):
    batch(w, [item(total=300)])
    before = state(w.db, w.eid)
    outcomes = batch(w, [item(total=300), item(total=1001), item("00008-01")])
    assert kinds(outcomes) == ["unchanged", "RuleErrors", "Forbidden"]
    assert state(w.db, w.eid) == before


def test_closed_units_and_refused_actors_are_refused_per_item(w: World):
    close_entry(w.db, w.province, w.eid, "00008", clock=w.clock, reason="Đã đủ số liệu")
    outcomes = batch(w, [item("00008-01"), item("00004-01")], actor=w.province)
    assert kinds(outcomes) == ["EntryClosed", "created"]
    assert "tinh_hanoi" in outcomes[0].message("vi")  # type: ignore[union-attr]
    assert outcomes[1].data_version is not None  # type: ignore[union-attr]
    with w.db.read() as s:
        assert s.scalar(select(TurnoutReport.on_behalf)) is True
    for who in (w.admin, w.leader, w.commune_b):
        assert kinds(batch(w, [item("00004-02")], actor=who)) == ["Forbidden"]


def test_an_unknown_election_refuses_every_item(w: World):
    assert kinds(batch(w, [item(), item("00004-02")], eid=w.eid + 1000)) == ["NotFound"] * 2


def _refuse_total(db: Database, total: int) -> None:
    """A trigger making the database itself refuse rows with this total."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_total BEFORE INSERT ON turnout_report"
                    f" WHEN NEW.voted_total = {total} BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_total() RETURNS trigger LANGUAGE plpgsql AS $$"
                    f" BEGIN IF NEW.voted_total = {total} THEN RAISE EXCEPTION 'refused';"
                    " END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_total BEFORE INSERT ON turnout_report"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_total()"
                )
            )


@pytest.fixture
def refusing_db(db: Database):  # type: ignore[no-untyped-def]
    _refuse_total(db, 333)
    yield db
    with db.engine.begin() as conn:
        conn.execute(
            text("DROP TRIGGER refuse_total" + ("" if db.is_sqlite else " ON turnout_report"))
        )
        if not db.is_sqlite:
            conn.execute(text("DROP FUNCTION refuse_total()"))


def test_a_row_the_database_refuses_refuses_only_that_item(refusing_db: Database):
    w = make_world(refusing_db)
    outcomes = batch(
        w, [item("00004-01", total=300), item("00004-02", total=333), item("00004-03")]
    )
    assert kinds(outcomes[0::2]) == ["created", "created"]
    assert isinstance(outcomes[1], DBAPIError)
    with w.db.read() as s:
        stored = s.scalars(select(TurnoutReport.voted_total).order_by(TurnoutReport.id)).all()
        actions = s.scalars(select(AuditEvent.object_key).order_by(AuditEvent.id)).all()
    assert stored == [300, 300]
    assert actions == ["00004-01/0900", "00004-03/0900"]
    assert state(w.db, w.eid)[2] == 1
    with pytest.raises(DBAPIError):  # a single save raises it
        submit_turnout(
            w.db, w.commune_a, w.eid, TurnoutInput("00004-02", "0900", 333), clock=w.clock
        )


def test_a_report_stored_by_someone_else_meanwhile_is_judged_against_theirs(
    w: World, monkeypatch: pytest.MonkeyPatch
):
    """The batch's first look missed a report another writer was storing: its insert
    collides, and the batch is judged again against the stored report."""
    submit_turnout(w.db, w.province, w.eid, TurnoutInput("00004-01", "0900", 300), clock=w.clock)
    load = TurnoutFacts.load
    looks = []

    def first_look_misses_it(*args: Any, **kw: Any) -> TurnoutFacts:
        facts = load(*args, **kw)
        if not looks:
            facts.reports.pop((w.e.area_ids["00004-01"], w.e.window_ids["0900"]))
        looks.append(facts)
        return facts

    monkeypatch.setattr(TurnoutFacts, "load", first_look_misses_it)
    outcomes = batch(
        w,
        [item("00004-02", total=200), item("00004-01", total=300), item("00004-01", total=310)],
        actor=w.province,
    )
    assert len(looks) == 2
    assert kinds(outcomes) == ["created", "unchanged", "updated"]
    assert outcomes[2].version == 2  # type: ignore[union-attr]
    assert state(w.db, w.eid) == (2, 3, 2)


@pytest.mark.postgres
def test_concurrent_batches_over_the_same_reports_store_each_once(pg_db: Database):
    w = make_world(pg_db)
    areas = ["00004-01", "00004-02", "00004-03"]
    forward = [item(a, total=100 + i) for i, a in enumerate(areas)]
    results: list[Any] = [None, None]
    barrier = threading.Barrier(2)

    def send(i: int) -> None:
        barrier.wait()
        results[i] = batch(w, forward if i == 0 else forward[::-1], actor=w.province)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    flat = kinds(results[0]) + kinds(results[1])
    assert sorted(flat) == ["created"] * 3 + ["unchanged"] * 3
    assert state(w.db, w.eid)[:2] == (3, 3)


def _add_areas(db: Database, w: World, n: int) -> list[str]:
    codes = [f"00004-{i:04d}" for i in range(100, 100 + n)]
    with db.write() as s:
        s.execute(
            insert(PollingArea),
            [
                {
                    "election_id": w.eid,
                    "unit_id": w.e.unit_ids["00004"],
                    "code": code,
                    "name": code,
                    "registered_total": 1000,
                    "registered_male": 500,
                    "registered_female": 500,
                }
                for code in codes
            ],
        )
    return codes


def test_a_batch_uses_the_same_few_statements_whatever_its_size(w: World):
    codes = _add_areas(w.db, w, 1000)
    counted = []
    for size, start in ((5, 0), (500, 5)):
        chosen = codes[start : start + size]
        # Half new, half updates of reports stored beforehand, plus refusals of every kind.
        batch(w, [item(code, total=100) for code in chosen[::2]])
        items = [item(code, total=200) for code in chosen]
        items += [item("99999-01"), item("00008-01"), item(chosen[0], "1100")]
        items += [item(chosen[0], total=2000), item(chosen[-1], total=200)]
        with statements(w.db) as seen:
            outcomes = batch(w, items)
        assert kinds(outcomes)[len(chosen) :] == [
            "NotFound",
            "Forbidden",
            "WindowClosed",
            "RuleErrors",
            "unchanged",
        ]
        assert kinds(outcomes).count("updated") == len(chosen[::2])
        counted.append(len(seen))
    assert counted[0] == counted[1] <= 16, counted


# ------------------------------------------------------------------- the property

# Few areas, mostly the two windows open for 00004 and mostly valid figures, so items often
# meet the same report (or its earlier window's) within a batch; the rest covers refusals.
AREA_CODES = ["00004-01", "00004-01", "00004-02", "00008-01", "99999-01"]
OPEN_KEYS = ["0900", "1100"]
WINDOW_KEYS = OPEN_KEYS * 3 + ["1300", "opening", "2300"]
TOTALS = [-1, 0, 100, 240, 300, 300, 450, 500, 650, 1000, 1001]
SPLITS = ["none"] * 4 + ["even"] * 2 + ["odd", "half"]
VERSIONS = [ANY_VERSION] * 5 + [None, 1, 2]


@st.composite
def items(draw: st.DrawFn) -> TurnoutItem:
    total = draw(st.sampled_from(TOTALS))
    split = draw(st.sampled_from(SPLITS))
    male = None if split == "none" else total // 2
    female = {"none": None, "even": total - total // 2, "odd": total // 2 + 7, "half": None}[split]
    confirmed = draw(st.booleans())
    return item(
        draw(st.sampled_from(AREA_CODES)),
        draw(st.sampled_from(WINDOW_KEYS)),
        total,
        male,
        female,
        confirm=("T06",) if confirmed else (),
        reason=draw(st.sampled_from([None, " ", "Đã xác minh"])) if confirmed else None,
        expected_version=draw(st.sampled_from(VERSIONS)),
    )


@st.composite
def batches(draw: st.DrawFn) -> list[TurnoutItem]:
    """Items, then follow-ups: an earlier item again, in an open window, with a total."""
    sent = draw(st.lists(items(), min_size=1, max_size=8))
    follow_ups = st.tuples(
        st.integers(0, len(sent) - 1), st.sampled_from(OPEN_KEYS), st.sampled_from(TOTALS)
    )
    for index, key, total in draw(st.lists(follow_ups, max_size=6)):
        earlier = sent[index]
        sent.append(replace(earlier, report=replace(earlier.report, window=key, voted_total=total)))
    return sent


def _outcome_key(db: Database, outcome: ItemOutcome) -> tuple[Any, ...]:
    if isinstance(outcome, Saved):
        with db.read() as s:
            row = s.execute(
                select(PollingArea.code, ReportingWindow.key)
                .join(TurnoutReport, TurnoutReport.polling_area_id == PollingArea.id)
                .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
                .where(TurnoutReport.id == outcome.id)
            ).one()
        codes = [f.code for f in outcome.warnings]
        return ("saved", tuple(row), outcome.version, outcome.created, outcome.changed, codes)
    assert isinstance(outcome, ServiceError), outcome
    extra = (outcome.stored, outcome.sent) if isinstance(outcome, StaleVersion) else ()
    return (type(outcome).__name__, outcome.errors("vi"), outcome.errors("en"), *extra)


def _reports(db: Database, eid: int) -> dict[tuple[str, str], tuple[Any, ...]]:
    with db.read() as s:
        rows = s.execute(
            select(PollingArea.code, ReportingWindow.key, TurnoutReport)
            .join(PollingArea, TurnoutReport.polling_area_id == PollingArea.id)
            .join(ReportingWindow, TurnoutReport.window_id == ReportingWindow.id)
            .where(TurnoutReport.election_id == eid)
        ).all()
    return {
        (code, key): (
            r.voted_total,
            r.voted_male,
            r.voted_female,
            r.version,
            r.confirmed_warnings,
            r.reason,
            r.entered_by_id,
            r.on_behalf,
            r.created_at,
            r.updated_at,
        )
        for code, key, r in rows
    }


def _audit(db: Database, eid: int) -> list[tuple[Any, ...]]:
    with db.read() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.election_id == eid).order_by(AuditEvent.id)
        ).all()
    return [
        (
            *(e.at, e.user_id, e.username, e.role, e.address, e.action, e.object_type),
            *(e.object_key, e.unit_path, e.before, e.after, e.reason),
        )
        for e in events
    ]


_names = itertools.count()


def _twin_election(w: World, closed: bool) -> int:
    eid = make_small_election(w.db, f"Bầu cử song sinh {next(_names)}").election_id
    grant_window_exception(
        w.db, w.province, eid, "00004", "0900", at("11:30"), clock=w.clock, reason="Mất điện"
    )
    if closed:
        close_entry(w.db, w.province, eid, "00008", clock=w.clock, reason="Đủ số liệu")
    return eid


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    who=st.sampled_from(["commune_a", "commune_a", "province", "commune_b"]),
    closed=st.booleans(),
    earlier=st.lists(items(), max_size=4),
    sent=batches(),
)
def test_a_batch_equals_its_items_sent_one_by_one(
    w: World, who: str, closed: bool, earlier: list[TurnoutItem], sent: list[TurnoutItem]
):
    """At 11:05, with a late exception for 00004 at 09:00 (so it has two open windows)
    and maybe 00008 closed: reports stored beforehand, then the batch."""
    w.clock.set(at("11:05"))
    actor = getattr(w, who)
    as_batch, one_by_one = _twin_election(w, closed), _twin_election(w, closed)
    for eid in (as_batch, one_by_one):
        for it in earlier:
            batch(w, [it], actor=actor, eid=eid)
    start = state(w.db, as_batch)[2]
    assert state(w.db, one_by_one)[2] == start

    batched = batch(w, sent, actor=actor, eid=as_batch)
    singly: list[ItemOutcome] = []
    for it in sent:
        try:
            singly.append(
                submit_turnout(
                    w.db,
                    actor,
                    one_by_one,
                    it.report,
                    clock=w.clock,
                    confirm=it.confirm,
                    reason=it.reason,
                    expected_version=it.expected_version,
                )
            )
        except ServiceError as refused:
            singly.append(refused)

    assert [_outcome_key(w.db, o) for o in batched] == [_outcome_key(w.db, o) for o in singly]
    assert _reports(w.db, as_batch) == _reports(w.db, one_by_one)
    assert _audit(w.db, as_batch) == _audit(w.db, one_by_one)
    changes = sum(1 for o in singly if isinstance(o, Saved) and o.changed)
    assert state(w.db, one_by_one)[2] == start + changes
    assert state(w.db, as_batch)[2] == start + (1 if changes else 0)
    versions = {o.data_version for o in batched if isinstance(o, Saved) and o.changed}
    assert versions == ({start + 1} if changes else set())
