"""Login, sessions, CSRF, lockout and security headers over HTTP."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from auth.throttle import ACCOUNT_LIMIT
from data.models import AuditEvent, User
from data.passwords import hash_password
from tests.http.conftest import PASSWORD, csrf_of, login

LAYOUT_BODY = {
    "output": "page.children",
    "outputs": {"id": "page", "property": "children"},
    "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
    "state": [],
    "changedPropIds": ["url.pathname"],
}


def actions(web) -> list[str]:  # type: ignore[no-untyped-def]
    with web.db.read() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def route(client, **headers):  # type: ignore[no-untyped-def]
    return client.post("/_dash-update-component", json=LAYOUT_BODY, headers=headers)


def test_login_page_is_vietnamese_by_default_and_english_on_request(web, app):
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page and 'lang="vi"' in page
    client.get("/lang/en")
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_unknown_user_and_wrong_password_look_the_same(web, app):
    client = app.server.test_client()
    unknown = login(client, "khong_ton_tai", "sai mật khẩu rồi")
    wrong = login(client, "xa_badinh", "sai mật khẩu rồi")
    assert unknown.status_code == wrong.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)
    assert actions(web).count("login.failed") == 2


def test_a_good_login_opens_the_app_and_is_audited(web, app):
    client = app.server.test_client()
    response = login(client, "xa_badinh")
    assert response.status_code == 302 and response.location == "/"
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 200
    assert "login.success" in actions(web)


def test_the_account_locks_after_repeated_failures_even_for_the_right_password(web, app):
    client = app.server.test_client()
    for _ in range(ACCOUNT_LIMIT):
        assert login(client, "xa_badinh", "sai mật khẩu rồi").status_code == 401
    locked = login(client, "xa_badinh", PASSWORD)
    assert locked.status_code == 429
    assert "tạm bị khóa" in locked.get_data(as_text=True)
    assert "login.lockout" in actions(web)
    assert "login.refused_locked" in actions(web)
    assert login(app.server.test_client(), "xa_ngocha").status_code == 302  # others unaffected


def test_a_one_time_password_must_be_changed_before_anything_else(web, app):
    with web.db.write() as s:
        s.execute(
            update(User).where(User.username == "xa_badinh").values(must_change_password=True)
        )
    client = app.server.test_client()
    response = login(client, "xa_badinh")
    assert response.location.endswith("/password")
    assert client.get("/").location.endswith("/password")
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 403
    new = "Mật khẩu mới của xã 2026!"
    changed = client.post(
        "/password",
        data={"current": PASSWORD, "new": new, "repeat": new, "csrf_token": csrf_of(client)},
    )
    assert changed.status_code == 302
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 200
    assert "password.change" in actions(web)


def test_changing_the_password_ends_every_other_session(web, app):
    phone, office = app.server.test_client(), app.server.test_client()
    login(phone, "xa_badinh")
    login(office, "xa_badinh")
    new = "Một mật khẩu mới hẳn 2026"
    office.post(
        "/password",
        data={"current": PASSWORD, "new": new, "repeat": new, "csrf_token": csrf_of(office)},
    )
    assert route(office, **{"X-CSRFToken": csrf_of(office)}).status_code == 200
    assert route(phone, **{"X-CSRFToken": csrf_of(phone)}).status_code == 401


def test_a_weak_new_password_is_refused_with_reasons(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    response = client.post(
        "/password",
        data={
            "current": PASSWORD,
            "new": "xa_badinh1",
            "repeat": "xa_badinh1",
            "csrf_token": csrf_of(client),
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ít nhất 12 ký tự" in text and "không được chứa tên đăng nhập" in text


def test_deactivation_ends_the_session_at_the_next_request(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    with web.db.write() as s:
        user = s.scalar(select(User).where(User.username == "xa_badinh"))
        user.is_active = False
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 401


def test_idle_and_absolute_timeouts_end_the_session(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    with client.session_transaction() as session:
        session["seen"] -= app.server.config["BAUCU_IDLE_SECONDS"] + 1
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 401
    login(client, "xa_badinh")
    with client.session_transaction() as session:
        session["started"] -= app.server.config["BAUCU_ABSOLUTE_SECONDS"] + 1
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 401


def test_a_state_changing_request_without_the_csrf_token_is_refused(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    assert route(client).status_code == 403
    assert route(client, **{"X-CSRFToken": "forged"}).status_code == 403
    response = client.post("/logout")
    assert response.status_code == 403  # still logged in
    assert route(client, **{"X-CSRFToken": csrf_of(client)}).status_code == 200


def test_a_cross_site_request_is_refused_even_with_the_token(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    token = csrf_of(client)
    cross_site = route(client, **{"X-CSRFToken": token, "Sec-Fetch-Site": "cross-site"})
    other_origin = route(client, **{"X-CSRFToken": token, "Origin": "https://evil.example"})
    assert cross_site.status_code == other_origin.status_code == 403
    assert cross_site.get_json()["errors"][0]["code"] == "E_CSRF"
    same = route(
        client,
        **{"X-CSRFToken": token, "Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    assert same.status_code == 200


def test_a_login_form_posted_from_another_site_is_refused(web, app):
    client = app.server.test_client()
    response = client.post(
        "/login",
        data={"username": "xa_badinh", "password": PASSWORD, "csrf_token": csrf_of(client)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def test_security_headers_and_cookie_flags(web, app):
    client = app.server.test_client()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("baucu_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    secure = app.server.test_client().get("/login", base_url="https://localhost")
    assert all("Secure" in c for c in secure.headers.getlist("Set-Cookie"))


def test_the_dash_index_script_hashes_match_the_csp(web, app):
    client = app.server.test_client()
    login(client, "xa_badinh")
    response = client.get("/")
    html = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)  # IE-only
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S
    )
    import base64
    import hashlib

    csp = response.headers["Content-Security-Policy"]
    assert inline  # Dash's renderer bootstrap is inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_passwords_are_stored_as_argon2id(web):
    with web.db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "xa_badinh"))
    assert stored.startswith("$argon2id$")
    assert stored != hash_password(PASSWORD)  # salted
