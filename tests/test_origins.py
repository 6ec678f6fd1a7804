"""Socket origins come from configuration, never from the request's own headers.

Given no list, python-engineio accepts an Origin equal to the request's Host or
X-Forwarded-Host header, which any client writes itself; an empty list turns the check
off. `config.socket_origins()` always hands it an explicit list.
"""

import urllib.error
import urllib.request

import pytest
from realserver import RealServer

from config import Config, socket_origins

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def _handshake(app, origin, **headers) -> int:
    """Open an Engine.IO session the way a browser does; return the HTTP status."""
    response = app.test_client().get(HANDSHAKE, headers={"Origin": origin, **headers})
    return response.status_code


FORGED = [
    pytest.param({"X-Forwarded-Host": "evil.example"}, id="x-forwarded-host"),
    pytest.param(
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}, id="forwarded-https"
    ),
    pytest.param({"Host": "evil.example"}, id="host"),
]


@pytest.mark.parametrize("forged", FORGED)
@pytest.mark.parametrize("hops", [0, 1], ids=["no-proxy", "one-proxy"])
def test_a_foreign_origin_cannot_name_itself_in_forwarded_headers(make_app, forged, hops):
    app = make_app(ALLOWED_ORIGINS=None, PROXY_HOPS=hops)
    scheme = "https" if forged.get("X-Forwarded-Proto") == "https" else "http"
    assert _handshake(app, f"{scheme}://evil.example", **forged) == 400


@pytest.mark.parametrize("listed", [None, []], ids=["unset", "empty"])
def test_unset_or_empty_means_this_servers_configured_origin(make_app, listed):
    # An empty list would turn python-engineio's check off altogether.
    app = make_app(ALLOWED_ORIGINS=listed, HOST="127.0.0.1", PORT=5000)
    assert _handshake(app, "http://127.0.0.1:5000") == 200
    assert _handshake(app, "http://localhost:5000") == 200
    assert _handshake(app, "http://127.0.0.1:5001") == 400
    assert _handshake(app, "http://evil.example") == 400


def test_behind_a_proxy_the_configured_public_origin_is_accepted(make_app):
    app = make_app(ALLOWED_ORIGINS=["https://qa.example.org"], PROXY_HOPS=1)
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    public = {**proxied, "X-Forwarded-Host": "qa.example.org"}
    assert _handshake(app, "https://qa.example.org", **public) == 200
    forged = {**proxied, "X-Forwarded-Host": "evil.example"}
    assert _handshake(app, "https://evil.example", **forged) == 400


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (
            "127.0.0.1",
            5000,
            ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"],
        ),
        ("::1", 80, ["http://[::1]", "http://127.0.0.1", "http://localhost"]),
        ("0.0.0.0", 5001, ["http://127.0.0.1:5001", "http://localhost:5001", "http://[::1]:5001"]),
        ("qa.example.org", 8080, ["http://qa.example.org:8080"]),
    ],
)
def test_the_own_origin_follows_the_configured_address(host, port, expected):
    settings = {"HOST": host, "PORT": port, "ALLOWED_ORIGINS": None}
    assert socket_origins(settings) == expected
    listed = ["https://qa.example.org"]
    assert socket_origins({**settings, "ALLOWED_ORIGINS": listed}) == listed


@pytest.mark.parametrize(
    "origin", ["https://qa.example.org/", "qa.example.org", "https://qa.example.org/live", "ws://x"]
)
def test_a_listed_origin_must_be_scheme_host_and_port(origin):
    class Listed(Config):
        SECRET_KEY = "a-real-secret"
        ALLOWED_ORIGINS = ["https://qa.example.org", origin]

    with pytest.raises(RuntimeError, match="not an origin"):
        Listed.validate("127.0.0.1")


class _UnlistedServer(RealServer):
    """A real server started with LIVEQA_ALLOWED_ORIGINS unset."""

    def env(self, allowed_origins=None) -> dict:
        env = super().env(allowed_origins)
        del env["LIVEQA_ALLOWED_ORIGINS"]
        return env


def _status(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.server
def test_a_real_server_takes_its_own_origin_from_where_it_listens(tmp_path):
    # The handshake reads no table: an empty database will do.
    server = _UnlistedServer(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path).start()
    try:
        url = server.url(HANDSHAKE)
        # The port comes from --port, not the default 5000 in the configuration.
        assert _status(url, Origin=server.origin) == 200
        assert _status(url, Origin="http://evil.example") == 400
        assert (
            _status(url, Origin="http://evil.example", **{"X-Forwarded-Host": "evil.example"})
            == 400
        )
        assert _status(url, Origin="http://evil.example", Host="evil.example") == 400
    finally:
        server.stop()
