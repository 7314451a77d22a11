"""Master data rules (DESIGN §5: R01, M01–M04).

Field names: ``seats``, ``candidates``, ``polling_area``, ``registered_total``,
``registered_male``, ``registered_female``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from data.enums import Level
from data.rules.findings import Finding, finding

_QH_SEATS = (1, 3)
_HDND_SEATS = (1, 5)


def surplus_required(level: Level, seats: int) -> int:
    """How many more candidates than seats the ballot needs (Luật Bầu cử 2015).

    Quốc hội: 2. HĐND: 1, or 2 for three seats, 3 for four seats or more.
    """
    if Level(level).is_national_assembly:
        return 2
    if seats >= 4:
        return 3
    if seats == 3:
        return 2
    return 1


def seat_range(level: Level) -> tuple[int, int]:
    """Allowed seats per constituency: Quốc hội 1–3, HĐND 1–5 (inclusive)."""
    return _QH_SEATS if Level(level).is_national_assembly else _HDND_SEATS


def check_constituency(level: Level, seats: int, candidate_count: int) -> list[Finding]:
    """M02 when seats are out of range; M01 when the ballot is too short.

    M01 is checked for any positive number of seats, even out of range: the
    committee then sees both problems at once.
    """
    level = Level(level)
    low, high = seat_range(level)
    found = []
    if not low <= seats <= high:
        found.append(finding("M02", ("seats",), seats=seats, level=level, min=low, max=high))
    if seats >= 1:
        surplus = surplus_required(level, seats)
        required = seats + surplus
        if candidate_count < required:
            found.append(
                finding(
                    "M01",
                    ("candidates",),
                    level=level,
                    seats=seats,
                    surplus=surplus,
                    required=required,
                    candidates=candidate_count,
                )
            )
    return found


def check_registered(total: int, male: int, female: int) -> list[Finding]:
    """R01 for negative counts; M04 when male + female ≠ total."""
    counts = {"registered_total": total, "registered_male": male, "registered_female": female}
    found = [
        finding("R01", (name,), field=name, value=value)
        for name, value in counts.items()
        if value < 0
    ]
    if not found and male + female != total:
        found.append(
            finding(
                "M04",
                ("registered_male", "registered_female", "registered_total"),
                male=male,
                female=female,
                sum=male + female,
                total=total,
            )
        )
    return found


def check_memberships(
    area_codes: Iterable[str], memberships: Iterable[tuple[str, str]]
) -> list[Finding]:
    """M03 for one level: each polling area must be in exactly one constituency.

    ``memberships`` are ``(constituency_code, polling_area_code)`` pairs; a pair
    repeated counts once, pairs naming unknown areas are ignored here. Findings
    follow the order of ``area_codes``.
    """
    by_area: dict[str, set[str]] = defaultdict(set)
    for constituency, area in memberships:
        by_area[area].add(constituency)
    found = []
    for area in dict.fromkeys(area_codes):
        constituencies = by_area.get(area, set())
        if not constituencies:
            found.append(finding("M03", ("polling_area",), area=area))
        elif len(constituencies) > 1:
            found.append(
                finding(
                    "M03",
                    ("polling_area",),
                    area=area,
                    constituencies=tuple(sorted(constituencies)),
                )
            )
    return found
