"""Clients of a real server: HTTP sessions with CSRF tokens, staff commands, Socket.IO."""

import base64
import os
import re
import socket

from realserver import PASSWORD, RealServer

CSRF_META = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]+)"')


def csrf_token(html: str) -> str | None:
    """Return the CSRF token of a rendered page, if it has one."""
    match = CSRF_META.search(html)
    return match.group(1) if match else None


def http_session(
    server: RealServer,
    username: str | None = None,
    password: str = PASSWORD,
    *,
    check_contract: bool = True,
):
    """Return a requests.Session with a CSRF token header, logged in as USERNAME if given."""
    import requests

    http = requests.Session()
    if check_contract:
        from tests import contract

        # Every /api/v1 answer is checked against the OpenAPI document as it arrives
        # (the benchmark opts out: the check would count in its response times).
        http.hooks["response"].append(contract.check_requests)
    http.headers["Origin"] = server.origin
    http.headers["Referer"] = server.origin + "/"
    for path in ("/login", "/"):
        page = http.get(server.url(path), timeout=15)
        token = csrf_token(page.text)
        if token:
            http.headers["X-CSRFToken"] = token
            break
    if username:
        response = http.post(
            server.url("/api/v1/auth/login"),
            json={"username": username, "password": password},
            timeout=15,
        )
        assert response.status_code == 200, (response.status_code, response.text)
        # Flask-WTF ties the token to the session; a fresh login may have rotated it.
        page = http.get(server.url("/login"), timeout=15)
        http.headers["X-CSRFToken"] = csrf_token(page.text) or http.headers.get("X-CSRFToken", "")
    return http


def staff_question(http, server: RealServer, session_id: int, tracking_code: str) -> dict:
    """Return the staff view of the question with TRACKING_CODE, via the staff queue."""
    response = http.get(server.url(f"/api/v1/sessions/{session_id}/queue"), timeout=15)
    assert response.status_code == 200, (response.status_code, response.text)
    for question in response.json()["questions"]:
        if question["tracking_code"] == tracking_code:
            return question
    raise AssertionError(f"question {tracking_code} is not in the staff queue")


class StaffApi:
    """Staff commands over HTTP as one logged-in user, each asserting success."""

    def __init__(
        self, server: RealServer, username: str, password: str = PASSWORD, *, check_contract=True
    ):
        self.server = server
        self.http = http_session(server, username, password, check_contract=check_contract)

    def post(self, path: str, expect: int = 200, **body) -> dict:
        response = self.http.post(self.server.url("/api/v1" + path), json=body, timeout=15)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def question(self, session_id: int, tracking_code: str) -> dict:
        return staff_question(self.http, self.server, session_id, tracking_code)

    def command(self, question_id: int, verb: str, **body) -> dict:
        """Send VERB (approve, route, on-air, answer...) for QUESTION_ID; return the question."""
        return self.post(f"/questions/{question_id}/{verb}", **body)["question"]


def cookie_header(http) -> str:
    """Return a Cookie header carrying HTTP's cookies, for a Socket.IO client."""
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def socket_client(server: RealServer, http=None, transports=("websocket",)):
    """Return a connected python-socketio Client, sharing HTTP's login cookie if given."""
    import socketio

    client = socketio.Client(reconnection=False)
    # websocket-client sends the server's own origin itself; a second Origin header
    # would make the pair unacceptable.
    headers = {} if "websocket" in transports else {"Origin": server.origin}
    if http is not None and http.cookies:
        headers["Cookie"] = cookie_header(http)
    client.connect(server.origin, headers=headers, transports=list(transports), wait_timeout=15)
    return client


def raw_websocket(server: RealServer, extensions: str | None = None):
    """Open a websocket to SERVER's Socket.IO, offering EXTENSIONS; return (socket, head)."""
    key = base64.b64encode(os.urandom(16)).decode()
    offer = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nOrigin: {server.origin}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return sock, head.split(b"\r\n\r\n")[0].decode("latin-1")


def handshake_head(server: RealServer, extensions: str) -> str:
    """Return the head of SERVER's answer to a websocket handshake offering EXTENSIONS."""
    sock, head = raw_websocket(server, extensions)
    sock.close()
    return head
