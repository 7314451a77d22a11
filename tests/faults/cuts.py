"""Clients that hang up mid-request, on a raw socket.

* ``partial``: headers and only the start of the body, then close. The part sent
  is a complete JSON document padded with spaces to the announced length, so a
  server that took a short body for the whole one would store it.
* ``unread``: the whole request, then close before reading the answer.
Either closes politely (FIN) or with a reset (RST, ``SO_LINGER`` 0).
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

from tests.faults.workload import Submission

PADDING = 64


def request_bytes(host: str, path: str, token: str, body: bytes, if_match: int | None) -> bytes:
    headers = [
        f"PUT {path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        f"Authorization: Bearer {token}",
        "Connection: close",
    ]
    if if_match is not None:
        headers.append(f'If-Match: "{if_match}"')
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def hang_up(
    port: int, election_id: int, token: str, sub: Submission, *, partial: bool, reset: bool
) -> None:
    document = json.dumps(sub.body).encode()
    body = document + b" " * PADDING if partial else document
    data = request_bytes(f"127.0.0.1:{port}", sub.path(election_id), token, body, sub.if_match)
    sent = data[: len(data) - PADDING] if partial else data
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(sent)
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


VARIANTS: tuple[dict[str, Any], ...] = (
    {"partial": True, "reset": False},
    {"partial": True, "reset": True},
    {"partial": False, "reset": False},
    {"partial": False, "reset": True},
)
