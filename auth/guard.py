"""The one guard every Dash callback and API view goes through.

It decides from the logged-in user and the database — never from what the
browser sends — whether the user may do an action on a unit, a polling area or
a constituency, using the permission matrix in :mod:`data.permissions`.
Unknown and out-of-scope objects are refused alike, so a refusal reveals
nothing. Every refusal is written to the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, request
from flask_login import current_user
from sqlalchemy import select

from auth.principal import Principal
from data.db import Database
from data.enums import ResultStatus
from data.models import Constituency, Election, PollingArea, Unit
from data.permissions import Action, Reach, allows, reach
from data.services import audit
from data.services.errors import Forbidden, ServiceError


class NotAuthenticated(ServiceError):
    code = "E_LOGIN"
    http_status = 401
    message_vi = "Bạn cần đăng nhập."
    message_en = "Please log in."


class Guard:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- who -----------------------------------------------------------------
    def principal(self) -> Principal:
        """The logged-in user (session, or a bearer token the API resolved)."""
        token_user = g.get("token_principal")
        if token_user is not None:
            return token_user
        if current_user is None or not current_user.is_authenticated:
            raise NotAuthenticated()
        if current_user.must_change_password:
            raise self.refuse(Action.VIEW_PROGRESS, "must_change_password")
        return current_user._get_current_object()

    def require(self, action: Action) -> Principal:
        """The user, if their role may do ``action`` anywhere at all."""
        who = self.principal()
        if reach(who.role, action) is Reach.NONE:
            raise self.refuse(action, "role")
        return who

    # --- what ----------------------------------------------------------------
    def election(self, election_id: object) -> int:
        self.principal()
        if (
            isinstance(election_id, bool)
            or not isinstance(election_id, int)
            or not 0 < election_id < 2**31  # beyond an INTEGER key: cannot exist
        ):
            raise self.refuse(Action.VIEW_PROGRESS, f"election {election_id!r}")
        with self.db.read() as s:
            if s.get(Election, election_id) is None:
                raise self.refuse(Action.VIEW_PROGRESS, f"election {election_id}")
        return election_id

    def scope(self, election_id: object) -> Unit:
        """The user's own scope unit in this election."""
        who = self.principal()
        eid = self.election(election_id)
        with self.db.read() as s:
            unit = s.scalar(
                select(Unit).where(Unit.election_id == eid, Unit.code == who.scope_code)
            )
        if unit is None:
            raise self.refuse(Action.VIEW_PROGRESS, f"scope {who.scope_code}")
        return unit

    def unit(self, election_id: object, code: object, action: Action) -> Unit:
        who = self.principal()
        eid = self.election(election_id)
        with self.db.read() as s:
            unit = (
                s.scalar(select(Unit).where(Unit.election_id == eid, Unit.code == code))
                if isinstance(code, str)
                else None
            )
        self._check(who, eid, action, unit.path if unit else None, f"unit {code!r}")
        return unit  # type: ignore[return-value]

    def area(self, election_id: object, code: object, action: Action) -> tuple[PollingArea, Unit]:
        return self._owned(PollingArea, election_id, code, action, "polling area")

    def constituency(
        self, election_id: object, code: object, action: Action = Action.VIEW_RESULTS
    ) -> tuple[Constituency, Unit]:
        """A constituency whose committee unit lies in the user's scope."""
        return self._owned(Constituency, election_id, code, action, "constituency")

    def _owned(self, model, election_id: object, code: object, action: Action, what: str):  # type: ignore[no-untyped-def]
        """A row with ``unit_id`` and ``code``, and its unit, if the unit is in scope."""
        who = self.principal()
        eid = self.election(election_id)
        row = None
        if isinstance(code, str):
            with self.db.read() as s:
                row = s.execute(
                    select(model, Unit)
                    .join(Unit, model.unit_id == Unit.id)
                    .where(model.election_id == eid, model.code == code)
                ).first()
        self._check(who, eid, action, row[1].path if row else None, f"{what} {code!r}")
        return row[0], row[1]  # type: ignore[index]

    def result_visible(self, status: ResultStatus | str) -> bool:
        """Leaders see results only once the committee has confirmed them."""
        who = self.principal()
        if reach(who.role, Action.VIEW_RESULTS) is not Reach.CONFIRMED:
            return True
        return ResultStatus(status) in (ResultStatus.CONFIRMED, ResultStatus.OFFICIAL)

    # --- refusals ------------------------------------------------------------
    def _check(
        self, who: Principal, eid: int, action: Action, target_path: str | None, what: str
    ) -> None:
        if target_path is None:
            raise self.refuse(action, what, eid)
        with self.db.read() as s:
            scope = s.scalar(
                select(Unit).where(Unit.election_id == eid, Unit.code == who.scope_code)
            )
        if scope is None or not allows(who.role, action, scope.path, target_path):
            raise self.refuse(action, what, eid)

    def refuse(self, action: Action, what: str, election_id: int | None = None) -> Forbidden:
        """Audit a refusal and return the error to raise."""
        who = current_user if current_user and current_user.is_authenticated else None
        who = g.get("token_principal") or who
        actor = who.actor() if who is not None else None
        try:
            with self.db.write() as s:
                audit.record(
                    s,
                    actor,
                    "permission.refused",
                    address=request.remote_addr,
                    at=datetime.now(UTC),
                    election_id=election_id,
                    object_type="request",
                    object_key=request.path[:128],
                    after={"action": str(action), "target": what[:200]},
                )
        except Exception:  # the refusal stands even if it could not be logged
            pass
        return Forbidden()
