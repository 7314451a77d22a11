"""Behind reverse proxies: the client's address and scheme from the headers they add.

``BAUCU_PROXY_HOPS`` is the number of reverse proxies in front of the app servers (1 for
one nginx). With it set, ``request.remote_addr`` — the address the login lockout, the API
rate limit and the audit log record — and the scheme (https: Secure cookies, HSTS, the
same-origin check) come from the last that many ``X-Forwarded-For`` /
``X-Forwarded-Proto`` entries; whatever a client wrote before them is ignored. Unset or
0 (the default) trusts no header: right when clients reach gunicorn directly.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

SETTING = "BAUCU_PROXY_HOPS"


def proxy_hops(value: str | None) -> int:
    """The setting's number of proxies (0 when unset); ValueError naming it when not one."""
    if value is None or not value.strip():
        return 0
    try:
        hops = int(value)
    except ValueError:
        hops = -1
    if hops < 0:
        raise ValueError(f"{SETTING}: expected a number of proxies (0, 1, 2…), got {value!r}")
    return hops


def trust_proxies(server: Flask, value: str | None) -> None:
    """Read the client's address and scheme from ``value`` proxies' forwarding headers."""
    hops = proxy_hops(value)
    if hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
