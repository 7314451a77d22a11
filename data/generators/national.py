"""A national election package at the real 2026 scale (DESIGN §1), and seeding it.

34 provinces and 3,321 communes from the real tree; exactly 72,195 polling
areas and 76,400,000 registered voters, spread by each province's approximate
population; exactly 182 Quốc hội constituencies with 500 seats (each province
at least 3 deputies, 2–3 seats per constituency) and 864 candidates (seats + 2
on every ballot, as in 2026); HĐND tỉnh constituencies of 3–5 seats per
province (council size roughly as the 2025 local-government law sets it) and,
optionally, 2–5 HĐND xã constituencies per commune. Pure Python, a few
seconds, deterministic for a seed.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from data.db import Database
from data.enums import Level, UnitKind
from data.generators.demo import PackageBuilder, apportion
from data.loader import LoadResult, load_package
from data.package import ElectionPackage, ElectionRow, UnitRow
from data.unit_tree import real_units

__all__ = [
    "PROVINCE_POPULATION_K",
    "PackageCounts",
    "SeedSummary",
    "national_package",
    "provincial_council_seats",
    "qh_allocation",
    "seed_national",
]

TOTAL_POLLING_AREAS = 72_195
TOTAL_VOTERS = 76_400_000
QH_CONSTITUENCIES = 182
QH_SEATS = 500
QH_MIN_SEATS_PER_PROVINCE = 3

# Approximate population (thousands, 2024) of the 34 provinces of the 2025 tree:
# the weights that spread voters, polling areas and seats.
PROVINCE_POPULATION_K: dict[str, int] = {
    "01": 8_718, "04": 573, "08": 1_866, "11": 653, "12": 494, "14": 1_300, "15": 1_779,
    "19": 1_800, "20": 813, "22": 1_430, "24": 3_620, "25": 4_020, "31": 4_665, "33": 3_568,
    "37": 4_412, "38": 4_324, "40": 3_832, "42": 1_623, "44": 1_870, "46": 1_433, "48": 3_066,
    "51": 2_161, "52": 3_583, "56": 2_243, "66": 3_347, "68": 3_872, "75": 4_491, "79": 14_002,
    "80": 3_255, "82": 4_370, "86": 4_257, "91": 4_952, "92": 4_199, "96": 2_607,
}  # fmt: skip
_CAPITALS = frozenset({"01", "79"})  # Hà Nội, Hồ Chí Minh City: larger councils
# A Quốc hội delegation has a fixed part besides the population part: small
# provinces get more deputies than their population alone would give them.
QH_BASE_WEIGHT_K = 2_000


def provincial_council_seats(province_code: str, population_k: int) -> int:
    """HĐND tỉnh size: 50 up to 1 M people, +1 per 70,000 more, at most 85 (capitals 125)."""
    if province_code in _CAPITALS:
        return 125
    return min(85, 50 + max(0, math.ceil((population_k - 1_000) / 70)))


def qh_allocation(weights: list[float]) -> list[list[int]]:
    """Seats of each Quốc hội constituency, per province: 182 constituencies, 500 seats.

    Constituencies go to provinces by largest remainder (at least one each);
    every constituency gets 2 seats (3 when alone, so a province has at least
    3 deputies), and the remaining seats go one by one to the province with the
    highest weight per seat (D'Hondt) while it has constituencies below 3 seats.
    """
    counts = apportion(QH_CONSTITUENCIES, weights, minimum=1)
    seats = [max(2 * k, QH_MIN_SEATS_PER_PROVINCE) for k in counts]
    heap = [(-weights[i] / (s + 1), i) for i, s in enumerate(seats) if s < 3 * counts[i]]
    heapq.heapify(heap)
    for _ in range(QH_SEATS - sum(seats)):
        _, i = heapq.heappop(heap)
        seats[i] += 1
        if seats[i] < 3 * counts[i]:
            heapq.heappush(heap, (-weights[i] / (seats[i] + 1), i))
    # The first (seats - 2k) constituencies of a province elect 3, the others 2.
    return [[3] * (s - 2 * k) + [2] * (3 * k - s) for k, s in zip(counts, seats, strict=True)]


def _tinh_seats(total: int) -> list[int]:
    """A council of ``total`` seats as constituencies of 3–5 seats (about 4 each)."""
    count = max(1, round(total / 4))
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)


def national_package(
    seed: int = 2026,
    election_name: str = "Bầu cử toàn quốc 2026",
    election_date: date = date(2026, 3, 15),
    include_commune_councils: bool = True,
) -> ElectionPackage:
    rng = random.Random(seed)
    units = real_units()
    provinces = sorted((u for u in units if u.kind is UnitKind.PROVINCE), key=lambda u: u.code)
    communes: dict[str, list[UnitRow]] = defaultdict(list)
    for unit in sorted(units, key=lambda u: u.code):
        if unit.kind is UnitKind.COMMUNE and unit.parent_code is not None:
            communes[unit.parent_code].append(unit)
    codes = [p.code for p in provinces]
    population = [float(PROVINCE_POPULATION_K[c]) for c in codes]
    n_communes = sum(len(communes[c]) for c in codes)

    voters = apportion(TOTAL_VOTERS, population)
    # Sparse provinces have smaller polling areas: weigh by voters and by communes.
    area_weights = [
        v / TOTAL_VOTERS + len(communes[c]) / n_communes for c, v in zip(codes, voters, strict=True)
    ]
    areas = apportion(TOTAL_POLLING_AREAS, area_weights)
    qh_seats = qh_allocation([p + QH_BASE_WEIGHT_K for p in population])

    builder = PackageBuilder(ElectionRow(name=election_name, date=election_date), rng)
    for i, province in enumerate(provinces):
        local = communes[province.code]
        builder.pkg.units.append(province)
        builder.pkg.units.extend(local)
        size = [rng.lognormvariate(0.0, 0.45) for _ in local]
        area_counts = apportion(areas[i], size, minimum=3)
        commune_voters = apportion(voters[i], [n * rng.uniform(0.8, 1.25) for n in area_counts])
        blocks = [
            builder.add_areas(
                commune, apportion(total, [rng.uniform(0.6, 1.4) for _ in range(count)])
            )
            for commune, count, total in zip(local, area_counts, commune_voters, strict=True)
        ]
        tinh = _tinh_seats(
            provincial_council_seats(province.code, PROVINCE_POPULATION_K[province.code])
        )
        builder.add_province_contests(
            province.code,
            blocks,
            qh_seats[i],
            tinh,
            commune_councils=include_commune_councils,
        )
    return builder.pkg


@dataclass(frozen=True)
class PackageCounts:
    """What a package holds: the figures to compare with DESIGN §1 and with the database."""

    units: Counter[UnitKind]
    polling_areas: int
    registered_voters: int
    constituencies: Counter[Level] = field(default_factory=Counter)
    seats: Counter[Level] = field(default_factory=Counter)
    candidates: Counter[Level] = field(default_factory=Counter)
    memberships: int = 0

    @classmethod
    def of(cls, pkg: ElectionPackage) -> PackageCounts:
        level_of = {c.code: c.level for c in pkg.constituencies}
        seats: Counter[Level] = Counter()
        for c in pkg.constituencies:
            seats[c.level] += c.seats
        return cls(
            units=Counter(u.kind for u in pkg.units),
            polling_areas=len(pkg.polling_areas),
            registered_voters=sum(a.registered_total for a in pkg.polling_areas),
            constituencies=Counter(c.level for c in pkg.constituencies),
            seats=seats,
            candidates=Counter(level_of[c.constituency_code] for c in pkg.candidates),
            memberships=len(pkg.memberships),
        )

    def lines(self) -> list[str]:
        out = [
            "units: " + ", ".join(f"{k.value} {n:,}" for k, n in sorted(self.units.items())),
            f"polling areas: {self.polling_areas:,}",
            f"registered voters: {self.registered_voters:,}",
        ]
        for level in Level:
            if self.constituencies[level]:
                out.append(
                    f"{level.label_vi}: {self.constituencies[level]:,} constituencies, "
                    f"{self.seats[level]:,} seats, {self.candidates[level]:,} candidates"
                )
        out.append(f"constituency memberships: {self.memberships:,}")
        return out


@dataclass(frozen=True)
class SeedSummary:
    counts: PackageCounts
    generate_seconds: float
    load_seconds: float
    result: LoadResult

    def __str__(self) -> str:
        return "\n".join(
            [
                f"election #{self.result.election_id}: "
                f"generated in {self.generate_seconds:.2f} s, loaded in {self.load_seconds:.2f} s",
                *(f"  {line}" for line in self.counts.lines()),
            ]
        )


def seed_national(
    db: Database,
    *,
    seed: int = 2026,
    election_name: str = "Bầu cử toàn quốc 2026",
    election_date: date = date(2026, 3, 15),
    include_commune_councils: bool = True,
    now: datetime | None = None,
    echo: Callable[[str], object] | None = print,
) -> SeedSummary:
    """Generate the national package and load it, printing the timings through ``echo``.

    ``now`` is passed to the loader (its freeze check); PackageRejected when invalid.
    """
    say = echo or (lambda _line: None)
    started = time.perf_counter()
    pkg = national_package(seed, election_name, election_date, include_commune_councils)
    generated = time.perf_counter()
    counts = PackageCounts.of(pkg)
    say(f"generated in {generated - started:.2f} s")
    for line in counts.lines():
        say(f"  {line}")
    result = load_package(db, pkg, election_name=election_name, now=now)
    loaded = time.perf_counter()
    say(f"loaded in {loaded - generated:.2f} s")
    return SeedSummary(counts, generated - started, loaded - generated, result)
