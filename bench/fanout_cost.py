"""Server CPU per recipient per broadcast, and memory per idle websocket, of one LiveQA process.

A micro-benchmark of the websocket transport (liveqa/websocket_transport.py): starts
`python -m liveqa.server` on a seeded SQLite database pinned to core 0 (`taskset -c 0`),
pins itself to core 1 and:

1. approves M questions with no listener connected (the cost of the HTTP request, the
   transaction and an empty broadcast: subtracted below);
2. opens N raw Engine.IO websockets (aiohttp, offering permessage-deflate or not) joined
   to the session's public room, waits, and samples the server's RSS and idle CPU;
3. approves M more questions one at a time, each after every client got the previous one.

CPU per recipient = (phase-3 CPU - idle CPU for its duration - phase-1 CPU) / deliveries,
from utime+stime in /proc/PID/stat. RSS per idle connection = (RSS after connecting - RSS
before) / N. Speed is reported, never judged. Example:

    .venv/bin/python bench/fanout_cost.py --clients 1000 --broadcasts 20 --offer-deflate
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from realclients import StaffApi  # noqa: E402
from realserver import PASSWORD, base_env, seeded_sqlite  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Target:
    def __init__(self, origin):
        self.origin = origin

    def url(self, path):
        return self.origin + path


class Listener:
    """One raw Engine.IO v4 websocket in the public room, counting live change events."""

    def __init__(self):
        self.events = 0
        self.error = None
        self.ws = None


async def listen(http, args, origin, session_id, listener, joined):
    ws_url = origin.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    try:
        ws = await http.ws_connect(
            ws_url, headers={"Origin": origin}, compress=15 if args.offer_deflate else 0
        )
        listener.ws = ws
        await ws.receive_str()  # "0{...}": the Engine.IO open packet
        await ws.send_str("40")
        await ws.receive_str()  # "40{...}": connected to the namespace
        join = {"session_id": session_id, "room": "public"}
        await ws.send_str("420" + json.dumps(["join", join]))
        async for msg in ws:
            data = msg.data
            if data == "2":
                await ws.send_str("3")
            elif data.startswith("430"):
                joined.release()
            elif data.startswith('42["change'):
                listener.events += 1
    except Exception as error:  # reported, not raised: one client's failure is data
        listener.error = f"{type(error).__name__}: {error}"[:200]
        joined.release()


async def wait_events(listeners, target, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(x.events >= target for x in listeners if not x.error):
            return True
        await asyncio.sleep(0.01)
    return False


def make_questions(staff, session_id, count):
    ids = []
    for i in range(count):
        text = f"پرسش سنجش هزینه {i + 1}: زمان بهسازی خیابان‌های منطقه کی است؟"
        code = staff.post(f"/sessions/{session_id}/questions", expect=201, text=text)
        ids.append(staff.question(session_id, code["question"]["tracking_code"])["id"])
    return ids


async def run(args, pid, origin, info):
    import aiohttp

    session_id = info["session_id"]
    staff = StaffApi(Target(origin), info["moderator"], PASSWORD, check_contract=False)
    questions = await asyncio.to_thread(make_questions, staff, session_id, 2 * args.broadcasts)

    # Phase 1: the same commands with nobody listening.
    cpu0 = cpu_seconds(pid)
    for qid in questions[: args.broadcasts]:
        await asyncio.to_thread(staff.command, qid, "approve")
    base_cpu = cpu_seconds(pid) - cpu0

    await asyncio.sleep(1)
    rss_before = rss_kb(pid)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    listeners = [Listener() for _ in range(args.clients)]
    joined = asyncio.Semaphore(0)
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def opened(listener):
        async with gate:
            task = asyncio.create_task(listen(http, args, origin, session_id, listener, joined))
            await joined.acquire()
            return task

    started = time.monotonic()
    tasks = await asyncio.gather(*(opened(x) for x in listeners))
    connect_s = time.monotonic() - started
    failed = [x.error for x in listeners if x.error]
    await asyncio.sleep(args.settle)
    rss_after = rss_kb(pid)
    idle0, idle_t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(args.idle)
    idle_rate = (cpu_seconds(pid) - idle0) / (time.monotonic() - idle_t0)

    # Phase 3: each approval broadcast to every listener, one after the other.
    delivered0 = sum(x.events for x in listeners)
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    complete = True
    for n, qid in enumerate(questions[args.broadcasts :], start=1):
        await asyncio.to_thread(staff.command, qid, "approve")
        complete &= await wait_events(listeners, n, args.wait)
    phase_s = time.monotonic() - t1
    phase_cpu = cpu_seconds(pid) - cpu1
    deliveries = sum(x.events for x in listeners) - delivered0
    fanout_cpu = phase_cpu - idle_rate * phase_s - base_cpu
    for ws_task in tasks:
        ws_task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await http.close()
    connected = args.clients - len(failed)
    return {
        "clients": args.clients,
        "connected": connected,
        "connect_errors": sorted(set(failed))[:3],
        "connect_s": round(connect_s, 1),
        "broadcasts": args.broadcasts,
        "deliveries": deliveries,
        "all_delivered": complete and deliveries == connected * args.broadcasts,
        "offer_deflate": args.offer_deflate,
        "server_deflate": args.server_deflate,
        "direct_fanout": args.direct_fanout,
        "base_cpu_s": round(base_cpu, 3),
        "idle_cpu_pct": round(100 * idle_rate, 1),
        "phase_cpu_s": round(phase_cpu, 3),
        "phase_s": round(phase_s, 2),
        "cpu_us_per_recipient": round(1e6 * fanout_cpu / max(deliveries, 1), 1),
        "rss_kb_before": rss_before,
        "rss_kb_per_connection": round((rss_after - rss_before) / max(connected, 1), 1),
        "load": os.getloadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--offer-deflate", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--server-deflate", type=int, choices=(0, 1), default=0)
    parser.add_argument("--direct-fanout", type=int, choices=(0, 1), default=1)
    parser.add_argument("--port", type=int, default=22500)
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--wait", type=float, default=30.0, help="seconds per broadcast at most")
    parser.add_argument("--json", help="append the result to this file, one line per run")
    args = parser.parse_args()

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    workdir = Path(tempfile.mkdtemp(prefix="liveqa-fanout-cost-"))
    info = seeded_sqlite(workdir / "bench.db")
    origin = f"http://127.0.0.1:{args.port}"
    env = base_env(
        f"sqlite:///{workdir / 'bench.db'}",
        LIVEQA_ALLOWED_ORIGINS=origin,
        LIVEQA_HEARTBEAT_SECONDS="0",
        # Every client comes from 127.0.0.1: no per-address socket cap (where there is one).
        LIVEQA_SOCKETS_PER_ADDRESS="0",
        # Thousands of sockets open in seconds: no admission rate either.
        LIVEQA_SOCKET_ADMISSIONS_PER_SECOND="0",
        LIVEQA_DIRECT_FANOUT=str(args.direct_fanout),
        LIVEQA_WEBSOCKET_DEFLATE=str(args.server_deflate),
    )
    command = ["taskset", "-c", "0", sys.executable, "-m", "liveqa.server"]
    command += ["--host", "127.0.0.1", "--port", str(args.port), "--no-access-log"]
    with open(workdir / "server.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        import requests

        while True:
            try:
                requests.get(origin + "/static/css/fonts.css", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit((workdir / "server.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        result = asyncio.run(run(args, server.pid, origin, info))
        print(json.dumps(result), flush=True)
        if args.json:
            with open(args.json, "a") as out:
                out.write(json.dumps(result) + "\n")
    finally:
        # SIGTERM drains for up to LIVEQA_SHUTDOWN_GRACE_SECONDS; then insist.
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


if __name__ == "__main__":
    main()
