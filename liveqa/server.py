"""Run LiveQA under eventlet (the default) or gevent; the only module that imports eventlet.

LIVEQA_ASYNC_MODE=gevent serves through liveqa/serve_gevent.py instead, with the same
command line, drain on SIGTERM and connection cap.
"""

import argparse
import contextlib
import os
import signal
import socket
import sys
import time
import warnings

from config import get_config
from liveqa import serve_gevent

# (label, path) of each screen, in the order the banner lists them.
SCREENS = (
    ("Citizen page", "/"),
    ("Moderator desk", "/moderate"),
    ("Official panel", "/panel"),
    ("Big screen", "/screen/current"),
)

DEMO_USERNAMES = ("admin", "moderator", "operator", "mayor", "deputy-services")


def parse_args(argv=None, cfg=None):
    """Parse the command line, defaulting host and port to CFG's."""
    cfg = cfg or get_config()
    parser = argparse.ArgumentParser(prog="liveqa-server", description=__doc__)
    parser.add_argument("--host", default=cfg.HOST, help=f"address to bind (default {cfg.HOST})")
    parser.add_argument(
        "--port", type=int, default=cfg.PORT, help=f"port to listen on (default {cfg.PORT})"
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log each HTTP request (default on)",
    )
    return parser.parse_args(argv)


def banner(host, port, demo_password):
    """Return the start-up text: the screens' URLs and the demo logins."""
    # A wildcard address is not something a browser can open.
    shown_host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown_host and not shown_host.startswith("["):
        shown_host = f"[{shown_host}]"
    base = f"http://{shown_host}:{port}"
    width = max(len(label) for label, _ in SCREENS)
    lines = [f"LiveQA listening on {base}", ""]
    lines += [f"  {label:<{width}}  {base}{path}" for label, path in SCREENS]
    lines += ["", f"Demo logins (password {demo_password}):"]
    lines += [f"  {name}" for name in DEMO_USERNAMES]
    return "\n".join(lines) + "\n"


def _patch_for_eventlet(database_url):
    """Make the standard library and the PostgreSQL driver cooperative under eventlet."""
    # Eventlet is a deliberate choice here; its import-time deprecation notice is noise.
    # (Its category is a plain Warning subclass, so match on the text.)
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    # Patch before Flask, SQLAlchemy, redis or socket are imported by the app factory;
    # anything imported earlier keeps blocking calls that stall every other client.
    eventlet.monkey_patch()
    if database_url.startswith("postgresql"):
        # psycopg2 is C code that monkey_patch cannot reach; without this a slow query
        # blocks the whole process.
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()


class InFlight:
    """WSGI middleware counting the HTTP requests being answered (Socket.IO's aside)."""

    def __init__(self, app, socketio_path="/socket.io"):
        # Imported here, as the app is: only after monkey-patching.
        from werkzeug.wsgi import ClosingIterator

        self._closing = ClosingIterator
        self.app = app
        self.socketio_path = socketio_path
        self.count = 0
        self.draining = False

    def _done(self):
        self.count -= 1

    def finish(self, grace_seconds, sleep):
        """Wait up to GRACE_SECONDS (sleeping with SLEEP) for the requests in flight; exit."""
        deadline = time.monotonic() + grace_seconds
        while self.count > 0 and time.monotonic() < deadline:
            sleep(0.05)
        sys.stdout.write(f"SIGTERM: exiting with {self.count} request(s) unfinished\n")
        sys.stdout.flush()
        # Sockets close with the process; their clients reconnect, to another process.
        os._exit(0)

    def __call__(self, environ, start_response):
        # A websocket or a long poll lasts as long as the client stays: not worth waiting for.
        if environ.get("PATH_INFO", "").startswith(self.socketio_path):
            return self.app(environ, start_response)
        self.count += 1
        try:
            return self._closing(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise


def _drain(main, listener, in_flight, grace_seconds):
    """Stop accepting, wait up to GRACE_SECONDS for in-flight requests, then exit."""
    import eventlet
    from eventlet import hubs

    sys.stdout.write(f"SIGTERM: draining {in_flight.count} request(s), {grace_seconds}s at most\n")
    sys.stdout.flush()
    # The WSGI server leaves its accept loop on SystemExit and closes idle keep-alive
    # connections; closing the listener makes new connections fail at once, so a proxy
    # sends them to another process.
    hubs.get_hub().schedule_call_global(0, main.throw, SystemExit())
    eventlet.sleep(0)
    with contextlib.suppress(OSError):
        listener.close()
    in_flight.finish(grace_seconds, eventlet.sleep)


def _drain_wakeups(reader):
    """Read the bytes signals write, so the hub wakes for each signal's handler."""
    while reader.recv(64):
        pass


def _direct_fanout(cfg):
    """Write broadcast frames straight to idle websockets, unless CFG turns it off."""
    if not cfg.DIRECT_FANOUT:
        return None
    from eventlet.greenio import GreenSocket

    from liveqa.extensions import socketio
    from liveqa.websocket_transport import DirectFanout

    # Only under eventlet: it writes to eventlet's green sockets' file descriptors.
    return DirectFanout(socketio.server.eio, GreenSocket).install()


def _serve_eventlet(app, cfg, host, port, access_log):
    """Serve APP on HOST:PORT with eventlet's WSGI server until SIGTERM drains it."""
    import eventlet
    import eventlet.wsgi

    _direct_fanout(cfg)
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=cfg.SERVER_LISTEN_BACKLOG)
    in_flight = InFlight(app)
    main = eventlet.getcurrent()

    def on_sigterm(_signum, _frame):
        if in_flight.draining:
            return
        in_flight.draining = True
        eventlet.spawn_n(_drain, main, listener, in_flight, cfg.SHUTDOWN_GRACE_SECONDS)

    signal.signal(signal.SIGTERM, on_sigterm)
    # The hub may sleep in epoll for a minute, and the handler's greenlet would wait that
    # long: a signal also writes a byte to this socket pair, which wakes the hub.
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    eventlet.spawn_n(_drain_wakeups, reader)
    # max_size caps simultaneous connections; eventlet's default of 1,024 is below
    # the number of citizens one session can draw.
    eventlet.wsgi.server(
        listener, in_flight, max_size=cfg.SERVER_MAX_CONNECTIONS, log_output=access_log
    )


def main(argv=None):
    """Start the LiveQA server."""
    cfg = get_config()
    args = parse_args(argv, cfg)
    cfg.validate(args.host)
    mode = cfg.ASYNC_MODE
    if mode == "eventlet":
        _patch_for_eventlet(cfg.SQLALCHEMY_DATABASE_URI)
    elif mode == "gevent":
        serve_gevent.patch(cfg.SQLALCHEMY_DATABASE_URI)

    # Imported only now, after monkey-patching, for the reason given there.
    from liveqa.app import create_app
    from liveqa.extensions import socketio

    # The socket origin check derives this server's own origin from where it listens.
    overrides = {"HOST": args.host, "PORT": args.port}
    # Password hashing is CPU-bound C code; run it in an OS thread, not the hub.
    if mode == "eventlet":
        from eventlet import tpool

        overrides["RUN_BLOCKING"] = tpool.execute
    elif mode == "gevent":
        overrides["RUN_BLOCKING"] = serve_gevent.run_blocking
    app = create_app(**overrides)
    sys.stdout.write(banner(args.host, args.port, cfg.SEED_DEMO_PASSWORD))
    sys.stdout.flush()
    try:
        if mode == "eventlet":
            _serve_eventlet(app, cfg, args.host, args.port, args.access_log)
        elif mode == "gevent":
            serve_gevent.serve(InFlight(app), cfg, args.host, args.port, args.access_log)
        else:
            socketio.run(
                app,
                host=args.host,
                port=args.port,
                log_output=args.access_log,
                allow_unsafe_werkzeug=True,
            )
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
