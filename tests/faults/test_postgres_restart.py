"""Restart PostgreSQL under load; the app recovers without restarting (issue #8, fault tests)."""

from __future__ import annotations

import time

import pytest

from tests.faults.integrity import baseline, check_acknowledged, check_ledger
from tests.faults.site import FaultSite

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_restart_postgres_under_load(site: FaultSite) -> None:
    since = baseline(site.db, site.election_id)
    areas = site.take(32)
    workers = site.server.workers()
    run = site.workload(areas).start()
    run.wait_for_acknowledged(8)

    troubles_before = run.stats.interrupted + run.stats.server_errors
    site.cluster.stop_immediate()
    time.sleep(1.0)  # the clients keep submitting into the outage
    troubles_during = run.stats.interrupted + run.stats.server_errors
    site.cluster.start()
    acknowledged_at_restart = run.acknowledged
    run.join()

    assert not run.stats.failures, run.stats.failures
    assert troubles_during > troubles_before, "no request noticed the database was down"
    assert run.acknowledged > acknowledged_at_restart, "nothing was acknowledged after restart"
    assert site.server.workers() == workers, "the same workers recovered, none restarted"
    ledger = check_ledger(site.db, site.election_id, since)
    assert check_acknowledged(ledger, run.submissions) == 4 * len(areas)
    site.check_answers()
