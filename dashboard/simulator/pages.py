"""The entry pages as the browser drives them: the same callbacks, in the same order, with the
same ids and values (dashboard/pages/entry_turnout.py, entry_tally.py, entry_close.py).

A callback is named by one of its outputs; its request body is built from what the server
declares (:class:`~dashboard.simulator.session.DashApp`), so a state the page adds later is
sent as the browser would send an untouched box. What the server answered is read back
from the returned components the way the page shows it (``row-saved``, ``saved-mark``,
the rule codes), never from knowledge of the server's internals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.simulator.figures import Sheet
from dashboard.simulator.session import BrowserSession, CallbackReply, DashApp, components, ref

COUNTS = (
    "voters_total",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)
STORES = ("ec-ask-done", "ec-decide-done", "ec-close-done", "ec-reopen-done", "ec-grant-done")
CONFIRMED = ["ok"]  # the value of a ticked confirmation checklist
BOXES = ("total", "male", "female")
_SEATS = re.compile(r"bầu (\d+) đại biểu|(\d+) seats")

# Each callback by one of its outputs: (ref of the id, property).
ROUTER = ("page", "children")
TURNOUT_WINDOW = ("to-window", "options")
TURNOUT_BUILD = ("to-ctx", "data")
TURNOUT_LIVE = (ref({"type": "to-warn"}), "data")
TURNOUT_SAVE = (ref({"type": "to-row"}), "className")
TALLY_AREA = ("tl-area", "options")
TALLY_LEVEL = ("tl-level", "options")
TALLY_BUILD = ("tl-ctx", "data")
TALLY_LIVE = ("tl-warn", "data")
TALLY_SAVE = ("tl-status", "children")
CLOSE_ASK = ("ec-ask-done", "data")
CLOSE_UPPER = ("ec-req", "options")
CLOSE_DECIDE = ("ec-decide-done", "data")
GRANT_LATE = ("ec-late", "options")
GRANT = ("ec-grant-done", "data")


def _picker(prefix: str) -> tuple[str, str]:
    return f"{prefix}-commune", "options"


OPERATOR_CALLBACKS = (
    ROUTER,
    _picker("to"),
    TURNOUT_WINDOW,
    TURNOUT_BUILD,
    TURNOUT_LIVE,
    TURNOUT_SAVE,
    _picker("tl"),
    TALLY_AREA,
    TALLY_LEVEL,
    TALLY_BUILD,
    TALLY_LIVE,
    TALLY_SAVE,
    CLOSE_ASK,
)
DESK_CALLBACKS = (ROUTER, CLOSE_UPPER, CLOSE_DECIDE, GRANT_LATE, GRANT)


def check_callbacks(app: DashApp, wanted: Sequence[tuple[str, str]]) -> None:
    """Fail early (PageChanged) when the server lacks a callback the simulator drives."""
    for output in wanted:
        app.spec(output)


def _row(kind: str) -> str:
    return ref({"type": f"to-{kind}"})


def _box(name: str) -> str:
    return ref({"type": "to-f", "f": name})


@dataclass
class Saved:
    """What the page (or the API) answered to a save."""

    status: int  # HTTP status
    saved: bool
    version: int | None
    findings: list[tuple[str, str]] = field(default_factory=list)  # (code, severity)
    unchanged: bool = False  # saved, but identical to what was stored (a resend)
    confirmed: tuple[str, ...] = ()  # warnings confirmed with a reason

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.findings}

    @property
    def warnings(self) -> list[str]:
        return sorted({c for c, s in self.findings if s == "warning"})

    @property
    def only_warnings(self) -> bool:
        return bool(self.findings) and all(s == "warning" for _, s in self.findings)


@dataclass
class SheetForm:
    """The tally form as built for one polling area and level."""

    ctx: dict[str, Any]
    candidates: list[int]
    version: int | None
    seats: int
    editable: bool


def _saved_mark(tree: Any) -> bool:
    return "saved-mark" in json.dumps(tree, ensure_ascii=False)


def _values(reply: CallbackReply, component_id: str, name: str) -> list[str]:
    options = reply.get(component_id, name) or []
    return [str(o["value"]) for o in options if isinstance(o, dict)]


class EntryPages:
    """A commune operator's entry pages (or a backup entry point's, for one commune)."""

    def __init__(self, browser: BrowserSession, election_id: int, commune: str) -> None:
        self.browser, self.eid, self.commune = browser, election_id, commune

    def _navigate(self, path: str, prefix: str) -> None:
        self.browser.call("page", ROUTER, {("url", "pathname"): path})
        self.browser.call(
            "page",
            _picker(prefix),
            {(f"{prefix}-election", "value"): self.eid, ("url", "search"): ""},
        )

    # --- turnout ------------------------------------------------------------------
    def open_turnout(self, window: str) -> dict[str, Any] | None:
        """Open the turnout page on ``window``: the table's context (None if refused)."""
        self._navigate("/entry/turnout", "to")
        self.browser.call(
            "page",
            TURNOUT_WINDOW,
            {("to-election", "value"): self.eid, ("url", "search"): f"?moc={window}"},
        )
        reply = self.browser.call(
            "page",
            TURNOUT_BUILD,
            {
                ("to-election", "value"): self.eid,
                ("to-commune", "value"): self.commune,
                ("to-window", "value"): window,
            },
        )
        data = reply.get("to-ctx", "data")
        return data if isinstance(data, dict) else None

    def check_turnout(self, ctx: dict[str, Any], area: str, boxes: Sequence[str]) -> list[str]:
        """The row's live checks once its boxes are typed: the warnings to confirm."""
        values = {(_box(n), "value"): v for n, v in zip(BOXES, boxes, strict=True)}
        values[("to-ctx", "data")] = ctx
        reply = self.browser.call("live.form", TURNOUT_LIVE, values, {"area": area})
        warn = reply.get({"type": "to-warn", "area": area}, "data")
        return [str(c) for c in warn] if isinstance(warn, list) else []

    def save_turnout(
        self,
        ctx: dict[str, Any],
        area: str,
        boxes: Sequence[str],
        version: int | None,
        *,
        clicks: int,
        warnings: Sequence[str] = (),
        reason: str = "",
        kind: str = "turnout.form",
    ) -> Saved:
        """Press the row's save button (Enter in its last box)."""
        values: dict[tuple[str, str], Any] = {
            (_box(n), "value"): v for n, v in zip(BOXES, boxes, strict=True)
        }
        values.update(
            {
                (_row("save"), "n_clicks"): clicks,
                (_row("confirm"), "value"): CONFIRMED if warnings else [],
                (_row("reason"), "value"): reason,
                (_row("warn"), "data"): list(warnings),
                (_row("version"), "data"): version,
                ("to-ctx", "data"): ctx,
            }
        )
        reply = self.browser.call(kind, TURNOUT_SAVE, values, {"area": area})
        row = {"type": "to-row", "area": area}
        saved = reply.get(row, "className") == "row-saved"
        version_after = reply.get({"type": "to-version", "area": area}, "data") if saved else None
        return Saved(reply.status, saved, version_after, reply.findings())

    # --- tally sheets -----------------------------------------------------------
    def open_tally(self) -> list[str]:
        """Open the tally page: the commune's polling areas, as the area picker lists them."""
        self._navigate("/entry/tally", "tl")
        reply = self.browser.call(
            "page",
            TALLY_AREA,
            {
                ("tl-election", "value"): self.eid,
                ("tl-commune", "value"): self.commune,
                ("url", "search"): "",
            },
        )
        return _values(reply, "tl-area", "options")

    def tally_levels(self, area: str) -> list[str]:
        reply = self.browser.call(
            "page",
            TALLY_LEVEL,
            {("tl-election", "value"): self.eid, ("tl-area", "value"): area, ("url", "search"): ""},
        )
        return _values(reply, "tl-level", "options")

    def build_sheet(self, area: str, level: str) -> SheetForm | None:
        reply = self.browser.call(
            "page",
            TALLY_BUILD,
            {
                ("tl-election", "value"): self.eid,
                ("tl-area", "value"): area,
                ("tl-level", "value"): level,
            },
        )
        ctx = reply.get("tl-ctx", "data")
        if not isinstance(ctx, dict):
            return None
        form = reply.get("tl-form", "children")
        candidates, version = [], None
        for node in components(form):
            cid = node["props"].get("id")
            if isinstance(cid, dict) and cid.get("type") == "tl-vote":
                candidates.append(int(cid["cand"]))
            elif cid == "tl-version":
                version = node["props"].get("data")
        # The form says "bầu N đại biểu" above the boxes, as a person reads it.
        seats = _SEATS.search(json.dumps(form, ensure_ascii=False))
        return SheetForm(
            ctx,
            candidates,
            version,
            int(next(g for g in seats.groups() if g)) if seats else 1,
            bool(ctx.get("editable")),
        )

    def _sheet_values(self, sheet: Sheet) -> dict[tuple[str, str], Any]:
        counts = sheet.counts()
        return {
            (ref({"type": "tl-count"}), "value"): [
                ({"type": "tl-count", "f": k}, str(counts[k])) for k in COUNTS
            ],
            (ref({"type": "tl-vote"}), "value"): [
                ({"type": "tl-vote", "cand": c}, str(n)) for c, n in sheet.votes.items()
            ],
        }

    def check_sheet(self, form: SheetForm, sheet: Sheet) -> list[str]:
        """The sheet's live checks once every box is typed: the warnings to confirm."""
        values = {**self._sheet_values(sheet), ("tl-ctx", "data"): form.ctx}
        reply = self.browser.call("live.form", TALLY_LIVE, values)
        warn = reply.get("tl-warn", "data")
        return [str(c) for c in warn] if isinstance(warn, list) else []

    def save_sheet(
        self,
        form: SheetForm,
        sheet: Sheet,
        version: int | None,
        *,
        clicks: int,
        warnings: Sequence[str] = (),
        reason: str = "",
    ) -> Saved:
        values = {
            **self._sheet_values(sheet),
            ("tl-save", "n_clicks"): clicks,
            ("tl-confirm", "value"): CONFIRMED if warnings else [],
            ("tl-reason", "value"): reason,
            ("tl-warn", "data"): list(warnings),
            ("tl-version", "data"): version,
            ("tl-ctx", "data"): form.ctx,
        }
        reply = self.browser.call("tally.form", TALLY_SAVE, values)
        saved = _saved_mark(reply.get("tl-status", "children"))
        version_after = reply.get("tl-version", "data") if saved else None
        return Saved(reply.status, saved, version_after, reply.findings())

    # --- end of entry -----------------------------------------------------------
    def ask_closure(self, reason: str) -> CallbackReply:
        self.browser.call("page", ROUTER, {("url", "pathname"): "/entry/close"})
        return self.browser.call(
            "close",
            CLOSE_ASK,
            {
                ("ec-ask-btn", "n_clicks"): 1,
                ("ec-election", "value"): self.eid,
                ("ec-ask-reason", "value"): reason,
                ("ec-ask-confirm", "value"): CONFIRMED,
            },
        )


class DeskPages:
    """The province committee's end-of-entry page: late-entry exceptions, closure requests."""

    def __init__(self, browser: BrowserSession, election_id: int) -> None:
        self.browser, self.eid = browser, election_id

    def open(self) -> None:
        self.browser.call("page", ROUTER, {("url", "pathname"): "/entry/close"})

    def late_communes(self, window: str) -> list[str]:
        reply = self.browser.call(
            "grant",
            GRANT_LATE,
            {("ec-election", "value"): self.eid, ("ec-window", "value"): window},
        )
        return _values(reply, "ec-late", "options")

    def grant(self, window: str, commune: str, until: str, reason: str) -> CallbackReply:
        return self.browser.call(
            "grant",
            GRANT,
            {
                ("ec-exc-btn", "n_clicks"): 1,
                ("ec-election", "value"): self.eid,
                ("ec-window", "value"): window,
                ("ec-late", "value"): commune,
                ("ec-until", "value"): until,
                ("ec-exc-reason", "value"): reason,
            },
        )

    def pending_request(self, commune: str) -> int | None:
        """The id of the commune's pending closure request, as the request picker lists it."""
        reply = self.browser.call("close", CLOSE_UPPER, {("ec-election", "value"): self.eid})
        for option in reply.get("ec-req", "options") or []:
            if isinstance(option, dict) and f"({commune})" in str(option.get("label")):
                return int(option["value"])
        return None

    def confirm(self, request_id: int, reason: str) -> CallbackReply:
        return self.browser.call(
            "close",
            CLOSE_DECIDE,
            {
                ("ec-req-confirm", "n_clicks"): 1,
                ("ec-election", "value"): self.eid,
                ("ec-req", "value"): request_id,
                ("ec-req-reason", "value"): reason,
            },
        )
