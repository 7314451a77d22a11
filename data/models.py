"""The election schema: SQLAlchemy 2 typed models (DESIGN §2).

Master data (units, polling areas, constituencies, candidates, windows) belongs
to one election, so a drill copies it and never mixes with the real election.
Units keep a materialized ``path`` of codes (``VN/12/03151/``) so a subtree is
one indexed prefix match at any depth.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from data.enums import (
    DoubleCheck,
    ElectionKind,
    ElectionStatus,
    Gender,
    Level,
    Role,
    UnitKind,
    WindowKind,
)
from data.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


def _enum(enum_cls: type[StrEnum]) -> SAEnum:
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Election(Base):
    __tablename__ = "election"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[ElectionKind] = mapped_column(_enum(ElectionKind), default=ElectionKind.REAL)
    status: Mapped[ElectionStatus] = mapped_column(
        _enum(ElectionStatus), default=ElectionStatus.PREPARING
    )
    # Bumped in the same transaction as every committed write (DESIGN §3).
    data_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source_election_id: Mapped[int | None] = mapped_column(
        ForeignKey("election.id", ondelete="SET NULL")
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # Microsecond precision from Python (SQLite's own clock has whole seconds): it also
    # tells apart elections that reuse an id, for the read cache.
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda: datetime.now(UTC), server_default=func.now()
    )


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        Index(
            "ix_unit_election_path",
            "election_id",
            "path",
            postgresql_ops={"path": "text_pattern_ops"},
        ),
        Index("ix_unit_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(255))

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class PollingArea(Base):
    __tablename__ = "polling_area"
    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        Index("ix_polling_area_unit_id", "unit_id"),
        CheckConstraint(
            "registered_total >= 0 AND registered_male >= 0 AND registered_female >= 0",
            name="registered_nonnegative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    registered_total: Mapped[int] = mapped_column(Integer)
    registered_male: Mapped[int] = mapped_column(Integer)
    registered_female: Mapped[int] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()


class Contest(Base):
    """A contest level held in this election (e.g. QH, HĐND tỉnh, HĐND xã)."""

    __tablename__ = "contest"
    __table_args__ = (UniqueConstraint("election_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(_enum(Level))
    name: Mapped[str] = mapped_column(String(200))


class Constituency(Base):
    __tablename__ = "constituency"
    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        Index("ix_constituency_election_level", "election_id", "level"),
        Index("ix_constituency_unit_id", "unit_id"),  # deleting a drill's units
        CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(_enum(Level))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    # The committee's unit (the province for QH / HĐND tỉnh, the commune for HĐND xã).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="constituency", order_by="Candidate.ballot_order"
    )


class ConstituencyArea(Base):
    """A polling area votes in one constituency per level (M03 is a constraint here)."""

    __tablename__ = "constituency_area"
    __table_args__ = (
        UniqueConstraint("polling_area_id", "level"),
        Index("ix_constituency_area_constituency_id", "constituency_id"),
    )

    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("constituency.id", ondelete="CASCADE"), primary_key=True
    )
    polling_area_id: Mapped[int] = mapped_column(
        ForeignKey("polling_area.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[Level] = mapped_column(_enum(Level))


class Candidate(Base):
    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("constituency_id", "ballot_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    constituency_id: Mapped[int] = mapped_column(ForeignKey("constituency.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[Gender] = mapped_column(_enum(Gender))
    ballot_order: Mapped[int] = mapped_column(Integer)

    constituency: Mapped[Constituency] = relationship(back_populates="candidates")


class ReportingWindow(Base):
    __tablename__ = "reporting_window"
    __table_args__ = (UniqueConstraint("election_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(16))
    kind: Mapped[WindowKind] = mapped_column(_enum(WindowKind), default=WindowKind.TURNOUT)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    position: Mapped[int] = mapped_column(Integer)


class _EntryRecord:
    """Columns every entered record carries: who, on whose behalf, row version."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    confirmed_warnings: Mapped[list[str]] = mapped_column(JsonType, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpeningReport(_EntryRecord, Base):
    __tablename__ = "opening_report"
    __table_args__ = (UniqueConstraint("polling_area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    polling_area_id: Mapped[int] = mapped_column(ForeignKey("polling_area.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TurnoutReport(_EntryRecord, Base):
    __tablename__ = "turnout_report"
    __table_args__ = (
        UniqueConstraint("polling_area_id", "window_id"),
        Index("ix_turnout_report_election_window", "election_id", "window_id"),
        CheckConstraint(
            "voted_total >= 0 AND (voted_male IS NULL OR voted_male >= 0)"
            " AND (voted_female IS NULL OR voted_female >= 0)",
            name="voted_nonnegative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    polling_area_id: Mapped[int] = mapped_column(ForeignKey("polling_area.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("reporting_window.id", ondelete="CASCADE"))
    voted_total: Mapped[int] = mapped_column(Integer)
    voted_male: Mapped[int | None] = mapped_column(Integer)
    voted_female: Mapped[int | None] = mapped_column(Integer)


class TallySheet(_EntryRecord, Base):
    __tablename__ = "tally_sheet"
    __table_args__ = (
        UniqueConstraint("polling_area_id", "level"),
        Index("ix_tally_sheet_constituency_id", "constituency_id"),
        Index("ix_tally_sheet_election_level", "election_id", "level"),
        CheckConstraint(
            "voters_total >= 0 AND voters_voted >= 0 AND ballots_issued >= 0"
            " AND ballots_received >= 0 AND ballots_valid >= 0 AND ballots_invalid >= 0",
            name="counts_nonnegative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    polling_area_id: Mapped[int] = mapped_column(ForeignKey("polling_area.id", ondelete="CASCADE"))
    constituency_id: Mapped[int] = mapped_column(ForeignKey("constituency.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(_enum(Level))
    voters_total: Mapped[int] = mapped_column(Integer)
    voters_voted: Mapped[int] = mapped_column(Integer)
    ballots_issued: Mapped[int] = mapped_column(Integer)
    ballots_received: Mapped[int] = mapped_column(Integer)
    ballots_valid: Mapped[int] = mapped_column(Integer)
    ballots_invalid: Mapped[int] = mapped_column(Integer)

    votes: Mapped[list[TallyVote]] = relationship(
        cascade="all, delete-orphan", order_by="TallyVote.candidate_id"
    )
    ballot_types: Mapped[list[BallotTypeCount]] = relationship(
        cascade="all, delete-orphan", order_by="BallotTypeCount.names_kept"
    )
    # Under double entry a sheet counts only once a blind second entry matched it or the
    # commune committee resolved the differences; without double entry it counts at once.
    double_check: Mapped[DoubleCheck | None] = mapped_column(_enum(DoubleCheck))
    counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class TallySecondEntry(_EntryRecord, Base):
    """The blind second entry of a tally sheet, kept beside the first for comparison."""

    __tablename__ = "tally_second_entry"
    __table_args__ = (UniqueConstraint("sheet_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    sheet_id: Mapped[int] = mapped_column(ForeignKey("tally_sheet.id", ondelete="CASCADE"))
    # The figures as in the audit log's snapshot: counts, "votes" and "ballot_types".
    figures: Mapped[dict[str, Any]] = mapped_column(JsonType)


class TallyVote(Base):
    __tablename__ = "tally_vote"
    __table_args__ = (
        Index("ix_tally_vote_candidate_id", "candidate_id"),
        CheckConstraint("votes >= 0", name="votes_nonnegative"),
    )

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("tally_sheet.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )
    votes: Mapped[int] = mapped_column(Integer)


class BallotTypeCount(Base):
    """Optional breakdown: valid ballots that kept ``names_kept`` names (phiếu bầu k đại biểu)."""

    __tablename__ = "ballot_type_count"
    __table_args__ = (CheckConstraint("ballots >= 0", name="ballots_nonnegative"),)

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("tally_sheet.id", ondelete="CASCADE"), primary_key=True
    )
    names_kept: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballots: Mapped[int] = mapped_column(Integer)


class EntryClosure(Base):
    """Entry closed for a unit's whole subtree; only an upper level deletes it (reopens)."""

    __tablename__ = "entry_closure"
    __table_args__ = (UniqueConstraint("election_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)


class WindowException(Base):
    """Lets a unit's subtree enter a window after it closed, until ``until``."""

    __tablename__ = "window_exception"
    __table_args__ = (UniqueConstraint("unit_id", "window_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("reporting_window.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only (on PostgreSQL a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_election_at", "election_id", "at"),
        Index(
            "ix_audit_event_unit_path",
            "unit_path",
            postgresql_ops={"unit_path": "text_pattern_ops"},  # prefix match on scope
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # No foreign keys: the log outlives deleted drills and users, and is never updated.
    election_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_key: Mapped[str | None] = mapped_column(String(128))
    # Path of the unit the event concerns, so scope filters are a prefix match.
    unit_path: Mapped[str | None] = mapped_column(String(255))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reason: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(_enum(Role))
    # A unit code (GSO), resolved inside each election's tree; "VN" is the nation.
    scope_code: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Incremented to end every session and token of the user at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed logins per account (``user:NAME``) or address (``ip:ADDR``), shared by workers."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)

    @staticmethod
    def account_key(username: str) -> str:
        return f"user:{username.strip().lower()}"

    @staticmethod
    def address_key(address: str) -> str:
        return f"ip:{address}"

    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServerSetting(Base):
    """Values every app server must share, e.g. the session signing key."""

    __tablename__ = "server_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RateCounter(Base):
    """Requests per API client (``user:ID``) or address (``ip:ADDR``) in a fixed window,
    shared by every worker (the JSON API's rate limit)."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)


class EntrySummary(Base):
    """Per commune, what the command centre adds up, kept by PostgreSQL triggers.

    ``kind``/``key``: ``areas``/'' (n polling areas, total registered voters),
    ``expected``/level (sheets expected), ``opening``/'' (opening reports),
    ``turnout``/window id (n reports, total voted), ``sheet``/level (sheets that count).
    Maintained in the same statement as every write (data/summary_triggers.py), so a
    national refresh reads ~50,000 rows instead of grouping ~700,000. SQLite deployments
    (the demo) aggregate directly and leave this table empty.
    """

    __tablename__ = "entry_summary"
    __table_args__ = (Index("ix_entry_summary_unit_id", "unit_id"),)

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)


class ClosureRequestState(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the commune took its request back before a decision


class ClosureRequest(Base):
    """A commune asks to end entry; the upper level confirms (closes) or declines it."""

    __tablename__ = "closure_request"
    __table_args__ = (Index("ix_closure_request_election_unit", "election_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ClosureRequestState] = mapped_column(
        _enum(ClosureRequestState), default=ClosureRequestState.REQUESTED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
