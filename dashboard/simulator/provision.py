"""Simulation accounts, made directly in the database (``baucu simulate --provision``).

The same semantics as ``baucu user add NAME --role R --scope CODE --password-stdin``: the
password policy applies, the creation is audited, no change is forced at first login. An
account that already exists is left as it is (its password is not touched).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from data.db import Database
from data.enums import Role, UnitKind
from data.models import Election, Unit, User
from data.services.accounts import create_user


class ProvisionError(Exception):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    scope: str


def election_in_db(db: Database, election: str) -> int:
    """The id of the election named ``election`` (or with that id)."""
    with db.read() as s:
        if election.isdigit() and s.get(Election, int(election)) is not None:
            return int(election)
        found = s.scalars(select(Election.id).where(Election.name == election)).all()
    if len(found) != 1:
        raise ProvisionError(f"không thấy đúng một cuộc bầu cử “{election}” trong cơ sở dữ liệu")
    return int(found[0])


def province_codes(db: Database, election_id: int) -> list[str]:
    """Provinces of the election that hold at least one commune."""
    with db.read() as s:
        return list(
            s.scalars(
                select(Unit.code)
                .where(Unit.election_id == election_id, Unit.kind == UnitKind.PROVINCE)
                .order_by(Unit.code)
            )
        )


def ensure_accounts(db: Database, accounts: Iterable[Account], password: str) -> tuple[int, int]:
    """Create the missing accounts with ``password``; returns (created, already there)."""
    wanted = list(accounts)
    with db.read() as s:
        existing = {
            name.lower()
            for name in s.scalars(
                select(User.username).where(
                    func.lower(User.username).in_([a.username.lower() for a in wanted])
                )
            )
        }
    created = 0
    for account in wanted:
        if account.username.lower() in existing:
            continue
        try:
            create_user(
                db,
                username=account.username,
                role=account.role,
                scope_code=account.scope,
                full_name=f"Mô phỏng {account.scope}",
                password=password,
            )
        except Exception as error:
            raise ProvisionError(f"{account.username}: {error}") from error
        created += 1
    return created, len(wanted) - created
