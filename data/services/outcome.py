"""What a successful save returns, and the warnings-need-confirmation rule (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from data.rules.findings import Finding, Severity
from data.services.errors import ReasonRequired, RuleErrors, WarningsNotConfirmed

ANY_VERSION = -1  # expected_version meaning "no precondition"


@dataclass(frozen=True)
class Saved:
    id: int
    version: int
    created: bool
    changed: bool  # False: identical to what was stored (an idempotent retry)
    warnings: list[Finding] = field(default_factory=list)  # confirmed warnings
    data_version: int | None = None  # the election's version after this write


def accept_findings(
    findings: Sequence[Finding], confirm: Iterable[str], reason: str | None
) -> list[str]:
    """Refuse on errors or on unconfirmed warnings; return the confirmed warning codes."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        raise RuleErrors(errors)
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if not warnings:
        return []
    confirmed = set(confirm)
    unconfirmed = [f for f in warnings if f.code not in confirmed]
    if unconfirmed:
        raise WarningsNotConfirmed(unconfirmed)
    if not reason or not reason.strip():
        raise ReasonRequired(field="reason")
    return sorted({f.code for f in warnings})
