"""The app factory: one Flask server hosting the Dash app, the login views and the API.

Every route needs a logged-in user (auth.security); every callback goes through
the guard (auth.guard). Pages live in dashboard/pages, one module each.
"""

from __future__ import annotations

import gc
import os
from importlib.resources import files

from dash import Dash
from flask import Flask

from auth.guard import Guard
from auth.principal import init_login
from auth.security import install_security
from auth.views import create_blueprint
from dashboard import proxies, shell
from dashboard.api import install_api
from dashboard.context import AppContext
from dashboard.pages import all_pages
from dashboard.reports import install_reports
from data.clock import Clock, clock_from_env
from data.db import Database


def assets_folder() -> str:
    """``assets/`` found both in a checkout and in an installed wheel."""
    return str(files("assets"))


def _warm_up_plotly() -> None:
    # plotly imports numpy lazily on the first figure; two threads doing that at once
    # crashed the interpreter ("Illegal instruction"), so do it once, up front.
    import numpy  # noqa: F401
    from plotly.io.json import to_json

    to_json({})


def create_app(db: Database | None = None, *, clock: Clock | None = None) -> Dash:
    _warm_up_plotly()
    db = db or Database()
    ctx = AppContext(db=db, guard=Guard(db), clock=clock or clock_from_env())
    app = Dash(
        __name__,
        title="Bầu cử Live",
        assets_folder=assets_folder(),
        # Bootstrap is served from assets/ (00-bootstrap.min.css): no CDN on election day.
        suppress_callback_exceptions=True,  # pages mount their components on navigation
        update_title=None,
    )
    server = app.server
    server.extensions["baucu"] = ctx
    pages = all_pages()
    app.layout = shell.layout(pages)
    shell.register_router(app, ctx, pages)
    for page in pages:
        page.register(app, ctx)
    install_security(server, db, app.csp_hashes)
    init_login(server, db)
    server.register_blueprint(create_blueprint(db))
    install_api(server, ctx)
    install_reports(server, ctx)
    return app


def create_server() -> Flask:
    """For gunicorn: ``gunicorn 'dashboard.app:create_server()'``."""
    server = create_app().server
    proxies.trust_proxies(server, os.environ.get(proxies.SETTING))
    # The app's ~270,000 long-lived objects would otherwise be walked by every full
    # collection (0.25 s or more, mid-request, about once per 8,000 reports of batch
    # ingest): drop the start-up garbage, then set the rest aside for good.
    gc.collect()
    gc.freeze()
    return server
