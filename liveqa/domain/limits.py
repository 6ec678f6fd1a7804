"""In-process sliding-window rate limits: submissions, tracking-code guesses, log-ins.

Counts live in this process: with several server processes each one counts on its own.
Only the domain's guarded verbs call these; edges call the verbs.
"""

import math
import threading
import time
from collections import deque

from flask import current_app

from liveqa.domain.errors import RateLimited

EXTENSION_KEY = "liveqa_rate_limiters"
WINDOW_SECONDS = 60.0
# Above this many tracked keys, idle ones are dropped so memory stays bounded.
PRUNE_ABOVE = 10_000


class SlidingWindowLimiter:
    """Allow at most LIMIT hits per key within any WINDOW seconds (LIMIT 0: no limit)."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, clock=time.monotonic):
        self.limit = int(limit)
        self.window = float(window)
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one hit by KEY; return 0 if allowed, else the seconds until one is."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            if len(self._hits) > PRUNE_ABOVE:
                self._prune(now)
            return 0.0

    def blocked(self, key: str) -> float:
        """Return 0 if KEY may act now, else the seconds until it may; count nothing."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return 0.0
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            return 0.0

    def give_back(self, key: str) -> None:
        """Forget KEY's latest hit, counted for an attempt that proved harmless."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def reset(self) -> None:
        """Forget every hit."""
        with self._lock:
            self._hits.clear()

    def _prune(self, now: float) -> None:
        cutoff = now - self.window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]:
            del self._hits[key]


def limiter(name: str, per_minute: int) -> SlidingWindowLimiter:
    """Return the current app's limiter NAME, creating it with PER_MINUTE on first use."""
    limiters = current_app.extensions.setdefault(EXTENSION_KEY, {})
    found = limiters.get(name)
    if found is None:
        found = limiters.setdefault(name, SlidingWindowLimiter(per_minute))
    return found


def check_submit_rate(key: str) -> None:
    """Count one public submission by KEY; raise RateLimited above SUBMIT_RATE_PER_MINUTE."""
    wait = limiter("submit", current_app.config["SUBMIT_RATE_PER_MINUTE"]).hit(key)
    if wait:
        raise RateLimited(details={"retry_after": math.ceil(wait)})


# Failures counted per address: guessing fails nearly always, a real user nearly never.
FAILURE_LIMITS = {
    "lookup": "TRACKING_FAILURES_PER_MINUTE",  # well-formed but unknown tracking codes
}


def _failures(kind: str) -> SlidingWindowLimiter:
    return limiter(f"{kind}_failures", current_app.config[FAILURE_LIMITS[kind]])


def check_failures(kind: str, key: str) -> None:
    """Raise RateLimited if KEY (an address) failed at KIND too often in the last minute."""
    wait = _failures(kind).blocked(key)
    if wait:
        raise RateLimited(details={"retry_after": math.ceil(wait)})


def count_failure(kind: str, key: str) -> None:
    """Count one failure at KIND ("lookup") by KEY."""
    _failures(kind).hit(key)


# Staff behind one municipal address each get LOGIN_FAILURES_PER_MINUTE for their own user
# name; the address as a whole gets this many times that, so it cannot try many names.
LOGIN_ADDRESS_FACTOR = 5


def _login_counts(address: str, username: str) -> list[tuple[SlidingWindowLimiter, str]]:
    per_name = current_app.config["LOGIN_FAILURES_PER_MINUTE"]
    # Normalised as authenticate() looks the name up: "Mod " and "mod" are one account.
    name = (username or "").strip().lower()
    return [
        (limiter("login_address_failures", per_name * LOGIN_ADDRESS_FACTOR), address),
        (limiter("login_failures", per_name), f"{address}\n{name}"),
    ]


def start_login(address: str, username: str) -> None:
    """Count a log-in attempt by ADDRESS as USERNAME; raise RateLimited above the limits."""
    # Counted before the password check, which yields: attempts sent at once would all
    # pass a look that only counted finished failures.
    counted = []
    for window, key in _login_counts(address, username):
        wait = window.hit(key)
        if wait:
            for taken, taken_key in counted:
                taken.give_back(taken_key)
            raise RateLimited(details={"retry_after": math.ceil(wait)})
        counted.append((window, key))


def login_succeeded(address: str, username: str) -> None:
    """Give back the attempt start_login counted: a right password is not guessing."""
    for window, key in _login_counts(address, username):
        window.give_back(key)
