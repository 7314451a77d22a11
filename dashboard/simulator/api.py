"""A client of the JSON API v1 (API.md §2): a bearer token, JSON in and out.

An expired or revoked token (401 ``E_TOKEN``) is renewed once with the same credentials.
"""

from __future__ import annotations

from typing import Any

import requests

from dashboard.simulator.session import LoginFailed
from dashboard.simulator.stats import Recorder
from dashboard.simulator.transport import Answer, error_codes, send

PREFIX = "/api/v1"
USER_AGENT = "baucu-simulate/1 (api client)"


class ApiClient:
    def __init__(self, base_url: str, recorder: Recorder, *, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/") + PREFIX
        self.recorder = recorder
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.http.headers["Accept"] = "application/json"
        self._credentials: tuple[str, str] | None = None
        self.username = ""

    def close(self) -> None:
        self.http.close()

    def authenticate(self, username: str, password: str) -> None:
        self._credentials = (username, password)
        self.username = username
        answer = send(
            self.http,
            self.recorder,
            "token",
            "POST",
            f"{self.base}/token",
            json={"username": username, "password": password},
            retry_throttled=False,
        )
        if answer.status != 200 or not isinstance(answer.body, dict):
            reason = {
                401: "sai tên đăng nhập hoặc mật khẩu",
                403: "tài khoản phải đổi mật khẩu dùng một lần trước",
                429: "tạm bị khóa do sai nhiều lần",
            }.get(answer.status, f"trạng thái {answer.status}")
            raise LoginFailed(f"{username}: không lấy được mã truy cập API ({reason}).")
        self.http.headers["Authorization"] = f"Bearer {answer.body['access_token']}"

    def get(self, kind: str, path: str, **params: str) -> Answer:
        return self._send(kind, "GET", path, params=params or None)

    def put(self, kind: str, path: str, body: Any, *, if_match: int | None = None) -> Answer:
        headers = {"If-Match": f'"{if_match}"'} if if_match is not None else None
        return self._send(kind, "PUT", path, json=body, headers=headers)

    def _send(self, kind: str, method: str, path: str, **kwargs: Any) -> Answer:
        url = f"{self.base}{path}"
        answer = send(self.http, self.recorder, kind, method, url, timeout=self.timeout, **kwargs)
        if answer.status == 401 and "E_TOKEN" in error_codes(answer.body) and self._credentials:
            self.authenticate(*self._credentials)
            answer = send(
                self.http, self.recorder, kind, method, url, timeout=self.timeout, **kwargs
            )
        return answer
