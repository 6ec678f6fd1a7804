"""Run LiveQA under eventlet; the only module in the package that imports eventlet."""

import argparse
import socket
import sys
import warnings

from config import get_config

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


def _serve_eventlet(app, cfg, host, port, access_log):
    """Serve APP on HOST:PORT with eventlet's WSGI server until interrupted."""
    import eventlet
    import eventlet.wsgi

    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=cfg.SERVER_LISTEN_BACKLOG)
    # max_size caps simultaneous connections; eventlet's default of 1,024 is below
    # the number of citizens one session can draw.
    eventlet.wsgi.server(listener, app, max_size=cfg.SERVER_MAX_CONNECTIONS, log_output=access_log)


def main(argv=None):
    """Start the LiveQA server."""
    cfg = get_config()
    args = parse_args(argv, cfg)
    cfg.validate(args.host)
    eventlet_mode = cfg.ASYNC_MODE == "eventlet"
    if eventlet_mode:
        _patch_for_eventlet(cfg.SQLALCHEMY_DATABASE_URI)

    # Imported only now, after monkey-patching, for the reason given there.
    from liveqa.app import create_app
    from liveqa.extensions import socketio

    # The socket origin check derives this server's own origin from where it listens.
    overrides = {"HOST": args.host, "PORT": args.port}
    if eventlet_mode:
        from eventlet import tpool

        # Password hashing is CPU-bound C code; run it in an OS thread, not the hub.
        overrides["RUN_BLOCKING"] = tpool.execute
    app = create_app(**overrides)
    sys.stdout.write(banner(args.host, args.port, cfg.SEED_DEMO_PASSWORD))
    sys.stdout.flush()
    try:
        if eventlet_mode:
            _serve_eventlet(app, cfg, args.host, args.port, args.access_log)
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
