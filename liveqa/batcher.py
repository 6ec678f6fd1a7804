"""Change batches: each session's numbered changes go out as few, coalesced `changes` events."""

import logging
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
CHANGES_EVENT = "changes"


def is_session_wide(item: dict) -> bool:
    """Return whether ITEM changes the whole session (clients reload their snapshot)."""
    return item["kind"].startswith("session.")


def coalesce(items: list[dict]) -> list[dict]:
    """Keep the latest item per question (each a full view), and every item of no question."""
    latest = {}
    for item in items:
        key = item["question_id"] if item["question_id"] is not None else ("seq", item["seq"])
        latest.pop(key, None)  # re-inserted: dict order follows the latest seq
        latest[key] = item
    return list(latest.values())


def batches(session_id: int, items: list[dict]) -> list[dict]:
    """Return the `changes` events for one stream's ITEMS: one per contiguous run of seqs."""
    # Another process may number the seqs between ours: a batch covers only a run it
    # holds whole, or a client would skip the missing seqs when it sets its seq to `to`.
    events, run = [], []
    for item in sorted(items, key=lambda i: i["seq"]):
        if run and item["seq"] == run[-1]["seq"]:
            continue
        if run and item["seq"] != run[-1]["seq"] + 1:
            events.append(_event(session_id, run))
            run = []
        run.append(item)
    if run:
        events.append(_event(session_id, run))
    return events


def _event(session_id: int, run: list[dict]) -> dict:
    return {
        "session_id": session_id,
        "from": run[0]["seq"],
        "to": run[-1]["seq"],
        "changes": coalesce(run),
    }


@dataclass
class _Session:
    """One session's changes waiting for their batch, and whether a batch is going out."""

    items: dict[str, list[dict]] = field(default_factory=dict)
    rooms: dict[str, list[str]] = field(default_factory=dict)
    busy: bool = False
    scheduled: bool = False
    last: float = float("-inf")


class ChangeBatcher:
    """Send each session's changes at once after a quiet spell, else one batch per interval."""

    # One batch per session is in flight at a time: changes committed while it goes out
    # wait for the next, so a process that falls behind sends fewer, larger, coalesced
    # batches instead of queueing one event per change for every socket.

    def __init__(self, interval: float, emit, spawn, sleep, clock=time.monotonic):
        self.interval = interval
        self._emit = emit
        self._spawn = spawn
        self._sleep = sleep
        self._clock = clock
        self._sessions: dict[int, _Session] = {}
        self._lock = threading.Lock()

    def add(self, session_id: int, streams: dict[str, tuple[list[dict], list[str]]]) -> None:
        """Queue one transaction's items of SESSION_ID: {stream: (items, rooms)}."""
        if self.interval <= 0:
            self._send(session_id, streams)
            return
        with self._lock:
            state = self._sessions.setdefault(session_id, _Session())
            for name, (items, rooms) in streams.items():
                state.items.setdefault(name, []).extend(items)
                state.rooms[name] = rooms
            if state.busy or state.scheduled:
                return  # the batch going out, or the one due, takes these too
            wait = state.last + self.interval - self._clock()
            if wait <= 0:
                state.busy = True  # a quiet spell ended: the first change goes at once
            else:
                state.scheduled = True
        if wait <= 0:
            self._flush(session_id)
        else:
            self._spawn(self._later, session_id, wait)

    def _later(self, session_id: int, wait: float) -> None:
        self._sleep(wait)
        with self._lock:
            state = self._sessions[session_id]
            state.scheduled = False
            if state.busy:
                return  # the batch in flight schedules the next one when done
            state.busy = True
        self._flush(session_id)

    def _flush(self, session_id: int) -> None:
        with self._lock:
            state = self._sessions[session_id]
            taken, state.items = state.items, {}
            streams = {name: (items, state.rooms[name]) for name, items in taken.items()}
        try:
            self._send(session_id, streams)
        finally:
            with self._lock:
                state.busy = False
                state.last = self._clock()
                again = any(state.items.values()) and not state.scheduled
                state.scheduled = state.scheduled or again
            if again:
                self._spawn(self._later, session_id, self.interval)

    def _send(self, session_id: int, streams) -> None:
        for name, (items, rooms) in streams.items():
            for event in batches(session_id, items):
                try:
                    self._emit(CHANGES_EVENT, event, to=rooms)
                except Exception:  # a broken fan-out must not undo a committed change
                    log.exception("emit of a %s batch failed", name)
