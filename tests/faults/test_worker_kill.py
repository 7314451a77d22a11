"""kill -9 a gunicorn worker while submissions are in flight (issue #8, fault tests)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.integrity import baseline, check_acknowledged, check_ledger
from tests.faults.site import FaultSite

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_kill_9_a_worker_mid_submit(site: FaultSite) -> None:
    since = baseline(site.db, site.election_id)
    areas = site.take(32)
    originals = site.server.workers()
    run = site.workload(areas).start()
    run.wait_for_acknowledged(8)

    # A worker between two requests cuts nobody: kill again until a client saw a cut.
    killed: set[int] = set()
    for _ in range(4):
        cut_before = run.stats.interrupted
        live = site.server.live_workers(excluding=killed)
        victim = min(live & originals or live)  # one that was serving, while there is one
        os.kill(victim, signal.SIGKILL)
        killed.add(victim)
        deadline = time.monotonic() + 3
        while run.stats.interrupted == cut_before and time.monotonic() < deadline:
            time.sleep(0.05)
        if run.stats.interrupted > cut_before:
            break
    run.join()

    assert not run.stats.failures, run.stats.failures
    assert run.stats.interrupted > 0, "the kills cut no request"
    site.server.wait_for_workers(excluding=killed)  # the master replaced what was killed
    ledger = check_ledger(site.db, site.election_id, since)
    assert check_acknowledged(ledger, run.submissions) == 4 * len(areas)
    site.check_answers()
