"""One timed HTTP request: recorded by kind, retried on a lost connection and on 429.

A request whose connection failed may or may not have reached the server; every write
the simulator sends is idempotent (the same body again changes nothing), so sending it
again is safe. A 429 waits for ``Retry-After`` and is counted as throttled, not failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from dashboard.simulator.stats import Recorder

TRANSPORT_FAILED = 0  # the status recorded when no answer came back
ATTEMPTS = 4
MAX_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text when it is not JSON, or None
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def send(
    http: requests.Session,
    recorder: Recorder,
    kind: str,
    method: str,
    url: str,
    *,
    timeout: float = 60.0,
    retry_throttled: bool = True,
    **kwargs: Any,
) -> Answer:
    """``method url`` through ``http``; the last answer after retries (status 0: none)."""
    last: Answer | None = None
    for attempt in range(ATTEMPTS):
        started = time.perf_counter()
        try:
            response = http.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            recorder.request(kind, time.perf_counter() - started, TRANSPORT_FAILED)
            last = Answer(TRANSPORT_FAILED, str(error)[:300], {})
            time.sleep(min(2**attempt * 0.25, MAX_WAIT_SECONDS))
            continue
        recorder.request(kind, time.perf_counter() - started, response.status_code)
        last = Answer(response.status_code, _body(response), dict(response.headers))
        if response.status_code != 429 or not retry_throttled:
            return _final(recorder, kind, method, url, last)
        recorder.count("throttled")
        time.sleep(_retry_after(response.headers.get("Retry-After")))
    assert last is not None
    return _final(recorder, kind, method, url, last)


def _final(recorder: Recorder, kind: str, method: str, url: str, answer: Answer) -> Answer:
    """Every 5xx, and every request that got no answer after its retries, fails the run."""
    if answer.status == TRANSPORT_FAILED or answer.status >= 500:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        recorder.unexpected(answer.status, f"{kind}: {method} {path[:120]} → {describe(answer)}")
    return answer


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 1), 0.1), MAX_WAIT_SECONDS)
    except ValueError:
        return 1.0


def error_codes(body: Any) -> list[str]:
    """The ``code`` of each item of an API error body ``{"errors":[…]}``."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [str(e.get("code")) for e in body["errors"] if isinstance(e, dict)]
    return []


def describe(answer: Answer) -> str:
    """A short account of an answer for the problem list."""
    codes = error_codes(answer.body)
    if codes:
        return ", ".join(codes)
    text = answer.body if isinstance(answer.body, str) else repr(answer.body)
    return text[:200]
