"""The user's language: Vietnamese by default, English on request (cookie ``lang``)."""

from __future__ import annotations

from flask import has_request_context, request

LANGS = ("vi", "en")
COOKIE = "lang"


def current_lang() -> str:
    if not has_request_context():
        return "vi"
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGS:
        return chosen
    # Machine clients choose with Accept-Language; browsers get Vietnamese unless
    # the user switched (a browser's own English header does not count).
    if request.path.startswith("/api/"):
        header = request.headers.get("Accept-Language", "")
        return "en" if header.lower().startswith("en") else "vi"
    return "vi"


def tr(vi: str, en: str) -> str:
    """The text in the user's language (both are written side by side at the call)."""
    return en if current_lang() == "en" else vi
