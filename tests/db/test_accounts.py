import pytest
from sqlalchemy import select

from data.enums import Role
from data.models import AuditEvent, User
from data.passwords import verify_password
from data.services.accounts import AccountError, create_user
from tests.factories import make_small_election


def test_a_new_account_gets_a_one_time_password_it_must_change(db):
    make_small_election(db)
    created = create_user(db, username="xa_badinh", role=Role.COMMUNE, scope_code="00004")
    with db.read() as s:
        user = s.get(User, created.id)
        event = s.scalar(select(AuditEvent))
    assert user.must_change_password
    assert verify_password(user.password_hash, created.one_time_password)
    assert (event.action, event.object_key) == ("user.create", "xa_badinh")


def test_a_provisioned_password_follows_the_policy_and_needs_no_change(db):
    created = create_user(
        db, username="tinh", role=Role.PROVINCE, scope_code="01", password="Hà Nội 15-3-2026"
    )
    assert created.one_time_password is None
    with db.read() as s:
        assert not s.get(User, created.id).must_change_password


@pytest.mark.parametrize(
    ("username", "role", "scope", "password", "fragment"),
    [
        ("tinh", Role.PROVINCE, "01", "short", "ít nhất 12"),
        ("a b", Role.PROVINCE, "01", None, "Tên đăng nhập"),
        ("x", Role.COMMUNE, "VN", None, "phải có phạm vi là một xã"),
        ("y", Role.PROVINCE, "77", None, "Không có đơn vị mã 77"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(
    db, username, role, scope, password, fragment
):
    make_small_election(db)
    with pytest.raises(AccountError) as refused:
        create_user(db, username=username, role=role, scope_code=scope, password=password)
    assert any(fragment in p for p in refused.value.problems)
    with db.read() as s:
        assert s.scalars(select(User)).all() == []


def test_usernames_are_unique(db):
    create_user(db, username="tinh", role=Role.PROVINCE, scope_code="01")
    with pytest.raises(AccountError, match="đã tồn tại"):
        create_user(db, username="tinh", role=Role.PROVINCE, scope_code="01")
