"""The admission rate: new Socket.IO connections a process admits a second, and its burst.

Without AdmissionGate (liveqa/socket_guard.py, wired in liveqa/app.py) every handshake of a
reconnect storm is admitted at once: none of the 503s below would be answered. The unit
tests run the gate on a clock the test moves; the last test runs a real server.
"""

import json

import pytest
import requests
import socketio
from realclients import socket_client
from realserver import wait_for
from werkzeug.test import EnvironBuilder

from liveqa.realtime import GUARD_KEY
from liveqa.socket_guard import AdmissionGate, Budget

BUSY_FA = "هم‌اکنون افراد زیادی در حال اتصال‌اند؛ اتصال شما به‌زودی دوباره برقرار می‌شود."
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Gate:
    """The app's guard behind an AdmissionGate whose inner app only counts what reaches it."""

    def __init__(self, app):
        self.guard = app.extensions[GUARD_KEY]
        self.clock = self.guard.clock = Clock()
        self.passed = 0
        self.gate = AdmissionGate(self._inner, self.guard, lambda environ: {"error": "x"})

    def _inner(self, environ, start_response):
        self.passed += 1
        start_response("200 OK", [])
        return [b"ok"]

    def request(self, path=HANDSHAKE, method="GET") -> tuple[str, dict]:
        environ = EnvironBuilder(path=path, method=method).get_environ()
        answer = {}

        def start_response(status, headers):
            answer.update(status=status, headers=dict(headers))

        b"".join(self.gate(environ, start_response))
        return answer["status"], answer["headers"]


@pytest.fixture
def gate(make_app):
    def build(rate, burst):
        app = make_app(SOCKET_ADMISSIONS_PER_SECOND=rate, SOCKET_ADMISSION_BURST=burst)
        return Gate(app)

    return build


def test_handshakes_over_the_burst_are_refused_until_the_rate_refills(gate):
    net = gate(rate=2, burst=3)
    statuses = [net.request()[0] for _ in range(5)]
    assert statuses == ["200 OK"] * 3 + ["503 SERVICE UNAVAILABLE"] * 2
    assert net.passed == 3 and net.guard.refused_admissions == 2

    status, headers = net.request()
    assert status.startswith("503")
    # The next token is half a second away: whole seconds, at least one.
    assert headers["Retry-After"] == "1"
    net.clock.now += 0.5
    assert net.request()[0] == "200 OK"
    net.clock.now += 10
    assert [net.request()[0] for _ in range(4)] == ["200 OK"] * 3 + ["503 SERVICE UNAVAILABLE"]


def test_retry_after_rounds_the_wait_up_to_whole_seconds(gate):
    net = gate(rate=0.25, burst=1)
    assert net.request()[0] == "200 OK"
    assert net.request()[1]["Retry-After"] == "4"
    net.clock.now += 2.5
    assert net.request()[1]["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        # An open session's polling and its upgrade, a socket's POST, and plain HTTP.
        (HANDSHAKE + "&sid=abc", "GET"),
        ("/socket.io/?EIO=4&transport=websocket&sid=abc", "GET"),
        (HANDSHAKE + "&sid=abc", "POST"),
        ("/", "GET"),
        ("/api/v1/sessions", "GET"),
    ],
)
def test_only_new_connections_spend_admissions(gate, path, method):
    net = gate(rate=1, burst=1)
    assert net.request()[0] == "200 OK"
    assert net.request()[0].startswith("503")
    for _ in range(3):
        assert net.request(path, method)[0] == "200 OK"
    assert net.guard.refused_admissions == 1


def test_a_zero_rate_admits_everything(gate):
    net = gate(rate=0, burst=1)
    assert {net.request()[0] for _ in range(3000)} == {"200 OK"}


def test_the_app_answers_a_refused_handshake_with_the_json_error(make_app):
    app = make_app(SOCKET_ADMISSIONS_PER_SECOND=1, SOCKET_ADMISSION_BURST=1)
    app.extensions[GUARD_KEY].clock = Clock()
    # The burst's one admission, spent as a handshake the gate let through would.
    assert app.extensions[GUARD_KEY].admit() == 0
    client = app.test_client()

    refused = client.get(HANDSHAKE)

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json == {"error": {"code": "busy", "message": BUSY_FA}}
    english = client.get(HANDSHAKE + "&lang=en")
    assert english.json["error"]["message"].startswith("Many people are connecting")
    # HTTP is never refused for it.
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/").status_code == 200


def test_default_admissions_let_5000_reconnect_within_half_a_minute(app):
    budget = Budget.from_config(app.config)
    assert budget.admission_burst >= 100
    assert 0 < (5000 - budget.admission_burst) / budget.admissions_per_second <= 30


@pytest.mark.server
def test_a_real_server_refuses_a_handshake_storm_then_admits_later_ones(make_server):
    # One admission every five seconds after a burst of three.
    server, _info = make_server(
        LIVEQA_SOCKET_ADMISSIONS_PER_SECOND="0.2", LIVEQA_SOCKET_ADMISSION_BURST="3"
    )
    url = server.url(HANDSHAKE)
    first = socket_client(server)
    try:
        answers = [requests.get(url, timeout=15) for _ in range(8)]
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(503) >= 5, statuses
        refused = next(answer for answer in answers if answer.status_code == 503)
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json() == {"error": {"code": "busy", "message": BUSY_FA}}
        # The open socket and plain HTTP are served all along.
        assert first.call("ping", timeout=30) == {"ok": True}
        assert requests.get(server.url("/"), timeout=15).status_code == 200
        # A client that retries gets in once the rate has refilled.
        later = wait_for(lambda: _connected(server), timeout=60)
        assert later is not None and later.call("ping", timeout=30) == {"ok": True}
        later.disconnect()
    finally:
        first.disconnect()
    assert "socket handshake refused" in server.log_path.read_text(encoding="utf-8")


def _connected(server):
    try:
        return socket_client(server, transports=("polling",))
    except socketio.exceptions.ConnectionError:
        return None


def test_the_refusal_body_is_utf8_json(gate):
    net = gate(rate=1, burst=1)
    net.gate.refusal = lambda environ: {"error": {"code": "busy", "message": BUSY_FA}}
    net.request()
    environ = EnvironBuilder(path=HANDSHAKE).get_environ()
    body = b"".join(net.gate(environ, lambda status, headers: None))
    assert json.loads(body.decode("utf-8"))["error"]["message"] == BUSY_FA
