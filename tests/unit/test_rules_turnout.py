"""Turnout report rules (data/rules/turnout.py): R01, T01–T06."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from data.rules.findings import Finding, Severity, codes, errors, warnings
from data.rules.turnout import Registered, TurnoutFigures, check_turnout, check_window_time

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REG = Registered(total=1000, male=480, female=520)
MORNING = time(9, 0)
EVENING = time(17, 0)
F = TurnoutFigures


def check(
    figures: TurnoutFigures,
    previous: TurnoutFigures | None = None,
    *,
    registered: Registered = REG,
    due_at: time = EVENING,
) -> list[Finding]:
    return check_turnout(figures, registered, previous, due_at=due_at)


# Each row: figures, previous, due_at, expected codes (in order). Rows come in
# pairs either side of a boundary. Previous None counts as 0 for T06.
CASES = [
    # plain, fine
    ("ok", F(400), F(300), EVENING, []),
    ("ok split", F(400, 200, 200), F(300, 150, 150), EVENING, []),
    ("zero", F(0), None, MORNING, []),
    ("zero split", F(0, 0, 0), None, MORNING, []),
    # R01 (0 is fine, -1 is not)
    ("R01 total", F(-1), None, EVENING, ["R01"]),
    ("R01 male", F(10, -1, 11), F(5, 0, 5), EVENING, ["R01"]),
    ("R01 female", F(10, 11, -1), F(5, 5, 0), EVENING, ["R01"]),
    # T01: voted == registered passes, registered + 1 fails
    ("T01 at limit", F(1000), F(600), EVENING, []),
    ("T01 over", F(1001), F(600), EVENING, ["T01"]),
    # T02: male + female == total passes, off by one either way fails
    ("T02 equal", F(600, 300, 300), F(500), EVENING, []),
    ("T02 one more", F(600, 301, 300), F(500), EVENING, ["T02"]),
    ("T02 one less", F(600, 299, 300), F(500), EVENING, ["T02"]),
    ("T02 male only", F(600, 300, None), F(500), EVENING, ["T02"]),
    ("T02 female only", F(600, None, 300), F(500), EVENING, ["T02"]),
    # T03: male == registered male passes, +1 fails (and the same for female)
    ("T03 male at limit", F(600, 480, 120), F(500), EVENING, []),
    ("T03 male over", F(600, 481, 119), F(500), EVENING, ["T03"]),
    ("T03 female at limit", F(600, 80, 520), F(500), EVENING, []),
    ("T03 female over", F(600, 79, 521), F(500), EVENING, ["T03"]),
    # T04: equal to the previous window passes, one less fails
    ("T04 equal", F(500), F(500), EVENING, []),
    ("T04 lower", F(499), F(500), EVENING, ["T04"]),
    ("T04 male lower", F(500, 249, 251), F(499, 250, 249), EVENING, ["T04"]),
    ("T04 female lower", F(500, 251, 249), F(499, 249, 250), EVENING, ["T04"]),
    ("T04 split vs total only", F(500, 250, 250), F(499), EVENING, []),
    # T06 jump: exactly 50 points passes, 50.1 warns; previous None counts as 0
    ("T06 jump 50", F(800), F(300), EVENING, []),
    ("T06 jump 50.1", F(801), F(300), EVENING, ["T06"]),
    ("T06 first window 50", F(500), None, MORNING, []),
    ("T06 first window 50.1", F(501), None, MORNING, ["T06"]),
    # T06 100 % before 15:00
    ("T06 full at 13:00", F(1000), F(900), time(13, 0), ["T06"]),
    ("T06 999 at 13:00", F(999), F(900), time(13, 0), []),
    ("T06 full at 14:59", F(1000), F(900), time(14, 59), ["T06"]),
    ("T06 full at 15:00", F(1000), F(900), time(15, 0), []),
    ("T06 full at 17:00", F(1000), F(900), EVENING, []),
]


@pytest.mark.parametrize(
    ("figures", "previous", "due_at", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_boundaries(
    figures: TurnoutFigures,
    previous: TurnoutFigures | None,
    due_at: time,
    expected: list[str],
) -> None:
    assert codes(check(figures, previous, due_at=due_at)) == expected


def test_t01_finding_details() -> None:
    [f] = check(F(1001), F(900))
    assert f.code == "T01"
    assert f.severity is Severity.ERROR
    assert f.fields == ("voted_total",)
    assert f.params == {"voted": 1001, "registered": 1000}
    assert f.message() == (
        "Số cử tri đã đi bầu (1.001) lớn hơn tổng số cử tri của khu vực bỏ phiếu (1.000)."
    )


def test_t02_fields() -> None:
    [f] = check(F(600, 301, 300), F(500))
    assert f.fields == ("voted_male", "voted_female", "voted_total")
    assert f.params == {"male": 301, "female": 300, "sum": 601, "total": 600}
    [missing_female] = check(F(600, 300, None), F(500))
    assert missing_female.fields == ("voted_female",)
    [missing_male] = check(F(600, None, 300), F(500))
    assert missing_male.fields == ("voted_male",)
    assert "nam" in missing_male.message() and "male" in missing_male.message("en")


def test_t03_both_sides() -> None:
    found = check(F(1000, 481, 519), registered=Registered(1000, 480, 520))
    # 481 + 519 == 1000, male over its own register
    assert [(f.code, f.fields) for f in errors(found)] == [("T03", ("voted_male",))]
    found = check(F(1000, 500, 500), registered=Registered(1000, 490, 490))
    assert [(f.code, f.fields) for f in found if f.code == "T03"] == [
        ("T03", ("voted_male",)),
        ("T03", ("voted_female",)),
    ]


def test_t04_points_at_each_decreasing_field() -> None:
    found = check(F(400, 200, 200), F(500, 250, 250))
    assert [(f.code, f.fields) for f in found] == [
        ("T04", ("voted_total",)),
        ("T04", ("voted_male",)),
        ("T04", ("voted_female",)),
    ]
    assert found[0].params == {"field": "voted_total", "value": 400, "previous": 500}


def test_t06_is_a_warning_and_both_reasons_are_reported() -> None:
    found = check(F(1000), F(400), due_at=MORNING)
    assert [f.code for f in found] == ["T06", "T06"]
    assert errors(found) == []
    assert warnings(found) == found
    jump, full = found
    assert jump.params["jump"] == 60
    assert full.params["due_at"] == MORNING
    assert "60,00 điểm phần trăm" in jump.message()
    assert "09:00" in full.message()


def test_t06_ignores_empty_register() -> None:
    assert check(F(0), None, registered=Registered(0, 0, 0), due_at=MORNING) == []
    assert codes(check(F(1), None, registered=Registered(0, 0, 0))) == ["T01"]


def test_r01_skips_rules_that_read_the_negative_count() -> None:
    # Choice: a negative count gets R01 only; rules reading it (T01–T04, T06)
    # are skipped, rules over the other counts still run.
    found = check(F(-5, 3, 2), F(10, 5, 5))
    assert [(f.code, f.fields) for f in found] == [
        ("R01", ("voted_total",)),
        ("T04", ("voted_male",)),
        ("T04", ("voted_female",)),
    ]
    found = check(F(600, -1, 700), F(10, 5, 5))
    assert [(f.code, f.fields) for f in found] == [
        ("R01", ("voted_male",)),
        ("T03", ("voted_female",)),
        ("T06", ("voted_total",)),
    ]
    assert found[0].params == {"field": "voted_male", "value": -1}


def test_aware_due_at_is_accepted() -> None:
    due = time(9, 0, tzinfo=TZ)
    assert codes(check(F(1000), F(900), due_at=due)) == ["T06"]


# --- window time (T05) -------------------------------------------------------

OPENS = datetime(2026, 3, 15, 8, 45, tzinfo=TZ)
CLOSES = datetime(2026, 3, 15, 9, 15, tzinfo=TZ)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "exception_until", "expected"),
    [
        (OPENS - SECOND, None, ["T05"]),
        (OPENS, None, []),
        (OPENS + timedelta(minutes=10), None, []),
        (CLOSES, None, []),
        (CLOSES + SECOND, None, ["T05"]),
        # an exception lets a late unit in until it ends …
        (CLOSES + SECOND, CLOSES + timedelta(hours=1), []),
        (CLOSES + timedelta(hours=1), CLOSES + timedelta(hours=1), []),
        (CLOSES + timedelta(hours=1) + SECOND, CLOSES + timedelta(hours=1), ["T05"]),
        # … but never opens the window early
        (OPENS - SECOND, CLOSES + timedelta(hours=1), ["T05"]),
        # an exception ending before the window closes does not shorten it
        (CLOSES, OPENS + timedelta(minutes=5), []),
    ],
)
def test_window_time(now: datetime, exception_until: datetime | None, expected: list[str]) -> None:
    assert codes(check_window_time(now, OPENS, CLOSES, exception_until)) == expected


def test_window_time_other_zone_and_message() -> None:
    utc_now = datetime(2026, 3, 15, 2, 16, tzinfo=UTC)  # 09:16 in Hà Nội
    [f] = check_window_time(utc_now, OPENS, CLOSES)
    assert f.code == "T05"
    assert f.fields == ("window",)
    assert "09:15" in f.message() and "09:16" in f.message()
    [early] = check_window_time(OPENS - timedelta(minutes=30), OPENS, CLOSES)
    assert "08:45" in early.message() and "08:15" in early.message()
    assert "Chưa đến" in early.message()


def test_window_time_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError):
        check_window_time(datetime(2026, 3, 15, 9, 0), OPENS, CLOSES)


# --- properties ---------------------------------------------------------------


@st.composite
def cumulative_reports(draw: st.DrawFn) -> tuple[Registered, list[TurnoutFigures]]:
    """A register and a non-decreasing sequence of reports within it."""
    male = draw(st.integers(0, 2000))
    female = draw(st.integers(0, 2000))
    registered = Registered(male + female, male, female)
    n = draw(st.integers(1, 7))
    males = sorted(draw(st.lists(st.integers(0, male), min_size=n, max_size=n)))
    females = sorted(draw(st.lists(st.integers(0, female), min_size=n, max_size=n)))
    split = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    reports = [
        TurnoutFigures(m + f, m, f) if with_split else TurnoutFigures(m + f)
        for m, f, with_split in zip(males, females, split, strict=True)
    ]
    return registered, reports


WINDOW_TIMES = [time(9), time(11), time(13), time(15), time(17), time(19), time(19)]


@given(cumulative_reports())
def test_non_decreasing_reports_within_register_never_error(
    case: tuple[Registered, list[TurnoutFigures]],
) -> None:
    registered, reports = case
    previous = None
    for report, due_at in zip(reports, WINDOW_TIMES, strict=False):
        found = check_turnout(report, registered, previous, due_at=due_at)
        assert errors(found) == []
        assert set(codes(found)) <= {"T06"}
        previous = report


@given(cumulative_reports(), st.data())
def test_a_decrease_gives_t04(
    case: tuple[Registered, list[TurnoutFigures]], data: st.DataObject
) -> None:
    registered, reports = case
    previous = reports[-1]
    assume(previous.total > 0)
    lower = data.draw(st.integers(0, previous.total - 1))
    found = check_turnout(TurnoutFigures(lower), registered, previous, due_at=EVENING)
    assert codes(errors(found)) == ["T04"]
    [t04] = errors(found)
    assert t04.fields == ("voted_total",)
    assert t04.params == {"field": "voted_total", "value": lower, "previous": previous.total}


@given(cumulative_reports(), st.integers(1, 50))
def test_over_register_gives_t01(case: tuple[Registered, list[TurnoutFigures]], extra: int) -> None:
    registered, reports = case
    found = check_turnout(
        TurnoutFigures(registered.total + extra), registered, reports[-1], due_at=EVENING
    )
    assert codes(errors(found)) == ["T01"]


@given(
    st.integers(-(10**6), 10**6),
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    st.integers(-10, 10**6),
    st.integers(-10, 10**6),
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    st.times(),
)
def test_never_crashes_and_messages_render(
    total: int,
    male: int | None,
    female: int | None,
    reg_male: int,
    reg_female: int,
    previous: int | None,
    due_at: time,
) -> None:
    registered = Registered(reg_male + reg_female, reg_male, reg_female)
    prev = None if previous is None else TurnoutFigures(previous)
    for f in check_turnout(TurnoutFigures(total, male, female), registered, prev, due_at=due_at):
        assert f.message() and f.message("en")
        assert set(f.fields) <= {"voted_total", "voted_male", "voted_female"}
