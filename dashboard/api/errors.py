"""The API's own refusals (beyond the services' ones) and the JSON error response.

Every error is ``{"errors":[{"code","severity","field","message"}]}`` with the
refusal's status; messages in Vietnamese, English with ``Accept-Language: en``.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from auth.i18n import current_lang
from dashboard.api.validation import Problem
from data.services.errors import ServiceError, StaleVersion

log = logging.getLogger(__name__)


class ApiError(ServiceError):
    """A refusal that may carry response headers (Retry-After, Allow…)."""

    headers: dict[str, str] = {}  # noqa: RUF012 (replaced per instance)


class InvalidBody(ApiError):
    """Field-level problems with the request (422); nothing was written."""

    code = "E_INVALID"
    http_status = 422
    message_vi = "Dữ liệu gửi lên không hợp lệ."
    message_en = "The request data is not valid."

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__()

    def errors(self, lang: str = "vi") -> list[dict[str, str]]:
        return [p.as_error(lang) for p in self.problems]


class RateLimited(ApiError):
    code = "E_RATE_LIMIT"
    http_status = 429
    message_vi = "Quá nhiều yêu cầu. Hãy thử lại sau {seconds} giây."
    message_en = "Too many requests. Retry in {seconds} seconds."

    def __init__(self, *, seconds: int) -> None:
        super().__init__(seconds=seconds)
        self.headers = {"Retry-After": str(seconds)}


class PreconditionFailed(ApiError):
    """412: If-Match names another version than the stored one."""

    code = "E_STALE"
    http_status = 412
    message_vi = (
        "Phiên bản trong If-Match ({sent}) không phải phiên bản hiện có ({current}). Số liệu đã"
        " được cập nhật: hãy tải lại bản hiện có rồi mới sửa."
    )
    message_en = (
        "If-Match ({sent}) is not the stored version ({current}). The figures were updated:"
        " load the stored version before changing them."
    )

    def __init__(self, *, sent: str, current: int | None) -> None:
        shown = "—" if current is None else str(current)
        super().__init__(field="If-Match", sent=sent, current=shown)
        if current is not None:
            self.headers = {"ETag": f'"{current}"'}

    @classmethod
    def of(cls, stale: StaleVersion, sent: str) -> PreconditionFailed:
        return cls(sent=sent, current=stale.current if stale.current else None)


class PreconditionRequired(ApiError):
    """428: an existing record is changed without saying which version was seen."""

    code = "E_IF_MATCH_REQUIRED"
    http_status = 428
    message_vi = (
        "Biên bản này đã được nhập (phiên bản {current}). Muốn sửa, hãy gửi kèm tiêu đề"
        " If-Match: {current} — phiên bản bạn đã xem."
    )
    message_en = (
        "This sheet exists already (version {current}). To change it, send the header"
        " If-Match: {current} — the version you have seen."
    )

    def __init__(self, *, current: int) -> None:
        super().__init__(field="If-Match", current=current)
        self.headers = {"ETag": f'"{current}"'}


class NotFoundHere(ApiError):
    code = "E_NOT_FOUND"
    http_status = 404
    message_vi = "Không có địa chỉ API này: {path}."
    message_en = "No such API address: {path}."


class MethodNotAllowed(ApiError):
    code = "E_METHOD"
    http_status = 405
    message_vi = "Địa chỉ này không nhận phương thức {method}."
    message_en = "This address does not accept {method}."

    def __init__(self, *, method: str, allowed: list[str]) -> None:
        super().__init__(method=method)
        self.headers = {"Allow": ", ".join(allowed)}


class BodyTooLarge(ApiError):
    code = "E_TOO_LARGE"
    http_status = 413
    message_vi = "Nội dung yêu cầu quá lớn (tối đa {limit} byte)."
    message_en = "The request body is too large (at most {limit} bytes)."


class Unavailable(ApiError):
    code = "E_UNAVAILABLE"
    http_status = 503
    message_vi = (
        "Cơ sở dữ liệu tạm thời bận. Hãy gửi lại sau ít giây; dữ liệu gửi lại không bị trùng."
    )
    message_en = "The database is busy. Send again in a few seconds; a resend never duplicates."


class InternalError(ApiError):
    code = "E_INTERNAL"
    http_status = 500
    message_vi = "Lỗi hệ thống. Không có dữ liệu nào được ghi; hãy báo cho quản trị kỹ thuật."
    message_en = "Internal error. Nothing was written; please tell the technical administrator."


def error_response(error: ServiceError) -> Response:
    lang = current_lang()
    response = jsonify({"errors": error.errors(lang)})
    response.status_code = error.http_status
    for name, value in getattr(error, "headers", {}).items():
        response.headers[name] = value
    retry = getattr(error, "retry_after", None)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    if error.http_status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="baucu"'
    return response


def http_error_response(error: HTTPException) -> Response:
    """A werkzeug error (413 from the server, 400 from a broken request…) as API JSON."""
    if error.code == 413:
        return error_response(BodyTooLarge(limit="?"))
    status = error.code or 500
    api_error = ApiError()
    api_error.http_status = status
    api_error.message_vi = "Yêu cầu không hợp lệ ({status})."
    api_error.message_en = "Bad request ({status})."
    api_error.params = {"status": status}
    return error_response(api_error)


def unexpected_response(error: Exception) -> Response:
    log.exception("API request failed", exc_info=error)
    return error_response(InternalError())
