"""Measure what one flooding socket costs every other client of a real server.

Starts a seeded LiveQA server under eventlet on 127.0.0.1, pinned to CPU 0 (`taskset`),
connects N ordinary Socket.IO clients (one asyncio process, pinned to CPU 1) to the public
room, and runs three phases of --seconds each: quiet, one flooding socket, and after the
flood. In every phase a moderator approves a question every --gap seconds (each reaches
every client as a change) and a prober GETs the public snapshot every --probe-gap seconds
on a fixed schedule (open loop, so a stall shows as many slow answers, not as few). The
flooder is a separate process (CPU 1) speaking raw Engine.IO over a websocket: `ping` and
`track` events as fast as it can, reading its acknowledgements, reconnecting whenever it is
disconnected, for the whole flood phase.

Reported per phase: change delivery (command sent -> event at each client) and HTTP
snapshot latency, p50/p99/max, with requests that timed out counted at the timeout; and
what the flooder sent and got back. Speed is reported, never judged.

    .venv/bin/python bench/flood.py --clients 200                       # guard on (defaults)
    .venv/bin/python bench/flood.py --clients 200 --events-per-second 0  # guard off
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT)]

from measure import fmt_ms, summary_ms  # noqa: E402

SERVER_CPU, CLIENT_CPU = "0", "1"


# --- the flooder (a child process) -----------------------------------------------------------


def flooder(origin: str, seconds: float) -> dict:
    """Send ping/track events on one websocket as fast as possible for SECONDS; return counts."""
    import websocket

    url = origin.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    stats = {"sent": 0, "ok": 0, "refused": 0, "other_acks": 0, "connects": 0, "refusals": 0}
    deadline = time.monotonic() + seconds

    def read(ws, closed):
        while True:
            try:
                frame = ws.recv()
            except Exception:
                break
            if not frame:
                break
            if frame == "2":
                with contextlib.suppress(Exception):
                    ws.send("3")
            elif frame.startswith("43"):
                if '"ok":true' in frame:
                    stats["ok"] += 1
                elif "rate_limited" in frame:
                    stats["refused"] += 1
                else:
                    stats["other_acks"] += 1
        closed.set()

    while time.monotonic() < deadline:
        try:
            ws = websocket.create_connection(url, origin=origin, timeout=10)
            ws.recv()  # the Engine.IO open packet
            ws.send("40")
            if not ws.recv().startswith("40"):
                stats["refusals"] += 1
                ws.close()
                continue
        except Exception:
            stats["refusals"] += 1
            time.sleep(0.05)
            continue
        stats["connects"] += 1
        closed = threading.Event()
        threading.Thread(target=read, args=(ws, closed), daemon=True).start()
        ack = 0
        while not closed.is_set() and time.monotonic() < deadline:
            ack += 1
            frame = (
                f'42{ack}["ping",{{}}]' if ack % 2 else f'42{ack}["track",{{"code":"ZZZZ-ZZZZ"}}]'
            )
            try:
                ws.send(frame)
            except Exception:
                break
            stats["sent"] += 1
        with contextlib.suppress(Exception):
            ws.close()
    return stats


# --- the ordinary clients and the measurements -----------------------------------------------


class Board:
    """N public-room clients; when each first saw each question change."""

    def __init__(self, origin, session_id, count):
        self.origin, self.session_id, self.count = origin, session_id, count
        self.seen: list[dict[int, float]] = [{} for _ in range(count)]
        self.clients = []

    def _on_change(self, index):
        def note(data):
            now = time.monotonic()
            items = data.get("changes") if isinstance(data, dict) and "changes" in data else [data]
            for item in items or ():
                qid = item.get("question_id") if isinstance(item, dict) else None
                if qid is not None:
                    self.seen[index].setdefault(qid, now)

        return note

    async def connect(self, http, concurrency=50):
        import socketio

        gate = asyncio.Semaphore(concurrency)

        async def open_one(index):
            async with gate:
                client = socketio.AsyncClient(reconnection=False, http_session=http)
                client.on("change", self._on_change(index))
                client.on("changes", self._on_change(index))
                await client.connect(
                    self.origin, headers={"Origin": self.origin}, transports=["websocket"]
                )
                ack = await client.call("join", {"session_id": self.session_id, "room": "public"})
                assert ack.get("ok"), ack
                self.clients.append(client)

        await asyncio.gather(*(open_one(i) for i in range(self.count)))

    def delays(self, sent: dict[int, float], timeout: float):
        """Return each client's delay for each question in SENT, and how many never came."""
        delays, missing = [], 0
        for seen in self.seen:
            for qid, at in sent.items():
                if qid in seen:
                    delays.append(seen[qid] - at)
                else:
                    missing += 1
                    delays.append(timeout)
        return delays, missing


async def phase(name, board, staff, questions, http, target, args, flood=False) -> dict:
    """Run one phase: commands every gap, snapshot probes every probe gap; return its numbers."""
    snapshot = f"{target.origin}/api/v1/sessions/{target.session_id}/snapshot"
    probes, commands, sent = [], [], {}
    tasks = []
    flood_proc = None
    if flood:
        flood_proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--flooder", target.origin, "--seconds", str(args.seconds),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def probe():
        started = time.monotonic()
        try:
            async with http.get(snapshot, timeout=args.timeout) as answer:
                await answer.read()
                ok = answer.status == 200
        except Exception:
            ok = False
        probes.append((time.monotonic() - started if ok else args.timeout, ok))

    async def command(question):
        started = time.monotonic()
        sent[question["id"]] = started
        try:
            await asyncio.wait_for(
                asyncio.to_thread(staff.command, question["id"], "approve"), args.timeout
            )
            commands.append(time.monotonic() - started)
        except Exception:
            commands.append(args.timeout)

    start = time.monotonic()
    next_probe = next_command = start
    while time.monotonic() - start < args.seconds:
        now = time.monotonic()
        if now >= next_probe:
            tasks.append(asyncio.create_task(probe()))
            next_probe += args.probe_gap
        if now >= next_command and questions:
            tasks.append(asyncio.create_task(command(questions.pop())))
            next_command += args.gap
        await asyncio.sleep(min(next_probe, next_command) - time.monotonic())
    await asyncio.wait(tasks, timeout=args.timeout)
    # Changes still on their way get until the timeout, counted from the last command.
    settle = time.monotonic() + args.timeout
    while time.monotonic() < settle and any(
        len(set(sent) - set(seen)) for seen in board.seen
    ):  # fmt: skip
        await asyncio.sleep(0.1)
    result = {"phase": name}
    if flood_proc is not None:
        out, _ = await flood_proc.communicate()
        result["flooder"] = json.loads(out.decode().strip().splitlines()[-1])
    delays, missing = board.delays(sent, args.timeout)
    result["delivery_ms"] = summary_ms(delays)
    result["delivery_missing"] = missing
    result["http_ms"] = summary_ms([d for d, _ in probes])
    result["http_failed"] = sum(1 for _, ok in probes if not ok)
    result["command_ms"] = summary_ms(commands)
    return result


async def run(target, args) -> list[dict]:
    import aiohttp
    from phases import prepare_questions

    needed = 3 * int(args.seconds / args.gap + 2)
    staff, questions = prepare_questions(target, needed)
    questions.reverse()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        board = Board(target.origin, target.session_id, args.clients)
        await board.connect(http)
        print(f"{args.clients} clients joined the public room")
        async with aiohttp.ClientSession() as probes_http:
            results = []
            for name, flood in (("quiet", False), ("flood", True), ("after", False)):
                results.append(
                    await phase(name, board, staff, questions, probes_http, target, args, flood)
                )
                print_phase(results[-1])
        await asyncio.gather(*(c.disconnect() for c in board.clients), return_exceptions=True)
    return results


def print_phase(result: dict) -> None:
    print(f"== {result['phase']}")
    print(f"  delivery  {fmt_ms(result['delivery_ms'])}  missing {result['delivery_missing']}")
    print(f"  http GET  {fmt_ms(result['http_ms'])}  failed {result['http_failed']}")
    print(f"  command   {fmt_ms(result['command_ms'])}")
    if "flooder" in result:
        print(f"  flooder   {result['flooder']}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--clients", type=int, default=200)
    add("--seconds", type=float, default=8.0, help="length of each phase")
    add("--gap", type=float, default=0.5, help="seconds between moderator commands")
    add("--probe-gap", type=float, default=0.1, help="seconds between snapshot GETs")
    add("--timeout", type=float, default=30.0, help="seconds before a request/change is lost")
    add("--events-per-second", help="LIVEQA_SOCKET_EVENTS_PER_SECOND (0: guard off)")
    add("--burst", help="LIVEQA_SOCKET_EVENT_BURST")
    add("--json", type=Path, help="write the results here")
    add("--flooder", metavar="ORIGIN", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.flooder:
        print(json.dumps(flooder(args.flooder, args.seconds)))
        return 0
    from phases import Target
    from realserver import PASSWORD, start_servers

    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {int(CLIENT_CPU)})
    env = {"LIVEQA_SOCKETS_PER_ADDRESS": "0", "LIVEQA_SOCKET_ADMISSIONS_PER_SECOND": "0"}
    if args.events_per_second is not None:
        env["LIVEQA_SOCKET_EVENTS_PER_SECOND"] = args.events_per_second
    if args.burst is not None:
        env["LIVEQA_SOCKET_EVENT_BURST"] = args.burst
    with tempfile.TemporaryDirectory(prefix="liveqa-flood-") as workdir:
        servers, info = start_servers(Path(workdir), env_extra=env)
        server = servers[0]
        try:
            subprocess.run(
                ["taskset", "-a", "-cp", SERVER_CPU, str(server.process.pid)],
                check=True,
                capture_output=True,
            )
            target = Target(
                origin=server.origin,
                session_id=info["session_id"],
                moderator=info["moderator"],
                password=PASSWORD,
                official_ids=info.get("official_ids", []),
                pid=server.process.pid,
            )
            print(f"server on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU}; settings {env}")
            print("load average before:", Path("/proc/loadavg").read_text().strip())
            results = asyncio.run(run(target, args))
            print("load average after:", Path("/proc/loadavg").read_text().strip())
        finally:
            server.stop()
    if args.json:
        args.json.write_text(json.dumps({"settings": env, "phases": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
