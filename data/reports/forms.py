"""Form numbers and titles, configurable per election (``Election.settings["forms"]``).

A setting overrides a default by key, e.g.::

    {"forms": {"constituency_result.QH": {"number": "Mẫu số 25/HĐBC-QH"}}}

Keys are ``<report kind>`` or ``<report kind>.<level>``; the more specific one wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.enums import Level, ResultStatus


@dataclass(frozen=True)
class FormSpec:
    number: str  # "Mẫu số 23/HĐBC-QH"
    title: str  # the title printed in capitals under the header


CONSTITUENCY_RESULT = "constituency_result"
TALLY_SHEET = "tally_sheet"
TURNOUT = "turnout"
SUMMARY = "summary"  # biên bản tổng kết cuộc bầu cử (province or nation)

# What the level is called in a form's title: "... ĐẠI BIỂU QUỐC HỘI ...".
LEVEL_FULL_VI = {
    Level.QH: "Quốc hội",
    Level.HDND_TINH: "Hội đồng nhân dân tỉnh",
    Level.HDND_HUYEN: "Hội đồng nhân dân huyện",
    Level.HDND_XA: "Hội đồng nhân dân xã",
}
_SUFFIX = {Level.QH: "QH", Level.HDND_TINH: "HĐND", Level.HDND_HUYEN: "HĐND", Level.HDND_XA: "HĐND"}


def _defaults(kind: str, level: Level | None) -> FormSpec:
    deputies = f"đại biểu {LEVEL_FULL_VI[level]}" if level else ""
    suffix = _SUFFIX[level] if level else ""
    if kind == CONSTITUENCY_RESULT:
        return FormSpec(
            f"Mẫu số 23/HĐBC-{suffix}",
            f"Biên bản xác định kết quả bầu cử {deputies} ở đơn vị bầu cử",
        )
    if kind == TALLY_SHEET:
        return FormSpec(
            f"Mẫu số 22/HĐBC-{suffix}", f"Biên bản kết quả kiểm phiếu bầu cử {deputies}"
        )
    if kind == SUMMARY:
        return FormSpec(
            f"Mẫu số 24/HĐBC-{suffix}", f"Biên bản tổng kết cuộc bầu cử {deputies}".rstrip()
        )
    if kind == TURNOUT:
        return FormSpec("Mẫu BC-TĐ", "Báo cáo tiến độ cử tri đi bầu")
    raise KeyError(kind)


def form_spec(
    settings: Mapping[str, Any] | None, kind: str, level: Level | None = None
) -> FormSpec:
    """The default form for ``kind`` (and ``level``), with the election's overrides."""
    spec = _defaults(kind, level)
    forms = (settings or {}).get("forms") or {}
    if not isinstance(forms, Mapping):
        return spec
    keys = [kind] + ([f"{kind}.{level.value}"] if level else [])
    number, title = spec.number, spec.title
    for key in keys:
        override = forms.get(key)
        if isinstance(override, Mapping):
            number = str(override.get("number", number))
            title = str(override.get("title", title))
    return FormSpec(number, title)


STATUS_VI = {
    ResultStatus.PROVISIONAL: "Tạm tính (chưa đủ biên bản)",
    ResultStatus.COMPLETE: "Đã đủ biên bản (chưa xác nhận)",
    ResultStatus.CONFIRMED: "Đã xác nhận",
    ResultStatus.OFFICIAL: "Chính thức (đã công bố)",
}


def status_vi(status: ResultStatus | str) -> str:
    return STATUS_VI[ResultStatus(status)]
