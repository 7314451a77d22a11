"""What the fault tests submit, and client threads that submit it as a real client would.

Each polling area gets four submissions, in order, from one client thread: a
turnout report at the evening window, a higher figure for the same window (an
update), a Quốc hội tally sheet (created without If-Match) and a corrected
sheet (If-Match: the version the creation answered). A client retries the same
body on a connection error, a 5xx or a 429 — both PUTs are idempotent — and
records what the server acknowledged (2xx) with the version it answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import select

from data.db import Database
from data.enums import Level
from data.models import Candidate, Constituency, ConstituencyArea, PollingArea, Unit

WINDOW = "1900"  # entry 19:00–20:00, and counting has started: both PUTs are open
LEVEL = Level.QH
REQUEST_TIMEOUT = 20.0


@dataclass(frozen=True)
class Area:
    """A polling area as the fault tests need it: registered voters and its QH ballot."""

    code: str
    commune: str
    registered_total: int
    registered_male: int
    registered_female: int
    seats: int
    candidates: tuple[int, ...]


def load_areas(db: Database, election_id: int) -> list[Area]:
    with db.read() as s:
        rows = s.execute(
            select(
                PollingArea.code,
                Unit.code,
                PollingArea.registered_total,
                PollingArea.registered_male,
                PollingArea.registered_female,
                Constituency.id,
                Constituency.seats,
            )
            .join(Unit, PollingArea.unit_id == Unit.id)
            .join(ConstituencyArea, ConstituencyArea.polling_area_id == PollingArea.id)
            .join(Constituency, ConstituencyArea.constituency_id == Constituency.id)
            .where(PollingArea.election_id == election_id, ConstituencyArea.level == LEVEL)
            .order_by(PollingArea.code)
        ).all()
        ballots: dict[int, list[int]] = {}
        for constituency_id, candidate_id in s.execute(
            select(Candidate.constituency_id, Candidate.id)
            .join(Constituency, Candidate.constituency_id == Constituency.id)
            .where(Constituency.election_id == election_id)
            .order_by(Candidate.id)
        ):
            ballots.setdefault(constituency_id, []).append(candidate_id)
    return [
        Area(code, commune, total, male, female, seats, tuple(ballots[constituency]))
        for code, commune, total, male, female, constituency, seats in rows
    ]


def turnout_bodies(area: Area) -> tuple[dict[str, int], dict[str, int]]:
    """Two cumulative figures for the same window, the second higher; no jump over 50 points."""

    def at(share: float) -> dict[str, int]:
        male = int(area.registered_male * share)
        female = int(area.registered_female * share)
        return {"voted_total": male + female, "voted_male": male, "voted_female": female}

    return at(0.30), at(0.45)


def tally_bodies(area: Area, voted: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sheet that passes K01–K12 (``voted`` = the last turnout figure), and a correction."""
    invalid = voted // 50  # 2 %: under K11's 3 %
    valid = voted - invalid
    count = len(area.candidates)
    # Between valid (each ballot keeps a name) and valid × seats (at most seats names).
    names = max(valid, valid * area.seats * 3 // 4)
    votes = [names // count + (1 if i < names % count else 0) for i in range(count)]
    corrected = list(votes)
    moved = min(corrected[0], 3)
    corrected[0] -= moved
    corrected[1] += moved

    def sheet(per_candidate: list[int]) -> dict[str, Any]:
        return {
            "voters_total": area.registered_total,
            "voters_voted": voted,
            "ballots_issued": voted,
            "ballots_received": voted,
            "ballots_valid": valid,
            "ballots_invalid": invalid,
            "votes": {str(c): n for c, n in zip(area.candidates, per_candidate, strict=True)},
        }

    return sheet(votes), sheet(corrected)


@dataclass
class Submission:
    """One PUT a client means to make, and what the server acknowledged (if it did)."""

    kind: str  # "turnout" or "tally", as in the audit actions
    area: str
    body: dict[str, Any]
    if_match: int | None = None
    status: int | None = None  # the 2xx answer; None: never acknowledged
    version: int | None = None

    @property
    def object_key(self) -> str:
        return f"{self.area}/{WINDOW if self.kind == 'turnout' else LEVEL}"

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.object_key

    def path(self, election_id: int) -> str:
        if self.kind == "turnout":
            return f"/api/v1/elections/{election_id}/turnout/{self.area}/{WINDOW}"
        return f"/api/v1/elections/{election_id}/tally-sheets/{self.area}/{LEVEL}"


@dataclass
class Stats:
    interrupted: int = 0  # connection errors: cut, reset, refused, timed out
    server_errors: int = 0  # 5xx (and 429) answers
    in_flight: int = 0
    acknowledged: list[Submission] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # refusals no retry can fix
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """A machine client of the API: retries the same request until acknowledged or refused."""

    def __init__(self, base: str, stats: Stats, deadline: float) -> None:
        self.base = base
        self.stats = stats
        self.deadline = deadline
        self.http = requests.Session()

    @contextmanager
    def _flight(self) -> Iterator[None]:
        with self.stats.lock:
            self.stats.in_flight += 1
        try:
            yield
        finally:
            with self.stats.lock:
                self.stats.in_flight -= 1

    def _retrying(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        delay = 0.05
        while time.monotonic() < self.deadline:
            try:
                with self._flight():
                    response = self.http.request(
                        method, self.base + path, timeout=REQUEST_TIMEOUT, **kwargs
                    )
            except requests.RequestException:
                with self.stats.lock:
                    self.stats.interrupted += 1
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                with self.stats.lock:
                    self.stats.server_errors += 1
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        with self.stats.lock:
            self.stats.failures.append(f"{method} {path}: no answer before the deadline")
        return None

    def token(self, username: str, password: str) -> str:
        response = self._retrying(
            "POST", "/api/v1/token", json={"username": username, "password": password}
        )
        assert response is not None and response.status_code == 200, (
            f"no token for {username}: {response.text if response is not None else 'timeout'}"
        )
        return str(response.json()["access_token"])

    def submit(self, sub: Submission, election_id: int, token: str) -> bool:
        headers = {"Authorization": f"Bearer {token}"}
        if sub.if_match is not None:
            headers["If-Match"] = f'"{sub.if_match}"'
        response = self._retrying("PUT", sub.path(election_id), json=sub.body, headers=headers)
        if response is None:
            return False
        if not response.ok:
            with self.stats.lock:
                self.stats.failures.append(
                    f"{sub.kind} {sub.object_key} {sub.body} → {response.status_code}"
                    f" {response.text[:400]}"
                )
            return False
        sub.status = response.status_code
        sub.version = int(response.json()["version"])
        with self.stats.lock:
            self.stats.acknowledged.append(sub)
        return True

    def get(self, path: str, token: str) -> requests.Response:
        response = self._retrying("GET", path, headers={"Authorization": f"Bearer {token}"})
        assert response is not None, f"GET {path}: no answer"
        return response


class Workload:
    """Client threads submitting every area's four PUTs; ``start()``, then ``join()``."""

    def __init__(
        self,
        base: str,
        election_id: int,
        areas: list[Area],
        tokens: dict[str, str],  # area code -> bearer token of an account that may enter it
        *,
        threads: int = 6,
        seconds: float = 60,
    ) -> None:
        self.base = base
        self.election_id = election_id
        self.tokens = tokens
        self.stats = Stats()
        self.deadline = time.monotonic() + seconds
        self.submissions: list[Submission] = []
        self._threads = [
            threading.Thread(target=self._run, args=(areas[i::threads],), daemon=True)
            for i in range(threads)
        ]

    def start(self) -> Workload:
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self._threads:
            thread.join(max(0.0, self.deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
        assert not any(t.is_alive() for t in self._threads), "client threads still running"

    @property
    def acknowledged(self) -> int:
        with self.stats.lock:
            return len(self.stats.acknowledged)

    def wait_for_acknowledged(self, count: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while self.acknowledged < count:
            assert time.monotonic() < deadline, f"only {self.acknowledged} acknowledged"
            assert not self.stats.failures, self.stats.failures
            time.sleep(0.05)

    def _run(self, areas: list[Area]) -> None:
        client = Client(self.base, self.stats, self.deadline)
        for area in areas:
            token = self.tokens[area.code]
            first, second = turnout_bodies(area)
            steps = [Submission("turnout", area.code, body) for body in (first, second)]
            with self.stats.lock:
                self.submissions.extend(steps)
            if not all(client.submit(sub, self.election_id, token) for sub in steps):
                return
            created, corrected = tally_bodies(area, second["voted_total"])
            sheet = Submission("tally", area.code, created)
            with self.stats.lock:
                self.submissions.append(sheet)
            if not client.submit(sheet, self.election_id, token):
                return
            fix = Submission("tally", area.code, corrected, if_match=sheet.version)
            with self.stats.lock:
                self.submissions.append(fix)
            if not client.submit(fix, self.election_id, token):
                return
