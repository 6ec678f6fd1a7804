"""Start real LiveQA server processes on a seeded database, for end-to-end tests.

They run under eventlet, the default, or under the async mode LIVEQA_TEST_ASYNC_MODE names
(`LIVEQA_TEST_ASYNC_MODE=gevent`, as CI's gevent run sets it); a test's env_extra wins.

`seed` builds and fills a database in a child process running tests/realseed.py; the test
process never imports the app for it, so nothing of it leaks into the servers under test.
`start_demo_server` instead serves the demo data exactly as `make run` makes it: `flask db
upgrade` and `flask seed-demo` only, with the default demo password. Clients of these
servers are in realclients.py, browser helpers in realbrowser.py.
"""

import atexit
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "liveqa" / "migrations"
SEED_SCRIPT = Path(__file__).resolve().parent / "realseed.py"
PASSWORD = "e2e-pass-137"
SECRET_KEY = "e2e-secret-not-for-production"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Below Linux's ephemeral range (32768 up), so no outgoing connection holds one of these
# ports; each pytest-xdist worker draws from its own block, so two workers of one run
# never pick the same port between checking it and the server binding it.
PORT_BASE = 20000
PORT_BLOCK = 500
PORT_BLOCKS = 20
# Another run on the machine may still take the port first: the server then exits with
# this error before it ever answered, and is started again on another port.
PORT_TAKEN = "Address already in use"
PORT_MOVES = 5
# Read here, in the test process: base_env() gives servers no LIVEQA_ variable of ours.
ASYNC_MODE = os.environ.get("LIVEQA_TEST_ASYNC_MODE") or None


def _port_block() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    low = PORT_BASE + (index % PORT_BLOCKS) * PORT_BLOCK
    return range(low, low + PORT_BLOCK)


def free_port_in(ports: range) -> int:
    """Return a TCP port of PORTS that is free on 127.0.0.1 right now."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1, from this worker's block, that is free right now."""
    return free_port_in(_port_block())


def migrations_exist() -> bool:
    """Tell whether Alembic revisions have been written yet."""
    return any((MIGRATIONS / "versions").glob("*.py"))


def _run(cmd, env, log):
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(map(str, cmd))}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def base_env(database_url: str, demo_password: str | None = PASSWORD, **extra) -> dict:
    """Return the environment of a server (or CLI) process on DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEQA_")}
    env.update(
        LIVEQA_DATABASE_URL=database_url,
        LIVEQA_SECRET_KEY=SECRET_KEY,
        LIVEQA_SUBMIT_RATE_PER_MINUTE="0",
        # Every test client is 127.0.0.1; the tests of the ceilings turn them on.
        LIVEQA_ADDRESS_LIMITS_ENABLED="0",
        PYTHONUNBUFFERED="1",
    )
    # None leaves config.py's default demo password, as a plain `make run` has it.
    if demo_password is not None:
        env["LIVEQA_DEMO_PASSWORD"] = demo_password
    env.update({k: str(v) for k, v in extra.items()})
    return env


def seed(database_url: str, log: Path, use_demo: bool | None = None) -> dict:
    """Create the schema and seed DATABASE_URL in one child process; return what it made."""
    if use_demo is None:
        use_demo = os.environ.get("LIVEQA_E2E_SEED", "demo") == "demo"
    env = base_env(database_url, LIVEQA_ASYNC_MODE="threading")
    command = [sys.executable, str(SEED_SCRIPT), "prepare"]
    out = _run([*command, "--demo"] if use_demo else command, env, log)
    return json.loads(out.strip().splitlines()[-1])


# Seeding imports the app and hashes passwords: do it once per run and copy the file.
_TEMPLATES: dict = {}


def seeded_sqlite(target: Path, use_demo: bool | None = None) -> dict:
    """Write a seeded SQLite database to TARGET (copied from a per-run template)."""
    key = use_demo
    if key not in _TEMPLATES:
        workdir = Path(tempfile.mkdtemp(prefix="liveqa-seed-"))
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        template = workdir / "template.db"
        info = seed(f"sqlite:///{template}", workdir / "seed.log", use_demo=use_demo)
        _TEMPLATES[key] = (template, info)
    template, info = _TEMPLATES[key]
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return dict(info)


@dataclass
class RealServer:
    """One `python -m liveqa.server` process; stop() and restart() keep port and database."""

    database_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    env_extra: dict = field(default_factory=dict)
    name: str = "server"
    demo_password: str | None = PASSWORD
    process: subprocess.Popen | None = None
    starts: int = 0
    answered: bool = False

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.port}.log"

    @property
    def sqlite_path(self) -> str | None:
        prefix = "sqlite:///"
        return self.database_url[len(prefix) :] if self.database_url.startswith(prefix) else None

    def env(self, allowed_origins=None) -> dict:
        extra = {"LIVEQA_ASYNC_MODE": ASYNC_MODE} if ASYNC_MODE else {}
        extra.update(self.env_extra)
        return base_env(
            self.database_url,
            demo_password=self.demo_password,
            LIVEQA_ALLOWED_ORIGINS=allowed_origins or self.origin,
            **extra,
        )

    def start(self) -> "RealServer":
        """Start the process and wait until it answers HTTP."""
        self.spawn()
        self.wait_ready()
        return self

    def spawn(self) -> None:
        """Start the process without waiting for it."""
        self.starts += 1
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - the child owns it
        log.write(f"\n===== start #{self.starts} on port {self.port} =====\n")
        log.flush()
        command = [sys.executable, "-m", "liveqa.server", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self) -> None:
        """Wait until the process answers HTTP; stop it and raise if it does not."""
        deadline = time.monotonic() + READY_TIMEOUT
        moves = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # Restarts keep the port (pages point at it): only a never-ready server moves.
                if not self.answered and moves < PORT_MOVES and self.port_taken():
                    moves += 1
                    self.port = free_port()
                    self.spawn()
                    continue
                raise RuntimeError(f"{self.name} exited early\n{self.log_tail()}")
            if self.answers():
                self.answered = True
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready in {READY_TIMEOUT}s\n{self.log_tail()}")

    def answers(self) -> bool:
        """Tell whether the port answers HTTP: any answer, even a 404, means it serves."""
        try:
            with urllib.request.urlopen(self.origin + "/static/css/fonts.css", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def port_taken(self) -> bool:
        """Tell whether the last start failed because another process holds the port."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return PORT_TAKEN in text.rsplit("===== start #", 1)[-1]

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)

    def restart(self) -> "RealServer":
        """Stop and start again on the same port and database."""
        self.stop()
        return self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return f"--- {self.log_path} (tail) ---\n{text[-chars:]}"

    def url(self, path: str) -> str:
        return self.origin + path


def start_servers(tmp_path: Path, count=1, env_extra=None, database_url=None, use_demo=None):
    """Seed a database and start COUNT servers on it; return (servers, seed info)."""
    if database_url is None:
        database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
        info = seeded_sqlite(tmp_path / "e2e.db", use_demo=use_demo)
    else:
        info = seed(database_url, tmp_path / "seed.log", use_demo=use_demo)
    servers = [
        RealServer(database_url, tmp_path, env_extra=dict(env_extra or {}), name=f"server{i + 1}")
        for i in range(count)
    ]
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_ready()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers, info


def start_demo_server(workdir: Path) -> RealServer:
    """Start a server on a database made as `make run` makes it: migrations and demo data only."""
    database = workdir / "demo.db"
    database_url = f"sqlite:///{database}"
    # The Makefile's own commands, with neither e2e accounts nor a session made live.
    env = base_env(database_url, demo_password=None, LIVEQA_ASYNC_MODE="threading")
    flask = [sys.executable, "-m", "flask", "--app", "liveqa.app"]
    log = workdir / "seed.log"
    _run([*flask, "db", "upgrade", "-d", str(MIGRATIONS)], env, log)
    _run([*flask, "seed-demo", "--if-empty"], env, log)
    server = RealServer(database_url, workdir, name="demo", demo_password=None)
    return server.start()


def wait_for(predicate, timeout: float = 15.0):
    """Poll PREDICATE until it returns something true or TIMEOUT seconds pass; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(0.05)


def server_logs(servers) -> str:
    """Return the tails of the SERVERS' logs, for a failure message."""
    return "\n".join(server.log_tail() for server in servers)
