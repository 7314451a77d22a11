"""Tally sheet rules (data/rules/tally.py): R01, K01–K13."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from data.rules.findings import Finding, Severity, codes, errors, warnings
from data.rules.tally import TallyContext, TallyFigures, check_tally

# A clean sheet: 2 seats, candidates 1, 2, 3; 500 voters on the list, 400 voted,
# 400 ballots issued and received, 390 valid (each keeps 1 or 2 names), 10
# invalid (2.56 %, under 3 %). 190 ballots keep 1 name, 200 keep 2 → 590 votes.
SEATS = 2
IDS = frozenset({1, 2, 3})
BASE = TallyFigures(
    voters_total=500,
    voters_voted=400,
    ballots_issued=400,
    ballots_received=400,
    ballots_valid=390,
    ballots_invalid=10,
    votes={1: 300, 2: 200, 3: 90},
)
BASE_TYPES = {1: 190, 2: 200}
CTX = TallyContext(seats=SEATS, candidate_ids=IDS)
FULL_CTX = TallyContext(seats=SEATS, candidate_ids=IDS, registered_total=500, last_turnout=400)


def sheet(**changes: object) -> TallyFigures:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def test_base_sheet_is_clean() -> None:
    assert check_tally(BASE, CTX) == []
    assert check_tally(BASE, FULL_CTX) == []
    assert check_tally(sheet(ballot_types=BASE_TYPES), FULL_CTX) == []


# Each row: id, changes to BASE, context, expected codes (in order). Rows come
# in pairs either side of the boundary.
CASES: list[tuple[str, dict[str, object], TallyContext, list[str]]] = [
    # R01: zero passes, -1 fails (here with counts no other rule reads)
    ("R01 zero vote ok", {"votes": {1: 300, 2: 290, 3: 0}}, CTX, []),
    ("R01 negative vote", {"votes": {1: 300, 2: 290, 3: -1}}, CTX, ["R01"]),
    ("R01 negative list", {"voters_total": -1}, CTX, ["R01"]),
    # K01: voted == list passes, list - 1 fails
    ("K01 equal", {"voters_total": 400}, CTX, []),
    ("K01 over", {"voters_total": 399}, CTX, ["K01"]),
    # K02: received == issued passes, issued - 1 fails
    ("K02 equal", {"ballots_issued": 400}, CTX, []),
    ("K02 over", {"ballots_issued": 399}, CTX, ["K02", "K09"]),
    # K03: valid + invalid == received passes, ±1 fails
    ("K03 equal", {"ballots_valid": 389, "ballots_invalid": 11}, CTX, []),
    ("K03 one more", {"ballots_invalid": 11}, CTX, ["K03"]),
    ("K03 one less", {"ballots_invalid": 9}, CTX, ["K03"]),
    # K04: received == voted passes, voted - 1 fails
    ("K04 equal", {"voters_voted": 400}, CTX, []),
    (
        "K04 over",
        {"voters_voted": 399, "ballots_issued": 399},
        CTX,
        ["K02", "K04"],
    ),
    ("K04 alone", {"voters_voted": 399}, CTX, ["K04", "K09"]),
    # K05: votes == valid passes, valid + 1 fails
    ("K05 equal", {"votes": {1: 390, 2: 110, 3: 90}}, CTX, []),
    ("K05 over", {"votes": {1: 391, 2: 109, 3: 90}}, CTX, ["K05"]),
    # K06: sum == valid passes, valid - 1 fails
    ("K06 equal", {"votes": {1: 200, 2: 100, 3: 90}}, CTX, []),
    ("K06 under", {"votes": {1: 200, 2: 100, 3: 89}}, CTX, ["K06"]),
    # K07: sum == valid × seats passes, + 1 fails
    ("K07 equal", {"votes": {1: 390, 2: 390, 3: 0}}, CTX, []),
    ("K07 over", {"votes": {1: 390, 2: 390, 3: 1}}, CTX, ["K07"]),
    # K08: every candidate exactly once passes; missing or unknown fails
    ("K08 missing", {"votes": {1: 300, 2: 290}}, CTX, ["K08"]),
    ("K08 unknown", {"votes": {1: 300, 2: 200, 3: 90, 4: 0}}, CTX, ["K08"]),
    ("K08 both", {"votes": {1: 300, 2: 200, 4: 90}}, CTX, ["K08"]),
    ("K08 empty", {"votes": {}}, CTX, ["K06", "K08"]),
    # K09 (warning): issued == voted passes, ± 1 warns
    ("K09 more", {"ballots_issued": 401}, CTX, ["K09"]),
    ("K09 less", {"ballots_issued": 401, "voters_voted": 402}, CTX, ["K09"]),
    # K11 (warning): exactly 3 % passes, above warns (300 received: 9 ok, 10 not)
    (
        "K11 exactly 3%",
        {
            "voters_voted": 300,
            "ballots_issued": 300,
            "ballots_received": 300,
            "ballots_valid": 291,
            "ballots_invalid": 9,
            "votes": {1: 291, 2: 100, 3: 0},
        },
        CTX,
        [],
    ),
    (
        "K11 above 3%",
        {
            "voters_voted": 300,
            "ballots_issued": 300,
            "ballots_received": 300,
            "ballots_valid": 290,
            "ballots_invalid": 10,
            "votes": {1: 290, 2: 100, 3: 0},
        },
        CTX,
        ["K11"],
    ),
    # K13: the breakdown adds up passes; each identity broken fails
    ("K13 ok", {"ballot_types": BASE_TYPES}, CTX, []),
    (
        "K13 ok with zero type",
        {"ballot_types": {1: 390, 2: 0}, "votes": {1: 390, 2: 0, 3: 0}},
        CTX,
        [],
    ),
    ("K13 count", {"ballot_types": {1: 189, 2: 200}}, CTX, ["K13", "K13"]),
    ("K13 votes", {"ballot_types": {1: 191, 2: 199}}, CTX, ["K13"]),
    ("K13 type above seats", {"ballot_types": {1: 190, 2: 200, 3: 0}}, CTX, ["K13"]),
    ("K13 type zero", {"ballot_types": {0: 0, 1: 190, 2: 200}}, CTX, ["K13"]),
    ("K13 empty breakdown", {"ballot_types": {}}, CTX, ["K13", "K13"]),
]


@pytest.mark.parametrize(
    ("changes", "context", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_boundaries(changes: dict[str, object], context: TallyContext, expected: list[str]) -> None:
    assert [f.code for f in check_tally(sheet(**changes), context)] == expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (TallyContext(SEATS, IDS, registered_total=500), []),
        (TallyContext(SEATS, IDS, registered_total=501), ["K10"]),
        (TallyContext(SEATS, IDS, registered_total=499), ["K10"]),
        (TallyContext(SEATS, IDS, last_turnout=400), []),
        (TallyContext(SEATS, IDS, last_turnout=399), ["K12"]),
        (TallyContext(SEATS, IDS, last_turnout=401), ["K12"]),
    ],
)
def test_context_warnings(context: TallyContext, expected: list[str]) -> None:
    assert codes(check_tally(BASE, context)) == expected


def _one(figures: TallyFigures, code: str, context: TallyContext = CTX) -> Finding:
    [f] = [f for f in check_tally(figures, context) if f.code == code]
    return f


def test_finding_fields_and_params() -> None:
    k01 = _one(sheet(voters_total=399), "K01")
    assert k01.fields == ("voters_voted", "voters_total")
    assert k01.params == {"voted": 400, "total": 399}
    k03 = _one(sheet(ballots_invalid=11), "K03")
    assert k03.fields == ("ballots_valid", "ballots_invalid", "ballots_received")
    assert k03.params == {"valid": 390, "invalid": 11, "sum": 401, "received": 400}
    k05 = _one(sheet(votes={1: 391, 2: 109, 3: 90}), "K05")
    assert k05.fields == ("votes.1",)
    assert k05.params["votes"] == 391 and k05.params["valid"] == 390
    assert "ứng cử viên mã 1 (391)" in k05.message()
    k06 = _one(sheet(votes={1: 200, 2: 100, 3: 89}), "K06")
    assert k06.fields == ("votes", "ballots_valid")
    assert k06.params == {"votes_sum": 389, "valid": 390}
    k07 = _one(sheet(votes={1: 390, 2: 390, 3: 1}), "K07")
    assert k07.params == {"votes_sum": 781, "valid": 390, "seats": 2, "limit": 780}
    k08 = _one(sheet(votes={1: 300, 2: 200, 4: 90, 5: 0}), "K08")
    assert k08.fields == ("votes.3", "votes.4", "votes.5")
    assert k08.params == {"missing_ids": (3,), "unknown_ids": (4, 5)}
    k13 = _one(sheet(ballot_types={1: 190, 2: 200, 3: 0}), "K13")
    assert k13.fields == ("ballot_types",)


def test_k05_one_finding_per_candidate() -> None:
    found = check_tally(sheet(ballots_valid=100, ballots_invalid=300), CTX)
    k05 = [f for f in found if f.code == "K05"]
    assert [f.fields for f in k05] == [("votes.1",), ("votes.2",)]


def test_k11_warning_details() -> None:
    found = check_tally(
        sheet(ballots_valid=380, ballots_invalid=20, votes={1: 380, 2: 0, 3: 0}), CTX
    )
    assert codes(found) == ["K11"]
    [k11] = found
    assert k11.severity is Severity.WARNING
    assert str(k11.params["invalid_pct"]) == "5.00"
    assert "5,00 %" in k11.message()


def test_warnings_are_warnings() -> None:
    found = check_tally(
        sheet(ballots_issued=450), TallyContext(SEATS, IDS, registered_total=1, last_turnout=1)
    )
    assert codes(found) == ["K09", "K10", "K12"]
    assert errors(found) == []
    assert warnings(found) == found


def test_r01_choice_skips_only_rules_that_read_the_negative_count() -> None:
    # Choice: every negative count gets its own R01; a rule that reads a
    # negative count is skipped (it would only repeat the same mistake); rules
    # over the other counts still run, and K08 always runs.
    found = check_tally(sheet(ballots_invalid=-1, voters_total=399), CTX)
    assert [(f.code, f.fields) for f in found] == [
        ("R01", ("ballots_invalid",)),
        ("K01", ("voters_voted", "voters_total")),
    ]
    # K03 and K11 read ballots_invalid: skipped. K01 does not: reported.
    found = check_tally(sheet(votes={1: -5, 2: 500, 4: 1}), CTX)
    assert [(f.code, f.fields) for f in found] == [
        ("R01", ("votes.1",)),
        ("K05", ("votes.2",)),
        ("K08", ("votes.3", "votes.4")),
    ]
    # K06/K07 read the votes sum: skipped; K05 of the other candidates runs.
    assert found[0].params == {"field": "votes.1", "value": -5}
    found = check_tally(sheet(ballot_types={1: -1, 2: 200}), CTX)
    assert [(f.code, f.fields) for f in found] == [("R01", ("ballot_types.1",))]


def test_every_count_negative_at_once() -> None:
    figures = TallyFigures(-1, -1, -1, -1, -1, -1, {1: -1, 2: -1, 3: -1}, {1: -1})
    found = check_tally(figures, FULL_CTX)
    assert codes(found) == ["R01"]
    assert len(found) == 6 + 3 + 1


@pytest.mark.parametrize(
    ("figures", "context"),
    [
        (TallyFigures(0, 0, 0, 0, 0, 0, {}), TallyContext(1, frozenset())),
        (TallyFigures(0, 0, 0, 0, 0, 0, {1: 0}), TallyContext(1, frozenset({1}))),
        (TallyFigures(10, 5, 5, 5, 0, 5, {1: 0}), TallyContext(1, frozenset({1}))),
        (TallyFigures(10, 5, 5, 5, 5, 0, {1: 5}), TallyContext(10**6, frozenset({1}))),
        (TallyFigures(10, 5, 5, 5, 5, 0, {1: 5}), TallyContext(0, frozenset({1}))),
        (TallyFigures(10, 5, 5, 5, 5, 0, {1: 5}), TallyContext(-3, frozenset({1}))),
        (TallyFigures(10, 5, 5, 5, 5, 0, {1: 5}, {"x": 5}), TallyContext(1, frozenset({1}))),  # type: ignore[dict-item]
        (TallyFigures(10, 5, 5, 5, 5, 0, {"1": 5}), TallyContext(1, frozenset({1}))),  # type: ignore[dict-item]
    ],
)
def test_odd_input_does_not_crash(figures: TallyFigures, context: TallyContext) -> None:
    for f in check_tally(figures, context):
        assert f.message() and f.message("en") and f.as_dict()["field"]


def test_odd_input_outcomes() -> None:
    empty = TallyFigures(0, 0, 0, 0, 0, 0, {})
    assert check_tally(empty, TallyContext(1, frozenset())) == []
    all_invalid = TallyFigures(10, 5, 5, 5, 0, 5, {1: 0})
    assert codes(check_tally(all_invalid, TallyContext(1, frozenset({1})))) == ["K11"]
    no_seats = TallyFigures(10, 5, 5, 5, 5, 0, {1: 5})
    assert codes(check_tally(no_seats, TallyContext(0, frozenset({1})))) == ["K07"]
    string_key = TallyFigures(10, 5, 5, 5, 5, 0, {"1": 5})  # type: ignore[dict-item]
    assert codes(check_tally(string_key, TallyContext(1, frozenset({1})))) == ["K08"]


# --- properties: simulated valid ballots ----------------------------------------


@st.composite
def simulated_sheets(
    draw: st.DrawFn, with_types: bool | None = None, min_seats: int = 1
) -> tuple[TallyFigures, TallyContext]:
    """A sheet counted from simulated ballots: always right.

    ``with_types``: True/False forces the ballot-type breakdown in or out;
    None draws it.
    """
    seats = draw(st.integers(min_seats, 5))
    n_candidates = draw(st.integers(seats + 1, seats + 4))
    ids = draw(
        st.lists(st.integers(1, 10**6), min_size=n_candidates, max_size=n_candidates, unique=True)
    )
    rnd: random.Random = draw(st.randoms(use_true_random=False))
    n_valid = draw(st.integers(0, 80))
    ballots = [rnd.sample(ids, rnd.randint(1, seats)) for _ in range(n_valid)]
    votes = Counter({cid: 0 for cid in ids})
    for ballot in ballots:
        votes.update(ballot)
    invalid = draw(st.integers(0, 15))
    received = n_valid + invalid
    voted = received + draw(st.integers(0, 10))
    issued = received + draw(st.integers(0, 10))
    total = voted + draw(st.integers(0, 100))
    types = None
    if with_types if with_types is not None else draw(st.booleans()):
        counts = Counter(len(b) for b in ballots)
        types = {k: counts[k] for k in range(1, seats + 1)}
    figures = TallyFigures(total, voted, issued, received, n_valid, invalid, dict(votes), types)
    context = TallyContext(
        seats,
        frozenset(ids),
        registered_total=draw(st.sampled_from([None, total, total + 1])),
        last_turnout=draw(st.sampled_from([None, voted, voted + 3])),
    )
    return figures, context


@given(simulated_sheets())
def test_simulated_sheets_have_no_errors(case: tuple[TallyFigures, TallyContext]) -> None:
    figures, context = case
    found = check_tally(figures, context)
    assert errors(found) == []
    assert set(codes(found)) <= {"K09", "K10", "K11", "K12"}


Mutation = Callable[[TallyFigures, TallyContext, random.Random], tuple[TallyFigures, set[str]]]


def _types_given(f: TallyFigures) -> bool:
    return f.ballot_types is not None


def _invalid_plus_one(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    return replace(f, ballots_invalid=f.ballots_invalid + 1), {"K03"}


def _valid_plus_one(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    expected = {"K03"}
    if sum(f.votes.values()) == f.ballots_valid:  # every ballot kept exactly one name
        expected.add("K06")
    if _types_given(f):
        expected.add("K13")
    return replace(f, ballots_valid=f.ballots_valid + 1), expected


def _one_more_invalid_ballot_received(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    # K03 still holds; K02 / K04 break only if there was no slack
    expected = set()
    if f.ballots_issued == f.ballots_received:
        expected.add("K02")
    if f.voters_voted == f.ballots_received:
        expected.add("K04")
    changed = replace(
        f, ballots_received=f.ballots_received + 1, ballots_invalid=f.ballots_invalid + 1
    )
    return changed, expected


def _voted_over_list(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    return replace(f, voters_voted=f.voters_total + 1), {"K01"}


def _issued_below_received(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballots_received >= 1)
    return replace(f, ballots_issued=f.ballots_received - 1), {"K02"}


def _received_over_voted(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballots_received >= 1)
    return replace(f, voters_voted=f.ballots_received - 1), {"K04"}


def _candidate_over_valid(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    cid = r.choice(sorted(f.votes))
    votes = {**f.votes, cid: f.ballots_valid + 1}
    expected = {"K05"}
    if sum(votes.values()) > f.ballots_valid * c.seats:
        expected.add("K07")
    if _types_given(f):
        expected.add("K13")
    return replace(f, votes=votes), expected


def _votes_cleared(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballots_valid >= 1)
    expected = {"K06", "K13"} if _types_given(f) else {"K06"}
    return replace(f, votes=dict.fromkeys(f.votes, 0)), expected


def _votes_over_limit(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballots_valid >= 1)
    # fill candidates up to `valid` each until the sum is valid × seats + 1
    remaining = f.ballots_valid * c.seats + 1
    votes = {}
    for cid in sorted(f.votes):
        votes[cid] = min(f.ballots_valid, remaining)
        remaining -= votes[cid]
    assert remaining == 0  # there are more candidates than seats
    expected = {"K07", "K13"} if _types_given(f) else {"K07"}
    return replace(f, votes=votes), expected


def _candidate_dropped(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    cid = r.choice(sorted(f.votes))
    votes = {k: v for k, v in f.votes.items() if k != cid}
    expected = {"K08"}
    if sum(votes.values()) < f.ballots_valid:
        expected.add("K06")
    if _types_given(f) and f.votes[cid] > 0:
        expected.add("K13")
    return replace(f, votes=votes), expected


def _unknown_candidate(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    return replace(f, votes={**f.votes, max(f.votes) + 1: 0}), {"K08"}


def _ballot_moved_up(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballot_types is not None and c.seats >= 2)
    assert f.ballot_types is not None
    movable = [k for k, n in f.ballot_types.items() if n > 0 and k < c.seats]
    assume(movable)
    k = r.choice(movable)
    types = {**f.ballot_types, k: f.ballot_types[k] - 1, k + 1: f.ballot_types[k + 1] + 1}
    return replace(f, ballot_types=types), {"K13"}


def _type_beyond_seats(
    f: TallyFigures, c: TallyContext, r: random.Random
) -> tuple[TallyFigures, set[str]]:
    assume(f.ballot_types is not None)
    assert f.ballot_types is not None
    return replace(f, ballot_types={**f.ballot_types, c.seats + 1: 0}), {"K13"}


MUTATIONS: list[Mutation] = [
    _invalid_plus_one,
    _valid_plus_one,
    _one_more_invalid_ballot_received,
    _voted_over_list,
    _issued_below_received,
    _received_over_voted,
    _candidate_over_valid,
    _votes_cleared,
    _votes_over_limit,
    _candidate_dropped,
    _unknown_candidate,
    _ballot_moved_up,
    _type_beyond_seats,
]


# mutations of the breakdown need one, and moving a ballot up needs 2+ seats
SHEETS_FOR = {
    _ballot_moved_up: simulated_sheets(with_types=True, min_seats=2),
    _type_beyond_seats: simulated_sheets(with_types=True),
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__.strip("_"))
@given(data=st.data(), rnd=st.randoms(use_true_random=False))
def test_breaking_one_identity_gives_the_expected_errors(
    mutation: Mutation, data: st.DataObject, rnd: random.Random
) -> None:
    figures, context = data.draw(SHEETS_FOR.get(mutation, simulated_sheets()))
    broken, expected = mutation(figures, context, rnd)
    assert set(codes(errors(check_tally(broken, context)))) == expected


COUNT_FIELDS = [
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
]


@pytest.mark.parametrize("field", COUNT_FIELDS)
@given(case=simulated_sheets(), amount=st.integers(1, 10**6))
def test_a_negative_count_gives_only_r01(
    field: str, case: tuple[TallyFigures, TallyContext], amount: int
) -> None:
    figures, context = case
    broken = replace(figures, **{field: -amount})
    found = errors(check_tally(broken, context))
    assert [(f.code, f.fields) for f in found] == [("R01", (field,))]


@given(case=simulated_sheets(), rnd=st.randoms(use_true_random=False))
def test_a_negative_vote_gives_only_r01(
    case: tuple[TallyFigures, TallyContext], rnd: random.Random
) -> None:
    figures, context = case
    cid = rnd.choice(sorted(figures.votes))
    broken = replace(figures, votes={**figures.votes, cid: -1})
    found = errors(check_tally(broken, context))
    assert [(f.code, f.fields) for f in found] == [("R01", (f"votes.{cid}",))]


@given(
    st.lists(st.integers(-5, 200), min_size=6, max_size=6),
    st.dictionaries(st.integers(-2, 8), st.integers(-5, 300), max_size=8),
    st.one_of(st.none(), st.dictionaries(st.integers(-2, 8), st.integers(-5, 100), max_size=8)),
    st.integers(-2, 8),
    st.frozensets(st.integers(-2, 8), max_size=8),
    st.one_of(st.none(), st.integers(-5, 200)),
    st.one_of(st.none(), st.integers(-5, 200)),
)
def test_arbitrary_input_never_crashes(
    counts: list[int],
    votes: dict[int, int],
    types: dict[int, int] | None,
    seats: int,
    ids: frozenset[int],
    registered: int | None,
    turnout: int | None,
) -> None:
    figures = TallyFigures(*counts, votes=votes, ballot_types=types)
    for f in check_tally(figures, TallyContext(seats, ids, registered, turnout)):
        assert f.message() and f.message("en")
        assert f.as_dict("en")["code"] == f.code
