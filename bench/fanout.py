"""Measure Socket.IO fan-out latency, loss and support-tally coalescing on a real server.

Starts a seeded LiveQA server under eventlet on 127.0.0.1 (or targets one with --url),
connects N websocket clients to the public room of the current session, has a moderator
issue M state changes over HTTP and times each `change` event at every client, then sends
K supports from K browsers within about a second and counts the `tally` events a client
receives. Every phase is bounded in time; the whole run stops by itself.

Run from the repository root with the venv's Python (see bench/README.md):

    .venv/bin/python bench/fanout.py --clients 1500 --changes 20 --supports 300
"""

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import math
import os
import platform
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The real-server helpers of the end-to-end tests: the same seeding, start and login.
# The root too: realclients imports tests.contract (the OpenAPI response check).
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from realclients import StaffApi, http_session  # noqa: E402
from realserver import PASSWORD, start_servers  # noqa: E402

LOCAL_HOSTS = ("127.0.0.1",)
# Headroom over N for the staff client, the support burst and the server's own files.
FD_HEADROOM = 1024
TALLY_INTERVAL = 1.0


# --- measurements -------------------------------------------------------------------------


def percentile(values, pct: float) -> float | None:
    """Return the nearest-rank PCT percentile of VALUES, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values) -> dict:
    """Return count, min, p50, p90, p99 and max of VALUES (seconds) in milliseconds."""
    result = {"count": len(values)}
    for name, pct in (("min", 0), ("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
        value = percentile(values, pct)
        result[name] = None if value is None else round(value * 1000, 1)
    return result


def fmt_ms(stats: dict) -> str:
    """Return STATS (from summary_ms) as one line."""
    if not stats["count"]:
        return "no samples"
    parts = [f"{name} {stats[name]:.1f}" for name in ("min", "p50", "p90", "p99", "max")]
    return " / ".join(parts) + f" ms  (n={stats['count']})"


@dataclass
class ProcessSample:
    """CPU seconds, resident memory and open files of one process at one moment."""

    at: float
    cpu: float
    rss_mb: float
    fds: int


def sample_process(pid: int | None) -> ProcessSample | None:
    """Read PID's CPU time, RSS and fd count from /proc (None if it cannot be read)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        rss_kb = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, IndexError, ValueError):
        return None
    return ProcessSample(time.monotonic(), cpu, rss_kb / 1024, fds)


def machine_busy() -> tuple[int, int] | None:
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def self_cpu() -> float:
    """Return this process's CPU seconds (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ClientHealth:
    """How long this bench's event loop stalled (loop lag, full garbage collections)."""

    def __init__(self):
        self.max_lag = 0.0
        self.gc_max = 0.0
        self.gc_total = 0.0
        self._gc_started = None

    def on_gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            pause = time.perf_counter() - self._gc_started
            self.gc_max = max(self.gc_max, pause)
            self.gc_total += pause
            self._gc_started = None

    async def watch(self, tick: float = 0.01) -> None:
        """Record how late a short sleep wakes up, forever (cancel to stop)."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(tick)
            self.max_lag = max(self.max_lag, time.monotonic() - before - tick)

    def take(self) -> dict:
        """Return the stalls seen since the last call, and start counting afresh."""
        result = {
            "bench_loop_max_lag_ms": round(self.max_lag * 1000, 1),
            "bench_gc2_max_ms": round(self.gc_max * 1000, 1),
            "bench_gc2_total_ms": round(self.gc_total * 1000, 1),
        }
        self.max_lag = self.gc_max = self.gc_total = 0.0
        return result


HEALTH = ClientHealth()


class Meter:
    """CPU share of the server and of this bench over one phase."""

    def __init__(self, pid: int | None):
        self.pid = pid
        HEALTH.take()
        self.start = sample_process(pid)
        self.start_self = self_cpu()
        self.start_machine = machine_busy()
        self.start_at = time.monotonic()

    def stop(self) -> dict:
        """Return the phase's wall time, CPU shares and the server's RSS and fds at its end."""
        elapsed = max(time.monotonic() - self.start_at, 1e-9)
        end = sample_process(self.pid)
        machine_end = machine_busy()
        result = {
            "seconds": round(elapsed, 2),
            "bench_cpu_pct": round(100 * (self_cpu() - self.start_self) / elapsed, 1),
            **HEALTH.take(),
        }
        if self.start_machine and machine_end and machine_end[1] > self.start_machine[1]:
            busy = machine_end[0] - self.start_machine[0]
            # 100% means every core busy: the server, the bench and the database together.
            result["machine_cpu_pct"] = round(
                100 * busy / (machine_end[1] - self.start_machine[1]), 1
            )
        if self.start and end:
            result.update(
                server_cpu_pct=round(100 * (end.cpu - self.start.cpu) / elapsed, 1),
                server_rss_mb=round(end.rss_mb, 1),
                server_fds=end.fds,
            )
        return result


# --- the listening clients ----------------------------------------------------------------


@dataclass
class Listener:
    """One citizen's socket: what it received and when."""

    index: int
    client: object = None
    joined_seq: int | None = None
    error: str | None = None
    changes: list = field(default_factory=list)  # (seq, monotonic time, question_id, kind)
    tallies: list = field(default_factory=list)  # monotonic times
    counts: dict = field(default_factory=dict)  # latest support count per question id
    disconnected: bool = False


class Fanout:
    """N listeners on one session's public room, and the bookkeeping of their events."""

    def __init__(self, origin: str, session_id: int, clients: int, args):
        self.origin = origin
        self.session_id = session_id
        self.listeners = [Listener(i) for i in range(clients)]
        self.args = args
        self.http = None
        self.arrivals: dict[int, int] = {}
        self.waiters: dict[int, asyncio.Event] = {}
        self.expected_listeners = 0

    @property
    def joined(self) -> list[Listener]:
        return [x for x in self.listeners if x.joined_seq is not None and not x.error]

    def _note_change(self, seq) -> None:
        count = self.arrivals.get(seq, 0) + 1
        self.arrivals[seq] = count
        waiter = self.waiters.get(seq)
        if waiter is not None and count >= self.expected_listeners:
            waiter.set()

    def _handlers(self, listener: Listener, client) -> None:
        def on_change(data):
            now = time.monotonic()
            seq = data.get("seq") if isinstance(data, dict) else None
            listener.changes.append((seq, now, data.get("question_id"), data.get("kind")))
            self._note_change(seq)

        def on_tally(data):
            listener.tallies.append(time.monotonic())
            for qid, count in (data.get("counts") or {}).items():
                listener.counts[int(qid)] = count

        def on_disconnect(*_):
            listener.disconnected = True

        client.on("change", on_change)
        client.on("tally", on_tally)
        client.on("disconnect", on_disconnect)

    async def _open(self, listener: Listener, gate: asyncio.Semaphore) -> None:
        import socketio

        async with gate:
            client = socketio.AsyncClient(
                reconnection=False, handle_sigint=False, http_session=self.http
            )
            listener.client = client
            self._handlers(listener, client)
            try:
                await client.connect(
                    self.origin,
                    headers={"Origin": self.origin},
                    transports=["websocket"],
                    wait_timeout=self.args.connect_timeout,
                )
                ack = await client.call(
                    "join",
                    {"session_id": self.session_id, "room": "public"},
                    timeout=self.args.connect_timeout,
                )
            except Exception as error:
                listener.error = f"{type(error).__name__}: {error}"[:200]
                return
            if not (isinstance(ack, dict) and ack.get("ok")):
                listener.error = f"join refused: {ack}"[:200]
                return
            listener.joined_seq = ack["seq"]

    async def connect_all(self) -> dict:
        """Open every socket (bounded concurrency and time) and join the public room."""
        import aiohttp

        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
        )
        gate = asyncio.Semaphore(self.args.connect_concurrency)
        started = time.monotonic()
        tasks = [asyncio.create_task(self._open(x, gate)) for x in self.listeners]
        _, pending = await asyncio.wait(tasks, timeout=self.args.connect_phase_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for listener in self.listeners:
            if listener.joined_seq is None and listener.error is None:
                listener.error = "TimeoutError: connect phase ended first"
        elapsed = time.monotonic() - started
        errors: dict[str, int] = {}
        for listener in self.listeners:
            if listener.error:
                kind = listener.error.split(":", 1)[0]
                errors[kind] = errors.get(kind, 0) + 1
        joined = self.joined
        self.expected_listeners = len(joined)
        return {
            "requested": len(self.listeners),
            "joined": len(joined),
            "failed": len(self.listeners) - len(joined),
            "errors": errors,
            "first_error": next((x.error for x in self.listeners if x.error), None),
            "seconds": round(elapsed, 2),
            "joins_per_second": round(len(joined) / elapsed, 1) if elapsed else None,
            "join_seqs": sorted({x.joined_seq for x in joined}),
        }

    async def close_all(self) -> None:
        """Disconnect every socket, waiting a bounded time."""
        clients = [x.client for x in self.listeners if x.client is not None]

        async def close(client):
            with contextlib.suppress(Exception):
                await client.disconnect()

        if clients:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(close(c) for c in clients), return_exceptions=True), 30
                )
        if self.http is not None:
            await self.http.close()

    async def wait_for_seq(self, seq: int, timeout: float) -> bool:
        """Wait until every joined listener has SEQ, or TIMEOUT; return whether they all did."""
        waiter = self.waiters.setdefault(seq, asyncio.Event())
        if self.arrivals.get(seq, 0) >= self.expected_listeners:
            waiter.set()
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except TimeoutError:
            return False
        return True


# --- the phases ---------------------------------------------------------------------------


@dataclass
class Target:
    """The server under test: an origin on 127.0.0.1, and its pid when this bench owns it."""

    origin: str
    session_id: int
    moderator: str
    password: str
    official_ids: list
    pid: int | None = None

    def url(self, path: str) -> str:
        return self.origin + path


def prepare_questions(target: Target, count: int) -> tuple[StaffApi, list[dict]]:
    """Submit COUNT citizen questions; return a logged-in moderator and their staff views."""
    citizen = http_session(target)
    marker = secrets.token_hex(3)
    codes = []
    for i in range(count):
        response = citizen.post(
            target.url(f"/api/v1/sessions/{target.session_id}/questions"),
            json={
                "text": f"پرسش سنجش بار {marker}-{i + 1}: زمان بهسازی خیابان‌های منطقه کی است؟",
                "name": f"شهروند {i + 1}",
            },
            timeout=15,
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"submit failed: {response.status_code} {response.text[:300]}")
        codes.append(response.json()["question"]["tracking_code"])
    staff = StaffApi(target, target.moderator, target.password)
    queue = staff.http.get(target.url(f"/api/v1/sessions/{target.session_id}/queue"), timeout=15)
    queue.raise_for_status()
    by_code = {q["tracking_code"]: q for q in queue.json()["questions"]}
    return staff, [by_code[code] for code in codes]


def change_plan(target: Target, questions: list[dict], changes: int) -> list[tuple]:
    """Return CHANGES (verb, question id, body) moderator commands: approve, then route."""
    plan = []
    for i, question in enumerate(questions):
        if len(plan) >= changes:
            break
        plan.append(("approve", question["id"], {}))
        if len(plan) < changes:
            official = target.official_ids[i % len(target.official_ids)]
            plan.append(("route", question["id"], {"official_id": official}))
    return plan


async def run_changes(fanout: Fanout, staff: StaffApi, plan, args, base_seq: int) -> dict:
    """Send each planned command, then wait until every listener has its change."""

    def send(verb, qid, body):
        sent = time.monotonic()
        staff.command(qid, verb, **body)
        return sent, time.monotonic()

    timings = []
    failure = None
    for index, (verb, qid, body) in enumerate(plan):
        seq = base_seq + index + 1
        fanout.waiters.setdefault(seq, asyncio.Event())
        try:
            sent, answered = await asyncio.to_thread(send, verb, qid, body)
        except Exception as error:  # e.g. the server refusing connections: report, stop
            failure = f"{verb} #{index + 1}: {type(error).__name__}: {error}"[:300]
            print(f"  command failed, ending the change phase: {failure}")
            break
        complete = await fanout.wait_for_seq(seq, args.change_timeout)
        timings.append(
            {"seq": seq, "verb": verb, "question_id": qid, "sent": sent, "answered": answered}
        )
        if not complete:
            print(f"  change seq {seq} did not reach every client in {args.change_timeout}s")
        await asyncio.sleep(args.gap)
    return analyse_changes(fanout, timings) | {"command_error": failure}


def analyse_changes(fanout: Fanout, timings: list[dict]) -> dict:
    """Return delivery delays and the completeness of every listener's seq stream."""
    expected = [t["seq"] for t in timings]
    by_seq = {t["seq"]: t for t in timings}
    after_response, after_request, http_ms, per_change = [], [], [], []
    mismatched = set()
    for t in timings:
        http_ms.append(t["answered"] - t["sent"])
    arrivals_by_seq: dict[int, list] = {seq: [] for seq in expected}
    gaps = losses = duplicates = disorder = 0
    for listener in fanout.joined:
        seqs = [seq for seq, *_ in listener.changes]
        if seqs != expected:
            got = set(seqs)
            missing = [s for s in expected if s not in got]
            losses += len(missing)
            gaps += 1 if missing else 0
            duplicates += len(seqs) - len(got)
            disorder += 1 if [s for s in seqs if s in by_seq] != sorted(got & set(by_seq)) else 0
        for seq, at, qid, _kind in listener.changes:
            timing = by_seq.get(seq)
            if timing is None:
                continue
            if qid != timing["question_id"]:
                mismatched.add(seq)
            arrivals_by_seq[seq].append(at)
            after_response.append(at - timing["answered"])
            after_request.append(at - timing["sent"])
    for seq in expected:
        timing = by_seq[seq]
        delays = [at - timing["answered"] for at in arrivals_by_seq[seq]]
        per_change.append(
            {
                "seq": seq,
                "verb": timing["verb"],
                "http_ms": round((timing["answered"] - timing["sent"]) * 1000, 1),
                "received": len(delays),
                **{k: v for k, v in summary_ms(delays).items() if k != "count"},
            }
        )
    return {
        "changes": len(timings),
        "listeners": len(fanout.joined),
        "deliveries": len(after_response),
        "expected_deliveries": len(timings) * len(fanout.joined),
        "listeners_with_gaps": gaps,
        "lost_events": losses,
        "duplicate_events": duplicates,
        "listeners_out_of_order": disorder,
        "seq_question_mismatch": sorted(mismatched),
        "http_ms": summary_ms(http_ms),
        "delay_after_response_ms": summary_ms(after_response),
        "delay_after_request_ms": summary_ms(after_request),
        "per_change": per_change,
    }


async def support_burst(fanout: Fanout, target: Target, question_ids: list[int], args) -> dict:
    """Send K supports from K browsers spread over --support-window; count tallies."""
    import aiohttp

    citizen = await asyncio.to_thread(http_session, target)
    csrf = citizen.headers["X-CSRFToken"]
    # One signed session carries the CSRF token; each browser has its own liveqa_cid.
    session_cookie = "; ".join(f"{c.name}={c.value}" for c in citizen.cookies)
    listener_tallies_before = [len(x.tallies) for x in fanout.joined]
    expected = {qid: 0 for qid in question_ids}
    for listener in fanout.joined:
        listener.counts.clear()
    response = await asyncio.to_thread(
        citizen.get, target.url(f"/api/v1/sessions/{target.session_id}/questions"), timeout=15
    )
    response.raise_for_status()
    for question in response.json()["questions"]:
        if question["id"] in expected:
            expected[question["id"]] = question["support_count"]

    statuses: dict[int, int] = {}
    latencies = []
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=args.change_timeout)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as http:

        async def one(i: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            qid = question_ids[i % len(question_ids)]
            headers = {
                "Cookie": f"{session_cookie}; liveqa_cid={secrets.token_hex(16)}",
                "X-CSRFToken": csrf,
                "Origin": target.origin,
                "Referer": target.origin + "/",
            }
            sent = time.monotonic()
            try:
                async with http.post(
                    target.url(f"/api/v1/questions/{qid}/support"), json={}, headers=headers
                ) as reply:
                    await reply.read()
                    status = reply.status
            except Exception:
                status = 0
            latencies.append(time.monotonic() - sent)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201:
                expected[qid] += 1

        started = time.monotonic()
        step = args.support_window / max(args.supports, 1)
        burst_meter = Meter(target.pid)
        await asyncio.gather(*(one(i, started + i * step) for i in range(args.supports)))
        finished = time.monotonic()
        burst_resources = burst_meter.stop()

    # Wait for a final tally that shows every accepted support, at every listener.
    deadline = time.monotonic() + args.change_timeout + 3 * TALLY_INTERVAL
    while time.monotonic() < deadline:
        if all(all(x.counts.get(q) == n for q, n in expected.items()) for x in fanout.joined):
            break
        await asyncio.sleep(0.1)
    settled = time.monotonic()
    # A tally already scheduled could still come; give it one interval to show up.
    await asyncio.sleep(TALLY_INTERVAL + 0.2)
    per_listener, final_delays = [], []
    complete = 0
    for listener, before in zip(fanout.joined, listener_tallies_before, strict=False):
        times = listener.tallies[before:]
        per_listener.append(len(times))
        if all(listener.counts.get(q) == n for q, n in expected.items()):
            complete += 1
        if times:
            final_delays.append(times[-1] - finished)
    sample = fanout.joined[0].tallies[listener_tallies_before[0] :] if fanout.joined else []
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(sample)]
    return {
        "supports": args.supports,
        "questions": len(question_ids),
        "window_seconds": args.support_window,
        "burst_seconds": round(finished - started, 3),
        "burst_resources": burst_resources,
        "settle_seconds": round(settled - finished, 3),
        "http_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "support_http_ms": summary_ms(latencies),
        "tallies_per_listener": {
            "min": min(per_listener, default=0),
            "median": statistics.median(per_listener) if per_listener else 0,
            "max": max(per_listener, default=0),
        },
        "tally_gaps_seconds_listener0": gaps,
        "listeners_with_final_counts": complete,
        "listeners": len(fanout.joined),
        "last_tally_after_burst_ms": summary_ms(final_delays),
        "expected_counts": {str(k): v for k, v in expected.items()},
    }


async def run_bench(target: Target, args) -> dict:
    """Run the three phases against TARGET and return every measurement."""
    results: dict = {}
    questions_needed = math.ceil(args.changes / 2) + args.support_questions
    print(f"setup: submitting {questions_needed} questions as a citizen")
    staff, questions = await asyncio.to_thread(prepare_questions, target, questions_needed)
    support_targets = questions[: args.support_questions]
    for question in support_targets:
        await asyncio.to_thread(staff.command, question["id"], "approve")
    plan = change_plan(target, questions[args.support_questions :], args.changes)

    fanout = Fanout(target.origin, target.session_id, args.clients, args)
    gc.callbacks.append(HEALTH.on_gc)
    watcher = asyncio.create_task(HEALTH.watch())
    try:
        print(f"connect: {args.clients} websocket clients, {args.connect_concurrency} at a time")
        meter = Meter(target.pid)
        results["connect"] = await fanout.connect_all()
        results["connect"]["resources"] = meter.stop()
        print("  " + json.dumps(results["connect"], ensure_ascii=False))
        # Move the clients' long-lived objects out of the collector's reach: a full
        # collection over 1,500 clients otherwise stalls this loop for hundreds of ms,
        # which would be counted as delivery delay.
        gc.collect()
        gc.freeze()
        joined = fanout.joined
        if not joined:
            raise RuntimeError(f"no client joined: {results['connect']['first_error']}")
        base_seq = max(x.joined_seq for x in joined)
        if len({x.joined_seq for x in joined}) > 1:
            print("  warning: clients joined at different seqs; later changes are still exact")

        print(f"changes: {len(plan)} moderator commands, one at a time")
        meter = Meter(target.pid)
        results["changes"] = await run_changes(fanout, staff, plan, args, base_seq)
        results["changes"]["resources"] = meter.stop()
        brief = {k: v for k, v in results["changes"].items() if k != "per_change"}
        print("  " + json.dumps(brief, ensure_ascii=False))

        if args.supports:
            print(f"supports: {args.supports} browsers within {args.support_window}s")
            meter = Meter(target.pid)
            ids = [q["id"] for q in support_targets]
            results["supports"] = await support_burst(fanout, target, ids, args)
            results["supports"]["resources"] = meter.stop()
            print("  " + json.dumps(results["supports"], ensure_ascii=False))
        results["disconnected_during_run"] = sum(x.disconnected for x in fanout.joined)
    finally:
        watcher.cancel()
        gc.callbacks.remove(HEALTH.on_gc)
        gc.unfreeze()
        await fanout.close_all()
    return results


# --- setting up -------------------------------------------------------------------------


def raise_fd_limit(clients: int) -> tuple[int, int]:
    """Raise this process's open-file limit for CLIENTS sockets; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Each client holds one socket here and one in the server, plus headroom.
    wanted = clients + FD_HEADROOM
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
                env_extra = {}
                if args.max_connections:
                    env_extra["LIVEQA_MAX_CONNECTIONS"] = args.max_connections
                print("starting a seeded server on 127.0.0.1 (eventlet)")
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
    print(f"database: {report.get('database')}, open-file limit {report['fd_limit'][0]}")
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
