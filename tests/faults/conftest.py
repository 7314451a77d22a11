"""Fault tests: a throwaway PostgreSQL cluster, the demo election on it, gunicorn serving it.

Everything here is shared by the fault tests (package scope); each test takes
polling areas of its own from :meth:`FaultSite.take`, so their records never mix.
The server's clock is pinned half an hour into the 19:00 window: its turnout
entry (19:00–20:00) is open and counting has started, so both PUTs are allowed.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.demo import DEMO_PASSWORD, prepare_demo
from data.clock import LOCAL_TZ
from data.db import Database
from data.enums import WindowKind
from data.models import ReportingWindow
from tests.faults.cluster import ThrowawayCluster, postgres_bin
from tests.faults.server import Gunicorn
from tests.faults.site import FaultSite
from tests.faults.workload import WINDOW, Client, Stats, load_areas


def _cluster_or_skip() -> ThrowawayCluster:
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("fault tests need the PostgreSQL server binaries (initdb, pg_ctl): none found")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and no postgres OS user to run the throwaway cluster")
    return ThrowawayCluster(bin_dir)


@pytest.fixture(scope="package")
def cluster() -> Iterator[ThrowawayCluster]:
    cluster = _cluster_or_skip()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


def _upgrade(url: str) -> None:
    """``baucu db upgrade``, as an operator runs it."""
    subprocess.run(
        [sys.executable, "-c", "from dashboard.cli import main; main()", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="package")
def site(
    cluster: ThrowawayCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultSite]:
    _upgrade(cluster.url)
    db = Database(cluster.url)
    demo = prepare_demo(db)
    with db.read() as s:
        due = s.scalar(
            select(ReportingWindow.due_at).where(
                ReportingWindow.election_id == demo.election_id,
                ReportingWindow.kind == WindowKind.TURNOUT,
                ReportingWindow.key == WINDOW,
            )
        )
    assert due is not None
    accounts = {a.username: a for a in demo.accounts}
    province = accounts["tinh"].scope
    server = Gunicorn(
        cluster.url,
        (due + timedelta(minutes=30)).astimezone(LOCAL_TZ),
        tmp_path_factory.mktemp("gunicorn") / "error.log",
    )
    try:
        server.wait_until_up()
        client = Client(server.base, Stats(), time.monotonic() + 60)
        token = {name: client.token(name, DEMO_PASSWORD) for name in ("tinh", "xa1", "xa2")}
        # The two commune operators enter their own areas; the province, on behalf, the rest.
        by_commune = {accounts[name].scope: token[name] for name in ("xa1", "xa2")}
        areas = load_areas(db, demo.election_id)
        yield FaultSite(
            cluster=cluster,
            server=server,
            db=db,
            election_id=demo.election_id,
            province=province,
            tokens={a.code: by_commune.get(a.commune, token["tinh"]) for a in areas},
            province_token=token["tinh"],
            areas=areas,
        )
    finally:
        server.stop()
        db.dispose()
