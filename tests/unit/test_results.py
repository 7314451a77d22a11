"""Determining the result (data/results.py), DESIGN §6."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.enums import Level
from data.results import (
    CandidateOutcome,
    CandidateTotal,
    ResultOutcome,
    determine_result,
    percent,
)

HDND = [Level.HDND_TINH, Level.HDND_HUYEN, Level.HDND_XA]


def cand(id: int, votes: int, born: date = date(1970, 1, 1), name: str = "") -> CandidateTotal:
    return CandidateTotal(
        id=id, full_name=name or f"Ứng cử viên {id}", date_of_birth=born, votes=votes
    )


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 8, "12.50"),
        (2, 3, "66.67"),
        (1, 6, "16.67"),
        (1, 3, "33.33"),
        (5, 1000, "0.50"),
        (5, 100000, "0.01"),
        (4, 100000, "0.00"),
        (45_665, 100_000, "45.67"),  # half-up where half-even would give 45.66
        (45_675, 100_000, "45.68"),
        (1, 1, "100.00"),
        (0, 7, "0.00"),
        (0, 0, "0.00"),
        (3, 0, "0.00"),
    ],
)
def test_percent(part: int, whole: int, expected: str) -> None:
    result = percent(part, whole)
    assert result == Decimal(expected)
    assert str(result) == expected


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_percent_is_exact_half_up(part: int, whole: int) -> None:
    result = percent(part, whole)
    exact = Fraction(part * 100, whole)
    assert abs(Fraction(result) - exact) <= Fraction(1, 200)
    # a tie (exactly half a hundredth) always goes up
    if (exact * 100).denominator == 2:
        assert Fraction(result) > exact
    assert result.as_tuple().exponent == -2


def test_simple_qh_result() -> None:
    result = determine_result(
        Level.QH,
        2,
        voters_total=1000,
        voters_voted=900,
        ballots_valid=880,
        candidates=[cand(1, 700), cand(2, 300), cand(3, 600), cand(4, 160)],
    )
    assert isinstance(result, ResultOutcome)
    assert result.valid_election and not result.revote_needed
    assert not result.additional_election_needed
    assert result.turnout_percent == Decimal("90.00")
    assert result.elected_ids == (1, 3)
    assert [c.id for c in result.candidates] == [1, 3, 2, 4]
    assert [c.rank for c in result.candidates] == [1, 2, 3, 4]
    assert [c.elected for c in result.candidates] == [True, True, False, False]
    first = result.candidates[0]
    assert first == CandidateOutcome(
        id=1, full_name="Ứng cử viên 1", votes=700, percent=Decimal("79.55"), elected=True, rank=1
    )


@pytest.mark.parametrize(
    ("voters_total", "voters_voted", "valid"),
    [(1000, 500, False), (1000, 501, True), (1001, 500, False), (1001, 501, True), (0, 0, False)],
)
def test_validity_needs_more_than_half(voters_total: int, voters_voted: int, valid: bool) -> None:
    result = determine_result(
        Level.QH, 1, voters_total, voters_voted, voters_voted, [cand(1, voters_voted)]
    )
    assert result.valid_election is valid
    assert result.revote_needed is not valid
    assert result.elected_ids == ((1,) if valid else ())
    assert result.additional_election_needed is False


@pytest.mark.parametrize(
    ("votes", "valid", "elected"),
    [(50, 100, False), (51, 100, True), (50, 101, False), (51, 101, True), (0, 0, False)],
)
def test_candidate_needs_more_than_half_of_valid_ballots(
    votes: int, valid: int, elected: bool
) -> None:
    result = determine_result(Level.QH, 1, 200, 150, valid, [cand(1, votes), cand(2, 0)])
    assert result.candidates[0].elected is elected
    assert result.additional_election_needed is not elected


def test_invalid_election_elects_nobody() -> None:
    result = determine_result(Level.HDND_XA, 3, 1000, 400, 390, [cand(i, 390) for i in range(1, 6)])
    assert not result.valid_election
    assert result.revote_needed
    assert not result.additional_election_needed
    assert result.elected_ids == ()
    assert not any(c.elected for c in result.candidates)
    assert result.turnout_percent == Decimal("40.00")
    assert [c.percent for c in result.candidates] == [Decimal("100.00")] * 5


def test_tie_for_the_last_seat_goes_to_the_older_candidate() -> None:
    candidates = [
        cand(1, 800),
        cand(2, 600, date(1980, 5, 1)),
        cand(3, 600, date(1975, 5, 1)),
        cand(4, 600, date(1990, 5, 1)),
    ]
    result = determine_result(Level.QH, 2, 1000, 1000, 1000, candidates)
    assert result.elected_ids == (1, 3)
    assert [c.id for c in result.candidates] == [1, 3, 2, 4]


def test_same_votes_and_same_birthday_the_lower_id_wins() -> None:
    # The law is silent; we rank the lower id first so the outcome is
    # deterministic (the committee must settle such a case itself).
    born = date(1970, 1, 1)
    result = determine_result(Level.QH, 1, 100, 100, 100, [cand(9, 60, born), cand(4, 60, born)])
    assert result.elected_ids == (4,)
    assert [c.rank for c in result.candidates] == [1, 2]


def test_tie_among_all_winners_elects_all() -> None:
    result = determine_result(Level.HDND_XA, 2, 10, 10, 10, [cand(1, 6), cand(2, 6), cand(3, 2)])
    assert result.elected_ids == (1, 2)


def test_at_most_seats_elected_even_if_more_qualify() -> None:
    result = determine_result(Level.HDND_TINH, 2, 10, 10, 10, [cand(i, 9 - i) for i in range(1, 5)])
    assert result.elected_ids == (1, 2)
    assert not result.additional_election_needed


@pytest.mark.parametrize(
    ("seats", "winners", "needed"),
    [(1, 0, True), (1, 1, False), (2, 1, True), (2, 2, False), (3, 2, True), (3, 3, False)],
)
def test_additional_election_qh(seats: int, winners: int, needed: bool) -> None:
    candidates = [cand(i, 80 if i <= winners else 10) for i in range(1, seats + 3)]
    result = determine_result(Level.QH, seats, 100, 100, 100, candidates)
    assert len(result.elected_ids) == winners
    assert result.additional_election_needed is needed


# HĐND: additional election when winners < 2/3 of seats (winners * 3 < seats * 2)
@pytest.mark.parametrize(
    ("seats", "winners", "needed"),
    [
        (1, 0, True),
        (1, 1, False),
        (2, 1, True),  # 3 < 4
        (2, 2, False),
        (3, 1, True),
        (3, 2, False),  # exactly two thirds is enough
        (4, 2, True),  # 6 < 8
        (4, 3, False),
        (5, 3, True),  # 9 < 10
        (5, 4, False),
    ],
)
@pytest.mark.parametrize("level", HDND)
def test_additional_election_hdnd(level: Level, seats: int, winners: int, needed: bool) -> None:
    candidates = [cand(i, 80 if i <= winners else 10) for i in range(1, seats + 4)]
    result = determine_result(level, seats, 100, 100, 100, candidates)
    assert len(result.elected_ids) == winners
    assert result.additional_election_needed is needed


def test_no_candidates_and_odd_input() -> None:
    result = determine_result(Level.QH, 2, 100, 60, 0, [])
    assert result.candidates == () and result.elected_ids == ()
    assert result.additional_election_needed
    result = determine_result(Level.QH, 0, 100, 60, 60, [cand(1, 60)])
    assert result.elected_ids == ()
    result = determine_result(Level.QH, 1, 0, 0, 0, [cand(1, 0)])
    assert result.turnout_percent == Decimal("0.00")
    assert result.candidates[0].percent == Decimal("0.00")


# --- properties -----------------------------------------------------------------

BIRTHDAYS = [date(1960, 1, 1), date(1965, 6, 15), date(1970, 1, 1), date(1985, 12, 31)]


@st.composite
def elections(draw: st.DrawFn) -> tuple[Level, int, int, int, int, list[CandidateTotal]]:
    level = draw(st.sampled_from(list(Level)))
    seats = draw(st.integers(1, 5))
    voters_total = draw(st.integers(0, 2000))
    voters_voted = draw(st.integers(0, voters_total))
    valid = draw(st.integers(0, voters_voted))
    ids = draw(st.lists(st.integers(1, 500), min_size=0, max_size=9, unique=True))
    # few distinct vote counts and birthdays, so ties are frequent
    vote_pool = draw(st.lists(st.integers(0, valid), min_size=1, max_size=3))
    candidates = [
        cand(i, draw(st.sampled_from(vote_pool)), draw(st.sampled_from(BIRTHDAYS))) for i in ids
    ]
    return level, seats, voters_total, voters_voted, valid, candidates


@given(elections())
def test_result_properties(case: tuple[Level, int, int, int, int, list[CandidateTotal]]) -> None:
    level, seats, voters_total, voters_voted, valid, candidates = case
    result = determine_result(level, seats, voters_total, voters_voted, valid, candidates)
    by_id = {c.id: c for c in candidates}
    elected = [by_id[i] for i in result.elected_ids]
    losers = [c for c in candidates if c.id not in result.elected_ids]

    assert len(elected) <= seats
    assert result.valid_election == (2 * voters_voted > voters_total)
    assert result.revote_needed is not result.valid_election
    assert all(2 * c.votes > valid for c in elected)
    assert [o.id for o in result.candidates if o.elected] == list(result.elected_ids)
    assert sorted(o.id for o in result.candidates) == sorted(by_id)
    assert [o.rank for o in result.candidates] == list(range(1, len(candidates) + 1))
    assert all(o.percent == percent(o.votes, valid) for o in result.candidates)
    votes = [o.votes for o in result.candidates]
    assert votes == sorted(votes, reverse=True)

    if not result.valid_election:
        assert result.elected_ids == ()
        assert not result.additional_election_needed
        return
    eligible = [c for c in candidates if 2 * c.votes > valid]
    assert len(elected) == min(seats, len(eligible))
    for winner in elected:
        for loser in losers:
            # nobody left out has more votes; on equal votes the winner is older
            assert loser.votes <= winner.votes
            if loser.votes == winner.votes:
                assert (winner.date_of_birth, winner.id) < (loser.date_of_birth, loser.id)
    if level is Level.QH:
        assert result.additional_election_needed == (len(elected) < seats)
    else:
        assert result.additional_election_needed == (3 * len(elected) < 2 * seats)


@given(elections())
def test_result_does_not_depend_on_input_order(
    case: tuple[Level, int, int, int, int, list[CandidateTotal]],
) -> None:
    level, seats, voters_total, voters_voted, valid, candidates = case
    forward = determine_result(level, seats, voters_total, voters_voted, valid, candidates)
    backward = determine_result(level, seats, voters_total, voters_voted, valid, candidates[::-1])
    assert forward == backward
