"""The simulator's pure parts: the figures it reports pass the real rules (and the impossible
ones fail them), the request bodies follow the callbacks the server declares, the page's
answers are read back, the communes are spread over the provinces."""

from __future__ import annotations

import random
from datetime import time

from hypothesis import given
from hypothesis import strategies as st

from dashboard.simulator.clock import _snap
from dashboard.simulator.day import pick_communes
from dashboard.simulator.figures import (
    AreaPlan,
    Registered,
    curve_share,
    impossible_sheet,
    make_sheet,
    spread,
)
from dashboard.simulator.session import CallbackReply, DashApp, ref
from data.rules.findings import Severity
from data.rules.tally import TallyContext, TallyFigures, check_tally
from data.rules.turnout import Registered as RuleRegistered
from data.rules.turnout import TurnoutFigures, check_turnout


def _tally_findings(sheet, seats: int, registered: int, last: int):  # type: ignore[no-untyped-def]
    figures = TallyFigures(**sheet.counts(), votes=sheet.votes)
    context = TallyContext(seats, frozenset(sheet.votes), registered, last)
    return check_tally(figures, context)


@given(
    registered=st.integers(300, 3000),
    seats=st.integers(1, 5),
    extra=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_a_good_sheet_passes_every_rule_and_an_impossible_one_is_refused(
    registered, seats, extra, seed
):
    rng = random.Random(seed)
    voted = int(registered * rng.uniform(0.5, 0.99))
    candidates = list(range(1, seats + extra + 1))
    sheet = make_sheet(registered, voted, candidates, seats, rng)
    assert _tally_findings(sheet, seats, registered, voted) == []  # no error, no warning
    wrong, code = impossible_sheet(sheet, rng)
    found = _tally_findings(wrong, seats, registered, voted)
    assert code in {f.code for f in found if f.severity is Severity.ERROR}


@given(registered=st.integers(50, 3000), seed=st.integers(0, 10_000))
def test_turnout_climbs_along_the_curve_within_the_rules(registered, seed):
    rng = random.Random(seed)
    male = int(registered * rng.uniform(0.4, 0.6))
    plan = AreaPlan.make("A", "X", Registered(registered, male, registered - male), rng)
    limits = RuleRegistered(registered, male, registered - male)
    previous = None
    for index in range(6):
        figures = plan.turnout(index, 6)
        found = check_turnout(
            TurnoutFigures(figures.total, figures.male, figures.female),
            limits,
            previous,
            due_at=time(9 + 2 * index),
        )
        assert [f for f in found if f.severity is Severity.ERROR] == []
        previous = TurnoutFigures(figures.total, figures.male, figures.female)
    assert previous.total == plan.final
    wrong = plan.impossible_turnout(rng)
    found = check_turnout(
        TurnoutFigures(wrong.total, wrong.male, wrong.female), limits, None, due_at=time(9)
    )
    assert "T01" in {f.code for f in found}


def test_the_curve_and_the_spread():
    assert [round(curve_share(i, 6), 2) for i in range(6)] == [0.36, 0.63, 0.79, 0.89, 0.96, 1.0]
    assert curve_share(0, 1) == 1.0 and curve_share(2, 3) == 1.0
    shares = spread(1000, [5.0, 1.0, 1.0], cap=400)
    assert sum(shares) == 1000 and max(shares) <= 400


def test_communes_are_spread_round_robin_over_the_provinces():
    by_province = {"01": ["a1", "a2", "a3"], "02": ["b1"], "03": ["c1", "c2"]}
    picked = pick_communes(by_province, 5, random.Random(1))
    assert [p for p, _ in picked] == ["01", "02", "03", "01", "03"]
    assert len({c for _, c in picked}) == 5
    assert picked == pick_communes(by_province, 5, random.Random(1))  # repeatable
    assert len(pick_communes(by_province, 50, random.Random(1))) == 6  # no more than there are


DECLARED = [
    {
        "output": '..{"area":["MATCH"],"type":"to-status"}.children...'
        '{"area":["MATCH"],"type":"to-row"}.className..',
        "inputs": [{"id": '{"area":["MATCH"],"type":"to-save"}', "property": "n_clicks"}],
        "state": [
            {"id": '{"area":["MATCH"],"f":"total","type":"to-f"}', "property": "value"},
            {"id": '{"f":["ALL"],"type":"tl-count"}', "property": "value"},
            {"id": "to-ctx", "property": "data"},
            {"id": "added-later", "property": "value"},
        ],
    },
    {"output": "x.children", "inputs": [], "state": [], "clientside_function": {"f": "g"}},
]


def test_the_body_follows_the_declared_callback():
    app = DashApp(DECLARED)
    body = app.body(
        (ref({"type": "to-row"}), "className"),
        {
            (ref({"type": "to-save"}), "n_clicks"): 2,
            (ref({"type": "to-f", "f": "total"}), "value"): "120",
            ("to-ctx", "data"): {"eid": 1},
        },
        {"area": "A-01"},
    )
    assert body["output"] == DECLARED[0]["output"]
    assert body["outputs"] == [
        {"id": {"area": "A-01", "type": "to-status"}, "property": "children"},
        {"id": {"area": "A-01", "type": "to-row"}, "property": "className"},
    ]
    assert body["inputs"] == [
        {"id": {"area": "A-01", "type": "to-save"}, "property": "n_clicks", "value": 2}
    ]
    assert body["changedPropIds"] == ['{"area":"A-01","type":"to-save"}.n_clicks']
    assert [s.get("value") if isinstance(s, dict) else s for s in body["state"]] == [
        "120",
        [],  # an ALL pattern with no component on the page
        {"eid": 1},
        None,  # a state the simulator does not know: sent untouched
    ]


def test_the_answer_is_read_as_the_page_shows_it():
    badge = {
        "type": "Li",
        "namespace": "dash_html_components",
        "props": {
            "className": "finding finding-error",
            "children": [
                {
                    "type": "Badge",
                    "namespace": "dash_bootstrap_components",
                    "props": {"children": "T05", "className": "me-1 finding-code"},
                },
                "Ngoài thời gian nhập.",
            ],
        },
    }
    text = {
        "type": "Div",
        "namespace": "dash_html_components",
        "props": {"className": "refusal", "children": "Chưa lưu — cần xử lý: K03, T06."},
    }
    reply = CallbackReply(200, {"s": {"children": [badge, text]}}, None)
    assert reply.findings() == [("T05", "error"), ("K03", "?"), ("T06", "?")]


def test_a_measured_clock_speed_snaps_to_the_round_number_it_was_set_to():
    assert _snap(599.4) == 600 and _snap(60.3) == 60 and _snap(1.004) == 1
    assert _snap(1234.0) == 1234.0  # not near a round number: kept
