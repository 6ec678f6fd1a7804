"""Watch LiveQA's PostgreSQL backends during a benchmark run; summarize what they did per phase.

Issue 12 point 4 asks for short transactions that lock the session row last and briefly,
and for no transaction waiting on the hub while it holds a lock. A thread of the
orchestrator (pinned with the load generator, on CPU 1) samples pg_stat_activity and
pg_locks of the bench database every ~100 ms over its own connection; the pure functions
below turn the samples into per-phase numbers (tests/test_bench_pgactivity.py).

Sampling sees what lasts: a transaction shorter than the interval is mostly missed, so
every number is a lower bound of the worst case, exact to about one interval.
"""

import contextlib
import os
import threading
import time

INTERVAL_S = 0.1

# One row per client backend of the bench database but the sampler's own. A session row
# is "held" by a transaction that wrote a live_sessions row (RowExclusiveLock on the
# table): a row lock kept until commit. FOR KEY SHARE from foreign keys (RowShareLock)
# blocks no update of the session's counters, so it does not count.
QUERY = """
SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
       extract(epoch FROM a.xact_start),
       1000 * extract(epoch FROM clock_timestamp() - a.xact_start),
       1000 * extract(epoch FROM clock_timestamp() - a.state_change),
       (SELECT 1000 * extract(epoch FROM clock_timestamp() - min(l.waitstart))
          FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted),
       EXISTS (SELECT 1 FROM pg_locks l
                WHERE l.pid = a.pid AND l.granted AND l.locktype = 'relation'
                  AND l.relation = to_regclass('live_sessions')
                  AND l.mode = 'RowExclusiveLock'),
       left(a.query, 120)
  FROM pg_stat_activity a
 WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
   AND a.backend_type = 'client backend'
"""
FIELDS = (
    "pid",
    "state",
    "wait_event_type",
    "wait_event",
    "xact_start",
    "xact_ms",
    "state_ms",
    "lock_wait_ms",
    "holds_session_row",
    "query",
)


def backend_row(row) -> dict:
    """Return one QUERY row as a dict, durations as floats in ms."""
    backend = dict(zip(FIELDS, row, strict=True))
    for name in ("xact_start", "xact_ms", "state_ms", "lock_wait_ms"):
        if backend[name] is not None:
            backend[name] = float(backend[name])
    return backend


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarize_samples(samples: list[dict]) -> dict:
    """Summarize SAMPLES ({"wall_ms", "backends"}) of one phase into its worst cases."""
    longest_xact = longest_idle = longest_wait = 0.0
    wait_samples = held_samples = held_idle_samples = 0
    backends, pids = 0, set()
    # A session row holder is one transaction (pid, xact_start): first and last seen holding.
    holds: dict[tuple, list] = {}
    holder_xact, holder_query = 0.0, None
    for sample in samples:
        present = sample["backends"]
        backends = max(backends, len(present))
        waiting = held = held_idle = False
        for b in present:
            pids.add(b["pid"])
            longest_xact = max(longest_xact, b["xact_ms"] or 0.0)
            if b["state"] == "idle in transaction":
                longest_idle = max(longest_idle, b["state_ms"] or 0.0)
            if b["wait_event_type"] == "Lock":
                waiting = True
                # waitstart can be null for an instant after the wait began.
                wait = b["lock_wait_ms"] if b["lock_wait_ms"] is not None else b["state_ms"]
                longest_wait = max(longest_wait, wait or 0.0)
            # A writer still waiting for the row has the table lock but not the row yet.
            holding = b["holds_session_row"] and b["wait_event_type"] != "Lock"
            if holding and b["xact_start"] is not None:
                held = True
                held_idle = held_idle or b["state"] == "idle in transaction"
                if (b["xact_ms"] or 0.0) >= holder_xact:
                    holder_xact, holder_query = b["xact_ms"] or 0.0, b["query"]
                seen = holds.setdefault((b["pid"], b["xact_start"]), [sample["wall_ms"]] * 2)
                seen[1] = sample["wall_ms"]
        wait_samples += waiting
        held_samples += held
        held_idle_samples += held_idle
    return {
        "samples": len(samples),
        "backends": backends,
        "distinct_backends": len(pids),
        "longest_transaction_ms": _ms(longest_xact),
        "longest_idle_in_transaction_ms": _ms(longest_idle),
        "lock_wait_samples": wait_samples,
        "longest_lock_wait_ms": _ms(longest_wait),
        "session_row_held_samples": held_samples,
        "session_row_held_idle_samples": held_idle_samples,
        # Seen holding from one sample to a later one: at least this long.
        "session_row_held_ms_at_least": _ms(max((b - a for a, b in holds.values()), default=0.0)),
        # The holder's transaction age: the lock was taken at most this long before.
        "session_row_holder_transaction_ms": _ms(holder_xact),
        # Who: that oldest holder's current (or, when idle, last) statement.
        "session_row_holder_query": holder_query,
    }


def phase_windows(raw: dict) -> dict[str, tuple[float, float]]:
    """Return each phase's (start, end) wall-clock ms from the generator's /proc samples."""
    windows = {}
    # Connecting the citizens (joins, the pool growing) is no change phase: JSON only.
    start = raw.get("samples", {}).get("before_connect", {}).get("wall_ms")
    end = raw.get("samples", {}).get("idle", {}).get("wall_ms")
    if start is not None and end is not None:
        windows["connect"] = (start, end)
    for name, phase in raw.get("phases", {}).items():
        cpu = phase.get("cpu") or {}
        start, end = cpu.get("before", {}).get("wall_ms"), cpu.get("after", {}).get("wall_ms")
        if start is not None and end is not None:
            windows[name] = (start, end)
    return windows


def summarize_activity(samples: list[dict], raw: dict) -> dict:
    """Return the whole run's and each phase's summary of SAMPLES, phases as RAW's."""
    result = {"whole_run": summarize_samples(samples)}
    for name, (start, end) in phase_windows(raw).items():
        result[name] = summarize_samples([s for s in samples if start <= s["wall_ms"] <= end])
    return result


ROWS = (
    ("PG backends", "backends"),
    ("PG longest transaction ms", "longest_transaction_ms"),
    ("PG longest idle in transaction ms", "longest_idle_in_transaction_ms"),
    ("PG samples with a lock wait", "lock_wait_samples"),
    ("PG longest lock wait ms", "longest_lock_wait_ms"),
    ("PG samples: session row held", "session_row_held_samples"),
    ("PG samples: session row held while idle in transaction", "session_row_held_idle_samples"),
    ("PG session row held at least ms", "session_row_held_ms_at_least"),
    ("PG session row holder's transaction ms", "session_row_holder_transaction_ms"),
)


def activity_rows(phase: str, summary: dict | None) -> list[tuple[str, float | None]]:
    """Return the table rows of PHASE's activity SUMMARY (none without one)."""
    if not summary:
        return []
    # No sample in the phase (the sampler failed; see "errors"): unknown, not zero.
    seen = summary["samples"] > 0
    return [(f"{phase}: {label}", summary[key] if seen else None) for label, key in ROWS]


class Sampler:
    """Sample the database URL names from a thread pinned to CPU, until stopped."""

    def __init__(self, url: str, cpu: int, interval: float = INTERVAL_S):
        self.url, self.cpu, self.interval = url, cpu, interval
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pgactivity", daemon=True)

    def _run(self) -> None:
        import psycopg2

        # Pins this thread only: the orchestrator's other threads stay where they are.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {self.cpu})
        try:
            connection = psycopg2.connect(self.url)
        except psycopg2.Error as error:
            self.errors.append(str(error)[:500])
            return
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                while not self._stop.is_set():
                    started = time.monotonic()
                    cursor.execute(QUERY)
                    backends = [backend_row(row) for row in cursor.fetchall()]
                    self.samples.append({"wall_ms": time.time() * 1000, "backends": backends})
                    self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
        except psycopg2.Error as error:
            self.errors.append(str(error)[:500])
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)


@contextlib.contextmanager
def watching(url: str | None, cpu: int):
    """Sample URL's backends while the block runs (no sampler, None, when URL is None)."""
    if url is None:
        yield None
        return
    with Sampler(url, cpu) as sampler:
        yield sampler
