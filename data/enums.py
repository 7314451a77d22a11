"""Plain enumerations shared by the rules, the schema and the services (no I/O)."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    NATION = "nation"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Level(StrEnum):
    """Contest level (cấp bầu cử)."""

    QH = "QH"
    HDND_TINH = "HDND_TINH"
    HDND_HUYEN = "HDND_HUYEN"
    HDND_XA = "HDND_XA"

    @property
    def is_national_assembly(self) -> bool:
        return self is Level.QH

    @property
    def label_vi(self) -> str:
        return _LEVEL_LABELS_VI[self]

    @property
    def label_en(self) -> str:
        return _LEVEL_LABELS_EN[self]


_LEVEL_LABELS_VI = {
    Level.QH: "Quốc hội",
    Level.HDND_TINH: "HĐND tỉnh",
    Level.HDND_HUYEN: "HĐND huyện",
    Level.HDND_XA: "HĐND xã",
}
_LEVEL_LABELS_EN = {
    Level.QH: "National Assembly",
    Level.HDND_TINH: "Provincial People's Council",
    Level.HDND_HUYEN: "District People's Council",
    Level.HDND_XA: "Commune People's Council",
}


class ElectionKind(StrEnum):
    REAL = "real"
    DRILL = "drill"


class ElectionStatus(StrEnum):
    PREPARING = "preparing"  # master data being entered
    FROZEN = "frozen"  # master data read-only, election day not over
    CLOSED = "closed"  # entry over everywhere


class WindowKind(StrEnum):
    OPENING = "opening"  # opening time of each polling area
    TURNOUT = "turnout"  # cumulative voters who voted


class DoubleCheck(StrEnum):
    """Where a tally sheet stands under double entry (nhập hai lần)."""

    AWAITING = "awaiting"  # entered once, waiting for the blind second entry
    MATCHED = "matched"  # both entries agree
    DIFFERS = "differs"  # the entries disagree: the commune committee resolves
    RESOLVED = "resolved"  # the committee chose the figures from the paper

    @property
    def counted(self) -> bool:
        return self in (DoubleCheck.MATCHED, DoubleCheck.RESOLVED)


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"


class Role(StrEnum):
    ADMIN = "admin"
    NATIONAL = "national"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    LEADER = "leader"


class ResultStatus(StrEnum):
    PROVISIONAL = "provisional"  # some sheets missing
    COMPLETE = "complete"  # all sheets in
    CONFIRMED = "confirmed"  # closed by the committee
    OFFICIAL = "official"  # published
