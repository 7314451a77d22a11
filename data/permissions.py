"""The permission matrix of DESIGN §7, defined once, as data.

``Reach`` says how far a role's permission extends from its scope unit. The
write services enforce the write rows themselves; the web guard (auth) reads
the same table for pages, callbacks and API views.
"""

from __future__ import annotations

from enum import StrEnum

from data.enums import Role


class Action(StrEnum):
    VIEW_PROGRESS = "view_progress"
    VIEW_RESULTS = "view_results"
    ENTER = "enter"  # turnout, opening and tally sheets
    GRANT_EXCEPTION = "grant_exception"
    CLOSE_ENTRY = "close_entry"
    REOPEN_ENTRY = "reopen_entry"
    EDIT_MASTER = "edit_master"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    RUN_DRILLS = "run_drills"  # create, reset and delete drill elections (technical admin)


class Reach(StrEnum):
    NONE = "none"
    ALL = "all"  # the whole tree, whatever the scope
    SCOPE = "scope"  # the scope unit's subtree
    BELOW = "below"  # strictly below the scope unit (an upper level acting on a lower one)
    CONFIRMED = "confirmed"  # the subtree, results only once confirmed


_ = Reach.NONE
MATRIX: dict[Role, dict[Action, Reach]] = {
    Role.ADMIN: {
        Action.VIEW_PROGRESS: Reach.ALL,
        Action.EDIT_MASTER: Reach.ALL,
        Action.MANAGE_ACCOUNTS: Reach.ALL,
        Action.VIEW_AUDIT: Reach.ALL,
        Action.RUN_DRILLS: Reach.ALL,
    },
    Role.NATIONAL: {
        Action.VIEW_PROGRESS: Reach.ALL,
        Action.VIEW_RESULTS: Reach.ALL,
        Action.VIEW_AUDIT: Reach.ALL,
    },
    Role.PROVINCE: {
        Action.VIEW_PROGRESS: Reach.SCOPE,
        Action.VIEW_RESULTS: Reach.SCOPE,
        Action.ENTER: Reach.BELOW,
        Action.GRANT_EXCEPTION: Reach.SCOPE,
        Action.CLOSE_ENTRY: Reach.SCOPE,
        Action.REOPEN_ENTRY: Reach.BELOW,
        Action.EDIT_MASTER: Reach.SCOPE,
        Action.VIEW_AUDIT: Reach.SCOPE,
    },
    Role.DISTRICT: {
        Action.VIEW_PROGRESS: Reach.SCOPE,
        Action.VIEW_RESULTS: Reach.SCOPE,
        Action.ENTER: Reach.BELOW,
        Action.GRANT_EXCEPTION: Reach.SCOPE,
        Action.CLOSE_ENTRY: Reach.SCOPE,
        Action.REOPEN_ENTRY: Reach.BELOW,
        Action.VIEW_AUDIT: Reach.SCOPE,
    },
    Role.COMMUNE: {
        Action.VIEW_PROGRESS: Reach.SCOPE,
        Action.VIEW_RESULTS: Reach.SCOPE,
        Action.ENTER: Reach.SCOPE,
        Action.CLOSE_ENTRY: Reach.SCOPE,
        Action.VIEW_AUDIT: Reach.SCOPE,
    },
    Role.LEADER: {
        Action.VIEW_PROGRESS: Reach.SCOPE,
        Action.VIEW_RESULTS: Reach.CONFIRMED,
    },
}


def reach(role: Role | str, action: Action) -> Reach:
    return MATRIX[Role(role)].get(action, Reach.NONE)


def allows(role: Role | str, action: Action, scope_path: str, target_path: str) -> bool:
    """Whether ``role`` scoped at ``scope_path`` may do ``action`` on the unit at ``target_path``.

    Paths are unit paths (``VN/01/00004/``); a polling area is judged by its unit.
    """
    how = reach(role, action)
    if how is Reach.NONE:
        return False
    if how is Reach.ALL:
        return True
    inside = target_path.startswith(scope_path)
    if how is Reach.BELOW:
        return inside and target_path != scope_path
    return inside
