"""What every API view shares: the app context, the token signer, and request helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import ClientDisconnected

from auth.tokens import TokenSigner
from dashboard.api.errors import BodyTooLarge, InvalidBody, PreconditionFailed
from dashboard.api.schemas import COMPONENTS
from dashboard.api.validation import Schema, parse_json, validate
from dashboard.context import AppContext
from data.clock import LOCAL_TZ
from data.enums import Level
from data.read_models.api import current_election_id
from data.services.errors import NotFound

_ELECTION_ID = re.compile(r"[0-9]{1,10}")
_VERSION = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class ApiState:
    ctx: AppContext
    signer: TokenSigner

    def election_id(self, raw: str) -> int:
        """``{eid}``: an id or ``current``, through the guard (unknown ids are refused alike)."""
        guard = self.ctx.guard
        guard.principal()
        if raw == "current":
            with self.ctx.db.read() as s:
                eid = current_election_id(s)
            if eid is None:
                raise NotFound(what="cuộc bầu cử hiện tại", what_en="The current election")
            return guard.election(eid)
        if _ELECTION_ID.fullmatch(raw):
            return guard.election(int(raw))
        return guard.election(raw)  # refuses, and audits the refusal


def body(schema: Schema | str) -> Any:
    """The request's JSON body, valid against ``schema`` (a component name or a schema)."""
    limit = current_app.config["BAUCU_API_MAX_BODY"]
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit=limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise BodyTooLarge(limit=limit)
    if request.content_length is not None and len(raw) < request.content_length:
        # gunicorn hands over what came before the client hung up as if it were all.
        raise ClientDisconnected()
    value, problems = parse_json(raw)
    if not problems:
        target = COMPONENTS[schema] if isinstance(schema, str) else schema
        problems = validate(value, target, COMPONENTS)
    if problems:
        raise InvalidBody(problems)
    return value


def if_match() -> tuple[int | None, str | None]:
    """(version, raw header) from ``If-Match``: ``3``, ``"3"`` or ``W/"3"``; (None, None) if absent.

    A header that names no version can match nothing: 412.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        return None, None
    text = raw.strip()
    text = text.removeprefix("W/").strip('"')
    if not _VERSION.fullmatch(text):
        raise PreconditionFailed(sent=raw[:40], current=None)
    return int(text), raw[:40]


def level_of(raw: str) -> Level:
    try:
        return Level(raw)
    except ValueError:
        raise NotFound(what=f"cấp bầu cử {raw[:32]}", what_en=f"Contest level {raw[:32]}") from None


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL_TZ).isoformat() if moment is not None else None


def reply(data: Any, status: int = 200, *, etag: int | None = None) -> Response:
    response = jsonify(data)
    response.status_code = status
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    return response
