"""The browser's side of the web app: log in through ``/login``, keep the session cookie and
the CSRF token, and call Dash callbacks with ``POST /_dash-update-component`` in the body
the Dash renderer sends (declared outputs, concrete ids, inputs, state, changed props)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from dashboard.simulator.stats import Recorder
from dashboard.simulator.transport import send

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
USER_AGENT = "baucu-simulate/1 (commune operator)"


class LoginFailed(Exception):
    """The account could not log in; the message says why (Vietnamese)."""


WILDCARDS = (["MATCH"], ["ALL"], ["ALLSMALLER"])
_CODE = re.compile(r"\b(?:[RTKM]\d{2}|E_[A-Z_]+)\b")


def id_key(component_id: Any) -> str:
    """A component id as Dash writes it in callback specs and responses."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def ref(component_id: Any) -> str:
    """How the simulator names an id: a plain id as is; a pattern-matching id by its fixed
    keys only (``{"type": "to-f", "f": "total"}`` for ``{"type","f","area": MATCH}``)."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)
    if isinstance(component_id, dict):
        return id_key({k: v for k, v in component_id.items() if v not in WILDCARDS})
    return str(component_id)


def _parse_id(text: str) -> Any:
    return json.loads(text) if text.startswith("{") else text


@dataclass(frozen=True)
class Spec:
    """One server callback as ``/_dash-dependencies`` declares it."""

    output: str
    outputs: tuple[tuple[Any, str], ...]  # (declared id, property)
    inputs: tuple[tuple[Any, str], ...]
    state: tuple[tuple[Any, str], ...]

    @classmethod
    def parse(cls, declared: dict[str, Any]) -> Spec:
        output = str(declared["output"])
        parts = output[2:-2].split("...") if output.startswith("..") else [output]
        outputs = tuple((_parse_id(p.rsplit(".", 1)[0]), p.rsplit(".", 1)[1]) for p in parts)

        def items(key: str) -> tuple[tuple[Any, str], ...]:
            return tuple((_parse_id(d["id"]), d["property"]) for d in declared.get(key, []))

        return cls(output, outputs, items("inputs"), items("state"))


def _concrete(declared: Any, match: dict[str, Any]) -> Any:
    if not isinstance(declared, dict):
        return declared
    return {k: (match[k] if v == ["MATCH"] else v) for k, v in declared.items()}


def _is_all(declared: Any) -> bool:
    return isinstance(declared, dict) and ["ALL"] in declared.values()


class DashApp:
    """The callbacks the server declares, found by one of their outputs."""

    def __init__(self, declared: list[dict[str, Any]]) -> None:
        self.by_output: dict[tuple[str, str], Spec] = {}
        for item in declared:
            if not isinstance(item, dict) or item.get("clientside_function"):
                continue
            spec = Spec.parse(item)
            for component_id, name in spec.outputs:
                self.by_output[(ref(component_id), name)] = spec

    def spec(self, output: tuple[str, str]) -> Spec:
        try:
            return self.by_output[output]
        except KeyError:
            raise PageChanged(f"máy chủ không có callback ra {output[0]}.{output[1]}") from None

    def body(
        self,
        output: tuple[str, str],
        values: dict[tuple[str, str], Any],
        match: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The request body the renderer sends. ``values``: by (:func:`ref`, property); a
        pattern ``ALL`` takes a list of (concrete id, value); anything not given is None (an
        ``ALL`` pattern: no component)."""
        spec = self.spec(output)
        match = match or {}

        def item(declared: Any, name: str) -> Any:
            value = values.get((ref(declared), name))
            if _is_all(declared):
                return [{"id": i, "property": name, "value": v} for i, v in value or []]
            return {"id": _concrete(declared, match), "property": name, "value": value}

        outputs = [{"id": _concrete(i, match), "property": p} for i, p in spec.outputs]
        inputs = [item(i, p) for i, p in spec.inputs]
        first = inputs[0][0] if isinstance(inputs[0], list) and inputs[0] else inputs[0]
        changed = [f"{id_key(first['id'])}.{first['property']}"] if isinstance(first, dict) else []
        return {
            "output": spec.output,
            "outputs": outputs[0] if len(outputs) == 1 else outputs,
            "inputs": inputs,
            "state": [item(i, p) for i, p in spec.state],
            "changedPropIds": changed,
        }


class PageChanged(Exception):
    """The server's callbacks are not the ones this simulator drives."""


@dataclass(frozen=True)
class CallbackReply:
    status: int
    updates: dict[str, dict[str, Any]]  # id key → {property: value}
    body: Any

    @property
    def ok(self) -> bool:
        return self.status in (200, 204)

    def get(self, component_id: Any, name: str, default: Any = None) -> Any:
        return self.updates.get(id_key(component_id), {}).get(name, default)

    def has(self, component_id: Any, name: str) -> bool:
        return name in self.updates.get(id_key(component_id), {})

    def findings(self) -> list[tuple[str, str]]:
        """(code, severity) of each finding or refusal shown in the returned components:
        items ``finding finding-<severity>`` holding a ``finding-code`` badge, and codes
        named in the text of a ``refusal`` (severity ``?``: the page's checks tell)."""
        found: list[tuple[str, str]] = []
        for node in components(self.updates):
            css = str(node["props"].get("className", ""))
            if css.startswith("finding finding-"):
                severity = css.removeprefix("finding finding-").split()[0]
                for child in components(node["props"].get("children")):
                    if "finding-code" in str(child["props"].get("className", "")):
                        found.append((str(child["props"].get("children")), severity))
                        break
            elif "refusal" in css.split():
                text = " ".join(_texts(node["props"].get("children")))
                found += [(code, "?") for code in _CODE.findall(text)]
        unique: dict[str, str] = {}
        for code, severity in found:
            if unique.get(code, "?") == "?":
                unique[code] = severity
        return list(unique.items())


def _texts(tree: Any) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, list):
        return [t for x in tree for t in _texts(x)]
    if isinstance(tree, dict):
        return _texts(tree.get("props", {}).get("children"))
    return []


def components(tree: Any) -> Iterator[dict[str, Any]]:
    """Every Dash component (``{"type","namespace","props"}``) inside a JSON tree, in
    document order."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("props"), dict) and "type" in node:
                yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


class BrowserSession:
    """One operator's browser: a cookie jar, the CSRF token, keep-alive connections."""

    def __init__(self, base_url: str, recorder: Recorder, *, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/")
        self.recorder = recorder
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.username = ""
        self.app = DashApp([])

    def close(self) -> None:
        self.http.close()

    def login(self, username: str, password: str) -> None:
        self.http.cookies.clear()
        self.username = username
        page = send(self.http, self.recorder, "login", "GET", f"{self.base}/login")
        token = self.http.cookies.get(CSRF_COOKIE)
        if page.status != 200 or not token:
            raise LoginFailed(f"{username}: không mở được trang đăng nhập ({page.status}).")
        answer = send(
            self.http,
            self.recorder,
            "login",
            "POST",
            f"{self.base}/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers={"Origin": self.base},
            retry_throttled=False,
        )
        where = answer.headers.get("Location", "")
        if answer.status == 302 and "/password" in where:
            raise LoginFailed(f"{username}: tài khoản phải đổi mật khẩu dùng một lần trước.")
        if answer.status != 302 or "/login" in where:
            reason = {
                401: "sai tên đăng nhập hoặc mật khẩu",
                429: "đăng nhập tạm bị khóa do sai nhiều lần",
            }.get(answer.status, f"trạng thái {answer.status}")
            raise LoginFailed(f"{username}: đăng nhập không được ({reason}).")

    def load_app(self) -> DashApp:
        """What the browser fetches after login: the layout and the callbacks it declares.
        Request bodies are built from the declared callbacks, as the renderer does."""
        send(self.http, self.recorder, "page", "GET", f"{self.base}/_dash-layout")
        answer = send(self.http, self.recorder, "page", "GET", f"{self.base}/_dash-dependencies")
        if answer.status != 200 or not isinstance(answer.body, list):
            raise LoginFailed(f"{self.username}: không tải được ứng dụng ({answer.status}).")
        self.app = DashApp(answer.body)
        return self.app

    def call(
        self,
        kind: str,
        output: tuple[str, str],
        values: dict[tuple[str, str], Any],
        match: dict[str, Any] | None = None,
    ) -> CallbackReply:
        """POST the callback that has ``output`` (see :meth:`DashApp.body`)."""
        answer = send(
            self.http,
            self.recorder,
            kind,
            "POST",
            f"{self.base}/_dash-update-component",
            timeout=self.timeout,
            json=self.app.body(output, values, match),
            headers={
                CSRF_HEADER: self.http.cookies.get(CSRF_COOKIE) or "",
                "Origin": self.base,
                "Accept": "application/json",
            },
        )
        updates = {}
        if answer.status == 200 and isinstance(answer.body, dict):
            updates = answer.body.get("response") or {}
        return CallbackReply(answer.status, updates, answer.body)
