"""Run the read models in one session and build the report (no Flask here)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import ElectionKind, Level
from data.models import Election, Unit
from data.read_models.entry import tally_form
from data.read_models.progress import NotFound, children_progress, scope_unit, unit_progress
from data.read_models.results import constituency_results, result_by_area
from data.reports.constituency import build_constituency_report
from data.reports.model import Report
from data.reports.summary import SummaryScope, build_summary_report
from data.reports.tally import build_tally_report
from data.reports.turnout import build_turnout_report


def _election(session: Session, election_id: int) -> Election:
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound(f"election {election_id}")
    return election


def _marked(report: Report, election: Election) -> Report:
    """A drill's printouts say so on every page and sheet, and in the file name."""
    if election.kind is not ElectionKind.DRILL:
        return report
    return dataclasses.replace(
        report,
        meta=dataclasses.replace(report.meta, drill=True),
        filename=f"DIỄN TẬP - {report.filename}",
    )


def constituency_report(
    session: Session, election_id: int, code: str, printed_at: datetime
) -> Report:
    election = _election(session, election_id)
    breakdown = result_by_area(session, election_id, code)
    place = session.scalar(
        select(Unit.name).where(
            Unit.election_id == election_id, Unit.code == breakdown.result.unit_code
        )
    )
    report = build_constituency_report(
        breakdown, settings=election.settings, printed_at=printed_at, place=place or ""
    )
    return _marked(report, election)


def turnout_report(
    session: Session, election_id: int, unit_code: str, window_key: str, printed_at: datetime
) -> Report:
    election = _election(session, election_id)
    unit = unit_progress(session, election_id, unit_code)
    if all(w.key != window_key for w in unit.windows):
        raise NotFound(f"window {window_key!r}")
    children = children_progress(session, election_id, unit_code)
    report = build_turnout_report(
        unit, children, window_key, settings=election.settings, printed_at=printed_at
    )
    return _marked(report, election)


def tally_report(
    session: Session, election_id: int, area_code: str, level: Level, printed_at: datetime
) -> Report:
    election = _election(session, election_id)
    form = tally_form(session, election_id, area_code, level)
    if form is None:
        raise NotFound(f"polling area {area_code!r} has no {level} contest")
    report = build_tally_report(
        form,
        data_version=int(election.data_version),
        settings=election.settings,
        printed_at=printed_at,
    )
    return _marked(report, election)


def summary_report(
    session: Session, election_id: int, unit_code: str, level: Level, printed_at: datetime
) -> Report:
    """Biên bản tổng kết: every constituency of ``level`` in the unit's subtree."""
    election = _election(session, election_id)
    scope = scope_unit(session, election_id, unit_code)
    results = constituency_results(session, election_id, unit_code, level)
    if not results:
        raise NotFound(f"unit {unit_code!r} has no {level} constituency")
    report = build_summary_report(
        SummaryScope(scope.code, scope.name, scope.kind, results[0].data_version),
        level,
        results,
        settings=election.settings,
        printed_at=printed_at,
    )
    return _marked(report, election)
