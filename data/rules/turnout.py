"""Turnout report rules (DESIGN §5: R01, T01–T06).

A turnout report is cumulative: the voters of one polling area who have voted
by a reporting window, optionally split by sex. Field names: ``voted_total``,
``voted_male``, ``voted_female`` (T05 points at ``window``).

When a count is negative (R01), the rules that read that count are skipped:
their message would only repeat the same mistake. Rules over the other counts
still run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from data.numbers import percent_of
from data.rules.findings import Finding, finding

AFTERNOON = time(15, 0)  # 100 % turnout before this window is suspicious (T06)
JUMP_POINTS = 50  # a rise of more than this many percentage points is suspicious (T06)


@dataclass(frozen=True)
class Registered:
    """Registered voters of the polling area."""

    total: int
    male: int
    female: int


@dataclass(frozen=True)
class TurnoutFigures:
    """Cumulative voters who voted by a window; the split by sex is optional."""

    total: int
    male: int | None = None
    female: int | None = None


def _sides(figures: TurnoutFigures, registered: Registered) -> list[tuple[str, int | None, int]]:
    return [
        ("male", figures.male, registered.male),
        ("female", figures.female, registered.female),
    ]


def check_turnout(
    figures: TurnoutFigures,
    registered: Registered,
    previous: TurnoutFigures | None,
    *,
    due_at: time,
) -> list[Finding]:
    """All findings for one report; ``previous`` is the latest earlier window's."""
    negative = _negative(figures)
    found = [
        finding("R01", (name,), field=name, value=value)
        for name, value in _counts(figures)
        if name in negative
    ]
    found += _over_total(figures, registered, negative)
    found += _split(figures, negative)
    found += _over_sex(figures, registered, negative)
    if previous is not None:
        found += _decreases(figures, previous, negative)
    if "voted_total" not in negative:
        found += _suspicious(figures.total, registered.total, previous, due_at)
    return found


def _counts(figures: TurnoutFigures) -> list[tuple[str, int]]:
    values = [
        ("voted_total", figures.total),
        ("voted_male", figures.male),
        ("voted_female", figures.female),
    ]
    return [(name, value) for name, value in values if value is not None]


def _negative(figures: TurnoutFigures) -> set[str]:
    return {name for name, value in _counts(figures) if value < 0}


def _over_total(
    figures: TurnoutFigures, registered: Registered, negative: set[str]
) -> list[Finding]:
    if "voted_total" in negative or figures.total <= registered.total:
        return []
    return [finding("T01", ("voted_total",), voted=figures.total, registered=registered.total)]


def _over_sex(figures: TurnoutFigures, registered: Registered, negative: set[str]) -> list[Finding]:
    found = []
    for sex, voted, limit in _sides(figures, registered):
        name = f"voted_{sex}"
        if voted is not None and name not in negative and voted > limit:
            found.append(
                finding(
                    "T03",
                    (name,),
                    field=name,
                    limit_field=f"registered_{sex}",
                    voted=voted,
                    registered=limit,
                )
            )
    return found


def _split(figures: TurnoutFigures, negative: set[str]) -> list[Finding]:
    male, female = figures.male, figures.female
    if male is None and female is None:
        return []
    if male is None or female is None:
        missing = "voted_male" if male is None else "voted_female"
        return [finding("T02", (missing,), missing_field=missing)]
    if negative or male + female == figures.total:
        return []
    return [
        finding(
            "T02",
            ("voted_male", "voted_female", "voted_total"),
            male=male,
            female=female,
            sum=male + female,
            total=figures.total,
        )
    ]


def _decreases(
    figures: TurnoutFigures, previous: TurnoutFigures, negative: set[str]
) -> list[Finding]:
    pairs: list[tuple[str, int | None, int | None]] = [
        ("voted_total", figures.total, previous.total)
    ]
    if figures.male is not None and figures.female is not None:
        pairs += [
            ("voted_male", figures.male, previous.male),
            ("voted_female", figures.female, previous.female),
        ]
    return [
        finding("T04", (name,), field=name, value=value, previous=before)
        for name, value, before in pairs
        if value is not None and before is not None and name not in negative and value < before
    ]


def _suspicious(
    voted: int, registered: int, previous: TurnoutFigures | None, due_at: time
) -> list[Finding]:
    if registered <= 0:
        return []
    found = []
    before = previous.total if previous is not None else 0
    if (voted - before) * 100 > JUMP_POINTS * registered:
        jump = percent_of(voted - before, registered)
        found.append(finding("T06", ("voted_total",), previous=before, voted=voted, jump=jump))
    if voted == registered and due_at.replace(tzinfo=None) < AFTERNOON:
        found.append(
            finding(
                "T06",
                ("voted_total",),
                voted=voted,
                registered=registered,
                due_at=due_at,
            )
        )
    return found


def check_window_time(
    now: datetime,
    opens_at: datetime,
    closes_at: datetime,
    exception_until: datetime | None = None,
) -> list[Finding]:
    """T05 unless ``opens_at <= now <= closes_at`` (or ``exception_until``, if later).

    An exception lets a late unit enter after the window closed; it never opens
    a window early. All datetimes must be aware.
    """
    for moment in (now, opens_at, closes_at, exception_until):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError("check_window_time needs aware datetimes")
    until = closes_at if exception_until is None else max(closes_at, exception_until)
    local = opens_at.tzinfo  # messages show every time in the window's own zone
    if now < opens_at:
        return [finding("T05", ("window",), now=now.astimezone(local), opens_at=opens_at)]
    if now > until:
        return [
            finding(
                "T05", ("window",), now=now.astimezone(local), closes_at=until.astimezone(local)
            )
        ]
    return []
