"""Request bodies checked against the same JSON Schemas the OpenAPI document publishes.

A small validator for the subset of JSON Schema the API uses (type, properties,
required, additionalProperties, propertyNames, items, min/maxItems, minimum,
maximum, min/maxLength, pattern, enum, $ref to a component). Every problem
becomes a field-level error ``{"code","severity","field","message"}`` in
Vietnamese or English; a negative count is the catalogue's ``R01``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from data.numbers import is_english
from data.rules.findings import field_label, finding

Schema = Mapping[str, Any]
REF_PREFIX = "#/components/schemas/"

_TYPE_WORDS: dict[str, tuple[str, str]] = {
    "integer": ("một số nguyên", "an integer"),
    "number": ("một số", "a number"),
    "string": ("một chuỗi ký tự", "a string"),
    "boolean": ("true hoặc false", "true or false"),
    "object": ("một đối tượng JSON {…}", "a JSON object {…}"),
    "array": ("một danh sách JSON […]", "a JSON array […]"),
    "null": ("null", "null"),
}


@dataclass(frozen=True)
class Problem:
    path: str  # "voted_total", "votes.12", "confirm.0"; "" is the whole body
    kind: str  # the JSON Schema keyword that failed, or "json"
    params: dict[str, Any] = field(default_factory=dict)

    def as_error(self, lang: str = "vi") -> dict[str, str]:
        if self.kind == "minimum" and self.params.get("minimum") == 0 and self.path:
            name = _leaf(self.path)
            r01 = finding("R01", (self.path,), field=name, value=self.params["value"])
            error = r01.as_dict(lang)
            if name != self.path:  # an item of a list: say which
                error["message"] += f" ({self.path})"
            return error
        return {
            "code": "E_INVALID",
            "severity": "error",
            "field": self.path,
            "message": self.message(lang),
        }

    def message(self, lang: str = "vi") -> str:
        en = is_english(lang)
        label = _label(self.path, lang)
        p = self.params
        if self.kind == "json":
            return (
                "The request body is not valid JSON."
                if en
                else "Nội dung yêu cầu không phải là JSON hợp lệ."
            )
        if self.kind == "required":
            return f"Required field missing: {label}." if en else f"Thiếu trường bắt buộc: {label}."
        if self.kind == "additionalProperties":
            return (
                f"Unknown field: {self.path}."
                if en
                else f"Trường {self.path} không có trong mẫu dữ liệu của API."
            )
        if self.kind == "type":
            words = " or ".join(_TYPE_WORDS[t][1] for t in p["expected"])
            words_vi = " hoặc ".join(_TYPE_WORDS[t][0] for t in p["expected"])
            return f"{_cap(label)} must be {words}." if en else f"{_cap(label)} phải là {words_vi}."
        if self.kind == "minimum":
            return (
                f"{_cap(label)} must be at least {p['minimum']}."
                if en
                else f"{_cap(label)} phải lớn hơn hoặc bằng {p['minimum']}."
            )
        if self.kind == "maximum":
            return (
                f"{_cap(label)} is too large: at most {p['maximum']:,}."
                if en
                else f"{_cap(label)} quá lớn: tối đa {p['maximum']:,}.".replace(",", ".")
            )
        if self.kind == "minLength":
            return (
                f"{_cap(label)} must not be empty." if en else f"{_cap(label)} không được để trống."
            )
        if self.kind == "maxLength":
            return (
                f"{_cap(label)} is too long: at most {p['maxLength']} characters."
                if en
                else f"{_cap(label)} quá dài: tối đa {p['maxLength']} ký tự."
            )
        if self.kind in ("pattern", "propertyNames"):
            return (
                f"{_cap(label)} is not in the expected form."
                if en
                else f"{_cap(label)} không đúng định dạng."
            )
        if self.kind == "enum":
            values = ", ".join(str(v) for v in p["enum"])
            return (
                f"{_cap(label)} must be one of: {values}."
                if en
                else f"{_cap(label)} phải là một trong: {values}."
            )
        if self.kind == "minItems":
            return (
                f"{_cap(label)} needs at least {p['minItems']} item(s)."
                if en
                else f"{_cap(label)} cần ít nhất {p['minItems']} phần tử."
            )
        if self.kind == "maxItems":
            return (
                f"{_cap(label)} has too many items: at most {p['maxItems']}."
                if en
                else f"{_cap(label)} có quá nhiều phần tử: tối đa {p['maxItems']}."
            )
        if self.kind == "maxProperties":
            return (
                f"{_cap(label)} has too many entries: at most {p['maxProperties']}."
                if en
                else f"{_cap(label)} có quá nhiều mục: tối đa {p['maxProperties']}."
            )
        return f"{_cap(label)} is not valid." if en else f"{_cap(label)} không hợp lệ."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _leaf(path: str) -> str:
    """``3.voted_total`` → ``voted_total``; ``votes.12`` stays (its label names the id)."""
    head, _, last = path.rpartition(".")
    if head and not head.split(".")[-1].isdigit():
        return path
    return last


def _label(path: str, lang: str) -> str:
    if not path:
        return "the request body" if is_english(lang) else "nội dung yêu cầu"
    label = field_label(_leaf(path), lang)
    return label if label == path else f"{label} ({path})"


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _matches_type(value: Any, expected: list[str]) -> bool:
    actual = _type_of(value)
    return actual in expected or (actual == "integer" and "number" in expected)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def validate(
    value: Any, schema: Schema, components: Mapping[str, Schema], path: str = ""
) -> list[Problem]:
    """Every problem of ``value`` against ``schema`` (empty: valid)."""
    ref = schema.get("$ref")
    if ref is not None:
        return validate(value, components[ref.removeprefix(REF_PREFIX)], components, path)
    expected = schema.get("type")
    if expected is not None:
        types = [expected] if isinstance(expected, str) else list(expected)
        if not _matches_type(value, types):
            return [Problem(path, "type", {"expected": types})]
    if "enum" in schema and value not in schema["enum"]:
        return [Problem(path, "enum", {"enum": schema["enum"]})]
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return _number(value, schema, path)
    if isinstance(value, str):
        return _string(value, schema, path)
    if isinstance(value, list):
        return _array(value, schema, components, path)
    if isinstance(value, dict):
        return _object(value, schema, components, path)
    return []


def _number(value: float, schema: Schema, path: str) -> list[Problem]:
    if "minimum" in schema and value < schema["minimum"]:
        return [Problem(path, "minimum", {"minimum": schema["minimum"], "value": value})]
    if "maximum" in schema and value > schema["maximum"]:
        return [Problem(path, "maximum", {"maximum": schema["maximum"], "value": value})]
    return []


def _string(value: str, schema: Schema, path: str) -> list[Problem]:
    if "minLength" in schema and len(value) < schema["minLength"]:
        return [Problem(path, "minLength", {"minLength": schema["minLength"]})]
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return [Problem(path, "maxLength", {"maxLength": schema["maxLength"]})]
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return [Problem(path, "pattern", {"pattern": schema["pattern"]})]
    return []


def _array(
    value: list[Any], schema: Schema, components: Mapping[str, Schema], path: str
) -> list[Problem]:
    if "minItems" in schema and len(value) < schema["minItems"]:
        return [Problem(path, "minItems", {"minItems": schema["minItems"]})]
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return [Problem(path, "maxItems", {"maxItems": schema["maxItems"]})]
    items = schema.get("items")
    problems: list[Problem] = []
    if items is not None:
        for i, item in enumerate(value):
            problems += validate(item, items, components, _join(path, i))
    return problems


def _object(
    value: dict[str, Any], schema: Schema, components: Mapping[str, Schema], path: str
) -> list[Problem]:
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        return [Problem(path, "maxProperties", {"maxProperties": schema["maxProperties"]})]
    problems = [
        Problem(_join(path, name), "required")
        for name in schema.get("required", ())
        if name not in value
    ]
    properties: Mapping[str, Schema] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    names = schema.get("propertyNames")
    for key, item in value.items():
        where = _join(path, key)
        if key in properties:
            problems += validate(item, properties[key], components, where)
            continue
        if names is not None and validate(key, names, components, where):
            problems.append(Problem(where, "propertyNames"))
        elif extra is False:
            problems.append(Problem(where, "additionalProperties"))
        elif isinstance(extra, Mapping):
            problems += validate(item, extra, components, where)
    return problems


def parse_json(raw: bytes) -> tuple[Any, list[Problem]]:
    """The JSON value of a body, refusing NaN/Infinity, bad UTF-8 and absurd nesting."""

    def no_constants(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants), []
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, [Problem("", "json")]
