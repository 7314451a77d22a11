"""Account administration: each change one audited transaction; access changes end sessions;
admins cannot lock themselves out; the user list and the scoped audit log read models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data.enums import Role
from data.models import AuditEvent, LoginThrottle, User
from data.passwords import hash_password, verify_password
from data.read_models.accounts import list_users, scope_choices
from data.read_models.audit import audit_events
from data.services.accounts import (
    AccountError,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    update_user,
)
from data.services.errors import Forbidden, NotFound
from data.services.turnout import TurnoutInput, submit_turnout
from tests.db.services_support import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world(db)


def user(world: World, username: str) -> User:
    with world.db.read() as s:
        return s.scalar(select(User).where(User.username == username))


def events(world: World, action: str) -> list[AuditEvent]:
    with world.db.read() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def snapshot(world: World) -> list[tuple]:
    with world.db.read() as s:
        return [
            (
                u.username,
                u.role,
                u.scope_code,
                u.full_name,
                u.phone,
                u.is_active,
                u.must_change_password,
                u.session_epoch,
                u.password_hash,
            )
            for u in s.scalars(select(User).order_by(User.id))
        ]


# --------------------------------------------------------------------------- deactivate


def test_deactivation_ends_every_session_and_is_audited_once(world):
    target = user(world, "xa_badinh")
    assert deactivate_user(world.db, world.admin, target.id, reason="Nghỉ việc").changed
    after = user(world, "xa_badinh")
    assert not after.is_active
    assert after.session_epoch == target.session_epoch + 1
    (event,) = events(world, "user.deactivate")
    assert (event.username, event.object_key, event.reason) == ("quantri", "xa_badinh", "Nghỉ việc")
    assert (event.before, event.after) == ({"active": True}, {"active": False})
    assert event.unit_path is None  # account events are for whole-tree viewers only

    again = deactivate_user(world.db, world.admin, target.id)  # a retry changes nothing
    assert not again.changed
    assert user(world, "xa_badinh").session_epoch == after.session_epoch
    assert len(events(world, "user.deactivate")) == 1


def test_reactivation_keeps_old_sessions_ended_and_clears_the_lockout(world):
    target = user(world, "xa_badinh")
    deactivate_user(world.db, world.admin, target.id)
    with world.db.write() as s:
        s.add(
            LoginThrottle(
                key="user:xa_badinh",
                failures=5,
                first_failure_at=datetime.now(UTC),
                locked_until=datetime.now(UTC) + timedelta(minutes=15),
            )
        )
    assert reactivate_user(world.db, world.admin, target.id).changed
    after = user(world, "xa_badinh")
    assert after.is_active
    assert after.session_epoch == target.session_epoch + 2  # a pre-deactivation cookie stays dead
    with world.db.read() as s:
        assert s.get(LoginThrottle, "user:xa_badinh") is None
    assert not reactivate_user(world.db, world.admin, target.id).changed


def test_an_admin_cannot_deactivate_themself_nor_the_last_admin(world):
    me = user(world, "quantri")
    with pytest.raises(AccountError, match="tự khóa"):
        deactivate_user(world.db, world.admin, me.id)
    from data.services.actor import SYSTEM

    with pytest.raises(AccountError, match="ít nhất một tài khoản quản trị"):
        deactivate_user(world.db, SYSTEM, me.id)
    assert user(world, "quantri").is_active


# --------------------------------------------------------------------------- reset


def test_a_reset_gives_a_new_one_time_password_and_ends_sessions(world):
    with world.db.write() as s:
        target = s.scalar(select(User).where(User.username == "xa_badinh"))
        target.password_hash = hash_password("mật khẩu cũ của xã 2026")
        target.must_change_password = False
        s.add(
            LoginThrottle(
                key="user:xa_badinh",
                failures=5,
                first_failure_at=datetime.now(UTC),
                locked_until=datetime.now(UTC) + timedelta(minutes=15),
            )
        )
    before = user(world, "xa_badinh")
    password = reset_password(world.db, world.admin, before.id)
    after = user(world, "xa_badinh")
    assert verify_password(after.password_hash, password)
    assert not verify_password(after.password_hash, "mật khẩu cũ của xã 2026")
    assert after.must_change_password
    assert after.session_epoch == before.session_epoch + 1
    with world.db.read() as s:
        assert s.get(LoginThrottle, "user:xa_badinh") is None
    (event,) = events(world, "user.reset_password")
    assert password not in str(event.after) and after.password_hash not in str(event.after)
    assert event.after["must_change_password"] is True


def test_an_admin_resets_their_own_password_on_the_password_page(world):
    me = user(world, "quantri")
    with pytest.raises(AccountError, match="Đổi mật khẩu"):
        reset_password(world.db, world.admin, me.id)
    assert user(world, "quantri").password_hash == me.password_hash


# --------------------------------------------------------------------------- update


def test_a_new_role_or_scope_ends_sessions_but_a_new_name_does_not(world):
    target = user(world, "xa_badinh")
    change = update_user(world.db, world.admin, target.id, full_name="  Nguyễn  Văn An ")
    assert change.changed
    renamed = user(world, "xa_badinh")
    assert renamed.full_name == "Nguyễn Văn An"
    assert renamed.session_epoch == target.session_epoch

    update_user(world.db, world.admin, target.id, scope_code="00008")
    moved = user(world, "xa_badinh")
    assert moved.scope_code == "00008"
    assert moved.session_epoch == target.session_epoch + 1

    update_user(world.db, world.admin, target.id, role=Role.LEADER, scope_code="01")
    promoted = user(world, "xa_badinh")
    assert (promoted.role, promoted.scope_code) == (Role.LEADER, "01")
    assert promoted.session_epoch == target.session_epoch + 2
    last = events(world, "user.update")[-1]
    assert last.before == {"role": "commune", "scope": "00008"}
    assert last.after == {"role": "leader", "scope": "01"}

    assert not update_user(world.db, world.admin, target.id, role="leader").changed


def test_phone_is_set_and_cleared(world):
    target = user(world, "xa_badinh")
    update_user(world.db, world.admin, target.id, phone="0912 345 678")
    assert user(world, "xa_badinh").phone == "0912 345 678"
    update_user(world.db, world.admin, target.id, phone="")
    assert user(world, "xa_badinh").phone is None


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"role": Role.PROVINCE}, "phải có phạm vi là một tỉnh"),  # still scoped to a commune
        ({"scope_code": "01"}, "phải có phạm vi là một xã"),
        ({"scope_code": "VN"}, "phải có phạm vi là một xã"),
        ({"scope_code": "99999"}, "Không có đơn vị mã 99999"),
        ({"role": "superuser"}, "Vai trò không hợp lệ"),
        ({"role": Role.NATIONAL, "scope_code": "01"}, "toàn quốc"),
        ({"phone": "<script>"}, "Số điện thoại"),
        ({"full_name": "x" * 201}, "Họ tên"),
    ],
)
def test_bad_changes_are_refused_in_vietnamese_and_nothing_changes(world, changes, fragment):
    target = user(world, "xa_badinh")
    before = snapshot(world)
    with pytest.raises(AccountError) as refused:
        update_user(world.db, world.admin, target.id, **changes)
    assert any(fragment in p for p in refused.value.problems)
    assert refused.value.http_status == 422
    assert refused.value.errors("en")[0]["message"]  # an English text exists too
    assert snapshot(world) == before
    assert events(world, "user.update") == []


def test_an_admin_cannot_demote_themself(world):
    me = user(world, "quantri")
    with pytest.raises(AccountError, match="chính mình"):
        update_user(world.db, world.admin, me.id, role=Role.NATIONAL)
    assert user(world, "quantri").role is Role.ADMIN
    update_user(world.db, world.admin, me.id, full_name="Quản trị viên")  # own name is fine
    assert user(world, "quantri").full_name == "Quản trị viên"


def test_only_account_managers_may_change_accounts(world):
    target = user(world, "xa_ngocha")
    before = snapshot(world)
    for actor in (world.province, world.commune_a, world.national, world.leader):
        with pytest.raises(Forbidden):
            deactivate_user(world.db, actor, target.id)
        with pytest.raises(Forbidden):
            reset_password(world.db, actor, target.id)
        with pytest.raises(Forbidden):
            update_user(world.db, actor, target.id, role=Role.ADMIN, scope_code="VN")
        with pytest.raises(Forbidden):
            create_user(world.db, username="moi", role=Role.ADMIN, scope_code="VN", actor=actor)
    assert snapshot(world) == before


def test_a_deactivated_admin_can_no_longer_manage_accounts(world):
    from data.services.actor import Actor

    other = create_user(world.db, username="quantri2", role=Role.ADMIN, scope_code="VN")
    deactivate_user(world.db, world.admin, other.id)
    stale = Actor(other.id, "quantri2", Role.ADMIN, "VN")
    with pytest.raises(Forbidden):
        reset_password(world.db, stale, user(world, "xa_badinh").id)


def test_unknown_accounts_are_not_found(world):
    with pytest.raises(NotFound):
        deactivate_user(world.db, world.admin, 987654)
    with pytest.raises(NotFound):
        update_user(world.db, world.admin, "1", full_name="x")  # type: ignore[arg-type]


def test_creating_checks_the_role_against_the_unit_and_usernames_ignore_case(world):
    with pytest.raises(AccountError, match="phải có phạm vi là một tỉnh"):
        create_user(world.db, username="tinh2", role=Role.PROVINCE, scope_code="00004")
    with pytest.raises(AccountError, match="đã tồn tại"):
        create_user(world.db, username="XA_BADINH", role=Role.COMMUNE, scope_code="00004")
    created = create_user(
        world.db,
        username="xa_moi",
        role=Role.COMMUNE,
        scope_code="00008",
        full_name="Trần Thị Bình",
        phone="024 3825 1234",
        actor=world.admin,
    )
    (event,) = [e for e in events(world, "user.create") if e.object_key == "xa_moi"]
    assert event.username == "quantri"
    assert event.after["scope"] == "00008" and event.after["one_time"] is True
    assert user(world, "xa_moi").phone == "024 3825 1234"
    assert created.one_time_password


# --------------------------------------------------------------------------- read models


def test_the_user_list_filters_by_text_role_and_state(world):
    deactivate_user(world.db, world.admin, user(world, "xa_ngocha").id)
    with world.db.read() as s:
        everyone = list_users(s)
        assert [u.username for u in everyone] == sorted(u.username for u in everyone)
        assert {u.username for u in list_users(s, role=Role.COMMUNE)} == {
            "xa_badinh",
            "xa_ngocha",
        }
        assert [u.username for u in list_users(s, role="commune", active=False)] == ["xa_ngocha"]
        assert [u.username for u in list_users(s, search="BADINH")] == ["xa_badinh"]
        assert [u.username for u in list_users(s, search="00008")] == ["xa_ngocha"]
        assert list_users(s, search="%") == []  # wildcards are matched literally
        (row,) = list_users(s, search="xa_badinh")
        assert row.scope_name == "Phường Ba Đình" and row.is_active
        assert len(list_users(s, limit=2)) == 2


def test_scope_choices_are_the_newest_elections_units(world):
    with world.db.read() as s:
        codes = [c.code for c in scope_choices(s)]
        assert codes == ["VN", "01", "00004", "00008"]
        from data.enums import UnitKind

        assert [c.name for c in scope_choices(s, (UnitKind.COMMUNE,))] == [
            "Phường Ba Đình",
            "Phường Ngọc Hà",
        ]


def _turnout(world: World, area: str, voted: int) -> None:
    actor = world.commune_a if area.startswith("00004") else world.commune_b
    submit_turnout(world.db, actor, world.eid, TurnoutInput(area, "0900", voted), clock=world.clock)


def test_the_audit_log_is_limited_to_the_scope_newest_first(world):
    _turnout(world, "00004-01", 300)
    _turnout(world, "00008-01", 200)
    _turnout(world, "00004-02", 100)
    deactivate_user(world.db, world.admin, user(world, "lanhdao").id)
    with world.db.read() as s:
        commune = audit_events(s, scope_path="VN/01/00004/", election_id=world.eid)
        assert [e.object_key for e in commune] == ["00004-02/0900", "00004-01/0900"]
        province = audit_events(s, scope_path="VN/01/", election_id=world.eid)
        assert len(province) == 3
        everything = audit_events(s, scope_path=None)
        assert everything[0].action == "user.deactivate"  # no unit: whole-tree viewers only
        assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
        assert audit_events(s, scope_path="VN/01/00004/", action="user") == []
        assert audit_events(s, scope_path="VN/01/00004/", election_id=world.eid + 1) == []


def test_the_audit_log_filters_and_pages(world):
    for n in range(5):
        _turnout(world, "00004-01", 100 + n)
    _turnout(world, "00008-01", 50)
    with world.db.read() as s:
        first = audit_events(s, scope_path=None, action="turnout", limit=2)
        second = audit_events(s, scope_path=None, action="turnout", limit=2, before_id=first[-1].id)
        assert len(first) == len(second) == 2 and first[-1].id > second[0].id
        assert {e.action for e in audit_events(s, scope_path=None, action="turnout.update")} == {
            "turnout.update"
        }
        assert audit_events(s, scope_path=None, action="turnout.u") == []  # families are whole
        by_b = audit_events(s, scope_path=None, username="NGOCHA")
        assert [e.username for e in by_b] == ["xa_ngocha"]
        moment = world.clock.now()
        assert len(audit_events(s, scope_path=None, since=moment)) == 6
        assert audit_events(s, scope_path=None, until=moment) == []
        assert audit_events(s, scope_path=None, since=moment + timedelta(seconds=1)) == []
        count = s.scalar(select(func.count()).select_from(AuditEvent))
        assert len(audit_events(s, scope_path=None, limit=10_000)) == count
