"""The listening clients: N Socket.IO websockets in the public room, and what each receives."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field


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
        def on_changes(batch):
            # A `changes` batch covers the public seqs from..to; a seq coalesced away (its
            # question changed again later in the batch) arrives with no item of its own.
            now = time.monotonic()
            if not isinstance(batch, dict):
                return
            items = {c.get("seq"): c for c in batch.get("changes") or ()}
            for seq in range(batch.get("from", 0), batch.get("to", -1) + 1):
                item = items.get(seq) or {}
                listener.changes.append((seq, now, item.get("question_id"), item.get("kind")))
                self._note_change(seq)

        def on_tally(data):
            listener.tallies.append(time.monotonic())
            for qid, count in (data.get("counts") or {}).items():
                listener.counts[int(qid)] = count

        def on_disconnect(*_):
            listener.disconnected = True

        client.on("changes", on_changes)
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
