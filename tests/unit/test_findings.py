"""The rule catalogue and findings (data/rules/findings.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from data.enums import Level
from data.rules.findings import (
    CATALOGUE,
    Finding,
    RuleSpec,
    Severity,
    codes,
    errors,
    field_label,
    finding,
    placeholders,
    render,
    warnings,
)
from data.rules.master import check_constituency, check_memberships, check_registered
from data.rules.tally import TallyContext, TallyFigures, check_tally
from data.rules.turnout import Registered, TurnoutFigures, check_turnout, check_window_time

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

EXPECTED_SEVERITY = {
    "R01": Severity.ERROR,
    **{f"T0{i}": Severity.ERROR for i in range(1, 6)},
    "T06": Severity.WARNING,
    **{f"K0{i}": Severity.ERROR for i in range(1, 9)},
    "K09": Severity.WARNING,
    "K10": Severity.WARNING,
    "K11": Severity.WARNING,
    "K12": Severity.WARNING,
    "K13": Severity.ERROR,
    **{f"M0{i}": Severity.ERROR for i in range(1, 5)},
}


def test_catalogue_has_exactly_the_design_codes() -> None:
    assert set(CATALOGUE) == set(EXPECTED_SEVERITY)
    assert len(CATALOGUE) == 1 + 6 + 13 + 4


@pytest.mark.parametrize("code", sorted(EXPECTED_SEVERITY))
def test_catalogue_entry(code: str) -> None:
    spec = CATALOGUE[code]
    assert isinstance(spec, RuleSpec)
    assert spec.code == code
    assert spec.severity is EXPECTED_SEVERITY[code]
    for _, vi, en in spec.templates():
        assert vi.strip() and en.strip()
        assert vi != en
        # the same numbers appear in both languages
        assert placeholders(vi) == placeholders(en)


def _example_findings() -> list[Finding]:
    """Real findings from the checks, covering every code and message variant."""
    reg = Registered(total=1000, male=480, female=520)
    found: list[Finding] = []
    found += check_turnout(TurnoutFigures(-1), reg, None, due_at=time(9))  # R01
    found += check_turnout(TurnoutFigures(1001), reg, None, due_at=time(17))  # T01, T06
    found += check_turnout(TurnoutFigures(900, 400, 400), reg, None, due_at=time(17))  # T02
    found += check_turnout(TurnoutFigures(600, 600), reg, None, due_at=time(17))  # T02, T03
    found += check_turnout(TurnoutFigures(300), reg, TurnoutFigures(400), due_at=time(11))  # T04
    found += check_turnout(TurnoutFigures(1000), reg, TurnoutFigures(900), due_at=time(13))
    opens = datetime(2026, 3, 15, 8, 45, tzinfo=TZ)
    closes = datetime(2026, 3, 15, 9, 15, tzinfo=TZ)
    found += check_window_time(datetime(2026, 3, 15, 8, 0, tzinfo=TZ), opens, closes)
    found += check_window_time(datetime(2026, 3, 15, 10, 0, tzinfo=TZ), opens, closes)
    bad = TallyFigures(
        voters_total=100,
        voters_voted=101,
        ballots_issued=90,
        ballots_received=95,
        ballots_valid=80,
        ballots_invalid=10,
        votes={1: 81, 9: 5},
        ballot_types={1: 10, 3: 70},
    )
    found += check_tally(bad, TallyContext(2, frozenset({1, 2}), 99, 100))
    # K04, K06, K08 (missing only), K09, K13 (count)
    found += check_tally(
        TallyFigures(10, 9, 10, 10, 10, 0, {1: 5, 2: 4, 3: 0}, {1: 9}),
        TallyContext(2, frozenset({1, 2, 3, 4})),
    )
    # K07, K08 (unknown only)
    found += check_tally(
        TallyFigures(10, 10, 10, 10, 10, 0, {1: 10, 2: 10, 3: 10}),
        TallyContext(2, frozenset({1, 2})),
    )
    found += check_constituency(Level.HDND_XA, 6, 3)
    found += check_registered(1000, 500, 499)
    found += check_memberships(["A", "B", "C"], [("X", "A"), ("Y", "A"), ("X", "B")])
    return found


EXAMPLES = _example_findings()


def test_examples_cover_every_template() -> None:
    used = {
        (f.code, CATALOGUE[f.code].template(lang, f.params))
        for f in EXAMPLES
        for lang in ("vi", "en")
    }
    every = {
        (code, template)
        for code, spec in CATALOGUE.items()
        for _, vi, en in spec.templates()
        for template in (vi, en)
    }
    assert used == every


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda f: f.code)
def test_every_message_formats_without_key_error(example: Finding, lang: str) -> None:
    template = CATALOGUE[example.code].template(lang, example.params)
    assert placeholders(template) <= set(example.params)
    # strict str.format on the rendered values: a KeyError would fail the test
    message = example.message(lang)
    assert message
    assert "{" not in message and "}" not in message
    assert message[0].isupper()
    assert message.rstrip().endswith(".")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda f: f.code)
def test_vietnamese_messages_have_diacritics_and_vi_numbers(example: Finding) -> None:
    vi = example.message()
    assert vi == example.message("vi")
    assert any(ch in vi for ch in "ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữựíìỉĩịúùủũụ")
    assert not any(word in vi for word in (" the ", " voters ", " ballots "))


def test_numbers_in_messages_follow_the_language() -> None:
    f = finding("T01", ["voted_total"], voted=1234567, registered=1234566)
    assert f.message() == (
        "Số cử tri đã đi bầu (1.234.567) lớn hơn tổng số cử tri của khu vực bỏ phiếu (1.234.566)."
    )
    assert "(1,234,567)" in f.message("en")
    assert "(1,234,566)" in f.message("en-US")


def test_percent_params_in_messages() -> None:
    f = finding("K11", ["ballots_invalid"], invalid=4, received=100, invalid_pct=Decimal("4"))
    assert "4,00 %" in f.message()
    assert "4.00%" in f.message("en")


def test_finding_builds_from_catalogue() -> None:
    f = finding("K09", ["ballots_issued", "voters_voted"], issued=5, voted=4)
    assert f.code == "K09"
    assert f.severity is Severity.WARNING
    assert f.fields == ("ballots_issued", "voters_voted")
    assert f.params == {"issued": 5, "voted": 4}
    assert f.params["issued"] == 5


def test_finding_unknown_code() -> None:
    with pytest.raises(KeyError):
        finding("Z99", ["x"])


def test_finding_constructor_equality_and_hash() -> None:
    a = Finding("T01", Severity.ERROR, ("voted_total",), {"voted": 2, "registered": 1})
    b = finding("T01", ["voted_total"], registered=1, voted=2)
    c = Finding("T01", "error", ["voted_total"], {"voted": 2, "registered": 1})
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)
    assert len({a, b, c}) == 1
    assert a != finding("T01", ["voted_total"], voted=3, registered=1)
    assert isinstance(a.fields, tuple)
    with pytest.raises(TypeError):
        a.params["voted"] = 5  # type: ignore[index]
    with pytest.raises(AttributeError):
        a.code = "T02"  # type: ignore[misc]


def test_finding_with_list_params_stays_hashable() -> None:
    f = finding("M03", ["polling_area"], area="A", constituencies=["X", "Y"])
    assert f.params["constituencies"] == ("X", "Y")
    assert hash(f) == hash(finding("M03", ["polling_area"], area="A", constituencies=("X", "Y")))


def test_as_dict() -> None:
    f = finding("K02", ["ballots_received", "ballots_issued"], received=11, issued=10)
    assert f.as_dict() == {
        "code": "K02",
        "severity": "error",
        "field": "ballots_received,ballots_issued",
        "message": "Số phiếu thu vào (11) lớn hơn số phiếu phát ra (10).",
    }
    en = f.as_dict("en")
    assert en["message"] == "Ballots received (11) exceed ballots issued (10)."
    assert en["severity"] == "error"
    assert finding("K12", ["voters_voted"], voted=1, turnout=2).as_dict()["severity"] == "warning"


def test_errors_warnings_codes() -> None:
    t01 = finding("T01", ["voted_total"], voted=2, registered=1)
    t06 = finding("T06", ["voted_total"], voted=1, registered=1, due_at=time(9))
    r01a = finding("R01", ["voted_male"], field="voted_male", value=-1)
    r01b = finding("R01", ["voted_female"], field="voted_female", value=-1)
    found = [r01a, t06, t01, r01b]
    assert errors(found) == [r01a, t01, r01b]
    assert warnings(found) == [t06]
    assert codes(found) == ["R01", "T06", "T01"]
    assert codes([]) == errors([]) == warnings([]) == []
    assert codes(iter(found)) == ["R01", "T06", "T01"]


@pytest.mark.parametrize(
    ("name", "vi", "en"),
    [
        ("voted_total", "số cử tri đã đi bầu", "voters who voted"),
        ("voted_female", "số cử tri nữ đã đi bầu", "female voters who voted"),
        ("ballots_invalid", "số phiếu không hợp lệ", "invalid ballots"),
        ("votes.42", "số phiếu bầu cho ứng cử viên mã 42", "votes for candidate 42"),
        ("ballot_types.3", "số phiếu bầu 3 người", "ballots keeping 3 names"),
        ("something_else", "something_else", "something_else"),
    ],
)
def test_field_label(name: str, vi: str, en: str) -> None:
    assert field_label(name) == vi
    assert field_label(name, "en") == en


def test_render_rules() -> None:
    params = {
        "field": "voted_male",
        "n": 12345,
        "x_pct": Decimal("12.345"),
        "d": Decimal("1.5"),
        "when": datetime(2026, 3, 15, 9, 5, tzinfo=TZ),
        "at": time(13, 0),
        "day": date(2026, 3, 15),
        "level": Level.HDND_TINH,
        "none": None,
        "some_ids": (1234, 5678),
        "codes": ("B", "A"),
    }
    template = "{field}|{n}|{x_pct}|{d}|{when}|{at}|{day}|{level}|{none}|{some_ids}|{codes}"
    assert render(template, params) == (
        "Số cử tri nam đã đi bầu|12.345|12,35 %|1,50|09:05|13:00|15/03/2026|HĐND tỉnh"
        "|chưa nhập|1234, 5678|B, A"
    )
    assert render(template, params, "en") == (
        "Male voters who voted|12,345|12.35%|1.50|09:05|13:00|15/03/2026"
        "|Provincial People's Council|not entered|1234, 5678|B, A"
    )
    assert render("{level}", {"level": "QH"}) == "Quốc hội"


def test_render_never_raises_on_missing_params() -> None:
    assert render("a {missing} b", {}) == "A {missing} b"
    assert Finding("Z99", Severity.ERROR, ("x",), {"a": 1}).message() == "Z99: a=1"
