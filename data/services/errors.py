"""Why a write service refused: one exception type per outcome, each with a clear message.

Every error lists items shaped like the API's ``{"code","severity","field","message"}``;
rule findings keep their catalogue code (T01, K03…), the others use ``E_…`` codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from data.clock import LOCAL_TZ
from data.rules.findings import Finding


class ServiceError(Exception):
    """A refusal. Nothing was written."""

    code = "E_REFUSED"
    http_status = 400
    message_vi = "Yêu cầu bị từ chối."
    message_en = "The request was refused."

    def __init__(self, *, field: str = "", **params: Any) -> None:
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        template = self.message_en if lang == "en" else self.message_vi
        return template.format(**self.params)

    def errors(self, lang: str = "vi") -> list[dict[str, str]]:
        return [
            {
                "code": self.code,
                "severity": "error",
                "field": self.field,
                "message": self.message(lang),
            }
        ]


class NotFound(ServiceError):
    code = "E_NOT_FOUND"
    http_status = 404
    message_vi = "Không tìm thấy {what}."
    message_en = "{what_en} not found."


class Forbidden(ServiceError):
    code = "E_FORBIDDEN"
    http_status = 403
    message_vi = "Tài khoản của bạn không có quyền thực hiện thao tác này trên đơn vị này."
    message_en = "Your account may not do this for this unit."


class EntryClosed(ServiceError):
    code = "E_CLOSED"
    http_status = 409
    message_vi = (
        "Đơn vị {unit} đã kết thúc nhập liệu ({by}). Chỉ cấp trên mới có thể mở lại, kèm lý do."
    )
    message_en = (
        "Entry is closed for {unit} ({by}). Only an upper level can reopen it, with a reason."
    )


class CountNotStarted(ServiceError):
    code = "E_COUNT_NOT_STARTED"
    http_status = 409
    message_vi = "Chưa đến giờ kiểm phiếu: biên bản kiểm phiếu được nhập từ {at:%H:%M}."
    message_en = "Counting has not started: tally sheets can be entered from {at:%H:%M}."

    def __init__(self, *, at: datetime) -> None:
        super().__init__(at=at.astimezone(LOCAL_TZ))


class ReasonRequired(ServiceError):
    code = "E_REASON_REQUIRED"
    http_status = 422
    message_vi = "Cần ghi rõ lý do."
    message_en = "A reason is required."


class InvalidRequest(ServiceError):
    code = "E_INVALID"
    http_status = 422
    message_vi = "{detail_vi}"
    message_en = "{detail_en}"


class RuleRefusal(ServiceError):
    """Rule findings refused the save (errors, or warnings not confirmed)."""

    http_status = 422

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        super().__init__()

    def message(self, lang: str = "vi") -> str:
        return " ".join(f.message(lang) for f in self.findings)

    def errors(self, lang: str = "vi") -> list[dict[str, str]]:
        return [f.as_dict(lang) for f in self.findings]

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


class RuleErrors(RuleRefusal):
    code = "E_RULES"


class WarningsNotConfirmed(RuleRefusal):
    """Warnings need ``confirm`` listing each code, with a reason (DESIGN §5)."""

    code = "E_CONFIRM"


class WindowClosed(RuleRefusal):
    """T05: outside the window's entry period without an exception."""

    code = "E_WINDOW"
    http_status = 409


class StaleVersion(ServiceError):
    """Someone saved the record since this client loaded it: refuse, show both."""

    code = "E_STALE"
    http_status = 409
    message_vi = (
        "Số liệu đã được người khác cập nhật (phiên bản {current} — bạn đang sửa phiên bản "
        "{submitted}). Hãy xem số liệu mới trước khi lưu lại."
    )
    message_en = (
        "Someone else updated these figures (version {current}; you edited version "
        "{submitted}). Review the new figures before saving again."
    )

    def __init__(
        self,
        *,
        current: int,
        submitted: int | None,
        stored: Mapping[str, Any],
        sent: Mapping[str, Any],
    ) -> None:
        self.current = current
        self.submitted = submitted
        self.stored = dict(stored)
        self.sent = dict(sent)
        super().__init__(current=current, submitted=submitted)

    def message(self, lang: str = "vi") -> str:
        template = self.message_en if lang == "en" else self.message_vi
        if self.submitted is None:
            submitted = "new" if lang == "en" else "mới"
        else:
            submitted = str(self.submitted)
        return template.format(current=self.current, submitted=submitted)
