"""Per-account log-in delay: guesses at one user name wait longer and longer, from any address.

The per-address limits (liveqa/domain/limits.py) cannot see many addresses guessing at one
account. Here each user name has a failure count; past LOGIN_ACCOUNT_FREE_FAILURES, every
further attempt at that name must come at least 1, 2, 4 ... seconds (at most
LOGIN_DELAY_MAX_SECONDS) after the one before, or it is refused with 429 and Retry-After.
Nothing is locked for good: the delay is capped, the count is forgotten after
LOGIN_FAILURE_WINDOW_SECONDS, and a right password clears it.

Counts live in the `limits` library's storage named by LOGIN_THROTTLE_URL (Redis: shared by
every server process; memory://: this process), outside the request's transaction, so a
rolled-back request or a crash mid-hash still counts. Only the domain's log-in verbs call this.
"""

import hashlib
import logging
import math
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits.storage import Storage, storage_from_string

from liveqa.domain.errors import RateLimited
from liveqa.domain.text import local_number

log = logging.getLogger(__name__)

EXTENSION_KEY = "liveqa_login_delay"


def _storage() -> Storage:
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        url = current_app.config["LOGIN_THROTTLE_URL"]
        # Deployments sharing one Redis keep their counts apart, as their socket channels.
        prefix = f"{current_app.config['SOCKETIO_CHANNEL']}-login"
        found = current_app.extensions.setdefault(
            EXTENSION_KEY, storage_from_string(url, key_prefix=prefix)
        )
    return found


def _keys(username: str) -> tuple[str, str]:
    # Normalised as the account is looked up ("Mod " is "mod"); hashed, so any typed text
    # makes a short key and no user name is kept in clear outside the database.
    name = (username or "").strip().lower()
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"failures:{digest}", f"wait:{digest}"


def delay_after(failures: int, free: int, cap: int, first: int = 1) -> int:
    """Return the wait after FAILURES: none for FREE, then FIRST seconds doubling up to CAP."""
    if free <= 0 or failures < free:
        return 0
    # Capped before the power, so a huge count costs nothing to compute.
    return min(max(first, 1) * 2 ** min(failures - free, 32), max(cap, 1))


def _refused(wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(
        _l(
            "Too many wrong attempts at this account. Try again in %(n)s seconds.",
            n=local_number(seconds),
        ),
        code="login_delayed",
        details={"retry_after": seconds},
    )


def start_account_attempt(username: str) -> None:
    """Count an attempt at USERNAME before its password is checked; raise if it must wait."""
    config = current_app.config
    free = config["LOGIN_ACCOUNT_FREE_FAILURES"]
    if free <= 0:
        return
    failures_key, wait_key = _keys(username)
    try:
        storage = _storage()
        wait = delay_after(
            storage.get(failures_key),
            free,
            config["LOGIN_DELAY_MAX_SECONDS"],
            config["LOGIN_DELAY_FIRST_SECONDS"],
        )
        # The wait key, made with its expiry by the first attempt to increment it, is the
        # one ticket for this delay: attempts sent together cannot all go through.
        if wait and storage.incr(wait_key, wait) > 1:
            raise _refused(storage.get_expiry(wait_key) - time.time())
        # Counted before the check, which yields: a failure until a right password says not.
        storage.incr(failures_key, config["LOGIN_FAILURE_WINDOW_SECONDS"])
    except RateLimited:
        raise
    except Exception:
        # Redis out of reach: staff can still log in; the per-address limits still hold.
        log.warning("log-in delay storage unavailable; not delaying", exc_info=True)


def give_back_attempt(username: str) -> None:
    """Forget the attempt at USERNAME just counted: it proved the password right."""
    if current_app.config["LOGIN_ACCOUNT_FREE_FAILURES"] <= 0:
        return
    try:
        # incr by -1: Redis storage has no decr; a count gone meanwhile just ends at -1.
        window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
        _storage().incr(_keys(username)[0], window, amount=-1)
    except Exception:
        log.warning("log-in delay storage unavailable", exc_info=True)


def clear_account(username: str) -> None:
    """Forget USERNAME's failures and delay: its owner has logged in."""
    if current_app.config["LOGIN_ACCOUNT_FREE_FAILURES"] <= 0:
        return
    try:
        storage = _storage()
        for key in _keys(username):
            storage.clear(key)
    except Exception:
        log.warning("log-in delay storage unavailable", exc_info=True)
