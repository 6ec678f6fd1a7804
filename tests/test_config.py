"""Configuration guards: no public default secret beyond loopback, none in production."""

import pytest
from cryptography.fernet import Fernet

from config import DEV_SECRET_KEY, Config, ProductionConfig


class _WithSecret(Config):
    SECRET_KEY = "a-real-secret"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_the_development_key_is_fine_on_loopback(host):
    Config.validate(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "qa.example.org"])
def test_the_development_key_is_refused_beyond_loopback(host):
    assert Config.SECRET_KEY == DEV_SECRET_KEY
    with pytest.raises(RuntimeError, match="LIVEQA_SECRET_KEY"):
        Config.validate(host)
    _WithSecret.validate(host)


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY])
def test_production_needs_a_real_key(monkeypatch, secret):
    # Phone keys of its own too (tests/test_phones_at_rest.py checks those).
    monkeypatch.setattr(ProductionConfig, "PHONE_KEYS", [Fernet.generate_key().decode()])
    monkeypatch.setattr(ProductionConfig, "PHONE_HASH_KEY", "a-real-phone-hash-key")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="LIVEQA_SECRET_KEY"):
        ProductionConfig.validate("127.0.0.1")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-real-secret")
    ProductionConfig.validate("0.0.0.0")


class _AnyOrigin(_WithSecret):
    ALLOWED_ORIGINS = ["https://qa.example.org", "*"]


def test_a_wildcard_origin_is_refused():
    with pytest.raises(RuntimeError, match="never"):
        _AnyOrigin.validate("127.0.0.1")


def _handshake(app, origin):
    """Open an Engine.IO session the way a browser does; return the HTTP status."""
    response = app.test_client().get(
        "/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
    )
    return response.status_code


def test_by_default_sockets_accept_only_this_servers_own_origin(make_app):
    # The configured address names the server's own origin (port 80: none in the origin);
    # the request's Host header, which any client writes, no longer does.
    app = make_app(ALLOWED_ORIGINS=None, HOST="localhost", PORT=80)
    assert _handshake(app, "http://localhost") == 200
    assert _handshake(app, "http://evil.example") == 400


def test_a_listed_origin_is_accepted_and_others_refused(make_app):
    app = make_app(ALLOWED_ORIGINS=["https://qa.example.org"])
    assert _handshake(app, "https://qa.example.org") == 200
    assert _handshake(app, "http://localhost") == 400


@pytest.mark.parametrize("mode", ["eventlet", "gevent", "threading"])
def test_each_supported_async_mode_is_accepted(mode):
    class Cfg(Config):
        ASYNC_MODE = mode

    Cfg.validate("127.0.0.1")


@pytest.mark.parametrize("mode", ["", "asyncio", "Gevent", "gevent_uwsgi"])
def test_an_unknown_async_mode_is_refused_by_name(mode):
    class Cfg(Config):
        ASYNC_MODE = mode

    with pytest.raises(RuntimeError, match=r"LIVEQA_ASYNC_MODE must be one of eventlet, gevent"):
        Cfg.validate("127.0.0.1")


@pytest.mark.parametrize(("rate", "burst"), [(-1, 1000), (500, 0)])
def test_a_negative_admission_rate_or_an_empty_burst_is_refused(monkeypatch, rate, burst):
    monkeypatch.setattr(Config, "SOCKET_ADMISSIONS_PER_SECOND", rate)
    monkeypatch.setattr(Config, "SOCKET_ADMISSION_BURST", burst)
    with pytest.raises(RuntimeError, match="LIVEQA_SOCKET_ADMISSION"):
        Config.validate("127.0.0.1")
    monkeypatch.setattr(Config, "SOCKET_ADMISSIONS_PER_SECOND", 0)
    monkeypatch.setattr(Config, "SOCKET_ADMISSION_BURST", 1)
    Config.validate("127.0.0.1")
