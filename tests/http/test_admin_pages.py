"""The accounts and audit pages over HTTP: what an admin can do, what nobody else can do
even by calling the callbacks directly, sessions ended by deactivation and reset, and an
audit log limited to the viewer's scope."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from data.models import AuditEvent, User
from data.services import audit
from data.services.turnout import TurnoutInput, submit_turnout
from tests.http.conftest import PASSWORD, dash_post, login

Prop = tuple[Any, str]


def call(
    client,  # type: ignore[no-untyped-def]
    outputs: list[Prop],
    inputs: list[Any],
    state: list[Any] = (),  # type: ignore[assignment]
    changed: list[str] = (),  # type: ignore[assignment]
):
    """One request to /_dash-update-component; ``inputs``/``state`` items are
    ``(id, prop, value)`` or, for a pattern-matching ALL, a list of them."""

    def ident(i: Any) -> str:
        return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else i

    def item(spec: Any) -> Any:
        if isinstance(spec, list):
            return [item(s) for s in spec]
        i, prop, value = spec
        return {"id": i, "property": prop, "value": value}

    return dash_post(
        client,
        {
            "output": ".." + "...".join(f"{ident(i)}.{p}" for i, p in outputs) + "..",
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [item(s) for s in inputs],
            "state": [item(s) for s in state],
            "changedPropIds": list(changed),
        },
    )


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(response.get_json(), ensure_ascii=False)


TABLE = [("acct-table", "children"), ("acct-count", "children")]
CREATE = [
    ("acct-new-result", "children"),
    ("acct-new-errors", "children"),
    ("acct-created", "data"),
    ("acct-new-username", "value"),
    ("acct-new-name", "value"),
    ("acct-new-phone", "value"),
]
CONFIRM = [
    ("acct-confirm", "is_open"),
    ("acct-confirm-title", "children"),
    ("acct-confirm-body", "children"),
    ("acct-confirm-yes", "style"),
    ("acct-confirm-no", "children"),
    ("acct-pending", "data"),
    ("acct-acted", "data"),
]
EDIT = [
    ("acct-edit", "is_open"),
    ("acct-edit-title", "children"),
    ("acct-edit-user", "data"),
    ("acct-edit-role", "value"),
    ("acct-edit-name", "value"),
    ("acct-edit-phone", "value"),
    ("acct-edit-errors", "children"),
    ("acct-edited", "data"),
    ("acct-edit-notice", "children"),
]
AUDIT = [
    ("audit-body", "children"),
    ("audit-cursor", "data"),
    ("audit-more", "disabled"),
    ("audit-status", "children"),
]


def table(client, search=None, role=None, active=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        TABLE,
        [
            ("acct-search", "value", search),
            ("acct-role-filter", "value", role),
            ("acct-active-filter", "value", active),
            ("acct-created", "data", None),
            ("acct-acted", "data", None),
            ("acct-edited", "data", None),
        ],
    )


def create(client, username, role, scope, full_name="", phone=""):  # type: ignore[no-untyped-def]
    return call(
        client,
        CREATE,
        [
            ("acct-new-submit", "n_clicks", 1),
            ("acct-new-username", "n_submit", None),
            ("acct-new-name", "n_submit", None),
            ("acct-new-phone", "n_submit", None),
        ],
        [
            ("acct-new-username", "value", username),
            ("acct-new-name", "value", full_name),
            ("acct-new-phone", "value", phone),
            ("acct-new-role", "value", role),
            ("acct-new-scope", "value", scope),
        ],
        ["acct-new-submit.n_clicks"],
    )


def row_buttons(user_ids: list[int], clicked: tuple[str, int] | None = None) -> list:
    return [
        (
            {"type": "acct-op", "op": op, "user": uid},
            "n_clicks",
            1 if clicked == (op, uid) else None,
        )
        for uid in user_ids
        for op in ("reset", "deactivate")
    ]


def ask(client, op: str, user_id: int):  # type: ignore[no-untyped-def]
    """Click a row's button: the dialog asks for confirmation."""
    ident = json.dumps({"op": op, "type": "acct-op", "user": user_id}, separators=(",", ":"))
    return call(
        client,
        CONFIRM,
        [
            row_buttons([user_id], (op, user_id)),
            ("acct-confirm-yes", "n_clicks", None),
            ("acct-confirm-no", "n_clicks", None),
        ],
        [("acct-pending", "data", None)],
        [f"{ident}.n_clicks"],
    )


def confirm(client, op: str, user_id: object):  # type: ignore[no-untyped-def]
    """Press "Xác nhận" with ``{"op", "user"}`` pending — as any caller could send it."""
    return call(
        client,
        CONFIRM,
        [
            row_buttons([]),
            ("acct-confirm-yes", "n_clicks", 1),
            ("acct-confirm-no", "n_clicks", None),
        ],
        [("acct-pending", "data", {"op": op, "user": user_id})],
        ["acct-confirm-yes.n_clicks"],
    )


def save_edit(client, user_id, role, scope, full_name="", phone=""):  # type: ignore[no-untyped-def]
    return call(
        client,
        EDIT,
        [
            [],
            ("acct-edit-save", "n_clicks", None),
            ("acct-edit-name", "n_submit", 1),  # Enter in the name box saves too
            ("acct-edit-phone", "n_submit", None),
            ("acct-edit-cancel", "n_clicks", None),
        ],
        [
            ("acct-edit-user", "data", {"id": user_id, "scope": scope}),
            ("acct-edit-role", "value", role),
            ("acct-edit-scope", "value", scope),
            ("acct-edit-name", "value", full_name),
            ("acct-edit-phone", "value", phone),
        ],
        ["acct-edit-name.n_submit"],
    )


def audit_page(client, election, *, action=None, username=None, more=None, cursor=None):  # type: ignore[no-untyped-def]
    return call(
        client,
        AUDIT,
        [
            ("audit-election", "value", election),
            ("audit-action", "value", action),
            ("audit-username", "value", username),
            ("audit-dates", "start_date", None),
            ("audit-dates", "end_date", None),
            ("audit-refresh", "n_clicks", None),
            ("audit-more", "n_clicks", more),
        ],
        [("audit-cursor", "data", cursor)],
        ["audit-more.n_clicks"] if more else [],
    )


def users(web) -> dict[str, User]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return {u.username: u for u in s.scalars(select(User))}


def snapshot(web) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted(
        (u.username, u.role, u.scope_code, u.is_active, u.password_hash, u.session_epoch)
        for u in users(web).values()
    )


def is_logged_out(client) -> bool:  # type: ignore[no-untyped-def]
    page = client.get("/")
    layout = client.get("/_dash-layout")
    return page.status_code == 302 and "/login" in page.location and layout.status_code == 401


# --------------------------------------------------------------------------- the admin


def test_the_admin_sees_the_page_and_the_account_list(web, client_for):
    client = client_for("quantri")
    assert client.get("/admin/users").status_code == 200
    layout = text_of(client.get("/_dash-layout"))
    assert "Tài khoản" in layout and "/admin/users" in layout and "/audit" in layout
    response = table(client)
    assert response.status_code == 200
    text = text_of(response)
    for name in ("xa_badinh", "xa_ngocha", "tinh_hanoi", "lanhdao", "hdbcqg", "quantri"):
        assert name in text
    assert "Phường Ba Đình" in text and "Cấp xã" in text and "6 tài khoản" in text
    only = text_of(table(client, search="ngoc"))
    assert "xa_ngocha" in only and "xa_badinh" not in only
    provinces = text_of(table(client, role="province"))
    assert "tinh_hanoi" in provinces and "xa_badinh" not in provinces


def test_the_admin_creates_an_account_and_sees_its_one_time_password_once(web, client_for):
    client = client_for("quantri")
    response = create(client, "xa_moi", "commune", "00008", "Trần Thị Bình", "0912 345 678")
    assert response.status_code == 200
    out = response.get_json()["response"]
    otp = out["acct-new-result"]["children"]
    text = json.dumps(otp, ensure_ascii=False)
    assert "Đã tạo tài khoản xa_moi" in text and "chỉ hiển thị một lần" in text
    new = users(web)["xa_moi"]
    assert (new.role, new.scope_code, new.full_name, new.phone) == (
        "commune",
        "00008",
        "Trần Thị Bình",
        "0912 345 678",
    )
    assert new.must_change_password
    password = _code_in(otp)
    fresh = client.application.test_client()
    assert login(fresh, "xa_moi", password).location.endswith("/password")
    assert out["acct-new-username"]["value"] == ""  # the form is cleared for the next one


def _code_in(component: Any) -> str:
    """The text of the html.Code element with id acct-otp inside a rendered component."""
    if isinstance(component, dict):
        props = component.get("props", {})
        if props.get("id") == "acct-otp":
            return props["children"]
        for value in props.values():
            found = _code_in(value)
            if found:
                return found
    if isinstance(component, list):
        for part in component:
            found = _code_in(part)
            if found:
                return found
    return ""


def test_a_refused_creation_says_why_in_vietnamese_and_writes_nothing(web, client_for):
    client = client_for("quantri")
    before = snapshot(web)
    refused = create(client, "tinh 2", "province", "00004")
    assert "acct-new-result" not in refused.get_json()["response"]  # a shown password stays
    text = text_of(refused)
    assert "Tên đăng nhập chỉ gồm chữ" in text
    assert "phải có phạm vi là một tỉnh" in text
    text = text_of(create(client, "xa_badinh", "commune", "00004"))
    assert "đã tồn tại" in text
    assert snapshot(web) == before


def test_deactivation_ends_the_users_open_sessions_at_once(web, client_for):
    admin, victim = client_for("quantri"), client_for("xa_badinh")
    assert victim.get("/").status_code == 200
    target = users(web)["xa_badinh"].id
    question = text_of(ask(admin, "deactivate", target))
    assert "Khóa tài khoản xa_badinh?" in question
    assert users(web)["xa_badinh"].is_active  # asking changes nothing
    done = confirm(admin, "deactivate", target)
    assert done.status_code == 200 and "Đã khóa tài khoản xa_badinh" in text_of(done)
    assert not users(web)["xa_badinh"].is_active
    assert is_logged_out(victim)
    relogin = victim.application.test_client()
    assert login(relogin, "xa_badinh").status_code == 401
    assert "Mở khóa" in text_of(table(admin, search="xa_badinh"))

    confirm(admin, "reactivate", target)
    assert users(web)["xa_badinh"].is_active
    assert is_logged_out(victim)  # the old session stays ended after reactivation
    assert login(relogin, "xa_badinh").status_code == 302


def test_a_password_reset_ends_sessions_and_forces_a_change(web, client_for):
    admin, victim = client_for("quantri"), client_for("xa_ngocha")
    target = users(web)["xa_ngocha"].id
    done = confirm(admin, "reset", target)
    body = done.get_json()["response"]["acct-confirm-body"]["children"]
    password = _code_in(body)
    assert len(password) >= 12
    assert done.get_json()["response"]["acct-pending"]["data"] is None  # shown once: no retry
    assert is_logged_out(victim)
    assert login(victim.application.test_client(), "xa_ngocha", PASSWORD).status_code == 401
    fresh = victim.application.test_client()
    assert login(fresh, "xa_ngocha", password).location.endswith("/password")
    assert "Phải đổi" in text_of(table(admin, search="xa_ngocha"))


def test_the_admin_edits_role_and_scope_and_the_users_session_ends(web, client_for):
    admin, victim = client_for("quantri"), client_for("xa_badinh")
    target = users(web)["xa_badinh"].id
    opened = call(
        admin,
        EDIT,
        [
            [({"type": "acct-edit-open", "user": target}, "n_clicks", 1)],
            ("acct-edit-save", "n_clicks", None),
            ("acct-edit-name", "n_submit", None),
            ("acct-edit-phone", "n_submit", None),
            ("acct-edit-cancel", "n_clicks", None),
        ],
        [("acct-edit-user", "data", None)]
        + [(f"acct-edit-{p}", "value", None) for p in ("role", "scope", "name", "phone")],
        [
            json.dumps({"type": "acct-edit-open", "user": target}, separators=(",", ":"))
            + ".n_clicks"
        ],
    ).get_json()["response"]
    assert opened["acct-edit"]["is_open"] is True
    assert opened["acct-edit-user"]["data"] == {"id": target, "scope": "00004"}
    assert opened["acct-edit-role"]["value"] == "commune"

    refused = save_edit(admin, target, "province", "00004", "Nguyễn Văn An")
    assert "phải có phạm vi là một tỉnh" in text_of(refused)
    assert users(web)["xa_badinh"].role == "commune"
    assert victim.get("/").status_code == 200

    saved = save_edit(admin, target, "leader", "01", "Nguyễn Văn An", "0912345678")
    assert saved.get_json()["response"]["acct-edit"]["is_open"] is False
    changed = users(web)["xa_badinh"]
    assert (changed.role, changed.scope_code, changed.full_name) == (
        "leader",
        "01",
        "Nguyễn Văn An",
    )
    assert is_logged_out(victim)


def scope_options(client, role, editing=None, current=None):  # type: ignore[no-untyped-def]
    """The edit dialog's unit list for a role (``editing``: the dialog just opened)."""
    return call(
        client,
        [("acct-edit-scope", "options"), ("acct-edit-scope", "value")],
        [("acct-edit-role", "value", role), ("acct-edit-user", "data", editing)],
        [("acct-edit-scope", "value", current)],
        ["acct-edit-role.value"] + (["acct-edit-user.data"] if editing else []),
    )


def test_the_scope_picker_offers_the_units_that_suit_the_role(web, client_for):
    admin = client_for("quantri")
    out = scope_options(admin, "province", current="00004").get_json()["response"]
    labels = [o["label"] for o in out["acct-edit-scope"]["options"]]
    assert labels == ["01 — Thành phố Hà Nội"]
    assert out["acct-edit-scope"]["value"] == "01"  # the only choice; 00004 does not suit
    out = scope_options(admin, "commune", current="00008").get_json()["response"]
    assert [o["value"] for o in out["acct-edit-scope"]["options"]] == ["00004", "00008"]
    assert out["acct-edit-scope"]["value"] == "00008"
    out = scope_options(admin, "admin").get_json()["response"]
    assert out["acct-edit-scope"]["value"] == "VN"
    # Opening the dialog for another account shows that account's scope, not the last one's.
    opened = scope_options(admin, "commune", {"id": 1, "scope": "00004"}, current="00008")
    assert opened.get_json()["response"]["acct-edit-scope"]["value"] == "00004"


def test_the_admin_cannot_lock_or_demote_themself(web, client_for):
    admin = client_for("quantri")
    me = users(web)["quantri"].id
    assert "tự khóa" in text_of(confirm(admin, "deactivate", me))
    assert "chính mình" in text_of(save_edit(admin, me, "national", "VN"))
    assert users(web)["quantri"].is_active and users(web)["quantri"].role == "admin"
    assert admin.get("/").status_code == 200


# --------------------------------------------------------------------------- everyone else


@pytest.mark.parametrize("username", ["tinh_hanoi", "xa_badinh", "lanhdao", "hdbcqg"])
def test_nobody_else_can_use_the_account_callbacks_whatever_they_send(web, client_for, username):
    client = client_for(username)
    before = snapshot(web)
    others = users(web)
    victim = others["xa_ngocha"].id
    me = others[username].id
    responses = [
        table(client),
        create(client, "ke_gian", "admin", "VN"),
        ask(client, "reset", victim),
        confirm(client, "deactivate", victim),
        confirm(client, "reset", victim),
        confirm(client, "reset", me),
        save_edit(client, me, "admin", "VN"),
        save_edit(client, victim, "admin", "VN"),
        scope_options(client, "commune"),
    ]
    for response in responses:
        assert response.status_code == 403, response.get_data(as_text=True)
        assert "xa_ngocha" not in response.get_data(as_text=True)
        assert response.get_json()["errors"][0]["code"] == "E_FORBIDDEN"
    assert snapshot(web) == before
    assert "ke_gian" not in users(web)
    with web.db.read() as s:
        refusals = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "permission.refused", AuditEvent.username == username
            )
        ).all()
    assert len(refusals) >= len(responses)
    assert "/admin/users" not in client.get("/_dash-layout").get_data(as_text=True)


# --------------------------------------------------------------------------- audit log


def _two_communes_report(web) -> None:  # type: ignore[no-untyped-def]
    for actor, area in ((web.commune_a, "00004-01"), (web.commune_b, "00008-02")):
        submit_turnout(web.db, actor, web.eid, TurnoutInput(area, "0900", 300), clock=web.clock)


def test_a_commune_sees_only_its_own_communes_events(web, client_for):
    _two_communes_report(web)
    client = client_for("xa_badinh")
    response = audit_page(client, web.eid)
    assert response.status_code == 200
    text = text_of(response)
    assert "00004-01/0900" in text and "Nhập tiến độ" in text and "đã bầu: 300" in text
    assert "00008" not in text and "xa_ngocha" not in text
    assert "login" not in text  # logins concern no unit: whole-tree viewers only
    everything = audit_page(client, 0)  # the whole-log choice is not theirs to make
    assert everything.status_code == 403
    assert audit_page(client, "VN/").status_code == 403


def test_a_province_sees_its_communes_and_the_admin_sees_everything(web, client_for):
    _two_communes_report(web)
    province = text_of(audit_page(client_for("tinh_hanoi"), web.eid))
    assert "00004-01/0900" in province and "00008-02/0900" in province
    assert "login.success" not in province
    admin = client_for("quantri")
    confirm(admin, "deactivate", users(web)["hdbcqg"].id)
    whole = text_of(audit_page(admin, 0))
    assert "Khóa tài khoản" in whole and "login.success" in whole and "00008-02/0900" in whole
    only_accounts = text_of(audit_page(admin, 0, action="user"))
    assert "hdbcqg" in only_accounts and "00008-02" not in only_accounts
    assert audit_page(client_for("lanhdao"), web.eid).status_code == 403  # leaders: no audit


def test_the_audit_log_loads_more_newest_first(web, client_for):
    with web.db.write() as s:
        for n in range(130):
            audit.record(
                s,
                web.commune_a,
                "turnout.update",
                at=datetime.now(UTC),
                election_id=web.eid,
                object_type="turnout_report",
                object_key=f"00004-01/{n:04d}",
                unit_path="VN/01/00004/",
            )
    client = client_for("xa_badinh")
    first = audit_page(client, web.eid).get_json()["response"]
    assert first["audit-more"]["disabled"] is False
    first_text = json.dumps(first, ensure_ascii=False)
    assert "00004-01/0129" in first_text and "00004-01/0029" not in first_text
    cursor = first["audit-cursor"]["data"]
    second = audit_page(client, web.eid, more=1, cursor=cursor).get_json()["response"]
    second_text = json.dumps(second, ensure_ascii=False)
    assert "00004-01/0029" in second_text and "00004-01/0000" in second_text
    assert "00004-01/0129" not in second_text
    assert second["audit-more"]["disabled"] is True
    assert "130 sự kiện" in second_text
