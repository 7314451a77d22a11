"""Double entry (nhập hai lần): which sheets count, and who may enter the second time.

When the election's ``settings["double_entry"]`` is on, a tally sheet counts only once a
second operator's blind entry matched it or the commune committee resolved the differences.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import DoubleCheck
from data.models import Election, TallySecondEntry, TallySheet
from data.services.errors import ServiceError


def double_entry_on(election: Election) -> bool:
    return bool((election.settings or {}).get("double_entry"))


def second_entry(session: Session, sheet: TallySheet) -> TallySecondEntry | None:
    return session.scalar(select(TallySecondEntry).where(TallySecondEntry.sheet_id == sheet.id))


def recheck(
    election: Election,
    sheet: TallySheet,
    sheet_values: dict[str, Any],
    second: TallySecondEntry | None,
) -> None:
    """Set where the sheet stands after its figures changed (a resolution sets RESOLVED)."""
    if not double_entry_on(election):
        state = None
    elif second is None:
        state = DoubleCheck.AWAITING
    elif second.figures == sheet_values:
        state = DoubleCheck.MATCHED
    else:
        state = DoubleCheck.DIFFERS
    set_state(sheet, state)


def set_state(sheet: TallySheet, state: DoubleCheck | None) -> None:
    sheet.double_check = state
    sheet.counted = state is None or state.counted


class SameOperator(ServiceError):
    code = "E_SAME_OPERATOR"
    http_status = 409
    message_vi = (
        "Nhập hai lần: lần nhập thứ hai phải do một người khác với người nhập lần đầu thực hiện."
    )
    message_en = "Double entry: the second entry must be made by someone other than the first."


class DoubleEntryOff(ServiceError):
    code = "E_DOUBLE_ENTRY_OFF"
    http_status = 409
    message_vi = "Cuộc bầu cử này không dùng chế độ nhập hai lần."
    message_en = "This election does not use double entry."


class FirstEntryMissing(ServiceError):
    code = "E_FIRST_ENTRY_MISSING"
    http_status = 409
    message_vi = "Biên bản này chưa được nhập lần đầu."
    message_en = "This tally sheet has not been entered a first time yet."


class SecondEntryTaken(ServiceError):
    code = "E_SECOND_ENTRY_TAKEN"
    http_status = 409
    message_vi = (
        "Biên bản này đã được {who} nhập lần thứ hai. Nếu hai lần nhập khác nhau, "
        "Ủy ban bầu cử xã đối chiếu với bản giấy và quyết định."
    )
    message_en = (
        "{who} has already made the second entry of this sheet. If the two entries differ, "
        "the commune committee compares them with the paper and decides."
    )


class NothingToResolve(ServiceError):
    code = "E_NOTHING_TO_RESOLVE"
    http_status = 409
    message_vi = "Hai lần nhập của biên bản này không có khác biệt cần giải quyết."
    message_en = "The two entries of this sheet have no differences to resolve."
