"""The frame around every page: navigation filtered by role, the router, and the DRILL
banner over whichever page shows a drill."""

from __future__ import annotations

from types import ModuleType

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from flask import has_request_context
from flask_login import current_user

from auth.i18n import tr
from auth.security import CSRF_FIELD, csrf_token
from dashboard.components.elections import (
    BANNER_ID,
    PICKER_IDS,
    drill_banner,
    drill_banner_slot,
)
from dashboard.context import AppContext
from data.drills import drill_info
from data.permissions import Reach, reach
from data.services.errors import Forbidden


def visible(page: ModuleType) -> bool:
    if not has_request_context() or not current_user.is_authenticated:
        return False
    return reach(current_user.role, page.ACTION) is not Reach.NONE


def layout(pages: list[ModuleType]):  # type: ignore[no-untyped-def]
    def build():  # type: ignore[no-untyped-def]
        return html.Div(
            [
                dcc.Location(id="url"),
                _navbar(pages),
                dbc.Container(html.Div(id="page"), fluid=True, className="py-3"),
            ]
        )

    return build


def _navbar(pages: list[ModuleType]):  # type: ignore[no-untyped-def]
    links = [
        dbc.NavItem(dbc.NavLink(tr(*page.TITLE), href=page.PATH, active="exact"))
        for page in pages
        if visible(page)
    ]
    who = ""
    if has_request_context() and current_user.is_authenticated:
        who = f"{current_user.full_name or current_user.username} · {current_user.scope_code}"
    logout = html.Form(
        [
            dcc.Input(
                type="hidden", name=CSRF_FIELD, value=csrf_token() if has_request_context() else ""
            ),
            html.Button(
                tr("Đăng xuất", "Log out"),
                type="submit",
                className="btn btn-outline-light btn-sm text-nowrap",
            ),
        ],
        method="post",
        action="/logout",
        className="d-inline ms-2",
    )
    # On a phone the links and the account fold behind the toggler.
    menu = dbc.Collapse(
        [
            dbc.Nav(links, navbar=True, className="me-auto flex-wrap"),
            html.Div(
                [
                    html.Span(who, className="text-light small d-none d-xxl-inline", title=who),
                    html.A("VI", href="/lang/vi", className="link-light small ms-3"),
                    html.A("EN", href="/lang/en", className="link-light small ms-1"),
                    logout,
                ],
                className="d-flex align-items-center flex-nowrap gap-1",
            ),
        ],
        id="nav-menu",
        is_open=False,
        navbar=True,
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Bầu cử Live", href="/"),
                dbc.NavbarToggler(id="nav-toggle", n_clicks=0),
                menu,
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="xl",
    )


def register_router(app: Dash, ctx: AppContext, pages: list[ModuleType]) -> None:
    by_path = {page.PATH: page for page in pages}

    @app.callback(
        Output("nav-menu", "is_open"),
        Input("nav-toggle", "n_clicks"),
        State("nav-menu", "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(_clicks, is_open):  # type: ignore[no-untyped-def]
        ctx.guard.principal()
        return not bool(is_open)

    @app.callback(Output("page", "children"), Input("url", "pathname"))
    def route(pathname):  # type: ignore[no-untyped-def]
        ctx.guard.principal()
        page = by_path.get(pathname if isinstance(pathname, str) else "")
        if page is None:
            return dbc.Alert(tr("Không có trang này.", "No such page."), color="warning")
        if not visible(page):
            try:
                ctx.guard.require(page.ACTION)  # audits the refusal
            except Forbidden:
                return dbc.Alert(
                    tr(
                        "Tài khoản của bạn không có quyền mở trang này.",
                        "Your account may not open this page.",
                    ),
                    color="danger",
                )
        return html.Div([drill_banner_slot(), page.layout(ctx)])

    # The page's election picker, whichever page it is: the slot comes with every page,
    # so the banner is recomputed for each page shown and each election picked.
    @app.callback(
        Output(BANNER_ID, "children"),
        *(Input(picker, "value", allow_optional=True) for picker in PICKER_IDS),
    )
    def show_drill_banner(*chosen):  # type: ignore[no-untyped-def]
        ctx.guard.principal()
        election_id = next((value for value in chosen if value is not None), None)
        if election_id is None:
            return None
        eid = ctx.guard.election(election_id)
        with ctx.db.read() as s:
            return drill_banner(drill_info(s, eid))
