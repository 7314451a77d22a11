"""Clients hang up mid-request, while others keep submitting (issue #8, fault tests)."""

from __future__ import annotations

import time

import pytest

from tests.faults.cuts import VARIANTS, hang_up
from tests.faults.integrity import (
    baseline,
    check_acknowledged,
    check_all_or_nothing,
    check_ledger,
)
from tests.faults.site import FaultSite
from tests.faults.workload import Submission, tally_bodies, turnout_bodies

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_cut_client_connections_mid_request(site: FaultSite) -> None:
    since = baseline(site.db, site.election_id)
    run = site.workload(site.take(16)).start()
    run.wait_for_acknowledged(4)

    cuts: list[tuple[Submission, dict[str, bool]]] = []
    for i, area in enumerate(site.take(16)):
        first, last = turnout_bodies(area)
        sub = (
            Submission("turnout", area.code, first)
            if i // len(VARIANTS) % 2 == 0
            else Submission("tally", area.code, tally_bodies(area, last["voted_total"])[0])
        )
        variant = VARIANTS[i % len(VARIANTS)]
        hang_up(site.server.port, site.election_id, site.tokens[area.code], sub, **variant)
        cuts.append((sub, variant))
        time.sleep(0.05)
    run.join()
    site.wait_until_settled()

    assert not run.stats.failures, run.stats.failures
    ledger = check_ledger(site.db, site.election_id, since)
    check_acknowledged(ledger, run.submissions)
    stored = check_all_or_nothing(ledger, [sub for sub, _ in cuts])
    for sub, variant in cuts:
        if variant["partial"]:
            assert not stored[sub.key], f"a truncated body was stored: {sub.key}"
    polite_unread = [s for s, v in cuts if not v["partial"] and not v["reset"]]
    assert any(stored[s.key] for s in polite_unread), "no hung-up request was served at all"

    # The clients that hung up send again: stored exactly once either way.
    client = site.client()
    resent = []
    for sub, _ in cuts:
        again = Submission(sub.kind, sub.area, sub.body)
        assert client.submit(again, site.election_id, site.tokens[sub.area]), client.stats.failures
        assert (again.status, again.version) == (200 if stored[sub.key] else 201, 1)
        resent.append(again)
    ledger = check_ledger(site.db, site.election_id, since)
    check_acknowledged(ledger, [*run.submissions, *resent])
    site.check_answers()
