"""Server CPU per support: K supports from K browsers against a real server pinned to one core.

Seeds a database, starts `python -m liveqa.server` (eventlet) on 127.0.0.1 pinned to core 0,
approves a few questions as the moderator, then sends K supports over HTTP from core 1, each
from a new browser (no identity cookie: the server issues one per request), at most
--concurrency at once. The server's CPU time (user + system, all threads) is read from
/proc/PID/stat before and after the burst, and over an idle stretch of the same length, so
the per-support figure is the burst's CPU less what the idle server spends.

    .venv/bin/python bench/supports.py --supports 1000
    .venv/bin/python bench/supports.py --supports 1000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/liveqa_bench_supports --create-database
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from fanout import loadavg, postgres_database  # noqa: E402
from measure import fmt_ms, sample_process, summary_ms  # noqa: E402
from phases import Target, prepare_questions  # noqa: E402
from realserver import PASSWORD, RealServer, seed, seeded_sqlite  # noqa: E402

SERVER_CORE, CLIENT_CORE = 0, 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add = parser.add_argument
    add("--supports", "-k", type=int, default=1000, help="supports, each from a new browser")
    add("--questions", type=int, default=4, help="approved questions the supports spread over")
    add("--concurrency", type=int, default=16, help="supports in flight at once")
    add("--port", type=int, default=25100, help="the server's port (this bench's own range)")
    add("--database-url", help="PostgreSQL URL (default: SQLite in a temporary directory)")
    add("--create-database", action="store_true", help="create (and drop) --database-url")
    add("--keep", action="store_true", help="keep the temporary directory and server log")
    add("--json", help="write the results to this file")
    return parser.parse_args(argv)


def cpu_seconds(pid: int) -> float:
    sample = sample_process(pid)
    if sample is None:
        raise RuntimeError(f"cannot read /proc/{pid}/stat")
    return sample.cpu


async def burst(target: Target, question_ids: list[int], args) -> dict:
    """Send --supports supports, each from a new browser; return statuses and latencies."""
    import aiohttp
    from realclients import http_session

    citizen = await asyncio.to_thread(http_session, target, check_contract=False)
    # One signed session carries the CSRF token; no liveqa_cid cookie, so every support
    # is a new browser to the server.
    headers = {
        "Cookie": "; ".join(f"{c.name}={c.value}" for c in citizen.cookies),
        "X-CSRFToken": citizen.headers["X-CSRFToken"],
        "Origin": target.origin,
        "Referer": target.origin + "/",
    }
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    gate = asyncio.Semaphore(args.concurrency)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:

        async def one(i: int) -> None:
            qid = question_ids[i % len(question_ids)]
            async with gate:
                sent = time.monotonic()
                try:
                    async with http.post(
                        target.url(f"/api/v1/questions/{qid}/support"), json={}, headers=headers
                    ) as reply:
                        await reply.read()
                        status = reply.status
                except aiohttp.ClientError:
                    status = 0
                latencies.append(time.monotonic() - sent)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(args.supports)))
        elapsed = time.monotonic() - started
    return {"statuses": statuses, "latencies": latencies, "elapsed": elapsed}


def run(args, workdir: Path) -> dict:
    if args.database_url:
        database_url = args.database_url
        info = seed(database_url, workdir / "seed.log", use_demo=False)
    else:
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        info = seeded_sqlite(workdir / "bench.db", use_demo=False)
    # Per-address ceilings would refuse a bench that is all one address.
    server = RealServer(
        database_url,
        workdir,
        port=args.port,
        env_extra={"LIVEQA_ADDRESS_LIMITS_ENABLED": "0"},
        name="supports",
    )
    # The server inherits this process's affinity: core 0 for it, core 1 for the clients.
    os.sched_setaffinity(0, {SERVER_CORE})
    try:
        server.spawn()
    finally:
        os.sched_setaffinity(0, {CLIENT_CORE})
    try:
        server.wait_ready()
        pid = server.process.pid
        target = Target(server.origin, info["session_id"], info["moderator"], PASSWORD, [], pid=pid)
        staff, questions = prepare_questions(target, args.questions)
        for question in questions:
            staff.command(question["id"], "approve", version=question["version"])
        ids = [q["id"] for q in questions]
        load = loadavg()
        # Warm-up: the first requests import and compile what the rest reuse.
        warm = argparse.Namespace(**{**vars(args), "supports": min(50, args.supports)})
        asyncio.run(burst(target, ids, warm))
        time.sleep(1.5)  # let the coalesced tally of the warm-up go out
        before = cpu_seconds(pid)
        result = asyncio.run(burst(target, ids, args))
        time.sleep(1.5)  # the burst's last tally is part of its cost
        after = cpu_seconds(pid)
        busy_seconds = result["elapsed"] + 1.5
        idle_before = cpu_seconds(pid)
        time.sleep(busy_seconds)
        idle = cpu_seconds(pid) - idle_before
        accepted = result["statuses"].get(201, 0)
        cpu = after - before
        per_support_ms = (cpu - idle) / max(accepted, 1) * 1000
        return {
            "database": "postgresql" if args.database_url else "sqlite",
            "supports": args.supports,
            "accepted": accepted,
            "statuses": result["statuses"],
            "concurrency": args.concurrency,
            "elapsed_s": round(result["elapsed"], 2),
            "server_cpu_s": round(cpu, 3),
            "idle_cpu_s": round(idle, 3),
            "cpu_per_support_ms": round(per_support_ms, 2),
            "http_ms": summary_ms(result["latencies"]),
            "loadavg_at_start": load,
        }
    finally:
        server.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="liveqa-bench-supports-"))
    try:
        if args.database_url and args.create_database:
            with postgres_database(args.database_url, create=True):
                results = run(args, workdir)
        else:
            results = run(args, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({k: v for k, v in results.items() if k != "http_ms"}, ensure_ascii=False))
    print("support HTTP: " + fmt_ms(results["http_ms"]))
    print(f"server CPU per support: {results['cpu_per_support_ms']:.2f} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if results["accepted"] == args.supports else 1


if __name__ == "__main__":
    raise SystemExit(main())
