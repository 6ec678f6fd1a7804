"""Tests of the server entry point and the build plumbing around it."""

import ast
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from config import Config
from liveqa import server

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "liveqa"
GREEN_MODULES = {"eventlet", "psycogreen"}
# The modules of the server entry point: each imports the green library of its async mode.
ENTRY_MODULES = {PACKAGE / "server.py": {"eventlet", "psycogreen"}}
ENTRY_MODULES[PACKAGE / "serve_gevent.py"] = {"gevent", "psycogreen"}


def _imported_roots(path):
    """Return the top-level names of every module that the file at PATH imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def test_only_the_entry_point_modules_import_eventlet_or_gevent():
    green = GREEN_MODULES | {"gevent"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & green)
        for path in PACKAGE.rglob("*.py")
        if path not in ENTRY_MODULES
    }
    offenders = {name: mods for name, mods in offenders.items() if mods}
    assert offenders == {}, "only liveqa/server.py and serve_gevent.py import green libraries"


@pytest.mark.parametrize("path", sorted(ENTRY_MODULES))
def test_each_entry_point_module_does_import_its_green_library(path):
    # Guards the AST walk above against silently matching nothing; and eventlet stays
    # out of the gevent module (and gevent out of server.py), so one mode never loads both.
    assert _imported_roots(path) & (GREEN_MODULES | {"gevent"}) == ENTRY_MODULES[path]


def test_importing_server_leaves_patching_possible():
    # main() must monkey-patch before Flask, SQLAlchemy, redis or threading load, and
    # importing liveqa.server also imports liveqa/__init__.py.
    heavy = ["flask", "flask_socketio", "sqlalchemy", "redis", "psycopg2", "threading"]
    heavy += ["eventlet", "gevent"]
    code = f"import sys, liveqa.server\nprint(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = result.stdout.strip()
    assert loaded == "", f"importing liveqa.server already loaded: {loaded}"


def test_banner_lists_the_four_screens():
    text = server.banner("127.0.0.1", 5000, "pw-123")
    for path in ("/", "/moderate", "/panel", "/screen/current"):
        assert f"http://127.0.0.1:5000{path}\n" in text


def test_banner_lists_the_demo_logins_and_password():
    text = server.banner("127.0.0.1", 5000, "pw-123")
    for name in ("admin", "moderator", "operator", "mayor", "deputy-services"):
        assert re.search(rf"^\s+{re.escape(name)}$", text, re.MULTILINE), name
    assert "pw-123" in text


@pytest.mark.parametrize(
    ("host", "shown"),
    [("0.0.0.0", "127.0.0.1"), ("::", "[::1]"), ("::1", "[::1]"), ("example.org", "example.org")],
)
def test_banner_shows_an_address_a_browser_can_open(host, shown):
    assert f"http://{shown}:8000/moderate" in server.banner(host, 8000, "x")


def test_cli_flags_override_config_host_and_port():
    class Cfg(Config):
        HOST = "127.0.0.1"
        PORT = 5000

    assert (server.parse_args([], Cfg).host, server.parse_args([], Cfg).port) == (
        "127.0.0.1",
        5000,
    )
    args = server.parse_args(["--host", "0.0.0.0", "--port", "8123"], Cfg)
    assert (args.host, args.port) == ("0.0.0.0", 8123)


def _fake_app_modules(monkeypatch, calls):
    """Stand in for liveqa.app.create_app and liveqa.extensions.socketio, recording CALLS."""
    app = object()

    def create_app(config_name=None, **overrides):
        calls.append("create_app")
        return app

    socketio = types.SimpleNamespace(run=lambda *a, **kw: calls.append(("socketio.run", a, kw)))
    monkeypatch.setitem(sys.modules, "liveqa.app", types.SimpleNamespace(create_app=create_app))
    monkeypatch.setitem(sys.modules, "liveqa.extensions", types.SimpleNamespace(socketio=socketio))
    return app


def test_main_patches_before_creating_the_app_under_eventlet(monkeypatch, capsys):
    class Cfg(Config):
        ASYNC_MODE = "eventlet"
        SQLALCHEMY_DATABASE_URI = "postgresql://u@h/db"

    calls = []
    app = _fake_app_modules(monkeypatch, calls)
    monkeypatch.setattr(server, "get_config", lambda: Cfg)
    monkeypatch.setattr(server, "_patch_for_eventlet", lambda url: calls.append(("patch", url)))
    monkeypatch.setattr(server, "_serve_eventlet", lambda *a: calls.append(("serve", *a)))

    server.main(["--port", "8123"])

    assert calls == [
        ("patch", "postgresql://u@h/db"),
        "create_app",
        ("serve", app, Cfg, Cfg.HOST, 8123, True),
    ]
    assert "/screen/current" in capsys.readouterr().out


def test_main_patches_before_creating_the_app_under_gevent(monkeypatch, capsys):
    class Cfg(Config):
        ASYNC_MODE = "gevent"
        SQLALCHEMY_DATABASE_URI = "postgresql://u@h/db"

    calls = []
    app = _fake_app_modules(monkeypatch, calls)
    overrides = {}
    monkeypatch.setattr(server, "get_config", lambda: Cfg)
    monkeypatch.setattr(server, "_patch_for_eventlet", lambda url: calls.append("eventlet"))
    monkeypatch.setattr(server, "_serve_eventlet", lambda *a: calls.append("eventlet"))
    monkeypatch.setattr(server.serve_gevent, "patch", lambda url: calls.append(("patch", url)))
    monkeypatch.setattr(server.serve_gevent, "serve", lambda *a: calls.append(("serve", *a)))
    monkeypatch.setitem(
        sys.modules,
        "liveqa.app",
        types.SimpleNamespace(
            create_app=lambda **kw: overrides.update(kw) or calls.append("create_app") or app
        ),
    )

    server.main(["--port", "8124", "--no-access-log"])

    assert calls[:2] == [("patch", "postgresql://u@h/db"), "create_app"]
    name, in_flight, cfg, host, port, access_log = calls[2]
    assert (name, in_flight.app, cfg, host, port, access_log) == (
        "serve",
        app,
        Cfg,
        Cfg.HOST,
        8124,
        False,
    )
    # Password hashing goes to gevent's thread pool, not the hub.
    assert overrides["RUN_BLOCKING"] is server.serve_gevent.run_blocking
    assert "/screen/current" in capsys.readouterr().out


def test_main_uses_socketio_run_outside_eventlet(monkeypatch, capsys):
    class Cfg(Config):
        ASYNC_MODE = "threading"

    calls = []
    app = _fake_app_modules(monkeypatch, calls)
    monkeypatch.setattr(server, "get_config", lambda: Cfg)
    monkeypatch.setattr(server, "_patch_for_eventlet", lambda url: calls.append("patch"))
    monkeypatch.setattr(server.serve_gevent, "patch", lambda url: calls.append("patch"))

    server.main(["--host", "127.0.0.2", "--no-access-log"])

    assert calls[0] == "create_app"
    name, args, kwargs = calls[1]
    assert (name, args) == ("socketio.run", (app,))
    assert kwargs["host"] == "127.0.0.2"
    assert kwargs["allow_unsafe_werkzeug"] is True
    assert kwargs["log_output"] is False


@pytest.mark.parametrize(
    ("url", "green_psycopg"),
    [("postgresql://u@h/db", True), ("postgresql+psycopg2://u@h/db", True), ("sqlite://", False)],
)
def test_patch_greens_psycopg_only_for_postgresql(monkeypatch, url, green_psycopg):
    calls = []
    # Fakes, so the test process itself is not monkey-patched.
    fake_eventlet = types.SimpleNamespace(monkey_patch=lambda: calls.append("monkey_patch"))
    fake_green = types.SimpleNamespace(patch_psycopg=lambda: calls.append("patch_psycopg"))
    monkeypatch.setitem(sys.modules, "eventlet", fake_eventlet)
    monkeypatch.setitem(sys.modules, "psycogreen", types.SimpleNamespace(eventlet=fake_green))
    monkeypatch.setitem(sys.modules, "psycogreen.eventlet", fake_green)

    server._patch_for_eventlet(url)

    assert calls == (["monkey_patch", "patch_psycopg"] if green_psycopg else ["monkey_patch"])


@pytest.mark.parametrize(
    ("url", "green_psycopg"), [("postgresql://u@h/db", True), ("sqlite://", False)]
)
def test_gevent_patch_greens_psycopg_only_for_postgresql(monkeypatch, url, green_psycopg):
    calls = []
    fake_monkey = types.SimpleNamespace(patch_all=lambda: calls.append("patch_all"))
    fake_green = types.SimpleNamespace(patch_psycopg=lambda: calls.append("patch_psycopg"))
    monkeypatch.setitem(sys.modules, "gevent", types.SimpleNamespace(monkey=fake_monkey))
    monkeypatch.setitem(sys.modules, "gevent.monkey", fake_monkey)
    monkeypatch.setitem(sys.modules, "psycogreen", types.SimpleNamespace(gevent=fake_green))
    monkeypatch.setitem(sys.modules, "psycogreen.gevent", fake_green)

    server.serve_gevent.patch(url)

    assert calls == (["patch_all", "patch_psycopg"] if green_psycopg else ["patch_all"])


def test_an_unknown_async_mode_stops_the_server_with_a_clear_error():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEQA_")}
    result = subprocess.run(
        [sys.executable, "-m", "liveqa.server", "--port", "1"],
        cwd=ROOT,
        env={**env, "LIVEQA_ASYNC_MODE": "asyncio"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "LIVEQA_ASYNC_MODE must be one of eventlet, gevent, threading" in result.stderr


def test_module_runs_with_python_dash_m():
    result = subprocess.run(
        [sys.executable, "-m", "liveqa.server", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout


def test_fonts_css_points_at_files_make_assets_copies():
    css = (ROOT / "static/css/fonts.css").read_text(encoding="utf-8")
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert urls, "fonts.css declares no font files"
    if not (ROOT / "static/vendor").is_dir():
        pytest.skip("static/vendor not built; run `make assets`")
    for url in urls:
        assert (ROOT / "static/css" / url).resolve().is_file(), url
    assert (ROOT / "static/vendor/vazirmatn/OFL.txt").is_file()
    assert (ROOT / "static/vendor/socket.io.min.js").is_file()


def test_third_party_files_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"node_modules/", "static/vendor/", "instance/", ".venv/"} <= set(ignored)


def test_gevent_websockets_get_the_message_limit_on_this_server_alone():
    from engineio.async_drivers import gevent as driver

    eio = types.SimpleNamespace(max_http_buffer_size=1234, _async=driver._async)
    bounded = server.serve_gevent.bound_websocket_messages(eio)

    assert eio._async["websocket"] is bounded
    # The driver's own table, shared by the process, is left as it was.
    assert driver._async["websocket"] is driver.WebSocketWSGI
    websocket = bounded(lambda ws: [], eio)
    assert websocket.server_args["max_message_size"] == 1234
