"""Fixtures starting real server processes: one at a time, or two sharing a Redis queue."""

import socket
import uuid

import pytest
from realserver import server_logs, start_servers

from config import TestConfig

REDIS = ("127.0.0.1", 6379)
# Redis pub/sub ignores the database number, so events of other runs may arrive too:
# the test only looks for the question it made.
REDIS_DB = 11


def redis_answers() -> bool:
    """Tell whether a Redis server answers PING on 127.0.0.1:6379."""
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def make_server(tmp_path):
    """Return a function starting a seeded server with extra environment; stop it after."""
    started = []

    def make(**env):
        servers, info = start_servers(tmp_path, env_extra=env)
        started.extend(servers)
        return servers[0], info

    yield make
    for server in started:
        server.stop()
    print(server_logs(started))


@pytest.fixture
def two_servers(tmp_path):
    """Start two seeded servers on one database and one Redis message queue."""
    # On PostgreSQL, this worker's own database: seeding drops its schema.
    database_url = TestConfig.SQLALCHEMY_DATABASE_URI
    database_url = database_url if database_url.startswith("postgresql") else None
    servers, info = start_servers(
        tmp_path,
        count=2,
        database_url=database_url,
        env_extra={
            "LIVEQA_MESSAGE_QUEUE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            # A channel of this test's own: other workers and runs share the Redis server.
            "LIVEQA_MESSAGE_QUEUE_CHANNEL": f"liveqa-test-{uuid.uuid4().hex}",
        },
    )
    yield servers, info
    for server in servers:
        server.stop()
    print(server_logs(servers))
