"""The drills page over HTTP: the admin creates, resets and deletes drills; nobody else can,
even by calling the callbacks directly; a real election is never deleted; every page
that picks a drill shows the DRILL banner; the API's ``current`` is never a drill."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from data.clock import LOCAL_TZ
from data.drills import create_drill
from data.enums import ElectionKind
from data.models import AuditEvent, Election, PollingArea, TurnoutReport
from data.services.turnout import TurnoutInput, submit_turnout
from tests.http.conftest import dash_post
from tests.http.test_admin_pages import text_of

START = datetime(2026, 3, 20, 8, 0, tzinfo=LOCAL_TZ)  # after the real election's date
CREATE = [("drl-result", "children"), ("drl-errors", "children"), ("drl-created", "data")]
CONFIRM = [
    ("drl-confirm", "is_open"),
    ("drl-confirm-title", "children"),
    ("drl-confirm-body", "children"),
    ("drl-confirm-yes", "style"),
    ("drl-confirm-no", "children"),
    ("drl-reset-row", "style"),
    ("drl-reset-start", "value"),
    ("drl-pending", "data"),
    ("drl-acted", "data"),
]
BANNER = "DIỄN TẬP — dữ liệu không có giá trị"


def call(client, outputs, inputs, state=(), changed=()):  # type: ignore[no-untyped-def]
    """One request to /_dash-update-component; ``inputs``/``state`` items are
    ``(id, prop, value)`` or, for a pattern-matching ALL, a list of them."""

    def ident(i):  # type: ignore[no-untyped-def]
        return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else i

    def item(spec):  # type: ignore[no-untyped-def]
        if isinstance(spec, list):
            return [item(x) for x in spec]
        i, prop, value = spec
        return {"id": i, "property": prop, "value": value}

    if len(outputs) == 1:
        (i, p), *_ = outputs
        output, outs = f"{ident(i)}.{p}", {"id": i, "property": p}
    else:
        output = ".." + "...".join(f"{ident(i)}.{p}" for i, p in outputs) + ".."
        outs = [{"id": i, "property": p} for i, p in outputs]
    return dash_post(
        client,
        {
            "output": output,
            "outputs": outs,
            "inputs": [item(x) for x in inputs],
            "state": [item(x) for x in state],
            "changedPropIds": list(changed),
        },
    )


def create(client, source, name, start="2026-03-20T08:00", cycle=15, entry=10):  # type: ignore[no-untyped-def]
    return call(
        client,
        CREATE,
        [("drl-create", "n_clicks", 1)],
        [
            ("drl-source", "value", source),
            ("drl-name", "value", name),
            ("drl-start", "value", start),
            ("drl-cycle", "value", cycle),
            ("drl-entry", "value", entry),
        ],
        ["drl-create.n_clicks"],
    )


def op(client, drill_ids, clicked=None, yes=None, pending=None, start=None):  # type: ignore[no-untyped-def]
    buttons = [
        ({"type": "drl-op", "op": o, "drill": d}, "n_clicks", 1 if clicked == (o, d) else None)
        for d in drill_ids
        for o in ("reset", "delete")
    ]
    if clicked:
        button = {"drill": clicked[1], "op": clicked[0], "type": "drl-op"}
        changed = [json.dumps(button, separators=(",", ":")) + ".n_clicks"]
    else:
        changed = ["drl-confirm-yes.n_clicks"]
    return call(
        client,
        CONFIRM,
        [buttons, ("drl-confirm-yes", "n_clicks", yes), ("drl-confirm-no", "n_clicks", None)],
        [("drl-pending", "data", pending), ("drl-reset-start", "value", start)],
        changed,
    )


def table(client):  # type: ignore[no-untyped-def]
    return call(
        client,
        [("drl-table", "children")],
        [("drl-created", "data", None), ("drl-acted", "data", None)],
    )


def banner(client, picker: str, value):  # type: ignore[no-untyped-def]
    from dashboard.components.elections import PICKER_IDS

    return call(
        client,
        [("drill-banner", "children")],
        [(p, "value", value if p == picker else None) for p in PICKER_IDS],
        changed=[f"{picker}.value"],
    )


def drills(web) -> list[Election]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return list(s.scalars(select(Election).where(Election.kind == ElectionKind.DRILL)))


def test_the_admin_creates_lists_resets_and_deletes_a_drill(web, client_for):
    admin = client_for("quantri")
    page = call(admin, [("page", "children")], [("url", "pathname", "/admin/drills")])
    assert page.status_code == 200
    assert "Tạo cuộc diễn tập" in text_of(page) and "Bầu cử thử 2026" in text_of(page)

    created = create(admin, web.eid, "Diễn tập 20/3")
    assert created.status_code == 200, created.get_data(as_text=True)
    assert "Đã tạo cuộc diễn tập “Diễn tập 20/3”" in text_of(created)
    [drill] = drills(web)
    assert drill.source_election_id == web.eid
    with web.db.read() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(PollingArea)
                .where(PollingArea.election_id == drill.id)
            )
            == 6
        )
    listed = text_of(table(admin))
    assert "DIỄN TẬP · Diễn tập 20/3" in listed and "08:00 20/03/2026" in listed

    # Something entered in the drill, then a reset from the dialog at a new time.
    web.clock.set(datetime(2026, 3, 20, 8, 17, tzinfo=LOCAL_TZ))
    submit_turnout(
        web.db, web.commune_a, drill.id, TurnoutInput("00004-01", "0900", 40), clock=web.clock
    )
    asked = op(admin, [drill.id], clicked=("reset", drill.id))
    assert asked.status_code == 200
    assert "Đặt lại “Diễn tập 20/3”?" in text_of(asked) and "1 báo cáo" in text_of(asked)
    done = op(
        admin,
        [drill.id],
        yes=1,
        pending={"op": "reset", "drill": drill.id},
        start="2026-03-21T14:30",
    )
    assert "xóa 1 bản ghi" in text_of(done) and "14:30 21/03/2026" in text_of(done)
    with web.db.read() as s:
        assert not s.scalar(
            select(func.count())
            .select_from(TurnoutReport)
            .where(TurnoutReport.election_id == drill.id)
        )

    asked = op(admin, [drill.id], clicked=("delete", drill.id))
    assert "Xóa “Diễn tập 20/3”?" in text_of(asked)
    done = op(admin, [drill.id], yes=1, pending={"op": "delete", "drill": drill.id})
    assert "Đã xóa cuộc diễn tập" in text_of(done)
    assert drills(web) == []
    assert "Chưa có cuộc diễn tập nào" in text_of(table(admin))
    with web.db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.election_id == drill.id)
        ).all()
    assert actions.count("drill.create") == 1 and "drill.reset" in actions
    assert actions[-1] == "drill.delete" and "turnout.create" in actions


def test_bad_input_is_refused_with_a_clear_message(web, client_for):
    admin = client_for("quantri")
    for args, words in (
        ({"name": ""}, "Hãy đặt tên"),
        ({"name": "Bầu cử thử 2026"}, "Đã có cuộc bầu cử"),
        ({"start": "hôm qua"}, "Hãy chọn ngày giờ"),
        ({"cycle": "abc"}, "Số phút phải là số nguyên"),
        ({"entry": 15}, "ngắn hơn một chu kỳ"),
    ):
        kwargs = {"source": web.eid, "name": "Diễn tập", **args}
        response = create(admin, **kwargs)
        assert response.status_code == 200
        assert words in text_of(response), args
    assert drills(web) == []


def test_a_real_election_is_never_deleted_even_when_asked_directly(web, client_for):
    admin = client_for("quantri")
    asked = op(admin, [web.eid], clicked=("delete", web.eid))
    assert asked.status_code == 404  # not a drill: the dialog does not even open
    done = op(admin, [web.eid], yes=1, pending={"op": "delete", "drill": web.eid})
    assert "là cuộc bầu cử thật" in text_of(done)
    reset = op(admin, [web.eid], yes=1, pending={"op": "reset", "drill": web.eid}, start=None)
    assert reset.status_code == 200 and "Hãy chọn ngày giờ" in text_of(reset)
    reset = op(
        admin, [web.eid], yes=1, pending={"op": "reset", "drill": web.eid}, start="2026-03-21T08:00"
    )
    assert "là cuộc bầu cử thật" in text_of(reset)
    with web.db.read() as s:
        assert s.get(Election, web.eid) is not None


@pytest.mark.parametrize("username", ["tinh_hanoi", "hdbcqg", "xa_badinh", "lanhdao"])
def test_nobody_but_the_admin_can_use_the_page_or_its_callbacks(web, client_for, username):
    drill = create_drill(web.db, web.admin, web.eid, "Diễn tập", START, clock=web.clock).id
    client = client_for(username)
    page = call(client, [("page", "children")], [("url", "pathname", "/admin/drills")])
    assert "không có quyền mở trang này" in text_of(page)
    assert create(client, web.eid, "Diễn tập khác").status_code == 403
    assert table(client).status_code == 403
    for pending in ({"op": "delete", "drill": drill}, {"op": "reset", "drill": drill}):
        response = op(client, [drill], yes=1, pending=pending, start="2026-03-21T08:00")
        assert response.status_code == 403
    assert [d.name for d in drills(web)] == ["Diễn tập"]
    nav = client.get("/")
    assert "/admin/drills" not in nav.get_data(as_text=True)


# --- the DRILL banner and the pickers ----------------------------------------------------


def test_every_picker_shows_the_banner_when_a_drill_is_chosen(web, client_for):
    from dashboard.components.elections import PICKER_IDS

    drill = create_drill(web.db, web.admin, web.eid, "Diễn tập 20/3", START, clock=web.clock).id
    client = client_for("xa_badinh")
    for picker in PICKER_IDS:
        shown = banner(client, picker, drill)
        assert shown.status_code == 200, picker
        assert BANNER in text_of(shown) and "Bầu cử thử 2026" in text_of(shown), picker
        real = banner(client, picker, web.eid)
        assert BANNER not in text_of(real), picker
    assert BANNER not in text_of(banner(client, "cc-election", None))
    client.get("/lang/en")
    assert "DRILL — not real data" in text_of(banner(client, "cc-election", drill))
    assert banner(client, "cc-election", 10**9).status_code == 403


def test_the_pickers_label_drills_and_start_on_the_real_election(web, client_for):
    create_drill(web.db, web.admin, web.eid, "Diễn tập 20/3", START, clock=web.clock)
    client = client_for("tinh_hanoi")
    for path in ("/", "/results", "/entry/turnout"):
        page = call(client, [("page", "children")], [("url", "pathname", path)])
        text = text_of(page)
        assert "DIỄN TẬP · Diễn tập 20/3" in text, path
        assert '"id": "drill-banner"' in text, path  # every page carries the banner's slot
        picker = _find_picker(page.get_json())
        assert picker["props"]["value"] == web.eid, path  # the drill is newer, not default


def _find_picker(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "Dropdown" and str(props.get("id", "")).endswith("election"):
            return node
        for value in node.values():
            found = _find_picker(value)
            if found:
                return found
    if isinstance(node, list):
        for value in node:
            found = _find_picker(value)
            if found:
                return found
    return None


def test_the_apis_current_election_is_never_a_drill(web, app):
    from tests.http.test_api_support import token_for

    drill = create_drill(web.db, web.admin, web.eid, "Diễn tập 20/3", START, clock=web.clock).id
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {token_for(app.server, 'xa_badinh')}"}
    listed = client.get("/api/v1/elections", headers=headers).get_json()
    kinds = {e["id"]: (e["kind"], e["current"]) for e in listed}
    assert kinds == {drill: ("drill", False), web.eid: ("real", True)}
    windows = client.get("/api/v1/elections/current/windows", headers=headers).get_json()
    assert windows[1]["opens_at"].startswith("2026-03-15T08:45")  # the real schedule
    drill_windows = client.get(f"/api/v1/elections/{drill}/windows", headers=headers).get_json()
    assert drill_windows[1]["opens_at"].startswith("2026-03-20T08:15")
