"""The two ways an operator's figures reach the server, behind one interface: the entry
forms' callbacks (``FormChannel``, as the browser sends them) and the JSON API
(``ApiChannel``). Both answer with :class:`~dashboard.simulator.pages.Saved`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from dashboard.simulator.api import ApiClient
from dashboard.simulator.figures import Sheet, Turnout
from dashboard.simulator.pages import (
    OPERATOR_CALLBACKS,
    EntryPages,
    Saved,
    SheetForm,
    check_callbacks,
)
from dashboard.simulator.session import BrowserSession, DashApp
from dashboard.simulator.transport import Answer, describe
from data.enums import Level

LEVELS = tuple(str(level) for level in Level)


class Channel(Protocol):
    name: str
    # None: the channel has no opening report (the API has none, API.md §2).
    save_opening: Callable[[str, str], Saved] | None

    def begin_window(self, window: str) -> list[str]:
        """Ready to enter ``window``; the polling areas the server lists for it."""
        ...

    def save_turnout(
        self, area: str, window: str, figures: Turnout, warnings: Sequence[str], reason: str
    ) -> Saved: ...

    def levels(self, area: str) -> dict[str, tuple[list[int], int]]:
        """The contests of ``area``: level → (candidate ids in ballot order, seats)."""
        ...

    def save_sheet(
        self, area: str, level: str, sheet: Sheet, warnings: Sequence[str], reason: str
    ) -> Saved: ...


def _api_saved(answer: Answer) -> Saved:
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status in (200, 201):
        return Saved(
            answer.status,
            True,
            body.get("version"),
            unchanged=body.get("status") == "unchanged",
            confirmed=tuple(body.get("confirmed_warnings") or ()),
        )
    findings = [
        (str(e.get("code")), str(e.get("severity", "error")))
        for e in body.get("errors", [])
        if isinstance(e, dict)
    ]
    return Saved(answer.status, False, None, findings)


class ApiChannel:
    name = "api"
    save_opening = None  # the API has no opening report

    def __init__(self, api: ApiClient, election_id: int) -> None:
        self.api, self.eid = api, election_id
        self.versions: dict[tuple[str, str], int] = {}  # (area, level) → sheet version

    def begin_window(self, window: str) -> list[str]:
        return []

    def save_turnout(
        self, area: str, window: str, figures: Turnout, warnings: Sequence[str], reason: str
    ) -> Saved:
        body: dict[str, Any] = figures.as_api()
        if warnings:
            body.update(confirm=list(warnings), reason=reason)
        answer = self.api.put("turnout.api", f"/elections/{self.eid}/turnout/{area}/{window}", body)
        return _api_saved(answer)

    def levels(self, area: str) -> dict[str, tuple[list[int], int]]:
        found = {}
        for level in LEVELS:
            path = f"/elections/{self.eid}/polling-areas/{area}/ballot/{level}"
            answer = self.api.get("read.api", path)
            if answer.status == 200 and isinstance(answer.body, dict):
                ids = [int(c["id"]) for c in answer.body["candidates"]]
                found[level] = (ids, int(answer.body["constituency"]["seats"]))
            elif answer.status != 404:  # 404: the area does not vote at this level
                self.api.recorder.judged(answer.status, f"{path}: {describe(answer)}")
        return found

    def save_sheet(
        self, area: str, level: str, sheet: Sheet, warnings: Sequence[str], reason: str
    ) -> Saved:
        body = sheet.as_api()
        if warnings:
            body.update(confirm=list(warnings), reason=reason)
        version = self.versions.get((area, level))
        path = f"/elections/{self.eid}/tally-sheets/{area}/{level}"
        saved = _api_saved(self.api.put("tally.api", path, body, if_match=version))
        if saved.saved and saved.version is not None:
            self.versions[(area, level)] = saved.version
        return saved


class FormChannel:
    name = "form"

    def __init__(self, browser: BrowserSession, election_id: int, commune: str) -> None:
        self.pages = EntryPages(browser, election_id, commune)
        self.ctx: dict[str, Any] | None = None
        self.clicks: dict[str, int] = {}
        self.versions: dict[tuple[str, str], int | None] = {}
        self.forms: dict[tuple[str, str], SheetForm] = {}
        self.live_checks = True

    def check_app(self, app: DashApp) -> None:
        check_callbacks(app, OPERATOR_CALLBACKS)

    def _click(self, key: str) -> int:
        self.clicks[key] = self.clicks.get(key, 0) + 1
        return self.clicks[key]

    def begin_window(self, window: str) -> list[str]:
        self.ctx = self.pages.open_turnout(window)
        self.clicks = {}
        if self.ctx is None:
            return []
        for area, version in (self.ctx.get("versions") or {}).items():
            self.versions[(area, window)] = version
        return list(self.ctx.get("base") or {})

    def save_turnout(
        self, area: str, window: str, figures: Turnout, warnings: Sequence[str], reason: str
    ) -> Saved:
        assert self.ctx is not None, "begin_window first"
        boxes = figures.as_boxes()
        if self.live_checks and not warnings:
            warnings = self.pages.check_turnout(self.ctx, area, boxes)
        before = self.versions.get((area, window))
        saved = self.pages.save_turnout(
            self.ctx,
            area,
            boxes,
            before,
            clicks=self._click(area),
            warnings=warnings,
            reason=reason if warnings else "",
        )
        if not saved.saved and not warnings:
            warnings = self.pages.check_turnout(self.ctx, area, boxes)
        return self._remember(saved, (area, window), before, warnings)

    def save_opening(self, area: str, opened: str) -> Saved:
        assert self.ctx is not None, "begin_window first"
        before = self.versions.get((area, "opening"))
        saved = self.pages.save_turnout(
            self.ctx, area, (opened, "", ""), before, clicks=self._click(area), kind="opening.form"
        )
        return self._remember(saved, (area, "opening"), before, ())

    def _remember(
        self, saved: Saved, key: tuple[str, str], before: int | None, warnings: Sequence[str]
    ) -> Saved:
        if saved.saved:
            saved.unchanged = before is not None and saved.version == before
            saved.confirmed = tuple(warnings)
            self.versions[key] = saved.version
        else:
            # A refusal names its codes; the checks beside the boxes tell which are warnings.
            saved.findings = [
                (code, "warning" if code in warnings else "error" if sev == "?" else sev)
                for code, sev in saved.findings
            ]
        return saved

    def levels(self, area: str) -> dict[str, tuple[list[int], int]]:
        if not self.forms:
            self.pages.open_tally()
        found = {}
        for level in self.pages.tally_levels(area):
            form = self.pages.build_sheet(area, level)
            if form is not None:
                self.forms[(area, level)] = form
                self.versions[(area, level)] = form.version
                found[level] = (form.candidates, form.seats)
        return found

    def save_sheet(
        self, area: str, level: str, sheet: Sheet, warnings: Sequence[str], reason: str
    ) -> Saved:
        form = self.forms[(area, level)]
        if self.live_checks and not warnings:
            warnings = self.pages.check_sheet(form, sheet)
        before = self.versions.get((area, level))
        saved = self.pages.save_sheet(
            form,
            sheet,
            before,
            clicks=self._click(f"{area}/{level}"),
            warnings=warnings,
            reason=reason if warnings else "",
        )
        if not saved.saved and not warnings:
            warnings = self.pages.check_sheet(form, sheet)
        return self._remember(saved, (area, level), before, warnings)
