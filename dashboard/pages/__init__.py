"""One module per page. Each page module defines:

- ``PATH`` (e.g. ``"/"``), ``TITLE`` as ``(vi, en)``;
- ``ACTION``: the :class:`data.permissions.Action` a role needs to see the page
  (the navigation shows only pages the user may open; the router refuses the rest);
- ``layout(ctx) -> component`` built for the logged-in user;
- ``register(app, ctx)`` adding the page's callbacks, each going through ``ctx.guard``.
"""

from __future__ import annotations

from types import ModuleType

from dashboard.pages import (
    admin_drills,
    admin_users,
    audit_log,
    command_centre,
    entry_close,
    entry_home,
    entry_tally,
    entry_turnout,
    leader,
    overview,
    results,
    screen,
)


def all_pages() -> list[ModuleType]:
    return [
        command_centre,
        overview,
        leader,
        results,
        screen,
        entry_home,
        entry_turnout,
        entry_tally,
        entry_close,
        admin_users,
        admin_drills,
        audit_log,
    ]
