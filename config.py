"""Configuration classes; the only module that reads the environment."""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name, default=None):
    """Return the LIVEQA_-prefixed environment variable NAME, or DEFAULT."""
    return os.environ.get(f"LIVEQA_{name}", default)


def _env_list(name, default):
    raw = _env(name)
    if raw is None:
        return None if default is None else list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _database_url(name, default):
    """Return the database URL in LIVEQA_NAME; plain postgresql:// means psycopg2."""
    url = _env(name, default)
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def _env_int(name, default):
    raw = _env(name)
    return int(raw) if raw not in (None, "") else default


DEV_SECRET_KEY = "dev-only-not-secret"
# Public, for development and tests only: production refuses both (ProductionConfig.validate).
DEV_PHONE_KEY = (
    "ZGV2LW9ubHktcGhvbmUta2V5LU5PVC1TRUNSRVQhISE="  # b"dev-only-phone-key-NOT-SECRET!!!"
)
DEV_PHONE_HASH_KEY = "dev-only-phone-hash-key-NOT-SECRET"


def phone_key_problem(key: str) -> str | None:
    """Return why KEY cannot be a phone encryption key (a Fernet key), or None."""
    import base64
    import binascii

    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return "not URL-safe base64"
    if len(raw) != 32:
        return "not 32 bytes once decoded"
    return None


def is_loopback(host: str) -> bool:
    """Return whether HOST names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")


def _origin(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"


def socket_origins(settings) -> list[str]:
    """Return the origins SETTINGS (an app's config) lets open a socket: never from a request."""
    # Given None or "same origin", python-engineio compares the Origin header with the
    # request's Host and X-Forwarded-Host headers, which any client writes itself; and an
    # empty list turns the check off. So the list is always explicit and never empty.
    listed = [origin for origin in settings.get("ALLOWED_ORIGINS") or () if origin]
    if listed:
        return listed
    host, port = settings["HOST"], settings["PORT"]
    own = [_origin(host, port)]
    if host in _WILDCARD_HOSTS or is_loopback(host):
        # The names a browser on this machine may use for it.
        names = dict.fromkeys([host, "127.0.0.1", "localhost", "::1"])
        own = [_origin(name, port) for name in names if name not in _WILDCARD_HOSTS]
    if settings.get("PROXY_HOPS") or host in _WILDCARD_HOSTS:
        # Browsers reach such a server by a name it cannot know. (logging imports threading,
        # which the server entry point must be able to patch after importing this module.)
        import logging

        logging.getLogger(__name__).warning(
            "LIVEQA_ALLOWED_ORIGINS is unset: sockets accept only pages from %s; "
            "set it to the origin browsers use",
            ", ".join(own),
        )
    return own


# What the server can run under: eventlet (the default) or gevent; threading serves
# tests and command-line tools only (one OS thread per socket).
ASYNC_MODES = ("eventlet", "gevent", "threading")


class Config:
    """Embedded default: a SQLite file under instance/ and in-process Socket.IO."""

    ENV_NAME = "default"
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url("DATABASE_URL", f"sqlite:///{INSTANCE_DIR}/liveqa.db")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # "eventlet" (default) or "gevent" for the server; "threading" is what tests and tools use.
    ASYNC_MODE = _env("ASYNC_MODE", "eventlet")
    SOCKETIO_MESSAGE_QUEUE = _env("MESSAGE_QUEUE_URL") or None
    # Redis pub/sub ignores the database number: deployments sharing one Redis need
    # their own channel, or they receive each other's events.
    SOCKETIO_CHANNEL = _env("MESSAGE_QUEUE_CHANNEL", "liveqa")
    # Largest Socket.IO message and HTTP body accepted, in bytes.
    SOCKETIO_MAX_MESSAGE_BYTES = 64 * 1024
    MAX_CONTENT_LENGTH = 256 * 1024
    TIME_ZONE = _env("TIME_ZONE", "Asia/Tehran")
    BABEL_DEFAULT_LOCALE = _env("DEFAULT_LOCALE", "fa")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("fa", "en")
    HOST = _env("HOST", "127.0.0.1")
    PORT = _env_int("PORT", 5000)
    # Origins whose pages may open a Socket.IO connection (see socket_origins()). Unset:
    # this server's own http://HOST:PORT. Never "*", never taken from request headers.
    ALLOWED_ORIGINS = _env_list("ALLOWED_ORIGINS", None)
    # eventlet's default is 1,024 simultaneous connections; a city's session needs more.
    SERVER_MAX_CONNECTIONS = _env_int("MAX_CONNECTIONS", 10_000)
    SERVER_LISTEN_BACKLOG = _env_int("LISTEN_BACKLOG", 2048)
    # permessage-deflate costs each socket its zlib streams and each message a compression;
    # live events are small. Refused unless this is 1 (liveqa/websocket_transport.py).
    WEBSOCKET_DEFLATE = _env("WEBSOCKET_DEFLATE", "0") == "1"
    # Under eventlet, write each broadcast's frame straight to idle websocket sockets
    # instead of queueing it for each one's writer (liveqa/websocket_transport.py).
    DIRECT_FANOUT = _env("DIRECT_FANOUT", "1") == "1"
    # Seconds a server told to stop (SIGTERM) waits for the HTTP requests it is answering.
    SHUTDOWN_GRACE_SECONDS = float(_env("SHUTDOWN_GRACE_SECONDS", "10"))
    # Seconds a SQLite transaction may wait, cooperatively, for the write lock.
    SQLITE_LOCK_WAIT_SECONDS = float(_env("SQLITE_LOCK_WAIT_SECONDS", "10"))
    # Public question submissions per browser per minute; 0 disables the limit.
    SUBMIT_RATE_PER_MINUTE = _env_int("SUBMIT_RATE_PER_MINUTE", 10)
    # Per-address ceilings on public submits, supports and tracking lookups (Flask-Limiter
    # syntax, "N per M seconds; ..."), beside the per-browser limits: high, because carriers
    # put many phones behind one address (docs/security.md). "" leaves one endpoint free.
    ADDRESS_LIMITS_ENABLED = _env("ADDRESS_LIMITS_ENABLED", "1") == "1"
    ADDRESS_LIMIT_SUBMIT = _env("ADDRESS_LIMIT_SUBMIT", "15 per 10 seconds; 60 per minute")
    ADDRESS_LIMIT_SUPPORT = _env("ADDRESS_LIMIT_SUPPORT", "60 per 10 seconds; 300 per minute")
    ADDRESS_LIMIT_TRACK = _env("ADDRESS_LIMIT_TRACK", "60 per 10 seconds; 300 per minute")
    # Where the counts live: unset, the Redis message queue when there is one (so processes
    # share them), else each process's memory. Any Flask-Limiter storage URI.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI") or None
    # How many reverse proxies stand in front of the server (nginx: 1). Their
    # X-Forwarded-For/-Proto/-Host headers are trusted for that many hops, so limits
    # count citizens' addresses, not the proxy's. 0: no proxy, trust no header.
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)
    # Wrong tracking codes looked up per address per minute before lookups are refused:
    # a limit on guessing other people's codes. 0 disables it.
    TRACKING_FAILURES_PER_MINUTE = _env_int("TRACKING_FAILURES_PER_MINUTE", 30)
    # Failed log-ins a minute for one user name from one address, before that pair is
    # refused (five times as many for one address in all). 0: no limit.
    LOGIN_FAILURES_PER_MINUTE = _env_int("LOGIN_FAILURES_PER_MINUTE", 10)
    # One socket's event budget (a token bucket): EVENTS_PER_SECOND sustained, bursts of
    # EVENT_BURST. A page sends a join and at most 20 tracks when it (re)connects, then
    # next to nothing. Over budget an event is answered `rate_limited` and not run; after
    # REFUSALS_TO_DISCONNECT such answers (one forgiven a second) the socket is closed.
    # EVENTS_PER_SECOND 0 turns the budget off. See docs/security.md.
    SOCKET_EVENTS_PER_SECOND = float(_env("SOCKET_EVENTS_PER_SECOND", "10"))
    SOCKET_EVENT_BURST = _env_int("SOCKET_EVENT_BURST", 60)
    SOCKET_REFUSALS_TO_DISCONNECT = _env_int("SOCKET_REFUSALS_TO_DISCONNECT", 60)
    # Sockets one client address may hold open on one process; 0: no cap. High enough for
    # a mobile carrier's CGNAT address shared by many phones (docs/security.md).
    SOCKETS_PER_ADDRESS = _env_int("SOCKETS_PER_ADDRESS", 256)
    # New Socket.IO connections (Engine.IO handshakes) one process admits a second, with
    # bursts of ADMISSION_BURST; over it a handshake is answered 503 `busy` with Retry-After
    # and the client retries with its jittered back-off: 5,000 pages reconnecting after a
    # restart are admitted within ~25 s while a connect and join (~2.6 ms of server CPU
    # each) take about half the core. 0: no limit. See docs/architecture.md (overload).
    SOCKET_ADMISSIONS_PER_SECOND = float(_env("SOCKET_ADMISSIONS_PER_SECOND", "200"))
    SOCKET_ADMISSION_BURST = _env_int("SOCKET_ADMISSION_BURST", 500)
    # Failed log-ins for one user name, from any address, before each further attempt at
    # that name waits 1, 2, 4 ... seconds (at most LOGIN_DELAY_MAX_SECONDS). 0: no delay.
    LOGIN_ACCOUNT_FREE_FAILURES = _env_int("LOGIN_ACCOUNT_FREE_FAILURES", 5)
    LOGIN_DELAY_MAX_SECONDS = _env_int("LOGIN_DELAY_MAX_SECONDS", 300)
    LOGIN_DELAY_FIRST_SECONDS = 1
    # A user name's failures are forgotten this long after its first one.
    LOGIN_FAILURE_WINDOW_SECONDS = 3600
    # Where those per-account counts live, shared by every server process: a Redis URL,
    # or memory:// (this process only). Unset: the Redis message queue, else memory://.
    LOGIN_THROTTLE_URL = _env("LOGIN_THROTTLE_URL") or (
        SOCKETIO_MESSAGE_QUEUE
        if (SOCKETIO_MESSAGE_QUEUE or "").startswith(("redis://", "rediss://", "unix://"))
        else "memory://"
    )
    # Roles (names from liveqa/domain/permissions.py) whose accounts must use a second
    # factor (TOTP): after the password they can only enrol until they have.
    TOTP_REQUIRED_ROLES = _env_list("TOTP_REQUIRED_ROLES", ())
    # Fernet keys encrypting TOTP secrets at rest, newest first (older ones still decrypt,
    # for rotation). Unset: one key derived from SECRET_KEY.
    TOTP_KEYS = _env_list("TOTP_KEYS", ())
    # The issuer name authenticator apps show beside the account.
    TOTP_ISSUER = _env("TOTP_ISSUER", "LiveQA")
    SUPPORT_TALLY_INTERVAL = 1.0
    # Milliseconds over which a session's changes are gathered into one `changes` event
    # (the first after a quiet spell goes at once); 0 sends each transaction's at commit.
    BROADCAST_BATCH_MS = float(_env("BROADCAST_BATCH_MS", "100"))
    # A question gets a support-burst flag on the desk once this many of its supports came
    # from one address (a keyed hash of it) within SUPPORT_BURST_SECONDS. 0: never flagged.
    SUPPORT_BURST_COUNT = _env_int("SUPPORT_BURST_COUNT", 25)
    SUPPORT_BURST_SECONDS = _env_int("SUPPORT_BURST_SECONDS", 60)
    # Seconds between each process's checks that its staff sockets' sessions still hold.
    STAFF_SESSION_CHECK_SECONDS = 0.25
    # Seconds between each process's heartbeats (a session's seq to its joined rooms), by
    # which live pages notice a change lost on the way and reload; 0 sends none.
    HEARTBEAT_SECONDS = float(_env("HEARTBEAT_SECONDS", "5"))
    # Seconds one built public snapshot serves every board asking for the same seq.
    SNAPSHOT_CACHE_SECONDS = 1.0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    SEED_DEMO_PASSWORD = _env("DEMO_PASSWORD", "demo-pass-137")
    # Keys that encrypt stored phone numbers (Fernet keys, comma-separated): the first
    # encrypts, every one decrypts, so a new key goes first and `flask rotate-phone-key`
    # re-encrypts. Separate from SECRET_KEY. Unset: the public development key.
    PHONE_KEYS = _env_list("PHONE_KEYS", [DEV_PHONE_KEY])
    # Key of the HMAC-SHA256 that lets one caller's questions be matched without the number.
    PHONE_HASH_KEY = _env("PHONE_HASH_KEY", DEV_PHONE_HASH_KEY)
    # Days after a question's outcome is final (and no follow-up is open) before
    # `flask erase-phones` erases its phone number.
    PHONE_RETENTION_DAYS = _env_int("PHONE_RETENTION_DAYS", 90)
    # A callable(function, *args) that runs CPU-heavy work off the event loop; the
    # server entry point sets it under eventlet. None runs the work inline.
    RUN_BLOCKING = None

    @classmethod
    def validate(cls, host=None):
        """Raise if this configuration cannot run, when serving on HOST."""
        if cls.ASYNC_MODE not in ASYNC_MODES:
            raise RuntimeError(
                f"LIVEQA_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, not {cls.ASYNC_MODE!r}"
            )
        if cls.ALLOWED_ORIGINS and "*" in cls.ALLOWED_ORIGINS:
            raise RuntimeError("LIVEQA_ALLOWED_ORIGINS must list origins, never '*'")
        for origin in cls.ALLOWED_ORIGINS or ():
            # A browser's Origin is scheme://host[:port] exactly; anything else never matches.
            parts = urlsplit(origin)
            exact = parts.netloc and origin == f"{parts.scheme}://{parts.netloc}"
            if parts.scheme not in ("http", "https") or not exact:
                raise RuntimeError(
                    f"LIVEQA_ALLOWED_ORIGINS: {origin!r} is not an origin like https://qa.example.org"
                )
        if not cls.PHONE_KEYS:
            raise RuntimeError("LIVEQA_PHONE_KEYS must name at least one key")
        for key in cls.PHONE_KEYS:
            problem = phone_key_problem(key)
            if problem:
                raise RuntimeError(
                    f"LIVEQA_PHONE_KEYS: a key is {problem}; make one with "
                    "python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                )
        if not cls.PHONE_HASH_KEY:
            raise RuntimeError("LIVEQA_PHONE_HASH_KEY must be set")
        if cls.SOCKET_ADMISSIONS_PER_SECOND < 0 or cls.SOCKET_ADMISSION_BURST < 1:
            raise RuntimeError(
                "LIVEQA_SOCKET_ADMISSIONS_PER_SECOND must be 0 (no limit) or more, "
                "LIVEQA_SOCKET_ADMISSION_BURST at least 1"
            )
        if cls.PHONE_RETENTION_DAYS < 1:
            raise RuntimeError("LIVEQA_PHONE_RETENTION_DAYS must be at least 1")
        # The development key is public: on any address but loopback, anyone who can reach
        # the server could forge a staff login with it.
        if cls.SECRET_KEY == DEV_SECRET_KEY and not is_loopback(host or cls.HOST):
            raise RuntimeError(
                "set LIVEQA_SECRET_KEY to serve beyond 127.0.0.1 (the default key is public)"
            )


class TestConfig(Config):
    """Tests: throwaway database, threading async mode, no rate limit."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = _database_url("TEST_DATABASE_URL", "sqlite://")
    ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    WTF_CSRF_ENABLED = False
    SUBMIT_RATE_PER_MINUTE = 0
    # Every test client is 127.0.0.1: tests of the ceilings turn them on themselves.
    ADDRESS_LIMITS_ENABLED = False
    TRACKING_FAILURES_PER_MINUTE = 0
    LOGIN_FAILURES_PER_MINUTE = 0
    LOGIN_ACCOUNT_FREE_FAILURES = 0
    LOGIN_THROTTLE_URL = "memory://"
    TOTP_REQUIRED_ROLES: list = []
    TOTP_KEYS: list = []
    SNAPSHOT_CACHE_SECONDS = 0.0
    # No background checker per test app: tests run SessionWatch.check() themselves.
    STAFF_SESSION_CHECK_SECONDS = 0.0
    # Likewise tests call Heartbeat.beat() themselves.
    HEARTBEAT_SECONDS = 0.0
    # Each commit's changes go out at once; tests of batching set an interval.
    BROADCAST_BATCH_MS = 0.0
    SQLITE_LOCK_WAIT_SECONDS = 2.0
    ALLOWED_ORIGINS = ["http://127.0.0.1:5000", "http://localhost"]


class ProductionConfig(Config):
    """Production: PostgreSQL, a Redis message queue, a real secret key."""

    ENV_NAME = "production"
    SECRET_KEY = _env("SECRET_KEY")
    SESSION_COOKIE_SECURE = _env("COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # __Host-: the browser keeps it only if Secure, for this host alone and path /, so a
    # sibling subdomain can neither set nor shadow it. Browsers refuse it without Secure.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    SESSION_COOKIE_PATH = "/"
    REMEMBER_COOKIE_NAME = "__Host-remember_token" if SESSION_COOKIE_SECURE else "remember_token"
    REMEMBER_COOKIE_PATH = "/"
    PHONE_KEYS = _env_list("PHONE_KEYS", [])
    PHONE_HASH_KEY = _env("PHONE_HASH_KEY")
    # Administrators can change everything: a stolen password alone must not be enough.
    TOTP_REQUIRED_ROLES = _env_list("TOTP_REQUIRED_ROLES", ("admin",))

    @classmethod
    def validate(cls, host=None):
        """Refuse to start without a secret key and phone keys of its own."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError("LIVEQA_SECRET_KEY must be set in production")
        if not cls.PHONE_KEYS or DEV_PHONE_KEY in cls.PHONE_KEYS:
            raise RuntimeError("LIVEQA_PHONE_KEYS must be set in production")
        if not cls.PHONE_HASH_KEY or cls.PHONE_HASH_KEY == DEV_PHONE_HASH_KEY:
            raise RuntimeError("LIVEQA_PHONE_HASH_KEY must be set in production")
        if cls.PHONE_HASH_KEY == cls.SECRET_KEY:
            raise RuntimeError("LIVEQA_PHONE_HASH_KEY must differ from LIVEQA_SECRET_KEY")
        super().validate(host)


CONFIGS = {"default": Config, "test": TestConfig, "production": ProductionConfig}


def get_config(name=None):
    """Return the config class named NAME, or the one LIVEQA_CONFIG names."""
    name = name or _env("CONFIG", "default")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"unknown LIVEQA_CONFIG {name!r}") from None
