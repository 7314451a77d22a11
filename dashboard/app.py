"""The app factory: one Flask server hosting the Dash app.

Until the access and dashboards issues land, the app serves one read-only
overview page: each election's progress per reporting window, counting
completeness per level and the figures of the units one level down, refreshed
when the election's data version changes.
"""

from __future__ import annotations

from importlib.resources import files

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from sqlalchemy import select

from data.clock import Clock, clock_from_env
from data.db import Database
from data.models import Election
from data.numbers import format_int, format_percent
from data.read_models.cache import current_version
from data.read_models.progress import children_progress, unit_progress

REFRESH_MS = 3000


def assets_folder() -> str:
    """``assets/`` found both in a checkout and in an installed wheel."""
    return str(files("assets"))


def create_app(db: Database | None = None, *, clock: Clock | None = None) -> Dash:
    db = db or Database()
    clock = clock or clock_from_env()
    app = Dash(
        __name__,
        title="Bầu cử Live",
        assets_folder=assets_folder(),
        # Bootstrap is served from assets/ (00-bootstrap.min.css): no CDN on election day.
        suppress_callback_exceptions=False,
    )
    app.server.config["BAUCU_DB"] = db
    app.layout = _layout(db)
    _register(app, db, clock)
    return app


def create_server():  # type: ignore[no-untyped-def]
    """For gunicorn: ``gunicorn 'dashboard.app:create_server()'``."""
    return create_app().server


def _layout(db: Database):  # type: ignore[no-untyped-def]
    def layout():  # type: ignore[no-untyped-def]
        with db.read() as s:
            elections = s.execute(select(Election.id, Election.name).order_by(Election.id)).all()
        options = [{"label": name, "value": eid} for eid, name in elections]
        return dbc.Container(
            [
                html.H1("Bầu cử Live", className="mt-3"),
                html.P("Tiến độ bầu cử theo thời gian thực", className="lead"),
                dcc.Dropdown(
                    id="election",
                    options=options,
                    value=options[-1]["value"] if options else None,
                    clearable=False,
                    placeholder="Chưa có cuộc bầu cử nào",
                ),
                html.Div(id="as-of", className="text-muted my-2"),
                html.H2("Tiến độ cử tri đi bầu", className="h4 mt-3"),
                html.Div(id="windows"),
                html.H2("Tiến độ kiểm phiếu", className="h4 mt-3"),
                html.Div(id="counting"),
                html.H2("Theo đơn vị", className="h4 mt-3"),
                html.Div(id="children"),
                dcc.Store(id="seen-version"),
                dcc.Interval(id="tick", interval=REFRESH_MS),
            ],
            fluid=True,
        )

    return layout


def _register(app: Dash, db: Database, clock: Clock) -> None:
    @app.callback(
        Output("windows", "children"),
        Output("counting", "children"),
        Output("children", "children"),
        Output("as-of", "children"),
        Output("seen-version", "data"),
        Input("election", "value"),
        Input("tick", "n_intervals"),
        State("seen-version", "data"),
    )
    def refresh(election_id, _tick, seen):  # type: ignore[no-untyped-def]
        if not isinstance(election_id, int):
            return "", "", "", "", None
        with db.read() as s:
            version = current_version(s, election_id)
            if seen == [election_id, version]:
                return no_update, no_update, no_update, no_update, no_update
            progress = unit_progress(s, election_id, "VN", now=clock.now())
            children = children_progress(s, election_id, "VN")
        return (
            _windows_table(progress),
            _counting_table(progress),
            _children_table(children, progress),
            f"Dữ liệu phiên bản {version} — cập nhật lúc {clock.now():%H:%M:%S %d/%m/%Y}",
            [election_id, version],
        )


def _table(rows: list[dict[str, str]], columns: list[tuple[str, str]]) -> dbc.Table:
    def cell(tag, key: str, value: str):  # type: ignore[no-untyped-def]
        return tag(value, className="text-start" if key == "name" else "text-end")

    head = html.Thead(html.Tr([cell(html.Th, key, label) for key, label in columns]))
    body = html.Tbody(
        [html.Tr([cell(html.Td, key, row[key]) for key, _ in columns]) for row in rows]
    )
    return dbc.Table([head, body], striped=True, bordered=True, hover=True, size="sm")


def _windows_table(progress):  # type: ignore[no-untyped-def]
    rows = [
        {
            "name": w.key if w.key != "opening" else "Khai mạc",
            "reported": f"{format_int(w.reported_areas)} / {format_int(w.expected_areas)}",
            "voted": format_int(w.voted),
            "turnout": format_percent(w.turnout_pct),
        }
        for w in progress.windows
    ]
    return _table(
        rows,
        [
            ("name", "Mốc"),
            ("reported", "Khu vực đã báo cáo"),
            ("voted", "Cử tri đã bầu"),
            ("turnout", "Tỷ lệ"),
        ],
    )


def _counting_table(progress):  # type: ignore[no-untyped-def]
    rows = [
        {
            "name": c.level.label_vi,
            "sheets": f"{format_int(c.sheets_in)} / {format_int(c.sheets_expected)}",
        }
        for c in progress.counting
    ]
    return _table(rows, [("name", "Cấp"), ("sheets", "Biên bản đã nhập")])


def _children_table(children, progress):  # type: ignore[no-untyped-def]
    last = next((w.key for w in reversed(progress.windows) if w.reported_areas), None)
    rows = []
    for child in children:
        window = child.window(last) if last else None
        rows.append(
            {
                "name": child.name,
                "areas": format_int(child.polling_areas),
                "registered": format_int(child.registered),
                "turnout": format_percent(window.turnout_pct) if window else "—",
            }
        )
    return _table(
        rows,
        [
            ("name", "Đơn vị"),
            ("areas", "Khu vực bỏ phiếu"),
            ("registered", "Cử tri"),
            ("turnout", f"Tỷ lệ mốc {last or '—'}"),
        ],
    )
