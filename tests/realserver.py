"""Start real LiveQA server processes (eventlet) on a seeded database, for end-to-end tests.

Run as a script (`python tests/realserver.py prepare [--demo]`) it builds the schema of
the database named by LIVEQA_DATABASE_URL with `flask db upgrade`, runs `flask seed-demo`
(unless LIVEQA_E2E_SEED=own), adds the e2e accounts and a live session, and prints what it
made as JSON. The test process never imports the app, so nothing of it leaks into the
servers under test. `start_demo_server` instead serves the demo data exactly as `make run`
makes it: `flask db upgrade` and `flask seed-demo` only, with the default demo password.
"""

import atexit
import contextlib
import json
import os
import re
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
PASSWORD = "e2e-pass-137"
SECRET_KEY = "e2e-secret-not-for-production"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CSRF_META = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]+)"')


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    command = [sys.executable, str(Path(__file__).resolve()), "prepare"]
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
        return base_env(
            self.database_url,
            demo_password=self.demo_password,
            LIVEQA_ALLOWED_ORIGINS=allowed_origins or self.origin,
            **self.env_extra,
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
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early\n{self.log_tail()}")
            try:
                # Any HTTP answer, even a 404, means the server is accepting requests.
                with urllib.request.urlopen(self.origin + "/static/css/fonts.css", timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready in {READY_TIMEOUT}s\n{self.log_tail()}")

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
    flask = [sys.executable, "-m", "flask", "--app", "liveqa"]
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


def csrf_token(html: str) -> str | None:
    """Return the CSRF token of a rendered page, if it has one."""
    match = CSRF_META.search(html)
    return match.group(1) if match else None


def http_session(server: RealServer, username: str | None = None, password: str = PASSWORD):
    """Return a requests.Session with a CSRF token header, logged in as USERNAME if given."""
    import requests

    from tests import contract

    http = requests.Session()
    # Every /api/v1 answer is checked against the OpenAPI document as it arrives.
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

    def __init__(self, server: RealServer, username: str, password: str = PASSWORD):
        self.server = server
        self.http = http_session(server, username, password)

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


# --- browser helpers (Playwright pages) ---------------------------------------------------


def ask(page, text: str, name: str = "") -> str:
    """Submit TEXT with the citizen form on PAGE (JS on); return the ASCII tracking code."""
    from playwright.sync_api import expect

    page.fill("#ask-form [name=text]", text)
    if name:
        page.fill("#ask-form [name=name]", name)
    page.click("[data-testid=ask-submit]")
    expect(page.locator("[data-testid=tracking-code]")).not_to_be_empty()
    mine = page.locator("[data-testid=my-question]", has_text=text)
    expect(mine).to_have_count(1)
    return mine.get_attribute("data-code")


def live_connected(page) -> None:
    """Wait until PAGE's connection indicator says connected."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=connection]").first).to_have_attribute(
        "data-state", "connected"
    )


# --- seeding, run inside a child process --------------------------------------------------


def _prepare(use_demo: bool) -> dict:
    """Create the schema, run seed-demo if asked and present, add the test accounts."""
    from datetime import date, timedelta

    from sqlalchemy import select, text

    from liveqa import create_app
    from liveqa.domain.accounts import create_user
    from liveqa.domain.questions import put_back_question
    from liveqa.domain.sessions import find_current_session, start_session
    from liveqa.extensions import db
    from liveqa.models import (
        Category,
        District,
        Edition,
        LiveSession,
        Official,
        Question,
        QuestionStatus,
        SessionStatus,
        User,
        utcnow,
    )

    app = create_app()
    seeded_with_demo = False
    with app.app_context():
        if os.environ["LIVEQA_DATABASE_URL"].startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        if migrations_exist():
            # The real `flask db upgrade`, run in this process to import the app only once.
            _cli(app, "db", "upgrade", "-d", str(MIGRATIONS))
        else:
            db.create_all()
        if use_demo and "seed-demo" in app.cli.commands:
            _cli(app, "seed-demo")
            seeded_with_demo = True

        def user(username, role, display_name):
            found = db.session.scalar(select(User).where(User.username == username))
            return found or create_user(username, PASSWORD, role, display_name=display_name)

        admin = user("e2e-admin", "admin", "E2E Admin")
        moderator = user("e2e-moderator", "moderator", "E2E Moderator")
        user("e2e-operator", "operator", "E2E Operator")
        officials = []
        for username, name, title in (
            ("e2e-official", "مهندس آزمون‌پور", "معاون خدمات شهری"),
            ("e2e-official2", "دکتر دومی", "معاون حمل و نقل"),
        ):
            account = user(username, "official", name)
            db.session.flush()
            official = db.session.scalar(select(Official).where(Official.user_id == account.id))
            if official is None:
                official = Official(
                    name=name, title=title, title_en=title, portfolio=title, user=account, rank=5
                )
                db.session.add(official)
            officials.append(official)
        if db.session.scalar(select(Category).limit(1)) is None:
            db.session.add(Category(slug="traffic", name="ترافیک", name_en="Traffic"))
        if db.session.scalar(select(District).limit(1)) is None:
            db.session.add(District(number=1, name="منطقه ۱", name_en="District 1"))
        db.session.commit()

        current = find_current_session()
        if current is None or current.status == SessionStatus.CLOSED:
            edition = db.session.scalar(select(Edition).order_by(Edition.number.desc()).limit(1))
            if edition is None:
                edition = Edition(number=9, title="دوره نهم", starts_on=date(2026, 1, 1))
                db.session.add(edition)
            start = utcnow() - timedelta(minutes=10)
            current = LiveSession(
                edition=edition,
                title="نشست آزمون",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                status=SessionStatus.OPEN,
                opened_at=start,
            )
            db.session.add(current)
            db.session.flush()
        if current.status != SessionStatus.LIVE:
            start_session(current, admin)
        for official in officials:
            if official not in current.officials:
                current.officials.append(official)
        # The hall shows one question at a time; tests put their own questions on air.
        for on_air in db.session.scalars(
            select(Question).where(
                Question.session_id == current.id, Question.status == QuestionStatus.ON_AIR
            )
        ):
            put_back_question(on_air, admin)
        db.session.commit()
        return {
            "seeded_with_demo": seeded_with_demo,
            "session_id": current.id,
            "password": PASSWORD,
            "admin": admin.username,
            "moderator": moderator.username,
            "operator": "e2e-operator",
            "officials": [
                {"id": o.id, "name": o.name, "title": o.title, "username": o.user.username}
                for o in officials
            ],
            "category_id": db.session.scalar(select(Category.id).limit(1)),
            "district_id": db.session.scalar(select(District.id).limit(1)),
        }


def _cli(app, *args) -> None:
    result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    sys.stderr.write(result.output)
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({result.exit_code})")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] != ["prepare"]:
        sys.exit("usage: realserver.py prepare [--demo]")
    print(json.dumps(_prepare("--demo" in sys.argv[2:]), ensure_ascii=False))
