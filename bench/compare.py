"""Run LiveQA and the Node socket.io reference side by side under the same load; print ratios.

For each setup (SQLite; PostgreSQL; two LiveQA processes sharing Redis), starts LiveQA,
runs the load generator (bench/node/load.js) against it, stops it, then does the same with
the reference server (bench/node/server.js, one process, state in memory). Servers run on
CPU 0 (`taskset -c 0`), the generator on CPU 1. Run from the repository root after
`make venv` and `npm ci` in bench/node (`make bench-node` does both):

    .venv/bin/python bench/compare.py --citizens 1000 --setups sqlite postgresql redis
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / "node"
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT)]

from compare_report import markdown_table, ratio_table, summarize  # noqa: E402
from fanout import loadavg, machine, postgres_database, raise_fd_limit  # noqa: E402
from pgactivity import summarize_activity, watching  # noqa: E402
from realserver import PASSWORD, RealServer, free_port_in, seed, seeded_sqlite  # noqa: E402

# This bench's own port range on the shared machine: LiveQA below 24500, Node above.
LIVEQA_PORTS = range(24000, 24500)
NODE_PORTS = range(24500, 25000)
SERVER_CPU = "0"
LOAD_CPU = "1"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/liveqa_bench_node"
# All load comes from 127.0.0.1: per-address limits would refuse most of it.
LIVEQA_ENV = {
    "LIVEQA_SOCKETS_PER_ADDRESS": "0",
    "LIVEQA_SOCKET_ADMISSIONS_PER_SECOND": "0",
    "LIVEQA_ADDRESS_LIMITS_ENABLED": "0",
    "LIVEQA_MAX_CONNECTIONS": "20000",
}


def wait_http(url: str, alive, timeout: float = 30.0) -> None:
    """Wait until URL answers (any status) while ALIVE() holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for {url} exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


class PinnedServer(RealServer):
    """A LiveQA server on CPU 0, without the per-request access log (Node logs none)."""

    def spawn(self) -> None:
        self.starts += 1
        with open(self.log_path, "a", encoding="utf-8") as log:
            command = ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "liveqa.server"]
            self.process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


@dataclass
class Running:
    """Started servers: their origins, pids, stop function and the login the load uses."""

    urls: list
    pids: list
    stop: object
    moderator: str


def start_liveqa(workdir: Path, setup: str, args) -> Running:
    """Seed a database for SETUP and start one LiveQA process (two sharing Redis for redis)."""
    env = dict(LIVEQA_ENV, LIVEQA_ASYNC_MODE=args.async_mode)
    count = 1
    if setup == "postgresql":
        database_url = args.postgres_url
        info = seed(database_url, workdir / "seed.log", use_demo=False)
    else:
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        info = seeded_sqlite(workdir / "bench.db", use_demo=False)
    if setup == "redis":
        count = 2
        env["LIVEQA_MESSAGE_QUEUE_URL"] = args.redis_url
        env["LIVEQA_MESSAGE_QUEUE_CHANNEL"] = f"liveqa-bench-node-{os.getpid()}"
    servers = [
        PinnedServer(
            database_url, workdir, port=free_port_in(LIVEQA_PORTS), env_extra=env, name=f"liveqa{i}"
        )
        for i in range(count)
    ]
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            wait_http(server.origin + "/login", server.alive)
    except BaseException:
        for server in servers:
            print(server.log_tail(3000))
            server.stop()
        raise

    def stop():
        for server in servers:
            if not server.alive():
                print(server.log_tail(3000))
            server.stop()

    pids = [s.process.pid for s in servers]
    return Running([s.origin for s in servers], pids, stop, info["moderator"])


def start_node(workdir: Path, args) -> Running:
    """Start the reference server (one process) on CPU 0."""
    port = free_port_in(NODE_PORTS)
    log = open(workdir / f"node-{port}.log", "w", encoding="utf-8")  # noqa: SIM115 - child owns it
    command = ["taskset", "-c", SERVER_CPU, "node", str(NODE_DIR / "server.js"), "--port"]
    process = subprocess.Popen(
        [*command, str(port), "--moderator", "moderator", "--password", PASSWORD],
        cwd=NODE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()

    def stop():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)

    origin = f"http://127.0.0.1:{port}"
    try:
        wait_http(origin + "/login", lambda: process.poll() is None)
    except BaseException:
        stop()
        raise
    return Running([origin], [process.pid], stop, "moderator")


def run_load(running: Running, citizens: int, workdir: Path, name: str, args) -> dict:
    """Run the generator on CPU 1 against RUNNING; return its raw report."""
    out = workdir / f"{name}.json"
    config = {
        "urls": running.urls,
        "pids": running.pids,
        "moderator": running.moderator,
        "password": PASSWORD,
        "citizens": citizens,
        "changes": args.changes,
        "rates": args.rates,
        "submits": args.submits,
        "submit_rate": args.submit_rate,
        "submit_timeout_ms": 30_000,
        "connect_concurrency": args.connect_concurrency,
        "connect_timeout_ms": 30_000,
        "settle_ms": args.settle * 1000,
        "client_deflate": args.client_deflate,
        "out": str(out),
    }
    config_path = workdir / f"{name}-config.json"
    config_path.write_text(json.dumps(config))
    command = ["taskset", "-c", LOAD_CPU, "node", str(NODE_DIR / "load.js"), str(config_path)]
    subprocess.run(command, cwd=NODE_DIR, check=True, timeout=args.time_limit)
    return json.loads(out.read_text())


def one_run(kind: str, setup: str, citizens: int, workdir: Path, args) -> dict:
    """Start KIND's server(s) for SETUP, run the load, stop them; return the run's record."""
    record = {"server": kind, "setup": setup, "citizens": citizens, "loadavg_at_start": loadavg()}
    record["client_deflate"] = args.client_deflate
    if kind == "liveqa":
        record["async_mode"] = args.async_mode
    print(f"\n== {kind} / {setup}: {citizens} citizens, load average {record['loadavg_at_start']}")
    try:
        if kind == "liveqa":
            running = start_liveqa(workdir, setup, args)
        else:
            running = start_node(workdir, args)
    except Exception as error:
        return record | {"error": f"start: {error}"[:2000]}
    try:
        record["processes"] = len(running.pids)
        # LiveQA on PostgreSQL: what its backends do meanwhile, from a thread on CPU 1.
        watched = args.postgres_url if (kind, setup) == ("liveqa", "postgresql") else None
        with watching(watched, int(LOAD_CPU)) as sampler:
            raw = run_load(running, citizens, workdir, f"{kind}-{setup}", args)
        record["summary"] = summarize(raw)
        if sampler is not None:
            activity = summarize_activity(sampler.samples, raw)
            record["summary"]["pg_activity"] = activity | {"errors": sampler.errors}
    except Exception as error:
        record["error"] = f"{type(error).__name__}: {error}"[:2000]
    finally:
        running.stop()
    return record


def run_setup(setup: str, workdir: Path, args) -> list[dict]:
    """Run every requested server kind for SETUP, LiveQA first."""
    citizens = args.redis_citizens if setup == "redis" else args.citizens
    records = []
    for kind in args.servers:
        if kind == "liveqa" and setup == "postgresql":
            with postgres_database(args.postgres_url, create=True):
                records.append(one_run(kind, setup, citizens, workdir, args))
        else:
            records.append(one_run(kind, setup, citizens, workdir, args))
    return records


def print_tables(reports: list[list[dict]]) -> None:
    """Print each setup's side-by-side table, the runs of several REPORTS as A, B ..."""
    setups = dict.fromkeys(r["setup"] for records in reports for r in records)
    for setup in setups:
        print(f"\n### {setup}\n")
        tables = []
        for i, records in enumerate(reports):
            runs = {r["server"]: r for r in records if r["setup"] == setup}
            name = f"run {chr(ord('A') + i)}, " if len(reports) > 1 else ""
            for kind, record in runs.items():
                extra = f", ERROR {record['error']}" if "error" in record else ""
                if record.get("async_mode", "eventlet") != "eventlet":
                    extra = f", {record['async_mode']}" + extra
                if record.get("client_deflate") is False:
                    extra = ", citizens without permessage-deflate" + extra
                print(
                    f"- {name}{kind}: {record['citizens']} citizens, "
                    f"{record.get('processes', '?')} process(es), "
                    f"load average at start {record['loadavg_at_start']}{extra}"
                )
            summaries = [runs.get(k, {}).get("summary") for k in ("liveqa", "node")]
            tables.append(ratio_table(*summaries))
        print("\n" + markdown_table(*tables))


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--citizens", type=int, default=1000, help="citizens per run (default 1000)")
    add("--redis-citizens", type=int, help="citizens for the redis setup (default 2×)")
    add("--changes", type=int, default=20, help="moderator changes per rate (default 20)")
    add("--rates", type=float, nargs="+", default=[1, 2], help="changes per second (1 2)")
    add("--submits", type=int, default=200, help="citizen submits during changes (200)")
    add("--submit-rate", type=float, default=20, help="submits per second (20)")
    add("--setups", nargs="+", default=["sqlite", "postgresql", "redis"])
    add("--servers", nargs="+", default=["liveqa", "node"], choices=["liveqa", "node"])
    add("--async-mode", choices=["eventlet", "gevent"], default="eventlet", help="LiveQA's")
    add("--connect-concurrency", type=int, default=100, help="sockets opening at once (100)")
    add("--settle", type=float, default=15, help="seconds to wait for late receipts (15)")
    add("--time-limit", type=float, default=1800, help="seconds one generator run may take")
    add(
        "--client-deflate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="citizens offer permessage-deflate, as browsers do (default on)",
    )
    add("--postgres-url", default=POSTGRES_URL, help="created and dropped by the run")
    add("--redis-url", default="redis://127.0.0.1:6379/0")
    add("--json", type=Path, help="write every run's summary to this file")
    add("--keep", action="store_true", help="keep the temporary directory (server logs)")
    add("--tables-from", type=Path, nargs="+", help="only print saved --json reports' tables")
    args = parser.parse_args(argv)
    args.redis_citizens = args.redis_citizens or 2 * args.citizens
    if args.tables_from:
        return args
    if not shutil.which("taskset") or not shutil.which("node"):
        parser.error("needs taskset (util-linux) and node on PATH")
    if not (NODE_DIR / "node_modules" / "socket.io").is_dir():
        parser.error("run `npm ci` in bench/node first (or `make bench-node`)")
    return args


def main(argv=None) -> int:
    """Run every setup and print (and optionally save) the side-by-side tables."""
    args = parse_args(argv)
    if args.tables_from:
        print_tables([json.loads(path.read_text())["runs"] for path in args.tables_from])
        return 0
    limits = raise_fd_limit(2 * max(args.citizens, args.redis_citizens))
    report = {"machine": machine(), "command": " ".join(sys.argv), "fd_limit": list(limits)}
    workdir = Path(tempfile.mkdtemp(prefix="liveqa-bench-node-"))
    records = []
    try:
        for setup in args.setups:
            records += run_setup(setup, workdir, args)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report["runs"] = records
    print_tables([records])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 1 if any("error" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
