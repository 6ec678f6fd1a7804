"""Measure Socket.IO fan-out latency, loss and support-tally coalescing on a real server.

Starts a seeded LiveQA server under eventlet (or gevent: --async-mode gevent) on 127.0.0.1
(or targets one with --url),
connects N websocket clients to the public room of the current session, has a moderator
issue M public state changes over HTTP and times the arrival of each one's public seq (in a
`changes` batch) at every client, then sends
K supports from K browsers within about a second and counts the `tally` events a client
receives. Every phase is bounded in time; the whole run stops by itself.

Run from the repository root with the venv's Python (see bench/README.md):

    .venv/bin/python bench/fanout.py --clients 1500 --changes 20 --supports 300
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The real-server helpers of the end-to-end tests: the same seeding, start and login.
# The root too: realclients imports tests.contract (the OpenAPI response check).
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from measure import fmt_ms  # noqa: E402
from phases import Target, run_bench  # noqa: E402
from realserver import PASSWORD, start_servers  # noqa: E402

LOCAL_HOSTS = ("127.0.0.1",)
# Headroom over N for the staff client, the support burst and the server's own files.
FD_HEADROOM = 1024


# --- setting up -------------------------------------------------------------------------


def raise_fd_limit(clients: int) -> tuple[int, int]:
    """Raise this process's open-file limit for CLIENTS sockets; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Each client holds one socket here and one in the server (two under gevent, whose
    # websocket library duplicates the connection's descriptor), plus headroom.
    wanted = 2 * clients + FD_HEADROOM
    if hard != resource.RLIM_INFINITY and hard < wanted:
        with contextlib.suppress(ValueError, OSError):  # raising the hard limit needs root
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            soft, hard = wanted, wanted
    if soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def check_local(url: str, what: str) -> urllib.parse.ParseResult:
    """Refuse anything but 127.0.0.1: this bench floods what it targets."""
    parsed = urllib.parse.urlparse(url)
    if parsed.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"{what} must be on 127.0.0.1, not {parsed.hostname!r}")
    return parsed


@contextlib.contextmanager
def postgres_database(url: str, create: bool):
    """Create the PostgreSQL database URL names (if CREATE) and drop it afterwards."""
    if not create:
        yield
        return
    import psycopg2
    from psycopg2 import sql

    parsed = check_local(url, "--database-url")
    name = parsed.path.lstrip("/")
    if not name.startswith("liveqa_bench"):
        raise SystemExit("--create-database only makes databases named liveqa_bench*")
    admin_dsn = parsed._replace(path="/postgres").geturl()

    def run(statement):
        connection = psycopg2.connect(admin_dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    ident = sql.Identifier(name)
    run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    run(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield
    finally:
        run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


def target_from_url(args) -> Target:
    """Describe an already running server at --url (on 127.0.0.1)."""
    import requests

    parsed = check_local(args.url, "--url")
    origin = f"{parsed.scheme}://{parsed.netloc}"
    session_id = args.session_id
    if session_id is None:
        current = requests.get(origin + "/api/v1/sessions/current", timeout=15).json()
        if not current.get("session"):
            raise SystemExit("the server has no current session; pass --session-id")
        session_id = current["session"]["id"]
    officials = requests.get(origin + "/api/v1/officials", timeout=15).json()["officials"]
    return Target(
        origin=origin,
        session_id=session_id,
        moderator=args.username,
        password=args.password,
        official_ids=[o["id"] for o in officials][:2],
    )


def loadavg() -> str:
    """Return the 1, 5 and 15 minute load averages: other work on the machine skews results."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return ""


def machine() -> dict:
    """Describe the machine the numbers come from."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "loadavg": loadavg(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--clients", "-n", type=int, default=1500, help="listening sockets (default 1500)")
    add("--changes", "-m", type=int, default=20, help="moderator commands (default 20)")
    add("--supports", "-k", type=int, default=300, help="support burst size (default 300)")
    add("--support-window", type=float, default=1.0, help="seconds the burst spans (1.0)")
    add("--support-questions", type=int, default=3, help="questions the burst supports (3)")
    add("--gap", type=float, default=0.25, help="pause between commands, seconds (0.25)")
    add("--connect-concurrency", type=int, default=100, help="sockets opening at once (100)")
    add("--connect-timeout", type=float, default=20.0, help="per-socket connect+join limit")
    add("--connect-phase-timeout", type=float, default=180.0, help="whole connect phase limit")
    add("--change-timeout", type=float, default=20.0, help="wait for one change to arrive")
    add("--time-limit", type=float, default=600.0, help="stop everything after this (600 s)")
    add("--database-url", help="database for a started server (default: a temporary SQLite)")
    add(
        "--create-database",
        action="store_true",
        help="create the liveqa_bench* PostgreSQL database first and drop it afterwards",
    )
    add("--max-connections", type=int, help="LIVEQA_MAX_CONNECTIONS for a started server")
    add(
        "--async-mode",
        choices=("eventlet", "gevent"),
        default="eventlet",
        help="LIVEQA_ASYNC_MODE for a started server (default eventlet)",
    )
    add("--no-demo", action="store_true", help="seed without the demo data")
    add("--url", help="target a running server at this http://127.0.0.1:PORT instead")
    add("--session-id", type=int, help="with --url: the session (default: the current one)")
    add("--username", default="moderator", help="with --url: a moderator login")
    add("--password", default=os.environ.get("LIVEQA_BENCH_PASSWORD", "demo-pass-137"))
    add("--json", type=Path, help="also write every measurement to this file")
    add("--keep", action="store_true", help="keep the temporary directory (server log)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the benchmark and print (and optionally save) its results."""
    args = parse_args(argv)
    limits = raise_fd_limit(args.clients)
    report = {
        "machine": machine(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "fd_limit": list(limits),
        "clients": args.clients,
    }
    print(f"open-file limit {limits[0]} (hard {limits[1]}), inherited by the server")
    workdir = Path(tempfile.mkdtemp(prefix="liveqa-bench-"))
    servers = []
    database_url = args.database_url
    try:
        with contextlib.ExitStack() as stack:
            if args.url:
                target = target_from_url(args)
                report["database"] = "(external server)"
            else:
                if database_url and database_url.startswith("postgres"):
                    check_local(database_url, "--database-url")
                    stack.enter_context(postgres_database(database_url, args.create_database))
                # Every client connects from 127.0.0.1: no per-address socket cap or ceilings.
                env_extra = {
                    "LIVEQA_ASYNC_MODE": args.async_mode,
                    "LIVEQA_SOCKETS_PER_ADDRESS": "0",
                    "LIVEQA_SOCKET_ADMISSIONS_PER_SECOND": "0",
                    "LIVEQA_ADDRESS_LIMITS_ENABLED": "0",
                }
                if args.max_connections:
                    env_extra["LIVEQA_MAX_CONNECTIONS"] = args.max_connections
                print(f"starting a seeded server on 127.0.0.1 ({args.async_mode})")
                report["async_mode"] = args.async_mode
                servers, info = start_servers(
                    workdir,
                    env_extra=env_extra,
                    database_url=database_url,
                    use_demo=not args.no_demo,
                )
                server = servers[0]
                report["database"] = "postgresql" if database_url else "sqlite"
                report["server_log"] = str(server.log_path)
                target = Target(
                    origin=server.origin,
                    session_id=info["session_id"],
                    moderator=info["moderator"],
                    password=PASSWORD,
                    official_ids=[o["id"] for o in info["officials"]],
                    pid=server.process.pid,
                )
            print(f"target {target.origin}, session {target.session_id}")
            try:
                report |= asyncio.run(asyncio.wait_for(run_bench(target, args), args.time_limit))
            except TimeoutError:
                report["error"] = f"stopped by --time-limit {args.time_limit}s"
            finally:
                for server in servers:
                    if not server.alive():
                        report["server_exit"] = server.process.returncode
                        print(server.log_tail(3000))
                    server.stop()
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report["loadavg_at_end"] = loadavg()
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0 if healthy(report) else 1


def healthy(report: dict) -> bool:
    """Tell whether every client joined and got every change (speed is only reported)."""
    changes = report.get("changes") or {}
    connect = report.get("connect") or {}
    return bool(
        changes
        and not report.get("error")
        and not changes.get("command_error")
        and not connect.get("failed")
        and changes["deliveries"] == changes["expected_deliveries"]
        and not changes["duplicate_events"]
    )


def print_report(report: dict) -> None:
    """Print the headline numbers."""
    print("\n=== results ===")
    print(f"machine: {report['machine']}, load at end {report['loadavg_at_end']}")
    print(
        f"database: {report.get('database')}, async mode {report.get('async_mode', '(external)')}"
        f", open-file limit {report['fd_limit'][0]}"
    )
    if "error" in report:
        print(f"ERROR: {report['error']}")
    connect = report.get("connect")
    if connect:
        print(
            f"connect: {connect['joined']}/{connect['requested']} joined in "
            f"{connect['seconds']}s ({connect['joins_per_second']}/s), errors {connect['errors']}"
        )
        print(f"  resources: {connect['resources']}")
    changes = report.get("changes")
    if changes:
        print(
            f"changes: {changes['changes']} x {changes['listeners']} listeners, "
            f"{changes['deliveries']}/{changes['expected_deliveries']} delivered, "
            f"gaps {changes['listeners_with_gaps']}, lost {changes['lost_events']}, "
            f"duplicates {changes['duplicate_events']}, "
            f"out of order {changes['listeners_out_of_order']}"
        )
        if changes.get("command_error"):
            print(f"  ERROR: {changes['command_error']}")
        print(f"  HTTP command:            {fmt_ms(changes['http_ms'])}")
        print(f"  event after response:    {fmt_ms(changes['delay_after_response_ms'])}")
        print(f"  event after request:     {fmt_ms(changes['delay_after_request_ms'])}")
        print(f"  resources: {changes['resources']}")
    supports = report.get("supports")
    if supports:
        print(
            f"supports: {supports['supports']} in {supports['burst_seconds']}s, "
            f"statuses {supports['http_statuses']}, "
            f"tallies per listener {supports['tallies_per_listener']}, "
            f"final counts at {supports['listeners_with_final_counts']}/{supports['listeners']}"
        )
        print(f"  support HTTP:            {fmt_ms(supports['support_http_ms'])}")
        print(f"  last tally after burst:  {fmt_ms(supports['last_tally_after_burst_ms'])}")
        print(f"  resources: {supports['resources']}")


if __name__ == "__main__":
    sys.exit(main())
