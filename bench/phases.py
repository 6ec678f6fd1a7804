"""The phases of the bench: setup questions, connect, moderator changes and a support burst.

Imports the end-to-end tests' real-server helpers: fanout.py, the entry point, puts tests/
and the repository root on sys.path before importing this module.
"""

import asyncio
import gc
import itertools
import json
import math
import secrets
import statistics
import time
from dataclasses import dataclass

from listeners import Fanout
from measure import HEALTH, Meter, summary_ms
from realclients import StaffApi, http_session

TALLY_INTERVAL = 1.0


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
    citizen = http_session(target, check_contract=False)
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
    staff = StaffApi(target, target.moderator, target.password, check_contract=False)
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
            if qid is not None and qid != timing["question_id"]:
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

    citizen = await asyncio.to_thread(http_session, target, check_contract=False)
    csrf = citizen.headers["X-CSRFToken"]
    # One signed session carries the CSRF token. No browser cookie (liveqa_cid, signed by the
    # server): the server gives each request a new identity, so each support is a browser.
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
                "Cookie": session_cookie,
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
