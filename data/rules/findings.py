"""The rule catalogue (DESIGN §5) and the findings the checks return.

A :class:`Finding` is a plain value: a stable code, its severity, the names of
the fields it points at and the numbers its message needs. Messages are
rendered on demand in Vietnamese (default) or English.

Field names: turnout ``voted_total``, ``voted_male``, ``voted_female``; master
data ``registered_total``, ``registered_male``, ``registered_female``,
``seats``, ``candidates``, ``polling_area``; tally ``voters_total``,
``voters_voted``, ``ballots_issued``, ``ballots_received``, ``ballots_valid``,
``ballots_invalid``, ``votes`` (the votes block as a whole), ``votes.<id>``
(one candidate), ``ballot_types`` and ``ballot_types.<k>``; ``window`` (the
reporting window as a whole).

How parameters are rendered in messages:

- a key named ``field`` or ending in ``_field`` holds a field name and is shown
  as its label (``voted_male`` → "số cử tri nam đã đi bầu");
- a key ending in ``_id`` / ``_ids`` holds identifiers, shown as they are;
- a key ending in ``_pct`` holds a percentage (``45,67 %`` / ``45.67%``);
- a key named ``level`` holding a :class:`~data.enums.Level` shows its label;
- otherwise by type: ``int`` → ``1.234.567`` / ``1,234,567``; ``Decimal`` /
  ``float`` → two decimals; ``datetime`` / ``time`` → ``HH:MM``; ``date`` →
  ``dd/mm/yyyy``; ``None`` → "chưa
  nhập" / "not entered"; tuples, lists and sets → items joined with ", ".

Some rules have message variants (:class:`RuleVariant`): the first variant whose
``when`` keys are all present in the finding's params is used, otherwise the
rule's main template.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from data.enums import Level
from data.numbers import format_decimal, format_int, format_percent, is_english


class Severity(StrEnum):
    ERROR = "error"  # blocks saving
    WARNING = "warning"  # needs an explicit confirmation with a reason


@dataclass(frozen=True)
class RuleVariant:
    """An alternative message, used when all of ``when`` are in the params."""

    when: frozenset[str]
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class RuleSpec:
    code: str
    severity: Severity
    message_vi: str
    message_en: str
    variants: tuple[RuleVariant, ...] = ()

    def template(self, lang: str = "vi", params: Mapping[str, object] | None = None) -> str:
        """The message template for ``lang`` matching ``params``."""
        keys = set(params or ())
        chosen: RuleSpec | RuleVariant = self
        for variant in self.variants:
            if variant.when <= keys:
                chosen = variant
                break
        return chosen.message_en if is_english(lang) else chosen.message_vi

    def templates(self) -> Iterator[tuple[frozenset[str] | None, str, str]]:
        """Every (when, vi, en) template of the rule; ``when`` None is the main one."""
        yield None, self.message_vi, self.message_en
        for variant in self.variants:
            yield variant.when, variant.message_vi, variant.message_en


E, W = Severity.ERROR, Severity.WARNING
_CHECK_VI = " Đề nghị kiểm tra lại với Tổ bầu cử trước khi xác nhận."
_CHECK_EN = " Please check with the polling team before confirming."


def _v(when: Iterable[str], vi: str, en: str) -> RuleVariant:
    return RuleVariant(frozenset(when), vi, en)


_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "R01",
        E,
        "{field} không được là số âm (đã nhập {value}).",
        "{field} cannot be negative (entered {value}).",
    ),
    # --- turnout reports -------------------------------------------------
    RuleSpec(
        "T01",
        E,
        "Số cử tri đã đi bầu ({voted}) lớn hơn tổng số cử tri của khu vực bỏ phiếu ({registered}).",
        "Voters who voted ({voted}) exceed the registered voters of the polling area"
        " ({registered}).",
    ),
    RuleSpec(
        "T02",
        E,
        "Số cử tri nam ({male}) cộng số cử tri nữ ({female}) bằng {sum}, không khớp với"
        " tổng số cử tri đã đi bầu ({total}).",
        "Male voters ({male}) plus female voters ({female}) make {sum}, which does not"
        " match the total who voted ({total}).",
        (
            _v(
                ["missing_field"],
                "Khi nhập số cử tri theo giới tính phải nhập đủ cả nam và nữ: còn thiếu"
                " {missing_field}.",
                "When the split by sex is given, both male and female must be entered;"
                " missing: {missing_field}.",
            ),
        ),
    ),
    RuleSpec(
        "T03",
        E,
        "{field} ({voted}) lớn hơn {limit_field} ({registered}).",
        "{field} ({voted}) exceed {limit_field} ({registered}).",
    ),
    RuleSpec(
        "T04",
        E,
        "{field} ({value}) thấp hơn số đã báo cáo ở mốc trước ({previous}). Số liệu tiến"
        " độ là số cộng dồn nên không được giảm.",
        "{field}: {value} is lower than the {previous} reported at an earlier window."
        " Turnout figures are cumulative and cannot go down.",
    ),
    RuleSpec(
        "T05",
        E,
        "Đã hết thời gian nhập số liệu của mốc báo cáo này (hạn cuối {closes_at}, bây giờ"
        " là {now}). Muốn nhập muộn cần được Ủy ban bầu cử cấp trên gia hạn.",
        "The entry period of this reporting window is over (it closed at {closes_at};"
        " it is now {now}). Late entry needs an extension from the upper-level election"
        " committee.",
        (
            _v(
                ["opens_at"],
                "Chưa đến thời gian nhập số liệu của mốc báo cáo này: được nhập từ"
                " {opens_at}, bây giờ mới {now}.",
                "The entry period of this reporting window has not started: entry opens"
                " at {opens_at}; it is now {now}.",
            ),
        ),
    ),
    RuleSpec(
        "T06",
        W,
        "Số cử tri đã đi bầu tăng từ {previous} lên {voted}, tức tăng {jump} điểm phần"
        " trăm so với mốc báo cáo trước (hơn 50 điểm)." + _CHECK_VI,
        "Voters who voted rose from {previous} to {voted}, a jump of {jump} percentage"
        " points since the previous window (more than 50)." + _CHECK_EN,
        (
            _v(
                ["due_at"],
                "Toàn bộ cử tri của khu vực bỏ phiếu ({voted}/{registered}) đã đi bầu ngay"
                " ở mốc {due_at}, trước 15 giờ." + _CHECK_VI,
                "All registered voters of the polling area ({voted} of {registered})"
                " have voted already at the {due_at} window, before 15:00." + _CHECK_EN,
            ),
        ),
    ),
    # --- tally sheets ----------------------------------------------------
    RuleSpec(
        "K01",
        E,
        "Số cử tri đã tham gia bỏ phiếu ({voted}) lớn hơn số cử tri trong danh sách ({total}).",
        "Voters who voted ({voted}) exceed the voters on the list ({total}).",
    ),
    RuleSpec(
        "K02",
        E,
        "Số phiếu thu vào ({received}) lớn hơn số phiếu phát ra ({issued}).",
        "Ballots received ({received}) exceed ballots issued ({issued}).",
    ),
    RuleSpec(
        "K03",
        E,
        "Số phiếu hợp lệ ({valid}) cộng số phiếu không hợp lệ ({invalid}) bằng {sum},"
        " không bằng số phiếu thu vào ({received}).",
        "Valid ballots ({valid}) plus invalid ballots ({invalid}) make {sum}, not the"
        " number of ballots received ({received}).",
    ),
    RuleSpec(
        "K04",
        E,
        "Số phiếu thu vào ({received}) lớn hơn số cử tri đã tham gia bỏ phiếu ({voted}).",
        "Ballots received ({received}) exceed the voters who voted ({voted}).",
    ),
    RuleSpec(
        "K05",
        E,
        "{field} ({votes}) lớn hơn số phiếu hợp lệ ({valid}): một người không thể được"
        " nhiều phiếu hơn số phiếu hợp lệ.",
        "{field} ({votes}) exceed the valid ballots ({valid}): nobody can get more votes"
        " than there are valid ballots.",
    ),
    RuleSpec(
        "K06",
        E,
        "Tổng số phiếu bầu cho các ứng cử viên ({votes_sum}) nhỏ hơn số phiếu hợp lệ"
        " ({valid}), trong khi mỗi phiếu hợp lệ phải giữ lại ít nhất một người.",
        "Total votes for all candidates ({votes_sum}) are fewer than the valid ballots"
        " ({valid}), yet every valid ballot keeps at least one name.",
    ),
    RuleSpec(
        "K07",
        E,
        "Tổng số phiếu bầu cho các ứng cử viên ({votes_sum}) lớn hơn số phiếu hợp lệ nhân"
        " với số đại biểu được bầu ({valid} × {seats} = {limit}), trong khi mỗi phiếu hợp"
        " lệ chỉ giữ lại tối đa {seats} người.",
        "Total votes for all candidates ({votes_sum}) exceed valid ballots times seats"
        " ({valid} × {seats} = {limit}), yet a valid ballot keeps at most {seats} names.",
    ),
    RuleSpec(
        "K08",
        E,
        "Thiếu số phiếu bầu của ứng cử viên mã {missing_ids}.",
        "Votes are missing for candidate(s) {missing_ids}.",
        (
            _v(
                ["missing_ids", "unknown_ids"],
                "Thiếu số phiếu bầu của ứng cử viên mã {missing_ids}; ứng cử viên mã"
                " {unknown_ids} không có trong danh sách ứng cử của đơn vị bầu cử này.",
                "Votes are missing for candidate(s) {missing_ids}; candidate(s)"
                " {unknown_ids} are not on this constituency's ballot.",
            ),
            _v(
                ["unknown_ids"],
                "Ứng cử viên mã {unknown_ids} không có trong danh sách ứng cử của đơn vị"
                " bầu cử này.",
                "Candidate(s) {unknown_ids} are not on this constituency's ballot.",
            ),
        ),
    ),
    RuleSpec(
        "K09",
        W,
        "Số phiếu phát ra ({issued}) khác số cử tri đã tham gia bỏ phiếu ({voted}).",
        "Ballots issued ({issued}) differ from the voters who voted ({voted}).",
    ),
    RuleSpec(
        "K10",
        W,
        "Số cử tri trong danh sách ({total}) khác tổng số cử tri của khu vực bỏ phiếu"
        " ({registered}).",
        "Voters on the list ({total}) differ from the registered voters of the polling"
        " area ({registered}).",
    ),
    RuleSpec(
        "K11",
        W,
        "Số phiếu không hợp lệ ({invalid}) chiếm {invalid_pct} số phiếu thu vào"
        " ({received}), cao hơn mức 3 %.",
        "Invalid ballots ({invalid}) are {invalid_pct} of ballots received ({received}), above 3%.",
    ),
    RuleSpec(
        "K12",
        W,
        "Số cử tri đã tham gia bỏ phiếu ({voted}) khác số cử tri đã đi bầu trong báo cáo"
        " tiến độ gần nhất ({turnout}).",
        "Voters who voted ({voted}) differ from the latest turnout report ({turnout}).",
    ),
    RuleSpec(
        "K13",
        E,
        "Tổng số phiếu theo từng loại phiếu ({types_sum}) không bằng số phiếu hợp lệ ({valid}).",
        "Ballots by type add up to {types_sum}, not the number of valid ballots ({valid}).",
        (
            _v(
                ["expected"],
                "Tổng số phiếu bầu cho các ứng cử viên ({votes_sum}) không khớp với số"
                " phiếu theo loại ({expected} = tổng của số người giữ lại nhân số phiếu"
                " mỗi loại).",
                "Total votes for all candidates ({votes_sum}) do not match the ballot"
                " types ({expected} = sum of names kept times ballots of that type).",
            ),
            _v(
                ["k"],
                "Không có loại phiếu bầu {k} người: mỗi phiếu hợp lệ giữ lại từ 1 đến"
                " {seats} người.",
                "There is no ballot type keeping {k} names: a valid ballot keeps 1 to"
                " {seats} names.",
            ),
        ),
    ),
    # --- master data -----------------------------------------------------
    RuleSpec(
        "M01",
        E,
        "Đơn vị bầu cử {level} bầu {seats} đại biểu nên cần ít nhất {required} người ứng"
        " cử (nhiều hơn số đại biểu ít nhất {surplus} người), hiện chỉ có {candidates}.",
        "A {level} constituency electing {seats} deputies needs at least {required}"
        " candidates ({surplus} more than the seats); it has {candidates}.",
    ),
    RuleSpec(
        "M02",
        E,
        "Số đại biểu được bầu ({seats}) không hợp lệ: đơn vị bầu cử {level} bầu từ {min}"
        " đến {max} đại biểu.",
        "Seats ({seats}) out of range: a {level} constituency elects {min} to {max} deputies.",
    ),
    RuleSpec(
        "M03",
        E,
        "Khu vực bỏ phiếu {area} chưa thuộc đơn vị bầu cử nào của cấp này.",
        "Polling area {area} is in no constituency of this level.",
        (
            _v(
                ["constituencies"],
                "Khu vực bỏ phiếu {area} thuộc nhiều đơn vị bầu cử của cùng một cấp"
                " ({constituencies}); mỗi khu vực chỉ được thuộc một đơn vị.",
                "Polling area {area} is in more than one constituency of this level"
                " ({constituencies}); it must be in exactly one.",
            ),
        ),
    ),
    RuleSpec(
        "M04",
        E,
        "Số cử tri nam ({male}) cộng số cử tri nữ ({female}) bằng {sum}, không bằng tổng"
        " số cử tri ({total}).",
        "Registered male voters ({male}) plus female voters ({female}) make {sum}, not"
        " the registered total ({total}).",
    ),
)

CATALOGUE: dict[str, RuleSpec] = {rule.code: rule for rule in _RULES}

# --- field labels -----------------------------------------------------------

_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "voted_total": ("số cử tri đã đi bầu", "voters who voted"),
    "voted_male": ("số cử tri nam đã đi bầu", "male voters who voted"),
    "voted_female": ("số cử tri nữ đã đi bầu", "female voters who voted"),
    "registered_total": (
        "tổng số cử tri của khu vực bỏ phiếu",
        "registered voters of the polling area",
    ),
    "registered_male": (
        "số cử tri nam của khu vực bỏ phiếu",
        "registered male voters of the polling area",
    ),
    "registered_female": (
        "số cử tri nữ của khu vực bỏ phiếu",
        "registered female voters of the polling area",
    ),
    "voters_total": ("số cử tri trong danh sách", "voters on the list"),
    "voters_voted": ("số cử tri đã tham gia bỏ phiếu", "voters who voted"),
    "ballots_issued": ("số phiếu phát ra", "ballots issued"),
    "ballots_received": ("số phiếu thu vào", "ballots received"),
    "ballots_valid": ("số phiếu hợp lệ", "valid ballots"),
    "ballots_invalid": ("số phiếu không hợp lệ", "invalid ballots"),
    "votes": ("số phiếu bầu cho các ứng cử viên", "votes for the candidates"),
    "ballot_types": ("số phiếu theo loại", "ballots by type"),
    "seats": ("số đại biểu được bầu", "seats"),
    "candidates": ("số người ứng cử", "candidates"),
    "polling_area": ("khu vực bỏ phiếu", "polling area"),
    "window": ("mốc báo cáo", "reporting window"),
}
_PREFIXED_LABELS: dict[str, tuple[str, str]] = {
    "votes.": ("số phiếu bầu cho ứng cử viên mã {}", "votes for candidate {}"),
    "ballot_types.": ("số phiếu bầu {} người", "ballots keeping {} names"),
}


def field_label(name: str, lang: str = "vi") -> str:
    """The plain-language label of a field name (lower case; unknown names as is)."""
    index = 1 if is_english(lang) else 0
    if name in _FIELD_LABELS:
        return _FIELD_LABELS[name][index]
    for prefix, labels in _PREFIXED_LABELS.items():
        if name.startswith(prefix):
            return labels[index].format(name[len(prefix) :])
    return name


# --- rendering --------------------------------------------------------------


def _render_value(key: str, value: object, lang: str) -> str:
    english = is_english(lang)
    if value is None:
        return "not entered" if english else "chưa nhập"
    if isinstance(value, (tuple, list, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(_render_value(key, item, lang) for item in items)
    if key == "field" or key.endswith("_field"):
        return field_label(str(value), lang)
    if key.endswith(("_id", "_ids")) or isinstance(value, bool):
        return str(value)
    if key == "level" and value in set(Level):
        level = Level(value)
        return level.label_en if english else level.label_vi
    if isinstance(value, int):
        return format_int(value, lang)
    if isinstance(value, (Decimal, float)):
        if key.endswith("_pct"):
            return format_percent(value, lang)
        return format_decimal(value, lang)
    if isinstance(value, (datetime, time)):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


class _Rendered(dict[str, str]):
    """Missing placeholders stay visible instead of raising (never crash a view)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, params: Mapping[str, object], lang: str = "vi") -> str:
    """Fill ``template`` with ``params`` formatted for ``lang``; first letter upper."""
    values = _Rendered({key: _render_value(key, value, lang) for key, value in params.items()})
    text = string.Formatter().vformat(template, (), values)
    return text[:1].upper() + text[1:]


def placeholders(template: str) -> set[str]:
    """The named placeholders of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# --- findings ---------------------------------------------------------------


def _freeze(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_freeze(item) for item in value)
    if isinstance(value, Mapping):
        return FrozenParams(value)
    return value


class FrozenParams(Mapping[str, object]):
    """A read-only, hashable mapping (so a :class:`Finding` stays hashable)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, object] | Iterable[tuple[str, object]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items = dict((str(key), _freeze(value)) for key, value in pairs)

    def __getitem__(self, key: str) -> object:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"{self._items!r}"


@dataclass(frozen=True)
class Finding:
    """One rule outcome: ``Finding(code, severity, fields, params)``."""

    code: str
    severity: Severity
    fields: tuple[str, ...]
    params: Mapping[str, object]

    def __post_init__(self) -> None:
        fields = (self.fields,) if isinstance(self.fields, str) else tuple(self.fields)
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "fields", tuple(str(name) for name in fields))
        object.__setattr__(self, "params", FrozenParams(self.params or {}))

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def message(self, lang: str = "vi") -> str:
        """The message in Vietnamese (default) or English (``lang="en"``)."""
        spec = CATALOGUE.get(self.code)
        if spec is None:
            return f"{self.code}: " + ", ".join(f"{k}={v}" for k, v in self.params.items())
        return render(spec.template(lang, self.params), self.params, lang)

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        """``{"code", "severity", "field", "message"}`` as in the API's errors."""
        return {
            "code": self.code,
            "severity": str(self.severity),
            "field": ",".join(self.fields),
            "message": self.message(lang),
        }


def finding(code: str, fields: Sequence[str], **params: object) -> Finding:
    """A finding of catalogue rule ``code`` (its severity from the catalogue)."""
    try:
        spec = CATALOGUE[code]
    except KeyError:
        raise KeyError(f"unknown rule code {code!r}") from None
    return Finding(code, spec.severity, tuple(fields), params)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]


def codes(findings: Iterable[Finding]) -> list[str]:
    """The codes in order of first appearance, without duplicates."""
    return list(dict.fromkeys(f.code for f in findings))
