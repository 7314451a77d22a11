"""A demo election package on one real province, and the builder the national one reuses.

``demo_package()`` takes a real province (default ``"12"`` Lai Châu, 38
communes) with all its communes by their real codes and names, gives each
commune 3–12 polling areas, and lays three contests over them: Quốc hội and
HĐND tỉnh constituencies over contiguous groups of communes, HĐND xã
constituencies over contiguous groups of each commune's areas. Every polling
area is in exactly one constituency per level (M03), ballots are long enough
(M01), seats in range (M02), male + female = total (M04). Everything comes
from one ``random.Random(seed)``: the same seed gives the same package.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from data.enums import Gender, Level, UnitKind
from data.generators.names import full_name, village_names
from data.package import (
    CandidateRow,
    ConstituencyRow,
    ElectionPackage,
    ElectionRow,
    MembershipRow,
    PollingAreaRow,
    UnitRow,
)
from data.rules.master import surplus_required
from data.unit_tree import real_units

__all__ = [
    "CommuneBlock",
    "PackageBuilder",
    "apportion",
    "birth_date",
    "demo_package",
    "split_contiguous",
]

DEMO_PROVINCE = "12"
DEMO_ELECTION_DATE = date(2026, 3, 15)
FEMALE_SHARE_QH = 0.45  # share of women among candidates (2021: about 45 %)
FEMALE_SHARE_HDND = 0.40


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Each share is at least ``minimum``; the shares always sum to ``total``.
    """
    n = len(weights)
    rest = total - minimum * n
    if n == 0 or rest < 0:
        raise ValueError(f"cannot split {total} into {n} shares of at least {minimum}")
    weight_sum = float(sum(weights))
    quotas = [rest * w / weight_sum for w in weights] if weight_sum > 0 else [rest / n] * n
    counts = [int(q) for q in quotas]
    short = rest - sum(counts)
    by_remainder = sorted(range(n), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return [c + minimum for c in counts]


def split_contiguous(weights: Sequence[float], shares: Sequence[float]) -> list[range]:
    """Cut items ``0..n-1`` into ``len(shares)`` non-empty runs with weights ≈ ``shares``."""
    n, m = len(weights), len(shares)
    if not 0 < m <= n:
        raise ValueError(f"cannot cut {n} items into {m} non-empty groups")
    total_weight, total_share = float(sum(weights)), float(sum(shares))
    runs: list[range] = []
    start, taken, cum_share = 0, 0.0, 0.0
    for g in range(m - 1):
        cum_share += shares[g]
        target = total_weight * cum_share / total_share
        end_max = n - (m - 1 - g)  # leave one item for each later group
        end = start + 1
        taken += weights[start]
        while end < end_max and abs(taken + weights[end] - target) <= abs(taken - target):
            taken += weights[end]
            end += 1
        runs.append(range(start, end))
        start = end
    runs.append(range(start, n))
    return runs


def birth_date(rng: random.Random, on: date, youngest: int = 25, oldest: int = 70) -> date:
    """A date of birth giving an age in ``youngest..oldest`` on ``on``, mostly 40–55."""
    latest = _years_before(on, youngest)
    earliest = _years_before(on, oldest + 1) + timedelta(days=1)
    span = (latest - earliest).days
    return earliest + timedelta(days=round(rng.triangular(0, span, span * 0.45)))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class CommuneBlock:
    """A commune and its polling areas, in order."""

    unit: UnitRow
    areas: list[PollingAreaRow]

    @property
    def voters(self) -> int:
        return sum(a.registered_total for a in self.areas)


class PackageBuilder:
    """Accumulates one package's rows; every random draw comes from ``rng``."""

    def __init__(self, election: ElectionRow, rng: random.Random) -> None:
        self.pkg = ElectionPackage(election=election)
        self.rng = rng

    def add_areas(
        self, commune: UnitRow, totals: Sequence[int], names: Sequence[str] | None = None
    ) -> CommuneBlock:
        """Polling areas ``{commune}-01``… with these registered voters (≈ 51 % women)."""
        rng, areas = self.rng, []
        for n, total in enumerate(totals, 1):
            female = round(total * rng.uniform(0.49, 0.53))
            name = f"Khu vực bỏ phiếu số {n}"
            if names:
                name = f"{name} – {names[n - 1]}"
            areas.append(
                PollingAreaRow(
                    code=f"{commune.code}-{n:02d}",
                    unit_code=commune.code,
                    name=name,
                    registered_total=total,
                    registered_male=total - female,
                    registered_female=female,
                )
            )
        self.pkg.polling_areas.extend(areas)
        return CommuneBlock(commune, areas)

    def add_constituency(
        self,
        level: Level,
        code: str,
        seats: int,
        unit_code: str,
        areas: Sequence[PollingAreaRow],
        candidates: int,
        number: int,
    ) -> None:
        pkg = self.pkg
        pkg.constituencies.append(
            ConstituencyRow(
                code=code,
                level=level,
                name=f"Đơn vị bầu cử số {number}",
                seats=seats,
                unit_code=unit_code,
            )
        )
        pkg.memberships.extend(MembershipRow(code, a.code) for a in areas)
        self._add_candidates(level, code, candidates)

    def _add_candidates(self, level: Level, code: str, count: int) -> None:
        rng, on = self.rng, self.pkg.election.date
        female_share = FEMALE_SHARE_QH if level is Level.QH else FEMALE_SHARE_HDND
        seen: set[str] = set()
        for _ in range(count):
            gender = Gender.FEMALE if rng.random() < female_share else Gender.MALE
            name = full_name(rng, gender)
            while name in seen:  # one ballot never shows the same name twice
                name = full_name(rng, gender)
            seen.add(name)
            self.pkg.candidates.append(
                CandidateRow(
                    constituency_code=code,
                    full_name=name,
                    date_of_birth=birth_date(rng, on),
                    gender=gender,
                )
            )

    def add_grouped(
        self,
        level: Level,
        code_prefix: str,
        unit_code: str,
        groups: Sequence[Sequence[PollingAreaRow]],
        seats: Sequence[int],
        extra_candidate: float,
    ) -> None:
        """Constituencies ``{code_prefix}-01``… over contiguous runs of ``groups``.

        Each ballot has ``seats + surplus_required`` candidates, and one more
        with probability ``extra_candidate``.
        """
        voters = [sum(a.registered_total for a in g) for g in groups]
        for number, run in enumerate(split_contiguous(voters, seats), 1):
            n_seats = seats[number - 1]
            extra = 1 if self.rng.random() < extra_candidate else 0
            self.add_constituency(
                level,
                f"{code_prefix}-{number:02d}",
                n_seats,
                unit_code,
                [area for i in run for area in groups[i]],
                n_seats + surplus_required(level, n_seats) + extra,
                number,
            )

    def add_province_contests(
        self,
        province_code: str,
        blocks: Sequence[CommuneBlock],
        qh_seats: Sequence[int],
        tinh_seats: Sequence[int],
        *,
        commune_councils: bool = True,
        qh_extra: float = 0.0,
    ) -> None:
        """QH and HĐND tỉnh over groups of communes; HĐND xã over each commune's areas."""
        communes = [b.areas for b in blocks]
        self.add_grouped(
            Level.QH, f"QH-{province_code}", province_code, communes, qh_seats, qh_extra
        )
        self.add_grouped(
            Level.HDND_TINH, f"T-{province_code}", province_code, communes, tinh_seats, 0.3
        )
        if not commune_councils:
            return
        rng = self.rng
        for block in blocks:
            count = min(rng.randint(2, 5), len(block.areas))
            seats = [rng.choice((2, 3, 4, 4, 5, 5)) for _ in range(count)]
            groups = [[a] for a in block.areas]
            code = block.unit.code
            self.add_grouped(Level.HDND_XA, f"X-{code}", code, groups, seats, 0.3)


def demo_package(
    province_code: str = DEMO_PROVINCE,
    seed: int = 2026,
    election_name: str = "Bầu cử demo 2026",
    election_date: date = DEMO_ELECTION_DATE,
) -> ElectionPackage:
    """A complete, valid election on one real province (KeyError for an unknown code)."""
    rng = random.Random(seed)
    units = real_units([province_code])
    province = next(u for u in units if u.kind is UnitKind.PROVINCE)
    communes = sorted((u for u in units if u.kind is UnitKind.COMMUNE), key=lambda u: u.code)
    builder = PackageBuilder(ElectionRow(name=election_name, date=election_date), rng)
    builder.pkg.units.extend([province, *communes])

    blocks = []
    for commune in communes:
        count = rng.randint(3, 12)
        totals = [round(rng.triangular(300, 2000, 900)) for _ in range(count)]
        urban = commune.name.startswith("Phường")
        names = village_names(rng, count, province.code, urban=urban)
        blocks.append(builder.add_areas(commune, totals, names))

    voters = sum(b.voters for b in blocks)
    qh_count = min(len(blocks), max(2, min(5, round(voters / 350_000))))
    qh_seats = [rng.choice((2, 3, 3)) for _ in range(qh_count)]
    tinh_count = min(25, max(1, round(len(blocks) / 3)))
    tinh_seats = [rng.randint(3, 5) for _ in range(tinh_count)]
    builder.add_province_contests(province.code, blocks, qh_seats, tinh_seats, qh_extra=0.25)
    return builder.pkg
