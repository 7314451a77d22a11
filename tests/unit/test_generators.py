"""Demo and national packages satisfy their invariants, without a database."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter, defaultdict
from datetime import date

import pytest
from vietnam_provinces import Province, Ward

from data.enums import Gender, Level, UnitKind
from data.generators.demo import apportion, birth_date, demo_package, split_contiguous
from data.generators.names import full_name, village_names
from data.generators.national import PackageCounts, national_package
from data.loader import validate_package
from data.package import ElectionPackage
from data.rules.master import (
    check_constituency,
    check_memberships,
    check_registered,
    seat_range,
    surplus_required,
)

ELECTION_DAY = date(2026, 3, 15)
ALL_PROVINCES = sorted(f"{int(p.code):02d}" for p in Province.iter_all())


@pytest.fixture(scope="module")
def national() -> ElectionPackage:
    return national_package()


@pytest.fixture(scope="module")
def demo() -> ElectionPackage:
    return demo_package()


def assert_master_rules(pkg: ElectionPackage) -> None:
    """M01–M04 through the rule functions, plus unique codes and a consistent tree."""
    unit_codes = [u.code for u in pkg.units]
    area_codes = [a.code for a in pkg.polling_areas]
    constituency_codes = [c.code for c in pkg.constituencies]
    for codes in (unit_codes, area_codes, constituency_codes):
        assert len(codes) == len(set(codes))
    assert len(set(pkg.memberships)) == len(pkg.memberships)

    units = {u.code: u for u in pkg.units}
    for unit in pkg.units:
        if unit.kind is UnitKind.PROVINCE:
            assert unit.parent_code is None
        else:
            assert units[unit.parent_code].kind is UnitKind.PROVINCE
    for area in pkg.polling_areas:
        assert units[area.unit_code].kind is UnitKind.COMMUNE
        assert (
            check_registered(area.registered_total, area.registered_male, area.registered_female)
            == []
        )

    candidates = Counter(c.constituency_code for c in pkg.candidates)
    level_of = {c.code: c.level for c in pkg.constituencies}
    for c in pkg.constituencies:
        assert check_constituency(c.level, c.seats, candidates[c.code]) == [], c
        assert units[c.unit_code].kind is (
            UnitKind.COMMUNE if c.level is Level.HDND_XA else UnitKind.PROVINCE
        )
    assert set(candidates) <= set(level_of)

    pairs: dict[Level, list[tuple[str, str]]] = defaultdict(list)
    for m in pkg.memberships:
        pairs[level_of[m.constituency_code]].append((m.constituency_code, m.polling_area_code))
    assert set(pairs) == set(level_of.values())
    for level_pairs in pairs.values():
        assert check_memberships(area_codes, level_pairs) == []
        assert {a for _, a in level_pairs} <= set(area_codes)


def assert_candidates(pkg: ElectionPackage) -> None:
    by_constituency: dict[str, list[str]] = defaultdict(list)
    for c in pkg.candidates:
        age = (pkg.election.date - c.date_of_birth).days / 365.25
        assert 25 <= age < 71, c
        assert unicodedata.is_normalized("NFC", c.full_name)
        assert len(c.full_name.split()) >= 3
        by_constituency[c.constituency_code].append(c.full_name)
    for names in by_constituency.values():
        assert len(names) == len(set(names))
    genders = Counter(c.gender for c in pkg.candidates)
    assert genders[Gender.FEMALE] > 0.3 * len(pkg.candidates)
    assert genders[Gender.MALE] > 0.3 * len(pkg.candidates)


# -- the national package ---------------------------------------------------


def test_national_totals_match_the_real_scale(national: ElectionPackage) -> None:
    counts = PackageCounts.of(national)
    assert counts.units[UnitKind.PROVINCE] == 34
    assert counts.units[UnitKind.COMMUNE] == 3_321
    assert counts.polling_areas == 72_195
    assert abs(counts.registered_voters - 76_400_000) <= 764_000
    assert counts.constituencies[Level.QH] == 182
    assert counts.seats[Level.QH] == 500
    assert 864 <= counts.candidates[Level.QH] <= 900
    assert counts.constituencies[Level.HDND_TINH] >= 34
    assert counts.constituencies[Level.HDND_XA] >= 2 * 3_321


def test_national_package_passes_the_master_rules(national: ElectionPackage) -> None:
    assert_master_rules(national)
    assert_candidates(national)


def test_national_package_passes_the_loader_validation(national: ElectionPackage) -> None:
    assert validate_package(national) == []


def test_national_shapes(national: ElectionPackage) -> None:
    qh_by_province: dict[str, list[int]] = defaultdict(list)
    xa_by_commune: Counter[str] = Counter()
    candidates = Counter(c.constituency_code for c in national.candidates)
    for c in national.constituencies:
        if c.level is Level.QH:
            qh_by_province[c.unit_code].append(c.seats)
            assert 2 <= c.seats <= seat_range(Level.QH)[1]
            assert candidates[c.code] in (c.seats + 2, c.seats + 3)
        elif c.level is Level.HDND_TINH:
            assert 3 <= c.seats <= 5
        else:
            xa_by_commune[c.unit_code] += 1
            assert 2 <= c.seats <= 5
            assert candidates[c.code] >= c.seats + surplus_required(c.level, c.seats)
    assert len(qh_by_province) == 34
    assert all(sum(seats) >= 3 for seats in qh_by_province.values())
    assert len(xa_by_commune) == 3_321
    assert all(2 <= n <= 5 for n in xa_by_commune.values())
    totals = [a.registered_total for a in national.polling_areas]
    assert min(totals) >= 150
    assert max(totals) <= 3_000


def test_national_units_are_the_real_tree(national: ElectionPackage) -> None:
    real = {f"{int(w.code):05d}": w.name for w in Ward.iter_all()}
    communes = {u.code: u.name for u in national.units if u.kind is UnitKind.COMMUNE}
    assert communes == real


def test_national_is_deterministic_for_a_seed(national: ElectionPackage) -> None:
    assert national_package(seed=2026) == national


def test_national_without_commune_councils() -> None:
    pkg = national_package(seed=7, include_commune_councils=False)
    levels = {c.level for c in pkg.constituencies}
    assert levels == {Level.QH, Level.HDND_TINH}
    assert PackageCounts.of(pkg).seats[Level.QH] == 500
    assert_master_rules(pkg)


# -- the demo package ---------------------------------------------------------


def test_demo_is_lai_chau_with_its_real_communes(demo: ElectionPackage) -> None:
    real = {f"{int(w.code):05d}": w.name for w in Ward.iter_all() if int(w.province_code) == 12}
    assert len(real) == 38
    communes = {u.code: u.name for u in demo.units if u.kind is UnitKind.COMMUNE}
    assert communes == real
    provinces = [u for u in demo.units if u.kind is UnitKind.PROVINCE]
    assert [(p.code, p.name) for p in provinces] == [("12", "Lai Châu")]
    assert demo.election.name == "Bầu cử demo 2026"
    assert demo.election.date == ELECTION_DAY


def test_demo_shapes(demo: ElectionPackage) -> None:
    per_commune = Counter(a.unit_code for a in demo.polling_areas)
    assert len(per_commune) == 38
    assert all(3 <= n <= 12 for n in per_commune.values())
    for area in demo.polling_areas:
        assert 300 <= area.registered_total <= 2_000
        assert area.code.startswith(area.unit_code + "-")
        assert area.name.startswith("Khu vực bỏ phiếu số ")
    counts = PackageCounts.of(demo)
    assert counts.constituencies[Level.QH] >= 2
    assert set(counts.constituencies) == {Level.QH, Level.HDND_TINH, Level.HDND_XA}


def test_demo_passes_the_master_rules_and_the_loader_validation(demo: ElectionPackage) -> None:
    assert_master_rules(demo)
    assert_candidates(demo)
    assert validate_package(demo) == []


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_demo_works_for_every_province(province: str) -> None:
    pkg = demo_package(province, seed=int(province))
    real = {f"{int(w.code):05d}" for w in Ward.iter_all() if int(w.province_code) == int(province)}
    assert {u.code for u in pkg.units if u.kind is UnitKind.COMMUNE} == real
    assert_master_rules(pkg)
    assert validate_package(pkg) == []


def test_demo_is_deterministic_for_a_seed(demo: ElectionPackage) -> None:
    assert demo_package() == demo
    assert demo_package(seed=1) != demo


def test_demo_unknown_province_is_refused() -> None:
    with pytest.raises(KeyError):
        demo_package("99")


# -- building blocks -------------------------------------------------------------


def test_apportion_sums_exactly_and_keeps_the_minimum() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(182, [5.0, 1.0, 0.001], minimum=1) == [150, 31, 1]
    shares = apportion(76_400_000, [random.Random(1).random() for _ in range(34)])
    assert sum(shares) == 76_400_000
    with pytest.raises(ValueError):
        apportion(2, [1, 1, 1], minimum=1)


def test_split_contiguous_makes_non_empty_runs_in_order() -> None:
    runs = split_contiguous([1] * 10, [1, 1])
    assert runs == [range(0, 5), range(5, 10)]
    runs = split_contiguous([100, 1, 1, 1], [1, 1, 1])  # heavy first item: still 3 runs
    assert [len(r) for r in runs] == [1, 1, 2]
    assert split_contiguous([3], [1]) == [range(0, 1)]
    with pytest.raises(ValueError):
        split_contiguous([1, 1], [1, 1, 1])


def test_names_are_vietnamese_and_deterministic() -> None:
    names = [full_name(random.Random(5), Gender.FEMALE) for _ in range(2)]
    assert names[0] == names[1]
    rng = random.Random(3)
    women = [full_name(rng, Gender.FEMALE) for _ in range(500)]
    men = [full_name(rng, Gender.MALE) for _ in range(500)]
    assert sum(n.split()[0] == "Nguyễn" for n in women + men) > 250
    assert sum(" Thị " in n for n in women) > 150
    assert not any(" Thị " in n for n in men)
    assert len(set(women)) > 400


def test_village_names_are_distinct() -> None:
    rng = random.Random(1)
    assert village_names(rng, 3, "01", urban=True) == [
        "Tổ dân phố số 1",
        "Tổ dân phố số 2",
        "Tổ dân phố số 3",
    ]
    for province in ("12", "79", "38"):
        names = village_names(rng, 12, province, urban=False)
        assert len(set(names)) == 12


def test_birth_dates_stay_between_25_and_70() -> None:
    rng = random.Random(0)
    leap_day = date(2028, 2, 29)
    for on in (ELECTION_DAY, leap_day):
        for _ in range(2_000):
            born = birth_date(rng, on)
            age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            assert 25 <= age <= 70
