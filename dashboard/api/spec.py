"""Operations registered once: each becomes a Flask route and an OpenAPI 3.1 operation.

``spec.operation(method, path, …)`` decorates a view; ``spec.document()`` builds
``/api/v1/openapi.json`` from what was registered and from
:data:`dashboard.api.schemas.COMPONENTS` — so the document cannot drift from
the code, and request bodies are validated against the very schemas it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from dashboard.api.schemas import CODE_PATTERN, COMPONENTS, ref
from data.enums import Level

Schema = dict[str, Any]
View = Callable[..., Any]

PREFIX = "/api/v1"

RESPONSE_TEXT: dict[int, str] = {
    200: "OK",
    201: "Created",
    401: "Not authenticated: no, invalid or expired token (or wrong credentials)",
    403: "Outside your role or scope (unknown objects are refused alike)",
    404: "Not found",
    409: "Entry closed for the unit, outside the window's entry period (T05) or count not started",
    412: "If-Match is not the stored version",
    413: "Body too large",
    422: "Invalid request (field-level errors) or refused by the rules",
    428: "Updating an existing tally sheet needs If-Match",
    429: "Too many requests (Retry-After says when to try again)",
}

# Parameters shared by the paths, by name.
PARAMETERS: dict[str, Schema] = {
    "eid": {
        "name": "eid",
        "in": "path",
        "required": True,
        "description": "An election id, or `current`: the latest real (not drill) election"
        " by date (the newest on a tie).",
        "example": "current",
        "schema": {"type": "string", "pattern": r"^(current|[1-9][0-9]{0,9})$"},
    },
    "pa": {
        "name": "pa",
        "in": "path",
        "required": True,
        "description": "Polling area code",
        "example": "00004-01",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    },
    "window": {
        "name": "window",
        "in": "path",
        "required": True,
        "description": "Reporting window key (see /elections/{eid}/windows)",
        "example": "0900",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    },
    "level": {
        "name": "level",
        "in": "path",
        "required": True,
        "description": "Contest level",
        "example": "QH",
        "schema": {"type": "string", "enum": [lv.value for lv in Level]},
    },
    "unit": {
        "name": "unit",
        "in": "path",
        "required": True,
        "description": "Unit code (GSO; VN is the nation)",
        "example": "00004",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    },
    "code": {
        "name": "code",
        "in": "path",
        "required": True,
        "description": "Constituency code",
        "example": "X-00004",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    },
    "unit_query": {
        "name": "unit",
        "in": "query",
        "required": False,
        "description": "Unit code; default: your own scope unit",
        "example": "00004",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    },
    "if_match_optional": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "Optional: the version you edited; 412 if it is not the stored one.",
        "schema": {"type": "string"},
    },
    "if_match": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The version you edited (from the ETag / `version` of an earlier"
        " response). Not needed to create a sheet; needed to change an existing one"
        " (428 without it, 412 when it is not the stored version). Resending a body"
        " identical to the stored sheet is a no-op whatever If-Match says.",
        "schema": {"type": "string"},
    },
}

HEADERS: dict[str, Schema] = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}},
    "ETag": {"description": "The stored version, quoted", "schema": {"type": "string"}},
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    description: str
    body: Schema | None
    params: tuple[str, ...]
    responses: Mapping[int, Schema | None]
    etag: tuple[int, ...] = ()
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    example: Any = None


def flask_rule(path: str) -> str:
    """``/elections/{eid}/windows`` → ``/elections/<eid>/windows``."""
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


class ApiSpec:
    def __init__(self, blueprint: Blueprint, title: str, version: str, description: str) -> None:
        self.blueprint = blueprint
        self.title = title
        self.version = version
        self.description = description
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        description: str = "",
        body: Schema | None = None,
        params: Sequence[str] = (),
        responses: Mapping[int, Schema | None],
        etag: Sequence[int] = (),
        public: bool = False,
        tag: str = "",
        example: Any = None,
    ) -> Callable[[View], View]:
        def register(view: View) -> View:
            self.blueprint.add_url_rule(
                flask_rule(path), endpoint=view.__name__, view_func=view, methods=[method]
            )
            self.operations.append(
                Operation(
                    method.lower(),
                    path,
                    view.__name__,
                    summary,
                    description or (view.__doc__ or "").strip(),
                    body,
                    tuple(params),
                    dict(responses),
                    tuple(etag),
                    public,
                    (tag,) if tag else (),
                    example,
                )
            )
            return view

        return register

    # ------------------------------------------------------------------ document
    def document(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method] = self._operation(op)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "servers": [{"url": PREFIX}],
            "paths": paths,
            "components": {
                "schemas": COMPONENTS,
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from POST /api/v1/token",
                    }
                },
            },
            "security": [{"bearer": []}],
        }

    def _operation(self, op: Operation) -> dict[str, Any]:
        out: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "description": op.description,
            "responses": self._responses(op),
        }
        if op.tags:
            out["tags"] = list(op.tags)
        if op.params:
            out["parameters"] = [PARAMETERS[name] for name in op.params]
        if op.body is not None:
            media: dict[str, Any] = {"schema": op.body}
            if op.example is not None:
                media["example"] = op.example
            out["requestBody"] = {"required": True, "content": {"application/json": media}}
        if op.public:
            out["security"] = []
        return out

    def _responses(self, op: Operation) -> dict[str, Any]:
        statuses = dict(op.responses)
        statuses.setdefault(429, ref("Errors"))
        if not op.public:
            statuses.setdefault(401, ref("Errors"))
        if op.body is not None:
            statuses.setdefault(413, ref("Errors"))
            statuses.setdefault(422, ref("Errors"))
        out: dict[str, Any] = {}
        for status in sorted(statuses):
            schema = statuses[status]
            entry: dict[str, Any] = {"description": RESPONSE_TEXT.get(status, str(status))}
            if schema is not None:
                entry["content"] = {"application/json": {"schema": schema}}
            headers = {}
            if status == 429:
                headers["Retry-After"] = HEADERS["Retry-After"]
            if status in op.etag:
                headers["ETag"] = HEADERS["ETag"]
            if headers:
                entry["headers"] = headers
            out[str(status)] = entry
        return out
